"""The benchmark machinery: the shared case table (every public function, formulas that agree
with actloss), ``python -m actloss bench`` (runs, JSON fields, peer ratios, summary, --plot,
--from-json, filters, bad input), the CI floors check, and the paths without torch, JAX,
SciPy or matplotlib. No timing asserts: tiny filters, 1 round.
"""
import functools
import io
import json
import os
import runpy
import subprocess
import sys

import numpy as np
import pytest

import actloss
from actloss import _dispatch
from actloss._tools import bench as _bench
from actloss._tools import benchcases as bc
from actloss.__main__ import EXIT_BROKEN_PIPE, _parser, main

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLOORS = os.path.join(REPO, "benchmarks", "floors.json")

# every (case, direction, dtype) of the table, at the smallest size of its kind
TABLE = [(c.name, d, dtype) for c in bc.cases() for d in c.directions for dtype in bc.DTYPES]


def _run(capsys, *argv):
    """python -m actloss bench --quick --rounds 1 <argv>: (exit status, stdout)."""
    status = main(["bench", "--quick", "--rounds", "1", *argv])
    return status, capsys.readouterr().out


# ---- the table ----------------------------------------------------------------------------------

def test_table_covers_every_public_function():
    assert bc.uncovered_functions() == []
    fused = {c.api + "_with_grad" for c in bc.cases() if c.fused}
    assert fused == {n for n in actloss.__all__ if n.endswith("_with_grad")}
    for c in bc.cases():
        assert c.api is None or c.np_bwd is not None, c.name
        assert c.kind in bc.SIZES and c.family in ("activation", "softmax", "loss"), c.name


def test_every_public_row_has_its_generated_case():
    """The op table's public elementwise rows make their own cases (_bench_activations)."""
    from actloss import _ops
    from actloss._tools import bench_activations as _bench_activations
    rows = [op for op in _ops.UNARY if op.public]
    generated = {c.api for c in _bench_activations.ROW_CASES}
    assert generated == {op.name for op in rows}
    for op in rows:
        c = bc.case(op.name)
        assert c.family == "activation" and c.directions == ("forward", "backward")
        assert c.saves == ("y" if op.saves_output else "x")
        assert set(c.params) == {p.name for p in op.params} | {o[0] for o in op.options}
        assert all(c.params[p.name] == p.default for p in op.params if p.default != _ops.REQUIRED)


def test_table_has_gelu_tanh_and_the_copy_reference():
    assert bc.case("gelu_tanh").params == {"approximate": "tanh"}
    assert bc.case("copy").api is None and bc.case("copy").directions == ("forward",)


@pytest.mark.parametrize("name,direction,dtype", TABLE)
def test_numpy_formula_and_alloc_agree_with_actloss(name, direction, dtype):
    """Guards the table: a wrong formula would give a meaningless ratio."""
    c = bc.case(name)
    a = bc.inputs(c, bc.SIZES[c.kind][0], dtype)
    expect = bc.expected(c, direction, a)
    for impl in ("actloss", "actloss-alloc", "numpy"):
        fn = bc.bind(c, direction, impl, a)
        if impl in bc.implementations(c, direction) and not bc.missing_dependency(c, impl):
            bc.check_agreement(c, direction, impl, fn(), expect)
        else:
            assert fn is None


@pytest.mark.parametrize("name,direction,dtype", [k for k in TABLE if bc.case(k[0]).api])
def test_torch_call_agrees_with_actloss(name, direction, dtype):
    pytest.importorskip("torch")
    c = bc.case(name)
    a = bc.inputs(c, bc.SIZES[c.kind][0], dtype)
    bc.check_agreement(c, direction, "torch", bc.bind(c, direction, "torch", a)(),
                       bc.expected(c, direction, a))


def test_check_agreement_rejects_a_wrong_result():
    c = bc.case("silu")
    a = bc.inputs(c, 1000, "float32")
    expect = bc.expected(c, "forward", a)
    with pytest.raises(AssertionError, match="silu forward numpy"):
        bc.check_agreement(c, "forward", "numpy", expect[0] * 1.001, expect)
    with pytest.raises(AssertionError, match="dtype"):
        bc.check_agreement(c, "forward", "numpy", expect[0].astype(np.float64), expect)


def test_traffic_bytes_counts_inputs_and_results():
    relu = bc.case("relu")
    a = bc.inputs(relu, 1000, "float32")
    assert bc.traffic_bytes(relu, "forward", a, bc.expected(relu, "forward", a)) == 8000
    assert bc.traffic_bytes(relu, "backward", a, bc.expected(relu, "backward", a)) == 12000
    mse = bc.case("mse_loss")
    a = bc.inputs(mse, 1000, "float64")
    assert bc.traffic_bytes(mse, "forward", a, bc.expected(mse, "forward", a)) == 16008


