"""The multivariate normal distribution, as `jax.scipy.stats.multivariate_normal`."""
from functools import partial

import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src.numpy.util import promote_dtypes_inexact


def logpdf(x, mean, cov, allow_singular=None):
  """Log density of N(mean, cov) at `x` (the last axis is the event axis; leading axes
  broadcast). `cov` may be a scalar (an isotropic covariance) or a [..., n, n] positive-definite
  matrix; for a scalar `mean` the distribution is univariate with variance `cov`."""
  if allow_singular is not None:
    raise NotImplementedError("allow_singular argument of multivariate_normal.logpdf")
  x, mean, cov = promote_dtypes_inexact(x, mean, cov)
  if not mean.shape:
    return (-1 / 2 * jnp.square(x - mean) / cov
            - 1 / 2 * (jnp.log(2 * np.pi) + jnp.log(cov)))
  n = mean.shape[-1]
  if not np.shape(cov):
    y = x - mean
    return (-1 / 2 * jnp.einsum("...i,...i->...", y, y) / cov
            - n / 2 * (jnp.log(2 * np.pi) + jnp.log(cov)))
  if cov.ndim < 2 or cov.shape[-2:] != (n, n):
    raise ValueError("multivariate_normal.logpdf got incompatible shapes")
  chol = lax.linalg.cholesky(cov)
  # With cov = L L^T, the Mahalanobis term is |L^-1 (x - mean)|^2 and log det cov = 2 sum log L_ii.
  solve = jnp.vectorize(partial(lax.linalg.triangular_solve, lower=True, transpose_a=True),
                        signature="(n,n),(n)->(n)")
  y = solve(chol, x - mean)
  return (-1 / 2 * jnp.einsum("...i,...i->...", y, y) - n / 2 * jnp.log(2 * np.pi)
          - jnp.log(chol.diagonal(axis1=-1, axis2=-2)).sum(-1))


def pdf(x, mean, cov):
  """The multivariate normal density."""
  return lax.exp(logpdf(x, mean, cov))
