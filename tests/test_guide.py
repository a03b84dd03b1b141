"""actloss.guide: recommendations point at real actloss functions; mismatches warn."""
import dataclasses
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import actloss as F
import actloss.guide as g
from actloss.guide import GuideWarning

# Every option variant of every task (the guide's own table enumerates the same ones).
CASES = [
    ("binary", {}), ("binary", {"logits": False}),
    ("multiclass", {}), ("multiclass", {"log_probs": True}),
    ("multilabel", {}), ("multilabel", {"logits": False}),
    ("regression", {}), ("regression", {"noise": "outliers"}),
    ("regression", {"distribution": True}), ("regression", {"counts": True}),
    ("regression", {"distribution": True, "counts": True}),
    ("imbalanced", {}), ("imbalanced", {"kind": "binary"}), ("imbalanced", {"kind": "multilabel"}),
    ("imbalanced", {"focal": False}), ("imbalanced", {"kind": "binary", "focal": False}),
    ("imbalanced", {"kind": "multilabel", "focal": False}),
    ("pairs", {}), ("pairs", {"similarity": "cosine"}),
    ("ranking", {}), ("ranking", {"triplets": True}), ("ranking", {"triplets": False}),
    ("retrieval", {}),
    ("generation", {}), ("generation", {"vocab_size": 1000}),
    ("generation", {"vocab_size": 250_000}),
    ("binary", {"margin": True}), ("multiclass", {"margin": True}),
    ("multiclass", {"sparse": True}),
    ("regression", {"quantile": 0.9}), ("regression", {"quantile": 0.5, "noise": "outliers"}),
    ("segmentation", {}), ("segmentation", {"small_structures": True}),
    ("detection", {}), ("detection", {"iou": "distance"}), ("detection", {"iou": "complete"}),
    ("sequence", {}),
]


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _id(case):
    task, opts = case
    return task + "".join(f"-{k}={v}" for k, v in opts.items())


# ---- recommend ------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_recommend_returns_existing_actloss_functions(case):
    task, opts = case
    r = g.recommend(task, **opts)
    assert isinstance(r, g.Recommendation) and r.task == task
    assert r.loss in F.__all__ and r.loss_fn is getattr(F, r.loss)
    if r.activation is None:
        assert r.activation_fn is None
    else:
        assert r.activation in F.__all__ and r.activation_fn is getattr(F, r.activation)
    if r.predict in F.__all__:
        assert r.predict_fn is getattr(F, r.predict)
    else:
        assert r.predict_fn is None and r.predict in (None, "exp")
    assert isinstance(r.reason, str) and r.reason.endswith(".") and len(r.reason) > 30
    assert all(isinstance(n, str) and n for n in r.notes)
    assert str(r).startswith(f"task        : {task}")


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_recommended_pairs_pass_check(case, no_warnings):
    r = g.recommend(case[0], **case[1])
    assert g.check(r.activation, r.loss) == []


def test_recommend_every_task_is_covered():
    assert set(g.TASKS) == {c[0] for c in CASES}
    assert set(g.TASKS) == {"binary", "multiclass", "multilabel", "regression", "imbalanced",
                            "pairs", "ranking", "retrieval", "generation", "segmentation",
                            "detection", "sequence"}


