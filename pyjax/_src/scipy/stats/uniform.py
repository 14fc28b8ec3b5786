"""The uniform distribution on [loc, loc + scale], as `jax.scipy.stats.uniform`."""
import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src.numpy.util import promote_args_inexact


def _outside(x, loc, scale):
  return jnp.logical_or(lax.gt(x, lax.add(loc, scale)), lax.lt(x, loc))


def logpdf(x, loc=0, scale=1):
  """-log(scale) on [loc, loc + scale], -inf outside."""
  x, loc, scale = promote_args_inexact("uniform.logpdf", x, loc, scale)
  return jnp.where(_outside(x, loc, scale), -np.inf, lax.neg(lax.log(scale)))


def pdf(x, loc=0, scale=1):
  """1/scale on [loc, loc + scale], 0 outside."""
  return lax.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
  """0 below loc, 1 above loc + scale, linear in between."""
  x, loc, scale = promote_args_inexact("uniform.cdf", x, loc, scale)
  zero, one = jnp.array(0, x.dtype), jnp.array(1, x.dtype)
  upper = lax.add(loc, scale)
  conditions = [lax.lt(x, loc), lax.gt(x, upper), lax.ge(x, loc) & lax.le(x, upper)]
  return jnp.select(conditions, [zero, one, lax.div(lax.sub(x, loc), scale)])


def ppf(q, loc=0, scale=1):
  """loc + q * scale for q in [0, 1], NaN otherwise."""
  q, loc, scale = promote_args_inexact("uniform.ppf", q, loc, scale)
  return jnp.where(jnp.isnan(q) | (q < 0) | (q > 1), np.nan, lax.add(loc, lax.mul(scale, q)))
