"""The name map: actloss <-> torch <-> ONNX <-> SciPy <-> JAX (jax.nn) / optax.

One row per actloss function (its aliases in the same row). A cell is reStructuredText; an
empty cell means "no counterpart", or one we did not verify: a cell is filled only where the
fact was checked, against

* ONNX: the operator specification (onnx/onnx ``docs/Operators.md`` and ``docs/Changelog.md``,
  operator sets up to 24);
* SciPy 1.17 and JAX 0.10: ``inspect.signature`` and evaluation of the functions;
* optax 0.2.8: its source (``optax/losses``);
* torch 2.13: torch.nn.functional's signatures, which actloss's own are (its tests compare
  with torch where installed).

``docs/_ext/pages.py`` stops the build when an actloss activation or loss has no row here.
"""
from collections import namedtuple

# actloss: tuple of names (the function, then its aliases); notes: tuple of rst sentences,
# the semantic differences between the columns.
Row = namedtuple("Row", "actloss torch onnx scipy jax notes", defaults=("", "", "", "", ()))

ACTIVATIONS = (
    Row(("relu",), "``F.relu``", "``Relu``", "", "``jax.nn.relu``",
        ("The derivative at 0 is 0 in torch, actloss and ``jax.nn.relu``.",)),
    Row(("relu6",), "``F.relu6``", "``Clip`` (min 0, max 6)", "", "``jax.nn.relu6``",
        ("ONNX has no ReLU6: ``Clip`` with min 0 and max 6 (inputs since opset 11, "
         "attributes before).",)),
    Row(("leaky_relu",), "``F.leaky_relu(negative_slope=0.01)``", "``LeakyRelu(alpha=0.01)``",
        "", "``jax.nn.leaky_relu(negative_slope=0.01)``",
        ("ONNX calls the slope ``alpha``; the defaults agree.",
         "The derivative at exactly 0: torch and actloss give ``negative_slope``, "
         "``jax.nn.leaky_relu`` gives 1.")),
    Row(("elu",), "``F.elu(alpha=1.0)``", "``Elu(alpha=1.0)``", "", "``jax.nn.elu(alpha=1.0)``",
        ("The derivative at 0 is ``alpha`` in torch, actloss and JAX.",)),
    Row(("celu",), "``F.celu(alpha=1.0)``", "``Celu(alpha=1.0)`` (opset 12)", "",
        "``jax.nn.celu(alpha=1.0)``"),
    Row(("selu",), "``F.selu``", "``Selu``", "", "``jax.nn.selu``",
        ("ONNX's default ``alpha`` and ``gamma`` are the float32 roundings "
         "1.67326319217681884765625 and 1.05070102214813232421875; torch, actloss and JAX use "
         "the double constants 1.6732632423543772 and 1.0507009873554805: ONNX's results "
         "differ from theirs by about 3e-8 relative.",)),
    Row(("gelu",), "``F.gelu(approximate='none')``",
        "``Gelu(approximate='none')`` (opset 20)", "``x * scipy.special.ndtr(x)``",
        "``jax.nn.gelu(approximate=True)``",
        ("``jax.nn.gelu`` defaults to the tanh approximation (``approximate=True``, a bool); "
         "torch's, actloss's and ONNX's default is the exact erf form: pass "
         "``approximate=False`` to JAX, ``approximate='tanh'`` to actloss for JAX's default.",
         "At -inf actloss returns -0.0 (the limit); torch and JAX return NaN.")),
    Row(("silu", "swish"), "``F.silu``", "``Swish(alpha=1.0)`` (opset 24)", "",
        "``jax.nn.silu``, ``jax.nn.swish``",
        ("ONNX's ``Swish`` is x sigmoid(alpha x); before opset 24 it is written "
         "``Mul(X, Sigmoid(X))``.",
         "At -inf actloss returns -0.0 (the limit); torch and JAX return NaN.")),
    Row(("mish",), "``F.mish``", "``Mish`` (opset 18)", "", "``jax.nn.mish``",
        ("At -inf actloss returns -0.0 (the limit); torch and JAX return NaN.",)),
    Row(("softplus",), "``F.softplus(beta=1.0, threshold=20.0)``", "``Softplus``",
        "``scipy.special.softplus``", "``jax.nn.softplus``",
        ("Only torch and actloss have ``beta`` and ``threshold``: where beta x > threshold "
         "they return x itself, which differs from the exact softplus by at most "
         "exp(-threshold) / beta (2e-9 at the defaults). ONNX, SciPy and JAX compute "
         "log(1 + exp(x)) "
         "everywhere, with beta 1.",)),
    Row(("softsign",), "``F.softsign``", "``Softsign``", "", "``jax.nn.soft_sign``",
        ("At ±inf actloss returns ±1 (the limit); torch and JAX return NaN.",)),
    Row(("sigmoid", "expit"), "``F.sigmoid``, ``torch.sigmoid``", "``Sigmoid``",
        "``scipy.special.expit``", "``jax.nn.sigmoid``"),
    Row(("tanh",), "``F.tanh``, ``torch.tanh``", "``Tanh``", "``numpy.tanh``",
        "``jax.nn.tanh``, ``jax.numpy.tanh``"),
    Row(("logsigmoid", "log_expit"), "``F.logsigmoid``", "", "``scipy.special.log_expit``",
        "``jax.nn.log_sigmoid``",
        ("ONNX has no log-sigmoid operator.",)),
    Row(("hardtanh",), "``F.hardtanh(min_val=-1.0, max_val=1.0)``", "``Clip``", "",
        "``jax.nn.hard_tanh``",
        ("``jax.nn.hard_tanh`` has no bounds to set (always [-1, 1]) and its derivative at "
         "±1 is 1; torch and actloss give 0 at both bounds.",)),
    Row(("hardsigmoid",), "``F.hardsigmoid``", "``HardSigmoid(alpha=0.2, beta=0.5)``", "",
        "``jax.nn.hard_sigmoid``",
        ("ONNX's HardSigmoid is max(0, min(1, alpha x + beta)) with **alpha = 0.2** by "
         "default; torch's (and actloss's and JAX's) is relu6(x + 3) / 6, i.e. alpha = 1/6, "
         "beta = 0.5: set ``alpha=1/6`` in ONNX to match torch.",)),
    Row(("hardswish",), "``F.hardswish``", "``HardSwish`` (opset 14)", "",
        "``jax.nn.hard_swish``, ``jax.nn.hard_silu``",
        ("ONNX's HardSwish fixes alpha = 1/6, beta = 0.5, which is torch's.",
         "The derivative is 0 at -3 and 1 at 3 in torch (2.7 and later), actloss and JAX.",
         "At -inf actloss returns -0.0 (the limit); torch returns NaN.")),
    Row(("hardshrink",), "``F.hardshrink(lambd=0.5)``", "``Shrink(lambd=0.5, bias=0.0)``", "",
        ""),
    Row(("softshrink",), "``F.softshrink(lambd=0.5)``", "``Shrink(lambd=λ, bias=λ)``", "", "",
        ("ONNX's ``Shrink`` is softshrink only with ``bias`` equal to ``lambd``; its default "
         "bias 0 makes it hardshrink.",)),
    Row(("tanhshrink",), "``F.tanhshrink``", "", "", ""),
    Row(("threshold",), "``F.threshold(threshold, value)``",
        "``ThresholdedRelu(alpha=1.0)`` (value 0 only)", "", "",
        ("torch's ``threshold`` and ``value`` have no defaults. ONNX's ThresholdedRelu is "
         "threshold(x, alpha, 0): x above alpha, else 0, with alpha 1.0 by default; another "
         "``value`` has no ONNX operator.",)),
    Row(("prelu",), "``F.prelu(input, weight)``", "``PRelu``", "", "",
        ("torch and actloss apply ``weight[c]`` along dim 1 (the channels). ONNX's ``slope`` "
         "broadcasts unidirectionally, aligned at the *last* dimensions as in NumPy: a "
         "per-channel slope of an (N, C, H, W) input must have the shape (C, 1, 1).",)),
    Row(("rrelu",), "``F.rrelu(lower=1/8, upper=1/3, training=False)``", "", "", "",
        ("In evaluation (the default) rrelu is leaky_relu with slope (lower + upper) / 2.",)),
    Row(("glu",), "``F.glu(dim=-1)``", "", "", "``jax.nn.glu(axis=-1)``",
        ("Both split the axis in two halves a, b and return a sigmoid(b).",)),
)

