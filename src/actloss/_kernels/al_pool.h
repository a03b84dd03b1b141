/* actloss's worker pool: one per process (compiled into _cpu; the kernel modules reach it
 * through _cpu's cdef functions), used instead of an OpenMP runtime for three reasons:
 *
 * - Sharing the cores with BLAS. NumPy's OpenBLAS keeps its own threads; libgomp's idle
 *   workers spin for GOMP_SPINCOUNT pause iterations after every parallel region (0.3-15 ms
 *   depending on the CPU's pause latency) and take the cores the next matmul needs. Here a
 *   worker spins for a bounded time in nanoseconds, measured by the clock, then sleeps on a
 *   condition variable.
 * - fork. libgomp's pool does not survive fork: a child that starts a team hangs. Here a
 *   pthread_atfork handler resets the pool in the child, which starts fresh workers.
 * - Calls from several Python threads at once. A run that finds the pool busy runs on the
 *   calling thread alone instead of waiting.
 *
 * al_pool_run(fn, ctx, n, n_threads) calls fn(ctx, begin, end) on n_threads contiguous parts
 * of [0, n) (part t = [n t / T, n (t + 1) / T)), part 0 on the calling thread, and returns
 * when all are done. What a part computes never depends on T (the callers' chunks are fixed),
 * so results are the same for any thread count. Without pthreads (Windows) it runs serially.
 */
#ifndef AL_POOL_H
#define AL_POOL_H

#include <stddef.h>

#ifndef AL_SSIZE_T_DEFINED
#include <Python.h>  /* Py_ssize_t */
#endif

typedef void (*al_range_fn)(void *ctx, Py_ssize_t begin, Py_ssize_t end);

#define AL_POOL_MAX_THREADS 256

#if defined(_WIN32) || defined(AL_POOL_SERIAL)

static int al_pool_threaded(void) { return 0; }
static double al_pool_pause_ns(void) { return 0.0; }
static void al_pool_set_spin_ns(long long ns) { (void)ns; }
static long long al_pool_spin_ns(void) { return 0; }
static int al_pool_workers(void) { return 0; }
static int al_pool_run(al_range_fn fn, void *ctx, Py_ssize_t n, int n_threads)
{
    (void)n_threads;
    if (n > 0)
        fn(ctx, 0, n);
    return 1;
}

#else

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define AL_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define AL_RELAX() __asm__ __volatile__("yield")
#else
#define AL_RELAX() ((void)0)
#endif

static struct {
    pthread_mutex_t run_lock;      /* one run at a time; a busy pool runs the caller serially */
    pthread_mutex_t lock;          /* guards the sleeping counters and the condition variables */
    pthread_cond_t wake;           /* workers sleep here between runs */
    pthread_cond_t done;           /* the caller sleeps here when its wait outlasts the spin */
    int n_workers;                 /* started so far (they never exit) */
    unsigned long start_generation;  /* generation before the run that starts new workers */
    /* the current run, published by the release store of generation */
    al_range_fn fn;
    void *ctx;
    Py_ssize_t n;
    int parts;
    atomic_ulong generation;
    atomic_int remaining;          /* worker parts of this run not finished yet */
    atomic_int sleepers;           /* workers asleep on wake */
    atomic_int caller_sleeping;
    atomic_llong spin_ns;          /* how long an idle thread spins before it sleeps */
    int atfork_registered;
} al_pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
             PTHREAD_COND_INITIALIZER};

static long long al_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Spin until *word differs from old, for at most the spin budget; 1 if it changed. The clock
 * is read every 64 pauses (a pause is 10-150 cycles depending on the CPU, hence a clock). */
static int al_spin_until_changed_ul(atomic_ulong *word, unsigned long old)
{
    long long budget = atomic_load_explicit(&al_pool.spin_ns, memory_order_relaxed);
    long long start = budget > 0 ? al_now_ns() : 0;
    int i;
    if (budget <= 0)
        return atomic_load_explicit(word, memory_order_acquire) != old;
    for (;;) {
        for (i = 0; i < 64; i++) {
            if (atomic_load_explicit(word, memory_order_acquire) != old)
                return 1;
            AL_RELAX();
        }
        if (al_now_ns() - start > budget)
            return 0;
    }
}

static int al_spin_until_zero(atomic_int *word)
{
    long long budget = atomic_load_explicit(&al_pool.spin_ns, memory_order_relaxed);
    long long start = al_now_ns();
    int i;
    for (;;) {
        for (i = 0; i < 64; i++) {
            if (atomic_load_explicit(word, memory_order_acquire) == 0)
                return 1;
            AL_RELAX();
        }
        /* the caller waits at least a little: its workers' parts are as long as its own */
        if (al_now_ns() - start > (budget > 20000 ? budget : 20000))
            return 0;
    }
}

static void al_run_part(int part)
{
    Py_ssize_t n = al_pool.n, parts = al_pool.parts;
    Py_ssize_t begin = (Py_ssize_t)((long double)n * part / parts);
    Py_ssize_t end = (Py_ssize_t)((long double)n * (part + 1) / parts);
    if (begin < end)
        al_pool.fn(al_pool.ctx, begin, end);
}

