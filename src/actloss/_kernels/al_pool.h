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
 * al_pool_run(fn, ctx, n, n_threads, key) calls fn(ctx, begin, end) over the n pieces [0, n) and
 * returns when all are done. The caller and up to n_threads - 1 workers claim pieces from an
 * atomic counter, so the caller never waits for a worker that is slow to wake (an idle vCPU,
 * a core still held by OpenBLAS's spinning thread): it takes the worker's pieces itself and
 * waits only for pieces a worker has claimed. What a piece computes never depends on who runs
 * it, so results are the same for any thread count. Without pthreads it runs serially.
 *
 * Measured on a 2-vCPU KVM host, 256x256 float32 matmul + gelu on 2^17 float32 per iteration
 * (issue 10): libgomp's default wait 11.2 ms, one thread 0.52 ms, libgomp with a 1000-pause
 * spin 0.56 ms (and 20x slower back-to-back calls with a 100-pause one); a pool like this one
 * (12.5 us spin, then sleep, claimed pieces) 0.25 ms against 0.27 ms for one thread, with
 * back-to-back calls as fast as libgomp's always-spinning team.
 */
#ifndef AL_POOL_H
#define AL_POOL_H

#include <stddef.h>
#include <stdint.h>

#ifndef AL_SSIZE_T_DEFINED
#include <Python.h>  /* Py_ssize_t */
#endif

typedef void (*al_range_fn)(void *ctx, Py_ssize_t begin, Py_ssize_t end);

#define AL_POOL_MAX_THREADS 256
/* A run shorter than this on the caller alone never wakes a sleeping worker: waking one
   takes ~10-50 us on a VM, and the woken thread takes its core from BLAS's threads. */
#ifndef AL_WAKE_WORTH_NS
#define AL_WAKE_WORTH_NS 50000
#endif
#ifndef AL_UNITS_PER_THREAD
#define AL_UNITS_PER_THREAD 16
#endif

#if defined(_WIN32) || defined(AL_POOL_SERIAL)

static int al_pool_threaded(void) { return 0; }
static double al_pool_pause_ns(void) { return 0.0; }
static void al_pool_set_spin_ns(long long ns) { (void)ns; }
static long long al_pool_spin_ns(void) { return 0; }
static int al_pool_workers(void) { return 0; }
static long long al_pool_stat(int i) { (void)i; return 0; }
static int al_pool_run(al_range_fn fn, void *ctx, Py_ssize_t n, int n_threads, uintptr_t key)
{
    (void)n_threads;
    (void)key;
    if (n > 0)
        fn(ctx, 0, n);
    return 1;
}

#else

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define AL_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define AL_RELAX() __asm__ __volatile__("yield")
#else
#define AL_RELAX() ((void)0)
#endif

/* The claim word packs the run's generation and the unclaimed units [front, back), so that
 * one compare-and-swap both claims a unit and proves the run is still the one the worker woke
 * for: a late worker can never claim (or read the fields of) a newer run. The caller claims
 * from the front and the workers from the back, so with two threads each runs one contiguous
 * half (streaming memory, as a static split would) while a late worker's share still goes
 * to the caller. */
#define AL_UNIT_BITS 20
#define AL_UNIT_MASK ((UINT64_C(1) << AL_UNIT_BITS) - 1)
#define AL_MAX_UNITS ((Py_ssize_t)AL_UNIT_MASK)
#define AL_WORD(gen, front, back) (((uint64_t)(gen) << (2 * AL_UNIT_BITS)) \
                                   | ((uint64_t)(front) << AL_UNIT_BITS) | (uint64_t)(back))
#define AL_GEN(w) ((w) >> (2 * AL_UNIT_BITS))
#define AL_FRONT(w) (((w) >> AL_UNIT_BITS) & AL_UNIT_MASK)
#define AL_BACK(w) ((w) & AL_UNIT_MASK)

