"""Finite differences and integration of `jax.numpy`: diff, ediff1d, gradient, trapezoid, unwrap."""
from __future__ import annotations

import math
import operator

import numpy as np

from pyjax._src import dtypes
from pyjax._src.lax import lax
from pyjax._src.lax.utils import check_dtype
from pyjax._src.lax.control_flow import associative_scan
from pyjax._src.numpy import reductions, ufuncs
from pyjax._src.numpy.lax_numpy import broadcast_to, concatenate, ravel, reshape, where
from pyjax._src.numpy.util import (asarray_or_scalar, canonicalize_axis, check_arraylike,
                                   convert_to, promote_dtypes, promote_dtypes_inexact)

__all__ = ["diff", "ediff1d", "gradient", "trapezoid", "unwrap"]


def _slice(x, start, stop, axis):
  return lax.slice_in_dim(x, start, stop, axis=axis)


def _first_difference(x, axis):
  upper, lower = _slice(x, 1, None, axis), _slice(x, None, -1, axis)
  # Booleans have no subtraction; their difference is "changed", as in NumPy.
  return ufuncs.not_equal(upper, lower) if x.dtype == np.bool_ else ufuncs.subtract(upper, lower)


def diff(a, n: int = 1, axis: int = -1, prepend=None, append=None):
  """The n-th discrete difference along `axis`, after optionally joining `prepend` and
  `append` (scalars are broadcast to one slice)."""
  check_arraylike("diff", a)
  a = asarray_or_scalar(a)
  n = operator.index(n)
  if a.ndim == 0:
    raise ValueError(f"diff requires input that is at least one dimensional; got {a}")
  if n < 0:
    raise ValueError(f"order must be non-negative but got {n}")
  if n == 0:
    return a
  axis = canonicalize_axis(axis, a.ndim)
  parts = [a]
  for position, extra in ((0, prepend), (1, append)):
    if extra is None:
      continue
    check_arraylike("diff", extra)
    extra = asarray_or_scalar(extra)
    if extra.ndim == 0:
      shape = list(a.shape)
      shape[axis] = 1
      extra = broadcast_to(extra, tuple(shape))
    parts.insert(position if position == 0 else len(parts), extra)
  if len(parts) > 1:
    a = concatenate(promote_dtypes(*parts), axis=axis)
  for _ in range(n):
    a = _first_difference(a, axis)
  return a


def ediff1d(ary, to_end=None, to_begin=None):
  """Differences of consecutive elements of the flattened `ary`, with `to_begin` and `to_end`
  (cast to `ary`'s dtype) joined at the ends."""
  check_arraylike("ediff1d", ary)
  flat = ravel(asarray_or_scalar(ary))
  # Unlike diff, JAX's ediff1d subtracts booleans too, which lax.sub refuses.
  check_dtype("sub", flat.dtype, (np.integer, np.floating, np.complexfloating), 0)
  result = _first_difference(flat, 0) if flat.size else flat
  parts = [result]
  for position, extra in ((0, to_begin), (1, to_end)):
    if extra is None:
      continue
    check_arraylike("ediff1d", extra)
    extra = ravel(convert_to(extra, flat.dtype, False))
    parts.insert(0 if position == 0 else len(parts), extra)
  return concatenate(parts) if len(parts) > 1 else result


def gradient(f, *varargs, axis=None, edge_order=None):
  """Second-order central differences inside, first-order one-sided differences at the edges;
  spacing per axis as a scalar step or as the coordinates of the samples. Returns one array per
  axis (a list when there are several)."""
  if edge_order is not None:
    raise NotImplementedError("The 'edge_order' argument to jnp.gradient is not supported.")
  check_arraylike("gradient", f, *varargs)
  a, *spacing = promote_dtypes_inexact(f, *varargs)
  if axis is None:
    axes = list(range(a.ndim))
  elif isinstance(axis, (int, np.integer)):
    axes = [canonicalize_axis(axis, a.ndim)]
  else:
    axes = [canonicalize_axis(i, a.ndim) for i in axis]
  if len(spacing) == 0:
    spacing = [1.0] * len(axes)
  elif len(spacing) == 1:
    spacing = spacing * len(axes)
  elif len(spacing) != len(axes):
    raise TypeError(f"Invalid number of spacing arguments {len(spacing)} for axis={axis}")
  if any(a.shape[i] < 2 for i in axes):
    raise ValueError("Shape of array too small to calculate a numerical gradient, at least 2 "
                     "elements are required.")
  results = [_gradient_along(a, h, i) for h, i in zip(spacing, axes)]
  return results[0] if len(results) == 1 else results


