"""softmax, log_softmax and softmin (and their _backward) against the independent float64
reference of reference_classification.py and against torch.nn.functional: every dim of 0-d
to 4-d inputs, temperature, dtype=, out=, layouts, dtypes, special rows, the accuracy of
log_softmax at the row maximum, hypothesis properties, thread independence and errors.

Tolerances are in units of eps of the result dtype (assert_close_tol). float64 is computed in
double; float32 (and float16, via float32) compute their exponentials and the elementwise
arithmetic in float lanes, the row sums in float lanes in partial sums of 8 terms added in
double (al_softmax.h.tp; sum_error below), so the working precision is eps_k = eps64 or eps32 and, in units of eps(dtype), u = eps_k / eps(dtype) (1, except
float16: eps32/eps16). The error of a result is then
  + a few eps_k for exp (al_expf_lanes: ~1-2 ULP), the row sum and the division: 4 u;
  + with a temperature, the absolute error of the exp argument z = x * (1/T), which is
    rounded (eps_k (|z| + |m|)): relative for softmax, absolute for log_softmax (the rounding
    of z - m is corrected by the kernels: without it, eps_k |z - m| / 2 more, 40 ULP on a
    log-probability of the maximum with the others 80 below);
  + 1 for float16's second rounding (float32 -> float16).
"""
import math
import warnings

import numpy as np
import pytest

import actloss as F

import reference_classification as R
from conftest import assert_close_tol, hypothesis_property

NAMES = ("softmax", "log_softmax", "softmin")
F16 = np.dtype(np.float16)
F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)
EPS64 = float(np.finfo(np.float64).eps)

SHAPES = [(7,), (5, 6), (3, 4, 5), (2, 3, 4, 5)]
DIM_CASES = [pytest.param(s, d, id=f"{'x'.join(map(str, s))}-dim{d}")
             for s in SHAPES for d in range(-len(s), len(s))]


# ---- helpers -------------------------------------------------------------------------------

def fwd(name, x, dim, **kw):
    return getattr(F, name)(x, dim, **kw)


def bwd(name, gy, x, dim, **kw):
    return getattr(F, name + "_backward")(gy, x, dim, **kw)


def ref_fwd(name, x, dim, temperature=1.0):
    return getattr(R, name)(x, dim, temperature)


def ref_bwd(name, gy, x, dim, temperature=1.0):
    return getattr(R, name + "_backward")(gy, x, dim, temperature)


def bits_equal(a, b):
    """Same dtype, shape and bits, any NaN equal to any NaN (NaN positions must match)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    na, nb = np.isnan(a), np.isnan(b)
    a, b = np.where(na, 0, a).astype(a.dtype), np.where(nb, 0, b).astype(b.dtype)
    return np.array_equal(na, nb) and np.array_equal(np.ascontiguousarray(a).view(np.uint8),
                                                     np.ascontiguousarray(b).view(np.uint8))


def _units(dtype):
    """eps of the working precision (float32 for float16) in units of eps(dtype)."""
    dtype = np.dtype(dtype)
    work = F64 if dtype == F64 else F32
    return float(np.finfo(work).eps) / float(np.finfo(dtype).eps)


def _round(dtype):
    """float16 results are float32 results rounded once more."""
    return 1.0 if np.dtype(dtype) == F16 else 0.0


def sum_error(n, dtype):
    """Relative error bound of a row sum (of sum |terms| for mixed signs), in eps(dtype): the
    partial sums are added in double (n eps64 in the worst case); in float32 each partial sum
    first takes AL_SUM_TERMS = 8 terms in float: <= 7 roundings of eps32 / 2."""
    summ = n * EPS64 / float(np.finfo(dtype).eps)
    return summ + (0.0 if np.dtype(dtype) == F64 else 3.5 * _units(dtype))


def _rows(a, dim):
    """a (float64) with the softmax axis last; 0-d as one row of one element."""
    a = R.as_f64(a)
    return a.reshape(1) if a.ndim == 0 else np.moveaxis(a, dim, -1)


def _unrows(a, dim, shape):
    return a.reshape(shape) if len(shape) == 0 else np.moveaxis(a, -1, dim)


def _fwd_terms(name, x, dim, dtype, temperature):
    """Per element, axis last, in eps(dtype): the exp argument's absolute error a_i -- the
    kernel's (0, and 2 (|z| + |m|) eps_k with a temperature: z = x * fl(1/T) is rounded) plus
    the reference's own (it rounds z - m in float64: |z - m| eps64) --, the row's weighted
    argument error sum_j p_j a_j (the relative error it causes in S, and so in the
    normaliser), and the row length n."""
    z = _rows(x, dim) * (-1.0 if name == "softmin" else 1.0) / temperature
    with np.errstate(invalid="ignore", over="ignore"):
        m = np.max(z, axis=-1, keepdims=True) if z.size else z
        a = 2.0 * (np.abs(z) + np.abs(m)) * _units(dtype) if temperature != 1.0 else 0.0
        a = a + np.abs(z - m) * EPS64 / float(np.finfo(dtype).eps)
        p = _rows(R.softmax(x, dim, temperature) if name != "softmin"
                  else R.softmin(x, dim, temperature), dim)
        a = np.nan_to_num(a, nan=0.0, posinf=0.0)
        row = np.nan_to_num(p * a, nan=0.0).sum(axis=-1, keepdims=True)
    return a, row, z.shape[-1]


def _fwd_tol_rows(name, x, dim, dtype, temperature):
    dtype = np.dtype(dtype)
    a, row, n = _fwd_terms(name, x, dim, dtype, temperature)
    u = _units(dtype)
    # S is summed in double, in sequence in the worst case: n eps64 relative (recursive
    # summation of positive terms); for float32 this is ~1e-9 n eps32
    summ = sum_error(n, dtype)
    if name == "log_softmax":
        # y = (z - m) - log1p(S): the own argument error and S's error are absolute (S's
        # error divided by 1 + S, i.e. row); log1p and the rounding are relative (log1p(S)
        # <= |y|, and the summation error n eps64 S / (1 + S) <= n eps64 log1p(S))
        return _round(dtype) + 4.0 * u + summ, a + row
    return _round(dtype) + 4.0 * u + a + row + summ, np.zeros_like(a)


def fwd_tol(name, x, dim, dtype, temperature=1.0):
    """(rel, abs) in eps(dtype) units, x's shape; see the module docstring."""
    rel, ab = _fwd_tol_rows(name, x, dim, dtype, temperature)
    rel = np.broadcast_to(rel, ab.shape)
    return _unrows(rel, dim, np.shape(x)), _unrows(ab, dim, np.shape(x))


