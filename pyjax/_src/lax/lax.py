"""The `pyjax.lax` functions over the primitives: thin wrappers that normalise arguments (shapes,
axes, dtypes) and bind. No implicit dtype promotion happens at this level."""
from __future__ import annotations

import builtins
import operator
from typing import Sequence

import numpy as np

from pyjax._src import core, dtypes, tree_util
from pyjax._src.lax import dot as _dot
from pyjax._src.lax import elementwise as _ew
from pyjax._src.lax import reductions as _red
from pyjax._src.lax import structural as _st
from pyjax._src.lax.elementwise import RoundingMethod
from pyjax._src.lax.precision import ACCURACY_FUNCTIONS, canonicalize_precision
from pyjax._src.lax.utils import canonicalize_shape


def _unary_function(primitive, public_name):
  def fn(x):
    return primitive.bind(x)
  fn.__name__ = fn.__qualname__ = public_name
  fn.__doc__ = f"Elementwise `{primitive.name}` (the `{primitive.name}` primitive)."
  return fn


def _accuracy_function(primitive, public_name):
  def fn(x, *, accuracy=None):
    # JAX leaves `accuracy=None` out of the equation and checks other values when it runs;
    # an unhashable one fails at once (TypeError), as every equation parameter must hash.
    if accuracy is None:
      return primitive.bind(x)
    hash(accuracy)
    return primitive.bind(x, accuracy=accuracy)
  fn.__name__ = fn.__qualname__ = public_name
  fn.__doc__ = (f"Elementwise `{primitive.name}` (the `{primitive.name}` primitive); `accuracy` "
                "is None, a `lax.AccuracyMode` or a `lax.Tolerance`.")
  return fn


def _binary_function(primitive, public_name):
  def fn(x, y):
    return primitive.bind(x, y)
  fn.__name__ = fn.__qualname__ = public_name
  fn.__doc__ = f"Elementwise `{primitive.name}` of two arrays of one dtype."
  return fn


_PUBLIC_NAMES = {"not": "bitwise_not", "and": "bitwise_and", "or": "bitwise_or",
                 "xor": "bitwise_xor"}
for _name, _p in _ew.unary_primitives.items():
  _maker = _accuracy_function if _name in ACCURACY_FUNCTIONS else _unary_function
  globals()[_PUBLIC_NAMES.get(_name, _name)] = _maker(_p, _PUBLIC_NAMES.get(_name, _name))
for _name, _p in _ew.binary_primitives.items():
  globals()[_PUBLIC_NAMES.get(_name, _name)] = _binary_function(_p, _PUBLIC_NAMES.get(_name,
                                                                                       _name))
pow = _binary_function(_ew.pow_p, "pow")  # noqa: A001  (lax.pow is JAX's name)
polygamma = _binary_function(_ew.polygamma_p, "polygamma")


def round(x, rounding_method=RoundingMethod.AWAY_FROM_ZERO):  # noqa: A001
  """Round to the nearest integer, halves away from zero (default) or to even."""
  return _ew.round_p.bind(x, rounding_method=RoundingMethod(rounding_method))


def integer_pow(x, y: int):
  """`x ** y` for a static Python integer `y`, by repeated multiplication."""
  return _ew.integer_pow_p.bind(x, y=operator.index(y))


def conj(x):
  """Complex conjugate (a real input becomes complex)."""
  return _ew.conj_p.bind(x, input_dtype=core.get_aval(x).dtype)


# --- conversion -------------------------------------------------------------------------------

def convert_element_type(operand, new_dtype):
  """Cast `operand` to `new_dtype` (float -> int truncates and saturates; NaN becomes 0)."""
  new_dtype = dtypes.check_user_dtype_supported(new_dtype, "convert_element_type")
  if type(operand) is builtins.complex and not dtypes.issubdtype(new_dtype, np.complexfloating):
    # As in JAX, a Python complex converts as NumPy converts the scalar: to bool by `z != 0`,
    # to a real type not at all (the TypeError of `float(z)` / `int(z)`).
    if new_dtype == np.bool_:
      operand = builtins.bool(operand)
    else:
      (float if dtypes.issubdtype(new_dtype, np.floating) else int)(operand)
  return _st.convert_element_type(operand, new_dtype)