static struct {
    pthread_mutex_t run_lock;      /* one run at a time; a busy pool runs the caller serially */
    pthread_mutex_t lock;          /* guards the sleepers count against lost wake-ups */
    pthread_cond_t wake;           /* idle workers sleep here */
    int n_workers;                 /* started so far (they never exit) */
    /* the current run: written before its claim word is published, stable until it is done */
    al_range_fn fn;
    void *ctx;
    Py_ssize_t n, grain;           /* pieces, pieces per unit */
    int helpers;                   /* workers this run may use */
    _Atomic uint64_t word;         /* AL_WORD(generation, front, back) */
    atomic_long done;              /* units the workers finished in this run */
    atomic_int sleepers;
    atomic_llong spin_ns;          /* how long an idle worker spins before it sleeps */
    struct al_pay {                /* whether threads pay, per operation and size class */
        uintptr_t key;             /* the caller's key (its loop) and log2 of the pieces */
        int bad_runs;              /* runs in a row the threads did not speed up */
        long long backoff_ns;      /* how long runs of this key stay serial after that */
        long long serial_until;
        int useless_wakes;         /* runs in a row whose sleeping workers came too late */
        unsigned skipped;
        long long serial_ns;       /* what a run takes on the caller alone (0: not known) */
    } pay[64];
    long long published_ns;        /* when the current run was published ... */
    long long last_end_ns;         /* ... and when the run before it ended */
    long long stats[6];            /* see pool_stats() in _cpu.pyx */
    int atfork_registered;
} al_pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};

static long long al_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Claim and run units of the run of generation gen, from the front (the caller) or the back
 * (workers), until none is left or the word belongs to another run; the number of units run. */
static long al_pool_work(uint64_t gen, int from_back)
{
    long ran = 0;
    uint64_t w = atomic_load(&al_pool.word);
    for (;;) {
        if (AL_GEN(w) != gen || AL_FRONT(w) >= AL_BACK(w))
            return ran;
        if (atomic_compare_exchange_weak(&al_pool.word, &w,
                                         from_back ? w - 1 : w + (UINT64_C(1) << AL_UNIT_BITS))) {
            Py_ssize_t begin = (Py_ssize_t)(from_back ? AL_BACK(w) - 1 : AL_FRONT(w)) * al_pool.grain;
            Py_ssize_t end = begin + al_pool.grain;
            al_pool.fn(al_pool.ctx, begin, end < al_pool.n ? end : al_pool.n);
            ran++;
            w = atomic_load(&al_pool.word);
        }
    }
}

