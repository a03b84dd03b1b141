"""torch.nn-style module classes on top of the functional API.

Every activation and loss of ``actloss`` has a class named as in ``torch.nn`` (plus
``SigmoidFocalLoss``, ``ContrastiveLoss`` and ``InfoNCELoss`` for the losses torch lacks), with
torch's constructor arguments and defaults (the deprecated ``size_average``/``reduce`` dropped),
and ``AdaptiveLogSoftmaxWithLoss`` with torch's parameter layout. The classes are thin: the
numerics are the functional calls (and NumPy matrix products for the linear layers).

Conventions of every class:

* ``m(...)`` is ``m.forward(...)``: it returns what the functional call returns and keeps what
  the gradient needs -- the input (by reference, not copied), or the output for Sigmoid, Tanh,
  Softmax, LogSoftmax and Softmin (their backward is computed from it).
* ``m.backward(grad_output=1.0)`` returns the gradient of the last forward's first argument,
  or a tuple in the functional backward's order where that returns one (PReLU's weight
  gradient goes to ``m.weight.grad`` instead). For a loss with ``reduction="none"`` a scalar
  ``grad_output`` is broadcast to the loss's shape.
* Learnable arrays are :class:`Parameter` objects (an ndarray subclass with a ``grad``
  attribute). ``backward`` *accumulates* into ``grad`` (adds to it; it starts at None), as
  torch's autograd does; ``zero_grad()`` resets it.
* ``train()``/``eval()`` set the ``training`` flag (RReLU draws slopes only in training; the
  fused losses compute their gradient eagerly only in training, see ``CrossEntropyLoss``).
* ``state_dict()``/``load_state_dict()`` use torch's key names, so weights move between
  ``{k: v.detach().numpy() for k, v in torch_module.state_dict().items()}`` and these classes.
* Inputs are not modified unless ``inplace=True``. Like torch, modifying an array after the
  forward that saved it (the input, or the output where that is kept) changes the gradient.
"""
import collections
import inspect
import math
import numbers
import operator
import textwrap

import numpy as np

from . import _ops
from ._validate import as_array, bool_option, check_reduction, reject_masked, result_dtype

from . import activations as _act
from . import class_losses as _cls
from . import distances as _dist
from . import embedding_losses as _emb
from . import pointwise_losses as _pw
from . import sequence_losses as _seq
from . import softmax_family as _sm
from . import linear_losses as _lin

# <generated: nn.__all__>
__all__ = ["Parameter", "Module", "Linear", "Sequential", "ModuleList", "ReLU", "ReLU6",
           "LeakyReLU", "ELU", "CELU", "SELU", "GELU", "SiLU", "Mish", "Softplus", "Softsign",
           "Sigmoid", "Tanh", "LogSigmoid", "Hardtanh", "Hardsigmoid", "Hardswish",
           "Hardshrink", "Softshrink", "Tanhshrink", "Threshold", "GLU", "Softmax",
           "LogSoftmax", "Softmin", "Sparsemax", "Entmax15", "EntmaxBisect", "GumbelSoftmax",
           "PReLU", "RReLU", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss",
           "BCEWithLogitsLoss", "KLDivLoss", "GaussianNLLLoss", "PoissonNLLLoss",
           "MarginRankingLoss", "HingeEmbeddingLoss", "SoftMarginLoss",
           "MultiLabelSoftMarginLoss", "SigmoidFocalLoss", "MultiClassHingeLoss",
           "BrierScoreLoss", "DiceLoss", "TverskyLoss", "GeneralizedBoxIoULoss",
           "DistanceBoxIoULoss", "CompleteBoxIoULoss", "HingeLoss", "SquaredHingeLoss",
           "LogCoshLoss", "PinballLoss", "CrossEntropyLoss", "NLLLoss", "MultiMarginLoss",
           "MultiLabelMarginLoss", "CosineEmbeddingLoss", "TripletMarginLoss",
           "ContrastiveLoss", "InfoNCELoss", "BinaryFocalLoss", "SoftmaxFocalLoss",
           "Poly1CrossEntropyLoss", "PolyCrossEntropyLoss", "SparsemaxLoss", "Entmax15Loss",
           "EntmaxBisectLoss", "PairwiseDistance", "CosineSimilarity",
           "TripletMarginWithDistanceLoss", "CTCLoss", "AdaptiveLogSoftmaxWithLoss",
           "LinearCrossEntropyLoss"]
# </generated: nn.__all__>

_IncompatibleKeys = collections.namedtuple("IncompatibleKeys", ["missing_keys",
                                                                "unexpected_keys"])
_ASMoutput = collections.namedtuple("_ASMoutput", ["output", "loss"])


# ---- parameters and the base class ------------------------------------------------------------

class Parameter(np.ndarray):
    """A learnable array: an ndarray with a ``grad`` attribute (None until a backward fills it).

    ``Parameter(data, dtype=None)`` copies `data`. Views and arithmetic results of a Parameter
    are Parameters too, each with its own ``grad`` (None); the functional API sees it as a
    plain ndarray.
    """

    def __new__(cls, data, dtype=None):
        reject_masked(data, "data")
        return np.array(data, dtype=dtype).view(cls)

    def __array_finalize__(self, obj):
        self.grad = None


def _as_parameter(value, name):
    """value as a Parameter sharing its memory (a Parameter is returned as it is)."""
    if isinstance(value, Parameter):
        return value
    return as_array(value, name).view(Parameter)


def _accumulate(param, grad):
    """param.grad += grad (param.grad = grad the first time), in param's dtype and shape."""
    g = np.asarray(grad).astype(param.dtype, copy=False).reshape(param.shape)
    param.grad = g if param.grad is None else param.grad + g


def _rng(generator):
    """A numpy Generator from None (fresh entropy), an int seed or a Generator."""
    if isinstance(generator, np.random.Generator):
        return generator
    if generator is None or isinstance(generator, (numbers.Integral, np.integer)):
        return np.random.default_rng(generator)
    raise TypeError(f"generator must be a numpy.random.Generator, an int seed or None, got "
                    f"{type(generator).__name__}")


def _grad_like(grad_output, shape, dtype):
    """A scalar grad_output as a full array of the output's shape and dtype (the default 1.0
    means "the gradient of sum(output)"); arrays are passed on unchanged (a masked one
    raises)."""
    reject_masked(grad_output, "grad_output")
    if np.ndim(grad_output) == 0 and shape != ():
        return np.full(shape, grad_output, dtype=dtype)
    return grad_output


def _addindent(s, n):
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    return lines[0] + "\n" + "\n".join((n * " ") + line if line.strip() else ""
                                       for line in lines[1:])


