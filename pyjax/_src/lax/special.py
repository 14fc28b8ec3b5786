"""The special-function primitives of several operands (incomplete gamma and beta functions, Hurwitz
zeta), with their rules; their NumPy kernels live in `special_math.py`."""
from __future__ import annotations

from pyjax._src.interpreters import ad, batching
from pyjax._src.lax import elementwise as _ew
from pyjax._src.lax import special_math
from pyjax._src.lax.utils import (FLOATING, broadcasting_shape, check_dtype, check_same_dtypes,
                                  standard_primitive)


def _special_primitive(name: str, kernel):
  def dtype_rule(*avals):
    for position, aval in enumerate(avals):
      check_dtype(name, aval.dtype, FLOATING, position)
    check_same_dtypes(name, avals, None)
    return avals[0].dtype

  p = standard_primitive(name, lambda *avals: broadcasting_shape(name, *(a.shape for a in avals)),
                         dtype_rule, kernel, lambda *weak: all(weak))
  batching.defbroadcasting(p)
  return p


igamma_p = _special_primitive("igamma", special_math.igamma)
igammac_p = _special_primitive("igammac", special_math.igammac)
igamma_grad_a_p = _special_primitive("igamma_grad_a", special_math.igamma_grad_a)
zeta_p = _special_primitive("zeta", special_math.zeta)
regularized_incomplete_beta_p = _special_primitive(
    "regularized_incomplete_beta", special_math.betainc)
# JAX has no derivative rules for zeta and igamma_grad_a: differentiating them raises
# NotImplementedError, as in JAX.


def _bind(p, *args):
  return p.bind(*args)


def _one_like(x):
  return _ew._weak_const(x, 1)  # weak, so derivatives of weakly typed inputs stay weak as in JAX


def _igamma_dx(a, x):
  """d/dx P(a, x) = x^(a-1) e^(-x) / Gamma(a), computed in log space."""
  log_density = _bind(_ew.sub_p, _bind(_ew.sub_p, _bind(_ew.mul_p, _bind(
      _ew.sub_p, a, _one_like(a)), _bind(_ew.log_p, x)), x), _bind(_ew.lgamma_p, a))
  return _bind(_ew.exp_p, log_density)


def _times(g, value):
  return _bind(_ew.mul_p, g, value)


ad.defjvp(igamma_p, lambda g, a, x: _times(g, igamma_grad_a_p.bind(a, x)),
          lambda g, a, x: _times(g, _igamma_dx(a, x)))
ad.defjvp(igammac_p, lambda g, a, x: _bind(_ew.neg_p, _times(g, igamma_grad_a_p.bind(a, x))),
          lambda g, a, x: _bind(_ew.neg_p, _times(g, _igamma_dx(a, x))))


def _betainc_grad_ab(g, a, b, x):
  raise ValueError("Betainc gradient with respect to a and b not supported.")


def _betainc_dx(g, a, b, x):
  """d/dx I_x(a, b) = x^(a-1) (1-x)^(b-1) / B(a, b), computed in log space."""
  one = _one_like(x)
  log_beta = _bind(_ew.sub_p, _bind(_ew.add_p, _bind(_ew.lgamma_p, a), _bind(_ew.lgamma_p, b)),
                   _bind(_ew.lgamma_p, _bind(_ew.add_p, a, b)))
  log_density = _bind(_ew.sub_p, _bind(_ew.add_p, _bind(
      _ew.mul_p, _bind(_ew.sub_p, a, one), _bind(_ew.log_p, x)), _bind(
      _ew.mul_p, _bind(_ew.sub_p, b, one), _bind(_ew.log1p_p, _bind(_ew.neg_p, x)))), log_beta)
  return _times(g, _bind(_ew.exp_p, log_density))


ad.defjvp(regularized_incomplete_beta_p, _betainc_grad_ab, _betainc_grad_ab, _betainc_dx)


def igamma(a, x):
  """The regularized lower incomplete gamma function P(a, x)."""
  return igamma_p.bind(a, x)


def igammac(a, x):
  """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
  return igammac_p.bind(a, x)


def igamma_grad_a(a, x):
  """The derivative of P(a, x) with respect to `a`."""
  return igamma_grad_a_p.bind(a, x)


def zeta(x, q):
  """The Hurwitz zeta function, sum over n >= 0 of (n + q) ** -x."""
  return zeta_p.bind(x, q)


def betainc(a, b, x):
  """The regularized incomplete beta function I_x(a, b)."""
  return regularized_incomplete_beta_p.bind(a, b, x)


__all__ = ["betainc", "igamma", "igamma_grad_a", "igammac", "zeta"]
