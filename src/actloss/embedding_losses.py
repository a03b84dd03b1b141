"""Embedding losses and their gradients, with torch.nn.functional's signatures.

cosine_embedding_loss and triplet_margin_loss follow torch; contrastive_loss and info_nce /
nt_xent (not in torch) are defined in their docstrings; torchvision's box losses
(generalized/distance/complete_box_iou_loss, rows of 4 box coordinates) live here too, on the
same row kernels. (multi_margin_loss and
multilabel_margin_loss, on the same kernels, are class losses: class_losses.py.) Every function
checks its arguments, settles dtypes and layout, and calls the _rowwise_loss kernels (one row
per sample, row reductions in float64); info_nce's similarity matrices are
NumPy matmuls (BLAS). Policies shared by all of them (torch.nn.functional's, on NumPy):

* float32 and float64 are computed natively, float16 in float32; mixed float dtypes promote as
  ``np.result_type``; integer and bool embeddings promote to float64; complex, object and string
  inputs raise TypeError.
* ``reduction="none"`` returns an ndarray of the loss shape; ``"mean"`` and ``"sum"`` a NumPy
  scalar of the result dtype. The batch sum is taken over per-row float64 losses in row order,
  so it is the same for any thread count. ``"mean"`` of an empty batch is NaN.
* ``<name>_backward(grad_output, <the loss's arguments>)`` returns the gradient(s) of the loss,
  one per embedding argument, each in that argument's own dtype. ``grad_output`` is a scalar
  for ``"mean"``/``"sum"`` and an array of the loss's shape for ``"none"``.
* The inputs are never modified. The embedding arguments of one loss must have the same shape
  (torch also broadcasts size-1 dimensions between them; actloss raises ValueError instead).
"""
import math

import numpy as np

from . import _dask, _rowwise, _threads
from ._validate import KERNEL_INDEX, bool_option, check_reduction, kernel_array, real_param

# <generated: embedding_losses.__all__>
__all__ = ["generalized_box_iou_loss", "generalized_box_iou_loss_backward",
           "generalized_box_iou_loss_with_grad", "distance_box_iou_loss",
           "distance_box_iou_loss_backward", "distance_box_iou_loss_with_grad",
           "complete_box_iou_loss", "complete_box_iou_loss_backward",
           "complete_box_iou_loss_with_grad", "cosine_embedding_loss",
           "cosine_embedding_loss_backward", "triplet_margin_loss",
           "triplet_margin_loss_backward", "contrastive_loss", "contrastive_loss_backward",
           "info_nce", "info_nce_backward", "nt_xent", "nt_xent_backward"]
# </generated: embedding_losses.__all__>


# ---- cosine_embedding_loss -------------------------------------------------------------------

def _cosine_args(input1, input2, target, margin, reduction, forward=False):
    """(x1, x2, their (rows, D) kernel arrays, float64 targets, margin, loss shape, result and
    kernel dtypes, how many times the rows repeat (forward: _rowwise.one_sample))."""
    margin = real_param(margin, "margin")
    (x1, x2), res_dtype, k_dtype = _rowwise.floats((input1, "input1"), (input2, "input2"))
    t = _rowwise.real_target(target)
    if t.ndim == 1:
        if x1.ndim != 2 or x2.ndim != 2:
            raise ValueError(f"a 1-D target expects 2-D input1 and input2, got shapes {x1.shape} "
                             f"and {x2.shape}")
    elif t.ndim == 0:
        if x1.ndim != 1 or x2.ndim != 1:
            raise ValueError(f"a 0-D target expects 1-D input1 and input2, got shapes {x1.shape} "
                             f"and {x2.shape}")
    else:
        raise ValueError(f"target must be 0-D or 1-D (one 1/-1 per pair), got shape {t.shape}")
    _rowwise.same_shape([x1, x2], ["input1", "input2"])
    if t.shape != x1.shape[:-1]:
        raise ValueError(f"target has shape {t.shape}, expected {x1.shape[:-1]} (one per row of "
                         f"input1)")
    _rowwise.check_values(t, (1, -1))
    shape, repeat, (y1, y2, u) = t.shape, 1, (x1, x2, t)
    if forward and t.ndim == 1:
        (y1, y2, u), repeat = _rowwise.one_sample(reduction, [x1, x2, t])
    a, b = _rowwise.rows(y1, k_dtype), _rowwise.rows(y2, k_dtype)
    t64 = kernel_array(u, np.float64).reshape(-1)
    return x1, x2, a, b, t64, margin, shape, res_dtype, k_dtype, repeat


def _cosine_embedding_loss(input1, input2, target, margin, reduction):
    _, _, a, b, t, margin, shape, res_dtype, k_dtype, repeat = _cosine_args(
        input1, input2, target, margin, reduction, forward=True)
    rows = np.empty(a.shape[0])
    total = _rowwise.kernels().cosine_fwd(KERNEL_INDEX[k_dtype], a, b, t, margin, rows,
                            _threads.threads_for(a.size, True))
    return _rowwise.reduce(rows, total, reduction, shape, res_dtype, repeat)


def _cosine_embedding_loss_backward(grad_output, input1, input2, target, margin, reduction):
    x1, x2, a, b, t, margin, shape, res_dtype, k_dtype, _ = _cosine_args(
        input1, input2, target, margin, reduction)
    gy, scale = _rowwise.grad_output(grad_output, reduction, shape)
    g1, g2 = np.empty_like(a), np.empty_like(b)
    _rowwise.kernels().cosine_bwd(KERNEL_INDEX[k_dtype], a, b, t, margin, gy, scale, g1, g2,
                    _threads.threads_for(a.size, True))
    return _rowwise.grads((g1, g2), (x1, x2))


# ---- triplet_margin_loss ---------------------------------------------------------------------


def _triplet_args(anchor, positive, negative, margin, p, eps, swap, reduction, forward=False):
    """(the three arrays, their (rows, D) kernel arrays, margin, p, eps, swap, loss shape, result
    and kernel dtypes, how many times the rows repeat (forward: _rowwise.one_sample))."""
    margin = real_param(margin, "margin")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    p, eps = _rowwise.pnorm(p, eps)
    names = ["anchor", "positive", "negative"]
    xs, res_dtype, k_dtype = _rowwise.floats(*zip((anchor, positive, negative), names))
    if len({x.ndim for x in xs}) != 1:
        raise ValueError(f"anchor, positive and negative must have the same number of "
                         f"dimensions, got shapes {xs[0].shape}, {xs[1].shape}, {xs[2].shape}")
    _rowwise.same_shape(xs, names)
    ys, repeat = _rowwise.one_sample(reduction, xs) if forward and xs[0].ndim > 1 else (xs, 1)
    rows = [_rowwise.rows(y, k_dtype) for y in ys]
    return xs, rows, margin, p, eps, swap, xs[0].shape[:-1], res_dtype, k_dtype, repeat


def _triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction):
    _, (a, q, n), margin, p, eps, swap, shape, res_dtype, k_dtype, repeat = _triplet_args(
        anchor, positive, negative, margin, p, eps, swap, reduction, forward=True)
    rows = np.empty(a.shape[0])
    total = _rowwise.kernels().triplet_fwd(KERNEL_INDEX[k_dtype], a, q, n, margin, p, eps, swap, rows,
                             _threads.threads_for(a.size, p in (0.0, 1.0, 2.0, math.inf)))
    return _rowwise.reduce(rows, total, reduction, shape, res_dtype, repeat)


