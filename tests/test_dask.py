"""dask.array inputs stay lazy and give the NumPy path's results (issue 14, item 2).

One LocalCluster of two worker processes on loopback serves the module. Every array is larger
than one chunk and split along every axis -- the class / feature axis and the softmax `dim`
too --, so each function must rechunk what has to be whole and combine partial sums across
blocks. Results are asserted to be dask arrays before anything is computed; then they must
equal the NumPy path on the same data (the NumPy path itself is tested against float64
references elsewhere; one weighted, ignore_index mean is checked against its own reference
here) in dtype, shape and value.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import actloss as F

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
distributed = pytest.importorskip("dask.distributed")

pytestmark = pytest.mark.dask

N, C, D = 37, 11, 9
TOL = {np.dtype(np.float16): dict(rtol=2e-3, atol=1e-3),  # computed in float32, rounded once
       np.dtype(np.float32): dict(rtol=2e-6, atol=1e-6),
       np.dtype(np.float64): dict(rtol=1e-12, atol=1e-13)}
DTYPES = [np.dtype(np.float32), np.dtype(np.float64)]


@pytest.fixture(scope="module")
def client():
    """Two worker processes, one thread each, on 127.0.0.1; actloss importable in them. The
    environment is restored afterwards: starting the workers sets OMP_NUM_THREADS=1 and
    friends in this process too (distributed's pre-spawn settings), which later tests of the
    thread defaults would see."""
    environ = dict(os.environ)
    src = os.path.dirname(os.path.dirname(os.path.abspath(F.__file__)))
    os.environ["PYTHONPATH"] = src + (os.pathsep + environ["PYTHONPATH"]
                                      if environ.get("PYTHONPATH") else "")
    cluster = distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1,
                                       host="127.0.0.1", dashboard_address=None,
                                       memory_limit="1GiB")
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()
        os.environ.clear()
        os.environ.update(environ)


def lazy(a):
    """a as a dask array split in two chunks along every axis of length > 1."""
    a = np.asarray(a)
    return da.from_array(a, chunks=tuple(max(1, -(-n // 2)) for n in a.shape) or ())


def _as_lazy(kw):
    return {k: lazy(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}


def _flat(r):
    return list(r) if isinstance(r, tuple) else [r]


class Batch:
    """Lazy results and the NumPy path's, computed on the cluster in one round trip (each
    compute costs a scheduler round trip; one per test keeps the file fast)."""

    def __init__(self, client):
        self.client, self.got, self.want, self.labels = client, [], [], []

    def add(self, label, lazy_results, numpy_results):
        for i, (a, b) in enumerate(zip(lazy_results, numpy_results)):
            if b is None:
                assert a is None, label
                continue
            assert isinstance(a, da.Array), (label, i, type(a))
            self.got.append(a)
            self.want.append(b)
            self.labels.append(f"{label} #{i}")

    def check(self):
        computed = self.client.compute(self.got, sync=True)
        assert len(computed) == len(self.want) > 0
        for lz, a, b, label in zip(self.got, computed, self.want, self.labels):
            a, b = np.asarray(a), np.asarray(b)
            # the lazy array's metadata tells the truth before computing
            assert lz.shape == b.shape and lz.dtype == b.dtype, (label, lz.shape, lz.dtype)
            assert a.shape == b.shape and a.dtype == b.dtype, (label, a.shape, b.shape,
                                                               a.dtype, b.dtype)
            np.testing.assert_allclose(a, b, **TOL[b.dtype], err_msg=label)


def _check(batch, name, arrays, static, reductions=("none", "mean", "sum"), grad=True,
           fused=None, seed=0, backward_only=None):
    """Adds to `batch`: name(**arrays) through dask against the NumPy path for every
    reduction, and its backward and (if it has one) its _with_grad; asserts that they are
    lazy."""
    rng = np.random.default_rng(seed)
    f = getattr(F, name)
    fused = hasattr(F, name + "_with_grad") if fused is None else fused
    got, want = [], []
    dk = _as_lazy(arrays)
    for red in reductions:
        kw = dict(static, reduction=red)
        y = f(**arrays, **kw)
        ly = f(**dk, **kw)
        assert isinstance(ly, da.Array), (name, red, type(ly))
        got.append(ly)
        want.append(y)
        if not grad:
            continue
        go = 0.7 if red != "none" else rng.standard_normal(np.shape(y)).astype(np.asarray(y).dtype)
        bkw = dict(kw, **(backward_only or {}))
        g = _flat(getattr(F, name + "_backward")(go, **arrays, **bkw))
        lg = _flat(getattr(F, name + "_backward")(lazy(go) if red == "none" else go, **dk, **bkw))
        got += lg
        want += g
        if fused and red != "sum":  # the fused call is the loss and the backward, checked
            # (loss, gradient) -- or (loss, *gradients) where the backward returns several
            got += list(getattr(F, name + "_with_grad")(**dk, **kw, grad_output=go))
            want += list(getattr(F, name + "_with_grad")(**arrays, **kw, grad_output=go))
    batch.add(f"{name} {sorted(static)}", got, want)


# ---- the softmax family ----------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_softmax_family(client, dtype):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((N, C, 5)) * 3).astype(dtype)
    lx = lazy(x)
    got, want = [], []
    for name in ("softmax", "log_softmax", "softmin"):
        f, b = getattr(F, name), getattr(F, name + "_backward")
        for dim, temperature in ((0, 1.0), (1, 0.5), (-1, 1.0)):
            if True:
                y = f(lx, dim, temperature=temperature)
                assert isinstance(y, da.Array) and y.dtype == dtype
                # only the normalised axis is rechunked; the others keep their chunks
                assert all(y.chunks[i] == lx.chunks[i] for i in range(3) if i != dim % 3)
                assert len(y.chunks[dim % 3]) == 1
                g = rng.standard_normal(x.shape).astype(dtype)
                yn = f(x, dim, temperature=temperature)
                gi = b(lazy(g), lx, dim, temperature=temperature)
                go = b(lazy(g), dim=dim, output=lazy(yn), temperature=temperature)
                assert isinstance(gi, da.Array) and isinstance(go, da.Array)
                got += [y, gi, go]
                want += [yn, b(g, x, dim, temperature=temperature),
                         b(g, dim=dim, output=yn, temperature=temperature)]
    # an unsplit dim is not rechunked at all
    whole = da.from_array(x, chunks=(10, C, 5))
    assert F.softmax(whole, 1).chunks == whole.chunks
    for dim, keepdim in ((1, False), ((0, 2), True), (-1, True), ((), False)):
        y = F.logsumexp(lx, dim, keepdim)
        assert isinstance(y, da.Array)
        yn = F.logsumexp(x, dim, keepdim)
        g = rng.standard_normal(np.shape(yn)).astype(dtype)
        gl = F.logsumexp_backward(lazy(g), lx, dim, keepdim)
        assert isinstance(gl, da.Array)
        got += [y, gl]
        want += [yn, F.logsumexp_backward(g, x, dim, keepdim)]
    computed = client.compute(got, sync=True)
    for i, (a, b) in enumerate(zip(computed, want)):
        b = np.asarray(b)
        assert a.shape == b.shape and a.dtype == b.dtype, i
        np.testing.assert_allclose(a, b, **TOL[b.dtype], err_msg=str(i))


def test_softmax_out_is_refused():
    x = lazy(np.zeros((4, 3)))
    with pytest.raises(TypeError, match="out="):
        F.softmax(x, 1, out=np.empty((4, 3)))


# ---- pointwise losses ------------------------------------------------------------------------

def _pointwise_cases(dtype):
    rng = np.random.default_rng(2)
    s = (N, C)
    x, t = rng.standard_normal(s).astype(dtype), rng.standard_normal(s).astype(dtype)
    p = rng.uniform(0.02, 0.98, s).astype(dtype)
    q = rng.uniform(0, 1, s).astype(dtype)
    w = rng.uniform(0.1, 2, s).astype(dtype)
    sign = np.where(rng.standard_normal(s) > 0, 1.0, -1.0).astype(dtype)
    bits = (rng.uniform(size=s) > 0.5).astype(dtype)
    lp = np.log(p)
    return [
        ("mse_loss", dict(input=x, target=t), {}),
        ("mse_loss", dict(input=x, target=t, weight=w), {}),
        ("mse_loss", dict(input=x, target=t[:1]), {}),  # broadcast target (torch warns)
        ("l1_loss", dict(input=x, target=t, weight=w), {}),
        ("smooth_l1_loss", dict(input=x, target=t), dict(beta=0.5)),
        ("huber_loss", dict(input=x, target=t, weight=w), dict(delta=0.7)),
        ("binary_cross_entropy", dict(input=p, target=q, weight=w), {}),
        ("binary_cross_entropy_with_logits",
         dict(input=x, target=q, weight=w, pos_weight=rng.uniform(0.5, 2, C).astype(dtype)), {}),
        ("kl_div", dict(input=lp, target=q), dict(log_target=False)),
        ("kl_div", dict(input=lp, target=np.log(q + 0.01)), dict(log_target=True)),
        ("gaussian_nll_loss", dict(input=x, target=t, var=w), dict(full=True)),
        ("gaussian_nll_loss", dict(input=x, target=t, var=w[:, 0]), {}),  # one dim short
        ("gaussian_nll_loss", dict(input=x, target=t), dict(var=0.8)),  # a scalar var
        ("poisson_nll_loss", dict(input=x, target=np.abs(t)), dict(full=True)),
        ("poisson_nll_loss", dict(input=p, target=np.abs(t)), dict(log_input=False)),
        ("margin_ranking_loss", dict(input1=x, input2=t, target=sign), dict(margin=0.2)),
        ("hinge_embedding_loss", dict(input=np.abs(x), target=sign), dict(margin=1.5)),
        ("soft_margin_loss", dict(input=x, target=sign), {}),
        ("multilabel_soft_margin_loss",
         dict(input=x, target=bits, weight=rng.uniform(0.5, 2, C).astype(dtype)), {}),
        ("sigmoid_focal_loss", dict(inputs=x, targets=bits), dict(alpha=0.3, gamma=1.5)),
        ("hinge_loss", dict(input=x, target=sign), {}),
        ("squared_hinge_loss", dict(input=x, target=sign), {}),
        ("log_cosh_loss", dict(input=x, target=t), {}),
        ("pinball_loss", dict(input=x, target=t), dict(quantile=0.3)),
        ("binary_focal_loss", dict(input=p, target=bits, weight=w), dict(gamma=2.0)),
    ]


@pytest.mark.filterwarnings("ignore:Using a target size")  # the broadcast target's case
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_pointwise_losses(client, dtype):
    batch = Batch(client)
    for name, arrays, static in _pointwise_cases(dtype):
        _check(batch, name, arrays, static)
    batch.check()


def test_kl_div_batchmean_and_target_grad(client):
    rng = np.random.default_rng(3)
    x = np.log(rng.uniform(0.05, 1, (N, C)))
    t = rng.uniform(0, 1, (N, C))
    batch = Batch(client)
    _check(batch, "kl_div", dict(input=x, target=t), {}, reductions=("batchmean",))
    _check(batch, "kl_div", dict(input=x, target=t), {}, reductions=("none", "batchmean", "sum"),
           backward_only=dict(target_requires_grad=True))
    batch.check()


# ---- class losses ----------------------------------------------------------------------------

def _targets(rng, shape, ignore=-100):
    t = rng.integers(0, C, shape)
    t[rng.uniform(size=shape) < 0.2] = ignore
    return t


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_cross_entropy_and_nll(client, dtype):
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((N, C)) * 2).astype(dtype)
    xk = rng.standard_normal((9, C, 6, 4)).astype(dtype)  # K-dim: (N, C, d1, d2)
    w = rng.uniform(0.2, 3, C).astype(dtype)
    t = _targets(rng, (N,))
    tk = _targets(rng, (9, 6, 4))
    probs = rng.dirichlet(np.ones(C), N).astype(dtype)
    lp = F.log_softmax(x, 1)
    batch = Batch(client)
    for extra in ({}, dict(weight=w), dict(weight=lazy(w)), dict(label_smoothing=0.1),
                  dict(weight=w, label_smoothing=0.2)):
        _check(batch, "cross_entropy", dict(input=x, target=t), extra)
    _check(batch, "cross_entropy", dict(input=xk, target=tk), dict(weight=w, label_smoothing=0.2))
    _check(batch, "cross_entropy", dict(input=x, target=np.where(t < 0, 3, t)),
           dict(weight=w, ignore_index=3))
    _check(batch, "cross_entropy", dict(input=x, target=probs), dict(label_smoothing=0.1))
    _check(batch, "cross_entropy", dict(input=x, target=probs, weight=w), {})
    _check(batch, "cross_entropy", dict(input=x[0], target=t[1]), dict(weight=w))  # (C,)
    for extra in ({}, dict(weight=w), dict(ignore_index=2)):
        i = extra.get("ignore_index", -100)
        _check(batch, "nll_loss", dict(input=lp, target=np.where(t < 0, i, t)), extra)
    _check(batch, "nll_loss", dict(input=xk, target=tk), dict(weight=w))
    batch.check()


def test_weighted_mean_against_reference(client):
    """A weighted, ignore_index mean over many blocks, against a float64 reference computed
    here: sum of w_t (lse - x_t) over the rows kept, divided by sum of their w_t."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((200, C)) * 3
    w = rng.uniform(0.1, 2, C)
    t = _targets(rng, (200,))
    m = x.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(x - m).sum(axis=1, keepdims=True)))[:, 0]
    keep = t != -100
    tt = t[keep]
    ref = np.sum(w[tt] * (lse[keep] - x[keep, tt])) / np.sum(w[tt])
    y = F.cross_entropy(da.from_array(x, chunks=(23, 4)), da.from_array(t, chunks=23),
                        weight=w)
    assert isinstance(y, da.Array) and y.shape == () and y.dtype == np.float64
    assert abs(float(client.compute(y, sync=True)) - ref) <= 1e-13 * abs(ref)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_other_class_losses(client, dtype):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((N, C)).astype(dtype)
    t = _targets(rng, (N,))
    tc = np.where(t < 0, 0, t)
    probs = rng.dirichlet(np.ones(C), N).astype(dtype)
    alpha = rng.uniform(0.2, 1, C).astype(dtype)
    ml = np.full((N, C), -1)
    for i in range(N):
        k = rng.integers(0, 4)
        ml[i, :k] = rng.choice(C, k, replace=False)
    cases = [
        ("softmax_focal_loss", dict(input=x, target=t, alpha=alpha), dict(gamma=2.0)),
        ("softmax_focal_loss", dict(input=x, target=probs), dict(label_smoothing=0.1)),
        ("poly1_cross_entropy", dict(input=x, target=t), dict(epsilon=1.5)),
        ("poly_cross_entropy", dict(input=x, target=t), dict(epsilons=(1.0, 0.5))),
        ("multi_margin_loss", dict(input=x, target=tc, weight=alpha), dict(p=2, margin=0.7)),
        ("multi_margin_loss", dict(input=x, target=tc), {}),
        ("multilabel_margin_loss", dict(input=x, target=ml), {}),
        ("multiclass_hinge_loss", dict(input=x, target=tc), dict(squared=True)),
        ("brier_score_loss", dict(input=probs, target=tc), {}),
        ("dice_loss", dict(input=rng.uniform(0, 1, (6, 3, 8)).astype(dtype),
                           target=(rng.uniform(size=(6, 3, 8)) > 0.5).astype(dtype)),
         dict(batch=True)),
        ("tversky_loss", dict(input=rng.standard_normal((6, 3, 8)).astype(dtype),
                              target=(rng.uniform(size=(6, 3, 8)) > 0.5).astype(dtype)),
         dict(activation="sigmoid")),
    ]
    batch = Batch(client)
    for name, arrays, static in cases:
        _check(batch, name, arrays, static)
    batch.check()


