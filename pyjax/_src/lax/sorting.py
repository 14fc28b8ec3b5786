"""Sorting primitives: `sort` (several operands ordered by the first `num_keys` of them) and
`top_k`.

Orders are JAX's: floating keys sort by value with -0.0 equal to 0.0 and every NaN after +inf;
complex keys sort lexicographically by real then imaginary part. A stable sort keeps equal keys
in their original order (NumPy's stable sorts give exactly that order).
"""
from __future__ import annotations

import math
import operator
from typing import Sequence

import numpy as np

from pyjax._src import dtypes
from pyjax._src.avals import ShapedArray
from pyjax._src.backend import xp
from pyjax._src import core
from pyjax._src.core import Primitive
from pyjax._src.errors import JaxRuntimeError
from pyjax._src.interpreters import ad, batching
from pyjax._src.lax import lax

# ------------------------------------------------------------------------------------------------
# sort


def _sort_abstract_eval(*operands, dimension, is_stable, num_keys):
  if not operands:
    raise TypeError("sort requires at least one operand")
  shape = operands[0].shape
  if any(o.shape != shape for o in operands[1:]):
    shapes = ", ".join(str(o.shape) for o in operands)
    raise TypeError(f"sort operands must have the same shape, got {{{shapes}}}")
  if not 0 <= dimension < len(shape):
    raise ValueError(f"dimension {dimension} out of bounds for sort operands of shape {shape}")
  if not 1 <= num_keys <= len(operands):
    raise ValueError(f"num_keys={num_keys} must be between 1 and the number of operands "
                     f"({len(operands)})")
  return [ShapedArray(o.shape, o.dtype, o.weak_type) for o in operands]


def _sort_order(keys: Sequence[np.ndarray], dimension: int) -> np.ndarray:
  """Indices along `dimension` that sort lexicographically by `keys` (the first key most
  significant), stably."""
  if len(keys) == 1:
    return xp.argsort(keys[0], axis=dimension, kind="stable")
  # lexsort sorts by its last key first; it is stable.
  columns = [xp.moveaxis(k, dimension, -1) for k in reversed(keys)]
  order = xp.lexsort(columns, axis=-1)
  return xp.moveaxis(order, -1, dimension)


def _sort_impl(*operands, dimension, is_stable, num_keys):
  if operands[0].ndim == 0 or operands[0].size == 0:
    return [xp.asarray(o) for o in operands]
  order = _sort_order(operands[:num_keys], dimension)
  return [xp.take_along_axis(xp.asarray(o), order, axis=dimension) for o in operands]


sort_p = Primitive("sort", multiple_results=True)
sort_p.def_abstract_eval(_sort_abstract_eval)
sort_p.def_impl(_sort_impl)
sort_p.weak_type_rule = lambda *weak_types, **params: list(weak_types)


def _sort_batcher(axis_data, vals, dims, *, dimension, is_stable, num_keys):
  operands = [batching.bdim_at_front(x, d, axis_data.size) for x, d in zip(vals, dims)]
  outs = sort_p.bind(*operands, dimension=dimension + 1, is_stable=is_stable, num_keys=num_keys)
  return outs, [0] * len(outs)


batching.primitive_batchers[sort_p] = _sort_batcher


def _sort_jvp(primals, tangents, *, dimension, is_stable, num_keys):
  # Each tangent moves with its operand: sort it as an extra operand under the same keys. The
  # tangent sort is linear in the tangents (keys are primal), so reverse mode transposes it.
  params = dict(dimension=dimension, is_stable=is_stable, num_keys=num_keys)
  outs = sort_p.bind(*primals, **params)
  live = [i for i, t in enumerate(tangents) if not _is_zero_tangent(t)]
  out_tangents = [ad.Zero.from_primal(o) for o in outs]
  if live:
    moved = sort_p.bind(*primals[:num_keys], *(tangents[i] for i in live), **params)
    for i, t in zip(live, moved[num_keys:]):
      out_tangents[i] = t
  return outs, out_tangents


def _is_zero_tangent(t) -> bool:
  return type(t) is ad.Zero or ad.is_float0(t)


