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
import json
import os
import re
import runpy
import subprocess
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
SPECIAL_ACTIVATIONS = ("prelu", "rrelu", "glu")  # hand-written in activations.py
# hand-written in softmax_family.py: a reduction, the sparse maps and their losses, a sampler
SPECIAL_SOFTMAX = ("logsumexp", "sparsemax", "entmax15", "entmax_bisect", "sparsemax_loss",
                   "entmax15_loss", "entmax_bisect_loss", "gumbel_softmax")
# ... of which these also have a hand-written <name>_with_grad
SPECIAL_SOFTMAX_FUSED = ("sparsemax_loss", "entmax15_loss", "entmax_bisect_loss")
DISTANCES = ("normalize", "cosine_similarity", "pairwise_distance", "pdist", "cdist",
             "triplet_margin_with_distance_loss")
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
{_wrapped(f"Derivative (``{op.name}_backward``): grad_output * {op.derivative}.")}
"""


def _torch_autograd(name):
    """The backward docstrings' torch equivalent of the gradient of torch's function `name`."""
    return _wrapped(f"torch equivalent: ``torch.autograd.grad({name}(x, ...), x, grad_output)`` "
                    f"for an ``x`` that requires grad.")


def _wrapped(text):
    """A docstring paragraph filled to 92 columns (words and hyphenated names kept whole)."""
    return textwrap.fill(text, width=92, break_on_hyphens=False, break_long_words=False)


def _paragraphs(*texts):
    """The non-empty texts, separated by blank lines."""
    return "\n\n".join(t for t in texts if t)


def _torch_name(text):
    """The torch (or torchvision) function a docstring names in parentheses, or None."""
    m = re.search(r"\((torch(?:vision)?\.[\w.]+)", text)
    return m.group(1).rstrip(".") if m else None


def _backward_doc(op):
    torch = _torch_autograd(f"torch.nn.functional.{op.name}")
    if op.saves_output:
        return f"""Gradient of ``{op.name}``: grad_output * {op.derivative}.

Takes ``grad_output`` and either `input` or ``output=`` (the forward result, the cheaper
way); returns a new array of their dtype (or writes `out`).

{torch}
"""
    return f"""Gradient of ``{op.name}`` with respect to its input: grad_output * {op.derivative}.

Takes ``grad_output`` (the shape of the input) and then ``{op.name}``'s own arguments; returns a
new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

{torch}
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


def _function(op, ops, examples):
    sig = "".join(f", {p.name}{_default(p, ops)}" for p in op.params)
    sig += "".join(f", {name}={default!r}" for name, default, _ in op.options)
    prologue, row = _prologue(op)
    params = "".join(f", {p.name}" for p in op.params)
    inplace_sig = ", inplace=False" if op.inplace else ""
    inplace_arg = ", inplace=inplace" if op.inplace else ""
    backward_examples = _section("Examples", examples.get(f"{op.name}_backward"))
    forward = (f"def {op.name}(input{sig}{inplace_sig}, *, out=None):\n"
               f"{_docstring(_forward_doc(op, ops) + _section('Examples', examples.get(op.name)))}"
               f"{prologue}"
               f"    return _unary({row}, input{params}, out=out{inplace_arg})\n")
    if op.saves_output:
        backward = (f"def {op.name}_backward(grad_output, input=None{sig}, *, output=None, "
                    f"out=None):\n{_docstring(_backward_doc(op) + backward_examples)}{prologue}"
                    f"    return _from_output({row}, grad_output, input, output, out)\n")
    else:
        backward = (f"def {op.name}_backward(grad_output, input{sig}, *, out=None):\n"
                    f"{_docstring(_backward_doc(op) + backward_examples)}{prologue}"
                    f"    return _unary_grad({row}, grad_output, input{params}, out=out)\n")
    return forward + "\n\n" + backward


# ---- loss and softmax-family functions -------------------------------------------------------

_LOSS_RETURNS = """ndarray or NumPy scalar
    reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
    (float32/float64, float16 for float16 inputs)."""
_LOSS_RAISES = """TypeError
    For complex, object or string arrays, or a non-numeric parameter.
ValueError
    For shapes that do not match as the loss requires (the message gives the shapes), an
    unknown `reduction`, or a parameter out of its range."""


def _section(title, body):
    return f"\n{title}\n{'-' * len(title)}\n{body.rstrip()}\n" if body else ""


