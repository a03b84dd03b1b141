"""Pointwise losses and their gradients, with torch.nn.functional's signatures.

One loss term per element (or per row, for multilabel_soft_margin_loss), weighted, then
reduced: the terms are the rows of ``_ops.POINTWISE_LOSSES``, their math is in
``_kernels/al_losses.h.tp`` and the loops in ``_kernels/_pointwise_loss.pyx.tp``. This module
only checks arguments, applies torch's shape rules (broadcasting where torch broadcasts),
settles dtypes, makes one kernel call and applies the reduction rule.

Common rules (torch.nn.functional's, on NumPy):

* ``reduction="none"`` returns an ndarray of the loss's shape and the result dtype; ``"mean"``
  and ``"sum"`` return a NumPy scalar of the result dtype. The kernels reduce in double, in
  fixed chunks added in order, so results do not depend on the thread count. An empty
  ``"mean"`` is NaN (0/0, as torch) and an empty ``"sum"`` is 0.
* dtypes: float32/float64 computed natively, float16 computed in float32; integer and bool
  arrays count as float64 and mixed dtypes promote as ``np.result_type`` does; complex,
  object and string inputs raise TypeError. Python scalars (gaussian_nll_loss's ``var``) take
  the arrays' dtype.
* ``<loss>_backward(grad_output, <the loss's arguments>)`` returns the gradient with respect
  to the first argument, in that argument's dtype and shape (summed over the dimensions it
  was broadcast along, as autograd does); ``grad_output`` is a scalar for a reduced loss and
  an array of the loss's shape for ``reduction="none"``.
"""
import math
import numbers

import numpy as np

from . import _dask, _dispatch, _ops, _threads
from ._validate import (KERNEL_INDEX, as_array, bool_option, check_reduction, distinct_part,
                        finish_loss, kernel_array, loss_grad_seed, narrow, promoted_dtype,
                        real_param, result_dtype, scalar_float, to_scalar, warn_caller)

# <generated: pointwise_losses.__all__>
__all__ = ["mse_loss", "mse_loss_backward", "mse_loss_with_grad", "l1_loss",
           "l1_loss_backward", "l1_loss_with_grad", "smooth_l1_loss",
           "smooth_l1_loss_backward", "smooth_l1_loss_with_grad", "huber_loss",
           "huber_loss_backward", "huber_loss_with_grad", "binary_cross_entropy",
           "binary_cross_entropy_backward", "binary_cross_entropy_with_grad",
           "binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits_backward",
           "binary_cross_entropy_with_logits_with_grad", "kl_div", "kl_div_backward",
           "gaussian_nll_loss", "gaussian_nll_loss_backward", "poisson_nll_loss",
           "poisson_nll_loss_backward", "margin_ranking_loss", "margin_ranking_loss_backward",
           "hinge_embedding_loss", "hinge_embedding_loss_backward", "soft_margin_loss",
           "soft_margin_loss_backward", "multilabel_soft_margin_loss",
           "multilabel_soft_margin_loss_backward", "sigmoid_focal_loss",
           "sigmoid_focal_loss_backward", "sigmoid_focal_loss_with_grad", "hinge_loss",
           "hinge_loss_backward", "hinge_loss_with_grad", "squared_hinge_loss",
           "squared_hinge_loss_backward", "squared_hinge_loss_with_grad", "log_cosh_loss",
           "log_cosh_loss_backward", "log_cosh_loss_with_grad", "pinball_loss",
           "pinball_loss_backward", "pinball_loss_with_grad", "quantile_loss",
           "quantile_loss_backward", "binary_focal_loss", "binary_focal_loss_backward",
           "binary_focal_loss_with_grad"]
# </generated: pointwise_losses.__all__>

_ROW = {row.name: row for row in _ops.POINTWISE_LOSSES}
_TERM = {row.name: i for i, row in enumerate(_ops.POINTWISE_LOSSES)}


def _kernels():
    """The _pointwise_loss kernel module (loaded on first use, then cached)."""
    return _dispatch.kernels("_pointwise_loss")


# ---- argument helpers ------------------------------------------------------------------------

def _broadcast(*named_shapes):
    """The broadcast shape of (name, shape) pairs, or a ValueError naming all of them."""
    first = named_shapes[0][1]
    if all(s == first for _, s in named_shapes):  # the common case, without NumPy's cost
        return first
    try:
        return np.broadcast_shapes(*(s for _, s in named_shapes))
    except ValueError:
        desc = ", ".join(f"{n} {s}" for n, s in named_shapes)
        raise ValueError(f"shapes do not broadcast together: {desc}") from None


def _same_shape(x, t, xname="input", tname="target"):
    if x.shape != t.shape:
        raise ValueError(f"{tname} size {t.shape} must be the same as {xname} size {x.shape}")


def _broadcasts_to(a, shape, name, xname="input"):
    """a must broadcast to exactly `shape` (the input's): torch writes the loss in its shape."""
    try:
        ok = np.broadcast_shapes(a.shape, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{name} of shape {a.shape} does not broadcast to the {xname} shape "
                         f"{shape}")


def _operand(a, shape, k):
    """a broadcast to shape, as a C-contiguous array of dtype k (no copy when it already is)."""
    if a.dtype == k and a.shape == shape and a.flags.c_contiguous and a.flags.aligned:
        return a
    if a.shape != shape:
        a = np.broadcast_to(a, shape)
    return kernel_array(a, dtype=k)


def _dtypes(*named, aux=()):
    """(result dtype, kernel dtype) of (array, name) pairs and of the targets and weights in
    `aux` (whose integer and bool dtypes do not promote): promoted_dtype, with a fast path for
    arrays that all have one kernel dtype."""
    d = named[0][0].dtype
    if d in KERNEL_INDEX and all(a.dtype == d for a, _ in named + aux):
        return d, d
    return promoted_dtype(*named, aux=aux)


def _grad_dtype(a, name):
    """dtype of the gradient with respect to a: a's own float dtype (as autograd returns it)."""
    return result_dtype(a.dtype, name)[0]


def _sum_to(g, shape, dtype):
    """g summed (in double) over the dimensions along which an operand of `shape` was
    broadcast to g.shape, as autograd reduces a broadcast operand's gradient."""
    if g.shape != shape:
        lead = g.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                          if s == 1 and g.shape[lead + i] != 1)
        with np.errstate(all="ignore"):  # inf + -inf is NaN, whatever the caller's np.seterr
            g = np.sum(g, axis=axes, dtype=np.float64).reshape(shape)
    return narrow(g, dtype)


def _repeated(shape, operands, axes=None):
    """(the operands (None kept) broadcast to shape and cut to one slice, how many times the
    slice repeats) when every operand is broadcast (has stride 0) along some of the first
    `axes` axes of shape (all by default), else None. A reduced loss is then the slice's sum
    times the count: a broadcast view of any size is read without being copied out in full."""
    views = [None if v is None else np.broadcast_to(v, shape) for v in operands]
    rep = [i for i, n in enumerate(shape[:axes])
           if n > 1 and all(v is None or v.strides[i] == 0 for v in views)]
    if not rep:
        return None
    cut = tuple(slice(0, 1) if i in rep else slice(None) for i in range(len(shape)))
    return [None if v is None else v[cut] for v in views], math.prod(shape[i] for i in rep)


class _Prep:
    """What a loss and its backward share: the kernel row, the loss shape, dtypes, the
    operands (x, t, a, w; made kernel arrays of the loss shape when a kernel first needs
    them), parameters, flags and the divisor of "mean"."""
    __slots__ = ("term", "shape", "res", "k", "raw", "arrays", "params", "flags",
                 "divisor", "n")

    def __init__(self, term, shape, res, k, x, t, a=None, w=None, params=(), flags=0,
                 divisor=None):
        self.term, self.shape, self.res, self.k = term, shape, res, k
        self.n = math.prod(shape)
        self.raw, self.arrays = (x, t, a, w), None
        # torch converts scalar parameters to the computing dtype: so do we (beta = 0.7 is
        # float32(0.7) for float32 input, so kinks sit where torch has them)
        self.flags = flags
        if params:
            self.params = tuple(float(to_scalar(p, k)) for p in params) + (0.0,) * (3 - len(params))
            if term == "smooth_l1" and self.params[0] == 0:  # a beta that rounds to 0 is l1
                self.term, self.flags = "l1", 0
        else:
            self.params = (0.0, 0.0, 0.0)
        self.divisor = self.n if divisor is None else divisor

    def operands(self):
        """x, t, a, w (a, w None when absent) broadcast to the loss shape as kernel arrays."""
        if self.arrays is None:
            self.arrays = tuple(None if v is None else _operand(v, self.shape, self.k)
                                for v in self.raw)
        return self.arrays

    def args(self):
        """(term, dt, has weight, has third operand, flags) of the kernel calls."""
        return (_TERM[self.term], KERNEL_INDEX[self.k], self.raw[3] is not None,
                self.raw[2] is not None, self.flags)

    def threads(self, n=None):
        return _threads.threads_for(self.n if n is None else n, _ROW[self.term].cheap)

    def repeated_slice(self):
        """(kernel operands of one slice, how many times it repeats), or None: see _repeated."""
        x = self.raw[0]
        if x.shape == self.shape and 0 not in x.strides:  # the input repeats nothing
            return None
        rep = _repeated(self.shape, self.raw)
        if rep is None:
            return None
        part, count = rep
        return tuple(None if v is None else _operand(v, part[0].shape, self.k)
                     for v in part), count


def _flags(term, **values):
    """The flag bit set of a row from its named options."""
    return sum(1 << i for i, name in enumerate(_ROW[term].flags) if values[name])


def _forward(P, reduction):
    """Run the loss: the per-element array ("none") or the reduced NumPy scalar."""
    K = _kernels()
    if reduction == "none":
        y = np.empty(P.shape, P.k)
        if P.n:
            K.fwd(0, *P.args(), *P.operands(), y, *P.params, P.threads())
        return narrow(y, P.res)
    if not P.n:
        return finish_loss(reduction, 0.0, P.divisor, P.res)
    s = _repeated_total(P)
    if s is None:
        s = K.fwd(1, *P.args(), *P.operands(), None, *P.params, P.threads())
    return finish_loss(reduction, s, P.divisor, P.res)


def _repeated_total(P):
    """The reduced loss's double total from one repeated slice (see _repeated), or None."""
    repeated = P.repeated_slice()
    if repeated is None:
        return None
    part, count = repeated
    return _kernels().fwd(1, *P.args(), *part, None, *P.params, P.threads(part[0].size)) * count


def _backward(P, grad_output, reduction, grad2=False):
    """(dL/dx, dL/da or None) over the loss shape, in the kernel dtype. A scalar grad_output of
    "none" stays the scalar the kernels multiply by, as for the reductions and in _fused."""
    g, c = loss_grad_seed(grad_output, reduction, P.shape, P.divisor, P.k, scalar_none=True)
    gx = np.empty(P.shape, P.k)
    ga = np.empty(P.shape, P.k) if grad2 else None
    if P.n:
        _kernels().bwd(*P.args(), g, c, *P.operands(), gx, ga, *P.params, P.threads())
    return gx, ga


_CUTOFF = {True: _threads.SERIAL_CUTOFF_CHEAP, False: _threads.SERIAL_CUTOFF_TRANSCENDENTAL}
_MEAN_FLAG = {"mean": 1, "sum": 0, "none": -1, "batchmean": 2}  # Kernels.common's `mean`


def _common(term, input, target, reduction, grad_output=None, params=(), flags=0,
            unit_interval=False, fused=False):
    """The common call, all in C (Kernels.common): input and target plain float32/float64
    ndarrays of one dtype and shape, no weight, "mean", "sum" or kl_div's "batchmean" (or
    "none" for the forward), a Python float grad_output if any. The loss (a NumPy scalar, or
    the per-element array) or its gradient -- with `fused`, (loss, gradient) from the fused
    loop -- bit for bit the general path's; None for anything else, which the general path
    then handles."""
    mean = _MEAN_FLAG.get(reduction)
    if mean is None or type(input) is not np.ndarray:
        return None
    if grad_output is not None:
        grad_output = scalar_float(grad_output)
        if grad_output is None:
            return None
    p = [float(to_scalar(v, input.dtype)) for v in params] + [0.0, 0.0]  # as _Prep converts them
    if term == "smooth_l1" and p[0] == 0:  # a beta that rounds to 0 is l1, as in _Prep
        term, flags = "l1", 0
    r = _kernels().common(_TERM[term], flags, input, target, mean, p[0], p[1],
                          _CUTOFF[_ROW[term].cheap], _threads.large_call_threads, grad_output,
                          unit_interval, fused)
    if r is None or (grad_output is not None and not fused) or mean < 0:
        return r
    return (to_scalar(r[0], input.dtype), r[1]) if fused else to_scalar(r, input.dtype)


def _arrays(*named):
    """as_array for (value, name) pairs."""
    return [as_array(v, n) for v, n in named]


# ---- regression losses: mse, l1, smooth_l1, huber ---------------------------------------------

def _regression(term, input, target, weight, params=(), weighted_mean=True, flags=0):
    """Prep of mse/l1/smooth_l1/huber: input and target broadcast (torch warns, then
    broadcasts); a weight must have the input's shape and is broadcast with it."""
    x, t = _arrays((input, "input"), (target, "target"))
    aux = ((t, "target"),)
    w = None
    if weight is not None:
        w = as_array(weight, "weight")
        aux += ((w, "weight"),)
    res, k = _dtypes((x, "input"), aux=aux)
    shape = x.shape
    if t.shape != x.shape:
        shape = _broadcast(("input", x.shape), ("target", t.shape))
        warn_caller(f"Using a target size ({t.shape}) that is different to the input size "
                    f"({x.shape}). This will likely lead to incorrect results due to "
                    f"broadcasting. Please ensure they have the same size.")
    divisor = None
    if w is not None:
        if w.shape != x.shape:
            raise ValueError(f"weight and input must have the same size: weight {w.shape}, "
                             f"input {x.shape}")
        if weighted_mean:
            part, repeats = distinct_part(w)
            with np.errstate(all="ignore"):  # as _sum_to
                divisor = float(np.sum(part, dtype=np.float64)) * repeats
    return x, _Prep(term, shape, res, k, x, t, w=w, params=params, flags=flags,
                    divisor=divisor)