def check_fwd(name, x, dim, y, dtype, temperature=1.0, what=""):
    dtype = np.dtype(dtype)
    assert isinstance(y, np.ndarray) and y.dtype == dtype and y.shape == np.shape(x), \
        (type(y), getattr(y, "dtype", None), np.shape(y), np.shape(x))
    rel, ab = fwd_tol(name, x, dim, dtype, temperature)
    assert_close_tol(y, ref_fwd(name, x, dim, temperature), dtype, rel, ab,
                     err_msg=f"{name} dim={dim} T={temperature} {dtype} {what}")


def bwd_tol(name, gy, x, dim, dtype, temperature=1.0):
    """(rel, abs) in eps(dtype) units for the gradient, computed from the dtype-rounded output
    y (whose error dy is fwd_tol's, at least rel * tiny: a subnormal output is absolutely
    rounded), every term propagated through the formula:
      softmax/softmin  gx = s y (g - G), G = sum g y:
        dy_i (|g_i| + |G|) + y_i sum_j |g_j| dy_j + (2 u + n eps64) y_i (|g_i| + |G|)
      log_softmax      gx = s (g - exp(y) G), G = sum g:
        p_i |G| (dy_i + 2 u) + p_i n eps64 sum|g| + 2 u |g_i|
    (dy_i of log_softmax is absolute, and the relative error of exp(y) = p); s = 1 / T."""
    dtype = np.dtype(dtype)
    rel_y, abs_y = _fwd_tol_rows(name, x, dim, dtype, temperature)
    y = _rows(ref_fwd(name, x, dim, temperature), dim)
    g = np.abs(_rows(gy, dim))
    gs = _rows(gy, dim)
    n = y.shape[-1]
    u = _units(dtype)
    summ = sum_error(n, dtype)
    tiny = float(np.finfo(dtype).tiny)
    s = 1.0 / temperature
    with np.errstate(invalid="ignore", over="ignore"):
        if name == "log_softmax":
            p = np.exp(y)
            dy = np.nan_to_num(rel_y * np.abs(y) + abs_y, nan=0.0, posinf=0.0)
            G = np.abs(gs.sum(axis=-1, keepdims=True))
            ab = s * (p * G * (dy + 2.0 * u) + p * summ * g.sum(axis=-1, keepdims=True)
                      + 2.0 * u * g)
        else:
            ay = np.abs(y)
            dy = rel_y * np.maximum(ay, tiny) + abs_y
            G = (g * ay).sum(axis=-1, keepdims=True)
            ab = s * (dy * (g + G) + ay * (g * dy).sum(axis=-1, keepdims=True)
                      + (2.0 * u + summ) * ay * (g + G))
    ab = np.nan_to_num(ab, nan=0.0)
    return _round(dtype) + 2.0 * u, _unrows(ab, dim, np.shape(x))


def check_bwd(name, gy, x, dim, g, dtype, temperature=1.0, what=""):
    dtype = np.dtype(dtype)
    assert isinstance(g, np.ndarray) and g.dtype == dtype and g.shape == np.shape(x), \
        (type(g), getattr(g, "dtype", None), np.shape(g), np.shape(x))
    rel, ab = bwd_tol(name, gy, x, dim, dtype, temperature)
    assert_close_tol(g, ref_bwd(name, gy, x, dim, temperature), dtype, rel, ab,
                     err_msg=f"{name}_backward dim={dim} T={temperature} {dtype} {what}")


def logits(rng, shape, dtype, scale=4.0):
    return (rng.standard_normal(shape) * scale).astype(dtype)


def grad_output(rng, shape, dtype):
    """Upstream gradients of magnitude 0.5 .. 2, both signs."""
    g = rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    return g.astype(dtype)


# ---- agreement with the reference ----------------------------------------------------------

@pytest.mark.parametrize("shape, dim", DIM_CASES)
@pytest.mark.parametrize("name", NAMES)
def test_every_dim_matches_reference(name, shape, dim, dtype, rng):
    x = logits(rng, shape, dtype)
    y = fwd(name, x, dim)
    check_fwd(name, x, dim, y, dtype)
    gy = grad_output(rng, shape, dtype)
    g = bwd(name, gy, x, dim)
    check_bwd(name, gy, x, dim, g, dtype)
    # from the output: the same numbers (the forward is recomputed in the same dtype)
    go = getattr(F, name + "_backward")(gy, dim=dim, output=y)
    assert bits_equal(go, g), f"{name}_backward(output=) != from input, dim={dim}"


