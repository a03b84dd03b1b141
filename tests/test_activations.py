"""Activations, forward and backward, against the independent float64 reference (reference.py)
with the per-op domains, parameters and tolerances of opspec.py; then sizes, layouts, dtypes,
out=/inplace=, threads, every ISA level, the activations with their own loops (prelu, rrelu,
glu), and torch.nn.functional itself where it is installed.
"""
import inspect
import math

import numpy as np
import pytest

import actloss as F
from actloss import _dispatch, _ops, _threads

import opspec
import reference as R
from conftest import assert_close_tol
from opspec import NEG_ZERO, SPECS, resolve_expected, resolve_input, sample

SPEC_IDS = [s.name for s in SPECS]
CASES = [pytest.param(s, p, id=f"{s.name}-{i}") for s in SPECS for i, p in enumerate(s.params)]
ROW = {op.name: op for op in _ops.UNARY}
ROW_INDEX = {op.name: i for i, op in enumerate(_ops.UNARY)}
KERNEL_SPECS = [s for s in SPECS if s.name in ROW]

CUTOFFS = (_threads.SERIAL_CUTOFF_TRANSCENDENTAL, _threads.SERIAL_CUTOFF_CHEAP)
SIZES = (0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1000)
CUTOFF_SIZES = tuple(sorted({c + d for c in CUTOFFS for d in (-1, 0, 1)}))
F16 = np.dtype(np.float16)


# ---- helpers -------------------------------------------------------------------------------

def fwd(spec, x, params, **kw):
    return getattr(F, spec.func)(x, **spec.fixed, **params, **kw)


def bwd(spec, gy, x, params, **kw):
    return getattr(F, spec.func + "_backward")(gy, x, **spec.fixed, **params, **kw)


def _param_dtype(dtype):
    return np.float32 if np.dtype(dtype) == F16 else dtype  # float16 is computed in float32


def ref_fwd(spec, x, params, dtype):
    return R.forward(spec.name, x, params, _param_dtype(dtype))


def ref_grad(spec, gy, x, params, dtype):
    return R.as_f64(gy) * R.derivative(spec.name, x, params, _param_dtype(dtype))


def _f16_rel(rel, dtype):
    # float16 results are float32 results rounded again: one more rounding (<= 1 eps)
    return np.maximum(rel, 1.0) if np.dtype(dtype) == F16 else rel


def check_fwd(spec, x, params, y, dtype, what=""):
    dtype = np.dtype(dtype)
    assert isinstance(y, np.ndarray), type(y)
    assert y.dtype == dtype and y.shape == np.shape(x), (y.dtype, y.shape, np.shape(x))
    rel, ab = spec.tolerance("fwd", dtype, R.as_f64(x))
    assert_close_tol(y, ref_fwd(spec, x, params, dtype), dtype, _f16_rel(rel, dtype), ab,
                     err_msg=f"{spec.name}{params} forward {dtype} {what}")


def check_bwd(spec, gy, x, params, g, dtype, what=""):
    dtype = np.dtype(dtype)
    assert isinstance(g, np.ndarray), type(g)
    assert g.dtype == dtype and g.shape == np.shape(x), (g.dtype, g.shape, np.shape(x))
    rel, ab = spec.tolerance("bwd", dtype, R.as_f64(x))
    assert_close_tol(g, ref_grad(spec, gy, x, params, dtype), dtype, _f16_rel(rel, dtype),
                     ab * np.abs(R.as_f64(gy)),
                     err_msg=f"{spec.name}{params} backward {dtype} {what}")


def grad_output(rng, shape, dtype):
    """Upstream gradients of magnitude 0.5 .. 2, both signs."""
    g = rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    return g.astype(dtype)


