"""Free threading (issue 14): every public function of actloss, called from many Python threads
at once, gives what it gives on one thread, bit for bit.

The hammer: THREADS Python threads meet at a barrier, then each makes every public call in an
order of its own -- every function of ``actloss.__all__`` forward, backward and fused (the
benchmark case table, which covers every one; ``one_hot`` beside it), at its smallest size in
float32 and float64 and at the next size (where the worker pool splits the work) in float32;
every ufunc of ``actloss.ufuncs`` (float16, float32, float64, contiguous and strided, with
``out=``); a fresh module of every ``actloss.nn`` class (forward, backward, parameter
gradients); every function of ``actloss.metrics``; the sampler, ``class_weights`` and the guide.
Half of the threads read shared read-only inputs, half their own copies; each round runs in an
``accuracy()`` block whose mode differs between neighbouring threads. Meanwhile one more thread
keeps changing the process-wide settings (``set_accuracy``, ``set_num_threads``, the
threadpoolctl limit), which must change no result: a block's mode wins over set_accuracy, and
results never depend on the thread count. Every result is compared with the single-threaded
result of the same call in the same mode.

The kernels release the GIL, so on a GIL build too the threads overlap inside them (and in the
worker pool); on a free-threaded build (python3.13t and later) everything overlaps. There, the
last test checks that importing actloss and calling every family leaves the GIL disabled.
"""
import copy
import functools
import io
import os
import subprocess
import sys
import sysconfig
import textwrap
import threading
import time
import traceback
import types

import numpy as np
import pytest

import actloss as F
from actloss import _dispatch, _threads, guide, metrics, nn, sampling, ufuncs
from actloss._tools import benchcases as bc

import opspec
import test_nn  # its tables: constructor arguments and inputs of every nn activation and loss class

THREADS = 8
ROUNDS = 2
MODES = ("accurate", "fast")
BARRIER_TIMEOUT = 300  # seconds: a thread that never reaches the barrier fails the test

FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


class Call:
    """One public call: `run(ns)` makes it on the arrays of namespace ns (built from `inputs`
    for each call; the names in `outputs` get fresh buffers, the numpy Generators a fresh copy
    of their state, so that every call is the same call)."""

    def __init__(self, id, inputs, run, outputs=()):
        self.id, self.inputs, self.run, self.outputs = id, inputs, run, tuple(outputs)


def _map_arrays(value, fn):
    """value with fn applied to every ndarray in it (through tuples, lists and dicts)."""
    if isinstance(value, np.ndarray):
        return fn(value)
    if isinstance(value, (tuple, list)):
        return type(value)(_map_arrays(v, fn) for v in value)
    if isinstance(value, dict):
        return {k: _map_arrays(v, fn) for k, v in value.items()}
    return value


def _read_only(a):
    a = a.view()
    a.flags.writeable = False
    return a


def _namespace(inputs, outputs):
    """The arguments of one call: inputs as they are, outputs fresh, Generators copied."""
    ns = {}
    for k, v in inputs.items():
        if k in outputs:
            ns[k] = np.empty_like(v)
        elif isinstance(v, np.random.Generator):
            ns[k] = copy.deepcopy(v)
        else:
            ns[k] = v
    return types.SimpleNamespace(**ns)


def _bits(result):
    """A comparable image of a result: dtype, shape and bytes of every array in it."""
    if isinstance(result, (tuple, list)):  # namedtuples too
        return tuple(_bits(r) for r in result)
    if isinstance(result, dict):
        return tuple((k, _bits(v)) for k, v in sorted(result.items()))
    if result is None or isinstance(result, (str, bool)):
        return result
    if isinstance(result, (np.ndarray, np.generic, int, float)):
        a = np.asarray(result)
        return (a.dtype.str, a.shape, a.tobytes())
    return repr(result)


# ---- the calls ---------------------------------------------------------------------------------

