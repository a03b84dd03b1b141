"""Completeness: the op table (_ops.py) <-> the public API <-> the kernels of every ISA level
<-> the test reference <-> the test spec. A row added without one of its parts fails here
(STYLE.md section 4)."""
import os
import subprocess
import sys

import numpy as np
import pytest

import actloss as F
from actloss import _dispatch, _ops, _validate

import opspec
import reference as R

# gelu_tanh is not a function of its own: it is gelu(approximate="tanh").
PUBLIC_ROWS = [op.name for op in _ops.UNARY if op.public]
ALL_ROWS = [op.name for op in _ops.UNARY]
KERNEL_FUNCTIONS = ("unary", "mul", "glu_fwd", "glu_bwd", "rrelu_fwd", "prelu_fwd", "prelu_bwd")


@pytest.mark.parametrize("name", PUBLIC_ROWS + list(_ops.SPECIAL))
def test_public_function_and_backward(name):
    assert name in F.__all__ and f"{name}_backward" in F.__all__
    assert name in F.ACTIVATIONS
    for fn in (getattr(F, name), getattr(F, f"{name}_backward")):
        assert callable(fn)
        assert fn.__doc__ and len(fn.__doc__.strip()) > 20, f"{fn.__name__} has no docstring"


def test_gelu_tanh_is_gelu_approximate_tanh():
    assert not hasattr(F, "gelu_tanh")
    x = np.linspace(-3, 3, 11)
    assert not np.array_equal(F.gelu(x, approximate="tanh"), F.gelu(x))


def test_all_names_exist_and_activations_are_the_table():
    for name in F.__all__:
        assert hasattr(F, name), name
    expected = set(PUBLIC_ROWS) | set(_ops.SPECIAL)
    assert set(F.ACTIVATIONS) == expected
    assert len(F.ACTIVATIONS) == len(set(F.ACTIVATIONS))


@pytest.mark.parametrize("name", ALL_ROWS)
def test_reference_and_spec_for_every_row(name):
    assert name in R.FORWARD and name in R.DERIVATIVE, f"reference.py lacks {name}"
    assert name in opspec.BY_NAME, f"opspec.py lacks {name}"
    spec = opspec.BY_NAME[name]
    for dt in (opspec.F32, opspec.F64):
        assert dt in spec.fwd_tol and dt in spec.bwd_tol
    assert spec.params and spec.special, name
    row = next(op for op in _ops.UNARY if op.name == name)
    assert spec.inplace == row.inplace, name
    for params in spec.params:  # the spec's parameters are the row's
        assert set(params) <= {p.name for p in row.params}, (name, params)


@pytest.mark.parametrize("name", list(_ops.SPECIAL))
def test_reference_and_spec_for_special_ops(name):
    assert name in R.SPECIAL, f"reference.py lacks {name}"
    assert name in opspec.SPECIAL_SPECS, f"opspec.py lacks {name}"


def test_no_stale_specs_or_references():
    known = set(ALL_ROWS) | set(_ops.SPECIAL)
    assert set(opspec.BY_NAME) <= known
    assert set(R.FORWARD) <= known and set(R.DERIVATIVE) <= known


def test_dtype_tables_agree():
    assert [np.dtype(d[3]) for d in _ops.DTYPES] == list(_validate.KERNEL_DTYPES)


def test_chosen_isa_is_supported():
    assert _dispatch.SUPPORTED[0] == "baseline"
    assert _dispatch.ISA in _dispatch.SUPPORTED
    assert set(_dispatch.SUPPORTED) <= {name for name, _ in _ops.ISA_LEVELS}
    assert _dispatch.elementwise is _dispatch.kernels("_elementwise")
    assert _dispatch.choose_isa("baseline") == "baseline"
    with pytest.raises(ValueError, match="ACTLOSS_ISA must be one of baseline, avx2, avx512"):
        _dispatch.choose_isa("sse9")
    assert _dispatch.choose_isa("BASELINE") == _dispatch.choose_isa(" Baseline ") == "baseline"
    if "avx2" in _dispatch.SUPPORTED:
        assert _dispatch.choose_isa("AVX2") == "avx2"
    unsupported = [name for name, _ in _ops.ISA_LEVELS if name not in _dispatch.SUPPORTED]
    for isa in unsupported:
        with pytest.raises(ValueError, match=isa):
            _dispatch.kernels("_elementwise", isa)


