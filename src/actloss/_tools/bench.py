"""``python -m actloss bench``: actloss, torch, JAX and NumPy side by side, in one process.

Every case of the shared table (``benchcases``) that the filters select is measured at each
thread count: on one thread the implementations' rounds are interleaved (a slow moment of a
shared machine hits all of them alike) and timed by the process's CPU time, which time spent
preempted by other work does not inflate (``benchcases.clock_for``); on more, each
implementation's rounds run back to back after a pause that lets the previous library's
spinning OpenMP workers go idle (``benchcases.settle_for``), timed by wall time. Each round
is calibrated to a minimum time and the median of the rounds is reported. Output: a table to paste into an
issue (stdout) with a summary of each peer's ratio to actloss, every record as JSON
(``--json``), a chart of the ratios (``--plot``, also of an earlier JSON file with
``--from-json``), and the CI regression guard:
``--check-floors`` compares each case's numpy/actloss ratio with a committed floor (ratios,
not absolute times, so a shared and noisy machine does not matter), ``--write-floors``
regenerates the floors from a measurement.
"""
import argparse
import datetime
import fnmatch
import itertools
import json
import math
import os
import platform
import sys
import time

import numpy as np

from . import benchcases as bc

JSON_SCHEMA = "actloss-bench/1"
FLOOR_MARGIN = 0.5       # floor = margin * measured ratio: noise passes, a 2x regression fails
# ... but never above this: a ratio against NumPy moves with the CPU and NumPy's own SIMD paths
# (CI may run elsewhere), so a floor demands at most parity with the NumPy formula.
FLOOR_CAP = 1.0
FLOOR_RUNS = 3           # --write-floors: the lowest ratio of this many measurements
FLOOR_RETRIES = 2        # --check-floors: a case below is measured again, up to this often
BANDWIDTH_SIZE = 10**7   # elementwise size whose bytes/s is compared with np.copyto's
ROUNDS, QUICK_ROUNDS = 7, 5
MIN_TIME, WARMUP_TIME = 2e-3, 25e-3
QUICK_WARMUP_TIME = 10e-3
# the implementations actloss is compared with; "best" is the fastest of them in a record
PEERS = ("torch", "torch-out", "jax", "numpy")


# ---- command line -------------------------------------------------------------------------------

def _function_glob(text):
    if not any(fnmatch.fnmatchcase(c.name, text) or (c.api and fnmatch.fnmatchcase(c.api, text))
               for c in bc.cases()):
        raise argparse.ArgumentTypeError(
            f"no bench case matches {text!r} (python -m actloss bench --list shows them)")
    return text


def _size(text):
    try:
        label = bc.size_label(bc.parse_size(text))
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    if label not in bc.all_size_labels():
        raise argparse.ArgumentTypeError(
            f"no case has size {text!r}; sizes: {', '.join(bc.all_size_labels())}")
    return label


def _positive(text, expected="a positive integer"):
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return n


def _threads(text):
    return bc.max_threads() if text == "max" else _positive(text, "a positive integer or 'max'")