def bitcast_convert_type(operand, new_dtype):
  """Reinterpret the bits of `operand` as `new_dtype` (adding or removing a trailing axis when the
  widths differ)."""
  return _st.bitcast_convert_type_p.bind(operand, new_dtype=dtypes.canonicalize_dtype(new_dtype))


# --- shapes -------------------------------------------------------------------------------------

def broadcast_in_dim(operand, shape, broadcast_dimensions, out_sharding=None):
  """Broadcast `operand` to `shape`, its dimension i becoming dimension broadcast_dimensions[i]."""
  shape = canonicalize_shape(shape)
  dims = tuple(operator.index(d) for d in broadcast_dimensions)
  aval = core.get_aval(operand)
  if aval.shape == shape and dims == tuple(range(len(shape))) and type(operand) is core.Array:
    return operand
  return _st.broadcast_in_dim_p.bind(operand, shape=shape, broadcast_dimensions=dims,
                                     sharding=out_sharding)


def broadcast(operand, sizes):
  """Add leading dimensions of the given sizes."""
  sizes = canonicalize_shape(sizes)
  ndim = core.get_aval(operand).ndim
  return broadcast_in_dim(operand, sizes + core.get_aval(operand).shape,
                          tuple(range(len(sizes), len(sizes) + ndim)))


def broadcast_to_rank(x, rank: int):
  return broadcast(x, (1,) * (rank - core.get_aval(x).ndim))


def reshape(operand, new_sizes, dimensions=None, out_sharding=None):
  """Reshape (row-major), optionally transposing by `dimensions` first."""
  new_sizes = canonicalize_shape(new_sizes)
  aval = core.get_aval(operand)
  dims = None if dimensions is None else tuple(operator.index(d) for d in dimensions)
  if dims is not None and dims == tuple(range(aval.ndim)):
    dims = None
  if aval.shape == new_sizes and dims is None and isinstance(operand, (core.Array, core.Tracer)):
    return operand  # as in JAX, also for tracers: no-op reshapes are not staged
  return _st.reshape_p.bind(operand, new_sizes=new_sizes, dimensions=dims, sharding=out_sharding)


def transpose(operand, permutation):
  permutation = tuple(operator.index(p) for p in permutation)
  if permutation == tuple(range(len(permutation))) and isinstance(operand,
                                                                 (core.Array, core.Tracer)):
    return operand  # as in JAX, also for tracers: identity transposes are not staged
  return _st.transpose_p.bind(operand, permutation=permutation)


def _canonical_axes(axes, ndim):
  return tuple(operator.index(a) % ndim if ndim else operator.index(a) for a in axes)


def squeeze(array, dimensions):
  ndim = core.get_aval(array).ndim
  dims = tuple(sorted(_canonical_axes(dimensions, ndim)))
  if not dims and type(array) is core.Array:
    return array
  return _st.squeeze_p.bind(array, dimensions=dims)


def expand_dims(array, dimensions):
  """Insert size-1 dimensions at the given positions (of the result)."""
  aval = core.get_aval(array)
  out_ndim = aval.ndim + len(dimensions)
  dims = sorted(operator.index(d) % out_ndim for d in dimensions)
  shape = list(aval.shape)
  for d in dims:
    shape.insert(d, 1)
  kept = tuple(i for i in range(out_ndim) if i not in dims)
  return broadcast_in_dim(array, shape, kept)


def concatenate(operands: Sequence, dimension: int):
  if len(operands) == 1 and type(operands[0]) is core.Array:
    return operands[0]
  return _st.concatenate_p.bind(*operands, dimension=operator.index(dimension))


def stack(operands: Sequence, axis: int = 0):
  """Join arrays of one shape and dtype along a new axis `axis`."""
  ndim = core.get_aval(operands[0]).ndim
  axis = operator.index(axis)
  if not -(ndim + 1) <= axis <= ndim:
    raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim + 1}")
  return _st.stack_p.bind(*operands, axis=axis % (ndim + 1))