def _triplet_margin_loss_backward(grad_output, anchor, positive, negative, margin, p, eps, swap, reduction):
    xs, (a, q, n), margin, p, eps, swap, shape, res_dtype, k_dtype, _ = _triplet_args(
        anchor, positive, negative, margin, p, eps, swap, reduction)
    gy, scale = _rowwise.grad_output(grad_output, reduction, shape)
    ga, gq, gn = np.empty_like(a), np.empty_like(q), np.empty_like(n)
    _rowwise.kernels().triplet_bwd(KERNEL_INDEX[k_dtype], a, q, n, margin, p, eps, swap, gy, scale, ga, gq, gn,
                     _threads.threads_for(a.size, p in (0.0, 1.0, 2.0, math.inf)))
    return _rowwise.grads((ga, gq, gn), xs)


# ---- contrastive_loss ------------------------------------------------------------------------

def _contrastive_args(x1, x2, target, margin, reduction, p, eps, forward=False):
    """((x1, x2), their (rows, D) kernel arrays, float64 targets, margin, p, eps, loss shape,
    result and kernel dtypes, how many times the rows repeat (forward: _rowwise.one_sample))."""
    margin = real_param(margin, "margin")
    if not margin >= 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    p, eps = _rowwise.pnorm(p, eps)
    (a, b), res_dtype, k_dtype = _rowwise.floats((x1, "x1"), (x2, "x2"))
    _rowwise.same_shape([a, b], ["x1", "x2"])
    t = _rowwise.real_target(target)
    shape = a.shape[:-1]
    if t.shape != shape:
        raise ValueError(f"target has shape {t.shape}, expected {shape} (one per pair: x1's "
                         f"shape without its last dimension)")
    _rowwise.check_values(t, (1, 0))
    (y1, y2, u), repeat = (_rowwise.one_sample(reduction, [a, b, t]) if forward and t.ndim
                           else ((a, b, t), 1))
    t64 = kernel_array(u, np.float64).reshape(-1)
    return ((a, b), _rowwise.rows(y1, k_dtype), _rowwise.rows(y2, k_dtype), t64, margin, p, eps,
            shape, res_dtype, k_dtype, repeat)


def _contrastive_loss(x1, x2, target, margin, reduction, p, eps):
    _, a, b, t, margin, p, eps, shape, res_dtype, k_dtype, repeat = _contrastive_args(
        x1, x2, target, margin, reduction, p, eps, forward=True)
    rows = np.empty(a.shape[0])
    total = _rowwise.kernels().contrastive_fwd(KERNEL_INDEX[k_dtype], a, b, t, margin, p, eps, rows,
                                 _threads.threads_for(a.size, p in (0.0, 1.0, 2.0, math.inf)))
    return _rowwise.reduce(rows, total, reduction, shape, res_dtype, repeat)


def _contrastive_loss_backward(grad_output, x1, x2, target, margin, reduction, p, eps):
    xs, a, b, t, margin, p, eps, shape, res_dtype, k_dtype, _ = _contrastive_args(
        x1, x2, target, margin, reduction, p, eps)
    gy, scale = _rowwise.grad_output(grad_output, reduction, shape)
    g1, g2 = np.empty_like(a), np.empty_like(b)
    _rowwise.kernels().contrastive_bwd(KERNEL_INDEX[k_dtype], a, b, t, margin, p, eps, gy, scale, g1, g2,
                         _threads.threads_for(a.size, p in (0.0, 1.0, 2.0, math.inf)))
    return _rowwise.grads((g1, g2), xs)


# ---- info_nce / nt_xent ----------------------------------------------------------------------

def _info_nce_setup(query, key, temperature, reduction, symmetric, intra_view_negatives):
    """Normalised embeddings Z = [q^; k^] and the similarity matrix S of the anchors."""
    tau = real_param(temperature, "temperature")
    if not tau > 0:
        raise ValueError(f"temperature must be > 0, got {tau}")
    intra = intra_view_negatives
    (q, k), res_dtype, k_dtype = _rowwise.floats((query, "query"), (key, "key"))
    if q.ndim != 2:
        raise ValueError(f"query must be 2-D (N, D), got shape {q.shape}")
    _rowwise.same_shape([q, k], ["query", "key"])
    n, d = q.shape
    dt = KERNEL_INDEX[k_dtype]
    qc, kc = kernel_array(q, k_dtype), kernel_array(k, k_dtype)
    # The row kernels here sit between BLAS matmuls: OpenMP threads still spinning after a
    # parallel region starve BLAS's own threads (measured 16x slower at (256, 128) on 2
    # cores), so they run on one thread; the matmuls carry the parallelism.
    nt = 1
    z = np.empty((2 * n, d), k_dtype)
    _rowwise.kernels().normalize_fwd(dt, qc, _rowwise.NORMALIZE_EPS, z[:n], nt)
    _rowwise.kernels().normalize_fwd(dt, kc, _rowwise.NORMALIZE_EPS, z[n:], nt)
    qh, kh = z[:n], z[n:]
    # the matmuls' IEEE results (a subnormal entry underflows), not the caller's np.seterr
    with np.errstate(all="ignore"):
        if intra:
            anchors = z if symmetric else qh
            s = anchors @ z.T  # (anchors, 2N): target column r + N (mod 2N), own column masked
            offset, mask = n, True
        else:
            anchors = None
            s = qh @ kh.T      # (N, N): target the diagonal; symmetric adds its columns
            offset, mask = 0, False
    # SimCLR's 2N-view form (symmetric and intra_view_negatives) has one loss per anchor, i.e.
    # per view (2N); the other forms one per pair (N), a symmetric pair's being the mean of
    # its two directions
    views = symmetric and intra
    return dict(q=q, k=k, qc=qc, kc=kc, z=z, qh=qh, kh=kh, anchors=anchors, s=s, n=n, dt=dt,
                scale=1.0 / tau, offset=offset, mask=mask, symmetric=symmetric, intra=intra,
                columns=symmetric and not intra, n_loss=2 * n if views else n,
                fold=2 if symmetric and not views else 1, nt=nt, nt_s=1,
                res_dtype=res_dtype)


def _info_nce(query, key, temperature, reduction, symmetric, intra_view_negatives):
    c = _info_nce_setup(query, key, temperature, reduction, symmetric, intra_view_negatives)
    n, s, n_loss = c["n"], c["s"], c["n_loss"]
    rows, loss = np.empty(s.shape[0] + (n if c["columns"] else 0)), np.empty(n_loss)
    total = _rowwise.kernels().ce_fwd(c["dt"], s, c["scale"], c["offset"], c["mask"], c["columns"], rows, loss,
                        c["nt_s"])
    return _rowwise.reduce(loss, total, reduction, (n_loss,), c["res_dtype"])


