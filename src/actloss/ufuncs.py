"""The elementwise activations and their gradients as NumPy ufuncs.

Each is a real ``numpy.ufunc`` whose inner loops are actloss's kernels (the same loops the
functions run, in the same accuracy mode and on the same ISA level), so NumPy's machinery
applies: broadcasting, ``out=``, ``where=``, ``dtype=``, ``casting=``, ``order=``, and the
``__array_ufunc__`` protocol through which dask arrays stay lazy, xarray objects keep their
coordinates, pandas objects their index and masked arrays their mask.

One ufunc per row of the op table and direction:

* ``<name>(x, *params)``: the forward; the row's parameters (``negative_slope``, ``alpha``,
  ``beta``, ``threshold``, ...) are inputs after ``x``, in the function's order, broadcast like
  any input (there are no defaults: a ufunc's inputs are positional);
* ``<name>_backward(grad_output, x, *params)``: grad_output times the derivative at ``x``;
* ``<name>_backward_from_output(grad_output, y)``: for the rows whose gradient comes from the
  forward result y (sigmoid, tanh), the function's ``output=`` form;
* a string option is a choice of ufunc: ``gelu(x, approximate="tanh")`` is ``gelu_tanh(x)``.

Loops: float16 (computed in float32, rounded to float16 once, as the functions do), float32
and float64, the parameters float64 (``.types`` lists them); other input dtypes take NumPy's
usual casting to these (integers and bool as for ``np.exp``: int8 gives float16, int32 and
int64 float64 -- the torch-style functions pass ``dtype=`` so that they keep their rule:
integers give float64). Unlike the functions, the ufuncs do not check the parameters: a
``celu`` alpha of 0 gives what the formula gives. The kernels never set NumPy's floating-point
error flags (``np.errstate`` sees nothing from them), as the functions never warn.

Threads: NumPy releases the GIL around the loops; a contiguous stretch above the functions'
serial cut-off is split over actloss's threads as the functions split it (``set_num_threads``,
threadpoolctl), any other runs on the calling thread. Results never depend on the split.
"""
import numpy as np

from . import _accuracy, _dispatch, _ops, _threads

# <generated: ufuncs.__all__>
__all__ = ["relu", "relu_backward", "relu6", "relu6_backward", "leaky_relu",
           "leaky_relu_backward", "elu", "elu_backward", "celu", "celu_backward", "selu",
           "selu_backward", "gelu", "gelu_backward", "gelu_tanh", "gelu_tanh_backward", "silu",
           "silu_backward", "mish", "mish_backward", "softplus", "softplus_backward",
           "softsign", "softsign_backward", "sigmoid", "sigmoid_backward",
           "sigmoid_backward_from_output", "tanh", "tanh_backward",
           "tanh_backward_from_output", "logsigmoid", "logsigmoid_backward", "hardtanh",
           "hardtanh_backward", "hardsigmoid", "hardsigmoid_backward", "hardswish",
           "hardswish_backward", "hardshrink", "hardshrink_backward", "softshrink",
           "softshrink_backward", "tanhshrink", "tanhshrink_backward", "threshold",
           "threshold_backward"]
# </generated: ufuncs.__all__>

FORWARD, BACKWARD, FROM_OUTPUT = 0, 1, 2  # the kernels' kinds
_SUFFIX = {FORWARD: "", BACKWARD: "_backward", FROM_OUTPUT: "_backward_from_output"}
_ROW = {op.name: (i, op) for i, op in enumerate(_ops.UNARY)}
_make = _dispatch._module("_elementwise").make_ufunc
_set_mode = _dispatch._module("_elementwise").set_mode
_dispatch._module("_elementwise").set_threads(_threads.large_call_threads)


def _doc(op, kind):
    params = [p.name for p in op.params]
    head = {FORWARD: ["x"], BACKWARD: ["grad_output", "x"],
            FROM_OUTPUT: ["grad_output", "y"]}[kind]
    args = ", ".join(head + (params if kind != FROM_OUTPUT else []))
    what = {FORWARD: f"{op.doc}, elementwise",
            BACKWARD: f"gradient of {op.name} at x: grad_output * {op.derivative or 'its derivative'}",
            FROM_OUTPUT: f"gradient of {op.name} from its result y: grad_output * "
                         f"{op.derivative or 'its derivative'}"}[kind]
    return (f"{op.name}{_SUFFIX[kind]}({args}): {what}.\n\nA NumPy ufunc running actloss's "
            f"kernels (see actloss.ufuncs); parameters are float64 inputs, broadcast, not "
            f"checked.")