@pytest.mark.parametrize("task,opts,activation,loss,predict", [
    ("binary", {}, None, "binary_cross_entropy_with_logits", "sigmoid"),
    ("binary", {"logits": False}, "sigmoid", "binary_cross_entropy", None),
    ("multiclass", {}, None, "cross_entropy", "softmax"),
    ("multiclass", {"log_probs": True}, "log_softmax", "nll_loss", "exp"),
    ("multilabel", {}, None, "binary_cross_entropy_with_logits", "sigmoid"),
    ("multilabel", {"logits": False}, "sigmoid", "binary_cross_entropy", None),
    ("regression", {}, None, "mse_loss", None),
    ("regression", {"noise": "outliers"}, None, "huber_loss", None),
    ("regression", {"distribution": True}, None, "gaussian_nll_loss", None),
    ("regression", {"counts": True}, None, "poisson_nll_loss", "exp"),
    ("imbalanced", {}, None, "sigmoid_focal_loss", "sigmoid"),
    ("imbalanced", {"kind": "binary"}, None, "sigmoid_focal_loss", "sigmoid"),
    ("imbalanced", {"focal": False}, None, "cross_entropy", "softmax"),
    ("imbalanced", {"kind": "binary", "focal": False}, None, "binary_cross_entropy_with_logits",
     "sigmoid"),
    ("pairs", {}, None, "contrastive_loss", None),
    ("pairs", {"similarity": "cosine"}, None, "cosine_embedding_loss", None),
    ("ranking", {}, None, "triplet_margin_loss", None),
    ("ranking", {"triplets": False}, None, "margin_ranking_loss", None),
    ("ranking", {"triplets": True}, None, "triplet_margin_loss", None),
    ("retrieval", {}, None, "info_nce", None),
    ("generation", {}, None, "cross_entropy", "log_softmax"),
    ("binary", {"margin": True}, None, "hinge_loss", None),
    ("multiclass", {"margin": True}, None, "multiclass_hinge_loss", None),
    ("multiclass", {"sparse": True}, None, "sparsemax_loss", "sparsemax"),
    ("regression", {"quantile": 0.1}, None, "pinball_loss", None),
    ("segmentation", {}, None, "dice_loss", "softmax"),
    ("segmentation", {"small_structures": True}, None, "tversky_loss", "softmax"),
    ("detection", {}, None, "generalized_box_iou_loss", None),
    ("detection", {"iou": "distance"}, None, "distance_box_iou_loss", None),
    ("detection", {"iou": "complete"}, None, "complete_box_iou_loss", None),
    ("sequence", {}, "log_softmax", "ctc_loss", "exp"),
])
def test_recommend_mapping(task, opts, activation, loss, predict):
    r = g.recommend(task, **opts)
    assert (r.activation, r.loss, r.predict) == (activation, loss, predict)


def test_predict_step_matches_what_the_model_outputs(rng):
    # Where the model itself ends in sigmoid/softmax/log_softmax, the inference step applied to
    # its output must give the probabilities of the logits, not squash them a second time.
    z = 4.0 * rng.standard_normal((32, 3))
    seen = set()
    for task, opts in CASES:
        r = g.recommend(task, **opts)
        if r.activation is None:
            continue
        out = r.activation_fn(z) if r.activation == "sigmoid" else r.activation_fn(z, dim=1)
        to_probs = {None: lambda a: a, "exp": np.exp}.get(r.predict, r.predict_fn)
        expected = F.sigmoid(z) if r.activation == "sigmoid" else F.softmax(z, dim=1)
        np.testing.assert_allclose(to_probs(out), expected, rtol=1e-12, atol=1e-15)
        seen.add((task, r.activation))
    assert seen == {("binary", "sigmoid"), ("multilabel", "sigmoid"),
                    ("multiclass", "log_softmax"), ("sequence", "log_softmax")}
    r = g.recommend("binary", logits=False)
    assert (r.predict, r.predict_fn) == (None, None)
    assert "at inference: the output as is" in str(r)
    assert any("output > 0.5" in n for n in r.notes)


TABLE_WORDS = [
    ("classification", "multiclass", {}),
    ("Token generation", "generation", {}),
    ("extreme class imbalance", "imbalanced", {}),
    ("Ranked similarity", "ranking", {}),
    ("binary classification", "binary", {}),
    ("multi-label", "multilabel", {}),
    ("outliers present", "regression", {"noise": "outliers"}),
    ("distribution prediction", "regression", {"distribution": True}),
    ("dense_retrieval", "retrieval", {}),
    ("similarity learning", "pairs", {}),
    ("  Language   Modelling ", "generation", {}),
    ("speech recognition", "sequence", {}),
    ("OCR", "sequence", {}),
]


@pytest.mark.parametrize("words,task,opts", TABLE_WORDS)
def test_recommend_understands_decision_table_words(words, task, opts):
    r = g.recommend(words)
    assert r == g.recommend(task, **opts) and r.task == task


