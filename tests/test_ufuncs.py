"""actloss.ufuncs (issue 14, item 1): every elementwise activation and gradient is a real
numpy.ufunc running the functions' kernels -- bit for bit the torch-style function's result on
every layout NumPy hands it, honouring out=/where=/dtype=/casting= as np.exp does and the
accuracy mode -- and the torch-style functions go through it for dask, xarray, pandas and
masked inputs, which keep their type and meaning.

Values are checked against the functions on plain ndarrays, whose accuracy test_activations.py
checks against the float64 reference; the masked-array rule against a plain NumPy rendering of
numpy.ma's (masked elements keep the first argument's data).
"""
import os
import pickle
import subprocess
import sys
import threading

import numpy as np
import pytest

import actloss as F
from actloss import _ops, ufuncs as U

from opspec import SPECS

ROW = {op.name: op for op in _ops.UNARY}
CASES = [pytest.param(s, p, id=f"{s.name}-{i}") for s in SPECS if s.name in ROW
         for i, p in enumerate(s.params)]
FLOATS = (np.float32, np.float64)


def _values(params, spec):
    """The row's parameters in ufunc order (the function's defaults filled in)."""
    return [params.get(p.name, p.default) for p in ROW[spec.name].params]


def fn(spec, x, params, **kw):
    return getattr(F, spec.func)(x, **spec.fixed, **params, **kw)


def fn_grad(spec, gy, x, params, **kw):
    return getattr(F, spec.func + "_backward")(gy, x, **spec.fixed, **params, **kw)


def data(rng, dtype, n=600):
    """Random values of all magnitudes, and the specials: NaN, +-inf, +-0.0, subnormals,
    the largest finite values."""
    fi = np.finfo(dtype)
    x = rng.standard_normal(n) * 10.0 ** rng.uniform(-6, 2, n)
    specials = [np.nan, np.inf, -np.inf, 0.0, -0.0, fi.smallest_subnormal,
                -fi.smallest_subnormal, fi.tiny / 3, -fi.tiny / 3, fi.max, -fi.max, 1.0, -1.0,
                3.0, -3.0, 0.5, -0.5, 20.0, -20.0, 90.0, -90.0]
    x[:len(specials)] = specials
    return rng.permutation(x).astype(dtype)


def same(a, b):
    """Bit for bit (NaN matches NaN, the sign of zero counts), dtype and type included."""
    assert type(a) is type(b), (type(a), type(b))
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
    both_nan = np.isnan(a) & np.isnan(b)
    bits = {2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize]
    diff = (a.view(bits) != b.view(bits)) & ~both_nan
    assert not diff.any(), (a[diff][:5], b[diff][:5])


# ---- what they are ---------------------------------------------------------------------------

def test_every_row_and_direction_is_a_ufunc():
    for op in _ops.UNARY:
        n = len(op.params)
        kinds = [(op.name, 1 + n), (op.name + "_backward", 2 + n)]
        if op.saves_output:
            kinds.append((op.name + "_backward_from_output", 2))
        for name, nin in kinds:
            u = getattr(U, name)
            assert isinstance(u, np.ufunc) and u.__name__ == name
            assert (u.nin, u.nout) == (nin, 1)
            arrays = nin - (n if "from_output" not in name else 0)
            assert u.types == [t * arrays + "d" * (nin - arrays) + "->" + t for t in "efd"]
            assert name in U.__all__
    assert len(U.__all__) == len(set(U.__all__)) == sum(
        2 + op.saves_output for op in _ops.UNARY)


def test_pickled_by_reference():
    """dask.distributed ships the ufuncs to its workers by pickling."""
    for name in ("gelu", "tanh_backward_from_output", "leaky_relu"):
        u = getattr(U, name)
        assert pickle.loads(pickle.dumps(u)) is u


def test_gelu_docstring_and_signature():
    assert U.gelu.__doc__.startswith("gelu(x, /, out=None")
    assert "x * Phi(x)" in U.gelu.__doc__
    assert U.leaky_relu.nin == 2 and "negative_slope" in U.leaky_relu.__doc__


