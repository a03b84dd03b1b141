"""softmax, log_softmax and softmin over any dim, with their gradients; logsumexp; the sparse
maps sparsemax, entmax15 and entmax_bisect with their Fenchel-Young losses; gumbel_softmax.

Rows are computed by the row kernels of _kernels/al_softmax.h.tp: a stable max shift, sums in
double, and log_softmax's log-sum-exp as m + log1p(sum of the others) so the largest entry
keeps full accuracy. An optional `temperature` (beyond torch) divides the input first. The
sparse maps shift their rows in NumPy, in float64, and find each row's threshold and result
in C row kernels of the _rowwise_loss family (sparse_map: sparsemax and entmax15 by sorting;
entmax_bisect); their losses and gradients are NumPy (written by hand below, as logsumexp
and gumbel_softmax are).
"""
import math
import operator
import warnings

import numpy as np

from . import _dask, _dispatch, _rowwise, _threads
from .activations import _generator
from ._validate import (F16, F32, F64, KERNEL_INDEX, as_array, bool_option, check_out,
                        check_reduction, copy_into, dim_index, finish_loss, kernel_array,
                        loss_grad_output, narrow, real_param, result_dtype)
from ._validate import INT64_RANGE as _INT64  # an ignore_index's range, as torch's

# <generated: softmax_family.__all__>
__all__ = ["softmax", "softmax_backward", "log_softmax", "log_softmax_backward", "softmin",
           "softmin_backward", "logsumexp", "logsumexp_backward", "sparsemax",
           "sparsemax_backward", "entmax15", "entmax15_backward", "entmax_bisect",
           "entmax_bisect_backward", "sparsemax_loss", "sparsemax_loss_backward",
           "sparsemax_loss_with_grad", "entmax15_loss", "entmax15_loss_backward",
           "entmax15_loss_with_grad", "entmax_bisect_loss", "entmax_bisect_loss_backward",
           "entmax_bisect_loss_with_grad", "gumbel_softmax", "gumbel_softmax_backward"]
# </generated: softmax_family.__all__>


def _kernels():
    return _dispatch.kernels("_softmax")


def _implicit_dim(ndim, stacklevel, name):
    """torch's legacy choice when dim is None (with its deprecation warning)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _cast_dtype(x, dtype):
    """torch's dtype= argument: the input is cast to it before the operation."""
    if dtype is None:
        return x
    dt = np.dtype(dtype)
    if dt not in (F16, F32, F64):
        raise TypeError(f"dtype must be a floating dtype (float16, float32, float64), got {dt}")
    return narrow(x, dt)


def _scale(temperature, sign):
    if type(temperature) in (float, int) and temperature == 1.0:
        return sign
    t = real_param(temperature, "temperature")
    if not t > 0:
        raise ValueError(f"temperature must be > 0, got {t}")
    return sign / t


def _shift_for_scale(xk, outer, n, inner, scale, k_dtype):
    """(input, kernel dtype) for a temperature so small that scale * x would overflow the
    kernel's precision (float lanes for float32): the rows are shifted by their extreme (the
    maximum of scale * x; the result does not change) and run in float64, so scale * (x -
    extreme) is 0 at the extreme and far below elsewhere, down to the limit temperature -> 0,
    the one-hot of the argmax (ties shared)."""
    with np.errstate(all="ignore"):
        # fmax skips NaN: a NaN row elsewhere must not hide an overflowing one (a NaN row stays
        # NaN through the shift, its extreme being NaN)
        if not np.fmax.reduce(np.abs(xk), axis=None, initial=0.0) * abs(scale) \
                > float(np.finfo(k_dtype).max) / 4:
            return xk, k_dtype
        rows = xk.reshape(outer, n, inner).astype(np.float64)
        extreme = rows.max(axis=1, keepdims=True) if scale > 0 else rows.min(axis=1, keepdims=True)
        return np.ascontiguousarray((rows - extreme).reshape(xk.shape)), F64


def _layout(shape, dim, stacklevel, sign, log_mode):
    """(outer, n, inner) of the softmax axis; 0-d arrays are one row of one element."""
    shape = shape if shape else (1,)
    if dim is None:
        dim = _implicit_dim(len(shape), stacklevel + 1, _NAMES[sign, log_mode])
    d = dim_index(dim, len(shape))
    return math.prod(shape[:d]), shape[d], math.prod(shape[d + 1:])


def _into(out, shape, res_dtype, k_dtype, sources):
    """A C-contiguous kernel-dtype destination for out (or a new array), and whether the result
    must still be copied into out."""
    if out is None:
        return np.empty(shape, k_dtype), False
    check_out(out, shape, res_dtype)
    direct = (out.flags.c_contiguous and out.flags.aligned and out.dtype == k_dtype
              and not any(_overlap(s, out) for s in sources))
    return (out, False) if direct else (np.empty(shape, k_dtype), True)


def _overlap(a, out):
    """a and out (not a itself: in place is fine) may share memory; two arrays that both own
    their data do not (the common case, without np.may_share_memory's cost)."""
    if a is out or (a.base is None and out.base is None):
        return False
    return np.may_share_memory(a, out)


_NAMES = {(1.0, 0): "softmax", (1.0, 1): "log_softmax", (-1.0, 0): "softmin"}


def _finish(out, dst, copy_back, res_dtype):
    """The result: out (filled from dst if the kernel could not write it directly) or dst in
    the result dtype."""
    if copy_back:
        copy_into(out, dst)
    if out is not None:
        return out
    return narrow(dst, res_dtype)


def _fast_forward(input, dim, temperature, out, sign, log_mode):
    """The common call -- a C-contiguous float32/float64 ndarray, an int dim, no dtype= or
    temperature, out= None or a C-contiguous array of the input's dtype that is the input or
    owns its memory -- without the general checks; None for anything else."""
    if type(input) is not np.ndarray or type(dim) is not int or type(temperature) is not float \
            or temperature != 1.0:
        return None
    shape = input.shape
    dt = KERNEL_INDEX.get(input.dtype)
    if (dt is None or not -len(shape) <= dim < len(shape) or not input.flags.c_contiguous
            or not input.flags.aligned):
        return None
    if out is None:
        out = np.empty(shape, input.dtype)
    elif (type(out) is not np.ndarray or out.shape != shape or out.dtype is not input.dtype
          or not out.flags.c_contiguous or not out.flags.aligned or not out.flags.writeable
          or not (out is input or (out.base is None and input.base is None))):
        return None
    d = dim % len(shape)
    _kernels().softmax_fwd(dt, input, out, math.prod(shape[:d]), shape[d],
                           math.prod(shape[d + 1:]), sign, log_mode,
                           _threads.threads_for(input.size, False))
    return out


def _forward(input, dim, stacklevel, dtype, temperature, out, sign, log_mode):
    if dtype is None:
        y = _fast_forward(input, dim, temperature, out, sign, log_mode)
        if y is not None:
            return y
    if _dask.lazy(input):  # a dask array stays lazy: map_blocks over rows (_dask.py)
        name = "softmin" if sign < 0 else ("log_softmax" if log_mode else "softmax")
        return _dask.softmax(name, input, dim, stacklevel + 1, dtype, temperature, out)
    x = _cast_dtype(as_array(input), dtype)
    res_dtype, k_dtype = result_dtype(x.dtype)
    outer, n, inner = _layout(x.shape, dim, stacklevel + 1, sign, log_mode)
    scale = _scale(temperature, sign)
    xk = kernel_array(x, dtype=k_dtype)
    if abs(scale) > 1.0 and xk.size:
        xk, k_dtype = _shift_for_scale(xk, outer, n, inner, scale, k_dtype)
    dst, copy_back = _into(out, x.shape, res_dtype, k_dtype, [x, xk])
    _kernels().softmax_fwd(KERNEL_INDEX[k_dtype], xk, dst, outer, n, inner, scale, log_mode,
                           _threads.threads_for(x.size, False))
    return _finish(out, dst, copy_back, res_dtype)