# ---- embedding losses ------------------------------------------------------------------------

def _boxes(rng, dtype):
    """N valid (x1, y1, x2, y2) boxes."""
    lo = rng.uniform(0, 5, (N, 2))
    return np.concatenate([lo, lo + rng.uniform(0.5, 3, (N, 2))], axis=1).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_embedding_losses(client, dtype):
    rng = np.random.default_rng(7)
    a, b, c = (rng.standard_normal((N, D)).astype(dtype) for _ in range(3))
    sign = np.where(rng.standard_normal(N) > 0, 1, -1)
    boxes1, boxes2 = (_boxes(rng, dtype) for _ in range(2))
    cases = [
        ("cosine_embedding_loss", dict(input1=a, input2=b, target=sign), dict(margin=0.1)),
        ("triplet_margin_loss", dict(anchor=a, positive=b, negative=c), dict(swap=True)),
        ("contrastive_loss", dict(x1=a, x2=b, target=(sign > 0).astype(dtype)), {}),
        ("info_nce", dict(query=a, key=b), dict(symmetric=True)),
        ("generalized_box_iou_loss", dict(boxes1=boxes1, boxes2=boxes2), {}),
        ("distance_box_iou_loss", dict(boxes1=boxes1, boxes2=boxes2), {}),
        ("complete_box_iou_loss", dict(boxes1=boxes1, boxes2=boxes2), {}),
    ]
    batch = Batch(client)
    for name, arrays, static in cases:
        _check(batch, name, arrays, static)
    batch.check()