# ---- the same bits as the functions ------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS, ids=["float32", "float64"])
@pytest.mark.parametrize("spec,params", CASES)
def test_ufunc_equals_function_on_every_layout(spec, params, dtype, rng):
    fwd, bwd = getattr(U, spec.name), getattr(U, spec.name + "_backward")
    p = _values(params, spec)
    x = data(rng, dtype)
    gy = rng.standard_normal(x.size).astype(dtype)
    layouts = {"contiguous": lambda a: a, "strided": lambda a: a[::3],
               "negative": lambda a: a[::-2], "2-d transposed": lambda a: a.reshape(20, 30).T,
               "2-d sliced": lambda a: a.reshape(20, 30)[1::2, ::-3]}
    for what, lay in layouts.items():
        xs, gs = lay(x), lay(gy)
        same(fwd(xs, *p), fn(spec, xs, params))
        same(bwd(gs, xs, *p), fn_grad(spec, gs, xs, params))
        if ROW[spec.name].saves_output:
            y = fn(spec, xs, params)
            same(getattr(U, spec.name + "_backward_from_output")(gs, y),
                 getattr(F, spec.func + "_backward")(gs, output=y))
    # 0-d arrays and scalars: NumPy scalars, as the functions return them
    for v in (x[0], x[1], dtype(-0.0), np.asarray(x[2])):
        same(fwd(v, *p), fn(spec, v, params))
        same(bwd(gy[0], v, *p), fn_grad(spec, gy[0], v, params))
    # a parameter broadcast from a 0-d or (1,) array is the scalar case
    if p:
        same(fwd(x, *[np.asarray(v) for v in p]), fn(spec, x, params))
        same(fwd(x.reshape(20, 30), *[np.full((20, 1), v) for v in p]),
             fn(spec, x.reshape(20, 30), params))


@pytest.mark.parametrize("name", ["relu", "gelu", "softplus"])
def test_large_stretches_on_threads_same_bits(name, rng):
    """Above the serial cut-off the ufunc splits the work over the pool as the function does:
    the same bits at any thread count."""
    n = 3 * 2 ** 15 + 5
    x = rng.standard_normal(n).astype(np.float32) * 10
    params = [p.default for p in ROW[name].params]
    expected = getattr(F, name)(x, *params)
    previous = F.get_num_threads()
    try:
        for threads in (1, 2, 3):
            F.set_num_threads(threads)
            same(getattr(U, name)(x, *params), expected)
            same(getattr(U, name + "_backward")(x, x, *params),
                 getattr(F, name + "_backward")(x, x, *params))
    finally:
        F.set_num_threads(previous)


@pytest.mark.parametrize("dtype", FLOATS, ids=["float32", "float64"])
@pytest.mark.parametrize("spec,params", [c for c in CASES if c.values[0].name in ROW
                                         and ROW[c.values[0].name].params])
def test_array_parameters_element_by_element(spec, params, dtype, rng):
    """A parameter array: each element runs with its own value (runs of equal values share a
    kernel call; -0.0 and 0.0 are different values)."""
    x = data(rng, dtype, 240)
    gy = rng.standard_normal(x.size).astype(dtype)
    p = _values(params, spec)
    # each parameter alternates between its value and a second valid one, in runs of 1..7
    runs = np.repeat(np.arange(80) % 2, rng.integers(1, 8, 80))[: x.size]
    runs = np.pad(runs, (0, x.size - runs.size))
    others = {"negative_slope": -0.0, "alpha": 0.5, "beta": 2.0, "threshold": 5.0,
              "min_val": -2.0, "max_val": 2.0, "lambd": 1.0, "value": -3.0}
    cols = [np.where(runs == 0, v, others[q.name]) for v, q in zip(p, ROW[spec.name].params)]
    if spec.name == "hardtanh":  # min_val <= max_val in both runs
        cols = [np.where(runs == 0, p[0], -2.0), np.where(runs == 0, p[1], 2.0)]
    expect_f, expect_b = np.empty_like(x), np.empty_like(x)
    for r in (0, 1):
        sel = runs == r
        kw = {q.name: float(c[sel][0]) for q, c in zip(ROW[spec.name].params, cols)} if sel.any() else None
        if kw is None:
            continue
        expect_f[sel] = fn(spec, x[sel], kw)
        expect_b[sel] = fn_grad(spec, gy[sel], x[sel], kw)
    same(getattr(U, spec.name)(x, *cols), expect_f)
    same(getattr(U, spec.name + "_backward")(gy, x, *cols), expect_b)


