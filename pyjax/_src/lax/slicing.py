"""gather and scatter: the indexed reads and writes behind advanced indexing and `.at[]`, with
JAX's dimension numbers and modes.

Both primitives take an index array whose last dimension holds one start position per indexed
operand dimension; its other ("batch") dimensions enumerate the windows read or written. The NumPy
implementations turn the starts and window offsets into one broadcast index array per operand
dimension and read with fancy indexing or write with `ufunc.at`, so no Python loop runs per
element. Out-of-bounds windows follow XLA on the CPU: gathers clamp them (CLIP and
PROMISE_IN_BOUNDS) or fill them (FILL_OR_DROP); scatters clamp them (CLIP) or drop them.
"""
from __future__ import annotations

import enum
import functools
import operator
from typing import Callable, NamedTuple, Sequence

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.avals import ShapedArray
from pyjax._src.backend import xp
from pyjax._src.core import get_aval
from pyjax._src.interpreters import ad, batching, staging
from pyjax._src.lax import elementwise as _ew
from pyjax._src.lax import lax as _lax
from pyjax._src.lax import structural as _st
from pyjax._src.lax.utils import check_dtype, check_same_dtypes, first_operand_weak

__all__ = ["GatherDimensionNumbers", "GatherScatterMode", "ScatterDimensionNumbers", "gather",
           "index_take", "scatter", "scatter_add", "scatter_apply", "scatter_max", "scatter_min",
           "scatter_mul", "scatter_sub"]


class GatherDimensionNumbers(NamedTuple):
  """How a gather's index array and windows map to operand and output dimensions.

  `offset_dims`: the output dimensions that run over a window (one per operand dimension that is
  neither collapsed nor batched, in order); `collapsed_slice_dims`: operand dimensions with window
  size 1 left out of the output; `start_index_map`: the operand dimension each entry of an index
  vector starts; `operand_batching_dims` / `start_indices_batching_dims`: operand and index
  dimensions that are batched together (element i of one reads from element i of the other)."""
  offset_dims: tuple[int, ...]
  collapsed_slice_dims: tuple[int, ...]
  start_index_map: tuple[int, ...]
  operand_batching_dims: tuple[int, ...] = ()
  start_indices_batching_dims: tuple[int, ...] = ()


class ScatterDimensionNumbers(NamedTuple):
  """The scatter counterpart of `GatherDimensionNumbers`: `update_window_dims` are the update
  dimensions that run over a window, `inserted_window_dims` the operand dimensions of window size
  1 absent from the updates, `scatter_dims_to_operand_dims` the operand dimension each index
  vector entry starts, and the two batching fields pair operand and index dimensions."""
  update_window_dims: Sequence[int]
  inserted_window_dims: Sequence[int]
  scatter_dims_to_operand_dims: Sequence[int]
  operand_batching_dims: Sequence[int] = ()
  scatter_indices_batching_dims: Sequence[int] = ()


class GatherScatterMode(enum.Enum):
  """What out-of-bounds windows do. CLIP: clamp the start so the window fits. FILL_OR_DROP: a
  gather returns `fill_value` for the whole window, a scatter skips the whole window.
  PROMISE_IN_BOUNDS: the caller promises in-bounds indices (on the CPU gathers then clamp and
  scatters drop). ONE_HOT exists as in JAX but no gather or scatter implements it."""
  CLIP = enum.auto()
  FILL_OR_DROP = enum.auto()
  PROMISE_IN_BOUNDS = enum.auto()
  ONE_HOT = enum.auto()

  @staticmethod
  def from_any(s) -> "GatherScatterMode":
    """The mode named by `s`: a member, "clip", "fill"/"drop" or None (FILL_OR_DROP),
    "promise_in_bounds" or "one_hot"."""
    if isinstance(s, GatherScatterMode):
      return s
    named = {"clip": GatherScatterMode.CLIP, None: GatherScatterMode.FILL_OR_DROP,
             "fill": GatherScatterMode.FILL_OR_DROP, "drop": GatherScatterMode.FILL_OR_DROP,
             "promise_in_bounds": GatherScatterMode.PROMISE_IN_BOUNDS,
             "one_hot": GatherScatterMode.ONE_HOT}
    if isinstance(s, str) or s is None:
      if s in named:
        return named[s]
    raise ValueError(f'Unknown gather mode "{s}"')


def _check_mode(mode: GatherScatterMode, name: str) -> None:
  if mode is GatherScatterMode.ONE_HOT:
    raise NotImplementedError(f"{name} does not support mode GatherScatterMode.ONE_HOT (neither "
                              "does JAX's); use CLIP, FILL_OR_DROP or PROMISE_IN_BOUNDS.")


def _ints(seq) -> tuple[int, ...]:
  return tuple(operator.index(d) for d in seq)


def _gather_dnums(dn: GatherDimensionNumbers) -> GatherDimensionNumbers:
  return GatherDimensionNumbers(*(_ints(field) for field in dn))


def _scatter_dnums(dn: ScatterDimensionNumbers) -> ScatterDimensionNumbers:
  return ScatterDimensionNumbers(*(_ints(field) for field in dn))


def default_fill_value(dtype):
  """What an out-of-bounds FILL_OR_DROP gather reads: NaN for inexact dtypes, the minimum of a
  signed and the maximum of an unsigned integer dtype, True for bool."""
  dtype = np.dtype(dtype)
  if dtypes.issubdtype(dtype, np.inexact):
    return np.nan
  if dtypes.issubdtype(dtype, np.signedinteger):
    return int(dtypes.iinfo(dtype).min)
  if dtypes.issubdtype(dtype, np.unsignedinteger):
    return int(dtypes.iinfo(dtype).max)
  if dtype == np.bool_:
    return True
  raise ValueError(f"Unsupported dtype for gather fill_value {dtype}")


