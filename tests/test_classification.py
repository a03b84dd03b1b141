"""nll_loss and cross_entropy (class indices and class probabilities), their _backward and
_with_grad, against the independent float64 reference of reference_classification.py and
against torch.nn.functional (run in float64 on the upcast inputs); reductions, weights,
ignore_index, label smoothing, K-dim and (C,) inputs, target dtypes, float16, special
values, the reduction identities, thread independence and every validation error.

Tolerances (class ``Bounds``) are error bounds in units of eps of the result dtype, built
from what the kernels do (al_softmax.h.tp): float64 input is computed in double; float32
(and float16) input computes m - x_j, the exponentials and the gradient in float lanes and
every sum in double. With eps_k that working precision, u = eps_k / eps(dtype) and
e64 = eps64 / eps(dtype):

* a row's log-sum-exp l = log1p(S): each exp(-d_j) is relatively wrong by the rounding of
  its argument d_j = m - x_j (d_j / 2 eps_k) and ~1.5 eps_k of exp itself, so l is
  absolutely wrong by ``row = sum_j p_j (2 d_j + 2)`` eps_k (p the softmax), plus n e64 for
  the sequential double sum of S;
* a row's loss is a positive combination of (m - x_c) and l: relative 4 u + C e64 (the
  smoothing sum), plus A * row u, A = the coefficient of l ((1 - eps) w_t + eps W / C, or
  sum_c w_c q'_c for probabilities);
* "sum" and "mean" add the sequential double sum of the rows (R e64 of sum |loss_r|);
  "mean" divides by a sum of weights (R e64 relative);
* the gradient uses p_j = exp(x_j - fl(m + l)): relatively wrong by
  u (2 + |m| + l + |x_j - lse| + row) plus 2 u of the final arithmetic on each term --
  absolute, relative to |grad_output|. The |m| term is the rounding of m + l in the working
  precision, which the kernel's form incurs; the stable form exp((x_j - m) - l) would not
  (``Bounds(stable=True)``, which test_huge_logits_gradient holds the kernel to);
* the result is rounded to float32/float16 once (1 eps, counting the reference's own
  rounding in assert_close_tol; float16: 1 more).
"""
import itertools
import math

import numpy as np
import pytest

import actloss as F

import reference_classification as R
from conftest import assert_close_tol, hypothesis_property

REDUCTIONS = ("none", "mean", "sum")
F16 = np.dtype(np.float16)
F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)
EPS64 = float(np.finfo(np.float64).eps)
INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
              np.uint64]

# (input shape): (N, C), K-dim (N, C, d1, d2) and (C,) with a 0-d target
# (37, 5) and (300, 7): rows shorter than 32 classes, done a block of 512 elements (whole rows)
# at a time -- one block, and several with a partial last one; (9, 300): one row at a time,
# with partial vector blocks; (6, 4, 3, 5), (2, 3, 9, 10) and (3, 12, 70): spatial layouts,
# done 64 positions at a time in vector lanes over the positions -- up to 8 classes with a
# position's classes in registers, more (12) class by class; one block and several
SHAPES = [(37, 5), (300, 7), (9, 300), (6, 4, 3, 5), (2, 3, 9, 10), (3, 12, 70), (7,)]
SHAPE_IDS = ["NxC", "NxC-blocks", "NxC-long", "NxCxd1xd2", "NxCxd1xd2-blocks", "NxCxd-wide", "C"]


# ---- helpers -------------------------------------------------------------------------------

def bits_equal(a, b):
    """Same dtype, shape and bits, any NaN equal to any NaN."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    na, nb = np.isnan(a), np.isnan(b)
    a, b = np.where(na, 0, a).astype(a.dtype), np.where(nb, 0, b).astype(b.dtype)
    return np.array_equal(na, nb) and np.array_equal(np.ascontiguousarray(a).view(np.uint8),
                                                     np.ascontiguousarray(b).view(np.uint8))


def n_classes(shape):
    return shape[0] if len(shape) == 1 else shape[1]


def target_shape(shape):
    return () if len(shape) == 1 else (shape[0],) + tuple(shape[2:])


def make_logits(rng, shape, dtype, scale=3.0):
    return (rng.standard_normal(shape) * scale).astype(dtype)


def make_targets(rng, shape, ignore_frac=0.25, ignore_index=-100, avoid=None):
    """Class indices in [0, C) (never `avoid`), a fraction of them ignore_index."""
    C = n_classes(shape)
    classes = np.array([c for c in range(C) if c != avoid])
    t = np.asarray(rng.choice(classes, target_shape(shape)), dtype=np.int64)
    if t.ndim and ignore_frac:
        mask = rng.random(t.shape) < ignore_frac
        mask.reshape(-1)[0] = True  # at least one ignored row
        mask.reshape(-1)[-1] = False  # and at least one counted row
        t[mask] = ignore_index
    return t


def make_probs(rng, shape, dtype):
    """Class probabilities of the input's shape (rows sum to 1, class axis 1, or 0 for (C,))."""
    q = rng.dirichlet(np.full(n_classes(shape), 0.7), size=int(np.prod(target_shape(shape))))
    q = q.reshape(target_shape(shape) + (n_classes(shape),))
    q = np.moveaxis(q, -1, 1) if len(shape) > 1 else q.reshape(shape)
    return q.astype(dtype)


def make_weight(rng, C, dtype):
    return rng.uniform(0.25, 2.0, C).astype(dtype)


def make_grad_output(rng, shape, reduction):
    if reduction == "none":
        return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    return 0.75


def _units(dtype, work=None):
    """(u, e64, rnd): eps of the working precision and eps64 in eps(dtype), the rounding."""
    dtype = np.dtype(dtype)
    work = work or (F64 if dtype == F64 else F32)
    eps = float(np.finfo(dtype).eps)
    rnd = {F64: 0.0, F32: 1.0, F16: 2.0}[dtype]
    return float(np.finfo(work).eps) / eps, EPS64 / eps, rnd


class Bounds:
    """Error bounds of one call, from the float64 reference values (see the module docstring).
    ``work`` = the working precision (None: the kernel's for this dtype; F64 for torch's own
    float64 errors)."""

    def __init__(self, kind, x, target, weight=None, ignore_index=-100, label_smoothing=0.0,
                 dtype=None, work=None, stable=False):
        self.dtype = np.dtype(dtype or np.asarray(x).dtype)
        self.shape = np.shape(x)
        u, e64, self.rnd = _units(self.dtype, work)
        self.u, self.e64 = u, e64
        xr, self.loss_shape = R.class_rows(x)
        n_rows, C = xr.shape
        self.n_rows = n_rows
        w = np.ones(C) if weight is None else R.as_f64(weight)
        eps = label_smoothing
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            m = np.max(xr, axis=-1, keepdims=True) if xr.size else np.zeros((n_rows, 1))
            d = m - xr
            logp = R.log_softmax_last(xr) if xr.size else xr
            p = np.exp(logp)
            l = -np.max(logp, axis=-1, keepdims=True) if xr.size else np.zeros((n_rows, 1))
            row = np.nansum(p * (2.0 * d + 2.0), axis=-1, keepdims=True)
            mterm = 0.0 if stable else np.abs(m)
            perr = u * (2.0 + mterm + l + np.abs(xr - (m + l)) + row) + C * e64
            # |m| near the float64 maximum overflows the bound: capped at a huge one, not inf
            # or past it (inf * p at p = 0 is NaN, which nan_to_num below turns into no
            # tolerance at all; found by the long fuzz run)
            perr = np.minimum(perr, 1e300)
        probs = kind == "ce" and np.shape(target) == np.shape(x) \
            and np.asarray(target).dtype.kind == "f"
        if kind == "nll":
            t = np.asarray(target).astype(np.int64).reshape(n_rows)
            kept = t != ignore_index
            L = R.nll_loss(x, target, weight, ignore_index, "none").reshape(n_rows)
            self.E = np.where(kept, e64 * np.abs(L), 0.0)
            gerr = np.zeros_like(xr)
            r = np.flatnonzero(kept)
            gerr[r, t[r]] = 2.0 * u * w[t[r]]
        elif probs:
            q, _ = R.class_rows(target)
            q = (1.0 - eps) * q + eps / C
            wq = np.abs(w * q).sum(axis=-1, keepdims=True)  # (q < 0: a fuzzed target)
            L = R.cross_entropy(x, target, weight, reduction="none",
                                label_smoothing=eps).reshape(n_rows)
            self.E = (4.0 * u + C * e64) * np.abs(L) + wq[:, 0] * (row[:, 0] * u + C * e64)
            gerr = wq * p * perr + 2.0 * u * (wq * p + np.abs(w * q))
        else:
            t = np.asarray(target).astype(np.int64).reshape(n_rows)
            kept = t != ignore_index
            L = R.cross_entropy(x, target, weight, ignore_index, "none",
                                eps).reshape(n_rows)
            wt = np.where(kept, w[np.where(kept, t, 0)], 0.0)[:, None]
            A = (1.0 - eps) * wt + eps * w.sum() / C
            self.E = np.where(kept, (4.0 * u + C * e64) * np.abs(L)
                              + A[:, 0] * (row[:, 0] * u + C * e64), 0.0)
            onehot = np.zeros_like(xr)
            r = np.flatnonzero(kept)
            onehot[r, t[r]] = 1.0
            gerr = A * p * perr + 2.0 * u * (A * p + eps * w / C + onehot * (1.0 - eps) * wt)
            gerr = np.where(kept[:, None], gerr, 0.0)
        self.L = L
        self.gerr = np.nan_to_num(gerr, nan=0.0, posinf=0.0)
        self.E = np.nan_to_num(self.E, nan=0.0, posinf=0.0)

    def loss_tol(self, reduction, den=1.0):
        """(rel, abs) for the loss (abs: an array for 'none')."""
        if reduction == "none":
            return self.rnd + 0.0, self.E.reshape(self.loss_shape)
        with np.errstate(invalid="ignore", over="ignore"):  # inf only for |logits| near the float maximum
            total = self.E.sum() + self.n_rows * self.e64 * np.nansum(np.abs(self.L))
        if reduction == "sum":
            return self.rnd, total
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.rnd + (self.n_rows + 2) * self.e64, np.nan_to_num(total / den)

    def grad_tol(self, grad_output, reduction, den=1.0):
        if reduction == "none":
            g = np.abs(np.broadcast_to(R.as_f64(grad_output), self.loss_shape)).reshape(-1)
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                g0 = abs(np.float64(grad_output)) / np.float64(den if reduction == "mean" else 1.0)
            g = np.full(self.n_rows, np.nan_to_num(g0))
        # a mean divides by a sum of n_rows weights, added in row order (as torch)
        den_err = self.n_rows * self.e64 if reduction == "mean" else 0.0
        return self.rnd + 2.0 * self.u + den_err, R.unrows(g[:, None] * self.gerr, self.shape)

    def plus(self, other):
        """Bounds of both sides' errors (a comparison with torch)."""
        self.E = self.E + other.E
        self.gerr = self.gerr + other.gerr
        self.rnd = self.rnd + other.rnd
        return self


