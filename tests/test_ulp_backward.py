"""ULP accuracy of every elementwise activation's float32 backward (from the input, and from the
output for sigmoid and tanh), in both accuracy modes: grad_output * f'(x) rounded once is the
contract, so the bound is 1 ULP ("accurate") and 4 ULP ("fast") of the exact product.

Inputs: dense over [-30, 30], a sweep of bit patterns over the whole range, and the places
where a kernel is most likely to lose digits: the floats nearest the zeros of the derivatives
of silu, gelu, gelu(tanh) and mish (the derivative cancels there), hardswish's zero at -1.5,
and the tails of tanh' and gelu(tanh)' (results far below the inputs). grad_output is 1 and
-3.1 (not a power of two: the product with it is a rounding of its own).

References: reference.DERIVATIVE (float64, long double where it cancels) times grad_output,
with the parameters as the doubles they are passed as (the kernels' convention: alpha = 0.3
is not rounded to float32 first; with x / alpha near -87 that rounding alone moves e^(x /
alpha) by 58 ULP); on the zero windows, the derivative in mpmath at 40 digits.
"""
import numpy as np
import pytest

import actloss as F
from reference import DERIVATIVE
from test_ulp import float32_inputs, ulp_error

mpmath = pytest.importorskip("mpmath")

KAPPA = mpmath.mpf(0.044715)  # the kernels' double


def _mp_silu_grad(x):
    s = 1 / (1 + mpmath.exp(-x))
    return s * (1 + x * (1 - s))


def _mp_gelu_grad(x):
    return mpmath.ncdf(x) + x * mpmath.npdf(x)


def _mp_gelu_tanh_grad(x):
    c = mpmath.sqrt(2 / mpmath.pi)  # at the working precision (2u = 1400 at x = -27)
    s = 1 / (1 + mpmath.exp(-2 * c * (x + KAPPA * x ** 3)))
    return s + 2 * x * s * (1 - s) * c * (1 + 3 * KAPPA * x ** 2)


def _mp_mish_grad(x):
    t = mpmath.tanh(mpmath.log1p(mpmath.exp(x)))
    return t + x * (1 - t * t) / (1 + mpmath.exp(-x))


# derivative zeros: name -> (mpmath derivative, a starting point for findroot)
ZEROS = {
    "silu": (_mp_silu_grad, -1.28),
    "gelu": (_mp_gelu_grad, -0.75),
    "gelu_tanh": (_mp_gelu_tanh_grad, -0.75),
    "mish": (_mp_mish_grad, -1.19),
}

# (test id, actloss backward, reference.DERIVATIVE name, keyword arguments)
CASES = [
    ("relu", F.relu_backward, "relu", {}),
    ("relu6", F.relu6_backward, "relu6", {}),
    ("leaky_relu", F.leaky_relu_backward, "leaky_relu", {"negative_slope": 0.2}),
    ("elu", F.elu_backward, "elu", {}),
    ("elu(0.3)", F.elu_backward, "elu", {"alpha": 0.3}),
    ("celu(0.3)", F.celu_backward, "celu", {"alpha": 0.3}),
    ("celu(2.5)", F.celu_backward, "celu", {"alpha": 2.5}),
    ("selu", F.selu_backward, "selu", {}),
    ("gelu", F.gelu_backward, "gelu", {}),
    ("gelu_tanh", lambda g, x: F.gelu_backward(g, x, approximate="tanh"), "gelu_tanh", {}),
    ("silu", F.silu_backward, "silu", {}),
    ("mish", F.mish_backward, "mish", {}),
    ("softplus", F.softplus_backward, "softplus", {}),
    ("softplus(0.7)", F.softplus_backward, "softplus", {"beta": 0.7}),
    ("softsign", F.softsign_backward, "softsign", {}),
    ("sigmoid", F.sigmoid_backward, "sigmoid", {}),
    ("tanh", F.tanh_backward, "tanh", {}),
    ("logsigmoid", F.logsigmoid_backward, "logsigmoid", {}),
    ("hardtanh", F.hardtanh_backward, "hardtanh", {}),
    ("hardsigmoid", F.hardsigmoid_backward, "hardsigmoid", {}),
    ("hardswish", F.hardswish_backward, "hardswish", {}),
    ("hardshrink", F.hardshrink_backward, "hardshrink", {}),
    ("softshrink", F.softshrink_backward, "softshrink", {}),
    ("tanhshrink", F.tanhshrink_backward, "tanhshrink", {}),
    ("threshold", F.threshold_backward, "threshold", {"threshold": 1.0, "value": -2.5}),
]

