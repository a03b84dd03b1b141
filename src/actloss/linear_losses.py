"""linear_cross_entropy (torch.nn.functional.linear_cross_entropy): the cross-entropy of a
linear output layer, ``cross_entropy(input @ linear_weight.T + linear_bias, target,
weight=weight)``, and its gradients with respect to input, linear_weight and linear_bias, in
chunks of the vocabulary (the V output classes) without ever holding the (N, V) logits.

Pass 1 walks the vocabulary in chunks of `chunk_size` classes: one BLAS matmul gives the
chunk's logits (N, chunk), cross_entropy's row kernel (as in actloss.logsumexp) their row
log-sum-exp in double, which is merged into the running one (np.logaddexp); the target's logit
and (with label smoothing) the weighted sum of the logits are picked up on the way. That is
the loss. Pass 2, for the gradients, goes back through the chunks, recomputes each one's logits
(but the last one's, still in the buffer) and turns them in place into the chunk of
dL/dlogits, G = g * (softmax * a - b * onehot(target) - s * weight), then accumulates
grad_input += G @ weight_chunk and writes grad_weight[chunk] = G.T @ input and
grad_bias[chunk] = G summed over the rows.

Memory: O(N * chunk) for the chunk of logits, beyond the inputs and the gradients themselves.
Time: one matmul of N x D x V for the loss; for the loss and the gradients four, less the last
chunk's recomputation -- the unfused path does three but writes and reads two N x V arrays;
chunk_size >= V does three, holding one N x V array.

Shapes: input (N, D) or (D,) as torch's, and beyond torch any (*, D), the leading dimensions
flattened into the batch (class dimension last, as a language model's ``logits.view(-1, V)``);
linear_weight (V, D), as nn.Linear's; linear_bias (V,); target (*) of class indices (0-d for a
1-D input). Not taken (torch has them): class-probability targets and K-dimensional weights
(V, d1, ..., dK, D) -- use cross_entropy on explicit logits -- and torch's `options` (its
batch-chunking policy; chunk_size is this function's own knob).
"""
import operator

import numpy as np

from . import _dask, _threads
from .class_losses import _int_param, _kernels, _no_weight_nan, _target_out_of_bounds
from ._validate import (KERNEL_INDEX, as_array, check_reduction, finish_loss, kernel_array,
                        loss_grad_output, narrow, promoted_dtype, real_param, result_dtype)

__all__ = ["linear_cross_entropy", "linear_cross_entropy_backward",
           "linear_cross_entropy_with_grad"]

# Default chunk: about 2**22 logits (16 MB in float32) per chunk -- large enough that each
# chunk's matmuls run at full BLAS speed, small enough to stay far below an N x V array.
_CHUNK_ELEMENTS = 1 << 22