class Module:
    """Base class of the actloss modules (torch.nn.Module's small core).

    Subclasses set ``_param_names`` / ``_buffer_names`` / ``_module_names`` (the attributes
    that hold parameters, buffers such as a loss's class weights, and child modules, in
    ``state_dict`` order) and define ``forward`` and ``backward``; containers that only hold
    modules (ModuleList) define neither and are not callable. Assigning an array to a
    parameter attribute wraps it in a :class:`Parameter` (sharing its memory).
    """

    _param_names = ()
    _buffer_names = ()
    _module_names = ()
    training = True
    _ctx = None

    def __init_subclass__(cls, **kwargs):
        # m(...) is m.forward(...): bind __call__ to forward directly (no extra frame)
        super().__init_subclass__(**kwargs)
        if "__call__" not in cls.__dict__ and hasattr(cls, "forward"):
            cls.__call__ = cls.forward

    def __setattr__(self, name, value):
        if name in self._param_names and value is not None:
            value = _as_parameter(value, name)
        object.__setattr__(self, name, value)

    def __call__(self, *args, **kwargs):
        """Run ``forward`` (every module but the pure containers defines it)."""
        raise TypeError(f"{type(self).__name__} only holds modules and is not callable; call "
                        f"the modules it holds")

    def _saved(self):
        if self._ctx is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward (or a "
                               f"second time, where the saved arrays were freed)")
        return self._ctx

    # -- modes and traversal

    def train(self, mode=True):
        """Set the training flag of this module and its children; returns self. `mode` must be
        a bool (True/False or numpy.bool_), else TypeError."""
        mode = bool_option(mode, "mode")
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self):
        """``train(False)``."""
        return self.train(False)

    def children(self):
        """The direct child modules."""
        for name in self._module_names:
            yield getattr(self, name)

    def named_parameters(self, prefix=""):
        """(dotted name, Parameter) pairs, recursively, in state_dict order."""
        for name in self._param_names:
            p = getattr(self, name)
            if p is not None:
                yield prefix + name, p
        for name in self._module_names:
            yield from getattr(self, name).named_parameters(prefix + name + ".")

    def parameters(self):
        """The Parameters of this module and its children."""
        for _, p in self.named_parameters():
            yield p

    def zero_grad(self, set_to_none=True):
        """Reset the ``grad`` of every parameter to None (or to zeros with set_to_none=False)."""
        set_to_none = bool_option(set_to_none, "set_to_none")
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = np.zeros_like(p.grad)

    # -- state

    def _state_entries(self, prefix=""):
        """(key, owner, attribute, is_parameter) of every state_dict entry, torch's order."""
        for name in self._param_names:
            if getattr(self, name) is not None:
                yield prefix + name, self, name, True
        for name in self._buffer_names:
            if getattr(self, name) is not None:
                yield prefix + name, self, name, False
        for name in self._module_names:
            yield from getattr(self, name)._state_entries(prefix + name + ".")

    def state_dict(self):
        """An ordered dict of torch's keys (``weight``, ``head.weight``, ``tail.0.1.weight``,
        ...) to plain ndarrays that share memory with the parameters and buffers (as torch's
        tensors do); copy them to keep a snapshot."""
        out = collections.OrderedDict()
        for key, owner, name, _ in self._state_entries():
            out[key] = np.asarray(getattr(owner, name)).view(np.ndarray)
        return out

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays (or anything ``np.asarray`` takes) into the parameters and buffers.

        Parameters keep their identity and dtype (values are cast); buffers are replaced by a
        copy in their dtype. All checks run before anything is written.

        Returns
        -------
        IncompatibleKeys
            ``(missing_keys, unexpected_keys)``, as torch.

        Raises
        ------
        ValueError
            A shape mismatch; with ``strict=True`` also missing or unexpected keys.
        TypeError
            A `strict` that is not a bool, a masked array among the values.
        """
        strict = bool_option(strict, "strict")
        entries = list(self._state_entries())
        known = {key for key, *_ in entries}
        missing, errors, pending = [], [], []
        for key, owner, name, is_param in entries:
            if key not in state_dict:
                missing.append(key)
                continue
            value = as_array(state_dict[key], f"state_dict[{key!r}]")
            current = getattr(owner, name)
            if value.shape != current.shape:
                errors.append(f"size mismatch for {key}: copying an array of shape "
                              f"{value.shape} from the state dict, the shape in the current "
                              f"module is {current.shape}.")
                continue
            pending.append((owner, name, is_param, value))
        unexpected = [key for key in state_dict if key not in known]
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            raise ValueError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                             + "\n\t".join(errors))
        for owner, name, is_param, value in pending:
            current = getattr(owner, name)
            if is_param:
                np.copyto(current, value, casting="unsafe")
            else:
                object.__setattr__(owner, name, np.array(value, dtype=current.dtype))
        return _IncompatibleKeys(missing, unexpected)

    # -- repr

    def extra_repr(self):
        """The text inside the parentheses of the repr (torch's convention)."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(getattr(self, name)), 2)
                       for name in self._module_names]
        lines = extra_lines + child_lines
        body = ""
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                body = extra_lines[0]
            else:
                body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{type(self).__name__}({body})"


def _inplace_str(inplace):
    return ", inplace=True" if inplace else ""


# ---- containers and the linear layer ------------------------------------------------------------

class Linear(Module):
    """y = x @ weight.T + bias (torch.nn.Linear), as the building block of
    AdaptiveLogSoftmaxWithLoss.

    Parameters
    ----------
    in_features, out_features : int
    bias : bool, default True
    generator : numpy.random.Generator or int, optional
        Source of the initial values (an int seeds a new Generator).
    dtype : dtype, default float32

    Notes
    -----
    Initialised as torch's ``reset_parameters``: weight and bias uniform in
    ``[-1/sqrt(in_features), 1/sqrt(in_features)]`` (kaiming-uniform with a = sqrt(5)); bias 0
    bound when in_features is 0. ``weight`` has shape (out_features, in_features).
    ``backward`` returns the input gradient and accumulates ``weight.grad``/``bias.grad``.
    """

    _param_names = ("weight", "bias")

    def __init__(self, in_features, out_features, bias=True, *, generator=None,
                 dtype=np.float32):
        self.in_features = operator.index(in_features)
        self.out_features = operator.index(out_features)
        if self.in_features < 0 or self.out_features < 0:
            raise ValueError(f"in_features and out_features must be >= 0, got "
                             f"{self.in_features} and {self.out_features}")
        self.weight = Parameter(np.zeros((self.out_features, self.in_features), dtype))
        bias = bool_option(bias, "bias")
        self.bias = Parameter(np.zeros(self.out_features, dtype)) if bias else None
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None):
        """Draw weight (then bias) from U(-1/sqrt(in_features), 1/sqrt(in_features))."""
        rng = _rng(generator)
        bound = 1.0 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
        self.weight[...] = rng.uniform(-bound, bound, self.weight.shape)
        if self.bias is not None:
            self.bias[...] = rng.uniform(-bound, bound, self.bias.shape)

    def forward(self, input):
        x = as_array(input)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"input has shape {x.shape}; its last dimension must be "
                             f"in_features = {self.in_features}")
        y = x @ self.weight.view(np.ndarray).T
        if self.bias is not None:
            y += self.bias.view(np.ndarray)
        self._ctx = x
        return y

    def backward(self, grad_output=1.0):
        x = self._saved()
        w = self.weight.view(np.ndarray)
        gy = np.broadcast_to(as_array(grad_output, "grad_output"),
                             x.shape[:-1] + (self.out_features,))
        g2, x2 = gy.reshape(-1, self.out_features), x.reshape(-1, self.in_features)
        _accumulate(self.weight, g2.T @ x2)
        if self.bias is not None:
            _accumulate(self.bias, g2.sum(axis=0))
        return (g2 @ w).reshape(x.shape)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class _Container(Module):
    """Children stored under the attribute names "0", "1", ..."""

    def __init__(self, modules=()):
        self._module_names = ()
        for m in modules:
            self.append(m)

    def append(self, module):
        """Add a module at the end; returns self."""
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__} holds Modules, got {type(module).__name__}")
        name = str(len(self._module_names))
        object.__setattr__(self, name, module)
        self._module_names = self._module_names + (name,)
        return self

    def __len__(self):
        return len(self._module_names)

    def __iter__(self):
        return iter(self.children())

    def __getitem__(self, index):
        return getattr(self, self._module_names[operator.index(index)])


class Sequential(_Container):
    """Modules applied in order (torch.nn.Sequential); ``backward`` runs them in reverse.

    Parameters
    ----------
    *modules : Module
    """

    def __init__(self, *modules):
        super().__init__(modules)

    def forward(self, input):
        for m in self:
            input = m(input)
        return input

    def backward(self, grad_output=1.0):
        for m in reversed(list(self)):
            grad_output = m.backward(grad_output)
        return grad_output


class ModuleList(_Container):
    """A list of modules (torch.nn.ModuleList): indexing, ``len``, iteration, ``append``.

    Parameters
    ----------
    modules : iterable of Module, optional
    """

    def __init__(self, modules=None):
        super().__init__(() if modules is None else modules)

    def __repr__(self):
        # consecutive equal children are shown once, as torch: "(0-2): 3 x Linear(...)"
        reprs = [repr(m) for m in self]
        if not reprs:
            return "ModuleList()"
        blocks = []  # [start, end, repr]
        for i, r in enumerate(reprs):
            if blocks and blocks[-1][2] == r:
                blocks[-1][1] = i
            else:
                blocks.append([i, i, r])
        lines = [_addindent(f"({s}): {r}" if s == e else f"({s}-{e}): {e - s + 1} x {r}", 2)
                 for s, e, r in blocks]
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"


# ---- activations --------------------------------------------------------------------------------

