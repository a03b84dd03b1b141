"""Float64 reference ("oracle") for the pointwise losses of actloss, forward and gradient.

Written the obvious way from the documented definitions (torch.nn.functional's docstrings
and Python source, torchvision's sigmoid_focal_loss) with NumPy and scipy.special, sharing
nothing with ``src/actloss`` (never import actloss here): a mistake would have to be made
twice, in two different ways, to go unnoticed.

Conventions
-----------
* Arrays are upcast to float64 first (exact for float16/float32, ints and bools), so the
  reference sees the very numbers the kernels see.
* ``<loss>_terms(...)`` is the per-element loss (already weighted) in the broadcast shape;
  ``<loss>_grad(...)`` is d(sum of terms)/d(first argument) per element of that shape (the
  gradient of reduction="sum" with grad_output 1, before any summing over broadcast
  dimensions). ``reduce(terms, reduction, divisor)`` applies a reduction rule.
* Stable textbook forms where the naive formula would make the reference the less accurate
  side: np.logaddexp for softplus, scipy.special.expit for sigmoids, xlogy for t log t.
"""
import math

import numpy as np
from scipy import special

from reference import expit

HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def f64(a):
    return np.asarray(a).astype(np.float64)


def reduce(terms, reduction, divisor=None):
    """'none': the terms; 'sum': their (pairwise float64) sum; 'mean': sum / divisor (the
    element count by default; 0/0 is NaN)."""
    if reduction == "none":
        return terms
    s = float(np.sum(terms, dtype=np.float64))
    if reduction == "sum":
        return s
    d = terms.size if divisor is None else divisor
    return s / d if d else (math.nan if s == 0 or math.isnan(s) else math.copysign(math.inf, s))


def _pair(x, t):
    x, t = f64(x), f64(t)
    return np.broadcast_arrays(x, t)


def softplus(z):
    """log(1 + e^z) without overflow."""
    return np.logaddexp(0.0, z)


# ---- regression ------------------------------------------------------------------------------

def mse_terms(x, t, weight=None):
    x, t = _pair(x, t)
    r = (x - t) ** 2
    return r if weight is None else r * f64(weight)


def mse_grad(x, t, weight=None):
    x, t = _pair(x, t)
    r = 2 * (x - t)
    return r if weight is None else r * f64(weight)


def l1_terms(x, t, weight=None):
    x, t = _pair(x, t)
    r = np.abs(x - t)
    return r if weight is None else r * f64(weight)


def l1_grad(x, t, weight=None):
    x, t = _pair(x, t)
    r = np.sign(x - t)
    r = np.where(np.isnan(r), 0.0, r)  # torch's l1 backward: 0 for NaN too
    return r if weight is None else r * f64(weight)


def smooth_l1_terms(x, t, beta=1.0):
    x, t = _pair(x, t)
    z = np.abs(x - t)
    if beta == 0:
        return z
    return np.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta)


def smooth_l1_grad(x, t, beta=1.0):
    x, t = _pair(x, t)
    d = x - t
    if beta == 0:
        return l1_grad(x, t)
    return np.clip(d / beta, -1.0, 1.0)


def huber_terms(x, t, delta=1.0, weight=None):
    x, t = _pair(x, t)
    z = np.abs(x - t)
    r = np.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta))
    return r if weight is None else r * f64(weight)


def huber_grad(x, t, delta=1.0, weight=None):
    x, t = _pair(x, t)
    r = np.clip(x - t, -delta, delta)
    return r if weight is None else r * f64(weight)


# ---- binary cross-entropy --------------------------------------------------------------------

def bce_terms(p, t, weight=None):
    p, t = f64(p), f64(t)
    with np.errstate(divide="ignore"):
        lp = np.maximum(np.log(p), -100.0)
        l1p = np.maximum(np.log1p(-p), -100.0)
    r = -(t * lp + (1 - t) * l1p)
    return r if weight is None else r * f64(weight)


def bce_grad(p, t, weight=None):
    """torch's formula (it ignores the -100 clamp): (p - t) / max(p (1 - p), float32(1e-12))."""
    p, t = f64(p), f64(t)
    eps = float(np.float32(1e-12))
    r = (p - t) / np.maximum(p * (1 - p), eps)
    return r if weight is None else r * f64(weight)


