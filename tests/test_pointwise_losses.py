"""Pointwise losses (pointwise_losses.py, the _pointwise_loss kernels), forward and backward:
every loss x float32/float64 x reduction against the independent float64 reference
(reference_pointwise.py) and against torch where it is installed; the reduction rules,
kinks, broadcasting, empty batches, errors, dtypes, threads, ISA levels, accuracy of large
float32 means, and central differences.
"""
import inspect
import math
import warnings
from collections import namedtuple

import numpy as np
import pytest

import actloss as F
from actloss import _dispatch, _ops, _threads
from actloss import pointwise_losses as PL

import reference_pointwise as R

F16, F32, F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
REDUCTIONS = ("none", "mean", "sum")
SHAPE = (6, 37)  # 222 elements: vector bodies and scalar tails in every loop
BIG = 3 * 4096 + 4099 + max(_threads.SERIAL_CUTOFF_CHEAP, _threads.SERIAL_CUTOFF_TRANSCENDENTAL)


# ---- cases -----------------------------------------------------------------------------------
# make(rng, shape, dtype) -> (args, kw): the arrays (input first) and the keyword parameters.
# terms / grads: the reference per element (loss shape) and d/d(learned args) per element.
# mag / gmag: per element magnitudes of the quantities a rounding error is relative to (they
# differ from |terms| where terms cancel). divisor: of 'mean' (None: the element count).

Case = namedtuple("Case", "id func make terms grads mag gmag divisor learned")


def _n(rng, shape, dtype, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(dtype)


def _u(rng, shape, dtype, lo=0.0, hi=1.0):
    return rng.uniform(lo, hi, shape).astype(dtype)


def _pm1(rng, shape, dtype):
    return rng.choice([-1.0, 1.0], shape).astype(dtype)


def _01(rng, shape, dtype):
    return rng.choice([0.0, 1.0], shape).astype(dtype)


def rparams(kw, dtype):
    """Scalar parameters as torch uses them: converted to the computing dtype."""
    k = F32 if np.dtype(dtype) in (F16, F32) else F64
    return {n: (float(k.type(v)) if isinstance(v, float) else v) for n, v in kw.items()}


def f(a):
    return R.f64(a)


def _abs(a):
    return np.abs(f(a))


def _regression(name, weighted, **params):
    terms_f = getattr(R, f"{name}_terms")
    grad_f = getattr(R, f"{name}_grad")

    def make(rng, shape, dtype):
        kw = dict(params)
        if weighted:
            kw["weight"] = _u(rng, shape, dtype, 0.5, 2.0)
        return (_n(rng, shape, dtype, 2), _n(rng, shape, dtype, 2)), kw

    def divisor(args, kw):
        if weighted and name in ("mse", "l1"):
            return float(np.sum(f(kw["weight"])))
        return None

    api = {"mse": "mse_loss", "l1": "l1_loss", "smooth_l1": "smooth_l1_loss",
           "huber": "huber_loss"}[name]
    return Case(f"{name}{'_w' if weighted else ''}{params if params else ''}", api, make,
                lambda a, kw: terms_f(*a, **kw), lambda a, kw: (grad_f(*a, **kw),),
                lambda a, kw: np.abs(terms_f(*a, **kw)),
                lambda a, kw: (np.abs(grad_f(*a, **kw)),), divisor, (0,))


def _bce(weighted):
    def make(rng, shape, dtype):
        kw = {"weight": _u(rng, shape[-1:], dtype, 0.5, 2.0)} if weighted else {}
        return (_u(rng, shape, dtype, 0.01, 0.99), _u(rng, shape, dtype)), kw

    def mag(a, kw):
        p, t = f(a[0]), f(a[1])
        m = t * np.abs(np.log(p)) + (1 - t) * np.abs(np.log1p(-p))
        return m * (f(kw["weight"]) if "weight" in kw else 1)

    def gmag(a, kw):
        p, t = f(a[0]), f(a[1])
        m = (p + t) / np.maximum(p * (1 - p), 1e-12)
        return (m * (f(kw["weight"]) if "weight" in kw else 1),)

    return Case(f"bce{'_w' if weighted else ''}", "binary_cross_entropy", make,
                lambda a, kw: R.bce_terms(*a, **kw), lambda a, kw: (R.bce_grad(*a, **kw),),
                mag, gmag, None, (0,))


def _bce_logits(weighted):
    def make(rng, shape, dtype):
        kw = {}
        if weighted:
            kw = {"weight": _u(rng, shape[-1:], dtype, 0.5, 2.0),
                  "pos_weight": _u(rng, shape[-1:], dtype, 0.5, 3.0)}
        return (_n(rng, shape, dtype, 4), _u(rng, shape, dtype)), kw

    def gmag(a, kw):
        x, t = f(a[0]), f(a[1])
        pw = f(kw["pos_weight"]) if "pos_weight" in kw else 1.0
        w = f(kw["weight"]) if "weight" in kw else 1.0
        return (w * ((1 - t) * R.special.expit(x) + pw * t * R.special.expit(-x)),)

    return Case(f"bce_logits{'_w_pw' if weighted else ''}", "binary_cross_entropy_with_logits",
                make, lambda a, kw: R.bce_logits_terms(*a, **kw),
                lambda a, kw: (R.bce_logits_grad(*a, **kw),),
                lambda a, kw: R.bce_logits_terms(*a, **kw), gmag, None, (0,))


def _kl(log_target):
    def make(rng, shape, dtype):
        x = np.log(_u(rng, shape, F64, 0.01, 1.0)).astype(dtype)
        if log_target:
            t = np.log(_u(rng, shape, F64, 0.01, 1.0)).astype(dtype)
        else:
            t = _u(rng, shape, dtype)
            t.reshape(-1)[::7] = 0  # 0 log 0 = 0
        return (x, t), {"log_target": log_target}

    def mag(a, kw):
        x, t = f(a[0]), f(a[1])
        if log_target:
            return np.exp(t) * (np.abs(t) + np.abs(x))
        return np.abs(R.special.xlogy(t, t)) + np.abs(t * x)

    return Case(f"kl_div{'_log_target' if log_target else ''}", "kl_div", make,
                lambda a, kw: R.kl_div_terms(*a, **kw), lambda a, kw: (R.kl_div_grad(*a, **kw),),
                mag, lambda a, kw: (np.abs(R.kl_div_grad(*a, **kw)),), None, (0,))


def _gaussian(row_var, full):
    def make(rng, shape, dtype):
        v = _u(rng, shape[:-1] if row_var else shape, dtype, 0.1, 2.0)
        v.reshape(-1)[::5] = 1e-8  # below eps: clamped
        return (_n(rng, shape, dtype), _n(rng, shape, dtype), v), {"full": full}

    def kwp(kw):
        return {"full": kw["full"], "eps": kw.get("eps", 1e-6)}

    def mag(a, kw):
        v = np.maximum(R.gaussian_var(a[0], a[2]), kwp(kw)["eps"])
        d = f(a[0]) - f(a[1])
        return 0.5 * (np.abs(np.log(v)) + d * d / v + (f(a[0]) ** 2 + f(a[1]) ** 2) / v) + 1

    def grads(a, kw):
        return (R.gaussian_nll_grad(*a, **kwp(kw)), R.gaussian_nll_grad_var(*a, **kwp(kw)))

    def gmag(a, kw):
        v = np.maximum(R.gaussian_var(a[0], a[2]), kwp(kw)["eps"])
        x, t = f(a[0]), f(a[1])
        return ((np.abs(x) + np.abs(t)) / v, 0.5 / v + 0.5 * (np.abs(x) + np.abs(t)) ** 2 / v ** 2)

    return Case(f"gaussian_nll{'_rowvar' if row_var else ''}{'_full' if full else ''}",
                "gaussian_nll_loss", make, lambda a, kw: R.gaussian_nll_terms(*a, **kwp(kw)),
                grads, mag, gmag, None, (0, 2))


def _poisson(log_input, full):
    def make(rng, shape, dtype):
        x = _n(rng, shape, dtype) if log_input else _u(rng, shape, dtype, 0.1, 5.0)
        t = rng.poisson(2.0, shape).astype(dtype)
        return (x, t), {"log_input": log_input, "full": full}

    def mag(a, kw):
        x, t = f(a[0]), f(a[1])
        m = np.exp(x) + np.abs(t * x) if log_input else np.abs(x) + np.abs(t * np.log(x + 1e-8))
        if full:
            with np.errstate(divide="ignore", invalid="ignore"):
                st = np.abs(t * np.log(t)) + t + np.abs(np.log(2 * np.pi * t))
                m = m + np.where(t > 1, st, 0)
        return m

    def gmag(a, kw):
        x, t = f(a[0]), f(a[1])
        return ((np.exp(x) + t) if log_input else 1 + np.abs(t / (x + 1e-8)),)

    return Case(f"poisson_nll{'' if log_input else '_rate'}{'_full' if full else ''}",
                "poisson_nll_loss", make, lambda a, kw: R.poisson_nll_terms(*a, **kw),
                lambda a, kw: (R.poisson_nll_grad(*a, **kw),), mag, gmag, None, (0,))


def _margin_ranking():
    def make(rng, shape, dtype):
        return (_n(rng, shape, dtype), _n(rng, shape, dtype), _pm1(rng, shape, dtype)), \
            {"margin": 0.2}

    return Case("margin_ranking", "margin_ranking_loss", make,
                lambda a, kw: R.margin_ranking_terms(*a, **kw),
                lambda a, kw: R.margin_ranking_grads(*a, **kw),
                lambda a, kw: _abs(a[0]) + _abs(a[1]) + 0.2,
                lambda a, kw: (np.ones(np.shape(a[0])), np.ones(np.shape(a[0]))), None, (0, 1))


def _hinge():
    def make(rng, shape, dtype):
        return (np.abs(_n(rng, shape, dtype, 1.5)), _pm1(rng, shape, dtype)), {"margin": 1.0}

    return Case("hinge_embedding", "hinge_embedding_loss", make,
                lambda a, kw: R.hinge_embedding_terms(*a, **kw),
                lambda a, kw: (R.hinge_embedding_grad(*a, **kw),),
                lambda a, kw: _abs(a[0]) + 1.0, lambda a, kw: (np.ones(np.shape(a[0])),), None,
                (0,))


def _soft_margin():
    def make(rng, shape, dtype):
        return (_n(rng, shape, dtype, 3), _pm1(rng, shape, dtype)), {}

    return Case("soft_margin", "soft_margin_loss", make,
                lambda a, kw: R.soft_margin_terms(*a), lambda a, kw: (R.soft_margin_grad(*a),),
                lambda a, kw: R.soft_margin_terms(*a),
                lambda a, kw: (np.abs(R.soft_margin_grad(*a)),), None, (0,))


def _multilabel(weighted):
    def make(rng, shape, dtype):
        kw = {"weight": _u(rng, shape[-1:], dtype, 0.5, 2.0)} if weighted else {}
        return (_n(rng, shape, dtype, 3), _01(rng, shape, dtype)), kw

    def gmag(a, kw):
        x, t = f(a[0]), f(a[1])
        w = f(kw["weight"]) if "weight" in kw else 1.0
        return (w * ((1 - t) * R.special.expit(x) + t * R.special.expit(-x)) / x.shape[-1],)

    def mag(a, kw):
        x, t = f(a[0]), f(a[1])
        w = f(kw["weight"]) if "weight" in kw else 1.0
        return (w * R.bce_logits_terms(x, t)).sum(-1) / x.shape[-1]

    return Case(f"multilabel_soft_margin{'_w' if weighted else ''}",
                "multilabel_soft_margin_loss", make,
                lambda a, kw: R.multilabel_soft_margin_rows(*a, **kw),
                lambda a, kw: (R.multilabel_soft_margin_grad(*a, **kw),), mag, gmag, None, (0,))


def _focal(alpha, gamma, soft):
    def make(rng, shape, dtype):
        t = _u(rng, shape, dtype) if soft else _01(rng, shape, dtype)
        return (_n(rng, shape, dtype, 3), t), {"alpha": alpha, "gamma": gamma}

    def mags(a, kw):
        # the sums' terms in magnitude: equal to ce, q and alpha_t for t in [0, 1]; for a
        # target outside, q = t (1 - p) + (1 - t) p (and ce, alpha_t) cancel, in the float64
        # reference and in the gamma = 2 kernel alike, by a rounding of these magnitudes
        x, t = f(a[0]), f(a[1])
        p, pc = R.special.expit(x), R.special.expit(-x)
        ce = np.abs(t) * R.softplus(-x) + np.abs(1 - t) * R.softplus(x)
        q = np.abs(t) * pc + np.abs(1 - t) * p
        at = np.abs(alpha * t) + np.abs((1 - alpha) * (1 - t)) if alpha >= 0 else 1.0
        return x, t, p, pc, ce, q, at

    def mag(a, kw):
        x, t, p, pc, ce, q, at = mags(a, kw)
        return at * ce * q ** gamma

    def gmag(a, kw):
        x, t, p, pc, ce, q, at = mags(a, kw)
        second = 0 if gamma == 0 else np.abs(ce * gamma * q ** (gamma - 1) * (1 - 2 * t) * p * pc)
        return (at * ((np.abs(1 - t) * p + np.abs(t) * pc) * q ** gamma + second),)

    return Case(f"sigmoid_focal_a{alpha}_g{gamma}{'_soft' if soft else ''}",
                "sigmoid_focal_loss", make, lambda a, kw: R.sigmoid_focal_terms(*a, **kw),
                lambda a, kw: (R.sigmoid_focal_grad(*a, **kw),), mag, gmag, None, (0,))


def _classic(name, func, make_x, make_t, **params):
    """hinge/squared_hinge (scores and +-1 targets), log_cosh and pinball (regression pairs):
    the magnitudes are the terms' inputs (1 + |t x|, |x| + |t|), what their roundings are
    relative to."""
    terms_f, grad_f = getattr(R, f"{name}_terms"), getattr(R, f"{name}_grad")

    def make(rng, shape, dtype):
        return (make_x(rng, shape, dtype), make_t(rng, shape, dtype)), dict(params)

    def mag(a, kw):
        x, t = f(a[0]), f(a[1])
        if name in ("hinge", "squared_hinge"):
            return (1 + np.abs(t * x)) ** (2 if name == "squared_hinge" else 1)
        return np.abs(terms_f(x, t, **kw)) + (np.abs(x) + np.abs(t) if name == "pinball" else 0)

    def gmag(a, kw):
        x, t = f(a[0]), f(a[1])
        return (np.abs(grad_f(x, t, **kw)) + (2 * (1 + np.abs(t * x))
                                               if name == "squared_hinge" else 0),)

    return Case(f"{name}{params if params else ''}", func, make,
                lambda a, kw: terms_f(*a, **kw), lambda a, kw: (grad_f(*a, **kw),), mag, gmag,
                None, (0,))


CLASSIC = [
    _classic("hinge", "hinge_loss", lambda r, s, d: _n(r, s, d, 1.5), _pm1),
    _classic("squared_hinge", "squared_hinge_loss", lambda r, s, d: _n(r, s, d, 1.5), _pm1),
    _classic("log_cosh", "log_cosh_loss", lambda r, s, d: _n(r, s, d, 2),
             lambda r, s, d: _n(r, s, d, 2)),
    _classic("pinball", "pinball_loss", lambda r, s, d: _n(r, s, d, 2),
             lambda r, s, d: _n(r, s, d, 2), quantile=0.9),
    _classic("pinball", "pinball_loss", lambda r, s, d: _n(r, s, d, 2),
             lambda r, s, d: _n(r, s, d, 2), quantile=0.1),
]

CASES = [
    _regression("mse", False), _regression("mse", True),
    _regression("l1", False), _regression("l1", True),
    _regression("smooth_l1", False, beta=0.7), _regression("smooth_l1", False, beta=0.0),
    _regression("huber", False, delta=0.6), _regression("huber", True, delta=1.3),
    _bce(False), _bce(True), _bce_logits(False), _bce_logits(True),
    _kl(False), _kl(True),
    _gaussian(False, False), _gaussian(True, True),
    _poisson(True, False), _poisson(True, True), _poisson(False, True),
    _margin_ranking(), _hinge(), _soft_margin(), _multilabel(False), _multilabel(True),
    _focal(0.25, 2, False), _focal(-1, 1.5, True), _focal(0.7, 0.0, True),
] + CLASSIC
CASE_IDS = [c.id for c in CASES]


# ---- helpers ---------------------------------------------------------------------------------

def call(case, args, kw, reduction, **extra):
    return getattr(F, case.func)(*args, reduction=reduction, **kw, **extra)


def call_bwd(case, go, args, kw, reduction):
    g = getattr(F, case.func + "_backward")(go, *args, reduction=reduction, **kw)
    return g if isinstance(g, tuple) else (g,)


def eps(dtype):
    return float(np.finfo(dtype).eps)


def tol_for(dtype):
    """(relative ulps, absolute ulps of the magnitude): float32 results are double values
    rounded once (the float32-accuracy transcendentals err by ~1e-12, far below an ulp);
    float64 results carry a few roundings and the transcendentals' <= 2 ulp."""
    return (1.0, 1e-3) if np.dtype(dtype) == F32 else (4.0, 8.0)


def sum_to(g, shape):
    """A gradient over the loss shape summed to an argument's shape (autograd's rule); an
    argument lacking the last dimension (gaussian_nll_loss's row var) is var[..., None]."""
    g = np.asarray(g, dtype=np.float64)
    if len(shape) == g.ndim - 1 and tuple(shape) == g.shape[:-1]:
        return g.sum(axis=-1)
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                      if s == 1 and g.shape[lead + i] != 1)
    return g.sum(axis=axes).reshape(shape) if axes else g.reshape(shape)