# ---- hand-written losses: sparse-map losses, triplet with a distance, ctc, linear_cross_entropy

@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_hand_written_losses(client, dtype):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((N, C)).astype(dtype)
    t = _targets(rng, (N,))
    a, b, c = (rng.standard_normal((N, D)).astype(dtype) for _ in range(3))
    T, B, S = 12, 5, 4
    log_probs = F.log_softmax(rng.standard_normal((T, B, C)).astype(dtype), 2)
    targets = rng.integers(1, C, (B, S))
    hidden = rng.standard_normal((N, D)).astype(dtype)
    proj = rng.standard_normal((C, D)).astype(dtype)
    bias = rng.standard_normal(C).astype(dtype)
    cases = [
        ("sparsemax_loss", dict(input=x, target=t), {}),
        ("entmax15_loss", dict(input=x, target=t), {}),
        ("entmax_bisect_loss", dict(input=x, target=t), dict(alpha=1.3)),
        ("triplet_margin_with_distance_loss", dict(anchor=a, positive=b, negative=c),
         dict(swap=True)),
        ("triplet_margin_with_distance_loss", dict(anchor=a, positive=b, negative=c),
         dict(distance_function="cosine", margin=0.5)),
        ("ctc_loss", dict(log_probs=log_probs, targets=targets,
                          input_lengths=np.array([12, 11, 12, 9, 10]),
                          target_lengths=np.array([4, 3, 2, 4, 1])), {}),
        ("linear_cross_entropy", dict(input=hidden, linear_weight=proj, target=t),
         dict(linear_bias=bias, ignore_index=-100, label_smoothing=0.1)),
    ]
    batch = Batch(client)
    for name, arrays, static in cases:
        _check(batch, name, arrays, static)
    batch.check()