@pytest.mark.parametrize("temperature", [0.25, 0.7, 1.0, 3.0])
@pytest.mark.parametrize("name", NAMES)
def test_temperature_matches_reference(name, temperature, dtype, rng):
    for shape, dim in (((6, 40), 1), ((6, 40), 0), ((3, 5, 70), 1)):
        x = logits(rng, shape, dtype)
        y = fwd(name, x, dim, temperature=temperature)
        check_fwd(name, x, dim, y, dtype, temperature)
        gy = grad_output(rng, shape, dtype)
        g = bwd(name, gy, x, dim, temperature=temperature)
        check_bwd(name, gy, x, dim, g, dtype, temperature)
        go = getattr(F, name + "_backward")(gy, dim=dim, output=y, temperature=temperature)
        assert bits_equal(go, g)
    # a temperature that is a power of two only rescales exactly: softmax(x, T=2) is
    # softmax(x / 2) bit for bit
    x = logits(rng, (4, 9), dtype)
    assert bits_equal(fwd(name, x, 1, temperature=2.0), fwd(name, x / dtype.type(2), 1))


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 129, 1000])
@pytest.mark.parametrize("name", NAMES)
def test_row_lengths(name, n, dtype, rng):
    """Every row length around the vector widths, as rows (dim=-1) and as columns (dim=0,
    the strided-row kernel, with 1, 63, 64, 65 and 130 positions across: partial and full
    blocks of 64 lanes; fewer for the long rows, to keep the test fast)."""
    x = logits(rng, (3, n), dtype)
    check_fwd(name, x, -1, fwd(name, x, -1), dtype, what=f"n={n}")
    gy = grad_output(rng, x.shape, dtype)
    check_bwd(name, gy, x, -1, bwd(name, gy, x, -1), dtype, what=f"n={n}")
    for cols in (1, 63, 64, 65, 130) if n <= 65 else (3, 65):
        xc = logits(rng, (n, cols), dtype)
        check_fwd(name, xc, 0, fwd(name, xc, 0), dtype, what=f"n={n} cols={cols}")
        gc = grad_output(rng, xc.shape, dtype)
        check_bwd(name, gc, xc, 0, bwd(name, gc, xc, 0), dtype, what=f"n={n} cols={cols}")


# ---- agreement with torch ------------------------------------------------------------------

@pytest.mark.parametrize("temperature", [1.0, 0.6])
@pytest.mark.parametrize("shape, dim", DIM_CASES)
@pytest.mark.parametrize("name", NAMES)
def test_matches_torch(name, shape, dim, temperature, dtype, rng):
    """torch run in float64 on the upcast input (exact to ~1 eps64, the fairer reference for
    float32), forward and autograd gradient; the reference's tolerances doubled (torch has
    errors of the same kind) plus 4 eps64 absolute (torch's log(sum) at the row maximum)."""
    torch = pytest.importorskip("torch")
    tfun = getattr(torch.nn.functional, name)
    x = logits(rng, shape, dtype)
    gy = grad_output(rng, shape, dtype)
    xt = torch.tensor(R.as_f64(x), requires_grad=True)
    yt = tfun(xt / temperature, dim)
    yt.backward(torch.tensor(R.as_f64(gy)))
    y = fwd(name, x, dim, temperature=temperature)
    rel, ab = fwd_tol(name, x, dim, dtype, temperature)
    assert_close_tol(y, yt.detach().numpy(), dtype, 2 * rel, 2 * ab + 4 * _units(dtype),
                     err_msg=f"{name} vs torch")
    g = bwd(name, gy, x, dim, temperature=temperature)
    rel, ab = bwd_tol(name, gy, x, dim, dtype, temperature)
    assert_close_tol(g, xt.grad.numpy(), dtype, 2 * rel, 2 * ab + 4 * _units(dtype),
                     err_msg=f"{name}_backward vs torch autograd")


@pytest.mark.parametrize("name", NAMES)
def test_matches_torch_native_dtype(name, dtype, rng):
    """torch in the input's own dtype (float32 computes in float32 there): agreement to a few
    float32 ulps, dtypes and shapes equal."""
    torch = pytest.importorskip("torch")
    tfun = getattr(torch.nn.functional, name)
    x = logits(rng, (20, 33), dtype)
    gy = grad_output(rng, x.shape, dtype)
    for dim in (0, 1):
        xt = torch.tensor(x, requires_grad=True)
        yt = tfun(xt, dim)
        yt.backward(torch.tensor(gy))
        y, g = fwd(name, x, dim), bwd(name, gy, x, dim)
        assert y.dtype == dtype and g.dtype == dtype
        rel, ab = fwd_tol(name, x, dim, dtype)
        # torch's float32 kernels: ~4 float32 ulps of their own (exp, sum, log in float32)
        extra = 8.0 if dtype == F32 else 4.0
        assert_close_tol(y, yt.detach().numpy(), dtype, rel + extra, ab + extra)
        rel, ab = bwd_tol(name, gy, x, dim, dtype)
        assert_close_tol(g, xt.grad.numpy(), dtype, rel + extra,
                         ab + extra * (1 + np.abs(R.as_f64(gy))))


# ---- shapes: 0-d, empty --------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_zero_dim(name, dtype):
    x = np.array(2.5, dtype)
    expected = 0.0 if name == "log_softmax" else 1.0
    for dim in (0, -1):
        y = fwd(name, x, dim)
        assert type(y) is np.ndarray and y.shape == () and y.dtype == dtype
        assert float(y) == expected
        g = bwd(name, np.array(1.5, dtype), x, dim)
        assert type(g) is np.ndarray and g.shape == () and g.dtype == dtype
        # softmax of one element is constant 1: gradient 0; log_softmax: 0 as well (g - 1 g)
        assert float(g) == 0.0
    with pytest.raises(ValueError, match="dim"):
        fwd(name, x, 1)
    with pytest.raises(ValueError, match="dim"):
        fwd(name, x, -2)


