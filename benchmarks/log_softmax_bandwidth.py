"""log_softmax on 10^7 float32 (10000 x 1000), 1 and 2 threads: bytes/s as a fraction of np.copyto on
the same buffers, and torch/actloss (both allocating); interleaved rounds, medians. The row-wise
cases of `python -m actloss bench` stop at 64 x 32000, so issue 5's 10^7 figure comes from here:

    python benchmarks/log_softmax_bandwidth.py
"""
import time

import numpy as np
import torch

import actloss as F

x = (np.random.default_rng(0).standard_normal((10000, 1000)) * 3).astype(np.float32)
o = np.empty_like(x); t = torch.from_numpy(x)
for nt in (1, 2):
    F.set_num_threads(nt); torch.set_num_threads(nt)
    fns = {"copy": lambda: np.copyto(o, x), "actloss": lambda: F.log_softmax(x, 1, out=o),
           "actloss-alloc": lambda: F.log_softmax(x, 1), "torch": lambda: torch.log_softmax(t, 1)}
    times = {k: [] for k in fns}
    for f in fns.values(): f()
    for _ in range(11):
        for k, f in fns.items():
            t0 = time.perf_counter(); f(); times[k].append(time.perf_counter() - t0)
    med = {k: sorted(v)[len(v) // 2] for k, v in times.items()}
    print(f"t{nt}: " + ", ".join(f"{k} {v*1e3:.2f} ms" for k, v in med.items())
          + f"; bw/copy {med['copy'] / med['actloss']:.2f}; torch/actloss-alloc {med['torch'] / med['actloss-alloc']:.2f}")
