"""ctc_loss, ctc_loss_backward, ctc_loss_with_grad (torch.nn.functional.ctc_loss): against the
float64 references of reference_ctc.py (alignment enumeration and probability-space
recursions) and against torch where it is installed; every option, the edge cases (repeated
labels, empty targets, inputs too short, empty inputs), dtypes, layouts and bad input."""
import numpy as np
import pytest

import actloss as F
from actloss import nn
from reference_ctc import ctc_brute, ctc_dp, ctc_reference

REDUCTIONS = ("none", "mean", "sum")


def _log_softmax(x):
    z = x - x.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _case(rng, T=7, N=5, C=4, S=4, blank=0, normalised=True):
    """log_probs (T, N, C), padded targets (N, S) (never the blank; padding -1), lengths with
    the edge cases: a full one, an empty target, an input too short for its target, repeated
    labels, an input of length 0."""
    x = rng.normal(size=(T, N, C))
    lp = _log_softmax(x) if normalised else x
    labels = [c for c in range(C) if c != blank]
    targets = np.full((N, S), -1, np.int64)
    tl = np.minimum(np.array([S, 0, S, 3, 0][:N] + [2] * max(0, N - 5)), S)
    il = np.array([T, T - 2, 2, T, 0][:N] + [T] * max(0, N - 5))
    for i in range(N):
        targets[i, :tl[i]] = rng.choice(labels, tl[i])
    if N > 3:
        # a repeat needs a blank between
        targets[3, :tl[3]] = [labels[0], labels[0], labels[-1]][:tl[3]]
    return lp, targets, il, tl


def _tol(dtype):
    return dict(rtol=2e-5, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-12)


def _close(actual, expected, dtype):
    np.testing.assert_allclose(np.asarray(actual, np.float64), expected, equal_nan=True,
                               **_tol(dtype))


# ---- the references agree with each other -----------------------------------------------------

def test_references_agree(rng):
    for blank in (0, 2):
        lp, targets, il, tl = _case(rng, T=5, N=5, C=3, S=2, blank=blank, normalised=False)
        for i in range(5):
            pb, db = ctc_brute(lp[:il[i], i], list(targets[i, :tl[i]]), blank)
            pd, dd = ctc_dp(lp[:il[i], i], list(targets[i, :tl[i]]), blank)
            np.testing.assert_allclose(pd, pb, rtol=1e-13)
            np.testing.assert_allclose(dd, db, rtol=1e-13, atol=1e-300)


# ---- against the references --------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_matches_reference(rng, dtype, reduction, zero_infinity):
    lp, targets, il, tl = _case(rng)
    lp = lp.astype(dtype)
    go = rng.uniform(0.5, 2, 5) if reduction == "none" else 0.7
    kw = dict(reduction=reduction, zero_infinity=zero_infinity)
    want_loss, want_grad = ctc_reference(lp, targets, il, tl, grad_output=go, **kw)
    loss = F.ctc_loss(lp, targets, il, tl, **kw)
    grad = F.ctc_loss_backward(go, lp, targets, il, tl, **kw)
    assert loss.dtype == grad.dtype == dtype and grad.shape == lp.shape
    assert np.shape(loss) == ((5,) if reduction == "none" else ())
    _close(loss, want_loss, dtype)
    _close(grad, want_grad, dtype)
    fused_loss, fused_grad = F.ctc_loss_with_grad(lp, targets, il, tl, grad_output=go, **kw)
    np.testing.assert_array_equal(fused_loss, loss)
    np.testing.assert_array_equal(fused_grad, grad)


