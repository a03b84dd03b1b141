"""actloss.metrics (issue 14): scikit-learn's loss metrics as drop-in scorer functions.

Checked against the float64 reference of tests/reference_metrics.py (always), against
scikit-learn itself where it is installed (values, dtypes, error types), with hypothesis
properties of shapes and weights, for errors that name the argument, for inputs left untouched,
and inside sklearn.model_selection.cross_val_score through make_scorer.
"""
import doctest
import math
import warnings

import numpy as np
import pytest

import actloss.metrics as M
import reference_metrics as R

try:
    from hypothesis import given, strategies as st
except ImportError:  # a test extra: the property tests skip without it
    given = None

REGRESSION = ["mean_squared_error", "root_mean_squared_error", "mean_absolute_error",
              "mean_squared_log_error", "root_mean_squared_log_error", "mean_pinball_loss"]
DEVIANCES = ["mean_poisson_deviance", "mean_gamma_deviance", "mean_tweedie_deviance"]

# name -> (reference term, square root of the mean?, extra keyword arguments)
REFERENCE = {
    "mean_squared_error": (R.squared, False, {}),
    "root_mean_squared_error": (R.squared, True, {}),
    "mean_absolute_error": (R.absolute, False, {}),
    "mean_squared_log_error": (R.squared_log, False, {}),
    "root_mean_squared_log_error": (R.squared_log, True, {}),
    "mean_pinball_loss": (R.pinball(0.3), False, {"alpha": 0.3}),
    "mean_poisson_deviance": (R.tweedie(1), False, {}),
    "mean_gamma_deviance": (R.tweedie(2), False, {}),
}

TWEEDIE_POWERS = [-1.0, 0, 1, 1.5, 2, 3]


def ulps(actual, expected):
    """|actual - expected| in units of the float64 spacing at expected."""
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    return np.max(np.abs(actual - expected) / np.spacing(np.abs(expected)))


def targets(rng, name, shape, dtype=np.float64, power=None):
    """(y_true, y_pred) inside the metric's domain."""
    if name in ("mean_squared_log_error", "root_mean_squared_log_error"):
        t, p = rng.random(shape) * 5 - 0.5, rng.random(shape) * 5 - 0.5
    elif name == "mean_gamma_deviance" or (power is not None and power >= 2):
        t, p = rng.random(shape) * 3 + 0.1, rng.random(shape) * 3 + 0.1
    elif name == "mean_poisson_deviance" or (power is not None and 1 <= power < 2):
        t = np.floor(rng.random(shape) * 4)  # counts, zeros included
        p = rng.random(shape) * 3 + 0.1
    elif power is not None and power < 0:
        t, p = rng.standard_normal(shape), rng.random(shape) * 3 + 0.1
    else:
        t, p = rng.standard_normal(shape) * 3, rng.standard_normal(shape) * 3
    return t.astype(dtype), p.astype(dtype)


def call(name, *args, **kwargs):
    return getattr(M, name)(*args, **kwargs)


# ---- the reference -----------------------------------------------------------------------

@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("name", REGRESSION)
def test_regression_matches_reference(name, weighted, rng):
    term, root, kw = REFERENCE[name]
    for shape in [(1,), (7,), (1000,), (300, 3)]:
        t, p = targets(rng, name, shape)
        w = rng.random(shape[0]) + 0.1 if weighted else None
        got = call(name, t, p, sample_weight=w, **kw)
        assert type(got) is float
        expected = R.regression(term, t, p, w, root=root)
        assert ulps(got, expected) <= 8, (shape, got, expected)
        raw = call(name, t, p, sample_weight=w, multioutput="raw_values", **kw)
        expected = R.regression(term, t, p, w, "raw_values", root=root)
        assert raw.dtype == np.float64 and raw.shape == expected.shape
        assert ulps(raw, expected) <= 8
        if len(shape) == 2:
            mo = rng.random(shape[1]) + 0.5
            got = call(name, t, p, sample_weight=w, multioutput=mo, **kw)
            assert ulps(got, R.regression(term, t, p, w, mo, root=root)) <= 8


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("name", ["mean_poisson_deviance", "mean_gamma_deviance"])
def test_deviance_matches_reference(name, weighted, rng):
    term = REFERENCE[name][0]
    for n in (1, 9, 1000):
        t, p = targets(rng, name, (n,))
        w = rng.random(n) + 0.1 if weighted else None
        got = call(name, t, p, sample_weight=w)
        # a deviance is a difference of terms of its size or larger (y log(y/m) - y + m):
        # scikit-learn's formula, which this follows, rounds those terms
        assert ulps(got, R.regression(term, t, p, w)) <= 64


@pytest.mark.parametrize("power", TWEEDIE_POWERS)
def test_tweedie_matches_reference(power, rng):
    t, p = targets(rng, "mean_tweedie_deviance", (500,), power=power)
    w = rng.random(500) + 0.1
    for weights in (None, w):
        got = M.mean_tweedie_deviance(t, p, sample_weight=weights, power=power)
        assert ulps(got, R.regression(R.tweedie(power), t, p, weights)) <= 64


