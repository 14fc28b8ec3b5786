"""The Bernoulli distribution, as `jax.scipy.stats.bernoulli`."""
import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src.lax.elementwise import _weak_const as _c
from pyjax._src.lax.lax import _const
from pyjax._src.numpy.util import promote_args_inexact
from pyjax._src.scipy.special import xlog1py, xlogy


def logpmf(k, p, loc=0):
  """log p at k - loc = 1, log(1 - p) at 0, -inf elsewhere."""
  k, p, loc = promote_args_inexact("bernoulli.logpmf", k, p, loc)
  zero, one = _c(k, 0), _c(k, 1)
  x = lax.sub(k, loc)
  log_probs = xlogy(x, p) + xlog1py(lax.sub(one, x), -p)
  return jnp.where(jnp.logical_or(lax.lt(x, zero), lax.gt(x, one)), -np.inf, log_probs)


def pmf(k, p, loc=0):
  """The Bernoulli probability mass function."""
  return jnp.exp(logpmf(k, p, loc))


def cdf(k, p):
  """0 below 0, 1 - p on [0, 1), 1 from 1; NaN for NaN inputs or p outside [0, 1]."""
  k, p = promote_args_inexact("bernoulli.cdf", k, p)
  zero, one = _c(k, 0), _c(k, 1)
  conditions = [jnp.isnan(k) | jnp.isnan(p) | (p < zero) | (p > one), lax.lt(k, zero),
                jnp.logical_and(lax.ge(k, zero), lax.lt(k, one)), lax.ge(k, one)]
  return jnp.select(conditions, [jnp.nan, zero, one - p, one])


def ppf(q, p):
  """The smallest k in {0, 1} with cdf(k) >= q; NaN for invalid q or p."""
  q, p = promote_args_inexact("bernoulli.ppf", q, p)
  # Strongly typed constants: the result is strongly typed even for Python-scalar arguments.
  zero, one = _const(q, 0), _const(q, 1)
  invalid = jnp.isnan(q) | jnp.isnan(p) | (p < zero) | (p > one) | (q < zero) | (q > one)
  return jnp.where(invalid, jnp.nan, jnp.where(lax.le(q, one - p), zero, one))
