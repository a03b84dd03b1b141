/* CPU feature queries for the import-time kernel choice, and whether the build is threaded. */
#ifndef AL_CPU_H
#define AL_CPU_H

/* Whether al_pool.h runs parts on worker threads in this compilation. */
#if defined(_WIN32) || defined(AL_POOL_SERIAL)
static int al_threads_enabled(void) { return 0; }
#else
static int al_threads_enabled(void) { return 1; }
#endif

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
/* __builtin_cpu_supports also checks that the OS saves the AVX/AVX-512 registers (XGETBV). */
static int al_cpu_has_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
static int al_cpu_has_avx512(void)
{
    __builtin_cpu_init();
    return al_cpu_has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
           && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
}
static int al_is_x86(void) { return 1; }
#else
static int al_cpu_has_avx2(void) { return 0; }
static int al_cpu_has_avx512(void) { return 0; }
static int al_is_x86(void) { return 0; }
#endif

#endif /* AL_CPU_H */
