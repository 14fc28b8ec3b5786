"""Special functions that NumPy lacks, vectorized over NumPy arrays.

Every public function takes NumPy arrays or NumPy scalars of one floating dtype (float16, bfloat16,
float32 or float64; Python scalars adopt the dtype of the other operands) and returns that dtype.

* 16-bit inputs are computed by the float32 path and rounded back, as XLA's CPU backend does.
* float32 inputs are computed in float64 and rounded once (so results are within an ulp), except
  `erf_inv`, which reproduces XLA's single-precision algorithm (Giles' approximation, with the
  Horner steps fused as XLA's CPU backend fuses them).
* float64 inputs use float64 algorithms accurate to a few ulp away from ill-conditioned points.

The algorithms are the textbook ones: Maclaurin and asymptotic series, continued fractions (sized
with Lentz's method, then evaluated bottom-up), Euler-Maclaurin summation, reflection and
recurrence formulas, and Newton refinement for the inverses. The only tabulated data are
mathematical constants, Bernoulli numbers (computed exactly at import), Giles' published erf_inv
coefficients, and Taylor coefficients of erfcx, which are computed at import in 60-digit decimal
arithmetic from the differential equation erfcx satisfies.
"""
from __future__ import annotations

import decimal
import math
from fractions import Fraction

import ml_dtypes
import numpy as np

__all__ = [
    "betainc", "bessel_i0e", "bessel_i1e", "digamma", "erf", "erf_inv", "erfc", "igamma",
    "igamma_grad_a", "igammac", "lbeta", "lgamma", "ndtri", "polygamma", "random_gamma_grad",
    "zeta",
]

# ------------------------------------------------------------------------------------------------
# Constants

_F64 = np.float64
_EPS = np.finfo(np.float64).eps / 2  # unit roundoff, 2**-53
_TINY = 1e-300  # stands in for a zero denominator in Lentz's method
_MAX_ITERATIONS = 100_000  # bound on series and continued-fraction terms (reached for a >~ 1e8)

_PI = 3.14159265358979323846264338327950288
_SQRT_PI = 1.77245385090551602729816748334114518
_TWO_OVER_SQRT_PI = 1.12837916709551257389615890312154517
_SQRT_2 = 1.41421356237309504880168872420969808
_LOG_PI = 1.14472988584940017414342735135305871
_HALF_LOG_2PI = 0.918938533204672741780329736405617640
_EULER_GAMMA = 0.577215664901532860606512090082402431
# Positive root of digamma, split into a double and the remainder.
_DIGAMMA_ROOT_HI = 1.4616321449683622
_DIGAMMA_ROOT_LO = 9.549995429965697e-17
_PI_DECIMAL = "3.14159265358979323846264338327950288419716939937510582097494459230781640628621"


def _bernoulli_numbers(count):
  """Exact Bernoulli numbers B_0 .. B_{count-1} (B_1 = -1/2), from sum_k C(m+1, k) B_k = 0."""
  numbers = [Fraction(1)]
  for m in range(1, count):
    numbers.append(-sum(math.comb(m + 1, k) * numbers[k] for k in range(m)) / (m + 1))
  return numbers


_BERNOULLI = _bernoulli_numbers(64)
# log Gamma*(x) = lgamma(x) - [(x - 1/2) log x - x + log(2 pi)/2]
#                ~ sum_k B_2k / (2k (2k-1) x^(2k-1))
_STIRLING_COEFFS = [float(_BERNOULLI[2 * k] / (2 * k * (2 * k - 1))) for k in range(1, 11)]
# digamma(x) ~ log x - 1/(2x) - sum_k B_2k / (2k x^2k)
_DIGAMMA_ASYMPTOTIC_COEFFS = [float(_BERNOULLI[2 * k] / (2 * k)) for k in range(1, 11)]
# Euler-Maclaurin tail of the Hurwitz zeta function: B_2j / (2j)!
_EULER_MACLAURIN_COEFFS = [float(_BERNOULLI[2 * j] / math.factorial(2 * j)) for j in range(1, 13)]
_FACTORIALS = np.array([float(math.factorial(k)) for k in range(171)])  # correctly rounded

# ------------------------------------------------------------------------------------------------
# Dtype plumbing

_BFLOAT16 = np.dtype(ml_dtypes.bfloat16)
_FLOAT_DTYPES = (np.dtype(np.float16), _BFLOAT16, np.dtype(np.float32), np.dtype(np.float64))


def _common_float_dtype(args):
  """The floating dtype of the operands; Python scalars adopt the dtype of the others."""
  strong = [np.asarray(a).dtype for a in args if type(a) not in (int, float)]
  dtypes = set(strong) if strong else {np.dtype(np.float64)}
  if len(dtypes) != 1:
    raise TypeError(f"special functions need operands of one dtype, got {sorted(map(str, dtypes))}")
  (dtype,) = dtypes
  if dtype not in _FLOAT_DTYPES:
    raise TypeError(f"special functions need a floating dtype, got {dtype}")
  return dtype


def _apply(core64, args, core32=None):
  """Evaluate an elementwise float64 kernel on broadcast operands and round to their dtype.

  `core64` (and the optional float32 kernel `core32`) take and return 1-D contiguous arrays.
  """
  dtype = _common_float_dtype(args)
  arrays = np.broadcast_arrays(*[np.asarray(a, dtype) for a in args])
  shape = arrays[0].shape
  if dtype.itemsize == 8 or (dtype.itemsize == 4 and core32 is None):
    kernel, work = core64, np.float64
  else:
    kernel, work = core32 or core64, np.float32 if core32 else np.float64
  flat = [np.ascontiguousarray(a, work).reshape(-1) for a in arrays]
  with np.errstate(all="ignore"):
    out = kernel(*flat)
  if dtype.itemsize < 4:
    out = out.astype(np.float32)  # 16-bit results are the float32 results, rounded
  out = out.astype(dtype, copy=False).reshape(shape)
  if not any(isinstance(a, np.ndarray) for a in args):
    return out[()]
  return out


# ------------------------------------------------------------------------------------------------
# Small shared kernels (float64, 1-D)


def _horner(coeffs, x):
  """Evaluate sum_k coeffs[k] x^k."""
  result = np.full_like(x, coeffs[-1])
  for c in reversed(coeffs[:-1]):
    result = result * x + c
  return result


def _log1pmx(t):
  """log(1 + t) - t for t > -1, accurate for small |t|."""
  t = np.asarray(t, _F64)
  out = np.log1p(t) - t
  small = np.abs(t) < 0.5
  ts = t[small]
  # With u = t / (2 + t): log(1 + t) = 2 atanh(u) and 2u - t = -t u.
  u = ts / (2 + ts)
  u2 = u * u
  series = _horner([1 / (2 * k + 3) for k in range(18)], u2)
  out[small] = -ts * u + 2 * u * u2 * series
  return out


def _log_ratio_minus_linear(x, m):
  """log(x/m) - (x - m)/m for x, m > 0, accurate when x is near m and when x << m."""
  ratio = x / m
  out = np.log(ratio) - (ratio - 1)  # one rounding in the ratio
  extreme = (ratio < 1e-300) | (ratio > 1e300)
  out[extreme] = np.log(x[extreme]) - np.log(m[extreme]) - (ratio[extreme] - 1)
  t = (x - m) / m  # x - m is exact when |t| <= 1/2
  near = np.abs(t) < 0.5
  out[near] = _log1pmx(t[near])
  return out


def _two_sum(p, q):
  """(s, e) with s = fl(p + q) and s + e = p + q exactly."""
  total = p + q
  q_virtual = total - p
  return total, (p - (total - q_virtual)) + (q - q_virtual)


