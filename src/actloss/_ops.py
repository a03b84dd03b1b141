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

# Float-lane float32 kernels (_kernels/al_mathf.h.tp): (op, kind) -> the C test on v (the input
# element, or the saved input/output of a backward) and the parameters p0, p1, p2 under which
# al_<op>_<kind>_f32l is valid, or None where it is valid everywhere (NaN included). A block of
# elements with any failing v runs the double-lane al_<op>_<kind>_f32 instead; ISAs without FMA
# always do (the exact pairs need a fused multiply-add). kind: fwd, bwd (from the input) or
# bwdo (from the output). glu's forward, a loop of its own, uses the same scheme.
_NORMAL_EXP = "al_absf(v) <= 87.0f"               # e^-|v| is a normal float
_SANE = "(al_absf((float)p0) >= 0x1p-60f && al_absf((float)p0) <= 0x1p60f)"
_NOT_TINY = "(al_absf(v) >= 0x1p-100f || v == 0.0f)"  # products with a constant's low part stay normal
F32_LANES = {
    ("sigmoid", "fwd"): _NORMAL_EXP,
    ("sigmoid", "bwd"): _NORMAL_EXP,
    ("sigmoid", "bwdo"): None,
    ("silu", "fwd"): "al_absf(v) <= 80.0f",  # sigmoid's remainder stays far from underflow
    ("silu", "bwd"): _NORMAL_EXP,
    ("gelu_tanh", "fwd"): None,
    ("gelu_tanh", "bwd"): None,
    ("tanh", "fwd"): None,
    ("tanh", "bwd"): None,
    ("tanh", "bwdo"): None,
    ("tanhshrink", "bwd"): None,
    ("elu", "fwd"): _NOT_TINY + " && " + _SANE,
    ("elu", "bwd"): "v >= -87.0f && " + _SANE,
    ("celu", "fwd"): _NOT_TINY + " && (v > 0.0f || (v * (float)(1.0 / p0) >= -87.0f && v * (float)(1.0 / p0) <= 0.0f)) && " + _SANE,
    ("celu", "bwd"): "(v > 0.0f || (v * (float)(1.0 / p0) >= -87.0f && v * (float)(1.0 / p0) <= 0.0f)) && " + _SANE,
    ("selu", "fwd"): _NOT_TINY,
    ("selu", "bwd"): "v >= -87.0f",
    ("softplus", "fwd"): "v * (float)p0 >= -80.0f && " + _SANE,  # t = e / (2 + e) stays normal
    ("softplus", "bwd"): "al_absf(v * (float)p0) <= 87.0f && " + _SANE,
    ("logsigmoid", "fwd"): "v <= 80.0f && v >= -0x1p100f",
    ("logsigmoid", "bwd"): _NORMAL_EXP,
    ("hardsigmoid", "fwd"): None,
    ("hardswish", "fwd"): None,
    ("hardswish", "bwd"): None,
}

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

# ---- Pointwise losses: the _pointwise_loss family --------------------------------------------
# Each row is one loss term l(x, t[, a]) -- x the input, t the target, a an optional third
# operand -- with its scalar forward al_<name>_fwd_<sfx>(x, t, a, p0, p1, p2, f) and derivative
# al_<name>_bwd_<sfx> (dl/dx) in _kernels/al_losses.h.tp, computed in double for both dtypes.
# The kernels loop, weight, reduce (in double, in fixed chunks) and thread around them; the
# public function `api` in pointwise_losses.py checks arguments and applies torch's shape and
# reduction rules. Fields:
#   params    Python names of the real parameters p0, p1, p2, in order
#   extra     the third operand: (Python name, required, value when absent) or None
#   weighted  an optional elementwise weight multiplies the term (and its gradient)
#   flags     boolean options: bit k of f is flags[k]; a loop is generated per combination
#             with f a constant, so the compiler drops the branches not taken
#   grad2     the term also has al_<name>_bwd2_<sfx>, the derivative with respect to its second
#             learned argument, which the backward loops write to ga: True, dl/da, written by
#             every backward loop; or the name of one of the row's flags, an optional gradient
#             (kl_div's dl/dt), written only by the loops generated with that flag set
#   rows      the term is averaged over the last dimension, one loss per row
#   fused     the term has al_<name>_fwdbwd_<sfx>: loss and dl/dx from one evaluation
#   cheap     no transcendental: the serial cut-off of cheap elementwise loops applies
PointwiseLoss = namedtuple("PointwiseLoss",
                           "name api params extra weighted flags grad2 rows fused cheap doc")

POINTWISE_LOSSES = (
    PointwiseLoss("mse", "mse_loss", (), None, True, (), False, False, False, True,
                  "(x - t)^2"),
    PointwiseLoss("l1", "l1_loss", (), None, True, (), False, False, False, True,
                  "|x - t|"),
    PointwiseLoss("smooth_l1", "smooth_l1_loss", ("beta",), None, False, ("tiny_beta",), False,
                  False, False, True,
                  "0.5 d^2 / beta if |d| < beta else |d| - 0.5 beta, d = x - t"),
    PointwiseLoss("huber", "huber_loss", ("delta",), None, True, (), False, False, False, True,
                  "0.5 d^2 if |d| < delta else delta (|d| - 0.5 delta), d = x - t"),
    PointwiseLoss("bce", "binary_cross_entropy", (), None, True, (), False, False, False, False,
                  "-(t max(log x, -100) + (1 - t) max(log(1 - x), -100))"),
    PointwiseLoss("bce_logits", "binary_cross_entropy_with_logits", (),
                  ("pos_weight", False, 1.0), True, (), False, False, True, False,
                  "(1 - t) softplus(x) + pos_weight t softplus(-x)"),
    PointwiseLoss("kl_div", "kl_div", (), None, False, ("log_target", "target_grad"),
                  "target_grad", False, False, False,
                  "xlogy(t, t) - t x; exp(t) (t - x) with log_target"),
    PointwiseLoss("gaussian_nll", "gaussian_nll_loss", ("eps",), ("var", True, None), False,
                  ("full",), True, False, False, False,
                  "0.5 (log v + (x - t)^2 / v) [+ 0.5 log(2 pi)], v = max(var, eps)"),
    PointwiseLoss("poisson_nll", "poisson_nll_loss", ("eps",), None, False,
                  ("log_input", "full"), False, False, False, False,
                  "exp(x) - t x (log_input) or x - t log(x + eps) [+ Stirling term where t > 1]"),
    PointwiseLoss("margin_ranking", "margin_ranking_loss", ("margin",), ("input2", True, None),
                  False, (), True, False, False, True, "max(0, -t (x1 - x2) + margin)"),
    PointwiseLoss("hinge_embedding", "hinge_embedding_loss", ("margin",), None, False, (), False,
                  False, False, True,
                  "(t != 1) max(0, margin - x) + (t != -1) x"),
    PointwiseLoss("soft_margin", "soft_margin_loss", (), None, False, (), False, False, False,
                  False, "log(1 + exp(-t x))"),
    PointwiseLoss("multilabel_soft_margin", "multilabel_soft_margin_loss", (), None, True, (),
                  False, True, False, False,
                  "mean over classes of -(t log sigmoid(x) + (1 - t) log sigmoid(-x))"),
    PointwiseLoss("sigmoid_focal", "sigmoid_focal_loss", ("alpha", "gamma"), None, False,
                  ("gamma_two",), False, False, False, False,
                  "alpha_t bce_with_logits(x, t) (1 - p_t)^gamma (torchvision)"),
)
