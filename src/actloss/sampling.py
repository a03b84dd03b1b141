"""Class-balanced minibatches and class weights for imbalanced classification.

Two remedies for a training set whose classes are very unequal in size, to be used with
``cross_entropy`` / ``nll_loss`` (or alone):

* :class:`BalancedBatchSampler` changes *what the model sees*: every minibatch holds the same
  number of samples of each class, small classes being repeated (wrapped around) as often as
  needed while every sample of the largest class is seen once per epoch; an optional final
  phase at the real class frequencies lets the output biases settle back to the true priors.
* :func:`class_weights` changes *how much each sample counts*: one weight per class, from the
  label counts, for ``cross_entropy(..., weight=w)``.

Both are plain NumPy and Python (no kernels): they act once per batch or once per data set.
This module is not re-exported by ``actloss``; import it as ``actloss.sampling``::

    >>> import numpy as np
    >>> from actloss.sampling import BalancedBatchSampler, class_weights
    >>> y = np.array([0] * 8 + [1] * 2 + [2])
    >>> class_weights(y, "balanced")
    array([0.45833333, 1.83333333, 3.66666667])
    >>> sampler = BalancedBatchSampler(y, 6, seed=0)    # 2 samples of each class per batch
    >>> len(sampler)                                    # ceil(8 / 2) batches per epoch
    4
    >>> [np.bincount(y[b], minlength=3).tolist() for b in sampler]
    [[2, 2, 2], [2, 2, 2], [2, 2, 2], [2, 2, 2]]
"""
import itertools
import math
import numbers
import operator

import numpy as np

from ._validate import bool_option, reject_masked

__all__ = ["BalancedBatchSampler", "class_weights"]


def _count(value, name, minimum):
    """An int >= minimum (bool rejected), else TypeError / ValueError naming `name`."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got a bool ({value!r})")
    try:
        v = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} "
                        f"({value!r})") from None
    if v < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {v}")
    return v


def _encode(labels):
    """(classes, codes): the distinct labels and each sample's position among them."""
    reject_masked(labels, "labels")
    if isinstance(labels, np.ndarray) and labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, got an array of shape {labels.shape}")
    if not isinstance(labels, np.ndarray):
        labels = list(labels)
    if len(labels) == 0:
        raise ValueError("labels is empty: there is nothing to sample")
    arr = labels if isinstance(labels, np.ndarray) else None
    if arr is None:
        try:
            arr = np.asarray(labels)
        except (ValueError, TypeError):  # ragged sequences and the like: fall back to hashing
            arr = None
    if arr is not None and arr.ndim == 1 and arr.dtype.kind in "biuUS":
        classes, codes = np.unique(arr, return_inverse=True)
        return classes, codes.astype(np.intp, copy=False)
    if arr is not None and arr.ndim == 1 and arr.dtype.kind == "f":
        if np.isnan(arr).any():
            raise ValueError("labels contain NaN, which is not a usable class label")
        classes, codes = np.unique(arr, return_inverse=True)
        return classes, codes.astype(np.intp, copy=False)
    # Any hashable labels (tuples, mixed objects): sorted when they compare, else in order of
    # first appearance.
    items = list(labels)
    try:
        distinct = {}
        for lab in items:
            distinct.setdefault(lab, len(distinct))
    except TypeError as exc:
        raise TypeError(f"labels must be hashable: {exc}") from None
    try:
        order = sorted(distinct)
    except TypeError:
        order = list(distinct)
    position = {lab: i for i, lab in enumerate(order)}
    codes = np.fromiter((position[lab] for lab in items), dtype=np.intp, count=len(items))
    classes = np.empty(len(order), dtype=object)
    classes[:] = order
    return classes, codes


