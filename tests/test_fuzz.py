"""Fuzzing (issue 13): hypothesis draws the calls a hostile caller makes -- every float dtype in
both byte orders, 0-d, empty and multi-dimensional shapes, transposed, reversed, strided,
unaligned, zero-stride (broadcast) and read-only inputs, special values (NaN, +-inf, +-0,
subnormals, the largest floats), every parameter set the op tests use, out= and inplace= -- and
asserts, for each: the float64 reference result (within the op's tolerance), the input
untouched, no FP error or warning leaked under np.errstate(all="raise").

Profiles (tests/conftest.py): the suite's own (CI: derandomised, 50 examples per test); the long
run before a release, about 10^6 calls:  pytest -m fuzz --hypothesis-profile long tests/test_fuzz.py
"""
import math
import warnings

import numpy as np
import pytest

import actloss as F
import opspec
import reference as R
from conftest import assert_close_tol

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

pytestmark = pytest.mark.fuzz

SPECIAL_VALUES = [math.nan, math.inf, -math.inf, 0.0, -0.0, 5e-324, -5e-324, 1e-45, -1e-45, 6e-8,
                  1e-30, 65504.0, 7e4, 3.4e38, -3.4e38, 1.7e308, -1.7e308, 88.7, -103.9, 20.0]
FLOAT_DTYPES = ["<f2", "<f4", "<f8", ">f2", ">f4", ">f8"]
LAYOUTS = ["contiguous", "transposed", "reversed", "strided", "unaligned", "broadcast",
           "read-only"]


def _layout(base, layout):
    """An array equal to base, laid out as `layout` says."""
    if layout == "transposed" and base.ndim >= 2:
        return base.T.copy().T
    if layout == "reversed" and base.ndim >= 1:
        return np.flip(np.flip(base).copy())
    if layout == "strided" and base.ndim >= 1:
        big = np.zeros(base.shape[:-1] + (2 * base.shape[-1],), base.dtype)
        big[..., ::2] = base
        return big[..., ::2]
    if layout == "unaligned":
        buf = np.zeros(base.nbytes + base.itemsize, np.uint8)
        a = buf[1:1 + base.nbytes].view(base.dtype).reshape(base.shape)
        a[...] = base
        return a
    if layout == "broadcast" and base.size:
        return np.broadcast_to(base.reshape(-1)[:1].reshape((1,) * base.ndim), base.shape)
    if layout == "read-only":
        a = base.copy()
        a.flags.writeable = False
        return a
    return base.copy()


@st.composite
def hostile_arrays(draw, shape=None):
    dtype = np.dtype(draw(st.sampled_from(FLOAT_DTYPES)))
    if shape is None:
        shape = tuple(draw(st.lists(st.integers(0, 5), max_size=3)))
    n = math.prod(shape)
    values = draw(st.lists(st.one_of(st.floats(-30, 30), st.sampled_from(SPECIAL_VALUES),
                                     st.floats(allow_nan=True, allow_infinity=True)),
                           min_size=n, max_size=n))
    with np.errstate(all="ignore"):
        base = np.array(values, np.float64).astype(dtype).reshape(shape)
    return _layout(base, draw(st.sampled_from(LAYOUTS)))


def _snapshot(*arrays):
    return [(a.tobytes(), a.strides) for a in arrays]


def _quiet_call(f, *args, **kwargs):
    """f(*args, **kwargs) under np.errstate(all="raise") with warnings as errors."""
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        return f(*args, **kwargs)


def _native(a):
    return a.astype(a.dtype.newbyteorder("="))


