"""`pyjax.scipy.special`: SciPy's special functions on pyjax arrays, as `jax.scipy.special`.

Built on the special-function primitives of `pyjax.lax` (lgamma, digamma, igamma, betainc, erf,
erf_inv, the Bessel functions, polygamma, zeta) and on `pyjax.numpy`; derivatives are those of
JAX, including its custom rules (xlogy and xlog1py at x = 0, log_ndtr in the far tail, zeta).
Real arguments only: complex gamma/loggamma are not provided.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src import core, dtypes, errors
from pyjax._src.ad_api import jvp as _jvp
from pyjax._src.custom_derivatives import custom_jvp
from pyjax._src.lax import special_math
from pyjax._src.lax.elementwise import _weak_const
from pyjax._src.lax.lax import _const
from pyjax._src.nn.functions import log_softmax as _nn_log_softmax
from pyjax._src.nn.functions import logsumexp
from pyjax._src.nn.functions import softmax as _nn_softmax
from pyjax._src.numpy.util import promote_args_inexact

__all__ = [
    "bernoulli", "beta", "betainc", "betaln", "boxcox", "boxcox1p", "comb", "digamma", "entr",
    "erf", "erfc", "erfinv", "expit", "factorial", "gamma", "gammainc", "gammaincc", "gammaln",
    "gammasgn", "i0", "i0e", "i1", "i1e", "kl_div", "log_ndtr", "log_softmax", "loggamma",
    "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "poch", "polygamma", "rel_entr",
    "softmax", "xlog1py", "xlogy", "zeta",
]


def _no_complex(name, x):
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    raise ValueError(f"{name} does not support complex-valued inputs.")


# ------------------------------------------------------------------------------------------------
# Gamma and beta functions


def gammaln(x):
  """log|Gamma(x)|."""
  x, = promote_args_inexact("gammaln", x)
  return lax.lgamma(x)


def gammasgn(x):
  """The sign of Gamma(x): NaN at the poles (non-positive integers) and for NaN, -1 at -0.0 and
  on the intervals (-2k-1, -2k), +1 elsewhere."""
  x, = promote_args_inexact("gammasgn", x)
  _no_complex("gammasgn", x)
  kind = x.dtype.type
  floor_x = lax.floor(x)
  negative = x < 0
  return jnp.select(
      [negative & (x == floor_x) | jnp.isnan(x),
       negative & (floor_x % 2 != 0) | (x == 0) & jnp.signbit(x)],
      [kind(np.nan), kind(-1.0)], kind(1.0))


def loggamma(x):
  """log(Gamma(x)) for real x > 0 (NaN for x <= 0, where Gamma may be negative)."""
  x, = promote_args_inexact("loggamma", x)
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    raise NotImplementedError("pyjax.scipy.special.loggamma supports real inputs only")
  return jnp.where(x > 0, lax.lgamma(x), jnp.nan)


def gamma(x):
  """The gamma function, sign included."""
  x, = promote_args_inexact("gamma", x)
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    raise NotImplementedError("pyjax.scipy.special.gamma supports real inputs only")
  return gammasgn(x) * lax.exp(lax.lgamma(x))


# Coefficients of the asymptotic series of log Gamma(b) - log Gamma(a + b) for large b (the
# ALGDIV routine of Didonato and Morris, ACM TOMS 708).
_ALGDIV_COEFFS = (0.833333333333333e-01, -0.277777777760991e-02, 0.793650666825390e-03,
                  -0.595202931351870e-03, 0.837308034031215e-03, -0.165322962780713e-02)


def _log_gamma_ratio_large_b(a, b):
  """log(Gamma(b) / Gamma(a + b)) for b >= 8, without the cancellation of the direct formula."""
  c0, c1, c2, c3, c4, c5 = _ALGDIV_COEFFS
  h = a / b
  x = h / (1 + h)
  d = b + (a - 0.5)
  x2 = x * x
  s3 = 1.0 + (x + x2)
  s5 = 1.0 + (x + x2 * s3)
  s7 = 1.0 + (x + x2 * s5)
  s9 = 1.0 + (x + x2 * s7)
  s11 = 1.0 + (x + x2 * s9)
  t = (1.0 / b) ** 2
  w = ((((c5 * s11 * t + c4 * s9) * t + c3 * s7) * t + c2 * s5) * t + c1 * s3) * t + c0
  w = w * (x / b)
  u = d * lax.log1p(a / b)
  v = a * (lax.log(b) - 1.0)
  # Subtract the larger term last.
  return jnp.where(u <= v, w - v - u, w - u - v)


def betaln(a, b):
  """log|B(a, b)| = log|Gamma(a) Gamma(b) / Gamma(a + b)|."""
  a, b = promote_args_inexact("betaln", a, b)
  a, b = jnp.minimum(a, b), jnp.maximum(a, b)
  small_b = lax.lgamma(a) + (lax.lgamma(b) - lax.lgamma(a + b))
  large_b = lax.lgamma(a) + _log_gamma_ratio_large_b(a, b)
  return jnp.where(b < 8, small_b, large_b)


def beta(a, b):
  """The beta function B(a, b), sign included."""
  a, b = promote_args_inexact("beta", a, b)
  _no_complex("beta", a)
  sign = gammasgn(a) * gammasgn(b) * gammasgn(a + b)
  return sign * lax.exp(betaln(a, b))


def betainc(a, b, x):
  """The regularized incomplete beta function I_x(a, b)."""
  a, b, x = promote_args_inexact("betainc", a, b, x)
  _no_complex("betainc", x)
  return lax.betainc(a, b, x)


def factorial(n, exact: bool = False):
  """n! = Gamma(n + 1) (0 for n < 0). `exact=True` is not supported, as in JAX."""
  if exact:
    raise NotImplementedError("factorial with exact=True")
  n, = promote_args_inexact("factorial", n)
  return jnp.where(n < 0, 0, lax.exp(lax.lgamma(n + 1)))


def comb(N, k, *, repetition: bool = False):
  """The binomial coefficient C(N, k) via gamma functions (0 outside 0 <= k <= N); with
  `repetition`, the number of multisets, C(N + k - 1, k)."""
  N, k = promote_args_inexact("comb", N, k)
  if repetition:
    return jnp.where((k == 0) & (N >= 0), 1.0, comb(N + k - 1, k, repetition=False))
  valid = (k <= N) & (N >= 0) & (k >= 0)
  safe_N = jnp.where(valid, N, 0.0)
  safe_k = jnp.where(valid, k, 0.0)
  result = lax.exp(gammaln(safe_N + 1) - gammaln(safe_k + 1) - gammaln(safe_N + 1 - safe_k))
  return jnp.where(valid, result, 0.0)


def multigammaln(a, d):
  """The log of the multivariate gamma function of dimension `d` (a Python integer)."""
  if isinstance(d, core.Tracer):
    raise errors.ConcretizationTypeError(d, "The error arose for the d argument of multigammaln.")
  d = int(d)
  a, d_ = promote_args_inexact("multigammaln", a, d)
  constant = lax.mul(lax.mul(lax.mul(_const(a, 0.25), d_), lax.sub(d_, _const(a, 1))),
                     lax.log(_const(a, np.pi)))
  offsets = lax.div(jnp.arange(d, dtype=d_.dtype), _const(a, 2))
  terms = gammaln(jnp.expand_dims(a, -1) - jnp.expand_dims(offsets, tuple(range(a.ndim))))
  return jnp.sum(terms, axis=-1) + constant


def digamma(x):
  """The digamma function, d/dx log Gamma(x)."""
  x, = promote_args_inexact("digamma", x)
  return lax.digamma(x)


def polygamma(n, x):
  """The n-th derivative of digamma; `n` must have an integer dtype."""
  if not dtypes.issubdtype(lax_dtype(n), np.integer):
    raise ValueError(f"Argument `n` to polygamma must be of integer type. Got dtype "
                     f"{lax_dtype(n)}.")
  n, x = promote_args_inexact("polygamma", n, x)
  _no_complex("polygamma", x)
  return lax.polygamma(n, x)


def lax_dtype(x):
  return dtypes.canonicalize_dtype(dtypes.dtype(x))


def gammainc(a, x):
  """The regularized lower incomplete gamma function P(a, x)."""
  a, x = promote_args_inexact("gammainc", a, x)
  return lax.igamma(a, x)


def gammaincc(a, x):
  """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
  a, x = promote_args_inexact("gammaincc", a, x)
  return lax.igammac(a, x)


