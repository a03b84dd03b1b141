"""actloss: activation and loss functions, forward and gradient, on NumPy arrays.

Speaks torch.nn.functional (same names, arguments and results) without PyTorch:

    >>> import numpy as np, actloss as F
    >>> F.gelu(np.array([-1.0, 0.0, 1.0]), approximate="tanh")
    array([-0.15880801,  0.        ,  0.84119199])
"""
from . import _dispatch, _threads
from ._kernels import _cpu
from .activations import (celu, celu_backward, elu, elu_backward, gelu, gelu_backward, glu,
                          glu_backward, hardshrink, hardshrink_backward, hardsigmoid,
                          hardsigmoid_backward, hardswish, hardswish_backward, hardtanh,
                          hardtanh_backward, leaky_relu, leaky_relu_backward, logsigmoid,
                          logsigmoid_backward, mish, mish_backward, prelu, prelu_backward, relu,
                          relu6, relu6_backward, relu_backward, rrelu, rrelu_backward, selu,
                          selu_backward, sigmoid, sigmoid_backward, silu, silu_backward,
                          softplus, softplus_backward, softshrink, softshrink_backward,
                          softsign, softsign_backward, tanh, tanh_backward, tanhshrink,
                          tanhshrink_backward, threshold, threshold_backward)

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


__all__ = (list(ACTIVATIONS) + [f"{name}_backward" for name in ACTIVATIONS]
           + ["get_num_threads", "set_num_threads", "show_config", "__version__"])