# ------------------------------------------------------------------------------------------------
# Index arithmetic shared by both implementations


def _window_indices(operand_shape, indices, out_shape, batch_out_dims, window_out_dims,
                    start_dims, batch_pairs, window_sizes, clip: bool):
  """One integer index array per operand dimension, broadcastable to `out_shape`, naming the
  element each output position reads (or each update writes), and a boolean array of the
  windows whose start was out of bounds (before clamping).

  `batch_out_dims`: the output dimensions enumerating the index array's batch dimensions, in
  order; `window_out_dims[d]`: the output dimension running over operand dimension d's window
  (absent for collapsed and batched dimensions); `start_dims`: the operand dimension each index
  vector entry starts; `batch_pairs`: (operand dim, index batch dim) pairs."""
  rank = len(out_shape)
  batch_shape = indices.shape[:-1]

  def at_batch_dims(a):
    shape = [1] * rank
    for out_dim, size in zip(batch_out_dims, batch_shape):
      shape[out_dim] = size
    return a.reshape(shape)

  starts = {d: indices[..., k].astype(np.int64) for k, d in enumerate(start_dims)}
  for operand_dim, index_dim in batch_pairs:
    iota_shape = [1] * len(batch_shape)
    iota_shape[index_dim] = batch_shape[index_dim]
    starts[operand_dim] = np.broadcast_to(
        np.arange(batch_shape[index_dim]).reshape(iota_shape), batch_shape)
  out_of_bounds = np.zeros(batch_shape, bool)
  per_dim = []
  for d, size in enumerate(operand_shape):
    index = np.zeros((1,) * rank, np.int64)
    start = starts.get(d)
    if start is not None:
      if d in start_dims:
        last = size - window_sizes[d]
        out_of_bounds |= (start < 0) | (start > last)
        if clip:
          start = np.clip(start, 0, max(last, 0))
      index = at_batch_dims(start)
    if d in window_out_dims:
      iota_shape = [1] * rank
      iota_shape[window_out_dims[d]] = window_sizes[d]
      index = index + np.arange(window_sizes[d]).reshape(iota_shape)
    per_dim.append(index)
  return per_dim, at_batch_dims(out_of_bounds)


def _gather_layout(dn: GatherDimensionNumbers, operand_rank: int, out_rank: int):
  window_dims = [d for d in range(operand_rank)
                 if d not in dn.collapsed_slice_dims and d not in dn.operand_batching_dims]
  batch_out_dims = [d for d in range(out_rank) if d not in dn.offset_dims]
  return dict(zip(window_dims, dn.offset_dims)), batch_out_dims


def _scatter_layout(dn: ScatterDimensionNumbers, operand_rank: int, updates_rank: int):
  window_dims = [d for d in range(operand_rank)
                 if d not in dn.inserted_window_dims and d not in dn.operand_batching_dims]
  scatter_dims = [d for d in range(updates_rank) if d not in dn.update_window_dims]
  return dict(zip(window_dims, dn.update_window_dims)), scatter_dims


# ------------------------------------------------------------------------------------------------
# gather


def _gather_shape_rule(operand, indices, *, dimension_numbers, slice_sizes, unique_indices,
                       indices_are_sorted, mode, fill_value):
  dn = dimension_numbers
  if not dtypes.issubdtype(indices.dtype, np.integer):
    raise ValueError("indices must have an integer type")
  if indices.ndim < 1:
    raise TypeError(f"Gather index leaf dimension must be within [0, rank(indices) + 1). "
                    f"rank(indices) is {indices.ndim} and gather index leaf dimension is "
                    f"{indices.ndim}.")
  batch_rank = indices.ndim - 1
  out_rank = len(dn.offset_dims) + batch_rank
  for i, d in enumerate(dn.offset_dims):
    if not 0 <= d < out_rank:
      raise TypeError(f"Offset dimension {i} in gather op is out of bounds; got {d}, but "
                      f"should have been in [0, {out_rank})")
  if list(dn.offset_dims) != sorted(set(dn.offset_dims)):
    raise TypeError(f"offset_dims in gather op must be sorted and unique; got {dn.offset_dims}.")
  if len(dn.start_index_map) != indices.shape[-1]:
    raise TypeError(f"Gather op has {len(dn.start_index_map)} elements in start_index_map and "
                    f"the bound of dimension index_vector_dim={indices.ndim - 1} of indices is "
                    f"{indices.shape[-1]}. These two numbers must be equal.")
  for i, d in enumerate(dn.start_index_map):
    if not 0 <= d < operand.ndim:
      raise TypeError(f"Invalid start_index_map; domain is [0, {operand.ndim}), got: {i}->{d}.")
  if len(dn.operand_batching_dims) != len(dn.start_indices_batching_dims):
    raise TypeError(f"Gather op requires equal numbers of operand_batching_dims and "
                    f"start_indices_batching_dims, got {dn.operand_batching_dims} and"
                    f"{dn.start_indices_batching_dims}.")
  for d in dn.start_indices_batching_dims:
    if not 0 <= d < batch_rank:
      raise TypeError(f"Gather op has start_indices_batching_dims {d} out of range for indices "
                      f"of shape {indices.shape} (the last dimension holds the index vectors).")
  operand_batch = tuple(operand.shape[d] for d in dn.operand_batching_dims)
  index_batch = tuple(indices.shape[d] for d in dn.start_indices_batching_dims)
  if operand_batch != index_batch:
    raise TypeError(f"Gather op requires operand batching dimensions and indices batching "
                    f"dimensions to have the same shape, got {operand_batch} and {index_batch}.")
  if len(slice_sizes) != operand.ndim:
    raise TypeError(f"Gather op must have one slice size for every input dimension; got: "
                    f"len(slice_sizes)={len(slice_sizes)}, input_shape.rank={operand.ndim}")
  if len(slice_sizes) != (len(dn.offset_dims) + len(dn.collapsed_slice_dims)
                          + len(dn.operand_batching_dims)):
    raise TypeError(f"All components of the offset index in a gather op must either be a offset "
                    f"dimension or explicitly collapsed/batching; got "
                    f"len(slice_sizes)={len(slice_sizes)}, output_slice_sizes={dn.offset_dims}, "
                    f"collapsed_slice_dims={dn.collapsed_slice_dims}, operand_batching_dims="
                    f"{dn.operand_batching_dims}.")
  for i, (size, bound) in enumerate(zip(slice_sizes, operand.shape)):
    if not 0 <= size <= bound:
      raise TypeError(f"Slice size at index {i} in gather op is out of range, must be within "
                      f"[0, {bound} + 1), got {size}.")
  for i, d in enumerate(dn.collapsed_slice_dims):
    if slice_sizes[d] != 1:
      raise TypeError(f"Gather op can only collapse slice dims with bound 1, but bound is "
                      f"{slice_sizes[d]} for index {d} at position {i}.")
  for i, d in enumerate(dn.operand_batching_dims):
    if slice_sizes[d] not in (0, 1):
      raise TypeError(f"Gather op can only have operand batching dims with bound 0/1, but bound "
                      f"is {slice_sizes[d]} for index {d} at position {i}.")
  window_dims, batch_out_dims = _gather_layout(dn, operand.ndim, out_rank)
  shape = [0] * out_rank
  for d, out_dim in window_dims.items():
    shape[out_dim] = slice_sizes[d]
  for out_dim, size in zip(batch_out_dims, indices.shape[:-1]):
    shape[out_dim] = size
  return tuple(shape)


