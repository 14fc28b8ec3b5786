"""The Cauchy distribution, as `jax.scipy.stats.cauchy`."""
from pyjax._src.scipy.stats.cauchy import (  # noqa: F401
    cdf, isf, logcdf, logpdf, logsf, pdf, ppf, sf)
