"""Plain float64 NumPy reference of linear_cross_entropy (tests only): the logits written out
in full, log-probabilities by subtracting the row's log-sum-exp, the loss as the cross-entropy
against the smoothed, weighted target distribution, and the gradient from the same.

Shapes as torch's: W (V, D) or (V, d1, ..., dK, D), the logits (*batch, V, d1, ..., dK);
class-index targets (*batch, d1, ..., dK), class-probability targets of the logits' shape.
Every (batch, position) pair is one row of V logits here."""
import numpy as np


def _rows(h, W, t, b):
    """(h (N, D), W (V * P, D), targets per row, logits per row (N * P, V), N, P, probs?)."""
    W = np.asarray(W, np.float64)
    V, out, D = W.shape[0], W.shape[1:-1], W.shape[-1]
    P = int(np.prod(out))
    h = np.asarray(h, np.float64).reshape(-1, D)
    N = h.shape[0]
    Wf = W.reshape(V * P, D)
    z = h @ Wf.T
    if b is not None:
        z = z + np.asarray(b, np.float64).reshape(-1)
    z = z.reshape(N, V, P).transpose(0, 2, 1).reshape(N * P, V)
    t = np.asarray(t)
    probs = t.size == N * V * P and t.dtype.kind == "f"
    if probs:
        t = t.astype(np.float64).reshape(N, V, P).transpose(0, 2, 1).reshape(N * P, V)
    else:
        t = t.reshape(-1).astype(np.int64)
    return h, Wf, t, z, N, P, probs


def _log_probs(z):
    m = z.max(axis=1, keepdims=True) if z.shape[1] else np.zeros((z.shape[0], 1))
    return z - (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))


def _target_mass(t, V, weight, ignore_index, eps, probs):
    """c[n, j]: the weight of log p_j in row n's loss, -sum_j c_j log p_j (rows of ignored
    targets are 0), and what "mean" divides by."""
    w = np.ones(V) if weight is None else np.asarray(weight, np.float64)
    if probs:
        c = w * ((1.0 - eps) * t + eps / V)
        return c, (t.shape[0] if V else 0)
    c = np.zeros((t.size, V))
    for n, tn in enumerate(t):
        if tn == ignore_index:
            continue
        c[n] = eps / V * w
        c[n, tn] += (1.0 - eps) * w[tn]
    den = sum(w[tn] for tn in t if tn != ignore_index)
    return c, den


def _loss_shape(h, W):
    return np.shape(h)[:-1] + np.shape(W)[1:-1]


def loss(h, W, t, b=None, weight=None, reduction="mean", ignore_index=-100, eps=0.0):
    shape = _loss_shape(h, W)
    h, Wf, t, z, N, P, probs = _rows(h, W, t, b)
    c, den = _target_mass(t, z.shape[1], weight, ignore_index, eps, probs)
    logp = _log_probs(z)
    if probs:
        rows = -(c * logp).sum(axis=1)   # as torch: every term, 0 * -inf is NaN
    else:
        rows = -(c * np.where(c != 0, logp, 0.0)).sum(axis=1)
    if reduction == "none":
        return rows.reshape(shape)
    if reduction == "sum":
        return rows.sum()
    return rows.sum() / den if den else np.nan


def grads(grad_output, h, W, t, b=None, weight=None, reduction="mean", ignore_index=-100,
          eps=0.0):
    """(d/dh, d/dW, d/db) of loss, in the shapes of h, W and b."""
    shapes = np.shape(h), np.shape(W), np.shape(W)[:-1]
    loss_shape = _loss_shape(h, W)
    h, Wf, t, z, N, P, probs = _rows(h, W, t, b)
    V = z.shape[1]
    c, den = _target_mass(t, V, weight, ignore_index, eps, probs)
    p = np.exp(_log_probs(z))
    if reduction == "none":
        g = np.broadcast_to(np.asarray(grad_output, np.float64), loss_shape).reshape(-1)
    elif reduction == "sum":
        g = np.full(N * P, float(grad_output))
    else:
        g = np.full(N * P, float(grad_output) / den if den else np.nan)
    # d(-sum_j c_j log p_j)/dz_k = p_k sum_j c_j - c_k
    dz = g[:, None] * (p * c.sum(axis=1, keepdims=True) - c)
    if not probs:
        dz[~c.any(axis=1)] = 0.0   # ignored rows
    # back from rows (n, position) to the (N, V * P) logits of h @ Wf.T
    dz = dz.reshape(N, P, V).transpose(0, 2, 1).reshape(N, V * P)
    return ((dz @ Wf).reshape(shapes[0]), (dz.T @ h).reshape(shapes[1]),
            dz.sum(axis=0).reshape(shapes[2]))
