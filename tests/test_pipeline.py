"""The pipeline benchmark (issue 10): the MLP steps compute what torch computes, and
`python -m actloss bench --pipeline` reports the ratios and checks the committed floor."""
import json
import os

import numpy as np
import pytest

import actloss as F
from actloss import __main__ as cli
from actloss._tools import pipeline as pl

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("act", pl.ACTIVATIONS)
def test_mlp_steps_match_torch(act):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, pl.D_IN)).astype(np.float32)
    target = rng.integers(0, pl.N_CLASSES, 16)
    mlp = pl.MLP()
    params = pl.torch_model(torch, mlp)
    xt, tt = torch.from_numpy(x), torch.from_numpy(target)
    np.testing.assert_allclose(mlp.infer_step(F, act, x),
                               pl.torch_infer_step(torch, params, act, xt).numpy(),
                               rtol=1e-4, atol=1e-6)
    for _ in range(3):  # the SGD updates agree too
        loss = mlp.train_step(F, act, x, target)
        tloss = pl.torch_train_step(torch, params, act, xt, tt)
        assert loss.dtype == np.float32
        np.testing.assert_allclose(loss, tloss.item(), rtol=1e-4)
    for ours, theirs in zip((mlp.W1, mlp.b1, mlp.W2, mlp.b2), params):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-4, atol=1e-6)


def test_infer_step_does_not_change_the_model():
    mlp = pl.MLP()
    before = [p.copy() for p in (mlp.W1, mlp.b1, mlp.W2, mlp.b2)]
    x = np.random.default_rng(1).standard_normal((8, pl.D_IN)).astype(np.float32)
    for act in pl.ACTIVATIONS:
        p = mlp.infer_step(F, act, x)
        np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    assert all(np.array_equal(a, b) for a, b in zip(before, (mlp.W1, mlp.b1, mlp.W2, mlp.b2)))


def test_cases():
    quick = pl.cases(quick=True)
    assert {c[0] for c in quick} == {"train", "infer"} and all(c[1] == 256 for c in quick)
    full = pl.cases()
    assert {c[2] for c in full} == set(pl.ACTIVATIONS) and {c[1] for c in full} == {64, 256}
    assert {c[3] for c in full} >= {1}


def _bench(tmp_path, capsys, floor):
    path = tmp_path / "floors.json"
    path.write_text(json.dumps({"pipeline_floor": floor}))
    out_json = tmp_path / "p.json"
    status = cli.main(["bench", "--pipeline", "--quick", "--rounds", "1", "--check-floors",
                       str(path), "--json", str(out_json)])
    return status, capsys.readouterr().out, json.loads(out_json.read_text())


def test_bench_pipeline_reports_and_checks_the_floor(tmp_path, capsys):
    status, out, data = _bench(tmp_path, capsys, 0.0)
    assert status == 0 and "pipeline: all" in out
    assert "train" in out and "infer" in out and "1t/default" in out
    records = data["records"]
    assert len(records) == len(pl.cases(quick=True))
    for r in records:
        assert r["one_thread_over_default"] > 0
        assert {"actloss", "actloss-1thread"} <= set(r["ms_per_step"])
    status, out, data = _bench(tmp_path, capsys, 1e9)
    assert status == 1 and "PIPELINE FLOOR FAILED" in out and data["failed"]


def test_committed_pipeline_floor():
    with open(os.path.join(REPO, "benchmarks", "floors.json")) as f:
        floor = json.load(f)["pipeline_floor"]
    assert 0.5 <= floor <= 1.0
