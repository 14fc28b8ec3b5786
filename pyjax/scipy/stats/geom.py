"""The geometric distribution on {1, 2, ...}, as `jax.scipy.stats.geom`."""
from pyjax._src.scipy.stats.geom import (  # noqa: F401
    logpmf, pmf)
