"""A two-layer MLP trained with plain SGD on NumPy arrays, with actloss for the non-NumPy parts.

The network is ``logits = gelu(X W1 + b1) W2 + b2``: NumPy does the matmuls, actloss the
activation (``gelu`` / ``gelu_backward``) and the loss (``cross_entropy_with_grad`` returns the
mean cross-entropy and its gradient with respect to the logits in one pass). The last layer has
no activation: cross_entropy takes logits (``actloss.guide.recommend("multiclass")``).

The task: 5 interleaved noisy spiral arms in the plane (600 training and 600 test points per
class, angular noise 0.3 rad, seeded), which a linear model cannot separate: softmax
regression trained the same way reaches 34 % test accuracy.

Measured with the defaults (``python examples/mlp_multiclass.py``: 3000 SGD steps, batch 64,
lr 0.5, 64 gelu hidden units, float32, one thread, seed 0; 0.7 s on 2 cores): the loss falls
from log(5) = 1.61 to 0.21 (mean of the last 500 steps), train accuracy 93.6 %, test accuracy
93.8 % (seeds 1-3 with 5000 steps: 92-94 %; the arms overlap, so 100 % is out of reach).

Run ``python examples/mlp_multiclass.py --help`` for the options; ``train()`` is importable.
"""
import argparse
import contextlib
import time

import numpy as np

import actloss as F


@contextlib.contextmanager
def limit_threads(n):
    """Run the block with actloss's kernels (and BLAS) on at most `n` threads; None: as is.

    Minibatch training calls the kernels on small arrays (a 64 x 64 hidden layer is 4096
    elements): a second OpenMP thread costs more than it saves there, and on a busy machine
    its spin-waiting competes with the main thread (measured on 2 cores under load: 2-6x
    slower per step). threadpoolctl, when installed, limits OpenMP and BLAS together and
    restores both; otherwise ``actloss.set_num_threads`` is used and reset to the default.
    """
    if n is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        F.set_num_threads(n)
        try:
            yield
        finally:
            F.set_num_threads(None)
        return
    with threadpool_limits(n):
        yield


def make_spirals(n_per_class, n_classes=5, *, noise=0.3, seed=0):
    """Points on `n_classes` interleaved spiral arms: X (N, 2) float64, y (N,) int64."""
    rng = np.random.default_rng(seed)
    r = np.tile(np.linspace(0.05, 1.0, n_per_class), n_classes)
    arm = np.repeat(np.arange(n_classes), n_per_class)
    theta = (arm * 2 * np.pi / n_classes + 4.0 * r
             + noise * rng.standard_normal(n_per_class * n_classes))
    X = np.column_stack([r * np.sin(theta), r * np.cos(theta)])
    perm = rng.permutation(len(arm))
    return X[perm], arm[perm]


