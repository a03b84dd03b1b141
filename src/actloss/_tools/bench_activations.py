"""Bench cases of the activations (``actloss.ACTIVATIONS``, gelu in both ``approximate``
modes) and the ``np.copyto`` reference; the framework is ``benchcases``.

Every public elementwise row of the op table (_ops.UNARY) gets its case here by itself: its
parameters at their defaults, its NumPy side the row's plain formulas (``numpy``: what a user
would write; gelu's needs SciPy's erfc, and without SciPy there is none). torch's forward is
``torch.nn.functional.<name>``; its backward the autograd-free functional derivative
``torch.ops.aten.<op>_backward`` where _TORCH_BACKWARD names one, else autograd on a graph
built once; ``torch-out`` is the call with ``out=`` that _TORCH_OUT names. JAX's forward is
``jax.nn.<name>`` or the _JAX_FORWARD formula where jax.nn lacks the function or spells it
differently. ``x`` ~ 3 N(0, 1), so every branch is taken.

Also the sparse probability maps and their losses (sparsemax, entmax15, entmax_bisect at
alpha = 1.3, over rows; torch's side the ``entmax`` package's functions with autograd, and
no case where it is not installed is timed against torch), and gumbel_softmax (torch's side
its own F.gumbel_softmax, which draws its noise from torch's generator: a sample, checked as
one -- its rows sum to 1 -- not against actloss's).
"""
import functools

import numpy as np

from .. import _ops
from .bench_losses import _np_softmax
from .benchcases import Case, scipy_special, torch_module

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


def _np_copy(a):
    np.copyto(a.out, a.x)
    return a.out


# ---- torch's functional derivatives (torch.ops.aten), all autograd-free --------------------------

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


# ---- the sparse maps, their losses and gumbel_softmax (rows of 3 N(0, 1) scores) -----------

_BISECT_ALPHA = 1.3   # a general alpha: the power path, not 1.5's square or 2's identity
_GUMBEL_SEED = 1


def _entmax():
    """The entmax package (on torch): the peer of the sparse maps."""
    import entmax
    return entmax


def _scores_classes(shape, dtype, rng):
    return dict(_x(shape, dtype, rng), t=rng.integers(0, shape[1], shape[0]))


def _scores_classes_map(shape, dtype, rng, alpha):
    """Scores, classes and the scores' alpha-entmax (NumPy's formula): the map a
    Fenchel-Young loss's backward reuses."""
    a = _scores_classes(shape, dtype, rng)
    return dict(a, output=_np_sparse_map(a["x"].astype(np.float64), alpha).astype(dtype))


def _gumbel_inputs(shape, dtype, rng):
    """x, the seed, the noise that seed draws (for NumPy's and torch's formula) and the soft
    sample (what the backward reads)."""
    a = _x(shape, dtype, rng)
    g = _gumbel_noise(shape, dtype)
    return dict(a, generator=_GUMBEL_SEED, g=g, y_soft=_np_softmax(a["x"] + g))


def _gumbel_noise(shape, dtype):
    """The noise gumbel_softmax draws with generator=_GUMBEL_SEED."""
    return -np.log(np.random.default_rng(_GUMBEL_SEED).standard_exponential(shape)).astype(dtype)


def _np_sorted_threshold(x, alpha, xp):
    """tau of each row for alpha = 2 (sparsemax) or 1.5, from the row sorted descending (xp:
    numpy or jax.numpy)."""
    z = x / 2 if alpha == 1.5 else x
    s = -xp.sort(-z, axis=-1)
    k = xp.arange(1, x.shape[-1] + 1, dtype=x.dtype)
    if alpha == 2:
        c = xp.cumsum(s, axis=-1)
        size = (1 + k * s > c).sum(axis=-1, keepdims=True)
        return (xp.take_along_axis(c, size - 1, -1) - 1) / size.astype(x.dtype), z
    mean = xp.cumsum(s, axis=-1) / k
    var = xp.cumsum(s * s, axis=-1) / k - mean * mean
    # floored at 1e-30, not 0: the same value to 1e-15, and a finite derivative for jax.vjp
    tau = mean - xp.sqrt(xp.maximum((1 - k * var) / k, 1e-30))
    size = (tau <= s).sum(axis=-1, keepdims=True)
    return xp.take_along_axis(tau, size - 1, -1), z


