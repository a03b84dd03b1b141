"""Losses over a row of class scores, with torch's exact semantics: nll_loss and cross_entropy
(class indices or class probabilities; gradients and fused loss-and-gradient calls) on the
_softmax kernels, and the margin losses multi_margin_loss and multilabel_margin_loss on the
_rowwise_loss kernels (argument handling shared with embedding_losses in _rowwise.py).

Shapes follow torch: input (N, C), (N, C, d1, ..., dk) or (C,); class-index targets (N,),
(N, d1, ..., dk) or () respectively; probability targets have the input's shape. The row
kernels (_kernels/al_softmax.h.tp) compute each row's log-sum-exp with a max shift and the
loss terms in double, read the logits row by row and never form an N x C temporary for a
reduced loss; this module checks arguments and applies the reduction rule:

* "mean" over class-index targets divides by the sum of the weights of the targets that are
  not ignore_index (the count of them without weights); all ignored gives NaN, "sum" 0;
* "mean" over probability targets divides by the number of rows N * d1 * ... * dk;
* an empty batch gives NaN for "mean" and 0 for "sum".
"""
import math
import numbers
import operator

import numpy as np

from . import _dask, _dispatch, _rowwise, _threads, pointwise_losses
from .activations import sigmoid, sigmoid_backward
from .softmax_family import softmax, softmax_backward
from ._validate import (KERNEL_INDEX, as_array, bool_option, check_reduction, distinct_part,
                        finish_loss, kernel_array, loss_grad_seed, narrow, promoted_dtype,
                        real_param, result_dtype, scalar_float)
from ._validate import INT64_RANGE as _INT64  # an ignore_index's range, as torch's
from ._focal import (_poly1_cross_entropy, _poly1_cross_entropy_backward,  # noqa: F401
                     _poly1_cross_entropy_with_grad, _poly_cross_entropy,
                     _poly_cross_entropy_backward, _poly_cross_entropy_with_grad,
                     _softmax_focal_loss, _softmax_focal_loss_backward,
                     _softmax_focal_loss_with_grad)

# <generated: class_losses.__all__>
__all__ = ["multiclass_hinge_loss", "multiclass_hinge_loss_backward",
           "multiclass_hinge_loss_with_grad", "brier_score_loss", "brier_score_loss_backward",
           "dice_loss", "dice_loss_backward", "dice_loss_with_grad", "tversky_loss",
           "tversky_loss_backward", "tversky_loss_with_grad", "cross_entropy",
           "cross_entropy_backward", "cross_entropy_with_grad", "nll_loss",
           "nll_loss_backward", "nll_loss_with_grad", "multi_margin_loss",
           "multi_margin_loss_backward", "multilabel_margin_loss",
           "multilabel_margin_loss_backward", "softmax_focal_loss",
           "softmax_focal_loss_backward", "softmax_focal_loss_with_grad",
           "poly1_cross_entropy", "poly1_cross_entropy_backward",
           "poly1_cross_entropy_with_grad", "poly_cross_entropy",
           "poly_cross_entropy_backward", "poly_cross_entropy_with_grad"]
# </generated: class_losses.__all__>


def _kernels():
    return _dispatch.kernels("_softmax")


class _Problem:
    """Checked arguments of one call: kernel-ready arrays, layout and reduction data."""
    __slots__ = ("reduction", "ignore_index", "eps", "probs", "res_dtype", "k_dtype", "dt", "n",
                 "outer", "inner", "loss_shape", "rows", "x", "shape", "w", "t", "n_threads",
                 "repeat")

    def __init__(self, input, target, weight, ignore_index, reduction, label_smoothing=0.0,
                 allow_probs=True, name="cross_entropy", forward=False):
        x = as_array(input)
        shape = x.shape
        if not shape:
            raise ValueError(f"{name}: input must have at least 1 dimension (C,), got a 0-d array")
        t = as_array(target, "target")
        self.repeat = 1
        if forward and len(shape) > 1 and t.shape in (shape, shape[:1] + shape[2:]):
            # a reduced loss over a batch broadcast along N (every sample alike, stride 0):
            # one sample's total and weight sum times N, without copying out the view
            (x, t), self.repeat = _rowwise.one_sample(reduction, [x, t])
            shape = x.shape
        self.reduction = reduction
        self.ignore_index = ii = _int_param(ignore_index, "ignore_index")
        self.eps = eps = real_param(label_smoothing, "label_smoothing")
        if not 0.0 <= eps <= 1.0:
            raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {eps}")
        self.probs = probs = allow_probs and t.shape == shape
        w = None if weight is None else as_array(weight, "weight")
        if probs:
            if t.dtype.kind not in "f":
                raise TypeError(f"{name}: a target of the input's shape {shape} holds class "
                                f"probabilities and must be floating, got dtype {t.dtype}")
            if ii >= 0:
                raise ValueError("ignore_index is not supported for class-probability targets")
        k = x.dtype
        if w is None and k in KERNEL_INDEX and (not probs or t.dtype == k):
            self.res_dtype = k   # the common case, without promotion
        else:
            aux = [(w, "weight")] if w is not None else []
            if probs:
                aux.append((t, "target"))
            # an integer weight does not promote the logits (promoted_dtype's aux rule)
            self.res_dtype, k = promoted_dtype((x, "input"), aux=aux)
        self.k_dtype = k
        self.dt = KERNEL_INDEX[k]
        if len(shape) == 1:
            self.n = n = shape[0]
            self.outer, self.inner, self.loss_shape, self.rows = 1, 1, (), 1
        else:
            self.n = n = shape[1]
            self.outer = shape[0]
            self.inner = math.prod(shape[2:])
            self.loss_shape = (shape[0],) + shape[2:]
            self.rows = shape[0] * self.inner
        self.x = kernel_array(x, dtype=k)
        self.shape = shape
        if w is not None:
            if w.ndim != 1 or w.shape[0] != n:
                raise ValueError(f"weight must be a 1-D array of C = {n} class weights, "
                                 f"got shape {w.shape}")
            result_dtype(w.dtype, "weight")
            w = kernel_array(w, dtype=np.float64)
        self.w = w
        if probs:
            self.t = kernel_array(t, dtype=k)
        else:
            self.t = self._class_targets(x, t, name)
        self.n_threads = _threads.threads_for(self.rows * n, False)

    def _class_targets(self, x, t, name):
        """The targets as int64 (the kernels check their range and sum the denominator)."""
        if t.shape != self.loss_shape:
            raise ValueError(f"{name}: target has shape {t.shape}, expected {self.loss_shape} for "
                             f"input of shape {x.shape} (class indices), or {x.shape} "
                             f"(probabilities)")
        kind = t.dtype.kind
        if kind not in "iu":
            raise TypeError(f"target must hold integer class indices, got dtype {t.dtype}")
        if kind == "u" and t.dtype.itemsize == 8 and t.size and t.max() > np.iinfo(np.int64).max:
            raise ValueError("target holds class indices beyond int64")
        t64 = kernel_array(t, dtype=np.int64)
        return t64 if t64.ndim == 1 else t64.reshape(-1)

    def run(self, kernel, grad_output=None, with_grad=False, need_loss=True):
        """One kernel call ("cross_entropy", "cross_entropy_prob" or "nll"): (the loss as the
        reduction returns it, the gradient or None; a reduced loss is not summed without
        need_loss, a backward's call). For class indices the kernel checks the
        targets and sums what "mean" divides by -- w_t over the rows not ignored, in row order
        like its sum of the row losses, so a batch whose rows all lose the same amount
        averages to exactly that amount (as torch) --; for probabilities that is the row
        count."""
        g, g_rows, gx = 0.0, None, None
        if with_grad:
            # probabilities: the mean divides by the row count; class indices: the kernel
            # divides by the weight total it sums in the same pass
            g_rows, g = loss_grad_seed(grad_output, self.reduction, self.loss_shape,
                                       self.rows if self.probs else None)
            g_rows = None if g_rows is None else g_rows.reshape(-1)
            gx = np.empty(self.x.shape, self.k_dtype)
        mean = self.reduction == "mean"
        none = self.reduction == "none"
        loss_rows = np.empty(self.rows, np.float64) if none or kernel != "nll" else None
        K = _kernels()
        if self.probs:
            den = self.rows
            total = K.cross_entropy_prob(self.dt, self.x, self.t, self.w, self.outer, self.n,
                                         self.inner, self.eps, loss_rows, g, g_rows, gx,
                                         self.n_threads)
        else:
            args = (self.dt, self.x, self.t, self.w, self.outer, self.n, self.inner,
                    self.ignore_index)
            if kernel == "nll":
                total, den, bad = K.nll(*args, loss_rows, g, g_rows, mean, gx)
            else:
                total, den, bad = K.cross_entropy(*args, self.eps, loss_rows, g, g_rows, mean,
                                                  gx, self.n_threads, need_loss)
            if bad >= 0:
                raise _target_out_of_bounds(self.t[bad], self.n, self.ignore_index)
        if gx is not None:
            gx = narrow(gx.reshape(self.shape), self.res_dtype)
        if none:
            return narrow(loss_rows.reshape(self.loss_shape), self.res_dtype), gx
        total, den = total * self.repeat, den * self.repeat
        # all targets ignored, or no rows: a mean of 0 / 0, NaN as torch
        return finish_loss(self.reduction, _no_weight_nan(self.reduction, total, den), den,
                           self.res_dtype), gx


_I64 = np.dtype(np.int64)


def _fast(nll, input, target, weight, ignore_index, reduction, label_smoothing=0.0,
          grad_output=None, need_loss=True):
    """The common call -- a C-contiguous (N, C) or (N, C, d1..dk) float32/float64 ndarray, a
    contiguous int64 (N,) or (N, d1..dk) target, no weight or (C,) weights of the input's
    dtype, a reduced loss, a float grad_output if any -- in one C call
    (Kernels.class_index_common), without _Problem's general checks: (loss, gradient or None;
    the loss is None where a backward says need_loss=False), or None for anything else, so
    that _Problem decides."""
    g = 0.0 if grad_output is None else scalar_float(grad_output)
    if g is None:
        return None
    fast = _kernels().class_index_common(
        nll, input, target, weight, ignore_index, reduction, label_smoothing,
        grad_output is not None, g, need_loss, _threads.SERIAL_CUTOFF_TRANSCENDENTAL,
        _threads.large_call_threads)
    if fast is None:
        return None
    if fast[2] >= 0:
        raise _target_out_of_bounds(target.reshape(-1)[fast[2]], input.shape[1], ignore_index)
    return fast[:2]


def _no_weight_nan(reduction, total, den):
    """The sum that "mean" divides by den: NaN when no target carries weight (den 0), as torch,
    whose nll part is then 0 / 0 -- also with label smoothing, whose own part is finite."""
    return math.nan if reduction == "mean" and den == 0 else total


def _target_out_of_bounds(value, n_classes, ignore_index):
    return ValueError(f"target {value} is out of bounds: class indices must be in "
                      f"[0, {n_classes}) or equal ignore_index={ignore_index}")


def _int_param(value, name):
    """An integer parameter (int, NumPy integer) within int64, as torch's."""
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int, got {type(value).__name__}") from None
    if not _INT64[0] <= value <= _INT64[1]:
        raise ValueError(f"{name} must fit in int64, got {value}")
    return value


# ---- cross_entropy -----------------------------------------------------------------------

def _ce_kernel(p):
    return "cross_entropy_prob" if p.probs else "cross_entropy"


