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
from pyjax._src.jit import _hashable_static
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
    "softmax", "xlog1py", "xlogy", "zeta", "erfcx", "dawsn", "expn", "exp1", "expi", "spence",
    "sici", "fresnel", "owens_t", "hyp1f1", "wofz",
    "sph_harm_y", "bessel_jn", "hyp2f1",
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


# ------------------------------------------------------------------------------------------------
# Scaled error function, Dawson's integral


def _erfcx_asymptotic(x, n_terms):
  """erfcx(x) ~ 1 / (sqrt(pi) x) * sum_k c_k x^(-2k), c_k = (-1)^k (2k-1)!! / 2^k: the leading
  `n_terms` terms, enough for full precision where exp(x^2) overflows."""
  coeffs = [(-1) ** k * math.prod(range(2 * k - 1, 0, -2)) / 2 ** k for k in range(n_terms)]
  t = lax.div(_const(x, 1), lax.square(x))
  series = jnp.polyval(np.array(coeffs[::-1], dtype=x.dtype), t)
  return series / (x * _const(x, np.sqrt(np.pi)))


@custom_jvp
def _erfcx(x):
  kind = x.dtype
  if kind not in (np.float32, np.float64):  # half precision: compute in float32
    return _erfcx(x.astype(np.float32)).astype(kind)
  # exp(x^2) overflows beyond sqrt(log(max)); there the asymptotic series is exact to rounding.
  large = x > _const(x, np.sqrt(np.log(dtypes.finfo(kind).max)))
  safe_x = jnp.where(large, _const(x, 1), x)
  direct = lax.exp(lax.square(safe_x)) * lax.erfc(safe_x)
  return jnp.where(large, _erfcx_asymptotic(x, 9 if kind == np.float64 else 5), direct)


_erfcx.defjvps(lambda g, ans, x: g * (2 * x * ans - _const(x, 2 / np.sqrt(np.pi))))


def erfcx(x):
  """The scaled complementary error function exp(x^2) erfc(x), finite for large x."""
  x, = promote_args_inexact("erfcx", x)
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    return wofz(_const(x, 1j) * x)  # erfcx(z) = w(iz)
  return _erfcx(x)


# Cody, Paciorek and Thacher's rational approximations of Dawson's integral (as in Cephes),
# highest degree first: x P(x^2) / Q(x^2) on [0, 3.25), and (1 + t P(t) / Q(t)) / (2x) with
# t = 1 / x^2 on [3.25, 6.25) and [6.25, inf).
_DAWSN_NEAR = (
    (1.1368149897175597e-11, 8.492622676674738e-10, 1.9443420417555306e-08,
     9.531517412544844e-07, 3.078283098749132e-06, 0.00035251336852028877,
     -0.0008501498467244109, 0.04226182230055466, -0.09174803717734524, 1.0),
    (2.403720730667626e-11, 1.488646813684934e-09, 5.212652810105416e-08,
     1.2725847827318697e-06, 2.324902498207895e-05, 0.00032552474182605793,
     0.003488058146571626, 0.027944853119882897, 0.15887424196012057, 0.5749186294893204, 1.0))
_DAWSN_MIDDLE = (
    (0.5089551564179009, -0.24475441814269785, 0.09415123353035344, -0.021871125514203903,
     0.003662076123295692, -0.0004232091144603888, 3.5964130479389666e-05,
     -2.1464035171996896e-06, 9.100107800763914e-08, -2.4027452082825098e-09,
     3.592333854409284e-11),
    (1.0, -0.6318398698733682, 0.2367067882282487, -0.053180636700322324, 0.008480417185862954,
     -0.0009479967684866654, 7.810255929445524e-05, -4.558751532524426e-06,
     1.8910035811142186e-07, -4.913246913319206e-09, 7.184664032357345e-11))
_DAWSN_FAR = (
    (-0.5905928605347732, 0.6292352427243688, -0.17285897538038814, 0.016483704782518965,
     -0.0004868276130204627),
    (1.0, -2.698200571975449, 1.7327079904594784, -0.3937085822819395, 0.03442789240412334,
     -0.0009736552260409412))


def _rational(coeffs, v):
  numerator, denominator = (jnp.polyval(np.array(c, dtype=v.dtype), v) for c in coeffs)
  return numerator / denominator


@custom_jvp
def _dawsn(x):
  kind = x.dtype
  if kind not in (np.float32, np.float64):  # half precision: compute in float32
    return _dawsn(x.astype(np.float32)).astype(kind)
  one = _const(x, 1)
  ax = lax.abs(x)
  near, far = ax < _const(x, 3.25), ax >= _const(x, 6.25)
  # Each branch sees a harmless 1 outside its region, so no inf / inf NaN can leak through.
  ax_near = jnp.where(near, ax, one)
  ax_tail = jnp.where(near, one, ax)
  t = one / lax.square(ax_tail)
  near_value = ax_near * _rational(_DAWSN_NEAR, lax.square(ax_near))
  tail_series = jnp.where(far, _rational(_DAWSN_FAR, t), _rational(_DAWSN_MIDDLE, t))
  tail_value = _const(x, 0.5) / ax_tail * (one + t * tail_series)
  return lax.sign(x) * jnp.where(near, near_value, tail_value)


_dawsn.defjvps(lambda g, ans, x: g * (_const(x, 1) - 2 * x * ans))


def dawsn(x):
  """Dawson's integral exp(-x^2) * integral_0^x exp(t^2) dt."""
  x, = promote_args_inexact("dawsn", x)
  _no_complex("dawsn", x)
  return _dawsn(x)


# ------------------------------------------------------------------------------------------------
# Exponential integrals