@pytest.mark.parametrize("name", ["relu", "gelu", "gelu_tanh", "silu", "sigmoid", "tanh",
                                  "softplus", "hardswish", "mish"])
def test_float16_every_value(name):
    """float16: computed in float32 and rounded once, exactly as the functions -- on all 65536
    float16 values (every conversion in and out)."""
    h = np.arange(2 ** 16, dtype=np.uint16).view(np.float16)
    row = ROW[name]
    params = [p.default for p in row.params]
    spec = next(s for s in SPECS if s.name == name)
    y = getattr(U, name)(h, *params)
    assert y.dtype == np.float16
    same(y, fn(spec, h, {}))
    gy = np.ones_like(h)
    same(getattr(U, name + "_backward")(gy, h, *params), fn_grad(spec, gy, h, {}))


def test_integer_and_bool_inputs_follow_numpy_casting():
    """As np.exp: int8/uint8/bool in float16, int16 in float32, wider integers in float64; the
    values those of the float input."""
    for dt, res in ((np.int8, np.float16), (np.bool_, np.float16), (np.int16, np.float32),
                    (np.int32, np.float64), (np.int64, np.float64), (np.uint64, np.float64)):
        x = np.array([0, 1, 3], dt)
        assert U.relu(x).dtype == np.exp(x).dtype == res
        same(U.silu(x), U.silu(x.astype(res)))


def test_python_scalars_compute_in_float64():
    same(U.gelu(2.0), F.gelu(2.0))
    same(U.leaky_relu(-2.0, 0.1), F.leaky_relu(-2.0, 0.1))
    assert type(U.leaky_relu(np.float32(-2.0), 0.1)) is np.float32  # a weak Python parameter


# ---- NumPy's keywords, as for np.exp --------------------------------------------------------------

def test_out_where_dtype_casting_as_numpy_exp(rng):
    x = rng.standard_normal(50).astype(np.float32)
    mask = rng.random(50) < 0.5
    # out=: the result written there and returned
    o = np.full(50, 7.0, np.float32)
    assert U.gelu(x, out=o) is o
    same(o, F.gelu(x))
    # out= the input itself
    y = x.copy()
    U.silu(y, out=y)
    same(y, F.silu(x))
    # where=: untouched elsewhere, as np.exp leaves them
    o1, o2 = np.full(50, 7.0, np.float32), np.full(50, 7.0, np.float32)
    U.gelu(x, out=o1, where=mask)
    np.exp(x, out=o2, where=mask)
    same(o1[~mask], o2[~mask])
    same(o1[mask], F.gelu(x)[mask])
    # dtype=: the float64 loop on float32 input
    same(U.gelu(x, dtype=np.float64), F.gelu(x.astype(np.float64)))
    same(U.leaky_relu_backward(x, x, 0.2, dtype=np.float64),
         F.leaky_relu_backward(x.astype(np.float64), x.astype(np.float64), 0.2))
    # casting=: the same refusals and acceptances as np.exp
    x64 = x.astype(np.float64)
    for kwargs in ({"out": np.empty(50, np.float32)},
                   {"out": np.empty(50, np.float32), "casting": "same_kind"},
                   {"out": np.empty(50, np.float32), "casting": "safe"},
                   {"out": np.empty(50, np.int32)},
                   {"out": np.empty(50, np.int32), "casting": "unsafe"},
                   {"dtype": np.float32, "casting": "safe"},
                   {"dtype": np.float32, "casting": "same_kind"}):
        expected = _outcome(np.exp, x64, kwargs)
        got = _outcome(U.gelu, x64, kwargs)
        assert type(got) is type(expected), (kwargs, got, expected)
    same(U.gelu(x64, out=np.empty(50, np.float32)), F.gelu(x64).astype(np.float32))
    with pytest.raises(TypeError):  # complex has no loop
        U.gelu(np.ones(3, np.complex128))