@custom_jvp
def poch(z, m):
  """The rising factorial (Pochhammer symbol) Gamma(z + m) / Gamma(z)."""
  z, m = promote_args_inexact("poch", z, m)
  if dtypes.issubdtype(z.dtype, np.complexfloating):
    raise ValueError("jnp.poch does not support complex-valued inputs.")
  return jnp.where(m == 0.0, jnp.array(1, dtype=z.dtype), gamma(z + m) / gamma(z))


poch.defjvps(lambda z_dot, ans, z, m: (digamma(z + m) - digamma(z)) * poch(z, m) * z_dot,
             lambda m_dot, ans, z, m: digamma(z + m) * poch(z, m) * m_dot)

# ------------------------------------------------------------------------------------------------
# Error function and the normal distribution


def erf(x):
  """The error function."""
  x, = promote_args_inexact("erf", x)
  return lax.erf(x)


def erfc(x):
  """The complementary error function 1 - erf(x)."""
  x, = promote_args_inexact("erfc", x)
  return lax.erfc(x)


def erfinv(x):
  """The inverse of erf on (-1, 1)."""
  x, = promote_args_inexact("erfinv", x)
  return lax.erf_inv(x)


def _float32_or_64(name, x):
  x = jnp.asarray(x)
  if x.dtype not in (np.float32, np.float64):
    raise TypeError(f"x.dtype={x.dtype} is not supported, see docstring for supported types.")
  return x


