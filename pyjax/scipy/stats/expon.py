"""The exponential distribution, as `jax.scipy.stats.expon`."""
from pyjax._src.scipy.stats.expon import (  # noqa: F401
    cdf, logcdf, logpdf, logsf, pdf, ppf, sf)
