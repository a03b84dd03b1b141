"""gumbel_softmax (issue 15, item 5): seeded reproducibility, the sample against a plain NumPy
float64 formula with the same noise, the straight-through gradient against torch's autograd
with that noise, and the argmax frequencies against softmax(logits) by a chi-square bound
(for ours and for torch's F.gumbel_softmax alike)."""
import warnings

import numpy as np
import pytest

import actloss as F
from actloss import nn

stats = pytest.importorskip("scipy.stats")


def _noise(seed, shape):
    """The Gumbel noise gumbel_softmax draws for an int seed: -log of standard exponentials
    from numpy's default_rng(seed), in float64."""
    return -np.log(np.random.default_rng(seed).standard_exponential(shape))


def _ref_softmax(z, axis):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("dim", [-1, 0, 1])
@pytest.mark.parametrize("tau", [1.0, 0.3, 2.5])
def test_soft_sample_is_the_formula_with_the_seeded_noise(dim, tau, dtype, rng):
    x = rng.standard_normal((4, 5, 3)).astype(dtype)
    x0 = x.copy()
    y = F.gumbel_softmax(x, tau, dim=dim, generator=7)
    assert y.dtype == dtype and y.shape == x.shape
    expected = _ref_softmax((x.astype(np.float64) + _noise(7, x.shape)) / tau, dim)
    np.testing.assert_allclose(y, expected, rtol=1e-6 if dtype == np.float32 else 1e-13,
                               atol=1e-7 if dtype == np.float32 else 1e-15)
    np.testing.assert_array_equal(x, x0)
    # the same seed gives the same sample; a Generator is advanced
    np.testing.assert_array_equal(F.gumbel_softmax(x, tau, dim=dim, generator=7), y)
    g = np.random.default_rng(7)
    a = F.gumbel_softmax(x, tau, dim=dim, generator=g)
    b = F.gumbel_softmax(x, tau, dim=dim, generator=g)
    np.testing.assert_array_equal(a, y)
    assert not np.array_equal(a, b)


def test_hard_is_the_one_hot_of_the_soft_argmax(dtype, rng):
    x = rng.standard_normal((6, 4)).astype(dtype)
    soft = F.gumbel_softmax(x, 0.5, generator=3)
    hard = F.gumbel_softmax(x, 0.5, hard=True, generator=3)
    assert hard.dtype == dtype
    np.testing.assert_array_equal(hard, np.eye(4, dtype=dtype)[soft.argmax(-1)])
    hard0 = F.gumbel_softmax(x, hard=True, dim=0, generator=3)
    assert (hard0.sum(0) == 1).all() and set(np.unique(hard0)) <= {0.0, 1.0}


@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("dim", [-1, 0])
def test_backward_matches_torch_autograd_with_the_same_noise(hard, dim, dtype, rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((5, 6)).astype(dtype)
    gy = rng.standard_normal((5, 6)).astype(dtype)
    tau = 0.7
    tx = torch.tensor(x, requires_grad=True)
    soft = torch.softmax((tx + torch.tensor(_noise(11, x.shape), dtype=tx.dtype)) / tau, dim)
    if hard:
        index = soft.max(dim, keepdim=True)[1]
        one = torch.zeros_like(soft).scatter_(dim, index, 1.0)
        out = one - soft.detach() + soft     # torch's straight-through
    else:
        out = soft
    out.backward(torch.tensor(gy))
    y = F.gumbel_softmax(x, tau, hard, dim=dim, generator=11)
    np.testing.assert_allclose(y, out.detach().numpy(), atol=1e-6)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    # redrawn from the seed, or from the soft sample
    g1 = F.gumbel_softmax_backward(gy, x, tau, hard, dim=dim, generator=11)
    g2 = F.gumbel_softmax_backward(gy, x, tau, hard, dim=dim,
                                   y_soft=F.gumbel_softmax(x, tau, dim=dim, generator=11))
    assert g1.dtype == dtype
    np.testing.assert_allclose(g1, tx.grad.numpy(), atol=tol)
    np.testing.assert_allclose(g2, g1, atol=tol)  # y_soft rounded to the dtype
    # the nn module keeps the soft sample
    m = nn.GumbelSoftmax(tau, hard, dim, generator=11)
    np.testing.assert_array_equal(m(x), y)
    np.testing.assert_array_equal(m.backward(gy), g1)


def _chi_square_p(counts, probs):
    return stats.chisquare(counts, counts.sum() * probs).pvalue


def test_argmax_frequencies_follow_softmax():
    """The Gumbel-max trick: argmax of a sample ~ Categorical(softmax(logits)), any tau.
    200000 draws; the p-value bound 1e-4 fails a correct sampler once in 10^4 runs (fixed
    seed: deterministic here)."""
    logits = np.array([1.0, 0.0, -0.5, 2.0, 0.3])
    p = _ref_softmax(logits, 0)
    n = 200_000
    for tau in (1.0, 0.2):
        y = F.gumbel_softmax(np.broadcast_to(logits, (n, 5)), tau, hard=True, generator=123)
        counts = y.sum(axis=0)
        assert counts.sum() == n
        assert _chi_square_p(counts, p) > 1e-4
    # a wrong distribution is rejected by the same bound
    assert _chi_square_p(counts, _ref_softmax(logits / 2, 0)) < 1e-4


def test_torch_gumbel_softmax_frequencies_follow_softmax_too():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    logits = np.array([1.0, 0.0, -0.5, 2.0, 0.3])
    n = 200_000
    y = torch.nn.functional.gumbel_softmax(torch.tensor(logits).expand(n, 5), hard=True)
    assert _chi_square_p(y.sum(0).numpy(), _ref_softmax(logits, 0)) > 1e-4


def test_shapes_special_values_and_errors(dtype):
    assert F.gumbel_softmax(np.zeros((0, 3), dtype), generator=0).shape == (0, 3)
    assert F.gumbel_softmax(np.zeros((3, 0), dtype), hard=True, generator=0).shape == (3, 0)
    y0 = F.gumbel_softmax(np.array(0.3, dtype), generator=0)
    assert y0.shape == () and y0 == 1.0
    y = F.gumbel_softmax(np.array([[0.0, -np.inf, 1.0], [np.nan, 0.0, 0.0]], dtype),
                         generator=0)
    assert y[0, 1] == 0 and np.isclose(y[0].sum(), 1) and np.isnan(y[1]).all()
    assert F.gumbel_softmax(np.zeros(4, np.float16), generator=0).dtype == np.float16
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match="tau"):
        F.gumbel_softmax(x, 0.0)
    with pytest.raises(ValueError, match="dim"):
        F.gumbel_softmax(x, dim=2)
    with pytest.raises(TypeError, match="hard"):
        F.gumbel_softmax(x, hard=1)
    with pytest.raises(TypeError, match="generator"):
        F.gumbel_softmax(x, generator="seed")
    with pytest.raises(ValueError, match="y_soft"):
        F.gumbel_softmax_backward(x, x, y_soft=np.zeros(3))
    with pytest.raises(ValueError, match="grad_output"):
        F.gumbel_softmax_backward(np.zeros(3), x, generator=0)
    with pytest.warns(UserWarning, match="eps"):
        F.gumbel_softmax(x, eps=1e-5, generator=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.gumbel_softmax(x, generator=0)
