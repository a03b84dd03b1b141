"""Results that are right for what users pass (issue 9, section 3), across the whole API:

* numpy.ma masked arrays are refused (TypeError naming the argument), never computed on their
  masked data -- every array argument of every public function, out= included, except the
  elementwise activations' inputs, which go through their ufuncs (test_ufuncs.py);
* integer and bool targets (and weights) never change a loss's result dtype;
* boolean options take True/False and numpy.bool_ only, everywhere (torch's argument parser);
* kl_div_backward's gradient with respect to the target;
* nt_xent's 2N-view form returns one loss per view;
* class_weights takes the labels BalancedBatchSampler takes;
* a scalar (or 0-d array) into an elementwise activation gives a NumPy scalar, as a ufunc.

The public functions and their valid calls come from the benchmark case table (which covers
every public function), so a new function or a new option is checked without a new entry here.
"""
import inspect
import math
import types

import numpy as np
import pytest

import actloss as F
from actloss._tools import benchcases as bc
from actloss import _ops, nn
from actloss.sampling import BalancedBatchSampler, class_weights


def _calls():
    """(id, function, bound arguments) of every public call of the bench table: forward,
    backward and fused, with out= where the function takes it (smallest size, float64)."""
    calls = []
    for c in bc.cases():
        if c.api is None:
            continue
        for d in c.directions:
            a = bc.inputs(c, bc.SIZES[c.kind][0], "float64")
            out = (a.out_fwd if d == "forward" else a.out_bwd) if d in c.out else None
            p = bc._actloss_partial(c, d, a, out)
            bound = inspect.signature(p.func).bind(*p.args, **p.keywords)
            calls.append((f"{c.name}-{d}", p.func, bound))
    return calls


CALLS = _calls()


def _call(func, bound, **changes):
    args = dict(bound.arguments, **changes)
    b = inspect.signature(func).bind_partial()
    b.arguments.update(args)
    return func(*b.args, **b.kwargs)


# ---- masked arrays -----------------------------------------------------------------------------

# The elementwise activations and their gradients take masked arrays through their ufuncs
# (tests/test_ufuncs.py); a masked out= beside a plain input is still refused.
UFUNC_FUNCTIONS = {n for op in _ops.UNARY if op.public for n in (op.name, op.name + "_backward")}
MASKED_CASES = [(cid, func, bound, name) for cid, func, bound in CALLS
                for name, v in bound.arguments.items() if isinstance(v, np.ndarray)
                and not (func.__name__ in UFUNC_FUNCTIONS and name != "out")]


@pytest.mark.parametrize("cid,func,bound,name", MASKED_CASES,
                         ids=[f"{c[0]}-{c[3]}" for c in MASKED_CASES])
def test_masked_array_argument_is_type_error(cid, func, bound, name):
    v = bound.arguments[name]
    # even a mask that hides nothing: a masked array is never unmasked silently
    for mask in (np.zeros(v.shape, bool), np.ones(v.shape, bool)):
        m = np.ma.masked_array(v.copy(), mask=mask)
        with pytest.raises(TypeError, match=rf"^{name} is a numpy\.ma\.MaskedArray; its mask "
                                            rf"would be ignored"):
            _call(func, bound, **{name: m})


def test_masked_mse_loss_is_refused_not_averaged_over_masked_values():
    x = np.ma.masked_array([1.0, 2.0, 100.0], mask=[False, False, True])
    with pytest.raises(TypeError, match="input is a numpy.ma.MaskedArray"):
        F.mse_loss(x, 0.0)
    with pytest.raises(TypeError, match="target is a numpy.ma.MaskedArray"):
        F.mse_loss(np.zeros(3), x)
    with pytest.raises(TypeError, match=r"filled\(value\) or target\.compressed\(\)"):
        F.mse_loss(np.zeros(3), x)
    # a masked scalar parameter too
    with pytest.raises(TypeError, match="negative_slope is a numpy.ma.MaskedArray"):
        F.leaky_relu(np.ones(3), np.ma.masked)


