"""`pyjax.nn`: neural-network activations, normalizations, one_hot and attention, as `jax.nn`."""
from pyjax._src.nn.functions import *  # noqa: F401,F403
from pyjax._src.nn.functions import __all__ as _functions_all
from pyjax.nn import initializers  # noqa: F401

__all__ = [*_functions_all, "initializers"]
