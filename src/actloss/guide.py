"""Which last activation and which loss for which task, and checks for the usual mismatches.

* :func:`recommend` maps a task ("binary", "multiclass", "multilabel", "regression",
  "imbalanced", "pairs", "ranking", "retrieval", "generation", "segmentation", "detection",
  or the words of the usual
  decision table: "classification", "extreme class imbalance", "token generation", ...) and a
  few options to a :class:`Recommendation`: what the network's last layer should output,
  which actloss loss takes it, what to apply at inference, and why.
* :func:`check` warns (:class:`GuideWarning`) when a last activation and a loss do not fit
  together, e.g. softmax output fed to ``cross_entropy``, which expects logits. Both may be
  actloss functions, their names, torch.nn class names ("CrossEntropyLoss") or module objects
  of actloss.nn or torch.nn (``check(nn.Softmax(dim=1), nn.CrossEntropyLoss())``).
* :func:`check_input` looks at an actual array and warns when it looks like probabilities or
  log-probabilities where the loss expects logits, or the reverse.
* :func:`table` renders the whole guide as text::

      python -c "import actloss.guide as g; print(g.table())"

Not re-exported by ``actloss``; import it as ``actloss.guide``. Plain Python: nothing here runs
in a training loop except, optionally, the O(size) scan of :func:`check_input`.
"""
import dataclasses
import functools
import inspect
import textwrap
import warnings

import numpy as np

from . import (activations, class_losses, distances, embedding_losses, pointwise_losses,
               sequence_losses, softmax_family)
from ._validate import bool_option

__all__ = ["TASKS", "GuideWarning", "Recommendation", "recommend", "check", "check_input",
           "table"]

# The public functions, by name.
_PUBLIC = {name: getattr(module, name)
           for module in (activations, class_losses, embedding_losses, pointwise_losses,
                          softmax_family, sequence_losses)
           for name in module.__all__}
# distances.py: its loss (the distance tools themselves are not losses)
_PUBLIC["triplet_margin_with_distance_loss"] = distances.triplet_margin_with_distance_loss

TASKS = ("binary", "multiclass", "multilabel", "regression", "imbalanced", "pairs", "ranking",
         "retrieval", "generation", "segmentation", "detection", "sequence")

# Vocabulary size from which the guide points to the adaptive softmax: there the output layer
# (hidden x V matmul + an N x V softmax) dominates a step's cost, and Grave et al. (2017, "Efficient
# softmax approximation for GPUs") report their 2-5x speed-ups on vocabularies of 44k-800k words.
LARGE_VOCABULARY = 50_000


class GuideWarning(UserWarning):
    """A last activation, an input array and a loss that do not fit together."""


@dataclasses.dataclass(frozen=True)
class Recommendation:
    """What :func:`recommend` returns.

    Attributes
    ----------
    task : str
        The task asked for.
    activation : str or None
        The activation applied to the network's output before the loss; None means none: the
        loss takes the raw output of the last linear layer (logits, scores or embeddings).
    activation_fn : callable or None
        The actloss function of `activation` (None when `activation` is None).
    loss : str
        Name of the actloss loss function.
    loss_fn : callable
        The actloss loss function.
    predict : str or None
        What turns the model's output (after `activation`, if any) into probabilities or
        values at inference ("softmax", "sigmoid", "exp", ...); None when that output already
        is the prediction: values of a regression, probabilities of a sigmoid-output model.
    predict_fn : callable or None
        The actloss function of `predict`, when actloss has one (None for "exp").
    reason : str
        One sentence: why this pair.
    notes : tuple of str
        Further advice (options of the loss, related tools, alternatives).
    """

    task: str
    activation: object
    activation_fn: object
    loss: str
    loss_fn: object
    predict: object
    predict_fn: object
    reason: str
    notes: tuple = ()

    def __str__(self):
        lines = [f"task        : {self.task}",
                 f"activation  : {self.activation or 'none (raw output / logits)'}",
                 f"loss        : {self.loss}",
                 f"at inference: {self.predict or 'the output as is'}",
                 f"reason      : {self.reason}"]
        lines += [f"note        : {n}" for n in self.notes]
        return "\n".join(lines)


def _make(task, activation, loss, predict, reason, notes=()):
    return Recommendation(task=task, activation=activation,
                          activation_fn=None if activation is None else _PUBLIC[activation],
                          loss=loss, loss_fn=_PUBLIC[loss], predict=predict,
                          predict_fn=_PUBLIC.get(predict) if predict else None,
                          reason=reason, notes=tuple(notes))


def _choice(value, name, allowed):
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}")
    return value


# ---- one function per task; its keyword arguments are the task's options ----------------------

def _binary(*, logits=True, margin=False):
    if bool_option(margin, "margin"):
        return _make("binary", None, "hinge_loss", None,
                     "A maximum-margin classifier (linear SVM) scores each sample and "
                     "hinge_loss penalises scores on the wrong side of the margin t x >= 1, "
                     "ignoring those already beyond it.",
                     ["targets: -1 and 1 (map 0/1 labels with 2 t - 1)",
                      "squared_hinge_loss: a smooth margin (differentiable at the kink)",
                      "predict: the sign of the score; the scores are not probabilities "
                      "(use logits=True, binary_cross_entropy_with_logits, for those)"])
    if bool_option(logits, "logits"):
        return _make("binary", None, "binary_cross_entropy_with_logits", "sigmoid",
                     "The loss applies the sigmoid itself in a stable form (log1p(exp(-|x|))), "
                     "which neither saturates nor overflows for large logits.",
                     ["pos_weight=n_neg/n_pos rebalances rare positives",
                      "predict: sigmoid(logit) > 0.5, i.e. logit > 0",
                      "brier_score_loss(sigmoid(logits), targets) measures calibration "
                      "(sklearn's Brier score)",
                      "margin=True: hinge_loss, the SVM objective"])
    # The model already outputs the probability: a sigmoid at inference would map every
    # output into (0.5, 0.73] and the 0.5 threshold would always pass.
    return _make("binary", "sigmoid", "binary_cross_entropy", None,
                 "For a model that must output probabilities: binary_cross_entropy takes them "
                 "(log clamped at -100), but loses precision when sigmoid saturates; prefer "
                 "logits=True.",
                 ["predict: output > 0.5; the output already is the probability (no sigmoid "
                  "at inference)"])


