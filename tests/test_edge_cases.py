"""What a hostile caller finds (issue 13): infinities through reductions, the caller's NumPy FP
state, limits of the arguments."""
import inspect
import warnings

import numpy as np
import pytest

import actloss as F

POINTWISE_SUMS = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [4096, 4097, 100_000])
@pytest.mark.parametrize("name", POINTWISE_SUMS)
def test_infinite_term_sums_to_inf(name, n, dtype):
    """An infinite term makes the sum inf (torch's), past one chunk of the compensated sum too
    (its compensation turned inf - inf into NaN)."""
    x = np.zeros(n, dtype)
    x[-1] = np.inf
    t = np.zeros_like(x)
    for reduction in ("sum", "mean"):
        r = getattr(F, name)(x, t, reduction=reduction)
        assert r == np.inf and r.dtype == dtype
    x[0] = -np.inf  # inf - inf terms: the loss terms are |x|, x^2: still +inf
    assert getattr(F, name)(x, t, reduction="sum") == np.inf


def test_overflowing_sum_is_inf():
    x = np.full(8192, 1e154)  # each term 1e308, the sum past the float64 range
    assert F.mse_loss(x, np.zeros_like(x), reduction="sum") == np.inf
    assert F.mse_loss(x, np.zeros_like(x)) == np.inf


def test_bce_with_logits_infinite_term():
    x = np.zeros(10_000, np.float32)
    x[-1] = -np.inf
    assert F.binary_cross_entropy_with_logits(x, np.ones_like(x), reduction="sum") == np.inf


def _public_functions():
    for name in F.__all__:
        f = getattr(F, name)
        if callable(f) and not inspect.isclass(f) and inspect.isfunction(f):
            yield name, f


X16 = np.array([-65504, -70, -5, -1e-4, -6e-8, 0, 6e-8, 1e-4, 0.5, 5, 70, 65504], np.float16)
X32 = np.array([-1e30, -100, -1, 0, 1e-30, 1, 100, 1e30, 3e38], np.float32)


def _calls(f, name):
    """The argument lists a caller might try: (x), (x, zeros), (x, -x), (x, ones) -- for a
    backward, grad_output first. Calls that the function rejects are skipped by the caller."""
    for x in (X16, X32):
        if name.endswith("_backward"):
            yield (np.ones_like(x), x)
            yield (np.ones_like(x), x, np.zeros_like(x))
        else:
            yield (x,)
            yield (x, np.zeros_like(x))
            yield (x, -x)
            yield (x, np.ones_like(x))


@pytest.mark.parametrize("setting", ["raise", "warn"])
def test_callers_fp_state_does_not_leak_in(setting):
    """Under np.seterr(all="raise") or "warn", no function raises FloatingPointError or warns
    for its own narrowing casts (float32 results to float16, a float64 sum beyond float32's
    range): those round to inf or 0 as IEEE says, and the results are what they are under
    the default state."""
    leaked = []
    for name, f in _public_functions():
        for args in _calls(f, name):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # softmax's implicit dim
                try:
                    expected = f(*args)
                except Exception:
                    continue
            if not isinstance(expected, (np.ndarray, np.generic, tuple)):
                continue  # not a computation (accuracy(), the setters)
            with np.errstate(all=setting), warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                warnings.simplefilter("error", RuntimeWarning)
                try:
                    got = f(*args)
                except (FloatingPointError, RuntimeWarning) as e:
                    leaked.append(f"{name}: {e}")
                    continue
            _assert_same(expected, got, name)
    assert not leaked, leaked[:10]


def _assert_same(a, b, name):
    if isinstance(a, tuple):
        for p, q in zip(a, b, strict=True):
            _assert_same(p, q, name)
    else:
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=name)


def test_mse_overflow_under_seterr_raise():
    with np.errstate(all="raise"):
        r = F.mse_loss(np.float32([1e30]), np.float32([-1e30]))
    assert r == np.inf and r.dtype == np.float32