def _outcome(ufunc, x, kwargs):
    try:
        kw = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
        with np.errstate(all="ignore"):
            return ufunc(x, **kw).dtype
    except TypeError as e:
        return e


def test_broadcasting_and_parameter_arrays_shape():
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    slopes = np.array([0.0, 0.1, 0.2, 0.3])
    y = U.leaky_relu(x, slopes)
    assert y.shape == (3, 4)
    for j in range(4):
        same(y[:, j], F.leaky_relu(np.ascontiguousarray(x[:, j]), slopes[j]))
    assert U.leaky_relu(x[:, :1], slopes).shape == (3, 4)


def test_no_floating_point_warnings():
    """The kernels' internal flags never reach NumPy's errstate (the functions never warn)."""
    x = np.array([np.nan, np.inf, -np.inf, 1e38, -1e38, 1e-45, 0.0, -0.0], np.float32)
    with np.errstate(all="raise"):
        for name in U.__all__:
            u = getattr(U, name)
            u(*([x] * (2 if "backward" in name else 1)), *[1.0] * (u.nin - (2 if "backward" in name else 1)))


def test_a_cast_overflow_still_warns_as_numpy():
    """Flags raised around the loops (NumPy's own casts) are still reported."""
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        U.relu(np.array([1e300]), dtype=np.float16, casting="unsafe")


# ---- accuracy mode ---------------------------------------------------------------------------------

def _needs_fast_kernels(x):
    """Skip where fast mode runs the accurate loops (ISA levels without FMA, as baseline)."""
    with F.accuracy("fast"):
        fast = F.gelu(x)
    if np.array_equal(fast, F.gelu(x)):
        pytest.skip(f"fast mode runs the accurate kernels at ISA level {F._dispatch.ISA}")


def test_accuracy_mode_reaches_the_ufuncs(rng):
    x = rng.uniform(-5, 5, 20000).astype(np.float32)
    _needs_fast_kernels(x)
    accurate, fast = F.gelu(x), None
    with F.accuracy("fast"):
        fast = F.gelu(x)
        same(U.gelu(x), fast)
        same(U.gelu(x[::2]), fast[::2])  # the gathered path too
        same(U.gelu(x.astype(np.float16)), F.gelu(x.astype(np.float16)))
    assert not np.array_equal(fast, accurate)  # else this test proves nothing
    same(U.gelu(x), accurate)
    previous = F.set_accuracy("fast")
    try:
        same(U.gelu(x), fast)
        with F.accuracy("accurate"):
            same(U.gelu(x), accurate)
    finally:
        F.set_accuracy(previous)
    same(U.gelu(x), accurate)


def test_process_mode_without_blocks(rng):
    """ACTLOSS_ACCURACY and set_accuracy() alone (no accuracy() block ever entered: the loops
    read the mirrored process mode, not the context variable)."""
    _needs_fast_kernels(rng.uniform(-5, 5, 20000).astype(np.float32))
    script = """
import numpy as np, actloss as F, actloss._accuracy as A
x = np.random.default_rng(0).uniform(-5, 5, 20000).astype(np.float32)
fast = F.gelu(x)
assert not A._blocks_seen and F.get_accuracy() == "fast"
assert np.array_equal(F.ufuncs.gelu(x), fast)
F.set_accuracy("accurate")
accurate = F.gelu(x)
assert not np.array_equal(accurate, fast)
assert np.array_equal(F.ufuncs.gelu(x), accurate)
F.set_accuracy("fast")
assert np.array_equal(F.ufuncs.gelu(x), fast) and not A._blocks_seen
print("ok")
"""
    env = dict(os.environ, ACTLOSS_ACCURACY="fast",
               PYTHONPATH=os.pathsep.join([os.path.dirname(os.path.dirname(F.__file__))]
                                          + os.environ.get("PYTHONPATH", "").split(os.pathsep)))
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0 and "ok" in run.stdout, run.stderr[-2000:]


