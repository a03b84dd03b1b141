"""Bench cases of the activations (``actloss.ACTIVATIONS``, gelu in both ``approximate``
modes) and the ``np.copyto`` reference; the framework is ``_benchcases``.

``x`` ~ 3 N(0, 1), so every branch is taken. The NumPy side is the formula a user would write
(``x * (1 / (1 + np.exp(-x)))`` for silu; the derivative's formula times grad_output for the
backward); gelu's needs ``erf``, which NumPy lacks: it comes from SciPy, and without SciPy
there is none. torch's backward is the autograd-free functional derivative
``torch.ops.aten.<op>_backward`` (elu's for celu and selu, threshold's for relu, hardtanh's for
relu6); autograd on a graph built once for softsign and tanhshrink, which have none.
"""
import math

import numpy as np

from ._benchcases import Case, scipy_special, torch_module

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)   # Python floats: they keep float32 float32
_INV_SQRT2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_PRELU_CHANNELS = 8


def _x(shape, dtype, rng):
    return {"x": (3 * rng.standard_normal(shape)).astype(dtype)}


def _x_prelu(shape, dtype, rng):
    return dict(_x(shape, dtype, rng), w=np.full(_PRELU_CHANNELS, 0.25, dtype))


def _x_rrelu(shape, dtype, rng):
    """rrelu in training mode: slopes drawn from `generator`, written to `noise`."""
    a = _x(shape, dtype, rng)
    return dict(a, noise=np.empty_like(a["x"]), generator=np.random.default_rng(1))


def _x_out(shape, dtype, rng):
    """The copy reference's source and destination."""
    a = _x(shape, dtype, rng)
    return dict(a, out=np.empty_like(a["x"]))


