"""Float64 reference ("oracle") for the softmax family and the class-index losses of actloss.

Written the obvious way from torch's documented definitions (torch.nn.functional.softmax,
log_softmax, softmin, nll_loss, cross_entropy, and ATen's LossNLL.cpp for the reduction
rules), with NumPy and scipy.special, sharing nothing with ``src/actloss`` (never import
actloss here). Gradients are formed by the chain rule through log_softmax (dL/dx = gl -
softmax * sum(gl), gl = dL/dlog_softmax), not by the closed forms the kernels use, so a
mistake would have to be made twice, in two different ways, to go unnoticed.

Conventions
-----------
* Every function upcasts its arrays to float64 first (exact for float16/float32/ints), so the
  reference sees the very numbers the kernel sees, and returns float64 (a Python float for a
  reduced loss).
* ``dim`` may be negative; a 0-d input is one row of one element.
* Class-index losses accept input (N, C), (N, C, d1, ..., dk) or (C,) with target (N,),
  (N, d1, ..., dk) or (); internally the class axis is moved last and the rest flattened
  to rows.
* Special values: the max shift gives NaN for a row holding NaN, +inf (inf - inf) or only
  -inf, as torch does; a -inf entry of an otherwise finite row has probability 0.
"""
import math

import numpy as np
from scipy import special


def as_f64(x):
    """The input as a float64 ndarray (exact for float16/float32, ints and bools)."""
    return np.asarray(x).astype(np.float64)


# ---- softmax family ------------------------------------------------------------------------

def _rows_last(x, dim):
    """(z with the softmax axis moved last (0-d -> shape (1,)), function undoing that)."""
    x = as_f64(x)
    if x.ndim == 0:
        return x.reshape(1), lambda y: y.reshape(())
    d = dim % x.ndim
    return np.moveaxis(x, d, -1), lambda y: np.moveaxis(y, -1, d)


def log_softmax_last(z):
    """log_softmax over the last axis of float64 z, accurate at the row maximum.

    log_softmax_i = (z_i - m) - log(1 + S), S the sum of exp(z_j - m) over the entries other
    than one maximum: with log1p the maximum's value -log1p(S) keeps full relative accuracy
    when S is below eps (log(sum) would round to 0). With m = +inf or NaN the shift gives NaN.
    """
    if z.shape[-1] == 0:
        return z.copy()
    with np.errstate(invalid="ignore", over="ignore"):
        m = np.max(z, axis=-1, keepdims=True)
        e = np.exp(z - m)
        # remove one copy of exp(0) = 1 (the arg-max) from each row's sum
        arg = np.argmax(np.where(np.isnan(z), -np.inf, z), axis=-1)[..., None]
        np.put_along_axis(e, arg, 0.0, axis=-1)
        s = e.sum(axis=-1, keepdims=True)
        s = np.where(np.isfinite(m), s, np.nan)  # all -inf or +inf: NaN (inf - inf), as torch
        return (z - m) - np.log1p(s)


def softmax(x, dim=-1, temperature=1.0):
    """exp(x_i / T) / sum_j exp(x_j / T) along dim (the max-shifted form)."""
    z, back = _rows_last(x, dim)
    z = z / temperature
    if z.shape[-1] == 0:
        return back(z.copy())
    with np.errstate(invalid="ignore", over="ignore"):
        m = np.max(z, axis=-1, keepdims=True)
        e = np.exp(z - m)
        y = e / e.sum(axis=-1, keepdims=True)
        y = np.where(np.isfinite(m), y, np.nan)
    return back(y)


def log_softmax(x, dim=-1, temperature=1.0):
    """x_i / T - logsumexp_j(x_j / T) along dim."""
    z, back = _rows_last(x, dim)
    return back(log_softmax_last(z / temperature))


def softmin(x, dim=-1, temperature=1.0):
    """softmax(-x / T) along dim."""
    return softmax(-as_f64(x), dim, temperature)


def softmax_backward(grad_output, x, dim=-1, temperature=1.0):
    """d/dx of sum(g * softmax(x / T)): y (g - sum(g y)) / T along dim (Jacobian-vector)."""
    y, back = _rows_last(softmax(x, dim, temperature), dim)
    g, _ = _rows_last(grad_output, dim)
    return back(y * (g - (g * y).sum(axis=-1, keepdims=True)) / temperature)


def log_softmax_backward(grad_output, x, dim=-1, temperature=1.0):
    """d/dx of sum(g * log_softmax(x / T)): (g - softmax sum(g)) / T along dim."""
    p, back = _rows_last(softmax(x, dim, temperature), dim)
    g, _ = _rows_last(grad_output, dim)
    return back((g - p * g.sum(axis=-1, keepdims=True)) / temperature)


def softmin_backward(grad_output, x, dim=-1, temperature=1.0):
    """softmin(x) = softmax(-x): the softmax gradient at -x, times -1."""
    return -softmax_backward(grad_output, -as_f64(x), dim, temperature)


# ---- class-index losses ----------------------------------------------------------------------

