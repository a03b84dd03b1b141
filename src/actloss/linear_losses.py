"""linear_cross_entropy (torch.nn.functional.linear_cross_entropy): the cross-entropy of a
linear output layer, ``cross_entropy(input @ linear_weight.T + linear_bias, target,
weight=weight)``, and its gradients with respect to input, linear_weight and linear_bias, in
chunks of the vocabulary (the V output classes) without ever holding the (N, V) logits.

Pass 1 walks the vocabulary in chunks of `chunk_size` classes: one BLAS matmul gives the
chunk's logits (N, chunk), cross_entropy's row kernel (as in actloss.logsumexp) their row
log-sum-exp in double, which is merged into the running one (np.logaddexp). For class-index
targets the target's logit and (with label smoothing) the weighted sum of the logits are
picked up on the way; for class-probability targets cross_entropy's probability row kernel
gives each chunk's sum_j w_j q'_j (lse_chunk - z_j), which is moved onto the running
log-sum-exp as that grows (+ sum_j w_j q'_j times the growth). That is the loss. Pass 2, for
the gradients, goes back through the chunks, recomputes each one's logits (but the last
one's, still in the buffer) and turns them in place into the chunk of dL/dlogits,
G = g * (softmax * a - c) with c the row's weighted, smoothed target distribution, then
accumulates grad_input += G @ weight_chunk and writes grad_weight[chunk] = G.T @ input and
grad_bias[chunk] = G summed over the rows.

Memory: O(N * chunk) for the chunk of logits (and, for probability targets, one more N x chunk
buffer for the chunk's target slice), beyond the inputs and the gradients themselves.
Time: one matmul of N x D x V for the loss; for the loss and the gradients four, less the last
chunk's recomputation -- the unfused path does three but writes and reads two N x V arrays;
chunk_size >= V does three.

One chunk (chunk_size >= V, the default whenever N * V <= 2**22): nothing is carried between
chunks, so each position's logits go straight to cross_entropy's row kernel, which gives
the row losses and, for the gradients, G in the same pass (into a second N x V buffer) --
the results of cross_entropy on the logits written out, at its speed.

Shapes: as torch's. input (N, D) or (D,), and beyond torch any ``(*, D)``, the leading dimensions
flattened into the batch; linear_weight (V, D) as nn.Linear's, or (V, d1, ..., dK, D) for a
K-dimensional loss (batched input only, as torch): the logits are then
``(input @ linear_weight.reshape(-1, D).T).reshape(*batch, V, d1, ..., dK)``, i.e. one (V, D)
output layer linear_weight[:, i1, ..., iK, :] per position, each run as its own chunked
problem over the same input; linear_bias (V, d1, ..., dK). The logits' shape is
``(*batch, V, d1, ..., dK)`` and target is either class indices of shape
``(*batch, d1, ..., dK)`` or class probabilities of the logits' shape (the shape decides, as in torch). torch's `options`
(a LinearCrossEntropyOptions, its batch-chunking policy) is taken only as None, its default
and the reference path whose results these are -- so that a call written for torch runs
unchanged, as nn.LinearCrossEntropyLoss's options=None; any other value is a TypeError, not
silently ignored: chunk_size is this function's own chunking knob.
"""
import math
import operator

import numpy as np

from . import _dask, _threads
from .class_losses import _int_param, _kernels, _no_weight_nan, _target_out_of_bounds
from ._validate import (KERNEL_INDEX, as_array, check_reduction, copy_into, finish_loss,
                        kernel_array, loss_grad_output, narrow, promoted_dtype, real_param,
                        result_dtype)

__all__ = ["linear_cross_entropy", "linear_cross_entropy_backward",
           "linear_cross_entropy_with_grad"]

# Default chunk: about 2**22 logits (16 MB in float32) per chunk -- large enough that each
# chunk's matmuls run at full BLAS speed, small enough to stay far below an N x V array.
_CHUNK_ELEMENTS = 1 << 22


def _moved(mass, growth):
    """mass * growth, the change of sum_j c_j (lse - z_j) when lse grows by `growth` and
    sum_j c_j is `mass`; 0 where either is 0 (the first chunk: no mass yet, an infinite growth
    from lse = -inf)."""
    return np.where((mass == 0) | (growth == 0), 0.0, mass * growth)