def bce_logits_terms(x, t, weight=None, pos_weight=None):
    """-(pw t log sigmoid(x) + (1 - t) log sigmoid(-x))
    = pw t softplus(-x) + (1 - t) softplus(x)."""
    x, t = f64(x), f64(t)
    pw = 1.0 if pos_weight is None else f64(pos_weight)
    r = pw * t * softplus(-x) + (1 - t) * softplus(x)
    return r if weight is None else r * f64(weight)


def bce_logits_grad(x, t, weight=None, pos_weight=None):
    x, t = f64(x), f64(t)
    pw = 1.0 if pos_weight is None else f64(pos_weight)
    r = -pw * t * expit(-x) + (1 - t) * expit(x)
    return r if weight is None else r * f64(weight)


# ---- kl_div, gaussian and poisson NLL --------------------------------------------------------

def kl_div_terms(x, t, log_target=False):
    x, t = _pair(x, t)
    if log_target:
        return np.exp(t) * (t - x)
    with np.errstate(invalid="ignore"):
        return special.xlogy(t, t) - t * x


def kl_div_grad(x, t, log_target=False):
    x, t = _pair(x, t)
    return -np.exp(t) if log_target else -t


def gaussian_var(x, var):
    """var as torch reshapes it: var[..., None] when it lacks input's last dimension."""
    x, v = f64(x), f64(var)
    if v.shape != x.shape and x.shape[:-1] == v.shape:
        v = v[..., None]
    return v


def gaussian_nll_terms(x, t, var, full=False, eps=1e-6):
    v = np.maximum(gaussian_var(x, var), eps)
    x, t = f64(x), f64(t)
    r = 0.5 * (np.log(v) + (x - t) ** 2 / v)
    return r + HALF_LOG_2PI if full else r


def gaussian_nll_grad(x, t, var, full=False, eps=1e-6):
    v = np.maximum(gaussian_var(x, var), eps)
    x, t = f64(x), f64(t)
    return np.broadcast_to((x - t) / v, np.broadcast_shapes(x.shape, t.shape, v.shape))


def gaussian_nll_grad_var(x, t, var, full=False, eps=1e-6):
    """d/dvar at the clamped value everywhere (torch clamps a clone under no_grad)."""
    v = np.maximum(gaussian_var(x, var), eps)
    x, t = f64(x), f64(t)
    return 0.5 / v - 0.5 * (x - t) ** 2 / v ** 2


def poisson_nll_terms(x, t, log_input=True, full=False, eps=1e-8):
    x, t = _pair(x, t)
    r = np.exp(x) - t * x if log_input else x - t * np.log(x + eps)
    if full:
        with np.errstate(divide="ignore", invalid="ignore"):
            st = t * np.log(t) - t + 0.5 * np.log(2 * math.pi * t)
        r = r + np.where(t > 1, st, 0.0)
    return r


def poisson_nll_grad(x, t, log_input=True, full=False, eps=1e-8):
    x, t = _pair(x, t)
    return np.exp(x) - t if log_input else 1 - t / (x + eps)


# ---- margin losses ---------------------------------------------------------------------------

def margin_ranking_terms(x1, x2, t, margin=0.0):
    x1, x2, t = np.broadcast_arrays(f64(x1), f64(x2), f64(t))
    return np.maximum(0.0, -t * (x1 - x2) + margin)


def margin_ranking_grads(x1, x2, t, margin=0.0):
    """(d/dx1, d/dx2); the boundary (value 0) passes the gradient, as torch's clamp_min."""
    x1, x2, t = np.broadcast_arrays(f64(x1), f64(x2), f64(t))
    active = (-t * (x1 - x2) + margin) >= 0
    return np.where(active, -t, 0.0), np.where(active, t, 0.0)


def hinge_embedding_terms(x, t, margin=1.0):
    x, t = _pair(x, t)
    return np.where(t != 1, np.maximum(0.0, margin - x), 0.0) + np.where(t != -1, x, 0.0)


def hinge_embedding_grad(x, t, margin=1.0):
    x, t = _pair(x, t)
    return (np.where((t != 1) & (margin - x >= 0), -1.0, 0.0)
            + np.where(t != -1, 1.0, 0.0))


def soft_margin_terms(x, t):
    x, t = _pair(x, t)
    return softplus(-t * x)


def soft_margin_grad(x, t):
    x, t = _pair(x, t)
    return -t * expit(-t * x)


