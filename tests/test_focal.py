"""binary_focal_loss, softmax_focal_loss, poly1_cross_entropy and poly_cross_entropy: against
the float64 reference (tests/reference_focal.py), finite differences, torch's autograd over the
formulas users write, and optax's PolyLoss formula in JAX; reductions, dtypes, shapes, errors."""
import copy

import numpy as np
import pytest

import actloss as F
from actloss import nn

import reference_focal as R

REDUCTIONS = ("none", "mean", "sum")
RTOL = {np.dtype(np.float32): 2e-6, np.dtype(np.float64): 1e-12}
GRTOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-11}


def _close(got, want, dtype, rtol=None, atol=0.0):
    rtol = RTOL[np.dtype(dtype)] if rtol is None else rtol
    np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=rtol,
                               atol=atol + rtol * 1e-3 * (np.max(np.abs(want)) if np.size(want)
                                                          else 0))


def _g(reduction, shape, rng):
    return rng.standard_normal(shape) if reduction == "none" else 0.7


def _seeded(g, reduction, loss_shape, count):
    """grad_output as the per-element factor of a reduced loss."""
    if reduction == "none":
        return g
    if reduction == "mean":
        return np.full(loss_shape, g / count if count else np.nan)
    return np.full(loss_shape, g)


# ---- binary_focal_loss -----------------------------------------------------------------------

BINARY_CASES = [
    dict(), dict(alpha=0.6, gamma=0.0), dict(gamma=0.5), dict(alpha=1.0, gamma=1.0),
    dict(alpha=0.3, gamma=3.7), dict(gamma=2),
]


@pytest.mark.parametrize("kw", BINARY_CASES, ids=str)
@pytest.mark.parametrize("shape", [(0,), (1,), (17,), (4, 5), (2, 3, 33)], ids=str)
def test_binary_focal_matches_reference(kw, shape, dtype, rng):
    x = (3 * rng.standard_normal(shape)).astype(dtype)
    t = rng.uniform(0, 1, shape).astype(dtype)           # soft labels
    t[..., ::3] = np.round(t[..., ::3])                  # and hard ones
    saved = x.copy(), t.copy()
    want = R.binary_focal(x, t, **{"alpha": 0.25, "gamma": 2.0, **kw})
    gwant = R.binary_focal_grad(x, t, **{"alpha": 0.25, "gamma": 2.0, **kw})
    for reduction in REDUCTIONS:
        got = F.binary_focal_loss(x, t, reduction=reduction, **kw)
        assert got.dtype == dtype
        if reduction == "none":
            assert got.shape == shape
        _close(got, R.reduce(want, want.size, reduction), dtype)
        g = _g(reduction, shape, rng)
        grad = F.binary_focal_loss_backward(g, x, t, reduction=reduction, **kw)
        assert grad.dtype == dtype and grad.shape == shape
        _close(grad, gwant * _seeded(g, reduction, shape, x.size), dtype, GRTOL[np.dtype(dtype)])
        loss2, grad2 = F.binary_focal_loss_with_grad(x, t, reduction=reduction, grad_output=g,
                                                     **kw)
        np.testing.assert_array_equal(loss2, got)
        np.testing.assert_array_equal(grad2, grad)
    np.testing.assert_array_equal(x, saved[0])
    np.testing.assert_array_equal(t, saved[1])


def test_binary_focal_weight_and_finite_differences(rng):
    x = rng.standard_normal((3, 4)) * 2
    t = rng.uniform(0, 1, (3, 4))
    w = rng.uniform(0.5, 2, 4)                 # broadcast along the rows
    kw = dict(alpha=0.4, gamma=1.5, weight=w)
    for reduction in REDUCTIONS:
        want = R.reduce(R.binary_focal(x, t, 0.4, 1.5, w), x.size, reduction)
        _close(F.binary_focal_loss(x, t, reduction=reduction, **kw), want, np.float64)
    num = R.numerical_grad(lambda v: R.binary_focal(v, t, 0.4, 1.5, w).sum(), x)
    np.testing.assert_allclose(F.binary_focal_loss_backward(1.0, x, t, reduction="sum", **kw),
                               num, rtol=1e-8, atol=1e-11)


