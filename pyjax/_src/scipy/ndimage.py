"""`pyjax.scipy.ndimage`: SciPy's `map_coordinates` on pyjax arrays, as `jax.scipy.ndimage`
(spline orders 0 and 1; every boundary mode JAX has), built on `pyjax.numpy` indexing so that jit,
vmap and grad (with respect to the input and the coordinates) apply.
"""
from __future__ import annotations

import functools
import itertools
import operator
from typing import Sequence

import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src import dtypes

__all__ = ["map_coordinates"]


def _mirror(index, size: int):
  """Reflection about the edge samples (period 2 (size - 1)): SciPy's "mirror"."""
  if size == 1:
    return jnp.zeros_like(index)
  period = 2 * (size - 1)
  folded = index % period
  return jnp.minimum(folded, period - folded)


def _reflect(index, size: int):
  """Reflection about the edges between samples (period 2 size): SciPy's "reflect"."""
  folded = index % (2 * size)
  return jnp.where(folded < size, folded, 2 * size - 1 - folded)


# How each mode maps an index outside [0, size) into it; "constant" keeps it and masks it later.
_INDEX_MAPS = {
    "constant": lambda index, size: index,
    "nearest": lambda index, size: jnp.clip(index, 0, size - 1),
    "wrap": lambda index, size: index % size,
    "mirror": _mirror,
    "reflect": _reflect,
}


def _round_half_away(x):
  return x if dtypes.issubdtype(x.dtype, np.integer) else lax.round(x)


def _nodes(coordinate, order: int):
  """(index, weight) pairs of the 1-D interpolation at `coordinate`."""
  if order == 0:
    return [(_round_half_away(coordinate).astype(np.int32), np.ones((), coordinate.dtype))]
  lower = jnp.floor(coordinate)
  upper_weight = coordinate - lower
  index = lower.astype(np.int32)
  return [(index, 1 - upper_weight), (index + 1, upper_weight)]


def map_coordinates(input, coordinates: Sequence, order: int, mode: str = "constant",
                    cval=0.0):
  """`input` interpolated (nearest sample for `order` 0, multilinear for 1) at the points whose
  coordinates along each axis are `coordinates[axis]`; `mode` says how to read outside the input
  ("constant" reads `cval`)."""
  input = jnp.asarray(input)
  coordinates = [jnp.asarray(c) for c in coordinates]
  cval = jnp.asarray(cval, input.dtype)
  if len(coordinates) != input.ndim:
    raise ValueError("coordinates must be a sequence of length input.ndim, but "
                     f"{len(coordinates)} != {input.ndim}")
  index_map = _INDEX_MAPS.get(mode)
  if index_map is None:
    raise NotImplementedError(
        f"jax.scipy.ndimage.map_coordinates does not yet support mode {mode}. Currently "
        f"supported modes are {set(_INDEX_MAPS)}.")
  if order not in (0, 1):
    raise NotImplementedError("jax.scipy.ndimage.map_coordinates currently requires order<=1")

  per_axis = []
  for coordinate, size in zip(coordinates, input.shape):
    nodes = []
    for index, weight in _nodes(coordinate, order):
      inside = (index >= 0) & (index < size) if mode == "constant" else None
      nodes.append((index_map(index, size), inside, weight))
    per_axis.append(nodes)

  # The sum over the corners of the interpolation cell of (product of weights) x sample.
  terms = []
  for corner in itertools.product(*per_axis):
    indices = tuple(index for index, _, _ in corner)
    sample = input[indices]
    if mode == "constant":
      inside = functools.reduce(operator.and_, [inside for _, inside, _ in corner])
      sample = jnp.where(inside, sample, cval)
    weight = functools.reduce(operator.mul, [weight for _, _, weight in corner])
    terms.append(weight * sample)
  result = functools.reduce(operator.add, terms)
  if dtypes.issubdtype(input.dtype, np.integer):
    result = _round_half_away(result)
  return result.astype(input.dtype)
