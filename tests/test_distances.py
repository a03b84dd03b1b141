"""actloss.distances: normalize, cosine_similarity, pairwise_distance, pdist, cdist and
triplet_margin_with_distance_loss with their gradients, against the float64 reference
(reference_distances.py), central differences, and torch's values and autograd gradients
(skipped without torch), including torch's subgradients at zero norms, zero distances and
ties; dtypes, broadcasting, errors, out=, the nn classes."""
import functools
import math

import numpy as np
import pytest

import actloss as F
from actloss import distances as D
from actloss import nn

import reference_distances as R

P_ANY = [2.0, 1.0, 0.0, 0.5, 3.0, 1.5, math.inf, -math.inf, -1.0]
P_NONNEG = [2.0, 1.0, 0.0, 0.5, 3.0, 1.5, math.inf]
TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-11, atol=1e-12)}


def _close(got, want, dtype=np.float64, **kw):
    tol = dict(TOL[np.dtype(dtype).type], **kw)
    np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64),
                               **tol)


def _torch():
    return pytest.importorskip("torch")


def _torch_grads(fn, arrays, gy):
    """torch values and autograd gradients of fn(*tensors) for grad_output gy (float64)."""
    torch = _torch()
    ts = [torch.tensor(np.asarray(a, np.float64), requires_grad=True) for a in arrays]
    y = fn(*ts)
    y.backward(torch.tensor(np.asarray(gy, np.float64)).expand_as(y))
    return y.detach().numpy(), [np.zeros(np.shape(a)) if t.grad is None else t.grad.numpy()
                                for t, a in zip(ts, arrays)]


# ---- values against the reference ----------------------------------------------------------------

@pytest.mark.parametrize("p", P_ANY)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_normalize_matches_reference(p, dim, dtype, rng):
    x = rng.standard_normal((4, 5, 3)).astype(dtype)
    x[1, :, 2] = 0
    y = F.normalize(x, p, dim)
    assert y.dtype == dtype and y.shape == x.shape
    _close(y, R.normalize(x, p, dim), dtype)


@pytest.mark.parametrize("dim", [0, 1, -1, 2])
def test_cosine_similarity_matches_reference_with_broadcasting(dim, dtype, rng):
    x1 = rng.standard_normal((3, 1, 4)).astype(dtype)
    x2 = rng.standard_normal((5, 4)).astype(dtype)
    x2[0] = 0
    y = F.cosine_similarity(x1, x2, dim)
    want = R.cosine_similarity(x1, x2, dim)
    assert y.shape == want.shape and y.dtype == dtype
    _close(y, want, dtype)


@pytest.mark.parametrize("p", P_ANY)
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance_matches_reference(p, keepdim, dtype, rng):
    x1 = rng.standard_normal((2, 3, 4)).astype(dtype)
    x2 = rng.standard_normal((3, 1)).astype(dtype)
    y = F.pairwise_distance(x1, x2, p, keepdim=keepdim)
    want = R.pairwise_distance(x1, x2, p, keepdim=keepdim)
    assert y.shape == want.shape and y.dtype == dtype
    rtol = 1e-4 if dtype == np.float32 and p < 1 else TOL[np.dtype(dtype).type]["rtol"]
    _close(y, want, dtype, rtol=rtol)


@pytest.mark.parametrize("p", P_NONNEG)
def test_pdist_matches_reference_and_scipy(p, dtype, rng):
    x = rng.standard_normal((7, 3)).astype(dtype)
    y = F.pdist(x, p)
    assert y.shape == (21,) and y.dtype == dtype
    _close(y, R.pdist(x, p), dtype)
    scipy = pytest.importorskip("scipy.spatial.distance")
    if p >= 1:
        metric = {2.0: "euclidean", 1.0: "cityblock", math.inf: "chebyshev"}.get(p)
        want = scipy.pdist(x.astype(np.float64), metric) if metric else \
            scipy.pdist(x.astype(np.float64), "minkowski", p=p)
        _close(y, want, dtype)


