"""``python -m actloss plot``: every elementwise activation and its derivative, one panel each.

The panels come from the op table: every public row of ``_ops.UNARY`` (one panel per value of
a string option, so gelu gets "none" and "tanh"), then the special activations of
``_ops.SPECIAL``, with the arguments below. Values and derivatives are actloss's own: the
forward function and ``<name>_backward`` with grad_output 1, on float64.

matplotlib is optional: without it :func:`main` prints how to get it and returns 2. It is
imported only here, so nothing else in the package ever loads it.
"""
import itertools
import os
import sys

import numpy as np

# Arguments for the rows whose parameters have no default (torch's threshold has none): the
# value plotted and shown in the panel's title.
REQUIRED_VALUES = {"threshold": {"threshold": 1.0, "value": -1.0}}

# The special activations (_ops.SPECIAL): how each is drawn as a function of one variable.
# prelu with torch's initial slope (nn.PReLU: 0.25); rrelu in eval mode (the mean slope of
# [lower, upper], torch's defaults); glu on the pair (x, x), the same x as both halves, whose
# derivative is the sum of the gradients of the two halves.
SPECIAL_TITLES = {"prelu": "prelu (weight=[0.25])",
                  "rrelu": "rrelu (eval, lower=1/8, upper=1/3)",
                  "glu": "glu on pairs (x, x)"}

X_RANGE = (-5.0, 5.0)
N_POINTS = 1001  # odd, so x = 0 (where several kinks sit) is a sample


class Panel:
    """One activation: its title, file stem, and f(x), f'(x) on the grid."""

    def __init__(self, stem, title, y, dy):
        self.stem, self.title, self.y, self.dy = stem, title, y, dy


def _unary_panels(actloss, ops, x):
    panels = []
    ones = np.ones_like(x)
    for op in ops.UNARY:
        if not op.public:
            continue
        forward, backward = getattr(actloss, op.name), getattr(actloss, op.name + "_backward")
        params = {p.name: (REQUIRED_VALUES[op.name][p.name] if p.default == ops.REQUIRED
                           else p.default) for p in op.params}
        # one panel per combination of string options (gelu's approximate), defaults first
        names = [name for name, _, _ in op.options]
        choices = [sorted((v for v, _ in c), key=lambda v, d=d: v != d)
                   for _, d, c in op.options]
        for values in itertools.product(*choices):
            kwargs = {**params, **dict(zip(names, values))}
            shown = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v!r}"
                              for k, v in kwargs.items())
            title = f"{op.name} ({shown})" if shown else op.name
            stem = "_".join([op.name] + [v for v, (_, d, _) in zip(values, op.options) if v != d])
            panels.append(Panel(stem, title, forward(x, **kwargs), backward(ones, x, **kwargs)))
    return panels


def _special_panels(actloss, ops, x):
    missing = set(ops.SPECIAL) - set(SPECIAL_TITLES)
    if missing:  # a new special activation needs its drawing rule here
        raise RuntimeError(f"_plot.py has no rule for the special activations {sorted(missing)}")
    ones = np.ones_like(x)
    weight = np.array([0.25])
    pair = np.stack([x, x], axis=-1)  # (n, 2): glu halves along the last dim
    g = actloss.glu_backward(ones[:, None], pair, dim=-1)  # (n, 2): one gradient per half
    computed = {
        "prelu": (actloss.prelu(x, weight), actloss.prelu_backward(ones, x, weight)[0]),
        "rrelu": (actloss.rrelu(x, training=False), actloss.rrelu_backward(ones, x)),
        "glu": (actloss.glu(pair, dim=-1)[:, 0], g.sum(axis=-1)),
    }
    return [Panel(name, SPECIAL_TITLES[name], *computed[name]) for name in ops.SPECIAL]


def panels():
    """Every activation's Panel, in table order (the unary rows, then the special ones)."""
    import actloss
    from actloss import _ops as ops
    x = np.linspace(*X_RANGE, N_POINTS)
    return _unary_panels(actloss, ops, x) + _special_panels(actloss, ops, x)


def _draw(ax, x, panel):
    ax.axhline(0.0, color="0.8", linewidth=0.8)
    ax.axvline(0.0, color="0.8", linewidth=0.8)
    ax.plot(x, panel.y, label="f(x)", color="tab:blue")
    ax.plot(x, panel.dy, label="f'(x)", color="tab:orange", linestyle="--")
    ax.set_title(panel.title, fontsize=9)
    ax.set_xlim(*X_RANGE)
    ax.grid(True, linewidth=0.3)


def write(out_dir):
    """Write <stem>.png per activation and activations.png (the grid) into out_dir; returns
    the paths written, the grid last."""
    import matplotlib
    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    x = np.linspace(*X_RANGE, N_POINTS)
    items = panels()
    paths = []
    for panel in items:
        fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
        _draw(ax, x, panel)
        ax.legend(fontsize=8, loc="upper left")
        fig.tight_layout()
        path = os.path.join(out_dir, panel.stem + ".png")
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    cols = 5
    rows = -(-len(items) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.6 * rows), dpi=80,
                             squeeze=False)
    for ax, panel in zip(axes.flat, items):
        _draw(ax, x, panel)
    for ax in axes.flat[len(items):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8, loc="upper left")
    fig.suptitle("actloss activations f(x) (solid) and derivatives f'(x) (dashed)")
    fig.tight_layout()
    path = os.path.join(out_dir, "activations.png")
    fig.savefig(path)
    plt.close(fig)
    paths.append(path)
    return paths


def main(out_dir, file=None):
    """The plot command: 0 when written, 2 without matplotlib."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("python -m actloss plot needs matplotlib: pip install matplotlib "
              "(or actloss's 'plot' extra)", file=sys.stderr)
        return 2
    paths = write(out_dir)
    print(f"wrote {len(paths) - 1} activation plots and the overview {paths[-1]} "
          f"to {out_dir}", file=file)
    return 0
