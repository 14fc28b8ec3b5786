"""Index helpers of `jax.numpy`: take and friends, index grids and index arithmetic.

They are built on advanced indexing (`x[idx]`, `x.at[idx]`), so each is one gather or scatter.
Functions that NumPy runs in place take `inplace=False` as JAX requires (JAX arrays are
immutable) and raise JAX's error otherwise.
"""
from __future__ import annotations

import operator
from typing import Callable, Sequence

import numpy as np

from pyjax._src import dtypes, errors
from pyjax._src.core import Tracer
from pyjax._src.lax import lax
from pyjax._src.numpy import creation, lax_numpy, manipulation, sorting, ufuncs
from pyjax._src.numpy.indexing import getitem
from pyjax._src.numpy.util import asarray_or_scalar, canonicalize_axis, check_arraylike

__all__ = ["c_", "choose", "compress", "diag_indices", "diag_indices_from", "extract",
           "fill_diagonal", "index_exp", "indices", "ix_", "mask_indices", "mgrid", "ogrid",
           "place", "put", "put_along_axis", "r_", "ravel_multi_index", "s_", "take",
           "take_along_axis", "tril_indices", "tril_indices_from", "triu_indices",
           "triu_indices_from", "unravel_index"]


def _inplace_error(name: str, separator: str = " ") -> ValueError:
  return ValueError(f"jax.numpy.{name} cannot modify arrays in-place, because JAX arrays"
                    f"{separator}are immutable. Pass inplace=False to instead return an updated "
                    "array.")


def _concrete(x, message: str):
  """The NumPy value of `x`, or JAX's ConcretizationTypeError-style error for a tracer."""
  if isinstance(x, Tracer):
    value = x.to_concrete_value()
    if value is None:
      raise errors.ConcretizationTypeError(x, message)
    return np.asarray(value)
  return np.asarray(x)


