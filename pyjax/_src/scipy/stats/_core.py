"""Summary statistics of `jax.scipy.stats`: sem, rankdata and mode."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from pyjax import numpy as jnp
from pyjax._src import dtypes
from pyjax._src.vmap_api import vmap
from pyjax._src.numpy.util import canonicalize_axis, check_arraylike, promote_args_inexact

_NAN_POLICIES = ("propagate", "omit", "raise")


def _check_nan_policy(name: str, nan_policy: str) -> None:
  """rankdata and mode only propagate NaNs (as in JAX, which cannot inspect traced data)."""
  if nan_policy not in _NAN_POLICIES:
    raise ValueError(f"Illegal nan_policy value {nan_policy!r}; expected one of "
                     "{'propagate', 'omit', 'raise'}")
  if nan_policy == "omit":
    raise NotImplementedError(f"Logic for `nan_policy` of {nan_policy} is not implemented")
  if nan_policy == "raise":
    raise NotImplementedError(
        f"In order to best JIT compile `{name}`, we cannot know whether `x` contains nans. "
        f"Please check if nans exist in `x` outside of the `{name}` function.")


def sem(a, axis: int | None = 0, ddof: int = 1, nan_policy: str = "propagate", *,
        keepdims: bool = False):
  """The standard error of the mean, std(a, ddof) / sqrt(n), along `axis` (all axes if None);
  `nan_policy='omit'` leaves NaNs out of both the deviation and the count."""
  b, = promote_args_inexact("sem", a)
  if nan_policy == "propagate":
    size = b.size if axis is None else b.shape[axis]
    return b.std(axis, ddof=ddof, keepdims=keepdims) / jnp.sqrt(size).astype(b.dtype)
  if nan_policy == "omit":
    count = jnp.sum(~jnp.isnan(b), axis, keepdims=keepdims)
    return jnp.nanstd(b, axis, ddof=ddof, keepdims=keepdims) / jnp.sqrt(count).astype(b.dtype)
  raise ValueError(f"{nan_policy} is not supported")


def _rank_1d(a, method: str):
  out_dtype = dtypes.default_float_dtype()
  order = jnp.argsort(a, stable=True)
  sorted_a = a[order]
  if method == "ordinal":  # position in the stable sort
    positions = jnp.arange(1, a.size + 1, dtype=order.dtype)
    ranks = jnp.zeros(a.shape, order.dtype).at[order].set(positions)
  elif method == "dense":  # number of distinct values up to and including this one
    new_value = jnp.concatenate([jnp.ones(min(a.size, 1), bool), sorted_a[1:] != sorted_a[:-1]])
    ranks = jnp.cumsum(new_value)[jnp.searchsorted(sorted_a, a, side="left")]
  else:
    lowest = jnp.searchsorted(sorted_a, a, side="left") + 1  # first rank of the tie group
    highest = jnp.searchsorted(sorted_a, a, side="right")  # last rank of the tie group
    ranks = {"min": lowest, "max": highest}.get(method, (lowest + highest) / 2)
  # Any NaN makes the whole ranking NaN, as in JAX.
  return jnp.where(jnp.any(jnp.isnan(a)), np.nan, ranks.astype(out_dtype))


def rankdata(a, method: str = "average", *, axis: int | None = None,
             nan_policy: str = "propagate"):
  """Ranks of the data from 1, ties resolved by `method` ('average', 'min', 'max', 'dense' or
  'ordinal'), along `axis` (over the flattened array if None), as floats."""
  check_arraylike("rankdata", a)
  _check_nan_policy("rankdata", nan_policy)
  if method not in ("average", "min", "max", "dense", "ordinal"):
    raise ValueError(f"unknown method '{method}'")
  a = jnp.asarray(a)
  if axis is not None:
    return jnp.apply_along_axis(_rank_1d, axis, a, method)
  return _rank_1d(jnp.ravel(a), method)


class ModeResult(NamedTuple):
  mode: object
  count: object


def _mode_1d(x):
  """The most frequent value of a 1-D array (the smallest among equally frequent ones; NaNs count
  as one value) and its count."""
  sorted_x = jnp.sort(x)
  both_nan = jnp.isnan(sorted_x[1:]) & jnp.isnan(sorted_x[:-1])
  new_value = jnp.concatenate([jnp.ones(1, bool), (sorted_x[1:] != sorted_x[:-1]) & ~both_nan])
  group = jnp.cumsum(new_value) - 1  # groups are numbered in sorted order
  counts = jnp.zeros_like(group).at[group].add(1)
  best = jnp.argmax(counts)
  return sorted_x[jnp.argmax(group == best)], counts[best]


def mode(a, axis: int | None = 0, nan_policy: str = "propagate", keepdims: bool = False):
  """The modal value along `axis` (of the flattened array if None) and how often it occurs."""
  check_arraylike("mode", a)
  x = jnp.atleast_1d(a)
  _check_nan_policy("mode", nan_policy)
  if axis is None:
    out_shape = (1,) * x.ndim if keepdims else ()
    x = jnp.ravel(x)
    axis = 0
  else:
    axis = canonicalize_axis(axis, x.ndim)
    out_shape = tuple(1 if i == axis else s for i, s in enumerate(x.shape) if keepdims or i != axis)
  x = jnp.moveaxis(x, axis, 0)
  x = x.reshape(x.shape[0], -1) if x.shape[0] else x.reshape(0, int(np.prod(x.shape[1:])))
  if x.shape[0] == 0:  # JAX answers NaN with a (floating) count of 0 for empty slices
    float_dtype = dtypes.default_float_dtype()
    return ModeResult(jnp.full(out_shape, np.nan, float_dtype), jnp.zeros(out_shape, float_dtype))
  modes, counts = vmap(_mode_1d, in_axes=1)(x)
  return ModeResult(modes.reshape(out_shape), counts.reshape(out_shape))