def denominator(target, weight, ignore_index, C):
    t = np.asarray(target).astype(np.int64).reshape(-1)
    w = np.ones(C) if weight is None else R.as_f64(weight)
    return float(w[t[t != ignore_index]].sum())


def check_loss(got, expected, dtype, tol, reduction, what):
    dtype = np.dtype(dtype)
    if reduction == "none":
        assert isinstance(got, np.ndarray), (what, type(got))
    else:
        assert isinstance(got, np.generic) and np.ndim(got) == 0, (what, type(got))
    assert got.dtype == dtype, (what, got.dtype, dtype)
    rel, ab = tol
    assert_close_tol(got, expected, dtype, rel, ab, err_msg=what)


def check_grad(got, expected, dtype, tol, what):
    dtype = np.dtype(dtype)
    assert isinstance(got, np.ndarray) and got.dtype == dtype and got.shape == np.shape(expected), \
        (what, type(got), getattr(got, "dtype", None), np.shape(got))
    rel, ab = tol
    assert_close_tol(got, expected, dtype, rel, ab, err_msg=what)


# ---- agreement with the reference: class indices -------------------------------------------

@pytest.mark.parametrize("label_smoothing", [0.0, 0.1, 1.0])
@pytest.mark.parametrize("ignore_index", [-100, 1])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_cross_entropy_class_matches_reference(shape, weighted, ignore_index, label_smoothing,
                                               dtype, rng):
    C = n_classes(shape)
    x = make_logits(rng, shape, dtype)
    t = make_targets(rng, shape, ignore_index=ignore_index)
    if len(shape) == 1:
        t = np.array(int(rng.integers(0, C)) if ignore_index == -100 else 3)
    w = make_weight(rng, C, dtype) if weighted else None
    kw = dict(ignore_index=ignore_index, label_smoothing=label_smoothing)
    b = Bounds("ce", x, t, w, ignore_index, label_smoothing)
    den = denominator(t, w, ignore_index, C)
    for reduction in REDUCTIONS:
        what = f"cross_entropy {shape} w={weighted} ii={ignore_index} ls={label_smoothing} " \
               f"{reduction} {dtype}"
        loss = F.cross_entropy(x, t, w, reduction=reduction, **kw)
        ref = R.cross_entropy(x, t, w, ignore_index, reduction, label_smoothing)
        check_loss(loss, ref, dtype, b.loss_tol(reduction, den), reduction, what)
        go = make_grad_output(rng, target_shape(shape), reduction)
        g = F.cross_entropy_backward(go, x, t, w, reduction=reduction, **kw)
        gref = R.cross_entropy_backward(go, x, t, w, ignore_index, reduction, label_smoothing)
        check_grad(g, gref, dtype, b.grad_tol(go, reduction, den), what + " backward")
        # the fused call is the pair, bit for bit
        l2, g2 = F.cross_entropy_with_grad(x, t, w, reduction=reduction, grad_output=go, **kw)
        assert bits_equal(l2, loss) and bits_equal(g2, g), what + " with_grad"
        assert type(l2) is type(loss)


@pytest.mark.parametrize("ignore_index", [-100, 2])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_nll_loss_matches_reference(shape, weighted, ignore_index, dtype, rng):
    C = n_classes(shape)
    # log-probabilities (the usual input) and arbitrary values of both signs
    for x in (F.log_softmax(make_logits(rng, shape, dtype), 0 if len(shape) == 1 else 1),
              make_logits(rng, shape, dtype)):
        t = make_targets(rng, shape, ignore_index=ignore_index)
        if len(shape) == 1:
            t = np.array(int(rng.integers(0, C)))
        w = make_weight(rng, C, dtype) if weighted else None
        b = Bounds("nll", x, t, w, ignore_index)
        den = denominator(t, w, ignore_index, C)
        for reduction in REDUCTIONS:
            what = f"nll_loss {shape} w={weighted} ii={ignore_index} {reduction} {dtype}"
            loss = F.nll_loss(x, t, w, ignore_index=ignore_index, reduction=reduction)
            check_loss(loss, R.nll_loss(x, t, w, ignore_index, reduction), dtype,
                       b.loss_tol(reduction, den), reduction, what)
            go = make_grad_output(rng, target_shape(shape), reduction)
            g = F.nll_loss_backward(go, x, t, w, ignore_index=ignore_index, reduction=reduction)
            check_grad(g, R.nll_loss_backward(go, x, t, w, ignore_index, reduction), dtype,
                       b.grad_tol(go, reduction, den), what + " backward")
            l2, g2 = F.nll_loss_with_grad(x, t, w, ignore_index=ignore_index,
                                          reduction=reduction, grad_output=go)
            assert bits_equal(g2, g), what + " with_grad gradient"
            assert bits_equal(l2, loss), \
                f"{what}: nll_loss_with_grad loss {l2!r} != nll_loss {loss!r}"


# ---- agreement with the reference: class probabilities -------------------------------------

@pytest.mark.parametrize("label_smoothing", [0.0, 0.1, 1.0])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_cross_entropy_probs_matches_reference(shape, weighted, label_smoothing, dtype, rng):
    C = n_classes(shape)
    x = make_logits(rng, shape, dtype)
    q = make_probs(rng, shape, dtype)
    w = make_weight(rng, C, dtype) if weighted else None
    b = Bounds("ce", x, q, w, label_smoothing=label_smoothing)
    n_rows = int(np.prod(target_shape(shape)))
    for reduction in REDUCTIONS:
        what = f"cross_entropy probs {shape} w={weighted} ls={label_smoothing} {reduction}"
        loss = F.cross_entropy(x, q, w, reduction=reduction, label_smoothing=label_smoothing)
        ref = R.cross_entropy(x, q, w, reduction=reduction, label_smoothing=label_smoothing)
        check_loss(loss, ref, dtype, b.loss_tol(reduction, n_rows), reduction, what)
        if reduction == "mean":
            # mean divides by the number of rows, not by a sum of weights
            s = F.cross_entropy(x, q, w, reduction="sum", label_smoothing=label_smoothing)
            assert_close_tol(loss, R.as_f64(s) / n_rows, dtype, 1, err_msg=what)
        go = make_grad_output(rng, target_shape(shape), reduction)
        g = F.cross_entropy_backward(go, x, q, w, reduction=reduction,
                                     label_smoothing=label_smoothing)
        gref = R.cross_entropy_backward(go, x, q, w, reduction=reduction,
                                        label_smoothing=label_smoothing)
        check_grad(g, gref, dtype, b.grad_tol(go, reduction, n_rows), what + " backward")
        l2, g2 = F.cross_entropy_with_grad(x, q, w, reduction=reduction,
                                           label_smoothing=label_smoothing, grad_output=go)
        assert bits_equal(l2, loss) and bits_equal(g2, g), what + " with_grad"


