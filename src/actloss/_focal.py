"""softmax_focal_loss, poly1_cross_entropy and poly_cross_entropy: losses that are a function of
each class's log-probability, computed over rows of class scores.

Class-index targets without label smoothing take the sparse path: one call of the
cross_entropy row kernel gives each row's ce = -log p_y (in double, accurate where p_y is
close to 1) and, with a gradient, softmax - one_hot; the loss is phi(ce) and its gradient
phi'(ce) g (softmax - one_hot), scaled in place: O(N) NumPy beyond the kernel, no N x C
temporary (one kernel pass and one in-place product beat two kernel passes at every size). Probability targets and label
smoothing take the dense path over log_softmax rows (N*d1*...*dk, C), vectorised NumPy.
Argument checks, shapes (input (N, C), (N, C, d1, ..., dk) or (C,)) and messages are
cross_entropy's (class_losses._Problem). Each public function's loss, gradient and fused pair
come from one routine (_run), so the fused loss is bit for bit the forward's.
"""
import numpy as np

from .softmax_family import log_softmax
from ._validate import (KERNEL_INDEX, as_array, divide, finish_loss, loss_grad_output, narrow,
                        promoted_dtype, real_param, result_dtype)


def _cl():
    """class_losses (its _Problem, kernels and messages), imported on first use: it imports
    this module for its family functions."""
    from . import class_losses
    return class_losses


def _gamma(gamma):
    g = real_param(gamma, "gamma")
    if not g >= 0:
        raise ValueError(f"gamma must be >= 0, got {g}")
    return g


def _epsilons(epsilons):
    """Poly-N coefficients as a tuple of floats (a single number is Poly-1)."""
    if isinstance(epsilons, (str, bytes)):
        raise TypeError(f"epsilons must be a sequence of real numbers, got {epsilons!r}")
    if np.ndim(epsilons) == 0:
        return (real_param(epsilons, "epsilons"),)
    try:
        values = tuple(real_param(e, "epsilons")
                       for e in np.asarray(epsilons, dtype=object).ravel())
    except TypeError:
        raise TypeError("epsilons must be a sequence of real numbers") from None
    if np.ndim(epsilons) != 1:
        raise ValueError(f"epsilons must be one-dimensional, got shape {np.shape(epsilons)}")
    return values


def _alpha(alpha, n_classes):
    """alpha as None, a Python float, or a (C,) float64 array."""
    if alpha is None:
        return None
    a = as_array(alpha, "alpha")
    result_dtype(a.dtype, "alpha")
    if a.ndim == 0:
        return float(a)
    if a.shape != (n_classes,):
        raise ValueError(f"alpha must be a float or a 1-D array of C = {n_classes} class "
                         f"factors, got shape {a.shape}")
    return a.astype(np.float64)


def _power(q, gamma):
    """q ** gamma elementwise (q >= 0): 1 for gamma = 0 (0^0 = 1), q * q for gamma = 2."""
    if gamma == 2.0:
        return q * q
    if gamma == 1.0:
        return q
    if gamma == 0.0:
        return np.ones_like(q)
    return np.power(q, gamma)


def _focal_phi(u, gamma, grad):
    """(u q^gamma, d/du of it or None) for u = -log p >= 0, q = 1 - p = -expm1(-u):
    the derivative q^gamma (1 + gamma p u / q), with u / q -> 1 at u = 0 and p u -> 0 at
    u = inf (their limits, where the plain formula gives 0/0 or 0 inf)."""
    with np.errstate(all="ignore"):
        q = -np.expm1(-u)
        pw = _power(q, gamma)
        value = pw * u
        if not grad:
            return value, None
        if gamma == 0.0:
            return value, pw
        p = 1.0 - q
        r = np.where(q > 0, u / q, 1.0)
        m = np.where(p != 0, gamma * p * r, 0.0)
        return value, pw * (1.0 + m)


