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

REQUIRED = "required"  # a Param default: the argument has none (threshold's threshold, value)

# A real parameter: its Python name, default (or REQUIRED) and check -- "real" (any real number,
# NaN refused), "nonzero" or "nonnegative" (besides real).
Param = namedtuple("Param", "name default check", defaults=("real",))

# One elementwise activation (or, with public=False, one kernel a public function reaches
# through an option). Besides the kernel fields above:
#   module       torch.nn's class name; actloss.nn generates the class from the row
#   formula      the forward, for the docstring's Notes (how it is computed, conventions)
#   derivative   the factor grad_output is multiplied by, for the backward's docstring
#   notes        where the result differs from torch's (special values), for the docstring
#   numpy        (forward, backward): the plain NumPy formula a user would write, in x, g (the
#                gradient's grad_output), y (the forward result, for saves_output rows) and
#                the parameter names -- the benchmark's NumPy peer and the self-check's
#                fallback reference (constants as Python floats: float32 stays float32)
#   checks       ((condition, message), ...): argument checks across parameters (Python
#                expressions in the parameter names; the message is an f-string)
#   options      ((name, default, ((value, kernel row), ...)), ...): a string option choosing
#                the kernel row (gelu's approximate)
#   nn_reads_output  when the nn class, run inplace, keeps the output for backward instead of
#                a copy of the input: "always", "never", or a condition in the parameters
#   nn_repr      the class's extra_repr as an f-string in self, or None: the parameters as
#                name=value, then inplace=True when set
#   example      the docstrings' Examples: (input values, float64, and the values of the
#                parameters without a default, in order); the other parameters keep their
#                defaults. _codegen.py prints the results by running the built package.
EXAMPLE_INPUT = (-2.0, 0.0, 1.5)
UnaryOp = namedtuple(
    "UnaryOp",
    "name params exact saves_output inplace doc module formula derivative notes numpy checks "
    "options nn_reads_output nn_repr public example",
    defaults=("", "", "", "", (None, None), (), (), "never", None, True, (EXAMPLE_INPUT, ())))

P = Param
UNARY = (
    UnaryOp("relu", (), True, False, True, "max(x, 0), NaN propagating", "ReLU",
            "relu(x) = x < 0 ? 0 : x. NaN stays NaN and relu(-0.0) is -0.0, as on torch's CPU.",
            "(input > 0); 0 at input == 0", "",
            ("np.maximum(x, 0)", "g * (x > 0)"), nn_reads_output="always"),
    UnaryOp("relu6", (), True, False, True, "min(max(x, 0), 6)", "ReLU6",
            "relu6(x) = hardtanh(x, 0, 6); NaN stays NaN.",
            "(0 < input < 6); 0 at both boundaries", "",
            ("np.clip(x, 0, 6)", "g * ((x > 0) & (x < 6))"), nn_reads_output="always"),
    UnaryOp("leaky_relu", (P("negative_slope", 0.01),), True, False, True,
            "x if x > 0 else negative_slope * x", "LeakyReLU",
            "leaky_relu(x) = x > 0 ? x : negative_slope * x.",
            "(input > 0 ? 1 : negative_slope); negative_slope at 0", "",
            ("np.where(x > 0, x, x * negative_slope)",
             "np.where(x > 0, g, g * negative_slope)"),
            nn_reads_output="negative_slope >= 0"),
    UnaryOp("elu", (P("alpha", 1.0),), False, False, True,
            "x if x > 0 else alpha * (exp(x) - 1)", "ELU",
            "elu(x) = x > 0 ? x : alpha * (exp(x) - 1), with expm1 for accuracy near 0.",
            "(input > 0 ? 1 : alpha * exp(input)); alpha at 0", "",
            ("np.where(x > 0, x, alpha * np.expm1(x))",
             "np.where(x > 0, g, g * alpha * np.exp(x))")),
    UnaryOp("celu", (P("alpha", 1.0, "nonzero"),), False, False, True,
            "max(0, x) + min(0, alpha * (exp(x / alpha) - 1))", "CELU",
            "celu(x) = max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).",
            "(input > 0 ? 1 : exp(input / alpha)); 1 at 0", "",
            ("np.where(x > 0, x, alpha * np.expm1(x / alpha))",
             "np.where(x > 0, g, g * np.exp(x / alpha))")),
    UnaryOp("selu", (), False, False, True, "scale * (x if x > 0 else alpha * (exp(x) - 1))",
            "SELU",
            "selu(x) = scale * (x > 0 ? x : alpha * (exp(x) - 1)), alpha = 1.6732632423543772, "
            "scale = 1.0507009873554805 (torch's constants).",
            "scale * (input > 0 ? 1 : alpha * exp(input))", "",
            ("1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x))",
             "g * 1.0507009873554805 * np.where(x > 0, 1, 1.6732632423543772 * np.exp(x))")),
    UnaryOp("gelu", (), False, False, False, "x * Phi(x), Phi the standard normal CDF", "GELU",
            "approximate='none': x * Phi(x) = 0.5 x erfc(-x / sqrt 2); approximate='tanh': "
            "0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), computed as x * sigmoid(2u) so it "
            "does not cancel for x < 0.",
            "(Phi(input) + input * phi(input)) (or the tanh form's derivative)",
            "gelu(-inf) is -0.0, the limit (torch returns NaN).",
            ("x * 0.5 * scipy.special.erfc(x * -0.7071067811865476)",
             "g * (0.5 * scipy.special.erfc(x * -0.7071067811865476) "
             "+ x * np.exp(-0.5 * x * x) * 0.3989422804014327)"),
            options=(("approximate", "none", (("none", "gelu"), ("tanh", "gelu_tanh"))),),
            nn_repr="approximate={self.approximate!r}"),
    UnaryOp("gelu_tanh", (), False, False, False,
            "0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))", "",
            numpy=("0.5 * x * (1 + np.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3)))",
                   "g * (0.5 * (1 + np.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3))) "
                   "+ 0.5 * x * (1 - np.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3)) ** 2)"
                   " * 0.7978845608028654 * (1 + 3 * 0.044715 * x * x))"),
            public=False),
    UnaryOp("silu", (), False, False, True, "x * sigmoid(x)", "SiLU", "silu(x) = x * sigmoid(x).",
            "s (1 + input (1 - s)), s = sigmoid(input)",
            "silu(-inf) is -0.0, the limit (torch: NaN).",
            ("x / (1 + np.exp(-x))",
             "g / (1 + np.exp(-x)) * (1 + x * (1 - 1 / (1 + np.exp(-x))))")),
    UnaryOp("mish", (), False, False, True, "x * tanh(softplus(x))", "Mish",
            "mish(x) = x * tanh(softplus(x)), in a form that neither overflows nor cancels.",
            "(t + input sigmoid(input) (1 - t^2)), t = tanh(softplus(input))",
            "mish(-inf) is -0.0, the limit (torch: NaN).",
            ("x * np.tanh(np.logaddexp(0, x))",
             "g * (np.tanh(np.logaddexp(0, x)) "
             "+ x / (1 + np.exp(-x)) * (1 - np.tanh(np.logaddexp(0, x)) ** 2))")),
    UnaryOp("softplus", (P("beta", 1.0), P("threshold", 20.0)), False, False, False,
            "log(1 + exp(beta * x)) / beta, x where beta * x > threshold", "Softplus",
            "softplus(x) = log(1 + exp(beta x)) / beta, computed as (max(z, 0) + "
            "log1p(exp(-|z|))) / beta, z = beta x; x itself where beta x > threshold.",
            "sigmoid(beta input) (1 where beta input > threshold)", "",
            ("np.where(beta * x > threshold, x, np.logaddexp(0, beta * x) / beta)",
             "np.where(beta * x > threshold, g, g / (1 + np.exp(-beta * x)))")),
    UnaryOp("softsign", (), False, False, False, "x / (1 + |x|)", "Softsign",
            "softsign(x) = x / (1 + |x|).", "1 / (1 + |input|)^2",
            "softsign(+-inf) is +-1, the limit (torch: NaN).",
            ("x / (1 + np.abs(x))", "g / (1 + np.abs(x)) ** 2")),
    UnaryOp("sigmoid", (), False, True, False, "1 / (1 + exp(-x))", "Sigmoid",
            "sigmoid(x) = 1 / (1 + exp(-x)), as exp(x) / (1 + exp(x)) for x < 0.",
            "s (1 - s), s = sigmoid(input); with ``output=`` (the forward result) "
            "``(1 - output) * output``, as torch computes it", "",
            ("1 / (1 + np.exp(-x))", "g * y * (1 - y)")),
    UnaryOp("tanh", (), False, True, False, "tanh(x)", "Tanh",
            "tanh(x), via expm1(2|x|) so it is accurate near 0 and saturates cleanly.",
            "(1 - tanh(input)^2); with ``output=`` (the forward result) ``1 - output^2``, as "
            "torch computes it", "",
            ("np.tanh(x)", "g * (1 - y * y)")),
    UnaryOp("logsigmoid", (), False, False, False, "log(sigmoid(x))", "LogSigmoid",
            "logsigmoid(x) = min(x, 0) - log1p(exp(-|x|)).", "sigmoid(-input)", "",
            ("-np.logaddexp(0, -x)", "g / (1 + np.exp(x))")),
    UnaryOp("hardtanh", (P("min_val", -1.0), P("max_val", 1.0)), True, False, True,
            "min(max(x, min_val), max_val)", "Hardtanh",
            "hardtanh(x) = min(max(x, min_val), max_val); NaN stays NaN.",
            "(min_val < input < max_val); 0 at both bounds", "",
            ("np.clip(x, min_val, max_val)", "g * ((x > min_val) & (x < max_val))"),
            checks=(("min_val <= max_val",
                     "min_val ({min_val}) cannot be greater than max_val ({max_val})"),),
            nn_reads_output="always"),
    UnaryOp("hardsigmoid", (), False, False, True, "min(max(x + 3, 0), 6) / 6", "Hardsigmoid",
            "hardsigmoid(x) = min(max(x + 3, 0), 6) / 6.", "(1/6 for -3 < input < 3, else 0)", "",
            ("np.clip(x / 6 + 0.5, 0, 1)", "np.where((x > -3) & (x < 3), g / 6, 0)"),
            nn_repr=""),
    UnaryOp("hardswish", (), False, False, True, "x * min(max(x + 3, 0), 6) / 6", "Hardswish",
            "hardswish(x) = x * min(max(x + 3, 0), 6) / 6.",
            "(0 up to -3, input/3 + 1/2 strictly inside, 1 from 3 on; torch >= 2.7)",
            "hardswish(-inf) is -0.0, the limit (torch: NaN).",
            ("x * np.clip(x + 3, 0, 6) / 6",
             "np.where(x <= -3, 0, np.where(x < 3, g * (x / 3 + 0.5), g))"),
            nn_repr=""),
    UnaryOp("hardshrink", (P("lambd", 0.5),), True, False, False, "x if |x| > lambd else 0",
            "Hardshrink", "hardshrink(x) = 0 for -lambd <= x <= lambd, else x.",
            "(|input| > lambd)", "",
            ("np.where(np.abs(x) > lambd, x, 0)", "g * (np.abs(x) > lambd)"),
            nn_repr="{self.lambd}"),
    UnaryOp("softshrink", (P("lambd", 0.5, "nonnegative"),), True, False, False,
            "x - lambd if x > lambd, x + lambd if x < -lambd, else 0", "Softshrink",
            "softshrink(x) = x - lambd above lambd, x + lambd below -lambd, else 0.",
            "(|input| > lambd)", "",
            ("np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0))",
             "g * (np.abs(x) > lambd)"),
            nn_repr="{self.lambd}"),
    UnaryOp("tanhshrink", (), False, False, False, "x - tanh(x)", "Tanhshrink",
            "tanhshrink(x) = x - tanh(x), by a continued fraction for |x| <= 4 so small inputs "
            "keep full relative accuracy.", "tanh(input)^2", "",
            ("x - np.tanh(x)", "g * np.tanh(x) ** 2")),
    UnaryOp("threshold", (P("threshold", REQUIRED), P("value", REQUIRED)), True, False, True,
            "x if x > threshold else value", "Threshold",
            "threshold(x) = x > threshold ? x : value; NaN stays NaN.",
            "(input > threshold); `value` does not enter the gradient", "",
            ("np.where(x > threshold, x, value)", "g * (x > threshold)"),
            nn_reads_output="value <= threshold", example=(EXAMPLE_INPUT, (0.5, -1.0))),
)
del P