class _Activation(Module):
    """An elementwise activation: forward = _fn(input, *params), backward =
    _grad(grad_output, saved, *params), saved = the input (or the output, _from_output).

    With inplace=True the input is overwritten, so the class keeps the output when
    ``_output_suffices()`` says the gradient read at the output equals the gradient at the
    input, and a copy of the input otherwise."""

    _fn = None
    _grad = None
    _from_output = False
    inplace = False

    def _params(self):
        return ()

    def _output_suffices(self):
        return False

    def forward(self, input):
        params = self._params()
        if self.inplace:
            keep_output = self._output_suffices()
            saved = None if keep_output else np.array(input, copy=True)
            y = type(self)._fn(input, *params, inplace=True)
            self._ctx = (y if keep_output else saved, y.shape, y.dtype)
            return y
        y = type(self)._fn(input, *params)
        # (object.__setattr__: _ctx is never a parameter; skips Module.__setattr__)
        object.__setattr__(self, "_ctx", (y if self._from_output else input, y.shape, y.dtype))
        return y

    def backward(self, grad_output=1.0):
        saved, shape, dtype = self._saved()
        grad_output = _grad_like(grad_output, shape, dtype)
        if self._from_output:
            return type(self)._grad(grad_output, output=saved)
        return type(self)._grad(grad_output, saved, *self._params())


# torch.nn's constructors check more than its functions: Hardtanh refuses min_val == max_val,
# which hardtanh() accepts. Such checks replace the row's (_ops.UnaryOp.checks) in the class.
_CLASS_CHECKS = {"hardtanh": (("max_val > min_val",
                               "max_val ({max_val}) must be greater than min_val ({min_val})"),)}


def _in_args(expression, names):
    """An expression of the op table (a condition, an f-string) as a function of the row's
    arguments, positionally in `names` order."""
    return eval(f"lambda {', '.join(names)}: {expression}", {})


class _RowActivation(_Activation):
    """An activation class built by :func:`_activation_class` from its op-table row, which
    sets these attributes."""

    _row = None   # the _ops.UnaryOp
    _args = ()    # the functional call's arguments after input: the params, then the options
    # a staticmethod of the _args values: whether an inplace forward may keep the output for
    # backward (the row's nn_reads_output)
    _reads_output = None
    _repr = None  # extra_repr from the row's nn_repr template, or None: params as name=value

    def _params(self):
        return tuple(getattr(self, name) for name in self._args)

    def _output_suffices(self):
        return self._reads_output(*self._params())

    def extra_repr(self):
        if self._repr is not None:
            return self._repr()
        shown = [f"{p.name}={getattr(self, p.name)}" for p in self._row.params]
        return ", ".join(shown + (["inplace=True"] if self.inplace else []))


def _class_doc(row, names, checks, reads_output):
    """The numpydoc docstring of the class of `row`."""
    def wrap(text, indent=""):
        return textwrap.fill(text, 92, initial_indent=indent, subsequent_indent=indent)

    kept = "the output" if row.saves_output else "the input (a reference, not a copy)"
    call = "".join(f", {name}" for name in names)
    params = []
    for p in row.params:
        params.append(p.name + " : float"
                      + ("" if p.default == _ops.REQUIRED else f", default {p.default!r}"))
        params += {"real": [], "nonzero": ["    Must not be 0."],
                   "nonnegative": ["    Must be >= 0."]}[p.check]
    for option, default, choices in row.options:
        values = ", ".join(repr(value) for value, _ in choices)
        params.append(f"{option} : {{{values}}}, default {default!r}")
    params += [f"    Must satisfy ``{condition}``." for condition, _ in checks]
    if row.inplace:
        reads = {"True": "Backward then reads the output (its gradient is the input's), so no "
                         "copy is kept.",
                 "False": "A copy of the input is kept for backward."}.get(
            reads_output, f"When ``{reads_output}`` backward reads the output (its gradient is "
                          f"the input's); otherwise a copy of the input is kept.")
        params += ["inplace : bool, default False", wrap(f"Overwrite the input. {reads}", "    ")]
    return "\n".join(
        [f"{row.name} (torch.nn.{row.module}).", "",
         wrap(f"Elementwise {row.doc}: ``m(input)`` is ``actloss.{row.name}(input{call})``. "
              f"The forward keeps {kept}, and ``m.backward(grad_output)`` is "
              f"``actloss.{row.name}_backward`` on it."), ""]
        + (["Parameters", "----------"] + params + [""] if params else []))


def _arguments(signature, class_name, self, args, kwargs):
    """[(name, value)] of a generated constructor's arguments after self, defaults filled in;
    a TypeError naming the class for arguments that do not bind."""
    try:
        bound = signature.bind(self, *args, **kwargs)
    except TypeError as e:  # name the callable, as Python's own messages do
        raise TypeError(f"{class_name}.__init__() {e}") from None
    bound.apply_defaults()
    return list(bound.arguments.items())[1:]


def _activation_class(name):
    """The torch.nn class of the public op-table row `name` (see _ops.UnaryOp): constructor
    arguments in torch's order (the row's params, options, then inplace), its checks, repr,
    and what backward reads after an inplace forward."""
    row = next(row for row in _ops.UNARY if row.name == name and row.public)
    names = tuple(p.name for p in row.params) + tuple(option[0] for option in row.options)
    checks = _CLASS_CHECKS.get(name, row.checks)
    compiled = [(_in_args(condition, names), _in_args(f"f{message!r}", names))
                for condition, message in checks]
    # a row that saves its output has backward read it whatever happens to the input
    reads_output = "True" if row.saves_output else {"always": "True", "never": "False"}.get(
        row.nn_reads_output, row.nn_reads_output)
    empty = inspect.Parameter.empty
    arguments = ([("self", empty)]
                 + [(p.name, empty if p.default == _ops.REQUIRED else p.default)
                    for p in row.params]
                 + [(option, default) for option, default, _ in row.options]
                 + [("inplace", False)] * row.inplace)
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    signature = inspect.Signature([inspect.Parameter(argument, kind, default=default)
                                   for argument, default in arguments])

    def __init__(self, *args, **kwargs):
        """Check and keep the arguments (the class's Parameters)."""
        for key, value in _arguments(signature, row.module, self, args, kwargs):
            setattr(self, key, value)
        if row.inplace:
            self.inplace = bool_option(self.inplace, "inplace")
        for condition, message in compiled:
            if not condition(*self._params()):
                raise ValueError(message(*self._params()))

    __init__.__signature__ = signature  # what inspect and help() show
    __init__.__qualname__ = f"{row.module}.__init__"
    namespace = {
        "__module__": __name__, "__qualname__": row.module, "__init__": __init__,
        "__doc__": _class_doc(row, names, checks, reads_output),
        "_row": row, "_fn": getattr(_act, name), "_grad": getattr(_act, f"{name}_backward"),
        "_from_output": row.saves_output, "_args": names,
        "_reads_output": staticmethod(_in_args(reads_output, names))}
    if row.nn_repr is not None:
        namespace["_repr"] = _in_args(f"f{row.nn_repr!r}", ["self"])
    return type(row.module, (_RowActivation,), namespace)


# One line per public row of _ops.UNARY, in the table's order, written by _codegen.py;
# everything else about each class comes from its row.
# <generated: nn.activations>
ReLU = _activation_class("relu")
ReLU6 = _activation_class("relu6")
LeakyReLU = _activation_class("leaky_relu")
ELU = _activation_class("elu")
CELU = _activation_class("celu")
SELU = _activation_class("selu")
GELU = _activation_class("gelu")
SiLU = _activation_class("silu")
Mish = _activation_class("mish")
Softplus = _activation_class("softplus")
Softsign = _activation_class("softsign")
Sigmoid = _activation_class("sigmoid")
Tanh = _activation_class("tanh")
LogSigmoid = _activation_class("logsigmoid")
Hardtanh = _activation_class("hardtanh")
Hardsigmoid = _activation_class("hardsigmoid")
Hardswish = _activation_class("hardswish")
Hardshrink = _activation_class("hardshrink")
Softshrink = _activation_class("softshrink")
Tanhshrink = _activation_class("tanhshrink")
Threshold = _activation_class("threshold")
# </generated: nn.activations>


class GLU(_Activation):
    """Gated linear unit over `dim` (torch.nn.GLU); backward returns the input's shape.

    Parameters
    ----------
    dim : int, default -1
    """

    _fn, _grad = _act.glu, _act.glu_backward

    def __init__(self, dim=-1):
        self.dim = dim

    def _params(self):
        return (self.dim,)

    def extra_repr(self):
        return f"dim={self.dim}"


def _legacy_softmax_dim(ndim):
    """torch's implicit softmax dim (the functional API's rule, which also warns)."""
    return 0 if ndim in (0, 1, 3) else 1


