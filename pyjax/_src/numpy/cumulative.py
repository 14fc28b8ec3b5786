"""Cumulative functions of `jax.numpy`: cumsum, cumprod and their nan- and cumulative_ forms.

Dtypes follow JAX: booleans accumulate in the default integer type (all integers narrower than
it too for the `cumulative_` forms); an explicit boolean `dtype` accumulates `a != 0` as
integers and converts back."""
from __future__ import annotations

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.lax import cumulative as _cum
from pyjax._src.lax import lax
from pyjax._src.numpy.util import asarray_or_scalar, canonicalize_axis, check_arraylike


def _promote_integer_dtype(dtype) -> np.dtype:
  if dtype == np.bool_:
    return dtypes.default_int_dtype()
  if dtypes.issubdtype(dtype, np.unsignedinteger):
    default = dtypes.default_uint_dtype()
    return default if np.dtype(dtype).itemsize < default.itemsize else np.dtype(dtype)
  if dtypes.issubdtype(dtype, np.integer):
    default = dtypes.default_int_dtype()
    return default if np.dtype(dtype).itemsize < default.itemsize else np.dtype(dtype)
  return np.dtype(dtype)


def _cumulative(name, reduction, a, axis, dtype, out, fill_nan=False, fill_value=0,
                promote_integers=False):
  check_arraylike(name, a)
  if out is not None:
    raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported")
  a = asarray_or_scalar(a)
  if axis is None or core.get_aval(a).ndim == 0:
    a = lax.reshape(a, (int(np.prod(core.get_aval(a).shape)),))
  axis = canonicalize_axis(0 if axis is None else axis, core.get_aval(a).ndim)
  if fill_nan:
    a = lax.select(lax.ne(a, a), lax.full_like(a, fill_value), a)
  in_dtype = core.get_aval(a).dtype
  if dtype is None:
    result = _promote_integer_dtype(in_dtype) if promote_integers or in_dtype == np.bool_ \
        else in_dtype
    compute = result
  elif np.dtype(dtype) == np.bool_:
    result = np.dtype(np.bool_)
    if in_dtype != np.bool_:
      a = lax.ne(a, lax.full_like(a, 0))
    compute = _promote_integer_dtype(result)
  else:
    result = dtypes.check_user_dtype_supported(dtype, name)
    result = dtypes.canonicalize_dtype(result)
    compute = result
  a = lax.convert_element_type(a, compute)
  return lax.convert_element_type(reduction(a, axis), result)


def cumsum(a, axis: int | None = None, dtype=None, out=None):
  """Cumulative sum along `axis` (of the flattened array when `axis` is None)."""
  return _cumulative("cumsum", _cum.cumsum, a, axis, dtype, out)


def cumprod(a, axis: int | None = None, dtype=None, out=None):
  """Cumulative product along `axis` (of the flattened array when `axis` is None)."""
  return _cumulative("cumprod", _cum.cumprod, a, axis, dtype, out)


def nancumsum(a, axis: int | None = None, dtype=None, out=None):
  """Cumulative sum treating NaNs as zero."""
  return _cumulative("nancumsum", _cum.cumsum, a, axis, dtype, out, fill_nan=True, fill_value=0)


def nancumprod(a, axis: int | None = None, dtype=None, out=None):
  """Cumulative product treating NaNs as one."""
  return _cumulative("nancumprod", _cum.cumprod, a, axis, dtype, out, fill_nan=True,
                     fill_value=1)


def _cumulative_array_api(name, reduction, identity, x, axis, dtype, include_initial):
  check_arraylike(name, x)
  x = asarray_or_scalar(x)
  ndim = core.get_aval(x).ndim
  if ndim == 0:
    raise ValueError(f"The input must be non-scalar to take a cumulative {name.split('_')[1]}, "
                     f"however a scalar value or scalar array was given.")
  if axis is None:
    if ndim > 1:
      raise ValueError(f"The input array has rank {ndim}, however axis was not set to an "
                       f"explicit value. The axis argument is only optional for one-dimensional "
                       f"arrays.")
    axis = 0
  axis = canonicalize_axis(axis, ndim)
  out = _cumulative(name, reduction, x, axis, dtype, None,
                    promote_integers=name == "cumulative_sum")
  if include_initial:
    padding = [(0, 0, 0)] * ndim
    padding[axis] = (1, 0, 0)
    out = lax.pad(out, np.array(identity, core.get_aval(out).dtype), padding)
  return out


def cumulative_sum(x, /, *, axis: int | None = None, dtype=None, include_initial: bool = False):
  """Array API cumulative sum: integers narrower than the default accumulate in it;
  `include_initial` prepends the zero."""
  return _cumulative_array_api("cumulative_sum", _cum.cumsum, 0, x, axis, dtype,
                               include_initial)


def cumulative_prod(x, /, *, axis: int | None = None, dtype=None, include_initial: bool = False):
  """Array API cumulative product (integers keep their dtype, as in JAX); `include_initial`
  prepends the one."""
  return _cumulative_array_api("cumulative_prod", _cum.cumprod, 1, x, axis, dtype,
                               include_initial)


__all__ = ["cumprod", "cumsum", "cumulative_prod", "cumulative_sum", "nancumprod", "nancumsum"]
