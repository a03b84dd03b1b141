"""The benchmark case table: every public function of actloss, forward, backward and (where
there is one) the fused ``*_with_grad``, as actloss, as torch and as the plain NumPy formula a
user would otherwise write.

One table shared by ``python -m actloss bench`` (``bench.py``), the speed table of
``python -m actloss``, the pytest-benchmark suite in ``benchmarks/`` and
``tests/test_bench.py``, so that all of them time the same calls and a formula is checked in
one place. The cases are written in ``bench_activations.py`` (the activations and the
``np.copyto`` reference) and ``bench_losses.py`` (the softmax family and the losses); this
module holds what they share: the ``Case`` type, the sizes, inputs, binding of the
implementations, the agreement check, bytes moved, timing and thread settings. torch, JAX and
SciPy are optional: without them their implementations are unavailable (``bind`` returns
None).
Nothing here is imported by the public API.

Implementations of a case (``IMPLEMENTATIONS``):

``actloss``        the API call, writing into a preallocated ``out=`` where the API has one
``actloss-alloc``  the same call returning a new array (only where ``actloss`` uses ``out=``)
``numpy``          the plain NumPy formula (forward; backward: the derivative times
                   grad_output; fused: both)
``torch``          torch's call: ``torch.nn.functional`` forward; backward the autograd-free
                   ``torch.ops.aten.<op>_backward`` where one exists, else
                   ``torch.autograd.grad(..., retain_graph=True)`` on a graph built once; fused:
                   forward plus ``torch.autograd.grad`` on a fresh graph, as a training step
``torch-out``      torch's forward writing into a preallocated ``out=`` where torch has such a
                   call (``torch.sigmoid(x, out=y)``, ``torch._C._nn.gelu``, the binding
                   ``F.gelu`` calls): the peer of ``actloss`` with ``out=``
``jax``            ``jax.jit`` of the function as a JAX user writes it (``jax.nn.<api>``, else
                   the case's ``jax_fwd``: optax's loss formulas in ``jax.numpy``); backward:
                   jit of ``jax.vjp``'s pullback of grad_output over the differentiated
                   arguments (the forward recomputed inside: XLA keeps what the gradient
                   needs); fused: the value and that gradient from one vjp. Inputs are put on
                   the device once; every call blocks until its result is ready

Inputs are deterministic (seeded), built once per (case, dtype, size) outside the timed region
and shared by all implementations (torch tensors via ``torch.from_numpy``: the same memory;
jax arrays via ``jax.device_put``).
Before a case is timed, every implementation's result is compared with actloss's
(``check_agreement``): a wrong formula would make its ratio meaningless.
"""
from __future__ import annotations

import contextlib
import fnmatch
import functools
import math
import os
import time
import types
from collections import namedtuple
from dataclasses import dataclass, field

import numpy as np

IMPLEMENTATIONS = ("actloss", "actloss-alloc", "numpy", "torch", "torch-out", "jax")
DIRECTIONS = ("forward", "backward", "fused")
DTYPES = ("float32", "float64")

# Sizes per kind of case: elements of a 1-D input (elementwise functions and pointwise
# losses), (rows, classes) of the row-wise ones, (batch, dimension) of the embedding losses.
# The smallest of each shows the per-call overhead.
SIZES = {
    "elementwise": (10**3, 10**5, 10**6, 10**7),
    "rowwise": ((100, 10), (4096, 10), (1000, 1000), (64, 32000)),
    "embedding": ((16, 64), (256, 128), (4096, 512)),
    "sequence": ((50, 4), (150, 16), (200, 32)),   # (frames T, batch N) of ctc_loss, C = 40
}
# The quick slice (python -m actloss bench --quick, the CI floors): the overhead size and one
# where the kernels dominate, float32, one thread.
QUICK = {
    "sizes": {"elementwise": (10**3, 10**5), "rowwise": ((100, 10), (4096, 10)),
              "embedding": ((16, 64), (256, 128)), "sequence": ((50, 4), (150, 16))},
    "dtypes": ("float32",),
    "threads": (1,),
}


