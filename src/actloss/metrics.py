"""scikit-learn's loss metrics as drop-in scorer functions (issue 14).

Each function here has the name, argument order, keywords, defaults, results and errors of the
``sklearn.metrics`` function of that name (scikit-learn 1.9), so that it can replace it in
``make_scorer`` and model selection: ``(y_true, y_pred, *, sample_weight=None, ...)``.
scikit-learn is never imported: it is only the test peer.

Rules shared by all of them:

* Inputs are array-likes (lists, NumPy arrays, pandas objects) with one row per sample:
  regression targets 1-D or 2-D (one column per output), class labels of any sortable type
  (integers, strings, bools, integral floats). Numeric strings and object arrays of numbers
  count as numbers, as scikit-learn converts them. Inputs are never modified.
* Results are Python floats; ``multioutput="raw_values"`` gives one value per output in the
  dtype scikit-learn returns (the widest float dtype among the array inputs, else float64).
* The per-sample terms use scikit-learn's formulas in the inputs' float dtype (float16 in
  float32) and are summed in float64, with actloss's kernels where one computes the term
  (``mse_loss``, ``l1_loss``, ``margin_ranking_loss``): float64 results are within a few ULP of
  scikit-learn's; float32 ones are more accurate than scikit-learn's float32 sums and agree with
  them to float32 rounding.
* Errors: ``ValueError`` where scikit-learn raises one, with a message naming the argument. Where
  scikit-learn raises its ``InvalidParameterError`` (both a ValueError and a TypeError: a bad
  option, a scalar where an array is needed) or a TypeError (a complex array), the error here
  is likewise both. Weights that sum to zero raise an error that is both a ValueError and the
  ZeroDivisionError scikit-learn lets ``numpy.average`` raise.
"""
import math
import numbers
import warnings

import numpy as np

from ._validate import reject_masked
from .pointwise_losses import l1_loss, margin_ranking_loss, mse_loss

__all__ = ["log_loss", "hinge_loss", "mean_squared_error", "root_mean_squared_error",
           "mean_absolute_error", "mean_squared_log_error", "root_mean_squared_log_error",
           "mean_pinball_loss", "mean_poisson_deviance", "mean_gamma_deviance",
           "mean_tweedie_deviance"]

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
# rows of the working copy in hinge_loss's "largest other score": 2^18 elements (2 MiB of
# float64), small enough to stay in cache between the copy and the row maximum
_BLOCK = 1 << 18


class _ArgumentError(ValueError, TypeError):
    """A bad argument where scikit-learn raises InvalidParameterError (a ValueError and a
    TypeError) or a TypeError."""


class _ZeroWeightSum(ValueError, ZeroDivisionError):
    """Weights summing to zero: numpy.average's ZeroDivisionError in scikit-learn."""


# ---- arguments -------------------------------------------------------------------------------

def _array(a, name):
    """a as an ndarray of 1 or 2 dimensions and at least one sample (and one column)."""
    reject_masked(a, name)
    if a is None or isinstance(a, (numbers.Number, str, bytes, np.generic)):
        raise _ArgumentError(f"{name} must be an array-like, got {type(a).__name__} {a!r}")
    try:
        x = np.asarray(a)
    except ValueError as exc:  # a ragged list
        raise ValueError(f"{name} must be a rectangular array-like: {exc}") from None
    if x.ndim == 0:
        raise _ArgumentError(f"{name} must have at least one dimension, got a 0-d array")
    if x.ndim > 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got an array of shape {x.shape}")
    if x.shape[0] == 0 or (x.ndim == 2 and x.shape[1] == 0):
        raise ValueError(f"{name} is empty (shape {x.shape}); at least one sample and one "
                         f"column are required")
    if x.dtype.kind == "c":
        raise _ArgumentError(f"{name} is complex ({x.dtype}); real numbers are required")
    return x