def _sort_transpose(cts, *operands, dimension, is_stable, num_keys):
  # Only non-key operands are linear; the cotangent of one is its output cotangent moved back
  # by the inverse permutation, which is a sort keyed by the permutation itself.
  keys = operands[:num_keys]
  if any(ad.is_undefined_primal(k) for k in keys):
    raise NotImplementedError("sort is not linear in its keys")
  iota = lax.broadcasted_iota(np.int32, core.get_aval(keys[0]).shape, dimension)
  perm = sort_p.bind(*keys, iota, dimension=dimension, is_stable=is_stable,
                     num_keys=num_keys)[-1]
  out = [None] * len(operands)
  for i in range(num_keys, len(operands)):
    if ad.is_undefined_primal(operands[i]) and type(cts[i]) is not ad.Zero:
      out[i] = sort_p.bind(perm, cts[i], dimension=dimension, is_stable=True, num_keys=1)[1]
  return out


ad.primitive_jvps[sort_p] = _sort_jvp
ad.primitive_transposes[sort_p] = _sort_transpose


def sort(operand, dimension: int = -1, is_stable: bool = True, num_keys: int = 1):
  """Sort `operand` (an array, or a sequence of arrays of one shape ordered together by the
  first `num_keys` of them) along `dimension`."""
  if isinstance(operand, (list, tuple)):
    if not operand:
      raise TypeError("Sort requires at least one operand")
    if not 1 <= num_keys <= len(operand):
      raise ValueError(f"num_keys={num_keys} must be between 1 and len(operand)={len(operand)}")
    ndim = np.ndim(operand[0])
    dimension = _canonical_dimension(dimension, ndim)
    return tuple(sort_p.bind(*operand, dimension=dimension, is_stable=bool(is_stable),
                             num_keys=operator.index(num_keys)))
  if num_keys != 1:
    raise ValueError(f"num_keys={num_keys} must equal 1 for a single operand.")
  dimension = _canonical_dimension(dimension, np.ndim(operand))
  out, = sort_p.bind(operand, dimension=dimension, is_stable=bool(is_stable), num_keys=1)
  return out


def sort_key_val(keys, values, dimension: int = -1, is_stable: bool = True):
  """Sort `keys` along `dimension` and apply the same permutation to `values`."""
  dimension = _canonical_dimension(dimension, np.ndim(keys))
  k, v = sort_p.bind(keys, values, dimension=dimension, is_stable=bool(is_stable), num_keys=1)
  return k, v


def _canonical_dimension(dimension, ndim: int) -> int:
  dimension = operator.index(dimension)
  if not -ndim <= dimension < max(ndim, 1):
    raise ValueError(f"dimension {dimension} is out of bounds for array of dimension {ndim}")
  return dimension % max(ndim, 1)


# ------------------------------------------------------------------------------------------------
# top_k


def _descending_key(x: np.ndarray) -> np.ndarray:
  """Unsigned integers that order like `x` reversed, under XLA's total order for floats
  (-NaN < -inf < ... < -0.0 < 0.0 < ... < inf < NaN)."""
  if x.dtype == np.bool_:
    return ~x.astype(np.uint8)
  if dtypes.issubdtype(x.dtype, np.floating):
    if x.dtype.itemsize == 2 and x.dtype != np.float16:  # bfloat16 (and 16-bit float8 kin)
      x = x.astype(np.float32)
    width = x.dtype.itemsize * 8
    unsigned = x.view(f"uint{width}")
    sign = unsigned >> (width - 1)
    mask = xp.where(sign.astype(bool), ~np.zeros((), unsigned.dtype),
                    np.array(1 << (width - 1), unsigned.dtype))
    return ~(unsigned ^ mask)
  if dtypes.issubdtype(x.dtype, np.signedinteger):
    width = x.dtype.itemsize * 8
    return ~(x.view(f"uint{width}") ^ np.array(1 << (width - 1), f"uint{width}"))
  return ~x


def _top_k_abstract_eval(operand, *, k, axis):
  if k < 0:
    raise ValueError(f"k argument to top_k must be nonnegative, got {k}")
  if not operand.shape:
    raise TypeError(f"top_k operand must have >= 1 dimension, got {operand.shape}")
  if operand.shape[axis] < k:
    raise ValueError(f"k argument to top_k must be no larger than size along axis; got k={k} "
                     f"with shape={operand.shape} and axis={axis}")
  shape = list(operand.shape)
  shape[axis] = k
  return [ShapedArray(shape, operand.dtype, operand.weak_type),
          ShapedArray(shape, np.dtype(np.int32))]


