"""Instructions per element of actloss's elementwise kernels against torch's and NumPy's
(issue 12), counted by valgrind's callgrind.

    python tools/insn_per_element.py                     # the default rows, accurate mode
    python tools/insn_per_element.py --accuracy fast --json fast.json
    python tools/insn_per_element.py -f silu --dtype float32 --direction forward
    python tools/insn_per_element.py --from-json fast.json --times B1.json --times B2.json

(--times: `python -m actloss bench --json` files of the same rows, whose median time ratios
are paired with the instruction ratios; --from-json: the table of an earlier run, unmeasured.)

Each implementation is the one ``python -m actloss bench`` times (the case table of
``actloss._tools.benchcases``: actloss's call with ``out=``, torch's ``torch.nn.functional``
forward and autograd-free ``torch.ops.aten.*_backward``, the row's plain NumPy formula). All
rows run in one Python process under ``valgrind --tool=callgrind``, one thread everywhere.
A measured call runs inside a marker function of a tiny C library built here; callgrind
collects only inside it (``--collect-atstart=no --toggle-collect``) and writes one profile per
call (``--dump-after``). Each implementation is measured at two sizes, N1 and N2 elements
(after two untimed warm-up calls at each), and

    Ir per element = (Ir(N2) - Ir(N1)) / (N2 - N1),

so the per-call overhead (Python, argument checks, allocation, dispatch) cancels and what is
left is the loop's instructions per element, the same at 10^6 elements (the count does not
depend on caches). The hot symbol is the function whose own instructions grew most between the
two calls, with its share of the growth.

valgrind does not emulate AVX-512: under it CPUID hides AVX-512, so every library takes its
AVX2 (x86-64-v3) path; the run also caps them explicitly (ACTLOSS_ISA=avx2,
ATEN_CPU_CAPABILITY=avx2) and prints what each one chose. The counts are those of the AVX2
loops, not of the AVX-512 loops a native run on an AVX-512 machine takes.

The default rows (36, three implementations) took 12 minutes of wall time here, two runs at
once on a busy 2-core machine (a third of it importing torch under valgrind).

Needs valgrind and a C compiler; torch and SciPy are optional (without torch there is no torch
column; without SciPy, gelu's NumPy formula is missing).
"""
import argparse
import fnmatch
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time

IMPLS = ("actloss", "torch", "numpy")
# The elementwise activations of issue 12's table (bench case names; gelu_tanh is
# gelu(approximate="tanh")).
DEFAULT_CASES = ("gelu", "gelu_tanh", "silu", "sigmoid", "tanh", "hardswish", "mish",
                 "softplus", "elu")
DEFAULT_SIZES = (50_000, 100_000)
ISA_ENV = {"ACTLOSS_ISA": "avx2", "ATEN_CPU_CAPABILITY": "avx2"}
MARKER = "actloss_insn_marker"

# The marker: Python calls run() through ctypes; run() calls the marker, which calls back into
# Python. callgrind does not see libffi's call into run() as a call (libffi moves the stack
# itself), but it does see run()'s ordinary call of the marker, so the marker is what it
# toggles on.
_MARKER_C = f"""
typedef void (*callback)(void);
__attribute__((noinline, noipa)) void {MARKER}(callback f) {{
    f();
    __asm__ volatile("" ::: "memory");
}}
void actloss_insn_run(callback f) {{
    {MARKER}(f);
    __asm__ volatile("" ::: "memory");
}}
"""


# ---- the parent: build the marker, run valgrind, read the profiles ------------------------------

def build_marker(directory):
    """Compile the marker library into directory; return its path."""
    src = os.path.join(directory, "marker.c")
    lib = os.path.join(directory, "marker.so")
    with open(src, "w") as f:
        f.write(_MARKER_C)
    cc = (sysconfig.get_config_var("CC") or "cc").split()
    subprocess.run(cc + ["-O1", "-shared", "-fPIC", "-o", lib, src], check=True)
    return lib