def add_arguments(parser):
    """The options of ``python -m actloss bench``."""
    parser.add_argument("--quick", action="store_true",
                        help="a small slice: the two smaller sizes of each kind, float32, 1 "
                             "thread, fewer rounds (the slice the CI floors cover)")
    parser.add_argument("-f", "--function", action="append", type=_function_glob,
                        metavar="GLOB", help="case or function name, fnmatch glob "
                        "(repeatable): -f 'gelu*' -f cross_entropy")
    parser.add_argument("--size", action="append", type=_size, metavar="SIZE",
                        help="elements (1e6, 10^6, 1000000) or ROWSxCOLS (1000x1000); "
                             "repeatable")
    parser.add_argument("--dtype", action="append", choices=bc.DTYPES,
                        help="repeatable; default both (float32 with --quick)")
    parser.add_argument("--threads", action="append", type=_threads, metavar="N",
                        help="thread count or 'max' (the usable cores; repeatable); default "
                             "1 and max (1 with --quick); more than max: a warning")
    parser.add_argument("--direction", action="append", choices=bc.DIRECTIONS,
                        help="repeatable; default all (fused: the *_with_grad functions)")
    parser.add_argument("--rounds", type=_positive, metavar="N",
                        help=f"timed rounds per case (default {ROUNDS}, {QUICK_ROUNDS} with "
                             "--quick)")
    parser.add_argument("--json", metavar="PATH", help="write every record and the machine "
                                                       "info as JSON")
    parser.add_argument("--plot", metavar="PATH",
                        help="draw a PNG of peer time / actloss time per function and "
                             "direction (median over sizes, dtypes, threads), one panel per "
                             "peer and one of the best peer; needs matplotlib")
    parser.add_argument("--from-json", metavar="PATH",
                        help="do not measure: print the table and summary of an earlier "
                             "--json file (and --plot it)")
    floors = parser.add_mutually_exclusive_group()
    floors.add_argument("--check-floors", metavar="PATH",
                        help="exit 1 if a case's numpy/actloss ratio is below its floor in "
                             f"PATH (a case below is measured up to {FLOOR_RETRIES} more times "
                             "first; the best ratio counts)")
    floors.add_argument("--write-floors", metavar="PATH",
                        help=f"measure {FLOOR_RUNS} times and write floors = {FLOOR_MARGIN} "
                             "x the lowest numpy/actloss ratio of each case to PATH")
    parser.add_argument("--accuracy", choices=("accurate", "fast"),
                        help="run actloss in this accuracy mode (default: the process's, "
                             "ACTLOSS_ACCURACY or accurate)")
    parser.add_argument("--list", action="store_true",
                        help="list the selected cases without measuring")
    parser.add_argument("--pipeline", action="store_true",
                        help="time the MLP training and inference steps (NumPy matmuls + "
                             "actloss) instead: actloss at its default threads, at one "
                             "thread, and torch; with --check-floors, exit 1 if the default "
                             "is slower than one thread beyond the floor's pipeline ratio")
    parser.set_defaults(parser=parser)


def plan(args):
    """The keys the options select; for each 10^7 elementwise key, the np.copyto reference
    at the same dtype and thread count too (the bandwidth fraction needs it)."""
    keys = bc.select(args.function, args.direction, args.dtype, args.size, args.threads,
                     args.quick)
    have = {(k.dtype, k.size, k.threads) for k in keys if k.case.api is None}
    extra = []
    for k in keys:
        ref = (k.dtype, k.size, k.threads)
        if (k.case.kind == "elementwise" and k.size == BANDWIDTH_SIZE and k.case.api
                and ref not in have):
            have.add(ref)
            extra.append(bc.Key(bc.case("copy"), "forward", *ref))
    return extra + keys


# ---- measuring ----------------------------------------------------------------------------------

class _Progress:
    """A progress bar on stderr while measuring (tqdm if installed, else a one-line counter);
    silent when stderr is not a terminal (CI logs)."""

    def __init__(self, total, enabled=None):
        self.total, self.done = total, 0
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.bar = None
        if self.enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(total=total, file=sys.stderr, unit="case", leave=False)

    def update(self, label):
        self.done += 1
        if self.bar is not None:
            self.bar.set_postfix_str(label, refresh=False)
            self.bar.update()
        elif self.enabled:
            sys.stderr.write(f"\r[{self.done}/{self.total}] {label[:60]:60}")
            sys.stderr.flush()

    def close(self):
        if self.bar is not None:
            self.bar.close()
        elif self.enabled:
            sys.stderr.write("\r" + " " * 80 + "\r")
            sys.stderr.flush()


