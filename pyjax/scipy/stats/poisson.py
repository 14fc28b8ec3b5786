"""The Poisson distribution, as `jax.scipy.stats.poisson`."""
from pyjax._src.scipy.stats.poisson import (  # noqa: F401
    cdf, entropy, logpmf, pmf)