class _Problem:
    """Checked arguments: 2-D kernel-dtype arrays, int64 targets, per-row weights, chunking."""

    def __init__(self, input, linear_weight, target, linear_bias, weight, ignore_index,
                 reduction, label_smoothing, chunk_size):
        x = as_array(input)
        wm = as_array(linear_weight, "linear_weight")
        t = as_array(target, "target")
        b = None if linear_bias is None else as_array(linear_bias, "linear_bias")
        cw = None if weight is None else as_array(weight, "weight")
        if x.ndim == 0:
            raise ValueError("linear_cross_entropy: input must have at least 1 dimension "
                             "(..., D), got a 0-d array")
        if wm.ndim != 2:
            raise ValueError(f"linear_weight must be a 2-D array (V, D) as nn.Linear's weight, "
                             f"got shape {wm.shape} (K-dimensional weights are not supported)")
        V, D = wm.shape
        if x.shape[-1] != D:
            raise ValueError(f"input has shape {x.shape}; its last dimension must be D = {D}, "
                             f"the second of linear_weight's shape {wm.shape}")
        if b is not None and b.shape != (V,):
            raise ValueError(f"linear_bias must have shape ({V},) for linear_weight of shape "
                             f"{wm.shape}, got {b.shape}")
        if cw is not None and cw.shape != (V,):
            raise ValueError(f"weight must be a 1-D array of V = {V} class weights, got "
                             f"shape {cw.shape}")
        arrays = [(x, "input"), (wm, "linear_weight")] + (
            [(b, "linear_bias")] if b is not None else [])
        self.res_dtype, k = promoted_dtype(*arrays, aux=[(cw, "weight")] if cw is not None else [])
        self.k_dtype = k
        if t.dtype.kind == "f":
            raise TypeError(f"target must hold integer class indices, got dtype {t.dtype} "
                            f"(class-probability targets: use cross_entropy on the logits)")
        if t.dtype.kind not in "iub":
            raise TypeError(f"target must hold integer class indices, got dtype {t.dtype}")
        if t.dtype.kind == "b":
            raise TypeError("target must hold integer class indices, got dtype bool")
        self.loss_shape = x.shape[:-1]
        if t.shape != self.loss_shape:
            raise ValueError(f"target has shape {t.shape}, expected {self.loss_shape} for input "
                             f"of shape {x.shape} (one class index per row of input)")
        # None (torch's default) means -100, as cross_entropy's default
        self.ignore_index = ii = -100 if ignore_index is None else _int_param(ignore_index,
                                                                                "ignore_index")
        self.eps = eps = real_param(label_smoothing, "label_smoothing")
        if not 0.0 <= eps <= 1.0:
            raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {eps}")
        self.reduction = reduction
        self.V, self.D = V, D
        self.N = N = int(np.prod(self.loss_shape, dtype=np.int64))
        if chunk_size is None:
            cs = max(1, _CHUNK_ELEMENTS // max(N, 1))
        else:
            if isinstance(chunk_size, (bool, np.bool_)):
                raise TypeError("chunk_size must be an int or None, got bool")
            try:
                cs = operator.index(chunk_size)
            except TypeError:
                raise TypeError(f"chunk_size must be an int or None, got "
                                f"{type(chunk_size).__name__}") from None
            if cs < 1:
                raise ValueError(f"chunk_size must be >= 1, got {cs}")
        self.chunk = max(1, min(cs, V))
        self.input_shape = x.shape
        self.h = kernel_array(x.reshape(N, D), k)
        self.w = kernel_array(wm, k)
        self.b = None if b is None else kernel_array(b, k)
        # targets as int64 (uint64 beyond int64 cannot be a class index nor an int64 ignore_index)
        if t.dtype.kind == "u" and t.dtype.itemsize == 8 and t.size and t.max() > 2**63 - 1:
            raise ValueError("target holds class indices beyond int64")
        t = np.ascontiguousarray(t, dtype=np.int64).reshape(N)
        valid = t != ii
        bad = np.flatnonzero(valid & ((t < 0) | (t >= V)))
        if bad.size:
            raise _target_out_of_bounds(t[bad[0]], V, ii)
        self.t, self.valid = t, valid
        self.arange = np.arange(N)
        if cw is not None:
            result_dtype(cw.dtype, "weight")
            cw64 = np.ascontiguousarray(cw, dtype=np.float64)
            self.cw = kernel_array(cw64, k)            # the chunks' factors
            self.w_sum = float(cw64.sum())
            self.w_t = np.zeros(N)
            self.w_t[valid] = cw64[t[valid]]
        else:
            self.cw = None
            self.w_sum = float(V)
            self.w_t = valid.astype(np.float64)
        # what "mean" divides by: the weights of the targets that are not ignored
        self.den = float(self.w_t.sum())
        # the valid rows grouped by the chunk that holds their target
        rows = np.flatnonzero(valid)
        chunk_of = t[rows] // self.chunk
        order = np.argsort(chunk_of, kind="stable")
        self.rows = rows[order]
        n_chunks = -(-V // self.chunk)   # 0 for V = 0: every target is then ignored
        self.starts = np.searchsorted(chunk_of[order], np.arange(n_chunks + 1))

    def chunks(self, reverse=False):
        """(first class, last class + 1, the valid rows whose target is in the chunk), in
        order or from the last chunk back."""
        n_chunks = len(self.starts) - 1
        for j in (range(n_chunks - 1, -1, -1) if reverse else range(n_chunks)):
            c0 = j * self.chunk
            yield c0, min(c0 + self.chunk, self.V), self.rows[self.starts[j]:self.starts[j + 1]]

    def logits(self, buf, c0, c1):
        """The chunk's logits input @ linear_weight[c0:c1].T + linear_bias[c0:c1], in buf."""
        z = buf[:self.N * (c1 - c0)].reshape(self.N, c1 - c0)
        np.matmul(self.h, self.w[c0:c1].T, out=z)
        if self.b is not None:
            z += self.b[c0:c1]
        return z

    def buffer(self):
        return np.empty(self.N * self.chunk, self.k_dtype)

    def chunk_lse(self, z):
        """The rows' log-sum-exp over a chunk of logits, in double: m + log1p(S) with m the
        row maximum and S the sum of exp(z_j - m) over the others, from cross_entropy's row
        kernel with the maximum as the target (as actloss.logsumexp; here without its
        argument handling and without rounding the result to the input's dtype)."""
        top = z.argmax(axis=1)   # NaN first: argmax puts NaN above everything
        m = z[self.arange, top].astype(np.float64)
        log1p_s = np.empty(self.N)
        _kernels().cross_entropy(KERNEL_INDEX[self.k_dtype], z, top, None, self.N, z.shape[1],
                                 1, -1, 0.0, log1p_s, 0.0, None, 0, None,
                                 _threads.threads_for(z.size, False))
        return np.where(np.isinf(m), m, m + log1p_s)   # +-inf rows: log1p_s is NaN

    def forward(self, buf):
        """Pass 1: (per-row losses in float64, per-row log-sum-exp in float64)."""
        N = self.N
        lse = np.full(N, -np.inf)
        x_t = np.zeros(N)
        smooth = np.zeros(N) if self.eps else None   # sum over classes of w_c * logit_c
        with np.errstate(all="ignore"):
            for c0, c1, rows in self.chunks():
                z = self.logits(buf, c0, c1)
                np.logaddexp(lse, self.chunk_lse(z), out=lse)
                x_t[rows] = z[rows, self.t[rows] - c0]
                if smooth is not None:
                    smooth += z.sum(1) if self.cw is None else z @ self.cw[c0:c1]
            nll = lse - x_t
            loss = (1.0 - self.eps) * self.w_t * nll
            if smooth is not None and self.V:
                loss += self.eps / self.V * (self.w_sum * lse - smooth)
            loss = np.where(self.valid, loss, 0.0)  # ignored rows: 0 even for non-finite logits
        return loss, lse

    def finish(self, loss):
        """The loss as the reduction returns it."""
        if self.reduction == "none":
            return narrow(loss.reshape(self.loss_shape), self.res_dtype)
        total = float(loss.sum())
        return finish_loss(self.reduction, _no_weight_nan(self.reduction, total, self.den),
                           self.den, self.res_dtype)

    def backward(self, buf, lse, grad_output):
        """Pass 2: (grad_input, grad_weight, grad_bias or None) in the result dtype."""
        N, k = self.N, self.k_dtype
        go = loss_grad_output(grad_output, self.reduction, self.loss_shape)
        if self.reduction == "none":
            g = np.asarray(go, dtype=np.float64).reshape(N)
        elif self.reduction == "sum":
            g = np.full(N, float(go))
        else:
            g = np.full(N, float(go) / self.den if self.den else np.nan)
        g = np.where(self.valid, g, 0.0)
        eps = self.eps
        # d loss_row / d logit_j = a p_j - b [j == t] - s w_j
        a64 = g * ((1.0 - eps) * self.w_t + eps * self.w_sum / self.V)
        a = a64.astype(k)
        bt = (g * (1.0 - eps) * self.w_t).astype(k)
        s = (g * (eps / self.V)).astype(k) if eps else None
        # a >= 0 (the usual case: non-negative weights and grad_output) is folded into the
        # exponential, a p_j = exp(z_j - (lse - log a)): one pass over the chunk fewer; a = 0
        # (ignored rows) gives exp(-inf) = 0
        with np.errstate(divide="ignore"):
            fold = bool(np.all(a64 >= 0))
            shift = (lse - np.log(a64) if fold else lse).astype(k)
        gh = np.zeros((N, self.D), k)
        gw = np.empty((self.V, self.D), k)
        gb = None if self.b is None else np.empty(self.V, k)
        tmp_h = np.empty((N, self.D), k)
        tmp = np.empty_like(buf) if s is not None and self.cw is not None else None
        ones = np.ones(N, k)   # grad_bias = ones @ G: a BLAS matrix-vector product
        with np.errstate(all="ignore"):
            # backwards: the last chunk's logits are still in buf from pass 1 (with a single
            # chunk, chunk_size >= V, nothing is recomputed: three matmuls in all)
            last = True
            for c0, c1, rows in self.chunks(reverse=True):
                if last:
                    z = buf[:N * (c1 - c0)].reshape(N, c1 - c0)
                    last = False
                else:
                    z = self.logits(buf, c0, c1)
                z -= shift[:, None]
                np.exp(z, out=z)
                if not fold:
                    z *= a[:, None]
                if s is not None:
                    if self.cw is None:
                        z -= s[:, None]
                    else:
                        part = tmp[:z.size].reshape(z.shape)
                        np.multiply(s[:, None], self.cw[c0:c1], out=part)
                        z -= part
                z[rows, self.t[rows] - c0] -= bt[rows]
                gh += np.matmul(z, self.w[c0:c1], out=tmp_h)
                np.matmul(z.T, self.h, out=gw[c0:c1])
                if gb is not None:
                    np.matmul(ones, z, out=gb[c0:c1])
        res = self.res_dtype
        return (narrow(gh.reshape(self.input_shape), res), narrow(gw, res),
                None if gb is None else narrow(gb, res))


def _problem(input, linear_weight, target, linear_bias, weight, ignore_index, reduction,
             label_smoothing, chunk_size):
    return _Problem(input, linear_weight, target, linear_bias, weight, ignore_index,
                    check_reduction(reduction), label_smoothing, chunk_size)


_SHARED_DOC = """
    Parameters
    ----------
    input : array_like
        The layer's input h, shape (N, D) or (D,) as torch's; beyond torch, any (*, D), the
        leading dimensions flattened into the batch (the classes last, as a language model's
        ``logits.view(-1, V)``). float32/float64 (float16 computed in float32).
    linear_weight : array_like
        The output layer's weight W, shape (V, D) as nn.Linear's (V classes).
    target : array_like
        Class indices of any integer dtype, of input's shape without its last dimension.
    linear_bias : array_like, optional
        The output layer's bias b, shape (V,).
    weight : array_like, optional
        V class weights, as cross_entropy's `weight`.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the per-row losses (shape of target); 'mean': their sum divided by the class
        weights of the targets not ignored (NaN when all are ignored); 'sum': their sum.
    ignore_index : int or None, default None
        Targets equal to it contribute nothing; None means -100 (torch's default).
    label_smoothing : float in [0, 1], default 0.0
    chunk_size : int, optional
        Beyond torch: classes per chunk of logits (N x chunk_size are held at a time);
        default about 2**22 / N, at most V. Results do not depend on it beyond rounding.
"""


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None,
                         reduction="mean", ignore_index=None, label_smoothing=0.0,
                         chunk_size=None):
    if _dask.lazy(input, linear_weight, target, linear_bias, weight):
        return _dask.loss("linear_cross_entropy", locals())
    p = _problem(input, linear_weight, target, linear_bias, weight, ignore_index, reduction,
                 label_smoothing, chunk_size)
    if p.N == 0 or p.V == 0:   # V = 0: every target is ignore_index (others raised)
        return p.finish(np.zeros(p.N))
    return p.finish(p.forward(p.buffer())[0])


def linear_cross_entropy_backward(grad_output, input, linear_weight, target, *,
                                  linear_bias=None, weight=None, reduction="mean",
                                  ignore_index=None, label_smoothing=0.0, chunk_size=None):
    if _dask.lazy(grad_output, input, linear_weight, target, linear_bias, weight):
        return _dask.loss("linear_cross_entropy_backward", locals())
    p = _problem(input, linear_weight, target, linear_bias, weight, ignore_index, reduction,
                 label_smoothing, chunk_size)
    return _with_grad(p, grad_output)[1:]


def linear_cross_entropy_with_grad(input, linear_weight, target, *, linear_bias=None,
                                   weight=None, reduction="mean", ignore_index=None,
                                   label_smoothing=0.0, chunk_size=None, grad_output=1.0):
    if _dask.lazy(input, linear_weight, target, linear_bias, weight):
        return _dask.loss("linear_cross_entropy_with_grad", locals())
    p = _problem(input, linear_weight, target, linear_bias, weight, ignore_index, reduction,
                 label_smoothing, chunk_size)
    return _with_grad(p, grad_output)


def _with_grad(p, grad_output):
    if p.N == 0 or p.V == 0:
        loss_grad_output(grad_output, p.reduction, p.loss_shape)   # still checked
        res = p.res_dtype
        return (p.finish(np.zeros(p.N)), np.zeros(p.input_shape, res),
                np.zeros((p.V, p.D), res), None if p.b is None else np.zeros(p.V, res))
    buf = p.buffer()
    loss, lse = p.forward(buf)
    return (p.finish(loss),) + p.backward(buf, lse, grad_output)


linear_cross_entropy.__doc__ = """Cross-entropy of a linear layer's output without its logits
    matrix: ``cross_entropy(input @ linear_weight.T + linear_bias, target, weight=weight, ...)``
    (torch.nn.functional.linear_cross_entropy).

    The (N, V) logits are never formed: they are computed chunk_size classes at a time
    (NumPy matmul, i.e. BLAS) and reduced to each row's log-sum-exp as they go, so the memory
    beyond the inputs is O(N * chunk_size) -- the output layer of a large vocabulary.
""" + _SHARED_DOC + """
    Returns
    -------
    ndarray or NumPy scalar
        The per-row losses (target's shape) for 'none', else a scalar; in the dtype of
        input, linear_weight and linear_bias promoted together (a floating class weight
        promotes too, as in cross_entropy).

    Raises
    ------
    ValueError
        linear_weight not (V, D), input's last dimension not D, linear_bias or weight not
        (V,), target not of input's leading shape, a target outside [0, V) that is not
        ignore_index, label_smoothing outside [0, 1], chunk_size < 1, an unknown reduction.
    TypeError
        Non-integer targets (class probabilities are not taken), non-numeric arrays, a
        chunk_size that is not an int.

    Notes
    -----
    With z = input @ linear_weight.T + linear_bias, lse the row's log-sum-exp of z, w the class
    weights (1 without), eps = label_smoothing: loss = (1 - eps) w_t (lse - z_t) + eps / V *
    sum_c w_c (lse - z_c) per row, 0 for ignored rows -- cross_entropy's formula on z. One
    matmul of N x D x V.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> h, W = np.ones((2, 3)), np.zeros((5, 3))
    >>> float(F.linear_cross_entropy(h, W, np.array([0, 4])))  # uniform over 5 classes
    1.6094379124341003
    """

linear_cross_entropy_backward.__doc__ = """Gradients of ``linear_cross_entropy`` with respect
    to input, linear_weight and linear_bias: ``(grad_input, grad_weight, grad_bias)``.

    grad_output is a scalar for 'mean'/'sum' and an array of target's shape for 'none'.
    Two passes over the vocabulary: the log-sum-exp of every row (as the forward), then each
    chunk's logits again, made into G = dloss/dlogits in place, giving
    grad_input += G @ linear_weight[chunk], grad_weight[chunk] = G.T @ input and
    grad_bias[chunk] = sum of G over the rows.
""" + _SHARED_DOC + """
    Returns
    -------
    grad_input : ndarray
        Shape of input.
    grad_weight : ndarray
        Shape (V, D).
    grad_bias : ndarray or None
        Shape (V,); None when linear_bias is None.
        All three in the dtype of input, linear_weight and linear_bias promoted together.

    Raises
    ------
    ValueError, TypeError
        As ``linear_cross_entropy``, and for a grad_output of the wrong shape.

    Notes
    -----
    Per row, with p the softmax of z and g the row's share of grad_output (divided by the
    sum of the class weights of the targets not ignored for 'mean'; 0 for ignored rows):
    dloss/dz_j = g (p_j ((1 - eps) w_t + eps W / V) - (1 - eps) w_t [j == t] - eps w_j / V),
    W the sum of the class weights.
    """

linear_cross_entropy_with_grad.__doc__ = """``(linear_cross_entropy(...),
    linear_cross_entropy_backward(grad_output, ...))`` from one first pass: the training-loop
    call (one log-sum-exp pass, one gradient pass; four matmuls of N x D x V in all).
""" + _SHARED_DOC + """    grad_output : float or array_like, default 1.0
        A scalar for 'mean'/'sum'; for 'none' an array of target's shape, or a scalar used
        for every row.

    Returns
    -------
    loss : ndarray or NumPy scalar
        What ``linear_cross_entropy`` returns.
    grad_input, grad_weight, grad_bias : ndarray, ndarray, ndarray or None
        What ``linear_cross_entropy_backward`` returns, flat after the loss:
        ``loss, gh, gW, gb = linear_cross_entropy_with_grad(...)``.

    Raises
    ------
    ValueError, TypeError
        As ``linear_cross_entropy_backward``.
    """
