"""Sorting, searching and counting in `jax.numpy`.

Everything here is built on the `sort` and `top_k` primitives: a stable sort keyed by a mask
compacts the selected positions to the front (`nonzero`), a sort keyed by a permutation applies
its inverse, and comparisons follow the order `lax.sort` uses (NaN after +inf, -0.0 equal to 0.0,
complex numbers by real then imaginary part).
"""
from __future__ import annotations

import operator

import numpy as np

from pyjax._src import core, dtypes, errors
from pyjax._src.core import Tracer
from pyjax._src.lax import control_flow, lax
from pyjax._src.lax import sorting as lax_sorting
from pyjax._src.numpy import lax_numpy, reductions, ufuncs
from pyjax._src.numpy.util import (asarray_or_scalar, canonicalize_axis, check_arraylike,
                                   promote_dtypes, to_complex_dtype, to_inexact_dtype)


def _as_array(name, x):
  check_arraylike(name, x)
  return asarray_or_scalar(x)


def _index_dtype():
  return dtypes.default_int_dtype()


def _check_kind_order(name, kind, order):
  if kind is not None:
    raise TypeError(f"'kind' argument to {name} is not supported. Use stable=True or "
                    "stable=False to specify sort stability.")
  if order is not None:
    raise TypeError(f"'order' argument to {name} is not supported.")


# ------------------------------------------------------------------------------------------------
# sort and argsort


def sort(a, axis: int | None = -1, *, kind=None, order=None, stable: bool = True,
         descending: bool = False):
  """Sorted copy of `a` along `axis` (flattened first when `axis` is None)."""
  arr = _as_array("sort", a)
  _check_kind_order("sort", kind, order)
  if axis is None:
    arr, axis = lax_numpy.ravel(arr), 0
  dimension = canonicalize_axis(axis, arr.ndim)
  out = lax_sorting.sort(arr, dimension=dimension, is_stable=stable)
  return lax.rev(out, (dimension,)) if descending else out


def argsort(a, axis: int | None = -1, *, kind=None, order=None, stable: bool = True,
            descending: bool = False, dtype=None):
  """Indices that sort `a` along `axis`; a stable descending sort keeps equal elements in their
  original order."""
  arr = _as_array("argsort", a)
  _check_kind_order("argsort", kind, order)
  if axis is None:
    arr, axis = lax_numpy.ravel(arr), 0
  dimension = canonicalize_axis(axis, arr.ndim)
  index_dtype = _index_dtype() if dtype is None else dtypes.canonicalize_dtype(np.dtype(dtype))
  iota = lax.broadcasted_iota(index_dtype, arr.shape, dimension)
  if descending and stable:
    # Reversing first makes the final reversal put ties back in their original order.
    arr, iota = lax.rev(arr, (dimension,)), lax.rev(iota, (dimension,))
  _, indices = lax_sorting.sort_key_val(arr, iota, dimension=dimension, is_stable=stable)
  return lax.rev(indices, (dimension,)) if descending else indices


def lexsort(keys, axis: int = -1):
  """Indices that sort by several keys, the last key most significant (a stable sort)."""
  if isinstance(keys, (tuple, list)):
    check_arraylike("lexsort", *keys)
    key_arrays = [asarray_or_scalar(k) for k in keys]
  else:
    check_arraylike("lexsort", keys)
    key_arrays = list(asarray_or_scalar(keys))
  if not key_arrays:
    raise TypeError("jnp.lexsort: need at least one key to sort.")
  shapes = {k.shape for k in key_arrays}
  if len(shapes) > 1:
    raise ValueError("all keys need to be the same shape.")
  shape = key_arrays[0].shape
  if not shape:
    raise TypeError("jnp.lexsort: need at least one dimension in the keys.")
  dimension = canonicalize_axis(axis, len(shape))
  iota = lax.broadcasted_iota(_index_dtype(), shape, dimension)
  outs = lax_sorting.sort([*key_arrays[::-1], iota], dimension=dimension,
                          num_keys=len(key_arrays))
  return outs[-1]


