"""Set operations of `jax.numpy`: unique and the *1d functions.

All of them sort: equal entries become neighbours, a mask marks the first of each run, and a
stable sort keyed by that mask compacts the runs to the front (`sorting.compact`). Without a
static `size` the number of results depends on the data, so the input must be concrete.
"""
from __future__ import annotations

import operator
from typing import NamedTuple

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.lax import control_flow, lax
from pyjax._src.lax import sorting as lax_sorting
from pyjax._src.numpy import lax_numpy, reductions, sorting, ufuncs
from pyjax._src.numpy.util import (asarray_or_scalar, canonicalize_axis, check_arraylike,
                                   promote_dtypes)


class _UniqueAllResult(NamedTuple):
  values: object
  indices: object
  inverse_indices: object
  counts: object


class _UniqueCountsResult(NamedTuple):
  values: object
  counts: object


class _UniqueInverseResult(NamedTuple):
  values: object
  inverse_indices: object


def _index_dtype():
  return dtypes.default_int_dtype()


def _cumsum(x):
  return control_flow.associative_scan(lax.add, x)


def _differs(a, b, equal_nan: bool):
  """Elementwise `a != b`, with NaNs equal to each other when `equal_nan`."""
  ne = ufuncs.not_equal(a, b)
  if equal_nan and dtypes.issubdtype(a.dtype, np.inexact):
    both_nan = ufuncs.logical_and(ufuncs.isnan(a), ufuncs.isnan(b))
    ne = ufuncs.logical_and(ne, ufuncs.logical_not(both_nan))
  return ne


def _run_starts(columns, equal_nan):
  """Mask of the sorted rows (given as columns) that differ from the row before them."""
  n = columns[0].shape[0]
  differs = None
  for c in columns:
    d = _differs(lax.slice(c, (1,), (n,)), lax.slice(c, (0,), (n - 1,)), equal_nan)
    differs = d if differs is None else ufuncs.logical_or(differs, d)
  if differs is None:  # rows of zero width are all equal
    differs = lax.full((n - 1,), False, np.bool_)
  return lax.concatenate([lax.full((1,), True, np.bool_), differs], 0)


def _concrete_size(count, size, arg, name):
  if size is not None:
    return core.concrete_or_error(operator.index, size,
                                  f"The size argument of jnp.{name} must be static.")
  return core.concrete_or_error(
      int, count, f"The error arose for the first argument of jnp.{name}(). To make "
                  f"jnp.{name}() compatible with JIT and other transforms, you can specify a "
                  "concrete value for the size argument, which will determine the output size.")


def _unique_rows(columns, *, equal_nan, size, fill_value, name):
  """Unique rows of the table `columns` (each 1-d, of one length n): their columns, the index
  of each one's first occurrence, the inverse indices and the counts."""
  n = columns[0].shape[0]
  index_dtype = _index_dtype()
  iota = lax.iota(index_dtype, n)
  if n == 0:
    if size:
      raise ValueError(f"jnp.{name}: for zero-sized input with nonzero size argument, "
                       "fill_value must be specified")
    empty = lax.full((0,), 0, index_dtype)
    return columns, empty, empty, empty
  *sorted_columns, perm = lax_sorting.sort([*columns, iota], dimension=0,
                                           num_keys=len(columns))
  starts = _run_starts(sorted_columns, equal_nan)
  size = _concrete_size(reductions.sum(starts, dtype=index_dtype), size, columns[0], name)
  # Run ids in sorted order, moved back to the original order (the inverse permutation).
  ids = lax.sub(_cumsum(lax.convert_element_type(starts, index_dtype)),
                np.array(1, index_dtype))
  inverse = lax_sorting.sort_key_val(perm, ids)[1]
  # One slot more than asked for: a run's count is the distance to the next run's start.
  positions, valid, (first_index, *values) = sorting.compact(starts, size + 1, perm,
                                                             *sorted_columns)
  next_start = lax.select(lax.slice(valid, (1,), (size + 1,)),
                          lax.slice(positions, (1,), (size + 1,)),
                          lax.full((size,), n, index_dtype))
  positions, valid, first_index, *values = (lax.slice(x, (0,), (size,)) for x in
                                            (positions, valid, first_index, *values))
  counts = lax.select(valid, lax.sub(next_start, positions), lax.full_like(positions, 0))
  # Empty slots repeat the first (smallest) unique row unless told otherwise.
  if size:
    first_fill = lax.full_like(first_index, 0) + lax.slice(first_index, (0,), (1,))
    first_index = lax.select(valid, first_index, first_fill)
    filled = []
    for v in values:
      fill = (lax.broadcast_in_dim(lax.slice(v, (0,), (1,)), v.shape, (0,))
              if fill_value is None else
              lax.full_like(v, lax.convert_element_type(asarray_or_scalar(fill_value), v.dtype)))
      filled.append(lax.select(valid, v, fill))
    values = filled
  return values, first_index, inverse, counts