def _regression_grad(x, P, grad_output, reduction):
    gx, _ = _backward(P, grad_output, reduction)
    return _sum_to(gx, x.shape, _grad_dtype(x, "input"))


def _mse_loss(input, target, reduction, weight):
    r = None if weight is not None else _common("mse", input, target, reduction)
    if r is not None:
        return r
    _, P = _regression("mse", input, target, weight)
    return _forward(P, reduction)


def _mse_loss_backward(grad_output, input, target, reduction, weight):
    r = None if weight is not None else _common("mse", input, target, reduction, grad_output)
    if r is not None:
        return r
    x, P = _regression("mse", input, target, weight)
    return _regression_grad(x, P, grad_output, reduction)


def _mse_loss_with_grad(input, target, reduction, weight, grad_output):
    r = None if weight is not None else _common("mse", input, target, reduction, grad_output,
                                                fused=True)
    if r is not None:
        return r
    x, P = _regression("mse", input, target, weight)
    return _fused(x, P, reduction, grad_output)


def _l1_loss(input, target, reduction, weight):
    r = None if weight is not None else _common("l1", input, target, reduction)
    if r is not None:
        return r
    _, P = _regression("l1", input, target, weight)
    return _forward(P, reduction)


def _l1_loss_backward(grad_output, input, target, reduction, weight):
    r = None if weight is not None else _common("l1", input, target, reduction, grad_output)
    if r is not None:
        return r
    x, P = _regression("l1", input, target, weight)
    return _regression_grad(x, P, grad_output, reduction)


def _l1_loss_with_grad(input, target, reduction, weight, grad_output):
    r = None if weight is not None else _common("l1", input, target, reduction, grad_output,
                                                fused=True)
    if r is not None:
        return r
    x, P = _regression("l1", input, target, weight)
    return _fused(x, P, reduction, grad_output)


def _beta(beta):
    b = real_param(beta, "beta")
    if not b >= 0:
        raise ValueError(f"beta must be >= 0 (smooth_l1_loss does not support negative values "
                         f"for beta), got {b}")
    return b


def _smooth_l1(input, target, beta):
    """beta = 0 is l1_loss, as torch dispatches it; a subnormal-range beta takes the loop that
    scales before dividing (flag tiny_beta)."""
    if beta == 0:
        return _regression("l1", input, target, None)
    return _regression("smooth_l1", input, target, None, (beta,), flags=_smooth_l1_flags(beta))


def _smooth_l1_flags(beta):
    return _flags("smooth_l1", tiny_beta=beta < 2.0 ** -960)


def _smooth_l1_loss(input, target, reduction, beta):
    b = _beta(beta)
    r = _common("smooth_l1", input, target, reduction, None, (b,), _smooth_l1_flags(b))
    if r is not None:
        return r
    _, P = _smooth_l1(input, target, b)
    return _forward(P, reduction)


def _smooth_l1_loss_backward(grad_output, input, target, reduction, beta):
    b = _beta(beta)
    r = _common("smooth_l1", input, target, reduction, grad_output, (b,), _smooth_l1_flags(b))
    if r is not None:
        return r
    x, P = _smooth_l1(input, target, b)
    return _regression_grad(x, P, grad_output, reduction)


def _smooth_l1_loss_with_grad(input, target, reduction, beta, grad_output):
    b = _beta(beta)
    r = _common("smooth_l1", input, target, reduction, grad_output, (b,), _smooth_l1_flags(b),
                fused=True)
    if r is not None:
        return r
    x, P = _smooth_l1(input, target, b)
    return _fused(x, P, reduction, grad_output)


def _delta(delta):
    d = real_param(delta, "delta")
    if not d > 0:
        raise ValueError(f"delta must be > 0 (huber_loss does not support non-positive values "
                         f"for delta), got {d}")
    return d


def _huber_loss(input, target, reduction, delta, weight):
    r = None if weight is not None else _common("huber", input, target, reduction, None,
                                                (_delta(delta),))
    if r is not None:
        return r
    _, P = _regression("huber", input, target, weight, (_delta(delta),), weighted_mean=False)
    return _forward(P, reduction)


def _huber_loss_backward(grad_output, input, target, reduction, delta, weight):
    r = None if weight is not None else _common("huber", input, target, reduction, grad_output,
                                                (_delta(delta),))
    if r is not None:
        return r
    x, P = _regression("huber", input, target, weight, (_delta(delta),), weighted_mean=False)
    return _regression_grad(x, P, grad_output, reduction)


def _huber_loss_with_grad(input, target, reduction, delta, weight, grad_output):
    r = None if weight is not None else _common("huber", input, target, reduction, grad_output,
                                                (_delta(delta),), fused=True)
    if r is not None:
        return r
    x, P = _regression("huber", input, target, weight, (_delta(delta),), weighted_mean=False)
    return _fused(x, P, reduction, grad_output)


# ---- binary cross-entropy --------------------------------------------------------------------

def _in_unit_interval(a, name):
    """Every element of a in [0, 1]; NaN fails (torch's check, as a ValueError)."""
    if a.size:
        a = distinct_part(a)[0]
        lo, hi = np.minimum.reduce(a, axis=None), np.maximum.reduce(a, axis=None)
        if not (lo >= 0 and hi <= 1):
            raise ValueError(f"all elements of {name} should be between 0 and 1 (found values "
                             f"in [{lo}, {hi}]{' or NaN' if np.isnan(lo) or np.isnan(hi) else ''})")


def _bce(input, target, weight):
    x, t = _arrays((input, "input"), (target, "target"))
    _same_shape(x, t)
    aux = ((t, "target"),)
    w = None
    if weight is not None:
        w = as_array(weight, "weight")
        aux += ((w, "weight"),)
        _broadcasts_to(w, x.shape, "weight")
    res, k = _dtypes((x, "input"), aux=aux)
    _in_unit_interval(x, "input")
    _in_unit_interval(t, "target")
    return x, _Prep("bce", x.shape, res, k, x, t, w=w)


def _binary_cross_entropy(input, target, weight, reduction):
    r = None if weight is not None else _common("bce", input, target, reduction,
                                                unit_interval=True)
    if r is not None:
        return r
    _, P = _bce(input, target, weight)
    return _forward(P, reduction)


def _binary_cross_entropy_backward(grad_output, input, target, weight, reduction):
    r = None if weight is not None else _common("bce", input, target, reduction, grad_output,
                                                unit_interval=True)
    if r is not None:
        return r
    x, P = _bce(input, target, weight)
    gx, _ = _backward(P, grad_output, reduction)
    return _sum_to(gx, x.shape, _grad_dtype(x, "input"))


def _binary_cross_entropy_with_grad(input, target, weight, reduction, grad_output):
    r = None if weight is not None else _common("bce", input, target, reduction, grad_output,
                                                unit_interval=True, fused=True)
    if r is not None:
        return r
    x, P = _bce(input, target, weight)
    return _fused(x, P, reduction, grad_output)


def _bce_logits(input, target, weight, pos_weight):
    x, t = _arrays((input, "input"), (target, "target"))
    _same_shape(x, t)
    aux = ((t, "target"),)
    w = pw = None
    if weight is not None:
        w = as_array(weight, "weight")
        aux += ((w, "weight"),)
        _broadcasts_to(w, x.shape, "weight")
    if pos_weight is not None:
        pw = as_array(pos_weight, "pos_weight")
        aux += ((pw, "pos_weight"),)
        _broadcasts_to(pw, x.shape, "pos_weight")
    res, k = _dtypes((x, "input"), aux=aux)
    return x, _Prep("bce_logits", x.shape, res, k, x, t, a=pw, w=w)


def _binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight):
    r = None if weight is not None or pos_weight is not None else _common(
        "bce_logits", input, target, reduction)
    if r is not None:
        return r
    _, P = _bce_logits(input, target, weight, pos_weight)
    return _forward(P, reduction)


def _binary_cross_entropy_with_logits_backward(grad_output, input, target, weight, reduction, pos_weight):
    r = None if weight is not None or pos_weight is not None else _common(
        "bce_logits", input, target, reduction, grad_output)
    if r is not None:
        return r
    x, P = _bce_logits(input, target, weight, pos_weight)
    gx, _ = _backward(P, grad_output, reduction)
    return _sum_to(gx, x.shape, _grad_dtype(x, "input"))


def _binary_cross_entropy_with_logits_with_grad(input, target, weight, reduction, pos_weight, grad_output):
    r = None if weight is not None or pos_weight is not None else _common(
        "bce_logits", input, target, reduction, grad_output, fused=True)
    if r is not None:
        return r
    x, P = _bce_logits(input, target, weight, pos_weight)
    return _fused(x, P, reduction, grad_output)


# ---- kl_div --------------------------------------------------------------------------------

def _kl_prep(input, target, reduction, log_target, target_grad=False):
    x, t = _arrays((input, "input"), (target, "target"))
    res, k = _dtypes((x, "input"), aux=((t, "target"),))
    shape = _broadcast(("input", x.shape), ("target", t.shape))
    divisor = None
    if reduction == "batchmean":
        divisor = x.shape[0] if x.ndim else 1
    P = _Prep("kl_div", shape, res, k, x, t,
              flags=_flags("kl_div", log_target=log_target, target_grad=target_grad), divisor=divisor)
    return reduction, x, t, P


def _kl_div(input, target, reduction, log_target):
    r = _common("kl_div", input, target, reduction,
                flags=_flags("kl_div", log_target=log_target, target_grad=False))
    if r is not None:
        return r
    reduction, _, _, P = _kl_prep(input, target, reduction, log_target)
    return _forward(P, "mean" if reduction == "batchmean" else reduction)


def _kl_div_backward(grad_output, input, target, reduction, log_target, target_requires_grad):
    tg = target_requires_grad
    if not tg:
        r = _common("kl_div", input, target, reduction, grad_output,
                    flags=_flags("kl_div", log_target=log_target, target_grad=False))
        if r is not None:
            return r
    reduction, x, t, P = _kl_prep(input, target, reduction, log_target, tg)
    gx, gt = _backward(P, grad_output, reduction, grad2=tg)
    gx = _sum_to(gx, x.shape, _grad_dtype(x, "input"))
    if not tg:
        return gx
    return gx, _sum_to(gt, t.shape, _grad_dtype(t, "target"))


# ---- gaussian_nll_loss -----------------------------------------------------------------------

def _gaussian(input, target, var, full, eps, reduction):
    eps = real_param(eps, "eps")
    x, t = _arrays((input, "input"), (target, "target"))
    scalar_var = not isinstance(var, np.ndarray) and isinstance(var, numbers.Real)
    if scalar_var:  # a Python/NumPy scalar: weak, it takes the arrays' dtype
        res, k = _dtypes((x, "input"), aux=((t, "target"),))
        if float(var) < 0:
            raise ValueError(f"var has negative entry/entries (var = {float(var)})")
        v = np.asarray(float(var), dtype=res)
        v_shape = x.shape
    else:
        v = as_array(var, "var")
        res, k = _dtypes((x, "input"), (v, "var"), aux=((t, "target"),))
        if v.size and np.fmin.reduce(distinct_part(v)[0], axis=None) < 0:
            raise ValueError("var has negative entry/entries")
        v_shape = v.shape
        if v.shape != x.shape:
            if x.shape[:-1] == v.shape:    # one dimension short: homoscedastic, var[..., None]
                v_shape = v.shape + (1,)
            elif not (x.ndim == v.ndim and sum(b for a, b in zip(x.shape, v.shape) if a != b)
                      == 1):
                raise ValueError(f"var is of incorrect size: var {v.shape} for input {x.shape} "
                                 f"(expected the input's shape, the input's shape without its "
                                 f"last dimension, or the input's with one dimension of size 1)")
        v = v.reshape(v_shape)
    shape = _broadcast(("input", x.shape), ("target", t.shape), ("var", v_shape))
    P = _Prep("gaussian_nll", shape, res, k, x, t, a=v, params=(eps,),
              flags=_flags("gaussian_nll", full=full))
    return reduction, x, v, scalar_var, P


def _gaussian_nll_loss(input, target, var, full, eps, reduction):
    reduction, _, _, _, P = _gaussian(input, target, var, full, eps, reduction)
    return _forward(P, reduction)


def _gaussian_nll_loss_backward(grad_output, input, target, var, full, eps, reduction):
    reduction, x, v, scalar_var, P = _gaussian(input, target, var, full, eps, reduction)
    gx, gv = _backward(P, grad_output, reduction, grad2=True)
    gv_dtype = P.res if scalar_var else _grad_dtype(np.asarray(var), "var")
    gv = _sum_to(gv, v.shape, gv_dtype)
    gv = np.asarray(gv).reshape(() if scalar_var else np.shape(var))
    return _sum_to(gx, x.shape, _grad_dtype(x, "input")), gv


# ---- poisson_nll_loss ------------------------------------------------------------------------

def _poisson(input, target, log_input, full, eps, reduction):
    flags = _flags("poisson_nll", log_input=log_input,
                   full=full)
    eps = real_param(eps, "eps")
    x, t = _arrays((input, "input"), (target, "target"))
    res, k = _dtypes((x, "input"), aux=((t, "target"),))
    shape = _broadcast(("input", x.shape), ("target", t.shape))
    return reduction, x, _Prep("poisson_nll", shape, res, k, x, t, params=(eps,), flags=flags)


def _poisson_common(input, target, log_input, full, eps, reduction, grad_output=None):
    return _common("poisson_nll", input, target, reduction, grad_output,
                   (real_param(eps, "eps"),), _flags("poisson_nll", log_input=log_input, full=full))


def _poisson_nll_loss(input, target, log_input, full, eps, reduction):
    r = _poisson_common(input, target, log_input, full, eps, reduction)
    if r is not None:
        return r
    reduction, _, P = _poisson(input, target, log_input, full, eps, reduction)
    return _forward(P, reduction)


