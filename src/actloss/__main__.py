"""``python -m actloss``: build information, a self-check and a speed table.

    python -m actloss              show_config(), the self-check, the speed table
    python -m actloss --no-speed   show_config() and the self-check only
    python -m actloss bench ...    actloss vs torch vs NumPy, every function (see --help)
    python -m actloss plot [--out DIR]   every activation and its derivative as PNGs

The exit status is 1 if any self-check fails, so the command doubles as an install test
(``bench``: 1 if a ``--check-floors`` floor is not met; ``plot``: 2 without matplotlib);
141 (128 + SIGPIPE, as a shell reports a command killed by SIGPIPE) if the reader of stdout
went away early (``| head``).
Subcommands hang off ``_COMMANDS``/``_parser()``; with none given, ``info`` runs.
"""
import argparse
import os
import sys

import actloss
from actloss._tools import bench as _bench, benchcases as _benchcases, selfcheck as _selfcheck

SPEED_SIZE = 10**6
SPEED_DTYPE = "float32"


def speed_table(file=None, repeats=7):
    """Median time of each activation's forward at 10^6 float32 elements on one thread:
    actloss (allocating call), the plain NumPy formula and torch.nn.functional (if installed),
    and the ratios numpy/actloss and torch/actloss (above 1: actloss is faster)."""
    torch = _benchcases.torch_module()
    print(f"\nSpeed: forward, 10^{len(str(SPEED_SIZE)) - 1} {SPEED_DTYPE} elements, 1 thread, "
          f"median of {repeats} rounds (ms; ratio > 1: actloss faster)", file=file)
    print(f"{'op':14}{'actloss':>10}{'numpy':>10}{'torch':>10}{'numpy/al':>10}{'torch/al':>10}",
          file=file)
    with _benchcases.num_threads(1):
        for case in _benchcases.cases("activation"):
            if case.api is None:
                continue
            a = _benchcases.inputs(case, SPEED_SIZE, SPEED_DTYPE)
            t = _benchcases.tensors(a) if torch is not None else None
            fns = {impl: _benchcases.bind(case, "forward", impl, a, t)
                   for impl in ("actloss-alloc", "numpy", "torch")}
            times = _benchcases.median_time({k: f for k, f in fns.items() if f is not None},
                                            repeats=repeats)
            base = times["actloss-alloc"]

            def ms(impl):
                return f"{times[impl] * 1e3:10.3f}" if impl in times else f"{'-':>10}"

            def ratio(impl):
                return f"{times[impl] / base:10.2f}" if impl in times else f"{'-':>10}"

            print(f"{case.name:14}{ms('actloss-alloc')}{ms('numpy')}{ms('torch')}"
                  f"{ratio('numpy')}{ratio('torch')}", file=file)
    print("(numpy: the plain NumPy formula; gelu's takes erf from SciPy, '-' without it"
          + ("; torch is not installed" if torch is None else "") + ")", file=file)


def cmd_info(args):
    """The default command: configuration, self-check, speed table; 1 if the check fails."""
    actloss.show_config()
    print()
    ok = _selfcheck.report(_selfcheck.run(actloss))
    if not args.no_speed:
        speed_table()
    return 0 if ok else 1


def cmd_bench(args):
    """actloss vs torch vs NumPy on every function; 1 if a --check-floors floor is not met."""
    return _bench.run(args)


def cmd_plot(args):
    """One PNG per activation (and its derivative) plus an overview grid; 2 without
    matplotlib."""
    from actloss import _plot  # imports matplotlib: only for this command
    return _plot.main(args.out)


_COMMANDS = {"info": cmd_info, "bench": cmd_bench, "plot": cmd_plot}


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m actloss",
        description="Show actloss's build configuration, check every activation against "
                    "NumPy formulas (exit status 1 on a failure) and time it against NumPy "
                    "and torch.")
    parser.add_argument("--no-speed", action="store_true",
                        help="skip the speed table (configuration and self-check only)")
    sub = parser.add_subparsers(dest="command", metavar="command")
    info = sub.add_parser("info", help="the default: configuration, self-check, speed table")
    info.add_argument("--no-speed", action="store_true", default=argparse.SUPPRESS,
                      help="skip the speed table")
    bench = sub.add_parser(
        "bench", help="time every function: actloss vs torch vs NumPy, medians and ratios",
        description="Time every public function of actloss, forward, backward and fused, "
                    "against torch (if installed) and the plain NumPy formula, side by side in "
                    "one process; print a table of medians and ratios (> 1: actloss faster).")
    _bench.add_arguments(bench)
    plot = sub.add_parser(
        "plot", help="draw every activation and its derivative (PNG; needs matplotlib)",
        description="Draw every elementwise activation of the op table and its derivative "
                    "(actloss's own forward and _backward), one PNG per activation plus an "
                    "overview grid, activations.png. Needs matplotlib (exit status 2 without).")
    plot.add_argument("--out", default="actloss-plots", metavar="DIR",
                      help="directory to write the PNGs into (created; default: %(default)s)")
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    return _COMMANDS[args.command or "info"](args)


# what a shell reports for a command killed by SIGPIPE (13 on every POSIX system; Windows
# has no SIGPIPE)
EXIT_BROKEN_PIPE = 128 + 13


def _command_line():
    """main() for the command line. A reader that closes stdout early (``| head``) ends the
    command quietly: Python ignores SIGPIPE, so the next write raises BrokenPipeError, which
    would print a traceback (the idiom of the Python docs' signal module notes)."""
    try:
        try:
            return main()
        finally:
            # the buffered rest fails here, inside the try, also after argparse's
            # SystemExit (--help: argparse itself ignores a failed write)
            sys.stdout.flush()
    except BrokenPipeError:
        # Python flushes stdout once more at exit, which would fail again ("Exception
        # ignored ... BrokenPipeError"): point it at devnull first
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(_command_line())