def parse_profile(path):
    """(total Ir, {"function [object]": self Ir}) of one callgrind profile.

    The format (callgrind's docs, "Callgrind Format Specification"): names are compressed as
    "(id) name" on first use and "(id)" after; a cost line after "calls=" is the inclusive
    cost of that call, not the caller's own, so it is skipped."""
    names = {"ob": {}, "fn": {}}
    total, costs = 0, {}
    ob = fn = "???"
    skip_next = False
    with open(path) as f:
        for line in f:
            if skip_next:
                skip_next = False
                continue
            head = line[:1]
            if head.isdigit() or head in "+-*":
                parts = line.split()
                if len(parts) > 1:
                    key = f"{fn} [{os.path.basename(ob)}]"
                    costs[key] = costs.get(key, 0) + int(parts[1])
                continue
            m = re.match(r"(c?ob|c?fn)=\((\d+)\)\s*(.*)", line)
            if m:
                kind, ident, name = m.group(1).lstrip("c"), m.group(2), m.group(3).strip()
                if name:
                    names[kind][ident] = name
                resolved = names[kind].get(ident, ident)
                if m.group(1) == "ob":
                    ob = resolved
                elif m.group(1) == "fn":
                    fn = resolved
                    if ob == "???" and re.fullmatch(r"0x[0-9a-f]+", fn):
                        # code generated at run time (oneDNN's JIT kernels: torch's float32
                        # gelu) has no symbol, and a new address in each call
                        fn = "unnamed_jit_code"
            elif line.startswith("calls="):
                skip_next = True
            elif line.startswith(("totals:", "summary:")):
                total = int(line.split()[1])
    return total, costs


def _hot(costs1, costs2, growth):
    """The function whose own Ir grew most from the N1 call to the N2 call, and its share."""
    diffs = {k: costs2.get(k, 0) - costs1.get(k, 0) for k in set(costs1) | set(costs2)}
    if not diffs or growth <= 0:
        return "", 0.0
    name = max(diffs, key=diffs.get)
    return _short(name), diffs[name] / growth


def _short(name, width=70):
    """A symbol shortened for the table: C++ argument lists and templates dropped."""
    fn, _, ob = name.rpartition(" [")
    for _ in range(8):             # innermost first; \x01 \x02 stand for the emptied pairs
        fn = re.sub(r"<[^<>]*>", "\x01", fn)
        fn = re.sub(r"\([^()]*\)", "\x02", fn)
    fn = fn.replace("\x01", "<>").replace("\x02", "()")
    fn = fn[:width - 3] + "..." if len(fn) > width else fn
    ob = re.sub(r"\.cpython-[^.]*", "", ob)     # _elementwise.cpython-311-x86_64-linux-gnu.so
    return f"{fn} [{ob}"


def select_rows(functions, directions, dtypes):
    """[(case, direction, dtype)] of the bench cases matching the globs (elementwise only)."""
    from actloss._tools import benchcases as bc
    rows = []
    for c in bc.cases("activation"):
        if c.kind != "elementwise" or c.api is None:
            continue
        if not any(fnmatch.fnmatchcase(c.name, g) for g in functions):
            continue
        for dtype in dtypes:
            for direction in directions:
                if direction in c.directions:
                    rows.append((c.name, direction, dtype))
    return rows


def run_valgrind(rows, impls, sizes, accuracy, workdir, verbose=False):
    """Run the child under callgrind; return its measurements (see _child) with Ir filled in."""
    lib = build_marker(workdir)
    spec = os.path.join(workdir, "spec.json")
    result = os.path.join(workdir, "child.json")
    with open(spec, "w") as f:
        json.dump({"rows": rows, "impls": impls, "sizes": sizes, "marker": lib,
                   "result": result}, f)
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", ACTLOSS_NUM_THREADS="1", ACTLOSS_ACCURACY=accuracy,
               **ISA_ENV)
    # the package this script would import, found the same way in the child
    here = os.path.dirname(os.path.abspath(__file__))
    src = os.path.join(os.path.dirname(here), "src")
    if "PYTHONPATH" not in os.environ and os.path.isdir(os.path.join(src, "actloss")):
        env["PYTHONPATH"] = src
    out = os.path.join(workdir, "callgrind.out")
    cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
           f"--toggle-collect={MARKER}", f"--dump-after={MARKER}",
           f"--callgrind-out-file={out}.%p", "--log-file=" + os.path.join(workdir, "vg.log"),
           sys.executable, os.path.abspath(__file__), "--child", spec]
    start = time.time()
    proc = subprocess.run(cmd, env=env, stdout=None if verbose else subprocess.PIPE,
                          stderr=None if verbose else subprocess.PIPE, text=True)
    elapsed = time.time() - start
    if proc.returncode != 0 or not os.path.exists(result):
        log = open(os.path.join(workdir, "vg.log")).read()[-3000:]
        raise RuntimeError(f"valgrind run failed (exit {proc.returncode}):\n"
                           f"{(proc.stderr or '')[-3000:]}\n{log}")
    with open(result) as f:
        child = json.load(f)
    child["elapsed"] = elapsed
    return read_profiles(child, out)