def test_masked_arrays_refused_by_modules_and_sampling():
    m = np.ma.masked_array(np.ones((2, 3)), mask=[[0, 1, 0], [0, 0, 0]])
    # an elementwise activation's module computes through its ufunc (test_ufuncs.py): the
    # mask is kept; a masked grad_output of its backward is still refused (nn's own check)
    y = nn.ReLU()(m)
    assert isinstance(y, np.ma.MaskedArray) and (y.mask == m.mask).all()
    relu = nn.ReLU()
    relu(np.ones((2, 3)))
    with pytest.raises(TypeError, match="grad_output is a numpy.ma.MaskedArray"):
        relu.backward(m)
    with pytest.raises(TypeError, match="weight is a numpy.ma.MaskedArray"):
        nn.CrossEntropyLoss(weight=np.ma.masked_array([1.0, 2.0], mask=[0, 1]))
    with pytest.raises(TypeError, match="data is a numpy.ma.MaskedArray"):
        nn.Parameter(m)
    lin = nn.Linear(3, 2)
    with pytest.raises(TypeError, match="weight is a numpy.ma.MaskedArray"):
        lin.weight = np.ma.masked_array(np.ones((2, 3)))
    state = lin.state_dict()
    state["bias"] = np.ma.masked_array(np.zeros(2), mask=[1, 0])
    with pytest.raises(TypeError, match=r"state_dict\['bias'\] is a numpy.ma.MaskedArray"):
        lin.load_state_dict(state)
    labels = np.ma.masked_array([0, 1, 1, 0], mask=[0, 0, 1, 0])
    with pytest.raises(TypeError, match="labels is a numpy.ma.MaskedArray"):
        BalancedBatchSampler(labels, 2)
    with pytest.raises(TypeError, match="labels is a numpy.ma.MaskedArray"):
        class_weights(labels)


# ---- integer and bool targets keep the result dtype ---------------------------------------------

N, C = 6, 4


def _pm1(r, shape):
    return np.where(r.random(shape) < 0.5, -1, 1)


def _01(r, shape):
    return (r.random(shape) < 0.5).astype(np.int64)


# name: (arguments from rng, the target argument, its kind: "pm1" +-1, "01" 0/1, "count"
# non-negative integers, "class" class indices -- integer only)
LABELED = {
    "mse_loss": (lambda r: {"input": r.standard_normal((N, C)),
                            "target": r.integers(-3, 4, (N, C))}, "target", "count"),
    "l1_loss": (lambda r: {"input": r.standard_normal((N, C)),
                           "target": r.integers(-3, 4, (N, C))}, "target", "count"),
    "smooth_l1_loss": (lambda r: {"input": r.standard_normal((N, C)),
                                  "target": r.integers(-3, 4, (N, C))}, "target", "count"),
    "huber_loss": (lambda r: {"input": r.standard_normal((N, C)),
                              "target": r.integers(-3, 4, (N, C))}, "target", "count"),
    "binary_cross_entropy": (lambda r: {"input": r.uniform(0.05, 0.95, (N, C)),
                                        "target": _01(r, (N, C))}, "target", "01"),
    "binary_cross_entropy_with_logits": (lambda r: {"input": r.standard_normal((N, C)),
                                                    "target": _01(r, (N, C))}, "target", "01"),
    "kl_div": (lambda r: {"input": np.log(r.uniform(0.1, 1, (N, C))),
                          "target": _01(r, (N, C))}, "target", "01"),
    "gaussian_nll_loss": (lambda r: {"input": r.standard_normal((N, C)),
                                     "target": r.integers(-3, 4, (N, C)),
                                     "var": r.uniform(0.5, 2, (N, C))}, "target", "count"),
    "poisson_nll_loss": (lambda r: {"input": r.standard_normal((N, C)),
                                    "target": r.integers(0, 5, (N, C))}, "target", "count"),
    "margin_ranking_loss": (lambda r: {"input1": r.standard_normal(N),
                                       "input2": r.standard_normal(N),
                                       "target": _pm1(r, N)}, "target", "pm1"),
    "hinge_embedding_loss": (lambda r: {"input": r.uniform(0, 2, (N, C)),
                                        "target": _pm1(r, (N, C))}, "target", "pm1"),
    "soft_margin_loss": (lambda r: {"input": r.standard_normal((N, C)),
                                    "target": _pm1(r, (N, C))}, "target", "pm1"),
    "multilabel_soft_margin_loss": (lambda r: {"input": r.standard_normal((N, C)),
                                               "target": _01(r, (N, C))}, "target", "01"),
    "sigmoid_focal_loss": (lambda r: {"inputs": r.standard_normal((N, C)),
                                      "targets": _01(r, (N, C))}, "targets", "01"),
    "cosine_embedding_loss": (lambda r: {"input1": r.standard_normal((N, C)),
                                         "input2": r.standard_normal((N, C)),
                                         "target": _pm1(r, N)}, "target", "pm1"),
    "contrastive_loss": (lambda r: {"x1": r.standard_normal((N, C)),
                                    "x2": r.standard_normal((N, C)),
                                    "target": _01(r, N)}, "target", "01"),
    "nll_loss": (lambda r: {"input": np.log(r.uniform(0.1, 1, (N, C))),
                            "target": r.integers(0, C, N)}, "target", "class"),
    "cross_entropy": (lambda r: {"input": r.standard_normal((N, C)),
                                 "target": r.integers(0, C, N)}, "target", "class"),
    "multi_margin_loss": (lambda r: {"input": r.standard_normal((N, C)),
                                     "target": r.integers(0, C, N)}, "target", "class"),
    "multilabel_margin_loss": (lambda r: {"input": r.standard_normal((N, C)),
                                          "target": np.tile([2, 0, -1, 1], (N, 1))},
                               "target", "class"),
    "hinge_loss": (lambda r: {"input": r.standard_normal((N, C)),
                              "target": _pm1(r, (N, C))}, "target", "pm1"),
    "squared_hinge_loss": (lambda r: {"input": r.standard_normal((N, C)),
                                      "target": _pm1(r, (N, C))}, "target", "pm1"),
    "log_cosh_loss": (lambda r: {"input": r.standard_normal((N, C)),
                                 "target": r.integers(-3, 4, (N, C))}, "target", "count"),
    "pinball_loss": (lambda r: {"input": r.standard_normal((N, C)),
                                "target": r.integers(-3, 4, (N, C))}, "target", "count"),
    "quantile_loss": (lambda r: {"input": r.standard_normal((N, C)),
                                 "target": r.integers(-3, 4, (N, C))}, "target", "count"),
    "multiclass_hinge_loss": (lambda r: {"input": r.standard_normal((N, C)),
                                         "target": r.integers(0, C, N)}, "target", "class"),
    "brier_score_loss": (lambda r: {"input": r.uniform(0, 1, N), "target": _01(r, N)},
                         "target", "01"),
    "dice_loss": (lambda r: {"input": r.uniform(0, 1, (N, C)), "target": _01(r, (N, C))},
                  "target", "01"),
    "tversky_loss": (lambda r: {"input": r.uniform(0, 1, (N, C)), "target": _01(r, (N, C))},
                     "target", "01"),
    **{name: (lambda r: {"input": r.standard_normal((N, C)),
                         "target": r.integers(0, C, N)}, "target", "class")
       for name in ("sparsemax_loss", "entmax15_loss", "entmax_bisect_loss")},
    "binary_focal_loss": (lambda r: {"input": r.standard_normal((N, C)),
                                     "target": _01(r, (N, C))}, "target", "01"),
    **{name: (lambda r: {"input": r.standard_normal((N, C)),
                         "target": r.integers(0, C, N)}, "target", "class")
       for name in ("softmax_focal_loss", "poly1_cross_entropy", "poly_cross_entropy")},
    "linear_cross_entropy": (lambda r: {"input": r.standard_normal((N, 3)),
                                        "linear_weight": r.standard_normal((C, 3)),
                                        "target": r.integers(0, C, N),
                                        "linear_bias": r.standard_normal(C)},
                             "target", "class"),
    "ctc_loss": (lambda r: {"log_probs": np.log(r.dirichlet(np.ones(C), (8, N))),
                            "targets": r.integers(1, C, (N, 3)),
                            "input_lengths": np.full(N, 8), "target_lengths": np.full(N, 3)},
                 "targets", "class"),
}


