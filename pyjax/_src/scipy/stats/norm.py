"""The normal distribution, as `jax.scipy.stats.norm`."""
import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src.lax.elementwise import _weak_const as _c
from pyjax._src.numpy.util import promote_args_inexact
from pyjax._src.scipy import special


def logpdf(x, loc=0, scale=1):
  """Log of the normal density with mean `loc` and standard deviation `scale`."""
  x, loc, scale = promote_args_inexact("norm.logpdf", x, loc, scale)
  scale_sq = lax.square(scale)
  log_normalizer = lax.log(lax.mul(_c(x, 2 * np.pi), scale_sq))
  quadratic = lax.div(lax.square(lax.sub(x, loc)), scale_sq)
  return lax.div(lax.add(log_normalizer, quadratic), _c(x, -2))


def pdf(x, loc=0, scale=1):
  """The normal density."""
  return lax.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
  """The normal cumulative distribution function."""
  x, loc, scale = promote_args_inexact("norm.cdf", x, loc, scale)
  return special.ndtr(lax.div(lax.sub(x, loc), scale))


def logcdf(x, loc=0, scale=1):
  """Log of the normal CDF, accurate in the far tails."""
  x, loc, scale = promote_args_inexact("norm.logcdf", x, loc, scale)
  return special.log_ndtr(lax.div(lax.sub(x, loc), scale))


def ppf(q, loc=0, scale=1):
  """The normal quantile function (inverse CDF)."""
  return jnp.asarray(special.ndtri(q) * scale + loc, float)


def sf(x, loc=0, scale=1):
  """The normal survival function 1 - cdf, by symmetry."""
  x, loc, scale = promote_args_inexact("norm.sf", x, loc, scale)
  return cdf(-x, -loc, scale)


def logsf(x, loc=0, scale=1):
  """Log of the normal survival function."""
  x, loc, scale = promote_args_inexact("norm.logsf", x, loc, scale)
  return logcdf(-x, -loc, scale)


def isf(q, loc=0, scale=1):
  """The inverse survival function, ppf(1 - q)."""
  return ppf(lax.sub(_c(q, 1), q), loc, scale)