def unique(ar, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis=None, *, equal_nan: bool = True, size=None,
           fill_value=None, sorted: bool = True):  # noqa: A002
  """Sorted unique entries of `ar` (or unique slices along `axis`), optionally with the index
  of each one's first occurrence, the inverse indices and the counts. `sorted=False` permits
  any order; the result is sorted either way."""
  check_arraylike("unique", ar)
  arr = asarray_or_scalar(ar)
  values, index, inverse, counts = _unique(arr, axis, equal_nan, size, fill_value, "unique")
  outs = [values]
  if return_index:
    outs.append(index)
  if return_inverse:
    outs.append(inverse)
  if return_counts:
    outs.append(counts)
  return outs[0] if len(outs) == 1 else tuple(outs)


def _unique(arr, axis, equal_nan, size, fill_value, name):
  if axis is None:
    flat = lax_numpy.ravel(arr)
    (values,), index, inverse, counts = _unique_rows(
        [flat], equal_nan=equal_nan, size=size, fill_value=fill_value, name=name)
    return values, index, lax.reshape(inverse, arr.shape), counts
  axis = canonicalize_axis(axis, arr.ndim)
  moved = lax_numpy.moveaxis(arr, axis, 0)
  rest = moved.shape[1:]
  table = lax.reshape(moved, (moved.shape[0], int(np.prod(rest, dtype=np.int64))))
  columns = [lax.squeeze(lax.slice_in_dim(table, j, j + 1, axis=1), (1,))
             for j in range(table.shape[1])]
  if not columns:
    columns = [lax.full((moved.shape[0],), 0, arr.dtype)]
  values, index, inverse, counts = _unique_rows(columns, equal_nan=equal_nan, size=size,
                                                fill_value=fill_value, name=name)
  rows = lax_numpy.stack(values, axis=1) if table.shape[1] else \
      lax.full((values[0].shape[0], 0), 0, arr.dtype)
  out = lax.reshape(rows, (rows.shape[0], *rest))
  return lax_numpy.moveaxis(out, 0, axis), index, inverse, counts


def unique_all(x, /, *, size=None, fill_value=None):
  """Unique values (NaNs distinct), first-occurrence indices, inverse indices and counts."""
  check_arraylike("unique_all", x)
  values, index, inverse, counts = _unique(asarray_or_scalar(x), None, False, size, fill_value,
                                           "unique")
  return _UniqueAllResult(values, index, inverse, counts)


def unique_counts(x, /, *, size=None, fill_value=None):
  """Unique values (NaNs distinct) and their counts."""
  check_arraylike("unique_counts", x)
  values, _, _, counts = _unique(asarray_or_scalar(x), None, False, size, fill_value, "unique")
  return _UniqueCountsResult(values, counts)


def unique_inverse(x, /, *, size=None, fill_value=None):
  """Unique values (NaNs distinct) and the inverse indices, shaped like `x`."""
  check_arraylike("unique_inverse", x)
  values, _, inverse, _ = _unique(asarray_or_scalar(x), None, False, size, fill_value,
                                  "unique")
  return _UniqueInverseResult(values, inverse)