SOFTMAX = (
    Row(("softmax",), "``F.softmax(dim)``", "``Softmax(axis=-1)``",
        "``scipy.special.softmax(axis=None)``", "``jax.nn.softmax(axis=-1)``",
        ("torch needs ``dim``: without it, torch (and actloss) pick a legacy axis (0 for 0-, "
         "1- and 3-d input, else 1) with a deprecation warning.",
         "ONNX: ``axis`` defaults to -1 since opset 13. In opsets 1 and 11 it defaults to 1 "
         "and the input is coerced to 2-D, [a0 ⋯ a(k-1), ak ⋯ a(n-1)] for axis k: the "
         "softmax runs over *all* dimensions from ``axis`` on together, not over one "
         "dimension.",
         "SciPy's default ``axis=None`` normalises over the whole array (all elements), not "
         "per row.",
         "actloss's ``temperature`` (beyond torch) divides the input first.")),
    Row(("log_softmax",), "``F.log_softmax(dim)``", "``LogSoftmax(axis=-1)``",
        "``scipy.special.log_softmax(axis=None)``", "``jax.nn.log_softmax(axis=-1)``",
        ("The axis rules are softmax's: torch's legacy implicit dim, ONNX's 2-D coercion "
         "before opset 13, SciPy's whole-array default.",)),
    Row(("softmin",), "``F.softmin(dim)``", "``Softmax`` of ``Neg``", "", "",
        ("softmin(x) = softmax(-x); only torch has a name for it.",)),
    Row(("logsumexp",), "``torch.logsumexp(input, dim, keepdim=False)``",
        "``ReduceLogSumExp(keepdims=1)``",
        "``scipy.special.logsumexp(axis=None, keepdims=False)``",
        "``jax.nn.logsumexp(axis=None)``",
        ("torch and actloss need ``dim``; SciPy and JAX reduce over every axis by default; "
         "ONNX keeps the reduced dimensions by default (``keepdims=1``) and, without "
         "``axes``, reduces over all of them.",
         "SciPy and JAX also take a scale ``b`` and ``return_sign``; torch and actloss do "
         "not.")),
    Row(("sparsemax",), "``entmax.sparsemax`` (the entmax package)", "", "",
        "", ()),
    Row(("entmax15",), "``entmax.entmax15``", "", "", ""),
    Row(("entmax_bisect",), "``entmax.entmax_bisect``", "", "",
        ""),
    Row(("gumbel_softmax",), "``F.gumbel_softmax(tau=1, hard=False, dim=-1)``", "", "", "",
        ("actloss draws the noise from a NumPy ``generator=`` (seedable); torch from its "
         "global generator.",)),
)