def test_binary_focal_is_the_other_definitions_where_they_agree(rng):
    x = rng.standard_normal(50) * 3
    t01 = (rng.random(50) < 0.4).astype(np.float64)
    # gamma = 0: alpha times binary_cross_entropy_with_logits
    np.testing.assert_allclose(F.binary_focal_loss(x, t01, alpha=0.3, gamma=0.0),
                               0.3 * F.binary_cross_entropy_with_logits(x, t01), rtol=1e-14)
    # hard labels: exp(-ce) is p_t, so alpha times torchvision's loss without alpha_t
    for gamma in (0.5, 2.0, 3.0):
        np.testing.assert_allclose(
            F.binary_focal_loss(x, t01, alpha=0.7, gamma=gamma, reduction="none"),
            0.7 * F.sigmoid_focal_loss(x, t01, alpha=-1, gamma=gamma), rtol=1e-12)


def test_binary_focal_special_values():
    x = np.array([np.inf, -np.inf, 1000.0, -1000.0, 40.0, np.nan, 0.0])
    t = np.array([1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.5])
    loss = F.binary_focal_loss(x, t, reduction="none")
    # x = +inf, t = 1: 0 inf in bce_with_logits' (1 - t) softplus(x) is NaN there too (as torch)
    assert np.isnan(F.binary_cross_entropy_with_logits(x[:1], t[:1])) == np.isnan(loss[0])
    assert loss[1] == np.inf
    np.testing.assert_allclose(loss[2], 0.25 * 1000.0, rtol=1e-15)
    assert loss[3] == 0
    ce = np.log1p(np.exp(-40.0))                      # tiny: the loss is ~ alpha ce^3
    np.testing.assert_allclose(loss[4], 0.25 * (-np.expm1(-ce)) ** 2 * ce, rtol=1e-13)
    assert loss[4] > 0
    assert np.isnan(loss[5])
    np.testing.assert_allclose(loss[6], R.binary_focal(0.0, 0.5), rtol=1e-14)
    g = F.binary_focal_loss_backward(np.ones(7), x, t, reduction="none")
    assert g[1] == -0.25                              # the limit: alpha (s - t)
    np.testing.assert_allclose(g[2], 0.25, rtol=1e-15)
    assert g[3] == 0 and np.isnan(g[5]) and g[4] < 0


def test_binary_focal_float16_and_integer_targets(rng):
    x = rng.standard_normal(10).astype(np.float16)
    t = (rng.random(10) < 0.5)
    got = F.binary_focal_loss(x, t.astype(np.int64), reduction="none")
    assert got.dtype == np.float16
    np.testing.assert_allclose(got, R.binary_focal(x, t), rtol=2e-3, atol=1e-4)


def test_binary_focal_torch_peer(rng):
    """The reference document's FocalLoss lines in torch (float64 autograd)."""
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((6, 7)) * 3
    t = rng.uniform(0, 1, (6, 7))
    for alpha, gamma in ((0.25, 2.0), (0.5, 0.7), (1.0, 3.0)):
        tx = torch.tensor(x, requires_grad=True)
        ce = torch.nn.functional.binary_cross_entropy_with_logits(tx, torch.tensor(t),
                                                                  reduction="none")
        loss = (alpha * (1 - torch.exp(-ce)) ** gamma * ce).mean()
        loss.backward()
        np.testing.assert_allclose(F.binary_focal_loss(x, t, alpha=alpha, gamma=gamma),
                                   loss.item(), rtol=1e-12)
        np.testing.assert_allclose(F.binary_focal_loss_backward(1.0, x, t, alpha=alpha,
                                                                gamma=gamma),
                                   tx.grad.numpy(), rtol=1e-9, atol=1e-15)


