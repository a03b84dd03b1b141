"""Benchmark set-up: every test of a ``bench_<family>.py`` file is parametrised from the shared
case table (``actloss._tools.benchcases``, also behind ``python -m actloss bench``) -- every case of
the file's ``FAMILY`` x direction x dtype x size x threads (1 and every core) x
implementation -- with inputs cached across the rows of a group and built outside the timed
call, thread settings, and the machine info of saved runs.
"""
import functools
import io
from collections import namedtuple

import numpy as np
import pytest

import actloss
from actloss._tools import benchcases as bc


class BenchCase(namedtuple("BenchCase", "key impl")):
    """One benchmark: its key (case/direction/dtype/size/threads) is the group, impl a row."""

    @property
    def id(self):
        k = self.key
        return (f"{k.case.name}-{k.direction}-{k.dtype}-{bc.size_label(k.size)}-t{k.threads}-"
                f"{self.impl}")


def pytest_configure(config):
    if not config.pluginmanager.hasplugin("benchmark"):
        raise pytest.UsageError("the benchmarks need pytest-benchmark: pip install -e '.[bench]' "
                                "(the bench extra)")


def bench_cases(family):
    """Every benchmark of a family that can run here, the rows of a group (and the groups
    sharing inputs) one after the other. The rows of a missing optional package are left out
    (pytest_terminal_summary says so once), not skipped one by one; so are jax's at thread
    counts other than its CPU client's (XLA cannot change them once started)."""
    return [BenchCase(k, impl) for k in bc.select() if k.case.family == family
            for impl in bc.implementations(k.case, k.direction)
            if not bc.missing_dependency(k.case, impl)
            and (impl != "jax" or k.threads == bc.jax_threads())]


def pytest_terminal_summary(terminalreporter):
    """One line per missing optional package whose rows bench_cases left out."""
    reasons = {bc.missing_dependency(c, impl) for c in bc.cases() for impl in bc.IMPLEMENTATIONS}
    if bc.jax_module() is not None and set(bc.thread_counts()) != {bc.jax_threads()}:
        reasons.add(f"jax at other than {bc.jax_threads()} threads (XLA's CPU threads are "
                    "fixed when jax starts)")
    for reason in sorted(reasons - {None}):
        terminalreporter.write_line(f"actloss benchmarks: {reason}: those rows are left out")


def pytest_generate_tests(metafunc):
    if "bench_case" in metafunc.fixturenames:
        cases = bench_cases(metafunc.module.FAMILY)
        metafunc.parametrize("bench_case", cases, ids=[c.id for c in cases])


# Inputs are built once per (case, size, dtype) and kept while the benchmarks using them run;
# a small cache, since 10^7 float64 inputs of every case would not fit in memory together.
@functools.lru_cache(maxsize=1)
def _inputs(name, size, dtype):
    return bc.inputs(bc.case(name), size, dtype)


@functools.lru_cache(maxsize=1)
def _tensors(name, size, dtype):
    return bc.tensors(_inputs(name, size, dtype))


@functools.lru_cache(maxsize=2)
def _expected(name, direction, size, dtype):
    """actloss's result, the reference the other implementations are checked against."""
    return bc.expected(bc.case(name), direction, _inputs(name, size, dtype))


# actloss.show_config() as a dict, taken before any benchmark changes the thread count
ACTLOSS_CONFIG = actloss.show_config(file=io.StringIO())


class Prepared:
    """A benchmark ready to time: the bound call, its inputs and actloss's result."""

    def __init__(self, bench_case, fn, arrays, expected):
        self.bench_case, self.fn, self.arrays, self.expected = bench_case, fn, arrays, expected

    def run(self, benchmark):
        """Check the result against actloss's (a wrong formula would make the comparison
        meaningless; also the warm-up), time it, store the counters in extra_info."""
        k, impl = self.bench_case
        c = k.case
        benchmark.group = k.id
        bc.check_agreement(c, k.direction, impl, self.fn(), self.expected)
        benchmark(self.fn)
        n_elements = bc.elements(c, self.arrays)
        n_bytes = bc.traffic_bytes(c, k.direction, self.arrays, self.expected)
        info = {"function": c.name, "api": c.api, "direction": k.direction, "dtype": k.dtype,
                "size": bc.size_label(k.size), "elements": n_elements, "threads": k.threads,
                "impl": impl, "bytes": n_bytes, "actloss_config": ACTLOSS_CONFIG}
        stats = getattr(benchmark.stats, "stats", None)      # None with --benchmark-disable
        if stats is not None and stats.median > 0:
            info["elements_per_s"] = n_elements / stats.median
            info["bytes_per_s"] = n_bytes / stats.median
        benchmark.extra_info.update(info)


@pytest.fixture
def bench(bench_case):
    """The Prepared benchmark of a case, run at its thread count."""
    k, impl = bench_case
    name, size, dtype = k.case.name, k.size, k.dtype
    a = _inputs(name, size, dtype)
    t = _tensors(name, size, dtype) if impl.startswith("torch") else None
    fn = bc.bind(k.case, k.direction, impl, a, t)
    with bc.num_threads(k.threads):
        yield Prepared(bench_case, fn, a, _expected(name, k.direction, size, dtype))


def pytest_benchmark_update_machine_info(config, machine_info):
    torch = bc.torch_module()
    machine_info["actloss"] = ACTLOSS_CONFIG
    machine_info["numpy"] = np.__version__
    machine_info["torch"] = torch.__version__ if torch is not None else None
    machine_info["jax"] = bc.jax_version()
    machine_info["jax_threads"] = bc.jax_threads()
    machine_info["max_threads"] = bc.max_threads()
