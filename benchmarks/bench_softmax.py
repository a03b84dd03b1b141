"""softmax, log_softmax, softmin, forward and backward: actloss (out= and allocating), the
plain NumPy formula, torch (and its out= call) and JAX side by side, one pytest-benchmark
group per function/direction/dtype/shape/threads. Parametrised in conftest.py from the shared
case table, actloss._tools.benchcases."""
FAMILY = "softmax"


def test_softmax(benchmark, bench):
    bench.run(benchmark)
