# The process's worker pool (al_pool.h), compiled once into _cpu; kernel modules cimport it.
cdef extern from "al_pool.h" nogil:
    ctypedef void (*al_range_fn)(void *ctx, Py_ssize_t begin, Py_ssize_t end) noexcept nogil

cdef int parallel_for(al_range_fn fn, void *ctx, Py_ssize_t n, int n_threads,
                      size_t key) noexcept nogil