def _backward(grad_output, input, dim, stacklevel, dtype, output, temperature, out, sign,
              log_mode, forward):
    if _dask.lazy(grad_output, input, output):
        return _dask.softmax_backward(forward.__name__, grad_output, input, dim, stacklevel + 1,
                                      dtype, output, temperature, out)
    if output is None:
        if input is None:
            raise ValueError("pass input or output=")
        output = forward(input, dim, stacklevel + 1, dtype, temperature=temperature)
    y = as_array(output, "output")
    gy = as_array(grad_output, "grad_output")
    if gy.shape != y.shape:
        raise ValueError(f"grad_output has shape {gy.shape}, expected {y.shape}")
    res_dtype, k_dtype = result_dtype(y.dtype, "output")
    result_dtype(gy.dtype, "grad_output")
    outer, n, inner = _layout(y.shape, dim, stacklevel + 1, sign, log_mode)
    # the gradient of the input has the input's dtype (dtype= only set the computation's)
    grad_dtype = result_dtype(as_array(input).dtype)[0] if input is not None else res_dtype
    scale = _scale(temperature, sign)
    yk = kernel_array(y, dtype=k_dtype)
    gk = kernel_array(gy, dtype=k_dtype)
    dst, copy_back = _into(out, y.shape, grad_dtype, k_dtype, [y, yk, gy, gk])
    _kernels().softmax_bwd(KERNEL_INDEX[k_dtype], gk, yk, dst, outer, n, inner, scale, log_mode,
                           _threads.threads_for(y.size, False))
    return _finish(out, dst, copy_back, grad_dtype)


# ---- the public functions, generated from _ops.SOFTMAX_FAMILY --------------------------------

# <generated: softmax_family.functions>
def softmax(input, dim=None, _stacklevel=3, dtype=None, *, temperature=1.0, out=None):
    """Softmax (torch.nn.functional.softmax).

    y_i = exp(x_i / T) / sum_j exp(x_j / T) along dim.

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

    Derivative (``softmax_backward(grad_output, input, dim, output=...)``), with g the
    grad_output and y the result: grad = y (g - sum(g y)) / T along dim.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[1.0, 2.0, 3.0]])
    >>> F.softmax(x, dim=-1)
    array([[0.09003057, 0.24472847, 0.66524096]])
    """
    return _forward(input, dim, _stacklevel, dtype, temperature, out, 1.0, 0)


def softmax_backward(grad_output, input=None, dim=None, _stacklevel=3, dtype=None, *, output=None,
                     temperature=1.0, out=None):
    """Gradient of ``softmax`` with respect to its input.

    ``softmax_backward(grad_output, input, dim, ...)`` recomputes the forward from `input`;
    ``softmax_backward(grad_output, dim=dim, output=y)`` uses the forward result y instead (cheaper).
    The arguments are ``softmax``'s (dim, dtype, temperature); returns an array of the input's
    shape (or writes `out`).

    Notes
    -----
    grad = y (g - sum(g y)) / T along dim.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.softmax(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[1.0, 2.0, 3.0]])
    >>> F.softmax_backward(np.array([[1.0, 0.0, 0.0]]), x, dim=-1)
    array([[ 0.08192507, -0.02203304, -0.05989202]])
    """
    return _backward(grad_output, input, dim, _stacklevel, dtype, output, temperature, out, 1.0, 0,
                     softmax)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None, *, temperature=1.0, out=None):
    """Log-softmax (torch.nn.functional.log_softmax).

    y_i = x_i / T - logsumexp_j(x_j / T), computed as (z_i - m) - log1p(S), m the row maximum and S the sum of exp(z_j - m) over the other entries: accurate at the maximum even when the others are negligible.

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

    Derivative (``log_softmax_backward(grad_output, input, dim, output=...)``), with g the
    grad_output and y the result: grad = (g - exp(y) sum(g)) / T along dim.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[1.0, 2.0, 3.0]])
    >>> F.log_softmax(x, dim=-1)
    array([[-2.40760596, -1.40760596, -0.40760596]])
    """
    return _forward(input, dim, _stacklevel, dtype, temperature, out, 1.0, 1)


def log_softmax_backward(grad_output, input=None, dim=None, _stacklevel=3, dtype=None, *,
                         output=None, temperature=1.0, out=None):
    """Gradient of ``log_softmax`` with respect to its input.

    ``log_softmax_backward(grad_output, input, dim, ...)`` recomputes the forward from `input`;
    ``log_softmax_backward(grad_output, dim=dim, output=y)`` uses the forward result y instead (cheaper).
    The arguments are ``log_softmax``'s (dim, dtype, temperature); returns an array of the input's
    shape (or writes `out`).

    Notes
    -----
    grad = (g - exp(y) sum(g)) / T along dim.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.log_softmax(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[1.0, 2.0, 3.0]])
    >>> F.log_softmax_backward(np.array([[1.0, 0.0, 0.0]]), x, dim=-1)
    array([[ 0.90996943, -0.24472847, -0.66524096]])
    """
    return _backward(grad_output, input, dim, _stacklevel, dtype, output, temperature, out, 1.0, 1,
                     log_softmax)


def softmin(input, dim=None, _stacklevel=3, dtype=None, *, temperature=1.0, out=None):
    """Softmin (torch.nn.functional.softmin).

    softmax(-x / T) along dim.

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

    Derivative (``softmin_backward(grad_output, input, dim, output=...)``), with g the
    grad_output and y the result: grad = -y (g - sum(g y)) / T along dim.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[1.0, 2.0, 3.0]])
    >>> F.softmin(x, dim=-1)
    array([[0.66524096, 0.24472847, 0.09003057]])
    """
    return _forward(input, dim, _stacklevel, dtype, temperature, out, -1.0, 0)


def softmin_backward(grad_output, input=None, dim=None, _stacklevel=3, dtype=None, *, output=None,
                     temperature=1.0, out=None):
    """Gradient of ``softmin`` with respect to its input.

    ``softmin_backward(grad_output, input, dim, ...)`` recomputes the forward from `input`;
    ``softmin_backward(grad_output, dim=dim, output=y)`` uses the forward result y instead (cheaper).
    The arguments are ``softmin``'s (dim, dtype, temperature); returns an array of the input's
    shape (or writes `out`).

    Notes
    -----
    grad = -y (g - sum(g y)) / T along dim.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.softmin(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[1.0, 2.0, 3.0]])
    >>> F.softmin_backward(np.array([[1.0, 0.0, 0.0]]), x, dim=-1)
    array([[-0.22269543,  0.1628034 ,  0.05989202]])
    """
    return _backward(grad_output, input, dim, _stacklevel, dtype, output, temperature, out, -1.0,
                     0, softmin)
# </generated: softmax_family.functions>


# ---- logsumexp: a reduction, written by hand -------------------------------------------------

def _reduced_dims(dim, ndim):
    """The sorted, distinct axes that `dim` (an int, or a sequence of ints; () is every axis,
    as torch's reductions read it) names in an array of ndim dimensions (a 0-d array counts as
    one of one element, as in torch)."""
    if isinstance(dim, (tuple, list)):
        axes = [dim_index(d, max(ndim, 1)) for d in dim]
        if len(set(axes)) != len(axes):
            raise ValueError(f"dim={tuple(dim)} names an axis more than once")
        return tuple(sorted(axes)) if axes else tuple(range(max(ndim, 1)))
    return (dim_index(dim, max(ndim, 1)),)


def _rows(x, axes, k_dtype):
    """x as C-contiguous rows (outer, n, inner) of the kernel dtype whose middle axis runs over
    every reduced element, and the shape of the result with keepdim: one reduced axis is
    viewed in place; several are moved to the end and copied together."""
    shape = x.shape if x.ndim else (1,)
    kept = tuple(1 if i in axes else s for i, s in enumerate(shape))
    x = x.reshape(shape)
    if len(axes) == 1:
        d = axes[0]
        rows = kernel_array(x, dtype=k_dtype).reshape(math.prod(shape[:d]), shape[d],
                                                      math.prod(shape[d + 1:]))
    else:
        moved = np.moveaxis(x, axes, range(x.ndim - len(axes), x.ndim))
        rows = np.ascontiguousarray(moved, dtype=k_dtype).reshape(
            -1, math.prod(shape[i] for i in axes), 1)
    return rows, kept


