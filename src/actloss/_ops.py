"""The op table: the single place where an elementwise activation is registered.

Plain data, no imports from the package: ``setup.py`` loads this file by path and renders the
kernel templates from it, the Python API builds its functions from it, and the tests check
that every row has a public function, a kernel per dtype, a reference and a spec.

Each ``UnaryOp`` row names a scalar forward ``al_<name>_fwd_<sfx>`` and backward
``al_<name>_bwd_<sfx>`` in ``_kernels/al_math.h.tp``; both take the element and up to three
parameters ``p0, p1, p2`` (the row's ``params``, in order). ``exact`` rows are plain selects
and products that round once in the storage type, so their float32 kernels run in float32
lanes; the others compute float32 inputs in double and round once at the end (that is how
they stay within 1 ULP). ``saves_output`` rows also get ``al_<name>_bwdo_<sfx>``, the
gradient from the forward result, used by ``<name>_backward(..., output=y)``.
"""
from collections import namedtuple

UnaryOp = namedtuple("UnaryOp", "name params exact saves_output inplace doc")

# params: ((python name, default), ...) -- the order is the p0, p1, p2 of the C functions.
UNARY = (
    UnaryOp("relu", (), True, False, True, "max(x, 0), NaN propagating"),
    UnaryOp("relu6", (), True, False, True, "min(max(x, 0), 6)"),
    UnaryOp("leaky_relu", (("negative_slope", 0.01),), True, False, True,
            "x if x > 0 else negative_slope * x"),
    UnaryOp("elu", (("alpha", 1.0),), False, False, True, "x if x > 0 else alpha * (exp(x) - 1)"),
    UnaryOp("celu", (("alpha", 1.0),), False, False, True,
            "max(0, x) + min(0, alpha * (exp(x / alpha) - 1))"),
    UnaryOp("selu", (), False, False, True, "scale * (x if x > 0 else alpha * (exp(x) - 1))"),
    UnaryOp("gelu", (), False, False, False, "x * Phi(x), Phi the standard normal CDF"),
    UnaryOp("gelu_tanh", (), False, False, False,
            "0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))"),
    UnaryOp("silu", (), False, False, True, "x * sigmoid(x)"),
    UnaryOp("mish", (), False, False, True, "x * tanh(softplus(x))"),
    UnaryOp("softplus", (("beta", 1.0), ("threshold", 20.0)), False, False, False,
            "log(1 + exp(beta * x)) / beta, x where beta * x > threshold"),
    UnaryOp("softsign", (), False, False, False, "x / (1 + |x|)"),
    UnaryOp("sigmoid", (), False, True, False, "1 / (1 + exp(-x))"),
    UnaryOp("tanh", (), False, True, False, "tanh(x)"),
    UnaryOp("logsigmoid", (), False, False, False, "log(sigmoid(x))"),
    UnaryOp("hardtanh", (("min_val", -1.0), ("max_val", 1.0)), True, False, True,
            "min(max(x, min_val), max_val)"),
    UnaryOp("hardsigmoid", (), False, False, True, "min(max(x + 3, 0), 6) / 6"),
    UnaryOp("hardswish", (), False, False, True, "x * min(max(x + 3, 0), 6) / 6"),
    UnaryOp("hardshrink", (("lambd", 0.5),), True, False, False,
            "x if |x| > lambd else 0"),
    UnaryOp("softshrink", (("lambd", 0.5),), True, False, False,
            "x - lambd if x > lambd, x + lambd if x < -lambd, else 0"),
    UnaryOp("tanhshrink", (), False, False, False, "x - tanh(x)"),
    UnaryOp("threshold", (("threshold", None), ("value", None)), True, False, True,
            "x if x > threshold else value"),
)

# Activations whose loops are not one-in one-out; each has its own kernel in _elementwise.
SPECIAL = (
    "prelu",   # per-channel slope along dim 1; backward also reduces the weight gradient
    "rrelu",   # random slopes in training, written to a noise array the backward reuses
    "glu",     # first half times sigmoid of the second half along dim
)

# Dtypes the kernels are generated for: (suffix, C storage type, C working type, NumPy name).
DTYPES = (
    ("f32", "float", "double", "float32"),
    ("f64", "double", "double", "float64"),
)

# Instruction-set levels each kernel module is compiled for (x86-64); the best one the CPU
# supports is picked at import. Other architectures build only "baseline".
ISA_LEVELS = (
    ("baseline", ()),
    ("avx2", ("-mavx2", "-mfma")),
    ("avx512", ("-mavx512f", "-mavx512dq", "-mavx512vl", "-mavx512bw", "-mavx2", "-mfma",
                "-mprefer-vector-width=512")),
)

# Kernel families are the templates _kernels/<family>.pyx.tp (one per loop shape), each
# compiled once per ISA level; setup.py finds them, _dispatch loads them on first use.