def sort_complex(a):
  """`a` sorted along its last axis, as a complex array."""
  arr = _as_array("sort_complex", a)
  if not arr.ndim:
    raise ValueError("jnp.sort_complex: axis -1 is out of bounds for an array of dimension 0; "
                     "pass an array of at least one dimension.")
  out = lax_sorting.sort(arr, dimension=arr.ndim - 1)
  return lax.convert_element_type(out, to_complex_dtype(to_inexact_dtype(out.dtype)))


# ------------------------------------------------------------------------------------------------
# partition


def _partition_checks(name, a, kth, axis):
  arr = _as_array(name, a)
  if dtypes.issubdtype(arr.dtype, np.complexfloating):
    raise NotImplementedError(f"jnp.{name} for complex dtype is not implemented.")
  if arr.dtype == np.bool_:  # JAX's partitions negate their input, which booleans refuse
    raise TypeError(f"jnp.{name} does not accept booleans (as in JAX); convert them first, e.g. "
                    "a.astype(np.int8).")
  kth = core.concrete_or_error(operator.index, kth, f"The error arose for the kth argument of "
                                                    f"jnp.{name}.")
  axis = canonicalize_axis(axis, arr.ndim)
  kth = canonicalize_axis(kth, arr.shape[axis])
  return arr, kth, axis


def partition(a, kth: int, axis: int = -1):
  """`a` with its `kth+1` smallest entries first along `axis` (ascending, the kth in place)
  and the others after them (descending)."""
  arr, kth, axis = _partition_checks("partition", a, kth, axis)
  ordered = lax_sorting.sort(arr, dimension=axis)
  n = arr.shape[axis]
  bottom = lax.slice_in_dim(ordered, 0, kth + 1, axis=axis)
  top = lax.rev(lax.slice_in_dim(ordered, kth + 1, n, axis=axis), (axis,))
  return lax.concatenate([bottom, top], axis)


def argpartition(a, kth: int, axis: int = -1):
  """Indices of the `kth+1` smallest entries along `axis` (ascending by value), then the
  indices of the others in increasing order."""
  arr, kth, axis = _partition_checks("argpartition", a, kth, axis)
  order = argsort(arr, axis=axis)
  n = arr.shape[axis]
  bottom = lax.slice_in_dim(order, 0, kth + 1, axis=axis)
  # The rest, by position: sort the remaining indices themselves.
  rest = lax_sorting.sort(lax.slice_in_dim(order, kth + 1, n, axis=axis), dimension=axis)
  # int32 indices whatever the mode, as JAX's (from top_k)
  return lax.convert_element_type(lax.concatenate([bottom, rest], axis), np.int32)


# ------------------------------------------------------------------------------------------------
# Comparisons in the sort order


def _isnan(x):
  return ufuncs.isnan(x) if dtypes.issubdtype(x.dtype, np.inexact) else None


def sort_lt(a, b):
  """`a < b` in the order `lax.sort` uses."""
  if dtypes.issubdtype(a.dtype, np.complexfloating):
    ar, br, ai, bi = ufuncs.real(a), ufuncs.real(b), ufuncs.imag(a), ufuncs.imag(b)
    return ufuncs.logical_or(sort_lt(ar, br),
                             ufuncs.logical_and(_sort_eq(ar, br), sort_lt(ai, bi)))
  if a.dtype == np.bool_:
    return ufuncs.logical_and(ufuncs.logical_not(a), b)
  lt = ufuncs.less(a, b)
  if dtypes.issubdtype(a.dtype, np.floating):
    return ufuncs.logical_or(lt, ufuncs.logical_and(ufuncs.isnan(b),
                                                    ufuncs.logical_not(ufuncs.isnan(a))))
  return lt


def _sort_eq(a, b):
  eq = ufuncs.equal(a, b)
  if dtypes.issubdtype(a.dtype, np.floating):
    return ufuncs.logical_or(eq, ufuncs.logical_and(ufuncs.isnan(a), ufuncs.isnan(b)))
  return eq


