"""Float64 references for the classic losses of class_losses.py and embedding_losses.py that are
not pointwise: the multi-class (Crammer-Singer) hinge, the multiclass Brier score and
torchvision's box losses. Written from the published definitions -- sklearn's hinge_loss and
brier_score_loss documentation, torchvision.ops' generalized/distance/complete_box_iou_loss
docstrings and formulas -- in plain NumPy, sharing nothing with ``src/actloss`` (never import
actloss here). Gradients are central differences of these references (box losses) or written out
(hinge, Brier).
"""
import math

import numpy as np


def f64(a):
    return np.asarray(a).astype(np.float64)


# ---- multi-class hinge ---------------------------------------------------------------------------

def multiclass_hinge_rows(x, t, squared=False):
    x, t = f64(x), np.asarray(t)
    x2 = np.atleast_2d(x)
    rows = np.arange(len(x2))
    y = t.reshape(-1)
    others = x2.copy()
    others[rows, y] = -np.inf
    z = np.maximum(0.0, 1.0 + others.max(axis=1) - x2[rows, y])
    loss = z ** 2 if squared else z
    return loss.reshape(t.shape)


def multiclass_hinge_grad(x, t, squared=False, grad_rows=None):
    """d(sum of grad_rows * loss)/dx; ties of the maximum share evenly."""
    x, t = f64(x), np.asarray(t)
    x2 = np.atleast_2d(x)
    rows = np.arange(len(x2))
    y = t.reshape(-1)
    others = x2.copy()
    others[rows, y] = -np.inf
    m = others.max(axis=1)
    z = 1.0 + m - x2[rows, y]
    d = np.where(z >= 0, 2 * np.maximum(z, 0) if squared else 1.0, 0.0)
    d = d * (1.0 if grad_rows is None else f64(grad_rows).reshape(-1))
    at_max = others == m[:, None]
    # a select, not the mask times the share: an infinite share (squared, z = inf) would give
    # 0 * inf = NaN to the classes off the maximum
    g = np.where(at_max, (d / at_max.sum(axis=1))[:, None], 0.0)
    g[rows, y] -= d
    return g.reshape(x.shape)


# ---- Brier score ---------------------------------------------------------------------------------

def brier_rows(p, t):
    """Multiclass: sum over classes of (p_c - onehot_c)^2; binary (1-D): (p - t)^2."""
    p = f64(p)
    if p.ndim < 2:
        return (p - f64(t)) ** 2
    onehot = np.eye(p.shape[1])[np.asarray(t)]
    return ((p - onehot) ** 2).sum(axis=1)


def brier_grad(p, t):
    p = f64(p)
    if p.ndim < 2:
        return 2 * (p - f64(t))
    return 2 * (p - np.eye(p.shape[1])[np.asarray(t)])


# ---- torchvision's box losses (torchvision/ops/giou_loss.py, diou_loss.py, ciou_loss.py) ------

def _box_parts(b1, b2, eps):
    b1, b2 = np.atleast_2d(f64(b1)), np.atleast_2d(f64(b2))
    x1, y1, x2, y2 = b1.T
    x1g, y1g, x2g, y2g = b2.T
    xkis1, ykis1 = np.maximum(x1, x1g), np.maximum(y1, y1g)
    xkis2, ykis2 = np.minimum(x2, x2g), np.minimum(y2, y2g)
    inter = np.where((ykis2 > ykis1) & (xkis2 > xkis1), (xkis2 - xkis1) * (ykis2 - ykis1), 0.0)
    union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter
    iou = inter / (union + eps)
    xc1, yc1 = np.minimum(x1, x1g), np.minimum(y1, y1g)
    xc2, yc2 = np.maximum(x2, x2g), np.maximum(y2, y2g)
    return b1, b2, union, iou, (xc1, yc1, xc2, yc2)


def generalized_box_iou_rows(b1, b2, eps=1e-7):
    _, _, union, iou, (xc1, yc1, xc2, yc2) = _box_parts(b1, b2, eps)
    area_c = (xc2 - xc1) * (yc2 - yc1)
    return 1 - (iou - (area_c - union) / (area_c + eps))


