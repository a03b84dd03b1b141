"""pdist and cdist's direct path on their C kernels (the _rowwise_loss family's cdist_fwd,
pdist_fwd, cdist_bwd, pdist_bwd): values against the float64 reference (reference_distances.py)
and torch, gradients against central differences and torch's autograd (ties, zero distances,
p = 0), every p the kernels specialise, the edges of their tiles (rows in groups of four, blocks
of 16), empty and strided inputs, non-finite values, and results that do not depend on the
thread count."""
import math

import numpy as np
import pytest

import actloss as F
from actloss import _dispatch, _rowwise, nn
from actloss import distances as D

import reference_distances as R

P_KERNEL = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, math.inf]
DIRECT = "donot_use_mm_for_euclid_dist"
# the kernels sum float32 in double: within a few float32 roundings of the exact distance
TOL = {np.float32: dict(rtol=3e-6, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}


def _close(got, want, dtype, **kw):
    np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64),
                               **dict(TOL[np.dtype(dtype).type], **kw))


def _torch():
    return pytest.importorskip("torch")


def _same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a.view(np.uint8), b.view(np.uint8))


@pytest.fixture
def threads():
    """Set the thread count for a test, restored afterwards."""
    yield F.set_num_threads
    F.set_num_threads(None)


# ---- values ------------------------------------------------------------------------------------

