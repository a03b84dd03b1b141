"""Softmax family and losses: actloss vs torch vs the NumPy a user would write, side by side.

Each group is one case (function/direction/shape/dtype/threads); its rows are the
implementations. Inputs are built once, outside the timed region. Run with

    pytest benchmarks/bench_losses.py --benchmark-only --benchmark-group-by=group \
        --benchmark-columns=median,ops
"""
import functools

import numpy as np
import pytest

import actloss as F

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # torch is optional: its rows are skipped
    torch = None

THREADS = (1, 2)
IMPLS = ("actloss", "torch", "numpy")


@functools.lru_cache(maxsize=None)
def _data(kind, shape, dtype="float32"):
    rng = np.random.default_rng(0)
    if kind == "logits":
        return (rng.standard_normal(shape) * 3).astype(dtype)
    if kind == "classes":
        return rng.integers(0, shape[1], shape[0]).astype(np.int64)
    if kind == "target":
        return rng.standard_normal(shape).astype(dtype)
    if kind == "binary":
        return (rng.random(shape) < 0.3).astype(dtype)
    raise ValueError(kind)


def _np_log_softmax(x):
    m = x.max(axis=1, keepdims=True)
    z = x - m
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _np_softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _np_ce(x, t):
    return -_np_log_softmax(x)[np.arange(len(t)), t].mean()


def _np_ce_grad(x, t):
    p = _np_softmax(x)
    p[np.arange(len(t)), t] -= 1
    return p / len(t)


def _case(name, shape, direction):
    """(actloss callable, torch callable or None, numpy callable) for one case."""
    x = _data("logits", shape)
    out = np.empty_like(x)
    tx = torch.from_numpy(x) if torch is not None else None
    if name in ("softmax", "log_softmax"):
        al = functools.partial(getattr(F, name), x, 1, out=out)
        np_f = functools.partial(_np_softmax if name == "softmax" else _np_log_softmax, x)
        tf = (functools.partial(getattr(TF, name), tx, 1) if torch is not None else None)
        return al, tf, np_f
    if name in ("cross_entropy", "nll_loss"):
        t = _data("classes", shape)
        tt = torch.from_numpy(t) if torch is not None else None
        if name == "nll_loss":
            x = F.log_softmax(x, 1)
            tx = torch.from_numpy(x) if torch is not None else None
        fwd = F.cross_entropy if name == "cross_entropy" else F.nll_loss
        fused = F.cross_entropy_with_grad if name == "cross_entropy" else F.nll_loss_with_grad
        tfn = TF.cross_entropy if name == "cross_entropy" else TF.nll_loss
        if direction == "fwd":
            al = functools.partial(fwd, x, t)
            tf = functools.partial(tfn, tx, tt) if torch is not None else None
            np_f = (functools.partial(_np_ce, x, t) if name == "cross_entropy"
                    else lambda: -x[np.arange(len(t)), t].mean())
        else:
            al = functools.partial(fused, x, t)

            def tf():
                q = tx.detach().requires_grad_(True)
                tfn(q, tt).backward()
                return q.grad

            tf = tf if torch is not None else None
            np_f = functools.partial(_np_ce_grad, x, t)
        return al, tf, np_f
    # pointwise losses on 10^6 elements
    y = _data("binary" if name == "binary_cross_entropy_with_logits" else "target", shape)
    ty = torch.from_numpy(y) if torch is not None else None
    fwd = getattr(F, name)
    tfn = getattr(TF, name) if torch is not None else None
    numpy_forms = {
        "mse_loss": lambda: np.mean((x - y) ** 2),
        "smooth_l1_loss": lambda: np.mean(np.where(np.abs(x - y) < 1, 0.5 * (x - y) ** 2,
                                                   np.abs(x - y) - 0.5)),
        "binary_cross_entropy_with_logits": lambda: np.mean(
            np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))),
    }
    if direction == "fwd":
        al = functools.partial(fwd, x, y)
        tf = functools.partial(tfn, tx, ty) if torch is not None else None
    else:
        bwd = getattr(F, name + "_backward")
        al = lambda: (fwd(x, y), bwd(1.0, x, y))  # noqa: E731

        def tf():
            q = tx.detach().requires_grad_(True)
            tfn(q, ty).backward()
            return q.grad

        tf = tf if torch is not None else None
    return al, tf, numpy_forms[name]


CASES = ([(n, s, "fwd") for n in ("softmax", "log_softmax") for s in ((1000, 1000), (64, 32000))]
         + [("cross_entropy", s, d) for s in ((4096, 1000), (512, 32000)) for d in ("fwd", "fwd+bwd")]
         + [("nll_loss", (4096, 1000), d) for d in ("fwd", "fwd+bwd")]
         + [(n, (10**6,), d) for n in ("mse_loss", "smooth_l1_loss",
                                       "binary_cross_entropy_with_logits")
            for d in ("fwd", "fwd+bwd")])


@pytest.mark.parametrize("threads", THREADS, ids=lambda t: f"t{t}")
@pytest.mark.parametrize("name,shape,direction", CASES,
                         ids=[f"{n}-{'x'.join(map(str, s))}-{d}" for n, s, d in CASES])
@pytest.mark.parametrize("impl", IMPLS)
def bench_loss(benchmark, name, shape, direction, threads, impl):
    al, tf, np_f = _case(name, shape, direction)
    func = {"actloss": al, "torch": tf, "numpy": np_f}[impl]
    if func is None:
        pytest.skip("torch is not installed")
    F.set_num_threads(threads)
    if torch is not None:
        torch.set_num_threads(threads)
    benchmark.group = f"{name}/{direction}/{'x'.join(map(str, shape))}/float32/t{threads}"
    n = int(np.prod(shape))
    benchmark.extra_info.update(elements=n, bytes=4 * n)
    try:
        benchmark(func)
    finally:
        F.set_num_threads(None)
    stats = benchmark.stats.stats if benchmark.stats else None
    if stats is not None and stats.median:
        benchmark.extra_info["elements_per_s"] = n / stats.median
        benchmark.extra_info["bytes_per_s"] = 4 * n / stats.median