LOSSES = (
    Row(("cross_entropy",), "``F.cross_entropy``", "``SoftmaxCrossEntropyLoss``", "",
        "``optax.softmax_cross_entropy``, "
        "``optax.softmax_cross_entropy_with_integer_labels``",
        ("The classes are on dim 1 in torch, actloss and ONNX ((N, C, d1, ...)), on the "
         "*last* axis in optax (``axis=-1``).",
         "optax returns one loss per example (no reduction, no class weights, no "
         "``ignore_index``, no label smoothing) and splits the two target kinds: "
         "``softmax_cross_entropy`` takes probability (one-hot) labels, "
         "``softmax_cross_entropy_with_integer_labels`` class indices. torch and actloss take "
         "either in one function.",
         "ONNX's ``ignore_index`` has no default (torch's is -100), and ONNX has neither "
         "label smoothing nor probability targets.")),
    Row(("nll_loss",), "``F.nll_loss``", "``NegativeLogLikelihoodLoss``", "", "",
        ("ONNX (opset 12 on): ``reduction`` 'mean' by default, weighted as torch; "
         "``ignore_index`` has no default (torch's is -100).",)),
    Row(("binary_cross_entropy",), "``F.binary_cross_entropy``", "", "", "",
        ("torch and actloss clamp each log at -100, so probabilities 0 and 1 give finite "
         "losses.",)),
    Row(("binary_cross_entropy_with_logits",), "``F.binary_cross_entropy_with_logits``", "",
        "", "``optax.sigmoid_binary_cross_entropy``",
        ("optax returns the elementwise losses (torch's ``reduction='none'``) and has no "
         "``weight`` or ``pos_weight``.",)),
    Row(("kl_div",), "``F.kl_div(input, target)``", "",
        "``scipy.special.rel_entr(target, exp(input))``",
        "``optax.kl_divergence(log_predictions, targets)``",
        ("torch's ``input`` is log-probabilities, its ``target`` probabilities (log with "
         "``log_target=True``); the elementwise term is target (log target - input).",
         "SciPy's ``rel_entr(p, q)`` = p log(p / q) takes probabilities for both; "
         "``scipy.special.kl_div(p, q)`` adds -p + q (the generalised divergence), which "
         "only vanishes in a sum over normalised p and q.",
         "optax sums over the last axis (one value per example: torch's 'batchmean' is their "
         "mean over a 2-D batch); ``optax.kl_divergence_with_log_targets`` is "
         "``log_target=True``.",
         "torch's default reduction 'mean' divides by the number of elements, not the "
         "batch size; 'batchmean' is the KL divergence.")),
    Row(("mse_loss",), "``F.mse_loss``", "", "", "``optax.squared_error``",
        ("optax returns the elementwise squares; ``optax.l2_loss`` is **half** of them "
         "(0.5 (x - t)^2).",)),
    Row(("l1_loss",), "``F.l1_loss``", "", "", ""),
    Row(("smooth_l1_loss",), "``F.smooth_l1_loss(beta=1.0)``", "", "", "",
        ("smooth_l1_loss(beta) = huber_loss(delta=beta) / beta: the two agree only at "
         "beta = delta = 1.",)),
    Row(("huber_loss",), "``F.huber_loss(delta=1.0)``", "",
        "``scipy.special.huber(delta, r)``", "``optax.huber_loss(delta=1.0)``",
        ("torch, actloss, optax and SciPy all compute ``0.5 d^2`` for ``|d| <= delta`` and "
         "``delta (|d| - 0.5 delta)`` beyond, d = input - target: the 0.5 factor is in all "
         "of them (unlike ``mse_loss``). optax "
         "and SciPy return the elementwise values (torch's ``reduction='none'``); SciPy takes "
         "``delta`` first and the residual r = input - target second.",)),
    Row(("gaussian_nll_loss",), "``F.gaussian_nll_loss``", "", "", ""),
    Row(("poisson_nll_loss",), "``F.poisson_nll_loss(log_input=True, full=False)``", "", "",
        ""),
    Row(("margin_ranking_loss",), "``F.margin_ranking_loss``", "", "", ""),
    Row(("hinge_embedding_loss",), "``F.hinge_embedding_loss``", "", "", ""),
    Row(("soft_margin_loss",), "``F.soft_margin_loss``", "", "", ""),
    Row(("multilabel_soft_margin_loss",), "``F.multilabel_soft_margin_loss``", "", "", ""),
    Row(("multi_margin_loss",), "``F.multi_margin_loss``", "", "", "",
        ("It sums the hinge over every wrong class (divided by C); "
         "``optax.multiclass_hinge_loss`` takes the largest instead (see "
         "multiclass_hinge_loss).",)),
    Row(("multilabel_margin_loss",), "``F.multilabel_margin_loss``", "", "", ""),
    Row(("cosine_embedding_loss",), "``F.cosine_embedding_loss``", "", "", ""),
    Row(("triplet_margin_loss",), "``F.triplet_margin_loss(margin=1.0, p=2, eps=1e-6)``", "",
        "", "``optax.losses.triplet_margin_loss(margin=1.0, norm_degree=2, eps=1e-6)``",
        ("torch adds ``eps`` to each difference (``||a - p + eps||_p``); optax adds it to the sum "
         "of p-th powers inside the root. optax has no ``swap`` and returns one loss per "
         "triplet (no reduction).",)),
    Row(("triplet_margin_with_distance_loss",), "``F.triplet_margin_with_distance_loss``", "",
        "", ""),
    Row(("sigmoid_focal_loss",),
        "``torchvision.ops.sigmoid_focal_loss(alpha=0.25, gamma=2, reduction='none')``", "",
        "", "``optax.sigmoid_focal_loss(alpha=None, gamma=2.0)``",
        ("optax's ``alpha`` defaults to None, no class weighting (torchvision's alpha < 0); "
         "torchvision's and actloss's default is 0.25. optax has no reduction.",)),
    Row(("binary_focal_loss",), "", "", "", "",
        ("The constant-alpha focal loss on p_t = exp(-BCE); torch has none built in.",)),
    Row(("softmax_focal_loss",), "", "", "", ""),
    Row(("poly1_cross_entropy",), "", "", "",
        "``optax.poly_loss_cross_entropy(epsilon=2.0)``",
        ("optax takes probability (one-hot) labels with the classes on the last axis and "
         "returns one loss per example; actloss takes class indices or probabilities with "
         "the classes on dim 1, ``ignore_index``, ``label_smoothing`` and a reduction. "
         "Both default to epsilon = 2.",)),
    Row(("poly_cross_entropy",), "", "", "", ""),
    Row(("hinge_loss",), "", "", "", "``optax.hinge_loss``",
        ("Both are max(0, 1 - t x) with t = ±1; optax returns the elementwise values.",)),
    Row(("squared_hinge_loss",), "", "", "", ""),
    Row(("multiclass_hinge_loss",), "", "", "", "``optax.multiclass_hinge_loss``",
        ("Both are Crammer and Singer's max(0, 1 + max_(j≠y) s_j - s_y); optax returns one "
         "loss per example and has no ``squared``.",)),
    Row(("log_cosh_loss",), "", "", "", "``optax.log_cosh``",
        ("optax returns the elementwise values.",)),
    Row(("pinball_loss", "quantile_loss"), "", "", "", ""),
    Row(("brier_score_loss",), "", "", "", ""),
    Row(("dice_loss",), "", "", "", "``optax.losses.dice_loss``",
        ("optax's defaults differ: ``smooth=1.0`` (actloss, as MONAI: ``smooth_nr`` and "
         "``smooth_dr`` 1e-5) and ``apply_softmax=True`` (actloss: ``activation='none'``); "
         "its ``alpha``/``beta`` weighting is actloss's ``tversky_loss``.",)),
    Row(("tversky_loss",), "", "", "", ""),
    Row(("generalized_box_iou_loss",), "``torchvision.ops.generalized_box_iou_loss``", "",
        "", ""),
    Row(("distance_box_iou_loss",), "``torchvision.ops.distance_box_iou_loss``", "", "", ""),
    Row(("complete_box_iou_loss",), "``torchvision.ops.complete_box_iou_loss``", "", "", ""),
    Row(("contrastive_loss",), "", "", "", ""),
    Row(("info_nce", "nt_xent"), "", "", "", "``optax.ntxent(temperature=0.07)``",
        ("optax's NT-Xent takes one batch of embeddings and integer labels (equal labels are "
         "positives), averages over all positive pairs and defaults to temperature 0.07; "
         "actloss's takes paired ``query``/``key`` batches (row i of each a positive pair), "
         "temperature 0.1.",)),
    Row(("sparsemax_loss",), "``entmax.sparsemax_loss``", "", "",
        "``optax.losses.multiclass_sparsemax_loss``",
        ("``optax.losses.sparsemax_loss`` is the *binary* loss (0/1 labels); the multiclass "
         "one, actloss's, is ``multiclass_sparsemax_loss``.",)),
    Row(("entmax15_loss",), "``entmax.entmax15_loss``", "", "", ""),
    Row(("entmax_bisect_loss",), "``entmax.entmax_bisect_loss``", "", "", ""),
    Row(("linear_cross_entropy",), "``F.linear_cross_entropy`` (torch 2.13)", "", "", ""),
    Row(("ctc_loss",), "``F.ctc_loss``", "", "", "``optax.ctc_loss``",
        ("optax takes *logits* (it applies log_softmax itself) batch-first (B, T, K) with "
         "0/1 padding masks instead of lengths, and returns one loss per sequence; torch and "
         "actloss take log-probabilities (T, N, C) and lengths, and 'mean' divides each loss "
         "by its target length before averaging.",)),
)