def _prepare(c, direction, a, t, j):
    """{impl: callable} of the implementations that agree with actloss, the bytes a call
    moves, and {impl: message} of those that do not (left out of the timing)."""
    fns = bc.bind_all(c, direction, a, t, j)
    expect = bc.expected(c, direction, a)
    disagree = {}
    for impl, fn in list(fns.items()):
        try:
            bc.check_agreement(c, direction, impl, fn(), expect)
        except AssertionError as e:
            disagree[impl] = " ".join(str(e).split())[:300]
            del fns[impl]
    return fns, bc.traffic_bytes(c, direction, a, expect), disagree


def ratio_field(peer):
    """The record field of a peer's ratio: "torch-out" -> "torch_out_over_actloss"."""
    return peer.replace("-", "_") + "_over_actloss"


def peer_ratios(times):
    """The ratio fields of a record from its median times: each peer's time over actloss's
    (None where either is missing), and best_peer, best_peer_over_actloss: the fastest peer
    timed and its ratio."""
    base = times.get("actloss")
    ratios = {ratio_field(p): times[p] / base if base and p in times else None for p in PEERS}
    timed = [p for p in PEERS if p in times]
    best = min(timed, key=times.get) if base and timed else None
    return {**ratios, "best_peer": best,
            "best_peer_over_actloss": times[best] / base if best else None}


def _record(key, shape, n_elements, n_bytes, times, disagree):
    rec = {
        "id": key.id, "function": key.case.name, "api": key.case.api,
        "family": key.case.family, "direction": key.direction, "dtype": key.dtype,
        "size": bc.size_label(key.size), "shape": list(shape), "elements": n_elements,
        "threads": key.threads, "bytes": n_bytes,
        "median_s": times,
        "elements_per_s": {k: n_elements / v for k, v in times.items()},
        "bytes_per_s": {k: n_bytes / v for k, v in times.items()},
        **peer_ratios(times),
        "bandwidth_fraction": None,
    }
    if disagree:
        rec["disagree"] = disagree
    return rec


def measure(keys, rounds=ROUNDS, min_time=MIN_TIME, warmup_time=WARMUP_TIME, progress=None):
    """One record (a dict, see README) per key, in order. Inputs are built once per (case,
    dtype, size) and each implementation checked against actloss once per direction. jax is
    timed only at the thread count its CPU client runs on (bc.jax_threads)."""
    progress = progress or _Progress(len(keys), enabled=False)
    torch = bc.torch_module()
    records = []
    for _, group in itertools.groupby(keys, lambda k: (k.case.name, k.dtype, k.size)):
        group = list(group)
        c, dtype, size = group[0].case, group[0].dtype, group[0].size
        fewest = min(k.threads for k in group)
        # the inputs (actloss's forward result among them) and the checks at the group's
        # fewest threads: BLAS workers woken by a matmul would still be spinning, counted by
        # the process CPU clock, when a 1-thread timing starts
        with bc.num_threads(fewest):
            a = bc.inputs(c, size, dtype)
        t = bc.tensors(a) if torch is not None and c.api else None
        j = bc.jax_arrays(a) if c.api and not bc.missing_dependency(c, "jax") else None
        prepared = {}
        for key in group:
            if key.direction not in prepared:
                with bc.num_threads(fewest):
                    prepared[key.direction] = _prepare(c, key.direction, a, t, j)
            fns, n_bytes, disagree = prepared[key.direction]
            if key.threads != bc.jax_threads():
                fns = {impl: fn for impl, fn in fns.items() if impl != "jax"}
            with bc.num_threads(key.threads):
                times = bc.median_time(fns, rounds, min_time, warmup_time,
                                       bc.clock_for(key.threads), bc.settle_for(key.threads),
                                       pause_after=("jax",))
            records.append(_record(key, c.input_shape(size), bc.elements(c, a), n_bytes,
                                   times, disagree))
            progress.update(key.id)
        del a, t, j, prepared
    _bandwidth_fractions(records)
    return records