def test_random_configurations_match_reference(rng):
    """Random sizes, blanks, lengths (inputs too short included), repeats and layouts."""
    for _ in range(40):
        T, N, C = rng.integers(1, 9), rng.integers(1, 5), rng.integers(2, 6)
        S = rng.integers(0, 5)
        blank = int(rng.integers(0, C))
        labels = [c for c in range(C) if c != blank]
        lp = rng.normal(size=(T, N, C))
        if rng.random() < 0.7:
            lp = _log_softmax(lp)
        tl = rng.integers(0, S + 1, N)
        il = rng.integers(0, T + 1, N)
        targets = np.full((N, S), -1)
        for i in range(N):
            targets[i, :tl[i]] = rng.choice(labels, tl[i])
        if rng.random() < 0.5:
            targets = np.concatenate([targets[i, :tl[i]] for i in range(N)]).astype(np.int64)
        reduction = ("none", "mean", "sum")[rng.integers(3)]
        zero_inf = bool(rng.random() < 0.5)
        go = rng.uniform(0.5, 2, N) if reduction == "none" else 1.3
        want_loss, want_grad = ctc_reference(lp, targets, il, tl, blank, reduction, zero_inf,
                                             grad_output=go)
        loss, grad = F.ctc_loss_with_grad(lp, targets, il, tl, blank, reduction, zero_inf,
                                          grad_output=go)
        _close(loss, want_loss, np.float64)
        _close(grad, want_grad, np.float64)


def test_edge_values(rng):
    lp, targets, il, tl = _case(rng)
    loss = F.ctc_loss(lp, targets, il, tl, reduction="none")
    assert np.isinf(loss[2])                      # 2 frames for 4 labels
    assert loss[4] == 0 and np.signbit(loss[4])   # no frames, no labels: -log 1 = -0.0, as torch
    grad = F.ctc_loss_backward(np.ones(5), lp, targets, il, tl, reduction="none")
    assert np.isnan(grad[:2, 2]).all() and (grad[2:, 2] == 0).all()
    assert (grad[il[1]:, 1] == 0).all() and (grad[:, 4] == 0).all()
    grad = F.ctc_loss_backward(np.ones(5), lp, targets, il, tl, reduction="none",
                               zero_infinity=True)
    assert (grad[:, 2] == 0).all() and np.isfinite(grad).all()
    assert F.ctc_loss(lp, targets, il, tl, reduction="none", zero_infinity=True)[2] == 0
    # an input of length 0 with a target: inf, and no gradient rows
    assert F.ctc_loss(lp, targets, [0] * 5, tl, reduction="none")[0] == np.inf
    # the shortest input a target with a repeat fits in: labels + repeats frames
    lp1 = _log_softmax(rng.normal(size=(3, 1, 3)))
    assert np.isfinite(F.ctc_loss(lp1, [[1, 1]], [3], [2]))
    assert F.ctc_loss(lp1, [[1, 1]], [2], [2]) == np.inf
    assert np.isfinite(F.ctc_loss(lp1, [[1, 2]], [2], [2]))


def test_arbitrary_inputs_and_blank(rng, dtype):
    """log_probs that are not normalised, and a blank other than 0: torch takes them as they
    are, and its gradient keeps the exp(lp) term."""
    for blank in (0, 3):
        lp, targets, il, tl = _case(rng, C=5, blank=blank, normalised=False)
        lp = lp.astype(dtype)
        for reduction in REDUCTIONS:
            want_loss, want_grad = ctc_reference(lp, targets, il, tl, blank, reduction,
                                                 zero_infinity=True)
            _close(F.ctc_loss(lp, targets, il, tl, blank, reduction, True), want_loss, dtype)
            _close(F.ctc_loss_backward(1.0, lp, targets, il, tl, blank, reduction, True),
                   want_grad, dtype)


def test_label_equal_to_blank_is_taken(rng):
    lp, targets, il, tl = _case(rng)
    targets[0, 1] = 0
    want_loss, want_grad = ctc_reference(lp, targets, il, tl, reduction="sum",
                                         zero_infinity=True, method=ctc_dp)
    _close(F.ctc_loss(lp, targets, il, tl, reduction="sum", zero_infinity=True), want_loss,
           np.float64)
    _close(F.ctc_loss_backward(1.0, lp, targets, il, tl, reduction="sum", zero_infinity=True),
           want_grad, np.float64)