def _gather_impl(operand, indices, *, dimension_numbers, slice_sizes, unique_indices,
                 indices_are_sorted, mode, fill_value):
  operand, indices = xp.asarray(operand), xp.asarray(indices)
  dn = dimension_numbers
  out_shape = _gather_shape_rule(operand, indices, dimension_numbers=dn, slice_sizes=slice_sizes,
                                 unique_indices=unique_indices, mode=mode, fill_value=fill_value,
                                 indices_are_sorted=indices_are_sorted)
  window_dims, batch_out_dims = _gather_layout(dn, operand.ndim, len(out_shape))
  if 0 in out_shape:
    return xp.zeros(out_shape, operand.dtype)
  per_dim, out_of_bounds = _window_indices(
      operand.shape, indices, out_shape, batch_out_dims, window_dims, dn.start_index_map,
      list(zip(dn.operand_batching_dims, dn.start_indices_batching_dims)), slice_sizes,
      clip=True)
  out = xp.broadcast_to(operand[tuple(per_dim)], out_shape)
  if mode is GatherScatterMode.FILL_OR_DROP:
    fill = default_fill_value(operand.dtype) if fill_value is None else fill_value
    out = xp.where(out_of_bounds, np.asarray(fill).astype(operand.dtype), out)
  return xp.array(out, copy=True)


gather_p = core.Primitive("gather")
gather_p.weak_type_rule = first_operand_weak
gather_p.def_abstract_eval(lambda operand, indices, **params: ShapedArray(
    _gather_shape_rule(operand, indices, **params), operand.dtype, operand.weak_type))
gather_p.def_impl(_gather_impl)


def gather(operand, start_indices, dimension_numbers: GatherDimensionNumbers, slice_sizes, *,
           unique_indices: bool = False, indices_are_sorted: bool = False, mode=None,
           fill_value=None):
  """Windows of `operand` of shape `slice_sizes` starting at the index vectors in the last
  dimension of `start_indices`, laid out as `dimension_numbers` says. `mode` (default
  PROMISE_IN_BOUNDS) says what out-of-bounds windows read; `fill_value` is what FILL_OR_DROP fills
  with (default: NaN, the integer minimum (unsigned: maximum), or True)."""
  parsed = GatherScatterMode.from_any(GatherScatterMode.PROMISE_IN_BOUNDS if mode is None
                                      else mode)
  _check_mode(parsed, "gather")
  if parsed is GatherScatterMode.FILL_OR_DROP:
    if fill_value is None:
      fill_value = default_fill_value(dtypes.dtype(operand, canonicalize=True))
  else:
    fill_value = None
  return gather_p.bind(operand, start_indices, dimension_numbers=_gather_dnums(dimension_numbers),
                       slice_sizes=_ints(slice_sizes), unique_indices=bool(unique_indices),
                       indices_are_sorted=bool(indices_are_sorted), mode=parsed,
                       fill_value=fill_value)


def _scatter_dnums_of_gather(dn: GatherDimensionNumbers) -> ScatterDimensionNumbers:
  return ScatterDimensionNumbers(dn.offset_dims, dn.collapsed_slice_dims, dn.start_index_map,
                                 dn.operand_batching_dims, dn.start_indices_batching_dims)


def _gather_dnums_of_scatter(dn: ScatterDimensionNumbers) -> GatherDimensionNumbers:
  return GatherDimensionNumbers(dn.update_window_dims, dn.inserted_window_dims,
                                dn.scatter_dims_to_operand_dims, dn.operand_batching_dims,
                                dn.scatter_indices_batching_dims)