def _shape_prelu(n):
    """(N, C, L) with 8 channels: a weight per channel, as in a conv net."""
    return (5, _PRELU_CHANNELS, n // (5 * _PRELU_CHANNELS))


def _shape_glu(n):
    """(rows, 1000), halved along the last dim."""
    return (max(1, n // 1000), min(n, 1000))


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _np_gelu(a):
    erf = scipy_special().erf
    return 0.5 * a.x * (1 + erf(a.x * _INV_SQRT2))


def _np_gelu_bwd(a):
    erf, x = scipy_special().erf, a.x
    return a.gy * (0.5 * (1 + erf(x * _INV_SQRT2)) + x * np.exp(-0.5 * x * x) * _INV_SQRT_2PI)


def _np_gelu_tanh(a):
    x = a.x
    return 0.5 * x * (1 + np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))


def _np_gelu_tanh_bwd(a):
    x = a.x
    t = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
    du = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
    return a.gy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)


def _np_silu_bwd(a):
    s = _sig(a.x)
    return a.gy * (s * (1 + a.x * (1 - s)))


def _np_mish_bwd(a):
    x = a.x
    t = np.tanh(np.log1p(np.exp(x)))
    return a.gy * (t + x * _sig(x) * (1 - t * t))


def _np_prelu(a):
    return np.where(a.x > 0, a.x, a.x * a.w[:, None])


def _np_prelu_bwd(a):
    w = a.w[:, None]
    gx = np.where(a.x > 0, a.gy, a.gy * w)
    gw = np.where(a.x > 0, 0, a.gy * a.x).sum(axis=(0, 2))
    return gx, gw


def _np_rrelu(a):
    lo, hi = 1 / 8, 1 / 3
    slopes = lo + (hi - lo) * a.generator.random(a.x.shape, dtype=a.x.dtype)
    return np.where(a.x > 0, a.x, a.x * slopes)


def _np_glu(a):
    h = a.x.shape[-1] // 2
    return a.x[..., :h] * _sig(a.x[..., h:])


def _np_glu_bwd(a):
    h = a.x.shape[-1] // 2
    u, v = a.x[..., :h], a.x[..., h:]
    s = _sig(v)
    return np.concatenate([a.gy * s, a.gy * u * s * (1 - s)], axis=-1)


def _np_softshrink(a):
    return np.sign(a.x) * np.maximum(np.abs(a.x) - 0.5, 0)


def _np_copy(a):
    np.copyto(a.out, a.x)
    return a.out


# ---- torch's functional derivatives (torch.ops.aten), all autograd-free --------------------------

def _aten(make_call):
    """torch_bwd from `make_call(aten, t)`, the derivative autograd itself would call."""
    return lambda t: make_call(torch_module().ops.aten, t)


def _logsigmoid_bwd(t):
    aten = torch_module().ops.aten
    buffer = aten.log_sigmoid_forward(t.x)[1]     # what autograd saves from the forward
    return lambda: aten.log_sigmoid_backward(t.gy, t.x, buffer)


def _prelu_bwd(t):
    aten = torch_module().ops.aten
    w = t.w.view(1, -1, 1)

    def prelu_backward():
        gx, gw = aten._prelu_kernel_backward(t.gy, t.x, w)
        return gx, gw.sum(dim=(0, 2))             # autograd's reduction to weight's shape
    return prelu_backward


def _act(name, np_fwd, np_bwd, params=None, api=None, torch_bwd=None, **kw):
    """An activation case: elementwise sizes, out= in both directions unless told."""
    return Case(name=name, api=api or name, family="activation", kind="elementwise",
                make=kw.pop("make", _x), np_fwd=np_fwd, np_bwd=np_bwd, params=params or {},
                torch_bwd=torch_bwd, out=kw.pop("out", ("forward", "backward")), **kw)


def _torch_fn(name):
    return lambda t: getattr(torch_module(), name)(t.x)


CASES = [
    _act("relu", lambda a: np.maximum(a.x, 0), lambda a: a.gy * (a.x > 0),
         torch_bwd=_aten(lambda aten, t: lambda: aten.threshold_backward(t.gy, t.x, 0))),
    _act("relu6", lambda a: np.clip(a.x, 0, 6), lambda a: a.gy * ((a.x > 0) & (a.x < 6)),
         torch_bwd=_aten(lambda aten, t: lambda: aten.hardtanh_backward(t.gy, t.x, 0.0, 6.0))),
    _act("leaky_relu", lambda a: np.where(a.x > 0, a.x, a.x * 0.01),
         lambda a: np.where(a.x > 0, a.gy, a.gy * 0.01), {"negative_slope": 0.01},
         torch_bwd=_aten(lambda aten, t: lambda: aten.leaky_relu_backward(t.gy, t.x, 0.01,
                                                                          False))),
    _act("prelu", _np_prelu, _np_prelu_bwd, args=("x", "w"), grads=("x", "w"),
         make=_x_prelu, shape=_shape_prelu, out=("forward",), torch_bwd=_prelu_bwd,
         note="(5, 8, n/40), one slope per channel"),
    _act("rrelu", _np_rrelu, lambda a: a.gy * a.noise,
         {"lower": 1 / 8, "upper": 1 / 3, "training": True}, make=_x_rrelu,
         fwd_kw=("generator", "noise"), bwd_kw=("noise",),
         torch_bwd=_aten(lambda aten, t: lambda: aten.rrelu_with_noise_backward(
             t.gy, t.x, t.noise, 1 / 8, 1 / 3, True, False)),
         note="training=True: slopes drawn by each implementation's RNG"),
    _act("elu", lambda a: np.where(a.x > 0, a.x, np.expm1(a.x)),
         lambda a: np.where(a.x > 0, a.gy, a.gy * np.exp(a.x)), {"alpha": 1.0},
         torch_bwd=_aten(lambda aten, t: lambda: aten.elu_backward(t.gy, 1.0, 1.0, 1.0, False,
                                                                   t.x))),
    _act("celu", lambda a: np.where(a.x > 0, a.x, 1.0 * np.expm1(a.x / 1.0)),
         lambda a: np.where(a.x > 0, a.gy, a.gy * np.exp(a.x / 1.0)), {"alpha": 1.0},
         torch_bwd=_aten(lambda aten, t: lambda: aten.elu_backward(t.gy, 1.0, 1.0, 1.0, False,
                                                                   t.x))),
    _act("selu", lambda a: _SELU_SCALE * np.where(a.x > 0, a.x, _SELU_ALPHA * np.expm1(a.x)),
         lambda a: a.gy * np.where(a.x > 0, _SELU_SCALE, _SELU_SCALE * _SELU_ALPHA * np.exp(a.x)),
         torch_bwd=_aten(lambda aten, t: lambda: aten.elu_backward(
             t.gy, _SELU_ALPHA, _SELU_SCALE, 1.0, False, t.x))),
    _act("gelu", _np_gelu, _np_gelu_bwd, {"approximate": "none"}, needs_scipy=True,
         torch_bwd=_aten(lambda aten, t: lambda: aten.gelu_backward(t.gy, t.x,
                                                                    approximate="none"))),
    _act("gelu_tanh", _np_gelu_tanh, _np_gelu_tanh_bwd, {"approximate": "tanh"}, api="gelu",
         torch_bwd=_aten(lambda aten, t: lambda: aten.gelu_backward(t.gy, t.x,
                                                                    approximate="tanh"))),
    _act("silu", lambda a: a.x * (1 / (1 + np.exp(-a.x))), _np_silu_bwd,
         torch_bwd=_aten(lambda aten, t: lambda: aten.silu_backward(t.gy, t.x))),
    _act("mish", lambda a: a.x * np.tanh(np.log1p(np.exp(a.x))), _np_mish_bwd,
         torch_bwd=_aten(lambda aten, t: lambda: aten.mish_backward(t.gy, t.x))),
    _act("softplus", lambda a: np.where(a.x > 20, a.x, np.log1p(np.exp(a.x))),
         lambda a: np.where(a.x > 20, a.gy, a.gy / (1 + np.exp(-a.x))),
         {"beta": 1.0, "threshold": 20.0},
         torch_bwd=_aten(lambda aten, t: lambda: aten.softplus_backward(t.gy, t.x, 1.0, 20.0))),
    _act("softsign", lambda a: a.x / (1 + np.abs(a.x)), lambda a: a.gy / (1 + np.abs(a.x)) ** 2),
    _act("sigmoid", lambda a: 1 / (1 + np.exp(-a.x)), lambda a: a.gy * a.y * (1 - a.y),
         saves="y", torch_fwd=_torch_fn("sigmoid"),
         torch_bwd=_aten(lambda aten, t: lambda: aten.sigmoid_backward(t.gy, t.y))),
    _act("tanh", lambda a: np.tanh(a.x), lambda a: a.gy * (1 - a.y * a.y), saves="y",
         torch_fwd=_torch_fn("tanh"),
         torch_bwd=_aten(lambda aten, t: lambda: aten.tanh_backward(t.gy, t.y))),
    _act("logsigmoid", lambda a: -np.logaddexp(0, -a.x), lambda a: a.gy / (1 + np.exp(a.x)),
         torch_bwd=_logsigmoid_bwd),
    _act("hardtanh", lambda a: np.clip(a.x, -1, 1), lambda a: a.gy * ((a.x > -1) & (a.x < 1)),
         {"min_val": -1.0, "max_val": 1.0},
         torch_bwd=_aten(lambda aten, t: lambda: aten.hardtanh_backward(t.gy, t.x, -1.0, 1.0))),
    _act("hardsigmoid", lambda a: np.clip(a.x / 6 + 0.5, 0, 1),
         lambda a: np.where((a.x > -3) & (a.x < 3), a.gy / 6, 0),
         torch_bwd=_aten(lambda aten, t: lambda: aten.hardsigmoid_backward(t.gy, t.x))),
    _act("hardswish", lambda a: a.x * np.clip(a.x + 3, 0, 6) / 6,
         lambda a: np.where(a.x < -3, 0, np.where(a.x <= 3, a.gy * (a.x / 3 + 0.5), a.gy)),
         torch_bwd=_aten(lambda aten, t: lambda: aten.hardswish_backward(t.gy, t.x))),
    _act("hardshrink", lambda a: np.where(np.abs(a.x) > 0.5, a.x, 0),
         lambda a: a.gy * (np.abs(a.x) > 0.5), {"lambd": 0.5},
         torch_bwd=_aten(lambda aten, t: lambda: aten.hardshrink_backward(t.gy, t.x, 0.5))),
    _act("softshrink", _np_softshrink, lambda a: a.gy * (np.abs(a.x) > 0.5), {"lambd": 0.5},
         torch_bwd=_aten(lambda aten, t: lambda: aten.softshrink_backward(t.gy, t.x, 0.5))),
    _act("tanhshrink", lambda a: a.x - np.tanh(a.x), lambda a: a.gy * np.tanh(a.x) ** 2),
    _act("threshold", lambda a: np.where(a.x > 0.1, a.x, 20.0), lambda a: a.gy * (a.x > 0.1),
         {"threshold": 0.1, "value": 20.0},
         torch_bwd=_aten(lambda aten, t: lambda: aten.threshold_backward(t.gy, t.x, 0.1))),
    _act("glu", _np_glu, _np_glu_bwd, {"dim": -1}, shape=_shape_glu, out=("forward",),
         torch_bwd=_aten(lambda aten, t: lambda: aten.glu_backward(t.gy, t.x, -1)),
         note="(n/1000, 1000), halved along the last axis"),
    Case(name="copy", api=None, family="activation", kind="elementwise", make=_x_out,
         np_fwd=_np_copy, note="np.copyto(out, x): the bandwidth reference"),
]
