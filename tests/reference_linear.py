"""Plain float64 NumPy reference of linear_cross_entropy (tests only): the logits written out
in full, log-probabilities by subtracting the row's log-sum-exp, the loss as the cross-entropy
against the smoothed, weighted target distribution, and the gradient from the same."""
import numpy as np


def _rows(h, W, t, b):
    W = np.asarray(W, np.float64)
    h = np.asarray(h, np.float64).reshape(-1, W.shape[1])
    t = np.asarray(t).reshape(-1).astype(np.int64)
    z = h @ W.T
    if b is not None:
        z = z + np.asarray(b, np.float64)
    return h, W, t, z


def _log_probs(z):
    m = z.max(axis=1, keepdims=True) if z.shape[1] else np.zeros((z.shape[0], 1))
    return z - (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))


def _target_mass(t, V, weight, ignore_index, eps):
    """c[n, j]: the weight of log p_j in row n's loss, -sum_j c_j log p_j; rows of ignored
    targets are 0."""
    w = np.ones(V) if weight is None else np.asarray(weight, np.float64)
    c = np.zeros((t.size, V))
    for n, tn in enumerate(t):
        if tn == ignore_index:
            continue
        c[n] = eps / V * w
        c[n, tn] += (1.0 - eps) * w[tn]
    den = sum(w[tn] for tn in t if tn != ignore_index)
    return c, den


def loss(h, W, t, b=None, weight=None, reduction="mean", ignore_index=-100, eps=0.0):
    h, W, t, z = _rows(h, W, t, b)
    c, den = _target_mass(t, W.shape[0], weight, ignore_index, eps)
    logp = _log_probs(z)
    rows = -(c * np.where(c != 0, logp, 0.0)).sum(axis=1)
    if reduction == "none":
        return rows
    if reduction == "sum":
        return rows.sum()
    return rows.sum() / den if den else np.nan


def grads(grad_output, h, W, t, b=None, weight=None, reduction="mean", ignore_index=-100,
          eps=0.0):
    """(d/dh, d/dW, d/db) of loss, h's shape for the first."""
    shape = np.shape(h)
    h, W, t, z = _rows(h, W, t, b)
    c, den = _target_mass(t, W.shape[0], weight, ignore_index, eps)
    p = np.exp(_log_probs(z))
    if reduction == "none":
        g = np.broadcast_to(np.asarray(grad_output, np.float64), t.shape).reshape(-1)
    elif reduction == "sum":
        g = np.full(t.size, float(grad_output))
    else:
        g = np.full(t.size, float(grad_output) / den if den else np.nan)
    # d(-sum_j c_j log p_j)/dz_k = p_k sum_j c_j - c_k
    dz = g[:, None] * (p * c.sum(axis=1, keepdims=True) - c)
    dz[c.sum(axis=1) == 0] = 0.0   # ignored rows
    return (dz @ W).reshape(shape), dz.T @ h, dz.sum(axis=0)