def test_probs_arbitrary_nonnegative_targets(dtype, rng):
    """Probability targets need not sum to 1 (torch does not normalise them)."""
    x = make_logits(rng, (9, 6), dtype)
    q = rng.uniform(0, 2, (9, 6)).astype(dtype)
    b = Bounds("ce", x, q, label_smoothing=0.2)
    loss = F.cross_entropy(x, q, reduction="none", label_smoothing=0.2)
    check_loss(loss, R.cross_entropy(x, q, reduction="none", label_smoothing=0.2), dtype,
               b.loss_tol("none"), "none", "unnormalised probs")


# ---- agreement with torch ------------------------------------------------------------------

def _torch_run(kind, x, target, weight, reduction, grad_output, **kw):
    """torch.nn.functional in float64 on the upcast inputs: (loss, input gradient)."""
    torch = pytest.importorskip("torch")
    xt = torch.tensor(R.as_f64(x), requires_grad=True)
    probs = np.asarray(target).dtype.kind == "f"
    tt = torch.tensor(R.as_f64(target) if probs else np.asarray(target).astype(np.int64))
    wt = None if weight is None else torch.tensor(R.as_f64(weight))
    func = getattr(torch.nn.functional, kind)
    loss = func(xt, tt, wt, reduction=reduction, **kw)
    loss.backward(torch.tensor(np.asarray(grad_output, dtype=np.float64)))
    return loss.detach().numpy(), xt.grad.numpy()


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1, 1.0])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_cross_entropy_matches_torch(shape, weighted, label_smoothing, dtype, rng):
    C = n_classes(shape)
    x = make_logits(rng, shape, dtype)
    w = make_weight(rng, C, dtype) if weighted else None
    targets = [("class -100", make_targets(rng, shape), -100),
               ("class ii=2", make_targets(rng, shape, ignore_index=2), 2),
               ("probs", make_probs(rng, shape, dtype), -100)]
    if len(shape) == 1:
        targets[0] = ("class", np.array(4), -100)
        targets[1] = ("class ii=2", np.array(2), 2)  # the one row is ignored
    for label, t, ii in targets:
        kw = dict(ignore_index=ii, label_smoothing=label_smoothing)
        b = Bounds("ce", x, t, w, ii, label_smoothing).plus(
            Bounds("ce", x, t, w, ii, label_smoothing, dtype=dtype, work=F64))
        den = denominator(t, w, ii, C) if label != "probs" else int(np.prod(target_shape(shape)))
        for reduction in REDUCTIONS:
            what = f"cross_entropy vs torch {label} {shape} w={weighted} ls={label_smoothing} " \
                   f"{reduction} {dtype}"
            go = make_grad_output(rng, target_shape(shape), reduction)
            tl, tg = _torch_run("cross_entropy", x, t, w, reduction, go, **kw)
            loss, g = F.cross_entropy_with_grad(x, t, w, reduction=reduction, grad_output=go,
                                                **kw)
            check_loss(loss, tl, dtype, b.loss_tol(reduction, den), reduction, what)
            check_grad(g, tg, dtype, b.grad_tol(go, reduction, den), what + " backward")


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_nll_loss_matches_torch(shape, weighted, dtype, rng):
    C = n_classes(shape)
    x = F.log_softmax(make_logits(rng, shape, dtype), 0 if len(shape) == 1 else 1)
    w = make_weight(rng, C, dtype) if weighted else None
    for t, ii in ((make_targets(rng, shape), -100), (make_targets(rng, shape, ignore_index=0), 0)):
        if len(shape) == 1:
            t = np.array(3)
        b = Bounds("nll", x, t, w, ii).plus(Bounds("nll", x, t, w, ii, work=F64))
        den = denominator(t, w, ii, C)
        for reduction in REDUCTIONS:
            go = make_grad_output(rng, target_shape(shape), reduction)
            tl, tg = _torch_run("nll_loss", x, t, w, reduction, go, ignore_index=ii)
            loss = F.nll_loss(x, t, w, ignore_index=ii, reduction=reduction)
            g = F.nll_loss_backward(go, x, t, w, ignore_index=ii, reduction=reduction)
            what = f"nll_loss vs torch {shape} ii={ii} {reduction} {dtype}"
            check_loss(loss, tl, dtype, b.loss_tol(reduction, den), reduction, what)
            check_grad(g, tg, dtype, b.grad_tol(go, reduction, den), what + " backward")


def test_matches_torch_float32_native(rng):
    """torch in float32 itself: agreement to a few float32 ulps (torch accumulates the mean in
    float32 with a pairwise sum: ~log2(N) eps more)."""
    torch = pytest.importorskip("torch")
    x = make_logits(rng, (300, 17), F32)
    t = make_targets(rng, x.shape)
    w = make_weight(rng, 17, F32)
    for reduction in REDUCTIONS:
        xt = torch.tensor(x, requires_grad=True)
        lt = torch.nn.functional.cross_entropy(xt, torch.tensor(t), torch.tensor(w),
                                               reduction=reduction, label_smoothing=0.05)
        lt.backward(torch.ones_like(lt))
        loss, g = F.cross_entropy_with_grad(x, t, w, reduction=reduction, label_smoothing=0.05,
                                            grad_output=1.0)
        assert loss.dtype == F32 and g.dtype == F32
        assert_close_tol(loss, lt.detach().numpy(), F32, 16, 16 * (reduction == "none"))
        assert_close_tol(g, xt.grad.numpy(), F32, 16, 16 * np.max(np.abs(xt.grad.numpy())))


# ---- reduction identities and invariances --------------------------------------------------

@pytest.mark.parametrize("kind", ["ce", "ce_smooth", "ce_probs", "nll"])
def test_sum_is_none_sum_and_mean_is_sum_over_weights(kind, dtype, rng):
    """sum == none.sum() and mean == sum / (sum of the weights of the counted targets), or
    / the number of rows for probabilities. Each "none" value is rounded to the dtype
    (<= eps/2 relative, all terms positive) and actloss sums in sequence where numpy sums
    pairwise: within 1 eps (+ R e64)."""
    shape = (200, 9, 3)
    x = make_logits(rng, shape, dtype)
    w = make_weight(rng, 9, dtype)
    ls = 0.2 if kind == "ce_smooth" else 0.0
    if kind == "ce_probs":
        t = make_probs(rng, shape, dtype)
        f = lambda red: F.cross_entropy(x, t, w, reduction=red)  # noqa: E731
        den = 600.0
    elif kind == "nll":
        x = -np.abs(x)
        t = make_targets(rng, shape)
        f = lambda red: F.nll_loss(x, t, w, reduction=red)  # noqa: E731
        den = denominator(t, w, -100, 9)
    else:
        t = make_targets(rng, shape)
        f = lambda red: F.cross_entropy(x, t, w, reduction=red, label_smoothing=ls)  # noqa
        den = denominator(t, w, -100, 9)
    none, s, mean = f("none"), f("sum"), f("mean")
    _, e64, rnd = _units(dtype)
    n = none.size
    assert none.shape == (200, 3)
    assert_close_tol(s, R.as_f64(none).sum(), dtype, max(rnd, 1.0) + n * e64,
                     err_msg=f"{kind}: sum != none.sum()")
    assert_close_tol(mean, R.as_f64(s) / den, dtype, max(rnd, 1.0) + n * e64,
                     err_msg=f"{kind}: mean != sum / weights")


def test_scaling_weights_scales_probability_mean(dtype, rng):
    """With probability targets "mean" divides by the number of rows (torch), so scaling the
    weights by a power of two scales the loss and the gradient by it exactly."""
    x = make_logits(rng, (50, 6), dtype)
    q = make_probs(rng, x.shape, dtype)
    w = make_weight(rng, 6, dtype)
    loss, g = F.cross_entropy_with_grad(x, q, w, label_smoothing=0.2)
    l4, g4 = F.cross_entropy_with_grad(x, q, w * dtype.type(4), label_smoothing=0.2)
    assert bits_equal(l4, loss * dtype.type(4)) and bits_equal(g4, g * dtype.type(4))


