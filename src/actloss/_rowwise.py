"""Argument handling shared by the losses that run on the _rowwise_loss kernels (one row per
sample, row reductions in float64): embedding_losses and class_losses' margin losses."""
import math

import numpy as np

from . import _dispatch
from ._validate import (as_array, distinct_part, finish_loss, kernel_array, loss_grad_seed,
                        narrow, promoted_dtype, real_param, result_dtype)

# torch.nn.functional.normalize's default eps: rows are divided by max(||x||, eps)
NORMALIZE_EPS = 1e-12

def kernels():
    """The _rowwise_loss kernel module for this CPU (loaded on first use, then cached)."""
    return _dispatch.kernels("_rowwise_loss")


# ---- shared argument handling ----------------------------------------------------------------

def floats(*pairs, aux=()):
    """Arrays of the named arguments and of the weights in `aux` (which promote only when
    floating, see promoted_dtype), (result dtype, kernel dtype) promoted over all of them."""
    arrays = [as_array(a, name) for a, name in pairs + aux]
    named = list(zip(arrays, (name for _, name in pairs + aux)))
    res_dtype, k_dtype = promoted_dtype(*named[:len(pairs)], aux=named[len(pairs):])
    return arrays, res_dtype, k_dtype


def same_shape(arrays, names):
    for a, name in zip(arrays[1:], names[1:]):
        if a.shape != arrays[0].shape:
            raise ValueError(f"{name} has shape {a.shape}, expected {arrays[0].shape} (the shape "
                             f"of {names[0]}; actloss does not broadcast embeddings)")


def rows(a, k_dtype):
    """a as a C-contiguous (rows, last dim) array of the kernel dtype; 0-d is one 1-vector."""
    d = a.shape[-1] if a.ndim else 1
    n = math.prod(a.shape[:-1]) if a.ndim else 1
    return kernel_array(a, dtype=k_dtype).reshape(n, d)


def real_target(target, name="target"):
    t = as_array(target, name)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real array, got dtype {t.dtype}")
    return t


def class_target(target, name="target"):
    t = as_array(target, name)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer array of class indices, got dtype {t.dtype}")
    return t


def check_values(t, allowed, name="target"):
    """Every value of t is one of `allowed` (NaN is not)."""
    t = distinct_part(t)[0]
    ok = np.zeros(t.shape, bool)
    for v in allowed:
        ok |= t == v
    if not ok.all():
        bad = t[~ok].flat[0]
        raise ValueError(f"{name} values must be {' or '.join(map(str, allowed))}, got {bad}")


def pnorm(p, eps):
    p = real_param(p, "p")
    if not p >= 0:
        raise ValueError(f"p must be >= 0 (or inf) for the pairwise distance, got {p}")
    return p, real_param(eps, "eps")


def one_sample(reduction, arrays):
    """(arrays, 1), or -- for a reduced loss whose operands (the batch along their first axis)
    all repeat one sample there (stride 0, more than one) -- (their first samples, the batch
    size): the loss of one sample times the batch size reads a broadcast view of any size
    without copying it out."""
    if reduction != "none" and all(a.ndim and a.shape[0] > 1 and a.strides[0] == 0
                                   for a in arrays):
        return [a[:1] for a in arrays], arrays[0].shape[0]
    return arrays, 1


def reduce(rows, total, reduction, shape, res_dtype, repeat=1):
    """The loss from per-row float64 losses and their in-order sum (of rows repeated `repeat`
    times: see one_sample)."""
    if reduction == "none":
        return narrow(rows.reshape(shape), res_dtype)
    return finish_loss(reduction, total * repeat, rows.size * repeat, res_dtype)


def grad_output(grad_output, reduction, shape):
    """(float64 grad_output for the kernels, scale): one per loss element for "none", else one
    value (divided by N for "mean") and scale 1."""
    gy, c = loss_grad_seed(grad_output, reduction, shape, math.prod(shape))
    return (gy.reshape(-1), 1.0) if gy is not None else (np.array([c]), 1.0)


def grads(grads, arrays):
    """Each gradient shaped like its argument, in that argument's result dtype."""
    return tuple(narrow(g.reshape(a.shape), result_dtype(a.dtype)[0])
                 for g, a in zip(grads, arrays))


