"""Every validation branch of the activations: the exception type and a fragment of the
message (DESIGN.md: wrong dtype -> TypeError; wrong shape / value -> ValueError naming the
argument; inputs never modified, the process never crashes)."""
import numpy as np
import pytest

import actloss as F

from opspec import SPECS

SPEC_IDS = [s.name for s in SPECS]


def fwd(spec, x, **kw):
    return getattr(F, spec.func)(x, **spec.fixed, **spec.params[0], **kw)


def bwd(spec, gy, x, **kw):
    return getattr(F, spec.func + "_backward")(gy, x, **spec.fixed, **spec.params[0], **kw)


BAD_INPUTS = {
    "complex": lambda: np.array([1 + 2j, 3j]),
    "complex64": lambda: np.ones(3, np.complex64),
    "object": lambda: np.array([1.0, "a"], dtype=object),
    "object-numbers": lambda: np.array([1.0, 2.0], dtype=object),
    "string": lambda: np.array(["1.0", "2.0"]),
    "bytes": lambda: np.array([b"1", b"2"]),
    "datetime": lambda: np.array(["2020-01-01"], dtype="datetime64[D]"),
    "list-of-str": lambda: ["a", "b"],
}


@pytest.mark.parametrize("kind", sorted(BAD_INPUTS))
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_non_real_input_is_type_error(spec, kind):
    x = BAD_INPUTS[kind]()
    with pytest.raises(TypeError, match="input"):
        fwd(spec, x)
    with pytest.raises(TypeError, match="input"):
        bwd(spec, np.ones(np.shape(x)), x)


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_non_real_grad_output_is_type_error(spec):
    with pytest.raises(TypeError, match="grad_output"):
        bwd(spec, np.ones(3, np.complex128), np.ones(3))
    with pytest.raises(TypeError, match="grad_output"):
        bwd(spec, np.array(["a", "b", "c"]), np.ones(3))


@pytest.mark.parametrize("kind", ["complex", "object", "string"])
def test_special_ops_reject_non_real(kind):
    x = BAD_INPUTS[kind]()
    with pytest.raises(TypeError, match="input"):
        F.prelu(x, np.array([0.25]))
    with pytest.raises(TypeError, match="weight"):
        F.prelu(np.ones(2), np.array([0.25j]))
    with pytest.raises(TypeError, match="input"):
        F.glu(x)
    with pytest.raises(TypeError, match="input"):
        F.rrelu(x, training=True, generator=0)
    with pytest.raises(TypeError, match="input"):
        F.prelu_backward(np.ones(2), x, np.array([0.25]))
    with pytest.raises(TypeError, match="input"):
        F.glu_backward(np.ones(1), x)


# ---- out= and inplace= ---------------------------------------------------------------------

@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_bad_out(spec):
    x = np.linspace(-2, 2, 12).reshape(3, 4)
    x0 = x.copy()
    with pytest.raises(ValueError, match=r"out has shape \(4, 3\), expected \(3, 4\)"):
        fwd(spec, x, out=np.empty((4, 3)))
    with pytest.raises(ValueError, match="out has shape"):
        fwd(spec, x, out=np.empty(12))
    with pytest.raises(ValueError, match="out has dtype float32, expected float64"):
        fwd(spec, x, out=np.empty((3, 4), np.float32))
    with pytest.raises(ValueError, match="dtype"):
        fwd(spec, x.astype(np.float32), out=np.empty((3, 4), np.float64))
    ro = np.empty((3, 4))
    ro.setflags(write=False)
    with pytest.raises(ValueError, match="out is read-only"):
        fwd(spec, x, out=ro)
    with pytest.raises(TypeError, match="out"):
        fwd(spec, x, out=[0.0] * 12)
    # backward's out= too
    with pytest.raises(ValueError, match="out has shape"):
        bwd(spec, np.ones_like(x), x, out=np.empty((4, 3)))
    with pytest.raises(ValueError, match="out is read-only"):
        bwd(spec, np.ones_like(x), x, out=ro)
    with pytest.raises(ValueError, match="dtype"):
        bwd(spec, np.ones_like(x), x, out=np.empty((3, 4), np.float32))
    # int input: the result is float64, so an int out is the wrong dtype
    with pytest.raises(ValueError, match="dtype"):
        fwd(spec, np.arange(12).reshape(3, 4), out=np.empty((3, 4), np.int64))
    assert np.array_equal(x, x0)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.inplace], ids=lambda s: s.name)
