"""Turn a pytest-benchmark JSON file into a markdown table of medians and ratios per group.

    pytest benchmarks/bench_losses.py --benchmark-only --benchmark-json=/tmp/b.json
    python benchmarks/ratios.py /tmp/b.json

Columns: the median of each implementation (ms) and torch/actloss, numpy/actloss (above 1:
actloss is faster). The implementation is the test's `impl` parameter ("actloss", "torch",
"numpy"; "actloss-alloc" counts as actloss when there is no preallocated row).
"""
import json
import sys
from collections import defaultdict


def rows(path):
    with open(path) as f:
        data = json.load(f)
    groups = defaultdict(dict)
    for b in data["benchmarks"]:
        case = b["params"].get("activation_case")
        impl = b["params"].get("impl") or (case[-1] if case else None)
        groups[b["group"]][impl] = b["stats"]["median"]
    return groups


def main(path):
    groups = rows(path)
    print("| case | actloss ms | torch ms | numpy ms | torch/actloss | numpy/actloss |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for group in sorted(groups):
        g = groups[group]
        al = g.get("actloss", g.get("actloss-alloc"))
        if al is None:
            continue
        cells = [f"{g[k] * 1e3:.3f}" if k in g else "-" for k in ("torch", "numpy")]
        ratios = [f"{g[k] / al:.2f}" if k in g else "-" for k in ("torch", "numpy")]
        print(f"| {group} | {al * 1e3:.3f} | {cells[0]} | {cells[1]} | {ratios[0]} | {ratios[1]} |")


if __name__ == "__main__":
    main(sys.argv[1])
