"""The Laplace distribution, as `jax.scipy.stats.laplace`."""
from pyjax import lax
from pyjax._src.lax.elementwise import _weak_const as _c
from pyjax._src.numpy.util import promote_args_inexact


def logpdf(x, loc=0, scale=1):
  """-|x - loc| / scale - log(2 scale)."""
  x, loc, scale = promote_args_inexact("laplace.logpdf", x, loc, scale)
  linear_term = lax.div(lax.abs(lax.sub(x, loc)), scale)
  return lax.neg(lax.add(linear_term, lax.log(lax.mul(_c(x, 2), scale))))


def pdf(x, loc=0, scale=1):
  """The Laplace density."""
  return lax.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
  """exp(z) / 2 for z = (x - loc) / scale <= 0, 1 - exp(-z) / 2 above."""
  x, loc, scale = promote_args_inexact("laplace.cdf", x, loc, scale)
  half, one = _c(x, 0.5), _c(x, 1)
  z = lax.div(lax.sub(x, loc), scale)
  return lax.select(lax.le(z, _c(x, 0)), lax.mul(half, lax.exp(z)),
                    lax.sub(one, lax.mul(half, lax.exp(lax.neg(z)))))
