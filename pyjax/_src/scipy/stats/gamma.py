"""The gamma distribution, as `jax.scipy.stats.gamma`."""
import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src.lax.elementwise import _weak_const as _c
from pyjax._src.numpy.util import promote_args_inexact
from pyjax._src.scipy.special import gammainc, gammaincc, gammaln, xlogy


def logpdf(x, a, loc=0, scale=1):
  """Log density of Gamma(a) shifted by loc and scaled by scale (-inf below loc)."""
  x, a, loc, scale = promote_args_inexact("gamma.logpdf", x, a, loc, scale)
  ok = lax.ge(x, loc)
  one = _c(x, 1)
  y = jnp.where(ok, lax.div(lax.sub(x, loc), scale), one)
  log_kernel = lax.sub(xlogy(lax.sub(a, one), y), y)
  log_probs = lax.sub(log_kernel, lax.add(gammaln(a), lax.log(scale)))
  return jnp.where(ok, log_probs, -np.inf)


def pdf(x, a, loc=0, scale=1):
  """The gamma density."""
  return lax.exp(logpdf(x, a, loc, scale))


def cdf(x, a, loc=0, scale=1):
  """The gamma CDF, P(a, max(y, 0)) with y = (x - loc) / scale."""
  x, a, loc, scale = promote_args_inexact("gamma.cdf", x, a, loc, scale)
  return gammainc(a, lax.clamp(_c(x, 0), lax.div(lax.sub(x, loc), scale), _c(x, np.inf)))


def logcdf(x, a, loc=0, scale=1):
  """Log of the gamma CDF."""
  return lax.log(cdf(x, a, loc, scale))


def sf(x, a, loc=0, scale=1):
  """The gamma survival function, Q(a, y) (1 below loc)."""
  x, a, loc, scale = promote_args_inexact("gamma.sf", x, a, loc, scale)
  y = lax.div(lax.sub(x, loc), scale)
  return jnp.where(lax.lt(y, _c(y, 0)), 1, gammaincc(a, y))


def logsf(x, a, loc=0, scale=1):
  """Log of the gamma survival function."""
  return lax.log(sf(x, a, loc, scale))
