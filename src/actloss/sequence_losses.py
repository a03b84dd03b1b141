"""Sequence losses: the connectionist temporal classification loss (torch.nn.functional.ctc_loss)
and its gradient, on the _ctc kernels (log-space alpha/beta recursions in double, the batch
split over threads)."""
import operator

import numpy as np

from . import _dask, _dispatch, _threads
from ._validate import (KERNEL_INDEX, as_array, bool_option, check_reduction, kernel_array,
                        loss_grad_output, narrow, result_dtype, to_scalar)

__all__ = ["ctc_loss", "ctc_loss_backward", "ctc_loss_with_grad"]


def _kernels():
    return _dispatch.kernels("_ctc")


def _int_array(x, name, what):
    """x as an integer ndarray (int arrays, lists, tuples, Python ints); bool, floating and
    other dtypes are a TypeError. An empty list counts as integers."""
    a = as_array(x, name)
    if a.size == 0 and a.dtype.kind in "f":
        a = a.astype(np.int64)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{name} must be {what}, got dtype {a.dtype}")
    return a


def _lengths(x, name, n):
    """One length per sample as an int64 (n,) array (the kernels check their range)."""
    a = _int_array(x, name, "integers (an integer array, list or tuple, one per sample)")
    if a.size != n:
        raise ValueError(f"{name} must have one value per sample ({n}), got shape {a.shape}")
    if a.dtype == np.uint64 and a.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{name} must fit int64, got {a.max()}")
    return kernel_array(a.reshape(-1), np.int64)