def test_mixed_numpy_and_dask_arguments(client):
    """Any argument may be the dask one; a lazy scalar grad_output works for a reduced loss."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((N, C)).astype(np.float32)
    t = rng.standard_normal((N, C)).astype(np.float32)
    c = _targets(rng, (N,))
    w = rng.uniform(0.5, 2, C)
    go = np.float64(0.3)
    x16, t16 = x.astype(np.float16), t.astype(np.float16)
    batch = Batch(client)
    batch.add("float16", [F.mse_loss(lazy(x16), t16), F.cross_entropy(lazy(x16), c),
                          F.softmax(lazy(x16), 1), F.mse_loss_backward(go, lazy(x16), t16)],
              [F.mse_loss(x16, t16), F.cross_entropy(x16, c), F.softmax(x16, 1),
               F.mse_loss_backward(go, x16, t16)])
    batch.add("mixed", [F.mse_loss(lazy(x), t), F.mse_loss(x, lazy(t), reduction="none"),
                        F.cross_entropy(x, lazy(c), weight=w),
                        F.cross_entropy_backward(lazy(go), lazy(x), c, weight=w),
                        F.kl_div_backward(lazy(go), lazy(x), t, reduction="batchmean")],
              [F.mse_loss(x, t), F.mse_loss(x, t, reduction="none"),
               F.cross_entropy(x, c, weight=w), F.cross_entropy_backward(go, x, c, weight=w),
               F.kl_div_backward(go, x, t, reduction="batchmean")])
    batch.check()
    # torch's warning for a broadcast target, as the NumPy path gives it, at the call
    with pytest.warns(UserWarning, match="target size") as record:
        F.mse_loss(lazy(x), lazy(t[:1]))
    assert record[0].filename == __file__


# ---- errors and imports ----------------------------------------------------------------------

def test_errors_are_raised_before_computing():
    x = lazy(np.zeros((N, C)))
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match="broadcast"):
        F.mse_loss(x, lazy(np.zeros((N, 3))))
    with pytest.raises(ValueError, match="beta"):
        F.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(TypeError):
        F.cross_entropy(x, lazy(np.zeros(N, np.complex64)))


def test_functions_without_a_lazy_path_refuse_dask():
    """Never a silent computation: a clear TypeError naming the function."""
    x = lazy(np.zeros((N, C)))
    with pytest.raises(TypeError, match="sparsemax.*dask"):
        F.sparsemax(x)
    with pytest.raises(TypeError, match="pdist.*dask"):
        F.pdist(x)


def test_numpy_calls_never_import_dask():
    code = ("import sys, numpy as np, actloss as F\n"
            "x = np.random.default_rng(0).standard_normal((8, 5))\n"
            "t = np.arange(8) % 5\n"
            "F.softmax(x, 1); F.softmax_backward(x, x, 1); F.logsumexp(x, 1)\n"
            "F.mse_loss(x, x); F.mse_loss_backward(1.0, x, x); F.kl_div(x, x)\n"
            "F.cross_entropy(x, t, weight=np.ones(5)); F.cross_entropy_with_grad(x, t)\n"
            "F.nll_loss(x, t); F.triplet_margin_loss(x, x, x); F.info_nce(x, x)\n"
            "F.sparsemax(x)\n"
            "bad = [m for m in sys.modules if m == 'dask' or m.startswith('dask.')]\n"
            "assert not bad, bad\n")
    env = dict(os.environ)
    src = os.path.dirname(os.path.dirname(os.path.abspath(F.__file__)))
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