def _gather_jvp(primals, tangents, **params):
  operand, indices = primals
  out = gather_p.bind(operand, indices, **params)
  if type(tangents[0]) is ad.Zero:
    return out, ad.Zero.from_primal(out)
  if params["mode"] is GatherScatterMode.FILL_OR_DROP:
    params = dict(params, fill_value=0)  # filled elements do not depend on the operand
  return out, gather_p.bind(tangents[0], indices, **params)


def _gather_transpose(ct, operand, indices, *, dimension_numbers, slice_sizes, unique_indices,
                      indices_are_sorted, mode, fill_value):
  zeros = ad.zeros_like_aval(operand.aval.update(dtype=get_aval(ct).dtype, weak_type=False))
  return [scatter_add_p.bind(zeros, indices, ct, **_combiner_params(
      "add", get_aval(ct).dtype, _scatter_dnums_of_gather(dimension_numbers), indices_are_sorted,
      unique_indices, mode)), None]


ad.primitive_jvps[gather_p] = _gather_jvp
ad.primitive_transposes[gather_p] = _gather_transpose


def _shifted(dims, by: int = 1) -> tuple[int, ...]:
  return tuple(d + by for d in dims)


def _gather_batcher(axis_data, vals, dims, *, dimension_numbers, slice_sizes, **params):
  (operand, indices), (d_operand, d_indices) = vals, dims
  dn = dimension_numbers
  if d_indices is None:
    # The batch becomes a window dimension of full size, the first output dimension.
    operand = batching.moveaxis(operand, d_operand, 0)
    dn = GatherDimensionNumbers(
        (0, *_shifted(dn.offset_dims)), _shifted(dn.collapsed_slice_dims),
        _shifted(dn.start_index_map), _shifted(dn.operand_batching_dims),
        dn.start_indices_batching_dims)
    slice_sizes = (axis_data.size, *slice_sizes)
  elif d_operand is None:
    # The batch is one more index batch dimension, the first output dimension.
    indices = batching.moveaxis(indices, d_indices, 0)
    dn = dn._replace(offset_dims=_shifted(dn.offset_dims),
                     start_indices_batching_dims=_shifted(dn.start_indices_batching_dims))
  else:
    operand = batching.moveaxis(operand, d_operand, 0)
    indices = batching.moveaxis(indices, d_indices, 0)
    dn = GatherDimensionNumbers(
        _shifted(dn.offset_dims), _shifted(dn.collapsed_slice_dims), _shifted(dn.start_index_map),
        (0, *_shifted(dn.operand_batching_dims)), (0, *_shifted(dn.start_indices_batching_dims)))
    slice_sizes = (1, *slice_sizes)
  return gather_p.bind(operand, indices, dimension_numbers=dn, slice_sizes=tuple(slice_sizes),
                       **params), 0


batching.primitive_batchers[gather_p] = _gather_batcher


def index_take(src, idxs, axes: Sequence[int]):
  """`src` indexed along `axes` by the 1-D index arrays `idxs` (one per axis, taken modulo the
  axis size), keeping the other dimensions whole: a gather of one window per index tuple."""
  axes = _ints(axes)
  src_shape = get_aval(src).shape
  columns = [_lax.expand_dims(i, (1,)) for i in idxs]
  indices = _lax.concatenate(columns, 1)
  bounds = np.array([src_shape[ax] for ax in axes])
  bounds = _lax.expand_dims(bounds.astype(get_aval(indices).dtype),
                            tuple(range(get_aval(indices).ndim - 1)))
  indices = _ew.rem_p.bind(_ew.add_p.bind(_ew.rem_p.bind(indices, bounds), bounds), bounds)
  slice_sizes = list(src_shape)
  for ax in axes:
    slice_sizes[ax] = 1
  offset_dims = tuple(range(1, len(src_shape) - len(axes) + 1))
  return gather(src, indices, GatherDimensionNumbers(offset_dims, axes, axes),
                tuple(slice_sizes))


# ------------------------------------------------------------------------------------------------
# scatter


