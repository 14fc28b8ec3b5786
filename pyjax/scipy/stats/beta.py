"""The beta distribution, as `jax.scipy.stats.beta`."""
from pyjax._src.scipy.stats.beta import (  # noqa: F401
    cdf, logcdf, logpdf, logsf, pdf, sf)
