"""sparsemax, entmax15, entmax_bisect and their Fenchel-Young losses (issue 15, item 5).

Checked against an independent float64 reference written here: the threshold tau of each
row found by scipy's brentq on sum_i [(alpha - 1) z_i - tau]_+ ** (1 / (alpha - 1)) = 1 (for
sparsemax also Michelot's iterative projection), the losses from their definition, the
gradients by central differences of the reference; and against the ``entmax`` package (with
torch's autograd) where it is installed (those tests skip cleanly without it).
"""
import numpy as np
import pytest

import actloss as F

optimize = pytest.importorskip("scipy.optimize")

TOL = {np.dtype(np.float32): 2e-6, np.dtype(np.float64): 1e-12}


# ---- the float64 reference --------------------------------------------------------------------

def ref_sparsemax_row(z):
    """Michelot (1986): drop entries below the threshold of the rest until none is."""
    z = np.asarray(z, np.float64)
    keep = np.isfinite(z)
    while True:
        tau = (z[keep].sum() - 1.0) / keep.sum()
        new = keep & (z > tau)
        if (new == keep).all():
            return np.where(keep, np.maximum(z - tau, 0.0), 0.0)
        keep = new


def ref_entmax_row(z, alpha):
    """The alpha-entmax of one row: tau by brentq, to float64 precision."""
    z = np.asarray(z, np.float64)
    if alpha == 2.0:
        return ref_sparsemax_row(z)
    u = (alpha - 1.0) * z[np.isfinite(z)]

    def excess(tau):
        return (np.maximum(u - tau, 0.0) ** (1.0 / (alpha - 1.0))).sum() - 1.0

    tau = optimize.brentq(excess, u.max() - 1.0, u.max(), xtol=1e-300, rtol=1e-15, maxiter=500)
    p = np.zeros_like(z)
    p[np.isfinite(z)] = np.maximum(u - tau, 0.0) ** (1.0 / (alpha - 1.0))
    return p / p.sum()


def ref_entmax(x, alpha, dim=-1):
    x = np.asarray(x, np.float64)
    if x.ndim == 0:
        return np.ones(())
    return np.apply_along_axis(ref_entmax_row, dim, x, alpha)


def ref_loss_rows(x, t, alpha):
    """Fenchel-Young loss of (N, C) rows: <p - e_t, x> + (1 - sum p^alpha) / (alpha(alpha-1))."""
    x = np.asarray(x, np.float64)
    out = []
    for row, target in zip(x, t):
        p = ref_entmax_row(row, alpha)
        e = np.zeros_like(p)
        e[target] = 1.0
        out.append(((p - e) * row).sum() + (1.0 - (p ** alpha).sum()) / (alpha * (alpha - 1.0)))
    return np.array(out)