def _multiclass(*, log_probs=False, margin=False, sparse=False):
    if bool_option(sparse, "sparse"):
        if bool_option(margin, "margin") or bool_option(log_probs, "log_probs"):
            raise ValueError("sparse=True takes neither margin=True nor log_probs=True: "
                             "choose one")
        return _make("multiclass", None, "sparsemax_loss", "sparsemax",
                     "When the predicted distribution should put exactly zero on the "
                     "implausible classes (sparse attention, interpretable or selective "
                     "predictions), sparsemax projects the logits onto the simplex, and "
                     "sparsemax_loss, its Fenchel-Young loss, is the matching convex loss on "
                     "the raw logits, as cross_entropy is softmax's.",
                     ["entmax15 / entmax15_loss: between softmax and sparsemax (alpha = 1.5), "
                      "sparse but smoother; entmax_bisect(alpha=...) / entmax_bisect_loss for "
                      "any alpha > 1",
                      "predict: sparsemax(logits) (its zeros are the excluded classes); the "
                      "argmax is the same as softmax's",
                      "ignore_index as cross_entropy's"])
    if bool_option(margin, "margin"):
        return _make("multiclass", None, "multiclass_hinge_loss", None,
                     "The Crammer-Singer multi-class SVM asks the target's score to beat the "
                     "best other class by a margin of 1; rows already separated cost nothing.",
                     ["squared=True: the squared hinge",
                      "multi_margin_loss (torch's) sums the hinge over every other class "
                      "instead of taking the largest",
                      "predict: argmax of the scores (not probabilities)"])
    if bool_option(log_probs, "log_probs"):
        return _make("multiclass", "log_softmax", "nll_loss", "exp",
                     "For a model that must output log-probabilities: nll_loss on log_softmax "
                     "is cross_entropy split in two steps.",
                     ["predict: argmax of the log-probabilities; exp gives probabilities"])
    return _make("multiclass", None, "cross_entropy", "softmax",
                 "cross_entropy fuses log_softmax and the negative log-likelihood over raw "
                 "logits in one stable pass (max-shifted log-sum-exp).",
                 ["cross_entropy_with_grad gives the loss and its gradient in one pass",
                  "label_smoothing=0.1 regularises over-confident models; class-probability "
                  "targets (input's shape) are accepted too",
                  "predict: argmax of the logits (softmax only for probabilities)",
                  "brier_score_loss(softmax(logits), targets) measures calibration",
                  "margin=True: multiclass_hinge_loss, the multi-class SVM objective"])


def _multilabel(*, logits=True):
    if not bool_option(logits, "logits"):
        return _make("multilabel", "sigmoid", "binary_cross_entropy", None,
                     "For a model that must output one probability per class: "
                     "binary_cross_entropy on the sigmoid outputs, each class its own binary "
                     "problem; prefer logits=True (stabler when sigmoid saturates).",
                     ["targets: (N, C) array of 0/1",
                      "predict: output > 0.5 per class; the output already is the "
                      "probabilities (no sigmoid at inference)"])
    return _make("multilabel", None, "binary_cross_entropy_with_logits", "sigmoid",
                 "Labels are not exclusive, so each class is its own binary problem: one "
                 "sigmoid per class, not a softmax across classes.",
                 ["targets: (N, C) array of 0/1",
                  "multilabel_soft_margin_loss is the same loss averaged over classes per "
                  "sample",
                  "pos_weight (C,) rebalances rare labels; sigmoid_focal_loss for extreme "
                  "rarity"])


def _regression(*, noise="normal", distribution=False, counts=False, quantile=None):
    _choice(noise, "noise", ("normal", "outliers"))
    distribution, counts = bool_option(distribution, "distribution"), bool_option(counts, "counts")
    if quantile is not None:
        if isinstance(quantile, (bool, np.bool_)) or not isinstance(quantile, (int, float,
                                                                               np.number)):
            raise TypeError(f"quantile must be a number in (0, 1), got "
                            f"{type(quantile).__name__}")
        if not 0 < quantile < 1:
            raise ValueError(f"quantile must be in (0, 1), got {quantile}")
        return _make("regression", None, "pinball_loss", None,
                     f"To predict the {quantile:g} quantile rather than the mean, the pinball "
                     f"loss weighs under-predictions by tau and over-predictions by 1 - tau "
                     f"(its minimiser is the tau-quantile).",
                     [f"pinball_loss(input, target, quantile={quantile:g}); one output per "
                      f"quantile for prediction intervals (e.g. 0.05 and 0.95)",
                      "quantile=0.5 is half the absolute error (the median); sklearn's "
                      "mean_pinball_loss is the same metric"])
    if counts:
        return _make("regression", None, "poisson_nll_loss", "exp",
                     "Counts are Poisson-like: the network predicts the log-rate, and "
                     "poisson_nll_loss(log_input=True) exponentiates it safely.",
                     ["predict: rate = exp(output)",
                      "full=True adds the Stirling term (constant in the parameters)"])
    if distribution:
        if noise == "outliers":
            raise ValueError("noise='outliers' with distribution=True: gaussian_nll_loss "
                             "assumes Gaussian noise; use noise='outliers' alone (huber_loss) "
                             "or clean the outliers first")
        return _make("regression", None, "gaussian_nll_loss", None,
                     "A second output head predicts the variance, and gaussian_nll_loss fits "
                     "both mean and uncertainty by maximum likelihood.",
                     ["variance head: var = softplus(raw) (positive); eps clamps it from below",
                      "gaussian_nll_loss_backward returns (grad_input, grad_var)"])
    if noise == "outliers":
        return _make("regression", None, "huber_loss", None,
                     "huber_loss is quadratic near zero and linear beyond delta, so a few "
                     "gross errors do not dominate the gradient as they do with mse_loss.",
                     ["delta in the units of the target (about the noise scale)",
                      "smooth_l1_loss(beta) = huber_loss(delta=beta) / beta; l1_loss for the "
                      "median",
                      "log_cosh_loss: the same shape (quadratic, then linear) with no delta "
                      "to tune and smooth everywhere"])
    return _make("regression", None, "mse_loss", None,
                 "With Gaussian noise the maximum-likelihood fit of the mean is least squares: "
                 "mse_loss on the linear output.",
                 ["standardise the targets; bound targets may use sigmoid/tanh outputs"])


