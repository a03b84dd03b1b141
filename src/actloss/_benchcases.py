"""Side-by-side timing cases: every activation, forward and backward, as actloss, as the
plain NumPy formula a user would otherwise write, and as torch.nn.functional.

One table shared by ``benchmarks/bench_activations.py``, the speed table of
``python -m actloss`` and the ``bench`` subcommand to come, so that they all time the same
calls. torch is optional: without it, ``torch_module()`` is None and torch cases are
unavailable. Nothing here is imported by the public API.

Implementations of a case:

``actloss``        the API call writing into a preallocated ``out=`` (None where the function
                   has no ``out=``: ``prelu_backward``, ``glu_backward``)
``actloss-alloc``  the same call returning a new array
``numpy``          the plain NumPy formula (``x * (1 / (1 + np.exp(-x)))`` for silu; the
                   derivative's formula times grad_output for backward). gelu needs ``erf``,
                   which NumPy lacks: it comes from SciPy, and without SciPy there is none.
``torch``          ``torch.nn.functional`` forward; backward the autograd-free functional
                   derivative ``torch.ops.aten.<op>_backward`` (elu's for celu and selu,
                   threshold's for relu, hardtanh's for relu6); autograd on a graph built once
                   (``torch.autograd.grad(..., retain_graph=True)``) for softsign and
                   tanhshrink, which have none.

Inputs are deterministic (seeded), ``x`` ~ 3 N(0, 1) so every branch is taken, built once
per (op, dtype, size) and shared by all implementations (torch tensors via
``torch.from_numpy``, the same memory).
"""
import contextlib
import math
import os
import time
import types
from collections import namedtuple

import numpy as np

IMPLEMENTATIONS = ("actloss", "actloss-alloc", "numpy", "torch")
DIRECTIONS = ("forward", "backward")

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)   # Python floats: they keep float32 float32
_INV_SQRT2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_PRELU_CHANNELS = 8

_torch = None
_scipy_erf = None


def torch_module():
    """torch, or None when it is not installed (imported on first use: it is slow)."""
    global _torch
    if _torch is None:
        try:
            import torch
        except ImportError:
            torch = False
        _torch = torch
    return _torch or None


def _erf():
    global _scipy_erf
    if _scipy_erf is None:
        try:
            from scipy.special import erf
        except ImportError:
            erf = False
        _scipy_erf = erf
    return _scipy_erf or None


def max_threads():
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


@contextlib.contextmanager
def num_threads(n):
    """Run actloss (and torch, if imported) on n threads; restore both afterwards."""
    import actloss
    old = actloss._threads._num_threads
    torch = _torch or None
    old_torch = torch.get_num_threads() if torch else None
    actloss.set_num_threads(n)
    if torch:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        actloss.set_num_threads(old)
        if torch:
            torch.set_num_threads(old_torch)


# ---- the op table ---------------------------------------------------------------------------
# api: the actloss/torch function name; params: keyword arguments given to both (torch's
# defaults); shape(n); saves: what the backward takes besides grad_output ("x" or "y" = the
# forward result); np_fwd(a) / np_bwd(a): NumPy formulas on the arrays of make_arrays.

OpSpec = namedtuple("OpSpec", "name api params shape saves np_fwd np_bwd")


def _shape_1d(n):
    return (n,)


