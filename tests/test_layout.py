"""The package's layout (issue 11): no module shadows a public function, no import cycles
between the package's modules, and the benchmark and self-check stay out of `import actloss`."""
import ast
import os
import pkgutil
import subprocess
import sys

import actloss

PACKAGE = os.path.dirname(actloss.__file__)


def _modules():
    """{module name relative to the package: path} of its Python modules, subpackages'
    included (a package is named by its __init__)."""
    found = {}
    for folder, _, files in os.walk(PACKAGE):
        prefix = os.path.relpath(folder, PACKAGE).replace(os.sep, ".").lstrip(".")
        for filename in files:
            if filename.endswith(".py"):
                stem = filename[:-3]
                name = prefix if stem == "__init__" else ".".join(filter(None, [prefix, stem]))
                if name:
                    found[name] = os.path.join(folder, filename)
    return found


def _imports(name, path):
    """The package modules `name` imports at module level (relative imports)."""
    package = name.rsplit(".", 1)[0] if "." in name else ""
    with open(path) as f:
        tree = ast.parse(f.read())
    out = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".") if package else []
            base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
            if node.module:
                out.add(".".join(base + node.module.split(".")))
            else:
                out.update(".".join(base + [alias.name]) for alias in node.names)
    return out


def test_no_module_shadows_a_public_name():
    for info in pkgutil.iter_modules([PACKAGE]):
        assert info.name not in actloss.__all__, info.name


def test_no_import_cycles():
    modules = _modules()
    graph = {name: {m for m in _imports(name, path) if m in modules and m != name}
             for name, path in modules.items()}
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in graph[node]:
            if state.get(nxt) == "open":
                raise AssertionError("import cycle: " + " -> ".join(stack + [node, nxt]))
            if nxt not in state:
                visit(nxt, stack + [node])
        state[node] = "done"

    assert {"class_losses", "softmax_family", "_tools.bench"} <= set(graph)
    assert "benchcases" not in graph["_tools.bench"] and "_tools.benchcases" in graph["_tools.bench"]
    for name in graph:
        if name not in state:
            visit(name, [])


def test_tools_are_not_imported_by_the_package():
    code = ("import sys, actloss, actloss.nn, actloss.guide, actloss.sampling; "
            "print(sorted(m for m in sys.modules if m.startswith('actloss._tools')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=dict(os.environ, PYTHONPATH=os.path.dirname(PACKAGE)))
    assert out.stdout.strip() == "[]"
