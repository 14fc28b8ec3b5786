"""The truncated normal distribution, as `jax.scipy.stats.truncnorm`: a normal with mean `loc`
and standard deviation `scale` restricted to [loc + a scale, loc + b scale]. Results are NaN
where a >= b."""
import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src.nn.functions import logsumexp
from pyjax._src.numpy.util import asarray_or_scalar, promote_args_inexact
from pyjax._src.scipy.special import log_ndtr, ndtr
from pyjax._src.scipy.stats import norm


def _jit_argument(x):
  # JAX jits these functions, so NumPy and Python values arrive as (weakly typed) Arrays.
  if isinstance(x, (np.ndarray, np.generic, bool, int, float, complex)):
    return asarray_or_scalar(x)
  return x


def _log_diff(x, y):
  """log(exp(x) - exp(y))."""
  return logsumexp(jnp.array([x, y]), b=jnp.array([jnp.ones_like(x), -jnp.ones_like(y)]), axis=0)


def _log_gauss_mass(a, b):
  """log(ndtr(b) - ndtr(a)), computed in whichever tail avoids cancellation."""
  a, b = jnp.broadcast_arrays(jnp.array(a), jnp.array(b))
  left = b <= 0
  right = a > 0
  central = ~(left | right)
  # Right-tail intervals are reflected into the left tail, where log_ndtr is accurate.
  a_tail = jnp.where(right, -b, a)
  b_tail = jnp.where(right, -a, b)
  mass_tail = _log_diff(log_ndtr(b_tail), log_ndtr(a_tail))
  mass_central = jnp.log1p(-ndtr(a) - ndtr(-b))
  return jnp.where(central, mass_central, mass_tail)


def logpdf(x, a, b, loc=0, scale=1):
  """Log density: the normal log density minus the log mass of [a, b]; -inf outside."""
  x, a, b, loc, scale = map(_jit_argument, (x, a, b, loc, scale))
  x, a, b, loc, scale = promote_args_inexact("truncnorm.logpdf", x, a, b, loc, scale)
  value = lax.sub(norm.logpdf(x, loc, scale), _log_gauss_mass(a, b))
  z = lax.div(lax.sub(x, loc), scale)
  value = jnp.where((z < a) | (z > b), -np.inf, value)
  return jnp.where(a >= b, np.nan, value)


def pdf(x, a, b, loc=0, scale=1):
  """The truncated normal density."""
  return lax.exp(logpdf(x, a, b, loc, scale))


def logcdf(x, a, b, loc=0, scale=1):
  """Log CDF, from whichever of the lower and upper masses is accurate."""
  x, a, b, loc, scale = map(_jit_argument, (x, a, b, loc, scale))
  x, a, b, loc, scale = promote_args_inexact("truncnorm.logcdf", x, a, b, loc, scale)
  x, a, b = jnp.broadcast_arrays(x, a, b)
  z = lax.div(lax.sub(x, loc), scale)
  log_mass = _log_gauss_mass(a, b)
  log_cdf = _log_gauss_mass(a, z) - log_mass
  log_sf = _log_gauss_mass(z, b) - log_mass
  # Near 1, log(1 - sf) is more accurate than the ratio of masses.
  log_cdf = jnp.select([z >= b, z <= a, log_cdf > -0.1, z > a],
                       [0, -np.inf, jnp.log1p(-jnp.exp(log_sf)), log_cdf])
  return jnp.where(a >= b, np.nan, log_cdf)


def cdf(x, a, b, loc=0, scale=1):
  """The truncated normal CDF."""
  return lax.exp(logcdf(x, a, b, loc, scale))


def logsf(x, a, b, loc=0, scale=1):
  """Log survival function, by reflection: logcdf(-x) of the reflected distribution."""
  x, a, b, loc, scale = map(_jit_argument, (x, a, b, loc, scale))
  x, a, b, loc, scale = promote_args_inexact("truncnorm.logsf", x, a, b, loc, scale)
  return logcdf(-x, -b, -a, -loc, scale)


def sf(x, a, b, loc=0, scale=1):
  """The truncated normal survival function."""
  return lax.exp(logsf(x, a, b, loc, scale))
