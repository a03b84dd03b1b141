"""Float64 reference ("oracle") for actloss.metrics, scikit-learn's loss metrics.

Written the obvious way, sample by sample, from scikit-learn's documented definitions (its
docstrings and user guide), with Python loops, math and math.fsum; it shares nothing with
``src/actloss`` and never imports it or scikit-learn.

* Values are upcast to float64 first (exact for float16/float32, ints and bools). Where
  scikit-learn's rule is itself a rounding in the input dtype (log_loss computes ``1 - p`` in
  the dtype of the probabilities and clips at that dtype's epsilon), the reference does that
  rounding explicitly and says so.
* Sums are math.fsum (correctly rounded): the reference is the accurate side.
"""
import math

import numpy as np


def f64(a):
    return np.asarray(a).astype(np.float64)


def weighted_mean(values, weights=None):
    """sum(w v) / sum(w) (plain mean without weights), correctly rounded sums."""
    values = [float(v) for v in values]
    if weights is None:
        return math.fsum(values) / len(values)
    weights = [float(w) for w in weights]
    return math.fsum(w * v for w, v in zip(weights, values)) / math.fsum(weights)


def combine(per_output, multioutput):
    """'raw_values': the array; 'uniform_average': its mean; weights: their weighted mean."""
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return np.array(per_output)
        return math.fsum(per_output) / len(per_output)
    return weighted_mean(per_output, multioutput)


def _columns(y_true, y_pred):
    t, p = f64(y_true), f64(y_pred)
    return t.reshape(len(t), -1), p.reshape(len(p), -1)


def regression(term, y_true, y_pred, sample_weight=None, multioutput="uniform_average",
               root=False):
    """The (weighted) mean of term(y, m) per output (its square root if root), combined."""
    t, p = _columns(y_true, y_pred)
    per_output = []
    for k in range(t.shape[1]):
        m = weighted_mean([term(a, b) for a, b in zip(t[:, k], p[:, k])], sample_weight)
        per_output.append(math.sqrt(m) if root else m)
    return combine(per_output, multioutput)


def squared(y, m):
    return (y - m) ** 2


def absolute(y, m):
    return abs(y - m)


def squared_log(y, m):
    return (math.log1p(y) - math.log1p(m)) ** 2


def pinball(alpha):
    def term(y, m):
        d = y - m
        return alpha * d if d >= 0 else (alpha - 1) * d
    return term


def tweedie(power):
    """The unit deviance of power p (scikit-learn's user guide)."""
    def term(y, m):
        if power == 0:
            return (y - m) ** 2
        if power == 1:
            return 2 * ((y * math.log(y / m) if y > 0 else 0.0) - y + m)
        if power == 2:
            return 2 * (math.log(m / y) + y / m - 1)
        a = max(y, 0.0) ** (2 - power) / ((1 - power) * (2 - power))
        return 2 * (a - y * m ** (1 - power) / (1 - power) + m ** (2 - power) / (2 - power))
    return term


def log_loss(y_true, y_proba, sample_weight=None, labels=None, normalize=True):
    """-log of each sample's probability of its true class, clipped to [eps, 1 - eps] (eps of
    y_proba's float dtype), then averaged (or summed). 1-D y_proba is the probability of the
    larger of two classes; its complement 1 - p is rounded in y_proba's dtype, as scikit-learn
    computes it."""
    proba = np.asarray(y_proba)
    dtype = proba.dtype if proba.dtype.kind == "f" else np.dtype(np.float64)
    eps = float(np.finfo(dtype).eps)
    classes = sorted(set(np.asarray(labels if labels is not None else y_true).tolist()))
    losses = []
    for i, y in enumerate(np.asarray(y_true).tolist()):
        c = classes.index(y)
        if proba.ndim == 1:
            p = float(proba[i]) if c == 1 else float(dtype.type(1) - proba[i])
        else:
            p = float(proba[i, c])
        losses.append(-math.log(min(max(p, eps), 1 - eps)))
    if normalize:
        return weighted_mean(losses, sample_weight)
    w = [1.0] * len(losses) if sample_weight is None else [float(v) for v in sample_weight]
    return math.fsum(a * b for a, b in zip(w, losses))


def hinge_loss(y_true, pred_decision, labels=None, sample_weight=None):
    """max(0, 1 - margin): binary margin y d with y = +1 for the larger label, -1 for the
    other; multiclass margin d[true] - max over the other classes (Crammer-Singer)."""
    y = np.asarray(y_true).tolist()
    d = f64(pred_decision)
    classes = sorted(set(np.asarray(labels if labels is not None else y).tolist()))
    losses = []
    for i, label in enumerate(y):
        if len(classes) > 2:
            c = classes.index(label)
            row = d[i].tolist()
            margin = row[c] - max(v for j, v in enumerate(row) if j != c)
        else:
            sign = 1.0 if len(classes) == 2 and label == classes[1] else -1.0
            margin = sign * float(d.reshape(-1)[i])
        losses.append(max(0.0, 1 - margin))
    return weighted_mean(losses, sample_weight)