def test_accuracy_block_is_per_thread(rng):
    x = rng.uniform(-5, 5, 20000).astype(np.float32)
    _needs_fast_kernels(x)
    accurate = F.gelu(x)
    seen = []
    with F.accuracy("fast"):
        t = threading.Thread(target=lambda: seen.append(U.gelu(x)))
        t.start()
        t.join()
        assert not np.array_equal(U.gelu(x), accurate)
    same(seen[0], accurate)  # a new thread starts without the block


# ---- other array types, through the functions ----------------------------------------------------

def test_masked_arrays_keep_their_mask():
    x = np.ma.masked_array([-2.0, -0.5, 0.0, 1.5, np.nan, 4.0],
                           mask=[0, 1, 0, 0, 0, 1], fill_value=-9.0)
    y = F.gelu(x)
    assert isinstance(y, np.ma.MaskedArray)
    np.testing.assert_array_equal(y.mask, x.mask)
    same(y.data[~x.mask], F.gelu(x.data[~x.mask]))
    same(y.data[x.mask], x.data[x.mask])  # masked elements: not computed, the input's data
    assert y.fill_value == -9.0
    assert x.data[1] == -0.5  # input unchanged
    # float32 keeps float32, integers give float64 as the function's rule
    assert F.relu(x.astype(np.float32)).dtype == np.float32
    xi = np.ma.masked_array([1, -2, 3], mask=[0, 1, 0])
    yi = F.silu(xi)
    assert yi.dtype == np.float64 and yi.data[1] == -2.0
    np.testing.assert_array_equal(yi.mask, xi.mask)
    # parameters, and a gradient: the masks or-ed, the grad_output's data where masked
    gy = np.ma.masked_array(np.ones(6) * 3.0, mask=[1, 0, 0, 0, 0, 0])
    g = F.leaky_relu_backward(gy, x, 0.25)
    np.testing.assert_array_equal(g.mask, x.mask | gy.mask)
    keep = ~(x.mask | gy.mask)
    same(g.data[keep], F.leaky_relu_backward(gy.data[keep], x.data[keep], 0.25))
    same(g.data[~keep], gy.data[~keep])
    # inplace: the unmasked elements only
    z = x.copy()
    assert F.relu(z, inplace=True) is z
    same(z.data, np.where(x.mask, x.data, F.relu(x.data)))
    np.testing.assert_array_equal(z.mask, x.mask)
    # out=
    o = np.ma.masked_array(np.zeros(6))
    assert F.tanh(x, out=o) is o
    np.testing.assert_array_equal(o.mask, x.mask)
    same(o.data, np.where(x.mask, x.data, F.tanh(x.data)))
    # 0-d: the masked constant, or a scalar
    assert F.gelu(np.ma.masked_array(1.0, mask=True)) is np.ma.masked
    same(F.gelu(np.ma.masked_array(1.0, mask=False)), F.gelu(1.0))
    with pytest.raises(ValueError, match="grad_output has shape"):
        F.relu_backward(np.ma.ones(3), np.ma.ones(4))


def test_masked_arrays_still_refused_by_losses():
    x = np.ma.masked_array([1.0, 2.0], mask=[0, 1])
    with pytest.raises(TypeError, match="MaskedArray"):
        F.mse_loss(x, np.zeros(2))