BOUND = {"accurate": 1.0, "fast": 4.0}
GRADS = (1.0, -3.1)


def _floats_around(x0, n):
    """The n float32s below x0's nearest float32, that float and the n above it."""
    centre = np.float32(x0)
    below = [centre]
    above = [centre]
    for _ in range(n):
        below.append(np.nextafter(below[-1], np.float32(-np.inf)))
        above.append(np.nextafter(above[-1], np.float32(np.inf)))
    return np.array(sorted(set(below + above)), dtype=np.float32)


def _zero_window(name):
    fn, start = ZEROS[name]
    with mpmath.workdps(40):
        x0 = mpmath.findroot(fn, start)
        x = _floats_around(float(x0), 300)
        ref = np.array([float(fn(mpmath.mpf(float(v)))) for v in x])
    return x, ref


def _inputs(name):
    x = [float32_inputs()]
    if name == "tanh":
        x.append(np.linspace(8, 45, 200_001, dtype=np.float32))
    if name == "gelu_tanh":
        x.append(np.linspace(-12, -8, 100_001, dtype=np.float32))
    if name == "hardswish":
        x.append(_floats_around(-1.5, 300))
    x = np.concatenate(x)
    return x[~np.isnan(x)]  # NaN's conventions (grad_output passed through) are tested elsewhere


def _check(y, ref, g, bound, x, what):
    g = float(np.float32(g))  # the grad_output the kernel is given
    err = ulp_error(y, g * ref, np.float32)
    worst = int(np.argmax(err))
    assert err[worst] <= bound, (
        f"{what}: {err[worst]:.3g} ULP at x = {float(x[worst])!r} (grad_output {g}): "
        f"{float(y[worst])!r}, exact {float(g * ref[worst])!r}")


