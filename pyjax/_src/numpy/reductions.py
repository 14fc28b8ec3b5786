"""Reductions for `pyjax.numpy`: sum, prod, max, min, all, any, mean, var, std, argmax,
argmin, with JAX's dtype rules (small ints sum in the default int, 16-bit floats in float32)."""
from __future__ import annotations

import numpy as np

from pyjax._src import dtypes
from pyjax._src.lax import lax
from pyjax._src.lax.lax import _const
from pyjax._src.numpy import ufuncs
from pyjax._src.numpy.lax_numpy import broadcast_to, where as _where
from pyjax._src.numpy.util import (asarray_or_scalar, canonicalize_axis, check_arraylike,
                                   convert_to, to_inexact_dtype)


def _axes(axis, ndim) -> tuple:
  if axis is None:
    return tuple(range(ndim))
  axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
  axes = tuple(canonicalize_axis(a, ndim) for a in axes)
  if len(set(axes)) != len(axes):
    raise ValueError(f"duplicate value in 'axis': {axis}")
  return axes


def _promoted_integer_dtype(dtype):
  """Sums and products of small integers and bools accumulate in the default integer type."""
  if dtype == np.bool_:
    return dtypes.default_int_dtype()
  if dtypes.issubdtype(dtype, np.unsignedinteger) and dtype.itemsize < \
      dtypes.default_uint_dtype().itemsize:
    return dtypes.default_uint_dtype()
  if dtypes.issubdtype(dtype, np.signedinteger) and dtype.itemsize < \
      dtypes.default_int_dtype().itemsize:
    return dtypes.default_int_dtype()
  return dtype


def _keep_dims(result, axes):
  return lax.expand_dims(result, axes) if axes else result


def _reduction(name, a, axis, dtype, keepdims, initial, where, *, lax_reduce, combine, identity,
               promote_integers=False, upcast_16bit=False, bool_reduce=None):
  check_arraylike(name, a)
  a = asarray_or_scalar(a)
  axes = _axes(axis, a.ndim)
  if dtype is not None:
    result_dtype = dtypes.check_user_dtype_supported(dtype, name)
  elif promote_integers:
    result_dtype = _promoted_integer_dtype(a.dtype)
  else:
    result_dtype = a.dtype
  compute_dtype = result_dtype
  # 16-bit floats accumulate in float32 unless a dtype was asked for explicitly.
  if upcast_16bit and dtype is None and dtypes.issubdtype(compute_dtype, np.floating) and \
      compute_dtype.itemsize < 4:
    compute_dtype = np.dtype(np.float32)
  if bool_reduce is not None and compute_dtype == np.bool_:
    reduce = bool_reduce
  else:
    reduce = lax_reduce
  if identity is None and initial is None and 0 in (a.shape[i] for i in axes):
    raise ValueError(f"zero-size array to reduction operation {name} which has no identity")
  x = convert_to(a, compute_dtype, False)
  if where is not None:
    if identity is None and initial is None:
      raise ValueError(f"reduction operation {name} does not have an identity, so to use a "
                       f"where mask one has to specify 'initial'")
    fill = initial if identity is None else identity
    x = _where(broadcast_to(where, x.shape) if np.shape(where) != x.shape else where, x,
               lax.full_like(x, fill))
  result = reduce(x, axes)
  if initial is not None:
    result = combine(convert_to(asarray_or_scalar(initial), compute_dtype, False), result)
  if keepdims:
    result = _keep_dims(result, axes)
  return convert_to(result, result_dtype, False)


def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None,
        promote_integers=True):  # noqa: A001
  """Sum of elements over `axis` (bools and small ints are summed in the default int type)."""
  _no_out(out, "sum")
  return _reduction("sum", a, axis, dtype, keepdims, initial, where, lax_reduce=lax.reduce_sum,
                    combine=lax.add, identity=0, promote_integers=promote_integers,
                    upcast_16bit=True, bool_reduce=lax.reduce_or)


def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None,
         promote_integers=True):
  """Product of elements over `axis`."""
  _no_out(out, "prod")
  return _reduction("prod", a, axis, dtype, keepdims, initial, where,
                    lax_reduce=lax.reduce_prod, combine=lax.mul, identity=1,
                    promote_integers=promote_integers, upcast_16bit=True,
                    bool_reduce=lax.reduce_and)


def max(a, axis=None, out=None, keepdims=False, initial=None, where=None):  # noqa: A001
  """Largest element over `axis` (NaN propagates)."""
  _no_out(out, "max")
  return _reduction("max", a, axis, None, keepdims, initial, where, lax_reduce=lax.reduce_max,
                    combine=lax.max, identity=None)


def min(a, axis=None, out=None, keepdims=False, initial=None, where=None):  # noqa: A001
  """Smallest element over `axis` (NaN propagates)."""
  _no_out(out, "min")
  return _reduction("min", a, axis, None, keepdims, initial, where, lax_reduce=lax.reduce_min,
                    combine=lax.min, identity=None)


amax, amin = max, min


