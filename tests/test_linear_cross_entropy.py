"""linear_cross_entropy and nn.LinearCrossEntropyLoss: against the explicit-logits float64
reference (reference_linear.py), against torch's composition cross_entropy(h @ W.T + b) with
autograd and torch's own linear_cross_entropy, for chunk sizes that do and do not divide V,
and on the edges (V = 1, V = 0, N = 0, every target ignored, bad arguments); for class-index
and class-probability targets, and for K-dimensional weights (V, d1, ..., dK, D)."""
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
    (lambda h, W, t: (h, W[0], t), {}, ValueError, r"linear_weight must be \(V, D\)"),
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
    (lambda h, W, t: (h, W, t), {"options": object()}, TypeError, "options"),
    (lambda h, W, t: (h, W, t), {"options": {}}, TypeError, "chunk_size"),
    (lambda h, W, t: (h.astype(complex), W, t), {}, TypeError, "input"),
    (lambda h, W, t: (h, W.astype(object), t), {}, TypeError, "linear_weight"),
]


@pytest.mark.parametrize("i", range(len(BAD)))
def test_bad_arguments(i, rng):
    make, kw, exc, match = BAD[i]
    h, W, t, _, _ = _problem(rng, np.float64, {})
    _raises_in_all_three(exc, match, make(h, W, t), kw)


def _raises_in_all_three(exc, match, args, kw):
    """The loss, its fused form and its backward all raise exc (matching match)."""
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
        nn.LinearCrossEntropyLoss(3, 4, out_features=(2, -1))
    with pytest.raises(TypeError, match="out_features"):
        nn.LinearCrossEntropyLoss(3, 4, out_features=(2.5,))
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


# ---- class-probability targets ------------------------------------------------------------------

PROB_OPTIONS = [
    {},
    {"reduction": "sum"},
    {"reduction": "none"},
    {"label_smoothing": 0.2},
    {"weight": "w"},
    {"weight": "w", "label_smoothing": 0.3, "reduction": "none"},
    {"weight": "w", "label_smoothing": 1.0, "reduction": "sum"},
]


def _probs(rng, dtype, shape, axis=-1):
    """Class probabilities along `axis` (Dirichlet draws, some near 0), in dtype."""
    q = rng.gamma(0.3, size=shape) + 1e-12
    return (q / q.sum(axis=axis, keepdims=True)).astype(dtype)


def _prob_problem(rng, dtype, options, n=N, v=V, d=D, bias=True):
    h, W, _, b, kw = _problem(rng, dtype, options, n=n, v=v, d=d, bias=bias)
    return h, W, _probs(rng, dtype, (n, v)), b, kw


def _check_all(h, W, q, b, kw, chunk, dtype, rng, go=None):
    """loss, backward and with_grad against the reference; the dtypes, the shapes, the
    inputs untouched; with_grad the same as the two separate calls."""
    saved = [None if a is None else a.copy() for a in (h, W, q, b)]
    rk = _ref_kwargs(kw)
    loss = F.linear_cross_entropy(h, W, q, linear_bias=b, chunk_size=chunk, **kw)
    expected = ref.loss(h, W, q, b, **rk)
    _close(loss, expected, dtype)
    assert np.asarray(loss).dtype == dtype and np.shape(loss) == np.shape(expected)
    if go is None:
        go = rng.standard_normal(np.shape(loss)) if rk["reduction"] == "none" else 0.7
    grads = F.linear_cross_entropy_backward(go, h, W, q, linear_bias=b, chunk_size=chunk, **kw)
    for g, e, a in zip(grads, ref.grads(go, h, W, q, b, **rk), (h, W, b)):
        if a is None:
            assert g is None
            continue
        assert g.dtype == dtype and g.shape == a.shape
        _close(g, e, dtype)
    loss2, *grads2 = F.linear_cross_entropy_with_grad(h, W, q, linear_bias=b, chunk_size=chunk,
                                                     grad_output=go, **kw)
    np.testing.assert_array_equal(loss2, loss)
    for g, e in zip(grads2, grads):
        np.testing.assert_array_equal(g, e)
    for a, s in zip((h, W, q, b), saved):
        np.testing.assert_array_equal(a, s)
    return loss, grads