@dataclass(frozen=True)
class Case:
    """One function (with one set of parameters) of the table.

    The actloss call is ``actloss.<api>(*args, **params)`` (plus ``out=``, plus the arrays
    named in ``fwd_kw`` as keywords); its backward ``<api>_backward(grad_output, *args,
    **params)`` (``output=y`` instead of the inputs when ``saves == "y"``); its fused form
    ``<api>_with_grad(*args, grad_output=..., **params)``. torch's defaults to
    ``torch.nn.functional.<api>(*args, **params)`` and autograd over ``grads``; JAX's to
    ``jax.nn.<api>(*args, **params)`` (``dim`` spelled ``axis``) and ``jax.vjp`` over
    ``grads``. A case without a JAX formula (no ``jax_fwd`` and no ``jax.nn.<api>``: rrelu's
    random slopes, multilabel_margin_loss's target lists) has no jax implementation.
    """
    name: str                  # unique: "gelu_tanh", "cross_entropy_probs", "copy"
    api: str | None            # the actloss function; None for the np.copyto reference
    family: str                # "activation", "softmax", "loss": benchmarks/bench_<family>.py
    kind: str                  # a key of SIZES
    make: object               # (shape, dtype, rng) -> {name: array} of the inputs
    np_fwd: object             # a -> the NumPy forward result
    np_bwd: object = None      # a -> the NumPy gradient(s), grad_output a.gy
    args: tuple = ("x",)       # the positional array arguments, in order
    params: dict = field(default_factory=dict)   # keyword arguments for actloss and torch
    shape: object = None       # size -> input shape; default (n,) or the (rows, cols) size
    grads: tuple = ("x",)      # the arguments the backward returns gradients of, in order
    saves: str = "x"           # "y": the backward takes the forward result as output=
    out: tuple = ()            # directions whose API takes out=
    fused: bool = False        # <api>_with_grad exists
    fwd_kw: tuple = ()         # inputs passed to the forward as keywords (rrelu's noise)
    bwd_kw: tuple = ()         # inputs passed to the backward as keywords
    torch_fwd: object = None   # t -> torch's result; default F.<api>(*args, **params)
    torch_bwd: object = None   # t -> zero-argument callable; default autograd over grads
    torch_out: str = ""        # torch's forward with out=, dotted ("torch.sigmoid"); "": none
    jax_fwd: object = None     # (jax, *args, **params) -> JAX's result; default jax.nn.<api>
    needs_scipy: bool = False  # the NumPy formula needs scipy.special (gelu's erf)
    rtol32: float = 1e-4       # float32 relative tolerance of check_agreement
    note: str = ""             # what the torch/NumPy side is, where not obvious

    @property
    def directions(self):
        if self.api is None:
            return ("forward",)
        return ("forward", "backward") + (("fused",) if self.fused else ())

    def input_shape(self, size):
        if self.shape is not None:
            return self.shape(size)
        return (size,) if isinstance(size, int) else tuple(size)


# ---- optional dependencies --------------------------------------------------------------------

_torch = None
_scipy_special = None
_jax = None
_jax_one_thread = False   # start jax's CPU client on one thread (want_jax_threads)
_jax_threads = None       # the threads jax's CPU client runs on, once started


def torch_module():
    """torch, or None when it is not installed (imported on first use: it is slow)."""
    global _torch
    if _torch is None:
        try:
            import torch
        except ImportError:
            torch = False
        _torch = torch
    return _torch or None


def jax_module():
    """jax with float64 enabled (so that float64 rows are float64), or None when it is not
    installed; imported and its CPU client started on first use (it is slow)."""
    global _jax, _jax_threads
    if _jax is None:
        try:
            import jax
        except ImportError:
            jax = False
        if jax:
            jax.config.update("jax_enable_x64", True)
            _jax_threads = _start_jax_client(jax)
        _jax = jax
    return _jax or None


