"""Small lax operations outside the big families: `mulhi` (the high half of an integer product),
the total-order comparisons `eq_to_p`, `le_to_p` and `lt_to_p`, the `copy` and `empty` primitives,
`lax.dtype`, `broadcast_like` and `shape_as_value`."""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.backend import xp
from pyjax._src.errors import JaxRuntimeError
from pyjax._src.interpreters import ad, batching
from pyjax._src.lax import structural as _st
from pyjax._src.lax.control_flow.common import as_array
from pyjax._src.lax.sorting import _descending_key
from pyjax._src.lax.utils import (INTEGER, broadcasting_shape, canonicalize_shape, check_dtype,
                                  check_same_dtypes, never_weak, standard_primitive)


def _mulhi_dtype(x, y):
  check_dtype("mulhi", x.dtype, INTEGER, 0)
  check_dtype("mulhi", y.dtype, INTEGER, 1)
  check_same_dtypes("mulhi", (x, y), None)
  return x.dtype


def _mulhi_impl(x, y):
  x, y = xp.asarray(x), xp.asarray(y)
  dtype = x.dtype
  bits = dtype.itemsize * 8
  signed = dtypes.issubdtype(dtype, np.signedinteger)
  if bits <= 32:
    # The full product fits in 64 bits: form it there and keep its upper half.
    wide = np.int64 if signed else np.uint64
    return (x.astype(wide) * y.astype(wide) >> bits).astype(dtype)
  # 64-bit operands: the unsigned 128-bit product from 32-bit halves (schoolbook), then the
  # two's-complement correction for signed operands: hi(x*y) = hi_u(x*y) - [x<0] y - [y<0] x.
  u, v = x.view(np.uint64), y.view(np.uint64)
  low_mask, shift = np.uint64(0xFFFFFFFF), np.uint64(32)
  u0, u1, v0, v1 = u & low_mask, u >> shift, v & low_mask, v >> shift
  cross = u1 * v0 + ((u0 * v0) >> shift)
  cross2 = u0 * v1 + (cross & low_mask)
  high = u1 * v1 + (cross >> shift) + (cross2 >> shift)
  if signed:
    high = high - xp.where(x < 0, v, np.uint64(0)) - xp.where(y < 0, u, np.uint64(0))
  return high.view(dtype)


mulhi_p = standard_primitive(
    "mulhi", lambda x, y: broadcasting_shape("mulhi", x.shape, y.shape), _mulhi_dtype,
    _mulhi_impl)
batching.defbroadcasting(mulhi_p)
# Integer-valued: the only tangents are float0 zeros, as for JAX.
ad.defjvp_zero(mulhi_p)


def mulhi(x, y):
  """The high half of the full-width product `x * y` of two integer arrays of one dtype (signed
  for signed dtypes): `(x * y) >> bits` computed without overflow."""
  return mulhi_p.bind(x, y)


def _total_order_primitive(name, compare, accepted):
  def dtype_rule(x, y):
    for position, aval in enumerate((x, y)):
      check_dtype(name, aval.dtype, accepted, position)
    check_same_dtypes(name, (x, y), None)
    return np.dtype(np.bool_)

  def impl(x, y):
    x, y = xp.asarray(x), xp.asarray(y)
    if dtypes.issubdtype(x.dtype, np.complexfloating):
      # As XLA's CPU backend, which accepts the equation but has no total order on complex.
      raise JaxRuntimeError(f"FAILED_PRECONDITION: no total order on {x.dtype.name} operands "
                            "(expected comparison type FLOAT, actual TOTALORDER); compare the "
                            "real and imaginary parts instead.")
    # Sort's total order (-NaN < -inf < ... < -0.0 < +0.0 < ... < inf < +NaN, NaNs by payload):
    # its descending key, complemented.
    return compare(~_descending_key(x), ~_descending_key(y))

  # Weak iff both operands are, as for the other comparisons.
  p = standard_primitive(name, lambda x, y: broadcasting_shape(name, x.shape, y.shape),
                         dtype_rule, impl)
  batching.defbroadcasting(p)
  ad.defjvp_zero(p)
  return p


