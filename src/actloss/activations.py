"""Elementwise activations and their gradients, with torch.nn.functional's signatures.

Every function here checks its arguments, settles dtype and layout, and makes one kernel
call; the math lives in _kernels/al_math.h.tp. The policies the docstrings refer to: float32
and float64 computed natively, float16 in float32, integer and bool inputs promoted to float64
and complex/object/string inputs refused (TypeError); NaN in gives NaN out, and where torch
returns NaN although the limit is finite the limit is returned (each docstring says where);
``out=`` on every function and ``inplace=`` where torch has it, the input never modified
otherwise.
"""
import math
import os
import sys

import numpy as np

from . import _accuracy, _dispatch, _ops, _threads
from ._kernels._elementwise import MUL_KIND
from ._validate import (KERNEL_INDEX, as_array, bool_option, check_out, copy_into, dim_index,
                        flat_view, kernel_array, narrow, promoted_dtype, real_param, result_dtype,
                        run_elementwise, ufunc_result)

# <generated: activations.__all__>
__all__ = ["relu", "relu_backward", "relu6", "relu6_backward", "leaky_relu",
           "leaky_relu_backward", "elu", "elu_backward", "celu", "celu_backward", "selu",
           "selu_backward", "gelu", "gelu_backward", "silu", "silu_backward", "mish",
           "mish_backward", "softplus", "softplus_backward", "softsign", "softsign_backward",
           "sigmoid", "sigmoid_backward", "tanh", "tanh_backward", "logsigmoid",
           "logsigmoid_backward", "hardtanh", "hardtanh_backward", "hardsigmoid",
           "hardsigmoid_backward", "hardswish", "hardswish_backward", "hardshrink",
           "hardshrink_backward", "softshrink", "softshrink_backward", "tanhshrink",
           "tanhshrink_backward", "threshold", "threshold_backward", "prelu", "prelu_backward",
           "rrelu", "rrelu_backward", "glu", "glu_backward", "expit", "log_expit", "swish",
           "swish_backward"]
# </generated: activations.__all__>

_K = _dispatch.elementwise
_OP_INDEX = {op.name: i for i, op in enumerate(_ops.UNARY)}
_OP = {op.name: op for op in _ops.UNARY}
_FORWARD, _BACKWARD, _BACKWARD_FROM_OUTPUT = 0, 1, 2
_FAST_OFFSET = _ops.FAST_KIND_OFFSET  # kernel kind + this: the fast-mode table (_ops.FAST)


def _threads_for(n, name):
    return _threads.threads_for(n, _OP[name].exact)


def _check_inplace(x, inplace):
    if inplace and not isinstance(x, np.ndarray):
        raise TypeError(f"inplace=True needs a numpy.ndarray input, got {type(x).__name__}")


def _inplace_out(x, out, res_dtype):
    """The output of an inplace=True call: x itself, checked (its own result dtype, native
    byte order, writeable, no out= beside it)."""
    if out is not None and out is not x:
        raise ValueError("pass out= or inplace=True, not both")
    if x.dtype != res_dtype:
        swapped = " (byte-swapped)" if x.dtype.kind == "f" and not x.dtype.isnative else ""
        raise ValueError("inplace=True needs a float16/32/64 input in native byte order, got "
                         f"dtype {x.dtype}{swapped}")
    return check_out(x, x.shape, res_dtype, "input (inplace=True)")


# op name -> (kernel index, serial cut-off) for _K.unary_fast
_FAST = {op.name: (i, _threads.SERIAL_CUTOFF_CHEAP if op.exact else
                   _threads.SERIAL_CUTOFF_TRANSCENDENTAL) for i, op in enumerate(_ops.UNARY)}
_LARGE_THREADS = _threads.large_call_threads


def _unary(name, x, p0=0.0, p1=0.0, out=None, inplace=False):
    """y = op(x) into out (or x itself with inplace=True, or a new array; a NumPy scalar for
    a scalar or 0-d input without out=, as NumPy's ufuncs return)."""
    if type(inplace) is not bool:
        inplace = bool_option(inplace, "inplace")
    # fast path, all in C: a plain float32/float64 ndarray, a new or a plain output
    kind = _FORWARD + _FAST_OFFSET * _accuracy.is_fast()
    if not inplace or out is None:
        op, cutoff = _FAST[name]
        y = _K.unary_fast(kind, op, x, x, x if inplace else out, p0, p1, cutoff, _LARGE_THREADS)
        if y is not None:
            return y if y.ndim or inplace or out is not None else y[()]
    if type(x) is not np.ndarray and _speaks_ufunc(x):
        return _through_ufunc(name, _FORWARD, (x,), (p0, p1), out, inplace)
    op = _OP_INDEX[name]
    _check_inplace(x, inplace)
    y = _unary_general(op, kind, name, as_array(x), p0, p1, out, inplace)
    if inplace:
        return x  # the caller's object (a memmap stays one)
    return y if out is not None else ufunc_result(y)


def _unary_general(op, kind, name, x, p0, p1, out, inplace):
    """_unary for every dtype, layout, out= and inplace= case."""
    res_dtype, k_dtype = result_dtype(x.dtype)
    if inplace:
        out = _inplace_out(x, out, res_dtype)
    elif out is not None:
        check_out(out, x.shape, res_dtype)
    else:
        out = np.empty_like(x, dtype=res_dtype) if flat_view(x)[0] is not None else \
            np.empty(x.shape, res_dtype)
    if x.size:
        n_threads = _threads_for(x.size, name)
        run_elementwise(lambda s, d: _K.unary(kind, op, KERNEL_INDEX[k_dtype], s[0], s[0], d,
                                              p0, p1, 0.0, n_threads),
                        [x], out, k_dtype)
    return out


def _unary_grad(name, grad_output, saved, p0=0.0, p1=0.0, out=None, kind=_BACKWARD,
                saved_name="input"):
    """Gradient of op at `saved` (the input, or the output for kind=2) times grad_output."""
    op, cutoff = _FAST[name]
    kind += _FAST_OFFSET * _accuracy.is_fast()
    # fast path, all in C: plain float32/float64 ndarrays of one shape, a new or a plain output
    g = _K.unary_fast(kind, op, grad_output, saved, out, p0, p1, cutoff, _LARGE_THREADS)
    if g is not None:
        return g if g.ndim or out is not None else g[()]
    if _speaks_ufunc(grad_output) or _speaks_ufunc(saved):
        return _through_ufunc(name, kind % _FAST_OFFSET, (grad_output, saved), (p0, p1), out,
                              names=("grad_output", saved_name))
    gy = as_array(grad_output, "grad_output")
    s = as_array(saved, saved_name)
    if gy.shape != s.shape:
        raise ValueError(f"grad_output has shape {gy.shape}, expected {s.shape} (the shape of "
                         f"{saved_name})")
    res_dtype, k_dtype = result_dtype(s.dtype, saved_name)
    result_dtype(gy.dtype, "grad_output")
    if out is not None:
        check_out(out, s.shape, res_dtype)
        y = out
    else:
        y = np.empty_like(s, dtype=res_dtype) if flat_view(s)[0] is not None else \
            np.empty(s.shape, res_dtype)
    if s.size:
        n_threads = _threads_for(s.size, name)
        run_elementwise(lambda f, d: _K.unary(kind, op, KERNEL_INDEX[k_dtype], f[0], f[1], d,
                                              p0, p1, 0.0, n_threads),
                        [gy, s], y, k_dtype)
    return y if out is not None else ufunc_result(y)