def _ndtr(x):
  kind = x.dtype.type
  half_sqrt_2 = kind(0.5) * np.sqrt(2.0, dtype=kind)
  w = x * half_sqrt_2
  z = lax.abs(w)
  # erf near 0, erfc in the tails (where 1 + erf would cancel).
  y = lax.select(lax.lt(z, half_sqrt_2), kind(1.0) + lax.erf(w),
                 lax.select(lax.gt(w, kind(0.0)), kind(2.0) - lax.erfc(z), lax.erfc(z)))
  return kind(0.5) * y


def ndtr(x):
  """The standard normal CDF (float32 and float64 only, as in JAX)."""
  return _ndtr(_float32_or_64("ndtr", x))


# Rational approximations of the normal quantile (Cephes' ndtri), highest degree first: the
# central region, and the tails for z = sqrt(-2 log p) below and above 8.
_NDTRI_P0 = (-5.99633501014107895267e1, 9.80010754185999661536e1, -5.66762857469070293439e1,
             1.39312609387279679503e1, -1.23916583867381258016e0)
_NDTRI_Q0 = (1.0, 1.95448858338141759834e0, 4.67627912898881538453e0, 8.63602421390890590575e1,
             -2.25462687854119370527e2, 2.00260212380060660359e2, -8.20372256168333339912e1,
             1.59056225126211695515e1, -1.18331621121330003142e0)
_NDTRI_P1 = (4.05544892305962419923e0, 3.15251094599893866154e1, 5.71628192246421288162e1,
             4.40805073893200834700e1, 1.46849561928858024014e1, 2.18663306850790267539e0,
             -1.40256079171354495875e-1, -3.50424626827848203418e-2,
             -8.57456785154685413611e-4)
_NDTRI_Q1 = (1.0, 1.57799883256466749731e1, 4.53907635128879210584e1, 4.13172038254672030440e1,
             1.50425385692907503408e1, 2.50464946208309415979e0, -1.42182922854787788574e-1,
             -3.80806407691578277194e-2, -9.33259480895457427372e-4)
_NDTRI_P2 = (3.23774891776946035970e0, 6.91522889068984211695e0, 3.93881025292474443415e0,
             1.33303460815807542389e0, 2.01485389549179081538e-1, 1.23716634817820021358e-2,
             3.01581553508235416007e-4, 2.65806974686737550832e-6, 6.23974539184983293730e-9)
_NDTRI_Q2 = (1.0, 6.02427039364742014255e0, 3.67983563856160859403e0, 1.37702099489081330271e0,
             2.16236993594496635890e-1, 1.34204006088543189037e-2, 3.28014464682127739104e-4,
             2.89247864745380683936e-6, 6.79019408009981274425e-9)


