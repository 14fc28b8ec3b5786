"""The Poisson distribution, as `jax.scipy.stats.poisson`."""
import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src.lax.elementwise import _weak_const as _c
from pyjax._src.numpy.util import check_arraylike, promote_args_inexact, promote_dtypes_inexact
from pyjax._src.scipy.special import entr, gammaincc, gammaln, xlogy


def logpmf(k, mu, loc=0):
  """k log mu - log k! - mu at non-negative integers k - loc, -inf elsewhere."""
  k, mu, loc = promote_args_inexact("poisson.logpmf", k, mu, loc)
  x = lax.sub(k, loc)
  log_probs = xlogy(x, mu) - gammaln(x + 1) - mu
  return jnp.where(jnp.logical_or(lax.lt(x, _c(k, 0)), lax.ne(jnp.round(k), k)), -np.inf,
                   log_probs)


def pmf(k, mu, loc=0):
  """The Poisson probability mass function."""
  return jnp.exp(logpmf(k, mu, loc))


def cdf(k, mu, loc=0):
  """P(K <= k) = Q(floor(k - loc) + 1, mu) (0 below loc)."""
  k, mu, loc = promote_args_inexact("poisson.logpmf", k, mu, loc)
  zero = _c(k, 0)
  x = lax.sub(k, loc)
  return jnp.where(lax.lt(x, zero), zero, gammaincc(jnp.floor(1 + x), mu))


def _entropy_by_summation(mu, max_k, upper_bound):
  k = jnp.arange(max_k, dtype=mu.dtype)[:, None]
  probs = pmf(k, mu, 0)
  # Terms past the bound are negligible; dropping them avoids summing rounding noise.
  mask = k < jnp.ceil(upper_bound).astype(k.dtype)[None, :]
  return jnp.sum(entr(jnp.where(mask, probs, 0.0)), axis=0)


def entropy(mu, loc=0):
  """The entropy of Poisson(mu): a direct sum for mu < 100 and the asymptotic expansion
  log(2 pi e mu) / 2 - 1 / (12 mu) beyond (0 at mu = 0)."""
  check_arraylike("poisson.entropy", mu, loc)
  mu, loc = promote_dtypes_inexact(jnp.asarray(mu), jnp.asarray(loc))
  shape = jnp.broadcast_shapes(mu.shape, loc.shape)
  flat = jnp.ravel(mu)
  small = _entropy_by_summation(flat, 35, flat + 20)
  medium = _entropy_by_summation(flat, 250, flat + 10 * jnp.sqrt(flat) + 20)
  large = 0.5 * jnp.log(2 * np.pi * np.e * flat) - 1.0 / (12 * flat)
  result = jnp.where(flat == 0, jnp.zeros_like(flat),
                     jnp.where(flat < 10, small, jnp.where(flat < 100, medium, large)))
  return jnp.broadcast_to(jnp.reshape(result, mu.shape), shape)