@pytest.mark.parametrize("isa", _dispatch.SUPPORTED)
def test_every_isa_exposes_every_kernel(isa):
    k = _dispatch.kernels("_elementwise", isa)
    assert k.ISA == isa
    for fn in KERNEL_FUNCTIONS:
        assert callable(getattr(k, fn)), f"{isa} lacks {fn}"
    for op_index, op in enumerate(_ops.UNARY):
        for dt, npdt in enumerate((np.float32, np.float64)):
            a = np.array([0.5], npdt)
            out = np.empty(1, npdt)
            p = [float(q.default if q.default != _ops.REQUIRED else 0.25) for q in op.params]
            p = (p + [0.0] * 3)[:3]
            for kind in (0, 1):
                k.unary(kind, op_index, dt, a, a, out, *p, 1)
                assert np.isfinite(out[0]), (isa, op.name, kind, npdt)
            if op.saves_output:
                k.unary(2, op_index, dt, a, a, out, *p, 1)
            else:
                with pytest.raises(ValueError, match="no kernel"):
                    k.unary(2, op_index, dt, a, a, out, *p, 1)


@pytest.mark.parametrize("isa", _dispatch.SUPPORTED)
def test_kernels_check_their_arrays(isa):
    """A caller's mistake at the kernel boundary is a ValueError, never a crash."""
    k = _dispatch.kernels("_elementwise", isa)
    a = np.ones(8)
    with pytest.raises(ValueError):
        k.unary(0, 0, 1, a, a, np.empty(7), 0.0, 0.0, 0.0, 1)  # sizes
    with pytest.raises(ValueError):
        k.unary(0, 0, 0, a, a, np.empty(8), 0.0, 0.0, 0.0, 1)  # dtype
    with pytest.raises(ValueError):
        k.unary(0, 0, 1, np.ones(16)[::2], a, np.empty(8), 0.0, 0.0, 0.0, 1)  # contiguity
    ro = np.empty(8)
    ro.setflags(write=False)
    with pytest.raises(ValueError):
        k.unary(0, 0, 1, a, a, ro, 0.0, 0.0, 0.0, 1)  # read-only
    with pytest.raises(ValueError):
        k.unary(0, len(_ops.UNARY), 1, a, a, np.empty(8), 0.0, 0.0, 0.0, 1)  # op index
    with pytest.raises(ValueError):
        k.glu_fwd(1, np.ones(8), np.empty(4), 3, 2, 1)  # blocks
    with pytest.raises(ValueError):
        k.prelu_fwd(1, np.ones(8), np.ones(3), np.empty(8), 2, 2, 2, 1)  # weight size


def _isa_at_import(value):
    env = dict(os.environ, ACTLOSS_ISA=value)
    return subprocess.run([sys.executable, "-c", "import actloss; print(actloss._dispatch.ISA)"],
                          env=env, capture_output=True, text=True)


def test_actloss_isa_environment_variable():
    """ACTLOSS_ISA caps the level chosen at import, in any case; an unknown value fails the
    import with a message listing the valid ones."""
    run = _isa_at_import("Baseline")
    assert run.returncode == 0 and run.stdout.strip() == "baseline", run.stderr
    if "avx2" in _dispatch.SUPPORTED:
        run = _isa_at_import("AVX2")
        assert run.returncode == 0 and run.stdout.strip() == "avx2", run.stderr
    run = _isa_at_import("sse9")
    assert run.returncode != 0
    assert "ACTLOSS_ISA must be one of baseline, avx2, avx512 (any case), got 'sse9'" in run.stderr


def test_every_public_callable_has_a_docstring():
    """Hand-written functions too (a docstring built by `+` is an expression, not a docstring:
    the sparse maps had none)."""
    import actloss.metrics as M
    names = [(F, n) for n in F.__all__] + [(M, n) for n in M.__all__]
    for module, name in names:
        fn = getattr(module, name)
        if callable(fn):
            assert fn.__doc__ and len(fn.__doc__.strip()) > 20, f"{name} has no docstring"
