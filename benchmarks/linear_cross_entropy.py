"""linear_cross_entropy against the unfused path and torch: time and peak memory.

    python benchmarks/linear_cross_entropy.py [--n 4096] [--d 512] [--v 50000] [--repeat 3]
                                              [--target classes|probs]

One training step of an output layer -- the loss and the gradients of input, weight and bias
-- done four ways on the same float32 (or --dtype float64) data:

  fused     actloss.linear_cross_entropy_with_grad (vocabulary chunks, no N x V array)
  unfused   NumPy z = h @ W.T + b, actloss.cross_entropy_with_grad(z, t), then the two
            matmuls G @ W and G.T @ h and G.sum(0): two N x V arrays (z and G)
  torch     torch's composition cross_entropy(h @ W.T + b, t) and .backward()
  torch-lce torch.nn.functional.linear_cross_entropy with its chunked path
            (options=LinearCrossEntropyOptions(), torch >= 2.13), and .backward(); only with
            --modes (slow on CPU: about 14x the unfused path at N=1024, D=256, V=20000)

--target probs gives every row a (N, V) float distribution over the classes instead of a
class index (class-probability targets; the target is then itself an N x V input, counted
with the inputs, not in the step's memory).

Time: the median of --repeat interleaved rounds in this process (each call after one warm-up).
Memory: each way runs once in a fresh subprocess; the figure is the peak resident set size
(VmHWM, reset once the inputs exist; ru_maxrss where /proc is missing) above what the process
held once its inputs existed -- what the step itself
needs beyond the arrays it is given. The script prints both tables, side by side as ratios
to the unfused path.

One run (2-core AMD EPYC shared with other jobs, so the times are noisy), N=4096 D=512
V=50000 float32, medians of 3: fused 36.4 s, unfused 35.5 s (fused/unfused 1.03), torch
32.0 s; peak RSS above the inputs: fused 139 MiB (98 MiB of it the weight gradient itself),
unfused 1568 MiB, torch 2361 MiB. At N=2048: 16.4 s, 14.4 s (1.14), 16.5 s; 127, 785,
1189 MiB.

Class-probability targets (--target probs), N=2048 D=512 V=32000 float32, medians of 5, the
same shared machine (load about 11 on 2 cores): fused 7.17 s, unfused 6.15 s (1.17x); peak
RSS above the inputs fused 106 MiB (62.5 MiB of it the weight gradient), unfused 503 MiB
(0.21x). An earlier run with torch: 9.34, 7.94 (1.18x), torch 8.26 s; 106, 503, 769 MiB.
Class indices in the same session: fused 8.54 s, unfused 7.38 s (1.16x); 91 and 503 MiB.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

MODES = ("fused", "unfused", "torch", "torch-lce")
DEFAULT_MODES = ("fused", "unfused", "torch")   # torch-lce is slow on CPU: --modes to add it


def make_inputs(n, d, v, dtype, seed=0, target="classes"):
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((n, d), dtype=np.float32).astype(dtype, copy=False)
    W = rng.standard_normal((v, d), dtype=np.float32).astype(dtype, copy=False)
    W *= 1.0 / np.sqrt(d)
    b = (0.1 * rng.standard_normal(v, dtype=np.float32)).astype(dtype, copy=False)
    if target == "probs":
        # soft labels: an exponential draw per class, each row normalised
        t = rng.standard_exponential((n, v), dtype=np.float32).astype(dtype, copy=False)
        t /= t.sum(axis=1, keepdims=True)
    else:
        t = rng.integers(0, v, n)
    return h, W, b, t


def step_function(mode, h, W, b, t):
    """A no-argument callable doing one step (loss and the three gradients) the given way."""
    if mode == "fused":
        import actloss
        return lambda: actloss.linear_cross_entropy_with_grad(h, W, t, linear_bias=b)
    if mode == "unfused":
        import actloss

        def unfused():
            z = h @ W.T
            z += b
            loss, g = actloss.cross_entropy_with_grad(z, t)
            del z
            return loss, (g @ W, g.T @ h, g.sum(axis=0))
        return unfused
    import torch
    import torch.nn.functional as tf
    th, tW, tb = (torch.from_numpy(a).requires_grad_() for a in (h, W, b))
    tt = torch.from_numpy(t)
    if mode == "torch":
        def composed():
            for p in (th, tW, tb):
                p.grad = None
            loss = tf.cross_entropy(th @ tW.T + tb, tt)
            loss.backward()
            return loss
        return composed
    if mode == "torch-lce":
        if not hasattr(tf, "linear_cross_entropy"):
            return None
        options = torch.nn.LinearCrossEntropyOptions()

        def chunked():
            for p in (th, tW, tb):
                p.grad = None
            loss = tf.linear_cross_entropy(th, tW, tt, linear_bias=tb, options=options)
            loss.backward()
            return loss
        return chunked
    raise ValueError(mode)


def _status_bytes(field):
    """A field of /proc/self/status (VmRSS, VmHWM) in bytes, or None off Linux."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _reset_peak():
    """Reset the process's RSS high-water mark (Linux: 5 > /proc/self/clear_refs); False
    where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_bytes():
    hwm = _status_bytes("VmHWM")
    if hwm is not None:
        return hwm
    # ru_maxrss: kilobytes on Linux, bytes on macOS; it survives exec on Linux (a child
    # starts with its parent's figure), hence VmHWM first
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb * (1 if sys.platform == "darwin" else 1024)


def child(mode, n, d, v, dtype, target):
    """Run one step in this (fresh) process; print the peak RSS above the inputs' as JSON."""
    if mode != "fused" and mode != "unfused":
        import torch  # noqa: F401  (loaded before the baseline: its libraries are not the step)
    import actloss  # noqa: F401
    h, W, b, t = make_inputs(n, d, v, dtype, target=target)
    f = step_function(mode, h, W, b, t)
    if f is None:
        print(json.dumps(None))
        return
    base = _status_bytes("VmRSS") if _reset_peak() else None
    if base is None:
        base = _peak_bytes()
    f()
    print(json.dumps(_peak_bytes() - base))