def _info_nce_backward(grad_output, query, key, temperature, reduction, symmetric, intra_view_negatives):
    c = _info_nce_setup(query, key, temperature, reduction, symmetric, intra_view_negatives)
    n, s, dt, nt, n_loss = c["n"], c["s"], c["dt"], c["nt"], c["n_loss"]
    gy, scale = _rowwise.grad_output(grad_output, reduction, (n_loss,))
    # a pair's loss is the mean of its `fold` directions; row r of the kernel's row (and
    # column) losses belongs to loss r % n_loss
    gs = np.empty_like(s)
    _rowwise.kernels().ce_bwd(dt, s, c["scale"], c["offset"], c["mask"], c["columns"], gy, scale / c["fold"],
                n_loss, gs, c["nt_s"])
    qh, kh, z = c["qh"], c["kh"], c["z"]
    with np.errstate(all="ignore"):  # as in _info_nce_setup
        if c["intra"]:
            d_anchor = gs @ z            # through the anchor rows of Z
            d_all = gs.T @ c["anchors"]  # through Z as the right operand
            gq1, gq2 = d_anchor[:n], d_all[:n]
            gk1, gk2 = d_all[n:], (d_anchor[n:] if c["symmetric"] else None)
        else:                            # gs holds both directions when symmetric
            gq1, gq2, gk1, gk2 = gs @ kh, None, gs.T @ qh, None
    gq, gk = np.empty_like(c["qc"]), np.empty_like(c["kc"])
    _rowwise.kernels().normalize_bwd(dt, c["qc"], gq1, gq2, _rowwise.NORMALIZE_EPS, gq, nt)
    _rowwise.kernels().normalize_bwd(dt, c["kc"], gk1, gk2, _rowwise.NORMALIZE_EPS, gk, nt)
    return _rowwise.grads((gq, gk), (c["q"], c["k"]))


# ---- torchvision's box losses: generalized / distance / complete IoU ---------------------------

_BOX_KIND = {"generalized": 0, "distance": 1, "complete": 2}


def _boxes(kind, boxes1, boxes2, reduction, eps, grad_output=None, want_loss=True):
    """The box loss `kind` of box pairs; with grad_output the gradient of boxes1, or (loss,
    gradient) when want_loss. torchvision's reductions: an empty 'mean' is 0."""
    eps = real_param(eps, "eps")
    arrays, res_dtype, k_dtype = _rowwise.floats((boxes1, "boxes1"), (boxes2, "boxes2"))
    _rowwise.same_shape(arrays, ("boxes1", "boxes2"))
    b1 = arrays[0]
    if b1.ndim not in (1, 2) or b1.shape[-1] != 4:
        raise ValueError(f"boxes1 and boxes2 must be (N, 4) or (4,) as (x1, y1, x2, y2), got "
                         f"shape {b1.shape}")
    r1, r2 = (_rowwise.rows(a, k_dtype) for a in arrays)
    shape = b1.shape[:-1]
    K, dt = _rowwise.kernels(), KERNEL_INDEX[k_dtype]
    n_threads = _threads.threads_for(r1.size * 8, False)
    rows = np.empty(r1.shape[0]) if want_loss else None
    if grad_output is None:
        total = K.classic("box", dt, r1, r2, None, _BOX_KIND[kind], eps, rows, None, 1.0, None,
                          n_threads)
    else:
        gy, scale = _rowwise.grad_output(grad_output, reduction, shape)
        if reduction == "mean" and not r1.shape[0]:
            gy = np.zeros(1)
        g1 = np.empty_like(r1)
        total = K.classic("box", dt, r1, r2, None, _BOX_KIND[kind], eps, rows, gy, scale, g1,
                          n_threads)
        g1 = _rowwise.grads((g1,), arrays[:1])[0]
        if not want_loss:
            return g1
    if reduction == "mean" and not r1.shape[0]:
        loss = np.zeros((), res_dtype)[()]
    else:
        loss = _rowwise.reduce(rows, total, reduction, shape, res_dtype)
    return loss if grad_output is None else (loss, g1)


def _generalized_box_iou_loss(boxes1, boxes2, reduction, eps):
    return _boxes("generalized", boxes1, boxes2, reduction, eps)


def _generalized_box_iou_loss_backward(grad_output, boxes1, boxes2, reduction, eps):
    return _boxes("generalized", boxes1, boxes2, reduction, eps, grad_output, want_loss=False)


def _generalized_box_iou_loss_with_grad(boxes1, boxes2, reduction, eps, grad_output):
    return _boxes("generalized", boxes1, boxes2, reduction, eps, grad_output)


def _distance_box_iou_loss(boxes1, boxes2, reduction, eps):
    return _boxes("distance", boxes1, boxes2, reduction, eps)


def _distance_box_iou_loss_backward(grad_output, boxes1, boxes2, reduction, eps):
    return _boxes("distance", boxes1, boxes2, reduction, eps, grad_output, want_loss=False)


def _distance_box_iou_loss_with_grad(boxes1, boxes2, reduction, eps, grad_output):
    return _boxes("distance", boxes1, boxes2, reduction, eps, grad_output)


def _complete_box_iou_loss(boxes1, boxes2, reduction, eps):
    return _boxes("complete", boxes1, boxes2, reduction, eps)


def _complete_box_iou_loss_backward(grad_output, boxes1, boxes2, reduction, eps):
    return _boxes("complete", boxes1, boxes2, reduction, eps, grad_output, want_loss=False)


def _complete_box_iou_loss_with_grad(boxes1, boxes2, reduction, eps, grad_output):
    return _boxes("complete", boxes1, boxes2, reduction, eps, grad_output)


# ---- the public functions, generated from _ops.LOSSES ----------------------------------------

# <generated: embedding_losses.functions>
def generalized_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-07):
    """Generalized IoU loss of box pairs (torchvision.ops.generalized_box_iou_loss).

    Parameters
    ----------
    boxes1, boxes2 : array_like
        Boxes ``(N, 4)`` (or ``(4,)``) as ``(x1, y1, x2, y2)``, ``0 <= x1 < x2`` and ``0 <= y1 <
        y2`` as torchvision expects (not checked); pairs of rows are compared. Integer boxes
        count as float64.
    reduction : {'none', 'mean', 'sum'}, default 'none'
        torchvision's default is 'none'; an empty 'mean' is 0, as torchvision's.
    eps : float, default 1e-07
        Small number to prevent division by zero.

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    torchvision's definition, computed in float64 per box pair: ``I`` the intersection area (0
    unless both of its sides are positive), ``U = area1 + area2 - I``, ``iou = I / (U + eps)``;
    ``loss = 1 - iou + (C - U) / (C + eps)``, C the area of the smallest box
    enclosing both (Rezatofighi et al. 2019).

    Gradient (``generalized_box_iou_loss_backward``):

    torch's autograd through torchvision's formula: a min/max tie splits the gradient evenly,
    the empty intersection passes none. ``grad_output`` is ``(N,)`` for
    ``'none'``, else a scalar (divided by N for ``'mean'``).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> b1, b2 = np.array([[0.0, 0.0, 2.0, 2.0]]), np.array([[1.0, 1.0, 3.0, 3.0]])
    >>> F.generalized_box_iou_loss(b1, b2)
    array([1.07936508])
    """
    if _dask.lazy(boxes1, boxes2):
        return _dask.loss("generalized_box_iou_loss", locals())
    return _generalized_box_iou_loss(boxes1, boxes2, check_reduction(reduction), eps)


