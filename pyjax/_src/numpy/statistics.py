"""Statistics of `jax.numpy`: order statistics (quantiles, medians, ptp), averages, covariance
and correlation, histograms and linear interpolation.

Quantiles sort the reduced entries (NaNs go last) and read the order statistics around each
requested position with gathers, so gradients flow to exactly the entries that were read.
"""
from __future__ import annotations

import builtins
import operator

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.lax import lax
from pyjax._src.lax import sorting as lax_sorting
from pyjax._src.numpy import (creation, cumulative, lax_numpy, manipulation, reductions, sorting,
                              ufuncs)
from pyjax._src.numpy.util import (asarray_or_scalar, canonicalize_axis, check_arraylike,
                                   convert_to, promote_dtypes_inexact, promote_shapes,
                                   to_inexact_dtype)

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest", "inverted_cdf")


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
  axes = _reduced_axes(axis, a.ndim)
  kept = [d for d in range(a.ndim) if d not in axes]
  moved = lax.transpose(a, (*kept, *axes))
  n = int(np.prod([a.shape[d] for d in axes], dtype=np.int64))
  out = lax.reshape(moved, (*(a.shape[d] for d in kept), n))
  return out, tuple(1 if d in axes else a.shape[d] for d in range(a.ndim))


def _reduced_axes(axis, ndim):
  axes = tuple(canonicalize_axis(ax, ndim) for ax in (axis if isinstance(axis, tuple)
                                                        else (axis,)))
  if len(set(axes)) != len(axes):
    raise ValueError("repeated axis")
  return axes


def _quantile_weights(a, weights, axis):
  """`weights` checked against `a` and broadcast to its shape (they may instead match the
  reduced axes only)."""
  if weights.shape == a.shape:
    return weights
  if axis is None:
    raise ValueError("Weights shape must match 'a' shape when axis is None.")
  axes = _reduced_axes(axis, a.ndim)
  reduced = tuple(a.shape[ax] for ax in axes)
  if weights.shape != reduced:
    raise ValueError(f"Weights shape {weights.shape} must match reduction axes {reduced}")
  order = np.argsort(axes)
  return lax.broadcast_in_dim(lax.transpose(weights, tuple(order)), a.shape,
                              tuple(axes[i] for i in order))


def _take_last(x, index):
  """`x[..., index]` where `index` has shape (nq, *batch) for `x` of shape (*batch, n)."""
  batch = [lax.broadcasted_iota(np.int32, index.shape, d + 1) for d in range(x.ndim - 1)]
  return x[(*batch, index)]


def _inverted_cdf_index(ordered, weights, qs, count, batch):
  """Position (nq, *batch) of the first sorted entry whose cumulative weight reaches q times
  the total; NaNs and bad (negative or NaN) weights count as weight 0."""
  bad = ufuncs.logical_or(ufuncs.less(weights, 0), ufuncs.isnan(weights))
  clean = lax.select(ufuncs.logical_or(bad, ufuncs.isnan(ordered)), lax.full_like(weights, 0),
                     weights)
  cum = cumulative.cumsum(clean, axis=-1)
  total = cum[..., -1]
  rank = len(batch) + 1
  target = lax.mul(lax.broadcast_in_dim(qs, (qs.shape[0], *batch), (0,)),
                   lax.broadcast_in_dim(total, (qs.shape[0], *batch), tuple(range(1, rank))))
  full = (qs.shape[0], *cum.shape)
  below = lax.lt(lax.broadcast_in_dim(cum, full, tuple(range(1, rank + 1))),
                 lax.broadcast_in_dim(target, full, tuple(range(rank))))
  index = reductions.sum(below, axis=-1, dtype=np.int32)
  last = lax.broadcast_in_dim(lax.convert_element_type(count, np.int32), index.shape,
                              tuple(range(1, rank)))
  index = lax.max(lax.full_like(index, 0), lax.min(index, lax.sub(last, lax.full_like(last, 1))))
  return index, reductions.any(bad, axis=-1)