def _results(value):
    return value if isinstance(value, tuple) else (value,)


@pytest.mark.parametrize("name", sorted(LABELED))
def test_integer_and_bool_targets_keep_the_result_dtype(name, rng):
    make, tname, kind = LABELED[name]
    kw = make(rng)
    kw = {k: (v.astype(np.float32) if k != tname and v.dtype.kind == "f" else v)
          for k, v in kw.items()}  # (ctc_loss's lengths stay integers)
    t = kw[tname]
    dtypes = [np.int64, np.int32, np.int8] + ([np.uint8, np.bool_] if kind == "01" else [])
    if kind == "count" and t.min() >= 0:
        dtypes.append(np.uint16)
    f, fb = getattr(F, name), getattr(F, name + "_backward")
    fused = getattr(F, name + "_with_grad", None)
    for td in dtypes:
        kw_t = dict(kw, **{tname: t.astype(td)})
        # the same values as a float32 target: the result must be bit for bit that one
        kw_f = dict(kw, **{tname: t.astype(np.float32)}) if kind != "class" else None
        for reduction in ("none", "mean", "sum"):
            got = f(**kw_t, reduction=reduction)
            assert got.dtype == np.float32, (name, td, reduction, got.dtype)
            if kw_f is not None:
                np.testing.assert_array_equal(got, f(**kw_f, reduction=reduction))
            go = np.ones(np.shape(got), np.float32) if reduction == "none" else 1.0
            grads = _results(fb(go, **kw_t, reduction=reduction))
            for g in grads:
                assert g.dtype == np.float32, (name, td, reduction, "backward")
            if kw_f is not None:
                for g, h in zip(grads, _results(fb(go, **kw_f, reduction=reduction))):
                    np.testing.assert_array_equal(g, h)
            if fused is not None:
                loss, *grads = fused(**kw_t, reduction=reduction)
                assert loss.dtype == np.float32, (name, td, "fused")
                for g in grads:   # one gradient, or several (linear_cross_entropy)
                    assert g.dtype == np.float32, (name, td, "fused")