def _poisson_nll_loss_backward(grad_output, input, target, log_input, full, eps, reduction):
    r = _poisson_common(input, target, log_input, full, eps, reduction, grad_output)
    if r is not None:
        return r
    reduction, x, P = _poisson(input, target, log_input, full, eps, reduction)
    gx, _ = _backward(P, grad_output, reduction)
    return _sum_to(gx, x.shape, _grad_dtype(x, "input"))


# ---- margin losses ---------------------------------------------------------------------------

def _margin_ranking(input1, input2, target, margin, reduction):
    m = real_param(margin, "margin")
    x1, x2, t = _arrays((input1, "input1"), (input2, "input2"), (target, "target"))
    if not x1.ndim == x2.ndim == t.ndim:
        raise ValueError(f"margin_ranking_loss: all input arrays should have the same number "
                         f"of dimensions but got input1 {x1.shape}, input2 {x2.shape}, target "
                         f"{t.shape}")
    res, k = _dtypes((x1, "input1"), (x2, "input2"), aux=((t, "target"),))
    shape = _broadcast(("input1", x1.shape), ("input2", x2.shape), ("target", t.shape))
    return reduction, x1, x2, _Prep("margin_ranking", shape, res, k, x1, t, a=x2, params=(m,))


def _margin_ranking_loss(input1, input2, target, margin, reduction):
    reduction, _, _, P = _margin_ranking(input1, input2, target, margin, reduction)
    return _forward(P, reduction)


def _margin_ranking_loss_backward(grad_output, input1, input2, target, margin, reduction):
    reduction, x1, x2, P = _margin_ranking(input1, input2, target, margin, reduction)
    g1, g2 = _backward(P, grad_output, reduction, grad2=True)
    return (_sum_to(g1, x1.shape, _grad_dtype(x1, "input1")),
            _sum_to(g2, x2.shape, _grad_dtype(x2, "input2")))


def _hinge(input, target, margin, reduction):
    m = real_param(margin, "margin")
    x, t = _arrays((input, "input"), (target, "target"))
    res, k = _dtypes((x, "input"), aux=((t, "target"),))
    shape = _broadcast(("input", x.shape), ("target", t.shape))
    return reduction, x, _Prep("hinge_embedding", shape, res, k, x, t, params=(m,))


def _hinge_embedding_loss(input, target, margin, reduction):
    r = _common("hinge_embedding", input, target, reduction, None,
                (real_param(margin, "margin"),))
    if r is not None:
        return r
    reduction, _, P = _hinge(input, target, margin, reduction)
    return _forward(P, reduction)


def _hinge_embedding_loss_backward(grad_output, input, target, margin, reduction):
    r = _common("hinge_embedding", input, target, reduction, grad_output,
                (real_param(margin, "margin"),))
    if r is not None:
        return r
    reduction, x, P = _hinge(input, target, margin, reduction)
    gx, _ = _backward(P, grad_output, reduction)
    return _sum_to(gx, x.shape, _grad_dtype(x, "input"))


def _soft_margin(input, target, reduction):
    x, t = _arrays((input, "input"), (target, "target"))
    _broadcasts_to(t, x.shape, "target")
    res, k = _dtypes((x, "input"), aux=((t, "target"),))
    return reduction, _Prep("soft_margin", x.shape, res, k, x, t)


def _soft_margin_loss(input, target, reduction):
    r = _common("soft_margin", input, target, reduction)
    if r is not None:
        return r
    reduction, P = _soft_margin(input, target, reduction)
    return _forward(P, reduction)


def _soft_margin_loss_backward(grad_output, input, target, reduction):
    r = _common("soft_margin", input, target, reduction, grad_output)
    if r is not None:
        return r
    reduction, P = _soft_margin(input, target, reduction)
    gx, _ = _backward(P, grad_output, reduction)
    return _sum_to(gx, P.shape, _grad_dtype(as_array(input), "input"))


# ---- multilabel_soft_margin_loss -------------------------------------------------------------

def _multilabel(input, target, weight, reduction):
    """(reduction, x, t, w, weight row stride, n_rows, C, res, k) of the row loss."""
    x, t = _arrays((input, "input"), (target, "target"))
    if x.ndim == 0:
        raise ValueError("multilabel_soft_margin_loss needs an input with a class dimension "
                         "(the last), got a 0-d input")
    _broadcasts_to(t, x.shape, "target")
    aux = ((t, "target"),)
    w = None
    if weight is not None:
        w = as_array(weight, "weight")
        aux += ((w, "weight"),)
        _broadcasts_to(w, x.shape, "weight")
    res, k = _dtypes((x, "input"), aux=aux)
    return reduction, x, t, w, res, k


def _multilabel_operands(x, t, w, k):
    """(x, t, w, w's row stride, n_rows) as the row kernels read them."""
    C = x.shape[-1]
    xk, tk = _operand(x, x.shape, k), _operand(t, x.shape, k)
    ws = 0
    if w is not None:
        if all(s == 1 for s in w.shape[:-1]):  # one weight per class: a single row, stride 0
            w = _operand(w.reshape(w.shape[-1:]), (C,), k)
        else:
            w = _operand(w, x.shape, k)
            ws = C
    return xk, tk, w, ws, math.prod(x.shape[:-1])


def _multilabel_soft_margin_loss(input, target, weight, reduction):
    reduction, x, t, w, res, k = _multilabel(input, target, weight, reduction)
    K = _kernels()
    args = (_TERM["multilabel_soft_margin"], KERNEL_INDEX[k], w is not None)
    C, n_rows, count = x.shape[-1], math.prod(x.shape[:-1]), 1
    if reduction == "none":
        xk, tk, w, ws, _ = _multilabel_operands(x, t, w, k)
        y = np.empty(x.shape[:-1], k)
        if n_rows:
            K.rows_fwd(*args, xk, tk, w, ws, y, n_rows, C, 0.0, 0.0, 0.0,
                       _threads.threads_for(x.size, False))
        return narrow(y, res)
    rep = _repeated(x.shape, (x, t, w), x.ndim - 1)  # rows repeated: one of them, times count
    if rep is not None:
        (x, t, w), count = rep
    xk, tk, w, ws, rows = _multilabel_operands(x, t, w, k)
    s = K.rows_fwd(*args, xk, tk, w, ws, None, rows, C, 0.0, 0.0, 0.0,
                   _threads.threads_for(rows * C, False)) if n_rows else 0.0
    return finish_loss(reduction, s * count, n_rows, res)


def _multilabel_soft_margin_loss_backward(grad_output, input, target, weight, reduction):
    reduction, x, t, w, res, k = _multilabel(input, target, weight, reduction)
    xk, tk, w, ws, n_rows = _multilabel_operands(x, t, w, k)
    C = x.shape[-1]
    g, c = loss_grad_seed(grad_output, reduction, x.shape[:-1], n_rows, k)
    gx = np.empty(x.shape, k)
    if x.size:
        _kernels().rows_bwd(_TERM["multilabel_soft_margin"], KERNEL_INDEX[k], w is not None, g,
                            c, xk, tk, w, ws, gx, n_rows, C, 0.0, 0.0, 0.0,
                            _threads.threads_for(x.size, False))
    return _sum_to(gx, x.shape, _grad_dtype(x, "input"))


# ---- sigmoid_focal_loss (torchvision) --------------------------------------------------------

def _focal_params(alpha, gamma):
    a = real_param(alpha, "alpha")
    g = real_param(gamma, "gamma")
    if not (0 <= a <= 1) and a != -1:
        raise ValueError(f"Invalid alpha value: {a}. alpha must be in the range [0,1] or -1 for "
                         f"ignore.")
    return a, g


def _focal_common(inputs, targets, alpha, gamma, reduction, grad_output=None, fused=False):
    a, g = _focal_params(alpha, gamma)
    return _common("sigmoid_focal", inputs, targets, reduction, grad_output, (a, g),
                   _flags("sigmoid_focal", gamma_two=(g == 2)), fused=fused)


def _focal(inputs, targets, alpha, gamma, reduction):
    a, g = _focal_params(alpha, gamma)
    x, t = _arrays((inputs, "inputs"), (targets, "targets"))
    _same_shape(x, t, "inputs", "targets")
    res, k = _dtypes((x, "inputs"), aux=((t, "targets"),))
    P = _Prep("sigmoid_focal", x.shape, res, k, x, t, params=(a, g),
              flags=_flags("sigmoid_focal", gamma_two=(g == 2)))
    return reduction, x, P


def _sigmoid_focal_loss(inputs, targets, alpha, gamma, reduction):
    r = _focal_common(inputs, targets, alpha, gamma, reduction)
    if r is not None:
        return r
    reduction, _, P = _focal(inputs, targets, alpha, gamma, reduction)
    return _forward(P, reduction)


def _sigmoid_focal_loss_backward(grad_output, inputs, targets, alpha, gamma, reduction):
    r = _focal_common(inputs, targets, alpha, gamma, reduction, grad_output)
    if r is not None:
        return r
    reduction, x, P = _focal(inputs, targets, alpha, gamma, reduction)
    gx, _ = _backward(P, grad_output, reduction)
    return _sum_to(gx, x.shape, _grad_dtype(x, "inputs"))


def _sigmoid_focal_loss_with_grad(inputs, targets, alpha, gamma, reduction, grad_output):
    r = _focal_common(inputs, targets, alpha, gamma, reduction, grad_output, fused=True)
    if r is not None:
        return r
    reduction, x, P = _focal(inputs, targets, alpha, gamma, reduction)
    return _fused(x, P, reduction, grad_output)


# ---- hinge, squared hinge, log-cosh, pinball (optax / Keras / sklearn losses) -----------------

def _fused(x, P, reduction, grad_output):
    """(loss, gradient with respect to x) from the row's fused loops: the loss bit for bit the
    forward's, the gradient the backward's."""
    g, c = loss_grad_seed(grad_output, reduction, P.shape, P.divisor, P.k, scalar_none=True)
    gx = np.empty(P.shape, P.k)
    y = np.empty(P.shape, P.k) if reduction == "none" else None
    s = 0.0
    if P.n:
        s = _kernels().fused(*P.args(), g, c, *P.operands(), y, gx, *P.params, P.threads())
    gx = _sum_to(gx, x.shape, _grad_dtype(x, "input"))
    if reduction == "none":
        return narrow(y, P.res), gx
    if P.n:
        repeated = _repeated_total(P)
        s = s if repeated is None else repeated
    return finish_loss(reduction, s, P.divisor, P.res), gx


def _signed(term, input, target):
    """Prep of hinge/squared_hinge: a target broadcast to the input's shape."""
    x, t = _arrays((input, "input"), (target, "target"))
    _broadcasts_to(t, x.shape, "target")
    res, k = _dtypes((x, "input"), aux=((t, "target"),))
    return x, _Prep(term, x.shape, res, k, x, t)


def _plain_loss(term, prep, *args):
    """The forward of a row without weight: the C common path, else prep(...)'s general one."""
    reduction = args[-1]
    r = _common(term, args[0], args[1], reduction, None, args[2:-1])
    if r is not None:
        return r
    _, P = prep(term, *args[:-1])
    return _forward(P, reduction)


def _plain_grad(term, prep, grad_output, *args):
    reduction = args[-1]
    r = _common(term, args[0], args[1], reduction, grad_output, args[2:-1])
    if r is not None:
        return r
    x, P = prep(term, *args[:-1])
    gx, _ = _backward(P, grad_output, reduction)
    return _sum_to(gx, x.shape, _grad_dtype(x, "input"))


def _plain_with_grad(term, prep, grad_output, *args):
    r = _common(term, args[0], args[1], args[-1], grad_output, args[2:-1], fused=True)
    if r is not None:
        return r
    x, P = prep(term, *args[:-1])
    return _fused(x, P, args[-1], grad_output)


def _hinge_loss(input, target, reduction):
    return _plain_loss("hinge", _signed, input, target, reduction)


def _hinge_loss_backward(grad_output, input, target, reduction):
    return _plain_grad("hinge", _signed, grad_output, input, target, reduction)


def _hinge_loss_with_grad(input, target, reduction, grad_output):
    return _plain_with_grad("hinge", _signed, grad_output, input, target, reduction)


def _squared_hinge_loss(input, target, reduction):
    return _plain_loss("squared_hinge", _signed, input, target, reduction)


def _squared_hinge_loss_backward(grad_output, input, target, reduction):
    return _plain_grad("squared_hinge", _signed, grad_output, input, target, reduction)


def _squared_hinge_loss_with_grad(input, target, reduction, grad_output):
    return _plain_with_grad("squared_hinge", _signed, grad_output, input, target, reduction)


def _difference(term, input, target, *params):
    """Prep of log_cosh/pinball: input and target broadcast together (as torch's mse)."""
    x, t = _arrays((input, "input"), (target, "target"))
    res, k = _dtypes((x, "input"), aux=((t, "target"),))
    shape = _broadcast(("input", x.shape), ("target", t.shape))
    return x, _Prep(term, shape, res, k, x, t, params=params)


def _log_cosh_loss(input, target, reduction):
    return _plain_loss("log_cosh", _difference, input, target, reduction)


def _log_cosh_loss_backward(grad_output, input, target, reduction):
    return _plain_grad("log_cosh", _difference, grad_output, input, target, reduction)


def _log_cosh_loss_with_grad(input, target, reduction, grad_output):
    return _plain_with_grad("log_cosh", _difference, grad_output, input, target, reduction)


def _quantile(quantile):
    q = real_param(quantile, "quantile")
    if not 0 <= q <= 1:
        raise ValueError(f"quantile must be in [0, 1], got {q}")
    return q


def _pinball_loss(input, target, quantile, reduction):
    return _plain_loss("pinball", _difference, input, target, _quantile(quantile), reduction)


def _pinball_loss_backward(grad_output, input, target, quantile, reduction):
    return _plain_grad("pinball", _difference, grad_output, input, target, _quantile(quantile),
                       reduction)


def _pinball_loss_with_grad(input, target, quantile, reduction, grad_output):
    return _plain_with_grad("pinball", _difference, grad_output, input, target,
                            _quantile(quantile), reduction)


# ---- binary_focal_loss (the reference document's constant-alpha focal loss) ------------------