# ---- other array types: through the op's NumPy ufunc (actloss.ufuncs) -----------------------
# dask, xarray and pandas objects and numpy.ma masked arrays are not converted: the call goes
# to the op's ufunc, and NumPy's __array_ufunc__ protocol lets each type do what it does for
# any ufunc (dask stays lazy, xarray keeps coordinates, pandas its index). Masked arrays get
# numpy.ma's rule for its own functions: the mask is kept, masked elements are not computed
# and keep the first argument's data. Plain ndarrays never come here.

def _speaks_ufunc(a):
    """Whether a goes to the ufunc: a masked array, or a non-ndarray with __array_ufunc__."""
    if type(a) is np.ndarray:
        return False
    if isinstance(a, np.ndarray):
        ma = sys.modules.get("numpy.ma")  # (no masked array exists before numpy.ma is imported)
        return ma is not None and isinstance(a, ma.MaskedArray)
    return getattr(type(a), "__array_ufunc__", None) is not None


def _declared_dtype(a):
    """The NumPy dtype a holds (a DataFrame's or Dataset's: its columns' common one), or None
    where it has none (the ufunc's own resolution then decides)."""
    dt = getattr(a, "dtype", None)
    if isinstance(dt, np.dtype):
        return dt
    dts = getattr(a, "dtypes", None)
    if dts is None:
        return None
    values = getattr(dts, "values", dts)
    values = values() if callable(values) else values
    try:
        return np.result_type(*[d for d in values if isinstance(d, np.dtype)])
    except (TypeError, ValueError):
        return None


def _through_ufunc(name, kind, arrays, params, out, inplace=False, names=("input",)):
    """The call of op `name` (kernel kind) on arrays of other types, through its ufunc. The
    result dtype is the function's own (integers give float64; a gradient has the dtype of
    the array it is taken at), passed as dtype=."""
    from . import ufuncs
    ufunc = ufuncs.BY_ROW[name, kind]
    params = params[:ufunc.nin - len(arrays)]
    dtypes = [_declared_dtype(a) for a in arrays]
    res = None
    for d, n in zip(dtypes, names):
        if d is not None:
            res = result_dtype(d, n)[0]  # the last: the saved array's (type errors: each)
    ma = sys.modules.get("numpy.ma")
    if ma is not None and any(isinstance(a, ma.MaskedArray) for a in arrays):
        return _masked_call(ufunc, arrays, params, res, out, inplace, names)
    if inplace:
        _check_inplace(arrays[0], inplace)
    kwargs = {} if res is None else {"dtype": res}
    if out is not None:
        kwargs["out"] = out
    return ufunc(*arrays, *params, **kwargs)


def _masked_call(ufunc, arrays, params, res, out, inplace, names):
    """ufunc on masked arrays as numpy.ma's functions are: the masks (or-ed) kept, masked
    elements not computed, their data the first argument's; inplace=True and out= write the
    unmasked elements only."""
    ma = sys.modules["numpy.ma"]
    data = [ma.getdata(a) for a in arrays]
    if len(data) == 2 and data[0].shape != data[1].shape:
        raise ValueError(f"grad_output has shape {data[0].shape}, expected {data[1].shape} "
                         f"(the shape of {names[1]})")
    mask = ma.getmaskarray(arrays[0])
    for a in arrays[1:]:
        mask = mask | ma.getmaskarray(a)
    first = arrays[0]
    if inplace:
        if out is not None and out is not first:
            raise ValueError("pass out= or inplace=True, not both")
        ufunc(*data, *params, out=_inplace_out(data[0], None, res), where=~mask)
        return first
    if out is not None:
        target = check_out(ma.getdata(out) if isinstance(out, ma.MaskedArray) else out,
                           data[-1].shape, res)
        with np.errstate(all="ignore"):
            np.copyto(target, data[0], where=mask, casting="same_kind")
    else:
        target = np.array(data[0], dtype=res) if data[0].dtype != res else data[0].copy()
    ufunc(*data, *params, out=target, where=~mask, dtype=res)
    if out is not None:
        if isinstance(out, ma.MaskedArray):
            out.mask = mask
        return out
    result = target.view(type(first) if isinstance(first, ma.MaskedArray) else ma.MaskedArray)
    if isinstance(first, ma.MaskedArray):
        result._update_from(first)  # fill value, hard mask: as numpy.ma's functions keep them
    result._mask = mask
    if result.ndim == 0:  # a 0-d input, as numpy.ma returns it: the masked constant or a scalar
        return ma.masked if mask else result.data[()]
    return result


def _nonzero(value, name, op):
    v = real_param(value, name)
    if v == 0:
        raise ValueError(f"{name} cannot be 0 for {op}")
    return v


def _nonnegative(value, name, op):
    v = real_param(value, name)
    if not v >= 0:
        raise ValueError(f"{name} must be >= 0 for {op}, got {v}")
    return v


# (row name, option) -> {value: kernel row}
_OPTIONS = {(op.name, name): dict(choices) for op in _ops.UNARY for name, _, choices in op.options}


def _option(name, option, value):
    """The kernel row an option value selects (gelu's approximate)."""
    choices = _OPTIONS[name, option]
    if isinstance(value, str) and value in choices:
        return choices[value]
    raise ValueError(f"{option} must be {' or '.join(repr(c) for c in choices)}, got {value!r}")


def _from_output(name, grad_output, input, output, out):
    """Backward of a saves_output row: from the forward result when given, else the input."""
    if output is not None:
        return _unary_grad(name, grad_output, output, out=out, kind=_BACKWARD_FROM_OUTPUT,
                           saved_name="output")
    if input is None:
        raise ValueError(f"{name}_backward needs input or output=")
    return _unary_grad(name, grad_output, input, out=out)


# ---- the activations of the op table (one-in one-out kernels) -------------------------------
# Generated from _ops.UNARY by _codegen.py (setup.py and `python src/actloss/_codegen.py`
# rewrite this region; do not edit it by hand).

# <generated: activations.functions>
def relu(input, inplace=False, *, out=None):
    """Max(x, 0), NaN propagating, elementwise (torch.nn.functional.relu).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    inplace : bool, default False
        Write the result into `input` and return it (float input only).
    out : ndarray, optional
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
    relu(x) = x < 0 ? 0 : x. NaN stays NaN and relu(-0.0) is -0.0, as on torch's CPU.

    Derivative (``relu_backward``): grad_output * (input > 0); 0 at input == 0.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.relu(x)
    array([0. , 0. , 1.5])
    """
    return _unary("relu", input, out=out, inplace=inplace)