def generalized_box_iou_loss_backward(grad_output, boxes1, boxes2, reduction="none", eps=1e-07):
    """Gradient of ``generalized_box_iou_loss`` with respect to ``boxes1`` (the predicted boxes).

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    boxes1, boxes2 : array_like
        Boxes ``(N, 4)`` (or ``(4,)``) as ``(x1, y1, x2, y2)``, ``0 <= x1 < x2`` and ``0 <= y1 <
        y2`` as torchvision expects (not checked); pairs of rows are compared. Integer boxes
        count as float64.
    reduction : {'none', 'mean', 'sum'}, default 'none'
        torchvision's default is 'none'; an empty 'mean' is 0, as torchvision's.
    eps : float, default 1e-07
        Small number to prevent division by zero.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``generalized_box_iou_loss`` raises.

    Notes
    -----
    torch's autograd through torchvision's formula: a min/max tie splits the gradient evenly,
    the empty intersection passes none. ``grad_output`` is ``(N,)`` for
    ``'none'``, else a scalar (divided by N for ``'mean'``).

    torch equivalent: ``torch.autograd.grad(torchvision.ops.generalized_box_iou_loss(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> b1, b2 = np.array([[0.0, 0.0, 2.0, 2.0]]), np.array([[1.0, 1.0, 3.0, 3.0]])
    >>> F.generalized_box_iou_loss_backward(np.ones((1,)), b1, b2)
    array([[-0.07785336, -0.07785336, -0.23356009, -0.23356009]])
    """
    if _dask.lazy(grad_output, boxes1, boxes2):
        return _dask.loss("generalized_box_iou_loss_backward", locals())
    return _generalized_box_iou_loss_backward(grad_output, boxes1, boxes2,
                                              check_reduction(reduction), eps)


def generalized_box_iou_loss_with_grad(boxes1, boxes2, reduction="none", eps=1e-07, *,
                                       grad_output=1.0):
    """Loss and ``boxes1`` gradient of ``generalized_box_iou_loss`` in one pass over the boxes.

    Parameters
    ----------
    boxes1, boxes2 : array_like
        Boxes ``(N, 4)`` (or ``(4,)``) as ``(x1, y1, x2, y2)``, ``0 <= x1 < x2`` and ``0 <= y1 <
        y2`` as torchvision expects (not checked); pairs of rows are compared. Integer boxes
        count as float64.
    reduction : {'none', 'mean', 'sum'}, default 'none'
        torchvision's default is 'none'; an empty 'mean' is 0, as torchvision's.
    eps : float, default 1e-07
        Small number to prevent division by zero.
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``generalized_box_iou_loss`` returns.
    grad_input : ndarray
        What ``generalized_box_iou_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``generalized_box_iou_loss``):

    torchvision's definition, computed in float64 per box pair: ``I`` the intersection area (0
    unless both of its sides are positive), ``U = area1 + area2 - I``, ``iou = I / (U + eps)``;
    ``loss = 1 - iou + (C - U) / (C + eps)``, C the area of the smallest box
    enclosing both (Rezatofighi et al. 2019).

    Gradient (``generalized_box_iou_loss_backward``):

    torch's autograd through torchvision's formula: a min/max tie splits the gradient evenly,
    the empty intersection passes none. ``grad_output`` is ``(N,)`` for
    ``'none'``, else a scalar (divided by N for ``'mean'``).

    torch equivalent: ``loss = torchvision.ops.generalized_box_iou_loss(x, ...)`` for an ``x``
    that requires grad, then ``loss.backward(grad_output)`` and ``x.grad``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> b1, b2 = np.array([[0.0, 0.0, 2.0, 2.0]]), np.array([[1.0, 1.0, 3.0, 3.0]])
    >>> loss, grad = F.generalized_box_iou_loss_with_grad(b1, b2)
    >>> loss
    array([1.07936508])
    >>> grad
    array([[-0.07785336, -0.07785336, -0.23356009, -0.23356009]])
    """
    if _dask.lazy(boxes1, boxes2):
        return _dask.loss("generalized_box_iou_loss_with_grad", locals())
    return _generalized_box_iou_loss_with_grad(boxes1, boxes2, check_reduction(reduction), eps,
                                               grad_output)


def distance_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-07):
    """Distance IoU loss of box pairs (torchvision.ops.distance_box_iou_loss).

    Parameters
    ----------
    boxes1, boxes2 : array_like
        Boxes ``(N, 4)`` (or ``(4,)``) as ``(x1, y1, x2, y2)``, ``0 <= x1 < x2`` and ``0 <= y1 <
        y2`` as torchvision expects (not checked); pairs of rows are compared. Integer boxes
        count as float64.
    reduction : {'none', 'mean', 'sum'}, default 'none'
        torchvision's default is 'none'; an empty 'mean' is 0, as torchvision's.
    eps : float, default 1e-07
        Small number to prevent division by zero.

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    torchvision's definition, computed in float64 per box pair: ``I`` the intersection area (0
    unless both of its sides are positive), ``U = area1 + area2 - I``, ``iou = I / (U + eps)``;
    ``loss = 1 - iou + rho^2 / (cw^2 + ch^2 + eps)``, rho the distance between the
    boxes' centres and cw, ch the sides of the smallest enclosing box (Zheng et al. 2020).

    Gradient (``distance_box_iou_loss_backward``):

    torch's autograd through torchvision's formula: a min/max tie splits the gradient evenly,
    the empty intersection passes none. ``grad_output`` is ``(N,)`` for
    ``'none'``, else a scalar (divided by N for ``'mean'``).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> b1, b2 = np.array([[0.0, 0.0, 2.0, 2.0]]), np.array([[1.0, 1.0, 3.0, 3.0]])
    >>> F.distance_box_iou_loss(b1, b2)
    array([0.96825397])
    """
    if _dask.lazy(boxes1, boxes2):
        return _dask.loss("distance_box_iou_loss", locals())
    return _distance_box_iou_loss(boxes1, boxes2, check_reduction(reduction), eps)


def distance_box_iou_loss_backward(grad_output, boxes1, boxes2, reduction="none", eps=1e-07):
    """Gradient of ``distance_box_iou_loss`` with respect to ``boxes1`` (the predicted boxes).

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    boxes1, boxes2 : array_like
        Boxes ``(N, 4)`` (or ``(4,)``) as ``(x1, y1, x2, y2)``, ``0 <= x1 < x2`` and ``0 <= y1 <
        y2`` as torchvision expects (not checked); pairs of rows are compared. Integer boxes
        count as float64.
    reduction : {'none', 'mean', 'sum'}, default 'none'
        torchvision's default is 'none'; an empty 'mean' is 0, as torchvision's.
    eps : float, default 1e-07
        Small number to prevent division by zero.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``distance_box_iou_loss`` raises.

    Notes
    -----
    torch's autograd through torchvision's formula: a min/max tie splits the gradient evenly,
    the empty intersection passes none. ``grad_output`` is ``(N,)`` for
    ``'none'``, else a scalar (divided by N for ``'mean'``).

    torch equivalent: ``torch.autograd.grad(torchvision.ops.distance_box_iou_loss(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> b1, b2 = np.array([[0.0, 0.0, 2.0, 2.0]]), np.array([[1.0, 1.0, 3.0, 3.0]])
    >>> F.distance_box_iou_loss_backward(np.ones((1,)), b1, b2)
    array([[-0.05933484, -0.05933484, -0.17800453, -0.17800453]])
    """
    if _dask.lazy(grad_output, boxes1, boxes2):
        return _dask.loss("distance_box_iou_loss_backward", locals())
    return _distance_box_iou_loss_backward(grad_output, boxes1, boxes2, check_reduction(reduction),
                                           eps)


