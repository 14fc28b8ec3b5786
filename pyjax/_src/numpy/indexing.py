"""NumPy basic indexing of pyjax arrays (`x[idx]`) and the functional updates behind `x.at[idx]`.

A basic index selects a strided box of the array: every array dimension is either hit by one
integer or by a slice, and `None` entries add size-1 dimensions to the result. Reading the box is
`slice` (or `dynamic_slice` when an integer index is an array or tracer), then `rev` for negative
steps, `squeeze` for integer indices and `broadcast_in_dim` for `None`s: the same staged program
as JAX. Writing the box needs no scatter: the new values are `pad`ded out to the array's shape and
chosen with `select_n` under a mask padded the same way.

JAX's out-of-bounds conventions hold: reads clamp an integer index into range, updates drop it.

An advanced index (integer or boolean arrays, lists) becomes one `gather` (reads) or `scatter`
(updates), with NumPy's placement of the advanced dimensions, as JAX stages it; see
`_advanced_plan`.
"""
from __future__ import annotations

import dataclasses
import operator
import warnings
from typing import Any, Callable, Sequence

import numpy as np

from pyjax._src import core, dtypes, errors
from pyjax._src.array import Array
from pyjax._src.config import config
from pyjax._src.core import Tracer
from pyjax._src.lax import lax, slicing, structural
from pyjax._src.lax.utils import check_dtype
from pyjax._src.numpy import creation, lax_numpy, ufuncs
from pyjax._src.numpy.util import asarray_or_scalar

# ------------------------------------------------------------------------------------------------
# Parsing an index


@dataclasses.dataclass(frozen=True)
class _IntIndex:
  """An integer index into one dimension. `value` is what the user wrote (a Python or NumPy
  integer, or a 0-d integer array or tracer); `position` is its place in [0, size) when that is
  known statically, else None (a traced index, or a static one out of bounds)."""
  value: Any
  position: int | None


@dataclasses.dataclass(frozen=True)
class _SliceIndex:
  """A slice of one dimension, as the ascending box [lo, hi) read with stride |step|: `count`
  elements, reversed afterwards when `step` is negative."""
  lo: int
  hi: int
  step: int
  count: int


@dataclasses.dataclass(frozen=True)
class _BasicIndex:
  dims: tuple  # one _IntIndex or _SliceIndex per array dimension
  newaxes: tuple[int, ...]  # positions of the `None`s in the result
  result_shape: tuple[int, ...]

  @property
  def box_shape(self) -> tuple[int, ...]:
    """The shape of the selected box, integer-indexed dimensions kept with size 1."""
    return tuple(1 if isinstance(d, _IntIndex) else d.count for d in self.dims)

  @property
  def static(self) -> bool:
    """Whether every integer index is static and in bounds (so `slice` reads the box)."""
    return all(d.position is not None for d in self.dims if isinstance(d, _IntIndex))

  @property
  def statically_out_of_bounds(self) -> bool:
    """Whether some static integer index is out of bounds."""
    return any(isinstance(d, _IntIndex) and d.position is None and
               not isinstance(d.value, (Array, Tracer, np.ndarray)) for d in self.dims)


_INVALID_INDEX = ("only integers, slices (`:`), ellipsis (`...`), newaxis (`None`) and integer "
                  "or boolean arrays are valid indices. Got {}")


def _slice_bounds(entry: slice, size: int) -> _SliceIndex:
  start, stop, step = entry.indices(size)
  count = len(range(start, stop, step))
  if step > 0:
    return _SliceIndex(start, max(start, stop), step, count)
  # A descending slice reads the same elements ascending from its last one, then reverses them.
  lo = start + 1 - (count and (count - 1) * -step + 1)
  return _SliceIndex(lo, start + 1, step, count)


def _static_slice(entry: slice, position: int) -> slice:
  """`entry` with every bound a Python int (concrete 0-d integer arrays are accepted, as in JAX;
  tracers are not, since the result's shape would depend on them)."""
  bounds = []
  for bound in (entry.start, entry.stop, entry.step):
    if isinstance(bound, Tracer) and bound.to_concrete_value() is None:
      raise IndexError(f"Slice entries must be static integers. Got {entry} at position "
                       f"{position}")
    bounds.append(None if bound is None else operator.index(bound))
  return slice(*bounds)


def _classify(entry) -> str:
  """'none', 'ellipsis', 'slice', 'int' (static) or 'array' (a 0-d integer array or tracer)."""
  if entry is None:
    return "none"
  if entry is Ellipsis:
    return "ellipsis"
  if isinstance(entry, slice):
    return "slice"
  if isinstance(entry, (bool, np.bool_)):
    raise IndexError(_INVALID_INDEX.format(entry))
  if isinstance(entry, (int, np.integer)):
    return "int"
  if isinstance(entry, str):
    raise TypeError(f"JAX does not support string indexing; got idx={entry!r}")
  if isinstance(entry, (float, complex, np.inexact)):
    raise TypeError("Indexer must have integer or boolean type, got indexer with type "
                    f"{np.result_type(entry).name}")
  if isinstance(entry, (Array, Tracer, np.ndarray)):
    dtype = entry.dtype
    if dtype == np.bool_:
      if isinstance(entry, Tracer) and entry.to_concrete_value() is None:
        raise errors.NonConcreteBooleanIndexError(entry)
      raise IndexError(_INVALID_INDEX.format(entry))
    if not dtypes.issubdtype(dtype, np.integer):
      raise TypeError(f"Indexer must have integer or boolean type, got indexer with type "
                      f"{np.dtype(dtype).name}")
    if entry.ndim:
      raise IndexError(_INVALID_INDEX.format(entry))
    return "array"
  if isinstance(entry, Sequence):
    raise IndexError(_INVALID_INDEX.format(entry))
  raise IndexError(_INVALID_INDEX.format(entry))


