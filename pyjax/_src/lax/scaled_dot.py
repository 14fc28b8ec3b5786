"""`lax.scaled_dot`: a dot product of block-scaled operands, `(lhs * lhs_scale) @ (rhs *
rhs_scale)`, where each scale holds one factor per block of consecutive elements along the
contracting dimensions (one per element along every other dimension).

As in JAX, the primitive `scaled_dot` computes by widening operands and scales to bfloat16,
multiplying them (the product rounded to bfloat16) and contracting with `dot_general` in
`preferred_element_type` (bfloat16 unless given). It has a batching rule and, as in JAX, no
differentiation rule.
"""
from __future__ import annotations

import ml_dtypes
import numpy as np

from pyjax._src import dtypes
from pyjax._src.avals import ShapedArray
from pyjax._src.core import Primitive
from pyjax._src.interpreters import batching
from pyjax._src.lax import dot as _dot

__all__ = ["scaled_dot"]

_BF16 = np.dtype(ml_dtypes.bfloat16)


def _check_scale(side, operand, scale, contracting):
  for i, size in enumerate(operand.shape):
    if i in contracting:
      if size % scale.shape[i] != 0:
        raise TypeError(f"{side} contracting dim {i} of size {size} must be divisible by its "
                        f"scale's dim size {scale.shape[i]}.")
      block = size // scale.shape[i]
      if block < 2:
        raise TypeError(f"The ratio of {side} contracting dim {i} to its scale's dim size "
                        f"({block}) must be at least 2.")
    elif scale.shape[i] != size:
      raise TypeError(f"{side} dim {i} of size {size} does not match scale dim size "
                      f"{scale.shape[i]}.")


