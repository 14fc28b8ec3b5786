"""Primitives that move, reshape, select or convert data without arithmetic."""
from __future__ import annotations

import numpy as np

from pyjax._src import dtypes
from pyjax._src.backend import xp
from pyjax._src.core import Array, Tracer, canonicalize_value, get_aval
from pyjax._src.interpreters import ad
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
    info = np.iinfo(new_dtype)
    wide = x.astype(np.float64)
    out = xp.where(wide >= float(info.max), info.max,
                   xp.where(wide <= float(info.min), info.min, xp.nan_to_num(xp.trunc(wide))))
    return xp.where(xp.isnan(wide), 0, out).astype(new_dtype)
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


def convert_element_type(operand, new_dtype, weak_type: bool = False, sharding=None):
  new_dtype = dtypes.canonicalize_dtype(new_dtype)
  if (isinstance(operand, (Array, Tracer)) and operand.dtype == new_dtype
      and operand.weak_type == bool(weak_type)):
    return operand
  return convert_element_type_p.bind(operand, new_dtype=new_dtype, weak_type=bool(weak_type),
                                     sharding=sharding)


def _bitcast_shape(x, *, new_dtype):
  old_size, new_size = x.dtype.itemsize, np.dtype(new_dtype).itemsize
  if old_size == new_size:
    return x.shape
  if old_size > new_size:
    return (*x.shape, old_size // new_size)
  if not x.shape or x.shape[-1] != new_size // old_size:
    raise TypeError(f"Attempting to convert array of shape {x.shape} from {x.dtype.name} to "
                    f"{np.dtype(new_dtype).name}: the last dimension must be "
                    f"{new_size // old_size}.")
  return x.shape[:-1]


def _bitcast(x, *, new_dtype):
  x = xp.ascontiguousarray(x)
  out = x.view(new_dtype)
  old_size, new_size = x.dtype.itemsize, np.dtype(new_dtype).itemsize
  if old_size > new_size:
    return out.reshape(*x.shape, old_size // new_size)
  if old_size < new_size:
    return out.reshape(x.shape[:-1])
  return out


bitcast_convert_type_p = standard_primitive(
    "bitcast_convert_type", _bitcast_shape, lambda x, *, new_dtype: np.dtype(new_dtype), _bitcast,
    never_weak)

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
  if list(broadcast_dimensions) != sorted(broadcast_dimensions):
    raise TypeError("broadcast_in_dim broadcast_dimensions must be strictly increasing; got "
                    f"broadcast_dimensions {broadcast_dimensions}")
  return shape


def _broadcast_in_dim(x, *, shape, broadcast_dimensions, sharding=None):
  expanded = [1] * len(shape)
  for i, d in enumerate(broadcast_dimensions):
    expanded[d] = x.shape[i]
  return xp.broadcast_to(xp.reshape(x, expanded), shape)


broadcast_in_dim_p = standard_primitive(
    "broadcast_in_dim", _broadcast_in_dim_shape, lambda x, **p: x.dtype, _broadcast_in_dim,
    first_operand_weak)
pp_param_rules[broadcast_in_dim_p] = lambda p: (
    {"broadcast_dimensions": p["broadcast_dimensions"]} if p["broadcast_dimensions"] else {})


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


def _transpose_shape(x, *, permutation):
  if sorted(permutation) != list(range(x.ndim)):
    raise TypeError("transpose permutation isn't a permutation of operand dimensions, got "
                    f"permutation {permutation} for operand shape {x.shape}.")
  return tuple(x.shape[p] for p in permutation)


transpose_p = standard_primitive("transpose", _transpose_shape, lambda x, **p: x.dtype,
                                 lambda x, *, permutation: xp.transpose(x, permutation),
                                 first_operand_weak)


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


def _concatenate_shape(*xs, dimension):
  first = xs[0]
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

rev_p = standard_primitive("rev", lambda x, *, dimensions: x.shape, lambda x, **p: x.dtype,
                           lambda x, *, dimensions: xp.flip(x, dimensions) if dimensions else x,
                           first_operand_weak)


def _iota(*, dtype, shape, dimension, sharding=None):
  index_shape = [1] * len(shape)
  index_shape[dimension] = shape[dimension]
  return xp.broadcast_to(xp.arange(shape[dimension], dtype=dtype).reshape(index_shape), shape)


iota_p = standard_primitive("iota", lambda *, dtype, shape, dimension, sharding=None: shape,
                            lambda *, dtype, **p: dtype, _iota, never_weak)


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
  return [int(min(max(int(s), 0), n - k)) for s, n, k in zip(starts, shape, sizes)]


def _dynamic_slice(x, *starts, slice_sizes):
  starts = _clamped_starts(x.shape, slice_sizes, starts)
  return x[tuple(slice(s, s + k) for s, k in zip(starts, slice_sizes))]


dynamic_slice_p = standard_primitive(
    "dynamic_slice", _dynamic_slice_shape, lambda x, *s, **p: x.dtype, _dynamic_slice,
    lambda weak, *rest, **p: weak)


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

# ------------------------------------------------------------------------------------------------
# Selection


def _select_n_shape(which, *cases):
  if not cases:
    raise TypeError("select_n must have at least one case")
  if any(c.shape != cases[0].shape for c in cases):
    raise TypeError("select cases must have the same shapes, got "
                    f"[{', '.join(str(c.shape) for c in cases)}].")
  if which.shape and which.shape != cases[0].shape:
    raise TypeError("select `which` must be scalar or have the same shape as cases, got "
                    f"`which` shape {which.shape} but case shape {cases[0].shape}.")
  return cases[0].shape


def _select_n_dtype(which, *cases):
  check_dtype("select_n", which.dtype, (np.bool_, np.int32))
  if which.dtype == np.bool_ and len(cases) > 2:
    raise TypeError("select_n with boolean which accepts at most two cases")
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
                             lambda lo, x, hi: xp.minimum(xp.maximum(x, lo), hi))


# ------------------------------------------------------------------------------------------------
# stop_gradient: the identity, whose derivative is zero at every level of differentiation


stop_gradient_p = standard_primitive("stop_gradient", lambda x: x.shape, lambda x: x.dtype,
                                     lambda x: x, first_operand_weak)


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