def _expn_series(n, x):
  """E_n(x) for 0 < x <= 2 and integer n >= 1, from the power series
  E_n(x) = (-x)^(n-1) / (n-1)! (psi(n) - log x) - sum_{k != n-1} (-x)^k / ((k - n + 1) k!)."""
  n_terms = 40
  k = np.arange(1, n_terms, dtype=x.dtype)
  x_, n_ = x[..., None], n[..., None]
  powers = jnp.concatenate([jnp.ones_like(x_), jnp.cumprod(-x_ / k, axis=-1)], axis=-1)
  k = np.arange(n_terms, dtype=x.dtype)
  denominators = k - n_ + 1
  skip = denominators == 0
  sum_ = jnp.sum(jnp.where(skip, 0, powers / jnp.where(skip, 1, denominators)), axis=-1)
  n_minus_1 = n - 1
  sign = jnp.where(n_minus_1 % 2 == 0, _const(x, 1), _const(x, -1))
  lead = sign * lax.exp(n_minus_1 * lax.log(x) - lax.lgamma(n))
  return lead * (lax.digamma(n) - lax.log(x)) - sum_


def _expn_continued_fraction(n, x):
  """E_n(x) for x > 1 (x > 2 in double precision) by the modified Lentz evaluation of
  exp(-x) / (x + n - 1 n / (x + n + 2 - 2 (n + 1) / (x + n + 4 - ...)))."""
  b = x + n
  c = jnp.full_like(x, dtypes.finfo(x.dtype).max)
  d = 1 / b
  h = d
  for i in range(1, 40):  # 40 terms reach double precision for x > 2, float32's for x > 1
    a = -i * (n - 1 + i)
    b = b + 2
    d = 1 / (a * d + b)
    c = b + a / c
    h = h * (c * d)
  return h * lax.exp(-x)


def _expn_large_n(n, x):
  """E_n(x) for n >= 5000: the uniform asymptotic expansion (DLMF 8.20.3) to third order."""
  s = x + n
  u = 1 / lax.square(s)
  series = 1 + u * (n + u * (n * (n - 2 * x) + u * n * (6 * x * x - 8 * n * x + n * n)))
  return series * lax.exp(-x) / s


def _expn_impl(n, x):
  kind = x.dtype
  one = _const(x, 1)
  series_region = (x > 0) & (x <= _const(x, 2 if kind == np.float64 else 1)) & (n >= 1)
  xs = jnp.where(series_region, x, one)
  ns = jnp.where(series_region, n, one)
  safe_x = jnp.where(jnp.isfinite(x), x, _const(x, 3))
  # The first matching case wins. This order reproduces JAX's, where later cases override
  # earlier ones: every x > 1 gets a value (negative n too; x = inf gives NaN), and E_n(0) is
  # 1 / n for n >= 2 (SciPy: 1 / (n - 1)).
  return jnp.select(
      [jnp.isnan(x) | jnp.isnan(n) | (x == np.inf), (n == 0) & (x >= 0),
       (x > 1) & ~series_region, n >= 5000,
       (x == 0) & (n >= 2), (x == 0) & (n < 2), (n < 0) | (x < 0)],
      [_const(x, np.nan), lax.exp(-x) / x, _expn_continued_fraction(n, safe_x),
       _expn_large_n(n, safe_x), one / n, _const(x, np.inf), _const(x, np.nan)],
      _expn_series(ns, xs))


@custom_jvp
def _expn(n, x):
  return _expn_impl(n, x)


@_expn.defjvp
def _expn_jvp(primals, tangents):
  (n, x), (_, x_dot) = primals, tangents
  # d/dx E_n(x) = -E_{n-1}(x); n counts terms and is not differentiated (as in JAX).
  return _expn(n, x), -x_dot * _expn(n - 1, x)


def expn(n, x):
  """The generalized exponential integral E_n(x) = integral_1^inf exp(-x t) / t^n dt for integer
  n >= 0 and x >= 0, with JAX's values at the edges (NaN at x = inf, 1 / n at x = 0)."""
  n, x = promote_args_inexact("expn", n, x)
  _no_complex("expn", x)
  n, x = jnp.broadcast_arrays(n, x)
  return _expn(lax.stop_gradient(n), x)


def exp1(x):
  """The exponential integral E_1(x) = integral_x^inf exp(-t) / t dt."""
  x, = promote_args_inexact("exp1", x)
  _no_complex("exp1", x)
  return expn(1, x)


def _expi_positive(x):
  """Ei(x) for x > 0: the power series gamma + log x + sum_k x^k / (k k!) up to x = 40 (terms all
  positive), beyond it the asymptotic series exp(x) / x * sum_k k! / x^k (error ~ exp(-x))."""
  small = x <= 40
  xs = jnp.where(small, x, _const(x, 1))[..., None]
  k = np.arange(1, 150, dtype=x.dtype)
  power_sum = jnp.sum(jnp.cumprod(xs / k, axis=-1) / k, axis=-1)
  series = _const(x, np.euler_gamma) + lax.log(xs[..., 0]) + power_sum
  xl = jnp.where(small, _const(x, 41), x)[..., None]
  k = np.arange(1, 40, dtype=x.dtype)
  asymptotic_sum = 1 + jnp.sum(jnp.cumprod(k / xl, axis=-1), axis=-1)
  xl = xl[..., 0]
  asymptotic = lax.exp(xl - lax.log(xl)) * asymptotic_sum
  return jnp.where(small, series, asymptotic)


@custom_jvp
def _expi(x):
  negative = x < 0
  minus_e1 = -exp1(jnp.where(negative, -x, _const(x, 1)))
  positive = _expi_positive(jnp.where(x > 0, x, _const(x, 1)))
  # Ei(0) = -inf, but JAX answers NaN there (and at +-inf).
  return jnp.select([negative, (x == 0) | jnp.isnan(x)], [minus_e1, _const(x, np.nan)], positive)


_expi.defjvps(lambda g, ans, x: lax.exp(x) / x * g)


def expi(x):
  """The exponential integral Ei(x) = integral_-inf^x exp(t) / t dt (principal value)."""
  x, = promote_args_inexact("expi", x)
  _no_complex("expi", x)
  return _expi(x)


