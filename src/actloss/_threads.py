"""Threads for the kernels: how many a call uses, and how the worker pool waits.

How many threads a large call uses is the first of these that applies:

1. a threadpoolctl limit entered after the last ``set_num_threads`` (the innermost wins, as in
   scikit-learn): actloss's pool registers with threadpoolctl as an OpenMP library, so both
   ``threadpool_limits(n)`` and ``threadpool_limits(n, user_api="openmp")`` reach it;
2. ``actloss.set_num_threads(n)``;
3. the environment, read at import: ``ACTLOSS_NUM_THREADS``, then ``OMP_NUM_THREADS`` (its
   first value);
4. the usable cores: the CPUs this process may run on, capped by the container's CPU quota
   (cgroup v2 ``cpu.max``, v1 ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``), rounded up --
   a quota of 1 CPU on a 64-core host means 1 thread.

A serial build always uses 1, and calls below the serial cut-offs run on the calling thread.

How the pool waits: after a call, an idle worker spins for a short time (DEFAULT_SPIN_NS), so
back-to-back calls find it awake, then sleeps, so that it never takes the cores from the BLAS
calls of a training loop for long. ``OMP_WAIT_POLICY=passive`` makes it sleep at once,
``active`` makes it spin (for a second); ``GOMP_SPINCOUNT=n`` spins n pause instructions;
``ACTLOSS_SPIN_US`` sets the time directly.
"""
import functools
import math
import numbers
import os
import threading

from . import _dispatch
from ._kernels import _cpu

# Elements below which a call stays on one thread, measured on a 2-core AVX2 machine (the
# elementwise kernel called directly, float32, median of 31): relu gains from a second thread
# from 2^14-2^15 elements (1.05x at 2^14, 1.5x at 2^15), gelu from 2^10 (1.3x) and clearly
# at 2^13 (1.86x). The transcendental cut-off sits at 2^13, not 2^10: on a loaded machine (or
# between BLAS calls in a training loop) waking the team costs tens of microseconds, and
# examples/imbalanced.py ran 7x slower with small layers split over two threads.
SERIAL_CUTOFF_CHEAP = 1 << 15
SERIAL_CUTOFF_TRANSCENDENTAL = 1 << 13

# How long an idle worker spins before it sleeps, and the longest gap between two calls for
# which it spins at all. Issue 10's study (2-vCPU KVM host, 256x256 matmul + an actloss call
# per iteration): spins of 12.5-50 us then sleep keep the loop within noise of one thread
# (0.92-1.2x), 125 us and longer lost up to 3x (the spinner takes the core the matmul
# needs). Back to back, a loss's Python layer leaves ~22 us between its kernel runs once a
# 10^6-element call has flushed the caches: with 20 us the worker slept and mse_loss at 10^6
# took 176-186 us, with 50 us 145 us (libgomp's always-spinning team: 154 us).
DEFAULT_SPIN_NS = 50_000
ACTIVE_SPIN_NS = 1_000_000_000


def _positive_int(value, name):
    try:
        n = int(str(value).split(",")[0].strip())
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return n


def cgroup_cpu_quota(root="/sys/fs/cgroup"):
    """The container's CPU quota in CPUs (a float), or None without one."""
    try:  # cgroup v2: "max 100000" or "150000 100000"
        with open(os.path.join(root, "cpu.max")) as f:
            quota, period = f.read().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    for sub in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):  # cgroup v1
        try:
            with open(os.path.join(root, sub, "cpu.cfs_quota_us")) as f:
                quota = int(f.read())
            with open(os.path.join(root, sub, "cpu.cfs_period_us")) as f:
                period = int(f.read())
        except (OSError, ValueError):
            continue
        return None if quota <= 0 or period <= 0 else quota / period
    return None


def usable_cores(cgroup_root="/sys/fs/cgroup"):
    """CPUs this process may run on, capped by the container's quota (rounded up)."""
    cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
             else os.cpu_count() or 1)
    quota = cgroup_cpu_quota(cgroup_root)
    if quota is not None:
        cores = min(cores, max(1, math.ceil(quota)))
    return max(1, cores)


def default_threads(environ=None, cgroup_root="/sys/fs/cgroup"):
    """(threads, source) from the environment and the machine: rules 3 and 4 above."""
    environ = os.environ if environ is None else environ
    for name in ("ACTLOSS_NUM_THREADS", "OMP_NUM_THREADS"):
        if environ.get(name, "").strip():
            return _positive_int(environ[name], name), name
    return usable_cores(cgroup_root), "usable cores"


