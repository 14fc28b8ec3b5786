"""Small lax operations outside the big families: `mulhi` (the high half of an integer product),
the `copy` primitive and `lax.dtype`."""
from __future__ import annotations

from typing import Any

import numpy as np

from pyjax._src import dtypes
from pyjax._src.backend import xp
from pyjax._src.interpreters import ad, batching
from pyjax._src.lax.utils import (INTEGER, broadcasting_shape, check_dtype, check_same_dtypes,
                                  standard_primitive)


def _mulhi_dtype(x, y):
  check_dtype("mulhi", x.dtype, INTEGER, 0)
  check_dtype("mulhi", y.dtype, INTEGER, 1)
  check_same_dtypes("mulhi", (x, y), None)
  return x.dtype


def _mulhi_impl(x, y):
  x, y = xp.asarray(x), xp.asarray(y)
  dtype = x.dtype
  bits = dtype.itemsize * 8
  signed = dtypes.issubdtype(dtype, np.signedinteger)
  if bits <= 32:
    # The full product fits in 64 bits: form it there and keep its upper half.
    wide = np.int64 if signed else np.uint64
    return (x.astype(wide) * y.astype(wide) >> bits).astype(dtype)
  # 64-bit operands: the unsigned 128-bit product from 32-bit halves (schoolbook), then the
  # two's-complement correction for signed operands: hi(x*y) = hi_u(x*y) - [x<0] y - [y<0] x.
  u, v = x.view(np.uint64), y.view(np.uint64)
  low_mask, shift = np.uint64(0xFFFFFFFF), np.uint64(32)
  u0, u1, v0, v1 = u & low_mask, u >> shift, v & low_mask, v >> shift
  cross = u1 * v0 + ((u0 * v0) >> shift)
  cross2 = u0 * v1 + (cross & low_mask)
  high = u1 * v1 + (cross >> shift) + (cross2 >> shift)
  if signed:
    high = high - xp.where(x < 0, v, np.uint64(0)) - xp.where(y < 0, u, np.uint64(0))
  return high.view(dtype)


mulhi_p = standard_primitive(
    "mulhi", lambda x, y: broadcasting_shape("mulhi", x.shape, y.shape), _mulhi_dtype,
    _mulhi_impl)
batching.defbroadcasting(mulhi_p)
# Integer-valued: the only tangents are float0 zeros, as for JAX.
ad.defjvp_zero(mulhi_p)


def mulhi(x, y):
  """The high half of the full-width product `x * y` of two integer arrays of one dtype (signed
  for signed dtypes): `(x * y) >> bits` computed without overflow."""
  return mulhi_p.bind(x, y)


def _copy_impl(x):
  return xp.array(x, copy=True)


# `copy` is the identity on values; it exists so that a program can ask for a fresh buffer.
copy_p = standard_primitive("copy", lambda x: x.shape, lambda x: x.dtype, _copy_impl)
batching.defvectorized(copy_p)
ad.deflinear(copy_p, lambda ct, x: [copy_p.bind(ct)])


def dtype(x: Any) -> np.dtype:
  """The canonical dtype of a value, array, scalar type or dtype-like (x64-aware, as arrays made
  from it would have)."""
  return dtypes.dtype(x, canonicalize=True)


__all__ = ["dtype", "mulhi"]