def bits_equal(a, b):
    """Same dtype, shape and bits -- except that any NaN equals any NaN (a NaN's sign and
    payload carry no meaning; NaN positions must match)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind != "f":
        return np.array_equal(a, b)
    na, nb = np.isnan(a), np.isnan(b)
    a, b = np.where(na, 0, a).astype(a.dtype), np.where(nb, 0, b).astype(b.dtype)
    return np.array_equal(na, nb) and np.array_equal(np.ascontiguousarray(a).view(np.uint8),
                                                     np.ascontiguousarray(b).view(np.uint8))


# ---- agreement with the reference ----------------------------------------------------------

@pytest.mark.parametrize("spec, params", CASES)
def test_forward_matches_reference(spec, params, dtype, rng):
    x = sample(spec, params, 4000, rng, dtype)
    check_fwd(spec, x, params, fwd(spec, x, params), dtype)
    x2 = x[:3990].reshape(38, 105)  # shape is kept
    check_fwd(spec, x2, params, fwd(spec, x2, params), dtype, "2-D")


@pytest.mark.parametrize("spec, params", CASES)
def test_backward_matches_reference(spec, params, dtype, rng):
    x = sample(spec, params, 4000, rng, dtype)
    gy = grad_output(rng, x.shape, dtype)
    check_bwd(spec, gy, x, params, bwd(spec, gy, x, params), dtype)


def test_kinks_take_torch_values():
    """The documented one-sided values at the kinks, spelled out (not via the reference).

    hardswish's gradient is 0 at -3 and 1 at 3, as torch >= 2.7 (pytorch#148049) has it; up to
    2.6 torch used x/3 + 1/2 on the closed interval."""
    one = np.ones(1)
    at = lambda f, x, *a, **k: float(f(one, np.array([x]), *a, **k)[0])  # noqa: E731
    assert at(F.relu_backward, 0.0) == 0.0
    assert at(F.leaky_relu_backward, 0.0, 0.2) == 0.2
    assert at(F.hardtanh_backward, -1.0) == 0.0 and at(F.hardtanh_backward, 1.0) == 0.0
    assert at(F.relu6_backward, 0.0) == 0.0 and at(F.relu6_backward, 6.0) == 0.0
    assert at(F.elu_backward, 0.0, 2.5) == 2.5
    assert at(F.celu_backward, 0.0, 2.5) == 1.0
    assert at(F.hardsigmoid_backward, -3.0) == 0.0 and at(F.hardsigmoid_backward, 3.0) == 0.0
    assert at(F.hardsigmoid_backward, 2.999) == 1 / 6
    assert at(F.hardswish_backward, -3.0) == 0.0 and at(F.hardswish_backward, 3.0) == 1.0
    assert at(F.hardswish_backward, -2.999) == -2.999 / 3 + 0.5
    assert at(F.hardswish_backward, 3.001) == 1.0
    assert at(F.threshold_backward, 0.5, 0.5, 7.0) == 0.0
    assert float(F.threshold(np.array([0.5]), 0.5, 7.0)[0]) == 7.0
    assert at(F.hardshrink_backward, 0.5) == 0.0 and at(F.hardshrink_backward, -0.5) == 0.0
    assert at(F.softshrink_backward, 0.5) == 0.0 and at(F.softshrink_backward, -0.5) == 0.0
    assert float(F.prelu_backward(one, np.array([0.0]), np.array([0.3]))[0][0]) == 0.3
    assert at(F.rrelu_backward, 0.0, 0.1, 0.3) == pytest.approx(0.2, abs=1e-16)
    assert at(F.softplus_backward, 20.0) == pytest.approx(1 / (1 + math.exp(-20)), rel=1e-15)
    assert at(F.softplus_backward, 20.000001) == 1.0


@pytest.mark.parametrize("size", SIZES + CUTOFF_SIZES)
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_sizes(spec, size, dtype, rng):
    """Every length around the vector widths, the chunking and the thread cut-off; every
    element is written (out= starts as NaN)."""
    params = spec.params[0]
    x = sample(spec, params, size, rng, dtype)
    check_fwd(spec, x, params, fwd(spec, x, params), dtype, f"size {size}")
    out = np.full(size, np.nan, dtype)
    check_fwd(spec, x, params, fwd(spec, x, params, out=out), dtype, f"size {size}, out=")
    gy = grad_output(rng, x.shape, dtype)
    check_bwd(spec, gy, x, params, bwd(spec, gy, x, params), dtype, f"size {size}")
    gout = np.full(size, np.nan, dtype)
    check_bwd(spec, gy, x, params, bwd(spec, gy, x, params, out=gout), dtype,
              f"size {size}, out=")


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_zero_dim(spec, dtype):
    params = spec.params[0]
    for v in (-1.25, 0.0, 2.5):
        # a 0-d array in gives a NumPy scalar out, as np.exp does
        x = np.array(v, dtype)
        y = fwd(spec, x, params)
        assert type(y) is dtype.type
        check_fwd(spec, x, params, np.asarray(y), dtype, "0-d")
        g = bwd(spec, np.array(1.5, dtype), x, params)
        assert type(g) is dtype.type
        check_bwd(spec, np.array(1.5, dtype), x, params, np.asarray(g), dtype, "0-d")
        # a NumPy scalar is a 0-d input of its dtype too
        ys = fwd(spec, dtype.type(v), params)
        assert type(ys) is dtype.type
        assert bits_equal(ys, y)
    # a Python float is float64
    y = fwd(spec, 0.75, params)
    assert type(y) is np.float64


# ---- special values ------------------------------------------------------------------------

@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_special_values(spec, dtype):
    params = spec.params[0]
    tokens = [x for x, _ in spec.special] + [math.nan]
    xs = np.array([resolve_input(t, dtype) for t in tokens], dtype)
    expected = [resolve_expected(e, float(x)) for (_, e), x in zip(spec.special, xs)] + [math.nan]
    y = fwd(spec, xs, params)
    # the hand-written values use the unrounded parameters (0.01 * x): allow 2 eps everywhere
    rel = max(spec.fwd_tol[opspec.F64 if dtype == opspec.F64 else opspec.F32].rel, 2.0)
    for i, (t, e) in enumerate(zip(tokens, expected)):
        assert_close_tol(y[i:i + 1], [e], dtype, rel, err_msg=f"{spec.name}({t!r}) {dtype}")
    for i, (_, e) in enumerate(spec.special):
        if e is NEG_ZERO:
            assert y[i] == 0 and np.signbit(y[i]), f"{spec.name}({xs[i]}) = {y[i]}, expected -0.0"
    # the same values one at a time (the scalar tail of the loop) and in a long array (the
    # vector body) give the same results
    for i in range(xs.size):
        assert bits_equal(fwd(spec, xs[i:i + 1], params), y[i:i + 1]), (spec.name, xs[i])
    long = np.tile(xs, 37)
    assert bits_equal(fwd(spec, long, params), np.tile(y, 37))


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_magnitude_sweep(spec, dtype):
    """+-10^k from the smallest subnormal to finfo.max: results (and gradients) follow the
    reference -- no spurious overflow, underflow to the limit, no garbage from range reduction
    (DESIGN.md section 4: huge magnitudes and subnormals follow the mathematical limit)."""
    info = np.finfo(dtype)
    with np.errstate(over="ignore"):  # the last power of ten may round past finfo.max
        mags = np.logspace(np.log10(float(info.smallest_subnormal)), np.log10(float(info.max)),
                           400).astype(dtype)
    mags = mags[np.isfinite(mags) & (mags > 0)]
    x = np.concatenate([mags, -mags, [info.max, -info.max]]).astype(dtype)
    params = spec.params[0]
    check_fwd(spec, x, params, fwd(spec, x, params), dtype, "magnitude sweep")
    g = bwd(spec, np.ones_like(x), x, params)
    check_bwd(spec, np.ones_like(x), x, params, g, dtype, "magnitude sweep")


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_nan_propagates_every_parameter_set(spec, dtype):
    for params in spec.params:
        x = np.full(70, np.nan, dtype)
        x[::3] = 1.0
        y = fwd(spec, x, params)
        assert np.isnan(y[np.isnan(x)]).all(), (spec.name, params)
        assert not np.isnan(y[~np.isnan(x)]).any()


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_backward_special_inputs(spec, dtype):
    """Gradients at +-0, subnormals, huge magnitudes and +-inf are the derivative's limits."""
    params = spec.params[0]
    xs = [0.0, -0.0, "tiny", "-tiny", "huge", "-huge", math.inf, -math.inf, 1e4, -1e4, 40.0,
          -40.0] + list(spec.kink_points(params))
    with np.errstate(over="ignore"):
        x = np.array([resolve_input(t, dtype) for t in xs], dtype)
    gy = np.ones_like(x)
    g = bwd(spec, gy, x, params)
    check_bwd(spec, gy, x, params, g, dtype, "special inputs")


# ---- numerical derivative ------------------------------------------------------------------

def numerical_derivative(func, x, h):
    """4th-order central difference (as scikit-learn's _loss tests): error O(h^4)."""
    return (-func(x + 2 * h) + 8 * func(x + h) - 8 * func(x - h) + func(x - 2 * h)) / (12 * h)


