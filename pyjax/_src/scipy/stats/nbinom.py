"""The negative binomial distribution, as `jax.scipy.stats.nbinom`."""
import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src.lax.elementwise import _weak_const as _c
from pyjax._src.numpy.util import promote_args_inexact
from pyjax._src.scipy.special import gammaln, xlogy


def logpmf(k, n, p, loc=0):
  """log C(y + n - 1, y) + n log p + y log(1 - p) for y = k - loc >= 0, -inf below."""
  k, n, p, loc = promote_args_inexact("nbinom.logpmf", k, n, p, loc)
  one = _c(k, 1)
  y = lax.sub(k, loc)
  comb_term = lax.sub(lax.sub(gammaln(lax.add(y, n)), gammaln(n)), gammaln(lax.add(y, one)))
  log_linear_term = lax.add(xlogy(n, p), xlogy(y, lax.sub(one, p)))
  return jnp.where(lax.lt(k, loc), -np.inf, lax.add(comb_term, log_linear_term))


def pmf(k, n, p, loc=0):
  """The negative binomial probability mass function."""
  return lax.exp(logpmf(k, n, p, loc))
