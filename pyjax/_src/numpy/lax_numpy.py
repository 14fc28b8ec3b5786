"""Shape manipulation, products and selection for `pyjax.numpy`, with JAX's semantics."""
from __future__ import annotations

import operator
import warnings
import numpy as np

from pyjax._src import core, dtypes, errors
from pyjax._src.array import Array
from pyjax._src.core import Tracer
from pyjax._src.lax import lax
from pyjax._src.lax.lax import _const
from pyjax._src.lax import structural
from pyjax._src.lax.elementwise import RoundingMethod
from pyjax._src.lax.utils import canonicalize_shape
from pyjax._src.numpy import ufuncs
from pyjax._src.numpy.util import (asarray_or_scalar, canonicalize_axis, check_arraylike,
                                   promote_dtypes)


def _as_array(name, x):
  check_arraylike(name, x)
  return asarray_or_scalar(x)


def shape(a) -> tuple:
  return np.shape(a) if not isinstance(a, (Array, Tracer)) else a.shape


def ndim(a) -> int:
  return len(shape(a))


def size(a, axis=None) -> int:
  s = shape(a)
  return int(np.prod(s, dtype=np.int64)) if axis is None else s[axis]


def _compute_newshape(a_shape, newshape) -> tuple:
  if isinstance(newshape, (int, np.integer)) or (isinstance(newshape, (Array, Tracer))
                                                 and not np.ndim(newshape)):
    newshape = (newshape,)
  if any(isinstance(d, Tracer) and not core.is_concrete(d) for d in newshape):
    canonicalize_shape(tuple(newshape))  # JAX's TypeError, naming where each tracer came from
  dims = []
  for d in newshape:
    if isinstance(d, Tracer):
      d = core.concrete_or_error(operator.index, d, "The error arose in jnp.reshape.")
    dims.append(operator.index(d))
  total = int(np.prod(a_shape, dtype=np.int64))
  if dims.count(-1) > 1:
    raise TypeError(f"can only specify one unknown axis size with a `-1` value, got "
                    f"{tuple(newshape)}")
  if -1 in dims:
    known = int(np.prod([d for d in dims if d != -1], dtype=np.int64))
    if known == 0 or total % known:
      raise TypeError(f"cannot reshape array of shape {tuple(a_shape)} (size {total}) into "
                      f"shape {tuple(newshape)}")
    dims[dims.index(-1)] = total // known
  if int(np.prod(dims, dtype=np.int64)) != total:
    raise TypeError(f"cannot reshape array of shape {tuple(a_shape)} (size {total}) into shape "
                    f"{tuple(newshape)} (size {int(np.prod(dims, dtype=np.int64))})")
  return tuple(dims)


def reshape(a, shape=None, order="C", *, copy=None):
  """`a` with a new shape (one dimension may be -1), row-major by default."""
  a = _as_array("reshape", a)
  if shape is None:
    raise TypeError("reshape() missing required argument 'shape'")
  new = _compute_newshape(a.shape, shape)
  if order == "C":
    return lax.reshape(a, new)
  if order == "F":
    dims = tuple(range(a.ndim - 1, -1, -1))
    return lax.transpose(lax.reshape(a, new[::-1], dims), tuple(range(len(new) - 1, -1, -1)))
  raise NotImplementedError(f"Unsupported value for `order`: {order!r}; use 'C' or 'F'.")


def ravel(a, order="C"):
  """`a` flattened to one dimension."""
  a = _as_array("ravel", a)
  return reshape(a, (a.size,), order)


def flatten(a, order="C"):
  return ravel(a, order)


def transpose(a, axes=None):
  """`a` with its axes permuted (reversed by default)."""
  a = _as_array("transpose", a)
  axes = tuple(range(a.ndim - 1, -1, -1)) if axes is None else tuple(
      canonicalize_axis(i, a.ndim) for i in axes)
  return lax.transpose(a, axes)


def permute_dims(a, axes):
  return transpose(a, axes)