def numeric_grad(f, x, h=1e-5):
    """4th-order central differences of a scalar function of x."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        def at(d):
            y = x.copy()
            y[i] += d
            return f(y)
        g[i] = (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h)
    return g


MAPS = [  # (name, alpha, call with dim, backward with dim)
    ("sparsemax", 2.0, lambda x, d: F.sparsemax(x, d),
     lambda g, x, d, **kw: F.sparsemax_backward(g, x, d, **kw)),
    ("entmax15", 1.5, lambda x, d: F.entmax15(x, d),
     lambda g, x, d, **kw: F.entmax15_backward(g, x, d, **kw)),
    ("bisect-1.5", 1.5, lambda x, d: F.entmax_bisect(x, 1.5, d),
     lambda g, x, d, **kw: F.entmax_bisect_backward(g, x, 1.5, d, **kw)),
    ("bisect-1.25", 1.25, lambda x, d: F.entmax_bisect(x, 1.25, d),
     lambda g, x, d, **kw: F.entmax_bisect_backward(g, x, 1.25, d, **kw)),
    ("bisect-2", 2.0, lambda x, d: F.entmax_bisect(x, 2.0, d),
     lambda g, x, d, **kw: F.entmax_bisect_backward(g, x, 2.0, d, **kw)),
    ("bisect-3", 3.0, lambda x, d: F.entmax_bisect(x, alpha=3.0, dim=d),
     lambda g, x, d, **kw: F.entmax_bisect_backward(g, x, alpha=3.0, dim=d, **kw)),
]
IDS = [m[0] for m in MAPS]


# ---- forward ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,alpha,fn,bwd", MAPS, ids=IDS)
@pytest.mark.parametrize("dim", [-1, 0, 1])
def test_map_matches_reference(name, alpha, fn, bwd, dim, dtype, rng):
    x = (2 * rng.standard_normal((5, 7, 3))).astype(dtype)
    x0 = x.copy()
    y = fn(x, dim)
    assert y.dtype == dtype and y.shape == x.shape
    np.testing.assert_allclose(y, ref_entmax(x, alpha, dim), rtol=0, atol=TOL[dtype])
    np.testing.assert_allclose(y.sum(axis=dim), 1.0, atol=4 * TOL[dtype])
    assert (y >= 0).all()
    np.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize("name,alpha,fn,bwd", MAPS, ids=IDS)
def test_map_is_sparse_and_shift_invariant(name, alpha, fn, bwd, rng):
    x = 3 * rng.standard_normal((50, 20))
    y = fn(x, -1)
    assert (y == 0).mean() > 0.3  # scores spread over 3 units leave most entries out
    np.testing.assert_allclose(fn(x + 1e3, -1), y, atol=1e-10)


@pytest.mark.parametrize("name,alpha,fn,bwd", MAPS, ids=IDS)
def test_map_exact_at_ties_and_special_values(name, alpha, fn, bwd):
    x = np.array([[1.0, 1.0, 1.0, 1.0],          # all tied: uniform
                  [2.0, 2.0, -5.0, -np.inf],     # two tied at the top, -inf gets 0
                  [np.nan, 0.0, 1.0, 2.0],       # NaN row: NaN, as softmax
                  [np.inf, 0.0, 1.0, 2.0],       # +inf: NaN, as softmax
                  [-np.inf] * 4,                 # all -inf: NaN, as softmax
                  [0.0, -np.inf, -np.inf, -np.inf]])
    y = fn(x, 1)
    np.testing.assert_allclose(y[0], 0.25, atol=1e-12)
    np.testing.assert_allclose(y[1], [0.5, 0.5, 0.0, 0.0], atol=1e-12)
    assert np.isnan(y[2:5]).all()
    np.testing.assert_array_equal(y[5], [1.0, 0.0, 0.0, 0.0])
    assert np.isnan(F.softmax(x, 1)[2:5]).all()  # the convention followed
    # float32 extremes: the shift keeps them finite
    big = np.array([3e38, 3e38, -3e38], np.float32)
    np.testing.assert_allclose(fn(big, 0), [0.5, 0.5, 0.0], atol=1e-6)


@pytest.mark.parametrize("name,alpha,fn,bwd", MAPS, ids=IDS)
def test_map_shapes_empty_and_0d(name, alpha, fn, bwd, dtype):
    assert fn(np.zeros((0, 4), dtype), -1).shape == (0, 4)
    assert fn(np.zeros((3, 0), dtype), -1).shape == (3, 0)
    assert fn(np.zeros((3, 0), dtype), 0).shape == (3, 0)
    y0 = fn(np.array(2.5, dtype), -1)
    assert y0.shape == () and y0.dtype == dtype and y0 == 1.0
    assert fn(np.array([7.0], dtype), 0).tolist() == [1.0]
    assert fn(np.zeros(3, np.float16), 0).dtype == np.float16
    assert fn(np.array([1, 2, 3]), 0).dtype == np.float64
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_allclose(fn(x.transpose(2, 0, 1), 0), fn(x, -1).transpose(2, 0, 1))
    with pytest.raises(ValueError, match="dim"):
        fn(np.zeros((2, 3)), 2)
    with pytest.raises(TypeError, match="dim"):
        fn(np.zeros((2, 3)), 1.0)
    with pytest.raises(TypeError):
        fn(np.zeros(3, complex), 0)


ROW_KERNEL_MAPS = [  # (name, alpha, map): the C row kernels' paths
    ("sparsemax", 2.0, F.sparsemax), ("entmax15", 1.5, F.entmax15),
    ("bisect-1.5", 1.5, lambda x: F.entmax_bisect(x, 1.5)),
    ("bisect-2", 2.0, lambda x: F.entmax_bisect(x, 2.0)),
    ("bisect-1.3", 1.3, lambda x: F.entmax_bisect(x, 1.3)),
]


@pytest.mark.parametrize("name,alpha,fn", ROW_KERNEL_MAPS, ids=[m[0] for m in ROW_KERNEL_MAPS])
@pytest.mark.parametrize("classes", [5, 64, 65, 300])  # short rows, and past the kernels' 64
def test_sparse_maps_rows_do_not_depend_on_their_neighbours(name, alpha, fn, classes, rng):
    """The C row kernels (entmax_bisect takes short rows 8 at a time, one per vector lane, a
    last block of fewer repeating its last row; sparsemax and entmax15 sort each row's
    candidates, by insertion up to 64 of them): every row's result is the one it gets alone,
    on any thread count, and matches the reference, -inf entries and ties included."""
    x = 3 * rng.standard_normal((19, classes))
    x[3, ::4] = -np.inf
    x[5] = np.round(x[5])   # ties
    y = fn(x)
    np.testing.assert_allclose(y, ref_entmax(x, alpha), rtol=0, atol=1e-12)
    assert (y[3, ::4] == 0).all()
    for i in (0, 3, 5, 7, 8, 15, 16, 18):
        np.testing.assert_array_equal(fn(x[i]), y[i])
    big = 3 * rng.standard_normal((401, classes))   # enough work for the thread pool
    both = fn(big)
    F.set_num_threads(1)
    try:
        np.testing.assert_array_equal(fn(big), both)
    finally:
        F.set_num_threads(None)   # back to the default


def test_entmax_bisect_agrees_with_the_sorts_and_checks_its_arguments(rng):
    x = rng.standard_normal((40, 9))
    np.testing.assert_allclose(F.entmax_bisect(x, 2.0), F.sparsemax(x), atol=1e-13)
    np.testing.assert_allclose(F.entmax_bisect(x), F.entmax15(x), atol=1e-13)
    # few steps: close but not exact, still normalised
    y = F.entmax_bisect(x, n_iter=5)
    np.testing.assert_allclose(y.sum(-1), 1.0, atol=1e-12)
    assert np.abs(y - F.entmax15(x)).max() > 1e-6
    # alpha close to 1 tends to softmax
    np.testing.assert_allclose(F.entmax_bisect(x, 1.001), F.softmax(x, -1), atol=2e-3)
    for bad, err in [(1.0, ValueError), (0.5, ValueError), ("2", TypeError)]:
        with pytest.raises(err, match="alpha"):
            F.entmax_bisect(x, bad)
    for bad, err in [(0, ValueError), (2.5, TypeError)]:
        with pytest.raises(err, match="n_iter"):
            F.entmax_bisect(x, n_iter=bad)


# ---- backward -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name,alpha,fn,bwd", MAPS, ids=IDS)
@pytest.mark.parametrize("dim", [-1, 0])
def test_map_backward_matches_numeric_gradient(name, alpha, fn, bwd, dim, rng):
    x = rng.standard_normal((4, 6))
    g = rng.standard_normal((4, 6))
    expected = numeric_grad(lambda v: (ref_entmax(v, alpha, dim) * g).sum(), x)
    got = bwd(g, x, dim)
    np.testing.assert_allclose(got, expected, atol=1e-8)
    np.testing.assert_array_equal(bwd(g, None, dim, output=fn(x, dim)), got)


@pytest.mark.parametrize("name,alpha,fn,bwd", MAPS, ids=IDS)
def test_map_backward_dtypes_and_errors(name, alpha, fn, bwd, dtype, rng):
    x = rng.standard_normal((3, 5)).astype(dtype)
    g = rng.standard_normal((3, 5)).astype(dtype)
    gx = bwd(g, x, -1)
    assert gx.dtype == dtype and gx.shape == x.shape
    np.testing.assert_allclose(gx.sum(-1), 0.0, atol=1e-5)  # the simplex's tangent space
    nan_row = np.array([[np.nan, 1.0, 2.0]])
    assert np.isnan(bwd(np.ones((1, 3)), nan_row, 1)).all()
    with pytest.raises(ValueError, match="grad_output"):
        bwd(np.ones((3, 4)), x, -1)
    with pytest.raises(ValueError, match="output"):
        bwd(g, None, -1)


# ---- the losses ---------------------------------------------------------------------------------

LOSSES = [  # (name, alpha, loss(x, t, **kw), backward(g, x, t, **kw))
    ("sparsemax_loss", 2.0, F.sparsemax_loss, F.sparsemax_loss_backward),
    ("entmax15_loss", 1.5, F.entmax15_loss, F.entmax15_loss_backward),
    ("bisect_loss-1.5", 1.5, F.entmax_bisect_loss, F.entmax_bisect_loss_backward),
    ("bisect_loss-1.7", 1.7, lambda x, t, **kw: F.entmax_bisect_loss(x, t, 1.7, **kw),
     lambda g, x, t, **kw: F.entmax_bisect_loss_backward(g, x, t, 1.7, **kw)),
]
LIDS = [c[0] for c in LOSSES]


@pytest.mark.parametrize("name,alpha,loss,bwd", LOSSES, ids=LIDS)
def test_loss_matches_reference(name, alpha, loss, bwd, dtype, rng):
    x = (2 * rng.standard_normal((8, 5))).astype(dtype)
    t = rng.integers(0, 5, 8)
    t[2] = -100
    t[5] = 3
    ref = ref_loss_rows(x, np.where(t < 0, 0, t), alpha)
    ref[t < 0] = 0.0
    tol = TOL[dtype] * 10
    none = loss(x, t, reduction="none")
    assert none.dtype == dtype and none.shape == (8,)
    np.testing.assert_allclose(none, ref, atol=tol)
    assert (none >= -tol).all()
    total = loss(x, t, reduction="sum")
    assert isinstance(total, np.dtype(dtype).type) and np.isclose(total, ref.sum(), atol=tol * 8)
    np.testing.assert_allclose(loss(x, t), ref.sum() / 7, atol=tol)  # 7 counted rows
    # ignored rows may change freely
    x2 = x.copy()
    x2[2] = 99
    assert loss(x2, t) == loss(x, t)


@pytest.mark.parametrize("name,alpha,loss,bwd", LOSSES, ids=LIDS)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_loss_backward_matches_numeric_gradient(name, alpha, loss, bwd, reduction, rng):
    x = rng.standard_normal((4, 5))
    t = np.array([1, -100, 4, 0])
    gy = rng.standard_normal(4) if reduction == "none" else 0.7
    counted = (t >= 0).sum()

    def total(v):
        r = ref_loss_rows(v, np.where(t < 0, 0, t), alpha) * (t >= 0)
        if reduction == "none":
            return (r * gy).sum()
        return gy * (r.sum() / counted if reduction == "mean" else r.sum())
    got = bwd(gy, x, t, reduction=reduction)
    np.testing.assert_allclose(got, numeric_grad(total, x), atol=1e-8)
    assert (got[1] == 0).all()


def test_loss_shapes_and_errors(rng):
    # (C,) with a 0-d target, and (N, C, d) with class axis 1 as cross_entropy
    x = rng.standard_normal((3, 4, 2))
    t = rng.integers(0, 4, (3, 2))
    none = F.sparsemax_loss(x, t, reduction="none")
    assert none.shape == (3, 2)
    flat = F.sparsemax_loss(np.moveaxis(x, 1, -1).reshape(6, 4), t.reshape(6), reduction="none")
    np.testing.assert_allclose(none.reshape(6), flat)
    g = F.sparsemax_loss_backward(np.ones((3, 2)), x, t, reduction="none")
    np.testing.assert_allclose(np.moveaxis(g, 1, -1).reshape(6, 4),
                               F.sparsemax_loss_backward(np.ones(6), np.moveaxis(x, 1, -1)
                                                         .reshape(6, 4), t.reshape(6),
                                                         reduction="none"))
    assert F.entmax15_loss(np.array([0.0, 5.0]), np.array(1), reduction="none").shape == ()
    assert F.entmax15_loss(np.array([0.0, 5.0]), np.array(1)) == 0.0  # the margin is reached
    assert np.isnan(F.sparsemax_loss(x[:, :, 0], np.full(3, -100)))  # all ignored: 0 / 0
    assert F.sparsemax_loss(x[:, :, 0], np.full(3, -100), reduction="sum") == 0.0
    assert np.isnan(F.sparsemax_loss(np.array([[np.nan, 1.0]]), np.array([0])))
    assert F.sparsemax_loss(np.array([[-np.inf, 1.0]]), np.array([0])) == np.inf
    assert F.sparsemax_loss(np.zeros((0, 3)), np.zeros(0, int), reduction="none").shape == (0,)
    no_class = F.entmax15_loss(np.zeros((2, 0)), np.full(2, -100), reduction="none")
    assert no_class.tolist() == [0.0, 0.0]
    assert F.entmax15_loss_backward(np.ones(2), np.zeros((2, 0)), np.full(2, -100),
                                    reduction="none").shape == (2, 0)
    with pytest.raises(ValueError, match="out of bounds"):
        F.sparsemax_loss(x[:, :, 0], np.array([0, 4, 1]))
    with pytest.raises(ValueError, match="out of bounds"):
        F.entmax15_loss(x[:, :, 0], np.array([0, -1, 1]))
    with pytest.raises(ValueError, match="target has shape"):
        F.sparsemax_loss(x[:, :, 0], np.array([0, 1]))
    with pytest.raises(TypeError, match="target"):
        F.sparsemax_loss(x[:, :, 0], np.array([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="reduction"):
        F.entmax15_loss(x[:, :, 0], np.array([0, 1, 1]), reduction="elementwise_mean")
    with pytest.raises(ValueError, match="input"):
        F.sparsemax_loss(np.array(1.0), np.array(0))
    with pytest.raises(ValueError, match="alpha"):
        F.entmax_bisect_loss(x[:, :, 0], np.array([0, 1, 1]), alpha=1.0)
    with pytest.raises(ValueError, match="grad_output"):
        F.sparsemax_loss_backward(np.ones(3), x[:, :, 0], np.array([0, 1, 1]))
    # ignore_index also works for a non-negative index
    a = F.sparsemax_loss(x[:, :, 0], np.array([0, 2, 1]), ignore_index=2, reduction="sum")
    b = F.sparsemax_loss(x[[0, 2], :, 0], np.array([0, 1]), reduction="sum")
    assert np.isclose(a, b)


# ---- the entmax package (torch) as the peer -------------------------------------------------------

def _entmax():
    entmax = pytest.importorskip("entmax")
    return entmax, pytest.importorskip("torch")


PEER_MAPS = [("sparsemax", lambda e, t, d: e.sparsemax(t, dim=d), F.sparsemax, {}),
             ("entmax15", lambda e, t, d: e.entmax15(t, dim=d), F.entmax15, {}),
             ("entmax_bisect", lambda e, t, d: e.entmax_bisect(t, alpha=1.3, dim=d),
              F.entmax_bisect, {"alpha": 1.3})]


@pytest.mark.parametrize("name,peer,ours,kw", PEER_MAPS, ids=[p[0] for p in PEER_MAPS])
@pytest.mark.parametrize("dim", [-1, 1])
def test_map_and_gradient_match_the_entmax_package(name, peer, ours, kw, dim, dtype, rng):
    entmax, torch = _entmax()
    x = (2 * rng.standard_normal((6, 9, 4))).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    tx = torch.tensor(x, requires_grad=True)
    ty = peer(entmax, tx, dim)
    ty.backward(torch.tensor(g))
    y = ours(x, dim=dim, **kw)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y, ty.detach().numpy(), atol=tol)
    gx = getattr(F, name + "_backward")(g, x, dim=dim, **kw)
    np.testing.assert_allclose(gx, tx.grad.numpy(), atol=tol * 10)


PEER_LOSSES = [("sparsemax_loss", "SparsemaxLoss", {}, {}),
               ("entmax15_loss", "Entmax15Loss", {}, {}),
               ("entmax_bisect_loss", "EntmaxBisectLoss", {"alpha": 1.7}, {"alpha": 1.7})]


def _entmax_peer(cls, tkw, reduction, dtype, rng):
    """x (10, 6), targets with ignore_index 4 on row 3, a grad_output g, and the entmax
    package's loss and input gradient for them (torch autograd)."""
    entmax, torch = _entmax()
    x = (2 * rng.standard_normal((10, 6))).astype(dtype)
    t = rng.integers(0, 6, 10)
    t[3] = 4
    treduction = "elementwise_mean" if reduction == "mean" else reduction
    module = getattr(entmax, cls)(ignore_index=4, reduction=treduction, **tkw)
    tx = torch.tensor(x, requires_grad=True)
    tl = module(tx, torch.tensor(t))
    g = rng.standard_normal(10).astype(dtype) if reduction == "none" else 1.3
    tl.backward(torch.tensor(g) if reduction == "none" else torch.tensor(g, dtype=tl.dtype))
    return x, t, g, tl.detach().numpy(), tx.grad.numpy()


