"""actloss through dask at scale: figures for the README (issue 14, item 2).

    python benchmarks/dask_scale.py ce ROWS      # (ROWS, 1000) float32 cross_entropy, mean
    python benchmarks/dask_scale.py gelu N       # N-element float32 gelu (actloss.ufuncs), summed
    python benchmarks/dask_scale.py mse N        # N-element float32 mse_loss: dask vs NumPy
    python benchmarks/dask_scale.py softmax N    # (N / 1000, 1000) float32 softmax: dask vs NumPy

The cross_entropy and gelu inputs are drawn lazily by dask.array.random in (10^5, 1000) chunks, so the
whole array never exists: each worker draws a chunk, reduces it to a partial sum and drops it.
Runs on a LocalCluster of two worker processes (one thread each, a 4 GiB memory limit each)
on loopback; prints the wall time of the compute and the peak RSS of every process.
"""
import os
import resource
import sys
import time

import numpy as np


def _peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    import dask.array as da
    from dask.distributed import Client, LocalCluster

    import actloss as F

    what, n = sys.argv[1], int(float(sys.argv[2]))
    environ = dict(os.environ)
    src = os.path.dirname(os.path.dirname(os.path.abspath(F.__file__)))
    os.environ["PYTHONPATH"] = src + os.pathsep + os.environ.get("PYTHONPATH", "")
    cluster = LocalCluster(processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1",
                           dashboard_address=None, memory_limit="4GiB")
    # the workers run one thread each (distributed sets OMP_NUM_THREADS=1 for them, and in
    # this process too): the NumPy path here keeps actloss's default threads
    os.environ.clear()
    os.environ.update(environ)
    client = Client(cluster)
    client.run(lambda: __import__("actloss"))  # imports are not part of the timing
    rng = da.random.default_rng(0)
    if what == "ce":
        C, chunk = 1000, 10**5
        x = rng.standard_normal((n, C), chunks=(min(chunk, n), C), dtype=np.float32)
        t = rng.integers(0, C, n, chunks=min(chunk, n))
        y = F.cross_entropy(x, t)
        assert isinstance(y, da.Array)
        t0 = time.perf_counter()
        v = y.compute()
        wall = time.perf_counter() - t0
        # the drawing alone, for the share of the time that is actloss's
        t0 = time.perf_counter()
        (x[:, 0].sum() + t.sum()).compute()
        draw = time.perf_counter() - t0
        print(f"cross_entropy ({n}, {C}) float32 mean via dask: {v!r} (dtype {v.dtype}) in "
              f"{wall:.1f} s wall; drawing the input alone {draw:.1f} s")
    elif what == "gelu":
        x = rng.standard_normal(n, chunks=min(10**7, n), dtype=np.float32)
        y = F.gelu(x)  # through actloss.ufuncs.gelu and NumPy's __array_ufunc__: lazy
        assert isinstance(y, da.Array)
        t0 = time.perf_counter()
        v = y.sum(dtype=np.float64).compute()
        wall = time.perf_counter() - t0
        t0 = time.perf_counter()
        x.sum(dtype=np.float64).compute()
        draw = time.perf_counter() - t0
        print(f"gelu of {n} float32 elements via dask, summed: {v!r} in {wall:.1f} s wall; "
              f"drawing and summing the input alone {draw:.1f} s")
    else:
        shape = (n,) if what == "mse" else (n // 1000, 1000)
        xn = np.random.default_rng(0).standard_normal(shape, dtype=np.float32)
        tn = np.random.default_rng(1).standard_normal(shape, dtype=np.float32)
        chunks = (10**7,) if what == "mse" else (10**4, 1000)
        x, t = da.from_array(xn, chunks=chunks), da.from_array(tn, chunks=chunks)
        x, t = client.persist(x), client.persist(t)  # data on the workers, as a pipeline has it
        x.compute(), t.compute()
        f = (lambda a, b: F.mse_loss(a, b)) if what == "mse" else (lambda a, b: F.softmax(a, 1).sum())
        times_np, times_da = [], []
        for _ in range(5):
            t0 = time.perf_counter()
            f(xn, tn)
            times_np.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            f(x, t).compute()
            times_da.append(time.perf_counter() - t0)
        print(f"{what} {shape} float32: NumPy path ({F.get_num_threads()} threads) median {np.median(times_np) * 1e3:.0f} ms, "
              f"dask (2 workers x 1 thread, chunks {chunks}) median "
              f"{np.median(times_da) * 1e3:.0f} ms")
    rss = client.run(_peak_rss_mib)
    print("peak RSS MiB: this process (client and scheduler)", round(_peak_rss_mib()),
          "workers", {k.rsplit(":", 1)[-1]: round(v) for k, v in rss.items()})
    client.close()
    cluster.close()


if __name__ == "__main__":
    main()
