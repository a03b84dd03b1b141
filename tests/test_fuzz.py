"""Fuzzing (issue 13): hypothesis draws the calls a hostile caller makes -- every float dtype in
both byte orders, 0-d, empty and multi-dimensional shapes, transposed, reversed, strided,
unaligned, zero-stride (broadcast) and read-only inputs, special values (NaN, +-inf, +-0,
subnormals, the largest floats), every parameter set the op tests use, out= and inplace= -- and
asserts, for each: the float64 reference result (within the op's tolerance), the input
untouched, no FP error or warning leaked under np.errstate(all="raise").

Drawn: every function of actloss.__all__ -- the elementwise activations and their _backward
(opspec.SPECS), prelu, glu, rrelu in training (+ _backward), the softmax family (+ _backward,
output=, out= aliasing), every pointwise loss case of test_pointwise_losses (+ _backward and
every _with_grad there), nll_loss / cross_entropy (+ _backward,
_with_grad), the margin and embedding losses (+ _backward: its contract only, there is no
independent float64 gradient reference for them); the classic losses multiclass_hinge_loss,
brier_score_loss, dice_loss, tversky_loss and the generalized / distance / complete box IoU
losses (+ _backward, _with_grad; the pointwise hinge, squared_hinge, log_cosh and pinball are
TP.CASES), sparsemax, entmax15, entmax_bisect and their losses (+ _backward, _with_grad),
gumbel_softmax (+ _backward) and one_hot; every reduced loss whose result needs only reading its operands,
over views of more than 2^31 elements (stride 0 along the batch; not
info_nce and nt_xent, which compare every pair of the batch). Not drawn: get_num_threads,
set_num_threads, get_accuracy, set_accuracy, accuracy, show_config (process settings and
reports, no numerics), ACTIVATIONS and __version__ (constants). The library bugs found here
are fixed, each with a regression test of its own below.

Every call into actloss goes through _quiet_call, which counts it: the total is printed in
the terminal summary and written to $ACTLOSS_FUZZ_COUNT_FILE after each test.

Profiles (tests/conftest.py): the suite's own (CI: derandomised, 50 examples per test); the long
run before a release, about 10^6 calls:  pytest -m fuzz --hypothesis-profile long tests/test_fuzz.py
"""
import math
import os
import warnings

import numpy as np
import pytest

import actloss as F
import opspec
import reference as R
from conftest import assert_close_tol

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

pytestmark = pytest.mark.fuzz

SPECIAL_VALUES = [math.nan, math.inf, -math.inf, 0.0, -0.0, 5e-324, -5e-324, 1e-45, -1e-45, 6e-8,
                  1e-30, 65504.0, 7e4, 3.4e38, -3.4e38, 1.7e308, -1.7e308, 88.7, -103.9, 20.0]
FLOAT_DTYPES = ["<f2", "<f4", "<f8", ">f2", ">f4", ">f8"]
LAYOUTS = ["contiguous", "transposed", "reversed", "strided", "unaligned", "broadcast",
           "read-only"]


def _layout(base, layout):
    """An array equal to base, laid out as `layout` says."""
    if layout == "transposed" and base.ndim >= 2:
        return base.T.copy().T
    if layout == "reversed" and base.ndim >= 1:
        return np.flip(np.flip(base).copy())
    if layout == "strided" and base.ndim >= 1:
        big = np.zeros(base.shape[:-1] + (2 * base.shape[-1],), base.dtype)
        big[..., ::2] = base
        return big[..., ::2]
    if layout == "unaligned":
        buf = np.zeros(base.nbytes + base.itemsize, np.uint8)
        a = buf[1:1 + base.nbytes].view(base.dtype).reshape(base.shape)
        a[...] = base
        return a
    if layout == "broadcast" and base.size:
        return np.broadcast_to(base.reshape(-1)[:1].reshape((1,) * base.ndim), base.shape)
    if layout == "read-only":
        a = base.copy()
        a.flags.writeable = False
        return a
    return base.copy()


@st.composite
def hostile_arrays(draw, shape=None):
    dtype = np.dtype(draw(st.sampled_from(FLOAT_DTYPES)))
    if shape is None:
        shape = tuple(draw(st.lists(st.integers(0, 5), max_size=3)))
    n = math.prod(shape)
    values = draw(st.lists(st.one_of(st.floats(-30, 30), st.sampled_from(SPECIAL_VALUES),
                                     st.floats(allow_nan=True, allow_infinity=True)),
                           min_size=n, max_size=n))
    with np.errstate(all="ignore"):
        base = np.array(values, np.float64).astype(dtype).reshape(shape)
    return _layout(base, draw(st.sampled_from(LAYOUTS)))


def _snapshot(*arrays):
    return [(a.tobytes(), a.strides) for a in arrays]


CALLS = [0]  # every call into actloss this module makes (through _quiet_call)


class _CallCountReport:
    """A pytest plugin object: the call count in the terminal summary."""

    def pytest_terminal_summary(self, terminalreporter):
        terminalreporter.write_line(f"actloss fuzz: {CALLS[0]} calls into actloss")


@pytest.fixture(autouse=True)
def _count_calls(request):
    """Count the calls (terminal summary line; the running total also goes to the file named
    by ACTLOSS_FUZZ_COUNT_FILE, when set, after every test)."""
    manager = request.config.pluginmanager
    if not manager.has_plugin("actloss-fuzz-count"):
        manager.register(_CallCountReport(), "actloss-fuzz-count")
    yield
    path = os.environ.get("ACTLOSS_FUZZ_COUNT_FILE")
    if path:
        with open(path, "w") as fh:
            fh.write(f"{CALLS[0]}\n")


def _quiet_call(f, *args, **kwargs):
    """f(*args, **kwargs) under np.errstate(all="raise") with warnings as errors (counted)."""
    CALLS[0] += 1
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        return f(*args, **kwargs)


def _native(a):
    return a.astype(a.dtype.newbyteorder("="))


SPECS = [s for s in opspec.SPECS if hasattr(F, s.func)]


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
@given(data=st.data())
def test_fuzz_elementwise(spec, data):
    x = data.draw(hostile_arrays(), label="x")
    params = data.draw(st.sampled_from(spec.params), label="params")
    kwargs = {**spec.fixed, **params}
    f, b = getattr(F, spec.func), getattr(F, spec.func + "_backward")
    xn = _native(x)
    res = xn.dtype
    before = _snapshot(x)

    y = np.asarray(_quiet_call(f, x, **kwargs))
    assert y.dtype == res and y.shape == x.shape
    assert _snapshot(x) == before, "input modified"
    x64 = xn.astype(np.float64)
    with np.errstate(all="ignore"):
        expected = R.forward(spec.name, x64, params, np.float32 if res == np.float16 else res)
    rel, abs_ = spec.tolerance("fwd", res, x64)
    assert_close_tol(y, expected, res, rel, abs_, err_msg=f"{spec.name}{params}")

    gy = np.full(x.shape, -3.0, res)
    g = np.asarray(_quiet_call(b, gy, x, **kwargs))
    assert g.dtype == res and g.shape == x.shape
    assert _snapshot(x) == before, "input modified by the backward"
    ok = ~np.isnan(x64)  # NaN inputs: grad_output passes through some selects (tested apart)
    with np.errstate(all="ignore"):
        dexp = -3.0 * R.derivative(spec.name, x64, params, np.float32 if res == np.float16 else res)
    rel, abs_ = spec.tolerance("bwd", res, x64)
    assert_close_tol(g[ok], dexp[ok], res, rel[ok], 3.0 * abs_[ok], err_msg=f"{spec.name}' {params}")

    # a masked array goes through the op's numpy.ufunc (actloss.ufuncs): the same values where
    # unmasked, the mask kept, the masked elements' data left as numpy.ma leaves it
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=x.size, max_size=x.size),
                              label="mask"), bool).reshape(x.shape)
    # (numpy.ma's rule for 0-d: a scalar, or the float64 constant np.ma.masked)
    ym = _quiet_call(f, np.ma.masked_array(x, mask=mask), **kwargs)
    if x.ndim:
        assert isinstance(ym, np.ma.MaskedArray) and ym.dtype == res and ym.shape == x.shape
    ym = np.ma.asarray(ym)
    np.testing.assert_array_equal(np.ma.getmaskarray(ym), mask)
    np.testing.assert_array_equal(ym.data[~mask], y[~mask], err_msg=f"{spec.name} masked")
    gm = np.ma.asarray(_quiet_call(b, np.ma.masked_array(gy, mask=mask), x, **kwargs))
    np.testing.assert_array_equal(np.ma.getmaskarray(gm), mask)
    np.testing.assert_array_equal(gm.data[~mask], g[~mask], err_msg=f"{spec.name}' masked")
    assert _snapshot(x) == before, "input modified by a masked call"

    # out= the input itself, and inplace=: the same values as a new result
    if x.flags.writeable and x.dtype.isnative:
        z = x.copy()
        np.testing.assert_array_equal(_quiet_call(f, z, out=z, **kwargs), y)
        if spec.inplace:
            z = x.copy()
            r = _quiet_call(f, z, inplace=True, **kwargs)
            assert r is z
            np.testing.assert_array_equal(z, y)


POINTWISE = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "soft_margin_loss"]


@pytest.mark.parametrize("name", POINTWISE)
@given(data=st.data())
def test_fuzz_pointwise_losses(name, data):
    """A documented error or a result: for the reductions, the float64 sum of the per-element
    losses computed in float64 (the kernels reduce in double: a float32 term past 3.4e38 is inf
    in "none" but counts as its value in "mean"), rounded to the result dtype (compared
    loosely: the kernel's compensated sum is more accurate than this one)."""
    x = data.draw(hostile_arrays(), label="input")
    t = data.draw(hostile_arrays(shape=x.shape), label="target")
    reduction = data.draw(st.sampled_from(["none", "mean", "sum"]), label="reduction")
    f = getattr(F, name)
    before = _snapshot(x, t)
    try:
        r = _quiet_call(f, x, t, reduction=reduction)
    except (TypeError, ValueError) as e:  # documented: e.g. mixed dtypes are promoted, not errors
        pytest.fail(f"{name} raised {type(e).__name__}: {e}")
    assert _snapshot(x, t) == before, "inputs modified"
    none = np.asarray(_quiet_call(f, x.astype(np.float64), t.astype(np.float64),
                                  reduction="none"))
    r = np.asarray(r, np.float64)
    if reduction == "none":
        return
    res = np.result_type(_native(x).dtype, _native(t).dtype)
    with np.errstate(all="ignore"):
        try:
            total = math.fsum(none.ravel())
        except (OverflowError, ValueError):  # an infinite term, or a sum past float64's range
            total = float(np.sum(none))
        expect = total if reduction == "sum" else (total / none.size if none.size else math.nan)
        expect = float(res.type(expect))  # the result dtype's rounding: inf past its range
    if math.isnan(expect) or math.isinf(expect):
        assert r == expect or (math.isnan(expect) and math.isnan(r)), (r, expect)
    else:
        assert abs(r - expect) <= 4 * float(np.finfo(res).eps) * max(abs(expect), 1e-30) + \
            float(np.finfo(res).eps) * float(np.max(np.abs(none), initial=0.0)), (r, expect)


# ---- shared by the tests below ---------------------------------------------------------------

import reference_classification as RC  # noqa: E402
import reference_embedding as RE  # noqa: E402
import reference_pointwise as RP  # noqa: E402
import test_classification as TC  # noqa: E402  (its Bounds, check_loss/check_grad, helpers)
import test_embedding_losses as TE  # noqa: E402
import test_pointwise_losses as TP  # noqa: E402  (its CASES, reduction and tolerance rules)
import test_softmax as TS  # noqa: E402  (its check_fwd / check_bwd error bounds)

REDUCTIONS = ["none", "mean", "sum"]
SIGNED = ["<i1", "<i2", "<i4", ">i4", "<i8", ">i8"]
UNSIGNED = ["<u1", "<u2", "<u4", ">u8"]


def _documented(e, *names):
    """A documented error: ValueError/TypeError whose message names one of `names`."""
    assert isinstance(e, (ValueError, TypeError)), repr(e)
    assert any(n in str(e) for n in names), f"{type(e).__name__} names none of {names}: {e}"


def _seeded(data):
    return np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))


@st.composite
def hostile_like(draw, values, pool=None, dtypes=FLOAT_DTYPES, specials=True):
    """values (float64) in a drawn float dtype (either byte order) and layout, up to four
    entries replaced by draws from pool (default: SPECIAL_VALUES and any float)."""
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    v = np.array(values, np.float64)
    if specials and v.size and pool != []:
        elem = st.one_of(st.sampled_from(SPECIAL_VALUES), st.floats()) if pool is None \
            else st.sampled_from(pool)
        for i, val in draw(st.lists(st.tuples(st.integers(0, v.size - 1), elem),
                                    max_size=min(v.size, 4))):
            v.reshape(-1)[i] = val
    with np.errstate(all="ignore"):
        base = v.astype(dtype)
    return _layout(base, draw(st.sampled_from(LAYOUTS)))


def _int_array(draw, values, dtypes):
    t = np.asarray(values, np.int64).astype(np.dtype(draw(st.sampled_from(dtypes))))
    return _layout(t, draw(st.sampled_from(LAYOUTS)))


def _result_dtype(*arrays):
    return np.result_type(*[_native(a).dtype for a in arrays if a is not None])


def _finite_scale(a):
    """max |a| (inf when a holds a non-finite value; 0 when empty)."""
    a = np.asarray(a, np.float64)
    with np.errstate(invalid="ignore"):
        return float(np.max(np.abs(a), initial=0.0)) if not np.isnan(a).any() else math.inf


