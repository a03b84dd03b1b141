"""Threads: the one rule for how many (set_num_threads, threadpoolctl, ACTLOSS_NUM_THREADS,
OMP_NUM_THREADS, the usable cores and a container's CPU quota), the pool's wait policy, fork,
calls from several Python threads, and show_config()."""
import io
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import actloss as F
from actloss import _dispatch, _threads
from actloss._kernels import _cpu

import reference as R

needs_threads = pytest.mark.skipif(not _dispatch.THREADS, reason="serial build")


@pytest.fixture(autouse=True)
def restore_default_threads():
    yield
    F.set_num_threads(None)
    _threads._limit = None


def test_round_trip():
    default = F.get_num_threads()
    assert isinstance(default, int) and default >= 1
    assert (default, _threads.thread_source()[1]) == _threads.default_threads()
    for n in (1, 2, 3, 17, np.int64(2)):
        F.set_num_threads(n)
        assert F.get_num_threads() == n and type(F.get_num_threads()) is int
    F.set_num_threads(None)
    assert F.get_num_threads() == default
    F.set_num_threads(4)
    F.set_num_threads(-1)
    assert F.get_num_threads() == default


@pytest.mark.parametrize("bad", [0, -2, -100, 10**6, 2**31])
def test_out_of_range_is_value_error(bad):
    before = F.get_num_threads()
    with pytest.raises(ValueError, match=r"n must be (>= 1|at most)"):
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
        expected = 2 if _dispatch.THREADS else 1
        assert _threads.threads_for(cutoff, cheap) == expected
        assert _threads.threads_for(10 * cutoff, cheap) == expected
    assert _threads.SERIAL_CUTOFF_TRANSCENDENTAL < _threads.SERIAL_CUTOFF_CHEAP


@pytest.mark.parametrize("size", [_threads.SERIAL_CUTOFF_CHEAP + 333, 50_001, 3 * 16384 + 1,
                                  (1 << 20) + 77])
def test_results_do_not_depend_on_threads(size):
    # sizes that split unevenly into the pool's pieces, whose units the caller claims from
    # the front and the workers from the back
    x = np.linspace(-8, 8, size)
    out = {}
    for n in (1, 2, 3):
        F.set_num_threads(n)
        for repeat in range(3):  # a worker that is awake, or asleep, when the run starts
            got = (F.gelu(x), F.relu6(x), F.silu_backward(np.ones_like(x), x),
                   F.mse_loss(x, np.zeros_like(x)), F.l1_loss(x, x[::-1], reduction="none"),
                   F.softmax(x[:x.size // 5 * 5].reshape(-1, 5), 1))
            out.setdefault(n, got)
            for a, b in zip(out[n], got):
                assert np.array_equal(np.asarray(a).view(np.uint64), np.asarray(b).view(np.uint64))
    for a, b in zip(out[1], out[2]):
        assert np.array_equal(np.asarray(a).view(np.uint64), np.asarray(b).view(np.uint64))
    for a, b in zip(out[1], out[3]):
        assert np.array_equal(np.asarray(a).view(np.uint64), np.asarray(b).view(np.uint64))
    np.testing.assert_allclose(out[1][0], R.gelu(x), rtol=1e-14, atol=1e-300)


@needs_threads
def test_large_calls_really_use_the_pool():
    F.set_num_threads(2)
    F.gelu(np.zeros(1 << 20))
    assert _cpu.workers() >= 1


# ---- the environment and the machine ---------------------------------------------------------

def _in_subprocess(env_update, code="import actloss; print(actloss.get_num_threads())"):
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_NUM_THREADS", "ACTLOSS_NUM_THREADS", "OMP_WAIT_POLICY",
                        "GOMP_SPINCOUNT", "ACTLOSS_SPIN_US")}
    env.update(env_update)
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120)
    return res


def test_environment_variables_at_import():
    assert _in_subprocess({"OMP_NUM_THREADS": "1"}).stdout.strip() == "1"
    assert _in_subprocess({"OMP_NUM_THREADS": "3,2"}).stdout.strip() == "3"
    # ACTLOSS_NUM_THREADS is for actloss alone and wins over OMP_NUM_THREADS
    both = _in_subprocess({"OMP_NUM_THREADS": "1", "ACTLOSS_NUM_THREADS": "3"})
    assert both.stdout.strip() == "3", both.stderr
    bad = _in_subprocess({"ACTLOSS_NUM_THREADS": "zero"})
    assert bad.returncode != 0 and "ACTLOSS_NUM_THREADS must be a positive integer" in bad.stderr