def _growth(grown, lse):
    """grown - lse, 0 where they are equal (also both -inf or both +inf)."""
    return np.where(grown == lse, 0.0, grown - lse)


class _Problem:
    """Checked arguments: kernel-dtype arrays (input (N, D), weight (V, P, D), bias (V, P),
    P = d1 * ... * dK the positions of a K-dimensional loss, 1 otherwise), int64 class
    targets (N, P) or probability targets (N, V, P) as given, per-row weights, chunking."""

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
        if wm.ndim < 2:
            raise ValueError(f"linear_weight must be (V, D) as nn.Linear's weight, or "
                             f"(V, d1, ..., dK, D) for a K-dimensional loss, got shape "
                             f"{wm.shape}")
        V, out, D = wm.shape[0], wm.shape[1:-1], wm.shape[-1]
        if x.shape[-1] != D:
            raise ValueError(f"input has shape {x.shape}; its last dimension must be D = {D}, "
                             f"the last of linear_weight's shape {wm.shape}")
        if b is not None and b.shape != (V,) + out:
            raise ValueError(f"linear_bias must have shape {(V,) + out} for linear_weight of "
                             f"shape {wm.shape}, got {b.shape}")
        if out and x.ndim < 2:
            raise ValueError(f"a K-dimensional loss (linear_weight of shape {wm.shape}) needs "
                             f"batched input (N, {D}), got input of shape {x.shape}")
        if cw is not None and cw.shape != (V,):
            raise ValueError(f"weight must be a 1-D array of V = {V} class weights, got "
                             f"shape {cw.shape}")
        batch = x.shape[:-1]
        self.loss_shape = batch + out
        logits_shape = batch + (V,) + out
        # as torch: a target of the logits' shape holds class probabilities
        self.probs = probs = t.shape == logits_shape
        if probs:
            if t.dtype.kind != "f":
                raise TypeError(f"a target of the logits' shape {logits_shape} holds class "
                                f"probabilities and must be floating, got dtype {t.dtype}")
            if ignore_index is not None:
                raise ValueError(f"ignore_index cannot be given with class-probability "
                                 f"targets (target of the logits' shape {logits_shape}), "
                                 f"got {ignore_index!r}")
        else:
            if t.dtype.kind not in "iu":
                raise TypeError(f"target must hold integer class indices (or be floating "
                                f"class probabilities of the logits' shape {logits_shape}), "
                                f"got dtype {t.dtype} and shape {t.shape}")
            if t.shape != self.loss_shape:
                raise ValueError(f"target has shape {t.shape}, expected {self.loss_shape} "
                                 f"(class indices) or {logits_shape} (class probabilities) "
                                 f"for input of shape {x.shape} and linear_weight of shape "
                                 f"{wm.shape}")
        arrays = [(x, "input"), (wm, "linear_weight")] + (
            [(b, "linear_bias")] if b is not None else [])
        aux = ([(cw, "weight")] if cw is not None else []) + ([(t, "target")] if probs else [])
        self.res_dtype, k = promoted_dtype(*arrays, aux=aux)
        self.k_dtype = k
        self.eps = eps = real_param(label_smoothing, "label_smoothing")
        if not 0.0 <= eps <= 1.0:
            raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {eps}")
        self.reduction = reduction
        self.V, self.D = V, D
        self.N = N = math.prod(batch)
        self.P = P = math.prod(out)
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
        self.input_shape, self.weight_shape = x.shape, wm.shape
        self.bias_shape = None if b is None else b.shape
        self.h = kernel_array(x.reshape(N, D), k)
        self.w = kernel_array(wm, k).reshape(V, P, D)
        self.b = None if b is None else kernel_array(b, k).reshape(V, P)
        self.arange = np.arange(N)
        if cw is not None:
            result_dtype(cw.dtype, "weight")
            self.cw64 = np.ascontiguousarray(cw, dtype=np.float64)
            self.cw = kernel_array(self.cw64, k)            # the chunks' factors
            self.w_sum = float(self.cw64.sum())
        else:
            self.cw64 = self.cw = None
            self.w_sum = float(V)
        if probs:
            self.ignore_index = None
            # q stays in its dtype and layout: each chunk's slice is copied as it is needed
            self.q = t.reshape(N, V, P)
            # what "mean" divides by: the rows (torch: NaN for empty logits, V = 0 too)
            self.den = float(N * P) if V else 0.0
            return
        # None (torch's default) means -100, as cross_entropy's default
        self.ignore_index = ii = -100 if ignore_index is None else _int_param(ignore_index,
                                                                                "ignore_index")
        # targets as int64 (uint64 beyond int64 cannot be a class index nor an int64 ignore_index)
        if t.dtype.kind == "u" and t.dtype.itemsize == 8 and t.size and t.max() > 2**63 - 1:
            raise ValueError("target holds class indices beyond int64")
        t = np.ascontiguousarray(t, dtype=np.int64).reshape(N, P)
        valid = t != ii
        bad = np.flatnonzero(valid & ((t < 0) | (t >= V)))
        if bad.size:
            raise _target_out_of_bounds(t.reshape(-1)[bad[0]], V, ii)
        self.t, self.valid = t, valid
        if cw is not None:
            self.w_t = np.zeros((N, P))
            self.w_t[valid] = self.cw64[t[valid]]
        else:
            self.w_t = valid.astype(np.float64)
        # what "mean" divides by: the weights of the targets that are not ignored
        self.den = float(self.w_t.sum())

    def chunks(self, p, reverse=False):
        """(first class, last class + 1, the valid rows of position p whose target is in the
        chunk -- None for probability targets), in order or from the last chunk back."""
        n_chunks = -(-self.V // self.chunk)   # 0 for V = 0
        if not self.probs:
            t = self.t[:, p]
            rows = np.flatnonzero(self.valid[:, p])
            chunk_of = t[rows] // self.chunk
            order = np.argsort(chunk_of, kind="stable")
            rows = rows[order]
            starts = np.searchsorted(chunk_of[order], np.arange(n_chunks + 1))
        for j in (range(n_chunks - 1, -1, -1) if reverse else range(n_chunks)):
            c0 = j * self.chunk
            yield (c0, min(c0 + self.chunk, self.V),
                   None if self.probs else rows[starts[j]:starts[j + 1]])

    def logits(self, buf, p, c0, c1):
        """The chunk's logits input @ linear_weight[c0:c1, p].T + linear_bias[c0:c1, p], in
        buf."""
        z = buf[:self.N * (c1 - c0)].reshape(self.N, c1 - c0)
        np.matmul(self.h, self.w[c0:c1, p].T, out=z)
        if self.b is not None:
            z += self.b[c0:c1, p]
        return z

    def buffer(self):
        return np.empty(self.N * self.chunk, self.k_dtype)

    def target_chunk(self, buf, p, c0, c1):
        """The probability targets q[:, c0:c1] of position p, in buf in the kernel dtype."""
        qc = buf[:self.N * (c1 - c0)].reshape(self.N, c1 - c0)
        copy_into(qc, self.q[:, c0:c1, p])
        return qc

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

    def one_chunk(self):
        """Whether one chunk holds every class: then each position's logits are formed once
        and cross_entropy's row kernels do the rest (`by_row_kernel`)."""
        return self.chunk >= self.V

    def by_row_kernel(self, bufs, p, g=None):
        """Position p's per-row losses (float64, N) and, with g (each row's share of
        grad_output, float64 N), G = dloss/dlogits in bufs[1] -- from its whole logits by
        cross_entropy's row kernel (or its probability kernel), as cross_entropy computes
        them from the logits written out: one pass, no log-sum-exp carried between chunks."""
        N, V = self.N, self.V
        z = self.logits(bufs[0], p, 0, V)
        loss = np.empty(N)
        G = None if g is None else bufs[1][:z.size].reshape(z.shape)
        K, dt, n_threads = _kernels(), KERNEL_INDEX[self.k_dtype], _threads.threads_for(z.size,
                                                                                        False)
        if self.probs:
            q = self.target_chunk(bufs[2], p, 0, V)
            K.cross_entropy_prob(dt, z, q, self.cw64, N, V, 1, self.eps, loss, 0.0, g, G,
                                 n_threads)
        else:
            K.cross_entropy(dt, z, np.ascontiguousarray(self.t[:, p]), self.cw64, N, V, 1,
                            self.ignore_index, self.eps, loss, 0.0, g, 0, G, n_threads)
        return loss, G

    def forward(self, buf):
        """Pass 1: (per-row losses, per-row log-sum-exp, per-row sum_j w_j q'_j for
        probability targets or None), float64 arrays (N, P); with one chunk only the losses
        (the log-sum-exps and masses None)."""
        N, P = self.N, self.P
        if self.one_chunk():
            bufs = (buf, None, self.buffer() if self.probs else None)
            loss = np.empty((N, P))
            with np.errstate(all="ignore"):
                for p in range(P):
                    loss[:, p] = self.by_row_kernel(bufs, p)[0]
            return loss, None, None
        loss, lse = np.empty((N, P)), np.empty((N, P))
        mass = np.empty((N, P)) if self.probs else None
        with np.errstate(all="ignore"):
            for p in range(P):
                if self.probs:
                    loss[:, p], lse[:, p], mass[:, p] = self._forward_probs(buf, p)
                else:
                    loss[:, p], lse[:, p] = self._forward_classes(buf, p)
        return loss, lse, mass

    def _forward_classes(self, buf, p):
        N, t = self.N, self.t[:, p]
        lse = np.full(N, -np.inf)
        x_t = np.zeros(N)
        smooth = np.zeros(N) if self.eps else None   # sum over classes of w_c * logit_c
        for c0, c1, rows in self.chunks(p):
            z = self.logits(buf, p, c0, c1)
            np.logaddexp(lse, self.chunk_lse(z), out=lse)
            x_t[rows] = z[rows, t[rows] - c0]
            if smooth is not None:
                smooth += z.sum(1) if self.cw is None else z @ self.cw[c0:c1]
        w_t = self.w_t[:, p]
        loss = (1.0 - self.eps) * w_t * (lse - x_t)
        if smooth is not None and self.V:
            loss += self.eps / self.V * (self.w_sum * lse - smooth)
        # ignored rows: 0 even for non-finite logits
        return np.where(self.valid[:, p], loss, 0.0), lse

    def _forward_probs(self, buf, p):
        """Position p's (losses, log-sum-exp, masses): per chunk, cross_entropy's probability
        row kernel sums w_j q'_j (lse_chunk - z_j), then the running sum moves to the grown
        log-sum-exp. Rows where that split is not exact in IEEE arithmetic -- a non-finite
        weight or target, or a chunk of -inf logits only (inf * 0 where the terms are
        +-inf) -- are summed again term by term against their final log-sum-exp."""
        N, V, eps = self.N, self.V, self.eps
        qbuf = self.buffer()
        lse, loss, mass = np.full(N, -np.inf), np.zeros(N), np.zeros(N)
        part = np.empty(N)
        redo = np.zeros(N, bool)
        K, dt = _kernels(), KERNEL_INDEX[self.k_dtype]
        for c0, c1, _ in self.chunks(p):
            z = self.logits(buf, p, c0, c1)
            qc = self.target_chunk(qbuf, p, c0, c1)
            if eps:   # smoothed in place: q' = (1 - eps) q + eps / V (V, not the chunk's width)
                qc *= qc.dtype.type(1.0 - eps)
                qc += qc.dtype.type(eps / V)
            cw = None if self.cw64 is None else self.cw64[c0:c1]
            K.cross_entropy_prob(dt, z, qc, cw, N, c1 - c0, 1, 0.0, part, 0.0, None, None,
                                 _threads.threads_for(z.size, False))
            lse_c = self.chunk_lse(z)
            mass_c = qc.sum(1, dtype=np.float64) if cw is None else np.dot(qc, cw)
            redo |= ~np.isfinite(mass_c) | (lse_c == -np.inf)
            grown = np.logaddexp(lse, lse_c)
            loss += (part + _moved(mass, _growth(grown, lse))
                     + _moved(mass_c, _growth(grown, lse_c)))
            mass += mass_c
            lse = grown
        rows = np.flatnonzero(redo)
        if rows.size:
            loss[rows] = self._term_by_term(p, rows, lse[rows])
        return loss, lse, mass

    def _term_by_term(self, p, rows, lse):
        """sum_j w_j q'_j (lse - z_j) for some rows, each term as it stands (as torch and
        cross_entropy: an infinite term is +-inf, 0 * inf NaN), their logits recomputed."""
        total = np.zeros(rows.size)
        h = self.h[rows]
        for c0, c1, _ in self.chunks(p):
            z = np.matmul(h, self.w[c0:c1, p].T)
            if self.b is not None:
                z += self.b[c0:c1, p]
            c = (1.0 - self.eps) * self.q[rows, c0:c1, p].astype(np.float64) + self.eps / self.V
            if self.cw64 is not None:
                c *= self.cw64[c0:c1]
            total += (c * (lse[:, None] - z)).sum(1)
        return total

    def finish(self, loss):
        """The loss as the reduction returns it."""
        if self.reduction == "none":
            return narrow(loss.reshape(self.loss_shape), self.res_dtype)
        with np.errstate(invalid="ignore"):   # inf + -inf rows: NaN, no warning
            total = float(loss.sum())
        return finish_loss(self.reduction, _no_weight_nan(self.reduction, total, self.den),
                           self.den, self.res_dtype)

    def row_grads(self, grad_output):
        """Each row's share g of grad_output, float64 (N, P): 0 for ignored rows."""
        N, P = self.N, self.P
        go = loss_grad_output(grad_output, self.reduction, self.loss_shape)
        if self.reduction == "none":
            g = np.asarray(go, dtype=np.float64).reshape(N, P)
        elif self.reduction == "sum":
            g = np.full((N, P), float(go))
        else:
            g = np.full((N, P), float(go) / self.den if self.den else np.nan)
        return g if self.probs else np.where(self.valid, g, 0.0)

    def backward(self, buf, lse, mass, grad_output):
        """Pass 2: (grad_input, grad_weight, grad_bias or None) in the result dtype."""
        N, V, P, k = self.N, self.V, self.P, self.k_dtype
        g = self.row_grads(grad_output)
        self._start_grads()
        tmp = np.empty_like(buf) if self.probs or (self.eps and self.cw is not None) else None
        with np.errstate(all="ignore"):
            # backwards: the last chunk's logits are still in buf from pass 1 (with a single
            # chunk, chunk_size >= V, and P = 1, nothing is recomputed: three matmuls in all)
            last = True
            for p in range(P - 1, -1, -1):
                if self.probs:
                    a64 = g[:, p] * mass[:, p]
                else:
                    # d loss_row / d logit_j = a p_j - b [j == t] - s w_j
                    a64 = g[:, p] * ((1.0 - self.eps) * self.w_t[:, p]
                                     + self.eps * self.w_sum / V)
                # a >= 0 (the usual case: non-negative weights and grad_output) is folded
                # into the exponential, a p_j = exp(z_j - (lse - log a)): one pass over the
                # chunk fewer; a = 0 (ignored rows) gives exp(-inf) = 0
                fold = bool(np.all(a64 >= 0))
                shift = (lse[:, p] - np.log(a64) if fold else lse[:, p]).astype(k)
                a = None if fold else a64.astype(k)
                for c0, c1, rows in self.chunks(p, reverse=True):
                    if last:
                        z = buf[:N * (c1 - c0)].reshape(N, c1 - c0)
                        last = False
                    else:
                        z = self.logits(buf, p, c0, c1)
                    z -= shift[:, None]
                    np.exp(z, out=z)
                    if a is not None:
                        z *= a[:, None]
                    if self.probs:
                        self._minus_targets(z, tmp, g[:, p], p, c0, c1)
                    else:
                        self._minus_classes(z, tmp, g[:, p], p, c0, c1, rows)
                    self._accumulate(z, p, c0, c1)
        return self._finish_grads()

    def with_grad_one_chunk(self, grad_output):
        """The losses (N, P) and (grad_input, grad_weight, grad_bias) when one chunk holds
        every class: per position, its logits once, the losses and G from the row kernel,
        the three gradient matmuls."""
        g = self.row_grads(grad_output)
        self._start_grads()
        bufs = (self.buffer(), self.buffer(), self.buffer() if self.probs else None)
        loss = np.empty((self.N, self.P))
        with np.errstate(all="ignore"):
            for p in range(self.P):
                loss[:, p], G = self.by_row_kernel(bufs, p, np.ascontiguousarray(g[:, p]))
                self._accumulate(G, p, 0, self.V)
        return loss, self._finish_grads()

    def _start_grads(self):
        N, D, V, P, k = self.N, self.D, self.V, self.P, self.k_dtype
        self.gh = np.zeros((N, D), k)
        self.gw = np.empty((V, P, D), k)
        self.gb = None if self.b is None else np.empty((V, P), k)
        self.tmp_h = np.empty((N, D), k)
        self.ones = np.ones(N, k)   # grad_bias = ones @ G: a BLAS matrix-vector product

    def _finish_grads(self):
        """(grad_input, grad_weight, grad_bias or None) in the result dtype."""
        res = self.res_dtype
        gh, gw, gb = self.gh, self.gw, self.gb
        del self.gh, self.gw, self.gb, self.tmp_h, self.ones
        return (narrow(gh.reshape(self.input_shape), res),
                narrow(gw.reshape(self.weight_shape), res),
                None if gb is None else narrow(gb.reshape(self.bias_shape), res))

    def _minus_classes(self, z, tmp, g, p, c0, c1, rows):
        """z -= b [j == t] + s w_j: the one-hot target and the smoothing's share."""
        eps, k = self.eps, self.k_dtype
        if eps:
            s = (g * (eps / self.V)).astype(k)
            if self.cw is None:
                z -= s[:, None]
            else:
                part = tmp[:z.size].reshape(z.shape)
                np.multiply(s[:, None], self.cw[c0:c1], out=part)
                z -= part
        bt = (g[rows] * (1.0 - eps) * self.w_t[rows, p]).astype(k)
        z[rows, self.t[rows, p] - c0] -= bt

    def _minus_targets(self, z, tmp, g, p, c0, c1):
        """z -= g w_j q'_j, the chunk of the weighted, smoothed target distribution."""
        k = self.k_dtype
        part = self.target_chunk(tmp, p, c0, c1)
        part *= (g * (1.0 - self.eps)).astype(k)[:, None]
        if self.eps:
            part += (g * (self.eps / self.V)).astype(k)[:, None]
        if self.cw is not None:
            part *= self.cw[c0:c1]
        z -= part

    def _accumulate(self, z, p, c0, c1):
        """The chunk G of dloss/dlogits into the three gradients."""
        self.gh += np.matmul(z, self.w[c0:c1, p], out=self.tmp_h)
        np.matmul(z.T, self.h, out=self.gw[c0:c1, p])
        if self.gb is not None:
            self.gb[c0:c1, p] = self.ones @ z


def _problem(input, linear_weight, target, linear_bias, weight, ignore_index, reduction,
             label_smoothing, options, chunk_size):
    if options is not None:
        raise TypeError(f"options (torch's LinearCrossEntropyOptions, its batch-chunking "
                        f"policy) is not taken, only None; pass chunk_size to set the "
                        f"chunking, got {type(options).__name__}")
    return _Problem(input, linear_weight, target, linear_bias, weight, ignore_index,
                    check_reduction(reduction), label_smoothing, chunk_size)


_SHARED_DOC = """
    Parameters
    ----------
    input : array_like
        The layer's input h, shape (N, D) or (D,) as torch's; beyond torch, any ``(*, D)``, the
        leading dimensions flattened into the batch (as a language model's
        ``logits.view(-1, V)``). float32/float64 (float16 computed in float32).
    linear_weight : array_like
        The output layer's weight W, shape (V, D) as nn.Linear's (V classes), or
        (V, d1, ..., dK, D) for a K-dimensional loss (input then (N, D) or ``(*, D)``, not
        (D,)): the logits are ``(*batch, V, d1, ..., dK)``, each position i1..iK its own output
        layer W[:, i1, ..., iK, :] over the same input.
    target : array_like
        Either class indices of any integer dtype, shape ``(*batch, d1, ..., dK)`` -- () for a
        1-D input --, or class probabilities (any real values, floating) of the logits'
        shape ``(*batch, V, d1, ..., dK)`` -- (V,) for a 1-D input. The shape decides, as torch.
    linear_bias : array_like, optional
        The output layer's bias b, shape (V,) or (V, d1, ..., dK), as linear_weight.
    weight : array_like, optional
        V class weights, as cross_entropy's `weight`.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the per-row losses, shape ``(*batch, d1, ..., dK)``; 'sum': their sum; 'mean':
        for class indices their sum divided by the class weights of the targets not ignored
        (NaN when all are ignored), for probabilities divided by the number of rows
        N * d1 * ... * dK, whatever the weights (as torch; NaN for empty logits).
    ignore_index : int or None, default None
        Class-index targets equal to it contribute nothing; None means -100 (torch's
        default). With probability targets it must be None (ValueError otherwise, as torch).
    label_smoothing : float in [0, 1], default 0.0
        The target distribution q becomes (1 - label_smoothing) q + label_smoothing / V.
    options : None
        torch's LinearCrossEntropyOptions (its batch-chunking policy) has no counterpart
        here: only None, torch's default (its unchunked reference path, whose results these
        are), is taken -- TypeError otherwise; chunk_size sets the chunking.
    chunk_size : int, optional
        Beyond torch: classes per chunk of logits (N x chunk_size are held at a time);
        default about 2**22 / N, at most V. Results do not depend on it beyond rounding.
"""


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None,
                         reduction="mean", ignore_index=None, label_smoothing=0.0,
                         options=None, chunk_size=None):
    if _dask.lazy(input, linear_weight, target, linear_bias, weight):
        return _dask.loss("linear_cross_entropy", locals())
    p = _problem(input, linear_weight, target, linear_bias, weight, ignore_index, reduction,
                 label_smoothing, options, chunk_size)
    if p.N == 0 or p.V == 0 or p.P == 0:   # V = 0: class targets all ignore_index
        return p.finish(np.zeros((p.N, p.P)))
    return p.finish(p.forward(p.buffer())[0])