def _parse_index(shape: tuple[int, ...], idx, wrap_negative: bool = True) -> _BasicIndex:
  """The box `idx` selects. With `wrap_negative` False a negative integer index is out of
  bounds instead of counting from the end."""
  if not isinstance(idx, tuple):
    if isinstance(idx, Sequence) and not isinstance(idx, str):
      raise TypeError("Using a non-tuple sequence for multidimensional indexing is not allowed; "
                      "use `arr[array(seq)]` instead of `arr[seq]`. See "
                      "https://github.com/jax-ml/jax/issues/4564 for more information.")
    idx = (idx,)
  idx = tuple(entry.__jax_array__() if hasattr(entry, "__jax_array__") and
              not isinstance(entry, (Array, Tracer)) else entry for entry in idx)
  kinds = [_classify(entry) for entry in idx]
  if kinds.count("ellipsis") > 1:
    raise IndexError("an index can only have a single ellipsis ('...')")
  used = sum(kind in ("slice", "int", "array") for kind in kinds)
  if used > len(shape):
    raise IndexError(f"Too many indices: array is {len(shape)}-dimensional, but {used} were "
                     "indexed")
  if "ellipsis" not in kinds:
    idx, kinds = idx + (Ellipsis,), kinds + ["ellipsis"]

  dims, newaxes, result_shape = [], [], []
  axis = 0
  for position, (entry, kind) in enumerate(zip(idx, kinds)):
    if kind == "none":
      newaxes.append(len(result_shape))
      result_shape.append(1)
    elif kind == "ellipsis":
      for _ in range(len(shape) - used):
        dims.append(_SliceIndex(0, shape[axis], 1, shape[axis]))
        result_shape.append(shape[axis])
        axis += 1
    elif kind == "slice":
      dim = _slice_bounds(_static_slice(entry, position), shape[axis])
      dims.append(dim)
      result_shape.append(dim.count)
      axis += 1
    else:
      size = shape[axis]
      in_bounds = kind == "int" and (-size if wrap_negative else 0) <= entry < size
      if kind == "int" and not in_bounds and type(entry) is int:
        dtypes.coerce_python_scalar(entry)  # JAX's OverflowError beyond the default int
      dims.append(_IntIndex(entry, int(entry) % size if in_bounds else None))
      axis += 1
  return _BasicIndex(tuple(dims), tuple(newaxes), tuple(result_shape))


# ------------------------------------------------------------------------------------------------
# Traced (or out-of-bounds) integer indices


def _start_value(value, dtype=None):
  """An index as an operand of `dynamic_slice`: Python ints become default-int constants (with
  JAX's OverflowError when out of range), NumPy values are canonicalized, and `dtype` (if given)
  is imposed, as a strongly typed value."""
  if isinstance(value, (Array, Tracer)):
    if dtype is None or (value.dtype == dtype and not value.weak_type):
      return value
    return structural.convert_element_type(value, dtype, False)
  if type(value) is int:
    value = dtypes.coerce_python_scalar(value)
  else:
    value, _ = core.canonicalize_value(value)
  return value if dtype is None else np.asarray(value).astype(dtype)


def _normalize_negative(index, size: int):
  """`index + size if index < 0 else index`, staged with lax ops (a traced index's sign is
  unknown until run time)."""
  dtype = core.get_aval(index).dtype
  if dtypes.issubdtype(dtype, np.unsignedinteger):
    return index
  negative = lax.lt(index, np.zeros((), dtype))
  strong = index
  if core.get_aval(index).weak_type:
    strong = structural.convert_element_type(index, dtype, False)
  # astype wraps a size the index dtype cannot hold, as JAX's constant does.
  wrapped = lax.add(strong, np.asarray(size).astype(dtype))
  return lax.select_n(negative, index, wrapped)


def _dynamic_starts(shape: tuple[int, ...], index: _BasicIndex, wrap_negative: bool) -> list:
  """Start indices for `dynamic_slice`/`dynamic_update_slice` reading the box of `index`, with
  negative integer indices wrapped (if `wrap_negative`). A lone index keeps its dtype; several
  are all cast to int32 (int64 only for a dimension int32 cannot index, under x64), as JAX
  does."""
  raw = [d.value if isinstance(d, _IntIndex) else d.lo for d in index.dims]
  if len(raw) == 1:
    starts = [_start_value(raw[0])]
  else:
    dtype = dtypes.canonicalize_dtype(
        np.int64 if max(shape) > np.iinfo(np.int32).max else np.int32)
    starts = [_start_value(v, dtype) for v in raw]
  if not wrap_negative:
    return starts
  return [_normalize_negative(start, size) for start, size in zip(starts, shape)]


def _dynamic_slice(arr, starts: list, sizes: list):
  # The primitive itself: the starts are already wrapped (`_normalize_negative`), so only the
  # primitive's clamping applies -- the staged program is JAX's.
  return structural.dynamic_slice_p.bind(arr, *starts, slice_sizes=tuple(sizes))