def relu_backward(grad_output, input, *, out=None):
    """Gradient of ``relu`` with respect to its input: grad_output * (input > 0); 0 at input == 0.

    Takes ``grad_output`` (the shape of the input) and then ``relu``'s own arguments; returns a
    new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.relu(x, ...), x, grad_output)``
    for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.relu_backward(np.ones(3), x)
    array([0., 0., 1.])
    """
    return _unary_grad("relu", grad_output, input, out=out)


def relu6(input, inplace=False, *, out=None):
    """Min(max(x, 0), 6), elementwise (torch.nn.functional.relu6).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    inplace : bool, default False
        Write the result into `input` and return it (float input only).
    out : ndarray, optional
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
    relu6(x) = hardtanh(x, 0, 6); NaN stays NaN.

    Derivative (``relu6_backward``): grad_output * (0 < input < 6); 0 at both boundaries.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.relu6(x)
    array([0. , 0. , 1.5])
    """
    return _unary("relu6", input, out=out, inplace=inplace)


def relu6_backward(grad_output, input, *, out=None):
    """Gradient of ``relu6`` with respect to its input: grad_output * (0 < input < 6); 0 at both boundaries.

    Takes ``grad_output`` (the shape of the input) and then ``relu6``'s own arguments; returns a
    new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.relu6(x, ...), x, grad_output)``
    for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.relu6_backward(np.ones(3), x)
    array([0., 0., 1.])
    """
    return _unary_grad("relu6", grad_output, input, out=out)


def leaky_relu(input, negative_slope=0.01, inplace=False, *, out=None):
    """X if x > 0 else negative_slope * x, elementwise (torch.nn.functional.leaky_relu).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    negative_slope : float, default 0.01
    inplace : bool, default False
        Write the result into `input` and return it (float input only).
    out : ndarray, optional
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
    leaky_relu(x) = x > 0 ? x : negative_slope * x.

    Derivative (``leaky_relu_backward``): grad_output * (input > 0 ? 1 : negative_slope);
    negative_slope at 0.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.leaky_relu(x)
    array([-0.02,  0.  ,  1.5 ])
    """
    negative_slope = real_param(negative_slope, 'negative_slope')
    return _unary("leaky_relu", input, negative_slope, out=out, inplace=inplace)


def leaky_relu_backward(grad_output, input, negative_slope=0.01, *, out=None):
    """Gradient of ``leaky_relu`` with respect to its input: grad_output * (input > 0 ? 1 : negative_slope); negative_slope at 0.

    Takes ``grad_output`` (the shape of the input) and then ``leaky_relu``'s own arguments; returns a
    new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.leaky_relu(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.leaky_relu_backward(np.ones(3), x)
    array([0.01, 0.01, 1.  ])
    """
    negative_slope = real_param(negative_slope, 'negative_slope')
    return _unary_grad("leaky_relu", grad_output, input, negative_slope, out=out)


def elu(input, alpha=1.0, inplace=False, *, out=None):
    """X if x > 0 else alpha * (exp(x) - 1), elementwise (torch.nn.functional.elu).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    alpha : float, default 1.0
    inplace : bool, default False
        Write the result into `input` and return it (float input only).
    out : ndarray, optional
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
    elu(x) = x > 0 ? x : alpha * (exp(x) - 1), with expm1 for accuracy near 0.

    Derivative (``elu_backward``): grad_output * (input > 0 ? 1 : alpha * exp(input)); alpha at
    0.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.elu(x)
    array([-0.86466472,  0.        ,  1.5       ])
    """
    alpha = real_param(alpha, 'alpha')
    return _unary("elu", input, alpha, out=out, inplace=inplace)


def elu_backward(grad_output, input, alpha=1.0, *, out=None):
    """Gradient of ``elu`` with respect to its input: grad_output * (input > 0 ? 1 : alpha * exp(input)); alpha at 0.

    Takes ``grad_output`` (the shape of the input) and then ``elu``'s own arguments; returns a
    new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.elu(x, ...), x, grad_output)``
    for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.elu_backward(np.ones(3), x)
    array([0.13533528, 1.        , 1.        ])
    """
    alpha = real_param(alpha, 'alpha')
    return _unary_grad("elu", grad_output, input, alpha, out=out)


def celu(input, alpha=1.0, inplace=False, *, out=None):
    """Max(0, x) + min(0, alpha * (exp(x / alpha) - 1)), elementwise (torch.nn.functional.celu).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    alpha : float, default 1.0
        Must not be 0.
    inplace : bool, default False
        Write the result into `input` and return it (float input only).
    out : ndarray, optional
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
    celu(x) = max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).

    Derivative (``celu_backward``): grad_output * (input > 0 ? 1 : exp(input / alpha)); 1 at 0.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.celu(x)
    array([-0.86466472,  0.        ,  1.5       ])
    """
    alpha = _nonzero(alpha, 'alpha', 'celu')
    return _unary("celu", input, alpha, out=out, inplace=inplace)


def celu_backward(grad_output, input, alpha=1.0, *, out=None):
    """Gradient of ``celu`` with respect to its input: grad_output * (input > 0 ? 1 : exp(input / alpha)); 1 at 0.

    Takes ``grad_output`` (the shape of the input) and then ``celu``'s own arguments; returns a
    new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.celu(x, ...), x, grad_output)``
    for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.celu_backward(np.ones(3), x)
    array([0.13533528, 1.        , 1.        ])
    """
    alpha = _nonzero(alpha, 'alpha', 'celu')
    return _unary_grad("celu", grad_output, input, alpha, out=out)


def selu(input, inplace=False, *, out=None):
    """Scale * (x if x > 0 else alpha * (exp(x) - 1)), elementwise (torch.nn.functional.selu).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    inplace : bool, default False
        Write the result into `input` and return it (float input only).
    out : ndarray, optional
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
    selu(x) = scale * (x > 0 ? x : alpha * (exp(x) - 1)), alpha = 1.6732632423543772, scale = 1.0507009873554805 (torch's constants).

    Derivative (``selu_backward``): grad_output * scale * (input > 0 ? 1 : alpha * exp(input)).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.selu(x)
    array([-1.52016647,  0.        ,  1.57605148])
    """
    return _unary("selu", input, out=out, inplace=inplace)


def selu_backward(grad_output, input, *, out=None):
    """Gradient of ``selu`` with respect to its input: grad_output * scale * (input > 0 ? 1 : alpha * exp(input)).

    Takes ``grad_output`` (the shape of the input) and then ``selu``'s own arguments; returns a
    new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.selu(x, ...), x, grad_output)``
    for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.selu_backward(np.ones(3), x)
    array([0.23793287, 1.75809934, 1.05070099])
    """
    return _unary_grad("selu", grad_output, input, out=out)


def gelu(input, approximate='none', *, out=None):
    """X * Phi(x), Phi the standard normal CDF, elementwise (torch.nn.functional.gelu).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    approximate : {'none', 'tanh'}, default 'none'
    out : ndarray, optional
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
    approximate='none': x * Phi(x) = 0.5 x erfc(-x / sqrt 2); approximate='tanh': 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), computed as x * sigmoid(2u) so it does not cancel for x < 0.
    gelu(-inf) is -0.0, the limit (torch returns NaN).

    Derivative (``gelu_backward``): grad_output * (Phi(input) + input * phi(input)) (or the tanh
    form's derivative).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.gelu(x)
    array([-0.04550026,  0.        ,  1.3997892 ])
    """
    return _unary(_option("gelu", "approximate", approximate), input, out=out)


