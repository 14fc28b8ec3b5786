"""Reductions over axes: sums, products, extrema, logical reductions and arg-extrema."""
from __future__ import annotations

import numpy as np

from pyjax._src import dtypes
from pyjax._src.backend import xp
from pyjax._src.core import Array, get_aval
from pyjax._src.interpreters import ad, batching
from pyjax._src.lax import elementwise as _ew
from pyjax._src.lax import structural as _st
from pyjax._src.lax.utils import (ANY, check_dtype, first_operand_weak, never_weak,
                                  standard_primitive)
from pyjax._src.pretty_printer import pp_param_rules


def _reduced_shape(x, *, axes, **params):
  if any(not 0 <= a < x.ndim for a in axes):
    raise ValueError(f"reduction axes {axes} contains out-of-bounds indices for "
                     f"{x.str_short(short_dtypes=False)}.")
  if len(set(axes)) != len(axes):
    raise ValueError(f"duplicate value in 'axes' of reduction: {axes}")
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
    if accepted == _LOGICAL:
      if not (x.dtype == np.bool_ or dtypes.issubdtype(x.dtype, np.integer)):
        raise TypeError(f"logical reduction requires operand dtype bool or int, got "
                        f"{x.dtype.name}.")
    else:
      check_dtype(name, x.dtype, accepted)
    return x.dtype
  return standard_primitive(name, _reduced_shape, dtype_rule, impl, first_operand_weak)


_NUMBERS = (np.number,)
_LOGICAL = (np.bool_, np.integer)

reduce_sum_p = _reducer(
    "reduce_sum", lambda x, *, axes, out_sharding=None: xp.asarray(
        xp.add.reduce(x, axis=axes, dtype=x.dtype)), _NUMBERS)
reduce_prod_p = _reducer(
    "reduce_prod", lambda x, *, axes: xp.asarray(
        xp.multiply.reduce(x, axis=axes, dtype=x.dtype)), _NUMBERS)
reduce_max_p = _reducer(
    "reduce_max", lambda x, *, axes: xp.asarray(
        xp.maximum.reduce(x, axis=axes, initial=_identity_of_max(x.dtype))), ANY)
reduce_min_p = _reducer(
    "reduce_min", lambda x, *, axes: xp.asarray(
        xp.minimum.reduce(x, axis=axes, initial=_identity_of_min(x.dtype))), ANY)
reduce_and_p = _reducer("reduce_and", lambda x, *, axes: xp.asarray(
    xp.bitwise_and.reduce(x, axis=axes) if x.size else xp.full(
        _reduced_shape(x, axes=axes), True if x.dtype == np.bool_ else -1).astype(x.dtype)),
    _LOGICAL)
reduce_or_p = _reducer("reduce_or", lambda x, *, axes: xp.asarray(
    xp.bitwise_or.reduce(x, axis=axes) if x.size else xp.zeros(
        _reduced_shape(x, axes=axes), x.dtype)), _LOGICAL)
reduce_xor_p = _reducer("reduce_xor", lambda x, *, axes: xp.asarray(
    xp.bitwise_xor.reduce(x, axis=axes) if x.size else xp.zeros(
        _reduced_shape(x, axes=axes), x.dtype)), _LOGICAL)


def _arg_extremum(name, np_fn):
  def shape_rule(x, *, axes, index_dtype):
    if len(axes) != 1:
      raise ValueError(f"{name} requires exactly one axis, got axes={axes}")
    if not 0 <= axes[0] < x.ndim:
      raise ValueError(f"Invalid axis {axes[0]} for operand shape {x.shape}")
    if x.shape[axes[0]] == 0:
      raise ValueError(f"argmin and argmax require non-empty reduced dimension. "
                       f"operand.shape={x.shape} axis={axes[0]}")
    return _reduced_shape(x, axes=axes)

  def dtype_rule(x, *, axes, index_dtype):
    if not dtypes.issubdtype(index_dtype, np.integer):
      raise TypeError(f"index_dtype must be an integer type, but got {np.dtype(index_dtype).name}")
    if dtypes.issubdtype(x.dtype, np.complexfloating):
      # JAX's argmax compares with `gt` (argmin with `lt`), which rejects complex numbers.
      comparison = "gt" if name == "argmax" else "lt"
      raise TypeError(f"{comparison} does not accept dtype {x.dtype.name} at position 0. "
                      "Accepted dtypes at position 0 are subtypes of integer, floating, bool.")
    return np.dtype(index_dtype)

  def impl(x, *, axes, index_dtype):
    return xp.asarray(np_fn(x, axis=axes[0])).astype(index_dtype)

  return standard_primitive(name, shape_rule, dtype_rule, impl, never_weak)