class _SoftmaxFamily(Module):
    """softmax-like over `dim`; keeps the output, backward uses ``output=``."""

    _fn = None
    _grad = None

    def __init__(self, dim=None, *, temperature=1.0):
        self.dim = dim
        self.temperature = temperature

    def forward(self, input):
        y = type(self)._fn(input, self.dim, _stacklevel=5, temperature=self.temperature)
        dim = self.dim if self.dim is not None else _legacy_softmax_dim(np.ndim(y))
        self._ctx = (y, dim)
        return y

    def backward(self, grad_output=1.0):
        y, dim = self._saved()
        return type(self)._grad(_grad_like(grad_output, y.shape, y.dtype), dim=dim, output=y,
                                temperature=self.temperature)

    def extra_repr(self):
        t = self.temperature
        return f"dim={self.dim}" + ("" if t == 1.0 else f", temperature={t}")


def _softmax_class(name, function):
    """torch.nn's class of a softmax-family function: the output kept for backward."""
    doc = f"""{function} over `dim` (torch.nn.{name}).

    Parameters
    ----------
    dim : int, optional
        None picks torch's legacy implicit dim, with its deprecation warning.
    temperature : float, default 1.0
        Beyond torch (keyword-only): the input is divided by it (> 0) first, as
        ``{function}(..., temperature=...)``; checked at forward.

    Notes
    -----
    Keeps the output; backward is ``{function}_backward(grad_output, dim=dim, output=y,
    temperature=temperature)``.
    """
    return type(name, (_SoftmaxFamily,), {
        "__module__": __name__, "__qualname__": name, "__doc__": doc,
        "_fn": getattr(_sm, function), "_grad": getattr(_sm, function + "_backward")})


# One line per row of _ops.SOFTMAX_FAMILY, written by _codegen.py.
# <generated: nn.softmax>
Softmax = _softmax_class("Softmax", "softmax")
LogSoftmax = _softmax_class("LogSoftmax", "log_softmax")
Softmin = _softmax_class("Softmin", "softmin")
# </generated: nn.softmax>


class _SparseMap(Module):
    """A sparse probability map over `dim` (written by hand in softmax_family); keeps the
    output, backward uses ``output=``."""

    _fn = None
    _grad = None

    def __init__(self, dim=-1):
        self.dim = dim

    def _params(self):
        return {"dim": self.dim}

    def forward(self, input):
        y = type(self)._fn(input, **self._params())
        self._ctx = y
        return y

    def backward(self, grad_output=1.0):
        y = self._saved()
        return type(self)._grad(_grad_like(grad_output, y.shape, y.dtype), output=y,
                                **self._params())

    def extra_repr(self):
        return ", ".join(f"{k}={v}" for k, v in self._params().items())


class Sparsemax(_SparseMap):
    """sparsemax over `dim` (the ``entmax`` package's ``Sparsemax``, without its `k`).

    Parameters
    ----------
    dim : int, default -1

    Notes
    -----
    Keeps the output; backward is ``sparsemax_backward(grad_output, dim=dim, output=y)``.
    """

    _fn, _grad = _sm.sparsemax, _sm.sparsemax_backward


class Entmax15(_SparseMap):
    """entmax15 over `dim` (the ``entmax`` package's ``Entmax15``, without its `k`).

    Parameters
    ----------
    dim : int, default -1

    Notes
    -----
    Keeps the output; backward is ``entmax15_backward(grad_output, dim=dim, output=y)``.
    """

    _fn, _grad = _sm.entmax15, _sm.entmax15_backward


class EntmaxBisect(_SparseMap):
    """entmax_bisect over `dim` (the ``entmax`` package's ``EntmaxBisect``; alpha is a fixed
    float here, not learned).

    Parameters
    ----------
    alpha : float, default 1.5
    dim : int, default -1
    n_iter : int, default 50

    Notes
    -----
    Keeps the output; backward is ``entmax_bisect_backward(grad_output, alpha=alpha, dim=dim,
    n_iter=n_iter, output=y)``.
    """

    _fn, _grad = _sm.entmax_bisect, _sm.entmax_bisect_backward

    def __init__(self, alpha=1.5, dim=-1, n_iter=50):
        self.alpha, self.dim, self.n_iter = alpha, dim, n_iter

    def _params(self):
        return {"alpha": self.alpha, "dim": self.dim, "n_iter": self.n_iter}


class GumbelSoftmax(Module):
    """gumbel_softmax as a module (torch.nn has none): draws from its own generator.

    Parameters
    ----------
    tau : float, default 1.0
    hard : bool, default False
    dim : int, default -1
    generator : numpy.random.Generator or int, optional
        The source of every forward's noise (an int seeds a new Generator, so a module built
        with the same seed gives the same sequence of samples).

    Notes
    -----
    Keeps the soft sample; backward is ``gumbel_softmax_backward(grad_output, input, tau,
    hard, dim=dim, y_soft=...)`` -- straight-through for ``hard=True``.
    """

    def __init__(self, tau=1.0, hard=False, dim=-1, *, generator=None):
        self.tau = tau
        self.hard = bool_option(hard, "hard")
        self.dim = dim
        self.generator = _rng(generator)

    def forward(self, input):
        y_soft, res_dtype = _sm._gumbel_soft(input, self.tau, self.dim, self.generator)
        self._ctx = (input, y_soft)
        y = _sm._hard(y_soft, self.dim) if self.hard else y_soft
        return y.astype(res_dtype, copy=False)

    def backward(self, grad_output=1.0):
        x, y_soft = self._saved()
        return _sm.gumbel_softmax_backward(_grad_like(grad_output, y_soft.shape, y_soft.dtype),
                                           x, self.tau, self.hard, dim=self.dim,
                                           y_soft=y_soft)

    def extra_repr(self):
        return f"tau={self.tau}, hard={self.hard}, dim={self.dim}"


