"""Primitives that move, reshape, select or convert data without arithmetic."""
from __future__ import annotations

import functools

import numpy as np

from pyjax._src import dtypes
from pyjax._src.backend import xp
from pyjax._src.avals import ShapedArray
from pyjax._src.core import Array, Primitive, Tracer, canonicalize_value, get_aval
from pyjax._src.interpreters import ad, batching
from pyjax._src.interpreters.staging import const_fold_rules
from pyjax._src.lax import elementwise
from pyjax._src.lax import reductions as _red
from pyjax._src.lax.utils import (check_dtype, first_operand_weak, never_weak,
                                  standard_primitive)
from pyjax._src.pretty_printer import pp_param_rules

# ------------------------------------------------------------------------------------------------
# convert_element_type and bitcast_convert_type


def _convert(x, *, new_dtype, weak_type=False, sharding=None):
  old = x.dtype
  if old == new_dtype:
    return x
  if dtypes.issubdtype(old, np.complexfloating) and not dtypes.issubdtype(new_dtype,
                                                                         np.complexfloating):
    x = xp.real(x)
  if new_dtype == np.bool_:
    return x != 0
  if dtypes.issubdtype(new_dtype, np.integer) and dtypes.issubdtype(x.dtype, np.inexact):
    # XLA's float -> int conversion truncates, saturates at the type's range and maps NaN to 0.
    # The limits are applied in the integer type: float(max) of a 64-bit type rounds up.
    info = np.iinfo(new_dtype)
    wide = x.astype(np.float64)
    too_big, too_small = wide >= float(info.max), wide <= float(info.min)
    in_range = xp.where(too_big | too_small | xp.isnan(wide), 0, xp.trunc(wide)).astype(new_dtype)
    return xp.where(too_big, np.array(info.max, new_dtype),
                    xp.where(too_small, np.array(info.min, new_dtype), in_range))
  return x.astype(new_dtype)


def _convert_dtype_rule(x, *, new_dtype, weak_type=False, sharding=None):
  return new_dtype


convert_element_type_p = standard_primitive(
    "convert_element_type", lambda x, **p: x.shape, _convert_dtype_rule, _convert,
    lambda weak, *, new_dtype, weak_type=False, sharding=None: weak_type)
pp_param_rules[convert_element_type_p] = lambda p: {"new_dtype": p["new_dtype"],
                                                    "weak_type": p["weak_type"]}


def _fold_convert(args, params):
  value, _ = canonicalize_value(args[0])
  if np.ndim(value):
    return None
  return Array(np.asarray(_convert(np.asarray(value), **params))[()], params["weak_type"])


const_fold_rules[convert_element_type_p] = _fold_convert
batching.defvectorized(convert_element_type_p)  # --- batching


def convert_element_type(operand, new_dtype, weak_type: bool = False, sharding=None):
  new_dtype = dtypes.canonicalize_dtype(new_dtype)
  if (isinstance(operand, (Array, Tracer)) and operand.dtype == new_dtype
      and operand.weak_type == bool(weak_type)):
    return operand
  return convert_element_type_p.bind(operand, new_dtype=new_dtype, weak_type=bool(weak_type),
                                     sharding=sharding)