def unique_values(x, /, *, size=None, fill_value=None):
  """Unique values (NaNs distinct)."""
  check_arraylike("unique_values", x)
  return _unique(asarray_or_scalar(x), None, False, size, fill_value, "unique")[0]


# ------------------------------------------------------------------------------------------------
# Membership


_ISIN_METHODS = ("compare_all", "binary_search", "sort", "auto")


def isin(element, test_elements, assume_unique: bool = False, invert: bool = False, *,
         method="auto"):
  """Whether each entry of `element` equals some entry of `test_elements`."""
  check_arraylike("isin", element, test_elements)
  if method not in _ISIN_METHODS:
    raise ValueError(f"method={method!r} is not implemented; options are 'compare_all', "
                     "'binary_search', 'sort', and 'auto'")
  element, test = promote_dtypes(element, test_elements)
  test = lax_numpy.ravel(test)
  if method == "auto":
    method = "compare_all" if test.shape[0] * max(element.size, 1) <= 1 << 20 else "sort"
  if method == "compare_all" or test.shape[0] == 0:
    shape = (*element.shape, test.shape[0])
    equal = lax.eq(lax.broadcast_in_dim(element, shape, tuple(range(element.ndim))),
                   lax.broadcast_in_dim(test, shape, (element.ndim,)))
    found = reductions.any(equal, axis=-1)
  else:
    # An entry is present when the sorted tests hold a run of values equal to it; NaN never is.
    search = "scan" if method == "binary_search" else "sort"
    ordered = lax_sorting.sort(test, dimension=0)
    left = sorting.searchsorted(ordered, element, side="left", method=search)
    right = sorting.searchsorted(ordered, element, side="right", method=search)
    found = lax.lt(left, right)
    if dtypes.issubdtype(element.dtype, np.inexact):
      found = ufuncs.logical_and(found, ufuncs.logical_not(ufuncs.isnan(element)))
  return ufuncs.logical_not(found) if invert else found


# ------------------------------------------------------------------------------------------------
# The *1d functions


def _flat_unique(name, ar):
  return _unique(lax_numpy.ravel(asarray_or_scalar(ar)), None, True, None, None, name)[0]


def _compact_sorted(name, values, keep, size, fill_value, default_fill):
  """`values[keep]` (1-d), padded or cut to `size` when it is given."""
  size = _concrete_size(reductions.sum(keep, dtype=_index_dtype()), size, values, name)
  _, valid, (out,) = sorting.compact(keep, size, values)
  if fill_value is None:
    fill = default_fill(out) if size else out
  else:
    fill = lax.full_like(out, lax.convert_element_type(asarray_or_scalar(fill_value),
                                                       out.dtype))
  return lax.select(valid, out, fill) if size else out


def _first_or_zero(out):
  return lax.broadcast_in_dim(lax.slice(out, (0,), (1,)), out.shape, (0,))


def union1d(ar1, ar2, *, size=None, fill_value=None):
  """Sorted unique entries found in either array."""
  check_arraylike("union1d", ar1, ar2)
  a, b = promote_dtypes(ar1, ar2)
  both = lax.concatenate([lax_numpy.ravel(a), lax_numpy.ravel(b)], 0)
  return unique(both, size=size, fill_value=fill_value)


def setdiff1d(ar1, ar2, assume_unique: bool = False, *, size=None, fill_value=None):
  """Sorted unique entries of `ar1` that are not in `ar2` (fill value 0 by default)."""
  check_arraylike("setdiff1d", ar1, ar2)
  a = lax_numpy.ravel(asarray_or_scalar(ar1))
  b = lax_numpy.ravel(asarray_or_scalar(ar2))
  if assume_unique or a.shape[0] == 0:
    keep = isin(a, b, invert=True)
  else:
    a, first = _unique_or_flagged(a)
    keep = ufuncs.logical_and(first, isin(a, b, invert=True))
  zero = lambda out: lax.full_like(out, 0)  # noqa: E731
  return _compact_sorted("setdiff1d", a, keep, size, fill_value, zero)


