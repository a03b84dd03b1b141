"""actloss.ctc_loss against torch.nn.functional.ctc_loss, side by side in one process.

Sizes of speech/OCR training steps (T = 100..200 frames, N = 16..32, C = 30..50 classes,
S = 20..40 target labels, padded), log_softmax inputs, lengths drawn in [3T/4, T] and
[S/2, S]. Forward: the loss ("mean"); forward + backward: actloss's ctc_loss_with_grad
against torch's loss.backward() on a leaf tensor. Interleaved calls, medians of process CPU
time (one thread: robust to other load on the machine); wall time with more threads.

    python benchmarks/ctc_vs_torch.py [--threads N] [--reps R]
"""
import argparse
import time

import numpy as np

import actloss as F

SIZES = [(100, 16, 30, 20), (150, 16, 40, 30), (200, 32, 50, 40), (200, 16, 30, 40),
         (100, 32, 50, 20)]


def _inputs(rng, T, N, C, S, dtype):
    x = rng.normal(size=(T, N, C))
    z = x - x.max(-1, keepdims=True)
    lp = (z - np.log(np.exp(z).sum(-1, keepdims=True))).astype(dtype)
    return (lp, rng.integers(1, C, (N, S)), rng.integers(3 * T // 4, T + 1, N),
            rng.integers(S // 2, S + 1, N))


def _medians(calls, reps, clock):
    """Median time of each call, the calls interleaved rep by rep."""
    for f in calls:
        f()
    times = [[] for _ in calls]
    for _ in range(reps):
        for f, ts in zip(calls, times):
            t = clock()
            f()
            ts.append(clock() - t)
    return [float(np.median(ts)) for ts in times]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reps", type=int, default=21)
    args = p.parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    F.set_num_threads(args.threads)
    clock = time.process_time if args.threads == 1 else time.perf_counter
    ctc = torch.nn.functional.ctc_loss
    rng = np.random.default_rng(0)
    print(f"threads={args.threads}, medians of {args.reps} interleaved calls "
          f"({'process CPU' if args.threads == 1 else 'wall'} time); ratio = torch / actloss")
    print(f"{'T':>4} {'N':>3} {'C':>3} {'S':>3} {'dtype':>8} | {'fwd actloss':>11} "
          f"{'fwd torch':>10} {'ratio':>5} | {'f+b actloss':>11} {'f+b torch':>10} {'ratio':>5}")
    for T, N, C, S in SIZES:
        for dtype in (np.float32, np.float64):
            lp, tg, il, tl = _inputs(rng, T, N, C, S, dtype)
            t_lp, t_tg, t_il, t_tl = map(torch.from_numpy, (lp, tg, il, tl))

            def torch_fb():
                x = t_lp.detach().requires_grad_()
                ctc(x, t_tg, t_il, t_tl).backward()

            fa, ft, ba, bt = _medians([lambda: F.ctc_loss(lp, tg, il, tl),
                                       lambda: ctc(t_lp, t_tg, t_il, t_tl),
                                       lambda: F.ctc_loss_with_grad(lp, tg, il, tl),
                                       torch_fb], args.reps, clock)
            print(f"{T:>4} {N:>3} {C:>3} {S:>3} {np.dtype(dtype).name:>8} | "
                  f"{fa * 1e3:9.3f}ms {ft * 1e3:8.3f}ms {ft / fa:5.2f} | "
                  f"{ba * 1e3:9.3f}ms {bt * 1e3:8.3f}ms {bt / ba:5.2f}")


if __name__ == "__main__":
    main()
