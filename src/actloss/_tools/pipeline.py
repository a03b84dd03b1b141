"""The loop users actually run: an MLP step that mixes NumPy's BLAS matmuls with actloss calls.

``python -m actloss bench --pipeline`` times, side by side in one process (interleaved rounds,
medians), a training step and an inference step of a 512 -> 1024 -> 100 MLP in float32:

    train:  h = x W1 + b1; a = act(h); z = a W2 + b2; loss, g = cross_entropy_with_grad(z, t)
            dW2 = a^T g; da = g W2^T; dh = act_backward(da, h); dW1 = x^T dh; SGD update
    infer:  softmax(act(x W1 + b1) W2 + b2)

for act in relu, gelu, silu and batches of 64 and 256, with NumPy's BLAS at 1 and at 2
threads, and three contestants: actloss at its default threads, actloss at one thread, and
torch (the same model and weights, autograd, torch.set_num_threads to the same count) where
installed. The CI guard checks the ratio "one thread / default" of actloss against a floor:
default settings must never make the loop slower than one thread.
"""
import contextlib
import itertools

import numpy as np

from . import benchcases as bc

D_IN, D_HIDDEN, N_CLASSES = 512, 1024, 100
ACTIVATIONS = ("relu", "gelu", "silu")
BATCHES = (64, 256)
LEARNING_RATE = 1e-3


class MLP:
    """The two-layer model in NumPy + actloss, float32, seeded."""

    def __init__(self, seed=0, dtype=np.float32):
        rng = np.random.default_rng(seed)
        self.W1 = (rng.standard_normal((D_IN, D_HIDDEN)) / np.sqrt(D_IN)).astype(dtype)
        self.b1 = np.zeros(D_HIDDEN, dtype)
        self.W2 = (rng.standard_normal((D_HIDDEN, N_CLASSES)) / np.sqrt(D_HIDDEN)).astype(dtype)
        self.b2 = np.zeros(N_CLASSES, dtype)

    def train_step(self, F, act, x, target):
        forward, backward = getattr(F, act), getattr(F, act + "_backward")
        h = x @ self.W1
        h += self.b1
        a = forward(h)
        z = a @ self.W2
        z += self.b2
        loss, g = F.cross_entropy_with_grad(z, target)
        dW2, db2 = a.T @ g, g.sum(axis=0)
        dh = backward(g @ self.W2.T, h)
        dW1, db1 = x.T @ dh, dh.sum(axis=0)
        for p, d in ((self.W1, dW1), (self.b1, db1), (self.W2, dW2), (self.b2, db2)):
            p -= LEARNING_RATE * d
        return loss

    def infer_step(self, F, act, x):
        h = x @ self.W1
        h += self.b1
        z = getattr(F, act)(h, inplace=True) if act == "relu" else getattr(F, act)(h)
        z = z @ self.W2
        z += self.b2
        return F.softmax(z, 1)


def torch_model(torch, mlp):
    """The same weights as torch tensors that require gradients."""
    return [torch.tensor(p, requires_grad=True) for p in (mlp.W1, mlp.b1, mlp.W2, mlp.b2)]


def torch_train_step(torch, params, act, x, target):
    W1, b1, W2, b2 = params
    tf = torch.nn.functional
    z = getattr(tf, act)(x @ W1 + b1) @ W2 + b2
    loss = tf.cross_entropy(z, target)
    for p in params:
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for p in params:
            p -= LEARNING_RATE * p.grad
    return loss


def torch_infer_step(torch, params, act, x):
    W1, b1, W2, b2 = params
    tf = torch.nn.functional
    with torch.no_grad():
        return tf.softmax(getattr(tf, act)(x @ W1 + b1) @ W2 + b2, 1)


@contextlib.contextmanager
def _actloss_threads(n):
    """actloss at n threads (None: its default), restored afterwards."""
    import actloss
    from .. import _threads
    old = _threads._explicit
    actloss.set_num_threads(n)
    try:
        yield
    finally:
        actloss.set_num_threads(old)


def cases(quick=False):
    """(step, batch, act, blas threads) of a run; --quick: the CI slice."""
    threads = sorted({1, bc.max_threads()})
    if quick:
        return [(step, 256, "gelu", t) for step in ("train", "infer") for t in threads]
    return list(itertools.product(("train", "infer"), BATCHES, ACTIVATIONS, threads))


