"""Similarity and distance tools with torch's signatures, and their gradients.

``normalize``, ``cosine_similarity`` and ``pairwise_distance`` (torch.nn.functional),
``pdist`` (torch.nn.functional.pdist, the condensed upper triangle), ``cdist`` (torch.cdist,
batched) and ``triplet_margin_with_distance_loss`` taking any of them, a name or a callable.
Each ``<name>_backward(grad_output, <the function's arguments>)`` returns the gradient of every
differentiable input (a tuple, in positional order, where there are two or three).

Policies shared by all of them (torch.nn.functional's, on NumPy):

* float32 and float64 are computed natively, float16 in float32 (returned float16); mixed float
  dtypes promote as ``np.result_type``; integer and bool inputs promote to float64; complex,
  object and string inputs raise TypeError; masked arrays are refused.
* Broadcasting where torch broadcasts: ``cosine_similarity`` and ``pairwise_distance`` broadcast
  ``x1`` with ``x2`` (the gradients are summed back to each argument's shape); ``cdist``
  broadcasts the batch dimensions.
* The C row kernels of the _rowwise_loss family compute, in double, ``pdist`` and ``cdist``'s
  direct path (and their gradients: float32 differences exact), ``normalize`` for p = 2 (and its
  gradient), ``cosine_similarity``'s value and ``pairwise_distance`` for p >= 0 (its difference
  rounded in the working dtype first, as torch): powers and sums in double, each result rounded
  once -- more accurate than torch's float32 arithmetic, so the two agree to float32's rounding,
  not bit for bit. The common call (C-contiguous float32/float64 ndarrays, the last axis,
  default options) goes to its kernel without further argument handling; any other layout is
  copied to rows first and gives the same bits. The rest is vectorised NumPy (BLAS for the
  matrix products) in the working dtype, as torch computes it.
* Subgradients follow torch's derivative formulas (checked against torch 2.13's autograd): a
  norm or distance of 0 passes a gradient of 0; the p-norm's ``inf`` derivative shares the
  gradient evenly among tied maxima (``linalg.vector_norm``), while ``pdist``/``cdist`` give each
  tied maximum the full gradient (``_cdist_backward``); see each function's Notes.
* Inputs are never modified.
"""
import functools
import math

import numpy as np

from . import _dask, _rowwise, _threads, embedding_losses
from ._validate import (KERNEL_INDEX, as_array, bool_option, check_out, check_reduction, copy_into,
                        dim_index, divide, kernel_array, narrow, promoted_dtype, real_param,
                        to_scalar, ufunc_result)

__all__ = ["normalize", "normalize_backward", "cosine_similarity", "cosine_similarity_backward",
           "pairwise_distance", "pairwise_distance_backward", "pdist", "pdist_backward",
           "cdist", "cdist_backward", "triplet_margin_with_distance_loss",
           "triplet_margin_with_distance_loss_backward"]

# torch.cdist's compute_mode names, and the row count above which its default uses the
# matrix-product expansion for p = 2 (ATen's cdist: "r1 > 25 || r2 > 25")
COMPUTE_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                 "donot_use_mm_for_euclid_dist")
MM_ROWS = 25


# ---- argument handling ----------------------------------------------------------------------

def _floats(*pairs):
    """The named arguments as arrays of the working dtype, and the result dtype."""
    arrays = [as_array(a, name) for a, name in pairs]
    res_dtype, work = promoted_dtype(*zip(arrays, (name for _, name in pairs)))
    return [a.astype(work, copy=False) for a in arrays], res_dtype


def _norm_order(p, name="p", nonnegative=False):
    p = real_param(p, name)
    if math.isnan(p):
        raise ValueError(f"{name} must be a number or +-inf, got nan")
    if nonnegative and p < 0:
        raise ValueError(f"{name} must be >= 0 (or inf), got {p}")
    return p


def _broadcast(x1, x2, names=("x1", "x2")):
    try:
        return np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ValueError(f"{names[0]} of shape {x1.shape} and {names[1]} of shape {x2.shape} "
                         f"do not broadcast") from None


def _unbroadcast(g, shape):
    """g summed over the axes along which an array of `shape` was broadcast to g.shape."""
    if g.shape == tuple(shape):
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and g.shape[lead + i] != 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape)


def _finish(a, res_dtype):
    return narrow(np.asarray(a), res_dtype)


def _grad_array(grad_output, shape, work, name="grad_output"):
    """grad_output broadcast to the output's shape in the working dtype (a scalar applies to
    every element; any other shape must be the output's)."""
    g = as_array(grad_output, name)
    if g.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real array, got dtype {g.dtype}")
    if g.ndim and g.shape != tuple(shape):
        raise ValueError(f"{name} has shape {g.shape}, expected {tuple(shape)} (the output's)")
    return np.broadcast_to(g.astype(work, copy=False), shape)


# ---- the p-norm along an axis and its derivative (torch.linalg.vector_norm) ---------------------

def _sumsq(v, axis):
    if axis == v.ndim - 1 and v.flags.c_contiguous:
        return np.einsum("...i,...i->...", v, v)[..., None]
    return np.sum(v * v, axis=axis, keepdims=True)


def _vector_norm(v, p, axis):
    """||v||_p along axis (kept): sum of |v|^p to the 1/p; 0 counts non-zeros, +-inf the
    largest / smallest |v|; negative p as torch (a zero component makes the norm 0)."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if p == 2.0:
            return np.sqrt(_sumsq(v, axis))
        if p == 1.0:
            return np.sum(np.abs(v), axis=axis, keepdims=True)
        if p == 0.0:
            return np.sum(v != 0, axis=axis, keepdims=True).astype(v.dtype)
        if math.isinf(p):
            if v.shape[axis] == 0:
                raise ValueError(f"the p={p} norm of an empty dimension is undefined (torch "
                                 f"raises too)")
            a = np.abs(v)
            return (np.max if p > 0 else np.min)(a, axis=axis, keepdims=True)
        s = np.sum(np.abs(v) ** p, axis=axis, keepdims=True)
        return s ** (1.0 / p)


def _vector_norm_grad(g, v, n, p, axis):
    """d||v||_p/dv times g (g and n kept along axis): torch's linalg_vector_norm_backward."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if p == 0.0:
            return np.zeros_like(v)
        if p == 1.0:
            return np.sign(v) * g
        if p == 2.0:
            # g / n on the reduced shape (0 where n = 0), then one pass over v
            return v * np.divide(g, n, out=np.zeros(np.broadcast_shapes(g.shape, n.shape),
                                                    v.dtype), where=n != 0)
        if math.isinf(p):
            a = np.abs(v)
            mask = (a == n) | np.isnan(a)
            return np.sign(v) * (g / np.sum(mask, axis=axis, keepdims=True)) * mask
        if p < 1.0:
            scaled = np.where(v == 0, 0, np.sign(v) * np.abs(v) ** (p - 1))
            return scaled * g * n ** (1 - p)
        scale = np.where(n == 0, 0, g / n ** (p - 1))
        return np.sign(v) * np.abs(v) ** (p - 1) * scale