def _imbalanced(*, kind="multiclass", focal=True):
    _choice(kind, "kind", ("multiclass", "binary", "multilabel"))
    sampler = "actloss.sampling.BalancedBatchSampler(y, batch_size, final_phase_batches=...)"
    if kind == "multiclass":
        reweighted = "cross_entropy(weight=actloss.sampling.class_weights(y, 'balanced'))"
    else:
        reweighted = "binary_cross_entropy_with_logits(pos_weight=n_neg / n_pos)"
    if bool_option(focal, "focal"):
        targets = {"binary": "targets: 0/1 of the input's shape",
                   "multilabel": "targets: (N, C) array of 0/1",
                   "multiclass": "targets: one-hot (N, C) (one sigmoid per class, as in "
                                 "RetinaNet); predict: argmax of the logits"}[kind]
        return _make("imbalanced", None, "sigmoid_focal_loss", "sigmoid",
                     "Focal loss down-weights the many easy examples by (1 - p_t)**gamma so "
                     "the few hard and rare ones drive the gradient.",
                     [targets,
                      "alpha=0.25, gamma=2 (torchvision's defaults); reduction defaults to "
                      "'none'",
                      "initialise the output bias to log(pi / (1 - pi)), pi the positive rate",
                      _OTHER_FOCAL[kind],
                      f"alternatives (focal=False): {reweighted}, or {sampler}"])
    if kind == "multiclass":
        return _make("imbalanced", None, "cross_entropy", "softmax",
                     "Rare classes are swamped by frequent ones under plain cross_entropy; "
                     "class weights or class-balanced batches give them an equal say.",
                     ["weight=actloss.sampling.class_weights(y, 'balanced' or 'effective')",
                      f"or {sampler} (the final phase restores the true priors)",
                      "report per-class recall, not only accuracy",
                      "alternative for extreme imbalance (focal=True): sigmoid_focal_loss; "
                      "on softmax logits with class indices: softmax_focal_loss (per-class "
                      "alpha) or poly1_cross_entropy (PolyLoss)"])
    return _make("imbalanced", None, "binary_cross_entropy_with_logits", "sigmoid",
                 "pos_weight multiplies the loss of the rare positives so that they weigh as "
                 "much as the many negatives.",
                 ["pos_weight=n_neg / n_pos (per class for multilabel)",
                  f"or {sampler}",
                  "alternative for extreme imbalance (focal=True): sigmoid_focal_loss, or "
                  "binary_focal_loss (constant alpha, p_t = exp(-BCE), soft labels)"])


# the other focal-family losses, by task kind: where the torchvision form is not the one wanted
_OTHER_FOCAL = {
    "multiclass": "on softmax logits with class-index targets: softmax_focal_loss (per-class "
                  "alpha, ignore_index, label_smoothing) or poly1_cross_entropy / "
                  "poly_cross_entropy (PolyLoss: cross_entropy + epsilon (1 - p_t))",
    "binary": "binary_focal_loss: the constant-alpha form, p_t = exp(-BCE) (soft labels "
              "work), reduction 'mean' -- the FocalLoss most PyTorch code writes",
    "multilabel": "binary_focal_loss: the constant-alpha form, p_t = exp(-BCE) (soft labels "
                  "work), reduction 'mean' -- the FocalLoss most PyTorch code writes",
}


def _pairs(*, similarity="distance"):
    _choice(similarity, "similarity", ("distance", "cosine"))
    if similarity == "cosine":
        return _make("pairs", None, "cosine_embedding_loss", None,
                     "cosine_embedding_loss pulls similar pairs to cosine 1 and pushes "
                     "dissimilar ones below the margin, ignoring the embeddings' norms.",
                     ["targets: 1 similar, -1 dissimilar; margin in [-1, 1] (0 to 0.5)"])
    return _make("pairs", None, "contrastive_loss", None,
                 "contrastive_loss pulls similar pairs together and pushes dissimilar ones "
                 "until their distance exceeds the margin.",
                 ["targets: 1 similar, 0 dissimilar",
                  "L2-normalise the embeddings when the margin should not depend on scale"])


def _ranking(*, triplets=True):
    if bool_option(triplets, "triplets"):
        return _make("ranking", None, "triplet_margin_loss", None,
                     "triplet_margin_loss makes each anchor closer to its positive than to its "
                     "negative by a margin, learning a metric from relative similarity.",
                     ["mine hard or semi-hard negatives; swap=True uses the harder of the two "
                      "negative distances",
                      "for a cosine (or any other) metric: triplet_margin_with_distance_loss("
                      "distance_function='cosine' or a callable)",
                      "alternatives: margin_ranking_loss on scores of item pairs "
                      "(triplets=False), contrastive_loss on labelled pairs, info_nce with "
                      "in-batch negatives"])
    return _make("ranking", None, "margin_ranking_loss", None,
                 "margin_ranking_loss asks score(x1) > score(x2) + margin whenever x1 ranks "
                 "above x2 (target 1, else -1), which is all a ranking needs.",
                 ["scores are the raw outputs; for whole ranked lists, use pairs of items",
                  "alternative (triplets=True): triplet_margin_loss on embeddings"])