@pytest.mark.parametrize("name,cls,kw,tkw", PEER_LOSSES, ids=[p[0] for p in PEER_LOSSES])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_loss_and_gradient_match_the_entmax_package(name, cls, kw, tkw, reduction, rng):
    x, t, g, peer_loss, peer_grad = _entmax_peer(cls, tkw, reduction, np.float64, rng)
    loss = getattr(F, name)(x, t, **kw, ignore_index=4, reduction=reduction)
    np.testing.assert_allclose(loss, peer_loss, atol=1e-10)
    gx = getattr(F, name + "_backward")(g, x, t, **kw, ignore_index=4, reduction=reduction)
    np.testing.assert_allclose(gx, peer_grad, atol=1e-10)


def test_entmax_bisect_rejects_an_infinite_alpha():
    """Found by test_fuzz_sparse_maps: alpha = inf passed the alpha > 1 check and gave
    entmax_bisect([1, 2], inf) = [0.5, 0.5] ((alpha - 1) z is 0 * inf = NaN at the shifted
    maximum), where large finite alphas tend to the argmax [0, 1]; now a ValueError, in the
    loss too."""
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(F.entmax_bisect(x, 1e300), [0.0, 1.0])
    for a in (np.inf, np.float32(np.inf)):
        with pytest.raises(ValueError, match="alpha must be finite and > 1"):
            F.entmax_bisect(x, a)
        with pytest.raises(ValueError, match="alpha"):
            F.entmax_bisect_backward(np.ones(2), x, a)
        with pytest.raises(ValueError, match="alpha"):
            F.entmax_bisect_loss(x, np.array(1), a)