def test_binary_focal_errors():
    x = np.zeros(3)
    with pytest.raises(ValueError, match="gamma"):
        F.binary_focal_loss(x, x, gamma=-1.0)
    with pytest.raises(ValueError, match="same as input size"):
        F.binary_focal_loss(x, np.zeros(4))
    with pytest.raises(ValueError, match="reduction"):
        F.binary_focal_loss(x, x, reduction="avg")
    with pytest.raises(TypeError):
        F.binary_focal_loss(x.astype(complex), x)
    with pytest.raises(TypeError, match="alpha"):
        F.binary_focal_loss(x, x, alpha="0.25")
    with pytest.raises(ValueError, match="weight"):
        F.binary_focal_loss(x, x, weight=np.ones(4))
    with pytest.raises(ValueError, match="grad_output"):
        F.binary_focal_loss_backward(np.ones(4), x, x, reduction="none")


def test_sigmoid_focal_with_grad_is_forward_and_backward(dtype, rng):
    """torchvision's sigmoid_focal_loss (already matched to torchvision's formula in
    test_pointwise_losses) gets its fused call: bit for bit the two separate ones."""
    x = (3 * rng.standard_normal((5, 7))).astype(dtype)
    t = (rng.random((5, 7)) < 0.3).astype(dtype)
    for kw in (dict(), dict(alpha=-1, gamma=0.5), dict(alpha=0.6, gamma=0.0)):
        for reduction in REDUCTIONS:
            g = _g(reduction, x.shape, rng)
            loss, grad = F.sigmoid_focal_loss_with_grad(x, t, reduction=reduction,
                                                        grad_output=g, **kw)
            np.testing.assert_array_equal(loss, F.sigmoid_focal_loss(x, t, reduction=reduction,
                                                                     **kw))
            np.testing.assert_array_equal(grad, F.sigmoid_focal_loss_backward(
                g, x, t, reduction=reduction, **kw))
            assert grad.dtype == dtype


# ---- softmax_focal_loss -------------------------------------------------------------------------

def _class_case(rng, shape, dtype, kind, C):
    x = (2 * rng.standard_normal(shape)).astype(dtype)
    tshape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    if kind == "probs":
        t = rng.uniform(0, 1, shape).astype(dtype)
        t /= t.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)
        return x, t
    t = np.asarray(rng.integers(0, C, tshape))
    if kind == "ignore" and t.ndim:
        t.reshape(-1)[::3] = -100
    return x, t


SHAPES = [(5, 4), (3, 4, 2, 3), (4,), (0, 4), (16, 1)]
FOCAL_KW = [dict(), dict(gamma=0.0), dict(gamma=0.5), dict(gamma=3.0, alpha="vector"),
            dict(alpha=0.25), dict(label_smoothing=0.2, alpha="vector"),
            dict(label_smoothing=0.1, gamma=1.0)]


def _alpha(kw, C, rng, dtype):
    kw = dict(kw)
    if kw.get("alpha") == "vector":
        kw["alpha"] = rng.uniform(0.2, 2.0, C).astype(dtype)
    return kw


@pytest.mark.parametrize("kind", ["class", "ignore", "probs"])
@pytest.mark.parametrize("kw", FOCAL_KW, ids=str)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_softmax_focal_matches_reference(shape, kw, kind, dtype, rng):
    C = shape[1] if len(shape) > 1 else shape[0]
    kw = _alpha(kw, C, rng, dtype)
    x, t = _class_case(rng, shape, dtype, kind, C)
    saved = copy.deepcopy((x, t, kw))
    rkw = {"gamma": 2.0, **kw}
    want, count = R.softmax_focal(x, t, **rkw)
    x64 = x.astype(np.float64)

    def total(v):
        return R.softmax_focal(v, t, **rkw)[0].sum()

    num = R.numerical_grad(total, x64, h=1e-4) if x.size and x.size < 80 else None
    for reduction in REDUCTIONS:
        got = F.softmax_focal_loss(x, t, reduction=reduction, **kw)
        assert got.dtype == dtype
        _close(got, R.reduce(want, count, reduction), dtype)
        g = _g(reduction, want.shape, rng)
        grad = F.softmax_focal_loss_backward(g, x, t, reduction=reduction, **kw)
        assert grad.dtype == dtype and grad.shape == shape
        loss2, grad2 = F.softmax_focal_loss_with_grad(x, t, reduction=reduction, grad_output=g,
                                                      **kw)
        np.testing.assert_array_equal(loss2, got)
        np.testing.assert_array_equal(grad2, grad)
        if num is not None and reduction == "sum" and dtype == np.float64:
            np.testing.assert_allclose(grad / g, num, rtol=1e-7, atol=1e-9)
    for a, b in zip((x, t), saved[:2]):
        np.testing.assert_array_equal(a, b)