def _in_bounds(shape: tuple[int, ...], index: _BasicIndex, starts: list):
  """A boolean scalar: whether every array-valued integer index (wrapped into `starts`) is in
  bounds; True when there is none."""
  result = True
  for dim, start, size in zip(index.dims, starts, shape):
    if not isinstance(dim, _IntIndex) or not isinstance(dim.value, (Array, Tracer, np.ndarray)):
      continue
    dtype = core.get_aval(start).dtype
    ok = True
    if not dtypes.issubdtype(dtype, np.unsignedinteger):
      ok = lax.ge(start, np.zeros((), dtype))
    if size <= np.iinfo(dtype).max:
      below = lax.lt(start, np.asarray(size, dtype))
      ok = below if ok is True else lax.bitwise_and(ok, below)
    result = ok if result is True else lax.bitwise_and(result, ok)
  return result


# ------------------------------------------------------------------------------------------------
# Reading


def _finish_read(arr, index: _BasicIndex):
  """The box, read ascending, as the indexing result: reverse negative steps, drop integer-
  indexed dimensions and insert the `None`s."""
  reversed_dims = tuple(i for i, d in enumerate(index.dims)
                        if isinstance(d, _SliceIndex) and d.step < 0)
  if reversed_dims:
    arr = lax.rev(arr, reversed_dims)
  int_dims = tuple(i for i, d in enumerate(index.dims) if isinstance(d, _IntIndex))
  if int_dims:
    arr = lax.squeeze(arr, int_dims)
  if index.newaxes:
    kept = tuple(i for i in range(len(index.result_shape)) if i not in index.newaxes)
    arr = lax.broadcast_in_dim(arr, index.result_shape, kept)
  return arr


def _box_bounds(index: _BasicIndex, static_ints: bool = True):
  """(starts, limits, strides) of the box; integer dimensions contribute their static position
  when `static_ints`, else 0 (the box is then relative to a dynamic_slice of the array)."""
  starts, limits, strides = [], [], []
  for d in index.dims:
    if isinstance(d, _IntIndex):
      start = d.position if static_ints else 0
      starts.append(start)
      limits.append(start + 1)
      strides.append(1)
    else:
      start = d.lo if static_ints else 0
      starts.append(start)
      limits.append(start + d.hi - d.lo)
      strides.append(abs(d.step))
  return starts, limits, strides


def _read_box(arr, starts, limits, strides):
  shape = core.get_aval(arr).shape
  if (all(s == 0 for s in starts) and tuple(limits) == shape and all(s == 1 for s in strides)):
    return arr
  return lax.slice(arr, starts, limits, None if all(s == 1 for s in strides) else strides)


def _read_dynamic(arr, index: _BasicIndex, starts: list):
  envelope = [1 if isinstance(d, _IntIndex) else d.hi - d.lo for d in index.dims]
  arr = _dynamic_slice(arr, starts, envelope)
  # dynamic_slice has no strides; a stepped slice is cut from the envelope it read.
  arr = _read_box(arr, *_box_bounds(index, static_ints=False))
  return _finish_read(arr, index)


def _gather_mode(mode) -> str:
  """'fill', 'clip' or 'promise_in_bounds' (reads clamp in both of the latter two)."""
  return _canonical_mode(mode, default="promise_in_bounds")


def _scatter_mode(mode) -> str:
  """'fill' (out-of-bounds updates are dropped), 'clip' or 'promise_in_bounds'."""
  return _canonical_mode(mode, default="fill")


def _canonical_mode(mode, default: str) -> str:
  # Accepts JAX's strings and members of a GatherScatterMode-like enum (by name).
  name = getattr(mode, "name", mode)
  if name is None:
    return default
  canonical = {"clip": "clip", "fill": "fill", "drop": "fill", "fill_or_drop": "fill",
               "promise_in_bounds": "promise_in_bounds"}.get(str(name).lower())
  if canonical is None:
    raise ValueError(f'Unknown gather mode "{mode}"')
  return canonical


def _fill_default(dtype: np.dtype):
  if dtype == np.bool_:
    return True
  if dtypes.issubdtype(dtype, np.inexact):
    return np.nan
  info = np.iinfo(dtype)
  return info.max if dtypes.issubdtype(dtype, np.unsignedinteger) else info.min


def getitem(arr, idx, mode=None, fill_value=None, wrap_negative_indices: bool = True,
            unique_indices: bool = False, indices_are_sorted: bool = False):
  """`arr[idx]` for a basic index: integers (an out-of-bounds one is clamped into range, as
  JAX's gathers do), slices, None, Ellipsis, and 0-d integer arrays or tracers.

  With `mode="fill"` (or "drop") an out-of-bounds integer index yields `fill_value` instead
  (default: NaN for inexact dtypes, the minimum of signed and the maximum of unsigned integers,
  True for bool). With `wrap_negative_indices=False` a negative index is out of bounds.
  Advanced indices (integer or boolean arrays, lists) read with one gather."""
  arr = asarray_or_scalar(arr)
  idx, empty_newaxes = _scalar_booleans_as_newaxes(idx)
  if _is_advanced(idx):
    return _advanced_getitem(arr, idx, mode, fill_value, wrap_negative_indices, unique_indices,
                             indices_are_sorted)
  if empty_newaxes:
    out = getitem(arr, idx, mode, fill_value, wrap_negative_indices)
    axes = _parse_index(arr.shape, idx, wrap_negative_indices).newaxes
    limits = list(out.shape)
    for k in empty_newaxes:
      limits[axes[k]] = 0
    return lax.slice(out, [0] * out.ndim, limits)
  fill = _gather_mode(mode) == "fill"
  index = _parse_index(arr.shape, idx, wrap_negative_indices)
  if index.static:
    return _finish_read(_read_box(arr, *_box_bounds(index)), index)
  if fill:
    value = _fill_default(arr.dtype) if fill_value is None else fill_value
    filled = lax.broadcast_in_dim(
        structural.convert_element_type(value, arr.dtype, arr.weak_type), index.result_shape, ())
    if index.statically_out_of_bounds:
      return filled
  starts = _dynamic_starts(arr.shape, index, wrap_negative_indices)
  in_bounds = _in_bounds(arr.shape, index, starts) if fill else True
  out = _read_dynamic(arr, index, starts)
  return out if in_bounds is True else lax.select_n(in_bounds, filled, out)


