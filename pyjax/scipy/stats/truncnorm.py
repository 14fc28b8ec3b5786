"""The truncated normal distribution, as `jax.scipy.stats.truncnorm`."""
from pyjax._src.scipy.stats.truncnorm import (  # noqa: F401
    cdf, logcdf, logpdf, logsf, pdf, sf)