def _quantile(name, a, q, axis, method, keepdims, skip_nans, out, overwrite_input,
              weights=None):
  check_arraylike(name, a, q)
  if weights is not None:
    check_arraylike(name, weights)
  if overwrite_input or out is not None:
    raise ValueError(f"jax.numpy.{name} does not support overwrite_input=True or out != None")
  if method not in _METHODS:
    raise ValueError("method can only be 'linear', 'lower', 'higher', 'midpoint', 'nearest' or "
                     "'inverted_cdf'")
  if weights is not None:
    weights = asarray_or_scalar(weights)
    if dtypes.issubdtype(weights.dtype, np.complexfloating):
      raise ValueError("Weights cannot be complex types.")
    if method != "inverted_cdf":
      raise NotImplementedError(f"{method} doesn't support weights. Only method 'inverted_cdf' "
                                "supports weights.")
    a, weights = promote_dtypes_inexact(a, weights)
    weights = _quantile_weights(a, weights, axis)
  # As in JAX, the result has `a`'s float type whatever `q`'s is; `q` must be floating.
  a, = promote_dtypes_inexact(a)
  q = asarray_or_scalar(q)
  if dtypes.issubdtype(a.dtype, np.complexfloating):
    raise ValueError("quantile does not support complex input, as the operation is poorly "
                     "defined.")
  if not dtypes.issubdtype(q.dtype, np.floating):
    raise TypeError(f"jnp.{name}: q must be floating-point, got dtype {q.dtype.name}; pass "
                    "floats, e.g. q.astype(float).")
  q = lax.convert_element_type(q, a.dtype)
  if q.ndim > 1:
    raise ValueError(f"q must be have rank <= 1, got shape {q.shape}")
  flat, keep_shape = _reduced_last(a, axis)
  batch = flat.shape[:-1]
  n = flat.shape[-1]
  if method == "inverted_cdf" and weights is None:
    weights = lax.full(a.shape, 1, a.dtype)
  if weights is not None:
    ordered, flat_weights = lax_sorting.sort_key_val(flat, _reduced_last(weights, axis)[0],
                                                     dimension=flat.ndim - 1)
  else:
    ordered = lax_sorting.sort(flat, dimension=flat.ndim - 1)
  nan = ufuncs.isnan(flat)
  if skip_nans:
    count = reductions.sum(ufuncs.logical_not(nan), axis=-1, dtype=a.dtype)
  else:
    count = lax.full(batch, n, a.dtype)
  qs = lax.reshape(q, (max(q.size, 1),)) if q.ndim else lax.reshape(q, (1,))
  nq = qs.shape[0]
  batch_dims = tuple(range(1, len(batch) + 1))
  if method == "inverted_cdf":
    index, bad_weights = _inverted_cdf_index(ordered, flat_weights, qs, count, batch)
    result = _take_last(ordered, index)
    invalid = (lax.eq(count, lax.full_like(count, 0)) if skip_nans
               else reductions.any(nan, axis=-1))
    invalid = lax.broadcast_in_dim(ufuncs.logical_or(invalid, bad_weights), result.shape,
                                   batch_dims)
    result = lax.select(invalid, lax.full_like(result, np.nan), result)
  else:
    # Positions (nq, *batch) along the sorted entries.
    last = lax.broadcast_in_dim(lax.sub(count, lax.full_like(count, 1)), (nq, *batch),
                                batch_dims)
    pos = lax.mul(lax.broadcast_in_dim(qs, (nq, *batch), (0,)), last)
    low, high = ufuncs.floor(pos), ufuncs.ceil(pos)
    high_weight = lax.sub(pos, low)
    low_weight = lax.sub(lax.full_like(high_weight, 1), high_weight)
    zero = lax.full_like(low, 0)
    low = lax.convert_element_type(lax.max(zero, lax.min(low, last)), np.int32)
    high = lax.convert_element_type(lax.max(zero, lax.min(high, last)), np.int32)
    low_value, high_value = _take_last(ordered, low), _take_last(ordered, high)
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
      any_nan = lax.broadcast_in_dim(reductions.any(nan, axis=-1), result.shape, batch_dims)
      result = lax.select(any_nan, lax.full_like(result, np.nan), result)
  if keepdims:
    result = lax.reshape(result, (nq, *keep_shape))
  if not q.ndim:
    result = lax.squeeze(result, (0,))
  return lax.convert_element_type(result, a.dtype)


def quantile(a, q, axis=None, out=None, overwrite_input: bool = False, method: str = "linear",
             keepdims: bool = False, *, weights=None):
  """The `q`-th quantiles (q in [0, 1], a scalar or 1-d) of `a` along `axis`; NaN where a
  reduced slice holds a NaN. `weights` (shaped like `a` or like its reduced axes) need
  method='inverted_cdf'."""
  return _quantile("quantile", a, q, axis, method, keepdims, False, out, overwrite_input, weights)


