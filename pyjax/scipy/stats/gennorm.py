"""The generalized normal distribution, as `jax.scipy.stats.gennorm`."""
from pyjax._src.scipy.stats.gennorm import (  # noqa: F401
    cdf, logpdf, pdf)