def test_sizes_round_trip():
    for label in bc.all_size_labels():
        assert bc.size_label(bc.parse_size(label)) == label
    assert bc.parse_size("10^6") == bc.parse_size("1000000") == 10**6
    assert bc.parse_size("64*32000") == (64, 32000)
    for bad in ("1.5", "2.5e0", "0", "1x2x3"):
        with pytest.raises(ValueError):
            bc.parse_size(bad)


def test_num_threads_restores():
    before = actloss.get_num_threads()
    with bc.num_threads(1):
        assert actloss.get_num_threads() == 1
    assert actloss.get_num_threads() == before


def test_median_time_times_every_callable():
    times = bc.median_time({"a": lambda: None, "b": lambda: sum(range(100))}, repeats=3,
                           min_time=1e-4, warmup_time=1e-3)
    assert set(times) == {"a", "b"} and all(0 < t < 1e-3 for t in times.values())


# ---- selection ----------------------------------------------------------------------------------

def _plan(*argv):
    return _bench.plan(_parser().parse_args(["bench", *argv]))


def test_full_selection_is_every_case_size_dtype_thread_count():
    keys = bc.select()
    expected = sum(len(c.directions) * len(bc.SIZES[c.kind]) for c in bc.cases())
    assert len(keys) == expected * len(bc.DTYPES) * len(bc.thread_counts())
    assert len({k.id for k in keys}) == len(keys)


def test_filters_select_what_they_say():
    # (the np.copyto reference joins where a 10^7 case needs its bandwidth)
    assert {k.case.name for k in _plan("-f", "gelu*")} == {"gelu", "gelu_tanh", "copy"}
    assert {k.case.name for k in _plan("-f", "gelu_tanh", "--quick")} == {"gelu_tanh"}
    # a glob matches the function name too: the option-path cases call cross_entropy (the
    # spatial one, over 10^7 elements too, brings the copy reference)
    assert {k.case.name for k in _plan("-f", "cross_entropy")} == {
        "cross_entropy", "cross_entropy_probs", "cross_entropy_weighted",
        "cross_entropy_smoothing", "cross_entropy_spatial", "copy"}
    keys = _plan("-f", "softmax", "--size", "1000x1000", "--dtype", "float64", "--threads", "1",
                 "--direction", "backward")
    assert [k.id for k in keys] == ["softmax/backward/float64/1000x1000/t1"]
    assert {k.size for k in _plan("--size", "10^5")} == {10**5}


def test_quick_is_a_small_slice_that_filters_override():
    quick = _plan("--quick")
    assert {k.dtype for k in quick} == {"float32"} and {k.threads for k in quick} == {1}
    assert {k.size for k in quick} == {s for sizes in bc.QUICK["sizes"].values() for s in sizes}
    assert {k.case.name for k in quick} == {c.name for c in bc.cases()}
    assert {k.threads for k in _plan("--quick", "--threads", "2")} == {2}
    assert {k.size for k in _plan("--quick", "--size", "1e6")} == {10**6}


def test_copy_reference_added_for_bandwidth():
    keys = _plan("-f", "relu", "--size", "1e7", "--dtype", "float32", "--threads", "1")
    assert [k.id for k in keys] == ["copy/forward/float32/1e7/t1", "relu/forward/float32/1e7/t1",
                                    "relu/backward/float32/1e7/t1"]


def test_bandwidth_fraction_is_relative_to_copy():
    def rec(function, api, bytes_per_s, impl):
        return {"function": function, "api": api, "dtype": "float32", "size": "1e7",
                "elements": 10**7, "shape": [10**7], "threads": 1,
                "bytes_per_s": {impl: bytes_per_s}, "bandwidth_fraction": None}
    records = [rec("copy", None, 20e9, "numpy"), rec("relu", "relu", 15e9, "actloss")]
    _bench._bandwidth_fractions(records)
    assert records[0]["bandwidth_fraction"] is None
    assert records[1]["bandwidth_fraction"] == pytest.approx(0.75)


@pytest.mark.parametrize("argv", [["-f", "nosuch"], ["--size", "7x7"], ["--size", "big"],
                                  ["--threads", "0"], ["--dtype", "float16"],
                                  ["--direction", "sideways"], ["-f", "relu", "--size", "100x10"],
                                  ["--check-floors", "a", "--write-floors", "b"]])