# ------------------------------------------------------------------------------------------------
# Spence's function (the dilogarithm)

# Cephes' rational approximation spence(1 + w) = -w P(w) / Q(w) for -1/2 <= w <= 1/2 (highest
# degree first).
_SPENCE_PQ = (
    (4.65128586073990045278e-5, 7.31589045238094711071e-3, 1.33847639578309018650e-1,
     8.79691311754530315341e-1, 2.71149851196553469920e0, 4.25697156008121755724e0,
     3.29771340985225106936e0, 1.00000000000000000126e0),
    (6.90990488912553276999e-4, 2.54043763932544379113e-2, 2.82974860602568089943e-1,
     1.41172597751831069617e0, 3.63800533345137075418e0, 5.03278880143316990390e0,
     3.54771340985225096217e0, 9.99999999999999998740e-1))


def _spence_positive(x):
  """spence(x) for x > 0, x != 1: reduce x > 2 by x -> 1/x, then evaluate the rational form at
  w = x - 1, 1/x - 1 or -x, undoing the reflections with their log terms."""
  inverted = x > 2
  x = jnp.where(inverted, 1 / x, x)
  above, below = x > 1.5, x < 0.5
  w = jnp.where(above, 1 / x - 1, jnp.where(below, -x, x - 1))
  y = -w * _rational(_SPENCE_PQ, w)
  y = jnp.where(below, _const(x, np.pi ** 2 / 6) - lax.log(x) * lax.log1p(-x) - y, y)
  return jnp.where(inverted | above, _const(x, -0.5) * lax.square(lax.log(x)) - y, y)


def spence(x):
  """Spence's function spence(x) = integral_1^x log(t) / (1 - t) dt for x >= 0 (NaN for x < 0);
  float32 and float64 only, as in JAX."""
  x = jnp.asarray(x)
  if x.dtype not in (np.float32, np.float64):
    raise TypeError(f"x.dtype={x.dtype} is not supported, see docstring for supported types.")
  special = (x < 0) | (x == 1) | (x == 0)
  value = _spence_positive(jnp.where(special, _const(x, 0.25), x))
  return jnp.select([x < 0, x == 1, x == 0],
                    [_const(x, np.nan), _const(x, 0), _const(x, np.pi ** 2 / 6)], value)


# ------------------------------------------------------------------------------------------------
# Sine and cosine integrals, Fresnel integrals


def _real_float_arg(name, x):
  x, = promote_args_inexact(name, x)
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    raise ValueError(f"Argument `x` to {name} must be real-valued. Got dtype {x.dtype}.")
  return x


def _lentz(b0, terms):
  """The continued fraction 1 / (b0 + a_1 / (b_1 + a_2 / (b_2 + ...))) by the modified Lentz
  method, for `terms` a list of (a_n, b_n); b0 never vanishes where it is used."""
  tiny = dtypes.finfo(np.float64 if b0.dtype == np.complex128 else np.float32).tiny
  d = 1 / b0
  c = d * 0 + 1 / tiny
  h = d
  for a, b in terms:
    d = 1 / (b + a * d)
    c = b + a / c
    h = h * (c * d)
  return h


def _sici_impl(x):
  ax = lax.abs(x)
  one = _const(x, 1)
  small = ax <= 4
  # |x| <= 4: the power series; every term is below 1.7 here, so little is lost to cancellation.
  xs = jnp.where(small, ax, one)[..., None]
  k = np.arange(1, 30, dtype=x.dtype)
  terms = jnp.cumprod(-lax.square(xs) / ((2 * k - 1) * (2 * k)), axis=-1)  # (-1)^k x^2k / (2k)!
  ci_small = (_const(x, np.euler_gamma) + lax.log(xs[..., 0])
              + jnp.sum(terms / (2 * k), axis=-1))
  si_small = xs[..., 0] * (1 + jnp.sum(terms / lax.square(2 * k + 1), axis=-1))
  # |x| > 4: E1(ix) = -Ci(x) + i (Si(x) - pi / 2) from the continued fraction
  # E1(z) = exp(-z) / (z + 1 - 1 / (z + 3 - 4 / (z + 5 - ...))), written as h exp(-ix).
  xl = jnp.where(small | (ax == np.inf), _const(x, 5), ax)  # NaN stays NaN
  z = lax.complex(jnp.zeros_like(xl), xl)
  h = _lentz(z + 1, [(-float(n * n), z + (2 * n + 1)) for n in range(1, 80)])
  hr, hi = lax.real(h), lax.imag(h)
  cos, sin = lax.cos(xl), lax.sin(xl)
  ci_large = -(hr * cos + hi * sin)
  si_large = _const(x, np.pi / 2) + hi * cos - hr * sin
  si = jnp.select([small, ax == np.inf], [si_small, _const(x, np.pi / 2)], si_large)
  ci = jnp.select([small, ax == np.inf], [ci_small, _const(x, 0)], ci_large)
  # Si is odd; JAX's Ci(x) for x < 0 is Ci(|x|) (the real part), but NaN at -inf.
  si = jnp.copysign(si, x)
  ci = jnp.select([x == 0, x == -np.inf], [_const(x, -np.inf), _const(x, np.nan)], ci)
  return si, ci


@custom_jvp
def _sici(x):
  return _sici_impl(x)


@_sici.defjvp
def _sici_jvp(primals, tangents):
  (x,), (x_dot,) = primals, tangents
  safe_x = jnp.where(x == 0, _const(x, 1), x)
  sinc = jnp.where(x == 0, _const(x, 1), lax.sin(safe_x) / safe_x)
  return _sici(x), (sinc * x_dot, lax.cos(x) / x * x_dot)