def _with_axis(x, dim, name="dim"):
    """(x, axis): a 0-d x as a 1-vector (torch lets dim 0 / -1 address a 0-d tensor)."""
    if x.ndim == 0:
        dim_index(dim, 1, name)
        return x.reshape(1), 0
    return x, dim_index(dim, x.ndim, name)


# ---- the row kernels (p = 2 normalisation, cosine similarity, pairwise distances) -------------

def _kernel_rows(a, axis):
    """a (the working dtype) as C-contiguous rows (R, a.shape[axis]) with `axis` last: what the
    row kernels read (a view where a already is one)."""
    if axis != a.ndim - 1:
        a = np.moveaxis(a, axis, -1)
    return kernel_array(a).reshape(-1, a.shape[-1])


def _row_values(kernel, a, b, *params):
    """One value per row of a and b (one shape, (..., D), D > 0, the working dtype) from a
    row kernel, of shape (...)."""
    out = np.empty(a.shape[:-1], a.dtype)
    if out.size:
        getattr(_rowwise.kernels(), kernel)(KERNEL_INDEX[a.dtype], _kernel_rows(a, a.ndim - 1),
                                             _kernel_rows(b, b.ndim - 1), *params,
                                             out.reshape(-1), _threads.threads_for(a.size, True))
    return out


def _l2_normalize_rows(kernel, v, axis, *rest):
    """normalize's p = 2 forward (rest: eps) or backward (rest: the incoming gradient, eps)
    along axis from its row kernel, in v's dtype and shape (the norm in double, each result
    rounded once)."""
    rows = [_kernel_rows(a, axis) for a in (v,) + rest[:-1]]
    y = np.empty(rows[0].shape, v.dtype)
    if y.size:
        getattr(_rowwise.kernels(), kernel)(KERNEL_INDEX[v.dtype], *rows,
                                            *((None,) if len(rows) == 2 else ()), rest[-1], y,
                                            _threads.threads_for(y.size, True))
    moved = v.shape[:axis] + v.shape[axis + 1:] + v.shape[axis:axis + 1]
    return np.ascontiguousarray(np.moveaxis(y.reshape(moved), -1, axis))


def _plain_rows(*arrays):
    """dtype index of the common call: C-contiguous aligned float32/float64 ndarrays of one
    dtype and shape (at least 1-D, a non-empty last axis), else None."""
    a = arrays[0]
    if type(a) is not np.ndarray:
        return None
    dt = KERNEL_INDEX.get(a.dtype)
    if dt is None or not a.ndim or not a.shape[-1]:
        return None
    for b in arrays:
        if (type(b) is not np.ndarray or b.dtype is not a.dtype or b.shape != a.shape
                or not b.flags.c_contiguous or not b.flags.aligned):
            return None
    return dt


def _last_dim(dim, ndim):
    return type(dim) is int and (dim == -1 or dim == ndim - 1)


def _is_two(p):
    return (type(p) is float or type(p) is int) and p == 2


# ---- normalize --------------------------------------------------------------------------------

