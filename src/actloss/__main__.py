"""``python -m actloss``: build information, a self-check and a speed table.

    python -m actloss              show_config(), the self-check, the speed table
    python -m actloss --no-speed   show_config() and the self-check only

The exit status is 1 if any self-check fails, so the command doubles as an install test.
Subcommands hang off ``_COMMANDS``/``_parser()``; with none given, ``info`` runs.
"""
import argparse
import sys

import actloss
from actloss import _benchcases, _selfcheck

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
        for name in _benchcases.op_names():
            a = _benchcases.make_arrays(name, SPEED_SIZE, SPEED_DTYPE)
            t = _benchcases.make_tensors(a) if torch is not None else None
            fns = {impl: _benchcases.bind(name, "forward", impl, a, t)
                   for impl in ("actloss-alloc", "numpy", "torch")}
            times = _benchcases.median_time({k: f for k, f in fns.items() if f is not None},
                                            repeats=repeats)
            base = times["actloss-alloc"]

            def ms(impl):
                return f"{times[impl] * 1e3:10.3f}" if impl in times else f"{'-':>10}"

            def ratio(impl):
                return f"{times[impl] / base:10.2f}" if impl in times else f"{'-':>10}"

            print(f"{name:14}{ms('actloss-alloc')}{ms('numpy')}{ms('torch')}"
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


_COMMANDS = {"info": cmd_info}


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
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    return _COMMANDS[args.command or "info"](args)


if __name__ == "__main__":
    sys.exit(main())