def ref_reduced(case, args, kw, reduction, dtype):
    kwr = rparams(kw, dtype)
    terms = case.terms(args, kwr)
    d = case.divisor(args, kwr) if case.divisor else None
    return terms, R.reduce(terms, reduction, d), (terms.size if d is None else d)


def check_value(got, ref, mag_sum, dtype, rel, ab, what, n=1):
    """A reduced value: rounding errors relative to the result and to the sum of the terms'
    magnitudes, plus ~sqrt(n) roundings of a sum of n terms (in some order)."""
    e = eps(dtype)
    err = abs(float(got) - ref)
    tol = e * (max(rel, 1.0) * abs(ref) + (ab + math.sqrt(n)) * mag_sum) + 1e-300
    assert err <= tol or (math.isnan(ref) and math.isnan(float(got))), \
        f"{what}: got {float(got)!r}, expected {ref!r}, error {err:.3g} > tolerance {tol:.3g}"


def check_array(got, ref, mag, dtype, rel, ab, what):
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    assert got.shape == ref.shape, f"{what}: shape {got.shape} != {ref.shape}"
    e = eps(dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        ref_r = ref.astype(dtype).astype(np.float64)  # the best a result of dtype can be
        err = np.abs(got - ref_r)
        tol = e * (rel * np.abs(ref_r) + ab * np.broadcast_to(mag, ref.shape)) + 1e-300
    nan_g, nan_r = np.isnan(got), np.isnan(ref_r)
    assert np.array_equal(nan_g, nan_r), f"{what}: NaN positions differ"
    bad = ~nan_r & (err > tol) & ~((got == ref_r) & np.isinf(ref_r))
    if bad.any():
        i = int(np.argmax(np.where(bad, err / tol, 0)))
        raise AssertionError(f"{what}: {int(bad.sum())} of {got.size} out of tolerance; worst at "
                             f"{i}: got {got.ravel()[i]!r}, expected {ref_r.ravel()[i]!r} "
                             f"(tolerance {tol.ravel()[i]:.3g})")


def ab_summed(ab, shape, full_shape):
    """A gradient summed over broadcast dimensions adds up elements already rounded to the
    dtype (as autograd does): half an ulp of each element's magnitude."""
    return ab if tuple(shape) == tuple(full_shape) else max(ab, 1.0)


def make(case, dtype, rng, shape=SHAPE):
    return case.make(rng, shape, dtype)


def grad_output_for(rng, reduction, shape, dtype):
    if reduction == "none":
        return (rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)).astype(dtype)
    return 1.7