def _can_pin():
    return hasattr(os, "sched_setaffinity") and os.path.isdir("/proc/self/task")


def _start_jax_client(jax):
    """Start jax's CPU client (the CPU only: actloss's peers run on the CPU), on one thread if
    want_jax_threads asked for it; return the threads it runs on. XLA sizes its CPU thread
    pool from the cores the process may use when the client starts and never resizes it, and
    XLA_FLAGS no longer shrinks it (with --xla_cpu_multi_thread_eigen=false, jax 0.10's
    elementwise loops still ran on two threads here). So this thread is held to one core while
    the client starts, then it and the threads the client started get all cores back: the
    pool keeps one thread, on any core."""
    from jax._src import xla_bridge
    if getattr(xla_bridge, "backends_are_initialized", lambda: True)():
        return max_threads()       # started elsewhere: XLA's default, a thread per core
    jax.config.update("jax_platforms", "cpu")
    if not _jax_one_thread or not _can_pin():
        jax.devices()
        return max_threads()
    cores, before = os.sched_getaffinity(0), set(os.listdir("/proc/self/task"))
    os.sched_setaffinity(0, {min(cores)})
    try:
        jax.devices()
    finally:
        os.sched_setaffinity(0, cores)
        for tid in set(os.listdir("/proc/self/task")) - before:
            with contextlib.suppress(OSError):        # a thread that has ended since
                os.sched_setaffinity(int(tid), cores)
    return 1


def want_jax_threads(threads):
    """Before jax starts: if every thread count of a run is 1, start its CPU client on one
    thread (see _start_jax_client); else it gets XLA's default, a thread per core."""
    global _jax_one_thread
    _jax_one_thread = set(threads) == {1}


def jax_threads():
    """The threads jax's CPU client runs on (or will, once started): XLA cannot change them
    at run time, so its timings exist at this one thread count."""
    if _jax_threads is not None:
        return _jax_threads
    return 1 if _jax_one_thread and _can_pin() else max_threads()


def jax_version():
    """jax's version, without importing it where no case needed it (its import is slow);
    None when it is not installed."""
    if _jax is not None:
        return _jax.__version__ if _jax else None
    try:
        from importlib.metadata import PackageNotFoundError, version
        return version("jax")
    except PackageNotFoundError:
        return None


def scipy_special():
    """scipy.special, or None when SciPy is not installed."""
    global _scipy_special
    if _scipy_special is None:
        try:
            from scipy import special
        except ImportError:
            special = False
        _scipy_special = special
    return _scipy_special or None


def max_threads():
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def thread_counts():
    """The thread settings of a full run: 1 and every core (one entry on a 1-core machine)."""
    return tuple(sorted({1, max_threads()}))