def _np_sparse_map(x, alpha, xp=np, stop_gradient=lambda v: v):
    """The alpha-entmax of the rows of x: by the sorted threshold for 2 and 1.5, else by
    bisection and one Newton step on tau (whose derivative, tau held by stop_gradient, is the
    implicit one: what jax.vjp differentiates)."""
    if alpha in (2, 1.5):
        tau, z = _np_sorted_threshold(x, alpha, xp)
        return (xp.maximum(z - tau, 0) ** (1 / (alpha - 1))).astype(x.dtype)
    u = (alpha - 1) * (x - stop_gradient(x.max(axis=-1, keepdims=True)))
    lo, width = xp.full(x.shape[:-1] + (1,), -1.0, x.dtype), 1.0
    for _ in range(50):
        width /= 2
        p = xp.maximum(u - (lo + width), 0) ** (1 / (alpha - 1))
        lo = xp.where(p.sum(axis=-1, keepdims=True) >= 1, lo + width, lo)
    lo = stop_gradient(lo)
    d = xp.maximum(u - lo, 0)
    slope = (d ** ((2 - alpha) / (alpha - 1))).sum(axis=-1, keepdims=True) / (alpha - 1)
    tau = lo + ((d ** (1 / (alpha - 1))).sum(axis=-1, keepdims=True) - 1) / slope
    p = xp.maximum(u - tau, 0) ** (1 / (alpha - 1))
    return (p / p.sum(axis=-1, keepdims=True)).astype(x.dtype)


def _np_sparse_map_bwd(a, alpha):
    s = np.where(a.y > 0, np.abs(a.y) ** (2 - alpha), 0).astype(a.y.dtype)
    return s * (a.gy - (a.gy * s).sum(axis=-1, keepdims=True) / s.sum(axis=-1, keepdims=True))


def _np_fy_loss(x, t, alpha, xp=np, stop_gradient=lambda v: v):
    # differentiated with p held (stop_gradient): the gradient is p - e_t, as for any
    # Fenchel-Young loss (p is where the inner maximum is attained)
    p = stop_gradient(_np_sparse_map(x, alpha, xp))
    loss = ((p * x).sum(axis=-1) - xp.take_along_axis(x, t[:, None], -1)[:, 0]
            + (1 - (p ** alpha).sum(axis=-1)) / (alpha * (alpha - 1)))
    return loss.mean()


def _np_fy_loss_bwd(a, alpha):
    g = a.output.copy()
    g[np.arange(len(a.t)), a.t] -= 1
    return g * (a.gy / len(a.t))


def _sparse_case(name, alpha, peer, params=None):
    return Case(name=name, api=name, family="softmax", kind="rowwise", make=_x,
                np_fwd=lambda a: _np_sparse_map(a.x, alpha),
                np_bwd=lambda a: _np_sparse_map_bwd(a, alpha),
                params=params or {"dim": -1}, saves="y", torch_fwd=peer,
                jax_fwd=lambda jax, x, **kw: _np_sparse_map(x, alpha, jax.numpy,
                                                            jax.lax.stop_gradient),
                note="torch: the entmax package")


def _fy_case(name, alpha, peer, params=None):
    # the backward is given the map (output=), as torch's autograd reuses the one its forward
    # saved: a standalone backward that recomputed it would time the forward as well
    return Case(name=name, api=name, family="loss", kind="rowwise",
                make=functools.partial(_scores_classes_map, alpha=alpha),
                np_fwd=lambda a: _np_fy_loss(a.x, a.t, alpha),
                np_bwd=lambda a: _np_fy_loss_bwd(a, alpha), args=("x", "t"), bwd_kw=("output",),
                params=params or {}, torch_fwd=peer,
                jax_fwd=lambda jax, x, t, **kw: _np_fy_loss(x, t, alpha, jax.numpy,
                                                            jax.lax.stop_gradient),
                fused=True, note="torch: the entmax package's loss module")


SPARSE_CASES = [
    _sparse_case("sparsemax", 2, lambda t: _entmax().sparsemax(t.x, dim=-1)),
    _sparse_case("entmax15", 1.5, lambda t: _entmax().entmax15(t.x, dim=-1)),
    _sparse_case("entmax_bisect", _BISECT_ALPHA,
                 lambda t: _entmax().entmax_bisect(t.x, alpha=_BISECT_ALPHA, dim=-1, n_iter=50),
                 {"alpha": _BISECT_ALPHA, "dim": -1, "n_iter": 50}),
    _fy_case("sparsemax_loss", 2, lambda t: _entmax().SparsemaxLoss()(t.x, t.t)),
    _fy_case("entmax15_loss", 1.5, lambda t: _entmax().Entmax15Loss()(t.x, t.t)),
    _fy_case("entmax_bisect_loss", _BISECT_ALPHA,
             lambda t: _entmax().EntmaxBisectLoss(alpha=_BISECT_ALPHA, n_iter=50)(t.x, t.t),
             {"alpha": _BISECT_ALPHA, "n_iter": 50}),
    Case(name="gumbel_softmax", api="gumbel_softmax", family="softmax", kind="rowwise",
         make=_gumbel_inputs, np_fwd=lambda a: _np_softmax(a.x + a.g),
         np_bwd=lambda a: a.y_soft * (a.gy - (a.gy * a.y_soft).sum(axis=-1, keepdims=True)),
         params={"tau": 1.0, "hard": False, "dim": -1}, fwd_kw=("generator",),
         bwd_kw=("y_soft",),
         torch_fwd=lambda t: torch_module().nn.functional.gumbel_softmax(t.x, tau=1.0,
                                                                         hard=False, dim=-1),
         jax_fwd=lambda jax, x, tau, hard, dim: jax.nn.softmax(
             (x + _gumbel_noise(x.shape, x.dtype)) / tau, axis=dim),
         note="noise drawn in the call (actloss, torch's F.gumbel_softmax from its own "
              "generator); numpy, jax: softmax of the same noise as actloss's"),
]