def _bench_calls():
    """Every case of the bench table (every public function), every direction: smallest size in
    float32 and float64, the second size in float32 (above the serial cut-offs)."""
    calls = []
    for c in bc.cases():
        if c.api is None:
            continue
        for size, dtype in ((bc.SIZES[c.kind][0], "float32"), (bc.SIZES[c.kind][0], "float64"),
                            (bc.SIZES[c.kind][1], "float32")):
            a = bc.inputs(c, size, dtype)
            for d in c.directions:
                inputs = {k: v for k, v in vars(a).items() if k not in ("out_fwd", "out_bwd")}
                out_name = {"forward": "out_fwd", "backward": "out_bwd"}.get(d)
                if d not in c.out:
                    out_name = None
                else:
                    inputs[out_name] = getattr(a, out_name)

                def run(ns, c=c, d=d, out_name=out_name):
                    out = getattr(ns, out_name) if out_name else None
                    return bc._actloss_partial(c, d, ns, out)()

                # out=, and what a forward writes beside it (rrelu's noise=, where
                # linear_cross_entropy's bias= is read): fresh buffers in every call
                outputs = (out_name,) if out_name else ()
                outputs += tuple(k for k in c.fwd_kw if d != "backward"
                                 and isinstance(inputs.get(k), np.ndarray)
                                 and _writes(run, inputs, k))
                calls.append(Call(f"{c.name}-{d}-{bc.size_label(size)}-{dtype}", inputs, run,
                                  outputs))
    return calls


def _writes(run, inputs, name):
    """Whether `run` writes the array argument `name` instead of reading it."""
    ns = types.SimpleNamespace(**copy.deepcopy(inputs))
    before = getattr(ns, name).copy()
    run(ns)
    return not np.array_equal(before, getattr(ns, name), equal_nan=True)


def _one_hot_calls():
    labels = np.random.default_rng(3).integers(0, 7, (40, 3))
    return [Call("one_hot", {"t": labels}, lambda ns: F.one_hot(ns.t, 7)),
            Call("one_hot-inferred", {"t": labels}, lambda ns: F.one_hot(ns.t))]


def _ufunc_calls():
    """Every ufunc of actloss.ufuncs: float16/32/64 at 1000 elements, float32 above its serial
    cut-off (the pool's threads), a strided input, and out=."""
    calls = []
    rng = np.random.default_rng(11)
    suffixes = ("_backward_from_output", "_backward", "")
    for name in ufuncs.__all__:
        suffix = next(s for s in suffixes if name.endswith(s))
        row_name = name[:len(name) - len(suffix)] if suffix else name
        _, row = ufuncs._ROW[row_name]
        spec = opspec.BY_NAME.get(row_name)
        chosen = dict(spec.params[0]) if spec else {}
        params = tuple(float(chosen.get(p.name, p.default)) for p in row.params)
        uf = getattr(ufuncs, name)
        for n, dtype in ((1000, np.float16), (1000, np.float32), (1000, np.float64),
                         (_threads.SERIAL_CUTOFF_CHEAP + 1001, np.float32)):
            x = (opspec.sample(spec, chosen, n, rng, np.dtype(dtype)) if spec
                 else rng.uniform(-10, 10, n).astype(dtype))
            x[-3:] = [np.nan, np.inf, -np.inf]
            gy = rng.standard_normal(n).astype(dtype)
            y = getattr(ufuncs, row_name)(x, *params)
            inputs = {"x": x, "gy": gy, "y": y, "out": np.empty_like(x)}
            if suffix == "":
                args = lambda ns, p=params: (ns.x,) + p  # noqa: E731
            elif suffix == "_backward":
                args = lambda ns, p=params: (ns.gy, ns.x) + p  # noqa: E731
            else:
                args = lambda ns: (ns.gy, ns.y)  # noqa: E731
            label = f"ufunc-{name}-{n}-{np.dtype(dtype).name}"
            calls.append(Call(label, inputs, lambda ns, uf=uf, args=args: uf(*args(ns))))
            calls.append(Call(label + "-out", inputs,
                              lambda ns, uf=uf, args=args: uf(*args(ns), out=ns.out), ("out",)))
            if n == 1000 and dtype is np.float64:  # NumPy hands the loops strided arrays
                calls.append(Call(label + "-strided", inputs,
                                  lambda ns, uf=uf, args=args: uf(*args(types.SimpleNamespace(
                                      x=ns.x[::3], gy=ns.gy[::3], y=ns.y[::3])))))
    return calls