def _two_product(p, q):
  """(r, e) with r = fl(p q) and r + e = p q exactly (Veltkamp splitting; |p|, |q| < 1e250)."""
  product = p * q
  split = 134217729.0  # 2**27 + 1
  p_big, q_big = split * p, split * q
  p_hi = p_big - (p_big - p)
  q_hi = q_big - (q_big - q)
  p_lo, q_lo = p - p_hi, q - q_hi
  return product, ((p_hi * q_hi - product) + p_hi * q_lo + p_lo * q_hi) + p_lo * q_lo


def _pi_cot_pi(x):
  """pi cot(pi x), from the exact reduction r = x - round(x) and cot(pi r) = tan(pi (1/2 - r))."""
  r = x - np.round(x)
  ar = np.abs(r)
  return np.where(ar <= 0.25, _PI / np.tan(_PI * r), np.copysign(_PI * np.tan(_PI * (0.5 - ar)), r))


def _sinpi_abs(x):
  """|sin(pi x)| computed from the exact reduction x - round(x)."""
  return np.abs(np.sin(_PI * (x - np.round(x))))


# ------------------------------------------------------------------------------------------------
# erf, erfc and erfcx


_ERF_MACLAURIN_COEFFS = [(-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(14)]


def _erf_maclaurin(x):
  """erf(x) for |x| < 0.5 from sum_n (-1)^n x^(2n+1) / (n! (2n+1))."""
  return _TWO_OVER_SQRT_PI * x * _horner(_ERF_MACLAURIN_COEFFS, x * x)


_ERFCX_TABLE_START = 0.5
_ERFCX_TABLE_STEP = 0.125
_ERFCX_TABLE_COUNT = 28  # centres cover [0.5, 4)
_ERFCX_TABLE_DEGREE = 17
_ERFCX_CF_TERMS = 24  # enough for x >= 4


def _erfcx_taylor_table():
  """Taylor coefficients of erfcx about the centres of [0.5, 4), shape (degree + 1, centres).

  erfcx(c) comes from the positive-term series erf(c) = 2/sqrt(pi) e^(-c^2) sum_n c (2c^2)^n /
  (2n+1)!!; the higher coefficients from erfcx' = 2x erfcx - 2/sqrt(pi), i.e.
  (n+1) a_(n+1) = 2c a_n + 2 a_(n-1). Everything is done with 60 significant digits.
  """
  table = np.empty((_ERFCX_TABLE_DEGREE + 1, _ERFCX_TABLE_COUNT))
  with decimal.localcontext(decimal.Context(prec=60)):
    two_over_sqrt_pi = 2 / decimal.Decimal(_PI_DECIMAL).sqrt()
    threshold = decimal.Decimal("1e-64")
    for j in range(_ERFCX_TABLE_COUNT):
      c = decimal.Decimal(_ERFCX_TABLE_START + (j + 0.5) * _ERFCX_TABLE_STEP)
      term = total = c
      n = 0
      while term > threshold * total:
        n += 1
        term = term * 2 * c * c / (2 * n + 1)
        total += term
      erfc_c = 1 - two_over_sqrt_pi * (-c * c).exp() * total
      coeffs = [(c * c).exp() * erfc_c]
      coeffs.append(2 * c * coeffs[0] - two_over_sqrt_pi)
      for n in range(1, _ERFCX_TABLE_DEGREE):
        coeffs.append((2 * c * coeffs[n] + 2 * coeffs[n - 1]) / (n + 1))
      table[:, j] = [float(v) for v in coeffs]
  return table


_ERFCX_TABLE = _erfcx_taylor_table()


def _erfcx_nonneg(x):
  """Scaled complementary error function exp(x^2) erfc(x) for x >= 0 (x may be +inf)."""
  out = np.empty_like(x)
  small = x < _ERFCX_TABLE_START
  xs = x[small]
  out[small] = np.exp(xs * xs) * (1 - _erf_maclaurin(xs))

  table_end = _ERFCX_TABLE_START + _ERFCX_TABLE_COUNT * _ERFCX_TABLE_STEP
  mid = ~small & (x < table_end)
  xm = x[mid]
  index = ((xm - _ERFCX_TABLE_START) / _ERFCX_TABLE_STEP).astype(np.intp)
  h = xm - (_ERFCX_TABLE_START + (index + 0.5) * _ERFCX_TABLE_STEP)  # exact
  value = _ERFCX_TABLE[_ERFCX_TABLE_DEGREE, index]
  for k in range(_ERFCX_TABLE_DEGREE - 1, -1, -1):
    value = value * h + _ERFCX_TABLE[k, index]
  out[mid] = value

  # Laplace's continued fraction erfcx(x) = 1/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))).
  large = x >= table_end
  xl = x[large]
  tail = np.zeros_like(xl)
  for n in range(_ERFCX_CF_TERMS, 0, -1):
    tail = (n / 2) / (xl + tail)
  out[large] = 1 / (_SQRT_PI * (xl + tail))
  return out


def _exp_minus_square_parts(x):
  """(exp(-hi^2), exp(-(x^2 - hi^2))) for 0 <= x < 32, whose product is exp(-x^2) to ~1 ulp."""
  hi = np.floor(x * 2.0**20) / 2.0**20  # at most 25 significant bits, so hi * hi is exact
  lo = x - hi
  return np.exp(-hi * hi), np.exp(-lo * (x + hi))


_ERFC_UNDERFLOW = 27.3  # erfc(x) < 2**-1075 beyond this


def _erfc_large(x):
  """erfc(x) for x >= 0.5 (x may be +inf)."""
  out = np.zeros_like(x)
  finite = x < _ERFC_UNDERFLOW
  xf = x[finite]
  big_part, small_part = _exp_minus_square_parts(xf)
  out[finite] = (small_part * _erfcx_nonneg(xf)) * big_part
  return out


def _erf64(x):
  ax = np.abs(x)
  out = np.array(x)  # NaN stays NaN
  small = ax < 0.5
  out[small] = _erf_maclaurin(x[small])
  large = ax >= 0.5
  out[large] = np.copysign(1 - _erfc_large(ax[large]), x[large])
  return out


def _erfc64(x):
  out = np.array(x)
  small = np.abs(x) < 0.5
  out[small] = 1 - _erf_maclaurin(x[small])
  positive = x >= 0.5
  out[positive] = _erfc_large(x[positive])
  negative = x <= -0.5
  out[negative] = 2 - _erfc_large(-x[negative])
  return out


def erf(x):
  """Error function 2/sqrt(pi) * integral_0^x exp(-t^2) dt."""
  return _apply(_erf64, (x,))


def erfc(x):
  """Complementary error function 1 - erf(x), accurate in the right tail."""
  return _apply(_erfc64, (x,))


# ------------------------------------------------------------------------------------------------
# erf_inv and ndtri

# M. Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011), single precision.
# Highest degree first. With w = -log(1 - x^2): erfinv(x) = x * P(w - 2.5) for w < 5, and
# x * Q(sqrt(w) - 3) otherwise.
_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                  0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
               -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def _fused_horner32(coeffs, w, w64, p64, out):
  """Horner's rule at float32 `w` into float32 `out`, every step p = c + p * w rounded once, like
  an FMA (the float64 product of two floats is exact). `w64`, `p64`: float64 scratch."""
  w64[...] = w
  np.multiply(w64, _F64(np.float32(coeffs[0])), out=p64)
  for i in range(1, len(coeffs)):
    np.add(p64, _F64(np.float32(coeffs[i])), out=p64)
    out[...] = p64  # the one rounding to float32
    if i + 1 < len(coeffs):
      p64[...] = out
      np.multiply(p64, w64, out=p64)


# Elements per pass of float32 erf_inv (random.normal's hot path): its float64 temporaries then
# stay in the L2 cache, and every operation writes into preallocated buffers.
_ERF_INV32_CHUNK = 1 << 15


def _erf_inv32(x):
  """XLA's float32 erf_inv: Giles' approximation with fused multiply-adds."""
  out = np.empty_like(x)
  n = min(x.size, _ERF_INV32_CHUNK)
  x_squared, w = np.empty(n, np.float32), np.empty(n, np.float32)
  w64, p64 = np.empty(n, _F64), np.empty(n, _F64)
  tail_index, tail_w = [], []
  for start in range(0, x.size, _ERF_INV32_CHUNK):
    xs = x[start:start + _ERF_INV32_CHUNK]
    o = out[start:start + _ERF_INV32_CHUNK]
    k = xs.size
    sq, wk, w64k, pk = x_squared[:k], w[:k], w64[:k], p64[:k]
    np.multiply(xs, xs, out=sq)  # rounded to float32, as in XLA
    # w = -log(1 - x^2). XLA evaluates log1p(v) as log(1 + v) with 1 + v rounded to float32 when
    # |v| >= sqrt(2) - 1, and otherwise by an approximation within an ulp of log1p(v); both logs
    # are taken here correctly rounded (XLA's own are faithful), which is where the rare 1-2 ulp
    # differences arise. The first case is patched in by index: a select over the whole chunk
    # (np.putmask, np.where) branches per element, and mispredicts on random input.
    w64k[...] = sq
    np.negative(w64k, out=w64k)
    np.log1p(w64k, out=w64k)
    large = np.flatnonzero(sq >= np.float32(_SQRT_2 - 1))
    w64k[large] = np.log((np.float32(1) - sq[large]).astype(_F64))
    np.negative(w64k, out=w64k)
    wk[...] = w64k
    np.subtract(wk, np.float32(2.5), out=sq)
    _fused_horner32(_GILES_CENTRAL, sq, w64k, pk, o)
    np.multiply(o, xs, out=o)
    # The tail branch is rare (|x| > 0.9966): gather its elements, evaluate it once at the end.
    tail = np.flatnonzero(wk >= np.float32(5))
    tail_index.append(tail + start)
    tail_w.append(wk[tail])
  if tail_index:
    index, w_tail = np.concatenate(tail_index), np.concatenate(tail_w)
    x_tail = x[index]
    m = index.size
    p_tail = np.empty(m, np.float32)
    _fused_horner32(_GILES_TAIL, np.sqrt(w_tail) - np.float32(3), np.empty(m, _F64),
                    np.empty(m, _F64), p_tail)
    # |x| == 1 gives w = inf, where the result is x * inf.
    out[index] = np.where(w_tail == np.inf, x_tail * np.float32(np.inf), p_tail * x_tail)
  return out


def _giles64(coeffs, w):
  return _horner(list(reversed(coeffs)), w)


def _erf_inv_central(a):
  """erf_inv(a) for 0 <= a <= 0.5: Giles' guess refined by two Halley steps on erf."""
  w = -np.log1p(-a * a)
  y = a * _giles64(_GILES_CENTRAL, w - 2.5)
  for _ in range(2):
    # f = erf(y) - a, f' = 2/sqrt(pi) exp(-y^2), f''/f' = -2y: y -= t / (1 + y t) with t = f/f'.
    t = (_erf_maclaurin(y) - a) / (_TWO_OVER_SQRT_PI * np.exp(-y * y))
    y = y - t / (1 + y * t)
  return y


def _erfc_inv_small(q):
  """Inverse of erfc on 0 < q <= 0.5 (result >= 0.476), by Newton's method on log(erfc)."""
  log_q = np.log(q)
  w = -np.log(q * (2 - q))  # -log(1 - x^2) for x = 1 - q
  y = np.where(w < 5, _giles64(_GILES_CENTRAL, w - 2.5),
               _giles64(_GILES_TAIL, np.sqrt(w) - 3)) * (1 - q)
  # Past Giles' single-precision range use erfc(y) ~ exp(-y^2) / (y sqrt(pi)) (1 - 1/(2y^2)).
  far = w > 16
  lf = -log_q[far]
  yf = np.sqrt(lf)
  for _ in range(3):
    yf = np.sqrt(lf - np.log(yf * _SQRT_PI) + np.log1p(-0.5 / (yf * yf)))
  y[far] = yf
  for _ in range(4):
    # g(y) = log erfc(y) - log q = log erfcx(y) - y^2 - log q; g'(y) = -2 / (sqrt(pi) erfcx(y)).
    scaled = _erfcx_nonneg(y)
    g = np.log(scaled) - (y * y + log_q)
    y = y + g * (_SQRT_PI / 2) * scaled
  return y


def _erf_inv64(x):
  a = np.abs(x)
  out = np.full_like(x, np.nan)
  central = a <= 0.5
  out[central] = _erf_inv_central(a[central])
  tail = (a > 0.5) & (a < 1)
  out[tail] = _erfc_inv_small(1 - a[tail])  # 1 - a is exact here
  out[a == 1] = np.inf
  return np.copysign(out, x)


def erf_inv(x):
  """Inverse error function on [-1, 1] (float32 reproduces XLA's single-precision algorithm)."""
  return _apply(_erf_inv64, (x,), core32=_erf_inv32)


def _ndtri64(p):
  out = np.full_like(p, np.nan)
  # ndtri(p) = -sqrt(2) erfcinv(2p); erfcinv(q) = erfinv(1 - q) when q > 1/2.
  lower = (p > 0) & (p < 0.25)
  out[lower] = -_SQRT_2 * _erfc_inv_small(2 * p[lower])
  middle = (p >= 0.25) & (p <= 0.75)
  centred = 2 * p[middle] - 1  # exact
  out[middle] = np.copysign(_SQRT_2 * _erf_inv_central(np.abs(centred)), centred)
  upper = (p > 0.75) & (p < 1)
  out[upper] = _SQRT_2 * _erfc_inv_small(2 * (1 - p[upper]))
  out[p == 0] = -np.inf
  out[p == 1] = np.inf
  return out


def ndtri(p):
  """Inverse of the standard normal CDF, accurate in both tails."""
  return _apply(_ndtri64, (p,))


# ------------------------------------------------------------------------------------------------
# Hurwitz zeta (needed below for the lgamma and digamma series coefficients)

_EULER_MACLAURIN_SHIFT = 10
_NEGATIVE_Q_DIRECT_TERMS = 16


def _hurwitz_positive(s, q, scale=None):
  """zeta(s, q) for finite s > 1 and finite q > 0 by Euler-Maclaurin summation.

  With `scale` given (an array), returns scale^s * zeta(s, q) instead, which stays finite where
  zeta itself would underflow.
  """
  base = np.ones_like(q) if scale is None else scale
  total = np.zeros_like(q)
  for k in range(_EULER_MACLAURIN_SHIFT):
    total += np.power((q + k) / base, -s)
  w = q + _EULER_MACLAURIN_SHIFT
  # w^(1-s)/(s-1) + w^(-s)/2 + sum_j B_2j/(2j)! (s)_(2j-1) w^(-s-2j+1), with w^(-s) factored out.
  tail = w / (s - 1) + 0.5
  rising = s.copy()  # (s)_(2j-1) = s (s+1) ... (s+2j-2)
  w_power = 1 / w
  for j, coeff in enumerate(_EULER_MACLAURIN_COEFFS, start=1):
    tail += coeff * rising * w_power
    rising = rising * (s + 2 * j - 1) * (s + 2 * j)
    w_power = w_power / (w * w)
  return total + np.power(w / base, -s) * tail


def _zeta64(s, q):
  out = np.full_like(s, np.nan)
  regular = (s > 1) & np.isfinite(s) & (q > 0) & np.isfinite(q)
  out[regular] = _hurwitz_positive(s[regular], q[regular])

  s_gt1 = s > 1
  pole_q = np.isfinite(q) & (q <= 0) & (q == np.floor(q))
  out[s_gt1 & pole_q] = np.inf
  out[(s == 1) & ~np.isnan(q)] = np.inf
  out[s_gt1 & (q == np.inf)] = 0
  inf_s = (s == np.inf) & (q > 0)
  out[inf_s] = np.power(q[inf_s], -np.inf)  # 0, 1 or inf for q >, =, < 1

  # Negative non-integer q, m = ceil(-q), r = q + m in (0, 1):
  # zeta(s, q) = sum_{k<m} (q + k)^-s + zeta(s, r); the power is NaN unless s is an integer.
  negative = s_gt1 & np.isfinite(s) & (q < 0) & np.isfinite(q) & ~pole_q
  sn, qn = s[negative], q[negative]
  shift = np.ceil(-qn)
  near = shift <= _NEGATIVE_Q_DIRECT_TERMS
  value = np.empty_like(qn)
  sd, qd, shift_d = sn[near], qn[near], shift[near]
  direct = _hurwitz_positive(sd, qd + shift_d)
  for k in range(_NEGATIVE_Q_DIRECT_TERMS):
    live = k < shift_d
    direct[live] += np.power(qd[live] + k, -sd[live])
  value[near] = direct
  # Far from 0 the finite sum is (-1)^s sum_{j=1..m} (j - r)^-s
  #   = (-1)^s (zeta(s, 1 - r) - zeta(s, 1 - r + m)).
  sf, qf, shift_f = sn[~near], qn[~near], shift[~near]
  r = qf + shift_f  # exact
  parity = np.where(sf % 2 == 0, 1.0, -1.0)
  far = _hurwitz_positive(sf, r) + parity * (
      _hurwitz_positive(sf, 1 - r) - _hurwitz_positive(sf, 1 - r + shift_f))
  value[~near] = np.where(sf == np.floor(sf), far, np.nan)
  out[negative] = value
  return out


def zeta(s, q):
  """Hurwitz zeta function sum_{k>=0} (q + k)^(-s) for s > 1 (inf at s = 1, nan for s < 1)."""
  return _apply(_zeta64, (s, q))


# Coefficients computed with the zeta kernel itself.
# lgamma(2 + z) = (1 - gamma) z + sum_{k>=2} (-1)^k (zeta(k) - 1) z^k / k, for |z| < 2.
_LGAMMA_SERIES_TERMS = 40
_ZETA_MINUS_ONE = _hurwitz_positive(np.arange(2.0, _LGAMMA_SERIES_TERMS + 2),
                                     np.full(_LGAMMA_SERIES_TERMS, 2.0))
_LGAMMA_SERIES_COEFFS = [0.0, 0.0] + [
    (-1) ** k * float(_ZETA_MINUS_ONE[k - 2]) / k for k in range(2, _LGAMMA_SERIES_TERMS + 2)]
# digamma(x0 + h) = sum_{k>=1} (-1)^(k+1) zeta(k+1, x0) h^k about the positive root x0.
_DIGAMMA_ROOT_TERMS = 44
_DIGAMMA_ROOT_COEFFS = [0.0] + [
    (-1) ** (k + 1) * float(v) for k, v in enumerate(_hurwitz_positive(
        np.arange(2.0, _DIGAMMA_ROOT_TERMS + 2),
        np.full(_DIGAMMA_ROOT_TERMS, _DIGAMMA_ROOT_HI + _DIGAMMA_ROOT_LO)), start=1)]


# ------------------------------------------------------------------------------------------------
# lgamma, gamma and digamma


def _lgamma_zeta_series(z):
  """sum_{k>=2} (-1)^k (zeta(k) - 1) z^k / k for |z| <= 0.5."""
  return _horner(_LGAMMA_SERIES_COEFFS, z)


def _lgamma2p(z):
  """lgamma(2 + z) for |z| <= 0.5."""
  return (1 - _EULER_GAMMA) * z + _lgamma_zeta_series(z)


def _lgamma1p(z):
  """lgamma(1 + z) for -0.5 <= z < 1.5 without forming 1 + z."""
  out = np.empty_like(z)
  small = z < 0.5
  zs = z[small]
  # lgamma(1 + z) = lgamma(2 + z) - log(1 + z) = -gamma z - log1pmx(z) + series(z).
  out[small] = -_EULER_GAMMA * zs - _log1pmx(zs) + _lgamma_zeta_series(zs)
  out[~small] = _lgamma2p(z[~small] - 1)  # z - 1 is exact for z in [0.5, 2]
  return out


def _log_gamma_star(x):
  """log of Gamma(x) / (sqrt(2 pi / x) (x/e)^x) for x >= 10 (Stirling's series)."""
  inv = 1 / x
  return inv * _horner(_STIRLING_COEFFS, inv * inv)


def _lgamma_positive(x):
  """lgamma(x) for finite x > 0."""
  out = np.empty_like(x)
  small = x < 0.5
  xs = x[small]
  out[small] = _lgamma1p(xs) - np.log(xs)
  near_one = (x >= 0.5) & (x < 1.5)
  out[near_one] = _lgamma1p(x[near_one] - 1)
  middle = (x >= 1.5) & (x < 10)
  xm = x[middle]
  shift = np.floor(xm - 1.5)
  product = np.ones_like(xm)
  for k in range(1, 9):
    product = np.where(k <= shift, product * (xm - k), product)
  out[middle] = _lgamma2p(xm - shift - 2) + np.log(product)
  large = x >= 10
  xl = x[large]
  out[large] = (xl - 0.5) * (np.log(xl) - 1) + (_HALF_LOG_2PI - 0.5) + _log_gamma_star(xl)
  return out


def _lgamma64(x):
  out = np.full_like(x, np.inf)  # poles, +inf and -inf (as XLA)
  out[np.isnan(x)] = np.nan
  regular = np.isfinite(x) & ~((x <= 0) & (x == np.floor(x)))
  positive = regular & (x > 0)
  out[positive] = _lgamma_positive(x[positive])
  small_negative = regular & (x < 0) & (x > -0.5)
  xs = x[small_negative]
  out[small_negative] = _lgamma1p(xs) - np.log(-xs)
  negative = regular & (x <= -0.5)
  xn = x[negative]
  # Reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x) and Gamma(1 - x) = -x Gamma(-x).
  out[negative] = (_LOG_PI - np.log(-xn)) - np.log(_sinpi_abs(xn)) - _lgamma_positive(-xn)
  return out


def lgamma(x):
  """log|Gamma(x)|; +inf at the poles 0, -1, -2, ... and at +-inf."""
  return _apply(_lgamma64, (x,))


def _gamma_positive(x):
  """Gamma(x) for 0 < x <= ~20, without the error exp(lgamma) has for larger values."""
  out = np.empty_like(x)
  small = x < 0.5
  xs = x[small]
  out[small] = np.exp(_lgamma1p(xs)) / xs
  rest = ~small
  xr = x[rest]
  shift = np.maximum(np.floor(xr - 1.5), 0)
  product = np.ones_like(xr)
  for k in range(1, int(shift.max(initial=0)) + 1):
    product = np.where(k <= shift, product * (xr - k), product)
  out[rest] = np.exp(_lgamma1p(xr - shift - 1)) * product
  return out


def _digamma_root_series(h):
  return _horner(_DIGAMMA_ROOT_COEFFS, h)


def _digamma_positive(x):
  """digamma(x) for finite x > 0."""
  out = np.empty_like(x)
  below_one = x < 1
  xb = x[below_one]
  # digamma(x) = digamma(x + 1) - 1/x, with x + 1 - x0 formed without rounding x + 1.
  out[below_one] = _digamma_root_series((xb - (_DIGAMMA_ROOT_HI - 1)) - _DIGAMMA_ROOT_LO) - 1 / xb
  near_root = (x >= 1) & (x < 2)
  out[near_root] = _digamma_root_series((x[near_root] - _DIGAMMA_ROOT_HI) - _DIGAMMA_ROOT_LO)
  middle = (x >= 2) & (x < 10)
  xm = x[middle]
  shift = np.floor(xm) - 1
  value = _digamma_root_series((xm - shift - _DIGAMMA_ROOT_HI) - _DIGAMMA_ROOT_LO)
  for k in range(8, 0, -1):
    value = np.where(k <= shift, value + 1 / (xm - k), value)
  out[middle] = value
  large = x >= 10
  xl = x[large]
  inv2 = 1 / (xl * xl)
  out[large] = np.log(xl) - 0.5 / xl - inv2 * _horner(_DIGAMMA_ASYMPTOTIC_COEFFS, inv2)
  return out


def _digamma64(x):
  out = np.full_like(x, np.nan)  # NaN at the poles 0, -1, -2, ... and at -inf, as XLA
  out[x == np.inf] = np.inf
  regular = np.isfinite(x) & ~((x <= 0) & (x == np.floor(x)))
  positive = regular & (x > 0)
  out[positive] = _digamma_positive(x[positive])
  negative = regular & (x < 0)
  xn = x[negative]
  # Reflection: digamma(x) = digamma(1 - x) - pi / tan(pi x), where 1 - x is not formed:
  # digamma(1 - x) = digamma(-x) - 1/x for x <= -1, and the root series for -1 < x < 0.
  reflected = np.empty_like(xn)
  far = xn <= -1
  reflected[far] = _digamma_positive(-xn[far]) - 1 / xn[far]
  near = ~far
  reflected[near] = _digamma_root_series(((1 - _DIGAMMA_ROOT_HI) - xn[near]) - _DIGAMMA_ROOT_LO)
  out[negative] = reflected - _pi_cot_pi(xn)
  return out


def digamma(x):
  """Logarithmic derivative of Gamma; NaN at the poles 0, -1, -2, ... (as XLA) and at -inf."""
  return _apply(_digamma64, (x,))


def _polygamma64(n, x):
  out = np.full_like(x, np.nan)
  valid_n = (n >= 0) & (n == np.floor(n)) & np.isfinite(n)
  order_zero = valid_n & (n == 0)
  out[order_zero] = _digamma64(x[order_zero])
  # polygamma(n, x) = (-1)^(n+1) n! zeta(n + 1, x) for n >= 1.
  higher = valid_n & (n >= 1)
  nh, xh = n[higher], x[higher]
  sign = np.where(nh % 2 == 1, 1.0, -1.0)
  zeta_values = _zeta64(nh + 1, xh)
  factorial = np.where(nh > 170, np.inf, _FACTORIALS[np.minimum(nh, 170).astype(np.intp)])
  value = sign * factorial * zeta_values
  # Where n! overflows or zeta underflows, go through logarithms of x^s zeta(s, x).
  rescue = (xh > 0) & np.isfinite(xh) & ((nh > 170) | (np.abs(zeta_values) < 1e-290))
  if rescue.any():
    nr, xr = nh[rescue], xh[rescue]
    scaled = _hurwitz_positive(nr + 1, xr, scale=xr)
    log_magnitude = _lgamma_positive(nr + 1) - (nr + 1) * np.log(xr) + np.log(scaled)
    value[rescue] = sign[rescue] * np.exp(log_magnitude)
  out[higher] = value
  return out


def polygamma(n, x):
  """n-th derivative of digamma for integer n >= 0 (NaN for other n)."""
  return _apply(_polygamma64, (n, x))


# ------------------------------------------------------------------------------------------------
# Incomplete gamma functions


def _gamma_1p(a):
  """Gamma(1 + a) for 0 < a < ~20."""
  out = np.empty_like(a)
  small = a < 1
  out[small] = np.exp(_lgamma1p(a[small]))
  out[~small] = a[~small] * _gamma_positive(a[~small])
  return out


def _gamma_prefactor(a, x):
  """x^a e^(-x) / Gamma(a + 1) for finite a > 0 and x > 0."""
  out = np.empty_like(x)
  log_x = np.log(x)
  direct = (a < 10) & (x < 700) & (a * log_x < 700)
  ad, xd = a[direct], x[direct]
  out[direct] = np.power(xd, ad) * np.exp(-xd) / _gamma_1p(ad)
  # Large a: x^a e^-x / Gamma(a+1) = exp(a log1pmx((x - a)/a)) / (sqrt(2 pi a) Gamma*(a)).
  large = a >= 10
  al, xl = a[large], x[large]
  exponent = al * _log_ratio_minus_linear(xl, al) - _log_gamma_star(al)
  out[large] = np.exp(exponent) / np.sqrt(2 * _PI * al)
  rest = ~direct & ~large
  ar = a[rest]
  lgamma_1p = np.where(ar < 1, _lgamma1p(np.minimum(ar, 1)),
                       np.log(ar) + _lgamma_positive(np.maximum(ar, 1)))
  out[rest] = np.exp(ar * log_x[rest] - x[rest] - lgamma_1p)
  return out


def _compact(active, done, *arrays):
  keep = ~done
  return (active[keep],) + tuple(arr[keep] for arr in arrays)


def _continued_fraction(terms, b0, d_b0, params, derivative=False):
  """b_0 + a_1 / (b_1 + a_2 / (b_2 + ...)) and its derivative with respect to one parameter.

  `terms(n, *params)` gives (a_n, b_n, da_n, db_n). The modified Lentz method finds how many
  terms each element needs; the fraction is then evaluated from the bottom up, which is accurate
  to a few ulp where the running product of the Lentz method accumulates rounding errors.
  """
  # Pass 1: the number of terms, from the modified Lentz method (run in forward mode when the
  # derivative is wanted, since it can converge later: the fraction for Q terminates at n = a).
  length = np.zeros(b0.size, np.intp)
  f = np.where(b0 == 0, _TINY, b0)
  c, d = f, np.zeros_like(b0)
  df = np.broadcast_to(d_b0, b0.shape).astype(_F64)
  dc, dd = df, np.zeros_like(b0)
  active = np.arange(b0.size)
  live_params = params
  for n in range(1, _MAX_ITERATIONS):
    if active.size == 0:
      break
    an, bn, dan, dbn = terms(n, *live_params)
    denominator = bn + an * d
    denominator = np.where(denominator == 0, _TINY, denominator)
    c_new = bn + an / c
    c_new = np.where(c_new == 0, _TINY, c_new)
    if derivative:
      dd = -(dbn + dan * d + an * dd) / (denominator * denominator)
      dc = dbn + dan / c - an * dc / (c * c)
    d, c = 1 / denominator, c_new
    delta = c * d
    done = np.abs(delta - 1) <= _EPS
    if derivative:
      d_delta = dc * d + c * dd
      df = df * delta + f * d_delta
      f = f * delta
      done &= np.abs(f * d_delta) <= _EPS * np.abs(df)
    if done.any():
      length[active[done]] = n
      active, c, d, f, df, dc, dd, *live_params = _compact(active, done, c, d, f, df, dc, dd,
                                                           *live_params)
  length[active] = _MAX_ITERATIONS
  length += length // 8 + 4  # margin: the bottom-up evaluation converges a little later

  # Pass 2: bottom up, on elements sorted by decreasing length so the live ones are a prefix.
  order = np.argsort(-length, kind="stable")
  sorted_length = length[order]
  sorted_params = [p[order] if np.ndim(p) else p for p in params]
  tail = np.zeros_like(b0)
  d_tail = np.zeros_like(b0)
  for n in range(int(sorted_length[0]) if sorted_length.size else 0, 0, -1):
    k = np.searchsorted(-sorted_length, -n, side="right")  # elements with length >= n
    an, bn, dan, dbn = terms(n, *[p[:k] for p in sorted_params])
    denominator = bn + tail[:k]
    if derivative:
      d_tail[:k] = (dan * denominator - an * (dbn + d_tail[:k])) / (denominator * denominator)
    tail[:k] = an / denominator
  value = np.empty_like(b0)
  d_value = np.empty_like(b0)
  value[order] = tail
  d_value[order] = d_tail
  return b0 + value, d_b0 + d_value


def _lower_gamma_series(a, x, derivative=False):
  """S = sum_n x^n / ((a+1)...(a+n)) so that P(a, x) = x^a e^-x / Gamma(a+1) * S; with dS/da."""
  total = np.ones_like(x)
  d_total = np.zeros_like(x)
  active = np.arange(x.size)
  term, d_term, aa, xx = np.ones_like(x), np.zeros_like(x), a, x
  for n in range(1, _MAX_ITERATIONS):
    if active.size == 0:
      break
    ratio = xx / (aa + n)
    if derivative:
      d_term = ratio * (d_term - term / (aa + n))
      d_total[active] += d_term
    term = term * ratio
    total[active] += term
    done = np.abs(term) <= _EPS * total[active]
    if derivative:
      done &= np.abs(d_term) <= _EPS * np.abs(d_total[active])
    if done.any():
      active, term, d_term, aa, xx = _compact(active, done, term, d_term, aa, xx)
  return total, d_total


def _gamma_fraction_terms(n, a, x):
  """Partial numerator and denominator n of Legendre's fraction for Q, with their a-derivatives."""
  return -n * (n - a), x + (2 * n + 1) - a, n, -1.0


def _upper_gamma_fraction(a, x, derivative=False):
  """F with Q(a, x) = x^a e^-x / Gamma(a) * F, and dF/da.

  F = 1 / (b_0 + a_1 / (b_1 + a_2 / (b_2 + ...))), b_n = x + 2n + 1 - a, a_n = -n (n - a).
  """
  denominator, d_denominator = _continued_fraction(_gamma_fraction_terms, x + 1 - a, -1.0, (a, x),
                                                   derivative)
  return 1 / denominator, -d_denominator / (denominator * denominator)


def _upper_gamma_small_x(a, x):
  """Q(a, x) for a < 1 and x <= 1.5: 1 - x^a/Gamma(a+1) - x^a/Gamma(a) sum_n>=1 (-x)^n/(n!(a+n))."""
  e = np.expm1(a * np.log(x) - _lgamma1p(a))  # x^a / Gamma(a + 1) - 1
  total = np.zeros_like(x)
  term = np.ones_like(x)
  for n in range(1, 30):
    term = term * (-x) / n
    total += term / (a + n)
  return -e - a * (1 + e) * total


def _igamma_regions(a, x):
  """The continued fraction serves x > max(a, 1.5); the series everything else."""
  return (x > 1.5) & (x > a)


def _igamma_kernel(a, x, kind):
  """P, Q, dP/da or the reparameterization derivative, for finite a > 0, x > 0."""
  out = np.empty_like(x)
  upper = _igamma_regions(a, x)
  lower = ~upper
  derivative = kind in ("grad", "sample")

  au, xu = a[upper], x[upper]
  fraction, d_fraction = _upper_gamma_fraction(au, xu, derivative)
  if kind in ("P", "Q", "grad"):
    prefactor = au * _gamma_prefactor(au, xu)  # x^a e^-x / Gamma(a)
  if kind == "P":
    out[upper] = 1 - prefactor * fraction
  elif kind == "Q":
    out[upper] = prefactor * fraction
  else:
    # Q = pre * F with d(log pre)/da = log x - digamma(a).
    bracket = (np.log(xu) - _digamma_positive(au)) * fraction + d_fraction
    out[upper] = -prefactor * bracket if kind == "grad" else xu * bracket

  al, xl = a[lower], x[lower]
  total, d_total = _lower_gamma_series(al, xl, derivative)
  if kind in ("P", "Q", "grad"):
    prefactor = _gamma_prefactor(al, xl)  # x^a e^-x / Gamma(a + 1)
  if kind == "P":
    out[lower] = prefactor * total
  elif kind == "Q":
    value = 1 - prefactor * total
    small = (al < 1) & (xl <= 1.5)
    value[small] = _upper_gamma_small_x(al[small], xl[small])
    out[lower] = value
  else:
    # P = pre * S with d(log pre)/da = log x - digamma(a + 1); the sample derivative divides
    # -dP/da by the density x^(a-1) e^-x / Gamma(a) = pre * a / x.
    bracket = (np.log(xl) - _digamma_positive(al + 1)) * total + d_total
    out[lower] = prefactor * bracket if kind == "grad" else -(xl / al) * bracket
  return out


def _igamma_common(a, x, kind):
  out = np.full_like(x, np.nan)
  regular = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
  out[regular] = _igamma_kernel(a[regular], x[regular], kind)
  x_zero = (x == 0) & (a > 0)  # also a = inf
  a_zero = (a == 0) & (x > 0)
  x_inf = (x == np.inf) & (a > 0) & np.isfinite(a)
  a_inf = (a == np.inf) & (x > 0) & np.isfinite(x)
  if kind == "P":
    out[x_zero | a_inf] = 0
    out[a_zero | x_inf] = 1
  elif kind == "Q":
    out[x_zero | a_inf] = 1
    out[a_zero | x_inf] = 0
  else:
    out[x_zero] = 0  # derivatives are NaN at a = 0 and at infinities, as XLA returns
  return out


def igamma(a, x):
  """Regularized lower incomplete gamma function P(a, x)."""
  return _apply(lambda a, x: _igamma_common(a, x, "P"), (a, x))


def igammac(a, x):
  """Regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x), accurate in the tail."""
  return _apply(lambda a, x: _igamma_common(a, x, "Q"), (a, x))


def igamma_grad_a(a, x):
  """Derivative of the regularized lower incomplete gamma function P(a, x) with respect to a."""
  return _apply(lambda a, x: _igamma_common(a, x, "grad"), (a, x))


def random_gamma_grad(a, x):
  """d sample / d a for a Gamma(a, 1) sample x at fixed CDF: -(dP/da) / (dP/dx)."""
  return _apply(lambda a, x: _igamma_common(a, x, "sample"), (a, x))


# ------------------------------------------------------------------------------------------------
# Beta functions


def _lbeta_positive(a, b):
  """log B(a, b) for finite a, b > 0."""
  small, big = np.minimum(a, b), np.maximum(a, b)
  out = np.empty_like(a)

  both_small = big < 10
  s, g = small[both_small], big[both_small]
  # B = Gamma(1+s) Gamma(g) / (s Gamma(s+g)); s + g = total + error exactly (TwoSum), and
  # lgamma(s + g) = lgamma(total) + digamma(total) error to first order.
  total = s + g
  error = (s - (total - g)) + (g - (total - (total - g)))
  ratio = _gamma_1p(s) * _gamma_positive(g) / _gamma_positive(total)
  out[both_small] = np.log(ratio) - np.log(s) - _digamma_positive(total) * error

  mixed = (small < 10) & (big >= 10)
  s, g = small[mixed], big[mixed]
  out[mixed] = _lgamma_positive(s) - _log_gamma_ratio(g, s)

  both_big = small >= 10
  s, g = small[both_big], big[both_big]
  out[both_big] = (-(s - 0.5) * np.log1p(g / s) - g * np.log1p(s / g) - 0.5 * np.log(g)
                   + _HALF_LOG_2PI + _log_gamma_star(s) + _log_gamma_star(g)
                   - _log_gamma_star(s + g))
  return out


def _lbeta64(a, b):
  out = np.full_like(a, np.nan)
  positive = (a > 0) & (b > 0)
  regular = positive & np.isfinite(a) & np.isfinite(b)
  out[regular] = _lbeta_positive(a[regular], b[regular])
  out[positive & ~regular] = -np.inf  # B -> 0 as either argument -> inf
  # B(0, b) is infinite unless b is also a pole of Gamma (or infinite): then it is undefined.
  pole_or_inf = lambda v: ~np.isfinite(v) | ((v <= 0) & (v == np.floor(v)))
  out[((a == 0) & ~pole_or_inf(b) & ~np.isnan(b)) | ((b == 0) & ~pole_or_inf(a))] = np.inf
  # Negative arguments: log|Gamma(a) Gamma(b) / Gamma(a + b)|.
  other = ~positive & np.isfinite(a) & np.isfinite(b) & (a != 0) & (b != 0)
  ao, bo = a[other], b[other]
  out[other] = _lgamma64(ao) + _lgamma64(bo) - _lgamma64(ao + bo)
  return out


def lbeta(a, b):
  """log|B(a, b)| = log|Gamma(a) Gamma(b) / Gamma(a + b)|."""
  return _apply(_lbeta64, (a, b))


def _beta_d(k, a, b, x):
  """Partial numerator d_k of the incomplete beta continued fraction."""
  m = k // 2
  if k % 2:
    return -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
  return m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))


