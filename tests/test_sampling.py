"""actloss.sampling: every promise of BalancedBatchSampler and class_weights."""
import math

import numpy as np
import pytest

import actloss as F
from actloss.sampling import BalancedBatchSampler, class_weights


def _labels(counts, rng=None):
    """Integer labels with the given class counts, in a shuffled order when rng is given."""
    y = np.repeat(np.arange(len(counts)), counts)
    return y if rng is None else rng.permutation(y)


def _uses(batches, n):
    """How many times each of range(n) appears in the batches."""
    return np.bincount(np.concatenate(batches), minlength=n)


# ---- balanced phase -------------------------------------------------------------------------

@pytest.mark.parametrize("counts,batch_size", [((50, 7, 3), 6), ((40, 40), 8), ((13, 1), 2),
                                               ((100, 10, 1, 25), 12), ((9,), 4)])
def test_sampler_equal_counts_per_class_in_every_batch(rng, counts, batch_size):
    y = _labels(counts, rng)
    s = BalancedBatchSampler(y, batch_size, seed=1)
    q = batch_size // len(counts)
    assert s.samples_per_class == q
    batches = list(s)
    assert len(batches) == len(s) == math.ceil(max(counts) / q)
    for b in batches:
        assert b.shape == (batch_size,) and b.dtype == np.intp
        assert np.bincount(y[b], minlength=len(counts)).tolist() == [q] * len(counts)


@pytest.mark.parametrize("counts,batch_size", [((48, 5, 2), 12), ((50, 5, 2), 12)])
def test_sampler_largest_class_used_once_per_epoch(rng, counts, batch_size):
    # 48 is a multiple of q = 4: every sample of the largest class exactly once; with 50 the
    # last batch wraps around and reuses exactly ceil(50/4)*4 - 50 = 2 of its samples.
    y = _labels(counts, rng)
    s = BalancedBatchSampler(y, batch_size, seed=3)
    q = s.samples_per_class
    big = np.flatnonzero(y == 0)
    for _ in range(3):  # every epoch
        uses = _uses(list(s), len(y))[big]
        extra = s.n_balanced_batches * q - counts[0]
        assert uses.min() == 1
        assert uses.sum() == counts[0] + extra
        assert (uses == 2).sum() == extra and uses.max() <= 2
    assert counts[0] % q != 0 or extra == 0


