"""`pyjax.scipy`: SciPy's API on pyjax arrays, as `jax.scipy`."""
# As in JAX, `spatial` is left out: `import pyjax.scipy.spatial.transform` reaches it.
from pyjax.scipy import cluster, interpolate, linalg, special, stats  # noqa: F401
from pyjax.scipy import fft, integrate, ndimage, signal  # noqa: F401
# `optimize` is reached by `import pyjax.scipy.optimize`, as `jax.scipy.optimize` is.
from pyjax.scipy import sparse  # noqa: F401
