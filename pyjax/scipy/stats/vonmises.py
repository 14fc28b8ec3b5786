"""The von Mises distribution on the circle, as `jax.scipy.stats.vonmises`."""
from pyjax._src.scipy.stats.vonmises import (  # noqa: F401
    logpdf, pdf)