def nanquantile(a, q, axis=None, out=None, overwrite_input: bool = False,
                method: str = "linear", keepdims: bool = False, *, weights=None):
  """`quantile` ignoring NaNs (NaN only where a reduced slice is all NaN)."""
  return _quantile("nanquantile", a, q, axis, method, keepdims, True, out, overwrite_input,
                   weights)


def _percent(name, q):
  check_arraylike(name, q)
  return ufuncs.true_divide(q, 100.0)


def percentile(a, q, axis=None, out=None, overwrite_input: bool = False, method: str = "linear",
               keepdims: bool = False, *, weights=None, out_sharding=None):
  """`quantile` with `q` in percent."""
  del out_sharding  # One device: every result is replicated.
  return _quantile("percentile", a, _percent("percentile", q), axis, method, keepdims, False,
                   out, overwrite_input, weights)


def nanpercentile(a, q, axis=None, out=None, overwrite_input: bool = False,
                  method: str = "linear", keepdims: bool = False, *, weights=None):
  """`nanquantile` with `q` in percent."""
  return _quantile("nanpercentile", a, _percent("nanpercentile", q), axis, method, keepdims,
                   True, out, overwrite_input, weights)


def median(a, axis=None, out=None, overwrite_input: bool = False, keepdims: bool = False):
  """Median along `axis` (the mean of the two middle entries for an even count)."""
  return _quantile("median", a, 0.5, axis, "midpoint", keepdims, False, out, overwrite_input)


def nanmedian(a, axis=None, out=None, overwrite_input: bool = False, keepdims: bool = False):
  """Median ignoring NaNs."""
  return _quantile("nanmedian", a, 0.5, axis, "midpoint", keepdims, True, out, overwrite_input)


# ------------------------------------------------------------------------------------------------
# Averages, covariance and correlation


def average(a, axis=None, weights=None, returned: bool = False, keepdims: bool = False):
  """Mean of `a` along `axis`, weighted by `weights` (shaped like `a`, or like the reduced axes
  in their order); with `returned`, also the sum of the weights, shaped like the average."""
  if weights is None:
    check_arraylike("average", a)
    a, = promote_dtypes_inexact(a)
    average_value = reductions.mean(a, axis=axis, keepdims=keepdims)
    axes = range(a.ndim) if axis is None else _reduced_axes(axis, a.ndim)
    count = int(np.prod([a.shape[d] for d in axes], dtype=np.int64))
    weights_sum = lax.full((), count, average_value.dtype)
  else:
    check_arraylike("average", a, weights)
    a, weights = promote_dtypes_inexact(a, weights)
    if a.shape != weights.shape:
      if axis is None:
        raise ValueError("Axis must be specified when shapes of a and weights differ.")
      axes = _reduced_axes(axis, a.ndim)
      if weights.shape != tuple(a.shape[d] for d in axes):
        raise ValueError("Shape of weights must be consistent with shape of a along specified "
                         "axis.")
      order = np.argsort(axes)
      weights = lax.broadcast_in_dim(lax.transpose(weights, tuple(order)), a.shape,
                                     tuple(axes[i] for i in order))
    weights_sum = reductions.sum(weights, axis=axis, keepdims=keepdims)
    average_value = ufuncs.true_divide(
        reductions.sum(ufuncs.multiply(a, weights), axis=axis, keepdims=keepdims), weights_sum)
  if not returned:
    return average_value
  return average_value, lax_numpy.broadcast_to(weights_sum, average_value.shape)


def _sample_weights(name, weights, n):
  weights = asarray_or_scalar(weights)
  if weights.ndim > 1:
    raise RuntimeError(f"cannot handle multidimensional {name}")
  if weights.shape[0] != n:
    raise RuntimeError(f"incompatible numbers of samples and {name}")
  return weights


