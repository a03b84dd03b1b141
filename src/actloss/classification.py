"""nll_loss and cross_entropy (class indices or class probabilities), their gradients, and
fused loss-and-gradient calls, with torch's exact semantics.

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
import operator

import numpy as np

from . import _dispatch, _threads
from ._validate import (KERNEL_INDEX, as_array, check_reduction, loss_grad_output, loss_scalar,
                        promoted_dtype, real_param, result_dtype)

__all__ = ["nll_loss", "nll_loss_backward", "nll_loss_with_grad", "cross_entropy",
           "cross_entropy_backward", "cross_entropy_with_grad"]


def _kernels():
    return _dispatch.kernels("_softmax")


class _Problem:
    """Checked arguments of one call: kernel-ready arrays, layout and reduction data."""

    def __init__(self, input, target, weight, ignore_index, reduction, label_smoothing=0.0,
                 allow_probs=True, name="cross_entropy"):
        x = as_array(input)
        if x.ndim == 0:
            raise ValueError(f"{name}: input must have at least 1 dimension (C,), got a 0-d array")
        t = as_array(target, "target")
        self.reduction = check_reduction(reduction)
        self.ignore_index = _int_param(ignore_index, "ignore_index")
        self.eps = real_param(label_smoothing, "label_smoothing")
        if not 0.0 <= self.eps <= 1.0:
            raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {self.eps}")
        self.probs = allow_probs and t.shape == x.shape
        w = None if weight is None else as_array(weight, "weight")
        operands = [(x, "input")] + ([(w, "weight")] if w is not None else [])
        if self.probs:
            if t.dtype.kind not in "f":
                raise TypeError(f"{name}: a target of the input's shape {x.shape} holds class "
                                f"probabilities and must be floating, got dtype {t.dtype}")
            if self.ignore_index >= 0:
                raise ValueError("ignore_index is not supported for class-probability targets")
            operands.append((t, "target"))
        self.res_dtype, self.k_dtype = promoted_dtype(*operands)
        self.dt = KERNEL_INDEX[self.k_dtype]
        n_classes = x.shape[0] if x.ndim == 1 else x.shape[1]
        self.n = n_classes
        if x.ndim == 1:
            self.outer, self.inner, self.loss_shape = 1, 1, ()
        else:
            self.outer = x.shape[0]
            self.inner = int(np.prod(x.shape[2:], dtype=np.int64))
            self.loss_shape = (x.shape[0],) + x.shape[2:]
        self.rows = self.outer * self.inner
        self.x = np.ascontiguousarray(x, dtype=self.k_dtype)
        self.shape = x.shape
        if w is not None:
            if w.ndim != 1 or w.shape[0] != n_classes:
                raise ValueError(f"weight must be a 1-D array of C = {n_classes} class weights, "
                                 f"got shape {w.shape}")
            result_dtype(w.dtype, "weight")
            w = np.ascontiguousarray(w, dtype=np.float64)
        self.w = w
        if self.probs:
            self.t = np.ascontiguousarray(t, dtype=self.k_dtype)
        else:
            self.t = self._class_targets(x, t, name)
        self.n_threads = _threads.threads_for(self.rows * self.n, False)

    def _class_targets(self, x, t, name):
        expected = self.loss_shape
        if t.shape != expected:
            raise ValueError(f"{name}: target has shape {t.shape}, expected {expected} for input "
                             f"of shape {x.shape} (class indices), or {x.shape} (probabilities)")
        if t.dtype.kind not in "iu":
            raise TypeError(f"target must hold integer class indices, got dtype {t.dtype}")
        if t.dtype.kind == "u" and t.size and t.max() > np.iinfo(np.int64).max:
            raise ValueError("target holds class indices beyond int64")
        t64 = np.ascontiguousarray(t, dtype=np.int64).reshape(-1)
        if t64.size and 0 <= t64.min() and t64.max() < self.n:
            return t64  # the common case, checked with two reductions
        bad = (t64 != self.ignore_index) & ((t64 < 0) | (t64 >= self.n))
        if bad.any():
            value = t64[np.argmax(bad)]
            raise ValueError(f"target {value} is out of bounds: class indices must be in "
                             f"[0, {self.n}) or equal ignore_index={self.ignore_index}")
        return t64

    def denominator(self):
        """What "mean" divides by (see the module docstring); the forward, the backward and
        the fused call all take it from here, so they agree to the last bit."""
        if self.probs:
            return float(self.rows)
        if self.w is None:
            return float(np.count_nonzero(self.t != self.ignore_index))
        kept = self.t[self.t != self.ignore_index]
        # summed left to right, in row order, like the kernels' sum of the row losses: a batch
        # whose rows all lose the same amount then averages to exactly that amount (as torch)
        sums = np.cumsum(self.w[kept])
        return float(sums[-1]) if sums.size else 0.0

    def reduce(self, loss_rows, total, denominator):
        if self.reduction == "none":
            return loss_rows.reshape(self.loss_shape).astype(self.res_dtype)
        if self.reduction == "sum":
            return loss_scalar(total, self.res_dtype)
        # all targets ignored, or no rows: 0 / 0, NaN as torch
        return loss_scalar(total / denominator if denominator else math.nan, self.res_dtype)

    def grad_scale(self, grad_output, denominator):
        """(g, g_rows): the gradient factor of every row, a scalar or a float64 array."""
        gy = loss_grad_output(grad_output, self.reduction, self.loss_shape)
        if self.reduction == "none":
            return 0.0, np.ascontiguousarray(gy, dtype=np.float64).reshape(-1)
        g = gy
        if self.reduction == "mean":
            # no row counts when the denominator is 0, so its gradient factor is never used
            g = g / denominator if denominator else math.nan
        return g, None

    def grad_array(self):
        return np.empty(self.x.shape, self.k_dtype)

    def finish_grad(self, gx):
        return gx.reshape(self.shape).astype(self.res_dtype, copy=False)


def _int_param(value, name):
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int, got {type(value).__name__}") from None


# ---- cross_entropy -----------------------------------------------------------------------

def _ce_run(p, g=0.0, g_rows=None, gx=None):
    loss_rows = np.empty(p.rows, np.float64)
    if p.probs:
        total = _kernels().cross_entropy_prob(p.dt, p.x, p.t, p.w, p.outer, p.n, p.inner, p.eps,
                                              loss_rows, g, g_rows, gx, p.n_threads)
    else:
        total = _kernels().cross_entropy(p.dt, p.x, p.t, p.w, p.outer, p.n, p.inner,
                                         p.ignore_index, p.eps, loss_rows, g, g_rows, gx,
                                         p.n_threads)
    return loss_rows, total


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
    reduction : {"mean", "sum", "none"}
    label_smoothing : float in [0, 1], default 0

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
    """
    p = _Problem(input, target, weight, ignore_index, reduction, label_smoothing)
    loss_rows, total = _ce_run(p)
    return p.reduce(loss_rows, total, p.denominator())


