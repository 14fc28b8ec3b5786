"""Polynomial functions of `jax.numpy` (poly*, roots), coefficients ordered from the highest
power down, as in NumPy's legacy `numpy.poly*` API."""
from __future__ import annotations

import operator

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.jit import _hashable_static
from pyjax._src.lax import lax
from pyjax._src.lax.control_flow import scan
from pyjax._src.lax.sorting import sort_key_val
from pyjax._src.numpy import creation, linalg, reductions, ufuncs
from pyjax._src.numpy.lax_numpy import concatenate, matmul, outer, where
from pyjax._src.numpy.convolution import convolve
from pyjax._src.numpy.manipulation import atleast_1d, diag, roll, vander
from pyjax._src.numpy.setops import trim_zeros
from pyjax._src.numpy.util import (asarray_or_scalar, check_arraylike, promote_dtypes,
                                   promote_dtypes_inexact, to_complex_dtype)

__all__ = ["poly", "polyadd", "polyder", "polydiv", "polyfit", "polyint", "polymul", "polysub",
           "polyval", "roots"]


def poly(seq_of_zeros):
  """Coefficients of the monic polynomial with the given roots (1-D), or with the eigenvalues of
  a non-empty square matrix as roots; always inexact."""
  check_arraylike("poly", seq_of_zeros)
  zeros, = promote_dtypes_inexact(seq_of_zeros)
  zeros = atleast_1d(zeros)
  if zeros.ndim == 2 and zeros.shape[0] == zeros.shape[1] and zeros.shape[0] != 0:
    zeros = linalg.eigvals(zeros)
  if zeros.ndim != 1:
    raise ValueError("input must be 1d or non-empty square 2d array.")
  dtype = zeros.dtype
  if zeros.shape[0] == 0:
    return creation.ones((), dtype=dtype)
  coefficients = creation.ones((1,), dtype=dtype)
  one = creation.ones((1,), dtype=dtype)
  for k in range(zeros.shape[0]):
    # Multiply by the factor (x - zero_k).
    factor = concatenate([one, ufuncs.negative(zeros[k:k + 1])])
    coefficients = convolve(coefficients, factor)
  return coefficients


def polyval(p, x, *, unroll: int = 16):
  """The polynomial with coefficients `p` (leading axis) at `x`, by Horner's scheme in a scan;
  keeps integer dtypes (NumPy's promotion of `p` and `x`, without the cast to float)."""
  # JAX takes `unroll` (like polyint's and polyder's `m`, polyfit's options) as a static
  # argument of a jitted function: it must be hashable.
  _hashable_static(unroll)
  check_arraylike("polyval", p, x)
  p, x = promote_dtypes(p, x)
  shape = lax.broadcast_shapes(p.shape[1:], x.shape)
  init = lax.full_like(x, 0, shape=shape, dtype=x.dtype)
  value, _ = scan(lambda acc, coefficient: (acc * x + coefficient, None), init, p,
                  unroll=unroll)
  return value


def polyadd(a1, a2):
  """The sum of two polynomials, the shorter one aligned with the constant term."""
  check_arraylike("polyadd", a1, a2)
  a1, a2 = promote_dtypes(a1, a2)
  longer, shorter = (a1, a2) if a2.shape[0] <= a1.shape[0] else (a2, a1)
  return longer.at[-shorter.shape[0]:].add(shorter)


def polysub(a1, a2):
  """The difference `a1 - a2` of two polynomials."""
  check_arraylike("polysub", a1, a2)
  a1, a2 = promote_dtypes(a1, a2)
  return polyadd(a1, ufuncs.negative(a2))


def polyint(p, m: int = 1, k=None):
  """The `m`-th antiderivative of `p`, with integration constants `k` (a scalar for all, or one
  per integration, the first one becoming the highest-order constant term)."""
  m = core.concrete_or_error(operator.index, _hashable_static(m), "'m' argument of jnp.polyint")
  check_arraylike("polyint", p, 0 if k is None else k)
  p, k = promote_dtypes_inexact(p, 0 if k is None else k)
  if m < 0:
    raise ValueError("Order of integral must be positive (see polyder)")
  k = atleast_1d(k)
  if k.shape[0] == 1:
    k = creation.full((m,), k[0])
  if k.shape != (m,):
    raise ValueError("k must be a scalar or a rank-1 array of length 1 or m.")
  if m == 0:
    return p
  # Coefficient j of the result (highest power first) is divided by (e)(e-1)...(e-m+1) with
  # e its exponent; the m constants, with exponents below m, by e! instead.
  exponents = np.arange(p.shape[0] + m)[::-1]
  falling = np.maximum(1, exponents[None, :] - np.arange(m)[:, None])
  divisors = creation.asarray(np.prod(falling.astype(np.float64), axis=0), dtype=p.dtype)
  return ufuncs.true_divide(concatenate([p, k]), divisors)