class _Problem:
    """Checked arguments of one ctc_loss call, in the kernels' layout."""

    def __init__(self, log_probs, targets, input_lengths, target_lengths, blank, reduction,
                 zero_infinity):
        self.reduction = check_reduction(reduction)
        self.zero_infinity = bool_option(zero_infinity, "zero_infinity")
        x = as_array(log_probs, "log_probs")
        self.res_dtype, k_dtype = result_dtype(x.dtype, "log_probs")
        if x.ndim not in (2, 3):
            raise ValueError(f"log_probs must be (T, N, C) or unbatched (T, C), got shape "
                             f"{x.shape}")
        if x.size == 0:
            raise ValueError(f"log_probs must not be empty, got shape {x.shape}")
        self.batched = x.ndim == 3
        self.shape = x.shape
        x3 = x if self.batched else x[:, None, :]
        T, N, C = x3.shape
        if isinstance(blank, (bool, np.bool_)):
            raise TypeError("blank must be an int, got bool")
        try:
            blank = operator.index(blank)
        except TypeError:
            raise TypeError(f"blank must be an int, got {type(blank).__name__}") from None
        if not 0 <= blank < C:
            raise ValueError(f"blank must be in [0, {C}) (the number of classes C), got {blank}")
        self.blank = blank
        # the kernels check 0 <= input_lengths <= T, target_lengths >= 0 and every label
        self.il = _lengths(input_lengths, "input_lengths", N)
        self.tl = _lengths(target_lengths, "target_lengths", N)
        longest = int(self.tl.max())
        t = _int_array(targets, "targets", "integer class indices")
        if t.ndim == 2:
            if t.shape[0] != N:
                raise ValueError(f"padded targets must be (N, S) with N = {N} (the batch of "
                                 f"log_probs), got shape {t.shape}")
            if longest > t.shape[1]:
                raise ValueError(f"padded targets have {t.shape[1]} columns, fewer than the "
                                 f"longest target_lengths value {longest}")
            self.offsets = np.arange(N, dtype=np.int64) * t.shape[1]
        elif t.ndim == 1:
            if self.tl.min() < 0:
                raise ValueError(f"target_lengths must be >= 0, got {self.tl.min()}")
            total = int(self.tl.sum())
            if t.size != total:
                raise ValueError(f"concatenated targets must have sum(target_lengths) = {total} "
                                 f"elements, got {t.size}")
            self.offsets = np.zeros(N, np.int64)
            np.cumsum(self.tl[:-1], out=self.offsets[1:])
        else:
            raise ValueError(f"targets must be padded (N, S) or concatenated 1-D, got shape "
                             f"{t.shape}")
        if t.dtype == np.uint64 and t.size and t.max() > np.iinfo(np.int64).max:
            raise ValueError(f"targets must be class indices in [0, {C}), got {t.max()}")
        self.targets = kernel_array(t.reshape(-1), np.int64)
        self.x = kernel_array(x3, k_dtype)
        self.dt = KERNEL_INDEX[k_dtype]
        self.n_threads = _threads.threads_for(T * N * (2 * longest + 1) * 4, False)

    def loss_shape(self):
        return (self.shape[1],) if self.batched else ()

    def reduce(self, losses):
        """The loss from the float64 per-sample negative log-likelihoods."""
        if self.zero_infinity:
            losses[losses == np.inf] = 0.0
        if self.reduction == "none":
            return narrow(losses.reshape(self.loss_shape()), self.res_dtype)
        if self.reduction == "sum":
            return to_scalar(losses.sum(), self.res_dtype)
        return to_scalar((losses / np.maximum(self.tl, 1)).mean(), self.res_dtype)

    def factors(self, grad_output):
        """Per-sample factors of the gradient: grad_output through the reduction."""
        gy = loss_grad_output(grad_output, self.reduction, self.loss_shape())
        n = self.il.size
        if self.reduction == "none":
            return kernel_array(np.asarray(gy, np.float64).reshape(-1))
        if self.reduction == "sum":
            return np.full(n, float(gy))
        return float(gy) / np.maximum(self.tl, 1).astype(np.float64) / n

    def backward(self, grad_output):
        """(per-sample losses, gradient in the result dtype)."""
        factors = self.factors(grad_output)
        grad = np.empty(self.x.shape, self.x.dtype)
        losses = np.empty(self.il.size)
        _kernels().ctc_bwd(self.dt, self.x, self.targets, self.offsets, self.il, self.tl,
                           self.blank, factors, self.zero_infinity, grad, losses,
                           self.n_threads)
        return losses, narrow(grad.reshape(self.shape), self.res_dtype)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """The connectionist temporal classification loss (torch.nn.functional.ctc_loss).

    The negative log-likelihood of each target sequence, summed over every alignment of it
    (with blanks and repeats) to the input frames, by the forward recursion of Graves et al.
    (2006) in log space, accumulated in float64.

    Parameters
    ----------
    log_probs : array_like, (T, N, C) or unbatched (T, C)
        Log-probabilities of the C classes at each of T frames (usually log_softmax output;
        other values are taken as they are, as torch does). float32/float64 computed natively,
        float16 in float32.
    targets : array_like of int
        Padded (N, S), sample n's labels in its first target_lengths[n] columns (the rest is
        ignored), or concatenated 1-D of sum(target_lengths) labels. Labels are in [0, C);
        the blank is not meant to appear in a target (torch's rule), though it is accepted.
    input_lengths, target_lengths : array_like of int
        One length per sample (arrays, lists, tuples; an int for unbatched input):
        0 <= input_lengths <= T, target_lengths >= 0 (and <= S for padded targets).
    blank : int, default 0
        The blank class, in [0, C).
    reduction : {"none", "mean", "sum"}, default "mean"
        "mean" divides each loss by its target length (at least 1), then averages over the
        batch.
    zero_infinity : bool, default False
        Replace infinite losses (an input too short for its target) and their gradients by 0.

    Returns
    -------
    ndarray or scalar
        "none": the losses, (N,) (a 0-d array for unbatched input), float dtype of
        log_probs; otherwise a NumPy scalar of that dtype.

    Raises
    ------
    TypeError
        For non-integer targets or lengths, a non-int blank, a non-bool zero_infinity, or a
        complex/object log_probs.
    ValueError
        For a wrong shape, empty log_probs, a length out of range, a label outside [0, C), a
        blank outside [0, C) or an unknown reduction.

    Notes
    -----
    With extended labels l' = (blank, l1, blank, ..., lS, blank), alpha_t(s) =
    lse(alpha_{t-1}(s), alpha_{t-1}(s-1), alpha_{t-1}(s-2) if l'_s != l'_{s-2}) + lp_t(l'_s),
    and the loss is -lse(alpha_{T-1}(2S), alpha_{T-1}(2S-1)). An input too short for its
    target (T < S plus the number of repeated neighbours) gives inf.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> lp = F.log_softmax(np.random.default_rng(0).normal(size=(30, 2, 5)), dim=2)
    >>> loss = F.ctc_loss(lp, np.array([[1, 2, 2], [3, 4, 0]]), [30, 25], [3, 2])
    """
    if _dask.lazy(log_probs, targets, input_lengths, target_lengths):
        return _dask.loss("ctc_loss", locals())
    p = _Problem(log_probs, targets, input_lengths, target_lengths, blank, reduction,
                 zero_infinity)
    losses = np.empty(p.il.size)
    _kernels().ctc_fwd(p.dt, p.x, p.targets, p.offsets, p.il, p.tl, p.blank, losses,
                       p.n_threads)
    return p.reduce(losses)


