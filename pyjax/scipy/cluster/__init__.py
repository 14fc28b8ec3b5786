"""`pyjax.scipy.cluster`: SciPy's clustering on pyjax arrays, as `jax.scipy.cluster`."""
from pyjax.scipy.cluster import vq  # noqa: F401
