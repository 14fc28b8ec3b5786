"""The wrapped Cauchy distribution on [0, 2 pi], as `jax.scipy.stats.wrapcauchy`."""
import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src.lax.elementwise import _weak_const as _c
from pyjax._src.numpy.util import promote_args_inexact


def logpdf(x, c):
  """log((1 - c^2) / (2 pi (1 + c^2 - 2 c cos x))) on [0, 2 pi]; -inf outside, NaN unless
  0 < c < 1."""
  x, c = promote_args_inexact("wrapcauchy.logpdf", x, c)
  value = (jnp.log(1 - c * c) - jnp.log(2 * np.pi)
           - jnp.log(1 + c * c - 2 * c * jnp.cos(x)))
  in_support = lax.ge(x, _c(x, 0)) & lax.le(x, _c(x, np.pi * 2))
  valid = lax.gt(c, _c(c, 0)) & lax.lt(c, _c(c, 1))
  return jnp.where(valid, jnp.where(in_support, value, -np.inf), np.nan)


def pdf(x, c):
  """The wrapped Cauchy density."""
  return lax.exp(logpdf(x, c))