def setxor1d(ar1, ar2, assume_unique: bool = False, *, size=None, fill_value=None):
  """Sorted entries found in exactly one of the arrays."""
  check_arraylike("setxor1d", ar1, ar2)
  a, b = promote_dtypes(lax_numpy.ravel(asarray_or_scalar(ar1)),
                        lax_numpy.ravel(asarray_or_scalar(ar2)))
  if not assume_unique:
    a, b = _unique_or_flagged(a), _unique_or_flagged(b)
    a_vals, a_keep = a
    b_vals, b_keep = b
  else:
    a_vals, b_vals = a, b
    a_keep = lax.full(a.shape, True, np.bool_)
    b_keep = lax.full(b.shape, True, np.bool_)
  values = lax.concatenate([a_vals, b_vals], 0)
  keep = lax.concatenate([a_keep, b_keep], 0)
  n = values.shape[0]
  if n == 0:
    return values
  # Dropped duplicates sort after the kept entries of equal value and never count.
  drop = lax.convert_element_type(ufuncs.logical_not(keep), np.int8)
  values, drop = lax_sorting.sort([values, drop], dimension=0, num_keys=2)
  keep = lax.eq(drop, np.int8(0))
  differs = _run_starts([values], True)  # differs from the previous entry
  after = lax.concatenate([lax.slice(differs, (1,), (n,)), lax.full((1,), True, np.bool_)], 0)
  prev_kept = lax.concatenate([lax.full((1,), False, np.bool_),
                               lax.slice(keep, (0,), (n - 1,))], 0)
  next_kept = lax.concatenate([lax.slice(keep, (1,), (n,)), lax.full((1,), False, np.bool_)], 0)
  alone = ufuncs.logical_and(
      keep, ufuncs.logical_and(ufuncs.logical_or(differs, ufuncs.logical_not(prev_kept)),
                               ufuncs.logical_or(after, ufuncs.logical_not(next_kept))))
  return _compact_sorted("setxor1d", values, alone, size, fill_value, _first_or_zero)


def _unique_or_flagged(x):
  """`x` sorted, with a mask of the first entry of each run of equal values (a traceable
  unique: the duplicates stay, flagged off)."""
  if x.shape[0] == 0:
    return x, lax.full((0,), True, np.bool_)
  ordered = lax_sorting.sort(x, dimension=0)
  return ordered, _run_starts([ordered], True)


