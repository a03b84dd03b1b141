"""Self-check of an installed actloss (``python -m actloss``): every activation, forward and
backward, float32 and float64, against plain-NumPy float64 formulas written here.

The formulas are written independently of the kernels' scalar math (``al_math.h.tp``) and
only from NumPy and the standard library, so the check runs wherever actloss does. They are
the obvious formula in a numerically stable form; where an argument must be known beyond
double precision for a float64 reference to be accurate to ~1 ULP (x/sqrt(2) inside erfc,
x^2/2 inside exp, the tanh-gelu argument, all multiplied by a large condition number in the
tails), it is carried as a double-double (value + rounding error, Dekker's products).

Error measure, in units of ``np.finfo(dtype).eps``:

* forward: relative error ``|got - ref| / max(|ref|, tiny)``, ``tiny`` the smallest normal
  number of the dtype (so underflowing results are measured absolutely);
* backward: ``|got - ref| / max(|ref|, |grad_output|, tiny)`` -- relative where the
  derivative is above 1 in magnitude, absolute in units of ``grad_output`` elsewhere, so
  that the roots of a derivative (gelu at x = -0.75, silu at -1.28, ...) where any
  floating-point evaluation loses its relative accuracy do not count as failures.

NaN positions must agree: a NaN input gives NaN out of every forward.
"""
import math
from collections import namedtuple
from decimal import Decimal

import numpy as np

from .. import _ops

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)
DTYPES = (F32, F64)

# Largest error accepted, in units of eps. Forward: the DESIGN's 1 ULP (float32) / 2 ULP
# (float64) plus the reference's own rounding. Backward is looser: grad_output times a
# derivative that is itself a sum of rounded terms.
TOLERANCE = {("forward", F32): 2.0, ("forward", F64): 4.0,
             ("backward", F32): 4.0, ("backward", F64): 8.0}

# Parameters the check uses: not the defaults where a default would hide a parameter that
# is ignored (celu's alpha=1 is elu, lambd=0.5 is the default of both shrinks, ...).
PARAMS = {
    "leaky_relu": {"negative_slope": 0.2},
    "prelu": {},
    "rrelu": {"lower": 0.125, "upper": 1.0 / 3},
    "elu": {"alpha": 1.5},
    "celu": {"alpha": 2.0},
    "softplus": {"beta": 2.0, "threshold": 10.0},
    "hardtanh": {"min_val": -2.0, "max_val": 3.0},
    "hardshrink": {"lambd": 0.75},
    "softshrink": {"lambd": 0.75},
    "threshold": {"threshold": 0.5, "value": -1.0},
}
PRELU_WEIGHT = (0.25, 0.1, -0.5)          # one slope per channel of a (N, 3, L) input
SELU_ALPHA = 1.6732632423543772848170429916717   # Klambauer et al.; torch's constants
SELU_SCALE = 1.0507009873554804934193349852946
GELU_KAPPA = 0.044715                            # the double nearest 0.044715, as torch uses


def _dd(digits):
    """A constant as a double-double (hi, lo) from its decimal expansion."""
    hi = float(digits)
    return hi, float(Decimal(digits) - Decimal(hi))


# 50 significant digits, from mpmath at mp.dps = 50.
INV_SQRT2 = _dd("0.70710678118654752440084436210484903928483593768847")
SQRT_2_OVER_PI = _dd("0.79788456080286535587989211986876373695171726232987")
INV_SQRT_2PI = float("0.39894228040143267793994605993438186847585863116493")
TWO_OVER_SQRT_PI = float("1.1283791670955125738961589031215451716881012586580")

_SPLIT = 134217729.0  # 2^27 + 1, Dekker's splitting constant for doubles


