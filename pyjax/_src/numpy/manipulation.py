"""Array manipulation of `jax.numpy`: joining, splitting, deleting and inserting, tiling, padding,
rearranging, triangles."""
from __future__ import annotations

import operator
from typing import Callable

import numpy as np

from pyjax._src import core, dtypes, errors
from pyjax._src.array import Array
from pyjax._src.core import Tracer
from pyjax._src.lax import lax
from pyjax._src.lax import sorting, structural
from pyjax._src.numpy import creation, indexing, lax_numpy, reductions, ufuncs
from pyjax._src.numpy import sorting as jnp_sorting
from pyjax._src.numpy.lax_numpy import concatenate, reshape, ravel
from pyjax._src.numpy.util import (asarray_or_scalar, canonicalize_axis, check_arraylike,
                                   promote_dtypes)

__all__ = [
    "append", "array_split", "atleast_1d", "atleast_2d", "atleast_3d", "block", "column_stack",
    "concat", "copy", "delete", "diag", "diagflat", "diagonal", "dsplit", "dstack", "flip",
    "fliplr", "flipud", "hsplit", "hstack", "insert", "meshgrid", "packbits", "pad", "repeat",
    "resize", "roll", "rollaxis", "rot90", "split", "tile", "tri", "tril", "triu", "unpackbits",
    "unstack", "vander", "vsplit", "vstack",
]


def _as_array(name, x):
  check_arraylike(name, x)
  return asarray_or_scalar(x)


def _static_int(value, context: str) -> int:
  """`value` as a Python int; a traced value raises JAX's ConcretizationTypeError."""
  return core.concrete_or_error(operator.index, value, context)


def _is_traced(x) -> bool:
  return isinstance(x, Tracer) and x.to_concrete_value() is None


def _zeros_like(x):
  return lax.full_like(x, 0)


def _scalar_zero(x):
  """A 0-d zero of `x`'s dtype and weak type (a padding value, a fill)."""
  return Array(np.zeros((), x.dtype), x.weak_type)


# ------------------------------------------------------------------------------------------------
# Splitting


def _split(name: str, ary, indices_or_sections, axis: int, equal: bool) -> list:
  ary = _as_array(name, ary)
  if not -ary.ndim <= axis < ary.ndim:
    raise IndexError(f"jnp.{name}: axis {axis} is out of bounds for an array of shape "
                     f"{ary.shape}.")
  axis = canonicalize_axis(axis, ary.ndim)
  size = ary.shape[axis]
  context = f"in jax.numpy.{name} argument 1"
  if isinstance(indices_or_sections, (Array, Tracer, np.ndarray)) and np.ndim(
      indices_or_sections) or isinstance(indices_or_sections, (list, tuple)):
    if isinstance(indices_or_sections, (Array, Tracer)):
      indices_or_sections = core.concrete_or_error(np.asarray, indices_or_sections, context)
    if np.asarray(indices_or_sections).dtype == np.bool_:
      raise TypeError(f"jnp.{name}: indices_or_sections must be integers, got booleans "
                      f"{indices_or_sections!r}; use jnp.nonzero(mask)[0] for a mask's positions.")
    indices = [operator.index(i) for i in np.asarray(indices_or_sections).tolist()] if np.ndim(
        indices_or_sections) == 1 else [operator.index(i) for i in indices_or_sections]
    bounds = [0, *indices, size]
    sizes = [hi - lo for lo, hi in zip(bounds[:-1], bounds[1:])]
  else:
    sections = core.concrete_or_error(
        lambda v: int(operator.index(v) if not isinstance(v, float) else v),
        np.asarray(indices_or_sections)[()] if isinstance(indices_or_sections, Array)
        else indices_or_sections, context)
    if sections == 0:
      raise ZeroDivisionError(f"jnp.{name}: the number of sections must be positive, got 0.")
    part, rest = divmod(size, sections)
    if equal and rest:
      raise ValueError(f"array split does not result in an equal division: rest is {rest}")
    sizes = [part + 1] * rest + [part] * (sections - rest) if sections > 0 else []
  return lax.split(ary, sizes, axis)


def split(ary, indices_or_sections, axis: int = 0) -> list:
  """`ary` cut along `axis` into `indices_or_sections` equal parts, or at the given indices."""
  return _split("split", ary, indices_or_sections, axis, equal=True)


def array_split(ary, indices_or_sections, axis: int = 0) -> list:
  """Like `split`, but `n` sections need not divide the axis: the first ones get one more."""
  return _split("array_split", ary, indices_or_sections, axis, equal=False)


def hsplit(ary, indices_or_sections) -> list:
  """Split along the second axis (the first for 1-D arrays)."""
  ary = _as_array("hsplit", ary)
  return _split("hsplit", ary, indices_or_sections, 1 if ary.ndim > 1 else 0, equal=True)


def vsplit(ary, indices_or_sections) -> list:
  """Split along the first axis."""
  return _split("vsplit", ary, indices_or_sections, 0, equal=True)


def dsplit(ary, indices_or_sections) -> list:
  """Split along the third axis."""
  ary = _as_array("dsplit", ary)
  if ary.ndim < 3:
    raise IndexError(f"jnp.dsplit needs an array of at least three dimensions, got shape "
                     f"{ary.shape}.")
  return _split("dsplit", ary, indices_or_sections, 2, equal=True)


def unstack(x, /, *, axis: int = 0) -> tuple:
  """The slices of `x` along `axis`, as a tuple."""
  x = _as_array("unstack", x)
  if x.ndim == 0:
    raise ValueError("Unstack requires arrays with rank > 0, however a scalar array was passed.")
  return tuple(lax.unstack(x, canonicalize_axis(axis, x.ndim)))


# ------------------------------------------------------------------------------------------------
# Joining


def _atleast(name: str, ndim: int, arys):
  check_arraylike(name, *arys)
  outs = []
  for a in arys:
    a = asarray_or_scalar(a)
    if a.ndim < ndim:
      if ndim == 3 and a.ndim == 1:
        a = lax.expand_dims(a, (0, 2))
      elif ndim == 3 and a.ndim == 2:
        a = lax.expand_dims(a, (2,))
      else:
        a = lax.expand_dims(a, tuple(range(ndim - a.ndim)))
    outs.append(a)
  return outs[0] if len(outs) == 1 else outs


def atleast_1d(*arys):
  """Each argument with at least one dimension (one array for one argument, else a list)."""
  return _atleast("atleast_1d", 1, arys)


