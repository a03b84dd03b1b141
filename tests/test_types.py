"""Types (issue 14): the committed stubs are what ``python -m actloss._tools.stubgen`` generates
from the runtime objects; its rules refuse a name they do not cover; ``mypy --strict`` accepts a
user's script and infers float32 out of float32 in (tests/typing/user_script.py's assert_type
lines); ``stubtest`` finds the stubs consistent with the runtime."""
import inspect
import os
import subprocess
import sys

import numpy as np
import pytest

import actloss
from actloss._tools import stubgen

HERE = os.path.dirname(os.path.abspath(__file__))
TYPING = os.path.join(HERE, "typing")
PACKAGE_DIR = os.path.dirname(actloss.__file__)
PACKAGE_PARENT = os.path.dirname(PACKAGE_DIR)
INSTALLED = "site-packages" in PACKAGE_DIR or "dist-packages" in PACKAGE_DIR


def test_stubs_are_up_to_date():
    root, generated = stubgen.stubs()
    assert os.path.samefile(root, PACKAGE_DIR)
    stale = []
    for rel, text in generated.items():
        path = os.path.join(root, rel)
        if not os.path.exists(path) or open(path, encoding="utf-8").read() != text:
            stale.append(rel)
    assert stale == [], f"stale stubs {stale}: run python -m actloss._tools.stubgen"


def test_package_is_marked_typed_and_every_public_module_has_a_stub():
    assert os.path.exists(os.path.join(PACKAGE_DIR, "py.typed"))
    for module in ("__init__",) + stubgen.MODULES:
        assert os.path.exists(os.path.join(PACKAGE_DIR, module + ".pyi")), module


def _fake(name, params, doc="", module="actloss.pointwise_losses"):
    """A function with the given signature and docstring, as if defined in ``module``."""
    def fake(*args, **kwargs):
        return None
    fake.__name__ = fake.__qualname__ = name
    fake.__module__ = module
    fake.__doc__ = doc
    fake.__signature__ = inspect.Signature(params)
    return fake


P = inspect.Parameter
INPUT = P("input", P.POSITIONAL_OR_KEYWORD)
TARGET = P("target", P.POSITIONAL_OR_KEYWORD)


def test_a_new_function_following_the_conventions_gets_its_overloads():
    doc = "A loss.\n\n    Parameters\n    ----------\n    reduction : {'none', 'mean', 'sum'}\n"
    fn = _fake("new_loss", [INPUT, TARGET, P("reduction", P.KEYWORD_ONLY, default="mean"),
                            P("delta", P.KEYWORD_ONLY, default=1.0)], doc)
    text = "\n".join(stubgen.function_overloads("new_loss", "new_loss", fn, "pointwise_losses"))
    assert 'reduction: Literal["mean", "sum"] = \'mean\'' in text
    assert "-> _F: ..." in text and "-> NDArray[_F]: ..." in text
    assert "delta: float = 1.0" in text
    grad = _fake("new_loss_backward", [P("grad_output", P.POSITIONAL_OR_KEYWORD), INPUT, TARGET])
    text = "\n".join(stubgen.function_overloads("g", "new_loss_backward", grad, "x"))
    assert "grad_output: ArrayLike" in text and "-> NDArray[_F]: ..." in text
    pair = _fake("pair_backward", [P("grad_output", P.POSITIONAL_OR_KEYWORD), INPUT],
                 "Gradients of ``pair``: ``(grad_input, grad_other)``.")
    text = "\n".join(stubgen.function_overloads("g", "pair_backward", pair, "x"))
    assert "-> tuple[NDArray[_F], NDArray[_F]]: ..." in text


@pytest.mark.parametrize("params, doc, message", [
    ([INPUT, P("frobnicate", P.KEYWORD_ONLY, default=None)], "", "frobnicate"),
    ([INPUT, P("flavour", P.KEYWORD_ONLY, default="sweet")], "flavour : str", "flavour"),
    ([P("things", P.POSITIONAL_OR_KEYWORD)], "", "RETURNS"),
])
def test_a_name_the_rules_do_not_cover_stops_the_generator(params, doc, message):
    fn = _fake("new_function", params, doc)
    with pytest.raises(stubgen.RuleError, match=message):
        stubgen.function_overloads("new_function", "new_function", fn, "activations")


def test_documented_choices_and_tuple_counts_match_the_runtime():
    assert stubgen.documented_choices(actloss.kl_div, "reduction") == [
        "none", "batchmean", "sum", "mean"]
    assert stubgen.documented_choices(actloss.gelu_backward, "approximate") == ["none", "tanh"]
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    assert stubgen.returned_count(actloss.prelu_backward, 1) == len(
        actloss.prelu_backward(np.ones_like(x), x, np.full(1, 0.25)))
    assert stubgen.returned_count(actloss.relu_backward, 1) == 1
    assert stubgen.conditional_returns(actloss.kl_div_backward) == {"target_requires_grad": 1}


def _mypy_env_and_cwd(tmp_path):
    """Run the checkers on the actloss imported here (a source tree or an installed wheel)."""
    env = dict(os.environ)
    if INSTALLED:
        return env, str(tmp_path)
    env["PYTHONPATH"] = PACKAGE_PARENT + os.pathsep + env.get("PYTHONPATH", "")
    return env, PACKAGE_PARENT  # mypy finds the package in its working directory


@pytest.mark.typecheck
def test_mypy_strict_accepts_the_user_script_and_infers_dtypes(tmp_path):
    pytest.importorskip("mypy")
    env, cwd = _mypy_env_and_cwd(tmp_path)
    script = os.path.join(TYPING, "user_script.py")
    run = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir",
                          str(tmp_path / "cache"), script], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    # the script runs, too: what it claims holds at run time
    run = subprocess.run([sys.executable, script], cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr


def _pure_python_modules_without_stub():
    found = []
    for folder, _, files in os.walk(PACKAGE_DIR):
        for name in files:
            if name.endswith(".py") and not os.path.exists(os.path.join(folder, name + "i")):
                rel = os.path.relpath(os.path.join(folder, name[:-3]), PACKAGE_PARENT)
                found.append(rel.replace(os.sep, ".").removesuffix(".__init__"))
    return sorted(found)


@pytest.mark.typecheck
def test_stubtest_finds_the_stubs_consistent_with_the_runtime(tmp_path):
    pytest.importorskip("mypy")
    env, cwd = _mypy_env_and_cwd(tmp_path)
    # stubtest also reads the private pure-Python modules (they are their own stubs); mypy must
    # not stop at their untyped internals or their optional imports (scipy, jax, ...)
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\nignore_missing_imports = True\n"
                      f"[mypy-{','.join(_pure_python_modules_without_stub())}]\n"
                      "ignore_errors = True\n")
    run = subprocess.run([sys.executable, "-m", "mypy.stubtest", "actloss",
                          "--mypy-config-file", str(config),
                          "--allowlist", os.path.join(TYPING, "stubtest_allowlist.txt")],
                         cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