@pytest.mark.parametrize("shape, dim", [((0,), 0), ((0, 5), 1), ((0, 5), 0), ((3, 0), 1),
                                        ((3, 0), 0), ((2, 0, 4), 1), ((2, 3, 0), -1)])
@pytest.mark.parametrize("name", NAMES)
def test_empty(name, shape, dim, dtype):
    x = np.empty(shape, dtype)
    y = fwd(name, x, dim)
    assert y.shape == shape and y.dtype == dtype
    g = bwd(name, np.empty(shape, dtype), x, dim)
    assert g.shape == shape and g.dtype == dtype
    out = np.empty(shape, dtype)
    assert fwd(name, x, dim, out=out) is out


# ---- dtypes --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_float16(name, rng):
    """float16 is computed in float32 and returned as float16: 1 eps16 of double rounding."""
    x = logits(rng, (9, 37), F16, scale=3.0)
    for dim in (0, 1):
        y = fwd(name, x, dim)
        check_fwd(name, x, dim, y, F16)
        assert bits_equal(y, fwd(name, x.astype(np.float32), dim).astype(F16))
        gy = grad_output(rng, x.shape, F16)
        g = bwd(name, gy, x, dim)
        check_bwd(name, gy, x, dim, g, F16)


@pytest.mark.parametrize("int_dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8,
                                       np.uint16, np.uint32, np.uint64, np.bool_])
@pytest.mark.parametrize("name", NAMES)
def test_integer_input_promotes_to_float64(name, int_dtype):
    x = (np.arange(12) % 5).reshape(3, 4).astype(int_dtype)
    y = fwd(name, x, 1)
    assert y.dtype == F64
    assert bits_equal(y, fwd(name, x.astype(np.float64), 1))
    check_fwd(name, x, 1, y, F64)
    g = bwd(name, np.ones(x.shape), x, 1)
    assert g.dtype == F64 and bits_equal(g, bwd(name, np.ones(x.shape), x.astype(F64), 1))


@pytest.mark.parametrize("name", NAMES)
def test_dtype_argument(name, rng):
    """torch's dtype=: the input is cast first, then the operation runs in that dtype."""
    x32 = logits(rng, (5, 11), F32)
    x64 = logits(rng, (5, 11), F64)
    y = fwd(name, x32, 1, dtype=np.float64)
    assert y.dtype == F64 and bits_equal(y, fwd(name, x32.astype(F64), 1))
    y = fwd(name, x64, 1, dtype=np.float32)
    assert y.dtype == F32 and bits_equal(y, fwd(name, x64.astype(F32), 1))
    y = fwd(name, x32, 1, dtype="float64")
    assert y.dtype == F64
    y = fwd(name, np.arange(6).reshape(2, 3), 1, dtype=np.float32)
    assert y.dtype == F32
    with pytest.raises(TypeError, match="dtype"):
        fwd(name, x32, 1, dtype=np.int32)


@pytest.mark.parametrize("name", NAMES)
def test_dtype_argument_backward_is_input_gradient(name, rng):
    """With dtype= the forward casts the input; the gradient with respect to the input has the
    input's dtype (torch autograd: x.grad has x's dtype, the cast's backward casts back)."""
    torch = pytest.importorskip("torch")
    x = logits(rng, (4, 6), F32)
    gy = grad_output(rng, x.shape, F64)
    g = bwd(name, gy, x, 1, dtype=np.float64)
    xt = torch.tensor(x, requires_grad=True)
    getattr(torch.nn.functional, name)(xt, 1, dtype=torch.float64).backward(torch.tensor(gy))
    assert g.shape == x.shape
    assert g.dtype == x.dtype == np.dtype(str(xt.grad.dtype).replace("torch.", "")), \
        f"{name}_backward(..., dtype=float64) of a float32 input returned {g.dtype}"


@pytest.mark.parametrize("bad", [np.complex128, object, "U3"])
def test_bad_input_dtype(bad):
    x = np.ones((2, 3)).astype(bad)
    for name in NAMES:
        with pytest.raises(TypeError):
            fwd(name, x, 1)


# ---- out= ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_out(name, dtype, rng):
    x = logits(rng, (6, 10), dtype)
    for dim in (0, 1):
        y = fwd(name, x, dim)
        out = np.full(x.shape, np.nan, dtype)
        assert fwd(name, x, dim, out=out) is out and bits_equal(out, y)
        # out= the input itself, contiguous and transposed
        xi = x.copy()
        assert fwd(name, xi, dim, out=xi) is xi and bits_equal(xi, y)
        xt = np.ascontiguousarray(x.T).T
        assert fwd(name, xt, dim, out=xt) is xt and bits_equal(xt, y)
        # a strided out
        big = np.full((6, 20), np.nan, dtype)
        o = big[:, ::2]
        assert fwd(name, x, dim, out=o) is o and bits_equal(o, y)
        assert np.isnan(big[:, 1::2]).all()
        # backward: out= a new array, out= grad_output itself
        gy = grad_output(rng, x.shape, dtype)
        g = bwd(name, gy, x, dim)
        gout = np.full(x.shape, np.nan, dtype)
        assert bwd(name, gy, x, dim, out=gout) is gout and bits_equal(gout, g)
        gi = gy.copy()
        assert bwd(name, gi, x, dim, out=gi) is gi and bits_equal(gi, g)
        yo = y.copy()
        assert getattr(F, name + "_backward")(gy, dim=dim, output=yo, out=yo) is yo
        assert bits_equal(yo, g)


@pytest.mark.parametrize("name", NAMES)
def test_out_float16(name, rng):
    x = logits(rng, (4, 7), F16, scale=2.0)
    out = np.empty(x.shape, F16)
    assert fwd(name, x, 1, out=out) is out and bits_equal(out, fwd(name, x, 1))
    xi = x.copy()
    assert fwd(name, xi, 1, out=xi) is xi and bits_equal(xi, fwd(name, x, 1))