def atleast_2d(*arys):
  """Each argument with at least two dimensions (leading 1s added)."""
  return _atleast("atleast_2d", 2, arys)


def atleast_3d(*arys):
  """Each argument with at least three dimensions: (N,) becomes (1, N, 1), (M, N) (M, N, 1)."""
  return _atleast("atleast_3d", 3, arys)


def _sequence(tup) -> list:
  # An array argument is a sequence of its rows.
  if isinstance(tup, (Array, Tracer, np.ndarray)):
    return list(lax.unstack(asarray_or_scalar(tup), 0)) if np.ndim(tup) else [tup]
  return list(tup)


def hstack(tup, dtype=None):
  """Join along the second axis (the first for 1-D arrays)."""
  arrays = atleast_1d(*_sequence(tup))
  arrays = arrays if isinstance(arrays, list) else [arrays]
  if not arrays:
    raise ValueError("Need at least one array to concatenate.")
  return concatenate(arrays, 0 if arrays[0].ndim == 1 else 1, dtype=dtype)


def vstack(tup, dtype=None):
  """Join along the first axis, 1-D arrays as rows."""
  arrays = atleast_2d(*_sequence(tup))
  return concatenate(arrays if isinstance(arrays, list) else [arrays], 0, dtype=dtype)


def dstack(tup, dtype=None):
  """Join along the third axis, after `atleast_3d`."""
  arrays = atleast_3d(*_sequence(tup))
  return concatenate(arrays if isinstance(arrays, list) else [arrays], 2, dtype=dtype)


def column_stack(tup):
  """Join 1-D arrays as columns (and 2-D arrays as they are) along the second axis."""
  arrays = _sequence(tup)
  check_arraylike("column_stack", *arrays)
  arrays = [asarray_or_scalar(a) for a in arrays]
  arrays = [reshape(a, (-1, 1)) if a.ndim < 2 else a for a in arrays]
  return concatenate(arrays, 1)


def concat(arrays, /, *, axis: int | None = 0):
  """The array API's concatenate."""
  return concatenate(arrays, axis)


def append(arr, values, axis: int | None = None):
  """`values` joined to the end of `arr` (both flattened when `axis` is None)."""
  if axis is None:
    return concatenate([ravel(arr), ravel(values)], 0)
  return concatenate([arr, values], axis)


def _block_depth(obj, path: str) -> int:
  if isinstance(obj, tuple):
    raise ValueError(f"jax.numpy.block does not allow tuples, got {obj}")
  if isinstance(obj, list):
    if not obj:
      raise ValueError("jax.numpy.block does not allow empty list arguments")
    depths = {_block_depth(item, path) for item in obj}
    if len(depths) > 1:
      raise ValueError("Mismatched list depths in jax.numpy.block")
    return depths.pop() + 1
  check_arraylike("block", obj)
  return 0


def _block_leaves(obj):
  if isinstance(obj, list):
    for item in obj:
      yield from _block_leaves(item)
  else:
    yield obj


def block(arrays):
  """An array assembled from nested lists of blocks: the innermost lists are joined along the
  last axis, the next level along the second-to-last, and so on."""
  depth = _block_depth(arrays, "arrays")
  leaves = [asarray_or_scalar(a) for a in _block_leaves(arrays)]
  ndim = max([depth, *(a.ndim for a in leaves)])
  leaves = iter(leaves)

  def assemble(obj, level):
    if not isinstance(obj, list):
      a = next(leaves)
      return lax.expand_dims(a, tuple(range(ndim - a.ndim))) if a.ndim < ndim else a
    parts = [assemble(item, level + 1) for item in obj]
    return concatenate(parts, axis=level - depth)

  return assemble(arrays, 0)


def copy(a, order: str | None = None):
  """A copy of `a`."""
  check_arraylike("copy", a)
  return creation.array(a, copy=True, order=order)


# ------------------------------------------------------------------------------------------------
# Deleting and inserting


def _take(a, index, axis: int):
  """`a` read at the 1-D integer `index` (in range) along `axis`: one gather."""
  return indexing.getitem(a, (slice(None),) * axis + (index,))


def _take_kept(a, keep: np.ndarray, axis: int):
  """The entries of `a` along `axis` where the static mask `keep` is True."""
  return _take(a, Array(np.flatnonzero(keep).astype(dtypes.default_int_dtype())), axis)


def _kept_positions(deleted, n: int):
  """For unique sorted deletions `deleted` (k positions in [0, n]), the positions of the n - k
  kept elements: output p comes from p plus the number of deletions at or before it, and the
  j-th deletion sits at or before p exactly when deleted[j] - j <= p."""
  k = deleted.shape[0]
  shifted = ufuncs.subtract(deleted, lax.iota(deleted.dtype, k))
  out = lax.iota(deleted.dtype, max(n - k, 0))
  at_or_before = ufuncs.less_equal(lax_numpy.expand_dims(shifted, 1),
                                   lax_numpy.expand_dims(out, 0))
  return ufuncs.add(out, reductions.sum(at_or_before, axis=0, dtype=deleted.dtype))


def delete(arr, obj, axis: int | None = None, *, assume_unique_indices: bool = False):
  """`arr` without the entries `obj` along `axis` (the flattened array when None). `obj` is an
  integer, a slice, an integer array or a boolean mask of the axis; it must be static (the
  result's length depends on it), except that integer arrays may be traced when
  `assume_unique_indices=True` promises they hold no duplicates."""
  a = _as_array("delete", arr)
  if axis is None:
    a, axis = ravel(a), 0
  axis = canonicalize_axis(axis, a.ndim)
  n = a.shape[axis]
  try:
    index = operator.index(obj)
  except TypeError:
    pass
  else:
    # JAX checks a single index as an axis, and raises its message.
    index = canonicalize_axis(index, n)
    return concatenate([lax.slice_in_dim(a, 0, index, axis=axis),
                        lax.slice_in_dim(a, index + 1, n, axis=axis)], axis)
  if isinstance(obj, slice):
    keep = np.ones(n, bool)
    keep[obj] = False
    return _take_kept(a, keep, axis)
  check_arraylike("delete", a, obj)
  obj = asarray_or_scalar(obj) if hasattr(obj, "__jax_array__") else obj
  if assume_unique_indices and dtypes.issubdtype(dtypes.dtype(obj), np.integer):
    index_dtype = dtypes.default_int_dtype()
    deleted = structural.convert_element_type(ravel(asarray_or_scalar(obj)), index_dtype)
    # Negative indices count from the end; others are clipped to [0, n] as JAX clips them.
    deleted = lax_numpy.where(ufuncs.less(deleted, 0), ufuncs.add(deleted, n), deleted)
    deleted = lax_numpy.clip(deleted, 0, n)
    return _take(a, _kept_positions(jnp_sorting.sort(deleted), n), axis)
  static = core.concrete_or_error(np.asarray, obj, "'obj' array argument of jnp.delete()")
  if np.issubdtype(static.dtype, np.integer):
    keep = np.ones(n, bool)
    keep[static] = False  # NumPy's IndexError for an index out of range, as in JAX
  elif static.dtype == np.bool_:
    if static.shape != (n,):
      raise ValueError("np.delete(arr, obj): for boolean indices, obj must be one-dimensional "
                       "with length matching specified axis.")
    keep = ~static
  else:
    raise ValueError(f"np.delete(arr, obj): got obj.dtype={static.dtype}; must be integer or "
                     "bool.")
  return _take_kept(a, keep, axis)