# ------------------------------------------------------------------------------------------------
# Updating


def _as_values(values):
  if isinstance(values, (list, tuple)):
    return creation.asarray(values)
  return asarray_or_scalar(values)


def _warn_if_unsafe_cast(x, values) -> None:
  if dtypes.result_type(x, values) != x.dtype:
    warnings.warn(
        "scatter inputs have incompatible types: cannot safely cast value from "
        f"dtype={values.dtype.name} to dtype={x.dtype.name} with "
        f"jax_numpy_dtype_promotion={config.jax_numpy_dtype_promotion}. In future JAX releases "
        "this will result in an error.", FutureWarning, stacklevel=4)


def _check_broadcast(values, result_shape: tuple) -> None:
  """JAX's errors for update values that do not broadcast to the indexed shape."""
  aval = core.get_aval(values)
  if aval.ndim > len(result_shape):
    raise ValueError(f"Cannot broadcast to shape with fewer dimensions: arr_shape={aval.shape} "
                     f"shape={result_shape}")
  tail = result_shape[len(result_shape) - aval.ndim:]
  if any(v not in (1, r) for v, r in zip(aval.shape, tail)):
    wanted = aval.update(shape=result_shape, weak_type=False)
    raise ValueError(f"Incompatible types for broadcasting: input type="
                     f"{aval.update(weak_type=False).str_short(short_dtypes=False)} and "
                     f"requested type={wanted.str_short(short_dtypes=False)}")


def _values_as_box(values, index: _BasicIndex, dtype, weak_type: bool):
  """`values` cast to (dtype, weak_type) and laid out as the box: broadcast to the indexing
  result's shape, reshaped to the box's shape and put in ascending order."""
  if values.dtype != dtype or values.weak_type != weak_type:
    values = structural.convert_element_type(values, dtype, weak_type)
  if values.ndim == 0:
    values = lax.broadcast_in_dim(values, index.box_shape, ())
  else:
    values = lax_numpy.broadcast_to(values, index.result_shape)
    if index.result_shape != index.box_shape:
      values = lax.reshape(values, index.box_shape)
  reversed_dims = tuple(i for i, d in enumerate(index.dims)
                        if isinstance(d, _SliceIndex) and d.step < 0)
  return lax.rev(values, reversed_dims) if reversed_dims else values


def _write_box(operand: Callable, shape, dtype, weak_type: bool, box: tuple, box_shape,
               compute_box: Callable):
  """The array `operand()` (of `shape`, `dtype`, `weak_type`) with its box (starts, limits,
  strides) replaced by `compute_box(read_box)`, where `read_box()` reads the old contents. The
  new box is padded out to the operand's shape (strides become interior padding) and selected
  under a mask padded the same way. `operand` is a function so that a box covering all of it (a
  `set`) reads nothing."""
  if 0 in box_shape:
    return operand()
  new_box = compute_box(lambda: _read_box(operand(), *box))
  if box_shape == shape:
    return new_box
  starts, _, strides = box
  padding = [(start, size - (start + (count - 1) * stride + 1), stride - 1)
             for start, stride, count, size in zip(starts, strides, box_shape, shape)]
  zero = structural.convert_element_type(0, dtype, weak_type)
  scattered = lax.pad(new_box, zero, padding)
  mask = lax.pad(lax.broadcast_in_dim(np.True_, box_shape, ()), np.False_, padding)
  return lax.select_n(mask, operand(), scattered)


def _write(x, index: _BasicIndex, compute_box: Callable, mode, wrap_negative: bool):
  """`x` with the box of `index` replaced by `compute_box(read_box)`. Out-of-bounds integer
  indices drop the update, unless `mode="clip"` clamps them into range."""
  clip = _scatter_mode(mode) == "clip"
  if index.static:
    return _write_box(lambda: x, x.shape, x.dtype, x.weak_type, _box_bounds(index),
                      index.box_shape, compute_box)
  if index.statically_out_of_bounds and not clip:
    return x
  starts = _dynamic_starts(x.shape, index, wrap_negative)
  in_bounds = True if clip else _in_bounds(x.shape, index, starts)
  envelope = tuple(1 if isinstance(d, _IntIndex) else d.hi - d.lo for d in index.dims)
  region = []

  def read_region():
    if not region:
      region.append(_dynamic_slice(x, starts, envelope))
    return region[0]
  new_region = _write_box(read_region, envelope, x.dtype, x.weak_type,
                          _box_bounds(index, static_ints=False), index.box_shape, compute_box)
  updated = structural.dynamic_update_slice_p.bind(x, new_region, *starts)
  if in_bounds is True:
    return updated
  return lax.select_n(in_bounds, x, updated)


_COMBINE = {"add": lax.add, "sub": lax.sub, "mul": lax.mul, "min": lax.min, "max": lax.max}
_ARITHMETIC = (np.integer, np.floating, np.complexfloating)


