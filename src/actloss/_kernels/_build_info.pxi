# Included by every kernel module: what this very module was compiled with.
cdef extern from "al_build.h":
    const char *AL_BUILD_COMPILER
    const char *AL_BUILD_FLAGS
    const char *AL_BUILD_LINK_FLAGS
    const char *AL_BUILD_OPENMP_NOTE
    const char *AL_BUILD_NUMPY

cdef extern from "al_cpu.h":
    int al_openmp_enabled()


def build_info():
    """The compiler, flags and NumPy this module was built with, and whether its loops are
    OpenMP-threaded (this module's own _OPENMP macro, not a setting recorded elsewhere)."""
    return {"compiler": AL_BUILD_COMPILER.decode(), "flags": AL_BUILD_FLAGS.decode(),
            "link_flags": AL_BUILD_LINK_FLAGS.decode(), "numpy": AL_BUILD_NUMPY.decode(),
            "openmp": bool(al_openmp_enabled()), "openmp_note": AL_BUILD_OPENMP_NOTE.decode()}
