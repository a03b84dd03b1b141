"""dask.array inputs, kept lazy: the softmax family, logsumexp and the losses.

Every family's entry asks ``lazy(...)`` first (a type check, no import); only when an argument
is a ``dask.array.Array`` is the call handed here, and only then is dask imported. The NumPy
function itself runs on each block (on the workers), so a block's result is exactly the NumPy
path's on that block:

* softmax / log_softmax / softmin (and their backward), logsumexp: ``map_blocks``; the
  normalised axes are rechunked to one chunk only when they are split, nothing else moves.
* losses with reduction="none": a blockwise map, lazily. "mean" / "sum" / "batchmean": each
  block gives its sum (the kernel's double total for float64; for the narrower dtypes the
  unreduced terms summed in float64, or, where every term is >= 0, the kernel's total rounded
  once: see _Loss._block_sum) and, where the mean divides by something the data decides
  (class weights of the rows not ignored, or their count), that block's share of the
  divisor; the partials are combined in float64 and divided once, giving a lazy 0-d array of
  the result dtype.
* backward: a mean's gradient is the sum's gradient times grad_output / divisor, the divisor
  a lazy scalar passed into every block. ``*_with_grad`` returns the lazy loss and the lazy
  gradient.

Layouts: pointwise losses broadcast their arrays to the loss shape and map block by block;
row losses (class scores, embeddings) rechunk the class / feature axis (axis 1) to one chunk
and map over the rows (and the spatial axes of a K-dim input); losses whose rows couple
(info_nce, dice/tversky, ctc_loss, linear_cross_entropy, a single (C,) row) run as one block.
"""
import functools
import importlib
import math
import numbers

import numpy as np


# the types of a NumPy-path call's arguments, answered by one set lookup each
_PLAIN = frozenset([np.ndarray, type(None), float, int, bool, str, list, tuple])


def lazy(*args):
    """True when an argument is a dask array. A plain type check: dask is imported only when an
    argument's class comes from it, so a NumPy-only call never imports it."""
    for a in args:
        if type(a) not in _PLAIN and type(a).__module__.startswith("dask"):
            import dask.array as da
            if isinstance(a, da.Array):
                return True
    return False


def _da():
    import dask.array as da
    return da


def _fn(name):
    """The public NumPy-path function `name` (looked up by name, so a worker imports actloss and
    the graph carries a string, not a function)."""
    return getattr(importlib.import_module("actloss"), name)


def _letters(n, start=0):
    return "abcdefghijklmnopqrstuvwxyz"[start:start + n]


def _as_dask(a):
    da = _da()
    return a if isinstance(a, da.Array) else da.asarray(np.asarray(a))


def _scalar(fn, *args, dtype=np.float64):
    """A lazy 0-d array fn(*args); dask arguments are passed computed."""
    import dask
    return _da().from_delayed(dask.delayed(fn, pure=True)(*args), (), dtype=dtype)


# ---- the softmax family --------------------------------------------------------------------

def _softmax_block(name, dim, dtype, temperature, x):
    return _fn(name)(x, dim, dtype=dtype, temperature=temperature)


def _softmax_grad_block(name, dim, dtype, temperature, use_output, g, x):
    f = _fn(name + "_backward")
    if use_output:
        return f(g, dim=dim, dtype=dtype, output=x, temperature=temperature)
    return f(g, x, dim, dtype=dtype, temperature=temperature)


def _implicit_dim(name, ndim, dim, stacklevel):
    """dim as an index; None takes torch's legacy implicit axis with its warning (the NumPy
    path's, pointed at the caller: stacklevel counts from the family's entry)."""
    from ._validate import dim_index
    if dim is None:
        from .softmax_family import _implicit_dim as legacy
        dim = legacy(ndim, stacklevel + 2, name)
    return dim_index(dim, max(ndim, 1))


