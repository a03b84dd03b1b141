"""Pick, once at import, the best compiled variant of each kernel family for this CPU.

ACTLOSS_ISA=baseline|avx2|avx512 (any case) caps the level (never above what the CPU
supports); CI runs the suite once per level the machine has.
"""
import functools
import importlib
import os

from . import _ops
from ._kernels import _cpu

SUPPORTED = tuple(_cpu.supported_isa_levels())
_BUILT = tuple(name for name, _ in _ops.ISA_LEVELS)


def _available(family, isa):
    try:
        return importlib.import_module(f"actloss._kernels.{family}_{isa}")
    except ImportError:
        return None


def choose_isa(requested=None):
    """The highest level the CPU supports and the build has, capped at `requested`."""
    requested = requested or os.environ.get("ACTLOSS_ISA") or SUPPORTED[-1]
    if requested.strip().lower() not in _BUILT:
        raise ValueError(f"ACTLOSS_ISA must be one of {', '.join(_BUILT)} (any case), "
                         f"got {requested!r}")
    requested = requested.strip().lower()
    candidates = [isa for isa in SUPPORTED if _BUILT.index(isa) <= _BUILT.index(requested)]
    for isa in reversed(candidates):
        if _available("_elementwise", isa):
            return isa
    raise ImportError("actloss: no compiled kernel variant can run here; reinstall actloss")


ISA = choose_isa()


@functools.lru_cache(maxsize=None)
def kernels(family, isa=None):
    """The kernel module of `family` (e.g. "_softmax") compiled for `isa` (default: the level
    chosen at import)."""
    isa = isa or ISA
    if isa not in SUPPORTED:
        raise ValueError(f"this CPU does not run {isa!r} kernels (it runs {SUPPORTED})")
    module = _available(family, isa)
    if module is None:
        raise ValueError(f"no {isa!r} build of {family}")
    return module


elementwise = kernels("_elementwise")

# What the kernels were really compiled with (each module reports its own compilation).
BUILD = elementwise.build_info()
THREADS = BUILD["threads"]


def families():
    """Names of the kernel families this installation has."""
    import pkgutil
    from . import _kernels
    names = {m.name.rsplit("_", 1)[0] for m in pkgutil.iter_modules(_kernels.__path__)
             if m.name.rsplit("_", 1)[-1] in _BUILT}
    return sorted(names)


def stale_modules():
    """Kernel modules (every family, every ISA level this CPU runs, and _cpu) compiled with
    other settings than the chosen elementwise module: a sign of a partial rebuild."""
    found = {"_cpu": _cpu.build_info()}
    for family in families():
        for isa in SUPPORTED:
            module = _available(family, isa)
            if module is not None:
                found[f"{family}_{isa}"] = module.build_info()
    return sorted(name for name, info in found.items() if info != BUILD)
