"""Build actloss: render the kernel templates, compile one extension per kernel family, each
linking its loops compiled once per ISA level.

Environment knobs: ACTLOSS_NO_THREADS=1 builds serial kernels (no worker pool); CC picks the
compiler; ACTLOSS_BUILD_JOBS=n runs n compilers at once (default: the usable cores). No
build targets the build machine's CPU: every ISA level is compiled and the best one is chosen
at import.

Everything generated -- rendered templates, Cython's C, the per-ISA translation units -- goes
to build/generated, never into src/. A family's loops (the al_*.h templates) are compiled once
per ISA level as separate C units (al_<family>_<isa>.c: AL_ISA set, the level's -m flags on),
each defining one table of function pointers; the family's Cython layer is compiled once,
without ISA flags, and picks a table at import (_dispatch).

The settings every unit is compiled with (compiler, flags, threads, NumPy) are written to the
generated header al_build.h, which every module includes and depends on: when a
setting changes, the header changes and every module is rebuilt (a rebuild in the same
checkout never keeps a module compiled otherwise), and each module and each ISA unit reports
the settings it was really compiled with (build_info(), shown by actloss.show_config()).
"""
import hashlib
import os
import platform
import re
import runpy
import shutil
import struct
import subprocess
import sys
import sysconfig
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from Cython.Build import cythonize
from Cython.Tempita import sub as tempita_sub
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
KERNELS = os.path.join("src", "actloss", "_kernels")
GENERATED = os.path.join("build", "generated")  # everything rendered or generated for the build
OPS_FILE = os.path.join(HERE, "src", "actloss", "_ops.py")
COEFFS_FILE = os.path.join(HERE, KERNELS, "coefficients.py")
X86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686")


def horner(var, coeffs):
    """C source of Horner's rule in double FMAs, coefficients lowest degree first."""
    expr = repr(float(coeffs[-1]))
    for c in reversed(coeffs[:-1]):
        expr = "AL_FMA(%s, %s, %s)" % (expr, var, repr(float(c)))
    return expr


def f32(c):
    """C literal of c rounded to float32 (hex)."""
    return float.hex(struct.unpack("f", struct.pack("f", float(c)))[0]) + "f"


def hornerf(var, coeffs):
    """The same in float FMAs, the coefficients rounded to float32."""
    expr = f32(coeffs[-1])
    for c in reversed(coeffs[:-1]):
        expr = "AL_FMAF(%s, %s, %s)" % (expr, var, f32(c))
    return expr


def template_context():
    """Every upper-case name of the op table and the coefficients, and the Horner helpers, for
    the templates."""
    ops = runpy.run_path(OPS_FILE)
    coeffs = runpy.run_path(COEFFS_FILE)
    ctx = {k: v for k, v in list(coeffs.items()) + list(ops.items()) if k.isupper()}
    ctx["DTYPES_IDX"] = [(i,) + tuple(d) for i, d in enumerate(ops["DTYPES"])]
    ctx["horner"], ctx["hornerf"], ctx["f32"] = horner, hornerf, f32
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


def compiler():
    """The C compiler the build will use: $CC, else the one Python was built with."""
    return os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"


def thread_flags():
    """(compile flags, link flags, note): the worker pool (al_pool.h) uses POSIX threads;
    ACTLOSS_NO_THREADS=1 builds it serial."""
    if os.environ.get("ACTLOSS_NO_THREADS") == "1":
        return ["-DAL_POOL_SERIAL"], [], "serial: ACTLOSS_NO_THREADS=1"
    return ["-pthread"], ["-pthread"], "worker pool (POSIX threads)"


def c_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_build_header(path, settings):
    """Write al_build.h with the build settings, only when they changed (its mtime is what
    makes setuptools rebuild every module that depends on it)."""
    lines = [f"/* GENERATED by setup.py -- do not edit. The settings the kernels are compiled "
             f"with; every module\n   includes and depends on this file, so changing a setting "
             f"rebuilds them all. */",
             "#ifndef AL_BUILD_H", "#define AL_BUILD_H"]
    lines += [f"#define AL_BUILD_{key.upper()} {c_string(value)}" for key, value in settings]
    write_if_changed(path, "\n".join(lines + ["#endif", ""]))


def strip_flags():
    """Ship the modules without debug info (Python's CFLAGS carry -g: 4x the size)."""
    if sys.platform.startswith("linux"):
        return ["-g0"], ["-Wl,--strip-debug"]
    return (["-g0"], []) if sys.platform != "win32" else ([], [])


def generate_python(ops):
    """The Python the op table generates (public functions, literal __all__ lists): the
    marked regions of the package's files, rewritten when a row changed (see _codegen.py)."""
    codegen = runpy.run_path(os.path.join(HERE, "src", "actloss", "_codegen.py"))
    for region in codegen["update"](os.path.join(HERE, "src", "actloss"), ops):
        print(f"generated {region}")