def _entry(header, doc):
    body = "".join(f"    {line}\n" if line else "\n" for line in doc.splitlines())
    return f"{header}\n{body}"


def _arg_entry(arg, ops):
    if arg.name == "reduction":
        choices = ", ".join(repr(r) for r in arg.type)
        doc = arg.doc or ("'none': the unreduced losses; " + "; ".join(
            f"'{r}': their {r}" for r in arg.type if r != "none") + ".")
        return _entry(f"reduction : {{{choices}}}, default {arg.default!r}", doc)
    if arg.default is None and "optional" in arg.type:
        return _entry(f"{arg.name} : {arg.type}", arg.doc)
    return _entry(f"{arg.name} : {arg.type}, default {arg.default!r}", arg.doc)


def _loss_params(row, ops):
    inputs = "".join(_entry(f"{i.name} : {i.type}", i.doc) for i in row.inputs)
    return inputs + "".join(_arg_entry(a, ops) for a in row.args if a.name != "*")


_GRAD_OUTPUT = """The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
other than 'none', an array of the loss shape for 'none'."""


def _loss_docs(row, ops, examples):
    """(forward, backward, fused) docstrings of a loss row (examples: the generated Examples
    of the functions whose row has none)."""
    params = _loss_params(row, ops)
    torch = _torch_name(row.doc)
    forward = (f"{row.doc}\n" + _section("Parameters", params)
               + _section("Returns", row.returns or _LOSS_RETURNS)
               + _section("Raises", row.raises or _LOSS_RAISES)
               + _section("Notes", _paragraphs(
                   row.formula, row.gradient and f"Gradient (``{row.name}_backward``):\n\n"
                                                 f"{row.gradient}"))
               + _section("Examples", row.example or examples.get(row.name)))
    grad_params = (_entry("grad_output : float or array_like", _GRAD_OUTPUT) + params
                   + "".join(_arg_entry(a, ops) for a in row.backward_args))
    backward = ((row.grad_doc or f"Gradient of ``{row.name}`` with respect to its input.") + "\n"
                + _section("Parameters", grad_params)
                + _section("Returns", row.grad_returns or "ndarray\n    The gradient with "
                           "respect to `input`: its shape and float dtype.")
                + _section("Raises", row.grad_raises or "ValueError\n    A grad_output of the "
                           f"wrong shape, and everything ``{row.name}`` raises.")
                + _section("Notes", _paragraphs(row.gradient, torch and _torch_autograd(torch)))
                + _section("Examples", row.grad_example
                           or examples.get(f"{row.name}_backward")))
    fused = None
    if row.fused is not None:
        fused_params = params + _entry(
            "grad_output : float or array_like, default 1.0",
            "The gradient flowing into the loss: a scalar for the reductions other than\n"
            "'none'; for 'none' an array of the loss shape, or a scalar used for every element.")
        fused = (f"{row.fused}\n" + _section("Parameters", fused_params)
                 + _section("Returns", f"loss : ndarray or NumPy scalar\n    Exactly what "
                            f"``{row.name}`` returns.\ngrad_input : ndarray\n    What "
                            f"``{row.name}_backward(grad_output, ...)`` returns.")
                 + _section("Raises", "TypeError, ValueError\n    As the loss, and for a "
                            "grad_output of the wrong shape.")
                 + _section("Notes", _paragraphs(
                     row.fused_notes, row.formula and f"Loss (``{row.name}``):\n\n{row.formula}",
                     row.gradient and f"Gradient (``{row.name}_backward``):\n\n{row.gradient}",
                     torch and _wrapped(f"torch equivalent: ``loss = {torch}(x, ...)`` for an "
                                        f"``x`` that requires grad, then "
                                        f"``loss.backward(grad_output)`` and ``x.grad``.")))
                 + _section("Examples", row.fused_example
                            or examples.get(f"{row.name}_with_grad")))
    docs = [forward, backward, fused]
    for key, text in ops["DOC_SNIPPETS"].items():
        docs = [d and d.replace("{" + key + "}", text) for d in docs]
    return docs


def _checked(arg):
    """The argument layer's expression for an argument: reductions and bool options are
    checked here, the rest by the family's function."""
    if arg.name == "reduction":
        allowed = ("" if tuple(arg.type) == ("none", "mean", "sum")
                   else f", ({', '.join(map(_repr, arg.type))})")
        return f"check_reduction(reduction{allowed})"
    if arg.type == "bool":
        return f'bool_option({arg.name}, "{arg.name}")'
    return arg.name