class BalancedBatchSampler:
    """Minibatches of indices with the same number of samples from every class.

    Parameters
    ----------
    labels : array_like or iterable of hashables, length N
        The class label of every sample (ints, strings, any hashable). The classes are the
        distinct labels present; a class with no sample does not exist for the sampler.
    batch_size : int
        Indices per balanced batch. Must be a multiple of the number of classes C present;
        each batch then draws ``q = batch_size // C`` indices from every class (the quota).
    seed : int or None, default None
        Seeds every shuffle. The same seed gives the same sequence of epochs; None draws fresh
        entropy once, at construction (epochs then still differ from one another and
        ``set_epoch`` still replays an epoch of this sampler).
    final_phase_batches : int, default 0
        Number of batches drawn at the real class frequencies (see Notes), after the balanced
        ones of every epoch or once at the end of training (`final_phase_at`). 0 disables the
        final phase.
    final_phase_at : {"epoch", "end"}, default "epoch"
        "epoch": the final phase ends every epoch. "end": it comes once, at the end of
        training: appended to the last epoch's iteration when `n_epochs` is given, else
        drawn by calling :meth:`final_phase` after the training loop.
    n_epochs : int, optional
        The number of epochs of the training (>= 1); only with ``final_phase_at="end"``,
        where epoch ``n_epochs - 1`` ends with the final phase.
    shuffle : bool, default True
        Reshuffle every class buffer (and the order inside each batch) at every epoch. False
        keeps every buffer in index order and batches grouped by class: deterministic,
        identical epochs.

    Attributes
    ----------
    classes_ : ndarray, shape (C,)
        The distinct labels, sorted (in order of first appearance when they do not compare).
    class_counts_ : ndarray of int, shape (C,)
        Number of samples of each class, in the order of ``classes_``.
    labels_ : ndarray of intp, shape (N,)
        Each sample's class as a position in ``classes_``.
    samples_per_class : int
        The quota q: indices drawn from every class in each balanced batch.
    n_balanced_batches : int
        Balanced batches per epoch, ``ceil(max(class_counts_) / q)``.
    epoch : int
        The epoch the next iteration yields.

    Raises
    ------
    ValueError
        Empty labels, labels not 1-D or containing NaN, ``batch_size`` smaller than the number
        of classes or not a multiple of it, a negative ``final_phase_batches`` or ``seed``, an
        unknown ``final_phase_at``, ``n_epochs`` < 1 or given with ``final_phase_at="epoch"``.
    TypeError
        A non-integer ``batch_size``, ``final_phase_batches``, ``n_epochs`` or ``seed``,
        unhashable labels.

    Notes
    -----
    **Balanced phase.** The sampler keeps one circular buffer per class: the indices of that
    class, in an order shuffled at every epoch from ``(seed, epoch)``. Balanced batch b takes
    the next q entries of every buffer, wrapping around to the buffer's start when it runs
    out, so class c contributes entries ``b*q ... b*q + q - 1`` (mod ``count_c``) of its
    buffer. The epoch lasts ``n_balanced_batches = ceil(max_count / q)`` batches, hence:

    * every batch holds exactly q indices of every class;
    * every sample of the largest class is used at least once per epoch, exactly once when
      ``max_count`` is a multiple of q; otherwise the last batch completes its quota by
      wrapping around, so the first ``n_balanced_batches * q - max_count`` entries of that
      epoch's buffer are used twice;
    * a class of ``n`` samples is cycled through ``n_balanced_batches * q / n`` times: each of
      its samples is used ``floor`` or ``ceil`` of that, and no index appears twice in one
      batch unless its class has fewer than q samples.

    **Final phase.** With ``final_phase_batches = K > 0``, each epoch ends with K batches of
    ``batch_size`` indices drawn from the whole data set without regard to class: consecutive
    slices of one shuffled permutation of all N indices (wrapping around if K *
    batch_size > N). Their class proportions are the real frequencies (exactly over every
    full permutation, in expectation per batch). Balanced batches teach the classifier uniform
    class priors; since the priors enter the logits additively (``logit_c = log p(x | c) +
    log prior_c`` up to a constant), a short final phase at the true frequencies, training
    the output bias alone or with a small learning rate, moves them back to the real priors:
    calibrated probabilities and higher accuracy, at some cost in minority recall (the
    project's imbalanced-classification example measures both). The phase comes after every epoch
    (``final_phase_at="epoch"``) or once, at the end of training (``final_phase_at="end"``):
    with ``n_epochs=E`` the iteration of epoch E - 1 ends with it, so a plain ``for epoch in
    range(E): for batch in sampler:`` loop trains on it exactly once; without `n_epochs`,
    call :meth:`final_phase` after the loop. Either way it is seeded by ``(seed, epoch)``
    like every other draw.

    **Epochs and seeds.** Iterating the sampler yields epoch ``self.epoch`` and then advances
    ``self.epoch`` by one, so successive ``for`` loops see different orders;
    ``set_epoch(e)`` chooses the epoch of the next iteration (as PyTorch's
    ``DistributedSampler``), so a run can be replayed or resumed. Everything drawn in epoch e
    comes from a generator seeded by ``(seed, e)`` only: the same seed and epoch always give
    the same batches.

    Examples
    --------
    >>> import numpy as np
    >>> from actloss.sampling import BalancedBatchSampler
    >>> labels = np.array(["cat"] * 6 + ["dog"] * 3 + ["eel"])
    >>> s = BalancedBatchSampler(labels, 3, seed=1)
    >>> s.classes_.tolist(), s.class_counts_.tolist(), len(s)
    (['cat', 'dog', 'eel'], [6, 3, 1], 6)
    >>> all(sorted(labels[b]) == ["cat", "dog", "eel"] for b in s)
    True
    """

    def __init__(self, labels, batch_size, *, seed=None, final_phase_batches=0, shuffle=True,
                 final_phase_at="epoch", n_epochs=None):
        classes, codes = _encode(labels)
        n_classes = len(classes)
        batch_size = _count(batch_size, "batch_size", 1)
        if batch_size < n_classes:
            raise ValueError(f"batch_size ({batch_size}) must be at least the number of "
                             f"classes ({n_classes}): every batch draws from every class")
        if batch_size % n_classes:
            raise ValueError(f"batch_size ({batch_size}) must be a multiple of the number of "
                             f"classes ({n_classes}) so that every class gets the same quota; "
                             f"e.g. {batch_size - batch_size % n_classes} or "
                             f"{batch_size - batch_size % n_classes + n_classes}")
        self.final_phase_batches = _count(final_phase_batches, "final_phase_batches", 0)
        if final_phase_at not in ("epoch", "end"):
            raise ValueError(f"final_phase_at must be 'epoch' or 'end', got {final_phase_at!r}")
        if n_epochs is not None:
            if final_phase_at != "end":
                raise ValueError("n_epochs places the final phase at the end of training; it "
                                 "needs final_phase_at='end'")
            n_epochs = _count(n_epochs, "n_epochs", 1)
        self.final_phase_at = final_phase_at
        self.n_epochs = n_epochs
        shuffle = bool_option(shuffle, "shuffle")
        if seed is None:
            self._entropy = np.random.SeedSequence().entropy
        else:
            self._entropy = _count(seed, "seed", 0)
        self.seed = seed
        self.shuffle = shuffle
        self.batch_size = batch_size
        self.classes_ = classes
        self.labels_ = codes
        self.class_counts_ = np.bincount(codes, minlength=n_classes)
        self._order = np.argsort(codes, kind="stable")  # indices grouped by class, ascending
        self._starts = np.concatenate(([0], np.cumsum(self.class_counts_)[:-1]))
        self.samples_per_class = batch_size // n_classes
        self.n_balanced_batches = -(-int(self.class_counts_.max()) // self.samples_per_class)
        self.epoch = 0

    @property
    def n_classes(self):
        """Number of classes C present in the labels."""
        return len(self.classes_)

    def __len__(self):
        """Batches of the next iteration (epoch ``self.epoch``): ``n_balanced_batches``, plus
        ``final_phase_batches`` if that epoch ends with the final phase."""
        return self.n_balanced_batches + self._final_batches(self.epoch)

    def _final_batches(self, epoch):
        """Final-phase batches at the end of `epoch`'s iteration."""
        if self.final_phase_at == "epoch" or epoch + 1 == self.n_epochs:
            return self.final_phase_batches
        return 0

    def __repr__(self):
        return (f"BalancedBatchSampler(n_samples={len(self.labels_)}, n_classes="
                f"{self.n_classes}, batch_size={self.batch_size}, samples_per_class="
                f"{self.samples_per_class}, batches={self.n_balanced_batches}"
                f"+{self.final_phase_batches}"
                + ("" if self.final_phase_at == "epoch" else f" at the end ({self.n_epochs} epochs)")
                + f", seed={self.seed}, epoch={self.epoch})")

    def set_epoch(self, epoch):
        """Make the next iteration yield epoch `epoch` (an int >= 0)."""
        self.epoch = _count(epoch, "epoch", 0)

    def _rng(self, epoch, phase):
        # One independent stream per (seed, epoch, phase): phases never share draws.
        return np.random.default_rng(np.random.SeedSequence(self._entropy,
                                                            spawn_key=(epoch, phase)))

    def _balanced(self, epoch):
        """Generator of the balanced batches of `epoch` (one (C, q) gather per batch)."""
        rng = self._rng(epoch, 0)
        q = self.samples_per_class
        counts = self.class_counts_[:, None]
        # All C circular buffers in one array, class after class: sorting by (class, random
        # key) shuffles every class's indices independently in one O(N log N) call.
        if self.shuffle:
            buffers = np.lexsort((rng.random(len(self.labels_)), self.labels_))
        else:
            buffers = self._order
        for b in range(self.n_balanced_batches):
            # entries b*q ... b*q + q - 1 of every buffer, modulo its length
            pos = (b * q + np.arange(q))[None, :] % counts
            batch = buffers[self._starts[:, None] + pos].ravel()
            yield rng.permutation(batch) if self.shuffle else batch

    def _final(self, n_batches, epoch):
        """Generator of `n_batches` batches at the real class frequencies."""
        n = len(self.labels_)
        perm = (self._rng(epoch, 1).permutation(n) if self.shuffle
                else np.arange(n, dtype=np.intp))
        for b in range(n_batches):
            yield perm[(b * self.batch_size + np.arange(self.batch_size)) % n]

    def balanced_batches(self, epoch):
        """The balanced batches of `epoch` (a list of index arrays), without side effects."""
        return list(self._balanced(_count(epoch, "epoch", 0)))

    def final_phase(self, n_batches=None, *, epoch=None):
        """Batches drawn at the real class frequencies (the final phase; see Notes).

        Parameters
        ----------
        n_batches : int, optional
            Number of batches; default ``final_phase_batches``.
        epoch : int, optional
            Seeds the draw with ``(seed, epoch)``; default ``self.epoch``. Does not advance
            ``self.epoch``.

        Returns
        -------
        list of ndarray
            `n_batches` arrays of ``batch_size`` indices: consecutive slices of a shuffled
            permutation of all N indices, wrapping around when it is exhausted.
        """
        n_batches = self.final_phase_batches if n_batches is None else _count(
            n_batches, "n_batches", 0)
        epoch = self.epoch if epoch is None else _count(epoch, "epoch", 0)
        return list(self._final(n_batches, epoch))

    def epoch_batches(self, epoch):
        """Every batch of `epoch`'s iteration, balanced then final phase where that epoch has
        it (a list), without side effects."""
        epoch = _count(epoch, "epoch", 0)
        return list(self._balanced(epoch)) + list(self._final(self._final_batches(epoch), epoch))

    def __iter__(self):
        """Yield the batches of epoch ``self.epoch`` one by one (lazily), then advance it."""
        epoch = self.epoch
        self.epoch += 1
        return itertools.chain(self._balanced(epoch),
                               self._final(self._final_batches(epoch), epoch))


def class_weights(labels, scheme="balanced", *, n_classes=None, beta=0.999, dtype=np.float64,
                  ignore_index=-100, return_classes=False):
    """Per-class weights from label counts, for ``cross_entropy(..., weight=w)``.

    Parameters
    ----------
    labels : array_like or iterable of hashables
        The labels of the training samples, of any type ``BalancedBatchSampler`` takes.
        Integer arrays (any integer dtype, any shape; flattened) and flat sequences of ints
        are class indices: weight c is class index c's, as ``cross_entropy`` indexes its
        weights, and entries equal to `ignore_index` are not counted, as ``cross_entropy``
        ignores them. Any other labels
        (strings, floats, bools, any hashables; 1-D) are classes as the sampler sees them:
        the distinct labels, in the order of ``BalancedBatchSampler(labels, ...).classes_``
        -- sorted as ``np.unique`` sorts them (in order of first appearance when they do not
        compare) -- which ``return_classes=True`` returns alongside.
    scheme : {"balanced", "inverse", "effective"}, default "balanced"
        "inverse": ``w_c = 1 / n_c``.
        "balanced": ``w_c = n / (K * n_c)`` (scikit-learn's ``class_weight="balanced"``):
        every class then carries the same total weight ``n / K`` and the average weight of a
        sample is 1.
        "effective": the inverse effective number of samples (Cui et al., "Class-Balanced Loss
        Based on Effective Number of Samples", CVPR 2019), ``w_c ∝ (1 - beta) /
        (1 - beta**n_c)``, scaled so that the weights sum to K.
    n_classes : int, optional
        Number of classes C (length of the result) of integer class indices; default
        ``max(labels) + 1``. Other labels have exactly their distinct values as classes.
    beta : float in [0, 1), default 0.999
        Only for "effective": 0 gives equal weights, beta -> 1 tends to "inverse" (normalised).
    dtype : float dtype, default float64
        dtype of the result (use the logits' dtype to avoid a promotion in ``cross_entropy``).
    ignore_index : int, default -100
        Class index not counted (``cross_entropy``'s default); any other negative index
        raises. Integer class indices only.
    return_classes : bool, default False
        Also return the class of each weight.

    Returns
    -------
    weights : ndarray, shape (C,)
        The weights. Here n is the number of counted labels, n_c the count of class c and K the
        number of classes with ``n_c > 0``. A class index with no sample gets weight 0: it has
        no target to weight, and 0 keeps it out of the normalisations (a nonzero value would
        be arbitrary).
    classes : ndarray, shape (C,)
        Only with ``return_classes=True``: ``weights[i]`` is the weight of ``classes[i]`` --
        ``arange(C)`` for class indices, the sampler's ``classes_`` for other labels.

    Raises
    ------
    ValueError
        Unknown scheme, no counted label, a class index < 0 (other than `ignore_index`) or
        >= `n_classes`, `n_classes` < 1 or given for labels that are not class indices, beta
        outside [0, 1), labels that are not 1-D (other than class indices) or contain NaN.
    TypeError
        Unhashable labels, a masked array, a non-floating dtype, a non-bool return_classes.

    Notes
    -----
    ``cross_entropy``'s "mean" divides by the sum of the targets' weights, so multiplying all
    weights by a constant leaves it unchanged: only the ratios matter for "mean" (the scale
    matters for "sum"/"none"). The effective number ``(1 - beta**n) / (1 - beta)`` is computed
    as ``expm1(n log beta) / expm1(log beta)``, exact for counts in the millions.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    >>> class_weights(y, "inverse")
    array([0.25, 0.5 , 0.5 ])
    >>> class_weights(y, "balanced")
    array([0.66666667, 1.33333333, 1.33333333])
    >>> class_weights(y, "effective", beta=0.9).round(4)
    array([0.6494, 1.1753, 1.1753])
    >>> class_weights(["dog", "cat", "cat", "cat"], "inverse", return_classes=True)
    (array([0.33333333, 1.        ]), array(['cat', 'dog'], dtype='<U3'))
    """
    if scheme not in ("balanced", "inverse", "effective"):
        raise ValueError(f"scheme must be 'balanced', 'inverse' or 'effective', got {scheme!r}")
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"dtype must be a floating dtype, got {dt}")
    return_classes = bool_option(return_classes, "return_classes")
    b = None
    if scheme == "effective":
        if isinstance(beta, (bool, np.bool_)) or not isinstance(beta, numbers.Real):
            raise TypeError(f"beta must be a real number, got {type(beta).__name__}")
        b = float(beta)
        if not 0.0 <= b < 1.0:
            raise ValueError(f"beta must be in [0, 1), got {beta}")
    reject_masked(labels, "labels")
    try:
        y = labels if isinstance(labels, np.ndarray) else np.asarray(labels)
    except (ValueError, TypeError):  # ragged sequences and the like: labels, not indices
        y = None
    # integer arrays are class indices; a sequence of integer tuples is not (it converts to a
    # 2-D array): its labels are the tuples, as the sampler sees them
    if y is not None and y.dtype.kind in "iu" and (isinstance(labels, np.ndarray) or y.ndim <= 1):
        counts, n = _index_counts(y, n_classes, ignore_index)
        classes = np.arange(len(counts))
    else:
        if n_classes is not None:
            raise ValueError("n_classes applies to integer class indices; the classes of other "
                             "labels are their distinct values")
        if y is not None and y.size == 0:
            raise ValueError("labels holds no class index to count (empty)")
        classes, codes = _encode(labels)
        counts, n = np.bincount(codes, minlength=len(classes)).astype(np.float64), len(codes)
    w = _weights(counts, n, scheme, b).astype(dt)
    return (w, classes) if return_classes else w