def test_bad_input_is_an_argparse_error(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(["bench", *argv])
    assert e.value.code == 2
    assert "error:" in capsys.readouterr().err


# ---- the command --------------------------------------------------------------------------------

RECORD_FIELDS = {"id", "function", "api", "family", "direction", "dtype", "size", "shape",
                 "elements", "threads", "bytes", "median_s", "elements_per_s", "bytes_per_s",
                 "torch_over_actloss", "torch_out_over_actloss", "jax_over_actloss",
                 "numpy_over_actloss", "best_peer", "best_peer_over_actloss",
                 "bandwidth_fraction"}


def _check_ratios(r):
    """A record's ratio fields are its peers' median times over actloss's; best_peer is the
    fastest of the peers timed."""
    t = r["median_s"]
    for peer in _bench.PEERS:
        ratio = r[_bench.ratio_field(peer)]
        assert ratio == (pytest.approx(t[peer] / t["actloss"]) if peer in t else None), peer
    peers = {p: t[p] for p in _bench.PEERS if p in t}
    assert r["best_peer"] == min(peers, key=peers.get)
    assert r["best_peer_over_actloss"] == pytest.approx(min(peers.values()) / t["actloss"])


def test_bench_runs_and_writes_json(tmp_path, capsys):
    path = tmp_path / "bench.json"
    status, out = _run(capsys, "-f", "relu", "-f", "mse_loss", "--size", "1e3", "--json",
                       str(path))
    assert status == 0
    assert "function" in out and "numpy/al" in out and "kernels" in out
    rows = [line.split()[:2] for line in out.splitlines() if line.startswith(("relu ", "mse"))]
    assert rows == [["relu", "forward"], ["relu", "backward"], ["mse_loss", "forward"],
                    ["mse_loss", "backward"], ["mse_loss", "fused"]]
    data = json.loads(path.read_text())
    assert data["schema"] == _bench.JSON_SCHEMA
    assert {"cpu", "usable_cpus", "actloss", "numpy", "torch", "jax", "jax_threads",
            "scipy"} <= set(data["machine"])
    assert data["settings"]["quick"] and data["settings"]["rounds"] == 1
    assert [r["id"] for r in data["records"]] == ["relu/forward/float32/1e3/t1",
                                                 "relu/backward/float32/1e3/t1",
                                                 "mse_loss/forward/float32/1e3/t1",
                                                 "mse_loss/backward/float32/1e3/t1",
                                                 "mse_loss/fused/float32/1e3/t1"]
    for r in data["records"]:
        assert RECORD_FIELDS <= set(r)
        assert {"actloss", "numpy"} <= set(r["median_s"])
        assert r["numpy_over_actloss"] == pytest.approx(r["median_s"]["numpy"] /
                                                        r["median_s"]["actloss"])
        assert r["bytes_per_s"]["actloss"] == pytest.approx(r["bytes"] /
                                                            r["median_s"]["actloss"])
        _check_ratios(r)
    relu_fwd = data["records"][0]
    assert set(relu_fwd["median_s"]) >= {"actloss", "actloss-alloc"}
    assert relu_fwd["elements"] == 1000 and relu_fwd["bytes"] == 8000


def test_list_does_not_measure(capsys):
    assert main(["bench", "--quick", "-f", "glu", "--list"]) == 0
    header, glu, count = capsys.readouterr().out.splitlines()
    assert header.split() == ["case", "directions", "dtypes", "sizes", "threads", "note"]
    assert glu.split()[:5] == ["glu", "forward,backward", "float32", "1e3,1e5", "1"]
    assert "halved along the last axis" in glu and count == "4 measurements"


def test_without_torch_jax_and_scipy(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(bc, "_torch", False)           # torch_module() -> None
    monkeypatch.setattr(bc, "_jax", False)             # jax_module() -> None
    monkeypatch.setattr(bc, "_scipy_special", False)   # scipy_special() -> None
    path = tmp_path / "b.json"
    status, out = _run(capsys, "-f", "gelu", "--direction", "forward", "--size", "1e3",
                       "--json", str(path))
    assert status == 0
    assert "torch is not installed" in out and "SciPy is not installed" in out
    assert "jax is not installed: its columns show '-'" in out
    data = json.loads(path.read_text())
    assert data["machine"]["jax"] is None
    gelu, gelu_tanh = data["records"]                  # -f gelu matches both
    assert set(gelu["median_s"]) == {"actloss", "actloss-alloc"}
    assert gelu["torch_over_actloss"] is None and gelu["numpy_over_actloss"] is None
    assert gelu["jax_over_actloss"] is None and gelu["best_peer_over_actloss"] is None
    assert set(gelu_tanh["median_s"]) == {"actloss", "actloss-alloc", "numpy"}
    assert gelu_tanh["best_peer"] == "numpy"
    row = next(line.split() for line in out.splitlines() if line.startswith("gelu "))
    assert row[7:] == ["-"] * 8     # after actloss's time: no peer's time, ratio or best


# ---- the peers: torch with out=, JAX; best peer, summary, --plot, --from-json ---------------------

@pytest.mark.parametrize("name,dtype", [(c.name, dtype) for c in bc.cases() if c.torch_out
                                        for dtype in bc.DTYPES])
def test_torch_out_agrees_with_actloss(name, dtype):
    pytest.importorskip("torch")
    c = bc.case(name)
    a = bc.inputs(c, bc.SIZES[c.kind][0], dtype)
    assert "torch-out" in bc.implementations(c, "forward")
    assert "torch-out" not in bc.implementations(c, "backward")
    bc.check_agreement(c, "forward", "torch-out", bc.bind(c, "forward", "torch-out", a)(),
                       bc.expected(c, "forward", a))


def test_torch_out_only_where_torch_has_an_out_call():
    names = {c.name for c in bc.cases() if c.torch_out}
    assert {"sigmoid", "tanh", "gelu", "gelu_tanh", "silu", "softmax", "log_softmax"} <= names
    assert not names & {"softsign", "selu", "rrelu", "prelu", "mse_loss", "cross_entropy"}


# a few cases of each kind: jax.nn defaults, _JAX_FORWARD formulas, two gradients, integer
# targets, a fused step, matmuls; both dtypes (float64 needs jax_enable_x64)
JAX_CASES = [("gelu", "forward"), ("gelu_tanh", "backward"), ("softplus", "backward"),
             ("leaky_relu", "backward"), ("prelu", "backward"), ("glu", "forward"),
             ("softmin", "backward"), ("cross_entropy", "fused"), ("gaussian_nll_loss",
             "backward"), ("sigmoid_focal_loss", "backward"), ("info_nce", "backward")]


@pytest.mark.parametrize("dtype", bc.DTYPES)
@pytest.mark.parametrize("name,direction", JAX_CASES)
def test_jax_agrees_with_actloss(name, direction, dtype):
    pytest.importorskip("jax")
    c = bc.case(name)
    a = bc.inputs(c, bc.SIZES[c.kind][0], dtype)
    got = bc.bind(c, direction, "jax", a)()
    assert all(type(r).__module__.startswith("jax") for r in bc.as_tuple(got))
    bc.check_agreement(c, direction, "jax", got, bc.expected(c, direction, a))


def test_jax_leaves_out_cases_without_a_formula():
    pytest.importorskip("jax")
    for name in ("rrelu", "multilabel_margin_loss"):
        c = bc.case(name)
        assert bc.bind(c, "forward", "jax", bc.inputs(c, bc.SIZES[c.kind][0], "float32")) is None
        assert bc.missing_dependency(c, "jax") == f"jax has no {c.api} (and the case no JAX " \
                                                  "formula)"
    # linear_cross_entropy: its bias is a keyword argument, which the JAX side (gradients of
    # positional arguments only) does not take; ctc_loss: jax.nn has none (optax's is not a
    # dependency), its peer is torch
    assert {c.name for c in bc.cases() if c.api and bc.missing_dependency(c, "jax")} == \
        {"rrelu", "multilabel_margin_loss", "linear_cross_entropy", "ctc_loss"}


def test_peer_ratios_and_best_peer():
    ratios = _bench.peer_ratios({"actloss": 2.0, "actloss-alloc": 1.0, "torch": 4.0,
                                 "torch-out": 3.0, "jax": 1.5, "numpy": 8.0})
    assert ratios == {"torch_over_actloss": 2.0, "torch_out_over_actloss": 1.5,
                      "jax_over_actloss": 0.75, "numpy_over_actloss": 4.0, "best_peer": "jax",
                      "best_peer_over_actloss": 0.75}
    assert _bench.peer_ratios({"actloss": 2.0, "numpy": 3.0})["best_peer_over_actloss"] == 1.5
    assert _bench.peer_ratios({"numpy": 3.0})["best_peer"] is None    # the copy reference


def test_bench_times_jax_and_torch_out(tmp_path, capsys):
    """At jax's thread count the jax and torch-out peers are timed; the table has their
    columns and the JSON their fields."""
    pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
    bc.jax_module()                                  # started: jax_threads() is the client's
    path = tmp_path / "b.json"
    status, out = _run(capsys, "-f", "sigmoid", "-f", "mse_loss", "--size", "1e3", "--threads",
                       str(bc.jax_threads()), "--json", str(path))
    assert status == 0
    header = next(line.split() for line in out.splitlines() if line.startswith("function"))
    assert header == ["function", "direction", "dtype", "size", "thr", "actloss", "torch", "jax",
                      "numpy", "torch/al", "jax/al", "numpy/al", "best/al", "bw"]
    assert f"jax {jax.__version__}" in out
    assert all(len(line) < 150 for line in out.splitlines() if "µs" in line or "ms" in line)
    data = json.loads(path.read_text())
    assert data["machine"]["jax"] == jax.__version__
    assert data["machine"]["jax_threads"] == bc.jax_threads()
    by_id = {r["id"]: r for r in data["records"]}
    assert set(by_id[f"sigmoid/forward/float32/1e3/t{bc.jax_threads()}"]["median_s"]) == {
        "actloss", "actloss-alloc", "numpy", "torch", "torch-out", "jax"}
    for r in data["records"]:
        assert RECORD_FIELDS <= set(r) and "jax" in r["median_s"], r["id"]
        _check_ratios(r)


def test_jax_is_timed_only_at_its_thread_count(capsys, tmp_path):
    pytest.importorskip("jax")
    bc.jax_module()
    other = 2 if bc.jax_threads() == 1 else 1
    path = tmp_path / "b.json"
    status, out = _run(capsys, "-f", "tanh", "--size", "1e3", "--threads", str(other),
                       "--json", str(path))
    assert status == 0
    assert f"XLA cannot change its CPU threads once started; they were {bc.jax_threads()}" in out
    assert all("jax" not in r["median_s"] and r["jax_over_actloss"] is None
               for r in json.loads(path.read_text())["records"])


def test_jax_client_on_one_thread():
    """With every thread count 1, jax's CPU client starts with one thread while the process
    is held to one core; afterwards every thread may run on every core again."""
    pytest.importorskip("jax")
    if not bc._can_pin():
        pytest.skip("no sched_setaffinity or /proc/self/task here")
    code = ("import os; from actloss._tools import benchcases as bc; bc.want_jax_threads({1}); "
            "bc.jax_module(); print(bc.jax_threads()); "
            "print(sorted({open(f'/proc/self/task/{t}/status').read().split('Cpus_allowed_list:')"
            "[1].split()[0] for t in os.listdir('/proc/self/task')}))")
    status, out, err = _python("-c", code)
    assert status == 0, err
    threads, masks = out.splitlines()
    cores = open("/proc/self/status").read().split("Cpus_allowed_list:")[1].split()[0]
    assert threads == "1" and masks == repr([cores])


SUMMARY_TIMES = [{"actloss": 1.0, "torch": 2.0, "numpy": 0.5},
                 {"actloss": 1.0, "torch": 0.8, "numpy": 3.0},
                 {"actloss": 1e-6, "torch": 3e-6, "jax": 4e-6},
                 {"numpy": 1e-6}]                     # the copy reference: no ratio


def _bench_file(path, times=SUMMARY_TIMES):
    """A --json file of the format before jax: no jax, torch-out or best fields."""
    records = [{"id": f"relu/forward/float32/1e{n}/t1", "function": "relu", "api": "relu",
                "direction": "forward", "dtype": "float32", "size": f"1e{n}", "threads": 1,
                "median_s": t, "bandwidth_fraction": None} for n, t in enumerate(times)]
    machine = _bench.machine_info()
    for key in ("jax", "jax_threads"):
        del machine[key]
    path.write_text(json.dumps({"schema": _bench.JSON_SCHEMA, "machine": machine,
                                "settings": {"rounds": 3}, "records": records}))
    return str(path)


def test_summary_lines():
    records = [{**_bench.peer_ratios(t)} for t in SUMMARY_TIMES]
    assert _bench.summary_lines(records) == [
        "median torch/actloss 2.00 (1 of 3 rows below 1.0)",
        "median jax/actloss 4.00 (0 of 1 rows below 1.0)",
        "median numpy/actloss 1.75 (1 of 2 rows below 1.0)",
        "median best/actloss 0.80 (2 of 3 rows below 1.0)"]


def test_from_json_of_an_earlier_file_prints_table_and_summary(tmp_path, capsys):
    status = main(["bench", "--from-json", _bench_file(tmp_path / "old.json")])
    out = capsys.readouterr().out
    assert status == 0 and "over 3 rounds (1 thread: interleaved" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("relu ")]
    assert [row[-2] for row in rows] == ["0.50", "0.80", "3.00", "-"]        # best/al
    assert out.rstrip().endswith("median best/actloss 0.80 (2 of 3 rows below 1.0)")
    assert "median torch/actloss 2.00 (1 of 3 rows below 1.0)" in out


def test_bench_plot_and_from_json_round_trip(tmp_path, capsys):
    """--plot writes a PNG; --from-json of the run's --json prints the same table and summary
    and plots it again without measuring."""
    pytest.importorskip("matplotlib")
    path, png, again = tmp_path / "b.json", tmp_path / "p.png", tmp_path / "again.png"
    status, out = _run(capsys, "-f", "relu", "-f", "nll_loss", "--size", "1e3", "--size",
                       "100x10", "--json", str(path), "--plot", str(png))
    assert status == 0
    assert "\nmedian numpy/actloss " in out and "\nmedian best/actloss " in out
    assert main(["bench", "--from-json", str(path), "--plot", str(again)]) == 0
    replay = capsys.readouterr().out
    assert replay == out.rsplit("\n\n", 1)[0] + "\n"     # all but the run's "measurements in"
    for p in (png, again):
        head = p.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
        width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        assert width > 600 and height > 150


def test_plot_draws_a_bar_per_function_and_direction(tmp_path):
    pytest.importorskip("matplotlib")
    from actloss._tools import benchplot
    records = [dict(r, **_bench.peer_ratios(r["median_s"]))
               for r in json.loads(open(_bench_file(tmp_path / "b.json")).read())["records"]]
    records[1].update(function="mse_loss", direction="backward")
    assert benchplot.medians(records, "torch") == {("relu", "forward"): 2.5,
                                                   ("mse_loss", "backward"): 0.8}
    assert benchplot.medians(records, "best") == {("relu", "forward"): 1.75,
                                                  ("mse_loss", "backward"): 0.8}
    benchplot.plot(records, _bench.machine_info(), str(tmp_path / "p.png"))
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="no record has a ratio"):
        benchplot.plot(records[3:], _bench.machine_info(), str(tmp_path / "q.png"))