def _cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing):
    fast = _fast(False, input, target, weight, ignore_index, reduction, label_smoothing)
    if fast is not None:
        return fast[0]
    p = _Problem(input, target, weight, ignore_index, reduction, label_smoothing, forward=True)
    return p.run(_ce_kernel(p))[0]


def _cross_entropy_backward(grad_output, input, target, weight, ignore_index, reduction, label_smoothing):
    fast = _fast(False, input, target, weight, ignore_index, reduction, label_smoothing,
                 grad_output, need_loss=False)
    if fast is not None:
        return fast[1]
    p = _Problem(input, target, weight, ignore_index, reduction, label_smoothing)
    return p.run(_ce_kernel(p), grad_output, True, need_loss=False)[1]


def _cross_entropy_with_grad(input, target, weight, ignore_index, reduction, label_smoothing, grad_output):
    fast = _fast(False, input, target, weight, ignore_index, reduction, label_smoothing,
                 grad_output)
    if fast is not None:
        return fast
    p = _Problem(input, target, weight, ignore_index, reduction, label_smoothing)
    loss, g = p.run(_ce_kernel(p), grad_output, True)
    return _as_forward(loss, lambda: _cross_entropy(input, target, weight, ignore_index,
                                                    reduction, label_smoothing), input,
                       reduction), g


def _as_forward(loss, forward, input, reduction):
    """The loss of a _with_grad call bit for bit as the plain call gives it: for an input
    broadcast along the batch (see _Problem) the plain call may sum one sample times N."""
    x = np.asarray(input)
    return forward() if x.ndim > 1 and _rowwise.one_sample(reduction, [x])[1] > 1 else loss


# ---- nll_loss -------------------------------------------------------------------------------

def _nll_loss(input, target, weight, ignore_index, reduction):
    fast = _fast(True, input, target, weight, ignore_index, reduction)
    if fast is not None:
        return fast[0]
    p = _Problem(input, target, weight, ignore_index, reduction, allow_probs=False,
                 name="nll_loss", forward=True)
    return p.run("nll")[0]


def _nll_loss_backward(grad_output, input, target, weight, ignore_index, reduction):
    fast = _fast(True, input, target, weight, ignore_index, reduction, grad_output=grad_output,
                 need_loss=False)
    if fast is not None:
        return fast[1]
    p = _Problem(input, target, weight, ignore_index, reduction, allow_probs=False,
                 name="nll_loss")
    return p.run("nll", grad_output, True)[1]


def _nll_loss_with_grad(input, target, weight, ignore_index, reduction, grad_output):
    fast = _fast(True, input, target, weight, ignore_index, reduction, grad_output=grad_output)
    if fast is not None:
        return fast
    p = _Problem(input, target, weight, ignore_index, reduction, allow_probs=False,
                 name="nll_loss")
    loss, g = p.run("nll", grad_output, True)
    return _as_forward(loss, lambda: _nll_loss(input, target, weight, ignore_index,
                                               reduction), input, reduction), g


# ---- multi_margin_loss -----------------------------------------------------------------------

def _scores(x):
    """(rows, classes) of a multi-class score array: (C,), (N, C) or a 0-D single score."""
    if x.ndim > 2 or (x.ndim >= 1 and x.shape[-1] == 0):
        raise ValueError(f"input must be a non-empty vector (C,) or matrix (N, C) with C >= 1, "
                         f"got shape {x.shape}")
    return (x.shape[0] if x.ndim == 2 else 1), (x.shape[-1] if x.ndim else 1)


def _class_range(t, n_classes, low=0):
    """Every value of a uint64 t in [low, n_classes) (values past int64 would wrap in the
    conversion to int64; the kernels check the int64 targets' range themselves)."""
    t = distinct_part(t)[0]
    if t.dtype == np.uint64 and t.size and t.max() >= n_classes:
        bad = t[(t < low) | (t >= n_classes)].flat[0]
        raise ValueError(f"target values must be in [{low}, {n_classes}), got {bad}")


_NO_WEIGHTS = np.ones(1)
_NO_WEIGHTS.flags.writeable = False


def _plain_rows(input, target, target_shape):
    """A C-contiguous 2-D float32/float64 ndarray input with a C-contiguous int64 ndarray
    target of `target_shape`: the common call, which needs no conversion (the kernels check
    the targets' range)."""
    return (type(input) is np.ndarray and type(target) is np.ndarray and input.ndim == 2
            and input.shape[1] > 0 and input.dtype in KERNEL_INDEX and target.dtype == _I64
            and target.shape == target_shape and input.flags.c_contiguous
            and target.flags.c_contiguous and input.flags.aligned and target.flags.aligned)


def _multi_margin_args(input, target, p, margin, weight, reduction, forward=False):
    """(x, its (rows, C) kernel array, int64 targets, weights, p, margin, loss shape, result
    and kernel dtypes, how many times the rows repeat (forward: _rowwise.one_sample))."""
    if (weight is None and type(p) is int and (p == 1 or p == 2) and type(margin) is float
            and _plain_rows(input, target, np.shape(input)[:1])):
        return (input, input, target, _NO_WEIGHTS, p, margin, target.shape, input.dtype,
                input.dtype, 1)
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, (numbers.Real, np.integer)):
        raise TypeError(f"p must be 1 or 2, got {type(p).__name__}")
    if p != 1 and p != 2:
        raise ValueError(f"only p == 1 and p == 2 supported, got p={p}")
    margin = real_param(margin, "margin")
    arrays, res_dtype, k_dtype = _rowwise.floats((input, "input"),
                                         aux=() if weight is None else ((weight, "weight"),))
    x = arrays[0]
    n_rows, n_classes = _scores(x)
    t = _rowwise.class_target(target)
    if t.ndim > 1 or t.size != n_rows:
        raise ValueError(f"target must be 1-D with one class index per row of input ({n_rows}), "
                         f"got shape {t.shape} for input of shape {x.shape}")
    _class_range(t, n_classes)
    repeat = 1
    if forward and x.ndim == 2:
        (x, t), repeat = _rowwise.one_sample(reduction, [x, t])
        n_rows = x.shape[0]
    if weight is None:
        w = _NO_WEIGHTS
    else:
        w = arrays[1]
        if w.ndim != 1:
            raise ValueError(f"weight must be one-dimensional, got shape {w.shape}")
        if w.size != n_classes:
            raise ValueError(f"weight has {w.size} elements, expected {n_classes} (one per class)")
        w = kernel_array(w, np.float64)
    xr = kernel_array(x, k_dtype).reshape(n_rows, n_classes)
    ti = kernel_array(t, np.int64).reshape(-1)
    return x, xr, ti, w, int(p), margin, t.shape, res_dtype, k_dtype, repeat


def _multi_margin_common(input, target, p, margin, weight, reduction, grad_output=None):
    """The common call in one C call (Kernels.multi_margin_common), or None."""
    g = 0.0 if grad_output is None else scalar_float(grad_output)
    if g is None:
        return None
    return _rowwise.kernels().multi_margin_common(
        input, target, p, margin, weight, reduction, grad_output is not None, g,
        _threads.SERIAL_CUTOFF_CHEAP, _threads.large_call_threads)


def _multi_margin_loss(input, target, p, margin, weight, reduction):
    fast = _multi_margin_common(input, target, p, margin, weight, reduction)
    if fast is not None:
        return fast
    _, xr, ti, w, p, margin, shape, res_dtype, k_dtype, repeat = _multi_margin_args(
        input, target, p, margin, weight, reduction, forward=True)
    rows = np.empty(xr.shape[0])
    total = _rowwise.kernels().multi_margin_fwd(KERNEL_INDEX[k_dtype], xr, ti, w, p, margin, rows,
                                  _threads.threads_for(xr.size, True))
    return _rowwise.reduce(rows, total, reduction, shape, res_dtype, repeat)


def _multi_margin_loss_backward(grad_output, input, target, p, margin, weight, reduction):
    fast = _multi_margin_common(input, target, p, margin, weight, reduction, grad_output)
    if fast is not None:
        return fast
    x, xr, ti, w, p, margin, shape, res_dtype, k_dtype, _ = _multi_margin_args(
        input, target, p, margin, weight, reduction)
    gy, scale = _rowwise.grad_output(grad_output, reduction, shape)
    gx = np.empty_like(xr)
    _rowwise.kernels().multi_margin_bwd(KERNEL_INDEX[k_dtype], xr, ti, w, p, margin, gy, scale, gx,
                          _threads.threads_for(xr.size, True))
    return narrow(gx.reshape(x.shape), res_dtype)


# ---- multilabel_margin_loss ------------------------------------------------------------------

def _multilabel_args(input, target, reduction, forward=False):
    """(x, its (rows, C) kernel array, int64 targets, loss shape, result and kernel dtypes,
    how many times the rows repeat (forward: _rowwise.one_sample))."""
    if _plain_rows(input, target, np.shape(input)):
        return input, input, target, input.shape[:1], input.dtype, input.dtype, 1
    (x,), res_dtype, k_dtype = _rowwise.floats((input, "input"))
    n_rows, n_classes = _scores(x)
    t = _rowwise.class_target(target)
    if x.ndim == 2:
        if t.shape != x.shape:
            raise ValueError(f"target must have input's shape {x.shape}, got {t.shape}")
    elif t.ndim > 1 or t.size != n_classes:
        raise ValueError(f"target must have {n_classes} entries (input's shape), got shape "
                         f"{t.shape}")
    _class_range(t, n_classes, low=-1)
    shape = (n_rows,) if x.ndim == 2 else ()
    repeat = 1
    if forward and x.ndim == 2:
        (x, t), repeat = _rowwise.one_sample(reduction, [x, t])
        n_rows = x.shape[0]
    xr = kernel_array(x, k_dtype).reshape(n_rows, n_classes)
    ti = kernel_array(t, np.int64).reshape(n_rows, n_classes)
    return x, xr, ti, shape, res_dtype, k_dtype, repeat


def _multilabel_margin_loss(input, target, reduction):
    _, xr, ti, shape, res_dtype, k_dtype, repeat = _multilabel_args(input, target, reduction,
                                                                    forward=True)
    rows = np.empty(xr.shape[0])
    total = _rowwise.kernels().multilabel_fwd(KERNEL_INDEX[k_dtype], xr, ti, rows,
                                _threads.threads_for(xr.size, True))
    return _rowwise.reduce(rows, total, reduction, shape, res_dtype, repeat)


def _multilabel_margin_loss_backward(grad_output, input, target, reduction):
    x, xr, ti, shape, res_dtype, k_dtype, _ = _multilabel_args(input, target, reduction)
    gy, scale = _rowwise.grad_output(grad_output, reduction, shape)
    gx = np.empty_like(xr)
    _rowwise.kernels().multilabel_bwd(KERNEL_INDEX[k_dtype], xr, ti, gy, scale, gx,
                        _threads.threads_for(xr.size, True))
    return narrow(gx.reshape(x.shape), res_dtype)


# ---- multiclass_hinge_loss, brier_score_loss -------------------------------------------------

def _class_rows(input, target):
    """(x, its (rows, C) kernel array, int64 targets, loss shape, result and kernel dtypes) of
    scores or probabilities (N, C) or (C,) with one class index per row."""
    (x,), res_dtype, k_dtype = _rowwise.floats((input, "input"))
    if x.ndim not in (1, 2) or x.shape[-1] == 0:
        raise ValueError(f"input must be (N, C) or (C,) with C >= 1, got shape {x.shape}")
    n_rows, n_classes = _scores(x)
    t = _rowwise.class_target(target)
    if t.shape != x.shape[:-1]:
        raise ValueError(f"target must have shape {x.shape[:-1]} (one class index per row of "
                         f"input {x.shape}), got {t.shape}")
    _class_range(t, n_classes)
    xr = kernel_array(x, k_dtype).reshape(n_rows, n_classes)
    return x, xr, kernel_array(t, np.int64).reshape(-1), t.shape, res_dtype, k_dtype