def gelu_backward(grad_output, input, approximate='none', *, out=None):
    """Gradient of ``gelu`` with respect to its input: grad_output * (Phi(input) + input * phi(input)) (or the tanh form's derivative).

    Takes ``grad_output`` (the shape of the input) and then ``gelu``'s own arguments; returns a
    new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.gelu(x, ...), x, grad_output)``
    for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.gelu_backward(np.ones(3), x)
    array([-0.0852318 ,  0.5       ,  1.12746919])
    """
    return _unary_grad(_option("gelu", "approximate", approximate), grad_output, input, out=out)


def silu(input, inplace=False, *, out=None):
    """X * sigmoid(x), elementwise (torch.nn.functional.silu).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    inplace : bool, default False
        Write the result into `input` and return it (float input only).
    out : ndarray, optional
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
    silu(x) = x * sigmoid(x).
    silu(-inf) is -0.0, the limit (torch: NaN).

    Derivative (``silu_backward``): grad_output * s (1 + input (1 - s)), s = sigmoid(input).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.silu(x)
    array([-0.23840584,  0.        ,  1.22636171])
    """
    return _unary("silu", input, out=out, inplace=inplace)


def silu_backward(grad_output, input, *, out=None):
    """Gradient of ``silu`` with respect to its input: grad_output * s (1 + input (1 - s)), s = sigmoid(input).

    Takes ``grad_output`` (the shape of the input) and then ``silu``'s own arguments; returns a
    new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.silu(x, ...), x, grad_output)``
    for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.silu_backward(np.ones(3), x)
    array([-0.09078425,  0.5       ,  1.04129415])
    """
    return _unary_grad("silu", grad_output, input, out=out)


def mish(input, inplace=False, *, out=None):
    """X * tanh(softplus(x)), elementwise (torch.nn.functional.mish).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    inplace : bool, default False
        Write the result into `input` and return it (float input only).
    out : ndarray, optional
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
    mish(x) = x * tanh(softplus(x)), in a form that neither overflows nor cancels.
    mish(-inf) is -0.0, the limit (torch: NaN).

    Derivative (``mish_backward``): grad_output * (t + input sigmoid(input) (1 - t^2)), t =
    tanh(softplus(input)).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.mish(x)
    array([-0.25250148,  0.        ,  1.40337827])
    """
    return _unary("mish", input, out=out, inplace=inplace)


def mish_backward(grad_output, input, *, out=None):
    """Gradient of ``mish`` with respect to its input: grad_output * (t + input sigmoid(input) (1 - t^2)), t = tanh(softplus(input)).

    Takes ``grad_output`` (the shape of the input) and then ``mish``'s own arguments; returns a
    new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.mish(x, ...), x, grad_output)``
    for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.mish_backward(np.ones(3), x)
    array([-0.10835509,  0.6       ,  1.08848799])
    """
    return _unary_grad("mish", grad_output, input, out=out)


def softplus(input, beta=1.0, threshold=20.0, *, out=None):
    """Log(1 + exp(beta * x)) / beta, x where beta * x > threshold, elementwise (torch.nn.functional.softplus).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    beta : float, default 1.0
    threshold : float, default 20.0
    out : ndarray, optional
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
    softplus(x) = log(1 + exp(beta x)) / beta, computed as (max(z, 0) + log1p(exp(-|z|))) / beta, z = beta x; x itself where beta x > threshold.

    Derivative (``softplus_backward``): grad_output * sigmoid(beta input) (1 where beta input >
    threshold).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.softplus(x)
    array([0.12692801, 0.69314718, 1.70141328])
    """
    beta, threshold = real_param(beta, 'beta'), real_param(threshold, 'threshold')
    return _unary("softplus", input, beta, threshold, out=out)


def softplus_backward(grad_output, input, beta=1.0, threshold=20.0, *, out=None):
    """Gradient of ``softplus`` with respect to its input: grad_output * sigmoid(beta input) (1 where beta input > threshold).

    Takes ``grad_output`` (the shape of the input) and then ``softplus``'s own arguments; returns a
    new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.softplus(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.softplus_backward(np.ones(3), x)
    array([0.11920292, 0.5       , 0.81757448])
    """
    beta, threshold = real_param(beta, 'beta'), real_param(threshold, 'threshold')
    return _unary_grad("softplus", grad_output, input, beta, threshold, out=out)


def softsign(input, *, out=None):
    """X / (1 + |x|), elementwise (torch.nn.functional.softsign).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    out : ndarray, optional
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
    softsign(x) = x / (1 + |x|).
    softsign(+-inf) is +-1, the limit (torch: NaN).

    Derivative (``softsign_backward``): grad_output * 1 / (1 + |input|)^2.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.softsign(x)
    array([-0.66666667,  0.        ,  0.6       ])
    """
    return _unary("softsign", input, out=out)


def softsign_backward(grad_output, input, *, out=None):
    """Gradient of ``softsign`` with respect to its input: grad_output * 1 / (1 + |input|)^2.

    Takes ``grad_output`` (the shape of the input) and then ``softsign``'s own arguments; returns a
    new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.softsign(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.softsign_backward(np.ones(3), x)
    array([0.11111111, 1.        , 0.16      ])
    """
    return _unary_grad("softsign", grad_output, input, out=out)


def sigmoid(input, *, out=None):
    """1 / (1 + exp(-x)), elementwise (torch.nn.functional.sigmoid).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    out : ndarray, optional
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
    sigmoid(x) = 1 / (1 + exp(-x)), as exp(x) / (1 + exp(x)) for x < 0.

    Derivative (``sigmoid_backward``): grad_output * s (1 - s), s = sigmoid(input); with
    ``output=`` (the forward result) ``(1 - output) * output``, as torch computes it.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.sigmoid(x)
    array([0.11920292, 0.5       , 0.81757448])
    """
    return _unary("sigmoid", input, out=out)


def sigmoid_backward(grad_output, input=None, *, output=None, out=None):
    """Gradient of ``sigmoid``: grad_output * s (1 - s), s = sigmoid(input); with ``output=`` (the forward result) ``(1 - output) * output``, as torch computes it.

    Takes ``grad_output`` and either `input` or ``output=`` (the forward result, the cheaper
    way); returns a new array of their dtype (or writes `out`).

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.sigmoid(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.sigmoid_backward(np.ones(3), x)
    array([0.10499359, 0.25      , 0.14914645])
    >>> F.sigmoid_backward(np.ones(3), output=F.sigmoid(x))
    array([0.10499359, 0.25      , 0.14914645])
    """
    return _from_output("sigmoid", grad_output, input, output, out)