def test_plot_without_matplotlib_is_an_argparse_error(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)     # import matplotlib fails
    with pytest.raises(SystemExit) as e:
        main(["bench", "--quick", "-f", "relu", "--plot", str(tmp_path / "p.png")])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "--plot needs matplotlib" in err and "pip install" in err
    assert not (tmp_path / "p.png").exists()


@pytest.mark.parametrize("argv", [["--quick"], ["-f", "relu"], ["--json", "x.json"],
                                  ["--check-floors", "f.json"], ["--pipeline"]])
def test_from_json_does_not_measure(argv, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["bench", "--from-json", _bench_file(tmp_path / "b.json"), *argv])
    assert e.value.code == 2
    assert "--from-json reads an earlier measurement" in capsys.readouterr().err


def test_from_json_of_another_file_is_an_argparse_error(tmp_path, capsys):
    path = tmp_path / "pipeline.json"
    path.write_text(json.dumps({"machine": {}, "records": [{"id": "mlp/train"}]}))
    for bad in (str(path), str(tmp_path / "missing.json")):
        with pytest.raises(SystemExit) as e:
            main(["bench", "--from-json", bad])
        assert e.value.code == 2
        assert "cannot read bench records" in capsys.readouterr().err


# ---- floors -------------------------------------------------------------------------------------

