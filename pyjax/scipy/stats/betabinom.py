"""The beta-binomial distribution, as `jax.scipy.stats.betabinom`."""
from pyjax._src.scipy.stats.betabinom import (  # noqa: F401
    logpmf, pmf)
