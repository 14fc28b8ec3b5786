"""Tensor products of `jax.numpy`: tensordot, kron, inner, cross, vecdot, matvec, vecmat, trace."""
from __future__ import annotations

import operator
from typing import Sequence

import numpy as np

from pyjax._src import dtypes
from pyjax._src.lax import lax
from pyjax._src.numpy import reductions, ufuncs
from pyjax._src.numpy.einsum import einsum
from pyjax._src.numpy.lax_numpy import broadcast_arrays, moveaxis, reshape, stack, where
from pyjax._src.numpy.util import (asarray_or_scalar, canonicalize_axis, check_arraylike,
                                   promote_dtypes)

__all__ = ["tensordot", "kron", "inner", "cross", "vecdot", "matvec", "vecmat", "trace"]


def _arrays(name, *args):
  check_arraylike(name, *args)
  return [asarray_or_scalar(a) for a in args]


def _result_dtype(a, b, preferred_element_type):
  if preferred_element_type is not None:
    return dtypes.check_user_dtype_supported(preferred_element_type, "tensordot"), False
  return dtypes.result_type(a, b, return_weak_type_flag=True)


def _dot(a, b, dimension_numbers, precision, preferred_element_type):
  """dot_general in the promoted dtype (or `preferred_element_type`), keeping a weak type when
  both operands are weak."""
  dtype, weak = _result_dtype(a, b, preferred_element_type)
  out = lax.dot_general(a, b, dimension_numbers, precision, preferred_element_type=dtype)
  if weak:
    from pyjax._src.lax import structural
    out = structural.convert_element_type(out, dtype, True)
  return out


def tensordot(a, b, axes: int | Sequence = 2, *, precision=None, preferred_element_type=None,
              out_sharding=None):
  """Sum of products over axes: the last `axes` of `a` with the first `axes` of `b`, or the
  pair of axis lists `(axes_a, axes_b)`."""
  if out_sharding is not None:
    raise NotImplementedError("tensordot's out_sharding is not supported: pyjax has no sharding.")
  a, b = _arrays("tensordot", a, b)
  if type(axes) is int or isinstance(axes, np.integer):
    n = operator.index(axes)
    if n > min(a.ndim, b.ndim):
      raise TypeError(f"Number of tensordot axes (axes {n}) exceeds input ranks ({a.shape} and "
                      f"{b.shape})")
    # As in JAX, a negative count contracts nothing.
    contract = (tuple(range(a.ndim - n, a.ndim)) if n > 0 else (), tuple(range(n)))
  elif isinstance(axes, (list, tuple)) and len(axes) == 2:
    axes_a, axes_b = axes
    if isinstance(axes_a, (int, np.integer)) and isinstance(axes_b, (int, np.integer)):
      axes_a, axes_b = [axes_a], [axes_b]
    elif not (isinstance(axes_a, (list, tuple)) and isinstance(axes_b, (list, tuple))):
      raise TypeError("tensordot axes argument must be an int, a pair of ints, or a pair of "
                      "lists/tuples of ints.")
    if len(axes_a) != len(axes_b):
      raise TypeError(f"tensordot requires axes lists to have equal length, got {axes_a} and "
                      f"{axes_b}.")
    contract = (tuple(canonicalize_axis(i, a.ndim) for i in axes_a),
                tuple(canonicalize_axis(i, b.ndim) for i in axes_b))
  else:
    raise TypeError("tensordot axes argument must be an int, a pair of ints, or a pair of "
                    "lists/tuples of ints.")
  return _dot(a, b, (contract, ((), ())), precision, preferred_element_type)


def kron(a, b):
  """Kronecker product: every element of `a` times the whole of `b`, in blocks."""
  a, b = promote_dtypes(*_arrays("kron", a, b))
  ndim = max(a.ndim, b.ndim)
  a = lax.broadcast_to_rank(a, ndim) if a.ndim else reshape(a, (1,) * ndim)
  b = lax.broadcast_to_rank(b, ndim) if b.ndim else reshape(b, (1,) * ndim)
  # Interleave the axes: a's dimension i at position 2i, b's at 2i+1.
  a_wide = lax.expand_dims(a, tuple(range(1, 2 * ndim, 2)))
  b_wide = lax.expand_dims(b, tuple(range(0, 2 * ndim, 2)))
  # lax.mul, as in JAX: booleans are refused rather than and-ed.
  product = lax.mul(*broadcast_arrays(a_wide, b_wide))
  return reshape(product, tuple(m * n for m, n in zip(a.shape, b.shape)))


def inner(a, b, *, precision=None, preferred_element_type=None):
  """Sum of products over the last axes of `a` and `b` (a scalar operand multiplies)."""
  a, b = _arrays("inner", a, b)
  if a.ndim == 0 or b.ndim == 0:
    out = ufuncs.multiply(a, b)
    if preferred_element_type is not None:
      out = lax.convert_element_type(out, preferred_element_type)
    return out
  return _dot(a, b, (((a.ndim - 1,), (b.ndim - 1,)), ((), ())), precision,
              preferred_element_type)


