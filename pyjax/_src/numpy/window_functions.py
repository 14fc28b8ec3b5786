"""Window functions of `jax.numpy` (bartlett, blackman, hamming, hanning, kaiser) and the
special functions they use: `i0` (modified Bessel function of order 0) and `sinc`, each with
JAX's derivatives."""
from __future__ import annotations

import math

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.custom_derivatives import custom_jvp
from pyjax._src.lax import lax
from pyjax._src.numpy import ufuncs
from pyjax._src.numpy.creation import arange, ones
from pyjax._src.numpy.lax_numpy import where
from pyjax._src.numpy.util import asarray_or_scalar, check_arraylike, promote_dtypes_inexact

__all__ = ["bartlett", "blackman", "hamming", "hanning", "kaiser", "i0", "sinc"]


# --- i0 ----------------------------------------------------------------------------------------

def _i0_value(x):
  magnitude = lax.abs(x)
  return lax.mul(lax.exp(magnitude), lax.bessel_i0e(magnitude))


_i0 = custom_jvp(_i0_value)


@_i0.defjvp
def _i0_jvp(primals, tangents):
  # The derivative of the expression above, set to 0 at x = 0 where |x| has no derivative.
  # Being a `where`, it makes every higher derivative at 0 vanish too, as in JAX.
  from pyjax._src.ad_api import jvp
  (x,) = primals
  out, tangent_out = jvp(_i0_value, primals, tangents)
  return out, where(ufuncs.equal(x, 0), 0.0, tangent_out)


def i0(x):
  """Modified Bessel function of the first kind of order 0, elementwise (real inputs only)."""
  check_arraylike("i0", x)
  (x,) = promote_dtypes_inexact(x)
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    raise ValueError(f"Unsupported input type to jax.numpy.i0: {x.dtype}")
  return _i0(x)


# --- sinc --------------------------------------------------------------------------------------

def _sinc_derivative_at_zero(k: int) -> float:
  """The k-th derivative of sin(y)/y at y = 0: (-1)^(k/2) / (k+1) for even k, else 0."""
  return 0.0 if k % 2 else (-1.0) ** (k // 2) / (k + 1)


def _sinc_series_value(k, y):
  # The value at 0 of the k-th derivative, shaped like y; its JVP is the next derivative, so
  # derivatives of every order at 0 are exact.
  return lax.add(lax.mul(y, lax.full_like(y, 0)), lax.full_like(y, _sinc_derivative_at_zero(k)))


_sinc_series = custom_jvp(_sinc_series_value, nondiff_argnums=(0,))


@_sinc_series.defjvp
def _sinc_series_jvp(k, primals, tangents):
  (y,), (t,) = primals, tangents
  return _sinc_series(k, y), lax.mul(_sinc_series(k + 1, y), t)


def sinc(x, /):
  """sin(pi x) / (pi x), with the limit 1 at x = 0 (and the exact derivatives there)."""
  check_arraylike("sinc", x)
  (x,) = promote_dtypes_inexact(x)
  is_zero = ufuncs.equal(x, 0)
  pi_x = ufuncs.multiply(math.pi, x)
  safe = where(is_zero, lax.full_like(pi_x, 1), pi_x)
  return where(is_zero, _sinc_series(0, pi_x), ufuncs.divide(ufuncs.sin(safe), safe))


# --- windows -----------------------------------------------------------------------------------

def _window_length(M, name: str) -> int:
  M = core.concrete_or_error(int, M, f"M argument of jnp.{name}") if isinstance(
      M, core.Tracer) else int(M)
  if M < 0:
    raise TypeError(f"jnp.{name}: the window length M must be nonnegative; got M={M}.")
  return M


def _cosine_window(M, name: str, coefficients) -> "Array":  # noqa: F821
  """sum_k (-1)^k c_k cos(2 pi k n / (M - 1)) for n = 0 .. M-1."""
  M = _window_length(M, name)
  dtype = dtypes.default_float_dtype()
  if M <= 1:
    return ones(M, dtype)
  n = arange(0, M, dtype=dtype)
  phase = ufuncs.divide(ufuncs.multiply(2 * math.pi, n), M - 1)
  out = lax.full_like(n, coefficients[0])
  for k, c in enumerate(coefficients[1:], start=1):
    term = ufuncs.multiply(c, ufuncs.cos(ufuncs.multiply(k, phase)))
    out = ufuncs.subtract(out, term) if k % 2 else ufuncs.add(out, term)
  return out


def hanning(M: int):
  """Hann window of M points: 0.5 - 0.5 cos(2 pi n / (M - 1))."""
  return _cosine_window(M, "hanning", (0.5, 0.5))


def hamming(M: int):
  """Hamming window of M points: 0.54 - 0.46 cos(2 pi n / (M - 1))."""
  return _cosine_window(M, "hamming", (0.54, 0.46))


def blackman(M: int):
  """Blackman window of M points: 0.42 - 0.5 cos(2 pi n/(M-1)) + 0.08 cos(4 pi n/(M-1))."""
  return _cosine_window(M, "blackman", (0.42, 0.5, 0.08))


def bartlett(M: int):
  """Triangular (Bartlett) window of M points, zero at both ends."""
  M = _window_length(M, "bartlett")
  dtype = dtypes.default_float_dtype()
  if M <= 1:
    return ones(M, dtype)
  n = arange(0, M, dtype=dtype)
  distance = ufuncs.absolute(ufuncs.subtract(ufuncs.multiply(2, n), M - 1))
  return ufuncs.subtract(1, ufuncs.divide(distance, M - 1))


def kaiser(M: int, beta):
  """Kaiser window of M points with shape parameter `beta`:
  I0(beta sqrt(1 - (2n/(M-1) - 1)^2)) / I0(beta)."""
  M = _window_length(M, "kaiser")
  check_arraylike("kaiser", beta)
  dtype = dtypes.default_float_dtype()
  if M <= 1:
    return ones(M, dtype)
  n = arange(0, M, dtype=dtype)
  alpha = 0.5 * (M - 1)
  ratio = ufuncs.divide(ufuncs.subtract(n, alpha), alpha)
  radius = ufuncs.sqrt(ufuncs.subtract(1, ufuncs.multiply(ratio, ratio)))
  return ufuncs.divide(i0(ufuncs.multiply(beta, radius)), i0(asarray_or_scalar(beta)))