def _result_shape(shape, axes, kept, keepdim):
    """logsumexp's result shape (0-d for 0-d input, as torch)."""
    if not shape:
        return ()
    return kept if keepdim else tuple(s for i, s in enumerate(shape) if i not in axes)


def logsumexp(input, dim, keepdim=False, *, out=None):
    """Log of the sum of exponentials (torch.logsumexp; scipy.special.logsumexp).

    y = log(sum exp(x)) over the axes `dim`, without overflow: m + log1p(S), m the maximum and
    S the sum of exp(x_j - m) over the other entries (summed in double), rounded once.

    Parameters
    ----------
    input : array_like
        float32/float64 computed natively, float16 in float32, integers promote to float64.
        Any strides.
    dim : int or tuple of ints
        The axes to reduce (negative count from the end); () reduces every axis.
    keepdim : bool, default False
        Keep the reduced axes with length 1.
    out : ndarray, optional
        Result destination of the result's shape and dtype.

    Returns
    -------
    ndarray or NumPy scalar
        The input's shape without (or, with keepdim, with length 1 at) the reduced axes; a
        NumPy scalar of the result dtype when that shape is (), as NumPy's reductions.

    Raises
    ------
    ValueError
        dim out of range or repeated, a wrong `out`.
    TypeError
        Complex/object input, a non-int dim, a non-bool keepdim.

    Notes
    -----
    As torch: an empty reduction gives -inf, all -inf gives -inf, any +inf gives +inf and any
    NaN gives NaN. m + log1p(S) is formed in double and rounded once: the error is half an
    ULP plus log1p(S)'s, about one ULP of the input dtype at 1 (torch sums in the input's
    dtype). The gradient is
    ``logsumexp_backward(grad_output, input, dim, keepdim)``: softmax over the reduced axes
    times grad_output.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.logsumexp(np.array([[0.0, 0.0], [1.0, 1.0]]), dim=1)
    array([0.69314718, 1.69314718])
    >>> F.logsumexp(np.array([1000.0, 1000.0]), dim=0)  # no overflow
    np.float64(1000.6931471805599)
    """
    keepdim = bool_option(keepdim, "keepdim")
    if _dask.lazy(input):
        return _dask.logsumexp(input, dim, keepdim, out)
    x = as_array(input)
    res_dtype, k_dtype = result_dtype(x.dtype)
    axes = _reduced_dims(dim, x.ndim)
    rows, kept = _rows(x, axes, k_dtype)
    outer, n, inner = rows.shape
    if rows.size:
        # m + log1p(S) per row in double, the cross-entropy rows' arithmetic (the softmax
        # family's lse_tasks)
        y = np.empty(outer * inner, F64)
        _kernels().logsumexp(KERNEL_INDEX[k_dtype], rows, outer, n, inner, y,
                             _threads.threads_for(rows.size, False))
    else:
        y = np.full(outer * inner, -np.inf)
    shape = _result_shape(x.shape, axes, kept, keepdim)
    y = y.reshape(shape)
    if out is not None:
        check_out(out, shape, res_dtype)
        copy_into(out, y)
        return out
    # a NumPy scalar when every axis is reduced, as np.sum. float32/64 need no errstate: m + l
    # exceeds their largest value by at most log(n), which rounds back to it
    return (narrow(y, res_dtype) if res_dtype == np.float16
            else y.astype(res_dtype, copy=False))[()]


def logsumexp_backward(grad_output, input, dim, keepdim=False, *, out=None):
    """Gradient of ``logsumexp`` with respect to its input: grad_output (broadcast over the
    reduced axes) times the softmax of the input over them, in the input's result dtype.

    `grad_output` has logsumexp's result shape (with `keepdim` as given). Rows with +inf or
    NaN give NaN, as softmax does (and torch). Raises as ``logsumexp``, and ValueError for a
    grad_output of another shape.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[0.0, 0.0], [1.0, 3.0]])
    >>> F.logsumexp_backward(np.ones(2), x, dim=1)  # softmax(x) along dim
    array([[0.5       , 0.5       ],
           [0.11920292, 0.88079708]])
    """
    keepdim = bool_option(keepdim, "keepdim")
    if _dask.lazy(grad_output, input):
        return _dask.logsumexp_backward(grad_output, input, dim, keepdim, out)
    x = as_array(input)
    axes = _reduced_dims(dim, x.ndim)
    res_dtype, k_dtype = result_dtype(x.dtype)
    rows, kept = _rows(x, axes, k_dtype)
    shape = _result_shape(x.shape, axes, kept, keepdim)
    gy = as_array(grad_output, "grad_output")
    result_dtype(gy.dtype, "grad_output")
    if gy.shape != shape:
        raise ValueError(f"grad_output has shape {gy.shape}, expected {shape}")
    outer, n, inner = rows.shape
    g = np.empty(rows.shape, k_dtype)
    if rows.size:
        _kernels().softmax_fwd(KERNEL_INDEX[k_dtype], rows, g, outer, n, inner, 1.0, 0,
                               _threads.threads_for(rows.size, False))
        g *= gy.astype(k_dtype, copy=False).reshape(outer, 1, inner)
    full = x.shape if x.ndim else (1,)
    if len(axes) > 1:  # back from the moved layout
        moved = tuple(s for i, s in enumerate(full) if i not in axes) + tuple(full[i] for i in axes)
        g = np.moveaxis(g.reshape(moved), range(len(full) - len(axes), len(full)), axes)
    g = g.reshape(x.shape)
    if out is not None:
        check_out(out, x.shape, res_dtype)
        copy_into(out, g)
        return out
    return narrow(g, res_dtype)


# ---- sparse probability maps: sparsemax, entmax15, entmax_bisect, written by hand ------------
#
# alpha-entmax (Peters, Niculae and Martins, "Sparse Sequence-to-Sequence Models", ACL 2019)
# maps a row z to p_i = [(alpha - 1) z_i - tau]_+ ** (1 / (alpha - 1)), tau the one threshold
# that makes the row sum to 1; alpha = 2 is sparsemax (Martins and Astudillo, ICML 2016),
# alpha -> 1 softmax. Rows are computed in float64 on a copy with the mapped axis last, each
# shifted by its maximum first (the maps are shift-invariant): a row with NaN or +inf, or of
# all -inf, gives NaN (as softmax); -inf entries of other rows get 0.

def _to_rows(x, dim, copy=True):
    """(float64 rows (R, n) of x with the axis `dim` last (a copy; with copy=False, x's dtype
    and a view where one can be), a function putting an (R, n) array back into x's shape)."""
    shape = x.shape if x.ndim else (1,)
    d = dim_index(dim, len(shape))
    last = d == len(shape) - 1  # (moveaxis costs microseconds even where it moves nothing)
    moved = shape[:d] + shape[d + 1:] + (shape[d],)
    rows = x.reshape(shape) if last else np.moveaxis(x.reshape(shape), d, -1)
    rows = (rows.astype(F64) if copy else rows).reshape(math.prod(moved[:-1]), shape[d])

    def back(r):
        if last:
            return np.ascontiguousarray(r).reshape(x.shape)
        return np.ascontiguousarray(np.moveaxis(r.reshape(moved), -1, d)).reshape(x.shape)
    return rows, back


def _shifted(rows):
    """rows minus their maximum, and the mask of the rows whose result is NaN (NaN, +inf, or
    all -inf: their maximum is not finite)."""
    if rows.shape[1] == 0:
        return rows, np.zeros(rows.shape[0], bool)
    m = rows.max(axis=1, keepdims=True)  # NaN if the row holds one
    bad = ~np.isfinite(m[:, 0])
    # invalid: the bad rows; over: -1.7e308 - 1.7e308 is -inf, far outside any support (p = 0)
    with np.errstate(invalid="ignore", over="ignore"):
        return rows - np.where(bad[:, None], 0.0, m), bad