class MLP:
    """``logits = act(X W1 + b1) W2 + b2`` with actloss's activation and its backward.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        Layer sizes.
    activation : str, default "gelu"
        An actloss activation with a ``<name>_backward(grad_output, input)`` ("gelu", "relu",
        "silu", "mish", ...).
    seed : int
        Seeds the He-style initialisation.
    dtype : numpy dtype, default float32
    """

    def __init__(self, n_in, n_hidden, n_out, *, activation="gelu", seed=0, dtype=np.float32):
        rng = np.random.default_rng(seed)
        self.dtype = np.dtype(dtype)
        self.act = getattr(F, activation)
        self.act_backward = getattr(F, activation + "_backward")
        self.params = {
            "W1": (rng.standard_normal((n_in, n_hidden)) * np.sqrt(2.0 / n_in)).astype(dtype),
            "b1": np.zeros(n_hidden, dtype),
            "W2": (rng.standard_normal((n_hidden, n_out)) * np.sqrt(1.0 / n_hidden)).astype(dtype),
            "b2": np.zeros(n_out, dtype),
        }
        self._cache = None

    def forward(self, X):
        """Logits (N, n_out); keeps what backward needs."""
        p = self.params
        X = np.asarray(X, self.dtype)
        z = X @ p["W1"] + p["b1"]
        h = self.act(z)
        self._cache = (X, z, h)
        return h @ p["W2"] + p["b2"]

    def backward(self, g_logits):
        """Gradients of every parameter from the gradient of the loss w.r.t. the logits."""
        X, z, h = self._cache
        p = self.params
        g_h = g_logits @ p["W2"].T
        g_z = self.act_backward(g_h, z)
        return {"W1": X.T @ g_z, "b1": g_z.sum(0), "W2": h.T @ g_logits,
                "b2": g_logits.sum(0)}

    def sgd_step(self, grads, lr, only=None):
        """Plain SGD: p -= lr * g (for the parameters in `only`, default all)."""
        for name in (only or grads):
            self.params[name] -= self.dtype.type(lr) * grads[name]

    def predict(self, X):
        """Class indices (argmax of the logits)."""
        return self.forward(X).argmax(axis=1)

    def train_step(self, X, y, lr, weight=None, only=None):
        """One SGD step on a batch; returns the batch's (weighted) mean cross-entropy."""
        loss, g_logits = F.cross_entropy_with_grad(self.forward(X), y, weight)
        self.sgd_step(self.backward(g_logits), lr, only)
        return float(loss)


def accuracy(model, X, y):
    """Fraction of correctly classified samples."""
    return float(np.mean(model.predict(X) == y))


def train(steps=3000, seed=0, *, n_per_class=600, n_classes=5, hidden=64, lr=0.5,
          batch_size=64, activation="gelu", eval_every=500, threads=1, verbose=False):
    """Train the MLP on the spirals with minibatch SGD, on `threads` threads (see
    :func:`limit_threads`; None leaves the thread settings alone).

    Returns
    -------
    dict
        ``loss`` (list, one mean cross-entropy per step), ``eval_step``, ``train_accuracy``,
        ``test_accuracy`` (lists, at every `eval_every` steps and at the end) and ``model``.
    """
    with limit_threads(threads):
        return _train(steps, seed, n_per_class, n_classes, hidden, lr, batch_size, activation,
                      eval_every, verbose)


def _train(steps, seed, n_per_class, n_classes, hidden, lr, batch_size, activation, eval_every,
           verbose):
    X, y = make_spirals(n_per_class, n_classes, seed=seed)
    X_test, y_test = make_spirals(n_per_class, n_classes, seed=seed + 1000)
    model = MLP(2, hidden, n_classes, activation=activation, seed=seed)
    rng = np.random.default_rng(seed + 1)
    hist = {"loss": [], "eval_step": [], "train_accuracy": [], "test_accuracy": []}
    order, pos = rng.permutation(len(y)), 0
    for step in range(1, steps + 1):
        if pos + batch_size > len(y):  # a new epoch: reshuffle
            order, pos = rng.permutation(len(y)), 0
        idx = order[pos:pos + batch_size]
        pos += batch_size
        hist["loss"].append(model.train_step(X[idx], y[idx], lr))
        if step % eval_every == 0 or step == steps:
            hist["eval_step"].append(step)
            hist["train_accuracy"].append(accuracy(model, X, y))
            hist["test_accuracy"].append(accuracy(model, X_test, y_test))
            if verbose:
                recent = np.mean(hist["loss"][-eval_every:])
                print(f"step {step:5d}  loss {recent:.4f}  train acc "
                      f"{hist['train_accuracy'][-1]:.3f}  test acc {hist['test_accuracy'][-1]:.3f}")
    hist["model"] = model
    return hist


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.5)
    ap.add_argument("--activation", default="gelu")
    ap.add_argument("--threads", type=int, default=1, help="0: leave the thread settings alone")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    hist = train(args.steps, args.seed, hidden=args.hidden, lr=args.lr,
                 activation=args.activation, threads=args.threads or None, verbose=True)
    print(f"final: train accuracy {hist['train_accuracy'][-1]:.3f}, test accuracy "
          f"{hist['test_accuracy'][-1]:.3f}  ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
