"""Row-wise / embedding losses: cosine_embedding_loss, triplet_margin_loss, contrastive_loss,
multi_margin_loss, multilabel_margin_loss, info_nce (nt_xent), forward and backward.

Checked against the float64 oracle in reference_embedding.py, against torch (forward and
autograd; contrastive_loss and info_nce against torch autograd implementations of their
documented formulas), against 4th-order central differences in float64, and for the loss
properties, shapes, dtypes, errors, thread-count independence and untouched inputs.
"""
import re

import numpy as np
import pytest

import actloss as F
import reference_embedding as ref

REDUCTIONS = ["none", "mean", "sum"]


# ---- cases: inputs, actloss calls, reference, torch ------------------------------------------

def _emb(rng, n, d, dtype, count):
    return tuple(rng.standard_normal((n, d)).astype(dtype) for _ in range(count))


def _make_cosine(rng, n, dtype):
    x1, x2 = _emb(rng, n, 9, dtype, 2)
    x2[: n // 2] += 1.5 * x1[: n // 2]  # some similar pairs, so the clamp is active both ways
    t = rng.choice([1, -1], n)
    return (x1, x2, t), {"margin": 0.1}


def _make_triplet(rng, n, dtype):
    a, p, q = _emb(rng, n, 8, dtype, 3)
    p = (a + 0.5 * p).astype(dtype)  # positives nearer than negatives for part of the batch
    return (a, p, q), {"margin": 1.5, "p": 2, "eps": 1e-6, "swap": True}


def _make_contrastive(rng, n, dtype):
    x1, x2 = _emb(rng, n, 6, dtype, 2)
    x2 = (x1 + 0.3 * x2).astype(dtype)
    t = rng.integers(0, 2, n)
    return (x1, x2, t), {"margin": 1.0}


def _make_multi_margin(rng, n, dtype):
    x = rng.standard_normal((n, 7)).astype(dtype)
    t = rng.integers(0, 7, n)
    return (x, t), {"p": 2, "margin": 0.8, "weight": rng.random(7).astype(dtype) + 0.5}


def _make_multilabel(rng, n, dtype):
    x = rng.standard_normal((n, 6)).astype(dtype)
    t = np.full((n, 6), -1)
    for i in range(n):
        k = rng.integers(0, 5)
        t[i, :k] = rng.choice(6, k, replace=False)
        t[i, k + 1:] = rng.integers(-1, 6, 5 - k)  # after the -1: ignored
    return (x, t), {}


def _make_info_nce(rng, n, dtype):
    q, k = _emb(rng, n, 5, dtype, 2)
    k = (q + 0.7 * k).astype(dtype)
    return (q, k), {"temperature": 0.3, "symmetric": True}


def _make_nt_xent(rng, n, dtype):
    (q, k), _ = _make_info_nce(rng, n, dtype)
    return (q, k), {"temperature": 0.5, "symmetric": True, "intra_view_negatives": True}


def _torch_contrastive(x1, x2, t, margin=1.0, p=2, eps=1e-6, reduction="mean"):
    import torch
    d = torch.nn.functional.pairwise_distance(x1, x2, p=p, eps=eps)
    t = t.to(d.dtype)
    loss = 0.5 * t * d ** 2 + 0.5 * (1 - t) * torch.clamp(margin - d, min=0) ** 2
    return _torch_reduce(loss, reduction)


def _torch_info_nce(q, k, temperature=0.1, symmetric=False, intra_view_negatives=False,
                    reduction="mean"):
    import torch
    tf = torch.nn.functional
    qn, kn = tf.normalize(q, dim=1), tf.normalize(k, dim=1)
    n = q.shape[0]
    idx = torch.arange(n)
    if not intra_view_negatives:
        logits = qn @ kn.T / temperature
        loss = tf.cross_entropy(logits, idx, reduction="none")
        if symmetric:
            loss = 0.5 * (loss + tf.cross_entropy(logits.T, idx, reduction="none"))
    else:
        z = torch.cat([qn, kn])
        eye = torch.eye(2 * n, dtype=torch.bool)
        logits = (z @ z.T / temperature).masked_fill(eye, float("-inf"))
        every = tf.cross_entropy(logits, torch.cat([idx + n, idx]), reduction="none")
        loss = every if symmetric else every[:n]  # the 2N-view form: one loss per view
    return _torch_reduce(loss, reduction)


def _ref_nt_xent_views(query, key, temperature=0.1, symmetric=True, intra_view_negatives=True):
    """The 2N per-view losses of the 2N-view NT-Xent: the query anchors', then the key's."""
    assert symmetric and intra_view_negatives
    return np.concatenate([ref.info_nce(query, key, temperature, False, True),
                           ref.info_nce(key, query, temperature, False, True)])


def _torch_reduce(loss, reduction):
    return loss if reduction == "none" else (loss.sum() if reduction == "sum" else loss.mean())


def _torch_native(name):
    def call(*args, reduction="mean", **kw):
        import torch
        return getattr(torch.nn.functional, name)(*args, reduction=reduction, **kw)
    return call


CASES = {
    # name: (make inputs, actloss fwd, actloss bwd, reference, torch, number of learned inputs)
    "cosine_embedding_loss": (_make_cosine, F.cosine_embedding_loss,
                              F.cosine_embedding_loss_backward, ref.cosine_embedding,
                              _torch_native("cosine_embedding_loss"), 2),
    "triplet_margin_loss": (_make_triplet, F.triplet_margin_loss, F.triplet_margin_loss_backward,
                            ref.triplet_margin, _torch_native("triplet_margin_loss"), 3),
    "contrastive_loss": (_make_contrastive, F.contrastive_loss, F.contrastive_loss_backward,
                         ref.contrastive, _torch_contrastive, 2),
    "multi_margin_loss": (_make_multi_margin, F.multi_margin_loss, F.multi_margin_loss_backward,
                          ref.multi_margin, _torch_native("multi_margin_loss"), 1),
    "multilabel_margin_loss": (_make_multilabel, F.multilabel_margin_loss,
                               F.multilabel_margin_loss_backward, ref.multilabel_margin,
                               _torch_native("multilabel_margin_loss"), 1),
    "info_nce": (_make_info_nce, F.info_nce, F.info_nce_backward, ref.info_nce, _torch_info_nce, 2),
    "nt_xent_simclr": (_make_nt_xent, F.nt_xent, F.nt_xent_backward, _ref_nt_xent_views,
                       _torch_info_nce, 2),
}


def _tol(dtype):
    """(rtol, atol) against a float64 result: a few float32 roundings, or float64 ones."""
    return (3e-5, 3e-6) if np.dtype(dtype) == np.float32 else (1e-11, 1e-13)


def _as_tuple(g):
    return g if isinstance(g, tuple) else (g,)


def _to64(args, kw):
    up = lambda a: a.astype(np.float64) if a.dtype.kind == "f" else a  # noqa: E731
    return (tuple(up(a) for a in args),
            {k: (up(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()})


@pytest.fixture(autouse=True)
def restore_threads():
    yield
    F.set_num_threads(None)


# ---- agreement with the float64 reference ----------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", CASES)
def test_forward_matches_reference(name, reduction, dtype, rng):
    make, fwd, _, reference, _, _ = CASES[name]
    args, kw = make(rng, 33, dtype)
    got = fwd(*args, reduction=reduction, **kw)
    want = ref.reduce(reference(*_to64(args, kw)[0], **_to64(args, kw)[1]), reduction)
    if reduction == "none":  # (33,), (66,) per view in the 2N-view form
        assert isinstance(got, np.ndarray) and got.shape == want.shape
    else:
        assert isinstance(got, np.generic) and not isinstance(got, np.ndarray)
    assert got.dtype == dtype
    rtol, atol = _tol(dtype)
    np.testing.assert_allclose(np.asarray(got, np.float64), want, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", CASES)
def test_sum_is_none_sum_and_mean_is_sum_over_n(name, dtype, rng):
    make, fwd, *_ = CASES[name]
    args, kw = make(rng, 40, dtype)
    none = fwd(*args, reduction="none", **kw)
    total = fwd(*args, reduction="sum", **kw)
    mean = fwd(*args, reduction="mean", **kw)
    rtol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(total, none.astype(np.float64).sum(), rtol=rtol)
    np.testing.assert_allclose(mean, np.float64(total) / none.size, rtol=rtol)


# ---- against torch ---------------------------------------------------------------------------

def _torch_args(args, kw, grad_count):
    import torch
    targs = [torch.tensor(a, requires_grad=(i < grad_count)) for i, a in enumerate(args)]
    tkw = {k: (torch.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    return targs, tkw


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", CASES)
def test_forward_and_gradients_match_torch(name, reduction, dtype, rng):
    torch = pytest.importorskip("torch")
    make, fwd, bwd, _, tfn, n_grads = CASES[name]
    args, kw = make(rng, 24, dtype)
    targs, tkw = _torch_args(args, kw, n_grads)
    tloss = tfn(*targs, reduction=reduction, **tkw)
    got = fwd(*args, reduction=reduction, **kw)
    rtol, atol = _tol(dtype)
    if dtype == np.float32:
        rtol, atol = 2e-5, 2e-6  # torch rounds its float32 intermediates too
    np.testing.assert_allclose(got, tloss.detach().numpy(), rtol=rtol, atol=atol)

    go = rng.standard_normal(tloss.shape) if reduction == "none" else 0.75
    tloss.backward(torch.as_tensor(go, dtype=tloss.dtype))
    grads = _as_tuple(bwd(np.asarray(go, dtype) if reduction == "none" else go, *args,
                          reduction=reduction, **kw))
    assert len(grads) == n_grads
    for g, ta, a in zip(grads, targs, args):
        assert g.shape == a.shape and g.dtype == dtype
        want = ta.grad.numpy()
        np.testing.assert_allclose(g, want, rtol=rtol, atol=atol * 10 * max(1, np.abs(want).max()))


@pytest.mark.parametrize("p", [0, 1, 2, 3, 0.5, 1.5, np.inf])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_norms_match_torch(p, swap, rng):
    torch = pytest.importorskip("torch")
    a, q, n = _emb(rng, 20, 7, np.float64, 3)
    q = a + 0.4 * q
    n[3] = q[3]  # the negative is the positive: swap picks d(p, n)
    targs, _ = _torch_args((a, q, n), {}, 3)
    tl = torch.nn.functional.triplet_margin_loss(*targs, margin=2.0, p=p, swap=swap,
                                                reduction="sum")
    np.testing.assert_allclose(F.triplet_margin_loss(a, q, n, 2.0, p, swap=swap, reduction="sum"),
                               tl.item(), rtol=1e-12)
    tl.backward()
    for g, ta in zip(F.triplet_margin_loss_backward(1.0, a, q, n, 2.0, p, swap=swap,
                                                    reduction="sum"), targs):
        want = np.zeros_like(g) if ta.grad is None else ta.grad.numpy()  # p=0: no gradient
        np.testing.assert_allclose(g, want, rtol=1e-10, atol=1e-12)


def test_triplet_exact_swap_tie_splits_gradient_like_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[0.0, 1.0, 2.0]])
    args = (a, a.copy(), np.array([[3.0, -1.0, 0.5]]))  # anchor == positive: d(a,n) == d(p,n)
    targs, _ = _torch_args(args, {}, 3)
    torch.nn.functional.triplet_margin_loss(*targs, margin=10.0, swap=True).backward()
    for g, ta in zip(F.triplet_margin_loss_backward(1.0, *args, margin=10.0, swap=True), targs):
        np.testing.assert_allclose(g, ta.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("p", [1, 3, np.inf])
def test_contrastive_other_norms_match_torch_formula(p, rng):
    pytest.importorskip("torch")
    (x1, x2, t), _ = _make_contrastive(rng, 15, np.float64)
    targs, _ = _torch_args((x1, x2, t), {}, 2)
    tl = _torch_contrastive(*targs, margin=2.0, p=p, reduction="sum")
    np.testing.assert_allclose(F.contrastive_loss(x1, x2, t, 2.0, p=p, reduction="sum"),
                               tl.item(), rtol=1e-12)
    tl.backward()
    for g, ta in zip(F.contrastive_loss_backward(1.0, x1, x2, t, 2.0, p=p, reduction="sum"),
                     targs):
        np.testing.assert_allclose(g, ta.grad.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize("intra", [False, True])
def test_info_nce_variants_match_torch_formula(symmetric, intra, rng):
    torch = pytest.importorskip("torch")
    (q, k), _ = _make_info_nce(rng, 12, np.float64)
    q[2] = 0.0  # a zero row: normalize's eps branch
    targs, _ = _torch_args((q, k), {}, 2)
    kw = {"temperature": 0.2, "symmetric": symmetric, "intra_view_negatives": intra}
    tl = _torch_info_nce(*targs, reduction="none", **kw)
    np.testing.assert_allclose(F.info_nce(q, k, reduction="none", **kw), tl.detach().numpy(),
                               rtol=1e-12)
    go = rng.standard_normal(tl.shape)
    tl.backward(torch.tensor(go))
    for g, ta in zip(F.info_nce_backward(go, q, k, reduction="none", **kw), targs):
        np.testing.assert_allclose(g, ta.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_nt_xent_is_simclr_over_2n_views(rng):
    """symmetric + intra_view_negatives == the 2N-view NT-Xent, mean over the 2N anchors."""
    (q, k), _ = _make_info_nce(rng, 6, np.float64)
    z = np.concatenate([q, k])
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    sim = z @ z.T / 0.5
    losses = []
    for i in range(12):
        j = (i + 6) % 12
        others = [m for m in range(12) if m != i]
        losses.append(-sim[i, j] + np.log(np.exp(sim[i, others]).sum()))
    got = F.nt_xent(q, k, 0.5, symmetric=True, intra_view_negatives=True)
    np.testing.assert_allclose(got, np.mean(losses), rtol=1e-13)
    assert F.nt_xent is F.info_nce and F.nt_xent_backward is F.info_nce_backward


# ---- gradients vs central differences (float64) ----------------------------------------------

@pytest.mark.parametrize("name", CASES)
def test_gradient_matches_central_differences(name, rng):
    make, fwd, bwd, _, _, n_grads = CASES[name]
    args, kw = make(rng, 10, np.float64)
    go = rng.standard_normal(fwd(*args, reduction="none", **kw).shape)
    grads = _as_tuple(bwd(go, *args, reduction="none", **kw))
    h = 1e-5
    for i in range(n_grads):
        v = rng.standard_normal(args[i].shape)

        def f(s, i=i, v=v):
            moved = list(args)
            moved[i] = args[i] + s * v
            return float(go @ fwd(*moved, reduction="none", **kw))

        numeric = (-f(2 * h) + 8 * f(h) - 8 * f(-h) + f(-2 * h)) / (12 * h)
        analytic = float((grads[i] * v).sum())
        np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-8,
                                   err_msg=f"{name}: gradient of argument {i}")


# ---- shapes, dtypes, layouts -----------------------------------------------------------------

def test_cosine_one_pair_with_0d_target(rng):
    x1, x2 = rng.standard_normal(5), rng.standard_normal(5)
    none = F.cosine_embedding_loss(x1, x2, np.array(-1), reduction="none")
    assert isinstance(none, np.ndarray) and none.shape == ()
    np.testing.assert_allclose(none, ref.cosine_embedding(x1, x2, -1), rtol=1e-14)
    g1, g2 = F.cosine_embedding_loss_backward(np.array(2.0), x1, x2, -1.0, reduction="none")
    assert g1.shape == g2.shape == (5,)


def test_triplet_leading_dimensions_and_1d(rng):
    a, p, n = (rng.standard_normal((2, 3, 4)) for _ in range(3))
    got = F.triplet_margin_loss(a, p, n, reduction="none")
    assert got.shape == (2, 3)
    np.testing.assert_allclose(got, ref.triplet_margin(a, p, n), rtol=1e-13)
    grads = F.triplet_margin_loss_backward(np.ones((2, 3)), a, p, n, reduction="none")
    assert [g.shape for g in grads] == [(2, 3, 4)] * 3
    assert F.triplet_margin_loss(a[0, 0], p[0, 0], n[0, 0], reduction="none").shape == ()


def test_multi_margin_1d_input_target_shapes(rng):
    x = rng.standard_normal(5)
    assert F.multi_margin_loss(x, np.array([2]), reduction="none").shape == (1,)
    assert F.multi_margin_loss(x, np.array(2), reduction="none").shape == ()
    np.testing.assert_allclose(F.multi_margin_loss(x, 2), ref.multi_margin(x, [2])[0], rtol=1e-14)
    assert F.multi_margin_loss_backward(1.0, x, 2).shape == (5,)
    assert F.multi_margin_loss(np.array(3.0), np.array(0)) == 0.0


def test_multilabel_1d_and_duplicates(rng):
    x = rng.standard_normal(5)
    t = np.array([3, 3, 1, -1, 0])  # 3 listed twice counts twice; the 0 after -1 is ignored
    got = F.multilabel_margin_loss(x, t, reduction="none")
    assert got.shape == ()
    np.testing.assert_allclose(got, ref.multilabel_margin(x, t)[0], rtol=1e-14)
    assert F.multilabel_margin_loss_backward(np.array(1.0), x, t, reduction="none").shape == (5,)


@pytest.mark.parametrize("name", CASES)
def test_empty_batch(name, rng):
    make, fwd, bwd, _, _, n_grads = CASES[name]
    args, kw = make(rng, 3, np.float64)
    empty = tuple(a[:0] for a in args)
    assert fwd(*empty, reduction="none", **kw).shape == (0,)
    assert np.isnan(fwd(*empty, reduction="mean", **kw))
    assert fwd(*empty, reduction="sum", **kw) == 0.0
    grads = _as_tuple(bwd(1.0, *empty, reduction="mean", **kw))
    assert [g.shape for g in grads] == [a.shape for a in empty[:n_grads]]


@pytest.mark.parametrize("name", CASES)
def test_float16_computed_in_float32(name, rng):
    make, fwd, bwd, *_ = CASES[name]
    args16, kw16 = make(rng, 8, np.float16)
    args32 = tuple(a.astype(np.float32) if a.dtype == np.float16 else a for a in args16)
    kw32 = {k: (v.astype(np.float32) if isinstance(v, np.ndarray) else v) for k, v in kw16.items()}
    got = fwd(*args16, reduction="none", **kw16)
    assert got.dtype == np.float16
    np.testing.assert_array_equal(got, fwd(*args32, reduction="none", **kw32).astype(np.float16))
    assert fwd(*args16, **kw16).dtype == np.float16
    for g in _as_tuple(bwd(1.0, *args16, **kw16)):
        assert g.dtype == np.float16


def test_mixed_dtypes_promote(rng):
    x1 = rng.standard_normal((6, 4)).astype(np.float32)
    x2 = rng.standard_normal((6, 4))
    t = np.ones(6)
    got = F.cosine_embedding_loss(x1, x2, t)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, F.cosine_embedding_loss(x1.astype(np.float64), x2, t),
                               rtol=1e-15)
    g1, g2 = F.cosine_embedding_loss_backward(1.0, x1, x2, t)
    assert g1.dtype == np.float32 and g2.dtype == np.float64  # each input's own dtype
    x = rng.standard_normal((6, 4)).astype(np.float32)
    assert F.multi_margin_loss(x, np.zeros(6, np.int32), weight=np.ones(4)).dtype == np.float64
    assert F.triplet_margin_loss(x, x, np.ones((6, 4), np.int64)).dtype == np.float64


@pytest.mark.parametrize("name", CASES)
def test_strided_inputs(name, rng):
    make, fwd, bwd, *_ = CASES[name]
    args, kw = make(rng, 20, np.float64)
    # the same values in Fortran order and every other row of a larger array
    strided = []
    for a in args:
        if a.ndim == 2:
            big = np.zeros((2 * a.shape[0], a.shape[1]), a.dtype)
            big[::2] = a
            strided.append(np.asfortranarray(big[::2]))
        else:
            big = np.zeros(2 * a.shape[0], a.dtype)
            big[::2] = a
            strided.append(big[::2])
    np.testing.assert_array_equal(fwd(*strided, reduction="none", **kw),
                                  fwd(*args, reduction="none", **kw))
    for g, h in zip(_as_tuple(bwd(1.0, *strided, **kw)), _as_tuple(bwd(1.0, *args, **kw))):
        np.testing.assert_array_equal(g, h)


def test_nan_propagates(rng):
    x1, x2, x3 = _emb(rng, 4, 5, np.float64, 3)
    x1[1, 2] = np.nan
    t = np.array([1, -1, 1, -1])
    assert np.isnan(F.cosine_embedding_loss(x1, x2, t, reduction="none")).tolist() == \
        [False, True, False, False]
    assert np.isnan(F.triplet_margin_loss(x1, x2, x3, reduction="none")[1])
    assert np.isnan(F.contrastive_loss(x1, x2, np.array([1, 0, 1, 0]), reduction="none")[1])
    assert np.isnan(F.info_nce(x1, x2, reduction="none")).any()


# ---- threads and inputs ----------------------------------------------------------------------

@pytest.mark.parametrize("name", CASES)
def test_same_result_for_1_and_2_threads(name, rng):
    make, fwd, bwd, *_ = CASES[name]
    args, kw = make(rng, 300, np.float32)
    # wide rows so the calls pass the serial cut-off (2^15 elements)
    wide = tuple(np.tile(a, (1, 20)) if a.ndim == 2 and name != "multilabel_margin_loss"
                 else a for a in args)
    if name == "multi_margin_loss":
        kw = dict(kw, weight=np.tile(kw["weight"], 20))
    if name == "multilabel_margin_loss":
        x, t = args
        wide = (np.tile(x, (1, 20)), np.concatenate([t, np.full((300, 114), -1)], axis=1))
    results = []
    for n in (1, 2):
        F.set_num_threads(n)
        results.append((fwd(*wide, reduction="none", **kw), fwd(*wide, **kw),
                        _as_tuple(bwd(0.5, *wide, **kw))))
    (l1, m1, g1), (l2, m2, g2) = results
    np.testing.assert_array_equal(l1, l2)
    assert m1 == m2
    for a, b in zip(g1, g2):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", CASES)
def test_inputs_not_modified(name, rng):
    make, fwd, bwd, *_ = CASES[name]
    args, kw = make(rng, 9, np.float32)
    copies = [a.copy() for a in args]
    kw_copies = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    go = np.ones(fwd(*args, reduction="none", **kw).shape, np.float32)
    bwd(go, *args, reduction="none", **kw)
    for a, c in zip(args, copies):
        np.testing.assert_array_equal(a, c)
    for k, v in kw.items():
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(v, kw_copies[k])
    np.testing.assert_array_equal(go, np.ones(go.shape, np.float32))


# ---- errors ----------------------------------------------------------------------------------

X = np.zeros((4, 5))
Y = np.ones((4, 5))
T_PM = np.array([1, -1, 1, -1])
T_01 = np.array([1, 0, 1, 0])
T_CLS = np.array([0, 4, 2, 1])
T_ML = np.array([[0, -1, 0, 0]] * 4)

ERRORS = [
    # (call, exception, message fragment)
    (lambda: F.cosine_embedding_loss(X, Y, T_PM, reduction="avg"), ValueError,
     "reduction must be one of"),
    (lambda: F.cosine_embedding_loss(X, Y, np.array([1, 0, 1, -1])), ValueError,
     "target values must be 1 or -1, got 0"),
    (lambda: F.cosine_embedding_loss(X, Y[:3], T_PM), ValueError, "input2 has shape (3, 5)"),
    (lambda: F.cosine_embedding_loss(X[0], Y[0], T_PM), ValueError,
     "1-D target expects 2-D input1"),
    (lambda: F.cosine_embedding_loss(X, Y, np.array(1)), ValueError,
     "0-D target expects 1-D input1"),
    (lambda: F.cosine_embedding_loss(X, Y, T_PM[:3]), ValueError, "target has shape (3,)"),
    (lambda: F.cosine_embedding_loss(X, Y, T_PM[None]), ValueError, "target must be 0-D or 1-D"),
    (lambda: F.cosine_embedding_loss(X.astype(complex), Y, T_PM), TypeError, "input1 must be"),
    (lambda: F.cosine_embedding_loss(X, Y, np.array(["a"] * 4)), TypeError,
     "target must be a real array"),
    (lambda: F.cosine_embedding_loss(X, Y, T_PM, margin="0.5"), TypeError,
     "margin must be a real number"),
    (lambda: F.triplet_margin_loss(X, Y, X, margin=0), ValueError,
     "margin must be greater than 0"),
    (lambda: F.triplet_margin_loss(X, Y, X, p=-1), ValueError, "p must be >= 0"),
    (lambda: F.triplet_margin_loss(X, Y, X, swap=1), TypeError, "swap must be a bool"),
    (lambda: F.triplet_margin_loss(X, Y[0], X), ValueError, "same number of dimensions"),
    (lambda: F.triplet_margin_loss(X, Y[:1], X), ValueError, "positive has shape (1, 5)"),
    (lambda: F.triplet_margin_loss(X, Y, X.astype(object)), TypeError, "negative must be"),
    (lambda: F.contrastive_loss(X, Y, np.array([1, 2, 0, 0])), ValueError,
     "target values must be 1 or 0, got 2"),
    (lambda: F.contrastive_loss(X, Y, T_01, margin=-1.0), ValueError, "margin must be >= 0"),
    (lambda: F.contrastive_loss(X, Y, T_01[:2]), ValueError, "target has shape (2,)"),
    (lambda: F.contrastive_loss(X, Y, T_01, p=np.nan), ValueError, "p must be >= 0"),
    (lambda: F.multi_margin_loss(X, T_CLS, p=3), ValueError, "only p == 1 and p == 2"),
    (lambda: F.multi_margin_loss(X, T_CLS, p="1"), TypeError, "p must be 1 or 2"),
    (lambda: F.multi_margin_loss(X, np.array([0, 5, 0, 0])), ValueError,
     "target values must be in [0, 5), got 5"),
    (lambda: F.multi_margin_loss(X, np.array([0, -1, 0, 0])), ValueError,
     "target values must be in [0, 5), got -1"),
    # int32 targets are converted, then checked by the kernel; uint64 ones past int64 first
    (lambda: F.multi_margin_loss(X, np.array([0, 5, 0, 0], np.int32)), ValueError,
     "target values must be in [0, 5), got 5"),
    (lambda: F.multi_margin_loss(X, np.array([0, 2**64 - 1, 0, 0], np.uint64)), ValueError,
     f"target values must be in [0, 5), got {2**64 - 1}"),
    (lambda: F.multilabel_margin_loss(X, np.array([[0, 2**64 - 1, 0, 0, 0]] * 4, np.uint64)),
     ValueError, f"target values must be in [-1, 5), got {2**64 - 1}"),
    (lambda: F.multi_margin_loss(X, T_CLS.astype(float)), TypeError,
     "target must be an integer array"),
    (lambda: F.multi_margin_loss(X, T_CLS[:3]), ValueError, "one class index per row"),
    (lambda: F.multi_margin_loss(X, T_CLS, weight=np.ones((1, 5))), ValueError,
     "weight must be one-dimensional"),
    (lambda: F.multi_margin_loss(X, T_CLS, weight=np.ones(3)), ValueError,
     "weight has 3 elements, expected 5"),
    (lambda: F.multi_margin_loss(np.zeros((4, 0)), T_CLS), ValueError, "non-empty vector"),
    (lambda: F.multi_margin_loss(np.zeros((2, 2, 2)), T_CLS[:2]), ValueError, "non-empty vector"),
    (lambda: F.multilabel_margin_loss(X, np.array([[0, -2, 0, 0, 0]] * 4)), ValueError,
     "target values must be in [-1, 5), got -2"),
    (lambda: F.multilabel_margin_loss(X, np.array([[0, -1, 9, 0, 0]] * 4)), ValueError,
     "target values must be in [-1, 5), got 9"),
    (lambda: F.multilabel_margin_loss(X, T_ML), ValueError, "target must have input's shape"),
    (lambda: F.multilabel_margin_loss(X[0], T_ML[0]), ValueError, "target must have 5 entries"),
    (lambda: F.multilabel_margin_loss(X, np.zeros((4, 5))), TypeError,
     "target must be an integer array"),
    (lambda: F.info_nce(X, Y, temperature=0.0), ValueError, "temperature must be > 0"),
    (lambda: F.info_nce(X[0], Y[0]), ValueError, "query must be 2-D"),
    (lambda: F.info_nce(X, Y[:, :3]), ValueError, "key has shape (4, 3)"),
    (lambda: F.info_nce(X, Y, symmetric="yes"), TypeError, "symmetric must be a bool"),
    (lambda: F.info_nce(X, Y, reduction=None), ValueError, "reduction must be one of"),
    (lambda: F.cosine_embedding_loss_backward(np.ones(3), X, Y, T_PM, reduction="none"),
     ValueError, "grad_output has shape (3,), expected (4,)"),
    (lambda: F.triplet_margin_loss_backward(np.ones(4), X, Y, X), ValueError,
     "grad_output must be a scalar"),
    (lambda: F.info_nce_backward(1j, X, Y), TypeError, "grad_output must be a real floating"),
    (lambda: F.multilabel_margin_loss_backward(np.ones(2), X, np.full((4, 5), -1),
                                               reduction="none"),
     ValueError, "grad_output has shape (2,)"),
]


@pytest.mark.parametrize("call, exc, fragment", ERRORS, ids=[e[2] for e in ERRORS])
def test_errors(call, exc, fragment):
    with pytest.raises(exc, match=re.escape(fragment)):
        call()


def test_public_names():
    names = ["cosine_embedding_loss", "triplet_margin_loss", "contrastive_loss",
             "multi_margin_loss", "multilabel_margin_loss", "info_nce", "nt_xent"]
    for name in names:
        assert name in F.__all__ and f"{name}_backward" in F.__all__
        assert getattr(F, name).__doc__ and getattr(F, f"{name}_backward").__doc__


@pytest.mark.parametrize("n_classes", [1, 2, 15, 16, 17, 40])
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_multi_margin_short_and_long_rows(n_classes, p, dtype, rng):
    """Rows up to 16 classes take the kernels' scalar loops, longer ones two vector loops around
    the target class: targets at both ends and inside, losses and gradients against the
    reference (a row's terms are summed in double, rounded once)."""
    x = rng.standard_normal((60, n_classes)).astype(dtype)
    if n_classes > 1:
        x[::7, 0] = np.nan  # NaN terms are dropped, as torch's
    t = np.arange(60) % n_classes
    t[:3] = [0, n_classes - 1, n_classes // 2]
    loss = F.multi_margin_loss(x, t, p=p, margin=0.7, reduction="none")
    expected = ref.multi_margin(x.astype(np.float64), t, p=p, margin=0.7)
    nan_target = np.isnan(x[np.arange(60), t])
    np.testing.assert_allclose(loss[~nan_target], expected[~nan_target].astype(dtype),
                               rtol=4e-7 if dtype == np.float32 else 1e-14, atol=0)
    g = F.multi_margin_loss_backward(np.ones(60), x, t, p=p, margin=0.7, reduction="none")
    z = 0.7 - x[np.arange(60), t][:, None].astype(np.float64) + x
    active = (z > 0) & (np.arange(n_classes) != t[:, None])
    expected_g = np.where(active, 2.0 * z if p == 2 else 1.0, 0.0) / n_classes
    expected_g[np.arange(60), t] = -expected_g.sum(axis=1)
    assert g.dtype == dtype and g.shape == x.shape
    np.testing.assert_allclose(g[~nan_target], expected_g[~nan_target].astype(dtype),
                               rtol=4e-7 if dtype == np.float32 else 1e-13, atol=1e-30)


@pytest.mark.parametrize("n_classes", [1, 3, 10, 17, 64])
def test_multilabel_margin_special_scores_and_duplicates(n_classes, rng):
    """The kernels put the target classes at -inf instead of masking them: infinite and NaN
    scores (inactive NaN pairs, as torch), duplicated targets (counted twice) and empty target
    lists against the reference, with the gradient's active-pair counts."""
    x = rng.standard_normal((40, n_classes))
    x[::5, 0] = np.inf
    x[1::5, -1] = -np.inf
    x[2::9, n_classes // 2] = np.nan
    t = np.full((40, n_classes), -1)
    for i in range(40):
        k = rng.integers(0, n_classes + 1)
        t[i, :k] = rng.integers(0, n_classes, k)  # duplicates allowed
    expected = ref.multilabel_margin(x, t)
    finite = ~np.isnan(expected)
    np.testing.assert_allclose(F.multilabel_margin_loss(x, t, reduction="none")[finite],
                               expected[finite], rtol=1e-14, atol=0)
    g = F.multilabel_margin_loss_backward(np.ones(40), x, t, reduction="none")
    expected_g = np.zeros_like(x)
    for i in range(40):
        targets = list(t[i, :np.argmax(t[i] < 0)] if (t[i] < 0).any() else t[i])
        for k in targets:
            with np.errstate(invalid="ignore"):
                active = [j for j in range(n_classes)
                          if j not in targets and 1.0 - x[i, k] + x[i, j] > 0]
            expected_g[i, active] += 1.0 / n_classes
            expected_g[i, k] -= len(active) / n_classes
    np.testing.assert_allclose(g, expected_g, rtol=1e-14, atol=1e-15)