@pytest.mark.parametrize("kind", ["ce", "ce_smooth", "nll"])
def test_scaling_weights_keeps_mean(kind, dtype, rng):
    """Scaling every class weight by c leaves "mean" unchanged: exactly (bit for bit, loss and
    gradient) for a power of two, which scales every product and sum exactly; within the
    rounding of the scaled weights otherwise."""
    shape = (50, 6)
    x = make_logits(rng, shape, dtype)
    w = make_weight(rng, 6, dtype)
    ls = 0.3 if kind == "ce_smooth" else 0.0
    t = make_targets(rng, shape)
    if kind == "nll":
        fwd, both = F.nll_loss, F.nll_loss_with_grad
        kw = {}
    else:
        fwd, both = F.cross_entropy, F.cross_entropy_with_grad
        kw = dict(label_smoothing=ls)
    loss, g = both(x, t, w, **kw)
    for c in (4.0, 0.125):
        l2, g2 = both(x, t, (w * c).astype(dtype), **kw)
        assert bits_equal(l2, loss) and bits_equal(g2, g), (kind, c)
        assert bits_equal(fwd(x, t, (w * c).astype(dtype), **kw), fwd(x, t, w, **kw)), (kind, c)
    wc = (w * 3.3).astype(dtype)
    l3, g3 = both(x, t, wc, **kw)
    # the reference with the rounded scaled weights is the same mean up to the weights'
    # rounding (eps/2 each, relative): the loss moves by at most ~1 eps of itself
    assert_close_tol(l3, R.as_f64(loss), dtype, 4 + 100 * _units(dtype)[1])
    b = Bounds("nll" if kind == "nll" else "ce", x, t, w, label_smoothing=ls)
    den = float(R.as_f64(w)[t[t >= 0]].sum())
    rel, ab = b.grad_tol(1.0, "mean", den)
    assert_close_tol(g3, g, dtype, rel + 2, ab + 2 * np.abs(R.as_f64(g)))


@pytest.mark.parametrize("kind", ["ce", "ce_smooth", "nll"])
def test_ignored_rows_can_hold_anything(kind, dtype, rng):
    """Rows whose target is ignore_index contribute nothing: their logits may be anything
    (NaN, inf) and which ignore_index marks them does not matter (-100, -1, a huge value, or
    a valid class no counted row uses): loss and gradient are bit-identical, and the ignored
    rows' gradient is 0."""
    shape = (40, 5, 3)
    x = make_logits(rng, shape, dtype)
    t = make_targets(rng, shape, ignore_frac=0.3, avoid=3)
    w = make_weight(rng, 5, dtype)
    ign = t == -100
    if kind == "nll":
        both = lambda x, t, ii: F.nll_loss_with_grad(x, t, w, ignore_index=ii,  # noqa: E731
                                                     reduction=red, grad_output=go)
    else:
        ls = 0.15 if kind == "ce_smooth" else 0.0
        both = lambda x, t, ii: F.cross_entropy_with_grad(  # noqa: E731
            x, t, w, ignore_index=ii, reduction=red, label_smoothing=ls, grad_output=go)
    x_junk = x.copy()
    junk = rng.choice(np.array([np.nan, np.inf, -np.inf, 1e30, -7.0], dtype), x.shape)
    xj = np.moveaxis(x_junk, 1, -1)
    xj[ign] = np.moveaxis(junk, 1, -1)[ign]
    for red in REDUCTIONS:
        go = make_grad_output(rng, t.shape, red)
        loss, g = both(x, t, -100)
        assert not np.isnan(loss).any()
        assert (np.moveaxis(g, 1, -1)[ign] == 0).all()
        variants = [(x_junk, t, -100)]
        for ii in (-1, 3, 10 ** 12, -2 ** 40):
            t2 = t.copy()
            t2[ign] = ii
            variants.append((x, t2, ii))
            variants.append((x_junk, t2, ii))
        for xv, tv, ii in variants:
            l2, g2 = both(xv, tv, ii)
            assert bits_equal(l2, loss) and bits_equal(g2, g), (kind, red, ii)


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_fused_equals_nll_of_log_softmax(shape, dtype, rng):
    """cross_entropy == nll_loss(log_softmax(x)) (label_smoothing 0), forward and gradient
    (nll_loss_backward chained into log_softmax_backward). Both sides carry the error of a
    log-softmax value at the target (and log_softmax's rounding to the dtype): twice the
    cross-entropy bound plus 1 eps."""
    C = n_classes(shape)
    dim = 0 if len(shape) == 1 else 1
    x = make_logits(rng, shape, dtype)
    t = make_targets(rng, shape) if len(shape) > 1 else np.array(2)
    w = make_weight(rng, C, dtype)
    ls = F.log_softmax(x, dim)
    b = Bounds("ce", x, t, w)
    den = denominator(t, w, -100, C)
    for red in REDUCTIONS:
        ce = F.cross_entropy(x, t, w, reduction=red)
        nll = F.nll_loss(ls, t, w, reduction=red)
        rel, ab = b.loss_tol(red, den)
        assert_close_tol(ce, R.as_f64(nll), dtype, 2 * rel + 1, 2 * ab, err_msg=f"fused {red}")
        go = make_grad_output(rng, target_shape(shape), red)
        gce = F.cross_entropy_backward(go, x, t, w, reduction=red)
        gl = F.nll_loss_backward(go, ls, t, w, reduction=red)
        gchain = F.log_softmax_backward(gl, dim=dim, output=ls)
        rel, ab = b.grad_tol(go, red, den)
        scale = np.abs(R.as_f64(gl)).sum(axis=dim, keepdims=True)  # the rounding of ls in gchain
        assert_close_tol(gce, R.as_f64(gchain), dtype, 2 * rel + 1,
                         2 * ab + 4 * _units(dtype)[0] * scale, err_msg=f"fused grad {red}")


# ---- hypothesis: any shape, weights, ignore pattern, smoothing ------------------------------

try:
    from hypothesis import strategies as st
except ImportError:  # a test extra: without it the property test skips (hypothesis_property)
    st = None


@hypothesis_property
def test_property_cross_entropy_any_case(data):
    """Random (N, C[, d]) or (C,) problems, C >= 1, N >= 0, with or without weights, any
    ignore pattern (ignore_index -100 or a valid class), smoothing in [0, 1] and every
    reduction: the reference within Bounds, sum == none.sum(), _with_grad == the pair."""
    dt = np.dtype(data.draw(st.sampled_from([np.float32, np.float64]), label="dtype"))
    C = data.draw(st.integers(1, 9), label="C")
    shape = data.draw(st.sampled_from([(C,), (data.draw(st.integers(0, 12)), C),
                                       (data.draw(st.integers(0, 4)), C,
                                        data.draw(st.integers(1, 3)))]), label="shape")
    seed = data.draw(st.integers(0, 2 ** 32 - 1), label="seed")
    rng = np.random.default_rng(seed)
    x = make_logits(rng, shape, dt, scale=data.draw(st.sampled_from([0.1, 3.0, 20.0])))
    ii = data.draw(st.sampled_from([-100, 0]), label="ignore_index")
    t = np.asarray(rng.integers(0, C, target_shape(shape)))
    if t.size:
        t[rng.random(t.shape) < data.draw(st.floats(0, 1), label="ignored")] = ii
    w = make_weight(rng, C, dt) if data.draw(st.booleans(), label="weighted") else None
    ls = data.draw(st.sampled_from([0.0, 0.05, 0.5, 1.0]), label="label_smoothing")
    b = Bounds("ce", x, t, w, ii, ls)
    den = denominator(t, w, ii, C)
    for red in REDUCTIONS:
        loss = F.cross_entropy(x, t, w, ignore_index=ii, reduction=red, label_smoothing=ls)
        check_loss(loss, R.cross_entropy(x, t, w, ii, red, ls), dt, b.loss_tol(red, den), red,
                   f"hypothesis {red}")
        go = make_grad_output(rng, target_shape(shape), red)
        g = F.cross_entropy_backward(go, x, t, w, ignore_index=ii, reduction=red,
                                     label_smoothing=ls)
        check_grad(g, R.cross_entropy_backward(go, x, t, w, ii, red, ls), dt,
                   b.grad_tol(go, red, den), f"hypothesis backward {red}")
        l2, g2 = F.cross_entropy_with_grad(x, t, w, ignore_index=ii, reduction=red,
                                           label_smoothing=ls, grad_output=go)
        assert bits_equal(l2, loss) and bits_equal(g2, g)
    none = F.cross_entropy(x, t, w, ignore_index=ii, reduction="none", label_smoothing=ls)
    s = F.cross_entropy(x, t, w, ignore_index=ii, reduction="sum", label_smoothing=ls)
    _, e64, rnd = _units(dt)
    assert_close_tol(s, R.as_f64(none).sum(), dt, max(rnd, 1.0) + none.size * e64)


