"""logsumexp and its gradient, and SciPy's expit/log_expit names: against plain float64 /
mpmath references, SciPy and torch where installed."""
import itertools
import math

import numpy as np
import pytest

import actloss as F

INF, NAN = np.inf, np.nan


def _ref(x, axes, keepdim=False):
    """log(sum(exp(x))) over axes in mpmath, one reduced row at a time (x float64)."""
    mpmath = pytest.importorskip("mpmath")
    x = x0 = np.asarray(x, np.float64)
    if x.ndim == 0:
        x = x.reshape(1)
    moved = np.moveaxis(x, axes, range(x.ndim - len(axes), x.ndim))
    kept_shape = moved.shape[:x.ndim - len(axes)]
    rows = moved.reshape(kept_shape + (math.prod(x.shape[a] for a in axes),))
    out = np.empty(kept_shape)
    with mpmath.workdps(40):
        for idx in np.ndindex(kept_shape):
            row = rows[idx]
            if row.size == 0 or np.all(row == -INF):
                out[idx] = -INF
            elif np.isnan(row).any():
                out[idx] = NAN
            elif (row == INF).any():
                out[idx] = INF
            else:
                out[idx] = float(mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(float(v)))
                                                        for v in row)))
    if keepdim:
        out = np.expand_dims(out, axes)
    return out.reshape(()) if np.ndim(x0) == 0 else out


def _softmax_ref(x, axes):
    """exp(x - logsumexp) over axes, plain float64 (finite rows)."""
    lse = _ref(x, axes, keepdim=True)
    return np.exp(np.asarray(x, np.float64) - lse)


SHAPES_DIMS = [((7,), 0), ((7,), -1), ((3, 5), 1), ((3, 5), 0), ((2, 3, 4), (0, 2)),
               ((2, 3, 4), [2, -3]), ((2, 3, 4), ()), ((2, 3, 4), (0, 1, 2)), ((4, 1, 3), 1),
               ((), 0), ((), ()), ((3, 0), 1), ((0, 4), 1)]