@pytest.mark.parametrize("spec, params", CASES)
def test_backward_matches_numerical_derivative(spec, params, rng):
    h = 1e-3
    lo, hi = spec.domain
    x = rng.uniform(lo, hi, 3000)
    x = np.concatenate([x, rng.uniform(-2, 2, 1000)])
    for k in spec.kink_points(params):  # the stencil must not straddle a kink
        x = x[np.abs(x - k) > 3 * h]
    g = bwd(spec, np.ones_like(x), x, params)
    num = numerical_derivative(lambda t: fwd(spec, t, params), x, h)
    # truncation ~h^4 |f^(5)| / 30 < 1e-11 and rounding ~3e-13 |f| / h < 1e-8 on these domains
    np.testing.assert_allclose(g, num, rtol=1e-8, atol=1e-8,
                               err_msg=f"{spec.name}{params}")


# ---- out= and inplace= ---------------------------------------------------------------------

@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_out(spec, dtype, rng):
    params = spec.params[0]
    x = sample(spec, params, 63, rng, dtype).reshape(7, 9)
    expected = fwd(spec, x, params)
    out = np.empty_like(x)
    r = fwd(spec, x, params, out=out)
    assert r is out and np.shares_memory(r, out) and bits_equal(out, expected)
    # a strided out is written through
    big = np.zeros((7, 18), dtype)
    view = big[:, ::2]
    r = fwd(spec, x, params, out=view)
    assert r is view and bits_equal(big[:, ::2], expected) and not big[:, 1::2].any()
    # out may be the input itself
    x2 = x.copy()
    r = fwd(spec, x2, params, out=x2)
    assert r is x2 and bits_equal(x2, expected)
    # backward
    gy = grad_output(rng, x.shape, dtype)
    gexp = bwd(spec, gy, x, params)
    gout = np.empty_like(x)
    r = bwd(spec, gy, x, params, out=gout)
    assert r is gout and bits_equal(gout, gexp)
    gy2 = gy.copy()
    r = bwd(spec, gy2, x, params, out=gy2)  # out may be grad_output
    assert r is gy2 and bits_equal(gy2, gexp)


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_inplace(spec, dtype, rng):
    params = spec.params[0]
    func = getattr(F, spec.func)
    has = "inplace" in inspect.signature(func).parameters
    assert has == spec.inplace, f"{spec.func}: inplace in signature is {has}, torch: {spec.inplace}"
    if spec.name in ROW:
        assert ROW[spec.name].inplace == spec.inplace
    x = sample(spec, params, 40, rng, dtype).reshape(5, 8)
    if not spec.inplace:
        with pytest.raises(TypeError):
            fwd(spec, x, params, inplace=True)
        return
    expected = fwd(spec, x, params)
    x2 = x.copy()
    r = fwd(spec, x2, params, inplace=True)
    assert r is x2 and bits_equal(x2, expected)
    # in place on a strided view writes into the base array only there
    base = np.zeros((5, 16), dtype)
    base[:, ::2] = x
    view = base[:, ::2]
    r = fwd(spec, view, params, inplace=True)
    assert r is view and bits_equal(base[:, ::2], expected) and not base[:, 1::2].any()
    # inplace=False leaves the input alone
    x3 = x.copy()
    fwd(spec, x3, params, inplace=False)
    assert bits_equal(x3, x)


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_inputs_not_modified(spec, dtype, rng):
    params = spec.params[0]
    x = sample(spec, params, 300, rng, dtype)
    gy = grad_output(rng, x.shape, dtype)
    x0, gy0 = x.copy(), gy.copy()
    fwd(spec, x, params)
    fwd(spec, x, params, out=np.empty_like(x))
    bwd(spec, gy, x, params)
    bwd(spec, gy, x, params, out=np.empty_like(x))
    xs = x[::-2]
    fwd(spec, xs, params)
    bwd(spec, gy[::-2], xs, params)
    assert bits_equal(x, x0) and bits_equal(gy, gy0)


# ---- layouts and dtypes --------------------------------------------------------------------

def _layouts(a, path):
    """(name, array) with a's values in other layouts (a is 2-D, C-contiguous)."""
    ro = a.copy()
    ro.setflags(write=False)
    a.tofile(path)
    mm = np.memmap(path, dtype=a.dtype, mode="r", shape=a.shape)
    wide = np.zeros((a.shape[0], 3 * a.shape[1]), a.dtype)
    wide[:, ::3] = a
    rev = a[::-1, ::-1].copy()[::-1, ::-1]
    big3 = np.zeros((2,) + a.shape + (2,), a.dtype)
    big3[1, :, :, 0] = a
    return [("strided", wide[:, ::3]), ("fortran", np.asfortranarray(a)), ("reversed", rev),
            ("read-only", ro), ("memmap", mm), ("3-D slice", big3[1, :, :, 0])]


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_layouts_match_contiguous(spec, dtype, rng, tmp_path):
    params = spec.params[0]
    x = sample(spec, params, 24 * 37, rng, dtype).reshape(24, 37)
    gy = grad_output(rng, x.shape, dtype)
    y, g = fwd(spec, x, params), bwd(spec, gy, x, params)
    xs, gys = _layouts(x, tmp_path / "x.bin"), dict(_layouts(gy, tmp_path / "gy.bin"))
    for name, xv in xs:
        assert bits_equal(np.ascontiguousarray(fwd(spec, xv, params)), y), (spec.name, name)
        assert bits_equal(np.ascontiguousarray(bwd(spec, gys[name], xv, params)), g), \
            (spec.name, name)
        # mixed layouts of grad_output and input
        assert bits_equal(np.ascontiguousarray(bwd(spec, gy, xv, params)), g), (spec.name, name)
    # a transposed view gives the transposed result
    assert bits_equal(np.ascontiguousarray(fwd(spec, x.T, params)), np.ascontiguousarray(y.T))
    assert bits_equal(np.ascontiguousarray(bwd(spec, gy.T, x.T, params)),
                      np.ascontiguousarray(g.T))
    assert fwd(spec, x.T, params).shape == (37, 24)


# Values that send a float-lane block to its double-lane fallback (outside a fast function's
# domain, or in a minimum's window: _ops.F32_LANES) mixed with ordinary ones
_FALLBACK_VALUES = np.float32([100.0, -100.0, 88.5, -95.0, 1e38, -1e-40, np.nan, -0.7493,
                               -1.2778, 12.0, -9.5, 45.0])


