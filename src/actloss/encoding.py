"""one_hot: class indices to one-hot rows (torch.nn.functional.one_hot), written by hand.

Integer in, int64 out, as torch; no gradient (the result is integer: nothing flows back to an
index).
"""
import operator

import numpy as np

from ._validate import as_array

__all__ = ["one_hot"]


def one_hot(tensor, num_classes=-1):
    """One-hot encoding of class indices (torch.nn.functional.one_hot).

    ``one_hot(t, C)[..., c]`` is 1 where ``t == c`` and 0 elsewhere.

    Parameters
    ----------
    tensor : array_like of int
        Class indices of any shape (and any integer dtype; bool and floating raise, as torch).
    num_classes : int, default -1
        The number of classes C; -1 infers ``tensor.max() + 1`` (an empty `tensor` then
        raises: there is nothing to infer from).

    Returns
    -------
    ndarray of int64, shape ``tensor.shape + (C,)``

    Raises
    ------
    TypeError
        A non-integer `tensor` dtype, a non-int num_classes.
    ValueError
        A negative index in `tensor`, an index >= num_classes, num_classes < -1, num_classes
        -1 with an empty `tensor`.

    Examples
    --------
    >>> import numpy as np
    >>> from actloss.encoding import one_hot
    >>> one_hot(np.array([0, 2, 1]))
    array([[1, 0, 0],
           [0, 0, 1],
           [0, 1, 0]])
    """
    t = as_array(tensor, "tensor")
    if t.dtype.kind not in "iu":
        raise TypeError(f"tensor must hold integer class indices, got dtype {t.dtype}")
    if isinstance(num_classes, (bool, np.bool_)):
        raise TypeError("num_classes must be an int, got bool")
    try:
        n = operator.index(num_classes)
    except TypeError:
        raise TypeError(f"num_classes must be an int, got {type(num_classes).__name__}") from None
    if n < -1:
        raise ValueError(f"num_classes must be -1 (inferred) or >= 0, got {n}")
    if t.size:
        low, high = int(t.min()), int(t.max())
        if low < 0:
            raise ValueError(f"tensor holds class index {low}: class values must be "
                             f"non-negative")
        if n == -1:
            n = high + 1
        elif high >= n:
            raise ValueError(f"tensor holds class index {high}: class values must be smaller "
                             f"than num_classes ({n})")
    elif n == -1:
        raise ValueError(f"num_classes=-1 cannot infer the number of classes from an empty "
                         f"tensor (shape {t.shape}); pass num_classes")
    out = np.zeros(t.shape + (n,), np.int64)
    if t.size:
        np.put_along_axis(out, t.astype(np.intp)[..., None], 1, axis=-1)
    return out