def _bitcast_shape(x, *, new_dtype):
  new_dtype = np.dtype(new_dtype)
  if x.dtype != new_dtype and any(d == np.bool_ or dtypes.issubdtype(d, np.complexfloating)
                                  for d in (x.dtype, new_dtype)):
    raise TypeError("lax.bitcast_convert_type does not support bool or complex values unless the "
                    f"operand and destination types match. Got operand dtype={x.dtype.name}, "
                    f"new_dtype={new_dtype!r}. Consider using the arr.view() method instead.")
  old_size, new_size = x.dtype.itemsize, new_dtype.itemsize
  if old_size == new_size:
    return x.shape
  if old_size > new_size:
    return (*x.shape, old_size // new_size)
  last = x.shape[-1] if x.shape else 1
  if last * old_size != new_size:
    raise ValueError(f"Attempting to convert array of shape {x.shape} from {x.dtype.name} of size "
                     f"{old_size * 8} bits to {new_dtype.name} of size {new_size * 8}, bits but "
                     f"{last} * {old_size * 8} != {new_size * 8}")
  return x.shape[:-1]


def _bitcast(x, *, new_dtype):
  # View a contiguous 1-d copy (NumPy cannot change the item size of a 0-d array's view).
  flat = xp.ascontiguousarray(x).reshape(-1)
  return flat.view(new_dtype).reshape(_bitcast_shape(x, new_dtype=new_dtype))


bitcast_convert_type_p = standard_primitive(
    "bitcast_convert_type", _bitcast_shape, lambda x, *, new_dtype: np.dtype(new_dtype), _bitcast,
    never_weak)


# --- batching: a change of width adds or removes a trailing axis, so the batch axis goes first.
def _bitcast_batcher(axis_data, vals, dims, *, new_dtype):
  (x,), (d,) = vals, dims
  if get_aval(x).dtype.itemsize != np.dtype(new_dtype).itemsize:
    x, d = batching.moveaxis(x, d, 0), 0
  return bitcast_convert_type_p.bind(x, new_dtype=new_dtype), d


batching.primitive_batchers[bitcast_convert_type_p] = _bitcast_batcher

# ------------------------------------------------------------------------------------------------
# Shape changes


def _broadcast_in_dim_shape(x, *, shape, broadcast_dimensions, sharding=None):
  if len(broadcast_dimensions) != x.ndim:
    raise TypeError("broadcast_in_dim broadcast_dimensions must have length equal to operand "
                    f"ndim; got broadcast_dimensions {broadcast_dimensions} for operand ndim "
                    f"{x.ndim}.")
  for i, d in enumerate(broadcast_dimensions):
    if not 0 <= d < len(shape) or x.shape[i] not in (1, shape[d]):
      raise TypeError("broadcast_in_dim operand dimension sizes must either be 1, or be equal to "
                      "their corresponding dimensions in the target broadcast shape; got operand "
                      f"of shape {x.shape}, target broadcast shape {shape}, broadcast_dimensions "
                      f"{broadcast_dimensions} ")
  if len(set(broadcast_dimensions)) != len(broadcast_dimensions):
    raise TypeError("broadcast_in_dim broadcast_dimensions must not repeat a dimension; got "
                    f"broadcast_dimensions {broadcast_dimensions}")
  return shape


@functools.lru_cache(maxsize=1024)
def _broadcast_plan(operand_shape, broadcast_dimensions, ndim):
  """(transpose or None, the operand's shape with 1s for the new dimensions), cached per
  signature: operand dimensions may map to the result out of order (JAX allows it)."""
  order = tuple(sorted(range(len(operand_shape)), key=lambda i: broadcast_dimensions[i]))
  expanded = [1] * ndim
  for i in order:
    expanded[broadcast_dimensions[i]] = operand_shape[i]
  return (None if order == tuple(range(len(order))) else order), tuple(expanded)


def _broadcast_in_dim(x, *, shape, broadcast_dimensions, sharding=None):
  order, expanded = _broadcast_plan(x.shape, tuple(broadcast_dimensions), len(shape))
  if order is not None:
    x = xp.transpose(x, order)
  x = xp.reshape(x, expanded)
  # broadcast_to costs microseconds even when nothing is broadcast (adding size-1 dimensions).
  return x if expanded == tuple(shape) else xp.broadcast_to(x, shape)


broadcast_in_dim_p = standard_primitive(
    "broadcast_in_dim", _broadcast_in_dim_shape, lambda x, **p: x.dtype, _broadcast_in_dim,
    first_operand_weak)
pp_param_rules[broadcast_in_dim_p] = lambda p: (
    {"broadcast_dimensions": p["broadcast_dimensions"]} if p["broadcast_dimensions"] else {})


# --- batching: the batch axis goes first in the result and maps to itself.
def _broadcast_in_dim_batcher(axis_data, vals, dims, *, shape, broadcast_dimensions,
                              sharding=None):
  (x,), (d,) = vals, dims
  x = batching.moveaxis(x, d, 0)
  return broadcast_in_dim_p.bind(
      x, shape=(axis_data.size, *shape), sharding=sharding,
      broadcast_dimensions=(0, *(b + 1 for b in broadcast_dimensions))), 0


batching.primitive_batchers[broadcast_in_dim_p] = _broadcast_in_dim_batcher


def _reshape_shape(x, *, new_sizes, dimensions, sharding=None):
  if int(np.prod(new_sizes, dtype=np.int64)) != x.size:
    raise TypeError("reshape total size must be unchanged, got new_sizes "
                    f"{new_sizes} (of total size {int(np.prod(new_sizes))}) for shape {x.shape} "
                    f"(of total size {x.size}).")
  return new_sizes


def _reshape(x, *, new_sizes, dimensions, sharding=None):
  if dimensions is not None:
    x = xp.transpose(x, dimensions)
  return xp.reshape(x, new_sizes)


reshape_p = standard_primitive("reshape", _reshape_shape, lambda x, **p: x.dtype, _reshape,
                               first_operand_weak)


# --- batching
def _reshape_batcher(axis_data, vals, dims, *, new_sizes, dimensions, sharding=None):
  (x,), (d,) = vals, dims
  x = batching.moveaxis(x, d, 0)
  if dimensions is not None:
    dimensions = (0, *(i + 1 for i in dimensions))
  return reshape_p.bind(x, new_sizes=(axis_data.size, *new_sizes), dimensions=dimensions,
                        sharding=sharding), 0


batching.primitive_batchers[reshape_p] = _reshape_batcher


def _transpose_shape(x, *, permutation):
  if sorted(permutation) != list(range(x.ndim)):
    raise TypeError("transpose permutation isn't a permutation of operand dimensions, got "
                    f"permutation {permutation} for operand shape {x.shape}.")
  return tuple(x.shape[p] for p in permutation)


transpose_p = standard_primitive("transpose", _transpose_shape, lambda x, **p: x.dtype,
                                 lambda x, *, permutation: xp.transpose(x, permutation),
                                 first_operand_weak)


# --- batching: the batch axis goes first, the element axes are permuted behind it.
def _transpose_batcher(axis_data, vals, dims, *, permutation):
  (x,), (d,) = vals, dims
  perm = (d, *(batching.physical_axis(p, d) for p in permutation))
  return transpose_p.bind(x, permutation=perm), 0


batching.primitive_batchers[transpose_p] = _transpose_batcher
batching.def_axis_primitives(transpose=transpose_p, broadcast_in_dim=broadcast_in_dim_p)


def _squeeze_shape(x, *, dimensions):
  for d in dimensions:
    if x.shape[d] != 1:
      raise ValueError("cannot select an axis to squeeze out which has size not equal to one, "
                       f"got shape={x.shape} and dimensions={dimensions}")
  return tuple(s for i, s in enumerate(x.shape) if i not in dimensions)


squeeze_p = standard_primitive("squeeze", _squeeze_shape, lambda x, **p: x.dtype,
                               lambda x, *, dimensions: xp.reshape(
                                   x, _squeeze_shape(x, dimensions=dimensions)),
                               first_operand_weak)


# --- batching
def _squeeze_batcher(axis_data, vals, dims, *, dimensions):
  (x,), (d,) = vals, dims
  physical = tuple(batching.physical_axis(a, d) for a in dimensions)
  return squeeze_p.bind(x, dimensions=physical), d - sum(a < d for a in physical)


batching.primitive_batchers[squeeze_p] = _squeeze_batcher


def _concatenate_shape(*xs, dimension):
  if not xs:
    raise ValueError("concatenate requires a non-empty sequences of arrays")
  first = xs[0]
  if not 0 <= dimension < first.ndim:
    raise TypeError(f"concatenate dimension out of bounds: dimension {dimension} for shapes "
                    f"{', '.join(str(x.shape) for x in xs)}.")
  for x in xs[1:]:
    if x.ndim != first.ndim or any(a != b for i, (a, b) in enumerate(zip(x.shape, first.shape))
                                   if i != dimension):
      raise TypeError("Cannot concatenate arrays with shapes that differ in dimensions other "
                      f"than the one being concatenated: concatenating along dimension "
                      f"{dimension} for shapes {', '.join(str(y.shape) for y in xs)}.")
  size = sum(x.shape[dimension] for x in xs)
  return first.shape[:dimension] + (size,) + first.shape[dimension + 1:]


def _concatenate_dtype(*xs, dimension):
  if len({x.dtype for x in xs}) > 1:
    raise TypeError("Cannot concatenate arrays with different numeric types, got "
                    f"{', '.join(x.dtype.name for x in xs)}.")
  return xs[0].dtype


concatenate_p = standard_primitive(
    "concatenate", _concatenate_shape, _concatenate_dtype,
    lambda *xs, dimension: xp.concatenate(xs, axis=dimension))


def _stack_shape(*xs, axis):
  if any(x.ndim != xs[0].ndim for x in xs):
    raise ValueError("Cannot stack arrays with different numbers of dimensions: got "
                     f"{', '.join(str(x.shape) for x in xs)}.")
  if any(x.shape != xs[0].shape for x in xs):
    raise ValueError("All input arrays must have the same shape. Got "
                     f"{', '.join(str(x.shape) for x in xs)}.")
  if not 0 <= axis <= xs[0].ndim:
    raise ValueError(f"axis {axis} is out of bounds for array of dimension {xs[0].ndim + 1}")
  return (*xs[0].shape[:axis], len(xs), *xs[0].shape[axis:])


def _stack_dtype(*xs, axis):
  if len({x.dtype for x in xs}) > 1:
    raise TypeError("lax.stack requires arguments to have the same dtypes, got "
                    f"{', '.join(x.dtype.name for x in xs)}.")
  return xs[0].dtype


# stack: arrays of one shape joined along a new axis (JAX 0.10 has it as a primitive).
stack_p = standard_primitive("stack", _stack_shape, _stack_dtype,
                             lambda *xs, axis: xp.stack(xs, axis=axis))


def _unstack_abstract_eval(x, *, axis):
  if not 0 <= axis < x.ndim:
    raise ValueError(f"axis {axis} is out of bounds for array of dimension {x.ndim}")
  part = ShapedArray(x.shape[:axis] + x.shape[axis + 1:], x.dtype, x.weak_type)
  return [part] * x.shape[axis]


# unstack: the slices of an array along an axis, one result each.
unstack_p = Primitive("unstack", multiple_results=True)
unstack_p.def_abstract_eval(_unstack_abstract_eval)
unstack_p.def_impl(lambda x, *, axis: [xp.take(x, i, axis=axis) for i in range(x.shape[axis])])
unstack_p.weak_type_rule = lambda weak, *, axis: weak


# --- batching
def _stack_batcher(axis_data, vals, dims, *, axis):
  xs = [batching.bdim_at_front(x, d, axis_data.size) for x, d in zip(vals, dims)]
  return stack_p.bind(*xs, axis=axis + 1), 0


def _unstack_batcher(axis_data, vals, dims, *, axis):
  (x,), (d,) = vals, dims
  physical = batching.physical_axis(axis, d)
  outs = unstack_p.bind(x, axis=physical)
  return outs, [d - (physical < d)] * len(outs)


batching.primitive_batchers[stack_p] = _stack_batcher
batching.primitive_batchers[unstack_p] = _unstack_batcher


# --- batching: every operand batched along the front (unbatched ones broadcast).
def _concatenate_batcher(axis_data, vals, dims, *, dimension):
  xs = [batching.bdim_at_front(x, d, axis_data.size) for x, d in zip(vals, dims)]
  return concatenate_p.bind(*xs, dimension=dimension + 1), 0


batching.primitive_batchers[concatenate_p] = _concatenate_batcher


def _pad_shape(x, padding_value, *, padding_config):
  if len(padding_config) != x.ndim:
    raise ValueError(f"length of padding_config must equal the number of axes of operand, got "
                     f"padding_config {padding_config} for operand shape {x.shape}")
  shape = []
  for size, (lo, hi, interior) in zip(x.shape, padding_config):
    if interior < 0:
      raise ValueError(f"interior padding in padding_config must be nonnegative, got "
                       f"padding_config {padding_config}")
    out = lo + hi + size + max(size - 1, 0) * interior
    if out < 0:
      raise ValueError(f"Dimension size after padding is not at least 0, got result shape "
                       f"{out} for padding_config {padding_config} and operand shape {x.shape}")
    shape.append(out)
  return tuple(shape)


def _pad_dtype(x, padding_value, *, padding_config):
  if x.dtype != padding_value.dtype:
    raise TypeError(f"pad operand and padding_value must be same dtype: got {x.dtype.name} and "
                    f"{padding_value.dtype.name}.")
  return x.dtype


def _pad(x, padding_value, *, padding_config):
  shape = _pad_shape(x, padding_value, padding_config=padding_config)
  # Place the operand with interior padding into a buffer grown by the positive edges, then
  # crop the negative edges.
  grown = [max(lo, 0) + max(hi, 0) + size + max(size - 1, 0) * interior
           for size, (lo, hi, interior) in zip(x.shape, padding_config)]
  out = xp.full(grown, padding_value, dtype=x.dtype)
  out[tuple(slice(max(lo, 0), max(lo, 0) + size + max(size - 1, 0) * interior, interior + 1)
            for size, (lo, hi, interior) in zip(x.shape, padding_config))] = x
  crop = tuple(slice(max(-lo, 0), max(-lo, 0) + n)
               for (lo, _, _), n in zip(padding_config, shape))
  return out[crop]


pad_p = standard_primitive("pad", _pad_shape, _pad_dtype, _pad)


# --- batching: a batched padding value is placed by a mask of where the operand lands.
def _pad_batcher(axis_data, vals, dims, *, padding_config):
  (x, padding_value), (d, d_value) = vals, dims
  if d_value is None:
    config = list(padding_config)
    config.insert(d, (0, 0, 0))
    return pad_p.bind(x, padding_value, padding_config=tuple(config)), d
  size = axis_data.size
  x = batching.bdim_at_front(x, d, size)
  x_aval = get_aval(x)
  zero = Array(np.zeros((), x_aval.dtype), x_aval.weak_type)
  padded = pad_p.bind(x, zero, padding_config=((0, 0, 0), *padding_config))
  element_shape = x_aval.shape[1:]
  inside = broadcast_in_dim_p.bind(np.True_, shape=element_shape, broadcast_dimensions=(),
                                   sharding=None)
  mask = pad_p.bind(inside, np.False_, padding_config=tuple(padding_config))
  out_shape = get_aval(padded).shape
  mask = broadcast_in_dim_p.bind(mask, shape=out_shape, sharding=None,
                                 broadcast_dimensions=tuple(range(1, len(out_shape))))
  values = broadcast_in_dim_p.bind(batching.moveaxis(padding_value, d_value, 0), shape=out_shape,
                                   broadcast_dimensions=(0,), sharding=None)
  return select_n_p.bind(mask, values, padded), 0


batching.primitive_batchers[pad_p] = _pad_batcher


def _slice_shape(x, *, start_indices, limit_indices, strides):
  if len(start_indices) != x.ndim or len(limit_indices) != x.ndim:
    raise TypeError(f"slice start_indices and limit_indices must have length equal to the "
                    f"operand rank {x.ndim}, got start_indices {start_indices} and limit_indices "
                    f"{limit_indices}.")
  strides = strides or (1,) * x.ndim
  for size, start, limit in zip(x.shape, start_indices, limit_indices):
    if not 0 <= start <= limit <= size:
      raise TypeError(f"slice start_indices must be >= 0 and <= limit_indices <= operand shape; "
                      f"got operand shape {x.shape}, start_indices {start_indices}, "
                      f"limit_indices {limit_indices}.")
  return tuple((limit - start + stride - 1) // stride
               for start, limit, stride in zip(start_indices, limit_indices, strides))


def _slice(x, *, start_indices, limit_indices, strides):
  strides = strides or (1,) * x.ndim
  return x[tuple(slice(s, l, st) for s, l, st in zip(start_indices, limit_indices, strides))]


slice_p = standard_primitive("slice", _slice_shape, lambda x, **p: x.dtype, _slice,
                             first_operand_weak)


# --- batching
def _slice_batcher(axis_data, vals, dims, *, start_indices, limit_indices, strides):
  (x,), (d,) = vals, dims
  starts, limits = list(start_indices), list(limit_indices)
  starts.insert(d, 0)
  limits.insert(d, axis_data.size)
  if strides is not None:
    strides = list(strides)
    strides.insert(d, 1)
    strides = tuple(strides)
  return slice_p.bind(x, start_indices=tuple(starts), limit_indices=tuple(limits),
                      strides=strides), d


batching.primitive_batchers[slice_p] = _slice_batcher

rev_p = standard_primitive("rev", lambda x, *, dimensions: x.shape, lambda x, **p: x.dtype,
                           lambda x, *, dimensions: xp.flip(x, dimensions) if dimensions else x,
                           first_operand_weak)

batching.primitive_batchers[rev_p] = lambda axis_data, vals, dims, *, dimensions: (  # batching
    rev_p.bind(vals[0], dimensions=tuple(batching.physical_axis(a, dims[0])
                                         for a in dimensions)), dims[0])


def _iota(*, dtype, shape, dimension, sharding=None):
  index_shape = [1] * len(shape)
  index_shape[dimension] = shape[dimension]
  return xp.broadcast_to(xp.arange(shape[dimension], dtype=dtype).reshape(index_shape), shape)


def _iota_dtype(*, dtype, shape, dimension, sharding=None):
  check_dtype("iota", dtype, (np.integer, np.floating, np.complexfloating))
  return dtype


def _iota_shape(*, dtype, shape, dimension, sharding=None):
  if any(d < 0 for d in shape):
    raise TypeError(f"iota shape must have every element be nonnegative, got {shape}.")
  return shape


iota_p = standard_primitive("iota", _iota_shape, _iota_dtype, _iota, never_weak)


def _dynamic_slice_shape(x, *starts, slice_sizes):
  if len(starts) != x.ndim or len(slice_sizes) != x.ndim:
    raise TypeError(f"dynamic_slice needs one start index and one slice size per operand "
                    f"dimension; got {len(starts)} indices and slice_sizes {slice_sizes} for "
                    f"operand shape {x.shape}.")
  for size, want in zip(x.shape, slice_sizes):
    if not 0 <= want <= size:
      raise TypeError(f"slice slice_sizes must be less than or equal to operand shape, got "
                      f"slice_sizes {slice_sizes} for operand shape {x.shape}.")
  for s in starts:
    check_dtype("dynamic_slice", s.dtype, (np.integer,))
  return tuple(slice_sizes)


def _clamped_starts(shape, sizes, starts):
  """Start indices as XLA applies them: clamped so the slice fits (the `lax` functions have
  already made negative indices count from the end)."""
  return [int(min(max(int(s), 0), n - k)) for s, n, k in zip(starts, shape, sizes)]


def _dynamic_slice(x, *starts, slice_sizes):
  starts = _clamped_starts(x.shape, slice_sizes, starts)
  return x[tuple(slice(s, s + k) for s, k in zip(starts, slice_sizes))]


dynamic_slice_p = standard_primitive(
    "dynamic_slice", _dynamic_slice_shape, lambda x, *s, **p: x.dtype, _dynamic_slice,
    lambda weak, *rest, **p: weak)


# --- batching. Unbatched start indices slice the batch whole; a batched start index (one per
# element) is applied by a barrel shifter: the clamped start, bit by bit, selects between the
# array and the array shifted by that power of two (log2(n) selects, exact for every value).
def _index_const(index, value):
  dtype = get_aval(index).dtype
  return Array(np.array(min(value, np.iinfo(dtype).max), dtype), False)


def _clamped_start(start, size: int, window: int):
  """The start index as the primitive applies it: clamped so the window fits (traced
  arithmetic, so it works for batched indices)."""
  return clamp_p.bind(_index_const(start, 0), start, _index_const(start, size - window))


def _start_bit(start, bit: int, shape):
  """Whether bit `bit` of each (batched, along axis 0) or the one (unbatched) start is set, as a
  `which` operand for select_n over arrays of `shape`."""
  which = elementwise.ne_p.bind(elementwise.and_p.bind(start, _index_const(start, 1 << bit)),
                                _index_const(start, 0))
  if not get_aval(which).shape:
    return which
  return broadcast_in_dim_p.bind(which, shape=shape, broadcast_dimensions=(0,), sharding=None)


def _rotate(x, axis: int, amount: int):
  """`x` rotated along `axis` by `amount` positions (towards higher indices if positive): slices
  and a concatenation, so it works for every dtype (PRNG keys too)."""
  shape = get_aval(x).shape
  cut = -amount % shape[axis]

  def part(start, limit):
    starts, limits = [0] * len(shape), list(shape)
    starts[axis], limits[axis] = start, limit
    return slice_p.bind(x, start_indices=tuple(starts), limit_indices=tuple(limits), strides=None)
  return concatenate_p.bind(part(cut, shape[axis]), part(0, cut), dimension=axis)


def _dynamic_slice_batcher(axis_data, vals, dims, *, slice_sizes):
  (x, *starts), (dx, *d_starts) = vals, dims
  size = axis_data.size
  if all(d is None for d in d_starts):
    zero = _index_const(starts[0], 0) if starts else np.int32(0)
    starts.insert(dx, zero)
    sizes = list(slice_sizes)
    sizes.insert(dx, size)
    return dynamic_slice_p.bind(x, *starts, slice_sizes=tuple(sizes)), dx
  x = batching.bdim_at_front(x, dx, size)
  shape = get_aval(x).shape[1:]
  # Unbatched starts first, as one slice that keeps the batched-start axes whole.
  batched = [d is not None for d in d_starts]
  first = [_index_const(s, 0) if b else s for s, b in zip(starts, batched)]
  sizes = tuple(n if b else k for n, k, b in zip(shape, slice_sizes, batched))
  y = dynamic_slice_p.bind(x, _index_const(starts[0], 0), *first, slice_sizes=(size, *sizes))
  for axis, (start, d, n, k) in enumerate(zip(starts, d_starts, shape, slice_sizes)):
    if d is None:
      continue
    start = _clamped_start(batching.moveaxis(start, d, 0), n, k)
    y_shape = get_aval(y).shape
    for bit in range((n - k).bit_length()):
      y = select_n_p.bind(_start_bit(start, bit, y_shape), y, _rotate(y, axis + 1, -(1 << bit)))
    if k != n:
      limits = list(y_shape)
      limits[axis + 1] = k
      y = slice_p.bind(y, start_indices=(0,) * len(y_shape), limit_indices=tuple(limits),
                       strides=None)
  return y, 0


batching.primitive_batchers[dynamic_slice_p] = _dynamic_slice_batcher


def _dynamic_update_slice_shape(x, update, *starts):
  if update.ndim != x.ndim or any(u > n for u, n in zip(update.shape, x.shape)):
    raise TypeError("dynamic_update_slice update shape must be smaller than operand shape, got "
                    f"update shape {update.shape} for operand shape {x.shape}.")
  if len(starts) != x.ndim:
    raise TypeError(f"dynamic_update_slice needs {x.ndim} start indices, got {len(starts)}.")
  return x.shape


def _dynamic_update_slice_dtype(x, update, *starts):
  if x.dtype != update.dtype:
    raise TypeError("dynamic_update_slice update must have the same dtype as operand, got "
                    f"{update.dtype.name} and {x.dtype.name}.")
  return x.dtype


def _dynamic_update_slice(x, update, *starts):
  starts = _clamped_starts(x.shape, update.shape, starts)
  out = xp.array(x, copy=True)
  out[tuple(slice(s, s + k) for s, k in zip(starts, update.shape))] = update
  return out


dynamic_update_slice_p = standard_primitive(
    "dynamic_update_slice", _dynamic_update_slice_shape, _dynamic_update_slice_dtype,
    _dynamic_update_slice, lambda weak_x, weak_u, *rest: weak_x and weak_u)


# --- batching. With a batched start index, the update (and a mask of where it lands) is grown
# to the operand's shape and moved into place by a barrel shifter; a select writes it.
def _dynamic_update_slice_batcher(axis_data, vals, dims):
  (x, update, *starts), (dx, du, *d_starts) = vals, dims
  size = axis_data.size
  x = batching.bdim_at_front(x, dx, size)
  update = batching.bdim_at_front(update, du, size)
  if all(d is None for d in d_starts):
    zero = _index_const(starts[0], 0) if starts else np.int32(0)
    return dynamic_update_slice_p.bind(x, update, zero, *starts), 0
  shape = get_aval(x).shape
  mask = broadcast_in_dim_p.bind(np.True_, shape=get_aval(update).shape, broadcast_dimensions=(),
                                 sharding=None)
  for axis, (start, d, n) in enumerate(zip(starts, d_starts, shape[1:])):
    k = get_aval(update).shape[axis + 1]
    start = _clamped_start(start if d is None else batching.moveaxis(start, d, 0), n, k)
    if k == 0:
      return x, 0
    if k != n:
      # Grow the update to the operand's length with copies of its first slice (masked out).
      u_shape = get_aval(update).shape
      limits = list(u_shape)
      limits[axis + 1] = 1
      first = slice_p.bind(update, start_indices=(0,) * len(u_shape), limit_indices=tuple(limits),
                           strides=None)
      filler_shape = list(u_shape)
      filler_shape[axis + 1] = n - k
      filler = broadcast_in_dim_p.bind(first, shape=tuple(filler_shape), sharding=None,
                                       broadcast_dimensions=tuple(range(len(u_shape))))
      update = concatenate_p.bind(update, filler, dimension=axis + 1)
      config = [(0, 0, 0)] * len(shape)
      config[axis + 1] = (0, n - k, 0)
      mask = pad_p.bind(mask, np.False_, padding_config=tuple(config))
    for bit in range((n - k).bit_length()):
      which = _start_bit(start, bit, get_aval(update).shape)
      update = select_n_p.bind(which, update, _rotate(update, axis + 1, 1 << bit))
      mask = select_n_p.bind(which, mask, _rotate(mask, axis + 1, 1 << bit))
  return select_n_p.bind(mask, x, update), 0


batching.primitive_batchers[dynamic_update_slice_p] = _dynamic_update_slice_batcher

# ------------------------------------------------------------------------------------------------
# Selection


def _select_n_shape(which, *cases):
  if not cases:
    raise ValueError("select_n() must have at least one case")
  if any(c.shape != cases[0].shape for c in cases):
    raise TypeError("select cases must have the same shapes, got "
                    f"[{', '.join(str(c.shape) for c in cases)}].")
  if which.shape and which.shape != cases[0].shape:
    raise TypeError("select `which` must be scalar or have the same shape as cases, got "
                    f"`which` shape {which.shape} but case shape {cases[0].shape}.")
  return cases[0].shape


def _select_n_dtype(which, *cases):
  if not (which.dtype == np.bool_ or dtypes.issubdtype(which.dtype, np.integer)):
    raise TypeError(f"select `which` must be boolean or integer type, got {which.dtype.name}.")
  if which.dtype == np.bool_ and len(cases) > 2:
    raise TypeError("select with boolean `which` cannot have > 2 cases.")
  if any(c.dtype != cases[0].dtype for c in cases):
    raise TypeError("select cases must have the same dtypes, got "
                    f"[{', '.join(c.dtype.name for c in cases)}].")
  return cases[0].dtype


def _select_n(which, *cases):
  if len(cases) == 1:
    return cases[0]
  if which.dtype == np.bool_:
    return xp.where(which, cases[1], cases[0])
  return xp.choose(xp.clip(which, 0, len(cases) - 1), cases)


select_n_p = standard_primitive("select_n", _select_n_shape, _select_n_dtype, _select_n,
                                lambda which, *cases: all(cases))


# --- batching. `which` may be a scalar for every element; a batched scalar `which` is broadcast
# to the cases' shape.
def _select_n_batcher(axis_data, vals, dims):
  (which, *cases), (dw, *d_cases) = vals, dims
  shapes = {get_aval(v).shape for v in vals}
  if len(set(dims)) == 1 and len(shapes) == 1:
    return select_n_p.bind(which, *cases), dw
  case_dim = next((d for d in d_cases if d is not None), None)
  if dw is None and not get_aval(which).shape and all(d == case_dim for d in d_cases):
    return select_n_p.bind(which, *cases), case_dim
  size = axis_data.size
  cases = [batching.bdim_at_front(c, d, size) for c, d in zip(cases, d_cases)]
  case_shape = get_aval(cases[0]).shape
  if dw is None and not get_aval(which).shape:
    return select_n_p.bind(which, *cases), 0
  which = batching.bdim_at_front(which, dw, size)
  if get_aval(which).shape != case_shape:
    which = broadcast_in_dim_p.bind(which, shape=case_shape, broadcast_dimensions=(0,),
                                    sharding=None)
  return select_n_p.bind(which, *cases), 0


batching.primitive_batchers[select_n_p] = _select_n_batcher


def _clamp_shape(lo, x, hi):
  for bound, name in ((lo, "min"), (hi, "max")):
    if bound.shape and bound.shape != x.shape:
      raise TypeError(f"clamp requires {name}.shape == operand.shape or {name}.shape == (), got "
                      f"{bound.shape}.")
  return x.shape


def _clamp_dtype(lo, x, hi):
  if lo.dtype != x.dtype or hi.dtype != x.dtype:
    raise TypeError("lax.clamp requires arguments to have the same dtypes, got "
                    f"{lo.dtype.name}, {x.dtype.name}, {hi.dtype.name}.")
  return x.dtype


clamp_p = standard_primitive("clamp", _clamp_shape, _clamp_dtype,
                             lambda lo, x, hi: elementwise._min(elementwise._max(x, lo), hi))


# --- batching: bounds may be scalars for every element.
def _clamp_batcher(axis_data, vals, dims):
  (lo, x, hi), (d_lo, dx, d_hi) = vals, dims
  if (d_lo is None and d_hi is None and not get_aval(lo).shape and not get_aval(hi).shape):
    return clamp_p.bind(lo, x, hi), dx
  size = axis_data.size
  x = batching.bdim_at_front(x, dx, size)
  shape = get_aval(x).shape

  def bound(b, d):
    if d is None and not get_aval(b).shape:
      return b
    b = batching.bdim_at_front(b, d, size)
    if get_aval(b).shape != shape:
      b = broadcast_in_dim_p.bind(b, shape=shape, broadcast_dimensions=(0,), sharding=None)
    return b
  return clamp_p.bind(bound(lo, d_lo), x, bound(hi, d_hi)), 0


batching.primitive_batchers[clamp_p] = _clamp_batcher


# ------------------------------------------------------------------------------------------------
# stop_gradient: the identity, whose derivative is zero at every level of differentiation


stop_gradient_p = standard_primitive("stop_gradient", lambda x: x.shape, lambda x: x.dtype,
                                     lambda x: x, first_operand_weak)
batching.defvectorized(stop_gradient_p)  # --- batching


def _stop_gradient_jvp(primals, tangents):
  x, = primals
  # Bound again under the parent trace, so enclosing differentiations see a constant too.
  return stop_gradient_p.bind(x), ad.Zero.from_primal(x)


ad.primitive_jvps[stop_gradient_p] = _stop_gradient_jvp

# ------------------------------------------------------------------------------------------------
# Differentiation: a JVP rule for every primitive above, a transpose rule for the linear ones.


def _zeros(aval):
  """Zeros of type `aval` under the current trace: a scalar constant broadcast to the shape."""
  scalar = Array(np.zeros((), aval.dtype), aval.weak_type)
  if not aval.shape:
    return scalar
  return broadcast_in_dim_p.bind(scalar, shape=aval.shape, broadcast_dimensions=(),
                                 sharding=None)


ad.def_zeros_builder(_zeros)


def _aval(x):
  return x.aval if ad.is_undefined_primal(x) else get_aval(x)


def _reshape_to(x, shape):
  return reshape_p.bind(x, new_sizes=tuple(shape), dimensions=None, sharding=None)


def _convert_jvp(primals, tangents, *, new_dtype, weak_type=False, sharding=None):
  x, = primals
  t, = tangents
  out = convert_element_type_p.bind(x, new_dtype=new_dtype, weak_type=weak_type,
                                    sharding=sharding)
  if type(t) is ad.Zero or not dtypes.issubdtype(new_dtype, np.inexact):
    return out, ad.Zero.from_primal(out)
  return out, convert_element_type_p.bind(t, new_dtype=new_dtype, weak_type=weak_type,
                                          sharding=sharding)


def _convert_transpose(ct, x, *, new_dtype, weak_type=False, sharding=None):
  return [convert_element_type_p.bind(ct, new_dtype=x.aval.dtype, weak_type=x.aval.weak_type,
                                      sharding=None)]


ad.primitive_jvps[convert_element_type_p] = _convert_jvp
ad.primitive_transposes[convert_element_type_p] = _convert_transpose
ad.defjvp_zero(bitcast_convert_type_p)
ad.defjvp_zero(iota_p)


def _broadcast_in_dim_transpose(ct, x, *, shape, broadcast_dimensions, sharding=None):
  in_shape = x.aval.shape
  stretched = tuple(d for i, d in enumerate(broadcast_dimensions)
                    if in_shape[i] == 1 and shape[d] != 1)
  added = tuple(d for d in range(len(shape)) if d not in broadcast_dimensions)
  axes = tuple(sorted(stretched + added))
  summed = _red.reduce_sum_p.bind(ct, axes=axes, out_sharding=None) if axes else ct
  return [_reshape_to(summed, in_shape) if stretched else summed]


def _reshape_transpose(ct, x, *, new_sizes, dimensions, sharding=None):
  if dimensions is None:
    return [_reshape_to(ct, x.aval.shape)]
  permuted = _reshape_to(ct, tuple(x.aval.shape[d] for d in dimensions))
  return [transpose_p.bind(permuted, permutation=tuple(np.argsort(dimensions).tolist()))]


def _concatenate_transpose(ct, *operands, dimension):
  ct_shape = get_aval(ct).shape
  cts, offset = [], 0
  for x in operands:
    size = _aval(x).shape[dimension]
    if ad.is_undefined_primal(x):
      start = [0] * len(ct_shape)
      limit = list(ct_shape)
      start[dimension], limit[dimension] = offset, offset + size
      cts.append(slice_p.bind(ct, start_indices=tuple(start), limit_indices=tuple(limit),
                              strides=None))
    else:
      cts.append(None)
    offset += size
  return cts


def _pad_transpose(ct, x, padding_value, *, padding_config):
  # Undo the edge padding (negative low/high crop, positive ones pad back), then keep every
  # (interior + 1)-th element.
  zero = Array(np.zeros((), get_aval(ct).dtype), True)
  unpadded = pad_p.bind(ct, zero, padding_config=tuple((-lo, -hi, 0)
                                                       for lo, hi, _ in padding_config))
  shape = get_aval(unpadded).shape
  ct_x = slice_p.bind(unpadded, start_indices=(0,) * len(shape), limit_indices=shape,
                      strides=tuple(interior + 1 for _, _, interior in padding_config))
  ct_padding = None
  if ad.is_undefined_primal(padding_value):
    every_axis = tuple(range(len(shape)))
    ct_padding = elementwise.sub_p.bind(
        _red.reduce_sum_p.bind(ct, axes=every_axis, out_sharding=None),
        _red.reduce_sum_p.bind(ct_x, axes=every_axis, out_sharding=None))
  return [ct_x if ad.is_undefined_primal(x) else None, ct_padding]


def _slice_transpose(ct, x, *, start_indices, limit_indices, strides):
  shape = x.aval.shape
  strides = strides or (1,) * len(shape)
  out_shape = get_aval(ct).shape
  ends = [start + (size - 1) * stride + 1 if size else start
          for start, size, stride in zip(start_indices, out_shape, strides)]
  config = tuple((start, n - end, stride - 1)
                 for start, n, end, stride in zip(start_indices, shape, ends, strides))
  return [pad_p.bind(ct, Array(np.zeros((), get_aval(ct).dtype), True), padding_config=config)]


ad.deflinear(broadcast_in_dim_p, _broadcast_in_dim_transpose)
ad.deflinear(reshape_p, _reshape_transpose)
ad.deflinear(transpose_p, lambda ct, x, *, permutation: [
    transpose_p.bind(ct, permutation=tuple(np.argsort(permutation).tolist()))])
ad.deflinear(squeeze_p, lambda ct, x, *, dimensions: [_reshape_to(ct, x.aval.shape)])
ad.deflinear(concatenate_p, _concatenate_transpose)


def _stack_transpose(ct, *operands, axis):
  parts = unstack_p.bind(ct, axis=axis)
  return [part if ad.is_undefined_primal(x) else None for x, part in zip(operands, parts)]


ad.deflinear(stack_p, _stack_transpose)


def _unstack_jvp(primals, tangents, *, axis):
  x, = primals
  t, = tangents
  outs = unstack_p.bind(x, axis=axis)
  if type(t) is ad.Zero:
    return outs, [ad.Zero.from_primal(o) for o in outs]
  return outs, unstack_p.bind(t, axis=axis)


def _unstack_transpose(cts, x, *, axis):
  return [stack_p.bind(*map(ad.instantiate_zeros, cts), axis=axis)]


ad.primitive_jvps[unstack_p] = _unstack_jvp
ad.primitive_transposes[unstack_p] = _unstack_transpose
ad.deflinear(pad_p, _pad_transpose)
ad.deflinear(slice_p, _slice_transpose)
ad.deflinear(rev_p, lambda ct, x, *, dimensions: [rev_p.bind(ct, dimensions=dimensions)])


def _dynamic_slice_jvp(primals, tangents, *, slice_sizes):
  x, *starts = primals
  out = dynamic_slice_p.bind(x, *starts, slice_sizes=slice_sizes)
  if type(tangents[0]) is ad.Zero:
    return out, ad.Zero.from_primal(out)
  return out, dynamic_slice_p.bind(tangents[0], *starts, slice_sizes=slice_sizes)


def _dynamic_slice_transpose(ct, x, *starts, slice_sizes):
  zeros = ad.zeros_like_aval(x.aval)
  return [dynamic_update_slice_p.bind(zeros, ct, *starts), *(None for _ in starts)]


def _dynamic_update_slice_jvp(primals, tangents):
  x, update, *starts = primals
  out = dynamic_update_slice_p.bind(x, update, *starts)
  t_x, t_update = tangents[:2]
  if type(t_x) is ad.Zero and type(t_update) is ad.Zero:
    return out, ad.Zero.from_primal(out)
  return out, dynamic_update_slice_p.bind(ad.instantiate_zeros(t_x),
                                          ad.instantiate_zeros(t_update), *starts)


def _dynamic_update_slice_transpose(ct, x, update, *starts):
  update_aval = _aval(update)
  ct_x = ct_update = None
  if ad.is_undefined_primal(x):
    ct_x = dynamic_update_slice_p.bind(ct, ad.zeros_like_aval(update_aval), *starts)
  if ad.is_undefined_primal(update):
    ct_update = dynamic_slice_p.bind(ct, *starts, slice_sizes=update_aval.shape)
  return [ct_x, ct_update, *(None for _ in starts)]


ad.primitive_jvps[dynamic_slice_p] = _dynamic_slice_jvp
ad.primitive_transposes[dynamic_slice_p] = _dynamic_slice_transpose
ad.primitive_jvps[dynamic_update_slice_p] = _dynamic_update_slice_jvp
ad.primitive_transposes[dynamic_update_slice_p] = _dynamic_update_slice_transpose


def _select_n_jvp(primals, tangents):
  which, *cases = primals
  out = select_n_p.bind(which, *cases)
  case_tangents = tangents[1:]
  if all(type(t) is ad.Zero for t in case_tangents):
    return out, ad.Zero.from_primal(out)
  return out, select_n_p.bind(which, *map(ad.instantiate_zeros, case_tangents))


def _select_n_transpose(ct, which, *cases):
  zeros = ad.zeros_like_aval(get_aval(ct))
  return [None] + [select_n_p.bind(which, *(ct if j == i else zeros for j in range(len(cases))))
                   if ad.is_undefined_primal(case) else None for i, case in enumerate(cases)]


ad.primitive_jvps[select_n_p] = _select_n_jvp
ad.primitive_transposes[select_n_p] = _select_n_transpose


def _where(pred, tangent, shape):
  """`tangent` (broadcast to `shape`) where `pred`, else 0."""
  tangent = elementwise._broadcast_to(tangent, shape)
  return select_n_p.bind(pred, ad.zeros_like_aval(get_aval(tangent)), tangent)


def _clamp_jvp(primals, tangents):
  lo, x, hi = primals
  t_lo, t_x, t_hi = tangents
  out = clamp_p.bind(lo, x, hi)
  shape = get_aval(out).shape
  total = ad.Zero.from_primal(out)
  if type(t_lo) is not ad.Zero:
    total = ad.add_tangents(total, _where(elementwise.and_p.bind(
        elementwise.gt_p.bind(lo, x), elementwise.lt_p.bind(lo, hi)), t_lo, shape))
  if type(t_x) is not ad.Zero:
    total = ad.add_tangents(total, _where(elementwise.and_p.bind(
        elementwise.gt_p.bind(x, lo), elementwise.lt_p.bind(x, hi)), t_x, shape))
  if type(t_hi) is not ad.Zero:
    total = ad.add_tangents(total, _where(elementwise.lt_p.bind(hi, x), t_hi, shape))
  return out, total


ad.primitive_jvps[clamp_p] = _clamp_jvp


# ------------------------------------------------------------------------------------------------
# optimization_barrier: the identity on any number of operands, which a compiler must not move
# computation across. Eagerly and in the NumPy interpreter it is a no-op.

optimization_barrier_p = Primitive("optimization_barrier", multiple_results=True)
optimization_barrier_p.def_impl(lambda *operands: list(operands))
optimization_barrier_p.def_abstract_eval(lambda *avals: list(avals))
optimization_barrier_p.weak_type_rule = lambda *weak_types: list(weak_types)


def _optimization_barrier_jvp(primals, tangents):
  # The tangents pass beside the barrier: it constrains scheduling, not values.
  return optimization_barrier_p.bind(*primals), list(tangents)


ad.primitive_jvps[optimization_barrier_p] = _optimization_barrier_jvp
batching.primitive_batchers[optimization_barrier_p] = (
    lambda axis_data, vals, dims: (optimization_barrier_p.bind(*vals), list(dims)))


# ------------------------------------------------------------------------------------------------
# split: consecutive pieces of the given sizes along one axis (the inverse of concatenate).


def _split_abstract_eval(x, *, sizes, axis):
  if not 0 <= axis < x.ndim:
    raise ValueError(f"axis {axis} is out of bounds for array of dimension {x.ndim}")
  if any(s < 0 for s in sizes):
    raise ValueError(f"Sizes passed to split must be nonnegative, got {list(sizes)}")
  if sum(sizes) != x.shape[axis]:
    raise ValueError(f"Sum of sizes {sum(sizes)} must be equal to dimension {axis} of the "
                     f"operand shape {list(x.shape)}")
  return [x.update(shape=x.shape[:axis] + (s,) + x.shape[axis + 1:]) for s in sizes]


def _split(x, *, sizes, axis):
  return xp.split(x, np.cumsum(sizes[:-1]).tolist(), axis=axis)


split_p = Primitive("split", multiple_results=True)
split_p.def_abstract_eval(_split_abstract_eval)
split_p.def_impl(_split)
split_p.weak_type_rule = lambda weak, *, sizes, axis: weak


def _split_jvp(primals, tangents, *, sizes, axis):
  (x,), (t,) = primals, tangents
  outs = split_p.bind(x, sizes=sizes, axis=axis)
  if type(t) is ad.Zero:
    return outs, [ad.Zero.from_primal(o) for o in outs]
  return outs, split_p.bind(t, sizes=sizes, axis=axis)


def _split_transpose(cts, x, *, sizes, axis):
  return [concatenate_p.bind(*map(ad.instantiate_zeros, cts), dimension=axis)]


def _split_batcher(axis_data, vals, dims, *, sizes, axis):
  (x,), (d,) = vals, dims
  outs = split_p.bind(x, sizes=sizes, axis=batching.physical_axis(axis, d))
  return outs, [d] * len(outs)


ad.primitive_jvps[split_p] = _split_jvp
ad.primitive_transposes[split_p] = _split_transpose
batching.primitive_batchers[split_p] = _split_batcher


# ------------------------------------------------------------------------------------------------
# tile: the operand repeated `reps[i]` times along each axis i.


def _tile_shape(x, *, reps):
  if len(reps) != x.ndim:
    raise TypeError(f"reps length must be equal to the ndim of x, got len(reps)={len(reps)} and "
                    f"x.ndim={x.ndim}.")
  if any(r < 0 for r in reps):
    raise ValueError(f"reps must be nonnegative, got reps={tuple(reps)}")
  return tuple(size * r for size, r in zip(x.shape, reps))


tile_p = standard_primitive("tile", _tile_shape, lambda x, **p: x.dtype,
                            lambda x, *, reps: xp.tile(x, reps) if reps else x,
                            first_operand_weak)


def _tile_transpose(ct, x, *, reps):
  # The cotangent of each input element is the sum over its copies: view the result as
  # (reps[0], shape[0], reps[1], shape[1], ...) and sum the reps axes.
  shape = x.aval.shape
  if not shape:
    return [ct]
  split_shape = tuple(d for pair in zip(reps, shape) for d in pair)
  summed = _red.reduce_sum_p.bind(_reshape_to(ct, split_shape),
                                  axes=tuple(range(0, 2 * len(shape), 2)), out_sharding=None)
  return [summed]


def _tile_batcher(axis_data, vals, dims, *, reps):
  (x,), (d,) = vals, dims
  reps = list(reps)
  reps.insert(d, 1)
  return tile_p.bind(x, reps=tuple(reps)), d


ad.deflinear(tile_p, _tile_transpose)
batching.primitive_batchers[tile_p] = _tile_batcher