def _beta_one_plus_d_odd(m, a, b, x, y):
  """1 + d_(2m+1), with y = 1 - x exact, arranged to avoid the cancellation near the mean."""
  p = (a + 2 * m) * (a + 2 * m + 1)
  return (p * y + x * (a * (2 * m + 1 - b) + m * (3 * m + 2 - b))) / p


def _beta_contracted_terms(n, a, b, x, y):
  return (-_beta_d(2 * n, a, b, x) * _beta_d(2 * n + 1, a, b, x),
          _beta_one_plus_d_odd(n, a, b, x, y) + _beta_d(2 * n + 2, a, b, x), 0.0, 0.0)


def _beta_fraction(a, b, x, y):
  """K = 1 + d_1/(1 + d_2/(1 + ...)) with I_x(a, b) = x^a (1-x)^b / (a B(a, b) K), y = 1 - x exact.

  d_(2m+1) = -(a+m)(a+b+m) x / ((a+2m)(a+2m+1)), d_(2m) = m (b-m) x / ((a+2m-1)(a+2m)).
  Near the mean 1 + d_(2m+1) nearly cancels at every odd level, so the fraction is contracted
  over pairs of levels with those sums formed exactly: K = u / (u - d_1), where
  u = B_0 + A_1/(B_1 + A_2/(B_2 + ...)), B_m = (1 + d_(2m+1)) + d_(2m+2), A_m = -d_(2m) d_(2m+1).
  """
  b0 = _beta_one_plus_d_odd(0, a, b, x, y) + _beta_d(2, a, b, x)
  u, _ = _continued_fraction(_beta_contracted_terms, b0, 0.0, (a, b, x, y))
  return u / (u - _beta_d(1, a, b, x))