def _classic_rows(kern, input, target, flag, reduction, grad_output=None, want_loss=True):
    """The row kernel `kern` of _rowwise_loss.classic: the loss; with grad_output its input
    gradient, or (loss, gradient) when want_loss."""
    x, xr, ti, shape, res_dtype, k_dtype = _class_rows(input, target)
    K, dt = _rowwise.kernels(), KERNEL_INDEX[k_dtype]
    n_threads = _threads.threads_for(xr.size, True)
    rows = np.empty(xr.shape[0]) if want_loss else None
    if grad_output is None:
        total = K.classic(kern, dt, xr, None, ti, flag, 0.0, rows, None, 1.0, None, n_threads)
        return _rowwise.reduce(rows, total, reduction, shape, res_dtype)
    gy, scale = _rowwise.grad_output(grad_output, reduction, shape)
    gx = np.empty_like(xr)
    total = K.classic(kern, dt, xr, None, ti, flag, 0.0, rows, gy, scale, gx, n_threads)
    g = narrow(gx.reshape(x.shape), res_dtype)
    return (_rowwise.reduce(rows, total, reduction, shape, res_dtype), g) if want_loss else g


def _multiclass_hinge_loss(input, target, squared, reduction):
    return _classic_rows("class_hinge", input, target, int(squared), reduction)


def _multiclass_hinge_loss_backward(grad_output, input, target, squared, reduction):
    return _classic_rows("class_hinge", input, target, int(squared), reduction, grad_output,
                         want_loss=False)


def _multiclass_hinge_loss_with_grad(input, target, squared, reduction, grad_output):
    return _classic_rows("class_hinge", input, target, int(squared), reduction, grad_output)


def _probabilities(a, name):
    """Every element of a in [0, 1]; NaN fails."""
    if a.size:
        a = distinct_part(a)[0]
        lo, hi = np.minimum.reduce(a, axis=None), np.maximum.reduce(a, axis=None)
        if not (lo >= 0 and hi <= 1):
            raise ValueError(f"{name} values must be in [0, 1] (found values in [{lo}, {hi}]"
                             f"{' or NaN' if np.isnan(lo) or np.isnan(hi) else ''})")


def _brier_binary(input, target):
    """The binary Brier score's arrays, checked, or None for a multiclass (2-D) input."""
    x = as_array(input, "input")
    if x.ndim == 2:
        _probabilities(x, "input")
        return None
    if x.ndim > 2:
        raise ValueError(f"brier_score_loss: input must be (N,) (binary) or (N, C) "
                         f"(multiclass), got shape {x.shape}")
    t = as_array(target, "target")
    if t.shape != x.shape:
        raise ValueError(f"target must have the input's shape {x.shape} (binary Brier score), "
                         f"got {t.shape}")
    _probabilities(x, "input")
    _probabilities(t, "target")
    return x, t


def _brier_score_loss(input, target, reduction):
    binary = _brier_binary(input, target)
    if binary is not None:  # the binary score is the mean squared error of the probabilities
        return pointwise_losses._mse_loss(*binary, reduction, None)
    return _classic_rows("brier", input, target, 0, reduction)


def _brier_score_loss_backward(grad_output, input, target, reduction):
    binary = _brier_binary(input, target)
    if binary is not None:
        return pointwise_losses._mse_loss_backward(grad_output, *binary, reduction, None)
    return _classic_rows("brier", input, target, 0, reduction, grad_output, want_loss=False)


# ---- dice_loss, tversky_loss (MONAI's definitions) -------------------------------------------

_ACTIVATIONS = ("none", "sigmoid", "softmax")


class _Seg:
    """Checked arguments of dice_loss / tversky_loss: the probabilities p as (B * C, S) kernel
    rows (after the activation), the targets likewise, and the rows' sums."""

    def __init__(self, input, target, activation, smooth_nr, smooth_dr, batch):
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(map(repr, _ACTIVATIONS))}, "
                             f"got {activation!r}")
        self.nr, self.dr = real_param(smooth_nr, "smooth_nr"), real_param(smooth_dr, "smooth_dr")
        if not (self.nr >= 0 and self.dr >= 0):
            raise ValueError(f"smooth_nr and smooth_dr must be >= 0, got {self.nr}, {self.dr}")
        (x, t), self.res, self.k = _rowwise.floats((input, "input"), aux=((target, "target"),))
        if x.ndim < 2:
            raise ValueError(f"input must be (B, C, spatial...) or (B, C), got shape {x.shape}")
        if t.shape != x.shape:
            raise ValueError(f"target must have the input's shape {x.shape} (one-hot or "
                             f"probabilities per class), got {t.shape}")
        self.x, self.activation, self.batch = x, activation, batch
        xk = kernel_array(x, self.k)
        if activation == "sigmoid":
            xk = sigmoid(xk)
        elif activation == "softmax":
            xk = softmax(xk, dim=1)
        self.p = xk
        B, C = x.shape[:2]
        self.rows = (B * C, math.prod(x.shape[2:]))
        self.pr, self.gr = xk.reshape(self.rows), kernel_array(t, self.k).reshape(self.rows)
        self.n_threads = _threads.threads_for(x.size, True)
        sums = np.empty((B * C, 3))
        _rowwise.kernels().seg(KERNEL_INDEX[self.k], self.pr, self.gr, sums, None, None,
                               self.n_threads)
        sums = sums.reshape(B, C, 3)
        with np.errstate(all="ignore"):  # inf + -inf is NaN, whatever the caller's np.seterr
            self.sums = sums.sum(axis=0) if batch else sums   # (C, 3) or (B, C, 3)

    def reduce(self, loss, reduction):
        if reduction == "none":
            return narrow(loss, self.res)
        with np.errstate(all="ignore"):  # as in __init__
            total = float(np.sum(loss))
        return finish_loss(reduction, total, loss.size, self.res)

    def backward(self, grad_output, reduction, ca, cb):
        """The input gradient from the loss entries' coefficients: d loss / dp = ca g + cb."""
        g, c = loss_grad_seed(grad_output, reduction, ca.shape, ca.size)
        g = c if g is None else g
        B, C = self.x.shape[:2]
        coef = np.empty((B, C, 2))
        with np.errstate(all="ignore"):  # inf * 0 is NaN, as in _dice_parts
            coef[..., 0], coef[..., 1] = ca * g, cb * g   # (C,) entries broadcast over the batch
        gp = np.empty(self.rows, self.k)
        _rowwise.kernels().seg(KERNEL_INDEX[self.k], self.pr, self.gr, None, coef.reshape(-1, 2),
                               gp, self.n_threads)
        gp = gp.reshape(self.x.shape)
        if self.activation == "sigmoid":
            gp = sigmoid_backward(gp, output=self.p)
        elif self.activation == "softmax":
            gp = softmax_backward(gp, output=self.p, dim=1)
        return narrow(gp, result_dtype(self.x.dtype)[0])


def _dice_parts(seg):
    """dice: loss = 1 - (2 sum p g + nr) / (sum p + sum g + dr); d loss / dp = ca g + cb."""
    spg, sp, sg = seg.sums[..., 0], seg.sums[..., 1], seg.sums[..., 2]
    # IEEE results whatever the caller's np.seterr: an empty class with smooth_dr = 0 divides
    # by 0 (inf or NaN, as MONAI's), huge sums overflow
    with np.errstate(all="ignore"):
        num, den = 2.0 * spg + seg.nr, sp + sg + seg.dr
        return 1.0 - num / den, -2.0 / den, num / den ** 2


def _tversky_parts(seg, alpha, beta):
    """tversky: tp = sum p g, fp = alpha sum p (1 - g), fn = beta sum (1 - p) g, loss = 1 -
    (tp + nr) / (tp + fp + fn + dr); d loss / dp = ca g + cb."""
    spg, sp, sg = seg.sums[..., 0], seg.sums[..., 1], seg.sums[..., 2]
    with np.errstate(all="ignore"):  # as in _dice_parts
        num = spg + seg.nr
        den = spg + alpha * (sp - spg) + beta * (sg - spg) + seg.dr
        return (1.0 - num / den, -(den - num * (1.0 - alpha - beta)) / den ** 2,
                num * alpha / den ** 2)


def _dice_loss(input, target, activation, smooth_nr, smooth_dr, batch, reduction):
    seg = _Seg(input, target, activation, smooth_nr, smooth_dr, batch)
    return seg.reduce(_dice_parts(seg)[0], reduction)


def _dice_loss_backward(grad_output, input, target, activation, smooth_nr, smooth_dr, batch,
                        reduction):
    seg = _Seg(input, target, activation, smooth_nr, smooth_dr, batch)
    _, ca, cb = _dice_parts(seg)
    return seg.backward(grad_output, reduction, ca, cb)


def _dice_loss_with_grad(input, target, activation, smooth_nr, smooth_dr, batch, reduction,
                         grad_output):
    seg = _Seg(input, target, activation, smooth_nr, smooth_dr, batch)
    loss, ca, cb = _dice_parts(seg)
    return seg.reduce(loss, reduction), seg.backward(grad_output, reduction, ca, cb)


def _tversky_weights(alpha, beta):
    a, b = real_param(alpha, "alpha"), real_param(beta, "beta")
    if not (a >= 0 and b >= 0):
        raise ValueError(f"alpha and beta must be >= 0, got {a}, {b}")
    return a, b


def _tversky_loss(input, target, alpha, beta, activation, smooth_nr, smooth_dr, batch,
                  reduction):
    a, b = _tversky_weights(alpha, beta)
    seg = _Seg(input, target, activation, smooth_nr, smooth_dr, batch)
    return seg.reduce(_tversky_parts(seg, a, b)[0], reduction)


def _tversky_loss_backward(grad_output, input, target, alpha, beta, activation, smooth_nr,
                           smooth_dr, batch, reduction):
    a, b = _tversky_weights(alpha, beta)
    seg = _Seg(input, target, activation, smooth_nr, smooth_dr, batch)
    _, ca, cb = _tversky_parts(seg, a, b)
    return seg.backward(grad_output, reduction, ca, cb)


def _tversky_loss_with_grad(input, target, alpha, beta, activation, smooth_nr, smooth_dr, batch,
                            reduction, grad_output):
    a, b = _tversky_weights(alpha, beta)
    seg = _Seg(input, target, activation, smooth_nr, smooth_dr, batch)
    loss, ca, cb = _tversky_parts(seg, a, b)
    return seg.reduce(loss, reduction), seg.backward(grad_output, reduction, ca, cb)


# ---- the public functions, generated from _ops.LOSSES ----------------------------------------