def _normalize_args(input, p, dim, eps):
    (x,), res_dtype = _floats((input, "input"))
    p = _norm_order(p)
    eps = real_param(eps, "eps")
    v, axis = _with_axis(x, dim)
    return x, v, axis, p, eps, res_dtype


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """Lp normalisation along a dimension (torch.nn.functional.normalize).

    Parameters
    ----------
    input : array_like
        Any shape; float32/float64 (float16 computed in float32).
    p : float, default 2.0
        The norm's exponent: any real, ``inf`` or ``-inf`` (0 counts non-zeros), as torch's
        ``linalg.vector_norm``.
    dim : int, default 1
        The dimension to normalise along (negative allowed; 0 or -1 for a 0-d input).
    eps : float, default 1e-12
        Lower bound of the divisor.
    out : ndarray, optional
        Written with the result (input's shape, result dtype); may be the input itself.

    Returns
    -------
    ndarray
        ``input / max(||input||_p, eps)``, the norm taken along `dim`.

    Raises
    ------
    TypeError
        A non-real input or parameter.
    ValueError
        `dim` out of range, a NaN `p`, a bad `out`.

    Notes
    -----
    ``y = x / d`` with ``d = max(n, eps)``, ``n = ||x||_p`` along `dim`. The gradient
    (``normalize_backward``) is torch's: ``g / d - (sum(g x) / d^2) dn/dx``, where the clamp
    passes the gradient to ``n`` only where ``n >= eps``, so a zero (or tiny) row has gradient
    ``g / eps``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.normalize(np.array([[3.0, 4.0]]))
    array([[0.6, 0.8]])
    """
    if _is_two(p) and type(eps) is float and eps == eps:
        # the common call in one kernel call, without the argument handling below: out= a
        # plain array of the result's dtype and shape (not overlapping the input: in place
        # goes the general way)
        dt = _plain_rows(input)
        if (dt is not None and _last_dim(dim, input.ndim)
                and (out is None or _plain_rows(input, out) is not None
                     and out.flags.writeable and not np.may_share_memory(input, out))):
            y = np.empty(input.shape, input.dtype) if out is None else out
            n = input.shape[-1]
            _rowwise.kernels().normalize_fwd(dt, input.reshape(-1, n), eps, y.reshape(-1, n),
                                             _threads.threads_for(input.size, True))
            return y
    x, v, axis, p, eps, res_dtype = _normalize_args(input, p, dim, eps)
    if out is not None:
        check_out(out, x.shape, res_dtype)
    if p == 2.0 and eps == eps and v.shape[axis]:
        y = _l2_normalize_rows("normalize_fwd", v, axis, eps).reshape(x.shape)
        if out is not None:
            copy_into(out, y)
            return out
        return _finish(y, res_dtype)
    n = _vector_norm(v, p, axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.maximum(n, eps)
        if out is not None and out.dtype == v.dtype and x.ndim:
            return np.divide(v, d, out=out)  # straight into out (which may be the input)
        y = (v / d).reshape(x.shape)
    if out is not None:
        copy_into(out, y)
        return out
    return _finish(y, res_dtype)


def normalize_backward(grad_output, input, p=2.0, dim=1, eps=1e-12):
    """Gradient of :func:`normalize` with respect to `input` (its shape and result dtype).

    Parameters
    ----------
    grad_output : array_like
        Of the input's shape (a scalar applies to every element).
    input, p, dim, eps
        As for :func:`normalize`.

    Notes
    -----
    ``dx = g / d - [n >= eps] (sum(g x) / d^2) dn/dx`` along `dim`, ``dn/dx`` the p-norm's
    derivative as torch takes it (0 at a zero norm; ``sign(x)`` for p = 1; tied maxima share
    evenly for p = inf; 0 for p = 0).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.normalize_backward(np.array([[1.0, 0.0]]), np.array([[3.0, 4.0]]))
    array([[ 0.128, -0.096]])
    """
    x, v, axis, p, eps, res_dtype = _normalize_args(input, p, dim, eps)
    g = _grad_array(grad_output, x.shape, v.dtype).reshape(v.shape)
    if p == 2.0 and eps == eps and v.shape[axis]:
        return _finish(_l2_normalize_rows("normalize_bwd", v, axis, g, eps).reshape(x.shape),
                       res_dtype)
    n = _vector_norm(v, p, axis)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        d = np.maximum(n, eps)
        gd = -np.sum(g * v, axis=axis, keepdims=True) / (d * d)
        gn = np.where(n >= eps, gd, 0)
        gx = g / d + _vector_norm_grad(gn, v, n, p, axis)
    return _finish(gx.reshape(x.shape), res_dtype)


# ---- cosine_similarity ------------------------------------------------------------------------

def _cosine_args(x1, x2, dim, eps):
    (a, b), res_dtype = _floats((x1, "x1"), (x2, "x2"))
    shape = _broadcast(a, b)
    eps = real_param(eps, "eps")
    if len(shape) == 0:
        dim_index(dim, 1)
        a, b, axis = a.reshape(1), b.reshape(1), 0
    else:
        axis = dim_index(dim, len(shape))
        a, b = np.broadcast_to(a, shape), np.broadcast_to(b, shape)
    return a, b, axis, eps, res_dtype


def _cosine_parts(a, b, axis, eps):
    n1, n2 = np.sqrt(_sumsq(a, axis)), np.sqrt(_sumsq(b, axis))
    c1, c2 = np.maximum(n1, eps), np.maximum(n2, eps)
    if axis == a.ndim - 1 and a.flags.c_contiguous and b.flags.c_contiguous:
        dot = np.einsum("...i,...i->...", a, b)[..., None]
    else:
        dot = np.sum(a * b, axis=axis, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = dot / c1 / c2
    return n1, n2, c1, c2, cos


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine similarity along a dimension (torch.nn.functional.cosine_similarity).

    Parameters
    ----------
    x1, x2 : array_like
        Broadcastable to one shape; `dim` refers to that shape.
    dim : int, default 1
        The dimension to reduce (negative allowed; 0 or -1 for 0-d inputs).
    eps : float, default 1e-8
        Lower bound of each norm.

    Returns
    -------
    ndarray or NumPy scalar
        The broadcast shape without `dim` (a NumPy scalar for a 0-d result).

    Raises
    ------
    TypeError
        Non-real inputs or parameters.
    ValueError
        Shapes that do not broadcast, `dim` out of range.

    Notes
    -----
    torch's eps rule (since 1.12): each input is divided by its own clamped norm,
    ``cos = sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps))`` (here as ``sum(x1 x2)``
    divided by the two clamped norms, the same value up to rounding). The gradient is torch's:
    its clamp runs without autograd, so ``dcos/dx1 = (x2 / c2 - cos x1 / ||x1||) / c1`` with
    ``c = max(||x||, eps)`` and the second term 0 where ``||x1|| = 0``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> float(F.cosine_similarity(np.array([1.0, 0.0]), np.array([1.0, 1.0]), dim=0))
    0.7071067811865475
    """
    if type(eps) is float and eps == eps and _last_dim(dim, np.ndim(x1)):
        dt = _plain_rows(x1, x2)
        if dt is not None:  # the common call in one kernel call
            out = np.empty(x1.shape[:-1], x1.dtype)
            n = x1.shape[-1]
            _rowwise.kernels().cosine_sim_fwd(dt, x1.reshape(-1, n), x2.reshape(-1, n), eps,
                                              out.reshape(-1), _threads.threads_for(x1.size, True))
            return ufunc_result(out)
    a, b, axis, eps, res_dtype = _cosine_args(x1, x2, dim, eps)
    return ufunc_result(_finish(_cosine_value(a, b, axis, eps), res_dtype))


def _cosine_value(a, b, axis, eps):
    """cosine_similarity of a and b (broadcast to one shape) along axis: the row kernel's."""
    if not a.shape[axis] or eps != eps:  # (the kernel's clamp would drop a NaN eps)
        return np.squeeze(_cosine_parts(a, b, axis, eps)[-1], axis)
    if axis != a.ndim - 1:
        a, b = np.moveaxis(a, axis, -1), np.moveaxis(b, axis, -1)
    return _row_values("cosine_sim_fwd", a, b, eps)


def cosine_similarity_backward(grad_output, x1, x2, dim=1, eps=1e-8):
    """Gradients ``(grad_x1, grad_x2)`` of :func:`cosine_similarity`, each of its argument's
    shape (summed over broadcast dimensions) and result dtype.

    Notes
    -----
    ``grad_x1 = g (x2 / c2 - cos x1 / ||x1||) / c1`` (0 for the second term where
    ``||x1|| = 0``), symmetrically for x2; ``c = max(||x||, eps)``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x1, x2 = np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]])
    >>> gx1, gx2 = F.cosine_similarity_backward(np.ones(1), x1, x2)
    >>> gx1
    array([[0.        , 0.70710678]])
    >>> gx2
    array([[ 0.35355339, -0.35355339]])
    """
    if type(eps) is float and eps == eps and _last_dim(dim, np.ndim(x1)):
        dt = _plain_rows(x1, x2)
        if dt is not None and _plain_row_values(grad_output, x1):
            return _row_grads("cosine_sim_bwd", x1, x2, grad_output, eps)  # the common call
    return _cosine_vjp(x1, x2, dim, eps, with_value=False)[1](grad_output)


def _grads(grads, arrays, names):
    """Each gradient (of the broadcast shape) summed to its argument's shape, in that
    argument's result dtype."""
    out = []
    for g, a, name in zip(grads, arrays, names):
        a = as_array(a, name)
        out.append(_finish(_unbroadcast(g, a.shape), promoted_dtype((a, name))[0]))
    return tuple(out)


# ---- pairwise_distance -----------------------------------------------------------------------

def _pairwise_args(x1, x2, p, eps, keepdim):
    (a, b), res_dtype = _floats((x1, "x1"), (x2, "x2"))
    shape = _broadcast(a, b)
    p = _norm_order(p)
    eps = real_param(eps, "eps")
    keepdim = bool_option(keepdim, "keepdim")
    # 0-d inputs as one row of one component
    a, b = (np.broadcast_to(c, shape).reshape(shape or (1,)) for c in (a, b))
    return a, b, shape, p, keepdim, res_dtype


def _difference(a, b, eps):
    """a - b + eps, eps rounded to the working dtype, as torch adds a Python scalar to a
    tensor."""
    with np.errstate(over="ignore", invalid="ignore"):
        v = np.subtract(a, b)
        return np.add(v, a.dtype.type(eps), out=v)


def _pair_norms(a, b, v, p, eps):
    """||a - b + eps||_p along the last axis (kept), v the difference if already formed: the
    row kernel's for p >= 0 (its difference rounded as v), else NumPy's."""
    if p >= 0 and a.shape[-1]:
        return _row_values("pairwise_fwd", a, b, p, eps)[..., None]
    v = _difference(a, b, eps) if v is None else v
    return _vector_norm(v, p, v.ndim - 1)