def ndtri(p):
  """The standard normal quantile, the inverse of ndtr (float32 and float64 only)."""
  p = jnp.asarray(p)
  if p.dtype not in (np.float32, np.float64):
    raise TypeError(f"x.dtype={p.dtype} is not supported, see docstring for supported types.")
  kind = p.dtype.type

  def poly(coeffs, v):
    return jnp.polyval(np.array(coeffs, dtype=kind), v)

  # Work with the smaller of p and 1 - p (the tails are symmetric).
  q = jnp.where(p > kind(-np.expm1(-2.0)), kind(1.0) - p, p)
  q = jnp.where(q == kind(0.0), jnp.full(p.shape, kind(0.5)), q)
  w = q - kind(0.5)
  ww = lax.square(w)
  central = w + w * ww * (poly(_NDTRI_P0, ww) / poly(_NDTRI_Q0, ww))
  central = central * -kind(np.sqrt(2.0 * np.pi))
  z = lax.sqrt(kind(-2.0) * lax.log(q))
  lead = z - lax.log(z) / z
  far_tail = lead - poly(_NDTRI_P2, 1 / z) / poly(_NDTRI_Q2, 1 / z) / z
  near_tail = lead - poly(_NDTRI_P1, 1 / z) / poly(_NDTRI_Q1, 1 / z) / z
  x = jnp.where(q > kind(np.exp(-2.0)), central, jnp.where(z >= kind(8.0), far_tail, near_tail))
  x = jnp.where(p > kind(1.0 - np.exp(-2.0)), x, -x)
  infinity = jnp.full(p.shape, kind(np.inf))
  return jnp.where(p == kind(0.0), -infinity, jnp.where(p == kind(1.0), infinity, x))


# Where log_ndtr switches from log(ndtr(x)) to the asymptotic series (below) and to
# -ndtr(-x) = log1p(-ndtr(-x)) to first order (above).
_LOG_NDTR_SEGMENTS = {np.dtype(np.float32): (np.float32(-10), np.float32(5)),
                      np.dtype(np.float64): (np.float64(-20), np.float64(8))}
_HALF_LOG_2PI = 0.5 * np.log(2.0 * np.pi)


def _log_ndtr_series(x, series_order):
  """1 + sum_n (-1)^n (2n-1)!! / x^(2n): the asymptotic series of ndtr(x) / pdf(x) * (-x)."""
  kind = x.dtype.type
  if series_order <= 0:
    return np.array(1, kind)
  x_2 = lax.square(x)
  even_sum = jnp.zeros_like(x)
  odd_sum = jnp.zeros_like(x)
  x_2n = x_2
  for n in range(1, series_order + 1):
    term = np.array(math.prod(range(2 * n - 1, 0, -2)), kind) / x_2n
    if n % 2:
      odd_sum = odd_sum + term
    else:
      even_sum = even_sum + term
    x_2n = x_2n * x_2
  return kind(1.0) + even_sum - odd_sum


def _log_ndtr_lower(x, series_order):
  kind = x.dtype.type
  log_scale = -kind(0.5) * lax.square(x) - lax.log(-x) - kind(_HALF_LOG_2PI)
  return log_scale + lax.log(_log_ndtr_series(x, series_order))


def _log_ndtr(x, series_order):
  x = jnp.asarray(x)
  if x.dtype not in _LOG_NDTR_SEGMENTS:
    raise TypeError(f"x.dtype={x.dtype} is not supported.")
  lower, upper = _LOG_NDTR_SEGMENTS[x.dtype]
  above = lax.gt(x, upper)
  ndtr_value = _ndtr(jnp.where(above, -x, lax.max(x, lower)))
  return jnp.where(above, -ndtr_value,
                   jnp.where(lax.gt(x, lower), lax.log(ndtr_value),
                             _log_ndtr_lower(lax.min(x, lower), series_order)))


_log_ndtr_custom = custom_jvp(_log_ndtr, nondiff_argnums=(1,))


@_log_ndtr_custom.defjvp
def _log_ndtr_jvp(series_order, primals, tangents):
  (x,), (t,) = primals, tangents
  out = _log_ndtr_custom(x, series_order)
  # d/dx log ndtr(x) = pdf(x) / ndtr(x), formed in log space so it stays finite in the tail.
  log_pdf = lax.sub(lax.mul(_const(x, -0.5), lax.square(x)), _const(x, _HALF_LOG_2PI))
  return out, lax.mul(t, lax.exp(lax.sub(log_pdf, out)))


def log_ndtr(x, series_order: int = 3):
  """log of the standard normal CDF, accurate far into both tails; `series_order` terms of the
  asymptotic series are used below x = -20 (float64) or -10 (float32)."""
  if not isinstance(series_order, int):
    raise TypeError("series_order must be a Python integer.")
  if series_order < 0:
    raise ValueError("series_order must be non-negative.")
  if series_order > 30:
    raise ValueError("series_order must be <= 30.")
  return _log_ndtr_custom(x, series_order)


# ------------------------------------------------------------------------------------------------
# Logistic function, entropies and logarithms