def test_recommend_alias_takes_options():
    r = g.recommend("token generation", vocab_size=g.LARGE_VOCABULARY)
    assert r.loss == "cross_entropy" and "AdaptiveLogSoftmaxWithLoss" in r.reason
    assert g.recommend("extreme class imbalance", kind="binary", focal=False).loss == \
        "binary_cross_entropy_with_logits"
    assert g.recommend("Outliers present").loss == "huber_loss"
    assert g.recommend("outliers present", noise="normal").loss == "mse_loss"  # explicit wins
    with pytest.raises(TypeError, match="task 'multiclass' has no option 'noise'"):
        g.recommend("classification", noise="outliers")


def test_recommend_unknown_task_lists_accepted_names():
    with pytest.raises(ValueError, match="unknown task 'clustering'") as e:
        g.recommend("clustering")
    for name in g.TASKS + ("classification", "token generation", "extreme class imbalance",
                           "ranked similarity", "dense retrieval"):
        assert name in str(e.value)
    with pytest.raises(ValueError, match="also understood: classification"):
        g.recommend(3)


def test_extreme_imbalance_defaults_to_focal_loss_with_alternatives():
    r = g.recommend("imbalanced")
    assert (r.activation, r.loss, r.predict) == (None, "sigmoid_focal_loss", "sigmoid")
    notes = " ".join(r.notes)
    assert "cross_entropy(weight=actloss.sampling.class_weights(y" in notes
    assert "BalancedBatchSampler" in notes and "focal=False" in notes
    assert "one-hot" in notes  # multiclass targets for a sigmoid focal loss
    binary = " ".join(g.recommend("imbalanced", kind="binary").notes)
    assert "binary_cross_entropy_with_logits(pos_weight=" in binary
    alternative = g.recommend("imbalanced", focal=False)
    assert alternative.loss == "cross_entropy" and "sigmoid_focal_loss" in " ".join(
        alternative.notes)
    # the other focal losses and PolyLoss are named where the focal answer is given
    assert "softmax_focal_loss" in notes and "poly1_cross_entropy" in notes
    assert "binary_focal_loss" in binary
    assert "binary_focal_loss" in " ".join(g.recommend("imbalanced", kind="multilabel").notes)
    assert "softmax_focal_loss" in " ".join(alternative.notes)
    for name in ("softmax_focal_loss", "poly1_cross_entropy", "poly_cross_entropy",
                 "binary_focal_loss"):
        assert callable(getattr(F, name))


def test_ranked_similarity_defaults_to_triplet_loss_with_alternatives():
    r = g.recommend("ranking")
    assert (r.activation, r.loss, r.predict) == (None, "triplet_margin_loss", None)
    notes = " ".join(r.notes)
    for alternative in ("margin_ranking_loss", "contrastive_loss", "info_nce"):
        assert alternative in notes
    pairwise = g.recommend("ranking", triplets=False)
    assert pairwise.loss == "margin_ranking_loss"
    assert "triplet_margin_loss" in " ".join(pairwise.notes)


def test_recommend_imbalanced_points_to_sampling_tools():
    text = " ".join(g.recommend("imbalanced").notes)
    assert "class_weights" in text and "BalancedBatchSampler" in text
    import actloss.sampling as sampling
    assert hasattr(sampling, "class_weights") and hasattr(sampling, "BalancedBatchSampler")


def test_recommend_generation_large_vocabulary_mentions_adaptive_softmax():
    small, large = g.recommend("generation", vocab_size=1000), g.recommend(
        "generation", vocab_size=g.LARGE_VOCABULARY)
    assert "Adaptive" not in small.reason + " ".join(small.notes)
    assert "AdaptiveLogSoftmaxWithLoss" in large.reason
    assert large.loss == "cross_entropy"
    assert any("linear_cross_entropy" in n for n in large.notes)
    assert not any("linear_cross_entropy" in n for n in small.notes)


def test_recommendation_is_frozen():
    r = g.recommend("binary")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.loss = "mse_loss"


def test_recommend_unknown_task_lists_tasks():
    with pytest.raises(ValueError, match="unknown task 'clustering'") as e:
        g.recommend("clustering")
    for task in g.TASKS:
        assert task in str(e.value)
    with pytest.raises(ValueError, match="unknown task"):
        g.recommend(None)