TOOLS = (
    Row(("normalize",), "``F.normalize(p=2.0, dim=1, eps=1e-12)``",
        "``LpNormalization(axis=-1, p=2)``", "", "",
        ("ONNX normalises along the last axis by default (torch: dim 1), takes p = 1 or 2 "
         "only, and has no eps (a zero norm gives 0).",)),
    Row(("cosine_similarity",), "``F.cosine_similarity(dim=1, eps=1e-8)``", "", "",
        "``optax.cosine_similarity(epsilon=0.0)``",
        ("optax works along the last axis (torch: dim 1) and clamps each squared norm at "
         "``epsilon``.",)),
    Row(("pairwise_distance",), "``F.pairwise_distance(p=2.0, eps=1e-6)``", "", "", ""),
    Row(("pdist",), "``F.pdist(p=2)``", "", "``scipy.spatial.distance.pdist``", "",
        ("Both return the condensed upper triangle, row by row.",)),
    Row(("cdist",), "``torch.cdist(p=2.0)``", "", "``scipy.spatial.distance.cdist``", "",
        ("SciPy's is 2-D only; torch and actloss batch over leading dimensions.",)),
    Row(("one_hot",), "``F.one_hot(tensor, num_classes=-1)``", "``OneHot`` (axis -1)", "",
        "``jax.nn.one_hot(x, num_classes)``",
        ("torch and actloss return int64 and infer ``num_classes`` when it is -1; JAX needs "
         "it and returns floats.",
         "ONNX takes the depth and the [off, on] values as inputs and writes all-off rows "
         "for indices outside [-depth, depth - 1]; torch raises there.")),
)