def test_sampler_small_classes_wrap_around(rng):
    counts = (60, 7, 2)
    y = _labels(counts, rng)
    s = BalancedBatchSampler(y, 15, seed=0)  # q = 5, 12 batches, 60 draws per class
    q = 5
    batches = s.balanced_batches(0)
    assert len(batches) == 12
    uses = _uses(batches, len(y))
    for c, n in enumerate(counts):
        members = [b[y[b] == c] for b in batches]
        u = uses[y == c]
        # cycled 60 / n times: every sample floor or ceil of that
        assert u.sum() == 60 and set(u.tolist()) <= {60 // n, -(-60 // n)}, (c, u)
        # one circular buffer read in order: the first n draws are a permutation of the class
        flat = np.concatenate(members[:n // q]) if n >= q else np.array([], np.intp)
        assert np.unique(flat).size == flat.size
        covered = np.concatenate(members[:-(-n // q)])
        assert set(covered.tolist()) == set(np.flatnonzero(y == c).tolist())
        # and a sample repeats within a batch only when its class has fewer than q samples
        for m in members:
            assert np.unique(m).size == min(q, n)
    # the buffer restarts at the same point: class 1 (n = 7) batch k and batch k + 7 match
    m1 = [set(b[y[b] == 1].tolist()) for b in batches]
    assert all(m1[k] == m1[k + 7] for k in range(12 - 7))


def test_sampler_class_smaller_than_quota_repeats_inside_a_batch():
    y = np.array([0] * 10 + [1])
    s = BalancedBatchSampler(y, 8, seed=0)  # q = 4 > 1 sample of class 1
    for b in s:
        assert (y[b] == 1).sum() == 4 and set(b[y[b] == 1].tolist()) == {10}


def test_sampler_shuffle_false_is_ordered_and_repeatable():
    y = np.array([1, 0, 1, 0, 0, 0, 2, 0])
    s = BalancedBatchSampler(y, 3, shuffle=False, final_phase_batches=2)
    first, second = list(s), list(s)
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    # grouped by class, each buffer in index order, wrapping
    assert [b.tolist() for b in first[:5]] == [[1, 0, 6], [3, 2, 6], [4, 0, 6], [5, 2, 6],
                                               [7, 0, 6]]
    assert [b.tolist() for b in first[5:]] == [[0, 1, 2], [3, 4, 5]]


# ---- seeds and epochs -----------------------------------------------------------------------

def _epochs(sampler, n):
    return [[b.tolist() for b in sampler] for _ in range(n)]


def test_sampler_same_seed_same_epochs(rng):
    y = _labels((30, 9, 4), rng)
    a = _epochs(BalancedBatchSampler(y, 6, seed=7, final_phase_batches=3), 3)
    b = _epochs(BalancedBatchSampler(y, 6, seed=7, final_phase_batches=3), 3)
    assert a == b
    c = _epochs(BalancedBatchSampler(y, 6, seed=8, final_phase_batches=3), 3)
    assert a != c


def test_sampler_reshuffles_every_epoch_and_set_epoch_replays(rng):
    y = _labels((30, 9, 4), rng)
    s = BalancedBatchSampler(y, 6, seed=7)
    e0, e1, e2 = _epochs(s, 3)
    assert e0 != e1 and e1 != e2 and e0 != e2
    assert s.epoch == 3
    s.set_epoch(1)
    assert [b.tolist() for b in s] == e1
    assert [b.tolist() for b in s] == e2
    # the same epoch of a fresh sampler, and the side-effect-free accessor
    fresh = BalancedBatchSampler(y, 6, seed=7)
    assert [b.tolist() for b in fresh.epoch_batches(2)] == e2
    assert fresh.epoch == 0


def test_sampler_seed_none_still_varies_and_replays(rng):
    y = _labels((20, 5), rng)
    s = BalancedBatchSampler(y, 4)
    e0, e1 = _epochs(s, 2)
    assert e0 != e1
    s.set_epoch(0)
    assert [b.tolist() for b in s] == e0


def test_sampler_batches_are_not_grouped_by_class_when_shuffled(rng):
    y = _labels((200, 200), rng)
    s = BalancedBatchSampler(y, 20, seed=0)
    grouped = sum(np.array_equal(np.sort(y[b]), y[b]) for b in s)
    assert grouped < len(s) // 2


# ---- final phase ----------------------------------------------------------------------------

def test_sampler_final_phase_follows_real_frequencies():
    counts = np.array([900, 90, 10])
    y = _labels(counts, np.random.default_rng(0))
    s = BalancedBatchSampler(y, 30, seed=11, final_phase_batches=200)
    batches = list(s)
    assert len(batches) == len(s) == s.n_balanced_batches + 200 == 90 + 200
    final = np.concatenate(batches[s.n_balanced_batches:])
    assert final.size == 200 * 30
    freq = np.bincount(y[final], minlength=3) / final.size
    # 6000 draws = 6 full permutations of the 1000 samples: the frequencies are exact
    np.testing.assert_allclose(freq, counts / counts.sum(), atol=1e-12)
    # per batch, the counts fluctuate around the expectation (no balancing)
    per_batch = np.array([np.bincount(y[b], minlength=3) for b in batches[90:]])
    assert per_batch[:, 0].mean() == pytest.approx(27.0, abs=0.5)
    assert (per_batch[:, 2] == 0).mean() > 0.5   # most batches hold no minority sample
    # inside one permutation, no index repeats
    first = np.concatenate(batches[90:90 + 33])
    assert np.unique(first).size == first.size


def test_sampler_final_phase_partial_permutation_statistics():
    counts = np.array([800, 150, 50])
    y = _labels(counts, np.random.default_rng(1))
    s = BalancedBatchSampler(y, 30, seed=5)
    b = s.final_phase(20)  # 600 of the 1000 indices: a sample without replacement
    freq = np.bincount(y[np.concatenate(b)], minlength=3) / 600
    # hypergeometric standard deviations are below 0.011; 4 of them
    np.testing.assert_allclose(freq, counts / 1000, atol=0.045)
    assert s.epoch == 0 and len(s.final_phase()) == 0


def test_sampler_final_phase_is_seeded():
    y = _labels((40, 4), np.random.default_rng(2))
    a = BalancedBatchSampler(y, 4, seed=3).final_phase(5, epoch=2)
    b = BalancedBatchSampler(y, 4, seed=3).final_phase(5, epoch=2)
    c = BalancedBatchSampler(y, 4, seed=3).final_phase(5, epoch=1)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not all(np.array_equal(u, v) for u, v in zip(a, c))


def test_sampler_final_phase_once_at_the_end_of_training():
    """final_phase_at="end" (the lecture's recipe): balanced epochs, then one phase at the
    real frequencies -- appended to the last epoch with n_epochs, else drawn after the loop."""
    counts = np.array([300, 30, 6])
    y = _labels(counts, np.random.default_rng(4))
    s = BalancedBatchSampler(y, 6, seed=2, final_phase_batches=56, final_phase_at="end",
                             n_epochs=3)
    every = BalancedBatchSampler(y, 6, seed=2, final_phase_batches=56)
    epochs = []
    for epoch in range(3):
        assert len(s) == 150 + (56 if epoch == 2 else 0)
        epochs.append(list(s))
        assert len(epochs[-1]) == 150 + (56 if epoch == 2 else 0)
    # the balanced batches are those of the per-epoch sampler; its last phase is the same draw
    for epoch, batches in enumerate(epochs):
        for a, b in zip(batches, every.epoch_batches(epoch)):
            np.testing.assert_array_equal(a, b)
    assert all(np.array_equal(a, b) for a, b in zip(epochs[2][150:], s.final_phase(epoch=2)))
    final = np.concatenate(epochs[2][150:])
    # 336 draws = one full permutation of the 336 samples: exactly the real frequencies
    np.testing.assert_array_equal(np.bincount(y[final], minlength=3), counts)
    assert all((np.bincount(y[b], minlength=3) == 2).all() for e in epochs for b in e[:150])
    assert len(s.epoch_batches(1)) == 150 and len(s.epoch_batches(2)) == 206
    # without n_epochs: nothing is appended; final_phase() after the loop draws it once
    t = BalancedBatchSampler(y, 6, seed=2, final_phase_batches=56, final_phase_at="end")
    assert [len(list(t)) for _ in range(3)] == [150, 150, 150]
    after = t.final_phase()
    assert len(after) == 56 and t.epoch == 3
    np.testing.assert_array_equal(np.bincount(y[np.concatenate(after)], minlength=3), counts)
    assert "at the end (3 epochs)" in repr(s)


# ---- labels ---------------------------------------------------------------------------------

def test_sampler_hashable_labels():
    y = ["dog", "cat", "dog", "eel", "dog", "cat"]
    s = BalancedBatchSampler(y, 3, seed=0)
    assert s.classes_.tolist() == ["cat", "dog", "eel"]
    assert s.class_counts_.tolist() == [2, 3, 1]
    arr = np.array(y)
    for b in s:
        assert sorted(arr[b]) == ["cat", "dog", "eel"]
    t = BalancedBatchSampler([(1, "a"), (0, "b"), (1, "a"), (0, "b")], 2, seed=0)
    assert t.classes_.tolist() == [(0, "b"), (1, "a")]
    mixed = BalancedBatchSampler([1, "x", 1, None], 3, seed=0)  # not comparable: first seen
    assert mixed.classes_.tolist() == [1, "x", None]


def test_sampler_integer_labels_any_values():
    y = np.array([-5, 100, 100, -5, 7, 100], dtype=np.int8)
    s = BalancedBatchSampler(y, 3, seed=0)
    assert s.classes_.tolist() == [-5, 7, 100] and s.class_counts_.tolist() == [2, 1, 3]
    assert len(s) == 3


# ---- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("labels,batch_size,kw,exc,match", [
    ([], 2, {}, ValueError, "labels is empty"),
    (np.zeros((2, 2), int), 2, {}, ValueError, "1-D"),
    ([0, 1, 2], 2, {}, ValueError, "at least the number of classes"),
    ([0, 1, 2], 4, {}, ValueError, "multiple of the number of classes"),
    ([0, 1], 0, {}, ValueError, "batch_size must be >= 1"),
    ([0, 1], 2.0, {}, TypeError, "batch_size must be an integer"),
    ([0, 1], True, {}, TypeError, "batch_size must be an integer"),
    ([0, 1], 2, {"final_phase_batches": -1}, ValueError, "final_phase_batches must be >= 0"),
    ([0, 1], 2, {"seed": -1}, ValueError, "seed must be >= 0"),
    ([0, 1], 2, {"final_phase_at": "start"}, ValueError, "final_phase_at must be"),
    ([0, 1], 2, {"n_epochs": 3}, ValueError, "needs final_phase_at='end'"),
    ([0, 1], 2, {"n_epochs": 0, "final_phase_at": "end"}, ValueError, "n_epochs must be >= 1"),
    ([0, 1], 2, {"n_epochs": 2.0, "final_phase_at": "end"}, TypeError,
     "n_epochs must be an integer"),
    ([0, 1], 2, {"seed": 1.5}, TypeError, "seed must be an integer"),
    ([0, 1], 2, {"shuffle": "yes"}, TypeError, "shuffle must be a bool"),
    ([0.0, np.nan], 2, {}, ValueError, "NaN"),
    ([[0], [1]], 2, {}, TypeError, "hashable"),
])
def test_sampler_errors(labels, batch_size, kw, exc, match):
    with pytest.raises(exc, match=match):
        BalancedBatchSampler(labels, batch_size, **kw)


def test_sampler_set_epoch_errors():
    s = BalancedBatchSampler([0, 1], 2)
    with pytest.raises(ValueError, match="epoch must be >= 0"):
        s.set_epoch(-1)
    with pytest.raises(TypeError, match="epoch must be an integer"):
        s.set_epoch("1")
    with pytest.raises(ValueError, match="n_batches must be >= 0"):
        s.final_phase(-2)


# ---- class_weights --------------------------------------------------------------------------

Y = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 2])  # counts 6, 3, 1; n = 10


def test_class_weights_inverse():
    np.testing.assert_allclose(class_weights(Y, "inverse"), [1 / 6, 1 / 3, 1.0], rtol=1e-15)


def test_class_weights_balanced_is_sklearns():
    # n / (K n_c) = 10 / 18, 10 / 9, 10 / 3
    w = class_weights(Y, "balanced")
    np.testing.assert_allclose(w, [10 / 18, 10 / 9, 10 / 3], rtol=1e-15)
    assert class_weights(Y).tolist() == w.tolist()  # the default
    # every sample weighs 1 on average
    assert w[Y].mean() == pytest.approx(1.0, rel=1e-15)


def test_class_weights_effective_number():
    beta = 0.9
    raw = [(1 - beta) / (1 - beta ** 6), (1 - beta) / (1 - beta ** 3), (1 - beta) / (1 - beta)]
    expected = np.array(raw) * 3 / sum(raw)
    w = class_weights(Y, "effective", beta=beta)
    np.testing.assert_allclose(w, expected, rtol=1e-14)
    assert w.sum() == pytest.approx(3.0, rel=1e-15)
    # beta = 0: equal weights; beta -> 1: proportional to 1/n_c
    np.testing.assert_array_equal(class_weights(Y, "effective", beta=0.0), [1.0, 1.0, 1.0])
    near_one = class_weights(Y, "effective", beta=1 - 1e-9)
    inv = np.array([1 / 6, 1 / 3, 1.0])
    np.testing.assert_allclose(near_one, inv * 3 / inv.sum(), rtol=1e-6)
    # large counts: no cancellation (1 - beta**n computed as -expm1(n log beta))
    big = class_weights(np.repeat([0, 1], [10 ** 6, 10]), "effective", beta=0.999999)
    e = [-math.expm1(10 ** 6 * math.log(0.999999)), -math.expm1(10 * math.log(0.999999))]
    raw = [(1 - 0.999999) / x for x in e]
    np.testing.assert_allclose(big, np.array(raw) * 2 / sum(raw), rtol=1e-9)


def test_class_weights_zero_count_class_gets_zero():
    y = np.array([0, 0, 0, 2])  # class 1 absent, class 3 beyond the labels
    w = class_weights(y, "balanced", n_classes=4)
    np.testing.assert_allclose(w, [4 / 6, 0.0, 4 / 2, 0.0], rtol=1e-15)
    assert class_weights(y, "inverse", n_classes=4).tolist() == [1 / 3, 0.0, 1.0, 0.0]
    eff = class_weights(y, "effective", n_classes=4, beta=0.5)
    assert eff[1] == eff[3] == 0.0 and eff.sum() == pytest.approx(2.0)


def test_class_weights_shape_dtype_ignore_index():
    y = np.array([[0, 1], [-100, 1]], dtype=np.int16)
    w = class_weights(y, "inverse", dtype=np.float32)
    assert w.dtype == np.float32 and w.shape == (2,)
    np.testing.assert_allclose(w, [1.0, 0.5])
    assert class_weights([0, 1, 1], n_classes=5).shape == (5,)
    np.testing.assert_allclose(class_weights([0, 1, 1, 7], "inverse", ignore_index=7),
                               [1.0, 0.5])


@pytest.mark.parametrize("scheme", ["inverse", "balanced", "effective"])
def test_class_weights_cross_entropy_mean_scale_invariant(rng, scheme):
    y = _labels((40, 8, 2), rng)
    logits = rng.standard_normal((y.size, 3))
    w = class_weights(y, scheme)
    base = F.cross_entropy(logits, y, weight=w)
    for c in (1e-3, 7.0, 1e4):
        assert F.cross_entropy(logits, y, weight=c * w) == pytest.approx(base, rel=1e-12)
    # and it is the weighted mean it claims to be
    lse = np.log(np.exp(logits).sum(1))
    rows = lse - logits[np.arange(y.size), y]
    assert base == pytest.approx((w[y] * rows).sum() / w[y].sum(), rel=1e-12)


def test_class_weights_balanced_make_every_class_weigh_the_same():
    y = _labels((70, 20, 10))
    w = class_weights(y, "balanced")
    totals = np.bincount(y, weights=w[y])
    np.testing.assert_allclose(totals, totals[0], rtol=1e-14)


@pytest.mark.parametrize("args,kw,exc,match", [
    ((Y, "sqrt"), {}, ValueError, "scheme must be"),
    (([{0}, {1}],), {}, TypeError, "hashable"),  # float labels are classes, as the sampler's
    (([],), {}, ValueError, "no class index"),
    ((np.array([], int),), {}, ValueError, "no class index"),
    (([-100, -100],), {}, ValueError, "no class index"),
    (([0, -1],), {}, ValueError, "class indices >= 0"),
    (([0, 3],), {"n_classes": 3}, ValueError, "< n_classes"),
    (([0],), {"n_classes": 0}, ValueError, "n_classes must be >= 1"),
    ((Y, "effective"), {"beta": 1.0}, ValueError, r"beta must be in \[0, 1\)"),
    ((Y, "effective"), {"beta": -0.1}, ValueError, r"beta must be in \[0, 1\)"),
    ((Y, "effective"), {"beta": "0.9"}, TypeError, "beta must be a real"),
    ((Y,), {"dtype": np.int32}, TypeError, "floating dtype"),
])
def test_class_weights_errors(args, kw, exc, match):
    with pytest.raises(exc, match=match):
        class_weights(*args, **kw)
