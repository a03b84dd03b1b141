"""Per-op test metadata of the activations: what to sample, which parameters to try, how close
the result must be, and the special values with their expected results.

Tolerances are in units of ``np.finfo(dtype).eps`` (see ``conftest.assert_close_tol``):
``rel`` relative to the expected value (a ULP count in effect), ``abs`` absolute — for the
gradients, absolute per unit of |grad_output|, needed where a derivative crosses zero (gelu,
silu, mish, hardswish) and relative accuracy means nothing.

How the numbers were chosen (DESIGN.md section 4): the library promises float32 results within
1 ULP of the correctly rounded value and float64 within 2 ULP. The expected value is the float64
reference rounded to the dtype, so a float32 result may be 1 ULP from it (<= 1 eps relative):
``rel=2`` leaves room for the reference's own rounding. float64 gets 4 (2 ULP of the library + ~1-2
of the reference). Ops that are plain selects and one product (``exact`` rows of ``_ops.UNARY``)
must agree bit for bit: ``rel=0``. Gradients get the forward's ``rel`` plus an absolute part of
1 (float32) or 2 (float64) eps per unit of grad_output for the roots of gelu', silu', mish':
float64 gradients lose their relative accuracy there (issue 13). The float32 gradients' own
1 ULP bound, roots included, is tests/test_ulp_backward.py's.

``ref_err`` is the reference's own error (in float64 eps, a function of x) where it may exceed
an ULP or two; it is added to the tolerance (converted to the dtype's eps, so it is negligible for
float32). Only the tanh form of gelu has one: its reference works in np.longdouble, and where
long double is plain double the rounding of u is magnified by 2|u| in sigmoid(2u).
"""
import math
from dataclasses import dataclass, field

import numpy as np

import reference as R
from actloss import _ops
from reference import LONGDOUBLE_GAIN

F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)
F64_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class Tol:
    rel: float
    abs: float = 0.0


def _tol(f32, f64):
    """{dtype: Tol} from (rel, abs) pairs or plain rel numbers."""
    mk = lambda t: Tol(*t) if isinstance(t, tuple) else Tol(t)  # noqa: E731
    return {F32: mk(f32), F64: mk(f64)}


EXACT = _tol(0, 0)                     # selects and one rounded product: bit-identical
TRANSCENDENTAL = _tol(2, 4)            # 1 ULP (f32) / 2 ULP (f64) + the reference's rounding
GRAD = _tol((2, 1), (4, 2))            # gradients computed in double, rounded once
# float64 gradients that are sums of products of 3-5 rounded factors (the backward has no
# double-double finishing steps): up to ~7 eps (mish) and ~11 eps (tanh-gelu, whose factor
# 1 + 3 kappa x^2 and two sigmoid quotients each round) measured against mpmath
GRAD_COMPOSITE = _tol((2, 1), (8, 2))
GRAD_GELU_TANH = _tol((2, 1), (16, 2))


@dataclass(frozen=True)
class OpSpec:
    name: str                  # op-table row (also the reference's key)
    func: str                  # public function; its gradient is func + "_backward"
    domain: tuple              # (lo, hi) of the random inputs
    fwd_tol: dict              # {dtype: Tol}
    bwd_tol: dict              # {dtype: Tol}
    params: tuple = ({},)      # parameter sets to try, as keyword arguments
    fixed: dict = field(default_factory=dict)  # keyword arguments of every call
    kinks: object = None       # params -> x where the op is not smooth (f, f' or f'' jumps)
    inplace: bool = False      # torch's signature has `inplace`
    ref_err: object = None     # x -> the reference's own error in float64 eps (None: ~1)
    special: tuple = ()        # (x, expected) at the first parameter set; see below
    torch_fwd_tol: dict = None  # tolerance against torch where torch itself is less accurate
    torch_bwd_tol: dict = None
    torch_abs_scales_with_x: bool = False  # torch's absolute error grows like |x| eps

    def kink_points(self, params):
        return tuple(self.kinks(params)) if self.kinks else ()

    def tolerance(self, which, dtype, x):
        """(rel, abs) arrays of eps units at the float64 inputs x ('fwd' or 'bwd')."""
        dtype = np.dtype(dtype)
        table = self.fwd_tol if which == "fwd" else self.bwd_tol
        tol = table[F64] if dtype == F64 else table[F32]  # float16 is computed in float32
        rel = np.full(np.shape(x), float(tol.rel))
        if self.ref_err is not None:
            with np.errstate(invalid="ignore", over="ignore"):
                extra = np.nan_to_num(self.ref_err(np.asarray(x, np.float64)), posinf=0.0)
            rel = rel + extra * F64_EPS / float(np.finfo(dtype).eps)
        return rel, np.full(np.shape(x), float(tol.abs))


