"""actloss: activation and loss functions, forward and gradient, on NumPy arrays.

Speaks torch.nn.functional (same names, arguments and results) without PyTorch:

    >>> import numpy as np, actloss as F
    >>> F.gelu(np.array([-1.0, 0.0, 1.0]), approximate="tanh")
    array([-0.15880801,  0.        ,  0.84119199])
"""
from . import _dispatch, _threads
from . import activations as _activations
from . import classification as _classification
from . import embedding_losses as _embedding_losses
from . import pointwise_losses as _pointwise_losses
from . import softmax as _softmax
from ._kernels import _cpu
from .activations import *  # noqa: F401,F403
from .classification import *  # noqa: F401,F403
from .embedding_losses import *  # noqa: F401,F403
from .pointwise_losses import *  # noqa: F401,F403
from .softmax import *  # noqa: F401,F403

__version__ = "0.1.0"

get_num_threads = _threads.get_num_threads
set_num_threads = _threads.set_num_threads

ACTIVATIONS = ("relu", "relu6", "leaky_relu", "prelu", "rrelu", "elu", "celu", "selu", "gelu",
               "silu", "mish", "softplus", "softsign", "sigmoid", "tanh", "logsigmoid",
               "hardtanh", "hardsigmoid", "hardswish", "hardshrink", "softshrink",
               "tanhshrink", "threshold", "glu")


def show_config(file=None):
    """Print (and return as a dict) the version, kernel ISA level, OpenMP and thread count."""
    info = {
        "version": __version__,
        "isa": _dispatch.ISA,
        "isa_supported": list(_dispatch.SUPPORTED),
        "openmp": _cpu.openmp_enabled(),
        "num_threads": get_num_threads(),
    }
    print(f"actloss {info['version']}\n"
          f"  kernels     : {info['isa']} (CPU supports {', '.join(info['isa_supported'])})\n"
          f"  OpenMP      : {'yes' if info['openmp'] else 'no (serial kernels)'}\n"
          f"  threads     : {info['num_threads']}", file=file)
    return info


__all__ = (list(_activations.__all__) + list(_softmax.__all__) + list(_classification.__all__)
           + list(_pointwise_losses.__all__) + list(_embedding_losses.__all__)
           + ["ACTIVATIONS", "get_num_threads", "set_num_threads", "show_config", "__version__"])
