"""Collectives over named axes: `psum`, `pmean`, `pmax`, `pmin`, `axis_index`, `all_gather`,
`psum_scatter`, `ppermute`, `all_to_all`, and `pshuffle` and `pswapaxes` (`ppermute` and
`all_to_all` with other encodings of their arguments).

An axis name is bound by `vmap(..., axis_name=...)` (and later `pmap`). Each primitive's batching
rule turns the named axis into the positional batch axis of its operand, so that under `vmap` a
collective is ordinary array work; the eager implementations only ever see positional axes, and
a name that no enclosing transformation binds is JAX's NameError. The rules run even when the
operand is not batched (`batching.axis_primitives`): `psum(x, 'i')` of a value that is the same
for every element is `x` times the axis size.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.avals import ShapedArray
from pyjax._src.backend import xp
from pyjax._src.core import Primitive, Tracer
from pyjax._src.interpreters import ad, batching
from pyjax._src.lax import lax
from pyjax._src.lax import structural as _st
from pyjax._src.lax.utils import never_weak
from pyjax._src.tree_util import tree_flatten, tree_map, tree_unflatten

# ------------------------------------------------------------------------------------------------
# Axis names


def _as_names(axis_name) -> tuple:
  return tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)


def _check_axis_names(axes, api_name: str) -> None:
  """Every named (non-integer) axis must be bound by an enclosing transformation."""
  env = core._context.axis_env
  for name in axes:
    if not isinstance(name, int) and name not in env:
      raise NameError(f"Found an unbound axis name: {name}. To fix this, please call "
                      f"{api_name} under `jax.shard_map`.")


def _axis_size(axis_name, axis_index_groups=None) -> int:
  """The number of participants in a collective over `axis_name` (one group's size if grouped)."""
  if axis_index_groups is not None:
    return len(axis_index_groups[0])
  return math.prod(core.axis_size(name) for name in _as_names(axis_name))


def _canonicalize_groups(axis_index_groups):
  if axis_index_groups is None:
    return None
  groups = tuple(tuple(map(operator.index, g)) for g in axis_index_groups)
  covered = sorted(i for g in groups for i in g)
  if covered != list(range(len(covered))):
    raise ValueError("axis_index_groups must cover all indices exactly once")
  return groups


def _not_in_vmap(feature: str = "axis_index_groups not supported in vmap collectives. "
                 "Please open a feature request!"):
  return NotImplementedError(feature)


def _unmapped_context_error(name: str) -> RuntimeError:
  return RuntimeError(f"{name} must be used within a mapped context like vmap or shard_map.")


# ------------------------------------------------------------------------------------------------
# psum, pmax, pmin: all-reduce over named axes (and positional ones)


def _allreduce_abstract_eval(x, *, axes, axis_index_groups):
  _check_axis_names(axes, "psum")
  positional = tuple(a for a in axes if isinstance(a, int))
  if axis_index_groups is not None and positional:
    raise ValueError(f"axis_index_groups can only be used with reductions over named axes, but "
                     f"got: {axes}")
  if any(not 0 <= a < x.ndim for a in positional):
    raise ValueError(f"reduction axes {positional} contains out-of-bounds indices for "
                     f"{x.str_short(short_dtypes=False)}.")
  shape = tuple(s for i, s in enumerate(x.shape) if i not in positional)
  return ShapedArray(shape, x.dtype, False)


def _allreduce_primitive(name: str, positional_reduce) -> Primitive:
  p = Primitive(name)
  p.weak_type_rule = never_weak

  def impl(x, *, axes, axis_index_groups):
    _check_axis_names(axes, "psum")
    if any(not isinstance(a, int) for a in axes):
      raise _unmapped_context_error(name)
    return xp.asarray(positional_reduce(x, axis=tuple(axes))) if axes else x

  p.def_impl(impl)
  p.def_abstract_eval(_allreduce_abstract_eval)
  batching.axis_primitives.add(p)
  return p


psum_p = _allreduce_primitive("psum", lambda x, axis: xp.sum(x, axis=axis, dtype=x.dtype))
pmax_p = _allreduce_primitive("pmax", xp.max)
pmin_p = _allreduce_primitive("pmin", xp.min)


def _allreduce_batcher(primitive, if_unmapped):
  def rule(axis_data, vals, dims, *, axes, axis_index_groups):
    (x,), (d,) = vals, dims
    name = axis_data.name
    if name not in axes or name is None:
      if d is None or not any(isinstance(a, int) for a in axes):
        return primitive.bind(x, axes=axes, axis_index_groups=axis_index_groups), d
      x = batching.moveaxis(x, d, 0)
      shifted = tuple(a + 1 if isinstance(a, int) else a for a in axes)
      return primitive.bind(x, axes=shifted, axis_index_groups=axis_index_groups), 0
    if axis_index_groups is not None:
      raise _not_in_vmap()
    if d is None:
      rest = tuple(a for a in axes if a != name)
      if rest:
        x = primitive.bind(x, axes=rest, axis_index_groups=None)
      return if_unmapped(x, axis_data.size), None
    x = batching.moveaxis(x, d, 0)
    physical = tuple(0 if a == name else (a + 1 if isinstance(a, int) else a) for a in axes)
    return primitive.bind(x, axes=physical, axis_index_groups=None), None
  return rule


batching.primitive_batchers[psum_p] = _allreduce_batcher(psum_p, lambda x, size: size * x)
batching.primitive_batchers[pmax_p] = _allreduce_batcher(pmax_p, lambda x, size: x)
batching.primitive_batchers[pmin_p] = _allreduce_batcher(pmin_p, lambda x, size: x)


def _psum_transpose(ct, x, *, axes, axis_index_groups):
  # psum is psum followed by a broadcast to every participant, so its transpose sums again over
  # the named axes; positional axes are broadcast back.
  named = tuple(a for a in axes if not isinstance(a, int))
  positional = tuple(a for a in axes if isinstance(a, int))
  if positional:
    shape = x.aval.shape
    ct = _st.broadcast_in_dim_p.bind(
        ct, shape=shape, sharding=None,
        broadcast_dimensions=tuple(i for i in range(len(shape)) if i not in positional))
  if not named:
    return [ct]
  return [psum_p.bind(ct, axes=named, axis_index_groups=axis_index_groups)]


ad.deflinear(psum_p, _psum_transpose)


def psum(x, axis_name, *, axis_index_groups=None):
  """All-reduce sum of `x` (a pytree) over the mapped axis `axis_name` (a name, or a tuple of
  names and positional axes). Booleans are summed as int32."""
  axes = _as_names(axis_name)
  if not axes:
    return x
  if any(isinstance(a, int) for a in axes) and axis_index_groups is not None:
    raise ValueError("axis_index_groups only supported for sums over just named axes")
  groups = _canonicalize_groups(axis_index_groups)
  leaves, tree = tree_flatten(x)
  leaves = [lax.convert_element_type(leaf, np.int32)
            if dtypes.dtype(leaf) == np.bool_ else leaf for leaf in leaves]
  if not any(isinstance(leaf, Tracer) for leaf in leaves):
    # The same value on every participant: the sum is the value times their number.
    named = [a for a in axes if not isinstance(a, int)]
    positional = [a for a in axes if isinstance(a, int)]
    size = len(groups[0]) if groups is not None else math.prod(core.axis_size(n) for n in named)

    def constant_sum(leaf):
      if positional:
        ndim = np.ndim(leaf)
        leaf = lax.reduce_sum(leaf, [batching.canonicalize_axis(a, ndim) for a in positional])
      return lax._const(leaf, size) * leaf
    return tree_unflatten(tree, [constant_sum(leaf) for leaf in leaves])
  return tree_unflatten(tree, [psum_p.bind(leaf, axes=axes, axis_index_groups=groups)
                               for leaf in leaves])


def pmean(x, axis_name, *, axis_index_groups=None):
  """All-reduce mean of `x` over `axis_name` (integers give floats)."""
  total = psum(x, axis_name, axis_index_groups=axis_index_groups)
  count = _axis_size(axis_name, _canonicalize_groups(axis_index_groups))
  return tree_map(lambda v: v / count, total)


def _extremum(primitive):
  def collective(x, axis_name, *, axis_index_groups=None):
    axes = _as_names(axis_name)
    if any(isinstance(a, int) for a in axes) and axis_index_groups is not None:
      raise ValueError("axis_index_groups only supported for sums over just named axes")
    groups = _canonicalize_groups(axis_index_groups)
    return tree_map(lambda leaf: primitive.bind(leaf, axes=axes, axis_index_groups=groups), x)
  return collective


pmax = _extremum(pmax_p)
pmax.__name__ = pmax.__qualname__ = "pmax"
pmax.__doc__ = "All-reduce maximum of `x` over the mapped axis `axis_name`."
pmin = _extremum(pmin_p)
pmin.__name__ = pmin.__qualname__ = "pmin"
pmin.__doc__ = "All-reduce minimum of `x` over the mapped axis `axis_name`."


# ------------------------------------------------------------------------------------------------
# axis_index: the position along a named axis


def _axis_index_abstract_eval(*, axis_name):
  _check_axis_names(_as_names(axis_name), "axis_index")
  return ShapedArray((), np.dtype(np.int32))


def _axis_index_impl(*, axis_name):
  _check_axis_names(_as_names(axis_name), "axis_index")
  raise _unmapped_context_error("axis_index")


axis_index_p = Primitive("axis_index")
axis_index_p.weak_type_rule = never_weak
axis_index_p.def_impl(_axis_index_impl)
axis_index_p.def_abstract_eval(_axis_index_abstract_eval)
batching.axis_primitives.add(axis_index_p)


def _axis_index_batcher(axis_data, vals, dims, *, axis_name):
  if axis_data.name is None or axis_data.name not in _as_names(axis_name):
    return axis_index_p.bind(axis_name=axis_name), None
  return lax.iota(np.int32, axis_data.size), 0


batching.primitive_batchers[axis_index_p] = _axis_index_batcher
ad.defjvp_zero(axis_index_p)


def axis_index(axis_name):
  """The index of this element along the mapped axis `axis_name` (for a tuple of names, the
  row-major index over all of them)."""
  if not isinstance(axis_name, (tuple, list)):
    return axis_index_p.bind(axis_name=axis_name)
  index = np.int32(0)
  inner = 1
  for name in reversed(axis_name):
    index = axis_index(name) * inner + index
    inner *= _axis_size(name)
  return index


def axis_size(axis_name) -> int:
  """The size of the mapped axis `axis_name` (the product for a tuple of names)."""
  return _axis_size(axis_name)


# ------------------------------------------------------------------------------------------------
# all_gather: every participant gets the stack (or concatenation) of all of their values


def _all_gather_abstract_eval(x, *, all_gather_dimension, axis_name, axis_index_groups, axis_size,
                              tiled):
  _check_axis_names(_as_names(axis_name), "all_gather")
  shape = list(x.shape)
  if tiled:
    shape[all_gather_dimension] *= axis_size
  else:
    shape.insert(all_gather_dimension, axis_size)
  return ShapedArray(shape, x.dtype, x.weak_type)


def _all_gather_impl(x, **params):
  _check_axis_names(_as_names(params["axis_name"]), "all_gather")
  raise _unmapped_context_error("all_gather")


all_gather_p = Primitive("all_gather")
all_gather_p.def_impl(_all_gather_impl)
all_gather_p.def_abstract_eval(_all_gather_abstract_eval)
all_gather_p.weak_type_rule = lambda weak, **params: weak
batching.axis_primitives.add(all_gather_p)


def _fold_axes(x, axis: int):
  """`x` with axes `axis` and `axis + 1` merged into one (row-major)."""
  shape = list(core.get_aval(x).shape)
  shape[axis:axis + 2] = [shape[axis] * shape[axis + 1]]
  return lax.reshape(x, tuple(shape))


def _split_axis(x, axis: int, parts: int):
  """`x` with axis `axis` split into (parts, length // parts)."""
  shape = list(core.get_aval(x).shape)
  shape[axis:axis + 1] = [parts, shape[axis] // parts]
  return lax.reshape(x, tuple(shape))


def _all_gather_batcher(axis_data, vals, dims, *, all_gather_dimension, axis_name,
                        axis_index_groups, axis_size, tiled):
  (x,), (d,) = vals, dims
  names = _as_names(axis_name)
  params = dict(axis_name=axis_name, axis_index_groups=axis_index_groups, axis_size=axis_size,
                tiled=tiled)
  if axis_data.name is None or axis_data.name not in names:
    if d is not None:
      if d <= all_gather_dimension:
        all_gather_dimension += 1
      elif not tiled:
        d += 1
    return all_gather_p.bind(x, all_gather_dimension=all_gather_dimension, **params), d
  if axis_index_groups is not None:
    raise _not_in_vmap("axis_index_groups not supported in vmap")
  if len(names) > 1:
    raise _not_in_vmap("Please open a feature request!")
  y = batching.move_dim_to(x, d, all_gather_dimension, axis_data.size)
  if tiled:
    y = _fold_axes(y, all_gather_dimension)
  return y, None


batching.primitive_batchers[all_gather_p] = _all_gather_batcher


def _all_gather_transpose(ct, x, *, all_gather_dimension, axis_name, axis_index_groups,
                          axis_size, tiled):
  return [reduce_scatter_p.bind(ct, scatter_dimension=all_gather_dimension, axis_name=axis_name,
                                axis_index_groups=axis_index_groups, axis_size=axis_size,
                                tiled=tiled)]


def all_gather(x, axis_name, *, axis_index_groups=None, axis: int = 0, tiled: bool = False):
  """Gather `x` from every participant along `axis_name`: stacked along a new axis `axis`, or
  concatenated along the existing axis `axis` with `tiled=True`."""
  names = _as_names(axis_name)
  if not names:
    return x
  groups = _canonicalize_groups(axis_index_groups)
  size = _axis_size(names, groups)

  def bind(leaf):
    ndim = np.ndim(leaf)
    return all_gather_p.bind(
        leaf, all_gather_dimension=batching.canonicalize_axis(axis, ndim if tiled else ndim + 1),
        axis_name=names, axis_index_groups=groups, axis_size=size, tiled=tiled)
  return tree_map(bind, x)


# ------------------------------------------------------------------------------------------------
# psum_scatter (reduce_scatter): each participant keeps its part of the sum


def _reduce_scatter_abstract_eval(x, *, scatter_dimension, axis_name, axis_index_groups,
                                  axis_size, tiled):
  _check_axis_names(_as_names(axis_name), "reduce_scatter")
  shape = list(x.shape)
  length = shape[scatter_dimension]
  if tiled:
    if length % axis_size:
      raise ValueError(f"tiled reduce_scatter operand scatter dimension size {length} must be "
                       f"divisible by shard_count {axis_size}")
    shape[scatter_dimension] = length // axis_size
  else:
    if length != axis_size:
      raise ValueError(f"reduce_scatter operand scatter dimension size {length} must match "
                       f"shard count {axis_size}")
    del shape[scatter_dimension]
  return ShapedArray(shape, x.dtype, x.weak_type)


def _reduce_scatter_impl(x, **params):
  _check_axis_names(_as_names(params["axis_name"]), "reduce_scatter")
  raise _unmapped_context_error("psum_scatter")


reduce_scatter_p = Primitive("reduce_scatter")
reduce_scatter_p.def_impl(_reduce_scatter_impl)
reduce_scatter_p.def_abstract_eval(_reduce_scatter_abstract_eval)
reduce_scatter_p.weak_type_rule = lambda weak, **params: weak
batching.axis_primitives.add(reduce_scatter_p)


def _reduce_scatter_batcher(axis_data, vals, dims, *, scatter_dimension, axis_name,
                            axis_index_groups, axis_size, tiled):
  (x,), (d,) = vals, dims
  names = _as_names(axis_name)
  params = dict(axis_name=axis_name, axis_index_groups=axis_index_groups, axis_size=axis_size,
                tiled=tiled)
  if axis_data.name is None or axis_data.name not in names:
    if d is not None:
      if d <= scatter_dimension:
        scatter_dimension += 1
      elif not tiled:
        d += 1
    return reduce_scatter_p.bind(x, scatter_dimension=scatter_dimension, **params), d
  if axis_index_groups is not None:
    raise _not_in_vmap("axis_index_groups not supported in vmap")
  if len(names) > 1:
    raise _not_in_vmap("Please open a feature request!")
  if d is None:
    y = axis_data.size * x
  else:
    y = lax.reduce_sum(x, (d,))
  # The sum has the element shape; element b keeps index (or chunk) b of the scatter axis.
  if tiled:
    y = _split_axis(y, scatter_dimension, axis_data.size)
  return y, scatter_dimension


batching.primitive_batchers[reduce_scatter_p] = _reduce_scatter_batcher


def _reduce_scatter_transpose(ct, x, *, scatter_dimension, axis_name, axis_index_groups,
                              axis_size, tiled):
  return [all_gather_p.bind(ct, all_gather_dimension=scatter_dimension, axis_name=axis_name,
                            axis_index_groups=axis_index_groups, axis_size=axis_size,
                            tiled=tiled)]


ad.deflinear(all_gather_p, _all_gather_transpose)
ad.deflinear(reduce_scatter_p, _reduce_scatter_transpose)


def psum_scatter(x, axis_name, *, scatter_dimension: int = 0, axis_index_groups=None,
                 tiled: bool = False):
  """`psum(x, axis_name)`, of which each participant keeps only its index (or, with `tiled`, its
  chunk) along `scatter_dimension`."""
  names = _as_names(axis_name)
  if not names:
    return x
  groups = _canonicalize_groups(axis_index_groups)
  size = _axis_size(names, groups)
  return tree_map(lambda leaf: reduce_scatter_p.bind(
      leaf, scatter_dimension=scatter_dimension, axis_name=names, axis_index_groups=groups,
      axis_size=size, tiled=tiled), x)


# ------------------------------------------------------------------------------------------------
# ppermute: send each participant's value to another


def _no_eager_ppermute():
  return NotImplementedError("Evaluation rule for 'ppermute' not implemented")


def _ppermute_abstract_eval(x, *, axis_name, perm):
  # JAX has no eager rule for ppermute: evaluated outside a mapped context it fails that way
  # before looking at the names (the eager check of types runs this first).
  if isinstance(core._context.trace, core.EvalTrace):
    raise _no_eager_ppermute()
  _check_axis_names(_as_names(axis_name), "ppermute")
  return x


def _ppermute_impl(x, *, axis_name, perm):
  raise _no_eager_ppermute()


ppermute_p = Primitive("ppermute")
ppermute_p.def_impl(_ppermute_impl)
ppermute_p.def_abstract_eval(_ppermute_abstract_eval)
ppermute_p.weak_type_rule = lambda weak, **params: weak
batching.axis_primitives.add(ppermute_p)


def _ppermute_batcher(axis_data, vals, dims, *, axis_name, perm):
  (x,), (d,) = vals, dims
  names = _as_names(axis_name)
  if axis_data.name is None or axis_data.name not in names:
    return ppermute_p.bind(x, axis_name=axis_name, perm=perm), d
  rest = tuple(n for n in names if n != axis_data.name)
  if rest:
    return ppermute_p.bind(x, axis_name=rest, perm=perm), d
  if len(perm) != axis_data.size:
    raise AssertionError("Permutation doesn't match the axis size!")
  if d is None:
    return x, None
  sources = [0] * axis_data.size
  for source, destination in perm:
    sources[destination] = source
  # Element j takes element sources[j]: slices of the batch axis, reassembled in that order.
  shape = core.get_aval(x).shape
  pieces = []
  for source in sources:
    start = [0] * len(shape)
    limit = list(shape)
    start[d], limit[d] = source, source + 1
    pieces.append(lax.slice(x, start, limit))
  return lax.concatenate(pieces, d), d


batching.primitive_batchers[ppermute_p] = _ppermute_batcher
ad.deflinear(ppermute_p, lambda ct, x, *, axis_name, perm: [ppermute_p.bind(
    ct, axis_name=axis_name, perm=tuple((destination, source) for source, destination in perm))])


def ppermute(x, axis_name, perm):
  """Collective permutation: participant `source` sends its `x` to `destination` for each pair
  in `perm`; a participant nobody sends to gets zeros."""
  names = _as_names(axis_name)
  perm = tuple(tuple(map(operator.index, pair)) for pair in perm)
  return tree_map(lambda leaf: ppermute_p.bind(leaf, axis_name=names, perm=perm), x)


# ------------------------------------------------------------------------------------------------
# all_to_all: split an axis across participants and gather the mapped axis into another


def _all_to_all_abstract_eval(x, *, split_axis, concat_axis, axis_name, axis_index_groups, tiled):
  names = _as_names(axis_name)
  _check_axis_names(names, "all_to_all")
  size = _axis_size(names, axis_index_groups)
  shape = list(x.shape)
  if shape[split_axis] % size:
    raise ValueError(f"all_to_all split_axis of size {shape[split_axis]} is not divisible by the "
                     f"size of the named axis {axis_name} ({size})")
  shape[split_axis] //= size
  shape[concat_axis] *= size
  return ShapedArray(shape, x.dtype, False)


def _all_to_all_impl(x, **params):
  _check_axis_names(_as_names(params["axis_name"]), "all_to_all")
  raise _unmapped_context_error("all_to_all")


all_to_all_p = Primitive("all_to_all")
all_to_all_p.def_impl(_all_to_all_impl)
all_to_all_p.def_abstract_eval(_all_to_all_abstract_eval)
all_to_all_p.weak_type_rule = never_weak
batching.axis_primitives.add(all_to_all_p)


def _all_to_all_batcher(axis_data, vals, dims, *, split_axis, concat_axis, axis_name,
                        axis_index_groups, tiled):
  (x,), (d,) = vals, dims
  names = _as_names(axis_name)
  params = dict(axis_name=axis_name, axis_index_groups=axis_index_groups, tiled=tiled)
  if axis_data.name is None or axis_data.name not in names:
    if d is not None:
      split_axis += d <= split_axis
      concat_axis += d <= concat_axis
    return all_to_all_p.bind(x, split_axis=split_axis, concat_axis=concat_axis, **params), d
  if axis_index_groups is not None:
    raise _not_in_vmap("Please open a feature request!")
  if len(names) > 1:
    raise _not_in_vmap("Please open a feature request!")
  size = axis_data.size
  if d is None:
    # As in JAX 0.10.2, an unbatched operand gains the axis size and then its whole shape again
    # as leading axes (its `lax.broadcast(x, (size, *x.shape))`): the result has those axes too.
    x, d = lax.broadcast(x, (size, *core.get_aval(x).shape)), 0
  if split_axis == concat_axis:
    # Split the axis into (chunk, rest), swap the chunk axis with the batch axis, and merge the
    # batch axis (now in the chunk's place) with the rest.
    axis = split_axis + (d <= split_axis)
    out_dim = d
    x = _split_axis(x, axis, size)
    d += axis <= d
    perm = list(range(core.get_aval(x).ndim))
    perm[d], perm[axis] = perm[axis], perm[d]
    x = lax.transpose(x, perm)
    return _fold_axes(x, axis), out_dim
  # Concatenate the batch along concat_axis, then split the new batch off split_axis.
  gathered = _fold_axes(batching.moveaxis(x, d, concat_axis), concat_axis)
  return _split_axis(gathered, split_axis, size), split_axis


def _all_to_all_transpose(ct, x, *, split_axis, concat_axis, axis_name, axis_index_groups,
                          tiled):
  # As JAX does, through the public function: untiled with split_axis != concat_axis, that adds
  # and removes a unit axis the primitive's operand already has, and the cotangent comes out with
  # the wrong shape; so does an unbatched cotangent under vmap (see the batching rule).
  out = all_to_all(ct, axis_name, concat_axis, split_axis, axis_index_groups=axis_index_groups,
                   tiled=tiled)
  got = ShapedArray(core.get_aval(out).shape, core.get_aval(out).dtype)
  if got.shape != x.aval.shape:
    raise ValueError(f"Expected cotangent type {x.aval} but got {got}")
  return [out]


batching.primitive_batchers[all_to_all_p] = _all_to_all_batcher
ad.deflinear(all_to_all_p, _all_to_all_transpose)


def all_to_all(x, axis_name, split_axis: int, concat_axis: int, *, axis_index_groups=None,
               tiled: bool = False):
  """Split axis `split_axis` of `x` across the participants of `axis_name` and gather their
  pieces along `concat_axis` (a new axis unless `tiled`)."""
  groups = _canonicalize_groups(axis_index_groups)

  def bind(leaf, split_axis=split_axis, concat_axis=concat_axis):
    size = _axis_size(axis_name, groups)
    shape = np.shape(leaf) if not isinstance(leaf, Tracer) else leaf.shape
    if tiled:
      if shape[split_axis] % size:
        raise ValueError(f"The size of all_to_all split_axis ({shape[split_axis]}) has to be "
                         f"divisible by the size of the named axis {axis_name} ({size})")
    else:
      if size != shape[split_axis]:
        raise ValueError("all_to_all requires the size of the mapped axis axis_name to equal "
                         f"x.shape[split_axis], but they are {size} and {shape[split_axis]} "
                         "respectively.")
      if split_axis < concat_axis:
        concat_axis += 1  # a position after split_axis is removed
        leaf = lax.expand_dims(leaf, (concat_axis,))
      elif concat_axis < split_axis:
        leaf = lax.expand_dims(leaf, (concat_axis,))
        split_axis += 1
    out = all_to_all_p.bind(leaf, split_axis=split_axis, concat_axis=concat_axis,
                            axis_name=axis_name, axis_index_groups=groups, tiled=tiled)
    if not tiled and split_axis != concat_axis:
      out = lax.squeeze(out, (split_axis,))
    return out
  return tree_map(bind, x)


# ------------------------------------------------------------------------------------------------
# pshuffle and pswapaxes: ppermute and all_to_all with other encodings of their arguments


def pshuffle(x, axis_name, perm):
  """`ppermute` with the permutation given by sources: participant `i` receives the `x` of
  participant `perm[i]`; `perm` must hold every index of the axis exactly once."""
  if set(perm) != set(range(len(perm))):
    raise ValueError(f"`perm` does not represent a permutation: {perm}")
  return ppermute(x, axis_name, list(zip(perm, range(len(perm)))))


def pswapaxes(x, axis_name, axis, *, axis_index_groups=None):
  """Swap the named axis `axis_name` with the positional axis `axis` of `x`, whose size must be
  the (group) size of the named axis: `all_to_all(x, axis_name, axis, axis)`."""
  return all_to_all(x, axis_name, axis, axis, axis_index_groups=axis_index_groups)