@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("options", PROB_OPTIONS, ids=[str(o) for o in PROB_OPTIONS])
def test_probs_match_reference(options, chunk, dtype, rng):
    h, W, q, b, kw = _prob_problem(rng, dtype, options)
    _check_all(h, W, q, b, kw, chunk, dtype, rng)


def _torch_all(torch, h, W, t, b, kw, reduction_go):
    """torch's own linear_cross_entropy and its autograd gradients of h, W, b."""
    th, tW = (torch.tensor(a, requires_grad=True) for a in (h, W))
    tb = None if b is None else torch.tensor(b, requires_grad=True)
    tkw = {k: (torch.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    tl = torch.nn.functional.linear_cross_entropy(th, tW, torch.tensor(t), linear_bias=tb,
                                                  **tkw)
    tl.backward(torch.tensor(reduction_go, dtype=tl.dtype).expand_as(tl))
    return tl.detach().numpy(), [None if a is None else a.grad.numpy() for a in (th, tW, tb)]


def _require_torch_lce():
    torch = pytest.importorskip("torch")
    if not hasattr(torch.nn.functional, "linear_cross_entropy"):
        pytest.skip("torch without linear_cross_entropy")
    return torch


@pytest.mark.parametrize("options", PROB_OPTIONS, ids=[str(o) for o in PROB_OPTIONS])
def test_probs_match_torch(options, dtype, rng):
    torch = _require_torch_lce()
    h, W, q, b, kw = _prob_problem(rng, dtype, options)
    go = rng.standard_normal(N) if kw.get("reduction") == "none" else 0.7
    tl, tgrads = _torch_all(torch, h, W, q, b, kw, go)
    for chunk in (None, 3):
        loss, *grads = F.linear_cross_entropy_with_grad(h, W, q, linear_bias=b,
                                                       chunk_size=chunk, grad_output=go, **kw)
        _close(loss, tl, dtype)
        for g, tg in zip(grads, tgrads):
            _close(g, tg, dtype)


@pytest.mark.parametrize("chunk", [1, 3, None])
def test_probs_unnormalised_and_negative_targets(chunk, dtype, rng):
    # torch computes the formula as it stands for any real q; so does actloss
    h, W, _, b, kw = _problem(rng, dtype, {"weight": "w", "label_smoothing": 0.1,
                                          "reduction": "none"})
    q = rng.uniform(-1.0, 2.0, (N, V)).astype(dtype)
    _check_all(h, W, q, b, kw, chunk, dtype, rng)
    torch = _require_torch_lce()
    go = rng.standard_normal(N)
    tl, tgrads = _torch_all(torch, h, W, q, b, kw, go)
    loss, *grads = F.linear_cross_entropy_with_grad(h, W, q, linear_bias=b, chunk_size=chunk,
                                                   grad_output=go, **kw)
    _close(loss, tl, dtype)
    for g, tg in zip(grads, tgrads):
        _close(g, tg, dtype)


def test_probs_mean_divides_by_rows_not_weights(rng):
    h, W, q, b, _ = _prob_problem(rng, np.float64, {})
    cw = rng.uniform(0.2, 3.0, V)
    total = F.linear_cross_entropy(h, W, q, linear_bias=b, weight=cw, reduction="sum")
    mean = F.linear_cross_entropy(h, W, q, linear_bias=b, weight=cw)
    assert mean == pytest.approx(float(total) / N, rel=1e-14)


def test_probs_one_hot_equals_class_indices(dtype, rng):
    h, W, t, b, kw = _problem(rng, dtype, {"weight": "w", "label_smoothing": 0.2,
                                          "reduction": "sum"})
    q = np.eye(V, dtype=dtype)[t]
    for chunk in (2, None):
        a = F.linear_cross_entropy_with_grad(h, W, q, linear_bias=b, chunk_size=chunk, **kw)
        e = F.linear_cross_entropy_with_grad(h, W, t, linear_bias=b, chunk_size=chunk, **kw)
        # "sum": the same total (the means differ: rows vs target weights)
        for x, y in zip(a, e):
            _close(x, y, dtype, scale=10)


def test_probs_empty_batch(dtype, rng):
    h, W, q, b, _ = _prob_problem(rng, dtype, {}, n=0)
    assert q.shape == (0, V)
    assert np.isnan(F.linear_cross_entropy(h, W, q, linear_bias=b))
    assert F.linear_cross_entropy(h, W, q, linear_bias=b, reduction="sum") == 0
    none = F.linear_cross_entropy(h, W, q, linear_bias=b, reduction="none")
    assert none.shape == (0,) and none.dtype == dtype
    loss, gh, gW, gb = F.linear_cross_entropy_with_grad(h, W, q, linear_bias=b)
    assert np.isnan(loss) and gh.shape == (0, D) and gW.shape == (V, D) and gb.shape == (V,)
    assert not gW.any() and not gb.any() and gW.dtype == dtype
    torch = _require_torch_lce()
    assert torch.isnan(torch.nn.functional.linear_cross_entropy(
        torch.tensor(h), torch.tensor(W), torch.tensor(q)))


def test_probs_one_class(dtype, rng):
    # V = 1: log p = 0 whatever the target's value: loss 0, gradients 0
    for eps in (0.0, 0.5):
        h, W, q, b, _ = _prob_problem(rng, dtype, {}, v=1)
        q = q * rng.uniform(-2, 2, q.shape).astype(dtype)   # any value, not only 1
        loss, *grads = F.linear_cross_entropy_with_grad(h, W, q, linear_bias=b,
                                                       label_smoothing=eps, weight=np.ones(1))
        assert loss == 0
        for g in grads:
            _close(g, np.zeros_like(g), dtype)
        _close(loss, ref.loss(h, W, q, b, eps=eps), dtype)


def test_probs_no_classes(rng):
    # V = 0: empty logits, as torch: "mean" NaN, "sum" and the rows 0
    h = rng.standard_normal((3, D))
    W, q = np.zeros((0, D)), np.zeros((3, 0))
    assert np.isnan(F.linear_cross_entropy(h, W, q))
    assert F.linear_cross_entropy(h, W, q, reduction="sum", label_smoothing=0.2) == 0
    np.testing.assert_array_equal(F.linear_cross_entropy(h, W, q, reduction="none"),
                                  np.zeros(3))
    gh, gW, gb = F.linear_cross_entropy_backward(1.0, h, W, q, linear_bias=np.zeros(0))
    assert gh.shape == h.shape and gW.shape == (0, D) and gb.shape == (0,) and not gh.any()
    torch = _require_torch_lce()
    assert torch.isnan(torch.nn.functional.linear_cross_entropy(
        torch.tensor(h), torch.tensor(W), torch.tensor(q)))


def test_probs_single_row_and_leading_dimensions(dtype, rng):
    h, W, q, b, kw = _prob_problem(rng, dtype, {"reduction": "none", "weight": "w"}, n=6)
    flat = F.linear_cross_entropy_with_grad(h, W, q, linear_bias=b, **kw)
    shaped = F.linear_cross_entropy_with_grad(h.reshape(2, 3, D), W, q.reshape(2, 3, V),
                                              linear_bias=b, chunk_size=4, **kw)
    _close(shaped[0], flat[0].reshape(2, 3), dtype)
    _close(shaped[1], flat[1].reshape(2, 3, D), dtype)
    _close(shaped[2], flat[2], dtype)
    _check_all(h.reshape(2, 3, D), W, q.reshape(2, 3, V), b, kw, 4, dtype, rng)
    # (D,) with a (V,) target: torch's 1-D case, a 0-d loss
    for chunk in (1, 3, None):
        one = F.linear_cross_entropy(h[1], W, q[1], linear_bias=b, chunk_size=chunk, **kw)
        assert one.shape == () and one.dtype == dtype
        _close(one, flat[0][1], dtype)
        _check_all(h[1], W, q[1], b, kw, chunk, dtype, rng, go=np.float64(1.5))
    torch = _require_torch_lce()
    tl, tgrads = _torch_all(torch, h[1], W, q[1], b, kw, 1.5)
    loss, *grads = F.linear_cross_entropy_with_grad(h[1], W, q[1], linear_bias=b,
                                                   grad_output=1.5, **kw)
    _close(loss, tl, dtype)
    for g, tg in zip(grads, tgrads):
        _close(g, tg, dtype)


def test_probs_dtypes(rng):
    h, W, q, b, _ = _prob_problem(rng, np.float32, {})
    # a float64 target promotes (as actloss.cross_entropy, and torch's result dtype)
    loss = F.linear_cross_entropy(h, W, q.astype(np.float64), linear_bias=b)
    assert loss.dtype == np.float64
    _close(loss, ref.loss(h, W, q, b), np.float64)
    # a float16 target with float32 logits: float32
    assert F.linear_cross_entropy(h, W, q.astype(np.float16)).dtype == np.float32
    # float16 everything: computed in float32
    l16 = F.linear_cross_entropy(h.astype(np.float16), W.astype(np.float16),
                                 q.astype(np.float16))
    assert l16.dtype == np.float16
    # a strided (transposed) target and a Fortran-ordered input
    qt = np.asfortranarray(q)
    _close(F.linear_cross_entropy(np.asfortranarray(h), W, qt, linear_bias=b, chunk_size=3),
           ref.loss(h, W, q, b), np.float32)


def test_probs_chunking_does_not_change_the_result(rng):
    h, W, _, b, kw = _problem(rng, np.float64, {"weight": "w", "label_smoothing": 0.1},
                              n=40, v=301)
    q = _probs(rng, np.float64, (40, 301))
    base = F.linear_cross_entropy_with_grad(h, W, q, linear_bias=b, chunk_size=301, **kw)
    for chunk in (1, 17, 64, 300):
        loss, *grads = F.linear_cross_entropy_with_grad(h, W, q, linear_bias=b,
                                                       chunk_size=chunk, **kw)
        np.testing.assert_allclose(loss, base[0], rtol=1e-13)
        for g, e in zip(grads, base[1:]):
            np.testing.assert_allclose(g, e, rtol=1e-11, atol=1e-15)


def test_probs_large_logits_are_stable(rng):
    h = np.hstack([np.full((N, 1), 1e4), rng.standard_normal((N, D - 1))])
    W = np.hstack([np.ones((V, 1)), rng.standard_normal((V, D - 1))])
    q = _probs(rng, np.float64, (N, V))
    loss, *grads = F.linear_cross_entropy_with_grad(h, W, q, chunk_size=3)
    assert np.isfinite(loss)
    np.testing.assert_allclose(loss, ref.loss(h, W, q), rtol=1e-9)
    for g, e in zip(grads[:2], ref.grads(1.0, h, W, q)[:2]):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-9)


def test_probs_negative_grad_output(rng):
    h, W, q, b, kw = _prob_problem(rng, np.float64, {"reduction": "none", "weight": "w"})
    go = rng.standard_normal(N)   # some rows negative: a * p not folded into exp
    grads = F.linear_cross_entropy_backward(go, h, W, q, linear_bias=b, chunk_size=3, **kw)
    for g, e in zip(grads, ref.grads(go, h, W, q, b, **_ref_kwargs(kw))):
        _close(g, e, np.float64)


@pytest.mark.parametrize("chunk", [1, 2, 3, None])
@pytest.mark.parametrize("case", ["nan_target", "inf_target", "inf_weight", "masked_class",
                                  "masked_class_zero_target", "masked_row", "nan_logit",
                                  "inf_logit"])
def test_probs_special_values_as_cross_entropy(case, chunk, rng):
    # the per-row losses of cross_entropy on the explicit logits, non-finite ones included
    h, W, q, b, _ = _prob_problem(rng, np.float64, {})
    cw = np.ones(V)
    if case == "nan_target":
        q[2, 3] = np.nan
    elif case == "inf_target":
        q[2, 3] = np.inf
    elif case == "inf_weight":
        cw[4] = np.inf
    elif case == "masked_class":   # a class the bias rules out, with target mass on it
        b[5] = -np.inf
    elif case == "masked_class_zero_target":
        b[5] = -np.inf
        q[:4, 5] = 0.0
    elif case == "masked_row":
        h[3] = 0.0
        b[:] = -np.inf
    elif case == "nan_logit":
        h[1, 0] = np.nan
    else:
        b[6] = np.inf
    with np.errstate(all="ignore"):
        z = h @ W.T + b
    expected = F.cross_entropy(z, q, weight=cw, reduction="none")
    loss = F.linear_cross_entropy(h, W, q, linear_bias=b, weight=cw, reduction="none",
                                  chunk_size=chunk)
    np.testing.assert_array_equal(np.isnan(loss), np.isnan(expected))
    np.testing.assert_array_equal(np.isinf(loss), np.isinf(expected))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(loss[finite], expected[finite], rtol=1e-12)
    with np.errstate(all="raise"):   # nothing leaks out of the call
        F.linear_cross_entropy_with_grad(h, W, q, linear_bias=b, weight=cw, chunk_size=chunk)


def test_probs_memory_is_per_chunk(rng):
    n, d, v = 256, 8, 20000
    h = rng.standard_normal((n, d))
    W = rng.standard_normal((v, d))
    q = rng.random((n, v))      # an input: its chunks are copied, never all of it
    tracemalloc.start()
    try:
        F.linear_cross_entropy_with_grad(h, W, q, chunk_size=256)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # beyond the V x D weight gradient (1.3 MB): a few chunks and row vectors
    assert peak < 4e6, peak


# ---- K-dimensional weights (V, d1, ..., dK, D) --------------------------------------------------

KDIM_OPTIONS = [
    {},
    {"reduction": "none"},
    {"reduction": "sum", "weight": "w", "label_smoothing": 0.2},
    {"weight": "w", "ignore_index": 2},
    {"reduction": "none", "label_smoothing": 0.3, "ignore_index": 0},
]


def _kdim_problem(rng, dtype, out, probs, options, n=N, v=V, d=D):
    h = rng.standard_normal((n, d)).astype(dtype)
    W = rng.standard_normal((v,) + out + (d,)).astype(dtype)
    b = rng.standard_normal((v,) + out).astype(dtype)
    if probs:
        t = _probs(rng, dtype, (n, v) + out, axis=1)
    else:
        t = rng.integers(0, v, (n,) + out)
        if t.size:
            t.flat[0] = 2 % v
            t.flat[-1] = 0
    kw = dict(options)
    if kw.get("weight") == "w":
        kw["weight"] = rng.uniform(0.2, 2.0, v).astype(dtype)
    if probs:
        kw.pop("ignore_index", None)
    return h, W, t, b, kw


@pytest.mark.parametrize("chunk", [1, 3, 7, 100, None])
@pytest.mark.parametrize("options", KDIM_OPTIONS, ids=[str(o) for o in KDIM_OPTIONS])
@pytest.mark.parametrize("probs", [False, True], ids=["classes", "probs"])
@pytest.mark.parametrize("out", [(3,), (2, 3)], ids=str)
def test_kdim_matches_reference(out, probs, options, chunk, dtype, rng):
    h, W, t, b, kw = _kdim_problem(rng, dtype, out, probs, options)
    loss, _ = _check_all(h, W, t, b, kw, chunk, dtype, rng)
    if kw.get("reduction") == "none":
        assert loss.shape == (N,) + out


@pytest.mark.parametrize("options", KDIM_OPTIONS, ids=[str(o) for o in KDIM_OPTIONS])
@pytest.mark.parametrize("probs", [False, True], ids=["classes", "probs"])
@pytest.mark.parametrize("out", [(3,), (2, 3)], ids=str)
def test_kdim_matches_torch(out, probs, options, dtype, rng):
    torch = _require_torch_lce()
    h, W, t, b, kw = _kdim_problem(rng, dtype, out, probs, options)
    go = (rng.standard_normal((N,) + out) if kw.get("reduction") == "none" else 0.7)
    for bias in (b, None):
        tl, tgrads = _torch_all(torch, h, W, t, bias, kw, go)
        for chunk in (None, 3):
            loss, *grads = F.linear_cross_entropy_with_grad(h, W, t, linear_bias=bias,
                                                           chunk_size=chunk, grad_output=go,
                                                           **kw)
            _close(loss, tl, dtype)
            for g, tg in zip(grads, tgrads):
                if tg is None:
                    assert g is None
                else:
                    _close(g, tg, dtype)


def test_kdim_one_position_equals_two_dimensional(rng):
    # (V, 1, D) weights: the (V, D) problem with a trailing unit axis on loss and target
    h, W, t, b, kw = _problem(rng, np.float64, {"weight": "w", "reduction": "none",
                                               "label_smoothing": 0.1})
    a = F.linear_cross_entropy_with_grad(h, W[:, None], t[:, None], linear_bias=b[:, None],
                                         **kw)
    e = F.linear_cross_entropy_with_grad(h, W, t, linear_bias=b, **kw)
    np.testing.assert_array_equal(a[0], e[0][:, None])
    np.testing.assert_array_equal(a[1], e[1])
    np.testing.assert_array_equal(a[2], e[2][:, None])
    np.testing.assert_array_equal(a[3], e[3][:, None])


def test_kdim_edges(dtype, rng):
    # no positions (d1 = 0): an empty loss, "mean" NaN as torch; N = 0; V = 1
    h = rng.standard_normal((N, D)).astype(dtype)
    W0 = np.zeros((V, 0, D), dtype)
    assert np.isnan(F.linear_cross_entropy(h, W0, np.zeros((N, 0), np.int64)))
    assert np.isnan(F.linear_cross_entropy(h, W0, np.zeros((N, V, 0), dtype)))
    assert F.linear_cross_entropy(h, W0, np.zeros((N, 0), np.int64), reduction="sum") == 0
    none = F.linear_cross_entropy(h, W0, np.zeros((N, 0), np.int64), reduction="none")
    assert none.shape == (N, 0) and none.dtype == dtype
    gh, gW, gb = F.linear_cross_entropy_backward(1.0, h, W0, np.zeros((N, 0), np.int64),
                                                 linear_bias=np.zeros((V, 0), dtype))
    assert gh.shape == h.shape and gW.shape == W0.shape and gb.shape == (V, 0)
    assert not gh.any()
    for probs in (False, True):
        h0, W, t, b, _ = _kdim_problem(rng, dtype, (2,), probs, {}, n=0)
        loss, gh, gW, gb = F.linear_cross_entropy_with_grad(h0, W, t, linear_bias=b)
        assert np.isnan(loss) and gh.shape == (0, D) and gW.shape == W.shape
        assert not gW.any() and gb.shape == b.shape
        h1, W, t, b, kw = _kdim_problem(rng, dtype, (2,), probs, {"label_smoothing": 0.2},
                                        v=1)
        _check_all(h1, W, t, b, kw, None, dtype, rng)


def test_kdim_leading_dimensions(rng):
    # beyond torch, as for (V, D): input (*, D) flattened into the batch
    h, W, t, b, kw = _kdim_problem(rng, np.float64, (3,), False, {"reduction": "none"}, n=6)
    flat = F.linear_cross_entropy_with_grad(h, W, t, linear_bias=b, **kw)
    shaped = F.linear_cross_entropy_with_grad(h.reshape(2, 3, D), W, t.reshape(2, 3, 3),
                                              linear_bias=b, **kw)
    np.testing.assert_allclose(shaped[0], flat[0].reshape(2, 3, 3), rtol=1e-14)
    np.testing.assert_allclose(shaped[1], flat[1].reshape(2, 3, D), rtol=1e-14)
    _, _, q, _, _ = _kdim_problem(rng, np.float64, (3,), True, {}, n=6)
    _check_all(h.reshape(2, 3, D), W, q.reshape(2, 3, V, 3), b, {"reduction": "none"}, 2,
               np.float64, rng)


def test_kdim_memory_is_per_chunk(rng):
    n, d, v, k = 128, 8, 10000, 3
    h = rng.standard_normal((n, d))
    W = rng.standard_normal((v, k, d))
    t = rng.integers(0, v, (n, k))
    tracemalloc.start()
    try:
        F.linear_cross_entropy_with_grad(h, W, t, chunk_size=256)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # the V x K x D weight gradient is 1.9 MB; the logits n x v x k would be 31 MB
    assert peak < 4e6, peak


# ---- ignore_index=None, and the new forms' errors -------------------------------------------

def test_ignore_index_none_is_minus_100(rng):
    h, W, t, b, _ = _problem(rng, np.float64, {})
    t[1] = -100
    a = F.linear_cross_entropy_with_grad(h, W, t, linear_bias=b, ignore_index=None)
    e = F.linear_cross_entropy_with_grad(h, W, t, linear_bias=b, ignore_index=-100)
    for x, y in zip(a, e):
        np.testing.assert_array_equal(x, y)


def test_options_none_is_taken_as_torch_default(rng):
    # a call written for torch (options=None: its reference path) runs unchanged
    h, W, t, b, _ = _problem(rng, np.float64, {})
    e = F.linear_cross_entropy_with_grad(h, W, t, linear_bias=b)
    a = F.linear_cross_entropy_with_grad(h, W, t, linear_bias=b, options=None)
    for x, y in zip(a, e):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(F.linear_cross_entropy(h, W, t, options=None),
                                  F.linear_cross_entropy(h, W, t))
    for x, y in zip(F.linear_cross_entropy_backward(1.0, h, W, t, options=None, chunk_size=2),
                    F.linear_cross_entropy_backward(1.0, h, W, t, chunk_size=2)):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("ignore_index", [-100, 3, np.int64(-1)])
def test_probs_reject_ignore_index_as_torch(ignore_index, rng):
    h, W, q, b, _ = _prob_problem(rng, np.float64, {})
    for call in (lambda: F.linear_cross_entropy(h, W, q, ignore_index=ignore_index),
                 lambda: F.linear_cross_entropy_backward(1.0, h, W, q,
                                                         ignore_index=ignore_index),
                 lambda: F.linear_cross_entropy_with_grad(h, W, q, ignore_index=ignore_index)):
        with pytest.raises(ValueError, match="ignore_index cannot be given with "
                                             "class-probability targets"):
            call()
    torch = _require_torch_lce()
    with pytest.raises(RuntimeError, match="ignore_index"):
        torch.nn.functional.linear_cross_entropy(torch.tensor(h), torch.tensor(W),
                                                 torch.tensor(q),
                                                 ignore_index=int(ignore_index))


NEW_BAD = [
    # probability targets
    (lambda h, W, q, t: (h, W, q.astype(np.int64)), {}, TypeError,
     r"logits' shape \(9, 7\) holds class probabilities and must be floating"),
    (lambda h, W, q, t: (h, W, q.astype(bool)), {}, TypeError, "must be floating"),
    (lambda h, W, q, t: (h, W, q[:, :4]), {}, TypeError, "integer class indices"),
    (lambda h, W, q, t: (h, W, q.T.copy()), {}, TypeError, "integer class indices"),
    (lambda h, W, q, t: (h, W, t[:, None]), {}, ValueError,
     r"target has shape \(9, 1\), expected \(9,\) \(class indices\) or \(9, 7\)"),
    (lambda h, W, q, t: (h, W, q.astype(complex)), {}, TypeError, "target"),
    (lambda h, W, q, t: (h, W, q), {"weight": np.ones(V + 1)}, ValueError, "class weights"),
    (lambda h, W, q, t: (h, W, q), {"label_smoothing": -0.1}, ValueError, "label_smoothing"),
    (lambda h, W, q, t: (h, W, q), {"linear_bias": np.zeros((V, 1))}, ValueError,
     r"linear_bias must have shape \(7,\)"),
    # K-dimensional weights
    (lambda h, W, q, t: (h, W[:, None].repeat(2, 1), t), {}, ValueError,
     r"target has shape \(9,\), expected \(9, 2\)"),
    (lambda h, W, q, t: (h, W[:, None].repeat(2, 1), np.zeros((N, 2), np.int64)),
     {"linear_bias": np.zeros(V)}, ValueError, r"linear_bias must have shape \(7, 2\)"),
    (lambda h, W, q, t: (h[0], W[:, None].repeat(2, 1), np.zeros(2, np.int64)), {},
     ValueError, "K-dimensional loss .* needs batched input"),
    (lambda h, W, q, t: (h[:, :3], W[:, None].repeat(2, 1), np.zeros((N, 2), np.int64)), {},
     ValueError, "last dimension must be D"),
    (lambda h, W, q, t: (h, W[:, None].repeat(2, 1), np.zeros((N, 2), np.int64) + V), {},
     ValueError, "out of bounds"),
    (lambda h, W, q, t: (h, W[:, None].repeat(2, 1), np.zeros((N, 2))), {}, TypeError,
     "integer class indices"),
    (lambda h, W, q, t: (h, W[:, None].repeat(2, 1), np.zeros((N, V, 2), np.int32)), {},
     TypeError, "must be floating"),
    (lambda h, W, q, t: (h, W[:, None].repeat(2, 1), np.zeros((N, 2), np.int64)),
     {"weight": np.ones((V, 2))}, ValueError, "class weights"),
]


@pytest.mark.parametrize("i", range(len(NEW_BAD)))
def test_bad_arguments_of_the_new_forms(i, rng):
    make, kw, exc, match = NEW_BAD[i]
    h, W, q, _, _ = _prob_problem(rng, np.float64, {})
    t = rng.integers(0, V, N)
    _raises_in_all_three(exc, match, make(h, W, q, t), kw)


def test_probs_bad_grad_output(rng):
    h, W, q, b, _ = _prob_problem(rng, np.float64, {})
    with pytest.raises(ValueError, match="grad_output"):
        F.linear_cross_entropy_backward(np.ones(N), h, W, q)
    with pytest.raises(ValueError, match="grad_output"):
        F.linear_cross_entropy_backward(np.ones((N, V)), h, W, q, reduction="none")
    h, W, t, b, _ = _kdim_problem(rng, np.float64, (3,), False, {})
    with pytest.raises(ValueError, match="grad_output"):
        F.linear_cross_entropy_backward(np.ones(N), h, W, t, reduction="none")


def test_module_k_dimensional_matches_torch_module(rng):
    # out_features=(2, 3): a Linear of num_classes * 6 outputs, reshaped per call as torch's
    torch = _require_torch_lce()
    out = (2, 3)
    tm = torch.nn.LinearCrossEntropyLoss(D, V, out_features=out, bias=True,
                                         label_smoothing=0.1, dtype=torch.float64)
    m = nn.LinearCrossEntropyLoss(D, V, out_features=out, bias=True, label_smoothing=0.1,
                                  dtype=np.float64)
    assert repr(m) == repr(tm)
    m.chunk_size = 3
    assert m.linear.weight.shape == (V * 6, D) and m.linear.bias.shape == (V * 6,)
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    h = rng.standard_normal((N, D))
    for target in (rng.integers(0, V, (N,) + out), _probs(rng, np.float64, (N, V) + out, 1)):
        th = torch.tensor(h, requires_grad=True)
        tm.zero_grad()
        tl = tm(th, torch.tensor(target))
        tl.backward()
        m.zero_grad()
        _close(m(h, target), tl.detach().numpy(), np.float64)
        _close(m.backward(), th.grad.numpy(), np.float64)
        _close(m.linear.weight.grad, tm.linear.weight.grad.numpy(), np.float64)
        _close(m.linear.bias.grad, tm.linear.bias.grad.numpy(), np.float64)