static void *al_worker(void *arg)
{
    int id = (int)(size_t)arg;  /* runs part id + 1 */
    unsigned long seen = al_pool.start_generation;  /* the run that started it is after this */
    sigset_t all;
    sigfillset(&all);  /* signals go to Python's main thread, never to a worker */
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    for (;;) {
        if (!al_spin_until_changed_ul(&al_pool.generation, seen)) {
            pthread_mutex_lock(&al_pool.lock);
            atomic_fetch_add(&al_pool.sleepers, 1);
            while (atomic_load_explicit(&al_pool.generation, memory_order_acquire) == seen)
                pthread_cond_wait(&al_pool.wake, &al_pool.lock);
            atomic_fetch_sub(&al_pool.sleepers, 1);
            pthread_mutex_unlock(&al_pool.lock);
        }
        seen = atomic_load_explicit(&al_pool.generation, memory_order_acquire);
        if (id + 1 >= al_pool.parts)
            continue;  /* this run needs fewer threads */
        al_run_part(id + 1);
        /* seq_cst on both sides (here and the caller's flag, then remaining): one of them
           sees the other's store, so the caller is never left asleep */
        if (atomic_fetch_sub(&al_pool.remaining, 1) == 1 && atomic_load(&al_pool.caller_sleeping)) {
            pthread_mutex_lock(&al_pool.lock);
            pthread_cond_signal(&al_pool.done);
            pthread_mutex_unlock(&al_pool.lock);
        }
    }
    return NULL;
}

/* In a forked child only the forking thread exists: forget the workers, fresh locks. */
static void al_pool_prepare_fork(void) { pthread_mutex_lock(&al_pool.run_lock); }
static void al_pool_parent_fork(void) { pthread_mutex_unlock(&al_pool.run_lock); }
static void al_pool_child_fork(void)
{
    pthread_mutex_init(&al_pool.run_lock, NULL);
    pthread_mutex_init(&al_pool.lock, NULL);
    pthread_cond_init(&al_pool.wake, NULL);
    pthread_cond_init(&al_pool.done, NULL);
    al_pool.n_workers = 0;
    atomic_store(&al_pool.sleepers, 0);
    atomic_store(&al_pool.remaining, 0);
    atomic_store(&al_pool.caller_sleeping, 0);
}

/* Start workers until n_workers == want (or thread creation fails); the count reached. */
static int al_pool_grow(int want)
{
    pthread_attr_t attr;
    pthread_t thread;
    if (!al_pool.atfork_registered) {
        pthread_atfork(al_pool_prepare_fork, al_pool_parent_fork, al_pool_child_fork);
        al_pool.atfork_registered = 1;
    }
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 1 << 20);  /* the parts use little stack */
    al_pool.start_generation = atomic_load(&al_pool.generation);
    while (al_pool.n_workers < want) {
        if (pthread_create(&thread, &attr, al_worker, (void *)(size_t)al_pool.n_workers) != 0)
            break;  /* out of threads or memory: run with the ones there are */
        al_pool.n_workers++;
    }
    pthread_attr_destroy(&attr);
    return al_pool.n_workers;
}

static int al_pool_threaded(void) { return 1; }

/* Nanoseconds one pause instruction takes here (10-150 cycles by CPU): converts a
   GOMP_SPINCOUNT, which counts pauses, to the pool's spin time. */
static double al_pool_pause_ns(void)
{
    long long start = al_now_ns();
    int i;
    for (i = 0; i < 20000; i++)
        AL_RELAX();
    return (double)(al_now_ns() - start) / 20000.0;
}
static void al_pool_set_spin_ns(long long ns) { atomic_store(&al_pool.spin_ns, ns); }
static long long al_pool_spin_ns(void) { return atomic_load(&al_pool.spin_ns); }
static int al_pool_workers(void) { return al_pool.n_workers; }

/* fn over [0, n) in n_threads parts; returns the number of parts run at once (1: serial). */
static int al_pool_run(al_range_fn fn, void *ctx, Py_ssize_t n, int n_threads)
{
    int parts = n_threads < AL_POOL_MAX_THREADS ? n_threads : AL_POOL_MAX_THREADS;
    if (parts > n)
        parts = (int)n;
    if (parts <= 1 || pthread_mutex_trylock(&al_pool.run_lock) != 0) {
        if (n > 0)
            fn(ctx, 0, n);
        return 1;
    }
    if (al_pool.n_workers < parts - 1)
        parts = 1 + al_pool_grow(parts - 1);
    al_pool.fn = fn;
    al_pool.ctx = ctx;
    al_pool.n = n;
    al_pool.parts = parts;
    atomic_store_explicit(&al_pool.remaining, parts - 1, memory_order_relaxed);
    /* under the lock: a worker between its spin and its sleep rechecks generation there */
    pthread_mutex_lock(&al_pool.lock);
    atomic_fetch_add_explicit(&al_pool.generation, 1, memory_order_release);
    if (atomic_load(&al_pool.sleepers) > 0)
        pthread_cond_broadcast(&al_pool.wake);
    pthread_mutex_unlock(&al_pool.lock);
    al_run_part(0);
    if (!al_spin_until_zero(&al_pool.remaining)) {
        pthread_mutex_lock(&al_pool.lock);
        atomic_store(&al_pool.caller_sleeping, 1);
        while (atomic_load(&al_pool.remaining) != 0)
            pthread_cond_wait(&al_pool.done, &al_pool.lock);
        atomic_store(&al_pool.caller_sleeping, 0);
        pthread_mutex_unlock(&al_pool.lock);
    }
    pthread_mutex_unlock(&al_pool.run_lock);
    return parts;
}

#endif /* threads */
#endif /* AL_POOL_H */