def _blas_limit(n):
    """Limit NumPy's BLAS (used by matmul, e.g. in info_nce and its NumPy formula) to n
    threads with threadpoolctl if it is installed; a no-op otherwise."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=n, user_api="blas")


@contextlib.contextmanager
def num_threads(n, actloss_too=True):
    """Run actloss (unless not actloss_too), torch (if imported) and NumPy's BLAS (with
    threadpoolctl) on n threads; restore all of them afterwards."""
    import actloss
    old = actloss._threads._explicit
    torch = _torch or None
    old_torch = torch.get_num_threads() if torch else None
    if actloss_too:
        actloss.set_num_threads(n)
    if torch:
        torch.set_num_threads(n)
    try:
        with _blas_limit(n):
            yield
    finally:
        actloss.set_num_threads(old)
        if torch:
            torch.set_num_threads(old_torch)


# ---- the table --------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _table():
    from . import bench_activations, bench_losses
    table = {}
    for case in bench_activations.CASES + bench_losses.CASES:
        assert case.name not in table, f"two bench cases named {case.name}"
        table[case.name] = case
    return table


def cases(family=None):
    """Every case of the table in order (of one family if given)."""
    return [c for c in _table().values() if family is None or c.family == family]


def case(name):
    return _table()[name]


def public_functions():
    """The public forward functions the table must cover: every function of actloss.__all__
    other than the ``_backward``/``_with_grad`` forms and the thread/accuracy/config helpers."""
    import actloss
    skip = {"get_num_threads", "set_num_threads", "get_accuracy", "set_accuracy", "accuracy",
            "show_config", "one_hot"}  # one_hot: an encoding, neither activation nor loss
    return [n for n in actloss.__all__ if callable(getattr(actloss, n)) and n not in skip
            and not n.endswith(("_backward", "_with_grad"))]


def uncovered_functions():
    """Public functions no case times (aliases such as nt_xent = info_nce count as covered)."""
    import actloss
    timed = {id(getattr(actloss, c.api)) for c in cases() if c.api}
    return [n for n in public_functions() if id(getattr(actloss, n)) not in timed]


def size_label(size):
    """'1e6' for 10^6 elements, '1000x1000' for a shape; other counts as plain integers."""
    if isinstance(size, int):
        k = round(math.log10(size)) if size > 0 else 0
        return f"1e{k}" if 10**k == size else str(size)
    return "x".join(map(str, size))


def parse_size(text):
    """A size label back to a size: '1e6', '10^6', '1000000' -> 1000000; '64x32000' -> (64,
    32000). Raises ValueError on anything else."""
    t = text.strip().lower().replace("*", "x").replace(",", "x")
    if "x" in t:
        dims = tuple(int(p) for p in t.split("x"))
        if len(dims) != 2 or min(dims) < 1:
            raise ValueError(f"a shape is ROWSxCOLS, got {text!r}")
        return dims
    if "^" in t:
        base, exp = t.split("^")
        return int(base) ** int(exp)
    value = float(t) if "e" in t else int(t)
    if value != int(value) or value < 1:
        raise ValueError(f"a size is a positive integer, got {text!r}")
    return int(value)


def all_size_labels():
    return sorted({size_label(s) for sizes in SIZES.values() for s in sizes},
                  key=lambda s: (len(s), s))


class Key(namedtuple("Key", "case direction dtype size threads")):
    """One measurement: a case, a direction, a dtype, a size, a thread count."""

    @property
    def id(self):
        """'gelu/forward/float32/1e6/t1': the JSON key, the floors key, the pytest group."""
        return (f"{self.case.name}/{self.direction}/{self.dtype}/{size_label(self.size)}/"
                f"t{self.threads}")


def select(functions=None, directions=None, dtypes=None, sizes=None, threads=None,
           quick=False):
    """The keys matching every filter, in table order, grouped so that the keys sharing
    inputs (same case, dtype and size) are adjacent, every forward before the backward (rrelu's
    training forward rewrites the noise its backward reads).

    functions: fnmatch globs on the case name or the actloss function name; sizes: labels
    (``size_label``) or sizes; threads: counts. ``quick`` narrows sizes, dtypes and threads
    to ``QUICK`` where the corresponding filter is not given.
    """
    dtypes = tuple(dtypes or (QUICK["dtypes"] if quick else DTYPES))
    threads = tuple(threads or (QUICK["threads"] if quick else thread_counts()))
    wanted_sizes = {size_label(s) if not isinstance(s, str) else s for s in sizes or ()}
    keys = []
    for c in cases():
        if functions and not any(fnmatch.fnmatchcase(c.name, g) or
                                 (c.api and fnmatch.fnmatchcase(c.api, g)) for g in functions):
            continue
        kind_sizes = QUICK["sizes"][c.kind] if quick and not sizes else SIZES[c.kind]
        for dtype in dtypes:
            for size in kind_sizes:
                if wanted_sizes and size_label(size) not in wanted_sizes:
                    continue
                for direction in c.directions:
                    if not directions or direction in directions:
                        keys.extend(Key(c, direction, dtype, size, n) for n in threads)
    return keys


# ---- inputs -----------------------------------------------------------------------------------

def inputs(c, size, dtype, seed=0):
    """The arrays of case c at `size`: its named inputs, y (actloss's forward result), gy (a
    grad_output of y's shape: a 0-d array for a reduced loss), out_fwd / out_bwd (out=
    buffers, where the API has out=)."""
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    a = types.SimpleNamespace(**c.make(c.input_shape(size), dtype, rng))
    a.out_fwd = a.out_bwd = None
    y = _actloss_partial(c, "forward", a, None)() if c.api else getattr(a, c.args[0])
    a.y = np.array(y)
    a.gy = np.asarray(rng.standard_normal(a.y.shape)).astype(a.y.dtype)
    if "forward" in c.out:
        a.out_fwd = np.empty_like(a.y)
    if "backward" in c.out:
        a.out_bwd = np.empty_like(getattr(a, c.args[0]))
    return a


def tensors(a):
    """The same data as torch tensors (torch.from_numpy: shared memory)."""
    torch = torch_module()
    return types.SimpleNamespace(**{k: torch.from_numpy(v) for k, v in vars(a).items()
                                    if isinstance(v, np.ndarray)})


def jax_arrays(a):
    """The same data as jax arrays, put on jax's CPU device once (outside the timing)."""
    jax = jax_module()
    return types.SimpleNamespace(**{k: jax.device_put(v) for k, v in vars(a).items()
                                    if isinstance(v, np.ndarray)})