def _update(x, idx, values, op: str | None, mode, wrap_negative: bool,
            indices_are_sorted: bool = False, unique_indices: bool = False):
  """`x` with the elements at `idx` set to `values` (`op` None) or combined with them by `op`.
  As in JAX, the combination happens in the promoted dtype of `x` and `values`, and the result
  is cast back to `x`'s dtype (so `bool_array.at[i].add(2)` adds in int32)."""
  x = asarray_or_scalar(x)
  values = _as_values(values)
  idx, empty_newaxes = _scalar_booleans_as_newaxes(idx)
  if _is_advanced(idx):
    _warn_if_unsafe_cast(x, values)
    return _advanced_update(x, idx, values, op, mode, wrap_negative, indices_are_sorted,
                            unique_indices)
  index = _parse_index(x.shape, idx, wrap_negative)
  _warn_if_unsafe_cast(x, values)
  if empty_newaxes:
    shape = list(index.result_shape)
    for k in empty_newaxes:
      shape[index.newaxes[k]] = 0
    _check_broadcast(values, tuple(shape))
    return x
  _check_broadcast(values, index.result_shape)
  if op is None:
    return _write(x, index, lambda read_box: _values_as_box(values, index, x.dtype, x.weak_type),
                  mode, wrap_negative)
  dtype, weak = dtypes.result_type(x, values, return_weak_type_flag=True)
  if op in ("add", "sub", "mul"):
    check_dtype(op, dtype, _ARITHMETIC, position=0)

  def compute_box(read_box):
    old = read_box()
    if (old.dtype, old.weak_type) != (dtype, weak):
      old = structural.convert_element_type(old, dtype, weak)
    new = _COMBINE[op](old, _values_as_box(values, index, dtype, weak))
    if (new.dtype, new.weak_type) != (x.dtype, x.weak_type):
      new = structural.convert_element_type(new, x.dtype, x.weak_type)
    return new
  return _write(x, index, compute_box, mode, wrap_negative)


class _IndexUpdateRef:
  """`x.at[idx]`: the methods that return `x` with the elements at `idx` updated. `mode` says
  what out-of-bounds integer indices do ("fill"/"drop", "clip", "promise_in_bounds");
  `wrap_negative_indices=False` makes negative ones out of bounds;
  `indices_are_sorted` and `unique_indices` are promises passed to the gather or scatter of an
  advanced index (`unique_indices=True` makes `multiply` differentiable in the values)."""
  __slots__ = ("array", "index")

  def __init__(self, array, index):
    self.array = array
    self.index = index

  def __repr__(self):
    return f"_IndexUpdateRef({self.array!r}, {self.index!r})"

  def get(self, *, indices_are_sorted=False, unique_indices=False, mode=None, fill_value=None,
          wrap_negative_indices=True):
    """`x[idx]`; with `mode="fill"`, out-of-bounds integer indices give `fill_value`."""
    return getitem(self.array, self.index, mode, fill_value, wrap_negative_indices,
                   unique_indices, indices_are_sorted)

  def set(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
          wrap_negative_indices=True):
    """`x[idx] = values`, functionally."""
    return _update(self.array, self.index, values, None, mode, wrap_negative_indices,
                   indices_are_sorted, unique_indices)

  def add(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
          wrap_negative_indices=True):
    """`x[idx] += values`, functionally."""
    return _update(self.array, self.index, values, "add", mode, wrap_negative_indices,
                   indices_are_sorted, unique_indices)

  def subtract(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
               wrap_negative_indices=True):
    """`x[idx] -= values`, functionally."""
    return _update(self.array, self.index, values, "sub", mode, wrap_negative_indices,
                   indices_are_sorted, unique_indices)

  def multiply(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
               wrap_negative_indices=True):
    """`x[idx] *= values`, functionally."""
    return _update(self.array, self.index, values, "mul", mode, wrap_negative_indices,
                   indices_are_sorted, unique_indices)

  mul = multiply

  def min(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
          wrap_negative_indices=True):
    """`x[idx] = minimum(x[idx], values)`, functionally."""
    return _update(self.array, self.index, values, "min", mode, wrap_negative_indices,
                   indices_are_sorted, unique_indices)

  def max(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
          wrap_negative_indices=True):
    """`x[idx] = maximum(x[idx], values)`, functionally."""
    return _update(self.array, self.index, values, "max", mode, wrap_negative_indices,
                   indices_are_sorted, unique_indices)

  def _exponent_or_divisor(self, values, mode, wrap_negative_indices, indices_are_sorted,
                           unique_indices):
    # JAX forms `ones_like(x).at[idx].multiply(values)`; a basic index has no repeated
    # positions, so there it is a `set`, but the multiply's dtype check (on the promoted dtype)
    # still applies.
    x = asarray_or_scalar(self.array)
    values = _as_values(values)
    check_dtype("mul", dtypes.result_type(x, values), _ARITHMETIC, position=0)
    op = "mul" if _is_advanced(_scalar_booleans_as_newaxes(self.index)[0]) else None
    return x, _update(lax.full_like(x, 1), self.index, values, op, mode, wrap_negative_indices,
                      indices_are_sorted, unique_indices)

  def divide(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
             wrap_negative_indices=True):
    """`x[idx] /= values`, functionally. Like JAX, this is `x / d` with `d` ones except `values`
    at `idx`, so an integer array gives a floating result."""
    return ufuncs.true_divide(*self._exponent_or_divisor(values, mode, wrap_negative_indices,
                                                       indices_are_sorted, unique_indices))

  def power(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
            wrap_negative_indices=True):
    """`x[idx] **= values`, functionally (as `x ** e`, `e` ones except `values` at `idx`)."""
    return ufuncs.power(*self._exponent_or_divisor(values, mode, wrap_negative_indices,
                                                       indices_are_sorted, unique_indices))

  def apply(self, func: Callable, *, indices_are_sorted=False, unique_indices=False, mode=None,
            wrap_negative_indices=True):
    """`x[idx] = func(x[idx])` for an elementwise `func`, functionally. The result of `func` is
    cast back to `x`'s dtype."""
    x = asarray_or_scalar(self.array)

    def compute_box(read_box):
      new = asarray_or_scalar(func(read_box()))
      if (new.dtype, new.weak_type) != (x.dtype, x.weak_type):
        new = structural.convert_element_type(new, x.dtype, x.weak_type)
      return new
    idx, empty_newaxes = _scalar_booleans_as_newaxes(self.index)
    if _is_advanced(idx):
      return _advanced_apply(x, idx, func, mode, wrap_negative_indices, indices_are_sorted,
                             unique_indices)
    index = _parse_index(x.shape, idx, wrap_negative_indices)
    if empty_newaxes:
      return x
    return _write(x, index, compute_box, mode, wrap_negative_indices)