# ---- all ignored, empty --------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["ce", "ce_smooth", "nll"])
def test_all_targets_ignored(kind, dtype):
    """mean -> NaN (0 / 0, as torch), sum -> 0, none -> zeros; the gradient is 0 everywhere."""
    x = np.arange(24, dtype=dtype).reshape(4, 3, 2) / 7
    t = np.full((4, 2), -100)
    w = np.array([1.0, 2.0, 0.5], dtype)
    for weight in (None, w):
        if kind == "nll":
            f = lambda red: F.nll_loss_with_grad(x, t, weight, reduction=red)  # noqa: E731
            fb = lambda red, go: F.nll_loss_backward(go, x, t, weight, reduction=red)  # noqa
            f1 = lambda red: F.nll_loss(x, t, weight, reduction=red)  # noqa: E731
        else:
            ls = 0.1 if kind == "ce_smooth" else 0.0
            f = lambda red: F.cross_entropy_with_grad(  # noqa: E731
                x, t, weight, reduction=red, label_smoothing=ls)
            fb = lambda red, go: F.cross_entropy_backward(  # noqa: E731
                go, x, t, weight, reduction=red, label_smoothing=ls)
            f1 = lambda red: F.cross_entropy(x, t, weight, reduction=red,  # noqa: E731
                                             label_smoothing=ls)
        lm, gm = f("mean")
        assert np.isnan(lm) and lm.dtype == dtype and np.isnan(f1("mean"))
        assert (gm == 0).all(), gm
        assert (fb("mean", 1.0) == 0).all()
        ls_, gs = f("sum")
        assert ls_ == 0 and ls_.dtype == dtype and f1("sum") == 0 and (gs == 0).all()
        ln, gn = f("none")
        assert ln.shape == (4, 2) and (ln == 0).all() and (gn == 0).all()
        assert (fb("none", np.ones((4, 2))) == 0).all()


def test_all_ignored_matches_torch():
    pytest.importorskip("torch")
    x = np.linspace(-2, 2, 12).reshape(4, 3)
    t = np.array([-100, -100, -100, -100])
    for ls in (0.0, 0.2):
        for red in ("mean", "sum"):
            tl, tg = _torch_run("cross_entropy", x, t, None, red, 1.0, label_smoothing=ls)
            loss, g = F.cross_entropy_with_grad(x, t, reduction=red, label_smoothing=ls)
            assert bits_equal(np.float64(tl), loss) or (np.isnan(tl) and np.isnan(loss))
            assert np.array_equal(g, tg), (red, ls, tg)


@pytest.mark.parametrize("shape", [(0, 4), (0, 4, 3), (2, 4, 0)])
def test_empty_batch(shape, dtype):
    """No rows: mean NaN, sum 0, none empty; gradient empty of the input's shape."""
    x = np.zeros(shape, dtype)
    t = np.zeros(target_shape(shape), np.int64)
    q = np.zeros(shape, dtype)
    for target in (t, q):
        for f in (F.cross_entropy, F.nll_loss) if target is t else (F.cross_entropy,):
            mean = f(x, target, reduction="mean")
            assert np.isnan(mean) and mean.dtype == dtype, (f.__name__, target.dtype)
            s = f(x, target, reduction="sum")
            assert s == 0 and s.dtype == dtype
            none = f(x, target, reduction="none")
            assert none.shape == target_shape(shape) and none.dtype == dtype
        g = F.cross_entropy_backward(1.0, x, target)
        assert g.shape == shape and g.dtype == dtype
        loss, g = F.cross_entropy_with_grad(x, target, reduction="sum")
        assert loss == 0 and g.shape == shape
    g = F.nll_loss_backward(1.0, x, t)
    assert g.shape == shape and g.dtype == dtype


def test_empty_batch_matches_torch():
    torch = pytest.importorskip("torch")
    x = torch.zeros((0, 4), dtype=torch.float64)
    t = torch.zeros((0,), dtype=torch.int64)
    assert torch.isnan(torch.nn.functional.cross_entropy(x, t))
    assert np.isnan(F.cross_entropy(np.zeros((0, 4)), np.zeros(0, np.int64)))
    assert torch.nn.functional.cross_entropy(x, t, reduction="sum") == 0
    assert F.cross_entropy(np.zeros((0, 4)), np.zeros(0, np.int64), reduction="sum") == 0


# ---- dtypes, layouts -----------------------------------------------------------------------

@pytest.mark.parametrize("tdtype", INT_DTYPES)
def test_every_integer_target_dtype(tdtype, dtype, rng):
    x = make_logits(rng, (30, 7), dtype)
    signed = np.dtype(tdtype).kind == "i"
    t = make_targets(rng, x.shape, ignore_frac=0.2 if signed else 0.0)
    w = make_weight(rng, 7, dtype)
    tt = t.astype(tdtype)
    for red in REDUCTIONS:
        go = make_grad_output(rng, (30,), red)
        for fwd, both in ((F.cross_entropy, F.cross_entropy_with_grad),
                          (F.nll_loss, F.nll_loss_with_grad)):
            assert bits_equal(fwd(x, tt, w, reduction=red), fwd(x, t, w, reduction=red))
            l1, g1 = both(x, tt, w, reduction=red, grad_output=go)
            l2, g2 = both(x, t, w, reduction=red, grad_output=go)
            assert bits_equal(l1, l2) and bits_equal(g1, g2), (tdtype, red, fwd.__name__)
    # unsigned targets with a valid class as ignore_index
    t2 = t.copy()
    t2[t2 < 0] = 0
    t2[:5] = 6
    assert bits_equal(F.cross_entropy(x, t2.astype(tdtype), ignore_index=6),
                      F.cross_entropy(x, t2, ignore_index=6))


def test_float16_input(rng):
    """float16 is computed as float32 and returned as float16 (one more rounding)."""
    x = make_logits(rng, (40, 6, 2), F16, scale=2.0)
    t = make_targets(rng, x.shape)
    w = make_weight(rng, 6, F16)
    q = make_probs(rng, x.shape, F16)
    for target in (t, q):
        b = Bounds("ce", x, target, w, label_smoothing=0.1)
        den = denominator(t, w, -100, 6) if target is t else 80.0
        for red in REDUCTIONS:
            loss = F.cross_entropy(x, target, w, reduction=red, label_smoothing=0.1)
            ref = R.cross_entropy(x, target, w, reduction=red, label_smoothing=0.1)
            check_loss(loss, ref, F16, b.loss_tol(red, den), red, f"float16 {red}")
            go = make_grad_output(rng, (40, 2), red)
            g = F.cross_entropy_backward(go, x, target, w, reduction=red, label_smoothing=0.1)
            gref = R.cross_entropy_backward(go, x, target, w, reduction=red,
                                            label_smoothing=0.1)
            check_grad(g, gref, F16, b.grad_tol(go, red, den), f"float16 backward {red}")
    loss = F.nll_loss(x, t, w)
    assert loss.dtype == F16
    assert_close_tol(loss, R.nll_loss(x, t, w), F16, 2)


def test_mixed_dtypes_promote(rng):
    """input, weight and probability targets promote as np.result_type."""
    x32 = make_logits(rng, (10, 4), F32)
    t = make_targets(rng, x32.shape)
    w64 = make_weight(rng, 4, F64)
    loss = F.cross_entropy(x32, t, w64)
    assert loss.dtype == F64
    assert bits_equal(loss, F.cross_entropy(x32.astype(F64), t, w64))
    g = F.cross_entropy_backward(1.0, x32, t, w64)
    assert g.dtype == F64
    q64 = make_probs(rng, x32.shape, F64)
    assert F.cross_entropy(x32, q64).dtype == F64
    assert F.cross_entropy(x32, t, w64.astype(F32)).dtype == F32
    assert F.nll_loss(x32, t, w64).dtype == F64
    # a Python list works as input, target and weight
    assert F.cross_entropy([[1.0, 2.0], [0.5, -1.0]], [1, 0]).dtype == F64