def _top_k_impl(operand, *, k, axis):
  order = xp.argsort(_descending_key(xp.asarray(operand)), axis=axis, kind="stable")
  index = xp.take(order, xp.arange(k), axis=axis)
  return [xp.take_along_axis(xp.asarray(operand), index, axis=axis), index.astype(np.int32)]


top_k_p = Primitive("top_k", multiple_results=True)
top_k_p.def_abstract_eval(_top_k_abstract_eval)
top_k_p.def_impl(_top_k_impl)
top_k_p.weak_type_rule = lambda weak, **params: [weak, False]


def _top_k_batcher(axis_data, vals, dims, *, k, axis):
  operand, = vals
  dim, = dims
  axis_in_batched = axis + (dim <= axis)
  outs = top_k_p.bind(operand, k=k, axis=axis_in_batched)
  return outs, [dim, dim]


batching.primitive_batchers[top_k_p] = _top_k_batcher


def _top_k_jvp(primals, tangents, *, k, axis):
  operand, = primals
  tangent, = tangents
  values, indices = top_k_p.bind(operand, k=k, axis=axis)
  if _is_zero_tangent(tangent):
    return [values, indices], [ad.Zero.from_primal(values), ad.Zero.from_primal(indices)]
  return [values, indices], [_take_along(tangent, indices, axis), ad.Zero.from_primal(indices)]


def _take_along(x, indices, axis):
  """`x` read at `indices` along `axis` (a one-hot selection: exact for every value, and linear
  in `x`)."""
  x_shape = core.get_aval(x).shape
  shape = core.get_aval(indices).shape
  rank = len(shape)
  # Compare every output position with every source position along a new trailing axis.
  full = (*shape, x_shape[axis])
  expanded = lax.broadcast_in_dim(indices, full, tuple(range(rank)))
  hit = lax.eq(expanded, lax.broadcasted_iota(core.get_aval(indices).dtype, full, rank))
  others = tuple(d for d in range(rank) if d != axis)
  source = lax.broadcast_in_dim(lax.transpose(x, (*others, axis)), full, (*others, rank))
  picked = lax.select(hit, source, lax.full_like(source, 0))
  return lax.reduce_sum(picked, (len(shape),))


ad.primitive_jvps[top_k_p] = _top_k_jvp


def top_k(operand, k: int, *, axis: int = -1):
  """The `k` largest entries of `operand` along `axis` in descending order and their indices
  (the lower index first among equal entries)."""
  k = operator.index(k)
  axis = _canonical_dimension(axis, np.ndim(operand))
  values, indices = top_k_p.bind(operand, k=k, axis=axis)
  return values, indices


# ------------------------------------------------------------------------------------------------
# approx_top_k: JAX approximates only on TPUs; on the CPU its results are exact (a sort, then the
# leading entries), which is what this computes.


