/* What every kernel family's per-ISA loop table starts with, and how the tables are named.
 *
 * setup.py compiles each family's loops once per ISA level, as separate translation units
 * (AL_ISA set to the level's name, the level's -m flags on), each defining one table of
 * function pointers named al_<family>_<isa>; the family's Cython module links them all and
 * picks one at import (NumPy's dispatch does the same). Everything else in a unit is static,
 * so the ISA-suffixed table is the only symbol a unit adds.
 */
#ifndef AL_ISA_H
#define AL_ISA_H

#include "al_build.h"

#define AL_CAT_(a, b) a##b
#define AL_CAT(a, b) AL_CAT_(a, b)
#define AL_STR_(a) #a
#define AL_STR(a) AL_STR_(a)

/* Whether al_pool.h runs parts on worker threads in this compilation (as al_cpu.h's
 * al_threads_enabled, as a constant for the table's initializer). */
#if defined(_WIN32) || defined(AL_POOL_SERIAL)
#define AL_THREADS_ENABLED 0
#else
#define AL_THREADS_ENABLED 1
#endif

/* The settings one ISA unit was really compiled with (from al_build.h as that unit saw it): a
 * unit left over from another build shows up as a difference (see _dispatch.stale_modules). */
typedef struct {
    const char *isa, *compiler, *flags, *link_flags, *threads_note, *numpy;
    int threads;
} al_unit_info;

/* The first field of every table, and the table's name, in a unit compiled with AL_ISA set.
 * The tables are module-internal: hidden, so that the same family's tables of two builds
 * loaded in one process never interpose. */
#ifdef AL_ISA
#define AL_UNIT_INFO {AL_STR(AL_ISA), AL_BUILD_COMPILER, AL_BUILD_FLAGS, AL_BUILD_LINK_FLAGS, \
                      AL_BUILD_THREADS_NOTE, AL_BUILD_NUMPY, AL_THREADS_ENABLED}
#if defined(__GNUC__) && !defined(_WIN32)
#define AL_TABLE(family) \
    __attribute__((visibility("hidden"))) const al_##family##_api AL_CAT(al_##family##_, AL_ISA)
#else
#define AL_TABLE(family) const al_##family##_api AL_CAT(al_##family##_, AL_ISA)
#endif
#endif

#endif /* AL_ISA_H */
