"""`RegularGridInterpolator`: linear and nearest-neighbour interpolation on a rectilinear grid, as
`jax.scipy.interpolate`. Built on `pyjax.numpy`, so it traces under jit, vmap and grad; the
interpolator is a pytree (grid, values and fill value are its leaves, as in JAX)."""
from __future__ import annotations

import itertools

import numpy as np

from pyjax import numpy as jnp
from pyjax._src import tree_util
from pyjax._src.numpy.util import check_arraylike, promote_dtypes_inexact

_METHODS = ("linear", "nearest")


def _check_method(method) -> None:
  if method not in _METHODS:
    raise ValueError(f"method {method!r} is not defined")


def _sample_points(xi, ndim: int):
  """The query points as one array whose last axis holds a point's coordinates. A tuple holds one
  coordinate array per grid dimension (broadcast together, cast to the default float); a 1-D
  array is a flat list of points."""
  if isinstance(xi, tuple) and len(xi) == 1:
    xi = xi[0]
  if isinstance(xi, tuple):
    coordinates = jnp.broadcast_arrays(*xi)
    return jnp.stack(coordinates, axis=-1).astype(float)
  check_arraylike("RegularGridInterpolator", xi)
  xi = jnp.asarray(xi)
  return xi.reshape(-1, ndim) if xi.ndim == 1 else xi


class RegularGridInterpolator:
  """Interpolates `values` given on the grid `points` (one strictly increasing 1-D array per
  leading axis of `values`), with method "linear" or "nearest". Points outside the grid get
  `fill_value` (NaN by default); `fill_value=None` extrapolates from the edge cells.
  `bounds_error=True` is not supported: an error cannot depend on traced values."""

  def __init__(self, points, values, method="linear", bounds_error=False, fill_value=np.nan):
    _check_method(method)
    self.method = method
    self.bounds_error = bounds_error
    if bounds_error:
      raise NotImplementedError("`bounds_error` takes no effect under JIT")
    check_arraylike("RegularGridInterpolator", values)
    if len(points) > values.ndim:
      raise ValueError(f"there are {len(points)} point arrays, but values has {values.ndim} "
                       "dimensions")
    values, = promote_dtypes_inexact(values)
    if fill_value is not None:
      check_arraylike("RegularGridInterpolator", fill_value)
      fill_value = jnp.asarray(fill_value)
      if not jnp.can_cast(fill_value.dtype, values.dtype, casting="same_kind"):
        raise ValueError("fill_value must be either 'None' or of a type compatible with values")
    self.fill_value = fill_value
    check_arraylike("RegularGridInterpolator", *points)
    self.grid = tuple(jnp.asarray(p) for p in points)
    self.values = values

  def __call__(self, xi, method=None):
    """The interpolated values at the points `xi`: shape `xi.shape[:-1]` followed by the trailing
    (non-grid) axes of `values`."""
    method = self.method if method is None else method
    _check_method(method)
    ndim = len(self.grid)
    xi = _sample_points(xi, ndim)
    if xi.shape[-1] != ndim:
      # JAX's message reports axis 1 of the points (their dimension when they are a 2-D list).
      raise ValueError(f"the requested sample points xi have dimension {xi.shape[1]}, but this "
                       f"RegularGridInterpolator has dimension {ndim}")
    batch_shape = xi.shape[:-1]
    xi = xi.reshape(-1, ndim)
    cells, offsets, outside = self._locate(xi)
    if method == "linear":
      result = self._linear(cells, offsets)
    else:
      # The nearer cell edge; a point halfway between two nodes takes the lower one.
      nearest = tuple(jnp.where(t <= 0.5, i, i + 1) for i, t in zip(cells, offsets))
      result = self.values[nearest]
    if self.fill_value is not None:
      outside = outside.reshape(outside.shape + (1,) * (result.ndim - 1))
      result = jnp.where(outside, self.fill_value, result)
    return result.reshape(batch_shape + self.values.shape[ndim:])

  def _locate(self, xi):
    """Per grid dimension, the index of each point's cell (clamped to the edge cells, which
    extrapolate) and the point's offset in it as a fraction of the cell width; and whether each
    point lies outside the grid."""
    cells, offsets = [], []
    outside = jnp.zeros(xi.shape[:1], dtype=bool)
    for x, g in zip(xi.T, self.grid):
      i = jnp.clip(jnp.searchsorted(g, x) - 1, 0, g.size - 2)
      cells.append(i)
      offsets.append((x - g[i]) / (g[i + 1] - g[i]))
      outside = outside | (x < g[0]) | (x > g[-1])
    return cells, offsets, outside

  def _linear(self, cells, offsets):
    """Multilinear interpolation: the values at the 2**ndim corners of each point's cell, each
    weighted by the product of its per-dimension weights (1 - t at the lower edge, t at the
    upper)."""
    trailing = (None,) * (self.values.ndim - len(cells))
    result = 0.
    for corner in itertools.product((0, 1), repeat=len(cells)):
      weight = 1.
      for upper, t in zip(corner, offsets):
        weight = weight * (t if upper else 1 - t)
      corner_values = self.values[tuple(i + upper for i, upper in zip(cells, corner))]
      result = result + corner_values * weight[(slice(None),) + trailing]
    return result


tree_util.register_pytree_node(
    RegularGridInterpolator,
    lambda r: ((r.grid, r.values, r.fill_value), (r.method, r.bounds_error)),
    lambda static, leaves: RegularGridInterpolator(leaves[0], leaves[1], *static, leaves[2]))
