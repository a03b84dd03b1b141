"""actloss: activation and loss functions, forward and gradient, on NumPy arrays.

Speaks torch.nn.functional (same names, arguments and results) without PyTorch:

    >>> import numpy as np, actloss as F
    >>> F.gelu(np.array([-1.0, 0.0, 1.0]), approximate="tanh")
    array([-0.15880801,  0.        ,  0.84119199])
"""
from . import _accuracy, _dispatch, _threads, metrics  # noqa: F401  (metrics: a namespace, as sklearn.metrics)
from . import ufuncs  # noqa: F401  (the activations as NumPy ufuncs: actloss.ufuncs.gelu, ...)
from ._kernels import _cpu
from .activations import *  # noqa: F401,F403
from .class_losses import *  # noqa: F401,F403
from .distances import *  # noqa: F401,F403
from .embedding_losses import *  # noqa: F401,F403
from .encoding import *  # noqa: F401,F403
from .linear_losses import *  # noqa: F401,F403
from .pointwise_losses import *  # noqa: F401,F403
from .sequence_losses import *  # noqa: F401,F403
from .softmax_family import *  # noqa: F401,F403

__version__ = "0.1.0"

get_num_threads = _threads.get_num_threads
set_num_threads = _threads.set_num_threads
get_accuracy = _accuracy.get_accuracy
set_accuracy = _accuracy.set_accuracy
accuracy = _accuracy.accuracy

# <generated: ACTIVATIONS>
ACTIVATIONS = ("relu", "relu6", "leaky_relu", "elu", "celu", "selu", "gelu", "silu", "mish",
               "softplus", "softsign", "sigmoid", "tanh", "logsigmoid", "hardtanh",
               "hardsigmoid", "hardswish", "hardshrink", "softshrink", "tanhshrink",
               "threshold", "prelu", "rrelu", "glu")
# </generated: ACTIVATIONS>


def show_config(file=None):
    """Print (and return as a dict) the version, kernel ISA level, how the kernels were built
    (compiler and threads, as the compiled modules report them), the accuracy mode and the
    thread count, each with what set it, and the pool's spin time.

    Examples
    --------
    >>> import io, actloss
    >>> buf = io.StringIO()
    >>> _ = actloss.show_config(file=buf)
    >>> buf.getvalue().startswith("actloss ")
    True
    """
    build = _dispatch.BUILD
    stale = _dispatch.stale_modules()
    threads, source = _threads.thread_source()
    mode, mode_source = _accuracy.accuracy_source()
    info = {
        "version": __version__,
        "isa": _dispatch.ISA,
        "isa_supported": list(_dispatch.SUPPORTED),
        "compiler": build["compiler"],
        "threads_built": build["threads"],
        "threads_note": build["threads_note"],
        "built_with_numpy": build["numpy"],
        "stale_modules": stale,
        "accuracy": mode,
        "accuracy_source": mode_source,
        "num_threads": threads if build["threads"] else 1,
        "num_threads_source": source if build["threads"] else "serial build",
        "usable_cores": _threads.usable_cores(),
        "spin_us": _threads.SPIN_NS / 1000,
        "spin_source": _threads.SPIN_SOURCE,
        "threadpoolctl": _threads.THREADPOOLCTL,
    }
    print(f"actloss {info['version']}\n"
          f"  kernels     : {info['isa']} (CPU supports {', '.join(info['isa_supported'])})\n"
          f"  compiler    : {info['compiler']} (NumPy {info['built_with_numpy']} headers)\n"
          f"  accuracy    : {mode} ({mode_source}; {_accuracy.BOUNDS[mode]})\n"
          f"  threads     : {info['num_threads']} ({info['num_threads_source']}; "
          f"{info['usable_cores']} usable cores; {info['threads_note']})\n"
          f"  idle spin   : {info['spin_us']:g} us ({info['spin_source']}), then sleep\n"
          f"  threadpoolctl: {'sees actloss' if info['threadpoolctl'] else 'not installed'}",
          file=file)
    if stale:
        print(f"  WARNING     : modules built with other settings: {', '.join(stale)}; "
              "rebuild actloss", file=file)
    return info