def insert(arr, obj, values, axis: int | None = None):
  """`arr` with `values` inserted before the positions `obj` along `axis` (the flattened array
  when None). `obj` is a slice, an integer or a 1-D integer array (which may be traced); negative
  positions count from the end and others are clipped to [0, n]. `values` is cast to `arr`'s
  dtype and broadcast to the inserted slots; for a scalar `obj` its first axis runs along
  `axis`. Several values at one position keep their order."""
  check_arraylike("insert", arr, 0 if isinstance(obj, slice) else obj, values)
  a = asarray_or_scalar(arr)
  values = asarray_or_scalar(values)
  if axis is None:
    a, axis = ravel(a), 0
  axis = core.concrete_or_error(operator.index, axis, "axis argument of jnp.insert()")
  axis = canonicalize_axis(axis, a.ndim)
  n = a.shape[axis]
  index_dtype = dtypes.default_int_dtype()
  if isinstance(obj, slice):
    positions = Array(np.arange(*obj.indices(n), dtype=index_dtype))
  else:
    positions = asarray_or_scalar(obj)
  if positions.ndim > 1:
    raise ValueError("jnp.insert(): obj must be a slice, a one-dimensional array, or a scalar; "
                     f"got {obj}")
  if not dtypes.issubdtype(positions.dtype, np.integer):
    # An empty list-like (NumPy's float64 `np.array([])`) means no insertion.
    if positions.size or isinstance(obj, (Array, Tracer)):
      raise ValueError(f"jnp.insert(): index array must be integer typed; got {obj}")
  positions = structural.convert_element_type(positions, index_dtype)
  values = creation.array(values, dtype=a.dtype, copy=False, ndmin=a.ndim)
  if positions.size == 1:
    if positions.ndim == 0:
      values = lax_numpy.moveaxis(values, 0, axis)
    positions = lax.broadcast_in_dim(lax.reshape(positions, ()), (values.shape[axis],), ())
  count = lax_numpy.broadcast_shapes(positions.shape, (values.shape[axis],))[0]
  positions = lax_numpy.broadcast_to(positions, (count,))
  slots = list(a.shape)
  slots[axis] = count
  values = lax_numpy.broadcast_to(values, tuple(slots))
  values = structural.convert_element_type(values, a.dtype, a.weak_type)
  positions = lax_numpy.where(ufuncs.less(positions, 0), ufuncs.add(positions, n), positions)
  positions = lax_numpy.clip(positions, 0, n)
  # Order everything by a key: element i of `a` gets 2i + 1, a value for position p gets 2p, so
  # values go just before the element they are inserted at; the stable sort keeps values for the
  # same position in their given order.
  keys = lax.concatenate([ufuncs.add(ufuncs.multiply(lax.iota(index_dtype, n), 2), 1),
                          ufuncs.multiply(positions, 2)], 0)
  order = jnp_sorting.argsort(keys, stable=True)
  return _take(lax.concatenate([a, values], axis), order, axis)


# ------------------------------------------------------------------------------------------------
# Rearranging


def flip(m, axis=None):
  """`m` with the order of elements reversed along `axis` (every axis by default)."""
  m = _as_array("flip", m)
  if axis is None:
    dims = tuple(range(m.ndim))
  else:
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    dims = tuple(canonicalize_axis(a, m.ndim) for a in axes)
  if len(set(dims)) != len(dims):
    raise TypeError(f"rev dimensions must be unique, got {dims}.")
  return lax.rev(m, dims) if dims else m


def fliplr(m):
  """`m` reversed along its second axis."""
  return flip(m, 1)


def flipud(m):
  """`m` reversed along its first axis."""
  return flip(m, 0)


def _roll_static(a, shift: int, axis: int):
  size = a.shape[axis]
  shift = shift % size
  if not shift:
    return a
  head = lax.slice_in_dim(a, size - shift, size, axis=axis)
  tail = lax.slice_in_dim(a, 0, size - shift, axis=axis)
  return lax.concatenate([head, tail], axis)


def _roll_dynamic(a, shift, axis: int):
  # Read a window of the array joined to itself, starting at (size - shift) mod size.
  size = a.shape[axis]
  shift = structural.convert_element_type(shift, dtypes.default_int_dtype())
  start = ufuncs.remainder(ufuncs.subtract(size, shift), size)
  doubled = lax.concatenate([a, a], axis)
  return lax.dynamic_slice_in_dim(doubled, start, size, axis=axis)


def _roll_shifts(shift) -> list:
  if isinstance(shift, (list, tuple)):
    return list(shift)
  check_arraylike("roll", shift)
  if np.ndim(shift) > 1:
    raise ValueError("'shift' and 'axis' arguments to roll must be scalars or 1D arrays")
  if not np.ndim(shift):
    return [shift]
  return list(lax.unstack(shift, 0)) if _is_traced(shift) else list(np.asarray(shift))