def matrix_transpose(x):
  x = _as_array("matrix_transpose", x)
  if x.ndim < 2:
    raise ValueError(f"x must be at least two-dimensional for matrix_transpose; got ndim={x.ndim}")
  return swapaxes(x, -1, -2)


def swapaxes(a, axis1, axis2):
  a = _as_array("swapaxes", a)
  perm = list(range(a.ndim))
  i, j = canonicalize_axis(axis1, a.ndim), canonicalize_axis(axis2, a.ndim)
  perm[i], perm[j] = perm[j], perm[i]
  return lax.transpose(a, perm)


def moveaxis(a, source, destination):
  a = _as_array("moveaxis", a)
  source = [source] if isinstance(source, int) else list(source)
  destination = [destination] if isinstance(destination, int) else list(destination)
  if len(source) != len(destination):
    raise ValueError("Inconsistent number of elements: "
                     f"{len(source)} vs {len(destination)}")
  source = [canonicalize_axis(s, a.ndim) for s in source]
  destination = [canonicalize_axis(d, a.ndim) for d in destination]
  perm = [i for i in range(a.ndim) if i not in source]
  for dest, src in sorted(zip(destination, source)):
    perm.insert(dest, src)
  return lax.transpose(a, perm)


def squeeze(a, axis=None):
  """`a` without the size-1 dimensions (all of them, or the given ones, which must be 1)."""
  a = _as_array("squeeze", a)
  if axis is None:
    axes = tuple(i for i, d in enumerate(a.shape) if d == 1)
  else:
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = tuple(canonicalize_axis(i, a.ndim) for i in axes)
  return lax.squeeze(a, axes)


def expand_dims(a, axis):
  """`a` with size-1 dimensions inserted at the positions `axis` (of the result)."""
  a = _as_array("expand_dims", a)
  axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
  out_ndim = a.ndim + len(axes)
  axes = tuple(canonicalize_axis(i, out_ndim) for i in axes)
  if len(set(axes)) != len(axes):
    raise ValueError(f"repeated axis in expand_dims: {axis}")
  return lax.expand_dims(a, axes)


def broadcast_shapes(*shapes) -> tuple:
  try:
    return tuple(np.broadcast_shapes(*(tuple(s) if not isinstance(s, int) else (s,)
                                       for s in shapes)))
  except ValueError:
    raise ValueError(f"Incompatible shapes for broadcasting: shapes={list(shapes)}") from None


def broadcast_to(array, shape):
  """`array` broadcast to `shape` (NumPy's rules; no copy is made eagerly)."""
  array = _as_array("broadcast_to", array)
  shape = tuple(operator.index(d) for d in ((shape,) if isinstance(shape, int) else shape))
  if array.shape == shape:
    return array
  lead = len(shape) - array.ndim
  if lead < 0:
    raise ValueError(f"Cannot broadcast to shape with fewer dimensions: arr_shape={array.shape} "
                     f"shape={shape}")
  if any(a not in (1, s) for a, s in zip(array.shape, shape[lead:])):
    target = array.aval.update(shape=shape, weak_type=False)
    raise ValueError(f"Incompatible types for broadcasting: input type="
                     f"{array.aval.str_short(short_dtypes=False)} and requested type="
                     f"{target.str_short(short_dtypes=False)}")
  return lax.broadcast_in_dim(array, shape, tuple(range(lead, len(shape))))


def broadcast_arrays(*args):
  arrays = [_as_array("broadcast_arrays", a) for a in args]
  target = broadcast_shapes(*(a.shape for a in arrays))
  return [broadcast_to(a, target) for a in arrays]


def astype(x, dtype, /, *, copy: bool = False, device=None):
  """`x` cast to `dtype` (complex to real drops the imaginary part, with NumPy's warning)."""
  x = _as_array("astype", x)
  dtype = dtypes.check_user_dtype_supported(dtype, "astype")
  if dtypes.issubdtype(x.dtype, np.complexfloating) and not dtypes.issubdtype(
      dtype, np.complexfloating):
    warnings.warn("Casting complex values to real discards the imaginary part",
                  np.exceptions.ComplexWarning, stacklevel=2)
  if x.dtype == dtype and not x.weak_type:
    return x
  return structural.convert_element_type(x, dtype, False)


