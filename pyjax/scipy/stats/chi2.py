"""The chi-squared distribution, as `jax.scipy.stats.chi2`."""
from pyjax._src.scipy.stats.chi2 import (  # noqa: F401
    cdf, logcdf, logpdf, logsf, pdf, sf)