def read_profiles(child, out):
    """The child's results with the profile of each measured call (its total Ir and the own
    Ir of each function)."""
    # one profile per marker call, numbered in call order (the unnumbered one is the empty
    # dump at exit)
    dumps = sorted((p for p in glob.glob(out + ".*.*") if p.rsplit(".", 1)[1].isdigit()),
                   key=lambda p: int(p.rsplit(".", 1)[1]))
    calls = child["calls"]
    if len(dumps) != len(calls):
        raise RuntimeError(f"{len(calls)} measured calls but {len(dumps)} callgrind profiles")
    child["profiles"] = {label: parse_profile(p) for label, p in zip(calls, dumps)}
    return child


def per_element(child, n1, n2):
    """{(case, direction, dtype): {impl: {"ir": .., "hot": .., "hot_share": ..} or None}}."""
    out = {}
    for row in child["rows"]:
        name, direction, dtype = row
        entry = {}
        for impl in child["impls"]:
            k1, k2 = (f"{name}/{direction}/{dtype}/{impl}/{n}" for n in (n1, n2))
            if k1 not in child["profiles"] or k2 not in child["profiles"]:
                entry[impl] = None
                continue
            (t1, c1), (t2, c2) = child["profiles"][k1], child["profiles"][k2]
            hot, share = _hot(c1, c2, t2 - t1)
            entry[impl] = {"ir": (t2 - t1) / (n2 - n1), "ir_n1": t1, "ir_n2": t2,
                           "hot": hot, "hot_share": share}
        out[tuple(row)] = entry
    return out


def bench_ratios(paths):
    """{(case, direction, dtype): {"torch": .., "numpy": .., "best": .., "best_peer": ..}}: the
    time ratios (peer time / actloss time) of the one-thread records of ``actloss bench
    --json`` files (their 10^6-element records where they have several sizes), the median
    over the files (and the peer most often the fastest)."""
    runs = {}
    for path in paths:
        with open(path) as f:
            records = json.load(f)["records"]
        one = {}
        for r in sorted(records, key=lambda r: r.get("size") == "1e6"):   # 1e6 last: it wins
            if r.get("threads") == 1 and "function" in r:
                one[(r["function"], r["direction"], r["dtype"])] = r
        for key, r in one.items():
            runs.setdefault(key, []).append(r)
    out = {}
    for key, rs in runs.items():
        entry = {}
        for name, field in (("torch", "torch_over_actloss"), ("numpy", "numpy_over_actloss"),
                            ("best", "best_peer_over_actloss")):
            values = [r[field] for r in rs if r.get(field) is not None]
            entry[name] = statistics.median(values) if values else None
        peers = [r["best_peer"] for r in rs if r.get("best_peer")]
        entry["best_peer"] = max(peers, key=peers.count) if peers else None
        entry["runs"] = len(rs)
        out[key] = entry
    return out


def _fmt(v, spec=".1f"):
    return "-" if v is None else format(v, spec)