def unstack(x, axis: int = 0) -> tuple:
  """The slices of `x` along `axis`, as a tuple of arrays."""
  ndim = core.get_aval(x).ndim
  axis = operator.index(axis)
  if not -ndim <= axis < ndim:
    raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
  return tuple(_st.unstack_p.bind(x, axis=axis % ndim))


def pad(operand, padding_value, padding_config):
  """Pad with (low, high, interior) amounts per dimension; negative low/high crop."""
  config = tuple((operator.index(lo), operator.index(hi), operator.index(i))
                 for lo, hi, i in padding_config)
  return _st.pad_p.bind(operand, padding_value, padding_config=config)


def slice(operand, start_indices, limit_indices, strides=None):  # noqa: A001
  start = tuple(operator.index(i) for i in start_indices)
  limit = tuple(operator.index(i) for i in limit_indices)
  strides = None if strides is None else tuple(operator.index(i) for i in strides)
  return _st.slice_p.bind(operand, start_indices=start, limit_indices=limit, strides=strides)


def slice_in_dim(operand, start_index, limit_index, stride=1, axis=0):
  shape = core.get_aval(operand).shape
  axis = operator.index(axis) % len(shape)
  start = [0] * len(shape)
  limit = list(shape)
  strides = [1] * len(shape)
  size = shape[axis]
  start[axis] = _clip_index(start_index, size, 0)
  limit[axis] = _clip_index(limit_index, size, size)
  strides[axis] = operator.index(stride)
  return slice(operand, start, limit, strides)  # JAX always passes strides here: `strides=(1,)`


def _clip_index(index, size, default):
  if index is None:
    return default
  index = operator.index(index)
  # builtins: this module's `max`/`min` are the lax primitives
  return builtins.max(0, builtins.min(index + size if index < 0 else index, size))


def index_in_dim(operand, index, axis=0, keepdims=True):
  shape = core.get_aval(operand).shape
  axis = operator.index(axis) % len(shape)
  index = operator.index(index)
  index = index + shape[axis] if index < 0 else index
  if not 0 <= index < shape[axis]:
    raise IndexError(f"index {index} is out of bounds for axis {axis} with size {shape[axis]}")
  result = slice_in_dim(operand, index, index + 1, 1, axis)
  return result if keepdims else squeeze(result, (axis,))


def rev(operand, dimensions):
  return _st.rev_p.bind(operand, dimensions=tuple(operator.index(d) for d in dimensions))


def iota(dtype, size: int, sharding=None):
  """`[0, 1, ..., size-1]` in `dtype`."""
  return broadcasted_iota(dtype, (size,), 0, sharding)


def broadcasted_iota(dtype, shape, dimension: int, sharding=None):
  dtype = dtypes.check_user_dtype_supported(dtype, "broadcasted_iota")
  shape = canonicalize_shape(shape)
  return _st.iota_p.bind(dtype=dtype, shape=shape, dimension=operator.index(dimension),
                         sharding=sharding)


def _start_indices(operand, indices):
  """Dynamic start indices as JAX passes them to the primitive (which only clamps): a negative
  index counts once from the end of its dimension, statically for a Python or NumPy integer,
  else by a staged `select_n(i < 0, i, i + size)`."""
  out = []
  for i, size in zip(indices, core.get_aval(operand).shape):
    if isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)):
      value = int(i) + size if i < 0 else int(i)
      if isinstance(i, np.integer):
        out.append(type(i)(value))
      else:
        out.append(np.int32(value) if dtypes.default_int_dtype() == np.int32 or
                   builtins.abs(value) < 2**31 else np.int64(value))
      continue
    dtype = core.get_aval(i).dtype
    if dtypes.issubdtype(dtype, np.signedinteger):
      i = select_n(lt(i, np.zeros((), dtype)), i, add(i, np.array(size, dtype)))
    out.append(i)
  return out


