"""What a hostile caller finds (issue 13): infinities through reductions, the caller's NumPy FP
state, limits of the arguments."""
import inspect
import warnings

import numpy as np
import pytest

import actloss as F
from actloss import _threads as _thread_rules

POINTWISE_SUMS = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [4096, 4097, 100_000])
@pytest.mark.parametrize("name", POINTWISE_SUMS)
def test_infinite_term_sums_to_inf(name, n, dtype):
    """An infinite term makes the sum inf (torch's), past one chunk of the compensated sum too
    (its compensation turned inf - inf into NaN)."""
    x = np.zeros(n, dtype)
    x[-1] = np.inf
    t = np.zeros_like(x)
    for reduction in ("sum", "mean"):
        r = getattr(F, name)(x, t, reduction=reduction)
        assert r == np.inf and r.dtype == dtype
    x[0] = -np.inf  # inf - inf terms: the loss terms are |x|, x^2: still +inf
    assert getattr(F, name)(x, t, reduction="sum") == np.inf


def test_overflowing_sum_is_inf():
    x = np.full(8192, 1e154)  # each term 1e308, the sum past the float64 range
    assert F.mse_loss(x, np.zeros_like(x), reduction="sum") == np.inf
    assert F.mse_loss(x, np.zeros_like(x)) == np.inf


def test_bce_with_logits_infinite_term():
    x = np.zeros(10_000, np.float32)
    x[-1] = -np.inf
    assert F.binary_cross_entropy_with_logits(x, np.ones_like(x), reduction="sum") == np.inf


def _public_functions():
    for name in F.__all__:
        f = getattr(F, name)
        if callable(f) and not inspect.isclass(f) and inspect.isfunction(f):
            yield name, f


X16 = np.array([-65504, -70, -5, -1e-4, -6e-8, 0, 6e-8, 1e-4, 0.5, 5, 70, 65504], np.float16)
X32 = np.array([-1e30, -100, -1, 0, 1e-30, 1, 100, 1e30, 3e38], np.float32)


def _calls(f, name):
    """The argument lists a caller might try: (x), (x, zeros), (x, -x), (x, ones) -- for a
    backward, grad_output first. Calls that the function rejects are skipped by the caller."""
    for x in (X16, X32):
        if name.endswith("_backward"):
            yield (np.ones_like(x), x)
            yield (np.ones_like(x), x, np.zeros_like(x))
        else:
            yield (x,)
            yield (x, np.zeros_like(x))
            yield (x, -x)
            yield (x, np.ones_like(x))


@pytest.mark.parametrize("setting", ["raise", "warn"])
def test_callers_fp_state_does_not_leak_in(setting):
    """Under np.seterr(all="raise") or "warn", no function raises FloatingPointError or warns
    for its own narrowing casts (float32 results to float16, a float64 sum beyond float32's
    range): those round to inf or 0 as IEEE says, and the results are what they are under
    the default state."""
    leaked = []
    for name, f in _public_functions():
        for args in _calls(f, name):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # softmax's implicit dim
                try:
                    expected = f(*args)
                except Exception:
                    continue
            if not isinstance(expected, (np.ndarray, np.generic, tuple)):
                continue  # not a computation (accuracy(), the setters)
            with np.errstate(all=setting), warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                warnings.simplefilter("error", RuntimeWarning)
                try:
                    got = f(*args)
                except (FloatingPointError, RuntimeWarning) as e:
                    leaked.append(f"{name}: {e}")
                    continue
            _assert_same(expected, got, name)
    assert not leaked, leaked[:10]


def _assert_same(a, b, name):
    if isinstance(a, tuple):
        for p, q in zip(a, b, strict=True):
            _assert_same(p, q, name)
    else:
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=name)


def test_mse_overflow_under_seterr_raise():
    with np.errstate(all="raise"):
        r = F.mse_loss(np.float32([1e30]), np.float32([-1e30]))
    assert r == np.inf and r.dtype == np.float32


# ---- limits of the arguments --------------------------------------------------------------

