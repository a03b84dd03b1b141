"""Every activation, forward and backward: actloss (out= and allocating), the plain NumPy
formula and torch.nn.functional side by side, one pytest-benchmark group per
op/direction/dtype/size/threads. Cases: conftest.py; calls: actloss._benchcases."""
from actloss import _benchcases as bc


def test_activation(benchmark, activation_case, activation_bench, actloss_config):
    c = activation_case
    fn, arrays, expected = activation_bench
    benchmark.group = c.group
    # also the warm-up: a wrong formula or dtype would make the comparison meaningless
    bc.check_agreement(c.op, c.direction, c.impl, fn(), expected)
    benchmark(fn)

    n_bytes = bc.traffic_bytes(c.op, c.direction, arrays)
    info = {"op": c.op, "direction": c.direction, "dtype": c.dtype, "elements": c.n,
            "threads": c.n_threads, "impl": c.impl, "bytes": n_bytes,
            "actloss_config": actloss_config}
    stats = getattr(benchmark.stats, "stats", None)      # None with --benchmark-disable
    if stats is not None and stats.median > 0:
        info["elements_per_s"] = c.n / stats.median
        info["bytes_per_s"] = n_bytes / stats.median
    benchmark.extra_info.update(info)
