"""Thread count for the kernels.

None (the default) follows OpenMP's own default, so OMP_NUM_THREADS and threadpoolctl's
limits apply; set_num_threads(n) overrides it for actloss alone. Small inputs always run on
one thread: starting a team costs more than it saves below these sizes.
"""
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

_num_threads = None


def get_num_threads():
    """Threads the kernels use on large inputs."""
    if _num_threads is not None:
        return _num_threads
    return max(1, _cpu.omp_max_threads())


def set_num_threads(n):
    """Use n threads for large inputs (n >= 1); None or -1 goes back to OpenMP's default."""
    global _num_threads
    if n is None or (isinstance(n, int) and n == -1):
        _num_threads = None
        return
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"n must be >= 1 (or -1 for the default), got {n}")
    _num_threads = n


def large_call_threads():
    """Threads for a call above the serial cut-off."""
    return get_num_threads() if _dispatch.OPENMP else 1


def threads_for(n_elements, cheap):
    """Threads for a call over n_elements: 1 below the serial cut-off."""
    cutoff = SERIAL_CUTOFF_CHEAP if cheap else SERIAL_CUTOFF_TRANSCENDENTAL
    if n_elements < cutoff:
        return 1
    return get_num_threads() if _dispatch.OPENMP else 1