def sort_le(a, b):
  """`a <= b` in the order `lax.sort` uses."""
  return ufuncs.logical_not(sort_lt(b, a))


# ------------------------------------------------------------------------------------------------
# Gathers built from sorts and one-hot selections


def take_permutation(x, perm):
  """`x[perm]` for a permutation `perm` of the indices of the 1-d `x`: sorting `x` keyed by the
  inverse permutation puts each element where `perm` asks for it."""
  iota = lax.iota(perm.dtype, perm.shape[0])
  _, inverse = lax_sorting.sort_key_val(perm, iota)
  _, out = lax_sorting.sort_key_val(inverse, x)
  return out


def invert_permutation(perm):
  iota = lax.iota(perm.dtype, perm.shape[0])
  return lax_sorting.sort_key_val(perm, iota)[1]


def take_1d(x, indices):
  """`x[indices]` for a 1-d `x` and in-range integer `indices` of any shape (a one-hot selection:
  exact for every value, and differentiable in `x`)."""
  shape = indices.shape
  flat = lax_numpy.ravel(indices)
  if x.dtype == np.bool_:
    return lax.ne(take_1d(lax.convert_element_type(x, np.int8), indices), np.int8(0))
  out = lax_sorting._take_along(lax.broadcast_in_dim(x, (flat.shape[0], x.shape[0]), (1,)),
                                lax.reshape(flat, (flat.shape[0], 1)), 1)
  return lax.reshape(out, shape)


# ------------------------------------------------------------------------------------------------
# searchsorted and digitize


_SEARCH_METHODS = ("scan", "scan_unrolled", "sort", "compare_all")


def _search_compare_all(a, v, lt):
  hits = lt(lax.broadcast_in_dim(a, (*v.shape, a.shape[0]), (v.ndim,)),
            lax.broadcast_in_dim(v, (*v.shape, a.shape[0]), tuple(range(v.ndim))))
  return lax.reduce_sum(lax.convert_element_type(hits, np.int32), (v.ndim,))


def _search_scan(a, v, lt):
  # One pass over `a`, counting for every query the entries that precede it.
  def step(count, element):
    return count + lax.convert_element_type(lt(element, v), np.int32), None
  count, _ = control_flow.scan(step, lax.full(v.shape, 0, np.int32), a)
  return count


def _rank(x):
  """Position of each element of the 1-d `x` in its stable sort."""
  return invert_permutation(lax_sorting.sort_key_val(x, lax.iota(np.int32, x.shape[0]))[1])


def _search_sort(a, v, side):
  # In a stable sort of queries and entries together, a query lands after the entries that
  # precede it (entries equal to it too, for side='right', by putting the entries first).
  flat = lax_numpy.ravel(v)
  n, m = a.shape[0], flat.shape[0]
  if side == "left":
    ranks = lax.slice(_rank(lax.concatenate([flat, a], 0)), (0,), (m,))
  else:
    ranks = lax.slice(_rank(lax.concatenate([a, flat], 0)), (n,), (n + m,))
  return lax.reshape(lax.sub(ranks, _rank(flat)), v.shape)


def searchsorted(a, v, side: str = "left", sorter=None, *, method: str = "scan"):
  """Indices where the entries of `v` would be inserted into the sorted 1-d `a` to keep it
  sorted (before equal entries for side='left', after them for side='right')."""
  if sorter is None:
    check_arraylike("searchsorted", a, v)
  else:
    check_arraylike("searchsorted", a, v, sorter)
  if side not in ("left", "right"):
    raise ValueError(f"side={side!r} is not supported; use 'left' or 'right'.")
  if method not in _SEARCH_METHODS:
    raise ValueError(f"method={method!r} not recognized; expected one of "
                     f"{', '.join(repr(m) for m in _SEARCH_METHODS)}")
  a, v = asarray_or_scalar(a), asarray_or_scalar(v)
  if a.ndim != 1:
    raise ValueError("a should be 1-dimensional")
  a, v = promote_dtypes(a, v)
  if sorter is not None:
    sorter = asarray_or_scalar(sorter)
    sorter = ufuncs.remainder(sorter, np.array(a.shape[0], sorter.dtype)) if a.shape[0] else sorter
    a = take_permutation(a, lax.convert_element_type(sorter, np.int32))
  if a.shape[0] == 0:
    return lax.full(v.shape, 0, np.int32)
  lt = sort_lt if side == "left" else sort_le
  if method == "compare_all":
    return _search_compare_all(a, v, lt)
  if method == "sort":
    return _search_sort(a, v, side)
  return _search_scan(a, v, lt)