def test_entmax_bisect_backward_large_alpha_leaks_no_fp_state():
    """Found by test_fuzz_sparse_maps: alpha = 1e300 made p ** (2 - alpha) overflow in the
    backward, which raised FloatingPointError under np.errstate(all="raise"); the forward is
    the argmax's (ties share), its gradient not finite there."""
    x = np.array([0.0, 0.0])
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(F.entmax_bisect(x, 1e300), [0.5, 0.5])
        g = F.entmax_bisect_backward(np.array([0.5, -1.0]), x, 1e300)
    assert g.shape == (2,) and not np.isfinite(g).any()


def test_maps_and_losses_tiny_and_huge_differences_leak_no_fp_state():
    """Found by test_fuzz_sparse_maps: entmax15([0, 0, 1.2e-271]) squared the tiny shifted
    scores, which raised FloatingPointError (underflow) under np.errstate(all="raise"); the
    maps and losses now compute whatever the caller's np.seterr."""
    x = np.array([0.0, 0.0, 1.18199088e-271])
    with np.errstate(all="raise"):
        for fn in (F.sparsemax, F.entmax15, F.entmax_bisect):
            np.testing.assert_allclose(fn(x), [1 / 3] * 3, rtol=1e-15)
        for fn in (F.sparsemax_loss, F.entmax15_loss, F.entmax_bisect_loss):
            assert fn(x[None], np.array([2])) >= 0
    # found by test_fuzz_fy_losses: the shift by the maximum overflowed (-1.7e308 - 1.7e308)
    big = np.array([1.7e308, -1.7e308])
    with np.errstate(all="raise"):
        for fn in (F.sparsemax, F.entmax15, F.entmax_bisect):
            np.testing.assert_array_equal(fn(big), [1.0, 0.0])
        for fn in (F.sparsemax_loss, F.entmax15_loss, F.entmax_bisect_loss):
            assert fn(big, np.array(0)) == 0 and fn(big, np.array(1)) == np.inf
            # found by the long fuzz run: two rows of loss 1.7e308 overflowed their sum
            rows = np.array([[0.0, 1.7e308, 0.0]] * 2)
            assert fn(rows, np.array([2, 2])) == np.inf


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_backward_ignored_rows_are_zero(reduction):
    """Found by test_fuzz_fy_losses: an ignored row holding NaN got a NaN gradient (0 * NaN),
    and with every row ignored the "mean" backward raised ZeroDivisionError; 0 for every
    ignored row, as cross_entropy_backward gives."""
    x = np.array([[np.nan, 1.0, 2.0], [1.0, 2.0, 3.0]])
    go = np.ones(2) if reduction == "none" else 1.0
    for bwd in (F.sparsemax_loss_backward, F.entmax15_loss_backward,
                F.entmax_bisect_loss_backward):
        g = bwd(go, x, np.array([-100, 1]), reduction=reduction)
        assert (g[0] == 0).all() and np.isfinite(g[1]).all()
        assert (bwd(go, x, np.array([-100, -100]), reduction=reduction) == 0).all()