# ---- the elementwise rows of the op table ------------------------------------------------------

# Values for the parameters a row leaves without a default (REQUIRED).
_BENCH_VALUES = {"threshold": {"threshold": 0.1, "value": 20.0}}

# torch's autograd-free derivative of each case, (aten, tensors, params) -> its call; a case
# without one is timed through autograd. torch_fwd overrides: torch.sigmoid/tanh (the
# torch.nn.functional names are deprecated aliases).
_TORCH_BACKWARD = {
    "relu": lambda aten, t, p: aten.threshold_backward(t.gy, t.x, 0),
    "relu6": lambda aten, t, p: aten.hardtanh_backward(t.gy, t.x, 0.0, 6.0),
    "leaky_relu": lambda aten, t, p: aten.leaky_relu_backward(t.gy, t.x, p["negative_slope"],
                                                              False),
    "elu": lambda aten, t, p: aten.elu_backward(t.gy, p["alpha"], 1.0, 1.0, False, t.x),
    "celu": lambda aten, t, p: aten.elu_backward(t.gy, p["alpha"], 1.0, 1 / p["alpha"], False,
                                                 t.x),
    "selu": lambda aten, t, p: aten.elu_backward(t.gy, _SELU_ALPHA, _SELU_SCALE, 1.0, False,
                                                 t.x),
    "gelu": lambda aten, t, p: aten.gelu_backward(t.gy, t.x, approximate=p["approximate"]),
    "silu": lambda aten, t, p: aten.silu_backward(t.gy, t.x),
    "mish": lambda aten, t, p: aten.mish_backward(t.gy, t.x),
    "softplus": lambda aten, t, p: aten.softplus_backward(t.gy, t.x, p["beta"],
                                                          p["threshold"]),
    "sigmoid": lambda aten, t, p: aten.sigmoid_backward(t.gy, t.y),
    "tanh": lambda aten, t, p: aten.tanh_backward(t.gy, t.y),
    "hardtanh": lambda aten, t, p: aten.hardtanh_backward(t.gy, t.x, p["min_val"],
                                                          p["max_val"]),
    "hardsigmoid": lambda aten, t, p: aten.hardsigmoid_backward(t.gy, t.x),
    "hardswish": lambda aten, t, p: aten.hardswish_backward(t.gy, t.x),
    "hardshrink": lambda aten, t, p: aten.hardshrink_backward(t.gy, t.x, p["lambd"]),
    "softshrink": lambda aten, t, p: aten.softshrink_backward(t.gy, t.x, p["lambd"]),
    "threshold": lambda aten, t, p: aten.threshold_backward(t.gy, t.x, p["threshold"]),
}
_TORCH_FORWARD = {"sigmoid": _torch_fn("sigmoid"), "tanh": _torch_fn("tanh")}
_TORCH_SPECIAL_BACKWARD = {"logsigmoid": _logsigmoid_bwd}

# torch's forward with out=, where it has one: the public torch.<name>, else the binding
# torch.nn.functional itself calls (torch._C._nn.<name>), else the ATen overload (relu, celu)
_TORCH_OUT = {
    **{name: f"torch.{name}" for name in ("sigmoid", "tanh", "hardshrink", "threshold")},
    **{name: f"torch._C._nn.{name}" for name in (
        "leaky_relu", "elu", "gelu", "silu", "mish", "softplus", "hardtanh", "hardsigmoid",
        "hardswish", "softshrink")},
    **{name: f"torch.ops.aten.{name}.out" for name in ("relu", "celu")},
}