def test_softmax_focal_smooths_probabilities_as_cross_entropy(rng):
    x = rng.standard_normal((3, 4))
    # label smoothing of probability targets: cross_entropy's rule (mixes in the uniform)
    t = F.softmax(rng.standard_normal((3, 4)), 1)
    got = F.softmax_focal_loss(x, t, gamma=0.0, label_smoothing=0.2)
    np.testing.assert_allclose(got, F.cross_entropy(x, t, label_smoothing=0.2), rtol=1e-12)


def test_softmax_focal_gamma_zero_is_cross_entropy(rng):
    x = rng.standard_normal((7, 5, 3))
    t = rng.integers(0, 5, (7, 3))
    t[0, 0] = -100
    p = F.softmax(rng.standard_normal((7, 5, 3)), 1)
    for args in ((x, t), (x, p)):
        for ls in (0.0, 0.3):
            for reduction in REDUCTIONS:
                kw = dict(label_smoothing=ls, reduction=reduction)
                np.testing.assert_allclose(F.softmax_focal_loss(*args, gamma=0.0, **kw),
                                           F.cross_entropy(*args, **kw), rtol=1e-12, atol=1e-15)
                g = _g(reduction, F.cross_entropy(*args, reduction="none").shape,
                       np.random.default_rng(1))
                np.testing.assert_allclose(
                    F.softmax_focal_loss_backward(g, *args, gamma=0.0, **kw),
                    F.cross_entropy_backward(g, *args, **kw), rtol=1e-10, atol=1e-14)


def test_softmax_focal_torch_peer(rng):
    """-alpha_y (1 - p_y)^gamma log p_y in torch (log_softmax, gather), float64 autograd;
    ignored rows masked, 'mean' over the rows kept."""
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((9, 6)) * 2
    t = rng.integers(0, 6, 9)
    t[4] = -100
    alpha = rng.uniform(0.1, 1.0, 6)
    for gamma in (2.0, 0.5):
        tx = torch.tensor(x, requires_grad=True)
        tt = torch.tensor(t)
        keep = tt != -100
        safe = torch.where(keep, tt, 0)
        lp = torch.log_softmax(tx, 1).gather(1, safe[:, None])[:, 0]
        terms = -torch.tensor(alpha)[safe] * (1 - lp.exp()) ** gamma * lp
        loss = (terms * keep).sum() / keep.sum()
        loss.backward()
        np.testing.assert_allclose(F.softmax_focal_loss(x, t, alpha, gamma=gamma), loss.item(),
                                   rtol=1e-12)
        np.testing.assert_allclose(F.softmax_focal_loss_backward(1.0, x, t, alpha, gamma=gamma),
                                   tx.grad.numpy(), rtol=1e-9, atol=1e-15)


def test_softmax_focal_confident_rows_keep_their_tiny_loss():
    x = np.array([[40.0, 0.0, 0.0]])
    ce = np.log1p(2 * np.exp(-40.0))
    want = ce * (-np.expm1(-ce)) ** 2
    np.testing.assert_allclose(F.softmax_focal_loss(x, np.array([0])), want, rtol=1e-13)
    g = F.softmax_focal_loss_backward(1.0, x, np.array([0]))
    # the target's softmax - 1 rounds to 0 (as cross_entropy's gradient); the others are kept
    assert np.all(np.isfinite(g)) and g[0, 0] <= 0 < g[0, 1]


def test_softmax_focal_dtypes(rng):
    x = rng.standard_normal((4, 3)).astype(np.float32)
    t = np.array([0, 1, 2, 1], np.uint8)
    assert F.softmax_focal_loss(x, t).dtype == np.float32
    assert F.softmax_focal_loss(x.astype(np.float16), t).dtype == np.float16
    # a float64 alpha promotes, as cross_entropy's weight
    assert F.softmax_focal_loss(x, t, np.ones(3)).dtype == np.float64
    assert F.softmax_focal_loss(x, t, np.ones(3, np.float32)).dtype == np.float32


