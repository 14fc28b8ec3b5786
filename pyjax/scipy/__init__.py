"""`pyjax.scipy`: SciPy's API on pyjax arrays, as `jax.scipy`."""
from pyjax.scipy import linalg, special, stats  # noqa: F401
