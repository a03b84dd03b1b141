"""The float64 fast-mode kernels (_ops.FAST entries with dtype f64): within fast mode's 4 ULP of
mpmath wherever the result is normal, on the inputs where their formulas are weakest (the
derivatives' zeros, where e^-|x| stops being small, the domain edges at |x| = 708), identical
to accurate mode outside their domain (NaN, infinities, subnormal results), and really run.

Float64 cannot be checked exhaustively; these samples and tests/test_ulp.py's are the evidence
for the bound (the kernels' comments give the sampled maxima)."""
import numpy as np
import pytest

import actloss as F
from actloss import _dispatch, _ops

mpmath = pytest.importorskip("mpmath")

BOUND = 4.0
GRADS = (1.0, -3.1)


def _sig(z):
    return 1 / (1 + mpmath.exp(-z))


def _silu_grad(x):
    s = _sig(x)
    return s * (1 + x * (1 - s))


def _softplus_grad(x, beta, threshold=20.0):
    """1 where beta x (in the input's precision, as torch) exceeds the threshold: softplus is x
    there"""
    return 1 if float(x) * beta > threshold else _sig(mpmath.mpf(beta) * x)


def _gelu_tanh_grad(x):
    c, kappa = mpmath.sqrt(2 / mpmath.pi), mpmath.mpf(0.044715)
    s = _sig(2 * c * (x + kappa * x ** 3))
    return s * (1 + 2 * x * c * (1 + 3 * kappa * x * x) * (1 - s))


_SELU_SCALE = mpmath.mpf(1.0507009873554804934193349852946)  # the doubles torch uses
_SELU_ALPHA = mpmath.mpf(1.6732632423543772848170429916717)


def _softplus(x, beta, threshold=20.0):
    """x where beta x (in the input's precision, as torch) exceeds the threshold"""
    z = mpmath.mpf(beta) * x
    return x if float(x) * beta > threshold else mpmath.log1p(mpmath.exp(z)) / mpmath.mpf(beta)


# name -> (call(x, gy) in the current mode, exact(x) per unit grad_output in mpmath)
CASES = {
    "sigmoid": (lambda x, g: F.sigmoid(x), _sig),
    "silu": (lambda x, g: F.silu(x), lambda x: x * _sig(x)),
    "silu_backward": (lambda x, g: F.silu_backward(g, x), _silu_grad),
    "tanh": (lambda x, g: F.tanh(x), mpmath.tanh),
    "gelu_tanh": (lambda x, g: F.gelu(x, approximate="tanh"),
                  lambda x: x * _sig(2 * mpmath.sqrt(2 / mpmath.pi) * (x + mpmath.mpf(0.044715) * x ** 3))),
    "gelu_tanh_backward": (lambda x, g: F.gelu_backward(g, x, approximate="tanh"), _gelu_tanh_grad),
    "hardswish": (lambda x, g: F.hardswish(x), lambda x: x * min(max(x + 3, 0), 6) / 6),
    "tanhshrink": (lambda x, g: F.tanhshrink(x), lambda x: x - mpmath.tanh(x)),
    "logsigmoid": (lambda x, g: F.logsigmoid(x), lambda x: -mpmath.log1p(mpmath.exp(-x))),
    "logsigmoid_backward": (lambda x, g: F.logsigmoid_backward(g, x), lambda x: _sig(-x)),
    "elu_backward": (lambda x, g: F.elu_backward(g, x), lambda x: mpmath.exp(x) if x <= 0 else 1),
    "elu_backward(alpha=0.3)": (lambda x, g: F.elu_backward(g, x, alpha=0.3),
                                lambda x: mpmath.mpf(0.3) * mpmath.exp(x) if x <= 0 else 1),
    "celu_backward": (lambda x, g: F.celu_backward(g, x), lambda x: mpmath.exp(x) if x <= 0 else 1),
    "celu_backward(alpha=2.5)": (lambda x, g: F.celu_backward(g, x, alpha=2.5),
                                 lambda x: mpmath.exp(x / mpmath.mpf(2.5)) if x <= 0 else 1),
    "celu_backward(alpha=0.3)": (lambda x, g: F.celu_backward(g, x, alpha=0.3),
                                 lambda x: mpmath.exp(x / mpmath.mpf(0.3)) if x <= 0 else 1),
    "selu_backward": (lambda x, g: F.selu_backward(g, x),
                      lambda x: _SELU_SCALE * (_SELU_ALPHA * mpmath.exp(x) if x <= 0 else 1)),
    "gelu": (lambda x, g: F.gelu(x), lambda x: x * mpmath.ncdf(x)),
    "gelu_backward": (lambda x, g: F.gelu_backward(g, x),
                      lambda x: mpmath.ncdf(x) + x * mpmath.npdf(x)),
    "softplus": (lambda x, g: F.softplus(x), lambda x: _softplus(x, 1.0)),
    "softplus(beta=0.7)": (lambda x, g: F.softplus(x, beta=0.7), lambda x: _softplus(x, 0.7)),
    "softplus_backward": (lambda x, g: F.softplus_backward(g, x), lambda x: _softplus_grad(x, 1.0)),
    "softplus_backward(beta=0.7)": (lambda x, g: F.softplus_backward(g, x, beta=0.7),
                                    lambda x: _softplus_grad(x, 0.7)),
}
BACKWARDS = {name for name in CASES if "backward" in name}