@pytest.mark.parametrize("task,opts,exc,match", [
    ("binary", {"noise": "normal"}, TypeError, "task 'binary' has no option 'noise'; its "
                                               "options are: logits, margin"),
    ("regression", {"quantile": 1.0}, ValueError, r"quantile must be in \(0, 1\), got 1.0"),
    ("regression", {"quantile": "0.5"}, TypeError, "quantile must be a number"),
    ("detection", {"iou": "giou"}, ValueError, "iou must be one of 'generalized'"),
    ("segmentation", {"small_structures": 1}, TypeError, "small_structures"),
    ("retrieval", {"symmetric": True}, TypeError, r"options are: \(none\)"),
    ("regression", {"noise": "laplace"}, ValueError, "noise must be one of 'normal', 'outliers'"),
    ("regression", {"noise": "outliers", "distribution": True}, ValueError, "gaussian_nll_loss"),
    ("regression", {"distribution": 1}, TypeError, "distribution must be a bool"),
    ("imbalanced", {"kind": "regression"}, ValueError, "kind must be one of"),
    ("pairs", {"similarity": "dot"}, ValueError, "similarity must be one of"),
    ("generation", {"vocab_size": 1}, ValueError, "vocab_size must be >= 2"),
    ("generation", {"vocab_size": 5e4}, TypeError, "vocab_size must be an integer"),
])
def test_recommend_option_errors(task, opts, exc, match):
    with pytest.raises(exc, match=match):
        g.recommend(task, **opts)


# ---- check ----------------------------------------------------------------------------------

MISMATCHES = [
    ("softmax", "cross_entropy", "applies log_softmax itself"),
    ("softmin", "cross_entropy", "second softmax"),
    ("log_softmax", "cross_entropy", "log_softmax twice"),
    ("sigmoid", "cross_entropy", "expects logits"),
    ("relu", "cross_entropy", "hidden-layer"),
    ("softmax", "multi_margin_loss", "expects logits"),
    ("sigmoid", "binary_cross_entropy_with_logits", r"sigmoid\(sigmoid\(x\)\) is stuck"),
    ("hardsigmoid", "binary_cross_entropy_with_logits", r"\[0.5, 0.73\]"),
    ("softmax", "binary_cross_entropy_with_logits", "applies the sigmoid itself"),
    ("sigmoid", "sigmoid_focal_loss", "applies the sigmoid itself"),
    ("sigmoid", "multilabel_soft_margin_loss", "applies the sigmoid itself"),
    ("logsigmoid", "binary_cross_entropy_with_logits", "log-probabilities"),
    ("tanh", "soft_margin_loss", "hidden-layer"),
    (None, "binary_cross_entropy", "Use binary_cross_entropy_with_logits"),
    ("log_softmax", "binary_cross_entropy", "log-probabilities"),
    ("tanh", "binary_cross_entropy", "tanh output"),
    (None, "nll_loss", "unbounded below"),
    ("softmax", "nll_loss", "probabilities from softmax"),
    ("sigmoid", "nll_loss", "log_softmax instead of sigmoid"),
    ("logsigmoid", "nll_loss", "do not sum to one"),
    ("gelu", "nll_loss", "gelu output"),
    (None, "kl_div", "expects log-probabilities"),
    ("softmax", "kl_div", "log_softmax instead"),
]


@pytest.mark.parametrize("act,loss,match", MISMATCHES)
def test_check_warns_on_mismatch(act, loss, match):
    with pytest.warns(GuideWarning, match=match) as record:
        messages = g.check(act, loss)
    assert len(messages) == 1 and len(record) == 1
    assert record[0].filename == __file__  # stacklevel points at the caller