def _beta_power_ratio(a, b, x):
  """x^a (1-x)^b / B(a, b) for finite a, b > 0 and 0 < x < 1."""
  power_ratio = np.empty_like(x)
  stirling = np.minimum(a, b) >= 10
  a1, b1, x1 = a[stirling], b[stirling], x[stirling]
  # With mu = a/(a+b): x^a (1-x)^b = mu^a (1-mu)^b exp(a log(x/mu) + b log((1-x)/(1-mu))) and
  # mu^a (1-mu)^b / B(a, b) = sqrt(ab / (2 pi (a+b))) Gamma*(a+b) / (Gamma*(a) Gamma*(b)).
  # Exactly, log(x/mu) = log x + log1p(b/a) and log((1-x)/(1-mu)) = log1p(-x) + log1p(a/b).
  log_terms = a1 * (np.log(x1) + np.log1p(b1 / a1)) + b1 * (np.log1p(-x1) + np.log1p(a1 / b1))
  # Near the mean the terms linear in x - mu cancel: use log1pmx of the relative deviations
  # (x - mu)/mu = D/a and (mu - x)/(1 - mu) = -D/b, with D = x (a + b) - a formed exactly.
  xa, xa_error = _two_product(x1, a1)
  xb, xb_error = _two_product(x1, b1)
  x_sum, x_sum_error = _two_sum(xa, xb)
  deviation = ((x_sum - a1) + x_sum_error) + (xa_error + xb_error)
  t1 = deviation / a1
  t2 = -deviation / b1
  near = (np.abs(t1) < 0.5) & (np.abs(t2) < 0.5) & (a1 < 1e250) & (b1 < 1e250)
  log_terms[near] = a1[near] * _log1pmx(t1[near]) + b1[near] * _log1pmx(t2[near])
  exponent = (log_terms + _log_gamma_star(a1 + b1) - _log_gamma_star(a1) - _log_gamma_star(b1))
  power_ratio[stirling] = np.sqrt(a1 * b1 / (2 * _PI * (a1 + b1))) * np.exp(exponent)

  a_small = (a < 10) & (b >= 10)
  power_ratio[a_small] = _beta_power_ratio_skewed(a[a_small], b[a_small], x[a_small],
                                                  np.log1p(-x[a_small]))
  b_small = (b < 10) & (a >= 10)  # mirrored: x^a (1-x)^b / B(a, b) with v = 1 - x
  power_ratio[b_small] = _beta_power_ratio_skewed(b[b_small], a[b_small], 1 - x[b_small],
                                                  np.log(x[b_small]))

  both_small = np.maximum(a, b) < 10
  a2, b2, x2 = a[both_small], b[both_small], x[both_small]
  power_ratio[both_small] = np.exp(a2 * np.log(x2) + b2 * np.log1p(-x2) - _lbeta_positive(a2, b2))
  return power_ratio


