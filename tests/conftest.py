"""Shared fixtures and helpers of the actloss test suite.

* ``seed`` / ``rng``: one seed for every random input, from ``ACTLOSS_TEST_SEED`` (default 0),
  as scikit-learn's ``global_random_seed``; the suite must pass for any seed.
* ``dtype``: float32 and float64, the dtypes the kernels compute natively.
* hypothesis profiles: "ci" (derandomised, loaded when ``CI`` is set) and "dev".
* ``assert_close_tol``: comparison with tolerances in units of the dtype's machine epsilon.
"""
import os
import sys

import numpy as np
import pytest

# reference.py and opspec.py sit next to the tests; make them importable however pytest is run.
sys.path.insert(0, os.path.dirname(__file__))

try:
    from hypothesis import settings
except ImportError:  # hypothesis is a test extra; only the property tests need it
    settings = None

if settings is not None:
    # report_multiple_bugs=False: one minimal failing example per test, found without the
    # extra shrinking rounds that hunting for further distinct failures costs.
    settings.register_profile("ci", derandomize=True, max_examples=50, deadline=None,
                              report_multiple_bugs=False)
    settings.register_profile("dev", max_examples=100, deadline=None,
                              report_multiple_bugs=False)
    # the long fuzzing run (tests/test_fuzz.py): about 1.1 x 10^6 calls over its tests
    settings.register_profile("long", max_examples=6500, deadline=None,
                              report_multiple_bugs=False)
    settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def seed():
    """The random seed of this run: env ACTLOSS_TEST_SEED, default 0."""
    return int(os.environ.get("ACTLOSS_TEST_SEED", "0"))


@pytest.fixture
def rng(seed):
    return np.random.default_rng(seed)


@pytest.fixture(params=[np.float32, np.float64], ids=["float32", "float64"])
def dtype(request):
    return np.dtype(request.param)


def assert_close_tol(actual, expected, dtype, ulps_rel, abs_eps=0.0, err_msg=""):
    """Assert actual ~ expected, compared in float64, tolerances in units of finfo(dtype).eps.

    ``expected`` (a float64 reference) is first rounded to ``dtype``: the best the library can
    return is that rounded value, and it makes overflow to inf and subnormal results comparable.
    Then, elementwise (``ulps_rel`` and ``abs_eps`` may be arrays that broadcast)::

        |actual - expected| <= eps * (ulps_rel * max(|expected|, tiny) + abs_eps)

    ``tiny`` (the smallest normal number) makes the relative part a ULP count below the normal
    range too. NaN positions must match exactly; infinities must match exactly (sign too).
    Signed zeros compare equal (tests that care check ``np.signbit`` themselves).
    """
    dtype = np.dtype(dtype)
    info = np.finfo(dtype)
    a = np.asarray(actual).astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.asarray(expected, dtype=np.float64).astype(dtype).astype(np.float64)
    assert a.shape == e.shape, f"{err_msg}: shape {a.shape} != expected shape {e.shape}"
    if a.size == 0:
        return
    ulps_rel = np.broadcast_to(np.asarray(ulps_rel, dtype=np.float64), a.shape)
    abs_eps = np.broadcast_to(np.asarray(abs_eps, dtype=np.float64), a.shape)

    nan_a, nan_e = np.isnan(a), np.isnan(e)
    if not np.array_equal(nan_a, nan_e):
        i = np.flatnonzero((nan_a != nan_e).ravel())[0]
        raise AssertionError(f"{err_msg}: NaN mismatch at flat index {i}: got {a.ravel()[i]!r}, "
                             f"expected {e.ravel()[i]!r} ({int((nan_a != nan_e).sum())} "
                             f"positions differ)")
    inf_any = (np.isinf(a) | np.isinf(e)) & ~nan_e
    bad_inf = inf_any & (a != e)
    with np.errstate(invalid="ignore"):
        err = np.where(nan_e | inf_any, 0.0, np.abs(a - e))
    with np.errstate(over="ignore"):  # a tolerance may overflow to inf: no constraint then
        tol = (ulps_rel * info.eps) * np.maximum(np.abs(np.where(inf_any | nan_e, 0, e)),
                                                 float(info.tiny)) + abs_eps * info.eps
    bad = bad_inf | (err > tol)
    if bad.any():
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ratio = np.where(bad_inf | (bad & (tol == 0)), np.inf, np.where(bad, err / tol, 0.0))
        i = int(np.argmax(ratio.ravel()))
        scale = max(abs(e.ravel()[i]), float(info.tiny))
        with np.errstate(over="ignore", invalid="ignore"):
            rel_err = err.ravel()[i] / scale / info.eps
        raise AssertionError(
            f"{err_msg}: {int(bad.sum())} of {a.size} elements out of tolerance; worst at flat "
            f"index {i}: got {a.ravel()[i]!r}, expected {e.ravel()[i]!r}, error "
            f"{rel_err:.3g} eps relative "
            f"(tolerance {ulps_rel.ravel()[i]:.3g} eps rel + {abs_eps.ravel()[i]:.3g} eps abs, "
            f"dtype {dtype})")


def hypothesis_property(func):
    """func(data) as a hypothesis test drawing from st.data(); a clean skip without hypothesis
    (a test extra)."""
    try:
        from hypothesis import given, strategies as st
    except ImportError:
        def skipped(*args, **kwargs):
            pytest.skip("hypothesis is not installed")
        skipped.__name__ = func.__name__
        return skipped
    return given(data=st.data())(func)