def linear_cross_entropy_backward(grad_output, input, linear_weight, target, *,
                                  linear_bias=None, weight=None, reduction="mean",
                                  ignore_index=None, label_smoothing=0.0, options=None,
                                  chunk_size=None):
    if _dask.lazy(grad_output, input, linear_weight, target, linear_bias, weight):
        return _dask.loss("linear_cross_entropy_backward", locals())
    p = _problem(input, linear_weight, target, linear_bias, weight, ignore_index, reduction,
                 label_smoothing, options, chunk_size)
    return _with_grad(p, grad_output)[1:]


def linear_cross_entropy_with_grad(input, linear_weight, target, *, linear_bias=None,
                                   weight=None, reduction="mean", ignore_index=None,
                                   label_smoothing=0.0, options=None, chunk_size=None,
                                   grad_output=1.0):
    if _dask.lazy(input, linear_weight, target, linear_bias, weight):
        return _dask.loss("linear_cross_entropy_with_grad", locals())
    p = _problem(input, linear_weight, target, linear_bias, weight, ignore_index, reduction,
                 label_smoothing, options, chunk_size)
    return _with_grad(p, grad_output)


def _with_grad(p, grad_output):
    if p.N == 0 or p.V == 0 or p.P == 0:
        p.row_grads(grad_output)   # still checked
        res = p.res_dtype
        return (p.finish(np.zeros((p.N, p.P))), np.zeros(p.input_shape, res),
                np.zeros(p.weight_shape, res),
                None if p.b is None else np.zeros(p.bias_shape, res))
    if p.one_chunk():
        loss, grads = p.with_grad_one_chunk(grad_output)
        return (p.finish(loss),) + grads
    buf = p.buffer()
    loss, lse, mass = p.forward(buf)
    return (p.finish(loss),) + p.backward(buf, lse, mass, grad_output)