def _one_chunk(x, axes):
    """x with each of `axes` in one chunk, rechunked only when one is split."""
    split = {a: -1 for a in axes if len(x.chunks[a]) > 1}
    return x.rechunk(split) if split else x


def _meta_value(a, fill=1):
    """A one-element stand-in of a's dtype and ndim, for the checks and dtype of a meta call."""
    return np.full((1,) * a.ndim, fill, dtype=a.dtype)


def softmax(name, input, dim, stacklevel, dtype, temperature, out):
    """name(input, dim, ...) on a dask array: map_blocks, rechunking dim only if split."""
    if out is not None:
        raise TypeError(f"{name}: out= cannot receive a lazy dask result; drop out= (the result "
                        f"is a dask array)")
    x = _as_dask(input)
    d = _implicit_dim(name, x.ndim, dim, stacklevel)
    # the NumPy path on a one-element stand-in checks dtype= and temperature, gives the dtype
    meta = _fn(name)(_meta_value(x), d, dtype=dtype, temperature=temperature)
    if x.ndim:
        x = _one_chunk(x, (d,))
    return x.map_blocks(functools.partial(_softmax_block, name, d, dtype, temperature),
                        dtype=meta.dtype)


def softmax_backward(name, grad_output, input, dim, stacklevel, dtype, output, temperature,
                     out):
    if out is not None:
        raise TypeError(f"{name}_backward: out= cannot receive a lazy dask result; drop out=")
    if output is None and input is None:
        raise ValueError("pass input or output=")
    src = output if output is not None else input
    x, g = _as_dask(src), _as_dask(grad_output)
    if g.shape != x.shape:
        raise ValueError(f"grad_output has shape {g.shape}, expected {x.shape}")
    d = _implicit_dim(name, x.ndim, dim, stacklevel)
    use_output = output is not None
    f = _fn(name + "_backward")
    mx, mg = _meta_value(x), _meta_value(g)
    meta = (f(mg, dim=d, dtype=dtype, output=mx, temperature=temperature) if use_output else
            f(mg, mx, d, dtype=dtype, temperature=temperature))
    if x.ndim:
        x, g = _one_chunk(x, (d,)), _one_chunk(g, (d,))
    ind = _letters(x.ndim)
    return _da().blockwise(functools.partial(_softmax_grad_block, name, d, dtype, temperature,
                                             use_output), ind, g, ind, x, ind,
                           dtype=meta.dtype)


def _lse_block(axes, keepdim, x):
    y = _fn("logsumexp")(x, axes, keepdim)
    return np.asarray(y)


def _lse_grad_block(axes, keepdim, g, x):
    return _fn("logsumexp_backward")(g, x, axes, keepdim)


def _lse_axes(dim, ndim):
    from .softmax_family import _reduced_dims
    return tuple(sorted(_reduced_dims(dim, ndim)))


def logsumexp(input, dim, keepdim, out):
    if out is not None:
        raise TypeError("logsumexp: out= cannot receive a lazy dask result; drop out=")
    x = _as_dask(input)
    axes = _lse_axes(dim, x.ndim)
    meta = _fn("logsumexp")(_meta_value(x), dim, keepdim)
    if x.ndim == 0:
        return x.map_blocks(functools.partial(_lse_block, dim, keepdim),
                            dtype=np.asarray(meta).dtype)
    x = _one_chunk(x, axes)
    ind = _letters(x.ndim)
    out_ind = "".join(c if i not in axes else ("" if not keepdim else c.upper())
                      for i, c in enumerate(ind))
    new_axes = {c.upper(): 1 for i, c in enumerate(ind) if i in axes} if keepdim else {}
    return _da().blockwise(functools.partial(_lse_block, axes, keepdim), out_ind, x, ind,
                           new_axes=new_axes, dtype=np.asarray(meta).dtype, concatenate=True)