def test_loss_empty_batch_with_spatial_dimensions():
    """Found by test_fuzz_fy_losses: an (N, C, d) input with N = 0 raised "cannot reshape array
    of size 0 into shape (0,newaxis)" (the targets were reshaped to (N, -1)); empty results."""
    for loss, bwd in [(F.sparsemax_loss, F.sparsemax_loss_backward),
                      (F.entmax15_loss, F.entmax15_loss_backward),
                      (F.entmax_bisect_loss, F.entmax_bisect_loss_backward)]:
        for d in (0, 3):
            x, t = np.zeros((0, 2, d)), np.zeros((0, d), np.int64)
            assert loss(x, t, reduction="none").shape == (0, d)
            assert loss(x, t, reduction="sum") == 0 and np.isnan(loss(x, t))
            assert bwd(np.zeros((0, d)), x, t, reduction="none").shape == (0, 2, d)


# ---- the fused *_with_grad and the backward's output= (issue 12) -------------------------------

FUSED = [  # (name, alpha, map along dim, loss, backward, with_grad), keywords as the loss's
    ("sparsemax_loss", 2.0, lambda x, d: F.sparsemax(x, d), F.sparsemax_loss,
     F.sparsemax_loss_backward, F.sparsemax_loss_with_grad),
    ("entmax15_loss", 1.5, lambda x, d: F.entmax15(x, d), F.entmax15_loss,
     F.entmax15_loss_backward, F.entmax15_loss_with_grad),
    ("bisect_loss-1.5", 1.5, lambda x, d: F.entmax_bisect(x, 1.5, d), F.entmax_bisect_loss,
     F.entmax_bisect_loss_backward, F.entmax_bisect_loss_with_grad),
    ("bisect_loss-1.7-n30", 1.7, lambda x, d: F.entmax_bisect(x, 1.7, d, 30),
     lambda x, t, **kw: F.entmax_bisect_loss(x, t, 1.7, 30, **kw),
     lambda g, x, t, **kw: F.entmax_bisect_loss_backward(g, x, t, 1.7, 30, **kw),
     lambda x, t, **kw: F.entmax_bisect_loss_with_grad(x, t, alpha=1.7, n_iter=30, **kw)),
]
FIDS = [c[0] for c in FUSED]
SHAPES = [(8, 5), (5,), (4, 5, 3)]  # (N, C), (C,), (N, C, d): class axis 1 (0 for 1-D)


def _problem(shape, dtype, rng, ignore_index=-100):
    """Scores with a tie and a -inf, targets with an ignored row (rows of (N, C, d) too)."""
    x = (2 * rng.standard_normal(shape)).astype(dtype)
    C = shape[1] if len(shape) > 1 else shape[0]
    tshape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    t = rng.integers(0, C, tshape)
    if len(shape) > 1:
        x[1, 0], x[1, 1] = x[1, 2], -np.inf  # a tie and a -inf entry, its target not -inf
        t.reshape(-1)[0] = ignore_index
        t.reshape(-1)[1] = 2
    return x, t