def test_bad_inplace(spec):
    xi = np.arange(-3, 3)
    with pytest.raises(ValueError, match="inplace"):
        fwd(spec, xi, inplace=True)
    assert np.array_equal(xi, np.arange(-3, 3))
    with pytest.raises(ValueError, match="inplace"):
        fwd(spec, np.array([True, False]), inplace=True)
    ro = np.ones(4)
    ro.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        fwd(spec, ro, inplace=True)
    x = np.ones(4)
    with pytest.raises(ValueError, match="not both"):
        fwd(spec, x, inplace=True, out=np.empty(4))


def test_rrelu_training_inplace_and_noise_checks():
    with pytest.raises(ValueError, match="inplace"):
        F.rrelu(np.arange(-3, 3), training=True, inplace=True, generator=0)
    with pytest.raises(ValueError, match="noise has shape"):
        F.rrelu(np.ones(4), training=True, noise=np.empty(5), generator=0)
    with pytest.raises(ValueError, match="noise has dtype"):
        F.rrelu(np.ones(4), training=True, noise=np.empty(4, np.float32), generator=0)
    with pytest.raises(TypeError, match="generator"):
        F.rrelu(np.ones(4), training=True, generator="seed")
    with pytest.raises(ValueError, match="out has shape"):
        F.rrelu(np.ones(4), training=True, out=np.empty(3), generator=0)


# ---- parameters ----------------------------------------------------------------------------

def test_gelu_approximate():
    x = np.ones(3)
    for bad in ("bogus", "Tanh", None, ""):
        with pytest.raises(ValueError, match="approximate"):
            F.gelu(x, approximate=bad)
        with pytest.raises(ValueError, match="approximate"):
            F.gelu_backward(x, x, approximate=bad)


def test_celu_alpha_zero():
    x = np.ones(3)
    with pytest.raises(ValueError, match="alpha"):
        F.celu(x, alpha=0.0)
    with pytest.raises(ValueError, match="alpha"):
        F.celu(x, 0)
    with pytest.raises(ValueError, match="alpha"):
        F.celu_backward(x, x, alpha=0.0)


def test_softshrink_negative_lambd():
    x = np.ones(3)
    for bad in (-0.5, -1e-300, float("nan")):
        with pytest.raises(ValueError, match="lambd"):
            F.softshrink(x, bad)
        with pytest.raises(ValueError, match="lambd"):
            F.softshrink_backward(x, x, lambd=bad)
    F.softshrink(x, 0.0)  # 0 is allowed


def test_hardtanh_min_above_max():
    x = np.ones(3)
    with pytest.raises(ValueError, match=r"min_val \(2.0\) cannot be greater than max_val \(1.0\)"):
        F.hardtanh(x, 2.0, 1.0)
    with pytest.raises(ValueError, match="min_val"):
        F.hardtanh_backward(x, x, min_val=1.5, max_val=-1.5)
    F.hardtanh(x, 0.5, 0.5)  # equal bounds are allowed, as in torch


def test_rrelu_lower_above_upper():
    x = np.ones(3)
    with pytest.raises(ValueError, match=r"lower \(0.5\) must be <= upper \(0.25\)"):
        F.rrelu(x, 0.5, 0.25)
    with pytest.raises(ValueError, match="lower"):
        F.rrelu(x, 0.5, 0.25, training=True, generator=0)
    with pytest.raises(ValueError, match="lower"):
        F.rrelu_backward(x, x, 0.5, 0.25)


