"""Every loss, forward, backward and fused (*_with_grad): actloss, the plain NumPy formula,
torch and JAX side by side, one pytest-benchmark group per function/direction/dtype/size/
threads. Parametrised in conftest.py from the shared case table, actloss._tools.benchcases."""
FAMILY = "loss"


def test_loss(benchmark, bench):
    bench.run(benchmark)
