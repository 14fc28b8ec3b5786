"""`pyjax.scipy.interpolate`: grid interpolation on pyjax arrays, as `jax.scipy.interpolate`."""
from pyjax._src.scipy.interpolate import RegularGridInterpolator  # noqa: F401