def polyder(p, m: int = 1):
  """The `m`-th derivative of `p`; always inexact."""
  check_arraylike("polyder", p)
  m = core.concrete_or_error(operator.index, _hashable_static(m), "'m' argument of jnp.polyder")
  p, = promote_dtypes_inexact(p)
  if m < 0:
    raise ValueError("Order of derivative must be positive")
  if m == 0:
    return p
  # The coefficient of x^e gains the factor e(e-1)...(e-m+1); the m lowest terms vanish (all of
  # them when m exceeds the degree).
  exponents = np.arange(p.shape[0] - 1, m - 1, -1)
  factors = np.prod((exponents[None, :] - np.arange(m)[:, None]).astype(np.float64), axis=0)
  return ufuncs.multiply(p[:-m], creation.asarray(factors, dtype=p.dtype))


def polymul(a1, a2, *, trim_leading_zeros: bool = False):
  """The product of two polynomials; always inexact. With `trim_leading_zeros`, leading zero
  coefficients are dropped first (this needs concrete values)."""
  check_arraylike("polymul", a1, a2)
  a1, a2 = promote_dtypes_inexact(a1, a2)
  if trim_leading_zeros and (len(a1) > 1 or len(a2) > 1):
    a1, a2 = trim_zeros(a1, trim="f"), trim_zeros(a2, trim="f")
  # An empty polynomial is the zero polynomial.
  if len(a1) == 0:
    a1 = creation.zeros(1, dtype=a2.dtype)
  if len(a2) == 0:
    a2 = creation.zeros(1, dtype=a1.dtype)
  if a1.ndim != 1 or a2.ndim != 1:
    raise ValueError("convolve() only support 1-dimensional inputs.")
  return convolve(a1, a2)


def _trim_leading_small(u, tol):
  """`u`'s concrete value without its leading entries of magnitude below `tol`. As in JAX, the
  result is built from the concrete value, so it carries no derivative."""
  value = core.concrete_or_error(asarray_or_scalar, u,
                                 "Error arose in the `filt` argument of trim_zeros_tol()")
  small = np.asarray(ufuncs.less(ufuncs.abs(value), tol))
  if small.all():
    return creation.empty(0, dtype=value.dtype)
  return value[int(np.argmin(small)):]


def polydiv(u, v, *, trim_leading_zeros: bool = False):
  """Quotient and remainder of the polynomial division `u / v`, by long division; always
  inexact. The remainder keeps `u`'s length (leading zeros) unless `trim_leading_zeros`, which
  drops leading entries below sqrt(eps) in magnitude and needs concrete values."""
  check_arraylike("polydiv", u, v)
  u, v = promote_dtypes_inexact(u, v)
  u_degree, v_degree = len(u) - 1, len(v) - 1
  reciprocal = ufuncs.true_divide(1.0, v[0])
  quotient = creation.zeros(max(u_degree - v_degree + 1, 1), dtype=u.dtype)
  for k in range(u_degree - v_degree + 1):
    term = ufuncs.multiply(reciprocal, u[k])
    quotient = quotient.at[k].set(term)
    u = u.at[k:k + v_degree + 1].add(ufuncs.negative(ufuncs.multiply(term, v)))
  if trim_leading_zeros:
    u = _trim_leading_small(u, np.sqrt(dtypes.finfo(u.dtype).eps))
  return quotient, u