def concatenate(arrays, axis: int | None = 0, dtype=None):
  """Join arrays along an existing axis (`axis=None` flattens them first)."""
  if isinstance(arrays, (Array, Tracer)):
    arrays = [arrays[i] for i in range(arrays.shape[0])]
  if not len(arrays):
    raise ValueError("Need at least one array to concatenate.")
  check_arraylike("concatenate", *arrays)
  arrays = [asarray_or_scalar(a) for a in arrays]
  if axis is None:
    arrays = [ravel(a) for a in arrays]
    axis = 0
  if any(a.ndim == 0 for a in arrays):
    raise ValueError("Zero-dimensional arrays cannot be concatenated.")
  axis = canonicalize_axis(axis, arrays[0].ndim)
  arrays = promote_dtypes(*arrays)
  if dtype is not None:
    arrays = [astype(a, dtype) for a in arrays]
  return lax.concatenate(arrays, axis)


def stack(arrays, axis: int = 0, out=None, dtype=None):
  """Join arrays of one shape along a new axis."""
  if out is not None:
    raise NotImplementedError("The 'out' argument to jnp.stack is not supported.")
  if not len(arrays):
    raise ValueError("Need at least one array to stack.")
  check_arraylike("stack", *arrays)
  arrays = [asarray_or_scalar(a) for a in arrays]
  if len({a.shape for a in arrays}) != 1:
    raise ValueError("All input arrays must have the same shape. Got "
                     f"{', '.join(str(a.shape) for a in arrays)}.")
  axis = canonicalize_axis(axis, arrays[0].ndim + 1)
  arrays = promote_dtypes(*arrays) if dtype is None else [astype(a, dtype) for a in arrays]
  return lax.stack(arrays, axis)


def where(condition, x=None, y=None, /, *, size=None, fill_value=None):
  """Elementwise `x if condition else y`; with only `condition`, the indices where it holds."""
  if x is None and y is None:
    return nonzero(condition, size=size, fill_value=fill_value)
  check_arraylike("where", condition, x, y)
  if x is None or y is None:
    raise ValueError("Either both or neither of the x and y arguments should be provided to "
                     "jax.numpy.where, got {} and {}.".format(x, y))
  check_arraylike("where", condition, x, y)
  condition = asarray_or_scalar(condition)
  if condition.dtype != np.bool_:
    condition = ufuncs.not_equal(condition, 0)
  x, y = promote_dtypes(x, y)
  target = broadcast_shapes(np.shape(condition), np.shape(x), np.shape(y))
  condition, x, y = (broadcast_to(v, target) for v in (condition, x, y))
  return lax.select_n(condition, y, x)


def nonzero(a, *, size=None, fill_value=None):
  """Indices of the nonzero elements, one array per dimension (see `jnp.nonzero`)."""
  from pyjax._src.numpy import sorting  # sorting builds on this module
  return sorting.nonzero(a, size=size, fill_value=fill_value)


def clip(arr=None, /, min=None, max=None):  # noqa: A002
  """`arr` limited to [min, max] elementwise (either bound may be None)."""
  check_arraylike("clip", arr)
  if any(v is not None and dtypes.issubdtype(dtypes.result_type(v), np.complexfloating)
         for v in (arr, min, max)):
    raise ValueError("Clip received a complex value (in the input or the min/max bounds), and "
                     "complex numbers have no order to clip by. Clip a real part instead: "
                     "jnp.real(x) or jnp.imag(x).")
  if min is not None:
    arr = ufuncs.maximum(min, arr)
  if max is not None:
    arr = ufuncs.minimum(max, arr)
  return asarray_or_scalar(arr)


