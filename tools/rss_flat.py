"""Resident set size before and after many calls of each function family (issue 13).

    python tools/rss_flat.py [CALLS]        # default 10**6 calls per family; Linux (/proc)

Each family's calls run 2,000 times as a warm-up (caches, pools, first-use imports), then
CALLS times; the line printed gives the RSS in MiB before and after, and the growth. A leak of
one small array per call would add tens of MiB per 10^6 calls. tests/test_edge_cases.py's
test_rss_flat_over_many_calls is the CI-sized version (50,000 calls, marked slow).
"""
import sys
import time

import numpy as np

import actloss as F
import actloss.ufuncs as U


def _rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def _families():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 16)).astype(np.float32)
    t = rng.integers(0, 16, 8)
    p = F.softmax(x, dim=1)
    lp = F.log_softmax(rng.standard_normal((12, 2, 5)), dim=2)
    ctc = (lp, np.array([[1, 2], [3, 4]]), np.array([12, 12]), np.array([2, 2]))
    w = rng.standard_normal((16, 4)).astype(np.float32)
    h = rng.standard_normal((8, 4)).astype(np.float32)
    return {
        "activations": lambda: (F.gelu(x), F.gelu_backward(x, x), F.leaky_relu(x, 0.1)),
        "ufuncs": lambda: (U.gelu(x), U.silu_backward(x, x), U.elu(x, 1.0)),
        "softmax family": lambda: (F.log_softmax(x, dim=1), F.softmax_backward(x, x, dim=1),
                                   F.logsumexp(x, dim=1)),
        "pointwise losses": lambda: (F.mse_loss(x, x),
                                     F.binary_cross_entropy_with_logits_with_grad(x, p)),
        "class losses": lambda: (F.cross_entropy(x, t, label_smoothing=0.1),
                                 F.cross_entropy_backward(1.0, x, t), F.nll_loss(x, t)),
        "embedding losses": lambda: (F.triplet_margin_loss(x, x, x),
                                     F.cosine_embedding_loss(x, x, np.ones(8))),
        "focal and poly": lambda: (F.sigmoid_focal_loss(x, p), F.softmax_focal_loss(x, t),
                                   F.poly1_cross_entropy(x, t)),
        "distances": lambda: (F.cdist(x, x), F.pdist(x), F.cosine_similarity(x, x)),
        "sparse maps": lambda: (F.sparsemax(x, dim=1), F.entmax15_loss(x, t)),
        "ctc_loss": lambda: F.ctc_loss_with_grad(*ctc),
        "linear_cross_entropy": lambda: F.linear_cross_entropy_with_grad(h, w, t),
    }


def main(calls):
    for name, call in _families().items():
        for _ in range(2000):
            call()
        before, start = _rss_mib(), time.perf_counter()
        for _ in range(calls):
            call()
        after = _rss_mib()
        print(f"{name:22} {calls:>9} calls  RSS {before:8.1f} -> {after:8.1f} MiB "
              f"({after - before:+.1f})  {time.perf_counter() - start:6.1f} s", flush=True)


if __name__ == "__main__":
    main(int(float(sys.argv[1])) if len(sys.argv) > 1 else 10**6)