def _repr(value):
    """repr with double-quoted strings (the package's style)."""
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _signature(names_and_args):
    """The parameter list: inputs (str) and Args, with the keyword-only marker."""
    parts = []
    for item in names_and_args:
        if isinstance(item, str):
            parts.append(item)
        elif item.name == "*":
            parts.append("*")
        elif item.default == "required":
            parts.append(item.name)
        else:
            parts.append(f"{item.name}={_repr(item.default)}")
    return ", ".join(parts)


def _def(name, params, doc, call, lazy=None):
    """A function: its def line, docstring and `return call` (call: (callee, [argument, ...]));
    lazy: the array arguments whose being dask arrays hands the call to _dask.loss."""
    head = _wrap(f"def {name}(", _signature(params).split(", "), "):") + _docstring(doc)
    if lazy:
        head += (_wrap("    if _dask.lazy(", lazy, "):")
                 + f'        return _dask.loss("{name}", locals())\n')
    return head + _wrap(f"    return {call[0]}(", call[1], ")")


def _wrap(head, pieces, closing, width=100):
    """head + the comma-separated pieces + closing, wrapped at width, continuation lines
    aligned after head."""
    lines, line = [], head
    for i, piece in enumerate(pieces):
        piece += closing if i == len(pieces) - 1 else ","
        if len(line) + len(piece) + 1 > width:
            lines.append(line.rstrip())
            line = " " * len(head)
        line += piece + " "
    lines.append(line.rstrip())
    return "\n".join(lines) + "\n"


def _loss_functions(row, ops, examples):
    names = ops["input_names"](row)
    forward_doc, backward_doc, fused_doc = _loss_docs(row, ops, examples)
    args = [a for a in row.args if a.name != "*"]
    values = list(names) + [_checked(a) for a in args]
    backward_args = [_checked(a) for a in row.backward_args]
    # dask arrays take the lazy path (_dask.loss) before any argument is converted
    lazy = list(names) + [a.name for a in args if "array" in str(a.type)]
    texts = [_def(row.name, list(names) + list(row.args), forward_doc,
                  (f"_{row.name}", values), lazy),
             _def(f"{row.name}_backward", ["grad_output"] + list(names) + list(row.args)
                  + list(row.backward_args), backward_doc,
                  (f"_{row.name}_backward", ["grad_output"] + values + backward_args),
                  ["grad_output"] + lazy)]
    if row.fused is not None:
        kw = [] if any(a.name == "*" for a in row.args) else ["*"]
        texts.append(_def(f"{row.name}_with_grad", list(names) + list(row.args) + kw
                          + [ops["Arg"]("grad_output", 1.0, "")], fused_doc,
                          (f"_{row.name}_with_grad", values + ["grad_output"]), lazy))
    texts += [f"{alias}{suffix} = {row.name}{suffix}\n" for alias in row.aliases
              for suffix in ("", "_backward")]
    return "\n\n".join(texts)


def _loss_names(row):
    names = [row.name, f"{row.name}_backward"] + ([f"{row.name}_with_grad"]
                                                   if row.fused is not None else [])
    return names + [f"{a}{s}" for a in row.aliases for s in ("", "_backward")]


_SOFTMAX_DOC = """{title} (torch.nn.functional.{name}).

{formula}

Parameters
----------
input : array_like
    float32/float64 computed natively, float16 in float32, integers promote to float64.
    Any strides (other layouts are copied once).
dim : int
    The axis to normalise over (negative counts from the end). None picks torch's legacy
    implicit axis (0 for 0-, 1- and 3-d input, else 1) with torch's deprecation warning.
_stacklevel : int, default 3
    Stack level of that warning, as torch.
dtype : dtype, optional
    Cast the input to this floating dtype first (torch's `dtype=`).
temperature : float, default 1.0
    Beyond torch: the input is divided by it (> 0) first.
out : ndarray, optional
    Result destination of the input's shape and result dtype; may be the input.

Returns
-------
ndarray

Raises
------
ValueError
    dim out of range, temperature <= 0, a wrong `out`.
TypeError
    Complex/object input, a non-float dtype.

Notes
-----
Each row is shifted by its maximum; sums run in double. A row with NaN, with +inf, or of
all -inf gives NaN (as torch).

Derivative (``{name}_backward(grad_output, input, dim, output=...)``), with g the
grad_output and y the result: {derivative}
"""
_SOFTMAX_BACKWARD_DOC = """Gradient of ``{name}`` with respect to its input.

``{name}_backward(grad_output, input, dim, ...)`` recomputes the forward from `input`;
``{name}_backward(grad_output, dim=dim, output=y)`` uses the forward result y instead (cheaper).
The arguments are ``{name}``'s (dim, dtype, temperature); returns an array of the input's
shape (or writes `out`).

Notes
-----
{derivative}

{torch}
"""