def tanh(input, *, out=None):
    """Tanh(x), elementwise (torch.nn.functional.tanh).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    out : ndarray, optional
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
    tanh(x), via expm1(2|x|) so it is accurate near 0 and saturates cleanly.

    Derivative (``tanh_backward``): grad_output * (1 - tanh(input)^2); with ``output=`` (the
    forward result) ``1 - output^2``, as torch computes it.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.tanh(x)
    array([-0.96402758,  0.        ,  0.90514825])
    """
    return _unary("tanh", input, out=out)


def tanh_backward(grad_output, input=None, *, output=None, out=None):
    """Gradient of ``tanh``: grad_output * (1 - tanh(input)^2); with ``output=`` (the forward result) ``1 - output^2``, as torch computes it.

    Takes ``grad_output`` and either `input` or ``output=`` (the forward result, the cheaper
    way); returns a new array of their dtype (or writes `out`).

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.tanh(x, ...), x, grad_output)``
    for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.tanh_backward(np.ones(3), x)
    array([0.07065082, 1.        , 0.18070664])
    >>> F.tanh_backward(np.ones(3), output=F.tanh(x))
    array([0.07065082, 1.        , 0.18070664])
    """
    return _from_output("tanh", grad_output, input, output, out)


def logsigmoid(input, *, out=None):
    """Log(sigmoid(x)), elementwise (torch.nn.functional.logsigmoid).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    out : ndarray, optional
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
    logsigmoid(x) = min(x, 0) - log1p(exp(-|x|)).

    Derivative (``logsigmoid_backward``): grad_output * sigmoid(-input).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.logsigmoid(x)
    array([-2.12692801, -0.69314718, -0.20141328])
    """
    return _unary("logsigmoid", input, out=out)


def logsigmoid_backward(grad_output, input, *, out=None):
    """Gradient of ``logsigmoid`` with respect to its input: grad_output * sigmoid(-input).

    Takes ``grad_output`` (the shape of the input) and then ``logsigmoid``'s own arguments; returns a
    new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.logsigmoid(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.logsigmoid_backward(np.ones(3), x)
    array([0.88079708, 0.5       , 0.18242552])
    """
    return _unary_grad("logsigmoid", grad_output, input, out=out)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False, *, out=None):
    """Min(max(x, min_val), max_val), elementwise (torch.nn.functional.hardtanh).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    min_val : float, default -1.0
    max_val : float, default 1.0
        Must satisfy min_val <= max_val.
    inplace : bool, default False
        Write the result into `input` and return it (float input only).
    out : ndarray, optional
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
    hardtanh(x) = min(max(x, min_val), max_val); NaN stays NaN.

    Derivative (``hardtanh_backward``): grad_output * (min_val < input < max_val); 0 at both
    bounds.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.hardtanh(x)
    array([-1.,  0.,  1.])
    """
    min_val, max_val = real_param(min_val, 'min_val'), real_param(max_val, 'max_val')
    if not min_val <= max_val:
        raise ValueError(f'min_val ({min_val}) cannot be greater than max_val ({max_val})')
    return _unary("hardtanh", input, min_val, max_val, out=out, inplace=inplace)


def hardtanh_backward(grad_output, input, min_val=-1.0, max_val=1.0, *, out=None):
    """Gradient of ``hardtanh`` with respect to its input: grad_output * (min_val < input < max_val); 0 at both bounds.

    Takes ``grad_output`` (the shape of the input) and then ``hardtanh``'s own arguments; returns a
    new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.hardtanh(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.hardtanh_backward(np.ones(3), x)
    array([0., 1., 0.])
    """
    min_val, max_val = real_param(min_val, 'min_val'), real_param(max_val, 'max_val')
    if not min_val <= max_val:
        raise ValueError(f'min_val ({min_val}) cannot be greater than max_val ({max_val})')
    return _unary_grad("hardtanh", grad_output, input, min_val, max_val, out=out)


def hardsigmoid(input, inplace=False, *, out=None):
    """Min(max(x + 3, 0), 6) / 6, elementwise (torch.nn.functional.hardsigmoid).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    inplace : bool, default False
        Write the result into `input` and return it (float input only).
    out : ndarray, optional
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
    hardsigmoid(x) = min(max(x + 3, 0), 6) / 6.

    Derivative (``hardsigmoid_backward``): grad_output * (1/6 for -3 < input < 3, else 0).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.hardsigmoid(x)
    array([0.16666667, 0.5       , 0.75      ])
    """
    return _unary("hardsigmoid", input, out=out, inplace=inplace)


def hardsigmoid_backward(grad_output, input, *, out=None):
    """Gradient of ``hardsigmoid`` with respect to its input: grad_output * (1/6 for -3 < input < 3, else 0).

    Takes ``grad_output`` (the shape of the input) and then ``hardsigmoid``'s own arguments; returns a
    new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.hardsigmoid(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.hardsigmoid_backward(np.ones(3), x)
    array([0.16666667, 0.16666667, 0.16666667])
    """
    return _unary_grad("hardsigmoid", grad_output, input, out=out)


def hardswish(input, inplace=False, *, out=None):
    """X * min(max(x + 3, 0), 6) / 6, elementwise (torch.nn.functional.hardswish).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    inplace : bool, default False
        Write the result into `input` and return it (float input only).
    out : ndarray, optional
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
    hardswish(x) = x * min(max(x + 3, 0), 6) / 6.
    hardswish(-inf) is -0.0, the limit (torch: NaN).

    Derivative (``hardswish_backward``): grad_output * (0 up to -3, input/3 + 1/2 strictly
    inside, 1 from 3 on; torch >= 2.7).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.hardswish(x)
    array([-0.33333333,  0.        ,  1.125     ])
    """
    return _unary("hardswish", input, out=out, inplace=inplace)


def hardswish_backward(grad_output, input, *, out=None):
    """Gradient of ``hardswish`` with respect to its input: grad_output * (0 up to -3, input/3 + 1/2 strictly inside, 1 from 3 on; torch >= 2.7).

    Takes ``grad_output`` (the shape of the input) and then ``hardswish``'s own arguments; returns a
    new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.hardswish(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.hardswish_backward(np.ones(3), x)
    array([-0.16666667,  0.5       ,  1.        ])
    """
    return _unary_grad("hardswish", grad_output, input, out=out)


def hardshrink(input, lambd=0.5, *, out=None):
    """X if |x| > lambd else 0, elementwise (torch.nn.functional.hardshrink).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    lambd : float, default 0.5
    out : ndarray, optional
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
    hardshrink(x) = 0 for -lambd <= x <= lambd, else x.

    Derivative (``hardshrink_backward``): grad_output * (|input| > lambd).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.hardshrink(x)
    array([-2. ,  0. ,  1.5])
    """
    lambd = real_param(lambd, 'lambd')
    return _unary("hardshrink", input, lambd, out=out)


def hardshrink_backward(grad_output, input, lambd=0.5, *, out=None):
    """Gradient of ``hardshrink`` with respect to its input: grad_output * (|input| > lambd).

    Takes ``grad_output`` (the shape of the input) and then ``hardshrink``'s own arguments; returns a
    new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.hardshrink(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.hardshrink_backward(np.ones(3), x)
    array([1., 0., 1.])
    """
    lambd = real_param(lambd, 'lambd')
    return _unary_grad("hardshrink", grad_output, input, lambd, out=out)