@pytest.mark.parametrize("name", NAMES)
def test_bad_out(name, dtype):
    x = np.zeros((3, 4), dtype)
    other = F64 if dtype == F32 else F32
    with pytest.raises(ValueError, match="shape"):
        fwd(name, x, 1, out=np.empty((4, 3), dtype))
    with pytest.raises(ValueError, match="dtype"):
        fwd(name, x, 1, out=np.empty((3, 4), other))
    ro = np.empty((3, 4), dtype)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        fwd(name, x, 1, out=ro)
    with pytest.raises(ValueError, match="read-only"):
        bwd(name, np.ones_like(x), x, 1, out=ro)


# ---- layouts -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_strided_inputs(name, dtype, rng):
    """Transposed, Fortran, sliced and negative-stride inputs give the contiguous result."""
    base = logits(rng, (8, 12, 6), dtype)
    views = [base.transpose(2, 0, 1), np.asfortranarray(base), base[::-1], base[:, ::-2],
             base[::2, 1::3, ::-1], base.swapaxes(0, 1)[:, ::-1]]
    for v in views:
        for dim in range(-v.ndim, v.ndim):
            y = fwd(name, v, dim)
            assert y.shape == v.shape
            assert bits_equal(y, fwd(name, np.ascontiguousarray(v), dim)), (v.strides, dim)
            gy = grad_output(rng, v.shape, dtype)
            g = bwd(name, gy[::-1].copy()[::-1], v, dim)  # strided grad_output too
            assert bits_equal(g, bwd(name, gy, np.ascontiguousarray(v), dim))
    check_fwd(name, views[4], 1, fwd(name, views[4], 1), dtype, what="strided")


@pytest.mark.parametrize("name", NAMES)
def test_inputs_not_modified(name, dtype, rng):
    x = logits(rng, (5, 70), dtype)
    gy = grad_output(rng, x.shape, dtype)
    x0, g0 = x.copy(), gy.copy()
    for dim in (0, 1):
        y = fwd(name, x, dim, temperature=0.5)
        y0 = y.copy()
        bwd(name, gy, x, dim, temperature=0.5)
        getattr(F, name + "_backward")(gy, dim=dim, output=y, temperature=0.5)
        assert bits_equal(y, y0)
    assert bits_equal(x, x0) and bits_equal(gy, g0)


# ---- implicit dim --------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape, implicit", [((), 0), ((5,), 0), ((3, 4), 1), ((2, 3, 4), 0),
                                             ((2, 3, 4, 5), 1)])
def test_implicit_dim_warns_like_torch(name, shape, implicit, rng):
    """dim=None: torch's legacy choice (0 for 0-, 1- and 3-d, else 1) with its deprecation
    warning, reported at the caller's line."""
    x = logits(rng, shape, F64)
    with pytest.warns(UserWarning, match="Implicit dimension choice") as rec:
        y = fwd(name, x, None)
    assert bits_equal(y, fwd(name, x, implicit))
    assert rec[0].filename == __file__, rec[0].filename


@pytest.mark.parametrize("name", NAMES)
def test_implicit_dim_message_is_torchs(name):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        fwd(name, np.ones((2, 3)), None)
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        getattr(torch.nn.functional, name)(torch.ones((2, 3)))
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]


# ---- special values and stability ----------------------------------------------------------

INF, NAN = math.inf, math.nan
SPECIAL_ROWS = [
    [1e30, -1e30, 0.0, 3.0],
    [-1e30, -1e30, 5.0, -1e30],
    [-INF, 0.0, 1.0, -INF],
    [-INF, -INF, -INF, -INF],
    [INF, 0.0, 1.0, 2.0],
    [INF, INF, 0.0, -INF],
    [NAN, 0.0, 1.0, 2.0],
    [1.0, 2.0, 3.0, NAN],
    [NAN, -INF, -INF, -INF],
    [NAN, INF, 0.0, 0.0],
    [3e38, 2e38, -3e38, 0.0],
    [1000.0, 0.0, -1000.0, 999.0],
]


@pytest.mark.parametrize("shape", [(2000, 10), (1100, 31), (9000, 1), (5000, 2), (600, 17)])
@pytest.mark.parametrize("name", NAMES)
def test_short_rows_in_blocks(name, shape, dtype, rng):
    """Rows shorter than 32 values are done a block of 512 elements (whole rows) at a time:
    many blocks and a partial last one, with rows of ties, -inf entries and NaN inside them,
    forward (also in place) and backward, agree with the reference and are bit-identical on
    1 and 2 threads (every shape is above the serial cut-off)."""
    x = logits(rng, shape, dtype)
    x[5] = 2.0                 # every value the maximum: S = n - 1 exactly
    if shape[1] > 1:           # -inf after the sign (a row of -inf alone is a NaN row)
        x[7, ::2] = np.inf if name == "softmin" else -np.inf
    x[-2, -1] = np.nan
    gy = grad_output(rng, shape, dtype)
    res = {}
    try:
        for nt in (1, 2):
            F.set_num_threads(nt)
            y = fwd(name, x, 1)
            res[nt] = (y, bwd(name, gy, x, 1), getattr(F, name + "_backward")(gy, dim=1, output=y))
    finally:
        F.set_num_threads(None)
    for a, b in zip(res[1], res[2]):
        assert bits_equal(a, b)
    y, g, go = res[1]
    check_fwd(name, x, 1, y, dtype, what=f"{shape}")
    assert np.isnan(y[-2]).all() and not np.isnan(np.delete(y, -2, axis=0)).any()
    fin = np.delete(np.arange(shape[0]), [7, shape[0] - 2])  # -inf entries have NaN gradients
    check_bwd(name, gy[fin], x[fin], 1, g[fin], dtype, what=f"{shape}")
    assert bits_equal(go, g)
    xi = x.copy()
    assert bits_equal(fwd(name, xi, 1, out=xi), y)