@pytest.mark.parametrize("bound", ["lower", "upper"])
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_rrelu_rejects_non_finite_bounds(bound, value):
    with pytest.raises(ValueError, match=bound):
        F.rrelu(-np.ones(3, np.float32), training=True, **{bound: value})


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("ignore_index", [2**63, -2**63 - 1])
def test_ignore_index_beyond_int64(name, ignore_index):
    x = np.zeros((3, 4), np.float32)
    with pytest.raises(ValueError, match="ignore_index must fit in int64"):
        getattr(F, name)(x, np.array([0, 1, 2]), ignore_index=ignore_index)


def test_ignore_index_int64_extremes_accepted():
    x = np.zeros((3, 4), np.float32)
    t = np.array([0, 1, 2])
    for ii in (2**63 - 1, -2**63):
        assert F.nll_loss(x, t, ignore_index=ii) == 0.0


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_inplace_on_memmap_returns_the_memmap(tmp_path, dtype):
    m = np.memmap(tmp_path / "x.dat", dtype=dtype, mode="w+", shape=(4,))
    m[:] = [-1, 2, -3, 4]
    for call in (lambda: F.relu(m, inplace=True), lambda: F.leaky_relu(m, 0.5, inplace=True),
                 lambda: F.rrelu(m, training=True, inplace=True)):
        r = call()
        assert r is m and isinstance(r, np.memmap)
    assert m[1] == 2 and m[3] == 4


def test_inplace_byte_swapped_message():
    with pytest.raises(ValueError, match="native byte order.*byte-swapped"):
        F.relu(np.ones(3, ">f4"), inplace=True)


def test_zero_stride_out_rejected():
    x = np.arange(4, dtype=np.float32) - 2
    out = np.lib.stride_tricks.as_strided(np.zeros(1, np.float32), (4,), (0,))
    for call in (lambda: F.relu(x, out=out), lambda: F.softmax(x, dim=0, out=out),
                 lambda: F.relu_backward(x, x, out=out), lambda: F.sigmoid(x, out=out)):
        with pytest.raises(ValueError, match="zero stride"):
            call()


@pytest.mark.parametrize("offset", [0, 1, 500, 10**5, 10**6 - 1])
def test_glu_out_overlapping_input(offset):
    """out= a view of the input's memory, at 2 threads: the result is what a separate out=
    gives (the threads' pieces would otherwise read elements already overwritten)."""
    rng = np.random.default_rng(offset)
    buf = rng.standard_normal(3 * 10**6).astype(np.float32)
    x = buf[:2 * 10**6].reshape(1000, 2000)
    expected = F.glu(x.copy(), dim=0)
    with _threads(2):
        r = F.glu(x, dim=0, out=buf[offset:offset + 10**6].reshape(500, 2000))
    np.testing.assert_array_equal(r, expected)


class _threads:
    """set_num_threads(n) for a block."""
    def __init__(self, n):
        self.n = n

    def __enter__(self):
        # None (the default) unless a count was set: a test after this one sees the default
        explicit = _thread_rules.thread_source()[1] == "set_num_threads"
        self.before = F.get_num_threads() if explicit else None
        F.set_num_threads(self.n)

    def __exit__(self, *exc):
        F.set_num_threads(self.before)


def test_softplus_threshold_decided_in_float32():
    """torch compares beta * x with threshold in the input's precision: at float32 x =
    3.3333335, 3 x is 10.0000005 in double but 10 in float, not above 10, so the formula's
    value is returned (63 ULP from x, which a double comparison returned)."""
    x = np.float32([3.3333335])
    y = F.softplus(x, beta=3, threshold=10)
    exact = np.log1p(np.exp(3 * np.float64(x[0]))) / 3
    assert abs(float(y[0]) - exact) <= np.spacing(np.float32(exact))
    assert F.softplus_backward(np.float32([1.0]), x, beta=3, threshold=10)[0] < 1.0
    x64 = np.float64([10 / 3 + 1e-15])  # float64 keeps deciding in double
    assert F.softplus(x64, beta=3, threshold=10)[0] == x64[0]