static void *al_worker(void *arg)
{
    int id = (int)(size_t)arg;
    uint64_t seen = AL_GEN(atomic_load(&al_pool.word));
    int spin = 1;
    sigset_t all;
    sigfillset(&all);  /* signals go to Python's main thread, never to a worker */
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    for (;;) {
        /* Spin for the spin time (by the clock: a pause is 3-140 cycles by CPU), then sleep.
           Spin only while calls come back to back (the last run began within a spin time of
           the end of the one before); calls between BLAS calls come further apart, and
           spinning then only takes the core the next matmul needs. */
        long long budget = spin ? atomic_load_explicit(&al_pool.spin_ns, memory_order_relaxed)
                                : 0;
        long long start = al_now_ns();
        int i;
        while (AL_GEN(atomic_load(&al_pool.word)) == seen) {
            for (i = 0; i < 64 && AL_GEN(atomic_load(&al_pool.word)) == seen; i++)
                AL_RELAX();
            if (al_now_ns() - start < budget)
                continue;
            pthread_mutex_lock(&al_pool.lock);
            atomic_fetch_add(&al_pool.sleepers, 1);
            while (AL_GEN(atomic_load(&al_pool.word)) == seen)
                pthread_cond_wait(&al_pool.wake, &al_pool.lock);
            atomic_fetch_sub(&al_pool.sleepers, 1);
            pthread_mutex_unlock(&al_pool.lock);
        }
        seen = AL_GEN(atomic_load(&al_pool.word));
        spin = al_pool.published_ns - al_pool.last_end_ns
               <= atomic_load_explicit(&al_pool.spin_ns, memory_order_relaxed);
        if (id < al_pool.helpers) {  /* a stale read of helpers only lets one more help */
            long ran = al_pool_work(seen, 1);
            /* reported once its claims are all run: one write to the shared line per run */
            if (ran)
                atomic_fetch_add(&al_pool.done, ran);
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
    al_pool.n_workers = 0;
    memset(al_pool.pay, 0, sizeof(al_pool.pay));
    atomic_store(&al_pool.sleepers, 0);
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
    pthread_attr_setstacksize(&attr, 1 << 20);  /* the pieces use little stack */
    while (al_pool.n_workers < want) {
        if (pthread_create(&thread, &attr, al_worker, (void *)(size_t)al_pool.n_workers) != 0)
            break;  /* out of threads or memory: run with the ones there are */
        al_pool.n_workers++;
    }
    pthread_attr_destroy(&attr);
    return al_pool.n_workers;
}

static int al_pool_threaded(void) { return 1; }
static void al_pool_set_spin_ns(long long ns) { atomic_store(&al_pool.spin_ns, ns); }
static long long al_pool_spin_ns(void) { return atomic_load(&al_pool.spin_ns); }
static int al_pool_workers(void) { return al_pool.n_workers; }
static long long al_pool_stat(int i) { return al_pool.stats[i]; }

/* Nanoseconds one pause instruction takes here (3-150 cycles by CPU): converts a
   GOMP_SPINCOUNT, which counts pauses, to the pool's spin time. */
static double al_pool_pause_ns(void)
{
    long long start = al_now_ns();
    int i;
    for (i = 0; i < 20000; i++)
        AL_RELAX();
    return (double)(al_now_ns() - start) / 20000.0;
}

/* A run on the caller alone, timed for the record of its key; releases the run lock. */
static int al_pool_serial(al_range_fn fn, void *ctx, Py_ssize_t n, struct al_pay *pay,
                          long long start)
{
    fn(ctx, 0, n);
    al_pool.last_end_ns = al_now_ns();
    pay->serial_ns = al_pool.last_end_ns - start;
    al_pool.stats[1]++;
    pthread_mutex_unlock(&al_pool.run_lock);
    return 1;
}

/* fn over the n pieces, by the caller and up to n_threads - 1 workers; the number of threads
 * the run could use (1: it ran serially). */
static int al_pool_run(al_range_fn fn, void *ctx, Py_ssize_t n, int n_threads, uintptr_t key)
{
    struct al_pay *pay;
    int size_class;
    Py_ssize_t units;
    uint64_t gen;
    long long start, own, end, took, alone;
    long mine;
    int asleep;
    int helpers = n_threads < AL_POOL_MAX_THREADS ? n_threads - 1 : AL_POOL_MAX_THREADS - 1;
    if (helpers > n - 1)
        helpers = (int)(n - 1);
    if (helpers < 1 || pthread_mutex_trylock(&al_pool.run_lock) != 0) {
        if (n > 0)
            fn(ctx, 0, n);
        return 1;
    }
    for (size_class = 0; ((Py_ssize_t)1 << size_class) < n && size_class < 62; size_class++)
        ;
    key = key * 64 + (uintptr_t)size_class;
    pay = &al_pool.pay[(key ^ (key >> 17) ^ (key >> 31)) % 64];
    if (pay->key != key) {
        pay->key = key;
        pay->bad_runs = 0;
        pay->backoff_ns = pay->serial_until = 0;
        pay->useless_wakes = 0;
        pay->serial_ns = 0;
    }
    start = al_now_ns();
    if (start < pay->serial_until)
        return al_pool_serial(fn, ctx, n, pay, start);
    if (al_pool.n_workers < helpers)
        helpers = al_pool_grow(helpers);
    al_pool.fn = fn;
    al_pool.ctx = ctx;
    al_pool.n = n;
    /* units: at most 64 per thread (claims stay rare), each at most a unit of waiting for
       the caller (the callers' pieces are 4-16K elements or a few rows) */
    al_pool.grain = (n + AL_UNITS_PER_THREAD * (helpers + 1) - 1) / (AL_UNITS_PER_THREAD * (helpers + 1));
    if (al_pool.grain < (n + AL_MAX_UNITS - 1) / AL_MAX_UNITS)
        al_pool.grain = (n + AL_MAX_UNITS - 1) / AL_MAX_UNITS;
    al_pool.helpers = helpers;
    units = (n + al_pool.grain - 1) / al_pool.grain;
    atomic_store(&al_pool.done, 0);
    gen = (AL_GEN(atomic_load(&al_pool.word)) + 1) & ((UINT64_C(1) << 24) - 1);
    /* Waking a sleeping worker costs a system call, and the worker's wake-up takes its core
       for a moment (tens of microseconds on a VM) from whoever needs it, BLAS mostly. So
       runs the caller alone does in less than AL_WAKE_WORTH_NS do not wake them (every 64th
       does: a worker it wakes keeps spinning while calls come back to back, and then serves
       these runs too), nor do the runs of a key whose woken workers came too late to claim
       anything twice in a row (every 8th still tries). Awake workers are always used. */
    asleep = atomic_load(&al_pool.sleepers) >= helpers;
    if (asleep && ((pay->serial_ns && pay->serial_ns < AL_WAKE_WORTH_NS && ++pay->skipped % 64)
                   || (pay->useless_wakes >= 2 && ++pay->skipped % 8)))
        return al_pool_serial(fn, ctx, n, pay, start);
    /* publish under the lock: a worker between its spin and its sleep rechecks the word
       there, so it cannot miss this run */
    pthread_mutex_lock(&al_pool.lock);
    al_pool.published_ns = start;
    atomic_store(&al_pool.word, AL_WORD(gen, 0, units));
    if (atomic_load(&al_pool.sleepers) > 0)
        pthread_cond_broadcast(&al_pool.wake);
    pthread_mutex_unlock(&al_pool.lock);
    mine = al_pool_work(gen, 0);
    /* the caller does not sleep: it waits only for units a worker is running now */
    own = al_now_ns();
    while (atomic_load(&al_pool.done) < units - mine) {
        AL_RELAX();
        if (al_now_ns() - own > 1000000)
            sched_yield();  /* a worker preempted on this core: let it finish */
    }
    /* Did the threads pay? A worker may wake too late to help (an idle vCPU takes tens of
       microseconds) or share its core with another busy thread (OpenBLAS's workers spin for
       ~100 ms after every BLAS call and never yield) and hold the caller up. When a run took
       longer than the caller alone would have taken twice in a row while a worker ran some
       of it, the next runs go serial for a while: 1 ms, doubling while it repeats, at most
       64 ms. This is kept per operation (the caller's key) and size
       class (log2 of the pieces): a loop of BLAS calls and actloss calls is never much
       slower than with one thread, an operation that pays keeps its threads beside one that
       does not, and threads come back once they pay again. */
    end = al_now_ns();
    /* What the caller alone would have taken: its own time per unit times all units, or
       the key's record when that is less. Both this estimate and this run's time can be
       inflated by the wake-up: the scheduler often wakes the worker on the caller's core,
       which then waits while the worker runs most units. So the record only goes down here
       (serial runs set it). */
    took = end - start;
    alone = mine ? (own - start) * units / mine : 0;
    if (pay->serial_ns && (!alone || pay->serial_ns < alone))
        alone = pay->serial_ns;
    pay->serial_ns = alone ? alone : took;
    al_pool.stats[0]++;
    al_pool.stats[5] += asleep;
    al_pool.stats[3] += units - mine;
    al_pool.stats[4] += units;
    al_pool.last_end_ns = end;
    if (asleep)
        pay->useless_wakes = mine == units ? pay->useless_wakes + 1 : 0;
    /* a worker that came too late to claim anything cost only its wake-up: no verdict */
    if (mine < units && alone && took > alone) {
        al_pool.stats[2]++;
        if (++pay->bad_runs >= 2) {
            pay->backoff_ns = pay->backoff_ns ? 2 * pay->backoff_ns : 1000000;
            if (pay->backoff_ns > 64000000)
                pay->backoff_ns = 64000000;
            pay->serial_until = end + pay->backoff_ns;
        }
    } else if (mine < units) {
        pay->bad_runs = 0;
        pay->backoff_ns = 0;
    }
    pthread_mutex_unlock(&al_pool.run_lock);
    return 1 + helpers;
}

#endif /* threads */
#endif /* AL_POOL_H */