def test_concatenated_targets_and_length_types(rng):
    lp, targets, il, tl = _case(rng)
    flat = np.concatenate([targets[i, :tl[i]] for i in range(5)])
    want = F.ctc_loss(lp, targets, il, tl, reduction="none")
    want_grad = F.ctc_loss_backward(np.ones(5), lp, targets, il, tl, reduction="none")
    for t in (flat, flat.astype(np.int32), list(flat)):
        for lengths in ((il, tl), (list(il), list(tl)), (tuple(il), tuple(tl)),
                        (il.astype(np.uint8), tl.astype(np.int16))):
            np.testing.assert_array_equal(F.ctc_loss(lp, t, *lengths, reduction="none"), want)
            np.testing.assert_array_equal(
                F.ctc_loss_backward(np.ones(5), lp, t, *lengths, reduction="none"), want_grad)


def test_unbatched(rng, dtype):
    lp, targets, il, tl = _case(rng)
    lp = lp.astype(dtype)
    for reduction in REDUCTIONS:
        batched = F.ctc_loss(lp[:, :1], targets[:1], il[:1], tl[:1], reduction=reduction)
        for lengths in ((il[0], tl[0]), ([il[0]], [tl[0]]), (np.int64(il[0]), np.array(tl[0]))):
            for t in (targets[:1], targets[0, :tl[0]]):
                got = F.ctc_loss(lp[:, 0], t, *lengths, reduction=reduction)
                assert np.shape(got) == () and got.dtype == dtype
                np.testing.assert_array_equal(got, np.reshape(batched, ()))
                g = F.ctc_loss_backward(1.0, lp[:, 0], t, *lengths, reduction=reduction)
                assert g.shape == lp[:, 0].shape
                np.testing.assert_array_equal(g, F.ctc_loss_backward(
                    np.ones(1) if reduction == "none" else 1.0, lp[:, :1], targets[:1], il[:1],
                    tl[:1], reduction=reduction)[:, 0])


def test_gradient_is_the_logit_gradient_of_log_softmax(rng):
    """For log_probs = log_softmax(z), torch's CTC gradient is d loss / d z: central
    differences of the loss in z."""
    T, N, C = 6, 3, 4
    z = rng.normal(size=(T, N, C))
    targets, il, tl = np.array([[1, 2, 2], [3, 1, 0], [2, 0, 0]]), [6, 5, 4], [3, 2, 1]
    for reduction in ("mean", "sum"):
        grad = F.ctc_loss_backward(1.0, _log_softmax(z), targets, il, tl, reduction=reduction)
        h, num = 1e-5, np.zeros_like(z)
        for idx in np.ndindex(z.shape):
            zp, zm = z.copy(), z.copy()
            zp[idx] += h
            zm[idx] -= h
            num[idx] = (F.ctc_loss(_log_softmax(zp), targets, il, tl, reduction=reduction)
                        - F.ctc_loss(_log_softmax(zm), targets, il, tl,
                                     reduction=reduction)) / (2 * h)
        np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-8)


def test_larger_sizes_float32_against_float64(rng):
    T, N, C, S = 120, 6, 30, 25
    lp = _log_softmax(rng.normal(size=(T, N, C)))
    targets = rng.integers(1, C, (N, S))
    il, tl = rng.integers(80, T + 1, N), rng.integers(10, S + 1, N)
    l64, g64 = F.ctc_loss_with_grad(lp, targets, il, tl, reduction="sum")
    l32, g32 = F.ctc_loss_with_grad(lp.astype(np.float32), targets, il, tl, reduction="sum")
    assert l32.dtype == g32.dtype == np.float32
    np.testing.assert_allclose(l32, l64, rtol=1e-6)
    np.testing.assert_allclose(g32, g64, atol=1e-5)
    # posteriors: the gradient of each frame sums to sum(exp(lp)) - 1 = 0 for normalised lp
    np.testing.assert_allclose(g64.sum(axis=2)[:il.min()], 0, atol=1e-10)


def test_float16_computes_in_float32(rng):
    lp, targets, il, tl = _case(rng)
    h = lp.astype(np.float16)
    for reduction in REDUCTIONS:
        got = F.ctc_loss(h, targets, il, tl, reduction=reduction, zero_infinity=True)
        want = F.ctc_loss(h.astype(np.float32), targets, il, tl, reduction=reduction,
                          zero_infinity=True)
        assert got.dtype == np.float16
        np.testing.assert_array_equal(got, np.asarray(want).astype(np.float16))
    g = F.ctc_loss_backward(1.0, h, targets, il, tl)
    assert g.dtype == np.float16
    np.testing.assert_array_equal(
        g, F.ctc_loss_backward(1.0, h.astype(np.float32), targets, il, tl).astype(np.float16))