def _around(p, dtype, k=3):
    """The k values of dtype on each side of dtype(p), and dtype(p), for p and -p."""
    out = []
    for v in (dtype(p), dtype(-p)):
        lo = hi = v
        out.append(v)
        for _ in range(k):
            lo, hi = np.nextafter(lo, dtype(-np.inf)), np.nextafter(hi, dtype(np.inf))
            out += [lo, hi]
    return np.array(out, dtype)


# Each piecewise function's branch as torch decides it: the parameter converted to the input's
# dtype first, then compared with the input in that dtype (numpy here, in the input's dtype).
_PIECEWISE = {
    "hardshrink": (lambda x, p: F.hardshrink(x, p),
                   lambda x, p: np.where((x >= -p) & (x <= p), 0, x)),
    "softshrink": (lambda x, p: F.softshrink(x, p),
                   lambda x, p: np.where(x > p, x - p, np.where(x < -p, x + p, 0))),
    "threshold": (lambda x, p: F.threshold(x, p, 5.0), lambda x, p: np.where(x > p, x, 5)),
    "hardtanh": (lambda x, p: F.hardtanh(x, -p, 2 * p), lambda x, p: np.clip(x, -p, 2 * p)),
    "hardshrink'": (lambda x, p: F.hardshrink_backward(np.ones_like(x), x, p),
                    lambda x, p: np.where((x >= -p) & (x <= p), 0, 1)),
    "softshrink'": (lambda x, p: F.softshrink_backward(np.ones_like(x), x, p),
                    lambda x, p: np.where((x > p) | (x < -p), 1, 0)),
    "hardtanh'": (lambda x, p: F.hardtanh_backward(np.ones_like(x), x, -p, 2 * p),
                  lambda x, p: np.where((x > -p) & (x < 2 * p), 1, 0)),
    "smooth_l1'": (lambda x, p: F.smooth_l1_loss_backward(
                       np.ones_like(x), x, np.zeros_like(x), reduction="none", beta=p),
                   lambda x, p: np.where(np.abs(x) < p, x / p, np.sign(x))),
    "rrelu(eval)": (lambda x, p: F.rrelu(x, p, 2 * p, training=False),
                    lambda x, p: np.where(x >= 0, x, x * ((p + 2 * p) / 2))),
}


@pytest.mark.parametrize("name", sorted(_PIECEWISE))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("p", [0.1, 0.3, 0.7, 1.1])
def test_piecewise_branch_decided_in_input_precision(name, dtype, p):
    """issue 13: where double(p) and dtype(p) differ, an input equal to dtype(p) or next to
    it takes torch's branch (a comparison in double took the other one: softplus's case)."""
    f, expect = _PIECEWISE[name]
    x = _around(p, dtype)
    pd = dtype(p)
    want = expect(x, pd).astype(dtype)
    got = f(x, p)
    np.testing.assert_allclose(got, want, rtol=2 * np.finfo(dtype).eps, atol=0,
                               err_msg=f"{name} at {p} ({np.dtype(dtype).name})")


@pytest.mark.parametrize("probs", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_infinite_class_weight_gives_inf(probs, reduction):
    """Each class weight multiplies its own positive term: w = inf gives inf (it gave NaN by
    inf * 0 at the row maximum with label smoothing, and with probability targets)."""
    x = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]], np.float32)
    w = np.float32([1.0, np.inf, 1.0])
    t = np.array([[0.5, 0.25, 0.25], [0.2, 0.3, 0.5]], np.float32) if probs else np.array([0, 2])
    r = np.asarray(F.cross_entropy(x, t, weight=w, label_smoothing=0.1, reduction=reduction))
    assert np.all(r == np.inf)


def test_mean_with_no_target_weight_is_nan():
    """"mean" over targets whose weights are all 0 is 0 / 0, NaN (torch's), label smoothing or
    not -- smoothing's own part is finite, and was divided by 0 into inf."""
    x = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]])
    w = np.array([1.0, 0.0, 1.0])
    t = np.array([1, 1])
    for ls in (0.0, 0.2):
        assert np.isnan(F.cross_entropy(x, t, weight=w, label_smoothing=ls))
        assert F.cross_entropy(x, t, weight=w, label_smoothing=ls, reduction="sum") >= 0


