"""`pyjax.scipy.special`: SciPy's special functions on pyjax arrays, as `jax.scipy.special`."""
from pyjax._src.scipy.special import *  # noqa: F401,F403
from pyjax._src.scipy.special import __all__  # noqa: F401