def _poly_phi(u, epsilons, grad):
    """(u + sum_j eps_j q^j, its derivative 1 + p sum_j j eps_j q^(j - 1)) for u = -log p_t,
    q = 1 - p_t = -expm1(-u) (the sparse path; Horner in q)."""
    with np.errstate(all="ignore"):
        q = -np.expm1(-u)
        poly = np.zeros_like(u)
        for e in reversed(epsilons):
            poly = (poly + e) * q
        value = u + poly
        if not grad:
            return value, None
        k = np.zeros_like(u)
        for j in range(len(epsilons), 0, -1):
            k = k * q + j * epsilons[j - 1]
        return value, 1.0 + (1.0 - q) * k


class _Call:
    """One checked call: the logits in the computing dtype, the cross_entropy problem of its
    shapes, the result dtype."""

    def __init__(self, name, input, target, alpha, ignore_index, reduction, label_smoothing):
        x = as_array(input)
        t = as_array(target, "target")
        if x.ndim == 0:
            raise ValueError(f"{name}: input must have at least 1 dimension (C,), got a 0-d "
                             "array")
        n_classes = x.shape[1] if x.ndim > 1 else x.shape[0]
        self.alpha = _alpha(alpha, n_classes)
        aux = [(t, "target")]
        if isinstance(self.alpha, np.ndarray):
            aux.append((as_array(alpha, "alpha"), "alpha"))
        self.res, k = promoted_dtype((x, "input"), aux=aux)
        xk = narrow(x, k)
        # the checks (shapes, target dtype and range, ignore_index, label_smoothing) and the
        # layout are cross_entropy's, with this function's name
        self.P = _cl()._Problem(xk, t, None, ignore_index, reduction, label_smoothing, name=name)
        self.k = k
        self.reduction = reduction
        self.sparse = not self.P.probs and self.P.eps == 0.0

    def class_axis(self):
        return 1 if len(self.P.shape) > 1 else 0

    def rows(self, a):
        """An array of the input's shape as (rows, C)."""
        return np.moveaxis(a, self.class_axis(), -1).reshape(-1, self.P.n)

    def unrows(self, a):
        shape = self.P.shape
        ax = self.class_axis()
        moved = shape[:ax] + shape[ax + 1:] + (shape[ax],)
        return np.ascontiguousarray(np.moveaxis(a.reshape(moved), -1, ax))

    def valid(self):
        """Rows whose target counts (class indices not ignore_index), flat."""
        P = self.P
        if P.probs:
            return np.ones(P.rows, bool)
        return P.t != P.ignore_index

    def target_rows(self, valid):
        """(rows, C) weights of the target distribution: the (smoothed) probabilities, or the
        (smoothed) one-hot of the class indices, 0 in ignored rows."""
        P = self.P
        if P.probs:
            W = self.rows(P.t).astype(self.k, copy=False)
            # cross_entropy's smoothing of probabilities: (1 - eps) q + eps / C
            return W if P.eps == 0.0 else W * (1.0 - P.eps) + P.eps / P.n
        W = np.full((P.rows, P.n), P.eps / P.n if P.n else 0.0, self.k)
        rows = np.flatnonzero(valid)
        W[rows, P.t[rows]] += 1.0 - P.eps
        W[~valid] = 0.0
        return W

    def cross_entropy_rows(self, grad=False):
        """(ce per row in float64, 0 where ignored; with `grad`, softmax - one_hot of the
        input's shape, 0 in ignored rows, else None) from one cross_entropy kernel call (class
        indices, no smoothing)."""
        P = self.P
        ce = np.empty(P.rows, np.float64)
        gx = np.empty(P.x.shape, P.k_dtype) if grad else None
        if P.n:
            kernel = _cl()._kernels().cross_entropy
            _, _, bad = kernel(P.dt, P.x, P.t, None, P.outer, P.n, P.inner, P.ignore_index, 0.0,
                               ce, 1.0 if grad else 0.0, np.ones(P.rows) if grad else None,
                               False, gx, P.n_threads)
            if bad >= 0:
                raise _cl()._target_out_of_bounds(P.t[bad], P.n, P.ignore_index)
        else:
            # C = 0: every target must be ignore_index (no class exists)
            bad = np.flatnonzero(P.t != P.ignore_index)
            if bad.size:
                raise _cl()._target_out_of_bounds(P.t[bad[0]], P.n, P.ignore_index)
            ce[:] = 0.0
        return ce, gx

    def row_alpha(self, valid):
        """alpha of each row's target class (1.0 without alpha), sparse path."""
        a = self.alpha
        if a is None or not isinstance(a, np.ndarray):
            return 1.0 if a is None else a
        P = self.P
        return a[np.where(valid, P.t, 0)] if P.n else np.ones(P.rows)

    def seed(self, grad_output, count):
        """grad_output per row (float64, (rows,)) as the reduction passes it."""
        P = self.P
        g = loss_grad_output(grad_output, self.reduction, P.loss_shape)
        if self.reduction == "none":
            return np.asarray(g, np.float64).reshape(-1)
        if self.reduction == "mean":
            g = divide(g, count)
        return np.full(P.rows, g)

    def finish(self, loss_rows, count):
        P = self.P
        if self.reduction == "none":
            return narrow(loss_rows.reshape(P.loss_shape), self.res)
        with np.errstate(all="ignore"):
            total = float(np.sum(loss_rows, dtype=np.float64))
        return finish_loss(self.reduction, total, count, self.res)

    def grad_result(self, gx):
        return narrow(gx, self.res)