def test_infinite_class_weights_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for _ in range(100):
        n, c = rng.integers(1, 6), rng.integers(2, 6)
        x = rng.standard_normal((n, c))
        w = rng.choice([0.0, 1.0, 2.0, np.inf], size=c)
        p = rng.random((n, c))
        p[rng.random((n, c)) < 0.3] = 0
        p /= np.maximum(p.sum(1, keepdims=True), 1e-6)
        for tgt in (rng.integers(0, c, n), p):
            for ls in (0.0, 0.2):
                for reduction in ("mean", "sum", "none"):
                    a = np.asarray(F.cross_entropy(x, tgt, weight=w, reduction=reduction,
                                                   label_smoothing=ls))
                    b = torch.nn.functional.cross_entropy(
                        torch.from_numpy(x), torch.from_numpy(tgt), weight=torch.from_numpy(w),
                        reduction=reduction, label_smoothing=ls).numpy()
                    np.testing.assert_allclose(a, b, rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("temperature", [1e-45, 1e-30, 1e-300])
def test_softmax_tiny_temperature_is_the_argmax_limit(dtype, temperature):
    """As temperature -> 0, softmax(x / T) tends to the one-hot of the argmax (ties share);
    scale * x overflowed the kernel's lanes into inf - inf = NaN."""
    x = np.array([[1, 2, 3, 3], [5, -1, 0, 2]], dtype)
    expected = np.array([[0, 0, 0.5, 0.5], [1, 0, 0, 0]], dtype)
    y = F.softmax(x, dim=1, temperature=temperature)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, expected)
    np.testing.assert_array_equal(F.softmin(x, dim=1, temperature=temperature),
                                  np.array([[1, 0, 0, 0], [0, 1, 0, 0]], dtype))
    ls = F.log_softmax(x, dim=1, temperature=temperature)
    assert ls[1, 0] == 0 and np.allclose(ls[0, 2:], -np.log(2)) and np.all(ls[0, :2] < -1e20)


def test_softmax_huge_logits_small_temperature():
    x = np.array([[1e30, -1e30, 0]], np.float32)
    np.testing.assert_array_equal(F.softmax(x, dim=1, temperature=1e-10), [[1, 0, 0]])


def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


@pytest.mark.slow
@pytest.mark.skipif(not __import__("os").path.exists("/proc/self/statm"), reason="Linux /proc")
def test_rss_flat_over_many_calls():
    """10^5 calls of each function family (forward and gradient) leave the resident set where
    it was after a warm-up (a leak of one small array per call would add ~50 MB)."""
    x = np.random.default_rng(0).standard_normal((8, 16)).astype(np.float32)
    t = np.random.default_rng(1).integers(0, 16, 8)
    families = [
        lambda: (F.gelu(x), F.gelu_backward(x, x)),
        lambda: (F.log_softmax(x, dim=1), F.softmax_backward(x, x, dim=1)),
        lambda: (F.mse_loss(x, x), F.binary_cross_entropy_with_logits_with_grad(x, x)),
        lambda: (F.cross_entropy(x, t), F.cross_entropy_backward(1.0, x, t)),
        lambda: F.triplet_margin_loss(x, x, x),
    ]
    for call in families:
        for _ in range(2000):
            call()
        before = _rss_mb()
        for _ in range(50_000):
            call()
        assert _rss_mb() - before < 2.0


