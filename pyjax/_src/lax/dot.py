"""dot_general: tensor contraction with batch dimensions (matmul, einsum and convolutions by
reshaping build on it)."""
from __future__ import annotations

import math

import numpy as np

from pyjax._src import dtypes
from pyjax._src.backend import xp
from pyjax._src.core import get_aval
from pyjax._src.interpreters import ad
from pyjax._src.lax import structural as _st
from pyjax._src.lax.utils import check_same_dtypes, standard_primitive
from pyjax._src.pretty_printer import pp_param_rules


def _free_dims(ndim, contracting, batch):
  return [d for d in range(ndim) if d not in contracting and d not in batch]


def _dot_general_shape(lhs, rhs, *, dimension_numbers, precision=None,
                       preferred_element_type=None, out_sharding=None):
  (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
  if len(lhs_contract) != len(rhs_contract) or len(lhs_batch) != len(rhs_batch):
    raise TypeError("dot_general requires equal numbers of lhs and rhs contracting and batch "
                    f"dimensions, got dimension_numbers {dimension_numbers}.")
  for a, b, kind in [*((a, b, "contracting") for a, b in zip(lhs_contract, rhs_contract)),
                     *((a, b, "batch") for a, b in zip(lhs_batch, rhs_batch))]:
    if lhs.shape[a] != rhs.shape[b]:
      raise TypeError(f"dot_general requires {kind} dimensions to have the same shape, got "
                      f"{lhs.shape[a]} and {rhs.shape[b]} (lhs shape {lhs.shape}, rhs shape "
                      f"{rhs.shape}, dimension_numbers {dimension_numbers}).")
  batch = tuple(lhs.shape[d] for d in lhs_batch)
  lhs_free = tuple(lhs.shape[d] for d in _free_dims(lhs.ndim, lhs_contract, lhs_batch))
  rhs_free = tuple(rhs.shape[d] for d in _free_dims(rhs.ndim, rhs_contract, rhs_batch))
  return batch + lhs_free + rhs_free


def _dot_general_dtype(lhs, rhs, *, dimension_numbers, precision=None,
                       preferred_element_type=None, out_sharding=None):
  if lhs.dtype != rhs.dtype and not (dtypes.issubdtype(lhs.dtype, np.bool_) or
                                     dtypes.issubdtype(rhs.dtype, np.bool_)):
    check_same_dtypes("dot_general", (lhs, rhs), None)
  return np.dtype(preferred_element_type) if preferred_element_type is not None else lhs.dtype


def _dot_general(lhs, rhs, *, dimension_numbers, precision=None, preferred_element_type=None,
                 out_sharding=None):
  (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
  out_dtype = np.dtype(preferred_element_type or lhs.dtype)
  lhs_free = _free_dims(lhs.ndim, lhs_contract, lhs_batch)
  rhs_free = _free_dims(rhs.ndim, rhs_contract, rhs_batch)
  # Arrange both as (batch, free, contracting) / (batch, contracting, free) and use matmul.
  a = xp.transpose(lhs, (*lhs_batch, *lhs_free, *lhs_contract))
  b = xp.transpose(rhs, (*rhs_batch, *rhs_contract, *rhs_free))
  batch_shape = [lhs.shape[d] for d in lhs_batch]
  m = math.prod(lhs.shape[d] for d in lhs_free)
  n = math.prod(rhs.shape[d] for d in rhs_free)
  k = math.prod(lhs.shape[d] for d in lhs_contract)
  compute = out_dtype
  if out_dtype.itemsize < 4 and dtypes.issubdtype(out_dtype, np.floating) or out_dtype == np.bool_:
    compute = np.dtype(np.float32)  # NumPy has no fast 16-bit matmul; accumulate in float32.
  a = a.astype(compute, copy=False).reshape(*batch_shape, m, k)
  b = b.astype(compute, copy=False).reshape(*batch_shape, k, n)
  out = xp.matmul(a, b)
  out_shape = (*batch_shape, *(lhs.shape[d] for d in lhs_free), *(rhs.shape[d] for d in rhs_free))
  return out.reshape(out_shape).astype(out_dtype, copy=False)


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