def test_layouts(dtype, rng):
    """Transposed, sliced and negative-stride logits, targets and weights give the contiguous
    result bit for bit."""
    base = make_logits(rng, (8, 6, 10), dtype)
    x = base.transpose(2, 1, 0)[:, :, ::-1]  # (10, 6, 8), no unit stride anywhere
    t = make_targets(rng, x.shape)
    tv = np.asfortranarray(t)[:, ::1]
    w = make_weight(rng, 12, dtype)[::2]
    q = make_probs(rng, x.shape, dtype)
    qv = np.ascontiguousarray(q[::-1])[::-1]
    for red in REDUCTIONS:
        go = make_grad_output(rng, (10, 8), red)
        got = F.cross_entropy_with_grad(x, tv, w, reduction=red, label_smoothing=0.1,
                                        grad_output=go)
        want = F.cross_entropy_with_grad(np.ascontiguousarray(x), np.ascontiguousarray(t),
                                         np.ascontiguousarray(w), reduction=red,
                                         label_smoothing=0.1, grad_output=go)
        assert bits_equal(got[0], want[0]) and bits_equal(got[1], want[1]), red
        got = F.cross_entropy_with_grad(x, qv, w, reduction=red, grad_output=go)
        want = F.cross_entropy_with_grad(np.ascontiguousarray(x), q, np.ascontiguousarray(w),
                                         reduction=red, grad_output=go)
        assert bits_equal(got[0], want[0]) and bits_equal(got[1], want[1]), red
        assert bits_equal(F.nll_loss(x, tv, w, reduction=red),
                          F.nll_loss(np.ascontiguousarray(x), t, np.ascontiguousarray(w),
                                     reduction=red))


def test_inputs_not_modified(dtype, rng):
    x = make_logits(rng, (20, 5, 3), dtype)
    t = make_targets(rng, x.shape)
    q = make_probs(rng, x.shape, dtype)
    w = make_weight(rng, 5, dtype)
    go = make_grad_output(rng, (20, 3), "none")
    saved = [a.copy() for a in (x, t, q, w, go)]
    for target in (t, q):
        for red in REDUCTIONS:
            g = go if red == "none" else 1.0
            F.cross_entropy(x, target, w, reduction=red, label_smoothing=0.1)
            F.cross_entropy_backward(g, x, target, w, reduction=red, label_smoothing=0.1)
            F.cross_entropy_with_grad(x, target, w, reduction=red, grad_output=g)
    for red in REDUCTIONS:
        F.nll_loss_with_grad(x, t, w, reduction=red, grad_output=go if red == "none" else 1.0)
    for a, b in zip((x, t, q, w, go), saved):
        assert bits_equal(a, b)


def test_return_types(dtype, rng):
    x = make_logits(rng, (6, 3), dtype)
    t = make_targets(rng, x.shape, ignore_frac=0)
    for f in (F.cross_entropy, F.nll_loss):
        for red in ("mean", "sum"):
            v = f(x, t, reduction=red)
            assert isinstance(v, dtype.type) and v.dtype == dtype, (f.__name__, type(v))
        v = f(x, t, reduction="none")
        assert type(v) is np.ndarray and v.shape == (6,) and v.dtype == dtype
    # grad_output: a 0-d array or a 1-element array for a reduced loss; "none" broadcasts a
    # scalar; with_grad's default grad_output is 1
    g = F.cross_entropy_backward(np.array(2.0), x, t)
    assert bits_equal(g, F.cross_entropy_backward(2.0, x, t))
    assert bits_equal(F.cross_entropy_with_grad(x, t)[1], F.cross_entropy_backward(1.0, x, t))
    assert bits_equal(F.cross_entropy_with_grad(x, t, reduction="none")[1],
                      F.cross_entropy_backward(np.ones(6), x, t, reduction="none"))


# ---- stability and special values ----------------------------------------------------------

def test_huge_logits_finite_and_correct(dtype):
    """Logits of +-1000 and 1e30 give finite, correct losses (the max shift): a naive exp
    would overflow. Values spelled out: loss = lse - x_t, lse = m + log1p(sum exp(x - m))."""
    x = np.array([[1000.0, -1000.0, 999.0],
                  [-1000.0, -1000.0, -1000.0],
                  [1e30, 0.0, -1e30],
                  [1e30, 1e30, 0.0]], dtype)
    t = np.array([1, 0, 0, 2])
    l1 = math.log1p(math.exp(-1.0))
    expected = [2000.0 + l1, math.log(3.0), 0.0, 1e30 + math.log(2.0)]
    loss = F.cross_entropy(x, t, reduction="none")
    assert np.all(np.isfinite(loss)), loss
    assert_close_tol(loss, expected, dtype, 4)
    assert_close_tol(loss, R.cross_entropy(x, t, reduction="none"), dtype, 4)
    g = F.cross_entropy_backward(1.0, x, t, reduction="sum")
    assert np.all(np.isfinite(g))
    # with smoothing the -1e30 logit costs eps / C * 2e30: finite and huge, as torch
    ls = F.cross_entropy(x, t, reduction="none", label_smoothing=0.1)
    assert np.all(np.isfinite(ls))
    assert_close_tol(ls, R.cross_entropy(x, t, reduction="none", label_smoothing=0.1), dtype, 4)


@pytest.mark.parametrize("target_kind", ["class", "probs"])
def test_huge_logits_gradient(target_kind, dtype):
    """The gradient softmax(x) - target at huge logits: a stable form (p_j = exp((x_j - m) -
    l)) is as accurate there as anywhere, so the bound has no |m| term (Bounds(stable=True)).
    Spelled out: row [1e30, 1e30, 0] has softmax [0.5, 0.5, 0]; row [1000, 999, 0] has
    softmax [1 / (1 + e^-1), e^-1 / (1 + e^-1), 0]."""
    x = np.array([[1e30, 1e30, 0.0],
                  [1000.0, 999.0, 0.0],
                  [-1000.0, -999.0, -1001.0],
                  [-1e30, 0.0, -1e30]], dtype)
    if target_kind == "class":
        t = np.array([2, 1, 0, 1])
        onehot = np.eye(3)[t]
    else:
        t = np.array([[0.5, 0.25, 0.25], [0.0, 1.0, 0.0], [0.2, 0.3, 0.5], [0.0, 0.5, 0.5]],
                     dtype)
        onehot = R.as_f64(t)
    s = 1.0 / (1.0 + math.exp(-1.0))
    e2 = 1.0 / (1.0 + math.exp(-1.0) + math.exp(-2.0))
    p = np.array([[0.5, 0.5, 0.0], [s, 1.0 - s, 0.0],
                  [math.exp(-1.0) * e2, e2, math.exp(-2.0) * e2], [0.0, 1.0, 0.0]])
    g = F.cross_entropy_backward(1.0, x, t, reduction="sum")
    assert_close_tol(g, p - onehot, dtype, 4, 4, err_msg=f"huge logits gradient {target_kind}")
    b = Bounds("ce", x, t, dtype=dtype, stable=True)
    check_grad(g, R.cross_entropy_backward(1.0, x, t, reduction="sum"), dtype,
               b.grad_tol(1.0, "sum"), f"huge logits gradient {target_kind} vs reference")


@pytest.mark.parametrize("spatial", [False, True], ids=["rows", "spatial"])
@pytest.mark.parametrize("target_kind", ["class", "probs"])
@pytest.mark.parametrize("C", [3, 40])  # the small-C kernel and the row kernel
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_gradient_factor_keeps_tiny_probabilities(target_kind, C, dtype, spatial):
    """The gradient w_t p_j with a class weight of 1e30 (1e300 in float64): p_j below the
    dtype's normal range is magnified into the normal range, so it must not come from an
    exponential that underflowed (the fuzz found 0 for 2.1e-16 in float32). Reference in
    float64 log space: w_t p_j = exp(log w_t + x_j - logsumexp(x))."""
    big, gap = (1e30, -103.9) if dtype == np.float32 else (1e300, -740.0)
    x = np.zeros((2, C))
    x[:, 2:] = gap + np.linspace(0.0, 1.0, C - 2)
    x = x.astype(dtype)
    w = np.ones(C)
    w[0] = big
    t = np.array([0, 0]) if target_kind == "class" else np.eye(C)[[0, 0]].astype(dtype)
    if spatial:  # the two rows as two positions of a (1, C, 2) map
        xs, ts = x.T[None].copy(), (t[None] if target_kind == "class" else t.T[None].copy())
        g = F.cross_entropy_backward(np.array([[1.0, 0.5]]), xs, ts, w.astype(dtype),
                                     reduction="none")[0].T
    else:
        g = F.cross_entropy_backward(np.array([1.0, 0.5]), x, t, w.astype(dtype),
                                     reduction="none")
    x64 = x.astype(np.float64)
    lse = np.logaddexp.reduce(x64, axis=1, keepdims=True)
    expected = np.exp(np.log(np.array([[1.0], [0.5]]) * big) + x64[:, 2:] - lse)
    assert g.dtype == dtype
    assert np.all(expected > 10 * np.finfo(dtype).tiny)  # the tiny entries, made normal
    np.testing.assert_allclose(g[:, 2:], expected, rtol=2e-6 if dtype == np.float32 else 1e-13)


