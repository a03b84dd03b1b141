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


# ---- multi-class hinge ---------------------------------------------------------------------------

import reference_classic as RC  # noqa: E402

REDUCTIONS = ("none", "mean", "sum")


def _reduce(rows, reduction):
    return rows if reduction == "none" else (rows.sum() if reduction == "sum" else rows.mean())


def _tol(dtype):
    return 4 * float(np.finfo(dtype).eps)  # a Python float: pytest.approx refuses NumPy scalars


def _scores(rng, n, c, dtype):
    """Scores with deliberate ties of the maximum among the other classes."""
    x = rng.standard_normal((n, c))
    x[::5, 1] = x[::5, 2]
    return x.astype(dtype)


@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_multiclass_hinge_matches_reference(squared, reduction, dtype, rng):
    x = _scores(rng, 50, 7, dtype)
    t = rng.integers(0, 7, 50)
    got = F.multiclass_hinge_loss(x, t, squared=squared, reduction=reduction)
    rows = RC.multiclass_hinge_rows(x, t, squared)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, _reduce(rows, reduction), rtol=_tol(dtype), atol=_tol(dtype))
    go = (rng.standard_normal(50).astype(dtype) if reduction == "none" else 1.5)
    g = F.multiclass_hinge_loss_backward(go, x, t, squared=squared, reduction=reduction)
    scale = go if reduction == "none" else np.full(50, go / (50 if reduction == "mean" else 1))
    assert g.dtype == dtype and g.shape == x.shape
    np.testing.assert_allclose(g, RC.multiclass_hinge_grad(x, t, squared, scale),
                               rtol=_tol(dtype), atol=_tol(dtype))
    loss, g2 = F.multiclass_hinge_loss_with_grad(x, t, squared=squared, reduction=reduction,
                                                 grad_output=go)
    np.testing.assert_array_equal(loss, got)
    np.testing.assert_array_equal(g2, g)


def test_multiclass_hinge_equals_sklearn(rng):
    metrics = pytest.importorskip("sklearn.metrics")
    x = rng.standard_normal((200, 5))
    t = rng.integers(0, 5, 200)
    want = metrics.hinge_loss(t, x, labels=np.arange(5))
    assert F.multiclass_hinge_loss(x, t) == pytest.approx(want, rel=1e-14)


def test_multiclass_hinge_matches_torch_autograd(rng):
    torch = pytest.importorskip("torch")
    x = _scores(rng, 40, 6, np.float64)
    t = rng.integers(0, 6, 40)
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    tt = torch.from_numpy(t)
    onehot = torch.nn.functional.one_hot(tt, 6).bool()
    m = tx.masked_fill(onehot, -float("inf")).amax(dim=1)
    loss = torch.clamp(1 + m - tx.gather(1, tt[:, None])[:, 0], min=0).mean()
    loss.backward()
    assert F.multiclass_hinge_loss(x, t) == pytest.approx(loss.item(), rel=1e-14)
    np.testing.assert_allclose(F.multiclass_hinge_loss_backward(1.0, x, t), tx.grad.numpy(),
                               rtol=1e-14, atol=1e-17)