# <generated: class_losses.functions>
def multiclass_hinge_loss(input, target, *, squared=False, reduction="mean"):
    """Multi-class hinge loss of Crammer & Singer (sklearn.metrics.hinge_loss); not in torch.

    Parameters
    ----------
    input : array_like
        Scores (decision values) ``(N, C)``, or ``(C,)``.
    target : array_like
        Class indices of any integer dtype, ``(N,)`` (``()`` for a ``(C,)`` input), in
        ``[0, C)``.
    squared : bool, default False
        Square each row's hinge (the squared hinge).
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
    With y the target class of a row and m = max over the other classes of the scores::

        loss = max(0, 1 + m - input[y])          (squared=True: its square)

    sklearn's ``hinge_loss(target, input, labels=range(C))`` is the ``'mean'``. (torch's
    ``multi_margin_loss`` sums the hinge over every other class instead of taking the largest;
    Keras's ``categorical_hinge`` takes the largest of the other scores and 0.)

    Gradient (``multiclass_hinge_loss_backward``):

    Where ``1 + m - input[y] >= 0`` (the kink included, as torch's clamp_min): ``-d`` to
    ``input[y]`` and ``+d`` to the class at the maximum, split evenly among tied maxima (as
    torch's amax), ``d = grad_output`` (``2 max(0, z) grad_output`` when squared), divided by N
    for ``'mean'``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.multiclass_hinge_loss(np.array([[2.0, 1.5, -1.0], [0.0, 3.0, 1.0]]), np.array([0, 2]),
    ...                         reduction="none")
    array([0.5, 3. ])
    """
    if _dask.lazy(input, target):
        return _dask.loss("multiclass_hinge_loss", locals())
    return _multiclass_hinge_loss(input, target, bool_option(squared, "squared"),
                                  check_reduction(reduction))


def multiclass_hinge_loss_backward(grad_output, input, target, *, squared=False, reduction="mean"):
    """Gradient of ``multiclass_hinge_loss`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        Scores (decision values) ``(N, C)``, or ``(C,)``.
    target : array_like
        Class indices of any integer dtype, ``(N,)`` (``()`` for a ``(C,)`` input), in
        ``[0, C)``.
    squared : bool, default False
        Square each row's hinge (the squared hinge).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``multiclass_hinge_loss`` raises.

    Notes
    -----
    Where ``1 + m - input[y] >= 0`` (the kink included, as torch's clamp_min): ``-d`` to
    ``input[y]`` and ``+d`` to the class at the maximum, split evenly among tied maxima (as
    torch's amax), ``d = grad_output`` (``2 max(0, z) grad_output`` when squared), divided by N
    for ``'mean'``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.multiclass_hinge_loss_backward(np.ones((2,)),
    ...                                  np.array([[2.0, 1.5, -1.0], [0.0, 3.0, 1.0]]),
    ...                                  np.array([0, 2]), reduction="none")
    array([[-1.,  1.,  0.],
           [ 0.,  1., -1.]])
    """
    if _dask.lazy(grad_output, input, target):
        return _dask.loss("multiclass_hinge_loss_backward", locals())
    return _multiclass_hinge_loss_backward(grad_output, input, target,
                                           bool_option(squared, "squared"),
                                           check_reduction(reduction))


def multiclass_hinge_loss_with_grad(input, target, *, squared=False, reduction="mean",
                                    grad_output=1.0):
    """Loss and input gradient of ``multiclass_hinge_loss`` in one pass over the scores.

    Parameters
    ----------
    input : array_like
        Scores (decision values) ``(N, C)``, or ``(C,)``.
    target : array_like
        Class indices of any integer dtype, ``(N,)`` (``()`` for a ``(C,)`` input), in
        ``[0, C)``.
    squared : bool, default False
        Square each row's hinge (the squared hinge).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``multiclass_hinge_loss`` returns.
    grad_input : ndarray
        What ``multiclass_hinge_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``multiclass_hinge_loss``):

    With y the target class of a row and m = max over the other classes of the scores::

        loss = max(0, 1 + m - input[y])          (squared=True: its square)

    sklearn's ``hinge_loss(target, input, labels=range(C))`` is the ``'mean'``. (torch's
    ``multi_margin_loss`` sums the hinge over every other class instead of taking the largest;
    Keras's ``categorical_hinge`` takes the largest of the other scores and 0.)

    Gradient (``multiclass_hinge_loss_backward``):

    Where ``1 + m - input[y] >= 0`` (the kink included, as torch's clamp_min): ``-d`` to
    ``input[y]`` and ``+d`` to the class at the maximum, split evenly among tied maxima (as
    torch's amax), ``d = grad_output`` (``2 max(0, z) grad_output`` when squared), divided by N
    for ``'mean'``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> loss, grad = F.multiclass_hinge_loss_with_grad(
    ...     np.array([[2.0, 1.5, -1.0], [0.0, 3.0, 1.0]]), np.array([0, 2]),
    ...     reduction="none")
    >>> loss
    array([0.5, 3. ])
    >>> grad
    array([[-1.,  1.,  0.],
           [ 0.,  1., -1.]])
    """
    if _dask.lazy(input, target):
        return _dask.loss("multiclass_hinge_loss_with_grad", locals())
    return _multiclass_hinge_loss_with_grad(input, target, bool_option(squared, "squared"),
                                            check_reduction(reduction), grad_output)


def brier_score_loss(input, target, *, reduction="mean"):
    """Brier score (sklearn.metrics.brier_score_loss); not in torch.

    Parameters
    ----------
    input : array_like
        Probabilities in [0, 1]: ``(N,)`` of the positive class (binary), or ``(N, C)`` of each
        class (multiclass).
    target : array_like
        Binary: 0/1 labels (or probabilities in [0, 1]) of the input's shape. Multiclass: class
        indices ``(N,)`` of any integer dtype, in ``[0, C)``.
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
        Non-real arrays, a non-integer multiclass target.
    ValueError
        Probabilities or binary targets outside [0, 1] (or NaN), class indices outside
        ``[0, C)``, an input of another number of dimensions, shapes that do not match, an
        unknown reduction.

    Notes
    -----
    Binary: ``loss = (input - target)^2``. Multiclass: ``loss = sum_c (input[c] - [c ==
    target])^2`` per row (range [0, 2]). ``'mean'`` equals sklearn's ``brier_score_loss(target,
    input)`` with its default ``scale_by_half='auto'`` (sklearn >= 1.7 for the multiclass form;
    pass ``labels=range(C)`` there when some class never occurs).

    Gradient (``brier_score_loss_backward``):

    ``2 (input - target) grad_output`` (multiclass: ``2 (input[c] - [c == target])``), divided
    by N for ``'mean'``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.brier_score_loss(np.array([0.9, 0.2]), np.array([1, 0]))
    np.float64(0.025)
    """
    if _dask.lazy(input, target):
        return _dask.loss("brier_score_loss", locals())
    return _brier_score_loss(input, target, check_reduction(reduction))


def brier_score_loss_backward(grad_output, input, target, *, reduction="mean"):
    """Gradient of ``brier_score_loss`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        Probabilities in [0, 1]: ``(N,)`` of the positive class (binary), or ``(N, C)`` of each
        class (multiclass).
    target : array_like
        Binary: 0/1 labels (or probabilities in [0, 1]) of the input's shape. Multiclass: class
        indices ``(N,)`` of any integer dtype, in ``[0, C)``.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``brier_score_loss`` raises.

    Notes
    -----
    ``2 (input - target) grad_output`` (multiclass: ``2 (input[c] - [c == target])``), divided
    by N for ``'mean'``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.brier_score_loss_backward(1.0, np.array([0.9, 0.2]), np.array([1, 0]))
    array([-0.1,  0.2])
    """
    if _dask.lazy(grad_output, input, target):
        return _dask.loss("brier_score_loss_backward", locals())
    return _brier_score_loss_backward(grad_output, input, target, check_reduction(reduction))


def dice_loss(input, target, *, activation="none", smooth_nr=1e-05, smooth_dr=1e-05, batch=False,
              reduction="mean"):
    """Soft Dice loss for segmentation (MONAI's DiceLoss); not in torch.

    Parameters
    ----------
    input : array_like
        ``(B, C, spatial...)`` (or ``(B, C)``): probabilities per class, or logits with
        ``activation``.
    target : array_like
        The input's shape: one-hot masks (or soft labels) per class, any real or integer
        dtype.
    activation : {'none', 'sigmoid', 'softmax'}, default 'none'
        'none' (input holds probabilities), 'sigmoid' (per-class logits, MONAI's
        ``sigmoid=True``) or 'softmax' (logits over dimension 1, MONAI's ``softmax=True``).
    smooth_nr : float, default 1e-05
        Added to the numerator, >= 0.
    smooth_dr : float, default 1e-05
        Added to the denominator, >= 0.
    batch : bool, default False
        Sum over the batch before the ratio: one loss per class (MONAI's ``batch=True``).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        ``'none'`` gives the ``(B, C)`` losses (``(C,)`` with ``batch``; MONAI keeps
        singleton spatial dimensions); ``'mean'`` and ``'sum'`` reduce them.

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
    MONAI's ``DiceLoss`` (``include_background=True``, ``squared_pred=False``,
    ``jaccard=False``): for each sample and class, sums over the spatial dimensions (and over
    the batch with ``batch``) of p = the probabilities and g = the target::

        loss = 1 - (2 sum(p g) + smooth_nr) / (sum(p) + sum(g) + smooth_dr)

    The sums accumulate in float64 (a row kernel per sample and class); the logits'
    sigmoid/softmax are actloss's kernels (one temporary of the input's size).

    Gradient (``dice_loss_backward``):

    ``d loss / dp = -2 g / D + N / D^2`` per element, N and D the entry's numerator and
    denominator, times its grad_output (divided by the number of entries for ``'mean'``),
    then through the sigmoid or softmax when ``activation`` is set.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> p = np.array([[[0.9, 0.2, 0.8]]])           # (B=1, C=1, 3 pixels)
    >>> round(float(F.dice_loss(p, np.array([[[1, 0, 1]]]))), 6)
    0.128205
    """
    if _dask.lazy(input, target):
        return _dask.loss("dice_loss", locals())
    return _dice_loss(input, target, activation, smooth_nr, smooth_dr, bool_option(batch, "batch"),
                      check_reduction(reduction))


def dice_loss_backward(grad_output, input, target, *, activation="none", smooth_nr=1e-05,
                       smooth_dr=1e-05, batch=False, reduction="mean"):
    """Gradient of ``dice_loss`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        ``(B, C, spatial...)`` (or ``(B, C)``): probabilities per class, or logits with
        ``activation``.
    target : array_like
        The input's shape: one-hot masks (or soft labels) per class, any real or integer
        dtype.
    activation : {'none', 'sigmoid', 'softmax'}, default 'none'
        'none' (input holds probabilities), 'sigmoid' (per-class logits, MONAI's
        ``sigmoid=True``) or 'softmax' (logits over dimension 1, MONAI's ``softmax=True``).
    smooth_nr : float, default 1e-05
        Added to the numerator, >= 0.
    smooth_dr : float, default 1e-05
        Added to the denominator, >= 0.
    batch : bool, default False
        Sum over the batch before the ratio: one loss per class (MONAI's ``batch=True``).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        ``'none'`` gives the ``(B, C)`` losses (``(C,)`` with ``batch``; MONAI keeps
        singleton spatial dimensions); ``'mean'`` and ``'sum'`` reduce them.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``dice_loss`` raises.

    Notes
    -----
    ``d loss / dp = -2 g / D + N / D^2`` per element, N and D the entry's numerator and
    denominator, times its grad_output (divided by the number of entries for ``'mean'``),
    then through the sigmoid or softmax when ``activation`` is set.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> p = np.array([[[0.9, 0.2, 0.8]]])           # (B=1, C=1, 3 pixels)
    >>> F.dice_loss_backward(1.0, p, np.array([[[1, 0, 1]]]))
    array([[[-0.28928254,  0.22353666, -0.28928254]]])
    """
    if _dask.lazy(grad_output, input, target):
        return _dask.loss("dice_loss_backward", locals())
    return _dice_loss_backward(grad_output, input, target, activation, smooth_nr, smooth_dr,
                               bool_option(batch, "batch"), check_reduction(reduction))