def digitize(x, bins, right: bool = False, *, method: str | None = None):
  """Index of the bin each entry of `x` falls in, for monotonic (increasing or decreasing)
  `bins`."""
  check_arraylike("digitize", x, bins)
  x, bins = asarray_or_scalar(x), asarray_or_scalar(bins)
  right = core.concrete_or_error(bool, right, "right argument of jnp.digitize()")
  if bins.ndim != 1:
    raise ValueError(f"digitize: bins must be a 1-dimensional array; got bins={bins}")
  n = bins.shape[0]
  if n == 0:
    return lax.full(x.shape, 0, np.int32)
  side = "left" if right else "right"
  kwargs = {} if method is None else {"method": method}
  increasing = searchsorted(bins, x, side=side, **kwargs)
  decreasing = lax.sub(np.int32(n), searchsorted(lax.rev(bins, (0,)), x, side=side, **kwargs))
  ascending = ufuncs.greater_equal(lax.reshape(lax.slice(bins, (n - 1,), (n,)), ()),
                                   lax.reshape(lax.slice(bins, (0,), (1,)), ()))
  return lax_numpy.where(ascending, increasing, decreasing)


# ------------------------------------------------------------------------------------------------
# nonzero and friends


def _static_size(count, size, name):
  if size is not None:
    return core.concrete_or_error(operator.index, size,
                                  f"The size argument of jnp.{name} must be static.")
  return core.concrete_or_error(
      int, count, f"The size argument of jnp.{name} must be statically specified to use "
                  f"jnp.{name} within JAX transformations.")


def compact(mask, size: int, *operands):
  """The first `size` positions where the 1-d `mask` holds, in order (a stable sort keyed by
  the inverted mask moves them to the front), with `operands` read at those positions, and
  whether each of the `size` slots holds one."""
  n = mask.shape[0]
  key = lax.convert_element_type(ufuncs.logical_not(mask), np.int8)
  iota = lax.iota(_index_dtype(), n)
  outs = lax_sorting.sort([key, iota, *operands], dimension=0, num_keys=1)[1:]
  if size <= n:
    outs = [lax.slice(o, (0,), (size,)) for o in outs]
  else:
    outs = [lax.pad(o, lax.full_like(o, 0, shape=()), [(0, size - n, 0)]) for o in outs]
  count = reductions.sum(mask, dtype=_index_dtype())
  valid = lax.lt(lax.iota(_index_dtype(), size), count)
  return outs[0], valid, outs[1:]


def nonzero(a, *, size=None, fill_value=None):
  """Indices of the nonzero entries, one array per dimension. `size` fixes the length (extra
  slots take `fill_value`, default 0); without it the length depends on the data, so `a` must be
  concrete."""
  arr = _as_array("nonzero", a)
  if arr.ndim == 0:
    raise ValueError("Calling nonzero on 0d arrays is not allowed. Use "
                     "jnp.atleast_1d(scalar).nonzero() instead.")
  mask = arr if arr.dtype == np.bool_ else ufuncs.not_equal(arr, 0)
  flat = lax_numpy.ravel(mask)
  count = None
  if size is None:
    count = reductions.sum(flat, dtype=_index_dtype())
  size = _static_size(count, size, "nonzero")
  positions, valid, _ = compact(flat, size)
  if fill_value is None:
    fills = (0,) * arr.ndim
  elif isinstance(fill_value, tuple):
    if len(fill_value) != arr.ndim:
      raise ValueError(f"fill_value must be a scalar or a tuple of length {arr.ndim}; got "
                       f"{fill_value}")
    fills = fill_value
  else:
    fills = (fill_value,) * arr.ndim
  out = []
  stride = 1
  for dim, fill in zip(reversed(arr.shape), reversed(fills)):
    index = lax.rem(lax.div(positions, np.array(stride, positions.dtype)),
                    np.array(max(dim, 1), positions.dtype))
    fill = asarray_or_scalar(fill)
    if np.shape(fill):
      raise ValueError(f"fill_value must be a scalar or a tuple of scalars; got {fill_value}")
    out.append(lax.select(valid, index, lax.full_like(index, lax.convert_element_type(
        fill, index.dtype))))
    stride *= dim
  return tuple(reversed(out))


