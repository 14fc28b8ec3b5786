"""Cumulative reductions along one axis (`cumsum`, `cumprod`, `cummax`, `cummin`,
`cumlogsumexp`), forward or reversed. cumsum is linear (its transpose is the reversed cumsum);
the others differentiate as the prefix scan of their binary operation, as in JAX."""
from __future__ import annotations

import functools
import operator

import numpy as np

from pyjax._src.backend import xp
from pyjax._src.interpreters import ad, batching
from pyjax._src.lax import lax as _lax
from pyjax._src.lax.utils import check_dtype, first_operand_weak, standard_primitive


def _shape(x, *, axis, reverse, name):
  if not 0 <= axis < max(x.ndim, 1) or x.ndim == 0:
    raise ValueError(f"axis {axis} is out of bounds for array of shape {x.shape}")
  return x.shape


def _accumulate(ufunc_accumulate, x, *, axis, reverse):
  x = xp.asarray(x)
  if reverse:
    return xp.flip(ufunc_accumulate(xp.flip(x, axis), axis), axis)
  return ufunc_accumulate(x, axis)


def _cumulative_primitive(name, accumulate):
  def dtype_rule(x, **params):
    check_dtype(name, x.dtype, (np.number,))
    return x.dtype

  def impl(x, *, axis, reverse):
    out = _accumulate(lambda v, a: accumulate(v, axis=a), x, axis=axis, reverse=reverse)
    return xp.asarray(out).astype(x.dtype, copy=False)

  p = standard_primitive(name, functools.partial(_shape, name=name), dtype_rule, impl,
                         first_operand_weak)

  def batcher(axis_data, vals, dims, *, axis, reverse):
    (x,), (d,) = vals, dims
    return p.bind(x, axis=axis + (d <= axis), reverse=reverse), d
  batching.primitive_batchers[p] = batcher
  return p


def _logaddexp_accumulate(x, axis):
  return np.logaddexp.accumulate(x, axis=axis)


cumsum_p = _cumulative_primitive("cumsum", lambda x, axis: np.cumsum(x, axis=axis,
                                                                      dtype=x.dtype))
cumprod_p = _cumulative_primitive("cumprod", lambda x, axis: np.cumprod(x, axis=axis,
                                                                        dtype=x.dtype))
cummax_p = _cumulative_primitive("cummax", np.maximum.accumulate)
cummin_p = _cumulative_primitive("cummin", np.minimum.accumulate)
cumlogsumexp_p = _cumulative_primitive("cumlogsumexp", _logaddexp_accumulate)


def _cumsum_transpose(ct, x, *, axis, reverse):
  return [cumsum_p.bind(ct, axis=axis, reverse=not reverse)]


ad.deflinear(cumsum_p, _cumsum_transpose)


def _logaddexp(a, b):
  # Written with lax operations so that its derivative is the softmax-weighted tangent sum.
  larger = _lax.max(a, b)
  safe = _lax.select(_lax.is_finite(larger), larger, _lax.full_like(larger, 0))
  return _lax.add(_lax.log(_lax.add(_lax.exp(_lax.sub(a, safe)), _lax.exp(_lax.sub(b, safe)))),
                  safe)


def _scan_jvp(primitive, combine):
  def jvp(primals, tangents, *, axis, reverse):
    from pyjax._src.lax.control_flow import associative_scan
    out = primitive.bind(*primals, axis=axis, reverse=reverse)
    if type(tangents[0]) is ad.Zero:
      return out, ad.Zero.from_primal(out)
    scan = lambda x: [associative_scan(combine, x, reverse=reverse, axis=axis)]
    _, (t,), _ = ad.jvp(scan, primals, tangents)
    return out, t
  ad.primitive_jvps[primitive] = jvp


_scan_jvp(cumprod_p, _lax.mul)
_scan_jvp(cummax_p, _lax.max)
_scan_jvp(cummin_p, _lax.min)
_scan_jvp(cumlogsumexp_p, _logaddexp)


def _public(primitive):
  def fn(operand, axis: int = 0, reverse: bool = False):
    axis = operator.index(axis)
    if axis < 0:
      raise ValueError("XLA operations do not allow negative axes")
    return primitive.bind(operand, axis=axis, reverse=bool(reverse))
  fn.__name__ = fn.__qualname__ = primitive.name
  fn.__doc__ = (f"`{primitive.name}` along `axis`: element i combines elements 0..i (i..n-1 "
                "with `reverse`).")
  return fn


cumsum = _public(cumsum_p)
cumprod = _public(cumprod_p)
cummax = _public(cummax_p)
cummin = _public(cummin_p)
cumlogsumexp = _public(cumlogsumexp_p)

__all__ = ["cumlogsumexp", "cummax", "cummin", "cumprod", "cumsum"]