# <generated: actloss.__all__>
__all__ = ["relu", "relu_backward", "relu6", "relu6_backward", "leaky_relu",
           "leaky_relu_backward", "elu", "elu_backward", "celu", "celu_backward", "selu",
           "selu_backward", "gelu", "gelu_backward", "silu", "silu_backward", "mish",
           "mish_backward", "softplus", "softplus_backward", "softsign", "softsign_backward",
           "sigmoid", "sigmoid_backward", "tanh", "tanh_backward", "logsigmoid",
           "logsigmoid_backward", "hardtanh", "hardtanh_backward", "hardsigmoid",
           "hardsigmoid_backward", "hardswish", "hardswish_backward", "hardshrink",
           "hardshrink_backward", "softshrink", "softshrink_backward", "tanhshrink",
           "tanhshrink_backward", "threshold", "threshold_backward", "prelu", "prelu_backward",
           "rrelu", "rrelu_backward", "glu", "glu_backward", "expit", "log_expit", "swish",
           "swish_backward", "softmax", "softmax_backward", "log_softmax",
           "log_softmax_backward", "softmin", "softmin_backward", "logsumexp",
           "logsumexp_backward", "sparsemax", "sparsemax_backward", "entmax15",
           "entmax15_backward", "entmax_bisect", "entmax_bisect_backward", "sparsemax_loss",
           "sparsemax_loss_backward", "sparsemax_loss_with_grad", "entmax15_loss",
           "entmax15_loss_backward", "entmax15_loss_with_grad", "entmax_bisect_loss",
           "entmax_bisect_loss_backward", "entmax_bisect_loss_with_grad", "gumbel_softmax",
           "gumbel_softmax_backward", "multiclass_hinge_loss",
           "multiclass_hinge_loss_backward", "multiclass_hinge_loss_with_grad",
           "brier_score_loss", "brier_score_loss_backward", "dice_loss", "dice_loss_backward",
           "dice_loss_with_grad", "tversky_loss", "tversky_loss_backward",
           "tversky_loss_with_grad", "cross_entropy", "cross_entropy_backward",
           "cross_entropy_with_grad", "nll_loss", "nll_loss_backward", "nll_loss_with_grad",
           "multi_margin_loss", "multi_margin_loss_backward", "multilabel_margin_loss",
           "multilabel_margin_loss_backward", "softmax_focal_loss",
           "softmax_focal_loss_backward", "softmax_focal_loss_with_grad",
           "poly1_cross_entropy", "poly1_cross_entropy_backward",
           "poly1_cross_entropy_with_grad", "poly_cross_entropy",
           "poly_cross_entropy_backward", "poly_cross_entropy_with_grad", "mse_loss",
           "mse_loss_backward", "mse_loss_with_grad", "l1_loss", "l1_loss_backward",
           "l1_loss_with_grad", "smooth_l1_loss", "smooth_l1_loss_backward",
           "smooth_l1_loss_with_grad", "huber_loss", "huber_loss_backward",
           "huber_loss_with_grad", "binary_cross_entropy", "binary_cross_entropy_backward",
           "binary_cross_entropy_with_grad", "binary_cross_entropy_with_logits",
           "binary_cross_entropy_with_logits_backward",
           "binary_cross_entropy_with_logits_with_grad", "kl_div", "kl_div_backward",
           "gaussian_nll_loss", "gaussian_nll_loss_backward", "poisson_nll_loss",
           "poisson_nll_loss_backward", "margin_ranking_loss", "margin_ranking_loss_backward",
           "hinge_embedding_loss", "hinge_embedding_loss_backward", "soft_margin_loss",
           "soft_margin_loss_backward", "multilabel_soft_margin_loss",
           "multilabel_soft_margin_loss_backward", "sigmoid_focal_loss",
           "sigmoid_focal_loss_backward", "sigmoid_focal_loss_with_grad", "hinge_loss",
           "hinge_loss_backward", "hinge_loss_with_grad", "squared_hinge_loss",
           "squared_hinge_loss_backward", "squared_hinge_loss_with_grad", "log_cosh_loss",
           "log_cosh_loss_backward", "log_cosh_loss_with_grad", "pinball_loss",
           "pinball_loss_backward", "pinball_loss_with_grad", "quantile_loss",
           "quantile_loss_backward", "binary_focal_loss", "binary_focal_loss_backward",
           "binary_focal_loss_with_grad", "generalized_box_iou_loss",
           "generalized_box_iou_loss_backward", "generalized_box_iou_loss_with_grad",
           "distance_box_iou_loss", "distance_box_iou_loss_backward",
           "distance_box_iou_loss_with_grad", "complete_box_iou_loss",
           "complete_box_iou_loss_backward", "complete_box_iou_loss_with_grad",
           "cosine_embedding_loss", "cosine_embedding_loss_backward", "triplet_margin_loss",
           "triplet_margin_loss_backward", "contrastive_loss", "contrastive_loss_backward",
           "info_nce", "info_nce_backward", "nt_xent", "nt_xent_backward", "one_hot",
           "linear_cross_entropy", "linear_cross_entropy_backward",
           "linear_cross_entropy_with_grad", "normalize", "normalize_backward",
           "cosine_similarity", "cosine_similarity_backward", "pairwise_distance",
           "pairwise_distance_backward", "pdist", "pdist_backward", "cdist", "cdist_backward",
           "triplet_margin_with_distance_loss", "triplet_margin_with_distance_loss_backward",
           "ctc_loss", "ctc_loss_backward", "ctc_loss_with_grad", "ACTIVATIONS",
           "get_num_threads", "set_num_threads", "get_accuracy", "set_accuracy", "accuracy",
           "show_config", "__version__"]
# </generated: actloss.__all__>
