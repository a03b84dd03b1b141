"""The classic losses users check in CI (issue 15, item 6) against their peers: scikit-learn's
metrics (hinge_loss, mean_pinball_loss, brier_score_loss), optax's and Keras's definitions
(written out here in NumPy), and the special values of each; and the ``swish`` name of silu.
The float64 reference agreement, reductions, layouts, threads and torch compositions of the
pointwise ones are in test_pointwise_losses.py (their CASES).
"""
import math

import numpy as np
import pytest

import actloss as F
from actloss import nn

import reference_pointwise as R

DTYPES = (np.float32, np.float64)


# ---- swish ---------------------------------------------------------------------------------------

def test_swish_is_silu():
    assert F.swish is F.silu and F.swish_backward is F.silu_backward
    assert "swish" in F.__all__ and "swish_backward" in F.__all__
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(F.swish(x), x / (1 + np.exp(-x)), rtol=1e-15)


# ---- binary hinge and squared hinge --------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_hinge_equals_sklearn(dtype, rng):
    metrics = pytest.importorskip("sklearn.metrics")
    x = rng.standard_normal(500).astype(dtype)
    t = rng.choice([-1, 1], 500)
    got = F.hinge_loss(x, t)
    assert got.dtype == dtype
    want = metrics.hinge_loss(t, x.astype(np.float64))
    assert abs(float(got) - want) <= 8 * np.finfo(dtype).eps * max(want, 1.0)


def test_hinge_and_squared_hinge_follow_optax_and_keras(rng):
    x = rng.standard_normal((8, 5))
    t = rng.choice([-1.0, 1.0], (8, 5))
    optax_hinge = np.maximum(0, 1 - x * t)                         # optax.hinge_loss
    keras_squared = np.mean(np.square(np.maximum(1 - t * x, 0)), axis=-1)  # keras squared_hinge
    np.testing.assert_allclose(F.hinge_loss(x, t, reduction="none"), optax_hinge, rtol=1e-15)
    np.testing.assert_allclose(F.squared_hinge_loss(x, t), keras_squared.mean(), rtol=1e-14)


def test_hinge_kinks_and_nan():
    x = np.array([1.0, -1.0, 2.0, np.nan, 0.5])
    t = np.array([1.0, -1.0, 1.0, 1.0, -1.0])
    # at the kink (1 - t x = 0) the gradient passes, as torch's clamp_min
    np.testing.assert_array_equal(F.hinge_loss_backward(np.ones(5), x, t, reduction="none"),
                                  [-1.0, 1.0, 0.0, np.nan, 1.0])
    np.testing.assert_array_equal(F.squared_hinge_loss_backward(np.ones(5), x, t,
                                                                reduction="none"),
                                  [0.0, 0.0, 0.0, np.nan, 3.0])
    y = F.hinge_loss(x, t, reduction="none")
    assert np.isnan(y[3]) and y[4] == 1.5


def test_hinge_target_broadcasts_to_input_only():
    x = np.zeros((3, 2))
    assert F.hinge_loss(x, np.array([1, -1])) == 1.0
    with pytest.raises(ValueError, match="target of shape"):
        F.hinge_loss(np.zeros(2), np.ones((3, 2)))


# ---- log-cosh --------------------------------------------------------------------------------------

def test_log_cosh_accurate_at_extremes():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    d = np.array([1e-300, 1e-150, 1e-20, 1e-8, 1e-3, 0.3, 0.99, 1.0, 1.01, 5.0, 30.0, 700.0,
                  1e5, 1e300])
    for sign in (1, -1):
        got = F.log_cosh_loss(sign * d, np.zeros_like(d), reduction="none")
        grad = F.log_cosh_loss_backward(np.ones_like(d), sign * d, np.zeros_like(d),
                                        reduction="none")
        for di, g, gd in zip(d, got, grad):
            # log cosh d = log1p(2 sinh(d/2)^2): no cancellation at tiny d
            want = float(mpmath.log1p(2 * mpmath.sinh(mpmath.mpf(float(di)) / 2) ** 2))
            assert abs(g - want) <= 2 * np.finfo(np.float64).eps * want + 1e-310, (di, g, want)
            wantg = sign * float(mpmath.tanh(mpmath.mpf(float(di))))
            assert abs(gd - wantg) <= 2 * np.finfo(np.float64).eps * abs(wantg), (di, gd, wantg)
    y, g = F.log_cosh_loss_with_grad(np.array([np.inf, -np.inf, np.nan]), np.zeros(3),
                                     reduction="none")
    np.testing.assert_array_equal(y, [np.inf, np.inf, np.nan])
    np.testing.assert_array_equal(g, [1.0, -1.0, np.nan])


