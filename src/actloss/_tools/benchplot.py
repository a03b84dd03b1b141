"""``python -m actloss bench --plot PATH``: the ratios of a measurement as a PNG.

One horizontal bar chart per peer (torch, jax, numpy) and one of the best peer of each record
(the fastest of torch, torch with out=, jax and numpy); a bar per function and direction, the
median of that peer's time over actloss's across the sizes, dtypes and threads measured. The
x axis is logarithmic, so that 2x faster and 2x slower are as long; a bar starts at 1.0 (the
vertical line) and ends at the ratio: green to the right (actloss faster), red to the left.
matplotlib is imported here only, through its Agg canvas (no display, no pyplot state).
"""
import numpy as np

from .bench import ratio_field

PANELS = ("torch", "jax", "numpy", "best")
FASTER, SLOWER = "#2e7d32", "#c62828"     # actloss faster (ratio >= 1), slower


def medians(records, peer):
    """{(function, direction): median ratio peer/actloss} over the records that have one."""
    field = "best_peer_over_actloss" if peer == "best" else ratio_field(peer)
    groups = {}
    for r in records:
        if r.get(field) is not None:
            groups.setdefault((r["function"], r["direction"]), []).append(r[field])
    return {key: float(np.median(v)) for key, v in groups.items()}


def _title(records, machine):
    cfg = machine["actloss"]
    dtypes = ", ".join(dict.fromkeys(r["dtype"] for r in records))
    return (f"actloss {cfg['version']}: peer time / actloss time (> 1: actloss faster), median "
            f"over sizes, dtypes and threads\n{machine['cpu']}; kernels {cfg['isa']}; accuracy "
            f"{cfg.get('accuracy', 'accurate')}; {dtypes}")


def plot(records, machine, path):
    """Write the chart of `records` (a --json file's) to `path` as a PNG; the panels of peers
    without a timing are left out. Raises ValueError when no record has a ratio."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    panels = [(peer, m) for peer in PANELS for m in [medians(records, peer)] if m]
    if not panels:
        raise ValueError("no record has a ratio to plot")
    rows = list(dict.fromkeys((r["function"], r["direction"]) for r in records
                              if any((r["function"], r["direction"]) in m for _, m in panels)))
    fig = Figure(figsize=(2.6 + 3.2 * len(panels), 1.4 + 0.2 * len(rows)))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    for ax, (peer, m) in zip(axes, panels):
        ys = [i for i, key in enumerate(rows) if key in m]
        values = [m[rows[i]] for i in ys]
        ax.barh(ys, [v - 1 for v in values], left=1, height=0.7,
                color=[FASTER if v >= 1 else SLOWER for v in values])
        ax.set_xscale("log")
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_xlim(min(values + [1]) / 1.8, max(values + [1]) * 1.8)
        ax.xaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.25)
        for y, v in zip(ys, values):
            ax.text(v, y, f" {v:.2f} ", va="center", ha="left" if v >= 1 else "right",
                    fontsize=6)
        ax.set_title(f"{peer}/actloss ({sum(v < 1 for v in values)} of {len(values)} < 1)",
                     fontsize=9)
    axes[0].set_yticks(range(len(rows)))
    axes[0].set_yticklabels([f"{f} {d}" for f, d in rows], fontsize=7)
    axes[0].set_ylim(len(rows) - 0.5, -0.5)             # the table's order, top down
    fig.suptitle(_title(records, machine), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=110)