def _bits(a, b):
    """a and b bit for bit: the same type, dtype, shape and every bit (NaN included)."""
    assert type(a) is type(b) and a.dtype == b.dtype and np.shape(a) == np.shape(b)
    raw = [np.ascontiguousarray(np.atleast_1d(v)).view(np.uint8) for v in (a, b)]
    np.testing.assert_array_equal(*raw)


def _ref_loss(x, t, alpha):
    """The loss of (N, C) rows from the reference map, <p, x> over the support (a -inf score
    outside it adds nothing)."""
    out = []
    for row, target in zip(np.asarray(x, np.float64), t):
        p = ref_entmax_row(row, alpha)
        on = p > 0
        out.append((p[on] * row[on]).sum() - row[target]
                   + (1.0 - (p ** alpha).sum()) / (alpha * (alpha - 1.0)))
    return np.array(out)


@pytest.mark.parametrize("name,alpha,fmap,loss,bwd,fused", FUSED, ids=FIDS)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("shape", SHAPES, ids=["NC", "C", "NCd"])
def test_with_grad_is_the_loss_and_the_backward_bit_for_bit(name, alpha, fmap, loss, bwd, fused,
                                                            reduction, shape, dtype, rng):
    """The fused call runs the same float64 operations on the same rows as the loss and the
    backward (one map instead of two), so both results are theirs bit for bit, not within an
    ULP; for every grad_output form the backward takes."""
    x, t = _problem(shape, dtype, rng)
    x0, t0 = x.copy(), t.copy()
    lshape = np.shape(t)
    gos = [1.0, -0.37] + ([rng.standard_normal(lshape).astype(dtype), np.float32(2.0)]
                          if reduction == "none" else [np.array(0.5), np.float64(3.0)])
    want_loss = loss(x, t, reduction=reduction)
    for go in gos:
        got_loss, got_grad = fused(x, t, reduction=reduction, grad_output=go)
        _bits(got_loss, want_loss)
        _bits(got_grad, bwd(go, x, t, reduction=reduction))
    got_loss, got_grad = fused(x, t, reduction=reduction)  # grad_output defaults to 1
    _bits(got_grad, bwd(np.ones(lshape) if reduction == "none" else 1.0, x, t,
                        reduction=reduction))
    # a non-negative ignore_index too
    t2 = np.where(t == -100, 2, t)
    got_loss, got_grad = fused(x, t2, ignore_index=2, reduction=reduction)
    _bits(got_loss, loss(x, t2, ignore_index=2, reduction=reduction))
    _bits(got_grad, bwd(np.ones(lshape) if reduction == "none" else 1.0, x, t2, ignore_index=2,
                        reduction=reduction))
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(t, t0)


@pytest.mark.parametrize("name,alpha,fmap,loss,bwd,fused", FUSED, ids=FIDS)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_with_grad_matches_the_reference(name, alpha, fmap, loss, bwd, fused, reduction, dtype,
                                         rng):
    x, t = _problem((8, 5), dtype, rng)
    counted = t != -100
    tt = np.where(counted, t, 0)
    ref = np.where(counted, _ref_loss(x, tt, alpha), 0.0)
    go = rng.standard_normal(8) if reduction == "none" else -1.3
    coef = go * counted if reduction == "none" else np.full(8, go / (
        counted.sum() if reduction == "mean" else 1)) * counted
    p = ref_entmax(x, alpha, 1)
    want_grad = (p - np.eye(5)[tt]) * coef[:, None]
    got_loss, got_grad = fused(x, t, reduction=reduction, grad_output=go)
    # 30 bisection steps leave tau within 2^-30 of the root (the map within a few times that)
    tol = max(TOL[dtype] * 10, 2e-8 if name.endswith("n30") else 0.0)
    assert got_grad.dtype == dtype and got_grad.shape == x.shape
    np.testing.assert_allclose(got_grad, want_grad, rtol=0, atol=tol * 2)
    assert (got_grad[~counted] == 0).all()
    if reduction == "none":
        assert got_loss.dtype == dtype and got_loss.shape == (8,)
        np.testing.assert_allclose(got_loss, ref, rtol=0, atol=tol)
    else:
        assert isinstance(got_loss, np.dtype(dtype).type)
        want = ref.sum() / (counted.sum() if reduction == "mean" else 1)
        np.testing.assert_allclose(got_loss, want, rtol=0, atol=tol * 8)


@pytest.mark.parametrize("name,alpha,fmap,loss,bwd,fused", FUSED, ids=FIDS)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("shape", SHAPES, ids=["NC", "C", "NCd"])
def test_backward_output_skips_the_map(name, alpha, fmap, loss, bwd, fused, reduction, shape,
                                       dtype, rng):
    """output= (the map along the class axis): from the float64 map the gradient is the
    recomputed one bit for bit (the same rows in the same float64 operations); from a float32
    map it carries that map's rounding, half an ULP of each entry."""
    x, t = _problem(shape, dtype, rng)
    go = rng.standard_normal(np.shape(t)) if reduction == "none" else 0.8
    axis = 1 if len(shape) > 1 else 0
    want = bwd(go, x, t, reduction=reduction)
    p64 = fmap(x.astype(np.float64), axis)
    _bits(bwd(go, x, t, reduction=reduction, output=p64), want if dtype == np.float64 else
          bwd(go, x.astype(np.float64), t, reduction=reduction).astype(dtype))
    # any layout of the map (a transposed copy's view)
    p_t = np.ascontiguousarray(np.moveaxis(p64, axis, -1))
    _bits(bwd(go, x, t, reduction=reduction, output=np.moveaxis(p_t, -1, axis)),
          bwd(go, x, t, reduction=reduction, output=p64))
    # the map in the input's dtype (what sparsemax(x) returns for float32 x)
    got = bwd(go, x, t, reduction=reduction, output=fmap(x, axis))
    assert got.dtype == dtype and got.shape == x.shape
    coef = np.max(np.abs(go)) * (1 if reduction != "mean" else 1 / max(1, (t != -100).sum()))
    np.testing.assert_allclose(got, want, rtol=0,
                               atol=coef * np.finfo(dtype).eps + np.finfo(dtype).eps)
    # the map is only read
    p0 = p64.copy()
    bwd(go, x, t, reduction=reduction, output=p64)
    np.testing.assert_array_equal(p64, p0)