def _arrays(a, names):
    return [getattr(a, k) for k in names]


def elements(c, a):
    """Elements of the case's first input: what elements/s counts."""
    return getattr(a, c.args[0]).size


# ---- the calls --------------------------------------------------------------------------------

def _actloss_partial(c, direction, a, out):
    """The actloss call of a case as a functools.partial: no Python frame of ours in the timed
    call, so a 10^3-element timing shows actloss's own per-call overhead."""
    import actloss as F
    kw = dict(c.params)
    if out is not None:
        kw["out"] = out
    if direction == "forward":
        kw.update(zip(c.fwd_kw, _arrays(a, c.fwd_kw)))
        return functools.partial(getattr(F, c.api), *_arrays(a, c.args), **kw)
    if direction == "fused":
        kw.update(zip(c.fwd_kw, _arrays(a, c.fwd_kw)))   # linear_cross_entropy's bias
        return functools.partial(getattr(F, c.api + "_with_grad"), *_arrays(a, c.args),
                                 grad_output=a.gy, **kw)
    kw.update(zip(c.bwd_kw, _arrays(a, c.bwd_kw)))
    bwd = getattr(F, c.api + "_backward")
    if c.saves == "y":
        return functools.partial(bwd, a.gy, output=a.y, **kw)
    return functools.partial(bwd, a.gy, *_arrays(a, c.args), **kw)


def _torch_forward(c, t):
    if c.torch_fwd is not None:
        return c.torch_fwd(t)
    return getattr(torch_module().nn.functional, c.api)(*_arrays(t, c.args), **c.params)


def _with_leaves(c, t, clone):
    """t with the differentiated inputs replaced by leaf tensors requiring grad."""
    leaves = {k: (getattr(t, k).detach().clone() if clone else getattr(t, k).detach())
              .requires_grad_(True) for k in c.grads}
    return types.SimpleNamespace(**{**vars(t), **leaves}), tuple(leaves.values())


def _torch_autograd(c, t):
    """torch's backward without a functional derivative: autograd over a graph built once."""
    torch = torch_module()
    tl, leaves = _with_leaves(c, t, clone=True)
    y = _torch_forward(c, tl)
    return lambda: torch.autograd.grad(y, leaves, t.gy, retain_graph=True)


def _torch_fused(c, t):
    """Forward, then autograd's backward on the fresh graph: one torch training step."""
    torch = torch_module()

    def fused():
        tl, leaves = _with_leaves(c, t, clone=False)
        loss = _torch_forward(c, tl)
        return (loss.detach(),) + torch.autograd.grad(loss, leaves, t.gy)
    return fused


