"""A user's script, checked by ``mypy --strict`` in tests/test_types.py (and run there too).

``assert_type`` lines state what the checker must infer: float32 in gives float32 out, a reduced
loss is a NumPy scalar of the input's dtype, ``reduction="none"`` an array.
"""
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray
from typing_extensions import assert_type

import actloss as F
import actloss.guide
import actloss.metrics
import actloss.nn as nn
from actloss.sampling import BalancedBatchSampler, class_weights

rng = np.random.default_rng(0)
x32 = rng.standard_normal((8, 5)).astype(np.float32)
x64 = rng.standard_normal((8, 5))
labels = rng.integers(0, 5, size=8)

# activations: the input's dtype comes back
assert_type(F.relu(x32), NDArray[np.float32])
assert_type(F.gelu(x64, approximate="tanh"), NDArray[np.float64])
assert_type(F.leaky_relu(x32, 0.2, inplace=False), NDArray[np.float32])
buf = np.empty_like(x32)
assert_type(F.silu(x32, out=buf), NDArray[np.float32])
assert_type(F.gelu_backward(np.ones_like(x32), x32, approximate="none"), NDArray[np.float32])
assert_type(F.relu([1.0, -2.0]), NDArray[np.floating[Any]])  # a list: float64 at run time

# softmax family
assert_type(F.softmax(x32, dim=1), NDArray[np.float32])
assert_type(F.softmax(x32, 1, dtype=np.float64), NDArray[np.floating[Any]])  # cast: generic
assert_type(F.log_softmax(x64, -1), NDArray[np.float64])
assert_type(F.softmax_backward(np.ones_like(x32), x32, dim=1), NDArray[np.float32])
assert_type(F.logsumexp(x32, 1), np.float32 | NDArray[np.float32])

# losses: the reduction decides scalar or array
assert_type(F.cross_entropy(x32, labels), np.float32)
assert_type(F.cross_entropy(x32, labels, reduction="sum", label_smoothing=0.1), np.float32)
assert_type(F.cross_entropy(x32, labels, reduction="none"), NDArray[np.float32])
assert_type(F.mse_loss(x64, x64), np.float64)
assert_type(F.mse_loss(x32, x32, reduction="none"), NDArray[np.float32])
assert_type(F.kl_div(F.log_softmax(x32, 1), F.softmax(x32, 1), reduction="batchmean"),
            np.float32)
loss, grad = F.cross_entropy_with_grad(x32, labels)
assert_type(loss, np.float32)
assert_type(grad, NDArray[np.float32])
assert_type(F.cross_entropy_backward(1.0, x32, labels), NDArray[np.float32])
sm_loss, sm_grad = F.sparsemax_loss_with_grad(x32, labels, reduction="none")
assert_type(sm_loss, NDArray[np.float32])
assert_type(sm_grad, NDArray[np.float32])
assert_type(F.entmax15_loss_backward(1.0, x32, labels, output=F.entmax15(x32, dim=1)),
            NDArray[np.float32])
g_in, g_w = F.prelu_backward(np.ones_like(x32), x32, np.full(1, 0.25, np.float32))
assert_type(g_in, NDArray[np.float32])
a32, b32 = np.ones(5, np.float32), np.zeros(5, np.float32)
g1, g2 = F.margin_ranking_loss_backward(1.0, a32, b32, np.ones(5, np.float32))
assert_type(g1, NDArray[np.float32])
mode: Literal["mean", "none"] = "mean" if x32.size > 3 else "none"  # either: scalar or array
assert_type(F.l1_loss(x32, x32, reduction=mode), np.float32 | NDArray[np.float32])
assert_type(F.mse_loss([0.5], [1.0]), np.floating[Any])  # lists: the dtype is NumPy's choice

# nn classes
model = nn.Sequential(nn.Linear(5, 4, generator=0), nn.ReLU(), nn.Linear(4, 3, generator=1))
out = model(x32)
criterion = nn.CrossEntropyLoss(label_smoothing=0.05)
value = criterion(out, labels[:8] % 3)
criterion.backward()
model.backward(criterion.backward())
for p in model.parameters():
    assert p.grad is not None
act = nn.GELU(approximate="tanh")
assert_type(act(x32), NDArray[np.float32])
assert_type(act.backward(np.ones_like(x32)), NDArray[np.floating[Any]])
lin = nn.Linear(5, 2)
assert_type(lin.weight, nn.Parameter)

# metrics, sampling, guide
score: float | NDArray[np.float64] = actloss.metrics.log_loss(labels % 2, rng.random(8))
w = class_weights(labels)
sampler = BalancedBatchSampler(labels, 2 * len(np.unique(labels)), seed=0)
for batch in sampler:
    assert_type(batch, NDArray[np.intp])
rec = actloss.guide.recommend("multiclass")
assert_type(rec.loss, str)
with F.accuracy("fast"):
    F.tanh(x32)
F.set_num_threads(1)
n_threads: int = F.get_num_threads()
print(float(value), score, n_threads, len(sampler))

# a gradient that is a tuple only on request
assert_type(F.kl_div_backward(1.0, F.log_softmax(x32, 1), F.softmax(x32, 1)), NDArray[np.float32])
gi, gt = F.kl_div_backward(1.0, F.log_softmax(x32, 1), F.softmax(x32, 1),
                           target_requires_grad=True)
assert_type(gi, NDArray[np.float32])

# what the checker must refuse (strict mode's warn_unused_ignores fails if one is accepted)
if TYPE_CHECKING:  # not run: each line raises at run time
    F.mse_loss(x32, x32, reduction="avg")  # type: ignore[call-overload]
    F.gelu(x32, approximate="exact")  # type: ignore[call-overload]
    F.softmax(x32, dim="1")  # type: ignore[call-overload]
    F.no_such_function(x32)  # type: ignore[attr-defined]
