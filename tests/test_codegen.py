"""The op table generates the library (CONTRIBUTING.md): the committed generated regions match
the table, and a new activation -- its row, its scalar math and its test reference, nothing
else -- gets its function, backward, nn class, bench case, self-check and tests by a build."""
import os
import runpy
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "src", "actloss")
HAVE_SOURCES = os.path.exists(os.path.join(ROOT, "setup.py"))
try:
    import Cython  # noqa: F401
    HAVE_CYTHON = True
except ImportError:
    HAVE_CYTHON = False


def _codegen():
    return runpy.run_path(os.path.join(PACKAGE, "_codegen.py"))


@pytest.mark.skipif(not HAVE_SOURCES, reason="needs the source checkout")
def test_generated_regions_match_the_table():
    stale = _codegen()["update"](PACKAGE, check=True)
    assert stale == [], f"stale generated regions {stale}: run python src/actloss/_codegen.py"


def test_generated_functions_have_real_signatures():
    import inspect

    import actloss as F
    sig = inspect.signature(F.hardtanh)
    assert list(sig.parameters) == ["input", "min_val", "max_val", "inplace", "out"]
    assert sig.parameters["min_val"].default == -1.0
    assert list(inspect.signature(F.threshold).parameters)[:3] == ["input", "threshold", "value"]
    assert inspect.signature(F.threshold).parameters["threshold"].default is inspect.Parameter.empty
    assert list(inspect.signature(F.sigmoid_backward).parameters) == [
        "grad_output", "input", "output", "out"]
    assert "torch.nn.functional.leaky_relu" in F.leaky_relu.__doc__
    assert "Parameters\n----------" in inspect.cleandoc(F.leaky_relu.__doc__)


ROW = '''    UnaryOp("softclip", (P("limit", 2.0, "nonzero"),), False, False, False,
            "limit * tanh(x / limit)", "Softclip",
            "softclip(x) = limit * tanh(x / limit).", "(1 - tanh(input / limit)^2)", "",
            ("limit * np.tanh(x / limit)", "g * (1 - np.tanh(x / limit) ** 2)")),
'''
MATH = '''AL_INLINE {{T}} al_softclip_fwd_{{sfx}}({{T}} x, double p0, double p1, double p2)
{ return ({{T}})(p0 * al_tanh_p(({{W}})x / p0, AL_PRECISE_{{sfx}})); }
AL_INLINE {{T}} al_softclip_bwd_{{sfx}}({{T}} gy, {{T}} x, double p0, double p1, double p2)
{ {{W}} t = al_tanh_p(({{W}})x / p0, AL_PRECISE_{{sfx}}); return ({{T}})(({{W}})gy * (1.0 - t * t)); }

'''
REFERENCE = '''

def softclip(x, limit=2.0):
    return limit * np.tanh(x / limit)


def softclip_grad(x, limit=2.0):
    return 1.0 - np.tanh(x / limit) ** 2


FORWARD["softclip"] = softclip
DERIVATIVE["softclip"] = softclip_grad
'''
CHECK = '''
import numpy as np, actloss as F, actloss.nn as nn
x = np.linspace(-9, 9, 101)
assert "softclip" in F.__all__ and "softclip_backward" in F.__all__ and "softclip" in F.ACTIVATIONS
np.testing.assert_allclose(F.softclip(x, 3.0), 3 * np.tanh(x / 3), rtol=1e-14)
# 1 - tanh^2 cancels where tanh saturates: an absolute tolerance there
np.testing.assert_allclose(F.softclip_backward(np.ones_like(x), x), 1 - np.tanh(x / 2) ** 2,
                           rtol=1e-13, atol=1e-15)
assert F.softclip(np.float32([1.0])).dtype == np.float32
try:
    F.softclip(x, 0.0)
except ValueError as e:
    assert "limit" in str(e)
else:
    raise AssertionError("limit=0 accepted")
m = nn.Softclip()
y = m(x)
np.testing.assert_array_equal(m.backward(np.ones_like(y)), F.softclip_backward(np.ones_like(x), x))
assert "torch.nn.functional.softclip" in F.softclip.__doc__
# and its ufuncs (actloss.ufuncs), the parameter a broadcast input
assert isinstance(F.ufuncs.softclip, np.ufunc) and F.ufuncs.softclip.nin == 2
np.testing.assert_array_equal(F.ufuncs.softclip(x, 3.0), F.softclip(x, 3.0))
np.testing.assert_array_equal(F.ufuncs.softclip_backward(np.ones_like(x), x, 2.0),
                              F.softclip_backward(np.ones_like(x), x))
print("ok")
'''


def _insert(path, before, text):
    with open(path) as f:
        source = f.read()
    assert before in source, (path, before)
    with open(path, "w") as f:
        f.write(source.replace(before, text + before, 1))


@pytest.mark.build
@pytest.mark.skipif(not (HAVE_SOURCES and HAVE_CYTHON), reason="needs the source checkout")
def test_a_new_row_appears_everywhere(tmp_path):
    dest = str(tmp_path)
    for name in ("setup.py", "pyproject.toml"):
        shutil.copy(os.path.join(ROOT, name), dest)
    # the built modules come along, so only the elementwise family is rebuilt
    shutil.copytree(os.path.join(ROOT, "src"), os.path.join(dest, "src"),
                    ignore=shutil.ignore_patterns("build", "__pycache__"))
    shutil.copytree(os.path.join(ROOT, "tests"), os.path.join(dest, "tests"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    package = os.path.join(dest, "src", "actloss")
    # the three files of CONTRIBUTING.md
    _insert(os.path.join(package, "_ops.py"), ")\ndel P\n", ROW)
    _insert(os.path.join(package, "_kernels", "al_math.h.tp"), "/* sigmoid; d/dx", MATH)
    with open(os.path.join(dest, "tests", "reference.py"), "a") as f:
        f.write(REFERENCE)

    env = {k: v for k, v in os.environ.items() if k not in ("ACTLOSS_NO_THREADS", "CC")}
    env.update(ACTLOSS_FAMILIES="_elementwise")
    build = subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=dest,
                           env=env, capture_output=True, text=True, timeout=1200)
    assert build.returncode == 0, build.stderr[-3000:]
    assert "generated activations.py:activations.functions" in build.stdout

    env = dict(os.environ, PYTHONPATH=os.path.join(dest, "src"))

    def run(*args, **kw):
        return subprocess.run([sys.executable, *args], cwd=dest, env=env, capture_output=True,
                              text=True, timeout=900, **kw)

    checked = run("-c", CHECK)
    assert checked.returncode == 0 and "ok" in checked.stdout, checked.stderr[-3000:]
    listed = run("-m", "actloss", "bench", "--list", "-f", "softclip")
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert "softclip" in listed.stdout and "backward" in listed.stdout
    selfcheck = run("-m", "actloss", "--no-speed")
    assert selfcheck.returncode == 0, selfcheck.stdout[-3000:] + selfcheck.stderr[-2000:]
    assert "softclip" in selfcheck.stdout
    tests = run("-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not build",
                "tests/test_ops_registry.py", "tests/test_activations.py", "tests/test_nn.py",
                "-k", "softclip or Softclip")
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert " passed" in tests.stdout.splitlines()[-1]
