"""The beta-binomial distribution, as `jax.scipy.stats.betabinom`."""
import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src.lax.elementwise import _weak_const as _c
from pyjax._src.numpy.util import promote_args_inexact
from pyjax._src.scipy.special import betaln


def logpmf(k, n, a, b, loc=0):
  """log C(n, y) + log B(y + a, n - y + b) - log B(a, b) for y = floor(k) - loc in [0, n]; NaN
  for n < 0 or non-positive a, b."""
  k, n, a, b, loc = promote_args_inexact("betabinom.logpmf", k, n, a, b, loc)
  y = lax.sub(lax.floor(k), loc)
  one, zero = _c(y, 1), _c(y, 0)
  log_comb = lax.neg(lax.add(lax.log1p(n), betaln(lax.add(lax.sub(n, y), one), lax.add(y, one))))
  beta_terms = lax.sub(betaln(lax.add(y, a), lax.add(lax.sub(n, y), b)), betaln(a, b))
  log_probs = lax.add(log_comb, beta_terms)
  log_probs = jnp.where(jnp.logical_and(lax.eq(y, zero), lax.eq(n, zero)), 0.0, log_probs)
  outside = jnp.logical_or(jnp.logical_or(lax.lt(y, lax.neg(loc)), lax.gt(y, n)),
                           lax.le(lax.add(y, a), zero))
  log_probs = jnp.where(outside, -np.inf, log_probs)
  bad = jnp.logical_or(jnp.logical_or(lax.lt(n, zero), lax.le(a, zero)), lax.le(b, zero))
  return jnp.where(bad, np.nan, log_probs)


def pmf(k, n, a, b, loc=0):
  """The beta-binomial probability mass function."""
  return lax.exp(logpmf(k, n, a, b, loc))