def _tile_to_size(x, size: int):
  """`x` (1-D) repeated or cut to `size` elements (NumPy's rule for `put` and `place`)."""
  n = x.shape[0]
  if n == size:
    return x
  reps = -(-size // n)
  return lax.slice(lax_numpy.concatenate([x] * reps), (0,), (size,)) if reps > 1 else lax.slice(
      x, (0,), (size,))


# ------------------------------------------------------------------------------------------------
# Reading and writing by index


def take(a, indices, axis: int | None = None, out=None, mode: str | None = None,
         unique_indices: bool = False, indices_are_sorted: bool = False, fill_value=None):
  """Elements of `a` at `indices` along `axis` (the flattened array if None). Out-of-bounds
  indices follow `mode`: "fill" (the default: NaN, the integer minimum, or `fill_value`), "clip"
  or "wrap"; negative indices count from the end."""
  check_arraylike("take", a, indices)
  if out is not None:
    raise NotImplementedError("The 'out' argument to jnp.take is not supported.")
  a, indices = asarray_or_scalar(a), asarray_or_scalar(indices)
  if indices.dtype == np.bool_:  # as in JAX, booleans index as 0 and 1 (not as a mask)
    indices = lax.convert_element_type(indices, np.int32)
  if not dtypes.issubdtype(indices.dtype, np.integer):
    raise TypeError(f"take: indices must be integer typed, got {indices.dtype}")
  if axis is None:
    a, axis = lax_numpy.ravel(a), 0
  axis = canonicalize_axis(axis, a.ndim)
  if mode is None or mode == "fill":
    gather_mode = "fill"
  elif mode == "raise":
    raise NotImplementedError("The 'raise' mode to jnp.take is not supported.")
  elif mode == "wrap":
    indices, gather_mode = ufuncs.remainder(indices, np.asarray(a.shape[axis], indices.dtype)), \
        "promise_in_bounds"
  elif mode == "clip":
    gather_mode = "clip"
  else:
    raise ValueError(f"Invalid mode '{mode}' for np.take")
  if a.shape[axis] == 0 and indices.size:
    raise IndexError("Cannot do a non-empty jnp.take() from an empty axis.")
  idx = (slice(None),) * axis + (indices,)
  if indices.ndim == 0:
    idx = (slice(None),) * axis + (indices[None],)
    out = getitem(a, idx, gather_mode, fill_value, True, unique_indices, indices_are_sorted)
    return lax.squeeze(out, (axis,))
  return getitem(a, idx, gather_mode, fill_value, True, unique_indices, indices_are_sorted)


def _along_axis_index(arr_shape, indices, axis: int, name: str):
  """The advanced index reading `indices` along `axis`, the other axes broadcast with it."""
  if indices.ndim != len(arr_shape):
    raise ValueError("indices and arr must have the same number of dimensions; "
                     f"{indices.ndim} vs. {len(arr_shape)}")
  shape = []
  for d, (n, m) in enumerate(zip(arr_shape, indices.shape)):
    if d == axis:
      shape.append(m)
    elif n == m or m == 1 or n == 1:
      shape.append(max(n, m) if 1 in (n, m) else n)
    else:
      raise ValueError(f"{name}: indices shape {indices.shape} does not broadcast with arr "
                       f"shape {tuple(arr_shape)} outside axis {axis}")
  idx = []
  for d in range(len(arr_shape)):
    if d == axis:
      idx.append(lax_numpy.broadcast_to(indices, shape))
    else:
      grid = [1] * len(arr_shape)
      grid[d] = arr_shape[d]
      size = arr_shape[d] if arr_shape[d] == shape[d] else 1
      grid[d] = size
      idx.append(np.arange(size).reshape(grid))
  return tuple(idx), tuple(shape)


def take_along_axis(arr, indices, axis: int | None = -1, mode=None, fill_value=None, *,
                    wrap_negative_indices: bool | None = None):
  """`arr` read at `indices` along `axis`, matched elementwise with the other axes (which
  broadcast). `mode` (default "fill") and `fill_value` treat out-of-bounds indices as `take`
  does; negative indices count from the end unless `wrap_negative_indices=False`."""
  check_arraylike("take_along_axis", arr, indices)
  arr, indices = asarray_or_scalar(arr), asarray_or_scalar(indices)
  if not dtypes.issubdtype(indices.dtype, np.integer):
    raise TypeError(f"take_along_axis indices must be of integer type, got {indices.dtype}")
  if axis is None:
    if indices.ndim != 1:
      raise ValueError(f"when axis=None, `indices` must have a single dimension, got "
                       f"indices.shape={indices.shape}")
    arr, axis = lax_numpy.ravel(arr), 0
  axis = canonicalize_axis(axis, arr.ndim)
  idx, _ = _along_axis_index(arr.shape, indices, axis, "take_along_axis")
  wrap = True if wrap_negative_indices is None else wrap_negative_indices
  return getitem(arr, idx, "fill" if mode is None else mode, fill_value, wrap)


def put_along_axis(arr, indices, values, axis: int | None, inplace: bool = True, *,
                   mode: str | None = None):
  """`arr` with `values` written at `indices` along `axis` (JAX needs `inplace=False`)."""
  if inplace:
    raise _inplace_error("put_along_axis", separator="")
  check_arraylike("put_along_axis", arr, indices, values)
  arr, indices = asarray_or_scalar(arr), asarray_or_scalar(indices)
  original_shape = arr.shape
  if axis is None:
    if indices.ndim != 1:
      raise ValueError(f"when axis=None, `indices` must have a single dimension, got "
                       f"indices.shape={indices.shape}")
    arr, axis = lax_numpy.ravel(arr), 0
  axis = canonicalize_axis(axis, arr.ndim)
  idx, shape = _along_axis_index(arr.shape, indices, axis, "put_along_axis")
  values = lax_numpy.broadcast_to(asarray_or_scalar(values), shape)
  return lax_numpy.reshape(arr.at[idx].set(values, mode=mode), original_shape)


def put(a, ind, v, mode: str | None = None, *, inplace: bool = True):
  """`a` with the flat positions `ind` set to `v` (repeated or cut to the length of `ind`).
  Out-of-bounds positions are dropped, or handled by `mode` ("clip" or "wrap")."""
  if inplace:
    raise _inplace_error("put")
  check_arraylike("put", a, ind, v)
  a = asarray_or_scalar(a)
  ind = lax_numpy.ravel(asarray_or_scalar(ind))
  v = lax_numpy.ravel(asarray_or_scalar(v))
  if not a.size or not ind.size or not v.size:
    return a
  v = _tile_to_size(v, ind.shape[0])
  if mode is None:
    scatter_mode = "drop"
  elif mode == "clip":
    ind, scatter_mode = lax_numpy.clip(ind, 0, a.size - 1), "promise_in_bounds"
  elif mode == "wrap":
    ind = ufuncs.remainder(ind, np.asarray(a.size).astype(ind.dtype))
    scatter_mode = "promise_in_bounds"
  elif mode == "raise":
    raise NotImplementedError("The 'raise' mode to jnp.put is not supported.")
  else:
    raise ValueError(f"mode should be one of 'wrap' or 'clip'; got mode={mode!r}")
  # As in JAX, the flat positions become coordinates by `unravel_index`, which clamps them:
  # with the default mode an out-of-bounds position writes the last element.
  return a.at[unravel_index(ind, a.shape)].set(v, mode=scatter_mode)


def place(arr, mask, vals, *, inplace: bool = True):
  """`arr` with the positions where `mask` is True set to `vals` in order (repeated as
  needed). Works under jit: the positions are found with a fixed-size `nonzero`."""
  check_arraylike("place", arr, mask, vals)
  arr, mask = asarray_or_scalar(arr), asarray_or_scalar(mask)
  vals = lax_numpy.ravel(asarray_or_scalar(vals))
  if inplace:
    raise _inplace_error("place")
  if arr.size != mask.size:
    raise ValueError("place: arr and mask must be the same size")
  if not vals.size:
    raise ValueError("Cannot place values from an empty array")
  if not arr.size:
    return arr
  positions = sorting.nonzero(lax_numpy.ravel(mask), size=mask.size, fill_value=mask.size)[0]
  vals = _tile_to_size(vals, positions.shape[0])
  flat = lax_numpy.ravel(arr).at[positions].set(vals, mode="drop")
  return lax_numpy.reshape(flat, arr.shape)


def choose(a, choices, out=None, mode: str = "raise"):
  """Elementwise choice: `choices[a[i]][i]` (all broadcast together). `mode` "raise" (needs a
  concrete `a`), "wrap" or "clip" says what out-of-range choices do."""
  if out is not None:
    raise NotImplementedError("The 'out' argument to jnp.choose is not supported.")
  check_arraylike("choose", a, *choices)
  a = asarray_or_scalar(a)
  if not dtypes.issubdtype(a.dtype, np.integer):
    raise ValueError("`a` array must be integer typed")
  n = len(choices)
  if mode == "raise":
    value = _concrete(a, "The error occurred because jnp.choose was jit-compiled with "
                         "mode='raise'. Use mode='wrap' or mode='clip' instead.")
    if np.any((value < 0) | (value >= n)):
      raise ValueError("invalid entry in choice array")
  elif mode == "wrap":
    a = ufuncs.remainder(a, np.asarray(n).astype(a.dtype))
  elif mode == "clip":
    a = lax_numpy.clip(a, 0, n - 1)
  else:
    raise ValueError(f"mode={mode!r} not understood. Must be 'raise', 'wrap', or 'clip'")
  a, *choices = lax_numpy.broadcast_arrays(a, *choices)
  stacked = lax_numpy.stack(choices)
  return stacked[(a,) + indices(a.shape, sparse=True)]


def compress(condition, a, axis: int | None = None, *, size: int | None = None, fill_value=0,
             out=None):
  """The slices of `a` along `axis` (flattened if None) where `condition` is True. With `size`
  the result has that many slices (padded with `fill_value`), so it works under jit."""
  check_arraylike("compress", condition, a, fill_value)
  if out is not None:
    raise NotImplementedError("The 'out' argument to jnp.compress is not supported.")
  condition = asarray_or_scalar(condition).astype(bool)
  a = asarray_or_scalar(a)
  if condition.ndim != 1:
    raise ValueError("condition must be a 1D array")
  if axis is None:
    a, axis = lax_numpy.ravel(a), 0
  else:
    axis = canonicalize_axis(axis, a.ndim)
  a = lax_numpy.moveaxis(a, axis, 0)
  length = a.shape[0]
  extra = condition[length:]
  condition = condition[:length]
  a = a[:condition.shape[0]]
  if size is None:
    if extra.size and np.any(_concrete(extra, "jnp.compress needs a concrete condition; pass "
                                              "`size` to use it under jit.")):
      raise ValueError("condition contains entries that are out of bounds")
    result = a[condition]
  else:
    if not 0 <= size <= a.shape[0]:
      raise ValueError("size must be positive and not greater than the size of the array axis;"
                       f" got size={size} for a.shape[axis]={a.shape[0]}")
    mask = lax_numpy.expand_dims(condition, tuple(range(1, a.ndim)))
    a = lax_numpy.where(mask, a, creation.asarray(fill_value, dtype=a.dtype))
    order = sorting.argsort(condition, stable=True, descending=True)
    result = a[order][:size]
  return lax_numpy.moveaxis(result, 0, axis)


def extract(condition, arr, *, size: int | None = None, fill_value=0):
  """The elements of `arr` where `condition` is True, flattened (see `compress`)."""
  check_arraylike("extract", condition, arr, fill_value)
  return compress(lax_numpy.ravel(condition), lax_numpy.ravel(arr), size=size,
                  fill_value=fill_value)


def fill_diagonal(a, val, wrap: bool = False, *, inplace: bool = True):
  """`a` with its main diagonal set to `val` (repeated as needed). `wrap=True` (NumPy's
  restart of the diagonal of a tall matrix) is not supported, as in JAX."""
  if inplace:
    raise NotImplementedError("JAX arrays are immutable, must use inplace=False")
  if wrap:
    raise NotImplementedError("wrap=True is not implemented, must use wrap=False")
  check_arraylike("fill_diagonal", a, val)
  a = asarray_or_scalar(a)
  val = lax_numpy.ravel(asarray_or_scalar(val))
  if a.ndim < 2:
    raise ValueError("array must be at least 2-d")
  if a.ndim > 2 and len(set(a.shape)) != 1:
    raise ValueError("All dimensions of input must be of equal length")
  n = min(a.shape)
  positions = (np.arange(n),) * a.ndim
  size = len(positions[0])
  if not size or not val.size:
    return a
  return a.at[positions].set(_tile_to_size(val, size))


# ------------------------------------------------------------------------------------------------
# Index arithmetic


def ravel_multi_index(multi_index: Sequence, dims: Sequence[int], mode: str = "raise",
                      order: str = "C", *, dtype=None):
  """Flat indices of the coordinate arrays `multi_index` in an array of shape `dims`. `mode`:
  "raise" (needs concrete coordinates), "wrap" or "clip"."""
  if len(multi_index) != len(dims):
    raise ValueError(f"parameter multi_index must be a sequence of length {len(dims)}")
  dims = tuple(operator.index(d) for d in dims)
  check_arraylike("ravel_multi_index", *multi_index)
  coords = [asarray_or_scalar(i) for i in multi_index]
  for c in coords:
    if not dtypes.issubdtype(c.dtype, np.integer):
      raise TypeError("only int indices permitted")
  if mode == "raise":
    for c, d in zip(coords, dims):
      value = _concrete(c, "The error occurred because ravel_multi_index was jit-compiled with "
                           "mode='raise'. Use mode='wrap' or mode='clip' instead.")
      if np.any((value < 0) | (value >= d)):
        raise ValueError("invalid entry in coordinates array")
  elif mode == "clip":
    coords = [lax_numpy.clip(c, 0, d - 1) for c, d in zip(coords, dims)]
  elif mode == "wrap":
    coords = [ufuncs.remainder(c, np.asarray(d).astype(c.dtype)) for c, d in zip(coords, dims)]
  else:
    raise ValueError(f"invalid mode={mode!r}. Expected 'raise', 'wrap', or 'clip'")
  if order == "F":
    coords, dims = coords[::-1], dims[::-1]
  elif order != "C":
    raise ValueError(f"invalid order={order!r}. Expected 'C' or 'F'")
  # As in JAX, the coordinates' promoted type unless `dtype` is given.
  if dtype is None:
    dtype = dtypes.result_type(*coords) if coords else dtypes.default_int_dtype()
  dtype = dtypes.canonicalize_dtype(dtype)
  result = creation.asarray(0, dtype)
  stride = 1
  for c, d in zip(coords[::-1], dims[::-1]):
    result = result + c.astype(dtype) * np.asarray(stride, dtype)
    stride *= d
  return result


def unravel_index(indices, shape: Sequence[int]):
  """The coordinate arrays of the flat `indices` in an array of `shape`. As in JAX, negative
  indices count from the end and out-of-range ones are clamped."""
  check_arraylike("unravel_index", indices)
  indices = asarray_or_scalar(indices)
  shape = tuple(operator.index(d) for d in shape)
  if not dtypes.issubdtype(indices.dtype, np.integer):
    raise TypeError("Only integer arrays are supported for unravel_index; got "
                    f"{indices.dtype}")
  try:
    size = int(np.prod(shape, dtype=np.int64))
  except OverflowError:
    size = None
  if size is not None and size:
    dtype = indices.dtype
    wrapped = lax_numpy.where(indices < 0, indices + np.asarray(size).astype(dtype), indices)
    indices = lax_numpy.clip(wrapped, 0, size - 1)
  coords = []
  for d in shape[::-1]:
    coords.append(ufuncs.remainder(indices, np.asarray(d).astype(indices.dtype)) if d else
                  indices)
    if d:
      indices = ufuncs.floor_divide(indices, np.asarray(d).astype(indices.dtype))
  return tuple(coords[::-1])


def ix_(*args):
  """Open-mesh index arrays: the i-th 1-D argument shaped to vary along axis i only (boolean
  arguments become the positions of their True entries)."""
  check_arraylike("ix", *args)
  out = []
  for i, a in enumerate(args):
    a = asarray_or_scalar(a)
    if a.ndim != 1:
      raise ValueError(f"Arguments to jax.numpy.ix_ must be 1-dimensional, got shape {a.shape}")
    if a.dtype == np.bool_:
      raise TypeError("Boolean arguments to jax.numpy.ix_ are not supported.")
    shape = [1] * len(args)
    shape[i] = a.shape[0]
    out.append(lax_numpy.reshape(a, shape))
  return tuple(out)


def indices(dimensions: Sequence[int], dtype=None, sparse: bool = False):
  """The index grid of an array of shape `dimensions`: stacked (dense) or as a tuple of arrays
  each varying along one axis (`sparse`)."""
  dimensions = tuple(operator.index(d) for d in dimensions)
  dtype = dtypes.canonicalize_dtype(dtype or dtypes.default_int_dtype())
  grids = []
  for i, n in enumerate(dimensions):
    shape = [1] * len(dimensions)
    shape[i] = n
    grid = lax.broadcasted_iota(dtype, tuple(shape), i)
    grids.append(grid if sparse else lax.broadcast_in_dim(
        grid, dimensions, tuple(range(len(dimensions)))))
  if sparse:
    return tuple(grids)
  if not grids:
    return creation.zeros((0,), dtype)
  return lax_numpy.stack(grids)


def diag_indices(n: int, ndim: int = 2):
  """The indices of the main diagonal of an `n`-by-...-by-`n` array of rank `ndim`."""
  n, ndim = operator.index(n), operator.index(ndim)
  if n < 0:
    raise ValueError(f"n argument to diag_indices must be nonnegative, got {n}")
  if ndim < 0:
    raise ValueError(f"ndim argument to diag_indices must be nonnegative, got {ndim}")
  return (lax.iota(dtypes.default_int_dtype(), n),) * ndim


def diag_indices_from(arr):
  """`diag_indices` for the (square, at least 2-d) array `arr`."""
  check_arraylike("diag_indices_from", arr)
  shape = np.shape(arr) if not isinstance(arr, (Tracer,)) else arr.shape
  if len(shape) < 2:
    raise ValueError("input array must be at least 2-d")
  if len(set(shape)) != 1:
    raise ValueError("All dimensions of input must be of equal length")
  return diag_indices(shape[0], len(shape))


def _triangle_indices(n: int, k: int, m: int | None, lower: bool):
  n, k = operator.index(n), operator.index(k)
  m = n if m is None else operator.index(m)
  rows, cols = np.tril_indices(n, k, m) if lower else np.triu_indices(n, k, m)
  dtype = dtypes.default_int_dtype()
  return creation.asarray(rows.astype(dtype)), creation.asarray(cols.astype(dtype))


def tril_indices(n: int, k: int = 0, m: int | None = None):
  """Row and column indices of the lower triangle (on and below diagonal `k`) of an `n`-by-`m`
  array."""
  return _triangle_indices(n, k, m, lower=True)


def triu_indices(n: int, k: int = 0, m: int | None = None):
  """Row and column indices of the upper triangle (on and above diagonal `k`)."""
  return _triangle_indices(n, k, m, lower=False)


def _shape_2d(name: str, arr) -> tuple:
  shape = getattr(arr, "shape", None)
  shape = np.shape(arr) if shape is None else shape
  if len(shape) != 2:
    raise ValueError(f"jax.numpy.{name} requires a 2-dimensional array, got shape={shape}")
  return shape


def tril_indices_from(arr, k: int = 0):
  """`tril_indices` for the shape of the 2-d `arr`."""
  n, m = _shape_2d("tril_indices_from", arr)
  return tril_indices(n, k, m)


def triu_indices_from(arr, k: int = 0):
  """`triu_indices` for the shape of the 2-d `arr`."""
  n, m = _shape_2d("triu_indices_from", arr)
  return triu_indices(n, k, m)


def mask_indices(n: int, mask_func: Callable, k: int = 0, *, size: int | None = None):
  """The indices where `mask_func(ones((n, n)), k)` is nonzero (e.g. `jnp.triu`); `size` fixes
  the number of indices so it works under jit."""
  mask = mask_func(creation.ones((n, n), bool), k)
  return sorting.nonzero(mask, size=size)


# ------------------------------------------------------------------------------------------------
# Index expressions and grids: r_, c_, s_, index_exp, mgrid, ogrid


class _IndexExpression:
  """`s_[...]` / `index_exp[...]`: the index expression itself (a tuple for `index_exp`)."""

  def __init__(self, maketuple: bool):
    self.maketuple = maketuple

  def __getitem__(self, item):
    if self.maketuple and not isinstance(item, tuple):
      return (item,)
    return item


s_ = _IndexExpression(maketuple=False)
index_exp = _IndexExpression(maketuple=True)


def _grid_axis(entry: slice):
  """A slice of `mgrid`/`ogrid` as a 1-D array: a complex step is a number of points (ends
  included), a real one a stride."""
  start = 0 if entry.start is None else entry.start
  step = 1 if entry.step is None else entry.step
  stop = entry.stop
  for bound in (start, stop, step):
    if isinstance(bound, Tracer):
      _concrete(bound, "mgrid/ogrid need concrete slice bounds.")
  if np.iscomplexobj(step):
    count = int(abs(step))
    return creation.linspace(start, stop, count, endpoint=True)
  return creation.arange(start, stop, step)


class _Grid:
  def __init__(self, sparse: bool):
    self.sparse = sparse

  def __getitem__(self, key):
    if isinstance(key, slice):
      return _grid_axis(key)
    axes = [_grid_axis(k) for k in key]
    dtype = dtypes.result_type(*axes)
    axes = [a.astype(dtype) for a in axes]
    grids = manipulation.meshgrid(*axes, indexing="ij", sparse=self.sparse)
    return tuple(grids) if self.sparse else lax_numpy.stack(grids)


mgrid = _Grid(sparse=False)
ogrid = _Grid(sparse=True)


class _Concatenator:
  """`r_` and `c_`: concatenate slices (as ranges), scalars and arrays along an axis. A leading
  string sets the axis, the minimum rank and where 1-d pieces go ("axis,ndmin,trans1d"), or
  "r"/"c" for a row or column matrix result."""

  def __init__(self, axis: int, ndmin: int, trans1d: int):
    self.axis, self.ndmin, self.trans1d = axis, ndmin, trans1d

  def __getitem__(self, key):
    if not isinstance(key, tuple):
      key = (key,)
    axis, ndmin, trans1d, matrix = self.axis, self.ndmin, self.trans1d, None
    if key and isinstance(key[0], str):
      directive, key = key[0], key[1:]
      if directive in ("r", "c"):
        matrix = directive
      else:
        try:
          parts = [int(p) for p in directive.split(",")]
        except ValueError:
          raise ValueError(f"could not understand directive {directive!r}") from None
        if len(parts) > 3:
          raise ValueError(f"could not understand directive {directive!r}")
        axis = parts[0]
        if len(parts) > 1:
          ndmin = parts[1]
        if len(parts) > 2:
          trans1d = parts[2]
    pieces = []
    for item in key:
      if isinstance(item, slice):
        piece = _grid_axis(item)
      elif isinstance(item, str):
        raise ValueError("string directive must be placed at the beginning")
      else:
        piece = creation.array(item, copy=False)
      pieces.append(self._promote_rank(piece, ndmin, trans1d))
    if not pieces:
      return creation.zeros((0,))
    result = lax_numpy.concatenate(pieces, axis=axis)
    if matrix is not None:
      result = lax_numpy.reshape(result, (1, -1) if matrix == "r" else (-1, 1))
    return result

  @staticmethod
  def _promote_rank(piece, ndmin: int, trans1d: int):
    """NumPy's rule: leading 1s up to rank `ndmin`; with `trans1d` set, the piece's own axes
    move so that they start at axis `trans1d` (counted from the end if negative)."""
    if piece.ndim >= ndmin:
      return piece
    original = piece.ndim
    piece = lax_numpy.reshape(piece, (1,) * (ndmin - original) + piece.shape)
    if trans1d != -1:
      added = ndmin - original
      first = trans1d + added + 1 if trans1d < 0 else trans1d
      axes = list(range(ndmin))
      piece = lax_numpy.transpose(piece, axes[:first] + axes[added:] + axes[first:added])
    return piece


r_ = _Concatenator(axis=0, ndmin=1, trans1d=-1)
c_ = _Concatenator(axis=-1, ndmin=2, trans1d=0)
