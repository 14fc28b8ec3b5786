"""The binomial distribution, as `jax.scipy.stats.binom`."""
import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src.lax.elementwise import _weak_const as _c
from pyjax._src.numpy.util import promote_args_inexact
from pyjax._src.scipy.special import gammaln, xlog1py, xlogy


def logpmf(k, n, p, loc=0):
  """log C(n, y) + y log p + (n - y) log(1 - p) for y = k - loc in [0, n], -inf outside."""
  k, n, p, loc = promote_args_inexact("binom.logpmf", k, n, p, loc)
  y = lax.sub(k, loc)
  comb_term = lax.sub(gammaln(n + 1), lax.add(gammaln(y + 1), gammaln(n - y + 1)))
  log_linear_term = lax.add(xlogy(y, p), xlog1py(lax.sub(n, y), lax.neg(p)))
  log_probs = lax.add(comb_term, log_linear_term)
  # Certain outcomes (n = 0, or p in {0, 1} at the matching end) have probability exactly 1.
  certain = jnp.logical_or(jnp.logical_and(lax.eq(y, _c(y, 0)), lax.eq(n, _c(y, 0))),
                           lax.eq(log_linear_term, _c(y, 0)))
  log_probs = jnp.where(certain, 0.0, log_probs)
  return jnp.where(lax.ge(k, loc) & lax.lt(k, loc + n + 1), log_probs, -np.inf)


def pmf(k, n, p, loc=0):
  """The binomial probability mass function."""
  return lax.exp(logpmf(k, n, p, loc))