NON_NUMERIC = ["0.1", None, [0.5], 1j, np.array([0.5, 0.6]), object()]


@pytest.mark.parametrize("bad", NON_NUMERIC, ids=["str", "None", "list", "complex", "array",
                                                  "object"])
def test_non_numeric_parameter_is_type_error(bad):
    x = np.ones(3)
    calls = {
        "negative_slope": [lambda: F.leaky_relu(x, bad),
                           lambda: F.leaky_relu_backward(x, x, negative_slope=bad)],
        "alpha": [lambda: F.elu(x, bad), lambda: F.celu(x, alpha=bad),
                  lambda: F.elu_backward(x, x, bad)],
        "beta": [lambda: F.softplus(x, beta=bad), lambda: F.softplus_backward(x, x, beta=bad)],
        "threshold": [lambda: F.softplus(x, threshold=bad), lambda: F.threshold(x, bad, 0.0),
                      lambda: F.threshold_backward(x, x, bad, 0.0)],
        "value": [lambda: F.threshold(x, 0.0, bad), lambda: F.threshold_backward(x, x, 0.0, bad)],
        "min_val": [lambda: F.hardtanh(x, min_val=bad)],
        "max_val": [lambda: F.hardtanh(x, max_val=bad)],
        "lambd": [lambda: F.hardshrink(x, bad), lambda: F.softshrink(x, bad),
                  lambda: F.hardshrink_backward(x, x, bad)],
        "lower": [lambda: F.rrelu(x, lower=bad)],
        "upper": [lambda: F.rrelu(x, upper=bad), lambda: F.rrelu_backward(x, x, upper=bad)],
    }
    for name, fns in calls.items():
        for fn in fns:
            with pytest.raises(TypeError, match=name):
                fn()


def test_numpy_scalar_parameters_are_accepted():
    x = np.linspace(-2, 2, 9)
    assert np.array_equal(F.leaky_relu(x, np.float32(0.25)), F.leaky_relu(x, 0.25))
    assert np.array_equal(F.elu(x, np.int64(2)), F.elu(x, 2.0))
    assert np.array_equal(F.hardtanh(x, np.array(-0.5), np.array(0.5)), F.hardtanh(x, -0.5, 0.5))


# ---- glu and prelu shapes ------------------------------------------------------------------

def test_glu_errors():
    with pytest.raises(ValueError, match=r"dimension 1.*even.*size 5"):
        F.glu(np.ones((4, 5)), dim=1)
    with pytest.raises(ValueError, match="even"):
        F.glu(np.ones(3))
    with pytest.raises(ValueError, match="0-d"):
        F.glu(np.array(1.0))
    for dim in (2, -3, 10):
        with pytest.raises(ValueError, match=f"dim={dim}"):
            F.glu(np.ones((4, 6)), dim=dim)
    with pytest.raises(TypeError, match="dim"):
        F.glu(np.ones((4, 6)), dim=1.0)
    with pytest.raises(ValueError, match="out has shape"):
        F.glu(np.ones((4, 6)), out=np.empty((4, 6)))
    with pytest.raises(ValueError, match="even"):
        F.glu_backward(np.ones((4, 2)), np.ones((4, 5)))
    with pytest.raises(ValueError, match="dim"):
        F.glu_backward(np.ones((4, 3)), np.ones((4, 6)), dim=5)


def test_prelu_errors():
    with pytest.raises(ValueError,
                       match=r"weight has 3 elements; expected 1 or input.shape\[1\] = 4"):
        F.prelu(np.ones((2, 4, 5)), np.ones(3))
    with pytest.raises(ValueError, match="weight"):
        F.prelu(np.ones(6), np.ones(6))  # 1-D input: one channel
    with pytest.raises(ValueError, match="weight must be a scalar or 1-D"):
        F.prelu(np.ones((2, 4)), np.ones((1, 4)))
    with pytest.raises(ValueError, match="weight"):
        F.prelu_backward(np.ones((2, 4)), np.ones((2, 4)), np.ones(3))
    with pytest.raises(ValueError, match="out has shape"):
        F.prelu(np.ones((2, 4)), np.ones(4), out=np.empty((4, 2)))


