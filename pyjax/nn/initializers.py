"""`pyjax.nn.initializers`: parameter initializers, as `jax.nn.initializers`."""
from pyjax._src.nn.initializers import *  # noqa: F401,F403
from pyjax._src.nn.initializers import __all__  # noqa: F401