def _retrieval():
    return _make("retrieval", None, "info_nce", None,
                 "info_nce is a cross-entropy over the in-batch similarity matrix: each query "
                 "must pick its own key among all keys of the batch.",
                 ["temperature 0.05-0.1; larger batches give more negatives",
                  "symmetric=True for two towers (CLIP); nt_xent(intra_view_negatives=True) "
                  "for SimCLR-style self-supervision"])


def _generation(*, vocab_size=None):
    notes = ["targets: next-token ids with padding set to ignore_index (-100)",
             "decode: log_softmax for beam search (sums of log-probabilities), softmax with a "
             "temperature for sampling",
             "a sampled token inside the model, trained through: gumbel_softmax(logits, "
             "tau, hard=True) (a one-hot sample with the straight-through gradient; "
             "generator= seeds it)"]
    reason = ("Next-token prediction is multiclass over the vocabulary: cross_entropy on the "
              "raw logits of every position, (N, V) or (N, V, T).")
    if vocab_size is not None:
        if isinstance(vocab_size, (bool, np.bool_)) or not isinstance(vocab_size,
                                                                      (int, np.integer)):
            raise TypeError(f"vocab_size must be an integer, got {type(vocab_size).__name__}")
        if vocab_size < 2:
            raise ValueError(f"vocab_size must be >= 2, got {vocab_size}")
        if vocab_size >= LARGE_VOCABULARY:
            reason = (f"With {vocab_size} tokens the output layer dominates the cost: an "
                      f"adaptive softmax (actloss.nn.AdaptiveLogSoftmaxWithLoss) computes the "
                      f"frequent-token head fully and rare-token clusters only when needed, "
                      f"cross_entropy being the exact reference.")
            notes.insert(0, "actloss.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, "
                            "cutoffs, div_value=4.0): sort the vocabulary by frequency")
            notes.insert(1, "exact and without the (N, V) logits: linear_cross_entropy(h, W, "
                            "target, linear_bias=b) (nn.LinearCrossEntropyLoss) gives the "
                            "loss and the output layer's gradients in vocabulary chunks, "
                            "memory O(N * chunk_size)")
    return _make("generation", None, "cross_entropy", "log_softmax", reason, notes)


def _segmentation(*, small_structures=False):
    if bool_option(small_structures, "small_structures"):
        return _make("segmentation", None, "tversky_loss", "softmax",
                     "When the foreground is small, missing it must cost more than "
                     "over-segmenting: tversky_loss weighs false negatives by beta and false "
                     "positives by alpha.",
                     ["tversky_loss(logits, onehot, alpha=0.3, beta=0.7, activation='softmax')",
                      "alpha = beta = 0.5 is dice_loss; MONAI's TverskyLoss definition"])
    return _make("segmentation", None, "dice_loss", "softmax",
                 "dice_loss scores the overlap of the predicted and true masks per image and "
                 "class, so a small class counts as much as the background (per-pixel "
                 "cross_entropy is dominated by the majority class).",
                 ["dice_loss(logits, onehot, activation='softmax') for exclusive classes, "
                  "activation='sigmoid' for overlapping masks; targets one-hot (B, C, H, W)",
                  "often summed with cross_entropy (stabler early in training)",
                  "batch=True pools each class over the batch (images without the class); "
                  "MONAI's DiceLoss definition",
                  "small_structures=True: tversky_loss"])


def _detection(*, iou="generalized"):
    loss = _choice(iou, "iou", ("generalized", "distance", "complete")) + "_box_iou_loss"
    what = {"generalized": "GIoU adds the empty part of the smallest enclosing box, so boxes "
                           "that do not overlap still get a gradient.",
            "distance": "DIoU adds the distance of the centres over the enclosing box's "
                        "diagonal, which converges faster than GIoU.",
            "complete": "CIoU adds to DIoU an aspect-ratio term, the most complete of "
                        "torchvision's box losses."}[iou]
    return _make("detection", None, loss, None,
                 "Box regression is scored by the overlap that detection is judged by: " + what,
                 ["boxes (x1, y1, x2, y2) with x2 > x1, y2 > y1; reduction defaults to 'none' "
                  "(torchvision)",
                  "the classification head: sigmoid_focal_loss (RetinaNet) or cross_entropy",
                  "iou='generalized' | 'distance' | 'complete' (torchvision.ops' losses)"])


def _sequence():
    return _make("sequence", "log_softmax", "ctc_loss", "exp",
                 "When the labels of a sequence are known but not which frames they sit on "
                 "(speech, handwriting and OCR), ctc_loss sums the probabilities of every "
                 "alignment of the label sequence to the frames, with a blank between labels.",
                 ["log_probs (T, N, C) from log_softmax over the classes (dim 2), the blank "
                  "a class of its own (index 0 by default)",
                  "targets padded (N, S) or concatenated, with input_lengths and "
                  "target_lengths; an input shorter than its target (plus one frame per "
                  "repeated label) gives inf: zero_infinity=True drops those samples",
                  "decode: the argmax class of each frame (exp gives the per-frame "
                  "probabilities), repeats merged, blanks removed (greedy), or a beam search "
                  "over the log-probabilities"])


_TASK_FN = {"binary": _binary, "multiclass": _multiclass, "multilabel": _multilabel,
            "regression": _regression, "imbalanced": _imbalanced, "pairs": _pairs,
            "ranking": _ranking, "retrieval": _retrieval, "generation": _generation,
            "segmentation": _segmentation, "detection": _detection, "sequence": _sequence}