def logsumexp_backward(grad_output, input, dim, keepdim, out):
    if out is not None:
        raise TypeError("logsumexp_backward: out= cannot receive a lazy dask result; drop out=")
    x, g = _as_dask(input), _as_dask(grad_output)
    axes = _lse_axes(dim, x.ndim)
    kept = tuple(1 if i in axes else n for i, n in enumerate(x.shape))
    shape = (kept if keepdim else tuple(n for i, n in enumerate(x.shape) if i not in axes)
             ) if x.ndim else ()
    if g.shape != shape:
        raise ValueError(f"grad_output has shape {g.shape}, expected {shape}")
    meta = _fn("logsumexp_backward")(np.ones(shape and (1,) * len(shape), g.dtype),
                                     _meta_value(x), dim, keepdim)
    if x.ndim == 0:
        return _da().blockwise(functools.partial(_lse_grad_block, dim, keepdim), "", g, "", x,
                               "", dtype=meta.dtype)
    x = _one_chunk(x, axes)
    ind = _letters(x.ndim)
    g_ind = "".join(c.upper() if i in axes else c for i, c in enumerate(ind)
                    if keepdim or i not in axes)
    return _da().blockwise(functools.partial(_lse_grad_block, axes, keepdim), ind, g, g_ind, x,
                           ind, dtype=meta.dtype, concatenate=True)


# ---- losses ----------------------------------------------------------------------------------

# Losses whose "mean" divides by something the data decides, per block: "weights" sums the
# class weights of the class-index targets that are not ignore_index, "count" counts them
# (probability targets: both are the row count). Every other mean divides by the number of
# loss elements, known from the shapes (kl_div's "batchmean": the batch size), except the
# weighted regression losses, which divide by sum(weight).
_TARGET_DIVISOR = {"nll_loss": "weights", "cross_entropy": "weights",
                   "softmax_focal_loss": "count", "poly1_cross_entropy": "count",
                   "poly_cross_entropy": "count", "sparsemax_loss": "count",
                   "entmax15_loss": "count", "entmax_bisect_loss": "count"}
_WEIGHT_DIVISOR = ("mse_loss", "l1_loss")
# Pointwise losses whose terms can be negative (see _Loss._block_sum)
_SIGNED = ("gaussian_nll_loss", "poisson_nll_loss", "kl_div", "hinge_embedding_loss")
_ROW_POINTWISE = ("multilabel_soft_margin_loss",)  # pointwise family, one loss per row
# Rows couple across the batch, or one call needs the whole of an axis that is not a row: one
# block. (ctc_loss: lengths index into the sequences; linear_cross_entropy: rows are
# independent but the projection weight is whole -- kept simple.)
_ONE_BLOCK = ("info_nce", "dice_loss", "tversky_loss", "ctc_loss", "linear_cross_entropy")
# The arguments a backward returns gradients for, in order (default: the first input).
_GRADS = {"margin_ranking_loss": ("input1", "input2"), "gaussian_nll_loss": ("input", "var"),
          "cosine_embedding_loss": ("input1", "input2"),
          "triplet_margin_loss": ("anchor", "positive", "negative"),
          "triplet_margin_with_distance_loss": ("anchor", "positive", "negative"),
          "contrastive_loss": ("x1", "x2"), "info_nce": ("query", "key"),
          "kl_div": ("input", "target"),
          "linear_cross_entropy": ("input", "linear_weight", "linear_bias")}
_WEIGHT_ARGS = ("weight", "pos_weight", "alpha", "linear_weight", "linear_bias")


def _row(name):
    from . import _ops
    for row in _ops.LOSSES:
        if row.name == name:
            return row
    return None


_HAND_INPUTS = {"sparsemax_loss": ("input", "target"), "entmax15_loss": ("input", "target"),
                "entmax_bisect_loss": ("input", "target"),
                "triplet_margin_with_distance_loss": ("anchor", "positive", "negative"),
                "ctc_loss": ("log_probs", "targets", "input_lengths", "target_lengths"),
                "linear_cross_entropy": ("input", "linear_weight", "target")}


