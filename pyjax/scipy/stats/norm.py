"""The normal distribution, as `jax.scipy.stats.norm`."""
from pyjax._src.scipy.stats.norm import (  # noqa: F401
    cdf, isf, logcdf, logpdf, logsf, pdf, ppf, sf)