@pytest.mark.parametrize("shape,dim", SHAPES_DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsumexp_matches_reference(shape, dim, keepdim, dtype):
    rng = np.random.default_rng(len(shape) * 10 + keepdim)
    x = (rng.standard_normal(shape) * 30).astype(dtype)
    x0 = x.copy()
    y = F.logsumexp(x, dim, keepdim)
    axes = F.softmax_family._reduced_dims(dim, x.ndim)
    ref = _ref(x, axes, keepdim)
    assert y.dtype == dtype and y.shape == ref.shape
    # rounded once from double: within half an ULP (plus the double steps' ~2^-50 relative)
    finite = np.isfinite(ref)
    np.testing.assert_array_equal(y[~finite], ref[~finite])
    # rounded once from m + log1p(S) in double: half an ULP, plus log1p(S)'s error, within
    # two ULP of the dtype at 1 (S's exponentials are the row kernel's, in the input dtype)
    tol = 0.5 * np.spacing(np.abs(ref).astype(dtype)).astype(np.float64) \
        + 2 * np.finfo(dtype).eps
    with np.errstate(invalid="ignore"):
        err = np.abs(y.astype(np.float64) - ref)
    np.testing.assert_array_less(err[finite], np.broadcast_to(tol, ref.shape)[finite])
    np.testing.assert_array_equal(x, x0)


def test_logsumexp_large_and_special_rows():
    x = np.array([[1000.0, 1000.0], [-1000.0, -1000.0], [-INF, -INF], [INF, 1.0],
                  [INF, INF], [NAN, 1.0], [INF, NAN], [-INF, 3.0], [1e308, 1e308]])
    y = F.logsumexp(x, 1)
    expected = [1000.0 + math.log(2), -1000.0 + math.log(2), -INF, INF, INF, NAN, NAN, 3.0, 1e308]
    np.testing.assert_allclose(y, expected, rtol=1e-15)
    # float32 rows whose float32 sum of exponentials would overflow
    y32 = F.logsumexp(np.full((3, 4), 88.0, np.float32), 1)
    np.testing.assert_allclose(y32, 88.0 + math.log(4), rtol=1e-7)
    assert y32.dtype == np.float32


def test_logsumexp_float16_and_ints():
    y = F.logsumexp(np.array([1.0, 2.0, 3.0], np.float16), 0)
    assert y.dtype == np.float16 and abs(float(y) - 3.40760596) < 2e-3
    yi = F.logsumexp(np.array([1, 2, 3]), 0)
    assert yi.dtype == np.float64 and abs(float(yi) - 3.4076059644443806) < 1e-15
    # every axis reduced: a NumPy scalar, as np.sum and scipy.special.logsumexp give
    assert type(yi) is np.float64 and type(y) is np.float16


def test_logsumexp_strided_views():
    rng = np.random.default_rng(3)
    base = rng.standard_normal((6, 8, 5))
    for view in (base[::2, ::-1], base.transpose(2, 0, 1), base[:, 3]):
        for dim in range(view.ndim):
            np.testing.assert_allclose(F.logsumexp(view, dim),
                                       F.logsumexp(np.ascontiguousarray(view), dim), rtol=0,
                                       atol=0)


def test_logsumexp_out():
    x = np.random.default_rng(4).standard_normal((3, 4))
    out = np.empty(3)
    r = F.logsumexp(x, 1, out=out)
    assert r is out
    np.testing.assert_array_equal(out, F.logsumexp(x, 1))
    with pytest.raises(ValueError, match="out"):
        F.logsumexp(x, 1, out=np.empty(4))


def test_logsumexp_bad_arguments():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match="dim"):
        F.logsumexp(x, 2)
    with pytest.raises(ValueError, match="dim"):
        F.logsumexp(x, (0, -2))
    with pytest.raises(TypeError, match="dim"):
        F.logsumexp(x, 1.0)
    with pytest.raises(TypeError, match="keepdim"):
        F.logsumexp(x, 1, keepdim="yes")
    with pytest.raises(TypeError):
        F.logsumexp(x.astype(complex), 1)
    with pytest.raises(ValueError, match="grad_output"):
        F.logsumexp_backward(np.ones(3), x, 1)
    with pytest.raises(TypeError):
        F.logsumexp(x)  # dim is required, as in torch


@pytest.mark.parametrize("shape,dim", [s for s in SHAPES_DIMS if 0 not in s[0]])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsumexp_backward_matches_reference(shape, dim, keepdim, dtype):
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    y = F.logsumexp(x, dim, keepdim)
    g = rng.standard_normal(y.shape).astype(dtype)
    gx = F.logsumexp_backward(g, x, dim, keepdim)
    axes = F.softmax_family._reduced_dims(dim, x.ndim)
    p = _softmax_ref(x, axes).reshape(x.shape)
    gb = g.astype(np.float64).reshape(y.shape)
    if not keepdim and x.ndim:
        gb = np.expand_dims(gb, axes)
    expected = (p * gb).reshape(x.shape)
    assert gx.dtype == dtype and gx.shape == x.shape
    rtol = 2e-7 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(gx, expected, rtol=rtol, atol=1e-300)


def test_logsumexp_backward_empty_and_special():
    g = F.logsumexp_backward(np.ones(3), np.zeros((3, 0)), 1)
    assert g.shape == (3, 0)
    g = F.logsumexp_backward(np.ones(2), np.array([[INF, 1.0], [1.0, 1.0]]), 1)
    assert np.isnan(g[0]).all() and np.allclose(g[1], 0.5)  # NaN as softmax (and torch)


def test_logsumexp_matches_scipy():
    special = pytest.importorskip("scipy.special")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 5, 6)) * 50
    for axes in [(0,), (1,), (2,), (0, 2), (0, 1, 2)]:
        np.testing.assert_allclose(F.logsumexp(x, axes), special.logsumexp(x, axis=axes),
                                   rtol=1e-14)