# Float-lane float32 kernels (_kernels/al_mathf.h.tp): (op, kind) -> the C test on v (the input
# element, or the saved input/output of a backward) and the parameters p0, p1, p2 under which
# al_<op>_<kind>_f32l is valid, or None where it is valid everywhere (NaN included). A block of
# elements with any failing v runs the double-lane al_<op>_<kind>_f32 instead; ISAs without FMA
# always do (the exact pairs need a fused multiply-add). kind: fwd, bwd (from the input) or
# bwdo (from the output). glu's forward, a loop of its own, uses the same scheme.
_NORMAL_EXP = "al_absf(v) <= 87.0f"               # e^-|v| is a normal float
_NORMAL_EXP64 = "al_abs(v) <= 708.0"              # e^-|v| is a normal double
_SANE = "(al_absf((float)p0) >= 0x1p-60f && al_absf((float)p0) <= 0x1p60f)"
_NOT_TINY = "(al_absf(v) >= 0x1p-100f || v == 0.0f)"  # products with a constant's low part stay normal
# a derivative's exact pair keeps its low part normal: e^v >= 2^-101, alpha within 2^+-20
_PAIR_EXP = "v >= -70.0f"
_PAIR_ALPHA = "(al_absf((float)p0) >= 0x1p-20f && al_absf((float)p0) <= 0x1p20f)"
F32_LANES = {
    ("sigmoid", "fwd"): _NORMAL_EXP,
    ("sigmoid", "bwd"): _NORMAL_EXP,
    ("sigmoid", "bwdo"): None,
    ("silu", "fwd"): "al_absf(v) <= 80.0f",  # sigmoid's remainder stays far from underflow
    ("silu", "bwd"): "al_absf(v) <= 70.0f",
    ("gelu", "fwd"): "al_absf(v) <= 13.0f",
    ("gelu_tanh", "fwd"): None,
    ("gelu_tanh", "bwd"): "al_absf(v) <= 9.0f",  # the tail runs in double
    ("tanh", "fwd"): None,
    ("tanh", "bwd"): "al_absf(v) <= 43.0f",  # 4 e^-2|v| stays normal
    ("tanh", "bwdo"): None,
    ("tanhshrink", "bwd"): None,
    ("elu", "fwd"): _NOT_TINY + " && " + _SANE,
    ("elu", "bwd"): _PAIR_EXP + " && " + _PAIR_ALPHA,
    ("celu", "fwd"): _NOT_TINY + " && (v > 0.0f || (v * (float)(1.0 / p0) >= -87.0f && v * (float)(1.0 / p0) <= 0.0f)) && " + _SANE,
    ("celu", "bwd"): "(v > 0.0f || (v * (float)(1.0 / p0) >= -70.0f && v * (float)(1.0 / p0) <= 0.0f)) && " + _PAIR_ALPHA,
    ("selu", "fwd"): _NOT_TINY,
    ("selu", "bwd"): _PAIR_EXP,
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

# Instruction-set levels each kernel family's loops are compiled for (x86-64); the best one the
# CPU supports is picked at import. Other architectures build only "baseline".
ISA_LEVELS = (
    ("baseline", ()),
    ("avx2", ("-mavx2", "-mfma")),
    ("avx512", ("-mavx512f", "-mavx512dq", "-mavx512vl", "-mavx512bw", "-mavx2", "-mfma",
                "-mprefer-vector-width=512")),
)

# Kernel families are the templates _kernels/<family>.pyx.tp (one per loop shape): each is one
# extension module, its loops (_kernels/al_<family>_api.h) compiled once per ISA level and
# linked into it; setup.py finds them, _dispatch picks each family's ISA level at import.

# The row kernels of the _rowwise_loss family: al_<name>_<sfx> in _kernels/al_rowwise.h.tp, one
# table entry per name and dtype in al_rowwise_loss_api.h.
ROW_KERNELS = ("cosine_fwd", "cosine_bwd", "triplet_fwd", "triplet_bwd", "contrastive_fwd",
               "contrastive_bwd", "multi_margin_fwd", "multi_margin_bwd", "multilabel_fwd",
               "multilabel_bwd", "normalize_fwd", "normalize_bwd", "ce_fwd", "ce_cols", "ce_bwd",
               "class_hinge_fwd", "class_hinge_bwd", "brier_fwd", "brier_bwd", "box_fwd",
               "box_bwd", "seg_sums", "seg_bwd", "cdist_fwd", "pdist_fwd", "cdist_bwd",
               "pdist_bwd", "entmax_bisect", "sparse_map", "pairwise_fwd", "pairwise_bwd",
               "cosine_sim_fwd", "cosine_sim_bwd", "sparse_map_bwd", "fy_grad")

# Fast-mode kernels (actloss.accuracy("fast"): within 4 ULP wherever the result is a normal
# number; NaN, infinities and limits as in accurate mode): (op, kind, sfx) -> the C test on v
# under which al_<op>_<kind>_<sfx>fast (_kernels/al_mathf.h.tp for f32, al_math.h.tp for f64) is
# valid, or None.
# Blocks with a failing v, ISAs without FMA, and every (op, kind, dtype) not listed run the
# accurate loop, which is within the fast bound too. The elementwise kernels' `kind` argument
# is 3 + the accurate kind for the fast table.
FAST = {
    ("gelu", "fwd", "f32"): "al_absf(v) <= 13.0f",
    ("gelu", "bwd", "f32"): "al_absf(v) <= 13.0f",
    ("gelu_tanh", "fwd", "f32"): None,
    ("gelu_tanh", "bwd", "f32"): "v >= -9.98f",  # |2u| <= 87; not NaN
    ("sigmoid", "fwd", "f32"): _NORMAL_EXP,
    ("silu", "fwd", "f32"): _NORMAL_EXP,
    ("silu", "bwd", "f32"): _NORMAL_EXP,
    ("tanh", "fwd", "f32"): None,
    ("softplus", "bwd", "f32"): "al_absf(v * (float)p0) <= 87.0f && " + _SANE,
    ("logsigmoid", "bwd", "f32"): _NORMAL_EXP,
    ("tanhshrink", "fwd", "f32"): None,
    ("sigmoid", "bwdo", "f32"): None,
    ("tanh", "bwdo", "f32"): None,
    ("hardsigmoid", "fwd", "f32"): None,
    ("hardswish", "fwd", "f32"): None,
    ("hardswish", "bwd", "f32"): None,
    ("softsign", "fwd", "f32"): None,
    ("elu", "bwd", "f32"): _PAIR_EXP + " && " + _PAIR_ALPHA,
    ("celu", "bwd", "f32"): F32_LANES[("celu", "bwd")],
    ("selu", "bwd", "f32"): _PAIR_EXP,
    # float64 (al_math.h.tp)
    ("sigmoid", "fwd", "f64"): _NORMAL_EXP64,
    ("gelu_tanh", "fwd", "f64"): "al_abs(v) <= 20.0",
    ("gelu_tanh", "bwd", "f64"): "al_abs(v) <= 20.0",
    ("hardswish", "fwd", "f64"): None,
    ("silu", "fwd", "f64"): _NORMAL_EXP64,
    ("silu", "bwd", "f64"): _NORMAL_EXP64,
    ("logsigmoid", "fwd", "f64"): _NORMAL_EXP64,
    ("logsigmoid", "bwd", "f64"): _NORMAL_EXP64,
    ("softplus", "bwd", "f64"): "al_abs(v * p0) <= 708.0",
    ("softplus", "fwd", "f64"): "al_abs(v * p0) <= 708.0",
    ("tanh", "fwd", "f64"): None,
    ("elu", "bwd", "f64"): "v >= -708.0",
    ("selu", "bwd", "f64"): "v >= -708.0",
    ("celu", "bwd", "f64"): "v > 0.0 || (v * (1.0 / p0) >= -700.0 && v * (1.0 / p0) <= 0.0)",
    ("tanhshrink", "fwd", "f64"): None,
    ("gelu", "fwd", "f64"): "v >= -37.5",  # the result is normal; not NaN
    ("gelu", "bwd", "f64"): "v >= -37.5",
}
FAST_KIND_OFFSET = 3

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
    PointwiseLoss("mse", "mse_loss", (), None, True, (), False, False, True, True,
                  "(x - t)^2"),
    PointwiseLoss("l1", "l1_loss", (), None, True, (), False, False, True, True,
                  "|x - t|"),
    PointwiseLoss("smooth_l1", "smooth_l1_loss", ("beta",), None, False, ("tiny_beta",), False,
                  False, True, True,
                  "0.5 d^2 / beta if |d| < beta else |d| - 0.5 beta, d = x - t"),
    PointwiseLoss("huber", "huber_loss", ("delta",), None, True, (), False, False, True, True,
                  "0.5 d^2 if |d| < delta else delta (|d| - 0.5 delta), d = x - t"),
    PointwiseLoss("bce", "binary_cross_entropy", (), None, True, (), False, False, True, False,
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
                  ("gamma_two",), False, False, True, False,
                  "alpha_t bce_with_logits(x, t) (1 - p_t)^gamma (torchvision)"),
    PointwiseLoss("hinge", "hinge_loss", (), None, False, (), False, False, True, True,
                  "max(0, 1 - t x), t = +-1"),
    PointwiseLoss("squared_hinge", "squared_hinge_loss", (), None, False, (), False, False, True,
                  True, "max(0, 1 - t x)^2, t = +-1"),
    PointwiseLoss("log_cosh", "log_cosh_loss", (), None, False, (), False, False, True, False,
                  "log(cosh(x - t))"),
    PointwiseLoss("pinball", "pinball_loss", ("quantile",), None, False, (), False, False, True,
                  True, "max(tau (t - x), (tau - 1) (t - x))"),
    PointwiseLoss("binary_focal", "binary_focal_loss", ("alpha", "gamma"), None, True,
                  ("gamma_two",), False, False, True, False,
                  "alpha (1 - exp(-ce))^gamma ce, ce = bce_with_logits(x, t)"),
)


# Other public names of activations: (alias, the function it names) -- SciPy's scipy.special
# names, and swish (Ramachandran et al. 2017; Keras' and JAX's name of silu) with its gradient.
ACTIVATION_ALIASES = (("expit", "sigmoid"), ("log_expit", "logsigmoid"), ("swish", "silu"),
                      ("swish_backward", "silu_backward"))

# ---- The softmax family -----------------------------------------------------------------------
# One row per function: _codegen.py writes <name> and <name>_backward (torch's signature plus
# temperature and out) into softmax_family.py, and actloss.nn makes the class cls.
#   sign, log   the row kernel's arguments: the factor of the input (softmin's -1), log output
#   title       the docstring's name; formula the forward and derivative its gradient, for Notes
SoftmaxOp = namedtuple("SoftmaxOp", "name cls sign log title formula derivative")
SOFTMAX_FAMILY = (
    SoftmaxOp("softmax", "Softmax", 1.0, 0, "Softmax",
              "y_i = exp(x_i / T) / sum_j exp(x_j / T) along dim.",
              "grad = y (g - sum(g y)) / T along dim."),
    SoftmaxOp("log_softmax", "LogSoftmax", 1.0, 1, "Log-softmax",
              "y_i = x_i / T - logsumexp_j(x_j / T), computed as (z_i - m) - log1p(S), m the row "
              "maximum and S the sum of exp(z_j - m) over the other entries: accurate at the "
              "maximum even when the others are negligible.",
              "grad = (g - exp(y) sum(g)) / T along dim."),
    SoftmaxOp("softmin", "Softmin", -1.0, 0, "Softmin", "softmax(-x / T) along dim.",
              "grad = -y (g - sum(g y)) / T along dim."),
)