def _binary_focal_params(alpha, gamma):
    a = real_param(alpha, "alpha")
    g = real_param(gamma, "gamma")
    if math.isnan(a):
        raise ValueError("alpha must be a real number, got nan")
    if not g >= 0:
        raise ValueError(f"gamma must be >= 0, got {g}")
    return a, g


def _binary_focal(term, input, target, weight, alpha, gamma):
    """Prep of binary_focal_loss: target of the input's shape, weight broadcast to it."""
    x, t = _arrays((input, "input"), (target, "target"))
    _same_shape(x, t)
    aux = ((t, "target"),)
    w = None
    if weight is not None:
        w = as_array(weight, "weight")
        aux += ((w, "weight"),)
        _broadcasts_to(w, x.shape, "weight")
    res, k = _dtypes((x, "input"), aux=aux)
    return x, _Prep(term, x.shape, res, k, x, t, w=w, params=(alpha, gamma),
                    flags=_flags(term, gamma_two=(gamma == 2)))


def _binary_focal_plain(input, weight):
    """The C common path applies: no weight, a float32/float64 ndarray input."""
    return weight is None and type(input) is np.ndarray and input.dtype in KERNEL_INDEX


def _binary_focal_loss(input, target, weight, alpha, gamma, reduction):
    a, g = _binary_focal_params(alpha, gamma)
    r = None if not _binary_focal_plain(input, weight) else _common(
        "binary_focal", input, target, reduction, None, (a, g), int(g == 2))
    if r is not None:
        return r
    _, P = _binary_focal("binary_focal", input, target, weight, a, g)
    return _forward(P, reduction)


def _binary_focal_loss_backward(grad_output, input, target, weight, alpha, gamma, reduction):
    a, g = _binary_focal_params(alpha, gamma)
    r = None if not _binary_focal_plain(input, weight) else _common(
        "binary_focal", input, target, reduction, grad_output, (a, g), int(g == 2))
    if r is not None:
        return r
    x, P = _binary_focal("binary_focal", input, target, weight, a, g)
    gx, _ = _backward(P, grad_output, reduction)
    return _sum_to(gx, x.shape, _grad_dtype(x, "input"))


def _binary_focal_loss_with_grad(input, target, weight, alpha, gamma, reduction, grad_output):
    a, g = _binary_focal_params(alpha, gamma)
    x, P = _binary_focal("binary_focal", input, target, weight, a, g)
    return _fused(x, P, reduction, grad_output)


# ---- the public functions, generated from _ops.LOSSES ---------------------------------------

# <generated: pointwise_losses.functions>
def mse_loss(input, target, *, reduction="mean", weight=None):
    """Mean squared error (torch.nn.functional.mse_loss).

    Parameters
    ----------
    input, target : array_like
        Broadcast together (torch warns about different sizes and then broadcasts; so does this
        function, with the same UserWarning).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    weight : array_like, optional
        Elementwise weight of the input's shape (torch requires exactly that), broadcast with
        it. With 'mean' the result is sum(weight * loss) / sum(weight).

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    loss = (input - target)^2, times weight.

    Gradient (``mse_loss_backward``):

    2 (input - target) grad_output (times weight; divided by the element count, or by
    sum(weight), for 'mean').

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.mse_loss(np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 1.0]))
    np.float64(1.4166666666666667)
    """
    if _dask.lazy(input, target, weight):
        return _dask.loss("mse_loss", locals())
    return _mse_loss(input, target, check_reduction(reduction), weight)


def mse_loss_backward(grad_output, input, target, *, reduction="mean", weight=None):
    """Gradient of ``mse_loss`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input, target : array_like
        Broadcast together (torch warns about different sizes and then broadcasts; so does this
        function, with the same UserWarning).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    weight : array_like, optional
        Elementwise weight of the input's shape (torch requires exactly that), broadcast with
        it. With 'mean' the result is sum(weight * loss) / sum(weight).

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``mse_loss`` raises.

    Notes
    -----
    2 (input - target) grad_output (times weight; divided by the element count, or by
    sum(weight), for 'mean').

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.mse_loss(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.mse_loss_backward(1.0, np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 1.0]))
    array([-0.33333333,  0.        ,  1.33333333])
    """
    if _dask.lazy(grad_output, input, target, weight):
        return _dask.loss("mse_loss_backward", locals())
    return _mse_loss_backward(grad_output, input, target, check_reduction(reduction), weight)


def mse_loss_with_grad(input, target, *, reduction="mean", weight=None, grad_output=1.0):
    """Loss and input gradient of ``mse_loss`` in one pass over the data.

    Parameters
    ----------
    input, target : array_like
        Broadcast together (torch warns about different sizes and then broadcasts; so does this
        function, with the same UserWarning).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    weight : array_like, optional
        Elementwise weight of the input's shape (torch requires exactly that), broadcast with
        it. With 'mean' the result is sum(weight * loss) / sum(weight).
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``mse_loss`` returns.
    grad_input : ndarray
        What ``mse_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``mse_loss``):

    loss = (input - target)^2, times weight.

    Gradient (``mse_loss_backward``):

    2 (input - target) grad_output (times weight; divided by the element count, or by
    sum(weight), for 'mean').

    torch equivalent: ``loss = torch.nn.functional.mse_loss(x, ...)`` for an ``x`` that requires
    grad, then ``loss.backward(grad_output)`` and ``x.grad``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> loss, grad = F.mse_loss_with_grad(np.array([1.0, 2.0, 3.0]),
    ...                                   np.array([1.5, 2.0, 1.0]))
    >>> np.round(loss, 6)
    np.float64(1.416667)
    >>> grad
    array([-0.33333333,  0.        ,  1.33333333])
    """
    if _dask.lazy(input, target, weight):
        return _dask.loss("mse_loss_with_grad", locals())
    return _mse_loss_with_grad(input, target, check_reduction(reduction), weight, grad_output)


def l1_loss(input, target, *, reduction="mean", weight=None):
    """Mean absolute error (torch.nn.functional.l1_loss).

    Parameters
    ----------
    input, target : array_like
        Broadcast together (torch warns about different sizes and then broadcasts; so does this
        function, with the same UserWarning).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    weight : array_like, optional
        Elementwise weight of the input's shape; 'mean' is then sum(weight * loss) /
        sum(weight), as torch.

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    loss = |input - target|, times weight.

    Gradient (``l1_loss_backward``):

    sign(input - target) grad_output: 0 where input == target (and for NaN), as torch's
    autograd.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.l1_loss(np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 1.0]), reduction="none")
    array([0.5, 0. , 2. ])
    """
    if _dask.lazy(input, target, weight):
        return _dask.loss("l1_loss", locals())
    return _l1_loss(input, target, check_reduction(reduction), weight)


def l1_loss_backward(grad_output, input, target, *, reduction="mean", weight=None):
    """Gradient of ``l1_loss`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input, target : array_like
        Broadcast together (torch warns about different sizes and then broadcasts; so does this
        function, with the same UserWarning).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    weight : array_like, optional
        Elementwise weight of the input's shape; 'mean' is then sum(weight * loss) /
        sum(weight), as torch.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``l1_loss`` raises.

    Notes
    -----
    sign(input - target) grad_output: 0 where input == target (and for NaN), as torch's
    autograd.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.l1_loss(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.l1_loss_backward(np.ones((3,)), np.array([1.0, 2.0, 3.0]),
    ...                    np.array([1.5, 2.0, 1.0]), reduction="none")
    array([-1.,  0.,  1.])
    """
    if _dask.lazy(grad_output, input, target, weight):
        return _dask.loss("l1_loss_backward", locals())
    return _l1_loss_backward(grad_output, input, target, check_reduction(reduction), weight)


def l1_loss_with_grad(input, target, *, reduction="mean", weight=None, grad_output=1.0):
    """Loss and input gradient of ``l1_loss`` in one pass over the data.

    Parameters
    ----------
    input, target : array_like
        Broadcast together (torch warns about different sizes and then broadcasts; so does this
        function, with the same UserWarning).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    weight : array_like, optional
        Elementwise weight of the input's shape; 'mean' is then sum(weight * loss) /
        sum(weight), as torch.
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``l1_loss`` returns.
    grad_input : ndarray
        What ``l1_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``l1_loss``):

    loss = |input - target|, times weight.

    Gradient (``l1_loss_backward``):

    sign(input - target) grad_output: 0 where input == target (and for NaN), as torch's
    autograd.

    torch equivalent: ``loss = torch.nn.functional.l1_loss(x, ...)`` for an ``x`` that requires
    grad, then ``loss.backward(grad_output)`` and ``x.grad``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> loss, grad = F.l1_loss_with_grad(np.array([1.0, 2.0, 3.0]),
    ...                                  np.array([1.5, 2.0, 1.0]), reduction="none")
    >>> loss
    array([0.5, 0. , 2. ])
    >>> grad
    array([-1.,  0.,  1.])
    """
    if _dask.lazy(input, target, weight):
        return _dask.loss("l1_loss_with_grad", locals())
    return _l1_loss_with_grad(input, target, check_reduction(reduction), weight, grad_output)


def smooth_l1_loss(input, target, *, reduction="mean", beta=1.0):
    """Smooth L1 loss (torch.nn.functional.smooth_l1_loss).

    Parameters
    ----------
    input, target : array_like
        Broadcast together (torch warns about different sizes and then broadcasts; so does this
        function, with the same UserWarning).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    beta : float, default 1.0
        Where the loss turns from quadratic to linear; >= 0. beta = 0 is exactly l1_loss
        (torch dispatches it there too).

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    With z = |input - target|: 0.5 z^2 / beta if z < beta, else z - 0.5 beta.

    Gradient (``smooth_l1_loss_backward``):

    clamp((input - target) / beta, -1, 1) grad_output; at |d| = beta that is +-1 (both sides
    agree); beta = 0 gives l1's sign, 0 at input == target.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.smooth_l1_loss(np.array([0.2, 3.0]), np.zeros(2), reduction="none")
    array([0.02, 2.5 ])
    """
    if _dask.lazy(input, target):
        return _dask.loss("smooth_l1_loss", locals())
    return _smooth_l1_loss(input, target, check_reduction(reduction), beta)


def smooth_l1_loss_backward(grad_output, input, target, *, reduction="mean", beta=1.0):
    """Gradient of ``smooth_l1_loss`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input, target : array_like
        Broadcast together (torch warns about different sizes and then broadcasts; so does this
        function, with the same UserWarning).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    beta : float, default 1.0
        Where the loss turns from quadratic to linear; >= 0. beta = 0 is exactly l1_loss
        (torch dispatches it there too).

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``smooth_l1_loss`` raises.

    Notes
    -----
    clamp((input - target) / beta, -1, 1) grad_output; at |d| = beta that is +-1 (both sides
    agree); beta = 0 gives l1's sign, 0 at input == target.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.smooth_l1_loss(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.smooth_l1_loss_backward(np.ones((2,)), np.array([0.2, 3.0]), np.zeros(2),
    ...                           reduction="none")
    array([0.2, 1. ])
    """
    if _dask.lazy(grad_output, input, target):
        return _dask.loss("smooth_l1_loss_backward", locals())
    return _smooth_l1_loss_backward(grad_output, input, target, check_reduction(reduction), beta)


