"""log_softmax on 10^7 float32 (10000 x 1000), 1 and 2 threads: bytes/s as a fraction of np.copyto on
the same buffers, and torch/actloss (both allocating); interleaved rounds, medians. The row-wise
cases of `python -m actloss bench` stop at 64 x 32000, so issue 5's 10^7 figure comes from here:

    python benchmarks/log_softmax_bandwidth.py

Without torch it leaves torch's figures out (and says so).
"""
import numpy as np

import actloss as F
from actloss._tools.benchcases import median_time, torch_module


def main(rows=10000, rounds=11, threads=(1, 2)):
    torch = torch_module()
    if torch is None:
        print("torch is not installed: actloss and np.copyto only")
    x = (np.random.default_rng(0).standard_normal((rows, 1000)) * 3).astype(np.float32)
    o = np.empty_like(x)
    fns = {"copy": lambda: np.copyto(o, x), "actloss": lambda: F.log_softmax(x, 1, out=o),
           "actloss-alloc": lambda: F.log_softmax(x, 1)}
    if torch is not None:
        t = torch.from_numpy(x)
        fns["torch"] = lambda: torch.log_softmax(t, 1)
    for nt in threads:
        F.set_num_threads(nt)
        if torch is not None:
            torch.set_num_threads(nt)
        med = median_time(fns, rounds, min_time=0, warmup_time=0)   # one call per round
        line = (f"t{nt}: " + ", ".join(f"{k} {v * 1e3:.2f} ms" for k, v in med.items())
                + f"; bw/copy {med['copy'] / med['actloss']:.2f}")
        if "torch" in med:
            line += f"; torch/actloss-alloc {med['torch'] / med['actloss-alloc']:.2f}"
        print(line)


if __name__ == "__main__":
    main()
