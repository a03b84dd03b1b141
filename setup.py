"""Build actloss: render the kernel templates, probe OpenMP, compile one extension per kernel
family and ISA level.

Environment knob: ACTLOSS_NO_OPENMP=1 builds without OpenMP (serial kernels). No build targets
the build machine's CPU: every ISA level is compiled and the best one is chosen at import.
"""
import os
import platform
import runpy
import shutil
import subprocess
import sys
import sysconfig
import tempfile

import numpy as np
from Cython.Build import cythonize
from Cython.Tempita import sub as tempita_sub
from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
KERNELS = os.path.join("src", "actloss", "_kernels")
OPS_FILE = os.path.join(HERE, "src", "actloss", "_ops.py")
COEFFS_FILE = os.path.join(HERE, KERNELS, "coefficients.py")
X86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686")


def template_context():
    """Every upper-case name of the op table and the coefficients, for the templates."""
    ops = runpy.run_path(OPS_FILE)
    coeffs = runpy.run_path(COEFFS_FILE)
    ctx = {k: v for k, v in list(coeffs.items()) + list(ops.items()) if k.isupper()}
    ctx["DTYPES_IDX"] = [(i,) + tuple(d) for i, d in enumerate(ops["DTYPES"])]
    return ops, ctx


def families():
    """Kernel families: _kernels/<family>.pyx.tp. ACTLOSS_FAMILIES=a,b limits a development
    build to those families (the others must already be built)."""
    k = os.path.join(HERE, KERNELS)
    found = sorted(f[:-len(".pyx.tp")] for f in os.listdir(k) if f.endswith(".pyx.tp"))
    only = os.environ.get("ACTLOSS_FAMILIES")
    return [f for f in found if f in only.split(",")] if only else found


def render(template, output, ctx):
    """Render a Tempita template when it, the op table or the coefficients are newer."""
    deps = [template, OPS_FILE, COEFFS_FILE, os.path.abspath(__file__)]
    if os.path.exists(output) and os.path.getmtime(output) >= max(map(os.path.getmtime, deps)):
        return
    with open(template) as f:
        text = f.read()
    generated = f"GENERATED from {os.path.basename(template)} by setup.py -- do not edit"
    out = tempita_sub(text, GENERATED=generated, **ctx)
    with open(output, "w") as f:
        f.write(out)


def openmp_flags():
    """-fopenmp if the compiler accepts it and links a trivial OpenMP program."""
    if os.environ.get("ACTLOSS_NO_OPENMP") == "1" or sys.platform == "win32":
        return [], []
    cc = sysconfig.get_config_var("CC") or "cc"
    src = "#include <omp.h>\nint main(void){return omp_get_max_threads() > 0 ? 0 : 1;}\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "probe.c")
        with open(path, "w") as f:
            f.write(src)
        try:
            subprocess.run(cc.split() + ["-fopenmp", path, "-o", os.path.join(tmp, "probe")],
                           check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError):
            print("actloss: OpenMP not available, building serial kernels", file=sys.stderr)
            return [], []
    return ["-fopenmp"], ["-fopenmp"]


def extensions():
    ops, ctx = template_context()
    k = os.path.join(HERE, KERNELS)
    for header in sorted(os.listdir(k)):
        if header.endswith(".h.tp"):
            render(os.path.join(k, header), os.path.join(k, header[:-3]), ctx)
    omp_compile, omp_link = openmp_flags()
    common = ["-O3", "-ffp-contract=off", "-fno-trapping-math", "-fopenmp-simd", "-Wno-unused-parameter",
              "-Wno-unused-function"] + omp_compile
    macros = [("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION")]
    include = [np.get_include(), KERNELS]
    exts = [Extension("actloss._kernels._cpu", [os.path.join(KERNELS, "_cpu.pyx")],
                      include_dirs=include, extra_compile_args=common, extra_link_args=omp_link)]
    levels = ops["ISA_LEVELS"] if X86 else ops["ISA_LEVELS"][:1]
    for family in families():
        for isa, flags in levels:
            pyx = os.path.join(k, f"{family}_{isa}.pyx")
            render(os.path.join(k, f"{family}.pyx.tp"), pyx, dict(ctx, isa=isa))
            exts.append(Extension(f"actloss._kernels.{family}_{isa}",
                                  [os.path.join(KERNELS, f"{family}_{isa}.pyx")],
                                  include_dirs=include, define_macros=macros,
                                  extra_compile_args=common + list(flags),
                                  extra_link_args=omp_link))
    return cythonize(exts, compiler_directives={"language_level": 3}, quiet=True)


setup(ext_modules=extensions())