@pytest.mark.parametrize("mode", ["accurate", "fast"])
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_result_depends_on_the_element_alone(spec, mode, rng):
    """A float32 element's result is the same bits whatever shares its block of 256: alone,
    in a block of ordinary values, or among values that send the block to the double-lane
    fallback (a block's path once decided every element's bits: a silu or gelu(tanh) minimum
    or a |x| > 87 next to an element changed its last bit, and a reversed or Fortran-ordered
    array gave other bits)."""
    params = spec.params[0]
    x = sample(spec, params, 4096, rng, np.dtype(np.float32))
    x[::37] = rng.choice(_FALLBACK_VALUES, x[::37].size)
    gy = grad_output(rng, x.shape, np.dtype(np.float32))
    with F.accuracy(mode):
        y, g = fwd(spec, x, params), bwd(spec, gy, x, params)
        assert bits_equal(fwd(spec, x[::-1].copy(), params)[::-1], y), spec.name
        assert bits_equal(bwd(spec, gy[::-1].copy(), x[::-1].copy(), params)[::-1], g), spec.name
        for i in range(0, x.size, 151):
            assert bits_equal(fwd(spec, x[i:i + 1], params), y[i:i + 1]), (spec.name, x[i])
            assert bits_equal(bwd(spec, gy[i:i + 1], x[i:i + 1], params), g[i:i + 1]), \
                (spec.name, x[i])


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_float16_computed_in_float32(spec, rng):
    params = spec.params[0]
    x = sample(spec, params, 500, rng, F16)
    y = fwd(spec, x, params)
    assert y.dtype == F16 and y.shape == x.shape
    with np.errstate(over="ignore"):
        via32 = fwd(spec, x.astype(np.float32), params).astype(F16)
    assert bits_equal(y, via32), spec.name
    check_fwd(spec, x, params, y, F16, "float16")
    gy = grad_output(rng, x.shape, F16)
    g = bwd(spec, gy, x, params)
    assert g.dtype == F16
    with np.errstate(over="ignore"):
        g32 = bwd(spec, gy.astype(np.float32), x.astype(np.float32), params).astype(F16)
    assert bits_equal(g, g32), spec.name


@pytest.mark.parametrize("int_dtype", [np.int8, np.int32, np.int64, np.uint8, np.bool_])
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_integer_and_bool_inputs_give_float64(spec, int_dtype):
    params = spec.params[0]
    x = np.array([0, 1, 2, 3, 5, 7, 9], int_dtype) if int_dtype in (np.uint8, np.bool_) \
        else np.arange(-9, 10, dtype=int_dtype)
    y = fwd(spec, x, params)
    assert y.dtype == np.float64
    assert bits_equal(y, fwd(spec, x.astype(np.float64), params))
    check_fwd(spec, x, params, y, np.float64, str(np.dtype(int_dtype)))
    g = bwd(spec, np.ones(x.shape), x, params)
    assert g.dtype == np.float64
    assert bits_equal(g, bwd(spec, np.ones(x.shape), x.astype(np.float64), params))


# ---- threads and ISA levels ----------------------------------------------------------------

@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_threads_bit_identical(spec, dtype, rng):
    params = spec.params[0]
    n = max(CUTOFFS) + 4099  # above both cut-offs: the multi-threaded path
    x = sample(spec, params, n, rng, dtype)
    gy = grad_output(rng, x.shape, dtype)
    try:
        F.set_num_threads(1)
        y1, g1 = fwd(spec, x, params), bwd(spec, gy, x, params)
        F.set_num_threads(2)
        y2, g2 = fwd(spec, x, params), bwd(spec, gy, x, params)
    finally:
        F.set_num_threads(None)
    assert bits_equal(y1, y2) and bits_equal(g1, g2), spec.name
    check_fwd(spec, x, params, y2, dtype, "2 threads")


_LANE_SPECS = [s for s in SPECS if s.name in ROW
               and any((ROW[s.name].name, k) in _ops.F32_LANES for k in ("fwd", "bwd", "bwdo"))]


@pytest.mark.parametrize("spec", _LANE_SPECS, ids=[s.name for s in _LANE_SPECS])
def test_float_lane_fallback_stays_in_its_block(spec, rng):
    """A NaN sends its block of 256 float32 elements to the double-lane kernel (al_loops.h):
    every other element keeps the bits it has without the NaN, the block's other elements stay
    within tolerance, and so at 1 and 2 threads."""
    params, block = spec.params[0], 256
    n = max(CUTOFFS) + 4 * block + 37
    f32 = np.dtype(np.float32)
    x = sample(spec, params, n, rng, f32).reshape(-1)
    gy = grad_output(rng, x.shape, f32)
    hit = n - 2 * block + 5
    xn = x.copy()
    xn[hit] = np.nan
    first = hit - hit % block
    outside = np.ones(n, bool)
    outside[first:first + block] = False
    keep = np.arange(n) != hit
    try:
        for threads in (1, 2):
            F.set_num_threads(threads)
            y, yn = fwd(spec, x, params), fwd(spec, xn, params)
            g, gn = bwd(spec, gy, x, params), bwd(spec, gy, xn, params)
            assert bits_equal(y[outside], yn[outside]), f"{spec.name} forward, {threads} threads"
            assert bits_equal(g[outside], gn[outside]), f"{spec.name} backward, {threads} threads"
            assert np.isnan(yn[hit])
            check_fwd(spec, xn[keep], params, yn[keep], f32, "NaN block")
    finally:
        F.set_num_threads(None)


def _kernel_params(spec, params):
    """p0, p1, p2 of the op's row, from `params` or the row's defaults."""
    p = [float(params.get(q.name, q.default)) for q in ROW[spec.name].params]
    return (p + [0.0, 0.0, 0.0])[:3]


@pytest.mark.parametrize("isa", _dispatch.SUPPORTED)
@pytest.mark.parametrize("spec", KERNEL_SPECS, ids=[s.name for s in KERNEL_SPECS])
def test_every_isa_level(spec, isa, dtype, rng):
    k = _dispatch.kernels("_elementwise", isa)
    op, dt = ROW_INDEX[spec.name], (0 if dtype == np.float32 else 1)
    specials = np.array([resolve_input(t, dtype) for t, _ in spec.special] + [math.nan], dtype)
    for params in spec.params:
        p0, p1, p2 = _kernel_params(spec, params)
        # random inputs, then the special values (in the vector body and the scalar tail)
        x = np.concatenate([sample(spec, params, 1037, rng, dtype), np.tile(specials, 5)])
        gy = grad_output(rng, x.shape, dtype)
        y = np.empty_like(x)
        k.unary(0, op, dt, x, x, y, p0, p1, p2, 1)
        check_fwd(spec, x, params, y, dtype, f"ISA {isa}")
        assert bits_equal(y, fwd(spec, x, params)) or isa != _dispatch.ISA
        g = np.empty_like(x)
        k.unary(1, op, dt, gy, x, g, p0, p1, p2, 1)
        finite = ~np.isnan(x)  # a gradient at NaN is not specified
        check_bwd(spec, gy[finite], x[finite], params, g[finite], dtype, f"ISA {isa}")
        y2 = np.empty_like(x)
        k.unary(0, op, dt, x, x, y2, p0, p1, p2, 2)
        assert bits_equal(y, y2)
        if ROW[spec.name].saves_output:
            go = np.empty_like(x)
            k.unary(2, op, dt, gy, y, go, p0, p1, p2, 1)
            yf = R.as_f64(y)
            expected = R.as_f64(gy) * _from_output_formula(spec.name, yf)
            assert_close_tol(go, expected, dtype, 2, 1, err_msg=f"{spec.name} kind 2 {isa}")