def dice_loss_with_grad(input, target, *, activation="none", smooth_nr=1e-05, smooth_dr=1e-05,
                        batch=False, reduction="mean", grad_output=1.0):
    """Loss and input gradient of ``dice_loss`` from one activation and one pass of sums.

    Parameters
    ----------
    input : array_like
        ``(B, C, spatial...)`` (or ``(B, C)``): probabilities per class, or logits with
        ``activation``.
    target : array_like
        The input's shape: one-hot masks (or soft labels) per class, any real or integer
        dtype.
    activation : {'none', 'sigmoid', 'softmax'}, default 'none'
        'none' (input holds probabilities), 'sigmoid' (per-class logits, MONAI's
        ``sigmoid=True``) or 'softmax' (logits over dimension 1, MONAI's ``softmax=True``).
    smooth_nr : float, default 1e-05
        Added to the numerator, >= 0.
    smooth_dr : float, default 1e-05
        Added to the denominator, >= 0.
    batch : bool, default False
        Sum over the batch before the ratio: one loss per class (MONAI's ``batch=True``).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        ``'none'`` gives the ``(B, C)`` losses (``(C,)`` with ``batch``; MONAI keeps
        singleton spatial dimensions); ``'mean'`` and ``'sum'`` reduce them.
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``dice_loss`` returns.
    grad_input : ndarray
        What ``dice_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``dice_loss``):

    MONAI's ``DiceLoss`` (``include_background=True``, ``squared_pred=False``,
    ``jaccard=False``): for each sample and class, sums over the spatial dimensions (and over
    the batch with ``batch``) of p = the probabilities and g = the target::

        loss = 1 - (2 sum(p g) + smooth_nr) / (sum(p) + sum(g) + smooth_dr)

    The sums accumulate in float64 (a row kernel per sample and class); the logits'
    sigmoid/softmax are actloss's kernels (one temporary of the input's size).

    Gradient (``dice_loss_backward``):

    ``d loss / dp = -2 g / D + N / D^2`` per element, N and D the entry's numerator and
    denominator, times its grad_output (divided by the number of entries for ``'mean'``),
    then through the sigmoid or softmax when ``activation`` is set.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> p = np.array([[[0.9, 0.2, 0.8]]])           # (B=1, C=1, 3 pixels)
    >>> loss, grad = F.dice_loss_with_grad(p, np.array([[[1, 0, 1]]]))
    >>> np.round(loss, 6)
    np.float64(0.128205)
    >>> grad
    array([[[-0.28928254,  0.22353666, -0.28928254]]])
    """
    if _dask.lazy(input, target):
        return _dask.loss("dice_loss_with_grad", locals())
    return _dice_loss_with_grad(input, target, activation, smooth_nr, smooth_dr,
                                bool_option(batch, "batch"), check_reduction(reduction),
                                grad_output)


def tversky_loss(input, target, *, alpha=0.5, beta=0.5, activation="none", smooth_nr=1e-05,
                 smooth_dr=1e-05, batch=False, reduction="mean"):
    """Tversky loss for segmentation (MONAI's TverskyLoss); not in torch.

    Parameters
    ----------
    input : array_like
        ``(B, C, spatial...)`` (or ``(B, C)``): probabilities per class, or logits with
        ``activation``.
    target : array_like
        The input's shape: one-hot masks (or soft labels) per class.
    alpha : float, default 0.5
        Weight of the false positives, >= 0.
    beta : float, default 0.5
        Weight of the false negatives, >= 0.
    activation : {'none', 'sigmoid', 'softmax'}, default 'none'
        'none', 'sigmoid' or 'softmax', as in dice_loss.
    smooth_nr : float, default 1e-05
        Added to the numerator, >= 0.
    smooth_dr : float, default 1e-05
        Added to the denominator, >= 0.
    batch : bool, default False
        One loss per class, summed over the batch.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        ``'none'`` gives the ``(B, C)`` losses (``(C,)`` with ``batch``).

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
    MONAI's ``TverskyLoss`` (Salehi et al. 2017): per sample and class, over the spatial
    dimensions, ``tp = sum(p g)``, ``fp = alpha sum(p (1 - g))``, ``fn = beta sum((1 - p) g)``::

        loss = 1 - (tp + smooth_nr) / (tp + fp + fn + smooth_dr)

    alpha = beta = 0.5 is the Dice loss (up to the smoothing terms); beta > alpha weighs
    missed foreground more (small structures).

    Gradient (``tversky_loss_backward``):

    With N = tp + smooth_nr and D the denominator: ``d loss / dp = -(D - N (1 - alpha -
    beta)) g / D^2 + alpha N / D^2``, times the entry's grad_output, then through the
    activation.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> p, g = np.array([[[0.9, 0.2, 0.8]]]), np.array([[[1, 0, 1]]])
    >>> round(float(F.tversky_loss(p, g, alpha=0.3, beta=0.7)), 6)
    0.137055
    """
    if _dask.lazy(input, target):
        return _dask.loss("tversky_loss", locals())
    return _tversky_loss(input, target, alpha, beta, activation, smooth_nr, smooth_dr,
                         bool_option(batch, "batch"), check_reduction(reduction))


def tversky_loss_backward(grad_output, input, target, *, alpha=0.5, beta=0.5, activation="none",
                          smooth_nr=1e-05, smooth_dr=1e-05, batch=False, reduction="mean"):
    """Gradient of ``tversky_loss`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        ``(B, C, spatial...)`` (or ``(B, C)``): probabilities per class, or logits with
        ``activation``.
    target : array_like
        The input's shape: one-hot masks (or soft labels) per class.
    alpha : float, default 0.5
        Weight of the false positives, >= 0.
    beta : float, default 0.5
        Weight of the false negatives, >= 0.
    activation : {'none', 'sigmoid', 'softmax'}, default 'none'
        'none', 'sigmoid' or 'softmax', as in dice_loss.
    smooth_nr : float, default 1e-05
        Added to the numerator, >= 0.
    smooth_dr : float, default 1e-05
        Added to the denominator, >= 0.
    batch : bool, default False
        One loss per class, summed over the batch.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        ``'none'`` gives the ``(B, C)`` losses (``(C,)`` with ``batch``).

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``tversky_loss`` raises.

    Notes
    -----
    With N = tp + smooth_nr and D the denominator: ``d loss / dp = -(D - N (1 - alpha -
    beta)) g / D^2 + alpha N / D^2``, times the entry's grad_output, then through the
    activation.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> p, g = np.array([[[0.9, 0.2, 0.8]]]), np.array([[[1, 0, 1]]])
    >>> F.tversky_loss_backward(1.0, p, g, alpha=0.3, beta=0.7)
    array([[[-0.37619938,  0.13141226, -0.37619938]]])
    """
    if _dask.lazy(grad_output, input, target):
        return _dask.loss("tversky_loss_backward", locals())
    return _tversky_loss_backward(grad_output, input, target, alpha, beta, activation, smooth_nr,
                                  smooth_dr, bool_option(batch, "batch"),
                                  check_reduction(reduction))


def tversky_loss_with_grad(input, target, *, alpha=0.5, beta=0.5, activation="none",
                           smooth_nr=1e-05, smooth_dr=1e-05, batch=False, reduction="mean",
                           grad_output=1.0):
    """Loss and input gradient of ``tversky_loss`` from one activation and one pass of sums.

    Parameters
    ----------
    input : array_like
        ``(B, C, spatial...)`` (or ``(B, C)``): probabilities per class, or logits with
        ``activation``.
    target : array_like
        The input's shape: one-hot masks (or soft labels) per class.
    alpha : float, default 0.5
        Weight of the false positives, >= 0.
    beta : float, default 0.5
        Weight of the false negatives, >= 0.
    activation : {'none', 'sigmoid', 'softmax'}, default 'none'
        'none', 'sigmoid' or 'softmax', as in dice_loss.
    smooth_nr : float, default 1e-05
        Added to the numerator, >= 0.
    smooth_dr : float, default 1e-05
        Added to the denominator, >= 0.
    batch : bool, default False
        One loss per class, summed over the batch.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        ``'none'`` gives the ``(B, C)`` losses (``(C,)`` with ``batch``).
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``tversky_loss`` returns.
    grad_input : ndarray
        What ``tversky_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``tversky_loss``):

    MONAI's ``TverskyLoss`` (Salehi et al. 2017): per sample and class, over the spatial
    dimensions, ``tp = sum(p g)``, ``fp = alpha sum(p (1 - g))``, ``fn = beta sum((1 - p) g)``::

        loss = 1 - (tp + smooth_nr) / (tp + fp + fn + smooth_dr)

    alpha = beta = 0.5 is the Dice loss (up to the smoothing terms); beta > alpha weighs
    missed foreground more (small structures).

    Gradient (``tversky_loss_backward``):

    With N = tp + smooth_nr and D the denominator: ``d loss / dp = -(D - N (1 - alpha -
    beta)) g / D^2 + alpha N / D^2``, times the entry's grad_output, then through the
    activation.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> p, g = np.array([[[0.9, 0.2, 0.8]]]), np.array([[[1, 0, 1]]])
    >>> loss, grad = F.tversky_loss_with_grad(p, g, alpha=0.3, beta=0.7)
    >>> np.round(loss, 6)
    np.float64(0.137055)
    >>> grad
    array([[[-0.37619938,  0.13141226, -0.37619938]]])
    """
    if _dask.lazy(input, target):
        return _dask.loss("tversky_loss_with_grad", locals())
    return _tversky_loss_with_grad(input, target, alpha, beta, activation, smooth_nr, smooth_dr,
                                   bool_option(batch, "batch"), check_reduction(reduction),
                                   grad_output)


