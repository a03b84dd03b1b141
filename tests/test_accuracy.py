"""The accuracy modes: how a call's mode is chosen (set_accuracy, the accuracy() block, the
environment), what show_config reports, and what fast mode keeps from accurate mode. The ULP
bounds of both modes are in test_ulp.py."""
import io
import os
import subprocess
import sys
import threading

import numpy as np
import pytest
from scipy import special

import actloss as F
from actloss import _dispatch, _ops


@pytest.fixture(autouse=True)
def _restore_mode():
    previous = F.set_accuracy("accurate")
    yield
    F.set_accuracy(previous)


def test_default_is_accurate_and_set_accuracy_returns_the_previous_mode():
    assert F.get_accuracy() == "accurate"
    assert F.set_accuracy("fast") == "accurate"
    assert F.get_accuracy() == "fast"
    assert F.set_accuracy(" Accurate ") == "fast"  # any case, surrounding blanks
    assert F.get_accuracy() == "accurate"


@pytest.mark.parametrize("bad", ["quick", "", None, 1, b"fast"])
def test_unknown_modes_are_refused(bad):
    with pytest.raises(ValueError, match="mode must be one of 'accurate', 'fast'"):
        F.set_accuracy(bad)
    with pytest.raises(ValueError, match="mode must be one of"):
        with F.accuracy(bad):
            pass
    assert F.get_accuracy() == "accurate"


def test_accuracy_block_nests_restores_and_wins_over_set_accuracy():
    with F.accuracy("fast"):
        assert F.get_accuracy() == "fast"
        with F.accuracy("accurate"):
            assert F.get_accuracy() == "accurate"
            F.set_accuracy("fast")  # the process default changes; the block still wins
            assert F.get_accuracy() == "accurate"
        assert F.get_accuracy() == "fast"
    assert F.get_accuracy() == "fast"  # the default set inside the block
    F.set_accuracy("accurate")
    with pytest.raises(RuntimeError):
        with F.accuracy("fast"):
            raise RuntimeError
    assert F.get_accuracy() == "accurate"  # restored on an exception too


def test_accuracy_block_is_per_thread():
    seen = {}
    started, release = threading.Event(), threading.Event()

    def worker():
        seen["start"] = F.get_accuracy()
        started.set()
        release.wait(5)
        seen["later"] = F.get_accuracy()

    with F.accuracy("fast"):
        t = threading.Thread(target=worker)
        t.start()
        started.wait(5)
        assert F.get_accuracy() == "fast"
    release.set()
    t.join(5)
    # the block changed this thread only; the process default is what other threads see
    assert seen == {"start": "accurate", "later": "accurate"}


def _import_with(value):
    env = dict(os.environ, ACTLOSS_ACCURACY=value)
    code = "import actloss; print(actloss.get_accuracy()); actloss.show_config()"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_environment_variable():
    run = _import_with("FAST")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "fast"
    assert "accuracy    : fast (ACTLOSS_ACCURACY;" in run.stdout
    run = _import_with("sloppy")
    assert run.returncode != 0
    assert "ACTLOSS_ACCURACY must be one of 'accurate', 'fast', got 'sloppy'" in run.stderr


def test_show_config_reports_the_mode_and_its_source():
    info = F.show_config(file=io.StringIO())
    assert (info["accuracy"], info["accuracy_source"]) == ("accurate", "set_accuracy")
    with F.accuracy("fast"):
        text = io.StringIO()
        info = F.show_config(file=text)
    assert (info["accuracy"], info["accuracy_source"]) == ("fast", "actloss.accuracy() block")
    assert "<= 4 ULP" in text.getvalue()


# ---- fast mode: the fast kernels run, within their bound, with accurate mode's specials -------

def _ulp32(y, ref):
    spacing = np.maximum(np.spacing(np.abs(ref.astype(np.float32))).astype(np.float64),
                         2.0 ** -149)
    return np.abs(y.astype(np.float64) - ref) / spacing


