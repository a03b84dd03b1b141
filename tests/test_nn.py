"""actloss.nn: the module classes against the functional API (and against torch.nn where
torch is installed; those tests skip cleanly without it).

Every activation and loss class: forward equals the functional call, backward equals the
functional backward (bit for bit: the classes only route arguments), repr as torch's,
state_dict keys as torch's. PReLU and AdaptiveLogSoftmaxWithLoss are also checked against
torch's autograd with weights loaded from a torch module.
"""
import ast
import copy
import inspect
import warnings

import numpy as np
import pytest

import actloss as F
from actloss import _ops, nn

import opspec

# torch warns when it initialises the zero-size projections some configurations have
pytestmark = pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")

# ---- a class for every function ---------------------------------------------------------------

# the elementwise activations: nn builds each class from its row of the op table
ROWS = [row for row in _ops.UNARY if row.public]
ROW = {row.name: row for row in ROWS}
FUNCTION_TO_CLASS = {row.name: row.module for row in ROWS}
FUNCTION_TO_CLASS.update({
    "prelu": "PReLU", "rrelu": "RReLU", "glu": "GLU", "softmax": "Softmax",
    "log_softmax": "LogSoftmax", "softmin": "Softmin",
    "l1_loss": "L1Loss", "mse_loss": "MSELoss", "smooth_l1_loss": "SmoothL1Loss",
    "huber_loss": "HuberLoss", "nll_loss": "NLLLoss", "cross_entropy": "CrossEntropyLoss",
    "binary_cross_entropy": "BCELoss", "binary_cross_entropy_with_logits": "BCEWithLogitsLoss",
    "kl_div": "KLDivLoss", "gaussian_nll_loss": "GaussianNLLLoss",
    "poisson_nll_loss": "PoissonNLLLoss", "margin_ranking_loss": "MarginRankingLoss",
    "hinge_embedding_loss": "HingeEmbeddingLoss",
    "cosine_embedding_loss": "CosineEmbeddingLoss", "triplet_margin_loss": "TripletMarginLoss",
    "soft_margin_loss": "SoftMarginLoss",
    "multilabel_soft_margin_loss": "MultiLabelSoftMarginLoss",
    "multi_margin_loss": "MultiMarginLoss", "multilabel_margin_loss": "MultiLabelMarginLoss",
    "sigmoid_focal_loss": "SigmoidFocalLoss", "contrastive_loss": "ContrastiveLoss",
    "info_nce": "InfoNCELoss", "nt_xent": "InfoNCELoss", "swish": "SiLU",
    "hinge_loss": "HingeLoss", "squared_hinge_loss": "SquaredHingeLoss",
    "log_cosh_loss": "LogCoshLoss", "pinball_loss": "PinballLoss", "quantile_loss": "PinballLoss",
    "multiclass_hinge_loss": "MultiClassHingeLoss", "brier_score_loss": "BrierScoreLoss",
    "dice_loss": "DiceLoss", "tversky_loss": "TverskyLoss",
    "generalized_box_iou_loss": "GeneralizedBoxIoULoss",
    "distance_box_iou_loss": "DistanceBoxIoULoss", "complete_box_iou_loss": "CompleteBoxIoULoss",
    "sparsemax": "Sparsemax", "entmax15": "Entmax15", "entmax_bisect": "EntmaxBisect",
    "sparsemax_loss": "SparsemaxLoss", "entmax15_loss": "Entmax15Loss",
    "entmax_bisect_loss": "EntmaxBisectLoss", "gumbel_softmax": "GumbelSoftmax",
    "binary_focal_loss": "BinaryFocalLoss", "softmax_focal_loss": "SoftmaxFocalLoss",
    "poly1_cross_entropy": "Poly1CrossEntropyLoss", "poly_cross_entropy": "PolyCrossEntropyLoss",
    "linear_cross_entropy": "LinearCrossEntropyLoss",
    "pairwise_distance": "PairwiseDistance", "cosine_similarity": "CosineSimilarity",
    "triplet_margin_with_distance_loss": "TripletMarginWithDistanceLoss",
    "ctc_loss": "CTCLoss",
})
INFRASTRUCTURE = {"Module", "Parameter", "Linear", "Sequential", "ModuleList",
                  "AdaptiveLogSoftmaxWithLoss"}


NO_CLASS = {"logsumexp"}  # a reduction: torch.nn has no module for it either
NO_CLASS |= {"normalize", "pdist", "cdist"}  # torch.nn has none for these either


def _functions():
    """The activations and losses of actloss.__all__: every name with a ``_backward``."""
    names = set(F.__all__)
    return {name for name in names if f"{name}_backward" in names} - NO_CLASS


def test_every_function_has_a_class():
    functions = _functions()
    assert not functions - FUNCTION_TO_CLASS.keys(), "functions without a class in the table"
    assert not FUNCTION_TO_CLASS.keys() - functions, "table rows for functions that are gone"
    for fn, cls in FUNCTION_TO_CLASS.items():
        assert cls in nn.__all__, cls
        assert issubclass(getattr(nn, cls), nn.Module), cls
    # every backward in the namespace belongs to a function there
    assert all(n[:-len("_backward")] in functions | NO_CLASS
               for n in F.__all__ if n.endswith("_backward"))


def test_every_class_is_in_the_table_and_tested():
    classes = set(nn.__all__) - INFRASTRUCTURE
    assert classes == set(FUNCTION_TO_CLASS.values())
    tested = ({c[0] for c in ACTIVATION_CASES} | {c[0] for c in LOSS_CASES}
              | {"PReLU", "RReLU", "GumbelSoftmax",   # GumbelSoftmax: test_gumbel.py
                 "LinearCrossEntropyLoss"}  # test_linear_cross_entropy.py
              | {"PairwiseDistance", "CosineSimilarity"})  # test_distances.py
    assert tested == classes
    for name in nn.__all__:
        assert getattr(nn, name).__doc__, f"{name} has no docstring"


def test_every_loss_row_has_its_generated_class():
    """nn.py has one generated line per row of _ops.LOSS_MODULES; the class comes from it."""
    for row in _ops.LOSS_MODULES:
        cls = getattr(nn, row.name, None)
        assert cls is not None and cls._row is row, (
            f"nn.{row.name} is missing or not built from its row: rebuild, or run "
            "python src/actloss/_codegen.py")
        assert row.name in nn.__all__ and issubclass(cls, nn.Module)
        params = inspect.signature(cls).parameters
        assert [(p.name, p.default) for p in params.values()] == [
            (name, default) for name, default, _ in row.params if name != "*"]
        assert list(inspect.signature(cls.forward).parameters)[1:] == list(row.inputs)
        assert cls._fn is getattr(F, row.function)
        assert cls._grad is getattr(F, row.function + "_backward")
        assert (getattr(cls, "_fused", None) is not None) == row.fused
        m = cls()
        assert all(getattr(m, name) == default for name, default, _ in row.params
                   if name != "*"), row.name
        assert set(m.state_dict()) == set()   # array arguments default to None: no buffers
        with pytest.raises(TypeError, match="forward"):
            m(*([np.zeros(3)] * (len(row.inputs) + 1)))
    w = np.ones(4)
    assert set(nn.BCEWithLogitsLoss(weight=w, pos_weight=w).state_dict()) == {"weight",
                                                                             "pos_weight"}
    with pytest.raises(TypeError, match="log_target"):
        nn.KLDivLoss(log_target=1)
    with pytest.raises(TypeError, match="GaussianNLLLoss"):
        nn.GaussianNLLLoss(True)   # keyword-only, as torch's


def test_every_row_has_its_generated_class():
    """nn.py has one line per public row of _ops.UNARY; the class comes from the row."""
    for row in ROWS:
        line = f'{row.module} = _activation_class("{row.name}")'
        cls = getattr(nn, row.module, None)
        assert cls is not None, (f"nn.py lacks `{line}` for the row {row.name!r}: "
                                 "rebuild, or run python src/actloss/_codegen.py")
        assert cls._row is row, f"nn.{row.module} is not built from the row: `{line}`"
        assert row.module in nn.__all__, "nn.__all__ is stale: run python src/actloss/_codegen.py"
        assert (cls.__module__, cls.__name__, cls.__qualname__) == (
            "actloss.nn", row.module, row.module)
        assert cls.__init__.__qualname__ == f"{row.module}.__init__"
        params = inspect.signature(cls).parameters
        expected = ([p.name for p in row.params] + [o[0] for o in row.options]
                    + ["inplace"] * row.inplace)
        assert list(params) == expected, row.module
        for p in row.params:
            assert params[p.name].default == (
                inspect.Parameter.empty if p.default == _ops.REQUIRED else p.default)
        doc = inspect.getdoc(cls)
        assert doc.startswith(f"{row.name} (torch.nn.{row.module}).\n"), doc
        if expected:
            assert "\nParameters\n----------\n" in doc, row.module
            for name in expected:
                assert f"\n{name} : " in doc, (row.module, name)


