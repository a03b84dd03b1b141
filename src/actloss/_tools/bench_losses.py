"""Bench cases of the softmax family and of every loss; the framework is ``benchcases``.

Every loss runs with torch's defaults (``reduction="mean"``; ``kl_div`` with ``"batchmean"``,
the reduction torch recommends; ``sigmoid_focal_loss`` with torchvision's ``"none"``), so its
backward takes a scalar grad_output. The NumPy side is the vectorised formula a user would
write, its gradient by hand. torch's side is ``torch.nn.functional`` where torch has the
function, else the few torch lines a user would write (contrastive_loss, info_nce,
torchvision's sigmoid_focal_loss); its backward is the autograd-free ATen derivative where
one exists (``_softmax_backward_data``, ``nll_loss_backward``, ``mse_loss_backward``, ...),
else autograd over a graph built once; ``torch-out`` is ``torch.softmax``/``torch.log_softmax``
with ``out=`` (a loss's ``out=`` would only hold a scalar). JAX's side is ``jax.nn`` for the
softmax family and, for the losses, optax's formulas (or the plain one where optax has none)
in ``jax.numpy``, so that optax itself is not needed; differentiated by ``jax.vjp``;
multilabel_margin_loss has none (its target lists' lengths depend on the data, which a jitted
JAX program cannot follow). The option paths users take have cases of their own: class
weights with ignored targets (``nll_loss_weighted``, ``cross_entropy_weighted``) and label
smoothing (``cross_entropy_smoothing``).

Inputs: logits ~ 3 N(0, 1); class targets uniform; embeddings scaled per row so that the
distances straddle the margins (both branches of every loss are taken).
"""
import types

import numpy as np

from .benchcases import Case, torch_module

_MEAN = 1           # ATen's Reduction::Mean
_IGNORE = -100      # torch's default ignore_index
_LABELS = 3         # target classes per row of multilabel_margin_loss


# ---- inputs ---------------------------------------------------------------------------------

def _normal(rng, shape, dtype, scale=1.0):
    return (scale * rng.standard_normal(shape)).astype(dtype)


def _np_softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _np_log_softmax(x):
    z = x - x.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _np_logsumexp(x):
    m = x.max(axis=-1)
    return m + np.log(np.exp(x - m[:, None]).sum(axis=-1))


def _logits(shape, dtype, rng):
    return {"x": _normal(rng, shape, dtype, 3)}


def _logits_classes(shape, dtype, rng):
    return dict(_logits(shape, dtype, rng), t=rng.integers(0, shape[1], shape[0]))


def _logprobs_classes(shape, dtype, rng):
    a = _logits_classes(shape, dtype, rng)
    return dict(a, x=_np_log_softmax(a["x"]))


def _ignored_weighted(a, dtype, rng):
    """a with every 7th row's target ignore_index and C class weights in [0.5, 1.5): the
    weighted, ignore_index path of nll_loss and cross_entropy."""
    t = a["t"].copy()
    t[::7] = _IGNORE
    return dict(a, t=t, w=(rng.random(a["x"].shape[1]) + 0.5).astype(dtype))


def _logits_classes_weighted(shape, dtype, rng):
    return _ignored_weighted(_logits_classes(shape, dtype, rng), dtype, rng)


def _logprobs_classes_weighted(shape, dtype, rng):
    return _ignored_weighted(_logprobs_classes(shape, dtype, rng), dtype, rng)


def _logits_probs(shape, dtype, rng):
    return dict(_logits(shape, dtype, rng), t=_np_softmax(_normal(rng, shape, dtype)))


def _scores_classes(shape, dtype, rng):
    return {"x": _normal(rng, shape, dtype), "t": rng.integers(0, shape[1], shape[0])}


def _scores_labels(shape, dtype, rng):
    """multilabel_margin_loss's target: 3 distinct classes per row, then -1."""
    t = np.full(shape, -1, np.int64)
    t[:, :_LABELS] = np.argsort(rng.random(shape), axis=1)[:, :_LABELS]
    return {"x": _normal(rng, shape, dtype), "t": t}


def _binary(rng, shape, dtype):
    return (rng.random(shape) < 0.3).astype(dtype)


def _signs(rng, shape, dtype):
    return np.where(rng.random(shape) < 0.5, -1, 1).astype(dtype)


def _logits_binary(shape, dtype, rng):
    return dict(_logits(shape, dtype, rng), t=_binary(rng, shape, dtype))


def _regression(shape, dtype, rng):
    return {"x": _normal(rng, shape, dtype), "t": _normal(rng, shape, dtype)}


def _probs_binary(shape, dtype, rng):
    return {"x": rng.uniform(0.01, 0.99, shape).astype(dtype), "t": _binary(rng, shape, dtype)}


def _logprobs_probs(shape, dtype, rng):
    return {"x": _normal(rng, shape, dtype), "t": rng.uniform(0.01, 1, shape).astype(dtype)}


def _log_rates_counts(shape, dtype, rng):
    return {"x": _normal(rng, shape, dtype), "t": rng.poisson(2.0, shape).astype(dtype)}


def _gaussian(shape, dtype, rng):
    return dict(_regression(shape, dtype, rng), var=rng.uniform(0.5, 2, shape).astype(dtype))


def _scores_signs(shape, dtype, rng):
    return {"x": _normal(rng, shape, dtype, 3), "t": _signs(rng, shape, dtype)}


def _pairs_signs(shape, dtype, rng):
    return {"x1": _normal(rng, shape, dtype), "x2": _normal(rng, shape, dtype),
            "t": _signs(rng, shape, dtype)}


def _probs_classes(shape, dtype, rng):
    return {"x": _np_softmax(_normal(rng, shape, dtype)), "t": rng.integers(0, shape[1], shape[0])}


def _segmentation_classes(shape, dtype, rng):
    """(B, C, S) logits and each pixel's class, (B, S)."""
    return {"x": _normal(rng, shape, dtype, 3),
            "t": rng.integers(0, shape[1], (shape[0],) + shape[2:])}


def _np_channels(f, x):
    """f (a function over the last axis) over axis 1."""
    return np.moveaxis(f(np.moveaxis(x, 1, -1)), -1, 1)


def _np_ce_spatial(a):
    lp = np.moveaxis(_np_log_softmax(np.moveaxis(a.x, 1, -1)), -1, 1)
    return -np.take_along_axis(lp, a.t[:, None], 1).mean()


def _np_ce_spatial_bwd(a):
    p = np.moveaxis(_np_softmax(np.moveaxis(a.x, 1, -1)), -1, 1)
    np.put_along_axis(p, a.t[:, None], np.take_along_axis(p, a.t[:, None], 1) - 1, 1)
    return p * (a.gy / a.t.size)


def _jax_ce_spatial(jax, x, t):
    return jax.numpy.mean(jax.nn.logsumexp(x, axis=1)
                          - jax.numpy.take_along_axis(x, t[:, None], axis=1)[:, 0])


def _box_pairs(shape, dtype, rng):
    """(N, 4) box pairs that overlap, nest or lie apart."""
    n = shape[0]
    xy, xy2 = rng.uniform(0, 10, (n, 2)), rng.uniform(0, 10, (n, 2))
    b1 = np.concatenate([xy, xy + rng.uniform(0.5, 5, (n, 2))], axis=1)
    b2 = np.concatenate([xy2, xy2 + rng.uniform(0.5, 5, (n, 2))], axis=1)
    return {"b1": b1.astype(dtype), "b2": b2.astype(dtype)}


def _segmentation(activation):
    """(B, C, S) scores (logits, or probabilities for activation 'none') and one-hot masks."""
    def make(shape, dtype, rng):
        labels = rng.integers(0, shape[1], (shape[0], shape[2]))
        t = (labels[:, None, :] == np.arange(shape[1])[None, :, None]).astype(dtype)
        x = _normal(rng, shape, dtype, 2) if activation != "none" else \
            rng.uniform(0, 1, shape).astype(dtype)
        return {"x": x, "t": t}
    return make


def _embeddings(rng, shape, dtype):
    """Rows of norm ~ 0.2 to 1.2: pair distances straddle a margin of 1."""
    scale = rng.uniform(0.2, 1.2, (shape[0], 1)) / np.sqrt(shape[1])
    return (scale * rng.standard_normal(shape)).astype(dtype)


def _embedding_pairs(target):
    def make(shape, dtype, rng):
        return {"x1": _embeddings(rng, shape, dtype), "x2": _embeddings(rng, shape, dtype),
                "t": target(rng, shape[:1], dtype)}
    return make


def _triplets(shape, dtype, rng):
    """Positives near the anchor, negatives at any distance up to ~2.5: a third or so of the
    triplets violate the margin of 1."""
    anchor = _embeddings(rng, shape, dtype)
    return {"anchor": anchor, "positive": anchor + 0.5 * _embeddings(rng, shape, dtype),
            "negative": 2.0 * _embeddings(rng, shape, dtype)}


def _views(shape, dtype, rng):
    q = _embeddings(rng, shape, dtype)
    return {"q": q, "k": q + _embeddings(rng, shape, dtype), "labels": np.arange(shape[0])}


# ---- NumPy formulas -------------------------------------------------------------------------
# The result keeps the input's dtype on NumPy 1.x and 2.x alike: a float32 scalar (or 0-d
# array, such as a loss's grad_output) combined with a Python number is float64 on NumPy 1.x
# and float32 under NEP 50 (2.x), so a count divides an array, never a reduced scalar alone.