@pytest.mark.parametrize("p", P_NONNEG)
@pytest.mark.parametrize("shapes", [((4, 3), (5, 3)), ((2, 1, 3, 2), (4, 6, 2)),
                                    ((30, 3), (2, 28, 3)), ((1, 0), (2, 0))])
@pytest.mark.parametrize("mode", D.COMPUTE_MODES)
def test_cdist_matches_reference(p, shapes, mode, dtype, rng):
    x1 = rng.standard_normal(shapes[0]).astype(dtype)
    x2 = rng.standard_normal(shapes[1]).astype(dtype)
    y = F.cdist(x1, x2, p, mode)
    want = R.cdist(x1, x2, p)
    assert y.shape == want.shape and y.dtype == dtype
    mm = p == 2 and mode != D.COMPUTE_MODES[2] and x1.size
    # the matrix-product path: absolute error ~ eps |x|^2 / d in the distance
    _close(y, want, dtype, atol=(1e-3 if dtype == np.float32 else 1e-7) if mm else
           TOL[np.dtype(dtype).type]["atol"], rtol=1e-4 if dtype == np.float32 and p < 1 else
           TOL[np.dtype(dtype).type]["rtol"])


def test_cdist_matrix_product_path_at_scale(rng):
    """1000 x 128 rows in float32: the mm path within the tolerance its rounding implies."""
    x1 = rng.standard_normal((300, 128)).astype(np.float32)
    x2 = rng.standard_normal((200, 128)).astype(np.float32)
    y = F.cdist(x1, x2)
    exact = F.cdist(x1.astype(np.float64), x2.astype(np.float64),
                    compute_mode="donot_use_mm_for_euclid_dist")
    sq = (x1.astype(np.float64) ** 2).sum(1)[:, None] + (x2.astype(np.float64) ** 2).sum(1)
    bound = 8 * np.finfo(np.float32).eps * sq / np.maximum(exact, 1e-3)
    assert np.all(np.abs(y - exact) <= bound + 1e-6)
    direct = F.cdist(x1, x2, compute_mode="donot_use_mm_for_euclid_dist")
    _close(direct, exact, np.float32)


# ---- gradients against central differences (float64, away from kinks) ---------------------------

def test_normalize_gradient_central_differences(rng):
    x = rng.standard_normal((3, 4))
    gy = rng.standard_normal((3, 4))
    for p, dim in [(2.0, 1), (1.0, 0), (3.0, 1), (0.5, -1), (-1.0, 1), (math.inf, 1)]:
        (want,) = R.numerical_grad(lambda v: R.normalize(v, p, dim), [x], gy)
        _close(F.normalize_backward(gy, x, p, dim), want, rtol=1e-6, atol=1e-7)


def test_cosine_gradient_central_differences(rng):
    x1, x2 = rng.standard_normal((3, 1, 4)), rng.standard_normal((2, 4))
    gy = rng.standard_normal((3, 2))
    want = R.numerical_grad(lambda a, b: R.cosine_similarity(a, b, -1), [x1, x2], gy)
    for g, w in zip(F.cosine_similarity_backward(gy, x1, x2, -1), want):
        _close(g, w, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, 1.5, math.inf, -1.0])
def test_pairwise_and_cdist_and_pdist_gradients_central_differences(p, rng):
    x1, x2 = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    gy = rng.standard_normal(3)
    want = R.numerical_grad(lambda a, b: R.pairwise_distance(a, b, p), [x1, x2], gy)
    for g, w in zip(F.pairwise_distance_backward(gy, x1, x2, p), want):
        _close(g, w, rtol=1e-6, atol=1e-7)
    if p < 0:
        return
    a, b = rng.standard_normal((2, 3, 3)), rng.standard_normal((4, 3))
    gy = rng.standard_normal((2, 3, 4))
    for mode in D.COMPUTE_MODES[1:]:
        want = R.numerical_grad(lambda u, v: R.cdist(u, v, p), [a, b], gy)
        for g, w in zip(F.cdist_backward(gy, a, b, p, mode), want):
            _close(g, w, rtol=1e-6, atol=1e-7)
    x = rng.standard_normal((5, 3))
    gy = rng.standard_normal(10)
    (want,) = R.numerical_grad(lambda v: R.pdist(v, p), [x], gy)
    _close(F.pdist_backward(gy, x, p), want, rtol=1e-6, atol=1e-7)