def _beta_power_ratio_skewed(small, large, v, log_one_minus_v):
  """v^small (1-v)^large / B(small, large) for small < 10 <= large (1 - v need not be exact).

  With u = large v the logarithm is log[u^s e^-u / Gamma(s)] + l log1pmx(-v)
  + (l + s - 1/2) log1p(s/l) - s + log Gamma*(l + s) - log Gamma*(l), by Stirling for l, l + s.
  """
  # log1pmx(-v) = log(1 - v) + v; where v < 1/2 v is exact and the series is used.
  log1pmx_v = log_one_minus_v + v
  near = v < 0.5
  log1pmx_v[near] = _log1pmx(-v[near])
  exponent = (large * log1pmx_v + (large + small - 0.5) * np.log1p(small / large) - small
              + _log_gamma_star(large + small) - _log_gamma_star(large))
  return small * _gamma_prefactor(small, large * v) * np.exp(exponent)


def _betainc_kernel(a, b, x):
  """I_x(a, b) for finite a, b > 0 and 0 < x < 1."""
  power_ratio = _beta_power_ratio(a, b, x)
  out = np.empty_like(x)
  # The fraction converges fast below about the mean; above it use I_x(a, b) = 1 - I_(1-x)(b, a).
  swap = x > (a + 1) / (a + b + 2)
  direct = ~swap
  out[direct] = power_ratio[direct] / (a[direct] * _beta_fraction(a[direct], b[direct], x[direct],
                                                                       1 - x[direct]))
  # 1 - x may round: evaluate at the nearby x' = 1 - fl(1 - x), for which 1 - x' is exact, and
  # add the first-order correction pdf(x') (x - x').
  a_s, b_s, x_s = a[swap], b[swap], x[swap]
  y_s = 1 - x_s
  x_near = 1 - y_s
  ratio_near = _beta_power_ratio(a_s, b_s, x_near)
  complement = ratio_near / (b_s * _beta_fraction(b_s, a_s, y_s, x_near))
  out[swap] = (1 - complement) + ratio_near / (x_near * y_s) * (x_s - x_near)
  # When the complement exceeds 1/2 (skewed cases with b < 1), 1 - complement cancels. Close to
  # x = 1 sum the complement's power series with the leading 1 taken out analytically; elsewhere
  # evaluate the (slower but convergent) fraction for I_x(a, b) itself.
  redo = swap & (out < 0.5)
  y = 1 - x  # exact: x > 1/2 here
  series = redo & (a * y <= 1) & (y <= 0.25)
  out[series] = _betainc_near_one(a[series], b[series], y[series])
  fraction = redo & ~series
  out[fraction] = power_ratio[fraction] / (a[fraction] * _beta_fraction(
      a[fraction], b[fraction], x[fraction], y[fraction]))
  return out