CORRECT = [
    (None, "cross_entropy"), ("none", "cross_entropy"), ("identity", "multi_margin_loss"),
    ("linear", "binary_cross_entropy_with_logits"), (None, "sigmoid_focal_loss"),
    (None, "multilabel_soft_margin_loss"), (None, "soft_margin_loss"),
    ("sigmoid", "binary_cross_entropy"), ("hardsigmoid", "binary_cross_entropy"),
    ("softmax", "binary_cross_entropy"),
    ("log_softmax", "nll_loss"), ("log_softmax", "kl_div"),
    (None, "mse_loss"), ("sigmoid", "mse_loss"), ("tanh", "huber_loss"),
    ("softplus", "gaussian_nll_loss"), (None, "poisson_nll_loss"),
    (None, "info_nce"), ("relu", "contrastive_loss"), (None, "triplet_margin_loss"),
    (None, "cosine_embedding_loss"), (None, "margin_ranking_loss"),
]


@pytest.mark.parametrize("act,loss", CORRECT)
def test_check_silent_on_correct_pairs(act, loss, no_warnings):
    assert g.check(act, loss) == []


def test_check_accepts_functions():
    with pytest.warns(GuideWarning, match="cross_entropy expects logits"):
        g.check(F.softmax, F.cross_entropy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert g.check(F.log_softmax, F.nll_loss) == []
        assert g.check(F.sigmoid, F.binary_cross_entropy) == []


def test_check_accepts_torch_class_names(logits, no_warnings):
    assert g.check("LogSoftmax", "NLLLoss") == []
    assert g.check("Sigmoid", "BCELoss") == []
    assert g.check("Identity", "BCEWithLogitsLoss") == []
    assert g.check(None, "CrossEntropyLoss") == []
    assert g.check("LeakyReLU", "MSELoss") == []
    warnings.simplefilter("default")
    with pytest.warns(GuideWarning, match="applies log_softmax itself"):
        assert len(g.check("Softmax", "CrossEntropyLoss")) == 1
    with pytest.warns(GuideWarning, match=r"sigmoid\(sigmoid\(x\)\) is stuck"):
        g.check("Sigmoid", "BCEWithLogitsLoss")
    with pytest.warns(GuideWarning, match="nll_loss expects log-probabilities"):
        g.check("Softmax", "NLLLoss")
    with pytest.warns(GuideWarning, match="looks like softmax output"):
        g.check_input(F.softmax(logits, dim=1), "CrossEntropyLoss")
    with pytest.raises(ValueError, match="unknown loss 'Softmax'"):
        g.check(None, "Softmax")
    with pytest.raises(ValueError, match="unknown activation 'CrossEntropyLoss'"):
        g.check("CrossEntropyLoss", "cross_entropy")


def test_check_accepts_actloss_nn_modules(logits, no_warnings):
    import actloss.nn as nn
    assert g.check(nn.LogSoftmax(dim=1), nn.NLLLoss()) == []
    assert g.check(nn.Sigmoid(), nn.BCELoss()) == []
    assert g.check(nn.Linear(4, 3), nn.CrossEntropyLoss(weight=np.ones(3))) == []
    assert g.check(nn.PReLU(), nn.HuberLoss()) == []
    warnings.simplefilter("default")
    with pytest.warns(GuideWarning, match="applies log_softmax itself") as record:
        assert len(g.check(nn.Softmax(dim=1), nn.CrossEntropyLoss())) == 1
    assert record[0].filename == __file__
    with pytest.warns(GuideWarning, match="applies the sigmoid itself"):
        g.check(nn.Sigmoid, nn.SigmoidFocalLoss)  # the classes themselves
    with pytest.warns(GuideWarning, match="looks like softmax output"):
        g.check_input(F.softmax(logits, dim=1), nn.CrossEntropyLoss())
    with pytest.raises(ValueError, match="is not an actloss loss"):
        g.check(None, nn.Softmax(dim=1))


def test_every_actloss_nn_class_maps_to_its_function():
    import actloss.nn as nn
    checked = 0
    for name in nn.__all__:
        fn = getattr(getattr(nn, name), "_fn", None)
        if fn is None:
            continue
        cls = getattr(nn, name)
        if fn.__name__ in g._ACTIVATION_NAMES:
            assert g._activation_name(cls) == fn.__name__, name
        else:
            assert g._name(cls, "loss", g._LOSS_NAMES) == fn.__name__, name
        checked += 1
    assert checked >= 45


def test_check_accepts_torch_nn_modules(logits, no_warnings):
    nn = pytest.importorskip("torch.nn")
    assert g.check(nn.LogSoftmax(dim=1), nn.NLLLoss()) == []
    assert g.check(nn.Identity(), nn.BCEWithLogitsLoss()) == []
    assert g.check(nn.Linear(4, 3), nn.CrossEntropyLoss()) == []
    assert g.check(nn.Sigmoid(), nn.BCELoss()) == []
    assert g.check(nn.GELU(), nn.TripletMarginLoss()) == []
    warnings.simplefilter("default")
    with pytest.warns(GuideWarning, match="applies log_softmax itself") as record:
        messages = g.check(nn.Softmax(dim=1), nn.CrossEntropyLoss())
    assert len(messages) == 1 and record[0].filename == __file__
    with pytest.warns(GuideWarning, match=r"sigmoid\(sigmoid\(x\)\) is stuck"):
        g.check(nn.Sigmoid(), nn.BCEWithLogitsLoss())

    class LabelSmoothedLoss(nn.CrossEntropyLoss):  # a user's subclass is still one
        pass
    with pytest.warns(GuideWarning, match="log_softmax twice"):
        g.check(nn.LogSoftmax(dim=-1), LabelSmoothedLoss(label_smoothing=0.1))
    with pytest.warns(GuideWarning, match="rows are probabilities"):
        g.check_input(F.softmax(logits, dim=1), nn.NLLLoss())
    assert g.check(nn.LogSoftmax(dim=2), nn.CTCLoss()) == []
    with pytest.raises(ValueError, match="Linear.*is not an actloss loss"):
        g.check(None, nn.Linear(2, 2))

    class Softmax:  # same name, not torch.nn's: not taken for it
        def __call__(self, x):
            return x
    with pytest.raises(ValueError, match="is not an actloss activation"):
        g.check(Softmax(), nn.CrossEntropyLoss())


@pytest.mark.parametrize("act,loss,match", [
    ("swishy", "cross_entropy", "unknown activation 'swishy'"),
    ("softmax", "crossentropy", "unknown loss 'crossentropy'"),
    ("relu", "relu", "unknown loss 'relu'"),
    ("cross_entropy", "cross_entropy", "unknown activation"),
    (np.exp, "cross_entropy", "is not an actloss activation"),
    (None, lambda x, y: 0.0, "is not an actloss loss"),
    (None, F.cross_entropy_backward, "is not an actloss loss"),
])
def test_check_errors(act, loss, match):
    with pytest.raises(ValueError, match=match):
        g.check(act, loss)


# ---- check_input ----------------------------------------------------------------------------

@pytest.fixture
def logits(rng):
    return 3.0 * rng.standard_normal((16, 5))


def test_check_input_probabilities_to_cross_entropy(logits, no_warnings):
    assert g.check_input(logits, "cross_entropy") == []
    warnings.simplefilter("default")
    with pytest.warns(GuideWarning, match="looks like softmax output"):
        g.check_input(F.softmax(logits, dim=1), F.cross_entropy)
    with pytest.warns(GuideWarning, match="look like log_softmax output"):
        g.check_input(F.log_softmax(logits, dim=1), "cross_entropy")
    with pytest.warns(GuideWarning, match="softmax output"):  # (C,) and (N, C, d) layouts
        g.check_input(F.softmax(logits[0], dim=0), "cross_entropy")
    k_dim = F.softmax(logits.reshape(4, 5, 4).astype(np.float32), dim=1)
    with pytest.warns(GuideWarning, match="softmax output"):
        g.check_input(k_dim, "multi_margin_loss")


def test_check_input_elementwise_logits(rng, no_warnings):
    z = rng.standard_normal((8, 3))
    assert g.check_input(z, "binary_cross_entropy_with_logits") == []
    assert g.check_input(np.array([0.2, 0.7]), "sigmoid_focal_loss") == []  # too few to tell
    warnings.simplefilter("default")
    with pytest.warns(GuideWarning, match="look like sigmoid output"):
        g.check_input(F.sigmoid(z), "binary_cross_entropy_with_logits")


def test_check_input_bce_and_nll(logits, no_warnings):
    probs = F.sigmoid(logits)
    assert g.check_input(probs, "binary_cross_entropy") == []
    assert g.check_input(F.log_softmax(logits, dim=1), "nll_loss") == []
    assert g.check_input(F.log_softmax(logits, dim=1), "kl_div") == []
    warnings.simplefilter("default")
    with pytest.warns(GuideWarning, match="binary_cross_entropy_with_logits"):
        g.check_input(logits, "binary_cross_entropy")
    with pytest.warns(GuideWarning, match="logits\\? Apply log_softmax first or use cross"):
        g.check_input(logits, "nll_loss")
    with pytest.warns(GuideWarning, match="rows are probabilities"):
        g.check_input(F.softmax(logits, dim=1), "nll_loss")
    with pytest.warns(GuideWarning, match="kl_div expects log-probabilities"):
        g.check_input(F.softmax(logits, dim=1), "kl_div")


def test_check_input_silent_cases(logits, no_warnings):
    assert g.check_input(logits, "mse_loss") == []           # not checked
    assert g.check_input(np.empty((0, 5)), "cross_entropy") == []
    p = F.softmax(logits, dim=1)
    p[0, 0] = np.nan
    assert g.check_input(p, "cross_entropy") == []           # NaN: inconclusive
    assert g.check_input(np.full((4, 1), 1.0), "cross_entropy") == []  # one class: no test


# ---- table ----------------------------------------------------------------------------------

def test_table_lists_every_task_and_loss():
    text = g.table()
    assert isinstance(text, str)
    for task in g.TASKS:
        assert f"\n{task}" in text
    for task, opts in CASES:
        assert g.recommend(task, **opts).loss in text
    assert "GuideWarning" in text
    assert max(len(line) for line in g.table(width=80).splitlines()) <= 110


def test_table_lists_task_names_understood():
    text = " ".join(g.table(width=1000).split())
    for words, task, _ in TABLE_WORDS[:4]:
        assert f"'{words.lower()}' ({task}" in text
    assert "'outliers present' (regression, noise='outliers')" in text


def test_table_command_line():
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-c", "import actloss.guide as g; print(g.table())"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "multiclass" in out.stdout and "info_nce" in out.stdout


def test_adaptive_softmax_named_by_the_guide_exists():
    try:
        import actloss.nn as nn
    except Exception as exc:  # the module classes are optional for the guide
        pytest.skip(f"actloss.nn not importable: {exc}")
    assert hasattr(nn, "AdaptiveLogSoftmaxWithLoss")
    assert "AdaptiveLogSoftmaxWithLoss" in g.recommend("generation", vocab_size=10 ** 6).reason


def test_classic_losses_in_the_guide():
    """The classic losses are named where a user looks for them: the task words, the notes."""
    assert g.recommend("SVM").loss == "multiclass_hinge_loss"
    assert g.recommend("quantile regression").loss == "pinball_loss"
    assert g.recommend("semantic segmentation").loss == "dice_loss"
    assert g.recommend("object detection").loss == "generalized_box_iou_loss"
    assert any("log_cosh_loss" in n for n in g.recommend("regression", noise="outliers").notes)
    assert any("squared_hinge_loss" in n for n in g.recommend("binary", margin=True).notes)
    assert any("brier_score_loss" in n for n in g.recommend("multiclass").notes)
    # the sparse maps and the stochastic one (issue 15)
    assert any("entmax15_loss" in n for n in g.recommend("multiclass", sparse=True).notes)
    assert any("gumbel_softmax" in n for n in g.recommend("generation").notes)
    with pytest.raises(ValueError, match="sparse=True takes neither"):
        g.recommend("multiclass", sparse=True, margin=True)
    text = g.table()
    for name in ("hinge_loss", "multiclass_hinge_loss", "pinball_loss", "dice_loss",
                 "tversky_loss", "complete_box_iou_loss"):
        assert name in text
    # swish is a hidden-layer activation: before cross_entropy it is a mismatch
    with pytest.warns(GuideWarning, match="swish"):
        g.check("swish", "cross_entropy")