# Task names as users write them (the words of the usual decision table: "Classification? ->
# Extreme class imbalance", "Embeddings / Similarity? -> Ranked similarity", ...) -> (task,
# preset options). Keys are normalised as _task_key does.
_ALIASES = {
    "classification": ("multiclass", {}),  # the general case: binary is its C = 2
    "binary classification": ("binary", {}), "binary output": ("binary", {}),
    "multiclass classification": ("multiclass", {}), "multi class": ("multiclass", {}),
    "multilabel classification": ("multilabel", {}), "multi label": ("multilabel", {}),
    "normal noise": ("regression", {}),
    "outliers": ("regression", {"noise": "outliers"}),
    "outliers present": ("regression", {"noise": "outliers"}),
    "distribution prediction": ("regression", {"distribution": True}),
    "counts": ("regression", {"counts": True}),
    "class imbalance": ("imbalanced", {}), "extreme class imbalance": ("imbalanced", {}),
    "imbalanced classification": ("imbalanced", {}),
    "similarity learning": ("pairs", {}),
    "ranked similarity": ("ranking", {}), "embeddings": ("ranking", {}),
    "metric learning": ("ranking", {}),
    "dense retrieval": ("retrieval", {}),
    "token generation": ("generation", {}), "language modeling": ("generation", {}),
    "language modelling": ("generation", {}), "next token prediction": ("generation", {}),
    "svm": ("multiclass", {"margin": True}), "max margin": ("multiclass", {"margin": True}),
    "sparse probabilities": ("multiclass", {"sparse": True}),
    "sparse attention": ("multiclass", {"sparse": True}),
    "quantile regression": ("regression", {"quantile": 0.5}),
    "semantic segmentation": ("segmentation", {}), "image segmentation": ("segmentation", {}),
    "object detection": ("detection", {}), "bounding box regression": ("detection", {}),
    "speech recognition": ("sequence", {}), "handwriting recognition": ("sequence", {}),
    "ocr": ("sequence", {}), "text recognition": ("sequence", {}), "ctc": ("sequence", {}),
    "unaligned sequence labelling": ("sequence", {}),
    "unaligned sequence labeling": ("sequence", {}),
}


def _task_key(task):
    """Case, hyphens, underscores and runs of spaces do not matter in a task name."""
    return " ".join(task.lower().replace("-", " ").replace("_", " ").split())


def _resolve_task(task):
    """(task, preset options) for a task name or alias; ValueError listing the names."""
    if isinstance(task, str):
        key = _task_key(task)
        if key in _TASK_FN:
            return key, {}
        if key in _ALIASES:
            return _ALIASES[key]
    raise ValueError(f"unknown task {task!r}; the tasks are: {', '.join(TASKS)}; also "
                     f"understood: {', '.join(_ALIASES)}")


def _options(task):
    return [p.name for p in inspect.signature(_TASK_FN[task]).parameters.values()]


def recommend(task, **options):
    """The last activation and the loss for a task.

    Parameters
    ----------
    task : str
        One of :data:`TASKS`:

        ========== ================================================ ===========================
        task       options (defaults first)                         loss
        ========== ================================================ ===========================
        binary     logits=True | False; margin=False | True         bce_with_logits | bce |
                                                                    (margin) hinge
        multiclass log_probs=False | True; margin=False | True;     cross_entropy | nll_loss |
                   sparse=False | True                              (margin) multiclass_hinge
                                                                    | (sparse) sparsemax_loss
        multilabel logits=True | False                              bce_with_logits | bce
        regression noise="normal" | "outliers"; distribution=False  mse | huber |
                   | True; counts=False | True; quantile=None |     gaussian_nll | poisson_nll
                   float in (0, 1)                                  | (quantile) pinball
        imbalanced kind="multiclass" | "binary" | "multilabel";     sigmoid_focal | (focal=
                   focal=True | False                               False) cross_entropy +
                                                                    weights | bce_with_logits
                                                                    + pos_weight
        pairs      similarity="distance" | "cosine"                 contrastive | cosine_emb.
        ranking    triplets=True | False                            triplet | margin_ranking
        retrieval                                                   info_nce
        generation vocab_size=None | int                            cross_entropy (adaptive
                                                                    softmax when >= 50 000)
        segmen-    small_structures=False | True                    dice | tversky
        tation
        detection  iou="generalized" | "distance" | "complete"      generalized/distance/
                                                                    complete_box_iou
        sequence                                                    ctc (after log_softmax)
        ========== ================================================ ===========================

        or a name users write for one, in any case, with spaces, hyphens or underscores:
        the decision table's words ("classification" -> multiclass, "extreme class
        imbalance", "ranked similarity", "dense retrieval", "token generation", "outliers
        present" -> regression with noise="outliers", "distribution prediction", ...). The
        error message for an unknown name lists them all.
    **options
        The task's options above; they override those an alias sets.

    Returns
    -------
    Recommendation
        Frozen dataclass: task (the name in :data:`TASKS`), activation (+ activation_fn), loss
        (+ loss_fn), predict (+ predict_fn), reason, notes. Alternatives are in the notes.

    Raises
    ------
    ValueError
        Unknown task (the message lists the tasks and the names understood), an option value
        not among those allowed, contradictory options (``noise="outliers"`` with
        ``distribution=True``).
    TypeError
        An option the task does not have (the message lists the task's options); a flag that
        is not a bool.

    Examples
    --------
    >>> import actloss.guide as g
    >>> r = g.recommend("multiclass")
    >>> r.activation, r.loss, r.predict
    (None, 'cross_entropy', 'softmax')
    >>> g.recommend("regression", noise="outliers").loss
    'huber_loss'
    >>> g.recommend("Extreme class imbalance").loss
    'sigmoid_focal_loss'
    >>> r = g.recommend("binary", logits=False)      # the model outputs probabilities
    >>> r.activation, r.loss, r.predict
    ('sigmoid', 'binary_cross_entropy', None)
    """
    task, preset = _resolve_task(task)
    accepted = _options(task)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise TypeError(f"task {task!r} has no option {', '.join(map(repr, unknown))}; its "
                        f"options are: {', '.join(accepted) if accepted else '(none)'}")
    return _TASK_FN[task](**{**preset, **options})


# ---- mismatch checks --------------------------------------------------------------------------

