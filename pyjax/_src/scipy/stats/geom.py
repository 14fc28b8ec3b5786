"""The geometric distribution on {1, 2, ...}, as `jax.scipy.stats.geom`."""
import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src.lax.elementwise import _weak_const as _c
from pyjax._src.numpy.util import promote_args_inexact
from pyjax._src.scipy.special import xlog1py


def logpmf(k, p, loc=0):
  """(k - loc - 1) log(1 - p) + log p for k - loc >= 1, -inf otherwise."""
  k, p, loc = promote_args_inexact("geom.logpmf", k, p, loc)
  x = lax.sub(k, loc)
  log_probs = xlog1py(lax.sub(x, _c(k, 1)), -p) + lax.log(p)
  return jnp.where(lax.le(x, _c(k, 0)), -np.inf, log_probs)


def pmf(k, p, loc=0):
  """The geometric probability mass function."""
  return jnp.exp(logpmf(k, p, loc))