def write_if_changed(path, text):
    """Write a generated file only when its text changed (its mtime drives the rebuilds)."""
    if os.path.exists(path):
        with open(path) as f:
            if f.read() == text:
                return
    with open(path, "w") as f:
        f.write(text)


def isa_unit(family, isa, flags):
    """The C translation unit of `family`'s loops for one ISA level: the family's API header
    with AL_ISA set, which brings in its loops and defines the table al_<family>_<isa>."""
    name = family.lstrip("_")
    return (f"/* GENERATED by setup.py -- do not edit. The {isa} loops of {family} "
            f"(compiled with: {' '.join(flags) or 'no ISA flags'}). */\n"
            f"#define AL_ISA {isa}\n#include \"al_{name}_api.h\"\n")


# Extension name -> [(C unit, its ISA flags)]: the per-ISA loops BuildExt compiles and links.
ISA_UNITS = {}


def extensions():
    if sys.platform == "win32":
        # loudly, rather than a wheel of serial kernels that users would take for the real one
        raise SystemExit("actloss does not build on Windows yet: its kernels need a GCC-style "
                         "compiler (gcc or clang) and its worker pool POSIX threads")
    ops, ctx = template_context()
    generate_python(ops)
    k = os.path.join(HERE, KERNELS)
    gen = os.path.join(HERE, GENERATED)
    os.makedirs(gen, exist_ok=True)
    levels = ops["ISA_LEVELS"] if X86 else ops["ISA_LEVELS"][:1]
    ctx["ISAS"] = [isa for isa, _ in levels]
    for header in sorted(os.listdir(k)):
        if header.endswith(".h.tp"):
            render(os.path.join(k, header), os.path.join(gen, header[:-3]), ctx)
    cc = compiler()
    threads_compile, threads_link, threads_note = thread_flags()
    strip_compile, strip_link = strip_flags()
    # -fopenmp-simd: `#pragma omp simd` only, no OpenMP runtime (threads are al_pool.h's)
    common = (["-O3", "-ffp-contract=off", "-fno-trapping-math", "-fopenmp-simd",
               "-Wno-unused-parameter", "-Wno-unused-function"] + strip_compile + threads_compile)
    link = strip_link + threads_link
    write_build_header(os.path.join(gen, "al_build.h"), [
        ("compiler", cc), ("flags", " ".join(common)), ("link_flags", " ".join(link)),
        ("threads_note", threads_note), ("numpy", np.__version__)])
    headers = ([os.path.join(GENERATED, h) for h in sorted(os.listdir(gen)) if h.endswith(".h")]
               + [os.path.join(KERNELS, h) for h in sorted(os.listdir(k)) if h.endswith(".h")])
    macros = [("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION")]
    include = [np.get_include(), GENERATED, KERNELS]
    cythonize_args = dict(compiler_directives={"language_level": 3}, quiet=True,
                          # the kernel modules cimport actloss._kernels._cpu (the worker pool)
                          # and include _build_info.pxi
                          include_path=[os.path.join(HERE, "src"), k])
    # _cpu.pyx is a source file: its C goes to build_dir, not next to it
    cpu_headers = [os.path.join(GENERATED, "al_build.h")] + [
        os.path.join(KERNELS, h) for h in ("al_cpu.h", "al_isa.h", "al_pool.h")]
    exts = cythonize([Extension("actloss._kernels._cpu", [os.path.join(KERNELS, "_cpu.pyx")],
                                include_dirs=include, extra_compile_args=common,
                                extra_link_args=link, depends=cpu_headers)],
                     build_dir=GENERATED, **cythonize_args)
    families_exts = []
    for family in families():
        render(os.path.join(k, f"{family}.pyx.tp"), os.path.join(gen, f"{family}.pyx"), ctx)
        name = f"actloss._kernels.{family}"
        ISA_UNITS[name] = []
        for isa, flags in levels:
            unit = os.path.join(GENERATED, f"al{family}_{isa}.c")
            write_if_changed(os.path.join(HERE, unit), isa_unit(family, isa, flags))
            ISA_UNITS[name].append((unit, list(flags)))
        families_exts.append(Extension(
            name, [os.path.join(GENERATED, f"{family}.pyx")], include_dirs=include,
            define_macros=macros, extra_compile_args=common, extra_link_args=link,
            depends=headers + [unit for unit, _ in ISA_UNITS[name]]))
    return exts + cythonize(families_exts, **cythonize_args)


