"""Python source generated from the op table (_ops.py): the elementwise activations' public
functions with their signatures and numpydoc docstrings, and the literal ``__all__`` lists.

The generated text lives in marked regions of the package's own files, between a line
``# <generated: NAME>`` and a line ``# </generated: NAME>``, so that static tools and IDEs see
plain functions and literal names. ``setup.py`` rewrites the regions before every build (a new
row appears by itself); ``tests/test_codegen.py`` fails when a committed region is stale.
By hand: ``python src/actloss/_codegen.py`` rewrites them, ``--check`` only reports.

Plain code without imports from the package: setup.py loads this file by path.
"""
import ast
import os
import re
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SPECIAL_ACTIVATIONS = ("prelu", "rrelu", "glu")  # hand-written in activations.py
REGION = re.compile(r"(?P<head>^[ \t]*# <generated: (?P<name>[\w.]+)>\n)(?P<body>.*?)"
                    r"(?P<tail>^[ \t]*# </generated: (?P=name)>\n)", re.S | re.M)


def load_ops(path=os.path.join(HERE, "_ops.py")):
    return runpy.run_path(path)


def _public(ops):
    return [op for op in ops["UNARY"] if op.public]


def _default(param, ops):
    return "" if param.default == ops["REQUIRED"] else f"={param.default!r}"


def _param_doc(param, ops):
    default = "" if param.default == ops["REQUIRED"] else f", default {param.default!r}"
    rule = {"real": "", "nonzero": "    Must not be 0.\n",
            "nonnegative": "    Must be >= 0.\n"}[param.check]
    return f"{param.name} : float{default}\n{rule}"


def _option_doc(option):
    name, default, choices = option
    values = ", ".join(repr(v) for v, _ in choices)
    return f"{name} : {{{values}}}, default {default!r}\n"


def _forward_doc(op, ops):
    params = "".join(_param_doc(p, ops) for p in op.params)
    params += "".join(_option_doc(o) for o in op.options)
    params += "".join(f"    Must satisfy {cond}.\n" for cond, _ in op.checks)
    inplace = ("inplace : bool, default False\n    Write the result into `input` and return it "
               "(float input only).\n") if op.inplace else ""
    notes = f"{op.notes}\n" if op.notes else ""
    head = op.doc[0].upper() + op.doc[1:]
    return f"""{head}, elementwise (torch.nn.functional.{op.name}).

Parameters
----------
input : array_like
    float32/float64 computed natively; float16 computed in float32; integer and bool promote
    to float64. Any shape and strides.
{params}{inplace}out : ndarray, optional
    Where to write the result: its shape and dtype must be the result's; may be `input`.

Returns
-------
ndarray
    Same shape as `input`, float dtype as above.

Raises
------
TypeError
    For complex, object or string input, or a non-numeric parameter.
ValueError
    For a wrong `out` (shape, dtype, read-only) or a parameter out of its range.

Notes
-----
{op.formula}
{notes}
The gradient is ``{op.name}_backward``.
"""


def _backward_doc(op):
    if op.saves_output:
        return f"""Gradient of ``{op.name}``: grad_output * {op.derivative}.

Takes ``grad_output`` and either `input` or ``output=`` (the forward result, the cheaper
way); returns a new array of their dtype (or writes `out`).
"""
    return f"""Gradient of ``{op.name}`` with respect to its input: grad_output * {op.derivative}.

Takes ``grad_output`` (the shape of the input) and then ``{op.name}``'s own arguments; returns a
new array of the input's dtype (or writes `out`). Values at the kinks are torch's.
"""


def _docstring(text, indent="    "):
    body = "".join(indent + line if line.strip() else "\n"
                   for line in text.rstrip("\n").splitlines(keepends=True))
    return f'{indent}"""{body.lstrip()}\n{indent}"""\n'


_CHECKERS = {"real": "real_param({name}, {name!r})",
             "nonzero": "_nonzero({name}, {name!r}, {op!r})",
             "nonnegative": "_nonnegative({name}, {name!r}, {op!r})"}


def _prologue(op):
    """Source lines that check the parameters (each by its rule, then the row's cross
    checks), rebinding them to floats; and the kernel row expression."""
    lines = []
    if op.params:
        names = ", ".join(p.name for p in op.params)
        values = ", ".join(_CHECKERS[p.check].format(name=p.name, op=op.name) for p in op.params)
        lines.append(f"    {names} = {values}\n")
    for cond, message in op.checks:
        lines.append(f"    if not {cond}:\n        raise ValueError(f{message!r})\n")
    row = f'"{op.name}"'
    for name, _, _ in op.options:
        row = f'_option("{op.name}", "{name}", {name})'
    return "".join(lines), row


def _function(op, ops):
    sig = "".join(f", {p.name}{_default(p, ops)}" for p in op.params)
    sig += "".join(f", {name}={default!r}" for name, default, _ in op.options)
    prologue, row = _prologue(op)
    params = "".join(f", {p.name}" for p in op.params)
    inplace_sig = ", inplace=False" if op.inplace else ""
    inplace_arg = ", inplace=inplace" if op.inplace else ""
    forward = (f"def {op.name}(input{sig}{inplace_sig}, *, out=None):\n"
               f"{_docstring(_forward_doc(op, ops))}{prologue}"
               f"    return _unary({row}, input{params}, out=out{inplace_arg})\n")
    if op.saves_output:
        backward = (f"def {op.name}_backward(grad_output, input=None{sig}, *, output=None, "
                    f"out=None):\n{_docstring(_backward_doc(op))}{prologue}"
                    f"    return _from_output({row}, grad_output, input, output, out)\n")
    else:
        backward = (f"def {op.name}_backward(grad_output, input{sig}, *, out=None):\n"
                    f"{_docstring(_backward_doc(op))}{prologue}"
                    f"    return _unary_grad({row}, grad_output, input{params}, out=out)\n")
    return forward + "\n\n" + backward