def test_cases_cover_the_float64_fast_table():
    """A float64 entry added to _ops.FAST without a case here fails."""
    names = {("%s_backward" % op if kind == "bwd" else op) for op, kind, sfx in _ops.FAST
             if sfx == "f64"}
    assert names <= set(CASES), names - set(CASES)


def _inputs(name):
    rng = np.random.default_rng(len(name))
    x = [np.linspace(-40.0, 40.0, 2001), rng.uniform(-6, 6, 1500),
         np.sign(rng.uniform(-1, 1, 600)) * np.exp(rng.uniform(-700, 6.5, 600)),
         np.linspace(-708.0, -690.0, 101), np.linspace(690.0, 708.0, 101)]
    if name == "silu_backward":  # about the zero x0 of silu' and the window edges (x0 +- 1/16)
        x0 = -1.2784645427610737
        t = np.logspace(-16, np.log10(0.5), 80)
        x += [x0 + np.arange(-200, 201) * np.spacing(x0), x0 - t, x0 + t,
              x0 + np.array([-1, 1]) / 16 * (1 + np.array([[-1e-9], [1e-9]])).ravel()]
    if name.startswith("gelu"):  # the pieces' edges, about the derivative's zero x0, the tail
        x0 = -0.7524614220710163 if name.startswith("gelu_tanh") else -0.7517915246935645
        edges = np.array([-0.75, 0.75, -3.0, 3.0, x0 - 0.5, x0 + 0.5, -37.5, -20.0, 20.0])
        x += [(edges + np.arange(-20, 21)[:, None] * np.spacing(edges)).ravel(),
              x0 + np.arange(-200, 201) * np.spacing(x0), x0 + rng.uniform(-0.6, 0.6, 1500),
              -np.exp(rng.uniform(-3, np.log(37.5), 1500))]
    if name == "tanhshrink":
        x += [np.linspace(-4.5, 4.5, 1501)]
    return np.concatenate(x)


def _ulps(y, exact):
    out = []
    for v, e in zip(y, exact):
        if abs(e) < mpmath.mpf(2.0) ** -1022:  # subnormal results: outside fast mode's promise
            out.append(0.0)
            continue
        out.append(float(abs(mpmath.mpf(float(v)) - e) / mpmath.ldexp(1, mpmath.frexp(e)[1] - 53)))
    return np.array(out)


@pytest.mark.parametrize("name", sorted(CASES))
def test_float64_fast_within_4_ulp(name):
    call, exact = CASES[name]
    x = _inputs(name)
    with mpmath.workdps(400):  # x - tanh(x) at x = 1e-100 cancels 200 digits
        ref = [+exact(mpmath.mpf(float(v))) for v in x]
        for g in (GRADS if name in BACKWARDS else (1.0,)):
            with F.accuracy("fast"):
                y = call(x, np.full_like(x, g))
            assert y.dtype == np.float64 and y.shape == x.shape
            err = _ulps(y, [g * r for r in ref])
            worst = int(np.argmax(err))
            assert err[worst] <= BOUND, (f"{name}: {err[worst]:.3g} ULP at x = {x[worst]!r} "
                                         f"(grad_output {g})")


SPECIALS = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-324, -5e-324, 1.7e308, -1.7e308,
                     709.0, -709.0, 745.0, -745.0, 1000.0, -1000.0])


@pytest.mark.parametrize("name", sorted(CASES))
def test_float64_fast_special_values_as_accurate(name):
    """NaN, infinities, zeros (with their signs), subnormals, and inputs past |x| = 708 (whose
    blocks run the accurate kernel) give accurate mode's bits; grad_output at the extremes too."""
    call, _ = CASES[name]
    for g in (GRADS + (1.7e308, 5e-324) if name in BACKWARDS else (1.0,)):
        gy = np.full_like(SPECIALS, g)
        accurate = call(SPECIALS, gy)
        with F.accuracy("fast"):
            fast = call(SPECIALS, gy)
        np.testing.assert_array_equal(fast[:9], accurate[:9])
        np.testing.assert_array_equal(np.signbit(fast), np.signbit(accurate))
        finite = np.isfinite(accurate) & (np.abs(accurate) >= 2.0 ** -1022)
        ulps = np.abs(fast - accurate)[finite] / np.spacing(np.abs(accurate[finite]))
        assert (ulps <= BOUND).all(), (name, g, ulps)


@pytest.mark.parametrize("name", sorted(CASES))
def test_float64_fast_kernel_runs(name):
    """Fast mode really takes the float64 fast kernel (its roundings differ from accurate mode's
    somewhere), except on baseline builds, which have no FMA and run the accurate loop."""
    call, _ = CASES[name]
    x = np.random.default_rng(5).uniform(-8, 8, 20_000)
    gy = np.full_like(x, -3.1)
    accurate = call(x, gy)
    with F.accuracy("fast"):
        fast = call(x, gy)
    if _dispatch.ISA == "baseline":
        np.testing.assert_array_equal(fast, accurate)
    else:
        assert not np.array_equal(fast, accurate)
        np.testing.assert_allclose(fast, accurate, rtol=5e-15, atol=0)