def dynamic_slice(operand, start_indices, slice_sizes):
  """`operand[start : start + size]` per dimension with traced starts, clamped into range."""
  sizes = canonicalize_shape(slice_sizes)
  _check_index_count(operand, start_indices)
  if len(sizes) != core.get_aval(operand).ndim:
    raise ValueError(f"Length of slice_sizes must match number of operand dimensions "
                     f"({len(sizes)} vs {core.get_aval(operand).shape})")
  return _st.dynamic_slice_p.bind(operand, *_start_indices(operand, start_indices),
                                  slice_sizes=sizes)


def _check_index_count(operand, start_indices):
  shape = core.get_aval(operand).shape
  if len(start_indices) != len(shape):
    raise ValueError(f"Length of slice indices must match number of operand dimensions "
                     f"({len(start_indices)} vs {shape})")


def dynamic_update_slice(operand, update, start_indices):
  """`operand` with `update` written at traced `start_indices` (clamped so it fits)."""
  _check_index_count(operand, start_indices)
  return _st.dynamic_update_slice_p.bind(operand, update,
                                         *_start_indices(operand, start_indices))


def dynamic_slice_in_dim(operand, start_index, slice_size, axis=0):
  shape = core.get_aval(operand).shape
  axis = operator.index(axis) % len(shape)
  starts = [0] * len(shape)
  starts[axis] = start_index
  sizes = list(shape)
  sizes[axis] = operator.index(slice_size)
  return dynamic_slice(operand, starts, sizes)


def dynamic_index_in_dim(operand, index, axis=0, keepdims=True):
  result = dynamic_slice_in_dim(operand, index, 1, axis)
  if keepdims:
    return result
  return squeeze(result, (operator.index(axis) % core.get_aval(operand).ndim,))


def dynamic_update_slice_in_dim(operand, update, start_index, axis):
  ndim = core.get_aval(operand).ndim
  axis = operator.index(axis) % ndim
  starts = [0] * ndim
  starts[axis] = start_index
  return dynamic_update_slice(operand, update, starts)


def dynamic_update_index_in_dim(operand, update, index, axis):
  ndim = core.get_aval(operand).ndim
  axis = operator.index(axis) % ndim
  if core.get_aval(update).ndim == ndim - 1:
    update = expand_dims(update, (axis,))
  return dynamic_update_slice_in_dim(operand, update, index, axis)


# --- selection ----------------------------------------------------------------------------------

def select_n(which, *cases):
  """`cases[which]` elementwise; `which` is bool (two cases) or int32."""
  return _st.select_n_p.bind(which, *cases)


def select(pred, on_true, on_false):
  """`on_true` where `pred` else `on_false`."""
  return _st.select_n_p.bind(pred, on_false, on_true)


def clamp(min, x, max):  # noqa: A002
  """`min(max(x, min), max)` elementwise."""
  return _st.clamp_p.bind(min, x, max)


# --- reductions ---------------------------------------------------------------------------------

def _axes(operand, axes):
  # Unlike jnp's, lax's reduction axes must be in [0, ndim): the abstract evaluation checks them.
  return tuple(sorted(operator.index(a) for a in axes))


def reduce_sum(operand, axes, out_sharding=None):
  return _red.reduce_sum_p.bind(operand, axes=_axes(operand, axes), out_sharding=out_sharding)


def reduce_prod(operand, axes):
  return _red.reduce_prod_p.bind(operand, axes=_axes(operand, axes))


def reduce_max(operand, axes):
  return _red.reduce_max_p.bind(operand, axes=_axes(operand, axes))


def reduce_min(operand, axes):
  return _red.reduce_min_p.bind(operand, axes=_axes(operand, axes))


def reduce_and(operand, axes):
  return _red.reduce_and_p.bind(operand, axes=_axes(operand, axes))


def reduce_or(operand, axes):
  return _red.reduce_or_p.bind(operand, axes=_axes(operand, axes))


def reduce_xor(operand, axes):
  return _red.reduce_xor_p.bind(operand, axes=_axes(operand, axes))


def argmax(operand, axis: int, index_dtype):
  """Index of the largest element along `axis` (the first one on ties; NaN counts as largest)."""
  return _red.argmax_p.bind(operand, axes=_axes(operand, (axis,)),
                            index_dtype=dtypes.canonicalize_dtype(index_dtype))