def _softmax_functions(row, examples):
    options = ["dim=None", "_stacklevel=3", "dtype=None", "*"]
    kernel = [str(row.sign), str(row.log)]
    forward = _def(row.name, ["input"] + options + ["temperature=1.0", "out=None"],
                   _SOFTMAX_DOC.format(**row._asdict())
                   + _section("Examples", examples.get(row.name)),
                   ("_forward", ["input", "dim", "_stacklevel", "dtype", "temperature", "out"]
                    + kernel))
    backward = _def(f"{row.name}_backward", ["grad_output", "input=None"] + options
                    + ["output=None", "temperature=1.0", "out=None"],
                    _SOFTMAX_BACKWARD_DOC.format(
                        torch=_torch_autograd(f"torch.nn.functional.{row.name}"),
                        **row._asdict())
                    + _section("Examples", examples.get(f"{row.name}_backward")),
                    ("_backward", ["grad_output", "input", "dim", "_stacklevel", "dtype",
                                   "output", "temperature", "out"] + kernel + [row.name]))
    return forward + "\n\n" + backward


def _nn_all(public, ops, package_dir):
    """actloss.nn's __all__: its public classes (class statements and `Name = _x_class(...)`
    lines) in file order, the row classes at their regions."""
    with open(os.path.join(package_dir, "nn.py")) as f:
        source = f.read()
    names = []
    row_factories = ("_activation_class", "_loss_class", "_softmax_class")  # the regions'
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            names.append((_offset(source, node.lineno), node.name))
        elif (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
              and getattr(node.value.func, "id", "").endswith("_class")
              and node.value.func.id not in row_factories
              and not node.targets[0].id.startswith("_")):
            names.append((_offset(source, node.lineno), node.targets[0].id))  # a class factory
    for region, classes in (("nn.activations", [op.module for op in public]),
                            ("nn.softmax", [row.cls for row in ops["SOFTMAX_FAMILY"]]),
                            ("nn.losses", [row.name for row in ops["LOSS_MODULES"]])):
        names += [(source.index(f"# <generated: {region}>"), name) for name in classes]
    return [name for _, name in sorted(names, key=lambda item: item[0])]


def _offset(source, lineno):
    """The character offset of line `lineno` (1-based) of `source`."""
    return sum(len(line) for line in source.splitlines(keepends=True)[:lineno - 1])