# ---- torch: values and autograd gradients, including the kinks ---------------------------------

@pytest.mark.parametrize("p", P_ANY)
def test_normalize_matches_torch_with_zero_rows(p, rng):
    torch = _torch()
    x = rng.standard_normal((5, 4))
    x[1] = 0
    x[2, 1:] = 0
    x[3] = [1e-13, 0, 0, 0]
    x[4] = [2, -2, 1, 0]  # tied maxima for p = inf
    gy = rng.standard_normal(x.shape)
    for dim in (0, 1):
        y, (g,) = _torch_grads(lambda t: torch.nn.functional.normalize(t, p, dim), [x], gy)
        _close(F.normalize(x, p, dim), y)
        _close(F.normalize_backward(gy, x, p, dim), g, rtol=1e-10)


def test_cosine_similarity_matches_torch_eps_rule(rng):
    torch = _torch()
    x1 = np.array([[0.0, 0.0], [1e-9, 0.0], [1.0, 2.0], [3.0, -1.0]])
    x2 = np.array([[1.0, 2.0], [1.0, 1.0], [0.0, 0.0], [2.0, 5.0]])
    gy = rng.standard_normal(4)
    y, grads = _torch_grads(lambda a, b: torch.nn.functional.cosine_similarity(a, b), [x1, x2],
                            gy)
    _close(F.cosine_similarity(x1, x2), y)
    for g, w in zip(F.cosine_similarity_backward(gy, x1, x2), grads):
        _close(g, w, rtol=1e-10)


@pytest.mark.parametrize("p", P_ANY)
@pytest.mark.parametrize("eps", [1e-6, 0.0])
def test_pairwise_distance_matches_torch_at_zero_and_ties(p, eps, rng):
    torch = _torch()
    x1 = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 0.0], [0.0, 1.0, 2.0], [4.0, 4.0, 4.0]])
    x2 = np.array([[1.0, 2.0, 3.0], [0.0, 2.0, 0.0], [1.0, 0.0, 2.0], [2.0, 2.0, 6.0]])
    gy = rng.standard_normal(4)
    y, grads = _torch_grads(
        lambda a, b: torch.nn.functional.pairwise_distance(a, b, p, eps), [x1, x2], gy)
    _close(F.pairwise_distance(x1, x2, p, eps), y)
    for g, w in zip(F.pairwise_distance_backward(gy, x1, x2, p, eps), grads):
        _close(g, w, rtol=1e-10)


@pytest.mark.parametrize("p", P_NONNEG)
def test_pdist_and_cdist_match_torch_at_zero_and_ties(p, rng):
    torch = _torch()
    x = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [2.0, 0.5], [1.0, 3.0]])
    gy = rng.standard_normal(10)
    y, (g,) = _torch_grads(lambda t: torch.nn.functional.pdist(t, p), [x], gy)
    _close(F.pdist(x, p), y)
    _close(F.pdist_backward(gy, x, p), g, rtol=1e-10)
    x2 = np.array([[0.0, 0.0], [1.0, 3.0], [2.0, 1.0]])
    gy = rng.standard_normal((5, 3))
    for mode in D.COMPUTE_MODES:
        y, grads = _torch_grads(lambda a, b: torch.cdist(a, b, p, compute_mode=mode), [x, x2],
                                gy)
        _close(F.cdist(x, x2, p, mode), y)
        if p == 2 and mode == D.COMPUTE_MODES[1]:
            continue  # coincident rows on the mm path: rounding decides (see cdist's Notes)
        for ours, theirs in zip(F.cdist_backward(gy, x, x2, p, mode), grads):
            _close(ours, theirs, rtol=1e-10)