def class_rows(x):
    """Logits/log-probs as (R, C) rows and the loss shape: the class axis is 1 (0 for (C,))."""
    x = as_f64(x)
    if x.ndim == 1:
        return x.reshape(1, -1), ()
    rows = np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])
    return rows, (x.shape[0],) + x.shape[2:]


def unrows(g_rows, shape):
    """Inverse of _class_rows for an (R, C) gradient."""
    if len(shape) == 1:
        return g_rows.reshape(shape)
    moved = g_rows.reshape((shape[0],) + shape[2:] + (shape[1],))
    return np.moveaxis(moved, -1, 1)


def _weights(weight, n_classes):
    return np.ones(n_classes) if weight is None else as_f64(weight)


def _class_targets(target, n_rows):
    return np.asarray(target).astype(np.int64).reshape(n_rows)


def _reduce(loss_rows, loss_shape, reduction, denominator):
    if reduction == "none":
        return loss_rows.reshape(loss_shape)
    total = float(np.sum(loss_rows))  # pairwise summation in float64
    if reduction == "sum":
        return total
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.float64(total) / np.float64(denominator))


def _row_scale(grad_output, loss_shape, reduction, denominator, n_rows):
    """dL/dloss_r for every row: grad_output (an array for 'none'), / denominator for mean."""
    if reduction == "none":
        return np.broadcast_to(as_f64(grad_output), loss_shape).reshape(n_rows)
    g = float(as_f64(grad_output))
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            g = float(np.float64(g) / np.float64(denominator))
    return np.full(n_rows, g)


def _kept_weight(target, w, ignore_index):
    kept = target != ignore_index
    return kept, float(np.sum(w[target[kept]]))


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """loss_r = -w[t_r] input[r, t_r] (0 where t_r == ignore_index); mean = sum / sum of
    w[t_r] over the rows not ignored (NaN when there are none)."""
    x, loss_shape = class_rows(input)
    n_rows, n_classes = x.shape
    w = _weights(weight, n_classes)
    t = _class_targets(target, n_rows)
    kept, den = _kept_weight(t, w, ignore_index)
    loss = np.zeros(n_rows)
    r = np.flatnonzero(kept)
    loss[r] = -w[t[r]] * x[r, t[r]]
    return _reduce(loss, loss_shape, reduction, den)


def nll_loss_backward(grad_output, input, target, weight=None, ignore_index=-100,
                      reduction="mean"):
    """-w[t_r] * g_r at each kept row's target, 0 elsewhere."""
    x, loss_shape = class_rows(input)
    n_rows, n_classes = x.shape
    w = _weights(weight, n_classes)
    t = _class_targets(target, n_rows)
    kept, den = _kept_weight(t, w, ignore_index)
    g = _row_scale(grad_output, loss_shape, reduction, den, n_rows)
    gx = np.zeros_like(x)
    r = np.flatnonzero(kept)
    gx[r, t[r]] = -w[t[r]] * g[r]
    return unrows(gx, np.shape(input))


def _ce_class_dlogp(t, w, n_classes, eps, kept):
    """dloss_r / dlog_softmax_c for class targets with label smoothing (torch's definition:
    (1 - eps) * nll_loss + eps / C * sum_c -w_c log_softmax_c), zero on ignored rows."""
    n_rows = t.size
    d = np.zeros((n_rows, n_classes))
    r = np.flatnonzero(kept)
    d[r, t[r]] -= (1.0 - eps) * w[t[r]]
    if eps > 0:  # (eps 0 times an infinite weight would be NaN)
        d[r, :] -= eps / n_classes * w[None, :]
    return d


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """torch.nn.functional.cross_entropy for class-index or probability targets.

    Class indices: loss_r = (1 - eps) w_t (-logp_t) + eps / C sum_c w_c (-logp_c), 0 on
    ignored rows; mean divides by sum of w_t over rows not ignored (ATen
    cross_entropy_loss_label_smoothing normalises the smoothing term the same way).
    Probabilities q (input's shape): q' = (1 - eps) q + eps / C, loss_r = sum_c w_c q'_c
    (-logp_c); mean divides by the number of rows (NaN for none).
    """
    if np.shape(target) == np.shape(input) and np.asarray(target).dtype.kind == "f":
        return _cross_entropy_prob(input, target, weight, reduction, label_smoothing)
    x, loss_shape = class_rows(input)
    n_rows, n_classes = x.shape
    logp = log_softmax_last(x)
    w = _weights(weight, n_classes)
    t = _class_targets(target, n_rows)
    kept, den = _kept_weight(t, w, ignore_index)
    # the terms torch forms: the target's w_t logp_t (even for w_t = 0: 0 * NaN is NaN) and,
    # with smoothing, every class's w_c logp_c; ignored rows are 0 whatever their logp
    target_only = np.arange(n_classes)[None, :] == np.where(kept, t, -1)[:, None]
    nll = (1.0 - label_smoothing) * _ce_class_dlogp(t, w, n_classes, 0.0, kept)

    def rows(d, terms):
        with np.errstate(invalid="ignore"):
            return np.where(kept, np.sum(np.where(terms, d * logp, 0.0), axis=-1), 0.0)
    loss_nll = rows(nll, target_only)
    if label_smoothing == 0:
        return _reduce(loss_nll, loss_shape, reduction, den)
    with np.errstate(invalid="ignore"):  # (kept rows only: an ignored row's 0 * inf is no term)
        smooth = np.where(kept[:, None], -(label_smoothing / n_classes) * w[None, :], 0.0)
    loss_smooth = rows(smooth, kept[:, None])
    if reduction == "mean":
        # torch divides the NLL and smoothing parts apart: with every kept weight 0, the NLL
        # part's 0 / 0 makes the mean NaN, not the smoothing part's inf
        return _reduce(loss_nll, loss_shape, reduction, den) + \
            _reduce(loss_smooth, loss_shape, reduction, den)
    return _reduce(loss_nll + loss_smooth, loss_shape, reduction, den)


