"""actloss.encoding.one_hot (issue 15, item 7) against a plain NumPy reference (np.eye rows)
and torch's F.one_hot where torch is installed."""
import numpy as np
import pytest

from actloss.encoding import one_hot


def _ref(t, n):
    return np.eye(n, dtype=np.int64)[np.asarray(t)]


@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 0, 4), (), (0,)])
@pytest.mark.parametrize("int_dtype", [np.int8, np.uint8, np.int32, np.int64, np.uint64])
def test_one_hot_matches_reference(shape, int_dtype, rng):
    t = rng.integers(0, 4, shape).astype(int_dtype)
    t0 = t.copy()
    y = one_hot(t, 6)
    assert y.dtype == np.int64 and y.shape == shape + (6,)
    np.testing.assert_array_equal(y, _ref(t, 6))
    np.testing.assert_array_equal(t, t0)
    if t.size:
        np.testing.assert_array_equal(one_hot(t), _ref(t, int(t.max()) + 1))


def test_one_hot_strided_input_and_lists():
    t = np.arange(12).reshape(3, 4)[:, ::-2]
    np.testing.assert_array_equal(one_hot(t), _ref(t, 12))
    np.testing.assert_array_equal(one_hot([2, 0]), [[0, 0, 1], [1, 0, 0]])
    assert one_hot(np.zeros((0, 2), int), 0).shape == (0, 2, 0)


def test_one_hot_errors():
    with pytest.raises(ValueError, match="non-negative"):
        one_hot(np.array([0, -1, 2]))
    with pytest.raises(ValueError, match="smaller than num_classes"):
        one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match="empty"):
        one_hot(np.zeros(0, int))
    with pytest.raises(ValueError, match="num_classes"):
        one_hot(np.array([0]), -2)
    with pytest.raises(TypeError, match="tensor"):
        one_hot(np.array([0.0, 1.0]))
    with pytest.raises(TypeError, match="tensor"):
        one_hot(np.array([True, False]))
    with pytest.raises(TypeError, match="num_classes"):
        one_hot(np.array([0]), 2.0)
    with pytest.raises(TypeError, match="num_classes"):
        one_hot(np.array([0]), True)


@pytest.mark.parametrize("shape,num_classes", [((7,), -1), ((2, 3), 5), ((0,), 3), ((), 4),
                                               ((3, 0, 2), 2)])
def test_one_hot_matches_torch(shape, num_classes, rng):
    torch = pytest.importorskip("torch")
    t = rng.integers(0, 2, shape)
    expected = torch.nn.functional.one_hot(torch.tensor(t), num_classes).numpy()
    y = one_hot(t, num_classes)
    assert y.dtype == expected.dtype and y.shape == expected.shape
    np.testing.assert_array_equal(y, expected)
    # torch refuses what one_hot refuses
    for bad, n in [(np.array([-1]), -1), (np.array([3]), 3), (np.zeros(0, np.int64), -1)]:
        with pytest.raises(RuntimeError):
            torch.nn.functional.one_hot(torch.tensor(bad), n)
        with pytest.raises(ValueError):
            one_hot(bad, n)