class PReLU(Module):
    """prelu with a learnable slope per channel (torch.nn.PReLU).

    Parameters
    ----------
    num_parameters : int, default 1
        1 (one slope for all channels) or the number of channels (dim 1 of the input).
    init : float, default 0.25
        Initial value of every slope.
    dtype : dtype, default float32
        dtype of ``weight``.

    Attributes
    ----------
    weight : Parameter
        Shape (num_parameters,); ``backward`` accumulates ``weight.grad``.

    Notes
    -----
    backward returns the input gradient of ``prelu_backward`` and adds its weight gradient to
    ``weight.grad``.
    """

    _param_names = ("weight",)

    def __init__(self, num_parameters=1, init=0.25, *, dtype=np.float32):
        self.num_parameters = operator.index(num_parameters)
        self.init = init
        self.weight = Parameter(np.full(self.num_parameters, init, dtype=dtype))

    def forward(self, input):
        y = _act.prelu(input, self.weight)
        self._ctx = (input, y.shape, y.dtype)
        return y

    def backward(self, grad_output=1.0):
        x, shape, dtype = self._saved()
        gx, gw = _act.prelu_backward(_grad_like(grad_output, shape, dtype), x, self.weight)
        _accumulate(self.weight, gw)
        return gx

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomized leaky ReLU (torch.nn.RReLU).

    Parameters
    ----------
    lower : float, default 1/8
    upper : float, default 1/3
    inplace : bool, default False
        Overwrite the input. With ``lower >= 0`` backward reads the output (every slope is
        non-negative, so the output's sign is the input's); otherwise a copy is kept.
    generator : numpy.random.Generator or int, optional
        Source of the training slopes; an int seeds a Generator that this module keeps, so a
        seeded module draws a reproducible sequence of slopes over successive calls.

    Notes
    -----
    In training mode (the default) every element x <= 0 gets a slope drawn from
    U(lower, upper), recorded in the ``noise=`` array of ``rrelu``; backward multiplies by the
    same slopes. In eval mode it is leaky_relu with slope (lower + upper) / 2.
    """

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False, *, generator=None):
        self.lower, self.upper = lower, upper
        self.inplace = bool_option(inplace, "inplace")
        self.generator = _rng(generator)

    def forward(self, input):
        training = self.training
        noise = None
        if training:
            x = as_array(input)
            noise = np.empty(x.shape, result_dtype(x.dtype)[0])
        if self.inplace:
            keep_output = self.lower >= 0
            saved = None if keep_output else np.array(input, copy=True)
        y = _act.rrelu(input, self.lower, self.upper, training, self.inplace,
                       generator=self.generator, noise=noise)
        if self.inplace:
            saved = y if keep_output else saved
        else:
            saved = input
        self._ctx = (saved, training, noise, y.shape, y.dtype)
        return y

    def backward(self, grad_output=1.0):
        x, training, noise, shape, dtype = self._saved()
        return _act.rrelu_backward(_grad_like(grad_output, shape, dtype), x, self.lower,
                                   self.upper, training, noise=noise)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}{_inplace_str(self.inplace)}"


# ---- losses -------------------------------------------------------------------------------------

def _is_one(value):
    """value is the scalar 1 (the default grad_output)."""
    try:
        return np.ndim(value) == 0 and float(value) == 1.0
    except (TypeError, ValueError):
        return False


class _Loss(Module):
    """A loss: forward(*arrays) = _fn(*arrays, **options), backward(g) = _grad(g, *arrays,
    **options), options from ``_options()`` at forward time."""

    _fn = None
    _grad = None
    _reductions = ("none", "mean", "sum")

    def __init__(self, reduction="mean"):
        self.reduction = check_reduction(reduction, self._reductions)

    def _options(self):
        return {"reduction": self.reduction}

    def _run(self, *arrays):
        options = self._options()
        loss = type(self)._fn(*arrays, **options)
        self._ctx = (arrays, options, np.shape(loss), None)
        return loss

    def _grad_output(self, grad_output, options, shape):
        if options.get("reduction") == "none" and np.ndim(grad_output) == 0 and shape != ():
            return np.broadcast_to(as_array(grad_output, "grad_output"), shape)
        return grad_output

    def backward(self, grad_output=1.0):
        arrays, options, shape, fused_grad = self._saved()
        if fused_grad is not None and _is_one(grad_output):
            self._ctx = (arrays, options, shape, None)  # handed out once; recomputed after
            return fused_grad
        return type(self)._grad(self._grad_output(grad_output, options, shape), *arrays,
                                **options)


class _FusedLoss(_Loss):
    """A loss with a ``<name>_with_grad`` call: in training mode the forward runs it with
    grad_output=1 and keeps the gradient, which ``backward(1.0)`` returns without a second pass
    over the input (the first call; later calls and other grad_output values run the functional
    backward). In eval mode the forward computes the loss only."""

    _fused = None

    def _run(self, *arrays):
        if not self.training:
            return super()._run(*arrays)
        options = self._options()
        loss, grad = type(self)._fused(*arrays, **options)
        self._ctx = (arrays, options, np.shape(loss), grad)
        return loss


def _loss_doc(row):
    """The docstring of the loss class of `row` (see _ops.LossModule)."""
    call = ", ".join(row.inputs)
    wrap = lambda text: textwrap.fill(text, 92)  # noqa: E731
    where = f"torch.nn.{row.name}" if row.torch else "not in torch.nn"
    lines = [f"{row.doc[0].upper()}{row.doc[1:]}: ``actloss.{row.function}`` as a module "
             f"({where}).", "",
             wrap(f"``m({call})`` is ``actloss.{row.function}({call}, **arguments)`` with the "
                  f"constructor's arguments; ``m.backward(grad_output=1.0)`` is "
                  f"``actloss.{row.function}_backward`` on the same, and returns what it does "
                  f"(one gradient, or a tuple of the differentiable inputs' gradients)."), ""]
    if row.fused:
        lines += [wrap(f"In training mode (the default) the forward runs "
                       f"``{row.function}_with_grad``, one pass for the loss and the gradient "
                       f"of grad_output=1, and ``backward()`` / ``backward(1.0)`` returns that "
                       f"gradient (once); other grad_output values, a second backward or a "
                       f"forward in eval mode (which computes the loss only) use "
                       f"``{row.function}_backward``."), ""]
    lines += ["Parameters", "----------"]
    for name, default, kind in row.params:
        if name == "*":
            continue
        if kind == "array":
            lines += [f"{name} : array_like, optional",
                      f"    The ``{name}`` buffer (in state_dict when given)."]
        elif kind == "reduction":
            choices = ", ".join(repr(r) for r in row.reductions)
            lines += [f"{name} : {{{choices}}}, default {default!r}"]
        else:
            kind_name = "bool" if kind == "bool" else type(default).__name__
            lines += [f"{name} : {kind_name}, default {default!r}"]
    return "\n".join(lines) + "\n"


def _loss_class(name):
    """The loss class of the _ops.LOSS_MODULES row `name`: constructor arguments in torch's
    order (bool ones checked, array ones kept as buffers, the reduction checked), a forward
    taking the row's arrays, the functional backward, and the fused forward where the
    function has one."""
    row = next(row for row in _ops.LOSS_MODULES if row.name == name)
    module = next(m for m in (_cls, _emb, _pw) if hasattr(m, row.function))
    function = getattr(module, row.function)
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params, kinds = [inspect.Parameter("self", kind)], {}
    for arg, default, arg_kind in row.params:
        if arg == "*":
            kind = inspect.Parameter.KEYWORD_ONLY
            continue
        params.append(inspect.Parameter(arg, kind, default=default))
        kinds[arg] = arg_kind
    signature = inspect.Signature(params)

    def __init__(self, *args, **kwargs):
        """Check and keep the arguments (the class's Parameters)."""
        for arg, value in _arguments(signature, row.name, self, args, kwargs):
            if kinds[arg] == "bool":
                value = bool_option(value, arg)
            elif kinds[arg] == "array":
                value = None if value is None else as_array(value, arg)
            elif kinds[arg] == "reduction":
                value = check_reduction(value, row.reductions)
            setattr(self, arg, value)

    def forward(self, *arrays):
        if len(arrays) != len(row.inputs):
            raise TypeError(f"{row.name}.forward() takes the arrays ({', '.join(row.inputs)}), "
                            f"got {len(arrays)}")
        return self._run(*arrays)

    __init__.__signature__ = signature
    __init__.__qualname__ = f"{row.name}.__init__"
    forward.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(a, inspect.Parameter.POSITIONAL_OR_KEYWORD) for a in row.inputs])
    forward.__qualname__ = f"{row.name}.forward"
    names = tuple(kinds)
    namespace = {
        "__module__": __name__, "__qualname__": row.name, "__doc__": _loss_doc(row),
        "__init__": __init__, "forward": forward, "_row": row,
        "_fn": function, "_grad": getattr(module, row.function + "_backward"),
        "_buffer_names": tuple(n for n in names if kinds[n] == "array"),
        "_options": lambda self: {n: getattr(self, n) for n in names}}
    if row.fused:
        namespace["_fused"] = getattr(module, row.function + "_with_grad")
    return type(row.name, (_FusedLoss if row.fused else _Loss,), namespace)


# One line per row of _ops.LOSS_MODULES, written by _codegen.py.
# <generated: nn.losses>
MSELoss = _loss_class("MSELoss")
L1Loss = _loss_class("L1Loss")
SmoothL1Loss = _loss_class("SmoothL1Loss")
HuberLoss = _loss_class("HuberLoss")
BCELoss = _loss_class("BCELoss")
BCEWithLogitsLoss = _loss_class("BCEWithLogitsLoss")
KLDivLoss = _loss_class("KLDivLoss")
GaussianNLLLoss = _loss_class("GaussianNLLLoss")
PoissonNLLLoss = _loss_class("PoissonNLLLoss")
MarginRankingLoss = _loss_class("MarginRankingLoss")
HingeEmbeddingLoss = _loss_class("HingeEmbeddingLoss")
SoftMarginLoss = _loss_class("SoftMarginLoss")
MultiLabelSoftMarginLoss = _loss_class("MultiLabelSoftMarginLoss")
SigmoidFocalLoss = _loss_class("SigmoidFocalLoss")
MultiClassHingeLoss = _loss_class("MultiClassHingeLoss")
BrierScoreLoss = _loss_class("BrierScoreLoss")
DiceLoss = _loss_class("DiceLoss")
TverskyLoss = _loss_class("TverskyLoss")
GeneralizedBoxIoULoss = _loss_class("GeneralizedBoxIoULoss")
DistanceBoxIoULoss = _loss_class("DistanceBoxIoULoss")
CompleteBoxIoULoss = _loss_class("CompleteBoxIoULoss")
HingeLoss = _loss_class("HingeLoss")
SquaredHingeLoss = _loss_class("SquaredHingeLoss")
LogCoshLoss = _loss_class("LogCoshLoss")
PinballLoss = _loss_class("PinballLoss")
CrossEntropyLoss = _loss_class("CrossEntropyLoss")
NLLLoss = _loss_class("NLLLoss")
MultiMarginLoss = _loss_class("MultiMarginLoss")
MultiLabelMarginLoss = _loss_class("MultiLabelMarginLoss")
CosineEmbeddingLoss = _loss_class("CosineEmbeddingLoss")
TripletMarginLoss = _loss_class("TripletMarginLoss")
ContrastiveLoss = _loss_class("ContrastiveLoss")
InfoNCELoss = _loss_class("InfoNCELoss")
BinaryFocalLoss = _loss_class("BinaryFocalLoss")
SoftmaxFocalLoss = _loss_class("SoftmaxFocalLoss")
Poly1CrossEntropyLoss = _loss_class("Poly1CrossEntropyLoss")
PolyCrossEntropyLoss = _loss_class("PolyCrossEntropyLoss")
# </generated: nn.losses>


