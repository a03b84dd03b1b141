"""The documentation: the gallery command, the generated pages and the Sphinx build.

* ``python -m actloss plot`` writes one PNG per activation (and the overview), exits 2 with a
  message without matplotlib, and never loads matplotlib for anything else; its curves are
  actloss's values, checked here against plain NumPy formulas.
* docs/_ext/pages.py covers every public name (API groups, name map) and renders the guide.
* The Sphinx build with -W (marker ``docs``; skipped without sphinx, numpydoc, matplotlib):
  a page per name of ``actloss.__all__`` and of the public submodules, the gallery's images.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import actloss
from actloss import guide, metrics, nn, sampling

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _run(args, **kwargs):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          timeout=900, **kwargs)


def _docs_ext(module):
    """docs/_ext/<module>, or a skip where the tree has no docs/ (an sdist ships tests only)."""
    if not os.path.isdir(os.path.join(DOCS, "_ext")):
        pytest.skip("no docs/ directory in this tree")
    sys.path.insert(0, DOCS)
    try:
        return __import__(f"_ext.{module}", fromlist=["_ext"])
    finally:
        sys.path.remove(DOCS)


def _pages():
    return _docs_ext("pages")


def test_plot_writes_one_png_per_activation(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "plots"
    r = _run(["-m", "actloss", "plot", "--out", str(out)])
    assert r.returncode == 0, r.stderr
    written = sorted(p.name for p in out.iterdir())
    # every activation of the package's own list, gelu's tanh form, and the overview grid
    expected = sorted([f"{name}.png" for name in actloss.ACTIVATIONS]
                      + ["gelu_tanh.png", "activations.png"])
    assert written == expected
    for name in written:
        data = (out / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5000, name
    assert f"wrote {len(actloss.ACTIVATIONS) + 1} activation plots" in r.stdout


def test_plot_without_matplotlib_exits_2(tmp_path):
    out = tmp_path / "plots"
    code = ("import sys; sys.modules['matplotlib'] = None\n"  # makes `import matplotlib` fail
            "from actloss.__main__ import main\n"
            f"sys.exit(main(['plot', '--out', {str(out)!r}]))\n")
    r = _run(["-c", code])
    assert r.returncode == 2, r.stderr
    assert "needs matplotlib" in r.stderr and "pip install matplotlib" in r.stderr
    assert not out.exists()


def test_numpy_only_use_never_imports_matplotlib():
    code = ("import sys, numpy as np, actloss, actloss.nn, actloss.guide\n"
            "actloss.gelu(np.ones(3)); actloss.cross_entropy(np.zeros((2, 3)), np.array([0, 1]))\n"
            "print('matplotlib' in sys.modules)\n")
    r = _run(["-c", code])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def test_plot_panels_are_the_activations_and_their_derivatives():
    from actloss import _plot
    x = np.linspace(*_plot.X_RANGE, _plot.N_POINTS)
    panels = {p.stem: p for p in _plot.panels()}
    assert set(panels) == set(actloss.ACTIVATIONS) | {"gelu_tanh"}
    # plain NumPy formulas (independent of the kernels), with the arguments in the titles
    leaky = panels["leaky_relu"]
    assert leaky.title == "leaky_relu (negative_slope=0.01)"
    np.testing.assert_allclose(leaky.y, np.where(x > 0, x, 0.01 * x), rtol=1e-15)
    np.testing.assert_allclose(leaky.dy, np.where(x > 0, 1.0, 0.01), rtol=1e-15)
    thr = panels["threshold"]
    assert thr.title == "threshold (threshold=1, value=-1)"
    np.testing.assert_array_equal(thr.y, np.where(x > 1, x, -1.0))
    np.testing.assert_array_equal(thr.dy, (x > 1).astype(float))
    tanh_gelu = panels["gelu_tanh"]
    assert tanh_gelu.title == "gelu (approximate='tanh')"
    u = np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)
    np.testing.assert_allclose(tanh_gelu.y, 0.5 * x * (1 + np.tanh(u)), rtol=1e-13, atol=1e-15)
    prelu = panels["prelu"]
    np.testing.assert_allclose(prelu.y, np.where(x > 0, x, 0.25 * x), rtol=1e-15)
    np.testing.assert_allclose(prelu.dy, np.where(x > 0, 1.0, 0.25), rtol=1e-15)
    rrelu = panels["rrelu"]  # eval: the mean slope of [1/8, 1/3]
    np.testing.assert_allclose(rrelu.y, np.where(x >= 0, x, x * (1 / 8 + 1 / 3) / 2),
                               rtol=1e-15)
    glu = panels["glu"]  # the pair (x, x): x sigmoid(x), derivative the sum of both halves'
    s = _sigmoid(x)
    np.testing.assert_allclose(glu.y, x * s, rtol=1e-13)
    np.testing.assert_allclose(glu.dy, s + x * s * (1 - s), rtol=1e-13)
    for panel in panels.values():
        assert panel.y.shape == panel.dy.shape == x.shape, panel.stem


def test_api_groups_cover_every_public_name_once():
    groups = _pages().api_groups()
    names = [n for _, _, group in groups for n in group]
    assert sorted(names) == sorted(actloss.__all__)
    by_title = {title: group for title, _, group in groups}
    assert "relu_backward" in by_title["Activations"]
    assert "cross_entropy" in by_title["Class losses"]
    assert "ctc_loss" in by_title["Linear and sequence losses"]
    assert "__version__" in by_title["Configuration"]


def test_name_map_has_a_row_for_every_activation_and_loss():
    pages = _pages()
    page = pages.namemap_page()  # raises when a function has no row
    covered = pages.namemap.covered_names()
    for name in actloss.ACTIVATIONS + ("softmax", "log_softmax", "cross_entropy", "ctc_loss",
                                       "expit", "swish", "nt_xent", "quantile_loss"):
        assert name in covered, name
        assert f"actloss.{name}" in page, name
    assert "HardSigmoid(alpha=0.2, beta=0.5)" in page
    assert "jax.nn.gelu(approximate=True)" in page


def test_guide_page_is_the_guide():
    page = _pages().guide_page()
    for task in guide.TASKS:
        assert f"* **{task}**" in page
        assert f"~actloss.{guide.recommend(task).loss}`" in page, task
    for alias in guide._ALIASES:
        assert alias in page


def test_docstring_plain_text_is_escaped_for_docutils():
    escape = _docs_ext("plaintext").escape_lines
    lines = ["|x| for numpy.bool_, ``|x|`` and *emphasis*",
             ">>> abs(-1) | 2", "3", "",
             "A literal block::", "", "    |y| stays", "after |z|",
             "===== ===", "a | b  c_", "===== ===", "", "|w|"]
    assert escape(lines) == [
        "\\|x\\| for numpy.bool\\_, ``|x|`` and *emphasis*",  # literal and emphasis kept
        ">>> abs(-1) | 2", "3", "",  # a doctest and its output
        "A literal block::", "", "    |y| stays", "after \\|z\\|",
        "===== ===", "a | b  c_", "===== ===", "",  # a simple table: its columns kept
        "\\|w\\|"]


@pytest.mark.docs
def test_sphinx_build_with_warnings_as_errors(tmp_path):
    for module in ("sphinx", "numpydoc", "matplotlib"):
        pytest.importorskip(module)
    _docs_ext("pages")  # skips without docs/
    html = tmp_path / "html"
    r = _run(["-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
              "-d", str(tmp_path / "doctrees"), DOCS, str(html)])
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-5000:]
    api = html / "_generated" / "api"
    missing = [n for n in actloss.__all__ if not (api / f"actloss.{n}.html").is_file()]
    assert not missing
    for module in (metrics, sampling, guide, nn):
        missing = [n for n in module.__all__
                   if not (api / f"{module.__name__}.{n}.html").is_file()]
        assert not missing, module.__name__
    relu = (api / "actloss.relu.html").read_text()
    assert "torch.nn.functional.relu" in relu and "Derivative" in relu
    gallery = (html / "_generated" / "gallery.html").read_text()
    images = {p.name for p in (html / "_images").iterdir()}
    for name in actloss.ACTIVATIONS + ("activations",):
        assert f"{name}.png" in images and f"{name}.png" in gallery, name
    for page in ("guide", "namemap", "api"):
        assert (html / "_generated" / f"{page}.html").is_file()


def test_every_public_function_has_a_runnable_example():
    """Issue 14: each callable of actloss.__all__ carries a numpydoc Examples section with at
    least one doctest line (CI runs them with --doctest-modules)."""
    import inspect
    missing = []
    for name in actloss.__all__:
        obj = getattr(actloss, name)
        if not callable(obj):
            continue
        doc = inspect.getdoc(obj) or ""
        parts = doc.split("\nExamples\n--------\n", 1)
        if len(parts) < 2 or not any(line.startswith(">>> ")
                                     for line in parts[1].splitlines()):
            missing.append(name)
    assert not missing, f"no Examples section with a >>> line: {missing}"