# ---- softmax family --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@given(data=st.data())
def test_fuzz_softmax_family(name, data):
    """Forward (dim incl. out of range, temperature, dtype=), backward from the input and from
    output=, and out= fresh, the input itself, partly overlapping the input either way,
    read-only or of the wrong dtype."""
    x = data.draw(hostile_arrays(), label="x")
    nd = max(x.ndim, 1)
    dim = data.draw(st.integers(-nd - 1, nd), label="dim")
    T = data.draw(st.sampled_from([1.0, 1.0, 0.5, 3.0, 1e-3, 300.0]), label="temperature")
    dt = data.draw(st.sampled_from([None, None, "float32", "float64"]), label="dtype")
    f, b = getattr(F, name), getattr(F, name + "_backward")
    before = _snapshot(x)
    ok_dim = -nd <= dim < nd
    try:
        y = _quiet_call(f, x, dim, dtype=dt, temperature=T)
    except (ValueError, TypeError) as e:
        assert not ok_dim, f"{name} raised {e!r} for dim {dim}, shape {x.shape}"
        _documented(e, "dim")
        return
    assert ok_dim, f"{name} accepted dim {dim} for shape {x.shape}"
    assert _snapshot(x) == before, "input modified"
    res = np.dtype(dt) if dt else _native(x).dtype
    xr = _native(x).astype(res)
    y = np.asarray(y)
    assert y.dtype == res and y.shape == x.shape, (y.dtype, y.shape)
    with np.errstate(all="ignore"):
        if np.isinf(np.where(np.isfinite(xr), xr, 0).astype(np.float64) / T).any():
            # x / T overflows float64: the reference's inf - inf is NaN, while the kernels
            # shift first and give the limit (1.7e308 at T = 0.5 alone in its row: 1); only
            # the contract above
            return
    TS.check_fwd(name, xr, dim, y, res, T, what="fuzz")

    rng = _seeded(data)
    gy = data.draw(hostile_like(rng.uniform(-2, 2, x.shape), specials=False,
                                dtypes=[res.newbyteorder("<").str, res.newbyteorder(">").str]),
                   label="grad_output")
    g = np.asarray(_quiet_call(b, gy, x, dim, dtype=dt, temperature=T))
    assert _snapshot(x) == before, "input modified by the backward"
    # with dtype= the gradient is computed in that dtype and returned in the input's (torch)
    assert g.dtype == _native(x).dtype and g.shape == x.shape, (g.dtype, g.shape)
    rel, ab = TS.bwd_tol(name, _native(gy), xr, dim, res, T)
    coarse = min(res, g.dtype, key=lambda d: d.itemsize)
    assert_close_tol(g, TS.ref_bwd(name, _native(gy), xr, dim, T), coarse,
                     rel + (coarse != res), ab, err_msg=f"{name}_backward fuzz")
    g2 = np.asarray(_quiet_call(b, gy, dim=dim, output=y, temperature=T))
    TS.check_bwd(name, _native(gy), xr, dim, g2, res, T, what="fuzz, from output=")

    mode = data.draw(st.sampled_from(["fresh", "self", "overlap-ahead", "overlap-behind",
                                      "read-only", "wrong-dtype"]), label="out")
    if mode == "fresh":
        out = np.full(x.shape, 7, res)
        r = _quiet_call(f, x, dim, dtype=dt, temperature=T, out=out)
        assert r is out and TS.bits_equal(out, y)
    elif mode == "self" and x.flags.writeable and x.dtype == res:
        z = x.copy()
        _quiet_call(f, z, dim, temperature=T, out=z)
        assert TS.bits_equal(z, y), "out= the input itself"
    elif mode.startswith("overlap") and x.size >= 2:
        k = data.draw(st.integers(1, x.size - 1), label="shift")
        buf = np.zeros(x.size + k, res)
        xv, ov = (buf[k:], buf[:x.size]) if mode == "overlap-ahead" else (buf[:x.size], buf[k:])
        xv, ov = xv.reshape(x.shape), ov.reshape(x.shape)
        xv[...] = xr
        _quiet_call(f, xv, dim, temperature=T, out=ov)
        assert TS.bits_equal(ov, y), f"out= overlapping the input ({mode}, by {k})"
    elif mode in ("read-only", "wrong-dtype") and x.size:
        out = np.empty(x.shape, np.float32 if res == np.float64 else np.float64)
        if mode == "read-only":
            out = np.empty(x.shape, res)
            out.flags.writeable = False
        with pytest.raises(ValueError) as e:
            _quiet_call(f, x, dim, dtype=dt, temperature=T, out=out)
        _documented(e.value, "out")


# ---- class-index and class-probability losses -------------------------------------------------

@st.composite
def class_problem(draw, probs_allowed):
    """(x, target, weight, ignore_index, probs, bad_target) over (C,), (N, C), (N, C, d)."""
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    kind = draw(st.sampled_from(["C", "NC", "NC", "NCd"]), label="kind")
    C, N, d = draw(st.integers(1, 5)), draw(st.integers(0, 4)), draw(st.integers(0, 3))
    shape = {"C": (C,), "NC": (N, C), "NCd": (N, C, d)}[kind]
    tshape = TC.target_shape(shape)
    x = draw(hostile_arrays(shape=shape), label="input")
    w = None
    if draw(st.booleans(), label="weighted"):
        w = draw(hostile_like(rng.uniform(0.25, 2.0, C), pool=[0.0, 1e-30, 1e30, 5e-324]),
                 label="weight")
    probs = probs_allowed and draw(st.booleans(), label="probs")
    if probs:
        q = TC.make_probs(rng, shape, np.float64) if math.prod(tshape) else np.zeros(shape)
        t = draw(hostile_like(q, pool=[0.0, 1.0, 0.5, 2.0, -1.0, math.nan, 5e-324]),
                 label="target")
        return x, t, w, -100, True, False
    ii = draw(st.sampled_from([-100, -100, 0, C - 1, -1]), label="ignore_index")
    t = rng.integers(0, C, tshape)
    t = np.where(rng.random(tshape) < 0.3, ii, t)
    bad = bool(t.size) and draw(st.sampled_from([False] * 7 + [True]), label="bad target")
    if bad:
        t.reshape(-1)[draw(st.integers(0, t.size - 1))] = draw(
            st.sampled_from([v for v in (C, -2, 127, -100) if v != ii]))
    signed = SIGNED if (t < 0).any() or ii < 0 else SIGNED + UNSIGNED
    t = _int_array(draw, t, signed)
    # after the layout: a broadcast one repeats the first target, which may hide the bad one
    t64 = t.astype(np.int64)
    bad = bool(((t64 != ii) & ((t64 < 0) | (t64 >= C))).any())
    return x, t, w, ii, False, bad


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
@given(data=st.data())
def test_fuzz_class_losses(name, data):
    """cross_entropy (class indices with weight / ignore_index / label_smoothing, and class
    probabilities) and nll_loss: forward, _backward and _with_grad against the float64
    reference (test_classification's error bounds); targets out of range and label_smoothing
    outside [0, 1] are documented errors."""
    ce = name == "cross_entropy"
    x, t, w, ii, probs, bad = data.draw(class_problem(ce), label="problem")
    reduction = data.draw(st.sampled_from(REDUCTIONS), label="reduction")
    kw = {"reduction": reduction}
    ls = 0.0
    if ce:
        ls = data.draw(st.sampled_from([0.0, 0.0, 0.1, 1.0, 1.5, -0.1]), label="label_smoothing")
        kw["label_smoothing"] = ls
    if not probs:
        kw["ignore_index"] = ii
    bad_ls = not 0.0 <= ls <= 1.0
    f, b, fg = getattr(F, name), getattr(F, name + "_backward"), getattr(F, name + "_with_grad")
    arrays = [a for a in (x, t, w) if a is not None]
    before = _snapshot(*arrays)
    try:
        loss = _quiet_call(f, x, t, w, **kw)
    except (ValueError, TypeError) as e:
        assert bad or bad_ls, f"{name} raised {e!r}"
        _documented(e, *(["target"] if bad else []), *(["label_smoothing"] if bad_ls else []))
        return
    assert not (bad or bad_ls), f"{name} accepted a bad target or label_smoothing {ls}"
    assert _snapshot(*arrays) == before, "inputs modified"
    res = _result_dtype(x, w, t if probs else None)
    x64 = RC.as_f64(x)
    w64 = None if w is None else RC.as_f64(w)
    t_ref = RC.as_f64(t) if probs else np.asarray(t).astype(np.int64)
    bounds = TC.Bounds("ce" if ce else "nll", x64, t_ref, w64, ii, ls, dtype=res)
    C = TC.n_classes(x.shape)
    den = bounds.n_rows if probs else TC.denominator(t_ref, w64, ii, C)
    if ce:
        ref = RC.cross_entropy(x64, t_ref, w64, ii, reduction, ls)
    else:
        ref = RC.nll_loss(x64, t_ref, w64, ii, reduction)
    what = f"{name} {x.shape} {reduction} ii={ii} ls={ls} probs={probs} {res}"
    TC.check_loss(loss, ref, res, bounds.loss_tol(reduction, den), reduction, what)

    rng = _seeded(data)
    go = (rng.uniform(-2, 2, bounds.loss_shape).astype(res) if reduction == "none"
          else data.draw(st.sampled_from([0.75, 1.0, -3.0]), label="grad_output"))
    g = _quiet_call(b, go, x, t, w, **kw)
    assert _snapshot(*arrays) == before, "inputs modified by the backward"
    if ce:
        gref = RC.cross_entropy_backward(go, x64, t_ref, w64, ii, reduction, ls)
    else:
        gref = RC.nll_loss_backward(go, x64, t_ref, w64, ii, reduction)
    # a "mean" whose weight total is subnormal: grad_output / total overflows, in the reference
    # and torch (inf - inf: NaN) as in the kernels (+-inf), where the gradient is finite -- a
    # known limit (the weights would have to be rescaled first); the contract only
    # an infinite class weight times a p that underflows in the kernel's precision (float32 for
    # float16/32) but not in the reference's is NaN against inf: the contract only there too
    inf_weight = w64 is not None and np.isinf(w64).any()
    if not (reduction == "mean" and 0 < abs(den) < 1e-300) and not inf_weight:
        TC.check_grad(g, gref, res, bounds.grad_tol(go, reduction, den), what + " backward")
    l2, g2 = _quiet_call(fg, x, t, w, grad_output=go, **kw)
    assert TC.bits_equal(l2, loss) and TC.bits_equal(g2, g), what + " with_grad"
    assert _snapshot(*arrays) == before, "inputs modified by _with_grad"


@pytest.mark.parametrize("shape", [(2, 3), (3,), (2, 3, 1)])
def test_ce_ignored_row_gradient_is_zero_whatever_its_logits(shape):
    """Found by test_fuzz_class_losses: an ignored row holding NaN got a NaN gradient in the
    short-rows path ((C,), (N, C), (N, C, 1)) and 0 in the others; 0 in every layout (what the
    reference and test_classification say; torch gives NaN, 0 * NaN)."""
    x = np.array([[np.nan, 1.0, 2.0], [1.0, 2.0, 3.0]])
    t = np.array([-100, 1])
    if len(shape) == 1:
        x, t = x[0], np.array(-100)
    elif len(shape) == 3:
        x, t = np.ascontiguousarray(x[:, :, None]), t[:, None]
    g = _quiet_call(F.cross_entropy_backward, 1.0, x, t, reduction="sum")
    assert np.all(RC.class_rows(g)[0][0] == 0.0), g


# ---- every pointwise loss (test_pointwise_losses.CASES) ----------------------------------------

# values that replace entries of each argument: a probability input must stay in [0, 1]
# (outside is a documented error, drawn below), a variance >= 0 (negative: an error)
_PROB_POOL = [0.0, 1.0, 5e-324, 1e-30, 1.0 - 2.0 ** -53, 0.5]
_VAR_POOL = [0.0, math.nan, math.inf, 5e-324, 1e-30, 1.7e308, 1e-7]
_WEIGHT_POOL = [0.0, 1e-30, 1e30, 5e-324, 3.0]


def _pool(case, i):
    """Special values for argument i: the input's and the target's (any, NaN and infinities
    included), the variance's, and probabilities'."""
    if case.func == "binary_cross_entropy" and i in (0, 1):
        return _PROB_POOL if i == 0 else [0.0, 1.0, 0.5, 5e-324, 1.0 - 2.0 ** -53]
    if case.func == "gaussian_nll_loss" and i == 2:
        return _VAR_POOL
    return None if i in (0, 1) else []


def _scalar_close(got, ref, mag_sum, dtype, rel, ab, what, n):
    e = float(ref)
    with np.errstate(over="ignore", invalid="ignore"):
        er = float(np.float64(e).astype(dtype))  # the best a result of dtype can be
    if not math.isfinite(er) or not math.isfinite(float(got)):
        assert float(got) == er or (math.isnan(er) and math.isnan(float(got))), \
            f"{what}: got {float(got)!r}, expected {er!r}"
        return
    mag = mag_sum if math.isfinite(mag_sum) else math.inf
    TP.check_value(got, er, mag, dtype, rel, ab, what, n)


@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll_inf_input(full):
    """Found by test_fuzz_pointwise_loss_cases: exp(inf) - t inf is NaN (float64 and torch);
    float32 gave -inf, its exp being clamped to a finite 2^1023 ulp."""
    x, t = np.array([np.inf], np.float32), np.array([1.0], np.float32)
    got = _quiet_call(F.poisson_nll_loss, x, t, True, full, reduction="none")
    assert np.isnan(got).all(), got


@pytest.mark.parametrize("alpha, gamma", [(-1, 1.5), (0.25, 2)])
def test_sigmoid_focal_backward_infinite_input(alpha, gamma):
    """Found by test_fuzz_pointwise_loss_cases: at x = +-inf the modulating term's ce * s (1 - s)
    is inf * 0 (NaN in float64, -inf in float32); its limit is 0, so the gradient is the first
    term's limit, alpha_t q^gamma (s - t) with s = 1 or 0 and q = 1 - p_t."""
    t = 0.6367
    alpha_t = alpha * t + (1 - alpha) * (1 - t) if alpha >= 0 else 1.0
    for dt in (np.float32, np.float64):
        x, tt = np.array([np.inf, -np.inf], dt), np.array([t, t], dt)
        g = _quiet_call(F.sigmoid_focal_loss_backward, np.ones(2, dt), x, tt, alpha, gamma)
        want = [alpha_t * (1 - t) ** gamma * (1 - t), alpha_t * t ** gamma * (-t)]
        np.testing.assert_allclose(g, want, rtol=4 * np.finfo(dt).eps)
    for gamma0 in (0.0,):
        g = _quiet_call(F.sigmoid_focal_loss_backward, np.ones(1), np.array([np.inf]),
                        np.array([t]), alpha, gamma0)
        np.testing.assert_allclose(g, [alpha_t * (1 - t)], rtol=4e-16)


