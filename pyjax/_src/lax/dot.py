"""dot_general: tensor contraction with batch dimensions (matmul, einsum and convolutions by
reshaping build on it)."""
from __future__ import annotations

import math

import numpy as np

from pyjax._src import dtypes
from pyjax._src.backend import xp
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