@pytest.mark.parametrize("mode", ["accurate", "fast"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_float32_backward_ulp(case, mode):
    label, backward, name, kwargs = case
    x = _inputs(name)
    with np.errstate(all="ignore"):
        ref = DERIVATIVE[name](x.astype(np.float64), **kwargs)
    for g in GRADS:
        gy = np.full_like(x, g)
        with F.accuracy(mode):
            y = backward(gy, x, **kwargs)
        assert y.dtype == np.float32 and y.shape == x.shape
        _check(y, ref, g, BOUND[mode], x, label)


@pytest.mark.parametrize("mode", ["accurate", "fast"])
@pytest.mark.parametrize("name", sorted(ZEROS))
def test_float32_backward_near_derivative_zero(name, mode):
    """The 601 floats nearest the derivative's zero, against mpmath: a kernel that forms the
    derivative as a difference of rounded terms is off by millions of ULP here."""
    x, ref = _zero_window(name)
    backward = {"gelu_tanh": lambda g, v: F.gelu_backward(g, v, approximate="tanh")}.get(
        name, getattr(F, f"{name}_backward", None))
    for g in GRADS:
        with F.accuracy(mode):
            y = backward(np.full_like(x, g), x)
        _check(y, ref, g, BOUND[mode], x, name)
        assert np.array_equal(np.sign(y), np.sign(g) * np.sign(ref))  # it changes at the zero


def test_hardswish_backward_zero_at_minus_three_halves():
    """hardswish'(-1.5) = -1.5/3 + 1/2 = 0 exactly (torch's x / 3 + 0.5 gives 0 too)."""
    y = F.hardswish_backward(np.float32([1.0, -3.1]), np.float32([-1.5, -1.5]))
    assert np.array_equal(y, np.zeros(2, np.float32))


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_float32_backward_from_output_ulp(name):
    """From the output y: grad_output * y (1 - y) and grad_output * (1 - y^2), torch's formulas
    of y, exact in float64 for a float32 y, rounded once."""
    y32 = np.linspace(0 if name == "sigmoid" else -1, 1, 400_001, dtype=np.float32)
    bits = np.arange(0, 0x3F800001, 2**8, dtype=np.uint32).view(np.float32)  # [+0, 1]
    y32 = np.concatenate([y32, bits] + ([-bits] if name == "tanh" else []))
    y64 = y32.astype(np.float64)
    ref = y64 * (1 - y64) if name == "sigmoid" else 1 - y64 * y64
    backward = getattr(F, f"{name}_backward")
    for g in GRADS:
        r = backward(np.full_like(y32, g), output=y32)
        _check(r, ref, g, 1.0, y32, f"{name} from the output")


# ---- float64 (contract: 2 ULP of grad_output * f'(x), against mpmath) ----------------------

BACKWARD = {"silu": F.silu_backward, "gelu": F.gelu_backward, "mish": F.mish_backward,
            "gelu_tanh": lambda g, x: F.gelu_backward(g, x, approximate="tanh")}


def _doubles_around(x0, n):
    """The n doubles below x0's nearest double, that double and the n above it."""
    centre = np.float64(x0)
    return centre + np.arange(-n, n + 1) * np.spacing(centre)  # one binade: evenly spaced


def _ulp_errors_mp(y, exact):
    """|y - exact| in ULPs of float64 at exact (2^-1074 in the subnormal range), computed in
    mpmath: the exact value split into two doubles would round its low part there."""
    errs = []
    for v, e in zip(y, exact):
        exp = mpmath.frexp(e)[1] if e else -1074
        errs.append(float(abs(mpmath.mpf(float(v)) - e) / mpmath.ldexp(1, max(exp - 53, -1074))))
    return np.array(errs)


def _check64(name, x, grads=GRADS, bound=2.0):
    fn = ZEROS[name][0]
    with mpmath.workdps(60):  # at the doubles nearest a zero the derivative cancels ~20 digits
        ref = [fn(mpmath.mpf(float(v))) for v in x]
        for g in grads:
            y = BACKWARD[name](np.full_like(x, g), x)
            assert y.dtype == np.float64 and y.shape == x.shape
            err = _ulp_errors_mp(y, [g * r for r in ref])
            worst = int(np.argmax(err))
            assert err[worst] <= bound, (
                f"{name}: {err[worst]:.3g} ULP at x = {float(x[worst])!r} (grad_output {g}): "
                f"{float(y[worst])!r}, exact {mpmath.nstr(g * ref[worst], 20)}")
            sign = np.array([np.sign(g) * float(mpmath.sign(r)) for r in ref])
            assert np.array_equal(np.sign(y)[y != 0], sign[y != 0])  # it changes at the zero


@pytest.mark.parametrize("name", sorted(ZEROS))
def test_float64_backward_near_derivative_zero(name):
    """The 601 doubles nearest the derivative's zero x0, and points spread from 1e-16 to 0.5
    from it (across the kernels' windows about x0 and their edges), against mpmath. Forms that
    subtract terms of size ~1 keep only ~1e-17 absolutely there: 10^13 to 10^16 ULP at the
    nearest doubles, and still 13 ULP (silu) to 1200 ULP (gelu) at 1e-4 from x0."""
    fn, start = ZEROS[name]
    with mpmath.workdps(60):
        x0 = float(mpmath.findroot(fn, start))
    steps = np.logspace(-16, np.log10(0.5), 60)
    edges = np.array([2.0 ** -k * f for k in (2, 3, 4, 5, 6) for f in (1 - 2 ** -40, 1 + 2 ** -40)])
    x = np.concatenate([_doubles_around(x0, 300), x0 - steps, x0 + steps, x0 - edges, x0 + edges])
    _check64(name, x)


@pytest.mark.parametrize("name, lo, hi", [("gelu_tanh", -30.0, -17.0), ("gelu", -38.7, -37.0),
                                          ("silu", -745.0, -705.0), ("mish", -745.0, -705.0)])
def test_float64_backward_subnormal_results(name, lo, hi):
    """Where f'(x) is subnormal, grad_output times it is still rounded once (f'(x)'s power of two
    applied after the product): a subnormal f'(x) rounded first and then multiplied by
    grad_output carries |grad_output| times its rounding error (500 ULP at grad_output 10^3).
    gelu_tanh' there was 10^3 ULP off at any grad_output (x < -21)."""
    x = np.linspace(lo, hi, 1301)
    _check64(name, x, grads=(1.0, -3.1, 1e3, 0.37))


@pytest.mark.parametrize("name", sorted(ZEROS))
def test_float64_backward_ulp(name):
    """A dense sweep, random points where the derivatives bend and the tails, against mpmath:
    within the 2 ULP contract where the derivative's terms cancel (in rounded doubles mish' was
    8.6 ULP off at -1.74 and 2.3 at 0.07, gelu_tanh' 18 ULP at -0.70; gelu' 1.7 ULP at 0.06
    from its zero)."""
    x = np.concatenate([np.linspace(-40.0, 20.0, 3001), np.random.default_rng(13).uniform(-3, 1, 4000),
                        -np.logspace(-300, 2.8, 200), np.logspace(-300, 2.8, 200)])
    _check64(name, x)


def _mp_sigmoid(z):
    return 1 / (1 + mpmath.exp(-z))


def _mp_sigmoid_grad(x):
    e = mpmath.exp(-abs(x))  # symmetric; 1 - s would cancel to nothing at x = 740
    return e / (1 + e) ** 2


SELU_SA = mpmath.mpf(1.0507009873554805) * mpmath.mpf(1.6732632423543772)  # torch's doubles

# (test id, actloss backward, mpmath derivative, inputs where it is subnormal and a few where
# it is just normal)
TINY_DERIVATIVE = [
    ("sigmoid", F.sigmoid_backward, _mp_sigmoid_grad, [(-745.5, -700.0), (700.0, 745.5)]),
    ("tanh", F.tanh_backward, lambda x: mpmath.sech(x) ** 2, [(-373.5, -350.0), (350.0, 373.5)]),
    ("elu", F.elu_backward, lambda x: mpmath.exp(x) if x <= 0 else 1, [(-745.5, -700.0)]),
    ("elu(0.3)", lambda g, x: F.elu_backward(g, x, alpha=0.3),
     lambda x: mpmath.mpf(0.3) * mpmath.exp(x), [(-744.5, -700.0)]),
    ("celu(0.3)", lambda g, x: F.celu_backward(g, x, alpha=0.3),
     lambda x: mpmath.exp(x / mpmath.mpf(0.3)), [(-223.6, -210.0)]),
    ("celu(2.5)", lambda g, x: F.celu_backward(g, x, alpha=2.5),
     lambda x: mpmath.exp(x / mpmath.mpf(2.5)), [(-1863.0, -1750.0)]),
    ("selu", F.selu_backward, lambda x: SELU_SA * mpmath.exp(x), [(-745.5, -700.0)]),
    ("softplus", F.softplus_backward, _mp_sigmoid, [(-745.5, -700.0)]),
    ("softplus(0.7)", lambda g, x: F.softplus_backward(g, x, beta=0.7),
     lambda x: _mp_sigmoid(mpmath.mpf(0.7) * x), [(-1065.0, -1000.0)]),
    ("logsigmoid", F.logsigmoid_backward, lambda x: _mp_sigmoid(-x), [(700.0, 745.5)]),
    ("tanhshrink", F.tanhshrink_backward, lambda x: mpmath.tanh(x) ** 2, []),
]


@pytest.mark.parametrize("case", TINY_DERIVATIVE, ids=[c[0] for c in TINY_DERIVATIVE])
def test_float64_backward_subnormal_derivative(case):
    """grad_output * f'(x) where f'(x) is a subnormal double (and a little before), rounded
    once: f'(x) rounded to a subnormal first keeps few significant bits, and grad_output 10^3
    times it was ~500 ULP off (2^40: 5e11 ULP of a subnormal result); celu's x / alpha and
    softplus's beta x rounded before the exp were ~450 ULP off at any grad_output. The
    reference is the derivative in mpmath at 60 digits times grad_output."""
    label, backward, deriv, spans = case
    x = [np.linspace(lo, hi, 401) for lo, hi in spans]
    if label == "tanhshrink":  # tanh(x)^2 is subnormal below |x| = 2^-511
        t = np.logspace(-162.0, -150.0, 401)
        x += [t, -t]
    x = np.concatenate(x)
    worst = (0.0, None)
    with mpmath.workdps(60):
        ref = [deriv(mpmath.mpf(float(v))) for v in x]
        for g in (1000.0, 2.0 ** 40, -3.0, 1.0):
            y = backward(np.full_like(x, g), x)
            assert y.dtype == np.float64 and y.shape == x.shape
            err = _ulp_errors_mp(y, [g * r for r in ref])
            i = int(np.argmax(err))
            if err[i] > worst[0]:
                worst = (err[i], f"x = {float(x[i])!r} (grad_output {g}): {float(y[i])!r}, "
                                 f"exact {mpmath.nstr(g * ref[i], 20)}")
    assert worst[0] <= 2.0, f"{label}: {worst[0]:.3g} ULP at {worst[1]}"


def test_float64_tanhshrink_backward_ulp():
    """grad_output * tanh(x)^2 within 2 ULP: densely over 0.1..2 (either sign) and more widely,
    tiny and large |x| included. With tanh(x) rounded and then squared, the roundings added up
    to 2.46 ULP near x = 0.27."""
    rng = np.random.default_rng(29)
    dense = np.concatenate([np.linspace(0.1, 2.0, 4001), rng.uniform(0.1, 2.0, 3000),
                            _doubles_around(0.27, 200)])
    wide = np.concatenate([np.logspace(-320, np.log10(30.0), 400), rng.uniform(0.0, 8.0, 1000),
                           np.array([1e-200, 2.0 ** -511, 19.0, 20.0, 25.0, 1e300])])
    x = np.concatenate([dense, -dense, wide, -wide])
    worst = (0.0, None)
    with mpmath.workdps(60):
        ref = [mpmath.tanh(mpmath.mpf(float(v))) ** 2 for v in x]
        for g in (1.0, -3.0, 1000.0):
            y = F.tanhshrink_backward(np.full_like(x, g), x)
            assert y.dtype == np.float64 and y.shape == x.shape
            err = _ulp_errors_mp(y, [g * r for r in ref])
            i = int(np.argmax(err))
            if err[i] > worst[0]:
                worst = (err[i], f"x = {float(x[i])!r} (grad_output {g}): {float(y[i])!r}, "
                                 f"exact {mpmath.nstr(g * ref[i], 20)}")
    print(f"tanhshrink float64 backward: max {worst[0]:.3g} ULP at {worst[1]}")
    assert worst[0] <= 2.0, f"tanhshrink: {worst[0]:.3g} ULP at {worst[1]}"


def test_float64_hardswish_backward_near_its_zero():
    """hardswish'(x) = (x + 1.5) / 3 on (-3, 3), 0 at -1.5: torch's x / 3 + 0.5 rounds x / 3 and
    keeps no digit there (5e6 ULP at x = -1.4999999); within the 2 ULP contract of grad_output
    times it, against mpmath, on the doubles nearest -1.5 and points spread from 1e-15 to 1.4
    from it."""
    t = np.logspace(-15, np.log10(1.4), 200)
    x = np.concatenate([_doubles_around(-1.5, 300), -1.5 - t, -1.5 + t])
    with mpmath.workdps(60):
        for g in GRADS:
            for mode in ("accurate", "fast"):
                with F.accuracy(mode):
                    y = F.hardswish_backward(np.full_like(x, g), x)
                exact = [g * (mpmath.mpf(float(v)) + mpmath.mpf(1.5)) / 3 for v in x]
                err = _ulp_errors_mp(y, exact)
                worst = int(np.argmax(err))
                assert err[worst] <= 2.0, (mode, g, float(x[worst]), err[worst])