def test_layouts_threads_and_inputs_untouched(rng):
    T, N, C, S = 60, 12, 20, 15
    lp = _log_softmax(rng.normal(size=(T, N, C)))
    targets = rng.integers(1, C, (N, S))
    il, tl = rng.integers(30, T + 1, N), rng.integers(0, S + 1, N)
    saved = [a.copy() for a in (lp, targets, il, tl)]
    want = F.ctc_loss_with_grad(lp, targets, il, tl, reduction="none")
    # a transposed (N, T, C) buffer seen as (T, N, C), and Fortran-ordered targets
    other = np.ascontiguousarray(lp.transpose(1, 0, 2)).transpose(1, 0, 2)
    got = F.ctc_loss_with_grad(other, np.asfortranarray(targets), il, tl, reduction="none")
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    ro = lp.copy()
    ro.flags.writeable = False
    np.testing.assert_array_equal(F.ctc_loss(ro, targets, il, tl, reduction="none"), want[0])
    before = F.get_num_threads()
    try:
        for n in (1, 2, 4):
            F.set_num_threads(n)
            for a, b in zip(F.ctc_loss_with_grad(lp, targets, il, tl, reduction="none"), want):
                np.testing.assert_array_equal(a, b)
    finally:
        F.set_num_threads(before)
    for a, b in zip((lp, targets, il, tl), saved):
        np.testing.assert_array_equal(a, b)


def test_special_values(rng):
    lp, targets, il, tl = _case(rng)
    lp[1, 0, targets[0, 0]] = np.nan  # a class sample 0 reads (others do not matter)
    loss = F.ctc_loss(lp, targets, il, tl, reduction="none", zero_infinity=True)
    assert np.isnan(loss[0]) and np.isfinite(loss[[1, 3]]).all()
    grad = F.ctc_loss_backward(1.0, lp, targets, il, tl, reduction="sum", zero_infinity=True)
    assert np.isnan(grad[:il[0], 0]).all() and np.isfinite(grad[:, [1, 3]]).all()
    # a label that can never be emitted: inf
    lp, targets, il, tl = _case(rng)
    lp[:, 0, targets[0, 0]] = -np.inf
    assert F.ctc_loss(lp, targets, il, tl, reduction="none")[0] == np.inf


def test_grad_output_shapes(rng):
    lp, targets, il, tl = _case(rng)
    base = F.ctc_loss_backward(np.ones(5), lp, targets, il, tl, reduction="none",
                               zero_infinity=True)
    np.testing.assert_array_equal(
        F.ctc_loss_backward(1.0, lp, targets, il, tl, reduction="none", zero_infinity=True),
        base)
    with pytest.raises(ValueError, match="grad_output"):
        F.ctc_loss_backward(np.ones(4), lp, targets, il, tl, reduction="none")


def test_module(rng):
    lp, targets, il, tl = _case(rng)
    m = nn.CTCLoss(blank=0, reduction="sum", zero_infinity=True)
    loss = m(lp, targets, il, tl)
    np.testing.assert_array_equal(loss, F.ctc_loss(lp, targets, il, tl, 0, "sum", True))
    np.testing.assert_array_equal(m.backward(),
                                  F.ctc_loss_backward(1.0, lp, targets, il, tl, 0, "sum", True))
    with pytest.raises(TypeError, match="zero_infinity"):
        nn.CTCLoss(zero_infinity=1)


# ---- bad input ---------------------------------------------------------------------------------