# ---- Loss functions: one row each ------------------------------------------------------------
# From a row, _codegen.py writes into the region "<family>.functions" of the row's family module
# the public <name>, <name>_backward and (with `fused`) <name>_with_grad: torch's signature, a
# numpydoc docstring, and the argument layer (the reduction and the bool options checked, in
# _validate's words), which then calls the family's _<name>, _<name>_backward or
# _<name>_with_grad with every argument in signature order. actloss.nn makes the row's class.
#   name, family  the function and its module (pointwise_losses, class_losses, embedding_losses)
#   inputs        In(names, type, doc): the required array arguments ("input, target" documents
#                 two at once)
#   args          Arg(name, default, type, doc): the other arguments in torch's order, KW before
#                 the keyword-only ones; type is the docstring's (bool ones are checked as bools,
#                 "array_like..." ones are arrays or None); reduction's type is its choices
#   doc           the summary; {PDIST} in any text is DOC_SNIPPETS["PDIST"]
#   formula       the Notes; returns, raises, example: sections replacing the generic ones
#   gradient      the backward's Notes; grad_doc its summary, grad_returns / grad_raises /
#                 grad_example its other sections, backward_args its own extra arguments
#   fused         the summary of <name>_with_grad (None: no fused function); fused_notes,
#                 fused_example its sections
#   cls           the actloss.nn class (None: none); cls_args its constructor arguments, in
#                 torch's order, "*" before keyword-only ones; cls_doc its summary; cls_torch
#                 torch.nn has it; cls_inputs its forward's arrays where torch names them
#                 differently from the function
#   aliases       other public names of the same functions
In = namedtuple("In", "name type doc")
Arg = namedtuple("Arg", "name default type doc", defaults=("",))
Loss = namedtuple(
    "Loss",
    "name family inputs args doc formula example returns raises gradient grad_doc grad_returns "
    "grad_raises grad_example backward_args fused fused_notes fused_example cls cls_args cls_doc "
    "cls_torch cls_inputs aliases",
    defaults=(None,) * 14 + ((), None, None, None, None, (), "", True, None, ()))
REDUCTIONS = ("none", "mean", "sum")
KW = Arg("*", None, None)
_R = Arg("reduction", "mean", REDUCTIONS)
_BROADCAST = In("input, target", "array_like", """\
Broadcast together (torch warns about different sizes and then broadcasts; so does this
function, with the same UserWarning).""")

DOC_SNIPPETS = {"PDIST": """\
``d(x1, x2) = ||x1 - x2 + eps||_p`` along the last dimension, torch's ``pairwise_distance``:
the difference is rounded in the input dtype as torch rounds it, the norm accumulates in
float64. ``p = 2`` (default), 1, 0 (count of non-zeros), ``inf`` (max ``|v|``) and any other
``p > 0`` (``(sum |v|^p)^(1/p)``). Gradients follow torch's norm backward: 0 where the norm is 0
(``p >= 1``), ``sign(v)`` for ``p = 1`` (0 at 0), shared evenly among tied maxima for ``p =
inf``, 0 for ``p = 0``. Negative ``p`` (which torch accepts) raises ValueError."""}


def _box_loss(kind, title, cls, loss_formula, example, gradient_extra=""):
    """The row of torchvision's {kind}_box_iou_loss: the three box losses share their inputs,
    options, the start of the formula and the gradient's rules."""
    name = f"{kind}_box_iou_loss"
    return Loss(name, "embedding_losses",
                inputs=(In("boxes1, boxes2", "array_like", """\
Boxes ``(N, 4)`` (or ``(4,)``) as ``(x1, y1, x2, y2)``, ``0 <= x1 < x2`` and ``0 <= y1 <
y2`` as torchvision expects (not checked); pairs of rows are compared. Integer boxes
count as float64."""),),
                args=(Arg("reduction", "none", REDUCTIONS, """\
torchvision's default is 'none'; an empty 'mean' is 0, as torchvision's."""),
                      Arg("eps", 1e-07, "float", "Small number to prevent division by zero."),),
                doc=f"{title} IoU loss of box pairs (torchvision.ops.{name}).",
                formula="""\
torchvision's definition, computed in float64 per box pair: ``I`` the intersection area (0
unless both of its sides are positive), ``U = area1 + area2 - I``, ``iou = I / (U + eps)``;
""" + loss_formula,
                example=f"""\
>>> import numpy as np, actloss as F
>>> b1, b2 = np.array([[0.0, 0.0, 2.0, 2.0]]), np.array([[1.0, 1.0, 3.0, 3.0]])
>>> F.{name}(b1, b2)
array([{example}])""",
                grad_doc=f"""\
Gradient of ``{name}`` with respect to ``boxes1`` (the predicted boxes).""",
                gradient=f"""\
torch's autograd through torchvision's formula: a min/max tie splits the gradient evenly,
the empty intersection passes none{gradient_extra}. ``grad_output`` is ``(N,)`` for
``'none'``, else a scalar (divided by N for ``'mean'``).""",
                fused=f"""\
Loss and ``boxes1`` gradient of ``{name}`` in one pass over the boxes.""",
                cls=cls, cls_args=("reduction", "eps"), cls_torch=False,
                cls_doc=f"{title} IoU loss of box pairs (torchvision's function as a module)")