def _boolean_reduction(name, lax_reduce, identity):
  def fn(a, axis=None, out=None, keepdims=False, *, where=None):
    _no_out(out, name)
    check_arraylike(name, a)
    a = asarray_or_scalar(a)
    a = convert_to(a, np.dtype(np.bool_), False)
    return _reduction(name, a, axis, None, keepdims, None, where, lax_reduce=lax_reduce,
                      combine=None, identity=identity)
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = f"Whether {'all' if name == 'all' else 'any'} elements over `axis` are true."
  return fn


all = _boolean_reduction("all", lax.reduce_and, True)  # noqa: A001
any = _boolean_reduction("any", lax.reduce_or, False)  # noqa: A001


def _count(a, axes, where):
  if where is None:
    return int(np.prod([a.shape[i] for i in axes], dtype=np.int64))
  return sum(broadcast_to(where, a.shape), axis=axes, dtype=dtypes.default_int_dtype(),
             keepdims=False)


def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
  """Arithmetic mean over `axis` (integers average in the default float type)."""
  _no_out(out, "mean")
  check_arraylike("mean", a)
  a = asarray_or_scalar(a)
  axes = _axes(axis, a.ndim)
  if dtype is None:
    result_dtype = to_inexact_dtype(dtypes.canonicalize_dtype(a.dtype))
  else:
    result_dtype = dtypes.check_user_dtype_supported(dtype, "mean")
  # Without an explicit dtype, 16-bit floats are averaged in float32.
  compute_dtype = result_dtype
  if dtype is None and dtypes.issubdtype(result_dtype, np.floating) and result_dtype.itemsize < 4:
    compute_dtype = np.dtype(np.float32)
  total = sum(a, axes, compute_dtype, keepdims=keepdims, where=where)
  count = _count(a, axes, where)
  if isinstance(count, int):
    result = lax.div(total, _const(total, count))
  else:
    count = convert_to(count, compute_dtype, False)
    if keepdims:
      count = lax.expand_dims(count, axes)
    result = lax.div(total, count)
  return convert_to(result, result_dtype, False)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None,
        correction=None):
  """Variance over `axis`: mean squared deviation (from `mean`, if given with the kept
  dimensions, else from the computed mean), divided by N - ddof."""
  _no_out(out, "var")
  return _var(a, axis, dtype, ddof, keepdims, where, mean, correction)


def _var(a, axis, dtype, ddof, keepdims, where, mean_value, correction):
  if correction is not None:
    ddof = correction
  check_arraylike("var", a)
  a = asarray_or_scalar(a)
  axes = _axes(axis, a.ndim)
  compute = to_inexact_dtype(dtypes.canonicalize_dtype(dtype or a.dtype))
  if dtypes.issubdtype(compute, np.floating) and compute.itemsize < 4:
    compute = np.dtype(np.float32)
  x = convert_to(a, compute, False)
  if mean_value is None:
    mean_value = mean(x, axes, keepdims=True, where=where)
  centered = ufuncs.subtract(x, mean_value)
  if dtypes.issubdtype(centered.dtype, np.complexfloating):
    squared = lax.real(lax.mul(centered, lax.conj(centered)))
  else:
    squared = lax.square(centered)
  count = _count(a, axes, where)
  if isinstance(count, int):
    denominator = lax.full((), count - ddof, squared.dtype)
  else:
    denominator = lax.sub(convert_to(count, squared.dtype, False),
                          lax.full((), ddof, squared.dtype))
    if keepdims:
      denominator = lax.expand_dims(denominator, axes)
  total = sum(squared, axes, keepdims=keepdims, where=where)
  result = lax.div(total, denominator)
  result = _where(lax.gt(denominator, _const(denominator, 0)), result,
                  lax.full_like(result, np.nan))
  out_dtype = dtypes.check_user_dtype_supported(dtype, "var") if dtype is not None else \
      (np.dtype(np.float32) if dtypes.issubdtype(a.dtype, np.complexfloating) and
       a.dtype == np.complex64 else to_inexact_dtype(dtypes.canonicalize_dtype(a.dtype)))
  if dtypes.issubdtype(out_dtype, np.complexfloating):
    out_dtype = np.dtype(np.float64 if out_dtype == np.complex128 else np.float32)
  return convert_to(result, out_dtype, False)


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None,
        correction=None):
  """Standard deviation over `axis`: the square root of `var`."""
  _no_out(out, "std")
  return lax.sqrt(_var(a, axis, dtype, ddof, keepdims, where, mean, correction))


def _arg_reduction(name, lax_fn):
  def fn(a, axis=None, out=None, keepdims=None):
    _no_out(out, name)
    check_arraylike(name, a)
    a = asarray_or_scalar(a)
    if axis is None:
      if a.size == 0:
        raise ValueError(f"attempt to get {name} of an empty sequence")
      flat = lax.reshape(a, (a.size,)) if a.ndim != 1 else a
      result = lax_fn(flat, 0, dtypes.default_int_dtype())
      if keepdims:
        result = lax.expand_dims(result, tuple(range(a.ndim)))
      return result
    axis = canonicalize_axis(axis, a.ndim)
    if a.shape[axis] == 0:
      raise ValueError(f"attempt to get {name} of an empty sequence")
    result = lax_fn(a, axis, dtypes.default_int_dtype())
    return lax.expand_dims(result, (axis,)) if keepdims else result
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = f"Index of the {'largest' if 'max' in name else 'smallest'} element over `axis`."
  return fn


