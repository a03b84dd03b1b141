"""Float64 NumPy references of the row-wise / embedding losses, written for clarity.

Tests only; shares no code with src/. Each function takes float64 arrays (callers upcast
float32 inputs, so the reference sees what the kernel sees) and returns the per-sample losses
(the ``reduction="none"`` result); ``reduce`` applies a reduction.
"""
import numpy as np


def reduce(losses, reduction):
    losses = np.asarray(losses, dtype=np.float64)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.mean() if losses.size else np.nan


def pairwise_distance(x1, x2, p=2.0, eps=1e-6):
    """torch.pairwise_distance: the p-norm of x1 - x2 + eps along the last axis."""
    v = np.abs(x1 - x2 + eps)
    if p == 0:
        return np.count_nonzero(v, axis=-1).astype(np.float64)
    if p == np.inf:
        return v.max(axis=-1) if v.shape[-1] else np.zeros(v.shape[:-1])
    return (v ** p).sum(axis=-1) ** (1.0 / p)


def cosine_embedding(x1, x2, target, margin=0.0):
    """1 - cos for target 1, max(0, cos - margin) for -1; cos with 1e-12 added to |x|^2."""
    dot = (x1 * x2).sum(axis=-1)
    m1 = (x1 * x1).sum(axis=-1) + 1e-12
    m2 = (x2 * x2).sum(axis=-1) + 1e-12
    cos = dot / np.sqrt(m1 * m2)
    return np.where(target == 1, 1.0 - cos, np.maximum(cos - margin, 0.0))


def triplet_margin(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False):
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = np.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return np.maximum(margin + d_pos - d_neg, 0.0)


def contrastive(x1, x2, target, margin=1.0, p=2.0, eps=1e-6):
    """1/2 y d^2 + 1/2 (1 - y) max(0, margin - d)^2, y = 1 for similar pairs."""
    d = pairwise_distance(x1, x2, p, eps)
    return 0.5 * target * d ** 2 + 0.5 * (1 - target) * np.maximum(margin - d, 0.0) ** 2


def multi_margin(x, target, p=1, margin=1.0, weight=None):
    """For each row: w[y] / C * sum_{j != y} max(0, margin - x[y] + x[j])^p."""
    x = np.atleast_2d(x)
    target = np.atleast_1d(target)
    n, c = x.shape
    w = np.ones(c) if weight is None else weight
    out = np.zeros(n)
    for i in range(n):
        y = target[i]
        for j in range(c):
            if j != y:
                out[i] += w[y] * max(0.0, margin - x[i, y] + x[i, j]) ** p
        out[i] /= c
    return out


def multilabel_margin(x, target):
    """For each row: 1/C sum over listed targets k (up to the first -1) and non-targets j of
    max(0, 1 - x[k] + x[j])."""
    x = np.atleast_2d(x)
    target = np.atleast_2d(target)
    n, c = x.shape
    out = np.zeros(n)
    for i in range(n):
        listed = []
        for k in target[i]:
            if k < 0:
                break
            listed.append(k)
        is_target = np.zeros(c, bool)
        is_target[listed] = True
        for k in listed:
            for j in range(c):
                if not is_target[j]:
                    out[i] += max(0.0, 1.0 - x[i, k] + x[i, j])
        out[i] /= c
    return out


def _log_softmax_at(logits, cols):
    """log softmax of each row of logits (-inf entries excluded) at the column cols[i]."""
    m = logits.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
    return logits[np.arange(len(cols)), cols] - lse


def info_nce(query, key, temperature=0.1, symmetric=False, intra_view_negatives=False):
    """Per-pair InfoNCE / NT-Xent losses, from the full logit matrices."""
    def normalize(u):
        return u / np.maximum(np.linalg.norm(u, axis=1, keepdims=True), 1e-12)

    q, k = normalize(query), normalize(key)
    n = len(q)
    idx = np.arange(n)
    if not intra_view_negatives:
        logits = q @ k.T / temperature
        l_qk = -_log_softmax_at(logits, idx)
        if not symmetric:
            return l_qk
        l_kq = -_log_softmax_at(logits.T.copy(), idx)
        return 0.5 * (l_qk + l_kq)
    z = np.concatenate([q, k])
    logits = z @ z.T / temperature
    np.fill_diagonal(logits, -np.inf)
    positives = np.concatenate([idx + n, idx])
    l_all = -_log_softmax_at(logits, positives)
    return 0.5 * (l_all[:n] + l_all[n:]) if symmetric else l_all[:n]