def roll(a, shift, axis=None):
  """`a` with its elements shifted by `shift` along `axis`, wrapping around (the flattened
  array when `axis` is None). Shifts may be traced; float shifts are truncated."""
  a = _as_array("roll", a)
  if axis is None:
    return reshape(roll(ravel(a), shift, 0), a.shape)
  shifts = _roll_shifts(shift)
  axes = [axis] if np.ndim(axis) == 0 else list(np.asarray(axis).tolist())
  if np.ndim(axis) > 1:
    raise ValueError("'shift' and 'axis' arguments to roll must be scalars or 1D arrays")
  if len(shifts) != len(axes) and 1 not in (len(shifts), len(axes)):
    raise ValueError("shape mismatch: objects cannot be broadcast to a single shape.  Mismatch "
                     f"is between arg 0 with shape ({len(shifts)},) and arg 1 with shape "
                     f"({len(axes)},).")
  count = max(len(shifts), len(axes))
  shifts = shifts * count if len(shifts) == 1 else shifts
  axes = axes * count if len(axes) == 1 else axes
  for s, ax in zip(shifts, axes):
    ax = canonicalize_axis(ax, a.ndim)
    if a.shape[ax] == 0:
      continue
    if _is_traced(s):
      a = _roll_dynamic(a, s, ax)
    else:
      a = _roll_static(a, int(np.asarray(core.concrete_or_error(None, s)).astype(np.int64)), ax)
  return a


def rollaxis(a, axis: int, start: int = 0):
  """`a` with axis `axis` moved to sit before position `start` (NumPy's legacy moveaxis)."""
  a = _as_array("rollaxis", a)
  n = a.ndim
  axis = canonicalize_axis(axis, n)
  start = operator.index(start)
  if not -n <= start <= n:
    raise ValueError(f"start={start} must satisfy {-n}<=start<={n}")
  if start < 0:
    start += n
  if axis < start:
    start -= 1
  return lax_numpy.moveaxis(a, axis, start)


def rot90(m, k: int = 1, axes: tuple[int, int] = (0, 1)):
  """`m` rotated by 90 degrees `k` times in the plane of `axes` (from the first toward the
  second)."""
  m = _as_array("rot90", m)
  if _is_traced(k):
    raise ValueError("jnp.rot90: k must be a static integer (it sets the result's shape), got a "
                     "traced value; pass it as a static argument to jit.")
  k = operator.index(k)
  axes = tuple(axes)
  if len(axes) != 2:
    raise ValueError(f"len(axes) must be 2, got axes={axes}")
  if m.ndim < 2:
    raise ValueError("rot90 requires its first argument to have ndim at least two, but got "
                     f"first argument of shape {m.shape}, which has ndim {m.ndim}")
  ax1, ax2 = (canonicalize_axis(a, m.ndim) for a in axes)
  if ax1 == ax2:
    raise ValueError("Axes must be different")
  k %= 4
  if k == 0:
    return m
  if k == 2:
    return flip(m, (ax1, ax2))
  perm = list(range(m.ndim))
  perm[ax1], perm[ax2] = ax2, ax1
  if k == 1:
    return lax.transpose(flip(m, ax2), perm)
  return flip(lax.transpose(m, perm), ax2)


def tile(A, reps):
  """`A` repeated `reps[i]` times along each axis (`reps` and `A` are padded with leading 1s to
  the same length)."""
  A = _as_array("tile", A)
  reps = (reps,) if isinstance(reps, (int, np.integer, Tracer, Array)) and not np.ndim(
      reps) else tuple(reps)
  reps = tuple(_static_int(r, "in jax.numpy.tile argument `reps`") for r in reps)
  if any(r < 0 for r in reps):
    raise ValueError(f"jnp.tile: reps must be nonnegative, got reps={reps}")
  ndim = max(A.ndim, len(reps))
  reps = (1,) * (ndim - len(reps)) + reps
  if A.ndim < ndim:
    A = lax.expand_dims(A, tuple(range(ndim - A.ndim)))
  return lax.tile(A, reps)