def _floors(tmp_path, value):
    path = tmp_path / "floors.json"
    path.write_text(json.dumps({"floors": {"relu/forward/float32/1e3/t1": value}}))
    return str(path)


def test_floors_pass_on_a_trivial_floor(tmp_path, capsys):
    status, out = _run(capsys, "-f", "relu", "--size", "1e3", "--direction", "forward",
                       "--check-floors", _floors(tmp_path, 0.0))
    assert status == 0 and "all 1 cases at or above their floor" in out


def test_floors_fail_on_an_impossible_floor(tmp_path, capsys):
    status, out = _run(capsys, "-f", "relu", "--size", "1e3", "--direction", "forward",
                       "--check-floors", _floors(tmp_path, 1e9))
    assert status == 1
    assert "FLOORS FAILED" in out and "relu/forward/float32/1e3/t1" in out


def test_floors_fail_when_no_case_has_one(tmp_path, capsys):
    status, out = _run(capsys, "-f", "silu", "--size", "1e3", "--direction", "forward",
                       "--check-floors", _floors(tmp_path, 0.0))
    assert status == 1 and "none of the measured cases has a floor" in out


def test_write_floors_then_check(tmp_path, capsys):
    path = str(tmp_path / "floors.json")
    status, out = _run(capsys, "-f", "tanh", "--size", "1e3", "--write-floors", path)
    assert status == 0 and "wrote 2 floors" in out
    section = json.loads(open(path).read())["hosts"][_dispatch.ISA]
    assert set(section["floors"]) == {"tanh/forward/float32/1e3/t1",
                                      "tanh/backward/float32/1e3/t1"}
    for key, floor in section["floors"].items():
        assert 0 <= floor <= _bench.FLOOR_MARGIN * section["measured"][key] + 0.01
        assert floor <= _bench.FLOOR_CAP
    assert _run(capsys, "-f", "tanh", "--size", "1e3", "--check-floors", path)[0] == 0


