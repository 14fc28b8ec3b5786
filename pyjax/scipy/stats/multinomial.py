"""The multinomial distribution, as `jax.scipy.stats.multinomial`."""
from pyjax._src.scipy.stats.multinomial import (  # noqa: F401
    logpmf, pmf)
