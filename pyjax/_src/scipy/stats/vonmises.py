"""The von Mises distribution on the circle, as `jax.scipy.stats.vonmises`."""
import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src.lax.elementwise import _weak_const as _c
from pyjax._src.numpy.util import promote_args_inexact


def logpdf(x, kappa):
  """kappa (cos x - 1) - log(2 pi i0e(kappa)); NaN for kappa <= 0."""
  x, kappa = promote_args_inexact("vonmises.logpdf", x, kappa)
  # i0e(kappa) = exp(-kappa) I0(kappa): the scaled form keeps large kappa finite.
  value = kappa * (jnp.cos(x) - 1) - jnp.log(2 * np.pi * lax.bessel_i0e(kappa))
  return jnp.where(lax.gt(kappa, _c(kappa, 0)), value, np.nan)


def pdf(x, kappa):
  """The von Mises density."""
  return lax.exp(logpdf(x, kappa))
