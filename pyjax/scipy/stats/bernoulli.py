"""The Bernoulli distribution, as `jax.scipy.stats.bernoulli`."""
from pyjax._src.scipy.stats.bernoulli import (  # noqa: F401
    cdf, logpmf, pmf, ppf)