# ---- special values --------------------------------------------------------------------------
# Inputs: floats, or these names, resolved per dtype (finfo.max, the smallest subnormal).
# Expected: a float (NaN included), SAME (the input itself), NEG_ZERO (-0.0, sign checked), or a
# callable of the float64 input. Every op also gets NaN -> NaN from the test itself.
HUGE, NHUGE, TINY, NTINY = "huge", "-huge", "tiny", "-tiny"
SAME = "same"
NEG_ZERO = "-0.0"
INF = math.inf


def resolve_input(token, dtype):
    info = np.finfo(dtype)
    return {HUGE: float(info.max), NHUGE: -float(info.max),
            TINY: float(info.smallest_subnormal),
            NTINY: -float(info.smallest_subnormal)}.get(token, token)


def resolve_expected(expected, x):
    if expected is SAME:
        return x
    if expected is NEG_ZERO:
        return -0.0
    if callable(expected):
        return expected(x)
    return expected


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
LOG2 = math.log(2.0)
GELU_TANH_C = math.sqrt(2.0 / math.pi)


def _gelu_tanh_ref_err(x):
    # Computed in double, the reference's error was <= 1.42 * 2|u| eps for x < 0 (632 eps at
    # x = -18.1; beyond x = -40 the result underflows and is exact); long double divides that by
    # LONGDOUBLE_GAIN (2^-11 on x86-64, where it measured <= 0.5 eps: within the base tolerance).
    x = np.clip(x, -40.0, 40.0)
    u = GELU_TANH_C * (x + 0.044715 * x ** 3)
    return np.where(x < 0, 3.0 * np.abs(u), 0.0) * LONGDOUBLE_GAIN


# ---- the table -------------------------------------------------------------------------------