def _torch_call(c, direction, t):
    if direction == "forward":
        if c.torch_fwd is None:
            return functools.partial(getattr(torch_module().nn.functional, c.api),
                                     *_arrays(t, c.args), **c.params)
        return lambda: c.torch_fwd(t)
    if direction == "fused":
        return _torch_fused(c, t)
    return (c.torch_bwd or functools.partial(_torch_autograd, c))(t)


def _resolve(root, dotted):
    """root.<b>.<c> of "a.b.c" (the first name is root's), or None where it is missing."""
    with contextlib.suppress(AttributeError):
        return functools.reduce(getattr, dotted.split(".")[1:], root)
    return None


def _torch_out_call(c, t):
    """torch's forward into an output tensor allocated here, outside the timing."""
    torch = torch_module()
    return functools.partial(_resolve(torch, c.torch_out), *_arrays(t, c.args), **c.params,
                             out=torch.empty_like(t.y))


# torch's parameter names that jax.nn spells differently
_JAX_PARAMS = {"dim": "axis"}


def _jax_forward(c, jax, args):
    if c.jax_fwd is not None:
        return c.jax_fwd(jax, *args, **c.params)
    params = {_JAX_PARAMS.get(k, k): v for k, v in c.params.items()}
    return getattr(jax.nn, c.api)(*args, **params)


@functools.lru_cache(maxsize=None)
def _jax_jit(name, direction):
    """The jitted JAX function of a case's direction (one per case and direction: jit keeps
    a compiled program per input shape and dtype). backward(gy, *args): the pullback of gy
    by jax.vjp over the case's grads; fused(gy, *args): the forward's value and that
    gradient from the same vjp, as jax.value_and_grad gives them."""
    jax, c = jax_module(), case(name)
    which = [c.args.index(k) for k in c.grads]

    def forward(*args):
        return _jax_forward(c, jax, args)

    def with_grad(gy, *args):
        def of_grads(*grads):
            full = list(args)
            for i, g in zip(which, grads):
                full[i] = g
            return forward(*full)
        y, pullback = jax.vjp(of_grads, *(args[i] for i in which))
        return (y,) + pullback(gy) if direction == "fused" else pullback(gy)
    return jax.jit(forward if direction == "forward" else with_grad)


def _jax_call(c, direction, j):
    jax, fn = jax_module(), _jax_jit(c.name, direction)
    args = ([] if direction == "forward" else [j.gy]) + _arrays(j, c.args)
    return lambda: jax.block_until_ready(fn(*args))


def _numpy_call(c, direction, a):
    if direction == "forward":
        return lambda: c.np_fwd(a)
    if direction == "backward":
        return lambda: c.np_bwd(a)
    return lambda: (c.np_fwd(a),) + as_tuple(c.np_bwd(a))


def implementations(c, direction):
    """The implementations case c has in `direction` where every optional package is
    installed: actloss-alloc only beside an out= call, torch-out only forward where torch has
    an out= call, only numpy for the copy reference."""
    if c.api is None:
        return ("numpy",)
    alloc = ("actloss-alloc",) if direction in c.out else ()
    torch_out = ("torch-out",) if direction == "forward" and c.torch_out else ()
    return ("actloss",) + alloc + ("numpy", "torch") + torch_out + ("jax",)


def missing_dependency(c, impl):
    """Why an implementation of c cannot run here (torch, JAX or SciPy missing, or no such
    function in torch or JAX), or None."""
    if impl in ("torch", "torch-out") and torch_module() is None:
        return "torch is not installed"
    if (impl == "torch" and c.torch_fwd is None and c.api
            and not hasattr(torch_module().nn.functional, c.api)):
        return f"torch has no {c.api}"
    if impl == "torch-out" and c.torch_out and _resolve(torch_module(), c.torch_out) is None:
        return f"torch has no {c.torch_out}"
    if impl == "jax" and c.api:
        if jax_module() is None:
            return "jax is not installed"
        if c.jax_fwd is None and not hasattr(jax_module().nn, c.api):
            return f"jax has no {c.api} (and the case no JAX formula)"
    if impl == "numpy" and c.needs_scipy and scipy_special() is None:
        return "NumPy has no erf and SciPy is not installed"
    return None