class _FenchelYoungLoss(_FusedLoss):
    """A loss of softmax_family's sparse maps: forward(input, target), options ignore_index
    and reduction (and the map's own). In training mode the forward runs the loss's
    ``_with_grad`` (one evaluation of the map for the loss and its gradient), as the other
    fused losses."""

    def __init__(self, ignore_index=-100, reduction="mean"):
        super().__init__(reduction)
        self.ignore_index = operator.index(ignore_index)

    def _options(self):
        return {"ignore_index": self.ignore_index, "reduction": self.reduction}

    def forward(self, input, target):
        return self._run(input, target)


class SparsemaxLoss(_FenchelYoungLoss):
    """sparsemax_loss (the ``entmax`` package's ``SparsemaxLoss``, without its `k`; its
    reduction "elementwise_mean" is "mean").

    In training mode (the default) the forward runs ``sparsemax_loss_with_grad``, one
    evaluation of the map for the loss and the gradient of grad_output=1, and ``backward()``
    / ``backward(1.0)`` returns that gradient (once); other grad_output values, a second
    backward or a forward in eval mode (which computes the loss only) use
    ``sparsemax_loss_backward``.

    Parameters
    ----------
    ignore_index : int, default -100
    reduction : {"none", "mean", "sum"}, default "mean"
    """

    _fn, _grad, _fused = (_sm.sparsemax_loss, _sm.sparsemax_loss_backward,
                          _sm.sparsemax_loss_with_grad)


class Entmax15Loss(_FenchelYoungLoss):
    """entmax15_loss (the ``entmax`` package's ``Entmax15Loss``, without its `k`; its
    reduction "elementwise_mean" is "mean").

    In training mode (the default) the forward runs ``entmax15_loss_with_grad``, one
    evaluation of the map for the loss and the gradient of grad_output=1, and ``backward()``
    / ``backward(1.0)`` returns that gradient (once); other grad_output values, a second
    backward or a forward in eval mode (which computes the loss only) use
    ``entmax15_loss_backward``.

    Parameters
    ----------
    ignore_index : int, default -100
    reduction : {"none", "mean", "sum"}, default "mean"
    """

    _fn, _grad, _fused = (_sm.entmax15_loss, _sm.entmax15_loss_backward,
                          _sm.entmax15_loss_with_grad)


class EntmaxBisectLoss(_FenchelYoungLoss):
    """entmax_bisect_loss (the ``entmax`` package's ``EntmaxBisectLoss``; its reduction
    "elementwise_mean" is "mean").

    In training mode (the default) the forward runs ``entmax_bisect_loss_with_grad``, one
    evaluation of the map for the loss and the gradient of grad_output=1, and ``backward()``
    / ``backward(1.0)`` returns that gradient (once); other grad_output values, a second
    backward or a forward in eval mode (which computes the loss only) use
    ``entmax_bisect_loss_backward``.

    Parameters
    ----------
    alpha : float, default 1.5
    n_iter : int, default 50
    ignore_index : int, default -100
    reduction : {"none", "mean", "sum"}, default "mean"
    """

    _fn, _grad, _fused = (_sm.entmax_bisect_loss, _sm.entmax_bisect_loss_backward,
                          _sm.entmax_bisect_loss_with_grad)

    def __init__(self, alpha=1.5, n_iter=50, ignore_index=-100, reduction="mean"):
        super().__init__(ignore_index, reduction)
        self.alpha, self.n_iter = alpha, n_iter

    def _options(self):
        return {"alpha": self.alpha, "n_iter": self.n_iter, **super()._options()}


# ---- distances (actloss.distances) --------------------------------------------------------------

class _Distance(Module):
    """A distance or similarity of two arrays: forward(x1, x2) keeps both, backward returns
    ``(grad_x1, grad_x2)``; ``distance_backward(grad_output, x1, x2)`` is the stateless
    gradient (what triplet_margin_with_distance_loss uses for an instance). Subclasses set
    _function, _gradient and _params() (their keyword arguments); not _fn, which marks a loss
    or activation class for the guide."""

    _function = None
    _gradient = None

    def forward(self, x1, x2):
        y = type(self)._function(x1, x2, **self._params())
        self._ctx = (x1, x2, np.shape(y), np.asarray(y).dtype)
        return y

    def backward(self, grad_output=1.0):
        x1, x2, shape, dtype = self._saved()
        return self.distance_backward(_grad_like(grad_output, shape, dtype), x1, x2)

    def distance_backward(self, grad_output, x1, x2):
        """``(grad_x1, grad_x2)`` of ``forward(x1, x2)`` for `grad_output`."""
        return type(self)._gradient(grad_output, x1, x2, **self._params())


class PairwiseDistance(_Distance):
    """pairwise_distance as a module (torch.nn.PairwiseDistance).

    Parameters
    ----------
    p : float, default 2.0
    eps : float, default 1e-06
    keepdim : bool, default False

    Notes
    -----
    Keeps the inputs; backward is ``pairwise_distance_backward(grad_output, x1, x2, p, eps,
    keepdim)``, a tuple ``(grad_x1, grad_x2)``.
    """

    _function, _gradient = _dist.pairwise_distance, _dist.pairwise_distance_backward

    def __init__(self, p=2.0, eps=1e-06, keepdim=False):
        self.norm, self.eps, self.keepdim = p, eps, bool_option(keepdim, "keepdim")

    def _params(self):
        return {"p": self.norm, "eps": self.eps, "keepdim": self.keepdim}


class CosineSimilarity(_Distance):
    """cosine_similarity as a module (torch.nn.CosineSimilarity).

    Parameters
    ----------
    dim : int, default 1
    eps : float, default 1e-08

    Notes
    -----
    Keeps the inputs; backward is ``cosine_similarity_backward(grad_output, x1, x2, dim,
    eps)``, a tuple ``(grad_x1, grad_x2)``.
    """

    _function, _gradient = _dist.cosine_similarity, _dist.cosine_similarity_backward

    def __init__(self, dim=1, eps=1e-08):
        self.dim, self.eps = dim, eps

    def _params(self):
        return {"dim": self.dim, "eps": self.eps}


class TripletMarginWithDistanceLoss(_Loss):
    """triplet_margin_with_distance_loss as a module (torch.nn.TripletMarginWithDistanceLoss).

    Parameters
    ----------
    distance_function : callable, str, tuple or None, default None
        As the function's; None becomes a ``PairwiseDistance()`` child module, as in torch.
    margin : float, default 1.0
    swap : bool, default False
    reduction : {'none', 'mean', 'sum'}, default 'mean'

    Notes
    -----
    ``m(anchor, positive, negative)``; ``m.backward(grad_output=1.0)`` returns
    ``(grad_anchor, grad_positive, grad_negative)``.
    """

    _fn = _dist.triplet_margin_with_distance_loss
    _grad = _dist.triplet_margin_with_distance_loss_backward

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction="mean"):
        super().__init__(reduction)
        self.distance_function = (distance_function if distance_function is not None
                                  else PairwiseDistance())
        if isinstance(self.distance_function, Module):
            self._module_names = ("distance_function",)
        self.margin, self.swap = margin, bool_option(swap, "swap")

    def _options(self):
        return {"distance_function": self.distance_function, "margin": self.margin,
                "swap": self.swap, "reduction": self.reduction}

    def forward(self, anchor, positive, negative):
        return self._run(anchor, positive, negative)


class CTCLoss(_FusedLoss):
    """ctc_loss (torch.nn.CTCLoss): forward(log_probs, targets, input_lengths,
    target_lengths); backward returns the gradient with respect to log_probs.

    Parameters
    ----------
    blank : int, default 0
    reduction : {"none", "mean", "sum"}, default "mean"
    zero_infinity : bool, default False
    """

    _fn, _grad, _fused = _seq.ctc_loss, _seq.ctc_loss_backward, _seq.ctc_loss_with_grad

    def __init__(self, blank=0, reduction="mean", zero_infinity=False):
        super().__init__(reduction)
        self.blank = operator.index(blank)
        self.zero_infinity = bool_option(zero_infinity, "zero_infinity")

    def _options(self):
        return {"blank": self.blank, "reduction": self.reduction,
                "zero_infinity": self.zero_infinity}

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return self._run(log_probs, targets, input_lengths, target_lengths)