def _sparse_rows(z, entmax15):
    """sparsemax (alpha 2) or 1.5-entmax of shifted rows (maximum 0), exactly: the C row
    kernel _rowwise_loss.sparse_map sorts each row's candidates (the entries that can be in
    the support, those above -1 for sparsemax and -2 for entmax15, as the maximum's share is
    at most 1) and finds the support's threshold tau:

    * sparsemax: the support is the k largest entries with 1 + k z_(k) > z_(1) + ... + z_(k)
      (z sorted descending), tau = (that sum - 1) / k, p = [z - tau]_+;
    * entmax15: with s = z / 2 and the k largest in the support, sum (s_j - tau)^2 = 1 gives
      tau_k = mean_k - sqrt((1 - ss_k) / k), ss_k the sum of squared deviations from their
      mean; the support is the largest k with tau_k <= s_(k), p = [s - tau]_+^2 (within 1 of
      the maximum, the sums of squares do not cancel badly)."""
    z = np.ascontiguousarray(z, dtype=np.float64)
    p = np.empty_like(z)
    _rowwise.kernels().sparse_map(KERNEL_INDEX[F64], z, int(entmax15), p,
                                  # a copy, a sort and two scans per row
                                  _threads.threads_for(z.size * 4, True))
    return p


def _bisect_rows(z, alpha, n_iter):
    """alpha-entmax of shifted rows by bisection on tau for u = (alpha - 1) z: the sum is >= 1
    at tau = -1 (the maximum maps to 1) and <= 1 at tau = -(1/n) ** (alpha - 1) (every entry
    to at most 1/n); each step halves the bracket (50 steps: below 2^-50, float64 precision),
    and the result at the lower end is divided by its sum. In the C row kernel
    (_rowwise_loss's entmax_bisect, in double): NumPy's passes over every row took 0.2-0.4 ms
    per step at 4096 x 10."""
    n = z.shape[1]
    z = np.ascontiguousarray(z, dtype=np.float64)
    p = np.empty_like(z)
    work = z.size * n_iter   # the steps read every row n_iter times
    _rowwise.kernels().entmax_bisect(KERNEL_INDEX[F64], z, alpha, 1.0 - (1.0 / n) ** (alpha - 1.0),
                                     n_iter, p, _threads.threads_for(work, alpha in (1.5, 2.0)))
    return p


def _alpha_param(alpha):
    a = real_param(alpha, "alpha")
    if not 1.0 < a < math.inf:  # inf: (alpha - 1) z is NaN at the row maximum (0 * inf)
        raise ValueError(f"alpha must be finite and > 1 (alpha = 1 is softmax: use softmax), "
                         f"got {a}")
    return a


def _n_iter_param(n_iter):
    try:
        n = operator.index(n_iter)
    except TypeError:
        raise TypeError(f"n_iter must be an int, got {type(n_iter).__name__}") from None
    if n < 1:
        raise ValueError(f"n_iter must be >= 1, got {n}")
    return n


def _rows_map(rows, alpha, n_iter):
    """The alpha-entmax of float64 rows (sparsemax for 2, the sort for 1.5 unless n_iter is
    given, else bisection); NaN rows as softmax's."""
    return _shifted_map(*_shifted(rows), alpha, n_iter)


def _shifted_map(z, bad, alpha, n_iter):
    """_rows_map of rows already shifted by _shifted (z, bad): the losses reuse z."""
    if z.size == 0:
        return z.copy()
    # invalid: the NaN rows, overwritten below; under: squares and powers of tiny differences
    # (1e-271 in a row of 0s), whatever the caller's np.seterr
    with np.errstate(all="ignore"):
        if n_iter is None:
            p = _sparse_rows(z, alpha != 2.0)
        else:
            p = _bisect_rows(z, alpha, n_iter)
    p[bad] = np.nan
    return p


def _map_forward(input, dim, alpha, n_iter=None):
    x = as_array(input)
    res_dtype = result_dtype(x.dtype)[0]
    rows, back = _to_rows(x, dim)
    return narrow(back(_rows_map(rows, alpha, n_iter)), res_dtype)


def _map_backward(grad_output, input, dim, output, alpha, n_iter=None):
    """grad = s * (g - sum(g s) / sum(s)) along dim, s = p ** (2 - alpha) on the support of p
    (the indicator for sparsemax, sqrt(p) for 1.5-entmax), 0 elsewhere."""
    if output is None:
        if input is None:
            raise ValueError("pass input or output=")
        output = _map_forward(input, dim, alpha, n_iter)
    y = as_array(output, "output")
    gy = as_array(grad_output, "grad_output")
    if gy.shape != y.shape:
        raise ValueError(f"grad_output has shape {gy.shape}, expected {y.shape}")
    res_dtype = result_dtype(y.dtype, "output")[0]
    result_dtype(gy.dtype, "grad_output")
    if input is not None:
        res_dtype = result_dtype(as_array(input).dtype)[0]
    # in the map's and grad_output's common float dtype (float16: float32), each entry formed in
    # double and rounded once by the C row kernel (_rowwise_loss's sparse_map_bwd): s = p ** (2
    # - alpha) on the support (p > 0), the row's sums in order; a row without support (NaN)
    # gives 0 / 0; p ** (2 - alpha) of a small p past alpha ~ 25 is inf (a NaN or infinite
    # gradient)
    k_dtype = np.result_type(y.dtype, gy.dtype, F32)
    k_dtype = k_dtype if k_dtype in KERNEL_INDEX else F64
    p, back = _to_rows(y, dim, copy=False)
    p = kernel_array(p, dtype=k_dtype)
    g = kernel_array(_to_rows(gy, dim, copy=False)[0], dtype=k_dtype)
    gx = np.empty(p.shape, k_dtype)
    if gx.size:
        _rowwise.kernels().sparse_map_bwd(KERNEL_INDEX[k_dtype], p, g, alpha, gx,
                                          _threads.threads_for(gx.size, alpha in (2.0, 1.5)))
    return narrow(back(gx), res_dtype)


_MAP_NOTES = """
    Notes
    -----
    Computed in float64 (the result has the input's dtype: float32 gives float32, float16
    float16, integers float64) on each row shifted by its maximum, exactly at ties. A row with
    NaN or +inf, or of all -inf, gives NaN (as softmax); -inf entries of other rows give 0.
    Empty inputs give empty results; a 0-d input is one row of one entry (1.0)."""


def sparsemax(input, dim=-1):
    """Sparsemax (Martins and Astudillo, 2016): the Euclidean projection of each row onto the
    probability simplex, along `dim`.

    y_i = max(x_i - tau, 0), tau such that the row sums to 1 (sorting the row: the support is
    the k largest entries with 1 + k x_(k) > x_(1) + ... + x_(k)). Many entries are exactly 0.

    Parameters
    ----------
    input : array_like
        float32/float64 (float16, integers and bool promote as for softmax). Any strides.
    dim : int, default -1
        The axis to normalise over (negative counts from the end).

    Returns
    -------
    ndarray of the input's shape and result dtype.

    Raises
    ------
    ValueError
        dim out of range.
    TypeError
        Complex/object input, a non-int dim.
{notes}
    The gradient is ``sparsemax_backward(grad_output, input, dim)`` (or ``output=y``).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.sparsemax(np.array([1.0, 0.8, -1.0]))
    array([0.6, 0.4, 0. ])
    """
    return _map_forward(input, dim, 2.0)


def sparsemax_backward(grad_output, input=None, dim=-1, *, output=None):
    """Gradient of ``sparsemax`` with respect to its input.

    ``sparsemax_backward(grad_output, input, dim)`` recomputes the forward; with ``output=y``
    (the forward result) it does not. On the support S of y the Jacobian-vector product is
    ``g_i - mean_S(g)``; elsewhere 0. Raises ValueError for a grad_output of another shape.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> y = F.sparsemax(np.array([1.0, 0.8, -1.0]))
    >>> F.sparsemax_backward(np.array([1.0, 0.0, 0.0]), output=y)
    array([ 0.5, -0.5,  0. ])
    """
    return _map_backward(grad_output, input, dim, output, 2.0)