def resize(a, new_shape):
  """`a` flattened, repeated as often as needed and cut to fill `new_shape`."""
  a = _as_array("resize", a)
  new_shape = (new_shape,) if isinstance(new_shape, (int, np.integer)) else tuple(new_shape)
  new_shape = tuple(_static_int(d, "in jax.numpy.resize argument `new_shape`")
                    for d in new_shape)
  if any(d < 0 for d in new_shape):
    raise ValueError("all elements of `new_shape` must be non-negative")
  total = int(np.prod(new_shape, dtype=np.int64))
  flat = ravel(a)
  if flat.size == 0 or total == 0:
    return lax.full_like(flat, 0, shape=new_shape)
  copies = -(-total // flat.size)
  flat = lax.tile(flat, (copies,))
  return lax.reshape(lax.slice_in_dim(flat, 0, total), new_shape)


# ------------------------------------------------------------------------------------------------
# Triangles and diagonals


def _triangle_mask(rows: int, cols: int, k, lower: bool):
  """Boolean (rows, cols) mask of j <= i + k (lower) or j >= i + k (upper); `k` may be traced."""
  i = lax.broadcasted_iota(dtypes.default_int_dtype(), (rows, cols), 0)
  j = lax.broadcasted_iota(dtypes.default_int_dtype(), (rows, cols), 1)
  shifted = ufuncs.add(i, k)
  return ufuncs.less_equal(j, shifted) if lower else ufuncs.greater_equal(j, shifted)


def tri(N, M=None, k: int = 0, dtype=None):
  """Ones at and below the `k`-th diagonal of an (N, M) matrix, zeros elsewhere."""
  N = _static_int(N, "in jax.numpy.tri argument `N`")
  M = N if M is None else _static_int(M, "in jax.numpy.tri argument `M`")
  # float32 by default, also under x64 (as in JAX)
  dtype = dtypes.check_user_dtype_supported(dtype, "tri") if dtype is not None else \
      np.dtype(np.float32)
  return structural.convert_element_type(_triangle_mask(N, M, k, True), dtype)


def _triangle(name: str, m, k, lower: bool):
  m = _as_array(name, m)
  if m.ndim < 2:
    raise ValueError(f"Argument to jax.numpy.{name} must be at least 2D")
  if _is_traced(k):
    raise ValueError(f"jnp.{name}: k must be a static integer, got a traced value; pass it as a "
                     "static argument to jit.")
  k = operator.index(k)
  rows, cols = m.shape[-2:]
  mask = lax.broadcast_in_dim(_triangle_mask(rows, cols, k, lower), m.shape,
                              (m.ndim - 2, m.ndim - 1))
  return lax.select(mask, m, _zeros_like(m))


def tril(m, k: int = 0):
  """`m` (or each matrix in the last two axes) with the elements above the `k`-th diagonal
  zeroed."""
  return _triangle("tril", m, k, lower=True)


def triu(m, k: int = 0):
  """`m` with the elements below the `k`-th diagonal zeroed."""
  return _triangle("triu", m, k, lower=False)


def diagonal(a, offset: int = 0, axis1: int = 0, axis2: int = 1):
  """The `offset`-th diagonal of the matrices in the plane of `axis1`, `axis2`, as the last
  axis of the result."""
  a = _as_array("diagonal", a)
  if a.ndim < 2:
    raise ValueError("diagonal requires an array of at least two dimensions.")
  offset = _static_int(offset, "in jax.numpy.diagonal argument `offset`")
  ax1, ax2 = canonicalize_axis(axis1, a.ndim), canonicalize_axis(axis2, a.ndim)
  if ax1 == ax2:
    raise TypeError(f"diagonal requires axis1 and axis2 to be different axes, got axis1={axis1} "
                    f"and axis2={axis2}.")
  a = lax_numpy.moveaxis(a, (ax1, ax2), (-2, -1))
  *batch, n, m = a.shape
  length = max(0, min(n, m - offset) if offset >= 0 else min(n + offset, m))
  # Element (i, i + offset) of the flattened (n, m) matrix sits at i * (m + 1) + offset: the
  # diagonal is one strided slice.
  flat = lax.reshape(a, (*batch, n * m))
  start = offset if offset >= 0 else -offset * m
  if length == 0:
    return lax.slice_in_dim(flat, 0, 0, axis=-1 % flat.ndim)
  return lax.slice_in_dim(flat, start, start + (length - 1) * (m + 1) + 1, m + 1,
                          axis=flat.ndim - 1)


def diag(v, k: int = 0):
  """The `k`-th diagonal of a matrix, or a square matrix with vector `v` on its `k`-th
  diagonal."""
  v = _as_array("diag", v)
  k = operator.index(k)
  if v.ndim == 2:
    return diagonal(v, k)
  if v.ndim != 1:
    raise ValueError("diag input must be 1d or 2d")
  n = v.shape[0] + abs(k)
  # Row i of the result holds the padded vector; the mask keeps column i + k of it.
  padded = lax.pad(v, _scalar_zero(v), ((max(k, 0), max(-k, 0), 0),))
  rows = lax.broadcast_in_dim(padded, (n, n), (1,))
  i = lax.broadcasted_iota(np.int32, (n, n), 0)
  j = lax.broadcasted_iota(np.int32, (n, n), 1)
  mask = ufuncs.equal(ufuncs.subtract(j, i), np.int32(k))
  return lax.select(mask, rows, _zeros_like(rows))


def diagflat(v, k: int = 0):
  """A square matrix with the flattened `v` on its `k`-th diagonal."""
  v = _as_array("diagflat", v)
  return diag(ravel(v), k)


# ------------------------------------------------------------------------------------------------
# Grids


def meshgrid(*xi, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> list:
  """Coordinate arrays from 1-D coordinate vectors: 'xy' (Cartesian, the default) puts the
  first vector along the second axis, 'ij' (matrix) along the first. `sparse` leaves each
  output broadcastable instead of full-size."""
  check_arraylike("meshgrid", *xi)
  if indexing not in ("xy", "ij"):
    raise ValueError(f"Valid values for indexing are 'xy' and 'ij', got {indexing}")
  arrays = [asarray_or_scalar(x) for x in xi]
  if any(a.ndim != 1 for a in arrays):
    raise ValueError("Arguments to jax.numpy.meshgrid must be 1D, got shapes "
                     f"{[a.shape for a in arrays]}")
  if not arrays:
    return []
  shape = [a.shape[0] for a in arrays]
  if indexing == "xy" and len(arrays) >= 2:
    shape[0], shape[1] = shape[1], shape[0]
  out = []
  for i, a in enumerate(arrays):
    position = {0: 1, 1: 0}.get(i, i) if indexing == "xy" and len(arrays) >= 2 else i
    if sparse:
      sparse_shape = [1] * len(arrays)
      sparse_shape[position] = a.shape[0]
      out.append(lax.reshape(a, tuple(sparse_shape)))
    else:
      out.append(lax.broadcast_in_dim(a, tuple(shape), (position,)))
  return out


# ------------------------------------------------------------------------------------------------
# Padding


def _pairs(value, ndim: int, name: str, integral: bool = True) -> tuple:
  """A pad argument (scalar, (v,), (before, after) or one pair per axis) as `ndim` pairs."""
  if isinstance(value, (Array, Tracer)):
    value = core.concrete_or_error(np.asarray, value, f"{name} argument of jnp.pad")
  if isinstance(value, dict):
    raise TypeError(f"`{name}` must be of integral type.")
  values = np.asarray(value) if integral else np.asarray(value, dtype=object)
  if integral and values.size and not (np.issubdtype(values.dtype, np.integer)
                                       or values.dtype == np.bool_):
    raise TypeError(f"`{name}` must be of integral type.")
  if values.shape in ((), (1,), (2,), (1, 2), (ndim, 2)) and not (values.shape == (2,) and
                                                                     ndim == 0):
    pairs = np.broadcast_to(values.reshape((2,) if values.shape == (2,) else values.shape),
                            (ndim, 2))
    return tuple(tuple(int(v) if integral else v for v in row) for row in pairs.tolist())
  raise ValueError(f"jnp.pad: {name} with nd={ndim} has unsupported shape {values.shape}. "
                   f"Valid shapes are ({ndim}, 2), (1, 2), (2,), (1,), or ().")


def _pad_along(a, axis: int, before, after):
  return lax.concatenate([p for p in (before, a, after) if p is not None], axis)


def _repeat_edge(piece, axis: int, count: int):
  """A size-1 slice along `axis` repeated `count` times (None for no padding)."""
  if not count:
    return None
  shape = list(piece.shape)
  shape[axis] = count
  return lax.broadcast_in_dim(lax.squeeze(piece, (axis,)), tuple(shape),
                              tuple(d for d in range(piece.ndim) if d != axis))


def _check_nonempty(a, axis: int, mode: str, before: int, after: int):
  if a.shape[axis] == 0 and (before or after):
    raise ValueError(f"Cannot apply '{mode}' padding to empty axis")


def _pad_edge(a, widths):
  for axis, (before, after) in enumerate(widths):
    _check_nonempty(a, axis, "edge", before, after)
    n = a.shape[axis]
    a = _pad_along(a, axis, _repeat_edge(lax.slice_in_dim(a, 0, 1, axis=axis), axis, before),
                   _repeat_edge(lax.slice_in_dim(a, n - 1, n, axis=axis), axis, after))
  return a


def _pad_wrap(a, widths):
  for axis, (before, after) in enumerate(widths):
    _check_nonempty(a, axis, "wrap", before, after)
    n = a.shape[axis]
    if not (before or after):
      continue
    # Periodic extension: a window of the array tiled enough times.
    copies = -(-(before + after) // n) + 2
    reps = [1] * a.ndim
    reps[axis] = copies
    start = n - before % n
    a = lax.slice_in_dim(lax.tile(a, tuple(reps)), start, start + before + n + after, axis=axis)
  return a


def _pad_reflect(a, widths, mode: str, reflect_type: str):
  if reflect_type not in ("even", "odd"):
    raise ValueError(f"reflect_type must be 'even' or 'odd', got {reflect_type!r}")
  symmetric = mode == "symmetric"
  for axis, (before, after) in enumerate(widths):
    _check_nonempty(a, axis, mode, before, after)
    n = a.shape[axis]
    if n == 1 and not symmetric:
      a = _pad_edge(a, [(0, 0)] * axis + [(before, after)] + [(0, 0)] * (a.ndim - axis - 1))
      continue
    # Reflect chunks of at most one period at a time; each chunk mirrors the current edge.
    period = n if symmetric else n - 1
    while before or after:
      size = a.shape[axis]
      left, right = min(before, period), min(after, period)
      skip = 0 if symmetric else 1
      pieces = []
      if left:
        chunk = lax.rev(lax.slice_in_dim(a, skip, skip + left, axis=axis), (axis,))
        if reflect_type == "odd":
          edge = lax.slice_in_dim(a, 0, 1, axis=axis)
          chunk = ufuncs.subtract(ufuncs.multiply(_two(a), edge), chunk)
        pieces.append(chunk)
      pieces.append(a)
      if right:
        chunk = lax.rev(lax.slice_in_dim(a, size - skip - right, size - skip, axis=axis),
                        (axis,))
        if reflect_type == "odd":
          edge = lax.slice_in_dim(a, size - 1, size, axis=axis)
          chunk = ufuncs.subtract(ufuncs.multiply(_two(a), edge), chunk)
        pieces.append(chunk)
      a = lax.concatenate(pieces, axis)
      before, after = before - left, after - right
  return a


def _two(a):
  return Array(np.array(2, a.dtype), a.weak_type)


def _cast_like(value, a):
  """A computed float `value` in `a`'s dtype: integers round to nearest (NumPy's rule for pad
  statistics), bools become `value != 0`."""
  if dtypes.issubdtype(a.dtype, np.integer):
    value = lax_numpy.round(value)
  return structural.convert_element_type(value, a.dtype, a.weak_type)


def _median(x, axis: int):
  """The median along `axis` (NaN if any element is NaN), keeping the axis."""
  n = x.shape[axis]
  if not dtypes.issubdtype(x.dtype, np.inexact):
    x = structural.convert_element_type(x, dtypes.default_float_dtype(), x.weak_type)
  ordered = sorting.sort(x, dimension=axis)
  lo = lax.slice_in_dim(ordered, (n - 1) // 2, (n - 1) // 2 + 1, axis=axis)
  hi = lax.slice_in_dim(ordered, n // 2, n // 2 + 1, axis=axis)
  mid = ufuncs.multiply(ufuncs.add(lo, hi), Array(np.array(0.5, x.dtype), x.weak_type))
  has_nan = reductions.any(ufuncs.isnan(x), axis=axis, keepdims=True)
  return lax_numpy.where(has_nan, Array(np.array(np.nan, x.dtype), x.weak_type), mid)


_STATISTICS = {
    "maximum": lambda x, axis: reductions.max(x, axis=axis, keepdims=True),
    "minimum": lambda x, axis: reductions.min(x, axis=axis, keepdims=True),
    "mean": lambda x, axis: reductions.mean(x, axis=axis, keepdims=True),
    "median": _median,
}


def _pad_stats(a, widths, stat_length, mode: str):
  statistic = _STATISTICS[mode]
  for axis, (before, after) in enumerate(widths):
    n = a.shape[axis]
    if stat_length is None:
      length_before = length_after = n
    else:
      length_before, length_after = stat_length[axis]
      if 0 in (length_before, length_after):
        raise ValueError("stat_length of 0 yields no value for padding")
      if length_before < 0 or length_after < 0:
        raise ValueError(f"stat_length must be positive, got {stat_length[axis]} for axis {axis}")
      length_before, length_after = min(length_before, n), min(length_after, n)
    if n == 0 and mode in ("maximum", "minimum") and (before or after):
      raise ValueError(f"Cannot apply '{mode}' padding to empty axis")
    stat_before = _cast_like(statistic(lax.slice_in_dim(a, 0, length_before, axis=axis), axis),
                             a)
    stat_after = _cast_like(statistic(lax.slice_in_dim(a, n - length_after, n, axis=axis), axis),
                            a)
    a = _pad_along(a, axis, _repeat_edge(stat_before, axis, before),
                   _repeat_edge(stat_after, axis, after))
  return a


def _ramp(edge, end, count: int, axis: int, a, reverse: bool):
  """`count` values going linearly from `end` toward `edge` (excluding it), along `axis`."""
  if not count:
    return None
  compute = a.dtype if dtypes.issubdtype(a.dtype, np.inexact) else dtypes.default_float_dtype()
  edge = structural.convert_element_type(edge, compute)
  end = structural.convert_element_type(asarray_or_scalar(end), compute)
  shape = list(edge.shape)
  shape[axis] = count
  steps = structural.convert_element_type(
      lax.broadcasted_iota(np.int32, tuple(shape), axis), compute)
  fraction = ufuncs.divide(steps, Array(np.array(count, compute)))
  # JAX's linspace formula, so that values round (and integer ramps floor) as JAX's do.
  ramp = ufuncs.add(ufuncs.multiply(end, ufuncs.subtract(Array(np.array(1, compute)), fraction)),
                    ufuncs.multiply(edge, fraction))
  if reverse:
    ramp = lax.rev(ramp, (axis,))
  if dtypes.issubdtype(a.dtype, np.integer):
    ramp = ufuncs.floor(ramp)
  return structural.convert_element_type(ramp, a.dtype, a.weak_type)


def _pad_linear_ramp(a, widths, end_values):
  for axis, (before, after) in enumerate(widths):
    _check_nonempty(a, axis, "linear_ramp", before, after)
    n = a.shape[axis]
    end_before, end_after = end_values[axis]
    a = _pad_along(a, axis,
                   _ramp(lax.slice_in_dim(a, 0, 1, axis=axis), end_before, before, axis, a, False),
                   _ramp(lax.slice_in_dim(a, n - 1, n, axis=axis), end_after, after, axis, a,
                         True))
  return a


def _pad_callable(a, widths, function: Callable, kwargs: dict):
  from pyjax._src.vmap_api import vmap
  a = lax.pad(a, _scalar_zero(a), tuple((lo, hi, 0) for lo, hi in widths))
  for axis in range(a.ndim):
    moved = lax_numpy.moveaxis(a, axis, -1)
    rows = reshape(moved, (-1, moved.shape[-1]))
    out = vmap(lambda row: asarray_or_scalar(function(row, widths[axis], axis, kwargs)))(rows)
    a = lax_numpy.moveaxis(reshape(out, moved.shape), -1, axis)
  return a


_PAD_KWARGS = {"constant": {"constant_values"}, "wrap": set(), "edge": set(), "empty": set(),
               "linear_ramp": {"end_values"}, "maximum": {"stat_length"},
               "minimum": {"stat_length"}, "mean": {"stat_length"}, "median": {"stat_length"},
               "reflect": {"reflect_type"}, "symmetric": {"reflect_type"}}


def pad(array, pad_width, mode="constant", **kwargs):
  """`array` padded by `pad_width` ((before, after) per axis, or one pair/value for all) in
  NumPy's modes: constant, edge, linear_ramp, maximum, mean, median, minimum, reflect,
  symmetric, wrap, empty, or a function `f(vector, (before, after), axis, kwargs)` applied
  along each axis of the zero-padded array."""
  array = _as_array("pad", array)
  widths = _pairs(pad_width, array.ndim, "pad_width")
  if any(v < 0 for pair in widths for v in pair):
    raise ValueError("index can't contain negative values")
  if callable(mode):
    return _pad_callable(array, widths, mode, kwargs)
  if mode not in _PAD_KWARGS:
    raise NotImplementedError(f"Unimplemented padding mode '{mode}' for np.pad.")
  unsupported = set(kwargs) - _PAD_KWARGS[mode]
  if unsupported:
    raise ValueError(f"unsupported keyword arguments for mode '{mode}': {unsupported}")
  if array.ndim == 0:
    return array
  if mode in ("constant", "empty"):
    values = kwargs.get("constant_values", 0)
    if isinstance(values, Tracer) and not np.ndim(values):
      pairs = ((values, values),) * array.ndim
    else:
      check_arraylike("pad", values) if not isinstance(values, (list, tuple)) else None
      pairs = _pairs(values, array.ndim, "constant_values", integral=False)
    for axis, (lo, hi) in enumerate(pairs):
      config = [(0, 0, 0)] * array.ndim
      for value, position in ((lo, 0), (hi, 1)):
        config_axis = [0, 0, 0]
        config_axis[position] = widths[axis][position]
        config[axis] = tuple(config_axis)
        value = structural.convert_element_type(
            _cast_value(value, array.dtype), array.dtype, array.weak_type)
        array = lax.pad(array, value, tuple(config))
    return array
  if mode == "edge":
    return _pad_edge(array, widths)
  if mode == "wrap":
    return _pad_wrap(array, widths)
  if mode in ("reflect", "symmetric"):
    return _pad_reflect(array, widths, mode, kwargs.get("reflect_type", "even"))
  if mode == "linear_ramp":
    end_values = kwargs.get("end_values", 0)
    if _is_traced(end_values):
      raise ValueError("jnp.pad: end_values must be static (concrete) values, got a traced "
                       "value.")
    return _pad_linear_ramp(array, widths, _pairs(end_values, array.ndim, "end_values",
                                                  integral=False))
  stat_length = kwargs.get("stat_length")
  if _is_traced(stat_length):
    raise ValueError("jnp.pad: stat_length must be static, got a traced value.")
  if stat_length is not None:
    stat_length = _pairs(stat_length, array.ndim, "stat_length")
  return _pad_stats(array, widths, stat_length, mode)


def _cast_value(value, dtype):
  """A constant pad value converted as JAX converts it: a Python or NumPy scalar goes through
  NumPy's cast (so 1.7 pads an int32 array with 1)."""
  value = asarray_or_scalar(value)
  if dtypes.issubdtype(dtype, np.complexfloating) or not dtypes.issubdtype(
      value.dtype, np.complexfloating):
    return value
  return ufuncs.real(value)


# ------------------------------------------------------------------------------------------------
# Repeating


def _repeat_index(repeats, total: int):
  """For each of `total` outputs, the position of the input it copies: the number of cumulative
  repeat counts at or below the output position (past the end: the last input)."""
  index_dtype = dtypes.default_int_dtype()
  n = repeats.shape[0]
  repeats = structural.convert_element_type(repeats, index_dtype)
  # Inclusive cumulative sums by a lower-triangular mask (repeat vectors are short).
  below = _triangle_mask(n, n, 0, lower=True)
  ends = lax.reduce_sum(lax.select(below, lax.broadcast_in_dim(repeats, (n, n), (1,)),
                                   lax.full((n, n), 0, index_dtype)), (1,))
  positions = lax.broadcasted_iota(index_dtype, (total, n), 0)
  passed = ufuncs.less_equal(lax.broadcast_in_dim(ends, (total, n), (1,)), positions)
  index = lax.reduce_sum(structural.convert_element_type(passed, index_dtype), (1,))
  return ufuncs.minimum(index, Array(np.array(n - 1, index_dtype)))


def repeat(a, repeats, axis: int | None = None, *, total_repeat_length: int | None = None,
           out_sharding=None):
  """Each element of `a` repeated `repeats` times (a scalar, or one count per element along
  `axis`; `a` is flattened when `axis` is None). Under jit, traced `repeats` need a static
  `total_repeat_length`: longer results repeat the last element, shorter ones are cut."""
  if out_sharding is not None:
    raise NotImplementedError("jnp.repeat: out_sharding is not supported (pyjax has one device).")
  check_arraylike("repeat", a, repeats)
  a = asarray_or_scalar(a)
  if axis is None:
    a, axis = ravel(a), 0
  axis = canonicalize_axis(axis, a.ndim)
  n = a.shape[axis]
  traced = _is_traced(repeats)
  if total_repeat_length is None and traced:
    raise errors.ConcretizationTypeError(
        repeats, "When jit-compiling jnp.repeat, the total number of repeats must be static. To "
                 "fix this, either specify a static value for `repeats`, or pass a static value "
                 "to `total_repeat_length`.")
  if not traced:
    counts = np.asarray(core.concrete_or_error(None, repeats))
    if not np.issubdtype(counts.dtype, np.integer) and counts.dtype != np.bool_:
      raise TypeError(f"jnp.repeat: repeats must be integers, got {counts!r}")
    if counts.ndim > 1 or (counts.ndim == 1 and counts.shape[0] not in (1, n)):
      raise ValueError(f"jnp.repeat: repeats must be a scalar or have one count per element "
                       f"along axis {axis} ({n}), got shape {counts.shape}")
    if (counts < 0).any():
      raise ValueError(f"jnp.repeat: repeats may not contain negative values, got {counts}")
    if counts.size == 1 and total_repeat_length is None:
      count = int(counts.reshape(()))
      shape = list(a.shape)
      expanded = lax.broadcast_in_dim(a, (*shape[:axis + 1], count, *shape[axis + 1:]),
                                      tuple(d if d <= axis else d + 1 for d in range(a.ndim)))
      shape[axis] *= count
      return lax.reshape(expanded, tuple(shape))
    total = int(np.broadcast_to(counts, (n,)).sum()) if total_repeat_length is None else \
        total_repeat_length
    repeats = Array(np.broadcast_to(counts, (n,)).astype(dtypes.default_int_dtype()))
  else:
    total = total_repeat_length
    repeats = asarray_or_scalar(repeats)
    if repeats.ndim > 1 or (repeats.ndim == 1 and repeats.shape[0] not in (1, n)):
      raise ValueError(f"jnp.repeat: repeats must be a scalar or have one count per element "
                       f"along axis {axis} ({n}), got shape {repeats.shape}")
    if repeats.shape != (n,):
      repeats = lax.broadcast_in_dim(lax.reshape(repeats, ()), (n,), ())
  total = operator.index(total)
  if n == 0 or total == 0:
    shape = list(a.shape)
    shape[axis] = total if n else 0
    return lax.full_like(a, 0, shape=tuple(shape))
  return _take(a, _repeat_index(repeats, total), axis)


# ------------------------------------------------------------------------------------------------
# Vandermonde matrices and bit packing


def vander(x, N: int | None = None, increasing: bool = False):
  """The matrix of powers of the vector `x`: columns x**(N-1), ..., x**0 (or increasing)."""
  x = _as_array("vander", x)
  if x.ndim != 1:
    raise ValueError("x must be a one-dimensional array")
  N = x.shape[0] if N is None else _static_int(N, "in jax.numpy.vander argument `N`")
  if N < 0:
    raise ValueError("N must be nonnegative")
  if x.dtype == np.bool_:
    raise TypeError("iota does not accept dtype bool. Accepted dtypes are subtypes of integer, "
                    "floating, complexfloating.")
  powers = lax.iota(x.dtype, N)
  if not increasing:
    powers = lax.rev(powers, (0,))
  return ufuncs.power(lax_numpy.expand_dims(x, 1), lax_numpy.expand_dims(powers, 0))


def _bit_weights(bitorder: str):
  if bitorder not in ("little", "big"):
    raise ValueError("'order' must be either 'little' or 'big'")
  shifts = np.arange(8, dtype=np.uint8)
  return shifts if bitorder == "little" else shifts[::-1].copy()


def packbits(a, axis: int | None = None, bitorder: str = "big"):
  """The elements of `a` as bits (nonzero is 1), packed eight to a uint8 along `axis` (the
  flattened array when None), zero-padded at the end."""
  a = _as_array("packbits", a)
  if not (dtypes.issubdtype(a.dtype, np.integer) or a.dtype == np.bool_):
    raise TypeError("Expected an input array of integer or boolean data type")
  shifts = _bit_weights(bitorder)
  bits = structural.convert_element_type(ufuncs.not_equal(a, 0), np.uint8)
  if axis is None:
    bits, axis = ravel(bits), 0
  axis = canonicalize_axis(axis, bits.ndim)
  remainder = bits.shape[axis] % 8
  if remainder:
    widths = [(0, 0, 0)] * bits.ndim
    widths[axis] = (0, 8 - remainder, 0)
    bits = lax.pad(bits, np.uint8(0), tuple(widths))
  shape = list(bits.shape)
  grouped = lax.reshape(bits, (*shape[:axis], shape[axis] // 8, 8, *shape[axis + 1:]))
  weights = lax.broadcast_in_dim(Array(shifts), grouped.shape, (axis + 1,))
  # Bits in different positions never overlap, so the sum of the shifted bits is their OR.
  return lax.reduce_sum(ufuncs.left_shift(grouped, weights), (axis + 1,))


def unpackbits(a, axis: int | None = None, count: int | None = None, bitorder: str = "big"):
  """The bits of the uint8 array `a` as a uint8 array of 0s and 1s, eight per element along
  `axis` (flattened when None); `count` keeps that many bits (negative: drops from the end,
  more than available: zero-pads)."""
  a = _as_array("unpackbits", a)
  if a.dtype != np.uint8:
    raise TypeError("Expected an input array of unsigned byte data type")
  shifts = _bit_weights(bitorder)
  if axis is None:
    a, axis = ravel(a), 0
  axis = canonicalize_axis(axis, a.ndim)
  expanded = lax_numpy.expand_dims(a, axis + 1)
  shape = list(expanded.shape)
  shape[axis + 1] = 8
  weights = lax.broadcast_in_dim(Array(shifts), tuple(shape), (axis + 1,))
  bits = ufuncs.bitwise_and(ufuncs.right_shift(lax.broadcast_in_dim(
      expanded, tuple(shape), tuple(range(len(shape)))), weights), np.uint8(1))
  out_shape = list(a.shape)
  out_shape[axis] *= 8
  bits = lax.reshape(bits, tuple(out_shape))
  if count is not None:
    count = operator.index(count)
    size = out_shape[axis]
    keep = count if count >= 0 else max(size + count, 0)
    if keep <= size:
      bits = lax.slice_in_dim(bits, 0, keep, axis=axis)
    else:
      widths = [(0, 0, 0)] * bits.ndim
      widths[axis] = (0, keep - size, 0)
      bits = lax.pad(bits, np.uint8(0), tuple(widths))
  return bits