@pytest.mark.parametrize("name", NAMES)
def test_common_call_path_matches_general_path(name, dtype, rng):
    """A C-contiguous float32/float64 ndarray with an int dim and no dtype=/temperature takes a
    shorter argument path: the same bits as the general path (taken with dtype=), with out=
    a separate array, the input itself, or a view of it (which takes the general path)."""
    for shape, dim in (((64, 10), 1), ((5, 40, 3), 1), ((7,), 0), ((3, 4), -2)):
        x = logits(rng, shape, dtype)
        ref = fwd(name, x, dim, dtype=dtype)
        assert bits_equal(fwd(name, x, dim), ref)
        out = np.empty_like(x)
        assert fwd(name, x, dim, out=out) is out and bits_equal(out, ref)
        xi = x.copy()
        assert fwd(name, xi, dim, out=xi) is xi and bits_equal(xi, ref)
        big = np.concatenate([x.reshape(-1), x.reshape(-1)])
        view = big[:x.size].reshape(shape)
        assert bits_equal(fwd(name, view, dim, out=big[x.size:].reshape(shape)), ref)


@pytest.mark.parametrize("name", NAMES)
def test_special_rows(name, dtype):
    """Rows with +-1e30, -inf entries, all -inf (NaN), +inf (NaN row), NaN (NaN row) follow
    the contract: the reference's values, as rows (dim=1) and as columns (dim=0, the strided
    kernel); the gradient is NaN in exactly the rows whose forward is NaN and agrees with the
    reference elsewhere. torch is compared on the all-finite rows only: its results at
    infinities and NaN depend on the host's ISA (tests check actloss's contract there)."""
    x = np.array(SPECIAL_ROWS, dtype)
    finite_rows = np.isfinite(x).all(axis=1)
    gy = np.ones_like(x)
    gy[..., 0] = 2.0
    for dim, xv, gv in ((1, x, gy), (0, np.ascontiguousarray(x.T), np.ascontiguousarray(gy.T))):
        y = fwd(name, xv, dim)
        check_fwd(name, xv, dim, y, dtype, what="special rows")
        g = bwd(name, gv, xv, dim)
        nan_rows = np.isnan(y).any(axis=dim)
        assert np.array_equal(np.isnan(g).all(axis=dim), nan_rows), (name, dim, g)
        assert not np.isnan(np.compress(~nan_rows, g, axis=1 - dim)).any(), (name, dim, g)
        keep = np.compress(~nan_rows, np.arange(x.shape[0]))
        check_bwd(name, np.take(gv, keep, axis=1 - dim), np.take(xv, keep, axis=1 - dim), dim,
                  np.take(g, keep, axis=1 - dim), dtype, what="special rows")
    torch = pytest.importorskip("torch")
    xf, gf = x[finite_rows], gy[finite_rows]
    xt = torch.tensor(xf, requires_grad=True)
    yt = getattr(torch.nn.functional, name)(xt, 1)
    yt.backward(torch.tensor(gf))
    assert_close_tol(fwd(name, xf, 1), yt.detach().numpy(), dtype, 8, 0,
                     err_msg=f"{name} finite special rows vs torch")
    assert_close_tol(bwd(name, gf, xf, 1), xt.grad.numpy(), dtype, 8, 8,
                     err_msg=f"{name}_backward finite special rows vs torch")


@pytest.mark.parametrize("n", range(1, 11))
@pytest.mark.parametrize("name", NAMES)
def test_channel_softmax_few_classes(name, n, dtype, rng):
    """dim=1 of (B, C, positions): up to 8 classes take the kernels (forward and backward) that
    keep a position's classes in registers, 9 and more the general column kernels. Against the reference with
    large, infinite and NaN logits, at position counts around the 64-position blocks, and each
    position's result its own: the same bits when it is computed beside a copy of itself
    (without a temperature: with one, z = x * fl(1/T) may be fused into the next step in vector
    lanes and not in the scalar tail, a difference within the rounding of z, which the
    reference check allows)."""
    for inner in (3, 64, 130):
        x = logits(rng, (2, n, inner), dtype, scale=20.0)
        x[0, 0, 1], x[1, n - 1, 2] = 1e30, -np.inf
        x[0, :, 0] = -np.inf  # an all -inf position: NaN
        y = fwd(name, x, 1)
        check_fwd(name, x, 1, y, dtype, what=f"{n} classes, {inner} positions")
        for j in (0, 1, inner - 1):
            alone = fwd(name, x[:, :, [j, j]], 1)[:, :, 0]
            assert np.array_equal(y[:, :, j], alone, equal_nan=True), (n, inner, j)
        check_fwd(name, x, 1, fwd(name, x, 1, temperature=0.3), dtype, 0.3, what="T = 0.3")
        xf, gy = logits(rng, x.shape, dtype), grad_output(rng, x.shape, dtype)
        check_bwd(name, gy, xf, 1, bwd(name, gy, xf, 1), dtype, what=f"{n} classes backward")
        if inner > 3:  # a NaN logit makes its position NaN, and no other
            before = np.isnan(fwd(name, x, 1))
            x[1, 0, 5] = np.nan
            after = np.isnan(fwd(name, x, 1))
            before[1, :, 5] = True
            assert np.array_equal(after, before), (n, inner)