def _rows(a):
    return np.arange(len(a.t))


def _np_nll(a):
    return -a.x[_rows(a), a.t].mean()


def _np_nll_bwd(a):
    g = np.zeros_like(a.x)
    g[_rows(a), a.t] = -a.gy / len(a.t)
    return g


def _np_ce(a):
    return -_np_log_softmax(a.x)[_rows(a), a.t].mean()


def _np_ce_bwd(a):
    p = _np_softmax(a.x)
    p[_rows(a), a.t] -= 1
    return p * (a.gy / len(a.t))


def _row_weights(a):
    """(each row's target, made valid, and its weight, 0 where ignored) of a weighted case."""
    kept = a.t != _IGNORE
    t = np.where(kept, a.t, 0)
    return t, a.w[t] * kept


def _np_nll_weighted(a):
    t, wt = _row_weights(a)
    return -(wt * a.x[_rows(a), t]).sum() / wt.sum()


def _np_nll_weighted_bwd(a):
    t, wt = _row_weights(a)
    g = np.zeros_like(a.x)
    g[_rows(a), t] = -a.gy * wt / wt.sum()
    return g


def _np_ce_weighted(a):
    return _np_nll_weighted(types.SimpleNamespace(**{**vars(a), "x": _np_log_softmax(a.x)}))


def _np_ce_weighted_bwd(a):
    t, wt = _row_weights(a)
    p = _np_softmax(a.x)
    p[_rows(a), t] -= 1
    return p * (wt * (a.gy / wt.sum()))[:, None]


# linear_cross_entropy: a case's (rows, classes) size is the shape of the logits it never
# forms; the layer's input has _LINEAR_D features. torch's side is
# torch.nn.functional.linear_cross_entropy (the composition cross_entropy(h @ W.T + b) where
# torch predates it), the NumPy side that composition with the two gradient matmuls.
_LINEAR_D = 64


def _linear_classes(shape, dtype, rng):
    n, v = shape
    return {"h": _normal(rng, (n, _LINEAR_D), dtype),
            "W": _normal(rng, (v, _LINEAR_D), dtype, 0.125),
            "t": rng.integers(0, v, n), "linear_bias": _normal(rng, (v,), dtype, 0.1)}


def _np_linear_logits(a):
    """The case as cross_entropy's: the logits written out, the target, grad_output."""
    return types.SimpleNamespace(x=a.h @ a.W.T + a.linear_bias, t=a.t, gy=getattr(a, "gy", None))


def _np_linear_ce(a):
    return _np_ce(_np_linear_logits(a))


def _np_linear_ce_bwd(a):
    g = _np_ce_bwd(_np_linear_logits(a))
    return g @ a.W, g.T @ a.h, g.sum(axis=0)


def _torch_linear_ce(t):
    tf = torch_module().nn.functional
    if hasattr(tf, "linear_cross_entropy"):
        return tf.linear_cross_entropy(t.h, t.W, t.t, linear_bias=t.linear_bias)
    return tf.cross_entropy(t.h @ t.W.T + t.linear_bias, t.t)


_SMOOTHING = 0.1


def _np_ce_smoothed(a):
    logp = _np_log_softmax(a.x)
    n, c = a.x.shape
    return -((1 - _SMOOTHING) * logp[_rows(a), a.t] + _SMOOTHING / c * logp.sum(axis=-1)).mean()


def _np_ce_smoothed_bwd(a):
    p = _np_softmax(a.x)
    n, c = a.x.shape
    p -= _SMOOTHING / c
    p[_rows(a), a.t] -= 1 - _SMOOTHING
    return p * (a.gy / n)


def _np_ce_probs(a):
    return -(a.t * _np_log_softmax(a.x)).sum(axis=-1).mean()


def _np_ce_probs_bwd(a):
    return (_np_softmax(a.x) * a.t.sum(axis=-1, keepdims=True) - a.t) * (a.gy / len(a.x))


def _np_multi_margin_terms(a):
    rows = _rows(a)
    m = np.maximum(0, 1 - a.x[rows, a.t][:, None] + a.x)
    m[rows, a.t] = 0
    return m


def _np_multi_margin(a):
    return (_np_multi_margin_terms(a).sum(axis=1) / a.x.shape[1]).mean()


def _np_multi_margin_bwd(a):
    g = (_np_multi_margin_terms(a) > 0).astype(a.x.dtype)
    g[_rows(a), a.t] = -g.sum(axis=1)
    return g * (a.gy / a.x.size)


def _np_multilabel_terms(a):
    """max(0, 1 - x[k] + x[j]) for each row's labels k (up to its first -1) and non-labels j:
    shape (rows, labels, classes)."""
    listed = np.cumprod(a.t >= 0, axis=1).astype(bool)
    width = int(listed.sum(axis=1).max())
    k, valid = np.where(listed[:, :width], a.t[:, :width], 0), listed[:, :width]
    rows = np.arange(len(a.x))[:, None]
    is_label = np.zeros(a.x.shape, bool)
    is_label[rows, k] = valid
    m = np.maximum(0, 1 - a.x[rows, k][:, :, None] + a.x[:, None, :])
    m *= valid[:, :, None] & ~is_label[:, None, :]
    return m, rows, k


def _np_multilabel(a):
    m, _, _ = _np_multilabel_terms(a)
    return (m.sum(axis=(1, 2)) / a.x.shape[1]).mean()


def _np_multilabel_bwd(a):
    m, rows, k = _np_multilabel_terms(a)
    active = m > 0
    g = active.sum(axis=1).astype(a.x.dtype)
    np.subtract.at(g, (np.broadcast_to(rows, k.shape), k), active.sum(axis=2))
    return g * (a.gy / a.x.size)


def _np_multilabel_soft(a):
    return (a.t * np.logaddexp(0, -a.x) + (1 - a.t) * np.logaddexp(0, a.x)).mean(axis=1).mean()


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _mean_scale(a):
    """d mean / d term, times grad_output."""
    return a.gy / a.x.size


def _np_bce_logits(a):
    x = a.x
    return np.mean(np.maximum(x, 0) - x * a.t + np.log1p(np.exp(-np.abs(x))))


def _np_smooth_l1(a):
    d = np.abs(a.x - a.t)
    return np.mean(np.where(d < 1, 0.5 * d * d, d - 0.5))


def _np_gaussian_nll(a):
    v = np.maximum(a.var, 1e-6)
    return np.mean(0.5 * (np.log(v) + (a.x - a.t) ** 2 / v))


def _np_gaussian_nll_bwd(a):
    v, d, s = np.maximum(a.var, 1e-6), a.x - a.t, _mean_scale(a)
    return d / v * s, 0.5 * (1 / v - d * d / (v * v)) * s


def _np_hinge_bwd(a):
    g = (a.t == 1).astype(a.x.dtype) - ((a.t != 1) & (a.x < 1))
    return g * _mean_scale(a)


def _np_multiclass_hinge_parts(a):
    rows = _rows(a)
    others = a.x.copy()
    others[rows, a.t] = -np.inf
    m = others.max(axis=1)
    return rows, others, m, np.maximum(0, 1 + m - a.x[rows, a.t])


def _np_multiclass_hinge(a):
    return _np_multiclass_hinge_parts(a)[3].mean()


def _np_multiclass_hinge_bwd(a):
    rows, others, m, z = _np_multiclass_hinge_parts(a)
    g = (others == m[:, None]) * (z > 0)[:, None].astype(a.x.dtype)
    g[rows, a.t] = -(z > 0).astype(a.x.dtype)
    return g * (a.gy / len(a.t))


def _np_brier(a):
    e = a.x.copy()
    e[_rows(a), a.t] -= 1
    return (e * e).sum(axis=1).mean()


def _np_brier_bwd(a):
    e = a.x.copy()
    e[_rows(a), a.t] -= 1
    return e * (2 * a.gy / len(a.t))


def _np_box_parts(a):
    """torchvision's box-loss quantities, in NumPy."""
    (x1, y1, x2, y2), (X1, Y1, X2, Y2) = a.b1.T, a.b2.T
    iw = np.minimum(x2, X2) - np.maximum(x1, X1)
    ih = np.minimum(y2, Y2) - np.maximum(y1, Y1)
    inter = np.where((iw > 0) & (ih > 0), iw * ih, 0)
    union = (x2 - x1) * (y2 - y1) + (X2 - X1) * (Y2 - Y1) - inter
    cw = np.maximum(x2, X2) - np.minimum(x1, X1)
    ch = np.maximum(y2, Y2) - np.minimum(y1, Y1)
    return inter / (union + 1e-7), union, cw, ch


def _np_giou(a):
    iou, union, cw, ch = _np_box_parts(a)
    return 1 - iou + (cw * ch - union) / (cw * ch + 1e-7)


def _np_diou(a):
    iou, _, cw, ch = _np_box_parts(a)
    c = (a.b1[:, :2] + a.b1[:, 2:]) / 2 - (a.b2[:, :2] + a.b2[:, 2:]) / 2
    return 1 - iou + (c * c).sum(axis=1) / (cw * cw + ch * ch + 1e-7)


