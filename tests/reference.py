"""Float64 reference ("oracle") for every activation of actloss, forward and derivative.

Written the obvious way with NumPy and scipy.special, on purpose sharing nothing with
``src/actloss`` (never import actloss here): a bug would have to be made twice, in two
different ways, to go unnoticed.

Conventions
-----------
* Every function takes float64 arrays (``as_f64`` upcasts float32 inputs exactly, so the
  reference sees the very numbers the kernel sees) and returns float64.
* ``<op>_grad(x, ...)`` is d op / dx (not multiplied by a grad_output).
* Semantics are torch's (``torch.nn.functional``): the values at the kinks, the
  ``x > threshold ? x : value`` comparisons, scalar parameters converted to the input's
  dtype (see ``torch_params``).
* Special values follow actloss's contract (DESIGN.md section 1): NaN in gives NaN out, and
  where torch returns NaN although the limit is finite (gelu, silu, mish, hardswish at -inf;
  softsign at +-inf) the reference returns the limit. Derivatives at +-inf are their limits.
* Stable textbook forms are used where the naive formula would make the reference the less
  accurate side (log1p/expm1/expit/log_expit/erfc, sech^2 instead of 1 - tanh^2, a Taylor
  series for x - tanh(x) near 0, erfcx with an exact x^2 for the normal tail, long double for
  the argument of the tanh form of gelu); each place says why. Measured against mpmath at 40
  digits the forward references are within ~4 float64 eps (gelu 3.8, tanhshrink 1.6, the
  rest <= 1.5), the derivatives too except near their roots, where only absolute accuracy holds.
"""
import inspect
import math
from fractions import Fraction

import numpy as np
from scipy import special

# torch's constants (Klambauer et al. 2017, "Self-Normalizing Neural Networks", eq. 14).
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
# tanh approximation of gelu (Hendrycks & Gimpel 2016): 0.5 x (1 + tanh(c (x + k x^3))).
GELU_TANH_C = math.sqrt(2.0 / math.pi)
GELU_TANH_K = 0.044715

SQRT2 = math.sqrt(2.0)
SQRT_2PI = math.sqrt(2.0 * math.pi)


def expit(x):
    """scipy.special.expit with the subnormal results below x = -708 (scipy's float64 expit is
    0 there, where its exp(-x) overflows)."""
    x = np.asarray(x)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        e = np.exp(np.minimum(x, 0))
        return np.where(x < -700, e / (1 + e), special.expit(x))


def as_f64(x):
    """The input as a float64 ndarray (exact for float16/float32, ints and bools)."""
    return np.asarray(x).astype(np.float64)


