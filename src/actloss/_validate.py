"""Argument checks shared by the API layer: dtype policy, shapes, out= and parameters.

Dtype policy (the package's, as torch.nn.functional on NumPy): float32 and float64 are computed natively; float16 is
computed in float32 and returned as float16; integer and bool inputs are promoted to float64
as NumPy's ufuncs do, but integer and bool targets and weights of a loss never change its
result dtype (promoted_dtype); complex, object, string and other dtypes raise TypeError.
numpy.ma masked arrays raise TypeError (reject_masked) everywhere but in the elementwise
activations, which take them through their ufuncs (activations._through_ufunc); boolean options
take True/False and numpy.bool_ only (bool_option).
"""
import math
import numbers
import operator
import os
import sys
import warnings

import numpy as np

F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)
F16 = np.dtype(np.float16)
KERNEL_DTYPES = (F32, F64)  # index = the kernels' dt argument (the order of _ops.DTYPES)
KERNEL_INDEX = {F32: 0, F64: 1}
# the range of an int64 (torch's ignore_index, class targets)
INT64_RANGE = (-2**63, 2**63 - 1)


_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def warn_caller(message, category=UserWarning):
    """warnings.warn pointing at the first frame outside actloss (the user's call), however
    deep inside the package the warning is raised."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def reject_masked(x, name):
    """A numpy.ma.MaskedArray raises TypeError: viewing or converting it to an ndarray would
    compute on its masked data without a word. (The elementwise activations take masked
    arrays through their ufuncs before they get here; the losses, softmax family and the rest,
    which are not ufuncs, refuse them: never silently unmasked.)"""
    # numpy.ma is only in sys.modules once something imported it -- and no masked array can
    # exist before that -- so plain calls never pay for importing it here
    ma = sys.modules.get("numpy.ma")
    if ma is not None and isinstance(x, ma.MaskedArray):
        raise TypeError(f"{name} is a numpy.ma.MaskedArray; its mask would be ignored: pass a "
                        f"plain ndarray, e.g. {name}.filled(value) or {name}.compressed()")


def _public_caller():
    """The name of the outermost actloss function on the stack (the public one called)."""
    frame, name = sys._getframe(1), "this function"
    while frame is not None:
        if frame.f_code.co_filename.startswith(_PACKAGE):
            name = frame.f_code.co_name
        frame = frame.f_back
    return name


def as_array(x, name="input"):
    """x as an ndarray (array-likes are converted; nothing is copied for an ndarray). A
    masked array raises TypeError (reject_masked)."""
    if type(x) is np.ndarray:
        return x
    if isinstance(x, np.ndarray):
        reject_masked(x, name)
        return x.view(np.ndarray)
    if type(x).__module__.startswith("dask"):
        # np.asarray would compute a lazy array in full, silently: functions that take dask
        # arrays hand them to _dask before they get here
        raise TypeError(f"{_public_caller()} does not take dask arrays lazily ({name} is a "
                        f"{type(x).__name__}): compute it first (np.asarray({name}) or "
                        f"{name}.compute())")
    try:
        return np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers: {exc}") from None


def result_dtype(dtype, name="input"):
    """(dtype of the result, dtype the kernels compute in) for an input dtype."""
    if dtype.kind == "f" and not dtype.isnative:
        dtype = dtype.newbyteorder("=")
    if dtype == F32 or dtype == F64:
        return dtype, dtype
    if dtype == F16:
        return F16, F32
    if dtype.kind in "biu":
        return F64, F64
    raise TypeError(f"{name} must be a real floating, integer or bool array, got dtype {dtype}")


def promoted_dtype(*arrays_and_names, aux=()):
    """Result and kernel dtype for several arguments, promoted as np.result_type does.

    aux: (array, name) pairs of a loss's targets and weights. They take part in the promotion
    only when they are floating: an integer or bool target (class labels, +-1, 0/1) or weight
    never changes the result dtype -- float32 logits with int64 labels compute in float32, as
    in torch, where an integer tensor does not promote a floating one. Their dtype is still
    checked (complex, object and string raise TypeError).
    """
    dtypes = [result_dtype(a.dtype, name)[0] for a, name in arrays_and_names]
    for a, name in aux:
        d = result_dtype(a.dtype, name)[0]
        if a.dtype.kind == "f":
            dtypes.append(d)
    return result_dtype(np.result_type(*dtypes))


def check_out(out, shape, dtype, name="out"):
    """out must be a writeable ndarray (not a masked one) of exactly this shape and dtype, each
    element its own memory (a zero stride, as a broadcast view has, would make results
    overwrite each other)."""
    if type(out) is not np.ndarray:
        if not isinstance(out, np.ndarray):
            raise TypeError(f"{name} must be a numpy.ndarray, got {type(out).__name__}")
        reject_masked(out, name)
    if out.shape != shape:
        raise ValueError(f"{name} has shape {out.shape}, expected {shape}")
    if out.dtype != dtype:
        raise ValueError(f"{name} has dtype {out.dtype}, expected {dtype}")
    if not out.flags.writeable:
        raise ValueError(f"{name} is read-only")
    if not out.flags.c_contiguous and any(s == 0 and n > 1 for s, n in zip(out.strides, out.shape)):
        raise ValueError(f"{name} has a zero stride (its elements share memory): results would "
                         "overwrite each other")
    return out


def real_param(value, name):
    """A real scalar parameter as a Python float."""
    if type(value) is float:
        return value
    if isinstance(value, (numbers.Real, np.floating, np.integer)) and not isinstance(value, complex):
        return float(value)
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "biuf":
        reject_masked(value, name)
        return float(value)
    raise TypeError(f"{name} must be a real number, got {type(value).__name__}")


def bool_option(value, name):
    """A boolean option as a Python bool: True/False or numpy.bool_ only, as torch's argument
    parser takes them. Anything else (1, 0, None, "yes", a float) is a TypeError naming the
    option: truthiness would let inplace="no" or log_target=0.5 pass unnoticed."""
    if type(value) is bool:
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be a bool (True/False or numpy.bool_), got "
                    f"{type(value).__name__} {value!r}")


def dim_index(dim, ndim, name="dim"):
    """A dimension in [-ndim, ndim) as a non-negative index."""
    if type(dim) is int and -ndim <= dim < ndim:
        return dim % ndim
    try:
        d = operator.index(dim)
    except TypeError:
        raise TypeError(f"{name} must be an int, got {type(dim).__name__}") from None
    if not -ndim <= d < ndim:
        raise ValueError(f"{name}={dim} is out of range for an input with {ndim} dimensions "
                         f"(expected -{ndim} <= {name} < {ndim})")
    return d % ndim


def kernel_array(a, dtype=None):
    """a as a C-contiguous, aligned array of dtype (a itself when it is one): what the kernels
    read. An unaligned view (a record field, a byte buffer at an odd offset) is copied: a
    kernel's loads of a float or double assume its alignment."""
    a = np.ascontiguousarray(a, dtype=dtype)
    return a if a.flags.aligned else a.copy()