def _np_ciou(a):
    iou, _, _, _ = _np_box_parts(a)
    w, h = a.b1[:, 2] - a.b1[:, 0], a.b1[:, 3] - a.b1[:, 1]
    wg, hg = a.b2[:, 2] - a.b2[:, 0], a.b2[:, 3] - a.b2[:, 1]
    v = 0.4052847345693511 * (np.arctan(wg / hg) - np.arctan(w / h)) ** 2
    return _np_diou(a) + v / (1 - iou + v + 1e-7) * v


def _np_box_bwd(kind):
    """The boxes1 gradient of a box loss by hand (reduction 'none', grad_output a.gy): what a
    NumPy training loop writes; ties (measure zero here) are not split."""
    def bwd(a):
        b, g = a.b1, a.b2
        (x1, y1, x2, y2), (X1, Y1, X2, Y2) = b.T, g.T
        iw = np.minimum(x2, X2) - np.maximum(x1, X1)
        ih = np.minimum(y2, Y2) - np.maximum(y1, Y1)
        m = (iw > 0) & (ih > 0)
        inter = np.where(m, iw * ih, 0)
        w, h = x2 - x1, y2 - y1
        union = w * h + (X2 - X1) * (Y2 - Y1) - inter
        ue = union + 1e-7
        iou = inter / ue
        cw = np.maximum(x2, X2) - np.minimum(x1, X1)
        ch = np.maximum(y2, Y2) - np.minimum(y1, Y1)
        dinter = np.stack([-ih * (x1 > X1), -iw * (y1 > Y1), ih * (x2 < X2), iw * (y2 < Y2)],
                          axis=1) * m[:, None]
        dunion = np.stack([-h, -w, h, w], axis=1) - dinter
        grad = -(dinter - iou[:, None] * dunion) / ue[:, None]
        dc = np.stack([-1.0 * (x1 < X1), -1.0 * (y1 < Y1), 1.0 * (x2 > X2), 1.0 * (y2 > Y2)],
                      axis=1).astype(b.dtype)
        if kind == "generalized":
            c = cw * ch
            term = (c - union) / (c + 1e-7)
            dcarea = dc * np.stack([ch, cw, ch, cw], axis=1)
            grad += (dcarea - dunion - term[:, None] * dcarea) / (c + 1e-7)[:, None]
        else:
            d = cw * cw + ch * ch + 1e-7
            cen = (b[:, :2] + b[:, 2:]) / 2 - (g[:, :2] + g[:, 2:]) / 2
            term = (cen * cen).sum(axis=1) / d
            dd = 2 * dc * np.stack([cw, ch, cw, ch], axis=1)
            grad += (np.concatenate([cen, cen], axis=1) - term[:, None] * dd) / d[:, None]
            if kind == "complete":
                dlt = np.arctan((X2 - X1) / (Y2 - Y1)) - np.arctan(w / h)
                v = 0.4052847345693511 * dlt * dlt
                alpha = v / (1 - iou + v + 1e-7)
                k = alpha * 0.8105694691387022 * dlt / (w * w + h * h)
                grad += np.stack([k * h, -k * w, -k * h, k * w], axis=1)
        return grad * a.gy[:, None]
    return bwd