SPECS = (
    OpSpec("relu", "relu", (-10, 10), EXACT, EXACT, kinks=lambda p: (0.0,), inplace=True,
           special=((0.0, 0.0), (-0.0, NEG_ZERO), (INF, INF), (-INF, 0.0), (HUGE, SAME),
                    (NHUGE, 0.0), (TINY, SAME), (NTINY, 0.0), (-1.0, 0.0))),
    OpSpec("relu6", "relu6", (-10, 10), EXACT, EXACT, kinks=lambda p: (0.0, 6.0), inplace=True,
           special=((0.0, 0.0), (-0.0, 0.0), (INF, 6.0), (-INF, 0.0), (HUGE, 6.0),
                    (NHUGE, 0.0), (TINY, SAME), (NTINY, 0.0), (6.0, 6.0), (7.5, 6.0))),
    OpSpec("leaky_relu", "leaky_relu", (-10, 10), EXACT, EXACT,
           params=({}, {"negative_slope": 0.2}, {"negative_slope": 0.0},
                   {"negative_slope": 1.5}),
           kinks=lambda p: (0.0,), inplace=True,
           special=((0.0, 0.0), (-0.0, 0.0), (INF, INF), (-INF, -INF), (HUGE, SAME),
                    (NHUGE, lambda x: 0.01 * x), (TINY, SAME), (NTINY, lambda x: 0.01 * x),
                    (-2.0, -0.02))),
    OpSpec("elu", "elu", (-40, 20), TRANSCENDENTAL, GRAD,
           params=({}, {"alpha": 0.5}, {"alpha": 2.0}), kinks=lambda p: (0.0,), inplace=True,
           special=((0.0, 0.0), (-0.0, 0.0), (INF, INF), (-INF, -1.0), (HUGE, SAME),
                    (NHUGE, -1.0), (TINY, SAME), (NTINY, SAME), (-800.0, -1.0))),
    OpSpec("celu", "celu", (-40, 20), TRANSCENDENTAL, GRAD,
           params=({}, {"alpha": 0.5}, {"alpha": 2.0}), kinks=lambda p: (0.0,), inplace=True,
           special=((0.0, 0.0), (-0.0, 0.0), (INF, INF), (-INF, -1.0), (HUGE, SAME),
                    (NHUGE, -1.0), (TINY, SAME), (NTINY, SAME))),
    OpSpec("selu", "selu", (-40, 20), TRANSCENDENTAL, GRAD, kinks=lambda p: (0.0,), inplace=True,
           special=((0.0, 0.0), (-0.0, 0.0), (INF, INF), (-INF, -SELU_SCALE * SELU_ALPHA),
                    # SCALE * max overflows in both dtypes: inf is the correctly rounded result
                    (HUGE, lambda x: SELU_SCALE * x), (NHUGE, -SELU_SCALE * SELU_ALPHA),
                    (TINY, lambda x: SELU_SCALE * x),
                    (NTINY, lambda x: SELU_SCALE * SELU_ALPHA * x))),
    # f64: the reference's erfc/erfcx are good to ~3.8 eps (measured against mpmath), the
    # library to 2: rel 6.
    OpSpec("gelu", "gelu", (-10, 10), _tol(2, 6), GRAD,
           fixed={"approximate": "none"},
           special=((0.0, 0.0), (-0.0, NEG_ZERO), (INF, INF), (-INF, 0.0), (HUGE, SAME),
                    (NHUGE, 0.0), (TINY, lambda x: x / 2), (NTINY, lambda x: x / 2),
                    (40.0, 40.0), (-40.0, 0.0), (-1e4, 0.0), (1e4, 1e4)),
           # torch computes 0.5 x (1 + erf(x / sqrt 2)), which cancels for x < 0: its absolute
           # error is ~|x| eps. Same for the tanh form with 1 + tanh(u). Its gradient
           # cdf + x pdf is formed in the input dtype: ~1 eps absolute near the root x = -0.75.
           torch_fwd_tol=_tol((2, 2), (4, 2)), torch_bwd_tol=_tol((2, 3), (4, 3)),
           torch_abs_scales_with_x=True),
    OpSpec("gelu_tanh", "gelu", (-10, 10), _tol(2, 4), GRAD_GELU_TANH,
           fixed={"approximate": "tanh"}, ref_err=_gelu_tanh_ref_err,
           special=((0.0, 0.0), (-0.0, NEG_ZERO), (INF, INF), (-INF, 0.0), (HUGE, SAME),
                    (NHUGE, 0.0), (TINY, lambda x: x / 2), (NTINY, lambda x: x / 2),
                    (40.0, 40.0), (-40.0, 0.0), (-1e4, 0.0), (1e4, 1e4)),
           # torch's f32 gradient is computed in float32 (9 eps absolute near x = 5).
           torch_fwd_tol=_tol((2, 2), (4, 2)), torch_bwd_tol=_tol((2, 12), (16, 2)),
           torch_abs_scales_with_x=True),
    # gradient: its root at x = -1.28 needs the absolute part of GRAD
    OpSpec("silu", "silu", (-30, 30), TRANSCENDENTAL, GRAD, inplace=True,
           special=((0.0, 0.0), (-0.0, NEG_ZERO), (INF, INF), (-INF, 0.0), (HUGE, SAME),
                    (NHUGE, 0.0), (TINY, lambda x: x / 2), (NTINY, lambda x: x / 2),
                    (-1e4, 0.0), (1e4, 1e4)),
           # torch's float32 gradient s (1 + x (1 - s)) is computed in float32: 1 - s cancels for
           # large x (8 eps absolute at x = 16.5)
           torch_bwd_tol=_tol((2, 12), (4, 2))),
    # gradient: its root at x = -1.19 needs the absolute part of GRAD
    OpSpec("mish", "mish", (-30, 30), TRANSCENDENTAL, GRAD_COMPOSITE, inplace=True,
           special=((0.0, 0.0), (-0.0, NEG_ZERO), (INF, INF), (-INF, 0.0), (HUGE, SAME),
                    (NHUGE, 0.0), (TINY, lambda x: x * math.tanh(LOG2)), (-1e4, 0.0),
                    (1e4, 1e4)),
           # torch's float32 gradient is computed in float32 (8 eps absolute at x = 8.7)
           torch_bwd_tol=_tol((2, 12), (8, 2))),
    OpSpec("softplus", "softplus", (-30, 30), TRANSCENDENTAL, GRAD,
           params=({}, {"beta": 2.0}, {"beta": 0.5, "threshold": 5.0}, {"threshold": 1.0}),
           kinks=lambda p: (p.get("threshold", 20.0) / p.get("beta", 1.0),),
           special=((0.0, LOG2), (-0.0, LOG2), (INF, INF), (-INF, 0.0), (HUGE, SAME),
                    (NHUGE, 0.0), (TINY, LOG2), (1e4, 1e4), (-1e4, 0.0),
                    # beta x > threshold is strict: at 20 the log form, x just above
                    (20.0, lambda x: x + math.log1p(math.exp(-x))), (20.5, 20.5))),
    # softsign's second derivative jumps at 0 (a difference stencil across it is only O(h))
    OpSpec("softsign", "softsign", (-100, 100), TRANSCENDENTAL, GRAD, kinks=lambda p: (0.0,),
           special=((0.0, 0.0), (-0.0, 0.0), (INF, 1.0), (-INF, -1.0), (HUGE, 1.0),
                    (NHUGE, -1.0), (TINY, SAME), (NTINY, SAME))),
    OpSpec("sigmoid", "sigmoid", (-40, 40), TRANSCENDENTAL, GRAD,
           special=((0.0, 0.5), (-0.0, 0.5), (INF, 1.0), (-INF, 0.0), (HUGE, 1.0),
                    (NHUGE, 0.0), (TINY, 0.5), (-1e4, 0.0), (1e4, 1.0))),
    OpSpec("tanh", "tanh", (-20, 20), TRANSCENDENTAL, GRAD,
           special=((0.0, 0.0), (-0.0, 0.0), (INF, 1.0), (-INF, -1.0), (HUGE, 1.0),
                    (NHUGE, -1.0), (TINY, SAME), (NTINY, SAME))),
    OpSpec("logsigmoid", "logsigmoid", (-40, 40), TRANSCENDENTAL, GRAD,
           special=((0.0, -LOG2), (-0.0, -LOG2), (INF, 0.0), (-INF, -INF), (HUGE, 0.0),
                    (NHUGE, SAME), (TINY, -LOG2), (-1e4, -1e4), (1e4, 0.0))),
    OpSpec("hardtanh", "hardtanh", (-10, 10), EXACT, EXACT,
           params=({}, {"min_val": -2.0, "max_val": 3.0}, {"min_val": 0.25, "max_val": 0.25},
                   {"min_val": 0.5, "max_val": 4.0}),
           kinks=lambda p: (p.get("min_val", -1.0), p.get("max_val", 1.0)), inplace=True,
           special=((0.0, 0.0), (-0.0, 0.0), (INF, 1.0), (-INF, -1.0), (HUGE, 1.0),
                    (NHUGE, -1.0), (TINY, SAME), (1.0, 1.0), (-1.0, -1.0))),
    OpSpec("hardsigmoid", "hardsigmoid", (-6, 6),
           # computed in double and rounded once; the reference's (x + 3) / 6 rounds twice, and
           # its gradient multiplies by a rounded 1/6 where the library divides by 6
           _tol(1, 2), _tol(1, 1), kinks=lambda p: (-3.0, 3.0), inplace=True,
           special=((0.0, 0.5), (-0.0, 0.5), (INF, 1.0), (-INF, 0.0), (HUGE, 1.0),
                    (NHUGE, 0.0), (TINY, 0.5), (3.0, 1.0), (-3.0, 0.0)),
           # torch's float64 backward multiplies by 1/6 rounded to float32 (a 2^-26 error)
           torch_bwd_tol=_tol(0, (2.0 ** 27, 0))),
    OpSpec("hardswish", "hardswish", (-6, 6), _tol(1, 2),
           # x/3 + 1/2 crosses zero at x = -1.5: absolute part
           _tol((1, 1), (2, 1)), kinks=lambda p: (-3.0, 3.0), inplace=True,
           special=((0.0, 0.0), (-0.0, NEG_ZERO), (INF, INF), (-INF, 0.0), (HUGE, SAME),
                    (NHUGE, 0.0), (TINY, lambda x: x / 2), (3.0, 3.0), (-3.0, 0.0),
                    (-1e4, 0.0)),
           # torch's float32 kernel rounds x (x + 3) / 6 in float32 two or three times
           torch_fwd_tol=_tol(2, 2)),
    OpSpec("hardshrink", "hardshrink", (-10, 10), EXACT, EXACT,
           params=({}, {"lambd": 1.0}, {"lambd": 0.0}),
           kinks=lambda p: (-p.get("lambd", 0.5), p.get("lambd", 0.5)),
           special=((0.0, 0.0), (-0.0, 0.0), (INF, INF), (-INF, -INF), (HUGE, SAME),
                    (NHUGE, SAME), (TINY, 0.0), (0.5, 0.0), (-0.5, 0.0), (0.75, 0.75))),
    OpSpec("softshrink", "softshrink", (-10, 10), EXACT, EXACT,
           params=({}, {"lambd": 1.0}, {"lambd": 0.0}),
           kinks=lambda p: (-p.get("lambd", 0.5), p.get("lambd", 0.5)),
           special=((0.0, 0.0), (-0.0, 0.0), (INF, INF), (-INF, -INF), (HUGE, SAME),
                    (NHUGE, SAME), (TINY, 0.0), (0.5, 0.0), (-0.5, 0.0), (1.5, 1.0),
                    (-1.5, -1.0))),
    OpSpec("tanhshrink", "tanhshrink", (-10, 10), TRANSCENDENTAL, GRAD,
           special=((0.0, 0.0), (-0.0, 0.0), (INF, INF), (-INF, -INF), (HUGE, SAME),
                    (NHUGE, SAME), (TINY, 0.0),
                    # x^3/3 - 2x^5/15 + 17x^7/315: the cancelling region, exactly
                    (1e-3, lambda x: x ** 3 / 3 - 2 * x ** 5 / 15 + 17 * x ** 7 / 315)),
           # torch computes x - tanh(x), which cancels for small |x|: absolute error ~|x| eps
           torch_fwd_tol=_tol((2, 2), (4, 2)), torch_abs_scales_with_x=True),
    OpSpec("threshold", "threshold", (-10, 10), EXACT, EXACT,
           params=({"threshold": 0.5, "value": -2.0}, {"threshold": -1.0, "value": 0.25},
                   {"threshold": 0.0, "value": 0.0}),
           kinks=lambda p: (p["threshold"],), inplace=True,
           special=((0.5, -2.0), (0.0, -2.0), (INF, INF), (-INF, -2.0), (HUGE, SAME),
                    (NHUGE, -2.0), (0.75, 0.75))),
    # rrelu in eval mode is elementwise: leaky_relu with slope (lower + upper) / 2. The library
    # (and torch) round that mean to float32; the reference rounds lower and upper (torch_params)
    # and averages in float64: up to 1 ULP apart in float32.
    OpSpec("rrelu", "rrelu", (-10, 10), _tol(1, 0), _tol(1, 0),
           params=({}, {"lower": 0.1, "upper": 0.3}, {"lower": 0.25, "upper": 0.25}),
           kinks=lambda p: (0.0,), inplace=True,
           special=((0.0, 0.0), (INF, INF), (-INF, -INF), (HUGE, SAME),
                    (-3.0, lambda x: x * 11 / 48))),
)