def bind(c, direction, impl, a, t=None, j=None):
    """A zero-argument callable running one implementation of case c on the prepared inputs
    `a` (tensors `t`, jax arrays `j`, made from `a` if not given), or None where that
    implementation does not exist (see implementations) or cannot run here (see
    missing_dependency)."""
    if direction not in c.directions:
        raise ValueError(f"{c.name} has no {direction} direction")
    if impl not in IMPLEMENTATIONS:
        raise ValueError(f"unknown implementation {impl!r}; expected one of {IMPLEMENTATIONS}")
    if impl not in implementations(c, direction) or missing_dependency(c, impl):
        return None
    if impl == "actloss":
        out = {"forward": a.out_fwd, "backward": a.out_bwd}.get(direction)
        return _actloss_partial(c, direction, a, out)
    if impl == "actloss-alloc":
        return _actloss_partial(c, direction, a, None)
    if impl == "numpy":
        return _numpy_call(c, direction, a)
    if impl == "jax":
        return _jax_call(c, direction, j if j is not None else jax_arrays(a))
    t = t if t is not None else tensors(a)
    return _torch_out_call(c, t) if impl == "torch-out" else _torch_call(c, direction, t)


def bind_all(c, direction, a, t=None, j=None):
    """{impl: callable} of the implementations that exist here."""
    if t is None and torch_module() is not None and c.api is not None:
        t = tensors(a)
    if j is None and c.api is not None and not missing_dependency(c, "jax"):
        j = jax_arrays(a)
    fns = {impl: bind(c, direction, impl, a, t, j) for impl in IMPLEMENTATIONS}
    return {impl: fn for impl, fn in fns.items() if fn is not None}


def as_tuple(result):
    return result if isinstance(result, tuple) else (result,)


def as_numpy(result):
    """A result (array, scalar, tensor, jax array or tuple of them) as a tuple of NumPy
    arrays."""
    return tuple(np.asarray(r.detach().numpy() if hasattr(r, "detach") else r)
                 for r in as_tuple(result))


def expected(c, direction, a):
    """The reference result the implementations are checked against: actloss's (the input
    itself for the copy reference), copied so that later out= calls cannot change it."""
    if c.api is None:
        return (getattr(a, c.args[0]).copy(),)
    return tuple(r.copy() for r in as_numpy(_actloss_partial(c, direction, a, None)()))


def check_agreement(c, direction, impl, got, expect):
    """Raise AssertionError unless an implementation's result matches actloss's: same number
    of results, dtype and shape, |got - expect| <= rtol |expect| + atol max|expect| (loose:
    the formulas differ in rounding, and a mean's gradient is tiny; the float32 rtol is per
    case, Case.rtol32). The float64 tolerance admits torch's hardsigmoid_backward, which
    multiplies by 1.0f / 6.0f (a float32 constant) in float64 too. rrelu's forward draws its
    own random slopes: only its positive part is compared; torch's gumbel_softmax draws its own
    noise: only its row sums are (forward and backward)."""
    got = as_numpy(got)
    label = f"{c.name} {direction} {impl}"
    assert len(got) == len(expect), f"{label}: {len(got)} results, expected {len(expect)}"
    for g, e in zip(got, expect):
        assert g.dtype == e.dtype, f"{label}: dtype {g.dtype} != {e.dtype}"
        assert g.shape == e.shape, f"{label}: shape {g.shape} != {e.shape}"
        rtol, atol = (c.rtol32, 1e-5) if e.dtype == np.float32 else (1e-7, 1e-10)
        if c.name == "rrelu" and direction == "forward":
            g, e = g[e > 0], e[e > 0]
        scale = float(np.max(np.abs(e))) if e.size else 0.0
        if c.name == "gumbel_softmax" and impl == "torch":
            # torch's F.gumbel_softmax draws its own noise: a sample, not actloss's (rows of
            # the sample sum to 1, of its gradient to 0)
            g, e = g.sum(axis=-1), e.sum(axis=-1)
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol * max(scale, 1e-30),
                                   err_msg=label)