class IndexUpdateHelper:
  """The `.at` property of arrays and tracers: `x.at[idx]` names the elements that one of
  `set`, `add`, `multiply`, `min`, `max`, `apply`, `get`... then updates or reads, returning a
  new array (pyjax arrays are immutable)."""
  __slots__ = ("array",)

  def __init__(self, array):
    self.array = array

  def __getitem__(self, index) -> _IndexUpdateRef:
    return _IndexUpdateRef(self.array, index)

  def __repr__(self):
    return f"_IndexUpdateHelper({self.array!r})"


# ------------------------------------------------------------------------------------------------
# Advanced indexing: integer and boolean arrays, as one gather or scatter


def _is_array_entry(entry) -> bool:
  if isinstance(entry, (bool, np.bool_)):
    return True
  if isinstance(entry, (Array, Tracer, np.ndarray)):
    return entry.ndim > 0 or entry.dtype == np.bool_
  return isinstance(entry, Sequence) and not isinstance(entry, str)


def _is_advanced(idx) -> bool:
  """Whether `idx` holds an array index (beyond 0-d integers), a list or a boolean."""
  if not isinstance(idx, tuple):
    return not isinstance(idx, (list, str)) and _is_array_entry(idx)
  return any(_is_array_entry(entry) for entry in idx)


def _mask_to_indices(mask, shape: tuple, position: int) -> list:
  """A concrete boolean mask as the integer arrays of its True positions (NumPy's rule)."""
  if isinstance(mask, Tracer):
    concrete = mask.to_concrete_value()
    if concrete is None:
      raise errors.NonConcreteBooleanIndexError(mask)
    mask = concrete
  mask = np.asarray(mask)
  if mask.shape != shape[:mask.ndim] or mask.ndim > len(shape):
    raise IndexError(f"boolean index did not match shape of indexed array in index {position}: "
                     f"got {mask.shape}, expected {list(shape[:max(mask.ndim, 1)])}")
  index_dtype = dtypes.canonicalize_dtype(np.int64)
  return [creation.asarray(i.astype(index_dtype)) for i in np.nonzero(mask)]


@dataclasses.dataclass
class _AdvancedPlan:
  """A gather/scatter equivalent of an index: `indices` (batch dims + index vector) with the
  dimension numbers, window sizes, the shape the gather produces and the indexing result's shape
  (which adds the `None` dimensions)."""
  indices: Any
  offset_dims: tuple
  collapsed: tuple
  start_index_map: tuple
  slice_sizes: tuple
  gather_shape: tuple
  result_shape: tuple

  @property
  def gather_dnums(self):
    return slicing.GatherDimensionNumbers(self.offset_dims, self.collapsed, self.start_index_map)

  @property
  def scatter_dnums(self):
    return slicing.ScatterDimensionNumbers(self.offset_dims, self.collapsed, self.start_index_map)


def _expand_entries(shape: tuple, idx) -> list:
  """`idx` as a list of entries covering `shape`: None, slices (Python ints), and integer
  arrays or static ints (masks expanded to integer arrays, a scalar boolean to a new axis)."""
  if not isinstance(idx, tuple):
    idx = (idx,)
  entries = []
  for entry in idx:
    if hasattr(entry, "__jax_array__") and not isinstance(entry, (Array, Tracer)):
      entry = entry.__jax_array__()
    if isinstance(entry, Sequence) and not isinstance(entry, str):
      entry = creation.asarray(entry)
    if isinstance(entry, (bool, np.bool_)):
      entry = np.asarray(entry)
    entries.append(entry)
  if sum(entry is Ellipsis for entry in entries) > 1:
    raise IndexError("an index can only have a single ellipsis ('...')")

  def consumed(entry):
    if entry is None or entry is Ellipsis:
      return 0
    if isinstance(entry, (Array, Tracer, np.ndarray)) and entry.dtype == np.bool_:
      return entry.ndim
    return 1
  used = sum(consumed(e) for e in entries)
  if used > len(shape):
    raise IndexError(f"Too many indices: array is {len(shape)}-dimensional, but {used} were "
                     "indexed")
  if not any(e is Ellipsis for e in entries):
    entries.append(Ellipsis)
  out, axis = [], 0
  for position, entry in enumerate(entries):
    if entry is Ellipsis:
      for _ in range(len(shape) - used):
        out.append(slice(None))
        axis += 1
      continue
    if entry is None:
      out.append(None)
      continue
    if isinstance(entry, slice):
      out.append(_static_slice(entry, position))
      axis += 1
      continue
    if isinstance(entry, (Array, Tracer, np.ndarray)) and entry.dtype == np.bool_:
      if entry.ndim == 0:
        # A scalar mask indexes a new axis of length 1 with [0] (True) or [] (False).
        out.extend([None, np.zeros((1 if bool(_concrete_bool(entry)) else 0,), np.int32)])
        continue
      out.extend(_mask_to_indices(entry, shape[axis:], position))
      axis += entry.ndim
      continue
    _classify_integer(entry)
    out.append(entry)
    axis += 1
  return out


