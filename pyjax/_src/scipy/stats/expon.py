"""The exponential distribution, as `jax.scipy.stats.expon`."""
import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src.numpy.util import promote_args_inexact


def logpdf(x, loc=0, scale=1):
  """-(x - loc) / scale - log(scale) from loc on, -inf below."""
  x, loc, scale = promote_args_inexact("expon.logpdf", x, loc, scale)
  log_probs = lax.neg(lax.add(lax.div(lax.sub(x, loc), scale), lax.log(scale)))
  return jnp.where(lax.lt(x, loc), -np.inf, log_probs)


def pdf(x, loc=0, scale=1):
  """The exponential density."""
  return lax.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
  """1 - exp(-(x - loc) / scale), 0 below loc."""
  x, loc, scale = promote_args_inexact("expon.cdf", x, loc, scale)
  neg_scaled_x = lax.div(lax.sub(loc, x), scale)
  return jnp.where(lax.lt(x, loc), jnp.zeros_like(neg_scaled_x),
                   lax.neg(lax.expm1(neg_scaled_x)))


def logsf(x, loc=0, scale=1):
  """-(x - loc) / scale, 0 below loc."""
  x, loc, scale = promote_args_inexact("expon.sf", x, loc, scale)
  neg_scaled_x = lax.div(lax.sub(loc, x), scale)
  return jnp.where(lax.lt(x, loc), jnp.zeros_like(neg_scaled_x), neg_scaled_x)


def sf(x, loc=0, scale=1):
  """The exponential survival function."""
  return lax.exp(logsf(x, loc, scale))


def logcdf(x, loc=0, scale=1):
  """log(1 - sf), accurate for small cdf."""
  return lax.log1p(lax.neg(sf(x, loc, scale)))


def ppf(q, loc=0, scale=1):
  """loc - scale * log(1 - q) for q in [0, 1], NaN otherwise."""
  q, loc, scale = promote_args_inexact("expon.ppf", q, loc, scale)
  return jnp.where(jnp.isnan(q) | (q < 0) | (q > 1), np.nan,
                   lax.sub(loc, lax.mul(scale, lax.log1p(lax.neg(q)))))