def cross(a, b, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None):
  """Cross product of 2- or 3-vectors along `axisa` of `a` and `axisb` of `b` (a 2-vector has
  a zero third component; two 2-vectors give the scalar z-component)."""
  a, b = promote_dtypes(*_arrays("cross", a, b))
  if axis is not None:
    axisa = axisb = axisc = axis
  a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
  if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
    raise ValueError("Dimension must be either 2 or 3 for cross product")
  a0, a1 = a[..., 0], a[..., 1]
  b0, b1 = b[..., 0], b[..., 1]
  if a.shape[-1] == 2 and b.shape[-1] == 2:
    return ufuncs.subtract(ufuncs.multiply(a0, b1), ufuncs.multiply(a1, b0))
  a2 = a[..., 2] if a.shape[-1] == 3 else ufuncs.multiply(a0, 0)
  b2 = b[..., 2] if b.shape[-1] == 3 else ufuncs.multiply(b0, 0)
  c = [ufuncs.subtract(ufuncs.multiply(a1, b2), ufuncs.multiply(a2, b1)),
       ufuncs.subtract(ufuncs.multiply(a2, b0), ufuncs.multiply(a0, b2)),
       ufuncs.subtract(ufuncs.multiply(a0, b1), ufuncs.multiply(a1, b0))]
  c = stack(broadcast_arrays(*c), axis=-1)
  return moveaxis(c, -1, axisc)


def _conj(x):
  return ufuncs.conjugate(x) if dtypes.issubdtype(x.dtype, np.complexfloating) else x


def _core_mismatch(label, n, m, signature):
  return ValueError(f"inconsistent size for core dimension '{label}': {n} vs {m} on vectorized "
                    f"function with excluded=frozenset() and signature='{signature}'")


def vecdot(x1, x2, /, *, axis: int = -1, precision=None, preferred_element_type=None):
  """Conjugated dot product of vectors along `axis`, broadcast over the other dimensions."""
  x1, x2 = _arrays("vecdot", x1, x2)
  x1 = moveaxis(x1, canonicalize_axis(axis, x1.ndim), -1)
  x2 = moveaxis(x2, canonicalize_axis(axis, x2.ndim), -1)
  if x1.shape[-1] != x2.shape[-1]:
    raise ValueError(f"axes must match; got shapes {x1.shape} and {x2.shape} with axis={axis}")
  return einsum("...i,...i->...", _conj(x1), x2, precision=precision,
                preferred_element_type=preferred_element_type)


def matvec(x1, x2, /):
  """Matrix-vector products over the last two axes of `x1` and the last axis of `x2`,
  broadcast over the leading dimensions."""
  x1, x2 = _arrays("matvec", x1, x2)
  if x1.ndim < 2 or x2.ndim < 1:
    raise ValueError(f"matvec needs a matrix and a vector; got shapes {x1.shape} and "
                     f"{x2.shape}.")
  if x1.shape[-1] != x2.shape[-1]:
    raise _core_mismatch("m", x2.shape[-1], x1.shape[-1], "(n,m),(m)->(n)")
  return einsum("...ij,...j->...i", x1, x2)


def vecmat(x1, x2, /):
  """Conjugated vector-matrix products over the last axis of `x1` and the last two axes of
  `x2`, broadcast over the leading dimensions."""
  x1, x2 = _arrays("vecmat", x1, x2)
  if x1.ndim < 1 or x2.ndim < 2:
    raise ValueError(f"vecmat needs a vector and a matrix; got shapes {x1.shape} and "
                     f"{x2.shape}.")
  if x1.shape[-1] != x2.shape[-2]:
    raise _core_mismatch("n", x2.shape[-2], x1.shape[-1], "(n),(n,m)->(m)")
  return einsum("...i,...ij->...j", _conj(x1), x2)


def trace(a, offset=0, axis1: int = 0, axis2: int = 1, dtype=None, out=None):
  """Sum along the `offset` diagonal of the `(axis1, axis2)` planes (small integers and bools
  sum in the default integer type, as `sum` does)."""
  if out is not None:
    raise NotImplementedError("The 'out' argument to jnp.trace is not supported.")
  (a,) = _arrays("trace", a)
  axis1, axis2 = canonicalize_axis(axis1, a.ndim), canonicalize_axis(axis2, a.ndim)
  if axis1 == axis2:
    raise ValueError(f"axis1 and axis2 can not be same. axis1={axis1} and axis2={axis2}")
  if dtype is not None:
    dtype = dtypes.check_user_dtype_supported(dtype, "trace")
  plane = (a.shape[axis1], a.shape[axis2])
  rows = lax.broadcasted_iota(dtypes.default_int_dtype(), plane, 0)
  cols = lax.broadcasted_iota(dtypes.default_int_dtype(), plane, 1)
  on_diagonal = ufuncs.equal(ufuncs.add(rows, offset), cols)
  shape = [1] * a.ndim
  shape[axis1], shape[axis2] = plane
  on_diagonal = reshape(on_diagonal, shape) if axis1 < axis2 else reshape(
      lax.transpose(on_diagonal, (1, 0)), shape)
  masked = where(on_diagonal, a, lax.full_like(a, 0))
  return reductions.sum(masked, axis=(axis1, axis2), dtype=dtype)