def smooth_l1_loss_with_grad(input, target, *, reduction="mean", beta=1.0, grad_output=1.0):
    """Loss and input gradient of ``smooth_l1_loss`` in one pass over the data.

    Parameters
    ----------
    input, target : array_like
        Broadcast together (torch warns about different sizes and then broadcasts; so does this
        function, with the same UserWarning).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    beta : float, default 1.0
        Where the loss turns from quadratic to linear; >= 0. beta = 0 is exactly l1_loss
        (torch dispatches it there too).
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``smooth_l1_loss`` returns.
    grad_input : ndarray
        What ``smooth_l1_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``smooth_l1_loss``):

    With z = |input - target|: 0.5 z^2 / beta if z < beta, else z - 0.5 beta.

    Gradient (``smooth_l1_loss_backward``):

    clamp((input - target) / beta, -1, 1) grad_output; at |d| = beta that is +-1 (both sides
    agree); beta = 0 gives l1's sign, 0 at input == target.

    torch equivalent: ``loss = torch.nn.functional.smooth_l1_loss(x, ...)`` for an ``x`` that
    requires grad, then ``loss.backward(grad_output)`` and ``x.grad``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> loss, grad = F.smooth_l1_loss_with_grad(np.array([0.2, 3.0]), np.zeros(2),
    ...                                         reduction="none")
    >>> loss
    array([0.02, 2.5 ])
    >>> grad
    array([0.2, 1. ])
    """
    if _dask.lazy(input, target):
        return _dask.loss("smooth_l1_loss_with_grad", locals())
    return _smooth_l1_loss_with_grad(input, target, check_reduction(reduction), beta, grad_output)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Huber loss (torch.nn.functional.huber_loss); positional order as torch's.

    Parameters
    ----------
    input, target : array_like
        Broadcast together (torch warns about different sizes and then broadcasts; so does this
        function, with the same UserWarning).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    delta : float, default 1.0
        Where the loss turns from quadratic to linear; > 0.
    weight : array_like, optional
        Elementwise weight of the input's shape. Unlike mse/l1, torch's weighted Huber 'mean'
        is the plain mean of weight * loss over the elements; so is this one.

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    With z = |input - target|: 0.5 z^2 if z < delta, else delta (z - 0.5 delta) -- delta times
    smooth_l1_loss with beta = delta.

    Gradient (``huber_loss_backward``):

    clamp(input - target, -delta, delta) grad_output (times weight).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.huber_loss(np.array([0.2, 3.0]), np.zeros(2), reduction="none", delta=2.0)
    array([0.02, 4.  ])
    """
    if _dask.lazy(input, target, weight):
        return _dask.loss("huber_loss", locals())
    return _huber_loss(input, target, check_reduction(reduction), delta, weight)


def huber_loss_backward(grad_output, input, target, reduction="mean", delta=1.0, weight=None):
    """Gradient of ``huber_loss`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input, target : array_like
        Broadcast together (torch warns about different sizes and then broadcasts; so does this
        function, with the same UserWarning).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    delta : float, default 1.0
        Where the loss turns from quadratic to linear; > 0.
    weight : array_like, optional
        Elementwise weight of the input's shape. Unlike mse/l1, torch's weighted Huber 'mean'
        is the plain mean of weight * loss over the elements; so is this one.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``huber_loss`` raises.

    Notes
    -----
    clamp(input - target, -delta, delta) grad_output (times weight).

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.huber_loss(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.huber_loss_backward(np.ones((2,)), np.array([0.2, 3.0]), np.zeros(2),
    ...                       reduction="none", delta=2.0)
    array([0.2, 2. ])
    """
    if _dask.lazy(grad_output, input, target, weight):
        return _dask.loss("huber_loss_backward", locals())
    return _huber_loss_backward(grad_output, input, target, check_reduction(reduction), delta,
                                weight)


def huber_loss_with_grad(input, target, reduction="mean", delta=1.0, weight=None, *,
                         grad_output=1.0):
    """Loss and input gradient of ``huber_loss`` in one pass over the data.

    Parameters
    ----------
    input, target : array_like
        Broadcast together (torch warns about different sizes and then broadcasts; so does this
        function, with the same UserWarning).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    delta : float, default 1.0
        Where the loss turns from quadratic to linear; > 0.
    weight : array_like, optional
        Elementwise weight of the input's shape. Unlike mse/l1, torch's weighted Huber 'mean'
        is the plain mean of weight * loss over the elements; so is this one.
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``huber_loss`` returns.
    grad_input : ndarray
        What ``huber_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``huber_loss``):

    With z = |input - target|: 0.5 z^2 if z < delta, else delta (z - 0.5 delta) -- delta times
    smooth_l1_loss with beta = delta.

    Gradient (``huber_loss_backward``):

    clamp(input - target, -delta, delta) grad_output (times weight).

    torch equivalent: ``loss = torch.nn.functional.huber_loss(x, ...)`` for an ``x`` that
    requires grad, then ``loss.backward(grad_output)`` and ``x.grad``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> loss, grad = F.huber_loss_with_grad(np.array([0.2, 3.0]), np.zeros(2),
    ...                                     reduction="none", delta=2.0)
    >>> loss
    array([0.02, 4.  ])
    >>> grad
    array([0.2, 2. ])
    """
    if _dask.lazy(input, target, weight):
        return _dask.loss("huber_loss_with_grad", locals())
    return _huber_loss_with_grad(input, target, check_reduction(reduction), delta, weight,
                                 grad_output)


def binary_cross_entropy(input, target, weight=None, *, reduction="mean"):
    """Binary cross-entropy of probabilities (torch.nn.functional.binary_cross_entropy).

    Parameters
    ----------
    input : array_like
        Probabilities in [0, 1].
    target : array_like
        Same shape as input, values in [0, 1].
    weight : array_like, optional
        Broadcast to the input's shape; multiplies each element's loss ('mean' stays the plain
        element mean, as torch).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    ValueError
        For input or target values outside [0, 1] or NaN (torch raises a RuntimeError there),
        a target of another shape than input, a weight that does not broadcast to it, or an
        unknown `reduction`.
    TypeError
        For complex, object or string arrays.

    Notes
    -----
    loss = -(target max(log(input), -100) + (1 - target) max(log(1 - input), -100)), each log
    clamped at -100 as torch does, so input 0 or 1 gives a finite loss.

    Gradient (``binary_cross_entropy_backward``):

    (input - target) / max((1 - input) input, 1e-12) grad_output (times weight), torch's
    formula, including its float32 EPSILON 1e-12: it ignores the -100 clamp of the forward, so
    input 0 or 1 gives a large finite gradient where target differs.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.binary_cross_entropy(np.array([0.9, 0.2]), np.array([1.0, 0.0]))
    np.float64(0.16425203348601802)
    """
    if _dask.lazy(input, target, weight):
        return _dask.loss("binary_cross_entropy", locals())
    return _binary_cross_entropy(input, target, weight, check_reduction(reduction))


def binary_cross_entropy_backward(grad_output, input, target, weight=None, *, reduction="mean"):
    """Gradient of ``binary_cross_entropy`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        Probabilities in [0, 1].
    target : array_like
        Same shape as input, values in [0, 1].
    weight : array_like, optional
        Broadcast to the input's shape; multiplies each element's loss ('mean' stays the plain
        element mean, as torch).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``binary_cross_entropy`` raises.

    Notes
    -----
    (input - target) / max((1 - input) input, 1e-12) grad_output (times weight), torch's
    formula, including its float32 EPSILON 1e-12: it ignores the -100 clamp of the forward, so
    input 0 or 1 gives a large finite gradient where target differs.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.binary_cross_entropy(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.binary_cross_entropy_backward(1.0, np.array([0.9, 0.2]), np.array([1.0, 0.0]))
    array([-0.55555556,  0.625     ])
    """
    if _dask.lazy(grad_output, input, target, weight):
        return _dask.loss("binary_cross_entropy_backward", locals())
    return _binary_cross_entropy_backward(grad_output, input, target, weight,
                                          check_reduction(reduction))


def binary_cross_entropy_with_grad(input, target, weight=None, *, reduction="mean",
                                   grad_output=1.0):
    """Loss and input gradient of ``binary_cross_entropy`` in one pass over the probabilities.

    Parameters
    ----------
    input : array_like
        Probabilities in [0, 1].
    target : array_like
        Same shape as input, values in [0, 1].
    weight : array_like, optional
        Broadcast to the input's shape; multiplies each element's loss ('mean' stays the plain
        element mean, as torch).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``binary_cross_entropy`` returns.
    grad_input : ndarray
        What ``binary_cross_entropy_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``binary_cross_entropy``):

    loss = -(target max(log(input), -100) + (1 - target) max(log(1 - input), -100)), each log
    clamped at -100 as torch does, so input 0 or 1 gives a finite loss.

    Gradient (``binary_cross_entropy_backward``):

    (input - target) / max((1 - input) input, 1e-12) grad_output (times weight), torch's
    formula, including its float32 EPSILON 1e-12: it ignores the -100 clamp of the forward, so
    input 0 or 1 gives a large finite gradient where target differs.

    torch equivalent: ``loss = torch.nn.functional.binary_cross_entropy(x, ...)`` for an ``x``
    that requires grad, then ``loss.backward(grad_output)`` and ``x.grad``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> loss, grad = F.binary_cross_entropy_with_grad(np.array([0.9, 0.2]),
    ...                                               np.array([1.0, 0.0]))
    >>> np.round(loss, 6)
    np.float64(0.164252)
    >>> grad
    array([-0.55555556,  0.625     ])
    """
    if _dask.lazy(input, target, weight):
        return _dask.loss("binary_cross_entropy_with_grad", locals())
    return _binary_cross_entropy_with_grad(input, target, weight, check_reduction(reduction),
                                           grad_output)


def binary_cross_entropy_with_logits(input, target, weight=None, *, reduction="mean",
                                     pos_weight=None):
    """Binary cross-entropy of logits (torch.nn.functional.binary_cross_entropy_with_logits).

    Parameters
    ----------
    input : array_like
        Logits, any shape.
    target : array_like
        Same shape as input (typically in [0, 1]; not checked, as torch).
    weight : array_like, optional
        Broadcast to the input's shape; multiplies each element's loss.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    pos_weight : array_like, optional
        Weight of the positive term, broadcast to the input's shape along its last
        dimensions (a (C,) pos_weight weighs class c of an (N, C) input).

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    loss = weight ((1 - target) softplus(input) + pos_weight target softplus(-input)), the
    same function as torch's (1 - t) x + (1 + (pw - 1) t) (log1p(exp(-|x|)) + max(-x, 0)),
    written so that no term overflows (|input| = 1000 is exact) and tiny losses keep their
    relative accuracy. See also ``binary_cross_entropy_with_logits_with_grad``.

    Gradient (``binary_cross_entropy_with_logits_backward``):

    ((1 - target) sigmoid(input) - pos_weight target sigmoid(-input)) grad_output (times
    weight), torch's (pw t + 1 - t) sigmoid(x) - pw t with both sigmoids accurate in the tails.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.binary_cross_entropy_with_logits(np.array([2.0, -1000.0]), np.ones(2),
    ...                                    reduction="none")
    array([1.26928011e-01, 1.00000000e+03])
    """
    if _dask.lazy(input, target, weight, pos_weight):
        return _dask.loss("binary_cross_entropy_with_logits", locals())
    return _binary_cross_entropy_with_logits(input, target, weight, check_reduction(reduction),
                                             pos_weight)


def binary_cross_entropy_with_logits_backward(grad_output, input, target, weight=None, *,
                                              reduction="mean", pos_weight=None):
    """Gradient of ``binary_cross_entropy_with_logits`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        Logits, any shape.
    target : array_like
        Same shape as input (typically in [0, 1]; not checked, as torch).
    weight : array_like, optional
        Broadcast to the input's shape; multiplies each element's loss.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    pos_weight : array_like, optional
        Weight of the positive term, broadcast to the input's shape along its last
        dimensions (a (C,) pos_weight weighs class c of an (N, C) input).

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``binary_cross_entropy_with_logits`` raises.

    Notes
    -----
    ((1 - target) sigmoid(input) - pos_weight target sigmoid(-input)) grad_output (times
    weight), torch's (pw t + 1 - t) sigmoid(x) - pw t with both sigmoids accurate in the tails.

    torch equivalent:
    ``torch.autograd.grad(torch.nn.functional.binary_cross_entropy_with_logits(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.binary_cross_entropy_with_logits_backward(np.ones((2,)), np.array([2.0, -1000.0]),
    ...                                             np.ones(2), reduction="none")
    array([-0.11920292, -1.        ])
    """
    if _dask.lazy(grad_output, input, target, weight, pos_weight):
        return _dask.loss("binary_cross_entropy_with_logits_backward", locals())
    return _binary_cross_entropy_with_logits_backward(grad_output, input, target, weight,
                                                      check_reduction(reduction), pos_weight)


def binary_cross_entropy_with_logits_with_grad(input, target, weight=None, *, reduction="mean",
                                               pos_weight=None, grad_output=1.0):
    """Loss and input gradient of ``binary_cross_entropy_with_logits`` in one pass.

    Reads the logits once and evaluates exp(-|x|) once per element for both results -- what a
    training step needs, at about the cost of the forward alone.

    Parameters
    ----------
    input : array_like
        Logits, any shape.
    target : array_like
        Same shape as input (typically in [0, 1]; not checked, as torch).
    weight : array_like, optional
        Broadcast to the input's shape; multiplies each element's loss.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    pos_weight : array_like, optional
        Weight of the positive term, broadcast to the input's shape along its last
        dimensions (a (C,) pos_weight weighs class c of an (N, C) input).
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``binary_cross_entropy_with_logits`` returns.
    grad_input : ndarray
        What ``binary_cross_entropy_with_logits_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    The reduced loss is summed in the same fixed chunks as the forward alone, so both
    functions return the same value for any thread count.

    Loss (``binary_cross_entropy_with_logits``):

    loss = weight ((1 - target) softplus(input) + pos_weight target softplus(-input)), the
    same function as torch's (1 - t) x + (1 + (pw - 1) t) (log1p(exp(-|x|)) + max(-x, 0)),
    written so that no term overflows (|input| = 1000 is exact) and tiny losses keep their
    relative accuracy. See also ``binary_cross_entropy_with_logits_with_grad``.

    Gradient (``binary_cross_entropy_with_logits_backward``):

    ((1 - target) sigmoid(input) - pos_weight target sigmoid(-input)) grad_output (times
    weight), torch's (pw t + 1 - t) sigmoid(x) - pw t with both sigmoids accurate in the tails.

    torch equivalent: ``loss = torch.nn.functional.binary_cross_entropy_with_logits(x, ...)``
    for an ``x`` that requires grad, then ``loss.backward(grad_output)`` and ``x.grad``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.binary_cross_entropy_with_logits_with_grad(np.array([2.0, -1.0]), np.array([1.0, 0.0]))
    (np.float64(0.2200948492805977), array([-0.05960146,  0.13447071]))
    """
    if _dask.lazy(input, target, weight, pos_weight):
        return _dask.loss("binary_cross_entropy_with_logits_with_grad", locals())
    return _binary_cross_entropy_with_logits_with_grad(input, target, weight,
                                                       check_reduction(reduction), pos_weight,
                                                       grad_output)


def kl_div(input, target, *, reduction="mean", log_target=False):
    """Kullback-Leibler divergence loss (torch.nn.functional.kl_div).

    Parameters
    ----------
    input : array_like
        Log-probabilities.
    target : array_like
        Probabilities, or log-probabilities with ``log_target=True``; broadcast with input.
    reduction : {'none', 'batchmean', 'sum', 'mean'}, default 'mean'
        'batchmean' divides the sum by input.shape[0] (the KL divergence per sample; a 0-d
        input is just summed, as torch); 'mean' divides by the number of elements (torch's
        default, which warns about it; this function does not warn).
    log_target : bool, default False

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    loss = xlogy(target, target) - target input (0 where target == 0; NaN for target < 0, as
    torch); with log_target: exp(target) (target - input).

    Gradient (``kl_div_backward``):

    'batchmean' divides by input.shape[0], 'mean' by the element count. Both gradients are
    summed over the dimensions their argument was broadcast along, as autograd does. The
    target gradient is torch's autograd through ``xlogy(target, target) - target * input``:
    at target == 0 it is NaN (torch's 0 / 0; the one-sided limit is -inf), and NaN for a
    negative target, where the loss is NaN too.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.kl_div(np.log([[0.5, 0.5]]), np.array([[0.9, 0.1]]), reduction="batchmean")
    np.float64(0.368064207168497)
    """
    if _dask.lazy(input, target):
        return _dask.loss("kl_div", locals())
    return _kl_div(input, target, check_reduction(reduction, ("none", "batchmean", "sum", "mean")),
                   bool_option(log_target, "log_target"))


def kl_div_backward(grad_output, input, target, *, reduction="mean", log_target=False,
                    target_requires_grad=False):
    """Gradient of ``kl_div`` with respect to its input, and optionally its target.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        Log-probabilities.
    target : array_like
        Probabilities, or log-probabilities with ``log_target=True``; broadcast with input.
    reduction : {'none', 'batchmean', 'sum', 'mean'}, default 'mean'
        'batchmean' divides the sum by input.shape[0] (the KL divergence per sample; a 0-d
        input is just summed, as torch); 'mean' divides by the number of elements (torch's
        default, which warns about it; this function does not warn).
    log_target : bool, default False
    target_requires_grad : bool, default False
        The target is learned too (torch: ``target.requires_grad``, e.g. a distillation
        target from a model being trained): return ``(grad_input, grad_target)``.

    Returns
    -------
    grad_input : ndarray
        -target grad_output, or -exp(target) grad_output with log_target; the input's shape
        and float dtype.
    grad_target : ndarray
        Only with ``target_requires_grad=True``: (log(target) + 1 - input) grad_output, or
        exp(target) (target - input + 1) grad_output with log_target; the target's shape and
        float dtype (float64 for an integer target).

    Raises
    ------
    TypeError
        A target_requires_grad that is not a bool, and everything ``kl_div`` raises.
    ValueError
        A grad_output of the wrong shape, and everything ``kl_div`` raises.

    Notes
    -----
    'batchmean' divides by input.shape[0], 'mean' by the element count. Both gradients are
    summed over the dimensions their argument was broadcast along, as autograd does. The
    target gradient is torch's autograd through ``xlogy(target, target) - target * input``:
    at target == 0 it is NaN (torch's 0 / 0; the one-sided limit is -inf), and NaN for a
    negative target, where the loss is NaN too.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.kl_div(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> gx, gt = F.kl_div_backward(1.0, np.log([0.5, 0.5]), np.array([0.9, 0.1]),
    ...                            reduction="sum", target_requires_grad=True)
    >>> gx, gt.round(6)
    (array([-0.9, -0.1]), array([ 1.587787, -0.609438]))
    """
    if _dask.lazy(grad_output, input, target):
        return _dask.loss("kl_div_backward", locals())
    return _kl_div_backward(grad_output, input, target,
                            check_reduction(reduction, ("none", "batchmean", "sum", "mean")),
                            bool_option(log_target, "log_target"),
                            bool_option(target_requires_grad, "target_requires_grad"))


def gaussian_nll_loss(input, target, var, full=False, eps=1e-06, reduction="mean"):
    """Gaussian negative log-likelihood (torch.nn.functional.gaussian_nll_loss).

    Parameters
    ----------
    input : array_like
        Expectations.
    target : array_like
        Samples; broadcast with input (as torch's arithmetic does).
    var : array_like or float
        Variances, >= 0: the input's shape; or the input's shape without its last dimension
        (then one variance per row, as torch's unsqueeze(-1)); or the input's number of
        dimensions with exactly one mismatched dimension of size 1; or a scalar.
    full : bool, default False
        Add the constant 0.5 log(2 pi).
    eps : float, default 1e-06
        var is clamped to at least eps.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    ValueError
        A negative var entry, a var of a shape other than the above, shapes that do not
        broadcast (message with the shapes), or an unknown `reduction`.
    TypeError
        For complex, object or string arrays.

    Notes
    -----
    loss = 0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps)) [+ 0.5 log(2 pi)].

    Gradient (``gaussian_nll_loss_backward``):

    torch clamps a clone of var in place under ``no_grad``, so its autograd hands the
    gradient at the clamped value to every entry of var -- the clamped ones included
    (var < eps gets the gradient at v = eps, not 0). This function returns the same.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.gaussian_nll_loss(np.array([1.0, 2.0]), np.array([1.5, 2.0]), np.array([0.5, 1.0]))
    np.float64(-0.04828679513998632)
    """
    if _dask.lazy(input, target, var):
        return _dask.loss("gaussian_nll_loss", locals())
    return _gaussian_nll_loss(input, target, var, bool_option(full, "full"), eps,
                              check_reduction(reduction))


def gaussian_nll_loss_backward(grad_output, input, target, var, full=False, eps=1e-06,
                               reduction="mean"):
    """Gradient of ``gaussian_nll_loss`` with respect to input and var.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        Expectations.
    target : array_like
        Samples; broadcast with input (as torch's arithmetic does).
    var : array_like or float
        Variances, >= 0: the input's shape; or the input's shape without its last dimension
        (then one variance per row, as torch's unsqueeze(-1)); or the input's number of
        dimensions with exactly one mismatched dimension of size 1; or a scalar.
    full : bool, default False
        Add the constant 0.5 log(2 pi).
    eps : float, default 1e-06
        var is clamped to at least eps.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    grad_input : ndarray
        (input - target) / v grad_output, v = max(var, eps); input's shape and dtype.
    grad_var : ndarray
        (0.5 / v - 0.5 (input - target)^2 / v^2) grad_output, summed over the dimensions var
        was broadcast along, in var's shape and dtype (a 0-d array of the result dtype for a
        scalar var).

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``gaussian_nll_loss`` raises.

    Notes
    -----
    torch clamps a clone of var in place under ``no_grad``, so its autograd hands the
    gradient at the clamped value to every entry of var -- the clamped ones included
    (var < eps gets the gradient at v = eps, not 0). This function returns the same.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.gaussian_nll_loss(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.gaussian_nll_loss_backward(1.0, np.array([1.0, 2.0]), np.array([1.5, 2.0]),
    ...                              np.array([0.5, 1.0]))
    (array([-0.5,  0. ]), array([0.25, 0.25]))
    """
    if _dask.lazy(grad_output, input, target, var):
        return _dask.loss("gaussian_nll_loss_backward", locals())
    return _gaussian_nll_loss_backward(grad_output, input, target, var, bool_option(full, "full"),
                                       eps, check_reduction(reduction))


def poisson_nll_loss(input, target, log_input=True, full=False, *, eps=1e-08, reduction="mean"):
    """Poisson negative log-likelihood (torch.nn.functional.poisson_nll_loss).

    Parameters
    ----------
    input : array_like
        The rate's logarithm (log_input=True) or the rate itself.
    target : array_like
        Counts; broadcast with input.
    log_input : bool, default True
    full : bool, default False
        Add Stirling's approximation target log(target) - target + 0.5 log(2 pi target) of
        log(target!), where target > 1 (0 elsewhere, as torch).
    eps : float, default 1e-08
        Added to input inside the log when log_input=False.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    loss = exp(input) - target input (log_input), or input - target log(input + eps).

    Gradient (``poisson_nll_loss_backward``):

    (exp(input) - target) grad_output with log_input, else (1 - target / (input + eps))
    grad_output; the Stirling term has no input gradient.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.poisson_nll_loss(np.array([0.0, 1.0]), np.array([1.0, 2.0]))
    np.float64(0.8591409142295225)
    """
    if _dask.lazy(input, target):
        return _dask.loss("poisson_nll_loss", locals())
    return _poisson_nll_loss(input, target, bool_option(log_input, "log_input"),
                             bool_option(full, "full"), eps, check_reduction(reduction))


def poisson_nll_loss_backward(grad_output, input, target, log_input=True, full=False, *, eps=1e-08,
                              reduction="mean"):
    """Gradient of ``poisson_nll_loss`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        The rate's logarithm (log_input=True) or the rate itself.
    target : array_like
        Counts; broadcast with input.
    log_input : bool, default True
    full : bool, default False
        Add Stirling's approximation target log(target) - target + 0.5 log(2 pi target) of
        log(target!), where target > 1 (0 elsewhere, as torch).
    eps : float, default 1e-08
        Added to input inside the log when log_input=False.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``poisson_nll_loss`` raises.

    Notes
    -----
    (exp(input) - target) grad_output with log_input, else (1 - target / (input + eps))
    grad_output; the Stirling term has no input gradient.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.poisson_nll_loss(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.poisson_nll_loss_backward(1.0, np.array([0.0, 1.0]), np.array([1.0, 2.0]))
    array([0.        , 0.35914091])
    """
    if _dask.lazy(grad_output, input, target):
        return _dask.loss("poisson_nll_loss_backward", locals())
    return _poisson_nll_loss_backward(grad_output, input, target,
                                      bool_option(log_input, "log_input"),
                                      bool_option(full, "full"), eps, check_reduction(reduction))


def margin_ranking_loss(input1, input2, target, margin=0, *, reduction="mean"):
    """Margin ranking loss (torch.nn.functional.margin_ranking_loss).

    Parameters
    ----------
    input1, input2 : array_like
        The two scores to rank.
    target : array_like
        1 where input1 should rank higher, -1 where input2 should. The three arrays must have
        the same number of dimensions (as torch) and broadcast together.
    margin : float, default 0
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    loss = max(0, -target (input1 - input2) + margin).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.margin_ranking_loss(np.array([0.3, 1.0]), np.array([0.5, 0.0]), np.ones(2),
    ...                       reduction="none")
    array([0.2, 0. ])
    """
    if _dask.lazy(input1, input2, target):
        return _dask.loss("margin_ranking_loss", locals())
    return _margin_ranking_loss(input1, input2, target, margin, check_reduction(reduction))


def margin_ranking_loss_backward(grad_output, input1, input2, target, margin=0, *,
                                 reduction="mean"):
    """Gradient of ``margin_ranking_loss`` with respect to input1 and input2.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input1, input2 : array_like
        The two scores to rank.
    target : array_like
        1 where input1 should rank higher, -1 where input2 should. The three arrays must have
        the same number of dimensions (as torch) and broadcast together.
    margin : float, default 0
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    grad_input1, grad_input2 : ndarray
        -target grad_output and target grad_output where -target (input1 - input2) + margin
        >= 0, else 0 -- the boundary passes the gradient, as torch's clamp_min -- each summed
        to its input's shape and in its dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``margin_ranking_loss`` raises.

    Notes
    -----
    torch equivalent: ``torch.autograd.grad(torch.nn.functional.margin_ranking_loss(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.margin_ranking_loss_backward(np.ones((2,)), np.array([0.3, 1.0]),
    ...                                np.array([0.5, 0.0]), np.ones(2), reduction="none")
    (array([-1., -0.]), array([1., 0.]))
    """
    if _dask.lazy(grad_output, input1, input2, target):
        return _dask.loss("margin_ranking_loss_backward", locals())
    return _margin_ranking_loss_backward(grad_output, input1, input2, target, margin,
                                         check_reduction(reduction))


def hinge_embedding_loss(input, target, margin=1.0, *, reduction="mean"):
    """Hinge embedding loss (torch.nn.functional.hinge_embedding_loss).

    Parameters
    ----------
    input : array_like
        Distances (or other non-negative scores).
    target : array_like
        1 (similar) or -1 (dissimilar); broadcast with input.
    margin : float, default 1.0
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    torch's definition: max(0, margin - input) where target != 1, plus input where
    target != -1 (so targets other than +-1 get both terms).

    Gradient (``hinge_embedding_loss_backward``):

    (-1 where target != 1 and margin - input >= 0, the boundary included as torch's clamp_min) +
    (1 where target != -1), times grad_output.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.hinge_embedding_loss(np.array([0.3, 2.0]), np.array([-1.0, 1.0]), reduction="none")
    array([0.7, 2. ])
    """
    if _dask.lazy(input, target):
        return _dask.loss("hinge_embedding_loss", locals())
    return _hinge_embedding_loss(input, target, margin, check_reduction(reduction))


def hinge_embedding_loss_backward(grad_output, input, target, margin=1.0, *, reduction="mean"):
    """Gradient of ``hinge_embedding_loss`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        Distances (or other non-negative scores).
    target : array_like
        1 (similar) or -1 (dissimilar); broadcast with input.
    margin : float, default 1.0
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``hinge_embedding_loss`` raises.

    Notes
    -----
    (-1 where target != 1 and margin - input >= 0, the boundary included as torch's clamp_min) +
    (1 where target != -1), times grad_output.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.hinge_embedding_loss(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.hinge_embedding_loss_backward(np.ones((2,)), np.array([0.3, 2.0]),
    ...                                 np.array([-1.0, 1.0]), reduction="none")
    array([-1.,  1.])
    """
    if _dask.lazy(grad_output, input, target):
        return _dask.loss("hinge_embedding_loss_backward", locals())
    return _hinge_embedding_loss_backward(grad_output, input, target, margin,
                                          check_reduction(reduction))


def soft_margin_loss(input, target, *, reduction="mean"):
    """Soft margin loss (torch.nn.functional.soft_margin_loss).

    Parameters
    ----------
    input : array_like
    target : array_like
        1 or -1; must broadcast to the input's shape (torch writes the loss in it).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    loss = log(1 + exp(-target input)), as softplus(-target input): finite for any input
    (torch's log1p(exp(.)) overflows to inf once -target input passes exp's range).

    Gradient (``soft_margin_loss_backward``):

    -target sigmoid(-target input) grad_output (torch divides exp by 1 + exp and gets NaN once
    exp overflows; this gives the limit -target).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.soft_margin_loss(np.array([2.0, -1.0]), np.ones(2), reduction="none")
    array([0.12692801, 1.31326169])
    """
    if _dask.lazy(input, target):
        return _dask.loss("soft_margin_loss", locals())
    return _soft_margin_loss(input, target, check_reduction(reduction))


def soft_margin_loss_backward(grad_output, input, target, *, reduction="mean"):
    """Gradient of ``soft_margin_loss`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
    target : array_like
        1 or -1; must broadcast to the input's shape (torch writes the loss in it).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``soft_margin_loss`` raises.

    Notes
    -----
    -target sigmoid(-target input) grad_output (torch divides exp by 1 + exp and gets NaN once
    exp overflows; this gives the limit -target).

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.soft_margin_loss(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.soft_margin_loss_backward(np.ones((2,)), np.array([2.0, -1.0]), np.ones(2),
    ...                             reduction="none")
    array([-0.11920292, -0.73105858])
    """
    if _dask.lazy(grad_output, input, target):
        return _dask.loss("soft_margin_loss_backward", locals())
    return _soft_margin_loss_backward(grad_output, input, target, check_reduction(reduction))


def multilabel_soft_margin_loss(input, target, weight=None, *, reduction="mean"):
    """Multi-label one-versus-all soft margin loss
    (torch.nn.functional.multilabel_soft_margin_loss).

    Parameters
    ----------
    input : array_like
        Logits of shape (..., C): the last dimension holds the classes.
    target : array_like
        0/1 labels, broadcast to the input's shape.
    weight : array_like, optional
        Broadcast to the input's shape (typically (C,), a weight per class).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    Exactly torch's: the per-element loss -w (t log sigmoid(x) + (1 - t) log sigmoid(-x)) is
    summed over the class dimension and divided by C, giving one loss per row (shape
    input.shape[:-1], a 0-d array for a 1-D input); 'mean'/'sum' then reduce over the rows.
    C = 0 gives NaN rows (0/0), as torch.

    Gradient (``multilabel_soft_margin_loss_backward``):

    ((1 - target) sigmoid(input) - target sigmoid(-input)) weight g / C, g the grad_output of
    the element's row.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.multilabel_soft_margin_loss(np.array([[2.0, -1.0, 0.5]]), np.array([[1.0, 0.0, 1.0]]),
    ...                               reduction="none")
    array([0.30475556])
    """
    if _dask.lazy(input, target, weight):
        return _dask.loss("multilabel_soft_margin_loss", locals())
    return _multilabel_soft_margin_loss(input, target, weight, check_reduction(reduction))


def multilabel_soft_margin_loss_backward(grad_output, input, target, weight=None, *,
                                         reduction="mean"):
    """Gradient of ``multilabel_soft_margin_loss`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        Logits of shape (..., C): the last dimension holds the classes.
    target : array_like
        0/1 labels, broadcast to the input's shape.
    weight : array_like, optional
        Broadcast to the input's shape (typically (C,), a weight per class).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``multilabel_soft_margin_loss`` raises.

    Notes
    -----
    ((1 - target) sigmoid(input) - target sigmoid(-input)) weight g / C, g the grad_output of
    the element's row.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.multilabel_soft_margin_loss(x,
    ...), x, grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.multilabel_soft_margin_loss_backward(np.ones((1,)), np.array([[2.0, -1.0, 0.5]]),
    ...                                        np.array([[1.0, 0.0, 1.0]]),
    ...                                        reduction="none")
    array([[-0.03973431,  0.08964714, -0.12584689]])
    """
    if _dask.lazy(grad_output, input, target, weight):
        return _dask.loss("multilabel_soft_margin_loss_backward", locals())
    return _multilabel_soft_margin_loss_backward(grad_output, input, target, weight,
                                                 check_reduction(reduction))


def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2, reduction="none"):
    """Sigmoid focal loss of RetinaNet (torchvision.ops.sigmoid_focal_loss).

    Parameters
    ----------
    inputs : array_like
        Logits, any shape.
    targets : array_like
        Same shape; 1 for the positive class, 0 for the negative.
    alpha : float, default 0.25
        Weight of the positives (1 - alpha for the negatives), in [0, 1]; -1 switches the
        weighting off.
    gamma : float, default 2
        Exponent of the modulating factor (1 - p_t).
    reduction : {'none', 'mean', 'sum'}, default 'none'
        torchvision's default is 'none'.

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    torchvision's definition: p = sigmoid(x), ce = binary_cross_entropy_with_logits(x, t),
    p_t = p t + (1 - p)(1 - t), loss = alpha_t ce (1 - p_t)^gamma with alpha_t = alpha t +
    (1 - alpha)(1 - t). 1 - p_t is formed as t sigmoid(-x) + (1 - t) sigmoid(x), without the
    cancellation of 1 - p_t, so confident predictions get their tiny loss (and gradient)
    where torchvision's float arithmetic gives 0 (or, for gamma < 1, a NaN gradient).

    Gradient (``sigmoid_focal_loss_backward``):

    gamma = 0 drops the second term (torch's pow backward is 0 for a zero exponent).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.sigmoid_focal_loss(np.array([3.0, -0.5]), np.ones(2))
    array([2.73208311e-05, 9.43529002e-02])
    """
    if _dask.lazy(inputs, targets):
        return _dask.loss("sigmoid_focal_loss", locals())
    return _sigmoid_focal_loss(inputs, targets, alpha, gamma, check_reduction(reduction))


def sigmoid_focal_loss_backward(grad_output, inputs, targets, alpha=0.25, gamma=2,
                                reduction="none"):
    """Gradient of ``sigmoid_focal_loss`` with respect to its inputs (the logits).

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    inputs : array_like
        Logits, any shape.
    targets : array_like
        Same shape; 1 for the positive class, 0 for the negative.
    alpha : float, default 0.25
        Weight of the positives (1 - alpha for the negatives), in [0, 1]; -1 switches the
        weighting off.
    gamma : float, default 2
        Exponent of the modulating factor (1 - p_t).
    reduction : {'none', 'mean', 'sum'}, default 'none'
        torchvision's default is 'none'.

    Returns
    -------
    ndarray
        alpha_t ((s - t) q^gamma + ce gamma q^(gamma - 1) (1 - 2t) s (1 - s)) grad_output,
        s = sigmoid(inputs), q = 1 - p_t; the shape and dtype of `inputs`.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``sigmoid_focal_loss`` raises.

    Notes
    -----
    gamma = 0 drops the second term (torch's pow backward is 0 for a zero exponent).

    torch equivalent: ``torch.autograd.grad(torchvision.ops.sigmoid_focal_loss(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.sigmoid_focal_loss_backward(np.ones((2,)), np.array([3.0, -0.5]), np.ones(2))
    array([-7.87179616e-05, -1.31537955e-01])
    """
    if _dask.lazy(grad_output, inputs, targets):
        return _dask.loss("sigmoid_focal_loss_backward", locals())
    return _sigmoid_focal_loss_backward(grad_output, inputs, targets, alpha, gamma,
                                        check_reduction(reduction))


def sigmoid_focal_loss_with_grad(inputs, targets, alpha=0.25, gamma=2, reduction="none", *,
                                 grad_output=1.0):
    """Loss and input gradient of ``sigmoid_focal_loss`` in one pass over the logits.

    Parameters
    ----------
    inputs : array_like
        Logits, any shape.
    targets : array_like
        Same shape; 1 for the positive class, 0 for the negative.
    alpha : float, default 0.25
        Weight of the positives (1 - alpha for the negatives), in [0, 1]; -1 switches the
        weighting off.
    gamma : float, default 2
        Exponent of the modulating factor (1 - p_t).
    reduction : {'none', 'mean', 'sum'}, default 'none'
        torchvision's default is 'none'.
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``sigmoid_focal_loss`` returns.
    grad_input : ndarray
        What ``sigmoid_focal_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``sigmoid_focal_loss``):

    torchvision's definition: p = sigmoid(x), ce = binary_cross_entropy_with_logits(x, t),
    p_t = p t + (1 - p)(1 - t), loss = alpha_t ce (1 - p_t)^gamma with alpha_t = alpha t +
    (1 - alpha)(1 - t). 1 - p_t is formed as t sigmoid(-x) + (1 - t) sigmoid(x), without the
    cancellation of 1 - p_t, so confident predictions get their tiny loss (and gradient)
    where torchvision's float arithmetic gives 0 (or, for gamma < 1, a NaN gradient).

    Gradient (``sigmoid_focal_loss_backward``):

    gamma = 0 drops the second term (torch's pow backward is 0 for a zero exponent).

    torch equivalent: ``loss = torchvision.ops.sigmoid_focal_loss(x, ...)`` for an ``x`` that
    requires grad, then ``loss.backward(grad_output)`` and ``x.grad``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> loss, grad = F.sigmoid_focal_loss_with_grad(np.array([3.0, -0.5]), np.ones(2))
    >>> loss
    array([2.73208311e-05, 9.43529002e-02])
    >>> grad
    array([-7.87179616e-05, -1.31537955e-01])
    """
    if _dask.lazy(inputs, targets):
        return _dask.loss("sigmoid_focal_loss_with_grad", locals())
    return _sigmoid_focal_loss_with_grad(inputs, targets, alpha, gamma, check_reduction(reduction),
                                         grad_output)


def hinge_loss(input, target, *, reduction="mean"):
    """Binary hinge loss (optax.hinge_loss; sklearn.metrics.hinge_loss for +-1 labels); not in torch.

    Parameters
    ----------
    input : array_like
        Scores (decision values), any shape.
    target : array_like
        1 or -1, any real or integer dtype; broadcast to the input's shape. Map 0/1
        labels with ``2 * t - 1`` (values are not checked, as optax).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    loss = max(0, 1 - target input). ``'mean'`` equals ``sklearn.metrics.hinge_loss(target,
    input)`` and ``optax.hinge_loss(input, target).mean()``.

    Gradient (``hinge_loss_backward``):

    -target grad_output where 1 - target input >= 0 (the kink included, as torch's clamp_min
    passes it), else 0; NaN for a NaN input.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.hinge_loss(np.array([2.0, 0.3, -0.5]), np.array([1, 1, 1]), reduction="none")
    array([0. , 0.7, 1.5])
    """
    if _dask.lazy(input, target):
        return _dask.loss("hinge_loss", locals())
    return _hinge_loss(input, target, check_reduction(reduction))


def hinge_loss_backward(grad_output, input, target, *, reduction="mean"):
    """Gradient of ``hinge_loss`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        Scores (decision values), any shape.
    target : array_like
        1 or -1, any real or integer dtype; broadcast to the input's shape. Map 0/1
        labels with ``2 * t - 1`` (values are not checked, as optax).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``hinge_loss`` raises.

    Notes
    -----
    -target grad_output where 1 - target input >= 0 (the kink included, as torch's clamp_min
    passes it), else 0; NaN for a NaN input.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.hinge_loss_backward(np.ones((3,)), np.array([2.0, 0.3, -0.5]),
    ...                       np.array([1, 1, 1]), reduction="none")
    array([ 0., -1., -1.])
    """
    if _dask.lazy(grad_output, input, target):
        return _dask.loss("hinge_loss_backward", locals())
    return _hinge_loss_backward(grad_output, input, target, check_reduction(reduction))


def hinge_loss_with_grad(input, target, *, reduction="mean", grad_output=1.0):
    """Loss and input gradient of ``hinge_loss`` in one pass over the scores.

    Parameters
    ----------
    input : array_like
        Scores (decision values), any shape.
    target : array_like
        1 or -1, any real or integer dtype; broadcast to the input's shape. Map 0/1
        labels with ``2 * t - 1`` (values are not checked, as optax).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``hinge_loss`` returns.
    grad_input : ndarray
        What ``hinge_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``hinge_loss``):

    loss = max(0, 1 - target input). ``'mean'`` equals ``sklearn.metrics.hinge_loss(target,
    input)`` and ``optax.hinge_loss(input, target).mean()``.

    Gradient (``hinge_loss_backward``):

    -target grad_output where 1 - target input >= 0 (the kink included, as torch's clamp_min
    passes it), else 0; NaN for a NaN input.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.hinge_loss_with_grad(np.array([2.0, 0.5]), np.array([1.0, 1.0]))
    (np.float64(0.25), array([ 0. , -0.5]))
    """
    if _dask.lazy(input, target):
        return _dask.loss("hinge_loss_with_grad", locals())
    return _hinge_loss_with_grad(input, target, check_reduction(reduction), grad_output)


def squared_hinge_loss(input, target, *, reduction="mean"):
    """Squared hinge loss (Keras ``squared_hinge``, optax-style ``hinge_loss ** 2``); not in torch.

    Parameters
    ----------
    input : array_like
        Scores (decision values), any shape.
    target : array_like
        1 or -1; broadcast to the input's shape. Map 0/1 labels with ``2 * t - 1``.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    loss = max(0, 1 - target input)^2. ``'mean'`` over an ``(N, C)`` input equals
    ``keras.losses.squared_hinge(target, input)`` averaged over its N rows (Keras takes the
    mean over the last axis, then over the batch).

    Gradient (``squared_hinge_loss_backward``):

    -2 target max(0, 1 - target input) grad_output (0 at the kink).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.squared_hinge_loss(np.array([2.0, 0.3, -0.5]), np.ones(3), reduction="none")
    array([0.  , 0.49, 2.25])
    """
    if _dask.lazy(input, target):
        return _dask.loss("squared_hinge_loss", locals())
    return _squared_hinge_loss(input, target, check_reduction(reduction))


def squared_hinge_loss_backward(grad_output, input, target, *, reduction="mean"):
    """Gradient of ``squared_hinge_loss`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        Scores (decision values), any shape.
    target : array_like
        1 or -1; broadcast to the input's shape. Map 0/1 labels with ``2 * t - 1``.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``squared_hinge_loss`` raises.

    Notes
    -----
    -2 target max(0, 1 - target input) grad_output (0 at the kink).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.squared_hinge_loss_backward(np.ones((3,)), np.array([2.0, 0.3, -0.5]), np.ones(3),
    ...                               reduction="none")
    array([-0. , -1.4, -3. ])
    """
    if _dask.lazy(grad_output, input, target):
        return _dask.loss("squared_hinge_loss_backward", locals())
    return _squared_hinge_loss_backward(grad_output, input, target, check_reduction(reduction))


def squared_hinge_loss_with_grad(input, target, *, reduction="mean", grad_output=1.0):
    """Loss and input gradient of ``squared_hinge_loss`` in one pass over the scores.

    Parameters
    ----------
    input : array_like
        Scores (decision values), any shape.
    target : array_like
        1 or -1; broadcast to the input's shape. Map 0/1 labels with ``2 * t - 1``.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``squared_hinge_loss`` returns.
    grad_input : ndarray
        What ``squared_hinge_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``squared_hinge_loss``):

    loss = max(0, 1 - target input)^2. ``'mean'`` over an ``(N, C)`` input equals
    ``keras.losses.squared_hinge(target, input)`` averaged over its N rows (Keras takes the
    mean over the last axis, then over the batch).

    Gradient (``squared_hinge_loss_backward``):

    -2 target max(0, 1 - target input) grad_output (0 at the kink).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> loss, grad = F.squared_hinge_loss_with_grad(np.array([2.0, 0.3, -0.5]), np.ones(3),
    ...                                             reduction="none")
    >>> loss
    array([0.  , 0.49, 2.25])
    >>> grad
    array([-0. , -1.4, -3. ])
    """
    if _dask.lazy(input, target):
        return _dask.loss("squared_hinge_loss_with_grad", locals())
    return _squared_hinge_loss_with_grad(input, target, check_reduction(reduction), grad_output)


def log_cosh_loss(input, target, *, reduction="mean"):
    """Log-cosh regression loss (optax.log_cosh, Keras ``log_cosh``); not in torch.

    Parameters
    ----------
    input, target : array_like
        Broadcast together (torch warns about different sizes and then broadcasts; so does this
        function, with the same UserWarning).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    loss = log(cosh(input - target)): about d^2 / 2 for a small error d and |d| - log 2 for a
    large one (a smooth Huber loss). Computed as log1p(u^2 / (2 (1 + u))), u = expm1(|d|),
    below |d| = 1 -- full relative accuracy for tiny d, where ``log(cosh(d))`` is 0 -- and as
    |d| - log 2 + log1p(exp(-2 |d|)) above, so cosh never overflows (|d| = 1000 gives
    1000 - log 2, where ``np.log(np.cosh(d))`` is inf). Equals optax's
    ``logaddexp(d, -d) - log 2``.

    Gradient (``log_cosh_loss_backward``):

    tanh(input - target) grad_output.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.log_cosh_loss(np.array([1e-8, 1000.0]), np.zeros(2), reduction="none")
    array([5.00000000e-17, 9.99306853e+02])
    """
    if _dask.lazy(input, target):
        return _dask.loss("log_cosh_loss", locals())
    return _log_cosh_loss(input, target, check_reduction(reduction))


def log_cosh_loss_backward(grad_output, input, target, *, reduction="mean"):
    """Gradient of ``log_cosh_loss`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input, target : array_like
        Broadcast together (torch warns about different sizes and then broadcasts; so does this
        function, with the same UserWarning).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``log_cosh_loss`` raises.

    Notes
    -----
    tanh(input - target) grad_output.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.log_cosh_loss_backward(np.ones((2,)), np.array([1e-8, 1000.0]), np.zeros(2),
    ...                          reduction="none")
    array([1.e-08, 1.e+00])
    """
    if _dask.lazy(grad_output, input, target):
        return _dask.loss("log_cosh_loss_backward", locals())
    return _log_cosh_loss_backward(grad_output, input, target, check_reduction(reduction))


def log_cosh_loss_with_grad(input, target, *, reduction="mean", grad_output=1.0):
    """Loss and input gradient of ``log_cosh_loss`` in one pass, sharing one expm1 per element.

    Parameters
    ----------
    input, target : array_like
        Broadcast together (torch warns about different sizes and then broadcasts; so does this
        function, with the same UserWarning).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``log_cosh_loss`` returns.
    grad_input : ndarray
        What ``log_cosh_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``log_cosh_loss``):

    loss = log(cosh(input - target)): about d^2 / 2 for a small error d and |d| - log 2 for a
    large one (a smooth Huber loss). Computed as log1p(u^2 / (2 (1 + u))), u = expm1(|d|),
    below |d| = 1 -- full relative accuracy for tiny d, where ``log(cosh(d))`` is 0 -- and as
    |d| - log 2 + log1p(exp(-2 |d|)) above, so cosh never overflows (|d| = 1000 gives
    1000 - log 2, where ``np.log(np.cosh(d))`` is inf). Equals optax's
    ``logaddexp(d, -d) - log 2``.

    Gradient (``log_cosh_loss_backward``):

    tanh(input - target) grad_output.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> loss, grad = F.log_cosh_loss_with_grad(np.array([1e-8, 1000.0]), np.zeros(2),
    ...                                        reduction="none")
    >>> loss
    array([5.00000000e-17, 9.99306853e+02])
    >>> grad
    array([1.e-08, 1.e+00])
    """
    if _dask.lazy(input, target):
        return _dask.loss("log_cosh_loss_with_grad", locals())
    return _log_cosh_loss_with_grad(input, target, check_reduction(reduction), grad_output)


def pinball_loss(input, target, *, quantile=0.5, reduction="mean"):
    """Pinball (quantile) loss (sklearn.metrics.mean_pinball_loss); not in torch.

    ``quantile_loss`` is the same function.

    Parameters
    ----------
    input : array_like
        Predicted quantiles.
    target : array_like
        Observed values; broadcast with input.
    quantile : float, default 0.5
        The quantile tau in [0, 1] the input estimates (sklearn's ``alpha``).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    With d = target - input: loss = tau d where d >= 0, (tau - 1) d where d < 0 -- an
    under-prediction costs tau per unit, an over-prediction 1 - tau. ``'mean'`` equals
    ``sklearn.metrics.mean_pinball_loss(target, input, alpha=quantile)``; tau = 0.5 is half
    the absolute error.

    Gradient (``pinball_loss_backward``):

    -tau grad_output where target > input, (1 - tau) grad_output where target < input and, at
    target == input, their mean (1/2 - tau) grad_output (the subgradient torch's ``max`` of
    the two lines gives).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.pinball_loss(np.array([1.0, 3.0]), np.array([2.0, 2.0]), quantile=0.9,
    ...                reduction="none")
    array([0.9, 0.1])
    """
    if _dask.lazy(input, target):
        return _dask.loss("pinball_loss", locals())
    return _pinball_loss(input, target, quantile, check_reduction(reduction))


def pinball_loss_backward(grad_output, input, target, *, quantile=0.5, reduction="mean"):
    """Gradient of ``pinball_loss`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        Predicted quantiles.
    target : array_like
        Observed values; broadcast with input.
    quantile : float, default 0.5
        The quantile tau in [0, 1] the input estimates (sklearn's ``alpha``).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``pinball_loss`` raises.

    Notes
    -----
    -tau grad_output where target > input, (1 - tau) grad_output where target < input and, at
    target == input, their mean (1/2 - tau) grad_output (the subgradient torch's ``max`` of
    the two lines gives).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.pinball_loss_backward(np.ones((2,)), np.array([1.0, 3.0]), np.array([2.0, 2.0]),
    ...                         quantile=0.9, reduction="none")
    array([-0.9,  0.1])
    """
    if _dask.lazy(grad_output, input, target):
        return _dask.loss("pinball_loss_backward", locals())
    return _pinball_loss_backward(grad_output, input, target, quantile, check_reduction(reduction))


def pinball_loss_with_grad(input, target, *, quantile=0.5, reduction="mean", grad_output=1.0):
    """Loss and input gradient of ``pinball_loss`` in one pass.

    Parameters
    ----------
    input : array_like
        Predicted quantiles.
    target : array_like
        Observed values; broadcast with input.
    quantile : float, default 0.5
        The quantile tau in [0, 1] the input estimates (sklearn's ``alpha``).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``pinball_loss`` returns.
    grad_input : ndarray
        What ``pinball_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``pinball_loss``):

    With d = target - input: loss = tau d where d >= 0, (tau - 1) d where d < 0 -- an
    under-prediction costs tau per unit, an over-prediction 1 - tau. ``'mean'`` equals
    ``sklearn.metrics.mean_pinball_loss(target, input, alpha=quantile)``; tau = 0.5 is half
    the absolute error.

    Gradient (``pinball_loss_backward``):

    -tau grad_output where target > input, (1 - tau) grad_output where target < input and, at
    target == input, their mean (1/2 - tau) grad_output (the subgradient torch's ``max`` of
    the two lines gives).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> loss, grad = F.pinball_loss_with_grad(np.array([1.0, 3.0]), np.array([2.0, 2.0]),
    ...                                       quantile=0.9, reduction="none")
    >>> loss
    array([0.9, 0.1])
    >>> grad
    array([-0.9,  0.1])
    """
    if _dask.lazy(input, target):
        return _dask.loss("pinball_loss_with_grad", locals())
    return _pinball_loss_with_grad(input, target, quantile, check_reduction(reduction),
                                   grad_output)


quantile_loss = pinball_loss


quantile_loss_backward = pinball_loss_backward


def binary_focal_loss(input, target, weight=None, *, alpha=0.25, gamma=2.0, reduction="mean"):
    """Binary focal loss with a constant alpha and p_t = exp(-BCE) (soft labels work); not in torch.

    Parameters
    ----------
    input : array_like
        Logits, any shape.
    target : array_like
        Same shape as input: 0/1 labels or soft labels (probabilities, not checked, as
        binary_cross_entropy_with_logits).
    weight : array_like, optional
        Broadcast to the input's shape; multiplies each element's loss ('mean' still divides
        by the element count, as binary_cross_entropy_with_logits).
    alpha : float, default 0.25
        Constant factor of every element's loss.
    gamma : float, default 2.0
        Exponent of the modulating factor (1 - p_t), >= 0.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    ce = binary_cross_entropy_with_logits(input, target, reduction='none'), p_t = exp(-ce),
    loss = alpha (1 - p_t)^gamma ce -- the focal loss as the reference document and most
    PyTorch code bases write it (with 'mean' by default). For 0/1 targets p_t is the
    probability of the true class, as in ``sigmoid_focal_loss``, but alpha weighs every element
    alike (``sigmoid_focal_loss`` weighs positives by alpha and negatives by 1 - alpha, and
    its default reduction is 'none'). 1 - p_t is computed as -expm1(-ce), so confident
    predictions keep their tiny loss and gradient. gamma = 0 is alpha
    binary_cross_entropy_with_logits.

    Gradient (``binary_focal_loss_backward``):

    alpha (1 - p_t)^gamma (1 + gamma p_t ce / (1 - p_t)) ((1 - target) sigmoid(input) -
    target sigmoid(-input)) grad_output (times weight); the ratio ce / (1 - p_t) is 1 at
    ce = 0, its limit, and p_t ce is 0 at ce = inf.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.binary_focal_loss(np.array([3.0, -0.5]), np.array([1.0, 0.3]), reduction="none")
    array([2.73208311e-05, 3.36256984e-02])
    """
    if _dask.lazy(input, target, weight):
        return _dask.loss("binary_focal_loss", locals())
    return _binary_focal_loss(input, target, weight, alpha, gamma, check_reduction(reduction))


def binary_focal_loss_backward(grad_output, input, target, weight=None, *, alpha=0.25, gamma=2.0,
                               reduction="mean"):
    """Gradient of ``binary_focal_loss`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        Logits, any shape.
    target : array_like
        Same shape as input: 0/1 labels or soft labels (probabilities, not checked, as
        binary_cross_entropy_with_logits).
    weight : array_like, optional
        Broadcast to the input's shape; multiplies each element's loss ('mean' still divides
        by the element count, as binary_cross_entropy_with_logits).
    alpha : float, default 0.25
        Constant factor of every element's loss.
    gamma : float, default 2.0
        Exponent of the modulating factor (1 - p_t), >= 0.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``binary_focal_loss`` raises.

    Notes
    -----
    alpha (1 - p_t)^gamma (1 + gamma p_t ce / (1 - p_t)) ((1 - target) sigmoid(input) -
    target sigmoid(-input)) grad_output (times weight); the ratio ce / (1 - p_t) is 1 at
    ce = 0, its limit, and p_t ce is 0 at ce = inf.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.binary_focal_loss_backward(np.ones((2,)), np.array([3.0, -0.5]),
    ...                              np.array([1.0, 0.3]), reduction="none")
    array([-7.87179616e-05,  1.01959296e-02])
    """
    if _dask.lazy(grad_output, input, target, weight):
        return _dask.loss("binary_focal_loss_backward", locals())
    return _binary_focal_loss_backward(grad_output, input, target, weight, alpha, gamma,
                                       check_reduction(reduction))


def binary_focal_loss_with_grad(input, target, weight=None, *, alpha=0.25, gamma=2.0,
                                reduction="mean", grad_output=1.0):
    """Loss and input gradient of ``binary_focal_loss`` in one pass over the logits.

    Parameters
    ----------
    input : array_like
        Logits, any shape.
    target : array_like
        Same shape as input: 0/1 labels or soft labels (probabilities, not checked, as
        binary_cross_entropy_with_logits).
    weight : array_like, optional
        Broadcast to the input's shape; multiplies each element's loss ('mean' still divides
        by the element count, as binary_cross_entropy_with_logits).
    alpha : float, default 0.25
        Constant factor of every element's loss.
    gamma : float, default 2.0
        Exponent of the modulating factor (1 - p_t), >= 0.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``binary_focal_loss`` returns.
    grad_input : ndarray
        What ``binary_focal_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    The reduced loss is summed in the same fixed chunks as the forward alone.

    Loss (``binary_focal_loss``):

    ce = binary_cross_entropy_with_logits(input, target, reduction='none'), p_t = exp(-ce),
    loss = alpha (1 - p_t)^gamma ce -- the focal loss as the reference document and most
    PyTorch code bases write it (with 'mean' by default). For 0/1 targets p_t is the
    probability of the true class, as in ``sigmoid_focal_loss``, but alpha weighs every element
    alike (``sigmoid_focal_loss`` weighs positives by alpha and negatives by 1 - alpha, and
    its default reduction is 'none'). 1 - p_t is computed as -expm1(-ce), so confident
    predictions keep their tiny loss and gradient. gamma = 0 is alpha
    binary_cross_entropy_with_logits.

    Gradient (``binary_focal_loss_backward``):

    alpha (1 - p_t)^gamma (1 + gamma p_t ce / (1 - p_t)) ((1 - target) sigmoid(input) -
    target sigmoid(-input)) grad_output (times weight); the ratio ce / (1 - p_t) is 1 at
    ce = 0, its limit, and p_t ce is 0 at ce = inf.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> loss, grad = F.binary_focal_loss_with_grad(np.array([3.0, -0.5]),
    ...                                            np.array([1.0, 0.3]), reduction="none")
    >>> loss
    array([2.73208311e-05, 3.36256984e-02])
    >>> grad
    array([-7.87179616e-05,  1.01959296e-02])
    """
    if _dask.lazy(input, target, weight):
        return _dask.loss("binary_focal_loss_with_grad", locals())
    return _binary_focal_loss_with_grad(input, target, weight, alpha, gamma,
                                        check_reduction(reduction), grad_output)
# </generated: pointwise_losses.functions>