def _literal_all(path):
    """The literal __all__ list of a module of the package (hand-written ones)."""
    with open(path) as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__"
                                                for t in node.targets):
            return ast.literal_eval(node.value)
    raise RuntimeError(f"{path} has no literal __all__")


def _nn_all(public, losses, package_dir):
    """actloss.nn's __all__: its public classes (class statements and `Name = _x_class(...)`
    lines) in file order, the row classes at their regions."""
    with open(os.path.join(package_dir, "nn.py")) as f:
        source = f.read()
    names = []
    row_factories = ("_activation_class", "_loss_class")  # their lines are the regions'
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            names.append((_offset(source, node.lineno), node.name))
        elif (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
              and getattr(node.value.func, "id", "").endswith("_class")
              and node.value.func.id not in row_factories
              and not node.targets[0].id.startswith("_")):
            names.append((_offset(source, node.lineno), node.targets[0].id))  # a class factory
    for region, classes in (("nn.activations", [op.module for op in public]),
                            ("nn.losses", [row.name for row in losses])):
        names += [(source.index(f"# <generated: {region}>"), name) for name in classes]
    return [name for _, name in sorted(names, key=lambda item: item[0])]


def _offset(source, lineno):
    """The character offset of line `lineno` (1-based) of `source`."""
    return sum(len(line) for line in source.splitlines(keepends=True)[:lineno - 1])


def render(ops, package_dir=HERE):
    """{region name: generated text}."""
    public = _public(ops)
    activations = [n for op in public for n in (op.name, f"{op.name}_backward")]
    activations += [n for op in SPECIAL_ACTIVATIONS for n in (op, f"{op}_backward")]
    losses = [n for row in ops["POINTWISE_LOSSES"]
              for n in (row.api, f"{row.api}_backward") + ((f"{row.api}_with_grad",)
                                                            if row.fused else ())]
    package = activations + [n for module in ("softmax_family", "class_losses")
                             for n in _literal_all(os.path.join(package_dir, module + ".py"))]
    package += losses + _literal_all(os.path.join(package_dir, "embedding_losses.py"))
    package += ["ACTIVATIONS", "get_num_threads", "set_num_threads", "show_config",
                "__version__"]
    return {
        "activations.__all__": _literal("__all__", activations),
        "activations.functions": "\n\n".join(_function(op, ops) for op in public),
        "pointwise_losses.__all__": _literal("__all__", losses),
        "ACTIVATIONS": _literal("ACTIVATIONS", [op.name for op in public]
                                + list(SPECIAL_ACTIVATIONS), tuple_=True),
        "actloss.__all__": _literal("__all__", package),
        "nn.__all__": _literal("__all__", _nn_all(public, ops["LOSS_MODULES"], package_dir)),
        "nn.activations": "".join(f'{op.module} = _activation_class("{op.name}")\n'
                                  for op in public),
        "nn.losses": "".join(f'{row.name} = _loss_class("{row.name}")\n'
                             for row in ops["LOSS_MODULES"]),
    }


def _literal(name, items, tuple_=False, width=96):
    """name = [...] (or a tuple) wrapped at width, one literal per item."""
    opening, closing = ("(", ")") if tuple_ else ("[", "]")
    lines, line = [], f"{name} = {opening}"
    indent = " " * len(line)
    for i, item in enumerate(items):
        piece = f'"{item}"' + (closing if i == len(items) - 1 else ",")
        if len(line) + len(piece) + 1 > width:
            lines.append(line.rstrip())
            line = indent
        line += piece + " "
    lines.append(line.rstrip())
    return "\n".join(lines) + "\n"


FILES = ("activations.py", "pointwise_losses.py", "__init__.py", "nn.py")


def update(package_dir=HERE, ops=None, check=False):
    """Rewrite the generated regions of the package's files (check=True: only compare);
    the list of regions that were (or would be) changed."""
    texts = render(ops or load_ops(os.path.join(package_dir, "_ops.py")), package_dir)
    changed, seen = [], set()
    for filename in FILES:
        path = os.path.join(package_dir, filename)
        with open(path) as f:
            source = f.read()

        def fill(m):
            name = m.group("name")
            seen.add(name)
            if m.group("body") != texts[name]:
                changed.append(f"{filename}:{name}")
            return m.group("head") + texts[name] + m.group("tail")

        new = REGION.sub(fill, source)
        if new != source and not check:
            with open(path, "w") as f:
                f.write(new)
    missing = set(texts) - seen
    if missing:
        raise RuntimeError(f"no region marked for {sorted(missing)} in {FILES}")
    return changed


if __name__ == "__main__":
    stale = update(check="--check" in sys.argv)
    verb = "stale" if "--check" in sys.argv else "rewritten"
    print("\n".join(f"{verb}: {r}" for r in stale) or "generated regions up to date")
    sys.exit(1 if stale and "--check" in sys.argv else 0)
