"""glu's fast-mode kernels (a sigmoid(b) as (b < 0 ? a e : a) / (1 + e)): within fast mode's
4 ULP where the result is normal, accurate mode's results at NaN, infinities and outside the
kernels' domain, and really run; and the accurate float32 kernel within 1 ULP down to the
subnormal results. glu has two operands, so float32 cannot be checked exhaustively: a dense
sweep of b crossed with a's of every binade and sign stands in."""
import numpy as np
import pytest

import actloss as F
from actloss import _dispatch

mpmath = pytest.importorskip("mpmath")


def _glu(a, b, mode):
    with F.accuracy(mode):
        return F.glu(np.stack([a, b]), dim=0)[0]


def test_float32_fast_glu_within_4_ulp():
    rng = np.random.default_rng(7)
    n = 1_500_000
    b = np.concatenate([np.linspace(-30, 30, n), rng.uniform(-90, 90, n // 3)]).astype(np.float32)
    a = (np.sign(rng.uniform(-1, 1, b.size)) * np.exp2(rng.uniform(-120, 120, b.size))
         * rng.uniform(1, 2, b.size)).astype(np.float32)
    y = _glu(a, b, "fast")
    assert y.dtype == np.float32
    ref = a.astype(np.float64) / (1 + np.exp(-b.astype(np.float64)))  # ~1e-16: decides 1 ULP
    normal = np.abs(ref) >= np.finfo(np.float32).tiny
    spacing = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    err = np.abs(y.astype(np.float64) - ref)[normal] / spacing[normal]
    assert err.max() <= 4.0, (err.max(), b[normal][np.argmax(err)], a[normal][np.argmax(err)])


def test_float64_fast_glu_within_4_ulp():
    rng = np.random.default_rng(8)
    b = np.concatenate([np.linspace(-40, 40, 1601), rng.uniform(-6, 6, 800),
                        np.linspace(-708, 708, 401)])
    a = np.sign(rng.uniform(-1, 1, b.size)) * np.exp2(rng.uniform(-900, 900, b.size))
    y = _glu(a, b, "fast")
    with mpmath.workdps(50):
        for yv, av, bv in zip(y, a, b):
            exact = mpmath.mpf(float(av)) / (1 + mpmath.exp(-mpmath.mpf(float(bv))))
            if abs(exact) < mpmath.mpf(2.0) ** -1022:
                continue
            err = abs(mpmath.mpf(float(yv)) - exact) / mpmath.ldexp(1, mpmath.frexp(exact)[1] - 53)
            assert err <= 4.0, (float(err), av, bv)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_glu_special_values_as_accurate(dtype):
    """NaN, infinities, zeros and b past the kernels' domain (|b| > 87 float32, 708 float64)
    or a huge a give accurate mode's bits; ordinary neighbours stay within 4 ULP."""
    big = 1e300 if dtype == np.float64 else 3e38
    b = np.array([np.nan, 1.0, np.inf, -np.inf, 0.0, -0.0, 2.0, 800.0, -800.0, 90.0, -90.0,
                  1.0, -1.0, 5.0, -5.0], dtype)
    a = np.array([1.0, np.nan, 2.0, 2.0, -0.0, -0.0, np.inf, 1.5, 1.5, -2.0, -2.0,
                  big, -big, 3.0, -3.0], dtype)
    accurate, fast = _glu(a, b, "accurate"), _glu(a, b, "fast")
    np.testing.assert_array_equal(fast[:11], accurate[:11])
    assert np.array_equal(np.signbit(fast), np.signbit(accurate))
    ulps = np.abs(fast[11:].astype(np.float64) - accurate[11:]) / np.spacing(np.abs(accurate[11:]))
    assert (ulps <= 4).all(), ulps


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_glu_kernel_runs(dtype):
    x = np.random.default_rng(3).uniform(-8, 8, (64, 256)).astype(dtype)
    accurate = F.glu(x)
    with F.accuracy("fast"):
        fast = F.glu(x)
    if _dispatch.ISA == "baseline":  # no FMA: the accurate loop
        np.testing.assert_array_equal(fast, accurate)
    else:
        assert not np.array_equal(fast, accurate)
        np.testing.assert_allclose(fast, accurate, rtol=5e-7 if dtype == np.float32 else 5e-15)


def test_float32_accurate_glu_within_1_ulp_down_to_underflow():
    """a e near the bottom of the normal range (a small, or b near -87) left the float-lane
    kernel's low parts subnormal: 1.8 ULP at a = 2e-35, b = -7.5 and 1.2 at b = -87; the
    kernel now lends a small a 2^64 and leaves |b| > 70 to the double-lane one."""
    rng = np.random.default_rng(11)
    n = 1_000_000
    b = np.concatenate([rng.uniform(-87, 87, n), rng.uniform(-87, -60, n)]).astype(np.float32)
    a = (np.sign(rng.uniform(-1, 1, 2 * n)) * np.exp2(rng.uniform(-149, 127, 2 * n))).astype(np.float32)
    a[~np.isfinite(a)] = 1.0
    y = _glu(a, b, "accurate")
    ref = a.astype(np.float64) / (1 + np.exp(-b.astype(np.float64)))
    tiny = np.finfo(np.float32).tiny
    spacing = np.spacing(np.maximum(np.abs(ref), tiny).astype(np.float32)).astype(np.float64)
    err = np.abs(y.astype(np.float64) - ref) / spacing
    assert err.max() <= 1.0, (err.max(), a[np.argmax(err)], b[np.argmax(err)])
