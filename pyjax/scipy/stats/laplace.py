"""The Laplace distribution, as `jax.scipy.stats.laplace`."""
from pyjax._src.scipy.stats.laplace import (  # noqa: F401
    cdf, logpdf, pdf)
