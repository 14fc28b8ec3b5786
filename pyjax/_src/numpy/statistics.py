"""Order statistics and averages of `jax.numpy`.

Quantiles sort the reduced entries (NaNs go last) and read the two order statistics around
each requested position; the reads are one-hot selections, so gradients flow to exactly the
entries that were read.
"""
from __future__ import annotations

import numpy as np

from pyjax._src import dtypes
from pyjax._src.lax import lax
from pyjax._src.lax import sorting as lax_sorting
from pyjax._src.numpy import lax_numpy, reductions, ufuncs
from pyjax._src.numpy.util import (asarray_or_scalar, canonicalize_axis, check_arraylike,
                                   promote_dtypes_inexact)

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def ptp(a, axis=None, out=None, keepdims: bool = False):
  """Range (maximum minus minimum) of `a` along `axis`."""
  check_arraylike("ptp", a)
  if out is not None:
    raise NotImplementedError("The 'out' argument to jnp.ptp is not supported.")
  a = asarray_or_scalar(a)
  return ufuncs.subtract(reductions.max(a, axis=axis, keepdims=keepdims),
                         reductions.min(a, axis=axis, keepdims=keepdims))


def _reduced_last(a, axis):
  """`a` with the reduced axes moved to the end and merged into one, and the shape a
  `keepdims` result has."""
  if axis is None:
    return lax_numpy.ravel(a), (1,) * a.ndim
  axes = tuple(canonicalize_axis(ax, a.ndim) for ax in (axis if isinstance(axis, tuple)
                                                          else (axis,)))
  if len(set(axes)) != len(axes):
    raise ValueError("repeated axis")
  kept = [d for d in range(a.ndim) if d not in axes]
  moved = lax.transpose(a, (*kept, *axes))
  n = int(np.prod([a.shape[d] for d in axes], dtype=np.int64))
  out = lax.reshape(moved, (*(a.shape[d] for d in kept), n))
  return out, tuple(1 if d in axes else a.shape[d] for d in range(a.ndim))


def _quantile(name, a, q, axis, method, keepdims, skip_nans, out, overwrite_input):
  check_arraylike(name, a, q)
  if overwrite_input or out is not None:
    raise ValueError(f"jax.numpy.{name} does not support overwrite_input=True or out != None")
  if method not in _METHODS:
    raise ValueError("method can only be 'linear', 'lower', 'higher', 'midpoint', 'nearest' or "
                     "'inverted_cdf'")
  a, q = promote_dtypes_inexact(a, q)
  if dtypes.issubdtype(a.dtype, np.complexfloating):
    raise ValueError("quantile does not support complex input, as the operation is poorly "
                     "defined.")
  if q.ndim > 1:
    raise ValueError(f"q must be have rank <= 1, got shape {q.shape}")
  flat, keep_shape = _reduced_last(a, axis)
  batch = flat.shape[:-1]
  n = flat.shape[-1]
  ordered = lax_sorting.sort(flat, dimension=flat.ndim - 1)
  nan = ufuncs.isnan(flat)
  if skip_nans:
    count = reductions.sum(ufuncs.logical_not(nan), axis=-1, dtype=a.dtype)
  else:
    count = lax.full(batch, n, a.dtype)
  qs = lax.reshape(q, (max(q.size, 1),)) if q.ndim else lax.reshape(q, (1,))
  nq = qs.shape[0]
  # Positions (nq, *batch) along the sorted entries.
  pos = lax.mul(lax.broadcast_in_dim(qs, (nq, *batch), (0,)),
                lax.broadcast_in_dim(lax.sub(count, lax.full_like(count, 1)), (nq, *batch),
                                     tuple(range(1, len(batch) + 1))))
  low, high = ufuncs.floor(pos), ufuncs.ceil(pos)
  high_weight = lax.sub(pos, low)
  low_weight = lax.sub(lax.full_like(high_weight, 1), high_weight)
  last = lax.broadcast_in_dim(lax.sub(count, lax.full_like(count, 1)), (nq, *batch),
                              tuple(range(1, len(batch) + 1)))
  zero = lax.full_like(low, 0)
  low = lax.convert_element_type(lax.max(zero, lax.min(low, last)), np.int32)
  high = lax.convert_element_type(lax.max(zero, lax.min(high, last)), np.int32)
  # Read along the last axis with the quantile axis moved behind the batch axes.
  to_back = (*range(1, len(batch) + 1), 0)
  read = lambda idx: lax.transpose(  # noqa: E731
      lax_sorting._take_along(ordered, lax.transpose(idx, to_back), len(batch)),
      (len(batch), *range(len(batch))))
  low_value, high_value = read(low), read(high)
  if method == "linear":
    result = lax.add(lax.mul(low_value, low_weight), lax.mul(high_value, high_weight))
  elif method == "lower":
    result = low_value
  elif method == "higher":
    result = high_value
  elif method == "nearest":
    result = lax.select(lax.le(high_weight, lax.full_like(high_weight, 0.5)), low_value,
                        high_value)
  else:
    result = lax.mul(lax.add(low_value, high_value), lax.full_like(low_value, 0.5))
  if not skip_nans:
    any_nan = lax.broadcast_in_dim(reductions.any(nan, axis=-1), result.shape,
                                   tuple(range(1, len(batch) + 1)))
    result = lax.select(any_nan, lax.full_like(result, np.nan), result)
  if keepdims:
    result = lax.reshape(result, (nq, *keep_shape))
  if not q.ndim:
    result = lax.squeeze(result, (0,))
  return lax.convert_element_type(result, a.dtype)


def quantile(a, q, axis=None, out=None, overwrite_input: bool = False, method: str = "linear",
             keepdims: bool = False):
  """The `q`-th quantiles (q in [0, 1], a scalar or 1-d) of `a` along `axis`; NaN where a
  reduced slice holds a NaN."""
  return _quantile("quantile", a, q, axis, method, keepdims, False, out, overwrite_input)


def nanquantile(a, q, axis=None, out=None, overwrite_input: bool = False,
                method: str = "linear", keepdims: bool = False):
  """`quantile` ignoring NaNs (NaN only where a reduced slice is all NaN)."""
  return _quantile("nanquantile", a, q, axis, method, keepdims, True, out, overwrite_input)


def _percent(name, q):
  check_arraylike(name, q)
  return ufuncs.true_divide(q, 100.0)


def percentile(a, q, axis=None, out=None, overwrite_input: bool = False, method: str = "linear",
               keepdims: bool = False):
  """`quantile` with `q` in percent."""
  return _quantile("percentile", a, _percent("percentile", q), axis, method, keepdims, False,
                   out, overwrite_input)


def nanpercentile(a, q, axis=None, out=None, overwrite_input: bool = False,
                  method: str = "linear", keepdims: bool = False):
  """`nanquantile` with `q` in percent."""
  return _quantile("nanpercentile", a, _percent("nanpercentile", q), axis, method, keepdims,
                   True, out, overwrite_input)


def median(a, axis=None, out=None, overwrite_input: bool = False, keepdims: bool = False):
  """Median along `axis` (the mean of the two middle entries for an even count)."""
  return _quantile("median", a, 0.5, axis, "midpoint", keepdims, False, out, overwrite_input)


def nanmedian(a, axis=None, out=None, overwrite_input: bool = False, keepdims: bool = False):
  """Median ignoring NaNs."""
  return _quantile("nanmedian", a, 0.5, axis, "midpoint", keepdims, True, out, overwrite_input)


__all__ = ["median", "nanmedian", "nanpercentile", "nanquantile", "percentile", "ptp",
           "quantile"]