def sici(x):
  """The sine and cosine integrals Si(x) = integral_0^x sin(t) / t dt and
  Ci(x) = gamma + log x + integral_0^x (cos(t) - 1) / t dt, real x (Ci(|x|) for x < 0)."""
  x = _real_float_arg("sici", x)
  if x.dtype.itemsize < 4:  # 16-bit floats: the continued fraction needs a complex type
    return tuple(lax.convert_element_type(v, x.dtype) for v in _sici(
        lax.convert_element_type(x, np.float32)))
  return _sici(x)


def _half_pi_x_squared(x):
  """(pi / 2) x^2 reduced modulo 2 pi, accurate even where x^2 has lost its fractional part: x is
  split into halves whose squares and cross product are exact, and each is reduced mod 4."""
  split = _const(x, 2.0 ** (27 if x.dtype == np.float64 else 12) + 1)
  c = x * split
  hi = c - (c - x)
  lo = x - hi
  four = _const(x, 4)
  reduced = lax.rem(hi * hi, four) + lax.rem(2 * hi * lo, four) + lax.rem(lo * lo, four)
  return _const(x, np.pi / 2) * reduced


def _fresnel_impl(x):
  ax = lax.abs(x)
  one = _const(x, 1)
  small = ax <= 1.6
  # |x| <= 1.6: the power series of C + iS = sum_k (i t)^k x / (k! (2k + 1)), t = pi x^2 / 2.
  xs = jnp.where(small, ax, one)[..., None]
  k = np.arange(1, 40, dtype=x.dtype)
  powers = jnp.cumprod(_const(x, np.pi / 2) * lax.square(xs) / k, axis=-1)  # t^k / k!
  terms = powers / (2 * k + 1)
  c_small = xs[..., 0] * (1 + jnp.sum(jnp.where(k % 4 == 2, -terms, 0) +
                                      jnp.where(k % 4 == 0, terms, 0), axis=-1))
  s_small = xs[..., 0] * jnp.sum(jnp.where(k % 4 == 1, terms, 0) -
                                 jnp.where(k % 4 == 3, terms, 0), axis=-1)
  # Larger |x|: C + iS = (1 + i) / 2 erf(z), z = (1 - i) sqrt(pi) x / 2, and the continued fraction
  # of erfc gives C + iS = (1 + i) / 2 - x exp(it) K with
  # K = 1 / (1 - 2it - 1 2 / (5 - 2it - 3 4 / (9 - 2it - ...))).
  # Both integrals are 1/2 beyond 36974 in float32 (Cephes' cut, which JAX keeps), and in float64
  # where 1 / (pi x) is below rounding.
  huge = ax > (36974 if x.dtype == np.float32 else 1e16)
  xl = jnp.where(small | huge, _const(x, 2), ax)  # NaN stays NaN
  t = _const(x, np.pi / 2) * lax.square(xl)
  w = lax.complex(jnp.zeros_like(t), -2 * t)
  kf = _lentz(w + 1, [(-float((2 * n - 1) * 2 * n), w + (1 + 4 * n)) for n in range(1, 120)])
  kr, ki = lax.real(kf), lax.imag(kf)
  phase = _half_pi_x_squared(xl)
  cos, sin = lax.cos(phase), lax.sin(phase)
  half = _const(x, 0.5)
  c_large = half - xl * (cos * kr - sin * ki)
  s_large = half - xl * (sin * kr + cos * ki)
  s = jnp.select([small, huge], [s_small, half], s_large)
  c = jnp.select([small, huge], [c_small, half], c_large)
  return jnp.copysign(s, x), jnp.copysign(c, x)


@custom_jvp
def _fresnel(x):
  return _fresnel_impl(x)


@_fresnel.defjvp
def _fresnel_jvp(primals, tangents):
  (x,), (x_dot,) = primals, tangents
  phase = _half_pi_x_squared(x)
  return _fresnel(x), (lax.sin(phase) * x_dot, lax.cos(phase) * x_dot)


def fresnel(x):
  """The Fresnel integrals S(x) = integral_0^x sin(pi t^2 / 2) dt and
  C(x) = integral_0^x cos(pi t^2 / 2) dt, returned as (S, C); real x only."""
  x, = promote_args_inexact("fresnel", x)
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    raise NotImplementedError("Support for complex-valued inputs is not implemented yet.")
  if x.dtype not in (np.float32, np.float64):  # half precision: computed in float32
    return tuple(r.astype(x.dtype) for r in _fresnel(x.astype(np.float32)))
  return _fresnel(x)


# ------------------------------------------------------------------------------------------------
# Owen's T function

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(64)


def _gauss_legendre(fn, upper):
  """integral_0^upper fn(t) dt by 64-point Gauss-Legendre quadrature (upper broadcast over a new
  last axis of nodes)."""
  upper = upper[..., None]
  nodes = (_GL_NODES.astype(upper.dtype) + 1) / 2
  return upper[..., 0] / 2 * jnp.sum(_GL_WEIGHTS.astype(upper.dtype) * fn(upper * nodes), axis=-1)


def _owens_t_core(h, a):
  """T(h, a) for h >= 0 and 0 <= a <= 1, from the integral
  exp(-h^2 / 2) / (2 pi) * integral_0^a exp(-h^2 x^2 / 2) / (1 + x^2) dx. For h > 1 the
  substitution u = h x makes the Gaussian unit-width, and the range is cut where it underflows."""
  one = _const(h, 1)
  wide = h > 1
  hs = jnp.where(wide, one, h)
  in_x = _gauss_legendre(lambda x: lax.exp(-lax.square(hs[..., None] * x) / 2)
                         / (1 + lax.square(x)), a)
  hw = jnp.where(wide, h, _const(h, 2))
  hw_ = hw[..., None]
  in_u = _gauss_legendre(lambda u: lax.exp(-lax.square(u) / 2) / (1 + lax.square(u / hw_)),
                         jnp.minimum(a * hw, _const(h, 10))) / hw
  integral = jnp.where(wide, in_u, in_x)
  t = lax.exp(-lax.square(h) / 2) / _const(h, 2 * np.pi) * integral
  return jnp.where(h == np.inf, _const(h, 0), t)  # even for a = 0, where 0 * inf reads NaN