@pytest.mark.parametrize("name,alpha,fmap,loss,bwd,fused", FUSED, ids=FIDS)
def test_backward_output_is_checked(name, alpha, fmap, loss, bwd, fused, rng):
    x, t = _problem((4, 5, 3), np.float64, rng)
    p = fmap(x, 1)
    with pytest.raises(ValueError, match=r"output has shape \(4, 3, 5\), expected \(4, 5, 3\)"):
        bwd(1.0, x, t, output=np.moveaxis(p, 1, -1))  # the map along the last axis: refused
    with pytest.raises(ValueError, match="output has shape"):
        bwd(1.0, x, t, output=p[:, :, :2])
    with pytest.raises(ValueError, match="output has shape"):
        bwd(1.0, x, t, output=1.0)
    with pytest.raises(TypeError, match="output must be a floating array.*int64"):
        bwd(1.0, x, t, output=np.ones(x.shape, np.int64))
    with pytest.raises(TypeError, match="output must be a floating array.*complex"):
        bwd(1.0, x, t, output=p.astype(complex))
    with pytest.raises(TypeError, match="output"):
        bwd(1.0, x, t, output=np.ma.masked_array(p))
    # the loss's own checks still run first: a bad target with a good map
    with pytest.raises(ValueError, match="out of bounds"):
        bwd(1.0, x, np.full(t.shape, 7), output=p)
    with pytest.raises(ValueError, match="grad_output"):
        bwd(np.ones(3), x, t, output=p)


@pytest.mark.parametrize("name,alpha,fmap,loss,bwd,fused", FUSED, ids=FIDS)
def test_with_grad_errors_and_edge_cases(name, alpha, fmap, loss, bwd, fused, rng):
    x, t = _problem((4, 5), np.float64, rng)
    with pytest.raises(ValueError, match="grad_output"):
        fused(x, t, grad_output=np.ones(4))          # a mean's grad_output is a scalar
    with pytest.raises(ValueError, match="grad_output has shape"):
        fused(x, t, reduction="none", grad_output=np.ones(3))
    with pytest.raises(ValueError, match="reduction"):
        fused(x, t, reduction="elementwise_mean")
    with pytest.raises(ValueError, match="out of bounds"):
        fused(x, np.array([0, 5, 1, 1]))
    with pytest.raises(TypeError, match="target"):
        fused(x, t.astype(float))
    with pytest.raises(TypeError, match="ignore_index"):
        fused(x, t, ignore_index=1.5)
    # all ignored: NaN mean (0 / 0) and a zero gradient; empty batches; the margin reached
    loss_, grad = fused(x, np.full(4, -100))
    assert np.isnan(loss_) and (grad == 0).all()
    loss_, grad = fused(np.zeros((0, 5)), np.zeros(0, int), reduction="none")
    assert loss_.shape == (0,) and grad.shape == (0, 5)
    loss_, grad = fused(np.array([0.0, 9.0]), np.array(1))
    assert loss_ == 0 and (grad == 0).all()
    # a NaN row: NaN loss and gradient, as the loss and the backward
    xn = x.copy()
    xn[2, 1] = np.nan
    loss_, grad = fused(xn, t, reduction="none")
    assert np.isnan(loss_[2]) and np.isnan(grad[2]).all() and np.isfinite(grad[[1, 3]]).all()


def test_entmax_bisect_with_grad_checks_alpha_and_n_iter():
    x, t = np.zeros((2, 3)), np.array([0, 1])
    with pytest.raises(ValueError, match="alpha"):
        F.entmax_bisect_loss_with_grad(x, t, alpha=1.0)
    with pytest.raises(TypeError, match="n_iter"):
        F.entmax_bisect_loss_with_grad(x, t, n_iter=2.5)
    with pytest.raises(ValueError, match="alpha"):
        F.entmax_bisect_loss_backward(1.0, x, t, alpha=np.inf, output=np.full((2, 3), 1 / 3))


@pytest.mark.parametrize("name,cls,kw,tkw", PEER_LOSSES, ids=[p[0] for p in PEER_LOSSES])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_with_grad_and_output_match_the_entmax_package(name, cls, kw, tkw, reduction, dtype,
                                                       rng):
    entmax, torch = _entmax()
    x, t, g, peer_loss, peer_grad = _entmax_peer(cls, tkw, reduction, dtype, rng)
    loss, grad = getattr(F, name + "_with_grad")(x, t, **kw, ignore_index=4,
                                                 reduction=reduction, grad_output=g)
    tol = 1e-5 if dtype == np.float32 else 1e-10
    assert loss.dtype == dtype and grad.dtype == dtype
    np.testing.assert_allclose(loss, peer_loss, atol=tol)
    np.testing.assert_allclose(grad, peer_grad, atol=tol)
    # the backward from the map torch's forward computed (output=)
    fmap = {"sparsemax_loss": lambda v: entmax.sparsemax(v, dim=1),
            "entmax15_loss": lambda v: entmax.entmax15(v, dim=1),
            "entmax_bisect_loss": lambda v: entmax.entmax_bisect(v, dim=1, **tkw)}[name]
    p = fmap(torch.tensor(x)).numpy()
    gx = getattr(F, name + "_backward")(g, x, t, **kw, ignore_index=4, reduction=reduction,
                                        output=p)
    np.testing.assert_allclose(gx, peer_grad, atol=tol)


