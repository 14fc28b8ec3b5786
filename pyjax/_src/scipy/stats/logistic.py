"""The logistic distribution, as `jax.scipy.stats.logistic`."""
from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src.lax.elementwise import _weak_const as _c
from pyjax._src.numpy.util import promote_args_inexact
from pyjax._src.scipy.special import expit, logit


def logpdf(x, loc=0, scale=1):
  """-2 log(2 cosh(z / 2)) - log(scale) with z = (x - loc) / scale, computed stably."""
  x, loc, scale = promote_args_inexact("logistic.logpdf", x, loc, scale)
  z = lax.div(lax.sub(x, loc), scale)
  two = _c(z, 2)
  half_z = lax.div(z, two)
  return lax.sub(lax.mul(lax.neg(two), jnp.logaddexp(half_z, lax.neg(half_z))), lax.log(scale))


def pdf(x, loc=0, scale=1):
  """The logistic density."""
  return lax.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
  """expit((x - loc) / scale)."""
  x, loc, scale = promote_args_inexact("logistic.cdf", x, loc, scale)
  return expit(lax.div(lax.sub(x, loc), scale))


def sf(x, loc=0, scale=1):
  """expit(-(x - loc) / scale)."""
  x, loc, scale = promote_args_inexact("logistic.sf", x, loc, scale)
  return expit(lax.neg(lax.div(lax.sub(x, loc), scale)))


def ppf(x, loc=0, scale=1):
  """loc + scale * logit(q)."""
  x, loc, scale = promote_args_inexact("logistic.ppf", x, loc, scale)
  return lax.add(lax.mul(logit(x), scale), loc)


def isf(x, loc=0, scale=1):
  """loc - scale * logit(q)."""
  x, loc, scale = promote_args_inexact("logistic.isf", x, loc, scale)
  return lax.add(lax.mul(lax.neg(logit(x)), scale), loc)