# actloss.nn classes outside test_nn's tables of activation and loss classes, made here: each
# (class name, constructor, inputs(rng, dtype)); a generator= seed makes the module's
# initialisation and its random draws the same in every call.
def _nn_specials():
    def x(shape):
        return lambda r, d: (r.standard_normal(shape).astype(d),)

    def classes(r, d):
        return r.standard_normal((6, 8)).astype(d), r.integers(0, 20, 6)

    return [
        ("PReLU", lambda d: nn.PReLU(4, init=0.1, dtype=d), x((3, 4, 5))),
        ("RReLU", lambda d: nn.RReLU(generator=5), x((3, 4, 5))),
        ("GumbelSoftmax", lambda d: nn.GumbelSoftmax(tau=0.7, generator=6), x((5, 9))),
        ("GumbelSoftmax", lambda d: nn.GumbelSoftmax(hard=True, generator=6), x((5, 9))),
        ("LinearCrossEntropyLoss",
         lambda d: nn.LinearCrossEntropyLoss(8, 20, generator=7, dtype=d), classes),
        ("PairwiseDistance", lambda d: nn.PairwiseDistance(p=1.5),
         lambda r, d: (r.standard_normal((6, 8)).astype(d), r.standard_normal((6, 8)).astype(d))),
        ("CosineSimilarity", lambda d: nn.CosineSimilarity(),
         lambda r, d: (r.standard_normal((6, 8)).astype(d), r.standard_normal((6, 8)).astype(d))),
        ("Linear", lambda d: nn.Linear(8, 5, generator=8, dtype=d), x((6, 8))),
        ("Sequential", lambda d: nn.Sequential(nn.Linear(8, 5, generator=9, dtype=d), nn.GELU(),
                                               nn.Linear(5, 3, generator=10, dtype=d)),
         x((6, 8))),
        ("AdaptiveLogSoftmaxWithLoss",
         lambda d: nn.AdaptiveLogSoftmaxWithLoss(8, 20, [5, 10], generator=11, dtype=d), classes),
    ]


# classes that compute nothing themselves: the base class, the parameter array, a plain list of
# modules (Sequential above runs modules in a container)
NN_NO_COMPUTATION = {"Module", "Parameter", "ModuleList"}


def _module_result(m, args, gy):
    out = m(*args)
    grad = m.backward(gy)
    return out, grad, [p.grad for _, p in m.named_parameters()]


def _grad_like(rng, result):
    """A grad_output for a module's result: an array of its shape, 0.37 for a scalar loss."""
    first = result[1] if isinstance(result, tuple) and hasattr(result, "loss") else result
    if np.ndim(first) == 0:
        return 0.37
    return rng.standard_normal(np.shape(first)).astype(np.asarray(first).dtype)


def _nn_calls():
    calls = []
    rng = np.random.default_rng(12)
    for dtype in (np.float32, np.float64):
        for cls, kwargs, fn, params, saved in test_nn.ACTIVATION_CASES:
            xin = test_nn._activation_input(rng, dtype, nonfinite=True)
            gy = rng.standard_normal(getattr(nn, cls)(**kwargs)(xin.copy()).shape).astype(dtype)
            calls.append(Call(f"nn-{cls}-{sorted(kwargs.items())}-{np.dtype(dtype).name}",
                              {"x": xin, "gy": gy, "kwargs": kwargs},
                              lambda ns, cls=cls: _module_result(getattr(nn, cls)(**ns.kwargs),
                                                                 (ns.x,), ns.gy)))
        for i, (cls, fn, make_kwargs, make_args) in enumerate(test_nn.LOSS_CASES):
            kwargs, args = make_kwargs(rng, dtype), make_args(rng, dtype)
            gy = _grad_like(rng, getattr(nn, cls)(**copy.deepcopy(kwargs))(
                *copy.deepcopy(args)))
            calls.append(Call(f"nn-{cls}-{i}-{np.dtype(dtype).name}",
                              {"args": args, "gy": gy, "kwargs": kwargs},
                              lambda ns, cls=cls: _module_result(getattr(nn, cls)(**ns.kwargs),
                                                                 ns.args, ns.gy)))
        for cls, make, make_args in _nn_specials():
            args = make_args(rng, dtype)
            gy = _grad_like(rng, make(dtype)(*copy.deepcopy(args)))
            calls.append(Call(f"nn-{cls}-{np.dtype(dtype).name}", {"args": args, "gy": gy},
                              lambda ns, make=make, dtype=dtype: _module_result(make(dtype),
                                                                                ns.args, ns.gy)))
    return calls


# the metrics taking class labels and scores; every other one is a regression metric
METRIC_INPUTS = {
    "log_loss": lambda r: (r.integers(0, 3, 50), F.softmax(r.standard_normal((50, 3)), 1)),
    "hinge_loss": lambda r: (r.choice([-1, 1], 50), r.standard_normal(50)),
}


