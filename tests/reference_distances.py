"""Float64 reference for actloss.distances, written for clarity with Python loops over vectors
(tests only; shares no code with src). Gradients are checked against central differences of
these functions (numerical_grad)."""
import itertools
import math

import numpy as np


def norm(v, p):
    """The p-norm of a 1-D float64 vector, as torch.linalg.vector_norm defines it."""
    a = [abs(float(t)) for t in v]
    if p == 0:
        return float(sum(t != 0 for t in a))
    if p == math.inf:
        return max(a)
    if p == -math.inf:
        return min(a)
    with np.errstate(divide="ignore"):
        s = sum(float(np.float64(t) ** p) for t in a)
    return float(np.float64(s) ** (1.0 / p))


def _vectors(x, axis):
    """(index tuples of the other axes, getter) for the 1-D slices of x along axis."""
    moved = np.moveaxis(x, axis, -1)
    return [(idx, moved[idx]) for idx in itertools.product(*map(range, moved.shape[:-1]))]


def normalize(x, p=2.0, dim=1, eps=1e-12):
    x = np.asarray(x, np.float64)
    if x.ndim == 0:
        return x / max(abs(float(x)) if p != 0 else float(x != 0), eps)
    out = np.moveaxis(np.empty_like(x), dim, -1)
    for idx, v in _vectors(x, dim):
        out[idx] = v / max(norm(v, p), eps)
    return np.moveaxis(out, -1, dim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    x1, x2 = np.broadcast_arrays(np.asarray(x1, np.float64), np.asarray(x2, np.float64))
    if x1.ndim == 0:
        x1, x2 = x1.reshape(1), x2.reshape(1)
        dim = 0
        scalar = True
    else:
        scalar = False
    dim = dim % x1.ndim
    shape = x1.shape[:dim] + x1.shape[dim + 1:]
    out = np.empty(shape)
    v2s = dict(_vectors(x2, dim))
    for idx, v1 in _vectors(x1, dim):
        v2 = v2s[idx]
        u1 = v1 / max(math.sqrt(sum(t * t for t in v1)), eps)
        u2 = v2 / max(math.sqrt(sum(t * t for t in v2)), eps)
        out[idx] = sum(u1 * u2)
    return out.reshape(()) if scalar else out


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    x1, x2 = np.asarray(x1, np.float64), np.asarray(x2, np.float64)
    v = x1 - x2 + eps
    if v.ndim == 0:
        return np.array(norm(v.reshape(1), p))
    out = np.empty(v.shape[:-1])
    for idx in itertools.product(*map(range, v.shape[:-1])):
        out[idx] = norm(v[idx], p)
    return out[..., None] if keepdim else out


def cdist(x1, x2, p=2.0):
    x1, x2 = np.asarray(x1, np.float64), np.asarray(x2, np.float64)
    batch = np.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
    a = np.broadcast_to(x1, batch + x1.shape[-2:])
    b = np.broadcast_to(x2, batch + x2.shape[-2:])
    out = np.zeros(batch + (a.shape[-2], b.shape[-2]))
    for k in itertools.product(*map(range, batch)):
        for i in range(a.shape[-2]):
            for j in range(b.shape[-2]):
                diff = a[k][i] - b[k][j]
                out[k][i, j] = norm(diff, p) if diff.size else 0.0
    return out


def pdist(x, p=2.0):
    x = np.asarray(x, np.float64)
    n = x.shape[0]
    return np.array([norm(x[i] - x[j], p) if x.shape[1] else 0.0
                     for i in range(n) for j in range(i + 1, n)])


def triplet_margin_with_distance_loss(a, q, n, distance, margin=1.0, swap=False,
                                      reduction="mean"):
    d_pos = np.asarray(distance(a, q), np.float64)
    d_neg = np.asarray(distance(a, n), np.float64)
    if swap:
        d_neg = np.minimum(d_neg, np.asarray(distance(q, n), np.float64))
    loss = np.maximum(margin + d_pos - d_neg, 0.0)
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def numerical_grad(f, args, gy, h=1e-6):
    """Central differences of sum(gy * f(*args)) with respect to every array in args (float64,
    4th order)."""
    grads = []
    for k, x in enumerate(args):
        x = np.array(x, np.float64)
        g = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            vals = []
            for step in (-2, -1, 1, 2):
                y = x.copy()
                y[idx] += step * h
                new = list(args)
                new[k] = y
                vals.append(float(np.sum(gy * np.asarray(f(*new), np.float64))))
            g[idx] = (vals[0] - 8 * vals[1] + 8 * vals[2] - vals[3]) / (12 * h)
        grads.append(g)
    return grads
