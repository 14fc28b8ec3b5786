"""Student's t distribution, as `jax.scipy.stats.t`."""
import numpy as np

from pyjax import lax
from pyjax._src.lax.elementwise import _weak_const as _c
from pyjax._src.numpy.util import promote_args_inexact


def logpdf(x, df, loc=0, scale=1):
  """Log density of Student's t with `df` degrees of freedom, shifted and scaled."""
  x, df, loc, scale = promote_args_inexact("t.logpdf", x, df, loc, scale)
  two = _c(x, 2)
  scaled_x = lax.div(lax.sub(x, loc), scale)
  half_df = lax.div(df, two)
  half_df_plus_half = lax.add(half_df, _c(x, 0.5))
  log_norm = lax.div(lax.log(lax.mul(lax.mul(lax.mul(scale, scale), _c(x, np.pi)), df)), two)
  normalize_term = lax.sub(lax.add(lax.lgamma(half_df), log_norm), lax.lgamma(half_df_plus_half))
  quadratic = lax.div(lax.mul(scaled_x, scaled_x), df)
  return lax.neg(lax.add(normalize_term, lax.mul(half_df_plus_half, lax.log1p(quadratic))))


def pdf(x, df, loc=0, scale=1):
  """The Student's t density."""
  return lax.exp(logpdf(x, df, loc, scale))