def distance_box_iou_loss_with_grad(boxes1, boxes2, reduction="none", eps=1e-07, *,
                                    grad_output=1.0):
    """Loss and ``boxes1`` gradient of ``distance_box_iou_loss`` in one pass over the boxes.

    Parameters
    ----------
    boxes1, boxes2 : array_like
        Boxes ``(N, 4)`` (or ``(4,)``) as ``(x1, y1, x2, y2)``, ``0 <= x1 < x2`` and ``0 <= y1 <
        y2`` as torchvision expects (not checked); pairs of rows are compared. Integer boxes
        count as float64.
    reduction : {'none', 'mean', 'sum'}, default 'none'
        torchvision's default is 'none'; an empty 'mean' is 0, as torchvision's.
    eps : float, default 1e-07
        Small number to prevent division by zero.
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``distance_box_iou_loss`` returns.
    grad_input : ndarray
        What ``distance_box_iou_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``distance_box_iou_loss``):

    torchvision's definition, computed in float64 per box pair: ``I`` the intersection area (0
    unless both of its sides are positive), ``U = area1 + area2 - I``, ``iou = I / (U + eps)``;
    ``loss = 1 - iou + rho^2 / (cw^2 + ch^2 + eps)``, rho the distance between the
    boxes' centres and cw, ch the sides of the smallest enclosing box (Zheng et al. 2020).

    Gradient (``distance_box_iou_loss_backward``):

    torch's autograd through torchvision's formula: a min/max tie splits the gradient evenly,
    the empty intersection passes none. ``grad_output`` is ``(N,)`` for
    ``'none'``, else a scalar (divided by N for ``'mean'``).

    torch equivalent: ``loss = torchvision.ops.distance_box_iou_loss(x, ...)`` for an ``x`` that
    requires grad, then ``loss.backward(grad_output)`` and ``x.grad``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> b1, b2 = np.array([[0.0, 0.0, 2.0, 2.0]]), np.array([[1.0, 1.0, 3.0, 3.0]])
    >>> loss, grad = F.distance_box_iou_loss_with_grad(b1, b2)
    >>> loss
    array([0.96825397])
    >>> grad
    array([[-0.05933484, -0.05933484, -0.17800453, -0.17800453]])
    """
    if _dask.lazy(boxes1, boxes2):
        return _dask.loss("distance_box_iou_loss_with_grad", locals())
    return _distance_box_iou_loss_with_grad(boxes1, boxes2, check_reduction(reduction), eps,
                                            grad_output)


def complete_box_iou_loss(boxes1, boxes2, reduction="none", eps=1e-07):
    """Complete IoU loss of box pairs (torchvision.ops.complete_box_iou_loss).

    Parameters
    ----------
    boxes1, boxes2 : array_like
        Boxes ``(N, 4)`` (or ``(4,)``) as ``(x1, y1, x2, y2)``, ``0 <= x1 < x2`` and ``0 <= y1 <
        y2`` as torchvision expects (not checked); pairs of rows are compared. Integer boxes
        count as float64.
    reduction : {'none', 'mean', 'sum'}, default 'none'
        torchvision's default is 'none'; an empty 'mean' is 0, as torchvision's.
    eps : float, default 1e-07
        Small number to prevent division by zero.

    Returns
    -------
    ndarray or NumPy scalar
        reduction='none': an array of the loss shape; otherwise a scalar. Of the result dtype
        (float32/float64, float16 for float16 inputs).

    Raises
    ------
    TypeError
        For complex, object or string arrays, or a non-numeric parameter.
    ValueError
        For shapes that do not match as the loss requires (the message gives the shapes), an
        unknown `reduction`, or a parameter out of its range.

    Notes
    -----
    torchvision's definition, computed in float64 per box pair: ``I`` the intersection area (0
    unless both of its sides are positive), ``U = area1 + area2 - I``, ``iou = I / (U + eps)``;
    ``loss = diou_loss + alpha v``, ``v = 4 / pi^2 (atan(w2 / h2) - atan(w1 / h1))^2``,
    ``alpha = v / (1 - iou + v + eps)`` (Zheng et al. 2020).

    Gradient (``complete_box_iou_loss_backward``):

    torch's autograd through torchvision's formula: a min/max tie splits the gradient evenly,
    the empty intersection passes none, and alpha is a constant (torchvision computes it under no_grad). ``grad_output`` is ``(N,)`` for
    ``'none'``, else a scalar (divided by N for ``'mean'``).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> b1, b2 = np.array([[0.0, 0.0, 2.0, 2.0]]), np.array([[1.0, 1.0, 3.0, 3.0]])
    >>> F.complete_box_iou_loss(b1, b2)
    array([0.96825397])
    """
    if _dask.lazy(boxes1, boxes2):
        return _dask.loss("complete_box_iou_loss", locals())
    return _complete_box_iou_loss(boxes1, boxes2, check_reduction(reduction), eps)


def complete_box_iou_loss_backward(grad_output, boxes1, boxes2, reduction="none", eps=1e-07):
    """Gradient of ``complete_box_iou_loss`` with respect to ``boxes1`` (the predicted boxes).

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    boxes1, boxes2 : array_like
        Boxes ``(N, 4)`` (or ``(4,)``) as ``(x1, y1, x2, y2)``, ``0 <= x1 < x2`` and ``0 <= y1 <
        y2`` as torchvision expects (not checked); pairs of rows are compared. Integer boxes
        count as float64.
    reduction : {'none', 'mean', 'sum'}, default 'none'
        torchvision's default is 'none'; an empty 'mean' is 0, as torchvision's.
    eps : float, default 1e-07
        Small number to prevent division by zero.

    Returns
    -------
    ndarray
        The gradient with respect to `input`: its shape and float dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``complete_box_iou_loss`` raises.

    Notes
    -----
    torch's autograd through torchvision's formula: a min/max tie splits the gradient evenly,
    the empty intersection passes none, and alpha is a constant (torchvision computes it under no_grad). ``grad_output`` is ``(N,)`` for
    ``'none'``, else a scalar (divided by N for ``'mean'``).

    torch equivalent: ``torch.autograd.grad(torchvision.ops.complete_box_iou_loss(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> b1, b2 = np.array([[0.0, 0.0, 2.0, 2.0]]), np.array([[1.0, 1.0, 3.0, 3.0]])
    >>> F.complete_box_iou_loss_backward(np.ones((1,)), b1, b2)
    array([[-0.05933484, -0.05933484, -0.17800453, -0.17800453]])
    """
    if _dask.lazy(grad_output, boxes1, boxes2):
        return _dask.loss("complete_box_iou_loss_backward", locals())
    return _complete_box_iou_loss_backward(grad_output, boxes1, boxes2, check_reduction(reduction),
                                           eps)