def _check_inputs(lhs, rhs, lhs_scale, rhs_scale, dimension_numbers):
  (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
  ranks = {lhs.ndim, rhs.ndim, lhs_scale.ndim, rhs_scale.ndim}
  if len(ranks) != 1:
    raise TypeError(f"All input tensors must have the same rank. Got lhs rank: {lhs.ndim} rhs "
                    f"rank: {rhs.ndim} lhs_scale rank: {lhs_scale.ndim} rhs_scale rank: "
                    f"{rhs_scale.ndim}.")
  if len(lhs_batch) != len(rhs_batch):
    raise TypeError("LHS and RHS must have the same number of batch dimensions, got "
                    f"{len(lhs_batch)} and {len(rhs_batch)}.")
  if len(lhs_contract) != len(rhs_contract):
    raise TypeError("LHS and RHS must have the same number of contracting dimensions, got "
                    f"{len(lhs_contract)} and {len(rhs_contract)}.")
  for side, x, dims in (("lhs", lhs, (*lhs_batch, *lhs_contract)),
                        ("rhs", rhs, (*rhs_batch, *rhs_contract))):
    if any(not 0 <= d < x.ndim for d in dims):
      raise TypeError(f"scaled_dot {side} dimension numbers {tuple(dims)} must lie in "
                      f"[0, {x.ndim}) for a {side} of rank {x.ndim}.")
  for i, j in zip(lhs_batch, rhs_batch):
    sizes = {lhs.shape[i], rhs.shape[j], lhs_scale.shape[i], rhs_scale.shape[j]}
    if len(sizes) != 1:
      raise TypeError("All input tensors must have the same batch dimension size for batch dims "
                      f"({i}, {j}).")
  for i, j in zip(lhs_contract, rhs_contract):
    if lhs.shape[i] != rhs.shape[j]:
      raise TypeError(f"LHS contracting dim {i} of size {lhs.shape[i]} does not match RHS "
                      f"contracting dim {j} of size {rhs.shape[j]}.")
  _check_scale("LHS", lhs, lhs_scale, lhs_contract)
  _check_scale("RHS", rhs, rhs_scale, rhs_contract)


def _abstract_eval(lhs, rhs, lhs_scale, rhs_scale, *, dimension_numbers,
                   preferred_element_type):
  _check_inputs(lhs, rhs, lhs_scale, rhs_scale, dimension_numbers)
  (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
  shape = (tuple(lhs.shape[d] for d in lhs_batch)
           + tuple(lhs.shape[d] for d in _dot._free_dims(lhs.ndim, lhs_contract, lhs_batch))
           + tuple(rhs.shape[d] for d in _dot._free_dims(rhs.ndim, rhs_contract, rhs_batch)))
  out_dtype = _BF16 if preferred_element_type is None else np.dtype(preferred_element_type)
  return ShapedArray(shape, out_dtype)


def _expand_scale(scale: np.ndarray, shape, contracting) -> np.ndarray:
  """The per-block scale repeated to one factor per element of the operand."""
  for d in contracting:
    if scale.shape[d] != shape[d]:
      scale = np.repeat(scale, shape[d] // scale.shape[d], axis=d)
  return scale


def _scaled(x, scale, contracting):
  """`x * scale` as JAX computes it: both widened to bfloat16, the product rounded to bfloat16."""
  scale = _expand_scale(np.asarray(scale), x.shape, contracting)
  widen = lambda v: np.asarray(v).astype(_BF16).astype(np.float32)  # noqa: E731
  return (widen(x) * widen(scale)).astype(_BF16)


def _impl(lhs, rhs, lhs_scale, rhs_scale, *, dimension_numbers, preferred_element_type):
  (lhs_contract, rhs_contract), _ = dimension_numbers
  a = _scaled(lhs, lhs_scale, lhs_contract)
  b = _scaled(rhs, rhs_scale, rhs_contract)
  return _dot._dot_general(a, b, dimension_numbers=dimension_numbers,
                           preferred_element_type=preferred_element_type)


scaled_dot_p = Primitive("scaled_dot")
scaled_dot_p.def_abstract_eval(_abstract_eval)
scaled_dot_p.def_impl(_impl)
scaled_dot_p.weak_type_rule = lambda *weak_types, **params: False


def _batcher(axis_data, vals, dims, *, dimension_numbers, preferred_element_type):
  size = next(batching.shape_of(x)[d] for x, d in zip(vals, dims) if d is not None)
  vals = [batching.bdim_at_front(x, d, size) for x, d in zip(vals, dims)]
  shift = lambda axes: tuple(a + 1 for a in axes)  # noqa: E731
  (lc, rc), (lb, rb) = dimension_numbers
  numbers = ((shift(lc), shift(rc)), ((0, *shift(lb)), (0, *shift(rb))))
  return scaled_dot_p.bind(*vals, dimension_numbers=numbers,
                           preferred_element_type=preferred_element_type), 0


batching.primitive_batchers[scaled_dot_p] = _batcher


def _unit_scale(operand, contracting):
  from pyjax import lax
  from pyjax import numpy as jnp
  shape = [1 if d in contracting else n for d, n in enumerate(operand.shape)]
  return lax.convert_element_type(jnp.ones(shape, dtype=_BF16), ml_dtypes.float8_e8m0fnu)


def _as_dimension_numbers(dimension_numbers):
  try:
    (lc, rc), (lb, rb) = dimension_numbers
    return ((tuple(int(d) for d in lc), tuple(int(d) for d in rc)),
            (tuple(int(d) for d in lb), tuple(int(d) for d in rb)))
  except (TypeError, ValueError):
    raise TypeError("scaled_dot dimension_numbers must be ((lhs_contracting_dims, "
                    "rhs_contracting_dims), (lhs_batch_dims, rhs_batch_dims)), got "
                    f"{dimension_numbers!r}.") from None


def scaled_dot(lhs, rhs, *, lhs_scale=None, rhs_scale=None, dimension_numbers=None,
               preferred_element_type=None):
  """The dot product `(lhs * lhs_scale) @ (rhs * rhs_scale)` (`@` being `lax.dot_general` with
  `dimension_numbers`) in `preferred_element_type` (bfloat16 by default).

  Each scale has its operand's rank and shape, except along the contracting dimensions, whose
  size divides the operand's (a block of at least 2 elements shares one factor). A missing scale
  is all ones. Without `dimension_numbers`, the last dimension of `lhs` contracts with the
  second-to-last of `rhs` and the leading dimensions are batch dimensions."""
  from pyjax import numpy as jnp
  lhs, rhs = jnp.asarray(lhs), jnp.asarray(rhs)
  if dimension_numbers is None:
    if lhs.ndim < 2:
      raise TypeError("scaled_dot does not support 0-rank and 1-rank operands.")
    n = lhs.ndim
    dimension_numbers = (((n - 1,), (n - 2,)), (tuple(range(n - 2)), tuple(range(n - 2))))
  dimension_numbers = _as_dimension_numbers(dimension_numbers)
  (lhs_contract, rhs_contract), _ = dimension_numbers
  lhs_scale = _unit_scale(lhs, lhs_contract) if lhs_scale is None else jnp.asarray(lhs_scale)
  rhs_scale = _unit_scale(rhs, rhs_contract) if rhs_scale is None else jnp.asarray(rhs_scale)
  out_dtype = _BF16 if preferred_element_type is None else preferred_element_type
  out_dtype = dtypes.check_user_dtype_supported(out_dtype, "scaled_dot")
  return scaled_dot_p.bind(lhs, rhs, lhs_scale, rhs_scale, dimension_numbers=dimension_numbers,
                           preferred_element_type=out_dtype)