SPECS = [s for s in opspec.SPECS if hasattr(F, s.func)]


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
@given(data=st.data())
def test_fuzz_elementwise(spec, data):
    x = data.draw(hostile_arrays(), label="x")
    params = data.draw(st.sampled_from(spec.params), label="params")
    kwargs = {**spec.fixed, **params}
    f, b = getattr(F, spec.func), getattr(F, spec.func + "_backward")
    xn = _native(x)
    res = xn.dtype
    before = _snapshot(x)

    y = np.asarray(_quiet_call(f, x, **kwargs))
    assert y.dtype == res and y.shape == x.shape
    assert _snapshot(x) == before, "input modified"
    x64 = xn.astype(np.float64)
    with np.errstate(all="ignore"):
        expected = R.forward(spec.name, x64, params, np.float32 if res == np.float16 else res)
    rel, abs_ = spec.tolerance("fwd", res, x64)
    assert_close_tol(y, expected, res, rel, abs_, err_msg=f"{spec.name}{params}")

    gy = np.full(x.shape, -3.0, res)
    g = np.asarray(_quiet_call(b, gy, x, **kwargs))
    assert g.dtype == res and g.shape == x.shape
    assert _snapshot(x) == before, "input modified by the backward"
    ok = ~np.isnan(x64)  # NaN inputs: grad_output passes through some selects (tested apart)
    with np.errstate(all="ignore"):
        dexp = -3.0 * R.derivative(spec.name, x64, params, np.float32 if res == np.float16 else res)
    rel, abs_ = spec.tolerance("bwd", res, x64)
    assert_close_tol(g[ok], dexp[ok], res, rel[ok], 3.0 * abs_[ok], err_msg=f"{spec.name}' {params}")

    # out= the input itself, and inplace=: the same values as a new result
    if x.flags.writeable and x.dtype.isnative:
        z = x.copy()
        np.testing.assert_array_equal(_quiet_call(f, z, out=z, **kwargs), y)
        if spec.inplace:
            z = x.copy()
            r = _quiet_call(f, z, inplace=True, **kwargs)
            assert r is z
            np.testing.assert_array_equal(z, y)


POINTWISE = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "soft_margin_loss"]


@pytest.mark.parametrize("name", POINTWISE)
@given(data=st.data())
def test_fuzz_pointwise_losses(name, data):
    """A documented error or a result: for the reductions, the float64 sum of the per-element
    losses computed in float64 (the kernels reduce in double: a float32 term past 3.4e38 is inf
    in "none" but counts as its value in "mean"), rounded to the result dtype (compared
    loosely: the kernel's compensated sum is more accurate than this one)."""
    x = data.draw(hostile_arrays(), label="input")
    t = data.draw(hostile_arrays(shape=x.shape), label="target")
    reduction = data.draw(st.sampled_from(["none", "mean", "sum"]), label="reduction")
    f = getattr(F, name)
    before = _snapshot(x, t)
    try:
        r = _quiet_call(f, x, t, reduction=reduction)
    except (TypeError, ValueError) as e:  # documented: e.g. mixed dtypes are promoted, not errors
        pytest.fail(f"{name} raised {type(e).__name__}: {e}")
    assert _snapshot(x, t) == before, "inputs modified"
    none = np.asarray(_quiet_call(f, x.astype(np.float64), t.astype(np.float64),
                                  reduction="none"))
    r = np.asarray(r, np.float64)
    if reduction == "none":
        return
    res = np.result_type(_native(x).dtype, _native(t).dtype)
    with np.errstate(all="ignore"):
        try:
            total = math.fsum(none.ravel())
        except (OverflowError, ValueError):  # an infinite term, or a sum past float64's range
            total = float(np.sum(none))
        expect = total if reduction == "sum" else (total / none.size if none.size else math.nan)
        expect = float(res.type(expect))  # the result dtype's rounding: inf past its range
    if math.isnan(expect) or math.isinf(expect):
        assert r == expect or (math.isnan(expect) and math.isnan(r)), (r, expect)
    else:
        assert abs(r - expect) <= 4 * float(np.finfo(res).eps) * max(abs(expect), 1e-30) + \
            float(np.finfo(res).eps) * float(np.max(np.abs(none), initial=0.0)), (r, expect)