def _ufunc(name, kind):
    """The ufunc of row `name`, direction `kind` (one per process)."""
    index, op = _ROW[name]
    n_params = 0 if kind == FROM_OUTPUT else len(op.params)
    cutoff = _threads.SERIAL_CUTOFF_CHEAP if op.exact else _threads.SERIAL_CUTOFF_TRANSCENDENTAL
    ufunc = _make(_dispatch.ISA, name + _SUFFIX[kind], index, kind, 1 if kind == FORWARD else 2,
                  n_params, _doc(op, kind), cutoff)
    try:  # pickled by reference to this module (dask.distributed ships them so), not found
        ufunc.__module__ = __name__  # by scanning every module for the name (NumPy >= 2)
    except AttributeError:
        pass
    return ufunc


def _mirror_mode():
    """Tell the loops the process-wide accuracy mode and whether an accuracy() block was ever
    entered (from then on the loops read the context variable at each call)."""
    _set_mode(_accuracy._default == "fast", _accuracy._blocks_seen, _accuracy.is_fast)


_mirror_mode()
_accuracy.LISTENERS.append(_mirror_mode)


# <generated: ufuncs.table>
relu = _ufunc("relu", FORWARD)
relu_backward = _ufunc("relu", BACKWARD)
relu6 = _ufunc("relu6", FORWARD)
relu6_backward = _ufunc("relu6", BACKWARD)
leaky_relu = _ufunc("leaky_relu", FORWARD)
leaky_relu_backward = _ufunc("leaky_relu", BACKWARD)
elu = _ufunc("elu", FORWARD)
elu_backward = _ufunc("elu", BACKWARD)
celu = _ufunc("celu", FORWARD)
celu_backward = _ufunc("celu", BACKWARD)
selu = _ufunc("selu", FORWARD)
selu_backward = _ufunc("selu", BACKWARD)
gelu = _ufunc("gelu", FORWARD)
gelu_backward = _ufunc("gelu", BACKWARD)
gelu_tanh = _ufunc("gelu_tanh", FORWARD)
gelu_tanh_backward = _ufunc("gelu_tanh", BACKWARD)
silu = _ufunc("silu", FORWARD)
silu_backward = _ufunc("silu", BACKWARD)
mish = _ufunc("mish", FORWARD)
mish_backward = _ufunc("mish", BACKWARD)
softplus = _ufunc("softplus", FORWARD)
softplus_backward = _ufunc("softplus", BACKWARD)
softsign = _ufunc("softsign", FORWARD)
softsign_backward = _ufunc("softsign", BACKWARD)
sigmoid = _ufunc("sigmoid", FORWARD)
sigmoid_backward = _ufunc("sigmoid", BACKWARD)
sigmoid_backward_from_output = _ufunc("sigmoid", FROM_OUTPUT)
tanh = _ufunc("tanh", FORWARD)
tanh_backward = _ufunc("tanh", BACKWARD)
tanh_backward_from_output = _ufunc("tanh", FROM_OUTPUT)
logsigmoid = _ufunc("logsigmoid", FORWARD)
logsigmoid_backward = _ufunc("logsigmoid", BACKWARD)
hardtanh = _ufunc("hardtanh", FORWARD)
hardtanh_backward = _ufunc("hardtanh", BACKWARD)
hardsigmoid = _ufunc("hardsigmoid", FORWARD)
hardsigmoid_backward = _ufunc("hardsigmoid", BACKWARD)
hardswish = _ufunc("hardswish", FORWARD)
hardswish_backward = _ufunc("hardswish", BACKWARD)
hardshrink = _ufunc("hardshrink", FORWARD)
hardshrink_backward = _ufunc("hardshrink", BACKWARD)
softshrink = _ufunc("softshrink", FORWARD)
softshrink_backward = _ufunc("softshrink", BACKWARD)
tanhshrink = _ufunc("tanhshrink", FORWARD)
tanhshrink_backward = _ufunc("tanhshrink", BACKWARD)
threshold = _ufunc("threshold", FORWARD)
threshold_backward = _ufunc("threshold", BACKWARD)
# </generated: ufuncs.table>

# (row name, kind) -> ufunc: what the torch-style functions call for non-ndarray inputs
BY_ROW = {(name, kind): globals()[name + _SUFFIX[kind]] for name, (_, op) in _ROW.items()
          for kind in (FORWARD, BACKWARD, FROM_OUTPUT) if kind != FROM_OUTPUT or op.saves_output}