def _inputs(name):
    row = _row(name)
    if row is not None:
        from . import _ops
        return _ops.input_names(row), row.family
    family = "embedding_losses" if name.startswith("triplet") else "class_losses"
    return _HAND_INPUTS[name], family


def loss(public, params):
    """The dask path of a loss, its backward or its fused _with_grad: `params` the public
    function's arguments by name (its locals())."""
    params = dict(params)
    for suffix, kind in (("_with_grad", "fused"), ("_backward", "backward")):
        if public.endswith(suffix):
            name = public[:-len(suffix)]
            break
    else:
        name, kind = public, "forward"
    go = params.pop("grad_output", None)
    if kind == "fused":  # the loss, then the gradient(s), as the NumPy path's fused call
        if go is None:
            go = 1.0
        g = _Loss(name, params).backward(go)
        return (_Loss(name, params).forward(),) + (g if isinstance(g, tuple) else (g,))
    L = _Loss(name, params)
    return L.forward() if kind == "forward" else L.backward(go)


def _check_reduction(name, reduction):
    from ._validate import check_reduction
    allowed = ("none", "batchmean", "sum", "mean") if name == "kl_div" else ("none", "mean", "sum")
    return check_reduction(reduction, allowed)


class _Loss:
    """One loss call on dask arrays: its layout, blocks and divisor."""

    def __init__(self, name, params):
        self.name = name
        self.reduction = _check_reduction(name, params.get("reduction", "mean"))
        inputs, family = _inputs(name)
        # array arguments; a Python or NumPy scalar (gaussian_nll_loss's var, a float alpha)
        # stays a parameter, as the NumPy path treats it
        arrays = [k for k, v in params.items()
                  if (k in inputs or k in _WEIGHT_ARGS) and v is not None
                  and not isinstance(v, (numbers.Number, np.generic))]
        self.arrays = {k: params[k] for k in arrays}
        self.static = {k: v for k, v in params.items() if k not in self.arrays}
        self.static.pop("reduction", None)
        # arguments of the backward only (kl_div's target_requires_grad)
        row = _row(name)
        self.bstatic = {a.name: self.static.pop(a.name) for a in
                        (row.backward_args if row is not None else ()) if a.name in self.static}
        self.inputs = inputs
        # the dask arrays and the small NumPy ones (class weights) as dask arrays
        self.dask = {k: _as_dask(v) for k, v in self.arrays.items()}
        x0 = self.dask[inputs[0]]
        if name in _ONE_BLOCK or (family != "pointwise_losses" and x0.ndim <= 1) or (
                family == "embedding_losses" and x0.ndim != 2):
            self.layout = "one"
        elif family == "pointwise_losses" and name not in _ROW_POINTWISE:
            self.layout = "elem"
        else:
            self.layout = "rows"
        self.res = None
        getattr(self, "_layout_" + self.layout)()
        if self.layout != "one":
            self._meta()

    # -- checks and dtypes from a call on one-element stand-ins -----------------------------
    def _stand(self):
        """One-element stand-ins of the blocks (the whole of axis 1 of a row layout, the whole
        of a class weight): the NumPy path on them checks the arguments and gives the dtypes
        before any graph is built."""
        stand = {}

        def whole(c):
            return (self.layout == "rows" and c == "b") or c.isupper()
        for k, a in self.blocks.items():
            ind = self.index[k]
            shape = tuple(n if whole(c) else 1 for c, n in zip(ind, a.shape))
            # ones: a valid value of every argument (a +-1 or 0/1 target, a probability, a
            # class index when there are two classes or more)
            x = self.dask[self.inputs[0]]
            one = 0 if a.dtype.kind in "iu" and x.ndim >= 2 and x.shape[1] < 2 else 1
            stand[k] = np.full(shape, one, dtype=a.dtype)
        return dict(stand, **self.whole)

    def _meta(self):
        r = _fn(self.name)(**self._stand(), **self.static, reduction=self.reduction)
        self.res = np.asarray(r).dtype

    # -- layouts ----------------------------------------------------------------------------
    def _layout_elem(self):
        """Every array broadcast to the loss shape; blocks in the input's chunks."""
        da = _da()
        shapes = {k: a.shape for k, a in self.dask.items()}
        x = self.dask[self.inputs[0]]
        if self.name == "gaussian_nll_loss" and "var" in self.dask:
            v = self.dask["var"]
            if v.shape != x.shape and x.shape[:-1] == v.shape:
                shapes["var"] = v.shape + (1,)
        try:
            shape = np.broadcast_shapes(*shapes.values())
        except ValueError:
            desc = ", ".join(f"{k} {s}" for k, s in shapes.items())
            raise ValueError(f"{self.name}: shapes do not broadcast together: {desc}") from None
        for k in ("weight",):
            if k in self.dask and self.name in ("mse_loss", "l1_loss", "huber_loss") \
                    and shapes[k] != x.shape:
                raise ValueError(f"weight and input must have the same size: weight "
                                 f"{shapes[k]}, input {x.shape}")
        if self.name.startswith("binary_cross_entropy") or self.name == "binary_focal_loss":
            t = self.dask.get("target")
            if t is not None and t.shape != x.shape:
                raise ValueError(f"target size {t.shape} must be the same as input size "
                                 f"{x.shape}")
        t = self.dask.get("target")
        if self.name in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss") and \
                t is not None and t.shape != x.shape:
            from ._validate import warn_caller
            warn_caller(f"Using a target size ({t.shape}) that is different to the input size "
                        f"({x.shape}). This will likely lead to incorrect results due to "
                        f"broadcasting. Please ensure they have the same size.")
        self.loss_shape = shape
        ind = _letters(len(shape))
        self.orig = dict(shapes)
        self.blocks = {}
        for k, a in self.dask.items():
            a = a.reshape(shapes[k]) if a.shape != shapes[k] else a
            if a.shape != shape:
                a = da.broadcast_to(a, shape)
            self.blocks[k] = a
        # blocks in the chunks of the first input that has the loss shape
        ref = next((self.blocks[k] for k in self.inputs if self.dask[k].shape == shape),
                   self.blocks[self.inputs[0]])
        self.blocks = {k: a.rechunk(ref.chunks) if a.chunks != ref.chunks else a
                       for k, a in self.blocks.items()}
        self.index = {k: ind for k in self.blocks}
        self.out_ind = ind
        self.whole = {}

    def _layout_rows(self):
        """Axis 1 (classes, features) in one chunk; map over axis 0 and the spatial axes."""
        x = self.dask[self.inputs[0]]
        nd = x.ndim
        spatial = _letters(nd - 2, 2)
        full, rows = "ab" + spatial, "a" + spatial
        self.blocks, self.index, self.whole = {}, {}, {}
        for k, a in self.dask.items():
            if k in _WEIGHT_ARGS and k not in self.inputs:
                if isinstance(self.arrays[k], np.ndarray) or not lazy(self.arrays[k]):
                    self.whole[k] = self.arrays[k]  # small and NumPy: every block gets it
                    continue
                self.blocks[k] = a.rechunk(-1)
                self.index[k] = "".join(c.upper() for c in _letters(a.ndim, 10))
            elif a.ndim == nd:
                self.blocks[k], self.index[k] = _one_chunk(a, (1,)), full
            elif a.ndim == nd - 1:
                self.blocks[k], self.index[k] = a, rows
            else:
                raise ValueError(f"{self.name}: {k} of shape {a.shape} does not fit input of "
                                 f"shape {x.shape}")
        self.out_ind = rows
        self.loss_shape = (x.shape[0],) + x.shape[2:]

    def _layout_one(self):
        self.blocks = {k: a.rechunk(-1) for k, a in self.dask.items()}
        self.whole = {}

    # -- forward -----------------------------------------------------------------------------
    def _pairs(self, extra=()):
        out = list(extra)
        for k, a in self.blocks.items():
            out += [a, self.index[k]]
        return out

    def forward(self):
        da = _da()
        names = tuple(self.blocks)
        if self.layout == "one":
            return self._one(self.name, None, 0)
        static = dict(self.static, **self.whole)
        if self.reduction == "none":
            fn = functools.partial(_loss_block, self.name, static, names)
            return da.blockwise(fn, self.out_ind, *self._pairs(), dtype=self.res,
                                concatenate=True)
        rule = _TARGET_DIVISOR.get(self.name)
        totals = self._partials(rule, True)
        den = self._divisor(rule)
        return _scalar(_finish, self.reduction, totals, den, self.res, dtype=self.res)

    def _partials(self, rule, total):
        """Lazy [sum of the loss, divisor] over all blocks, in float64."""
        fn = functools.partial(_partial_block, self.name, dict(self.static, **self.whole),
                               tuple(self.blocks), self._block_sum(), rule,
                               len(self.out_ind), total)
        parts = _da().blockwise(fn, self.out_ind + "Z", *self._pairs(), new_axes={"Z": 2},
                                adjust_chunks={c: 1 for c in self.out_ind}, dtype=np.float64,
                                concatenate=True)
        return parts.sum(axis=tuple(range(len(self.out_ind))), dtype=np.float64)

    def _block_sum(self):
        """How a block's sum is taken: "sum", the loss's own reduction (its double total,
        rounded to the result dtype), or "none", its unreduced terms summed in float64.
        float64 rounds nothing, so "sum"; so do the float32 pointwise losses whose terms are
        never negative -- a rounded sum of non-negative terms is within half an ULP, relative,
        of the exact one, and their unreduced terms would cost an array of the block's size.
        Terms of either sign could cancel after the rounding, and a row loss's unreduced terms
        are one per row (cheap): those take "none"."""
        if self.res == np.float64:
            return "sum"
        signed = self.name in _SIGNED or any(k in self.dask for k in _WEIGHT_ARGS)
        fast = self.res == np.float32 and self.layout == "elem" and not signed
        return "sum" if fast else "none"

    def _divisor(self, rule):
        """The mean's divisor: a number, a lazy sum of weights, or None (the per-block sums
        in the partials decide)."""
        if rule is not None and self.dask["target"].dtype.kind in "iub":
            return None
        if self.name == "kl_div" and self.reduction == "batchmean":
            x = self.dask["input"]
            return x.shape[0] if x.ndim else 1
        if self.name in _WEIGHT_DIVISOR and "weight" in self.dask:
            return self.dask["weight"].sum(dtype=np.float64)
        return math.prod(self.loss_shape)

    def _one(self, name, go, k):
        """The whole call as one block (rows that couple): the NumPy path on it, lazily."""
        import dask
        da = _da()
        args = dict(self.static, **self.blocks)
        if go is not None:
            args.update(self.bstatic, grad_output=go)
        value = dask.delayed(_call_one, pure=True)(name, args, self.reduction, k)
        if name == self.name:
            shape, dtype = self._one_shape()
        else:  # a gradient: the argument's shape and float dtype
            from ._validate import result_dtype
            x = self.dask[self._grads[k]]
            shape, dtype = x.shape, result_dtype(x.dtype, self._grads[k])[0]
        return da.from_delayed(value, shape, dtype=dtype)

    def _one_shape(self):
        """Shape and dtype of a one-block loss: the float arrays promote, integer and bool ones
        (targets, lengths) do not, as in the NumPy path."""
        from ._validate import promoted_dtype
        x = self.dask[self.inputs[0]]
        floats = [(a, k) for k, a in self.dask.items() if a.dtype.kind == "f"] or [(x, "input")]
        dtype = promoted_dtype(*floats)[0]
        if self.reduction != "none":
            return (), dtype
        n = self.name
        if n == "info_nce":  # the 2N-view form has one loss per view
            views = self.static.get("symmetric") and self.static.get("intra_view_negatives")
            return (x.shape[0] * (2 if views else 1),), dtype
        if n in ("dice_loss", "tversky_loss"):
            shape = x.shape[1:2] if self.static.get("batch") else x.shape[:2]
            return shape, dtype
        if n == "ctc_loss":
            lp = self.dask["log_probs"]
            return ((lp.shape[1],) if lp.ndim == 3 else ()), dtype
        if n == "linear_cross_entropy":
            t = self.dask["target"]
            if t.dtype.kind != "f":  # class indices: the loss has their shape
                return t.shape, dtype
            b = self.dask["input"].ndim - 1  # probabilities: the logits' shape less the V axis
            return t.shape[:b] + t.shape[b + 1:], dtype
        # a single (C,) row
        t = self.dask.get("target")
        return (() if t is None or t.ndim == 0 or t.ndim == x.ndim else t.shape), dtype

    # -- backward ----------------------------------------------------------------------------
    def backward(self, grad_output):
        da = _da()
        self._grads = self._grad_names()
        if self.layout == "one":
            outs = [self._one(self.name + "_backward", grad_output, k) if a in self.dask
                    else None for k, a in enumerate(self._grads)]
            return outs[0] if len(outs) == 1 else tuple(outs)
        names = tuple(self.blocks)
        static = dict(self.static, **self.whole, **self.bstatic)
        red = self.reduction
        if red == "none":
            g = _as_dask(grad_output)
            if g.shape != tuple(self.loss_shape):
                if g.ndim == 0:
                    g = None  # a scalar for every element: passed as it is
                else:
                    raise ValueError(f"grad_output has shape {g.shape}, expected "
                                     f"{tuple(self.loss_shape)} (the shape of the loss with "
                                     f"reduction='none')")
            if g is None:
                head = [_as_dask(grad_output), ""]
            else:
                ref = self.blocks[self.inputs[0]]
                if self.layout == "elem":
                    g = g.rechunk(ref.chunks)
                head = [g, self.out_ind]
            mode = "none"
        else:
            go = grad_output
            if lazy(go):
                go = _as_dask(go)
                if go.size != 1:
                    raise ValueError(f"grad_output must be a scalar for reduction={red!r}, "
                                     f"got shape {go.shape}")
                go = go.reshape(())
            else:
                from ._validate import loss_grad_output
                go = loss_grad_output(go, red, self.loss_shape)
            if red == "sum":
                scale = go if lazy(go) else _as_dask(np.float64(go))
            else:
                rule = _TARGET_DIVISOR.get(self.name)
                den = self._divisor(rule)
                if den is None:
                    den = self._partials(rule, False)[1]
                scale = _scalar(_divide, go, den)
            head = [scale, ""]
            mode = "sum"
        outs = []
        for k, arg in enumerate(self._grads):
            fn = functools.partial(_grad_block, self.name, static, names, mode, k)
            if arg not in self.blocks:
                # a scalar argument (var=0.8): each block's gradient is a scalar; add them up
                fn = functools.partial(_grad_scalar_block, fn, len(self.out_ind))
                parts = da.blockwise(fn, self.out_ind, *head, *self._pairs(),
                                     adjust_chunks={c: 1 for c in self.out_ind},
                                     dtype=np.float64, concatenate=True)
                outs.append(parts.sum(dtype=np.float64).astype(self._grad_dtypes[k]))
                continue
            ind = self.index[arg]
            g = da.blockwise(fn, ind, *head, *self._pairs(), dtype=self._grad_dtypes[k],
                             concatenate=True)
            if self.layout == "elem":
                g = _sum_to(g, self.orig[arg], self.dask[arg].shape, self._grad_dtypes[k])
            outs.append(g)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def _grad_names(self):
        """Which arguments the backward's result(s) belong to, and their dtypes, from a call
        of the backward on the stand-ins."""
        if self.layout == "one":
            return list(_GRADS.get(self.name, self.inputs[:1]))
        stand = self._stand()
        go = 1.0
        if self.reduction == "none":
            go = np.ones((1,) * len(self.loss_shape),
                         self.res if self.res is not None else np.float64)
        r = _fn(self.name + "_backward")(go, **stand, **self.static, **self.bstatic,
                                          reduction=self.reduction)
        r = r if isinstance(r, tuple) else (r,)
        self._grad_dtypes = [np.asarray(g).dtype for g in r]
        return list(_GRADS.get(self.name, self.inputs)[:len(r)])


