"""`associative_scan`: a parallel prefix scan with an associative combining function, built (as
JAX builds it) from strided slices, the combine function, padding and concatenation; it has no
primitive of its own."""
from __future__ import annotations

import operator
from typing import Callable

import numpy as np

from pyjax._src import core, tree_util


def associative_scan(fn: Callable, elems, reverse: bool = False, axis: int = 0):
  """The prefix combinations `[a, fn(a, b), fn(fn(a, b), c), ...]` of `elems` along `axis`
  (suffix combinations with `reverse=True`); `fn` must be associative and elementwise along
  `axis`."""
  from pyjax._src.lax import lax
  if not callable(fn):
    raise TypeError("lax.associative_scan: fn argument should be callable.")
  leaves, tree = tree_util.tree_flatten(elems)
  if reverse:
    leaves = [lax.rev(leaf, [axis]) for leaf in leaves]
  ndim = core.get_aval(leaves[0]).ndim
  axis = operator.index(axis)
  if not -ndim <= axis < ndim:
    raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
  axis %= ndim
  size = core.get_aval(leaves[0]).shape[axis]
  if not all(core.get_aval(leaf).shape[axis] == size for leaf in leaves[1:]):
    raise ValueError("Array inputs to associative_scan must have the same first dimension. "
                     f"(saw: {[core.get_aval(leaf).shape for leaf in leaves]})")

  def combine(a_leaves, b_leaves):
    out = fn(tree_util.tree_unflatten(tree, a_leaves), tree_util.tree_unflatten(tree, b_leaves))
    return tree_util.tree_leaves(out)

  def sliced(x, start, stop, stride=1):
    return lax.slice_in_dim(x, start, stop, stride=stride, axis=axis)

  def prefix_scan(xs):
    n = core.get_aval(xs[0]).shape[axis]
    if n < 2:
      return xs
    # Combine neighbours pairwise; the scan of the pairs gives the odd positions of the result.
    pairs = combine([sliced(x, 0, -1, 2) for x in xs], [sliced(x, 1, None, 2) for x in xs])
    odd = prefix_scan(pairs)
    # The even positions (after the first) combine an odd result with the next element.
    if n % 2 == 0:
      even = combine([sliced(o, 0, -1) for o in odd], [sliced(x, 2, None, 2) for x in xs])
    else:
      even = combine(odd, [sliced(x, 2, None, 2) for x in xs])
    even = [lax.concatenate([sliced(x, 0, 1), e], axis) for x, e in zip(xs, even)]
    return [_interleave(e, o, axis) for e, o in zip(even, odd)]

  scanned = prefix_scan(leaves)
  if reverse:
    scanned = [lax.rev(x, [axis]) for x in scanned]
  return tree_util.tree_unflatten(tree, scanned)


def _interleave(a, b, axis: int):
  """`a[0], b[0], a[1], b[1], ...` along `axis` (`a` may be one longer than `b`), by padding
  each with interior zeros and adding."""
  from pyjax._src.lax import lax
  a_aval, b_aval = core.get_aval(a), core.get_aval(b)
  same = a_aval.shape[axis] == b_aval.shape[axis]
  a_pad = [(0, 0, 0)] * a_aval.ndim
  b_pad = [(0, 0, 0)] * b_aval.ndim
  a_pad[axis] = (0, 1 if same else 0, 1)
  b_pad[axis] = (1, 0 if same else 1, 1)
  join = lax.bitwise_or if a_aval.dtype == np.bool_ else lax.add
  return join(lax.pad(a, lax._const(a, 0), a_pad), lax.pad(b, lax._const(b, 0), b_pad))
