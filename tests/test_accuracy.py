"""The accuracy modes: how a call's mode is chosen (set_accuracy, the accuracy() block, the
environment), what show_config reports, and what fast mode keeps from accurate mode. The ULP
bounds of both modes are in test_ulp.py."""
import io
import os
import subprocess
import sys
import threading

import numpy as np
import pytest
from scipy import special

import actloss as F
from actloss import _dispatch, _ops


@pytest.fixture(autouse=True)
def _restore_mode():
    previous = F.set_accuracy("accurate")
    yield
    F.set_accuracy(previous)


def test_default_is_accurate_and_set_accuracy_returns_the_previous_mode():
    assert F.get_accuracy() == "accurate"
    assert F.set_accuracy("fast") == "accurate"
    assert F.get_accuracy() == "fast"
    assert F.set_accuracy(" Accurate ") == "fast"  # any case, surrounding blanks
    assert F.get_accuracy() == "accurate"


@pytest.mark.parametrize("bad", ["quick", "", None, 1, b"fast"])
def test_unknown_modes_are_refused(bad):
    with pytest.raises(ValueError, match="mode must be one of 'accurate', 'fast'"):
        F.set_accuracy(bad)
    with pytest.raises(ValueError, match="mode must be one of"):
        with F.accuracy(bad):
            pass
    assert F.get_accuracy() == "accurate"


def test_accuracy_block_nests_restores_and_wins_over_set_accuracy():
    with F.accuracy("fast"):
        assert F.get_accuracy() == "fast"
        with F.accuracy("accurate"):
            assert F.get_accuracy() == "accurate"
            F.set_accuracy("fast")  # the process default changes; the block still wins
            assert F.get_accuracy() == "accurate"
        assert F.get_accuracy() == "fast"
    assert F.get_accuracy() == "fast"  # the default set inside the block
    F.set_accuracy("accurate")
    with pytest.raises(RuntimeError):
        with F.accuracy("fast"):
            raise RuntimeError
    assert F.get_accuracy() == "accurate"  # restored on an exception too


def test_accuracy_block_is_per_thread():
    seen = {}
    started, release = threading.Event(), threading.Event()

    def worker():
        seen["start"] = F.get_accuracy()
        started.set()
        release.wait(5)
        seen["later"] = F.get_accuracy()

    with F.accuracy("fast"):
        t = threading.Thread(target=worker)
        t.start()
        started.wait(5)
        assert F.get_accuracy() == "fast"
    release.set()
    t.join(5)
    # the block changed this thread only; the process default is what other threads see
    assert seen == {"start": "accurate", "later": "accurate"}


def _import_with(value):
    env = dict(os.environ, ACTLOSS_ACCURACY=value)
    code = "import actloss; print(actloss.get_accuracy()); actloss.show_config()"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_environment_variable():
    run = _import_with("FAST")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "fast"
    assert "accuracy    : fast (ACTLOSS_ACCURACY;" in run.stdout
    run = _import_with("sloppy")
    assert run.returncode != 0
    assert "ACTLOSS_ACCURACY must be one of 'accurate', 'fast', got 'sloppy'" in run.stderr


def test_show_config_reports_the_mode_and_its_source():
    info = F.show_config(file=io.StringIO())
    assert (info["accuracy"], info["accuracy_source"]) == ("accurate", "set_accuracy")
    with F.accuracy("fast"):
        text = io.StringIO()
        info = F.show_config(file=text)
    assert (info["accuracy"], info["accuracy_source"]) == ("fast", "actloss.accuracy() block")
    assert "<= 4 ULP" in text.getvalue()


# ---- fast mode: the fast kernels run, within their bound, with accurate mode's specials -------

def _ulp32(y, ref):
    spacing = np.maximum(np.spacing(np.abs(ref.astype(np.float32))).astype(np.float64),
                         2.0 ** -149)
    return np.abs(y.astype(np.float64) - ref) / spacing


def test_fast_gelu_runs_its_own_kernel_within_4_ulp():
    x = np.linspace(-13, 13, 400_001, dtype=np.float64).astype(np.float32)
    ref = 0.5 * x.astype(np.float64) * special.erfc(-x.astype(np.float64) / np.sqrt(2))
    accurate = F.gelu(x)
    with F.accuracy("fast"):
        fast = F.gelu(x)
        fast_out = F.gelu(x[::2], out=np.empty(200_001, np.float32))  # the general path too
    assert fast.dtype == np.float32
    assert _ulp32(accurate, ref).max() <= 1.0
    assert _ulp32(fast, ref).max() <= 4.0
    assert np.array_equal(fast_out, fast[::2])
    if _dispatch.ISA != "baseline":  # baseline kernels have no FMA: they run the accurate loop
        assert not np.array_equal(fast, accurate)  # the fast kernel really ran


SPECIALS = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 3.4e38, -3.4e38,
                     13.5, -13.5, 20.0, -20.0, -14.5, -40.0], dtype=np.float32)


@pytest.mark.parametrize("name", sorted({key[0] for key in _ops.FAST}))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_mode_keeps_special_values(name, dtype):
    """NaN, infinities, zeros, subnormals and the largest floats give the accurate mode's
    results exactly; the ordinary values beside them (each element takes its own kernel
    whatever shares its block) stay within fast mode's 4 ULP of them."""
    x = SPECIALS.astype(dtype)
    fn = (lambda v: F.gelu(v, approximate="tanh")) if name == "gelu_tanh" else getattr(F, name)
    accurate = fn(x)
    with F.accuracy("fast"):
        fast = fn(x)
    special = slice(0, 9)
    np.testing.assert_array_equal(fast[special], accurate[special])
    assert np.array_equal(np.signbit(fast), np.signbit(accurate))
    ulps = np.abs(fast[9:].astype(np.float64) - accurate[9:]) / np.spacing(np.abs(accurate[9:]))
    assert (ulps <= 4).all(), ulps


def test_every_function_runs_in_fast_mode():
    """A function without a fast kernel gives exactly its accurate result in fast mode."""
    x = np.linspace(-6, 6, 10_001, dtype=np.float32)
    fast_ops = {key[0] for key in _ops.FAST}
    for name in F.ACTIVATIONS:
        if name in fast_ops or name in ("prelu", "rrelu", "glu"):
            continue
        args = (0.1, -2.0) if name == "threshold" else ()
        accurate = getattr(F, name)(x, *args)
        with F.accuracy("fast"):
            fast = getattr(F, name)(x, *args)
        np.testing.assert_array_equal(fast, accurate, err_msg=name)