def test_bad_input(rng):
    lp, targets, il, tl = _case(rng)
    cases = [
        (TypeError, "log_probs", dict(log_probs=lp.astype(complex))),
        (ValueError, "log_probs must be", dict(log_probs=lp[0, 0])),
        (ValueError, "log_probs must be", dict(log_probs=lp[None])),
        (ValueError, "must not be empty", dict(log_probs=lp[:0])),
        (ValueError, "must not be empty", dict(log_probs=lp[..., :0])),
        (TypeError, "targets must be integer", dict(targets=targets.astype(float))),
        (TypeError, "targets must be integer", dict(targets=targets.astype(bool))),
        (ValueError, "targets must be padded", dict(targets=targets[None])),
        (ValueError, "padded targets must be", dict(targets=targets[:4])),
        (ValueError, "fewer than the longest", dict(targets=targets[:, :3])),
        (ValueError, r"targets must be class indices in \[0, 4\), got 4",
         dict(targets=np.where(targets == 1, 4, targets))),
        (ValueError, r"targets must be class indices in \[0, 4\), got -1",
         dict(target_lengths=[4, 0, 4, 4, 1])),
        (ValueError, "sum\\(target_lengths\\) = 11", dict(targets=np.ones(10, np.int64))),
        (TypeError, "input_lengths must be integers", dict(input_lengths=il.astype(float))),
        (TypeError, "input_lengths must be integers", dict(input_lengths=[7, 5, 2.0, 7, 0])),
        (TypeError, "target_lengths must be integers", dict(target_lengths=tl.astype(bool))),
        (ValueError, "input_lengths must have one value per sample",
         dict(input_lengths=il[:4])),
        (ValueError, "target_lengths must have one value per sample", dict(target_lengths=3)),
        (ValueError, r"input_lengths must be in \[0, 7\] \(the length of log_probs\), got 8 "
         "for sample 0", dict(input_lengths=[8, 5, 2, 7, 0])),
        (ValueError, r"input_lengths must be in \[0, 7\]", dict(input_lengths=[7, 5, -1, 7, 0])),
        (ValueError, "target_lengths must be >= 0", dict(target_lengths=[-1, 0, 4, 3, 0])),
        (ValueError, "target_lengths must be >= 0",
         dict(targets=np.ones(6, np.int64), target_lengths=[-1, 0, 4, 3, 0])),
        (ValueError, r"blank must be in \[0, 4\)", dict(blank=4)),
        (ValueError, r"blank must be in \[0, 4\)", dict(blank=-1)),
        (TypeError, "blank must be an int", dict(blank=1.0)),
        (TypeError, "blank must be an int", dict(blank=True)),
        (ValueError, "reduction", dict(reduction="batchmean")),
        (TypeError, "zero_infinity", dict(zero_infinity=1)),
    ]
    base = dict(log_probs=lp, targets=targets, input_lengths=il, target_lengths=tl)
    for exc, match, change in cases:
        for fn in (F.ctc_loss, F.ctc_loss_with_grad,
                   lambda **kw: F.ctc_loss_backward(1.0, **kw)):
            with pytest.raises(exc, match=match):
                fn(**dict(base, **change))
    with pytest.raises(TypeError, match="MaskedArray"):
        F.ctc_loss(np.ma.masked_array(lp), targets, il, tl)


# ---- against torch -----------------------------------------------------------------------------

def _torch_ctc(torch, lp, targets, il, tl, **kw):
    """torch's loss and its autograd gradient (sum of the loss, or of the losses)."""
    x = torch.tensor(lp, requires_grad=True)
    loss = torch.nn.functional.ctc_loss(x, torch.as_tensor(targets), torch.as_tensor(il),
                                        torch.as_tensor(tl), **kw)
    (grad,) = torch.autograd.grad(loss.sum(), x)
    return loss.detach().numpy(), grad.numpy()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("normalised", [True, False])
def test_matches_torch(rng, dtype, reduction, zero_infinity, normalised):
    torch = pytest.importorskip("torch")
    for blank, concatenated in ((0, False), (2, True)):
        lp, targets, il, tl = _case(rng, T=9, N=7, C=5, S=4, blank=blank, normalised=normalised)
        lp = lp.astype(dtype)
        if concatenated:
            targets = np.concatenate([targets[i, :tl[i]] for i in range(len(tl))])
        kw = dict(blank=blank, reduction=reduction, zero_infinity=zero_infinity)
        want_loss, want_grad = _torch_ctc(torch, lp, targets, il, tl, **kw)
        go = np.ones(len(il)) if reduction == "none" else 1.0
        loss, grad = F.ctc_loss_with_grad(lp, targets, il, tl, grad_output=go, **kw)
        _close(loss, want_loss, dtype)
        _close(grad, want_grad, dtype)
        np.testing.assert_array_equal(np.isnan(grad), np.isnan(want_grad))
        _close(F.ctc_loss(lp, targets, il, tl, **kw), want_loss, dtype)