def test_floors_are_kept_per_host_class(tmp_path, monkeypatch):
    """NumPy's vector loops differ between AVX2 and AVX-512 hosts as much as ours: each host
    class has its floors; writing one keeps the others; a class without floors of its own gets
    each case's lowest floor."""
    path = str(tmp_path / "floors.json")
    machine = {"actloss": {"isa": "avx2"}}
    run = [[{"id": "a", "numpy_over_actloss": 1.0}, {"id": "b", "numpy_over_actloss": 0.4}]]
    _bench.write_floors(path, run, machine, {})
    run = [[{"id": "a", "numpy_over_actloss": 0.6}, {"id": "b", "numpy_over_actloss": 3.0}]]
    _bench.write_floors(path, run, {"actloss": {"isa": "avx512"}}, {})
    data = _bench.read_floors_file(path)
    assert _bench.floors_for(data, "avx2") == {"a": 0.5, "b": 0.2}
    assert _bench.floors_for(data, "avx512") == {"a": 0.3, "b": 1.0}
    assert _bench.floors_for(data, "baseline") == {"a": 0.3, "b": 0.2}
    # the one-host format of earlier files still reads
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"machine": machine, "floors": {"a": 0.7}}))
    assert _bench.floors_for(_bench.read_floors_file(str(old)), "avx512") == {"a": 0.7}