def _out_shape(shape, keepdim):
    if not shape:
        return ()
    return shape[:-1] + (1,) if keepdim else shape[:-1]


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """Distance between the rows of two arrays (torch.nn.functional.pairwise_distance).

    Parameters
    ----------
    x1, x2 : array_like
        Broadcastable to one shape ``(..., D)``; the norm is taken along its last dimension.
    p : float, default 2.0
        The norm's exponent: any real, ``inf`` or ``-inf`` (0 counts non-zeros), as torch.
    eps : float, default 1e-6
        Added to the difference before the norm (as torch).
    keepdim : bool, default False
        Keep the reduced dimension (size 1).

    Returns
    -------
    ndarray or NumPy scalar
        ``||x1 - x2 + eps||_p`` along the last dimension.

    Raises
    ------
    TypeError
        Non-real inputs or parameters, a non-bool keepdim.
    ValueError
        Shapes that do not broadcast, a NaN `p`.

    Notes
    -----
    The difference is rounded in the working dtype, then ``+ eps``, as torch. Gradients
    (``pairwise_distance_backward``) follow torch's norm derivative: 0 where the distance is 0
    (p >= 1), ``sign(v)`` for p = 1, shared evenly among tied maxima for p = +-inf, 0 for
    p = 0 and for zero components when p < 1.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.pairwise_distance(np.array([[3.0, 4.0]]), np.zeros((1, 2)), eps=0.0)
    array([5.])
    """
    if type(eps) is float and keepdim is False and _is_two(p):
        dt = _plain_rows(x1, x2)
        if dt is not None:  # the common call in one kernel call
            out = np.empty(x1.shape[:-1], x1.dtype)
            n = x1.shape[-1]
            _rowwise.kernels().pairwise_fwd(dt, x1.reshape(-1, n), x2.reshape(-1, n), 2.0, eps,
                                            out.reshape(-1), _threads.threads_for(x1.size, True))
            return ufunc_result(out)
    a, b, shape, p, keepdim, res_dtype = _pairwise_args(x1, x2, p, eps, keepdim)
    n = _pair_norms(a, b, None, p, eps).reshape(_out_shape(shape, keepdim))
    return ufunc_result(_finish(n, res_dtype))


def pairwise_distance_backward(grad_output, x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """Gradients ``(grad_x1, grad_x2)`` of :func:`pairwise_distance` (``grad_x2 = -grad_x1``
    before summing over broadcast dimensions), each of its argument's shape and result dtype.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x1, x2 = np.array([[3.0, 4.0]]), np.zeros((1, 2))
    >>> gx1, gx2 = F.pairwise_distance_backward(np.ones(1), x1, x2, eps=0.0)
    >>> gx1
    array([[0.6, 0.8]])
    >>> gx2
    array([[-0.6, -0.8]])
    """
    if type(eps) is float and keepdim is False and _is_two(p):
        dt = _plain_rows(x1, x2)
        if dt is not None and _plain_row_values(grad_output, x1):
            return _row_grads("pairwise_bwd", x1, x2, grad_output, 2.0, eps)  # the common call
    return _pairwise_vjp(x1, x2, p, eps, keepdim)[1](grad_output)


def _plain_row_values(g, x):
    """g is an ndarray of x's dtype with one value per row of x (a common call's
    grad_output)."""
    return type(g) is np.ndarray and g.dtype is x.dtype and g.shape == x.shape[:-1]


def _row_grads(kernel, a, b, g, *params):
    """The gradients (with respect to a and b) of a row kernel's values along the last axis
    times g, from its backward `kernel` (pairwise_bwd: params p, eps; cosine_sim_bwd: eps): a
    and b of one shape (..., D), D > 0, in the working dtype; g one value per row or one for
    all."""
    ga, gb = np.empty(a.shape, a.dtype), np.empty(a.shape, a.dtype)
    n = a.shape[-1]
    g = np.ascontiguousarray(g, np.float64).reshape(-1)
    getattr(_rowwise.kernels(), kernel)(KERNEL_INDEX[a.dtype], _kernel_rows(a, a.ndim - 1),
                                        _kernel_rows(b, b.ndim - 1), *params, g,
                                        ga.reshape(-1, n), gb.reshape(-1, n),
                                        _threads.threads_for(a.size, True))
    return ga, gb


def _pairwise_vjp(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """(pairwise_distance(x1, x2, ...), its pullback g -> (grad_x1, grad_x2)) from one pass."""
    a, b, shape, p, keepdim, res_dtype = _pairwise_args(x1, x2, p, eps, keepdim)
    rows = p >= 0 and a.shape[-1]  # the row kernels', else NumPy's norm and derivative
    v = None if rows else _difference(a, b, eps)
    n = _pair_norms(a, b, v, p, eps)  # the forward's, bit for bit
    out_shape = _out_shape(shape, keepdim)

    def pullback(grad_output):
        g = _grad_array(grad_output, out_shape, a.dtype).reshape(n.shape)
        if rows:
            ga, gb = _row_grads("pairwise_bwd", a, b, g, p, eps)
        else:
            ga = _vector_norm_grad(g, v, n, p, v.ndim - 1)
            gb = np.negative(ga)
        return _grads((ga.reshape(shape), gb.reshape(shape)), (x1, x2), ("x1", "x2"))

    return _finish(n.reshape(out_shape), res_dtype), pullback


def _cosine_vjp(x1, x2, dim=1, eps=1e-8, *, sign=1.0, offset=0.0, with_value=True):
    """(offset + sign * cosine_similarity(x1, x2, dim, eps), its pullback); the value None
    where the caller needs only the pullback (with_value=False)."""
    a, b, axis, eps, res_dtype = _cosine_args(x1, x2, dim, eps)
    value_shape = a.shape[:axis] + a.shape[axis + 1:]
    rows = a.shape[axis] and eps == eps  # the row kernel's (its clamp would drop a NaN eps)

    def pullback(grad_output):
        g = sign * _grad_array(grad_output, value_shape, a.dtype)
        if rows:
            g1, g2 = (np.moveaxis(r, -1, axis) for r in _row_grads(
                "cosine_sim_bwd", np.moveaxis(a, axis, -1), np.moveaxis(b, axis, -1), g, eps))
        else:
            n1, n2, c1, c2, cos = _cosine_parts(a, b, axis, eps)
            g = np.expand_dims(g, axis)
            with np.errstate(divide="ignore", invalid="ignore"):
                r1 = np.where(n1 == 0, 0, cos / n1)
                r2 = np.where(n2 == 0, 0, cos / n2)
                g1 = (g / c1) * (b / c2 - r1 * a)
                g2 = (g / c2) * (a / c1 - r2 * b)
        return _grads((g1, g2), (x1, x2), ("x1", "x2"))

    if not with_value:
        return None, pullback
    value = _cosine_value(a, b, axis, eps)  # the forward's, bit for bit
    return _finish(offset + sign * value, res_dtype), pullback


# ---- cdist and pdist -------------------------------------------------------------------------

def _kernel_args(*arrays):
    """The arrays as the kernels read them (C-contiguous, aligned) and their dtype index."""
    return [kernel_array(a) for a in arrays], KERNEL_INDEX[arrays[0].dtype]


def _pairs_threads(pairs, m, p):
    """Threads for pairs x m component terms: the cheap cut-off for the norms without a
    power, the transcendental one for general p."""
    return _threads.threads_for(pairs * max(m, 1), p in (0.0, 1.0, 2.0, math.inf))


def _direct(a, b, p):
    """Distances of every row of a (B, P, M) to every row of b (B, R, M) of the same batch,
    (B, P, R), from their differences (the C kernel, in double)."""
    nb, P, R, M = a.shape[0], a.shape[1], b.shape[1], a.shape[2]
    out = np.empty((nb, P, R), a.dtype)
    if out.size == 0:
        return out
    (fa, fb), dt = _kernel_args(a.reshape(nb * P, M), b.reshape(nb * R, M))
    _rowwise.kernels().cdist_fwd(dt, fa, fb, nb, p, out.reshape(nb * P, R),
                                 _pairs_threads(out.size, M, p))
    return out


def _direct_grads(g, a, b, dist, p):
    """(d/d a, d/d b) of sum(g * dist) over the batches of a (B, P, M), b (B, R, M): torch's
    _cdist_backward (0 where the distance is 0; each tied maximum gets the full gradient for
    p = inf; 0 for p = 0 and for zero components when p < 1)."""
    nb, P, R, M = a.shape[0], a.shape[1], b.shape[1], a.shape[2]
    ga, gb = np.zeros(a.shape, a.dtype), np.zeros(b.shape, a.dtype)
    if g.size == 0 or M == 0:
        return ga, gb
    (fa, fb, fd, fg), dt = _kernel_args(a.reshape(nb * P, M), b.reshape(nb * R, M), dist, g)
    n_threads = _pairs_threads(g.size, M, p)
    K = _rowwise.kernels()
    K.cdist_bwd(dt, fa, fb, nb, p, fd, fg, False, ga.reshape(nb * P, M), n_threads)
    K.cdist_bwd(dt, fb, fa, nb, p, fd, fg, True, gb.reshape(nb * R, M), n_threads)
    return ga, gb


def _uses_mm(p, P, R, mode):
    return p == 2.0 and (mode == COMPUTE_MODES[1] or (mode == COMPUTE_MODES[0]
                                                      and (P > MM_ROWS or R > MM_ROWS)))


def _mm_dist(a, b):
    """torch's _euclidean_dist: one BLAS product of [-2a, ||a||^2, 1] and [b, 1, ||b||^2] gives
    ||a||^2 + ||b||^2 - 2 a.b (the -2 scaling is exact), then clamped at 0 and square-rooted
    in place; batched over leading dimensions."""
    ones_a = np.ones(a.shape[:-1] + (1,), a.dtype)
    ones_b = np.ones(b.shape[:-1] + (1,), b.dtype)
    aa = np.einsum("...i,...i->...", a, a)[..., None]
    bb = np.einsum("...i,...i->...", b, b)[..., None]
    left = np.concatenate([a * a.dtype.type(-2), aa, ones_a], axis=-1)
    right = np.concatenate([b, ones_b, bb], axis=-1)
    r = np.matmul(left, np.swapaxes(right, -1, -2))
    np.maximum(r, 0, out=r)
    return np.sqrt(r, out=r)


def _cdist_args(x1, x2, p, compute_mode):
    (a, b), res_dtype = _floats((x1, "x1"), (x2, "x2"))
    p = _norm_order(p, nonnegative=True)
    if compute_mode not in COMPUTE_MODES:
        raise ValueError(f"compute_mode must be one of {', '.join(map(repr, COMPUTE_MODES))}, "
                         f"got {compute_mode!r}")
    for x, name in ((a, "x1"), (b, "x2")):
        if x.ndim < 2:
            raise ValueError(f"cdist expects {name} with at least 2 dimensions (..., rows, "
                             f"columns), got shape {x.shape}")
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"x1 and x2 must have the same number of columns, got x1 shape "
                         f"{a.shape} and x2 shape {b.shape}")
    try:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"the batch dimensions of x1 {a.shape[:-2]} and x2 {b.shape[:-2]} do "
                         f"not broadcast") from None
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    mm = _uses_mm(p, a.shape[-2], b.shape[-2], compute_mode) and a.size and b.size
    return a, b, batch, p, bool(mm), res_dtype


