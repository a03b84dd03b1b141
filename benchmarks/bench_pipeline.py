"""The loop users run (issue 10): an MLP training and inference step mixing NumPy's BLAS
matmuls with actloss calls -- actloss at its default threads and at one thread, and torch with
the same weights -- one pytest-benchmark group per step/batch/activation/BLAS threads. The
same cases as `python -m actloss bench --pipeline` (actloss._tools.pipeline)."""
import numpy as np
import pytest

import actloss as F
from actloss._tools import benchcases as bc, pipeline as pl

CONTESTANTS = ("actloss", "actloss-1thread", "torch")


@pytest.mark.parametrize("who", CONTESTANTS)
@pytest.mark.parametrize("step, batch, act, threads", pl.cases(),
                         ids=lambda v: str(v))
def test_pipeline(benchmark, step, batch, act, threads, who):
    benchmark.group = f"pipeline/{step}/b{batch}/{act}/t{threads}"
    rng = np.random.default_rng(batch)
    x = rng.standard_normal((batch, pl.D_IN)).astype(np.float32)
    target = rng.integers(0, pl.N_CLASSES, batch)
    mlp = pl.MLP()
    if who == "torch":
        torch = bc.torch_module()
        if torch is None:
            pytest.skip("torch is not installed")
        params = pl.torch_model(torch, mlp)
        xt, tt = torch.from_numpy(x), torch.from_numpy(target)
        fn = ((lambda: pl.torch_train_step(torch, params, act, xt, tt)) if step == "train"
              else (lambda: pl.torch_infer_step(torch, params, act, xt)))
    else:
        def fn():
            if step == "train":
                return mlp.train_step(F, act, x, target)
            return mlp.infer_step(F, act, x)
    with bc.num_threads(threads, actloss_too=False), \
            pl._actloss_threads(1 if who == "actloss-1thread" else None):
        benchmark(fn)
