"""Every activation (gelu in both forms), forward and backward, and the np.copyto bandwidth
reference: actloss (out= and allocating), the plain NumPy formula, torch (and its out= call)
and JAX side by side, one pytest-benchmark group per function/direction/dtype/size/threads.
Parametrised in conftest.py from the shared case table, actloss._tools.benchcases."""
FAMILY = "activation"


def test_activation(benchmark, bench):
    bench.run(benchmark)
