# Included by every kernel module: what this very module was compiled with.
cdef extern from "al_build.h":
    const char *AL_BUILD_COMPILER
    const char *AL_BUILD_FLAGS
    const char *AL_BUILD_LINK_FLAGS
    const char *AL_BUILD_THREADS_NOTE
    const char *AL_BUILD_NUMPY

cdef extern from "al_cpu.h":
    int al_threads_enabled()

cdef extern from "al_isa.h":
    ctypedef struct al_unit_info:
        const char *isa
        const char *compiler
        const char *flags
        const char *link_flags
        const char *threads_note
        const char *numpy
        int threads


def build_info():
    """The compiler, flags and NumPy this module was built with, and whether it runs its
    loops on the worker pool's threads (this module's own compilation, not a setting recorded
    elsewhere)."""
    return {"compiler": AL_BUILD_COMPILER.decode(), "flags": AL_BUILD_FLAGS.decode(),
            "link_flags": AL_BUILD_LINK_FLAGS.decode(), "numpy": AL_BUILD_NUMPY.decode(),
            "threads": bool(al_threads_enabled()), "threads_note": AL_BUILD_THREADS_NOTE.decode()}


cdef dict _unit_build_info(const al_unit_info *u):
    """build_info() of one ISA's translation unit, as that unit was compiled."""
    return {"compiler": u.compiler.decode(), "flags": u.flags.decode(),
            "link_flags": u.link_flags.decode(), "numpy": u.numpy.decode(),
            "threads": bool(u.threads), "threads_note": u.threads_note.decode()}