def _regression(r):
    return r.uniform(0.5, 3.0, 50), r.uniform(0.5, 3.0, 50)


def _other_calls():
    """actloss.metrics, actloss.sampling, the guide and show_config."""
    rng = np.random.default_rng(13)
    calls = []
    for name in metrics.__all__:
        y_true, y_pred = METRIC_INPUTS.get(name, _regression)(rng)
        w = rng.uniform(0.5, 2.0, 50)
        calls.append(Call(f"metrics-{name}", {"a": y_true, "b": y_pred, "w": w},
                          lambda ns, fn=getattr(metrics, name): (
                              fn(ns.a, ns.b), fn(ns.a, ns.b, sample_weight=ns.w))))
    labels = rng.integers(0, 4, 60)
    labels[:30] = 0
    calls.append(Call("sampling-BalancedBatchSampler", {"labels": labels},
                      lambda ns: list(sampling.BalancedBatchSampler(ns.labels, 8, seed=4,
                                                                    final_phase_batches=2))))
    for scheme in ("balanced", "inverse", "effective"):
        calls.append(Call(f"sampling-class_weights-{scheme}", {"labels": labels},
                          lambda ns, s=scheme: sampling.class_weights(ns.labels, s)))
    for task in guide.TASKS:
        calls.append(Call(f"guide-recommend-{task}", {},
                          lambda ns, task=task: repr(guide.recommend(task))))
    calls.append(Call("guide-table", {}, lambda ns: guide.table()))
    calls.append(Call("show_config", {},
                      lambda ns: {k: v for k, v in F.show_config(file=io.StringIO()).items()
                                  if k in ("version", "isa", "threads_built", "accuracy")}))
    return calls


@functools.lru_cache(maxsize=None)
def calls():
    return (_bench_calls() + _one_hot_calls() + _ufunc_calls() + _nn_calls()
            + _other_calls())


def _expected(all_calls):
    """The single-threaded result of every call in each mode (settings at their defaults)."""
    expected = {}
    for mode in MODES:
        with F.accuracy(mode):
            expected[mode] = [_bits(c.run(_namespace(c.inputs, c.outputs)))
                              for c in all_calls]
    return expected


# ---- the hammer --------------------------------------------------------------------------------

def _hammer(tid, all_calls, expected, barrier, errors):
    """Thread tid: ROUNDS rounds over every call in its own order, each round in a mode block;
    even threads read the shared read-only inputs, odd ones their own writable copies."""
    own = tid % 2 == 1
    if own:
        data = [copy.deepcopy(c.inputs) for c in all_calls]
    else:
        data = [_map_arrays(c.inputs, _read_only) for c in all_calls]
    order = np.random.default_rng(100 + tid).permutation(len(all_calls))
    where = "own copies" if own else "shared read-only inputs"
    try:
        for r in range(ROUNDS):
            mode = MODES[(tid + r) % 2]
            barrier.wait(BARRIER_TIMEOUT)
            with F.accuracy(mode):
                for i in order:
                    c = all_calls[i]
                    if F.get_accuracy() != mode:
                        errors.append(f"thread {tid}: get_accuracy() is {F.get_accuracy()!r} "
                                      f"inside accuracy({mode!r})")
                    if _bits(c.run(_namespace(data[i], c.outputs))) != expected[mode][i]:
                        errors.append(f"{c.id} [{mode}, thread {tid}, {where}]: not the "
                                      f"single-threaded result")
    except BaseException:  # report it, and release the threads waiting at the barrier
        errors.append(f"thread {tid} ({where}): {traceback.format_exc()}")
        barrier.abort()


def _settings_changer(stop, errors):
    """Keeps changing the process-wide settings while the hammer runs."""
    i = 0
    try:
        while not stop.is_set():
            F.set_accuracy(MODES[i % 2])
            F.set_num_threads((1, 2, None, 3)[i % 4])
            _threads._set_limit((2, 1, 3)[i % 3])  # what threadpoolctl's limits call
            i += 1
            time.sleep(0.0005)
    except BaseException:
        errors.append(f"settings thread: {traceback.format_exc()}")


