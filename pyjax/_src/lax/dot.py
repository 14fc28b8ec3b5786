"""dot_general: tensor contraction with batch dimensions (matmul, einsum and convolutions by
reshaping build on it)."""
from __future__ import annotations

import functools
import math

import numpy as np

from pyjax._src import dtypes
from pyjax._src.backend import xp
from pyjax._src.core import get_aval
from pyjax._src.interpreters import ad, batching
from pyjax._src.lax import structural as _st
from pyjax._src.lax.precision import (DotAlgorithmPreset, algorithm_compute_types,
                                      check_cpu_dot_algorithm, is_dot_algorithm)
from pyjax._src.lax.utils import standard_primitive
from pyjax._src.pretty_printer import pp_param_rules


def _free_dims(ndim, contracting, batch):
  return [d for d in range(ndim) if d not in contracting and d not in batch]


def _dot_general_shape(lhs, rhs, *, dimension_numbers, precision=None,
                       preferred_element_type=None, out_sharding=None):
  (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
  if len(lhs_batch) != len(rhs_batch):
    raise TypeError("dot_general requires equal numbers of lhs_batch and rhs_batch dimensions, "
                    f"got lhs_batch {lhs_batch} and rhs_batch {rhs_batch}.")
  for side, aval, batch, contract in (("lhs", lhs, lhs_batch, lhs_contract),
                                      ("rhs", rhs, rhs_batch, rhs_contract)):
    if any(not 0 <= d < aval.ndim for d in (*batch, *contract)):
      raise TypeError(f"dot_general requires {side} dimension numbers to be nonnegative and less "
                      f"than the number of axes of the {side} value, got {side}_batch of {batch} "
                      f"and {side}_contracting of {contract} for {side} of rank {aval.ndim}")
    if set(batch) & set(contract):
      raise TypeError(f"dot_general requires {side} batch dimensions to be disjoint from "
                      f"contracting dimensions, got {side}_batch {batch} and {side}_contracting "
                      f"{contract}.")
  lhs_batch_shape = tuple(lhs.shape[d] for d in lhs_batch)
  rhs_batch_shape = tuple(rhs.shape[d] for d in rhs_batch)
  if lhs_batch_shape != rhs_batch_shape:
    raise TypeError("dot_general requires lhs batch dimensions and rhs batch dimensions to have "
                    f"the same shape, got {lhs_batch_shape} and {rhs_batch_shape}.")
  lhs_contract_shape = tuple(lhs.shape[d] for d in lhs_contract)
  rhs_contract_shape = tuple(rhs.shape[d] for d in rhs_contract)
  if lhs_contract_shape != rhs_contract_shape:
    raise TypeError("dot_general requires contracting dimensions to have the same shape, got "
                    f"{lhs_contract_shape} and {rhs_contract_shape}.")
  batch = lhs_batch_shape
  lhs_free = tuple(lhs.shape[d] for d in _free_dims(lhs.ndim, lhs_contract, lhs_batch))
  rhs_free = tuple(rhs.shape[d] for d in _free_dims(rhs.ndim, rhs_contract, rhs_batch))
  return batch + lhs_free + rhs_free


def _dot_general_dtype(lhs, rhs, *, dimension_numbers, precision=None,
                       preferred_element_type=None, out_sharding=None):
  result = _result_dtype(lhs.dtype, rhs.dtype, None)
  if preferred_element_type is None or result == preferred_element_type:
    return result
  # A narrower integer (or boolean) result must be asked for with an algorithm, which says in
  # what type the sum is kept; floating results may always be narrowed.
  if (not is_dot_algorithm(precision) and not dtypes.issubdtype(result, np.floating)
      and _bit_width(preferred_element_type) < _bit_width(result)):
    raise TypeError("`preferred_element_type` must not be narrower than the original type, got "
                    f"preferred_element_type of {np.dtype(preferred_element_type).name} for "
                    f"result type of {result.name}.")
  return np.dtype(preferred_element_type)


def _bit_width(dtype) -> int:
  if dtypes.issubdtype(dtype, np.inexact):
    return dtypes.finfo(dtype).bits
  return 1 if np.dtype(dtype) == np.bool_ else np.dtype(dtype).itemsize * 8


def _precision_rank(dtype) -> tuple:
  """Orders operand dtypes the way XLA picks the one a mixed-dtype dot computes in: complex over
  real, then the larger exponent range, the longer mantissa, the wider type, signed over
  unsigned (so f16 . bf16 -> bf16, i8 . u8 -> i8, i32 . f32 -> f32)."""
  is_complex = dtypes.issubdtype(dtype, np.complexfloating)
  real = np.dtype(np.float64 if dtype == np.complex128 else np.float32) if is_complex else dtype
  if dtypes.issubdtype(real, np.floating):
    info = dtypes.finfo(real)
    exponent, mantissa = info.maxexp, info.nmant
  else:
    exponent = mantissa = -1
  bits = 1 if real == np.bool_ else np.dtype(real).itemsize * 8
  return (is_complex, exponent, mantissa, bits, not dtypes.issubdtype(real, np.unsignedinteger))


def _result_dtype(lhs_dtype, rhs_dtype, preferred_element_type) -> np.dtype:
  if lhs_dtype == rhs_dtype:
    result = lhs_dtype
  else:
    lhs_rank, rhs_rank = _precision_rank(lhs_dtype), _precision_rank(rhs_dtype)
    if lhs_rank == rhs_rank:
      raise TypeError(f"lax.dot_general argument type error: {lhs_dtype.name}, {rhs_dtype.name}")
    result = lhs_dtype if lhs_rank > rhs_rank else rhs_dtype
  return np.dtype(preferred_element_type) if preferred_element_type is not None else result


@functools.lru_cache(maxsize=1024)
def _dot_plan(lhs_shape, lhs_dtype, rhs_shape, rhs_dtype, dimension_numbers,
              preferred_element_type):
  """How to compute one dot_general signature with matmul: both operands arranged as
  (batch, free, contracting) / (batch, contracting, free). Cached, because working it out costs
  several times what a small matmul does."""
  (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
  out_dtype = _result_dtype(lhs_dtype, rhs_dtype, preferred_element_type)
  lhs_free = _free_dims(len(lhs_shape), lhs_contract, lhs_batch)
  rhs_free = _free_dims(len(rhs_shape), rhs_contract, rhs_batch)
  lhs_perm = (*lhs_batch, *lhs_free, *lhs_contract)
  rhs_perm = (*rhs_batch, *rhs_contract, *rhs_free)
  batch_shape = tuple(lhs_shape[d] for d in lhs_batch)
  m = math.prod(lhs_shape[d] for d in lhs_free)
  n = math.prod(rhs_shape[d] for d in rhs_free)
  k = math.prod(lhs_shape[d] for d in lhs_contract)
  compute = out_dtype
  if out_dtype.itemsize < 4 and dtypes.issubdtype(out_dtype, np.floating) or out_dtype == np.bool_:
    compute = np.dtype(np.float32)  # NumPy has no fast 16-bit matmul; accumulate in float32.
  out_shape = (*batch_shape, *(lhs_shape[d] for d in lhs_free),
               *(rhs_shape[d] for d in rhs_free))
  identity = lambda perm: perm == tuple(range(len(perm)))  # noqa: E731
  return (None if identity(lhs_perm) else lhs_perm, None if identity(rhs_perm) else rhs_perm,
          (*batch_shape, m, k), (*batch_shape, k, n), compute, k == 1, out_shape, out_dtype)


def _dot_general(lhs, rhs, *, dimension_numbers, precision=None, preferred_element_type=None,
                 out_sharding=None):
  # None and a pair of Precisions (the common parameters) are told apart from an algorithm by
  # two identity tests, before any call: this runs on every eager product.
  if (precision is not None and precision.__class__ is not tuple and is_dot_algorithm(precision)
      and precision is not DotAlgorithmPreset.DEFAULT):
    return _dot_with_algorithm(lhs, rhs, dimension_numbers, precision, preferred_element_type)
  lhs_perm, rhs_perm, a_shape, b_shape, compute, outer, out_shape, out_dtype = _dot_plan(
      lhs.shape, lhs.dtype, rhs.shape, rhs.dtype, dimension_numbers, preferred_element_type)
  a = lhs if lhs_perm is None else xp.transpose(lhs, lhs_perm)
  b = rhs if rhs_perm is None else xp.transpose(rhs, rhs_perm)
  a = a.astype(compute, copy=False).reshape(a_shape)
  b = b.astype(compute, copy=False).reshape(b_shape)
  # An outer product (nothing contracted) is a broadcast multiply: NumPy's batched matmul is
  # an order of magnitude slower for it (per-example weight gradients under vmap are these).
  out = a * b if outer else xp.matmul(a, b)
  return out.reshape(out_shape).astype(out_dtype, copy=False)


def _dot_with_algorithm(lhs, rhs, dimension_numbers, algorithm, preferred_element_type):
  """dot_general with an algorithm, as XLA's CPU backend computes it: the operands converted to
  the algorithm's types, the product summed in its accumulation type, the sum converted to the
  result type. (The CPU sums in that type whatever the algorithm's number of parts: the _X3 and
  _X6 presets compute float32 products of float32 operands.)"""
  check_cpu_dot_algorithm(algorithm)
  out_dtype = _result_dtype(lhs.dtype, rhs.dtype, preferred_element_type)
  lhs_type, rhs_type, accumulation = algorithm_compute_types(algorithm, lhs.dtype, rhs.dtype,
                                                             out_dtype)
  lhs = _st._convert(lhs, new_dtype=lhs_type)
  rhs = _st._convert(rhs, new_dtype=rhs_type)
  out = _dot_general(lhs, rhs, dimension_numbers=dimension_numbers,
                     preferred_element_type=accumulation)
  return _st._convert(out, new_dtype=out_dtype)


dot_general_p = standard_primitive("dot_general", _dot_general_shape, _dot_general_dtype,
                                   _dot_general,
                                   lambda wl, wr, **params: wl and wr)


def _pp_dot_general(params):
  (lc, rc), (lb, rb) = params["dimension_numbers"]
  shown = {"dimension_numbers": f"(({list(lc)}, {list(rc)}), ({list(lb)}, {list(rb)}))"}
  for key in ("precision", "preferred_element_type"):
    if params.get(key) is not None:
      shown[key] = params[key]
  return shown


pp_param_rules[dot_general_p] = _pp_dot_general


# --- batching. Both operands batched: the batch dimensions, where they are, become the first
# dot_general batch dimension (no transposes, as in JAX). One batched: its batch dimension is a
# free dimension of that operand, and lands where that operand's free dimensions land.
def _dot_general_batcher(axis_data, vals, dims, *, dimension_numbers, **params):
  (lhs, rhs), (dl, dr) = vals, dims
  (lc, rc), (lb, rb) = dimension_numbers
  if dl is not None and dr is not None:
    lc, lb = (tuple(batching.physical_axis(a, dl) for a in axes) for axes in (lc, lb))
    rc, rb = (tuple(batching.physical_axis(a, dr) for a in axes) for axes in (rc, rb))
    numbers = ((lc, rc), ((dl, *lb), (dr, *rb)))
    return dot_general_p.bind(lhs, rhs, dimension_numbers=numbers, **params), 0
  if dl is not None:
    lc, lb = (tuple(batching.physical_axis(a, dl) for a in axes) for axes in (lc, lb))
    free = _free_dims(get_aval(lhs).ndim, lc, lb)
    out_dim = len(lb) + free.index(dl)
  else:
    rc, rb = (tuple(batching.physical_axis(a, dr) for a in axes) for axes in (rc, rb))
    lhs_free = _free_dims(get_aval(lhs).ndim, lc, lb)
    free = _free_dims(get_aval(rhs).ndim, rc, rb)
    out_dim = len(rb) + len(lhs_free) + free.index(dr)
  return dot_general_p.bind(lhs, rhs, dimension_numbers=((lc, rc), (lb, rb)), **params), out_dim


batching.primitive_batchers[dot_general_p] = _dot_general_batcher


# ------------------------------------------------------------------------------------------------
# Differentiation: dot_general is bilinear.


def _transpose_operand(ct, x_aval, y, dimension_numbers, precision, preferred_element_type,
                       y_free_first):
  """The cotangent of operand x of `dot_general(x, y)` (of `dot_general(y, x)` when
  `y_free_first`), given the output cotangent: contract it with y over y's free dimensions and
  the batch dimensions, then order the result's dimensions as x's."""
  (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
  y_ndim = get_aval(y).ndim
  x_free = _free_dims(x_aval.ndim, x_contract, x_batch)
  y_free = _free_dims(y_ndim, y_contract, y_batch)
  batch = len(x_batch)
  first_free = batch if y_free_first else batch + len(x_free)
  ct_y_free = tuple(range(first_free, first_free + len(y_free)))
  numbers = ((ct_y_free, tuple(y_free)), (tuple(range(batch)), tuple(y_batch)))
  out = dot_general_p.bind(ct, y, dimension_numbers=numbers, precision=precision,
                           preferred_element_type=preferred_element_type, out_sharding=None)
  # `out` has x's batch dimensions, then x's free ones, then x's contracting ones in the order
  # of the y dimensions they were contracted with.
  order = [*x_batch, *x_free, *(x_contract[i] for i in np.argsort(y_contract))]
  permutation = tuple(np.argsort(order).tolist())
  if permutation != tuple(range(len(order))):
    out = _st.transpose_p.bind(out, permutation=permutation)
  if get_aval(out).dtype != x_aval.dtype:
    out = _st.convert_element_type_p.bind(out, new_dtype=x_aval.dtype,
                                          weak_type=x_aval.weak_type, sharding=None)
  return out


def _transpose_lhs(ct, lhs, rhs, *, dimension_numbers, precision=None,
                   preferred_element_type=None, out_sharding=None):
  return _transpose_operand(ct, lhs.aval, rhs, dimension_numbers, precision,
                            preferred_element_type, False)


def _transpose_rhs(ct, lhs, rhs, *, dimension_numbers, precision=None,
                   preferred_element_type=None, out_sharding=None):
  (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
  swapped = ((rhs_contract, lhs_contract), (rhs_batch, lhs_batch))
  return _transpose_operand(ct, rhs.aval, lhs, swapped, precision, preferred_element_type,
                            True)


ad.defbilinear(dot_general_p, _transpose_lhs, _transpose_rhs)
