"""The left-skewed Gumbel distribution, as `jax.scipy.stats.gumbel_l`."""
from pyjax._src.scipy.stats.gumbel_l import (  # noqa: F401
    cdf, logcdf, logpdf, logsf, pdf, ppf, sf)