def _scatter_shape_rule(operand, indices, updates, *, dimension_numbers, **params):
  dn = dimension_numbers
  if not dtypes.issubdtype(indices.dtype, np.integer):
    raise ValueError("indices must have an integer type")
  if indices.ndim < 1:
    raise TypeError(f"Scatter index leaf dimension must be within [0, rank(indices) + 1). "
                    f"rank(indices) is {indices.ndim} and scatter index leaf dimension is "
                    f"{indices.ndim}.")
  if list(dn.update_window_dims) != sorted(set(dn.update_window_dims)):
    raise TypeError(f"update_window_dims in scatter op must be sorted and unique; got "
                    f"{dn.update_window_dims}.")
  for i, d in enumerate(dn.update_window_dims):
    if not 0 <= d < updates.ndim:
      raise TypeError(f"Window dimension {i} in scatter op is out of bounds; got {d}, but "
                      f"should have been in [0, {updates.ndim})")
  window_rank = len(dn.update_window_dims) + len(dn.inserted_window_dims) + len(
      dn.operand_batching_dims)
  if window_rank != operand.ndim:
    raise TypeError(f"Scatter op has window of size {window_rank}; doesn't match operand of "
                    f"rank {operand.ndim}.")
  if len(dn.scatter_dims_to_operand_dims) != indices.shape[-1]:
    raise TypeError(f"Scatter op has {len(dn.scatter_dims_to_operand_dims)} elements in "
                    f"scatter_dims_to_operand_dims and the bound of dimension "
                    f"index_vector_dim={indices.ndim - 1} of indices is {indices.shape[-1]}. "
                    f"These two numbers must be equal")
  for i, d in enumerate(dn.scatter_dims_to_operand_dims):
    if not 0 <= d < operand.ndim:
      raise TypeError(f"Invalid scatter_dims_to_operand_dims mapping; domain is "
                      f"[0, {operand.ndim}), got: {i}->{d}.")
  if updates.ndim != len(dn.update_window_dims) + indices.ndim - 1:
    expected = len(dn.update_window_dims) + indices.ndim - 1
    raise TypeError(f"Updates tensor must be of rank {expected}; got {updates.ndim}.")
  if len(dn.operand_batching_dims) != len(dn.scatter_indices_batching_dims):
    raise TypeError(f"Scatter op requires equal numbers of operand_batching_dims and "
                    f"scatter_indices_batching_dims, got {dn.operand_batching_dims} and "
                    f"{dn.scatter_indices_batching_dims}.")
  operand_batch = tuple(operand.shape[d] for d in dn.operand_batching_dims)
  index_batch = tuple(indices.shape[d] for d in dn.scatter_indices_batching_dims)
  if operand_batch != index_batch:
    raise TypeError(f"Scatter op requires operand batching dimensions and indices batching "
                    f"dimensions to have the same shape, got {operand_batch} and {index_batch}.")
  window_dims, scatter_dims = _scatter_layout(dn, operand.ndim, updates.ndim)
  for d, update_dim in window_dims.items():
    if updates.shape[update_dim] > operand.shape[d]:
      raise TypeError(f"Bounds of the window dimensions of updates must not exceed the bounds of "
                      f"the corresponding dimensions of operand. For dimension {update_dim}, "
                      f"updates bound is {updates.shape[update_dim]}, operand bound is "
                      f"{operand.shape[d]}.")
  for i, update_dim in enumerate(scatter_dims):
    if updates.shape[update_dim] != indices.shape[i]:
      raise TypeError(f"Bounds of the scatter dimensions of updates must be the same as the "
                      f"bounds of the corresponding dimensions of scatter indices. For scatter "
                      f"dimension {update_dim}, updates bound is {updates.shape[update_dim]}, "
                      f"indices bound is {indices.shape[i]}.")
  return operand.shape


def _scatter_abstract_eval(operand, indices, updates, **params):
  check_same_dtypes("scatter", [operand, updates], None)
  return ShapedArray(_scatter_shape_rule(operand, indices, updates, **params), operand.dtype,
                     operand.weak_type)


def _scatter_targets(operand_shape, indices, updates_shape, dn, mode):
  """Flat positions in the operand of every update element, and the mask of those written."""
  window_dims, scatter_dims = _scatter_layout(dn, len(operand_shape), len(updates_shape))
  window_sizes = [1] * len(operand_shape)
  for d, update_dim in window_dims.items():
    window_sizes[d] = updates_shape[update_dim]
  per_dim, out_of_bounds = _window_indices(
      operand_shape, indices, updates_shape, scatter_dims, window_dims,
      dn.scatter_dims_to_operand_dims,
      list(zip(dn.operand_batching_dims, dn.scatter_indices_batching_dims)), window_sizes,
      clip=mode is GatherScatterMode.CLIP)
  if mode is GatherScatterMode.CLIP:
    written = np.ones(updates_shape, bool)
  else:
    written = np.broadcast_to(~out_of_bounds, updates_shape)
  # Dropped windows may point outside the operand: park them at 0 before flattening.
  per_dim = [np.where(written, np.broadcast_to(i, updates_shape), 0) for i in per_dim]
  flat = np.ravel_multi_index(per_dim, operand_shape) if operand_shape else np.zeros(
      updates_shape, np.intp)
  return flat[written], written


_UFUNCS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "min": np.minimum,
           "max": np.maximum}


def _apply_combiner(flat_out, positions, values, update_jaxpr, update_consts):
  """`flat_out[p] = f(flat_out[p], v)` for each (p, v) in turn, `f` the scalar `update_jaxpr`:
  in rounds, each writing the k-th update of every position at once (as many rounds as the most
  often written position has updates)."""
  order = np.argsort(positions, kind="stable")
  positions, values = positions[order], values[order]
  first = np.searchsorted(positions, positions, side="left")
  rank = np.arange(len(positions)) - first
  closed = core.ClosedJaxpr(update_jaxpr, list(update_consts))
  for k in range(int(rank.max()) + 1 if len(rank) else 0):
    chosen = rank == k
    where, vals = positions[chosen], values[chosen]
    batched, _ = batching.batch_jaxpr(closed, batching.AxisData(None, len(where)), [0, 0], [0])
    with core.set_current_trace(core.eval_trace):
      out, = core.eval_jaxpr(batched.jaxpr, batched.consts, flat_out[where], vals)
    flat_out[where] = np.asarray(out)


def _scatter_impl_for(kind: str | None):
  def impl(operand, indices, updates, *, dimension_numbers, indices_are_sorted, unique_indices,
           mode, update_jaxpr, update_consts):
    operand, indices, updates = map(xp.asarray, (operand, indices, updates))
    out = xp.array(operand, order="C", copy=True)  # C order: `flat` below must be a view
    if updates.size == 0 or operand.size == 0:
      return out
    positions, written = _scatter_targets(operand.shape, indices, updates.shape,
                                          dimension_numbers, mode)
    values = updates[written]
    flat = out.reshape(-1)
    if kind is not None:
      _UFUNCS[kind].at(flat, positions, values)
    elif update_jaxpr is None:
      flat[positions] = values  # with repeated positions the last update wins, as on XLA:CPU
    else:
      _apply_combiner(flat, positions, values, update_jaxpr, update_consts)
    return out
  return impl