LOSSES = (
    Loss("mse_loss", "pointwise_losses",
         inputs=(_BROADCAST,),
         args=(
             KW,
             _R,
             Arg("weight", None, "array_like, optional", """\
Elementwise weight of the input's shape (torch requires exactly that), broadcast with
it. With 'mean' the result is sum(weight * loss) / sum(weight)."""),),
         doc="Mean squared error (torch.nn.functional.mse_loss).",
         formula="loss = (input - target)^2, times weight.",
         example="""\
>>> import numpy as np, actloss as F
>>> F.mse_loss(np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 1.0]))
np.float64(1.4166666666666667)""",
         gradient="""\
2 (input - target) grad_output (times weight; divided by the element count, or by
sum(weight), for 'mean').""",
         fused="""\
Loss and input gradient of ``mse_loss`` in one pass over the data.""",
         cls="MSELoss", cls_args=("reduction",), cls_doc="mean squared error"),
    Loss("l1_loss", "pointwise_losses",
         inputs=(_BROADCAST,),
         args=(
             KW,
             _R,
             Arg("weight", None, "array_like, optional", """\
Elementwise weight of the input's shape; 'mean' is then sum(weight * loss) /
sum(weight), as torch."""),),
         doc="Mean absolute error (torch.nn.functional.l1_loss).",
         formula="loss = |input - target|, times weight.",
         example="""\
>>> import numpy as np, actloss as F
>>> F.l1_loss(np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 1.0]), reduction="none")
array([0.5, 0. , 2. ])""",
         gradient="""\
sign(input - target) grad_output: 0 where input == target (and for NaN), as torch's
autograd.""",
         fused="""\
Loss and input gradient of ``l1_loss`` in one pass over the data.""",
         cls="L1Loss", cls_args=("reduction",), cls_doc="mean absolute error"),
    Loss("smooth_l1_loss", "pointwise_losses",
         inputs=(_BROADCAST,),
         args=(
             KW,
             _R,
             Arg("beta", 1.0, "float", """\
Where the loss turns from quadratic to linear; >= 0. beta = 0 is exactly l1_loss
(torch dispatches it there too)."""),),
         doc="Smooth L1 loss (torch.nn.functional.smooth_l1_loss).",
         formula="""\
With z = |input - target|: 0.5 z^2 / beta if z < beta, else z - 0.5 beta.""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.smooth_l1_loss(np.array([0.2, 3.0]), np.zeros(2), reduction="none")
array([0.02, 2.5 ])""",
         gradient="""\
clamp((input - target) / beta, -1, 1) grad_output; at |d| = beta that is +-1 (both sides
agree); beta = 0 gives l1's sign, 0 at input == target.""",
         fused="""\
Loss and input gradient of ``smooth_l1_loss`` in one pass over the data.""",
         cls="SmoothL1Loss",
         cls_args=("reduction", "beta"),
         cls_doc="squared error below beta, absolute error above"),
    Loss("huber_loss", "pointwise_losses",
         inputs=(_BROADCAST,),
         args=(
             _R,
             Arg("delta", 1.0, "float", "Where the loss turns from quadratic to linear; > 0."),
             Arg("weight", None, "array_like, optional", """\
Elementwise weight of the input's shape. Unlike mse/l1, torch's weighted Huber 'mean'
is the plain mean of weight * loss over the elements; so is this one."""),),
         doc="""\
Huber loss (torch.nn.functional.huber_loss); positional order as torch's.""",
         formula="""\
With z = |input - target|: 0.5 z^2 if z < delta, else delta (z - 0.5 delta) -- delta times
smooth_l1_loss with beta = delta.""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.huber_loss(np.array([0.2, 3.0]), np.zeros(2), reduction="none", delta=2.0)
array([0.02, 4.  ])""",
         gradient="clamp(input - target, -delta, delta) grad_output (times weight).",
         fused="""\
Loss and input gradient of ``huber_loss`` in one pass over the data.""",
         cls="HuberLoss",
         cls_args=("reduction", "delta"),
         cls_doc="squared error below delta, delta times the absolute error above"),
    Loss("binary_cross_entropy", "pointwise_losses",
         inputs=(
             In("input", "array_like", "Probabilities in [0, 1]."),
             In("target", "array_like", "Same shape as input, values in [0, 1]."),),
         args=(
             Arg("weight", None, "array_like, optional", """\
Broadcast to the input's shape; multiplies each element's loss ('mean' stays the plain
element mean, as torch)."""),
             KW,
             _R,),
         doc="""\
Binary cross-entropy of probabilities (torch.nn.functional.binary_cross_entropy).""",
         raises="""\
ValueError
    For input or target values outside [0, 1] or NaN (torch raises a RuntimeError there),
    a target of another shape than input, a weight that does not broadcast to it, or an
    unknown `reduction`.
TypeError
    For complex, object or string arrays.""",
         formula="""\
loss = -(target max(log(input), -100) + (1 - target) max(log(1 - input), -100)), each log
clamped at -100 as torch does, so input 0 or 1 gives a finite loss.""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.binary_cross_entropy(np.array([0.9, 0.2]), np.array([1.0, 0.0]))
np.float64(0.16425203348601802)""",
         gradient="""\
(input - target) / max((1 - input) input, 1e-12) grad_output (times weight), torch's
formula, including its float32 EPSILON 1e-12: it ignores the -100 clamp of the forward, so
input 0 or 1 gives a large finite gradient where target differs.""",
         fused="""\
Loss and input gradient of ``binary_cross_entropy`` in one pass over the probabilities.""",
         cls="BCELoss",
         cls_args=("weight", "reduction"),
         cls_doc="binary cross-entropy of probabilities"),
    Loss("binary_cross_entropy_with_logits", "pointwise_losses",
         inputs=(
             In("input", "array_like", "Logits, any shape."),
             In("target", "array_like", """\
Same shape as input (typically in [0, 1]; not checked, as torch)."""),),
         args=(
             Arg("weight", None, "array_like, optional", """\
Broadcast to the input's shape; multiplies each element's loss."""),
             KW,
             _R,
             Arg("pos_weight", None, "array_like, optional", """\
Weight of the positive term, broadcast to the input's shape along its last
dimensions (a (C,) pos_weight weighs class c of an (N, C) input)."""),),
         doc="""\
Binary cross-entropy of logits (torch.nn.functional.binary_cross_entropy_with_logits).""",
         formula="""\
loss = weight ((1 - target) softplus(input) + pos_weight target softplus(-input)), the
same function as torch's (1 - t) x + (1 + (pw - 1) t) (log1p(exp(-|x|)) + max(-x, 0)),
written so that no term overflows (|input| = 1000 is exact) and tiny losses keep their
relative accuracy. See also ``binary_cross_entropy_with_logits_with_grad``.""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.binary_cross_entropy_with_logits(np.array([2.0, -1000.0]), np.ones(2),
...                                    reduction="none")
array([1.26928011e-01, 1.00000000e+03])""",
         gradient="""\
((1 - target) sigmoid(input) - pos_weight target sigmoid(-input)) grad_output (times
weight), torch's (pw t + 1 - t) sigmoid(x) - pw t with both sigmoids accurate in the tails.""",
         fused="""\
Loss and input gradient of ``binary_cross_entropy_with_logits`` in one pass.

Reads the logits once and evaluates exp(-|x|) once per element for both results -- what a
training step needs, at about the cost of the forward alone.""",
         fused_notes="""\
The reduced loss is summed in the same fixed chunks as the forward alone, so both
functions return the same value for any thread count.""",
         fused_example="""\
>>> import numpy as np, actloss as F
>>> F.binary_cross_entropy_with_logits_with_grad(np.array([2.0, -1.0]), np.array([1.0, 0.0]))
(np.float64(0.2200948492805977), array([-0.05960146,  0.13447071]))""",
         cls="BCEWithLogitsLoss",
         cls_args=("weight", "reduction", "pos_weight"),
         cls_doc="binary cross-entropy of logits"),
    Loss("kl_div", "pointwise_losses",
         inputs=(
             In("input", "array_like", "Log-probabilities."),
             In("target", "array_like", """\
Probabilities, or log-probabilities with ``log_target=True``; broadcast with input."""),),
         args=(
             KW,
             Arg("reduction", "mean", ("none", "batchmean", "sum", "mean"), """\
'batchmean' divides the sum by input.shape[0] (the KL divergence per sample; a 0-d
input is just summed, as torch); 'mean' divides by the number of elements (torch's
default, which warns about it; this function does not warn)."""),
             Arg("log_target", False, "bool", ""),),
         doc="Kullback-Leibler divergence loss (torch.nn.functional.kl_div).",
         formula="""\
loss = xlogy(target, target) - target input (0 where target == 0; NaN for target < 0, as
torch); with log_target: exp(target) (target - input).""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.kl_div(np.log([[0.5, 0.5]]), np.array([[0.9, 0.1]]), reduction="batchmean")
np.float64(0.368064207168497)""",
         grad_doc="""\
Gradient of ``kl_div`` with respect to its input, and optionally its target.""",
         gradient="""\
'batchmean' divides by input.shape[0], 'mean' by the element count. Both gradients are
summed over the dimensions their argument was broadcast along, as autograd does. The
target gradient is torch's autograd through ``xlogy(target, target) - target * input``:
at target == 0 it is NaN (torch's 0 / 0; the one-sided limit is -inf), and NaN for a
negative target, where the loss is NaN too.""",
         grad_returns="""\
grad_input : ndarray
    -target grad_output, or -exp(target) grad_output with log_target; the input's shape
    and float dtype.
grad_target : ndarray
    Only with ``target_requires_grad=True``: (log(target) + 1 - input) grad_output, or
    exp(target) (target - input + 1) grad_output with log_target; the target's shape and
    float dtype (float64 for an integer target).""",
         grad_raises="""\
TypeError
    A target_requires_grad that is not a bool, and everything ``kl_div`` raises.
ValueError
    A grad_output of the wrong shape, and everything ``kl_div`` raises.""",
         grad_example="""\
>>> import numpy as np, actloss as F
>>> gx, gt = F.kl_div_backward(1.0, np.log([0.5, 0.5]), np.array([0.9, 0.1]),
...                            reduction="sum", target_requires_grad=True)
>>> gx, gt.round(6)
(array([-0.9, -0.1]), array([ 1.587787, -0.609438]))""",
         backward_args=(Arg("target_requires_grad", False, "bool", """\
The target is learned too (torch: ``target.requires_grad``, e.g. a distillation
target from a model being trained): return ``(grad_input, grad_target)``."""),),
         cls="KLDivLoss",
         cls_args=("reduction", "log_target"),
         cls_doc="Kullback-Leibler divergence of log-probabilities from a target"),
    Loss("gaussian_nll_loss", "pointwise_losses",
         inputs=(
             In("input", "array_like", "Expectations."),
             In("target", "array_like", """\
Samples; broadcast with input (as torch's arithmetic does)."""),
             In("var", "array_like or float", """\
Variances, >= 0: the input's shape; or the input's shape without its last dimension
(then one variance per row, as torch's unsqueeze(-1)); or the input's number of
dimensions with exactly one mismatched dimension of size 1; or a scalar."""),),
         args=(
             Arg("full", False, "bool", "Add the constant 0.5 log(2 pi)."),
             Arg("eps", 1e-06, "float", "var is clamped to at least eps."),
             _R,),
         doc="""\
Gaussian negative log-likelihood (torch.nn.functional.gaussian_nll_loss).""",
         raises="""\
ValueError
    A negative var entry, a var of a shape other than the above, shapes that do not
    broadcast (message with the shapes), or an unknown `reduction`.
TypeError
    For complex, object or string arrays.""",
         formula="""\
loss = 0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps)) [+ 0.5 log(2 pi)].""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.gaussian_nll_loss(np.array([1.0, 2.0]), np.array([1.5, 2.0]), np.array([0.5, 1.0]))
np.float64(-0.04828679513998632)""",
         grad_doc="Gradient of ``gaussian_nll_loss`` with respect to input and var.",
         gradient="""\
torch clamps a clone of var in place under ``no_grad``, so its autograd hands the
gradient at the clamped value to every entry of var -- the clamped ones included
(var < eps gets the gradient at v = eps, not 0). This function returns the same.""",
         grad_returns="""\
grad_input : ndarray
    (input - target) / v grad_output, v = max(var, eps); input's shape and dtype.
grad_var : ndarray
    (0.5 / v - 0.5 (input - target)^2 / v^2) grad_output, summed over the dimensions var
    was broadcast along, in var's shape and dtype (a 0-d array of the result dtype for a
    scalar var).""",
         grad_raises="""\
ValueError
    A grad_output of the wrong shape, and everything ``gaussian_nll_loss`` raises.""",
         cls="GaussianNLLLoss",
         cls_args=("*", "full", "eps", "reduction"),
         cls_doc="Gaussian negative log-likelihood"),
    Loss("poisson_nll_loss", "pointwise_losses",
         inputs=(
             In("input", "array_like", "The rate's logarithm (log_input=True) or the rate itself."),
             In("target", "array_like", "Counts; broadcast with input."),),
         args=(
             Arg("log_input", True, "bool", ""),
             Arg("full", False, "bool", """\
Add Stirling's approximation target log(target) - target + 0.5 log(2 pi target) of
log(target!), where target > 1 (0 elsewhere, as torch)."""),
             KW,
             Arg("eps", 1e-08, "float", "Added to input inside the log when log_input=False."),
             _R,),
         doc="""\
Poisson negative log-likelihood (torch.nn.functional.poisson_nll_loss).""",
         formula="""\
loss = exp(input) - target input (log_input), or input - target log(input + eps).""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.poisson_nll_loss(np.array([0.0, 1.0]), np.array([1.0, 2.0]))
np.float64(0.8591409142295225)""",
         gradient="""\
(exp(input) - target) grad_output with log_input, else (1 - target / (input + eps))
grad_output; the Stirling term has no input gradient.""",
         cls="PoissonNLLLoss",
         cls_inputs=("log_input", "target"),
         cls_args=("log_input", "full", "eps", "reduction"),
         cls_doc="Poisson negative log-likelihood"),
    Loss("margin_ranking_loss", "pointwise_losses",
         inputs=(
             In("input1, input2", "array_like", "The two scores to rank."),
             In("target", "array_like", """\
1 where input1 should rank higher, -1 where input2 should. The three arrays must have
the same number of dimensions (as torch) and broadcast together."""),),
         args=(
             Arg("margin", 0, "float", ""),
             KW,
             _R,),
         doc="Margin ranking loss (torch.nn.functional.margin_ranking_loss).",
         formula="loss = max(0, -target (input1 - input2) + margin).",
         example="""\
>>> import numpy as np, actloss as F
>>> F.margin_ranking_loss(np.array([0.3, 1.0]), np.array([0.5, 0.0]), np.ones(2),
...                       reduction="none")
array([0.2, 0. ])""",
         grad_doc="""\
Gradient of ``margin_ranking_loss`` with respect to input1 and input2.""",
         grad_returns="""\
grad_input1, grad_input2 : ndarray
    -target grad_output and target grad_output where -target (input1 - input2) + margin
    >= 0, else 0 -- the boundary passes the gradient, as torch's clamp_min -- each summed
    to its input's shape and in its dtype.""",
         grad_raises="""\
ValueError
    A grad_output of the wrong shape, and everything ``margin_ranking_loss`` raises.""",
         cls="MarginRankingLoss",
         cls_args=("margin", "reduction"),
         cls_doc="ranking hinge of two scores"),
    Loss("hinge_embedding_loss", "pointwise_losses",
         inputs=(
             In("input", "array_like", "Distances (or other non-negative scores)."),
             In("target", "array_like", "1 (similar) or -1 (dissimilar); broadcast with input."),),
         args=(
             Arg("margin", 1.0, "float", ""),
             KW,
             _R,),
         doc="Hinge embedding loss (torch.nn.functional.hinge_embedding_loss).",
         formula="""\
torch's definition: max(0, margin - input) where target != 1, plus input where
target != -1 (so targets other than +-1 get both terms).""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.hinge_embedding_loss(np.array([0.3, 2.0]), np.array([-1.0, 1.0]), reduction="none")
array([0.7, 2. ])""",
         gradient="""\
(-1 where target != 1 and margin - input >= 0, the boundary included as torch's clamp_min) +
(1 where target != -1), times grad_output.""",
         cls="HingeEmbeddingLoss",
         cls_args=("margin", "reduction"),
         cls_doc="hinge loss of distances, target 1 or -1"),
    Loss("soft_margin_loss", "pointwise_losses",
         inputs=(
             In("input", "array_like", ""),
             In("target", "array_like", """\
1 or -1; must broadcast to the input's shape (torch writes the loss in it)."""),),
         args=(
             KW,
             _R,),
         doc="Soft margin loss (torch.nn.functional.soft_margin_loss).",
         formula="""\
loss = log(1 + exp(-target input)), as softplus(-target input): finite for any input
(torch's log1p(exp(.)) overflows to inf once -target input passes exp's range).""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.soft_margin_loss(np.array([2.0, -1.0]), np.ones(2), reduction="none")
array([0.12692801, 1.31326169])""",
         gradient="""\
-target sigmoid(-target input) grad_output (torch divides exp by 1 + exp and gets NaN once
exp overflows; this gives the limit -target).""",
         cls="SoftMarginLoss", cls_args=("reduction",), cls_doc="logistic loss of targets 1 or -1"),
    Loss("multilabel_soft_margin_loss", "pointwise_losses",
         inputs=(
             In("input", "array_like", """\
Logits of shape (..., C): the last dimension holds the classes."""),
             In("target", "array_like", "0/1 labels, broadcast to the input's shape."),),
         args=(
             Arg("weight", None, "array_like, optional", """\
Broadcast to the input's shape (typically (C,), a weight per class)."""),
             KW,
             _R,),
         doc="""\
Multi-label one-versus-all soft margin loss
(torch.nn.functional.multilabel_soft_margin_loss).""",
         formula="""\
Exactly torch's: the per-element loss -w (t log sigmoid(x) + (1 - t) log sigmoid(-x)) is
summed over the class dimension and divided by C, giving one loss per row (shape
input.shape[:-1], a 0-d array for a 1-D input); 'mean'/'sum' then reduce over the rows.
C = 0 gives NaN rows (0/0), as torch.""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.multilabel_soft_margin_loss(np.array([[2.0, -1.0, 0.5]]), np.array([[1.0, 0.0, 1.0]]),
...                               reduction="none")
array([0.30475556])""",
         gradient="""\
((1 - target) sigmoid(input) - target sigmoid(-input)) weight g / C, g the grad_output of
the element's row.""",
         cls="MultiLabelSoftMarginLoss",
         cls_args=("weight", "reduction"),
         cls_doc="multi-label one-versus-all logistic loss"),
    Loss("sigmoid_focal_loss", "pointwise_losses",
         inputs=(
             In("inputs", "array_like", "Logits, any shape."),
             In("targets", "array_like", """\
Same shape; 1 for the positive class, 0 for the negative."""),),
         args=(
             Arg("alpha", 0.25, "float", """\
Weight of the positives (1 - alpha for the negatives), in [0, 1]; -1 switches the
weighting off."""),
             Arg("gamma", 2, "float", "Exponent of the modulating factor (1 - p_t)."),
             Arg("reduction", "none", REDUCTIONS, "torchvision's default is 'none'."),),
         doc="Sigmoid focal loss of RetinaNet (torchvision.ops.sigmoid_focal_loss).",
         formula="""\
torchvision's definition: p = sigmoid(x), ce = binary_cross_entropy_with_logits(x, t),
p_t = p t + (1 - p)(1 - t), loss = alpha_t ce (1 - p_t)^gamma with alpha_t = alpha t +
(1 - alpha)(1 - t). 1 - p_t is formed as t sigmoid(-x) + (1 - t) sigmoid(x), without the
cancellation of 1 - p_t, so confident predictions get their tiny loss (and gradient)
where torchvision's float arithmetic gives 0 (or, for gamma < 1, a NaN gradient).""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.sigmoid_focal_loss(np.array([3.0, -0.5]), np.ones(2))
array([2.73208311e-05, 9.43529002e-02])""",
         grad_doc="""\
Gradient of ``sigmoid_focal_loss`` with respect to its inputs (the logits).""",
         gradient="""\
gamma = 0 drops the second term (torch's pow backward is 0 for a zero exponent).""",
         grad_returns="""\
ndarray
    alpha_t ((s - t) q^gamma + ce gamma q^(gamma - 1) (1 - 2t) s (1 - s)) grad_output,
    s = sigmoid(inputs), q = 1 - p_t; the shape and dtype of `inputs`.""",
         grad_raises="""\
ValueError
    A grad_output of the wrong shape, and everything ``sigmoid_focal_loss`` raises.""",
         fused="""\
Loss and input gradient of ``sigmoid_focal_loss`` in one pass over the logits.""",
         cls="SigmoidFocalLoss",
         cls_args=("alpha", "gamma", "reduction"),
         cls_torch=False,
         cls_doc="sigmoid focal loss, torchvision.ops.sigmoid_focal_loss as a module"),
    Loss("multiclass_hinge_loss", "class_losses",
         inputs=(
             In("input", "array_like", "Scores (decision values) ``(N, C)``, or ``(C,)``."),
             In("target", "array_like", """\
Class indices of any integer dtype, ``(N,)`` (``()`` for a ``(C,)`` input), in
``[0, C)``."""),),
         args=(
             KW,
             Arg("squared", False, "bool", "Square each row's hinge (the squared hinge)."),
             _R,),
         doc="""\
Multi-class hinge loss of Crammer & Singer (sklearn.metrics.hinge_loss); not in torch.""",
         formula="""\
With y the target class of a row and m = max over the other classes of the scores::

    loss = max(0, 1 + m - input[y])          (squared=True: its square)

sklearn's ``hinge_loss(target, input, labels=range(C))`` is the ``'mean'``. (torch's
``multi_margin_loss`` sums the hinge over every other class instead of taking the largest;
Keras's ``categorical_hinge`` takes the largest of the other scores and 0.)""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.multiclass_hinge_loss(np.array([[2.0, 1.5, -1.0], [0.0, 3.0, 1.0]]), np.array([0, 2]),
...                         reduction="none")
array([0.5, 3. ])""",
         gradient="""\
Where ``1 + m - input[y] >= 0`` (the kink included, as torch's clamp_min): ``-d`` to
``input[y]`` and ``+d`` to the class at the maximum, split evenly among tied maxima (as
torch's amax), ``d = grad_output`` (``2 max(0, z) grad_output`` when squared), divided by N
for ``'mean'``.""",
         fused="""\
Loss and input gradient of ``multiclass_hinge_loss`` in one pass over the scores.""",
         cls="MultiClassHingeLoss", cls_args=("squared", "reduction"), cls_torch=False,
         cls_doc="Crammer-Singer multi-class hinge loss"),
    Loss("brier_score_loss", "class_losses",
         inputs=(
             In("input", "array_like", """\
Probabilities in [0, 1]: ``(N,)`` of the positive class (binary), or ``(N, C)`` of each
class (multiclass)."""),
             In("target", "array_like", """\
Binary: 0/1 labels (or probabilities in [0, 1]) of the input's shape. Multiclass: class
indices ``(N,)`` of any integer dtype, in ``[0, C)``."""),),
         args=(
             KW,
             _R,),
         doc="Brier score (sklearn.metrics.brier_score_loss); not in torch.",
         raises="""\
TypeError
    Non-real arrays, a non-integer multiclass target.
ValueError
    Probabilities or binary targets outside [0, 1] (or NaN), class indices outside
    ``[0, C)``, an input of another number of dimensions, shapes that do not match, an
    unknown reduction.""",
         formula="""\
Binary: ``loss = (input - target)^2``. Multiclass: ``loss = sum_c (input[c] - [c ==
target])^2`` per row (range [0, 2]). ``'mean'`` equals sklearn's ``brier_score_loss(target,
input)`` with its default ``scale_by_half='auto'`` (sklearn >= 1.7 for the multiclass form;
pass ``labels=range(C)`` there when some class never occurs).""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.brier_score_loss(np.array([0.9, 0.2]), np.array([1, 0]))
np.float64(0.025)""",
         gradient="""\
``2 (input - target) grad_output`` (multiclass: ``2 (input[c] - [c == target])``), divided
by N for ``'mean'``.""",
         cls="BrierScoreLoss", cls_args=("reduction",), cls_torch=False,
         cls_doc="Brier score of predicted probabilities"),
    Loss("dice_loss", "class_losses",
         inputs=(
             In("input", "array_like", """\
``(B, C, spatial...)`` (or ``(B, C)``): probabilities per class, or logits with
``activation``."""),
             In("target", "array_like", """\
The input's shape: one-hot masks (or soft labels) per class, any real or integer
dtype."""),),
         args=(
             KW,
             Arg("activation", "none", "{'none', 'sigmoid', 'softmax'}", """\
'none' (input holds probabilities), 'sigmoid' (per-class logits, MONAI's
``sigmoid=True``) or 'softmax' (logits over dimension 1, MONAI's ``softmax=True``)."""),
             Arg("smooth_nr", 1e-05, "float", "Added to the numerator, >= 0."),
             Arg("smooth_dr", 1e-05, "float", "Added to the denominator, >= 0."),
             Arg("batch", False, "bool", """\
Sum over the batch before the ratio: one loss per class (MONAI's ``batch=True``)."""),
             Arg("reduction", "mean", REDUCTIONS, """\
``'none'`` gives the ``(B, C)`` losses (``(C,)`` with ``batch``; MONAI keeps
singleton spatial dimensions); ``'mean'`` and ``'sum'`` reduce them."""),),
         doc="Soft Dice loss for segmentation (MONAI's DiceLoss); not in torch.",
         formula="""\
MONAI's ``DiceLoss`` (``include_background=True``, ``squared_pred=False``,
``jaccard=False``): for each sample and class, sums over the spatial dimensions (and over
the batch with ``batch``) of p = the probabilities and g = the target::

    loss = 1 - (2 sum(p g) + smooth_nr) / (sum(p) + sum(g) + smooth_dr)

The sums accumulate in float64 (a row kernel per sample and class); the logits'
sigmoid/softmax are actloss's kernels (one temporary of the input's size).""",
         example="""\
>>> import numpy as np, actloss as F
>>> p = np.array([[[0.9, 0.2, 0.8]]])           # (B=1, C=1, 3 pixels)
>>> round(float(F.dice_loss(p, np.array([[[1, 0, 1]]]))), 6)
0.128205""",
         gradient="""\
``d loss / dp = -2 g / D + N / D^2`` per element, N and D the entry's numerator and
denominator, times its grad_output (divided by the number of entries for ``'mean'``),
then through the sigmoid or softmax when ``activation`` is set.""",
         fused="""\
Loss and input gradient of ``dice_loss`` from one activation and one pass of sums.""",
         cls="DiceLoss",
         cls_args=("activation", "smooth_nr", "smooth_dr", "batch", "reduction"),
         cls_torch=False, cls_doc="soft Dice loss (MONAI's definition)"),
    Loss("tversky_loss", "class_losses",
         inputs=(
             In("input", "array_like", """\
``(B, C, spatial...)`` (or ``(B, C)``): probabilities per class, or logits with
``activation``."""),
             In("target", "array_like", """\
The input's shape: one-hot masks (or soft labels) per class."""),),
         args=(
             KW,
             Arg("alpha", 0.5, "float", "Weight of the false positives, >= 0."),
             Arg("beta", 0.5, "float", "Weight of the false negatives, >= 0."),
             Arg("activation", "none", "{'none', 'sigmoid', 'softmax'}",
                 "'none', 'sigmoid' or 'softmax', as in dice_loss."),
             Arg("smooth_nr", 1e-05, "float", "Added to the numerator, >= 0."),
             Arg("smooth_dr", 1e-05, "float", "Added to the denominator, >= 0."),
             Arg("batch", False, "bool", "One loss per class, summed over the batch."),
             Arg("reduction", "mean", REDUCTIONS, """\
``'none'`` gives the ``(B, C)`` losses (``(C,)`` with ``batch``)."""),),
         doc="Tversky loss for segmentation (MONAI's TverskyLoss); not in torch.",
         formula="""\
MONAI's ``TverskyLoss`` (Salehi et al. 2017): per sample and class, over the spatial
dimensions, ``tp = sum(p g)``, ``fp = alpha sum(p (1 - g))``, ``fn = beta sum((1 - p) g)``::

    loss = 1 - (tp + smooth_nr) / (tp + fp + fn + smooth_dr)

alpha = beta = 0.5 is the Dice loss (up to the smoothing terms); beta > alpha weighs
missed foreground more (small structures).""",
         example="""\
>>> import numpy as np, actloss as F
>>> p, g = np.array([[[0.9, 0.2, 0.8]]]), np.array([[[1, 0, 1]]])
>>> round(float(F.tversky_loss(p, g, alpha=0.3, beta=0.7)), 6)
0.137055""",
         gradient="""\
With N = tp + smooth_nr and D the denominator: ``d loss / dp = -(D - N (1 - alpha -
beta)) g / D^2 + alpha N / D^2``, times the entry's grad_output, then through the
activation.""",
         fused="""\
Loss and input gradient of ``tversky_loss`` from one activation and one pass of sums.""",
         cls="TverskyLoss",
         cls_args=("alpha", "beta", "activation", "smooth_nr", "smooth_dr", "batch", "reduction"),
         cls_torch=False, cls_doc="Tversky loss (MONAI's definition)"),
    _box_loss("generalized", "Generalized", "GeneralizedBoxIoULoss", """\
``loss = 1 - iou + (C - U) / (C + eps)``, C the area of the smallest box
enclosing both (Rezatofighi et al. 2019).""", "1.07936508"),
    _box_loss("distance", "Distance", "DistanceBoxIoULoss", """\
``loss = 1 - iou + rho^2 / (cw^2 + ch^2 + eps)``, rho the distance between the
boxes' centres and cw, ch the sides of the smallest enclosing box (Zheng et al. 2020).""",
              "0.96825397"),
    _box_loss("complete", "Complete", "CompleteBoxIoULoss", """\
``loss = diou_loss + alpha v``, ``v = 4 / pi^2 (atan(w2 / h2) - atan(w1 / h1))^2``,
``alpha = v / (1 - iou + v + eps)`` (Zheng et al. 2020).""", "0.96825397",
              ", and alpha is a constant (torchvision computes it under no_grad)"),
    Loss("hinge_loss", "pointwise_losses",
         inputs=(
             In("input", "array_like", "Scores (decision values), any shape."),
             In("target", "array_like", """\
1 or -1, any real or integer dtype; broadcast to the input's shape. Map 0/1
labels with ``2 * t - 1`` (values are not checked, as optax)."""),),
         args=(
             KW,
             _R,),
         doc="""\
Binary hinge loss (optax.hinge_loss; sklearn.metrics.hinge_loss for +-1 labels); not in torch.""",
         formula="""\
loss = max(0, 1 - target input). ``'mean'`` equals ``sklearn.metrics.hinge_loss(target,
input)`` and ``optax.hinge_loss(input, target).mean()``.""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.hinge_loss(np.array([2.0, 0.3, -0.5]), np.array([1, 1, 1]), reduction="none")
array([0. , 0.7, 1.5])""",
         gradient="""\
-target grad_output where 1 - target input >= 0 (the kink included, as torch's clamp_min
passes it), else 0; NaN for a NaN input.""",
         fused="""\
Loss and input gradient of ``hinge_loss`` in one pass over the scores.""",
         fused_example="""\
>>> import numpy as np, actloss as F
>>> F.hinge_loss_with_grad(np.array([2.0, 0.5]), np.array([1.0, 1.0]))
(np.float64(0.25), array([ 0. , -0.5]))""",
         cls="HingeLoss", cls_args=("reduction",), cls_torch=False,
         cls_doc="binary hinge loss of scores, targets 1 or -1"),
    Loss("squared_hinge_loss", "pointwise_losses",
         inputs=(
             In("input", "array_like", "Scores (decision values), any shape."),
             In("target", "array_like", """\
1 or -1; broadcast to the input's shape. Map 0/1 labels with ``2 * t - 1``."""),),
         args=(
             KW,
             _R,),
         doc="""\
Squared hinge loss (Keras ``squared_hinge``, optax-style ``hinge_loss ** 2``); not in torch.""",
         formula="""\
loss = max(0, 1 - target input)^2. ``'mean'`` over an ``(N, C)`` input equals
``keras.losses.squared_hinge(target, input)`` averaged over its N rows (Keras takes the
mean over the last axis, then over the batch).""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.squared_hinge_loss(np.array([2.0, 0.3, -0.5]), np.ones(3), reduction="none")
array([0.  , 0.49, 2.25])""",
         gradient="-2 target max(0, 1 - target input) grad_output (0 at the kink).",
         fused="""\
Loss and input gradient of ``squared_hinge_loss`` in one pass over the scores.""",
         cls="SquaredHingeLoss", cls_args=("reduction",), cls_torch=False,
         cls_doc="squared hinge loss of scores, targets 1 or -1"),
    Loss("log_cosh_loss", "pointwise_losses",
         inputs=(_BROADCAST,),
         args=(
             KW,
             _R,),
         doc="""\
Log-cosh regression loss (optax.log_cosh, Keras ``log_cosh``); not in torch.""",
         formula="""\
loss = log(cosh(input - target)): about d^2 / 2 for a small error d and |d| - log 2 for a
large one (a smooth Huber loss). Computed as log1p(u^2 / (2 (1 + u))), u = expm1(|d|),
below |d| = 1 -- full relative accuracy for tiny d, where ``log(cosh(d))`` is 0 -- and as
|d| - log 2 + log1p(exp(-2 |d|)) above, so cosh never overflows (|d| = 1000 gives
1000 - log 2, where ``np.log(np.cosh(d))`` is inf). Equals optax's
``logaddexp(d, -d) - log 2``.""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.log_cosh_loss(np.array([1e-8, 1000.0]), np.zeros(2), reduction="none")
array([5.00000000e-17, 9.99306853e+02])""",
         gradient="tanh(input - target) grad_output.",
         fused="""\
Loss and input gradient of ``log_cosh_loss`` in one pass, sharing one expm1 per element.""",
         cls="LogCoshLoss", cls_args=("reduction",), cls_torch=False,
         cls_doc="log-cosh regression loss"),
    Loss("pinball_loss", "pointwise_losses",
         inputs=(
             In("input", "array_like", "Predicted quantiles."),
             In("target", "array_like", "Observed values; broadcast with input."),),
         args=(
             KW,
             Arg("quantile", 0.5, "float", """\
The quantile tau in [0, 1] the input estimates (sklearn's ``alpha``)."""),
             _R,),
         doc="""\
Pinball (quantile) loss (sklearn.metrics.mean_pinball_loss); not in torch.

``quantile_loss`` is the same function.""",
         formula="""\
With d = target - input: loss = tau d where d >= 0, (tau - 1) d where d < 0 -- an
under-prediction costs tau per unit, an over-prediction 1 - tau. ``'mean'`` equals
``sklearn.metrics.mean_pinball_loss(target, input, alpha=quantile)``; tau = 0.5 is half
the absolute error.""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.pinball_loss(np.array([1.0, 3.0]), np.array([2.0, 2.0]), quantile=0.9,
...                reduction="none")
array([0.9, 0.1])""",
         gradient="""\
-tau grad_output where target > input, (1 - tau) grad_output where target < input and, at
target == input, their mean (1/2 - tau) grad_output (the subgradient torch's ``max`` of
the two lines gives).""",
         fused="""\
Loss and input gradient of ``pinball_loss`` in one pass.""",
         cls="PinballLoss", cls_args=("quantile", "reduction"), cls_torch=False,
         cls_doc="pinball (quantile) loss",
         aliases=("quantile_loss",)),
    Loss("cross_entropy", "class_losses",
         inputs=(
             In("input", "array_like", """\
Logits (N, C), (N, C, d1, ..., dk) or (C,); float32/float64 (float16 via float32)."""),
             In("target", "array_like", """\
Class indices of any integer dtype, shape (N,), (N, d1, ..., dk) or (); or class
probabilities of the input's shape (floating)."""),),
         args=(
             Arg("weight", None, "array_like, optional", "C class weights."),
             KW,
             Arg("ignore_index", -100, "int", """\
Class-index targets equal to it contribute nothing (not allowed, if >= 0, with
probability targets)."""),
             _R,
             Arg("label_smoothing", 0.0, "float in [0, 1]", ""),),
         doc="""\
Cross-entropy between logits and class targets (torch.nn.functional.cross_entropy).""",
         returns="""\
ndarray or numpy scalar
    The per-row losses for "none", else a scalar of the input's dtype.""",
         raises="""\
ValueError
    Shapes that do not match, a target outside [0, C) that is not ignore_index, a weight
    not of C values, label_smoothing outside [0, 1], an unknown reduction.
TypeError
    Non-integer class targets, non-floating probability targets.""",
         example="""\
>>> import numpy as np, actloss as F
>>> x = np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
>>> F.cross_entropy(x, np.array([0, 2]), reduction="none")
array([0.2413113 , 0.16984602])""",
         formula="""\
With lse the row's log-sum-exp, w the weights (1 without), eps = label_smoothing:
class indices: loss = (1 - eps) w_t (lse - x_t) + eps / C * sum_c w_c (lse - x_c); "mean"
divides the sum by sum of w_t over targets not ignored (NaN when all are ignored).
Probabilities q: loss = sum_c w_c q'_c (lse - x_c), q' = (1 - eps) q + eps / C; "mean"
divides by the number of rows. Every lse - x_c is formed as (max - x_c) + log1p(S), so no
term cancels; the logits are read row by row, no N x C temporary is made.""",
         grad_doc="""\
Gradient of ``cross_entropy`` with respect to `input` (same shape and dtype).""",
         gradient="""\
grad_output is a scalar for "mean"/"sum" and an array of the loss's shape for "none".
Rows whose target is ignore_index get 0. For class indices the gradient of a row is
g * (p_j ((1 - eps) w_t + eps W / C) - (1 - eps) w_t [j == t] - eps w_j / C), p the
softmax, W the sum of the weights; for probabilities g * (p_j sum_c w_c q'_c - w_j q'_j).""",
         fused="""\
``(cross_entropy(...), cross_entropy_backward(grad_output, ...))`` in one pass.

Each row of logits is read once into cache and gives both its loss and its gradient: the
training-loop call. grad_output defaults to 1 (the gradient of the loss itself); for
reduction="none" it is broadcast to the loss's shape.""",
         cls="CrossEntropyLoss",
         cls_args=("weight", "ignore_index", "reduction", "label_smoothing"),
         cls_doc="cross-entropy of logits, class indices or class probabilities"),
    Loss("nll_loss", "class_losses",
         inputs=(
             In("input", "array_like", "Log-probabilities (N, C), (N, C, d1, ..., dk) or (C,)."),
             In("target", "array_like", """\
Class indices (any integer dtype), shape (N,), (N, d1, ..., dk) or ()."""),),
         args=(
             Arg("weight", None, "array_like, optional", "C class weights."),
             KW,
             Arg("ignore_index", -100, "int", ""),
             _R,),
         doc="""\
Negative log-likelihood of log-probabilities (torch.nn.functional.nll_loss).""",
         returns="ndarray or numpy scalar",
         raises="""\
ValueError, TypeError
    As ``cross_entropy`` for class indices.""",
         example="""\
>>> import numpy as np, actloss as F
>>> logp = np.log([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
>>> F.nll_loss(logp, np.array([0, 2]), reduction="none")
array([0.35667494, 0.22314355])""",
         formula="""\
loss = -w_t x_t per row; "mean" divides the sum by the sum of w_t over targets that are
not ignored (NaN when all are ignored, as torch).""",
         grad_doc="""\
Gradient of ``nll_loss`` with respect to `input`: -w_t g at each row's target, 0
elsewhere (and on ignored rows).""",
         fused="""\
``(nll_loss(...), nll_loss_backward(grad_output, ...))`` in one pass over the rows.""",
         cls="NLLLoss",
         cls_args=("weight", "ignore_index", "reduction"),
         cls_doc="negative log-likelihood of log-probabilities"),
    Loss("multi_margin_loss", "class_losses",
         inputs=(
             In("input", "array_like", """\
Scores ``(N, C)`` or ``(C,)`` (a 0-D input is one score, C = 1)."""),
             In("target", "array_like", """\
Class indices in ``[0, C)``, any integer dtype, shape ``(N,)`` (``(1,)`` or 0-D for a
1-D input)."""),),
         args=(
             Arg("p", 1, "{1, 2}", ""),
             Arg("margin", 1.0, "float", ""),
             Arg("weight", None, "array_like, optional", """\
``(C,)`` class weights; it takes part in dtype promotion."""),
             KW,
             _R,),
         doc="""\
Multi-class margin (hinge) loss (torch.nn.functional.multi_margin_loss).""",
         returns="""\
ndarray or NumPy scalar
    The target's shape for ``'none'``, else a scalar of the result dtype.""",
         raises="""\
TypeError
    Non-real input or weight, a non-integer target, a non-numeric p.
ValueError
    ``p`` not 1 or 2, a target out of ``[0, C)``, wrong shapes, an unknown reduction.""",
         example="""\
>>> import numpy as np, actloss as F
>>> x = np.array([[0.5, 1.0, -1.0], [0.0, 1.0, 3.0]])
>>> F.multi_margin_loss(x, np.array([0, 2]), reduction="none")
array([0.5, 0. ])""",
         formula="""\
As ATen, for a row ``x`` with target ``y``::

    loss = w[y] / C * sum_{j != y} max(0, margin - x[y] + x[j])^p

``'mean'`` is the plain mean over rows (not weighted by ``w[y]``, as torch). An empty batch
gives NaN for ``'mean'`` (torch: 0). Terms with ``margin - x[y] + x[j]`` NaN are dropped,
as torch drops them.""",
         grad_doc="""\
Gradient of ``multi_margin_loss`` with respect to ``input`` (weight is not learned).""",
         gradient="""\
For ``j != y`` with ``z_j = margin - x[y] + x[j] > 0``: ``w[y] / C * (1 if p == 1 else
2 z_j)``; ``x[y]`` gets minus their sum; times ``grad_output`` (divided by N for 'mean').""",
         cls="MultiMarginLoss",
         cls_args=("p", "margin", "weight", "reduction"),
         cls_doc="multi-class hinge loss"),
    Loss("multilabel_margin_loss", "class_losses",
         inputs=(
             In("input", "array_like", "Scores ``(N, C)`` or ``(C,)`` (0-D: one score)."),
             In("target", "array_like", """\
Integer array of input's shape: each row lists its target classes, followed by -1;
entries after the first -1 are ignored. Every entry must lie in ``[-1, C)`` (torch
checks all of them too)."""),),
         args=(
             KW,
             _R,),
         doc="Multi-label margin loss (torch.nn.functional.multilabel_margin_loss).",
         returns="""\
ndarray or NumPy scalar
    ``(N,)`` (0-D for a 1-D input) for ``'none'``, else a scalar of the result dtype.""",
         raises="""\
TypeError
    Non-real input, a non-integer target.
ValueError
    Target entries outside ``[-1, C)``, wrong shapes, an unknown reduction.""",
         example="""\
>>> import numpy as np, actloss as F
>>> x = np.array([[0.1, 0.2, 0.4, 0.8]])
>>> F.multilabel_margin_loss(x, np.array([[3, 0, -1, 1]]), reduction="none")
array([0.85])""",
         formula="""\
As ATen: with ``T`` the set of target classes of a row (before the first -1)::

    loss = 1/C * sum_{k in targets} sum_{j not in T} max(0, 1 - x[k] + x[j])

a target listed twice counts twice, as in torch. An empty batch gives NaN for ``'mean'``
(torch returns an undefined value).""",
         grad_doc="""\
Gradient of ``multilabel_margin_loss`` with respect to ``input``: for every active pair
(target k, non-target j, ``1 - x[k] + x[j] > 0``), ``+1/C`` to ``x[j]`` and ``-1/C`` to
``x[k]``, times ``grad_output`` (divided by N for 'mean').""",
         cls="MultiLabelMarginLoss", cls_args=("reduction",), cls_doc="multi-label hinge loss"),
    Loss("cosine_embedding_loss", "embedding_losses",
         inputs=(
             In("input1, input2", "array_like", """\
``(N, D)`` embeddings with a 1-D target ``(N,)``, or ``(D,)`` with a 0-D target. Same
shape; float dtypes as in the module notes."""),
             In("target", "array_like", """\
1 (similar pair) or -1 (dissimilar pair), any real or integer dtype."""),),
         args=(
             Arg("margin", 0, "float", """\
Dissimilar pairs cost ``max(0, cos - margin)``; torch suggests [-1, 1]."""),
             KW,
             _R,),
         doc="""\
Cosine embedding loss of pairs (torch.nn.functional.cosine_embedding_loss).""",
         returns="""\
ndarray or NumPy scalar
    ``(N,)`` (or 0-D) for ``'none'``, else a scalar of the result dtype.""",
         raises="""\
TypeError
    Non-real inputs or target, non-real margin.
ValueError
    Shapes that do not match, target values other than 1 and -1 (torch silently gives 0
    for them), an unknown reduction.""",
         formula="""\
As ATen, with ``EPS = 1e-12`` added to both squared norms::

    cos  = <x1, x2> / sqrt((||x1||^2 + EPS) (||x2||^2 + EPS))
    loss = 1 - cos                  if target == 1
               max(0, cos - margin)     if target == -1

The dot product and the norms accumulate in float64. The gradient
(``cosine_embedding_loss_backward``) passes through the clamp where ``cos - margin >= 0``,
as torch's autograd does.""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.cosine_embedding_loss(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), np.array([1]))
np.float64(1.0)""",
         grad_returns="""\
grad_input1, grad_input2 : ndarray
    Each of its embedding's shape and dtype.""",
         grad_doc="""\
Gradients ``(grad_input1, grad_input2)`` of ``cosine_embedding_loss``.""",
         gradient="""\
With ``den = sqrt(m1 m2)``, ``m_i = ||x_i||^2 + 1e-12``: ``dcos/dx1 = x2 / den - cos x1 /
m1`` (symmetrically for x2); the loss's derivative is ``-dcos`` for target 1 and ``dcos``
where ``cos - margin >= 0`` for target -1, times ``grad_output`` (divided by N for
``'mean'``).""",
         cls="CosineEmbeddingLoss",
         cls_args=("margin", "reduction"),
         cls_doc="cosine similarity loss of embedding pairs"),
    Loss("triplet_margin_loss", "embedding_losses",
         inputs=(
             In("anchor, positive, negative", "array_like", """\
Embeddings of one shape ``(..., D)``: one triplet per position of the leading
dimensions (``(N, D)`` the usual case; ``(D,)`` one triplet, 0-D a 1-vector)."""),),
         args=(
             Arg("margin", 1.0, "float", "Must be > 0."),
             Arg("p", 2, "float", "Norm of the pairwise distance, >= 0 or ``inf``."),
             Arg("eps", 1e-06, "float", "Added to the difference before the norm (as torch)."),
             Arg("swap", False, "bool", """\
Use ``min(d(a, n), d(p, n))`` as the negative distance (Balntas et al. 2016)."""),
             KW,
             _R,),
         doc="Triplet margin loss (torch.nn.functional.triplet_margin_loss).",
         returns="""\
ndarray or NumPy scalar
    The leading shape for ``'none'``, else a scalar of the result dtype.""",
         raises="""\
TypeError
    Non-real embeddings or parameters, a non-bool swap.
ValueError
    Embeddings of different shapes, ``margin <= 0``, ``p < 0``, an unknown reduction.""",
         formula="""\
``loss = max(margin + d(a, p) - d_neg, 0)``, ``d_neg = d(a, n)`` or, with ``swap``,
``min(d(a, n), d(p, n))``. The distance is
{PDIST}
At the hinge the gradient passes where ``margin + d(a, p) - d_neg >= 0`` (torch's
clamp_min); on a swap tie ``d(a, n) == d(p, n)`` each distance gets half (torch's min).""",
         example="""\
>>> import numpy as np, actloss as F
>>> a, p, n = np.zeros((1, 2)), np.zeros((1, 2)), np.ones((1, 2))
>>> float(F.triplet_margin_loss(a, p, n, eps=0.0))  # 1 + 0 - sqrt(2), clamped
0.0""",
         grad_returns="""\
grad_anchor, grad_positive, grad_negative : ndarray
    Each of its embedding's shape and dtype.""",
         grad_doc="""\
Gradients ``(grad_anchor, grad_positive, grad_negative)`` of ``triplet_margin_loss``.""",
         gradient="""\
Where the hinge is active (``margin + d(a, p) - d_neg >= 0``), ``+grad_output`` flows into
``d(a, p)`` and ``-grad_output`` into ``d_neg`` (split in half on a swap tie), then through
the distances' gradients to the embeddings; inactive triplets get 0.""",
         cls="TripletMarginLoss",
         cls_args=("margin", "p", "eps", "swap", "reduction"),
         cls_doc="triplet margin loss of p-norm distances"),
    Loss("contrastive_loss", "embedding_losses",
         inputs=(
             In("x1, x2", "array_like", """\
Embeddings of one shape ``(..., D)``: one pair per position of the leading dimensions."""),
             In("target", "array_like", """\
1 for a similar pair, 0 for a dissimilar one (any real, integer or bool dtype), of the
leading shape."""),),
         args=(
             Arg("margin", 1.0, "float", """\
Dissimilar pairs closer than this are pushed apart; must be >= 0."""),
             KW,
             _R,
             Arg("p", 2, "float", "Norm of the pair distance, >= 0 or ``inf``."),
             Arg("eps", 1e-06, "float", """\
Added to the difference before the norm (as torch's pairwise_distance)."""),),
         doc="""\
Contrastive loss of embedding pairs (Hadsell, Chopra & LeCun 2006); not in torch.""",
         returns="""\
ndarray or NumPy scalar
    The leading shape for ``'none'``, else a scalar of the result dtype.""",
         raises="""\
TypeError
    Non-real embeddings, target or parameters.
ValueError
    Shapes that do not match, target values other than 0 and 1, ``margin < 0``, ``p < 0``,
    an unknown reduction.""",
         formula="""\
With ``d = ||x1 - x2 + eps||_p`` and ``y`` the target (1 = similar)::

    loss = 1/2 * y * d^2 + 1/2 * (1 - y) * max(0, margin - d)^2

the form of Hadsell et al. (their eq. 4, with their label convention flipped so that 1
means similar) and of Caffe's ContrastiveLoss, **with** the factor 1/2 (TensorFlow
Addons' ``contrastive_loss`` omits it and is twice this). ``'mean'`` divides the sum by the
number of pairs. The distance is
{PDIST}
The gradient with respect to ``d`` is ``y d - (1 - y) max(0, margin - d)``; it is 0 for
dissimilar pairs at or beyond the margin.""",
         example="""\
>>> import numpy as np, actloss as F
>>> x1, x2 = np.array([[0.0, 0.0], [0.0, 0.0]]), np.array([[3.0, 4.0], [0.6, 0.8]])
>>> F.contrastive_loss(x1, x2, np.array([1, 0]), eps=0.0, reduction="none")
array([12.5,  0. ])""",
         grad_returns="""\
grad_x1, grad_x2 : ndarray
    Each of its embedding's shape and dtype.""",
         grad_doc="""\
Gradients ``(grad_x1, grad_x2)`` of ``contrastive_loss``: ``grad_output * (y d - (1 - y)
max(0, margin - d)) * dd/dx1``, and its negative for x2.""",
         cls="ContrastiveLoss",
         cls_args=("margin", "p", "eps", "reduction"),
         cls_torch=False,
         cls_doc="contrastive loss of pair distances"),
    Loss("info_nce", "embedding_losses",
         inputs=(
             In("query, key", "array_like", """\
``(N, D)`` embeddings; row i of ``key`` is the positive of row i of ``query``, every
other row of ``key`` a negative."""),),
         args=(
             Arg("temperature", 0.1, "float", "tau > 0."),
             KW,
             Arg("reduction", "mean", REDUCTIONS, """\
``'none'`` gives the ``(N,)`` per-pair losses -- in the 2N-view form
(``symmetric=True, intra_view_negatives=True``) the ``(2N,)`` per-view losses, the
query views' then the key views'. ``'sum'`` is their sum, ``'mean'`` their mean."""),
             Arg("symmetric", False, "bool", """\
Average the query->key and key->query directions (CLIP's loss, and the two halves of
SimCLR's)."""),
             Arg("intra_view_negatives", False, "bool", """\
Also contrast each anchor with the other embeddings of its own view (SimCLR's 2N-view
NT-Xent); see Notes."""),),
         doc="""\
InfoNCE / NT-Xent: normalized temperature-scaled cross-entropy of paired embeddings.

Not in torch. ``nt_xent`` is the same function.""",
         returns="""\
ndarray or NumPy scalar
    ``(N,)`` for ``'none'`` (``(2N,)`` in the 2N-view form), else a scalar of the result
    dtype.""",
         raises="""\
TypeError
    Non-real embeddings or temperature, non-bool flags.
ValueError
    Non-2-D or different shapes, ``temperature <= 0``, an unknown reduction.""",
         formula="""\
Rows are L2-normalised as ``torch.nn.functional.normalize`` does, ``u^ = u / max(||u||,
1e-12)``; ``s_ij = <q^_i, k^_j>`` (cosine similarities, a BLAS matmul) and the logits are
``s_ij / tau``. Query->key loss of pair i, the cross-entropy with the diagonal as the target::

    l_i(q->k) = -log( exp(s_ii / tau) / sum_j exp(s_ij / tau) )

``symmetric=False``: ``loss_i = l_i(q->k)`` (``F.cross_entropy(q^ @ k^.T / tau, arange(N))``
of torch, with the default ``reduction``). ``symmetric=True``: ``loss_i = (l_i(q->k) +
l_i(k->q)) / 2``, ``l_i(k->q)`` the same with the roles swapped (the columns of the
logits): CLIP's loss.

``intra_view_negatives=True`` adds the other rows of the anchor's own view to its
denominator, ``sum_j exp(<q^_i, k^_j> / tau) + sum_{j != i} exp(<q^_i, q^_j> / tau)`` (and
likewise for key anchors). With ``symmetric=True`` this is exactly SimCLR's NT-Xent (Chen
et al. 2020) over the 2N views ``[query; key]``: each of the 2N embeddings is the anchor
once, its positive the other view of the same sample, the remaining 2N - 2 its negatives;
``'none'`` returns the 2N anchors' losses ``l_1 .. l_2N`` (anchor i < N is query row i,
anchor N + i key row i), ``'mean'`` is their mean (SimCLR's loss) and ``'sum'`` their sum.
Without it (the default), the loss contrasts across views only (the InfoNCE of CPC/MoCo
with in-batch negatives, CLIP when symmetric).

The log-sum-exps (of rows, and of columns for the key->query direction) are computed in
float64 with the maximum shifted out; similarity and gradient matrices take O(N^2) memory
(``2N x 2N`` for the symmetric SimCLR form).""",
         example="""\
>>> import numpy as np, actloss as F
>>> q = np.eye(3)
>>> round(float(F.info_nce(q, q, temperature=1.0)), 6)  # -log(e / (e + 2))
0.551445""",
         grad_returns="""\
grad_query, grad_key : ndarray
    Each of its embedding's shape and dtype.""",
         grad_doc="Gradients ``(grad_query, grad_key)`` of ``info_nce``.",
         gradient="""\
``grad_output`` is a scalar for 'mean'/'sum', else an array of the loss's shape: ``(N,)``,
or ``(2N,)`` (one per view) in the 2N-view form. The logit gradient ``(softmax - onehot) /
tau`` (a row kernel) goes back through the similarity matmuls (BLAS) and the row
normalisation: ``(g - u^ <u^, g>) / ||u||`` where ``||u|| >= 1e-12``, ``g / 1e-12`` below
(torch's normalize).""",
         cls="InfoNCELoss",
         cls_args=("temperature", "symmetric", "intra_view_negatives", "reduction"),
         cls_torch=False,
         cls_doc="InfoNCE / NT-Xent of paired embeddings",
         aliases=("nt_xent",)),
    Loss("binary_focal_loss", "pointwise_losses",
         inputs=(
             In("input", "array_like", "Logits, any shape."),
             In("target", "array_like", """\
Same shape as input: 0/1 labels or soft labels (probabilities, not checked, as
binary_cross_entropy_with_logits)."""),),
         args=(
             Arg("weight", None, "array_like, optional", """\
Broadcast to the input's shape; multiplies each element's loss ('mean' still divides
by the element count, as binary_cross_entropy_with_logits)."""),
             KW,
             Arg("alpha", 0.25, "float", "Constant factor of every element's loss."),
             Arg("gamma", 2.0, "float", "Exponent of the modulating factor (1 - p_t), >= 0."),
             _R,),
         doc="""\
Binary focal loss with a constant alpha and p_t = exp(-BCE) (soft labels work); not in torch.""",
         formula="""\
ce = binary_cross_entropy_with_logits(input, target, reduction='none'), p_t = exp(-ce),
loss = alpha (1 - p_t)^gamma ce -- the focal loss as the reference document and most
PyTorch code bases write it (with 'mean' by default). For 0/1 targets p_t is the
probability of the true class, as in ``sigmoid_focal_loss``, but alpha weighs every element
alike (``sigmoid_focal_loss`` weighs positives by alpha and negatives by 1 - alpha, and
its default reduction is 'none'). 1 - p_t is computed as -expm1(-ce), so confident
predictions keep their tiny loss and gradient. gamma = 0 is alpha
binary_cross_entropy_with_logits.""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.binary_focal_loss(np.array([3.0, -0.5]), np.array([1.0, 0.3]), reduction="none")
array([2.73208311e-05, 3.36256984e-02])""",
         gradient="""\
alpha (1 - p_t)^gamma (1 + gamma p_t ce / (1 - p_t)) ((1 - target) sigmoid(input) -
target sigmoid(-input)) grad_output (times weight); the ratio ce / (1 - p_t) is 1 at
ce = 0, its limit, and p_t ce is 0 at ce = inf.""",
         fused="""\
Loss and input gradient of ``binary_focal_loss`` in one pass over the logits.""",
         fused_notes="""\
The reduced loss is summed in the same fixed chunks as the forward alone.""",
         cls="BinaryFocalLoss", cls_args=("weight", "alpha", "gamma", "reduction"),
         cls_torch=False,
         cls_doc="constant-alpha binary focal loss of logits (soft labels allowed)"),
    Loss("softmax_focal_loss", "class_losses",
         inputs=(
             In("input", "array_like", """\
Logits ``(N, C)``, ``(N, C, d1, ..., dk)`` or ``(C,)``."""),
             In("target", "array_like", """\
Class indices of any integer dtype, ``(N,)``, ``(N, d1, ..., dk)`` or ``()`` (values in
``[0, C)`` or ignore_index); or class probabilities (floating) of the input's shape.""")),
         args=(
             Arg("alpha", None, "array_like or float, optional", """\
Per-class factor alpha_c: a ``(C,)`` array (like cross_entropy's ``weight``) or one
float for every class; None is 1. It scales the terms, it is not a normaliser: 'mean'
divides by the number of targets that are not ignore_index (the row count for
probability targets), whatever alpha is."""),
             KW,
             Arg("gamma", 2.0, "float", "Exponent of the modulating factor (1 - p), >= 0."),
             Arg("ignore_index", -100, "int", "A class-index target that contributes nothing."),
             _R,
             Arg("label_smoothing", 0.0, "float", """\
In [0, 1]: class-index targets become (1 - label_smoothing) one_hot + label_smoothing / C,
as cross_entropy's."""),),
         doc="""\
Multiclass (softmax) focal loss with per-class alpha (Lin et al. 2017); not in torch.""",
         formula="""\
p = softmax(input) over the class dimension, f_c = -alpha_c (1 - p_c)^gamma log p_c;
loss = f_y for a class index y (0 where y is ignore_index), loss = sum_c q_c f_c for
class probabilities q (and for smoothed labels). 1 - p_c is formed as -expm1(log p_c),
log p by the log_softmax kernel. gamma = 0 with alpha None is cross_entropy (class
indices, probabilities and label_smoothing alike).""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.softmax_focal_loss(np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]]), np.array([0, 1]),
...                      reduction="none")
array([0.01109275, 1.70256999])""",
         gradient="""\
With D_c = dl/dlog p_c = -w_c alpha_c (1 - p_c)^gamma (1 + gamma p_c r_c), r_c = -log p_c /
(1 - p_c) (1 at p_c = 1) and w the target weights (one-hot, smoothed or probabilities):
grad = (D - p sum_c D_c) grad_output, divided by the count for 'mean'.""",
         fused="""\
Loss and input gradient of ``softmax_focal_loss`` from one log_softmax.""",
         cls="SoftmaxFocalLoss",
         cls_args=("alpha", "gamma", "ignore_index", "reduction", "label_smoothing"),
         cls_torch=False,
         cls_doc="multiclass softmax focal loss with per-class alpha"),
    Loss("poly1_cross_entropy", "class_losses",
         inputs=(
             In("input", "array_like", """\
Logits ``(N, C)``, ``(N, C, d1, ..., dk)`` or ``(C,)``."""),
             In("target", "array_like", """\
Class indices of any integer dtype, ``(N,)``, ``(N, d1, ..., dk)`` or ``()`` (values in
``[0, C)`` or ignore_index); or class probabilities (floating) of the input's shape.""")),
         args=(
             KW,
             Arg("epsilon", 2.0, "float", """\
Coefficient of the first polynomial term (optax's default 2.0; any real)."""),
             Arg("ignore_index", -100, "int", "A class-index target that contributes nothing."),
             _R,
             Arg("label_smoothing", 0.0, "float", """\
In [0, 1]: the targets become (1 - label_smoothing) one_hot + label_smoothing / C for
both terms, as optax.smooth_labels followed by optax.poly_loss_cross_entropy."""),),
         doc="""\
Poly-1 cross-entropy (PolyLoss, Leng et al. 2022; optax.poly_loss_cross_entropy); not in torch.""",
         formula="""\
loss = CE + epsilon (1 - p_t) with CE = -sum_c q_c log p_c (cross_entropy) and 1 - p_t =
sum_c q_c (1 - p_c), q the target distribution (one-hot, smoothed, or the given
probabilities) -- optax's formula, each row. 'mean' divides by the number of targets
that are not ignore_index (the row count for probabilities); epsilon = 0 is
cross_entropy.""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.poly1_cross_entropy(np.array([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]]), np.array([0, 1]),
...                       reduction="none")
array([0.67011723, 3.94145562])""",
         gradient="""\
(p sum(q) - q + epsilon p (p_t - q)) grad_output per row (p = softmax(input)), divided by
the count for 'mean'.""",
         fused="""\
Loss and input gradient of ``poly1_cross_entropy`` from one log_softmax.""",
         cls="Poly1CrossEntropyLoss",
         cls_args=("*", "epsilon", "ignore_index", "reduction", "label_smoothing"),
         cls_torch=False,
         cls_doc="Poly-1 cross-entropy (PolyLoss)"),
    Loss("poly_cross_entropy", "class_losses",
         inputs=(
             In("input", "array_like", """\
Logits ``(N, C)``, ``(N, C, d1, ..., dk)`` or ``(C,)``."""),
             In("target", "array_like", """\
Class indices of any integer dtype, ``(N,)``, ``(N, d1, ..., dk)`` or ``()`` (values in
``[0, C)`` or ignore_index); or class probabilities (floating) of the input's shape.""")),
         args=(
             Arg("epsilons", (2.0,), "sequence of float", """\
Coefficients epsilon_1, ..., epsilon_N of (1 - p_t)^1, ..., (1 - p_t)^N (Poly-N); one
coefficient is ``poly1_cross_entropy``, none is cross_entropy."""),
             KW,
             Arg("ignore_index", -100, "int", "A class-index target that contributes nothing."),
             _R,
             Arg("label_smoothing", 0.0, "float", """\
In [0, 1]: the targets become (1 - label_smoothing) one_hot + label_smoothing / C."""),),
         doc="""\
Poly-N cross-entropy (PolyLoss, Leng et al. 2022): CE plus a polynomial in (1 - p_t).""",
         formula="""\
loss = CE + sum_j epsilon_j (1 - p_t)^j, j = 1..N, with CE and 1 - p_t as in
``poly1_cross_entropy`` (optax's 1 - p_t = sum_c q_c (1 - p_c)). 'mean' divides by the
number of targets that are not ignore_index (the row count for probabilities).""",
         example="""\
>>> import numpy as np, actloss as F
>>> F.poly_cross_entropy(np.array([[2.0, 0.5, -1.0]]), np.array([0]), (2.0, 1.0),
...                      reduction="none")
array([0.71608586])""",
         gradient="""\
(p sum(q) - q + K p (p_t - q)) grad_output per row, K = sum_j j epsilon_j (1 - p_t)^(j - 1),
divided by the count for 'mean'.""",
         fused="""\
Loss and input gradient of ``poly_cross_entropy`` from one log_softmax.""",
         cls="PolyCrossEntropyLoss",
         cls_args=("epsilons", "ignore_index", "reduction", "label_smoothing"),
         cls_torch=False,
         cls_doc="Poly-N cross-entropy (PolyLoss)"),
)