def argmin(operand, axis: int, index_dtype):
  return _red.argmin_p.bind(operand, axes=_axes(operand, (axis,)),
                            index_dtype=dtypes.canonicalize_dtype(index_dtype))


# --- contraction --------------------------------------------------------------------------------

def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None,
                out_sharding=None):
  """Contract `lhs` and `rhs` over ((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch));
  the result's dimensions are batch, then lhs free, then rhs free."""
  (lc, rc), (lb, rb) = dimension_numbers
  numbers = ((tuple(map(operator.index, lc)), tuple(map(operator.index, rc))),
             (tuple(map(operator.index, lb)), tuple(map(operator.index, rb))))
  if preferred_element_type is not None:
    preferred_element_type = dtypes.canonicalize_dtype(preferred_element_type)
  return _dot.dot_general_p.bind(lhs, rhs, dimension_numbers=numbers,
                                 precision=canonicalize_precision(precision),
                                 preferred_element_type=preferred_element_type,
                                 out_sharding=out_sharding)


def dot(lhs, rhs, *, dimension_numbers=None, precision=None, preferred_element_type=None,
        out_sharding=None):
  """Vector/matrix product of arrays of rank 1 or 2 (or `dot_general` with `dimension_numbers`)."""
  if dimension_numbers is not None:
    return dot_general(lhs, rhs, dimension_numbers, precision, preferred_element_type,
                       out_sharding=out_sharding)
  lhs_shape, rhs_shape = core.get_aval(lhs).shape, core.get_aval(rhs).shape
  if not (len(lhs_shape) in (1, 2) and len(rhs_shape) in (1, 2)
          and lhs_shape[-1] == rhs_shape[0]):
    raise ValueError("jax.lax.dot: dimension_numbers must be specified when not performing simple "
                     "un-batched matrix-matrix, matrix-vector, or vector-vector products; got "
                     f"lhs_shape={lhs_shape} rhs_shape={rhs_shape}")
  return dot_general(lhs, rhs, (((len(lhs_shape) - 1,), (0,)), ((), ())), precision,
                     preferred_element_type, out_sharding=out_sharding)


# --- filling ------------------------------------------------------------------------------------

def full(shape, fill_value, dtype=None, sharding=None):
  """An array of `shape` filled with `fill_value` (weakly typed if `dtype` is None and the fill is
  a Python scalar)."""
  shape = canonicalize_shape(shape)
  if np.ndim(fill_value) and not isinstance(fill_value, core.Tracer):
    raise TypeError(f"full must be called with scalar fill_value, got fill_value.shape "
                    f"{np.shape(fill_value)}.")
  if dtype is None:
    weak = dtypes.is_weakly_typed(fill_value)
    dtype = dtypes.dtype(fill_value, canonicalize=True)
  else:
    weak = False
    dtype = dtypes.check_user_dtype_supported(dtype, "full")
  fill = _st.convert_element_type(fill_value, dtype, weak)
  return broadcast_in_dim(fill, shape, (), out_sharding=sharding)


def full_like(x, fill_value, dtype=None, shape=None, sharding=None):
  aval = core.get_aval(x)
  # As in JAX, only an omitted dtype keeps a weak type (even an explicit dtype equal to x's
  # makes the result strong).
  weak = dtype is None and aval.weak_type
  dtype = aval.dtype if dtype is None else dtype
  shape = aval.shape if shape is None else shape
  fill = _st.convert_element_type(fill_value, dtypes.canonicalize_dtype(dtype), weak)
  return broadcast_in_dim(fill, canonicalize_shape(shape), (), out_sharding=sharding)


def zeros_like_array(x):
  return full_like(x, 0)


# --- differentiation ----------------------------------------------------------------------------

def stop_gradient(x):
  """`x` unchanged (every leaf of a pytree), but a constant to differentiation: its derivative is
  zero, at every level of nested differentiation."""
  return tree_util.tree_map(_st.stop_gradient_p.bind, x)


def reciprocal(x):
  """Elementwise 1 / x (an `integer_pow` with exponent -1)."""
  return integer_pow(x, -1)