@pytest.mark.parametrize("p", P_KERNEL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n, m", [(2, 1), (5, 3), (7, 17), (21, 33)])
def test_pdist_matches_reference(p, dtype, n, m, rng):
    x = rng.standard_normal((n, m)).astype(dtype)
    y = F.pdist(x, p)
    assert y.dtype == dtype and y.shape == (n * (n - 1) // 2,)
    _close(y, R.pdist(x, p), dtype, **({"rtol": 2e-5} if p in (0.5, 1.5, 3.0) else {}))


@pytest.mark.parametrize("p", P_KERNEL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shapes", [((3, 5), (6, 5)), ((18, 7), (5, 7)), ((2, 9, 4), (1, 6, 4)),
                                    ((1, 1), (1, 1))])
def test_cdist_direct_matches_reference(p, dtype, shapes, rng):
    x1 = rng.standard_normal(shapes[0]).astype(dtype)
    x2 = rng.standard_normal(shapes[1]).astype(dtype)
    y = F.cdist(x1, x2, p, DIRECT)
    assert y.dtype == dtype
    _close(y, R.cdist(x1, x2, p), dtype, **({"rtol": 2e-5} if p in (0.5, 1.5, 3.0) else {}))
    if p == 2.0:  # P, R <= 25: the default mode takes the direct path too
        _same_bits(F.cdist(x1, x2, p), y)


@pytest.mark.parametrize("p", P_KERNEL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pdist_and_cdist_match_torch(p, dtype, rng):
    torch = _torch()
    x = rng.standard_normal((37, 19)).astype(dtype)
    x2 = rng.standard_normal((23, 19)).astype(dtype)
    tol = dict(rtol=2e-5, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(F.pdist(x, p),
                               torch.nn.functional.pdist(torch.from_numpy(x), p).numpy(), **tol)
    np.testing.assert_allclose(
        F.cdist(x, x2, p, DIRECT),
        torch.cdist(torch.from_numpy(x), torch.from_numpy(x2), p, compute_mode=DIRECT).numpy(),
        **tol)


def test_float32_is_summed_in_double(rng):
    """Many float32 components: the kernel's double sum stays within one rounding of the exact
    distance (a float32 sum would drift by ~sqrt(M) eps)."""
    x = (rng.random((3, 1 << 16)) + 1).astype(np.float32)
    want = R.pdist(x.astype(np.float64), 1.0)
    got = F.pdist(x, 1.0)
    np.testing.assert_allclose(got, want, rtol=np.finfo(np.float32).eps)


# ---- gradients ---------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [0.5, 1.0, 1.5, 2.0, 3.0, math.inf])
def test_gradients_central_differences(p, rng):
    # continuous random values: no ties, no zero differences (the derivative exists)
    x = rng.standard_normal((6, 5))
    x2 = rng.standard_normal((4, 5))
    gy = rng.standard_normal(15)
    (want,) = R.numerical_grad(lambda t: R.pdist(t, p), [x], gy)
    np.testing.assert_allclose(F.pdist_backward(gy, x, p), want, rtol=1e-6, atol=1e-7)
    gy2 = rng.standard_normal((6, 4))
    wants = R.numerical_grad(lambda a, b: R.cdist(a, b, p), [x, x2], gy2)
    for got, want in zip(F.cdist_backward(gy2, x, x2, p, DIRECT), wants):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def _torch_grads(fn, arrays, gy):
    torch = _torch()
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*ts)
    y.backward(torch.tensor(gy))
    return y.detach().numpy(), [t.grad.numpy() for t in ts]


@pytest.mark.parametrize("p", P_KERNEL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradients_match_torch_with_ties_and_zero_distances(p, dtype, rng):
    """Rows repeated (zero distances), integer grids (tied maxima for p = inf, zero
    components for p < 1), 40 rows (several row blocks and partial groups of four)."""
    x = rng.integers(-2, 3, (40, 6)).astype(dtype)
    x[7] = x[3]
    x[30] = x[3]
    x2 = np.concatenate([x[:5], rng.integers(-2, 3, (9, 6))]).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    torch = _torch()
    gy = rng.standard_normal(40 * 39 // 2).astype(dtype)
    y, (g,) = _torch_grads(lambda t: torch.nn.functional.pdist(t, p), [x], gy)
    np.testing.assert_allclose(F.pdist(x, p), y, **tol)
    got = F.pdist_backward(gy, x, p)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, g, **tol)
    gy2 = rng.standard_normal((40, 14)).astype(dtype)
    y, grads = _torch_grads(lambda a, b: torch.cdist(a, b, p, compute_mode=DIRECT), [x, x2],
                            gy2)
    np.testing.assert_allclose(F.cdist(x, x2, p, DIRECT), y, **tol)
    for ours, theirs in zip(F.cdist_backward(gy2, x, x2, p, DIRECT), grads):
        assert ours.dtype == dtype
        np.testing.assert_allclose(ours, theirs, **tol)


def test_inf_ties_each_get_the_full_gradient():
    x = np.array([[0.0, 0.0, 0.0], [1.0, -1.0, 0.5]])
    np.testing.assert_array_equal(F.pdist_backward(np.array([2.0]), x, math.inf),
                                  [[-2.0, 2.0, 0.0], [2.0, -2.0, 0.0]])
    ga, gb = F.cdist_backward(np.array([[2.0]]), x[:1], x[1:], math.inf)
    np.testing.assert_array_equal(ga, [[-2.0, 2.0, 0.0]])
    np.testing.assert_array_equal(gb, [[2.0, -2.0, 0.0]])


@pytest.mark.parametrize("p", [0.5, 1.0, 1.5, 2.0, 3.0, math.inf])
def test_zero_distance_passes_no_gradient(p):
    x = np.array([[1.0, 2.0], [1.0, 2.0], [1.0, 3.0]])
    g = F.pdist_backward(np.array([5.0, 0.0, 0.0]), x, p)  # only the pair at distance 0
    np.testing.assert_array_equal(g, np.zeros_like(x))


def test_p0_gradient_is_zero_even_for_non_finite(rng):
    x = rng.standard_normal((5, 3))
    x[1, 1] = np.nan
    np.testing.assert_array_equal(F.pdist_backward(np.ones(10), x, 0.0), np.zeros((5, 3)))
    for g in F.cdist_backward(np.ones((5, 2)), x, x[:2], 0.0):
        np.testing.assert_array_equal(g, np.zeros_like(g))


# ---- edges: empty, one row, strides, non-finite values ------------------------------------------

@pytest.mark.parametrize("p", P_KERNEL)
def test_empty_and_single_rows(p):
    for shape in ((0, 3), (1, 3), (0, 0), (1, 0)):
        x = np.ones(shape, np.float32)
        y = F.pdist(x, p)
        assert y.shape == (0,) and y.dtype == np.float32
        g = F.pdist_backward(np.zeros(0, np.float32), x, p)
        assert g.shape == shape and g.dtype == np.float32 and not g.any()
    y = F.pdist(np.ones((4, 0)), p)  # M = 0: every distance is 0
    np.testing.assert_array_equal(y, np.zeros(6))
    np.testing.assert_array_equal(F.pdist_backward(np.ones(6), np.ones((4, 0)), p),
                                  np.ones((4, 0)))
    np.testing.assert_array_equal(F.cdist(np.ones((3, 0)), np.ones((2, 0)), p), np.zeros((3, 2)))
    for a, b in (((0, 4), (2, 4)), ((3, 4), (0, 4)), ((2, 0, 4), (2, 5, 4))):
        y = F.cdist(np.ones(a), np.ones(b), p, DIRECT)
        assert y.shape == a[:-1] + (b[-2],)
        ga, gb = F.cdist_backward(np.ones(y.shape), np.ones(a), np.ones(b), p, DIRECT)
        assert ga.shape == a and gb.shape == b and not ga.any() and not gb.any()


@pytest.mark.parametrize("p", P_KERNEL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_strided_inputs_give_the_contiguous_result(p, dtype, rng):
    big = rng.standard_normal((30, 24)).astype(dtype)
    for x in (big[::2, ::-3], big[:9].T, np.asfortranarray(big[:11, :5])):
        assert not x.flags.c_contiguous
        c = np.ascontiguousarray(x)
        _same_bits(F.pdist(x, p), F.pdist(c, p))
        gy = rng.standard_normal(x.shape[0] * (x.shape[0] - 1) // 2).astype(dtype)
        _same_bits(F.pdist_backward(gy, x, p), F.pdist_backward(gy, c, p))
        x2 = big[1:8, :x.shape[1]][::-1]
        _same_bits(F.cdist(x, x2, p, DIRECT), F.cdist(c, np.ascontiguousarray(x2), p, DIRECT))
        gy2 = np.broadcast_to(dtype(0.5), (x.shape[0], 7))
        for a, b in zip(F.cdist_backward(gy2, x, x2, p, DIRECT),
                        F.cdist_backward(np.full((x.shape[0], 7), 0.5, dtype), c,
                                         np.ascontiguousarray(x2), p, DIRECT)):
            _same_bits(a, b)
    before = big.copy()  # inputs untouched
    F.pdist_backward(np.ones(435), big, p)
    _same_bits(big, before)


@pytest.mark.parametrize("p", P_KERNEL)
def test_non_finite_values(p):
    x = np.array([[0.0, 1.0], [np.nan, 1.0], [np.inf, 1.0], [np.inf, 2.0], [3.0, 5.0]])
    y = F.pdist(x, p)
    want = []
    for i in range(5):
        for j in range(i + 1, 5):
            with np.errstate(invalid="ignore"):
                v = x[i] - x[j]
                if p == 0:
                    want.append(float(np.sum(v != 0)))  # NaN != 0: counted, as torch
                elif np.isnan(v).any():
                    want.append(np.nan)
                elif np.isinf(v).any():
                    want.append(np.inf)
                else:
                    want.append(R.norm(v, p))
    np.testing.assert_allclose(y, want, rtol=1e-12)
    full = F.cdist(x, x, p, DIRECT)
    iu = np.triu_indices(5, 1)
    np.testing.assert_allclose(full[iu], want, rtol=1e-12)
    np.testing.assert_allclose(full.T[iu], want, rtol=1e-12)
    # a row against itself: a NaN, or inf - inf, in it makes the difference NaN
    np.testing.assert_array_equal(np.diag(full), [0.0, 1.0, 1.0, 1.0, 0.0] if p == 0 else
                                  [0.0, np.nan, np.nan, np.nan, 0.0])
    if p == 0:
        return  # torch's pdist/cdist give NaN at p = 0 with a NaN component; actloss counts it
        # (as before the kernels, and as torch.linalg.vector_norm and pairwise_distance do)
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(y, torch.nn.functional.pdist(torch.from_numpy(x), p).numpy(),
                               rtol=1e-12)
    if p == math.inf:
        return  # torch.cdist's p = inf drops NaN (its max is not NaN-propagating); pdist's not
    np.testing.assert_allclose(F.cdist(x, x[::-1], p, DIRECT),
                               torch.cdist(torch.from_numpy(x), torch.from_numpy(x[::-1].copy()),
                                           p, compute_mode=DIRECT).numpy(), rtol=1e-12)


def test_huge_float32_differences_overflow_to_inf():
    big = np.finfo(np.float32).max
    x = np.array([[big, 0.0], [-big, 0.0], [0.0, 0.0]], np.float32)
    for p in (1.0, 2.0, 3.0, math.inf):
        y = F.pdist(x, p)
        assert y.dtype == np.float32
        assert np.isinf(y[0]) and np.isfinite(y[1:]).all()


# ---- threads ------------------------------------------------------------------------------------

@pytest.mark.skipif(not _dispatch.THREADS, reason="serial build")
@pytest.mark.parametrize("p", P_KERNEL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_results_do_not_depend_on_the_thread_count(p, dtype, threads, rng):
    # above the serial cut-offs (pairs x M >= 2^15): split over 2 threads by rows, pdist's
    # triangle into blocks of unequal row counts
    x = rng.standard_normal((203, 37)).astype(dtype)
    x2 = rng.standard_normal((2, 131, 37)).astype(dtype)
    x3 = rng.standard_normal((2, 97, 37)).astype(dtype)
    gy = rng.standard_normal(203 * 202 // 2).astype(dtype)
    gy2 = rng.standard_normal((2, 131, 97)).astype(dtype)
    out = {}
    for n in (1, 2, 3):
        threads(n)
        out[n] = (F.pdist(x, p), F.pdist_backward(gy, x, p), F.cdist(x2, x3, p, DIRECT),
                  *F.cdist_backward(gy2, x2, x3, p, DIRECT))
    for n in (2, 3):
        for a, b in zip(out[1], out[n]):
            _same_bits(a, b)
    assert out[1][2].shape == (2, 131, 97)


def test_the_kernel_checks_its_arguments():
    K = _rowwise.kernels()
    x = np.zeros((4, 3))
    with pytest.raises(ValueError, match="columns"):
        K.cdist_fwd(1, x, np.zeros((2, 4)), 1, 2.0, np.empty((4, 2)), 1)
    with pytest.raises(ValueError, match="batches"):
        K.cdist_fwd(1, x, np.zeros((3, 3)), 2, 2.0, np.empty((4, 3)), 1)
    with pytest.raises(ValueError, match="out"):
        K.pdist_fwd(1, x, 2.0, np.empty(5), 1)
    with pytest.raises(ValueError, match="p must be >= 0"):
        K.pdist_fwd(1, x, -1.0, np.empty(6), 1)
    with pytest.raises(ValueError, match="a"):
        K.pdist_fwd(0, x, 2.0, np.empty(6, np.float32), 1)  # float64 rows for the f32 kernel
    with pytest.raises(ValueError, match="gx"):
        K.pdist_bwd(1, x, 2.0, np.zeros(6), np.zeros(6), np.empty((3, 4)), 1)


# ---- normalize (p = 2), cosine_similarity and pairwise_distance on the row kernels ----------

def _row_cases(rng, dtype):
    """(x1, x2) pairs: the common call's shapes, rows longer than a vector, 1-D, large and tiny
    values (the norms in double neither overflow nor underflow where float32's would)."""
    out = []
    for shape in [(16, 64), (5, 1), (3, 37), (7,), (2, 3, 20)]:
        x1 = rng.standard_normal(shape).astype(dtype)
        x2 = rng.standard_normal(shape).astype(dtype)
        out.append((x1, x2))
    # float32 squares of 8.5e37 do not overflow in double (float64's would, as NumPy's and
    # torch's sums)
    big = np.finfo(np.float32).max / 4
    out.append((np.array([[big, big], [1e-30, 3e-30]], dtype),
                np.array([[big, -big], [2e-30, 1e-30]], dtype)))
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_kernels_are_within_one_rounding_of_the_exact_values(dtype, rng):
    # the norms and sums run in double and are rounded once: for float32 results that is
    # half an ULP from the exact value, plus double's rounding (float64: the reference's own
    # float64 sums differ by their rounding, magnified where a dot product cancels)
    tol = (dict(rtol=6e-8, atol=np.finfo(dtype).smallest_subnormal) if dtype == np.float32
           else dict(rtol=1e-12, atol=1e-15))
    for x1, x2 in _row_cases(rng, dtype):
        with np.errstate(over="ignore", invalid="ignore"):
            for got, want in [(F.normalize(x1, dim=-1), R.normalize(x1, dim=-1)),
                              (F.cosine_similarity(x1, x2, dim=-1),
                               R.cosine_similarity(x1, x2, dim=-1)),
                              (F.pairwise_distance(x1, x2),
                               R.pairwise_distance(x1, x2) if dtype == np.float64 else None)]:
                assert np.asarray(got).dtype == dtype
                if want is None:  # float32's difference is rounded as torch: checked below
                    continue
                finite = np.isfinite(want)
                np.testing.assert_allclose(np.asarray(got, np.float64)[finite],
                                           np.asarray(want)[finite], **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("p", [0.0, 1.0, 2.0, 3.0, math.inf])
def test_pairwise_distance_rounds_the_difference_as_torch(dtype, p, rng):
    x1 = rng.standard_normal((9, 33)).astype(dtype)
    x2 = rng.standard_normal((9, 33)).astype(dtype)
    v = ((x1 - x2) + dtype(1e-6)).astype(np.float64)  # the difference in the working dtype
    want = np.array([np.linalg.norm(r, p) if p else np.count_nonzero(r) for r in v])
    _close(F.pairwise_distance(x1, x2, p), want, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_kernel_results_do_not_depend_on_layout_or_broadcasting(dtype, rng):
    x = rng.standard_normal((6, 40)).astype(dtype)
    y = rng.standard_normal((6, 40)).astype(dtype)
    # the common call (C-contiguous, last axis) against the general path's copies
    xt, yt = np.asfortranarray(x), np.asfortranarray(y)
    _same_bits(F.normalize(x, dim=1), F.normalize(xt, dim=1))
    _same_bits(F.normalize(x, dim=1),
               np.ascontiguousarray(F.normalize(np.ascontiguousarray(x.T), dim=0).T))
    out = np.empty_like(x)
    assert F.normalize(x, dim=1, out=out) is out
    _same_bits(out, F.normalize(x, dim=1))
    _same_bits(F.cosine_similarity(x, y), F.cosine_similarity(xt, yt))
    _same_bits(F.cosine_similarity(x, y), F.cosine_similarity(x.T, y.T, dim=0))
    _same_bits(F.pairwise_distance(x, y), F.pairwise_distance(xt, yt))
    _same_bits(F.pairwise_distance(x, y, keepdim=True)[:, 0], F.pairwise_distance(x, y))
    row = y[:1]
    _same_bits(F.pairwise_distance(x, row), F.pairwise_distance(x, np.repeat(row, 6, 0)))
    _same_bits(F.cosine_similarity(x, row), F.cosine_similarity(x, np.repeat(row, 6, 0)))
    # the default distance's loss is triplet_margin_loss's (its distances unrounded), bit for
    # bit, for a broadcast row too
    for q in (y, row):
        want = F.triplet_margin_loss(x, np.repeat(q, 6 // len(q), 0), y[::-1], reduction="none")
        _same_bits(F.triplet_margin_with_distance_loss(x, q, y[::-1], reduction="none"), want)
        _same_bits(F.triplet_margin_with_distance_loss(x, q, y[::-1], reduction="none",
                                                       distance_function=nn.PairwiseDistance()),
                   want)


def test_row_kernels_keep_nan_and_torch_edge_rules():
    x = np.array([[np.nan, 1.0], [0.0, 0.0], [np.inf, 1.0]], np.float32)
    y = np.ones((3, 2), np.float32)
    assert np.isnan(F.normalize(x, dim=1)[0]).all()
    np.testing.assert_array_equal(F.normalize(x, dim=1)[1], [0.0, 0.0])  # 0 / eps
    c = F.cosine_similarity(x, y)
    assert np.isnan(c[0]) and c[1] == 0.0  # a zero row: 0 / eps, as torch
    d = F.pairwise_distance(x, y)
    assert np.isnan(d[0]) and d[2] == np.inf
    # a NaN eps is not dropped by the clamp
    assert np.isnan(F.cosine_similarity(y, y, eps=math.nan)).all()
    # normalize's gradient at a zero row with eps = 0 is g / 0, as torch's (the norm's own
    # derivative is 0 there)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = F.normalize_backward(np.ones((1, 2)), np.zeros((1, 2)), eps=0.0)
    assert np.isinf(g).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_kernels_match_torch(dtype, rng):
    torch = _torch()
    tf = torch.nn.functional
    x = rng.standard_normal((16, 64)).astype(dtype)
    y = rng.standard_normal((16, 64)).astype(dtype)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    _close(F.normalize(x), tf.normalize(tx).numpy(), dtype)
    _close(F.cosine_similarity(x, y), tf.cosine_similarity(tx, ty).numpy(), dtype)
    _close(F.pairwise_distance(x, y), tf.pairwise_distance(tx, ty).numpy(), dtype)