ELEMENT_W = np.arange(N * C).reshape(N, C) % 3 + 1   # an elementwise integer weight
CLASS_W = np.arange(1, C + 1)                          # a per-class one


@pytest.mark.parametrize("name,kw,wname,w", [
    ("mse_loss", {"target": np.zeros((N, C), np.float32)}, "weight", ELEMENT_W),
    ("l1_loss", {"target": np.zeros((N, C), np.float32)}, "weight", ELEMENT_W),
    ("huber_loss", {"target": np.zeros((N, C), np.float32)}, "weight", ELEMENT_W),
    ("binary_cross_entropy", {"target": np.ones((N, C), np.float32)}, "weight", ELEMENT_W),
    ("binary_cross_entropy_with_logits", {"target": np.ones((N, C), np.float32)}, "weight",
     ELEMENT_W),
    ("binary_cross_entropy_with_logits", {"target": np.ones((N, C), np.float32)},
     "pos_weight", CLASS_W),
    ("multilabel_soft_margin_loss", {"target": np.ones((N, C), np.float32)}, "weight", CLASS_W),
    ("cross_entropy", {"target": np.arange(N) % C}, "weight", CLASS_W),
    ("nll_loss", {"target": np.arange(N) % C}, "weight", CLASS_W),
    ("multi_margin_loss", {"target": np.arange(N) % C}, "weight", CLASS_W),
], ids=lambda v: v if isinstance(v, str) else "")
def test_integer_weights_keep_the_result_dtype(name, kw, wname, w, rng):
    x = rng.uniform(0.1, 0.9, (N, C)).astype(np.float32)
    got = getattr(F, name)(x, **kw, **{wname: w})
    assert got.dtype == np.float32
    assert got == getattr(F, name)(x, **kw, **{wname: w.astype(np.float32)})
    g = _results(getattr(F, name + "_backward")(1.0, x, **kw, **{wname: w}))[0]
    assert g.dtype == np.float32
    # a floating target or weight still promotes, as np.result_type does
    assert getattr(F, name)(x, **kw, **{wname: w.astype(np.float64)}).dtype == np.float64


def test_int64_targets_give_float32_and_every_loss_is_checked(rng):
    # every loss with a target argument is in LABELED, so the test above covers it
    with_target = {n for n in F.__all__ if callable(getattr(F, n))
                   and not n.endswith(("_backward", "_with_grad"))
                   and {"target", "targets"} & set(inspect.signature(getattr(F, n)).parameters)}
    assert with_target == set(LABELED)
    # the two examples
    x1, x2 = rng.standard_normal((2, 5)).astype(np.float32)
    t = np.array([1, -1, 1, 1, -1])
    assert F.margin_ranking_loss(x1, x2, t).dtype == np.float32
    x = rng.standard_normal((3, 4)).astype(np.float32)
    assert F.multilabel_soft_margin_loss(x, np.ones((3, 4), np.int64)).dtype == np.float32


# ---- boolean options ----------------------------------------------------------------------------

def _bool_options(func):
    return [p.name for p in inspect.signature(func).parameters.values()
            if type(p.default) is bool]


def _function_options():
    """(public function name, option) for every boolean option of actloss's functions."""
    seen, out = set(), []
    for n in F.__all__:
        f = getattr(F, n)
        if callable(f) and not inspect.isclass(f) and id(f) not in seen:
            seen.add(id(f))
            out.extend((n, o) for o in _bool_options(f))
    return out


FUNCTION_OPTIONS = _function_options()
_CALL_OF = {}
for _cid, _func, _bound in CALLS:
    _CALL_OF.setdefault(_func, (_func, _bound))

BAD_BOOLS = [0, 1, None, 1.0, "True", np.int64(1), np.array(True)]


def _check_option(call, option, default):
    for bad in BAD_BOOLS:
        with pytest.raises(TypeError, match=rf"^{option} must be a bool"):
            call(**{option: bad})
    call(**{option: np.bool_(default)})  # numpy.bool_ is a bool, as for torch's parser
    call(**{option: default})


def test_function_options_are_discovered():
    assert ("kl_div", "log_target") in FUNCTION_OPTIONS
    assert ("triplet_margin_loss", "swap") in FUNCTION_OPTIONS
    assert ("relu", "inplace") in FUNCTION_OPTIONS
    assert ("kl_div_backward", "target_requires_grad") in FUNCTION_OPTIONS


@pytest.mark.parametrize("name,option", FUNCTION_OPTIONS,
                         ids=[f"{n}-{o}" for n, o in FUNCTION_OPTIONS])