# JAX's forward (jax, x, **params) where jax.nn.<name>(x, **params) is not it: another name,
# other parameters, or no jax.nn function (a jax.numpy formula then)
_JAX_FORWARD = {
    "gelu": lambda jax, x, approximate: jax.nn.gelu(x, approximate=approximate == "tanh"),
    "softplus": lambda jax, x, beta, threshold: jax.nn.softplus(beta * x) / beta,
    "softsign": lambda jax, x: jax.nn.soft_sign(x),
    "logsigmoid": lambda jax, x: jax.nn.log_sigmoid(x),
    "hardtanh": lambda jax, x, min_val, max_val: jax.numpy.clip(x, min_val, max_val),
    "hardsigmoid": lambda jax, x: jax.nn.hard_sigmoid(x),
    "hardswish": lambda jax, x: jax.nn.hard_swish(x),
    "hardshrink": lambda jax, x, lambd: jax.numpy.where(jax.numpy.abs(x) > lambd, x, 0),
    "softshrink": lambda jax, x, lambd: jax.numpy.where(
        x > lambd, x - lambd, jax.numpy.where(x < -lambd, x + lambd, 0)),
    "tanhshrink": lambda jax, x: x - jax.numpy.tanh(x),
    "threshold": lambda jax, x, threshold, value: jax.numpy.where(x > threshold, x, value),
}


def _aten_call(name, params):
    derivative = _TORCH_BACKWARD[name]
    return lambda t: (lambda: derivative(torch_module().ops.aten, t, params))


def _numpy_side(row, params):
    """The row's plain NumPy formulas (_ops.numpy_formulas) as the case's np_fwd and np_bwd;
    made on first use, so a formula needing SciPy costs nothing where SciPy is missing."""
    formulas = functools.lru_cache(maxsize=None)(lambda: _ops.numpy_formulas(row))
    return (lambda a: formulas()[0](a.x, **params),
            lambda a: formulas()[1](a.gy, a.x, a.y, **params))


def _row_cases(op):
    """The cases of a public row: one, or one per value of an option (gelu's approximate,
    whose "tanh" case is named after its kernel row, gelu_tanh)."""
    values = _BENCH_VALUES.get(op.name, {})
    params = {p.name: values.get(p.name, p.default) for p in op.params}
    choices = [(None, op.name)]
    for option, default, kernels in op.options:
        choices = [((option, value), kernel) for value, kernel in kernels]
    for choice, kernel in choices:
        row = next(r for r in _ops.UNARY if r.name == kernel)
        case_params = dict(params, **dict([choice])) if choice else params
        name = op.name if choice is None or choice[1] == op.options[0][1] else kernel
        np_fwd, np_bwd = _numpy_side(row, params)
        torch_bwd = (_aten_call(op.name, case_params) if op.name in _TORCH_BACKWARD
                     else _TORCH_SPECIAL_BACKWARD.get(op.name))
        yield _act(name, np_fwd, np_bwd, case_params, api=op.name, torch_bwd=torch_bwd,
                   torch_fwd=_TORCH_FORWARD.get(op.name), torch_out=_TORCH_OUT.get(op.name, ""),
                   jax_fwd=_JAX_FORWARD.get(op.name),
                   saves="y" if row.saves_output else "x",
                   needs_scipy="scipy." in "".join(row.numpy))


ROW_CASES = [case for op in _ops.UNARY if op.public for case in _row_cases(op)]

CASES = ROW_CASES + [
    _act("prelu", _np_prelu, _np_prelu_bwd, args=("x", "w"), grads=("x", "w"),
         make=_x_prelu, shape=_shape_prelu, out=("forward",), torch_bwd=_prelu_bwd,
         jax_fwd=lambda jax, x, w: jax.numpy.where(x > 0, x, x * w[:, None]),
         note="(5, 8, n/40), one slope per channel"),
    _act("rrelu", _np_rrelu, lambda a: a.gy * a.noise,
         {"lower": 1 / 8, "upper": 1 / 3, "training": True}, make=_x_rrelu,
         fwd_kw=("generator", "noise"), bwd_kw=("noise",),
         torch_bwd=lambda t: lambda: torch_module().ops.aten.rrelu_with_noise_backward(
             t.gy, t.x, t.noise, 1 / 8, 1 / 3, True, False),
         note="training=True: slopes drawn by each implementation's RNG"),
    _act("glu", _np_glu, _np_glu_bwd, {"dim": -1}, shape=_shape_glu, out=("forward",),
         torch_out="torch._C._nn.glu",
         torch_bwd=lambda t: lambda: torch_module().ops.aten.glu_backward(t.gy, t.x, -1),
         note="(n/1000, 1000), halved along the last axis"),
    Case(name="copy", api=None, family="activation", kind="elementwise", make=_x_out,
         np_fwd=_np_copy, note="np.copyto(out, x): the bandwidth reference"),
] + SPARSE_CASES
