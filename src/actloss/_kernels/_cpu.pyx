# cython: language_level=3
"""What the CPU and the build offer: ISA levels, OpenMP, the OpenMP thread default."""

include "_build_info.pxi"

cdef extern from "al_cpu.h":
    int al_omp_max_threads()
    int al_cpu_has_avx2()
    int al_cpu_has_avx512()
    int al_is_x86()


def omp_max_threads():
    """OpenMP's default team size: OMP_NUM_THREADS, or what threadpoolctl set, or the cores."""
    return al_omp_max_threads()


def supported_isa_levels():
    """ISA levels this CPU runs, lowest first."""
    levels = ["baseline"]
    if al_is_x86() and al_cpu_has_avx2():
        levels.append("avx2")
        if al_cpu_has_avx512():
            levels.append("avx512")
    return levels