def test_regression_float32_inputs(rng):
    """float32 terms, float64 sums: within float32 rounding of the float64 reference, and
    per-output values in float32 (scikit-learn's dtype)."""
    for name in REGRESSION:
        term, root, kw = REFERENCE[name]
        t, p = targets(rng, name, (2000, 2), np.float32)
        got = call(name, t, p, **kw)
        expected = R.regression(term, t, p, root=root)
        # log1p(t) - log1p(p) in float32 loses what the difference cancels: 64 eps
        assert abs(got - expected) <= 64 * np.finfo(np.float32).eps * abs(expected), name
        raw = call(name, t, p, multioutput="raw_values", **kw)
        assert raw.dtype == np.float32, name


@pytest.mark.parametrize("name", ["mean_squared_error", "mean_absolute_error"])
def test_regression_float16_computed_in_float32(name, rng):
    t, p = targets(rng, name, (100,), np.float16)
    got = call(name, t, p)
    term = REFERENCE[name][0]
    assert abs(got - R.regression(term, t, p)) <= 4 * np.finfo(np.float32).eps * got
    assert call(name, t, p, multioutput="raw_values").dtype == np.float16


def test_log_loss_matches_reference(rng):
    n = 500
    for dtype in (np.float64, np.float32):
        # binary, 1-D probabilities of the larger class, with exact 0 and 1 (clipped)
        y = rng.integers(0, 2, n)
        p = rng.random(n).astype(dtype)
        p[:5] = [0, 1, 0, 1, 0.5]
        w = rng.random(n) + 0.1
        tol = 8 * np.finfo(np.float64).eps
        for weights in (None, w):
            got = M.log_loss(y, p, sample_weight=weights)
            assert math.isclose(got, R.log_loss(y, p, weights), rel_tol=tol)
            got = M.log_loss(y, p, sample_weight=weights, normalize=False)
            assert math.isclose(got, R.log_loss(y, p, weights, normalize=False), rel_tol=tol)
        # multiclass, string labels, probabilities in the sorted order of the labels
        names = np.array(["cat", "dog", "emu", "yak"])
        y = names[rng.integers(0, 4, n)]
        P = rng.random((n, 4)).astype(dtype)
        P /= P.sum(axis=1, keepdims=True)
        got = M.log_loss(y, P, sample_weight=w)
        assert math.isclose(got, R.log_loss(y, P, w), rel_tol=tol)
        # labels: a class that y_true never has
        labels = ["ant", "cat", "dog", "emu", "yak"]
        P5 = np.concatenate([np.full((n, 1), 0.01, dtype), P * dtype(0.99)], axis=1)
        got = M.log_loss(y, P5, labels=labels)
        assert math.isclose(got, R.log_loss(y, P5, labels=labels), rel_tol=tol)


def test_log_loss_clips_at_the_dtype_epsilon():
    for dtype in (np.float16, np.float32, np.float64):
        eps = float(np.finfo(dtype).eps)
        got = M.log_loss([1, 0], np.array([0.0, 1.0], dtype))
        assert math.isclose(got, -math.log(eps), rel_tol=1e-12), dtype
        got = M.log_loss([1, 0], np.array([1.0, 0.0], dtype))
        assert math.isclose(got, -math.log1p(-eps), rel_tol=1e-12), dtype


def test_log_loss_label_indicator_matrix():
    T = np.array([[1, 0, 1], [0, 1, 0], [0, 0, 0]])
    P = np.array([[0.3, 0.3, 0.4], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])
    expected = (-math.log(0.3) - math.log(0.4) - math.log(0.5) + 0.0) / 3
    assert math.isclose(M.log_loss(T, P), expected, rel_tol=1e-15)


