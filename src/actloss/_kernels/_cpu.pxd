# The process's worker pool (al_pool.h), compiled once into _cpu; kernel modules cimport it,
# and the array test and result scalar their whole-call fast paths share.
cimport numpy as cnp

cdef extern from "numpy/arrayobject.h":
    object PyArray_Scalar(void *data, cnp.dtype descr, object base)

cdef extern from "al_pool.h" nogil:
    ctypedef void (*al_range_fn)(void *ctx, Py_ssize_t begin, Py_ssize_t end) noexcept nogil

cdef int parallel_for(al_range_fn fn, void *ctx, Py_ssize_t n, int n_threads,
                      size_t key) noexcept nogil


cdef inline Py_ssize_t even_piece(Py_ssize_t n, int n_threads, Py_ssize_t most,
                                  Py_ssize_t line) noexcept nogil:
    """Elements per piece when n elements are split into pieces of at most `most` elements,
    whole multiples of `line`, their count a multiple of n_threads: the threads' shares come
    out even (5e4 in pieces of 16384 would leave one thread 3 pieces and the other 1)."""
    cdef Py_ssize_t pieces = (n + most - 1) // most
    pieces = (pieces + n_threads - 1) // n_threads * n_threads
    return ((n + pieces - 1) // pieces + line - 1) // line * line


cdef inline bint plain_array(cnp.ndarray a, int typenum) noexcept:
    """C-contiguous, aligned, native byte order, of this dtype: an array a kernel reads as is."""
    return (cnp.PyArray_TYPE(a) == typenum and cnp.PyArray_ISCARRAY_RO(a)
            and cnp.PyArray_ISNOTSWAPPED(a))


cdef inline int float_kernel_index(int typenum) noexcept:
    """The kernels' dtype index of a NumPy type number: 0 float32, 1 float64, -1 any other."""
    return 0 if typenum == cnp.NPY_FLOAT32 else (1 if typenum == cnp.NPY_FLOAT64 else -1)


cdef inline object numpy_scalar(double value, int typenum):
    """value as a NumPy scalar of typenum, float32 or float64 (float32: rounded by the C cast,
    overflowing to inf without NumPy's cast warnings): a reduced loss of a whole-call fast path."""
    cdef float f
    if typenum == cnp.NPY_FLOAT32:
        f = <float>value
        return PyArray_Scalar(&f, cnp.PyArray_DescrFromType(typenum), None)
    return PyArray_Scalar(&value, cnp.PyArray_DescrFromType(typenum), None)