def _floats(x, name, strings=True):
    """x's values as float32 or float64: float32/float64 kept, float16 widened to float32,
    other numbers (and, with `strings`, numeric strings) as float64."""
    if x.dtype in (_F32, _F64):
        return x
    if x.dtype.kind == "f" and x.dtype.itemsize < 4:
        return x.astype(_F32)
    if not strings and x.dtype.kind in "US":
        raise ValueError(f"{name} must hold numbers, got strings ({x.dtype})")
    try:
        return x.astype(_F64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must hold numbers: {exc}") from None


def _check_finite(*named):
    """A ValueError naming the first array with NaN or infinity (scikit-learn's check)."""
    for x, name in named:
        if x.dtype.kind == "f" and not np.isfinite(x).all():
            what = "NaN" if np.isnan(x).any() else "infinity"
            raise ValueError(f"{name} contains {what}; finite values are required")


def _same_length(*named):
    """The common number of samples of the (array, name) pairs (None skipped)."""
    sizes = [(name, len(x)) for x, name in named if x is not None]
    if len({n for _, n in sizes}) > 1:
        raise ValueError("inconsistent numbers of samples: "
                         + ", ".join(f"{name} has {n}" for name, n in sizes))
    return sizes[0][1]


def _weights(sample_weight, strict=True):
    """sample_weight as a 1-D float array (None kept). `strict`: finite and not all zero, as
    scikit-learn's _check_sample_weight (hinge_loss does not check them)."""
    if sample_weight is None:
        return None
    w = _floats(_array(sample_weight, "sample_weight"), "sample_weight")
    if w.ndim != 1:
        raise _ArgumentError(f"sample_weight must be 1-D, got an array of shape {w.shape}")
    if strict:
        _check_finite((w, "sample_weight"))
        if not w.any():
            raise ValueError("sample_weight is all zeros; at least one weight must be non-zero")
    return w


def _real(value, name, ok, what):
    """A real-number option as a float, if ok(value) (scikit-learn's Interval check)."""
    if not isinstance(value, numbers.Real) or not ok(float(value)):
        raise _ArgumentError(f"{name} must be a real number {what}, got {value!r}")
    return float(value)


def _result_dtype(*arrays):
    """The dtype of scikit-learn's per-output values: the widest float dtype among the inputs
    that have a dtype (arrays, pandas objects), float64 when none is a float."""
    floats = [a.dtype for a in arrays
              if isinstance(getattr(a, "dtype", None), np.dtype) and a.dtype.kind == "f"]
    return np.result_type(*floats) if floats else _F64


# ---- reductions ------------------------------------------------------------------------------

def _average(losses, w, normalize=True):
    """Mean over axis 0 in float64, or with weights sum(w l) / sum(w) (numpy.average's rule);
    the (weighted) sum when not normalize."""
    if w is None:
        total = np.sum(losses, axis=0, dtype=_F64)
        return total / len(losses) if normalize else total
    total = np.sum(np.multiply(losses, w.reshape((-1,) + (1,) * (losses.ndim - 1)),
                               dtype=_F64), axis=0)
    if not normalize:
        return total
    scale = np.sum(w, dtype=_F64)
    if scale == 0:
        raise _ZeroWeightSum("sample_weight sums to zero: the weighted mean is undefined")
    return total / scale


def _per_output(loss, t, p, w):
    """loss(y_pred column, y_true column, weights) of each output, float64 of shape
    (n_outputs,). (The kernels copy a strided column once: about as fast as transposing the
    arrays first, with less memory.)"""
    if w is not None and np.sum(w, dtype=_F64) == 0:
        raise _ZeroWeightSum("sample_weight sums to zero: the weighted mean is undefined")
    return np.array([loss(p[:, j], t[:, j], w) for j in range(t.shape[1])], _F64)


def _squared(x, y, w):
    """The (weighted) mean of (x - y)^2: actloss's mse_loss kernel."""
    return mse_loss(x, y, weight=w)


def _absolute(x, y, w):
    """The (weighted) mean of |x - y|: actloss's l1_loss kernel."""
    return l1_loss(x, y, weight=w)


def _hinge_terms(x, target, w):
    """The (weighted) mean of max(0, 1 - target x): actloss's margin_ranking_loss kernel
    (max(0, -target (input1 - input2) + margin)) with input2 = 0 and margin 1."""
    return _ranking_mean(x, np.zeros(1, x.dtype), target, 1.0, w)


def _ranking_mean(x1, x2, target, margin, w):
    """The (weighted) mean of actloss's margin_ranking_loss(x1, x2, target, margin)."""
    if w is None:
        return float(margin_ranking_loss(x1, x2, target, margin=margin))
    return float(_average(margin_ranking_loss(x1, x2, target, margin=margin,
                                              reduction="none"), w))


def _pinball(alpha):
    """(y_pred, y_true, weights) -> the mean pinball loss, alpha S+ + (1 - alpha) S- with S+ the
    mean of max(0, y_true - y_pred), S- of max(0, y_pred - y_true) (margin_ranking_loss kernel
    with margin 0). Each sample has one non-zero part, so this is the mean of scikit-learn's
    terms, to a few ULP (two sums of non-negative terms, no cancellation)."""
    def loss(x, y, w):
        over = _ranking_mean(y, x, np.full(1, -1.0, x.dtype), 0.0, w)
        under = _ranking_mean(y, x, np.full(1, 1.0, x.dtype), 0.0, w)
        return alpha * over + (1 - alpha) * under
    return loss


def _regression_args(y_true, y_pred, sample_weight, multioutput="uniform_average"):
    """(y_true, y_pred as (n_samples, n_outputs) float arrays, weights, multioutput, dtype of
    raw values): scikit-learn's _check_reg_targets."""
    dtype = _result_dtype(y_true, y_pred, sample_weight)
    t = _floats(_array(y_true, "y_true"), "y_true")
    p = _floats(_array(y_pred, "y_pred"), "y_pred")
    w = _weights(sample_weight)
    _same_length((t, "y_true"), (p, "y_pred"), (w, "sample_weight"))
    t, p = t.reshape(len(t), -1), p.reshape(len(p), -1)
    if t.shape[1] != p.shape[1]:
        raise ValueError(f"y_true and y_pred have different numbers of outputs: {t.shape[1]} "
                         f"and {p.shape[1]}")
    return t, p, w, _multioutput(multioutput, t.shape[1]), dtype


def _multioutput(multioutput, n_outputs):
    """'raw_values', 'uniform_average' or a float array of one weight per output."""
    if isinstance(multioutput, str):
        if multioutput not in ("raw_values", "uniform_average"):
            raise _ArgumentError(f"multioutput must be 'raw_values', 'uniform_average' or an "
                                 f"array of weights, got {multioutput!r}")
        return multioutput
    v = _floats(_array(multioutput, "multioutput"), "multioutput")
    if v.ndim != 1:
        raise _ArgumentError(f"multioutput weights must be 1-D, got shape {v.shape}")
    _check_finite((v, "multioutput"))
    if n_outputs == 1:
        raise ValueError("multioutput weights are only useful with several outputs; y_true "
                         "and y_pred have one")
    if len(v) != n_outputs:
        raise ValueError(f"multioutput has {len(v)} weights for {n_outputs} outputs")
    return v


def _combine(errors, multioutput, dtype, *named):
    """The per-output errors (float64) combined as multioutput says; non-finite errors first
    send the inputs `named` through the finiteness check (an overflow stays inf)."""
    if not np.isfinite(errors).all():
        _check_finite(*named)
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return errors.astype(dtype)
        return float(np.mean(errors))
    scale = np.sum(multioutput)
    if scale == 0:
        raise _ZeroWeightSum("multioutput weights sum to zero: the weighted mean is undefined")
    return float(np.sum(errors * multioutput) / scale)


# ---- class labels ----------------------------------------------------------------------------

def _check_label_values(y, name):
    """Class labels that are floats must be finite integers (else scikit-learn's type_of_target
    calls them continuous and refuses them)."""
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            raise ValueError(f"{name} contains NaN or infinity; class labels are required")
        if (y != np.trunc(y)).any():
            raise ValueError(f"{name} holds continuous values (floats that are not integers); "
                             f"class labels are required")


def _encode(y):
    """(sorted distinct values of y, index of each y in them). Integer labels in a range not
    much wider than their count take an O(n) path (a table from bincount) instead of a sort."""
    v = y
    if y.dtype.kind == "f":  # integral floats (NaN, inf and fractions fail the comparison)
        with np.errstate(invalid="ignore"):
            v = y.astype(np.int64)
        if not np.array_equal(v, y):
            v = y
    if v.dtype.kind in "bi" or (v.dtype.kind == "u" and v.dtype.itemsize < 8):
        v = v.astype(np.int64, copy=False)
        lo, hi = int(v.min()), int(v.max())
        if 0 <= lo and hi <= 4 * len(v) + 1024:
            present = np.bincount(v, minlength=hi + 1) > 0
            table = np.cumsum(present) - 1
            return np.flatnonzero(present).astype(y.dtype), np.take(table, v)
        if hi - lo <= 4 * len(v) + 1024:
            classes, idx = _encode(v - lo)
            return (classes + lo).astype(y.dtype), idx
    return np.unique(y, return_inverse=True)


def _lookup(y, classes, name="y_true"):
    """Index of each y in the sorted `classes`; a ValueError naming values that are not there."""
    try:
        idx = np.minimum(np.searchsorted(classes, y), len(classes) - 1)
        missing = classes[idx] != y
    except TypeError as exc:
        raise ValueError(f"{name} and labels cannot be compared: {exc}") from None
    if np.any(missing):
        unknown = np.unique(y[missing])[:10].tolist()
        raise ValueError(f"{name} contains values {unknown} that are not in labels "
                         f"{classes.tolist()}")
    return idx


def _label_classes(y, labels):
    """(sorted classes, index of each label y_true in them) for 1-D y_true: the classes of
    `labels` if given (scikit-learn sorts them, warning when they were not), else of y_true."""
    if labels is None:
        _check_label_values(y, "y_true")
        return _encode(y)
    lab = np.asarray(labels).ravel()
    _check_label_values(lab, "labels")
    classes = np.unique(lab)
    if len(classes) != len(lab):
        raise ValueError(f"labels contains repeated values: {lab.tolist()}")
    if not np.array_equal(classes, lab):
        warnings.warn(f"labels {lab.tolist()} are not sorted; the columns of y_proba are "
                      f"taken to follow the sorted labels {classes.tolist()}", UserWarning,
                      stacklevel=3)
    return classes, _lookup(y, classes)


def _as_indicator(y):
    """y_true of two or more columns as a float label indicator matrix (0/1 entries)."""
    if y.dtype.kind not in "biuf" or not ((y == 0) | (y == 1)).all():
        raise ValueError(f"y_true of shape {y.shape} is not a label indicator matrix (0/1 "
                         f"entries): multioutput targets are not supported")
    return y.astype(_F64)


# ---- classification --------------------------------------------------------------------------

def log_loss(y_true, y_proba=None, *, normalize=True, sample_weight=None, labels=None,
             y_pred="deprecated"):
    """The negative log-likelihood of class probabilities (log loss, cross-entropy).

    Equals ``sklearn.metrics.log_loss``: the mean (or sum) over samples of
    ``-log(p[i, y_true[i]])``, the probabilities clipped to ``[eps, 1 - eps]`` with ``eps`` the
    machine epsilon of ``y_proba``'s dtype, and not renormalised (rows that do not sum to 1
    give scikit-learn's UserWarning).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,), or label indicator matrix (n_samples, n_classes)
        True labels: integers, strings, bools or integral floats.
    y_proba : array-like of shape (n_samples, n_classes) or (n_samples,)
        Predicted probabilities, columns in the sorted order of the classes (as
        ``predict_proba``). A 1-D array is the probability of the larger of two classes.
    normalize : bool, default True
        True: the (weighted) mean over samples; False: the (weighted) sum.
    sample_weight : array-like of shape (n_samples,), optional
        Sample weights (finite, not all zero).
    labels : array-like, optional
        All class labels; by default those found in `y_true`.
    y_pred : array-like, optional
        The name of `y_proba` before scikit-learn 1.9, accepted (without a warning) as an
        alias; passing both is an error.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Probabilities outside [0, 1], NaN or infinite; inconsistent numbers of samples; a
        single class; classes that do not match the columns of `y_proba`; labels of `y_true`
        missing from `labels`; float labels that are not integers; zero weights.

    Notes
    -----
    loss = sum_i w_i (-log clip(p[i, y_i], eps, 1 - eps)) / sum_i w_i. Only the true class's
    probability of each row is clipped and logged (the other terms are 0): O(n_samples) work
    after the checks, which read ``y_proba`` three times (minimum, maximum, row sums). A label
    indicator ``y_true`` sums the terms of every true class of a row. float16 probabilities
    are clipped at float16's epsilon, as scikit-learn does, and then computed in float32.

    Examples
    --------
    >>> from actloss.metrics import log_loss
    >>> round(log_loss(["no", "yes", "yes", "no"],
    ...                [[.7, .3], [.4, .6], [.2, .8], [.9, .1]]), 6)
    0.299001
    >>> round(log_loss([0, 1, 1, 0], [.3, .6, .8, .1], sample_weight=[2, 1, 1, 2]), 6)
    0.27634
    """
    if not (isinstance(y_pred, str) and y_pred == "deprecated"):
        if y_proba is not None:
            raise ValueError("pass y_proba or its older name y_pred, not both")
        y_proba = y_pred
    if not isinstance(normalize, (bool, np.bool_)):
        raise _ArgumentError(f"normalize must be a bool, got {normalize!r}")
    raw = _array(y_proba, "y_proba")
    eps = float(np.finfo(raw.dtype if raw.dtype.kind == "f" else _F64).eps)
    P = _floats(raw, "y_proba")
    lo, hi = P.min(), P.max()
    if not (np.isfinite(lo) and np.isfinite(hi)):
        _check_finite((P, "y_proba"))
    if hi > 1:
        raise ValueError(f"y_proba has values above 1 (largest {hi}); probabilities in "
                         f"[0, 1] are required")
    if lo < 0:
        raise ValueError(f"y_proba has values below 0 (smallest {lo}); probabilities in "
                         f"[0, 1] are required")
    y = _array(y_true, "y_true")
    w = _weights(sample_weight)
    _same_length((P, "y_proba"), (y, "y_true"), (w, "sample_weight"))
    if P.ndim == 2 and P.shape[1] == 1:
        P = P[:, 0]
    n_columns = 2 if P.ndim == 1 else P.shape[1]
    if P.ndim == 2 and not np.isclose(P.sum(axis=1), 1, rtol=math.sqrt(eps)).all():
        warnings.warn("rows of y_proba do not sum to 1; they are used as given, not "
                      "renormalised: pass probabilities", UserWarning, stacklevel=2)

    if y.ndim == 2 and y.shape[1] > 1:  # a label indicator matrix: classes are its columns
        if labels is not None:
            raise ValueError("labels cannot be given with a label indicator y_true")
        T = _as_indicator(y)
        if T.shape[1] != n_columns:
            raise ValueError(f"y_true has {T.shape[1]} classes (columns) and y_proba has "
                             f"{n_columns}")
        if P.ndim == 1:
            P = np.stack([1 - P, P], axis=1)
        terms = np.sum(T * np.log(np.clip(P, eps, 1 - eps), dtype=_F64), axis=1)
        return -float(_average(terms, w, normalize))

    classes, idx = _label_classes(y.ravel(), labels)
    if len(classes) == 1:
        if labels is None:
            raise ValueError(f"y_true contains only one label ({classes[0]!r}); pass all "
                             f"expected class labels through the labels argument")
        raise ValueError(f"labels must contain at least two labels, got {classes.tolist()}")
    if len(classes) != n_columns:
        source = "labels" if labels is not None else "y_true"
        raise ValueError(f"{source} has {len(classes)} classes ({classes.tolist()[:10]}) and "
                         f"y_proba has {n_columns} columns; pass all class labels through "
                         f"labels, in the order of y_proba's columns")
    if P.ndim == 1:  # |0 - p| = p for the positive class, |1 - p| = 1 - p (rounded as
        p_true = np.abs(np.subtract(idx == 0, P, dtype=P.dtype))  # scikit-learn's 1 - p)
    else:
        p_true = _pick(P, idx)
    logs = np.log(np.clip(p_true, eps, 1 - eps), dtype=_F64)
    return -float(_average(logs, w, normalize))


def _pick(P, idx):
    """P[i, idx[i]] for each row i (a flat take where P is C-contiguous: 15x faster than
    fancy indexing on 10^5 x 100)."""
    if P.flags.c_contiguous:
        return np.take(P.reshape(-1), np.arange(0, P.size, P.shape[1]) + idx)
    return P[np.arange(len(P)), idx]


def _max_other(D, idx):
    """The largest entry of each row of D other than column idx[i], from a buffer holding a
    few rows at a time (their entries idx[i] set to -inf)."""
    n, c = D.shape
    out = np.empty(n, D.dtype)
    rows = max(1, _BLOCK // c)
    buffer = np.empty((min(rows, n), c), D.dtype)
    for start in range(0, n, rows):
        block = buffer[:min(rows, n - start)]
        np.copyto(block, D[start:start + len(block)])
        block[np.arange(len(block)), idx[start:start + len(block)]] = -np.inf
        np.max(block, axis=1, out=out[start:start + len(block)])
    return out


def hinge_loss(y_true, pred_decision, *, labels=None, sample_weight=None):
    """The mean hinge loss of decision-function scores, binary or multiclass.

    Equals ``sklearn.metrics.hinge_loss``: the (weighted) mean of ``max(0, 1 - margin)``. With
    two classes (or fewer) the margin is ``y * pred_decision``, ``y`` being +1 for the larger
    label and -1 for the other; with more, it is Crammer and Singer's: the true class's score
    minus the largest other score.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    pred_decision : array-like of shape (n_samples,) or (n_samples, n_classes)
        Decision-function values (``decision_function``): 1-D for a binary problem, one column
        per class (sorted labels) otherwise.
    labels : array-like, optional
        All class labels of a multiclass problem; by default those found in `y_true`.
    sample_weight : array-like of shape (n_samples,), optional
        Sample weights (not checked further, as in scikit-learn: NaN weights give NaN).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Inconsistent numbers of samples; a multiclass problem with a 1-D `pred_decision` or
        with columns that do not match the classes; labels of `y_true` not in `labels`;
        NaN or infinite decision values; weights that sum to zero.

    Notes
    -----
    The per-sample loss max(0, 1 - margin) is actloss's ``margin_ranking_loss`` kernel, rounded
    as scikit-learn rounds it. As in scikit-learn, a binary ``y_true`` with a single class
    counts every sample as the negative class. NaN labels are refused (scikit-learn counts NaN
    as one more class).

    Examples
    --------
    >>> from actloss.metrics import hinge_loss
    >>> hinge_loss([-1, 1, 1], [-2.5, 2.0, 0.5])
    0.16666666666666666
    >>> hinge_loss(["a", "b", "c"], [[2.0, 0.5, -1.0], [0.0, 0.5, 1.0], [1.0, 0.0, 1.5]])
    0.6666666666666666
    """
    D = _floats(_array(pred_decision, "pred_decision"), "pred_decision", strings=False)
    y = _array(y_true, "y_true")
    if y.ndim == 2:
        if y.shape[1] != 1:
            raise ValueError(f"y_true must be 1-D, got an array of shape {y.shape}")
        y = y[:, 0]
    w = _weights(sample_weight, strict=False)
    _same_length((y, "y_true"), (D, "pred_decision"), (w, "sample_weight"))
    if y.dtype.kind == "f" and np.isnan(y).any():
        raise ValueError("y_true contains NaN; class labels are required")
    if labels is None:
        classes, idx = _encode(y)
    else:
        classes = np.unique(np.asarray(labels))

    if len(classes) > 2:  # Crammer-Singer
        if D.ndim == 1 or D.shape[1] != len(classes):
            raise ValueError(f"pred_decision must have shape (n_samples, n_classes) = "
                             f"({len(y)}, {len(classes)}) for a multiclass target, got "
                             f"{D.shape}" + ("" if labels is not None else
                                             "; pass all class labels through labels"))
        if labels is not None:
            idx = _lookup(y, classes)
        with np.errstate(over="ignore"):  # an overflow is an infinite loss, returned as such
            x, target = _pick(D, idx) - _max_other(D, idx), np.ones(1, D.dtype)
    else:
        if D.ndim == 2:
            if D.shape[1] != 1:
                raise ValueError(f"pred_decision must be 1-D for a binary target, got shape "
                                 f"{D.shape}")
            D = D[:, 0]
        _check_label_values(y, "y_true")  # scikit-learn's LabelBinarizer refuses fractions
        own, idx = (classes, idx) if labels is None else _encode(y)
        # scikit-learn's LabelBinarizer(neg_label=-1), first column: +1 for the larger of two
        # labels; one label is all -1; more than two (labels given with fewer) +1 for the first
        positive = 1 if len(own) == 2 else (0 if len(own) > 2 else -1)
        x, target = D, (idx == positive).view(np.int8) * np.int8(2) - np.int8(1)  # +-1

    loss = _hinge_terms(x, target, w)
    if not math.isfinite(loss):
        _check_finite((D, "pred_decision"))
    return loss


# ---- regression ------------------------------------------------------------------------------

_REGRESSION_DOC = """
    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        True target values.
    y_pred : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Predicted target values."""

_WEIGHT_DOC = """
    sample_weight : array-like of shape (n_samples,), optional
        Sample weights (finite, not all zero): the mean is sum(w l) / sum(w)."""

_MULTIOUTPUT_DOC = """
    multioutput : {'raw_values', 'uniform_average'} or array-like of shape (n_outputs,)
        'raw_values': one value per output; 'uniform_average' (default): their mean; an array:
        their mean weighted by it.

    Returns
    -------
    float or ndarray
        A float, or for 'raw_values' an array of one value per output."""

_RAISES_DOC = """

    Raises
    ------
    ValueError
        NaN or infinite values, inconsistent numbers of samples or outputs, empty or 3-D
        arrays, a bad `multioutput`, all-zero or zero-sum weights{extra}."""


def _log1p_targets(t, p, name):
    """log1p of y_true and y_pred, which must be > -1 (NaN is reported as NaN)."""
    for x, arg in ((t, "y_true"), (p, "y_pred")):
        if not (x > -1).all():
            _check_finite((x, arg))
            raise ValueError(f"{name} needs y_true and y_pred > -1 (log1p(-1) is -inf): "
                             f"{arg} has {x.min()}")
    return np.log1p(t), np.log1p(p)


def _regression(loss, y_true, y_pred, sample_weight, multioutput, root=False, log1p=None):
    """A regression metric: loss(y_pred, y_true, weights) per output (of log1p(y) when
    `log1p` names the metric; square roots when `root`), combined as multioutput says."""
    t, p, w, mo, dtype = _regression_args(y_true, y_pred, sample_weight, multioutput)
    a, b = _log1p_targets(t, p, log1p) if log1p else (t, p)
    errors = _per_output(loss, a, b, w)
    return _combine(np.sqrt(errors) if root else errors, mo, dtype, (t, "y_true"),
                    (p, "y_pred"))


def _doc(extra=""):
    """A decorator filling the shared sections into a regression metric's docstring; `extra`
    ends its list of errors."""
    def fill(f):
        f.__doc__ = f.__doc__.format(args=_REGRESSION_DOC, weight=_WEIGHT_DOC,
                                     multioutput=_MULTIOUTPUT_DOC,
                                     raises=_RAISES_DOC.format(extra=extra))
        return f
    return fill


@_doc()
def mean_squared_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    """The mean of the squared differences, per output or combined.

    Equals ``sklearn.metrics.mean_squared_error``; each output's mean is one call of actloss's
    ``mse_loss`` kernel.
    {args}{weight}{multioutput}{raises}

    Notes
    -----
    loss_k = sum_i w_i (y_true[i, k] - y_pred[i, k])^2 / sum_i w_i.

    Examples
    --------
    >>> from actloss.metrics import mean_squared_error
    >>> mean_squared_error([1.0, 2.0, 4.0, 0.5], [1.5, 2.0, 3.0, 0.0])
    0.375
    >>> mean_squared_error([[1, 0], [2, 4], [0, 1]], [[1, 1], [3, 4], [1, 1]],
    ...                    multioutput="raw_values")
    array([0.66666667, 0.33333333])
    """
    return _regression(_squared, y_true, y_pred, sample_weight, multioutput)


@_doc()
def root_mean_squared_error(y_true, y_pred, *, sample_weight=None,
                            multioutput="uniform_average"):
    """The square root of the mean squared difference of each output, combined.

    Equals ``sklearn.metrics.root_mean_squared_error``: the square root of each output's
    mean squared error (``mse_loss`` kernel), then combined over outputs.
    {args}{weight}{multioutput}{raises}

    Examples
    --------
    >>> from actloss.metrics import root_mean_squared_error
    >>> root_mean_squared_error([1.0, 2.0, 4.0, 0.5], [1.5, 2.0, 3.0, 0.0])
    0.6123724356957945
    """
    return _regression(_squared, y_true, y_pred, sample_weight, multioutput, root=True)


@_doc()
def mean_absolute_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    """The mean of the absolute differences, per output or combined.

    Equals ``sklearn.metrics.mean_absolute_error``; each output's mean is one call of
    actloss's ``l1_loss`` kernel.
    {args}{weight}{multioutput}{raises}

    Examples
    --------
    >>> from actloss.metrics import mean_absolute_error
    >>> mean_absolute_error([1.0, 2.0, 4.0, 0.5], [1.5, 2.0, 3.0, 0.0])
    0.5
    >>> round(mean_absolute_error([[1, 0], [2, 4], [0, 1]], [[1, 1], [3, 4], [1, 1]],
    ...                           multioutput=[0.25, 0.75]), 6)
    0.416667
    """
    return _regression(_absolute, y_true, y_pred, sample_weight, multioutput)


@_doc("; values <= -1")
def mean_squared_log_error(y_true, y_pred, *, sample_weight=None,
                           multioutput="uniform_average"):
    """The mean squared difference of log1p(y_true) and log1p(y_pred).

    Equals ``sklearn.metrics.mean_squared_log_error``: the mean squared error (``mse_loss``
    kernel) of ``log1p(y_true)`` and ``log1p(y_pred)``.
    {args}{weight}{multioutput}{raises}

    Examples
    --------
    >>> from actloss.metrics import mean_squared_log_error
    >>> round(mean_squared_log_error([1.0, 3.0, 0.0, 7.0], [1.0, 2.0, 1.0, 7.0]), 6)
    0.140803
    """
    return _regression(_squared, y_true, y_pred, sample_weight, multioutput,
                       log1p="mean_squared_log_error")


@_doc("; values <= -1")
def root_mean_squared_log_error(y_true, y_pred, *, sample_weight=None,
                                multioutput="uniform_average"):
    """The square root of the mean squared difference of log1p(y_true) and log1p(y_pred).

    Equals ``sklearn.metrics.root_mean_squared_log_error``: the square root of each output's
    mean squared error of ``log1p(y_true)`` and ``log1p(y_pred)``.
    {args}{weight}{multioutput}{raises}

    Examples
    --------
    >>> from actloss.metrics import root_mean_squared_log_error
    >>> round(root_mean_squared_log_error([1.0, 3.0, 0.0, 7.0], [1.0, 2.0, 1.0, 7.0]), 6)
    0.375238
    """
    return _regression(_squared, y_true, y_pred, sample_weight, multioutput, root=True,
                       log1p="root_mean_squared_log_error")


@_doc("; alpha outside [0, 1]")
def mean_pinball_loss(y_true, y_pred, *, sample_weight=None, alpha=0.5,
                      multioutput="uniform_average"):
    """The mean quantile (pinball) loss at level alpha.

    Equals ``sklearn.metrics.mean_pinball_loss``: the (weighted) mean of
    ``alpha * d`` where ``d = y_true - y_pred >= 0`` and ``(alpha - 1) * d`` elsewhere,
    computed as ``alpha * mean(max(d, 0)) + (1 - alpha) * mean(max(-d, 0))`` with actloss's
    ``margin_ranking_loss`` kernel.
    {args}{weight}
    alpha : float in [0, 1], default 0.5
        The quantile level: alpha = 0.5 is half the absolute error, alpha = 0.95 is
        minimised by the 95th percentile.{multioutput}{raises}

    Examples
    --------
    >>> from actloss.metrics import mean_pinball_loss
    >>> round(mean_pinball_loss([1, 2, 3], [1, 0, 4], alpha=0.25), 6)
    0.416667
    >>> mean_pinball_loss([1, 2, 3], [3, 2, 3], alpha=0.25)
    0.5
    """
    alpha = _real(alpha, "alpha", lambda a: 0 <= a <= 1, "in [0, 1]")
    return _regression(_pinball(alpha), y_true, y_pred, sample_weight, multioutput)



def _half_tweedie_terms(t, p, power):
    """Half the unit deviances of scikit-learn's _mean_tweedie_deviance: its operations in its
    order, in the inputs' dtype, worked in place (half as many passes over memory)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if power == 1:  # Poisson: xlogy(t, t / p) - t + p, with 0 log(0 / p) = 0
            d = np.divide(t, p)
            np.log(d, out=d)
            d *= t
            np.copyto(d, 0, where=t == 0)
            d -= t
            d += p
            return d
        if power == 2:  # Gamma: log(p / t) + t / p - 1
            d = np.divide(p, t)
            np.log(d, out=d)
            d += t / p
            d -= 1
            return d
        # max(t, 0)^(2-q) / ((1-q)(2-q)) - t p^(1-q) / (1-q) + p^(2-q) / (2-q)
        d = np.power(np.maximum(t, 0) if power < 0 else t, 2 - power)
        d /= (1 - power) * (2 - power)
        e = np.power(p, 1 - power)
        e *= t
        e /= 1 - power
        d -= e
        np.power(p, 2 - power, out=e)
        e /= 2 - power
        d += e
        return d


def mean_tweedie_deviance(y_true, y_pred, *, sample_weight=None, power=0):
    """The mean unit deviance of a Tweedie distribution of power `power`.

    Equals ``sklearn.metrics.mean_tweedie_deviance`` (single output only, as there).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True target values.
    y_pred : array-like of shape (n_samples,)
        Predicted target values.
    sample_weight : array-like of shape (n_samples,), optional
        Sample weights (finite, not all zero).
    power : float, default 0
        Tweedie power, <= 0 or >= 1: 0 is the squared error (actloss's ``mse_loss`` kernel;
        any y), < 0 needs y_pred > 0, 1 (Poisson) and 1 < power < 2 need y_true >= 0 and
        y_pred > 0, power >= 2 (2: Gamma, 3: inverse Gaussian) needs both > 0.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        `power` in (0, 1) or not finite; targets outside the power's domain; several outputs;
        NaN or infinite values, inconsistent numbers of samples, all-zero or zero-sum weights.

    Notes
    -----
    The unit deviance d(y, m) = 2 (max(y, 0)^(2-p) / ((1-p)(2-p)) - y m^(1-p) / (1-p)
    + m^(2-p) / (2-p)), with the limits p = 1: 2 (y log(y / m) - y + m) and
    p = 2: 2 (log(m / y) + y / m - 1); the result is sum_i w_i d_i / sum_i w_i.

    Examples
    --------
    >>> from actloss.metrics import mean_tweedie_deviance
    >>> round(mean_tweedie_deviance([1, 0, 3, 2], [1.0, 0.5, 2.0, 4.0], power=1), 6)
    0.66505
    >>> mean_tweedie_deviance([1, 0, 3, 2], [1.0, 0.5, 2.0, 4.0])
    1.3125
    """
    power = _real(power, "power", lambda q: math.isfinite(q) and (q <= 0 or q >= 1),
                  "<= 0 or >= 1 (finite)")
    t, p, w, _, _ = _regression_args(y_true, y_pred, sample_weight)
    if t.shape[1] != 1:
        raise ValueError(f"mean_tweedie_deviance supports a single output; y_true and y_pred "
                         f"have {t.shape[1]}")
    t, p = t[:, 0], p[:, 0]
    needs = f"mean_tweedie_deviance with power={power:g} needs "
    _check_finite((t, "y_true"), (p, "y_pred"))
    if power < 0 and not (p > 0).all():
        raise ValueError(needs + "y_pred > 0")
    if 1 <= power < 2 and not ((t >= 0).all() and (p > 0).all()):
        raise ValueError(needs + "y_true >= 0 and y_pred > 0")
    if power >= 2 and not ((t > 0).all() and (p > 0).all()):
        raise ValueError(needs + "y_true > 0 and y_pred > 0")
    if power == 0:
        return float(_per_output(_squared, t[:, None], p[:, None], w)[0])
    return 2 * float(_average(_half_tweedie_terms(t, p, power), w))


def _deviance_doc(power, y_true_domain):
    """A decorator filling the Parameters, Returns and Raises of mean_poisson_deviance and
    mean_gamma_deviance into the docstring."""
    sections = f"""
    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True target values, {y_true_domain}.
    y_pred : array-like of shape (n_samples,)
        Predicted target values, > 0.
    sample_weight : array-like of shape (n_samples,), optional
        Sample weights (finite, not all zero).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        As ``mean_tweedie_deviance`` with power={power}.
"""

    def fill(f):
        f.__doc__ = f.__doc__.format(sections=sections)
        return f
    return fill


@_deviance_doc(1, ">= 0")
def mean_poisson_deviance(y_true, y_pred, *, sample_weight=None):
    """The mean Poisson unit deviance (Tweedie power 1).

    Equals ``sklearn.metrics.mean_poisson_deviance``: ``mean_tweedie_deviance`` with
    power=1, 2 (y log(y / m) - y + m) per sample (0 log 0 = 0).
{sections}
    Examples
    --------
    >>> from actloss.metrics import mean_poisson_deviance
    >>> round(mean_poisson_deviance([1, 0, 3, 2], [1.0, 0.5, 2.0, 4.0]), 6)
    0.66505
    """
    return mean_tweedie_deviance(y_true, y_pred, sample_weight=sample_weight, power=1)


@_deviance_doc(2, "> 0")
def mean_gamma_deviance(y_true, y_pred, *, sample_weight=None):
    """The mean Gamma unit deviance (Tweedie power 2).

    Equals ``sklearn.metrics.mean_gamma_deviance``: ``mean_tweedie_deviance`` with power=2,
    2 (log(m / y) + y / m - 1) per sample; invariant to scaling both by one factor.
{sections}
    Examples
    --------
    >>> from actloss.metrics import mean_gamma_deviance
    >>> round(mean_gamma_deviance([1, 0.5, 3, 2], [1.0, 0.5, 2.0, 4.0]), 6)
    0.143841
    """
    return mean_tweedie_deviance(y_true, y_pred, sample_weight=sample_weight, power=2)