# What a loss's first argument must be. Losses absent from this table (regression, embedding
# and ranking losses) take raw outputs of any range and are never warned about.
_EXPECTS = {
    "cross_entropy": "logits", "multi_margin_loss": "logits",
    "binary_cross_entropy_with_logits": "logits", "sigmoid_focal_loss": "logits",
    "multilabel_soft_margin_loss": "logits", "soft_margin_loss": "logits",
    "binary_cross_entropy": "probs", "nll_loss": "log_probs", "kl_div": "log_probs",
    "ctc_loss": "log_probs",
}
_ROWWISE = {"cross_entropy", "multi_margin_loss", "nll_loss"}  # classes along dim 1 (or 0 if 1-D)

# What a last activation produces. Everything else in actloss.ACTIVATIONS is a hidden-layer
# activation ("hidden").
_PRODUCES = {None: "logits", "softmax": "probs", "softmin": "probs", "sigmoid": "probs",
             "hardsigmoid": "probs", "log_softmax": "log_probs",
             "logsigmoid": "log_sigmoid"}  # elementwise log-probabilities, not normalised
_IDENTITY_NAMES = {"none", "identity", "linear", "logits"}

_ACTIVATION_NAMES = set(activations.__all__) | {"softmax", "log_softmax", "softmin"}
_ACTIVATION_NAMES = {n for n in _ACTIVATION_NAMES if not n.endswith("_backward")}


# torch.nn class names (which actloss.nn shares) -> functional names. Most activation classes
# are their function's name in CamelCase; Identity and Linear mean no activation (logits).
@functools.lru_cache(maxsize=None)
def _class_names():
    """torch.nn / actloss.nn class name -> the function it computes: read off actloss.nn's
    classes (each names its function), plus the classes that compute none of their own."""
    from . import nn
    names = {name: cls._fn.__name__ for name, cls in vars(nn).items()
             if isinstance(cls, type) and getattr(cls, "_fn", None) is not None}
    names.update({"PReLU": "prelu", "RReLU": "rrelu", "Softmax2d": "softmax",
                  "Identity": "none", "Linear": "none"})
    return names


def _module_name(obj):
    """The functional name of an actloss.nn or torch.nn module (instance or class), else None."""
    # By class name and defining module, so that torch is never imported here; walking up the
    # class hierarchy also covers a user's subclass of, say, nn.CrossEntropyLoss.
    cls = obj if isinstance(obj, type) else type(obj)
    for klass in cls.__mro__:
        origin = getattr(klass, "__module__", None) or ""
        if klass.__name__ in _class_names() and (origin == f"{__package__}.nn"
                                               or origin.startswith("torch.nn.")):
            return _class_names()[klass.__name__]
    return None


def _name(obj, what, allowed):
    """Normalise a function, name, class name or module to a known name; ValueError otherwise."""
    if isinstance(obj, str):
        name = _class_names().get(obj, obj)
        if name in allowed:
            return name
        raise ValueError(f"unknown {what} {obj!r}; expected an actloss {what} (function or "
                         f"name) or a torch.nn / actloss.nn module or class name")
    name = _module_name(obj)
    if name is None and callable(obj):
        name = getattr(obj, "__name__", None)
        if _PUBLIC.get(name) is not obj:
            name = None
    if name in allowed:
        return name
    raise ValueError(f"{what} {obj!r} is not an actloss {what} (function or name) or a "
                     f"torch.nn / actloss.nn {what} module")


_LOSS_NAMES = {n for n in _PUBLIC if not n.endswith(("_backward", "_with_grad"))
               and n not in _ACTIVATION_NAMES}


def _activation_name(last_activation):
    if last_activation is None:
        return None
    if isinstance(last_activation, str) and last_activation.lower() in _IDENTITY_NAMES:
        return None
    name = _name(last_activation, "activation", _ACTIVATION_NAMES | {"none"})
    return None if name == "none" else name  # nn.Identity(), nn.Linear(...): raw logits


def _mismatch(act, loss):
    """The message for (activation, loss) if they do not fit, else None."""
    expects = _EXPECTS.get(loss)
    if expects is None:
        return None
    produces = _PRODUCES.get(act, "hidden")
    if expects == produces:
        return None
    if expects == "logits":
        if loss == "cross_entropy":
            if produces == "probs" and act in ("softmax", "softmin"):
                return (f"cross_entropy expects logits and applies log_softmax itself: "
                        f"{act} output gets a second softmax, which flattens it (the loss "
                        f"saturates near log(C) and the gradients shrink). Drop the {act}, "
                        f"or use log_softmax + nll_loss.")
            if produces == "log_probs" and act == "log_softmax":
                return ("cross_entropy expects logits: on log_softmax output it computes "
                        "log_softmax twice (same value, wasted work). Use nll_loss on "
                        "log_softmax output, or pass the logits to cross_entropy.")
        if produces == "probs" and loss not in ("cross_entropy", "multi_margin_loss"):
            return (f"{loss} expects logits and applies the sigmoid itself: {act} output "
                    f"lies in [0, 1], so the predicted probability sigmoid({act}(x)) is stuck "
                    f"in [0.5, 0.73] and the loss cannot fit. Drop the {act} (or use "
                    f"binary_cross_entropy on the probabilities).")
        what = {"probs": "probabilities", "log_probs": "log-probabilities",
                "log_sigmoid": "log-probabilities",
                "hidden": "a hidden-layer activation's output"}[produces]
        return (f"{loss} expects logits (unbounded raw scores) but gets {what} from {act}: "
                f"their restricted range keeps the loss from reaching confident predictions "
                f"and shrinks the gradients. Drop the {act} and pass the raw logits.")
    if expects == "probs":
        if produces == "logits":
            return ("binary_cross_entropy expects probabilities in [0, 1] but gets logits "
                    "(no activation): it raises on values outside [0, 1], or silently "
                    "mis-scores values inside. Use binary_cross_entropy_with_logits on the "
                    "logits (stabler), or add a sigmoid.")
        if act in ("softmax", "softmin"):
            return None  # valid probabilities (one-hot targets); not flagged
        what = ("log-probabilities (<= 0)" if produces in ("log_probs", "log_sigmoid")
                else f"{act} output")
        return (f"binary_cross_entropy expects probabilities in [0, 1] but gets {what}. "
                f"Use sigmoid as the last activation, or binary_cross_entropy_with_logits on "
                f"the logits.")
    # log_probs: nll_loss, kl_div
    if produces == "logits":
        return (f"{loss} expects log-probabilities but gets logits (no activation): the loss "
                f"is then unbounded below and training diverges. Add log_softmax"
                f"{', or use cross_entropy on the logits' if loss == 'nll_loss' else ''}.")
    if produces == "probs":
        return (f"{loss} expects log-probabilities but gets probabilities from {act}: it "
                f"then optimises -p instead of -log p, a different objective with vanishing "
                f"gradients. Use log_softmax instead of {act}.")
    if act == "logsigmoid":
        return (f"{loss} expects log-probabilities normalised over the classes (log_softmax); "
                f"logsigmoid gives independent per-class log-probabilities that do not sum to "
                f"one. Use log_softmax.")
    return (f"{loss} expects log-probabilities but gets {act} output. Use log_softmax as the "
            f"last activation.")


