"""Thread control: set/get_num_threads, OMP_NUM_THREADS and threadpoolctl, show_config()."""
import io
import os
import subprocess
import sys

import numpy as np
import pytest

import actloss as F
from actloss import _dispatch, _threads
from actloss._kernels import _cpu


@pytest.fixture(autouse=True)
def restore_default_threads():
    yield
    F.set_num_threads(None)


def test_round_trip():
    default = F.get_num_threads()
    assert isinstance(default, int) and default >= 1
    assert default == max(1, _cpu.omp_max_threads())
    for n in (1, 2, 3, 17):
        F.set_num_threads(n)
        assert F.get_num_threads() == n
    F.set_num_threads(None)
    assert F.get_num_threads() == default
    F.set_num_threads(4)
    F.set_num_threads(-1)
    assert F.get_num_threads() == default


@pytest.mark.parametrize("bad", [0, -2, -100])
def test_non_positive_is_value_error(bad):
    before = F.get_num_threads()
    with pytest.raises(ValueError, match=r"n must be >= 1"):
        F.set_num_threads(bad)
    assert F.get_num_threads() == before


@pytest.mark.parametrize("bad", ["2", 2.0, True, [2], np.float64(2)])
def test_non_int_is_type_error(bad):
    with pytest.raises(TypeError, match="n must be an int"):
        F.set_num_threads(bad)


def test_small_inputs_stay_serial():
    F.set_num_threads(2)
    for cheap, cutoff in ((True, _threads.SERIAL_CUTOFF_CHEAP),
                          (False, _threads.SERIAL_CUTOFF_TRANSCENDENTAL)):
        assert _threads.threads_for(0, cheap) == 1
        assert _threads.threads_for(cutoff - 1, cheap) == 1
        expected = 2 if _dispatch.OPENMP else 1
        assert _threads.threads_for(cutoff, cheap) == expected
        assert _threads.threads_for(10 * cutoff, cheap) == expected
    assert _threads.SERIAL_CUTOFF_TRANSCENDENTAL < _threads.SERIAL_CUTOFF_CHEAP


def test_results_do_not_depend_on_threads():
    x = np.linspace(-8, 8, _threads.SERIAL_CUTOFF_CHEAP + 333)
    out = {}
    for n in (1, 2, 3):
        F.set_num_threads(n)
        out[n] = (F.gelu(x), F.relu6(x), F.silu_backward(np.ones_like(x), x))
    for n in (2, 3):
        for a, b in zip(out[1], out[n]):
            assert np.array_equal(a.view(np.uint64), b.view(np.uint64))


def _num_threads_in_subprocess(env_update):
    env = dict(os.environ)
    env.update(env_update)
    code = "import actloss; print(actloss.get_num_threads())"
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    return int(res.stdout.strip())


@pytest.mark.skipif(not _dispatch.OPENMP, reason="built without OpenMP")
def test_omp_num_threads_is_honoured():
    assert _num_threads_in_subprocess({"OMP_NUM_THREADS": "1"}) == 1
    assert _num_threads_in_subprocess({"OMP_NUM_THREADS": "3"}) == 3


def test_threadpoolctl_limits():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not _dispatch.OPENMP:
        pytest.skip("built without OpenMP")
    F.set_num_threads(None)
    with threadpoolctl.threadpool_limits(1, user_api="openmp"):
        assert F.get_num_threads() == 1
    # set_num_threads overrides it for actloss alone
    with threadpoolctl.threadpool_limits(1, user_api="openmp"):
        F.set_num_threads(2)
        assert F.get_num_threads() == 2


def test_show_config(capsys):
    info = F.show_config()
    assert isinstance(info, dict)
    assert {"version", "isa", "openmp", "num_threads"} <= set(info)
    assert info["version"] == F.__version__
    assert info["isa"] == _dispatch.ISA and info["isa"] in _dispatch.SUPPORTED
    assert info["openmp"] is _dispatch.OPENMP
    assert info["num_threads"] == F.get_num_threads()
    printed = capsys.readouterr().out
    assert F.__version__ in printed and info["isa"] in printed
    assert "OpenMP" in printed and str(info["num_threads"]) in printed
    # the thread count it reports follows set_num_threads; file= receives the text
    F.set_num_threads(1)
    buf = io.StringIO()
    info = F.show_config(file=buf)
    assert info["num_threads"] == 1
    assert F.__version__ in buf.getvalue()
    assert capsys.readouterr().out == ""
