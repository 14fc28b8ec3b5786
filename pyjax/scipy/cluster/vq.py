"""`pyjax.scipy.cluster.vq`: vector quantization, as `jax.scipy.cluster.vq`."""
from pyjax._src.scipy.cluster import vq  # noqa: F401
