"""The build does what it says: one module per kernel family holding its loops for every ISA
level, every module and every ISA's loops report the settings they were compiled with, a
rebuild with other settings rebuilds every module, nothing generated lands in src/, CC picks
the compiler, and clang builds threaded kernels with or without libomp (the worker pool needs
POSIX threads, not OpenMP).

The end-to-end builds copy the sources to a temporary directory and build the smallest
family (_softmax) and _cpu there, so the installed package is never touched.
"""
import importlib
import json
import os
import platform
import runpy
import shutil
import subprocess
import sys

import pytest

import actloss as F
from actloss import _dispatch, _ops

ELEMENTWISE = importlib.import_module("actloss._kernels._elementwise")
X86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETUP = os.path.join(ROOT, "setup.py")
HAVE_SOURCES = os.path.exists(SETUP) and os.path.isdir(os.path.join(ROOT, "src", "actloss"))
try:
    import Cython  # noqa: F401  (setup.py needs it; the test extra installs it)
    HAVE_CYTHON = True
except ImportError:
    HAVE_CYTHON = False
needs_sources = pytest.mark.skipif(not (HAVE_SOURCES and HAVE_CYTHON),
                                   reason="needs the source checkout and Cython")


def setup_helpers():
    """setup.py's functions, without running setup()."""
    return runpy.run_path(SETUP, run_name="actloss_setup")


def test_every_module_reports_the_build_show_config_shows(capsys):
    info = F.show_config()
    assert _dispatch.stale_modules() == [] and info["stale_modules"] == []
    for family in _dispatch.families():
        for isa in _dispatch.SUPPORTED:
            assert _dispatch.kernels(family, isa).build_info() == _dispatch.BUILD, (family, isa)
    assert info["threads_built"] is _dispatch.BUILD["threads"]
    assert info["compiler"] == _dispatch.BUILD["compiler"]
    printed = capsys.readouterr().out
    assert f"compiler    : {info['compiler']}" in printed
    assert _dispatch.BUILD["threads_note"] in printed
    assert set(_dispatch.families()) == {"_elementwise", "_pointwise_loss", "_rowwise_loss",
                                         "_softmax", "_ctc"}


def test_one_module_per_family_with_every_isa_level():
    """Each family is one extension module linking its loops for every ISA level this platform
    builds; Kernels(isa) runs that level's loops (tables compiled in their own units)."""
    levels = [name for name, _ in _ops.ISA_LEVELS]
    kernel_dir = os.path.dirname(ELEMENTWISE.__file__)
    built = sorted(f.split(".")[0] for f in os.listdir(kernel_dir) if f.endswith((".so", ".pyd")))
    assert built == ["_cpu"] + _dispatch.families()
    for family in _dispatch.families():
        module = importlib.import_module(f"actloss._kernels.{family}")
        assert list(module.ISAS) == (levels if X86 else levels[:1])
        for isa in module.ISAS:  # the tables are there even for levels this CPU cannot run
            info = module.Kernels(isa).build_info()
            assert info == _dispatch.BUILD, (family, isa, info)
        with pytest.raises(ValueError, match="no 'sse9' loops"):
            module.Kernels("sse9")
    assert _dispatch.kernels("_softmax", "baseline") is _dispatch.kernels("_softmax", "baseline")
    assert _dispatch.kernels("_softmax") is _dispatch.kernels("_softmax", _dispatch.ISA)


def test_shipped_modules_have_no_debug_info():
    """Python's CFLAGS carry -g; the modules are built with -g0 and linked --strip-debug."""
    flags = _dispatch.BUILD["flags"].split()
    assert "-g0" in flags
    if sys.platform.startswith("linux"):
        with open(ELEMENTWISE.__file__, "rb") as f:
            assert b".debug_info" not in f.read()


@needs_sources
def test_build_header_rewritten_only_when_settings_change(tmp_path):
    write = setup_helpers()["write_build_header"]
    path = tmp_path / "al_build.h"
    write(str(path), [("compiler", "gcc"), ("openmp_note", "on")])
    first = path.read_text()
    assert '#define AL_BUILD_COMPILER "gcc"' in first
    os.utime(path, (1, 1))  # an old mtime: a rewrite would be seen
    write(str(path), [("compiler", "gcc"), ("openmp_note", "on")])
    assert path.stat().st_mtime == 1
    write(str(path), [("compiler", 'clang "14"'), ("openmp_note", "on")])
    assert path.stat().st_mtime > 1
    assert '#define AL_BUILD_COMPILER "clang \\"14\\""' in path.read_text()