# ---- adaptive softmax ---------------------------------------------------------------------------

class AdaptiveLogSoftmaxWithLoss(Module):
    """Efficient softmax approximation of Grave et al. (torch.nn.AdaptiveLogSoftmaxWithLoss).

    Parameters
    ----------
    in_features : int
    n_classes : int
    cutoffs : sequence of int
        Sorted, unique, positive, each < n_classes; classes [0, cutoffs[0]) form the head's
        shortlist, [cutoffs[i], cutoffs[i+1]) (the last ending at n_classes) cluster i.
    div_value : float, default 4.0
        Cluster i projects to ``int(in_features // div_value ** (i + 1))`` features.
    head_bias : bool, default False
    generator : numpy.random.Generator or int, optional
        Source of the initial weights (torch's nn.Linear initialisation, drawn in state_dict
        order: head.weight, head.bias, tail.0.0.weight, tail.0.1.weight, ...).
    dtype : dtype, default float32

    Attributes
    ----------
    head : Linear
        in_features -> shortlist_size + n_clusters (``head.weight``, ``head.bias``).
    tail : ModuleList of Sequential(Linear, Linear)
        Per cluster, no bias (``tail.{i}.0.weight``, ``tail.{i}.1.weight``).

    Raises
    ------
    ValueError
        Empty cutoffs, or cutoffs that are not unique positive integers in increasing order
        below n_classes (torch's check).

    Notes
    -----
    ``forward(input, target)`` returns ``_ASMoutput(output, loss)``: ``output`` the log-
    probability of each row's target ((N,) for (N, in_features) input and (N,) targets, a 0-d
    array for (in_features,) input and a 0-d target) and ``loss`` the mean of ``-output`` (a
    NumPy scalar, NaN for an empty batch). Matrix products are NumPy's (``@``); the head's and
    every cluster's log-softmax and their gradients are ``actloss.log_softmax`` /
    ``log_softmax_backward``. Only the rows whose target falls into a cluster go through
    that cluster, as in torch.

    ``backward(grad_output=1.0, *, output_grad=None)`` takes the gradient of ``loss`` (and,
    optionally, of ``output``, with its shape), returns the input gradient and accumulates
    ``.grad`` of the head and of every cluster that had rows in the batch (a cluster no row
    used keeps ``grad`` unchanged -- None at first -- as torch's autograd leaves it). The
    saved arrays are freed by backward: one backward per forward.

    Computation is in ``np.result_type`` of the input and the weights; gradients of the
    weights are in their own dtype. The matrix products run on NumPy's BLAS threads (set them
    with threadpoolctl), the log-softmaxes on actloss's (``actloss.set_num_threads``). Errors that torch raises as RuntimeError (shapes, targets
    outside [0, n_classes)) are ValueError here, as everywhere in actloss.
    """

    _module_names = ("head", "tail")

    def __init__(self, in_features, n_classes, cutoffs, div_value=4.0, head_bias=False, *,
                 generator=None, dtype=np.float32):
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted "
                             "in an increasing order, where each value is between 1 and "
                             "n_classes-1")
        self.in_features = operator.index(in_features)
        self.n_classes = operator.index(n_classes)
        self.cutoffs = [int(c) for c in cutoffs] + [self.n_classes]
        self.div_value = div_value
        self.head_bias = head_bias = bool_option(head_bias, "head_bias")
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        rng = _rng(generator)
        self.head = Linear(self.in_features, self.head_size, bias=head_bias, generator=rng,
                           dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(self.in_features // (self.div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(
                Linear(self.in_features, hsz, bias=False, generator=rng, dtype=dtype),
                Linear(hsz, osz, bias=False, generator=rng, dtype=dtype)))

    def reset_parameters(self, generator=None):
        """Redraw every weight as in the constructor."""
        rng = _rng(generator)
        self.head.reset_parameters(rng)
        for i2h, h2o in self.tail:
            i2h.reset_parameters(rng)
            h2o.reset_parameters(rng)

    # -- helpers

    def _weights(self):
        """(head weight, head bias or None, [(W0, W1) per cluster]) as plain ndarrays."""
        b = self.head.bias
        return (self.head.weight.view(np.ndarray), None if b is None else b.view(np.ndarray),
                [(seq[0].weight.view(np.ndarray), seq[1].weight.view(np.ndarray))
                 for seq in self.tail])

    def _matrix(self, input, name="input"):
        """input as a C-contiguous (N, in_features) array of the computing dtype."""
        x = as_array(input, name)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"{name} must have shape (N, in_features={self.in_features}), got "
                             f"{x.shape}")
        dtype = self._dtype(x)
        return np.ascontiguousarray(x, dtype=dtype)

    def _dtype(self, x):
        res = result_dtype(x.dtype)[0]
        return np.result_type(res, *(p.dtype for p in self.parameters()))

    def _head_logits(self, x, wh, bh):
        h = x @ wh.T.astype(x.dtype, copy=False)
        if bh is not None:
            h += bh.astype(x.dtype, copy=False)
        return h

    def _full_log_prob(self, x, head_logits):
        """(N, n_classes) log-probabilities; head_logits is consumed."""
        wh, bh, tails = self._weights()
        lh = _sm.log_softmax(head_logits, 1, out=head_logits)
        out = np.empty((x.shape[0], self.n_classes), x.dtype)
        out[:, :self.shortlist_size] = lh[:, :self.shortlist_size]
        for i, (w0, w1) in enumerate(tails):
            start, stop = self.cutoffs[i], self.cutoffs[i + 1]
            o = (x @ w0.T.astype(x.dtype, copy=False)) @ w1.T.astype(x.dtype, copy=False)
            lo = _sm.log_softmax(o, 1, out=o)
            np.add(lo, lh[:, self.shortlist_size + i, None], out=out[:, start:stop])
        return out

    # -- the module API

    def forward(self, input, target):
        self._ctx = None  # the previous batch's arrays go before this batch's are made
        x = as_array(input)
        t = as_array(target, "target")
        if t.dtype.kind not in "iu":
            raise TypeError(f"target must hold integer class indices, got dtype {t.dtype}")
        if t.ndim == 1:
            if x.ndim != 2:
                raise ValueError(f"1D target array expects 2D input arrays, but found input of "
                                 f"shape {x.shape}")
            if x.shape[0] != t.shape[0]:
                raise ValueError(f"Input and target should have the same size in the batch "
                                 f"dimension: input {x.shape}, target {t.shape}")
        elif t.ndim == 0:
            if x.ndim != 1:
                raise ValueError(f"0D target array expects 1D input arrays, but found input of "
                                 f"shape {x.shape}")
        else:
            raise ValueError(f"0D or 1D target array expected, multi-target not supported "
                             f"(target shape {t.shape})")
        batched = t.ndim > 0
        x2 = self._matrix(x if batched else x[None, :])
        t64 = t.reshape(-1).astype(np.int64)
        n = t64.shape[0]
        if n and (t64.min() < 0 or t64.max() >= self.n_classes):
            raise ValueError(f"Target values should be in [0, {self.n_classes - 1}], but "
                             f"values in range [{t.min()}, {t.max()}] were found.")
        wh, bh, tails = self._weights()
        dt = x2.dtype
        # bucket 0: the shortlist; bucket i + 1: cluster i
        bucket = np.searchsorted(np.asarray(self.cutoffs[:-1]), t64, side="right")
        gather = np.where(bucket == 0, t64, self.shortlist_size + bucket - 1)
        rows_all = np.arange(n)
        h = self._head_logits(x2, wh, bh)
        lh = _sm.log_softmax(h, 1, out=h)
        output = lh[rows_all, gather]
        clusters = []
        for i, (w0, w1) in enumerate(tails):
            rows = np.flatnonzero(bucket == i + 1)
            if rows.size == 0:
                continue
            xs = x2[rows]
            hs = xs @ w0.T.astype(dt, copy=False)
            o = hs @ w1.T.astype(dt, copy=False)
            lo = _sm.log_softmax(o, 1, out=o)
            rel = t64[rows] - self.cutoffs[i]
            output[rows] += lo[np.arange(rows.size), rel]
            clusters.append((i, rows, xs, hs, lo, rel))
        with np.errstate(invalid="ignore", divide="ignore"):
            loss = dt.type(-np.sum(output, dtype=np.float64) / n if n else np.nan)
        self._ctx = (x.shape, x.dtype, x2, lh, gather, clusters, batched)
        return _ASMoutput(output if batched else output.reshape(()), loss)

    def backward(self, grad_output=1.0, *, output_grad=None):
        """Input gradient for grad_output (the gradient of ``loss``) and, optionally,
        output_grad (of ``output``); accumulates the weights' ``.grad``."""
        x_shape, x_dtype, x2, lh, gather, clusters, batched = self._saved()
        self._ctx = None
        g = as_array(grad_output, "grad_output")
        if g.ndim != 0:
            raise ValueError(f"grad_output (of the scalar loss) must be a scalar, got shape "
                             f"{g.shape}")
        n, dt = x2.shape[0], x2.dtype
        with np.errstate(invalid="ignore", divide="ignore"):
            c = np.full(n, -float(g) / n if n else 0.0, dtype=np.float64)
        if output_grad is not None:
            go = as_array(output_grad, "output_grad")
            expected = (n,) if batched else ()
            if go.shape != expected:
                raise ValueError(f"output_grad has shape {go.shape}, expected {expected}")
            c += go.reshape(-1)
        c = c.astype(dt)
        wh, bh, tails = self._weights()
        rows_all = np.arange(n)
        d = np.zeros(lh.shape, lh.dtype)
        d[rows_all, gather] = c
        dh = _sm.log_softmax_backward(d, dim=1, output=lh, out=d)
        _accumulate(self.head.weight, dh.T @ x2)
        if self.head.bias is not None:
            _accumulate(self.head.bias, dh.sum(axis=0))
        gx = dh @ wh.astype(dt, copy=False)
        for i, rows, xs, hs, lo, rel in clusters:
            w0, w1 = tails[i]
            d = np.zeros(lo.shape, lo.dtype)
            d[np.arange(rows.size), rel] = c[rows]
            do = _sm.log_softmax_backward(d, dim=1, output=lo, out=d)
            _accumulate(self.tail[i][1].weight, do.T @ hs)
            dhs = do @ w1.astype(dt, copy=False)
            _accumulate(self.tail[i][0].weight, dhs.T @ xs)
            gx[rows] += dhs @ w0.astype(dt, copy=False)
        gx = gx.astype(result_dtype(x_dtype)[0], copy=False)
        return gx.reshape(x_shape)

    def log_prob(self, input):
        """Log-probabilities of all classes, (N, n_classes), for (N, in_features) input."""
        x = self._matrix(input)
        wh, bh, _ = self._weights()
        return self._full_log_prob(x, self._head_logits(x, wh, bh))

    def predict(self, input):
        """The most probable class of each row (int64, (N,)): ``log_prob(input).argmax(1)``,
        computed as torch does -- the head's argmax where it is a shortlist class, the full
        distribution only for the rows where the head picks a cluster."""
        x = self._matrix(input)
        wh, bh, _ = self._weights()
        h = self._head_logits(x, wh, bh)
        pred = np.argmax(h, axis=1).astype(np.int64)
        outside = pred >= self.shortlist_size
        if not outside.any():
            return pred
        if outside.all():
            return np.argmax(self._full_log_prob(x, h), axis=1).astype(np.int64)
        pred[outside] = np.argmax(self._full_log_prob(x[outside], h[outside]), axis=1)
        return pred