@custom_jvp
def logit(x):
  """log(x / (1 - x)), the inverse of expit."""
  x, = promote_args_inexact("logit", x)
  return lax.log(lax.div(x, lax.sub(_weak_const(x, 1), x)))


logit.defjvps(lambda g, ans, x: lax.div(g, lax.mul(x, lax.sub(_weak_const(x, 1), x))))


def expit(x):
  """The logistic sigmoid 1 / (1 + exp(-x))."""
  x, = promote_args_inexact("expit", x)
  return lax.logistic(x)


@custom_jvp
def xlogy(x, y):
  """x * log(y), defined as 0 where x = 0 (unless y is NaN)."""
  x, y = promote_args_inexact("xlogy", x, y)
  return jnp.where((x != 0.0) | jnp.isnan(y), lax.mul(x, lax.log(y)), jnp.zeros_like(x))


@xlogy.defjvp
def _xlogy_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  out = xlogy(x, y)
  return out, (x_dot * lax.log(y) + y_dot * x / y).astype(out.dtype)


@custom_jvp
def xlog1py(x, y):
  """x * log1p(y), defined as 0 where x = 0 (unless y is NaN)."""
  x, y = promote_args_inexact("xlog1py", x, y)
  return jnp.where((x != 0.0) | jnp.isnan(y), lax.mul(x, lax.log1p(y)), jnp.zeros_like(x))


@xlog1py.defjvp
def _xlog1py_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  out = xlog1py(x, y)
  return out, (x_dot * lax.log1p(y) + y_dot * x / (1 + y)).astype(out.dtype)


@custom_jvp
def _xlogx(x):
  return xlogy(x, x)


@_xlogx.defjvp
def _xlogx_jvp(primals, tangents):
  x, = primals
  x_dot, = tangents
  return _xlogx(x), x_dot * (lax.log(x) + 1)


def entr(x):
  """-x log x for x >= 0 (0 at 0), -inf for x < 0."""
  x, = promote_args_inexact("entr", x)
  _no_complex("entr", x)
  return lax.select(lax.lt(x, _const(x, 0)), lax.full_like(x, -np.inf), lax.neg(_xlogx(x)))


def rel_entr(p, q):
  """p log(p / q) for p, q > 0; 0 where p = 0 and q >= 0; inf otherwise."""
  p, q = promote_args_inexact("rel_entr", p, q)
  _no_complex("rel_entr", p)
  zero = _const(p, 0.0)
  both_positive = lax.bitwise_and(lax.gt(p, zero), lax.gt(q, zero))
  p_zero = lax.bitwise_and(lax.eq(p, zero), lax.ge(q, zero))
  safe_p = jnp.where(both_positive, p, 1)
  safe_q = jnp.where(both_positive, q, 1)
  value = lax.sub(_xlogx(safe_p), xlogy(safe_p, safe_q))
  return jnp.where(both_positive, value, jnp.where(p_zero, zero, np.inf))


def kl_div(p, q):
  """p log(p / q) - p + q (elementwise Kullback-Leibler divergence), with rel_entr's edges."""
  p, q = promote_args_inexact("kl_div", p, q)
  _no_complex("kl_div", p)
  return rel_entr(p, q) - p + q


def _boxcox(name, x, lmbda, log_fn):
  x, lmbda = promote_args_inexact(name, x, lmbda)
  lmbda_zero = lmbda == 0
  safe_lmbda = jnp.where(lmbda_zero, jnp.ones_like(lmbda), lmbda)
  log_x = log_fn(x)
  return jnp.where(lmbda_zero, log_x, jnp.expm1(safe_lmbda * log_x) / safe_lmbda)


def boxcox(x, lmbda):
  """The Box-Cox transform (x^lmbda - 1) / lmbda, log(x) at lmbda = 0."""
  return _boxcox("boxcox", x, lmbda, jnp.log)


def boxcox1p(x, lmbda):
  """The Box-Cox transform of 1 + x, accurate for small x."""
  return _boxcox("boxcox1p", x, lmbda, jnp.log1p)


def softmax(x, /, *, axis=None):
  """exp(x) / sum(exp(x)) over `axis` (all axes by default)."""
  return _nn_softmax(x, axis=axis)


def log_softmax(x, /, *, axis=None):
  """x - logsumexp(x) over `axis` (all axes by default)."""
  return _nn_log_softmax(x, axis=axis)


# ------------------------------------------------------------------------------------------------
# Bessel functions


def i0e(x):
  """The exponentially scaled modified Bessel function of order 0, exp(-|x|) I0(x)."""
  x, = promote_args_inexact("i0e", x)
  return lax.bessel_i0e(x)


