"""The logistic distribution, as `jax.scipy.stats.logistic`."""
from pyjax._src.scipy.stats.logistic import (  # noqa: F401
    cdf, isf, logpdf, pdf, ppf, sf)