def _concrete_bool(entry):
  if isinstance(entry, Tracer):
    value = entry.to_concrete_value()
    if value is None:
      raise errors.NonConcreteBooleanIndexError(entry)
    return value
  return entry


def _classify_integer(entry) -> None:
  """JAX's errors for an entry that is neither an integer nor an integer array."""
  if isinstance(entry, (int, np.integer)):
    return
  if isinstance(entry, str):
    raise TypeError(f"JAX does not support string indexing; got idx={entry!r}")
  if isinstance(entry, (float, complex, np.inexact)):
    raise TypeError("Indexer must have integer or boolean type, got indexer with type "
                    f"{np.result_type(entry).name}")
  if isinstance(entry, (Array, Tracer, np.ndarray)):
    if not dtypes.issubdtype(entry.dtype, np.integer):
      raise TypeError(f"Indexer must have integer or boolean type, got indexer with type "
                      f"{np.dtype(entry.dtype).name}")
    return
  raise IndexError(_INVALID_INDEX.format(entry))


def _index_dtype(shape) -> np.dtype:
  return dtypes.canonicalize_dtype(
      np.int64 if shape and max(shape) > np.iinfo(np.int32).max else np.int32)


def _advanced_plan(shape: tuple, idx, wrap_negative: bool) -> _AdvancedPlan:
  """The gather reading `x[idx]` (and the scatter writing it). Advanced entries (arrays and,
  alongside them, integers) broadcast together into one block of dimensions, placed where the
  first of them stands if they are adjacent, else first (NumPy's rule). Each indexed dimension
  contributes a column of start positions: the advanced array (negative entries wrapped), a
  constant for a step-1 slice that does not start at 0, or an iota for a strided slice (which
  adds its own batch dimension). Full slices are windows; `None`s are inserted afterwards."""
  entries = _expand_entries(shape, idx)
  advanced = [i for i, e in enumerate(entries) if e is not None and not isinstance(e, slice)]
  arrays = [entries[i] for i in advanced]
  try:
    block = np.broadcast_shapes(*(np.shape(a) for a in arrays))
  except ValueError:
    shapes = [tuple(np.shape(a)) for a in arrays]
    raise ValueError(f"Incompatible shapes for broadcasting: shapes={shapes}") from None
  adjacent = advanced == list(range(advanced[0], advanced[0] + len(advanced)))

  # The dimensions of the result in order: ("none",), ("window", axis, size), ("strided", axis,
  # slice) or ("block",).
  items, axis = [], 0
  for i, entry in enumerate(entries):
    if entry is None:
      items.append(("none",))
      continue
    if isinstance(entry, slice):
      start, stop, step = entry.indices(shape[axis])
      count = len(range(start, stop, step))
      items.append(("window", axis, count, start) if step == 1 else
                   ("strided", axis, count, start, step))
    elif not adjacent and i == advanced[0]:
      items.insert(0, ("block",))
    elif adjacent and i == advanced[0]:
      items.append(("block",))
    axis += 1
  gather_items = [item for item in items if item[0] != "none"]

  batch_shape, offset_dims, position = [], [], 0
  block_start, strided_at = 0, {}
  for item in gather_items:
    if item[0] == "window":
      offset_dims.append(position)
      position += 1
    elif item[0] == "block":
      block_start = len(batch_shape)
      batch_shape.extend(block)
      position += len(block)
    else:
      strided_at[item[1]] = len(batch_shape)
      batch_shape.append(item[2])
      position += 1
  batch_shape = tuple(batch_shape)

  columns, start_index_map, collapsed, slice_sizes = [], [], [], list(shape)
  advanced_axes = []
  axis = 0
  for entry in entries:
    if entry is None:
      continue
    if not isinstance(entry, slice):
      advanced_axes.append(axis)
    axis += 1
  windows = {item[1]: item for item in items if item[0] in ("window", "strided")}
  for axis, entry in zip(advanced_axes, arrays):
    columns.append((axis, _advanced_column(entry, shape[axis], wrap_negative)))
  for axis, item in windows.items():
    if item[0] == "window":
      slice_sizes[axis] = item[2]
      if item[3] != 0:
        columns.append((axis, np.asarray(item[3], _index_dtype(shape))))
    else:
      _, _, count, start, step = item
      iota = lax.broadcasted_iota(_index_dtype(shape), (count,), 0)
      column = lax.add(np.asarray(start, _index_dtype(shape)),
                       lax.mul(np.asarray(step, _index_dtype(shape)), iota))
      columns.append((axis, column))
  columns.sort(key=lambda c: c[0])
  for axis in advanced_axes + [a for a, item in windows.items() if item[0] == "strided"]:
    collapsed.append(axis)
    slice_sizes[axis] = 1
  collapsed.sort()

  # As in JAX, every column is cast to int32 (int64 only for a dimension int32 cannot index).
  dtype = _index_dtype(shape)
  placed = []
  for axis, column in columns:
    aval = core.get_aval(column)
    if aval.dtype != dtype or aval.weak_type:
      column = structural.convert_element_type(column, dtype, False)
    if axis in strided_at:
      dims = (strided_at[axis],)
    else:
      dims = tuple(range(block_start + len(block) - aval.ndim, block_start + len(block)))
    placed.append(lax.broadcast_in_dim(column, batch_shape + (1,), dims))
    start_index_map.append(axis)
  if not placed:
    indices = np.zeros(batch_shape + (0,), _index_dtype(shape))
  elif len(placed) == 1:
    indices = placed[0]
  else:
    indices = lax.concatenate(placed, len(batch_shape))

  gather_shape = [0] * (len(batch_shape) + len(offset_dims))
  batch_iter = iter(batch_shape)
  window_iter = iter(item[2] for item in gather_items if item[0] == "window")
  for d in range(len(gather_shape)):
    gather_shape[d] = next(window_iter) if d in offset_dims else next(batch_iter)
  result_shape, gather_iter = [], iter(gather_shape)
  for item in items:
    if item[0] == "none":
      result_shape.append(1)
    elif item[0] == "block":
      result_shape.extend(next(gather_iter) for _ in block)
    else:
      result_shape.append(next(gather_iter))
  return _AdvancedPlan(indices, tuple(offset_dims), tuple(collapsed), tuple(start_index_map),
                       tuple(slice_sizes), tuple(gather_shape), tuple(result_shape))