def test_committed_floors_cover_the_quick_slice():
    """A case added to the table without regenerating benchmarks/floors.json fails here, for
    every host class that has floors; the AVX2 and AVX-512 classes both do."""
    hosts = _bench.read_floors_file(FLOORS)["hosts"]
    assert {"avx2", "avx512"} <= set(hosts)
    quick = {k.id for k in bc.select(quick=True) if k.case.api is not None}
    for key, section in hosts.items():
        floors = section["floors"]
        assert set(floors) == quick, key
        assert max(floors.values()) <= _bench.FLOOR_CAP
        assert all(v >= 0 for v in floors.values())
        assert section["machine"]["actloss"]["isa"] == key


# ---- the command line as a shell runs it (issue 9, section 5) -----------------------------------

# where actloss was imported from, so that a child process imports the same one
ACTLOSS_PATH = os.path.dirname(os.path.dirname(os.path.abspath(actloss.__file__)))
# as if torch were not installed: `import torch` raises ImportError
HIDE_TORCH = "import sys; sys.modules['torch'] = None; "
HIDE_JAX = "sys.modules['jax'] = None; "


def _python(*argv, stdout=subprocess.PIPE, cwd=None, unbuffered=None):
    """`python *argv` in a child process importing this actloss: (status, stdout, stderr).
    unbuffered: PYTHONUNBUFFERED set or unset (default: as here)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (ACTLOSS_PATH, os.environ.get("PYTHONPATH")) if p))
    if unbuffered is not None:
        env.pop("PYTHONUNBUFFERED", None)
        env.update({"PYTHONUNBUFFERED": "1"} if unbuffered else {})
    proc = subprocess.run([sys.executable, *argv], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, timeout=300, cwd=cwd, env=env)
    return proc.returncode, proc.stdout, proc.stderr


def _without_torch(module, *argv, cwd=None, hide=HIDE_TORCH):
    """`python -m module *argv` with torch (or what `hide` hides) hidden."""
    code = (hide + "import runpy; sys.argv = sys.argv[1:]; "
            "runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)")
    return _python("-c", code, module, *argv, cwd=cwd)


@pytest.mark.parametrize("argv,unbuffered", [
    (["--no-speed"], False), (["--no-speed"], True), (["bench", "--list", "--quick"], False),
    (["bench", "--help"], False), (["bench", "--help"], True),
    (["bench", "--quick", "--rounds", "1", "-f", "relu", "--size", "1e3", "--direction",
      "forward", "--json", "{json}"], False),
], ids=["info", "info-unbuffered", "bench-list", "bench-help", "bench-help-unbuffered",
        "bench-json"])
def test_closed_stdout_exits_quietly(argv, unbuffered, tmp_path):
    """`python -m actloss ... | head`: the reader of stdout goes away (here before the first
    write, so the test does not depend on timing). No traceback and no "Exception ignored"
    on stderr, the status of a command killed by SIGPIPE (or 0 where argparse ignores the
    failed write of --help itself), the --json file still written."""
    path = tmp_path / "b.json"
    read, write = os.pipe()
    os.close(read)
    try:
        status, _, err = _python("-m", "actloss", *(a.format(json=path) for a in argv),
                                 stdout=write, unbuffered=unbuffered)
    finally:
        os.close(write)
    assert not any(s in err for s in ("Traceback", "Exception ignored", "BrokenPipe")), err
    assert status == EXIT_BROKEN_PIPE or (status == 0 and "--help" in argv)
    if "--json" in argv:
        assert json.loads(path.read_text())["records"][0]["id"] == "relu/forward/float32/1e3/t1"


@pytest.mark.parametrize("rounds", ["0", "-2", "two"])
def test_rounds_below_one_is_an_argparse_error_naming_it(rounds, capsys):
    with pytest.raises(SystemExit) as e:
        main(["bench", "--list", "-f", "relu", "--rounds", rounds])
    assert e.value.code == 2
    assert "argument --rounds: expected a positive integer" in capsys.readouterr().err


def test_threads_above_the_usable_cores_warn_on_stderr(monkeypatch, capsys):
    if hasattr(os, "sched_getaffinity"):
        assert bc.max_threads() == len(os.sched_getaffinity(0))
    monkeypatch.setattr(bc, "max_threads", lambda: 2)
    assert main(["bench", "--list", "-f", "relu", "--threads", "3", "--threads", "1"]) == 0
    out, err = capsys.readouterr()
    assert "--threads 3: more threads than the 2 usable cores" in err
    assert "warning" not in out
    for threads in ("2", "max"):
        assert main(["bench", "--list", "-f", "relu", "--threads", threads]) == 0
        assert capsys.readouterr().err == ""


# ---- every benchmark command without torch (issue 9, section 5) ---------------------------------

def test_bench_command_without_torch(tmp_path):
    path = tmp_path / "b.json"
    status, out, err = _without_torch("actloss", "bench", "--quick", "--rounds", "1", "-f",
                                      "relu", "--size", "1e3", "--json", str(path))
    assert status == 0, err
    assert out.count("torch is not installed") == 1
    data = json.loads(path.read_text())
    assert data["machine"]["torch"] is None
    assert all("torch" not in r["median_s"] for r in data["records"])


def test_speed_table_without_torch(monkeypatch):
    import actloss.__main__ as cli
    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.setattr(bc, "_torch", None)              # forget a torch imported before
    monkeypatch.setattr(cli, "SPEED_SIZE", 1000)
    monkeypatch.setattr(bc, "median_time", functools.partial(bc.median_time, min_time=0,
                                                             warmup_time=0))
    out = io.StringIO()
    cli.speed_table(file=out, repeats=1)
    assert out.getvalue().count("torch is not installed") == 1
    relu = next(line.split() for line in out.getvalue().splitlines() if line.startswith("relu "))
    assert relu[3] == "-" and relu[5] == "-"             # the torch time and torch/al


@pytest.mark.parametrize("script,kwargs", [
    ("preallocated_1e7.py", "n=10**4, rounds=1"),
    ("log_softmax_bandwidth.py", "rows=10, rounds=1, threads=(1,)"),
])
def test_benchmark_script_without_torch(script, kwargs):
    path = os.path.join(REPO, "benchmarks", script)
    status, out, err = _python("-c", HIDE_TORCH + f"import runpy; "
                               f"runpy.run_path({path!r})['main']({kwargs})")
    assert status == 0, err
    assert out.count("torch is not installed") == 1 and "actloss" in out


def test_pytest_benchmarks_without_torch():
    """`pytest benchmarks` leaves the torch rows out and says so once (jax hidden too: its
    row's thread count depends on the machine's cores)."""
    pytest.importorskip("pytest_benchmark")
    status, out, err = _without_torch(
        "pytest", "-q", "-p", "no:cacheprovider", "benchmarks/bench_activations.py",
        "--benchmark-disable",
        "-k", "[relu-forward-float32-1e3-t1-", cwd=REPO, hide=HIDE_TORCH + HIDE_JAX)
    assert status == 0, out + err
    assert out.count("torch is not installed") == 1
    assert "3 passed" in out                 # actloss, actloss-alloc, numpy; no torch row


def test_pytest_benchmarks_without_pytest_benchmark_names_the_extra():
    status, out, err = _python("-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
                               "no:benchmark", "benchmarks/bench_softmax.py", cwd=REPO)
    assert status == pytest.ExitCode.USAGE_ERROR, out + err
    assert "pytest-benchmark" in err and "pip install -e '.[bench]'" in err


def _script(name):
    return runpy.run_path(os.path.join(REPO, "benchmarks", name))


def test_summary_without_torch_timings(tmp_path, capsys):
    """A bench --json measured without torch: the ratios against NumPy, and a note."""
    path = tmp_path / "b.json"
    path.write_text(json.dumps({"records": [
        {"function": "relu", "direction": "forward", "dtype": "float32", "elements": 1000,
         "size": "1e3", "threads": 1, "median_s": {"actloss": 1e-6, "numpy": 3e-6},
         "bandwidth_fraction": None}]}))
    _script("summary.py")["main"]([str(path)])
    out, err = capsys.readouterr()
    assert "| relu | forward | 3.00 |" in out
    assert err.count("no torch timings") == 1


def test_ratios_without_torch_timings(tmp_path, capsys):
    path = tmp_path / "b.json"
    path.write_text(json.dumps({"benchmarks": [
        {"group": "relu/forward/float32/1e3/t1", "extra_info": {"impl": impl},
         "stats": {"median": t}} for impl, t in (("actloss", 1e-6), ("numpy", 2e-6))]}))
    _script("ratios.py")["main"](str(path))
    out = capsys.readouterr().out
    assert "| relu/forward/float32/1e3/t1 | 0.001 | - | 0.002 | - | 2.00 |" in out
    assert out.count("no torch timings") == 1