def i0(x):
  """The modified Bessel function of order 0."""
  x, = promote_args_inexact("i0", x)
  return lax.mul(lax.exp(lax.abs(x)), lax.bessel_i0e(x))


def i1e(x):
  """The exponentially scaled modified Bessel function of order 1, exp(-|x|) I1(x)."""
  x, = promote_args_inexact("i1e", x)
  return lax.bessel_i1e(x)


def i1(x):
  """The modified Bessel function of order 1."""
  x, = promote_args_inexact("i1", x)
  return lax.mul(lax.exp(lax.abs(x)), lax.bessel_i1e(x))


# ------------------------------------------------------------------------------------------------
# Zeta and Bernoulli numbers

_RIEMANN_ZETA_MESSAGE = ("Riemann zeta function not implemented; pass q != None to compute the "
                         "Hurwitz Zeta function.")
# (2k)! / B_2k for k = 1..16: the denominators of the Euler-Maclaurin correction terms.
_EULER_MACLAURIN_DENOMINATORS = [float(math.factorial(2 * k) / special_math._BERNOULLI[2 * k])
                                 for k in range(1, 17)]


def _zeta_euler_maclaurin(x, q):
  """zeta(x, q) by Euler-Maclaurin summation with N terms and M corrections (8 in float32, 16
  otherwise): a differentiable formula, whose derivative serves as zeta's (the primitive has
  none)."""
  s, a = promote_args_inexact("zeta", x, q)
  kind = a.dtype.type
  n_terms = kind(8) if a.dtype == np.float32 else kind(16)
  s_, a_ = jnp.expand_dims(s, -1), jnp.expand_dims(a, -1)
  k = jnp.expand_dims(np.arange(n_terms, dtype=a.dtype), tuple(range(a.ndim)))
  head = jnp.sum((a_ + k) ** (-s_), -1)
  integral = lax.div((a + n_terms) ** (kind(1) - s), s - kind(1))
  t0 = (a + n_terms) ** (-s)
  m = jnp.expand_dims(np.arange(2 * n_terms, dtype=a.dtype), tuple(range(s.ndim)))
  ratios = jnp.cumprod((s_ + m) / (a_ + n_terms), -1)[..., ::2]
  ratios = jnp.clip(ratios, max=dtypes.finfo(a.dtype).max)
  denominators = np.expand_dims(
      np.array(_EULER_MACLAURIN_DENOMINATORS[:ratios.shape[-1]], dtype=a.dtype),
      tuple(range(a.ndim)))
  tail = t0 * (kind(0.5) + (ratios / denominators).sum(-1))
  return head + integral + tail


@custom_jvp
def _zeta(x, q):
  x, q = promote_args_inexact("zeta", x, q)
  return lax.zeta(x, q)


@_zeta.defjvp
def _zeta_jvp(primals, tangents):
  return _jvp(_zeta_euler_maclaurin, primals, tangents)


def zeta(x, q=None):
  """The Hurwitz zeta function sum_k (k + q)^-x; `q` is required (as in JAX)."""
  if q is None:
    raise NotImplementedError(_RIEMANN_ZETA_MESSAGE)
  return _zeta(x, q)


def bernoulli(n: int):
  """The Bernoulli numbers B_0 .. B_n (with B_1 = -1/2) as a float array."""
  if isinstance(n, core.Tracer):
    raise errors.ConcretizationTypeError(n, "The error arose for Argument n of bernoulli.")
  n = operator.index(n)
  if n < 0:
    raise ValueError("n must be a non-negative integer.")
  first = jnp.array([1, -1 / 2, 1 / 6])
  if n < 3:
    return first[:n + 1]
  # For even m >= 4, B_m = (-1)^(m/2+1) 2 m! zeta(m) / (2 pi)^m: the products of the ratios of
  # consecutive terms, times zeta(m) summed directly (50 terms suffice in double precision).
  numbers = jnp.zeros(n + 1).at[:3].set(first)
  m = jnp.arange(4, n + 1, 2, dtype=numbers.dtype)
  ratio_products = 1.0 / np.pi ** 2 * jnp.cumprod(-(m - 1) * m / 4 / np.pi ** 2)
  k = jnp.arange(2, 50, dtype=numbers.dtype)
  zeta_minus_one = jnp.sum(k[:, None] ** (-m[None, :]), axis=0)
  return numbers.at[4::2].set(ratio_products * (1 + zeta_minus_one))
