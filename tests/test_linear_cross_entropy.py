"""linear_cross_entropy and nn.LinearCrossEntropyLoss: against the explicit-logits float64
reference (reference_linear.py), against torch's composition cross_entropy(h @ W.T + b) with
autograd and torch's own linear_cross_entropy, for chunk sizes that do and do not divide V,
and on the edges (V = 1, V = 0, N = 0, every target ignored, bad arguments)."""
import copy
import tracemalloc

import numpy as np
import pytest

import actloss as F
from actloss import nn

import reference_linear as ref

N, D, V = 9, 5, 7
CHUNKS = [None, 1, 3, 7, 8, 100]   # 3 does not divide V = 7, 7 is V, 8 and 100 exceed it

OPTIONS = [
    {},
    {"reduction": "sum"},
    {"reduction": "none"},
    {"label_smoothing": 0.2},
    {"weight": "w", "ignore_index": 2},
    {"weight": "w", "label_smoothing": 0.3, "reduction": "none", "ignore_index": 0},
    {"weight": "w", "label_smoothing": 1.0, "reduction": "sum"},
    {"ignore_index": 4, "label_smoothing": 0.1},
]


def _tol(dtype):
    return 1e-12 if dtype == np.float64 else 3e-5


def _close(actual, expected, dtype, scale=1.0):
    actual = np.asarray(actual, np.float64)
    expected = np.asarray(expected, np.float64)
    assert actual.shape == expected.shape
    tol = _tol(dtype) * max(1.0, float(np.abs(expected).max(initial=0.0)), scale)
    np.testing.assert_allclose(actual, expected, rtol=0, atol=tol, equal_nan=True)


def _problem(rng, dtype, options, n=N, v=V, d=D, bias=True):
    h = rng.standard_normal((n, d)).astype(dtype)
    W = rng.standard_normal((v, d)).astype(dtype)
    b = rng.standard_normal(v).astype(dtype) if bias else None
    t = rng.integers(0, v, n)
    if n:
        t[0] = 2 % v     # the ignore_index cases below ignore some rows
        t[-1] = 0
    kw = dict(options)
    if kw.get("weight") == "w":
        kw["weight"] = rng.uniform(0.2, 2.0, v).astype(dtype)
    return h, W, t, b, kw


def _ref_kwargs(kw):
    return {"weight": kw.get("weight"), "reduction": kw.get("reduction", "mean"),
            "ignore_index": kw.get("ignore_index", -100),
            "eps": kw.get("label_smoothing", 0.0)}


@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("options", OPTIONS, ids=[str(o) for o in OPTIONS])
def test_matches_reference(options, chunk, dtype, rng):
    h, W, t, b, kw = _problem(rng, dtype, options)
    saved = [a.copy() for a in (h, W, t, b)]
    loss = F.linear_cross_entropy(h, W, t, linear_bias=b, chunk_size=chunk, **kw)
    rk = _ref_kwargs(kw)
    _close(loss, ref.loss(h, W, t, b, **rk), dtype)
    red = rk["reduction"]
    assert np.asarray(loss).dtype == dtype
    assert np.shape(loss) == ((N,) if red == "none" else ())
    go = rng.standard_normal(N) if red == "none" else 0.7
    grads = F.linear_cross_entropy_backward(go, h, W, t, linear_bias=b, chunk_size=chunk, **kw)
    for g, e, a in zip(grads, ref.grads(go, h, W, t, b, **rk), (h, W, b)):
        assert g.dtype == dtype and g.shape == a.shape
        _close(g, e, dtype)
    # the fused call: the same loss bit for bit, the same gradients
    loss2, *grads2 = F.linear_cross_entropy_with_grad(h, W, t, linear_bias=b, chunk_size=chunk,
                                                     grad_output=go, **kw)
    np.testing.assert_array_equal(loss2, loss)
    for g, e in zip(grads2, grads):
        np.testing.assert_array_equal(g, e)
    for a, s in zip((h, W, t, b), saved):
        np.testing.assert_array_equal(a, s)   # inputs untouched


