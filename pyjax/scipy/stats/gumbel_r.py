"""The right-skewed Gumbel distribution, as `jax.scipy.stats.gumbel_r`."""
from pyjax._src.scipy.stats.gumbel_r import (  # noqa: F401
    cdf, logcdf, logpdf, logsf, pdf, ppf, sf)