def _bandwidth_fractions(records):
    """actloss's bytes/s over np.copyto's at the same dtype, size and threads (10^7 only)."""
    copy = {(r["dtype"], r["size"], r["threads"]): r["bytes_per_s"].get("numpy")
            for r in records if r["api"] is None}
    for r in records:
        ref = copy.get((r["dtype"], r["size"], r["threads"]))
        if (r["api"] and ref and r["size"] == bc.size_label(BANDWIDTH_SIZE)
                and "actloss" in r["bytes_per_s"]):
            r["bandwidth_fraction"] = r["bytes_per_s"]["actloss"] / ref


# ---- machine info and output ----------------------------------------------------------------

def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info():
    """What a reader of the numbers needs to know about where they were measured."""
    import io

    import actloss
    torch, special = bc.torch_module(), bc.scipy_special()
    scipy = sys.modules.get("scipy") if special is not None else None
    return {
        "cpu": _cpu_model(), "logical_cpus": os.cpu_count(), "usable_cpus": bc.max_threads(),
        "actloss": actloss.show_config(file=io.StringIO()),
        "numpy": np.__version__, "torch": torch.__version__ if torch is not None else None,
        "jax": bc.jax_version(), "jax_threads": bc.jax_threads(),
        "scipy": scipy.__version__ if scipy is not None else None,
        "python": platform.python_version(), "platform": platform.platform(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def _micro():
    """'µs', or 'us' where stdout cannot encode it."""
    try:
        "µ".encode(sys.stdout.encoding or "ascii")
        return "µs"
    except (UnicodeEncodeError, LookupError):
        return "us"


def _duration(seconds, micro):
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} {micro}"
    return f"{seconds * 1e3:.3f} ms"


def _ratio(value):
    return "-" if value is None else f"{value:.2f}"


_COLUMNS = (("function", 32, "<"), ("direction", 9, "<"), ("dtype", 7, "<"), ("size", 9, "<"),
            ("thr", 3, ">"), ("actloss", 10, ">"), ("torch", 10, ">"), ("jax", 10, ">"),
            ("numpy", 10, ">"), ("torch/al", 8, ">"), ("jax/al", 7, ">"), ("numpy/al", 8, ">"),
            ("best/al", 7, ">"), ("bw", 4, ">"))


def _row(cells):
    return " ".join(f"{cell:{align}{width}}" for cell, (_, width, align) in zip(cells, _COLUMNS))


def format_table(records, machine, rounds):
    """The table to paste into an issue: a header naming the machine, one row per record."""
    cfg, micro = machine["actloss"], _micro()
    lines = [
        f"actloss {cfg['version']} bench: {machine['cpu']}, {machine['usable_cpus']} usable "
        f"cores; kernels {cfg['isa']} (CPU supports {', '.join(cfg['isa_supported'])}), "
        f"threads: {cfg['num_threads']} ({cfg['num_threads_source']}); accuracy "
        f"{cfg.get('accuracy', 'accurate')}",
        f"numpy {machine['numpy']}, torch {machine['torch'] or 'not installed'}, "
        f"jax {machine.get('jax', 'not recorded') or 'not installed'}, "
        f"scipy {machine['scipy'] or 'not installed'}, python {machine['python']}",
        f"median time per call over {rounds} rounds (1 thread: interleaved, process CPU time; "
        f"more: wall time, each implementation's",
        f"rounds after a {bc.SETTLE_TIME * 1e3:g} ms pause); ratios > 1: actloss faster; bw: "
        f"bytes/s / np.copyto's (10^7)",
        "best/al: the fastest of torch, torch with out= (torch-out in the JSON, where torch "
        "has one), jax and numpy, over actloss",
        "",
        _row([name for name, _, _ in _COLUMNS]),
    ]
    notes = []
    for r in records:
        t = r["median_s"]
        bw = r["bandwidth_fraction"]
        lines.append(_row([
            r["function"], r["direction"], r["dtype"], r["size"], str(r["threads"]),
            *(_duration(t.get(impl), micro) for impl in ("actloss", "torch", "jax", "numpy")),
            *(_ratio(r.get(ratio_field(p))) for p in ("torch", "jax", "numpy")),
            _ratio(r.get("best_peer_over_actloss")), "-" if bw is None else f"{bw:.2f}"]))
        for impl, msg in r.get("disagree", {}).items():
            notes.append(f"! {r['id']}: {impl} disagrees with actloss, not timed: {msg}")
    if machine["torch"] is None:
        notes.append("torch is not installed: its columns show '-'")
    jax_threads = machine.get("jax_threads")
    if "jax" in machine and machine["jax"] is None:      # (files of before jax have no key)
        notes.append("jax is not installed: its columns show '-'")
    elif machine.get("jax") and any(r["threads"] != jax_threads for r in records):
        notes.append(f"jax: XLA cannot change its CPU threads once started; they were "
                     f"{jax_threads} here (1 only when every --threads is 1), so its columns "
                     "show '-' at the other thread counts")
    if machine["scipy"] is None:
        notes.append("SciPy is not installed: the NumPy gelu (erf) shows '-'")
    return "\n".join(lines + ([""] + notes if notes else []))


def summary_lines(records):
    """For each peer with timings, and the best of them: the median of its ratio to actloss
    over the records, and how many of them are below 1 (the peer faster)."""
    lines = []
    for peer in PEERS + ("best",):
        field = "best_peer_over_actloss" if peer == "best" else ratio_field(peer)
        values = [r[field] for r in records if r.get(field) is not None]
        if values:
            below = sum(v < 1 for v in values)
            lines.append(f"median {peer}/actloss {np.median(values):.2f} ({below} of "
                         f"{len(values)} rows below 1.0)")
    return lines


def format_list(keys):
    """One line per selected case: its directions, dtypes, sizes, threads and what its torch
    or NumPy side is where not obvious."""
    by_case = {}
    for k in keys:
        seen = by_case.setdefault(k.case.name, (k.case, {}, {}, {}, {}))
        for d, value in zip(seen[1:], (k.direction, k.dtype, bc.size_label(k.size), k.threads)):
            d[value] = None                        # an ordered set
    row = "{:32} {:22} {:15} {:34} {:7} {}"
    lines = [row.format("case", "directions", "dtypes", "sizes", "threads", "note")]
    for name, (c, *values) in by_case.items():
        lines.append(row.format(name, *(",".join(map(str, v)) for v in values), c.note).rstrip())
    lines.append(f"{len(keys)} measurements")
    return "\n".join(lines)


# ---- floors -------------------------------------------------------------------------------------

def floors_from(runs, margin=FLOOR_MARGIN):
    """({id: floor}, {id: lowest ratio}) from several measurements of the same keys: floor =
    margin x the lowest numpy/actloss ratio, rounded down to 2 decimals, at most FLOOR_CAP.
    The lowest, because a moment of load on the machine can inflate one measurement's ratio,
    and a floor set from it would then fail on a quiet machine."""
    lowest = {}
    for records in runs:
        for r in records:
            ratio = r["numpy_over_actloss"]
            if ratio is not None:
                lowest[r["id"]] = min(ratio, lowest.get(r["id"], math.inf))
    floors = {i: min(FLOOR_CAP, math.floor(margin * ratio * 100) / 100)
              for i, ratio in lowest.items()}
    return floors, lowest


def host_key(machine):
    """Floors are kept per host class, the kernel ISA level: NumPy's own vector loops differ
    as much between AVX2 and AVX-512 hosts (its AVX-512 tanh is 2x its AVX2 one) as ours."""
    return machine["actloss"]["isa"]


def read_floors_file(path):
    """The floors file as {"hosts": {key: section}}; a file of the one-host format (floors at
    the top) becomes the section of the host it names."""
    with open(path) as f:
        data = json.load(f)
    if "hosts" not in data:
        data = {"hosts": {host_key(data["machine"]) if "machine" in data else "any": data}}
    return data


def floors_for(data, key):
    """{id: floor} for host class `key`; a host class without floors of its own gets, per
    case, the lowest floor of the classes measured (never stricter than any of them)."""
    hosts = data["hosts"]
    if key in hosts:
        return hosts[key]["floors"]
    merged = {}
    for section in hosts.values():
        for i, floor in section["floors"].items():
            merged[i] = min(floor, merged.get(i, math.inf))
    return merged


def write_floors(path, runs, machine, settings):
    """Write this host class's floors (see floors_from) into the floors file, keeping the
    other classes' floors; return them."""
    floors, lowest = floors_from(runs)
    try:
        hosts = read_floors_file(path)["hosts"]
    except (OSError, ValueError, KeyError):
        hosts = {}
    hosts[host_key(machine)] = {
        "machine": machine, "settings": settings, "floors": floors,
        "measured": {i: round(ratio, 3) for i, ratio in lowest.items()},
    }
    data = {
        "about": "Minimum numpy_time/actloss_time per case of `python -m actloss bench "
                 "--quick`, per host class (the kernel ISA level), checked in CI by "
                 f"`python -m actloss bench --quick --check-floors {path}`. floor = "
                 f"{FLOOR_MARGIN} x the lowest of {len(runs)} ratios measured on the machine "
                 f"of that class, at most {FLOOR_CAP}; a class without floors gets the lowest "
                 "of each case's floors. Regenerate a class with `python -m actloss bench "
                 f"--quick --write-floors {path}` on an otherwise idle machine of that class.",
        "margin": FLOOR_MARGIN, "hosts": dict(sorted(hosts.items())),
    }
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    return floors


def check_floors(records, floors):
    """(ids checked, [(id, ratio or None, floor)] below their floor). A case with a floor but
    no numpy ratio (NumPy disagreed with actloss) fails too; cases without a floor pass."""
    checked, failed = [], []
    for r in records:
        floor = floors.get(r["id"])
        if floor is None:
            continue
        checked.append(r["id"])
        ratio = r["numpy_over_actloss"]
        if ratio is None or ratio < floor:
            failed.append((r["id"], ratio, floor))
    return checked, failed


def _remeasure(records, keys, failed, settings):
    """Measure the failing cases once more and keep the better of the two ratios, so that a
    noisy moment of a shared machine does not fail CI; a real regression fails every time."""
    by_id = {k.id: k for k in keys}
    again = measure([by_id[i] for i, _, _ in failed], settings["rounds"],
                    settings["min_time_s"], settings["warmup_time_s"])
    best = {r["id"]: r for r in again}
    for n, r in enumerate(records):
        new = best.get(r["id"])
        if new is not None and (r["numpy_over_actloss"] or 0) < (new["numpy_over_actloss"] or 0):
            records[n] = new


# ---- the command -------------------------------------------------------------------------------

def _settings(args):
    return {
        "quick": args.quick,
        "rounds": args.rounds or (QUICK_ROUNDS if args.quick else ROUNDS),
        "min_time_s": MIN_TIME,
        "clock": "process CPU time (time.process_time) at 1 thread, wall time "
                 "(time.perf_counter) at more",
        "warmup_time_s": QUICK_WARMUP_TIME if args.quick else WARMUP_TIME,
        "filters": {"function": args.function, "size": args.size, "dtype": args.dtype,
                    "threads": args.threads, "direction": args.direction},
    }


def _measure_with_progress(keys, settings):
    progress = _Progress(len(keys))
    try:
        return measure(keys, settings["rounds"], settings["min_time_s"],
                       settings["warmup_time_s"], progress)
    finally:
        progress.close()


def _check(records, keys, floors, settings, path):
    """The floors report of records, after measuring the failing cases again (records keeps
    the better measurement of each)."""
    checked, failed = check_floors(records, floors)
    for _ in range(FLOOR_RETRIES):
        if not failed:
            break
        _remeasure(records, keys, failed, settings)
        checked, failed = check_floors(records, floors)
    return {"path": path, "checked": len(checked),
            "failed": [{"id": i, "numpy_over_actloss": r, "floor": f} for i, r, f in failed]}


def run_pipeline(args):
    """--pipeline: the MLP steps (see pipeline.py); 1 if a case's one-thread/default ratio is
    below the floors file's pipeline floor."""
    from . import pipeline
    floor = None
    if args.check_floors:
        try:
            with open(args.check_floors) as f:
                floor = json.load(f)["pipeline_floor"]
        except (OSError, ValueError, KeyError) as e:
            args.parser.error(f"cannot read pipeline_floor from {args.check_floors}: {e}")
    cases = pipeline.cases(args.quick)
    progress = _Progress(len(cases))
    try:
        records = pipeline.measure(args.quick, rounds=args.rounds or (5 if args.quick else 7),
                                    progress=progress.update)
    finally:
        progress.close()
    failed = [] if floor is None else pipeline.check_floor(records, floor)
    for _ in range(FLOOR_RETRIES if failed else 0):  # a noisy moment, or a real slowdown?
        again = {r["id"]: r for r in pipeline.measure(args.quick, rounds=args.rounds or 5)}
        records = [max(r, again[r["id"]], key=lambda q: q["one_thread_over_default"])
                   for r in records]
        failed = pipeline.check_floor(records, floor)
        if not failed:
            break
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"schema": JSON_SCHEMA, "machine": machine_info(), "records": records,
                       "pipeline_floor": floor, "failed": failed}, f, indent=1)
            f.write("\n")
    print(pipeline.format_table(records))
    if floor is None:
        return 0
    if failed:
        print(f"\nPIPELINE FLOOR FAILED: actloss at its default threads is slower than at one "
              f"thread beyond the floor {floor} ({args.check_floors}):")
        for i, ratio in failed:
            print(f"  {i}: one thread / default {ratio:.2f} < {floor}")
        return 1
    print(f"\npipeline: all {len(records)} cases at or above the floor {floor} "
          "(one thread / default)")
    return 0