def test_log_loss_warns_when_rows_do_not_sum_to_one():
    with pytest.warns(UserWarning, match="do not sum to 1"):
        got = M.log_loss([0, 1, 2], [[0.2, 0.2, 0.2], [0.3, 0.3, 0.3], [0.1, 0.1, 0.1]])
    # not renormalised (scikit-learn 1.9)
    assert math.isclose(got, -(math.log(0.2) + math.log(0.3) + math.log(0.1)) / 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        M.log_loss([0, 1], [[0.25, 0.75], [0.5, 0.5]])


def test_log_loss_unsorted_labels_warn_and_count_sorted():
    with pytest.warns(UserWarning, match="not sorted"):
        got = M.log_loss([1, 0], [[0.2, 0.8], [0.6, 0.4]], labels=[1, 0])
    assert math.isclose(got, -(math.log(0.8) + math.log(0.6)) / 2)


def test_log_loss_old_keyword_y_pred():
    assert M.log_loss([0, 1], y_pred=[0.2, 0.7]) == M.log_loss([0, 1], [0.2, 0.7])
    with pytest.raises(ValueError, match="not both"):
        M.log_loss([0, 1], [0.2, 0.7], y_pred=[0.2, 0.7])


def test_hinge_loss_matches_reference(rng):
    n = 400
    w = rng.random(n) + 0.1
    for dtype in (np.float64, np.float32):
        # float32 terms 1 - y d are rounded to float32 (as scikit-learn's), the mean too
        tol = 8 * np.finfo(dtype).eps
        d = (rng.standard_normal(n) * 2).astype(dtype)
        for y in (rng.choice([-1, 1], n), rng.integers(0, 2, n),
                  np.array(["no", "yes"])[rng.integers(0, 2, n)]):
            for weights in (None, w):
                got = M.hinge_loss(y, d, sample_weight=weights)
                expected = R.hinge_loss(y, d, sample_weight=weights)
                assert math.isclose(got, expected, rel_tol=tol), (y[:3], dtype)
        D = (rng.standard_normal((n, 5)) * 2).astype(dtype)
        D[:20, 1] = D[:20, 3]  # ties between the true class and another
        y = rng.integers(0, 5, n)
        y[:20] = 1
        for weights in (None, w):
            got = M.hinge_loss(y, D, sample_weight=weights)
            assert math.isclose(got, R.hinge_loss(y, D, sample_weight=weights), rel_tol=tol)
        got = M.hinge_loss(y[y < 4], D[y < 4, :], labels=[0, 1, 2, 3, 4])
        assert math.isclose(got, R.hinge_loss(y[y < 4], D[y < 4], labels=[0, 1, 2, 3, 4]),
                            rel_tol=tol)


def test_hinge_loss_single_class_counts_as_negative():
    d = [-2.0, 0.5, 3.0]
    for y in ([1, 1, 1], [-1, -1, -1]):
        assert M.hinge_loss(y, d) == pytest.approx((0 + 1.5 + 4.0) / 3, rel=1e-15)


def test_hinge_loss_multiclass_large_input_in_blocks(rng):
    """More rows than one block of the largest-other-score buffer."""
    D = rng.standard_normal((6000, 50))
    y = rng.integers(0, 50, 6000)
    y[:3] = np.argmax(D[:3], axis=1)
    got = M.hinge_loss(y, D)
    assert math.isclose(got, R.hinge_loss(y, D), rel_tol=8 * np.finfo(np.float64).eps)
    Df = np.asfortranarray(D)  # a layout without the flat gather
    assert M.hinge_loss(y, Df) == got


# ---- scikit-learn -------------------------------------------------------------------------

# scikit-learn sums a 2-D array's columns with numpy.average(axis=0), a running sum down each
# column (not pairwise): on 500 x 2 pinball inputs it is up to 14 ULP from the correctly
# rounded mean where actloss is within 2. Comparisons with it on 2-D inputs allow for that.
SK_2D_ULPS = 32

def _sk():
    return pytest.importorskip("sklearn.metrics")


@pytest.mark.parametrize("name", REGRESSION + DEVIANCES)
def test_regression_equals_sklearn(name, rng):
    skm = _sk()
    kw = dict(REFERENCE.get(name, (None, None, {}))[2])
    multi = name not in DEVIANCES
    shapes = [(1,), (50,), (20000,)] + ([(200, 3)] if multi else [])
    for shape in shapes:
        t, p = targets(rng, name, shape)
        w = rng.random(shape[0]) + 0.01
        for weights in (None, w):
            got, ref = call(name, t, p, sample_weight=weights, **kw), \
                getattr(skm, name)(t, p, sample_weight=weights, **kw)
            assert type(got) is type(ref) is float
            assert ulps(got, ref) <= 8, (shape, got, ref)
            if multi:
                for mo in ("raw_values", rng.random(t.reshape(len(t), -1).shape[1]) + 0.5):
                    if not isinstance(mo, str) and t.ndim == 1:
                        continue
                    got = call(name, t, p, sample_weight=weights, multioutput=mo, **kw)
                    ref = getattr(skm, name)(t, p, sample_weight=weights, multioutput=mo, **kw)
                    assert np.shape(got) == np.shape(ref) and ulps(got, ref) <= SK_2D_ULPS
    # lists, ints and mixed dtypes; float32 per-output values in float32
    t, p = targets(rng, name, (40,))
    t = np.round(t) if name != "mean_gamma_deviance" else np.round(t) + 1
    assert ulps(call(name, t.astype(int).tolist(), p.tolist(), **kw),
                getattr(skm, name)(t.astype(int).tolist(), p.tolist(), **kw)) <= 8
    t32, p32 = t.astype(np.float32), p.astype(np.float32)
    got, ref = call(name, t32, p32, **kw), getattr(skm, name)(t32, p32, **kw)
    assert abs(got - ref) <= 64 * np.finfo(np.float32).eps * abs(ref)
    if multi:
        raw = call(name, t32, p32, multioutput="raw_values", **kw)
        assert raw.dtype == getattr(skm, name)(t32, p32, multioutput="raw_values", **kw).dtype


@pytest.mark.parametrize("power", TWEEDIE_POWERS)
def test_tweedie_equals_sklearn(power, rng):
    skm = _sk()
    t, p = targets(rng, "mean_tweedie_deviance", (3000,), power=power)
    w = rng.random(3000)
    for weights in (None, w):
        got = M.mean_tweedie_deviance(t, p, sample_weight=weights, power=power)
        ref = skm.mean_tweedie_deviance(t, p, sample_weight=weights, power=power)
        assert ulps(got, ref) <= 8  # the same per-sample formula: 0 ULP on 20 seeds


@pytest.mark.parametrize("alpha", [0.0, 0.1, 0.5, 0.9, 1.0])
def test_pinball_alphas_equal_sklearn(alpha, rng):
    skm = _sk()
    t, p = targets(rng, "mean_pinball_loss", (500, 2))
    for mo in ("uniform_average", "raw_values"):
        got = M.mean_pinball_loss(t, p, alpha=alpha, multioutput=mo)
        assert ulps(got, skm.mean_pinball_loss(t, p, alpha=alpha, multioutput=mo)) <= SK_2D_ULPS
        expected = R.regression(R.pinball(alpha), t, p, multioutput=mo)
        assert ulps(got, expected) <= 8


def test_log_loss_equals_sklearn(rng):
    skm = _sk()
    n = 3000
    w = rng.random(n) + 0.01
    cases = []
    y = rng.integers(0, 2, n)
    p = rng.random(n)
    p[:4] = [0.0, 1.0, 1e-20, 1 - 1e-17]
    cases += [(y, p, {}), (y, p[:, None], {}), (y, np.stack([1 - p, p], 1), {}),
              (y.astype(bool), p, {}), (y.astype(float), p, {}),
              (np.array(["ham", "spam"])[y], p, {}), (y, p.astype(np.float32), {})]
    P = rng.random((n, 6))
    P /= P.sum(axis=1, keepdims=True)
    y6 = rng.integers(0, 6, n) * 10 - 20
    cases += [(y6, P, {}), (y6[y6 != 0], P[y6 != 0], {"labels": [-20, -10, 0, 10, 20, 30]}),
              (y6, P.astype(np.float32), {}), (y6.tolist(), P.tolist(), {}),
              (np.eye(6, dtype=int)[rng.integers(0, 6, n)], P, {})]
    for y_true, y_proba, kw in cases:
        n_i = len(y_true)
        for weights in (None, w[:n_i]):
            for normalize in (True, False):
                got = M.log_loss(y_true, y_proba, sample_weight=weights, normalize=normalize,
                                 **kw)
                ref = skm.log_loss(y_true, y_proba, sample_weight=weights,
                                   normalize=normalize, **kw)
                if np.asarray(y_proba).dtype == np.float32:  # scikit-learn sums in float32
                    assert abs(got - ref) <= 64 * np.finfo(np.float32).eps * ref
                else:
                    assert ulps(got, ref) <= 8, (np.shape(y_proba), kw, got, ref)


def test_hinge_loss_equals_sklearn(rng):
    skm = _sk()
    n = 3000
    w = rng.random(n) + 0.01
    d = rng.standard_normal(n) * 2
    D = rng.standard_normal((n, 4)) * 2
    y4 = rng.integers(0, 4, n)
    cases = [(rng.choice([-1, 1], n), d, {}), (rng.integers(0, 2, n), d[:, None], {}),
             (np.array(["a", "b"])[rng.integers(0, 2, n)], d, {}), (np.ones(n, int), d, {}),
             (y4, D, {}), (np.array(list("wxyz"))[y4], D, {}),
             (y4[y4 < 3], D[y4 < 3], {"labels": [0, 1, 2, 3]}),
             (y4, D.astype(np.float32), {}), (y4, np.round(D).astype(int), {})]
    for y_true, pred, kw in cases:
        for weights in (None, w[:len(y_true)]):
            got = M.hinge_loss(y_true, pred, sample_weight=weights, **kw)
            ref = skm.hinge_loss(y_true, pred, sample_weight=weights, **kw)
            if np.asarray(pred).dtype == np.float32:
                assert abs(got - ref) <= 64 * np.finfo(np.float32).eps * ref
            else:
                assert ulps(got, ref) <= 8, (kw, got, ref)


def test_pandas_inputs():
    skm = _sk()
    pd = pytest.importorskip("pandas")
    t = pd.Series([3.0, -0.5, 2.0, 7.0])
    p = pd.Series([2.5, 0.0, 2.0, 8.0], dtype="float32")
    assert M.mean_squared_error(t, p) == pytest.approx(skm.mean_squared_error(t, p), rel=1e-7)
    frame_t = pd.DataFrame({"a": [0.5, -1, 7], "b": [1, 1, -6]})
    frame_p = pd.DataFrame({"a": [0, -1, 8], "b": [2, 2, -5]})
    got = M.mean_absolute_error(frame_t, frame_p, multioutput="raw_values")
    np.testing.assert_array_equal(got, skm.mean_absolute_error(frame_t, frame_p,
                                                                multioutput="raw_values"))
    y = pd.Series(["spam", "ham", "ham", "spam"])
    P = pd.DataFrame([[.1, .9], [.9, .1], [.8, .2], [.35, .65]])
    assert ulps(M.log_loss(y, P), skm.log_loss(y, P)) <= 2


# error cases: (function, args, kwargs, message fragment of ours); scikit-learn raises too
ERRORS = [
    ("mean_squared_error", ([1, 2, 3], [1, 2]), {}, "y_true has 3, y_pred has 2"),
    ("mean_squared_error", ([1, np.nan], [1, 2]), {}, "y_true contains NaN"),
    ("mean_squared_error", ([1, 2], [1, np.inf]), {}, "y_pred contains infinity"),
    ("mean_squared_error", ([], []), {}, "y_true is empty"),
    ("mean_squared_error", (np.zeros((2, 0)), np.zeros((2, 0))), {}, "y_true is empty"),
    ("mean_squared_error", (np.zeros((2, 2, 2)), np.zeros((2, 2, 2))), {},
     "y_true must be 1-D or 2-D"),
    ("mean_squared_error", (3.0, 2.0), {}, "y_true must be an array-like"),
    ("mean_squared_error", (np.array(3.0), np.array(2.0)), {}, "y_true must have at least one"),
    ("mean_squared_error", (np.array([1j, 2]), [1.0, 3]), {}, "y_true is complex"),
    ("mean_squared_error", (["a", "b"], [1.0, 3]), {}, "y_true must hold numbers"),
    ("mean_squared_error", (np.ones((3, 2)), np.ones((3, 3))), {}, "numbers of outputs: 2 and 3"),
    ("mean_squared_error", ([1, 2], [1, 3]), {"sample_weight": 2.0},
     "sample_weight must be an array-like"),
    ("mean_squared_error", ([1, 2], [1, 3]), {"sample_weight": [1, 2, 3]}, "sample_weight has 3"),
    ("mean_squared_error", ([1, 2], [1, 3]), {"sample_weight": [0, 0]}, "all zeros"),
    ("mean_squared_error", ([1, 2], [1, 3]), {"sample_weight": [1, -1]}, "sums to zero"),
    ("mean_squared_error", ([1, 2], [1, 3]), {"sample_weight": [1, np.nan]},
     "sample_weight contains NaN"),
    ("mean_squared_error", ([1, 2], [1, 3]), {"multioutput": "variance_weighted"},
     "multioutput must be"),
    ("mean_squared_error", ([1, 2], [1, 3]), {"multioutput": [1.0]}, "several outputs"),
    ("mean_squared_error", (np.ones((3, 2)), np.ones((3, 2))), {"multioutput": [1, 2, 3]},
     "3 weights for 2 outputs"),
    ("mean_squared_error", (np.ones((3, 2)), np.ones((3, 2))), {"multioutput": [0, 0]},
     "multioutput weights sum to zero"),
    ("mean_squared_error", (np.ones((3, 2)), np.ones((3, 2))), {"multioutput": [np.nan, 1]},
     "multioutput contains NaN"),
    ("mean_squared_error", (np.ones((3, 2)), np.ones((3, 2))), {"multioutput": [[1, 1]]},
     "multioutput weights must be 1-D"),
    ("root_mean_squared_error", ([1, 2], [1, np.nan]), {}, "y_pred contains NaN"),
    ("mean_absolute_error", ([1, 2], [1, 3]), {"multioutput": None}, "multioutput must be"),
    ("mean_squared_log_error", ([-1, 2], [1, 3]), {}, "y_true has -1"),
    ("mean_squared_log_error", ([1, 2], [1, -3]), {}, "y_pred has -3"),
    ("mean_squared_log_error", ([np.nan, 2], [1, 3]), {}, "y_true contains NaN"),
    ("root_mean_squared_log_error", ([1, 2], [-1, 3]), {}, "y_true and y_pred > -1"),
    ("mean_pinball_loss", ([1, 2], [1, 3]), {"alpha": 1.5},
     "alpha must be a real number in [0, 1]"),
    ("mean_pinball_loss", ([1, 2], [1, 3]), {"alpha": np.nan}, "alpha"),
    ("mean_pinball_loss", ([1, 2], [1, 3]), {"alpha": "a"}, "alpha"),
    ("mean_tweedie_deviance", ([1, 2], [1, 3]), {"power": 0.5}, "power must be a real number"),
    ("mean_tweedie_deviance", ([1, 2], [1, 3]), {"power": np.inf}, "power"),
    ("mean_tweedie_deviance", (np.ones((2, 2)), np.ones((2, 2))), {"power": 1}, "single output"),
    ("mean_tweedie_deviance", ([-1, 2], [0, 3]), {"power": -1}, "needs y_pred > 0"),
    ("mean_tweedie_deviance", ([-1, 2], [1, 3]), {"power": 1.5}, "y_true >= 0 and y_pred > 0"),
    ("mean_tweedie_deviance", ([1, 2], [0, 3]), {"power": 3}, "y_true > 0 and y_pred > 0"),
    ("mean_tweedie_deviance", ([1, np.inf], [1, 3]), {"power": 1}, "y_true contains infinity"),
    ("mean_poisson_deviance", ([1, 2], [0, 3]), {}, "power=1"),
    ("mean_gamma_deviance", ([0, 2], [1, 3]), {}, "power=2"),
    ("log_loss", ([1, 0, 0, 1], [.9, .1, .2, 1.5]), {}, "above 1"),
    ("log_loss", ([1, 0, 0, 1], [.9, .1, .2, -.5]), {}, "below 0"),
    ("log_loss", ([1, 0, 0, 1], [.9, .1, .2, np.nan]), {}, "y_proba contains NaN"),
    ("log_loss", ([1, 0], [np.inf, .7]), {}, "y_proba contains infinity"),
    ("log_loss", ([1, 0, 0], [.9, .1, .2, .65]), {}, "y_proba has 4, y_true has 3"),
    ("log_loss", ([1, 1, 1], [.9, .1, .2]), {}, "only one label"),
    ("log_loss", ([1, 1, 1], [.9, .1, .2]), {"labels": [1]}, "at least two labels"),
    ("log_loss", ([1, 0, 2, 1], [[.1, .9]] * 4), {}, "y_true has 3 classes"),
    ("log_loss", ([1, 0, 0, 1], [[.1, .9]] * 4), {"labels": [0, 1, 2]}, "labels has 3 classes"),
    ("log_loss", ([1, 0, 2, 1], [[.1, .9]] * 4), {"labels": [0, 1]},
     "values [2] that are not in labels"),
    ("log_loss", ([0.5, 1.5], [.3, .7]), {}, "continuous"),
    ("log_loss", ([np.nan, 1], [.3, .7]), {}, "y_true contains NaN"),
    ("log_loss", (np.array([[2, 0, 1], [0, 1, 0]]), [[.3, .3, .4], [.2, .5, .3]]), {},
     "not a label indicator"),
    ("log_loss", (np.array([[1, 0, 1], [0, 1, 0]]), [[.3, .3, .4], [.2, .5, .3]]),
     {"labels": [0, 1, 2]},
     "label indicator"),
    ("log_loss", ([1, 0], np.ones((2, 2, 1)) * .5), {}, "y_proba must be 1-D or 2-D"),
    ("log_loss", ([1, 0], np.array([.3, .7], complex)), {}, "y_proba is complex"),
    ("log_loss", ([1, 0], [.3, .7]), {"normalize": 1}, "normalize must be a bool"),
    ("log_loss", ([1, 0], [.3, .7]), {"sample_weight": [0, 0]}, "all zeros"),
    ("log_loss", ([1, 0], [.3, .7]), {"sample_weight": [1, -1]}, "sums to zero"),
    ("log_loss", ([1, 0], [.3, .7]), {"sample_weight": [1, np.nan]}, "sample_weight contains NaN"),
    ("log_loss", ([1, 0], [.3, .7]), {"labels": [0, 1, 1]}, "repeated"),
    ("hinge_loss", ([0, 1, 1], [np.nan, 2.36, 0.09]), {}, "pred_decision contains NaN"),
    ("hinge_loss", ([0, 1, 1], [np.inf, 2.36, 0.09]), {}, "pred_decision contains infinity"),
    ("hinge_loss", ([0, 1, 1], [1.0, 2.0]), {}, "y_true has 3, pred_decision has 2"),
    ("hinge_loss", ([0, 1, 2], [1.0, 2.0, 3.0]), {}, "(n_samples, n_classes) = (3, 3)"),
    ("hinge_loss", ([0, 2, 3], np.ones((3, 4))), {}, "pass all class labels"),
    ("hinge_loss", ([0, 2, 1], np.ones((3, 2))), {"labels": [0, 1, 2]}, "got (3, 2)"),
    ("hinge_loss", ([0, 2, 5], np.ones((3, 3))), {"labels": [0, 1, 2]},
     "values [5] that are not in labels"),
    ("hinge_loss", ([0, 1, 1], np.ones((3, 2))), {}, "must be 1-D for a binary target"),
    ("hinge_loss", ([[0, 1], [1, 0]], [1.0, 2.0]), {}, "y_true must be 1-D"),
    ("hinge_loss", ([0.5, 1.5, 1.5], [1.0, 2, 3]), {}, "continuous"),
    ("hinge_loss", ([0, 1, 1], ["-2", "2", "0"]), {}, "pred_decision must hold numbers"),
    ("hinge_loss", ([0, 1, 1], np.array([1, 2.36, 0.09], complex)), {},
     "pred_decision is complex"),
    ("hinge_loss", ([0, 1, 1], [1.0, 2.0, 3.0]), {"sample_weight": [0, 0, 0]}, "sums to zero"),
    ("hinge_loss", ([], []), {}, "is empty"),
]


@pytest.mark.parametrize("name,args,kwargs,fragment", ERRORS,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_errors_name_the_argument(name, args, kwargs, fragment):
    with pytest.raises(ValueError) as info:
        call(name, *args, **kwargs)
    assert fragment in str(info.value)


@pytest.mark.parametrize("name,args,kwargs,fragment", ERRORS,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_errors_have_sklearn_types(name, args, kwargs, fragment):
    """Wherever scikit-learn raises, so does actloss, with an exception of scikit-learn's type
    (its InvalidParameterError is a ValueError and a TypeError: so is ours)."""
    skm = _sk()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as sk_info:
            getattr(skm, name)(*args, **kwargs)
        with pytest.raises(Exception) as info:
            call(name, *args, **kwargs)
    expected = type(sk_info.value)
    if expected.__name__ == "InvalidParameterError":
        assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)
    else:
        assert isinstance(info.value, expected), (expected, info.value)


def test_overflow_is_inf_not_an_error():
    assert M.mean_squared_error([1e200], [-1e200]) == math.inf
    assert M.hinge_loss([0, 1, 2], [[1e308, -1e308, 0.0]] * 3) == math.inf


def test_hinge_nan_weights_give_nan_as_sklearn():
    assert math.isnan(M.hinge_loss([0, 1, 1], [-2.0, 2.0, 0.1], sample_weight=[0, np.nan, 0]))


# ---- inputs, dtypes, layouts --------------------------------------------------------------

def _all_calls(rng):
    t, p = targets(rng, "mean_squared_error", (30, 2))
    w = rng.random(30) + 0.1
    y = rng.integers(0, 3, 30)
    P = rng.random((30, 3))
    P /= P.sum(axis=1, keepdims=True)
    D = rng.standard_normal((30, 3))
    calls = [(name, (t, p), {"sample_weight": w, "multioutput": np.array([0.3, 0.7])})
             for name in REGRESSION if "log" not in name]
    calls += [(name, (np.abs(t), np.abs(p)), {"sample_weight": w})
              for name in REGRESSION if "log" in name]
    calls += [(name, targets(rng, name, (30,), power=1.5), {"sample_weight": w})
              for name in DEVIANCES]
    calls += [("log_loss", (y, P), {"sample_weight": w, "labels": np.array([0, 1, 2])}),
              ("hinge_loss", (y, D), {"sample_weight": w, "labels": np.array([0, 1, 2])}),
              ("hinge_loss", (y % 2, D[:, 0]), {"sample_weight": w})]
    return calls


def test_inputs_are_not_modified(rng):
    for name, args, kwargs in _all_calls(rng):
        arrays = list(args) + [v for v in kwargs.values() if isinstance(v, np.ndarray)]
        copies = [a.copy() for a in arrays]
        call(name, *args, **kwargs)
        for a, c in zip(arrays, copies):
            np.testing.assert_array_equal(a, c, err_msg=name)


def test_read_only_and_strided_inputs(rng):
    for name, args, kwargs in _all_calls(rng):
        expected = call(name, *args, **kwargs)
        frozen = []
        for a in args:
            b = np.asfortranarray(a) if a.ndim == 2 else a[::-1][::-1].copy()[::1]
            b.setflags(write=False)
            frozen.append(b)
        assert call(name, *frozen, **kwargs) == pytest.approx(expected, rel=1e-14), name
        doubled = [np.repeat(a, 2, axis=0)[::2] for a in args]  # strided views, same values
        assert call(name, *doubled, **kwargs) == pytest.approx(expected, rel=1e-14), name


def test_results_are_python_floats_or_arrays(rng):
    for name, args, kwargs in _all_calls(rng):
        assert type(call(name, *args, **kwargs)) is float, name


def test_masked_arrays_are_refused():
    with pytest.raises(TypeError, match="MaskedArray"):
        M.mean_squared_error(np.ma.masked_array([1.0, 2.0], [0, 1]), [1.0, 2.0])


def test_docstring_examples_run():
    failures, tried = doctest.testmod(M, verbose=False)[:2]
    assert tried >= len(M.__all__) and failures == 0


# ---- properties ---------------------------------------------------------------------------

if given is not None:
    sizes = st.integers(1, 40)

    @given(st.integers(0, 2**32 - 1), sizes, st.integers(1, 4),
           st.sampled_from(REGRESSION), st.floats(0.01, 100))
    def test_weights_scale_free_and_repeat_samples(seed, n, k, name, scale):
        """Scaling every weight by c changes nothing; an integer weight m counts a sample m
        times; raw_values has one value per output and uniform_average is their mean."""
        rng = np.random.default_rng(seed)
        t, p = targets(rng, name, (n, k))
        kw = REFERENCE[name][2]
        m = rng.integers(1, 4, n)
        base = call(name, t, p, sample_weight=m, **kw)
        assert call(name, t, p, sample_weight=m * scale, **kw) == pytest.approx(base, rel=1e-12)
        rep = call(name, np.repeat(t, m, axis=0), np.repeat(p, m, axis=0), **kw)
        assert rep == pytest.approx(base, rel=1e-12, abs=1e-300)
        raw = call(name, t, p, sample_weight=m, multioutput="raw_values", **kw)
        assert raw.shape == (k,)
        assert base == pytest.approx(np.mean(raw), rel=1e-12, abs=1e-300)
        order = rng.permutation(n)
        assert call(name, t[order], p[order], sample_weight=m[order], **kw) == \
            pytest.approx(base, rel=1e-12, abs=1e-300)

    @given(st.integers(0, 2**32 - 1), st.integers(2, 40), st.integers(2, 6),
           st.floats(0.01, 100))
    def test_log_loss_weights_and_normalize(seed, n, c, scale):
        rng = np.random.default_rng(seed)
        y = rng.integers(0, c, n)
        P = rng.random((n, c))
        P /= P.sum(axis=1, keepdims=True)
        w = rng.random(n) + 0.05
        mean = M.log_loss(y, P, sample_weight=w, labels=list(range(c)))
        assert M.log_loss(y, P, sample_weight=w * scale, labels=list(range(c))) == \
            pytest.approx(mean, rel=1e-12)
        total = M.log_loss(y, P, sample_weight=w, normalize=False, labels=list(range(c)))
        assert total == pytest.approx(mean * np.sum(w), rel=1e-12)
        assert mean >= 0

    @given(st.integers(0, 2**32 - 1), sizes, st.integers(3, 6))
    def test_hinge_loss_shift_invariant_and_bounded(seed, n, c):
        """Adding one number to every score of a row leaves the multiclass margin unchanged;
        the loss is 0 where every margin is at least 1."""
        rng = np.random.default_rng(seed)
        y = rng.integers(0, c, n)
        D = np.round(rng.standard_normal((n, c)) * 4) / 4  # exact shifts
        labels = list(range(c))
        base = M.hinge_loss(y, D, labels=labels)
        shifted = D + np.round(rng.standard_normal((n, 1)) * 4) / 4
        assert M.hinge_loss(y, shifted, labels=labels) == pytest.approx(base, rel=1e-12)
        confident = np.zeros((n, c))
        confident[np.arange(n), y] = 2.0
        assert M.hinge_loss(y, confident, labels=labels) == 0.0


# ---- make_scorer in model selection -------------------------------------------------------

def test_make_scorer_in_cross_val_score():
    pytest.importorskip("sklearn")
    from sklearn.datasets import make_classification, make_regression
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.metrics import make_scorer
    from sklearn.model_selection import cross_val_score
    from sklearn.svm import LinearSVC

    def both(estimator, X, y, ours, builtin):
        a = cross_val_score(estimator, X, y, cv=4, scoring=ours)
        b = cross_val_score(estimator, X, y, cv=4, scoring=builtin)
        assert np.all(np.abs(a - b) <= 8 * np.spacing(np.abs(b))), (a, b)
        return a

    for n_classes in (2, 3):
        X, y = make_classification(n_samples=300, n_features=8, n_informative=5,
                                   n_classes=n_classes, random_state=0)
        names = np.array(["ant", "bee", "cat"])[y]  # string labels
        for target in (y, names):
            both(LogisticRegression(max_iter=500), X, target,
                 make_scorer(M.log_loss, greater_is_better=False,
                             response_method="predict_proba"), "neg_log_loss")
        from sklearn.metrics import hinge_loss as sk_hinge
        both(LinearSVC(), X, y,
             make_scorer(M.hinge_loss, greater_is_better=False,
                         response_method="decision_function"),
             make_scorer(sk_hinge, greater_is_better=False,
                         response_method="decision_function"))
    X, y = make_regression(n_samples=300, n_features=6, noise=5.0, random_state=0)
    for ours, builtin in [("mean_squared_error", "neg_mean_squared_error"),
                          ("root_mean_squared_error", "neg_root_mean_squared_error"),
                          ("mean_absolute_error", "neg_mean_absolute_error")]:
        both(Ridge(), X, y, make_scorer(getattr(M, ours), greater_is_better=False), builtin)
    from sklearn.metrics import mean_pinball_loss as sk_pinball
    both(Ridge(), X, y, make_scorer(M.mean_pinball_loss, alpha=0.9, greater_is_better=False),
         make_scorer(sk_pinball, alpha=0.9, greater_is_better=False))
    yp = np.abs(y) + 1
    both(Ridge(positive=True, fit_intercept=True), np.abs(X), yp,
         make_scorer(M.mean_poisson_deviance, greater_is_better=False),
         "neg_mean_poisson_deviance")