def entmax15(input, dim=-1):
    """1.5-entmax (Peters, Niculae and Martins, 2019) along `dim`: between softmax and
    sparsemax, sparse but smooth.

    y_i = max(x_i / 2 - tau, 0) ** 2, tau such that the row sums to 1, found exactly by sorting
    the row (the support is the largest k whose threshold tau_k lies below its k-th entry).

    Parameters
    ----------
    input : array_like
        float32/float64 (float16, integers and bool promote as for softmax). Any strides.
    dim : int, default -1
        The axis to normalise over (negative counts from the end).

    Returns
    -------
    ndarray of the input's shape and result dtype.

    Raises
    ------
    ValueError
        dim out of range.
    TypeError
        Complex/object input, a non-int dim.
{notes}
    The gradient is ``entmax15_backward(grad_output, input, dim)`` (or ``output=y``).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.entmax15(np.array([1.0, 1.0, -3.0]))
    array([0.5, 0.5, 0. ])
    """
    return _map_forward(input, dim, 1.5)


def entmax15_backward(grad_output, input=None, dim=-1, *, output=None):
    """Gradient of ``entmax15`` with respect to its input.

    ``entmax15_backward(grad_output, input, dim)`` recomputes the forward; with ``output=y``
    it does not. With s = sqrt(y): ``grad = s * g - s * sum(s * g) / sum(s)`` along dim.
    Raises ValueError for a grad_output of another shape.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> y = F.entmax15(np.array([1.0, 0.8, -1.0]))
    >>> F.entmax15_backward(np.array([1.0, 0.0, 0.0]), output=y)
    array([ 0.3508962, -0.3508962,  0.       ])
    """
    return _map_backward(grad_output, input, dim, output, 1.5)


def entmax_bisect(input, alpha=1.5, dim=-1, n_iter=50):
    """alpha-entmax along `dim` by bisection (the ``entmax`` package's ``entmax_bisect``).

    y_i = max((alpha - 1) x_i - tau, 0) ** (1 / (alpha - 1)), tau such that the row sums to 1.
    alpha = 2 is sparsemax, alpha = 1.5 entmax15, alpha -> 1 tends to softmax.

    Parameters
    ----------
    input : array_like
        float32/float64 (float16, integers and bool promote as for softmax). Any strides.
    alpha : float, default 1.5
        Must be finite and > 1 (one value for every row).
    dim : int, default -1
        The axis to normalise over (negative counts from the end).
    n_iter : int, default 50
        Bisection steps (>= 1); each halves the bracket of tau, which starts no wider than 1:
        after 50 it is below 2^-50, float64's precision at the row maximum. The result is
        then divided by its sum.

    Returns
    -------
    ndarray of the input's shape and result dtype.

    Raises
    ------
    ValueError
        dim out of range, alpha <= 1 or infinite, n_iter < 1.
    TypeError
        Complex/object input, a non-int dim or n_iter, a non-real alpha.
{notes}
    The gradient is ``entmax_bisect_backward(grad_output, input, alpha, dim, n_iter)`` (or
    ``output=y``).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.entmax_bisect(np.array([1.0, 0.8, -1.0]), alpha=2.0).round(6)
    array([0.6, 0.4, 0. ])
    """
    return _map_forward(input, dim, _alpha_param(alpha), _n_iter_param(n_iter))


def entmax_bisect_backward(grad_output, input=None, alpha=1.5, dim=-1, n_iter=50, *,
                           output=None):
    """Gradient of ``entmax_bisect`` with respect to its input (alpha held fixed).

    ``entmax_bisect_backward(grad_output, input, alpha, dim, n_iter)`` recomputes the forward;
    with ``output=y`` it does not. With s = y ** (2 - alpha) on the support (0 elsewhere):
    ``grad = s * g - s * sum(s * g) / sum(s)`` along dim. Raises as ``entmax_bisect``, and
    ValueError for a grad_output of another shape.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([1.0, 0.8, -1.0])
    >>> F.entmax_bisect_backward(np.array([1.0, 0.0, 0.0]), x, alpha=1.5)
    array([ 0.3508962, -0.3508962,  0.       ])
    """
    return _map_backward(grad_output, input, dim, output, _alpha_param(alpha),
                         _n_iter_param(n_iter))


# ---- their Fenchel-Young losses ----------------------------------------------------------------
#
# L(x, t) = <p - e_t, x> + (1 - sum_j p_j ** alpha) / (alpha (alpha - 1)), p the alpha-entmax of
# x (Blondel, Martins and Niculae, "Learning with Fenchel-Young Losses", JMLR 2020), as the
# entmax package's SparsemaxLoss / Entmax15Loss / EntmaxBisectLoss compute it; its gradient is
# p - e_t. Never negative; 0 when p is the one-hot of the target.

def _loss_rows(input, target, ignore_index, name, saved=None, check=True):
    """(float64 rows (R, C) with the class axis last, int64 targets (R,), the mask of the
    counted rows, the loss shape, a function putting (R, C) back, the result
    dtype). With `saved` (a backward's output=, the map of the input) the rows are the map's,
    checked against the input: the input itself is then not copied. With check=False the
    targets are not checked (the caller's kernel checks them) and the mask's place holds
    ignore_index."""
    x = as_array(input)
    if x.ndim == 0:
        raise ValueError(f"{name}: input must have at least 1 dimension (C,), got a 0-d array")
    res_dtype = result_dtype(x.dtype)[0]
    loss_shape = x.shape[:1] + x.shape[2:] if x.ndim > 1 else ()
    t = as_array(target, "target")
    if t.dtype.kind not in "iu":
        raise TypeError(f"target must hold integer class indices, got dtype {t.dtype}")
    if t.shape != loss_shape:
        raise ValueError(f"{name}: target has shape {t.shape}, expected {loss_shape} for input "
                         f"of shape {x.shape}")
    try:
        ii = operator.index(ignore_index)
    except TypeError:
        raise TypeError(f"ignore_index must be an int, got {type(ignore_index).__name__}") from None
    if saved is not None:
        _check_saved_map(saved, x.shape)
        x = as_array(saved, "output")
    rows, back = _to_rows(x, 1 if x.ndim > 1 else 0, copy=saved is None)
    # the rows run over (N, d1, ..., dk) in order, as the flattened targets (a reshape to
    # (N, -1) first failed for N = 0)
    t = t.reshape(-1) if x.ndim > 1 else t.reshape(1)
    n = x.shape[1] if x.ndim > 1 else x.shape[0]
    if not check:  # the caller's kernel checks them (_fy_grad)
        return rows, t.astype(np.int64, copy=False), ii, loss_shape, back, res_dtype
    counted = t != ii
    bad = counted & ((t < 0) | (t >= n))
    if bad.any():
        raise _target_error(t[bad][0], n, ii)
    return rows, t.astype(np.int64, copy=False), counted, loss_shape, back, res_dtype


def _target_error(value, n, ii):
    return ValueError(f"target {value} is out of bounds: class indices must be in [0, {n}) or "
                      f"equal ignore_index={ii}")


def _fy_value(z, p, t, counted, alpha, loss_shape, reduction, res_dtype):
    """The loss from the shifted rows z and their map p (both (R, C), float64)."""
    z_t = np.zeros(len(z))
    z_t[counted] = z[counted, t[counted]]  # (no class to index when C = 0: all ignored)
    with np.errstate(all="ignore"):  # as in _rows_map; p * z underflows too
        # p ** 1.5 as p sqrt(p): within an ULP of the power, at a fifth of its cost
        power = p * p if alpha == 2.0 else p * np.sqrt(p) if alpha == 1.5 else p ** alpha
        tsallis = (1.0 - power.sum(axis=1)) / (alpha * (alpha - 1.0))
        # <p, z> over the support only (p = 0 at z = -inf), minus z_t
        loss = np.where(p > 0, p * z, 0.0).sum(axis=1) - z_t + tsallis
        loss = np.where(np.isnan(p).any(axis=1), np.nan, loss)
    loss = np.where(counted, loss, 0.0)
    if reduction == "none":
        return narrow(loss.reshape(loss_shape), res_dtype)
    with np.errstate(over="ignore"):  # rows of 1e308: an infinite total, returned as such
        total = loss.sum()
    return finish_loss(reduction, total, int(counted.sum()), res_dtype)


