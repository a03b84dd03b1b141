"""Float64 reference of the focal losses and PolyLoss, written for clarity, one row at a time.

Tests only; shares no code with actloss. float32 inputs are upcast first, so the reference
sees the value the kernel reads. Every loss is returned per element / per row with the count
that "mean" divides by.
"""
import numpy as np
from scipy.special import expit, log_softmax


def _f64(a):
    return np.asarray(a, dtype=np.float64)


def bce_logits(x, t):
    """-(t log sigmoid(x) + (1 - t) log sigmoid(-x)), softplus written with logaddexp."""
    x, t = _f64(x), _f64(t)
    return t * np.logaddexp(0.0, -x) + (1.0 - t) * np.logaddexp(0.0, x)


def binary_focal(x, t, alpha=0.25, gamma=2.0, weight=None):
    """The reference document's focal loss per element: alpha (1 - exp(-ce))^gamma ce."""
    ce = bce_logits(x, t)
    one_minus_pt = -np.expm1(-ce)
    loss = alpha * one_minus_pt ** gamma * ce
    if weight is not None:
        loss = loss * _f64(weight)
    return loss


def binary_focal_grad(x, t, alpha=0.25, gamma=2.0, weight=None):
    """d/dx of binary_focal by the chain rule: alpha [gamma (1-p)^(gamma-1) p ce + (1-p)^gamma]
    (sigmoid(x) - t), p = exp(-ce). Finite ce only (the tests' inputs)."""
    x, t = _f64(x), _f64(t)
    ce = bce_logits(x, t)
    p = np.exp(-ce)
    q = -np.expm1(-ce)
    if gamma == 0:
        dce = np.ones_like(ce)
    else:
        dce = gamma * q ** (gamma - 1) * p * ce + q ** gamma
    g = alpha * dce * (expit(x) - t)
    if weight is not None:
        g = g * _f64(weight)
    return g


def _class_rows(x, t):
    """(rows of logits (R, C), the targets per row (R,) or (R, C)) with the class dimension
    last: dimension 1 of an (N, C, d...) input, 0 of a (C,) one."""
    x = _f64(x)
    probs = np.shape(t) == x.shape
    axis = 1 if x.ndim > 1 else 0
    rows = np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis])
    if probs:
        targets = np.moveaxis(_f64(t), axis, -1).reshape(-1, x.shape[axis])
    else:
        targets = np.asarray(t).reshape(-1)
    return rows, targets, probs


def _distribution(target, probs, C, ignore_index, label_smoothing):
    """The target distribution of one row, or None for an ignored class index."""
    if probs:   # torch's cross_entropy smooths probabilities too
        return (1.0 - label_smoothing) * target + label_smoothing / C
    if target == ignore_index:
        return None
    q = np.full(C, label_smoothing / C)
    q[target] += 1.0 - label_smoothing
    return q


def softmax_focal(x, t, alpha=None, gamma=2.0, ignore_index=-100, label_smoothing=0.0):
    """(per-row losses of the loss shape, count): sum_c q_c (-alpha_c (1 - p_c)^gamma log p_c)."""
    rows, targets, probs = _class_rows(x, t)
    C = rows.shape[1]
    a = np.ones(C) if alpha is None else np.broadcast_to(_f64(alpha), (C,))
    out, count = [], 0
    for z, target in zip(rows, targets):
        q = _distribution(target, probs, C, ignore_index, label_smoothing)
        if q is None:
            out.append(0.0)
            continue
        count += 1
        logp = log_softmax(z)
        one_minus_p = -np.expm1(logp)
        out.append(float(np.sum(q * -a * one_minus_p ** gamma * logp)))
    return _loss_shaped(out, x), count


def poly_ce(x, t, epsilons=(2.0,), ignore_index=-100, label_smoothing=0.0):
    """(per-row losses, count): CE + sum_j eps_j (1 - p_t)^j with optax's 1 - p_t =
    sum_c q_c (1 - p_c) and CE = -sum_c q_c log p_c."""
    rows, targets, probs = _class_rows(x, t)
    C = rows.shape[1]
    out, count = [], 0
    for z, target in zip(rows, targets):
        q = _distribution(target, probs, C, ignore_index, label_smoothing)
        if q is None:
            out.append(0.0)
            continue
        count += 1
        logp = log_softmax(z)
        ce = -np.sum(q * logp)
        one_minus_pt = np.sum(q * -np.expm1(logp))
        out.append(float(ce + sum(e * one_minus_pt ** (j + 1) for j, e in enumerate(epsilons))))
    return _loss_shaped(out, x), count


def _loss_shaped(rows, x):
    x = np.asarray(x)
    shape = () if x.ndim == 1 else (x.shape[0],) + x.shape[2:]
    return np.asarray(rows, dtype=np.float64).reshape(shape)


def reduce(losses, count, reduction):
    if reduction == "none":
        return losses
    total = np.sum(losses)
    return total if reduction == "sum" else (total / count if count else np.nan)


def numerical_grad(f, x, h=1e-4):
    """4th-order central differences of the scalar f at float64 x."""
    x = _f64(x).copy()
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        v = x[i]
        vals = []
        for k in (-2, -1, 1, 2):
            x[i] = v + k * h
            vals.append(f(x))
        x[i] = v
        g[i] = (vals[0] - 8 * vals[1] + 8 * vals[2] - vals[3]) / (12 * h)
    return g