def _scatter_primitive(name: str, kind: str | None) -> core.Primitive:
  p = core.Primitive(name)
  p.weak_type_rule = first_operand_weak
  p.def_abstract_eval(_scatter_abstract_eval)
  p.def_impl(_scatter_impl_for(kind))
  return p


scatter_p = _scatter_primitive("scatter", None)
scatter_add_p = _scatter_primitive("scatter-add", "add")
scatter_sub_p = _scatter_primitive("scatter-sub", "sub")
scatter_mul_p = _scatter_primitive("scatter-mul", "mul")
scatter_min_p = _scatter_primitive("scatter-min", "min")
scatter_max_p = _scatter_primitive("scatter-max", "max")

_COMBINERS = {"add": (_ew.add_p, scatter_add_p), "sub": (_ew.sub_p, scatter_sub_p),
              "mul": (_ew.mul_p, scatter_mul_p), "min": (_ew.min_p, scatter_min_p),
              "max": (_ew.max_p, scatter_max_p)}
_ARITHMETIC = (np.integer, np.floating, np.complexfloating)


@functools.lru_cache(maxsize=None)
def _combiner_jaxpr(kind: str, dtype: np.dtype) -> core.Jaxpr:
  """The scalar jaxpr `(old, update) -> old <op> update` a scatter carries (as JAX's does)."""
  aval = ShapedArray((), dtype, False)
  jaxpr, _ = staging.trace_to_jaxpr(lambda x, y: [_COMBINERS[kind][0].bind(x, y)], [aval, aval])
  return jaxpr


def _combiner_params(kind: str, dtype, dn, indices_are_sorted, unique_indices, mode) -> dict:
  return dict(dimension_numbers=dn, indices_are_sorted=indices_are_sorted,
              unique_indices=unique_indices, mode=mode,
              update_jaxpr=_combiner_jaxpr(kind, np.dtype(dtype)), update_consts=())


def _scatter_params(operand, dimension_numbers, indices_are_sorted, unique_indices, mode,
                    kind: str | None) -> dict:
  parsed = GatherScatterMode.from_any(mode)
  _check_mode(parsed, "scatter")
  dn = _scatter_dnums(dimension_numbers)
  if kind is None:
    return dict(dimension_numbers=dn, indices_are_sorted=bool(indices_are_sorted),
                unique_indices=bool(unique_indices), mode=parsed, update_jaxpr=None,
                update_consts=())
  dtype = dtypes.dtype(operand, canonicalize=True)
  if kind in ("add", "sub", "mul"):
    check_dtype(kind, dtype, _ARITHMETIC, position=0)
  return _combiner_params(kind, dtype, dn, bool(indices_are_sorted), bool(unique_indices),
                          parsed)


def _scatter_function(kind: str | None, primitive: core.Primitive, doc: str):
  def fn(operand, scatter_indices, updates, dimension_numbers: ScatterDimensionNumbers, *,
         indices_are_sorted: bool = False, unique_indices: bool = False, mode=None):
    params = _scatter_params(operand, dimension_numbers, indices_are_sorted, unique_indices,
                             mode, kind)
    return primitive.bind(operand, scatter_indices, updates, **params)
  fn.__name__ = fn.__qualname__ = "scatter" if kind is None else f"scatter_{kind}"
  fn.__doc__ = doc
  return fn


_MODES_DOC = (" `mode` (default FILL_OR_DROP) says what out-of-bounds windows do: CLIP clamps "
              "them into range, the others drop them.")
scatter = _scatter_function(None, scatter_p, "`operand` with the windows at `scatter_indices` "
                            "replaced by `updates` (a repeated window: the last update wins)."
                            + _MODES_DOC)
scatter_add = _scatter_function("add", scatter_add_p, "`operand` with `updates` added at "
                                "`scatter_indices` (repeats accumulate)." + _MODES_DOC)
scatter_sub = _scatter_function("sub", scatter_sub_p, "`operand` with `updates` subtracted at "
                                "`scatter_indices` (repeats accumulate)." + _MODES_DOC)
scatter_mul = _scatter_function("mul", scatter_mul_p, "`operand` multiplied by `updates` at "
                                "`scatter_indices` (repeats accumulate)." + _MODES_DOC)
scatter_min = _scatter_function("min", scatter_min_p, "`operand` with the minimum of it and "
                                "`updates` at `scatter_indices`." + _MODES_DOC)
scatter_max = _scatter_function("max", scatter_max_p, "`operand` with the maximum of it and "
                                "`updates` at `scatter_indices`." + _MODES_DOC)


def scatter_apply(operand, scatter_indices, func: Callable, dimension_numbers, *,
                  update_shape=(), indices_are_sorted: bool = False, unique_indices: bool = False,
                  mode=None):
  """`operand` with `func` applied at each window of `scatter_indices` (windows of
  `update_shape`; a repeated position gets `func` applied once per repeat)."""
  params = _scatter_params(operand, dimension_numbers, indices_are_sorted, unique_indices, mode,
                           None)
  dtype = dtypes.dtype(operand, canonicalize=True)
  unused = _lax.full(tuple(update_shape), 0, dtype)
  aval = ShapedArray((), dtype, False)
  jaxpr, consts = staging.trace_to_jaxpr(
      lambda x, _: [_st.convert_element_type(func(x), dtype)], [aval, aval])
  if any(isinstance(c, core.Tracer) for c in consts):
    raise NotImplementedError("Reduction computations can't close over Tracers. Please open an "
                              "issue at https://github.com/jax-ml/jax.")
  params.update(update_jaxpr=jaxpr, update_consts=tuple(consts))
  return scatter_p.bind(operand, scatter_indices, unused, **params)