def test_function_bool_option_is_bool_only(name, option):
    f = getattr(F, name)
    assert f in _CALL_OF, f"no call of {name} in the bench table to check its options with"
    func, bound = _CALL_OF[f]
    default = inspect.signature(f).parameters[option].default
    # fresh inputs for every call (inplace=True would change them)
    _check_option(lambda **kw: _call(func, _copied(bound), **kw), option, default)


def _copied(bound):
    """bound's arguments with every array copied (an inplace=True call writes into them)."""
    return types.SimpleNamespace(arguments={k: (v.copy() if isinstance(v, np.ndarray) else v)
                                            for k, v in bound.arguments.items()})


# required constructor arguments of the module classes that have some
NN_REQUIRED = {"Threshold": (0.1, 0.0), "Linear": (3, 2),
               "AdaptiveLogSoftmaxWithLoss": (8, 10, [4]), "LinearCrossEntropyLoss": (3, 5)}
# required arguments of the Module methods with boolean options
NN_METHOD_ARGS = {"load_state_dict": lambda m: (m.state_dict(),)}


def _nn_options():
    out, methods = [], {}
    for n in nn.__all__:
        cls = getattr(nn, n)
        if not inspect.isclass(cls):
            continue
        out.extend((n, "__init__", o) for o in _bool_options(cls.__init__))
        for m, f in inspect.getmembers(cls, inspect.isfunction):
            if m.startswith("_") or f in methods:
                continue
            methods[f] = n
            out.extend((n, m, o) for o in _bool_options(f))
    return out


NN_OPTIONS = _nn_options()


@pytest.mark.parametrize("cls,method,option", NN_OPTIONS,
                         ids=[f"{c}.{m}-{o}" for c, m, o in NN_OPTIONS])
def test_module_bool_option_is_bool_only(cls, method, option):
    klass = getattr(nn, cls)
    assert all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
               or p.name == "self" for p in inspect.signature(klass.__init__).parameters.values()
               ) or cls in NN_REQUIRED, f"add {cls}'s required arguments to NN_REQUIRED"
    req = NN_REQUIRED.get(cls, ())
    if method == "__init__":
        default = inspect.signature(klass.__init__).parameters[option].default
        _check_option(lambda **kw: klass(*req, **kw), option, default)
        return
    m = klass(*req)
    func = getattr(klass, method)
    default = inspect.signature(func).parameters[option].default
    assert method in NN_METHOD_ARGS or all(
        p.default is not p.empty for p in list(inspect.signature(func).parameters.values())[1:]
    ), f"add {method}'s required arguments to NN_METHOD_ARGS"
    args = NN_METHOD_ARGS.get(method, lambda m: ())(m)
    _check_option(lambda **kw: getattr(m, method)(*args, **kw), option, default)


@pytest.mark.parametrize("call,option", [
    (lambda **kw: BalancedBatchSampler([0, 1, 1], 2, **kw), "shuffle"),
    (lambda **kw: class_weights(["a", "b", "b"], **kw), "return_classes"),
])
def test_sampling_bool_options_are_bool_only(call, option):
    _check_option(call, option, option == "shuffle")


def test_bool_options_agree_between_functions():
    """The issue's example: kl_div(log_target=1) used to pass while swap=1 raised."""
    # the discovery finds the modules' options (constructors and Module's methods)
    assert ("ReLU", "__init__", "inplace") in NN_OPTIONS
    assert ("AdaptiveLogSoftmaxWithLoss", "__init__", "head_bias") in NN_OPTIONS
    assert any(m == "train" and o == "mode" for _, m, o in NN_OPTIONS)
    x = np.log(np.full((2, 3), 1 / 3))
    with pytest.raises(TypeError, match="log_target must be a bool"):
        F.kl_div(x, x, log_target=1)
    a = np.ones((2, 3))
    with pytest.raises(TypeError, match="swap must be a bool"):
        F.triplet_margin_loss(a, a, a, swap=1)
    with pytest.raises(TypeError, match="inplace must be a bool"):
        F.relu(a, 1)
    with pytest.raises(TypeError, match="inplace must be a bool"):
        nn.ReLU(inplace=1)
    np.testing.assert_array_equal(a, np.ones((2, 3)))  # nothing was written


# ---- kl_div_backward with respect to the target -------------------------------------------------