def _index_counts(y, n_classes, ignore_index):
    """(float64 count of every class index in [0, C), number counted) of integer labels."""
    y = y.ravel()
    ignore_index = _count(ignore_index, "ignore_index", -(1 << 62))
    y = y[y != ignore_index]
    if y.size == 0:
        raise ValueError("labels holds no class index to count (empty, or all ignore_index)")
    low, high = int(y.min()), int(y.max())
    if low < 0:
        raise ValueError(f"labels must be class indices >= 0 (or ignore_index={ignore_index}), "
                         f"got {low}")
    if n_classes is None:
        n_classes = high + 1
    else:
        n_classes = _count(n_classes, "n_classes", 1)
        if high >= n_classes:
            raise ValueError(f"labels must be < n_classes ({n_classes}), got {high}")
    return np.bincount(y, minlength=n_classes).astype(np.float64), y.size


def _weights(counts, n, scheme, b):
    """The weights of `scheme` from the class counts (n of them in all; b: beta)."""
    present = counts > 0
    k = int(present.sum())
    w = np.zeros(len(counts), np.float64)
    nc = counts[present]
    if scheme == "inverse":
        w[present] = 1.0 / nc
    elif scheme == "balanced":
        w[present] = n / (k * nc)
    else:
        if b == 0.0:
            w[present] = 1.0
        else:
            lb = math.log(b)
            # (1 - b) / (1 - b**n) = expm1(log b) / expm1(n log b), both factors negative
            w[present] = math.expm1(lb) / np.expm1(nc * lb)
        w[present] *= k / w[present].sum()
    return w
