"""The beta distribution, as `jax.scipy.stats.beta`."""
import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src.lax.elementwise import _weak_const as _c
from pyjax._src.numpy.util import promote_args_inexact
from pyjax._src.scipy.special import betainc, betaln, xlog1py, xlogy


def logpdf(x, a, b, loc=0, scale=1):
  """Log density of Beta(a, b) on [loc, loc + scale]; NaN for non-positive a, b or scale."""
  x, a, b, loc, scale = promote_args_inexact("beta.logpdf", x, a, b, loc, scale)
  one, zero = _c(x, 1), _c(a, 0)
  y = lax.div(lax.sub(x, loc), scale)
  log_kernel = lax.add(xlogy(lax.sub(a, one), y), xlog1py(lax.sub(b, one), lax.neg(y)))
  log_probs = lax.sub(lax.add(lax.neg(betaln(a, b)), log_kernel), lax.log(scale))
  outside = jnp.logical_or(lax.gt(x, lax.add(loc, scale)), lax.lt(x, loc))
  result = jnp.where(outside, -np.inf, log_probs)
  bad_parameters = jnp.logical_or(jnp.logical_or(lax.le(a, zero), lax.le(b, zero)),
                                  lax.le(scale, zero))
  return jnp.where(bad_parameters, np.nan, result)


def pdf(x, a, b, loc=0, scale=1):
  """The beta density."""
  return lax.exp(logpdf(x, a, b, loc, scale))


def _standardized(x, loc, scale):
  return lax.clamp(_c(x, 0), lax.div(lax.sub(x, loc), scale), _c(x, 1))


def cdf(x, a, b, loc=0, scale=1):
  """The beta CDF, I_y(a, b) with y = (x - loc) / scale clamped to [0, 1]."""
  x, a, b, loc, scale = promote_args_inexact("beta.cdf", x, a, b, loc, scale)
  return betainc(a, b, _standardized(x, loc, scale))


def logcdf(x, a, b, loc=0, scale=1):
  """Log of the beta CDF."""
  return lax.log(cdf(x, a, b, loc, scale))


def sf(x, a, b, loc=0, scale=1):
  """The beta survival function, I_(1-y)(b, a)."""
  x, a, b, loc, scale = promote_args_inexact("beta.sf", x, a, b, loc, scale)
  return betainc(b, a, 1 - _standardized(x, loc, scale))


def logsf(x, a, b, loc=0, scale=1):
  """Log of the beta survival function."""
  return lax.log(sf(x, a, b, loc, scale))