def _cdist(a, b, p, mm):
    P, R, M = a.shape[-2], b.shape[-2], a.shape[-1]
    if mm:
        return _mm_dist(a, b)
    nb = math.prod(a.shape[:-2])
    out = _direct(a.reshape(nb, P, M), b.reshape(nb, R, M), p)
    return out.reshape(a.shape[:-1] + (R,))


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Distances between every row of x1 and every row of x2 (torch.cdist).

    Parameters
    ----------
    x1 : array_like, shape (B..., P, M)
    x2 : array_like, shape (B..., R, M)
        The batch dimensions ``B...`` broadcast.
    p : float, default 2.0
        ``p >= 0`` or ``inf``: 0 counts differing components, 1 Manhattan, 2 Euclidean, inf
        Chebyshev, any other ``(sum |d|^p)^(1/p)``.
    compute_mode : str, default 'use_mm_for_euclid_dist_if_necessary'
        torch's: for p = 2 the matrix-product expansion is used when P > 25 or R > 25
        (default), always (``'use_mm_for_euclid_dist'``) or never
        (``'donot_use_mm_for_euclid_dist'``).

    Returns
    -------
    ndarray, shape (B..., P, R)

    Raises
    ------
    TypeError
        Non-real inputs or p.
    ValueError
        Fewer than 2 dimensions, different column counts, batch dimensions that do not
        broadcast, ``p < 0``, an unknown compute_mode.

    Notes
    -----
    The matrix-product path computes ``sqrt(max(||a||^2 + ||b||^2 - 2 a.b, 0))`` with one BLAS
    product as torch does; its absolute error in the squared distance is about
    ``eps(dtype) * (||a||^2 + ||b||^2)`` (float32: ~1e-7 relative to the squared norms), so
    near-coincident rows come out with a distance of order ``sqrt(eps) ||a||`` rather than 0 --
    in torch as here, which is why the results of the two agree to that tolerance, not bit for
    bit. The other paths take the differences of every pair in a C kernel, in double (float32
    differences exact, their powers summed in double: more accurate than torch's float32
    arithmetic), split over threads by rows of x1.
    Gradients (``cdist_backward``) are torch's: on the matrix-product path
    ``grad_x1 = x1 * sum_r(g / d) - (g / d) @ x2`` (``g / d`` set to 0 where ``d = 0``); on
    the direct path per pair, 0 where the distance is 0, ``sign(diff)`` for p = 1, the full
    gradient to every tied maximum for p = inf, 0 for p = 0 and for zero components when
    ``p < 1``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.cdist(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0], [1.0, 0.0]]))
    array([[5., 1.]])
    """
    if ((type(p) is float or type(p) is int) and p >= 0 and compute_mode == COMPUTE_MODES[0]
            and _plain_matrix(x1) and _plain_matrix(x2) and x2.dtype is x1.dtype
            and x1.shape[1] == x2.shape[1] and not (p == 2 and max(len(x1), len(x2)) > MM_ROWS)):
        # the common call on the direct path: no argument handling beyond these tests
        out = np.empty((len(x1), len(x2)), x1.dtype)
        if out.size:
            _rowwise.kernels().cdist_fwd(KERNEL_INDEX[x1.dtype], x1, x2, 1, p, out,
                                         _pairs_threads(out.size, x1.shape[1], p))
        return out
    a, b, batch, p, mm, res_dtype = _cdist_args(x1, x2, p, compute_mode)
    return _finish(_cdist(a, b, p, mm), res_dtype)


def _cdist_grads(g, a, b, dist, p, mm):
    """(d/d a, d/d b) of sum(g * cdist(a, b)) on the broadcast batch shapes."""
    if mm:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ratio = np.divide(g, dist, dtype=a.dtype)
        ratio[dist == 0] = 0  # (twice as fast as a masked divide)
        ga = np.matmul(ratio, b)
        np.subtract(a * ratio.sum(-1)[..., None], ga, out=ga)
        gb = np.matmul(np.swapaxes(ratio, -1, -2), a)
        np.subtract(b * ratio.sum(-2)[..., None], gb, out=gb)
        return ga, gb
    P, R, M = a.shape[-2], b.shape[-2], a.shape[-1]
    nb = math.prod(a.shape[:-2])
    ga, gb = _direct_grads(g.reshape(nb, P, R), a.reshape(nb, P, M), b.reshape(nb, R, M),
                           dist.reshape(nb, P, R), p)
    return ga.reshape(a.shape), gb.reshape(b.shape)


def _saved_output(output, shape, work):
    """The forward result passed as output= (skips recomputing it), in the working dtype."""
    y = as_array(output, "output")
    if y.dtype.kind != "f":
        raise TypeError(f"output must be a floating array (the forward's result), got dtype "
                        f"{y.dtype}")
    if y.shape != tuple(shape):
        raise ValueError(f"output has shape {y.shape}, expected {tuple(shape)} (the forward's)")
    return y.astype(work, copy=False)


def cdist_backward(grad_output, x1, x2, p=2.0,
                   compute_mode="use_mm_for_euclid_dist_if_necessary", *, output=None):
    """Gradients ``(grad_x1, grad_x2)`` of :func:`cdist`, each of its argument's shape (summed
    over broadcast batch dimensions) and result dtype; see :func:`cdist`'s Notes.

    ``output=``: the forward's result ``cdist(x1, x2, p, compute_mode)``, which the gradient
    is computed from; given, it is not recomputed (beyond torch.cdist's signature, as the
    other backwards' ``output=``).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x1, x2 = np.array([[0.0, 0.0]]), np.array([[3.0, 4.0], [1.0, 0.0]])
    >>> gx1, gx2 = F.cdist_backward(np.ones((1, 2)), x1, x2)
    >>> gx1
    array([[-1.6, -0.8]])
    >>> gx2
    array([[0.6, 0.8],
           [1. , 0. ]])
    """
    if ((type(p) is float or type(p) is int) and p >= 0 and compute_mode == COMPUTE_MODES[0]
            and _plain_matrix(x1) and _plain_matrix(x2) and x2.dtype is x1.dtype
            and x1.shape[1] == x2.shape[1] and _plain_matrix(grad_output)
            and grad_output.dtype is x1.dtype and grad_output.shape == (len(x1), len(x2))
            and (output is None or (_plain_matrix(output) and output.dtype is x1.dtype
                                    and output.shape == grad_output.shape))):
        # the common call: cdist's own common case, grad_output (and output) plain like it
        dist = cdist(x1, x2, p) if output is None else output
        return _cdist_grads(grad_output, x1, x2, dist, float(p),
                            p == 2 and max(len(x1), len(x2)) > MM_ROWS)
    a, b, batch, p, mm, _ = _cdist_args(x1, x2, p, compute_mode)
    shape = batch + (a.shape[-2], b.shape[-2])
    dist = _cdist(a, b, p, mm) if output is None else _saved_output(output, shape, a.dtype)
    g = _grad_array(grad_output, dist.shape, a.dtype)
    ga, gb = _cdist_grads(g, a, b, dist, p, mm)
    return _grads((ga, gb), (x1, x2), ("x1", "x2"))


def _plain_matrix(x):
    """A C-contiguous aligned 2-D float32/float64 ndarray: what the distance kernels read."""
    if type(x) is not np.ndarray or x.ndim != 2 or x.dtype not in KERNEL_INDEX:
        return False
    flags = x.flags
    return flags.c_contiguous and flags.aligned


def _pdist_args(input, p):
    (x,), res_dtype = _floats((input, "input"))
    if x.ndim != 2:
        raise ValueError(f"pdist expects a 2-D input (N, M), got shape {x.shape}")
    p = _norm_order(p, nonnegative=True)
    return x, p, res_dtype


def pdist(input, p=2):
    """Distances between the rows of a matrix, condensed (torch.nn.functional.pdist).

    Parameters
    ----------
    input : array_like, shape (N, M)
    p : float, default 2
        ``p >= 0`` or ``inf``, as for :func:`cdist`.

    Returns
    -------
    ndarray, shape (N (N - 1) / 2,)
        ``d(x_i, x_j)`` for ``i < j`` in row-major order (``scipy.spatial.distance.pdist``'s
        order).

    Raises
    ------
    TypeError
        A non-real input or p.
    ValueError
        An input that is not 2-D, ``p < 0``.

    Notes
    -----
    Computed from the row differences (never the matrix-product expansion, as torch) in a C
    kernel that writes the condensed triangle directly, in double (float32 differences exact,
    their powers summed in double); the rows are split over threads so that each gets about as
    many pairs. The gradient (``pdist_backward``) is torch's ``_pdist_backward``:
    0 where a distance is 0, the full gradient to every tied maximum for p = inf, 0 for p = 0.
    float32 input is therefore more accurate than torch's (float32 sums), not bit-identical.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.pdist(np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
    array([5.        , 1.        , 4.24264069])
    """
    if (type(p) is float or type(p) is int) and p >= 0 and _plain_matrix(input):
        # the common call: no argument handling beyond these tests
        n, m = input.shape
        out = np.empty(n * (n - 1) // 2, input.dtype)
        if out.size:
            _rowwise.kernels().pdist_fwd(KERNEL_INDEX[input.dtype], input, p, out,
                                         _pairs_threads(out.size, m, p))
        return out
    x, p, res_dtype = _pdist_args(input, p)
    n, m = x.shape
    out = np.empty(n * (n - 1) // 2, x.dtype)
    if out.size:
        (fx,), dt = _kernel_args(x)
        _rowwise.kernels().pdist_fwd(dt, fx, p, out, _pairs_threads(out.size, m, p))
    return _finish(out, res_dtype)


def pdist_backward(grad_output, input, p=2, *, output=None):
    """Gradient of :func:`pdist` with respect to `input` (its shape and result dtype).

    ``output=``: the forward's result ``pdist(input, p)``; given, it is not recomputed.

    Notes
    -----
    Each row's gradient is ``sum_{j != i} g_ij d d(x_i, x_j) / d x_i`` with torch's conventions
    (see :func:`pdist`), ``g_ij`` read from the condensed gradient (no (N, N) matrix is formed),
    summed in double over j in order (the same for any thread count).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x = np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]])
    >>> F.pdist_backward(np.array([1.0, 0.0, 0.0]), x)
    array([[-0.6, -0.8],
           [ 0.6,  0.8],
           [ 0. ,  0. ]])
    """
    x, p, res_dtype = _pdist_args(input, p)
    n, m = x.shape
    pairs = n * (n - 1) // 2
    g = _grad_array(grad_output, (pairs,), x.dtype)
    gx = np.zeros(x.shape, x.dtype)
    if pairs and m:
        dist = pdist(x, p) if output is None else _saved_output(output, (pairs,), x.dtype)
        (fx, fd, fg), dt = _kernel_args(x, dist, g)
        _rowwise.kernels().pdist_bwd(dt, fx, p, fd, fg, gx, _pairs_threads(2 * pairs, m, p))
    elif output is not None:
        _saved_output(output, (pairs,), x.dtype)
    return _finish(gx, res_dtype)


# ---- triplet_margin_with_distance_loss -------------------------------------------------------

DISTANCE_NAMES = ("euclidean", "manhattan", "cosine")


def _named_distance(name):
    """(forward, vjp) of a distance_function name."""
    if name == "euclidean":
        return pairwise_distance, _pairwise_vjp
    if name == "manhattan":
        return (functools.partial(pairwise_distance, p=1.0),
                functools.partial(_pairwise_vjp, p=1.0))
    if name == "cosine":
        return (lambda x1, x2: 1.0 - cosine_similarity(x1, x2, dim=-1),
                functools.partial(_cosine_vjp, dim=-1, sign=-1.0, offset=1.0))
    raise ValueError(f"distance_function must be a callable, None or one of "
                     f"{', '.join(map(repr, DISTANCE_NAMES))}, got {name!r}")


def _generic_vjp(fn, backward):
    """vjp of a distance callable: its value and, given a backward, its pullback."""
    def vjp(x1, x2):
        pull = None if backward is None else (lambda g: backward(g, x1, x2))
        return fn(x1, x2), pull
    return vjp


def _distance(distance_function):
    """(forward, vjp) of a distance_function argument: vjp(x1, x2) -> (distance, pullback g ->
    (grad_x1, grad_x2), or None where the gradient is unknown)."""
    if distance_function is None:
        return pairwise_distance, _pairwise_vjp
    if isinstance(distance_function, str):
        return _named_distance(distance_function)
    if isinstance(distance_function, tuple):
        if len(distance_function) != 2 or not all(map(callable, distance_function)):
            raise TypeError("distance_function given as a tuple must be (function, backward): "
                            "two callables, backward(grad_output, x1, x2) -> (grad_x1, grad_x2)")
        return distance_function[0], _generic_vjp(*distance_function)
    if not callable(distance_function):
        raise TypeError(f"distance_function must be a callable, None, a name or a (function, "
                        f"backward) pair, got {type(distance_function).__name__}")
    fn = distance_function
    vjps = {pairwise_distance: _pairwise_vjp, cosine_similarity: _cosine_vjp}
    if fn in vjps:
        return fn, vjps[fn]
    if isinstance(fn, functools.partial) and fn.func in vjps and not fn.args:
        return fn, functools.partial(vjps[fn.func], **fn.keywords)
    back = getattr(fn, "distance_backward", None)
    return fn, _generic_vjp(fn, back if callable(back) else None)


def _triplet_args(anchor, positive, negative, margin, swap, reduction):
    margin = real_param(margin, "margin")
    if not margin > 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    swap = bool_option(swap, "swap")
    reduction = check_reduction(reduction)
    names = ("anchor", "positive", "negative")
    xs = [as_array(x, n) for x, n in zip((anchor, positive, negative), names)]
    promoted_dtype(*zip(xs, names))  # type checks
    if len({x.ndim for x in xs}) != 1:
        raise ValueError(f"anchor, positive and negative must have the same number of "
                         f"dimensions, got shapes {xs[0].shape}, {xs[1].shape}, {xs[2].shape}")
    return xs, margin, swap, reduction


def _default_distance_rows(distance_function, xs):
    """With the default distance (pairwise_distance, p = 2, eps = 1e-6) the loss is
    triplet_margin_loss's on the three arrays broadcast together, whose row kernel runs it in
    one pass (the distances in double): those arrays as (rows, D) and their broadcast shape,
    or None for another distance, 0-d arrays or shapes that do not broadcast (the general
    path then raises)."""
    f = distance_function
    params = getattr(f, "_params", None)  # an nn.PairwiseDistance: its settings
    if not (f is None or f is pairwise_distance or (type(f) is str and f == "euclidean")
            or (getattr(type(f), "_function", None) is pairwise_distance and callable(params)
                and params() == {"p": 2.0, "eps": 1e-6, "keepdim": False})):
        return None
    if xs[0].ndim == 2 and xs[0].shape == xs[1].shape == xs[2].shape:
        return xs, xs[0].shape
    try:
        shape = np.broadcast_shapes(*(x.shape for x in xs))
    except ValueError:
        return None
    if not shape:
        return None
    rows = (math.prod(shape[:-1]), shape[-1])
    return [np.broadcast_to(x, shape).reshape(rows) for x in xs], shape


def _distance_array(d, which):
    d = as_array(d, f"the distance_function's result ({which})")
    if d.dtype.kind not in "biuf":
        raise TypeError(f"distance_function must return real arrays, got dtype {d.dtype} "
                        f"({which})")
    return d


def _triplet_parts(xs, call, swap):
    """The distances (float64), the negative one (swap's minimum), the result dtype and what
    `call(x1, x2)` returned with each: (value, pullback) for a vjp."""
    a, q, n = xs
    pos, neg = call(a, q), call(a, n)
    sw = call(q, n) if swap else None
    parts = [pos, neg] + ([sw] if swap else [])
    ds = [_distance_array(r[0], which) for r, which in
          zip(parts, ("anchor, positive", "anchor, negative", "positive, negative"))]
    res_dtype = promoted_dtype(*((d, "distance") for d in ds))[0]
    dp, dn = ds[0].astype(np.float64), ds[1].astype(np.float64)
    dsw = ds[2].astype(np.float64) if swap else None
    dneg = np.minimum(dn, dsw) if swap else dn
    return dp, dn, dsw, dneg, res_dtype, parts


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """Triplet margin loss with any distance (torch.nn.functional.
    triplet_margin_with_distance_loss).

    Parameters
    ----------
    anchor, positive, negative : array_like
        Embeddings with the same number of dimensions (the distance function decides the
        rest: the default broadcasts as ``pairwise_distance``).
    distance_function : callable, str, tuple or None, default None
        ``None``: :func:`pairwise_distance` (p = 2, eps = 1e-6), as torch. A name (beyond
        torch): ``'euclidean'`` (the same), ``'manhattan'`` (``pairwise_distance(p=1)``),
        ``'cosine'`` (``1 - cosine_similarity(x1, x2, dim=-1)``). A callable ``f(x1, x2)``
        returning one distance per triplet. For ``triplet_margin_with_distance_loss_backward``
        the gradient must be known: actloss's ``pairwise_distance`` and
        ``cosine_similarity`` (or a ``functools.partial`` of them with keyword arguments),
        ``nn.PairwiseDistance`` / ``nn.CosineSimilarity`` instances, any callable with a
        ``distance_backward(grad_output, x1, x2) -> (grad_x1, grad_x2)`` attribute, or a
        ``(function, backward)`` pair with that backward.
    margin : float, default 1.0
        Must be > 0.
    swap : bool, default False
        Use ``min(d(a, n), d(p, n))`` as the negative distance.
    reduction : {'none', 'mean', 'sum'}, default 'mean'

    Returns
    -------
    ndarray or NumPy scalar
        The distances' shape for 'none', else a scalar of the distances' result dtype.

    Raises
    ------
    TypeError
        Non-real embeddings, a non-bool swap, a distance_function that is none of the above.
    ValueError
        ``margin <= 0``, embeddings with different numbers of dimensions, an unknown name or
        reduction.

    Notes
    -----
    ``loss = max(margin + d(a, p) - d_neg, 0)``, ``d_neg = d(a, n)`` or, with swap,
    ``min(d(a, n), d(p, n))``; reduced in float64. As torch, the hinge passes the gradient where
    ``margin + d(a, p) - d_neg >= 0`` and a swap tie gives each distance half. With the default
    distance (``None``, ``'euclidean'``, ``pairwise_distance`` or ``nn.PairwiseDistance()``)
    the loss and its gradients are :func:`triplet_margin_loss`'s on the embeddings broadcast
    together: one pass of its row kernel, the distances kept unrounded.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> a, p, n = np.zeros((1, 2)), np.zeros((1, 2)), np.ones((1, 2))
    >>> float(F.triplet_margin_with_distance_loss(a, p, n, distance_function="cosine"))
    1.0
    """
    if _dask.lazy(anchor, positive, negative):
        return _dask.loss("triplet_margin_with_distance_loss", locals())
    xs, margin, swap, reduction = _triplet_args(anchor, positive, negative, margin, swap,
                                                reduction)
    by_rows = _default_distance_rows(distance_function, xs)
    if by_rows is not None:
        rows, shape = by_rows
        loss = embedding_losses.triplet_margin_loss(*rows, margin=margin, swap=swap,
                                                    reduction=reduction)
        return loss.reshape(shape[:-1]) if reduction == "none" else loss
    fn, _ = _distance(distance_function)
    dp, _, _, dneg, res_dtype, _ = _triplet_parts(xs, lambda x1, x2: (fn(x1, x2), None), swap)
    loss = np.maximum(margin + dp - dneg, 0)
    if reduction == "none":
        return _finish(loss, res_dtype)
    total = float(np.sum(loss))
    return to_scalar(total if reduction == "sum" else divide(total, loss.size), res_dtype)


def triplet_margin_with_distance_loss_backward(grad_output, anchor, positive, negative, *,
                                               distance_function=None, margin=1.0, swap=False,
                                               reduction="mean"):
    """Gradients ``(grad_anchor, grad_positive, grad_negative)`` of
    :func:`triplet_margin_with_distance_loss`, from the distance's own gradient.

    Raises
    ------
    TypeError
        A distance_function whose gradient actloss does not know (see the loss's
        distance_function), and everything the loss raises.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> a, p, n = np.zeros((1, 2)), np.zeros((1, 2)), np.ones((1, 2))
    >>> grads = F.triplet_margin_with_distance_loss_backward(1.0, a, p, n,
    ...                                                      distance_function="cosine")
    >>> [g.shape for g in grads]
    [(1, 2), (1, 2), (1, 2)]
    """
    if _dask.lazy(grad_output, anchor, positive, negative):
        return _dask.loss("triplet_margin_with_distance_loss_backward", locals())
    xs, margin, swap, reduction = _triplet_args(anchor, positive, negative, margin, swap,
                                                reduction)
    by_rows = _default_distance_rows(distance_function, xs)
    if by_rows is not None:
        rows, shape = by_rows
        if reduction == "none":
            grad_output = _grad_array(grad_output, shape[:-1], np.float64).reshape(-1)
        grads = [g.reshape(shape) for g in embedding_losses.triplet_margin_loss_backward(
            grad_output, *rows, margin=margin, swap=swap, reduction=reduction)]
        if all(x.shape == shape for x in xs):
            return tuple(grads)
        return _grads(grads, xs, ("anchor", "positive", "negative"))
    fn, vjp = _distance(distance_function)
    dp, dn, dsw, dneg, _, parts = _triplet_parts(xs, vjp, swap)
    if parts[0][1] is None:
        raise TypeError(f"distance_function {fn!r} has no known gradient: pass actloss's "
                        f"pairwise_distance / cosine_similarity, an nn.PairwiseDistance or "
                        f"nn.CosineSimilarity, a callable with a distance_backward attribute or "
                        f"a (function, backward) pair")
    z = margin + dp - dneg
    shape = z.shape
    if reduction == "none":
        g = _grad_array(grad_output, shape, np.float64)
    else:
        g0 = as_array(grad_output, "grad_output")
        if g0.size != 1:
            raise ValueError(f"grad_output must be a scalar for reduction={reduction!r}, got "
                             f"shape {g0.shape}")
        g0 = float(g0.reshape(()))
        g = np.full(shape, g0 if reduction == "sum" else divide(g0, z.size))
    # clamp_min: the gradient passes where the hinge is >= 0 (NaN does not pass)
    active = np.where(z >= 0, g, 0.0)
    grads = [None, None, None]

    def add(pair, part, gd):
        for k, gk in zip(pair, part[1](gd)):
            gk = np.asarray(gk)
            if gk.dtype == np.float16:  # summed in float32, as float16 is computed
                gk = gk.astype(np.float32)
            grads[k] = gk if grads[k] is None else grads[k] + gk

    add((0, 1), parts[0], active)
    if swap:
        # torch.minimum's derivative: the smaller gets it, a tie gives each half
        w_neg = np.where(dn < dsw, 1.0, np.where(dn == dsw, 0.5, 0.0))
        add((0, 2), parts[1], -active * w_neg)
        add((1, 2), parts[2], -active * (1.0 - w_neg))
    else:
        add((0, 2), parts[1], -active)
    names = ("anchor", "positive", "negative")
    return tuple(_finish(np.asarray(gr).reshape(x.shape), promoted_dtype((x, nm))[0])
                 for gr, x, nm in zip(grads, xs, names))
