"""The negative binomial distribution, as `jax.scipy.stats.nbinom`."""
from pyjax._src.scipy.stats.nbinom import (  # noqa: F401
    logpmf, pmf)