def _default_spec(row):
    """The spec of a public row this file does not list (a new activation's, until someone
    writes its own): inputs on (-10, 10) at the row's defaults (1.0 for a parameter without
    one), exact rows bit for bit and the others to the 1 ULP (float32) / 2 ULP (float64)
    contract, and a few points against the float64 reference as its special values."""
    params = {p.name: 1.0 for p in row.params if p.default == _ops.REQUIRED}
    at = lambda x: R.FORWARD[row.name](x, **params)  # noqa: E731
    return OpSpec(row.name, row.name, (-10, 10), EXACT if row.exact else TRANSCENDENTAL,
                  EXACT if row.exact else GRAD, params=(params,), inplace=row.inplace,
                  special=tuple((x, at) for x in (0.0, 1.0, -1.0, 4.0, -4.0)))


SPECS += tuple(_default_spec(row) for row in _ops.UNARY
               if row.public and row.name not in {spec.name for spec in SPECS})

# prelu, glu and rrelu in training: the tolerances their own tests use. prelu's grad_weight is a
# sum, checked with its own tolerance in the test.
PRELU = OpSpec("prelu", "prelu", (-10, 10), EXACT, EXACT, kinks=lambda p: (0.0,))
GLU = OpSpec("glu", "glu", (-20, 20), TRANSCENDENTAL, GRAD)
RRELU_TRAIN = OpSpec("rrelu", "rrelu", (-10, 10), EXACT, EXACT, kinks=lambda p: (0.0,),
                     inplace=True)

BY_NAME = {s.name: s for s in SPECS}
# every name of _ops.SPECIAL -> its spec
SPECIAL_SPECS = {"prelu": PRELU, "glu": GLU, "rrelu": RRELU_TRAIN}


def sample(spec, params, n, rng, dtype):
    """n inputs of `dtype` for the op: half uniform over its domain, half log-uniform magnitudes
    (10^-8 .. the domain's bound, random sign, so small |x| is tested for relative accuracy),
    with every kink and its float neighbours put in at the front."""
    lo, hi = spec.domain
    n_uniform = n // 2
    u = rng.uniform(lo, hi, n_uniform)
    mag = 10.0 ** rng.uniform(-8, math.log10(max(abs(lo), abs(hi))), n - n_uniform)
    v = np.clip(mag * rng.choice([-1.0, 1.0], n - n_uniform), lo, hi)
    x = np.concatenate([u, v]).astype(dtype)
    extra = []
    for k in spec.kink_points(params) + (0.0,):
        k = np.asarray(k, dtype)
        extra += [k, np.nextafter(k, dtype.type(-np.inf)), np.nextafter(k, dtype.type(np.inf)),
                  -k]
    extra = np.array(extra, dtype)[: n]
    x[: extra.size] = extra
    return x