def _gradient_along(a, h, axis):
  df = lambda start, stop: _slice(a, start, stop, axis)  # noqa: E731
  first = ufuncs.subtract(df(1, 2), df(0, 1))
  last = ufuncs.subtract(df(-1, None), df(-2, -1))
  if np.ndim(h) == 0:
    inner = ufuncs.divide(ufuncs.multiply(ufuncs.subtract(df(2, None), df(None, -2)), 0.5), h)
    first, last = ufuncs.divide(first, h), ufuncs.divide(last, h)
  elif np.ndim(h) == 1:
    if h.shape[0] != a.shape[axis]:
      raise ValueError("Spacing arrays must have the same length as the dimension along which "
                       "the gradient is calculated.")
    shape = [1] * a.ndim
    shape[axis] = h.shape[0]
    x = reshape(h, tuple(shape))
    dx = lambda start, stop: _slice(x, start, stop, axis)  # noqa: E731
    first = ufuncs.divide(first, ufuncs.subtract(dx(1, 2), dx(0, 1)))
    last = ufuncs.divide(last, ufuncs.subtract(dx(-1, None), dx(-2, -1)))
    # Weights of the second-order difference on an uneven grid (left step dx1, right dx2).
    dx1 = ufuncs.subtract(dx(1, -1), dx(0, -2))
    dx2 = ufuncs.subtract(dx(2, None), dx(1, -1))
    total = ufuncs.add(dx1, dx2)
    w_left = ufuncs.negative(ufuncs.divide(dx2, ufuncs.multiply(dx1, total)))
    w_mid = ufuncs.divide(ufuncs.subtract(dx2, dx1), ufuncs.multiply(dx1, dx2))
    w_right = ufuncs.divide(dx1, ufuncs.multiply(dx2, total))
    inner = ufuncs.add(ufuncs.add(ufuncs.multiply(w_left, df(None, -2)),
                                  ufuncs.multiply(w_mid, df(1, -1))),
                       ufuncs.multiply(w_right, df(2, None)))
  else:
    raise ValueError(f"Spacing arguments of jnp.gradient must be scalars or 1-D coordinate "
                     f"arrays; got one of shape {np.shape(h)}.")
  return concatenate([first, inner, last], axis=axis)


def trapezoid(y, x=None, dx=1.0, axis: int = -1):
  """Integral of `y` along `axis` by the trapezoidal rule, at sample points `x` (1-D, or
  shaped like `y`) or with uniform spacing `dx`."""
  if x is None:
    check_arraylike("trapezoid", y)
    y, = promote_dtypes_inexact(y)
    axis = canonicalize_axis(axis, y.ndim)
    step = dx
  else:
    check_arraylike("trapezoid", y, x)
    y, x = promote_dtypes_inexact(y, x)
    axis = canonicalize_axis(axis, y.ndim)
    if x.ndim == 1:
      step = diff(x)
      shape = [1] * y.ndim
      shape[axis] = step.shape[0]
      step = reshape(step, tuple(shape))
    else:
      step = diff(x, axis=axis)
  midpoints = ufuncs.add(_slice(y, 1, None, axis), _slice(y, None, -1, axis))
  return reductions.sum(ufuncs.multiply(ufuncs.multiply(step, midpoints), 0.5), axis=axis)


def unwrap(p, discont=None, axis: int = -1, period=2 * math.pi):
  """`p` with jumps larger than `discont` (default `period / 2`) along `axis` replaced by their
  complement modulo `period`; integer `p` and `period` stay integers."""
  check_arraylike("unwrap", p)
  p = asarray_or_scalar(p)
  if p.ndim == 0:
    raise IndexError(f"unwrap needs an array with an axis {axis}; got a scalar {p}.")
  p, period = promote_dtypes(p, period)
  if dtypes.issubdtype(p.dtype, np.complexfloating):
    raise ValueError("jnp.unwrap does not support complex inputs.")
  axis = canonicalize_axis(axis, p.ndim)
  if p.shape[axis] == 0:
    return p
  discont = ufuncs.divide(period, 2) if discont is None else discont
  integer = dtypes.issubdtype(p.dtype, np.integer)
  half = ufuncs.floor_divide(period, 2) if integer else ufuncs.divide(period, 2)
  dd = diff(p, axis=axis)
  ddmod = ufuncs.subtract(ufuncs.remainder(ufuncs.add(dd, half), period), half)
  # A jump of exactly half a period keeps the direction of the jump itself (as JAX does, for
  # odd integer periods too).
  ddmod = where(ufuncs.logical_and(ufuncs.equal(ddmod, ufuncs.negative(half)),
                                   ufuncs.greater(dd, 0)), half, ddmod)
  correction = where(ufuncs.less(ufuncs.absolute(dd), discont), 0,
                     ufuncs.subtract(ddmod, dd))
  accumulated = associative_scan(ufuncs.add, correction, axis=axis)
  tail = ufuncs.add(_slice(p, 1, None, axis), accumulated)
  return concatenate(promote_dtypes(_slice(p, 0, 1, axis), tail), axis=axis)