# the options that choose or record a measurement: none of them goes with --from-json
_MEASURING = {"--quick": "quick", "--function": "function", "--size": "size", "--dtype": "dtype",
              "--threads": "threads", "--direction": "direction", "--rounds": "rounds",
              "--json": "json", "--check-floors": "check_floors",
              "--write-floors": "write_floors", "--accuracy": "accuracy", "--list": "list",
              "--pipeline": "pipeline"}


def _need_matplotlib(parser):
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        parser.error("--plot needs matplotlib, which is not installed (pip install matplotlib, "
                     "or pip install -e '.[plot]')")


def read_json(path):
    """The data of a --json file, every record with the ratio fields (a file written before
    a field existed gets it from the record's median times)."""
    with open(path) as f:
        data = json.load(f)
    records = data.get("records") if isinstance(data, dict) else None
    if (not isinstance(records, list) or "machine" not in data
            or not all(isinstance(r, dict) and "median_s" in r for r in records)):
        raise ValueError("not the records of python -m actloss bench --json")
    for r in data["records"]:
        r.update(peer_ratios(r["median_s"]))
    return data


def run_from_json(args):
    """--from-json: the table and summary of an earlier measurement (and its --plot)."""
    given = [opt for opt, dest in _MEASURING.items() if getattr(args, dest)]
    if given:
        args.parser.error(f"--from-json reads an earlier measurement: it does not go with "
                          f"{', '.join(given)}")
    try:
        data = read_json(args.from_json)
    except (OSError, ValueError) as e:
        args.parser.error(f"cannot read bench records from {args.from_json}: {e}")
    records, machine = data["records"], data["machine"]
    if args.plot:
        _plot(records, machine, args.plot)
    print(format_table(records, machine, data.get("settings", {}).get("rounds", "?")))
    _print_summary(records)
    return 0


