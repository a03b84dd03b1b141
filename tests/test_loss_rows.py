"""The loss and softmax-family rows of _ops.py <-> the public functions generated from them, their
argument layer, their nn classes and their bench cases. A row added without one of its parts,
or a function that drifts from its row, fails here."""
import importlib
import inspect
import re
import warnings

import numpy as np
import pytest

import actloss as F
from actloss import _ops, nn
from actloss._tools import bench_losses

ROWS = {row.name: row for row in _ops.LOSSES}
REQUIRED = inspect.Parameter.empty
BENCHED = {case.api for case in bench_losses.CASES}


def _expected(row, variant):
    """[(name, default, keyword_only)] of the row's function `variant`."""
    params = [] if variant != "_backward" else [("grad_output", REQUIRED, False)]
    params += [(n, REQUIRED, False) for n in _ops.input_names(row)]
    keyword_only = False
    for arg in row.args:
        if arg.name == "*":
            keyword_only = True
        else:
            params.append((arg.name, arg.default, keyword_only))
    if variant == "_backward":
        params += [(a.name, a.default, keyword_only) for a in row.backward_args]
    if variant == "_with_grad":
        params.append(("grad_output", 1.0, True))
    return params


def _variants(row):
    return ["", "_backward"] + (["_with_grad"] if row.fused is not None else [])


@pytest.mark.parametrize("name", list(ROWS))
def test_functions_are_the_row(name):
    row = ROWS[name]
    module = importlib.import_module(f"actloss.{row.family}")
    for variant in _variants(row):
        fn = getattr(F, name + variant)
        assert fn is getattr(module, name + variant) and name + variant in F.__all__
        got = [(p.name, p.default, p.kind == p.KEYWORD_ONLY)
               for p in inspect.signature(fn).parameters.values()]
        assert got == _expected(row, variant), (name + variant, got)
        doc = inspect.cleandoc(fn.__doc__)  # Python 3.13 strips the indentation itself
        for section in ("Parameters", "Returns", "Raises"):
            assert f"\n{section}\n{'-' * len(section)}\n" in doc, (name + variant, section)
        for param in inspect.signature(fn).parameters:  # every argument is documented
            assert re.search(rf"^(\w+, )*{param}(, \w+)* : ", doc, re.M), (name + variant,
                                                                         param)
    assert not hasattr(F, name + "_with_grad") or row.fused is not None
    assert row.formula and row.formula.split("\n")[0] in F.__dict__[name].__doc__
    for alias in row.aliases:
        assert getattr(F, alias) is getattr(F, name)
        assert getattr(F, alias + "_backward") is getattr(F, name + "_backward")


@pytest.mark.parametrize("name", list(ROWS))
def test_every_loss_has_a_bench_case(name):
    assert name in BENCHED, f"_tools/bench_losses.py has no case for {name}"


@pytest.mark.parametrize("name", [n for n, row in ROWS.items() if row.cls])
def test_nn_class_is_the_row(name):
    row = ROWS[name]
    cls = getattr(nn, row.cls)
    assert row.cls in nn.__all__ and cls._row.function == name
    assert cls._fn is getattr(F, name) and cls._grad is getattr(F, name + "_backward")
    init = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    assert init == [n for n in row.cls_args if n != "*"]
    defaults = {a.name: a.default for a in row.args}
    assert all(inspect.signature(cls.__init__).parameters[n].default == defaults[n]
               for n in init)


@pytest.mark.parametrize("name", [row.name for row in _ops.SOFTMAX_FAMILY])
def test_softmax_family_rows(name):
    row = next(r for r in _ops.SOFTMAX_FAMILY if r.name == name)
    cls = getattr(nn, row.cls)
    assert row.cls in nn.__all__ and cls._fn is getattr(F, name)
    assert cls._grad is getattr(F, name + "_backward")
    assert row.formula in getattr(F, name).__doc__
    assert row.derivative in getattr(F, name + "_backward").__doc__
    x = np.array([[0.5, -1.0, 2.0]])
    y = getattr(F, name)(x, dim=1)
    want = {"softmax": np.exp(x) / np.exp(x).sum(), "softmin": np.exp(-x) / np.exp(-x).sum(),
            "log_softmax": x - np.log(np.exp(x).sum())}[name]
    np.testing.assert_allclose(y, want, rtol=1e-14)


# ---- the argument layer: reduction and bool options, checked before any work ------------------

def _dummy_call(row, variant, **override):
    """A call of the row's function whose arrays are placeholders: the argument layer must
    reject the overridden argument before it reaches them."""
    args = ([1.0] if variant == "_backward" else []) + [np.zeros(2)] * len(_ops.input_names(row))
    return getattr(F, row.name + variant)(*args, **override)


@pytest.mark.parametrize("name", list(ROWS))
def test_reduction_is_checked_in_one_place(name):
    row = ROWS[name]
    allowed = next(a.type for a in row.args if a.name == "reduction")
    message = f"reduction must be one of {', '.join(map(repr, allowed))}, got 'avg'"
    for variant in _variants(row):
        with pytest.raises(ValueError) as info:
            _dummy_call(row, variant, reduction="avg")
        assert str(info.value) == message


@pytest.mark.parametrize("name", [n for n, row in ROWS.items()
                                  if any(a.type == "bool" for a in row.args + row.backward_args)])
def test_bool_options_are_checked_in_one_place(name):
    row = ROWS[name]
    for variant in _variants(row):
        args = row.args + (row.backward_args if variant == "_backward" else ())
        for arg in (a for a in args if a.type == "bool"):
            with pytest.raises(TypeError, match=arg.name):
                _dummy_call(row, variant, **{arg.name: 1})


# ---- warnings point at the caller ---------------------------------------------------------------

@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_broadcast_warning_points_at_the_caller(name):
    fn = getattr(F, name)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fn(np.zeros((3, 2)), np.zeros(2))
        fn(np.zeros((3, 2)), np.zeros(2), reduction="none")
    assert len(record) == 2 and all(r.filename == __file__ for r in record), \
        [(r.filename, r.lineno) for r in record]


# ---- torch.nn.functional's signatures -----------------------------------------------------------

LEGACY = {"size_average", "reduce"}  # torch's deprecated arguments, not taken


@pytest.mark.parametrize("name", [n for n, row in ROWS.items()
                                  if f"torch.nn.functional.{n})" in row.doc])
def test_signature_follows_torch(name):
    """torch's arguments (its legacy ones aside) with torch's defaults; ours that are positional
    sit at torch's positions, so a positional call means the same in both."""
    torch = pytest.importorskip("torch")
    try:
        theirs = list(inspect.signature(getattr(torch.nn.functional, name)).parameters.values())
    except (TypeError, ValueError):
        pytest.skip(f"torch.nn.functional.{name} has no signature")
    ours = list(inspect.signature(getattr(F, name)).parameters.values())
    by_name = {p.name: p for p in ours}
    for p in theirs:
        if p.name in LEGACY:
            continue
        assert p.name in by_name, f"{name} lacks torch's {p.name}"
        assert by_name[p.name].default == p.default, (name, p.name)
    for i, p in enumerate(q for q in ours if q.kind == q.POSITIONAL_OR_KEYWORD):
        assert theirs[i].name == p.name, (name, i, p.name, theirs[i].name)