def _betainc_near_one(a, b, y):
  """I_(1-y)(a, b) = 1 - I_y(b, a) for a y <= 1, y <= 1/4, from the power series of I_y(b, a).

  I_y(b, a) = y^b / B(b, a) sum_n (1-a)_n y^n / (n! (b+n)), and 1 - y^b / (b B(b, a)) is
  -expm1(b log y - log(b B(b, a))) with log(b B(b, a)) = lgamma(1+b) - (lgamma(a+b) - lgamma(a)).
  """
  e = np.expm1(b * np.log(y) - _lgamma1p_any(b) + _log_gamma_ratio(a, b))
  total = np.zeros_like(y)
  term = np.ones_like(y)
  for n in range(1, 40):
    term = term * (n - a) * y / n
    total += term / (b + n)
  return -e - b * (1 + e) * total


def _lgamma1p_any(a):
  """lgamma(1 + a) for finite a > 0."""
  out = np.empty_like(a)
  small = a < 1
  out[small] = _lgamma1p(a[small])
  out[~small] = np.log(a[~small]) + _lgamma_positive(a[~small])
  return out


def _log_gamma_ratio(a, b):
  """lgamma(a + b) - lgamma(a) for a > 0 and b >= 0, accurate also when b << a."""
  total = np.zeros_like(a)
  z = a.copy()
  for _ in range(10):  # lgamma(z + b) - lgamma(z) = [same at z + 1] - log1p(b / z)
    low = z < 10
    total[low] -= np.log1p(b[low] / z[low])
    z[low] += 1
  # Stirling: (z + b - 1/2) log1p(b/z) + b (log z - 1) + log Gamma*(z + b) - log Gamma*(z).
  total += ((z - 0.5 + b) * np.log1p(b / z) + b * (np.log(z) - 1)
            + (_log_gamma_star(z + b) - _log_gamma_star(z)))
  return total