def peak_memory(mode, n, d, v, dtype, target):
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", mode,
                          "--n", str(n), "--d", str(d), "--v", str(v), "--dtype", dtype,
                          "--target", target],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--d", type=int, default=512)
    ap.add_argument("--v", type=int, default=50000)
    ap.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--target", default="classes", choices=("classes", "probs"))
    ap.add_argument("--modes", default=",".join(DEFAULT_MODES),
                    help=f"comma-separated, of {', '.join(MODES)}")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--child", choices=MODES)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.n, args.d, args.v, args.dtype, args.target)
        return
    modes = [m for m in args.modes.split(",") if m]
    try:
        import torch  # noqa: F401
    except ImportError:
        modes = [m for m in modes if not m.startswith("torch")]
    n, d, v = args.n, args.d, args.v
    h, W, b, t = make_inputs(n, d, v, args.dtype, target=args.target)
    steps = {m: step_function(m, h, W, b, t) for m in modes}
    steps = {m: f for m, f in steps.items() if f is not None}
    times = {m: [] for m in steps}
    for f in steps.values():
        f()   # warm-up
    for _ in range(args.repeat):
        for m, f in steps.items():
            t0 = time.perf_counter()
            f()
            times[m].append(time.perf_counter() - t0)
    med = {m: statistics.median(ts) for m, ts in times.items()}
    logits_mb = n * v * np.dtype(args.dtype).itemsize / 2**20
    print(f"linear_cross_entropy step, N={n} D={d} V={v} {args.dtype} {args.target} "
          f"(one N x V array: {logits_mb:.0f} MiB); median of {args.repeat}")
    ref = med.get("unfused")
    for m in steps:
        ratio = f"  {med[m] / ref:5.2f}x unfused" if ref else ""
        print(f"  time   {m:9s} {med[m]:8.3f} s{ratio}   runs: "
              + ", ".join(f"{x:.3f}" for x in times[m]))
    if not args.no_memory:
        mem = {m: peak_memory(m, n, d, v, args.dtype, args.target) for m in steps}
        for m in steps:
            if mem[m] is None:
                continue
            ratio = (f"  {mem[m] / mem['unfused']:5.2f}x unfused"
                     if mem.get("unfused") else "")
            print(f"  memory {m:9s} {mem[m] / 2**20:8.0f} MiB peak RSS above the inputs{ratio}")


if __name__ == "__main__":
    main()