def cross_entropy(input, target, weight=None, *, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """Cross-entropy between logits and class targets (torch.nn.functional.cross_entropy).

    Parameters
    ----------
    input : array_like
        Logits (N, C), (N, C, d1, ..., dk) or (C,); float32/float64 (float16 via float32).
    target : array_like
        Class indices of any integer dtype, shape (N,), (N, d1, ..., dk) or (); or class
        probabilities of the input's shape (floating).
    weight : array_like, optional
        C class weights.
    ignore_index : int, default -100
        Class-index targets equal to it contribute nothing (not allowed, if >= 0, with
        probability targets).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    label_smoothing : float in [0, 1], default 0.0

    Returns
    -------
    ndarray or numpy scalar
        The per-row losses for "none", else a scalar of the input's dtype.

    Raises
    ------
    ValueError
        Shapes that do not match, a target outside [0, C) that is not ignore_index, a weight
        not of C values, label_smoothing outside [0, 1], an unknown reduction.
    TypeError
        Non-integer class targets, non-floating probability targets.

    Notes
    -----
    With lse the row's log-sum-exp, w the weights (1 without), eps = label_smoothing:
    class indices: loss = (1 - eps) w_t (lse - x_t) + eps / C * sum_c w_c (lse - x_c); "mean"
    divides the sum by sum of w_t over targets not ignored (NaN when all are ignored).
    Probabilities q: loss = sum_c w_c q'_c (lse - x_c), q' = (1 - eps) q + eps / C; "mean"
    divides by the number of rows. Every lse - x_c is formed as (max - x_c) + log1p(S), so no
    term cancels; the logits are read row by row, no N x C temporary is made.

    Gradient (``cross_entropy_backward``):

    grad_output is a scalar for "mean"/"sum" and an array of the loss's shape for "none".
    Rows whose target is ignore_index get 0. For class indices the gradient of a row is
    g * (p_j ((1 - eps) w_t + eps W / C) - (1 - eps) w_t [j == t] - eps w_j / C), p the
    softmax, W the sum of the weights; for probabilities g * (p_j sum_c w_c q'_c - w_j q'_j).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> F.cross_entropy(x, np.array([0, 2]), reduction="none")
    array([0.2413113 , 0.16984602])
    """
    if _dask.lazy(input, target, weight):
        return _dask.loss("cross_entropy", locals())
    return _cross_entropy(input, target, weight, ignore_index, check_reduction(reduction),
                          label_smoothing)


def cross_entropy_backward(grad_output, input, target, weight=None, *, ignore_index=-100,
                           reduction="mean", label_smoothing=0.0):
    """Gradient of ``cross_entropy`` with respect to `input` (same shape and dtype).

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        Logits (N, C), (N, C, d1, ..., dk) or (C,); float32/float64 (float16 via float32).
    target : array_like
        Class indices of any integer dtype, shape (N,), (N, d1, ..., dk) or (); or class
        probabilities of the input's shape (floating).
    weight : array_like, optional
        C class weights.
    ignore_index : int, default -100
        Class-index targets equal to it contribute nothing (not allowed, if >= 0, with
        probability targets).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    label_smoothing : float in [0, 1], default 0.0

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``cross_entropy`` raises.

    Notes
    -----
    grad_output is a scalar for "mean"/"sum" and an array of the loss's shape for "none".
    Rows whose target is ignore_index get 0. For class indices the gradient of a row is
    g * (p_j ((1 - eps) w_t + eps W / C) - (1 - eps) w_t [j == t] - eps w_j / C), p the
    softmax, W the sum of the weights; for probabilities g * (p_j sum_c w_c q'_c - w_j q'_j).

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.cross_entropy(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> F.cross_entropy_backward(np.ones((2,)), x, np.array([0, 2]), reduction="none")
    array([[-0.21440297,  0.17529039,  0.03911257],
           [ 0.04201007,  0.1141952 , -0.15620527]])
    """
    if _dask.lazy(grad_output, input, target, weight):
        return _dask.loss("cross_entropy_backward", locals())
    return _cross_entropy_backward(grad_output, input, target, weight, ignore_index,
                                   check_reduction(reduction), label_smoothing)


def cross_entropy_with_grad(input, target, weight=None, *, ignore_index=-100, reduction="mean",
                            label_smoothing=0.0, grad_output=1.0):
    """``(cross_entropy(...), cross_entropy_backward(grad_output, ...))`` in one pass.

    Each row of logits is read once into cache and gives both its loss and its gradient: the
    training-loop call. grad_output defaults to 1 (the gradient of the loss itself); for
    reduction="none" it is broadcast to the loss's shape.

    Parameters
    ----------
    input : array_like
        Logits (N, C), (N, C, d1, ..., dk) or (C,); float32/float64 (float16 via float32).
    target : array_like
        Class indices of any integer dtype, shape (N,), (N, d1, ..., dk) or (); or class
        probabilities of the input's shape (floating).
    weight : array_like, optional
        C class weights.
    ignore_index : int, default -100
        Class-index targets equal to it contribute nothing (not allowed, if >= 0, with
        probability targets).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    label_smoothing : float in [0, 1], default 0.0
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``cross_entropy`` returns.
    grad_input : ndarray
        What ``cross_entropy_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``cross_entropy``):

    With lse the row's log-sum-exp, w the weights (1 without), eps = label_smoothing:
    class indices: loss = (1 - eps) w_t (lse - x_t) + eps / C * sum_c w_c (lse - x_c); "mean"
    divides the sum by sum of w_t over targets not ignored (NaN when all are ignored).
    Probabilities q: loss = sum_c w_c q'_c (lse - x_c), q' = (1 - eps) q + eps / C; "mean"
    divides by the number of rows. Every lse - x_c is formed as (max - x_c) + log1p(S), so no
    term cancels; the logits are read row by row, no N x C temporary is made.

    Gradient (``cross_entropy_backward``):

    grad_output is a scalar for "mean"/"sum" and an array of the loss's shape for "none".
    Rows whose target is ignore_index get 0. For class indices the gradient of a row is
    g * (p_j ((1 - eps) w_t + eps W / C) - (1 - eps) w_t [j == t] - eps w_j / C), p the
    softmax, W the sum of the weights; for probabilities g * (p_j sum_c w_c q'_c - w_j q'_j).

    torch equivalent: ``loss = torch.nn.functional.cross_entropy(x, ...)`` for an ``x`` that
    requires grad, then ``loss.backward(grad_output)`` and ``x.grad``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    >>> loss, grad = F.cross_entropy_with_grad(x, np.array([0, 2]), reduction="none")
    >>> loss
    array([0.2413113 , 0.16984602])
    >>> grad
    array([[-0.21440297,  0.17529039,  0.03911257],
           [ 0.04201007,  0.1141952 , -0.15620527]])
    """
    if _dask.lazy(input, target, weight):
        return _dask.loss("cross_entropy_with_grad", locals())
    return _cross_entropy_with_grad(input, target, weight, ignore_index,
                                    check_reduction(reduction), label_smoothing, grad_output)


def nll_loss(input, target, weight=None, *, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of log-probabilities (torch.nn.functional.nll_loss).

    Parameters
    ----------
    input : array_like
        Log-probabilities (N, C), (N, C, d1, ..., dk) or (C,).
    target : array_like
        Class indices (any integer dtype), shape (N,), (N, d1, ..., dk) or ().
    weight : array_like, optional
        C class weights.
    ignore_index : int, default -100
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray or numpy scalar

    Raises
    ------
    ValueError, TypeError
        As ``cross_entropy`` for class indices.

    Notes
    -----
    loss = -w_t x_t per row; "mean" divides the sum by the sum of w_t over targets that are
    not ignored (NaN when all are ignored, as torch).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> logp = np.log([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    >>> F.nll_loss(logp, np.array([0, 2]), reduction="none")
    array([0.35667494, 0.22314355])
    """
    if _dask.lazy(input, target, weight):
        return _dask.loss("nll_loss", locals())
    return _nll_loss(input, target, weight, ignore_index, check_reduction(reduction))


def nll_loss_backward(grad_output, input, target, weight=None, *, ignore_index=-100,
                      reduction="mean"):
    """Gradient of ``nll_loss`` with respect to `input`: -w_t g at each row's target, 0
    elsewhere (and on ignored rows).

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        Log-probabilities (N, C), (N, C, d1, ..., dk) or (C,).
    target : array_like
        Class indices (any integer dtype), shape (N,), (N, d1, ..., dk) or ().
    weight : array_like, optional
        C class weights.
    ignore_index : int, default -100
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``nll_loss`` raises.

    Notes
    -----
    torch equivalent: ``torch.autograd.grad(torch.nn.functional.nll_loss(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> logp = np.log([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    >>> F.nll_loss_backward(np.ones((2,)), logp, np.array([0, 2]), reduction="none")
    array([[-1.,  0.,  0.],
           [ 0.,  0., -1.]])
    """
    if _dask.lazy(grad_output, input, target, weight):
        return _dask.loss("nll_loss_backward", locals())
    return _nll_loss_backward(grad_output, input, target, weight, ignore_index,
                              check_reduction(reduction))


def nll_loss_with_grad(input, target, weight=None, *, ignore_index=-100, reduction="mean",
                       grad_output=1.0):
    """``(nll_loss(...), nll_loss_backward(grad_output, ...))`` in one pass over the rows.

    Parameters
    ----------
    input : array_like
        Log-probabilities (N, C), (N, C, d1, ..., dk) or (C,).
    target : array_like
        Class indices (any integer dtype), shape (N,), (N, d1, ..., dk) or ().
    weight : array_like, optional
        C class weights.
    ignore_index : int, default -100
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``nll_loss`` returns.
    grad_input : ndarray
        What ``nll_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``nll_loss``):

    loss = -w_t x_t per row; "mean" divides the sum by the sum of w_t over targets that are
    not ignored (NaN when all are ignored, as torch).

    torch equivalent: ``loss = torch.nn.functional.nll_loss(x, ...)`` for an ``x`` that requires
    grad, then ``loss.backward(grad_output)`` and ``x.grad``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> logp = np.log([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    >>> loss, grad = F.nll_loss_with_grad(logp, np.array([0, 2]), reduction="none")
    >>> loss
    array([0.35667494, 0.22314355])
    >>> grad
    array([[-1.,  0.,  0.],
           [ 0.,  0., -1.]])
    """
    if _dask.lazy(input, target, weight):
        return _dask.loss("nll_loss_with_grad", locals())
    return _nll_loss_with_grad(input, target, weight, ignore_index, check_reduction(reduction),
                               grad_output)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, *, reduction="mean"):
    """Multi-class margin (hinge) loss (torch.nn.functional.multi_margin_loss).

    Parameters
    ----------
    input : array_like
        Scores ``(N, C)`` or ``(C,)`` (a 0-D input is one score, C = 1).
    target : array_like
        Class indices in ``[0, C)``, any integer dtype, shape ``(N,)`` (``(1,)`` or 0-D for a
        1-D input).
    p : {1, 2}, default 1
    margin : float, default 1.0
    weight : array_like, optional
        ``(C,)`` class weights; it takes part in dtype promotion.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray or NumPy scalar
        The target's shape for ``'none'``, else a scalar of the result dtype.

    Raises
    ------
    TypeError
        Non-real input or weight, a non-integer target, a non-numeric p.
    ValueError
        ``p`` not 1 or 2, a target out of ``[0, C)``, wrong shapes, an unknown reduction.

    Notes
    -----
    As ATen, for a row ``x`` with target ``y``::

        loss = w[y] / C * sum_{j != y} max(0, margin - x[y] + x[j])^p

    ``'mean'`` is the plain mean over rows (not weighted by ``w[y]``, as torch). An empty batch
    gives NaN for ``'mean'`` (torch: 0). Terms with ``margin - x[y] + x[j]`` NaN are dropped,
    as torch drops them.

    Gradient (``multi_margin_loss_backward``):

    For ``j != y`` with ``z_j = margin - x[y] + x[j] > 0``: ``w[y] / C * (1 if p == 1 else
    2 z_j)``; ``x[y]`` gets minus their sum; times ``grad_output`` (divided by N for 'mean').

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[0.5, 1.0, -1.0], [0.0, 1.0, 3.0]])
    >>> F.multi_margin_loss(x, np.array([0, 2]), reduction="none")
    array([0.5, 0. ])
    """
    if _dask.lazy(input, target, weight):
        return _dask.loss("multi_margin_loss", locals())
    return _multi_margin_loss(input, target, p, margin, weight, check_reduction(reduction))


def multi_margin_loss_backward(grad_output, input, target, p=1, margin=1.0, weight=None, *,
                               reduction="mean"):
    """Gradient of ``multi_margin_loss`` with respect to ``input`` (weight is not learned).

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        Scores ``(N, C)`` or ``(C,)`` (a 0-D input is one score, C = 1).
    target : array_like
        Class indices in ``[0, C)``, any integer dtype, shape ``(N,)`` (``(1,)`` or 0-D for a
        1-D input).
    p : {1, 2}, default 1
    margin : float, default 1.0
    weight : array_like, optional
        ``(C,)`` class weights; it takes part in dtype promotion.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``multi_margin_loss`` raises.

    Notes
    -----
    For ``j != y`` with ``z_j = margin - x[y] + x[j] > 0``: ``w[y] / C * (1 if p == 1 else
    2 z_j)``; ``x[y]`` gets minus their sum; times ``grad_output`` (divided by N for 'mean').

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.multi_margin_loss(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[0.5, 1.0, -1.0], [0.0, 1.0, 3.0]])
    >>> F.multi_margin_loss_backward(np.ones((2,)), x, np.array([0, 2]), reduction="none")
    array([[-0.33333333,  0.33333333,  0.        ],
           [ 0.        ,  0.        , -0.        ]])
    """
    if _dask.lazy(grad_output, input, target, weight):
        return _dask.loss("multi_margin_loss_backward", locals())
    return _multi_margin_loss_backward(grad_output, input, target, p, margin, weight,
                                       check_reduction(reduction))


def multilabel_margin_loss(input, target, *, reduction="mean"):
    """Multi-label margin loss (torch.nn.functional.multilabel_margin_loss).

    Parameters
    ----------
    input : array_like
        Scores ``(N, C)`` or ``(C,)`` (0-D: one score).
    target : array_like
        Integer array of input's shape: each row lists its target classes, followed by -1;
        entries after the first -1 are ignored. Every entry must lie in ``[-1, C)`` (torch
        checks all of them too).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray or NumPy scalar
        ``(N,)`` (0-D for a 1-D input) for ``'none'``, else a scalar of the result dtype.

    Raises
    ------
    TypeError
        Non-real input, a non-integer target.
    ValueError
        Target entries outside ``[-1, C)``, wrong shapes, an unknown reduction.

    Notes
    -----
    As ATen: with ``T`` the set of target classes of a row (before the first -1)::

        loss = 1/C * sum_{k in targets} sum_{j not in T} max(0, 1 - x[k] + x[j])

    a target listed twice counts twice, as in torch. An empty batch gives NaN for ``'mean'``
    (torch returns an undefined value).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[0.1, 0.2, 0.4, 0.8]])
    >>> F.multilabel_margin_loss(x, np.array([[3, 0, -1, 1]]), reduction="none")
    array([0.85])
    """
    if _dask.lazy(input, target):
        return _dask.loss("multilabel_margin_loss", locals())
    return _multilabel_margin_loss(input, target, check_reduction(reduction))


def multilabel_margin_loss_backward(grad_output, input, target, *, reduction="mean"):
    """Gradient of ``multilabel_margin_loss`` with respect to ``input``: for every active pair
    (target k, non-target j, ``1 - x[k] + x[j] > 0``), ``+1/C`` to ``x[j]`` and ``-1/C`` to
    ``x[k]``, times ``grad_output`` (divided by N for 'mean').

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        Scores ``(N, C)`` or ``(C,)`` (0-D: one score).
    target : array_like
        Integer array of input's shape: each row lists its target classes, followed by -1;
        entries after the first -1 are ignored. Every entry must lie in ``[-1, C)`` (torch
        checks all of them too).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``multilabel_margin_loss`` raises.

    Notes
    -----
    torch equivalent: ``torch.autograd.grad(torch.nn.functional.multilabel_margin_loss(x, ...),
    x, grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[0.1, 0.2, 0.4, 0.8]])
    >>> F.multilabel_margin_loss_backward(np.ones((1,)), x, np.array([[3, 0, -1, 1]]),
    ...                                   reduction="none")
    array([[-0.5,  0.5,  0.5, -0.5]])
    """
    if _dask.lazy(grad_output, input, target):
        return _dask.loss("multilabel_margin_loss_backward", locals())
    return _multilabel_margin_loss_backward(grad_output, input, target, check_reduction(reduction))


def softmax_focal_loss(input, target, alpha=None, *, gamma=2.0, ignore_index=-100,
                       reduction="mean", label_smoothing=0.0):
    """Multiclass (softmax) focal loss with per-class alpha (Lin et al. 2017); not in torch.

    Parameters
    ----------
    input : array_like
        Logits ``(N, C)``, ``(N, C, d1, ..., dk)`` or ``(C,)``.
    target : array_like
        Class indices of any integer dtype, ``(N,)``, ``(N, d1, ..., dk)`` or ``()`` (values in
        ``[0, C)`` or ignore_index); or class probabilities (floating) of the input's shape.
    alpha : array_like or float, optional
        Per-class factor alpha_c: a ``(C,)`` array (like cross_entropy's ``weight``) or one
        float for every class; None is 1. It scales the terms, it is not a normaliser: 'mean'
        divides by the number of targets that are not ignore_index (the row count for
        probability targets), whatever alpha is.
    gamma : float, default 2.0
        Exponent of the modulating factor (1 - p), >= 0.
    ignore_index : int, default -100
        A class-index target that contributes nothing.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    label_smoothing : float, default 0.0
        In [0, 1]: class-index targets become (1 - label_smoothing) one_hot + label_smoothing / C,
        as cross_entropy's.

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
    p = softmax(input) over the class dimension, f_c = -alpha_c (1 - p_c)^gamma log p_c;
    loss = f_y for a class index y (0 where y is ignore_index), loss = sum_c q_c f_c for
    class probabilities q (and for smoothed labels). 1 - p_c is formed as -expm1(log p_c),
    log p by the log_softmax kernel. gamma = 0 with alpha None is cross_entropy (class
    indices, probabilities and label_smoothing alike).

    Gradient (``softmax_focal_loss_backward``):

    With D_c = dl/dlog p_c = -w_c alpha_c (1 - p_c)^gamma (1 + gamma p_c r_c), r_c = -log p_c /
    (1 - p_c) (1 at p_c = 1) and w the target weights (one-hot, smoothed or probabilities):
    grad = (D - p sum_c D_c) grad_output, divided by the count for 'mean'.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.softmax_focal_loss(np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]]), np.array([0, 1]),
    ...                      reduction="none")
    array([0.01109275, 1.70256999])
    """
    if _dask.lazy(input, target, alpha):
        return _dask.loss("softmax_focal_loss", locals())
    return _softmax_focal_loss(input, target, alpha, gamma, ignore_index,
                               check_reduction(reduction), label_smoothing)


def softmax_focal_loss_backward(grad_output, input, target, alpha=None, *, gamma=2.0,
                                ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Gradient of ``softmax_focal_loss`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        Logits ``(N, C)``, ``(N, C, d1, ..., dk)`` or ``(C,)``.
    target : array_like
        Class indices of any integer dtype, ``(N,)``, ``(N, d1, ..., dk)`` or ``()`` (values in
        ``[0, C)`` or ignore_index); or class probabilities (floating) of the input's shape.
    alpha : array_like or float, optional
        Per-class factor alpha_c: a ``(C,)`` array (like cross_entropy's ``weight``) or one
        float for every class; None is 1. It scales the terms, it is not a normaliser: 'mean'
        divides by the number of targets that are not ignore_index (the row count for
        probability targets), whatever alpha is.
    gamma : float, default 2.0
        Exponent of the modulating factor (1 - p), >= 0.
    ignore_index : int, default -100
        A class-index target that contributes nothing.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    label_smoothing : float, default 0.0
        In [0, 1]: class-index targets become (1 - label_smoothing) one_hot + label_smoothing / C,
        as cross_entropy's.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``softmax_focal_loss`` raises.

    Notes
    -----
    With D_c = dl/dlog p_c = -w_c alpha_c (1 - p_c)^gamma (1 + gamma p_c r_c), r_c = -log p_c /
    (1 - p_c) (1 at p_c = 1) and w the target weights (one-hot, smoothed or probabilities):
    grad = (D - p sum_c D_c) grad_output, divided by the count for 'mean'.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.softmax_focal_loss_backward(np.ones((2,)),
    ...                               np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]]),
    ...                               np.array([0, 1]), reduction="none")
    array([[-0.02728467,  0.02230725,  0.00497742],
           [ 0.05140479, -1.0838975 ,  1.03249272]])
    """
    if _dask.lazy(grad_output, input, target, alpha):
        return _dask.loss("softmax_focal_loss_backward", locals())
    return _softmax_focal_loss_backward(grad_output, input, target, alpha, gamma, ignore_index,
                                        check_reduction(reduction), label_smoothing)


def softmax_focal_loss_with_grad(input, target, alpha=None, *, gamma=2.0, ignore_index=-100,
                                 reduction="mean", label_smoothing=0.0, grad_output=1.0):
    """Loss and input gradient of ``softmax_focal_loss`` from one log_softmax.

    Parameters
    ----------
    input : array_like
        Logits ``(N, C)``, ``(N, C, d1, ..., dk)`` or ``(C,)``.
    target : array_like
        Class indices of any integer dtype, ``(N,)``, ``(N, d1, ..., dk)`` or ``()`` (values in
        ``[0, C)`` or ignore_index); or class probabilities (floating) of the input's shape.
    alpha : array_like or float, optional
        Per-class factor alpha_c: a ``(C,)`` array (like cross_entropy's ``weight``) or one
        float for every class; None is 1. It scales the terms, it is not a normaliser: 'mean'
        divides by the number of targets that are not ignore_index (the row count for
        probability targets), whatever alpha is.
    gamma : float, default 2.0
        Exponent of the modulating factor (1 - p), >= 0.
    ignore_index : int, default -100
        A class-index target that contributes nothing.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    label_smoothing : float, default 0.0
        In [0, 1]: class-index targets become (1 - label_smoothing) one_hot + label_smoothing / C,
        as cross_entropy's.
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``softmax_focal_loss`` returns.
    grad_input : ndarray
        What ``softmax_focal_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``softmax_focal_loss``):

    p = softmax(input) over the class dimension, f_c = -alpha_c (1 - p_c)^gamma log p_c;
    loss = f_y for a class index y (0 where y is ignore_index), loss = sum_c q_c f_c for
    class probabilities q (and for smoothed labels). 1 - p_c is formed as -expm1(log p_c),
    log p by the log_softmax kernel. gamma = 0 with alpha None is cross_entropy (class
    indices, probabilities and label_smoothing alike).

    Gradient (``softmax_focal_loss_backward``):

    With D_c = dl/dlog p_c = -w_c alpha_c (1 - p_c)^gamma (1 + gamma p_c r_c), r_c = -log p_c /
    (1 - p_c) (1 at p_c = 1) and w the target weights (one-hot, smoothed or probabilities):
    grad = (D - p sum_c D_c) grad_output, divided by the count for 'mean'.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> loss, grad = F.softmax_focal_loss_with_grad(
    ...     np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]]), np.array([0, 1]),
    ...     reduction="none")
    >>> loss
    array([0.01109275, 1.70256999])
    >>> grad
    array([[-0.02728467,  0.02230725,  0.00497742],
           [ 0.05140479, -1.0838975 ,  1.03249272]])
    """
    if _dask.lazy(input, target, alpha):
        return _dask.loss("softmax_focal_loss_with_grad", locals())
    return _softmax_focal_loss_with_grad(input, target, alpha, gamma, ignore_index,
                                         check_reduction(reduction), label_smoothing, grad_output)


def poly1_cross_entropy(input, target, *, epsilon=2.0, ignore_index=-100, reduction="mean",
                        label_smoothing=0.0):
    """Poly-1 cross-entropy (PolyLoss, Leng et al. 2022; optax.poly_loss_cross_entropy); not in torch.

    Parameters
    ----------
    input : array_like
        Logits ``(N, C)``, ``(N, C, d1, ..., dk)`` or ``(C,)``.
    target : array_like
        Class indices of any integer dtype, ``(N,)``, ``(N, d1, ..., dk)`` or ``()`` (values in
        ``[0, C)`` or ignore_index); or class probabilities (floating) of the input's shape.
    epsilon : float, default 2.0
        Coefficient of the first polynomial term (optax's default 2.0; any real).
    ignore_index : int, default -100
        A class-index target that contributes nothing.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    label_smoothing : float, default 0.0
        In [0, 1]: the targets become (1 - label_smoothing) one_hot + label_smoothing / C for
        both terms, as optax.smooth_labels followed by optax.poly_loss_cross_entropy.

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
    loss = CE + epsilon (1 - p_t) with CE = -sum_c q_c log p_c (cross_entropy) and 1 - p_t =
    sum_c q_c (1 - p_c), q the target distribution (one-hot, smoothed, or the given
    probabilities) -- optax's formula, each row. 'mean' divides by the number of targets
    that are not ignore_index (the row count for probabilities); epsilon = 0 is
    cross_entropy.

    Gradient (``poly1_cross_entropy_backward``):

    (p sum(q) - q + epsilon p (p_t - q)) grad_output per row (p = softmax(input)), divided by
    the count for 'mean'.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.poly1_cross_entropy(np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]]), np.array([0, 1]),
    ...                       reduction="none")
    array([0.67011723, 3.94145562])
    """
    if _dask.lazy(input, target):
        return _dask.loss("poly1_cross_entropy", locals())
    return _poly1_cross_entropy(input, target, epsilon, ignore_index, check_reduction(reduction),
                                label_smoothing)


def poly1_cross_entropy_backward(grad_output, input, target, *, epsilon=2.0, ignore_index=-100,
                                 reduction="mean", label_smoothing=0.0):
    """Gradient of ``poly1_cross_entropy`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        Logits ``(N, C)``, ``(N, C, d1, ..., dk)`` or ``(C,)``.
    target : array_like
        Class indices of any integer dtype, ``(N,)``, ``(N, d1, ..., dk)`` or ``()`` (values in
        ``[0, C)`` or ignore_index); or class probabilities (floating) of the input's shape.
    epsilon : float, default 2.0
        Coefficient of the first polynomial term (optax's default 2.0; any real).
    ignore_index : int, default -100
        A class-index target that contributes nothing.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    label_smoothing : float, default 0.0
        In [0, 1]: the targets become (1 - label_smoothing) one_hot + label_smoothing / C for
        both terms, as optax.smooth_labels followed by optax.poly_loss_cross_entropy.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``poly1_cross_entropy`` raises.

    Notes
    -----
    (p sum(q) - q + epsilon p (p_t - q)) grad_output per row (p = softmax(input)), divided by
    the count for 'mean'.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.poly1_cross_entropy_backward(np.ones((2,)),
    ...                                np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]]),
    ...                                np.array([0, 1]), reduction="none")
    array([[-0.55127163,  0.45070562,  0.10056602],
           [ 0.05160476, -1.08811411,  1.03650935]])
    """
    if _dask.lazy(grad_output, input, target):
        return _dask.loss("poly1_cross_entropy_backward", locals())
    return _poly1_cross_entropy_backward(grad_output, input, target, epsilon, ignore_index,
                                         check_reduction(reduction), label_smoothing)


def poly1_cross_entropy_with_grad(input, target, *, epsilon=2.0, ignore_index=-100,
                                  reduction="mean", label_smoothing=0.0, grad_output=1.0):
    """Loss and input gradient of ``poly1_cross_entropy`` from one log_softmax.

    Parameters
    ----------
    input : array_like
        Logits ``(N, C)``, ``(N, C, d1, ..., dk)`` or ``(C,)``.
    target : array_like
        Class indices of any integer dtype, ``(N,)``, ``(N, d1, ..., dk)`` or ``()`` (values in
        ``[0, C)`` or ignore_index); or class probabilities (floating) of the input's shape.
    epsilon : float, default 2.0
        Coefficient of the first polynomial term (optax's default 2.0; any real).
    ignore_index : int, default -100
        A class-index target that contributes nothing.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    label_smoothing : float, default 0.0
        In [0, 1]: the targets become (1 - label_smoothing) one_hot + label_smoothing / C for
        both terms, as optax.smooth_labels followed by optax.poly_loss_cross_entropy.
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``poly1_cross_entropy`` returns.
    grad_input : ndarray
        What ``poly1_cross_entropy_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``poly1_cross_entropy``):

    loss = CE + epsilon (1 - p_t) with CE = -sum_c q_c log p_c (cross_entropy) and 1 - p_t =
    sum_c q_c (1 - p_c), q the target distribution (one-hot, smoothed, or the given
    probabilities) -- optax's formula, each row. 'mean' divides by the number of targets
    that are not ignore_index (the row count for probabilities); epsilon = 0 is
    cross_entropy.

    Gradient (``poly1_cross_entropy_backward``):

    (p sum(q) - q + epsilon p (p_t - q)) grad_output per row (p = softmax(input)), divided by
    the count for 'mean'.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> loss, grad = F.poly1_cross_entropy_with_grad(
    ...     np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]]), np.array([0, 1]),
    ...     reduction="none")
    >>> loss
    array([0.67011723, 3.94145562])
    >>> grad
    array([[-0.55127163,  0.45070562,  0.10056602],
           [ 0.05160476, -1.08811411,  1.03650935]])
    """
    if _dask.lazy(input, target):
        return _dask.loss("poly1_cross_entropy_with_grad", locals())
    return _poly1_cross_entropy_with_grad(input, target, epsilon, ignore_index,
                                          check_reduction(reduction), label_smoothing, grad_output)


def poly_cross_entropy(input, target, epsilons=(2.0,), *, ignore_index=-100, reduction="mean",
                       label_smoothing=0.0):
    """Poly-N cross-entropy (PolyLoss, Leng et al. 2022): CE plus a polynomial in (1 - p_t).

    Parameters
    ----------
    input : array_like
        Logits ``(N, C)``, ``(N, C, d1, ..., dk)`` or ``(C,)``.
    target : array_like
        Class indices of any integer dtype, ``(N,)``, ``(N, d1, ..., dk)`` or ``()`` (values in
        ``[0, C)`` or ignore_index); or class probabilities (floating) of the input's shape.
    epsilons : sequence of float, default (2.0,)
        Coefficients epsilon_1, ..., epsilon_N of (1 - p_t)^1, ..., (1 - p_t)^N (Poly-N); one
        coefficient is ``poly1_cross_entropy``, none is cross_entropy.
    ignore_index : int, default -100
        A class-index target that contributes nothing.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    label_smoothing : float, default 0.0
        In [0, 1]: the targets become (1 - label_smoothing) one_hot + label_smoothing / C.

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
    loss = CE + sum_j epsilon_j (1 - p_t)^j, j = 1..N, with CE and 1 - p_t as in
    ``poly1_cross_entropy`` (optax's 1 - p_t = sum_c q_c (1 - p_c)). 'mean' divides by the
    number of targets that are not ignore_index (the row count for probabilities).

    Gradient (``poly_cross_entropy_backward``):

    (p sum(q) - q + K p (p_t - q)) grad_output per row, K = sum_j j epsilon_j (1 - p_t)^(j - 1),
    divided by the count for 'mean'.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.poly_cross_entropy(np.array([[2.0, 0.5, -1.0]]), np.array([0]), (2.0, 1.0),
    ...                      reduction="none")
    array([0.71608586])
    """
    if _dask.lazy(input, target):
        return _dask.loss("poly_cross_entropy", locals())
    return _poly_cross_entropy(input, target, epsilons, ignore_index, check_reduction(reduction),
                               label_smoothing)


def poly_cross_entropy_backward(grad_output, input, target, epsilons=(2.0,), *, ignore_index=-100,
                                reduction="mean", label_smoothing=0.0):
    """Gradient of ``poly_cross_entropy`` with respect to its input.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input : array_like
        Logits ``(N, C)``, ``(N, C, d1, ..., dk)`` or ``(C,)``.
    target : array_like
        Class indices of any integer dtype, ``(N,)``, ``(N, d1, ..., dk)`` or ``()`` (values in
        ``[0, C)`` or ignore_index); or class probabilities (floating) of the input's shape.
    epsilons : sequence of float, default (2.0,)
        Coefficients epsilon_1, ..., epsilon_N of (1 - p_t)^1, ..., (1 - p_t)^N (Poly-N); one
        coefficient is ``poly1_cross_entropy``, none is cross_entropy.
    ignore_index : int, default -100
        A class-index target that contributes nothing.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    label_smoothing : float, default 0.0
        In [0, 1]: the targets become (1 - label_smoothing) one_hot + label_smoothing / C.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``poly_cross_entropy`` raises.

    Notes
    -----
    (p sum(q) - q + K p (p_t - q)) grad_output per row, K = sum_j j epsilon_j (1 - p_t)^(j - 1),
    divided by the count for 'mean'.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.poly_cross_entropy_backward(np.ones((1,)), np.array([[2.0, 0.5, -1.0]]),
    ...                               np.array([0]), (2.0, 1.0), reduction="none")
    array([[-0.62349727,  0.50975546,  0.11374182]])
    """
    if _dask.lazy(grad_output, input, target):
        return _dask.loss("poly_cross_entropy_backward", locals())
    return _poly_cross_entropy_backward(grad_output, input, target, epsilons, ignore_index,
                                        check_reduction(reduction), label_smoothing)


def poly_cross_entropy_with_grad(input, target, epsilons=(2.0,), *, ignore_index=-100,
                                 reduction="mean", label_smoothing=0.0, grad_output=1.0):
    """Loss and input gradient of ``poly_cross_entropy`` from one log_softmax.

    Parameters
    ----------
    input : array_like
        Logits ``(N, C)``, ``(N, C, d1, ..., dk)`` or ``(C,)``.
    target : array_like
        Class indices of any integer dtype, ``(N,)``, ``(N, d1, ..., dk)`` or ``()`` (values in
        ``[0, C)`` or ignore_index); or class probabilities (floating) of the input's shape.
    epsilons : sequence of float, default (2.0,)
        Coefficients epsilon_1, ..., epsilon_N of (1 - p_t)^1, ..., (1 - p_t)^N (Poly-N); one
        coefficient is ``poly1_cross_entropy``, none is cross_entropy.
    ignore_index : int, default -100
        A class-index target that contributes nothing.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    label_smoothing : float, default 0.0
        In [0, 1]: the targets become (1 - label_smoothing) one_hot + label_smoothing / C.
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``poly_cross_entropy`` returns.
    grad_input : ndarray
        What ``poly_cross_entropy_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``poly_cross_entropy``):

    loss = CE + sum_j epsilon_j (1 - p_t)^j, j = 1..N, with CE and 1 - p_t as in
    ``poly1_cross_entropy`` (optax's 1 - p_t = sum_c q_c (1 - p_c)). 'mean' divides by the
    number of targets that are not ignore_index (the row count for probabilities).

    Gradient (``poly_cross_entropy_backward``):

    (p sum(q) - q + K p (p_t - q)) grad_output per row, K = sum_j j epsilon_j (1 - p_t)^(j - 1),
    divided by the count for 'mean'.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> loss, grad = F.poly_cross_entropy_with_grad(np.array([[2.0, 0.5, -1.0]]),
    ...                                             np.array([0]), (2.0, 1.0),
    ...                                             reduction="none")
    >>> loss
    array([0.71608586])
    >>> grad
    array([[-0.62349727,  0.50975546,  0.11374182]])
    """
    if _dask.lazy(input, target):
        return _dask.loss("poly_cross_entropy_with_grad", locals())
    return _poly_cross_entropy_with_grad(input, target, epsilons, ignore_index,
                                         check_reduction(reduction), label_smoothing, grad_output)
# </generated: class_losses.functions>