def test_nll_loss_mean_consistent_denominator():
    """nll_loss, nll_loss_with_grad and nll_loss_backward divide by the same sum of weights.
    With every log-probability -1 the weighted mean is exactly 1 (torch: 1.0); the gradient
    at a target of class c is -w_c / sum(w_t), the same denominator."""
    x = -np.ones((8, 3))
    t = np.arange(8) % 3
    w = np.array([0.1, 0.2, 0.7])
    loss = F.nll_loss(x, t, w)
    l2, g2 = F.nll_loss_with_grad(x, t, w)
    g = F.nll_loss_backward(1.0, x, t, w)
    assert bits_equal(g2, g)
    assert loss == 1.0, repr(loss)
    assert l2 == loss, f"nll_loss_with_grad gives {l2!r}, nll_loss {loss!r}"
    assert_close_tol(g, R.nll_loss_backward(1.0, x, t, w), F64, 2)  # g = 1/den, then -w g: two roundings


@pytest.mark.parametrize("spatial", [False, True], ids=["rows", "spatial"])
def test_special_logits(dtype, spatial):
    """The contract at special logits (the reference's values; torch's own results there
    depend on the host's ISA, so they are not the oracle): +inf logit -> NaN loss (inf - inf,
    as torch on every host we know); -inf at a non-target class is fine without smoothing and
    inf with it (the smoothing term reads every class); -inf at the target -> inf; NaN -> NaN;
    an all -inf row -> NaN. For every reduction, the gradient is NaN in exactly the rows whose
    loss is NaN and agrees with the reference in the others. `spatial`: the rows as positions
    of a (1, C, 6) map, in the kernel that runs over positions."""
    inf, nan = math.inf, math.nan
    x = np.array([[inf, 0.0, 1.0],
                  [0.0, -inf, 1.0],
                  [-inf, 0.0, 1.0],
                  [nan, 0.0, 1.0],
                  [2.0, 1.0, 0.0],
                  [-inf, -inf, -inf]], dtype)
    t = np.array([1, 0, 0, 2, 1, 0])
    nan_rows = np.array([True, False, False, True, False, True])
    for ls in (0.0, 0.1):
        expected = R.cross_entropy(x, t, reduction="none", label_smoothing=ls)
        assert np.array_equal(np.isnan(expected), nan_rows)
        assert np.isinf(expected[2]) and np.isinf(expected[1]) == (ls > 0)
        for red in REDUCTIONS:
            if spatial:
                go = np.ones((1, 6)) if red == "none" else 1.0
                loss, g = F.cross_entropy_with_grad(x.T[None].copy(), t[None], reduction=red,
                                                    label_smoothing=ls, grad_output=go)
                loss, g = (loss[0] if red == "none" else loss), g[0].T
            else:
                loss, g = F.cross_entropy_with_grad(x, t, reduction=red, label_smoothing=ls)
            ref = R.cross_entropy(x, t, reduction=red, label_smoothing=ls)
            assert np.array_equal(np.isnan(loss), np.isnan(ref)), (ls, red, loss, ref)
            assert np.array_equal(np.isinf(loss), np.isinf(ref)), (ls, red, loss, ref)
            assert_close_tol(loss, ref, dtype, 8, err_msg=f"special {ls} {red}")
            assert np.array_equal(np.isnan(g).all(axis=1), nan_rows), (ls, red, g)
            assert not np.isnan(g[~nan_rows]).any(), (ls, red, g)
            go = np.ones(6) if red == "none" else 1.0
            g_ref = R.cross_entropy_backward(go, x, t, reduction=red, label_smoothing=ls)
            assert_close_tol(g[~nan_rows], g_ref[~nan_rows], dtype, 8, 8)


def test_nan_only_where_it_is_read(dtype):
    """A NaN logit makes its row's cross-entropy NaN (the whole row enters the log-sum-exp),
    but not when the row is ignored; nll_loss reads only the target's column."""
    x = np.zeros((3, 4), dtype)
    x[1, 2] = np.nan
    assert np.isnan(F.cross_entropy(x, np.array([0, 1, 1])))
    assert np.isnan(F.cross_entropy(x, np.array([0, 1, 1]), reduction="none")[1])
    assert not np.isnan(F.cross_entropy(x, np.array([0, -100, 1])))
    assert np.isnan(F.nll_loss(x, np.array([0, 2, 1])))
    assert not np.isnan(F.nll_loss(x, np.array([0, 1, 1])))
    assert not np.isnan(F.nll_loss(x, np.array([0, -100, 1])))


# ---- threads -------------------------------------------------------------------------------

def test_threads_bit_identical(rng):
    """(4096, 1000) and (5000, 10) float32: every row is computed by one thread and the batch
    sums are taken in row order afterwards, so 1 and 2 threads give the same bits (loss and
    gradient)."""
    x = make_logits(rng, (4096, 1000), F32)
    t = make_targets(rng, x.shape, ignore_frac=0.1)
    w = make_weight(rng, 1000, F32)
    xs = make_logits(rng, (5000, 10), F32)  # short rows: blocks of rows over threads
    ts = make_targets(rng, xs.shape, ignore_frac=0.1)
    ws = make_weight(rng, 10, F32)
    xk = make_logits(rng, (64, 50, 80), F32)
    tk = make_targets(rng, xk.shape)
    qk = make_probs(rng, xk.shape, F32)
    res = {}
    try:
        for n in (1, 2):
            F.set_num_threads(n)
            r = []
            for red in REDUCTIONS:
                go = make_grad_output(np.random.default_rng(1), (4096,), red)
                r.append(F.cross_entropy_with_grad(x, t, w, reduction=red, label_smoothing=0.1,
                                                   grad_output=go))
                r.append((F.cross_entropy(x, t, reduction=red),
                          F.nll_loss_backward(go, x, t, w, reduction=red)))
                r.append(F.cross_entropy_with_grad(xs, ts, ws, reduction=red, label_smoothing=0.1,
                                                   grad_output=make_grad_output(
                                                       np.random.default_rng(2), (5000,), red)))
                r.append(F.cross_entropy_with_grad(xs, ts, reduction=red))
                r.append(F.cross_entropy_with_grad(xk, tk, reduction=red))
                r.append(F.cross_entropy_with_grad(xk, qk, reduction=red, label_smoothing=0.1))
                r.append(F.cross_entropy_with_grad(xk[:, :4], tk % 4, reduction=red))
                r.append(F.cross_entropy_with_grad(xk[:, :4], qk[:, :4], reduction=red))
            res[n] = r
    finally:
        F.set_num_threads(None)
    for i, ((l1, g1), (l2, g2)) in enumerate(zip(res[1], res[2])):
        assert bits_equal(l1, l2) and bits_equal(g1, g2), i
    b = Bounds("ce", x[:200], t[:200], w, label_smoothing=0.1)
    check_loss(F.cross_entropy(x[:200], t[:200], w, reduction="none", label_smoothing=0.1),
               R.cross_entropy(x[:200], t[:200], w, reduction="none", label_smoothing=0.1),
               F32, b.loss_tol("none"), "none", "large C")


def test_common_path_matches_general_path(dtype, rng):
    """A C-contiguous (N, C) or (N, C, d1..dk) float32/float64 input with contiguous int64
    targets, no weight or
    weights of the input's dtype, a reduced loss and a float grad_output takes a shorter
    argument path (one kernel call): the same bits as the general path (int32 targets take
    that), forward, backward and fused, ignored rows, weights and label smoothing included."""
    def same(a, b, what):
        assert type(a) is type(b) and bits_equal(a, b), what
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape, what

    for shape in ((64, 10), (300, 7), (9, 300), (0, 5), (3, 4, 5, 7), (2, 12, 70)):
        x = make_logits(rng, shape, dtype)
        t = make_targets(rng, shape) if shape[0] else np.zeros(0, np.int64)
        t32 = t.astype(np.int32)
        w = (rng.random(shape[1]) + 0.5).astype(dtype)
        # nll reads float32/float64 weights in place: a strided view must give the same bits
        w_strided = np.repeat(w, 2)[::2]
        for red, weight, go in itertools.product(("mean", "sum"), (None, w, w_strided),
                                                 (1.0, np.float32(-0.75), np.array(0.5))):
            what = (shape, red, weight is not None, go)
            for ls in (0.0, 0.2):
                kw = dict(weight=weight, reduction=red, label_smoothing=ls)
                same(F.cross_entropy(x, t, **kw), F.cross_entropy(x, t32, **kw), what + (ls,))
                same(F.cross_entropy_backward(go, x, t, **kw),
                     F.cross_entropy_backward(go, x, t32, **kw), what + (ls,))
                for a, b in zip(F.cross_entropy_with_grad(x, t, grad_output=go, **kw),
                                F.cross_entropy_with_grad(x, t32, grad_output=go, **kw)):
                    same(a, b, what + (ls,))
            kw = dict(weight=weight, reduction=red)
            same(F.nll_loss(x, t, **kw), F.nll_loss(x, t32, **kw), what)
            same(F.nll_loss_backward(go, x, t, **kw), F.nll_loss_backward(go, x, t32, **kw),
                 what)
            for a, b in zip(F.nll_loss_with_grad(x, t, grad_output=go, **kw),
                            F.nll_loss_with_grad(x, t32, grad_output=go, **kw)):
                same(a, b, what)