argmax = _arg_reduction("argmax", lax.argmax)
argmin = _arg_reduction("argmin", lax.argmin)


def _no_out(out, name):
  if out is not None:
    raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported.")


def count_nonzero(a, axis=None, keepdims=False):
  a = asarray_or_scalar(a)
  return sum(ufuncs.not_equal(a, 0), axis=axis, keepdims=keepdims,
             dtype=dtypes.default_int_dtype())


# NaN-ignoring reductions: NaNs are replaced by the reduction's identity before reducing (so
# their gradient is zero, not NaN), and count as absent in means and variances.


def _nan_filled(name, a, fill):
  """`a` as an array, with NaNs replaced by `fill` when it is inexact (None for other dtypes)."""
  check_arraylike(name, a)
  a = asarray_or_scalar(a)
  if not dtypes.issubdtype(a.dtype, np.inexact):
    return a, None
  is_nan = ufuncs.isnan(a)
  return lax.select(is_nan, lax.full_like(a, fill), a), is_nan


def _and_where(mask, where):
  return mask if where is None else ufuncs.logical_and(mask, where)


def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
  """Sum over `axis`, treating NaNs as zero."""
  a, _ = _nan_filled("nansum", a, 0)
  return sum(a, axis, dtype, out, keepdims, initial, where)


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
  """Product over `axis`, treating NaNs as one."""
  a, _ = _nan_filled("nanprod", a, 1)
  return prod(a, axis, dtype, out, keepdims, initial, where)


def _nan_extremum(name, reduce, fill):
  def fn(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    filled, is_nan = _nan_filled(name, a, fill)
    result = reduce(filled, axis, out, keepdims, initial, where)
    if is_nan is None or initial is not None:
      return result
    # A slice that is all NaN has no extremum: NaN, as in NumPy.
    return _where(all(is_nan, axis, keepdims=keepdims, where=where),
                  lax.full_like(result, np.nan), result)
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = (f"{'Largest' if name == 'nanmax' else 'Smallest'} element over `axis`, ignoring "
                "NaNs (NaN where a slice is all NaN).")
  return fn


nanmax = _nan_extremum("nanmax", max, -np.inf)
nanmin = _nan_extremum("nanmin", min, np.inf)


def _nan_arg_extremum(name, arg_reduce, fill):
  def fn(a, axis=None, out=None, keepdims=None):
    _no_out(out, name)
    filled, is_nan = _nan_filled(name, a, fill)
    result = arg_reduce(filled, axis, None, keepdims)
    if is_nan is None:
      return result
    # -1 for a slice that is all NaN.
    return _where(all(is_nan, axis, keepdims=bool(keepdims)), lax.full_like(result, -1), result)
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = (f"Index of the {'largest' if name == 'nanargmax' else 'smallest'} element over "
                "`axis`, ignoring NaNs (-1 where a slice is all NaN).")
  return fn


nanargmax = _nan_arg_extremum("nanargmax", argmax, -np.inf)
nanargmin = _nan_arg_extremum("nanargmin", argmin, np.inf)


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, where=None):
  """Mean over `axis` of the elements that are not NaN (NaN where there are none)."""
  _no_out(out, "nanmean")
  filled, is_nan = _nan_filled("nanmean", a, 0)
  if is_nan is None:
    return mean(filled, axis, dtype, keepdims=keepdims, where=where)
  return mean(filled, axis, dtype, keepdims=keepdims,
              where=_and_where(ufuncs.logical_not(is_nan), where))


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, mean=None):
  """Variance over `axis` of the elements that are not NaN, divided by their count - ddof."""
  _no_out(out, "nanvar")
  return _nanvar("nanvar", a, axis, dtype, ddof, keepdims, where, mean)


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, mean=None):
  """Standard deviation over `axis` of the elements that are not NaN."""
  _no_out(out, "nanstd")
  return lax.sqrt(_nanvar("nanstd", a, axis, dtype, ddof, keepdims, where, mean))


def _nanvar(name, a, axis, dtype, ddof, keepdims, where, mean_value):
  filled, is_nan = _nan_filled(name, a, 0)
  if is_nan is not None:
    where = _and_where(ufuncs.logical_not(is_nan), where)
  return _var(filled, axis, dtype, ddof, keepdims, where, mean_value, None)


__all__ = ["sum", "prod", "max", "min", "amax", "amin", "all", "any", "mean", "var", "std",
           "argmax", "argmin", "count_nonzero", "nansum", "nanprod", "nanmax", "nanmin",
           "nanargmax", "nanargmin", "nanmean", "nanvar", "nanstd"]