def check(last_activation, loss, *, stacklevel=2):
    """Warn if the last activation and the loss do not fit together.

    Parameters
    ----------
    last_activation : str, callable, module or None
        The activation applied to the network's output before the loss: an actloss function
        or its name ("softmax", "log_softmax", "sigmoid", "relu", ...), a torch.nn class name
        ("Softmax", "LogSoftmax", ...), or an actloss.nn or torch.nn module (an instance such
        as ``nn.Softmax(dim=1)``, or its class); None, "none", "identity", "linear", "logits",
        ``nn.Identity()`` or ``nn.Linear(...)`` for none (raw logits).
    loss : str, callable or module
        An actloss loss function or its name, a torch.nn class name ("CrossEntropyLoss",
        "BCEWithLogitsLoss", ...), or an actloss.nn or torch.nn loss module (instance or
        class).
    stacklevel : int, default 2
        Passed to ``warnings.warn`` (2 points at the caller of ``check``).

    Returns
    -------
    list of str
        The warnings issued (empty when the pair fits).

    Warns
    -----
    GuideWarning
        For a known mismatch:

        * cross_entropy, multi_margin_loss, binary_cross_entropy_with_logits,
          sigmoid_focal_loss, multilabel_soft_margin_loss, soft_margin_loss expect logits:
          softmax/softmin/sigmoid/hardsigmoid, log_softmax/logsigmoid or a hidden-layer
          activation (relu, tanh, ...) before them are flagged;
        * binary_cross_entropy expects probabilities: logits, log-probabilities and
          hidden-layer activations are flagged (softmax is not: valid with one-hot targets);
        * nll_loss and kl_div expect log-probabilities (log_softmax): logits, probabilities,
          logsigmoid and hidden-layer activations are flagged.

        Regression, ranking and embedding losses accept any last activation.

    Raises
    ------
    ValueError
        An activation or a loss that actloss does not have (or an object that is none of the
        above).

    Examples
    --------
    >>> import warnings, actloss.guide as g
    >>> g.check(None, "cross_entropy")
    []
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     _ = g.check("softmax", "cross_entropy")
    >>> w[0].category.__name__
    'GuideWarning'
    >>> g.check("LogSoftmax", "NLLLoss")
    []
    """
    act = _activation_name(last_activation)
    loss_name = _name(loss, "loss", _LOSS_NAMES)
    message = _mismatch(act, loss_name)
    if message is None:
        return []
    warnings.warn(message, GuideWarning, stacklevel=stacklevel)
    return [message]


# Below this many values, a batch of genuine logits can all fall in [0, 1] by chance; the
# elementwise probability test of check_input is skipped.
_MIN_ELEMENTWISE = 8
# Rows "sum to 1" within this tolerance: loose enough for float16/float32 softmax output,
# tight enough that unnormalised scores almost never pass.
_SUM_TOL = 1e-3


def _class_axis(x):
    """torch's class dimension: 0 for a (C,) input, else 1."""
    return 0 if x.ndim == 1 else 1