def traffic_bytes(c, direction, a, result):
    """Bytes a call must move: every array it is given (read; rrelu's forward noise is
    written instead) plus its result(s) (written)."""
    if direction == "forward":
        given = _arrays(a, c.args + c.fwd_kw)
    elif direction == "backward":
        given = [a.gy] + ([a.y] if c.saves == "y" else _arrays(a, c.args)) + _arrays(a, c.bwd_kw)
    else:
        given = [a.gy] + _arrays(a, c.args + c.fwd_kw)
    given = [v for v in given if isinstance(v, np.ndarray)]
    return sum(v.nbytes for v in given) + sum(np.asarray(r).nbytes for r in result)


# ---- timing -----------------------------------------------------------------------------------

# the pause before each implementation's rounds at more than one thread (see median_time)
SETTLE_TIME = 20e-3
# the pause after an interleaved round of an implementation that leaves a thread busy (jax)
PAUSE_TIME = 5e-3


def settle_for(n_threads):
    """median_time's `settle` at n_threads: None (interleaved rounds) on one thread."""
    return None if n_threads == 1 else SETTLE_TIME


def clock_for(n_threads):
    """The clock of a timing at n_threads: the process's CPU time on one thread (equal to
    wall time on an idle machine, but time spent preempted by other work on a shared machine
    does not count; helper threads' work still does), wall time on several (CPU time would
    add the threads up)."""
    return time.process_time if n_threads == 1 else time.perf_counter


def median_time(fns, repeats=7, min_time=2e-3, warmup_time=25e-3, clock=time.perf_counter,
                settle=None, pause_after=()):
    """Median seconds per call, by `clock`, of each zero-argument callable in `fns` (a dict).

    Each is first called for `warmup_time` (at least 2 calls: the first large allocations of
    a process fault in fresh pages, ~2 ms per 4 MB here, until malloc keeps the memory), then
    timed in `repeats` rounds of enough calls to last `min_time` (calibrated from the fastest
    warm-up call: a preempted one would make the rounds too short); the rounds of the
    different callables are interleaved, so that a slow moment of a shared machine hits all
    of them alike.

    With `settle` (seconds; the multi-thread timings), each callable's rounds run back to back
    instead, after a pause of `settle` and one untimed call: an OpenMP runtime's idle workers
    spin for up to ~15 ms after each parallel region (libgomp's GOMP_SPINCOUNT, torch's), and
    interleaved rounds would time the next library's threads against them for the cores.
    Interleaved, the rounds of the keys in `pause_after` are followed by a pause of
    PAUSE_TIME: jax's CPU client keeps a thread busy for a while after a call, which the
    process CPU clock would count in the next library's round, and which shares its core
    (pdist's backward after jax's timed at 2.9 ms in some processes, 0.7 ms without jax).
    """
    loops = {}
    for key, fn in fns.items():
        start, calls, fastest = clock(), 0, math.inf
        while calls < 2 or (clock() - start < warmup_time and calls < 10000):
            t0 = clock()
            fn()
            fastest = min(fastest, clock() - t0)
            calls += 1
        loops[key] = max(1, min(10000, int(min_time / max(fastest, 1e-8))))
    samples = {key: [] for key in fns}

    def one_round(key, fn):
        k = loops[key]
        t0 = clock()
        for _ in range(k):
            fn()
        samples[key].append((clock() - t0) / k)

    if settle is None:
        for _ in range(repeats):
            for key, fn in fns.items():
                one_round(key, fn)
                if key in pause_after:
                    time.sleep(PAUSE_TIME)
    else:
        for key, fn in fns.items():
            time.sleep(settle)
            fn()
            for _ in range(repeats):
                one_round(key, fn)
    return {key: float(np.median(v)) for key, v in samples.items()}