@pytest.mark.parametrize("shapes", [((2, 1, 30, 3), (4, 40, 3)), ((30, 5), (3, 20, 5)),
                                    ((3, 4), (5, 4))])
@pytest.mark.parametrize("p", [2.0, 1.0, math.inf, 3.0])
def test_cdist_batched_matches_torch(shapes, p, dtype, rng):
    torch = _torch()
    x1 = rng.standard_normal(shapes[0]).astype(dtype)
    x2 = rng.standard_normal(shapes[1]).astype(dtype)
    t1 = torch.tensor(x1, requires_grad=True)
    t2 = torch.tensor(x2, requires_grad=True)
    y = torch.cdist(t1, t2, p)
    gy = rng.standard_normal(tuple(y.shape)).astype(dtype)
    y.backward(torch.tensor(gy))
    ours = F.cdist(x1, x2, p)
    assert ours.dtype == dtype and ours.shape == tuple(y.shape)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else {}
    _close(ours, y.detach().numpy(), dtype, **tol)
    for g, t in zip(F.cdist_backward(gy, x1, x2, p), (t1, t2)):
        assert g.dtype == dtype and g.shape == t.shape
        _close(g, t.grad.numpy(), dtype, **(dict(rtol=1e-3, atol=1e-3) if dtype == np.float32
                                           else dict(rtol=1e-9, atol=1e-10)))


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("which", ["default", "cosine", "manhattan", "partial"])
def test_triplet_with_distance_matches_torch(swap, reduction, which, rng):
    torch = _torch()
    TF = torch.nn.functional
    a, q, n = rng.standard_normal((3, 6, 4))
    n[0] = q[0]  # a swap tie: d(a, n) == d(a, q) is not it, d(p, n) = eps-distance
    ours_fn, torch_fn = {
        "default": (None, None),
        "cosine": ("cosine", lambda x, y: 1.0 - TF.cosine_similarity(x, y, dim=-1)),
        "manhattan": ("manhattan", lambda x, y: TF.pairwise_distance(x, y, p=1.0)),
        "partial": (functools.partial(F.pairwise_distance, p=3.0),
                    lambda x, y: TF.pairwise_distance(x, y, p=3.0)),
    }[which]
    gy = rng.standard_normal(6) if reduction == "none" else 0.7
    y, grads = _torch_grads(lambda *t: TF.triplet_margin_with_distance_loss(
        *t, distance_function=torch_fn, margin=1.5, swap=swap, reduction=reduction),
        [a, q, n], gy)
    kw = dict(distance_function=ours_fn, margin=1.5, swap=swap, reduction=reduction)
    loss = F.triplet_margin_with_distance_loss(a, q, n, **kw)
    _close(loss, y)
    if reduction != "none":
        assert isinstance(loss, np.float64)
    for g, w in zip(F.triplet_margin_with_distance_loss_backward(gy, a, q, n, **kw), grads):
        _close(g, w, rtol=1e-10)


def test_triplet_with_distance_equals_triplet_margin_loss(dtype, rng):
    a, q, n = rng.standard_normal((3, 8, 5)).astype(dtype)
    for swap in (False, True):
        _close(F.triplet_margin_with_distance_loss(a, q, n, swap=swap),
               F.triplet_margin_loss(a, q, n, swap=swap), dtype, rtol=1e-5)
        for g, w in zip(F.triplet_margin_with_distance_loss_backward(1.0, a, q, n, swap=swap),
                        F.triplet_margin_loss_backward(1.0, a, q, n, swap=swap)):
            assert g.dtype == dtype
            _close(g, w, dtype, rtol=1e-4, atol=1e-6)