def _owens_t_impl(h, a):
  h = lax.abs(h)
  # For a > 1: T(h, a) = Q(h) / 2 + Q(ah) / 2 - Q(h) Q(ah) - T(ah, 1 / a), Q the upper normal tail.
  inverse = a > 1
  ah = a * h
  core = _owens_t_core(jnp.where(inverse, ah, h), jnp.where(inverse, 1 / a, a))
  q_h, q_ah = _ndtr(-h), _ndtr(-ah)
  return jnp.where(inverse, (q_h + q_ah) / 2 - q_h * q_ah - core, core)


@custom_jvp
def _owens_t(h, a):
  return jnp.sign(a) * _owens_t_impl(h, lax.abs(a))


@_owens_t.defjvp
def _owens_t_jvp(primals, tangents):
  (h, a), (h_dot, a_dot) = primals, tangents
  h_squared = lax.square(h)
  # dT/dh = -phi(h) erf(a h / sqrt 2) / 2, dT/da = exp(-h^2 (1 + a^2) / 2) / (2 pi (1 + a^2)).
  dh = -lax.exp(-h_squared / 2) / _const(h, 2 * np.sqrt(2 * np.pi)) * lax.erf(
      a * h / _const(h, np.sqrt(2)))
  one_a2 = 1 + lax.square(a)
  da = lax.exp(-h_squared * one_a2 / 2) / (_const(h, 2 * np.pi) * one_a2)
  return _owens_t(h, a), dh * h_dot + da * a_dot


def owens_t(h, a):
  """Owen's T function T(h, a) = 1 / (2 pi) integral_0^a exp(-h^2 (1 + x^2) / 2) / (1 + x^2) dx.

  As in JAX, the result is never weakly typed, real results have the default float dtype
  (computed in the arguments' precision), and complex arguments enter as |h| and
  sign(a) T(|h|, |a|)."""
  h, a = promote_args_inexact("owens_t", h, a)
  kind = h.dtype
  is_complex = dtypes.issubdtype(kind, np.complexfloating)
  if is_complex:  # |a| and sign(a) here; real a keeps its sign for the derivative
    sign, a = jnp.sign(a), lax.abs(a)
  h = lax.abs(h)
  if h.dtype not in (np.float32, np.float64):  # half precision: computed in float32
    t = _owens_t(h.astype(np.float32), a.astype(np.float32)).astype(h.dtype)
  else:
    t = _owens_t(h, a)
  if is_complex:
    return lax.convert_element_type(sign * t.astype(kind), kind)
  return lax.convert_element_type(t, dtypes.default_float_dtype())


# ------------------------------------------------------------------------------------------------
# Hypergeometric functions


def _hyp1f1_series(a, b, x, n_terms=500):
  """sum_k (a)_k / (b)_k x^k / k!, the k-th term a running product along a new last axis. 500
  terms reach full precision wherever the sum is finite in float64 (x <= ~700)."""
  k = np.arange(n_terms - 1, dtype=x.dtype)
  ratios = (a[..., None] + k) / (b[..., None] + k) * x[..., None] / (k + 1)
  # A multiplying scan rather than cumprod: its derivative stays right where a ratio is zero
  # (a terminating series, as b - a = -4 in Kummer's transformation).
  terms = lax.associative_scan(lax.mul, ratios, axis=ratios.ndim - 1)
  return 1 + jnp.sum(terms, axis=-1)


def hyp1f1(a, b, x):
  """Kummer's confluent hypergeometric function 1F1(a; b; x) = sum_k (a)_k / (b)_k x^k / k!.

  Real arguments (JAX documents a, b, x >= 0); x < 0 goes through Kummer's transformation
  1F1(a; b; x) = exp(x) 1F1(b - a; b; -x), whose terms do not alternate when b >= a. As in JAX,
  1F1(0; 0; x) = 1, a pole b in {0, -1, -2, ...} gives inf, and a NaN `a` gives 1."""
  a, b, x = promote_args_inexact("hyp1f1", a, b, x)
  if dtypes.issubdtype(a.dtype, np.complexfloating):
    raise ValueError("hyp1f1 does not support complex-valued inputs.")
  a, b, x = jnp.broadcast_arrays(a, b, x)
  negative = x < 0
  value = _hyp1f1_series(jnp.where(negative, b - a, a), b, lax.abs(x))
  value = jnp.where(negative, lax.exp(x) * value, value)
  pole = (b <= 0) & (b == lax.round(b))
  return jnp.select([(a == 0) | jnp.isnan(a), pole, x == -np.inf],
                    [jnp.ones_like(x), jnp.full_like(x, np.inf), jnp.zeros_like(x)], value)


# ------------------------------------------------------------------------------------------------
# The Faddeeva function


def _weideman_coefficients(n):
  """Weideman's (1994) expansion of the Faddeeva function in the upper half plane:
  w(z) = 2 p(Z) / (L - iz)^2 + 1 / (sqrt(pi) (L - iz)), Z = (L + iz) / (L - iz), with
  L = sqrt(n / sqrt 2) and p the degree n - 1 polynomial whose coefficients (highest first) are
  the Fourier coefficients of (L^2 + t^2) exp(-t^2) on t = L tan(theta / 2)."""
  m = 2 * n
  length = np.sqrt(n / np.sqrt(2))
  theta = np.arange(-m + 1, m) * np.pi / m
  t = length * np.tan(theta / 2)
  f = np.concatenate([[0.0], np.exp(-t * t) * (length ** 2 + t * t)])
  a = np.real(np.fft.fft(np.fft.fftshift(f))) / (2 * m)
  return length, a[1:n + 1][::-1]


_WEIDEMAN_L, _WEIDEMAN_A = _weideman_coefficients(40)


