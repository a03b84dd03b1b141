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

SQRT_2_OVER_PI = mpmath.sqrt(2 / mpmath.pi)
KAPPA = mpmath.mpf(0.044715)


def _mp_silu_grad(x):
    s = 1 / (1 + mpmath.exp(-x))
    return s * (1 + x * (1 - s))


def _mp_gelu_grad(x):
    return mpmath.ncdf(x) + x * mpmath.npdf(x)


def _mp_gelu_tanh_grad(x):
    s = 1 / (1 + mpmath.exp(-2 * SQRT_2_OVER_PI * (x + KAPPA * x ** 3)))
    return s + 2 * x * s * (1 - s) * SQRT_2_OVER_PI * (1 + 3 * KAPPA * x ** 2)


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


def test_float64_mish_backward_ulp():
    """float64 mish' within the 2 ULP contract on a dense sweep, where its two terms cancel (8.6
    ULP at -1.74 before it was one double-double expression) and at the doubles nearest its
    zero x0 (1394 ULP at 4e-4 from it; a polynomial in x - x0 there), against mpmath."""
    fn, start = ZEROS["mish"]
    x0 = mpmath.findroot(fn, start)
    steps = np.concatenate([-np.logspace(-17, -1, 40), np.logspace(-17, -1, 40)])
    x = np.concatenate([np.linspace(-40.0, 20.0, 3001), float(x0) + steps,
                        np.float64(float(x0)) + np.arange(-20, 21) * np.spacing(float(x0)),
                        -np.logspace(-300, 2.8, 200), np.logspace(-300, 2.8, 200)])
    with mpmath.workdps(40):
        ref = np.array([float(fn(mpmath.mpf(float(v)))) for v in x])
    for g in (1.0, -3.1):
        y = F.mish_backward(np.full_like(x, g), x)
        assert y.dtype == np.float64
        exact = g * ref
        err = np.abs(y - exact) / np.spacing(np.abs(exact))
        worst = int(np.argmax(err))
        assert err[worst] <= 2.0, (f"{err[worst]:.3g} ULP at x = {x[worst]!r} (grad_output {g})")
