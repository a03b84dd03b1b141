"""Pick, once at import, the ISA level whose loops every kernel family runs on this CPU.

Each kernel family is one extension module holding its loops compiled once per ISA level, as
tables of function pointers; `Kernels(isa)` of the module runs one table. ACTLOSS_ISA=
baseline|avx2|avx512 (any case) caps the level (never above what the CPU supports); CI runs
the suite once per level the machine has.
"""
import functools
import importlib
import os

from . import _ops
from ._kernels import _cpu

SUPPORTED = tuple(_cpu.supported_isa_levels())
_LEVELS = tuple(name for name, _ in _ops.ISA_LEVELS)


def _module(family):
    return importlib.import_module(f"actloss._kernels.{family}")


def choose_isa(requested=None):
    """The highest level the CPU supports and the build has, capped at `requested`."""
    requested = requested or os.environ.get("ACTLOSS_ISA") or SUPPORTED[-1]
    if requested.strip().lower() not in _LEVELS:
        raise ValueError(f"ACTLOSS_ISA must be one of {', '.join(_LEVELS)} (any case), "
                         f"got {requested!r}")
    requested = requested.strip().lower()
    try:
        built = _module("_elementwise").ISAS
    except ImportError as e:
        raise ImportError("actloss: the compiled kernels cannot be loaded; reinstall actloss") from e
    candidates = [isa for isa in SUPPORTED
                  if isa in built and _LEVELS.index(isa) <= _LEVELS.index(requested)]
    if not candidates:
        raise ImportError("actloss: no compiled kernel variant can run here; reinstall actloss")
    return candidates[-1]


ISA = choose_isa()


def kernels(family, isa=None):
    """The kernels of `family` (e.g. "_softmax") running the loops compiled for `isa` (default:
    the level chosen at import); one object per family and level."""
    return _kernels(family, isa or ISA)


@functools.lru_cache(maxsize=None)
def _kernels(family, isa):
    if isa not in SUPPORTED:
        raise ValueError(f"this CPU does not run {isa!r} kernels (it runs {SUPPORTED})")
    module = _module(family)
    if isa not in module.ISAS:
        raise ValueError(f"no {isa!r} build of {family}")
    return module.Kernels(isa)


elementwise = kernels("_elementwise")

# What the kernels were really compiled with (the chosen elementwise loops' own compilation).
BUILD = elementwise.build_info()
THREADS = BUILD["threads"]


def families():
    """Names of the kernel families this installation has (one module each; a leftover module
    of the former per-ISA layout, <family>_<isa>, is not one)."""
    import pkgutil
    from . import _kernels as package
    leftovers = tuple("_" + isa for isa in _LEVELS)
    return sorted(m.name for m in pkgutil.iter_modules(package.__path__)
                  if m.name.startswith("_") and m.name != "_cpu" and not m.name.endswith(leftovers))


def stale_modules():
    """Kernel modules (every family, and _cpu) and their loops (every ISA level this CPU runs,
    as <family>_<isa>) compiled with other settings than the chosen elementwise loops: a sign
    of a partial rebuild."""
    found = {"_cpu": _cpu.build_info()}
    for family in families():
        try:
            module = _module(family)
        except ImportError:
            continue
        found[family] = module.build_info()
        for isa in SUPPORTED:
            if isa in module.ISAS:
                found[f"{family}_{isa}"] = kernels(family, isa).build_info()
    return sorted(name for name, info in found.items() if info != BUILD)