@needs_sources
def test_compiler_and_thread_settings(monkeypatch):
    helpers = setup_helpers()
    monkeypatch.setenv("CC", "clang-99 -Wall")
    assert helpers["compiler"]() == "clang-99 -Wall"
    monkeypatch.delenv("CC")
    assert helpers["compiler"]()  # sysconfig's, or cc
    monkeypatch.delenv("ACTLOSS_NO_THREADS", raising=False)
    compile_flags, link_flags, note = helpers["thread_flags"]()
    if sys.platform != "win32":
        assert compile_flags == link_flags == ["-pthread"] and "worker pool" in note
    monkeypatch.setenv("ACTLOSS_NO_THREADS", "1")
    assert helpers["thread_flags"]() == (["-DAL_POOL_SERIAL"], [], "serial: ACTLOSS_NO_THREADS=1")


# ---- end-to-end builds in a temporary copy -------------------------------------------------

def _copy_sources(dest):
    shutil.copy(SETUP, dest)
    shutil.copy(os.path.join(ROOT, "pyproject.toml"), dest)
    shutil.copytree(os.path.join(ROOT, "src"), os.path.join(dest, "src"),
                    ignore=shutil.ignore_patterns("*.so", "build", "__pycache__"))


def _source_files(dest):
    """The files under dest/src, but the built modules."""
    found = set()
    for root, dirs, files in os.walk(os.path.join(dest, "src")):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        found.update(os.path.join(root, f) for f in files if not f.endswith((".so", ".pyd")))
    return found


def _build(dest, **env):
    run_env = {k: v for k, v in os.environ.items() if k not in ("ACTLOSS_NO_THREADS", "CC")}
    run_env.update(ACTLOSS_FAMILIES="_softmax", **env)
    return subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace", "-j", "2"],
                          cwd=dest, env=run_env, capture_output=True, text=True, timeout=900)


def _reported(dest):
    """build_info() of _cpu and every _softmax module built in dest, and of each of their ISA
    levels' loops (<module>_<isa>), from a fresh process (under stand-in packages: actloss
    itself cannot import with one family built)."""
    code = ("import importlib, json, os, sys, types\n"
            "d = 'src/actloss/_kernels'\n"
            "for name, path in (('actloss', 'src/actloss'), ('actloss._kernels', d)):\n"
            "    sys.modules[name] = types.ModuleType(name)\n"
            "    sys.modules[name].__path__ = [path]\n"
            "names = sorted(f.split('.')[0] for f in os.listdir(d) if f.endswith(('.so', '.pyd')))\n"
            "info = {}\n"
            "for n in names:\n"
            "    m = importlib.import_module('actloss._kernels.' + n)\n"
            "    info[n] = m.build_info()\n"
            "    for isa in getattr(m, 'ISAS', ()):\n"
            "        info[n + '_' + isa] = m.Kernels(isa).build_info()\n"
            "print(json.dumps(info))\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=dest, capture_output=True, text=True,
                         check=True)
    return json.loads(run.stdout)


@needs_sources
@pytest.mark.build
def test_rebuild_with_other_settings_rebuilds_every_module(tmp_path):
    """ACTLOSS_NO_THREADS=1, then a normal build in the same tree: no module keeps reporting
    (or running) the serial build."""
    _copy_sources(tmp_path)
    sources = _source_files(tmp_path)
    first = _build(tmp_path, ACTLOSS_NO_THREADS="1")
    assert first.returncode == 0, first.stderr[-3000:]
    assert _source_files(tmp_path) == sources  # everything generated went to build/
    serial = _reported(tmp_path)
    assert {"_cpu", "_softmax", "_softmax_baseline"} <= set(serial), serial
    assert all(not info["threads"] for info in serial.values()), serial
    second = _build(tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    again = _reported(tmp_path)
    assert set(again) == set(serial)
    assert all(info["threads"] for info in again.values()), again
    assert all("ACTLOSS_NO_THREADS" not in info["threads_note"] for info in again.values())


@needs_sources
@pytest.mark.build
@pytest.mark.skipif(shutil.which("clang") is None, reason="clang is not installed")
def test_clang_build(tmp_path):
    """CC=clang builds threaded kernels, whether or not libomp is installed (the pool is
    POSIX threads; `#pragma omp simd` needs no runtime)."""
    _copy_sources(tmp_path)
    build = _build(tmp_path, CC="clang")
    assert build.returncode == 0, build.stderr[-3000:]
    reported = _reported(tmp_path)
    assert all(info["compiler"] == "clang" for info in reported.values()), reported
    assert all(info["threads"] for info in reported.values()), reported