# --- differentiation


def _gather_inverse(dn: ScatterDimensionNumbers, operand_shape, updates_shape):
  """The gather dimension numbers and slice sizes reading back the windows a scatter writes."""
  window_dims, _ = _scatter_layout(dn, len(operand_shape), len(updates_shape))
  sizes = tuple(updates_shape[window_dims[d]] if d in window_dims else 1
                for d in range(len(operand_shape)))
  return _gather_dnums_of_scatter(dn), sizes


def _gather_back(x, indices, dn, updates_shape, mode, indices_are_sorted=False,
                 unique_indices=False, fill_value=None):
  gdn, sizes = _gather_inverse(dn, get_aval(x).shape, updates_shape)
  if mode is GatherScatterMode.FILL_OR_DROP and fill_value is None:
    fill_value = default_fill_value(get_aval(x).dtype)
  elif mode is not GatherScatterMode.FILL_OR_DROP:
    fill_value = None
  return gather_p.bind(x, indices, dimension_numbers=gdn, slice_sizes=sizes,
                       indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                       mode=mode, fill_value=fill_value)


def _scatter_add_jvp(primitive):
  def jvp(primals, tangents, **params):
    operand, indices, updates = primals
    t_operand, _, t_updates = tangents
    out = primitive.bind(operand, indices, updates, **params)
    if type(t_operand) is ad.Zero and type(t_updates) is ad.Zero:
      return out, ad.Zero.from_primal(out)
    return out, primitive.bind(ad.instantiate_zeros(t_operand), indices,
                               ad.instantiate_zeros(t_updates), **params)
  return jvp


def _scatter_add_transpose(primitive):
  def transpose(ct, operand, indices, updates, **params):
    ct_updates = None
    if ad.is_undefined_primal(updates):
      ct_updates = _gather_back(ct, indices, params["dimension_numbers"], updates.aval.shape,
                                params["mode"], params["indices_are_sorted"],
                                params["unique_indices"], fill_value=0)
      if primitive is scatter_sub_p:
        ct_updates = _ew.neg_p.bind(ct_updates)
    return [ct if ad.is_undefined_primal(operand) else None, None, ct_updates]
  return transpose


for _p in (scatter_add_p, scatter_sub_p):
  ad.primitive_jvps[_p] = _scatter_add_jvp(_p)
  ad.primitive_transposes[_p] = _scatter_add_transpose(_p)


def _zeros_of(x, dtype=None):
  aval = get_aval(x)
  return ad.zeros_like_aval(aval.update(dtype=dtype or aval.dtype, weak_type=False))


def _ones_of(x, dtype=None):
  aval = get_aval(x)
  return _lax.full(aval.shape, 1, dtype or aval.dtype)


def _scatter_jvp(primals, tangents, *, update_jaxpr, update_consts, **params):
  if update_jaxpr is not None:
    raise NotImplementedError("scatter_apply JVP not implemented")
  operand, indices, updates = primals
  t_operand, _, t_updates = tangents
  out = scatter_p.bind(operand, indices, updates, update_jaxpr=None, update_consts=(), **params)
  if type(t_operand) is ad.Zero and type(t_updates) is ad.Zero:
    return out, ad.Zero.from_primal(out)
  t_operand, t_updates = ad.instantiate_zeros(t_operand), ad.instantiate_zeros(t_updates)
  if params["unique_indices"]:
    return out, scatter_p.bind(t_operand, indices, t_updates, update_jaxpr=None,
                               update_consts=(), **params)
  # With repeated windows only the update that lands counts. Scatter a distinct id per update
  # (1, 2, ...), read the ids back: an update whose id survived wrote its element; an operand
  # element still holding 0 was not overwritten. The tangent is then a sum of a masked operand
  # tangent and a scatter-add of the masked update tangents, both transposable.
  dn, mode = params["dimension_numbers"], params["mode"]
  updates_shape = get_aval(updates).shape
  _, scatter_dims = _scatter_layout(dn, get_aval(operand).ndim, len(updates_shape))
  count = int(np.prod([updates_shape[d] for d in scatter_dims], dtype=np.int64))
  id_dtype = np.int32 if count < np.iinfo(np.int32).max else dtypes.canonicalize_dtype(np.int64)
  scatter_shape = tuple(updates_shape[d] for d in scatter_dims)
  ids = _ew.add_p.bind(_lax.broadcasted_iota(id_dtype, (count,), 0),
                       np.ones((), id_dtype)) if count else np.zeros((0,), id_dtype)
  ids = _st.broadcast_in_dim_p.bind(
      _st.reshape_p.bind(ids, new_sizes=scatter_shape, dimensions=None, sharding=None),
      shape=updates_shape, broadcast_dimensions=tuple(scatter_dims), sharding=None)
  scattered = scatter_p.bind(_zeros_of(operand, id_dtype), indices, ids, update_jaxpr=None,
                             update_consts=(), **params)
  landed = _ew.eq_p.bind(ids, _gather_back(scattered, indices, dn, updates_shape, mode,
                                           fill_value=0))
  kept = _ew.eq_p.bind(scattered, np.zeros((), id_dtype))
  t_kept = _st.select_n_p.bind(kept, _zeros_of(t_operand), t_operand)
  t_landed = _st.select_n_p.bind(landed, _zeros_of(t_updates), t_updates)
  return out, scatter_add_p.bind(t_kept, indices, t_landed, **_combiner_params(
      "add", get_aval(t_kept).dtype, dn, params["indices_are_sorted"],
      params["unique_indices"], mode))