def distance_box_iou_rows(b1, b2, eps=1e-7):
    b1, b2, _, iou, (xc1, yc1, xc2, yc2) = _box_parts(b1, b2, eps)
    diag = (xc2 - xc1) ** 2 + (yc2 - yc1) ** 2 + eps
    xp, yp = (b1[:, 2] + b1[:, 0]) / 2, (b1[:, 3] + b1[:, 1]) / 2
    xg, yg = (b2[:, 2] + b2[:, 0]) / 2, (b2[:, 3] + b2[:, 1]) / 2
    return 1 - iou + ((xp - xg) ** 2 + (yp - yg) ** 2) / diag


def _ciou_alpha_v(b1, b2, eps):
    b1, b2, _, iou, _ = _box_parts(b1, b2, eps)
    w, h = b1[:, 2] - b1[:, 0], b1[:, 3] - b1[:, 1]
    wg, hg = b2[:, 2] - b2[:, 0], b2[:, 3] - b2[:, 1]
    v = 4 / math.pi ** 2 * (np.arctan(wg / hg) - np.arctan(w / h)) ** 2
    return v / (1 - iou + v + eps), v


def complete_box_iou_rows(b1, b2, eps=1e-7):
    alpha, v = _ciou_alpha_v(b1, b2, eps)
    return distance_box_iou_rows(b1, b2, eps) + alpha * v


BOX_ROWS = {"generalized_box_iou_loss": generalized_box_iou_rows,
            "distance_box_iou_loss": distance_box_iou_rows,
            "complete_box_iou_loss": complete_box_iou_rows}


def box_grad(name, b1, b2, eps=1e-7, h=1e-6):
    """d(sum of the rows)/d boxes1 by 4th-order central differences (boxes away from ties and
    from the intersection's edges); CIoU's alpha held at its value (torchvision: no_grad)."""
    b1, b2 = np.atleast_2d(f64(b1)), np.atleast_2d(f64(b2))
    if name == "complete_box_iou_loss":
        alpha, _ = _ciou_alpha_v(b1, b2, eps)

        def rows(b):
            _, v = _ciou_alpha_v(b, b2, eps)
            return distance_box_iou_rows(b, b2, eps) + alpha * v
    else:
        def rows(b):
            return BOX_ROWS[name](b, b2, eps)
    g = np.zeros_like(b1)
    for k in range(4):
        e = np.zeros_like(b1)
        e[:, k] = h
        g[:, k] = (8 * (rows(b1 + e) - rows(b1 - e)) - (rows(b1 + 2 * e) - rows(b1 - 2 * e))) / (12 * h)
    return g


# ---- MONAI's DiceLoss and TverskyLoss (monai/losses/dice.py, tversky.py) ------------------------

def _activate(x, activation):
    x = f64(x)
    if activation == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if activation == "softmax":
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return x


def _seg_sums(x, t, activation, batch):
    p, g = _activate(x, activation), f64(t)
    axes = tuple(range(2, p.ndim))
    if batch:
        axes = (0,) + axes
    return p, g, axes


def dice_terms(x, t, activation="none", smooth_nr=1e-5, smooth_dr=1e-5, batch=False):
    p, g, axes = _seg_sums(x, t, activation, batch)
    intersection = np.sum(g * p, axis=axes)
    denominator = np.sum(g, axis=axes) + np.sum(p, axis=axes)
    return 1.0 - (2.0 * intersection + smooth_nr) / (denominator + smooth_dr)


def tversky_terms(x, t, alpha=0.5, beta=0.5, activation="none", smooth_nr=1e-5,
                  smooth_dr=1e-5, batch=False):
    p, g, axes = _seg_sums(x, t, activation, batch)
    tp = np.sum(p * g, axis=axes)
    fp = alpha * np.sum(p * (1 - g), axis=axes)
    fn = beta * np.sum((1 - p) * g, axis=axes)
    return 1.0 - (tp + smooth_nr) / (tp + fp + fn + smooth_dr)


def central_grad(fn, x, h=1e-6):
    """d fn(x) / dx (fn scalar) by 4th-order central differences, element by element."""
    x = f64(x)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (8 * (fn(x + e) - fn(x - e)) - (fn(x + 2 * e) - fn(x - 2 * e))) / (12 * h)
    return g