def distinct_part(a):
    """(a with every axis of stride 0 cut to length 1, how many times that part repeats in a):
    a broadcast view's elements read once, whatever its size (checks and sums over it)."""
    cut = tuple(slice(0, 1) if st == 0 and n > 1 else slice(None)
                for st, n in zip(a.strides, a.shape))
    part = a[cut]
    return part, (a.size // part.size if part.size else 1)


def flat_view(a):
    """(C-contiguous view, transposed?) of a dense aligned array -- its transpose for Fortran
    order -- or (None, False) for any other layout."""
    if not a.flags.aligned:
        return None, False
    if a.flags.c_contiguous:
        return a, False
    if a.flags.f_contiguous:
        return a.T, True
    return None, False


def run_elementwise(call, inputs, out, kernel_dtype):
    """call(flat_inputs, flat_out) on C-contiguous arrays of kernel_dtype, writing into out.

    Dense inputs of one layout (C or Fortran) are used as they are; other layouts are copied
    once. out is written directly when its layout matches and it does not partially overlap
    an input (exact aliasing, the in-place case, is fine); otherwise through a temporary.
    """
    srcs = [a if a.dtype == kernel_dtype else a.astype(kernel_dtype) for a in inputs]
    views = [flat_view(a) for a in srcs]
    transposed = views[0][1]
    if any(v is None or t != transposed for v, t in views):
        flat = [kernel_array(a) for a in srcs]
        transposed = False
    else:
        flat = [v for v, _ in views]
    dst = out.T if transposed else out
    direct = (dst.flags.c_contiguous and dst.flags.aligned and out.dtype == kernel_dtype
              and not any(a is not out and np.may_share_memory(a, out) for a in inputs))
    if direct:
        call(flat, dst)
    else:
        tmp = np.empty(flat[0].shape, kernel_dtype)
        call(flat, tmp)
        copy_into(dst, tmp)
    return out


REDUCTIONS = ("none", "mean", "sum")


def check_reduction(reduction, allowed=REDUCTIONS):
    """reduction must be one of `allowed` (torch's names; size_average/reduce are not taken)."""
    if not isinstance(reduction, str) or reduction not in allowed:
        raise ValueError(f"reduction must be one of {', '.join(map(repr, allowed))}, "
                         f"got {reduction!r}")
    return reduction


def scalar_float(value):
    """value as a Python float if it is a Python float, a NumPy floating scalar or a 0-d
    floating ndarray (a reduced loss's grad_output as training loops pass it), else None."""
    if type(value) is float:
        return value
    if isinstance(value, np.floating) or (type(value) is np.ndarray and value.ndim == 0
                                          and value.dtype.kind == "f"):
        return float(value)
    return None


def loss_grad_output(grad_output, reduction, loss_shape):
    """grad_output of a loss's backward: an ndarray of loss_shape for reduction="none" (a
    scalar applies to every element), a Python float otherwise."""
    if type(grad_output) is float and reduction != "none":
        return grad_output  # the common call of a training loop, without array checks
    gy = as_array(grad_output, "grad_output")
    result_dtype(gy.dtype, "grad_output")
    if reduction == "none":
        if gy.ndim == 0:
            gy = np.broadcast_to(gy, loss_shape)
        if gy.shape != tuple(loss_shape):
            raise ValueError(f"grad_output has shape {gy.shape}, expected {tuple(loss_shape)} "
                             f"(the shape of the loss with reduction='none')")
        return gy
    if gy.size != 1:
        raise ValueError(f"grad_output must be a scalar for reduction={reduction!r}, got shape "
                         f"{gy.shape}")
    return float(gy.reshape(()))


# ---- the reduction finisher: the kernels sum, these divide ------------------------------------
# Every loss's "mean" (and kl_div's "batchmean") is divided here and only here, by the count
# its caller gives: the element count, a weight total, or a count the kernel summed in the same
# pass (nll_loss's weights of the rows not ignored).

def divide(total, count):
    """total / count in double, IEEE style: 0 / 0 (the mean of nothing) is NaN, as torch's."""
    total, count = float(total), float(count)
    if count != 0 or math.isnan(count):
        return total / count
    if total == 0 or math.isnan(total):
        return math.nan
    return math.copysign(math.inf, total) * math.copysign(1.0, count)


# Narrowing casts (a float64 sum to float32, a float32 result to float16) round to inf or 0 as
# IEEE says. NumPy checks a cast's FP flags against the caller's np.seterr, so under
# np.seterr(all="raise") or "warn" the library's own rounding would raise or warn: these three
# do the library's casts with its own FP state.
_RANGE = {np.dtype(t): (float(np.finfo(t).tiny), float(np.finfo(t).max))
          for t in (np.float16, np.float32)}


def to_scalar(value, dtype):
    """value as a NumPy scalar of dtype; a value beyond dtype's range rounds to inf or 0."""
    dtype = np.dtype(dtype)
    bounds = _RANGE.get(dtype)
    if bounds is None or value == 0 or bounds[0] <= abs(value) <= bounds[1]:
        return dtype.type(value)
    with np.errstate(all="ignore"):  # NaN, inf, and values outside the range only
        return dtype.type(value)


def narrow(a, dtype):
    """a as a `dtype` array (a itself if it is one)."""
    if a.dtype == dtype:
        return a
    with np.errstate(all="ignore"):
        return a.astype(dtype)


def copy_into(dst, src):
    """np.copyto(dst, src) with same-kind casting."""
    with np.errstate(all="ignore"):
        np.copyto(dst, src, casting="same_kind")


def finish_loss(reduction, total, count, dtype):
    """A reduced loss from its kernel's sum, as a NumPy scalar of the result dtype: the sum
    for "sum", total / count for "mean" and "batchmean"."""
    return to_scalar(total if reduction == "sum" else divide(total, count), dtype)


def loss_grad_seed(grad_output, reduction, loss_shape, count, dtype=F64, scalar_none=False):
    """What a loss's backward kernel multiplies each element's derivative by, as
    (per-element array or None, scalar): for "none" grad_output as a C-contiguous `dtype`
    array of the loss shape and 1.0 (with scalar_none, a 0-d grad_output stays a scalar:
    None and its value); for "sum" None and grad_output; for a mean None and
    grad_output / count (count None: the kernel divides, by a count it sums itself)."""
    if scalar_none and reduction == "none" and np.ndim(grad_output) == 0:
        gy = as_array(grad_output, "grad_output")
        result_dtype(gy.dtype, "grad_output")
        return None, float(gy)
    gy = loss_grad_output(grad_output, reduction, loss_shape)
    if reduction == "none":
        return kernel_array(gy, dtype), 1.0
    if reduction == "sum" or count is None:
        return None, gy
    return None, divide(gy, count)


def loss_scalar(value, dtype):
    """A reduced loss as a NumPy scalar of the result dtype."""
    return to_scalar(value, dtype)


def ufunc_result(y):
    """An elementwise result as NumPy's ufuncs return it when out= is not given: a 0-d result
    (from a Python or NumPy scalar, or from 0-d arrays) becomes a NumPy scalar of its dtype
    (np.exp(2.0) is np.float64), any other result stays the array."""
    return y[()] if y.ndim == 0 else y