def _call_one(name, args, reduction, k):
    r = _fn(name)(**args, reduction=reduction)
    if isinstance(r, tuple):
        r = r[k]
    return np.asarray(r)


def _loss_block(name, static, names, *blocks):
    return _fn(name)(**static, **dict(zip(names, blocks)), reduction="none")


def _partial_block(name, static, names, how, rule, out_ndim, total, *blocks):
    """[sum, divisor share] of one block in float64 (total=False: the sum is 0, only the
    divisor is wanted), shaped to sit in the block grid. how: see _Loss._block_sum."""
    kw = dict(zip(names, blocks))
    s = den = 0.0
    if total:
        y = _fn(name)(**static, **kw, reduction=how)
        with np.errstate(all="ignore"):  # inf + -inf is NaN, as the NumPy path's sum
            s = float(y) if how == "sum" else float(np.sum(y, dtype=np.float64))
    t = np.asarray(kw["target"]) if rule is not None else None
    if t is not None and t.dtype.kind in "iu":  # class indices (probabilities: the row count)
        valid = t != static.get("ignore_index", -100)
        w = kw.get("weight", static.get("weight"))
        if rule == "weights" and w is not None:
            w = np.asarray(w, dtype=np.float64)
            tv = t[valid]
            tv = tv[(tv >= 0) & (tv < w.shape[0])]  # out of range: the loss itself raises
            den = float(np.sum(w[tv], dtype=np.float64))
        else:
            den = float(np.count_nonzero(valid))
    return np.array([s, den]).reshape((1,) * out_ndim + (2,))