@pytest.mark.parametrize("case", TP.CASES, ids=TP.CASE_IDS)
@given(data=st.data())
def test_fuzz_pointwise_loss_cases(case, data):
    """Every pointwise loss and parameter set of test_pointwise_losses (weights, pos_weight,
    log_target, full, row variances, alpha/gamma ...): its valid inputs with special values
    put in, every dtype, byte order and layout; forward with each reduction and the backward
    (tuple of gradients where more arguments are learned) against the float64 reference with
    that module's error bounds; a bad reduction, probabilities outside [0, 1] and negative
    variances are documented errors."""
    rng = _seeded(data)
    row = (case.func == "multilabel_soft_margin_loss" or "_w" in case.id or "rowvar" in case.id)
    shape = tuple(data.draw(st.lists(st.integers(0, 4), min_size=int(row), max_size=3),
                            label="shape"))
    args, kw = case.make(rng, shape, np.float64)
    args = [data.draw(hostile_like(a, pool=_pool(case, i)), label=f"arg{i}")
            for i, a in enumerate(args)]
    kw = {k: (data.draw(hostile_like(v, pool=_WEIGHT_POOL), label=k)
              if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    arrays = args + [v for v in kw.values() if isinstance(v, np.ndarray)]
    res = _result_dtype(*arrays)
    if "quantile" in kw:  # the ends of [0, 1] too
        kw["quantile"] = data.draw(st.sampled_from([kw["quantile"]] * 3 + [0.0, 1.0]),
                                   label="quantile")
    bad = None
    if data.draw(st.sampled_from([False] * 9 + [True]), label="bad"):
        bad = data.draw(st.sampled_from(["reduction"] + (
            ["input"] if case.func == "binary_cross_entropy" else []) + (
            ["var"] if case.func == "gaussian_nll_loss" else []) + (
            ["quantile"] if "quantile" in kw else [])), label="bad what")
    if bad == "input" and args[0].size:
        a = _native(args[0]).copy()
        a.reshape(-1)[0] = data.draw(st.sampled_from([1.5, -0.25, math.inf, math.nan]))
        args[0] = a
    elif bad == "var" and args[2].size:
        v = _native(args[2]).copy()
        v.reshape(-1)[0] = -1.0
        args[2] = v
    elif bad == "quantile":
        kw["quantile"] = data.draw(st.sampled_from([1.5, -0.1, math.nan, math.inf]),
                                   label="bad quantile")
    elif bad != "reduction":
        bad = None
    reduction = "average" if bad == "reduction" else data.draw(st.sampled_from(REDUCTIONS),
                                                               label="reduction")
    f, b = getattr(F, case.func), getattr(F, case.func + "_backward")
    before = _snapshot(*arrays)
    try:
        got = _quiet_call(f, *args, reduction=reduction, **kw)
    except (ValueError, TypeError) as e:
        assert bad, f"{case.id} raised {e!r}"
        _documented(e, bad)
        return
    assert not bad, f"{case.id} accepted a bad {bad}"
    assert _snapshot(*arrays) == before, "inputs modified"
    kwr = TP.rparams(kw, res)
    with np.errstate(all="ignore"):
        terms = case.terms(args, kwr)
        d = case.divisor(args, kwr) if case.divisor else None
        ref = RP.reduce(terms, reduction, d)
        div = terms.size if d is None else d
        mag = np.nan_to_num(np.abs(np.asarray(case.mag(args, kwr), np.float64)), nan=np.inf)
    rel, ab = TP.tol_for(res)
    what = f"{case.id} {reduction} {res} {shape}"
    # a target past any real one (non-finite, or beyond 1e30): the contract only -- the float64
    # formula's inf - inf and 0 * inf there are not torch's (actloss gives torch's NaN where
    # the formula is -inf, and the formula's NaN where a limit is finite)
    wild = len(args) > 1 and args[1].size and _finite_scale(args[1]) > 1e30
    if reduction == "none":
        assert isinstance(got, np.ndarray) and got.dtype == res, (type(got), got.dtype)
        with np.errstate(all="ignore"):
            if not wild:
                TP.check_array(got, ref, mag, res, rel, ab, what)
    elif wild:
        assert isinstance(got, np.generic) and got.dtype == res, (type(got), got.dtype)
    else:
        assert isinstance(got, np.generic) and got.dtype == res, (type(got), got.dtype)
        with np.errstate(all="ignore"):
            ms = float(np.sum(mag)) * (1.0 if reduction == "sum" else 1.0 / div if div else 1.0)
            _scalar_close(got, ref, ms, res, rel, ab, what, max(np.size(mag), 1))

    go = (rng.uniform(-2, 2, terms.shape).astype(res) if reduction == "none"
          else data.draw(st.sampled_from([1.7, 1.0, -0.5]), label="grad_output"))
    grads = _quiet_call(b, go, *args, reduction=reduction, **kw)
    assert _snapshot(*arrays) == before, "inputs modified by the backward"
    grads = grads if isinstance(grads, tuple) else (grads,)
    assert len(grads) == len(case.learned)
    with np.errstate(all="ignore"):
        gscale = RP.f64(go) if reduction == "none" else \
            np.float64(go) / (div if reduction == "mean" else 1)
        refs, gmags = case.grads(args, kwr), case.gmag(args, kwr)
    for g, ref_g, gm, i in zip(grads, refs, gmags, case.learned):
        arg = args[i]
        assert g.dtype == _native(arg).dtype and g.shape == arg.shape, (i, g.dtype, g.shape)
        if wild:
            continue
        gs = gscale[..., None] if reduction == "none" and terms.shape != ref_g.shape else gscale
        with np.errstate(all="ignore"):
            per = ref_g * gs
            if per.shape != arg.shape:
                # a broadcast argument's gradient sums per-element gradients that the kernels
                # (and torch) hold in the kernel dtype: a term past its range is inf there,
                # and inf - inf is NaN, where the float64 sum of the terms is finite
                kd = np.float64 if res == np.float64 else np.float32
                per = np.where(np.isfinite(per.astype(kd)), per, per.astype(kd))
            gexp = TP.sum_to(per, arg.shape)
            gmag = np.nan_to_num(np.abs(TP.sum_to(np.abs(gm * gs), arg.shape)), nan=np.inf)
            TP.check_array(g, gexp, gmag, g.dtype, rel,
                           TP.ab_summed(ab, arg.shape, ref_g.shape), f"{what} grad {i}")
    if hasattr(F, case.func + "_with_grad"):  # bce with logits, hinge, log_cosh, pinball ...
        loss2, g2 = _quiet_call(getattr(F, case.func + "_with_grad"), *args,
                                reduction=reduction, grad_output=go, **kw)
        assert TP.bits_equal(loss2, got) and TP.bits_equal(g2, grads[0]), what + " with_grad"


# ---- prelu, glu, rrelu in training -----------------------------------------------------------

@given(data=st.data())
def test_fuzz_prelu_glu_rrelu(data):
    """prelu (one slope or one per channel; a wrong weight size is an error), glu (an odd
    dimension is an error) and rrelu(training=True) with a seeded generator and noise=,
    forward and backward against reference.py, inputs untouched."""
    x = data.draw(hostile_arrays(), label="x")
    before = _snapshot(x)
    xn = _native(x)
    res = xn.dtype
    rng = _seeded(data)
    gy = rng.uniform(-2, 2, x.shape).astype(res)
    op = data.draw(st.sampled_from(["prelu", "glu", "rrelu"]), label="op")
    if op == "prelu":
        C = x.shape[1] if x.ndim >= 2 else 1
        n = data.draw(st.sampled_from([1, C, C + 1]), label="weight size")
        w = data.draw(hostile_like(rng.uniform(-0.5, 0.5, n), dtypes=[res.str]), label="weight")
        try:
            y = _quiet_call(F.prelu, x, w)
        except ValueError as e:
            assert n not in (1, C), e
            _documented(e, "weight")
            return
        assert n in (1, C), f"prelu accepted {n} slopes for input {x.shape}"
        assert_close_tol(y, R.prelu(xn, w), res, 2, 0, err_msg="prelu")
        gx, gw = _quiet_call(F.prelu_backward, gy, x, w)
        rgx, rgw = R.prelu_backward(gy, xn, w)
        assert_close_tol(gx, rgx, res, 2, 0, err_msg="prelu grad_input")
        with np.errstate(all="ignore"):
            mag = np.abs(RP.f64(gy) * RP.f64(xn)).sum() * (x.size + 2)
        assert_close_tol(gw, rgw, res, 2, mag if np.isfinite(mag) else np.inf,
                         err_msg="prelu grad_weight")
        assert _snapshot(x, w) == _snapshot(x, w) and _snapshot(x) == before
    elif op == "glu":
        nd = max(x.ndim, 1)
        dim = data.draw(st.integers(-nd, nd - 1), label="dim")
        try:
            y = _quiet_call(F.glu, x, dim)
        except ValueError as e:
            assert x.ndim == 0 or x.shape[dim] % 2, e
            _documented(e, "glu", "dim")
            return
        assert x.ndim and x.shape[dim] % 2 == 0
        assert_close_tol(y, R.glu(xn, dim), res, 8, 0, err_msg="glu")
        half = list(x.shape)
        half[dim] //= 2
        gh = rng.uniform(-2, 2, half).astype(res)
        g = _quiet_call(F.glu_backward, gh, x, dim)
        assert_close_tol(g, R.glu_backward(gh, xn, dim), res, 16, 0, err_msg="glu'")
    else:
        lo, hi = data.draw(st.sampled_from([(1 / 8, 1 / 3), (0.0, 1.0), (0.3, 0.3),
                                            (2.0, 1.0)]), label="bounds")
        noise = np.full(x.shape, np.nan, res)
        seed = data.draw(st.integers(0, 2 ** 32 - 1), label="generator seed")
        try:
            y = _quiet_call(F.rrelu, x, lo, hi, True, generator=np.random.default_rng(seed),
                            noise=noise)
        except ValueError as e:
            assert lo > hi, e
            _documented(e, "lower", "upper")
            return
        assert lo <= hi
        y2 = _quiet_call(F.rrelu, x, lo, hi, True, generator=seed)
        assert TS.bits_equal(y, y2), "the same seed, other slopes"
        n64 = RP.f64(noise)
        with np.errstate(invalid="ignore"):
            neg = RP.f64(xn) <= 0  # torch samples where input <= 0: NaN keeps slope 1
            assert np.all(n64[~neg] == 1)
            # the slopes are stored in noise's dtype: within its rounding of the bounds
            ne = float(np.finfo(noise.dtype).eps)
            assert np.all((n64[neg] >= lo * (1 - ne)) & (n64[neg] <= hi * (1 + ne))), n64
        assert_close_tol(y, R.rrelu_train(xn, noise), res, 2, 0, err_msg="rrelu training")
        g = _quiet_call(F.rrelu_backward, gy, x, lo, hi, True, noise=noise)
        # torch: upper - lower <= 1e-6 is leaky_relu's backward with slope (lower + upper) / 2
        # (NaN takes the slope: not > 0); wider, grad_output * noise
        with np.errstate(invalid="ignore"):
            slope = n64 if hi - lo > 1e-6 else np.where(RP.f64(xn) > 0, 1.0, (lo + hi) / 2)
        assert_close_tol(g, RP.f64(gy) * slope, res, 2, 0, err_msg="rrelu' training")
    assert _snapshot(x) == before, "input modified"


# ---- margin and embedding losses ---------------------------------------------------------------

def _emb_problem(data, name, rng):
    N, D = data.draw(st.integers(0, 4), label="N"), data.draw(st.integers(1, 4), label="D")
    one = data.draw(st.sampled_from([False, False, True]), label="1-d")
    sh = (D,) if one and name in ("multi_margin_loss", "multilabel_margin_loss") else (N, D)
    def emb(label):
        return data.draw(hostile_like(rng.normal(0, 2, sh)), label=label)
    if name == "multi_margin_loss":
        t = rng.integers(0, D, sh[:-1])
        p = data.draw(st.sampled_from([1, 2]), label="p")
        m = data.draw(st.sampled_from([1.0, 0.0, -0.5, 2.5]), label="margin")
        w = data.draw(st.sampled_from([None, rng.uniform(0.25, 2, D)]), label="weight")
        args = (emb("input"), _int_array_np(data, t))
        kw = {"p": p, "margin": m, "weight": w}
        ref = lambda a, k: RE.multi_margin(a[0], a[1], **k)  # noqa: E731
    elif name == "multilabel_margin_loss":
        t = rng.integers(-1, D, sh)
        args, kw = (emb("input"), _int_array_np(data, t)), {}
        ref = lambda a, k: RE.multilabel_margin(a[0], a[1])  # noqa: E731
    elif name == "cosine_embedding_loss":
        args = (emb("input1"), emb("input2"), rng.choice([-1, 1], N))
        kw = {"margin": data.draw(st.sampled_from([0.0, 0.5, -0.5]), label="margin")}
        ref = lambda a, k: RE.cosine_embedding(*a, **k)  # noqa: E731
    elif name == "triplet_margin_loss":
        args = (emb("anchor"), emb("positive"), emb("negative"))
        kw = {"margin": data.draw(st.sampled_from([1.0, 0.5, 2.0]), label="margin"),
              "p": data.draw(st.sampled_from([1, 2, 3]), label="p"),
              "eps": data.draw(st.sampled_from([1e-6, 0.0]), label="eps"),
              "swap": data.draw(st.booleans(), label="swap")}
        ref = lambda a, k: RE.triplet_margin(*a, **k)  # noqa: E731
    elif name == "contrastive_loss":
        args = (emb("x1"), emb("x2"), rng.integers(0, 2, N))
        kw = {"margin": data.draw(st.sampled_from([1.0, 0.0, 2.0]), label="margin"),
              "p": data.draw(st.sampled_from([1, 2]), label="p")}
        ref = lambda a, k: RE.contrastive(*a, **k)  # noqa: E731
    else:
        args = (emb("query"), emb("key"))
        kw = {"temperature": data.draw(st.sampled_from([0.1, 0.5, 1.0]), label="temperature"),
              "symmetric": data.draw(st.booleans(), label="symmetric"),
              "intra_view_negatives": data.draw(st.booleans(), label="intra")}
        if kw["symmetric"] and kw["intra_view_negatives"]:
            ref = lambda a, k: TE._ref_nt_xent_views(*a, temperature=k["temperature"])  # noqa
        else:
            ref = lambda a, k: RE.info_nce(*a, **k)  # noqa: E731
    return args, kw, ref


def _int_array_np(data, t):
    return _int_array(data.draw, t, SIGNED)


EMBEDDING = ["multi_margin_loss", "multilabel_margin_loss", "cosine_embedding_loss",
             "triplet_margin_loss", "contrastive_loss", "info_nce", "nt_xent"]


@pytest.mark.parametrize("name", EMBEDDING)
@given(data=st.data())
def test_fuzz_margin_embedding_losses(name, data):
    """Forward against reference_embedding (finite inputs: within a few eps of the row's
    magnitude; special values: the same NaN positions), and the backward's contract: a tuple of
    gradients of the learned arguments' shapes and dtype, finite where the inputs are,
    inputs untouched, no FP warning."""
    rng = _seeded(data)
    args, kw, ref = _emb_problem(data, name, rng)
    reduction = data.draw(st.sampled_from(REDUCTIONS), label="reduction")
    f, b = getattr(F, name), getattr(F, name + "_backward")
    floats = [a for a in args if a.dtype.kind == "f"]
    res = _result_dtype(*floats, *[v for v in kw.values() if isinstance(v, np.ndarray)])
    before = _snapshot(*args)
    try:
        got = _quiet_call(f, *args, reduction=reduction, **kw)
    except (ValueError, TypeError) as e:
        assert name in ("info_nce", "nt_xent") and args[0].shape[0] == 0, e
        _documented(e, "query", "N", "batch", "empty")
        return
    assert _snapshot(*args) == before, "inputs modified"
    finite_in = all(np.isfinite(RP.f64(a)).all() for a in floats)
    if not finite_in or args[0].size == 0 or \
            max(_finite_scale(a) for a in floats) > min(1e100, float(np.finfo(res).max) / 4):
        # special values, huge values, empty: the contract only (the reference's 0 * inf,
        # its d ** 2 overflow and empty reductions are not torch's; the kernels round a - b +
        # eps in the input's dtype, as torch, where it overflows past that dtype's range)
        return
    a64 = tuple(RP.f64(a) if a.dtype.kind == "f" else np.asarray(a).astype(np.int64) for a in args)
    k64 = {k: (RP.f64(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
    with np.errstate(all="ignore"):
        rows = np.asarray(ref(a64, k64), np.float64)
        if args[0].ndim == 1:  # one sample (C,): a 0-d loss
            rows = rows.reshape(())
        want = RE.reduce(rows, reduction)
        scale = max(_finite_scale(a) for a in floats) if floats else 0.0
        D = args[0].shape[-1]
        mag = np.float64(abs(kw.get("margin", 0)) + 2 * scale + 1) ** kw.get("p", 2) * (D + 8) * 4 \
            * (1 / kw.get("temperature", 1.0)) * (np.size(rows) + 1)
    got = np.asarray(got, np.float64)
    assert got.shape == np.shape(want), (got.shape, np.shape(want))
    with np.errstate(all="ignore"):
        assert_close_tol(got, want, res, 8, mag if np.isfinite(mag) else np.inf,
                         err_msg=f"{name} {reduction}")
    go = rng.uniform(-2, 2, got.shape).astype(res) if reduction == "none" else 1.0
    grads = _quiet_call(b, go, *args, reduction=reduction, **kw)
    assert _snapshot(*args) == before, "inputs modified by the backward"
    grads = grads if isinstance(grads, tuple) else (grads,)
    for g, a in zip(grads, floats):
        assert g.shape == a.shape and g.dtype in (res, _native(a).dtype), (g.shape, g.dtype)
        with np.errstate(all="ignore"):
            norms = [np.linalg.norm(RP.f64(a), axis=-1).min(initial=np.inf) for a in floats]
        if res == np.float64 and scale < 1e3 and min(norms) > 1e-3 and np.isfinite(got).all():
            assert np.isfinite(g).all(), (name, g)


def test_info_nce_subnormal_entry_does_not_leak_fp_state():
    """Found by test_fuzz_embedding_losses: a subnormal entry made the NumPy matmul inside
    info_nce raise FloatingPointError under np.errstate(all="raise")."""
    q = np.array([[0.2515, -0.2642]])
    k = np.array([[5e-324, 0.2098]])
    _quiet_call(F.info_nce, q, k, 0.1, reduction="none")


def test_glu_and_prelu_read_only_inputs():
    """Found by test_fuzz_prelu_glu_rrelu: glu (and its backward's grad_output) refused a
    read-only C-contiguous input with "kernel output must be writeable" (the kernel checked it
    as an output); prelu's weight likewise."""
    x = np.arange(-4, 4, dtype=np.float32).reshape(2, 4)
    w = np.array([0.25], np.float32)
    gy = np.ones((2, 2), np.float32)
    expect = (F.glu(x, 1), F.glu_backward(gy, x, 1), F.prelu(x, w), F.prelu_backward(np.ones_like(x), x, w))
    for a in (x, w, gy):
        a.flags.writeable = False
    got = (F.glu(x, 1), F.glu_backward(gy, x, 1), F.prelu(x, w), F.prelu_backward(np.ones_like(x), x, w))
    for e, g in zip(expect, got):
        for ea, ga in zip(e if isinstance(e, tuple) else (e,), g if isinstance(g, tuple) else (g,)):
            np.testing.assert_array_equal(ga, ea)


# ---- views of more than 2^31 elements, where reading suffices --------------------------------

HUGE_CLASS = ["cross_entropy", "nll_loss", "multi_margin_loss", "multilabel_margin_loss",
              "cosine_embedding_loss", "triplet_margin_loss", "contrastive_loss"]


def _huge(a, n):
    """a (its first axis of length 1: one sample) broadcast to n samples: a stride-0 view."""
    return np.broadcast_to(a, (n,) + a.shape[1:])


def _huge_problem(data, name, rng):
    """(small args, kw, float64 reference of the small problem's "sum" and "mean", the sum of
    the magnitudes its rounding errors scale with): one sample along a first axis of 1."""
    k = data.draw(st.integers(2, 4), label="k")
    dtypes = ["<f4", "<f8", ">f4", ">f8"]

    def draw_f(a, label):
        return data.draw(hostile_like(a, pool=[], dtypes=dtypes), label=label)

    if name in TP.CASE_IDS:
        case = TP.CASES[TP.CASE_IDS.index(name)]
        args, kw = case.make(rng, (1, k), np.float64)
        args = [draw_f(a, f"arg{i}") for i, a in enumerate(args)]
        kw = {n: draw_f(v, n) if isinstance(v, np.ndarray) else v for n, v in kw.items()}
        res = _result_dtype(*args, *[v for v in kw.values() if isinstance(v, np.ndarray)])
        kwr = TP.rparams(kw, res)
        with np.errstate(all="ignore"):
            terms = case.terms(args, kwr)
            d = case.divisor(args, kwr) if case.divisor else None
            want = {"sum": RP.reduce(terms, "sum"), "mean": RP.reduce(terms, "mean", d)}
            mag = float(np.sum(np.abs(np.asarray(case.mag(args, kwr), np.float64))))
        return case.func, args, kw, res, want, mag
    x = draw_f(rng.normal(0, 2, (1, k)), "input")
    res = _native(x).dtype
    if name in ("cross_entropy", "nll_loss"):
        t = _int_array(data.draw, rng.integers(0, k, (1,)), SIGNED)  # (its layouts: one value)
        w = data.draw(st.sampled_from([None, rng.uniform(0.25, 2.0, k)]), label="weight")
        kw = {"weight": w}
        res = res if w is None else _result_dtype(x, w)
        if name == "cross_entropy":
            kw["label_smoothing"] = data.draw(st.sampled_from([0.0, 0.1]), label="smoothing")
        ref = getattr(RC, name)
        want = {r: float(ref(RP.f64(x), t.astype(np.int64), weight=w, reduction=r,
                             **{n: v for n, v in kw.items() if n != "weight"}))
                for r in ("sum", "mean")}
        return name, [x, t], kw, res, want, float(np.sum(np.abs(RP.f64(x)))) + math.log(k) + 1
    if name in ("multi_margin_loss", "multilabel_margin_loss"):
        t = _int_array(data.draw, rng.integers(0, k, (1,)) if name == "multi_margin_loss"
                       else rng.integers(-1, k, (1, k)), SIGNED)
        rows = (RE.multi_margin if name == "multi_margin_loss" else RE.multilabel_margin)(
            RP.f64(x), t.astype(np.int64))
        args, kw = [x, t], {}
    else:
        ys = [x] + [draw_f(rng.normal(0, 2, (1, k)), f"x{i}")
                    for i in range(2 if name == "triplet_margin_loss" else 1)]
        ys64 = [RP.f64(y) for y in ys]
        res = _result_dtype(*ys)
        if name == "triplet_margin_loss":
            args, rows = ys, RE.triplet_margin(*ys64)
        else:
            t = rng.choice([-1, 1] if name == "cosine_embedding_loss" else [0, 1], 1)
            args = ys + [t]
            rows = (RE.cosine_embedding(*ys64, t) if name == "cosine_embedding_loss"
                    else RE.contrastive(*ys64, t))
        kw = {}
    rows = np.asarray(rows, np.float64)
    scale = max(float(np.max(np.abs(RP.f64(a)))) for a in args if a.dtype.kind == "f")
    return name, args, kw, res, {"sum": float(rows.sum()), "mean": float(rows.mean())}, \
        (2 * scale + 2) ** 2 * (k + 8)


@pytest.mark.parametrize("name", [c.id for c in TP.CASES] + HUGE_CLASS)
@given(data=st.data())
def test_fuzz_huge_broadcast_views(name, data):
    """A reduced loss over views of more than 2^31 elements that repeat one sample (stride 0
    along the batch): the float64 reference of one sample, times the batch size for "sum",
    read without copying the view out (no MemoryError, a fraction of a second per call)."""
    rng = _seeded(data)
    func, args, kw, res, want, mag = _huge_problem(data, name, rng)
    n = 2 ** 31 + data.draw(st.integers(1, 9), label="n - 2^31")
    reduction = data.draw(st.sampled_from(["sum", "mean"]), label="reduction")
    huge = [_huge(a, n) if a.ndim and a.shape[0] == 1 else a for a in args]
    hkw = {k_: (_huge(v, n) if isinstance(v, np.ndarray) and v.ndim > 1 else v)
           for k_, v in kw.items()}
    got = _quiet_call(getattr(F, func), *huge, reduction=reduction, **hkw)
    assert isinstance(got, np.generic) and got.dtype == res, (type(got), got.dtype)
    expect = want[reduction] * (n if reduction == "sum" else 1)
    scale = mag * (n if reduction == "sum" else 1)
    e = float(np.finfo(res).eps)
    assert abs(float(got) - expect) <= 4 * e * abs(expect) + 64 * e * scale + 1e-300, \
        (func, reduction, float(got), expect)


def test_glu_float64_value_near_the_largest_double():
    """Found by the long fuzz run: float64 glu(1.7e308 | -2) overflowed to inf (the value times
    e^-2's mantissa, before its power of two) where the result is 2.03e307."""
    x = np.array([1.7e308, -1.7e308, -2.0, -700.0])
    got = F.glu(x, 0)
    want = np.array([1.7e308 / (1 + math.exp(2.0)), -1.7e308 * math.exp(-700.0) / (1 + math.exp(-700.0))])
    np.testing.assert_allclose(got, want, rtol=4e-16)


# ---- the classic losses, sparse maps, Gumbel-softmax and one_hot of issue 15 -------------------

import importlib  # noqa: E402

import reference_classic as RCL  # noqa: E402
import test_classic_losses as TCL  # noqa: E402  (its box pairs _boxes)


def _reference_module(name):
    """A test module holding a float64 reference (test_sparse: the entmax maps by brentq;
    test_gumbel: the seeded noise; test_encoding: one_hot's), imported when the test runs: the
    first two skip themselves without scipy, which must not skip this whole module."""
    return importlib.import_module(name)


def _drawn(data, label, good, bad=(), rate=8):
    """(a value of `good`, or, one time in `rate`, of `bad`; whether it is bad)."""
    if bad and data.draw(st.sampled_from([False] * (rate - 1) + [True]), label=f"bad {label}"):
        return data.draw(st.sampled_from(list(bad)), label=label), True
    return data.draw(st.sampled_from(list(good)), label=label), False


def _call_or_documented(bad, f, *args, **kwargs):
    """(f(*args, **kwargs) through _quiet_call, False); with `bad` (the names of the arguments
    drawn outside their range) a documented error naming one of them instead: (None, True)."""
    try:
        r = _quiet_call(f, *args, **kwargs)
    except (ValueError, TypeError) as e:
        assert bad, f"{f.__name__} raised {e!r}"
        _documented(e, *bad)
        return None, True
    assert not bad, f"{f.__name__} accepted a bad {', '.join(bad)}"
    return r, False


def _eps_ratio(work, res):
    """eps(work) in units of eps(res)."""
    return float(np.finfo(work).eps) / float(np.finfo(res).eps)


def _fd_close(got, want, res, what):
    """A gradient against central differences of a float64 reference: their error (a few 1e-8
    relative to the gradient's scale, at h = 1e-5..1e-6 on well-conditioned inputs) plus the
    result dtype's rounding."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    e = float(np.finfo(res).eps)
    scale = 1.0 + float(np.max(np.abs(want), initial=0.0))
    err = np.abs(got - want)
    tol = (1e-6 + 16 * e) * np.abs(want) + (1e-7 + 16 * e) * scale
    assert np.all(err <= tol), f"{what}: worst {float(np.max(err - tol)):.3g} over, got " \
        f"{got.ravel()[np.argmax(err - tol)]!r}, expected {want.ravel()[np.argmax(err - tol)]!r}"


def _target_indices(data, t, n_classes, bad_values):
    """t (int64 class indices) with, one time in 8, one entry replaced by a value of bad_values,
    in a drawn integer dtype (unsigned where every value is >= 0) and layout; and whether a
    value outside [0, n_classes) survived the layout (a broadcast one repeats the first)."""
    t = np.array(t, np.int64)
    if t.size and data.draw(st.sampled_from([False] * 7 + [True]), label="bad target"):
        t.reshape(-1)[data.draw(st.integers(0, t.size - 1), label="at")] = data.draw(
            st.sampled_from(bad_values), label="bad value")
    t = _int_array(data.draw, t, SIGNED if (t < 0).any() else SIGNED + UNSIGNED)
    t64 = t.astype(np.int64)
    return t, bool(((t64 < 0) | (t64 >= n_classes)).any())


REDUCTION_BAD = ["average", None, "batchmean"]


@given(data=st.data())
def test_fuzz_multiclass_hinge(data):
    """multiclass_hinge_loss (+ _backward, _with_grad) over (N, C) and (C,) scores -- normal or
    integer-valued (ties of the maximum, kinks z = 0) with special values --, targets of any
    integer dtype, squared or not: the float64 rows of reference_classic (the kernel forms
    1 + m - x_y in double as the reference does: within an ulp of it rounded) and its gradient
    on the rows whose loss is not NaN (where it is, the reference's clamp passes 0 -- torch's
    too -- and the kernel NaN: "a NaN score makes the row's loss NaN"; not compared)."""
    rng = _seeded(data)
    C = data.draw(st.integers(1, 5), label="C")
    one = data.draw(st.sampled_from([False] * 3 + [True]), label="(C,)")
    shape = (C,) if one else (data.draw(st.integers(0, 4), label="N"), C)
    integer = data.draw(st.booleans(), label="integer scores")
    v = rng.integers(-2, 3, shape).astype(float) if integer else rng.normal(0, 2, shape)
    x = data.draw(hostile_like(v), label="input")
    t, bad_t = _target_indices(data, rng.integers(0, C, shape[:-1]), C, [C, -1, 127])
    squared, bad_s = _drawn(data, "squared", [False, True, np.bool_(True)], [1, None, "yes"])
    reduction, bad_r = _drawn(data, "reduction", REDUCTIONS, REDUCTION_BAD)
    bad = [n for n, b in (("target", bad_t), ("squared", bad_s), ("reduction", bad_r)) if b]
    kw = {"squared": squared, "reduction": reduction}
    before = _snapshot(x, t)
    got, raised = _call_or_documented(bad, F.multiclass_hinge_loss, x, t, **kw)
    if raised:
        return
    assert _snapshot(x, t) == before, "inputs modified"
    res = _native(x).dtype
    x64, t64 = RP.f64(x), t.astype(np.int64)
    with np.errstate(all="ignore"):
        rows = np.asarray(RCL.multiclass_hinge_rows(x64, t64, bool(squared)), np.float64)
    what = f"multiclass_hinge {shape} squared={squared} {reduction} {res}"
    rel, ab = TP.tol_for(res)
    if reduction == "none":
        assert isinstance(got, np.ndarray) and got.dtype == res and got.shape == t.shape
        assert_close_tol(got, rows, res, 2, 0, err_msg=what)
    else:
        assert isinstance(got, np.generic) and got.dtype == res, (type(got), got.dtype)
        with np.errstate(all="ignore"):
            ref = RP.reduce(rows, reduction)
            ms = float(np.sum(rows)) / (rows.size if reduction == "mean" and rows.size else 1)
        _scalar_close(got, ref, ms, res, rel, ab, what, max(rows.size, 1))

    n = rows.size
    go = (np.asarray(rng.uniform(-2, 2, t.shape)).astype(res) if reduction == "none"
          else data.draw(st.sampled_from([0.75, 1.0, -3.0]), label="grad_output"))
    g = _quiet_call(F.multiclass_hinge_loss_backward, go, x, t, **kw)
    assert _snapshot(x, t) == before, "inputs modified by the backward"
    assert isinstance(g, np.ndarray) and g.dtype == res and g.shape == x.shape, (g.dtype, g.shape)
    if n:
        grow = RP.f64(go).reshape(-1) if reduction == "none" else \
            np.full(n, go / n if reduction == "mean" else go)
        with np.errstate(all="ignore"):
            gref = RCL.multiclass_hinge_grad(x64, t64, bool(squared), grow).reshape(n, C)
        ok = ~np.isnan(rows.reshape(-1))
        assert_close_tol(g.reshape(n, C)[ok], gref[ok], res, 4, 0, err_msg=what + " backward")
    l2, g2 = _quiet_call(F.multiclass_hinge_loss_with_grad, x, t, grad_output=go, **kw)
    assert TP.bits_equal(l2, got) and TP.bits_equal(g2, g), what + " with_grad"
    assert _snapshot(x, t) == before, "inputs modified by _with_grad"


@given(data=st.data())
def test_fuzz_brier_score(data):
    """brier_score_loss (+ _backward): binary (N,) or 0-d probabilities with 0/1 labels of any
    integer dtype or probability targets of any float dtype, multiclass (N, C) probabilities
    with class indices; probabilities at the ends of [0, 1] and subnormal; a probability or
    binary target outside [0, 1] or NaN, a class outside [0, C) and a 3-d input are documented
    errors. Against reference_classic's rows and gradient."""
    rng = _seeded(data)
    kind = data.draw(st.sampled_from(["binary", "binary", "multiclass", "multiclass", "0-d",
                                      "3-d"]), label="kind")
    N, C = data.draw(st.integers(0, 5), label="N"), data.draw(st.integers(1, 5), label="C")
    bad = ["input"] if kind == "3-d" else []
    if kind in ("binary", "0-d"):
        shape = () if kind == "0-d" else (N,)
        p = data.draw(hostile_like(rng.uniform(size=shape), pool=_PROB_POOL), label="input")
        if data.draw(st.booleans(), label="integer labels"):
            labels = rng.integers(0, 2, shape)
            if labels.size and data.draw(st.sampled_from([False] * 7 + [True]), label="bad"):
                labels.reshape(-1)[0] = data.draw(st.sampled_from([2, -1]), label="bad label")
            t = _int_array(data.draw, labels, SIGNED if (labels < 0).any() else SIGNED + UNSIGNED)
        else:
            t = data.draw(hostile_like(rng.uniform(size=shape),
                                       pool=[0.0, 1.0, 0.5, 5e-324, 1.0 - 2.0 ** -53]),
                          label="target")
    else:
        shape = (N, C) if kind == "multiclass" else (N, C, 2)
        p = data.draw(hostile_like(rng.dirichlet(np.ones(C), shape[:1] + shape[2:]).swapaxes(
            1, -1).reshape(shape) if N else np.zeros(shape), pool=_PROB_POOL), label="input")
        t, bad_t = _target_indices(data, rng.integers(0, C, (N,) + shape[2:]), C, [C, -1])
        if bad_t and kind == "multiclass":
            bad.append("target")
    if p.size and data.draw(st.sampled_from([False] * 7 + [True]), label="bad input"):
        a = _native(p).copy()
        a.reshape(-1)[0] = data.draw(st.sampled_from([1.5, -0.25, math.inf, math.nan]))
        p = a
    p64 = RP.f64(p)
    with np.errstate(invalid="ignore"):
        if not np.all((p64 >= 0) & (p64 <= 1)) and "input" not in bad:
            bad.append("input")
        if kind in ("binary", "0-d") and not np.all((RP.f64(t) >= 0) & (RP.f64(t) <= 1)):
            bad.append("target")
    reduction, bad_r = _drawn(data, "reduction", REDUCTIONS, REDUCTION_BAD)
    bad += ["reduction"] if bad_r else []
    before = _snapshot(p, t)
    got, raised = _call_or_documented(bad, F.brier_score_loss, p, t, reduction=reduction)
    if raised:
        return
    assert _snapshot(p, t) == before, "inputs modified"
    res = _result_dtype(p, t if t.dtype.kind == "f" else None)
    t_ref = RP.f64(t) if t.dtype.kind == "f" else t.astype(np.int64)
    with np.errstate(all="ignore"):
        rows = np.asarray(RCL.brier_rows(p64, t_ref), np.float64)
    what = f"brier {kind} {shape} {reduction} {res}"
    if reduction == "none":
        assert isinstance(got, np.ndarray) and got.dtype == res and got.shape == rows.shape
        assert_close_tol(got, rows, res, 4, 0, err_msg=what)
    else:
        assert isinstance(got, np.generic) and got.dtype == res, (type(got), got.dtype)
        rel, ab = TP.tol_for(res)
        with np.errstate(all="ignore"):
            ms = float(np.sum(rows)) / (rows.size if reduction == "mean" and rows.size else 1)
            _scalar_close(got, RP.reduce(rows, reduction), ms, res, rel, ab, what,
                          max(rows.size, 1))
    n = rows.size
    go = (np.asarray(rng.uniform(-2, 2, rows.shape)).astype(res) if reduction == "none"
          else data.draw(st.sampled_from([0.75, 1.0, -3.0]), label="grad_output"))
    g = _quiet_call(F.brier_score_loss_backward, go, p, t, reduction=reduction)
    assert _snapshot(p, t) == before, "inputs modified by the backward"
    # the gradient has the input's dtype (the loss the promoted one, as mse_loss's)
    gd = _native(p).dtype
    assert isinstance(g, np.ndarray) and g.shape == p.shape and g.dtype == gd, (g.shape, g.dtype)
    if n:
        scale = RP.f64(go) if reduction == "none" else go / (n if reduction == "mean" else 1)
        scale = scale[..., None] if p.ndim == 2 and reduction == "none" else scale
        with np.errstate(all="ignore"):
            assert_close_tol(g, RCL.brier_grad(p64, t_ref) * scale, gd, 4, 0,
                             err_msg=what + " backward")


SEG_LOSSES = {"dice_loss": RCL.dice_terms, "tversky_loss": RCL.tversky_terms}


def _seg_magnitude(x64, t64, activation, batch, alpha, beta, nr, dr, tversky):
    """(the magnitude the error of each loss entry 1 - N / D scales with, in units of the
    working precision: N's and D's sums of absolute terms over |D| and |N| D's over D^2, from
    the reference's activated probabilities; D)."""
    p, g, axes = RCL._seg_sums(x64, t64, activation, batch)
    s = {k: np.sum(a, axis=axes) for k, a in (("pg", p * g), ("p", p), ("g", g))}
    sa = {k: np.sum(np.abs(a), axis=axes) for k, a in (("pg", p * g), ("p", p), ("g", g))}
    if tversky:
        N, Na = s["pg"] + nr, sa["pg"] + nr
        D = s["pg"] + alpha * (s["p"] - s["pg"]) + beta * (s["g"] - s["pg"]) + dr
        Da = sa["pg"] * (1 + alpha + beta) + alpha * sa["p"] + beta * sa["g"] + dr
    else:
        N, Na = 2 * s["pg"] + nr, 2 * sa["pg"] + nr
        D, Da = s["p"] + s["g"] + dr, sa["p"] + sa["g"] + dr
    mag = Na / np.abs(D) + np.abs(N) * Da / D ** 2
    return np.nan_to_num(mag, nan=np.inf), D


@pytest.mark.parametrize("name", list(SEG_LOSSES))
@given(data=st.data())
def test_fuzz_segmentation_losses(name, data):
    """dice_loss / tversky_loss (+ _backward, _with_grad) over (B, C, spatial...) inputs --
    probabilities (values at and past the ends of [0, 1], NaN) or logits with sigmoid/softmax
    (any float) --, one-hot or soft targets of any float or integer dtype, batch, smooth_nr,
    smooth_dr, alpha and beta at and past their limits: reference_classic's terms (an error
    bound from the sums' magnitudes: the probabilities come from the kernel dtype's
    sigmoid/softmax); the gradient against central differences of the reference where the
    inputs are finite, moderate and every denominator >= 0.05; with_grad bit-equal."""
    rng = _seeded(data)
    tversky = name == "tversky_loss"
    nd = data.draw(st.sampled_from([1, 2, 2, 3, 3, 4, 4]), label="ndim")  # 1: an error
    shape = tuple(data.draw(st.integers(0, 3), label=f"size {i}") for i in range(nd))
    activation, bad_a = _drawn(data, "activation", ["none", "sigmoid", "softmax"],
                               ["relu", None], 16)
    if activation == "none":
        x = data.draw(hostile_like(rng.uniform(size=shape),
                                   pool=_PROB_POOL + [math.nan, 1.5, -0.25]), label="input")
    else:
        x = data.draw(hostile_like(rng.normal(0, 2, shape)), label="input")
    if nd >= 2 and data.draw(st.booleans(), label="one-hot"):
        labels = rng.integers(0, max(shape[1], 1), shape[:1] + shape[2:])
        gt = (labels[:, None] == np.arange(shape[1]).reshape((1, -1) + (1,) * (nd - 2)))
        gt = gt.astype(float)
    else:
        gt = rng.uniform(size=shape)
    bad = ["input"] if nd < 2 else []
    if nd >= 2 and data.draw(st.sampled_from([False] * 9 + [True]), label="bad shape"):
        gt = np.zeros(shape[:-1] + (shape[-1] + 1,))
        bad.append("target")
    if data.draw(st.booleans(), label="integer target"):
        t = _int_array(data.draw, np.round(gt), SIGNED + UNSIGNED)
    else:
        t = data.draw(hostile_like(gt, pool=[0.0, 1.0, 0.5, 1e-30]), label="target")
    smooth = [1e-5, 1e-5, 0.0, 1.0, 1e-300, 5e-324, 1e300, math.inf]
    nr, bad_nr = _drawn(data, "smooth_nr", smooth, [-1e-5, math.nan, "x"], 16)
    dr, bad_dr = _drawn(data, "smooth_dr", smooth, [-1e-5, math.nan, "x"], 16)
    batch, bad_b = _drawn(data, "batch", [False, True, np.bool_(True)], [1, None], 16)
    reduction, bad_r = _drawn(data, "reduction", REDUCTIONS, REDUCTION_BAD, 16)
    kw = {"activation": activation, "smooth_nr": nr, "smooth_dr": dr, "batch": batch,
          "reduction": reduction}
    bad += [n for n, b in (("activation", bad_a), ("smooth_nr", bad_nr), ("smooth_dr", bad_dr),
                           ("batch", bad_b), ("reduction", bad_r)) if b]
    alpha = beta = 0.5
    if tversky:
        weights = [0.5, 0.3, 0.7, 0.0, 1.0, 2.5, 1e300, math.inf]
        alpha, bad_al = _drawn(data, "alpha", weights, [-0.1, math.nan], 16)
        beta, bad_be = _drawn(data, "beta", weights, [-0.1, math.nan], 16)
        kw.update(alpha=alpha, beta=beta)
        bad += [n for n, b in (("alpha", bad_al), ("beta", bad_be)) if b]
    f = getattr(F, name)
    before = _snapshot(x, t)
    got, raised = _call_or_documented(bad, f, x, t, **kw)
    if raised:
        return
    assert _snapshot(x, t) == before, "inputs modified"
    # a float target promotes the loss (an integer one does not); the gradient has the input's
    res = _result_dtype(x, t if t.dtype.kind == "f" else None)
    gd = _native(x).dtype
    work = np.float64 if res == np.float64 else np.float32
    x64, t64 = RP.f64(x), RP.f64(t)
    rkw = {k: v for k, v in kw.items() if k != "reduction"}
    if x.shape[1] == 0:  # no class: nothing to activate (the reference's softmax max() fails)
        rkw["activation"] = activation = "none"
    with np.errstate(all="ignore"):
        terms = np.asarray(SEG_LOSSES[name](x64, t64, **rkw), np.float64)
        mag, D = _seg_magnitude(x64, t64, activation, batch, alpha, beta, nr, dr, tversky)
    with np.errstate(over="ignore"):
        ab = 8 * mag * _eps_ratio(work, res)
    what = f"{name} {shape} {kw} {res}"
    if reduction == "none":
        assert isinstance(got, np.ndarray) and got.dtype == res and got.shape == terms.shape, \
            (type(got), getattr(got, "shape", None), terms.shape)
        assert_close_tol(got, terms, res, 2, ab, err_msg=what)
    else:
        assert isinstance(got, np.generic) and got.dtype == res, (type(got), got.dtype)
        with np.errstate(all="ignore"):
            ms = float(np.sum(np.abs(terms) + ab)) / (terms.size if reduction == "mean"
                                                      and terms.size else 1)
            _scalar_close(got, RP.reduce(terms, reduction), ms, res, 2, 1, what,
                          max(terms.size, 1))

    go = (np.asarray(rng.uniform(-2, 2, terms.shape)).astype(res) if reduction == "none"
          else data.draw(st.sampled_from([0.75, 1.0, -3.0]), label="grad_output"))
    g = _quiet_call(getattr(F, name + "_backward"), go, x, t, **kw)
    assert _snapshot(x, t) == before, "inputs modified by the backward"
    assert isinstance(g, np.ndarray) and g.dtype == gd and g.shape == x.shape, (g.dtype, g.shape)
    params = [nr, dr, alpha, beta]
    clean = (0 < x.size <= 81 and np.isfinite(x64).all() and np.abs(x64).max(initial=0) <= 30
             and np.isfinite(t64).all() and all(0 <= v <= 10 for v in params)
             and np.all(np.abs(D) >= 0.05))
    hypothesis.event(f"gradient against central differences: {bool(clean)}")
    if clean:
        w = RP.f64(go) * (1.0 / terms.size if reduction == "mean" else 1.0)
        ref = SEG_LOSSES[name]
        with np.errstate(all="ignore"):
            want = RCL.central_grad(lambda v: np.sum(w * ref(v, t64, **rkw)), x64)
        _fd_close(g, want, gd, what + " backward")
    l2, g2 = _quiet_call(getattr(F, name + "_with_grad"), x, t, grad_output=go, **kw)
    assert TP.bits_equal(l2, got) and TP.bits_equal(g2, g), what + " with_grad"
    assert _snapshot(x, t) == before, "inputs modified by _with_grad"


BOX_LOSSES = list(RCL.BOX_ROWS)


def _box_magnitude(name, b1, b2, eps):
    """Per box pair, what the float64 rounding errors of the loss scale with (in eps64): the
    terms' sizes and their denominators' cancellations -- the areas over |U + eps| for the IoU,
    the areas over |C + eps| for GIoU's (C - U) / (C + eps), CIoU's alpha v over
    |1 - iou + v + eps| and the aspect angles' few ulps."""
    b1, b2, union, iou, (xc1, yc1, xc2, yc2) = RCL._box_parts(b1, b2, eps)
    areas = (np.abs((b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1]))
             + np.abs((b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1]))
             + np.abs(iou * (union + eps)) + abs(eps))
    mag = 1 + (1 + np.abs(iou)) * (1 + areas / np.abs(union + eps))
    if name == "generalized_box_iou_loss":
        C = (xc2 - xc1) * (yc2 - yc1)
        mag = mag + (np.abs(C) + areas) / np.abs(C + eps)
    else:
        mag = mag + 2 * np.abs(RCL.distance_box_iou_rows(b1, b2, eps) - 1 + iou)
    if name == "complete_box_iou_loss":
        alpha, v = RCL._ciou_alpha_v(b1, b2, eps)
        mag = mag + 8 * (1 + v) + np.abs(alpha * v) * (1 + (1 + np.abs(iou) + v + abs(eps))
                                                       / np.abs(1 - iou + v + eps))
    return np.nan_to_num(mag, nan=np.inf)


def _boxes_clean(b1, b2, eps):
    """Box pairs where central differences hold: finite, moderate, sides >= 0.25, and every
    pair of coordinates a min/max or the intersection's mask compares at least 1e-2 apart."""
    if not (np.isfinite(b1).all() and np.isfinite(b2).all() and 0 <= eps <= 1):
        return False
    if max(np.abs(b1).max(initial=0), np.abs(b2).max(initial=0)) > 64:
        return False
    for a in (b1, b2):
        if ((a[:, 2] - a[:, 0]) < 0.25).any() or ((a[:, 3] - a[:, 1]) < 0.25).any():
            return False
    for k in range(2):  # x, then y
        lo1, hi1, lo2, hi2 = b1[:, k], b1[:, k + 2], b2[:, k], b2[:, k + 2]
        gaps = [lo1 - lo2, hi1 - hi2, np.minimum(hi1, hi2) - np.maximum(lo1, lo2)]
        if any((np.abs(gp) < 1e-2).any() for gp in gaps):
            return False
    return True


@pytest.mark.parametrize("name", BOX_LOSSES)
@given(data=st.data())
def test_fuzz_box_losses(name, data):
    """generalized / distance / complete_box_iou_loss (+ _backward, _with_grad) over (N, 4) and
    (4,) box pairs -- overlapping, nested, apart, identical, sharing an edge, of zero or
    negative size, integer --, special values in either box, eps at 0, tiny, 1, negative,
    infinite or NaN: reference_classic's torchvision formulas (an error bound from the terms'
    cancellations; the same NaN and infinities); the gradient against its central differences
    where they hold (_boxes_clean); with_grad bit-equal; torchvision's empty "mean" is 0."""
    rng = _seeded(data)
    N = data.draw(st.integers(0, 4), label="N")
    b1, b2 = TCL._boxes(rng, max(N, 1))
    variant = data.draw(st.sampled_from(["random", "random", "identical", "shared edge",
                                         "integer", "degenerate"]), label="variant")
    if variant == "identical":
        b2 = b1.copy()
    elif variant == "shared edge":
        b1[:, 2] = b2[:, 2]
    elif variant == "integer":
        b1, b2 = np.round(b1), np.round(b2)
    elif variant == "degenerate":
        b1[:, 2] = b1[:, 0] - rng.integers(0, 2, len(b1))  # zero width, or negative
    one = data.draw(st.sampled_from([False] * 3 + [True]), label="(4,)")
    b1, b2 = (b1[0], b2[0]) if one else (b1[:N], b2[:N])
    bad = []
    shape_bad = data.draw(st.sampled_from([None] * 18 + ["3 columns", "rows"]), label="bad shape")
    if shape_bad == "3 columns":
        b1, b2 = b1[..., :3], b2[..., :3]
    elif shape_bad == "rows":
        b2 = np.concatenate([np.atleast_2d(b2), np.zeros((1, 4))])
    if shape_bad:
        bad.append("boxes")

    specials = data.draw(st.booleans(), label="special values")

    def draw_boxes(b, label):
        if variant == "integer" and data.draw(st.booleans(), label=f"{label} integer dtype"):
            return _int_array(data.draw, b, SIGNED)
        return data.draw(hostile_like(b, specials=specials), label=label)
    b1, b2 = draw_boxes(b1, "boxes1"), draw_boxes(b2, "boxes2")
    eps, bad_e = _drawn(data, "eps", [1e-7, 1e-7, 1e-7, 0.0, 1e-3, 1.0, 1e-300, -1e-7,
                                      math.inf, math.nan, np.float32(1e-7)], ["x", None], 16)
    reduction, bad_r = _drawn(data, "reduction", REDUCTIONS, REDUCTION_BAD, 16)
    bad += [n for n, b in (("eps", bad_e), ("reduction", bad_r)) if b]
    kw = {"reduction": reduction, "eps": eps}
    f = getattr(F, name)
    before = _snapshot(b1, b2)
    got, raised = _call_or_documented(bad, f, b1, b2, **kw)
    if raised:
        return
    assert _snapshot(b1, b2) == before, "inputs modified"
    res = _result_dtype(*[b for b in (b1, b2) if b.dtype.kind == "f"]) \
        if b1.dtype.kind == "f" or b2.dtype.kind == "f" else np.dtype(np.float64)
    if b1.dtype.kind != b2.dtype.kind:  # integer boxes count as float64
        res = np.result_type(res, np.float64)
    e64 = float(eps)
    x1, x2 = RP.f64(b1), RP.f64(b2)
    with np.errstate(all="ignore"):
        rows = np.asarray(RCL.BOX_ROWS[name](x1, x2, e64), np.float64)
        mag = _box_magnitude(name, x1, x2, e64)
        ab = 16 * mag * _eps_ratio(np.float64, res)  # (past float16's range: no constraint)
    if one:
        rows, ab = rows.reshape(()), ab.reshape(())
    what = f"{name} {b1.shape} {variant} eps={eps} {reduction} {res}"
    if reduction == "none":
        assert isinstance(got, np.ndarray) and got.dtype == res and got.shape == rows.shape, \
            (type(got), getattr(got, "dtype", None), np.shape(got))
        assert_close_tol(got, rows, res, 2, ab, err_msg=what)
    else:
        assert isinstance(got, np.generic) and got.dtype == res, (type(got), got.dtype)
        if rows.size == 0:
            assert got == 0, what + ": torchvision's empty reductions are 0"
        else:
            with np.errstate(all="ignore"):
                ms = float(np.sum(np.abs(rows) + ab)) / (rows.size if reduction == "mean" else 1)
                _scalar_close(got, RP.reduce(rows, reduction), ms, res, 2, 1, what, rows.size)

    n = rows.size
    go = (np.asarray(rng.uniform(-2, 2, rows.shape)).astype(res) if reduction == "none"
          else data.draw(st.sampled_from([0.75, 1.0, -3.0]), label="grad_output"))
    g = _quiet_call(getattr(F, name + "_backward"), go, b1, b2, **kw)
    assert _snapshot(b1, b2) == before, "inputs modified by the backward"
    gd = _native(b1).dtype if b1.dtype.kind == "f" else np.dtype(np.float64)
    assert isinstance(g, np.ndarray) and g.shape == b1.shape and g.dtype in (gd, res), \
        (g.shape, g.dtype)
    clean = n and _boxes_clean(np.atleast_2d(x1), np.atleast_2d(x2), e64)
    hypothesis.event(f"gradient against central differences: {bool(clean)}")
    if clean:
        grow = RP.f64(go).reshape(-1) if reduction == "none" else \
            np.full(n, go / (n if reduction == "mean" else 1))
        want = RCL.box_grad(name, x1, x2, e64) * grow[:, None]
        _fd_close(np.atleast_2d(g), want, g.dtype, what + " backward")
    l2, g2 = _quiet_call(getattr(F, name + "_with_grad"), b1, b2, grad_output=go, **kw)
    assert TP.bits_equal(l2, got) and TP.bits_equal(g2, g), what + " with_grad"
    assert _snapshot(b1, b2) == before, "inputs modified by _with_grad"


# ---- sparsemax, entmax15, entmax_bisect and their Fenchel-Young losses --------------------------

def _map_rows(x64, dim):
    """(the rows (R, n) of a float64 array with the axis `dim` last -- a 0-d array is one row of
    one --, a function putting (R, n) back)."""
    shape = x64.shape if x64.ndim else (1,)
    d = dim % len(shape)
    moved = np.moveaxis(x64.reshape(shape), d, -1)
    return moved.reshape(math.prod(moved.shape[:-1]), shape[d]), lambda r: np.moveaxis(
        np.asarray(r).reshape(moved.shape), -1, d).reshape(x64.shape)


def _entmax_ref_rows(TSP, rows, alpha):
    """test_sparse's float64 reference (Michelot's projection for alpha = 2, brentq otherwise)
    row by row, on each row shifted by its maximum: the maps are shift-invariant, and past 2^53
    brentq's bracket [max - 1, max] has no width. Shifted entries below -1e6 (1 + 1 / (alpha -
    1)) are raised to it: far outside the support (p_max <= 1 puts every entry of it within
    1 / (alpha - 1) of the maximum), where they change nothing, but no longer overflow the
    reference's sums (-1.7e308 twice is -inf in Michelot's first threshold). Where that
    reference has no answer, the maps' documented conventions: a row holding NaN or +inf, or
    of only -inf, is NaN."""
    out = np.full(rows.shape, np.nan)
    floor = -1e6 * (1 + 1 / (alpha - 1))
    for i, r in enumerate(rows):
        m = r.max(initial=-np.inf)
        if r.size and np.isfinite(m) and not np.isnan(r).any():
            out[i] = TSP.ref_entmax_row(np.maximum(r - m, floor), alpha)
    return out


def _entmax_error(alpha, n, n_iter):
    """A bound on the error of each entry of an alpha-entmax row of n entries: for the exact
    sorts and the reference, float64 roundings of the sums of a few values within 2 of the
    maximum; for n_iter bisection steps, the bracket of tau (width <= 2^-n_iter), through
    [u - tau]_+ ** (1 / (alpha - 1)) -- Lipschitz (constant 1 / (alpha - 1) on the support,
    where u - tau <= 1) for alpha <= 2, Hoelder of exponent 1 / (alpha - 1) above -- and the
    division by the sum (n + 2 such errors at most)."""
    delta = 32 * n * 2.0 ** -52 + (2.0 ** -n_iter if n_iter else 0.0)
    k = 1.0 / (alpha - 1.0)
    e = k * (1 + delta) ** max(k - 1, 0) * delta if alpha <= 2 else delta ** k
    return min((n + 2) * e, 1.0)


MAP_NAMES = ["sparsemax", "entmax15", "entmax_bisect"]
MAP_ALPHA = {"sparsemax": 2.0, "entmax15": 1.5}


@pytest.mark.parametrize("name", MAP_NAMES)
@given(data=st.data())
def test_fuzz_sparse_maps(name, data):
    """sparsemax / entmax15 / entmax_bisect (+ _backward from the input and from output=): every
    dtype, layout, 0-d and empty shape, dim in and out of range, alpha near 1, at 2 and far
    above, n_iter from 1, and alpha <= 1, non-finite alpha, n_iter < 1 and non-int ones as
    documented errors. Against test_sparse's float64 reference (_entmax_ref_rows, within
    _entmax_error); the gradient against its central differences (test_sparse.numeric_grad)
    on rows away from the support's edges, for the exact maps and n_iter >= 50."""
    TSP = _reference_module("test_sparse")
    rng = _seeded(data)
    x = data.draw(hostile_arrays(), label="x")
    nd = max(x.ndim, 1)
    dim = data.draw(st.integers(-nd - 1, nd), label="dim")
    bad = [] if -nd <= dim < nd else ["dim"]
    alpha, n_iter = MAP_ALPHA.get(name), None
    args, kw = (x,), {"dim": dim}
    if name == "entmax_bisect":
        alpha, bad_a = _drawn(data, "alpha", [1.5, 1.5, 2.0, 1.25, 3.0, 1.1, 10.0, 1e300],
                              [1.0, 0.5, -2.0, math.nan, math.inf, "2"])
        n_iter, bad_n = _drawn(data, "n_iter", [50, 50, 1, 5, 20, 100, np.int8(60)],
                               [0, -3, 2.5, None])
        kw.update(alpha=alpha, n_iter=n_iter)
        bad += [nm for nm, b in (("alpha", bad_a), ("n_iter", bad_n)) if b]
    f, b = getattr(F, name), getattr(F, name + "_backward")
    before = _snapshot(x)
    y, raised = _call_or_documented(bad, f, *args, **kw)
    if raised:
        return
    assert _snapshot(x) == before, "input modified"
    res = _native(x).dtype
    assert isinstance(y, np.ndarray) and y.dtype == res and y.shape == x.shape, \
        (type(y), getattr(y, "dtype", None), np.shape(y))
    rows, back = _map_rows(RP.f64(x), dim)
    n = rows.shape[1]
    err = _entmax_error(alpha, n, n_iter)
    what = f"{name} {x.shape} dim={dim} alpha={alpha} n_iter={n_iter} {res}"
    if err < 1:
        with np.errstate(all="ignore"):
            want = back(_entmax_ref_rows(TSP, rows, alpha))
        assert_close_tol(y, want, res, 1, err / float(np.finfo(res).eps), err_msg=what)
    else:  # no useful bound (alpha = 1e300: [u - tau]_+ ** 1e-300 is a step, where brentq
        # finds no root): the contract, rows on the simplex
        with np.errstate(all="ignore"):
            yr, _ = _map_rows(RP.f64(y), dim)
            ok = ~np.isnan(yr).any(axis=1) & (n > 0)
        assert np.all(yr[ok] >= 0) and np.allclose(yr[ok].sum(axis=1), 1, rtol=0,
                                                   atol=n * float(np.finfo(res).eps)), what
        want = y

    gdt = data.draw(st.sampled_from([res.str, res.newbyteorder().str, "<f8", "<f4"]),
                    label="grad_output dtype")
    gy = data.draw(hostile_like(rng.uniform(-2, 2, x.shape), specials=False, dtypes=[gdt]),
                   label="grad_output")
    g = _quiet_call(b, gy, *args, **kw)
    assert _snapshot(x) == before, "input modified by the backward"
    assert isinstance(g, np.ndarray) and g.dtype == res and g.shape == x.shape, (g.dtype, g.shape)
    g2 = _quiet_call(b, gy, None, output=y, **kw)
    if res == np.float64:
        assert TS.bits_equal(g2, g), what + ": backward from output= differs"
    gro, _ = _map_rows(RP.f64(gy), dim)
    gx, _ = _map_rows(RP.f64(g), dim)
    pr, _ = _map_rows(RP.f64(want), dim)
    checked = 0
    if (n_iter is None or n_iter >= 50) and x.size <= 40:
        for r, p, go_r, g_r in zip(rows, pr, gro, gx):
            if not (np.isfinite(r).all() and r.size and np.ptp(r) <= 1e3):
                continue
            z = (alpha - 1) * (r - r.max())
            tau = -p.max() ** (alpha - 1)  # at the maximum (z = 0) p = (0 - tau) ** (1 / (a - 1))
            if np.abs(z - tau).min() < 1e-2 or alpha > 5:
                continue  # at or near the support's edge: no derivative, or not one a
                          # difference quotient finds (alpha > 5: p ** 1/(alpha-1) too steep)
            if p.max() == 1:  # a support of one entry: locally constant (and brentq's
                fd = np.zeros_like(r)  # bracket [max - 1, max] has no sign change there)
            else:
                fd = TSP.numeric_grad(
                    lambda v: float(np.sum(TSP.ref_entmax_row(v, alpha) * go_r)), r - r.max())
            _fd_close(g_r, fd, res, what + " backward")
            checked += 1
    hypothesis.event(f"rows against central differences: {min(checked, 2)}{'+' * (checked > 2)}")


def _fy_ref_rows(TSP, rows, t, counted, alpha):
    """(loss, p) per row from test_sparse's ref_loss_rows and ref_entmax_row, for the counted
    rows (ignored ones: 0 and 0), on rows shifted by their maximum (the loss is shift-invariant)
    and raised to the floor of _entmax_ref_rows (but the target's) -- -inf entries too, whose 0 * -inf the
    reference's <p - e_t, x> would make NaN where the loss takes p = 0; with the documented
    conventions: a NaN / +inf / all -inf row is NaN, a target score of -inf (after the shift)
    gives +inf."""
    loss, P = np.zeros(len(rows)), np.zeros(rows.shape)
    floor = -1e6 * (1 + 1 / (alpha - 1))
    for i, r in enumerate(rows):
        if not counted[i]:
            continue
        m = r.max(initial=-np.inf)
        if not np.isfinite(m) or np.isnan(r).any():
            loss[i], P[i] = np.nan, np.nan
            continue
        z = r - m
        zc = np.maximum(z, floor)
        zc[t[i]] = z[t[i]]  # the loss is linear in the target's score: not raised
        P[i] = TSP.ref_entmax_row(zc, alpha)
        loss[i] = np.inf if z[t[i]] == -np.inf else TSP.ref_loss_rows(zc[None], [t[i]], alpha)[0]
    return loss, P


FY_LOSSES = {"sparsemax_loss": 2.0, "entmax15_loss": 1.5, "entmax_bisect_loss": None}


@pytest.mark.parametrize("name", list(FY_LOSSES))
@given(data=st.data())
def test_fuzz_fy_losses(name, data):
    """sparsemax_loss / entmax15_loss / entmax_bisect_loss (+ _backward, _with_grad) over (C,),
    (N, C) and (N, C, d) scores with special values (class_problem's, as cross_entropy),
    ignore_index (every row ignored too), targets of any integer dtype: out of range, a
    non-integer ignore_index, a bad alpha / n_iter / reduction are documented errors. Against
    test_sparse's float64 loss (_fy_ref_rows) within the maps' error bound; the gradient
    p - e_t with the reference p, 0 on ignored rows; _with_grad bit-equal to the two calls."""
    TSP = _reference_module("test_sparse")
    x, t, _, ii, _, bad_t = data.draw(class_problem(False), label="problem")
    bad = ["target"] if bad_t else []
    alpha, n_iter, args = FY_LOSSES[name], None, ()
    if alpha is None:
        alpha, bad_a = _drawn(data, "alpha", [1.5, 1.5, 2.0, 1.25, 3.0, 1.1],
                              [1.0, 0.5, math.nan, math.inf, "2"], 16)
        n_iter, bad_n = _drawn(data, "n_iter", [50, 50, 1, 5, 100], [0, -3, 2.5, None], 16)
        args = (alpha, n_iter)
        bad += [nm for nm, b in (("alpha", bad_a), ("n_iter", bad_n)) if b]
    ii, bad_i = _drawn(data, "ignore_index", [ii], [1.5, None, "x"], 16)
    reduction, bad_r = _drawn(data, "reduction", REDUCTIONS, REDUCTION_BAD, 16)
    bad += [nm for nm, b in (("ignore_index", bad_i), ("reduction", bad_r)) if b]
    if bad_i:  # a bad target's error may name "out of bounds ... ignore_index=" first
        bad = [b for b in bad if b != "target"] + (["target"] if bad_t else [])
    kw = {"ignore_index": ii, "reduction": reduction}
    f, b = getattr(F, name), getattr(F, name + "_backward")
    before = _snapshot(x, t)
    got, raised = _call_or_documented(bad, f, x, t, *args, **kw)
    if raised:
        return
    assert _snapshot(x, t) == before, "inputs modified"
    res = _native(x).dtype
    x64, t64 = RP.f64(x), t.astype(np.int64)
    C = x.shape[1] if x.ndim > 1 else x.shape[0]
    rows, back = _map_rows(x64, 1 if x.ndim > 1 else 0)
    tr = t64.reshape(-1)
    counted = tr != ii
    with np.errstate(all="ignore"):
        lrows, P = _fy_ref_rows(TSP, rows, np.where(counted, tr, 0), counted, alpha)
        e = _entmax_error(alpha, C, n_iter)
        zt = np.abs(np.nan_to_num(np.take_along_axis(
            rows - rows.max(axis=1, keepdims=True, initial=-np.inf),
            np.where(counted, tr, 0)[:, None], 1)[:, 0], nan=0.0, posinf=0.0, neginf=0.0))
        # roundings of <p, z> - z_t + tsallis (terms of magnitude |z_t| and ~n / (alpha - 1)),
        # and a p off by e in each of its C entries
        err64 = 16 * 2.0 ** -52 * (1 + zt + C / (alpha - 1)) + 2 * C * e / (alpha - 1)
        ab = err64 / float(np.finfo(res).eps)  # (past float16's range: no constraint)
    what = f"{name} {x.shape} ii={ii} alpha={alpha} n_iter={n_iter} {reduction} {res}"
    if reduction == "none":
        assert isinstance(got, np.ndarray) and got.dtype == res and got.shape == t.shape, \
            (type(got), getattr(got, "dtype", None), np.shape(got))
        if e < 1:
            assert_close_tol(got, lrows.reshape(t.shape), res, 2, ab.reshape(t.shape),
                             err_msg=what)
    else:
        assert isinstance(got, np.generic) and got.dtype == res, (type(got), got.dtype)
        count = int(counted.sum())
        if e < 1:
            with np.errstate(all="ignore"):
                ms = float(np.sum(np.abs(lrows) + ab)) / (count if reduction == "mean"
                                                           and count else 1)
                _scalar_close(got, RP.reduce(lrows, reduction, count), ms, res, 2, 1, what,
                              max(len(lrows), 1))

    rng = _seeded(data)
    go = (np.asarray(rng.uniform(-2, 2, t.shape)).astype(res) if reduction == "none"
          else data.draw(st.sampled_from([0.75, 1.0, -3.0]), label="grad_output"))
    g = _quiet_call(b, go, x, t, *args, **kw)
    assert _snapshot(x, t) == before, "inputs modified by the backward"
    assert isinstance(g, np.ndarray) and g.dtype == res and g.shape == x.shape, (g.dtype, g.shape)
    # the fused call: one map for both, the same operations, so bit for bit the two calls'
    l2, g2 = _quiet_call(getattr(F, name + "_with_grad"), x, t, *args, grad_output=go, **kw)
    assert TP.bits_equal(l2, got) and TP.bits_equal(g2, g), what + " with_grad"
    assert _snapshot(x, t) == before, "inputs modified by _with_grad"
    count = int(counted.sum())
    coef = RP.f64(go).reshape(-1) if reduction == "none" else \
        np.full(len(rows), (go / count if count else 0.0) if reduction == "mean" else go)
    coef = np.where(counted, coef, 0.0)
    with np.errstate(all="ignore"):
        onehot = (np.arange(C) == np.where(counted, tr, -1)[:, None])
        want = np.where(counted[:, None], (P - onehot) * coef[:, None], 0.0)
    if e < 1:
        ab = (np.abs(coef) * (e + 4 * 2.0 ** -52) / float(np.finfo(res).eps))[:, None]
        assert_close_tol(_map_rows(RP.f64(g), 1 if x.ndim > 1 else 0)[0], want, res, 2, ab,
                         err_msg=what + " backward")
    else:
        assert np.all(_map_rows(RP.f64(g), 1 if x.ndim > 1 else 0)[0][~counted] == 0), what


@given(data=st.data())
def test_fuzz_gumbel_softmax(data):
    """gumbel_softmax (+ _backward from the same seed and from y_soft=): soft and hard samples
    over any dtype, layout, 0-d and empty shape, dim in and out of range, tau from 1e-3 to inf
    (bad: <= 0, NaN), hard as a numpy bool (bad: an int), the deprecated eps (its warning
    expected, no other). The soft sample against softmax((logits + g) / tau) with test_gumbel's
    noise for the seed and test_softmax's float64 reference and error bound (the sample is
    computed in float64, then rounded); the hard one the one-hot of the reference's argmax
    where the top two are apart; the gradient against test_softmax's backward reference."""
    TG = _reference_module("test_gumbel")
    rng = _seeded(data)
    x = data.draw(hostile_arrays(), label="logits")
    nd = max(x.ndim, 1)
    dim, bad_d = _drawn(data, "dim", list(range(-nd, nd)), [nd, -nd - 1], 16)
    tau, bad_t = _drawn(data, "tau", [1.0, 1.0, 0.5, 3.0, 1e-3, 300.0, math.inf],
                        [0.0, -1.0, math.nan, "1"], 16)
    hard, bad_h = _drawn(data, "hard", [False, False, True, np.bool_(True)], [1, None], 16)
    eps = data.draw(st.sampled_from([1e-10] * 7 + [1e-5]), label="eps")
    seed = data.draw(st.integers(0, 2 ** 32 - 1), label="generator seed")
    bad = [n for n, b in (("dim", bad_d), ("tau", bad_t), ("hard", bad_h)) if b]
    before = _snapshot(x)
    kw = {"tau": tau, "hard": hard, "eps": eps, "dim": dim}
    if eps == 1e-10:
        y, raised = _call_or_documented(bad, F.gumbel_softmax, x, generator=seed, **kw)
    else:  # torch warns that eps is deprecated: that warning, no other
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            CALLS[0] += 1
            try:
                with np.errstate(all="raise"):
                    y, raised = F.gumbel_softmax(x, generator=seed, **kw), False
            except (ValueError, TypeError) as exc:
                assert bad, f"gumbel_softmax raised {exc!r}"
                _documented(exc, *bad)
                y, raised = None, True
        assert raised or bad == [], f"gumbel_softmax accepted a bad {bad}"
        assert raised or [str(w.message) for w in seen] and all(
            issubclass(w.category, UserWarning) and "eps" in str(w.message) for w in seen), \
            [str(w.message) for w in seen]
    if raised:
        return
    assert _snapshot(x) == before, "input modified"
    res = _native(x).dtype
    assert isinstance(y, np.ndarray) and y.dtype == res and y.shape == x.shape, \
        (type(y), getattr(y, "dtype", None), np.shape(y))
    z = RP.f64(x) + TG._noise(seed, x.shape)
    what = f"gumbel_softmax {x.shape} dim={dim} tau={tau} hard={hard} {res}"
    with np.errstate(all="ignore"):
        overflow = np.isinf(np.where(np.isfinite(z), z, 0) / tau).any()
    if overflow:  # z / tau past float64 (as in test_fuzz_softmax_family): the contract only
        return
    k = _eps_ratio(np.float64, res)
    with np.errstate(all="ignore"):
        rel, ab = TS.fwd_tol("softmax", z, dim, np.float64, tau)
        want = TS.ref_fwd("softmax", z, dim, tau)
    if not hard:
        assert_close_tol(y, want, res, rel * k + 1, ab * k, err_msg=what)
    else:
        yr, _ = _map_rows(RP.f64(y), dim)
        wr, _ = _map_rows(want, dim)
        assert np.all((yr == 0) | (yr == 1)) and np.all(yr.sum(axis=1) == (yr.shape[1] > 0)), what
        if wr.shape[1] >= 2:
            # apart: further than the soft sample's error bound (large where (logits + g) /
            # tau rounds coarsely: 3.3e16 + g, whose g is mostly lost, spaced by 4)
            with np.errstate(all="ignore"):
                tol, _ = _map_rows(2.0 ** -52 * (rel * np.abs(want) + ab), dim)
                tol = np.nan_to_num(tol, nan=np.inf).max(axis=1)
            top2 = -np.sort(-np.nan_to_num(wr, nan=-1.0), axis=1)[:, :2]
            apart = (top2[:, 0] - top2[:, 1] > 2 * tol + 1e-9) & ~np.isnan(wr).any(axis=1)
            assert np.all(yr[apart].argmax(axis=1) == wr[apart].argmax(axis=1)), what
    gy = data.draw(hostile_like(rng.uniform(-2, 2, x.shape), specials=False,
                                dtypes=[res.str, "<f8", ">f4"]), label="grad_output")
    g = _quiet_call(F.gumbel_softmax_backward, gy, x, generator=seed, **kw)
    assert _snapshot(x) == before, "input modified by the backward"
    assert isinstance(g, np.ndarray) and g.dtype == res and g.shape == x.shape, (g.dtype, g.shape)
    g64 = RP.f64(gy)
    with np.errstate(all="ignore"):
        rel, ab = TS.bwd_tol("softmax", g64, z, dim, np.float64, tau)
        assert_close_tol(g, TS.ref_bwd("softmax", g64, z, dim, tau), res, rel * k + 1, ab * k,
                         err_msg=what + " backward")
    soft = y if not hard else _quiet_call(F.gumbel_softmax, x, tau, False, 1e-10, dim,
                                          generator=seed)
    g2 = _quiet_call(F.gumbel_softmax_backward, gy, x, tau, hard, 1e-10, dim, y_soft=soft)
    if res == np.float64:
        assert TS.bits_equal(g2, g), what + ": backward from y_soft= differs"
    else:  # y_soft rounded to the logits' dtype: test_softmax's bound for that dtype
        with np.errstate(all="ignore"):
            rel, ab = TS.bwd_tol("softmax", g64, z, dim, res, tau)
            assert_close_tol(g2, TS.ref_bwd("softmax", g64, z, dim, tau), res, rel, ab,
                             err_msg=what + " backward from y_soft")


@given(data=st.data())
def test_fuzz_one_hot(data):
    """one_hot over every integer dtype (both byte orders), layout, 0-d and empty shape, with
    num_classes inferred, exact, larger, 0, a NumPy integer; a negative index, one past
    num_classes, an empty tensor with -1, num_classes < -1, float/bool tensors and a float or
    bool num_classes are documented errors. Against test_encoding's np.eye reference."""
    TEN = _reference_module("test_encoding")
    rng = _seeded(data)
    shape = tuple(data.draw(st.lists(st.integers(0, 4), max_size=3), label="shape"))
    C = data.draw(st.integers(1, 6), label="C")
    v = rng.integers(0, C, shape)
    kind = data.draw(st.sampled_from(["int"] * 8 + ["float", "bool"]), label="kind")
    if v.size and data.draw(st.sampled_from([False] * 7 + [True]), label="negative"):
        v.reshape(-1)[0] = data.draw(st.sampled_from([-1, -128]), label="negative value")
    if kind == "int":
        t = _int_array(data.draw, v, SIGNED if (v < 0).any() else SIGNED + UNSIGNED)
    else:
        t = _layout(v.astype(np.float32 if kind == "float" else bool),
                    data.draw(st.sampled_from(LAYOUTS), label="layout"))
    t64 = np.asarray(t).astype(np.int64)
    high = int(t64.max(initial=-1))
    n, bad_n = _drawn(data, "num_classes", [-1, -1, high + 1, high + 3, C, np.int64(C + 1),
                                            np.uint8(C)], [-2, 2.0, True, None], 12)
    bad = ["tensor"] if kind != "int" else []
    bad += ["num_classes"] if bad_n else []
    if kind == "int" and not bad_n:
        if (t64 < 0).any():
            bad.append("tensor")
        elif n == -1 and t.size == 0:
            bad.append("num_classes")
        elif n != -1 and high >= n:
            bad.append("tensor")
    before = _snapshot(t)
    y, raised = _call_or_documented(bad, F.one_hot, t, n)
    if raised:
        return
    assert _snapshot(t) == before, "input modified"
    width = high + 1 if n == -1 else int(n)
    assert isinstance(y, np.ndarray) and y.dtype == np.int64 and y.shape == t.shape + (width,), \
        (type(y), getattr(y, "dtype", None), np.shape(y))
    np.testing.assert_array_equal(y, TEN._ref(t64, width))


# ---- linear_cross_entropy ----------------------------------------------------------------------

LCE_DTYPES = ["<f4", ">f4", "<f8", ">f8"]
LCE_SPECIALS = [math.nan, math.inf, -math.inf, 0.0, -0.0, 5e-324, 1e-45]


@given(data=st.data())
def test_fuzz_linear_cross_entropy(data):
    """linear_cross_entropy (+ _backward, _with_grad) with class-index and class-probability
    targets, (V, D) and K-dimensional (V, d1, D) weights, any chunk_size, in every layout and
    byte order: against reference_linear's float64 logits for finite inputs; with special
    values in the probability target, the per-row NaN/inf pattern of cross_entropy on the
    explicit logits, and no FP error or warning leaked."""
    import reference_linear as RL
    n, d, v = (data.draw(st.integers(lo, 5), label=lab) for lo, lab in
               ((0, "N"), (1, "D"), (1, "V")))
    out = data.draw(st.sampled_from([(), (), (2,)]), label="out")
    probs = data.draw(st.booleans(), label="probs")
    rng = _seeded(data)

    def finite(shape, lo=-2.0, hi=2.0):
        return hostile_like(rng.uniform(lo, hi, shape), dtypes=LCE_DTYPES, specials=False)

    h = data.draw(finite((n, d)), label="input")
    W = data.draw(finite((v,) + out + (d,)), label="linear_weight")
    b = data.draw(st.one_of(st.none(), finite((v,) + out)), label="linear_bias")
    special = probs and data.draw(st.booleans(), label="special target")
    if probs:
        t = data.draw(hostile_like(rng.uniform(-0.5, 1.5, (n, v) + out), dtypes=LCE_DTYPES,
                                   pool=LCE_SPECIALS if special else []), label="target")
    else:
        t = _int_array(data.draw, rng.integers(0, v, (n,) + out), SIGNED)
    w = data.draw(st.one_of(st.none(), finite((v,), 0.1, 2.0)), label="weight")
    kw = {"reduction": data.draw(st.sampled_from(REDUCTIONS), label="reduction"),
          "label_smoothing": data.draw(st.sampled_from([0.0, 0.1, 1.0]), label="ls"),
          "chunk_size": data.draw(st.sampled_from([None, 1, 2, 3, 7]), label="chunk"),
          "weight": w, "linear_bias": b}
    arrays = [a for a in (h, W, t, b, w) if a is not None]
    before = _snapshot(*arrays)
    loss = _quiet_call(F.linear_cross_entropy, h, W, t, **kw)
    res = _result_dtype(h, W, b, w, t if probs else None)
    assert np.asarray(loss).dtype == res
    go = (rng.uniform(-2, 2, np.shape(loss)) if kw["reduction"] == "none" else 0.75)
    grads = _quiet_call(F.linear_cross_entropy_backward, go, h, W, t, **kw)
    l2, *g2 = _quiet_call(F.linear_cross_entropy_with_grad, h, W, t, grad_output=go, **kw)
    assert _snapshot(*arrays) == before, "inputs modified"
    assert TC.bits_equal(l2, loss) and all((x is None and y is None) or TC.bits_equal(x, y)
                                           for x, y in zip(g2, grads))
    for g, a in zip(grads, (h, W, b)):
        assert (g is None) if a is None else (g.shape == a.shape and g.dtype == res)
    h64, W64, t64 = (RC.as_f64(a) if a.dtype.kind == "f" else a for a in (h, W, t))
    b64 = None if b is None else RC.as_f64(b)
    rk = {"weight": None if w is None else RC.as_f64(w), "reduction": kw["reduction"],
          "eps": kw["label_smoothing"]}
    what = f"linear_cross_entropy N={n} D={d} V={v} out={out} probs={probs} {kw} {res}"
    tol = 1e-9 if res == np.float64 else 2e-4
    if special:
        # rows with a NaN target are NaN; rows of finite targets as the reference's
        with np.errstate(all="ignore"):   # the reference's own inf * 0
            rows = RL.loss(h64, W64, t64, b64, **{**rk, "reduction": "none"})
        mine = _quiet_call(F.linear_cross_entropy, h, W, t, **{**kw, "reduction": "none"})
        q = np.moveaxis(t64, 1, -1).reshape(np.shape(rows) + (v,))
        nan_rows, finite_rows = np.isnan(q).any(-1), np.isfinite(q).all(-1)
        assert np.isnan(mine[nan_rows]).all(), what
        e = rows[finite_rows]
        np.testing.assert_allclose(mine[finite_rows].astype(np.float64), e, rtol=0,
                                   atol=tol * max(1.0, float(np.max(np.abs(e), initial=0))),
                                   err_msg=what)
        return
    expected = RL.loss(h64, W64, t64, b64, **rk)
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(np.asarray(loss, np.float64), expected, rtol=0,
                               atol=tol * scale * max(1, n), equal_nan=True, err_msg=what)
    for g, e in zip(grads, RL.grads(go, h64, W64, t64, b64, **rk)):
        if g is not None:
            gs = max(1.0, float(np.max(np.abs(e), initial=0.0)))
            np.testing.assert_allclose(g.astype(np.float64), e, rtol=0,
                                       atol=tol * gs * max(1, n), err_msg=what + " grad")