# Comparisons in the total order that sorting uses: NaNs are ordered, -0.0 < +0.0.
_ORDERED = (np.integer, np.floating, np.bool_)
eq_to_p = _total_order_primitive("eq_to", xp.equal, None)
le_to_p = _total_order_primitive("le_to", xp.less_equal, _ORDERED)
lt_to_p = _total_order_primitive("lt_to", xp.less, _ORDERED)


def _copy_impl(x):
  return xp.array(x, copy=True)


# `copy` is the identity on values; it exists so that a program can ask for a fresh buffer.
copy_p = standard_primitive("copy", lambda x: x.shape, lambda x: x.dtype, _copy_impl)
batching.defvectorized(copy_p)
ad.deflinear(copy_p, lambda ct, x: [copy_p.bind(ct)])


def dtype(x: Any) -> np.dtype:
  """The canonical dtype of a value, array, scalar type or dtype-like (x64-aware, as arrays made
  from it would have)."""
  return dtypes.dtype(x, canonicalize=True)


def _empty_dtype(*, shape, dtype, out_sharding):
  # As JAX, the dtype is taken as NumPy reads it, not canonicalized: `float` (or None) makes
  # float64 even without x64.
  return np.dtype(dtype)


def _empty_impl(*, shape, dtype, out_sharding):
  # The contents are unspecified; JAX's CPU backend fills zeros, and so do we.
  return xp.zeros(canonicalize_shape(shape), _empty_dtype(shape=shape, dtype=dtype,
                                                          out_sharding=out_sharding))


# Private, as in JAX (which exports `lax.empty` but not its primitive).
_empty_p = standard_primitive("empty", lambda *, shape, **p: canonicalize_shape(shape),
                             _empty_dtype, _empty_impl, never_weak)
# No operands: the same array for every batch element and no derivative to carry.
ad.defjvp_zero(_empty_p)


def empty(shape, dtype, *, out_sharding=None):
  """An array of `shape` and `dtype` whose values are unspecified (zeros here, as on JAX's CPU
  backend): for buffers that are written before they are read."""
  if out_sharding is not None:
    raise TypeError("`out_sharding` argument of lax.empty only supports instances of "
                    f"`NamedSharding` or `PartitionSpec`. Got {out_sharding} of type: "
                    f"{type(out_sharding)}")
  hash(shape)  # as JAX, which keeps `shape` as an equation parameter: a list is refused
  return _empty_p.bind(shape=shape, dtype=dtype, out_sharding=out_sharding)


def _as_jax_value(x):
  """`x` as an Array (tracers as they are), with JAX's error for values that are not arrays."""
  try:
    return as_array(x)
  except TypeError:
    raise TypeError(f"Argument '{x}' of type '{type(x)}' is not a valid JAX type") from None


def broadcast_like(arr, like_arr):
  """`arr` broadcast (NumPy's trailing-dimension rules) to the shape of `like_arr`."""
  shape = core.get_aval(_as_jax_value(like_arr)).shape
  arr = _as_jax_value(arr)
  aval = core.get_aval(arr)
  if aval.shape == shape:
    return arr
  lead = len(shape) - aval.ndim
  if lead < 0:
    raise ValueError(f"Cannot broadcast to shape with fewer dimensions: arr_shape={aval.shape} "
                     f"shape={shape}")
  if any(d not in (1, s) for d, s in zip(aval.shape, shape[lead:])):
    target = aval.update(shape=shape, weak_type=False)
    raise ValueError(f"Incompatible types for broadcasting: input type="
                     f"{aval.str_short(short_dtypes=False)} and requested type="
                     f"{target.str_short(short_dtypes=False)}")
  return _st.broadcast_in_dim_p.bind(arr, shape=shape,
                                     broadcast_dimensions=tuple(range(lead, len(shape))),
                                     sharding=None)


def shape_as_value(shape):
  """A shape as a 1-D integer array: int32, or int64 where a dimension exceeds int32 (a NumPy
  array, as JAX returns for shapes of known sizes; an Array for the empty shape)."""
  dims = [operator.index(d) for d in shape]
  dtype = np.dtype(np.int64 if any(d > np.iinfo(np.int32).max for d in dims) else np.int32)
  if not dims:
    return core.Array(np.zeros((0,), dtype), False)
  return np.asarray(dims, dtype)


__all__ = ["broadcast_like", "dtype", "empty", "mulhi", "shape_as_value"]