def test_errors_leave_out_untouched():
    """Every argument is checked before the first write into out=, noise= or an inplace input:
    a call that raises leaves the caller's buffers as they were (the losses take no out=; the
    errors they find while computing, such as a class target out of range, concern new arrays
    only)."""
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    calls = [
        (lambda o: F.relu_backward(np.ones((4, 3), np.float32), x, out=o), ValueError),
        (lambda o: F.softmax(x, dim=5, out=o), (ValueError, IndexError)),
        (lambda o: F.log_softmax_backward(np.ones((4, 3), np.float32), x, dim=1, out=o),
         ValueError),
        (lambda o: F.leaky_relu(x, negative_slope="a", out=o), TypeError),
        (lambda o: F.hardtanh(x, min_val=2.0, max_val=1.0, out=o), ValueError),
        (lambda o: F.rrelu(x, lower=0.5, upper=0.1, training=True, out=o), ValueError),
        (lambda o: F.elu(x, alpha=np.ones(2), out=o), TypeError),
        (lambda o: F.gelu(x, approximate="erf", out=o), ValueError),
    ]
    for call, error in calls:
        out = np.full_like(x, 7.0)
        with pytest.raises(error):
            call(out)
        assert np.all(out == 7.0)
    inplace = x.copy()
    with pytest.raises(ValueError):
        F.hardtanh(inplace, min_val=2.0, max_val=1.0, inplace=True)
    np.testing.assert_array_equal(inplace, x)
    noise = np.full_like(x, 7.0)
    with pytest.raises(ValueError):
        F.rrelu(x, lower=0.5, upper=0.1, training=True, noise=noise)
    assert np.all(noise == 7.0)


@pytest.mark.parametrize("beta", [3.0, 0.7])
def test_softplus_float64_beta_tail(beta):
    """float64 softplus with beta != 1 where beta x is far below 0: beta x's rounding error was
    multiplied into the result (512 ULP at beta x = -650); now within 2.5 ULP (normal results)."""
    mpmath = pytest.importorskip("mpmath")
    x = np.linspace(-700 / beta, -1.0, 701)
    y = F.softplus(x, beta=beta)
    with mpmath.workdps(50):
        ref = np.array([float(mpmath.log1p(mpmath.exp(beta * mpmath.mpf(float(v)))) / beta)
                        for v in x])
    assert np.max(np.abs(y - ref) / np.spacing(np.abs(ref))) <= 2.5


def test_glu_backward_large_half_does_not_overflow_early():
    """Found by the long fuzz run: float32 glu_backward's gate gradient gy * a * s (1 - s) with
    a = 3.4e38 was -inf in the float lanes (gy * a formed first) where the value, 1.36e38, is
    finite."""
    x = np.zeros((4, 5, 3), np.float32)
    x[0, 0, 2] = 3.4e38
    gy = np.full((2, 5, 3), -1.6, np.float32)
    g = F.glu_backward(gy, x, 0)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g[2, 0, 2], -1.6 * 3.4e38 * 0.25, rtol=1e-6)
    assert np.all(np.isfinite(g))


@pytest.mark.parametrize("alpha, gamma", [(-1.0, 1.5), (0.25, 2.0), (-1.0, 0.0)])
def test_sigmoid_focal_huge_logits_without_fma(alpha, gamma):
    """Found by the long fuzz run: float64 sigmoid_focal_loss was NaN for |x| past ~1e300 on
    the baseline kernels (no FMA: the exact products split their operands, which overflowed).
    There e^-|x| = 0, so the loss is alpha_t w^gamma w |x| exactly, w = 1 - t for x > 0 and t
    for x < 0 (CI runs this under every ISA level)."""
    x = np.array([1.7e308, 1e300, 3e271, -1.7e308, -1e300])
    t = np.array([0.0, 0.3, 0.5, 0.9, 1.0])
    w = np.where(x > 0, 1.0 - t, t)
    alpha_t = alpha * t + (1.0 - alpha) * (1.0 - t) if alpha >= 0 else np.ones_like(t)
    got = F.sigmoid_focal_loss(x, t, alpha=alpha, gamma=gamma, reduction="none")
    np.testing.assert_allclose(got, alpha_t * w**gamma * (w * np.abs(x)), rtol=1e-15)
    assert np.isfinite(F.sigmoid_focal_loss(x[:2], t[:2], alpha=alpha, gamma=gamma,
                                            reduction="mean"))