def cov(m, y=None, rowvar: bool = True, bias: bool = False, ddof=None, fweights=None,
        aweights=None, dtype=None):
  """Covariance matrix of the variables in the rows of `m` (and `y`), or in its columns when
  `rowvar` is False; samples weighted by integer `fweights` (repeat counts) and `aweights`."""
  check_arraylike("cov", m, *(() if y is None else (y,)))
  if dtype is not None and not dtypes.issubdtype(dtype, np.inexact):
    raise ValueError(f"cov: dtype must be a subclass of float or complex; got dtype={dtype}")
  m = asarray_or_scalar(m)
  if y is not None:
    # As in JAX, `m` and `y` of different ranks must broadcast, and the lower one gets leading 1s.
    y = asarray_or_scalar(y)
    if m.ndim != y.ndim:
      try:
        np.broadcast_shapes(m.shape, y.shape)
      except ValueError:
        raise ValueError(f"Incompatible shapes for broadcasting: shapes={[m.shape, y.shape]}")
      m, y = promote_shapes("cov", m, y)
  if m.ndim > 2:
    raise ValueError("m has more than 2 dimensions")
  variables = manipulation.atleast_2d(m)
  if not rowvar and m.ndim != 1:
    variables = lax_numpy.transpose(variables)
  if variables.shape[0] == 0:
    return lax.full((0, 0), 0, dtypes.default_float_dtype())
  if y is not None:
    if y.ndim > 2:
      raise ValueError("y has more than 2 dimensions")
    y = manipulation.atleast_2d(y)
    if not rowvar and y.shape[0] != 1:
      y = lax_numpy.transpose(y)
    variables = lax_numpy.concatenate([variables, y], axis=0)
  if dtype is None:
    dtype = to_inexact_dtype(variables.dtype)
  variables = convert_to(variables, dtypes.canonicalize_dtype(dtype), False)
  if variables.shape[1] == 0:
    k = variables.shape[0]
    return lax.full(() if k == 1 else (k, k), np.nan, variables.dtype)
  if ddof is None:
    ddof = 0 if bias else 1
  n = variables.shape[1]
  weights = None
  if fweights is not None:
    check_arraylike("cov", fweights)
    fweights = _sample_weights("fweights", fweights, n)
    if not dtypes.issubdtype(fweights.dtype, np.integer):
      raise TypeError("fweights must be integer.")
    weights = ufuncs.abs(fweights)
  if aweights is not None:
    check_arraylike("cov", aweights)
    aweights = ufuncs.abs(_sample_weights("aweights", aweights, n))
    weights = aweights if weights is None else ufuncs.multiply(weights, aweights)
  mean, weights_sum = average(variables, axis=1, weights=weights, returned=True)
  weights_sum = weights_sum[0]
  # The normalization: the (weighted) number of samples less the degrees of freedom.
  if weights is None:
    fact = ufuncs.subtract(n, ddof)
  elif ddof == 0:
    fact = weights_sum
  elif aweights is None:
    fact = ufuncs.subtract(weights_sum, ddof)
  else:
    fact = ufuncs.subtract(weights_sum, ufuncs.true_divide(
        ufuncs.multiply(ddof, reductions.sum(ufuncs.multiply(weights, aweights))), weights_sum))
  centered = ufuncs.subtract(variables, mean[:, None])
  scaled = centered if weights is None else ufuncs.multiply(centered, weights)
  product = lax_numpy.dot(centered, ufuncs.conj(lax_numpy.transpose(scaled)))
  return lax_numpy.squeeze(ufuncs.true_divide(product, fact))


def corrcoef(x, y=None, rowvar: bool = True, dtype=None):
  """Pearson correlation coefficients: `cov` normalized by the standard deviations, with real
  (and imaginary) parts clipped to [-1, 1]."""
  check_arraylike("corrcoef", x, *(() if y is None else (y,)))
  c = cov(x, y, rowvar, dtype=dtype)
  if c.ndim == 0:
    return ufuncs.true_divide(c, c)
  stddev = ufuncs.sqrt(ufuncs.real(manipulation.diag(c)))
  stddev = lax.convert_element_type(stddev, c.dtype)
  c = ufuncs.true_divide(ufuncs.true_divide(c, stddev[:, None]), stddev[None, :])
  if dtypes.issubdtype(c.dtype, np.complexfloating):
    return lax.complex(lax_numpy.clip(ufuncs.real(c), -1, 1),
                       lax_numpy.clip(ufuncs.imag(c), -1, 1))
  return lax_numpy.clip(c, -1, 1)


# ------------------------------------------------------------------------------------------------
# Histograms