# The actloss.nn loss classes, derived from the rows with a class. Its forward runs the function
# on the forward's arrays with the constructor's arguments; its backward runs <function>_backward.
#   params  ((name, default, kind), ...) in the constructor's order; kind "" (kept as given: the
#           function checks it), "bool" (checked at construction), "array" (a buffer: None or
#           an array, in state_dict), "reduction"; after KEYWORD_ONLY the rest are keyword-only
LossModule = namedtuple("LossModule", "name function inputs params fused doc reductions torch")
KEYWORD_ONLY = ("*", None, "")


def _module_param(arg):
    if arg.name == "*":
        return KEYWORD_ONLY
    kind = ("reduction" if arg.name == "reduction" else "bool" if arg.type == "bool"
            else "array" if arg.type.startswith("array_like") else "")
    return (arg.name, arg.default, kind)


def input_names(row):
    """The row's array arguments, one name each."""
    return tuple(n.strip() for i in row.inputs for n in i.name.split(","))


def _loss_module(row):
    args = {a.name: a for a in row.args}
    args["*"] = KW
    return LossModule(row.cls, row.name, row.cls_inputs or input_names(row),
                      tuple(_module_param(args[n]) for n in row.cls_args), row.fused is not None,
                      row.cls_doc, args["reduction"].type, row.cls_torch)


LOSS_MODULES = tuple(_loss_module(row) for row in LOSSES if row.cls)


def numpy_formulas(op):
    """(forward(x, **params), backward(g, x, y, **params)) from the row's plain NumPy formulas
    (op.numpy), for the benchmark's NumPy peer and the self-check's fallback reference."""
    import numpy as np
    namespace = {"np": np}
    if "scipy." in "".join(op.numpy):
        import scipy.special
        namespace["scipy"] = scipy
    names = [p.name for p in op.params]
    head = ", ".join(names)
    fwd = eval(f"lambda x, {head}: {op.numpy[0]}" if names else f"lambda x: {op.numpy[0]}",
               namespace)
    bwd = eval(f"lambda g, x, y, {head}: {op.numpy[1]}" if names else
               f"lambda g, x, y: {op.numpy[1]}", namespace)
    return fwd, bwd
