"""The gamma distribution, as `jax.scipy.stats.gamma`."""
from pyjax._src.scipy.stats.gamma import (  # noqa: F401
    cdf, logcdf, logpdf, logsf, pdf, sf)
