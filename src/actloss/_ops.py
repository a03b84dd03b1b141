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
UnaryOp = namedtuple(
    "UnaryOp",
    "name params exact saves_output inplace doc module formula derivative notes numpy checks "
    "options nn_reads_output nn_repr public",
    defaults=("", "", "", "", (None, None), (), (), "never", None, True))

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
            nn_reads_output="value <= threshold"),
)
del P

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
               "multilabel_bwd", "normalize_fwd", "normalize_bwd", "ce_fwd", "ce_cols", "ce_bwd")

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


# One loss class of actloss.nn (torch.nn's, or a module form of a loss torch.nn lacks):
# actloss.nn generates it from its row. Its forward runs `function` on the forward's arrays with
# the constructor's arguments; its backward runs `<function>_backward` on the same.
#   name       the class name
#   function   the actloss function
#   inputs     the forward's array arguments, in order (torch's names, trailing _ dropped)
#   params     ((name, default, kind), ...): the constructor's arguments in torch's order; kind
#              "" (kept as given: the function checks it), "bool" (checked at construction),
#              "array" (a buffer: None or an array, in state_dict), "reduction"; after
#              KEYWORD_ONLY the rest are keyword-only
#   fused      the function has <function>_with_grad: in training mode the forward keeps the
#              gradient for backward(1.0)
#   doc        what the class computes, for its docstring's first line
#   reductions the reduction values the constructor accepts
#   torch      torch.nn has the class (False: a module form of a loss torch.nn lacks)
KEYWORD_ONLY = ("*", None, "")
LossModule = namedtuple("LossModule", "name function inputs params fused doc reductions torch",
                        defaults=(False, "", ("none", "mean", "sum"), True))
_R = ("reduction", "mean", "reduction")
_W = ("weight", None, "array")
_IN_TARGET = ("input", "target")
LOSS_MODULES = (
    LossModule("L1Loss", "l1_loss", _IN_TARGET, (_R,), doc="mean absolute error"),
    LossModule("MSELoss", "mse_loss", _IN_TARGET, (_R,), doc="mean squared error"),
    LossModule("SmoothL1Loss", "smooth_l1_loss", _IN_TARGET, (_R, ("beta", 1.0, "")),
               doc="squared error below beta, absolute error above"),
    LossModule("HuberLoss", "huber_loss", _IN_TARGET, (_R, ("delta", 1.0, "")),
               doc="squared error below delta, delta times the absolute error above"),
    LossModule("NLLLoss", "nll_loss", _IN_TARGET, (_W, ("ignore_index", -100, ""), _R), True,
               "negative log-likelihood of log-probabilities"),
    LossModule("CrossEntropyLoss", "cross_entropy", _IN_TARGET,
               (_W, ("ignore_index", -100, ""), _R, ("label_smoothing", 0.0, "")), True,
               "cross-entropy of logits, class indices or class probabilities"),
    LossModule("BCELoss", "binary_cross_entropy", _IN_TARGET, (_W, _R),
               doc="binary cross-entropy of probabilities"),
    LossModule("BCEWithLogitsLoss", "binary_cross_entropy_with_logits", _IN_TARGET,
               (_W, _R, ("pos_weight", None, "array")), True,
               "binary cross-entropy of logits"),
    LossModule("KLDivLoss", "kl_div", _IN_TARGET, (_R, ("log_target", False, "bool")),
               doc="Kullback-Leibler divergence of log-probabilities from a target",
               reductions=("none", "batchmean", "sum", "mean")),
    LossModule("GaussianNLLLoss", "gaussian_nll_loss", ("input", "target", "var"),
               (KEYWORD_ONLY, ("full", False, "bool"), ("eps", 1e-6, ""), _R),
               doc="Gaussian negative log-likelihood"),
    LossModule("PoissonNLLLoss", "poisson_nll_loss", ("log_input", "target"),
               (("log_input", True, "bool"), ("full", False, "bool"), ("eps", 1e-8, ""), _R),
               doc="Poisson negative log-likelihood"),
    LossModule("MarginRankingLoss", "margin_ranking_loss", ("input1", "input2", "target"),
               (("margin", 0.0, ""), _R), doc="ranking hinge of two scores"),
    LossModule("HingeEmbeddingLoss", "hinge_embedding_loss", _IN_TARGET,
               (("margin", 1.0, ""), _R), doc="hinge loss of distances, target 1 or -1"),
    LossModule("CosineEmbeddingLoss", "cosine_embedding_loss", ("input1", "input2", "target"),
               (("margin", 0.0, ""), _R), doc="cosine similarity loss of embedding pairs"),
    LossModule("TripletMarginLoss", "triplet_margin_loss", ("anchor", "positive", "negative"),
               (("margin", 1.0, ""), ("p", 2.0, ""), ("eps", 1e-6, ""), ("swap", False, "bool"),
                _R), doc="triplet margin loss of p-norm distances"),
    LossModule("SoftMarginLoss", "soft_margin_loss", _IN_TARGET, (_R,),
               doc="logistic loss of targets 1 or -1"),
    LossModule("MultiLabelSoftMarginLoss", "multilabel_soft_margin_loss", _IN_TARGET, (_W, _R),
               doc="multi-label one-versus-all logistic loss"),
    LossModule("MultiMarginLoss", "multi_margin_loss", _IN_TARGET,
               (("p", 1, ""), ("margin", 1.0, ""), _W, _R),
               doc="multi-class hinge loss"),
    LossModule("MultiLabelMarginLoss", "multilabel_margin_loss", _IN_TARGET, (_R,),
               doc="multi-label hinge loss"),
    LossModule("SigmoidFocalLoss", "sigmoid_focal_loss", ("inputs", "targets"),
               (("alpha", 0.25, ""), ("gamma", 2, ""), ("reduction", "none", "reduction")),
               doc="sigmoid focal loss, torchvision.ops.sigmoid_focal_loss as a module",
               torch=False),
    LossModule("ContrastiveLoss", "contrastive_loss", ("x1", "x2", "target"),
               (("margin", 1.0, ""), ("p", 2, ""), ("eps", 1e-6, ""), _R),
               doc="contrastive loss of pair distances", torch=False),
    LossModule("InfoNCELoss", "info_nce", ("query", "key"),
               (("temperature", 0.1, ""), ("symmetric", False, "bool"),
                ("intra_view_negatives", False, "bool"), _R),
               doc="InfoNCE / NT-Xent of paired embeddings", torch=False),
)
del _R, _W, _IN_TARGET


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
