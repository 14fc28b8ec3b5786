"""`pyjax.nn`: neural-network activations, normalizations, one_hot and attention, as `jax.nn`."""
from pyjax._src.nn.functions import *  # noqa: F401,F403
from pyjax._src.nn.functions import __all__ as _functions_all
from pyjax._src.nn.scaled_matmul import (  # noqa: F401
    get_scaled_dot_general_config, scaled_dot_general, scaled_matmul)
from pyjax._src.nn.scaled_matmul import __all__ as _scaled_matmul_all
from pyjax.nn import initializers  # noqa: F401

__all__ = [*_functions_all, *_scaled_matmul_all, "initializers"]
