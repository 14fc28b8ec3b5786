"""Reductions over axes: sums, products, extrema, logical reductions and arg-extrema."""
from __future__ import annotations

import numpy as np

from pyjax._src import dtypes
from pyjax._src.backend import xp
from pyjax._src.lax.utils import ANY, check_dtype, first_operand_weak, never_weak, standard_primitive
from pyjax._src.pretty_printer import pp_param_rules


def _reduced_shape(x, *, axes, **params):
  for a in axes:
    if not 0 <= a < x.ndim:
      raise ValueError(f"reduction axes {axes} out of range for operand of shape {x.shape}")
  return tuple(s for i, s in enumerate(x.shape) if i not in axes)


def _identity_of_max(dtype):
  if dtypes.issubdtype(dtype, np.inexact):
    return -np.inf
  return dtypes.iinfo(dtype).min if dtype != np.bool_ else False


def _identity_of_min(dtype):
  if dtypes.issubdtype(dtype, np.inexact):
    return np.inf
  return dtypes.iinfo(dtype).max if dtype != np.bool_ else True


def _reducer(name, impl, accepted):
  def dtype_rule(x, **params):
    check_dtype(name, x.dtype, accepted)
    return x.dtype
  return standard_primitive(name, _reduced_shape, dtype_rule, impl, first_operand_weak)


_NUMBERS = (np.integer, np.floating, np.complexfloating)

reduce_sum_p = _reducer(
    "reduce_sum", lambda x, *, axes, out_sharding=None: xp.asarray(
        xp.sum(x, axis=axes, dtype=x.dtype)), _NUMBERS)
reduce_prod_p = _reducer(
    "reduce_prod", lambda x, *, axes: xp.asarray(xp.prod(x, axis=axes, dtype=x.dtype)), _NUMBERS)
reduce_max_p = _reducer(
    "reduce_max", lambda x, *, axes: xp.asarray(
        xp.max(x, axis=axes, initial=_identity_of_max(x.dtype))), ANY)
reduce_min_p = _reducer(
    "reduce_min", lambda x, *, axes: xp.asarray(
        xp.min(x, axis=axes, initial=_identity_of_min(x.dtype))), ANY)
reduce_and_p = _reducer("reduce_and", lambda x, *, axes: xp.asarray(
    xp.bitwise_and.reduce(x, axis=axes) if x.size else xp.full(
        _reduced_shape(x, axes=axes), True if x.dtype == np.bool_ else -1, x.dtype)),
    (np.bool_, np.integer))
reduce_or_p = _reducer("reduce_or", lambda x, *, axes: xp.asarray(
    xp.bitwise_or.reduce(x, axis=axes) if x.size else xp.zeros(
        _reduced_shape(x, axes=axes), x.dtype)), (np.bool_, np.integer))
reduce_xor_p = _reducer("reduce_xor", lambda x, *, axes: xp.asarray(
    xp.bitwise_xor.reduce(x, axis=axes) if x.size else xp.zeros(
        _reduced_shape(x, axes=axes), x.dtype)), (np.bool_, np.integer))


def _arg_extremum(name, np_fn):
  def shape_rule(x, *, axes, index_dtype):
    if len(axes) != 1:
      raise ValueError(f"{name} requires exactly one axis, got axes={axes}")
    if x.shape[axes[0]] == 0:
      raise ValueError(f"{name} on an axis of size 0 is undefined (operand shape {x.shape}).")
    return _reduced_shape(x, axes=axes)

  def dtype_rule(x, *, axes, index_dtype):
    check_dtype(name, index_dtype, (np.integer,))
    return np.dtype(index_dtype)

  def impl(x, *, axes, index_dtype):
    return xp.asarray(np_fn(x, axis=axes[0])).astype(index_dtype)

  return standard_primitive(name, shape_rule, dtype_rule, impl, never_weak)


argmax_p = _arg_extremum("argmax", xp.argmax)
argmin_p = _arg_extremum("argmin", xp.argmin)

pp_param_rules[reduce_sum_p] = lambda p: {"axes": p["axes"],
                                          "out_sharding": p.get("out_sharding")}