def _fy_grad(p, t, ii, grad_output, reduction, loss_shape, back, res_dtype):
    """grad_output (divided by the counted rows for "mean") times (p - e_t) on each row whose
    target t is not ii, 0 on the others (whatever their map), in the input's shape and result
    dtype: each entry formed in double from the (R, C) map p (any float dtype) and rounded once
    to p's (float16: float32) by the C row kernel (_rowwise_loss's fy_grad), which checks the
    targets (ValueError for one outside [0, C))."""
    gy = kernel_array(loss_grad_output(grad_output, reduction, loss_shape), F64).reshape(-1)
    k_dtype = p.dtype if p.dtype in KERNEL_INDEX else F32
    p, t = kernel_array(p, dtype=k_dtype), kernel_array(t, dtype=np.int64)
    g = np.empty(p.shape, k_dtype)
    # an ignore_index outside int64 matches no target
    ii_k = ii if _INT64[0] <= ii <= _INT64[1] else None
    bad = _rowwise.kernels().fy_grad(KERNEL_INDEX[k_dtype], p, t, ii_k, gy, reduction == "mean",
                                     g, _threads.threads_for(g.size, True))
    if bad >= 0:
        raise _target_error(t[bad], p.shape[1], ii)
    return narrow(back(g), res_dtype)


def _check_saved_map(output, shape):
    """output=, the map of the input a caller already has: a floating array of the input's
    shape (checked from its shape and dtype only, so a dask array stays lazy)."""
    y = output if hasattr(output, "shape") and hasattr(output, "dtype") else \
        as_array(output, "output")
    dtype = np.dtype(y.dtype)
    if dtype.kind != "f":
        raise TypeError(f"output must be a floating array (the map of the input along its "
                        f"class axis), got dtype {dtype}")
    if tuple(y.shape) != tuple(shape):
        raise ValueError(f"output has shape {tuple(y.shape)}, expected {tuple(shape)} (the "
                         f"input's: the map of each row along the class axis)")


def _fy_loss(input, target, alpha, n_iter, ignore_index, reduction, name):
    reduction = check_reduction(reduction)
    rows, t, counted, loss_shape, _, res_dtype = _loss_rows(input, target, ignore_index, name)
    z, bad = _shifted(rows)
    p = _shifted_map(z, bad, alpha, n_iter)
    return _fy_value(z, p, t, counted, alpha, loss_shape, reduction, res_dtype)


def _fy_loss_backward(grad_output, input, target, alpha, n_iter, ignore_index, reduction,
                      name, output=None):
    reduction = check_reduction(reduction)
    # with output=, rows are the caller's map as rows (not copied: _fy_grad only reads them)
    rows, t, ii, loss_shape, back, res_dtype = _loss_rows(input, target, ignore_index, name,
                                                          output, check=False)
    p = _rows_map(rows, alpha, n_iter) if output is None else rows
    return _fy_grad(p, t, ii, grad_output, reduction, loss_shape, back, res_dtype)


def _fy_loss_with_grad(input, target, alpha, n_iter, ignore_index, reduction, grad_output,
                       name):
    """(the loss, its gradient) from one evaluation of the map: the same operations as
    _fy_loss and _fy_loss_backward on the same float64 rows, so both are bit for bit theirs."""
    reduction = check_reduction(reduction)
    rows, t, counted, loss_shape, back, res_dtype = _loss_rows(input, target, ignore_index,
                                                               name)
    z, bad = _shifted(rows)
    p = _shifted_map(z, bad, alpha, n_iter)
    loss = _fy_value(z, p, t, counted, alpha, loss_shape, reduction, res_dtype)
    return loss, _fy_grad(p, t, operator.index(ignore_index), grad_output, reduction,
                          loss_shape, back, res_dtype)


_LOSS_DOC = """{title} (the ``entmax`` package's ``{cls}``).

    loss = <p - e_t, x> + (1 - sum_j p_j ** alpha) / (alpha (alpha - 1)) per row, p =
    ``{map}`` of the row (alpha = {alpha}); the gradient is p - e_t.

    Parameters
    ----------
    input : array_like
        Scores: (N, C), (C,) or (N, C, d1, ..., dk), class axis 1 (0 for 1-D), as
        cross_entropy's. float32/float64 (float16 and integers promote as for softmax).
    target : array_like of int
        Class indices in [0, C): shape (N,), () or (N, d1, ..., dk).{extra}
    ignore_index : int, default -100
        Rows with this target count neither in the loss (0 for "none") nor in the mean.
    reduction : {{"none", "mean", "sum"}}, default "mean"
        "mean" divides by the number of counted rows (all ignored: NaN); the package's
        "elementwise_mean" is "mean".

    Returns
    -------
    ndarray of the target's shape for "none", else a NumPy scalar of the result dtype.

    Raises
    ------
    ValueError
        A target of the wrong shape or outside [0, C) (other than ignore_index), an unknown
        reduction{raises}.
    TypeError
        A non-integer target or ignore_index, complex/object input.

    Notes
    -----
    Computed in float64 on max-shifted rows. Never negative, 0 where p is the one-hot of the
    target (the margin is reached). A row with NaN, +inf or all -inf gives NaN; a target
    entry of -inf gives +inf. The gradient is ``{name}_backward(grad_output, input, target,
    ...)`` with the same arguments; grad_output is a scalar for "mean"/"sum" and the loss's
    shape for "none". ``{name}_with_grad`` gives the loss and that gradient from one
    evaluation of the map.
    """
_BISECT_EXTRA = """
    alpha : float, default 1.5
        Must be finite and > 1.
    n_iter : int, default 50
        Bisection steps of ``entmax_bisect``."""


_SAVED_NOTE = """\
    From a float64 map the gradient is bit for bit the recomputed one; from a float32 (or
    float16) map it carries that map's rounding, up to half an ULP of each entry absolute (so
    more, relative, where p_t is near 1 and p_t - 1 small). With dask arrays each block
    recomputes its rows' map (output= is checked, not read)."""


# (a docstring must be a literal: the shared notes are filled in afterwards)
for _map in (sparsemax, entmax15, entmax_bisect):
    _map.__doc__ = _map.__doc__.replace("{notes}", _MAP_NOTES.rstrip("\n"))
del _map


def _lazy_params(params):
    """A backward's arguments for _dask.loss: output= checked and dropped (each block
    recomputes its rows' map; _dask splits the loss's own arrays only)."""
    params = dict(params)
    output = params.pop("output")
    if output is not None:
        _check_saved_map(output, np.shape(params["input"]))
    return params


def sparsemax_loss(input, target, *, ignore_index=-100, reduction="mean"):
    if _dask.lazy(input, target):
        return _dask.loss("sparsemax_loss", locals())
    return _fy_loss(input, target, 2.0, None, ignore_index, reduction, "sparsemax_loss")


def sparsemax_loss_backward(grad_output, input, target, *, ignore_index=-100, reduction="mean",
                            output=None):
    """Gradient of ``sparsemax_loss`` with respect to `input`: grad_output times
    (sparsemax(input) - one_hot(target)) per counted row (divided by their number for
    "mean"), 0 on ignored rows.

    ``output=``: ``sparsemax(input, dim=1)`` (``dim=0`` for a (C,) input), the map a caller
    already has; given, it is not recomputed (TypeError for a non-floating one, ValueError
    for one not of the input's shape).
{saved}

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[1.0, 0.8, -1.0], [0.0, 1.0, 3.0]])
    >>> F.sparsemax_loss_backward(np.ones(2), x, np.array([0, 2]), reduction="none")
    array([[-0.4,  0.4,  0. ],
           [ 0. ,  0. ,  0. ]])
    >>> p = F.sparsemax(x, dim=1)
    >>> F.sparsemax_loss_backward(np.ones(2), x, np.array([0, 2]), reduction="none", output=p)
    array([[-0.4,  0.4,  0. ],
           [ 0. ,  0. ,  0. ]])
    """
    if _dask.lazy(grad_output, input, target, output):
        return _dask.loss("sparsemax_loss_backward", _lazy_params(locals()))
    return _fy_loss_backward(grad_output, input, target, 2.0, None, ignore_index, reduction,
                             "sparsemax_loss", output)