def _two_prod(a, b):
    """(p, e) with p = fl(a * b) and p + e = a * b exactly (|a|, |b| < 2^996)."""
    p = a * b
    ca, cb = _SPLIT * a, _SPLIT * b
    ah, bh = ca - (ca - a), cb - (cb - b)
    al, bl = a - ah, b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _two_sum(a, b):
    """(s, e) with s = fl(a + b) and s + e = a + b exactly."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


_erfc = np.frompyfunc(math.erfc, 1, 1)


def _ncdf(x):
    """Phi(x) = erfc(-x / sqrt 2) / 2, with -x / sqrt 2 as a double-double (erfc's relative
    condition number is ~2 z^2 in the tail) and its low part applied as erfc' * lo."""
    zh, ze = _two_prod(-x, INV_SQRT2[0])
    zl = ze - x * INV_SQRT2[1]
    e = _erfc(zh).astype(np.float64)
    return 0.5 * (e - TWO_OVER_SQRT_PI * np.exp(-zh * zh) * zl)


def _npdf(x):
    """phi(x) = exp(-x^2 / 2) / sqrt(2 pi), with x^2 as a double-double."""
    h, l = _two_prod(x, x)
    return INV_SQRT_2PI * np.exp(-0.5 * h) * (1.0 - 0.5 * l)


def _sigmoid(x):
    """1 / (1 + exp(-x)), as exp(x) / (1 + exp(x)) for x < 0 (no overflow, no cancellation)."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def _sigmoid_dd(h, l):
    """sigmoid(h + l) for |l| << |h|: exp(-|h + l|) = exp(-|h|) (1 -+ l)."""
    e = np.exp(-np.abs(h)) * (1.0 - np.where(h >= 0, l, -l))
    return np.where(h >= 0, 1.0, e) / (1.0 + e)


def _gelu_tanh_arg(x):
    """2u = 2 sqrt(2/pi) (x + kappa x^3) as a double-double (first-order error terms)."""
    x2, x2e = _two_prod(x, x)
    x3, x3e = _two_prod(x2, x)
    x3e = x3e + x2e * x
    k3, k3e = _two_prod(GELU_KAPPA, x3)
    k3e = k3e + GELU_KAPPA * x3e
    s, se = _two_sum(x, k3)
    se = se + k3e
    h, he = _two_prod(SQRT_2_OVER_PI[0], s)
    lo = he + SQRT_2_OVER_PI[0] * se + SQRT_2_OVER_PI[1] * s
    return 2.0 * h, 2.0 * lo


def _x_minus_tanh(x):
    """x - tanh(x) without cancellation: Lambert's continued fraction tanh x = x / (1 + D),
    D = x^2 / (3 + x^2 / (5 + ...)) evaluated bottom-up (all terms positive, so the relative
    error stays a few ULP), x - tanh x = x D / (1 + D); the plain difference above |x| = 4."""
    u = x * x
    d = np.zeros_like(x)
    for k in range(60, 0, -1):       # 60 levels: converged to double precision for |x| <= 4
        d = u / (2 * k + 1 + d)
    return np.where(np.abs(x) <= 4.0, x * d / (1.0 + d), x - np.tanh(x))


def _softplus(z):
    return np.logaddexp(0.0, z)


def _mask(cond, a, b=0.0):
    return np.where(cond, a, b)


# ---- forward references: x (float64) -> float64 --------------------------------------------

REF_FORWARD = {
    "relu": lambda x: _mask(x < 0, 0.0, x),
    "relu6": lambda x: np.clip(x, 0.0, 6.0),
    "leaky_relu": lambda x, negative_slope: _mask(x > 0, x, negative_slope * x),
    "elu": lambda x, alpha: _mask(x > 0, x, alpha * np.expm1(x)),
    "celu": lambda x, alpha: _mask(x > 0, x, alpha * np.expm1(x / alpha)),
    "selu": lambda x: SELU_SCALE * _mask(x > 0, x, SELU_ALPHA * np.expm1(x)),
    "gelu": lambda x: x * _ncdf(x),
    "gelu_tanh": lambda x: x * _sigmoid_dd(*_gelu_tanh_arg(x)),
    "silu": lambda x: x * _sigmoid(x),
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "softplus": lambda x, beta, threshold: _mask(beta * x > threshold, x,
                                                 _softplus(beta * x) / beta),
    "softsign": lambda x: x / (1.0 + np.abs(x)),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "logsigmoid": lambda x: -_softplus(-x),
    "hardtanh": lambda x, min_val, max_val: np.clip(x, min_val, max_val),
    "hardsigmoid": lambda x: np.clip(x + 3.0, 0.0, 6.0) / 6.0,
    "hardswish": lambda x: x * np.clip(x + 3.0, 0.0, 6.0) / 6.0,
    "hardshrink": lambda x, lambd: _mask(np.abs(x) > lambd, x),
    "softshrink": lambda x, lambd: _mask(x > lambd, x - lambd, _mask(x < -lambd, x + lambd)),
    "tanhshrink": _x_minus_tanh,
    "threshold": lambda x, threshold, value: _mask(x > threshold, x, value),
}


# ---- backward references: (grad_output, x) -> float64 -------------------------------------

def _gelu_tanh_grad(x):
    """d/dx x sigmoid(2u) = s + x s (1 - s) 2u', with 1 - s = sigmoid(-2u) (no cancellation)."""
    h, l = _gelu_tanh_arg(x)
    s, sm = _sigmoid_dd(h, l), _sigmoid_dd(-h, -l)
    du = 2.0 * SQRT_2_OVER_PI[0] * (1.0 + 3.0 * GELU_KAPPA * x * x)
    return s + x * s * sm * du