def test_triplet_distance_function_forms(rng):
    a, q, n = rng.standard_normal((3, 5, 4))
    ref = R.triplet_margin_with_distance_loss(
        a, q, n, lambda x, y: R.pairwise_distance(x, y, 2.0), swap=True)
    by_module = nn.PairwiseDistance()
    pair = (F.pairwise_distance, F.pairwise_distance_backward)
    for fn in (None, "euclidean", F.pairwise_distance, by_module, pair):
        _close(F.triplet_margin_with_distance_loss(a, q, n, distance_function=fn, swap=True),
               ref)
    want = F.triplet_margin_with_distance_loss_backward(1.0, a, q, n, swap=True)
    for fn in ("euclidean", F.pairwise_distance, by_module, pair):
        for g, w in zip(F.triplet_margin_with_distance_loss_backward(
                1.0, a, q, n, distance_function=fn, swap=True), want):
            _close(g, w)
    # a callable without a gradient: the loss works, its backward says what to pass
    plain = lambda x, y: np.abs(x - y).sum(-1)  # noqa: E731
    _close(F.triplet_margin_with_distance_loss(a, q, n, distance_function=plain),
           R.triplet_margin_with_distance_loss(a, q, n, plain))
    with pytest.raises(TypeError, match="no known gradient"):
        F.triplet_margin_with_distance_loss_backward(1.0, a, q, n, distance_function=plain)
    plain.distance_backward = lambda g, x, y: (g[:, None] * np.sign(x - y),
                                               -g[:, None] * np.sign(x - y))
    gs = F.triplet_margin_with_distance_loss_backward(1.0, a, q, n, distance_function=plain)
    want = R.numerical_grad(lambda *t: R.triplet_margin_with_distance_loss(*t, plain),
                            [a, q, n], 1.0)
    for g, w in zip(gs, want):
        _close(g, w, rtol=1e-6, atol=1e-7)


def test_triplet_empty_batch_mean_is_nan():
    e = np.zeros((0, 3))
    assert math.isnan(F.triplet_margin_with_distance_loss(e, e, e))
    assert F.triplet_margin_with_distance_loss(e, e, e, reduction="sum") == 0


# ---- shapes, dtypes, out=, inputs untouched -----------------------------------------------------

def test_zero_dim_and_one_dim_inputs():
    assert F.normalize(np.array(3.0), dim=0) == 1.0
    assert F.normalize_backward(1.0, np.array(3.0), dim=0) == 0.0
    _close(F.normalize(np.array([3.0, 4.0]), dim=0), [0.6, 0.8])
    c = F.cosine_similarity(np.array([1.0, 0.0]), np.array([1.0, 1.0]), dim=0)
    assert isinstance(c, np.float64) and abs(c - 2 ** -0.5) < 1e-15
    assert F.cosine_similarity(np.array(2.0), np.array(-3.0), dim=0) == -1.0
    d = F.pairwise_distance(np.array(1.0), np.array(0.0))
    assert np.shape(d) == () and abs(d - 1.000001) < 1e-15
    assert F.pairwise_distance(np.ones(4), np.zeros(4), keepdim=True).shape == (1,)
    assert F.pairwise_distance(np.ones(4), np.zeros((2, 4))).shape == (2,)
    g1, g2 = F.pairwise_distance_backward(1.0, np.array(1.0), np.array(0.0))
    assert g1.shape == () and g1 == 1.0 and g2 == -1.0
    assert F.pdist(np.ones((1, 3))).shape == (0,)
    _close(F.pdist(np.ones((3, 0))), np.zeros(3))
    assert F.cdist(np.ones((0, 2)), np.ones((3, 2))).shape == (0, 3)


def test_dtypes(rng):
    x = rng.standard_normal((4, 3))
    for f, args in [(F.normalize, (x,)), (F.cosine_similarity, (x, x[::-1])),
                    (F.pairwise_distance, (x, x[::-1])), (F.pdist, (x,)),
                    (F.cdist, (x, x[::-1]))]:
        h = [a.astype(np.float16) for a in args]
        y16 = f(*h)
        assert y16.dtype == np.float16
        _close(y16, f(*[a.astype(np.float32) for a in h]), rtol=1e-3, atol=1e-3)
        assert f(*[np.round(a * 3).astype(np.int64) for a in args]).dtype == np.float64
        assert f(*[a.astype(np.float32) for a in args]).dtype == np.float32
        back = getattr(F, f.__name__ + "_backward")
        y = f(*h)
        grads = back(np.ones(np.shape(y)), *h)
        for g in (grads if isinstance(grads, tuple) else (grads,)):
            assert g.dtype == np.float16
    mixed = F.cdist(x.astype(np.float32), x)
    assert mixed.dtype == np.float64