def test_fast_gelu_runs_its_own_kernel_within_4_ulp():
    x = np.linspace(-13, 13, 400_001, dtype=np.float64).astype(np.float32)
    ref = 0.5 * x.astype(np.float64) * special.erfc(-x.astype(np.float64) / np.sqrt(2))
    accurate = F.gelu(x)
    with F.accuracy("fast"):
        fast = F.gelu(x)
        fast_out = F.gelu(x[::2], out=np.empty(200_001, np.float32))  # the general path too
    assert fast.dtype == np.float32
    assert _ulp32(accurate, ref).max() <= 1.0
    assert _ulp32(fast, ref).max() <= 4.0
    assert np.array_equal(fast_out, fast[::2])
    if _dispatch.ISA != "baseline":  # baseline kernels have no FMA: they run the accurate loop
        assert not np.array_equal(fast, accurate)  # the fast kernel really ran


SPECIALS = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 3.4e38, -3.4e38,
                     13.5, -13.5, 20.0, -20.0, -14.5, -40.0], dtype=np.float32)

# The public calls of the ops with fast kernels (_ops.FAST's op names: gelu_tanh is gelu's
# approximate="tanh"); every FAST entry must have its call here.
FORWARD = {
    "gelu": lambda x: F.gelu(x),
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "sigmoid": lambda x: F.sigmoid(x),
    "silu": lambda x: F.silu(x),
    "tanh": lambda x: F.tanh(x),
    "tanhshrink": lambda x: F.tanhshrink(x),
    "hardswish": lambda x: F.hardswish(x),
    "logsigmoid": lambda x: F.logsigmoid(x),
    "softplus": lambda x: F.softplus(x),
    "hardsigmoid": lambda x: F.hardsigmoid(x),
    "softsign": lambda x: F.softsign(x),
}
BACKWARD = {
    "gelu": lambda g, x: F.gelu_backward(g, x),
    "gelu_tanh": lambda g, x: F.gelu_backward(g, x, approximate="tanh"),
    "silu": lambda g, x: F.silu_backward(g, x),
    "softplus": lambda g, x: F.softplus_backward(g, x, 0.7, 20.0),
    "logsigmoid": lambda g, x: F.logsigmoid_backward(g, x),
    "elu": lambda g, x: F.elu_backward(g, x, 0.3),
    "celu": lambda g, x: F.celu_backward(g, x, 2.5),
    "selu": lambda g, x: F.selu_backward(g, x),
    "hardswish": lambda g, x: F.hardswish_backward(g, x),
    # from the output (kind "bwdo"): x is the forward's output
    "sigmoid(output)": lambda g, y: F.sigmoid_backward(g, output=y),
    "tanh(output)": lambda g, y: F.tanh_backward(g, output=y),
}
FAST_FORWARD = sorted({op for op, kind, _ in _ops.FAST if kind == "fwd"})
FAST_BACKWARD = sorted({op if kind == "bwd" else op + "(output)" for op, kind, _ in _ops.FAST
                        if kind in ("bwd", "bwdo")})


def test_every_fast_kernel_has_its_call_here():
    assert set(FAST_FORWARD) <= set(FORWARD) and set(FAST_BACKWARD) <= set(BACKWARD)
    assert {kind for _, kind, _ in _ops.FAST} <= {"fwd", "bwd", "bwdo"}


@pytest.mark.parametrize("name", FAST_FORWARD)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_mode_keeps_special_values(name, dtype):
    """NaN, infinities, zeros, subnormals and the largest floats give the accurate mode's
    results exactly; the ordinary values beside them (each element takes its own kernel
    whatever shares its block) stay within fast mode's 4 ULP of them."""
    x = SPECIALS.astype(dtype)
    accurate = FORWARD[name](x)
    with F.accuracy("fast"):
        fast = FORWARD[name](x)
    special = slice(0, 9)
    np.testing.assert_array_equal(fast[special], accurate[special])
    assert np.array_equal(np.signbit(fast), np.signbit(accurate))
    ulps = np.abs(fast[9:].astype(np.float64) - accurate[9:]) / np.spacing(np.abs(accurate[9:]))
    assert (ulps <= 4).all(), ulps