def _shape_prelu(n):
    """(N, C, L) with 8 channels: a weight per channel, as in a conv net."""
    return (5, _PRELU_CHANNELS, n // (5 * _PRELU_CHANNELS))


def _shape_glu(n):
    """(rows, 1000), halved along the last dim."""
    return (max(1, n // 1000), min(n, 1000))


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _np_gelu(a):
    erf = _erf()
    return 0.5 * a.x * (1 + erf(a.x * _INV_SQRT2))


def _np_gelu_bwd(a):
    erf, x = _erf(), a.x
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
    slopes = lo + (hi - lo) * a.rng.random(a.x.shape, dtype=a.x.dtype)
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


OPS = {spec.name: spec for spec in (
    OpSpec("relu", "relu", {}, _shape_1d, "x",
           lambda a: np.maximum(a.x, 0), lambda a: a.gy * (a.x > 0)),
    OpSpec("relu6", "relu6", {}, _shape_1d, "x",
           lambda a: np.clip(a.x, 0, 6), lambda a: a.gy * ((a.x > 0) & (a.x < 6))),
    OpSpec("leaky_relu", "leaky_relu", {"negative_slope": 0.01}, _shape_1d, "x",
           lambda a: np.where(a.x > 0, a.x, a.x * 0.01),
           lambda a: np.where(a.x > 0, a.gy, a.gy * 0.01)),
    OpSpec("prelu", "prelu", {}, _shape_prelu, "x", _np_prelu, _np_prelu_bwd),
    OpSpec("rrelu", "rrelu", {"lower": 1 / 8, "upper": 1 / 3, "training": True}, _shape_1d,
           "x", _np_rrelu, lambda a: a.gy * a.noise),
    OpSpec("elu", "elu", {"alpha": 1.0}, _shape_1d, "x",
           lambda a: np.where(a.x > 0, a.x, np.expm1(a.x)),
           lambda a: np.where(a.x > 0, a.gy, a.gy * np.exp(a.x))),
    OpSpec("celu", "celu", {"alpha": 1.0}, _shape_1d, "x",
           lambda a: np.where(a.x > 0, a.x, 1.0 * np.expm1(a.x / 1.0)),
           lambda a: np.where(a.x > 0, a.gy, a.gy * np.exp(a.x / 1.0))),
    OpSpec("selu", "selu", {}, _shape_1d, "x",
           lambda a: _SELU_SCALE * np.where(a.x > 0, a.x, _SELU_ALPHA * np.expm1(a.x)),
           lambda a: a.gy * np.where(a.x > 0, _SELU_SCALE,
                                     _SELU_SCALE * _SELU_ALPHA * np.exp(a.x))),
    OpSpec("gelu", "gelu", {"approximate": "none"}, _shape_1d, "x", _np_gelu, _np_gelu_bwd),
    OpSpec("gelu_tanh", "gelu", {"approximate": "tanh"}, _shape_1d, "x",
           _np_gelu_tanh, _np_gelu_tanh_bwd),
    OpSpec("silu", "silu", {}, _shape_1d, "x",
           lambda a: a.x * (1 / (1 + np.exp(-a.x))), _np_silu_bwd),
    OpSpec("mish", "mish", {}, _shape_1d, "x",
           lambda a: a.x * np.tanh(np.log1p(np.exp(a.x))), _np_mish_bwd),
    OpSpec("softplus", "softplus", {"beta": 1.0, "threshold": 20.0}, _shape_1d, "x",
           lambda a: np.where(a.x > 20, a.x, np.log1p(np.exp(a.x))),
           lambda a: np.where(a.x > 20, a.gy, a.gy / (1 + np.exp(-a.x)))),
    OpSpec("softsign", "softsign", {}, _shape_1d, "x",
           lambda a: a.x / (1 + np.abs(a.x)), lambda a: a.gy / (1 + np.abs(a.x)) ** 2),
    OpSpec("sigmoid", "sigmoid", {}, _shape_1d, "y",
           lambda a: 1 / (1 + np.exp(-a.x)), lambda a: a.gy * a.y * (1 - a.y)),
    OpSpec("tanh", "tanh", {}, _shape_1d, "y",
           lambda a: np.tanh(a.x), lambda a: a.gy * (1 - a.y * a.y)),
    OpSpec("logsigmoid", "logsigmoid", {}, _shape_1d, "x",
           lambda a: -np.logaddexp(0, -a.x), lambda a: a.gy / (1 + np.exp(a.x))),
    OpSpec("hardtanh", "hardtanh", {"min_val": -1.0, "max_val": 1.0}, _shape_1d, "x",
           lambda a: np.clip(a.x, -1, 1), lambda a: a.gy * ((a.x > -1) & (a.x < 1))),
    OpSpec("hardsigmoid", "hardsigmoid", {}, _shape_1d, "x",
           lambda a: np.clip(a.x / 6 + 0.5, 0, 1),
           lambda a: np.where((a.x > -3) & (a.x < 3), a.gy / 6, 0)),
    OpSpec("hardswish", "hardswish", {}, _shape_1d, "x",
           lambda a: a.x * np.clip(a.x + 3, 0, 6) / 6,
           lambda a: np.where(a.x < -3, 0, np.where(a.x <= 3, a.gy * (a.x / 3 + 0.5), a.gy))),
    OpSpec("hardshrink", "hardshrink", {"lambd": 0.5}, _shape_1d, "x",
           lambda a: np.where(np.abs(a.x) > 0.5, a.x, 0),
           lambda a: a.gy * (np.abs(a.x) > 0.5)),
    OpSpec("softshrink", "softshrink", {"lambd": 0.5}, _shape_1d, "x", _np_softshrink,
           lambda a: a.gy * (np.abs(a.x) > 0.5)),
    OpSpec("tanhshrink", "tanhshrink", {}, _shape_1d, "x",
           lambda a: a.x - np.tanh(a.x), lambda a: a.gy * np.tanh(a.x) ** 2),
    OpSpec("threshold", "threshold", {"threshold": 0.1, "value": 20.0}, _shape_1d, "x",
           lambda a: np.where(a.x > 0.1, a.x, 20.0), lambda a: a.gy * (a.x > 0.1)),
    OpSpec("glu", "glu", {"dim": -1}, _shape_glu, "x", _np_glu, _np_glu_bwd),
)}


def op_names():
    """Every bench op: actloss.ACTIVATIONS, with gelu's tanh form right after gelu."""
    import actloss
    names = []
    for name in actloss.ACTIVATIONS:
        names.append(name)
        if name == "gelu":
            names.append("gelu_tanh")
    assert set(names) == set(OPS), "the bench table and actloss.ACTIVATIONS disagree"
    return names


# ---- inputs ---------------------------------------------------------------------------------

def make_arrays(name, n, dtype, seed=0):
    """The NumPy inputs of op `name` at n elements: x, gy (the forward result's shape), y
    (the forward result), w (prelu), noise (rrelu), rng, out_fwd / out_bwd (out= buffers)."""
    spec, dtype = OPS[name], np.dtype(dtype)
    rng = np.random.default_rng(seed)
    x = (3 * rng.standard_normal(spec.shape(n))).astype(dtype)
    a = types.SimpleNamespace(x=x, rng=np.random.default_rng(seed + 1), w=None, noise=None)
    if name == "prelu":
        a.w = np.full(_PRELU_CHANNELS, 0.25, dtype)
    if name == "rrelu":
        a.noise = np.empty_like(x)
    a.out_fwd = _actloss_forward(spec, a, None)
    a.y = a.out_fwd.copy()
    a.gy = rng.standard_normal(a.y.shape).astype(dtype)
    a.out_bwd = np.empty_like(x)
    return a


def make_tensors(a):
    """The same data as torch tensors (torch.from_numpy: shared memory)."""
    torch = torch_module()
    t = types.SimpleNamespace()
    for key in ("x", "gy", "y", "w", "noise"):
        v = getattr(a, key)
        setattr(t, key, torch.from_numpy(v) if v is not None else None)
    return t


# ---- the calls --------------------------------------------------------------------------------

def _actloss_forward(spec, a, out):
    import actloss as F
    p = spec.params
    if spec.name == "prelu":
        return F.prelu(a.x, a.w, out=out)
    if spec.name == "rrelu":
        return F.rrelu(a.x, generator=a.rng, noise=a.noise, out=out, **p)
    return getattr(F, spec.api)(a.x, out=out, **p)


def _actloss_backward(spec, a, out):
    import actloss as F
    p = spec.params
    if spec.name == "prelu":
        return F.prelu_backward(a.gy, a.x, a.w)
    if spec.name == "glu":
        return F.glu_backward(a.gy, a.x, **p)
    if spec.name == "rrelu":
        return F.rrelu_backward(a.gy, a.x, noise=a.noise, out=out, **p)
    bwd = getattr(F, spec.api + "_backward")
    if spec.saves == "y":
        return bwd(a.gy, output=a.y, out=out)
    return bwd(a.gy, a.x, out=out, **p)


_NO_OUT = {("backward", "prelu"), ("backward", "glu")}  # API without out=


def _torch_forward(spec, t):
    torch = torch_module()
    TF = torch.nn.functional
    p = spec.params
    if spec.name == "prelu":
        return lambda: TF.prelu(t.x, t.w)
    if spec.name in ("sigmoid", "tanh"):
        fn = getattr(torch, spec.api)
        return lambda: fn(t.x)
    fn = getattr(TF, spec.api)
    return lambda: fn(t.x, **p)


def _torch_backward(spec, t):
    """The functional derivative torch's autograd itself calls (no graph), or autograd."""
    torch = torch_module()
    aten, TF, name, p = torch.ops.aten, torch.nn.functional, spec.name, spec.params
    gy, x = t.gy, t.x
    simple = {
        "relu": lambda: aten.threshold_backward(gy, x, 0),
        "relu6": lambda: aten.hardtanh_backward(gy, x, 0.0, 6.0),
        "leaky_relu": lambda: aten.leaky_relu_backward(gy, x, p.get("negative_slope"), False),
        "elu": lambda: aten.elu_backward(gy, p.get("alpha"), 1.0, 1.0, False, x),
        "celu": lambda: aten.elu_backward(gy, p.get("alpha"), 1.0, 1.0 / p.get("alpha", 1),
                                          False, x),
        "selu": lambda: aten.elu_backward(gy, _SELU_ALPHA, _SELU_SCALE, 1.0, False, x),
        "gelu": lambda: aten.gelu_backward(gy, x, approximate="none"),
        "gelu_tanh": lambda: aten.gelu_backward(gy, x, approximate="tanh"),
        "silu": lambda: aten.silu_backward(gy, x),
        "mish": lambda: aten.mish_backward(gy, x),
        "softplus": lambda: aten.softplus_backward(gy, x, p.get("beta"), p.get("threshold")),
        "sigmoid": lambda: aten.sigmoid_backward(gy, t.y),
        "tanh": lambda: aten.tanh_backward(gy, t.y),
        "hardtanh": lambda: aten.hardtanh_backward(gy, x, p.get("min_val"), p.get("max_val")),
        "hardsigmoid": lambda: aten.hardsigmoid_backward(gy, x),
        "hardswish": lambda: aten.hardswish_backward(gy, x),
        "hardshrink": lambda: aten.hardshrink_backward(gy, x, p.get("lambd")),
        "softshrink": lambda: aten.softshrink_backward(gy, x, p.get("lambd")),
        "threshold": lambda: aten.threshold_backward(gy, x, p.get("threshold")),
        "glu": lambda: aten.glu_backward(gy, x, p.get("dim")),
        "rrelu": lambda: aten.rrelu_with_noise_backward(gy, x, t.noise, p["lower"], p["upper"],
                                                        True, False),
    }
    if name in simple:
        return simple[name]
    if name == "logsigmoid":
        buffer = aten.log_sigmoid_forward(x)[1]   # what autograd saves from the forward
        return lambda: aten.log_sigmoid_backward(gy, x, buffer)
    if name == "prelu":
        w = t.w.view(1, -1, 1)

        def prelu_backward():
            gx, gw = aten._prelu_kernel_backward(gy, x, w)
            return gx, gw.sum(dim=(0, 2))       # autograd's reduction to weight's shape
        return prelu_backward
    # softsign, tanhshrink: no functional derivative; autograd over a graph built once
    xr = x.detach().clone().requires_grad_(True)
    y = getattr(TF, spec.api)(xr, **p)
    return lambda: torch.autograd.grad(y, xr, gy, retain_graph=True)[0]


def bind(name, direction, impl, a, t=None):
    """A zero-argument callable running one implementation on the prepared inputs, or None
    where the implementation does not exist (no out=, no torch, no SciPy erf)."""
    spec = OPS[name]
    if impl == "actloss":
        if (direction, name) in _NO_OUT:
            return None
        out = a.out_fwd if direction == "forward" else a.out_bwd
        call = _actloss_forward if direction == "forward" else _actloss_backward
        return lambda: call(spec, a, out)
    if impl == "actloss-alloc":
        call = _actloss_forward if direction == "forward" else _actloss_backward
        return lambda: call(spec, a, None)
    if impl == "numpy":
        if spec.api == "gelu" and spec.params["approximate"] == "none" and _erf() is None:
            return None
        fn = spec.np_fwd if direction == "forward" else spec.np_bwd
        return lambda: fn(a)
    if impl == "torch":
        if torch_module() is None:
            return None
        if t is None:
            t = make_tensors(a)
        return _torch_forward(spec, t) if direction == "forward" else _torch_backward(spec, t)
    raise ValueError(f"unknown implementation {impl!r}; expected one of {IMPLEMENTATIONS}")


def as_numpy(result):
    """A result (array, tensor or tuple of them) as a tuple of NumPy arrays."""
    items = result if isinstance(result, tuple) else (result,)
    return tuple(np.asarray(r.numpy() if hasattr(r, "numpy") else r) for r in items)


def check_agreement(name, direction, impl, got, expected):
    """Raise AssertionError unless an implementation's result matches actloss's (same dtype,
    loose tolerance): a wrong formula would make its timing meaningless. The float64
    tolerance admits torch's hardsigmoid_backward, which multiplies by 1.0f / 6.0f (a float32
    constant) in float64 too. rrelu's forward draws its own random slopes, so only its
    positive part is compared."""
    got, expected = as_numpy(got), as_numpy(expected)
    assert len(got) == len(expected), f"{name} {direction} {impl}: {len(got)} results"
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype, f"{name} {direction} {impl}: dtype {g.dtype} != {e.dtype}"
        f32 = e.dtype == np.float32
        rtol, atol = (1e-4, 1e-5) if f32 else (1e-7, 1e-10)
        if name == "prelu" and direction == "backward" and g.ndim == 1:
            rtol, atol = (1e-3, 1e-2) if f32 else (1e-7, 1e-9)   # a sum over many terms
        if name == "rrelu" and direction == "forward":
            keep = e > 0
            g, e = g[keep], e[keep]
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol,
                                   err_msg=f"{name} {direction} {impl}")


def traffic_bytes(name, direction, a):
    """Bytes a call must read and write: its array inputs and its result(s)."""
    spec = OPS[name]
    if direction == "forward":
        ins = [a.x, a.w] + ([a.noise] if name == "rrelu" else [])  # rrelu writes noise
        outs = [a.out_fwd]
    else:
        ins = [a.gy, a.y if spec.saves == "y" else a.x, a.w, a.noise]
        outs = [a.out_bwd] + ([a.w] if name == "prelu" else [])
    return sum(v.nbytes for v in ins + outs if v is not None)


def median_time(fns, repeats=7, min_time=2e-3, warmup_time=25e-3):
    """Median seconds per call of each zero-argument callable in `fns` (a dict).

    Each is first called for `warmup_time` (at least 5 calls: the first few large
    allocations of a process fault in fresh pages, ~2 ms per 4 MB here, until malloc
    keeps the memory), then timed in `repeats` rounds of enough calls to last `min_time`;
    the rounds of the different callables are interleaved, so that a slow moment of the
    machine hits all of them alike.
    """
    loops = {}
    for key, fn in fns.items():
        start, calls = time.perf_counter(), 0
        while calls < 5 or (time.perf_counter() - start < warmup_time and calls < 1000):
            t0 = time.perf_counter()
            fn()
            dt = time.perf_counter() - t0
            calls += 1
        loops[key] = max(1, min(1000, int(min_time / max(dt, 1e-7))))
    samples = {key: [] for key in fns}
    for _ in range(repeats):
        for key, fn in fns.items():
            k = loops[key]
            t0 = time.perf_counter()
            for _ in range(k):
                fn()
            samples[key].append((time.perf_counter() - t0) / k)
    return {key: float(np.median(v)) for key, v in samples.items()}
