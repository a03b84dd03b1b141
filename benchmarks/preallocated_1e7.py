"""10^7 float32 on one thread, actloss and torch both writing into a preallocated output:
the comparison without torch's allocation, which dominates its allocating calls at this size
(torch.sigmoid: 32.5 ms allocating, 9.4 ms with out= in this session). Interleaved, medians.

    python benchmarks/preallocated_1e7.py

Without torch it times actloss alone (and says so).
"""
import numpy as np

import actloss as F
from actloss._tools.benchcases import median_time, torch_module

COLUMNS = 1000      # log_softmax's rows: (10000, 1000) at 10^7


def calls(x, torch):
    """{name: {"actloss": call, "torch": call}}, each writing into a preallocated output
    (no "torch" without torch)."""
    o = np.empty_like(x)
    xm, om = x.reshape(-1, COLUMNS), o.reshape(-1, COLUMNS)
    out = {"sigmoid": {"actloss": lambda: F.sigmoid(x, out=o)},
           "tanh": {"actloss": lambda: F.tanh(x, out=o)},
           "relu": {"actloss": lambda: F.relu(x, out=o)},
           "silu": {"actloss": lambda: F.silu(x, out=o)},
           "gelu": {"actloss": lambda: F.gelu(x, out=o)},
           "log_softmax": {"actloss": lambda: F.log_softmax(xm, 1, out=om)}}
    if torch is not None:
        t, to = torch.from_numpy(x), torch.from_numpy(np.empty_like(x))
        tm, tom = t.view(-1, COLUMNS), to.view(-1, COLUMNS)
        aten = torch.ops.aten
        for name, f in {"sigmoid": lambda: torch.sigmoid(t, out=to),
                        "tanh": lambda: torch.tanh(t, out=to),
                        "relu": lambda: torch.clamp_min(t, 0, out=to),
                        "silu": lambda: aten.silu.out(t, out=to),
                        "gelu": lambda: aten.gelu.out(t, out=to),
                        "log_softmax": lambda: torch.log_softmax(tm, 1, out=tom)}.items():
            out[name]["torch"] = f
    return out


def main(n=10**7, rounds=9):
    torch = torch_module()
    if torch is None:
        print("torch is not installed: actloss's times only")
    else:
        torch.set_num_threads(1)
    F.set_num_threads(1)
    x = (np.random.default_rng(0).standard_normal(n) * 3).astype(np.float32)
    for name, fns in calls(x, torch).items():
        med = median_time(fns, rounds, min_time=0, warmup_time=0)   # one call per round
        label = f"log_softmax {n // COLUMNS}x{COLUMNS}" if name == "log_softmax" else name
        line = f"{label}: actloss out= {med['actloss'] * 1e3:.2f} ms"
        if "torch" in med:
            line += (f", torch out= {med['torch'] * 1e3:.2f} ms, "
                     f"torch/actloss {med['torch'] / med['actloss']:.2f}")
        print(line)


if __name__ == "__main__":
    main()