def test_all_is_a_literal_list_of_the_public_classes():
    tree = ast.parse(inspect.getsource(nn))
    literal = [ast.literal_eval(node.value) for node in tree.body
               if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__"
                                                       for t in node.targets)]
    assert literal == [nn.__all__] and isinstance(nn.__all__, list)
    public = {name for name, obj in vars(nn).items() if isinstance(obj, type)
              and obj.__module__ == nn.__name__ and not name.startswith("_")}
    assert len(set(nn.__all__)) == len(nn.__all__), "duplicates in nn.__all__"
    assert set(nn.__all__) == public


# ---- helpers ----------------------------------------------------------------------------------

def _eq(actual, expected):
    """Exact equality of arrays/scalars/tuples of them, dtypes included."""
    if isinstance(expected, tuple):
        assert isinstance(actual, tuple) and len(actual) == len(expected)
        for a, e in zip(actual, expected):
            _eq(a, e)
        return
    assert np.asarray(actual).dtype == np.asarray(expected).dtype
    np.testing.assert_array_equal(actual, expected)


def _torch():
    return pytest.importorskip("torch")


def _tdtype(torch, dtype):
    return {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[
        np.dtype(dtype)]


SPECIALS = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 6.0, -3.0, 3.0, 0.1, 20.0, -20.0, 1e-30, -1e-30]


def _activation_input(rng, dtype, shape=(4, 6, 4), nonfinite=False):
    """Normal values plus the kinks of the activations (0, +-0.5, +-1, -3, 3, 6, ...), and
    NaN and +-inf on request (at the end, so that only the last rows of a softmax see them)."""
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    x.reshape(-1)[:len(SPECIALS)] = SPECIALS
    if nonfinite:
        x.reshape(-1)[-3:] = [np.nan, np.inf, -np.inf]
    return x


# ---- activations -----------------------------------------------------------------------------

def _row_cases(rows):
    """(class, constructor kwargs, function, its arguments after input) for each op-table row:
    its first opspec parameter set (the defaults, or values for the required parameters), then
    every other value of each option."""
    cases = []
    for row in rows:
        spec = opspec.BY_NAME.get(row.name)  # (test_ops_registry requires one)
        kwargs = dict(spec.params[0]) if spec else {}
        args = tuple(kwargs.get(p.name, p.default) for p in row.params)
        options = {option: default for option, default, _ in row.options}
        cases.append((row.module, kwargs, row.name, args + tuple(options.values())))
        for option, default, choices in row.options:
            for value, _ in choices:
                if value != default:
                    chosen = {**options, option: value}
                    cases.append((row.module, {**kwargs, option: value}, row.name,
                                  args + tuple(chosen.values())))
    return cases


# (class, constructor kwargs, function, its parameters after input, what backward reads):
# every row of the op table, then other parameters and the other activation classes
ACTIVATION_CASES = [
    case + ("output" if ROW[case[2]].saves_output else "input",) for case in _row_cases(ROWS)
] + [
    ("LeakyReLU", {"negative_slope": -0.3}, "leaky_relu", (-0.3,), "input"),
    ("ELU", {"alpha": 0.7}, "elu", (0.7,), "input"),
    ("CELU", {"alpha": 1.3}, "celu", (1.3,), "input"),
    ("Softplus", {"beta": 2.0, "threshold": 10.0}, "softplus", (2.0, 10.0), "input"),
    ("Hardtanh", {"min_val": -0.5, "max_val": 1.0}, "hardtanh", (-0.5, 1.0), "input"),
    ("Softshrink", {"lambd": 1.0}, "softshrink", (1.0,), "input"),
    ("Threshold", {"threshold": 0.1, "value": 20.0}, "threshold", (0.1, 20.0), "input"),
    ("GLU", {}, "glu", (-1,), "input"),
    ("GLU", {"dim": 1}, "glu", (1,), "input"),
    ("Softmax", {"dim": 1}, "softmax", (1,), "softmax"),
    ("LogSoftmax", {"dim": -1}, "log_softmax", (-1,), "softmax"),
    ("Softmin", {"dim": 0}, "softmin", (0,), "softmax"),
    ("Sparsemax", {"dim": 1}, "sparsemax", (1,), "softmax"),
    ("Sparsemax", {}, "sparsemax", (-1,), "softmax"),
    ("Entmax15", {"dim": 0}, "entmax15", (0,), "softmax"),
    ("EntmaxBisect", {"alpha": 1.7, "dim": 1, "n_iter": 40}, "entmax_bisect", (1.7, 1, 40),
     "map"),
    ("EntmaxBisect", {}, "entmax_bisect", (1.5, -1, 50), "map"),
]


def _expected_grad(fn, saved, gy, x, y, params):
    if saved == "output":
        return getattr(F, f"{fn}_backward")(gy, output=y)
    if saved == "softmax":
        return getattr(F, f"{fn}_backward")(gy, dim=params[0], output=y)
    if saved == "map":
        return getattr(F, f"{fn}_backward")(gy, None, *params, output=y)
    return getattr(F, f"{fn}_backward")(gy, x, *params)