def softshrink(input, lambd=0.5, *, out=None):
    """X - lambd if x > lambd, x + lambd if x < -lambd, else 0, elementwise (torch.nn.functional.softshrink).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    lambd : float, default 0.5
        Must be >= 0.
    out : ndarray, optional
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
    softshrink(x) = x - lambd above lambd, x + lambd below -lambd, else 0.

    Derivative (``softshrink_backward``): grad_output * (|input| > lambd).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.softshrink(x)
    array([-1.5,  0. ,  1. ])
    """
    lambd = _nonnegative(lambd, 'lambd', 'softshrink')
    return _unary("softshrink", input, lambd, out=out)


def softshrink_backward(grad_output, input, lambd=0.5, *, out=None):
    """Gradient of ``softshrink`` with respect to its input: grad_output * (|input| > lambd).

    Takes ``grad_output`` (the shape of the input) and then ``softshrink``'s own arguments; returns a
    new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.softshrink(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.softshrink_backward(np.ones(3), x)
    array([1., 0., 1.])
    """
    lambd = _nonnegative(lambd, 'lambd', 'softshrink')
    return _unary_grad("softshrink", grad_output, input, lambd, out=out)


def tanhshrink(input, *, out=None):
    """X - tanh(x), elementwise (torch.nn.functional.tanhshrink).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    out : ndarray, optional
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
    tanhshrink(x) = x - tanh(x), by a continued fraction for |x| <= 4 so small inputs keep full relative accuracy.

    Derivative (``tanhshrink_backward``): grad_output * tanh(input)^2.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.tanhshrink(x)
    array([-1.03597242,  0.        ,  0.59485175])
    """
    return _unary("tanhshrink", input, out=out)


def tanhshrink_backward(grad_output, input, *, out=None):
    """Gradient of ``tanhshrink`` with respect to its input: grad_output * tanh(input)^2.

    Takes ``grad_output`` (the shape of the input) and then ``tanhshrink``'s own arguments; returns a
    new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.tanhshrink(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.tanhshrink_backward(np.ones(3), x)
    array([0.92934918, 0.        , 0.81929336])
    """
    return _unary_grad("tanhshrink", grad_output, input, out=out)


def threshold(input, threshold, value, inplace=False, *, out=None):
    """X if x > threshold else value, elementwise (torch.nn.functional.threshold).

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively; float16 computed in float32; integer and bool promote
        to float64. Any shape and strides.
    threshold : float
    value : float
    inplace : bool, default False
        Write the result into `input` and return it (float input only).
    out : ndarray, optional
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
    threshold(x) = x > threshold ? x : value; NaN stays NaN.

    Derivative (``threshold_backward``): grad_output * (input > threshold); `value` does not
    enter the gradient.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.threshold(x, 0.5, -1.0)
    array([-1. , -1. ,  1.5])
    """
    threshold, value = real_param(threshold, 'threshold'), real_param(value, 'value')
    return _unary("threshold", input, threshold, value, out=out, inplace=inplace)


def threshold_backward(grad_output, input, threshold, value, *, out=None):
    """Gradient of ``threshold`` with respect to its input: grad_output * (input > threshold); `value` does not enter the gradient.

    Takes ``grad_output`` (the shape of the input) and then ``threshold``'s own arguments; returns a
    new array of the input's dtype (or writes `out`). Values at the kinks are torch's.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.threshold(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.threshold_backward(np.ones(3), x, 0.5, -1.0)
    array([0., 0., 1.])
    """
    threshold, value = real_param(threshold, 'threshold'), real_param(value, 'value')
    return _unary_grad("threshold", grad_output, input, threshold, value, out=out)
# </generated: activations.functions>

# SciPy's names (scipy.special.expit, log_expit) for the same functions
# <generated: activations.aliases>
expit = sigmoid
log_expit = logsigmoid
swish = silu
swish_backward = silu_backward
# </generated: activations.aliases>


# ---- activations with their own loops -----------------------------------------------------

def _prelu_weight(weight, input):
    """weight as an array; a Python scalar is weak, as in NumPy 2: it takes input's dtype."""
    if isinstance(weight, (int, float)) and not isinstance(weight, bool):
        x = as_array(input)
        return np.asarray(weight, dtype=result_dtype(x.dtype)[0])
    return as_array(weight, "weight")


def _prelu_layout(x, w):
    """(outer, n_ch, inner) of x for prelu's weight w (1 or x.shape[1] values)."""
    if w.ndim > 1:
        raise ValueError(f"weight must be a scalar or 1-D array, got {w.ndim} dimensions")
    n_ch = x.shape[1] if x.ndim > 1 else 1
    if w.size != 1 and w.size != n_ch:
        raise ValueError(f"weight has {w.size} elements; expected 1 or input.shape[1] = {n_ch} "
                         f"(input shape {x.shape})")
    if x.size == 0:
        return 0, 1, 1
    if w.size == 1:
        inner = x.shape[-1] if x.ndim else 1
        return x.size // inner, 1, inner
    inner = math.prod(x.shape[2:])
    return x.shape[0], n_ch, inner


def _plain_like(a, x):
    """a is a C-contiguous aligned ndarray of x's dtype and shape (a common call's operand)."""
    if type(a) is not np.ndarray or a.dtype != x.dtype or a.shape != x.shape:
        return False
    flags = a.flags
    return flags.c_contiguous and flags.aligned


def _plain_out(out, x):
    """out= of an elementwise common call: _plain_like, writeable, and x itself or sharing no
    memory with it (a partial overlap goes the general way, which writes through a buffer)."""
    return (_plain_like(out, x) and out.flags.writeable
            and (out is x or not np.may_share_memory(out, x)))


def prelu(input, weight, *, out=None):
    """prelu(x) = x > 0 ? x : weight[c] * x, c the channel (dim 1) of x (torch.nn.functional.prelu).

    Parameters
    ----------
    input : array_like
        Any shape; dim 1 is the channel dimension when input has 2 or more dimensions.
    weight : array_like
        A scalar or 1-D array of 1 or input.shape[1] slopes.
    out : ndarray, optional
        Where to write the result (shape of input, the promoted dtype).

    Returns
    -------
    ndarray
        The dtype of ``np.result_type(input, weight)`` under actloss's float policy.

    Raises
    ------
    TypeError
        Non-real input or weight.
    ValueError
        A weight of the wrong size or dimensions, or a wrong `out`.

    Notes
    -----
    The gradient is ``prelu_backward``, returning ``(grad_input, grad_weight)``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.prelu(x, np.array([0.25]))
    array([-0.5,  0. ,  1.5])
    """
    if (type(input) is np.ndarray and type(weight) is np.ndarray
            and input.dtype == weight.dtype and input.dtype in KERNEL_INDEX and input.size
            and input.flags.c_contiguous and input.flags.aligned
            and weight.flags.c_contiguous and weight.flags.aligned
            and (out is None or _plain_out(out, input))):
        # the common call (plain arrays of one float dtype): straight to the kernel
        outer, n_ch, inner = _prelu_layout(input, weight)
        y = np.empty(input.shape, input.dtype) if out is None else out
        _K.prelu_fwd(KERNEL_INDEX[input.dtype], input, weight.reshape(-1), y, outer, n_ch,
                     inner, _threads.threads_for(input.size, True))
        return ufunc_result(y) if out is None else out
    x, w = as_array(input), _prelu_weight(weight, input)
    if x.dtype == w.dtype and x.dtype in KERNEL_INDEX:  # skip the promotion
        res_dtype = k_dtype = x.dtype
    else:
        res_dtype, k_dtype = promoted_dtype((x, "input"), (w, "weight"))
    outer, n_ch, inner = _prelu_layout(x, w)
    if out is not None:
        check_out(out, x.shape, res_dtype)
        y = out
    else:
        y = np.empty(x.shape, res_dtype)
    if x.size:
        wk = kernel_array(w.reshape(-1).astype(k_dtype))
        n_threads = _threads.threads_for(x.size, True)
        run_elementwise(lambda s, d: _K.prelu_fwd(KERNEL_INDEX[k_dtype], s[0], wk, d, outer,
                                                  n_ch, inner, n_threads),
                        [kernel_array(x)], y, k_dtype)
    return y if out is not None else ufunc_result(y)