argmax_p = _arg_extremum("argmax", xp.argmax)
argmin_p = _arg_extremum("argmin", xp.argmin)

# --- batching: every reduction above renumbers its `axes` around the batch dimension.
for _p in (reduce_sum_p, reduce_prod_p, reduce_max_p, reduce_min_p, reduce_and_p, reduce_or_p,
           reduce_xor_p, argmax_p, argmin_p):
  batching.defreducer(_p)

pp_param_rules[reduce_sum_p] = lambda p: {"axes": p["axes"],
                                          "out_sharding": p.get("out_sharding")}


# ------------------------------------------------------------------------------------------------
# Differentiation: a JVP rule for every primitive above, a transpose rule for reduce_sum.


def _kept_axes(ndim, axes):
  return tuple(d for d in range(ndim) if d not in axes)


def _reduce_sum_transpose(ct, x, *, axes, out_sharding=None):
  shape = x.aval.shape
  return [_st.broadcast_in_dim_p.bind(ct, shape=shape, sharding=None,
                                      broadcast_dimensions=_kept_axes(len(shape), axes))]


ad.deflinear(reduce_sum_p, _reduce_sum_transpose)


def _chooser_jvp(primitive):
  """max/min: the tangent at the chosen elements (averaged over ties)."""
  def jvp(primals, tangents, *, axes):
    x, = primals
    t, = tangents
    out = primitive.bind(x, axes=axes)
    if type(t) is ad.Zero or ad.tangent_dtype(get_aval(x).dtype) == dtypes.float0:
      return out, ad.Zero.from_primal(out)
    aval = get_aval(x)
    chosen = _ew.eq_p.bind(x, _st.broadcast_in_dim_p.bind(
        out, shape=aval.shape, broadcast_dimensions=_kept_axes(aval.ndim, axes), sharding=None))
    location = _st.convert_element_type_p.bind(chosen, new_dtype=aval.dtype,
                                               weak_type=aval.weak_type, sharding=None)
    counts = reduce_sum_p.bind(location, axes=axes, out_sharding=None)
    picked = reduce_sum_p.bind(_ew.mul_p.bind(t, location), axes=axes, out_sharding=None)
    return out, _ew.div_p.bind(picked, counts)
  return jvp


ad.primitive_jvps[reduce_max_p] = _chooser_jvp(reduce_max_p)
ad.primitive_jvps[reduce_min_p] = _chooser_jvp(reduce_min_p)


def _reduce_prod_jvp(primals, tangents, *, axes):
  # The product rule over a balanced tree of pairwise products: exact even with zeros in x.
  x, = primals
  t, = tangents
  out = reduce_prod_p.bind(x, axes=axes)
  if type(t) is ad.Zero:
    return out, ad.Zero.from_primal(out)
  aval = get_aval(x)
  kept = _kept_axes(aval.ndim, axes)
  rest = tuple(aval.shape[d] for d in kept)
  n = int(np.prod([aval.shape[d] for d in axes], dtype=np.int64))
  if n == 0:
    return out, ad.zeros_like_aval(ad.tangent_aval(get_aval(out)))

  def leading(v):  # the reduced axes moved to the front and flattened into one
    if axes + kept != tuple(range(aval.ndim)):
      v = _st.transpose_p.bind(v, permutation=axes + kept)
    return _st.reshape_p.bind(v, new_sizes=(n, *rest), dimensions=None, sharding=None)

  def rows(v, start, stop):
    return _st.slice_p.bind(v, start_indices=(start,) + (0,) * len(rest),
                            limit_indices=(stop, *rest), strides=None)

  xs, ts = leading(x), leading(t)
  while n > 1:
    if n % 2:
      config = ((0, 1, 0),) + ((0, 0, 0),) * len(rest)
      xs = _st.pad_p.bind(xs, Array(np.ones((), aval.dtype), True), padding_config=config)
      ts = _st.pad_p.bind(ts, Array(np.zeros((), aval.dtype), True), padding_config=config)
      n += 1
    half = n // 2
    x_lo, x_hi, t_lo, t_hi = rows(xs, 0, half), rows(xs, half, n), rows(ts, 0, half), rows(
        ts, half, n)
    ts = _ew.add_p.bind(_ew.mul_p.bind(t_lo, x_hi), _ew.mul_p.bind(x_lo, t_hi))
    xs = _ew.mul_p.bind(x_lo, x_hi)
    n = half
  return out, _st.reshape_p.bind(ts, new_sizes=rest, dimensions=None, sharding=None)


ad.primitive_jvps[reduce_prod_p] = _reduce_prod_jvp
for _p in (reduce_and_p, reduce_or_p, reduce_xor_p, argmax_p, argmin_p):
  ad.defjvp_zero(_p)