def torch_params(params, dtype):
    """torch converts scalar parameters to the input's dtype; do the same for the reference."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        return dict(params)
    out = {}
    for k, v in params.items():
        out[k] = float(dtype.type(v)) if isinstance(v, float) else v
    return out


def _keep_nan(x, y):
    """y, but NaN wherever x is NaN (a select must not swallow a NaN)."""
    return np.where(np.isnan(x), x, y)


def _at_inf(x, y, at_neg_inf, at_pos_inf):
    """y with its limits put in at x = -inf and x = +inf."""
    y = np.where(x == -np.inf, at_neg_inf, y)
    return np.where(x == np.inf, at_pos_inf, y)


def _step(cond):
    return np.where(cond, 1.0, 0.0)


# ---- piecewise linear ----------------------------------------------------------------------

def relu(x):
    # x < 0 ? 0 : x (not np.maximum) so that relu(-0.0) is -0.0, torch's CPU result.
    x = as_f64(x)
    return _keep_nan(x, np.where(x < 0, 0.0, x))


def relu_grad(x):
    x = as_f64(x)
    return _step(x > 0)  # 0 at x == 0 (torch)


def hardtanh(x, min_val=-1.0, max_val=1.0):
    x = as_f64(x)
    return _keep_nan(x, np.where(x < min_val, min_val, np.where(x > max_val, max_val, x)))


def hardtanh_grad(x, min_val=-1.0, max_val=1.0):
    x = as_f64(x)
    return _step((x > min_val) & (x < max_val))  # 0 at both bounds (torch)


def relu6(x):
    return hardtanh(x, 0.0, 6.0)


def relu6_grad(x):
    return hardtanh_grad(x, 0.0, 6.0)


def leaky_relu(x, negative_slope=0.01):
    x = as_f64(x)
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_grad(x, negative_slope=0.01):
    x = as_f64(x)
    return np.where(x > 0, 1.0, negative_slope)  # the negative slope at 0 (torch)


def threshold(x, threshold, value):
    x = as_f64(x)
    return _keep_nan(x, np.where(x > threshold, x, value))


def threshold_grad(x, threshold, value):
    x = as_f64(x)
    return _step(x > threshold)  # 0 where the value was replaced


def hardshrink(x, lambd=0.5):
    x = as_f64(x)
    return _keep_nan(x, np.where((x >= -lambd) & (x <= lambd), 0.0, x))


def hardshrink_grad(x, lambd=0.5):
    x = as_f64(x)
    return _step((x < -lambd) | (x > lambd))  # 0 on the closed band [-lambd, lambd]


def softshrink(x, lambd=0.5):
    x = as_f64(x)
    y = np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0.0))
    return _keep_nan(x, y)


def softshrink_grad(x, lambd=0.5):
    return hardshrink_grad(x, lambd)


def hardsigmoid(x):
    x = as_f64(x)
    return _keep_nan(x, np.where(x <= -3, 0.0, np.where(x >= 3, 1.0, (x + 3) / 6)))


def hardsigmoid_grad(x):
    x = as_f64(x)
    return np.where((x > -3) & (x < 3), 1.0 / 6.0, 0.0)  # 1/6 strictly inside only (torch)


def hardswish(x):
    x = as_f64(x)
    with np.errstate(invalid="ignore", over="ignore"):
        y = np.where(x <= -3, 0.0, np.where(x >= 3, x, x * (x + 3) / 6))
    return _keep_nan(x, y)  # -inf gives the limit 0 (torch: NaN)


def hardswish_grad(x):
    x = as_f64(x)
    # torch >= 2.7: 0 at and below -3, x/3 + 1/2 strictly inside, 1 at and above 3 (and NaN)
    with np.errstate(invalid="ignore"):
        return np.where(x <= -3, 0.0, np.where(x < 3, x / 3 + 0.5, 1.0))


# ---- exponential family ----------------------------------------------------------------------

def elu(x, alpha=1.0):
    x = as_f64(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def elu_grad(x, alpha=1.0):
    x = as_f64(x)
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))  # alpha at 0 (torch)


def celu(x, alpha=1.0):
    x = as_f64(x)
    with np.errstate(over="ignore"):
        neg = alpha * np.expm1(np.minimum(x, 0.0) / alpha)
    return np.where(x > 0, x, neg)


def celu_grad(x, alpha=1.0):
    x = as_f64(x)
    with np.errstate(over="ignore"):
        neg = np.exp(np.minimum(x, 0.0) / alpha)
    return np.where(x > 0, 1.0, neg)  # 1 at 0 (torch)


def selu(x):
    with np.errstate(over="ignore"):  # SCALE * finfo.max is inf, correctly
        return SELU_SCALE * elu(x, SELU_ALPHA)


def selu_grad(x):
    return SELU_SCALE * elu_grad(x, SELU_ALPHA)


def sigmoid(x):
    return expit(as_f64(x))


def sigmoid_grad(x):
    # s (1 - s) written as s(x) s(-x): no cancellation in 1 - s for large x
    x = as_f64(x)
    return expit(x) * expit(-x)


def tanh(x):
    return np.tanh(as_f64(x))


def tanh_grad(x):
    # sech^2 rather than 1 - tanh^2, which cancels to 0 for |x| > ~19 (true value ~4e^-2|x|)
    x = as_f64(x)
    with np.errstate(over="ignore"):
        return 1.0 / np.cosh(x) ** 2


def logsigmoid(x):
    return special.log_expit(as_f64(x))


def logsigmoid_grad(x):
    return expit(-as_f64(x))


def softplus(x, beta=1.0, threshold=20.0):
    # torch: x where beta x > threshold, else log(1 + exp(beta x)) / beta; logaddexp(0, z) is
    # that log without overflow or loss for large negative z.
    x = as_f64(x)
    with np.errstate(over="ignore", invalid="ignore"):
        z = beta * x
        return np.where(z > threshold, x, np.logaddexp(0.0, z) / beta)


def softplus_grad(x, beta=1.0, threshold=20.0):
    x = as_f64(x)
    with np.errstate(over="ignore"):
        z = beta * x
    return np.where(z > threshold, 1.0, expit(z))


def softsign(x):
    x = as_f64(x)
    with np.errstate(invalid="ignore"):
        y = x / (1 + np.abs(x))
    return _at_inf(x, y, -1.0, 1.0)  # the limits (torch: NaN)


def softsign_grad(x):
    x = as_f64(x)
    with np.errstate(over="ignore"):
        return 1.0 / (1 + np.abs(x)) ** 2


def silu(x):
    # in long double: below x = -708 sigmoid(x) is subnormal in double, x sigmoid(x) is not
    x = as_f64(x)
    xl = x.astype(np.longdouble)
    with np.errstate(invalid="ignore"):
        y = (xl * expit(xl)).astype(np.float64)
    return _at_inf(x, y, 0.0, np.inf)  # silu(-inf) = 0, the limit (torch: NaN)


def silu_grad(x):
    x = as_f64(x)
    xl = x.astype(np.longdouble)  # as silu
    s = expit(xl)
    with np.errstate(invalid="ignore", over="ignore"):
        d = (s * (1 + xl * expit(-xl))).astype(np.float64)  # 1 - s as s(-x): no cancellation
    return _at_inf(x, d, 0.0, 1.0)


def mish(x):
    x = as_f64(x)
    with np.errstate(invalid="ignore"):
        y = x * np.tanh(np.logaddexp(0.0, x))
    return _at_inf(x, y, 0.0, np.inf)  # mish(-inf) = 0, the limit (torch: NaN)


def mish_grad(x):
    x = as_f64(x)
    t = np.tanh(np.logaddexp(0.0, x))
    with np.errstate(invalid="ignore", over="ignore"):
        # 1 - t^2 = sech^2(softplus(x)): no cancellation when t -> 1
        sech2 = 1.0 / np.cosh(np.logaddexp(0.0, x)) ** 2
        d = t + x * expit(x) * sech2
    return _at_inf(x, d, 0.0, 1.0)


def _square_exact(x):
    """x*x as hi + lo exactly (Veltkamp/Dekker splitting: x = xh + xl with 26-bit halves,
    whose products are exact in double)."""
    c = 134217729.0 * x  # 2^27 + 1
    with np.errstate(invalid="ignore", over="ignore"):
        xh = c - (c - x)
        xh = np.where(np.isfinite(xh), xh, x)
        xl = x - xh
        hi = x * x
        lo = ((xh * xh - hi) + 2 * xh * xl) + xl * xl
    return hi, np.nan_to_num(lo)


# Long double (where it is wider than double) keeps the normal tail from underflowing before the
# last operation: below x = -37.6 gelu's result is subnormal, and a subnormal intermediate would
# lose digits that the final product then multiplies by |x|.
_LD = np.longdouble
LONGDOUBLE_GAIN = float(np.finfo(_LD).eps / np.finfo(np.float64).eps)


def _exp_minus_half_square(x):
    """exp(-x^2 / 2) (in long double) with x^2 exact: rounding x^2 first would cost ~x^2/2 eps
    of relative accuracy (197 eps at x = -16.6)."""
    hi, lo = _square_exact(x)
    return np.exp(-0.5 * hi.astype(_LD)) * (1 - 0.5 * lo.astype(_LD))


def _normal_cdf(x):
    # Phi(x) = erfc(-x / sqrt 2) / 2 (in long double). For x <= -1, as erfcx(z) exp(-z^2) / 2
    # with z^2 = x^2 / 2 exact: erfcx varies slowly, so the rounding of z no longer matters
    # (erfc(z) magnifies it by 2 z^2). For x > -1 erfc itself is accurate (its argument < 0.71).
    x = as_f64(x)
    with np.errstate(invalid="ignore", over="ignore"):
        tail = 0.5 * special.erfcx(-x / SQRT2).astype(_LD) * _exp_minus_half_square(x)
        direct = 0.5 * special.erfc(-x / SQRT2).astype(_LD)
    return np.where(x <= -1, tail, direct)


def gelu(x):
    # x Phi(x), Phi the standard normal CDF (see _normal_cdf for the tail).
    x = as_f64(x)
    with np.errstate(invalid="ignore"):
        y = (x.astype(_LD) * _normal_cdf(x)).astype(np.float64)
    return _at_inf(x, y, 0.0, np.inf)  # gelu(-inf) = 0, the limit (torch: NaN)


def gelu_grad(x):
    x = as_f64(x)
    with np.errstate(invalid="ignore", over="ignore"):
        pdf = _exp_minus_half_square(x) / _LD(SQRT_2PI)
        d = (_normal_cdf(x) + x.astype(_LD) * pdf).astype(np.float64)
    return _at_inf(x, d, 0.0, 1.0)


# The tanh form in extended precision: x sigmoid(2u) for u << 0 magnifies the rounding of u by
# 2|u| (the relative condition of sigmoid there), ~600 eps at x = -18 in double. np.longdouble
# (64-bit mantissa on x86-64) makes that 2^-11 as large. Where long double is double, the
# reference is only that accurate: opspec's tolerance reads LONGDOUBLE_GAIN.
_PI_LD = _LD("3.14159265358979323846264338327950288")
_GELU_TANH_C_LD = np.sqrt(_LD(2) / _PI_LD)
_GELU_TANH_K_LD = _LD(GELU_TANH_K)  # torch's and the library's constant is the double 0.044715


def _gelu_tanh_u(x):
    x = x.astype(_LD)
    return _GELU_TANH_C_LD * (x + _GELU_TANH_K_LD * x ** 3)


def gelu_tanh(x):
    # 0.5 x (1 + tanh(u)) = x sigmoid(2u): the same function, without 1 + tanh(u) cancelling for
    # x < 0.
    x = as_f64(x)
    with np.errstate(invalid="ignore", over="ignore"):
        y = (x.astype(_LD) * expit(2 * _gelu_tanh_u(x))).astype(np.float64)
    return _at_inf(x, y, 0.0, np.inf)


def gelu_tanh_grad(x):
    # d/dx [0.5 x (1 + tanh u)] = 0.5 (1 + tanh u) + 0.5 x sech^2(u) u', with
    # 0.5 (1 + tanh u) = s(2u) and sech^2(u) = 4 s(2u) s(-2u).
    x = as_f64(x)
    with np.errstate(invalid="ignore", over="ignore"):
        u = _gelu_tanh_u(x)
        xl = x.astype(_LD)
        du = _GELU_TANH_C_LD * (1 + 3 * _GELU_TANH_K_LD * xl * xl)
        d = expit(2 * u) + 2 * xl * expit(2 * u) * expit(-2 * u) * du
        d = d.astype(np.float64)
    # beyond |x| = 1e10, u' or x^3 overflow (inf * 0); the derivative is its limit there
    d = np.where(x > 1e10, 1.0, np.where(x < -1e10, 0.0, d))
    return _keep_nan(x, d)


def _bernoulli(m):
    """B_0 .. B_m exactly, from sum_{k<=j} C(j+1, k) B_k = 0 (scipy's are approximate)."""
    b = [Fraction(1)]
    for j in range(1, m + 1):
        b.append(-sum(math.comb(j + 1, k) * b[k] for k in range(j)) / (j + 1))
    return b


# tanh x = sum_n 2^2n (2^2n - 1) B_2n x^(2n-1) / (2n)!, so x - tanh x = -sum_{n>=2} of it.
# The series converges for |x| < pi/2, its terms falling by ~(2x / pi)^2 (0.405 at |x| = 1):
# with 60 terms the first omitted one is below 1e-23 of the sum for |x| <= 1.
_B = _bernoulli(124)
_TANH_TAYLOR = [float(2 ** (2 * n) * (2 ** (2 * n) - 1) * _B[2 * n] / math.factorial(2 * n))
                for n in range(2, 62)]


def tanhshrink(x):
    # x - tanh(x) cancels for small |x| (x - tanh x ~ x^3/3); the Taylor series does not.
    # Above |x| = 1 the subtraction loses at most 2 bits (x = 1: 1 - 0.762).
    x = as_f64(x)
    small = np.abs(x) <= 1.0
    xs = np.where(small, x, 0.0)
    series = np.zeros_like(xs)
    for c in reversed(_TANH_TAYLOR):
        series = series * xs * xs - c
    series = series * xs ** 3
    with np.errstate(invalid="ignore"):
        direct = x - np.tanh(x)
    return np.where(small, series, direct)


def tanhshrink_grad(x):
    return np.tanh(as_f64(x)) ** 2


# ---- activations with extra arguments ----------------------------------------------------------

def _channel_weight(x, weight):
    """prelu's weight broadcast against x: one slope, or one per channel along dim 1."""
    w = as_f64(weight).reshape(-1)
    if w.size == 1 or x.ndim < 2:
        return w.reshape(())
    return w.reshape((1, w.size) + (1,) * (x.ndim - 2))


def prelu(x, weight):
    x = as_f64(x)
    w = _channel_weight(x, weight)
    return np.where(x > 0, x, w * x)


def prelu_backward(grad_output, x, weight):
    """(grad_input, grad_weight): torch's slope at 0 is the weight; grad_weight sums
    grad_output * x over x <= 0, per channel when the weight is per channel."""
    x, gy = as_f64(x), as_f64(grad_output)
    w = _channel_weight(x, weight)
    gx = gy * np.where(x > 0, 1.0, w)
    contrib = np.where(x > 0, 0.0, gy * x)
    wshape = np.shape(weight)
    if np.size(weight) == 1 or x.ndim < 2:
        gw = contrib.sum()
    else:
        axes = (0,) + tuple(range(2, x.ndim))
        gw = contrib.sum(axis=axes)
    return gx, np.reshape(gw, wshape)


def rrelu(x, lower=1.0 / 8, upper=1.0 / 3):
    """Eval mode: leaky_relu with the mean slope."""
    return leaky_relu(x, (lower + upper) / 2)


def rrelu_grad(x, lower=1.0 / 8, upper=1.0 / 3):
    return leaky_relu_grad(x, (lower + upper) / 2)


def rrelu_train(x, slopes):
    """Training mode with the given per-element slopes (1 where x > 0)."""
    return as_f64(x) * as_f64(slopes)


def glu(x, dim=-1):
    a, b = np.split(as_f64(x), 2, axis=dim)
    return a * expit(b)


def glu_backward(grad_output, x, dim=-1):
    a, b = np.split(as_f64(x), 2, axis=dim)
    gy = as_f64(grad_output)
    ga = gy * expit(b)
    gb = gy * a * expit(b) * expit(-b)
    return np.concatenate([ga, gb], axis=dim)


# ---- tables ----------------------------------------------------------------------------------

# Elementwise ops keyed by the op-table row name (gelu_tanh is gelu(approximate="tanh")).
FORWARD = {
    "relu": relu, "relu6": relu6, "leaky_relu": leaky_relu, "elu": elu, "celu": celu,
    "selu": selu, "gelu": gelu, "gelu_tanh": gelu_tanh, "silu": silu, "mish": mish,
    "softplus": softplus, "softsign": softsign, "sigmoid": sigmoid, "tanh": tanh,
    "logsigmoid": logsigmoid, "hardtanh": hardtanh, "hardsigmoid": hardsigmoid,
    "hardswish": hardswish, "hardshrink": hardshrink, "softshrink": softshrink,
    "tanhshrink": tanhshrink, "threshold": threshold,
    "rrelu": rrelu,
}
DERIVATIVE = {
    "relu": relu_grad, "relu6": relu6_grad, "leaky_relu": leaky_relu_grad, "elu": elu_grad,
    "celu": celu_grad, "selu": selu_grad, "gelu": gelu_grad, "gelu_tanh": gelu_tanh_grad,
    "silu": silu_grad, "mish": mish_grad, "softplus": softplus_grad,
    "softsign": softsign_grad, "sigmoid": sigmoid_grad, "tanh": tanh_grad,
    "logsigmoid": logsigmoid_grad, "hardtanh": hardtanh_grad, "hardsigmoid": hardsigmoid_grad,
    "hardswish": hardswish_grad, "hardshrink": hardshrink_grad,
    "softshrink": softshrink_grad, "tanhshrink": tanhshrink_grad,
    "threshold": threshold_grad, "rrelu": rrelu_grad,
}
def _with_defaults(func, params, dtype):
    """params completed with func's defaults, then converted like torch (torch_params)."""
    full = {name: p.default for name, p in inspect.signature(func).parameters.items()
            if p.default is not inspect.Parameter.empty}
    full.update(params)
    return torch_params(full, dtype)


def forward(name, x, params, dtype):
    """The op `name` (a FORWARD key) at x with the keyword parameters of a call on `dtype`."""
    func = FORWARD[name]
    return func(as_f64(x), **_with_defaults(func, params, dtype))


def derivative(name, x, params, dtype):
    func = DERIVATIVE[name]
    return func(as_f64(x), **_with_defaults(func, params, dtype))


# Activations that are not one-in one-out: (forward, backward returning the input gradient or
# a tuple), called with actloss's own argument lists.
SPECIAL = {
    "prelu": (prelu, prelu_backward),
    "rrelu": (rrelu_train, None),
    "glu": (glu, glu_backward),
}