def flatnonzero(a, *, size=None, fill_value=None):
  """Indices of the nonzero entries of the flattened `a`."""
  arr = _as_array("flatnonzero", a)
  return nonzero(lax_numpy.ravel(arr), size=size, fill_value=fill_value)[0]


def argwhere(a, *, size=None, fill_value=None):
  """Indices of the nonzero entries, one row per entry (shape `(count, a.ndim)`)."""
  arr = _as_array("argwhere", a)
  if arr.ndim == 0:
    result = nonzero(lax.reshape(arr, (1,)), size=size, fill_value=fill_value)[0]
    return lax.full((result.shape[0], 0), 0, result.dtype)
  return lax_numpy.stack(nonzero(arr, size=size, fill_value=fill_value), axis=1)


# ------------------------------------------------------------------------------------------------
# bincount


def bincount(x, weights=None, minlength: int = 0, *, length=None):
  """Occurrences (or summed `weights`) of each non-negative integer in the 1-d `x`; negative
  entries count as 0, entries at or past `length` are dropped."""
  arr = _as_array("bincount", x)
  if arr.dtype == np.bool_:
    arr = lax.convert_element_type(arr, np.int32)
  if not dtypes.issubdtype(arr.dtype, np.integer):
    raise TypeError(f"x argument to bincount must have an integer type; got {arr.dtype}")
  if arr.ndim != 1:
    raise ValueError("only 1-dimensional input supported.")
  minlength = core.concrete_or_error(
      operator.index, minlength, "The error occurred because of argument 'minlength' of "
                                 "jnp.bincount.")
  if length is None:
    value = core.concrete_or_error(
        np.asarray, arr, "The error occurred because of argument 'x' of jnp.bincount. To avoid "
                         "this error, pass a static `length` argument.")
    length = max(minlength, value.size and int(max(0, value.max())) + 1)
  else:
    length = core.concrete_or_error(
        operator.index, length, "The error occurred because of argument 'length' of "
                                "jnp.bincount.")
  if weights is None:
    weights = lax.full(arr.shape, 1, _index_dtype())
  else:
    check_arraylike("bincount", weights)
    weights = asarray_or_scalar(weights)
    if weights.shape != arr.shape:
      raise ValueError(f"type of weights must match type of x. Got typeof(x)="
                       f"{arr.aval.str_short() if hasattr(arr.aval, 'str_short') else arr.aval}"
                       f" and typeof(weights)={weights.aval}")
  # Each entry against each bin: one-hot rows summed (negative entries go to bin 0).
  clipped = lax.max(arr, np.array(0, arr.dtype))
  n = arr.shape[0]
  hit = lax.eq(lax.broadcast_in_dim(clipped, (n, length), (0,)),
               lax.broadcasted_iota(arr.dtype, (n, length), 1))
  spread = lax.broadcast_in_dim(weights, (n, length), (0,))
  if spread.dtype == np.bool_:
    return reductions.any(lax.select(hit, spread, lax.full_like(spread, False)), axis=0)
  out = lax.reduce_sum(lax.select(hit, spread, lax.full_like(spread, 0)), (0,))
  return out


__all__ = ["argpartition", "argsort", "argwhere", "bincount", "digitize", "flatnonzero",
           "lexsort", "nonzero", "partition", "searchsorted", "sort", "sort_complex"]