@pytest.mark.parametrize("name", NAMES)
def test_nan_row_is_whole_row(name, dtype, rng):
    """NaN anywhere in a row makes exactly that row NaN, in every position of every row length."""
    for n in (1, 5, 16, 33):
        for layout in ("rows", "cols"):
            x = logits(rng, (6, n), dtype)
            j = int(rng.integers(n))
            x[2, j] = np.nan
            xv, dim = (x, 1) if layout == "rows" else (np.ascontiguousarray(x.T), 0)
            y = fwd(name, xv, dim)
            y = y if layout == "rows" else y.T
            assert np.isnan(y[2]).all(), (n, j, layout)
            assert not np.isnan(np.delete(y, 2, axis=0)).any(), (n, j, layout)


def test_log_softmax_accurate_at_row_maximum():
    """log_softmax([0, -40, -50])[0] = -log(1 + e^-40 + e^-50) = -4.248547130276385e-18
    (mpmath, 40 digits: -mpmath.log(1 + mpmath.exp(-40) + mpmath.exp(-50)) =
    -4.248547130276385378082459519670140736324e-18): full relative accuracy, not 0 as the
    textbook x - m - log(sum exp(x - m)) gives (log(1 + 4e-18) rounds to 0)."""
    expected = -4.248547130276385378e-18
    for layout in ("rows", "cols"):
        x = np.array([[0.0, -40.0, -50.0]])
        xv, dim = (x, 1) if layout == "rows" else (np.ascontiguousarray(x.T), 0)
        y = F.log_softmax(xv, dim).reshape(-1)
        assert y[0] != 0.0, layout
        assert abs(y[0] - expected) <= 2 * EPS64 * abs(expected), (layout, y[0])
        assert_close_tol(y[1:], [-40.0 + expected, -50.0 + expected], F64, 1)
    # the maximum somewhere else in the row, a longer row, and float32
    x = np.array([-45.0, -50.0, 0.0, -60.0, -40.0])
    y = F.log_softmax(x, 0)
    assert_close_tol(y, R.log_softmax(x, 0), F64, 2)
    assert abs(y[2] - R.log_softmax(x, 0)[2]) <= 2 * EPS64 * abs(R.log_softmax(x, 0)[2])
    y32 = F.log_softmax(np.array([0.0, -20.0, -25.0], np.float32), 0)
    e32 = -math.log1p(math.exp(-20.0) + math.exp(-25.0))
    assert abs(float(y32[0]) - e32) <= np.finfo(np.float32).eps * abs(e32), y32[0]
    # temperature: log_softmax([0, -4, -5], T=0.1) is the same row
    y = F.log_softmax(np.array([0.0, -4.0, -5.0]), 0, temperature=0.1)
    assert abs(y[0] - expected) <= 4 * EPS64 * abs(expected), y[0]