def bits_equal(a, b):
    """Same dtype, shape and bits (any NaN equals any NaN)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    na, nb = np.isnan(a), np.isnan(b)
    a = np.atleast_1d(np.where(na, 0, a).astype(a.dtype))
    b = np.atleast_1d(np.where(nb, 0, b).astype(b.dtype))
    return np.array_equal(na, nb) and np.array_equal(a.view(np.uint8), b.view(np.uint8))


# ---- agreement with the reference ------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_forward_matches_reference(case, reduction, dtype, rng):
    args, kw = make(case, dtype, rng)
    got = call(case, args, kw, reduction)
    terms, ref, div = ref_reduced(case, args, kw, reduction, dtype)
    mag = case.mag(args, rparams(kw, dtype))
    rel, ab = tol_for(dtype)
    if reduction == "none":
        assert isinstance(got, np.ndarray) and got.dtype == dtype
        check_array(got, ref, mag, dtype, rel, ab, f"{case.id} none {dtype}")
    else:
        assert isinstance(got, np.generic) and got.dtype == dtype, type(got)
        scale = 1.0 if reduction == "sum" else 1.0 / div
        check_value(got, ref, float(np.sum(mag)) * scale, dtype, rel, ab,
                    f"{case.id} {reduction} {dtype}", np.size(mag))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_backward_matches_reference(case, reduction, dtype, rng):
    args, kw = make(case, dtype, rng)
    kwr = rparams(kw, dtype)
    terms, _, div = ref_reduced(case, args, kw, reduction, dtype)
    go = grad_output_for(rng, reduction, terms.shape, dtype)
    got = call_bwd(case, go, args, kw, reduction)
    assert len(got) == len(case.learned)
    rel, ab = tol_for(dtype)
    gscale = f(go) if reduction == "none" else np.float64(go) / (div if reduction == "mean" else 1)
    for g, ref_g, gm, i in zip(got, case.grads(args, kwr), case.gmag(args, kwr), case.learned):
        arg = np.asarray(args[i])
        assert g.dtype == arg.dtype and g.shape == arg.shape, (g.dtype, g.shape)
        if terms.shape != ref_g.shape:  # a row loss: the row's grad_output on every element
            gs = gscale[..., None] if reduction == "none" else gscale
        else:
            gs = gscale
        check_array(g, sum_to(ref_g * gs, arg.shape), sum_to(np.abs(gm * gs), arg.shape),
                    dtype, rel, ab_summed(ab, arg.shape, ref_g.shape),
                    f"{case.id} grad {i} {reduction} {dtype}")


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_sum_is_none_sum_and_mean_is_sum_over_count(case, dtype, rng):
    args, kw = make(case, dtype, rng)
    none = call(case, args, kw, "none")
    s, m = call(case, args, kw, "sum"), call(case, args, kw, "mean")
    _, _, div = ref_reduced(case, args, kw, "mean", dtype)
    e = eps(dtype)
    mag = float(np.sum(np.abs(f(none)))) * (2 + math.sqrt(none.size))
    assert abs(float(s) - float(np.sum(f(none)))) <= e * mag, (s, np.sum(f(none)))
    assert abs(float(m) - float(s) / div) <= 2 * e * abs(float(s) / div), (m, s, div)


# ---- against torch ---------------------------------------------------------------------------

def _focal_torch(torch, x, t, alpha=0.25, gamma=2, reduction="none"):
    """torchvision.ops.sigmoid_focal_loss's definition, in torch operations."""
    p = torch.sigmoid(x)
    ce = torch.nn.functional.binary_cross_entropy_with_logits(x, t, reduction="none")
    loss = ce * (1 - (p * t + (1 - p) * (1 - t))) ** gamma
    if alpha >= 0:
        loss = (alpha * t + (1 - alpha) * (1 - t)) * loss
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


# the losses torch lacks, as the torch lines a user writes (optax's formulas)
CLASSIC_TORCH = {
    "hinge_loss": lambda torch, x, t: torch.clamp(1 - t * x, min=0),
    "squared_hinge_loss": lambda torch, x, t: torch.clamp(1 - t * x, min=0) ** 2,
    "log_cosh_loss": lambda torch, x, t: torch.logaddexp(x - t, t - x) - math.log(2),
    "pinball_loss": lambda torch, x, t, quantile: torch.maximum(quantile * (t - x),
                                                                (quantile - 1) * (t - x)),
}


def _classic_torch(torch, func, *args, reduction, **kw):
    loss = CLASSIC_TORCH[func](torch, *args, **kw)
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