def sparsemax_loss_with_grad(input, target, *, ignore_index=-100, reduction="mean",
                             grad_output=1.0):
    """``(sparsemax_loss(...), sparsemax_loss_backward(grad_output, ...))`` from one
    evaluation of the sparsemax map.

    Parameters
    ----------
    input, target, ignore_index, reduction
        As for ``sparsemax_loss``.
    grad_output : float or array_like, default 1.0
        As for ``sparsemax_loss_backward``: a scalar for "mean"/"sum"; for "none" an array of
        the loss's shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``sparsemax_loss`` returns.
    grad_input : ndarray
        Exactly what ``sparsemax_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    The map p of each row is computed once and gives both the loss and the gradient
    grad_output * (p - e_t); the operations are the loss's and the backward's, so both
    results are bit for bit theirs. torch equivalent: the ``entmax`` package's
    ``SparsemaxLoss()(x, t)`` for an ``x`` that requires grad, then
    ``loss.backward(grad_output)`` and ``x.grad``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[1.0, 0.8, -1.0], [0.0, 1.0, 3.0]])
    >>> loss, grad = F.sparsemax_loss_with_grad(x, np.array([0, 2]))
    >>> float(loss)
    0.08
    >>> grad
    array([[-0.2,  0.2,  0. ],
           [ 0. ,  0. ,  0. ]])
    """
    if _dask.lazy(input, target, grad_output):
        return _dask.loss("sparsemax_loss_with_grad", locals())
    return _fy_loss_with_grad(input, target, 2.0, None, ignore_index, reduction, grad_output,
                              "sparsemax_loss")


def entmax15_loss(input, target, *, ignore_index=-100, reduction="mean"):
    if _dask.lazy(input, target):
        return _dask.loss("entmax15_loss", locals())
    return _fy_loss(input, target, 1.5, None, ignore_index, reduction, "entmax15_loss")


def entmax15_loss_backward(grad_output, input, target, *, ignore_index=-100, reduction="mean",
                           output=None):
    """Gradient of ``entmax15_loss`` with respect to `input`: grad_output times
    (entmax15(input) - one_hot(target)) per counted row (divided by their number for
    "mean"), 0 on ignored rows.

    ``output=``: ``entmax15(input, dim=1)`` (``dim=0`` for a (C,) input), the map a caller
    already has; given, it is not recomputed (TypeError for a non-floating one, ValueError
    for one not of the input's shape).
{saved}

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[1.0, 0.8, -1.0], [0.0, 1.0, 3.0]])
    >>> F.entmax15_loss_backward(np.ones(2), x, np.array([0, 2]), reduction="none")
    array([[-0.42946632,  0.42946632,  0.        ],
           [ 0.        ,  0.        ,  0.        ]])
    >>> p = F.entmax15(x, dim=1)
    >>> F.entmax15_loss_backward(np.ones(2), x, np.array([0, 2]), reduction="none", output=p)
    array([[-0.42946632,  0.42946632,  0.        ],
           [ 0.        ,  0.        ,  0.        ]])
    """
    if _dask.lazy(grad_output, input, target, output):
        return _dask.loss("entmax15_loss_backward", _lazy_params(locals()))
    return _fy_loss_backward(grad_output, input, target, 1.5, None, ignore_index, reduction,
                             "entmax15_loss", output)


def entmax15_loss_with_grad(input, target, *, ignore_index=-100, reduction="mean",
                            grad_output=1.0):
    """``(entmax15_loss(...), entmax15_loss_backward(grad_output, ...))`` from one
    evaluation of the 1.5-entmax map.

    Parameters
    ----------
    input, target, ignore_index, reduction
        As for ``entmax15_loss``.
    grad_output : float or array_like, default 1.0
        As for ``entmax15_loss_backward``: a scalar for "mean"/"sum"; for "none" an array of
        the loss's shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``entmax15_loss`` returns.
    grad_input : ndarray
        Exactly what ``entmax15_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    The map p of each row is computed once and gives both the loss and the gradient
    grad_output * (p - e_t); the operations are the loss's and the backward's, so both
    results are bit for bit theirs. torch equivalent: the ``entmax`` package's
    ``Entmax15Loss()(x, t)`` for an ``x`` that requires grad, then
    ``loss.backward(grad_output)`` and ``x.grad``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[1.0, 0.8, -1.0], [0.0, 1.0, 3.0]])
    >>> loss, grad = F.entmax15_loss_with_grad(x, np.array([0, 2]), reduction="sum")
    >>> round(float(loss), 8)
    0.29758651
    >>> grad
    array([[-0.42946632,  0.42946632,  0.        ],
           [ 0.        ,  0.        ,  0.        ]])
    """
    if _dask.lazy(input, target, grad_output):
        return _dask.loss("entmax15_loss_with_grad", locals())
    return _fy_loss_with_grad(input, target, 1.5, None, ignore_index, reduction, grad_output,
                              "entmax15_loss")


def entmax_bisect_loss(input, target, alpha=1.5, n_iter=50, *, ignore_index=-100,
                       reduction="mean"):
    if _dask.lazy(input, target):
        return _dask.loss("entmax_bisect_loss", locals())
    return _fy_loss(input, target, _alpha_param(alpha), _n_iter_param(n_iter), ignore_index,
                    reduction, "entmax_bisect_loss")


def entmax_bisect_loss_backward(grad_output, input, target, alpha=1.5, n_iter=50, *,
                                ignore_index=-100, reduction="mean", output=None):
    """Gradient of ``entmax_bisect_loss`` with respect to `input` (alpha held fixed):
    grad_output times (entmax_bisect(input, alpha) - one_hot(target)) per counted row
    (divided by their number for "mean"), 0 on ignored rows.

    ``output=``: ``entmax_bisect(input, alpha, dim=1, n_iter=n_iter)`` (``dim=0`` for a (C,)
    input), the map a caller already has; given, it is not recomputed (TypeError for a
    non-floating one, ValueError for one not of the input's shape).
{saved}

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[1.0, 0.8, -1.0], [0.0, 1.0, 3.0]])
    >>> F.entmax_bisect_loss_backward(np.ones(2), x, np.array([0, 2]), alpha=1.5,
    ...                               reduction="none")
    array([[-0.42946632,  0.42946632,  0.        ],
           [ 0.        ,  0.        ,  0.        ]])
    >>> p = F.entmax_bisect(x, alpha=1.5, dim=1)
    >>> F.entmax_bisect_loss_backward(np.ones(2), x, np.array([0, 2]), alpha=1.5,
    ...                               reduction="none", output=p)
    array([[-0.42946632,  0.42946632,  0.        ],
           [ 0.        ,  0.        ,  0.        ]])
    """
    if _dask.lazy(grad_output, input, target, output):
        return _dask.loss("entmax_bisect_loss_backward", _lazy_params(locals()))
    return _fy_loss_backward(grad_output, input, target, _alpha_param(alpha),
                             _n_iter_param(n_iter), ignore_index, reduction,
                             "entmax_bisect_loss", output)


def entmax_bisect_loss_with_grad(input, target, alpha=1.5, n_iter=50, *, ignore_index=-100,
                                 reduction="mean", grad_output=1.0):
    """``(entmax_bisect_loss(...), entmax_bisect_loss_backward(grad_output, ...))`` from one
    evaluation of the alpha-entmax map.

    Parameters
    ----------
    input, target, alpha, n_iter, ignore_index, reduction
        As for ``entmax_bisect_loss``.
    grad_output : float or array_like, default 1.0
        As for ``entmax_bisect_loss_backward``: a scalar for "mean"/"sum"; for "none" an
        array of the loss's shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``entmax_bisect_loss`` returns.
    grad_input : ndarray
        Exactly what ``entmax_bisect_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    The map p of each row is computed once (one bisection) and gives both the loss and the
    gradient grad_output * (p - e_t), alpha held fixed; the operations are the loss's and the
    backward's, so both results are bit for bit theirs. torch equivalent: the ``entmax``
    package's ``EntmaxBisectLoss(alpha, n_iter)(x, t)`` for an ``x`` that requires grad, then
    ``loss.backward(grad_output)`` and ``x.grad``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[1.0, 0.8, -1.0], [0.0, 1.0, 3.0]])
    >>> loss, grad = F.entmax_bisect_loss_with_grad(x, np.array([0, 2]), alpha=2.0,
    ...                                             reduction="none")
    >>> loss.round(6)
    array([0.16, 0.  ])
    >>> grad.round(6)
    array([[-0.4,  0.4,  0. ],
           [ 0. ,  0. ,  0. ]])
    """
    if _dask.lazy(input, target, grad_output):
        return _dask.loss("entmax_bisect_loss_with_grad", locals())
    return _fy_loss_with_grad(input, target, _alpha_param(alpha), _n_iter_param(n_iter),
                              ignore_index, reduction, grad_output, "entmax_bisect_loss")