def test_nn_fenchel_young_modules_run_the_fused_call(rng):
    """In training mode the forward keeps the fused gradient, which backward(1.0) returns (bit
    for bit the functional backward's); eval mode computes the loss only."""
    from actloss import nn
    x, t = _problem((6, 5), np.float32, rng, ignore_index=4)
    for m, fused in [(nn.SparsemaxLoss(ignore_index=4), lambda x, t: F.sparsemax_loss_with_grad(
                         x, t, ignore_index=4)),
                     (nn.Entmax15Loss(reduction="sum", ignore_index=4),
                      lambda x, t: F.entmax15_loss_with_grad(x, t, reduction="sum",
                                                             ignore_index=4)),
                     (nn.EntmaxBisectLoss(alpha=1.7, n_iter=30, ignore_index=4),
                      lambda x, t: F.entmax_bisect_loss_with_grad(x, t, 1.7, 30,
                                                                  ignore_index=4))]:
        want_loss, want_grad = fused(x, t)
        _bits(m(x, t), want_loss)
        assert m._ctx[3] is not None  # the gradient kept from the one evaluation
        _bits(m.backward(), want_grad)
        _bits(m.backward(), want_grad)  # a second backward recomputes: the same
        m.eval()
        _bits(m(x, t), want_loss)
        assert m._ctx[3] is None


def test_dask_backward_output_is_checked_and_recomputed(rng):
    da = pytest.importorskip("dask.array")
    x, t = _problem((8, 5), np.float64, rng)
    dx, dt = da.from_array(x, chunks=(3, 5)), da.from_array(t, chunks=3)
    p = F.sparsemax(x, 1)
    got = F.sparsemax_loss_backward(0.5, dx, dt, output=da.from_array(p, chunks=(3, 5)))
    assert isinstance(got, da.Array)
    np.testing.assert_allclose(got.compute(), F.sparsemax_loss_backward(0.5, x, t), rtol=1e-15,
                               atol=0)
    with pytest.raises(ValueError, match="output has shape"):
        F.sparsemax_loss_backward(0.5, dx, dt, output=da.from_array(p[:, :4], chunks=(3, 4)))
    with pytest.raises(TypeError, match="output must be a floating array"):
        F.entmax15_loss_backward(0.5, dx, dt, output=da.ones((8, 5), dtype=int, chunks=3))
    loss, grad = F.entmax15_loss_with_grad(dx, dt, reduction="sum", grad_output=2.0)
    want = F.entmax15_loss_with_grad(x, t, reduction="sum", grad_output=2.0)
    np.testing.assert_allclose(loss.compute(), want[0], rtol=1e-14)
    np.testing.assert_allclose(grad.compute(), want[1], rtol=1e-15, atol=0)


@pytest.mark.parametrize("alpha", [2.0, 1.5, 1.3, 3.0])
@pytest.mark.parametrize("classes", [1, 7, 64, 300])
def test_map_backward_from_output_is_the_formula_rounded_once(alpha, classes, dtype, rng):
    # the sparse maps' backward row kernel: s = p ** (2 - alpha) on the support, gx = g s -
    # (sum g s / sum s) s, the sums in double and each entry rounded once to the dtype -- here
    # against the same formula with exact sums (math.fsum) on the map and gradient as given
    import math
    x = (3 * rng.standard_normal((9, classes))).astype(dtype)
    x[2, :] = -np.inf if classes > 1 else x[2, :]
    x[2, 0] = 0.0
    p = F.entmax_bisect(x, alpha, -1) if alpha not in (2.0, 1.5) else \
        (F.sparsemax(x, -1) if alpha == 2.0 else F.entmax15(x, -1))
    g = rng.standard_normal(x.shape).astype(dtype)
    got = F.entmax_bisect_backward(g, None, alpha, -1, output=p)
    assert got.dtype == dtype and got.shape == x.shape
    for r in range(len(x)):
        pr, gr = p[r].astype(np.float64), g[r].astype(np.float64)
        with np.errstate(divide="ignore"):
            s = np.where(pr > 0, np.abs(pr) ** (2.0 - alpha), 0.0)
        q = math.fsum(gr * s) / math.fsum(s)
        want = gr * s - q * s
        # the kernel's sums in order in double, its power within an ULP of double
        np.testing.assert_allclose(got[r], want, rtol=2 * np.finfo(dtype).eps,
                                   atol=np.finfo(dtype).eps * np.abs(gr * s).max() + 1e-300)
    # a row of NaN gives NaN, as 0 / 0; an ignored (all-zero) map row is 0 / 0 too
    bad = np.full((1, classes), np.nan, dtype)
    assert np.isnan(F.sparsemax_backward(np.ones_like(bad), output=bad)).all()


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_loss_backward_kernel_rows(reduction, dtype, rng):
    # the Fenchel-Young gradient kernel: c (p - e_t) per counted row, rounded once from double;
    # ignored rows 0 even where their map is NaN; float16 maps are read in float32
    x = (2 * rng.standard_normal((6, 5))).astype(dtype)
    t = np.array([0, 4, -100, 2, -100, 1])
    p = F.sparsemax(x, 1)
    p[2] = np.nan
    gy = rng.standard_normal(6).astype(dtype) if reduction == "none" else dtype.type(0.7)
    got = F.sparsemax_loss_backward(gy, x, t, reduction=reduction, output=p)
    n = 4
    c = np.broadcast_to(np.asarray(gy, np.float64), (6,)) / (n if reduction == "mean" else 1)
    want = (p.astype(np.float64) - np.eye(5)[np.where(t >= 0, t, 0)]) * c[:, None]
    want[t < 0] = 0.0
    np.testing.assert_array_equal(got, want.astype(dtype))
    got16 = F.sparsemax_loss_backward(gy, x.astype(np.float16), t, reduction=reduction,
                                      output=p.astype(np.float16))
    assert got16.dtype == np.float16 and not np.isnan(got16[2]).any()