def _advanced_column(entry, size: int, wrap_negative: bool):
  """An advanced entry as start positions: a static integer wrapped now (an out-of-bounds one
  is left to the gather's or scatter's mode), an array wrapped by staged ops."""
  if isinstance(entry, (int, np.integer)):
    value = int(entry)
    if wrap_negative and -size <= value < 0:
      value += size
    return _start_value(value)
  if isinstance(entry, np.ndarray):
    entry = creation.asarray(entry)
  return _normalize_negative(entry, size) if wrap_negative else entry


def _jnp_mode(mode, default):
  return slicing.GatherScatterMode.from_any(default if mode is None else mode)


def _advanced_getitem(arr, idx, mode, fill_value, wrap_negative, unique_indices=False,
                      indices_are_sorted=False):
  plan = _advanced_plan(arr.shape, idx, wrap_negative)
  out = slicing.gather(arr, plan.indices, plan.gather_dnums, plan.slice_sizes,
                       unique_indices=unique_indices, indices_are_sorted=indices_are_sorted,
                       mode=_jnp_mode(mode, slicing.GatherScatterMode.PROMISE_IN_BOUNDS),
                       fill_value=fill_value)
  if plan.result_shape != plan.gather_shape:
    out = lax.reshape(out, plan.result_shape)
  return out


_SCATTERS = {None: slicing.scatter_p, "add": slicing.scatter_add_p, "sub": slicing.scatter_sub_p,
             "mul": slicing.scatter_mul_p, "min": slicing.scatter_min_p,
             "max": slicing.scatter_max_p}


def _advanced_update(x, idx, values, op: str | None, mode, wrap_negative: bool,
                     indices_are_sorted=False, unique_indices=False):
  """`x.at[idx].<op>(values)` for an advanced index: a scatter in the promoted dtype of `x` and
  `values`, cast back to `x`'s type (as JAX does, for `set` too)."""
  plan = _advanced_plan(x.shape, idx, wrap_negative)
  _check_broadcast(values, plan.result_shape)
  dtype, weak = dtypes.result_type(x, values, return_weak_type_flag=True)
  operand = x
  if (x.dtype, x.weak_type) != (dtype, weak):
    operand = structural.convert_element_type(x, dtype, weak)
  if values.dtype != dtype or values.weak_type:
    values = structural.convert_element_type(values, dtype, False)
  values = lax_numpy.broadcast_to(values, plan.result_shape)
  if plan.result_shape != plan.gather_shape:
    values = lax.reshape(values, plan.gather_shape)
  params = slicing._scatter_params(operand, plan.scatter_dnums, indices_are_sorted,
                                   unique_indices, _jnp_mode(mode, None), op)
  out = _SCATTERS[op].bind(operand, plan.indices, values, **params)
  if (dtype, weak) != (x.dtype, x.weak_type):
    out = structural.convert_element_type(out, x.dtype, x.weak_type)
  return out


def _advanced_apply(x, idx, func, mode, wrap_negative, indices_are_sorted, unique_indices):
  plan = _advanced_plan(x.shape, idx, wrap_negative)
  return slicing.scatter_apply(x, plan.indices, func, plan.scatter_dnums,
                               update_shape=plan.gather_shape,
                               indices_are_sorted=indices_are_sorted,
                               unique_indices=unique_indices, mode=_jnp_mode(mode, None))


def _scalar_booleans_as_newaxes(idx):
  """`idx` with each scalar boolean made a `None` (NumPy: True adds an axis of length 1, False
  one of length 0), and the ordinals among the `None`s of those that were False. Scalar
  booleans beside array indices are not supported."""
  entries = idx if isinstance(idx, tuple) else (idx,)
  if not any(isinstance(e, (bool, np.bool_)) or (isinstance(e, (Array, Tracer, np.ndarray))
                                                 and e.ndim == 0 and e.dtype == np.bool_)
             for e in entries):
    return idx, []
  out, empty, newaxes = [], [], 0
  for entry in entries:
    if isinstance(entry, (bool, np.bool_)) or (isinstance(entry, (Array, Tracer, np.ndarray))
                                               and entry.ndim == 0 and entry.dtype == np.bool_):
      if not bool(_concrete_bool(entry)):
        empty.append(newaxes)
      entry = None
    if entry is None:
      newaxes += 1
    out.append(entry)
  if _is_advanced(tuple(out)):
    raise IndexError("pyjax does not support a scalar boolean index together with array "
                     f"indices; got {idx!r}. Use `None` for True, or index in two steps.")
  return tuple(out), empty