@pytest.mark.parametrize("name", FAST_BACKWARD)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_backward_keeps_special_values(name, dtype):
    """The same for the backward kernels, with grad_output special too (inf times the
    derivative is +-inf, not the NaN of inf times a zero low part): every pair of a special
    and an ordinary grad_output with a special and an ordinary input, the ordinary inputs
    inside and outside the fast kernels' domains. Non-finite values exactly; the rest (zero
    inputs included: elu's alpha at 0 is no special value) within 4 ULP."""
    xs = np.concatenate([SPECIALS, np.float32([-0.75, -1.28, 0.3, 2.5, -9.0, -9.99, 9.5, 86.0])])
    gs = np.float32([1.0, -3.1, np.inf, -np.inf, np.nan, 0.0, -0.0, 3.0e38, 1e-30, 1e-45])
    g, x = (a.ravel().astype(dtype) for a in np.meshgrid(gs, xs))
    accurate = BACKWARD[name](g, x)
    with F.accuracy("fast"):
        fast = BACKWARD[name](g, x)
    exact = ~np.isfinite(g) | ~np.isfinite(x) | ~np.isfinite(accurate)
    np.testing.assert_array_equal(fast[exact], accurate[exact])
    signed = exact & (g != 0) & ~np.isnan(accurate)
    assert np.array_equal(np.signbit(fast[signed]), np.signbit(accurate[signed]))
    # a zero grad_output gives zero (of either sign: the kernels' fused products round a low
    # part's -0 * c to +0 in both modes, differently)
    # (where the derivative is finite: 0 times sigmoid'(output) overflowing is NaN)
    assert (fast[(g == 0) & np.isfinite(x) & np.isfinite(accurate)] == 0).all()
    exact |= g == 0
    # elsewhere 4 ULP (of the subnormal spacing where the result is below the normal range)
    spacing = np.maximum(np.spacing(np.abs(accurate[~exact])), np.finfo(dtype).smallest_subnormal)
    ulps = np.abs(fast[~exact].astype(np.float64) - accurate[~exact]) / spacing
    assert (ulps <= 4).all(), (x[~exact][ulps > 4], g[~exact][ulps > 4], ulps[ulps > 4])


def _silu_d(x):
    return 1 / (1 + np.exp(-x)) * (1 + x / (1 + np.exp(x)))


def _gelu_d(x):
    return 0.5 * special.erfc(-x / np.sqrt(2)) + x * np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)


def _gelu_tanh_d(x):
    c = np.sqrt(2 / np.pi)
    z = 2 * c * (x + 0.044715 * x ** 3)
    s, sc = special.expit(z), special.expit(-z)
    return s + 2 * x * s * sc * c * (1 + 3 * 0.044715 * x * x)


SELU_SCALE, SELU_ALPHA = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717


def _tanhshrink(x):
    small = x ** 3 * (1 / 3 - x * x * (2 / 15 - x * x * (17 / 315 - x * x * 62 / 2835)))
    return np.where(np.abs(x) < 0.01, small, x - np.tanh(x))


# name, the fast call, its float64 reference, inputs (float32 grids over the kernels' domains
# and the zeros of the derivatives)
def _grid(lo, hi, n=200_001, zeros=()):
    parts = [np.linspace(lo, hi, n, dtype=np.float64)]
    parts += [z + np.linspace(-2.0 ** -6, 2.0 ** -6, 20_001) for z in zeros]
    return np.concatenate(parts).astype(np.float32)