def render(ops, package_dir=HERE, examples=None):
    """{region name: generated text}; examples: {function name: its Examples section's text}
    (see example_texts)."""
    examples = examples or {}
    public = _public(ops)
    activations = [n for op in public for n in (op.name, f"{op.name}_backward")]
    activations += [n for op in SPECIAL_ACTIVATIONS for n in (op, f"{op}_backward")]
    activations += [alias for alias, _ in ops["ACTIVATION_ALIASES"]]
    softmax = [n for row in ops["SOFTMAX_FAMILY"] for n in (row.name, f"{row.name}_backward")]
    softmax += [n for name in SPECIAL_SOFTMAX for n in (name, f"{name}_backward")
                + ((f"{name}_with_grad",) if name in SPECIAL_SOFTMAX_FUSED else ())]
    texts = {
        "activations.__all__": _literal("__all__", activations),
        "activations.functions": "\n\n".join(_function(op, ops, examples) for op in public),
        "activations.aliases": "".join(f"{alias} = {name}\n"
                                       for alias, name in ops["ACTIVATION_ALIASES"]),
        "softmax_family.__all__": _literal("__all__", softmax),
        "softmax_family.functions": "\n\n".join(_softmax_functions(row, examples)
                                                  for row in ops["SOFTMAX_FAMILY"]),
        "ACTIVATIONS": _literal("ACTIVATIONS", [op.name for op in public]
                                + list(SPECIAL_ACTIVATIONS), tuple_=True),
        "nn.__all__": _literal("__all__", _nn_all(public, ops, package_dir)),
        "nn.activations": "".join(f'{op.module} = _activation_class("{op.name}")\n'
                                  for op in public),
        "nn.softmax": "".join(f'{row.cls} = _softmax_class("{row.cls}", "{row.name}")\n'
                              for row in ops["SOFTMAX_FAMILY"]),
        "nn.losses": "".join(f'{row.name} = _loss_class("{row.name}")\n'
                             for row in ops["LOSS_MODULES"]),
    }
    package = activations + softmax
    for family in LOSS_FAMILIES:
        rows = [row for row in ops["LOSSES"] if row.family == family]
        names = [n for row in rows for n in _loss_names(row)]
        texts[f"{family}.__all__"] = _literal("__all__", names)
        texts[f"{family}.functions"] = "\n\n".join(_loss_functions(row, ops, examples)
                                                  for row in rows)
        package += names
    package += ["one_hot"]  # encoding.py: torch.nn.functional.one_hot, no gradient
    package += ["linear_cross_entropy", "linear_cross_entropy_backward",
                "linear_cross_entropy_with_grad"]  # linear_losses.py
    # distances.py: similarity and distance tools, hand-written (NumPy and BLAS)
    package += [n for name in DISTANCES for n in (name, f"{name}_backward")]
    package += ["ctc_loss", "ctc_loss_backward", "ctc_loss_with_grad"]  # sequence_losses.py
    package += ["ACTIVATIONS", "get_num_threads", "set_num_threads", "get_accuracy",
                "set_accuracy", "accuracy", "show_config", "__version__"]
    texts["actloss.__all__"] = _literal("__all__", package)
    texts.update(_ufunc_texts(ops))
    return texts


def _literal(name, items, tuple_=False):
    """name = [...] (or a tuple) wrapped at 96 columns, one string literal per item."""
    opening, closing = ("(", ")") if tuple_ else ("[", "]")
    return _wrap(f"{name} = {opening}", [f'"{item}"' for item in items], closing, width=96)


# ---- the Examples sections: statements from the table, printed results from the built package --

_IMPORT = "import numpy as np, actloss as F"


def _example_requests(ops):
    """{function name: {"statements": [Python source, ...], "g_from": expression or None}}: the
    examples to run for the generated functions whose row has none. A statement that is an
    expression is displayed; "{G}" in a statement is a grad_output of the shape of g_from's
    value (1.0 for a scalar)."""
    requests = {}
    for op in _public(ops):
        inputs, required = op.example
        setup = [_IMPORT, f"x = np.array([{', '.join(repr(float(v)) for v in inputs)}])"]
        args = "".join(f", {v!r}" for v in required)
        requests[op.name] = {"statements": setup + [f"F.{op.name}(x{args})"]}
        backward = setup + [f"F.{op.name}_backward(np.ones({len(inputs)}), x{args})"]
        if op.saves_output:
            backward.append(f"F.{op.name}_backward(np.ones({len(inputs)}), "
                            f"output=F.{op.name}(x{args}))")
        requests[f"{op.name}_backward"] = {"statements": backward}
    for row in ops["SOFTMAX_FAMILY"]:
        setup = [_IMPORT, "x = np.array([[1.0, 2.0, 3.0]])"]
        requests[row.name] = {"statements": setup + [f"F.{row.name}(x, dim=-1)"]}
        requests[f"{row.name}_backward"] = {"statements": setup + [
            f"F.{row.name}_backward(np.array([[1.0, 0.0, 0.0]]), x, dim=-1)"]}
    for row in ops["LOSSES"]:
        if not row.example:
            continue
        statements = _statements(row.example)
        call = _call(statements[-1], f"F.{row.name}(")
        if call is None:
            continue
        setup, arguments = statements[:-1], call[len(f"F.{row.name}("):]
        if not row.grad_example:
            requests[f"{row.name}_backward"] = {
                "statements": setup + [f"F.{row.name}_backward({{G}}, {arguments}"],
                "g_from": call}
        if row.fused is not None and not row.fused_example:
            requests[f"{row.name}_with_grad"] = {"statements": setup + [
                f"loss, grad = F.{row.name}_with_grad({arguments}", "loss", "grad"]}
    return requests


def _statements(example):
    """The Python statements of a doctest text (its >>> lines with their ... continuations)."""
    statements = []
    for line in example.splitlines():
        if line.startswith(">>> "):
            statements.append(line[4:])
        elif line.startswith("... ") or line == "...":
            statements[-1] += "\n" + line[4:]
    return statements


