"""Float64 references of the CTC loss for the tests (never imported by src/).

Two independent definitions, both in plain probability space (no logarithms in the sums), for
small sizes only:

* ``ctc_brute``: enumerate every frame labelling (C^T of them), collapse it (merge repeats, drop
  blanks), and add up the probabilities of those that give the target. The gradient is the
  definition: d(-log p)/d lp_t(c) = -(paths with label c at t) / p, plus torch's exp(lp) term.
* ``ctc_dp``: Graves' forward-backward recursions on the extended label sequence.

torch's gradient with respect to log_probs is exp(lp_t(c)) + d(-log p)/d lp_t(c) (the gradient
with respect to the logits when lp is log_softmax of them); frames at or past the input length
get 0. An impossible target gives p = 0: loss inf and (without zero_infinity) NaN gradient rows.
"""
import itertools
import math

import numpy as np


def _collapse(path, blank):
    out, prev = [], None
    for c in path:
        if c != prev and c != blank:
            out.append(c)
        prev = c
    return out


def ctc_brute(lp, target, blank=0):
    """(p, dp) of one sample: lp (I, C) float64 (already cut to the input length), target a
    list of labels. p is the total probability, dp[t, c] the probability of the target's
    labellings with label c at frame t."""
    lp = np.asarray(lp, np.float64)
    n_in, n_cls = lp.shape
    y = np.exp(lp)
    p, dp = 0.0, np.zeros((n_in, n_cls))
    for path in itertools.product(range(n_cls), repeat=n_in):
        if _collapse(path, blank) == list(target):
            q = math.prod(y[t, c] for t, c in enumerate(path))
            p += q
            for t, c in enumerate(path):
                dp[t, c] += q
    return p, dp


def ctc_dp(lp, target, blank=0):
    """(p, dp) as ctc_brute, by the alpha/beta recursions in probability space."""
    lp = np.asarray(lp, np.float64)
    n_in, n_cls = lp.shape
    y = np.exp(lp)
    ext = [blank]
    for c in target:
        ext += [c, blank]
    L = len(ext)
    if n_in == 0:
        return (1.0 if not target else 0.0), np.zeros((0, n_cls))

    def can_skip(s):
        return s >= 2 and ext[s] != ext[s - 2]

    alpha = np.zeros((n_in, L))
    alpha[0, 0] = y[0, ext[0]]
    if L > 1:
        alpha[0, 1] = y[0, ext[1]]
    for t in range(1, n_in):
        for s in range(L):
            a = alpha[t - 1, s]
            if s >= 1:
                a += alpha[t - 1, s - 1]
            if can_skip(s):
                a += alpha[t - 1, s - 2]
            alpha[t, s] = a * y[t, ext[s]]
    beta = np.zeros((n_in, L))
    beta[-1, L - 1] = y[-1, ext[L - 1]]
    if L > 1:
        beta[-1, L - 2] = y[-1, ext[L - 2]]
    for t in range(n_in - 2, -1, -1):
        for s in range(L):
            b = beta[t + 1, s]
            if s + 1 < L:
                b += beta[t + 1, s + 1]
            if s + 2 < L and can_skip(s + 2):
                b += beta[t + 1, s + 2]
            beta[t, s] = b * y[t, ext[s]]
    p = alpha[-1, L - 1] + (alpha[-1, L - 2] if L > 1 else 0.0)
    dp = np.zeros((n_in, n_cls))
    for t in range(n_in):
        for s in range(L):
            # alpha and beta both hold frame t's probability: divide it out once
            if y[t, ext[s]] > 0:
                dp[t, ext[s]] += alpha[t, s] * beta[t, s] / y[t, ext[s]]
    return p, dp


def ctc_reference(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
                  zero_infinity=False, grad_output=1.0, method=ctc_dp):
    """(loss, gradient) of torch.nn.functional.ctc_loss for (T, N, C) log_probs, padded (N, S)
    or concatenated targets, in float64. grad_output: a scalar, or (N,) for "none"."""
    lp = np.asarray(log_probs, np.float64)
    n_frames, n, n_cls = lp.shape
    targets = np.asarray(targets)
    il = [int(v) for v in np.ravel(input_lengths)]
    tl = [int(v) for v in np.ravel(target_lengths)]
    if targets.ndim == 2:
        seqs = [list(targets[i, :tl[i]]) for i in range(n)]
    else:
        starts = np.concatenate([[0], np.cumsum(tl)])
        seqs = [list(targets[starts[i]:starts[i] + tl[i]]) for i in range(n)]
    losses = np.zeros(n)
    grads = np.zeros((n_frames, n, n_cls))
    for i in range(n):
        p, dp = method(lp[:il[i], i], seqs[i], blank)
        losses[i] = -math.log(p) if p > 0 else math.inf
        if p > 0:
            grads[:il[i], i] = np.exp(lp[:il[i], i]) - dp / p
        elif not zero_infinity:
            grads[:il[i], i] = np.nan
    if zero_infinity:
        losses[np.isinf(losses)] = 0.0
    if reduction == "none":
        factors = np.broadcast_to(np.asarray(grad_output, np.float64), (n,))
        return losses, grads * factors[None, :, None]
    if reduction == "sum":
        return losses.sum(), grads * grad_output
    scale = np.maximum(tl, 1)
    return (losses / scale).mean(), grads * (grad_output / scale / n)[None, :, None]