def _kl_reference(x, t, log_target):
    """float64 loss per element and its derivatives (d/dx, d/dt), written out directly."""
    x, t = np.asarray(x, np.float64), np.asarray(t, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if log_target:
            e = np.exp(t)
            return e * (t - x), -e, e * (t - x + 1)
        logt = np.log(t)
        return np.where(t == 0, 0.0, t * logt) - t * x, -t, np.where(t == 0, np.nan, logt + 1 - x)


def _kl_scale(reduction, x, shape):
    n = math.prod(shape)
    return {"none": 1.0, "sum": 1.0, "mean": 1.0 / n, "batchmean": 1.0 / x.shape[0]}[reduction]


@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean", "batchmean"])
def test_kl_div_target_gradient_matches_reference(reduction, log_target, dtype, rng):
    x = np.log(rng.uniform(0.05, 1, (5, 7))).astype(dtype)
    t = (rng.normal(-1, 0.5, (5, 7)) if log_target else rng.uniform(0.01, 1, (5, 7))).astype(dtype)
    go = rng.standard_normal((5, 7)).astype(dtype) if reduction == "none" else 0.6
    gx, gt = F.kl_div_backward(go, x, t, reduction=reduction, log_target=log_target,
                               target_requires_grad=True)
    assert gx.dtype == gt.dtype == dtype and gx.shape == gt.shape == (5, 7)
    _, dx, dt = _kl_reference(x, t, log_target)
    c = np.asarray(go, np.float64) * _kl_scale(reduction, x, x.shape)
    tol = dict(rtol=2e-6, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(gx, c * dx, **tol)
    np.testing.assert_allclose(gt, c * dt, **tol)
    # the input gradient is what it was without the option
    np.testing.assert_array_equal(gx, F.kl_div_backward(go, x, t, reduction=reduction,
                                                        log_target=log_target))


@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_target_gradient_matches_central_differences(log_target, rng):
    x = np.log(rng.uniform(0.05, 1, (4, 6)))
    t = rng.normal(-1, 0.5, (4, 6)) if log_target else rng.uniform(0.1, 1, (4, 6))
    go = rng.standard_normal((4, 6))
    _, gt = F.kl_div_backward(go, x, t, reduction="none", log_target=log_target,
                              target_requires_grad=True)
    v = rng.standard_normal(t.shape)
    h = 1e-5

    def f(s):
        return float((go * F.kl_div(x, t + s * v, reduction="none",
                                    log_target=log_target)).sum())
    numeric = (-f(2 * h) + 8 * f(h) - 8 * f(-h) + f(-2 * h)) / (12 * h)
    np.testing.assert_allclose(float((gt * v).sum()), numeric, rtol=1e-8, atol=1e-10)


def test_kl_div_target_gradient_broadcast_target_is_summed(rng):
    x = np.log(rng.uniform(0.05, 1, (3, 4)))
    t = rng.uniform(0.1, 1, (4,))
    gx, gt = F.kl_div_backward(1.0, x, t, reduction="sum", target_requires_grad=True)
    assert gx.shape == (3, 4) and gt.shape == (4,)
    _, _, dt = _kl_reference(x, np.broadcast_to(t, x.shape), False)
    np.testing.assert_allclose(gt, dt.sum(axis=0), rtol=1e-14)


def test_kl_div_target_gradient_at_zero_is_nan_as_torch():
    x = np.log(np.array([0.2, 0.3, 0.5]))
    gx, gt = F.kl_div_backward(1.0, x, np.array([0.0, 0.4, 0.6]), reduction="sum",
                               target_requires_grad=True)
    assert np.isnan(gt[0]) and np.isfinite(gt[1:]).all() and np.isfinite(gx).all()
    assert isinstance(F.kl_div_backward(1.0, x, x), np.ndarray)  # default: grad_input alone


@pytest.mark.filterwarnings("ignore:reduction.*'mean' divides:UserWarning")  # torch's
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["none", "sum", "mean", "batchmean"])
def test_kl_div_target_gradient_matches_torch_autograd(reduction, log_target, rng):
    torch = pytest.importorskip("torch")
    x = np.log(rng.uniform(0.05, 1, (5, 7)))
    t = rng.normal(-1, 0.5, (5, 7)) if log_target else rng.uniform(0.0, 1, (5, 7))
    t[0, 0] = 0.0 if not log_target else t[0, 0]  # torch's NaN at 0
    tx, tt = torch.tensor(x, requires_grad=True), torch.tensor(t, requires_grad=True)
    loss = torch.nn.functional.kl_div(tx, tt, reduction=reduction, log_target=log_target)
    go = rng.standard_normal((5, 7)) if reduction == "none" else 0.6
    loss.backward(torch.as_tensor(go, dtype=torch.float64))
    gx, gt = F.kl_div_backward(go, x, t, reduction=reduction, log_target=log_target,
                               target_requires_grad=True)
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(gt, tt.grad.numpy(), rtol=1e-12, atol=1e-14)


# ---- nt_xent's 2N-view form ---------------------------------------------------------------------

def _simclr_per_view(q, k, tau):
    """The 2N per-anchor losses of SimCLR's NT-Xent, one loop per anchor."""
    z = np.concatenate([q, k])
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    n2 = len(z)
    out = np.empty(n2)
    for i in range(n2):
        j = (i + n2 // 2) % n2
        logits = np.array([z[i] @ z[m] / tau for m in range(n2) if m != i])
        pos = z[i] @ z[j] / tau
        out[i] = -pos + np.log(np.exp(logits).sum())
    return out


def test_nt_xent_none_returns_one_loss_per_view(rng):
    q, k = rng.standard_normal((2, 5, 3))
    kw = dict(temperature=0.5, symmetric=True, intra_view_negatives=True)
    none = F.nt_xent(q, k, reduction="none", **kw)
    want = _simclr_per_view(q, k, 0.5)
    assert none.shape == (10,)
    np.testing.assert_allclose(none, want, rtol=1e-13)
    np.testing.assert_allclose(F.nt_xent(q, k, reduction="sum", **kw), want.sum(), rtol=1e-13)
    np.testing.assert_allclose(F.nt_xent(q, k, reduction="mean", **kw), want.mean(), rtol=1e-13)
    # the other forms keep one loss per pair
    assert F.nt_xent(q, k, reduction="none", symmetric=True).shape == (5,)
    assert F.nt_xent(q, k, reduction="none", intra_view_negatives=True).shape == (5,)


def test_nt_xent_backward_takes_one_grad_output_per_view(rng):
    q, k = rng.standard_normal((2, 5, 3))
    kw = dict(temperature=0.5, symmetric=True, intra_view_negatives=True)
    go = rng.standard_normal(10)
    gq, gk = F.nt_xent_backward(go, q, k, reduction="none", **kw)
    h = 1e-5
    for i, (a, g) in enumerate(((q, gq), (k, gk))):
        v = rng.standard_normal(a.shape)

        def f(s, i=i, v=v):
            args = [q, k]
            args[i] = args[i] + s * v
            return float(go @ F.nt_xent(*args, reduction="none", **kw))
        numeric = (-f(2 * h) + 8 * f(h) - 8 * f(-h) + f(-2 * h)) / (12 * h)
        np.testing.assert_allclose(float((g * v).sum()), numeric, rtol=1e-7, atol=1e-9)
    # a scalar grad_output of 'sum' is the same as that value for every view
    for a, b in zip(F.nt_xent_backward(0.7, q, k, reduction="sum", **kw),
                    F.nt_xent_backward(np.full(10, 0.7), q, k, reduction="none", **kw)):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-16)
    with pytest.raises(ValueError, match=r"grad_output has shape \(5,\), expected \(10,\)"):
        F.nt_xent_backward(np.ones(5), q, k, reduction="none", **kw)


def test_nt_xent_per_view_matches_torch(rng):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    q, k = rng.standard_normal((2, 6, 4))
    tq, tk = torch.tensor(q, requires_grad=True), torch.tensor(k, requires_grad=True)
    z = torch.cat([tf.normalize(tq, dim=1), tf.normalize(tk, dim=1)])
    logits = (z @ z.T / 0.3).masked_fill(torch.eye(12, dtype=torch.bool), float("-inf"))
    idx = torch.arange(6)
    tl = tf.cross_entropy(logits, torch.cat([idx + 6, idx]), reduction="none")
    kw = dict(temperature=0.3, symmetric=True, intra_view_negatives=True)
    np.testing.assert_allclose(F.nt_xent(q, k, reduction="none", **kw), tl.detach().numpy(),
                               rtol=1e-12)
    go = rng.standard_normal(12)
    tl.backward(torch.tensor(go))
    gq, gk = F.nt_xent_backward(go, q, k, reduction="none", **kw)
    np.testing.assert_allclose(gq, tq.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(gk, tk.grad.numpy(), rtol=1e-9, atol=1e-12)


# ---- class_weights takes the sampler's labels ----------------------------------------------------

@pytest.mark.parametrize("labels", [
    np.array(["cat"] * 6 + ["dog"] * 3 + ["eel"]),
    ["dog", "cat", "cat", "eel", "cat"],
    [("a", 1), ("b", 2), ("a", 1), ("a", 1)],
    [(0, 1), (1, 2), (0, 1)],
    np.array([2.5, 0.5, 0.5, 1.5]),
    np.array([True, False, False, False]),
    [b"x", b"y", b"y"],
    [("b",), 1, ("b",), 1, 1],       # unorderable: order of first appearance, as the sampler
], ids=["str-array", "str-list", "tuples", "int-tuples", "float", "bool", "bytes", "mixed"])
def test_class_weights_accepts_the_samplers_labels(labels):
    s = BalancedBatchSampler(labels, _count_classes(labels))
    w, classes = class_weights(labels, "inverse", return_classes=True)
    assert len(classes) == len(s.classes_)
    assert [c for c in classes] == [c for c in s.classes_]
    np.testing.assert_allclose(w, 1.0 / s.class_counts_, rtol=1e-15)
    np.testing.assert_array_equal(class_weights(labels, "inverse"), w)
    wb = class_weights(labels)  # balanced: every class weighs the same in total
    np.testing.assert_allclose(wb * s.class_counts_, len(s.labels_) / len(classes), rtol=1e-14)


def _count_classes(labels):
    """The number of distinct labels (a batch size the sampler accepts)."""
    seen = []
    for lab in (labels.tolist() if isinstance(labels, np.ndarray) else labels):
        if lab not in seen:
            seen.append(lab)
    return len(seen)


def test_class_weights_order_is_sorted_unique_labels():
    w, classes = class_weights(["dog", "cat", "cat", "cat"], "inverse", return_classes=True)
    assert classes.tolist() == ["cat", "dog"]
    np.testing.assert_allclose(w, [1 / 3, 1.0], rtol=1e-15)
    # integer class indices: weight c is class c's (cross_entropy's indexing), absent ones 0
    w, classes = class_weights(np.array([3, 0, 0]), "inverse", return_classes=True)
    assert classes.tolist() == [0, 1, 2, 3]
    np.testing.assert_allclose(w, [0.5, 0.0, 0.0, 1.0], rtol=1e-15)


def test_class_weights_label_errors():
    with pytest.raises(ValueError, match="n_classes applies to integer class indices"):
        class_weights(["a", "b"], n_classes=3)
    with pytest.raises(ValueError, match="NaN"):
        class_weights([0.5, np.nan])
    with pytest.raises(TypeError, match="hashable"):
        class_weights([[0, 1], [2]])
    with pytest.raises(ValueError, match="1-D"):
        class_weights(np.array([["a", "b"], ["b", "a"]]))


# ---- a scalar in gives a NumPy scalar out, as NumPy's ufuncs -------------------------------------

from opspec import SPECS  # noqa: E402  (the activations' specs: function, fixed arguments)


def _fwd(spec, x, **kw):
    return getattr(F, spec.func)(x, **spec.fixed, **spec.params[0], **kw)


def _bwd(spec, gy, x, **kw):
    return getattr(F, spec.func + "_backward")(gy, x, **spec.fixed, **spec.params[0], **kw)


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_scalar_input_gives_numpy_scalar(spec):
    for v, want in ((0.75, np.float64), (-2.0, np.float64), (3, np.float64),
                    (np.float32(-1.5), np.float32), (np.float64(0.5), np.float64),
                    (np.float16(2.0), np.float16), (np.array(-0.25), np.float64),
                    (np.array(1.25, np.float32), np.float32), (np.int8(2), np.float64),
                    (True, np.float64)):
        y = _fwd(spec, v)
        assert type(y) is want, (spec.name, v, type(y))
        # the value is the 1-element array's
        assert np.array_equal(y, _fwd(spec, np.array([v]))[0], equal_nan=True)
        if isinstance(v, (float, np.float32, np.float64)) or (
                isinstance(v, np.ndarray) and v.dtype.kind == "f"):
            assert type(y) is type(np.exp(v)), (spec.name, v)  # what NumPy's ufuncs give
        g = _bwd(spec, want(1.5), v)
        assert type(g) is want, (spec.name, v, type(g))
        assert np.array_equal(g, _bwd(spec, np.array([1.5], want), np.array([v]))[0],
                              equal_nan=True)


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_scalar_input_with_out_or_inplace_returns_the_array(spec):
    out = np.full((), np.nan)
    assert _fwd(spec, 0.5, out=out) is out and out == _fwd(spec, 0.5)
    gout = np.full((), np.nan)
    assert _bwd(spec, 1.0, 0.5, out=gout) is gout and gout == _bwd(spec, 1.0, 0.5)
    if spec.inplace:
        x = np.array(-0.5)
        assert _fwd(spec, x, inplace=True) is x
    # arrays stay arrays, 1-element ones included
    assert type(_fwd(spec, np.array([0.5]))) is np.ndarray


def test_scalar_rules_of_the_other_activations():
    assert type(F.relu(2.0)) is np.float64 and F.relu(2.0) == 2.0
    assert type(F.relu(np.float32(2))) is np.float32
    assert type(F.sigmoid_backward(1.0, output=0.5)) is np.float64
    assert type(F.tanh_backward(np.float32(1), output=np.float32(0.5))) is np.float32
    assert type(F.prelu(-2.0, 0.25)) is np.float64 and F.prelu(-2.0, 0.25) == -0.5
    gx, gw = F.prelu_backward(1.0, -2.0, 0.25)
    assert type(gx) is np.float64 and gx == 0.25 and type(gw) is np.float64 and gw == -2.0
    noise = np.empty(())
    y = F.rrelu(-2.0, training=True, generator=0, noise=noise)
    assert type(y) is np.float64 and y == -2.0 * noise
    g = F.rrelu_backward(1.0, -2.0, training=True, noise=noise)
    assert type(g) is np.float64 and g == noise
