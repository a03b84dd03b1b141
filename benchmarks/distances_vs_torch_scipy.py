"""actloss.distances against torch and NumPy/SciPy, side by side in one process.

    python benchmarks/distances_vs_torch_scipy.py [--rounds 15] [--threads 1]

The sizes the issue names: cdist of 1000x128 against 1000x128 (torch.cdist; SciPy's
scipy.spatial.distance.cdist), pairwise_distance and cosine_similarity at (4096, 512)
(torch.nn.functional; the NumPy formula a user writes), forward and backward (torch: autograd
over a graph built once), float32 and float64. Prints the median of ``rounds`` timed calls of
each (after a warm-up whose results are compared, so that a wrong formula cannot make a
ratio) and the ratios peer / actloss (above 1: actloss faster). torch and SciPy are optional.
"""
import argparse
import statistics
import time

import numpy as np

import actloss as F


def _medians(fns, rounds):
    """Median process CPU time of each callable (None stays None), the rounds interleaved so
    that a busy machine slows all of them alike (one thread: CPU time is the call's cost)."""
    live = [f for f in fns if f is not None]
    for f in live:
        f()
    times = {id(f): [] for f in live}
    for _ in range(rounds):
        for f in live:
            t = time.process_time()
            f()
            times[id(f)].append(time.process_time() - t)
    return [statistics.median(times[id(f)]) if f is not None else None for f in fns]


def _np_pairwise(x1, x2):
    return np.linalg.norm(x1 - x2 + np.asarray(1e-6, x1.dtype), axis=1)


def _np_pairwise_bwd(g, x1, x2):
    u = x1 - x2 + np.asarray(1e-6, x1.dtype)
    gu = g[:, None] * u / np.linalg.norm(u, axis=1, keepdims=True)
    return gu, -gu


def _np_cosine(x1, x2):
    n1 = np.maximum(np.linalg.norm(x1, axis=1), 1e-8)
    n2 = np.maximum(np.linalg.norm(x2, axis=1), 1e-8)
    return np.einsum("ij,ij->i", x1, x2) / n1 / n2


def _np_cosine_bwd(g, x1, x2):
    n1 = np.maximum(np.linalg.norm(x1, axis=1, keepdims=True), 1e-8)
    n2 = np.maximum(np.linalg.norm(x2, axis=1, keepdims=True), 1e-8)
    cos, g = _np_cosine(x1, x2)[:, None], g[:, None]
    return g / n1 * (x2 / n2 - cos * x1 / n1), g / n2 * (x1 / n1 - cos * x2 / n2)


def _scipy_cdist():
    try:
        from scipy.spatial.distance import cdist
    except ImportError:
        return None
    return cdist


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def cases(dtype, rng):
    """(name, size label, actloss fwd, actloss bwd, numpy fwd, numpy bwd, peer label, torch
    builder) per function."""
    x1, x2 = (rng.standard_normal((2, 4096, 512)) / 20).astype(dtype)
    c1, c2 = rng.standard_normal((2, 1000, 128)).astype(dtype)
    g = rng.standard_normal(4096).astype(dtype)
    gc = rng.standard_normal((1000, 1000)).astype(dtype)
    cd = _scipy_cdist()
    return [
        ("pairwise_distance", "4096x512", lambda: F.pairwise_distance(x1, x2),
         lambda: F.pairwise_distance_backward(g, x1, x2), lambda: _np_pairwise(x1, x2),
         lambda: _np_pairwise_bwd(g, x1, x2), "numpy",
         lambda T, a, b: T.nn.functional.pairwise_distance(a, b), (x1, x2, g)),
        ("cosine_similarity", "4096x512", lambda: F.cosine_similarity(x1, x2),
         lambda: F.cosine_similarity_backward(g, x1, x2), lambda: _np_cosine(x1, x2),
         lambda: _np_cosine_bwd(g, x1, x2), "numpy",
         lambda T, a, b: T.nn.functional.cosine_similarity(a, b), (x1, x2, g)),
        ("cdist p=2", "1000x128 vs 1000x128", lambda: F.cdist(c1, c2),
         lambda: F.cdist_backward(gc, c1, c2),
         (lambda: cd(c1, c2).astype(dtype)) if cd else None, None, "scipy",
         lambda T, a, b: T.cdist(a, b), (c1, c2, gc)),
        ("cdist p=1", "1000x128 vs 1000x128", lambda: F.cdist(c1, c2, 1.0),
         lambda: F.cdist_backward(gc, c1, c2, 1.0),
         (lambda: cd(c1, c2, "cityblock").astype(dtype)) if cd else None, None, "scipy",
         lambda T, a, b: T.cdist(a, b, 1.0), (c1, c2, gc)),
    ]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    T = _torch()
    if T is not None:
        T.set_num_threads(args.threads)
    try:
        from threadpoolctl import threadpool_limits
        limit = threadpool_limits(args.threads)
    except ImportError:
        limit = None
    F.set_num_threads(args.threads)
    print(f"{'function':18} {'size':20} {'dtype':8} {'dir':4} {'actloss':>10} {'torch':>10} "
          f"{'np/scipy':>10} {'torch/al':>8} {'peer/al':>8}")
    for dtype in (np.float32, np.float64):
        rng = np.random.default_rng(0)
        for name, size, fwd, bwd, np_fwd, np_bwd, peer, tfn, (a, b, g) in cases(dtype, rng):
            tol = 1e-3 if dtype == np.float32 else 1e-9
            t_fwd = t_bwd = None
            if T is not None:
                ta = T.from_numpy(a).requires_grad_(True)
                tb = T.from_numpy(b).requires_grad_(True)
                ty = tfn(T, ta, tb)
                tg = T.from_numpy(g)
                np.testing.assert_allclose(ty.detach().numpy(), fwd(), rtol=tol, atol=tol)
                ta0, tb0 = T.from_numpy(a), T.from_numpy(b)
                t_fwd = lambda: tfn(T, ta0, tb0)  # noqa: E731
                t_bwd = lambda: T.autograd.grad(ty, (ta, tb), tg, retain_graph=True)  # noqa
            if np_fwd is not None:
                np.testing.assert_allclose(np_fwd(), fwd(), rtol=tol, atol=tol)
            rows = {"fwd": _medians([fwd, t_fwd, np_fwd], args.rounds),
                    "bwd": _medians([bwd, t_bwd, np_bwd], args.rounds)}
            for direction, (al, tt, nn) in rows.items():
                ms = lambda v: f"{v * 1e3:8.3f}ms" if v else f"{'-':>10}"  # noqa: E731
                ratio = lambda v: f"{v / al:8.2f}" if v else f"{'-':>8}"  # noqa: E731
                print(f"{name:18} {size:20} {np.dtype(dtype).name:8} {direction:4} {ms(al)} "
                      f"{ms(tt)} {ms(nn)} {ratio(tt)} {ratio(nn)}   ({peer})")
    if limit is not None:
        limit.restore_original_limits()


if __name__ == "__main__":
    main()