@pytest.mark.parametrize("layout", ["row", "short rows", "cols"])
@pytest.mark.parametrize("dt, gap", [(F32, 20.0), (F32, 80.0), (F64, 20.0), (F64, 190.0)])
def test_exp_argument_rounding_is_corrected(dt, gap, layout):
    """The issue-13 case: the other entries gap+ below the maximum, at distances that z - m
    cannot hold exactly. Its rounding error, |z - m| / 2 ULP of the argument, used to reach
    exp's result: log_softmax on the row maximum (-log1p(S)) was 62 ULP off in float32 at
    gap 80 and 119 ULP in float64 at 190, softmax's entries as much. Against mpmath."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 150
    rng = np.random.default_rng(13)
    n = 40 if layout == "row" else 9
    x = np.empty((12, n), dt)
    x[:] = (-gap - 3.0 * rng.random((12, n))).astype(dt)
    x[np.arange(12), rng.integers(n, size=12)] = (2.0 * rng.random(12) - 1.0).astype(dt)
    xv, dim = (x, 1) if layout != "cols" else (np.ascontiguousarray(x.T), 0)
    ls, sm = F.log_softmax(xv, dim), F.softmax(xv, dim)
    if layout == "cols":
        ls, sm = ls.T, sm.T
    for r in range(12):
        xs = [mpmath.mpf(float(v)) for v in x[r]]
        m = max(xs)
        s_others = mpmath.fsum(mpmath.exp(v - m) for v in xs if v != m)
        for j in range(n):
            exact_ls = xs[j] - m - mpmath.log1p(s_others)
            exact_sm = mpmath.exp(xs[j] - m) / (1 + s_others)
            # bounds: log_softmax (z - m) - log1p(S), two roundings and log1p's; softmax
            # exp(z - m) * fl(1 / (1 + S)), three roundings and exp's (measured: 1.95, 4.1)
            for got, exact, bound in ((ls[r, j], exact_ls, 2.5), (sm[r, j], exact_sm, 4.5)):
                ulp = float(np.spacing(dt.type(abs(float(exact)))))
                err = float(abs(mpmath.mpf(float(got)) - exact)) / ulp
                assert err <= bound, (layout, r, j, float(got), float(exact), err)


# ---- hypothesis properties ---------------------------------------------------------------

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError:  # a test extra: without it the property tests skip (hypothesis_property)
    st = hnp = None


def _draw_case(data, lo=-80.0, hi=80.0):
    dt = np.dtype(data.draw(st.sampled_from([np.float32, np.float64]), label="dtype"))
    x = data.draw(hnp.arrays(dt, hnp.array_shapes(min_dims=1, max_dims=3, max_side=9),
                             elements=st.floats(lo, hi, width=dt.itemsize * 8)), label="x")
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1), label="dim")
    return dt, x, dim


@hypothesis_property
def test_property_softmax_rows_sum_to_one(data):
    """The row sum is self-normalising: the same exp(z_j - m) values (argument errors and all)
    make the numerator and the sum S, so sum_j y_j = (1 + S) * fl(1 / (1 + S)) up to the
    rounding of each product (<= eps/2 each, relative, so <= eps/2 in total), of the
    reciprocal and of 1 + S: within 4 eps of 1 in either dtype. The check sums in float64
    (<= 9 terms, exact enough)."""
    dt, x, dim = _draw_case(data)
    T = data.draw(st.sampled_from([1.0, 0.5, 3.0]), label="T")
    for name in ("softmax", "softmin"):
        y = fwd(name, x, dim, temperature=T)
        s = R.as_f64(y).sum(axis=dim)
        tol = 4.0 * float(np.finfo(dt).eps)
        assert np.all(np.abs(s - 1.0) <= tol), (name, s)
        assert np.all(y >= 0) and np.all(y <= 1)


@hypothesis_property
def test_property_shift_invariance(data):
    """softmax(x + c) == softmax(x): with x and c multiples of 1/16 below 2^10 the shift is
    exact in float32 and float64, so z - m is the same and the results are bit-identical.
    For arbitrary shifts the difference is bounded by the rounding of x + c (eps |x + c|)."""
    dt = np.dtype(data.draw(st.sampled_from([np.float32, np.float64])))
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=9))
    k = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(-640, 640)))
    x = (k / 16.0).astype(dt)
    c = dt.type(data.draw(st.integers(-1600, 1600)) / 16.0)
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    for name in NAMES:
        assert bits_equal(fwd(name, x, dim), fwd(name, x + c, dim)), (name, c)
    cf = data.draw(st.floats(-100, 100))
    xs = (x + dt.type(cf)).astype(dt)
    y = fwd("softmax", xs, dim)
    # |x + c| rounding: eps(dt) (|x| + |c|) absolute error in each exp argument, twice
    arg = 2.0 * (np.abs(R.as_f64(x)) + np.max(np.abs(R.as_f64(x))) + 2.0 * abs(cf))
    rel, _ = fwd_tol("softmax", x, dim, dt)
    assert_close_tol(y, R.softmax(x, dim), dt, rel + arg + 2.0, 0, err_msg=f"shift {cf}")


@hypothesis_property
def test_property_log_softmax_nonpositive_and_exp_is_softmax(data):
    dt, x, dim = _draw_case(data)
    T = data.draw(st.sampled_from([1.0, 0.25, 2.0]), label="T")
    ls = fwd("log_softmax", x, dim, temperature=T)
    assert np.all(ls <= 0), ls
    sm = fwd("softmax", x, dim, temperature=T)
    # exp(ls) has relative error |ls| * (abs error of ls) + 1 rounding; softmax its fwd_tol
    rel_s, _ = fwd_tol("softmax", x, dim, dt, T)
    rel_l, ab_l = fwd_tol("log_softmax", x, dim, dt, T)
    l64 = np.abs(R.as_f64(ls))
    with np.errstate(under="ignore"):
        e = np.exp(R.as_f64(ls))
    assert_close_tol(sm, e, dt, rel_s + rel_l * l64 + ab_l + 2.0, 0,
                     err_msg="exp(log_softmax) != softmax")


@hypothesis_property
def test_property_reference_agreement_any_floats(data):
    """Arbitrary floats (NaN, inf, extremes) agree with the reference, forward."""
    dt = np.dtype(data.draw(st.sampled_from([np.float32, np.float64])))
    x = data.draw(hnp.arrays(dt, hnp.array_shapes(min_dims=1, max_dims=2, max_side=10),
                             elements=st.floats(width=dt.itemsize * 8)))
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    for name in NAMES:
        y = fwd(name, x, dim)
        yr = ref_fwd(name, x, dim)
        assert np.array_equal(np.isnan(y), np.isnan(yr)), (name, x, y, yr)


# ---- threads -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_threads_bit_identical(name, dtype, rng):
    """Rows split over threads are each computed by one thread in a fixed order: the result
    does not depend on the thread count (large inputs, above the serial cut-off)."""
    cases = [(logits(rng, (2048, 150), dtype), 1), (logits(rng, (40, 100, 200), dtype), 1)]
    res = {}
    try:
        for n in (1, 2):
            F.set_num_threads(n)
            res[n] = [(fwd(name, x, d), bwd(name, np.ones_like(x), x, d, temperature=0.5))
                      for x, d in cases]
    finally:
        F.set_num_threads(None)
    for (y1, g1), (y2, g2) in zip(res[1], res[2]):
        assert bits_equal(y1, y2) and bits_equal(g1, g2)
    check_fwd(name, cases[1][0], 1, res[2][1][0], dtype, what="2 threads")


# ---- errors --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_errors(name):
    x = np.zeros((2, 3))
    for t in (0.0, -1.0, -0.0, math.nan):
        with pytest.raises(ValueError, match="temperature"):
            fwd(name, x, 1, temperature=t)
        with pytest.raises(ValueError, match="temperature"):
            bwd(name, np.ones_like(x), x, 1, temperature=t)
    for d in (2, -3, 10):
        with pytest.raises(ValueError, match=f"dim={d}"):
            fwd(name, x, d)
        with pytest.raises(ValueError, match="dim"):
            bwd(name, np.ones_like(x), x, d)
    with pytest.raises(TypeError, match="dim"):
        fwd(name, x, 1.0)
    with pytest.raises(TypeError, match="temperature"):
        fwd(name, x, 1, temperature="hot")
    with pytest.raises(ValueError, match="grad_output"):
        bwd(name, np.ones((3, 2)), x, 1)
    with pytest.raises(ValueError):  # neither input nor output
        getattr(F, name + "_backward")(np.ones_like(x), dim=1)