# ---- backward from the output --------------------------------------------------------------

def _from_output_formula(name, y):
    """torch's gradient from the forward result: sigmoid y (1 - y), tanh 1 - y^2."""
    return (1 - y) * y if name == "sigmoid" else 1 - y * y


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_backward_from_output(name, dtype, rng):
    spec = opspec.BY_NAME[name]
    x = sample(spec, {}, 2000, rng, dtype)
    gy = grad_output(rng, x.shape, dtype)
    func, back = getattr(F, name), getattr(F, name + "_backward")
    y = func(x)
    g = back(gy, output=y)
    assert g.dtype == dtype and g.shape == x.shape
    assert_close_tol(g, R.as_f64(gy) * _from_output_formula(name, R.as_f64(y)), dtype, 2, 1,
                     err_msg=f"{name}_backward(output=)")
    # the output wins over the input when both are given; input alone uses the input
    assert bits_equal(back(gy, x, output=y), g)
    check_bwd(spec, gy, x, {}, back(gy, x), dtype)
    out = np.empty_like(x)
    assert back(gy, output=y, out=out) is out and bits_equal(out, g)
    # both forms agree where 1 - y is not a cancellation (|x| < 1)
    m = np.abs(x) < 1
    assert_close_tol(g[m], back(gy, x)[m], dtype, 8, 2)


# ---- prelu ---------------------------------------------------------------------------------

PRELU_CASES = [
    ((13,), (1,)), ((13,), ()),
    ((6, 5), (5,)), ((6, 5), (1,)), ((6, 5), ()),
    ((3, 4, 5, 6), (4,)), ((3, 4, 5, 6), (1,)), ((2, 3, 0, 4), (3,)), ((0, 3), (3,)),
]


def _check_grad_weight(gw, gy, x, w, dtype):
    """grad_weight: a sum; tolerance 2 eps of its dtype + the float64 summation error bound."""
    rgx, rgw = R.prelu_backward(gy, x, w)
    wdt = w.dtype
    assert gw.shape == np.shape(w) and gw.dtype == wdt, (gw.shape, gw.dtype)
    xf, gf = R.as_f64(x), R.as_f64(gy)
    abs_terms = np.where(xf > 0, 0.0, np.abs(gf * xf))
    if np.size(w) == 1 or x.ndim < 2:
        bound = abs_terms.sum()
    else:
        bound = abs_terms.sum(axis=(0,) + tuple(range(2, x.ndim)))
    abs_eps = 8 * np.reshape(bound, np.shape(w)) * np.finfo(np.float64).eps / np.finfo(wdt).eps
    assert_close_tol(gw, rgw, wdt, 2, abs_eps, err_msg="prelu grad_weight")
    return rgx


@pytest.mark.parametrize("shape, wshape", PRELU_CASES)
def test_prelu_matches_reference(shape, wshape, dtype, rng):
    x = rng.uniform(-10, 10, shape).astype(dtype)
    if x.size:
        x.reshape(-1)[:3] = [0.0, -0.0, 1e-30]
    w = rng.uniform(-0.5, 0.8, wshape).astype(dtype)
    y = F.prelu(x, w)
    assert y.dtype == dtype and y.shape == x.shape
    assert_close_tol(y, R.prelu(x, w), dtype, 0, err_msg="prelu")
    gy = grad_output(rng, shape, dtype)
    gx, gw = F.prelu_backward(gy, x, w)
    assert gx.dtype == dtype and gx.shape == x.shape
    assert_close_tol(gx, R.prelu_backward(gy, x, w)[0], dtype, 0, err_msg="prelu grad_input")
    _check_grad_weight(gw, gy, x, w, dtype)


def test_prelu_python_float_weight_keeps_input_dtype():
    """The docstring (and DESIGN.md's dtype policy) say the result has np.result_type(input,
    weight): a Python float is a weak scalar there, so float32 input stays float32."""
    x = np.array([-2.0, 0.0, 3.0], np.float32)
    y = F.prelu(x, 0.25)
    assert y.dtype == np.result_type(x, 0.25) == np.float32, y.dtype
    assert_close_tol(y, [-0.5, 0.0, 3.0], np.float32, 0)
    gx, gw = F.prelu_backward(np.ones_like(x), x, 0.25)
    assert gx.dtype == np.float32 and np.ndim(gw) == 0 and float(gw) == -2.0


def test_prelu_layouts_dtypes_and_out(rng):
    x = rng.uniform(-5, 5, (4, 3, 6)).astype(np.float32)
    w = np.array([0.1, 0.2, -0.3], np.float32)
    y = F.prelu(x, w)
    for xv in (np.asfortranarray(x), x[::-1].copy()[::-1], x.copy()):
        assert bits_equal(F.prelu(xv, w), y)
    xs = np.zeros((4, 6, 6), np.float32)
    xs[:, ::2] = x
    assert bits_equal(F.prelu(xs[:, ::2], w), y)
    out = np.empty_like(x)
    assert F.prelu(x, w, out=out) is out and bits_equal(out, y)
    # mixed dtypes promote as np.result_type: float32 input, float64 weight -> float64
    y64 = F.prelu(x, w.astype(np.float64))
    assert y64.dtype == np.float64
    assert_close_tol(y64, R.prelu(x, w.astype(np.float64)), np.float64, 0)
    gx, gw = F.prelu_backward(np.ones_like(x), x, w.astype(np.float64))
    assert gx.dtype == np.float64 and gw.dtype == np.float64 and gw.shape == (3,)
    # inputs untouched
    x0 = x.copy()
    F.prelu_backward(np.ones_like(x), x, w)
    assert bits_equal(x, x0)