def _call(statement, head):
    """The call starting at `head` in a statement (up to its closing parenthesis), on one line;
    None when the statement has none."""
    start = statement.find(head)
    if start < 0:
        return None
    depth, quote = 0, None
    for i in range(start, len(statement)):
        c = statement[i]
        if quote:
            quote = None if c == quote else quote
        elif c in "\"'":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return re.sub(r"\s*\n\s*", " ", statement[start:i + 1])
    return None


# Run in a fresh interpreter on the package being generated (PYTHONPATH: its parent folder):
# reads the requests, prints {"file": actloss.__file__, "results": {name: [[source, shown or
# null], ...]}, "errors": {name: message}}. A displayed value whose repr changes when its floats
# move by up to 2 ULP (one ISA level's rounding against another's) is shown rounded instead.
_RUNNER = r"""
import json, sys
import numpy as np
import actloss


def short(v):
    # zero, inf, NaN and values of at most 8 significant digits (what np.round(v, 6) leaves):
    # taken as exact on every ISA level
    digits = repr(float(v)).lstrip("-").split("e")[0].replace(".", "").strip("0")
    return v == 0 or not np.isfinite(v) or len(digits) <= 8


def nudge(value, steps):
    if isinstance(value, tuple):
        return tuple(nudge(v, steps) for v in value)
    if isinstance(value, (np.ndarray, np.floating)) and np.issubdtype(value.dtype, np.floating):
        moved = np.array(value, copy=True)
        flat = moved.reshape(-1)
        for i, v in enumerate(flat):
            for _ in range(0 if short(v) else abs(steps)):
                flat[i] = np.nextafter(flat[i], np.inf if steps > 0 else -np.inf)
        return moved if isinstance(value, np.ndarray) else value.dtype.type(moved)
    return value


def stable(value):
    return all(repr(nudge(value, k)) == repr(value) for k in (-2, -1, 1, 2))


requests, results, errors = json.load(sys.stdin), {}, {}
for name, request in requests.items():
    namespace, shown = {}, []
    try:
        for source in request["statements"]:
            if "{G}" in source:
                loss = eval(request["g_from"], namespace)
                g = "1.0" if np.ndim(loss) == 0 else f"np.ones({np.shape(loss)})"
                source = source.replace("{G}", g)
            try:
                compile(source, name, "eval")
            except SyntaxError:
                exec(source, namespace)
                shown.append([source, None])
                continue
            value = eval(source, namespace)
            if not stable(value):
                source = (f"np.round({source}, 6)" if not isinstance(value, tuple)
                          else f"[np.round(v, 6) for v in {source}]")
                value = eval(source, namespace)
                if not stable(value):
                    raise ValueError(f"{source} prints differently within 2 ULP")
            shown.append([source, None if value is None else repr(value)])
        results[name] = shown
    except Exception as e:
        errors[name] = f"{type(e).__name__}: {e}"
print(json.dumps({"file": actloss.__file__, "results": results, "errors": errors}))
"""


def _run_examples(requests, package_dir):
    """Run the requests on the package in package_dir: (results, errors) as _RUNNER prints them;
    RuntimeError when that package cannot be imported (not built in place)."""
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.abspath(package_dir)))
    for setting in ("ACTLOSS_ISA", "ACTLOSS_ACCURACY"):  # the defaults print the examples
        env.pop(setting, None)
    done = subprocess.run([sys.executable, "-c", _RUNNER], input=json.dumps(requests),
                          capture_output=True, text=True, env=env, cwd=package_dir)
    if done.returncode != 0:
        raise RuntimeError("cannot run the docstring examples: actloss from "
                           f"{package_dir} does not import (build it in place first: python "
                           f"setup.py build_ext --inplace)\n{done.stderr[-2000:]}")
    answer = json.loads(done.stdout.splitlines()[-1])
    here = os.path.dirname(os.path.abspath(answer["file"]))
    if os.path.realpath(here) != os.path.realpath(package_dir):
        raise RuntimeError(f"the docstring examples imported actloss from {here}, not from "
                           f"{package_dir}: build it in place first")
    return answer["results"], answer["errors"]


def _doctest(results):
    """The Examples text of a run: each statement as >>> lines, then what it printed."""
    lines = []
    for source, shown in results:
        lines += _doctest_lines(source)
        if shown is not None:
            lines.append(shown)
    return "\n".join(lines)


