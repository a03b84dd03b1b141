"""Turn a pytest-benchmark JSON file into a markdown table of medians and ratios per group.

    pytest benchmarks --benchmark-only -k "float32-1e6-t1" --benchmark-json=/tmp/b.json
    python benchmarks/ratios.py /tmp/b.json

One row per group (function/direction/dtype/size/threads); columns: the median of actloss
(with out= where the API has it), torch and NumPy (ms), and torch/actloss, numpy/actloss
(above 1: actloss is faster). The implementation of a benchmark is its extra_info "impl".
``python -m actloss bench`` prints the same table without pytest.
"""
import json
import sys
from collections import defaultdict


def rows(path):
    """{group: {impl: median seconds}}."""
    with open(path) as f:
        data = json.load(f)
    groups = defaultdict(dict)
    for b in data["benchmarks"]:
        groups[b["group"]][b["extra_info"]["impl"]] = b["stats"]["median"]
    return groups


def main(path):
    groups = rows(path)
    print("| case | actloss ms | torch ms | numpy ms | torch/actloss | numpy/actloss |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for group, g in groups.items():
        al = g.get("actloss")
        if al is None:          # the np.copyto reference has no actloss row
            continue
        cells = [f"{g[k] * 1e3:.3f}" if k in g else "-" for k in ("torch", "numpy")]
        ratios = [f"{g[k] / al:.2f}" if k in g else "-" for k in ("torch", "numpy")]
        print(f"| {group} | {al * 1e3:.3f} | {cells[0]} | {cells[1]} | {ratios[0]} | {ratios[1]} |")
    if not any("torch" in g for g in groups.values()):
        print("\n(no torch timings in the file (torch not installed where it was measured): "
              "its columns show '-')")


if __name__ == "__main__":
    main(sys.argv[1])