def ctc_loss_backward(grad_output, log_probs, targets, input_lengths, target_lengths, blank=0,
                      reduction="mean", zero_infinity=False):
    """Gradient of :func:`ctc_loss` with respect to log_probs, as torch's autograd returns it.

    torch's CTC gradient takes log_probs to be log_softmax outputs: at frame t and class c it
    is ``grad_output * (exp(lp[t, c]) - gamma[t, c])``, gamma the posterior probability that
    an alignment emits c at t (sum over the states of label c of alpha * beta / (p exp(lp))),
    which is the gradient with respect to the logits before log_softmax. torch returns it for
    any log_probs, normalised or not, and so does actloss. Frames past a sample's input
    length get 0; an infinite loss gets 0 with zero_infinity and NaN (on its frames) without,
    as in torch.

    Parameters
    ----------
    grad_output : float or array_like
        Gradient of the loss: a scalar for "mean"/"sum", the loss's shape (or a scalar) for
        "none".
    log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity
        As for :func:`ctc_loss`.

    Returns
    -------
    ndarray
        The shape and float dtype of log_probs.

    Raises
    ------
    TypeError, ValueError
        As :func:`ctc_loss`, and for a grad_output of the wrong shape.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> lp = F.log_softmax(np.random.default_rng(0).normal(size=(30, 2, 5)), dim=2)
    >>> g = F.ctc_loss_backward(1.0, lp, np.array([[1, 2, 2], [3, 4, 0]]), [30, 25], [3, 2])
    >>> g.shape
    (30, 2, 5)
    >>> bool(np.all(g[25:, 1] == 0))  # past the second input's length
    True
    """
    if _dask.lazy(grad_output, log_probs, targets, input_lengths, target_lengths):
        return _dask.loss("ctc_loss_backward", locals())
    p = _Problem(log_probs, targets, input_lengths, target_lengths, blank, reduction,
                 zero_infinity)
    return p.backward(grad_output)[1]


def ctc_loss_with_grad(log_probs, targets, input_lengths, target_lengths, blank=0,
                       reduction="mean", zero_infinity=False, *, grad_output=1.0):
    """Loss and log_probs gradient of :func:`ctc_loss` from one pass of the recursions.

    Parameters
    ----------
    log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity
        As for :func:`ctc_loss`.
    grad_output : float or array_like, default 1.0
        As for :func:`ctc_loss_backward`.

    Returns
    -------
    loss, grad : ndarray or NumPy scalar, ndarray
        ``ctc_loss(...)`` and ``ctc_loss_backward(grad_output, ...)``, as a tuple.

    Raises
    ------
    TypeError, ValueError
        As :func:`ctc_loss`, and for a grad_output of the wrong shape.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> lp = F.log_softmax(np.random.default_rng(0).normal(size=(30, 2, 5)), dim=2)
    >>> loss, grad = F.ctc_loss_with_grad(lp, np.array([[1, 2, 2], [3, 4, 0]]), [30, 25],
    ...                                   [3, 2])
    >>> bool(loss == F.ctc_loss(lp, np.array([[1, 2, 2], [3, 4, 0]]), [30, 25], [3, 2]))
    True
    >>> grad.shape
    (30, 2, 5)
    """
    if _dask.lazy(log_probs, targets, input_lengths, target_lengths):
        return _dask.loss("ctc_loss_with_grad", locals())
    p = _Problem(log_probs, targets, input_lengths, target_lengths, blank, reduction,
                 zero_infinity)
    losses, grad = p.backward(grad_output)
    return p.reduce(losses), grad
