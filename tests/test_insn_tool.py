"""tools/insn_per_element.py (issue 12): instructions per element by callgrind.

The profile reader and the table are checked on a hand-written callgrind profile, always. The
tool itself runs under valgrind only where ACTLOSS_INSN_TEST=1 is set (and valgrind and a C
compiler are installed): even a tiny row costs about half a minute under valgrind, too long for
every CI run.
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest

TOOL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools",
                    "insn_per_element.py")


@pytest.fixture(scope="module")
def tool():
    if not os.path.exists(TOOL):
        pytest.skip("tools/ is not shipped (an installed wheel's tests)")
    spec = importlib.util.spec_from_file_location("insn_per_element", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Two functions and JIT code; main calls loop (the call's inclusive cost, 900, is loop's, not
# main's own). Names are compressed: "(id) name" on first use, "(id)" after.
_PROFILE = """# callgrind format
version: 1
creator: callgrind-3.19.0
positions: line
events: Ir
summary: 1005
totals: 1005

ob=(1) /lib/libx.so
fl=(1) x.c
fn=(1) main
10 40
+2 60
cfn=(2) loop
calls=1 0
* 900

ob=(1)
fl=(1)
fn=(2)
20 700
-3 200

ob=(2) ???
fn=(3) 0x000000002e5e3000
0 5
"""


def test_parse_profile_self_costs(tool, tmp_path):
    path = tmp_path / "callgrind.out.1"
    path.write_text(_PROFILE)
    total, costs = tool.parse_profile(str(path))
    assert total == 1005
    # code without a symbol in no object (a JIT's) is one function, whatever its address
    assert costs == {"main [libx.so]": 100, "loop [libx.so]": 900, "unnamed_jit_code [???]": 5}


def test_hot_symbol_is_the_largest_growth(tool):
    small = {"a [x.so]": 100, "b [x.so]": 50}
    big = {"a [x.so]": 150, "b [x.so]": 250}
    name, share = tool._hot(small, big, growth=250)
    assert name == "b [x.so]" and share == pytest.approx(0.8)
    assert tool._short("f<int, g<h>>(float*, long) [lib.so]") == "f<>() [lib.so]"
    assert tool._short("g [m.cpython-311-x86_64-linux-gnu.so]") == "g [m.so]"


def test_report_table(tool):
    entry = {"ir": 4.0, "hot": "al_silu [x.so]", "hot_share": 0.99}
    data = {"accuracy": "accurate", "sizes": [1000, 2000], "elapsed_s": 1.0,
            "info": {"actloss_isa": "avx2"}, "isa_env": tool.ISA_ENV, "skipped": {},
            "missing": {"torch": "torch is not installed"},
            "rows": [{"case": "silu", "direction": "forward", "dtype": "float32",
                      "actloss": entry, "numpy": dict(entry, ir=10.0), "torch": None}]}
    text = tool.report(data)
    assert "no torch column" in text and "torch Ir/elt" not in text
    row = next(line for line in text.splitlines() if line.startswith("| silu forward"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:4] == ["4.0", "10.0", "2.50"]    # actloss, numpy, numpy/actloss
    times = {("silu", "forward", "float32"): {"torch": 1.5, "numpy": 3.0, "best": 1.5,
                                              "best_peer": "torch", "runs": 1}}
    assert "| 1.50 (torch) |" in tool.report(dict(data, missing={}), times)


def test_bench_ratios_median_over_runs(tool, tmp_path):
    def run(path, torch_ratio, best_peer):
        record = {"function": "silu", "direction": "forward", "dtype": "float32",
                  "size": "1e6", "threads": 1, "torch_over_actloss": torch_ratio,
                  "numpy_over_actloss": None, "best_peer_over_actloss": torch_ratio,
                  "best_peer": best_peer}
        other = dict(record, threads=2, torch_over_actloss=100.0)   # not a 1-thread record
        path.write_text(json.dumps({"records": [record, other]}))
        return str(path)
    paths = [run(tmp_path / f"{i}.json", r, p)
             for i, (r, p) in enumerate([(0.5, "jax"), (2.0, "torch"), (0.7, "torch")])]
    (entry,) = tool.bench_ratios(paths).values()
    assert entry == {"torch": 0.7, "numpy": None, "best": 0.7, "best_peer": "torch", "runs": 3}


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("ACTLOSS_INSN_TEST"),
                    reason="runs valgrind (about 30 s); set ACTLOSS_INSN_TEST=1")
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_tool_counts_one_row(tool, tmp_path):
    pytest.importorskip("actloss._tools.benchcases")
    out = tmp_path / "insn.json"
    # NumPy only beside actloss: torch's import alone takes minutes under valgrind
    proc = subprocess.run([sys.executable, TOOL, "-f", "silu", "--dtype", "float32",
                           "--direction", "forward", "--impl", "actloss", "--impl", "numpy",
                           "--sizes", "4000", "8000", "--json", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    (row,) = data["rows"]
    assert (row["case"], row["direction"], row["dtype"]) == ("silu", "forward", "float32")
    # an AVX2 loop of an exp-based function: a few to a few dozen instructions per element
    for impl in ("actloss", "numpy"):
        assert 1 < row[impl]["ir"] < 200, (impl, row[impl])
    assert "silu" in row["actloss"]["hot"]
    assert data["info"]["actloss_isa"] in ("avx2", "baseline")
    assert "| silu forward float32 |" in proc.stdout