FAST_CASES = [
    ("silu_backward", lambda g, x: F.silu_backward(g, x), _silu_d, _grid(-87, 87, zeros=(-1.2785,))),
    ("gelu_backward", lambda g, x: F.gelu_backward(g, x), _gelu_d, _grid(-13, 13, zeros=(-0.7518,))),
    ("gelu_tanh_backward", lambda g, x: F.gelu_backward(g, x, approximate="tanh"), _gelu_tanh_d,
     _grid(-9.98, 12, zeros=(-0.7525,))),
    ("softplus_backward", lambda g, x: F.softplus_backward(g, x, 3.0, 20.0),
     lambda x: np.where(np.float32(3.0) * x > 20, 1.0, special.expit(3.0 * x)), _grid(-29, 29)),
    ("logsigmoid_backward", lambda g, x: F.logsigmoid_backward(g, x),
     lambda x: special.expit(-x), _grid(-87, 87)),
    ("elu_backward", lambda g, x: F.elu_backward(g, x, 0.3),
     lambda x: np.where(x <= 0, 0.3 * np.exp(x), 1.0), _grid(-70, 5)),
    ("celu_backward", lambda g, x: F.celu_backward(g, x, 2.5),
     lambda x: np.where(x <= 0, np.exp(x / 2.5), 1.0), _grid(-170, 5)),
    ("selu_backward", lambda g, x: F.selu_backward(g, x),
     lambda x: SELU_SCALE * np.where(x <= 0, SELU_ALPHA * np.exp(x), 1.0), _grid(-70, 5)),
    ("gelu_tanh", lambda g, x: F.gelu(x, approximate="tanh"),
     lambda x: x * special.expit(2 * np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)), _grid(-10.3, 12)),
    ("tanhshrink", lambda g, x: F.tanhshrink(x), _tanhshrink, _grid(-12, 12)),
    ("hardsigmoid", lambda g, x: F.hardsigmoid(x), lambda x: np.clip(x + 3, 0, 6) / 6,
     _grid(-4, 4, zeros=(-3.0, 3.0))),
    ("hardswish", lambda g, x: F.hardswish(x), lambda x: x * np.clip(x + 3, 0, 6) / 6,
     _grid(-4, 4, zeros=(-3.0, 3.0))),
    ("hardswish_backward", lambda g, x: F.hardswish_backward(g, x),
     lambda x: np.where(x <= -3, 0.0, np.where(x < 3, x / 3 + 0.5, 1.0)),
     _grid(-4, 4, zeros=(-3.0, -1.5, 3.0))),
    ("softsign", lambda g, x: F.softsign(x), lambda x: x / (1 + np.abs(x)), _grid(-1e4, 1e4)),
    # from the output: the inputs are outputs (y in [0, 1] and [-1, 1])
    ("sigmoid_backward(output)", lambda g, y: F.sigmoid_backward(g, output=y),
     lambda y: y * (1 - y), _grid(0, 1, zeros=(0.5,))),
    ("tanh_backward(output)", lambda g, y: F.tanh_backward(g, output=y),
     lambda y: 1 - y * y, np.clip(_grid(-1, 1, zeros=(-1.0, 1.0)), -1, 1)),
]


@pytest.mark.parametrize("name,call,ref,x", FAST_CASES, ids=[c[0] for c in FAST_CASES])
def test_fast_kernels_run_within_4_ulp(name, call, ref, x):
    """Each fast kernel against an independent float64 formula, where the result is a normal
    float32 (the fast bound's scope), with grad_output -3.1 (backward); and it really runs (its
    results differ from accurate mode's somewhere) where the ISA has FMA."""
    g = np.full_like(x, -3.1)
    backward = "_backward" in name
    expected = ref(x.astype(np.float64)) * (np.float64(np.float32(-3.1)) if backward else 1.0)
    accurate = call(g, x)
    with F.accuracy("fast"):
        fast = call(g, x)
    assert fast.dtype == np.float32
    normal = np.abs(expected) >= np.finfo(np.float32).tiny
    assert _ulp32(fast[normal], expected[normal]).max() <= 4.0
    assert _ulp32(accurate[normal], expected[normal]).max() <= 1.0
    if _dispatch.ISA != "baseline":
        assert not np.array_equal(fast, accurate)


def test_every_function_runs_in_fast_mode():
    """A function without a fast kernel gives exactly its accurate result in fast mode."""
    x = np.linspace(-6, 6, 10_001, dtype=np.float32)
    fast_ops = set(FAST_FORWARD) | {"gelu"}  # gelu's approximate="tanh" is gelu_tanh
    for name in F.ACTIVATIONS:
        if name in fast_ops or name in ("prelu", "rrelu", "glu"):
            continue
        args = (0.1, -2.0) if name == "threshold" else ()
        accurate = getattr(F, name)(x, *args)
        with F.accuracy("fast"):
            fast = getattr(F, name)(x, *args)
        np.testing.assert_array_equal(fast, accurate, err_msg=name)