@pytest.mark.parametrize("options", OPTIONS, ids=[str(o) for o in OPTIONS])
def test_matches_torch_composition(options, dtype, rng):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    h, W, t, b, kw = _problem(rng, dtype, options)
    for chunk in (None, 3):
        loss, *grads = F.linear_cross_entropy_with_grad(h, W, t, linear_bias=b, chunk_size=chunk,
                                                       **kw)
        th, tW, tb = (torch.tensor(a, requires_grad=True) for a in (h, W, b))
        tkw = {k: (torch.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
        tl = tf.cross_entropy(th @ tW.T + tb, torch.tensor(t), **tkw)
        tl.backward(torch.ones_like(tl))
        _close(loss, tl.detach().numpy(), dtype)
        for g, tg in zip(grads, (th.grad, tW.grad, tb.grad)):
            _close(g, tg.numpy(), dtype)
        # torch's own linear_cross_entropy (2.13+): the same signature and result
        if hasattr(tf, "linear_cross_entropy"):
            tl2 = tf.linear_cross_entropy(torch.tensor(h), torch.tensor(W), torch.tensor(t),
                                          linear_bias=torch.tensor(b), **tkw)
            _close(loss, tl2.numpy(), dtype)


def test_without_bias_and_grad_bias_is_none(rng):
    h, W, t, _, _ = _problem(rng, np.float64, {}, bias=False)
    loss, gh, gW, gb = F.linear_cross_entropy_with_grad(h, W, t, chunk_size=2)
    assert gb is None
    _close(loss, ref.loss(h, W, t), np.float64)
    eh, eW, _ = ref.grads(1.0, h, W, t)
    _close(gh, eh, np.float64)
    _close(gW, eW, np.float64)


def test_one_class(dtype, rng):
    # V = 1: the only class is the target, so the loss and the gradients are 0
    for eps in (0.0, 0.5):
        h, W, t, b, _ = _problem(rng, dtype, {}, v=1)
        loss, *grads = F.linear_cross_entropy_with_grad(h, W, t, linear_bias=b,
                                                       label_smoothing=eps)
        assert loss == 0
        for g in grads:    # 0 up to the rounding of exp(z - lse) = 1
            _close(g, np.zeros_like(g), dtype)
        _close(loss, ref.loss(h, W, t, b, eps=eps), dtype)


def test_empty_batch(dtype, rng):
    h, W, t, b, _ = _problem(rng, dtype, {}, n=0)
    assert np.isnan(F.linear_cross_entropy(h, W, t, linear_bias=b))
    assert F.linear_cross_entropy(h, W, t, linear_bias=b, reduction="sum") == 0
    none = F.linear_cross_entropy(h, W, t, linear_bias=b, reduction="none")
    assert none.shape == (0,) and none.dtype == dtype
    gh, gW, gb = F.linear_cross_entropy_backward(1.0, h, W, t, linear_bias=b)
    assert gh.shape == (0, D) and gW.shape == (V, D) and gb.shape == (V,)
    assert not gW.any() and not gb.any() and gW.dtype == dtype


def test_every_target_ignored(dtype, rng):
    h, W, _, b, _ = _problem(rng, dtype, {})
    t = np.full(N, -100)
    for eps in (0.0, 0.1):
        loss, *grads = F.linear_cross_entropy_with_grad(h, W, t, linear_bias=b,
                                                       label_smoothing=eps)
        assert np.isnan(loss)     # 0 / 0, as torch
        assert all(not g.any() for g in grads)
        assert F.linear_cross_entropy(h, W, t, linear_bias=b, reduction="sum") == 0
    torch = pytest.importorskip("torch")
    th, tW = (torch.tensor(a, requires_grad=True) for a in (h, W))
    tl = torch.nn.functional.cross_entropy(th @ tW.T, torch.tensor(t))
    tl.backward()
    assert torch.isnan(tl) and not th.grad.any() and not tW.grad.any()


def test_no_classes(rng):
    # V = 0 is accepted (as torch) when every target is ignored
    h = rng.standard_normal((3, D))
    W = np.zeros((0, D))
    t = np.full(3, -100)
    assert np.isnan(F.linear_cross_entropy(h, W, t))
    assert F.linear_cross_entropy(h, W, t, reduction="sum", label_smoothing=0.2) == 0
    gh, gW, gb = F.linear_cross_entropy_backward(1.0, h, W, t, linear_bias=np.zeros(0),
                                                 weight=np.zeros(0), label_smoothing=0.1)
    assert gh.shape == h.shape and gW.shape == (0, D) and gb.shape == (0,) and not gh.any()
    with pytest.raises(ValueError, match="out of bounds"):
        F.linear_cross_entropy(h, W, np.zeros(3, np.int64))


def test_leading_dimensions_and_single_row(rng):
    h, W, t, b, _ = _problem(rng, np.float64, {"reduction": "none"}, n=6)
    flat = F.linear_cross_entropy_with_grad(h, W, t, linear_bias=b, reduction="none")
    shaped = F.linear_cross_entropy_with_grad(h.reshape(2, 3, D), W, t.reshape(2, 3),
                                              linear_bias=b, reduction="none")
    np.testing.assert_allclose(shaped[0], flat[0].reshape(2, 3), rtol=1e-14)
    np.testing.assert_allclose(shaped[1], flat[1].reshape(2, 3, D), rtol=1e-14)
    np.testing.assert_allclose(shaped[2], flat[2], rtol=1e-13)
    # (D,) with a 0-d target: one row, a 0-d loss for "none" (torch's 1-D case)
    one = F.linear_cross_entropy(h[1], W, t[1], linear_bias=b, reduction="none")
    assert one.shape == ()
    _close(one, flat[0][1], np.float64)
    gh = F.linear_cross_entropy_backward(2.0, h[1], W, t[1], linear_bias=b, reduction="sum")[0]
    assert gh.shape == (D,)
    _close(gh, 2 * flat[1][1], np.float64)


def test_float16_computes_in_float32(rng):
    h, W, t, b, _ = _problem(rng, np.float16, {})
    loss, *grads = F.linear_cross_entropy_with_grad(h, W, t, linear_bias=b)
    assert loss.dtype == np.float16 and all(g.dtype == np.float16 for g in grads)
    l32, *g32 = F.linear_cross_entropy_with_grad(h.astype(np.float32), W.astype(np.float32), t,
                                                linear_bias=b.astype(np.float32))
    assert loss == np.float16(l32)
    for g, e in zip(grads, g32):
        np.testing.assert_array_equal(g, e.astype(np.float16))


def test_mixed_dtypes_promote(rng):
    h, W, t, b, _ = _problem(rng, np.float32, {})
    loss = F.linear_cross_entropy(h, W.astype(np.float64), t, linear_bias=b)
    assert loss.dtype == np.float64
    _close(loss, ref.loss(h, W, t, b), np.float64)
    assert F.linear_cross_entropy(h, W, t.astype(np.uint8)).dtype == np.float32


def test_chunking_does_not_change_the_result(rng):
    h, W, t, b, kw = _problem(rng, np.float64, {"weight": "w", "label_smoothing": 0.1},
                              n=40, v=301)
    base = F.linear_cross_entropy_with_grad(h, W, t, linear_bias=b, chunk_size=301, **kw)
    for chunk in (1, 17, 64, 300):
        loss, *grads = F.linear_cross_entropy_with_grad(h, W, t, linear_bias=b,
                                                       chunk_size=chunk, **kw)
        np.testing.assert_allclose(loss, base[0], rtol=1e-13)
        for g, e in zip(grads, base[1:]):
            np.testing.assert_allclose(g, e, rtol=1e-11, atol=1e-15)


def test_large_logits_are_stable(rng):
    # logits around 1e4 with spread 1: no overflow in the chunks' exponentials
    h = np.hstack([np.full((N, 1), 1e4), rng.standard_normal((N, D - 1))])
    W = np.hstack([np.ones((V, 1)), rng.standard_normal((V, D - 1))])
    t = rng.integers(0, V, N)
    loss, *grads = F.linear_cross_entropy_with_grad(h, W, t, chunk_size=3)
    assert np.isfinite(loss)
    np.testing.assert_allclose(loss, ref.loss(h, W, t), rtol=1e-9)
    for g, e in zip(grads[:2], ref.grads(1.0, h, W, t)[:2]):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-9)


def test_negative_grad_output_and_class_weights(rng):
    # the p * a factor cannot be folded into the exponential when a < 0
    h, W, t, b, kw = _problem(rng, np.float64, {"reduction": "none", "label_smoothing": 0.2})
    kw["weight"] = rng.uniform(-1, 1, V)
    go = rng.standard_normal(N)
    grads = F.linear_cross_entropy_backward(go, h, W, t, linear_bias=b, chunk_size=3, **kw)
    for g, e in zip(grads, ref.grads(go, h, W, t, b, **_ref_kwargs(kw))):
        _close(g, e, np.float64)


def test_memory_is_per_chunk_not_per_logit(rng):
    # N x V float64 logits would be 41 MB; the chunked passes hold 256 x 256 of them
    n, d, v = 256, 8, 20000
    h = rng.standard_normal((n, d))
    W = rng.standard_normal((v, d))
    t = rng.integers(0, v, n)
    tracemalloc.start()
    try:
        F.linear_cross_entropy_with_grad(h, W, t, chunk_size=256)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # beyond the V x D weight gradient (1.3 MB): a few chunks and row vectors
    assert peak < 4e6, peak
    assert peak < n * v * 8 / 10


BAD = [
    (lambda h, W, t: (np.float64(1.0), W, t), {}, ValueError, "at least 1 dimension"),
    (lambda h, W, t: (h, W[0], t), {}, ValueError, "linear_weight must be a 2-D"),
    (lambda h, W, t: (h[:, :3], W, t), {}, ValueError, "last dimension must be D"),
    (lambda h, W, t: (h, W, t[:4]), {}, ValueError, "target has shape"),
    (lambda h, W, t: (h, W, t.astype(np.float64)), {}, TypeError, "integer class indices"),
    (lambda h, W, t: (h, W, t.astype(bool)), {}, TypeError, "integer class indices"),
    (lambda h, W, t: (h, W, t + V), {}, ValueError, "out of bounds"),
    (lambda h, W, t: (h, W, t), {"linear_bias": np.zeros(V + 1)}, ValueError, "linear_bias"),
    (lambda h, W, t: (h, W, t), {"weight": np.ones((V, 1))}, ValueError, "class weights"),
    (lambda h, W, t: (h, W, t), {"reduction": "avg"}, ValueError, "reduction"),
    (lambda h, W, t: (h, W, t), {"label_smoothing": 1.5}, ValueError, "label_smoothing"),
    (lambda h, W, t: (h, W, t), {"chunk_size": 0}, ValueError, "chunk_size"),
    (lambda h, W, t: (h, W, t), {"chunk_size": 2.0}, TypeError, "chunk_size"),
    (lambda h, W, t: (h, W, t), {"chunk_size": True}, TypeError, "chunk_size"),
    (lambda h, W, t: (h, W, t), {"ignore_index": 1.5}, TypeError, "ignore_index"),
    (lambda h, W, t: (h.astype(complex), W, t), {}, TypeError, "input"),
    (lambda h, W, t: (h, W.astype(object), t), {}, TypeError, "linear_weight"),
]


@pytest.mark.parametrize("i", range(len(BAD)))
def test_bad_arguments(i, rng):
    make, kw, exc, match = BAD[i]
    h, W, t, _, _ = _problem(rng, np.float64, {})
    args = make(h, W, t)
    with pytest.raises(exc, match=match):
        F.linear_cross_entropy(*args, **kw)
    with pytest.raises(exc, match=match):
        F.linear_cross_entropy_with_grad(*args, **kw)
    with pytest.raises(exc, match=match):
        F.linear_cross_entropy_backward(1.0, *args, **kw)


def test_bad_grad_output(rng):
    h, W, t, b, _ = _problem(rng, np.float64, {})
    with pytest.raises(ValueError, match="grad_output"):
        F.linear_cross_entropy_backward(np.ones(N), h, W, t)
    with pytest.raises(ValueError, match="grad_output"):
        F.linear_cross_entropy_backward(np.ones(N + 1), h, W, t, reduction="none")


# ---- nn.LinearCrossEntropyLoss -----------------------------------------------------------------

def test_module_matches_functional(dtype, rng):
    h, _, t, _, _ = _problem(rng, dtype, {})
    cw = rng.uniform(0.5, 1.5, V).astype(dtype)
    m = nn.LinearCrossEntropyLoss(D, V, bias=True, weight=cw, label_smoothing=0.1,
                                  chunk_size=3, generator=0, dtype=dtype)
    assert list(m.state_dict()) == ["weight", "linear.weight", "linear.bias"]
    W, b = m.linear.weight.view(np.ndarray), m.linear.bias.view(np.ndarray)
    kw = {"linear_bias": b, "weight": cw, "label_smoothing": 0.1, "chunk_size": 3}
    loss = m(h, t)
    eloss, gh, gW, gb = F.linear_cross_entropy_with_grad(h, W, t, **kw)
    np.testing.assert_array_equal(loss, eloss)
    np.testing.assert_array_equal(m.backward(), gh)
    np.testing.assert_array_equal(m.linear.weight.grad, gW)
    np.testing.assert_array_equal(m.linear.bias.grad, gb)
    # a second backward recomputes and accumulates
    g2 = m.backward(0.5)
    np.testing.assert_allclose(g2, 0.5 * gh, rtol=1e-5)
    np.testing.assert_allclose(m.linear.weight.grad, 1.5 * gW, rtol=1e-5, atol=1e-7)
    # eval: the loss only, backward from the functional call
    m.zero_grad()
    m.eval()
    np.testing.assert_array_equal(m(h, t), F.linear_cross_entropy(h, W, t, **kw))
    np.testing.assert_array_equal(m.backward(), gh)
    np.testing.assert_array_equal(m.linear.weight.grad, gW)


def test_module_reduction_none_broadcasts_grad_output(rng):
    h, _, t, _, _ = _problem(rng, np.float64, {})
    m = nn.LinearCrossEntropyLoss(D, V, reduction="none", generator=1, dtype=np.float64)
    assert m.linear.bias is None
    loss = m(h, t)
    assert loss.shape == (N,)
    W = m.linear.weight.view(np.ndarray)
    expected = F.linear_cross_entropy_backward(np.full(N, 0.5), h, W, t, reduction="none")[0]
    np.testing.assert_allclose(m.backward(0.5), expected, rtol=1e-14)


def test_module_checks_and_repr():
    with pytest.raises(ValueError, match="out_features"):
        nn.LinearCrossEntropyLoss(3, 4, out_features=(2,))
    with pytest.raises(TypeError, match="options"):
        nn.LinearCrossEntropyLoss(3, 4, options=object())
    with pytest.raises(ValueError, match="reduction"):
        nn.LinearCrossEntropyLoss(3, 4, reduction="avg")
    with pytest.raises(RuntimeError, match="before forward"):
        nn.LinearCrossEntropyLoss(3, 4).backward()
    m = nn.LinearCrossEntropyLoss(4, 6, bias=True)
    assert repr(m) == (
        "LinearCrossEntropyLoss(\n  in_features=4, num_classes=6, out_features=(), bias=True, "
        "reduction=mean, ignore_index=None, label_smoothing=0.0, options=None\n"
        "  (linear): Linear(in_features=4, out_features=6, bias=True)\n)")


def test_module_matches_torch_module(rng):
    torch = pytest.importorskip("torch")
    if not hasattr(torch.nn, "LinearCrossEntropyLoss"):
        pytest.skip("torch without nn.LinearCrossEntropyLoss")
    cw = torch.rand(V, dtype=torch.float64) + 0.5
    tm = torch.nn.LinearCrossEntropyLoss(D, V, bias=True, weight=cw, label_smoothing=0.1,
                                         dtype=torch.float64)
    assert repr(nn.LinearCrossEntropyLoss(D, V, bias=True, label_smoothing=0.1)) == repr(tm)
    m = nn.LinearCrossEntropyLoss(D, V, bias=True, weight=np.ones(V), label_smoothing=0.1,
                                  dtype=np.float64)
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    h, _, t, _, _ = _problem(rng, np.float64, {})
    th = torch.tensor(h, requires_grad=True)
    tl = tm(th, torch.tensor(t))
    tl.backward()
    loss = m(h, t)
    _close(loss, tl.detach().numpy(), np.float64)
    _close(m.backward(), th.grad.numpy(), np.float64)
    _close(m.linear.weight.grad, tm.linear.weight.grad.numpy(), np.float64)
    _close(m.linear.bias.grad, tm.linear.bias.grad.numpy(), np.float64)
    m2 = copy.deepcopy(m)
    np.testing.assert_array_equal(m2(h, t), loss)
