"""The Pareto distribution, as `jax.scipy.stats.pareto`."""
from pyjax._src.scipy.stats.pareto import (  # noqa: F401
    cdf, logcdf, logpdf, logsf, pdf, ppf, sf)
