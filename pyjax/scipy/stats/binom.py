"""The binomial distribution, as `jax.scipy.stats.binom`."""
from pyjax._src.scipy.stats.binom import (  # noqa: F401
    logpmf, pmf)