def cross_entropy_backward(grad_output, input, target, weight=None, ignore_index=-100,
                           reduction="mean", label_smoothing=0.0):
    """Chain rule through log_softmax: gx = gl - softmax * sum(gl), gl = g_r dloss_r/dlogp."""
    if np.shape(target) == np.shape(input) and np.asarray(target).dtype.kind == "f":
        return _cross_entropy_prob_backward(grad_output, input, target, weight, reduction,
                                            label_smoothing)
    x, loss_shape = class_rows(input)
    n_rows, n_classes = x.shape
    w = _weights(weight, n_classes)
    t = _class_targets(target, n_rows)
    kept, den = _kept_weight(t, w, ignore_index)
    g = _row_scale(grad_output, loss_shape, reduction, den, n_rows)
    eps = label_smoothing
    with np.errstate(invalid="ignore"):  # all ignored: g = NaN (0 / 0) on rows masked below
        p = np.exp(log_softmax_last(x))
        # d loss_r / d x_j = (1 - eps) w_t (p_j - [j == t]) + eps / C (W p_j - w_j), W = sum w:
        # an infinite w_t gives -inf at the target (torch's chain rule through log_softmax,
        # gl - p sum(gl), makes that inf - inf = NaN)
        wt = w[np.where(kept, t, 0)][:, None]
        onehot = np.arange(n_classes)[None, :] == t[:, None]
        d = (1.0 - eps) * wt * (p - onehot)
        if eps > 0:
            d = d + eps / n_classes * (w.sum() * p - w[None, :])
        gx = np.where(kept[:, None], g[:, None] * d, 0.0)
        if reduction == "mean" and den == 0:
            # every kept weight 0: torch's NLL part, 0 / 0, makes every kept row's gradient
            # NaN, whatever the smoothing part's (W p - w) / 0 is
            gx = np.where(kept[:, None], np.nan, np.zeros_like(gx))
    return unrows(gx, np.shape(input))


def _prob_rows(input, target, weight, label_smoothing):
    x, loss_shape = class_rows(input)
    q, _ = class_rows(target)
    n_classes = x.shape[1]
    q = (1.0 - label_smoothing) * q + label_smoothing / n_classes
    w = _weights(weight, n_classes)
    return x, loss_shape, -w[None, :] * q


def _cross_entropy_prob(input, target, weight, reduction, label_smoothing):
    x, loss_shape, dl = _prob_rows(input, target, weight, label_smoothing)
    loss = np.sum(dl * log_softmax_last(x), axis=-1)
    return _reduce(loss, loss_shape, reduction, x.shape[0])


def _fsum(row):
    """math.fsum, or the IEEE sum where the row is not finite (fsum raises on inf + -inf,
    whose IEEE sum is NaN)."""
    if np.all(np.isfinite(row)):
        return math.fsum(row)
    with np.errstate(invalid="ignore"):
        return float(np.sum(row))


def _cross_entropy_prob_backward(grad_output, input, target, weight, reduction,
                                 label_smoothing):
    x, loss_shape, dl = _prob_rows(input, target, weight, label_smoothing)
    g = _row_scale(grad_output, loss_shape, reduction, x.shape[0], x.shape[0])
    # d loss / d x_j = p_j sum(w q) - w_j q_j, g applied last: the chain rule's form,
    # g (-w q) - p sum(g (-w q)), rounds g w_j q_j before summing, which costs several eps
    # where the targets cancel (a negative target; found by the long fuzz run). fsum: the
    # row sum correctly rounded.
    sum_wq = np.array([_fsum(row) for row in -dl])[:, None]
    p = np.exp(log_softmax_last(x))
    with np.errstate(invalid="ignore"):  # inf weights: inf - inf as in the kernels
        return unrows(g[:, None] * (p * sum_wq + dl), np.shape(input))


def logsumexp_rows(input):
    """scipy's logsumexp over the class axis: a cross-check of the reference itself."""
    x, _ = class_rows(input)
    return special.logsumexp(x, axis=-1)