def prelu_backward(grad_output, input, weight):
    """Gradients of ``prelu``: ``(grad_input, grad_weight)``.

    grad_input = grad_output * (input > 0 ? 1 : weight[c]) (the slope at 0, as torch);
    grad_weight[c] = sum of grad_output * input over input <= 0 in channel c, accumulated in
    float64 in a fixed order (the same for any thread count); it has weight's shape and dtype.
    A 0-d result (scalar input, scalar weight) is a NumPy scalar, as from ``prelu``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> grad_input, grad_weight = F.prelu_backward(np.ones(3), x, np.array([0.25]))
    >>> grad_input
    array([0.25, 0.25, 1.  ])
    >>> grad_weight
    array([-2.])
    """
    if (type(input) is np.ndarray and type(weight) is np.ndarray
            and input.dtype == weight.dtype and input.dtype in KERNEL_INDEX and input.size
            and input.flags.c_contiguous and input.flags.aligned
            and weight.flags.c_contiguous and weight.flags.aligned
            and _plain_like(grad_output, input)):
        # the common call (plain arrays of one float dtype): straight to the kernel
        outer, n_ch, inner = _prelu_layout(input, weight)
        gx = np.empty(input.shape, input.dtype)
        wsum = np.empty(outer * n_ch, np.float64)
        _K.prelu_bwd(KERNEL_INDEX[input.dtype], grad_output, input, weight.reshape(-1), gx, wsum,
                     outer, n_ch, inner, _threads.threads_for(input.size, True))
        with np.errstate(all="ignore"):  # as below
            gw = wsum.reshape(outer, n_ch).sum(axis=0).astype(weight.dtype)
        return ufunc_result(gx), ufunc_result(gw.reshape(weight.shape))
    gy, x, w = as_array(grad_output, "grad_output"), as_array(input), _prelu_weight(weight, input)
    if gy.shape != x.shape:
        raise ValueError(f"grad_output has shape {gy.shape}, expected {x.shape}")
    if x.dtype == w.dtype == gy.dtype and x.dtype in KERNEL_INDEX:
        res_dtype = k_dtype = x.dtype
    else:
        res_dtype, k_dtype = promoted_dtype((x, "input"), (w, "weight"))
        result_dtype(gy.dtype, "grad_output")
    outer, n_ch, inner = _prelu_layout(x, w)
    gx = np.empty(x.shape, res_dtype)
    w_res = result_dtype(w.dtype, "weight")[0]
    if x.size == 0:
        return gx, ufunc_result(np.zeros(w.shape, w_res))
    wk = kernel_array(w.reshape(-1).astype(k_dtype))
    wsum = np.empty(outer * n_ch, np.float64)
    n_threads = _threads.threads_for(x.size, True)
    xc = kernel_array(x, dtype=k_dtype)
    gyc = kernel_array(gy, dtype=k_dtype)
    run_elementwise(lambda s, d: _K.prelu_bwd(KERNEL_INDEX[k_dtype], s[0], s[1], wk, d, wsum,
                                              outer, n_ch, inner, n_threads),
                    [gyc, xc], gx, k_dtype)
    with np.errstate(all="ignore"):  # inf + -inf is NaN, whatever the caller's np.seterr
        gw = wsum.reshape(outer, n_ch).sum(axis=0)
    return ufunc_result(gx), ufunc_result(narrow(gw.reshape(w.shape), w_res))


_default_generator = None


def _reseed_default_generator():
    global _default_generator
    _default_generator = None


# a forked child draws its own stream, not a copy of its parent's
os.register_at_fork(after_in_child=_reseed_default_generator)


def _generator(generator):
    """The Generator a random call draws from: None gives the process's default one, seeded
    once from fresh entropy (as torch's global generator; a new Generator per call cost more
    than a 1000-element rrelu), an int a new one seeded with it."""
    global _default_generator
    if generator is None:
        if _default_generator is None:
            _default_generator = np.random.default_rng()
        return _default_generator
    if isinstance(generator, (int, np.integer)):
        return np.random.default_rng(generator)
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"generator must be a numpy.random.Generator, an int seed or None, "
                    f"got {type(generator).__name__}")


def _rrelu_bounds(lower, upper):
    lo, hi = real_param(lower, "lower"), real_param(upper, "upper")
    for value, name in ((lo, "lower"), (hi, "upper")):
        if not math.isfinite(value):  # a NaN bound would make every slope NaN
            raise ValueError(f"{name} must be finite, got {value}")
    if lo > hi:
        raise ValueError(f"lower ({lo}) must be <= upper ({hi})")
    return lo, hi


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False, *,
          generator=None, noise=None, out=None):
    """Randomized leaky ReLU (torch.nn.functional.rrelu).

    In training, each element x <= 0 is multiplied by a slope drawn uniformly from
    [lower, upper) (other elements by 1); in eval the slope is (lower + upper) / 2 everywhere
    (a leaky_relu).

    Parameters
    ----------
    input : array_like
    lower, upper : float, default 1/8 and 1/3
        Bounds of the slopes, lower <= upper.
    training : bool, default False
    inplace : bool, default False
        Write the result into `input`.
    generator : numpy.random.Generator or int, optional
        Source of the slopes in training (an int seeds a new Generator, so runs are
        reproducible; None draws from actloss's default Generator, seeded once per process
        from fresh entropy, as torch's global generator).
    noise : ndarray, optional
        In training, receives the slope used for each element (1 where x > 0): same shape and
        dtype as the result. Pass it to ``rrelu_backward`` to apply the same slopes.
    out : ndarray, optional

    Returns
    -------
    ndarray
        (A NumPy scalar for a scalar or 0-d input without out= or inplace, as from the
        elementwise activations.)

    Raises
    ------
    TypeError
        A training or inplace that is not a bool (True/False or numpy.bool_), a non-real
        input or bound.
    ValueError
        lower > upper, a wrong `out` or `noise`.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.rrelu(x)  # evaluation: slope (lower + upper) / 2
    array([-0.45833333,  0.        ,  1.5       ])
    """
    lo, hi = _rrelu_bounds(lower, upper)
    training = bool_option(training, "training")
    inplace = bool_option(inplace, "inplace")
    if not training:
        return _unary("leaky_relu", input, (lo + hi) / 2, out=out, inplace=inplace)
    _check_inplace(input, inplace)
    x = as_array(input)
    res_dtype, k_dtype = result_dtype(x.dtype)
    if inplace:
        out = _inplace_out(x, out, res_dtype)
    elif out is not None:
        check_out(out, x.shape, res_dtype)
    if noise is not None:
        check_out(noise, x.shape, res_dtype, "noise")
    u = _generator(generator).random(x.size)
    xc = kernel_array(x, dtype=k_dtype)
    # the slopes straight into a plain noise= of the kernel dtype (no copy)
    direct = (type(noise) is np.ndarray and noise.dtype == k_dtype and noise.flags.c_contiguous
              and noise.flags.aligned and not np.may_share_memory(noise, xc))
    slopes = noise if direct else np.empty(x.shape, k_dtype)
    y = np.empty(x.shape, k_dtype)
    _K.rrelu_fwd(KERNEL_INDEX[k_dtype], xc, u, y, slopes, lo, hi)
    if noise is not None and not direct:
        copy_into(noise, slopes)
    if out is not None:  # out= or, with inplace=True, the input
        copy_into(out, y)
        return input if inplace else out
    return ufunc_result(narrow(y, res_dtype))