def table(results, impls, times=None):
    """The markdown table of per_element's results."""
    head = ["row"] + [f"{i} Ir/elt" for i in impls]
    if "torch" in impls:
        head.append("torch/actloss Ir")
    if "numpy" in impls:
        head.append("numpy/actloss Ir")
    if times is not None:
        head += ["torch/actloss time", "numpy/actloss time", "best peer/actloss time"]
    head.append("hot symbols (share of the growth)")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for (name, direction, dtype), entry in results.items():
        cells = [f"{name} {direction} {dtype}"]
        ir = {i: (entry.get(i) or {}).get("ir") for i in impls}
        cells += [_fmt(ir[i]) for i in impls]
        for peer in ("torch", "numpy"):
            if peer in impls:
                ok = ir[peer] is not None and ir.get("actloss")
                cells.append(_fmt(ir[peer] / ir["actloss"] if ok else None, ".2f"))
        if times is not None:
            t = times.get((name, direction, dtype), {})
            best = _fmt(t.get("best"), ".2f")
            cells += [_fmt(t.get("torch"), ".2f"), _fmt(t.get("numpy"), ".2f"),
                      f"{best} ({t['best_peer']})" if t.get("best_peer") else best]
        hot = [f"{i}: `{e['hot']}` ({e['hot_share']:.0%})" for i in impls
               if (e := entry.get(i)) and e["hot"]]
        cells.append("; ".join(hot))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-f", "--function", action="append", metavar="GLOB",
                   help="bench case name glob, repeatable (default: "
                        + ", ".join(DEFAULT_CASES) + ")")
    p.add_argument("--direction", action="append", choices=("forward", "backward"))
    p.add_argument("--dtype", action="append", choices=("float32", "float64"))
    p.add_argument("--impl", action="append", choices=IMPLS,
                   help="implementations to count (repeatable; default all installed)")
    p.add_argument("--sizes", nargs=2, type=int, metavar=("N1", "N2"),
                   default=list(DEFAULT_SIZES),
                   help="the two element counts whose difference is counted (default "
                        f"{DEFAULT_SIZES[0]} {DEFAULT_SIZES[1]})")
    p.add_argument("--accuracy", choices=("accurate", "fast"), default="accurate")
    p.add_argument("--json", metavar="PATH", help="write the results as JSON")
    p.add_argument("--times", metavar="BENCH_JSON", action="append",
                   help="an `actloss bench --json` file of the same rows (repeatable: the "
                        "median over the files): adds its time ratios to the table")
    p.add_argument("--from-json", metavar="PATH",
                   help="do not measure: print the table of an earlier --json file")
    p.add_argument("--keep", metavar="DIR", help="keep the callgrind profiles in DIR")
    p.add_argument("-v", "--verbose", action="store_true", help="show the child's output")
    p.add_argument("--child", metavar="SPEC", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return _child(args.child)

    if args.from_json:
        with open(args.from_json) as f:
            data = json.load(f)
    else:
        data = measure(p, args)
    times = bench_ratios(args.times) if args.times else None
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(data, rows=[dict(r, time_ratios=times.get(_key(r)))
                                       for r in data["rows"]] if times else data["rows"]),
                      f, indent=1)
    print(report(data, times))
    return 0


def _key(row):
    return (row["case"], row["direction"], row["dtype"])


def measure(parser, args):
    """Count the rows the options select under valgrind; the JSON-able results."""
    n1, n2 = args.sizes
    if not 0 < n1 < n2:
        parser.error("--sizes needs 0 < N1 < N2")
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not installed")
    rows = select_rows(args.function or DEFAULT_CASES, args.direction or ("forward", "backward"),
                       args.dtype or ("float32", "float64"))
    if not rows:
        parser.error("no elementwise activation case matches")
    impls = list(args.impl or IMPLS)
    workdir = args.keep or tempfile.mkdtemp(prefix="insn_per_element.")
    os.makedirs(workdir, exist_ok=True)
    try:
        child = run_valgrind(rows, impls, [n1, n2], args.accuracy, workdir, args.verbose)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return results_data(child, args.accuracy, n1, n2)


def results_data(child, accuracy, n1, n2):
    """The JSON-able results of a child's run (its profiles read)."""
    results = per_element(child, n1, n2)
    return {"accuracy": accuracy, "sizes": [n1, n2], "info": child["info"],
            "isa_env": ISA_ENV, "missing": child["missing"], "skipped": child["skipped"],
            "elapsed_s": child["elapsed"],
            "rows": [{"case": k[0], "direction": k[1], "dtype": k[2], **e}
                     for k, e in results.items()]}