linear_cross_entropy.__doc__ = """Cross-entropy of a linear layer's output without its logits
    matrix: ``cross_entropy(input @ linear_weight.T + linear_bias, target, weight=weight, ...)``
    (torch.nn.functional.linear_cross_entropy).

    The (N, V) logits are never formed: they are computed chunk_size classes at a time
    (NumPy matmul, i.e. BLAS) and reduced to each row's log-sum-exp as they go, so the memory
    beyond the inputs is O(N * chunk_size) -- the output layer of a large vocabulary. That
    holds for class-probability targets (each chunk's slice of the target is copied as it is
    used) and for K-dimensional weights (one position after the other, each an (N, V)
    problem over the same input; the losses and gradients are only as large as their
    results).
""" + _SHARED_DOC + """
    Returns
    -------
    ndarray or NumPy scalar
        The per-row losses ``(*batch, d1, ..., dK)`` for 'none', else a scalar; in the dtype of
        input, linear_weight and linear_bias promoted together (a floating class weight or
        probability target promotes too, as in cross_entropy).

    Raises
    ------
    ValueError
        linear_weight of fewer than 2 dimensions, input's last dimension not D, a 1-D input
        with K-dimensional weights, linear_bias not of linear_weight's shape without D,
        weight not (V,), a target of neither the class-index nor the logits' shape, a
        target outside [0, V) that is not ignore_index, an ignore_index with probability
        targets, label_smoothing outside [0, 1], chunk_size < 1, an unknown reduction.
    TypeError
        A class-index target that is not of an integer dtype, a probability target (of the
        logits' shape) that is not floating, non-numeric arrays, a chunk_size that is not
        an int, options that is not None.

    Notes
    -----
    With z = input @ linear_weight.T + linear_bias, lse the row's log-sum-exp of z, w the class
    weights (1 without), eps = label_smoothing: loss = (1 - eps) w_t (lse - z_t) + eps / V *
    sum_c w_c (lse - z_c) per row, 0 for ignored rows -- cross_entropy's formula on z. For
    probability targets q: loss = sum_c w_c q'_c (lse - z_c), q' = (1 - eps) q + eps / V,
    term by term as cross_entropy (an infinite weight or target gives inf, a 0 target on a
    -inf logit NaN, as torch). One matmul of N x D x V (times d1 * ... * dK).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> h, W = np.ones((2, 3)), np.zeros((5, 3))
    >>> float(F.linear_cross_entropy(h, W, np.array([0, 4])))  # uniform over 5 classes
    1.6094379124341003
    """

