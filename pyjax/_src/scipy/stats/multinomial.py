"""The multinomial distribution, as `jax.scipy.stats.multinomial`."""
import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src import dtypes
from pyjax._src.numpy.util import promote_args_inexact, promote_args_numeric
from pyjax._src.scipy.special import gammaln, xlogy


def logpmf(x, n, p):
  """log n! + sum_i (x_i log p_i - log x_i!) where the integer counts `x` (last axis) sum to
  `n`, -inf otherwise."""
  p, = promote_args_inexact("multinomial.logpmf", p)
  x, n = promote_args_numeric("multinomial.logpmf", x, n)
  if not dtypes.issubdtype(x.dtype, np.integer):
    raise ValueError(f"x and n must be of integer type; got x.dtype={x.dtype}, n.dtype={n.dtype}")
  x = x.astype(p.dtype)
  n = n.astype(p.dtype)
  log_probs = gammaln(n + 1) + jnp.sum(xlogy(x, p) - gammaln(x + 1), axis=-1)
  return jnp.where(jnp.equal(jnp.sum(x), n), log_probs, -np.inf)


def pmf(x, n, p):
  """The multinomial probability mass function."""
  return lax.exp(logpmf(x, n, p))
