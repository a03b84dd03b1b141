"""The build does what it says: every module reports the settings it was compiled with, a
rebuild with other settings rebuilds every module, the OpenMP probe asks the compiler that
will build, and a compiler without OpenMP gives serial kernels with a warning, not a failure.

The end-to-end builds copy the sources to a temporary directory and build the smallest
family (_softmax) and _cpu there, so the installed package is never touched.
"""
import json
import os
import runpy
import shutil
import stat
import subprocess
import sys

import pytest

import actloss as F
from actloss import _dispatch

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
    assert info["openmp"] is _dispatch.BUILD["openmp"]
    assert info["compiler"] == _dispatch.BUILD["compiler"]
    printed = capsys.readouterr().out
    assert f"compiler    : {info['compiler']}" in printed
    assert ("OpenMP      : yes" in printed) == info["openmp"]
    assert set(_dispatch.families()) == {"_elementwise", "_pointwise_loss", "_rowwise_loss",
                                         "_softmax"}


def test_shipped_modules_have_no_debug_info():
    """Python's CFLAGS carry -g; the modules are built with -g0 and linked --strip-debug."""
    flags = _dispatch.BUILD["flags"].split()
    assert "-g0" in flags
    if sys.platform.startswith("linux"):
        with open(_dispatch.elementwise.__file__, "rb") as f:
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


def _fake_compiler(tmp_path, script):
    path = tmp_path / "fakecc"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


@needs_sources
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell scripts")
def test_openmp_probe_uses_cc(tmp_path, monkeypatch, capsys):
    helpers = setup_helpers()
    monkeypatch.delenv("ACTLOSS_NO_OPENMP", raising=False)
    failing = _fake_compiler(tmp_path, 'echo "probe.c:1:10: fatal error: omp.h: no such file" >&2\n'
                                       "exit 1\n")
    monkeypatch.setenv("CC", failing)
    assert helpers["compiler"]() == failing
    flags, note = helpers["openmp_flags"](helpers["compiler"]())
    assert flags == [] and "omp.h" in note and failing in note
    assert "WARNING: OpenMP is not available" in capsys.readouterr().err
    working = _fake_compiler(tmp_path, 'out=""; prev=""\n'  # writes the -o file, succeeds
                                       'for a; do [ "$prev" = "-o" ] && out=$a; prev=$a; done\n'
                                       'touch "$out"\n')
    monkeypatch.setenv("CC", working)
    assert helpers["openmp_flags"](helpers["compiler"]()) == (["-fopenmp"], "on")
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    flags, note = helpers["openmp_flags"](helpers["compiler"]())
    assert flags == [] and "could not run" in note
    monkeypatch.setenv("ACTLOSS_NO_OPENMP", "1")
    assert helpers["openmp_flags"](working) == ([], "disabled by ACTLOSS_NO_OPENMP=1")


# ---- end-to-end builds in a temporary copy -------------------------------------------------

def _copy_sources(dest):
    shutil.copy(SETUP, dest)
    shutil.copy(os.path.join(ROOT, "pyproject.toml"), dest)
    shutil.copytree(os.path.join(ROOT, "src"), os.path.join(dest, "src"),
                    ignore=shutil.ignore_patterns("*.so", "*.c", "build", "__pycache__",
                                                  "_*_baseline.pyx", "_*_avx2.pyx",
                                                  "_*_avx512.pyx", "al_build.h"))


def _build(dest, **env):
    run_env = {k: v for k, v in os.environ.items() if k not in ("ACTLOSS_NO_OPENMP", "CC")}
    run_env.update(ACTLOSS_FAMILIES="_softmax", **env)
    return subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace", "-j", "2"],
                          cwd=dest, env=run_env, capture_output=True, text=True, timeout=900)


def _reported(dest):
    """build_info() of _cpu and every _softmax module built in dest, from a fresh process
    (loaded by path: the package itself cannot import with one family built)."""
    code = ("import importlib.util, json, os, sys\n"
            "d = 'src/actloss/_kernels'\n"
            "info = {}\n"
            "for f in sorted(os.listdir(d)):\n"
            "    if f.endswith(('.so', '.pyd')):\n"
            "        name = 'actloss._kernels.' + f.split('.')[0]\n"
            "        spec = importlib.util.spec_from_file_location(name, os.path.join(d, f))\n"
            "        m = importlib.util.module_from_spec(spec)\n"
            "        spec.loader.exec_module(m)\n"
            "        info[f.split('.')[0]] = m.build_info()\n"
            "print(json.dumps(info))\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=dest, capture_output=True, text=True,
                         check=True)
    return json.loads(run.stdout)


@needs_sources
@pytest.mark.build
def test_rebuild_with_other_settings_rebuilds_every_module(tmp_path):
    """ACTLOSS_NO_OPENMP=1, then a normal build in the same tree: no module keeps reporting
    (or running) the serial build."""
    _copy_sources(tmp_path)
    first = _build(tmp_path, ACTLOSS_NO_OPENMP="1")
    assert first.returncode == 0, first.stderr[-3000:]
    serial = _reported(tmp_path)
    assert len(serial) >= 2 and all(not info["openmp"] for info in serial.values()), serial
    second = _build(tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    again = _reported(tmp_path)
    assert set(again) == set(serial)
    helpers = setup_helpers()
    compiler_has_openmp = bool(helpers["openmp_flags"](helpers["compiler"]())[0])
    assert all(info["openmp"] == compiler_has_openmp for info in again.values()), again
    assert all(info["openmp_note"] != "disabled by ACTLOSS_NO_OPENMP=1" for info in again.values())


@needs_sources
@pytest.mark.build
@pytest.mark.skipif(shutil.which("clang") is None, reason="clang is not installed")
def test_clang_build(tmp_path):
    """CC=clang builds: threaded where clang links OpenMP (libomp installed), else serial
    kernels with a visible warning -- never a failure on omp.h."""
    probe = tmp_path / "probe.c"
    probe.write_text("#include <omp.h>\nint main(void){return omp_get_max_threads() > 0 ? 0 : 1;}\n")
    clang_has_openmp = subprocess.run(["clang", "-fopenmp", str(probe), "-o",
                                       str(tmp_path / "probe")], capture_output=True).returncode == 0
    src = tmp_path / "tree"
    src.mkdir()
    _copy_sources(src)
    build = _build(src, CC="clang")
    assert build.returncode == 0, build.stderr[-3000:]
    reported = _reported(src)
    assert all(info["compiler"] == "clang" for info in reported.values()), reported
    assert all(info["openmp"] == clang_has_openmp for info in reported.values()), reported
    if not clang_has_openmp:
        assert "WARNING: OpenMP is not available" in build.stderr
        assert all("omp.h" in info["openmp_note"] for info in reported.values()), reported