# ---- backward shapes -----------------------------------------------------------------------

@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_backward_grad_output_shape(spec):
    x = np.ones((3, 4))
    for gshape in [(4, 3), (12,), (3, 4, 1), (1, 4), ()]:
        with pytest.raises(ValueError, match=r"grad_output has shape"):
            bwd(spec, np.ones(gshape), x)


def test_special_backward_shapes():
    x = np.ones((3, 4))
    with pytest.raises(ValueError, match="grad_output"):
        F.prelu_backward(np.ones((4, 3)), x, np.ones(4))
    with pytest.raises(ValueError, match=r"grad_output has shape \(3, 4\), expected \(3, 2\)"):
        F.glu_backward(np.ones((3, 4)), x)
    with pytest.raises(ValueError, match="grad_output"):
        F.rrelu_backward(np.ones(5), x, training=True, noise=np.ones((3, 4)))
    with pytest.raises(ValueError, match="noise"):
        F.rrelu_backward(np.ones((3, 4)), x, training=True, noise=np.ones(12))
    with pytest.raises(ValueError, match="noise="):
        F.rrelu_backward(np.ones((3, 4)), x, training=True)
    for name in ("sigmoid", "tanh"):
        back = getattr(F, name + "_backward")
        with pytest.raises(ValueError, match="output"):
            back(np.ones(3))
        with pytest.raises(ValueError, match=r"grad_output has shape \(3,\), expected \(4,\)"):
            back(np.ones(3), output=np.ones(4))
        with pytest.raises(TypeError, match="output"):
            back(np.ones(2), output=np.array([1j, 2j]))


def test_inplace_needs_an_ndarray():
    """inplace=True on a list would write into a temporary: refused (torch raises too)."""
    with pytest.raises(TypeError, match="inplace=True needs a numpy.ndarray"):
        F.relu([1.0, -1.0], inplace=True)
    with pytest.raises(TypeError, match="inplace=True needs a numpy.ndarray"):
        F.rrelu([1.0, -1.0], training=True, inplace=True, generator=0)


@pytest.mark.parametrize("name", ["elu", "celu", "selu"])
def test_exponential_family_gradient_at_nan_is_torchs(name):
    """torch's elu_backward takes the x > 0 branch for NaN (x <= 0 is false): grad_output
    (times scale for selu)."""
    g = getattr(F, name + "_backward")(np.array([2.0]), np.array([np.nan]))
    scale = 1.0507009873554804934193349852946 if name == "selu" else 1.0
    assert g[0] == 2.0 * scale


def test_scalar_grad_output_applies_to_every_element_of_an_unreduced_loss():
    """reduction='none' with a scalar grad_output: the same rule in every loss family."""
    x, t = np.array([1.0, -2.0]), np.zeros(2)
    assert np.array_equal(F.mse_loss_backward(1.5, x, t, reduction="none"),
                          F.mse_loss_backward(np.full(2, 1.5), x, t, reduction="none"))
    a, b, y = np.ones((2, 3)), np.arange(6.0).reshape(2, 3), np.array([1.0, -1.0])
    for g_scalar, g_array in zip(
            F.cosine_embedding_loss_backward(0.5, a, b, y, reduction="none"),
            F.cosine_embedding_loss_backward(np.full(2, 0.5), a, b, y, reduction="none")):
        assert np.array_equal(g_scalar, g_array)
    logits, classes = np.arange(6.0).reshape(2, 3), np.array([0, 2])
    assert np.array_equal(F.cross_entropy_backward(2.0, logits, classes, reduction="none"),
                          F.cross_entropy_backward(np.full(2, 2.0), logits, classes,
                                                   reduction="none"))
    with pytest.raises(ValueError, match="grad_output has shape"):
        F.mse_loss_backward(np.ones(3), x, t, reduction="none")