def rrelu_backward(grad_output, input, lower=1.0 / 8, upper=1.0 / 3, training=False, *,
                   noise=None, out=None):
    """Gradient of ``rrelu``: grad_output * noise in training (the slopes the forward drew,
    passed as ``noise=``); in eval, or when upper - lower <= 1e-6 as in torch, the leaky_relu
    gradient with slope (lower + upper) / 2.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([-2.0, 0.0, 1.5])
    >>> F.rrelu_backward(np.ones(3), x)
    array([0.22916667, 0.22916667, 1.        ])
    """
    lo, hi = _rrelu_bounds(lower, upper)
    training = bool_option(training, "training")
    if not (training and hi - lo > 1e-6):
        return _unary_grad("leaky_relu", grad_output, input, (lo + hi) / 2, out=out)
    if noise is None:
        raise ValueError("rrelu_backward with training=True needs noise= (the slopes that "
                         "rrelu(..., training=True, noise=...) wrote)")
    if type(noise) is np.ndarray and _plain_like(input, noise):
        # the common call, all in C (plain arrays of one float dtype): grad_output * noise
        g = _K.unary_fast(MUL_KIND, 0, grad_output, noise, out, 0.0, 0.0,
                          _threads.SERIAL_CUTOFF_CHEAP, _LARGE_THREADS)
        if g is not None:
            return g if g.ndim or out is not None else g[()]
    gy, x, nz = as_array(grad_output, "grad_output"), as_array(input), as_array(noise, "noise")
    if gy.shape != x.shape or nz.shape != x.shape:
        raise ValueError(f"grad_output {gy.shape} and noise {nz.shape} must have input's shape "
                         f"{x.shape}")
    res_dtype, k_dtype = result_dtype(x.dtype)
    result_dtype(gy.dtype, "grad_output")
    result_dtype(nz.dtype, "noise")
    if out is not None:
        check_out(out, x.shape, res_dtype)
        g = out
    else:
        g = np.empty(x.shape, res_dtype)
    if x.size:
        n_threads = _threads.threads_for(x.size, True)
        run_elementwise(lambda s, d: _K.mul(KERNEL_INDEX[k_dtype], s[0], s[1], d, n_threads),
                        [gy, nz], g, k_dtype)
    return g if out is not None else ufunc_result(g)


def _glu_layout(x, dim):
    if x.ndim == 0:
        raise ValueError("glu does not support 0-d input")
    d = dim_index(dim, x.ndim)
    if x.shape[d] % 2:
        raise ValueError(f"glu halves dimension {dim}, which must be even; got size {x.shape[d]} "
                         f"(input shape {x.shape})")
    outer = math.prod(x.shape[:d])
    half = x.shape[d] // 2 * math.prod(x.shape[d + 1:])
    return d, outer, half


def glu(input, dim=-1, *, out=None):
    """Gated linear unit: a * sigmoid(b), a and b the two halves of input along `dim`
    (torch.nn.functional.glu).

    Parameters
    ----------
    input : array_like
        At least 1-D, with an even size along `dim`.
    dim : int, default -1
    out : ndarray, optional
        Shape of input with `dim` halved.

    Raises
    ------
    ValueError
        0-d input, an odd size along `dim`, `dim` out of range, or a wrong `out`.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.glu(np.array([1.0, -2.0, 0.0, 2.0]))  # a * sigmoid(b)
    array([ 0.5       , -1.76159416])
    """
    x = as_array(input)
    res_dtype, k_dtype = result_dtype(x.dtype)
    d, outer, half = _glu_layout(x, dim)
    shape = x.shape[:d] + (x.shape[d] // 2,) + x.shape[d + 1:]
    if out is not None:
        check_out(out, shape, res_dtype)
    else:
        out = np.empty(shape, res_dtype)
    if x.size:
        xc = kernel_array(x, dtype=k_dtype)
        # out overlapping the input (a view of it): the threads' pieces would read elements
        # another piece has already written, so the result goes through a temporary
        direct = (out.flags.c_contiguous and out.flags.aligned and out.dtype == k_dtype
                  and not np.may_share_memory(xc, out))
        dst = out if direct else np.empty(shape, k_dtype)
        _K.glu_fwd(KERNEL_INDEX[k_dtype], xc, dst, outer, half,
                   _threads.threads_for(x.size, False), _accuracy.is_fast())
        if dst is not out:
            copy_into(out, dst)
    return out


def glu_backward(grad_output, input, dim=-1):
    """Gradient of ``glu``: the two halves of the result are grad_output * sigmoid(b) and
    grad_output * a * sigmoid(b) * (1 - sigmoid(b)); the result has input's shape.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.glu_backward(np.ones(2), np.array([1.0, -2.0, 0.0, 2.0]))
    array([ 0.5       ,  0.88079708,  0.25      , -0.20998717])
    """
    gy, x = as_array(grad_output, "grad_output"), as_array(input)
    res_dtype, k_dtype = result_dtype(x.dtype)
    result_dtype(gy.dtype, "grad_output")
    d, outer, half = _glu_layout(x, dim)
    shape = x.shape[:d] + (x.shape[d] // 2,) + x.shape[d + 1:]
    if gy.shape != shape:
        raise ValueError(f"grad_output has shape {gy.shape}, expected {shape}")
    gx = np.empty(x.shape, k_dtype)
    if x.size:
        _K.glu_bwd(KERNEL_INDEX[k_dtype], kernel_array(gy, dtype=k_dtype),
                   kernel_array(x, dtype=k_dtype), gx, outer, half,
                   _threads.threads_for(x.size, False))
    return narrow(gx, res_dtype)
