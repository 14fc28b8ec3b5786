"""The uniform distribution on [loc, loc + scale], as `jax.scipy.stats.uniform`."""
from pyjax._src.scipy.stats.uniform import (  # noqa: F401
    cdf, logpdf, pdf, ppf)