# ---- errors --------------------------------------------------------------------------------

def _all_class_calls(x, t, **kw):
    """Every class-index entry point with these arguments."""
    go = kw.pop("grad_output", 1.0)
    return [lambda: F.cross_entropy(x, t, **kw),
            lambda: F.cross_entropy_backward(go, x, t, **kw),
            lambda: F.cross_entropy_with_grad(x, t, grad_output=go, **kw),
            lambda: F.nll_loss(x, t, **{k: v for k, v in kw.items() if k != "label_smoothing"}),
            lambda: F.nll_loss_backward(go, x, t, **{k: v for k, v in kw.items()
                                                     if k != "label_smoothing"}),
            lambda: F.nll_loss_with_grad(x, t, grad_output=go,
                                         **{k: v for k, v in kw.items()
                                            if k != "label_smoothing"})]


@pytest.mark.parametrize("bad, value", [(5, "5"), (-1, "-1"), (-101, "-101"), (99, "99")])
def test_error_target_out_of_range(bad, value):
    x = np.zeros((4, 5))
    t = np.array([0, 1, bad, 2])
    for call in _all_class_calls(x, t):
        with pytest.raises(ValueError, match=rf"(?<![\d-]){value}(?!\d)"):
            call()
    # a K-dim target and a 0-d one
    for tk in (np.array([[0, 1, 2], [3, 4, bad]]), np.array([[0, 1, 2], [3, 4, bad]], np.int32)):
        for call in (lambda: F.cross_entropy(np.zeros((2, 5, 3)), tk),
                     lambda: F.cross_entropy_backward(1.0, np.zeros((2, 5, 3)), tk),
                     lambda: F.nll_loss(np.zeros((2, 5, 3), np.float32), tk)):
            with pytest.raises(ValueError, match=rf"(?<![\d-]){value}(?!\d)"):
                call()
    with pytest.raises(ValueError, match=rf"(?<![\d-]){value}(?!\d)"):
        F.cross_entropy(np.zeros(5), np.array(bad))
    # the same value is fine when it is ignore_index
    F.cross_entropy(x, t, ignore_index=bad)
    F.nll_loss(x, t, ignore_index=bad)


def test_error_target_shape_and_dtype():
    x = np.zeros((4, 5))
    # a float target of another shape than the input: neither probabilities nor indices
    for call in _all_class_calls(x, np.zeros((4, 3))):
        with pytest.raises(ValueError, match="target"):
            call()
    with pytest.raises(ValueError, match="target"):
        F.cross_entropy(x, np.zeros(4, np.int64)[:3])
    with pytest.raises(ValueError, match="target"):
        F.cross_entropy(np.zeros((2, 5, 3)), np.zeros((2, 4), np.int64))
    # an integer target of the input's shape: probabilities must be floating
    with pytest.raises(TypeError, match="target"):
        F.cross_entropy(x, np.zeros((4, 5), np.int64))
    with pytest.raises(TypeError, match="target"):
        F.cross_entropy_backward(1.0, x, np.zeros((4, 5), np.int64))
    # class indices must be integers: float or bool targets of the loss's shape
    for bad in (np.zeros(4), np.zeros(4, np.float32), np.zeros(4, bool)):
        for call in _all_class_calls(x, bad):
            with pytest.raises(TypeError, match="integer"):
                call()
    # nll_loss takes no probabilities
    with pytest.raises((ValueError, TypeError), match="target"):
        F.nll_loss(x, np.zeros((4, 5)))
    # 0-d input
    with pytest.raises(ValueError, match="input"):
        F.cross_entropy(np.array(1.0), np.array(0))
    # complex input
    with pytest.raises(TypeError):
        F.cross_entropy(np.zeros((4, 5), complex), np.zeros(4, np.int64))


def test_error_weight():
    x = np.zeros((4, 5))
    t = np.array([0, 1, 2, 3])
    for w in (np.ones(4), np.ones(6), np.ones((1, 5)), np.ones((5, 5)), np.ones(()) * 1.0):
        for call in _all_class_calls(x, t, weight=w):
            with pytest.raises(ValueError, match="weight"):
                call()
    with pytest.raises(ValueError, match="weight"):
        F.cross_entropy(x, np.zeros((4, 5)), np.ones(3))
    with pytest.raises(TypeError, match="weight"):
        F.cross_entropy(x, t, np.ones(5, complex))


def test_error_label_smoothing_reduction_ignore_index():
    x = np.zeros((4, 5))
    t = np.array([0, 1, 2, 3])
    q = np.full((4, 5), 0.2)
    for ls in (-0.1, 1.1, math.nan, math.inf):
        for target in (t, q):
            with pytest.raises(ValueError, match="label_smoothing"):
                F.cross_entropy(x, target, label_smoothing=ls)
            with pytest.raises(ValueError, match="label_smoothing"):
                F.cross_entropy_with_grad(x, target, label_smoothing=ls)
    for red in ("avg", "batchmean", "MEAN", None, ""):
        for call in _all_class_calls(x, t, reduction=red):
            with pytest.raises(ValueError, match="reduction"):
                call()
        with pytest.raises(ValueError, match="reduction"):
            F.cross_entropy(x, q, reduction=red)
    for ii in (0, 3, 100):
        with pytest.raises(ValueError, match="ignore_index"):
            F.cross_entropy(x, q, ignore_index=ii)
        with pytest.raises(ValueError, match="ignore_index"):
            F.cross_entropy_backward(1.0, x, q, ignore_index=ii)
    F.cross_entropy(x, q, ignore_index=-1)  # negative: fine, as torch
    with pytest.raises(TypeError, match="ignore_index"):
        F.cross_entropy(x, t, ignore_index=1.5)


def test_error_grad_output_shape():
    x = np.zeros((4, 5, 2))
    t = np.zeros((4, 2), np.int64)
    q = np.full(x.shape, 0.2)
    for target in (t, q):
        for bad in (np.ones((4,)), np.ones((2, 4)), np.ones((4, 2, 1))):
            with pytest.raises(ValueError, match="grad_output"):
                F.cross_entropy_backward(bad, x, target, reduction="none")
            with pytest.raises(ValueError, match="grad_output"):
                F.cross_entropy_with_grad(x, target, reduction="none", grad_output=bad)
        for red in ("mean", "sum"):
            with pytest.raises(ValueError, match="grad_output"):
                F.cross_entropy_backward(np.ones(2), x, target, reduction=red)
    with pytest.raises(ValueError, match="grad_output"):
        F.nll_loss_backward(np.ones((2, 4)), x, t, reduction="none")
    with pytest.raises(ValueError, match="grad_output"):
        F.nll_loss_backward(np.ones(3), x, t, reduction="sum")


def test_error_uint64_beyond_int64():
    x = np.zeros((2, 5))
    with pytest.raises(ValueError, match="target"):
        F.cross_entropy(x, np.array([1, 2 ** 63 + 1], np.uint64))


@pytest.mark.parametrize("g", [0.7, 3.0, -250.0])  # |g sum q| past 1 takes the rare path
def test_probability_targets_gradient_at_a_huge_logit_keeps_2_ulp(g):
    """Found by the long fuzz run: a float64 row [0, 0, 0, 1.7e308, 0] with probability targets
    (one negative) and grad_output past 1 lost 3.9 eps at the maximum, where g (p sum q - q_t)
    was formed as g p sum q - g q_t. Softmax here is exactly one-hot, so the reference is exact
    in rationals: g (sum q - q_3) at the maximum, -g q_j elsewhere."""
    from fractions import Fraction
    x = np.array([[0.0, 0.0, 0.0, 1.7e308, 0.0]])
    q = np.array([[-1.0, 0.1103, 0.0473, 0.1714, 0.632]], np.float16).astype(np.float64)
    got = F.cross_entropy_backward(np.array([g]), x, q, reduction="none")
    qs = [Fraction(v) for v in q[0]]
    expected = [float(Fraction(g) * (sum(qs) * (j == 3) - qs[j])) for j in range(5)]
    assert got.dtype == np.float64
    np.testing.assert_allclose(got[0], expected, rtol=2 * np.finfo(np.float64).eps, atol=0)