def _scatter_transpose(ct, operand, indices, updates, *, update_jaxpr, update_consts,
                       **params):
  if not params["unique_indices"]:
    raise NotImplementedError("scatter transpose is only implemented where unique_indices=True")
  ct_operand = ct_updates = None
  if ad.is_undefined_primal(operand):
    updates_aval = updates.aval if ad.is_undefined_primal(updates) else get_aval(updates)
    ct_operand = scatter_p.bind(ct, indices, ad.zeros_like_aval(updates_aval.update(
        dtype=get_aval(ct).dtype, weak_type=False)), update_jaxpr=None, update_consts=(),
        **params)
  if ad.is_undefined_primal(updates):
    ct_updates = _gather_back(ct, indices, params["dimension_numbers"], updates.aval.shape,
                              params["mode"], params["indices_are_sorted"],
                              params["unique_indices"], fill_value=0)
  return [ct_operand, None, ct_updates]


ad.primitive_jvps[scatter_p] = _scatter_jvp
ad.primitive_transposes[scatter_p] = _scatter_transpose

_MUL_GRADIENT_ERROR = "scatter_mul gradients are only implemented if `unique_indices=True`"


def _scatter_mul_jvp(primals, tangents, **params):
  operand, indices, updates = primals
  t_operand, _, t_updates = tangents
  out = scatter_mul_p.bind(operand, indices, updates, **params)
  total = ad.Zero.from_primal(out)
  if type(t_operand) is not ad.Zero:
    total = ad.add_tangents(total, scatter_mul_p.bind(t_operand, indices, updates, **params))
  if type(t_updates) is not ad.Zero:
    if not params["unique_indices"]:
      raise NotImplementedError(_MUL_GRADIENT_ERROR)
    add_params = dict(params, update_jaxpr=_combiner_jaxpr("add", get_aval(t_updates).dtype))
    total = ad.add_tangents(total, _ew.mul_p.bind(operand, scatter_add_p.bind(
        _zeros_of(operand), indices, t_updates, **add_params)))
  return out, total


def _scatter_mul_transpose(ct, operand, indices, updates, **params):
  if ad.is_undefined_primal(updates):
    raise NotImplementedError(_MUL_GRADIENT_ERROR)
  return [scatter_mul_p.bind(ct, indices, updates, **params), None, None]


ad.primitive_jvps[scatter_mul_p] = _scatter_mul_jvp
ad.primitive_transposes[scatter_mul_p] = _scatter_mul_transpose


def _scatter_extremal_jvp(primitive):
  def jvp(primals, tangents, **params):
    # The tangent at each element is the mean of the tangents of every value that ties for the
    # result there: the operand's own value and each update equal to the result.
    operand, indices, updates = primals
    t_operand, _, t_updates = tangents
    out = primitive.bind(operand, indices, updates, **params)
    if type(t_operand) is ad.Zero and type(t_updates) is ad.Zero:
      return out, ad.Zero.from_primal(out)
    t_operand, t_updates = ad.instantiate_zeros(t_operand), ad.instantiate_zeros(t_updates)
    dn, mode = params["dimension_numbers"], params["mode"]
    dtype = get_aval(out).dtype
    add_params = dict(params, update_jaxpr=_combiner_jaxpr("add", dtype))
    updates_won = _ew.eq_p.bind(updates, _gather_back(out, indices, dn, get_aval(updates).shape,
                                                      mode))
    operand_won = _ew.eq_p.bind(operand, out)
    zeros, ones = _zeros_of(out), _ones_of(out)
    count = _ew.add_p.bind(
        _st.select_n_p.bind(operand_won, zeros, ones),
        scatter_add_p.bind(zeros, indices, _st.select_n_p.bind(
            updates_won, _zeros_of(updates), _ones_of(updates)), **add_params))
    total = _ew.add_p.bind(
        _st.select_n_p.bind(operand_won, _zeros_of(t_operand), t_operand),
        scatter_add_p.bind(_zeros_of(t_operand), indices, _st.select_n_p.bind(
            updates_won, _zeros_of(t_updates), t_updates), **add_params))
    return out, _ew.div_p.bind(total, count)
  return jvp


ad.primitive_jvps[scatter_min_p] = _scatter_extremal_jvp(scatter_min_p)
ad.primitive_jvps[scatter_max_p] = _scatter_extremal_jvp(scatter_max_p)


# --- batching: every operand with its batch dimension first, paired by the batching dims.


def _scatter_batcher(primitive):
  def batcher(axis_data, vals, dims, *, dimension_numbers, **params):
    size = axis_data.size
    operand, indices, updates = (batching.bdim_at_front(x, d, size) for x, d in zip(vals, dims))
    dn = dimension_numbers
    dn = ScatterDimensionNumbers(
        _shifted(dn.update_window_dims), _shifted(dn.inserted_window_dims),
        _shifted(dn.scatter_dims_to_operand_dims), (0, *_shifted(dn.operand_batching_dims)),
        (0, *_shifted(dn.scatter_indices_batching_dims)))
    return primitive.bind(operand, indices, updates, dimension_numbers=dn, **params), 0
  return batcher


for _p in (scatter_p, scatter_add_p, scatter_sub_p, scatter_mul_p, scatter_min_p,
           scatter_max_p):
  batching.primitive_batchers[_p] = _scatter_batcher(_p)