def _np_dice_parts(a):
    e = np.exp(a.x - a.x.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    num = 2 * (p * a.t).sum(axis=2) + 1e-5
    den = p.sum(axis=2) + a.t.sum(axis=2) + 1e-5
    return p, num, den


def _np_dice(a):
    p, num, den = _np_dice_parts(a)
    return (1 - num / den).mean()


def _np_dice_bwd(a):
    p, num, den = _np_dice_parts(a)
    s = a.gy / num.size
    gp = (-2 / den)[..., None] * a.t + (num / den ** 2)[..., None]
    gp = gp * s
    return p * (gp - (gp * p).sum(axis=1, keepdims=True))


def _np_tversky_parts(a):
    tp = (a.x * a.t).sum(axis=2)
    num = tp + 1e-5
    den = tp + 0.3 * (a.x * (1 - a.t)).sum(axis=2) + 0.7 * ((1 - a.x) * a.t).sum(axis=2) + 1e-5
    return num, den


def _np_tversky(a):
    num, den = _np_tversky_parts(a)
    return (1 - num / den).mean()


def _np_tversky_bwd(a):
    num, den = _np_tversky_parts(a)
    s = a.gy / num.size
    ca = -(den - num * (1 - 0.3 - 0.7)) / den ** 2
    return (ca[..., None] * a.t + (0.3 * num / den ** 2)[..., None]) * s


_QUANTILE = 0.9    # pinball_loss's case: a high quantile, both slopes taken


def _np_log_cosh(a):
    d = np.abs(a.x - a.t)
    return np.mean(d + np.log1p(np.exp(-2 * d)) - 0.6931471805599453)


def _np_pinball(a):
    d = a.t - a.x
    return np.mean(np.maximum(_QUANTILE * d, (_QUANTILE - 1) * d))


def _np_margin_ranking_bwd(a):
    g1 = -a.t * (-a.t * (a.x1 - a.x2) > 0) * (a.gy / a.x1.size)
    return g1, -g1


def _focal_parts(a):
    p = _sig(a.x)
    ce = np.maximum(a.x, 0) - a.x * a.t + np.log1p(np.exp(-np.abs(a.x)))
    q = 1 - (p * a.t + (1 - p) * (1 - a.t))             # 1 - p_t
    return p, ce, q, 0.25 * a.t + 0.75 * (1 - a.t)      # alpha_t


def _np_focal(a):
    p, ce, q, at = _focal_parts(a)
    return at * ce * q ** 2


def _np_focal_bwd(a):
    p, ce, q, at = _focal_parts(a)
    return a.gy * at * ((p - a.t) * q ** 2 + ce * 2 * q * p * (1 - p) * (1 - 2 * a.t))


# binary_focal_loss, softmax_focal_loss, poly1/poly_cross_entropy at their defaults (alpha
# 0.25, gamma 2; epsilon 2): the reference document's focal lines, optax's PolyLoss formula
def _binary_focal_parts(a):
    ce = np.maximum(a.x, 0) - a.x * a.t + np.log1p(np.exp(-np.abs(a.x)))
    return ce, np.exp(-ce)


def _np_binary_focal(a):
    ce, p = _binary_focal_parts(a)
    return np.mean(0.25 * (1 - p) ** 2 * ce)


def _np_binary_focal_bwd(a):
    ce, p = _binary_focal_parts(a)
    return 0.25 * ((1 - p) ** 2 + 2 * (1 - p) * p * ce) * (_sig(a.x) - a.t) * _mean_scale(a)


def _np_softmax_focal(a):
    lpy = _np_log_softmax(a.x)[_rows(a), a.t]
    return np.mean(-(1 - np.exp(lpy)) ** 2 * lpy)


def _np_softmax_focal_bwd(a):
    p = _np_softmax(a.x)
    py = p[_rows(a), a.t]
    q, lpy = 1 - py, np.log(py)
    d = -(q ** 2 - 2 * q * py * lpy) * (a.gy / len(a.t))   # dl / dlog p_y
    g = -d[:, None] * p
    g[_rows(a), a.t] += d
    return g


def _np_poly(a, epsilons=(2.0,)):
    lpy = _np_log_softmax(a.x)[_rows(a), a.t]
    q = 1 - np.exp(lpy)
    return np.mean(-lpy + sum(e * q ** (j + 1) for j, e in enumerate(epsilons)))


def _np_poly_bwd(a, epsilons=(2.0,)):
    p = _np_softmax(a.x)
    py = p[_rows(a), a.t]
    k = sum((j + 1) * e * (1 - py) ** j for j, e in enumerate(epsilons))
    g = p * ((1 + k * py) * (a.gy / len(a.t)))[:, None]
    g[_rows(a), a.t] -= (1 + k * py) * (a.gy / len(a.t))
    return g


_POLY_N = (2.0, 1.0)   # poly_cross_entropy's case: Poly-2


def _np_cosine_parts(a):
    n1, n2 = np.linalg.norm(a.x1, axis=1), np.linalg.norm(a.x2, axis=1)
    cos = (a.x1 * a.x2).sum(axis=1) / (n1 * n2)
    return n1, n2, cos


def _np_cosine(a):
    _, _, cos = _np_cosine_parts(a)
    return np.mean(np.where(a.t == 1, 1 - cos, np.maximum(0, cos)))


def _np_cosine_bwd(a):
    n1, n2, cos = _np_cosine_parts(a)
    dcos = (np.where(a.t == 1, -1, cos > 0) * (a.gy / len(a.t))).astype(a.x1.dtype)[:, None]
    g1 = dcos * (a.x2 / (n1 * n2)[:, None] - cos[:, None] * a.x1 / (n1 * n1)[:, None])
    g2 = dcos * (a.x1 / (n1 * n2)[:, None] - cos[:, None] * a.x2 / (n2 * n2)[:, None])
    return g1, g2


def _np_triplet_parts(a):
    u_pos, u_neg = a.anchor - a.positive + 1e-6, a.anchor - a.negative + 1e-6
    d_pos, d_neg = np.linalg.norm(u_pos, axis=1), np.linalg.norm(u_neg, axis=1)
    return u_pos, u_neg, d_pos, d_neg


def _np_triplet(a):
    _, _, d_pos, d_neg = _np_triplet_parts(a)
    return np.mean(np.maximum(1 + d_pos - d_neg, 0))


def _np_triplet_bwd(a):
    u_pos, u_neg, d_pos, d_neg = _np_triplet_parts(a)
    s = ((1 + d_pos - d_neg > 0) * a.gy / len(a.anchor))[:, None]
    g_pos, g_neg = s * u_pos / d_pos[:, None], s * u_neg / d_neg[:, None]
    return g_pos - g_neg, -g_pos, g_neg


def _np_contrastive(a):
    d = np.linalg.norm(a.x1 - a.x2 + 1e-6, axis=1)
    return np.mean(0.5 * a.t * d ** 2 + 0.5 * (1 - a.t) * np.maximum(0, 1 - d) ** 2)


def _np_contrastive_bwd(a):
    u = a.x1 - a.x2 + 1e-6
    d = np.linalg.norm(u, axis=1)
    gd = a.t * d - (1 - a.t) * np.maximum(0, 1 - d)
    g1 = (gd / d * (a.gy / len(d)))[:, None] * u
    return g1, -g1


def _np_info_nce_parts(a):
    nq = np.linalg.norm(a.q, axis=1, keepdims=True)
    nk = np.linalg.norm(a.k, axis=1, keepdims=True)
    qh, kh = a.q / nq, a.k / nk
    return qh, kh, nq, nk, qh @ kh.T / 0.1


def _np_info_nce(a):
    *_, logits = _np_info_nce_parts(a)
    return -_np_log_softmax(logits).diagonal().mean()


def _np_info_nce_bwd(a):
    qh, kh, nq, nk, logits = _np_info_nce_parts(a)
    g = _np_softmax(logits)
    g[np.diag_indices_from(g)] -= 1
    g *= a.gy / (len(g) * 0.1)
    g_qh, g_kh = g @ kh, g.T @ qh
    return ((g_qh - qh * (qh * g_qh).sum(axis=1, keepdims=True)) / nq,
            (g_kh - kh * (kh * g_kh).sum(axis=1, keepdims=True)) / nk)


# ---- torch: ATen derivatives and compositions -----------------------------------------------

def _aten(make_call):
    """torch_bwd from `make_call(aten, t)`, the derivative autograd itself would call."""
    return lambda t: make_call(torch_module().ops.aten, t)


def _torch_softmin_bwd(aten, t):
    return lambda: aten.neg(aten._softmax_backward_data(t.gy, t.y, -1, t.y.dtype))


def _torch_nll_bwd(aten, t):
    total_weight = aten.nll_loss_forward(t.x, t.t, None, _MEAN, _IGNORE)[1]
    return lambda: aten.nll_loss_backward(t.gy, t.x, t.t, None, _MEAN, _IGNORE, total_weight)


def _torch_nll_weighted_bwd(aten, t):
    total_weight = aten.nll_loss_forward(t.x, t.t, t.w, _MEAN, _IGNORE)[1]
    return lambda: aten.nll_loss_backward(t.gy, t.x, t.t, t.w, _MEAN, _IGNORE, total_weight)


def _torch_ce_bwd(aten, t):
    """What autograd runs for cross_entropy: nll_loss's derivative, then log_softmax's."""
    logp = aten._log_softmax(t.x, 1, False)
    total_weight = aten.nll_loss_forward(logp, t.t, None, _MEAN, _IGNORE)[1]
    return lambda: aten._log_softmax_backward_data(
        aten.nll_loss_backward(t.gy, logp, t.t, None, _MEAN, _IGNORE, total_weight),
        logp, 1, t.x.dtype)


def _torch_multilabel_bwd(aten, t):
    is_target = aten.multilabel_margin_loss_forward(t.x, t.t, _MEAN)[1]
    return lambda: aten.multilabel_margin_loss_backward(t.gy, t.x, t.t, _MEAN, is_target)


def _torch_focal(t):
    """torchvision.ops.sigmoid_focal_loss, alpha 0.25, gamma 2, reduction 'none'."""
    torch = torch_module()
    p = torch.sigmoid(t.x)
    ce = torch.nn.functional.binary_cross_entropy_with_logits(t.x, t.t, reduction="none")
    p_t = p * t.t + (1 - p) * (1 - t.t)
    return (0.25 * t.t + 0.75 * (1 - t.t)) * (ce * (1 - p_t) ** 2)


def _torch_binary_focal(t):
    """The reference document's focal loss lines: exp(-BCE), alpha 0.25, gamma 2, mean."""
    torch = torch_module()
    ce = torch.nn.functional.binary_cross_entropy_with_logits(t.x, t.t, reduction="none")
    return (0.25 * (1 - torch.exp(-ce)) ** 2 * ce).mean()


def _torch_softmax_focal(t):
    torch = torch_module()
    lpy = torch.log_softmax(t.x, 1).gather(1, t.t[:, None])[:, 0]
    return (-(1 - lpy.exp()) ** 2 * lpy).mean()


def _torch_poly(epsilons):
    def poly(t):
        torch = torch_module()
        ce = torch.nn.functional.cross_entropy(t.x, t.t, reduction="none")
        q = 1 - torch.softmax(t.x, 1).gather(1, t.t[:, None])[:, 0]
        return (ce + sum(e * q ** (j + 1) for j, e in enumerate(epsilons))).mean()
    return poly


def _torch_multiclass_hinge(t):
    """The Crammer-Singer hinge in torch operations: the other classes' maximum, mean."""
    torch = torch_module()
    onehot = torch.nn.functional.one_hot(t.t, t.x.shape[1]).bool()
    m = t.x.masked_fill(onehot, -float("inf")).amax(dim=1)
    return torch.clamp(1 + m - t.x.gather(1, t.t[:, None])[:, 0], min=0).mean()


def _torch_brier(t):
    torch = torch_module()
    onehot = torch.nn.functional.one_hot(t.t, t.x.shape[1]).to(t.x.dtype)
    return ((t.x - onehot) ** 2).sum(dim=1).mean()


def _torch_boxes(kind):
    """torchvision.ops' box loss `kind`, transcribed in torch operations, reduction 'none'."""
    def loss(t, eps=1e-7):
        torch = torch_module()
        x1, y1, x2, y2 = t.b1.unbind(-1)
        X1, Y1, X2, Y2 = t.b2.unbind(-1)
        iw = torch.min(x2, X2) - torch.max(x1, X1)
        ih = torch.min(y2, Y2) - torch.max(y1, Y1)
        inter = torch.where((iw > 0) & (ih > 0), iw * ih, 0)
        union = (x2 - x1) * (y2 - y1) + (X2 - X1) * (Y2 - Y1) - inter
        iou = inter / (union + eps)
        cw = torch.max(x2, X2) - torch.min(x1, X1)
        ch = torch.max(y2, Y2) - torch.min(y1, Y1)
        if kind == "generalized":
            return 1 - iou + (cw * ch - union) / (cw * ch + eps)
        rho = ((x1 + x2) / 2 - (X1 + X2) / 2) ** 2 + ((y1 + y2) / 2 - (Y1 + Y2) / 2) ** 2
        diou = 1 - iou + rho / (cw ** 2 + ch ** 2 + eps)
        if kind == "distance":
            return diou
        v = 4 / torch.pi ** 2 * (torch.atan((X2 - X1) / (Y2 - Y1))
                                 - torch.atan((x2 - x1) / (y2 - y1))) ** 2
        with torch.no_grad():
            alpha = v / (1 - iou + v + eps)
        return diou + alpha * v
    return loss


def _torch_dice(t):
    """MONAI's DiceLoss(softmax=True) in torch operations."""
    torch = torch_module()
    p = torch.softmax(t.x, 1)
    return (1 - (2 * (p * t.t).sum(2) + 1e-5) / (p.sum(2) + t.t.sum(2) + 1e-5)).mean()


def _torch_tversky(t):
    """MONAI's TverskyLoss(alpha=0.3, beta=0.7) in torch operations."""
    tp = (t.x * t.t).sum(2)
    den = tp + 0.3 * (t.x * (1 - t.t)).sum(2) + 0.7 * ((1 - t.x) * t.t).sum(2) + 1e-5
    return (1 - (tp + 1e-5) / den).mean()


def _torch_hinge(t):
    """optax.hinge_loss in torch operations, mean."""
    return torch_module().clamp(1 - t.t * t.x, min=0).mean()


def _torch_squared_hinge(t):
    return (torch_module().clamp(1 - t.t * t.x, min=0) ** 2).mean()


def _torch_log_cosh(t):
    """optax.log_cosh: logaddexp(d, -d) - log 2, mean."""
    d = t.x - t.t
    return (torch_module().logaddexp(d, -d) - 0.6931471805599453).mean()


def _torch_pinball(t):
    d = t.t - t.x
    return torch_module().maximum(_QUANTILE * d, (_QUANTILE - 1) * d).mean()


def _torch_contrastive(t):
    torch = torch_module()
    d = torch.nn.functional.pairwise_distance(t.x1, t.x2, p=2.0, eps=1e-6)
    return (0.5 * t.t * d ** 2 + 0.5 * (1 - t.t) * torch.clamp(1 - d, min=0) ** 2).mean()


def _torch_info_nce(t):
    TF = torch_module().nn.functional
    qh, kh = TF.normalize(t.q, dim=1), TF.normalize(t.k, dim=1)
    return TF.cross_entropy(qh @ kh.T / 0.1, t.labels)


# ---- JAX: optax's formulas in jax.numpy, (jax, *args, **params) -> the loss -----------------

def _take(jax, x, t):
    """x[i, t[i]] of each row."""
    return jax.numpy.take_along_axis(x, t[:, None], axis=-1)[:, 0]


def _jax_nll_weighted(jax, logp, t, w):
    """optax has no ignore_index: the weights of ignored rows are zeroed by hand."""
    kept = t != _IGNORE
    safe = jax.numpy.where(kept, t, 0)
    wt = w[safe] * kept
    return -(wt * _take(jax, logp, safe)).sum() / wt.sum()


def _jax_ce_smoothed(jax, x, t, label_smoothing):
    """optax.smooth_labels, then softmax_cross_entropy."""
    c = x.shape[-1]
    labels = jax.nn.one_hot(t, c, dtype=x.dtype) * (1 - label_smoothing) + label_smoothing / c
    return -jax.numpy.mean((labels * jax.nn.log_softmax(x)).sum(axis=-1))


def _jax_sigmoid_bce(jax, x, t):
    """optax.sigmoid_binary_cross_entropy, per element."""
    return -t * jax.nn.log_sigmoid(x) - (1 - t) * jax.nn.log_sigmoid(-x)


def _jax_huber(jax, x, t):
    """optax.huber_loss with delta 1 (= smooth_l1 with beta 1), mean."""
    err = jax.numpy.abs(x - t)
    quadratic = jax.numpy.minimum(err, 1)
    return jax.numpy.mean(0.5 * quadratic ** 2 + (err - quadratic))


def _jax_kl_div(jax, x, t, reduction):
    """optax.kl_divergence over a 1-D batch, "batchmean" (the case's reduction)."""
    assert reduction == "batchmean"
    return jax.numpy.sum(t * (jax.numpy.log(t) - x)) / x.shape[0]


def _jax_gaussian_nll(jax, x, t, var):
    var = jax.numpy.maximum(var, 1e-6)
    return jax.numpy.mean(0.5 * (jax.numpy.log(var) + (x - t) ** 2 / var))


def _jax_multi_margin(jax, x, t):
    jnp = jax.numpy
    m = jnp.maximum(0, 1 - _take(jax, x, t)[:, None] + x)
    return jnp.mean(jnp.where(jnp.arange(x.shape[1]) == t[:, None], 0, m).sum(axis=1)
                    / x.shape[1])


def _jax_focal(jax, x, t):
    """optax.sigmoid_focal_loss, alpha 0.25, gamma 2."""
    p = jax.nn.sigmoid(x)
    p_t = p * t + (1 - p) * (1 - t)
    return (0.25 * t + 0.75 * (1 - t)) * _jax_sigmoid_bce(jax, x, t) * (1 - p_t) ** 2


def _jax_binary_focal(jax, x, t):
    ce = _jax_sigmoid_bce(jax, x, t)
    return jax.numpy.mean(0.25 * (1 - jax.numpy.exp(-ce)) ** 2 * ce)


def _jax_softmax_focal(jax, x, t):
    lpy = _take(jax, jax.nn.log_softmax(x), t)
    return jax.numpy.mean(-(1 - jax.numpy.exp(lpy)) ** 2 * lpy)


def _jax_poly(jax, x, t, epsilon=2.0, epsilons=None):
    """optax.poly_loss_cross_entropy (one-hot labels), with Poly-N's further terms."""
    labels = jax.nn.one_hot(t, x.shape[-1], dtype=x.dtype)
    q = (labels * (1 - jax.nn.softmax(x))).sum(axis=-1)
    ce = -(labels * jax.nn.log_softmax(x)).sum(axis=-1)
    eps = (epsilon,) if epsilons is None else epsilons
    return jax.numpy.mean(ce + sum(e * q ** (j + 1) for j, e in enumerate(eps)))


def _jax_cosine(jax, x1, x2, t):
    jnp = jax.numpy
    norms = jnp.linalg.norm(x1, axis=1) * jnp.linalg.norm(x2, axis=1)
    cos = (x1 * x2).sum(axis=1) / norms
    return jnp.mean(jnp.where(t == 1, 1 - cos, jnp.maximum(0, cos)))


def _jax_distance(jax, a, b):
    """torch's pairwise_distance: |a - b + eps| per row."""
    return jax.numpy.linalg.norm(a - b + 1e-6, axis=1)


def _jax_triplet(jax, anchor, positive, negative):
    d_pos, d_neg = _jax_distance(jax, anchor, positive), _jax_distance(jax, anchor, negative)
    return jax.numpy.mean(jax.numpy.maximum(1 + d_pos - d_neg, 0))


def _jax_contrastive(jax, x1, x2, t):
    d = _jax_distance(jax, x1, x2)
    return jax.numpy.mean(0.5 * t * d ** 2 + 0.5 * (1 - t) * jax.numpy.maximum(0, 1 - d) ** 2)


def _jax_info_nce(jax, q, k, temperature):
    jnp = jax.numpy
    qh = q / jnp.linalg.norm(q, axis=1, keepdims=True)
    kh = k / jnp.linalg.norm(k, axis=1, keepdims=True)
    return -jnp.mean(jnp.diagonal(jax.nn.log_softmax(qh @ kh.T / temperature, axis=1)))


def _jax_log_cosh(jax, x, t):
    """optax.log_cosh, mean."""
    d = x - t
    return jax.numpy.mean(jax.numpy.logaddexp(d, -d) - 0.6931471805599453)


def _jax_multiclass_hinge(jax, x, t):
    jnp = jax.numpy
    onehot = jax.nn.one_hot(t, x.shape[1], dtype=bool)
    m = jnp.where(onehot, -jnp.inf, x).max(axis=1)
    return jnp.mean(jnp.maximum(0, 1 + m - _take(jax, x, t)))


def _jax_brier(jax, x, t):
    return jax.numpy.mean(((x - jax.nn.one_hot(t, x.shape[1], dtype=x.dtype)) ** 2).sum(axis=1))


def _jax_boxes(kind):
    """torchvision's box loss `kind` in jax.numpy, reduction 'none'."""
    def loss(jax, b1, b2, eps=1e-7):
        jnp = jax.numpy
        (x1, y1, x2, y2), (X1, Y1, X2, Y2) = b1.T, b2.T
        iw = jnp.minimum(x2, X2) - jnp.maximum(x1, X1)
        ih = jnp.minimum(y2, Y2) - jnp.maximum(y1, Y1)
        inter = jnp.where((iw > 0) & (ih > 0), iw * ih, 0)
        union = (x2 - x1) * (y2 - y1) + (X2 - X1) * (Y2 - Y1) - inter
        iou = inter / (union + eps)
        cw = jnp.maximum(x2, X2) - jnp.minimum(x1, X1)
        ch = jnp.maximum(y2, Y2) - jnp.minimum(y1, Y1)
        if kind == "generalized":
            return 1 - iou + (cw * ch - union) / (cw * ch + eps)
        rho = ((x1 + x2) / 2 - (X1 + X2) / 2) ** 2 + ((y1 + y2) / 2 - (Y1 + Y2) / 2) ** 2
        diou = 1 - iou + rho / (cw ** 2 + ch ** 2 + eps)
        if kind == "distance":
            return diou
        v = 0.4052847345693511 * (jnp.arctan((X2 - X1) / (Y2 - Y1))
                                  - jnp.arctan((x2 - x1) / (y2 - y1))) ** 2
        alpha = jax.lax.stop_gradient(v / (1 - iou + v + eps))
        return diou + alpha * v
    return loss


def _jax_dice(jax, x, t, activation):
    p = jax.nn.softmax(x, axis=1)
    return (1 - (2 * (p * t).sum(2) + 1e-5) / (p.sum(2) + t.sum(2) + 1e-5)).mean()


def _jax_tversky(jax, x, t, alpha, beta):
    tp = (x * t).sum(2)
    den = tp + alpha * (x * (1 - t)).sum(2) + beta * ((1 - x) * t).sum(2) + 1e-5
    return (1 - (tp + 1e-5) / den).mean()


# ---- distances (actloss.distances): inputs and NumPy/SciPy formulas --------------------------

def _rows_pair(shape, dtype, rng):
    return {"x1": _embeddings(rng, shape, dtype), "x2": _embeddings(rng, shape, dtype)}


def _rows_one(shape, dtype, rng):
    return {"x": _embeddings(rng, shape, dtype)}


# pdist's and cdist's inputs with their distances (scipy's): the backward is given them as
# output=, as torch's autograd reuses the ones its forward saved
def _rows_one_pdist(shape, dtype, rng):
    a = _rows_one(shape, dtype, rng)
    return dict(a, output=_scipy_pdist(types.SimpleNamespace(**a)))


def _rows_pair_cdist(shape, dtype, rng):
    a = _rows_pair(shape, dtype, rng)
    return dict(a, output=_scipy_cdist(types.SimpleNamespace(**a)))


def _np_normalize_bwd(a):
    n = np.maximum(np.linalg.norm(a.x, axis=1, keepdims=True), 1e-12)
    y = a.x / n
    return (a.gy - y * (a.gy * y).sum(axis=1, keepdims=True)) / n


def _np_cosine_sim(a):
    n1 = np.maximum(np.linalg.norm(a.x1, axis=1), 1e-8)
    n2 = np.maximum(np.linalg.norm(a.x2, axis=1), 1e-8)
    return np.einsum("ij,ij->i", a.x1, a.x2) / n1 / n2


def _np_cosine_sim_bwd(a):
    n1 = np.maximum(np.linalg.norm(a.x1, axis=1, keepdims=True), 1e-8)
    n2 = np.maximum(np.linalg.norm(a.x2, axis=1, keepdims=True), 1e-8)
    cos, g = _np_cosine_sim(a)[:, None], a.gy[:, None]
    return (g / n1 * (a.x2 / n2 - cos * a.x1 / n1), g / n2 * (a.x1 / n1 - cos * a.x2 / n2))


def _np_pairwise_bwd(a):
    u = a.x1 - a.x2 + np.asarray(1e-6, a.x1.dtype)
    g = a.gy[:, None] * u / np.linalg.norm(u, axis=1, keepdims=True)
    return g, -g


def _scipy_cdist(a):
    from scipy.spatial.distance import cdist
    return cdist(a.x1, a.x2).astype(a.x1.dtype)


def _np_cdist_bwd(a):
    """The gradient of the matrix-product expansion (torch's _euclidean_dist_backward)."""
    r = a.gy / a.output
    return (a.x1 * r.sum(1)[:, None] - r @ a.x2, a.x2 * r.sum(0)[:, None] - r.T @ a.x1)


def _scipy_pdist(a):
    from scipy.spatial.distance import pdist
    return pdist(a.x).astype(a.x.dtype)


def _np_pdist_bwd(a):
    n = len(a.x)
    full = np.zeros((n, n), a.x.dtype)
    full[np.triu_indices(n, 1)] = a.gy / a.output
    full += full.T
    return a.x * full.sum(1)[:, None] - full @ a.x


def _jax_normalize(jax, x):
    jnp = jax.numpy
    return x / jnp.maximum(jnp.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _jax_cosine_similarity(jax, x1, x2):
    jnp = jax.numpy
    n1 = jnp.maximum(jnp.linalg.norm(x1, axis=1), 1e-8)
    n2 = jnp.maximum(jnp.linalg.norm(x2, axis=1), 1e-8)
    return (x1 * x2).sum(axis=1) / n1 / n2


def _jax_sq_dists(jax, x1, x2):
    """||a||^2 + ||b||^2 - 2 a.b, clamped at 0: the expansion a JAX user writes."""
    jnp = jax.numpy
    return jnp.maximum((x1 * x1).sum(1)[:, None] + (x2 * x2).sum(1)[None, :] - 2 * x1 @ x2.T,
                       0)


def _jax_pdist(jax, x):
    i, j = np.triu_indices(x.shape[0], 1)
    return jax.numpy.sqrt(((x[i] - x[j]) ** 2).sum(1))


# ---- the cases ------------------------------------------------------------------------------

def _softmax_case(name, np_fwd, np_bwd, torch_bwd, **kw):
    return Case(name=name, api=name, family="softmax", kind="rowwise", make=_logits,
                np_fwd=np_fwd, np_bwd=np_bwd, params={"dim": -1}, saves="y",
                out=("forward", "backward"), torch_bwd=_aten(torch_bwd), **kw)


# ---- ctc_loss ---------------------------------------------------------------------------------

_CTC_CLASSES = 40


def _ctc_inputs(shape, dtype, rng):
    """log_probs (T, N, 40), padded targets of S = T / 5 (at most 40) labels 1.., input lengths
    in [3T/4, T], target lengths in [S/2, S]: every input long enough."""
    T, N, C = shape
    S = min(40, T // 5)
    x = _np_log_softmax(rng.standard_normal(shape)).astype(dtype)
    return {"x": x, "t": rng.integers(1, C, (N, S)), "il": rng.integers(3 * T // 4, T + 1, N),
            "tl": rng.integers(S // 2, S + 1, N)}


def _np_ctc_tables(a):
    """The vectorised NumPy a user would write: alpha over (N, 2S + 1) states, one frame at a
    time (np.logaddexp), then the per-sample losses; with beta, the posteriors."""
    lp = a.x.astype(np.float64)
    T, N, _ = lp.shape
    L = 2 * a.t.shape[1] + 1
    ext = np.zeros((N, L), np.int64)
    ext[:, 1::2] = a.t
    valid = np.arange(L)[None] < 2 * a.tl[:, None] + 1
    skip = np.zeros((N, L), bool)
    skip[:, 2:] = ext[:, 2:] != ext[:, :-2]
    ninf = np.full((N, 1), -np.inf)
    alpha = np.full((T + 1, N, L), -np.inf)
    alpha[0, :, 0] = 0.0
    for t in range(T):
        p = alpha[t]
        s1 = np.concatenate([ninf, p[:, :-1]], 1)
        s2 = np.where(skip, np.concatenate([ninf, ninf, p[:, :-2]], 1), -np.inf)
        new = np.logaddexp(np.logaddexp(p, s1), s2) + np.take_along_axis(lp[t], ext, 1)
        alpha[t + 1] = np.where((t < a.il)[:, None] & valid, new, p)
    last = alpha[a.il, np.arange(N)]
    end = 2 * a.tl
    ll = np.logaddexp(last[np.arange(N), end],
                      np.where(end > 0, last[np.arange(N), np.maximum(end - 1, 0)], -np.inf))
    return lp, ext, valid, skip, alpha, -ll


def _np_ctc(a):
    nll = _np_ctc_tables(a)[-1]
    return a.x.dtype.type((nll / np.maximum(a.tl, 1)).mean())


def _np_ctc_bwd(a):
    lp, ext, valid, skip, alpha, nll = _np_ctc_tables(a)
    T, N, C = lp.shape
    L = ext.shape[1]
    rows = np.arange(N)
    init = np.full((N, L), -np.inf)
    init[rows, 2 * a.tl] = 0.0
    ninf = np.full((N, 1), -np.inf)
    onehot = ext[:, :, None] == np.arange(C)
    nxt, grad = init, np.zeros((T, N, C))
    for t in range(T - 1, -1, -1):
        emit = np.take_along_axis(lp[t], ext, 1)
        s1 = np.concatenate([nxt[:, 1:], ninf], 1)
        s2 = np.concatenate([np.where(skip[:, 2:], nxt[:, 2:], -np.inf), ninf, ninf], 1)
        beta = np.logaddexp(np.logaddexp(nxt, s1), s2) + emit
        live = (t < a.il)[:, None]
        beta = np.where(live & valid, beta, -np.inf)
        post = np.exp(alpha[t + 1] + beta + nll[:, None] - emit)
        g = np.exp(lp[t]) - np.einsum("nl,nlc->nc", post, onehot)
        grad[t] = np.where(live, g, 0.0)
        nxt = np.where(live, beta, init)
    scale = a.gy / np.maximum(a.tl, 1) / N
    return (grad * scale[None, :, None]).astype(a.x.dtype)


def _loss(name, kind, make, np_fwd, np_bwd, args=("x", "t"), **kw):
    return Case(name=name, api=kw.pop("api", name), family="loss", kind=kind, make=make,
                np_fwd=np_fwd, np_bwd=np_bwd, args=args, **kw)


def _pointwise(name, make, np_fwd, grad, **kw):
    """A loss over 1-D inputs whose gradient is grad(a) per element, times d mean."""
    return _loss(name, "elementwise", make, np_fwd, lambda a: grad(a) * _mean_scale(a), **kw)


CASES = [
    _softmax_case("softmax", lambda a: _np_softmax(a.x),
                  lambda a: a.y * (a.gy - (a.gy * a.y).sum(axis=-1, keepdims=True)),
                  lambda aten, t: lambda: aten._softmax_backward_data(t.gy, t.y, -1,
                                                                      t.y.dtype),
                  torch_out="torch.softmax"),
    # a channel softmax: dim 1 of 2 images x 4 classes x n/8 pixels
    Case(name="softmax_channels", api="softmax", family="softmax", kind="elementwise",
         make=_logits, shape=lambda n: (2, 4, n // 8), params={"dim": 1}, saves="y",
         out=("forward", "backward"),
         np_fwd=lambda a: _np_channels(_np_softmax, a.x),
         np_bwd=lambda a: a.y * (a.gy - (a.gy * a.y).sum(axis=1, keepdims=True)),
         torch_bwd=_aten(lambda aten, t: lambda: aten._softmax_backward_data(t.gy, t.y, 1,
                                                                             t.y.dtype)),
         note="dim=1 of (B=2, C=4, n/8 pixels)"),
    _softmax_case("log_softmax", lambda a: _np_log_softmax(a.x),
                  lambda a: a.gy - np.exp(a.y) * a.gy.sum(axis=-1, keepdims=True),
                  lambda aten, t: lambda: aten._log_softmax_backward_data(t.gy, t.y, -1,
                                                                          t.y.dtype),
                  torch_out="torch.log_softmax"),
    _softmax_case("softmin", lambda a: _np_softmax(-a.x),
                  lambda a: -(a.y * (a.gy - (a.gy * a.y).sum(axis=-1, keepdims=True))),
                  _torch_softmin_bwd,
                  jax_fwd=lambda jax, x, dim: jax.nn.softmax(-x, axis=dim)),
    Case(name="logsumexp", api="logsumexp", family="softmax", kind="rowwise", make=_logits,
         np_fwd=lambda a: _np_logsumexp(a.x),
         np_bwd=lambda a: np.exp(a.x - _np_logsumexp(a.x)[:, None]) * a.gy[:, None],
         params={"dim": -1}, out=("forward",),
         torch_fwd=lambda t: torch_module().logsumexp(t.x, -1),
         jax_fwd=lambda jax, x, dim: jax.nn.logsumexp(x, axis=dim)),
    _loss("nll_loss", "rowwise", _logprobs_classes, _np_nll, _np_nll_bwd, fused=True,
          torch_bwd=_aten(_torch_nll_bwd), note="input: log-probabilities",
          jax_fwd=lambda jax, x, t: -jax.numpy.mean(_take(jax, x, t))),
    # optax.softmax_cross_entropy_with_integer_labels, and softmax_cross_entropy
    _loss("cross_entropy", "rowwise", _logits_classes, _np_ce, _np_ce_bwd, fused=True,
          torch_bwd=_aten(_torch_ce_bwd), note="class-index target",
          jax_fwd=lambda jax, x, t: jax.numpy.mean(jax.nn.logsumexp(x, axis=-1)
                                                   - _take(jax, x, t))),
    _loss("cross_entropy_spatial", "elementwise", _segmentation_classes, _np_ce_spatial,
          _np_ce_spatial_bwd, api="cross_entropy", fused=True, shape=lambda n: (2, 4, n // 8),
          jax_fwd=_jax_ce_spatial, note="segmentation map (B=2, C=4, n/8 pixels), class index"),
    _loss("cross_entropy_probs", "rowwise", _logits_probs, _np_ce_probs, _np_ce_probs_bwd,
          api="cross_entropy", fused=True, note="class-probability target",
          jax_fwd=lambda jax, x, t: -jax.numpy.mean((t * jax.nn.log_softmax(x)).sum(axis=-1))),
    # the option paths: class weights with ignored rows, and label smoothing
    _loss("nll_loss_weighted", "rowwise", _logprobs_classes_weighted, _np_nll_weighted,
          _np_nll_weighted_bwd, api="nll_loss", args=("x", "t", "w"), fused=True,
          torch_bwd=_aten(_torch_nll_weighted_bwd),
          note="class weights, every 7th target ignore_index",
          jax_fwd=_jax_nll_weighted),
    _loss("cross_entropy_weighted", "rowwise", _logits_classes_weighted, _np_ce_weighted,
          _np_ce_weighted_bwd, api="cross_entropy", args=("x", "t", "w"), fused=True,
          note="class weights, every 7th target ignore_index",
          jax_fwd=lambda jax, x, t, w: _jax_nll_weighted(jax, jax.nn.log_softmax(x), t, w)),
    _loss("cross_entropy_smoothing", "rowwise", _logits_classes, _np_ce_smoothed,
          _np_ce_smoothed_bwd, api="cross_entropy", fused=True,
          params={"label_smoothing": _SMOOTHING}, note="label_smoothing=0.1",
          jax_fwd=_jax_ce_smoothed),
    _loss("linear_cross_entropy", "rowwise", _linear_classes, _np_linear_ce, _np_linear_ce_bwd,
          args=("h", "W", "t"), fwd_kw=("linear_bias",), bwd_kw=("linear_bias",),
          grads=("h", "W", "linear_bias"), fused=True, torch_fwd=_torch_linear_ce,
          note=f"size = (rows, classes) of the logits, never formed; D={_LINEAR_D}"),
    # rtol32: the gradient at a target class sums a row's hinge terms; torch does so in
    # float32, ~2e-4 off at 32000 classes (actloss accumulates in float64)
    _loss("multi_margin_loss", "rowwise", _scores_classes, _np_multi_margin,
          _np_multi_margin_bwd, rtol32=1e-3, jax_fwd=_jax_multi_margin,
          torch_bwd=_aten(lambda aten, t: lambda: aten.multi_margin_loss_backward(
              t.gy, t.x, t.t, 1, 1.0, None, _MEAN))),
    # not in torch: the torch lines a user writes (amax of the other classes; one-hot)
    _loss("multiclass_hinge_loss", "rowwise", _scores_classes, _np_multiclass_hinge,
          _np_multiclass_hinge_bwd, fused=True, torch_fwd=_torch_multiclass_hinge,
          jax_fwd=_jax_multiclass_hinge,
          note="Crammer-Singer; NumPy: sklearn's hinge_loss formula"),
    _loss("brier_score_loss", "rowwise", _probs_classes, _np_brier, _np_brier_bwd,
          torch_fwd=_torch_brier, jax_fwd=_jax_brier, note="multiclass probabilities"),
    _loss("multilabel_margin_loss", "rowwise", _scores_labels, _np_multilabel,
          _np_multilabel_bwd, torch_bwd=_aten(_torch_multilabel_bwd), rtol32=1e-3,
          note="3 target classes per row"),
    _loss("multilabel_soft_margin_loss", "rowwise", _logits_binary, _np_multilabel_soft,
          lambda a: (_sig(a.x) - a.t) * _mean_scale(a),
          jax_fwd=lambda jax, x, t: jax.numpy.mean(_jax_sigmoid_bce(jax, x, t))),
    _pointwise("mse_loss", _regression, lambda a: np.mean((a.x - a.t) ** 2),
               lambda a: 2 * (a.x - a.t), fused=True,
               jax_fwd=lambda jax, x, t: jax.numpy.mean((x - t) ** 2),
               torch_bwd=_aten(lambda aten, t: lambda: aten.mse_loss_backward(t.gy, t.x, t.t,
                                                                              _MEAN))),
    _pointwise("l1_loss", _regression, lambda a: np.mean(np.abs(a.x - a.t)),
               lambda a: np.sign(a.x - a.t), fused=True,
               jax_fwd=lambda jax, x, t: jax.numpy.mean(jax.numpy.abs(x - t))),
    _pointwise("smooth_l1_loss", _regression, _np_smooth_l1, lambda a: np.clip(a.x - a.t, -1, 1),
               fused=True, jax_fwd=_jax_huber,
               torch_bwd=_aten(lambda aten, t: lambda: aten.smooth_l1_loss_backward(
                   t.gy, t.x, t.t, _MEAN, 1.0))),
    _pointwise("huber_loss", _regression, _np_smooth_l1, lambda a: np.clip(a.x - a.t, -1, 1),
               fused=True, jax_fwd=_jax_huber,
               torch_bwd=_aten(lambda aten, t: lambda: aten.huber_loss_backward(
                   t.gy, t.x, t.t, _MEAN, 1.0))),
    _pointwise("binary_cross_entropy", _probs_binary,
               lambda a: -np.mean(a.t * np.log(a.x) + (1 - a.t) * np.log1p(-a.x)),
               lambda a: (a.x - a.t) / (a.x * (1 - a.x)), fused=True,
               jax_fwd=lambda jax, x, t: -jax.numpy.mean(t * jax.numpy.log(x)
                                                         + (1 - t) * jax.numpy.log1p(-x)),
               torch_bwd=_aten(lambda aten, t: lambda: aten.binary_cross_entropy_backward(
                   t.gy, t.x, t.t, None, _MEAN))),
    _pointwise("binary_cross_entropy_with_logits", _logits_binary, _np_bce_logits,
               lambda a: _sig(a.x) - a.t, fused=True,
               jax_fwd=lambda jax, x, t: jax.numpy.mean(_jax_sigmoid_bce(jax, x, t))),
    # "batchmean" of a 1-D input: the sum over its length, the mean
    _pointwise("kl_div", _logprobs_probs, lambda a: np.mean(a.t * (np.log(a.t) - a.x)),
               lambda a: -a.t, params={"reduction": "batchmean"},
               jax_fwd=_jax_kl_div),
    _pointwise("poisson_nll_loss", _log_rates_counts, lambda a: np.mean(np.exp(a.x) - a.t * a.x),
               lambda a: np.exp(a.x) - a.t, note="log_input=True",
               jax_fwd=lambda jax, x, t: jax.numpy.mean(jax.numpy.exp(x) - t * x)),
    _loss("gaussian_nll_loss", "elementwise", _gaussian, _np_gaussian_nll, _np_gaussian_nll_bwd,
          args=("x", "t", "var"), grads=("x", "var"),
          jax_fwd=_jax_gaussian_nll),
    _pointwise("soft_margin_loss", _scores_signs, lambda a: np.mean(np.logaddexp(0, -a.t * a.x)),
               lambda a: -a.t / (1 + np.exp(a.t * a.x)),
               jax_fwd=lambda jax, x, t: jax.numpy.mean(jax.nn.softplus(-t * x)),
               torch_bwd=_aten(lambda aten, t: lambda: aten.soft_margin_loss_backward(
                   t.gy, t.x, t.t, _MEAN))),
    # not in torch: torch's side is the composition a user writes (optax's formulas)
    _pointwise("hinge_loss", _scores_signs, lambda a: np.mean(np.maximum(0, 1 - a.t * a.x)),
               lambda a: -a.t * (1 - a.t * a.x >= 0), fused=True, torch_fwd=_torch_hinge,
               jax_fwd=lambda jax, x, t: jax.numpy.mean(jax.numpy.maximum(0, 1 - t * x))),
    _pointwise("squared_hinge_loss", _scores_signs,
               lambda a: np.mean(np.maximum(0, 1 - a.t * a.x) ** 2),
               lambda a: -2 * a.t * np.maximum(0, 1 - a.t * a.x), fused=True,
               torch_fwd=_torch_squared_hinge,
               jax_fwd=lambda jax, x, t: jax.numpy.mean(jax.numpy.maximum(0, 1 - t * x) ** 2)),
    _pointwise("log_cosh_loss", _regression, _np_log_cosh, lambda a: np.tanh(a.x - a.t),
               fused=True, torch_fwd=_torch_log_cosh, jax_fwd=_jax_log_cosh),
    _pointwise("pinball_loss", _regression, _np_pinball,
               lambda a: np.where(a.t > a.x, -_QUANTILE, 1 - _QUANTILE).astype(a.x.dtype),
               params={"quantile": _QUANTILE}, fused=True, torch_fwd=_torch_pinball,
               jax_fwd=lambda jax, x, t, quantile: jax.numpy.mean(jax.numpy.maximum(
                   quantile * (t - x), (quantile - 1) * (t - x))),
               note="quantile=0.9; NumPy: sklearn's mean_pinball_loss formula"),
    # MONAI's definitions, 2 images x 4 classes x n/8 pixels; torch/JAX: the same lines
    _loss("dice_loss", "elementwise", _segmentation("softmax"), _np_dice, _np_dice_bwd,
          params={"activation": "softmax"}, fused=True, shape=lambda n: (2, 4, n // 8),
          torch_fwd=_torch_dice, jax_fwd=_jax_dice,
          note="softmax logits (B=2, C=4); MONAI's DiceLoss(softmax=True)"),
    _loss("tversky_loss", "elementwise", _segmentation("none"), _np_tversky, _np_tversky_bwd,
          params={"alpha": 0.3, "beta": 0.7}, fused=True, shape=lambda n: (2, 4, n // 8),
          torch_fwd=_torch_tversky, jax_fwd=_jax_tversky,
          note="probabilities (B=2, C=4); MONAI's TverskyLoss(alpha=0.3, beta=0.7)"),
    _loss("hinge_embedding_loss", "elementwise", _scores_signs,
          lambda a: np.mean(np.where(a.t == 1, a.x, np.maximum(0, 1 - a.x))), _np_hinge_bwd,
          jax_fwd=lambda jax, x, t: jax.numpy.mean(jax.numpy.where(t == 1, x,
                                                                   jax.numpy.maximum(0, 1 - x)))),
    _loss("margin_ranking_loss", "elementwise", _pairs_signs,
          lambda a: np.mean(np.maximum(0, -a.t * (a.x1 - a.x2))), _np_margin_ranking_bwd,
          args=("x1", "x2", "t"), grads=("x1", "x2"),
          jax_fwd=lambda jax, x1, x2, t: jax.numpy.mean(jax.numpy.maximum(0, -t * (x1 - x2)))),
    _loss("sigmoid_focal_loss", "elementwise", _logits_binary, _np_focal, _np_focal_bwd,
          fused=True, torch_fwd=_torch_focal, jax_fwd=_jax_focal,
          note="reduction='none'; torch: torchvision's formula"),
    # torchvision's box losses (reduction 'none'), transcribed in torch; NumPy: the same lines
    _loss("generalized_box_iou_loss", "embedding", _box_pairs, _np_giou,
          _np_box_bwd("generalized"),
          args=("b1", "b2"), grads=("b1",), fused=True, shape=lambda s: (s[0], 4),
          torch_fwd=_torch_boxes("generalized"), jax_fwd=_jax_boxes("generalized"),
          note="torch: torchvision's formula"),
    _loss("distance_box_iou_loss", "embedding", _box_pairs, _np_diou,
          _np_box_bwd("distance"),
          args=("b1", "b2"), grads=("b1",), fused=True, shape=lambda s: (s[0], 4),
          torch_fwd=_torch_boxes("distance"), jax_fwd=_jax_boxes("distance"),
          note="torch: torchvision's formula"),
    _loss("complete_box_iou_loss", "embedding", _box_pairs, _np_ciou,
          _np_box_bwd("complete"),
          args=("b1", "b2"), grads=("b1",), fused=True, shape=lambda s: (s[0], 4),
          torch_fwd=_torch_boxes("complete"), jax_fwd=_jax_boxes("complete"),
          note="torch: torchvision's formula"),
    _loss("cosine_embedding_loss", "embedding", _embedding_pairs(_signs), _np_cosine,
          _np_cosine_bwd, args=("x1", "x2", "t"), grads=("x1", "x2"), jax_fwd=_jax_cosine),
    _loss("triplet_margin_loss", "embedding", _triplets, _np_triplet, _np_triplet_bwd,
          args=("anchor", "positive", "negative"), grads=("anchor", "positive", "negative"),
          jax_fwd=_jax_triplet),
    _loss("contrastive_loss", "embedding", _embedding_pairs(_binary), _np_contrastive,
          _np_contrastive_bwd, args=("x1", "x2", "t"), grads=("x1", "x2"),
          torch_fwd=_torch_contrastive, jax_fwd=_jax_contrastive,
          note="torch: pairwise_distance and clamp"),
    _loss("info_nce", "embedding", _views, _np_info_nce, _np_info_nce_bwd, args=("q", "k"),
          grads=("q", "k"), params={"temperature": 0.1}, torch_fwd=_torch_info_nce,
          jax_fwd=_jax_info_nce,
          note="torch: cross_entropy of normalize(q) @ normalize(k).T / 0.1"),
    # focal losses and PolyLoss (not in torch): the torch lines users write, autograd
    _loss("binary_focal_loss", "elementwise", _logits_binary, _np_binary_focal,
          _np_binary_focal_bwd, fused=True, torch_fwd=_torch_binary_focal,
          jax_fwd=_jax_binary_focal, note="torch: the reference document's exp(-BCE) lines"),
    _loss("softmax_focal_loss", "rowwise", _logits_classes, _np_softmax_focal,
          _np_softmax_focal_bwd, fused=True, torch_fwd=_torch_softmax_focal,
          jax_fwd=_jax_softmax_focal, note="gamma 2; torch: log_softmax, gather, pow"),
    _loss("poly1_cross_entropy", "rowwise", _logits_classes, _np_poly, _np_poly_bwd,
          fused=True, torch_fwd=_torch_poly((2.0,)), jax_fwd=_jax_poly,
          note="epsilon 2; torch: cross_entropy + epsilon (1 - p_t); JAX: optax's formula"),
    _loss("poly_cross_entropy", "rowwise", _logits_classes,
          lambda a: _np_poly(a, _POLY_N), lambda a: _np_poly_bwd(a, _POLY_N),
          params={"epsilons": _POLY_N}, fused=True, torch_fwd=_torch_poly(_POLY_N),
          jax_fwd=_jax_poly, note="Poly-2, epsilons (2, 1)"),
    # actloss.distances; the NumPy side of pdist/cdist is scipy.spatial.distance (cdist at
    # (N, D) x (N, D): 1000x128 vs 1000x128 is the size the issue names)
    _loss("normalize", "embedding", _rows_one,
          lambda a: a.x / np.maximum(np.linalg.norm(a.x, axis=1, keepdims=True), 1e-12),
          _np_normalize_bwd, args=("x",), out=("forward",), jax_fwd=_jax_normalize),
    _loss("cosine_similarity", "embedding", _rows_pair, _np_cosine_sim, _np_cosine_sim_bwd,
          args=("x1", "x2"), grads=("x1", "x2"), jax_fwd=_jax_cosine_similarity),
    _loss("pairwise_distance", "embedding", _rows_pair,
          lambda a: np.linalg.norm(a.x1 - a.x2 + np.asarray(1e-6, a.x1.dtype), axis=1),
          _np_pairwise_bwd, args=("x1", "x2"), grads=("x1", "x2"),
          jax_fwd=lambda jax, x1, x2: _jax_distance(jax, x1, x2)),
    _loss("cdist", "embedding", _rows_pair_cdist, _scipy_cdist, _np_cdist_bwd,
          args=("x1", "x2"), grads=("x1", "x2"), bwd_kw=("output",), needs_scipy=True,
          rtol32=1e-3,
          shape=lambda s: (min(s[0], 1000), s[1]),
          torch_fwd=lambda t: torch_module().cdist(t.x1, t.x2),
          jax_fwd=lambda jax, x1, x2: jax.numpy.sqrt(_jax_sq_dists(jax, x1, x2)),
          note="p=2 (matrix-product path above 25 rows, as torch); NumPy: scipy's cdist"),
    _loss("pdist", "embedding", _rows_one_pdist, _scipy_pdist, _np_pdist_bwd, args=("x",),
          bwd_kw=("output",), needs_scipy=True, rtol32=1e-3, shape=lambda s: (min(s[0], 512), s[1]),
          jax_fwd=_jax_pdist, note="NumPy: scipy's pdist; JAX: the row differences"),
    _loss("triplet_margin_with_distance_loss", "embedding", _triplets, _np_triplet,
          _np_triplet_bwd, args=("anchor", "positive", "negative"),
          grads=("anchor", "positive", "negative"), jax_fwd=_jax_triplet,
          note="default distance: pairwise_distance"),
    # rtol32: torch's float32 recursions round in float32 (its gradient ~1e-4 off the float64
    # one at T = 150; actloss's recursions run in double)
    _loss("ctc_loss", "sequence", _ctc_inputs, _np_ctc, _np_ctc_bwd, args=("x", "t", "il", "tl"),
          fused=True, shape=lambda s: (s[0], s[1], _CTC_CLASSES), rtol32=2e-3,
          note="T x N frames, C = 40, S = T / 5 padded targets; NumPy: logaddexp recursions"),
]