def test_prelu_common_call_is_the_general_path(rng):
    # the common call (plain C-contiguous arrays of one dtype, out= among them) and the general
    # path give the same bits; out= may be the input itself, and a partially overlapping out=
    # gets the values of a fresh call
    x = rng.uniform(-5, 5, (4, 3, 6)).astype(np.float32)
    w = np.array([0.1, 0.2, -0.3], np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    y = F.prelu(np.asfortranarray(x), w)               # the general path
    out = np.empty_like(x)
    assert F.prelu(x, w, out=out) is out and bits_equal(out, y)
    xi = x.copy()
    assert F.prelu(xi, w, out=xi) is xi and bits_equal(xi, y)
    buf = np.zeros(x.size + 6, np.float32)
    src, dst = buf[6:].reshape(x.shape), buf[:-6].reshape(x.shape)
    src[...] = x
    F.prelu(src, w, out=dst)
    assert bits_equal(dst, y)
    gx, gw = F.prelu_backward(g, x, w)                 # the common call
    gx2, gw2 = F.prelu_backward(np.asfortranarray(g), x, w)
    assert bits_equal(gx, gx2) and bits_equal(gw, gw2) and gw.dtype == np.float32
    assert_close_tol(gx, np.where(x > 0, g, g * w[:, None]), np.float32, 0)


def test_prelu_grad_weight_thread_independent(rng):
    x = rng.uniform(-5, 5, (64, 8, 300)).astype(np.float32)
    w = rng.uniform(0, 0.5, 8).astype(np.float32)
    gy = grad_output(rng, x.shape, np.float32)
    try:
        F.set_num_threads(1)
        a = F.prelu_backward(gy, x, w)
        F.set_num_threads(2)
        b = F.prelu_backward(gy, x, w)
    finally:
        F.set_num_threads(None)
    assert bits_equal(a[0], b[0]) and bits_equal(a[1], b[1])


def test_prelu_eq_leaky_relu_for_one_slope(rng):
    x = rng.uniform(-3, 3, (5, 7))
    assert bits_equal(F.prelu(x, np.array([0.25])), F.leaky_relu(x, 0.25))


# ---- rrelu (training) ----------------------------------------------------------------------

def test_rrelu_training_slopes(dtype, rng):
    lower, upper = 0.1, 0.4
    x = rng.uniform(-5, 5, 3001).astype(dtype)
    x[:3] = [0.0, -0.0, np.nan]
    # a seed of its own: a Generator seeded like `rng` would draw the very numbers x came from
    gseed = int(rng.integers(2 ** 62)) + 1
    noise = np.empty_like(x)
    y = F.rrelu(x, lower, upper, training=True, generator=np.random.default_rng(gseed),
                noise=noise)
    assert y.dtype == dtype and y.shape == x.shape
    pos, neg = x > 0, x <= 0
    assert bits_equal(y[pos], x[pos]) and (noise[pos] == 1).all()
    assert (noise[neg] >= dtype.type(lower)).all() and (noise[neg] <= dtype.type(upper)).all()
    assert bits_equal(y[neg], x[neg] * noise[neg])  # y = x * noise in the dtype, as torch
    assert np.isnan(y[2])
    s = noise[neg]
    assert s.std() > 0.05 and abs(s.mean() - (lower + upper) / 2) < 0.02  # uniform, not fixed
    # the same seed (a Generator or an int) gives the same slopes; another seed others
    y2 = F.rrelu(x, lower, upper, training=True, generator=np.random.default_rng(gseed))
    assert bits_equal(y, y2)
    assert bits_equal(F.rrelu(x, lower, upper, True, generator=gseed), y)  # an int seed
    y3 = F.rrelu(x, lower, upper, True, generator=gseed + 1)
    assert bits_equal(y3, F.rrelu(x, lower, upper, True, generator=gseed + 1))
    assert not bits_equal(y3, y)
    # backward with the slopes: grad * noise
    gy = grad_output(rng, x.shape, dtype)
    g = F.rrelu_backward(gy, x, lower, upper, training=True, noise=noise)
    assert g.dtype == dtype and bits_equal(g, gy * noise)
    out = np.full_like(x, np.nan)
    assert F.rrelu_backward(gy, x, lower, upper, True, noise=noise, out=out) is out
    assert bits_equal(out, gy * noise)
    gy_kept = gy.copy()   # into grad_output itself
    assert F.rrelu_backward(gy, x, lower, upper, True, noise=noise, out=gy) is gy
    assert bits_equal(gy, gy_kept * noise)
    with pytest.raises(ValueError, match="noise"):
        F.rrelu_backward(gy, x, lower, upper, training=True)


def test_rrelu_training_inplace_and_out(rng):
    x = rng.uniform(-5, 5, 100)
    expected = F.rrelu(x, training=True, generator=3)
    x2 = x.copy()
    assert F.rrelu(x2, training=True, inplace=True, generator=3) is x2
    assert bits_equal(x2, expected)
    out = np.empty_like(x)
    assert F.rrelu(x, training=True, generator=3, out=out) is out and bits_equal(out, expected)
    x0 = x.copy()
    F.rrelu(x, training=True, generator=3)
    assert bits_equal(x, x0)


def test_rrelu_eval_and_equal_bounds(rng):
    x = rng.uniform(-5, 5, 200)
    assert bits_equal(F.rrelu(x, 0.1, 0.3), F.leaky_relu(x, 0.2))
    assert bits_equal(F.rrelu(x, 0.1, 0.3, training=False, generator=1), F.leaky_relu(x, 0.2))
    # upper == lower: every slope is that value, in training too
    y = F.rrelu(x, 0.25, 0.25, training=True, generator=0)
    assert bits_equal(y, F.leaky_relu(x, 0.25))
    # torch: training backward with upper - lower <= 1e-6 is the eval gradient
    g = F.rrelu_backward(np.ones_like(x), x, 0.25, 0.25, training=True)
    assert bits_equal(g, F.leaky_relu_backward(np.ones_like(x), x, 0.25))


# ---- glu -----------------------------------------------------------------------------------

@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2, -3])
def test_glu_matches_reference(dim, dtype, rng):
    x = rng.uniform(-20, 20, (4, 6, 8)).astype(dtype)
    y = F.glu(x, dim)
    shape = list(x.shape)
    shape[dim] //= 2
    assert y.dtype == dtype and y.shape == tuple(shape)
    assert_close_tol(y, R.glu(x, dim), dtype, 2, err_msg=f"glu dim={dim}")
    gy = grad_output(rng, y.shape, dtype)
    g = F.glu_backward(gy, x, dim)
    assert g.dtype == dtype and g.shape == x.shape
    # the b-half gradient a s (1 - s) crosses zero with a: absolute part relative to |gy a|
    a = np.split(R.as_f64(x), 2, axis=dim)[0]
    scale = np.concatenate([np.abs(R.as_f64(gy)), np.abs(R.as_f64(gy) * a)], axis=dim)
    tol = opspec.GLU.bwd_tol[opspec.F64 if dtype == np.float64 else opspec.F32]
    assert_close_tol(g, R.glu_backward(gy, x, dim), dtype, tol.rel, tol.abs * scale,
                     err_msg=f"glu_backward dim={dim}")
    # layouts and out=
    assert bits_equal(F.glu(np.asfortranarray(x), dim), y)
    assert bits_equal(F.glu(x[::-1].copy()[::-1], dim), y)
    out = np.empty(y.shape, dtype)
    assert F.glu(x, dim, out=out) is out and bits_equal(out, y)
    assert bits_equal(F.glu(x, dim=dim), y)


