"""`pyjax.scipy.integrate`: SciPy's numerical integration of samples, as `jax.scipy.integrate`."""
from pyjax._src.scipy.integrate import __all__, trapezoid  # noqa: F401
