# Included by every kernel module: what this very module was compiled with.
cdef extern from "al_build.h":
    const char *AL_BUILD_COMPILER
    const char *AL_BUILD_FLAGS
    const char *AL_BUILD_LINK_FLAGS
    const char *AL_BUILD_THREADS_NOTE
    const char *AL_BUILD_NUMPY

cdef extern from "al_cpu.h":
    int al_threads_enabled()


def build_info():
    """The compiler, flags and NumPy this module was built with, and whether it runs its
    loops on the worker pool's threads (this module's own compilation, not a setting recorded
    elsewhere)."""
    return {"compiler": AL_BUILD_COMPILER.decode(), "flags": AL_BUILD_FLAGS.decode(),
            "link_flags": AL_BUILD_LINK_FLAGS.decode(), "numpy": AL_BUILD_NUMPY.decode(),
            "threads": bool(al_threads_enabled()), "threads_note": AL_BUILD_THREADS_NOTE.decode()}
