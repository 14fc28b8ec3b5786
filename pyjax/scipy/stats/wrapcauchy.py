"""The wrapped Cauchy distribution on [0, 2 pi], as `jax.scipy.stats.wrapcauchy`."""
from pyjax._src.scipy.stats.wrapcauchy import (  # noqa: F401
    logpdf, pdf)