def complete_box_iou_loss_with_grad(boxes1, boxes2, reduction="none", eps=1e-07, *,
                                    grad_output=1.0):
    """Loss and ``boxes1`` gradient of ``complete_box_iou_loss`` in one pass over the boxes.

    Parameters
    ----------
    boxes1, boxes2 : array_like
        Boxes ``(N, 4)`` (or ``(4,)``) as ``(x1, y1, x2, y2)``, ``0 <= x1 < x2`` and ``0 <= y1 <
        y2`` as torchvision expects (not checked); pairs of rows are compared. Integer boxes
        count as float64.
    reduction : {'none', 'mean', 'sum'}, default 'none'
        torchvision's default is 'none'; an empty 'mean' is 0, as torchvision's.
    eps : float, default 1e-07
        Small number to prevent division by zero.
    grad_output : float or array_like, default 1.0
        The gradient flowing into the loss: a scalar for the reductions other than
        'none'; for 'none' an array of the loss shape, or a scalar used for every element.

    Returns
    -------
    loss : ndarray or NumPy scalar
        Exactly what ``complete_box_iou_loss`` returns.
    grad_input : ndarray
        What ``complete_box_iou_loss_backward(grad_output, ...)`` returns.

    Raises
    ------
    TypeError, ValueError
        As the loss, and for a grad_output of the wrong shape.

    Notes
    -----
    Loss (``complete_box_iou_loss``):

    torchvision's definition, computed in float64 per box pair: ``I`` the intersection area (0
    unless both of its sides are positive), ``U = area1 + area2 - I``, ``iou = I / (U + eps)``;
    ``loss = diou_loss + alpha v``, ``v = 4 / pi^2 (atan(w2 / h2) - atan(w1 / h1))^2``,
    ``alpha = v / (1 - iou + v + eps)`` (Zheng et al. 2020).

    Gradient (``complete_box_iou_loss_backward``):

    torch's autograd through torchvision's formula: a min/max tie splits the gradient evenly,
    the empty intersection passes none, and alpha is a constant (torchvision computes it under no_grad). ``grad_output`` is ``(N,)`` for
    ``'none'``, else a scalar (divided by N for ``'mean'``).

    torch equivalent: ``loss = torchvision.ops.complete_box_iou_loss(x, ...)`` for an ``x`` that
    requires grad, then ``loss.backward(grad_output)`` and ``x.grad``.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> b1, b2 = np.array([[0.0, 0.0, 2.0, 2.0]]), np.array([[1.0, 1.0, 3.0, 3.0]])
    >>> loss, grad = F.complete_box_iou_loss_with_grad(b1, b2)
    >>> loss
    array([0.96825397])
    >>> grad
    array([[-0.05933484, -0.05933484, -0.17800453, -0.17800453]])
    """
    if _dask.lazy(boxes1, boxes2):
        return _dask.loss("complete_box_iou_loss_with_grad", locals())
    return _complete_box_iou_loss_with_grad(boxes1, boxes2, check_reduction(reduction), eps,
                                            grad_output)


def cosine_embedding_loss(input1, input2, target, margin=0, *, reduction="mean"):
    """Cosine embedding loss of pairs (torch.nn.functional.cosine_embedding_loss).

    Parameters
    ----------
    input1, input2 : array_like
        ``(N, D)`` embeddings with a 1-D target ``(N,)``, or ``(D,)`` with a 0-D target. Same
        shape; float dtypes as in the module notes.
    target : array_like
        1 (similar pair) or -1 (dissimilar pair), any real or integer dtype.
    margin : float, default 0
        Dissimilar pairs cost ``max(0, cos - margin)``; torch suggests [-1, 1].
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray or NumPy scalar
        ``(N,)`` (or 0-D) for ``'none'``, else a scalar of the result dtype.

    Raises
    ------
    TypeError
        Non-real inputs or target, non-real margin.
    ValueError
        Shapes that do not match, target values other than 1 and -1 (torch silently gives 0
        for them), an unknown reduction.

    Notes
    -----
    As ATen, with ``EPS = 1e-12`` added to both squared norms::

        cos  = <x1, x2> / sqrt((||x1||^2 + EPS) (||x2||^2 + EPS))
        loss = 1 - cos                  if target == 1
                   max(0, cos - margin)     if target == -1

    The dot product and the norms accumulate in float64. The gradient
    (``cosine_embedding_loss_backward``) passes through the clamp where ``cos - margin >= 0``,
    as torch's autograd does.

    Gradient (``cosine_embedding_loss_backward``):

    With ``den = sqrt(m1 m2)``, ``m_i = ||x_i||^2 + 1e-12``: ``dcos/dx1 = x2 / den - cos x1 /
    m1`` (symmetrically for x2); the loss's derivative is ``-dcos`` for target 1 and ``dcos``
    where ``cos - margin >= 0`` for target -1, times ``grad_output`` (divided by N for
    ``'mean'``).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.cosine_embedding_loss(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), np.array([1]))
    np.float64(1.0)
    """
    if _dask.lazy(input1, input2, target):
        return _dask.loss("cosine_embedding_loss", locals())
    return _cosine_embedding_loss(input1, input2, target, margin, check_reduction(reduction))