def _masked(valid, a):
    return a if valid.all() else np.where(valid, a, 0.0)


def _run(kind, call, coef, grad_output, want_loss, want_grad):
    """(loss or None, gradient or None) of kind "focal" (coef = gamma) or "poly" (coef = the
    epsilons)."""
    P = call.P
    valid = call.valid()
    count = int(np.count_nonzero(valid)) if not P.probs else P.rows
    loss = gx = None
    if call.sparse:
        ce, gx = call.cross_entropy_rows(want_grad)
        if kind == "focal":
            a = call.row_alpha(valid)
            value, slope = _focal_phi(ce, coef, want_grad)
            with np.errstate(all="ignore"):
                value = a * value
                slope = None if slope is None else a * slope
        else:
            value, slope = _poly_phi(ce, coef, want_grad)
        if want_loss:
            loss = call.finish(_masked(valid, value), count)
        if want_grad:
            g = call.seed(grad_output, count)
            with np.errstate(all="ignore"):
                scale = _masked(valid, g * slope).astype(P.k_dtype).reshape(P.loss_shape)
                if len(P.shape) > 1:
                    scale = np.expand_dims(scale, 1)
                gx *= scale          # in place: the kernel's own output, no N x C temporary
            gx = call.grad_result(gx)
        return loss, gx
    # dense path: log_softmax rows and the target distribution W
    lp = log_softmax(call.rows(P.x), dim=1)
    W = call.target_rows(valid)
    with np.errstate(all="ignore"):
        u = -lp
        if kind == "focal":
            value, slope = _focal_phi(u, coef, want_grad)
            a = 1.0 if call.alpha is None else call.alpha
            if call.alpha is not None:
                value = value * a
                slope = None if slope is None else slope * a
            rows = np.sum(W * value, axis=1, dtype=np.float64)
        else:
            omp = np.sum(W * -np.expm1(lp), axis=1, dtype=np.float64)
            ce = np.sum(W * u, axis=1, dtype=np.float64)
            poly = np.zeros_like(omp)
            for e in reversed(coef):
                poly = (poly + e) * omp
            rows = ce + poly
        if want_loss:
            loss = call.finish(_masked(valid, rows), count)
        if want_grad:
            g = call.seed(grad_output, count)
            p = np.exp(lp)
            if kind == "focal":
                E = W * slope        # -dl/dlog p_c
                grad = p * np.sum(E, axis=1, keepdims=True) - E
            else:
                K = np.zeros_like(omp)
                for j in range(len(coef), 0, -1):
                    K = K * omp + j * coef[j - 1]
                pt = np.sum(W * p, axis=1, keepdims=True)
                grad = p * np.sum(W, axis=1, keepdims=True) - W + K[:, None] * p * (pt - W)
            grad = _masked(valid[:, None], grad * g[:, None])
            gx = call.grad_result(call.unrows(grad.astype(P.k_dtype, copy=False)))
    return loss, gx