def _finish(reduction, totals, den, dtype):
    from ._validate import finish_loss
    totals = np.asarray(totals, dtype=np.float64)
    d = float(totals[1]) if den is None else float(den)
    return np.asarray(finish_loss(reduction, float(totals[0]), d, dtype))


def _divide(go, den):
    from ._validate import divide
    return np.float64(divide(float(go), float(den)))


def _grad_block(name, static, names, mode, k, g, *blocks):
    kw = dict(zip(names, blocks))
    go = g
    if mode == "sum" or np.ndim(g) == 0:
        go = float(np.asarray(g)) if mode == "sum" else np.asarray(g)
    r = _fn(name + "_backward")(go, **static, **kw, reduction=mode)
    return r[k] if isinstance(r, tuple) else r


def _grad_scalar_block(fn, out_ndim, *blocks):
    return np.asarray(fn(*blocks), dtype=np.float64).reshape((1,) * out_ndim)


def _sum_to(g, shape, orig_shape, dtype):
    """A broadcast argument's gradient: summed (in float64) over the broadcast axes, as the
    NumPy path (and autograd) reduce it."""
    if g.shape == tuple(orig_shape):
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                      if s == 1 and g.shape[lead + i] != 1)
    s = g.sum(axis=axes, dtype=np.float64, keepdims=True) if axes else g
    s = s.reshape(shape) if lead == 0 else s.reshape(s.shape[lead:])
    return s.reshape(orig_shape).astype(dtype)