def _mish_grad(x):
    """t + x sigmoid(x) (1 - t^2), t = tanh(softplus(x)), with 1 - t = 2 / ((1 + e^x)^2 + 1)
    written in E = exp(-|x|) so that it neither cancels (t -> 1) nor overflows."""
    e = np.exp(-np.abs(x))
    one_minus_t = np.where(x >= 0, 2.0 * e * e / ((1.0 + e) ** 2 + e * e),
                           2.0 / ((1.0 + e) ** 2 + 1.0))
    t = np.tanh(_softplus(x))
    return t + x * _sigmoid(x) * one_minus_t * (1.0 + t)


REF_BACKWARD = {
    "relu": lambda g, x: _mask(x > 0, g),
    "relu6": lambda g, x: _mask((x > 0) & (x < 6), g),
    "leaky_relu": lambda g, x, negative_slope: _mask(x > 0, g, g * negative_slope),
    "elu": lambda g, x, alpha: _mask(x > 0, g, g * alpha * np.exp(x)),
    "celu": lambda g, x, alpha: _mask(x > 0, g, g * np.exp(x / alpha)),
    "selu": lambda g, x: g * SELU_SCALE * _mask(x > 0, 1.0, SELU_ALPHA * np.exp(x)),
    "gelu": lambda g, x: g * (_ncdf(x) + x * _npdf(x)),
    "gelu_tanh": lambda g, x: g * _gelu_tanh_grad(x),
    "silu": lambda g, x: g * _sigmoid(x) * (1.0 + x * _sigmoid(-x)),
    "mish": lambda g, x: g * _mish_grad(x),
    "softplus": lambda g, x, beta, threshold: _mask(beta * x > threshold, g,
                                                    g * _sigmoid(beta * x)),
    "softsign": lambda g, x: g / (1.0 + np.abs(x)) ** 2,
    "sigmoid": lambda g, x: g * _sigmoid(x) * _sigmoid(-x),
    "tanh": lambda g, x: g / np.cosh(x) ** 2,
    "logsigmoid": lambda g, x: g * _sigmoid(-x),
    "hardtanh": lambda g, x, min_val, max_val: _mask((x > min_val) & (x < max_val), g),
    "hardsigmoid": lambda g, x: _mask((x > -3) & (x < 3), g / 6.0),
    "hardswish": lambda g, x: _mask(x <= -3, 0.0, _mask(x < 3, g * (x / 3.0 + 0.5), g)),  # torch >= 2.7 kinks
    "hardshrink": lambda g, x, lambd: _mask(np.abs(x) > lambd, g),
    "softshrink": lambda g, x, lambd: _mask(np.abs(x) > lambd, g),
    "tanhshrink": lambda g, x: g * np.tanh(x) ** 2,
    "threshold": lambda g, x, threshold, value: _mask(x > threshold, g),
}
# from the forward result y (sigmoid_backward(..., output=y), tanh_backward(..., output=y))
REF_BACKWARD_FROM_OUTPUT = {
    "sigmoid": lambda g, y: g * (1.0 - y) * y,
    "tanh": lambda g, y: g * (1.0 - y * y),
}


