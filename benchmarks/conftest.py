"""Benchmark set-up: what is measured (ops x directions x dtype/size x threads x
implementations), cached deterministic inputs, thread settings, machine info.

The cases themselves -- the actloss call, the NumPy formula and the torch call of every
activation -- live in ``actloss._benchcases`` (shared with ``python -m actloss``). This file
parametrises every test that takes the ``activation_case`` fixture.
"""
import functools
import io
import math
from collections import namedtuple

import numpy as np
import pytest

import actloss
from actloss import _benchcases as bc

# (dtype, elements): float32 at three sizes, float64 at the largest.
SIZES = (("float32", 10**3), ("float32", 10**5), ("float32", 10**6), ("float64", 10**6))
THREADS = ("1", "max")          # "max": every core the process may use (bc.max_threads())


class ActivationCase(namedtuple("ActivationCase", "op direction dtype n threads impl")):
    """One benchmark: op/direction/dtype/size/threads is its group, impl one row of it."""

    @property
    def size_label(self):
        return f"1e{round(math.log10(self.n))}"

    @property
    def group(self):
        return f"{self.op}/{self.direction}/{self.dtype}/{self.size_label}/t{self.threads}"

    @property
    def id(self):
        return (f"{self.op}-{self.direction}-{self.dtype}-{self.size_label}-t{self.threads}-"
                f"{self.impl}")

    @property
    def n_threads(self):
        return bc.max_threads() if self.threads == "max" else int(self.threads)


def activation_cases():
    """Every case, ordered so that the cases sharing inputs run one after the other."""
    for op in bc.op_names():
        for direction in bc.DIRECTIONS:
            for dtype, n in SIZES:
                for threads in THREADS:
                    for impl in bc.IMPLEMENTATIONS:
                        yield ActivationCase(op, direction, dtype, n, threads, impl)


def pytest_generate_tests(metafunc):
    if "activation_case" in metafunc.fixturenames:
        cases = list(activation_cases())
        metafunc.parametrize("activation_case", cases, ids=[c.id for c in cases])


# Inputs are built once per (op, dtype, size) and kept while the cases using them run; a small
# cache, since 10^6 float64 inputs of every op would not fit in memory together.
@functools.lru_cache(maxsize=2)
def _arrays(op, n, dtype):
    return bc.make_arrays(op, n, dtype)


@functools.lru_cache(maxsize=2)
def _tensors(op, n, dtype):
    return bc.make_tensors(_arrays(op, n, dtype))


@functools.lru_cache(maxsize=2)
def _expected(op, direction, n, dtype):
    """actloss's result, the reference the other implementations are checked against."""
    fn = bc.bind(op, direction, "actloss-alloc", _arrays(op, n, dtype))
    return tuple(r.copy() for r in bc.as_numpy(fn()))


@functools.lru_cache(maxsize=1)
def _actloss_config():
    return actloss.show_config(file=io.StringIO())


@pytest.fixture(scope="session")
def actloss_config():
    """actloss.show_config() as a dict (without printing it)."""
    return _actloss_config()


@pytest.fixture
def activation_bench(activation_case):
    """(callable, arrays, expected result) of a case, run at its thread count; skips a case
    whose implementation does not exist here (no torch, no SciPy erf, no out=)."""
    c = activation_case
    if c.impl == "torch" and bc.torch_module() is None:
        pytest.skip("torch is not installed")
    a = _arrays(c.op, c.n, c.dtype)
    t = _tensors(c.op, c.n, c.dtype) if c.impl == "torch" else None
    fn = bc.bind(c.op, c.direction, c.impl, a, t)
    if fn is None:
        reason = {"actloss": f"{c.op}_backward has no out=",
                  "numpy": "NumPy has no erf and SciPy is not installed"}
        pytest.skip(reason.get(c.impl, "not available"))
    expected = _expected(c.op, c.direction, c.n, c.dtype)
    with bc.num_threads(c.n_threads):
        yield fn, a, expected


def pytest_benchmark_update_machine_info(config, machine_info):
    torch = bc.torch_module()
    machine_info["actloss"] = _actloss_config()
    machine_info["numpy"] = np.__version__
    machine_info["torch"] = torch.__version__ if torch is not None else None
    machine_info["max_threads"] = bc.max_threads()