def _doctest_lines(source, width=88):
    """'>>> source', wrapped after top-level commas of its call into '...' lines aligned after
    the call's opening parenthesis when longer than width."""
    line = ">>> " + source
    if len(line) <= width:
        return [line]
    depth, quote, opening, pieces, start = 0, None, None, [], 0
    for i, c in enumerate(line):
        if quote:
            quote = None if c == quote else quote
        elif c in "\"'":
            quote = c
        elif c in "([{":
            depth += 1
            if opening is None:
                opening = i
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 1:
            pieces.append(line[start:i + 1])
            start = i + 2
    pieces.append(line[start:])
    indent = "..." + " " * (opening - 2)
    lines, current = [], pieces[0]
    if len(current) > width:  # the first argument does not fit: all of them on "..." lines
        indent = "...     "
        lines, current = [line[:opening + 1]], indent + current[opening + 1:]
    for piece in pieces[1:]:
        if len(current) + 1 + len(piece) > width:
            lines.append(current)
            current = indent + piece
        else:
            current += " " + piece
    return lines + [current]


def _old_examples(package_dir):
    """{function name: the Examples text of its docstring} in the package's files as they are."""
    old = {}
    for filename in FILES:
        with open(os.path.join(package_dir, filename)) as f:
            tree = ast.parse(f.read())
        for node in tree.body:
            doc = isinstance(node, ast.FunctionDef) and ast.get_docstring(node)
            if doc and "\nExamples\n--------\n" in doc:
                old[node.name] = doc.split("\nExamples\n--------\n", 1)[1].rstrip()
    return old


def example_texts(ops, package_dir=HERE, strict=True):
    """{function name: Examples text} of the generated functions whose row has none, printed by
    running the package built in package_dir. strict=False (setup.py, before the build): the
    text the files have (none for a new row: `python src/actloss/_codegen.py` after the build
    fills it in, and tests/test_docs.py fails until then)."""
    requests = _example_requests(ops)
    if not strict:  # setup.py: before the build there is nothing to run; keep the files' text
        old = _old_examples(package_dir)
        return {name: old[name] for name in requests if name in old}
    results, errors = _run_examples(requests, package_dir)
    if errors:
        raise RuntimeError("docstring examples failed:\n" + "\n".join(
            f"  {name}: {message}" for name, message in sorted(errors.items())))
    return {name: _doctest(shown) for name, shown in results.items()}


# ---- actloss.ufuncs: one ufunc per row of _ops.UNARY and direction ------------------------------

def _ufunc_rows(ops):
    """[(ufunc name, row name, kind)]: every row (the option rows too: gelu_tanh) forward and
    backward, and backward from the output where the row saves it."""
    rows = []
    for op in ops["UNARY"]:
        rows += [(op.name, op.name, "FORWARD"), (f"{op.name}_backward", op.name, "BACKWARD")]
        if op.saves_output:
            rows.append((f"{op.name}_backward_from_output", op.name, "FROM_OUTPUT"))
    return rows


def _ufunc_texts(ops):
    rows = _ufunc_rows(ops)
    return {"ufuncs.__all__": _literal("__all__", [name for name, _, _ in rows]),
            "ufuncs.table": "".join(f'{name} = _ufunc("{row}", {kind})\n'
                                    for name, row, kind in rows)}


LOSS_FAMILIES = ("class_losses", "pointwise_losses", "embedding_losses")
FILES = ("activations.py", "softmax_family.py") + tuple(f + ".py" for f in LOSS_FAMILIES) + (
    "__init__.py", "nn.py", "ufuncs.py")


def update(package_dir=HERE, ops=None, check=False, strict=False):
    """Rewrite the generated regions of the package's files (check=True: only compare);
    the list of regions that were (or would be) changed. The docstrings' Examples print what
    the package built in place returns (strict: see example_texts)."""
    ops = ops or load_ops(os.path.join(package_dir, "_ops.py"))
    texts = render(ops, package_dir, example_texts(ops, package_dir, strict))
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
    try:
        stale = update(check="--check" in sys.argv, strict=True)
    except RuntimeError as e:
        sys.exit(f"_codegen.py: {e}")
    verb = "stale" if "--check" in sys.argv else "rewritten"
    print("\n".join(f"{verb}: {r}" for r in stale) or "generated regions up to date")
    sys.exit(1 if stale and "--check" in sys.argv else 0)