def _wofz_upper(z):
  """w(z) for Im z >= 0."""
  i = _const(z, 1j)
  length = _const(z, _WEIDEMAN_L)
  denominator = length - i * z
  big_z = (length + i * z) / denominator
  p = jnp.polyval(_WEIDEMAN_A.astype(z.dtype), big_z)
  return 2 * p / lax.square(denominator) + _const(z, 1 / np.sqrt(np.pi)) / denominator


def wofz(z):
  """The Faddeeva function w(z) = exp(-z^2) erfc(-iz), complex-valued for real or complex z."""
  z, = promote_args_inexact("wofz", z)
  if not dtypes.issubdtype(z.dtype, np.complexfloating):
    z = lax.convert_element_type(z, np.result_type(z.dtype, np.complex64))
  else:
    z = lax.convert_element_type(z, z.dtype)  # never weakly typed, as in JAX
  lower = lax.imag(z) < 0
  # In the lower half plane, the reflection w(z) = 2 exp(-z^2) - w(-z).
  upper_value = _wofz_upper(jnp.where(lower, -z, z))
  return jnp.where(lower, 2 * lax.exp(-lax.square(z)) - upper_value, upper_value)


# ------------------------------------------------------------------------------------------------
# Spherical harmonics


def _normalized_legendre_table(n_max, theta):
  """table[m][l] = N_l^m P_l^m(cos theta) for 0 <= m, l <= n_max (zero where m > l), with the
  Condon-Shortley phase and N_l^m = sqrt((2l + 1) (l - m)! / (4 pi (l + m)!)), by the recurrences
  for the normalized functions, which stay within range for large degrees."""
  x, s = lax.cos(theta), lax.sin(theta)
  zero = jnp.zeros_like(x)
  table = [[zero] * (n_max + 1) for _ in range(n_max + 1)]
  diagonal = jnp.full_like(x, 1 / np.sqrt(4 * np.pi))
  for m in range(n_max + 1):
    if m > 0:
      diagonal = -np.sqrt((2 * m + 1) / (2 * m)) * s * diagonal
    table[m][m] = diagonal
    if m + 1 <= n_max:
      table[m][m + 1] = np.sqrt(2 * m + 3) * x * diagonal
    for l in range(m + 2, n_max + 1):
      a = np.sqrt((4 * l * l - 1) / (l * l - m * m))
      a_previous = np.sqrt((4 * (l - 1) ** 2 - 1) / ((l - 1) ** 2 - m * m))
      table[m][l] = a * (x * table[m][l - 1] - table[m][l - 2] / a_previous)
  return jnp.stack([jnp.stack(row) for row in table])


def sph_harm_y(n, m, theta, phi, diff_n: int | None = None, n_max: int | None = None):
  """The spherical harmonics Y_n^m(theta, phi) = N_n^m P_n^m(cos theta) exp(i m phi) of 1-D integer
  arrays n, m (theta the colatitude, phi the longitude), SciPy's conventions.

  `n_max` (static; by default max(n), which needs a concrete n) bounds the degree: as in JAX, n and
  |m| beyond it are clipped to it, m < 0 is (-1)^|m| N P_n^|m| exp(i m phi), and |m| > n gives 0."""
  if diff_n is not None:
    raise NotImplementedError(
        "The 'diff_n' argument to jax.scipy.special.sph_harm_y is not supported.")
  n, m = jnp.asarray(n), jnp.asarray(m)
  theta, phi = promote_args_inexact("sph_harm_y", theta, phi)
  if n_max is None:
    n_max = int(core.concrete_or_error(None, jnp.max(n), "The `n_max` argument of "
                                       "`jnp.scipy.special.sph_harm` must be statically specified "
                                       "to use `sph_harm` within JAX transformations."))
  # The table runs over theta's own (at least 1-d) shape; the k-th result reads the k-th theta,
  # clipped, and broadcasts against phi (JAX's behaviour when the lengths differ).
  table = _normalized_legendre_table(n_max, jnp.atleast_1d(theta))
  legendre = table.at[lax.abs(m), n, jnp.arange(n.shape[0])].get(mode="clip")
  legendre = jnp.where((m < 0) & (m % 2 == 1), -legendre, legendre)
  angle = m.astype(phi.dtype) * phi
  return legendre * lax.complex(lax.cos(angle), lax.sin(angle))


# ------------------------------------------------------------------------------------------------
# Bessel functions of the first kind, by Miller's backward recurrence


def _bessel_jn_recurrence(z, n_iter):
  """J_0(z), ..., J_{n_iter}(z) stacked on a new leading axis: the recurrence
  f_k = 2 (k + 1) / z f_{k+1} - f_{k+2} run downwards from f_{n_iter + 2} = 0,
  f_{n_iter + 1} = 1e-16, normalized by J_0 + 2 (J_2 + J_4 + ...) = 1. As in JAX, nothing guards
  against overflow (small |z| in float32 gives NaN) or too few steps for large |z|."""
  def step(carry, k):
    f_next2, f_next, norm = carry
    f = 2.0 * (k + 1.0) * f_next / z - f_next2
    norm = jnp.where(lax.rem(k, _const(k, 2)) == 0, norm + 2.0 * f, norm)
    return (f_next, f, norm), f

  zero = jnp.zeros_like(z)
  init = (zero, jnp.full_like(z, 1e-16), zero)
  ks = lax.iota(z.dtype, n_iter + 1)
  (_, _, norm), fs = lax.scan(step, init, ks, reverse=True)
  return fs / (norm - fs[0])


