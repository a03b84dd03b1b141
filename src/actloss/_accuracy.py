"""The accuracy mode: which kernels a call runs.

``"accurate"`` (the default): within 1 ULP of the correctly rounded result in float32 and 2 ULP
in float64, on every input. ``"fast"``: within 4 ULP in both, on every input whose result is a
normal number. NaN, infinities and limits are the same as in accurate mode. A function without
a fast kernel runs its accurate one in fast mode.

The mode of a call is the first of these that is set:

1. the innermost ``with actloss.accuracy(mode):`` block of the calling thread (a context
   variable, so asyncio tasks keep their own; a new thread starts without one);
2. ``actloss.set_accuracy(mode)``, for the whole process;
3. the environment variable ``ACTLOSS_ACCURACY``, read at import;
4. ``"accurate"``.
"""
import contextlib
import contextvars
import os
import threading

MODES = ("accurate", "fast")
BOUNDS = {"accurate": "<= 1 ULP float32, <= 2 ULP float64",
          "fast": "<= 4 ULP where the result is normal"}


def _check(mode, name="mode"):
    if not isinstance(mode, str) or mode.strip().lower() not in MODES:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, MODES))}, got {mode!r}")
    return mode.strip().lower()


_override = contextvars.ContextVar("actloss_accuracy", default=None)
# Called after set_accuracy() and on entering an accuracy() block: actloss.ufuncs' loops run
# without the GIL and keep a mirror of _default and _blocks_seen (once a block was entered, they
# read the context variable at each call).
LISTENERS = []
_blocks_seen = False
# Held while the mode changes and the listeners copy it: two threads calling set_accuracy at
# once could otherwise leave the ufuncs' mirror at the value the other thread's call replaced.
_lock = threading.Lock()
if os.environ.get("ACTLOSS_ACCURACY", "").strip():
    _default = _check(os.environ["ACTLOSS_ACCURACY"], "ACTLOSS_ACCURACY")
    _default_source = "ACTLOSS_ACCURACY"
else:
    _default, _default_source = "accurate", "default"


def get_accuracy():
    """The accuracy mode of a call made here: "accurate" or "fast".

    Examples
    --------
    >>> import actloss
    >>> actloss.get_accuracy()
    'accurate'
    """
    mode = _override.get()
    return _default if mode is None else mode


def is_fast():
    """Whether a call made here runs the fast kernels (the kernels' question, answered fast)."""
    mode = _override.get()
    return (_default if mode is None else mode) == "fast"


def accuracy_source():
    """(mode, what set it) of a call made here, for show_config."""
    if _override.get() is not None:
        return _override.get(), "actloss.accuracy() block"
    return _default, _default_source


def set_accuracy(mode):
    """Set the accuracy mode of the whole process: "accurate" (the default: <= 1 ULP float32,
    <= 2 ULP float64) or "fast" (<= 4 ULP wherever the result is a normal number). An
    enclosing ``with actloss.accuracy(...)`` block still wins inside it. Returns the previous
    process-wide mode.

    Examples
    --------
    >>> import actloss
    >>> actloss.set_accuracy("fast")
    'accurate'
    >>> actloss.get_accuracy()
    'fast'
    >>> actloss.set_accuracy("accurate")
    'fast'
    """
    global _default, _default_source
    mode = _check(mode)
    with _lock:
        previous, _default, _default_source = _default, mode, "set_accuracy"
        for listener in LISTENERS:
            listener()
    return previous


@contextlib.contextmanager
def accuracy(mode):
    """``with actloss.accuracy("fast"):`` runs the calls of this thread (or asyncio task) in the
    block in that mode, then restores the previous one; other threads are not affected.

    Examples
    --------
    >>> import actloss
    >>> with actloss.accuracy("fast"):
    ...     print(actloss.get_accuracy())
    fast
    >>> actloss.get_accuracy()
    'accurate'
    """
    global _blocks_seen
    token = _override.set(_check(mode))
    with _lock:
        _blocks_seen = True
        for listener in LISTENERS:
            listener()
    try:
        yield
    finally:
        _override.reset(token)
