"""The Pareto distribution, as `jax.scipy.stats.pareto`."""
import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src.lax.elementwise import _weak_const as _c
from pyjax._src.numpy.util import promote_args_inexact


def logpdf(x, b, loc=0, scale=1):
  """log(b / scale) - (b + 1) log z for z = (x - loc) / scale >= 1, -inf below."""
  x, b, loc, scale = promote_args_inexact("pareto.logpdf", x, b, loc, scale)
  z = lax.div(lax.sub(x, loc), scale)
  normalize_term = lax.log(lax.div(scale, b))
  log_probs = lax.neg(lax.add(normalize_term, lax.mul(lax.add(b, _c(x, 1)), lax.log(z))))
  return jnp.where(lax.lt(x, lax.add(loc, scale)), -np.inf, log_probs)


def pdf(x, b, loc=0, scale=1):
  """The Pareto density."""
  return lax.exp(logpdf(x, b, loc, scale))


def cdf(x, b, loc=0, scale=1):
  """1 - z^-b, 0 below loc + scale."""
  x, b, loc, scale = promote_args_inexact("pareto.cdf", x, b, loc, scale)
  z = lax.div(lax.sub(x, loc), scale)
  value = lax.sub(_c(x, 1), lax.pow(z, lax.neg(b)))
  return jnp.where(lax.lt(x, lax.add(loc, scale)), _c(x, 0), value)


def logcdf(x, b, loc=0, scale=1):
  """log1p(-z^-b), -inf below loc + scale."""
  x, b, loc, scale = promote_args_inexact("pareto.logcdf", x, b, loc, scale)
  z = lax.div(lax.sub(x, loc), scale)
  value = lax.log1p(lax.neg(lax.pow(z, lax.neg(b))))
  return jnp.where(lax.lt(x, lax.add(loc, scale)), -np.inf, value)


def logsf(x, b, loc=0, scale=1):
  """-b log z, 0 below loc + scale."""
  x, b, loc, scale = promote_args_inexact("pareto.logsf", x, b, loc, scale)
  z = lax.div(lax.sub(x, loc), scale)
  return jnp.where(lax.lt(x, lax.add(loc, scale)), _c(x, 0), lax.neg(lax.mul(b, lax.log(z))))


def sf(x, b, loc=0, scale=1):
  """The Pareto survival function."""
  return lax.exp(logsf(x, b, loc, scale))


def ppf(q, b, loc=0, scale=1):
  """loc + scale (1 - q)^(-1/b) for q in [0, 1], NaN otherwise."""
  q, b, loc, scale = promote_args_inexact("pareto.ppf", q, b, loc, scale)
  one = _c(q, 1)
  value = lax.add(loc, lax.mul(scale, lax.pow(lax.sub(one, q), lax.neg(lax.div(one, b)))))
  return jnp.where(jnp.isnan(q) | (q < 0) | (q > 1), np.nan, value)