def intersect1d(ar1, ar2, assume_unique: bool = False, return_indices: bool = False, *,
                size=None, fill_value=None):
  """Sorted unique entries found in both arrays, optionally with the index of each one's first
  occurrence in either array."""
  check_arraylike("intersect1d", ar1, ar2)
  a, b = promote_dtypes(lax_numpy.ravel(asarray_or_scalar(ar1)),
                        lax_numpy.ravel(asarray_or_scalar(ar2)))
  index_dtype = _index_dtype()
  na, nb = a.shape[0], b.shape[0]
  if assume_unique:
    a_keep, b_keep = lax.full((na,), True, np.bool_), lax.full((nb,), True, np.bool_)
    a_vals, a_idx = lax_sorting.sort_key_val(a, lax.iota(index_dtype, na), 0) if na else \
        (a, lax.iota(index_dtype, 0))
    b_vals, b_idx = lax_sorting.sort_key_val(b, lax.iota(index_dtype, nb), 0) if nb else \
        (b, lax.iota(index_dtype, 0))
  else:
    a_vals, a_idx, a_keep = _sorted_with_first(a)
    b_vals, b_idx, b_keep = _sorted_with_first(b)
  values = lax.concatenate([a_vals, b_vals], 0)
  n = values.shape[0]
  if n == 0:
    empty = lax.full((0,), 0, index_dtype)
    return (values, empty, empty) if return_indices else values
  # Kept entries of `a` before kept entries of `b` of equal value, duplicates after both.
  source = lax.concatenate([lax.full((na,), 0, np.int8), lax.full((nb,), 1, np.int8)], 0)
  drop = lax.convert_element_type(ufuncs.logical_not(lax.concatenate([a_keep, b_keep], 0)),
                                  np.int8)
  other_idx = lax.concatenate([a_idx, b_idx], 0)
  values, drop, source, other_idx = lax_sorting.sort([values, drop, source, other_idx],
                                                     dimension=0, num_keys=3)
  kept = lax.eq(drop, np.int8(0))
  nxt = lambda x, fill: lax.concatenate([lax.slice(x, (1,), (n,)), lax.full((1,), fill,  # noqa
                                                                              x.dtype)], 0)
  same_next = ufuncs.logical_not(_differs(nxt(values, 0), values, True))
  # A kept entry of `a` directly followed by a kept entry of `b` of the same value.
  match = reductions.all(lax_numpy.stack([kept, nxt(kept, False), lax.eq(source, np.int8(0)),
                                          lax.eq(nxt(source, 1), np.int8(1)), same_next]),
                         axis=0)
  count = reductions.sum(match, dtype=index_dtype)
  size = _concrete_size(count, size, values, "intersect1d")
  _, valid, (out, a_pos, b_pos) = sorting.compact(match, size, values, other_idx,
                                                  nxt(other_idx, 0))
  if size:
    if fill_value is None:
      fill = _first_or_zero(out)
    else:
      fill = lax.full_like(out, lax.convert_element_type(asarray_or_scalar(fill_value),
                                                         out.dtype))
    out = lax.select(valid, out, fill)
    a_pos = lax.select(valid, a_pos, lax.full_like(a_pos, na))
    b_pos = lax.select(valid, b_pos, lax.full_like(b_pos, nb))
  return (out, a_pos, b_pos) if return_indices else out


def _sorted_with_first(x):
  """`x` sorted, the original index of each entry, and a mask of the first of each run."""
  index_dtype = _index_dtype()
  if x.shape[0] == 0:
    return x, lax.iota(index_dtype, 0), lax.full((0,), True, np.bool_)
  ordered, idx = lax_sorting.sort_key_val(x, lax.iota(index_dtype, x.shape[0]), 0)
  return ordered, idx, _run_starts([ordered], True)


def trim_zeros(filt, trim: str = "fb", axis=None):
  """`filt` without its leading ('f') and/or trailing ('b') all-zero slices along `axis` (every
  axis when None)."""
  check_arraylike("trim_zeros", filt)
  arr = asarray_or_scalar(filt)
  if arr.ndim == 0:
    raise ValueError("trim_zeros requires at least one dimension; got a 0-d array.")
  value = np.asarray(core.concrete_or_error(
      np.asarray, arr, "Error arose in the `filt` argument of trim_zeros()"))
  axes = range(arr.ndim) if axis is None else \
      [canonicalize_axis(a, arr.ndim) for a in np.atleast_1d(axis)]
  trim = trim.lower()
  nonzero = value != 0
  out = arr
  for ax in axes:
    others = tuple(d for d in range(arr.ndim) if d != ax)
    hits = np.flatnonzero(nonzero.any(axis=others))
    n = arr.shape[ax]
    start = int(hits[0]) if ("f" in trim and hits.size) else (n if "f" in trim else 0)
    stop = int(hits[-1]) + 1 if ("b" in trim and hits.size) else n
    if not hits.size and "f" not in trim:
      stop = 0 if "b" in trim else n
    out = lax.slice_in_dim(out, start, max(start, stop), axis=ax)
  return out


__all__ = ["intersect1d", "isin", "setdiff1d", "setxor1d", "trim_zeros", "union1d", "unique",
           "unique_all", "unique_counts", "unique_inverse", "unique_values"]