def round(a, decimals: int = 0, out=None):  # noqa: A001
  """Round to `decimals` places, halves to even (NumPy's rule)."""
  if out is not None:
    raise ValueError("The 'out' argument to jnp.round is not supported.")
  a = _as_array("round", a)
  decimals = operator.index(decimals)
  if a.dtype == np.bool_:
    raise ValueError("jnp.round does not accept booleans (as JAX); convert them first, e.g. "
                     "x.astype(int).")
  if dtypes.issubdtype(a.dtype, np.integer):
    if decimals < 0:
      raise NotImplementedError("integer np.round not implemented for decimals < 0")
    return a
  if dtypes.issubdtype(a.dtype, np.complexfloating):
    return lax.complex(round(lax.real(a), decimals), round(lax.imag(a), decimals))
  if decimals == 0:
    return lax.round(a, RoundingMethod.TO_NEAREST_EVEN)
  compute = np.float32 if a.dtype.itemsize < 4 else a.dtype
  x = structural.convert_element_type(a, compute, False) if compute != a.dtype else a
  factor = _const(x, 10.0 ** decimals)
  out = lax.div(lax.round(lax.mul(x, factor), RoundingMethod.TO_NEAREST_EVEN), factor)
  return structural.convert_element_type(out, a.dtype, False) if compute != a.dtype else out


around = round


def matmul(a, b, *, precision=None, preferred_element_type=None):
  """Matrix product with NumPy's rules for 1-D operands and broadcast batch dimensions."""
  check_arraylike("matmul", a, b)
  a, b = asarray_or_scalar(a), asarray_or_scalar(b)
  for name, x in (("a", a), ("b", b)):
    if x.ndim == 0:
      raise ValueError(f"matmul operand {name} must have ndim at least 1, got ndim=0 "
                       f"(use multiply or * for scalars).")
  out_dtype = dtypes.canonicalize_dtype(preferred_element_type or dtypes.result_type(a, b))
  # As in JAX, the operands keep their dtypes: dot_general converts to `out_dtype` itself.
  a_contract = a.ndim - 1
  b_contract = 0 if b.ndim == 1 else b.ndim - 2
  a_batch, b_batch = a.shape[:-2], b.shape[:-2]
  if a_batch and b_batch:
    batch = broadcast_shapes(a_batch, b_batch)
    a = broadcast_to(a, batch + a.shape[-2:])
    b = broadcast_to(b, batch + b.shape[-2:])
    nb = len(batch)
    return lax.dot_general(a, b, (((a.ndim - 1,), (b.ndim - 2,)),
                                  (tuple(range(nb)), tuple(range(nb)))),
                           precision=precision, preferred_element_type=out_dtype)
  out = lax.dot_general(a, b, (((a_contract,), (b_contract,)), ((), ())),
                        precision=precision, preferred_element_type=out_dtype)
  if b_batch:
    # Result is (a free, b batch..., b cols); NumPy puts b's batch dimensions first.
    n_a_free = a.ndim - 1
    perm = (*range(n_a_free, n_a_free + len(b_batch)), *range(n_a_free),
            *range(n_a_free + len(b_batch), out.ndim))
    out = lax.transpose(out, perm)
  return out


def dot(a, b, *, precision=None, preferred_element_type=None):
  """NumPy's dot: products of scalars, vectors and matrices (last axis of a with the
  second-to-last of b)."""
  check_arraylike("dot", a, b)
  a, b = asarray_or_scalar(a), asarray_or_scalar(b)
  out_dtype = dtypes.canonicalize_dtype(preferred_element_type or dtypes.result_type(a, b))
  if a.ndim == 0 or b.ndim == 0:
    return ufuncs.multiply(a, b)
  b_contract = 0 if b.ndim == 1 else b.ndim - 2
  return lax.dot_general(a, b, (((a.ndim - 1,), (b_contract,)), ((), ())),
                         precision=precision, preferred_element_type=out_dtype)


def vdot(a, b, *, precision=None, preferred_element_type=None):
  a = _as_array("vdot", a)
  if dtypes.issubdtype(a.dtype, np.complexfloating):
    a = ufuncs.conjugate(a)
  return dot(ravel(a), ravel(b), precision=precision,
             preferred_element_type=preferred_element_type)


def outer(a, b):
  a, b = ravel(a), ravel(b)
  return ufuncs.multiply(expand_dims(a, 1), expand_dims(b, 0))
