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
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
SPECIAL_ACTIVATIONS = ("prelu", "rrelu", "glu")  # hand-written in activations.py
# hand-written in softmax_family.py: a reduction, the sparse maps and their losses, a sampler
SPECIAL_SOFTMAX = ("logsumexp", "sparsemax", "entmax15", "entmax_bisect", "sparsemax_loss",
                   "entmax15_loss", "entmax_bisect_loss", "gumbel_softmax")
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


def _loss_docs(row, ops):
    """(forward, backward, fused) docstrings of a loss row."""
    params = _loss_params(row, ops)
    torch = _torch_name(row.doc)
    forward = (f"{row.doc}\n" + _section("Parameters", params)
               + _section("Returns", row.returns or _LOSS_RETURNS)
               + _section("Raises", row.raises or _LOSS_RAISES)
               + _section("Notes", _paragraphs(
                   row.formula, row.gradient and f"Gradient (``{row.name}_backward``):\n\n"
                                                 f"{row.gradient}"))
               + _section("Examples", row.example))
    grad_params = (_entry("grad_output : float or array_like", _GRAD_OUTPUT) + params
                   + "".join(_arg_entry(a, ops) for a in row.backward_args))
    backward = ((row.grad_doc or f"Gradient of ``{row.name}`` with respect to its input.") + "\n"
                + _section("Parameters", grad_params)
                + _section("Returns", row.grad_returns or "ndarray\n    The gradient with "
                           "respect to `input`: its shape and float dtype.")
                + _section("Raises", row.grad_raises or "ValueError\n    A grad_output of the "
                           f"wrong shape, and everything ``{row.name}`` raises.")
                + _section("Notes", _paragraphs(row.gradient, torch and _torch_autograd(torch)))
                + _section("Examples", row.grad_example))
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
                 + _section("Examples", row.fused_example))
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


def _loss_functions(row, ops):
    names = ops["input_names"](row)
    forward_doc, backward_doc, fused_doc = _loss_docs(row, ops)
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


def _softmax_functions(row):
    options = ["dim=None", "_stacklevel=3", "dtype=None", "*"]
    kernel = [str(row.sign), str(row.log)]
    forward = _def(row.name, ["input"] + options + ["temperature=1.0", "out=None"],
                   _SOFTMAX_DOC.format(**row._asdict()),
                   ("_forward", ["input", "dim", "_stacklevel", "dtype", "temperature", "out"]
                    + kernel))
    backward = _def(f"{row.name}_backward", ["grad_output", "input=None"] + options
                    + ["output=None", "temperature=1.0", "out=None"],
                    _SOFTMAX_BACKWARD_DOC.format(
                        torch=_torch_autograd(f"torch.nn.functional.{row.name}"),
                        **row._asdict()),
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


def render(ops, package_dir=HERE):
    """{region name: generated text}."""
    public = _public(ops)
    activations = [n for op in public for n in (op.name, f"{op.name}_backward")]
    activations += [n for op in SPECIAL_ACTIVATIONS for n in (op, f"{op}_backward")]
    activations += [alias for alias, _ in ops["ACTIVATION_ALIASES"]]
    softmax = [n for row in ops["SOFTMAX_FAMILY"] for n in (row.name, f"{row.name}_backward")]
    softmax += [n for name in SPECIAL_SOFTMAX for n in (name, f"{name}_backward")]
    texts = {
        "activations.__all__": _literal("__all__", activations),
        "activations.functions": "\n\n".join(_function(op, ops) for op in public),
        "activations.aliases": "".join(f"{alias} = {name}\n"
                                       for alias, name in ops["ACTIVATION_ALIASES"]),
        "softmax_family.__all__": _literal("__all__", softmax),
        "softmax_family.functions": "\n\n".join(_softmax_functions(row)
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
        texts[f"{family}.functions"] = "\n\n".join(_loss_functions(row, ops) for row in rows)
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
