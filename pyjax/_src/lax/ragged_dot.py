"""ragged_dot_general: a dot_general in which one lhs dimension is split into consecutive groups
(sizes given by an integer array), as in mixture-of-experts layers.

Three modes, by the kind of the lhs ragged dimension (JAX's documentation of
`lax.ragged_dot_general` states them):
1. non-contracting (`m`): rows of group `j` are multiplied by slice `j` of the rhs group
   dimension: `[b.., m.., k..], [g, b.., k.., n..] -> [b.., m.., n..]` (rows past the last group
   are zero);
2. contracting (`k`): each group contracts only its own slice of `k`, giving one result per group:
   `[b.., m.., k..], [b.., k.., n..] -> [g, b.., m.., n..]`;
3. batch (`b`): a plain dot_general (every batch element belongs to a group).
`group_sizes` has shape `[g]` or `[prefix.., g]`, where the prefix is the lhs batch dimensions
then the lhs dimensions of the ragged dimension's kind that come before it.

Both the NumPy kernel and the transposes work on the dense form: the lhs expanded to `[g, ...]`
with the entries outside group `j` zeroed in slice `j`, then a dot_general.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.backend import xp
from pyjax._src.interpreters import ad, batching, staging
from pyjax._src.lax import cumulative as _cumulative
from pyjax._src.lax import dot as _dot
from pyjax._src.lax import lax
from pyjax._src.lax.precision import canonicalize_precision
from pyjax._src.lax.utils import standard_primitive


@dataclasses.dataclass(frozen=True)
class RaggedDotDimensionNumbers:
  """The dimension numbers of `ragged_dot_general`: `dot_dimension_numbers` as for
  `dot_general`, the lhs ragged dimension (exactly one) and the rhs group dimensions (one in
  mode 1, none otherwise)."""
  dot_dimension_numbers: tuple
  lhs_ragged_dimensions: tuple
  rhs_group_dimensions: tuple

  def __init__(self, dot_dimension_numbers, lhs_ragged_dimensions, rhs_group_dimensions):
    # Stored as tuples, so the numbers are hashable (a primitive parameter) and print as JAX's.
    object.__setattr__(self, "dot_dimension_numbers",
                       tuple(tuple(map(tuple, pair)) for pair in dot_dimension_numbers))
    object.__setattr__(self, "lhs_ragged_dimensions", tuple(lhs_ragged_dimensions))
    object.__setattr__(self, "rhs_group_dimensions", tuple(rhs_group_dimensions))


_NONCONTRACTING, _CONTRACTING, _BATCH = "noncontracting", "contracting", "batch"


def _mode(lhs_ndim: int, numbers: RaggedDotDimensionNumbers) -> str:
  ragged = numbers.lhs_ragged_dimensions[0]
  (contract, _), (batch, _) = numbers.dot_dimension_numbers
  free = _dot._free_dims(lhs_ndim, contract, batch)
  if ragged in free:
    return _NONCONTRACTING
  if ragged in contract:
    return _CONTRACTING
  if ragged in batch:
    return _BATCH
  raise TypeError(f"lhs_ragged_dim {ragged} not found in lhs_noncontracting {free}, "
                  f"lhs_contracting {list(contract)}, or lhs_batch {list(batch)}.")


def _prefix_dims(lhs_ndim: int, numbers: RaggedDotDimensionNumbers) -> list:
  """The lhs dimensions that the leading dimensions of a `[prefix.., g]` group_sizes index."""
  ragged = numbers.lhs_ragged_dimensions[0]
  (contract, _), (batch, _) = numbers.dot_dimension_numbers
  mode = _mode(lhs_ndim, numbers)
  if mode == _BATCH:
    return list(batch[:batch.index(ragged)])
  same_kind = (list(contract) if mode == _CONTRACTING
               else _dot._free_dims(lhs_ndim, contract, batch))
  return list(batch) + same_kind[:same_kind.index(ragged)]


def _check_in_range(dim, rank, dim_name, arg_name):
  if not 0 <= dim < rank:
    raise TypeError(f"ragged_dot_general requires {dim_name} numbers to be nonnegative and less "
                    f"than the number of axes of the {arg_name} value, got {dim} for {arg_name} "
                    f"of rank {rank}.")


def _shape_rule(lhs, rhs, group_sizes, *, ragged_dot_dimension_numbers, precision,
                preferred_element_type, group_offset, out_sharding):
  numbers = ragged_dot_dimension_numbers
  if len(numbers.lhs_ragged_dimensions) != 1:
    raise TypeError("ragged_dot_general expects exactly one lhs ragged dimension.")
  _check_in_range(numbers.lhs_ragged_dimensions[0], lhs.ndim, "lhs ragged dimension", "lhs")
  mode = _mode(lhs.ndim, numbers)
  (_, rhs_contract), (_, rhs_batch) = numbers.dot_dimension_numbers
  if group_sizes.ndim == 0:
    raise TypeError("expected rank of group_sizes to be >=1.")
  if group_sizes.ndim != 1:
    expected = (*(lhs.shape[d] for d in _prefix_dims(lhs.ndim, numbers)), group_sizes.shape[-1])
    if tuple(group_sizes.shape) != expected:
      raise TypeError(f"expected group_sizes to have shape {expected}, got "
                      f"{tuple(group_sizes.shape)}.")
  num_groups = group_sizes.shape[-1]
  group_dims = numbers.rhs_group_dimensions
  if mode == _NONCONTRACTING:
    if len(group_dims) != 1:
      raise TypeError("ragged_dot_general requires exactly one rhs group dimension when lhs "
                      "ragged dimension is noncontracting.")
    _check_in_range(group_dims[0], rhs.ndim, "rhs group dimension", "rhs")
    if group_dims[0] in rhs_batch or group_dims[0] in rhs_contract:
      raise TypeError("ragged_dot_general requires rhs group dimension numbers to be distinct "
                      "from contracting and batch dimensions.")
    if rhs.shape[group_dims[0]] != num_groups:
      raise TypeError(f"expected rhs group dimension size to be {num_groups}, got "
                      f"{rhs.shape[group_dims[0]]}.")
  elif group_dims:
    raise TypeError("ragged_dot_general requires zero group dimensions in the rhs when lhs "
                    "ragged dimension is contracting or batch.")
  # The dot itself: the rhs group dimension is paired with the lhs group slices (contracted).
  (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = numbers.dot_dimension_numbers
  rhs_for_dot = rhs
  if mode == _NONCONTRACTING:
    rhs_for_dot = core.ShapedArray(tuple(s for d, s in enumerate(rhs.shape) if d != group_dims[0]),
                                   rhs.dtype)
    rhs_contract = tuple(d - (d > group_dims[0]) for d in rhs_contract)
    rhs_batch = tuple(d - (d > group_dims[0]) for d in rhs_batch)
  shape = _dot._dot_general_shape(
      lhs, rhs_for_dot, dimension_numbers=((lhs_contract, rhs_contract), (lhs_batch, rhs_batch)))
  return (num_groups, *shape) if mode == _CONTRACTING else shape


def _dtype_rule(lhs, rhs, group_sizes, *, preferred_element_type, **params):
  if not dtypes.issubdtype(group_sizes.dtype, np.integer):
    raise TypeError("ragged_dot_general requires that group_sizes.dtype is subtype of "
                    "np.integer.")
  return _dot._result_dtype(lhs.dtype, rhs.dtype, preferred_element_type)


def _dense_dot_numbers(lhs_ndim, numbers):
  """dot_general's numbers for the dense form (lhs with the group axis in front), and whether
  the result has the group axis (mode 2) at the position after the batch dimensions."""
  (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = numbers.dot_dimension_numbers
  shifted_contract = [d + 1 for d in lhs_contract]
  shifted_batch = [d + 1 for d in lhs_batch]
  mode = _mode(lhs_ndim, numbers)
  if mode == _NONCONTRACTING:
    # The group axis contracts with the rhs group dimension: a sum over groups.
    return (((0, *shifted_contract), (numbers.rhs_group_dimensions[0], *rhs_contract)),
            (tuple(shifted_batch), tuple(rhs_batch))), False
  return ((tuple(shifted_contract), tuple(rhs_contract)),
          (tuple(shifted_batch), tuple(rhs_batch))), True


def _group_axis_to_front(out, num_batch: int, transpose):
  """Mode 2's result from dot_general's order (batch, group, free) to (group, batch, free)."""
  ndim = len(core.get_aval(out).shape)
  perm = (num_batch, *range(num_batch), *range(num_batch + 1, ndim))
  return transpose(out, perm)


def _impl(lhs, rhs, group_sizes, *, ragged_dot_dimension_numbers, precision,
          preferred_element_type, group_offset, out_sharding):
  numbers = ragged_dot_dimension_numbers
  lhs, rhs, group_sizes = xp.asarray(lhs), xp.asarray(rhs), xp.asarray(group_sizes)
  dot = lambda a, b, dims: _dot._dot_general(
      a, b, dimension_numbers=dims, precision=precision,
      preferred_element_type=preferred_element_type)
  if _mode(lhs.ndim, numbers) == _BATCH:
    return dot(lhs, rhs, numbers.dot_dimension_numbers)
  member = _membership(lhs.shape, group_sizes, numbers, _NumpyOps)
  dense = xp.where(member, lhs[None], xp.zeros((), lhs.dtype))
  dims, group_axis_out = _dense_dot_numbers(lhs.ndim, numbers)
  out = dot(dense, rhs, dims)
  if group_axis_out:
    out = _group_axis_to_front(out, len(dims[1][0]), xp.transpose)
  return out


def _membership(lhs_shape, group_sizes, numbers, ops):
  """Boolean `[g, *lhs_shape]` (size 1 along dimensions it does not depend on): whether an lhs
  entry's index along the ragged dimension falls in group `j`. Written once for NumPy (`ops` =
  xp) and, through `_LaxOps`, for traced values."""
  ndim = len(lhs_shape)
  ragged = numbers.lhs_ragged_dimensions[0]
  prefix = _prefix_dims(ndim, numbers) if ops.ndim(group_sizes) > 1 else []
  ends = ops.cumsum(group_sizes, axis=-1)
  starts = ends - group_sizes
  # group_sizes' dims are (prefix.., g): place g at axis 0 and prefix dim p at axis p + 1.
  order = sorted(range(len(prefix)), key=lambda i: prefix[i])
  gs_perm = (len(prefix), *order)
  target = [1] * (ndim + 1)
  target[0] = group_sizes.shape[-1]
  for p in prefix:
    target[p + 1] = lhs_shape[p]
  target[ragged + 1] = lhs_shape[ragged]
  bounds_dims = (0, *sorted(p + 1 for p in prefix))
  starts, ends = (ops.expand(ops.transpose(b, gs_perm), target, bounds_dims)
                  for b in (starts, ends))
  index = ops.iota(group_sizes.dtype, target, ragged + 1)
  return ops.logical_and(starts <= index, index < ends)


class _NumpyOps:
  ndim = staticmethod(np.ndim)
  transpose = staticmethod(xp.transpose)
  logical_and = staticmethod(xp.logical_and)

  @staticmethod
  def cumsum(x, axis):
    return xp.cumsum(x, axis=axis, dtype=x.dtype)

  @staticmethod
  def expand(x, target, dims):
    shape = [1] * len(target)
    for d, size in zip(dims, x.shape):
      shape[d] = size
    return x.reshape(shape)

  @staticmethod
  def iota(dtype, target, axis):
    shape = [1] * len(target)
    shape[axis] = target[axis]
    return xp.arange(target[axis], dtype=dtype).reshape(shape)


class _LaxOps:
  ndim = staticmethod(lambda x: len(core.get_aval(x).shape))
  transpose = staticmethod(lax.transpose)
  logical_and = staticmethod(lax.bitwise_and)

  @staticmethod
  def cumsum(x, axis):
    return _cumulative.cumsum(x, axis=len(core.get_aval(x).shape) - 1)

  @staticmethod
  def expand(x, target, dims):
    return lax.broadcast_in_dim(x, target, dims)

  @staticmethod
  def iota(dtype, target, axis):
    return lax.broadcasted_iota(dtype, target, axis)



# Not exported: jax.lax does not export it either.
_ragged_dot_general_p = standard_primitive("ragged_dot_general", _shape_rule, _dtype_rule, _impl)


def _dense_ragged_dot(lhs, rhs, group_sizes, *, ragged_dot_dimension_numbers, precision,
                      preferred_element_type, group_offset, out_sharding):
  """The dense form in lax operations: what the transposes differentiate through."""
  numbers = ragged_dot_dimension_numbers
  lhs_shape = tuple(core.get_aval(lhs).shape)
  if _mode(len(lhs_shape), numbers) == _BATCH:
    return lax.dot_general(lhs, rhs, numbers.dot_dimension_numbers, precision,
                           preferred_element_type)
  full = (core.get_aval(group_sizes).shape[-1], *lhs_shape)
  member = lax.broadcast_in_dim(_membership(lhs_shape, group_sizes, numbers, _LaxOps), full,
                                tuple(range(len(full))))
  expanded = lax.broadcast_in_dim(lhs, full, tuple(range(1, len(full))))
  dense = lax.select(member, expanded, lax.full_like(expanded, 0))
  dims, group_axis_out = _dense_dot_numbers(len(lhs_shape), numbers)
  out = lax.dot_general(dense, rhs, dims, precision, preferred_element_type)
  if group_axis_out:
    out = _group_axis_to_front(out, len(dims[1][0]), lax.transpose)
  return out


def _jvp(primals, tangents, **params):
  lhs, rhs, group_sizes = primals
  lhs_dot, rhs_dot, _ = tangents
  out = _ragged_dot_general_p.bind(lhs, rhs, group_sizes, **params)
  total = ad.Zero.from_primal(out)
  # Bilinear in (lhs, rhs); group_sizes is integer-valued.
  if type(lhs_dot) is not ad.Zero:
    total = ad.add_tangents(total, _ragged_dot_general_p.bind(lhs_dot, rhs, group_sizes, **params))
  if type(rhs_dot) is not ad.Zero:
    total = ad.add_tangents(total, _ragged_dot_general_p.bind(lhs, rhs_dot, group_sizes, **params))
  return out, total


def _transpose(ct, lhs, rhs, group_sizes, **params):
  if ad.is_undefined_primal(lhs) and ad.is_undefined_primal(rhs):
    raise NotImplementedError("ragged_dot_general is not linear in both operands at once: "
                              "cannot transpose a product of two linear values")
  if ad.is_undefined_primal(group_sizes):
    raise ValueError("ragged_dot_general cannot be transposed with respect to group_sizes")
  undefined = 0 if ad.is_undefined_primal(lhs) else 1

  def linear(x):
    operands = (x, rhs) if undefined == 0 else (lhs, x)
    return [_dense_ragged_dot(*operands, group_sizes, **params)]

  aval = (lhs, rhs)[undefined].aval
  jaxpr, consts = staging.trace_to_jaxpr(linear, [aval])
  ct = ad.instantiate_zeros(ct)
  ct_operand, = ad.backward_pass(jaxpr, consts, [ad.UndefinedPrimal(aval)], [ct])
  cts = [None, None, None]
  cts[undefined] = ad.instantiate_zeros(ct_operand) if type(ct_operand) is ad.Zero else ct_operand
  return cts


ad.primitive_jvps[_ragged_dot_general_p] = _jvp
ad.primitive_transposes[_ragged_dot_general_p] = _transpose


def _shift(dims):
  return tuple(d + 1 for d in dims)


def _batcher(axis_data, vals, dims, *, ragged_dot_dimension_numbers, **params):
  """The mapped axis becomes a leading batch dimension of both operands (an unbatched one is
  broadcast) and, where group_sizes has a prefix, of group_sizes."""
  lhs, rhs, group_sizes = vals
  lhs_dim, rhs_dim, sizes_dim = dims
  numbers = ragged_dot_dimension_numbers
  lhs = batching.bdim_at_front(lhs, lhs_dim, axis_data.size)
  rhs = batching.bdim_at_front(rhs, rhs_dim, axis_data.size)
  if sizes_dim is not None or batching.ndim_of(group_sizes) > 1:
    group_sizes = batching.bdim_at_front(group_sizes, sizes_dim, axis_data.size)
  (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = numbers.dot_dimension_numbers
  batched = RaggedDotDimensionNumbers(
      ((_shift(lhs_contract), _shift(rhs_contract)),
       ((0, *_shift(lhs_batch)), (0, *_shift(rhs_batch)))),
      _shift(numbers.lhs_ragged_dimensions), _shift(numbers.rhs_group_dimensions))
  out = _ragged_dot_general_p.bind(lhs, rhs, group_sizes, ragged_dot_dimension_numbers=batched,
                                  **params)
  # In mode 2 the group axis leads the result and the batch dimensions follow it.
  return out, 1 if _mode(batching.ndim_of(lhs), batched) == _CONTRACTING else 0


batching.primitive_batchers[_ragged_dot_general_p] = _batcher


def ragged_dot_general(lhs, rhs, group_sizes, ragged_dot_dimension_numbers:
                       RaggedDotDimensionNumbers, precision=None, preferred_element_type=None,
                       group_offset=None, out_sharding=None):
  """A dot_general in which one lhs dimension is split into groups of `group_sizes` (see the
  module docstring for the three modes and the shapes)."""
  if group_offset is not None:
    # JAX takes the offset as a primitive parameter, so an array offset fails as unhashable;
    # any other offset is not implemented.
    hash(group_offset)
    raise NotImplementedError("Unimplemented group_offset support.")
  if preferred_element_type is not None:
    preferred_element_type = dtypes.canonicalize_dtype(preferred_element_type)
  return _ragged_dot_general_p.bind(
      lhs, rhs, group_sizes, ragged_dot_dimension_numbers=ragged_dot_dimension_numbers,
      precision=canonicalize_precision(precision), preferred_element_type=preferred_element_type,
      group_offset=None, out_sharding=out_sharding)


_BASIC_NUMBERS = RaggedDotDimensionNumbers((([1], [1]), ([], [])), [0], [0])


def ragged_dot(lhs, rhs, group_sizes, precision=None, preferred_element_type=None,
               group_offset=None, out_sharding=None):
  """`lhs[m, k]` rows in consecutive groups of `group_sizes[g]` rows, each multiplied by its own
  `rhs[g, k, n]` slice: the result is `[m, n]` (rows after the last group are zero)."""
  return ragged_dot_general(lhs, rhs, group_sizes, _BASIC_NUMBERS, precision,
                            preferred_element_type, group_offset, out_sharding)


__all__ = ["RaggedDotDimensionNumbers", "ragged_dot", "ragged_dot_general"]