def test_normalize_out_and_inputs_untouched(dtype, rng):
    x = rng.standard_normal((3, 4)).astype(dtype)
    keep = x.copy()
    out = np.empty_like(x)
    r = F.normalize(x, out=out)
    assert r is out
    _close(out, R.normalize(keep), dtype)
    np.testing.assert_array_equal(x, keep)
    F.normalize(x, dim=0, out=x)  # out may be the input
    _close(x, R.normalize(keep, dim=0), dtype)
    with pytest.raises(ValueError, match="out has shape"):
        F.normalize(keep, out=np.empty((4, 3), dtype))
    with pytest.raises(ValueError, match="out has dtype"):
        F.normalize(keep.astype(np.float64), out=np.empty((3, 4), np.float32))


def test_strided_inputs_and_nothing_modified(rng):
    base = rng.standard_normal((6, 10))
    x1, x2 = base[::2, ::2], base[1::2, ::-2]
    keep = base.copy()
    _close(F.cdist(x1, x2, 1.0), R.cdist(x1, x2, 1.0))
    _close(F.cosine_similarity(x1.T, x2.T, 0), R.cosine_similarity(x1, x2, 1))
    _close(F.pairwise_distance(x1, x2), R.pairwise_distance(x1, x2))
    F.cdist_backward(np.ones((3, 3)), x1, x2)
    F.pdist_backward(np.ones(3), x1)
    np.testing.assert_array_equal(base, keep)


def test_hypothesis_broadcast_shapes():
    hyp = pytest.importorskip("hypothesis")
    st = hyp.strategies
    hnp = pytest.importorskip("hypothesis.extra.numpy")

    @hyp.settings(max_examples=40, deadline=None, derandomize=True)
    @hyp.given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3,
                                                 max_side=3),
               st.sampled_from([2.0, 1.0, math.inf, 0.5]), st.integers(0, 2**31))
    def check(shapes, p, seed):
        r = np.random.default_rng(seed)
        s1, s2 = shapes.input_shapes
        x1, x2 = r.standard_normal(s1), r.standard_normal(s2)
        _close(F.pairwise_distance(x1, x2, p), R.pairwise_distance(x1, x2, p), rtol=1e-10)
        _close(F.cosine_similarity(x1, x2, -1), R.cosine_similarity(x1, x2, -1))
        g1, g2 = F.cosine_similarity_backward(1.0, x1, x2, -1)
        assert g1.shape == s1 and g2.shape == s2
        g1, g2 = F.pairwise_distance_backward(1.0, x1, x2, p)
        assert g1.shape == s1 and g2.shape == s2

    check()


# ---- errors ------------------------------------------------------------------------------------