def batch_matmul(lhs, rhs, precision=None):
  """Matrix products of the trailing two dimensions, batched over the leading ones."""
  lhs_ndim, rhs_ndim = np.ndim(lhs), np.ndim(rhs)
  if lhs_ndim != rhs_ndim:
    raise ValueError(f"Arguments to batch_matmul must have same ndim, got {lhs_ndim}, {rhs_ndim}")
  if lhs_ndim < 2:
    raise ValueError(f"Arguments to batch_matmul must be at least 2D, got {lhs_ndim}, {rhs_ndim}")
  batch = tuple(range(lhs_ndim - 2))
  return dot_general(lhs, rhs, (((lhs_ndim - 1,), (rhs_ndim - 2,)), (batch, batch)),
                     precision=precision)


def collapse(operand, start_dimension: int, stop_dimension: int | None = None):
  """`operand` with dimensions `start_dimension:stop_dimension` merged into one."""
  shape = np.shape(operand)
  lo, hi, _ = builtins.slice(start_dimension, stop_dimension).indices(len(shape))
  if hi < lo:
    raise ValueError(f"Invalid dimension range passed to collapse: {shape}"
                     f"[{start_dimension}:{stop_dimension}]")
  size = builtins.int(np.prod(shape[lo:hi], dtype=np.int64))
  return reshape(operand, (*shape[:lo], size, *shape[hi:]))


def broadcast_shapes(*shapes):
  """The shape NumPy-style broadcasting of `shapes` gives."""
  from pyjax._src.numpy.lax_numpy import broadcast_shapes as _broadcast_shapes
  return _broadcast_shapes(*shapes)


def optimization_barrier(operand):
  """`operand` (any pytree of arrays) unchanged, with a barrier that keeps a compiler from moving
  computation across it (e.g. to stop rematerialized code being merged back)."""
  leaves, treedef = tree_util.tree_flatten(operand)
  return tree_util.tree_unflatten(treedef, _st.optimization_barrier_p.bind(*leaves))


def reduce_precision(operand, exponent_bits: int, mantissa_bits: int):
  """`operand` rounded to the floating-point format with `exponent_bits` and `mantissa_bits`
  (e.g. 5 and 10 emulate float16), keeping its dtype."""
  exponent_bits, mantissa_bits = operator.index(exponent_bits), operator.index(mantissa_bits)
  if exponent_bits < 1:
    raise ValueError(f"reduce_precision: exponent_bits must be positive; got {exponent_bits}")
  if mantissa_bits < 0:
    raise ValueError(
        f"reduce_precision: mantissa_bits must be non-negative; got {mantissa_bits}")
  return _ew.reduce_precision_p.bind(operand, exponent_bits=exponent_bits,
                                     mantissa_bits=mantissa_bits)


def split(operand, sizes: Sequence[int], axis: int = 0) -> list:
  """`operand` cut along `axis` into consecutive pieces of the given `sizes` (which must sum to
  the axis length)."""
  sizes = tuple(operator.index(s) for s in sizes)
  ndim = core.get_aval(operand).ndim
  axis = operator.index(axis)
  if not -ndim <= axis < ndim:
    raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
  return list(_st.split_p.bind(operand, sizes=sizes, axis=axis % ndim))


def tile(operand, reps: Sequence[int]):
  """`operand` repeated `reps[i]` times along each axis `i` (one rep per axis)."""
  return _st.tile_p.bind(operand, reps=tuple(operator.index(r) for r in reps))


__all__ = sorted([name for name, value in globals().items()
                  if not name.startswith("_") and callable(value)
                  and getattr(value, "__module__", None) == __name__
                  # An internal helper: jax.lax has no zeros_like_array.
                  and name != "zeros_like_array"] + ["RoundingMethod"])


def _const(example, value, dtype=None):
  """`value` as a 0-d NumPy array of `example`'s dtype (or `dtype`): staged as a literal, and it
  broadcasts against `example` in any elementwise primitive."""
  return np.array(value, dtype=dtype or core.get_aval(example).dtype)