@pytest.mark.parametrize("case", ACTIVATION_CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def test_activation_matches_functional(case, dtype, rng):
    cls, kwargs, fn, params, saved = case
    m = getattr(nn, cls)(**kwargs)
    x = _activation_input(rng, dtype, nonfinite=True)
    x0 = x.copy()
    y = m(x)
    expected = getattr(F, fn)(x0, *params)
    _eq(y, expected)
    gy = rng.standard_normal(y.shape).astype(dtype)
    _eq(m.backward(gy), _expected_grad(fn, saved, gy, x0, expected, params))
    _eq(x, x0)  # input untouched
    # a second backward with another gradient uses the same saved array
    _eq(m.backward(2 * gy), _expected_grad(fn, saved, 2 * gy, x0, expected, params))


def test_activation_default_grad_output_is_one(rng):
    x = rng.standard_normal(7)
    m = nn.SiLU()
    m(x)
    _eq(m.backward(), F.silu_backward(np.ones(7), x))


def test_softmax_implicit_dim_warns_and_backward_uses_it(rng):
    x = rng.standard_normal((3, 5))
    m = nn.Softmax()
    with pytest.warns(UserWarning, match="Implicit dimension"):
        y = m(x)
    _eq(y, F.softmax(x, 1))
    gy = rng.standard_normal((3, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # backward does not warn again
        _eq(m.backward(gy), F.softmax_backward(gy, dim=1, output=y))


@pytest.mark.parametrize("cls,fn", [("Softmax", "softmax"), ("LogSoftmax", "log_softmax"),
                                    ("Softmin", "softmin")])
def test_softmax_classes_take_temperature(cls, fn, dtype, rng):
    x = rng.standard_normal((4, 6)).astype(dtype)
    m = getattr(nn, cls)(1, temperature=0.4)
    y = m(x)
    _eq(y, getattr(F, fn)(x, 1, temperature=0.4))
    assert not np.array_equal(y, getattr(F, fn)(x, 1))
    gy = rng.standard_normal((4, 6)).astype(dtype)
    _eq(m.backward(gy), getattr(F, f"{fn}_backward")(gy, x, 1, temperature=0.4))
    _eq(m.backward(gy), getattr(F, f"{fn}_backward")(gy, dim=1, output=y, temperature=0.4))
    assert repr(m) == f"{cls}(dim=1, temperature=0.4)"
    with pytest.raises(ValueError, match="temperature"):
        getattr(nn, cls)(1, temperature=0.0)(x)
    with pytest.raises(TypeError):
        getattr(nn, cls)(1, 0.5)  # keyword-only, beyond torch


def test_backward_before_forward_raises():
    for m in (nn.ReLU(), nn.Softmax(1), nn.MSELoss(), nn.PReLU(), nn.RReLU(), nn.Sparsemax(),
              nn.EntmaxBisect(), nn.SparsemaxLoss(), nn.GumbelSoftmax(),
              nn.AdaptiveLogSoftmaxWithLoss(8, 20, [5])):
        with pytest.raises(RuntimeError, match="before forward"):
            m.backward()


def test_generated_constructor_checks():
    # torch.nn.Hardtanh refuses max_val <= min_val at construction; the function accepts equal
    # bounds (and refuses min_val > max_val when called)
    for bounds in [(1.0, 1.0), (2.0, 1.0)]:
        with pytest.raises(ValueError, match=r"max_val \(1.0\) must be greater than min_val"):
            nn.Hardtanh(*bounds)
    _eq(F.hardtanh(np.array([0.0, 2.0]), 1.0, 1.0), np.array([1.0, 1.0]))
    assert nn.Hardtanh(max_val=2.0).max_val == 2.0
    # argument binding as a Python signature, naming the class
    with pytest.raises(TypeError, match=r"Threshold.__init__\(\) missing .*'value'"):
        nn.Threshold(0.1)
    with pytest.raises(TypeError, match=r"GELU.__init__\(\) got an unexpected keyword"):
        nn.GELU(inplace=True)
    with pytest.raises(TypeError, match=r"Sigmoid.__init__\(\) too many positional"):
        nn.Sigmoid(True)
    m = nn.LeakyReLU(0.2, True)
    assert (m.negative_slope, m.inplace) == (0.2, True)


# (class, kwargs, function, params) with inplace=True; backward must still be exact: every row
# with inplace, then both sides of the conditions under which backward reads the output
INPLACE_CASES = _row_cases([row for row in ROWS if row.inplace]) + [
    ("LeakyReLU", {"negative_slope": 0.2}, "leaky_relu", (0.2,)),
    ("LeakyReLU", {"negative_slope": 0.0}, "leaky_relu", (0.0,)),
    ("LeakyReLU", {"negative_slope": -0.3}, "leaky_relu", (-0.3,)),  # keeps a copy
    ("Hardtanh", {"min_val": -0.5, "max_val": 1.0}, "hardtanh", (-0.5, 1.0)),
    ("Threshold", {"threshold": 0.1, "value": 20.0}, "threshold", (0.1, 20.0)),  # copy
    ("Threshold", {"threshold": 0.5, "value": -1.0}, "threshold", (0.5, -1.0)),  # output
    ("Threshold", {"threshold": 0.5, "value": 0.5}, "threshold", (0.5, 0.5)),  # output
    ("ELU", {"alpha": 0.7}, "elu", (0.7,)),
]


@pytest.mark.parametrize("case", INPLACE_CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def test_inplace_activation(case, dtype, rng):
    cls, kwargs, fn, params = case
    m = getattr(nn, cls)(**kwargs, inplace=True)
    x0 = _activation_input(rng, dtype, nonfinite=True)
    x = x0.copy()
    y = m(x)
    assert y is x
    _eq(x, getattr(F, fn)(x0, *params))
    gy = rng.standard_normal(x.shape).astype(dtype)
    _eq(m.backward(gy), getattr(F, f"{fn}_backward")(gy, x0, *params))
    # what was kept: the output itself where the row says it suffices, else a copy of the input
    row = ROW[fn]
    values = dict(zip([p.name for p in row.params], params))
    keeps_output = row.saves_output or row.nn_reads_output == "always" or (
        row.nn_reads_output != "never" and eval(row.nn_reads_output, {}, values))
    assert (m._ctx[0] is y) == keeps_output


# ---- PReLU ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("num_parameters", [1, 3])
def test_prelu_matches_functional(num_parameters, dtype, rng):
    m = nn.PReLU(num_parameters, init=0.3, dtype=dtype)
    assert isinstance(m.weight, nn.Parameter) and m.weight.shape == (num_parameters,)
    assert m.weight.dtype == dtype and m.weight.grad is None
    m.weight[...] = rng.uniform(-0.5, 0.5, num_parameters)
    x = _activation_input(rng, dtype, (4, 3, 5))
    y = m(x)
    _eq(y, F.prelu(x, np.asarray(m.weight)))
    gy = rng.standard_normal(x.shape).astype(dtype)
    gx = m.backward(gy)
    egx, egw = F.prelu_backward(gy, x, np.asarray(m.weight))
    _eq(gx, egx)
    _eq(m.weight.grad, egw)
    m.backward(gy)  # accumulates, as torch
    np.testing.assert_array_equal(m.weight.grad, egw + egw)
    m.zero_grad()
    assert m.weight.grad is None


@pytest.mark.parametrize("num_parameters", [1, 3])
def test_prelu_matches_torch(num_parameters, dtype, rng):
    torch = _torch()
    tm = torch.nn.PReLU(num_parameters, dtype=_tdtype(torch, dtype))
    with torch.no_grad():
        tm.weight.copy_(torch.tensor(rng.uniform(-0.5, 0.5, num_parameters)))
    m = nn.PReLU(num_parameters, dtype=dtype)
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    x = _activation_input(rng, dtype, (4, 3, 5))
    gy = rng.standard_normal(x.shape).astype(dtype)
    xt = torch.tensor(x, requires_grad=True)
    yt = tm(xt)
    yt.backward(torch.tensor(gy))
    y = m(x)
    gx = m.backward(gy)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=rtol)
    np.testing.assert_allclose(gx, xt.grad.numpy(), rtol=rtol)
    np.testing.assert_allclose(m.weight.grad, tm.weight.grad.numpy(), rtol=rtol, atol=rtol)
    assert m.weight.grad.dtype == dtype


# ---- RReLU ---------------------------------------------------------------------------------------

def test_rrelu_training_is_seeded_and_backward_uses_the_slopes(dtype, rng):
    x = _activation_input(rng, dtype, (5, 8))
    m1, m2 = nn.RReLU(generator=7), nn.RReLU(generator=7)
    assert m1.training
    y1, y2 = m1(x), m2(x)
    _eq(y1, y2)
    noise = np.empty_like(x)
    _eq(y1, F.rrelu(x, training=True, generator=np.random.default_rng(7), noise=noise))
    neg = x < 0
    slopes = y1[neg] / x[neg]
    assert np.all((slopes >= 1 / 8 - 1e-6) & (slopes <= 1 / 3 + 1e-6))
    assert len(np.unique(slopes)) > 1
    _eq(y1[~neg], x[~neg])
    gy = rng.standard_normal(x.shape).astype(dtype)
    _eq(m1.backward(gy), F.rrelu_backward(gy, x, training=True, noise=noise))
    # the module keeps its generator: the next call draws new slopes
    assert not np.array_equal(m1(x), y1)


def test_rrelu_eval_is_leaky_relu_with_the_mean_slope(dtype, rng):
    x = _activation_input(rng, dtype, (5, 8))
    m = nn.RReLU(0.1, 0.3).eval()
    assert not m.training
    _eq(m(x), F.leaky_relu(x, 0.2))
    gy = rng.standard_normal(x.shape).astype(dtype)
    _eq(m.backward(gy), F.rrelu_backward(gy, x, 0.1, 0.3, False))
    m.train()
    assert m.training


def test_rrelu_eval_matches_torch(rng):
    torch = _torch()
    x = _activation_input(rng, np.float64, (5, 8))
    tm = torch.nn.RReLU(0.1, 0.3).eval()
    np.testing.assert_allclose(nn.RReLU(0.1, 0.3).eval()(x), tm(torch.tensor(x)).numpy(),
                               rtol=1e-15)


@pytest.mark.parametrize("lower,upper", [(1 / 8, 1 / 3), (-0.2, 0.3)])
@pytest.mark.parametrize("training", [True, False])
def test_rrelu_inplace(lower, upper, training, dtype, rng):
    x0 = _activation_input(rng, dtype, (5, 8))
    x = x0.copy()
    m = nn.RReLU(lower, upper, inplace=True, generator=3).train(training)
    y = m(x)
    assert y is x
    noise = np.empty_like(x0)
    expected = F.rrelu(x0, lower, upper, training, generator=np.random.default_rng(3),
                       noise=noise)
    _eq(y, expected)
    gy = rng.standard_normal(x.shape).astype(dtype)
    _eq(m.backward(gy), F.rrelu_backward(gy, x0, lower, upper, training,
                                         noise=noise if training else None))


def test_rrelu_generator_argument():
    g = np.random.default_rng(1)
    assert nn.RReLU(generator=g).generator is g
    with pytest.raises(TypeError, match="generator"):
        nn.RReLU(generator="seed")


# ---- losses --------------------------------------------------------------------------------------

N, C = 6, 5


def _w(dtype, rng):
    return rng.uniform(0.5, 2.0, C).astype(dtype)


def _reg(rng, dt):
    return rng.standard_normal((N, C)).astype(dt), rng.standard_normal((N, C)).astype(dt)


def _classes(rng, dt, log=False, kdim=False):
    x = rng.standard_normal((N, C, 3) if kdim else (N, C)).astype(dt)
    if log:
        x = F.log_softmax(x, 1)
    t = rng.integers(0, C, (N, 3) if kdim else N)
    t[1] = 2
    return x, t


def _probs(rng, dt):
    return (rng.standard_normal((N, C)).astype(dt),
            F.softmax(rng.standard_normal((N, C)), 1).astype(dt))


def _binary(rng, dt, probs=False):
    x = rng.uniform(0.02, 0.98, (N, C)) if probs else rng.standard_normal((N, C)) * 2
    return x.astype(dt), rng.uniform(0, 1, (N, C)).astype(dt)


def _boxes(rng, dt):
    """(N, 4) boxes (x1, y1, x2, y2) with positive sides, pairs that overlap or lie apart."""
    xy1, xy2 = rng.uniform(0, 10, (2, N, 2))
    wh1, wh2 = rng.uniform(0.5, 5, (2, N, 2))
    return (np.concatenate([xy1, xy1 + wh1], 1).astype(dt),
            np.concatenate([xy2, xy2 + wh2], 1).astype(dt))


def _kl(rng, dt, log_target=False):
    x = F.log_softmax(rng.standard_normal((N, C)), 1).astype(dt)
    t = F.softmax(rng.standard_normal((N, C)), 1)
    return x, (np.log(t) if log_target else t).astype(dt)


def _gauss(rng, dt):
    return (rng.standard_normal((N, C)).astype(dt), rng.standard_normal((N, C)).astype(dt),
            rng.uniform(1e-4, 2.0, (N, C)).astype(dt))


def _sign(rng, shape):
    return rng.choice([-1.0, 1.0], shape)


def _pairs(rng, dt):
    return (rng.standard_normal(N).astype(dt), rng.standard_normal(N).astype(dt),
            _sign(rng, N).astype(dt))


def _multilabel_margin_target(rng):
    t = np.full((N, C), -1, np.int64)
    for i in range(N):
        k = rng.integers(1, C)
        t[i, :k] = rng.permutation(C)[:k]
    return t


def _ctc(rng, dt):
    """log_probs (T=8, N, C), padded targets of labels 3.., input and target lengths (one
    input too short: an infinite loss)."""
    lp = F.log_softmax(rng.standard_normal((8, N, C + 2)), 2).astype(dt)
    targets = rng.integers(3, C + 2, (N, 3))
    return lp, targets, [8] * (N - 1) + [2], list(rng.integers(0, 4, N - 1)) + [3]


# (class, function, kwargs(rng, dt) -> constructor kwargs == the function's, args(rng, dt))
LOSS_CASES = [
    ("L1Loss", "l1_loss", lambda r, d: {}, _reg),
    ("L1Loss", "l1_loss", lambda r, d: {"reduction": "none"}, _reg),
    ("MSELoss", "mse_loss", lambda r, d: {"reduction": "sum"}, _reg),
    ("MSELoss", "mse_loss", lambda r, d: {"reduction": "none"}, _reg),
    ("SmoothL1Loss", "smooth_l1_loss", lambda r, d: {"beta": 0.5}, _reg),
    ("HuberLoss", "huber_loss", lambda r, d: {"delta": 0.7, "reduction": "none"}, _reg),
    ("NLLLoss", "nll_loss", lambda r, d: {"weight": _w(d, r), "ignore_index": 2},
     lambda r, d: _classes(r, d, log=True)),
    ("NLLLoss", "nll_loss", lambda r, d: {"reduction": "none"},
     lambda r, d: _classes(r, d, log=True, kdim=True)),
    ("CrossEntropyLoss", "cross_entropy",
     lambda r, d: {"weight": _w(d, r), "label_smoothing": 0.1}, _classes),
    ("CrossEntropyLoss", "cross_entropy",
     lambda r, d: {"reduction": "none", "ignore_index": 2}, _classes),
    ("CrossEntropyLoss", "cross_entropy", lambda r, d: {"reduction": "sum"},
     lambda r, d: _classes(r, d, kdim=True)),
    ("CrossEntropyLoss", "cross_entropy", lambda r, d: {"label_smoothing": 0.2}, _probs),
    ("BCELoss", "binary_cross_entropy", lambda r, d: {"weight": _w(d, r)},
     lambda r, d: _binary(r, d, probs=True)),
    ("BCELoss", "binary_cross_entropy", lambda r, d: {"reduction": "none"},
     lambda r, d: _binary(r, d, probs=True)),
    ("BCEWithLogitsLoss", "binary_cross_entropy_with_logits",
     lambda r, d: {"weight": _w(d, r), "pos_weight": _w(d, r)}, _binary),
    ("BCEWithLogitsLoss", "binary_cross_entropy_with_logits",
     lambda r, d: {"reduction": "none"}, _binary),
    ("KLDivLoss", "kl_div", lambda r, d: {"reduction": "batchmean"}, _kl),
    ("KLDivLoss", "kl_div", lambda r, d: {"reduction": "none", "log_target": True},
     lambda r, d: _kl(r, d, log_target=True)),
    ("GaussianNLLLoss", "gaussian_nll_loss", lambda r, d: {"full": True}, _gauss),
    ("GaussianNLLLoss", "gaussian_nll_loss", lambda r, d: {"reduction": "none", "eps": 1e-3},
     _gauss),
    ("PoissonNLLLoss", "poisson_nll_loss", lambda r, d: {},
     lambda r, d: (r.standard_normal((N, C)).astype(d), r.poisson(2.0, (N, C)).astype(d))),
    ("PoissonNLLLoss", "poisson_nll_loss",
     lambda r, d: {"log_input": False, "full": True, "reduction": "none"},
     lambda r, d: (r.uniform(0.1, 3, (N, C)).astype(d), r.poisson(2.0, (N, C)).astype(d))),
    ("MarginRankingLoss", "margin_ranking_loss", lambda r, d: {"margin": 0.2}, _pairs),
    ("MarginRankingLoss", "margin_ranking_loss", lambda r, d: {"reduction": "none"}, _pairs),
    ("HingeEmbeddingLoss", "hinge_embedding_loss", lambda r, d: {"margin": 0.5},
     lambda r, d: (r.standard_normal((N, C)).astype(d), _sign(r, (N, C)).astype(d))),
    ("CosineEmbeddingLoss", "cosine_embedding_loss", lambda r, d: {"margin": 0.1},
     lambda r, d: (r.standard_normal((N, C)).astype(d), r.standard_normal((N, C)).astype(d),
                   _sign(r, N))),
    ("CosineEmbeddingLoss", "cosine_embedding_loss", lambda r, d: {"reduction": "none"},
     lambda r, d: (r.standard_normal((N, C)).astype(d), r.standard_normal((N, C)).astype(d),
                   _sign(r, N))),
    ("TripletMarginLoss", "triplet_margin_loss",
     lambda r, d: {"margin": 0.5, "p": 1.0, "swap": True},
     lambda r, d: tuple(r.standard_normal((N, C)).astype(d) for _ in range(3))),
    ("TripletMarginLoss", "triplet_margin_loss", lambda r, d: {"reduction": "none"},
     lambda r, d: tuple(r.standard_normal((N, C)).astype(d) for _ in range(3))),
    ("SoftMarginLoss", "soft_margin_loss", lambda r, d: {},
     lambda r, d: (r.standard_normal((N, C)).astype(d), _sign(r, (N, C)).astype(d))),
    ("MultiLabelSoftMarginLoss", "multilabel_soft_margin_loss",
     lambda r, d: {"weight": _w(d, r)},
     lambda r, d: (r.standard_normal((N, C)).astype(d), r.integers(0, 2, (N, C)).astype(d))),
    ("MultiMarginLoss", "multi_margin_loss",
     lambda r, d: {"p": 2, "margin": 0.5, "weight": _w(d, r)}, _classes),
    ("MultiMarginLoss", "multi_margin_loss", lambda r, d: {"reduction": "none"}, _classes),
    ("MultiLabelMarginLoss", "multilabel_margin_loss", lambda r, d: {},
     lambda r, d: (r.standard_normal((N, C)).astype(d), _multilabel_margin_target(r))),
    ("SigmoidFocalLoss", "sigmoid_focal_loss", lambda r, d: {},
     lambda r, d: (r.standard_normal((N, C)).astype(d), r.integers(0, 2, (N, C)).astype(d))),
    ("SigmoidFocalLoss", "sigmoid_focal_loss",
     lambda r, d: {"alpha": 0.6, "gamma": 1.5, "reduction": "mean"},
     lambda r, d: (r.standard_normal((N, C)).astype(d), r.integers(0, 2, (N, C)).astype(d))),
    ("ContrastiveLoss", "contrastive_loss", lambda r, d: {"margin": 2.0, "p": 1},
     lambda r, d: (r.standard_normal((N, C)).astype(d), r.standard_normal((N, C)).astype(d),
                   r.integers(0, 2, N).astype(d))),
    ("InfoNCELoss", "info_nce", lambda r, d: {"temperature": 0.5, "symmetric": True},
     lambda r, d: (r.standard_normal((N, C)).astype(d), r.standard_normal((N, C)).astype(d))),
    ("InfoNCELoss", "nt_xent",
     lambda r, d: {"symmetric": True, "intra_view_negatives": True, "reduction": "none"},
     lambda r, d: (r.standard_normal((N, C)).astype(d), r.standard_normal((N, C)).astype(d))),
    ("HingeLoss", "hinge_loss", lambda r, d: {},
     lambda r, d: (r.standard_normal((N, C)).astype(d), _sign(r, (N, C)).astype(d))),
    ("SquaredHingeLoss", "squared_hinge_loss", lambda r, d: {"reduction": "none"},
     lambda r, d: (r.standard_normal((N, C)).astype(d), _sign(r, (N, C)).astype(d))),
    ("LogCoshLoss", "log_cosh_loss", lambda r, d: {"reduction": "sum"}, _reg),
    ("PinballLoss", "pinball_loss", lambda r, d: {"quantile": 0.9}, _reg),
    ("PinballLoss", "quantile_loss", lambda r, d: {"quantile": 0.1, "reduction": "none"}, _reg),
    ("MultiClassHingeLoss", "multiclass_hinge_loss", lambda r, d: {"squared": True}, _classes),
    ("MultiClassHingeLoss", "multiclass_hinge_loss", lambda r, d: {"reduction": "none"},
     _classes),
    ("BrierScoreLoss", "brier_score_loss", lambda r, d: {},
     lambda r, d: (r.uniform(0, 1, N).astype(d), r.integers(0, 2, N).astype(d))),
    ("BrierScoreLoss", "brier_score_loss", lambda r, d: {"reduction": "none"},
     lambda r, d: (F.softmax(r.standard_normal((N, C)), 1).astype(d), r.integers(0, C, N))),
    ("DiceLoss", "dice_loss", lambda r, d: {"activation": "sigmoid", "batch": True},
     lambda r, d: (r.standard_normal((N, C, 3)).astype(d),
                   r.integers(0, 2, (N, C, 3)).astype(d))),
    ("TverskyLoss", "tversky_loss",
     lambda r, d: {"alpha": 0.3, "beta": 0.7, "activation": "softmax", "reduction": "none"},
     lambda r, d: (r.standard_normal((N, C, 3)).astype(d),
                   r.integers(0, 2, (N, C, 3)).astype(d))),
    ("GeneralizedBoxIoULoss", "generalized_box_iou_loss", lambda r, d: {"reduction": "mean"},
     _boxes),
    ("DistanceBoxIoULoss", "distance_box_iou_loss", lambda r, d: {}, _boxes),
    ("CompleteBoxIoULoss", "complete_box_iou_loss", lambda r, d: {"reduction": "sum"}, _boxes),
    ("SparsemaxLoss", "sparsemax_loss", lambda r, d: {}, _classes),
    ("SparsemaxLoss", "sparsemax_loss", lambda r, d: {"reduction": "none", "ignore_index": 2},
     lambda r, d: _classes(r, d, kdim=True)),
    ("Entmax15Loss", "entmax15_loss", lambda r, d: {"reduction": "sum"}, _classes),
    ("EntmaxBisectLoss", "entmax_bisect_loss",
     lambda r, d: {"alpha": 1.3, "n_iter": 30, "ignore_index": 2}, _classes),
    ("BinaryFocalLoss", "binary_focal_loss", lambda r, d: {},
     lambda r, d: (r.standard_normal((N, C)).astype(d), r.uniform(0, 1, (N, C)).astype(d))),
    ("BinaryFocalLoss", "binary_focal_loss",
     lambda r, d: {"weight": _w(d, r), "alpha": 0.5, "gamma": 1.5, "reduction": "none"},
     _binary),
    ("SoftmaxFocalLoss", "softmax_focal_loss",
     lambda r, d: {"alpha": _w(d, r), "ignore_index": 2}, _classes),
    ("SoftmaxFocalLoss", "softmax_focal_loss",
     lambda r, d: {"gamma": 1.5, "label_smoothing": 0.1, "reduction": "none"},
     lambda r, d: _classes(r, d, kdim=True)),
    ("SoftmaxFocalLoss", "softmax_focal_loss", lambda r, d: {"reduction": "sum"}, _probs),
    ("Poly1CrossEntropyLoss", "poly1_cross_entropy", lambda r, d: {"epsilon": 1.0}, _classes),
    ("Poly1CrossEntropyLoss", "poly1_cross_entropy",
     lambda r, d: {"reduction": "none", "label_smoothing": 0.1}, _probs),
    ("PolyCrossEntropyLoss", "poly_cross_entropy",
     lambda r, d: {"epsilons": (2.0, -0.5, 0.25), "ignore_index": 1}, _classes),
    ("TripletMarginWithDistanceLoss", "triplet_margin_with_distance_loss", lambda r, d: {},
     lambda r, d: tuple(r.standard_normal((3, N, C)).astype(d))),
    ("TripletMarginWithDistanceLoss", "triplet_margin_with_distance_loss",
     lambda r, d: {"distance_function": "cosine", "margin": 0.5, "swap": True,
                   "reduction": "none"},
     lambda r, d: tuple(r.standard_normal((3, N, C)).astype(d))),
    ("CTCLoss", "ctc_loss", lambda r, d: {}, _ctc),
    ("CTCLoss", "ctc_loss", lambda r, d: {"blank": 2, "reduction": "none", "zero_infinity": True},
     _ctc),
]


@pytest.mark.parametrize("case", LOSS_CASES, ids=[f"{c[0]}-{i}" for i, c in
                                                  enumerate(LOSS_CASES)])
def test_loss_matches_functional(case, dtype, rng):
    cls, fn, make_kwargs, make_args = case
    kwargs = make_kwargs(rng, dtype)
    args = make_args(rng, dtype)
    saved = copy.deepcopy(args)
    m = getattr(nn, cls)(**kwargs)
    f, fb = getattr(F, fn), getattr(F, f"{fn}_backward")
    loss = m(*args)
    expected = f(*args, **kwargs)
    _eq(loss, expected)
    if kwargs.get("reduction", m.reduction) == "none":
        grads = [rng.standard_normal(np.shape(expected)), 0.5]
        expected_grads = [fb(grads[0], *args, **kwargs),
                          fb(np.full(np.shape(expected), 0.5), *args, **kwargs)]
    else:
        grads = [1.0, 0.37, 1.0]
        expected_grads = [fb(g, *args, **kwargs) for g in grads]
    for g, e in zip(grads, expected_grads):
        _eq(m.backward(g), e)
    # eval mode (no fused gradient) gives the same
    m.eval()
    _eq(m(*args), expected)
    _eq(m.backward(grads[0]), expected_grads[0])
    for a, b in zip(args, saved):
        _eq(a, b)  # inputs untouched


def test_loss_default_grad_output(rng):
    x, t = _reg(rng, np.float64)
    m = nn.MSELoss(reduction="none")
    m(x, t)
    _eq(m.backward(), F.mse_loss_backward(np.ones((N, C)), x, t, reduction="none"))
    x, t = _classes(rng, np.float32)
    m = nn.CrossEntropyLoss()
    m(x, t)
    _eq(m.backward(), F.cross_entropy_backward(1.0, x, t))


def test_cross_entropy_eager_gradient_is_the_fused_one(rng):
    x, t = _classes(rng, np.float32)
    m = nn.CrossEntropyLoss(label_smoothing=0.1)
    loss = m(x, t)
    eloss, egrad = F.cross_entropy_with_grad(x, t, label_smoothing=0.1)
    _eq(loss, eloss)
    g1 = m.backward()
    _eq(g1, egrad)
    g2 = m.backward()  # recomputed, not the array handed out before
    assert g2 is not g1
    _eq(g2, egrad)


def test_loss_reduction_is_checked():
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        nn.CrossEntropyLoss(reduction="batchmean")
    nn.KLDivLoss(reduction="batchmean")


def test_loss_signatures_follow_torch():
    torch = _torch()
    for name in set(FUNCTION_TO_CLASS.values()):
        if not hasattr(torch.nn, name) or name in ("PReLU", "RReLU"):
            continue
        theirs = [(p.name, p.default, p.kind) for p in
                  inspect.signature(getattr(torch.nn, name).__init__).parameters.values()
                  if p.name not in ("self", "size_average", "reduce", "device", "dtype",
                                    "args", "kwargs", "min_value", "max_value")]
        ours = [(p.name, p.default, p.kind) for p in
                inspect.signature(getattr(nn, name).__init__).parameters.values()
                if p.name not in ("self", "args", "kwargs", "temperature",   # beyond torch
                                  "chunk_size", "generator", "dtype")]
        assert ours == theirs, name
        fwd_t = [p for p in inspect.signature(getattr(torch.nn, name).forward).parameters]
        fwd_o = [p for p in inspect.signature(getattr(nn, name).forward).parameters]
        assert fwd_o == [p.rstrip("_") for p in fwd_t], name


# ---- repr ----------------------------------------------------------------------------------------

REPRS = [
    ("ReLU", (), {}, "ReLU()"),
    ("ReLU", (True,), {}, "ReLU(inplace=True)"),
    ("ReLU6", (), {"inplace": True}, "ReLU6(inplace=True)"),
    ("LeakyReLU", (), {}, "LeakyReLU(negative_slope=0.01)"),
    ("LeakyReLU", (0.2, True), {}, "LeakyReLU(negative_slope=0.2, inplace=True)"),
    ("PReLU", (3,), {}, "PReLU(num_parameters=3)"),
    ("RReLU", (0.1, 0.3, True), {}, "RReLU(lower=0.1, upper=0.3, inplace=True)"),
    ("RReLU", (), {}, "RReLU(lower=0.125, upper=0.3333333333333333)"),
    ("ELU", (), {}, "ELU(alpha=1.0)"),
    ("ELU", (), {"inplace": True}, "ELU(alpha=1.0, inplace=True)"),
    ("CELU", (0.5,), {}, "CELU(alpha=0.5)"),
    ("SELU", (True,), {}, "SELU(inplace=True)"),
    ("GELU", (), {}, "GELU(approximate='none')"),
    ("GELU", ("tanh",), {}, "GELU(approximate='tanh')"),
    ("SiLU", (), {}, "SiLU()"),
    ("Mish", (True,), {}, "Mish(inplace=True)"),
    ("Softplus", (), {}, "Softplus(beta=1.0, threshold=20.0)"),
    ("Softsign", (), {}, "Softsign()"),
    ("Sigmoid", (), {}, "Sigmoid()"),
    ("Tanh", (), {}, "Tanh()"),
    ("LogSigmoid", (), {}, "LogSigmoid()"),
    ("Hardtanh", (), {}, "Hardtanh(min_val=-1.0, max_val=1.0)"),
    ("Hardtanh", (-2.0, 2.0, True), {}, "Hardtanh(min_val=-2.0, max_val=2.0, inplace=True)"),
    ("Hardsigmoid", (True,), {}, "Hardsigmoid()"),
    ("Hardswish", (), {}, "Hardswish()"),
    ("Hardshrink", (), {}, "Hardshrink(0.5)"),
    ("Softshrink", (1,), {}, "Softshrink(1)"),
    ("Tanhshrink", (), {}, "Tanhshrink()"),
    ("Threshold", (0.1, 20), {}, "Threshold(threshold=0.1, value=20)"),
    ("Threshold", (0.1, 20.0, True), {}, "Threshold(threshold=0.1, value=20.0, inplace=True)"),
    ("GLU", (), {}, "GLU(dim=-1)"),
    ("Softmax", (1,), {}, "Softmax(dim=1)"),
    ("Softmax", (), {}, "Softmax(dim=None)"),
    ("LogSoftmax", (-1,), {}, "LogSoftmax(dim=-1)"),
    ("Softmin", (0,), {}, "Softmin(dim=0)"),
    ("Softmin", (0,), {"temperature": 1}, "Softmin(dim=0)"),
    ("Sparsemax", (), {}, "Sparsemax(dim=-1)"),
    ("Entmax15", (0,), {}, "Entmax15(dim=0)"),
    ("EntmaxBisect", (2.0,), {}, "EntmaxBisect(alpha=2.0, dim=-1, n_iter=50)"),
    ("GumbelSoftmax", (0.5, True), {}, "GumbelSoftmax(tau=0.5, hard=True, dim=-1)"),
] + [(name, (), {}, f"{name}()") for name in (
    "L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "NLLLoss", "CrossEntropyLoss", "BCELoss",
    "BCEWithLogitsLoss", "KLDivLoss", "GaussianNLLLoss", "PoissonNLLLoss", "MarginRankingLoss",
    "HingeEmbeddingLoss", "CosineEmbeddingLoss", "TripletMarginLoss", "SoftMarginLoss",
    "MultiLabelSoftMarginLoss", "MultiMarginLoss", "MultiLabelMarginLoss", "SigmoidFocalLoss",
    "ContrastiveLoss", "InfoNCELoss", "SparsemaxLoss", "Entmax15Loss", "EntmaxBisectLoss",
    "PairwiseDistance", "CosineSimilarity")] + [
    ("PairwiseDistance", (1.0, 1e-3, True), {}, "PairwiseDistance()"),
    ("TripletMarginWithDistanceLoss", (), {},
     "TripletMarginWithDistanceLoss(\n  (distance_function): PairwiseDistance()\n)"),
    ("CrossEntropyLoss", (), {"weight": np.ones(3), "label_smoothing": 0.1},
     "CrossEntropyLoss()"),
]


@pytest.mark.parametrize("name,args,kwargs,expected", REPRS,
                         ids=[f"{r[0]}-{i}" for i, r in enumerate(REPRS)])
def test_repr(name, args, kwargs, expected):
    assert repr(getattr(nn, name)(*args, **kwargs)) == expected


def test_repr_matches_torch():
    torch = _torch()
    for name, args, kwargs, _ in REPRS:
        if not hasattr(torch.nn, name):
            continue
        tkwargs = {k: (torch.tensor(v) if isinstance(v, np.ndarray) else v)
                   for k, v in kwargs.items() if k != "temperature"}  # beyond torch
        assert repr(getattr(nn, name)(*args, **kwargs)) == \
            repr(getattr(torch.nn, name)(*args, **tkwargs)), name
    for config in [(16, 100, [10, 50]), (16, 40, [10, 20, 30], 1.0), (8, 30, [5], 4.0, True)]:
        assert repr(nn.AdaptiveLogSoftmaxWithLoss(*config)) == \
            repr(torch.nn.AdaptiveLogSoftmaxWithLoss(*config))


def test_every_activation_repr_matches_torch():
    torch = _torch()
    for cls, kwargs, fn, _ in _row_cases(ROWS):
        for inplace in ({}, {"inplace": True}) if ROW[fn].inplace else ({},):
            assert repr(getattr(nn, cls)(**kwargs, **inplace)) == \
                repr(getattr(torch.nn, cls)(**kwargs, **inplace)), (cls, kwargs, inplace)


def test_modulelist_repr_compresses_repeats():
    m = nn.AdaptiveLogSoftmaxWithLoss(16, 40, [10, 20, 30], div_value=1.0)
    assert "(0-2): 3 x Sequential(" in repr(m)


# ---- state_dict ----------------------------------------------------------------------------------

def _state_cases():
    w = np.linspace(0.5, 2.0, 4)
    return [
        (lambda: nn.ReLU(), []),
        (lambda: nn.PReLU(3), ["weight"]),
        (lambda: nn.CrossEntropyLoss(), []),
        (lambda: nn.CrossEntropyLoss(weight=w.copy()), ["weight"]),
        (lambda: nn.NLLLoss(weight=w.copy()), ["weight"]),
        (lambda: nn.BCELoss(weight=w.copy()), ["weight"]),
        (lambda: nn.BCEWithLogitsLoss(weight=w.copy(), pos_weight=2 * w),
         ["weight", "pos_weight"]),
        (lambda: nn.BCEWithLogitsLoss(pos_weight=2 * w), ["pos_weight"]),
        (lambda: nn.MultiLabelSoftMarginLoss(weight=w.copy()), ["weight"]),
        (lambda: nn.MultiMarginLoss(weight=w.copy()), ["weight"]),
        (lambda: nn.AdaptiveLogSoftmaxWithLoss(8, 30, [4, 12], head_bias=True, generator=0),
         ["head.weight", "head.bias", "tail.0.0.weight", "tail.0.1.weight", "tail.1.0.weight",
          "tail.1.1.weight"]),
    ]


@pytest.mark.parametrize("i", range(len(_state_cases())))
def test_state_dict_round_trip(i):
    make, keys = _state_cases()[i]
    m = make()
    sd = m.state_dict()
    assert list(sd) == keys
    for v in sd.values():
        assert type(v) is np.ndarray
    snapshot = {k: v.copy() + 1 for k, v in sd.items()}
    m2 = make()
    result = m2.load_state_dict(snapshot)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for k, v in m2.state_dict().items():
        np.testing.assert_array_equal(v, snapshot[k])
        assert v.dtype == sd[k].dtype


def test_state_dict_keys_match_torch():
    torch = _torch()
    w = torch.linspace(0.5, 2.0, 4)
    pairs = [
        (nn.PReLU(3), torch.nn.PReLU(3)),
        (nn.CrossEntropyLoss(weight=w.numpy()), torch.nn.CrossEntropyLoss(weight=w)),
        (nn.NLLLoss(weight=w.numpy()), torch.nn.NLLLoss(weight=w)),
        (nn.BCELoss(weight=w.numpy()), torch.nn.BCELoss(weight=w)),
        (nn.BCEWithLogitsLoss(weight=w.numpy(), pos_weight=w.numpy()),
         torch.nn.BCEWithLogitsLoss(weight=w, pos_weight=w)),
        (nn.MultiMarginLoss(weight=w.numpy()), torch.nn.MultiMarginLoss(weight=w)),
        (nn.MultiLabelSoftMarginLoss(weight=w.numpy()),
         torch.nn.MultiLabelSoftMarginLoss(weight=w)),
        (nn.MSELoss(), torch.nn.MSELoss()),
        (nn.AdaptiveLogSoftmaxWithLoss(16, 100, [10, 50, 70], head_bias=True),
         torch.nn.AdaptiveLogSoftmaxWithLoss(16, 100, [10, 50, 70], head_bias=True)),
    ]
    for ours, theirs in pairs:
        sd_t = theirs.state_dict()
        assert list(ours.state_dict()) == list(sd_t)
        for k, v in ours.state_dict().items():
            assert v.shape == tuple(sd_t[k].shape), k
        # torch's arrays load directly
        ours.load_state_dict({k: v.numpy() for k, v in sd_t.items()})
        assert [k for k, _ in ours.named_parameters()] == [k for k, _ in
                                                           theirs.named_parameters()]


def test_state_dict_shares_memory_and_load_keeps_parameters():
    m = nn.PReLU(3)
    w = m.weight
    assert np.shares_memory(m.state_dict()["weight"], w)
    m.load_state_dict({"weight": np.array([1.0, 2.0, 3.0])})  # float64 into float32
    assert m.weight is w and w.dtype == np.float32
    np.testing.assert_array_equal(w, [1, 2, 3])


def test_load_state_dict_errors():
    m = nn.AdaptiveLogSoftmaxWithLoss(8, 30, [4, 12], generator=0)
    sd = {k: v.copy() for k, v in m.state_dict().items()}
    before = {k: v.copy() for k, v in sd.items()}
    missing = dict(sd)
    del missing["tail.1.1.weight"]
    with pytest.raises(ValueError, match='Missing key.*"tail.1.1.weight"'):
        m.load_state_dict(missing)
    with pytest.raises(ValueError, match='Unexpected key.*"head.bias"'):
        m.load_state_dict({**sd, "head.bias": np.zeros(6)})
    res = m.load_state_dict({**missing, "extra": 1}, strict=False)
    assert res.missing_keys == ["tail.1.1.weight"] and res.unexpected_keys == ["extra"]
    bad = {k: v + 1 for k, v in sd.items()}
    bad["head.weight"] = np.zeros((3, 8))
    with pytest.raises(ValueError, match="size mismatch for head.weight"):
        m.load_state_dict(bad, strict=False)
    for k, v in m.state_dict().items():  # nothing was written by the failed loads
        np.testing.assert_array_equal(v, before[k])
    # a None buffer is not in the state: its key is unexpected
    with pytest.raises(ValueError, match="Unexpected"):
        nn.CrossEntropyLoss().load_state_dict({"weight": np.ones(3)})


def test_parameter_assignment_and_module_basics():
    m = nn.PReLU(2)
    m.weight = np.array([0.1, 0.2])
    assert isinstance(m.weight, nn.Parameter)
    assert [p is m.weight for p in m.parameters()] == [True]
    a = nn.AdaptiveLogSoftmaxWithLoss(8, 30, [4, 12], head_bias=True)
    assert len(list(a.parameters())) == 6
    a.eval()
    assert not a.training and not a.head.training and not a.tail[1][0].training
    a.train()
    assert a.tail[1][0].training
    p = nn.Parameter([1.0, 2.0])
    assert p.grad is None and (p * 2).grad is None
    q = copy.deepcopy(a)
    np.testing.assert_array_equal(q.head.weight, a.head.weight)


def test_zero_grad_set_to_zero(rng):
    m = nn.PReLU(1)
    m(rng.standard_normal(5))
    m.backward(np.ones(5))
    m.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(m.weight.grad, [0.0])


def test_linear_and_sequential_match_torch(dtype, rng):
    torch = _torch()
    tm = torch.nn.Sequential(torch.nn.Linear(6, 4, dtype=_tdtype(torch, dtype)),
                             torch.nn.Tanh(),
                             torch.nn.Linear(4, 3, bias=False, dtype=_tdtype(torch, dtype)))
    m = nn.Sequential(nn.Linear(6, 4, dtype=dtype), nn.Tanh(),
                      nn.Linear(4, 3, bias=False, dtype=dtype))
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    assert repr(m) == repr(tm)
    x = rng.standard_normal((2, 5, 6)).astype(dtype)
    gy = rng.standard_normal((2, 5, 3)).astype(dtype)
    xt = torch.tensor(x, requires_grad=True)
    tm(xt).backward(torch.tensor(gy))
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(m(x), tm(torch.tensor(x)).detach().numpy(), rtol=rtol,
                               atol=rtol)
    np.testing.assert_allclose(m.backward(gy), xt.grad.numpy(), rtol=rtol, atol=rtol)
    for (k, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=rtol, atol=rtol, err_msg=k)


# ---- AdaptiveLogSoftmaxWithLoss ------------------------------------------------------------------

IN, NCLS, CUTOFFS = 16, 60, [6, 20, 40]


def _asm_batch(rng, dtype, n=48, high=NCLS):
    x = rng.standard_normal((n, IN)).astype(dtype)
    t = rng.integers(0, high, n)
    t[:4] = [0, CUTOFFS[0], CUTOFFS[1], NCLS - 1]  # every bucket, the edges
    return x, t


def _asm_pair(torch, dtype, head_bias, **kw):
    tm = torch.nn.AdaptiveLogSoftmaxWithLoss(IN, NCLS, CUTOFFS, head_bias=head_bias,
                                             dtype=_tdtype(torch, dtype), **kw)
    m = nn.AdaptiveLogSoftmaxWithLoss(IN, NCLS, CUTOFFS, head_bias=head_bias, dtype=dtype, **kw)
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    return m, tm


def _tol(dtype):
    return dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)


def _check_grads(m, tm, gx, xt, dtype):
    np.testing.assert_allclose(gx, xt.grad.numpy(), **_tol(dtype))
    assert gx.dtype == dtype
    named_t = dict(tm.named_parameters())
    for k, p in m.named_parameters():
        tg = named_t[k].grad
        if tg is None:
            assert p.grad is None, k
        else:
            assert p.grad.dtype == dtype
            np.testing.assert_allclose(p.grad, tg.numpy(), err_msg=k, **_tol(dtype))


@pytest.mark.parametrize("head_bias", [False, True])
def test_asm_matches_torch(head_bias, dtype, rng):
    torch = _torch()
    m, tm = _asm_pair(torch, dtype, head_bias, div_value=2.0)
    x, t = _asm_batch(rng, dtype)
    xt = torch.tensor(x, requires_grad=True)
    res_t = tm(xt, torch.tensor(t))
    (res_t.loss * 0.7).backward()
    res = m(x, t)
    assert type(res).__name__ == "_ASMoutput" and res._fields == ("output", "loss")
    np.testing.assert_allclose(res.output, res_t.output.detach().numpy(), **_tol(dtype))
    np.testing.assert_allclose(res.loss, res_t.loss.item(), **_tol(dtype))
    assert res.output.dtype == dtype and res.loss.dtype == dtype and np.ndim(res.loss) == 0
    gx = m.backward(0.7)
    _check_grads(m, tm, gx, xt, dtype)
    with torch.no_grad():
        lp_t = tm.log_prob(torch.tensor(x)).numpy()
        pred_t = tm.predict(torch.tensor(x)).numpy()
    lp = m.log_prob(x)
    assert lp.shape == (48, NCLS) and lp.dtype == dtype
    np.testing.assert_allclose(lp, lp_t, **_tol(dtype))
    np.testing.assert_allclose(np.logaddexp.reduce(lp.astype(np.float64), axis=1), 0,
                               atol=1e-5)
    np.testing.assert_array_equal(m.predict(x), pred_t)
    np.testing.assert_allclose(res.output, lp[np.arange(48), t], **_tol(dtype))


def test_asm_output_grad_and_accumulation(dtype, rng):
    torch = _torch()
    m, tm = _asm_pair(torch, dtype, True)
    x, t = _asm_batch(rng, dtype)
    r = rng.standard_normal(48).astype(dtype)
    xt = torch.tensor(x, requires_grad=True)
    for _ in range(2):  # grads accumulate over two forward/backward rounds, as torch's
        res_t = tm(xt, torch.tensor(t))
        (res_t.loss * 1.5 + (res_t.output * torch.tensor(r)).sum()).backward()
    for i in range(2):
        m(x, t)
        gx = m.backward(1.5, output_grad=r)
        gx_total = gx if i == 0 else gx_total + gx
    _check_grads(m, tm, gx_total, xt, dtype)


def test_asm_unbatched_input(dtype, rng):
    torch = _torch()
    m, tm = _asm_pair(torch, dtype, False)
    x, t = _asm_batch(rng, dtype)
    xt = torch.tensor(x[3], requires_grad=True)
    res_t = tm(xt, torch.tensor(t[3]))
    res_t.loss.backward()
    res = m(x[3], np.int64(t[3]))
    assert res.output.shape == () and isinstance(res.output, np.ndarray)
    np.testing.assert_allclose(res.output, res_t.output.item(), **_tol(dtype))
    np.testing.assert_allclose(res.loss, -res.output, **_tol(dtype))
    gx = m.backward()
    assert gx.shape == (IN,)
    _check_grads(m, tm, gx, xt, dtype)


def test_asm_unused_cluster_keeps_grad_none(rng):
    torch = _torch()
    m, tm = _asm_pair(torch, np.float64, False)
    x = rng.standard_normal((10, IN))
    t = rng.integers(0, CUTOFFS[1], 10)  # shortlist and cluster 0 only
    xt = torch.tensor(x, requires_grad=True)
    tm(xt, torch.tensor(t)).loss.backward()
    m(x, t)
    gx = m.backward()
    assert m.tail[1][0].weight.grad is None and m.tail[2][1].weight.grad is None
    _check_grads(m, tm, gx, xt, np.float64)


@pytest.mark.parametrize("where", ["shortlist", "clusters", "mixed"])
def test_asm_predict_branches(where, rng):
    torch = _torch()
    m, tm = _asm_pair(torch, np.float64, True)
    x, _ = _asm_batch(rng, np.float64)
    sd = m.state_dict()
    sd["head.weight"][:] = 0.1 * rng.standard_normal(sd["head.weight"].shape)
    sd["head.bias"][:] = 0
    if where == "shortlist":
        sd["head.bias"][2] = 50
    elif where == "clusters":
        sd["head.bias"][CUTOFFS[0]:] = 50
    else:  # the sign of feature 0 decides between shortlist class 1 and cluster 1
        sd["head.weight"][1, 0], sd["head.weight"][CUTOFFS[0] + 1, 0] = 50, -50
    with torch.no_grad():
        for k, p in tm.named_parameters():
            p.copy_(torch.tensor(sd[k]))
    pred = m.predict(x)
    assert pred.dtype == np.int64
    np.testing.assert_array_equal(pred, m.log_prob(x).argmax(axis=1))
    np.testing.assert_array_equal(pred, tm.predict(torch.tensor(x)).numpy())
    head_pred = (x @ sd["head.weight"].T + sd["head.bias"]).argmax(axis=1)
    outside = head_pred >= CUTOFFS[0]
    assert {"shortlist": not outside.any(), "clusters": outside.all(),
            "mixed": 0 < outside.sum() < len(x)}[where]


def test_asm_gradient_by_finite_differences(rng):
    m = nn.AdaptiveLogSoftmaxWithLoss(6, 20, [4, 10], head_bias=True, div_value=2.0,
                                      generator=1, dtype=np.float64)
    x = rng.standard_normal((7, 6))
    t = np.array([0, 3, 4, 9, 10, 19, 12])
    m(x, t)
    gx = m.backward()
    h = 1e-6
    num = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        num[idx] = (m(xp, t).loss - m(xm, t).loss) / (2 * h)
    np.testing.assert_allclose(gx, num, rtol=1e-6, atol=1e-8)


def test_asm_init(rng):
    m = nn.AdaptiveLogSoftmaxWithLoss(64, 1000, [100, 400], div_value=4.0, head_bias=True,
                                      generator=5)
    shapes = {k: v.shape for k, v in m.state_dict().items()}
    assert shapes == {"head.weight": (102, 64), "head.bias": (102,), "tail.0.0.weight": (16, 64),
                      "tail.0.1.weight": (300, 16), "tail.1.0.weight": (4, 64),
                      "tail.1.1.weight": (600, 4)}
    for k, v in m.state_dict().items():
        assert v.dtype == np.float32
        fan_in = 64 if k.startswith("head") or k.endswith("0.weight") else v.shape[1]
        bound = 1 / np.sqrt(fan_in)
        assert np.abs(v).max() <= bound and np.abs(v).max() > 0.9 * bound, k
    m2 = nn.AdaptiveLogSoftmaxWithLoss(64, 1000, [100, 400], div_value=4.0, head_bias=True,
                                       generator=5)
    for (k, a), b in zip(m.state_dict().items(), m2.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=k)
    m3 = nn.AdaptiveLogSoftmaxWithLoss(64, 1000, [100, 400], generator=np.random.default_rng(6),
                                       dtype=np.float64)
    assert m3.head.weight.dtype == np.float64 and m3.head.bias is None
    assert not np.array_equal(m3.head.weight.astype(np.float32), m.head.weight)
    m3.reset_parameters(5)  # the head weight is drawn first: the same numbers as m's
    np.testing.assert_array_equal(m3.head.weight.astype(np.float32), m.head.weight)
    # zero-size projection (in_features // div_value**2 == 0), as torch allows
    z = nn.AdaptiveLogSoftmaxWithLoss(3, 20, [5, 10])
    assert z.tail[1][0].weight.shape == (0, 3) and z.tail[1][1].weight.shape == (10, 0)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    res = z(x, np.array([0, 7, 12, 19]))
    assert np.all(np.isfinite(res.output))
    assert z.backward().shape == (4, 3)


def test_asm_init_shapes_match_torch():
    torch = _torch()
    for config in [(64, 1000, [100, 400], 4.0, True), (3, 20, [5, 10]), (10, 50, [1, 2, 3], 1.5)]:
        theirs = {k: tuple(v.shape) for k, v in
                  torch.nn.AdaptiveLogSoftmaxWithLoss(*config).state_dict().items()}
        ours = {k: v.shape for k, v in nn.AdaptiveLogSoftmaxWithLoss(*config).state_dict().items()}
        assert ours == theirs


@pytest.mark.parametrize("cutoffs", [[], [10, 5], [5, 5], [0, 5], [-1, 5], [5, 100], [5, 99.0 + 1],
                                     [2.5, 10]])
def test_asm_bad_cutoffs(cutoffs):
    with pytest.raises(ValueError, match="cutoffs should be a sequence"):
        nn.AdaptiveLogSoftmaxWithLoss(16, 100, cutoffs)


def test_asm_cutoffs_accept_integral_floats_and_last_class():
    m = nn.AdaptiveLogSoftmaxWithLoss(16, 100, [10.0, 99])
    assert m.cutoffs == [10, 99, 100] and all(type(c) is int for c in m.cutoffs)


def test_asm_forward_errors(rng):
    m = nn.AdaptiveLogSoftmaxWithLoss(IN, NCLS, CUTOFFS)
    x, t = _asm_batch(rng, np.float32)
    with pytest.raises(ValueError, match=r"Target values should be in \[0, 59\]"):
        m(x, np.where(t == 0, NCLS, t))
    with pytest.raises(ValueError, match="Target values"):
        m(x, np.where(t == 0, -1, t))
    with pytest.raises(ValueError, match="same size in the batch"):
        m(x[:-1], t)
    with pytest.raises(ValueError, match="1D target array expects 2D input"):
        m(x[None], t)
    with pytest.raises(ValueError, match="0D target array expects 1D input"):
        m(x, np.int64(3))
    with pytest.raises(ValueError, match="multi-target"):
        m(x, t[:, None])
    with pytest.raises(ValueError, match="in_features=16"):
        m(x[:, :5], t)
    with pytest.raises(TypeError, match="integer"):
        m(x, t.astype(np.float32))
    with pytest.raises(ValueError, match="in_features"):
        m.log_prob(x[0])
    m(x, t)
    with pytest.raises(ValueError, match="scalar"):
        m.backward(np.ones(3))
    m(x, t)
    with pytest.raises(ValueError, match="output_grad"):
        m.backward(output_grad=np.ones(3))
    m(x, t)
    m.backward()
    with pytest.raises(RuntimeError, match="second time"):
        m.backward()


def test_asm_empty_batch():
    m = nn.AdaptiveLogSoftmaxWithLoss(IN, NCLS, CUTOFFS)
    res = m(np.zeros((0, IN), np.float32), np.zeros(0, np.int64))
    assert res.output.shape == (0,) and np.isnan(res.loss)
    assert m.backward().shape == (0, IN)