linear_cross_entropy_backward.__doc__ = """Gradients of ``linear_cross_entropy`` with respect
    to input, linear_weight and linear_bias: ``(grad_input, grad_weight, grad_bias)``.

    grad_output is a scalar for 'mean'/'sum' and an array of the loss's shape for 'none'.
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
        Shape of linear_weight.
    grad_bias : ndarray or None
        Shape of linear_bias; None when linear_bias is None.
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
    W the sum of the class weights. For probability targets (g divided by the number of rows
    for 'mean'): dloss/dz_j = g (p_j sum_c w_c q'_c - w_j q'_j).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> h, W = np.ones((2, 3)), np.zeros((5, 3))
    >>> grad_h, grad_W = F.linear_cross_entropy_backward(1.0, h, W, np.array([0, 4]))[:2]
    >>> grad_h
    array([[0., 0., 0.],
           [0., 0., 0.]])
    >>> grad_W
    array([[-0.3, -0.3, -0.3],
           [ 0.2,  0.2,  0.2],
           [ 0.2,  0.2,  0.2],
           [ 0.2,  0.2,  0.2],
           [-0.3, -0.3, -0.3]])
    """

linear_cross_entropy_with_grad.__doc__ = """``(linear_cross_entropy(...),
    linear_cross_entropy_backward(grad_output, ...))`` from one first pass: the training-loop
    call (one log-sum-exp pass, one gradient pass; four matmuls of N x D x V in all).
""" + _SHARED_DOC + """    grad_output : float or array_like, default 1.0
        A scalar for 'mean'/'sum'; for 'none' an array of the loss's shape, or a scalar used
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

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> h, W = np.ones((2, 3)), np.zeros((5, 3))
    >>> loss, gh, gW, gb = F.linear_cross_entropy_with_grad(h, W, np.array([0, 4]))
    >>> np.round(loss, 6)
    np.float64(1.609438)
    >>> gW[:, 0]
    array([-0.3,  0.2,  0.2,  0.2, -0.3])
    >>> gb is None  # no linear_bias
    True
    """
