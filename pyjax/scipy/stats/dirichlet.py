"""The Dirichlet distribution, as `jax.scipy.stats.dirichlet`."""
from pyjax._src.scipy.stats.dirichlet import (  # noqa: F401
    logpdf, pdf)
