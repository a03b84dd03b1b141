"""softmax, log_softmax and softmin over any dim, with their gradients.

Rows are computed by the row kernels of _kernels/al_softmax.h.tp: a stable max shift, sums in
double, and log_softmax's log-sum-exp as m + log1p(sum of the others) so the largest entry
keeps full accuracy. An optional `temperature` (beyond torch) divides the input first.
"""
import math
import warnings

import numpy as np

from . import _dispatch, _threads
from ._validate import (F16, F32, F64, KERNEL_INDEX, as_array, bool_option, check_out, copy_into,
                        dim_index, kernel_array, narrow, real_param, result_dtype)

# <generated: softmax_family.__all__>
__all__ = ["softmax", "softmax_backward", "log_softmax", "log_softmax_backward", "softmin",
           "softmin_backward", "logsumexp", "logsumexp_backward"]
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
    all -inf gives NaN (as torch). The gradient is ``softmax_backward(grad_output, input, dim,
    output=...)``.
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
    all -inf gives NaN (as torch). The gradient is ``log_softmax_backward(grad_output, input, dim,
    output=...)``.
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
    all -inf gives NaN (as torch). The gradient is ``softmin_backward(grad_output, input, dim,
    output=...)``.
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
    x = as_array(input)
    res_dtype, k_dtype = result_dtype(x.dtype)
    axes = _reduced_dims(dim, x.ndim)
    rows, kept = _rows(x, axes, k_dtype)
    outer, n, inner = rows.shape
    if rows.size:
        # the row kernel of cross_entropy with the maximum as target: its loss (m - x_t) + l is
        # then exactly l = log1p(sum of exp(x_j - m) over the others), in double
        top = rows.argmax(axis=1)  # NaN first: argmax puts NaN above everything
        m = np.take_along_axis(rows, top[:, None, :], 1).reshape(-1).astype(F64)
        l = np.empty(outer * inner, F64)
        _kernels().cross_entropy(KERNEL_INDEX[k_dtype], rows, top.astype(np.int64).reshape(-1),
                                 None, outer, n, inner, -1, 0.0, l, 0.0, None, 0, None,
                                 _threads.threads_for(rows.size, False))
        with np.errstate(invalid="ignore"):
            y = np.where(np.isinf(m), m, m + l)  # +-inf rows: l is NaN (inf - inf)
    else:
        y = np.full(outer * inner, -np.inf)
    shape = _result_shape(x.shape, axes, kept, keepdim)
    y = y.reshape(shape)
    if out is not None:
        check_out(out, shape, res_dtype)
        copy_into(out, y)
        return out
    return narrow(y, res_dtype)[()]  # a NumPy scalar when every axis is reduced, as np.sum


def logsumexp_backward(grad_output, input, dim, keepdim=False, *, out=None):
    """Gradient of ``logsumexp`` with respect to its input: grad_output (broadcast over the
    reduced axes) times the softmax of the input over them, in the input's result dtype.

    `grad_output` has logsumexp's result shape (with `keepdim` as given). Rows with +inf or
    NaN give NaN, as softmax does (and torch). Raises as ``logsumexp``, and ValueError for a
    grad_output of another shape.
    """
    keepdim = bool_option(keepdim, "keepdim")
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
