"""`pyjax.scipy.ndimage`: SciPy's image interpolation on pyjax arrays, as `jax.scipy.ndimage`."""
from pyjax._src.scipy.ndimage import __all__, map_coordinates  # noqa: F401