def _approx_output_size(size: int, rank: int, k: int, recall_target: float,
                        aggregate_to_topk: bool, input_size_override: int) -> int:
  """Length of the reduced dimension: `k`, or (aggregate_to_topk=False) XLA's reduction output
  size, which the CPU also returns. That partial reduction folds windows of 2**r entries into one;
  r is the largest that keeps the expected recall >= recall_target (a top-k entry is lost when
  another top-k entry shares its window), limited by the hardware tile (1024 lanes for a rank-1
  operand, 128 otherwise), and the result is padded to whole tiles."""
  if aggregate_to_topk:
    return k
  tile = 1024 if rank == 1 else 128
  if size <= tile:
    return size
  logical_size = input_size_override if input_size_override >= 0 else size
  if k == 1:  # one winner per window can never collide with another
    log2_window = math.ceil(math.log2(logical_size / tile))
  else:
    if recall_target >= 1:
      return size
    # Recall with B windows is ((B - 1) / B) ** (k - 1); solve it for the fewest windows.
    windows = 1 / (1 - recall_target ** (1 / (k - 1)))
    by_recall = math.floor(math.log2(logical_size / windows))
    by_tile = math.floor(math.log2(logical_size / tile))
    if min(by_recall, by_tile) <= 0:
      return size
    log2_window = min(by_recall, by_tile, math.ceil(math.log2(size // tile)))
  reduced = -(-size // (1 << log2_window))
  return -(-reduced // tile) * tile


def _reduction_axis(shape: tuple, reduction_dimension: int) -> int:
  """`reduction_dimension` of an operand of `shape` as a nonnegative axis (JAX's IndexError for
  one out of range, with a message that says which)."""
  rank = len(shape)
  if not -rank <= reduction_dimension < rank:
    fix = f"pass one in [-{rank}, {rank})" if rank else "the operand needs a dimension"
    raise IndexError(f"approx_top_k's reduction_dimension {reduction_dimension} is out of range "
                     f"for an operand of shape {tuple(shape)}: {fix}.")
  return reduction_dimension % rank


def _approx_top_k_abstract_eval(operand, *, k, reduction_dimension, recall_target, is_max_k,
                                reduction_input_size_override, aggregate_to_topk):
  if k <= 0:
    raise ValueError(f"k must be positive, got {k}")
  if not operand.shape:
    raise TypeError(f"approx_top_k operand must have >= 1 dimension, got {operand.shape}")
  shape = list(operand.shape)
  size = shape[_reduction_axis(operand.shape, reduction_dimension)]
  if size < k:
    raise ValueError(f"k must be smaller than the size of reduction_dim {size}, got {k}")
  if not dtypes.issubdtype(operand.dtype, np.floating):
    raise ValueError("operand must be a floating type")
  if not aggregate_to_topk and k > 1 and size > (1024 if len(shape) == 1 else 128):
    _check_approx_params(size, recall_target, reduction_input_size_override)
  shape[reduction_dimension] = _approx_output_size(
      size, len(shape), k, recall_target, aggregate_to_topk, reduction_input_size_override)
  # The indices inherit the operand's weak type, as in JAX.
  return [ShapedArray(shape, operand.dtype, operand.weak_type),
          ShapedArray(shape, np.dtype(np.int32), operand.weak_type)]


def _check_approx_params(size: int, recall_target: float, input_size_override: int):
  # XLA rejects these when it compiles the program (JAX checks nothing earlier).
  if not 0 < recall_target <= 1:
    raise JaxRuntimeError("INVALID_ARGUMENT: recall_target should range in (0,1]")
  if 0 <= input_size_override < size:
    raise JaxRuntimeError(f"INVALID_ARGUMENT: reduction_input_size_override: "
                          f"{input_size_override} should be greater equals to "
                          f"operands[reduction_dim]: {size}")


def _approx_top_k_impl(operand, *, k, reduction_dimension, recall_target, is_max_k,
                       reduction_input_size_override, aggregate_to_topk):
  operand = xp.asarray(operand)
  axis = reduction_dimension % operand.ndim
  size = operand.shape[axis]
  _check_approx_params(size, recall_target, reduction_input_size_override)
  count = _approx_output_size(size, operand.ndim, k, recall_target, aggregate_to_topk,
                              reduction_input_size_override)
  if count == 1:
    index = _fold_winner(operand, axis, is_max_k)
    return [xp.take_along_axis(operand, index, axis=axis), index.astype(np.int32)]
  if is_max_k and count < size:
    # XLA's CPU runs a partial max-k as its top_k: a total order (NaN first, 0.0 before -0.0).
    key = _descending_key(operand)
  else:
    # Otherwise XLA sorts stably with a plain < (or >) comparison, so -0.0 ties with 0.0. JAX's
    # order of NaNs there is an artifact of the sort algorithm; NaNs go last (first for max-k).
    key = operand + operand.dtype.type(0)  # -0.0 + 0.0 is 0.0
    if is_max_k:
      key = xp.where(xp.isnan(key), -np.inf, -key)
    else:
      key = xp.where(xp.isnan(key), np.inf, key)
    if operand.dtype.itemsize < 4:
      key = key.astype(np.float32)
  order = xp.argsort(key, axis=axis, kind="stable")
  index = xp.take(order, xp.arange(count), axis=axis)
  return [xp.take_along_axis(operand, index, axis=axis), index.astype(np.int32)]


def _fold_winner(operand, axis: int, is_max_k: bool):
  """Index (kept as a length-1 `axis`) that XLA's CPU picks for k=1: a left-to-right fold that
  takes each next entry unless the current one is strictly better. So ties go to the last entry,
  and a NaN (never better, never beaten) ends up replaced by the entry after it: the winner is
  the last best entry after the last NaN, or that NaN when it is the final entry."""
  size = operand.shape[axis]
  position = xp.arange(size).reshape([-1 if d == axis else 1 for d in range(operand.ndim)])
  is_nan = xp.isnan(operand)
  last_nan = xp.max(xp.where(is_nan, position, -1), axis=axis, keepdims=True)
  value = operand.astype(np.float32) if operand.dtype.itemsize < 4 else operand
  worst = -np.inf if is_max_k else np.inf
  value = xp.where(position > last_nan, value, worst)
  best = (xp.max if is_max_k else xp.min)(value, axis=axis, keepdims=True)
  # -0.0 == 0.0 here, as in the fold's comparison.
  return xp.max(xp.where(value == best, position, -1), axis=axis, keepdims=True)


approx_top_k_p = Primitive("approx_top_k", multiple_results=True)
approx_top_k_p.def_abstract_eval(_approx_top_k_abstract_eval)
approx_top_k_p.def_impl(_approx_top_k_impl)
approx_top_k_p.weak_type_rule = lambda weak, **params: [weak, weak]


def _approx_top_k_batcher(axis_data, vals, dims, *, reduction_dimension, **params):
  operand, = vals
  dim, = dims
  shape = core.get_aval(operand).shape
  # Checked against a batch member's shape: the batch's extra axis must not make it valid.
  axis = _reduction_axis(shape[:dim] + shape[dim + 1:], reduction_dimension)
  outs = approx_top_k_p.bind(operand, reduction_dimension=axis + (dim <= axis), **params)
  return outs, [dim, dim]


batching.primitive_batchers[approx_top_k_p] = _approx_top_k_batcher


def _approx_top_k_jvp(primals, tangents, *, reduction_dimension, **params):
  operand, = primals
  tangent, = tangents
  values, indices = approx_top_k_p.bind(operand, reduction_dimension=reduction_dimension,
                                        **params)
  if _is_zero_tangent(tangent):
    return [values, indices], [ad.Zero.from_primal(values), ad.Zero.from_primal(indices)]
  axis = reduction_dimension % len(core.get_aval(operand).shape)
  return [values, indices], [_take_along(tangent, indices, axis), ad.Zero.from_primal(indices)]


ad.primitive_jvps[approx_top_k_p] = _approx_top_k_jvp


def _approx_k(operand, k, reduction_dimension, recall_target, reduction_input_size_override,
              aggregate_to_topk, is_max_k):
  return tuple(approx_top_k_p.bind(
      operand, k=operator.index(k), reduction_dimension=operator.index(reduction_dimension),
      recall_target=float(recall_target), is_max_k=is_max_k,
      reduction_input_size_override=operator.index(reduction_input_size_override),
      aggregate_to_topk=bool(aggregate_to_topk)))


def approx_max_k(operand, k: int, reduction_dimension: int = -1, recall_target: float = 0.95,
                 reduction_input_size_override: int = -1, aggregate_to_topk: bool = True):
  """The `k` largest entries of a floating `operand` along `reduction_dimension`, descending,
  and their indices. Approximate on TPUs in JAX; exact here, as on JAX's CPU. With
  aggregate_to_topk=False, XLA's partial-reduction count of leading entries is returned."""
  return _approx_k(operand, k, reduction_dimension, recall_target,
                   reduction_input_size_override, aggregate_to_topk, True)


def approx_min_k(operand, k: int, reduction_dimension: int = -1, recall_target: float = 0.95,
                 reduction_input_size_override: int = -1, aggregate_to_topk: bool = True):
  """The `k` smallest entries of a floating `operand` along `reduction_dimension`, ascending,
  and their indices (see `approx_max_k`)."""
  return _approx_k(operand, k, reduction_dimension, recall_target,
                   reduction_input_size_override, aggregate_to_topk, False)


__all__ = ["approx_max_k", "approx_min_k", "sort", "sort_key_val", "top_k"]