sparsemax_loss.__doc__ = _LOSS_DOC.format(
    title="Sparsemax loss", cls="SparsemaxLoss", map="sparsemax", alpha=2, extra="",
    raises="", name="sparsemax_loss")
sparsemax_loss.__doc__ += """
    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[1.0, 0.8, -1.0], [0.0, 1.0, 3.0]])
    >>> F.sparsemax_loss(x, np.array([0, 2]), reduction="none")
    array([0.16, 0.  ])
    """
entmax15_loss.__doc__ = _LOSS_DOC.format(
    title="1.5-entmax loss", cls="Entmax15Loss", map="entmax15", alpha=1.5, extra="",
    raises="", name="entmax15_loss")
entmax15_loss.__doc__ += """
    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[1.0, 0.8, -1.0], [0.0, 1.0, 3.0]])
    >>> F.entmax15_loss(x, np.array([0, 2]), reduction="none")
    array([0.29758651, 0.        ])
    """
for _bwd in (sparsemax_loss_backward, entmax15_loss_backward, entmax_bisect_loss_backward):
    _bwd.__doc__ = _bwd.__doc__.replace("{saved}", _SAVED_NOTE)
del _bwd

entmax_bisect_loss.__doc__ = _LOSS_DOC.format(
    title="alpha-entmax loss", cls="EntmaxBisectLoss", map="entmax_bisect", alpha="alpha",
    extra=_BISECT_EXTRA, raises=", alpha <= 1 or infinite, n_iter < 1", name="entmax_bisect_loss")
entmax_bisect_loss.__doc__ += """
    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[1.0, 0.8, -1.0], [0.0, 1.0, 3.0]])
    >>> F.entmax_bisect_loss(x, np.array([0, 2]), alpha=1.5, reduction="none")
    array([0.29758651, 0.        ])
    """


# ---- gumbel_softmax ------------------------------------------------------------------------------

def _gumbel_soft(logits, tau, dim, generator):
    """(the soft sample softmax((logits + g) / tau) in float64, the result dtype), g standard
    Gumbel noise -log(E), E ~ Exp(1) drawn in float64 from `generator` (E is kept above the
    smallest normal number, so g stays finite)."""
    x = as_array(logits, "logits")
    res_dtype = result_dtype(x.dtype, "logits")[0]
    t = real_param(tau, "tau")
    if not t > 0:
        raise ValueError(f"tau must be > 0, got {t}")
    if isinstance(dim, (bool, np.bool_)) or dim is None:
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    dim_index(dim, max(x.ndim, 1))
    e = _generator(generator).standard_exponential(x.shape)
    g = -np.log(np.maximum(e, np.finfo(F64).tiny))
    with np.errstate(invalid="ignore"):
        z = x.astype(F64) + g
    return softmax(z, dim, temperature=t), res_dtype


def _hard(y_soft, dim):
    """The one-hot of the argmax of y_soft along dim (the first at ties, as torch.argmax)."""
    shape = y_soft.shape if y_soft.ndim else (1,)
    y = y_soft.reshape(shape)
    d = dim_index(dim, len(shape))
    hard = np.zeros(shape, F64)
    if y.size:
        np.put_along_axis(hard, np.expand_dims(np.argmax(y, axis=d), d), 1.0, axis=d)
    return hard.reshape(y_soft.shape)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1, *, generator=None):
    """A sample of the Gumbel-softmax (Concrete) distribution (torch.nn.functional.gumbel_softmax).

    y = softmax((logits + g) / tau) along dim, g i.i.d. standard Gumbel noise; with
    ``hard=True`` the one-hot of its argmax (whose gradient is the soft sample's: the
    straight-through estimator).

    Parameters
    ----------
    logits : array_like
        Unnormalised log-probabilities; float32/float64 (float16 and integers as softmax).
    tau : float, default 1.0
        Temperature (> 0): small values give nearly one-hot samples.
    hard : bool, default False
        Return the one-hot of the sample's argmax (exactly 0 and 1).
    eps : float, default 1e-10
        Ignored; torch deprecated it and warns when it is not 1e-10, as here.
    dim : int, default -1
        The axis the categories run along.
    generator : numpy.random.Generator or int, optional
        Source of the noise (beyond torch, which uses its global generator): a Generator is
        advanced; an int seeds a new one, so the same seed gives the same sample; None draws
        from actloss's default Generator, seeded once per process from fresh entropy.

    Returns
    -------
    ndarray of the logits' shape and result dtype.

    Raises
    ------
    ValueError
        tau <= 0, dim out of range.
    TypeError
        A non-bool hard, a wrong generator, complex/object logits.

    Notes
    -----
    The argmax of a sample is distributed as softmax(logits) (the Gumbel-max trick), for any
    tau. The noise is drawn in float64 (the same seed gives the same sample in every dtype)
    and the softmax computed in float64. The gradient is ``gumbel_softmax_backward(
    grad_output, logits, tau, hard, eps, dim, y_soft=...)`` with the soft sample, or with the
    same int seed (or an equal Generator) as `generator` to redraw it.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.gumbel_softmax(np.log([0.2, 0.8]), hard=True, generator=0).sum()
    np.float64(1.0)
    """
    hard = bool_option(hard, "hard")
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", UserWarning,
                      stacklevel=2)
    y_soft, res_dtype = _gumbel_soft(logits, tau, dim, generator)
    return narrow(_hard(y_soft, dim) if hard else y_soft, res_dtype)


def gumbel_softmax_backward(grad_output, logits, tau=1.0, hard=False, eps=1e-10, dim=-1, *,
                            generator=None, y_soft=None):
    """Gradient of ``gumbel_softmax`` with respect to `logits`, the noise held fixed.

    ``y_soft(g - sum(g y_soft)) / tau`` along dim, y_soft the soft sample -- also for
    ``hard=True`` (straight-through: the one-hot's gradient is the soft sample's, as torch's
    ``y_hard - y_soft.detach() + y_soft``). Pass the soft sample as `y_soft` (the forward's
    result when hard=False; ``GumbelSoftmax`` keeps it), or the forward's int seed as
    `generator` to redraw the same noise. Raises as ``gumbel_softmax``, and ValueError for a
    grad_output or y_soft of another shape.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> logits = np.log([0.2, 0.8])
    >>> y = F.gumbel_softmax(logits, tau=0.5, generator=0)
    >>> g = F.gumbel_softmax_backward(np.array([1.0, 0.0]), logits, tau=0.5, y_soft=y)
    >>> bool(np.allclose(g, y * (np.array([1.0, 0.0]) - y[0]) / 0.5))
    True
    """
    bool_option(hard, "hard")
    x = as_array(logits, "logits")
    res_dtype = result_dtype(x.dtype, "logits")[0]
    if y_soft is None:
        y_soft = _gumbel_soft(x, tau, dim, generator)[0]
    else:
        y_soft = as_array(y_soft, "y_soft")
        if y_soft.shape != x.shape:
            raise ValueError(f"y_soft has shape {y_soft.shape}, expected {x.shape}")
    t = real_param(tau, "tau")
    if not t > 0:
        raise ValueError(f"tau must be > 0, got {t}")
    gy = as_array(grad_output, "grad_output")
    if gy.shape != x.shape:
        raise ValueError(f"grad_output has shape {gy.shape}, expected {x.shape}")
    return narrow(softmax_backward(gy.astype(F64), dim=dim, output=y_soft.astype(F64),
                                   temperature=t), res_dtype)