SECTIONS = (("Activations", ACTIVATIONS), ("Softmax family", SOFTMAX), ("Losses", LOSSES),
            ("Distances and encoding", TOOLS))

HEADER = ("actloss", "torch", "ONNX operator", "SciPy", "JAX (jax.nn) / optax")


def covered_names():
    return {name for _, rows in SECTIONS for row in rows for name in row.actloss}


def render(heading, fn):
    """The page: heading(text, underline char) -> rst; fn(name) -> a link to actloss.name."""
    out = [heading("Name map: torch, ONNX, SciPy, JAX and optax", "="),
           "The same function under its name in each library, and where they differ. "
           "``F`` is ``torch.nn.functional``; ONNX names are operators of the default domain "
           "(with the opset that introduced them where that matters); an empty cell means no "
           "counterpart. actloss follows torch: its names, arguments, defaults and results "
           "are torch's unless the notes say otherwise.\n"]
    for title, rows in SECTIONS:
        out += [heading(title, "-"),
                ".. list-table::\n   :header-rows: 1\n   :widths: 16 22 20 18 24\n"]
        out.append("   * - " + "\n     - ".join(HEADER))
        for row in rows:
            names = ", ".join(fn(n) for n in row.actloss)
            cells = [names, row.torch, row.onnx, row.scipy, row.jax]
            out.append("   * - " + "\n     - ".join(c or "" for c in cells))
        out.append("")
        noted = [row for row in rows if row.notes]
        if noted:
            out.append("Differences:\n")
            for row in noted:
                out.append(f"* **{row.actloss[0]}**\n")
                out += [f"  - {note}\n" for note in row.notes]
    return "\n".join(out)