def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002
  """Edges of the histogram bins of `a`: `bins` itself when it is a 1-d array, else `bins`
  equal bins spanning `range` (default: the data's extent, widened by 0.5 if it is a point)."""
  del weights  # The edges depend on the data only, as in JAX.
  if isinstance(bins, str):
    raise NotImplementedError("string values for `bins` not implemented.")
  check_arraylike("histogram_bin_edges", a, bins)
  a = lax_numpy.ravel(asarray_or_scalar(a))
  dtype = to_inexact_dtype(a.dtype)
  if np.ndim(bins) == 1:
    return convert_to(bins, dtype, False)
  if np.ndim(bins) > 1:
    raise TypeError("Only integer scalar arrays can be converted to a scalar index.")
  bins = core.concrete_or_error(operator.index, bins,
                                "The error occurred because of argument 'bins' of "
                                "jnp.histogram_bin_edges.")
  if range is None:
    start, stop = reductions.min(a), reductions.max(a)
  else:
    bounds = creation.asarray(range)
    if bounds.shape != (2,):
      raise ValueError(f"`range` must be either None or a sequence of scalars, got {range}")
    start, stop = bounds[0], bounds[1]
  start, stop = convert_to(start, dtype, False), convert_to(stop, dtype, False)
  # A single point gets a unit-wide range around it.
  point = lax.eq(start, stop)
  half = lax.full((), 0.5, dtype)
  start = lax.select(point, lax.sub(start, half), start)
  stop = lax.select(point, lax.add(stop, half), stop)
  return creation.linspace(start, stop, bins + 1, dtype=dtype)


def _bin_index(values, edges):
  """1 + the bin of each value: 0 below the first edge and len(edges) at or past the last
  (or NaN), except that the last edge belongs to the last bin."""
  index = sorting.searchsorted(edges, values, side="right")
  n = edges.shape[0]
  return lax_numpy.where(ufuncs.equal(values, edges[-1]), np.int32(n - 1), index)


def histogram(a, bins=10, range=None, weights=None, density=None):  # noqa: A002
  """Counts (or summed `weights`) of `a` in each bin, and the bin edges; with `density`, the
  counts are normalized to integrate to 1 over the range."""
  if weights is None:
    check_arraylike("histogram", a)
    a, = promote_dtypes_inexact(a)
    weights = lax.full(a.shape, 1, a.dtype)
  else:
    check_arraylike("histogram", a, weights)
    a, weights = promote_dtypes_inexact(a, weights)
    if weights.shape != a.shape:
      raise ValueError("weights should have the same shape as a.")
  a, weights = lax_numpy.ravel(a), lax_numpy.ravel(weights)
  edges = histogram_bin_edges(a, bins, range)
  n = edges.shape[0]
  counts = lax.full((n + 1,), 0, weights.dtype).at[_bin_index(a, edges)].add(weights)[1:-1]
  if density:
    widths = ufuncs.subtract(edges[1:], edges[:-1])
    counts = ufuncs.true_divide(ufuncs.true_divide(counts, widths), reductions.sum(counts))
  return counts, edges


def histogramdd(sample, bins=10, range=None, weights=None, density=None):  # noqa: A002
  """Counts (or summed `weights`) of the N samples of D coordinates (`sample` of shape (N, D))
  in each cell of a D-dimensional grid of bins, and the D arrays of edges."""
  if weights is None:
    check_arraylike("histogramdd", sample)
    sample, = promote_dtypes_inexact(sample)
  else:
    check_arraylike("histogramdd", sample, weights)
    sample, weights = promote_dtypes_inexact(sample, weights)
  num_samples, num_dims = sample.shape
  if weights is not None and weights.shape != (num_samples,):
    raise ValueError("should have one weight for each sample.")
  if range is not None and (len(range) != num_dims or
                            any(r is not None and len(r) != 2 for r in range)):
    raise ValueError(f"For sample.shape={(num_samples, num_dims)}, range must be a sequence of "
                     f"{num_dims} pairs or Nones; got range={range}")
  if isinstance(bins, int):
    bins = num_dims * [bins]
  if len(bins) != num_dims:
    raise ValueError("should be a bin for each dimension.")
  edges, flat_index, sizes = [], None, []
  for d in builtins.range(num_dims):
    column = sample[:, d]
    edges.append(histogram_bin_edges(column, bins[d], None if range is None else range[d]))
    sizes.append(edges[-1].shape[0] + 1)
    index = _bin_index(column, edges[-1])
    flat_index = index if flat_index is None else ufuncs.add(
        ufuncs.multiply(flat_index, np.int32(sizes[-1])), index)
  total = int(np.prod(sizes, dtype=np.int64))
  if weights is None:
    counts = lax.full((total,), 0, dtypes.default_int_dtype()).at[flat_index].add(1)
  else:
    counts = lax.full((total,), 0, weights.dtype).at[flat_index].add(weights)
  # Drop the outlier bins (below the first edge, past the last) of every dimension.
  counts = lax_numpy.reshape(counts, sizes)[(slice(1, -1),) * num_dims]
  if density:
    counts = ufuncs.true_divide(counts, reductions.sum(counts))
    for d, e in enumerate(edges):
      shape = [1] * num_dims
      shape[d] = e.shape[0] - 1
      counts = ufuncs.true_divide(counts, lax_numpy.reshape(ufuncs.subtract(e[1:], e[:-1]),
                                                            shape))
  return counts, edges