def test_glu_default_dim_and_float16(rng):
    x = rng.uniform(-4, 4, (3, 10))
    assert bits_equal(F.glu(x), F.glu(x, -1))
    x16 = x.astype(np.float16)
    y16 = F.glu(x16)
    assert y16.dtype == np.float16 and bits_equal(y16, F.glu(x16.astype(np.float32)).astype(F16))
    g = F.glu_backward(np.ones((3, 5), np.float16), x16)
    assert g.dtype == np.float16
    xi = np.arange(-4, 4).reshape(2, 4)
    assert F.glu(xi).dtype == np.float64


# ---- signatures ------------------------------------------------------------------------------

REQUIRED = inspect.Parameter.empty
# torch.nn.functional's parameters after `input`, in order, with defaults (torch 2.x docs; the
# ones torch defines in Python are checked against torch itself below).
TORCH_SIGNATURES = {
    "relu": (("inplace", False),), "relu6": (("inplace", False),),
    "leaky_relu": (("negative_slope", 0.01), ("inplace", False)),
    "prelu": (("weight", REQUIRED),),
    "rrelu": (("lower", 1 / 8), ("upper", 1 / 3), ("training", False), ("inplace", False)),
    "elu": (("alpha", 1.0), ("inplace", False)), "celu": (("alpha", 1.0), ("inplace", False)),
    "selu": (("inplace", False),), "gelu": (("approximate", "none"),),
    "silu": (("inplace", False),), "mish": (("inplace", False),),
    "softplus": (("beta", 1.0), ("threshold", 20.0)), "softsign": (), "sigmoid": (),
    "tanh": (), "logsigmoid": (),
    "hardtanh": (("min_val", -1.0), ("max_val", 1.0), ("inplace", False)),
    "hardsigmoid": (("inplace", False),), "hardswish": (("inplace", False),),
    "hardshrink": (("lambd", 0.5),), "softshrink": (("lambd", 0.5),), "tanhshrink": (),
    "threshold": (("threshold", REQUIRED), ("value", REQUIRED), ("inplace", False)),
    "glu": (("dim", -1),),
}


@pytest.mark.parametrize("name", sorted(TORCH_SIGNATURES))
def test_signature_matches_torch(name):
    params = list(inspect.signature(getattr(F, name)).parameters.values())
    assert params[0].name == "input"
    want = TORCH_SIGNATURES[name]
    got = [(p.name, p.default) for p in params[1:1 + len(want)]]
    assert got == list(want), f"{name}: {got} != torch {want}"
    assert all(p.kind == p.POSITIONAL_OR_KEYWORD for p in params[:1 + len(want)])
    extra = [p for p in params[1 + len(want):]]
    assert all(p.kind == p.KEYWORD_ONLY and p.default is not REQUIRED for p in extra), extra
    # the backward takes grad_output, then the forward's own arguments (inplace excepted)
    bparams = list(inspect.signature(getattr(F, name + "_backward")).parameters)
    own = ["input"] + [n for n, _ in want if n != "inplace"]
    assert bparams[0] == "grad_output" and bparams[1:1 + len(own)] == own, bparams


@pytest.mark.parametrize("name", sorted(TORCH_SIGNATURES))
def test_signature_table_is_torchs(name):
    torch = pytest.importorskip("torch")
    try:
        sig = inspect.signature(getattr(torch.nn.functional, name))
    except (TypeError, ValueError):
        pytest.skip(f"torch.nn.functional.{name} is a builtin without a signature")
    got = [(p.name, p.default) for p in list(sig.parameters.values())[1:]]
    assert got == list(TORCH_SIGNATURES[name])


# ---- property test ---------------------------------------------------------------------------

try:
    from hypothesis import given, strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError:  # a test extra: without it this one test skips
    given = None


def _skip_without_hypothesis(func):
    if given is not None:
        return given(data=st.data())(func)

    def skipped(spec):
        pytest.skip("hypothesis is not installed")
    skipped.__name__ = func.__name__
    return skipped


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
@_skip_without_hypothesis
def test_any_floats_match_reference(spec, data):
    """Arbitrary float arrays (NaN, inf, subnormals, extremes) agree with the reference."""
    dt = np.dtype(data.draw(st.sampled_from([np.float32, np.float64])))
    x = data.draw(hnp.arrays(dt, hnp.array_shapes(min_dims=1, max_dims=2, max_side=12),
                             elements=st.floats(width=dt.itemsize * 8)))
    params = spec.params[0]
    check_fwd(spec, x, params, fwd(spec, x, params), dt, "hypothesis")
    finite = x[~np.isnan(x)]
    check_bwd(spec, np.ones_like(finite), finite, params,
              bwd(spec, np.ones_like(finite), finite, params), dt, "hypothesis")


# ---- torch -----------------------------------------------------------------------------------

# torch's results at special values depend on the host: its vectorised float32 kernels give
# NaN for gelu(+inf) on AVX-512 but +inf on AVX2, and actloss deliberately returns the limit
# where torch gives NaN (DESIGN.md section 1). So torch is compared on ordinary finite inputs
# only; infinities, NaN, huge values, subnormals and signed zeros are actloss's documented contract,
# checked against the reference (test_special_values, test_backward_special_inputs).
TORCH_ORDINARY = (0.0, 1e4, -1e4, 40.0, -40.0, 1e-30, -1e-30)


def _torch_inputs(spec, params, rng, dtype):
    x = sample(spec, params, 2000, rng, dtype)
    ordinary = (np.abs(x) <= 1e4) & ((np.abs(x) >= np.finfo(dtype).tiny) | (x == 0))
    x = x[ordinary]
    return np.concatenate([x, np.array(TORCH_ORDINARY, dtype)])


def _torch_tol(spec, which, dtype, x):
    rel, ab = spec.tolerance(which, dtype, R.as_f64(x))
    table = spec.torch_fwd_tol if which == "fwd" else spec.torch_bwd_tol
    if table is not None:
        t = table[opspec.F64 if dtype == np.float64 else opspec.F32]
        rel, ab = np.maximum(rel, t.rel), np.maximum(ab, t.abs)
    if spec.torch_abs_scales_with_x and which == "fwd":
        with np.errstate(over="ignore"):
            ab = ab * np.maximum(1.0, np.abs(np.nan_to_num(R.as_f64(x), posinf=0, neginf=0)))
    return rel, ab