def test_log_cosh_float32_large_errors_do_not_overflow():
    x = np.array([100.0, 1e30], np.float32)
    y = F.log_cosh_loss(x, np.zeros(2, np.float32), reduction="none")
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, [100 - math.log(2), 1e30], rtol=1e-7)


def test_log_cosh_matches_optax_formula(rng):
    x, t = rng.standard_normal(300) * 3, rng.standard_normal(300) * 3
    optax = np.logaddexp(x - t, t - x) - math.log(2)
    np.testing.assert_allclose(F.log_cosh_loss(x, t, reduction="none"), optax,
                               rtol=1e-13, atol=1e-15)


# ---- pinball -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("quantile", [0.0, 0.1, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("dtype", DTYPES)
def test_pinball_equals_sklearn(quantile, dtype, rng):
    metrics = pytest.importorskip("sklearn.metrics")
    x = rng.standard_normal(400).astype(dtype)
    t = rng.standard_normal(400).astype(dtype)
    got = F.pinball_loss(x, t, quantile=quantile)
    assert got.dtype == dtype
    q = float(dtype(quantile))  # the quantile in the computing dtype, as every parameter
    want = metrics.mean_pinball_loss(t.astype(np.float64), x.astype(np.float64), alpha=q)
    assert abs(float(got) - want) <= 8 * np.finfo(dtype).eps * max(want, 1e-3)
    assert F.quantile_loss is F.pinball_loss


def test_pinball_gradient_and_kink():
    x = np.array([1.0, 3.0, 2.0])
    t = np.array([2.0, 2.0, 2.0])
    g = F.pinball_loss_backward(np.ones(3), x, t, quantile=0.9, reduction="none")
    np.testing.assert_allclose(g, [-0.9, 0.1, -0.4], rtol=1e-15)
    # tau = 0.5 is half of l1_loss, gradient included
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal(50), rng.standard_normal(50)
    assert F.pinball_loss(x, t) == pytest.approx(0.5 * F.l1_loss(x, t), rel=1e-15)
    np.testing.assert_allclose(F.pinball_loss_backward(1.0, x, t),
                               0.5 * F.l1_loss_backward(1.0, x, t), rtol=1e-15)


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_pinball_quantile_checked(bad):
    with pytest.raises(ValueError, match="quantile"):
        F.pinball_loss(np.zeros(2), np.zeros(2), quantile=bad)
    with pytest.raises(TypeError, match="quantile"):
        F.pinball_loss(np.zeros(2), np.zeros(2), quantile="0.5")


# ---- fused and nn ------------------------------------------------------------------------------------

FUSED = ["hinge_loss", "squared_hinge_loss", "log_cosh_loss", "pinball_loss"]


@pytest.mark.parametrize("name", FUSED)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_with_grad_equals_separate_calls(name, reduction, dtype, rng):
    x = (rng.standard_normal((7, 300)) * 2).astype(dtype)
    t = (rng.choice([-1.0, 1.0], (7, 300)) if "hinge" in name
         else rng.standard_normal((7, 300))).astype(dtype)
    go = np.float64(1.3) if reduction != "none" else rng.standard_normal((7, 300)).astype(dtype)
    loss, grad = getattr(F, name + "_with_grad")(x, t, reduction=reduction, grad_output=go)
    want = getattr(F, name)(x, t, reduction=reduction)
    want_g = getattr(F, name + "_backward")(go, x, t, reduction=reduction)
    assert loss.dtype == grad.dtype == dtype
    np.testing.assert_array_equal(loss, want)
    np.testing.assert_array_equal(grad, want_g)


@pytest.mark.parametrize("cls, fn, kw", [
    ("HingeLoss", "hinge_loss", {}), ("SquaredHingeLoss", "squared_hinge_loss", {}),
    ("LogCoshLoss", "log_cosh_loss", {}), ("PinballLoss", "pinball_loss", {"quantile": 0.2}),
])
def test_nn_classes(cls, fn, kw, rng):
    x, t = rng.standard_normal((4, 3)), rng.choice([-1.0, 1.0], (4, 3))
    m = getattr(nn, cls)(reduction="sum", **kw)
    assert m(x, t) == getattr(F, fn)(x, t, reduction="sum", **kw)
    np.testing.assert_array_equal(m.backward(1.0),
                                  getattr(F, fn + "_backward")(1.0, x, t, reduction="sum", **kw))