def spin_ns_from(environ=None):
    """(spin time in ns, source) from ACTLOSS_SPIN_US, OMP_WAIT_POLICY and GOMP_SPINCOUNT."""
    environ = os.environ if environ is None else environ
    if environ.get("ACTLOSS_SPIN_US", "").strip():
        try:
            us = float(environ["ACTLOSS_SPIN_US"])
        except ValueError:
            us = -1.0
        if not us >= 0:
            raise ValueError(f"ACTLOSS_SPIN_US must be a number >= 0, got "
                             f"{environ['ACTLOSS_SPIN_US']!r}")
        return int(us * 1000), "ACTLOSS_SPIN_US"
    spincount = environ.get("GOMP_SPINCOUNT", "").strip().lower()
    if spincount in ("infinite", "infinity"):
        return ACTIVE_SPIN_NS, "GOMP_SPINCOUNT"
    if spincount:
        return int(_nonneg_float(spincount, "GOMP_SPINCOUNT") * pause_ns()), "GOMP_SPINCOUNT"
    policy = environ.get("OMP_WAIT_POLICY", "").strip().lower()
    if policy == "passive":
        return 0, "OMP_WAIT_POLICY"
    if policy == "active":
        return ACTIVE_SPIN_NS, "OMP_WAIT_POLICY"
    return DEFAULT_SPIN_NS, "default"


@functools.lru_cache(maxsize=None)
def pause_ns():
    """Nanoseconds of one pause of the spin loop on this CPU, measured once."""
    return _cpu.pause_ns()


def _nonneg_float(text, name):
    """GOMP_SPINCOUNT's syntax: a count with an optional k, M, G, T suffix."""
    scale = {"k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}.get(text[-1:], 1.0)
    try:
        value = float(text[:-1] if scale != 1.0 else text) * scale
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise ValueError(f"{name} must be a count >= 0, got {text!r}")
    return value


_DEFAULT, _DEFAULT_SOURCE = default_threads()
SPIN_NS, SPIN_SOURCE = spin_ns_from()
_cpu.set_spin_ns(SPIN_NS)

# set_num_threads' value and threadpoolctl's limit, each with the order in which it was set;
# written under _lock (a setting and its order together, the order counter without a lost
# increment), read without it: thread_source reads each value once, so a concurrent setter can
# only decide which valid count a call gets, never hand it None.
_lock = threading.Lock()
_explicit = None
_limit = None
_explicit_order = _limit_order = 0
_order = 0


def _next_order():
    """The next setting's order (called under _lock)."""
    global _order
    _order += 1
    return _order


def _check_count(n, name):
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(n).__name__}")
    n = int(n)
    if n < 1:
        raise ValueError(f"{name} must be >= 1 (or -1 for the default), got {n}")
    if n > _cpu.max_threads():
        raise ValueError(f"{name} must be at most {_cpu.max_threads()}, got {n}")
    return n


def thread_source():
    """(threads for a large call, which rule gave it)."""
    limit, explicit = _limit, _explicit
    if limit is not None and (explicit is None or _limit_order > _explicit_order):
        return limit, "threadpoolctl"
    if explicit is not None:
        return explicit, "set_num_threads"
    return _DEFAULT, _DEFAULT_SOURCE


def get_num_threads():
    """Threads the kernels use on large inputs (see the module docstring for the rule).

    Examples
    --------
    >>> import actloss
    >>> actloss.get_num_threads() >= 1
    True
    """
    return thread_source()[0]


def set_num_threads(n):
    """Use n threads for large inputs (n >= 1); None or -1 goes back to the default.

    Examples
    --------
    >>> import actloss
    >>> previous = actloss.get_num_threads()
    >>> actloss.set_num_threads(1)
    >>> actloss.get_num_threads()
    1
    >>> actloss.set_num_threads(previous)
    """
    global _explicit, _explicit_order
    if n is None or (isinstance(n, int) and not isinstance(n, bool) and n == -1):
        with _lock:
            _explicit = None
        return
    n = _check_count(n, "n")
    with _lock:
        _explicit, _explicit_order = n, _next_order()


def _set_limit(n):
    """threadpoolctl's set_num_threads. Leaving a threadpool_limits block sets every library
    back to the count it had on entry: a count equal to what rules 2-4 give removes the limit
    instead of pinning it."""
    global _limit, _limit_order
    n = _check_count(n, "num_threads")
    with _lock:
        _limit = None if n == (_explicit if _explicit is not None else _DEFAULT) else n
        _limit_order = _next_order()


def large_call_threads():
    """Threads for a call above the serial cut-off."""
    return get_num_threads() if _dispatch.THREADS else 1


def threads_for(n_elements, cheap):
    """Threads for a call over n_elements: 1 below the serial cut-off."""
    cutoff = SERIAL_CUTOFF_CHEAP if cheap else SERIAL_CUTOFF_TRANSCENDENTAL
    if n_elements < cutoff:
        return 1
    return large_call_threads()


def _register_with_threadpoolctl():
    """Make threadpool_limits and threadpool_info see actloss's pool (threadpoolctl >= 3.5)."""
    try:
        import threadpoolctl
    except ImportError:
        return False
    if not hasattr(threadpoolctl, "register") or not _dispatch.THREADS:
        return False

    class ActlossController(threadpoolctl.LibController):
        user_api = "openmp"  # what users limit to tame native compute threads
        internal_api = "actloss"
        filename_prefixes = ("_cpu.",)
        check_symbols = ("actloss_pool_marker",)

        def get_num_threads(self):
            return get_num_threads()

        def set_num_threads(self, num_threads):
            _set_limit(num_threads)

        def get_version(self):
            from . import __version__
            return __version__

    threadpoolctl.register(ActlossController)
    return True


THREADPOOLCTL = _register_with_threadpoolctl()