def test_softmax_focal_errors():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match="alpha"):
        F.softmax_focal_loss(x, np.array([0, 1]), np.ones(4))
    with pytest.raises(ValueError, match="gamma"):
        F.softmax_focal_loss(x, np.array([0, 1]), gamma=-0.5)
    with pytest.raises(ValueError, match="out of bounds"):
        F.softmax_focal_loss(x, np.array([0, 3]))
    with pytest.raises(ValueError, match="out of bounds"):
        F.softmax_focal_loss_backward(1.0, x, np.array([-1, 0]))
    with pytest.raises(ValueError, match="target has shape"):
        F.softmax_focal_loss(x, np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="integer class indices"):
        F.softmax_focal_loss(x, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="ignore_index"):
        F.softmax_focal_loss(x, np.ones((2, 3)) / 3, ignore_index=0)
    with pytest.raises(ValueError, match="label_smoothing"):
        F.softmax_focal_loss(x, np.array([0, 1]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="at least 1 dimension"):
        F.softmax_focal_loss(np.float64(1.0), np.array(0))
    with pytest.raises(TypeError):
        F.softmax_focal_loss(x.astype(complex), np.array([0, 1]))


# ---- poly1_cross_entropy / poly_cross_entropy ---------------------------------------------------

POLY_KW = [dict(), dict(epsilon=0.0), dict(epsilon=-1.0), dict(epsilon=1.0, label_smoothing=0.1)]


@pytest.mark.parametrize("kind", ["class", "ignore", "probs"])
@pytest.mark.parametrize("kw", POLY_KW, ids=str)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_poly1_matches_reference(shape, kw, kind, dtype, rng):
    C = shape[1] if len(shape) > 1 else shape[0]
    x, t = _class_case(rng, shape, dtype, kind, C)
    rkw = dict(kw)
    eps = rkw.pop("epsilon", 2.0)
    want, count = R.poly_ce(x, t, (eps,), **rkw)
    num = None
    if x.size and x.size < 80 and dtype == np.float64:
        num = R.numerical_grad(lambda v: R.poly_ce(v, t, (eps,), **rkw)[0].sum(), x)
    for reduction in REDUCTIONS:
        got = F.poly1_cross_entropy(x, t, reduction=reduction, **kw)
        assert got.dtype == dtype
        _close(got, R.reduce(want, count, reduction), dtype)
        g = _g(reduction, want.shape, rng)
        grad = F.poly1_cross_entropy_backward(g, x, t, reduction=reduction, **kw)
        assert grad.dtype == dtype and grad.shape == shape
        loss2, grad2 = F.poly1_cross_entropy_with_grad(x, t, reduction=reduction, grad_output=g,
                                                       **kw)
        np.testing.assert_array_equal(loss2, got)
        np.testing.assert_array_equal(grad2, grad)
        if num is not None and reduction == "sum":
            np.testing.assert_allclose(grad / g, num, rtol=1e-7, atol=1e-9)
        # Poly-N with one coefficient is Poly-1
        np.testing.assert_allclose(F.poly_cross_entropy(x, t, (eps,), reduction=reduction,
                                                        **rkw), got, rtol=RTOL[np.dtype(dtype)])


@pytest.mark.parametrize("epsilons", [(), (2.0, 1.0), (1.0, -0.5, 0.25, 3.0), np.array([0.5, 2])],
                         ids=str)
@pytest.mark.parametrize("kind", ["class", "ignore", "probs"])
def test_poly_n_matches_reference(epsilons, kind, dtype, rng):
    shape = (6, 5, 2)
    x, t = _class_case(rng, shape, dtype, kind, 5)
    for ls in (0.0, 0.2) if kind != "probs" else (0.0,):
        want, count = R.poly_ce(x, t, tuple(epsilons), label_smoothing=ls)
        num = R.numerical_grad(lambda v: R.poly_ce(v, t, tuple(epsilons),
                                                   label_smoothing=ls)[0].sum(), x)
        for reduction in REDUCTIONS:
            got = F.poly_cross_entropy(x, t, epsilons, reduction=reduction, label_smoothing=ls)
            _close(got, R.reduce(want, count, reduction), dtype)
            loss2, grad = F.poly_cross_entropy_with_grad(x, t, epsilons, reduction=reduction,
                                                         label_smoothing=ls, grad_output=1.0)
            np.testing.assert_array_equal(loss2, got)
            np.testing.assert_array_equal(
                grad, F.poly_cross_entropy_backward(1.0, x, t, epsilons, reduction=reduction,
                                                    label_smoothing=ls))
            if reduction == "sum":
                np.testing.assert_allclose(grad, num, rtol=GRTOL[np.dtype(dtype)] * 1e3,
                                           atol=1e-9 if dtype == np.float64 else 2e-5)
    if not len(epsilons):
        np.testing.assert_allclose(F.poly_cross_entropy(x, t, epsilons),
                                   F.cross_entropy(x, t), rtol=RTOL[np.dtype(dtype)])


def test_poly_epsilon_zero_is_cross_entropy(rng):
    x = rng.standard_normal((8, 4))
    t = rng.integers(0, 4, 8)
    for ls in (0.0, 0.25):
        np.testing.assert_allclose(F.poly1_cross_entropy(x, t, epsilon=0.0, label_smoothing=ls),
                                   F.cross_entropy(x, t, label_smoothing=ls), rtol=1e-13)
        np.testing.assert_allclose(
            F.poly1_cross_entropy_backward(1.0, x, t, epsilon=0.0, label_smoothing=ls),
            F.cross_entropy_backward(1.0, x, t, label_smoothing=ls), rtol=1e-12, atol=1e-16)


def _optax_poly_numpy(logits, labels, epsilon):
    """optax.poly_loss_cross_entropy's formula, in NumPy (per row)."""
    z = logits - logits.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    p = np.exp(log_p)
    return -(labels * log_p).sum(axis=-1) + epsilon * (labels * (1 - p)).sum(axis=-1)


def test_poly1_is_optax_formula(rng):
    x = rng.standard_normal((10, 7)) * 2
    labels = F.softmax(rng.standard_normal((10, 7)) * 2, 1)
    t = rng.integers(0, 7, 10)
    onehot = np.eye(7)[t]
    for eps in (2.0, -1.0, 0.5):
        np.testing.assert_allclose(F.poly1_cross_entropy(x, labels, epsilon=eps,
                                                         reduction="none"),
                                   _optax_poly_numpy(x, labels, eps), rtol=1e-12)
        np.testing.assert_allclose(F.poly1_cross_entropy(x, t, epsilon=eps, reduction="none"),
                                   _optax_poly_numpy(x, onehot, eps), rtol=1e-12)
        # optax.smooth_labels then the formula
        smooth = onehot * 0.9 + 0.1 / 7
        np.testing.assert_allclose(F.poly1_cross_entropy(x, t, epsilon=eps, reduction="none",
                                                         label_smoothing=0.1),
                                   _optax_poly_numpy(x, smooth, eps), rtol=1e-12)


def test_poly1_jax_peer(rng):
    """optax's formula in jax.numpy, differentiated by jax.grad (float64)."""
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy

    def optax_poly(logits, labels, epsilon):
        p = jax.nn.softmax(logits, axis=-1)
        one_minus_pt = jnp.sum(labels * (1 - p), axis=-1)
        ce = -jnp.sum(labels * jax.nn.log_softmax(logits, axis=-1), axis=-1)
        return ce + epsilon * one_minus_pt

    x = rng.standard_normal((8, 5)) * 2
    labels = F.softmax(rng.standard_normal((8, 5)), 1)
    for eps in (2.0, 0.5):
        loss, grad = jax.value_and_grad(lambda v: optax_poly(v, labels, eps).mean())(x)
        got, ggot = F.poly1_cross_entropy_with_grad(x, labels, epsilon=eps)
        np.testing.assert_allclose(got, float(loss), rtol=1e-12)
        np.testing.assert_allclose(ggot, np.asarray(grad), rtol=1e-9, atol=1e-15)


def test_poly_torch_peer(rng):
    """cross_entropy + sum_j eps_j (1 - p_t)^j in torch, class indices with label smoothing."""
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((7, 4)) * 2
    t = rng.integers(0, 4, 7)
    eps = (2.0, 1.0, -0.3)
    tx = torch.tensor(x, requires_grad=True)
    labels = torch.nn.functional.one_hot(torch.tensor(t), 4).double() * 0.9 + 0.1 / 4
    ce = torch.nn.functional.cross_entropy(tx, torch.tensor(t), reduction="none",
                                           label_smoothing=0.1)
    q = (labels * (1 - torch.softmax(tx, 1))).sum(1)
    loss = (ce + sum(e * q ** (j + 1) for j, e in enumerate(eps))).mean()
    loss.backward()
    got, grad = F.poly_cross_entropy_with_grad(x, t, eps, label_smoothing=0.1)
    np.testing.assert_allclose(got, loss.item(), rtol=1e-12)
    np.testing.assert_allclose(grad, tx.grad.numpy(), rtol=1e-9, atol=1e-15)


def test_poly_errors():
    x = np.zeros((2, 3))
    t = np.array([0, 1])
    with pytest.raises(TypeError, match="epsilon"):
        F.poly1_cross_entropy(x, t, epsilon="2")
    with pytest.raises(TypeError, match="epsilons"):
        F.poly_cross_entropy(x, t, "21")
    with pytest.raises(TypeError, match="epsilons"):
        F.poly_cross_entropy(x, t, (1.0, None))
    with pytest.raises(ValueError, match="one-dimensional"):
        F.poly_cross_entropy(x, t, np.ones((2, 2)))
    with pytest.raises(ValueError, match="out of bounds"):
        F.poly1_cross_entropy(x, np.array([0, 5]))
    with pytest.raises(ValueError, match="reduction"):
        F.poly_cross_entropy(x, t, reduction="batchmean")
    with pytest.raises(ValueError, match="grad_output"):
        F.poly1_cross_entropy_backward(np.ones(3), x, t, reduction="none")
    # a scalar epsilons is Poly-1
    np.testing.assert_array_equal(F.poly_cross_entropy(x, t, 1.5),
                                  F.poly1_cross_entropy(x, t, epsilon=1.5))


def test_all_ignored_mean_is_nan_and_sum_zero():
    x = np.zeros((2, 3))
    t = np.array([-100, -100])
    for f in (F.softmax_focal_loss, F.poly1_cross_entropy):
        assert np.isnan(f(x, t))
        assert f(x, t, reduction="sum") == 0
        g = getattr(F, f.__name__ + "_backward")(1.0, x, t, reduction="sum")
        np.testing.assert_array_equal(g, np.zeros((2, 3)))


def test_nn_classes(rng):
    x = rng.standard_normal((5, 4))
    t = rng.integers(0, 4, 5)
    m = nn.SoftmaxFocalLoss(alpha=np.ones(4) * 0.5, gamma=1.0)
    np.testing.assert_array_equal(m(x, t), F.softmax_focal_loss(x, t, np.ones(4) * 0.5,
                                                                 gamma=1.0))
    np.testing.assert_array_equal(m.backward(), F.softmax_focal_loss_backward(
        1.0, x, t, np.ones(4) * 0.5, gamma=1.0))
    m = nn.PolyCrossEntropyLoss(epsilons=(1.0, 2.0))
    np.testing.assert_array_equal(m(x, t), F.poly_cross_entropy(x, t, (1.0, 2.0)))
    m = nn.Poly1CrossEntropyLoss(epsilon=3.0)
    np.testing.assert_array_equal(m(x, t), F.poly1_cross_entropy(x, t, epsilon=3.0))
    xb, tb = rng.standard_normal(6), rng.uniform(0, 1, 6)
    m = nn.BinaryFocalLoss(gamma=1.0)
    np.testing.assert_array_equal(m(xb, tb), F.binary_focal_loss(xb, tb, gamma=1.0))