def _print_summary(records):
    lines = summary_lines(records)
    if lines:
        print("\n" + "\n".join(lines))


def _plot(records, machine, path):
    from . import benchplot
    try:
        benchplot.plot(records, machine, path)
    except ValueError as e:
        print(f"--plot: {e}; {path} not written", file=sys.stderr)
    else:
        print(f"wrote {path}", file=sys.stderr)


def run(args):
    """Measure, (check the floors,) print the table and summary, write --json /
    --write-floors / --plot; or, with --from-json, print and plot an earlier measurement.
    The exit status is 1 if a --check-floors floor is not met or no measured case has one."""
    if args.plot:
        if args.pipeline or args.list:
            args.parser.error("--plot draws the bench table: not with --pipeline or --list")
        _need_matplotlib(args.parser)
    if args.from_json:
        return run_from_json(args)
    if args.accuracy:
        import actloss
        actloss.set_accuracy(args.accuracy)
    if args.pipeline:
        return run_pipeline(args)
    keys = plan(args)
    if not keys:
        args.parser.error("the filters select no case")
    _warn_oversubscribed(args.threads)
    if args.list:
        print(format_list(keys))
        return 0
    bc.want_jax_threads({k.threads for k in keys})
    floors = None
    settings, machine = _settings(args), machine_info()
    if args.check_floors:
        try:
            floors = floors_for(read_floors_file(args.check_floors), host_key(machine))
        except (OSError, ValueError, KeyError) as e:
            args.parser.error(f"cannot read floors from {args.check_floors}: {e}")
    start = time.perf_counter()
    records = _measure_with_progress(keys, settings)
    settings["seconds"] = round(time.perf_counter() - start, 1)
    # as jax started (or failed to) in the measurement; machine_info could only foresee it
    machine.update(jax=bc.jax_version(), jax_threads=bc.jax_threads())
    report = None
    if floors is not None:
        report = _check(records, keys, floors, settings, args.check_floors)
    # the files before stdout: a reader that stops early (| head) must not cost them
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"schema": JSON_SCHEMA, "machine": machine, "settings": settings,
                       "records": records, "floors": report}, f, indent=1)
            f.write("\n")
    if args.write_floors:
        runs = [records] + [_measure_with_progress(keys, settings)
                            for _ in range(FLOOR_RUNS - 1)]
        written = write_floors(args.write_floors, runs, machine, settings)
    if args.plot:
        _plot(records, machine, args.plot)
    print(format_table(records, machine, settings["rounds"]))
    _print_summary(records)
    print(f"\n{len(records)} measurements in {settings['seconds']} s")
    if args.write_floors:
        print(f"wrote {len(written)} floors ({FLOOR_MARGIN} x the lowest of {len(runs)} "
              f"measured numpy/actloss ratios) to {args.write_floors}")
    if report is None:
        return 0
    _print_floor_report(report)
    return 1 if report["failed"] or not report["checked"] else 0


def _warn_oversubscribed(threads):
    """Warn (stderr) about thread counts above the usable cores: the threads would share
    cores, and such a timing measures the scheduler, not the kernels."""
    usable = bc.max_threads()
    over = sorted({n for n in threads or () if n > usable})
    if over:
        print(f"warning: --threads {', '.join(map(str, over))}: more threads than the "
              f"{usable} usable cores of this machine; they share cores, and so do their "
              "timings", file=sys.stderr)


def _print_floor_report(report):
    if not report["checked"]:
        print(f"\nFLOORS: none of the measured cases has a floor in {report['path']}")
        return
    if not report["failed"]:
        print(f"\nfloors: all {report['checked']} cases at or above their floor "
              f"({report['path']})")
        return
    print(f"\nFLOORS FAILED: {len(report['failed'])} of {report['checked']} cases below their "
          f"numpy/actloss floor ({report['path']}):")
    for f in report["failed"]:
        ratio = "no NumPy timing" if f["numpy_over_actloss"] is None else \
            f"{f['numpy_over_actloss']:.2f}"
        print(f"  {f['id']}: numpy/actloss {ratio} < floor {f['floor']:.2f}")