def histogram2d(x, y, bins=10, range=None, weights=None, density=None):  # noqa: A002
  """`histogramdd` of the points (x[i], y[i]); `bins` is one spec for both axes or a pair."""
  check_arraylike("histogram2d", x, y)
  try:
    num_bins = len(bins)
  except TypeError:
    num_bins = 1
  if num_bins not in (1, 2):
    edges = creation.asarray(bins)
    bins = [edges, edges]
  x, y = asarray_or_scalar(x), asarray_or_scalar(y)
  if x.shape != y.shape:
    raise TypeError(f"x and y must have the same shape; got {x.shape} and {y.shape}.")
  counts, (x_edges, y_edges) = histogramdd(lax_numpy.stack([x, y], axis=1), bins, range,
                                           weights, density)
  return counts, x_edges, y_edges


# ------------------------------------------------------------------------------------------------
# Interpolation


def _end_value(name, value):
  if isinstance(value, str) and value != "extrapolate":
    raise ValueError(f"the only valid string value of `{name}` is 'extrapolate', but got: "
                     f"{value!r}")


def interp(x, xp, fp, left=None, right=None, period=None):
  """Piecewise-linear interpolation of the points (xp, fp) (xp increasing) at `x`; `left` and
  `right` (default: the end values, or 'extrapolate') outside [xp[0], xp[-1]]; with `period`,
  x and xp are taken modulo the period."""
  check_arraylike("interp", x, xp, fp)
  _end_value("left", left)
  _end_value("right", right)
  x, xp = promote_dtypes_inexact(x, xp)
  fp, = promote_dtypes_inexact(fp)
  if xp.ndim != 1 or fp.ndim != 1 or xp.shape[0] != fp.shape[0]:
    raise ValueError("xp and fp must be one-dimensional arrays of equal size")
  if period is not None:
    if np.ndim(period) != 0:
      raise ValueError(f"period must be a scalar; got {period}")
    period = ufuncs.abs(period)
    x = ufuncs.remainder(x, period)
    xp, fp = lax_sorting.sort_key_val(ufuncs.remainder(xp, period), fp)
    # One more point on each side, wrapped around, so every x has a segment.
    xp = lax_numpy.concatenate([ufuncs.subtract(xp[-1:], period), xp,
                                ufuncs.add(xp[:1], period)])
    fp = lax_numpy.concatenate([fp[-1:], fp, fp[:1]])
  n = xp.shape[0]
  upper = lax_numpy.clip(sorting.searchsorted(xp, x, side="right"), 1, n - 1)
  lower = ufuncs.subtract(upper, 1)
  dx = ufuncs.subtract(xp[upper], xp[lower])
  delta = ufuncs.subtract(x, xp[lower])
  # A zero-width segment takes its left value (and divides by nothing).
  flat = ufuncs.less_equal(ufuncs.abs(dx), dtypes.finfo(xp.dtype).eps)
  slope = ufuncs.true_divide(delta, lax_numpy.where(flat, np.array(1, dx.dtype), dx))
  f = lax_numpy.where(flat, fp[lower], ufuncs.add(
      fp[lower], ufuncs.multiply(slope, ufuncs.subtract(fp[upper], fp[lower]))))
  if period is None:
    if not isinstance(left, str):
      f = lax_numpy.where(ufuncs.less(x, xp[0]), fp[0] if left is None else left, f)
    if not isinstance(right, str):
      f = lax_numpy.where(ufuncs.greater(x, xp[-1]), fp[-1] if right is None else right, f)
  return f


__all__ = ["average", "corrcoef", "cov", "histogram", "histogram2d", "histogram_bin_edges",
           "histogramdd", "interp", "median", "nanmedian", "nanpercentile", "nanquantile",
           "percentile", "ptp", "quantile"]