def polyfit(x, y, deg: int, rcond=None, full: bool = False, w=None, cov=False):
  """Least-squares fit of a degree-`deg` polynomial to the points (x, y) (y may hold several
  data sets as columns), optionally weighted by `w`. Returns the coefficients; with `full`, also
  the residuals, rank, singular values and rcond of the scaled problem; with `cov`, also the
  coefficients' covariance (unscaled with cov="unscaled")."""
  for static in (deg, rcond, full, cov):
    _hashable_static(static)
  check_arraylike("polyfit", x, y, *(() if w is None else (w,)))
  x, y = asarray_or_scalar(x), asarray_or_scalar(y)
  deg = core.concrete_or_error(int, deg, "deg must be int")
  order = deg + 1
  if deg < 0:
    raise ValueError("expected deg >= 0")
  if x.ndim != 1:
    raise TypeError("expected 1D vector for x")
  if x.size == 0:
    raise TypeError("expected non-empty vector for x")
  if y.ndim < 1 or y.ndim > 2:
    raise TypeError("expected 1D or 2D array for y")
  if x.shape[0] != y.shape[0]:
    raise TypeError("expected x and y to have same length")
  if rcond is None:
    rcond = len(x) * float(dtypes.finfo(x.dtype).eps)
  rcond = core.concrete_or_error(float, rcond, "rcond must be float")

  lhs, rhs = vander(x, order), y
  if w is not None:
    w, = promote_dtypes_inexact(w)
    if w.ndim != 1:
      raise TypeError("expected a 1-d array for weights")
    if w.shape[0] != y.shape[0]:
      raise TypeError("expected w and y to have the same length")
    lhs = ufuncs.multiply(lhs, w[:, None])
    rhs = ufuncs.multiply(rhs, w[:, None] if rhs.ndim == 2 else w)

  # Scaling the columns to unit norm improves the conditioning of the Vandermonde matrix.
  scale = ufuncs.sqrt(reductions.sum(ufuncs.multiply(lhs, lhs), axis=0))
  lhs = ufuncs.true_divide(lhs, scale[None, :])
  coefficients, residuals, rank, singular_values = linalg.lstsq(lhs, rhs, rcond)
  scale_by_row = scale[:, None] if coefficients.ndim > 1 else scale
  coefficients = ufuncs.true_divide(coefficients, scale_by_row)

  if full:
    return coefficients, residuals, rank, singular_values, creation.asarray(rcond)
  if not cov:
    return coefficients
  unscaled = ufuncs.true_divide(linalg.inv(matmul(lhs.T, lhs)), outer(scale, scale))
  if cov == "unscaled":
    factor = creation.array(1.0)
  else:
    if len(x) <= order:
      raise ValueError("the number of data points must exceed order to scale the covariance "
                       "matrix")
    factor = ufuncs.true_divide(residuals, len(x) - order)
  factor = atleast_1d(factor)
  if y.ndim == 1:
    return coefficients, ufuncs.multiply(unscaled, factor[None])
  return coefficients, ufuncs.multiply(unscaled[:, :, None], factor[None, None, :])


def _roots_of_nonzero_leading(p):
  """Roots of `p` (p[0] != 0) as the eigenvalues of its companion matrix."""
  if p.size < 2:
    return creation.array([], dtype=to_complex_dtype(p.dtype))
  companion = diag(creation.ones((p.size - 2,), p.dtype), -1)
  companion = companion.at[0, :].set(ufuncs.negative(ufuncs.true_divide(p[1:], p[0])))
  return linalg.eigvals(companion)


def roots(p, *, strip_zeros: bool = True):
  """Complex roots of the polynomial `p`. Leading zeros are stripped (which needs concrete
  values); with `strip_zeros=False` the result keeps a fixed size, one NaN per leading zero."""
  check_arraylike("roots", p)
  p, = promote_dtypes_inexact(p)
  p = atleast_1d(p)
  if p.ndim != 1:
    raise ValueError("Input must be a rank-1 array.")
  if p.size < 2:
    return creation.array([], dtype=to_complex_dtype(p.dtype))
  is_zero = ufuncs.equal(p, 0)
  leading_zeros = where(reductions.all(is_zero), len(p), reductions.argmin(is_zero))
  if strip_zeros:
    leading_zeros = core.concrete_or_error(
        int, leading_zeros,
        "The error occurred in the jnp.roots() function. To use this within a JIT-compiled "
        "context, pass strip_zeros=False, but be aware that leading zeros will result in some "
        "returned roots being set to NaN.")
    return _roots_of_nonzero_leading(p[leading_zeros:])
  # A fixed-size computation: an all-zero p becomes all ones (so that the eigensolver sees finite
  # values); the leading zeros are rotated to the end, where they add as many roots at 0; those
  # are sorted last and replaced by NaN.
  p = where(ufuncs.equal(len(p), leading_zeros), 1.0, p)
  found = _roots_of_nonzero_leading(roll(p, ufuncs.negative(leading_zeros)))
  found = sort_key_val(ufuncs.equal(found, 0), found)[1]
  keep = ufuncs.less(creation.arange(found.size), found.size - leading_zeros)
  return where(keep, found, complex(np.nan, np.nan))