# ---- the family functions that class_losses' generated public functions call --------------

def _focal_call(input, target, alpha, gamma, ignore_index, reduction, label_smoothing):
    g = _gamma(gamma)
    return _Call("softmax_focal_loss", input, target, alpha, ignore_index, reduction,
                 label_smoothing), g


def _softmax_focal_loss(input, target, alpha, gamma, ignore_index, reduction, label_smoothing):
    call, g = _focal_call(input, target, alpha, gamma, ignore_index, reduction, label_smoothing)
    return _run("focal", call, g, None, True, False)[0]


def _softmax_focal_loss_backward(grad_output, input, target, alpha, gamma, ignore_index,
                                 reduction, label_smoothing):
    call, g = _focal_call(input, target, alpha, gamma, ignore_index, reduction, label_smoothing)
    return _run("focal", call, g, grad_output, False, True)[1]


def _softmax_focal_loss_with_grad(input, target, alpha, gamma, ignore_index, reduction,
                                  label_smoothing, grad_output):
    call, g = _focal_call(input, target, alpha, gamma, ignore_index, reduction, label_smoothing)
    return _run("focal", call, g, grad_output, True, True)


def _poly_call(name, input, target, epsilons, ignore_index, reduction, label_smoothing):
    return _Call(name, input, target, None, ignore_index, reduction, label_smoothing), epsilons


def _poly1_cross_entropy(input, target, epsilon, ignore_index, reduction, label_smoothing):
    call, e = _poly_call("poly1_cross_entropy", input, target,
                         (real_param(epsilon, "epsilon"),), ignore_index, reduction,
                         label_smoothing)
    return _run("poly", call, e, None, True, False)[0]


def _poly1_cross_entropy_backward(grad_output, input, target, epsilon, ignore_index, reduction,
                                  label_smoothing):
    call, e = _poly_call("poly1_cross_entropy", input, target,
                         (real_param(epsilon, "epsilon"),), ignore_index, reduction,
                         label_smoothing)
    return _run("poly", call, e, grad_output, False, True)[1]


def _poly1_cross_entropy_with_grad(input, target, epsilon, ignore_index, reduction,
                                   label_smoothing, grad_output):
    call, e = _poly_call("poly1_cross_entropy", input, target,
                         (real_param(epsilon, "epsilon"),), ignore_index, reduction,
                         label_smoothing)
    return _run("poly", call, e, grad_output, True, True)


def _poly_cross_entropy(input, target, epsilons, ignore_index, reduction, label_smoothing):
    call, e = _poly_call("poly_cross_entropy", input, target, _epsilons(epsilons),
                         ignore_index, reduction, label_smoothing)
    return _run("poly", call, e, None, True, False)[0]


def _poly_cross_entropy_backward(grad_output, input, target, epsilons, ignore_index, reduction,
                                 label_smoothing):
    call, e = _poly_call("poly_cross_entropy", input, target, _epsilons(epsilons),
                         ignore_index, reduction, label_smoothing)
    return _run("poly", call, e, grad_output, False, True)[1]


def _poly_cross_entropy_with_grad(input, target, epsilons, ignore_index, reduction,
                                  label_smoothing, grad_output):
    call, e = _poly_call("poly_cross_entropy", input, target, _epsilons(epsilons),
                         ignore_index, reduction, label_smoothing)
    return _run("poly", call, e, grad_output, True, True)