def test_pandas_keeps_index_and_columns():
    pd = pytest.importorskip("pandas", exc_type=ImportError)
    s = pd.Series(np.array([-1.0, 0.5, 3.0], np.float32), index=["a", "b", "c"], name="v")
    y = F.gelu(s)
    assert isinstance(y, pd.Series) and list(y.index) == ["a", "b", "c"] and y.name == "v"
    same(y.to_numpy(), F.gelu(s.to_numpy()))
    y = F.leaky_relu(s, 0.3)
    same(y.to_numpy(), F.leaky_relu(s.to_numpy(), 0.3))
    g = F.silu_backward(pd.Series(np.ones(3, np.float32), index=s.index), s)
    assert isinstance(g, pd.Series)
    same(g.to_numpy(), F.silu_backward(np.ones(3, np.float32), s.to_numpy()))
    df = pd.DataFrame({"a": [-1.0, 2.0], "b": [0.5, -3.0]}, index=["u", "w"])
    for out in (F.elu(df), F.softplus(df, 2.0, 10.0), F.hardtanh(df, -0.5, 0.5)):
        assert isinstance(out, pd.DataFrame)
        assert list(out.index) == ["u", "w"] and list(out.columns) == ["a", "b"]
    same(F.softplus(df, 2.0, 10.0).to_numpy(), F.softplus(df.to_numpy(), 2.0, 10.0))
    # integer columns: float64, as the function on the integer array
    di = pd.DataFrame({"a": [1, -2], "b": [3, 4]})
    same(F.selu(di).to_numpy(), F.selu(di.to_numpy()))


def test_xarray_keeps_coords_dims_attrs():
    xr = pytest.importorskip("xarray", exc_type=ImportError)
    da = xr.DataArray(np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4),
                      dims=("time", "chan"), coords={"time": [10, 20, 30], "chan": list("abcd")},
                      attrs={"units": "V"}, name="sig")
    for y in (F.gelu(da, approximate="tanh"), F.celu(da, 0.5),
              F.sigmoid_backward(xr.ones_like(da), output=F.sigmoid(da))):
        assert isinstance(y, xr.DataArray)
        assert y.dims == da.dims and y.attrs == {"units": "V"}
        assert list(y.coords["chan"].values) == list("abcd")
    same(F.gelu(da, approximate="tanh").values, F.gelu(da.values, approximate="tanh"))
    same(F.celu(da, 0.5).values, F.celu(da.values, 0.5))


def test_dask_stays_lazy_and_computes_the_same():
    da = pytest.importorskip("dask.array", exc_type=ImportError)
    dask = pytest.importorskip("dask", exc_type=ImportError)
    x = np.random.default_rng(1).standard_normal((400, 300)).astype(np.float32)
    d = da.from_array(x, chunks=(100, 150))

    def refuse(*args, **kwargs):
        raise AssertionError("computed eagerly")

    with dask.config.set(scheduler=refuse):
        y = F.gelu(d)
        g = F.softplus_backward(da.ones_like(d), d, 2.0, 5.0)
        t = F.tanh_backward(da.ones_like(d), output=F.tanh(d))
        i = F.relu(da.arange(10, chunks=5))
    assert all(isinstance(v, da.Array) for v in (y, g, t, i))
    assert y.dtype == np.float32 and i.dtype == np.float64
    assert y.chunks == d.chunks
    same(y.compute(), F.gelu(x))
    same(g.compute(), F.softplus_backward(np.ones_like(x), x, 2.0, 5.0))
    same(t.compute(), F.tanh_backward(np.ones_like(x), output=F.tanh(x)))
    same(i.compute(), F.relu(np.arange(10)))
    with pytest.raises(TypeError, match="inplace=True needs a numpy.ndarray"):
        F.relu(d, inplace=True)


def test_plain_ndarrays_keep_the_function_path():
    """A plain ndarray never goes through the ufunc (nor imports a third-party library)."""
    x = np.linspace(-1, 1, 10)
    y = F.gelu(x)
    assert type(y) is np.ndarray
    with pytest.raises(ValueError, match="out has dtype"):
        F.gelu(x, out=np.empty(10, np.float32))  # the function's own out= rule, not NumPy's