def check_input(input, loss, *, stacklevel=2):
    """Warn if an array given to a loss looks like the wrong kind of output.

    Parameters
    ----------
    input : array_like
        What is about to be passed as the loss's first argument.
    loss : str, callable or module
        As for :func:`check`: an actloss loss function, its name, a torch.nn class name or
        a loss module.
    stacklevel : int, default 2

    Returns
    -------
    list of str
        The warnings issued (empty when nothing looks wrong).

    Warns
    -----
    GuideWarning
        * loss expecting class logits (cross_entropy, multi_margin_loss): every row along the
          class axis (dim 1, or 0 for a 1-D input) with at least 2 classes is nonnegative and
          sums to 1 (probabilities), or is <= 0 with exp summing to 1 (log-probabilities);
        * loss expecting elementwise logits (binary_cross_entropy_with_logits,
          sigmoid_focal_loss, multilabel_soft_margin_loss, soft_margin_loss): at least 8
          values and all in [0, 1];
        * binary_cross_entropy: any value outside [0, 1] (logits?);
        * nll_loss, kl_div, ctc_loss: any value > 0 (logits?), or nonnegative rows summing
          to 1 (probabilities; along dim 1 for nll_loss, the last axis for kl_div and
          ctc_loss).

        Sums are compared with a tolerance of 1e-3. NaN values make a test inconclusive (no
        warning). Other losses are not checked.

    Notes
    -----
    A debugging aid: it reads the whole array and allocates temporaries of its size; call it
    once on the first batch, not at every step.
    """
    loss_name = _name(loss, "loss", _LOSS_NAMES)
    expects = _EXPECTS.get(loss_name)
    x = np.asarray(input)
    if expects is None or x.size == 0 or x.dtype.kind not in "biuf":
        return []
    x = x.astype(np.float64, copy=False)
    message = None
    finite = np.isfinite(x).all()
    if not finite and np.isnan(x).any():
        return []
    if loss_name in _ROWWISE or loss_name in ("kl_div", "ctc_loss"):
        axis = -1 if loss_name in ("kl_div", "ctc_loss") else _class_axis(x)
        n_classes = x.shape[axis]
        rows_are_probs = (n_classes >= 2 and (x >= 0).all() and
                          np.allclose(x.sum(axis=axis), 1.0, rtol=0, atol=_SUM_TOL))
    else:
        rows_are_probs = False
    if expects == "logits":
        if loss_name in _ROWWISE:
            if rows_are_probs:
                message = (f"{loss_name} expects logits, but every row of the input is "
                           f"nonnegative and sums to 1: it looks like softmax output. Pass the "
                           f"logits (before softmax).")
            elif (n_classes >= 2 and (x <= 0).all() and finite and
                  np.allclose(np.exp(x).sum(axis=axis), 1.0, rtol=0, atol=_SUM_TOL)):
                message = (f"{loss_name} expects logits, but the input's rows look like "
                           f"log_softmax output (<= 0, exp sums to 1). Use nll_loss on them, "
                           f"or pass the logits.")
        elif x.size >= _MIN_ELEMENTWISE and (x >= 0).all() and (x <= 1).all():
            message = (f"{loss_name} expects logits, but all {x.size} input values lie in "
                       f"[0, 1]: they look like sigmoid output. Pass the logits, or use "
                       f"binary_cross_entropy on probabilities.")
    elif expects == "probs":
        if not ((x >= 0).all() and (x <= 1).all()):
            message = (f"binary_cross_entropy expects probabilities in [0, 1], but the input "
                       f"spans [{x.min():g}, {x.max():g}]: logits? Use "
                       f"binary_cross_entropy_with_logits.")
    else:
        if rows_are_probs:
            message = (f"{loss_name} expects log-probabilities, but the input's rows are "
                       f"probabilities (nonnegative, summing to 1). Use log_softmax instead "
                       f"of softmax.")
        elif (x > 1e-6).any():
            message = (f"{loss_name} expects log-probabilities (<= 0), but the input has "
                       f"values up to {x.max():g}: logits? Apply log_softmax first"
                       f"{' or use cross_entropy' if loss_name == 'nll_loss' else ''}.")
    if message is None:
        return []
    warnings.warn(message, GuideWarning, stacklevel=stacklevel)
    return [message]


# ---- the printable guide ----------------------------------------------------------------------

_TABLE_CASES = (
    ("binary", {}), ("binary", {"logits": False}),
    ("multiclass", {}), ("multiclass", {"log_probs": True}),
    ("multilabel", {}), ("multilabel", {"logits": False}),
    ("regression", {}), ("regression", {"noise": "outliers"}),
    ("regression", {"distribution": True}), ("regression", {"counts": True}),
    ("imbalanced", {}), ("imbalanced", {"kind": "binary"}), ("imbalanced", {"focal": False}),
    ("imbalanced", {"kind": "binary", "focal": False}),
    ("pairs", {}), ("pairs", {"similarity": "cosine"}),
    ("ranking", {}), ("ranking", {"triplets": False}),
    ("retrieval", {}),
    ("generation", {}), ("generation", {"vocab_size": 100_000}),
    ("binary", {"margin": True}), ("multiclass", {"margin": True}),
    ("multiclass", {"sparse": True}),
    ("regression", {"quantile": 0.9}),
    ("segmentation", {}), ("segmentation", {"small_structures": True}),
    ("detection", {}), ("detection", {"iou": "distance"}), ("detection", {"iou": "complete"}),
    ("sequence", {}),
)

_MISMATCH_PAIRS = (
    ("softmax", "cross_entropy"), ("log_softmax", "cross_entropy"),
    ("sigmoid", "binary_cross_entropy_with_logits"), (None, "binary_cross_entropy"),
    (None, "nll_loss"), ("softmax", "nll_loss"), ("relu", "cross_entropy"),
)


def table(width=100):
    """The whole guide as printable text: every task and option, then the checked mismatches.

    Parameters
    ----------
    width : int, default 100
        Line width of the wrapped reasons and notes.

    Returns
    -------
    str
    """
    out = ["actloss task guide: last activation -> loss (actloss.guide.recommend)", ""]
    header = f"{'task (options)':40} {'last activation':16} {'loss':33} at inference"
    out += [header, "-" * len(header)]
    wrap = textwrap.TextWrapper(width=width, initial_indent="    ", subsequent_indent="    ")
    note_wrap = textwrap.TextWrapper(width=width, initial_indent="    - ",
                                     subsequent_indent="      ")
    for task, opts in _TABLE_CASES:
        r = recommend(task, **opts)
        label = task + (" (" + ", ".join(f"{k}={v!r}" for k, v in opts.items()) + ")"
                        if opts else "")
        out.append(f"{label:40} {r.activation or '(none)':16} {r.loss:33} "
                   f"{r.predict or '(output as is)'}")
        out.extend(wrap.wrap(r.reason))
        for note in r.notes:
            out.extend(note_wrap.wrap(note))
    aliases = ", ".join(f"{name!r} ({task}" + "".join(f", {k}={v!r}" for k, v in opts.items())
                        + ")" for name, (task, opts) in _ALIASES.items())
    out += [""] + textwrap.wrap("Task names also understood: " + aliases, width=width)
    out += ["", "Mismatches warned about (actloss.guide.check, GuideWarning), for example:", ""]
    for act, loss in _MISMATCH_PAIRS:
        out.append(f"  {act or '(none: logits)'} -> {loss}")
        out.extend(wrap.wrap(_mismatch(act, loss)))
    out += ["", "actloss.guide.check_input(x, loss) inspects an actual batch the same way."]
    return "\n".join(out)