def test_matches_torch_at_training_sizes(rng, dtype):
    torch = pytest.importorskip("torch")
    T, N, C, S = 150, 16, 40, 30
    lp = _log_softmax(rng.normal(size=(T, N, C))).astype(dtype)
    targets = rng.integers(1, C, (N, S))
    il, tl = rng.integers(60, T + 1, N), rng.integers(1, S + 1, N)
    for reduction in REDUCTIONS:
        want_loss, want_grad = _torch_ctc(torch, lp, targets, il, tl, reduction=reduction)
        go = np.ones(N) if reduction == "none" else 1.0
        loss, grad = F.ctc_loss_with_grad(lp, targets, il, tl, reduction=reduction,
                                          grad_output=go)
        # torch's float32 recursions round in float32: its gradient is ~2e-4 off the float64
        # one here (exp(lcab + nll - lp) with nll ~ 300); actloss's stays within 1e-7
        tol = dict(rtol=1e-5, atol=1e-3) if dtype == np.float32 else dict(rtol=1e-10,
                                                                            atol=1e-12)
        np.testing.assert_allclose(loss, want_loss, **tol)
        np.testing.assert_allclose(grad, want_grad, **tol)
        if dtype == np.float32:
            exact = F.ctc_loss_backward(go, lp.astype(np.float64), targets, il, tl,
                                        reduction=reduction)
            np.testing.assert_allclose(grad, exact, rtol=0, atol=1e-6)


def test_empty_targets_match_torch():
    torch = pytest.importorskip("torch")
    lp = np.log(np.full((3, 2, 4), 0.25))
    want = torch.nn.functional.ctc_loss(torch.tensor(lp), torch.zeros((2, 0), dtype=torch.long),
                                        [3, 2], [0, 0], reduction="none").numpy()
    np.testing.assert_allclose(want, 3 * np.log(4) * np.array([1, 2 / 3]), rtol=1e-15)
    for t in (np.zeros((2, 0), np.int64), np.zeros(0, np.int64), []):
        np.testing.assert_allclose(F.ctc_loss(lp, t, [3, 2], [0, 0], reduction="none"), want,
                                   rtol=1e-15)
        g = F.ctc_loss_backward(np.ones(2), lp, t, [3, 2], [0, 0], reduction="none")
        np.testing.assert_allclose(g[:, :, 0], [[-0.75, -0.75]] * 2 + [[-0.75, 0]], rtol=1e-15)


def test_unbatched_matches_torch(rng):
    torch = pytest.importorskip("torch")
    lp, targets, il, tl = _case(rng)
    x = torch.tensor(lp[:, 0], requires_grad=True)
    for reduction in REDUCTIONS:
        want = torch.nn.functional.ctc_loss(x, torch.tensor(targets[:1]), (int(il[0]),),
                                            (int(tl[0]),), reduction=reduction)
        (g,) = torch.autograd.grad(want, x)
        got, grad = F.ctc_loss_with_grad(lp[:, 0], targets[:1], (il[0],), (tl[0],),
                                          reduction=reduction)
        assert np.shape(got) == tuple(want.shape) == ()
        np.testing.assert_allclose(got, want.item(), rtol=1e-12)
        np.testing.assert_allclose(grad, g.numpy(), rtol=1e-10, atol=1e-13)


def test_nn_matches_torch_module_signature():
    torch = pytest.importorskip("torch")
    import inspect
    theirs = [(p.name, p.default) for p in
              inspect.signature(torch.nn.CTCLoss.__init__).parameters.values()
              if p.name != "self"]
    ours = [(p.name, p.default) for p in inspect.signature(nn.CTCLoss.__init__).parameters.values()
            if p.name != "self"]
    assert ours == theirs
    theirs = list(inspect.signature(torch.nn.functional.ctc_loss).parameters)
    assert list(inspect.signature(F.ctc_loss).parameters) == theirs