def test_every_public_call_from_many_threads_is_bit_identical():
    all_calls = calls()
    expected = _expected(all_calls)
    previous_mode = F.get_accuracy()
    errors = []
    barrier = threading.Barrier(THREADS)
    stop = threading.Event()
    workers = [threading.Thread(target=_hammer, args=(t, all_calls, expected, barrier, errors))
               for t in range(THREADS)]
    changer = threading.Thread(target=_settings_changer, args=(stop, errors))
    start = time.perf_counter()
    changer.start()
    try:
        for w in workers:
            w.start()
        for w in workers:
            w.join(BARRIER_TIMEOUT)
    finally:
        stop.set()
        changer.join(60)
        F.set_accuracy(previous_mode)
        F.set_num_threads(None)
        _threads._set_limit(_threads._DEFAULT)  # the default count: no limit
    took = time.perf_counter() - start
    assert not any(w.is_alive() for w in workers), f"a thread hung ({took:.0f} s)"
    assert not errors, f"{len(errors)} failures, first ones:\n" + "\n".join(errors[:10])
    assert _threads.thread_source()[1] != "threadpoolctl"


def test_the_hammer_covers_every_public_function():
    """Every callable of actloss.__all__ (but the settings, checked by the hammer's own
    threads), of actloss.ufuncs, actloss.metrics and actloss.sampling, and every actloss.nn
    class is among the hammer's calls."""
    ids = [c.id for c in calls()]
    covered = {"one_hot"}
    for c in bc.cases():
        if c.api:
            covered.add(c.api)
            covered |= {c.api + "_backward"} if "backward" in c.directions else set()
            covered |= {c.api + "_with_grad"} if "fused" in c.directions else set()
    settings = {"get_num_threads", "set_num_threads", "get_accuracy", "set_accuracy",
                "accuracy", "show_config"}
    by_identity = {id(getattr(F, n)) for n in covered}
    missing = [n for n in F.__all__ if callable(getattr(F, n)) and n not in settings
               and id(getattr(F, n)) not in by_identity]
    assert not missing, f"public functions the hammer never calls: {missing}"
    assert {n for n in ufuncs.__all__ if not any(i.startswith(f"ufunc-{n}-") for i in ids)} \
        == set()
    assert {n for n in metrics.__all__ if f"metrics-{n}" not in ids} == set()
    assert {n for n in sampling.__all__
            if not any(i.startswith(f"sampling-{n}") for i in ids)} == set()
    tested = ({c[0] for c in test_nn.ACTIVATION_CASES} | {c[0] for c in test_nn.LOSS_CASES}
              | {c[0] for c in _nn_specials()} | NN_NO_COMPUTATION)
    assert set(nn.__all__) == tested


# ---- a free-threaded interpreter ---------------------------------------------------------------

KERNEL_SOURCES = os.path.join(os.path.dirname(__file__), os.pardir, "src", "actloss", "_kernels")


def test_every_extension_module_declares_free_threading():
    """Each extension module's source opens with Cython's freethreading_compatible directive
    (checked on every interpreter: a free-threaded one, where test_gil_stays_disabled runs, is
    rarely at hand)."""
    modules = ["_cpu"] + _dispatch.families()
    for name in modules:
        path = next((os.path.join(KERNEL_SOURCES, name + ext) for ext in (".pyx", ".pyx.tp")
                     if os.path.exists(os.path.join(KERNEL_SOURCES, name + ext))), None)
        assert path is not None, f"no source of the extension module {name}"
        with open(path) as f:
            header = [line for line in f.read().splitlines()[:5] if line.startswith("# cython:")]
        assert "# cython: freethreading_compatible=True" in header, path


GIL_CHECK = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    import actloss
    assert not sys._is_gil_enabled(), "importing actloss enabled the GIL"
    import test_free_threading as T
    modes = T._expected(T.calls())  # every call of the hammer, in both modes, once
    assert not sys._is_gil_enabled(), "calling actloss enabled the GIL"
    print("GIL disabled after", len(modes["fast"]), "calls")
""")


@pytest.mark.skipif(not FREE_THREADED,
                    reason="needs a free-threaded CPython (3.13t or later); this one has the GIL")
def test_gil_stays_disabled():
    """Every extension module of actloss declares that it runs without the GIL: a module that
    does not makes CPython enable the GIL at its import (with a RuntimeWarning)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}  # the modules decide
    res = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c",
                          GIL_CHECK.format(tests=os.path.dirname(__file__))],
                         env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "GIL disabled after" in res.stdout