def cosine_embedding_loss_backward(grad_output, input1, input2, target, margin=0, *,
                                   reduction="mean"):
    """Gradients ``(grad_input1, grad_input2)`` of ``cosine_embedding_loss``.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    input1, input2 : array_like
        ``(N, D)`` embeddings with a 1-D target ``(N,)``, or ``(D,)`` with a 0-D target. Same
        shape; float dtypes as in the module notes.
    target : array_like
        1 (similar pair) or -1 (dissimilar pair), any real or integer dtype.
    margin : float, default 0
        Dissimilar pairs cost ``max(0, cos - margin)``; torch suggests [-1, 1].
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    grad_input1, grad_input2 : ndarray
        Each of its embedding's shape and dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``cosine_embedding_loss`` raises.

    Notes
    -----
    With ``den = sqrt(m1 m2)``, ``m_i = ||x_i||^2 + 1e-12``: ``dcos/dx1 = x2 / den - cos x1 /
    m1`` (symmetrically for x2); the loss's derivative is ``-dcos`` for target 1 and ``dcos``
    where ``cos - margin >= 0`` for target -1, times ``grad_output`` (divided by N for
    ``'mean'``).

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.cosine_embedding_loss(x, ...),
    x, grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> F.cosine_embedding_loss_backward(1.0, np.array([[1.0, 0.0]]),
    ...                                  np.array([[0.0, 1.0]]), np.array([1]))
    (array([[ 0., -1.]]), array([[-1.,  0.]]))
    """
    if _dask.lazy(grad_output, input1, input2, target):
        return _dask.loss("cosine_embedding_loss_backward", locals())
    return _cosine_embedding_loss_backward(grad_output, input1, input2, target, margin,
                                           check_reduction(reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False, *,
                        reduction="mean"):
    """Triplet margin loss (torch.nn.functional.triplet_margin_loss).

    Parameters
    ----------
    anchor, positive, negative : array_like
        Embeddings of one shape ``(..., D)``: one triplet per position of the leading
        dimensions (``(N, D)`` the usual case; ``(D,)`` one triplet, 0-D a 1-vector).
    margin : float, default 1.0
        Must be > 0.
    p : float, default 2
        Norm of the pairwise distance, >= 0 or ``inf``.
    eps : float, default 1e-06
        Added to the difference before the norm (as torch).
    swap : bool, default False
        Use ``min(d(a, n), d(p, n))`` as the negative distance (Balntas et al. 2016).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    ndarray or NumPy scalar
        The leading shape for ``'none'``, else a scalar of the result dtype.

    Raises
    ------
    TypeError
        Non-real embeddings or parameters, a non-bool swap.
    ValueError
        Embeddings of different shapes, ``margin <= 0``, ``p < 0``, an unknown reduction.

    Notes
    -----
    ``loss = max(margin + d(a, p) - d_neg, 0)``, ``d_neg = d(a, n)`` or, with ``swap``,
    ``min(d(a, n), d(p, n))``. The distance is
    ``d(x1, x2) = ||x1 - x2 + eps||_p`` along the last dimension, torch's ``pairwise_distance``:
    the difference is rounded in the input dtype as torch rounds it, the norm accumulates in
    float64. ``p = 2`` (default), 1, 0 (count of non-zeros), ``inf`` (max ``|v|``) and any other
    ``p > 0`` (``(sum |v|^p)^(1/p)``). Gradients follow torch's norm backward: 0 where the norm is 0
    (``p >= 1``), ``sign(v)`` for ``p = 1`` (0 at 0), shared evenly among tied maxima for ``p =
    inf``, 0 for ``p = 0``. Negative ``p`` (which torch accepts) raises ValueError.
    At the hinge the gradient passes where ``margin + d(a, p) - d_neg >= 0`` (torch's
    clamp_min); on a swap tie ``d(a, n) == d(p, n)`` each distance gets half (torch's min).

    Gradient (``triplet_margin_loss_backward``):

    Where the hinge is active (``margin + d(a, p) - d_neg >= 0``), ``+grad_output`` flows into
    ``d(a, p)`` and ``-grad_output`` into ``d_neg`` (split in half on a swap tie), then through
    the distances' gradients to the embeddings; inactive triplets get 0.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> a, p, n = np.zeros((1, 2)), np.zeros((1, 2)), np.ones((1, 2))
    >>> float(F.triplet_margin_loss(a, p, n, eps=0.0))  # 1 + 0 - sqrt(2), clamped
    0.0
    """
    if _dask.lazy(anchor, positive, negative):
        return _dask.loss("triplet_margin_loss", locals())
    return _triplet_margin_loss(anchor, positive, negative, margin, p, eps,
                                bool_option(swap, "swap"), check_reduction(reduction))


def triplet_margin_loss_backward(grad_output, anchor, positive, negative, margin=1.0, p=2,
                                 eps=1e-06, swap=False, *, reduction="mean"):
    """Gradients ``(grad_anchor, grad_positive, grad_negative)`` of ``triplet_margin_loss``.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    anchor, positive, negative : array_like
        Embeddings of one shape ``(..., D)``: one triplet per position of the leading
        dimensions (``(N, D)`` the usual case; ``(D,)`` one triplet, 0-D a 1-vector).
    margin : float, default 1.0
        Must be > 0.
    p : float, default 2
        Norm of the pairwise distance, >= 0 or ``inf``.
    eps : float, default 1e-06
        Added to the difference before the norm (as torch).
    swap : bool, default False
        Use ``min(d(a, n), d(p, n))`` as the negative distance (Balntas et al. 2016).
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.

    Returns
    -------
    grad_anchor, grad_positive, grad_negative : ndarray
        Each of its embedding's shape and dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``triplet_margin_loss`` raises.

    Notes
    -----
    Where the hinge is active (``margin + d(a, p) - d_neg >= 0``), ``+grad_output`` flows into
    ``d(a, p)`` and ``-grad_output`` into ``d_neg`` (split in half on a swap tie), then through
    the distances' gradients to the embeddings; inactive triplets get 0.

    torch equivalent: ``torch.autograd.grad(torch.nn.functional.triplet_margin_loss(x, ...), x,
    grad_output)`` for an ``x`` that requires grad.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> a, p, n = np.zeros((1, 2)), np.zeros((1, 2)), np.ones((1, 2))
    >>> F.triplet_margin_loss_backward(1.0, a, p, n, eps=0.0)
    (array([[0., 0.]]), array([[0., 0.]]), array([[0., 0.]]))
    """
    if _dask.lazy(grad_output, anchor, positive, negative):
        return _dask.loss("triplet_margin_loss_backward", locals())
    return _triplet_margin_loss_backward(grad_output, anchor, positive, negative, margin, p, eps,
                                         bool_option(swap, "swap"), check_reduction(reduction))


def contrastive_loss(x1, x2, target, margin=1.0, *, reduction="mean", p=2, eps=1e-06):
    """Contrastive loss of embedding pairs (Hadsell, Chopra & LeCun 2006); not in torch.

    Parameters
    ----------
    x1, x2 : array_like
        Embeddings of one shape ``(..., D)``: one pair per position of the leading dimensions.
    target : array_like
        1 for a similar pair, 0 for a dissimilar one (any real, integer or bool dtype), of the
        leading shape.
    margin : float, default 1.0
        Dissimilar pairs closer than this are pushed apart; must be >= 0.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    p : float, default 2
        Norm of the pair distance, >= 0 or ``inf``.
    eps : float, default 1e-06
        Added to the difference before the norm (as torch's pairwise_distance).

    Returns
    -------
    ndarray or NumPy scalar
        The leading shape for ``'none'``, else a scalar of the result dtype.

    Raises
    ------
    TypeError
        Non-real embeddings, target or parameters.
    ValueError
        Shapes that do not match, target values other than 0 and 1, ``margin < 0``, ``p < 0``,
        an unknown reduction.

    Notes
    -----
    With ``d = ||x1 - x2 + eps||_p`` and ``y`` the target (1 = similar)::

        loss = 1/2 * y * d^2 + 1/2 * (1 - y) * max(0, margin - d)^2

    the form of Hadsell et al. (their eq. 4, with their label convention flipped so that 1
    means similar) and of Caffe's ContrastiveLoss, **with** the factor 1/2 (TensorFlow
    Addons' ``contrastive_loss`` omits it and is twice this). ``'mean'`` divides the sum by the
    number of pairs. The distance is
    ``d(x1, x2) = ||x1 - x2 + eps||_p`` along the last dimension, torch's ``pairwise_distance``:
    the difference is rounded in the input dtype as torch rounds it, the norm accumulates in
    float64. ``p = 2`` (default), 1, 0 (count of non-zeros), ``inf`` (max ``|v|``) and any other
    ``p > 0`` (``(sum |v|^p)^(1/p)``). Gradients follow torch's norm backward: 0 where the norm is 0
    (``p >= 1``), ``sign(v)`` for ``p = 1`` (0 at 0), shared evenly among tied maxima for ``p =
    inf``, 0 for ``p = 0``. Negative ``p`` (which torch accepts) raises ValueError.
    The gradient with respect to ``d`` is ``y d - (1 - y) max(0, margin - d)``; it is 0 for
    dissimilar pairs at or beyond the margin.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x1, x2 = np.array([[0.0, 0.0], [0.0, 0.0]]), np.array([[3.0, 4.0], [0.6, 0.8]])
    >>> F.contrastive_loss(x1, x2, np.array([1, 0]), eps=0.0, reduction="none")
    array([12.5,  0. ])
    """
    if _dask.lazy(x1, x2, target):
        return _dask.loss("contrastive_loss", locals())
    return _contrastive_loss(x1, x2, target, margin, check_reduction(reduction), p, eps)


def contrastive_loss_backward(grad_output, x1, x2, target, margin=1.0, *, reduction="mean", p=2,
                              eps=1e-06):
    """Gradients ``(grad_x1, grad_x2)`` of ``contrastive_loss``: ``grad_output * (y d - (1 - y)
    max(0, margin - d)) * dd/dx1``, and its negative for x2.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    x1, x2 : array_like
        Embeddings of one shape ``(..., D)``: one pair per position of the leading dimensions.
    target : array_like
        1 for a similar pair, 0 for a dissimilar one (any real, integer or bool dtype), of the
        leading shape.
    margin : float, default 1.0
        Dissimilar pairs closer than this are pushed apart; must be >= 0.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        'none': the unreduced losses; 'mean': their mean; 'sum': their sum.
    p : float, default 2
        Norm of the pair distance, >= 0 or ``inf``.
    eps : float, default 1e-06
        Added to the difference before the norm (as torch's pairwise_distance).

    Returns
    -------
    grad_x1, grad_x2 : ndarray
        Each of its embedding's shape and dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``contrastive_loss`` raises.

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> x1, x2 = np.array([[0.0, 0.0], [0.0, 0.0]]), np.array([[3.0, 4.0], [0.6, 0.8]])
    >>> F.contrastive_loss_backward(np.ones((2,)), x1, x2, np.array([1, 0]), eps=0.0,
    ...                             reduction="none")
    (array([[-3., -4.],
           [ 0.,  0.]]), array([[3., 4.],
           [0., 0.]]))
    """
    if _dask.lazy(grad_output, x1, x2, target):
        return _dask.loss("contrastive_loss_backward", locals())
    return _contrastive_loss_backward(grad_output, x1, x2, target, margin,
                                      check_reduction(reduction), p, eps)


def info_nce(query, key, temperature=0.1, *, reduction="mean", symmetric=False,
             intra_view_negatives=False):
    """InfoNCE / NT-Xent: normalized temperature-scaled cross-entropy of paired embeddings.

    Not in torch. ``nt_xent`` is the same function.

    Parameters
    ----------
    query, key : array_like
        ``(N, D)`` embeddings; row i of ``key`` is the positive of row i of ``query``, every
        other row of ``key`` a negative.
    temperature : float, default 0.1
        tau > 0.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        ``'none'`` gives the ``(N,)`` per-pair losses -- in the 2N-view form
        (``symmetric=True, intra_view_negatives=True``) the ``(2N,)`` per-view losses, the
        query views' then the key views'. ``'sum'`` is their sum, ``'mean'`` their mean.
    symmetric : bool, default False
        Average the query->key and key->query directions (CLIP's loss, and the two halves of
        SimCLR's).
    intra_view_negatives : bool, default False
        Also contrast each anchor with the other embeddings of its own view (SimCLR's 2N-view
        NT-Xent); see Notes.

    Returns
    -------
    ndarray or NumPy scalar
        ``(N,)`` for ``'none'`` (``(2N,)`` in the 2N-view form), else a scalar of the result
        dtype.

    Raises
    ------
    TypeError
        Non-real embeddings or temperature, non-bool flags.
    ValueError
        Non-2-D or different shapes, ``temperature <= 0``, an unknown reduction.

    Notes
    -----
    Rows are L2-normalised as ``torch.nn.functional.normalize`` does, ``u^ = u / max(||u||,
    1e-12)``; ``s_ij = <q^_i, k^_j>`` (cosine similarities, a BLAS matmul) and the logits are
    ``s_ij / tau``. Query->key loss of pair i, the cross-entropy with the diagonal as the target::

        l_i(q->k) = -log( exp(s_ii / tau) / sum_j exp(s_ij / tau) )

    ``symmetric=False``: ``loss_i = l_i(q->k)`` (``F.cross_entropy(q^ @ k^.T / tau, arange(N))``
    of torch, with the default ``reduction``). ``symmetric=True``: ``loss_i = (l_i(q->k) +
    l_i(k->q)) / 2``, ``l_i(k->q)`` the same with the roles swapped (the columns of the
    logits): CLIP's loss.

    ``intra_view_negatives=True`` adds the other rows of the anchor's own view to its
    denominator, ``sum_j exp(<q^_i, k^_j> / tau) + sum_{j != i} exp(<q^_i, q^_j> / tau)`` (and
    likewise for key anchors). With ``symmetric=True`` this is exactly SimCLR's NT-Xent (Chen
    et al. 2020) over the 2N views ``[query; key]``: each of the 2N embeddings is the anchor
    once, its positive the other view of the same sample, the remaining 2N - 2 its negatives;
    ``'none'`` returns the 2N anchors' losses ``l_1 .. l_2N`` (anchor i < N is query row i,
    anchor N + i key row i), ``'mean'`` is their mean (SimCLR's loss) and ``'sum'`` their sum.
    Without it (the default), the loss contrasts across views only (the InfoNCE of CPC/MoCo
    with in-batch negatives, CLIP when symmetric).

    The log-sum-exps (of rows, and of columns for the key->query direction) are computed in
    float64 with the maximum shifted out; similarity and gradient matrices take O(N^2) memory
    (``2N x 2N`` for the symmetric SimCLR form).

    Gradient (``info_nce_backward``):

    ``grad_output`` is a scalar for 'mean'/'sum', else an array of the loss's shape: ``(N,)``,
    or ``(2N,)`` (one per view) in the 2N-view form. The logit gradient ``(softmax - onehot) /
    tau`` (a row kernel) goes back through the similarity matmuls (BLAS) and the row
    normalisation: ``(g - u^ <u^, g>) / ||u||`` where ``||u|| >= 1e-12``, ``g / 1e-12`` below
    (torch's normalize).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> q = np.eye(3)
    >>> round(float(F.info_nce(q, q, temperature=1.0)), 6)  # -log(e / (e + 2))
    0.551445
    """
    if _dask.lazy(query, key):
        return _dask.loss("info_nce", locals())
    return _info_nce(query, key, temperature, check_reduction(reduction),
                     bool_option(symmetric, "symmetric"),
                     bool_option(intra_view_negatives, "intra_view_negatives"))


def info_nce_backward(grad_output, query, key, temperature=0.1, *, reduction="mean",
                      symmetric=False, intra_view_negatives=False):
    """Gradients ``(grad_query, grad_key)`` of ``info_nce``.

    Parameters
    ----------
    grad_output : float or array_like
        The gradient flowing into the loss: a scalar (or 0-d array) for the reductions
        other than 'none', an array of the loss shape for 'none'.
    query, key : array_like
        ``(N, D)`` embeddings; row i of ``key`` is the positive of row i of ``query``, every
        other row of ``key`` a negative.
    temperature : float, default 0.1
        tau > 0.
    reduction : {'none', 'mean', 'sum'}, default 'mean'
        ``'none'`` gives the ``(N,)`` per-pair losses -- in the 2N-view form
        (``symmetric=True, intra_view_negatives=True``) the ``(2N,)`` per-view losses, the
        query views' then the key views'. ``'sum'`` is their sum, ``'mean'`` their mean.
    symmetric : bool, default False
        Average the query->key and key->query directions (CLIP's loss, and the two halves of
        SimCLR's).
    intra_view_negatives : bool, default False
        Also contrast each anchor with the other embeddings of its own view (SimCLR's 2N-view
        NT-Xent); see Notes.

    Returns
    -------
    grad_query, grad_key : ndarray
        Each of its embedding's shape and dtype.

    Raises
    ------
    ValueError
        A grad_output of the wrong shape, and everything ``info_nce`` raises.

    Notes
    -----
    ``grad_output`` is a scalar for 'mean'/'sum', else an array of the loss's shape: ``(N,)``,
    or ``(2N,)`` (one per view) in the 2N-view form. The logit gradient ``(softmax - onehot) /
    tau`` (a row kernel) goes back through the similarity matmuls (BLAS) and the row
    normalisation: ``(g - u^ <u^, g>) / ||u||`` where ``||u|| >= 1e-12``, ``g / 1e-12`` below
    (torch's normalize).

    Examples
    --------
    >>> import numpy as np, actloss as F
    >>> q = np.eye(3)
    >>> F.info_nce_backward(1.0, q, q, temperature=1.0)
    (array([[0.        , 0.07064719, 0.07064719],
           [0.07064719, 0.        , 0.07064719],
           [0.07064719, 0.07064719, 0.        ]]), array([[0.        , 0.07064719, 0.07064719],
           [0.07064719, 0.        , 0.07064719],
           [0.07064719, 0.07064719, 0.        ]]))
    """
    if _dask.lazy(grad_output, query, key):
        return _dask.loss("info_nce_backward", locals())
    return _info_nce_backward(grad_output, query, key, temperature, check_reduction(reduction),
                              bool_option(symmetric, "symmetric"),
                              bool_option(intra_view_negatives, "intra_view_negatives"))


nt_xent = info_nce


nt_xent_backward = info_nce_backward
# </generated: embedding_losses.functions>
