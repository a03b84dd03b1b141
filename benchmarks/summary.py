"""Pivot ``python -m actloss bench --json`` files into markdown tables of torch/actloss ratios.

    python -m actloss bench --size 1e3 --size 1e6 --size 1e7 --dtype float32 --json f32.json
    python benchmarks/summary.py f32.json [more.json ...] > table.md

One row per function and direction, one column per dtype/size/threads; a cell is torch's
median time over actloss's (above 1: actloss is faster), both calls allocating their result
(actloss-alloc where the API also has out=, so neither side is spared an allocation), or
numpy's with --numpy, or when the files hold no torch timing (measured without torch; a
note on stderr says so). The last columns give, for 10^7-element float32 cases on 1 and 2
threads, the bandwidth actloss reaches as a fraction of np.copyto's on the same bytes.
"""
import argparse
import json
import sys
from collections import defaultdict


def _ratio(record, other):
    med = record["median_s"]
    mine = med.get("actloss-alloc", med.get("actloss"))
    theirs = med.get(other)
    return None if mine is None or theirs is None else theirs / mine


def _column(r):
    return (r["dtype"], r["elements"], r["size"], r["threads"])


def tables(records, other="torch"):
    """{kind: (columns, {(function, direction): {column: ratio}}, {row: bandwidth})}, kind
    "elements" for sizes given as counts and "shapes" for ROWSxCOLS."""
    out = {}
    for kind in ("elements", "shapes"):
        rows, bandwidth, cols = defaultdict(dict), {}, set()
        for r in records:
            if r["function"] == "copy" or (("x" in r["size"]) != (kind == "shapes")):
                continue
            key = (r["function"], r["direction"])
            ratio = _ratio(r, other)
            if ratio is not None:
                rows[key][_column(r)] = ratio
                cols.add(_column(r))
            if r.get("bandwidth_fraction") is not None and r["dtype"] == "float32":
                bandwidth.setdefault(key, {})[r["threads"]] = r["bandwidth_fraction"]
        if rows:
            order = sorted(cols, key=lambda c: (c[0] != "float32", c[1], c[2], c[3]))
            out[kind] = (order, rows, bandwidth)
    return out


def markdown(columns, rows, bandwidth):
    head = [f"{d.replace('float', 'f')} {s} t{t}" for d, _, s, t in columns]
    bw_threads = sorted({t for per in bandwidth.values() for t in per})
    head += [f"bw/copy 1e7 t{t}" for t in bw_threads]
    lines = ["| function | direction | " + " | ".join(head) + " |",
             "| --- | --- |" + " ---: |" * len(head)]
    for key, cells in rows.items():
        vals = [f"{cells[c]:.2f}" if c in cells else "-" for c in columns]
        per = bandwidth.get(key, {})
        vals += [f"{per[t]:.2f}" if t in per else "-" for t in bw_threads]
        lines.append(f"| {key[0]} | {key[1]} | " + " | ".join(vals) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", nargs="+")
    parser.add_argument("--numpy", action="store_true", help="ratios against NumPy, not torch")
    args = parser.parse_args(argv)
    records = []
    for path in args.json:
        with open(path) as f:
            records += json.load(f)["records"]
    other = "numpy" if args.numpy else "torch"
    if other == "torch" and not any("torch" in r["median_s"] for r in records):
        other = "numpy"
        print("summary.py: no torch timings (torch not installed where measured): ratios "
              "numpy/actloss instead", file=sys.stderr)
    for kind, (columns, rows, bandwidth) in tables(records, other).items():
        print(markdown(columns, rows, bandwidth))
        print()


if __name__ == "__main__":
    main()