def build_jobs():
    """Modules compiled at once: the usable cores (pip gives build_ext no -j of its own)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, int(os.environ.get("ACTLOSS_BUILD_JOBS") or cores or 1))


# Cython writes the paths of the headers it saw (pip's temporary build environment among them)
# into a metadata comment at the top of its C: not part of what is compiled
CYTHON_METADATA = re.compile(rb"/\* BEGIN: Cython Metadata.*?END: Cython Metadata \*/", re.S)
# the object cache: in build/ beside the sources, where every kind of build finds it (an
# editable install compiles in a temporary build_temp)
OBJECTS = os.path.join(HERE, "build", "objects")
OBJECTS_KEPT = 3   # cached objects kept per source file


class BuildExt(build_ext):
    """build_ext compiling build_jobs() things at once unless told otherwise (-j): first the
    per-ISA loop units of every extension that is out of date (setuptools would compile one
    extension's sources one after another), then the extensions, linked with them.

    Every object is also cached in build/objects under a hash of what it is compiled
    from: the source's text, its headers' (ext.depends, al_build.h's settings among them), the
    flags, the compiler's version and the Python the modules are for. A build that finds its object there copies it instead
    of compiling: pip builds each install in a new temporary environment, whose fresh NumPy
    headers make Cython rewrite identical C and setuptools rebuild every module (about two
    minutes here); an unchanged checkout now relinks."""

    def finalize_options(self):
        super().finalize_options()
        if not self.parallel:
            self.parallel = build_jobs()

    def _compiler_version(self):
        if not hasattr(self, "_cc_version"):
            try:
                self._cc_version = subprocess.run(
                    self.compiler.compiler_so[:1] + ["--version"], capture_output=True,
                    check=False).stdout
            except OSError:
                self._cc_version = b""
        return self._cc_version

    def _object_key(self, source, macros, preargs, postargs, depends):
        h = hashlib.sha256(self._compiler_version())
        # the Python the modules are for (its headers; NumPy's version is in al_build.h)
        python = (sysconfig.get_config_var("EXT_SUFFIX"), sysconfig.get_paths()["include"])
        h.update(repr((python, self.compiler.compiler_so, macros, preargs, postargs)).encode())
        for path in [source] + sorted(set(depends or ())):
            if os.path.exists(path):
                with open(path, "rb") as f:
                    h.update(CYTHON_METADATA.sub(b"", f.read()))
        base = os.path.splitext(os.path.basename(source))[0]
        return os.path.join(OBJECTS, f"{base}-{h.hexdigest()[:24]}.o")

    def _cached_compile(self, compile):
        """self.compiler.compile, one source at a time through the object cache."""
        def cached(sources, output_dir=None, macros=None, include_dirs=None, debug=False,
                   extra_preargs=None, extra_postargs=None, depends=None):
            objects = []
            for source in sources:
                obj = self.compiler.object_filenames([source], output_dir=output_dir)[0]
                key = self._object_key(source, macros, extra_preargs, extra_postargs, depends)
                if os.path.exists(key):
                    os.makedirs(os.path.dirname(obj) or ".", exist_ok=True)
                    shutil.copyfile(key, obj)
                else:
                    obj = compile([source], output_dir, macros, include_dirs, debug,
                                  extra_preargs, extra_postargs, depends)[0]
                    os.makedirs(os.path.dirname(key), exist_ok=True)
                    shutil.copyfile(obj, key + ".part")
                    os.replace(key + ".part", key)
                    self._prune(key)
                objects.append(obj)
            return objects
        return cached

    @staticmethod
    def _prune(key):
        """Keep the OBJECTS_KEPT newest cached objects of key's source."""
        base = os.path.basename(key).rsplit("-", 1)[0] + "-"
        folder = os.path.dirname(key)
        same = sorted((os.path.join(folder, f) for f in os.listdir(folder)
                       if f.startswith(base) and f.endswith(".o")
                       and f.rsplit("-", 1)[0] + "-" == base), key=os.path.getmtime)
        for old in same[:-OBJECTS_KEPT]:
            try:
                os.remove(old)
            except OSError:
                pass

    def _out_of_date(self, ext):
        """What build_ext itself checks before it rebuilds an extension."""
        target = self.get_ext_fullpath(ext.name)
        if self.force or not os.path.exists(target):
            return True
        return max(map(os.path.getmtime, ext.sources + ext.depends)) > os.path.getmtime(target)

    def _compile_unit(self, ext, source, flags):
        return self.compiler.compile(
            [source], output_dir=self.build_temp, macros=ext.define_macros,
            include_dirs=ext.include_dirs, debug=self.debug,
            extra_postargs=ext.extra_compile_args + flags, depends=ext.depends)[0]

    def build_extensions(self):
        self.compiler.compile = self._cached_compile(self.compiler.compile)
        todo = [(ext, source, flags) for ext in self.extensions if self._out_of_date(ext)
                for source, flags in ISA_UNITS.get(ext.name, ())]
        jobs = os.cpu_count() if self.parallel is True else self.parallel
        with ThreadPoolExecutor(max(1, int(jobs or 1))) as pool:
            objects = list(pool.map(lambda job: self._compile_unit(*job), todo))
        for (ext, _, _), obj in zip(todo, objects):
            ext.extra_objects = list(ext.extra_objects or []) + [obj]
        super().build_extensions()


if __name__ == "__main__":  # setuptools runs this file as __main__; tests load its helpers
    setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExt})
