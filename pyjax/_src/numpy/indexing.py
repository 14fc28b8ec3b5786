"""NumPy basic indexing of pyjax arrays (`x[idx]`) and the functional updates behind `x.at[idx]`.

A basic index selects a strided box of the array: every array dimension is either hit by one
integer or by a slice, and `None` entries add size-1 dimensions to the result. Reading the box is
`slice` (or `dynamic_slice` when an integer index is an array or tracer), then `rev` for negative
steps, `squeeze` for integer indices and `broadcast_in_dim` for `None`s: the same staged program
as JAX. Writing the box needs no scatter: the new values are `pad`ded out to the array's shape and
chosen with `select_n` under a mask padded the same way.

JAX's out-of-bounds conventions hold: reads clamp an integer index into range, updates drop it.
Advanced indexing (integer or boolean arrays, lists) is not implemented yet (issue #7).
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
from pyjax._src.lax import lax, structural
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


def _advanced_indexing_error(idx) -> NotImplementedError:
  return NotImplementedError(
      f"Advanced (array) indexing is not implemented yet in pyjax (issue #7); got the index "
      f"{idx!r}. Only basic indices are supported: integers, slices, None, Ellipsis and 0-d "
      "integer arrays.")


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
    raise _advanced_indexing_error(entry)
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
      raise _advanced_indexing_error(entry)
    if not dtypes.issubdtype(dtype, np.integer):
      raise TypeError(f"Indexer must have integer or boolean type, got indexer with type "
                      f"{np.dtype(dtype).name}")
    if entry.ndim:
      raise _advanced_indexing_error(entry)
    return "array"
  if isinstance(entry, Sequence):
    raise _advanced_indexing_error(entry)
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


def getitem(arr, idx, mode=None, fill_value=None, wrap_negative_indices: bool = True):
  """`arr[idx]` for a basic index: integers (an out-of-bounds one is clamped into range, as
  JAX's gathers do), slices, None, Ellipsis, and 0-d integer arrays or tracers.

  With `mode="fill"` (or "drop") an out-of-bounds integer index yields `fill_value` instead
  (default: NaN for inexact dtypes, the minimum of signed and the maximum of unsigned integers,
  True for bool). With `wrap_negative_indices=False` a negative index is out of bounds."""
  fill = _gather_mode(mode) == "fill"
  arr = asarray_or_scalar(arr)
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


def _update(x, idx, values, op: str | None, mode, wrap_negative: bool):
  """`x` with the elements at `idx` set to `values` (`op` None) or combined with them by `op`.
  As in JAX, the combination happens in the promoted dtype of `x` and `values`, and the result
  is cast back to `x`'s dtype (so `bool_array.at[i].add(2)` adds in int32)."""
  x = asarray_or_scalar(x)
  index = _parse_index(x.shape, idx, wrap_negative)
  values = _as_values(values)
  _warn_if_unsafe_cast(x, values)
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
  """`x.at[idx]`: the methods that return `x` with the elements at `idx` updated. `idx` is a
  basic index. `mode` says what out-of-bounds integer indices do ("fill"/"drop", "clip",
  "promise_in_bounds"); `wrap_negative_indices=False` makes negative ones out of bounds;
  `indices_are_sorted` and `unique_indices` are accepted for JAX compatibility (a basic index
  always selects sorted, unique positions)."""
  __slots__ = ("array", "index")

  def __init__(self, array, index):
    self.array = array
    self.index = index

  def __repr__(self):
    return f"_IndexUpdateRef({self.array!r}, {self.index!r})"

  def get(self, *, indices_are_sorted=False, unique_indices=False, mode=None, fill_value=None,
          wrap_negative_indices=True):
    """`x[idx]`; with `mode="fill"`, out-of-bounds integer indices give `fill_value`."""
    return getitem(self.array, self.index, mode, fill_value, wrap_negative_indices)

  def set(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
          wrap_negative_indices=True):
    """`x[idx] = values`, functionally."""
    return _update(self.array, self.index, values, None, mode, wrap_negative_indices)

  def add(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
          wrap_negative_indices=True):
    """`x[idx] += values`, functionally."""
    return _update(self.array, self.index, values, "add", mode, wrap_negative_indices)

  def subtract(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
               wrap_negative_indices=True):
    """`x[idx] -= values`, functionally."""
    return _update(self.array, self.index, values, "sub", mode, wrap_negative_indices)

  def multiply(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
               wrap_negative_indices=True):
    """`x[idx] *= values`, functionally."""
    return _update(self.array, self.index, values, "mul", mode, wrap_negative_indices)

  mul = multiply

  def min(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
          wrap_negative_indices=True):
    """`x[idx] = minimum(x[idx], values)`, functionally."""
    return _update(self.array, self.index, values, "min", mode, wrap_negative_indices)

  def max(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
          wrap_negative_indices=True):
    """`x[idx] = maximum(x[idx], values)`, functionally."""
    return _update(self.array, self.index, values, "max", mode, wrap_negative_indices)

  def _exponent_or_divisor(self, values, mode, wrap_negative_indices):
    # JAX forms `ones_like(x).at[idx].multiply(values)`; with no repeated positions that is a
    # `set`, but the multiply's dtype check (on the promoted dtype) still applies.
    x = asarray_or_scalar(self.array)
    values = _as_values(values)
    check_dtype("mul", dtypes.result_type(x, values), _ARITHMETIC, position=0)
    return x, _update(lax.full_like(x, 1), self.index, values, None, mode,
                      wrap_negative_indices)

  def divide(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
             wrap_negative_indices=True):
    """`x[idx] /= values`, functionally. Like JAX, this is `x / d` with `d` ones except `values`
    at `idx`, so an integer array gives a floating result."""
    return ufuncs.true_divide(*self._exponent_or_divisor(values, mode, wrap_negative_indices))

  def power(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
            wrap_negative_indices=True):
    """`x[idx] **= values`, functionally (as `x ** e`, `e` ones except `values` at `idx`)."""
    return ufuncs.power(*self._exponent_or_divisor(values, mode, wrap_negative_indices))

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
    index = _parse_index(x.shape, self.index, wrap_negative_indices)
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
