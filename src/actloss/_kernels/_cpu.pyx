# cython: language_level=3
# cython: freethreading_compatible=True
"""What the CPU and the build offer (ISA levels), and the process's worker pool."""

include "_build_info.pxi"

cdef extern from "al_cpu.h":
    int al_cpu_has_avx2()
    int al_cpu_has_avx512()
    int al_is_x86()

cdef extern from "al_pool.h" nogil:
    int al_pool_threaded()
    int al_pool_run(al_range_fn fn, void *ctx, Py_ssize_t n, int n_threads, size_t key)
    void al_pool_set_spin_ns(long long ns)
    long long al_pool_spin_ns()
    int al_pool_workers()
    double al_pool_pause_ns()
    long long al_pool_stat(int i)
    int AL_POOL_MAX_THREADS


cdef int parallel_for(al_range_fn fn, void *ctx, Py_ssize_t n, int n_threads,
                      size_t key) noexcept nogil:
    """fn(ctx, begin, end) over the n pieces [0, n), on up to n_threads threads; key names the
    operation (its loop's address), for the pool's record of whether threads pay for it."""
    return al_pool_run(fn, ctx, n, n_threads, key)


cdef public int actloss_pool_marker() noexcept:
    """A symbol threadpoolctl's controller for actloss checks for (see _threads.py)."""
    return 1


def threaded():
    """True when the pool runs parts on worker threads (False: a serial build)."""
    return bool(al_pool_threaded())


def max_threads():
    """The most threads one call can use."""
    return AL_POOL_MAX_THREADS


def workers():
    """Worker threads started so far in this process."""
    return al_pool_workers()


def spin_ns():
    """How long an idle worker (or a caller waiting for its workers) spins before it sleeps."""
    return al_pool_spin_ns()


def set_spin_ns(long long ns):
    al_pool_set_spin_ns(ns if ns > 0 else 0)


def pool_stats():
    """Counts since the process started (or forked): runs on threads, runs the pool kept
    serial because threads had not paid just before, runs in which threads did not pay, units
    the workers ran, units in all, threaded runs that had to wake sleeping workers."""
    return {"threaded": al_pool_stat(0), "held_serial": al_pool_stat(1),
            "not_paid": al_pool_stat(2), "worker_units": al_pool_stat(3),
            "units": al_pool_stat(4), "woke_workers": al_pool_stat(5)}


def pause_ns():
    """Nanoseconds one pause instruction of the spin loop takes on this CPU."""
    return al_pool_pause_ns()


def supported_isa_levels():
    """ISA levels this CPU runs, lowest first."""
    levels = ["baseline"]
    if al_is_x86() and al_cpu_has_avx2():
        levels.append("avx2")
        if al_cpu_has_avx512():
            levels.append("avx512")
    return levels