@pytest.mark.parametrize("spec, params", CASES)
def test_matches_torch(spec, params, dtype, rng):
    torch = pytest.importorskip("torch")
    tf = getattr(torch.nn.functional, spec.func, None)
    if tf is None:
        pytest.skip(f"torch has no {spec.func}")
    x = _torch_inputs(spec, params, rng, dtype)
    gy = grad_output(rng, x.shape, dtype)
    t = torch.from_numpy(x.copy()).requires_grad_(True)
    yt = tf(t, **spec.fixed, **params)
    yt.backward(torch.from_numpy(gy.copy()))
    y_torch, g_torch = yt.detach().numpy(), t.grad.numpy()
    y, g = fwd(spec, x, params), bwd(spec, gy, x, params)
    rel, ab = _torch_tol(spec, "fwd", dtype, x)
    assert_close_tol(y, y_torch, dtype, rel, ab, err_msg=f"{spec.name}{params} vs torch")
    # torch's gradient is NaN at +-inf and, for gelu's tanh form, at huge |x| (inf * 0 in its
    # formulas, x^3 overflowing); actloss returns the derivative's limit there (checked against
    # the reference elsewhere). NaN input is left out too: a gradient at NaN is not specified.
    keep = ~((np.abs(x) > 1e3) & np.isnan(g_torch)) & ~np.isnan(x)
    rel, ab = _torch_tol(spec, "bwd", dtype, x)
    # Where torch's own gradient is off the float64 reference (e.g. its tanh-gelu derivative
    # is exactly 0 once tanh rounds to -1, silu's and mish's lose digits to 1 - s), the
    # comparison is against the reference (test_backward_matches_reference), not torch. "Off"
    # is beyond half the tolerance: torch just inside the tolerance on one side of the exact
    # value and a correctly rounded result on the other can differ by more than the whole
    # (float64 silu' at x = 12.65: torch 3.9 eps below, actloss 0.3 eps above).
    g_ref = R.as_f64(ref_grad(spec, gy, x, params, dtype))
    tol_ref = 0.5 * (rel * np.finfo(dtype).eps * np.abs(g_ref) + ab * np.finfo(dtype).eps
                     * np.abs(R.as_f64(gy)))
    with np.errstate(invalid="ignore"):
        keep &= ~(np.abs(R.as_f64(g_torch) - g_ref) > tol_ref)
    assert_close_tol(g[keep], g_torch[keep], dtype, rel[keep], (ab * np.abs(R.as_f64(gy)))[keep],
                     err_msg=f"{spec.name}{params} gradient vs torch autograd")


def test_matches_torch_prelu(dtype, rng):
    torch = pytest.importorskip("torch")
    for shape, wshape in [((13,), (1,)), ((6, 5), (5,)), ((3, 4, 5, 6), (4,)), ((3, 4, 5), (1,))]:
        x = rng.uniform(-10, 10, shape).astype(dtype)
        x.reshape(-1)[0] = 0.0
        w = rng.uniform(-0.5, 0.8, wshape).astype(dtype)
        gy = grad_output(rng, shape, dtype)
        t, tw = (torch.from_numpy(x.copy()).requires_grad_(True),
                 torch.from_numpy(w.copy()).requires_grad_(True))
        yt = torch.nn.functional.prelu(t, tw)
        yt.backward(torch.from_numpy(gy.copy()))
        gx, gw = F.prelu_backward(gy, x, w)
        assert_close_tol(F.prelu(x, w), yt.detach().numpy(), dtype, 0)
        assert_close_tol(gx, t.grad.numpy(), dtype, 0)
        # torch sums in the dtype, actloss in float64: allow a few eps of the sum of |terms|
        terms = np.where(x > 0, 0.0, np.abs(R.as_f64(gy) * R.as_f64(x)))
        bound = terms.sum() if w.size == 1 else terms.sum(axis=(0,) + tuple(range(2, x.ndim)))
        assert_close_tol(gw, tw.grad.numpy(), dtype, 4, 4 * bound)


def test_matches_torch_glu_and_rrelu_eval(dtype, rng):
    torch = pytest.importorskip("torch")
    x = rng.uniform(-20, 20, (4, 6, 8)).astype(dtype)
    for dim in (0, 1, -1):
        t = torch.from_numpy(x.copy()).requires_grad_(True)
        yt = torch.nn.functional.glu(t, dim)
        gy = grad_output(rng, tuple(yt.shape), dtype)
        yt.backward(torch.from_numpy(gy.copy()))
        assert_close_tol(F.glu(x, dim), yt.detach().numpy(), dtype, 4, 1)
        a = np.split(np.abs(R.as_f64(x)), 2, axis=dim)[0]
        scale = np.concatenate([np.ones_like(a), a], axis=dim) * np.abs(
            np.concatenate([R.as_f64(gy)] * 2, axis=dim))
        assert_close_tol(F.glu_backward(gy, x, dim), t.grad.numpy(), dtype, 8, 8 * scale)
    x = rng.uniform(-5, 5, 500).astype(dtype)
    x[0] = 0.0
    t = torch.from_numpy(x.copy()).requires_grad_(True)
    yt = torch.nn.functional.rrelu(t, 0.1, 0.3, training=False)
    yt.backward(torch.ones_like(yt))
    assert_close_tol(F.rrelu(x, 0.1, 0.3), yt.detach().numpy(), dtype, 0)
    assert_close_tol(F.rrelu_backward(np.ones_like(x), x, 0.1, 0.3), t.grad.numpy(), dtype, 0)
    # training: torch's slopes are random too; check its semantics are actloss's (x > 0 kept,
    # x <= 0 scaled by a slope in [lower, upper])
    yt = torch.nn.functional.rrelu(torch.from_numpy(x.copy()), 0.1, 0.3, training=True).numpy()
    ya = F.rrelu(x, 0.1, 0.3, training=True, generator=0)
    for y in (yt, ya):
        assert bits_equal(y[x > 0], x[x > 0])
        s = y[x < 0] / x[x < 0]
        assert (s >= 0.1 - 1e-6).all() and (s <= 0.3 + 1e-6).all()


def test_rrelu_default_generator_is_one_stream_per_process():
    """generator=None draws from one default Generator (not a new one per call): successive
    calls continue its stream; the at-fork hook gives a child a fresh one (called directly
    here: a fork inside the test process, with its worker threads, could hang)."""
    from actloss import activations
    x = -np.ones(64)
    first, second = F.rrelu(x, training=True), F.rrelu(x, training=True)
    assert not np.array_equal(first, second)
    default = activations._generator(None)
    assert activations._generator(None) is default
    activations._reseed_default_generator()
    assert activations._generator(None) is not default