def _betainc64(a, b, x):
  out = np.full_like(x, np.nan)
  ok = (a >= 0) & (b >= 0) & (x >= 0) & (x <= 1) & ~((a == 0) & (b == 0))
  ok &= ~((a == np.inf) & (b == np.inf))
  regular = ok & (a > 0) & (b > 0) & np.isfinite(a) & np.isfinite(b) & (x > 0) & (x < 1)
  out[regular] = _betainc_kernel(a[regular], b[regular], x[regular])
  # Limits: mass at 0 when a -> 0 or b -> inf, at 1 when b -> 0 or a -> inf.
  zero = ok & ~regular & ((x == 0) | (b == 0) | (a == np.inf)) & (a != 0) & (b != np.inf)
  out[zero] = 0
  one = ok & ~regular & ((x == 1) | (a == 0) | (b == np.inf)) & (b != 0) & (a != np.inf)
  out[one] = 1
  # x = 0 with a = 0 (b > 0), or x = 1 with b = 0: follow the limit in a or b.
  out[ok & (x == 0) & (a == 0)] = 1
  out[ok & (x == 1) & (b == 0)] = 0
  return out


def betainc(a, b, x):
  """Regularized incomplete beta function I_x(a, b)."""
  return _apply(_betainc64, (a, b, x))