# ---- the output layer fused with its cross-entropy ---------------------------------------------

class LinearCrossEntropyLoss(Module):
    """An output layer and its cross-entropy in one module, without the (N, V) logits
    (torch.nn.LinearCrossEntropyLoss): ``m(input, target)`` is
    ``actloss.linear_cross_entropy(input, m.linear.weight, target, linear_bias=m.linear.bias,
    weight=m.weight, ...)``.

    As torch's, the module holds a child :class:`Linear` ``linear`` (in_features ->
    num_classes * d1 * ... * dK; its weight and bias initialised as torch.nn.Linear's, and
    reshaped to (num_classes, d1, ..., dK, in_features) and (num_classes, d1, ..., dK) for
    each call) and the class weights
    as the ``weight`` buffer, so state_dict keys are torch's (``weight``, ``linear.weight``,
    ``linear.bias``). ``backward(grad_output=1.0)`` returns the input's gradient and
    accumulates ``linear.weight.grad`` and ``linear.bias.grad``. In training mode (the default)
    the forward runs ``linear_cross_entropy_with_grad`` and ``backward()`` / ``backward(1.0)``
    uses those gradients (once); in eval mode the forward computes the loss only (one pass
    over the vocabulary) and ``backward`` runs ``linear_cross_entropy_backward``.

    Parameters
    ----------
    in_features : int
        D, the last dimension of the input.
    num_classes : int
        V, the number of classes.
    out_features : tuple of int, default ()
        (d1, ..., dK) of a K-dimensional loss (see ``linear_cross_entropy``): the logits are
        (N, num_classes, d1, ..., dK).
    bias : bool, default False
    reduction : {'none', 'mean', 'sum'}, default 'mean'
    weight : array_like, optional
        The V class weights (the ``weight`` buffer).
    ignore_index : int or None, default None
        None means -100.
    label_smoothing : float, default 0.0
    options : None
        torch's LinearCrossEntropyOptions (its chunking policy) has no counterpart here:
        only None is taken (TypeError otherwise); ``chunk_size`` sets the chunking.
    chunk_size : int, optional
        Beyond torch: classes per chunk (see ``linear_cross_entropy``).
    generator : numpy.random.Generator or int, optional
        Source of the initial weight and bias.
    dtype : dtype, default float32
    """

    _module_names = ("linear",)
    _buffer_names = ("weight",)

    def __init__(self, in_features, num_classes, *, out_features=(), bias=False,
                 reduction="mean", weight=None, ignore_index=None, label_smoothing=0.0,
                 options=None, chunk_size=None, generator=None, dtype=np.float32):
        try:
            out = tuple(operator.index(d) for d in out_features)
        except TypeError:
            raise TypeError(f"out_features must be a tuple of ints, got "
                            f"{out_features!r}") from None
        if any(d < 0 for d in out):
            raise ValueError(f"out_features must be non-negative, got {out_features!r}")
        if options is not None:
            raise TypeError("options (torch's LinearCrossEntropyOptions) is not supported: "
                            "pass chunk_size to set the chunking")
        self.in_features = operator.index(in_features)
        self.num_classes = operator.index(num_classes)
        self.out_features = out_features
        self.options = None
        self.linear = Linear(in_features, math.prod(out, start=self.num_classes), bias,
                             generator=generator, dtype=dtype)
        self.weight = None if weight is None else as_array(weight, "weight")
        self.reduction = check_reduction(reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        self.chunk_size = chunk_size

    def _shape(self):
        return (self.num_classes,) + tuple(operator.index(d) for d in self.out_features)

    def _options(self):
        return {"linear_bias": None if self.linear.bias is None
                else self.linear.bias.view(np.ndarray).reshape(self._shape()),
                "weight": self.weight, "reduction": self.reduction,
                "ignore_index": self.ignore_index, "label_smoothing": self.label_smoothing,
                "chunk_size": self.chunk_size}

    def forward(self, input, target):
        w = self.linear.weight.view(np.ndarray).reshape(self._shape() + (self.in_features,))
        options = self._options()
        if self.training:
            loss, *grads = _lin.linear_cross_entropy_with_grad(input, w, target, **options)
        else:
            loss, grads = _lin.linear_cross_entropy(input, w, target, **options), None
        self._ctx = (input, w, target, options, np.shape(loss), grads)
        return loss

    def backward(self, grad_output=1.0):
        input, w, target, options, shape, grads = self._saved()
        if grads is not None and _is_one(grad_output):
            self._ctx = (input, w, target, options, shape, None)   # handed out once
        else:
            if options["reduction"] == "none" and np.ndim(grad_output) == 0 and shape != ():
                grad_output = np.broadcast_to(as_array(grad_output, "grad_output"), shape)
            grads = _lin.linear_cross_entropy_backward(grad_output, input, w, target, **options)
        gx, gw, gb = grads
        _accumulate(self.linear.weight, gw)
        if self.linear.bias is not None:
            _accumulate(self.linear.bias, gb)
        return gx

    def extra_repr(self):
        text = (f"in_features={self.in_features}, num_classes={self.num_classes}, "
                f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
                f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
                f"label_smoothing={self.label_smoothing}, options=None")
        if self.chunk_size is not None:
            text += f", chunk_size={self.chunk_size}"
        return text