def torch_cancellation(case, args, kwr, dtype):
    """(loss, gradient) magnitudes of the cancellations in torch's own formulas: its
    rounding errors are relative to these, not to the result."""
    x, t = f(args[0]), f(args[1])
    if case.func == "binary_cross_entropy_with_logits":
        # (1 - t) x + (1 + (pw - 1) t) (log1p(exp(-|x|)) + max(-x, 0)): terms of size |x|;
        # gradient (pw t + 1 - t) sigmoid(x) - pw t
        pw = f(kwr["pos_weight"]) if "pos_weight" in kwr else 1.0
        w = f(kwr["weight"]) if "weight" in kwr else 1.0
        return w * np.abs(x) * (1 + pw), w * (pw * t + (pw * t + 1) * R.special.expit(x))
    if case.func == "sigmoid_focal_loss":
        # torchvision forms q = 1 - p_t by cancellation: an absolute error of ~eps in q, a
        # relative error eps / q, amplified gamma-fold in q^gamma and (gamma-1)-fold in its
        # derivative; and its gradient of ce is sigmoid(x) - t
        g = kwr["gamma"]
        q = np.maximum(t * R.special.expit(-x) + (1 - t) * R.special.expit(x), 1e-6)
        at = kwr["alpha"] * t + (1 - kwr["alpha"]) * (1 - t) if kwr["alpha"] >= 0 else 1.0
        ce = R.bce_logits_terms(x, t)
        grad = np.abs(R.sigmoid_focal_grad(x, t, kwr["alpha"], g))
        # + ce's own cancellation (see above), scaled by the modulating factor
        return (2 * at * ce * g * q ** (g - 1) + 2 * at * np.abs(x) * q ** g,
                (1 + g) * max(g - 1, 1) * grad / q + at * (t + R.special.expit(x)) * q ** g)
    if case.func == "log_cosh_loss":
        # logaddexp(d, -d) - log 2: the log 2 cancels where d is small; its gradient is the
        # difference of two softmax weights of size 1/2
        return np.full(x.shape, math.log(2)), np.ones(x.shape)
    return 0.0, 0.0


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_matches_torch(case, reduction, dtype, rng):
    torch = pytest.importorskip("torch")
    args, kw = make(case, dtype, rng)
    targs = [torch.from_numpy(np.array(a)).requires_grad_(i in case.learned)
             for i, a in enumerate(args)]
    tkw = {k: (torch.from_numpy(np.array(v)) if isinstance(v, np.ndarray) else v)
           for k, v in kw.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if case.func == "sigmoid_focal_loss":
            out = _focal_torch(torch, *targs, reduction=reduction, **tkw)
        elif case.func in CLASSIC_TORCH:
            out = _classic_torch(torch, case.func, *targs, reduction=reduction, **tkw)
        else:
            out = getattr(torch.nn.functional, case.func)(*targs, reduction=reduction, **tkw)
    got = call(case, args, kw, reduction)
    kwr = rparams(kw, dtype)
    mag = case.mag(args, kwr)
    # torch computes float32 in float32 (several roundings, ~1 ulp transcendentals)
    rel, ab = (8.0, 8.0) if dtype == F32 else (8.0, 16.0)
    mag = mag + torch_cancellation(case, args, kwr, dtype)[0]
    _, _, div = ref_reduced(case, args, kw, reduction, dtype)
    expected = out.detach().numpy()
    if reduction == "none":
        check_array(got, expected, mag, dtype, rel, ab, f"{case.id} vs torch")
    else:
        check_value(got, float(expected), float(np.sum(mag)) / (div if reduction == "mean" else 1),
                    dtype, rel, ab, f"{case.id} {reduction} vs torch", np.size(mag))
    go = grad_output_for(rng, reduction, tuple(out.shape), dtype)
    out.backward(torch.from_numpy(np.asarray(go)) if reduction == "none"
                 else torch.tensor(go, dtype=out.dtype))
    grads = call_bwd(case, go, args, kw, reduction)
    gms = case.gmag(args, kwr)
    for g, i, gm in zip(grads, case.learned, gms):
        tg = targs[i].grad.numpy()
        gs = np.abs(f(go)) if reduction == "none" else abs(go) / (div if reduction == "mean" else 1)
        if gm.shape != out.shape and reduction == "none":
            gs = gs[..., None]
        gmag = sum_to(np.abs(gm) * gs, np.shape(args[i]))
        gx = torch_cancellation(case, args, kwr, dtype)[1]
        full = np.broadcast_shapes(np.shape(gm), np.shape(gs))
        gmag = gmag + sum_to(np.broadcast_to(np.abs(gx) * gs, full), np.shape(args[i]))
        check_array(g, tg, gmag, dtype, rel, ab_summed(ab, np.shape(args[i]), out.shape),
                    f"{case.id} grad {i} {reduction} vs torch")


# ---- kinks and special values: torch's autograd values ----------------------------------------

def test_kinks_take_torch_values():
    x = np.array([1.0, 2.0, 0.0, 1.0])
    t = np.array([1.0, 1.0, 1.0, 2.0])
    # l1: sign, 0 at x == t
    assert F.l1_loss_backward(1.0, x, t, reduction="sum").tolist() == [0.0, 1.0, -1.0, -1.0]
    # smooth_l1 at |d| = beta: +-1; beta = 0 is l1 (0 at d = 0)
    assert F.smooth_l1_loss_backward(1.0, x, t, reduction="sum").tolist() == [0, 1, -1, -1]
    assert F.smooth_l1_loss_backward(1.0, x, t, reduction="sum", beta=0.0).tolist() == \
        [0, 1, -1, -1]
    assert F.smooth_l1_loss(x, t, reduction="none", beta=0.0).tolist() == [0, 1, 1, 1]
    # huber at |d| = delta: +-delta
    xs = np.array([3.0, -1.0, 1.0])
    assert F.huber_loss_backward(1.0, xs, np.ones(3), reduction="sum", delta=2.0).tolist() == \
        [2.0, -2.0, 0.0]
    # hinge: the boundary margin - x = 0 passes the gradient; targets other than +-1 get both
    g = F.hinge_embedding_loss_backward(1.0, np.array([1.0, 1.0, 0.5, 2.0, 1.0]),
                                        np.array([-1.0, 1.0, -1.0, -1.0, 0.0]), reduction="sum")
    assert g.tolist() == [-1.0, 1.0, -1.0, 0.0, 0.0]
    # margin ranking: value 0 passes the gradient
    g1, g2 = F.margin_ranking_loss_backward(1.0, np.array([1.0, 1.0, 2.0]),
                                            np.array([1.0, 0.0, 1.0]),
                                            np.array([1.0, 1.0, -1.0]), reduction="sum")
    assert g1.tolist() == [-1.0, 0.0, 1.0] and g2.tolist() == [1.0, 0.0, -1.0]
    # gaussian: clamped var entries get the gradient at eps (torch's clamp of a clone)
    gx, gv = F.gaussian_nll_loss_backward(1.0, np.ones(3), np.zeros(3),
                                          np.array([1e-7, 1e-6, 1.0]), reduction="sum")
    assert gx.tolist() == [1e6, 1e6, 1.0]
    np.testing.assert_allclose(gv, [-499999500000.0, -499999500000.0, 0.0], rtol=1e-15)
    # bce at input 0 and 1: loss clamped at 100 per log, torch's gradient formula
    p = np.array([0.0, 1.0, 0.0, 1.0, 1e-30])
    tb = np.array([0.5, 0.5, 0.0, 1.0, 1.0])
    assert F.binary_cross_entropy(p, tb, reduction="none").tolist() == [
        50.0, 50.0, 0.0, 0.0, pytest.approx(69.07755278982137)]
    np.testing.assert_allclose(F.binary_cross_entropy_backward(1.0, p, tb, reduction="sum"),
                               [-500000001997.9014, 500000001997.9014, 0.0, 0.0,
                                -1000000003995.8029], rtol=1e-14)


def test_smooth_l1_tiny_beta():
    """A beta so small that 1 / beta overflows takes the scaled loop: still d / beta."""
    beta = 2.0 ** -1030
    x, t = np.array([beta / 2, -beta / 2, 3 * beta, 0.0]), np.zeros(4)
    g = F.smooth_l1_loss_backward(1.0, x, t, reduction="sum", beta=beta)
    assert g.tolist() == [0.5, -0.5, 1.0, 0.0]
    y = F.smooth_l1_loss(x, t, reduction="none", beta=beta)
    assert y.tolist() == [beta / 8, beta / 8, 2.5 * beta, 0.0]  # 0.5 z^2 / beta, z - beta / 2


# (name, params, k, B): the losses whose derivative is k clamp(x - t, -B, B) (B None: no clamp),
# whose float32 backward with a scalar grad_output runs in float lanes on FMA hosts
SCALED_DIFF_ROWS = [("mse_loss", {}, 2.0, None), ("huber_loss", {"delta": 0.75}, 1.0, 0.75),
                    ("smooth_l1_loss", {"beta": 0.5}, 2.0, 0.5)]


def _difference_hard_cases(rng, B):
    """float32 (x, t) pairs where x - t is hard to get right in float: equal values and signed
    zeros, neighbours, far exponents, differences at and next to the kinks +-B, subnormals,
    overflowing differences, infinities and NaN; then random normals."""
    f32 = np.float32
    nb = lambda v, k: np.nextafter(f32(v), f32(np.inf if k > 0 else -np.inf)) if k else f32(v)
    pairs = [(0.0, 0.0), (-0.0, 0.0), (0.0, -0.0), (-0.0, -0.0), (1.5, 1.5), (-2.0, -2.0),
             (1.0, nb(1.0, 1)), (nb(1.0, 1), 1.0), (1e20, 1e-20), (1e-30, 3.0), (-3.0, 1e-30),
             (1e-45, -1e-45), (1e-40, 3e-41), (-1e-38, 1e-38), (3e38, -3e38), (-3e38, 3e38),
             (2e38, -2e38), (np.inf, 1.0), (1.0, np.inf), (-np.inf, 0.0), (np.inf, np.inf),
             (-np.inf, np.inf), (np.nan, 1.0), (1.0, np.nan)]
    if B is not None:
        for t in (0.0, 0.1, -0.37, 1e-9, 5.0):
            for side in (1, -1):
                edge = f32(t + side * B)
                pairs += [(nb(edge, k), t) for k in (-2, -1, 0, 1, 2)]
                pairs += [(t + side * B, t)]  # rounded: x - t is B plus a small remainder
    x = np.array([p[0] for p in pairs], dtype=np.float32)
    t = np.array([p[1] for p in pairs], dtype=np.float32)
    x = np.concatenate([x, rng.standard_normal(2500).astype(np.float32)])
    t = np.concatenate([t, rng.standard_normal(2500).astype(np.float32)])
    return x, t


@pytest.mark.parametrize("name, kw, k, B", SCALED_DIFF_ROWS)
def test_float32_scaled_difference_gradients(name, kw, k, B, rng):
    """mse, huber and smooth_l1 backward in float32 with a scalar grad_output: within 1 ULP of
    c k clamp(x - t, -B, B) from the exact difference, exactly the clamped value beyond the
    kink, the sign of a zero as c (x - t) gives it, infinities and NaN as in float64; the fused
    gradient bit for bit the same. Checked on scales inside and outside the float-lane range."""
    x, t = _difference_hard_cases(rng, B)
    back, fused = getattr(F, name + "_backward"), getattr(F, name + "_with_grad")
    x64, t64 = x.astype(np.float64), t.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        d = x64 - t64  # exact where it matters: the gaps above stay within float64's reach
    for g in (np.float32(0.7), 0.7, np.float32(-3.0), np.float32(1e-30), np.float32(2e30)):
        for red in REDUCTIONS:
            c = float(g) / x.size if red == "mean" else float(g)
            got = back(g, x, t, reduction=red, **kw)
            assert got.dtype == F32 and got.shape == x.shape
            with np.errstate(invalid="ignore", over="ignore"):
                dc = d if B is None else np.clip(d, -B, B)
                want = c * k * dc if name != "smooth_l1_loss" else c * dc / B
            what = (name, float(g), red)
            finite = np.isfinite(want) & (np.abs(want) < np.finfo(np.float32).max)
            assert np.array_equal(np.isnan(got), np.isnan(want)), what
            with np.errstate(over="ignore"):  # infinite where the float64 value is beyond float32
                big = want[~finite & ~np.isnan(want)].astype(np.float32)
            assert np.array_equal(got[~finite & ~np.isnan(want)], big), what
            w32 = want[finite]
            ulp = np.spacing(np.abs(w32).astype(np.float32)).astype(np.float64)
            err = np.abs(got[finite].astype(np.float64) - w32) / ulp
            assert err.max() <= 1.0, (what, float(err.max()), x[finite][err.argmax()],
                                      t[finite][err.argmax()])
            zero = finite & (want == 0)
            assert np.array_equal(np.signbit(got[zero]), np.signbit(want[zero])), what
            if B is not None:  # clearly beyond the kink: exactly the clamped value
                beyond = np.isfinite(d) & (np.abs(d) > B * (1 + 2.0 ** -20))
                clamped = np.float32(c * (B if name == "huber_loss" else 1.0))
                assert np.all(got[beyond] == np.where(d[beyond] > 0, clamped, -clamped)), what
            with np.errstate(invalid="ignore"):
                _, g_fused = fused(x, t, reduction=red, grad_output=g, **kw)
            assert bits_equal(g_fused, got), what


def test_bce_with_logits_stable_at_1000(dtype):
    x = np.array([-1000.0, 1000.0, 0.0, 1000.0, -1000.0], dtype)
    t = np.array([1.0, 0.0, 0.5, 1.0, 0.0], dtype)
    y = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    np.testing.assert_array_equal(y, np.array([1000, 1000, math.log(2), 0, 0], dtype))
    g = F.binary_cross_entropy_with_logits_backward(1.0, x, t, reduction="sum")
    np.testing.assert_array_equal(g, np.array([-1, 1, 0, 0, 0], dtype))
    pw = np.full(5, 2.0, dtype)
    y = F.binary_cross_entropy_with_logits(x, t, reduction="none", pos_weight=pw)
    np.testing.assert_allclose(y, [2000, 1000, 1.0397207708399179, 0, 0], rtol=2 * eps(dtype))
    # tiny losses keep their relative accuracy (torch's (1 - t) x + ... form gives 0 or noise)
    y = F.binary_cross_entropy_with_logits(np.array([30.0, -30.0]), np.array([1.0, 0.0]),
                                           reduction="none")
    np.testing.assert_allclose(y, math.log1p(math.exp(-30)), rtol=1e-15)


def test_soft_margin_and_focal_finite_at_extremes():
    x = np.array([-1000.0, 1000.0])
    y = F.soft_margin_loss(x, np.ones(2), reduction="none")
    assert y.tolist() == [1000.0, 0.0]  # torch: inf
    assert F.soft_margin_loss_backward(1.0, x, np.ones(2), reduction="sum").tolist() == [-1.0, -0.0]
    g = F.sigmoid_focal_loss_backward(np.ones(2), np.array([50.0, -3.0]), np.array([1.0, 0.0]),
                                      gamma=0.5)
    assert np.all(np.isfinite(g))  # torchvision: NaN from 1 - p_t = 0 at x = 50



@pytest.mark.parametrize("gamma", [0.5, 1.5, 2.5, 3.7])
@pytest.mark.parametrize("alpha", [0.25, -1])
def test_sigmoid_focal_float64_tiny_q_within_2_ulp(alpha, gamma):
    """float64 sigmoid_focal_loss and its backward where q = 1 - p_t is tiny (|log q| up to
    ~745), with a non-integer gamma: exp(gamma log q) with a rounded log q erred by
    |gamma log q| / 2 ULP (71 ULP at x = -78, t = 1e-45, gamma = 1.5; torch: 0). Against
    torchvision's definition in mpmath at 60 digits; <= 2 ULP (measured: 0.54)."""
    mpmath = pytest.importorskip("mpmath")
    from test_ulp import ulp_error
    x = np.array([-78.0, -78.5, -100.6, -145.0, -300.0, -700.0, 78.0, 200.8, 355.0, -0.797,
                  3.17, 0.04])
    t = np.array([1e-45, 1e-45, 1e-300, 1e-45, 0.0, 1e-300, 1.0, 1.0, 1.0 - 2.0 ** -53, 0.0,
                  0.95, 0.51])
    with mpmath.workdps(60):
        def ref(xi, ti):
            xi, ti, g = mpmath.mpf(xi), mpmath.mpf(ti), mpmath.mpf(gamma)
            p = 1 / (1 + mpmath.exp(-xi))
            pc = 1 / (1 + mpmath.exp(xi))
            # -(t log p + (1 - t) log(1 - p)), each log as a log1p (no 1 - tiny at 60 digits)
            ce = ti * mpmath.log1p(mpmath.exp(-xi)) + (1 - ti) * mpmath.log1p(mpmath.exp(xi))
            q = ti * pc + (1 - ti) * p
            at = alpha * ti + (1 - alpha) * (1 - ti) if alpha >= 0 else 1
            loss = at * ce * q ** g
            grad = at * (((1 - ti) * p - ti * pc) * q ** g + ce * g * q ** (g - 1) * (1 - 2 * ti) * p * pc)
            return loss, grad
        refs = [ref(a, b) for a, b in zip(x, t)]
        lo = [(float(r[0]), float(r[0] - mpmath.mpf(float(r[0]))),
               float(r[1]), float(r[1] - mpmath.mpf(float(r[1])))) for r in refs]
    lh, ll, gh, gl = (np.array(v) for v in zip(*lo))
    y = F.sigmoid_focal_loss(x, t, alpha=alpha, gamma=gamma, reduction="none")
    g = F.sigmoid_focal_loss_backward(np.ones_like(x), x, t, alpha=alpha, gamma=gamma,
                                      reduction="none")
    ey, eg = ulp_error(y, lh, np.float64, ll), ulp_error(g, gh, np.float64, gl)
    assert ey.max() <= 2.0, (x[np.argmax(ey)], t[np.argmax(ey)], ey.max())
    assert eg.max() <= 2.0, (x[np.argmax(eg)], t[np.argmax(eg)], eg.max())

def test_nan_propagates():
    nan = np.array([np.nan])
    for fn in (F.mse_loss, F.l1_loss, F.smooth_l1_loss, F.huber_loss, F.soft_margin_loss,
               F.kl_div, F.poisson_nll_loss, F.binary_cross_entropy_with_logits,
               F.hinge_embedding_loss, F.multilabel_soft_margin_loss):
        assert np.isnan(fn(nan, np.array([-1.0]), reduction="sum")), fn.__name__
    assert np.isnan(F.sigmoid_focal_loss(nan, np.array([1.0]), reduction="sum"))
    assert np.isnan(F.gaussian_nll_loss(nan, np.array([1.0]), np.array([1.0])))
    assert np.isnan(F.margin_ranking_loss(nan, np.array([1.0]), np.array([1.0])))


def test_kl_div_special_targets_and_batchmean():
    y = F.kl_div(np.array([-1.0, -2.0, -1.0]), np.array([0.0, -0.5, 0.5]), reduction="none")
    assert y[0] == 0.0 and np.isnan(y[1]) and y[2] == pytest.approx(0.5 * math.log(0.5) + 0.5)
    x, t = np.log(np.full((4, 3), 1 / 3)), np.full((4, 3), 0.25)
    assert F.kl_div(x, t, reduction="batchmean") == pytest.approx(
        float(F.kl_div(x, t, reduction="sum")) / 4, rel=1e-15)
    assert F.kl_div(np.array(-1.0), np.array(0.5), reduction="batchmean") == pytest.approx(
        0.5 * math.log(0.5) + 0.5)  # 0-d: just the sum, as torch
    assert np.isnan(F.kl_div(np.zeros((0, 3)), np.zeros((0, 3)), reduction="batchmean"))
    g = F.kl_div_backward(2.0, x, t, reduction="batchmean")
    np.testing.assert_array_equal(g, np.full((4, 3), -0.25 * 2.0 / 4))


def test_poisson_stirling_only_above_one():
    t = np.array([0.0, 1.0, 1.5, 3.0])
    x = np.array([1.0, 1.0, 1.0, 1.0])
    plain = F.poisson_nll_loss(x, t, log_input=False, reduction="none")
    full = F.poisson_nll_loss(x, t, log_input=False, full=True, reduction="none")
    st = t * np.log(np.where(t > 0, t, 1)) - t + 0.5 * np.log(2 * np.pi * np.where(t > 0, t, 1))
    np.testing.assert_allclose(full - plain, np.where(t > 1, st, 0.0), rtol=1e-14, atol=1e-15)


def test_sigmoid_focal_defaults_are_torchvisions():
    sig = inspect.signature(F.sigmoid_focal_loss)
    assert [(p.name, p.default) for p in sig.parameters.values()] == [
        ("inputs", inspect.Parameter.empty), ("targets", inspect.Parameter.empty),
        ("alpha", 0.25), ("gamma", 2), ("reduction", "none")]
    x, t = np.array([0.3, -2.0]), np.array([1.0, 0.0])
    assert F.sigmoid_focal_loss(x, t).shape == (2,)


# ---- shapes and broadcasting -----------------------------------------------------------------

@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_losses_broadcast_with_torchs_warning(name, rng):
    x, t = rng.standard_normal((3, 1)), rng.standard_normal((3, 4))
    with pytest.warns(UserWarning, match="different to the input size"):
        y = getattr(F, name)(x, t, reduction="none")
    assert y.shape == (3, 4)
    np.testing.assert_allclose(y, getattr(F, name)(np.broadcast_to(x, (3, 4)), t,
                                                   reduction="none"), rtol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = getattr(F, name + "_backward")(1.0, x, t, reduction="sum")
        gt = getattr(F, name + "_backward")(1.0, t, x, reduction="sum")
    full = getattr(F, name + "_backward")(1.0, np.broadcast_to(x, (3, 4)).copy(), t,
                                          reduction="sum")
    assert g.shape == (3, 1) and gt.shape == (3, 4)
    np.testing.assert_allclose(g, full.sum(axis=1, keepdims=True), rtol=1e-14)


def test_weighted_means_follow_torch():
    x, t, w = np.ones((3, 1)), np.zeros((3, 4)), np.array([[1.0], [2.0], [3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # mse/l1: sum(w loss) / sum(w) with w in the input's shape; huber: the plain mean
        assert F.mse_loss(x, t, weight=w) == pytest.approx(24.0 / 6.0)
        assert F.l1_loss(x, t, weight=w) == pytest.approx(24.0 / 6.0)
        assert F.huber_loss(x, t, weight=w) == pytest.approx(0.5 * 24.0 / 12.0)
        np.testing.assert_allclose(F.mse_loss_backward(1.0, x, t, weight=w),
                                   2 * 4 * w / 6.0, rtol=1e-15)
    # BCE's weight does not change its mean's divisor
    p = np.full((2, 3), 0.5)
    assert F.binary_cross_entropy(p, p * 0 + 1, weight=np.full(3, 2.0)) == \
        pytest.approx(2 * math.log(2))


def test_pos_weight_and_weight_broadcast_along_last_dims(rng):
    x, t = rng.standard_normal((4, 3)), rng.random((4, 3))
    pw, w = np.array([1.0, 2.0, 3.0]), np.array([[0.5], [1.0], [1.5], [2.0]])
    y = F.binary_cross_entropy_with_logits(x, t, w, reduction="none", pos_weight=pw)
    np.testing.assert_allclose(y, R.bce_logits_terms(x, t, w, pw), rtol=1e-14)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3,\)"):
        F.binary_cross_entropy_with_logits(x[0], t[0], pos_weight=np.ones((2, 3)))


def test_gaussian_var_shapes(rng):
    x, t = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    for v, vb in [(rng.random((4, 3)) + .1, None), (rng.random(4) + .1, "row"),
                  (rng.random((4, 1)) + .1, None), (rng.random((1, 3)) + .1, None), (0.7, None)]:
        y = F.gaussian_nll_loss(x, t, v, reduction="none")
        vv = np.asarray(v)[:, None] if vb == "row" else np.asarray(v)
        np.testing.assert_allclose(y, R.gaussian_nll_terms(x, t, np.broadcast_to(vv, x.shape)),
                                   rtol=1e-14)
        gx, gv = F.gaussian_nll_loss_backward(np.ones(x.shape), x, t, v, reduction="none")
        assert gv.shape == np.shape(v) and gx.shape == x.shape
        full = R.gaussian_nll_grad_var(x, t, np.broadcast_to(vv, x.shape))
        np.testing.assert_allclose(gv, sum_to(full, np.shape(vv)).reshape(np.shape(v)),
                                   rtol=1e-13)
    for bad in (np.ones(3), np.ones((1, 1)), np.ones((2, 3)), np.ones((4, 3, 1))):
        with pytest.raises(ValueError, match="var is of incorrect size"):
            F.gaussian_nll_loss(x, t, bad)
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(x, t, np.array(1.0))  # 0-d var only for a 1-d input, as torch
    assert F.gaussian_nll_loss(x[0], t[0], np.array(1.0), reduction="none").shape == (3,)


def test_margin_ranking_broadcast_and_dims(rng):
    x1, x2, t = rng.standard_normal((3, 1)), rng.standard_normal((1, 4)), np.ones((3, 4))
    y = F.margin_ranking_loss(x1, x2, t, reduction="none")
    assert y.shape == (3, 4)
    g1, g2 = F.margin_ranking_loss_backward(1.0, x1, x2, t, reduction="sum")
    assert g1.shape == (3, 1) and g2.shape == (1, 4)
    with pytest.raises(ValueError, match=r"input1 \(3,\).*input2 \(1, 3\).*target \(3,\)"):
        F.margin_ranking_loss(np.ones(3), np.ones((1, 3)), np.ones(3))


def test_multilabel_shapes(rng):
    x, t = rng.standard_normal((2, 3, 5)), (rng.random((2, 3, 5)) > 0.5) * 1.0
    y = F.multilabel_soft_margin_loss(x, t, reduction="none")
    assert y.shape == (2, 3)
    np.testing.assert_allclose(y, R.multilabel_soft_margin_rows(x, t), rtol=1e-14)
    y1 = F.multilabel_soft_margin_loss(x[0, 0], t[0, 0], reduction="none")
    assert isinstance(y1, np.ndarray) and y1.shape == ()
    # a (C,) target and a full-shape weight broadcast; C = 0 gives NaN rows, as torch
    w = rng.random((2, 3, 5))
    np.testing.assert_allclose(F.multilabel_soft_margin_loss(x, t[0, 0], w, reduction="none"),
                               R.multilabel_soft_margin_rows(x, t[0, 0], w), rtol=1e-14)
    assert np.isnan(F.multilabel_soft_margin_loss(np.zeros((3, 0)), np.zeros((3, 0)),
                                                  reduction="none")).all()


def test_soft_margin_target_broadcasts_to_input_only(rng):
    x = rng.standard_normal((3, 4))
    assert F.soft_margin_loss(x, np.ones((3, 1)), reduction="none").shape == (3, 4)
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(3, 1\)"):
        F.soft_margin_loss(x[:, :1], np.ones((3, 4)))


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_empty_batch(case, dtype, rng):
    args, kw = make(case, dtype, rng, shape=(0, 5))
    y = call(case, args, kw, "none")
    assert y.shape == case.terms(args, rparams(kw, dtype)).shape and y.dtype == dtype
    assert call(case, args, kw, "sum") == 0 and call(case, args, kw, "sum").dtype == dtype
    assert np.isnan(call(case, args, kw, "mean"))
    for g, i in zip(call_bwd(case, 1.0, args, kw, "mean"), case.learned):
        assert g.shape == np.shape(args[i])


@pytest.mark.parametrize("n", [1, 3, 4, 5, 8, 9, 17, 4095, 4096, 4097, 8193])
def test_sizes_around_vector_width_and_chunk(n, dtype, rng):
    x, t = rng.standard_normal(n).astype(dtype), rng.random(n).astype(dtype)
    for fn, ref in ((F.mse_loss, R.mse_terms), (F.binary_cross_entropy_with_logits,
                                                R.bce_logits_terms)):
        terms = ref(x, t)
        check_array(fn(x, t, reduction="none"), terms, np.abs(terms), dtype, *tol_for(dtype),
                    f"{fn.__name__} n={n}")
        check_value(fn(x, t, reduction="sum"), float(np.sum(terms)), float(np.sum(np.abs(terms))),
                    dtype, *tol_for(dtype), f"{fn.__name__} sum n={n}")


# ---- dtypes ----------------------------------------------------------------------------------

def test_dtypes_promote(rng):
    x32 = rng.standard_normal(10).astype(np.float32)
    t32 = rng.standard_normal(10).astype(np.float32)
    assert F.mse_loss(x32, t32).dtype == F32
    assert F.mse_loss(x32, t32.astype(np.float64)).dtype == F64          # np.result_type
    assert F.mse_loss(x32, t32, reduction="none").dtype == F32
    g = F.mse_loss_backward(1.0, x32, t32.astype(np.float64))
    assert g.dtype == F32                                                 # input's own dtype
    xi = np.arange(10)
    assert F.mse_loss(xi, xi * 2).dtype == F64                            # ints: float64
    assert F.l1_loss([1, 2], [0.5, 0.5]) == pytest.approx(1.0)            # array-likes
    y16 = F.smooth_l1_loss(x32.astype(np.float16), t32.astype(np.float16), reduction="none")
    assert y16.dtype == F16
    np.testing.assert_array_equal(
        y16, F.smooth_l1_loss(x32.astype(np.float16).astype(np.float32),
                              t32.astype(np.float16).astype(np.float32),
                              reduction="none").astype(np.float16))
    assert F.binary_cross_entropy_with_logits(x32.astype(np.float16), np.ones(10, np.float16)
                                              ).dtype == F16
    assert F.gaussian_nll_loss(x32, t32, 0.5).dtype == F32                # weak scalar var


@pytest.mark.parametrize("bad", [np.ones(3, complex), np.array(["a", "b", "c"]),
                                 np.array([object(), 1, 2], dtype=object)])
def test_wrong_types_raise_type_error(bad):
    with pytest.raises(TypeError):
        F.mse_loss(bad, np.ones(3))
    with pytest.raises(TypeError):
        F.binary_cross_entropy_with_logits(np.ones(3), bad)
    with pytest.raises(TypeError, match="beta"):
        F.smooth_l1_loss(np.ones(3), np.ones(3), beta="1")
    with pytest.raises(TypeError, match="log_target"):
        F.kl_div(np.ones(3), np.ones(3), log_target="yes")


# ---- errors ----------------------------------------------------------------------------------

ONE3, ONE4 = np.full(3, 0.5), np.full(4, 0.5)
ERRORS = [
    (lambda: F.mse_loss(ONE3, ONE4), r"input \(3,\).*target \(4,\)"),
    (lambda: F.mse_loss(ONE3, ONE3, weight=np.ones(1)), r"weight \(1,\), input \(3,\)"),
    (lambda: F.l1_loss(ONE3, ONE3, reduction="avg"), "reduction must be one of"),
    (lambda: F.kl_div(ONE3, ONE3, reduction="batch"), "reduction must be one of"),
    (lambda: F.mse_loss(ONE3, ONE3, reduction="batchmean"), "reduction must be one of"),
    (lambda: F.smooth_l1_loss(ONE3, ONE3, beta=-1.0), "beta must be >= 0"),
    (lambda: F.huber_loss(ONE3, ONE3, delta=0.0), "delta must be > 0"),
    (lambda: F.huber_loss(ONE3, ONE3, delta=-1.0), "delta must be > 0"),
    (lambda: F.binary_cross_entropy(np.array([0.5, 1.5]), np.ones(2)), "elements of input"),
    (lambda: F.binary_cross_entropy(np.array([0.5, np.nan]), np.ones(2)), "elements of input"),
    (lambda: F.binary_cross_entropy(np.array([0.5, -0.1]), np.ones(2)), "elements of input"),
    (lambda: F.binary_cross_entropy(ONE3, np.array([0.0, 2.0, 1.0])), "elements of target"),
    (lambda: F.binary_cross_entropy(ONE3, ONE4), r"target size \(4,\).*input size \(3,\)"),
    (lambda: F.binary_cross_entropy(ONE3, ONE3, weight=np.ones(2)), r"weight of shape \(2,\)"),
    (lambda: F.binary_cross_entropy_with_logits(ONE3, ONE4), r"\(4,\).*\(3,\)"),
    (lambda: F.gaussian_nll_loss(ONE3, ONE3, np.array([1.0, -1.0, 1.0])), "negative"),
    (lambda: F.gaussian_nll_loss(ONE3, ONE3, -1.0), "negative"),
    (lambda: F.gaussian_nll_loss(ONE3, ONE4, ONE3), r"input \(3,\).*target \(4,\)"),
    (lambda: F.poisson_nll_loss(ONE3, ONE4), r"input \(3,\).*target \(4,\)"),
    (lambda: F.hinge_embedding_loss(ONE3, ONE4), r"input \(3,\).*target \(4,\)"),
    (lambda: F.multilabel_soft_margin_loss(np.array(1.0), np.array(1.0)), "0-d input"),
    (lambda: F.multilabel_soft_margin_loss(np.ones((2, 3)), np.ones((2, 4))), r"\(2, 4\)"),
    (lambda: F.sigmoid_focal_loss(ONE3, ONE3, alpha=1.5), "Invalid alpha"),
    (lambda: F.sigmoid_focal_loss(ONE3, ONE4), r"\(4,\).*\(3,\)"),
    (lambda: F.sigmoid_focal_loss(ONE3, ONE3, reduction="avg"), "reduction must be one of"),
    (lambda: F.mse_loss_backward(np.ones(4), ONE3, ONE3, reduction="none"),
     r"grad_output has shape \(4,\), expected \(3,\)"),
    (lambda: F.mse_loss_backward(np.ones(3), ONE3, ONE3), "grad_output must be a scalar"),
    (lambda: F.binary_cross_entropy_with_logits_with_grad(ONE3, ONE3, grad_output=np.ones(3)),
     "grad_output must be a scalar"),
]


@pytest.mark.parametrize("fn, match", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors(fn, match):
    with pytest.raises(ValueError, match=match):
        fn()


def test_deprecated_arguments_are_not_taken():
    for name in ("mse_loss", "l1_loss", "smooth_l1_loss", "binary_cross_entropy", "kl_div",
                 "poisson_nll_loss", "margin_ranking_loss", "soft_margin_loss"):
        params = inspect.signature(getattr(F, name)).parameters
        assert "size_average" not in params and "reduce" not in params


# ---- inputs, threads, ISA levels -------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_inputs_not_modified(case, rng):
    args, kw = make(case, F32, rng)
    before = [np.array(a, copy=True) for a in args] + [np.array(v, copy=True)
                                                       for v in kw.values()]
    for red in REDUCTIONS:
        y = call(case, args, kw, red)
        go = grad_output_for(rng, red, np.shape(y), F32)
        call_bwd(case, go, args, kw, red)
    after = list(args) + list(kw.values())
    for b, a in zip(before, after):
        np.testing.assert_array_equal(np.asarray(a), b)


def test_layouts_match_contiguous(dtype, rng):
    """Transposed, sliced, negatively strided and read-only inputs give the contiguous result."""
    x = rng.standard_normal((40, 30)).astype(dtype)
    t = rng.random((40, 30)).astype(dtype)
    w = rng.random(30).astype(dtype)
    ro = t.copy()
    ro.flags.writeable = False
    for xx, tt in ((x.T, t.T), (x[::2, ::-3], t[::2, ::-3]), (x, ro), (np.asfortranarray(x), t)):
        for fn, kw in ((F.mse_loss, {}), (F.binary_cross_entropy_with_logits, {}),
                       (F.multilabel_soft_margin_loss, {})):
            if fn is F.multilabel_soft_margin_loss and xx.shape[-1] == 30:
                kw = {"weight": w}
            for red in REDUCTIONS:
                got = fn(xx, tt, reduction=red, **kw)
                want = fn(np.ascontiguousarray(xx), np.ascontiguousarray(tt), reduction=red, **kw)
                assert bits_equal(got, want), (fn.__name__, red)
            g = getattr(F, fn.__name__ + "_backward")(0.5, xx, tt, reduction="mean", **kw)
            assert g.shape == xx.shape
            assert bits_equal(g, getattr(F, fn.__name__ + "_backward")(
                0.5, np.ascontiguousarray(xx), np.ascontiguousarray(tt), reduction="mean", **kw))


@pytest.mark.parametrize("n", [7, 5000, BIG])
def test_common_call_matches_general_path(dtype, rng, n):
    """Plain arrays of one dtype and shape, "mean"/"sum" (kl_div: "batchmean") and a float
    grad_output take one C call (Kernels.common): the same bits, types and shapes as the
    general path, which a strided view of the same values takes; on 1 and 2 threads."""
    x = rng.standard_normal(n).astype(dtype)
    signs = np.where(rng.random(n) < 0.5, -1.0, 1.0).astype(dtype)
    probs = (rng.random(n) * 0.98 + 0.01).astype(dtype)
    regression = [(F.mse_loss, {}), (F.l1_loss, {}), (F.smooth_l1_loss, {"beta": 0.5}),
                  (F.smooth_l1_loss, {"beta": 1e-300}),   # tiny_beta (float64)
                  (F.smooth_l1_loss, {"beta": 1e-46}),    # rounds to 0 in float32
                  (F.huber_loss, {"delta": 0.7})]
    calls = [(fn, x, x[::-1].copy(), kw) for fn, kw in regression] + [
        (F.binary_cross_entropy_with_logits, x, probs, {}), (F.soft_margin_loss, x, signs, {}),
        (F.kl_div, x, probs, {}), (F.kl_div, x, np.log(probs), {"log_target": True}),
        # "batchmean" divides by the first dimension's length: 1 here, the sum's
        (F.kl_div, x.reshape(1, -1), probs.reshape(1, -1), {}),
        # the common call of binary_cross_entropy also checks both operands lie in [0, 1]
        (F.binary_cross_entropy, probs[::-1].copy(), probs, {}),
        (F.hinge_embedding_loss, x, signs, {"margin": 0.7}),
        (F.sigmoid_focal_loss, x, probs, {}),
        (F.sigmoid_focal_loss, x, probs, {"alpha": -1, "gamma": 1.5})] + [
        (F.poisson_nll_loss, x if log_input else probs[::-1].copy(), probs * 3,
         {"log_input": log_input, "full": full, "eps": 1e-3})
        for log_input in (True, False) for full in (False, True)]

    def strided(a):
        return np.repeat(a, 2, axis=-1)[..., ::2]

    try:
        for threads in (1, 2):
            F.set_num_threads(threads)
            for fn, x, t, kw in calls:
                # reduction "none": the forward's per-element array is also one C call
                got, want = fn(x, t, reduction="none", **kw), fn(strided(x), t, reduction="none",
                                                                  **kw)
                assert got.dtype == x.dtype and got.shape == x.shape, (fn.__name__, kw)
                assert bits_equal(got, want), (fn.__name__, kw, threads)
                for red in ("mean", "sum") + (("batchmean",) if fn is F.kl_div else ()):
                    what = (fn.__name__, kw, red, threads)
                    got, want = fn(x, t, reduction=red, **kw), fn(strided(x), t,
                                                                 reduction=red, **kw)
                    assert type(got) is type(want) and type(got) is np.dtype(dtype).type, what
                    assert bits_equal(got, want), what
                    back = getattr(F, fn.__name__ + "_backward")
                    want = back(-0.75, strided(x), t, reduction=red, **kw)
                    for go in (-0.75, np.float32(-0.75), np.array(-0.75, dtype)):
                        g = back(go, x, t, reduction=red, **kw)
                        assert g.dtype == x.dtype and g.shape == x.shape, what
                        assert bits_equal(g, want), what
                    fused = getattr(F, fn.__name__ + "_with_grad", None)
                    if fused is not None:  # the fused loop through the common call too
                        got = fused(x, t, reduction=red, grad_output=-0.75, **kw)
                        want = fused(strided(x), t, reduction=red, grad_output=-0.75, **kw)
                        assert type(got[0]) is type(want[0]) and bits_equal(got[0], want[0]), what
                        assert got[1].dtype == x.dtype and bits_equal(got[1], want[1]), what
    finally:
        F.set_num_threads(None)


@pytest.mark.parametrize("bad", [-1e-7, 1.0000001, np.nan, -np.inf])
@pytest.mark.parametrize("where", [0, -1])
def test_bce_common_call_rejects_values_outside_unit_interval(dtype, bad, where):
    """The C common call of binary_cross_entropy scans both operands: a value outside [0, 1]
    (or NaN) anywhere, in input or target, still raises the general path's ValueError."""
    p = np.linspace(0.0, 1.0, 4099).astype(dtype)
    for name in ("input", "target"):
        x, t = p.copy(), p[::-1].copy()
        (x if name == "input" else t)[where] = bad
        if (x if name == "input" else t)[where] == p[where] and not np.isnan(bad):
            continue  # the value rounds into [0, 1] in this dtype
        for call in (lambda: F.binary_cross_entropy(x, t),
                     lambda: F.binary_cross_entropy(x, t, reduction="sum"),
                     lambda: F.binary_cross_entropy_backward(1.0, x, t)):
            with pytest.raises(ValueError, match=f"elements of {name} should be between 0 and 1"):
                call()


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_threads_bit_identical(case, dtype, rng):
    args, kw = make(case, dtype, rng, shape=(BIG // 61, 61))
    res = {}
    try:
        for n in (1, 2):
            F.set_num_threads(n)
            out = [call(case, args, kw, red) for red in REDUCTIONS]
            go = grad_output_for(np.random.default_rng(1), "none", np.shape(out[0]), dtype)
            out += list(call_bwd(case, go, args, kw, "none"))
            out += list(call_bwd(case, 0.5, args, kw, "mean"))
            res[n] = out
    finally:
        F.set_num_threads(None)
    for a, b in zip(res[1], res[2]):
        assert bits_equal(a, b), case.id


@pytest.mark.parametrize("name, kw, weighted", [
    (name, kw, weighted) for name, kw in [
        ("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}),
        ("smooth_l1_loss", {"beta": 0.0}), ("smooth_l1_loss", {"beta": 1e-300}),
        ("huber_loss", {"delta": 0.7}), ("binary_cross_entropy", {})]
    for weighted in ((False,) if name == "smooth_l1_loss" else (False, True))])  # no weight
def test_fused_regression_and_bce_equal_separate_calls(name, kw, weighted, dtype, rng):
    """<name>_with_grad: the loss bit for bit the forward's and the gradient the backward's,
    for every reduction, with and without an elementwise weight, on one and two threads (the
    big shape is split), and with a target that broadcasts (regression losses)."""
    probs = name == "binary_cross_entropy"
    x = (rng.random((300, 70)) if probs else rng.standard_normal((300, 70))).astype(dtype)
    targets = [rng.random((300, 70)).astype(dtype)]
    if not probs:
        targets.append(rng.standard_normal(70).astype(dtype))  # broadcast (torch warns)
    if weighted:
        kw = dict(kw, weight=rng.random((300, 70)).astype(dtype))
    fused, fwd = getattr(F, name + "_with_grad"), getattr(F, name)
    back = getattr(F, name + "_backward")
    try:
        for threads in (1, 2):
            F.set_num_threads(threads)
            for t in targets:
                for red in REDUCTIONS:
                    go = rng.standard_normal(x.shape).astype(dtype) if red == "none" else 0.7
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", UserWarning)  # the broadcast target
                        loss, g = fused(x, t, reduction=red, grad_output=go, **kw)
                        want_loss = fwd(x, t, reduction=red, **kw)
                        want_g = back(go, x, t, reduction=red, **kw)
                    what = (name, kw.keys(), red, threads, t.shape)
                    assert type(loss) is type(want_loss) and bits_equal(loss, want_loss), what
                    assert g.dtype == x.dtype and g.shape == x.shape, what
                    assert bits_equal(g, want_g), what
    finally:
        F.set_num_threads(None)


def test_fused_bce_with_logits_equals_separate_calls(dtype, rng):
    x, t = rng.standard_normal((300, 70)).astype(dtype), rng.random((300, 70)).astype(dtype)
    w, pw = rng.random(70).astype(dtype), rng.random(70).astype(dtype) * 3
    for kw in ({}, {"pos_weight": pw}, {"weight": w, "pos_weight": pw}):
        for red in REDUCTIONS:
            go = rng.standard_normal(x.shape).astype(dtype) if red == "none" else 0.7
            loss, g = F.binary_cross_entropy_with_logits_with_grad(x, t, reduction=red,
                                                                   grad_output=go, **kw)
            assert bits_equal(g, F.binary_cross_entropy_with_logits_backward(
                go, x, t, reduction=red, **kw))
            sep = F.binary_cross_entropy_with_logits(x, t, reduction=red, **kw)
            if red == "none":
                assert bits_equal(loss, sep)
            else:
                assert type(loss) is type(sep)
                assert abs(float(loss) - float(sep)) <= 4 * eps(dtype) * abs(float(sep))
    loss, g = F.binary_cross_entropy_with_logits_with_grad(x, t, reduction="none", grad_output=2.0)
    assert bits_equal(g, F.binary_cross_entropy_with_logits_backward(
        np.full(x.shape, 2.0, dtype), x, t, reduction="none"))


@pytest.mark.parametrize("isa", _dispatch.SUPPORTED)
def test_every_isa_level(isa, dtype, rng, monkeypatch):
    module = _dispatch.kernels("_pointwise_loss", isa)
    monkeypatch.setattr(PL, "_kernels", lambda: module)
    for case in CASES:
        args, kw = make(case, dtype, rng, shape=(3, 45))
        kwr = rparams(kw, dtype)
        rel, ab = tol_for(dtype)
        check_array(call(case, args, kw, "none"), case.terms(args, kwr), case.mag(args, kwr),
                    dtype, rel, ab, f"{case.id} {isa}")
        got = call_bwd(case, 1.0, args, kw, "sum")
        for g, ref_g, gm, i in zip(got, case.grads(args, kwr), case.gmag(args, kwr),
                                   case.learned):
            check_array(g, sum_to(ref_g, np.shape(args[i])), sum_to(np.abs(gm), np.shape(args[i])),
                        dtype, rel, ab_summed(ab, np.shape(args[i]), ref_g.shape),
                        f"{case.id} grad {isa}")


# ---- accuracy of large reductions, numerical derivatives ---------------------------------------

def test_float32_mean_of_1e7_terms_is_accurate():
    rng = np.random.default_rng(7)
    n = 10 ** 7
    x = rng.standard_normal(n, dtype=np.float32)
    t = rng.standard_normal(n, dtype=np.float32)
    d = x.astype(np.float64) - t.astype(np.float64)
    ref = float(np.sum(d * d)) / n
    got = F.mse_loss(x, t)
    assert got.dtype == F32
    # the kernel's double sum, before the final rounding to float32
    s = PL._kernels().fwd(1, PL._TERM["mse"], 0, 0, 0, 0, x, t, None, None, None, 0, 0, 0,
                          F.get_num_threads())
    assert abs(s / n - ref) <= 1e-12 * ref, (s / n, ref)
    assert abs(float(got) - ref) <= 0.5 * eps(F32) * ref
    # a transcendental term too: per-term errors of ~1e-13 average out
    xb = x[:10 ** 6] * 3
    tb = (t[:10 ** 6] > 0).astype(np.float32)
    refb = float(np.sum(R.bce_logits_terms(xb, tb))) / 10 ** 6
    sb = PL._kernels().fwd(1, PL._TERM["bce_logits"], 0, 0, 0, 0, xb, tb, None, None, None,
                           0, 0, 0, 1)
    assert abs(sb / 10 ** 6 - refb) <= 1e-12 * refb, (sb / 10 ** 6, refb)


def _numerical(fn, x, h=1e-5):
    """4th-order central differences of a scalar function, elementwise."""
    g = np.empty_like(x)
    for i in range(x.size):
        def at(d):
            xx = x.copy()
            xx.flat[i] += d
            return float(fn(xx))
        g.flat[i] = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h)
    return g


@pytest.mark.parametrize("name, make_args, kw", [
    ("smooth_l1_loss", lambda r: (r.standard_normal(12), r.standard_normal(12)), {"beta": 0.5}),
    ("binary_cross_entropy", lambda r: (r.uniform(0.05, 0.95, 12), r.random(12)), {}),
    ("binary_cross_entropy_with_logits", lambda r: (r.standard_normal(12) * 3, r.random(12)),
     {"pos_weight": np.linspace(0.5, 2, 12)}),
    ("kl_div", lambda r: (np.log(r.uniform(0.1, 1, 12)), r.random(12)), {}),
    ("poisson_nll_loss", lambda r: (r.uniform(0.5, 3, 12), r.poisson(2, 12) * 1.0),
     {"log_input": False, "full": True}),
    ("soft_margin_loss", lambda r: (r.standard_normal(12) * 2, r.choice([-1.0, 1.0], 12)), {}),
    ("multilabel_soft_margin_loss", lambda r: (r.standard_normal((3, 4)), r.random((3, 4))),
     {"weight": np.array([0.5, 1.0, 1.5, 2.0])}),
    ("sigmoid_focal_loss", lambda r: (r.standard_normal(12) * 2, r.random(12)),
     {"alpha": 0.3, "gamma": 1.5}),
])
def test_gradient_matches_central_differences(name, make_args, kw, rng):
    x, t = make_args(rng)
    fn = getattr(F, name)
    num = _numerical(lambda xx: fn(xx, t, reduction="sum", **kw), x)
    g = getattr(F, name + "_backward")(1.0, x, t, reduction="sum", **kw)
    np.testing.assert_allclose(g, num, rtol=1e-7, atol=1e-8)


def test_gaussian_and_margin_ranking_second_gradient_central_differences(rng):
    x, t, v = rng.standard_normal(8), rng.standard_normal(8), rng.uniform(0.5, 2, 8)
    num = _numerical(lambda vv: F.gaussian_nll_loss(x, t, vv, full=True, reduction="sum"), v)
    np.testing.assert_allclose(F.gaussian_nll_loss_backward(1.0, x, t, v, True)[1] * 8, num,
                               rtol=1e-7)
    x1, x2, tt = rng.standard_normal(8), rng.standard_normal(8), rng.choice([-1.0, 1.0], 8)
    num = _numerical(lambda xx: F.margin_ranking_loss(x1, xx, tt, 0.1, reduction="sum"), x2)
    np.testing.assert_allclose(F.margin_ranking_loss_backward(1.0, x1, x2, tt, 0.1,
                                                              reduction="sum")[1], num, atol=1e-8)


# ---- API surface -----------------------------------------------------------------------------

TORCH_POSITIONAL = {  # torch's parameters before size_average/reduce (all of them if none)
    "mse_loss": ("input", "target"), "l1_loss": ("input", "target"),
    "smooth_l1_loss": ("input", "target"),
    "huber_loss": ("input", "target", "reduction", "delta", "weight"),
    "binary_cross_entropy": ("input", "target", "weight"),
    "binary_cross_entropy_with_logits": ("input", "target", "weight"),
    "kl_div": ("input", "target"),
    "gaussian_nll_loss": ("input", "target", "var", "full", "eps", "reduction"),
    "poisson_nll_loss": ("input", "target", "log_input", "full"),
    "margin_ranking_loss": ("input1", "input2", "target", "margin"),
    "hinge_embedding_loss": ("input", "target", "margin"),
    "soft_margin_loss": ("input", "target"),
    "multilabel_soft_margin_loss": ("input", "target", "weight"),
}


@pytest.mark.parametrize("name", sorted(TORCH_POSITIONAL))
def test_signature_matches_torch(name):
    params = list(inspect.signature(getattr(F, name)).parameters.values())
    pos = [p.name for p in params if p.kind == p.POSITIONAL_OR_KEYWORD]
    assert tuple(pos) == TORCH_POSITIONAL[name]
    bparams = list(inspect.signature(getattr(F, name + "_backward")).parameters.values())
    assert bparams[0].name == "grad_output"
    assert [(p.name, p.default, p.kind) for p in bparams[1:len(params) + 1]] == \
        [(p.name, p.default, p.kind) for p in params]
    # options of the backward alone (kl_div's target_requires_grad) come last, keyword-only
    assert all(p.kind == p.KEYWORD_ONLY for p in bparams[len(params) + 1:])
    torch = pytest.importorskip("torch")
    tsig = inspect.signature(getattr(torch.nn.functional, name)).parameters
    for p in params:  # every name and default is torch's
        assert p.name in tsig and tsig[p.name].default == p.default, (name, p.name)


def test_public_names_and_docstrings():
    for row in _ops.POINTWISE_LOSSES:
        assert row.api in PL.__all__ and row.api + "_backward" in PL.__all__
    for name in PL.__all__:
        assert name in F.__all__ and getattr(F, name) is getattr(PL, name)
        doc = getattr(F, name).__doc__
        assert doc and "Returns" in doc, name
    assert "binary_cross_entropy_with_logits_with_grad" in F.__all__
    for row in _ops.POINTWISE_LOSSES:  # every row has its kernels for every dtype
        assert row.name in _dispatch.kernels("_pointwise_loss").TERMS