# ------------------------------------------------------------------------------------------------
# Exponentially scaled modified Bessel functions

_BESSEL_SERIES_LIMIT = 20.0  # the asymptotic series reaches double precision beyond this
_BESSEL_SERIES_TERMS = 50
_BESSEL_ASYMPTOTIC_TERMS = 36


def _bessel_asymptotic_coeffs(order):
  """Coefficients c_k with I_v(x) e^-x ~ 1/sqrt(2 pi x) sum_k c_k x^-k (Hankel's expansion)."""
  mu = 4 * order * order
  coeffs = [1.0]
  for k in range(1, _BESSEL_ASYMPTOTIC_TERMS):
    coeffs.append(-coeffs[-1] * (mu - (2 * k - 1) ** 2) / (8 * k))
  return coeffs


_I0_SERIES = [1 / math.factorial(k) ** 2 for k in range(_BESSEL_SERIES_TERMS)]
_I1_SERIES = [1 / (math.factorial(k) * math.factorial(k + 1)) for k in range(_BESSEL_SERIES_TERMS)]
_I0_ASYMPTOTIC = _bessel_asymptotic_coeffs(0)
_I1_ASYMPTOTIC = _bessel_asymptotic_coeffs(1)


def _bessel_ie(x, order):
  """exp(-|x|) I_order(x): power series up to |x| = 20, Hankel's asymptotic series beyond."""
  ax = np.abs(x)
  out = np.array(x)
  small = ax <= _BESSEL_SERIES_LIMIT
  xs = ax[small]
  quarter_square = xs * xs / 4
  if order == 0:
    series = _horner(_I0_SERIES, quarter_square)
  else:
    series = xs / 2 * _horner(_I1_SERIES, quarter_square)
  out[small] = series * np.exp(-xs)
  large = ax > _BESSEL_SERIES_LIMIT
  xl = ax[large]
  coeffs = _I0_ASYMPTOTIC if order == 0 else _I1_ASYMPTOTIC
  out[large] = _horner(coeffs, 1 / xl) / np.sqrt(2 * _PI * xl)
  if order == 1:
    out = np.copysign(out, x)
  return out


def bessel_i0e(x):
  """Exponentially scaled modified Bessel function of order 0, exp(-|x|) I0(x)."""
  return _apply(lambda x: _bessel_ie(x, 0), (x,))


def bessel_i1e(x):
  """Exponentially scaled modified Bessel function of order 1, exp(-|x|) I1(x)."""
  return _apply(lambda x: _bessel_ie(x, 1), (x,))