def cross_entropy_backward(grad_output, input, target, weight=None, *, ignore_index=-100,
                           reduction="mean", label_smoothing=0.0):
    """Gradient of ``cross_entropy`` with respect to `input` (same shape and dtype).

    grad_output is a scalar for "mean"/"sum" and an array of the loss's shape for "none".
    Rows whose target is ignore_index get 0. For class indices the gradient of a row is
    g * (p_j ((1 - eps) w_t + eps W / C) - (1 - eps) w_t [j == t] - eps w_j / C), p the
    softmax, W the sum of the weights; for probabilities g * (p_j sum_c w_c q'_c - w_j q'_j).
    """
    p = _Problem(input, target, weight, ignore_index, reduction, label_smoothing)
    g, g_rows = p.grad_scale(grad_output, p.denominator())
    gx = p.grad_array()
    _ce_run(p, g, g_rows, gx)
    return p.finish_grad(gx)


def cross_entropy_with_grad(input, target, weight=None, *, ignore_index=-100, reduction="mean",
                            label_smoothing=0.0, grad_output=1.0):
    """``(cross_entropy(...), cross_entropy_backward(grad_output, ...))`` in one pass.

    Each row of logits is read once into cache and gives both its loss and its gradient: the
    training-loop call. grad_output defaults to 1 (the gradient of the loss itself); for
    reduction="none" it is broadcast to the loss's shape.
    """
    p = _Problem(input, target, weight, ignore_index, reduction, label_smoothing)
    den = p.denominator()
    g, g_rows = p.grad_scale(grad_output, den)
    gx = p.grad_array()
    loss_rows, total = _ce_run(p, g, g_rows, gx)
    return p.reduce(loss_rows, total, den), p.finish_grad(gx)


# ---- nll_loss -------------------------------------------------------------------------------

def _nll_run(p, g=0.0, g_rows=None, gx=None):
    loss_rows = np.empty(p.rows, np.float64)
    total = _kernels().nll(p.dt, p.x, p.t, p.w, p.outer, p.n, p.inner, p.ignore_index,
                           loss_rows, g, g_rows, gx)
    return loss_rows, total


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
    reduction : {"mean", "sum", "none"}

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
    """
    p = _Problem(input, target, weight, ignore_index, reduction, allow_probs=False,
                 name="nll_loss")
    loss_rows, total = _nll_run(p)
    return p.reduce(loss_rows, total, p.denominator())


def nll_loss_backward(grad_output, input, target, weight=None, *, ignore_index=-100,
                      reduction="mean"):
    """Gradient of ``nll_loss`` with respect to `input`: -w_t g at each row's target, 0
    elsewhere (and on ignored rows)."""
    p = _Problem(input, target, weight, ignore_index, reduction, allow_probs=False,
                 name="nll_loss")
    g, g_rows = p.grad_scale(grad_output, p.denominator())
    gx = p.grad_array()
    _nll_run(p, g, g_rows, gx)
    return p.finish_grad(gx)


def nll_loss_with_grad(input, target, weight=None, *, ignore_index=-100, reduction="mean",
                       grad_output=1.0):
    """``(nll_loss(...), nll_loss_backward(grad_output, ...))`` in one pass over the rows."""
    p = _Problem(input, target, weight, ignore_index, reduction, allow_probs=False,
                 name="nll_loss")
    den = p.denominator()
    g, g_rows = p.grad_scale(grad_output, den)
    gx = p.grad_array()
    loss_rows, total = _nll_run(p, g, g_rows, gx)
    return p.reduce(loss_rows, total, den), p.finish_grad(gx)
