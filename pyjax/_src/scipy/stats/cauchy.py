"""The Cauchy distribution, as `jax.scipy.stats.cauchy`."""
import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src.lax.elementwise import _weak_const as _c
from pyjax._src.numpy.util import promote_args_inexact


def logpdf(x, loc=0, scale=1):
  """-log(pi scale (1 + z^2)) with z = (x - loc) / scale."""
  x, loc, scale = promote_args_inexact("cauchy.logpdf", x, loc, scale)
  z = lax.div(lax.sub(x, loc), scale)
  normalize_term = lax.log(lax.mul(_c(x, np.pi), scale))
  return lax.neg(lax.add(normalize_term, lax.log1p(lax.mul(z, z))))


def pdf(x, loc=0, scale=1):
  """The Cauchy density."""
  return lax.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
  """1/2 + arctan(z) / pi."""
  x, loc, scale = promote_args_inexact("cauchy.cdf", x, loc, scale)
  z = lax.div(lax.sub(x, loc), scale)
  return lax.add(_c(x, 0.5), lax.mul(lax.div(_c(x, 1.0), _c(x, np.pi)), jnp.arctan(z)))


def logcdf(x, loc=0, scale=1):
  """Log of the Cauchy CDF."""
  return lax.log(cdf(x, loc, scale))


def sf(x, loc=0, scale=1):
  """The survival function, by symmetry."""
  x, loc, scale = promote_args_inexact("cauchy.sf", x, loc, scale)
  return cdf(-x, -loc, scale)


def logsf(x, loc=0, scale=1):
  """Log of the survival function."""
  x, loc, scale = promote_args_inexact("cauchy.logsf", x, loc, scale)
  return logcdf(-x, -loc, scale)


def isf(q, loc=0, scale=1):
  """loc + scale * tan(pi/2 - pi q)."""
  q, loc, scale = promote_args_inexact("cauchy.isf", q, loc, scale)
  unscaled = lax.tan(lax.sub(_c(q, np.pi / 2), lax.mul(_c(q, np.pi), q)))
  return lax.add(lax.mul(unscaled, scale), loc)


def ppf(q, loc=0, scale=1):
  """loc + scale * tan(pi q - pi/2)."""
  q, loc, scale = promote_args_inexact("cauchy.ppf", q, loc, scale)
  unscaled = lax.tan(lax.sub(lax.mul(_c(q, np.pi), q), _c(q, np.pi / 2)))
  return lax.add(lax.mul(unscaled, scale), loc)