def multilabel_soft_margin_rows(x, t, weight=None):
    """One loss per row: mean over the last (class) dimension."""
    x = f64(x)
    t = np.broadcast_to(f64(t), x.shape)
    e = -(t * special.log_expit(x) + (1 - t) * special.log_expit(-x))
    if weight is not None:
        e = e * f64(weight)
    return e.sum(axis=-1) / x.shape[-1]


def multilabel_soft_margin_grad(x, t, weight=None, grad_rows=None):
    """d(sum of rows weighted by grad_rows)/dx."""
    x = f64(x)
    t = np.broadcast_to(f64(t), x.shape)
    g = (1 - t) * expit(x) - t * expit(-x)
    if weight is not None:
        g = g * f64(weight)
    gr = np.ones(x.shape[:-1]) if grad_rows is None else f64(grad_rows)
    return g * gr[..., None] / x.shape[-1]


# ---- sigmoid focal loss (torchvision) --------------------------------------------------------

def _focal_parts(x, t, alpha, gamma):
    x, t = f64(x), f64(t)
    p, pc = expit(x), expit(-x)
    ce = t * softplus(-x) + (1 - t) * softplus(x)
    q = t * pc + (1 - t) * p                           # 1 - p_t, without cancellation
    at = alpha * t + (1 - alpha) * (1 - t) if alpha >= 0 else np.ones_like(x)
    return x, t, p, pc, ce, q, at


def sigmoid_focal_terms(x, t, alpha=0.25, gamma=2.0):
    x, t, p, pc, ce, q, at = _focal_parts(x, t, alpha, gamma)
    return at * ce * q ** gamma


def sigmoid_focal_grad(x, t, alpha=0.25, gamma=2.0):
    x, t, p, pc, ce, q, at = _focal_parts(x, t, alpha, gamma)
    dq = (1 - 2 * t) * p * pc
    # where dq underflows to 0 (|x| > 745, and +-inf) ce may be huge or inf: the product's
    # limit is 0 (ce ~ |x|, dq ~ e^-|x|)
    second = 0.0 if gamma == 0 else np.where(dq == 0, 0.0, ce * gamma * q ** (gamma - 1) * dq)
    # p - t as (1 - t) p - t (1 - p): no cancellation where p is near t
    return at * (((1 - t) * p - t * pc) * q ** gamma + second)


# ---- hinge, squared hinge, log-cosh, pinball (optax / Keras / sklearn definitions) -----------

def hinge_terms(x, t):
    x, t = _pair(x, t)
    return np.maximum(0.0, 1.0 - t * x)


def hinge_grad(x, t):
    """-t where 1 - t x >= 0 (torch's clamp_min passes the kink), else 0; NaN stays NaN."""
    x, t = _pair(x, t)
    v = 1.0 - t * x
    return np.where(np.isnan(v), np.nan, np.where(v >= 0, -t, 0.0))


def squared_hinge_terms(x, t):
    return hinge_terms(x, t) ** 2


def squared_hinge_grad(x, t):
    x, t = _pair(x, t)
    return -2.0 * t * np.maximum(0.0, 1.0 - t * x)


def log_cosh_terms(x, t):
    """log(cosh(d)) = |d| + log1p(exp(-2|d|)) - log 2, and for |d| < 0.5 the series-free form
    log1p(sinh(d/2)^2 * 2) (cosh d = 1 + 2 sinh^2(d/2)), each accurate where it is used."""
    x, t = _pair(x, t)
    d = np.abs(x - t)
    with np.errstate(over="ignore", invalid="ignore"):
        small = np.log1p(2.0 * np.sinh(d / 2) ** 2)
        large = d + np.log1p(np.exp(-2.0 * d)) - math.log(2.0)
    return np.where(d < 0.5, small, large)


def log_cosh_grad(x, t):
    x, t = _pair(x, t)
    return np.tanh(x - t)


def pinball_terms(x, t, quantile=0.5):
    """sklearn's mean_pinball_loss per element: d = t - x, tau d if d >= 0 else (tau - 1) d."""
    x, t = _pair(x, t)
    d = t - x
    return np.where(d >= 0, quantile * d, (quantile - 1.0) * d)


def pinball_grad(x, t, quantile=0.5):
    """-tau above the kink, 1 - tau below, their mean at it; NaN stays NaN."""
    x, t = _pair(x, t)
    d = t - x
    return np.where(np.isnan(d), np.nan,
                    np.where(d > 0, -quantile, np.where(d < 0, 1.0 - quantile, 0.5 - quantile)))