def bessel_jn(z, *, v: int, n_iter: int = 50):
  """The Bessel functions of the first kind J_0(z), ..., J_v(z) of real z, shape (v + 1, *z.shape)
  (fewer rows when v > n_iter), computed by `n_iter` steps of backward recurrence (Zhang & Jin,
  "Computation of Special Functions", 1996). `v` and `n_iter` are static."""
  _hashable_static(v)
  _hashable_static(n_iter)
  z, = promote_args_inexact("bessel_jn", jnp.asarray(z))
  if z.dtype == np.complex128:  # JAX rejects complex64 only later (in the recurrence's rem)
    raise ValueError("complex input not supported.")
  v = core.concrete_or_error(operator.index, v, "Argument v of bessel_jn.")
  n_iter = core.concrete_or_error(int, n_iter, "Argument n_iter of bessel_jn.")
  return _bessel_jn_recurrence(z, n_iter)[:v + 1]


# ------------------------------------------------------------------------------------------------
# The Gauss hypergeometric function, after Pearson, Olver & Porter (2014), arXiv:1407.7786

_HYP2F1_MAX_TERMS = 250


def _loop_elementwise(keep_going, step, state, where=True):
  """A while loop per element: `step` (elementwise on the tuple `state`) is applied to the
  elements where `where` and `keep_going(state)` hold, until none is left. Elements outside
  `where` never step, so a caller can run a loop only on the elements whose result it uses."""
  state = tuple(jnp.broadcast_arrays(*state))

  def active(s):
    return keep_going(s) & where

  def body(s):
    go = active(s)
    return tuple(jnp.where(go, new, old) for new, old in zip(step(s), s))

  return lax.while_loop(lambda s: jnp.any(active(s)), body, state)


def _hyp2f1_series(a, b, c, x, where):
  """sum_k (a)_k (b)_k / (c)_k x^k / k!, until a term is within eps of the sum or 250 terms."""
  eps = _const(x, dtypes.finfo(x.dtype).eps)

  def step(s):
    total, term, k = s
    return total + term, term * ((a + k - 1) * (b + k - 1) / (c + k - 1) / k * x), k + 1

  def keep_going(s):
    total, term, k = s
    return (k < _HYP2F1_MAX_TERMS) & (lax.abs(term) > eps * lax.abs(total))

  one = jnp.ones_like(x)
  return _loop_elementwise(keep_going, step, (jnp.zeros_like(x), one, one), where)[0]


def _hyp2f1_polynomial(a, b, c, x, where):
  """The terminating series, a a non-positive integer: sum_{k <= |a|} (a)_k (b)_k / (c)_k x^k / k!
  (its sign flips written with |a|, as in JAX, and stepping while k < |a| + 1)."""
  a = lax.abs(a)

  def step(s):
    total, term, i = s
    term = term * (-(a - i + 1) / (c + i - 1) * (b + i - 1) / i * x)
    return total + term, term, i + 1

  def keep_going(s):
    return s[2] < a + 1

  one = jnp.ones_like(x)
  return _loop_elementwise(keep_going, step, (one, one, one), where)[0]


def _hyp2f1_integer_d(a, b, c, x, where):
  """2F1 for c - a - b = m an integer, near x = 1, by the logarithmic expansions in s = 1 - x
  (Abramowitz & Stegun 15.3.10-12): a finite sum of |m| terms in powers of s, plus an infinite one
  with digamma weights (up to 250 terms)."""
  eps = _const(x, dtypes.finfo(x.dtype).eps)
  d = c - a - b
  s = 1 - x
  m = lax.round(d)
  upper = m >= 0  # c = a + b + |m| (15.3.11); else c = a + b - |m| (15.3.12)
  zero = jnp.zeros_like(d)
  e = jnp.where(upper, d, -d)  # |m|, unrounded
  shift_inf = jnp.where(upper, d, zero)  # shifts a and b in the infinite sum
  shift_fin = jnp.where(upper, zero, d)  # ... and in the finite one
  count = jnp.where(upper, m, -m).astype(np.int32)
  log_s = lax.log(s)
  a_inf, b_inf = a + shift_inf, b + shift_inf

  # Infinite sum: sum_n (a_inf)_n (b_inf)_n / (n! (n + |m|)!) s^n
  #   * [psi(n + 1) + psi(n + |m| + 1) - psi(a_inf + n) - psi(b_inf + n) - log s].
  one = _const(x, 1)
  y0 = (digamma(one) + digamma(1 + e) - digamma(a_inf) - digamma(b_inf) - log_s) / gamma(e + 1)
  p0 = a_inf * b_inf * s / gamma(e + 2)

  def inf_step(st):
    y, p, q, t = st
    q = p * (digamma(1 + t) + digamma(1 + t + e) - digamma(a_inf + t) - digamma(b_inf + t) - log_s)
    p = p * (s * (a_inf + t) / (t + 1)) * ((b_inf + t) / (t + 1 + e))
    return y + q, p, q, t + 1

  def inf_keep_going(st):
    y, _, q, t = st
    return (t < _HYP2F1_MAX_TERMS) & (lax.abs(q) >= eps * lax.abs(y))

  y = _loop_elementwise(inf_keep_going, inf_step, (y0, p0, y0, jnp.ones_like(x)), where)[0]

  # Finite sum: sum_{n < |m|} (a_fin)_n (b_fin)_n / ((1 - |m|)_n n!) s^n.
  a_fin, b_fin = a + shift_fin, b + shift_fin

  def fin_step(st):
    total, p, t, i = st
    p = p * (s * (a_fin + t) * (b_fin + t) / (1 - e + t)) / (t + 1)
    return total + p, p, t + 1, i + 1

  def fin_keep_going(st):
    return st[3] < count

  finite = _loop_elementwise(
      fin_keep_going, fin_step, (one, one, jnp.zeros_like(x), jnp.ones_like(count)), where)[0]

  gamma_c = gamma(c)
  finite = finite * (gamma(e) * gamma_c / (gamma(a_inf) * gamma(b_inf)))
  log_part = y * (gamma_c / (gamma(a_fin) * gamma(b_fin)))
  log_part = jnp.where(count % 2 == 1, -log_part, log_part)
  s_m = s ** m
  result = jnp.where(m > 0, log_part * s_m + finite, log_part + finite * s_m)
  return jnp.where(m == 0, y * gamma_c / (gamma(a) * gamma(b)), result)