def report(data, times=None):
    """The text printed: what was counted and how, then the markdown table."""
    n1, n2 = data["sizes"]
    info = data["info"]
    impls = [i for i in IMPLS if any(i in r for r in data["rows"])
             and i not in data["missing"]]
    lines = [
        f"Instructions per element (callgrind Ir), {data['accuracy']} mode, 1 thread: "
        f"(Ir({n2}) - Ir({n1})) / {n2 - n1} per call, the loop's count without the per-call "
        "overhead.",
        "valgrind does not emulate AVX-512: CPUID hides it, so every library runs its AVX2 "
        "loops (capped too by " + ", ".join(f"{k}={v}" for k, v in data["isa_env"].items())
        + f"). actloss ISA: {info['actloss_isa']}; torch CPU capability: "
        f"{info.get('torch_capability', '-')}; NumPy sees AVX512F: "
        f"{info.get('numpy_avx512f')}, AVX2: {info.get('numpy_avx2')}."]
    lines += [f"no {impl} column: {why}" for impl, why in data["missing"].items()]
    lines += [f"skipped {key}: {why}" for key, why in data["skipped"].items()]
    results = {_key(r): {i: r.get(i) for i in impls} for r in data["rows"]}
    lines += ["", table(results, impls, times), "",
              f"{len(data['rows'])} rows, {data['elapsed_s']:.0f} s under valgrind"]
    if times is not None:
        runs = sorted({t["runs"] for t in times.values()})
        lines.append(f"time ratios: peer time / actloss time, the median of {runs} bench runs "
                     "(at those runs' ISA, not necessarily AVX2)")
    return "\n".join(lines)


# ---- the child: runs under valgrind, calls each implementation inside the marker --------------

def _child(spec_path):
    import ctypes
    import gc

    import numpy as np

    import actloss
    from actloss import _dispatch
    from actloss._tools import benchcases as bc

    with open(spec_path) as f:
        spec = json.load(f)
    lib = ctypes.CDLL(spec["marker"])
    callback_type = ctypes.CFUNCTYPE(None)
    calls, skipped, errors = [], {}, []

    def measured(label, fn):
        """One call of fn inside the marker: callgrind writes its profile on leaving it."""
        def body():
            try:
                fn()
            except BaseException as e:     # an exception cannot cross the C frame
                errors.append(f"{label}: {e!r}")
        cb = callback_type(body)
        lib.actloss_insn_run(cb)
        calls.append(label)

    actloss.set_num_threads(1)
    missing = {}
    torch = bc.torch_module() if "torch" in spec["impls"] else None
    if "torch" in spec["impls"] and torch is None:
        missing["torch"] = "torch is not installed"
    if torch is not None:
        torch.set_num_threads(1)
    info = {"actloss_isa": _dispatch.ISA, "accuracy": actloss.get_accuracy()}
    if torch is not None:
        info["torch"] = torch.__version__
        info["torch_capability"] = torch.backends.cpu.get_cpu_capability()
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as feats
        info["numpy_avx512f"], info["numpy_avx2"] = feats.get("AVX512F"), feats.get("AVX2")
    except ImportError:
        pass
    info["numpy"] = np.__version__

    for name, direction, dtype in spec["rows"]:
        c = bc.case(name)
        bound = {}
        for n in spec["sizes"]:
            a = bc.inputs(c, n, dtype)
            t = bc.tensors(a) if torch is not None else None
            for impl in spec["impls"]:
                if impl in missing:
                    continue
                why = bc.missing_dependency(c, impl)
                fn = None if why else bc.bind(c, direction, impl, a, t)
                if fn is None:
                    skipped[f"{name}/{direction}/{dtype}/{impl}"] = why or "no such call"
                    continue
                fn()
                fn()                       # warm-up: first-use set-up, page faults
                bound[(impl, n)] = fn
        gc.collect()
        gc.disable()                       # no collection inside a measured call
        for (impl, n), fn in bound.items():
            measured(f"{name}/{direction}/{dtype}/{impl}/{n}", fn)
        gc.enable()
        bound.clear()
    with open(spec["result"], "w") as f:
        json.dump({"rows": spec["rows"], "impls": spec["impls"], "calls": calls,
                   "missing": missing, "skipped": skipped, "info": info}, f)
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