@pytest.mark.parametrize("shape,dim", [s for s in SHAPES_DIMS if s[1] != () and s[0] != ()])
@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp_matches_torch(shape, dim, keepdim):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    x = rng.standard_normal(shape) * 10
    y = F.logsumexp(x, dim, keepdim)
    t = torch.tensor(x, requires_grad=True)
    ty = torch.logsumexp(t, dim, keepdim)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-14, atol=1e-300)
    if t.numel():
        g = rng.standard_normal(y.shape)
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(F.logsumexp_backward(g, x, dim, keepdim), t.grad.numpy(),
                                   rtol=1e-12, atol=1e-300)


def test_logsumexp_specials_match_torch():
    torch = pytest.importorskip("torch")
    rows = [[-INF, -INF], [INF, 1.0], [INF, INF], [NAN, 1.0], [-INF, 2.0]]
    for r in rows:
        ours = F.logsumexp(np.array(r), 0)
        theirs = torch.logsumexp(torch.tensor(r), 0).item()
        assert (np.isnan(ours) and math.isnan(theirs)) or ours == theirs, (r, ours, theirs)


@pytest.mark.parametrize("ours,name", [(F.expit, "expit"), (F.log_expit, "log_expit")])
def test_scipy_names(ours, name):
    assert ours is {"expit": F.sigmoid, "log_expit": F.logsigmoid}[name]
    special = pytest.importorskip("scipy.special")
    if not hasattr(special, name):
        pytest.skip(f"scipy.special has no {name}")
    x = np.concatenate([np.linspace(-50, 50, 1001), [0.0, -0.0, INF, -INF]])
    for dtype in (np.float32, np.float64):
        xs = x.astype(dtype)
        np.testing.assert_allclose(ours(xs), getattr(special, name)(xs),
                                   rtol=4 * np.finfo(dtype).eps, atol=0)


@pytest.mark.parametrize("shape,dim", [((4096, 10), 1), ((6, 40), 1), ((2, 4, 130), 1),
                                       ((5, 3, 70), 0), ((6, 50), 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsumexp_row_kernel_layouts_and_special_rows(shape, dim, dtype):
    # the kernel's three paths: short contiguous rows a block at a time, long rows one at a
    # time, and a reduced axis with a trailing one (positions in vector lanes): the mpmath
    # reference, and a NaN that an infinite maximum would hide gives NaN on every path
    rng = np.random.default_rng(sum(shape))
    x = (rng.standard_normal(shape) * 30).astype(dtype)
    xm = np.moveaxis(x, dim, -1)  # a view: writes go to x
    xm[..., 0, :3] = [INF, NAN, 1.0]      # NaN beside +inf: NaN
    xm[..., 1, :3] = [-INF, NAN, -INF]    # NaN beside -inf only: NaN
    xm[..., 2, :] = -INF                  # all -inf: -inf
    xm[..., 3, :2] = [INF, INF]           # +inf twice: +inf
    y = F.logsumexp(x, dim)
    ref = _ref(x, (dim % x.ndim,))
    assert y.dtype == dtype and y.shape == ref.shape
    finite = np.isfinite(ref)
    np.testing.assert_array_equal(y[~finite], ref[~finite])
    # float32: rounded once from double; float64: m + log1p(S) rounds in double itself
    # (within one ULP over 4096 rows against mpmath; the float64 contract is two)
    ulps = 0.5 if dtype == np.float32 else 1.0
    tol = ulps * np.spacing(np.abs(ref).astype(dtype)).astype(np.float64) \
        + 2 * np.finfo(dtype).eps
    with np.errstate(invalid="ignore"):  # inf - inf where the reference is not finite
        err = np.abs(y.astype(np.float64) - ref)
    np.testing.assert_array_less(err[finite], np.broadcast_to(tol, ref.shape)[finite])