def _is_nonpositive_integer(v, eps):
  return (v <= 0) & (lax.abs(v - lax.round(v)) < eps)


def _hyp2f1_direct(a, b, c, x, where):
  """2F1 without a transformation of x: the terminating polynomial when a or b is a non-positive
  integer, the logarithmic expansion for x > 0.9 when c - a - b is an integer, the plain series
  otherwise. Each is evaluated only on the elements (of `where`) that use it."""
  eps = _const(x, 50 * dtypes.finfo(x.dtype).eps)
  a_int, b_int = _is_nonpositive_integer(a, eps), _is_nonpositive_integer(b, eps)
  terminating = a_int | b_int
  d = c - a - b
  integer_d = (x > 0.9) & ~terminating & (lax.abs(d - lax.round(d)) < eps)
  # The polynomial's degree: the more negative of a and b, unless c is a non-positive integer
  # above it (the series would meet the pole of (c)_k first).
  c_pole_first = (lax.rem(c, _const(c, 1)) == 0) & (c <= 0) & (c > b)
  swap = (b < a) & (lax.abs(b - lax.round(b)) < eps) & ~c_pole_first
  polynomial = _hyp2f1_polynomial(jnp.where(swap, b, a), jnp.where(swap, a, b), c, x,
                                  where & terminating)
  return jnp.select(
      [terminating, integer_d],
      [polynomial, _hyp2f1_integer_d(a, b, c, x, where & integer_d)],
      _hyp2f1_series(a, b, c, x, where & ~terminating & ~integer_d))


@custom_jvp
def _hyp2f1(a, b, c, x):
  eps = _const(x, 50 * dtypes.finfo(x.dtype).eps)
  one = _const(x, 1)
  d = c - a - b
  s = 1 - x
  c_pole = (c == 0) | ((c < 0) & (lax.rem(c, one) == 0))
  # Euler's transformation F = s^d F(c - a, c - b; c; x) for d <= -1, except for x > 1 with a
  # non-integer d (where s^d is not real).
  euler = (d <= -1) & ~((lax.abs(d - lax.round(d)) >= eps) & (s < 0))
  cases = [
      (x == 0) | (((a == 0) | (b == 0)) & (c != 0)),
      c_pole,
      euler,
      (d <= 0) & (x == 1),
      (x < 1) & (b == c),
      (x < 1) & (a == c),
      x > 1,
      x == 1,
  ]
  # The first case that holds decides (as JAX does); the series run only where they are used.
  decided = jnp.zeros(x.shape, bool)
  chosen = []
  for case in cases + [jnp.ones(x.shape, bool)]:
    chosen.append(case & ~decided)
    decided = decided | case
  inf = _const(x, np.inf)
  gauss = gamma(c) * gamma(d) / (gamma(c - a) * gamma(c - b))  # Gauss's sum at x = 1
  values = [
      jnp.ones_like(x),
      jnp.full_like(x, inf),
      s ** d * _hyp2f1_direct(c - a, c - b, c, x, chosen[2]),
      jnp.full_like(x, inf),
      s ** -a,
      s ** -b,
      jnp.full_like(x, inf),
      gauss,
      _hyp2f1_direct(a, b, c, x, chosen[8]),
  ]
  return jnp.select(chosen, values)


def _hyp2f1_parameter_derivative(a, b, c, x, weight):
  """sum_{k >= 1} (a)_k (b)_k / (c)_k x^k / k! * weight(k), the derivative of the series in a
  parameter, until a term (unweighted) is within eps of the sum or 250 terms."""
  eps = _const(x, dtypes.finfo(x.dtype).eps)

  def step(s):
    total, term, k = s
    return total + term * weight(k), term * ((a + k) * (b + k) / (c + k) / (k + 1) * x), k + 1

  def keep_going(s):
    total, term, k = s
    return (k < _HYP2F1_MAX_TERMS) & (lax.abs(term) / lax.abs(total) > eps)

  first = a * b / c * x
  return _loop_elementwise(keep_going, step, (jnp.zeros_like(x), first, jnp.ones_like(x)))[0]


_hyp2f1.defjvps(
    lambda a_dot, _, a, b, c, x: a_dot * _hyp2f1_parameter_derivative(
        a, b, c, x, lambda k: digamma(a + k) - digamma(a)),
    lambda b_dot, _, a, b, c, x: b_dot * _hyp2f1_parameter_derivative(
        a, b, c, x, lambda k: digamma(b + k) - digamma(b)),
    lambda c_dot, _, a, b, c, x: c_dot * _hyp2f1_parameter_derivative(
        a, b, c, x, lambda k: digamma(c) - digamma(c + k)),
    lambda x_dot, _, a, b, c, x: x_dot * (a * b / c * _hyp2f1(a + 1, b + 1, c + 1, x)),
)


def hyp2f1(a, b, c, x):
  """The Gauss hypergeometric function 2F1(a, b; c; x) = sum_k (a)_k (b)_k / (c)_k x^k / k!.

  Real arguments, with JAX's choices: the series for x < 1 (Euler's transformation when
  c - a - b <= -1, a logarithmic expansion for x > 0.9 when c - a - b is an integer, the
  polynomial when a or b is a non-positive integer, up to 250 terms otherwise); Gauss's sum at
  x = 1; inf for x > 1 and for c a non-positive integer. Differentiable in all four arguments
  (the parameter derivatives by their series)."""
  a, b, c, x = promote_args_inexact("hyp2f1", *(jnp.asarray(v) for v in (a, b, c, x)))
  a, b, c, x = (lax.convert_element_type(v, v.dtype) for v in  # never weakly typed, as in JAX
                jnp.broadcast_arrays(a, b, c, x))
  return _hyp2f1(a, b, c, x)