def test_errors_name_the_argument():
    x = np.ones((3, 4))
    with pytest.raises(TypeError, match="input"):
        F.normalize(x.astype(complex))
    with pytest.raises(ValueError, match="dim"):
        F.normalize(np.ones(4))  # dim=1 of a 1-D input, as torch
    with pytest.raises(ValueError, match="dim"):
        F.cosine_similarity(np.ones(4), np.ones(4))
    with pytest.raises(TypeError, match="dim"):
        F.normalize(x, dim=1.0)
    with pytest.raises(TypeError, match="p must be a real"):
        F.normalize(x, p="fro")
    with pytest.raises(ValueError, match="p must be"):
        F.pairwise_distance(x, x, p=math.nan)
    with pytest.raises(ValueError, match="x1 of shape .* and x2 of shape"):
        F.cosine_similarity(np.ones((3, 4)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="x1 of shape"):
        F.pairwise_distance(np.ones((3, 4)), np.ones((2, 4)))
    with pytest.raises(TypeError, match="keepdim must be a bool"):
        F.pairwise_distance(x, x, keepdim=1)
    with pytest.raises(ValueError, match="p must be >= 0"):
        F.cdist(x, x, -1.0)
    with pytest.raises(ValueError, match="p must be >= 0"):
        F.pdist(x, -1.0)
    with pytest.raises(ValueError, match="2-D"):
        F.pdist(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="x1 with at least 2 dimensions"):
        F.cdist(np.ones(3), x)
    with pytest.raises(ValueError, match="same number of columns"):
        F.cdist(np.ones((3, 2)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="batch dimensions"):
        F.cdist(np.ones((2, 3, 2)), np.ones((3, 3, 2)))
    with pytest.raises(ValueError, match="compute_mode"):
        F.cdist(x, x, compute_mode="mm")
    with pytest.raises(ValueError, match="grad_output has shape"):
        F.cdist_backward(np.ones((2, 2)), x, x)
    with pytest.raises(ValueError, match="margin must be greater than 0"):
        F.triplet_margin_with_distance_loss(x, x, x, margin=0)
    with pytest.raises(ValueError, match="same number of dimensions"):
        F.triplet_margin_with_distance_loss(x, x, np.ones(4))
    with pytest.raises(ValueError, match="distance_function must be"):
        F.triplet_margin_with_distance_loss(x, x, x, distance_function="cos")
    with pytest.raises(TypeError, match="distance_function must be"):
        F.triplet_margin_with_distance_loss(x, x, x, distance_function=3)
    with pytest.raises(TypeError, match="swap must be a bool"):
        F.triplet_margin_with_distance_loss(x, x, x, swap=1)
    with pytest.raises(ValueError, match="reduction"):
        F.triplet_margin_with_distance_loss(x, x, x, reduction="avg")
    with pytest.raises(ValueError, match="grad_output must be a scalar"):
        F.triplet_margin_with_distance_loss_backward(np.ones(3), x, x, x)


# ---- the nn classes ----------------------------------------------------------------------------

def test_distance_modules_match_functional(dtype, rng):
    x1, x2 = rng.standard_normal((2, 5, 4)).astype(dtype)
    m = nn.PairwiseDistance(p=1.0, eps=0.0, keepdim=True)
    y = m(x1, x2)
    np.testing.assert_array_equal(y, F.pairwise_distance(x1, x2, 1.0, 0.0, True))
    gy = rng.standard_normal(y.shape).astype(dtype)
    for g, w in zip(m.backward(gy), F.pairwise_distance_backward(gy, x1, x2, 1.0, 0.0, True)):
        np.testing.assert_array_equal(g, w)
    m = nn.CosineSimilarity(dim=0, eps=1e-6)
    y = m(x1, x2)
    np.testing.assert_array_equal(y, F.cosine_similarity(x1, x2, 0, 1e-6))
    for g, w in zip(m.backward(), F.cosine_similarity_backward(np.ones(4), x1, x2, 0, 1e-6)):
        np.testing.assert_array_equal(g, w)
    with pytest.raises(RuntimeError, match="before forward"):
        nn.CosineSimilarity().backward()
    with pytest.raises(TypeError, match="keepdim must be a bool"):
        nn.PairwiseDistance(keepdim=0)


def test_triplet_module_reprs_match_torch():
    torch = _torch()
    assert repr(nn.TripletMarginWithDistanceLoss()) == \
        repr(torch.nn.TripletMarginWithDistanceLoss())
    assert repr(nn.TripletMarginWithDistanceLoss(distance_function=nn.CosineSimilarity())) == \
        repr(torch.nn.TripletMarginWithDistanceLoss(
            distance_function=torch.nn.CosineSimilarity()))
    assert repr(nn.TripletMarginWithDistanceLoss(distance_function=F.pairwise_distance)) == \
        "TripletMarginWithDistanceLoss()"


def test_backward_output_argument_skips_the_forward(dtype, rng):
    x1 = rng.standard_normal((2, 30, 4)).astype(dtype)
    x2 = rng.standard_normal((5, 4)).astype(dtype)
    gy = rng.standard_normal((2, 30, 5)).astype(dtype)
    for p in (2.0, 1.0, math.inf):
        y = F.cdist(x1, x2, p)
        for g, w in zip(F.cdist_backward(gy, x1, x2, p, output=y), F.cdist_backward(gy, x1, x2, p)):
            np.testing.assert_array_equal(g, w)
        x = x1[0]
        gp = rng.standard_normal(435).astype(dtype)
        np.testing.assert_array_equal(F.pdist_backward(gp, x, p, output=F.pdist(x, p)),
                                      F.pdist_backward(gp, x, p))
    with pytest.raises(ValueError, match="output has shape"):
        F.cdist_backward(gy, x1, x2, output=np.ones((30, 5)))
    with pytest.raises(TypeError, match="output must be a floating"):
        F.pdist_backward(np.ones(3), np.ones((3, 2)), output=np.ones(3, int))


def test_nan_propagates_and_read_only_inputs_work(rng):
    x = rng.standard_normal((4, 3))
    x[1, 2] = np.nan
    x.flags.writeable = False
    assert np.isnan(F.normalize(x)[1]).all() and not np.isnan(F.normalize(x)[0]).any()
    assert np.isnan(F.pairwise_distance(x, np.zeros(3))[1])
    for p in (1.0, 2.0, 3.0):
        y = F.cdist(x, x[::-1], p, "donot_use_mm_for_euclid_dist")
        assert np.isnan(y[1]).all() and np.isnan(y[:, 2]).all()
        assert not np.isnan(y[[0, 2, 3]][:, [0, 1, 3]]).any()
    assert np.isnan(F.pdist(x)).sum() == 3
    assert np.isnan(F.cosine_similarity(x, x)[1])
    loss = F.triplet_margin_with_distance_loss(x, x[::-1], np.zeros((4, 3)), reduction="none")
    assert np.isnan(loss[[1, 2]]).all() and not np.isnan(loss[[0, 3]]).any()


def test_cdist_matrix_product_path_matches_torch_at_the_issue_size(rng):
    """1000x128 against 1000x128, float32: both sides take the matrix-product path; they
    agree within its rounding (absolute ~ eps32 (||a||^2 + ||b||^2) / d)."""
    torch = _torch()
    x1, x2 = rng.standard_normal((2, 1000, 128)).astype(np.float32)
    ours = F.cdist(x1, x2)
    theirs = torch.cdist(torch.from_numpy(x1), torch.from_numpy(x2)).numpy()
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=1e-5 * np.abs(theirs).max())


@pytest.mark.parametrize("p", [2.0, 1.0, math.inf, 0.5])
def test_pdist_large_input_takes_the_row_blocks(p, rng):
    """Many more rows than the kernel's row block (and above the serial cut-off): against SciPy
    and torch."""
    x = rng.standard_normal((300, 4))
    y = F.pdist(x, p)
    scipy = pytest.importorskip("scipy.spatial.distance")
    _close(y, scipy.pdist(x, "minkowski", p=p) if p != math.inf else
           scipy.pdist(x, "chebyshev"))
    torch = _torch()
    gy = rng.standard_normal(y.shape)
    want, (g,) = _torch_grads(lambda t: torch.nn.functional.pdist(t, p), [x], gy)
    _close(y, want)
    _close(F.pdist_backward(gy, x, p), g, rtol=1e-9, atol=1e-10)


def test_triplet_float16_and_float32(rng):
    a, q, n = rng.standard_normal((3, 6, 4))
    want = F.triplet_margin_with_distance_loss_backward(1.0, a, q, n, swap=True)
    for dt, tol in ((np.float32, 1e-5), (np.float16, 1e-2)):
        loss = F.triplet_margin_with_distance_loss(*(v.astype(dt) for v in (a, q, n)))
        assert loss.dtype == dt
        gs = F.triplet_margin_with_distance_loss_backward(
            1.0, *(v.astype(dt) for v in (a, q, n)), swap=True)
        for g, w in zip(gs, want):
            assert g.dtype == dt
            np.testing.assert_allclose(g.astype(np.float64), w, rtol=tol, atol=tol)