def _alternating(fns, rounds, min_time, warmup_time):
    """Median seconds per call of each callable; rounds alternate the order of the callables
    (forward, then backward), each round of enough calls to last min_time."""
    import time
    calls = {}
    for key, fn in fns.items():
        start, n, fastest = time.perf_counter(), 0, float("inf")
        while n < 2 or time.perf_counter() - start < warmup_time:
            t0 = time.perf_counter()
            fn()
            fastest = min(fastest, time.perf_counter() - t0)
            n += 1
        calls[key] = max(1, int(min_time / max(fastest, 1e-7)))
    samples = {key: [] for key in fns}
    order = list(fns)
    for r in range(2 * rounds):
        for key in (order if r % 2 == 0 else order[::-1]):
            t0 = time.perf_counter()
            for _ in range(calls[key]):
                fns[key]()
            samples[key].append((time.perf_counter() - t0) / calls[key])
    return {key: float(np.median(v)) for key, v in samples.items()}


def measure(quick=False, rounds=7, min_time=0.05, warmup_time=0.05, progress=None):
    """One record per case: median ms/step of actloss at its default threads, at one thread,
    and torch (None without it), and the ratios."""
    import actloss as F
    torch = bc.torch_module()
    records = []
    for step, batch, act, threads in cases(quick):
        rng = np.random.default_rng(batch)
        x = rng.standard_normal((batch, D_IN)).astype(np.float32)
        target = rng.integers(0, N_CLASSES, batch)
        mlp = MLP()
        fns = {}

        def ours(n):
            def call():
                with _actloss_threads(n):
                    if step == "train":
                        return mlp.train_step(F, act, x, target)
                    return mlp.infer_step(F, act, x)
            return call

        fns["actloss"] = ours(None)
        fns["actloss-1thread"] = ours(1)
        if torch is not None:
            params = torch_model(torch, mlp)
            xt, tt = torch.from_numpy(x), torch.from_numpy(target)
            fns["torch"] = ((lambda: torch_train_step(torch, params, act, xt, tt))
                            if step == "train" else
                            (lambda: torch_infer_step(torch, params, act, xt)))
        with bc.num_threads(threads, actloss_too=False):
            # the two actloss runs alternate their order round by round (each inherits the
            # state the other leaves: OpenBLAS's workers spin ~100 ms after a matmul); torch
            # is timed apart, since its own OpenMP workers keep spinning after its steps
            torch_fn = fns.pop("torch", None)
            times = _alternating(fns, rounds, min_time, warmup_time)
            if torch_fn is not None:
                times.update(bc.median_time({"torch": torch_fn}, repeats=rounds,
                                            min_time=min_time, warmup_time=warmup_time))
        ms = {k: v * 1e3 for k, v in times.items()}
        records.append({
            "id": f"pipeline/{step}/b{batch}/{act}/t{threads}",
            "step": step, "batch": batch, "act": act, "threads": threads,
            "ms_per_step": {k: round(v, 4) for k, v in ms.items()},
            "one_thread_over_default": ms["actloss-1thread"] / ms["actloss"],
            "torch_over_actloss": ms["torch"] / ms["actloss"] if "torch" in ms else None,
        })
        if progress is not None:
            progress(records[-1]["id"])
    return records


def format_table(records):
    torch_missing = all(r["torch_over_actloss"] is None for r in records)
    lines = ["MLP 512 -> 1024 -> 100, float32: ms per step (median; interleaved rounds in one "
             "process); 1t/default > 1: actloss's default threads are faster than one thread",
             f"{'step':6} {'batch':>5} {'act':5} {'blas':>4} {'actloss':>9} {'al 1 thr':>9} "
             f"{'torch':>9} {'1t/default':>10} {'torch/al':>9}"]
    for r in records:
        ms = r["ms_per_step"]
        torch_ms = f"{ms['torch']:9.3f}" if "torch" in ms else f"{'-':>9}"
        ratio = f"{r['torch_over_actloss']:9.2f}" if r["torch_over_actloss"] else f"{'-':>9}"
        lines.append(f"{r['step']:6} {r['batch']:5d} {r['act']:5} {r['threads']:4d} "
                     f"{ms['actloss']:9.3f} {ms['actloss-1thread']:9.3f} {torch_ms} "
                     f"{r['one_thread_over_default']:10.2f} {ratio}")
    if torch_missing:
        lines.append("(torch is not installed: its column is left out)")
    return "\n".join(lines)


def check_floor(records, floor):
    """[(id, ratio)] of the cases whose one-thread/default ratio is below the floor."""
    return [(r["id"], r["one_thread_over_default"]) for r in records
            if r["one_thread_over_default"] < floor]