# ---- the sample ---------------------------------------------------------------------------

# Kinks and branch points of the ops above (with PARAMS), where conventions matter.
KINKS = (0.0, -0.0, 0.5, -0.5, 0.75, -0.75, 1.0, -1.0, 1.5, -1.5, 2.0, -2.0, 3.0, -3.0, 4.0,
         -4.0, 5.0, -5.0, 6.0, 10.0, 20.0)


def sample(dtype, n=4000, seed=1234):
    """Inputs in [-16, 16] (dense near 0, both tails, the kinks), rounded to dtype."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([
        rng.uniform(-16.0, 16.0, n),
        rng.standard_normal(n),
        np.geomspace(1e-8, 1.0, 64), -np.geomspace(1e-8, 1.0, 64),
        KINKS,
    ])
    return x.astype(dtype)


# ---- error measures -----------------------------------------------------------------------

def _error(got, ref, denom, dtype):
    """max |got - ref| / denom in units of eps; inf where only one side is NaN."""
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    finfo = np.finfo(dtype)
    nan_got, nan_ref = np.isnan(got), np.isnan(ref)
    if np.any(nan_got != nan_ref):
        return math.inf
    ok = ~nan_ref
    if not np.any(ok):
        return 0.0
    err = np.abs(got[ok] - ref[ok]) / np.maximum(denom[ok], float(finfo.tiny))
    return float(np.max(err)) / float(finfo.eps)


def forward_error(got, ref, dtype):
    return _error(got, ref, np.abs(np.asarray(ref, np.float64)), dtype)


def backward_error(got, ref, grad_output, dtype):
    denom = np.maximum(np.abs(np.asarray(ref, np.float64)),
                       np.abs(np.asarray(grad_output, np.float64)))
    return _error(got, ref, denom, dtype)


# ---- the checks -----------------------------------------------------------------------------

Check = namedtuple("Check", "name direction run")
Result = namedtuple("Result", "name direction dtype error tolerance")


def _references(row, p):
    """(forward(x), backward(g, x)) float64 references of the kernel row `row` with parameters
    p: the ones written above, or for a row without them its own plain NumPy formulas
    (_ops.numpy_formulas), so that a new row is checked from the day it is added."""
    if row.name in REF_FORWARD:
        return (lambda x: REF_FORWARD[row.name](x, **p),
                lambda g, x: REF_BACKWARD[row.name](g, x, **p))
    fwd, bwd = _ops.numpy_formulas(row)
    return (lambda x: fwd(x, **p)), (lambda g, x: bwd(g, x, fwd(x, **p), **p))


def _params(op):
    """The check's parameters of a public row: PARAMS, else the row's defaults (1.0 for a
    parameter without one)."""
    if op.name in PARAMS:
        return PARAMS[op.name]
    return {q.name: 1.0 if q.default == _ops.REQUIRED else q.default for q in op.params}


def _unary_checks(F, op, row, options):
    """Forward and backward of the public row `op` called with `options` (which run the kernel
    row `row`: gelu(approximate="tanh") runs gelu_tanh), named after `row`."""
    p = _params(op)
    fwd, bwd = getattr(F, op.name), getattr(F, op.name + "_backward")
    ref_fwd, ref_bwd = _references(row, p)

    def run_forward(dtype):
        x = sample(dtype)
        xn = np.append(x, np.array(np.nan, dtype))
        ref = np.append(ref_fwd(x.astype(np.float64)), np.nan)
        return forward_error(fwd(xn, **p, **options), ref, dtype)

    def run_backward(dtype):
        x = sample(dtype)
        g = np.random.default_rng(7).standard_normal(x.size).astype(dtype)
        ref = ref_bwd(g.astype(np.float64), x.astype(np.float64))
        return backward_error(bwd(g, x, **p, **options), ref, g, dtype)

    checks = [Check(row.name, "forward", run_forward), Check(row.name, "backward", run_backward)]
    if row.saves_output:
        def run_from_output(dtype):
            x = sample(dtype)
            y = fwd(x, **p, **options)
            g = np.random.default_rng(7).standard_normal(y.size).astype(dtype)
            g64, y64 = g.astype(np.float64), y.astype(np.float64)
            ref = (REF_BACKWARD_FROM_OUTPUT[row.name](g64, y64)
                   if row.name in REF_BACKWARD_FROM_OUTPUT
                   else _ops.numpy_formulas(row)[1](g64, x.astype(np.float64), y64, **p))
            got = bwd(g, output=y, **p, **options)
            return backward_error(got, ref, g, dtype)
        checks.append(Check(row.name + "(output=)", "backward", run_from_output))
    return checks


def _prelu_checks(F):
    w64 = np.array(PRELU_WEIGHT)

    def inputs(dtype):
        x = sample(dtype)
        x = x[: x.size // 3 * 3].reshape(-1, 3, 1)     # (N, C=3, 1)
        x = np.repeat(x, 2, axis=2)                     # (N, 3, 2)
        return x, w64.astype(dtype)

    def run_forward(dtype):
        x, w = inputs(dtype)
        x64, wb = x.astype(np.float64), w.astype(np.float64)[:, None]
        return forward_error(F.prelu(x, w), _mask(x64 > 0, x64, wb * x64), dtype)

    def run_backward(dtype):
        x, w = inputs(dtype)
        g = np.random.default_rng(7).standard_normal(x.shape).astype(dtype)
        x64, g64, wb = x.astype(np.float64), g.astype(np.float64), w.astype(np.float64)[:, None]
        gx, gw = F.prelu_backward(g, x, w)
        err_x = backward_error(gx, _mask(x64 > 0, g64, g64 * wb), g64, dtype)
        terms = _mask(x64 > 0, 0.0, g64 * x64)
        # the weight gradient is a sum: its error is measured against the sum of |terms|
        err_w = _error(gw, terms.sum(axis=(0, 2)), np.abs(terms).sum(axis=(0, 2)), dtype)
        if gw.shape != w.shape or gw.dtype != dtype:
            err_w = math.inf
        return max(err_x, err_w)

    return [Check("prelu", "forward", run_forward), Check("prelu", "backward", run_backward)]


def _rrelu_checks(F):
    p = PARAMS["rrelu"]
    mean_slope = (p["lower"] + p["upper"]) / 2

    def run_forward(dtype):
        x = sample(dtype)
        x64 = x.astype(np.float64)
        err = forward_error(F.rrelu(x, **p), _mask(x64 > 0, x64, mean_slope * x64), dtype)
        noise = np.empty_like(x)
        y = F.rrelu(x, training=True, generator=0, noise=noise, **p)
        n64 = noise.astype(np.float64)
        # training slopes: 1 where x > 0, in [lower, upper] (rounded to dtype) elsewhere
        lo, hi = float(dtype.type(p["lower"])), float(dtype.type(p["upper"]))
        neg = x64 <= 0
        if (np.any(n64[~neg] != 1.0) or np.any(n64[neg] < lo) or np.any(n64[neg] > hi)
                or np.ptp(n64[neg]) == 0):
            return math.inf
        return max(err, forward_error(y, x64 * n64, dtype))

    def run_backward(dtype):
        x = sample(dtype)
        g = np.random.default_rng(7).standard_normal(x.size).astype(dtype)
        x64, g64 = x.astype(np.float64), g.astype(np.float64)
        err = backward_error(F.rrelu_backward(g, x, **p),
                             _mask(x64 > 0, g64, g64 * mean_slope), g64, dtype)
        noise = np.empty_like(x)
        F.rrelu(x, training=True, generator=0, noise=noise, **p)
        got = F.rrelu_backward(g, x, training=True, noise=noise, **p)
        return max(err, backward_error(got, g64 * noise.astype(np.float64), g64, dtype))

    return [Check("rrelu", "forward", run_forward), Check("rrelu", "backward", run_backward)]


def _glu_checks(F):
    def inputs(dtype):
        x = sample(dtype)
        x = x[: x.size // 8 * 8].reshape(-1, 8)        # halves a = x[:, :4], b = x[:, 4:]
        return x, x.astype(np.float64)

    def run_forward(dtype):
        x, x64 = inputs(dtype)
        a, b = x64[:, :4], x64[:, 4:]
        return forward_error(F.glu(x, dim=-1), a * _sigmoid(b), dtype)

    def run_backward(dtype):
        x, x64 = inputs(dtype)
        g = np.random.default_rng(7).standard_normal((x.shape[0], 4)).astype(dtype)
        g64, a, b = g.astype(np.float64), x64[:, :4], x64[:, 4:]
        ref = np.concatenate([g64 * _sigmoid(b), g64 * a * _sigmoid(b) * _sigmoid(-b)], axis=1)
        return backward_error(F.glu_backward(g, x, dim=-1), ref, np.concatenate([g64, g64], 1),
                              dtype)

    return [Check("glu", "forward", run_forward), Check("glu", "backward", run_backward)]


def checks(F):
    """Every check, in the order of F.ACTIVATIONS: each public row of the op table, then the
    other kernel rows its options reach (gelu, then gelu_tanh), and the hand-written three."""
    special = {"prelu": _prelu_checks, "rrelu": _rrelu_checks, "glu": _glu_checks}
    rows = {op.name: op for op in _ops.UNARY}
    out = []
    for name in F.ACTIVATIONS:
        if name in special:
            out += special[name](F)
            continue
        op = rows[name]
        out += _unary_checks(F, op, op, {})
        for option, default, kernels in op.options:
            out += [check for value, kernel in kernels if value != default
                    for check in _unary_checks(F, op, rows[kernel], {option: value})]
    return out


def run(F):
    """Run every check on every dtype: a list of Result. An exception counts as an error."""
    results = []
    with np.errstate(all="ignore"):
        for check in checks(F):
            for dtype in DTYPES:
                try:
                    err = check.run(dtype)
                except Exception as exc:  # a crash of one op must not hide the others
                    err = math.inf
                    print(f"  {check.name} {check.direction} {dtype}: "
                          f"{type(exc).__name__}: {exc}")
                results.append(Result(check.name, check.direction, dtype.name, err,
                                      TOLERANCE[check.direction, dtype]))
    return results


def report(results, file=None):
    """Print one row per op (error in eps for each direction and dtype); True if all pass."""
    cols = [(d, t) for d in ("forward", "backward") for t in ("float32", "float64")]
    by_key = {(r.name, r.direction, r.dtype): r for r in results}
    names = list(dict.fromkeys(r.name for r in results))
    tol = {(r.direction, r.dtype): r.tolerance for r in results}
    width = max(len(n) for n in names) + 2
    print("Self-check against float64 NumPy formulas: max error in units of eps\n"
          "(forward: relative; backward: relative to max(|ref|, |grad_output|))", file=file)
    print(f"{'':{width}}{'forward':>20}{'backward':>22}", file=file)
    print(f"{'op':{width}}" + "".join(f"{t:>11}" for _, t in cols), file=file)
    print(f"{'tolerance':{width}}" + "".join(f"{tol.get(c, math.nan):>11g}" for c in cols),
          file=file)
    failed = []
    for name in names:
        cells, row_ok = [], True
        for direction, t in cols:
            r = by_key.get((name, direction, t))
            if r is None:
                cells.append(f"{'-':>11}")
                continue
            ok = r.error <= r.tolerance
            row_ok &= ok
            if not ok:
                failed.append(r)
            cells.append(f"{r.error:>10.2f}{' ' if ok else '!'}")
        print(f"{name:{width}}" + "".join(cells) + ("  PASS" if row_ok else "  FAIL"),
              file=file)
    if failed:
        print(f"FAIL: {len(failed)} of {len(results)} checks above tolerance (marked !): "
              + ", ".join(f"{r.name} {r.direction} {r.dtype} ({r.error:.3g} > "
                          f"{r.tolerance:g} eps)" for r in failed), file=file)
    else:
        print(f"PASS: all {len(results)} checks within tolerance", file=file)
    return not failed