def test_multiclass_hinge_shapes_and_errors():
    assert F.multiclass_hinge_loss(np.array([1.0, 2.0]), np.array(0), reduction="none") == 2.0
    assert F.multiclass_hinge_loss(np.zeros((2, 1)), np.zeros(2, int)) == 0.0  # no other class
    with pytest.raises(ValueError, match=r"target values must be in \[0, 3\)"):
        F.multiclass_hinge_loss(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="target must have shape"):
        F.multiclass_hinge_loss(np.zeros((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="target must be an integer array"):
        F.multiclass_hinge_loss(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="input must be"):
        F.multiclass_hinge_loss(np.zeros((2, 3, 4)), np.zeros((2, 4), int))
    y = F.multiclass_hinge_loss(np.array([[np.nan, 0.0, 1.0]]), np.array([1]), reduction="none")
    assert np.isnan(y[0])


# ---- Brier score ---------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:The y_prob values do not sum to one")
@pytest.mark.parametrize("dtype", DTYPES)
def test_brier_equals_sklearn(dtype, rng):
    metrics = pytest.importorskip("sklearn.metrics")
    p = rng.uniform(size=300).astype(dtype)
    t = rng.integers(0, 2, 300)
    got = F.brier_score_loss(p, t)
    assert got.dtype == dtype
    assert float(got) == pytest.approx(metrics.brier_score_loss(t, p.astype(np.float64)),
                                       rel=_tol(dtype))
    logits = rng.standard_normal((300, 4))
    probs = (np.exp(logits) / np.exp(logits).sum(1, keepdims=True)).astype(dtype)
    t = rng.integers(0, 4, 300)
    want = metrics.brier_score_loss(t, probs.astype(np.float64), labels=np.arange(4))
    got = F.brier_score_loss(probs, t)
    assert got.dtype == dtype and float(got) == pytest.approx(want, rel=_tol(dtype))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_brier_matches_reference_and_gradient(reduction, dtype, rng):
    for p, t in ((rng.uniform(size=40), rng.integers(0, 2, 40)),
                 (rng.dirichlet(np.ones(5), 40), rng.integers(0, 5, 40))):
        p = p.astype(dtype)
        got = F.brier_score_loss(p, t, reduction=reduction)
        np.testing.assert_allclose(got, _reduce(RC.brier_rows(p, t), reduction),
                                   rtol=_tol(dtype), atol=_tol(dtype))
        g = F.brier_score_loss_backward(1.0 if reduction != "none" else np.ones(40, dtype), p, t,
                                        reduction=reduction)
        want = RC.brier_grad(p, t) / (40 if reduction == "mean" else 1)
        assert g.dtype == dtype and g.shape == p.shape
        np.testing.assert_allclose(g, want, rtol=_tol(dtype), atol=_tol(dtype))


def test_brier_errors():
    with pytest.raises(ValueError, match=r"input values must be in \[0, 1\]"):
        F.brier_score_loss(np.array([0.5, 1.5]), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"target values must be in \[0, 1\]"):
        F.brier_score_loss(np.array([0.5, 0.5]), np.array([0, 2]))
    with pytest.raises(ValueError, match=r"input values must be in \[0, 1\]"):
        F.brier_score_loss(np.array([[0.5, np.nan]]), np.array([0]))
    with pytest.raises(ValueError, match=r"target values must be in \[0, 2\)"):
        F.brier_score_loss(np.array([[0.5, 0.5]]), np.array([2]))
    with pytest.raises(ValueError, match="input must be"):
        F.brier_score_loss(np.zeros((2, 2, 2)), np.zeros((2, 2), int))
    with pytest.raises(ValueError, match="target must have the input's shape"):
        F.brier_score_loss(np.zeros(3), np.zeros(2))


# ---- box losses ----------------------------------------------------------------------------------

BOX_LOSSES = list(RC.BOX_ROWS)


def _boxes(rng, n, dtype=np.float64):
    """Pairs of boxes that overlap, nest, or lie apart, none touching (no ties)."""
    xy = rng.uniform(0, 10, (n, 2))
    wh = rng.uniform(0.5, 5, (n, 2))
    b1 = np.concatenate([xy, xy + wh], axis=1)
    xy2 = xy + rng.uniform(-4, 4, (n, 2))
    wh2 = rng.uniform(0.5, 5, (n, 2))
    b2 = np.concatenate([xy2, xy2 + wh2], axis=1)
    return b1.astype(dtype), b2.astype(dtype)


@pytest.mark.parametrize("name", BOX_LOSSES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_box_losses_match_reference(name, reduction, dtype, rng):
    b1, b2 = _boxes(rng, 64, dtype)
    fn = getattr(F, name)
    got = fn(b1, b2, reduction=reduction)
    rows = RC.BOX_ROWS[name](b1, b2)
    assert got.dtype == dtype and np.shape(got) == ((64,) if reduction == "none" else ())
    np.testing.assert_allclose(got, _reduce(rows, reduction), rtol=8 * np.finfo(dtype).eps)
    go = np.ones(64, dtype) if reduction == "none" else 1.0
    g = getattr(F, name + "_backward")(go, b1, b2, reduction=reduction)
    want = RC.box_grad(name, b1, b2) / (64 if reduction == "mean" else 1)
    assert g.dtype == dtype and g.shape == b1.shape
    np.testing.assert_allclose(g, want, rtol=1e-6 if dtype == np.float64 else 1e-5,
                               atol=1e-8 if dtype == np.float64 else 1e-6)
    loss, g2 = getattr(F, name + "_with_grad")(b1, b2, reduction=reduction, grad_output=go)
    np.testing.assert_array_equal(loss, got)
    np.testing.assert_array_equal(g2, g)


def _torchvision_losses(torch, b1, b2, eps=1e-7):
    """torchvision.ops' three box losses transcribed in torch operations (torchvision is not
    installable here), reduction 'none'."""
    x1, y1, x2, y2 = b1.unbind(-1)
    x1g, y1g, x2g, y2g = b2.unbind(-1)
    xkis1, ykis1 = torch.max(x1, x1g), torch.max(y1, y1g)
    xkis2, ykis2 = torch.min(x2, x2g), torch.min(y2, y2g)
    inter = torch.zeros_like(x1)
    mask = (ykis2 > ykis1) & (xkis2 > xkis1)
    inter[mask] = (xkis2[mask] - xkis1[mask]) * (ykis2[mask] - ykis1[mask])
    union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter
    iou = inter / (union + eps)
    xc1, yc1 = torch.min(x1, x1g), torch.min(y1, y1g)
    xc2, yc2 = torch.max(x2, x2g), torch.max(y2, y2g)
    area_c = (xc2 - xc1) * (yc2 - yc1)
    giou = 1 - (iou - ((area_c - union) / (area_c + eps)))
    diag = ((xc2 - xc1) ** 2) + ((yc2 - yc1) ** 2) + eps
    cd = (((x2 + x1) / 2 - (x1g + x2g) / 2) ** 2) + (((y2 + y1) / 2 - (y1g + y2g) / 2) ** 2)
    diou = 1 - iou + cd / diag
    v = (4 / (torch.pi ** 2)) * torch.pow(torch.atan((x2g - x1g) / (y2g - y1g))
                                          - torch.atan((x2 - x1) / (y2 - y1)), 2)
    with torch.no_grad():
        alpha = v / (1 - iou + v + eps)
    return {"generalized_box_iou_loss": giou, "distance_box_iou_loss": diou,
            "complete_box_iou_loss": diou + alpha * v}


@pytest.mark.parametrize("name", BOX_LOSSES)
def test_box_losses_match_torchvision_formulas(name, rng):
    torch = pytest.importorskip("torch")
    b1, b2 = _boxes(rng, 100)
    b1[::9] = b2[::9]          # identical boxes: the min/max ties split the gradient
    b1[3::9, 2] = b2[3::9, 2]  # one shared edge
    tb1 = torch.from_numpy(b1.copy()).requires_grad_(True)
    loss = _torchvision_losses(torch, tb1, torch.from_numpy(b2))[name]
    go = rng.standard_normal(100)
    loss.backward(torch.from_numpy(go))
    np.testing.assert_allclose(getattr(F, name)(b1, b2), loss.detach().numpy(), rtol=1e-13,
                               atol=1e-15)
    np.testing.assert_allclose(getattr(F, name + "_backward")(go, b1, b2), tb1.grad.numpy(),
                               rtol=1e-12, atol=1e-14)


def test_box_losses_defaults_shapes_and_errors():
    b = np.array([0.0, 0.0, 1.0, 1.0])
    for name in BOX_LOSSES:
        fn = getattr(F, name)
        assert fn(b, b).shape == () and abs(float(fn(b, b))) < 1e-6  # identical boxes: ~0
        assert fn(np.zeros((0, 4)), np.zeros((0, 4)), reduction="mean") == 0.0  # torchvision
        assert fn(np.zeros((0, 4)), np.zeros((0, 4)), reduction="sum") == 0.0
        assert fn(np.array([[0, 0, 2, 2]]), np.array([[1, 1, 3, 3]])).dtype == np.float64
        with pytest.raises(ValueError, match=r"\(N, 4\)"):
            fn(np.zeros((2, 3)), np.zeros((2, 3)))
        with pytest.raises(ValueError, match="shape"):
            fn(np.zeros((2, 4)), np.zeros((3, 4)))
        with pytest.raises(TypeError, match="eps"):
            fn(b, b, eps="x")
    # the far-apart pair: GIoU tends to 2, DIoU below 2
    far = np.array([100.0, 100.0, 101.0, 101.0])
    assert 1.9 < F.generalized_box_iou_loss(b, far) < 2.0
    assert 1.9 < F.distance_box_iou_loss(b, far) < 2.0


# ---- Dice and Tversky (MONAI's definitions) ------------------------------------------------------

SEG = {"dice_loss": (RC.dice_terms, {}), "tversky_loss": (RC.tversky_terms,
                                                           {"alpha": 0.3, "beta": 0.7})}


def _segmentation(rng, shape, activation, dtype):
    B, C = shape[:2]
    labels = rng.integers(0, C, (B,) + shape[2:])
    g = (labels[:, None] == np.arange(C).reshape((1, C) + (1,) * (len(shape) - 2)))
    x = rng.standard_normal(shape) * 2 if activation != "none" else rng.uniform(size=shape)
    return x.astype(dtype), g.astype(dtype)


@pytest.mark.parametrize("name", list(SEG))
@pytest.mark.parametrize("activation", ["none", "sigmoid", "softmax"])
@pytest.mark.parametrize("batch", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_segmentation_losses_match_reference(name, activation, batch, reduction, dtype, rng):
    ref, kw = SEG[name]
    x, g = _segmentation(rng, (2, 3, 4, 5), activation, dtype)
    kw = dict(kw, activation=activation, batch=batch)
    fn = getattr(F, name)
    got = fn(x, g, reduction=reduction, **kw)
    terms = ref(x, g, **kw)
    assert got.dtype == dtype and np.shape(got) == (terms.shape if reduction == "none" else ())
    tol = 8 * np.finfo(dtype).eps
    np.testing.assert_allclose(got, _reduce(terms, reduction), rtol=tol, atol=tol)
    go = (rng.standard_normal(terms.shape).astype(dtype) if reduction == "none" else 1.3)
    grad = getattr(F, name + "_backward")(go, x, g, reduction=reduction, **kw)
    assert grad.dtype == dtype and grad.shape == x.shape
    weights = np.asarray(go, np.float64) * (1 / terms.size if reduction == "mean" else 1)
    want = RC.central_grad(lambda v: np.sum(weights * ref(v, g, **kw)), x)
    np.testing.assert_allclose(grad, want, rtol=1e-6 if dtype == np.float64 else 2e-4,
                               atol=1e-8 if dtype == np.float64 else 1e-6)  # differences: eps |f| / h
    loss, grad2 = getattr(F, name + "_with_grad")(x, g, reduction=reduction, grad_output=go,
                                                  **kw)
    np.testing.assert_array_equal(loss, got)
    np.testing.assert_array_equal(grad2, grad)


@pytest.mark.parametrize("activation", ["none", "softmax"])
def test_segmentation_losses_match_torch_autograd(activation, rng):
    torch = pytest.importorskip("torch")
    x, g = _segmentation(rng, (3, 4, 6, 7), activation, np.float64)
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    tg = torch.from_numpy(g)
    p = torch.softmax(tx, 1) if activation == "softmax" else tx
    axes = [2, 3]
    tp = (p * tg).sum(axes)
    dice = 1 - (2 * tp + 1e-5) / (p.sum(axes) + tg.sum(axes) + 1e-5)   # MONAI DiceLoss
    tversky = 1 - (tp + 1e-5) / (tp + 0.3 * (p * (1 - tg)).sum(axes)
                                 + 0.7 * ((1 - p) * tg).sum(axes) + 1e-5)
    for name, loss in (("dice_loss", dice.mean()), ("tversky_loss", tversky.mean())):
        kw = {"activation": activation, **SEG[name][1]}
        tx.grad = None
        loss.backward(retain_graph=True)
        assert getattr(F, name)(x, g, **kw) == pytest.approx(loss.item(), rel=1e-14)
        np.testing.assert_allclose(getattr(F, name + "_backward")(1.0, x, g, **kw),
                                   tx.grad.numpy(), rtol=1e-12, atol=1e-16)


def test_segmentation_special_cases_and_errors():
    p = np.array([[[0.9, 0.2, 0.8]]])
    g = np.array([[[1, 0, 1]]])
    # alpha = beta = 0.5 is Dice with halved smoothing terms
    assert F.tversky_loss(p, g, smooth_nr=0, smooth_dr=0) == pytest.approx(
        F.dice_loss(p, g, smooth_nr=0, smooth_dr=0), rel=1e-15)
    # an empty class with its empty prediction: 1 - nr / dr = 0
    assert F.dice_loss(np.zeros((1, 1, 4)), np.zeros((1, 1, 4))) == 0.0
    assert F.dice_loss(p.astype(np.float32), g).dtype == np.float32
    assert F.dice_loss(np.ones((2, 3)), np.ones((2, 3)), reduction="none").shape == (2, 3)
    with pytest.raises(ValueError, match="activation must be one of"):
        F.dice_loss(p, g, activation="relu")
    with pytest.raises(ValueError, match="target must have the input's shape"):
        F.dice_loss(p, g[..., :2])
    with pytest.raises(ValueError, match=r"input must be \(B, C"):
        F.dice_loss(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="smooth_nr and smooth_dr"):
        F.dice_loss(p, g, smooth_dr=-1.0)
    with pytest.raises(ValueError, match="alpha and beta"):
        F.tversky_loss(p, g, alpha=-0.1)
    with pytest.raises(TypeError, match="batch"):
        F.dice_loss(p, g, batch=1)


# ---- every classic loss: dtypes, layouts, untouched inputs, threads ---------------------------------

def _classic_args(name, rng, dtype=np.float64):
    """Arguments of each classic loss: (arrays, keyword options)."""
    n = 64
    if name in ("hinge_loss", "squared_hinge_loss"):
        return (rng.standard_normal((n, 5)), rng.choice([-1, 1], (n, 5))), {}
    if name in ("log_cosh_loss", "pinball_loss"):
        return (rng.standard_normal((n, 5)), rng.standard_normal((n, 5))), {}
    if name == "multiclass_hinge_loss":
        return (rng.standard_normal((n, 5)), rng.integers(0, 5, n)), {"squared": True}
    if name == "brier_score_loss":
        return (rng.dirichlet(np.ones(5), n), rng.integers(0, 5, n)), {}
    if name in ("dice_loss", "tversky_loss"):
        return _segmentation(rng, (4, 3, 6, 5), "softmax", np.float64), {"activation": "softmax"}
    return _boxes(rng, n), {}


CLASSIC = ["hinge_loss", "squared_hinge_loss", "log_cosh_loss", "pinball_loss",
           "multiclass_hinge_loss", "brier_score_loss", "dice_loss", "tversky_loss"] + BOX_LOSSES


@pytest.mark.parametrize("name", CLASSIC)
def test_float16_in_float16_out(name, rng):
    (x, t), kw = _classic_args(name, rng)
    x16 = x.astype(np.float16)
    t = np.asarray(t)
    t = t.astype(np.float16) if t.dtype.kind == "f" else t  # float64 would promote
    got = getattr(F, name)(x16, t, reduction="sum", **kw)
    assert got.dtype == np.float16
    want = getattr(F, name)(x16.astype(np.float32), t, reduction="sum", **kw)
    assert got == want.astype(np.float16)
    g = getattr(F, name + "_backward")(1.0, x16, t, reduction="sum", **kw)
    assert g.dtype == np.float16 and g.shape == x.shape


@pytest.mark.parametrize("name", CLASSIC)
def test_layouts_untouched_inputs_and_threads(name, rng):
    (x, t), kw = _classic_args(name, rng)
    fn, bwd = getattr(F, name), getattr(F, name + "_backward")
    want, want_g = fn(x, t, reduction="none", **kw), bwd(1.0, x, t, **kw)
    # the same values in a non-contiguous, read-only layout
    big = np.zeros((2,) + x.shape)
    big[1] = x
    xs = big[1]
    xs = np.asfortranarray(xs)
    xs.flags.writeable = False
    saved = (xs.copy(), np.array(t, copy=True))
    np.testing.assert_array_equal(fn(xs, t, reduction="none", **kw), want)
    np.testing.assert_array_equal(bwd(1.0, xs, t, **kw), want_g)
    np.testing.assert_array_equal(xs, saved[0])
    np.testing.assert_array_equal(t, saved[1])
    n_threads = F.get_num_threads()
    try:
        F.set_num_threads(1)
        one = fn(x, t, **kw), bwd(1.0, x, t, **kw)
        F.set_num_threads(2)
        two = fn(x, t, **kw), bwd(1.0, x, t, **kw)
    finally:
        F.set_num_threads(n_threads)
    np.testing.assert_array_equal(one[0], two[0])
    np.testing.assert_array_equal(one[1], two[1])


@pytest.mark.parametrize("name", ["hinge_loss", "pinball_loss", "multiclass_hinge_loss",
                                  "brier_score_loss"])
def test_integer_targets_keep_the_result_dtype(name, rng):
    (x, t), kw = _classic_args(name, rng)
    x = x.astype(np.float32)
    t = np.asarray(t)
    t_int = t.astype(np.int32) if t.dtype.kind in "iu" or name != "pinball_loss" else \
        np.round(t).astype(np.int32)
    got = getattr(F, name)(x, t_int, **kw)
    assert got.dtype == np.float32
    assert getattr(F, name + "_backward")(1.0, x, t_int, **kw).dtype == np.float32


def test_segmentation_empty_class_without_smoothing_leaks_no_fp_state():
    """Found by test_fuzz_segmentation_losses: smooth_dr=0 with a class whose sums are all 0 (here
    an empty batch summed with batch=True) divided by 0 in NumPy, which raised
    FloatingPointError under np.errstate(all="raise") (a RuntimeWarning otherwise); the IEEE
    result instead, as MONAI's: 1 - 1e-5 / 0 = -inf, and 0 / 0 = NaN with smooth_nr=0 too."""
    x, g = np.zeros((0, 1)), np.zeros((0, 1))
    with np.errstate(all="raise"):
        for name in ("dice_loss", "tversky_loss"):
            fn = getattr(F, name)
            assert fn(x, g, smooth_dr=0.0, batch=True, reduction="none").tolist() == [-np.inf]
            assert np.isnan(fn(x, g, smooth_nr=0.0, smooth_dr=0.0, batch=True))
            assert getattr(F, name + "_backward")(1.0, x, g, smooth_dr=0.0, batch=True).shape == (0, 1)
            loss, grad = getattr(F, name + "_with_grad")(np.zeros((1, 2, 3)), np.zeros((1, 2, 3)),
                                                          smooth_nr=0.0, smooth_dr=0.0)
            assert np.isnan(loss) and np.isnan(grad).all()
