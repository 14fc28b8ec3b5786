"""The left-skewed Gumbel distribution, as `jax.scipy.stats.gumbel_l`. Results are NaN for
non-positive `scale`."""
import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src.lax.elementwise import _weak_const as _c
from pyjax._src.numpy.util import promote_args_inexact
from pyjax._src.scipy.special import xlog1py, xlogy


def _valid(scale):
  return lax.gt(scale, _c(scale, 0))


def logpdf(x, loc=0, scale=1):
  """-log(scale) + z - exp(z) with z = (x - loc) / scale."""
  x, loc, scale = promote_args_inexact("gumbel_l.logpdf", x, loc, scale)
  z = lax.div(lax.sub(x, loc), scale)
  log_pdf = lax.add(xlogy(-1, scale), lax.sub(z, lax.exp(z)))
  return jnp.where(_valid(scale), log_pdf, np.nan)


def pdf(x, loc=0, scale=1):
  """The Gumbel density."""
  return lax.exp(logpdf(x, loc, scale))


def logcdf(x, loc=0, scale=1):
  """log(1 - exp(-exp(z)))."""
  x, loc, scale = promote_args_inexact("gumbel_l.logcdf", x, loc, scale)
  z = lax.div(lax.sub(x, loc), scale)
  log_cdf = lax.log(-lax.expm1(lax.neg(lax.exp(z))))
  return jnp.where(_valid(scale), log_cdf, np.nan)


def cdf(x, loc=0, scale=1):
  """1 - exp(-exp(z))."""
  return lax.exp(logcdf(x, loc, scale))


def ppf(p, loc=0, scale=1):
  """loc + scale log(-log(1 - p)) for p in (0, 1), NaN otherwise."""
  p, loc, scale = promote_args_inexact("gumbel_l.ppf", p, loc, scale)
  ok = lax.bitwise_and(lax.gt(p, _c(p, 0)), lax.lt(p, _c(p, 1)))
  quantile = lax.add(loc, lax.mul(scale, lax.log(xlog1py(-1, lax.neg(p)))))
  return jnp.where(ok, quantile, np.nan)


def logsf(x, loc=0, scale=1):
  """-exp(z)."""
  x, loc, scale = promote_args_inexact("gumbel_l.logsf", x, loc, scale)
  z = lax.div(lax.sub(x, loc), scale)
  return jnp.where(_valid(scale), lax.neg(lax.exp(z)), np.nan)


def sf(x, loc=0, scale=1):
  """exp(-exp(z))."""
  return jnp.exp(logsf(x, loc, scale))