def test_default_threads_rule():
    cores = _threads.usable_cores()
    assert _threads.default_threads({}) == (cores, "usable cores")
    assert _threads.default_threads({"OMP_NUM_THREADS": "5"}) == (5, "OMP_NUM_THREADS")
    assert _threads.default_threads({"OMP_NUM_THREADS": "5", "ACTLOSS_NUM_THREADS": "2"}) == \
        (2, "ACTLOSS_NUM_THREADS")
    assert _threads.default_threads({"OMP_NUM_THREADS": " "}) == (cores, "usable cores")
    for bad in ("0", "-1", "two"):
        with pytest.raises(ValueError, match="OMP_NUM_THREADS must be a positive integer"):
            _threads.default_threads({"OMP_NUM_THREADS": bad})


def _cgroup(tmp_path, files):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(tmp_path)


def test_container_cpu_quota(tmp_path, monkeypatch):
    """cgroup v2 cpu.max and v1 cfs quota cap the usable cores, rounded up."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    v2 = _cgroup(tmp_path / "v2", {"cpu.max": "100000 100000\n"})
    assert _threads.cgroup_cpu_quota(v2) == 1.0
    assert _threads.usable_cores(v2) == 1          # 1 CPU on a 64-core host: 1 thread
    assert _threads.default_threads({}, v2) == (1, "usable cores")
    half = _cgroup(tmp_path / "half", {"cpu.max": "150000 100000"})
    assert _threads.usable_cores(half) == 2        # 1.5 CPUs rounded up
    unlimited = _cgroup(tmp_path / "max", {"cpu.max": "max 100000"})
    assert _threads.cgroup_cpu_quota(unlimited) is None
    assert _threads.usable_cores(unlimited) == 64
    v1 = _cgroup(tmp_path / "v1", {"cpu,cpuacct/cpu.cfs_quota_us": "300000",
                                   "cpu,cpuacct/cpu.cfs_period_us": "100000"})
    assert _threads.usable_cores(v1) == 3
    v1_none = _cgroup(tmp_path / "v1n", {"cpu/cpu.cfs_quota_us": "-1",
                                         "cpu/cpu.cfs_period_us": "100000"})
    assert _threads.cgroup_cpu_quota(v1_none) is None
    assert _threads.usable_cores(str(tmp_path / "nothing")) == 64
    # an explicit request is the user's: not capped by the quota
    assert _threads.default_threads({"OMP_NUM_THREADS": "4"}, v2) == (4, "OMP_NUM_THREADS")


# ---- threadpoolctl: the innermost limit wins ---------------------------------------------------

@needs_threads
def test_threadpoolctl_limits_and_precedence():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not _threads.THREADPOOLCTL:
        pytest.skip("threadpoolctl without register()")
    apis = {c["internal_api"]: c for c in threadpoolctl.threadpool_info()}
    assert apis["actloss"]["user_api"] == "openmp"
    assert apis["actloss"]["num_threads"] == F.get_num_threads()
    default = F.get_num_threads()
    for user_api in ("openmp", None):
        with threadpoolctl.threadpool_limits(1, user_api=user_api):
            assert F.get_num_threads() == 1
            assert _threads.thread_source() == (1, "threadpoolctl")
        assert F.get_num_threads() == default
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        assert F.get_num_threads() == default
    # innermost wins: set_num_threads inside a limit, a limit inside set_num_threads, nesting
    with threadpoolctl.threadpool_limits(1, user_api="openmp"):
        F.set_num_threads(2)
        assert F.get_num_threads() == 2
    assert F.get_num_threads() == 2
    F.set_num_threads(3)
    with threadpoolctl.threadpool_limits(1):
        assert F.get_num_threads() == 1
        with threadpoolctl.threadpool_limits(2):
            assert F.get_num_threads() == 2
        assert F.get_num_threads() == 1
    assert _threads.thread_source() == (3, "set_num_threads")


# ---- the pool's wait policy ----------------------------------------------------------------------

def test_spin_policy_from_environment():
    assert _threads.spin_ns_from({}) == (_threads.DEFAULT_SPIN_NS, "default")
    assert _threads.spin_ns_from({"OMP_WAIT_POLICY": "PASSIVE"}) == (0, "OMP_WAIT_POLICY")
    assert _threads.spin_ns_from({"OMP_WAIT_POLICY": "active"}) == \
        (_threads.ACTIVE_SPIN_NS, "OMP_WAIT_POLICY")
    assert _threads.spin_ns_from({"ACTLOSS_SPIN_US": "7.5", "OMP_WAIT_POLICY": "active"}) == \
        (7500, "ACTLOSS_SPIN_US")
    ns, source = _threads.spin_ns_from({"GOMP_SPINCOUNT": "10k", "OMP_WAIT_POLICY": "passive"})
    assert source == "GOMP_SPINCOUNT" and ns == int(1e4 * _threads.pause_ns())
    assert _threads.spin_ns_from({"GOMP_SPINCOUNT": "INFINITE"})[0] == _threads.ACTIVE_SPIN_NS
    for bad in ({"ACTLOSS_SPIN_US": "-1"}, {"ACTLOSS_SPIN_US": "soon"},
                {"GOMP_SPINCOUNT": "lots"}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            _threads.spin_ns_from(bad)


@needs_threads
def test_spin_policy_reaches_the_pool():
    code = ("import actloss; from actloss._kernels import _cpu; "
            "info = actloss.show_config(file=open('/dev/null', 'w')); "
            "print(_cpu.spin_ns(), info['spin_source'])")
    assert _in_subprocess({"OMP_WAIT_POLICY": "passive"}, code).stdout.split()[:2] == \
        ["0", "OMP_WAIT_POLICY"]
    assert _in_subprocess({}, code).stdout.split()[:1] == [str(_threads.DEFAULT_SPIN_NS)]


# ---- fork and Python threads -------------------------------------------------------------------

FORK_CHILD = """
import os, sys, numpy as np, actloss as F
from actloss._kernels import _cpu
x = np.linspace(-5, 5, 1 << 20)
F.set_num_threads(2)
expected = F.gelu(x)
pid = os.fork()
if pid == 0:
    ok = all(np.array_equal(F.gelu(x), expected) for _ in range(5))
    ok = ok and F.mse_loss(x, 0 * x) == F.mse_loss(x, 0 * x)
    os._exit(0 if ok and _cpu.workers() >= {workers} else 3)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_forked_child_calls_with_threads():
    """A process that used the pool's threads forks (multiprocessing's default on Linux); the
    child calls actloss with threads -- fresh workers -- and does not hang."""
    workers = 1 if _dispatch.THREADS else 0
    res = subprocess.run([sys.executable, "-c", FORK_CHILD.format(workers=workers)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_multiprocessing_fork_pool():
    import multiprocessing
    F.set_num_threads(2)
    x = np.linspace(-5, 5, 1 << 18)
    F.silu(x)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map_async(F.silu, [x, 2 * x]).get(timeout=60)
    assert np.array_equal(results[0], F.silu(x)) and np.array_equal(results[1], F.silu(2 * x))


def test_calls_from_several_python_threads():
    """Calls from several Python threads at once (the GIL is released in the kernels): a busy
    pool runs the other caller on its own thread; results are exact."""
    F.set_num_threads(2)
    x = np.linspace(-8, 8, 1 << 19)
    expected = F.gelu(x), F.softmax(x.reshape(512, -1), 1)
    errors = []

    def work():
        for _ in range(20):
            y, s = F.gelu(x), F.softmax(x.reshape(512, -1), 1)
            if not (np.array_equal(y, expected[0]) and np.array_equal(s, expected[1])):
                errors.append("mismatch")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors and not any(t.is_alive() for t in threads)


# ---- show_config ---------------------------------------------------------------------------------

def test_show_config(capsys):
    info = F.show_config()
    assert {"version", "isa", "threads_built", "num_threads", "num_threads_source",
            "usable_cores", "spin_us", "spin_source"} <= set(info)
    assert info["version"] == F.__version__
    assert info["isa"] == _dispatch.ISA and info["isa"] in _dispatch.SUPPORTED
    assert info["threads_built"] is _dispatch.THREADS
    assert info["num_threads"] == (F.get_num_threads() if _dispatch.THREADS else 1)
    assert info["usable_cores"] == _threads.usable_cores()
    printed = capsys.readouterr().out
    assert F.__version__ in printed and info["isa"] in printed
    assert f"threads     : {info['num_threads']} ({info['num_threads_source']};" in printed
    # the thread count it reports follows set_num_threads; file= receives the text
    F.set_num_threads(1)
    buf = io.StringIO()
    info = F.show_config(file=buf)
    assert info["num_threads"] == 1
    assert info["num_threads_source"] == ("set_num_threads" if _dispatch.THREADS
                                          else "serial build")
    assert F.__version__ in buf.getvalue()
    assert capsys.readouterr().out == ""
