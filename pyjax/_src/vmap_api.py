"""`vmap`: vectorize a function over an axis of its arguments.

The function runs once, on `BatchTracer`s standing for whole batches; each primitive it applies
runs its batching rule (`interpreters/batching.py`). `in_axes` and `out_axes` are tree prefixes of
the positional arguments and of the output, whose leaves are an axis (negative counts from the
end) or None (not mapped).
"""
from __future__ import annotations

import collections
import functools
import inspect
from typing import Any, Callable

import numpy as np

from pyjax._src import core
from pyjax._src.ad_api import _check_callable
from pyjax._src.api import shaped_abstractify
from pyjax._src.interpreters import batching
from pyjax._src.tree_util import (broadcast_prefix, keystr, prefix_errors, tree_flatten,
                                  tree_flatten_with_path, tree_unflatten)


class PytreeLeaf:
  """Stands for each leaf of the arguments when an axis specification is checked against them."""

  def __repr__(self):
    return "pytree leaf"


def _is_none(x) -> bool:
  return x is None


def _broadcast_to_treedef(axis_tree, treedef) -> list | None:
  """One axis per leaf of `treedef` when `axis_tree` (ints and None in tuples, lists and dicts)
  is a prefix of it, else None. Walks the treedef itself: rebuilding the arguments from
  placeholder leaves would run custom nodes' unflatten functions, which may reject them (a
  `RegularGridInterpolator` checks its arrays), and JAX does not rebuild them either."""
  if axis_tree is None or type(axis_tree) is int:
    return [axis_tree] * treedef.num_leaves
  node = treedef.node_data()
  if type(axis_tree) in (tuple, list) and node == (type(axis_tree), None):
    children = list(axis_tree)
  elif (type(axis_tree) is dict and node is not None and node[0] is dict
        and set(node[1]) == set(axis_tree)):
    children = [axis_tree[key] for key in node[1]]
  else:
    return None
  if len(children) != len(treedef.children()):
    return None
  axes = []
  for child, child_def in zip(children, treedef.children()):
    child_axes = _broadcast_to_treedef(child, child_def)
    if child_axes is None:
      return None
    axes.extend(child_axes)
  return axes


def flatten_axes(name: str, treedef, axis_tree, *, kws: bool = False) -> list:
  """One axis per leaf of `treedef`, from `axis_tree` (a prefix of it, with None as a leaf);
  JAX's message for a spec that is not a prefix. With `kws`, `treedef` is of (args, kwargs) and
  the message is about the positional arguments."""
  axes = _broadcast_to_treedef(axis_tree, treedef)
  if axes is not None:
    return axes
  dummy = tree_unflatten(treedef, [PytreeLeaf()] * treedef.num_leaves)
  try:
    return broadcast_prefix(axis_tree, dummy, is_leaf=_is_none)
  except ValueError:
    if kws:
      dummy, axis_tree = dummy[0], axis_tree[0]
    errors = prefix_errors(axis_tree, dummy, is_leaf=_is_none)
    details = "\n  ".join(e(name).args[0] for e in errors)
    raise ValueError(f"{name} specification must be a tree prefix of the corresponding value; \n"
                     f"  Mismatch details ({len(errors)} found):\n  {details}") from None


def _check_axis_spec(what: str, spec) -> None:
  if not all(type(leaf) is int for leaf in tree_flatten(spec, is_leaf=_is_none)[0]
             if leaf is not None):
    raise TypeError(f"vmap {what} must be an int, None, or (nested) container with those types "
                    f"as leaves, but got {spec}.")


def vmap(fun: Callable, in_axes: Any = 0, out_axes: Any = 0, axis_name=None,
         axis_size: int | None = None, spmd_axis_name=None) -> Callable:
  """Vectorize `fun` over the axes `in_axes` of its positional arguments (keyword arguments are
  mapped on axis 0); the results are stacked along `out_axes`. `axis_name` names the mapped
  axis for collectives such as `lax.psum`; `axis_size` is needed when nothing is mapped."""
  _check_callable(fun)
  if spmd_axis_name is not None and not isinstance(spmd_axis_name, tuple):
    spmd_axis_name = (spmd_axis_name,)
  if isinstance(in_axes, list):
    # A tree prefix of the argument tuple is a tuple; lists are accepted in its place.
    in_axes = tuple(in_axes)
  if not (in_axes is None or type(in_axes) in (int, tuple)):
    raise TypeError("vmap in_axes must be an int, None, or a tuple of entries corresponding to "
                    f"the positional arguments passed to the function, but got {in_axes}.")
  _check_axis_spec("in_axes", in_axes)
  _check_axis_spec("out_axes", out_axes)

  @functools.wraps(fun)
  def vmap_f(*args, **kwargs):
    if isinstance(in_axes, tuple) and len(in_axes) != len(args):
      raise ValueError("vmap in_axes must be an int, None, or a tuple of entries corresponding "
                       "to the positional arguments passed to the function, but got "
                       f"len(in_axes)={len(in_axes)}, len(args)={len(args)}")
    args_flat, in_tree = tree_flatten((args, kwargs))
    in_axes_flat = flatten_axes("vmap in_axes", in_tree, (in_axes, 0), kws=True)
    size = _mapped_axis_size(fun, in_tree, args_flat, in_axes_flat, axis_size)
    axis_data = batching.AxisData(axis_name, size, spmd_axis_name)
    trace = batching.BatchTrace(core.current_trace(), axis_data)
    in_vals = [x if d is None else batching.BatchTracer(
        trace, batching.as_array(x), batching.canonicalize_axis(d, np.ndim(x)))
               for x, d in zip(args_flat, in_axes_flat)]
    try:
      with core.set_current_trace(trace), core.extend_axis_env(
          {} if axis_name is None else {axis_name: size}):
        py_args, py_kwargs = tree_unflatten(in_tree, in_vals)
        out = fun(*py_args, **py_kwargs)
      out_flat, out_tree = tree_flatten(out)
      out_axes_flat = flatten_axes("vmap out_axes", out_tree, out_axes)
      with core.set_current_trace(trace.parent):
        results = [_match_output(trace, i, x, dst, out_tree, out_axes_flat)
                   for i, (x, dst) in enumerate(zip(out_flat, out_axes_flat))]
    finally:
      trace.invalidate()
    return tree_unflatten(out_tree, results)

  return vmap_f


def _match_output(trace, i, x, dst, out_tree, out_axes_flat):
  val, src = trace.to_batch_info(x)
  try:
    return batching.matchaxis(trace.axis_data, src, dst, val)
  except batching.SpecMatchError:
    full = tree_unflatten(out_tree, out_axes_flat)
    path, _ = tree_flatten_with_path(full, is_leaf=_is_none)[0][i]
    raise ValueError(f"at vmap out_axes{keystr(path)}, got axis spec {dst} but output was "
                     f"batched on axis {src}") from None


def _mapped_axis_size(fun, tree, vals, dims, axis_size):
  """The size of the mapped axis, from the mapped arguments (which must agree) and `axis_size`;
  JAX's messages naming each argument otherwise."""
  if not vals:
    if axis_size is not None:
      return axis_size
    args, kwargs = tree_unflatten(tree, vals)
    raise ValueError("vmap wrapped function must be passed at least one argument containing an "
                     "array or axis_size must be specified, got empty "
                     f"*args={args} and **kwargs={kwargs}")

  def size_of(x, axis):
    shape = np.shape(x) if not isinstance(x, (core.Tracer,)) else x.shape
    try:
      return shape[axis]
    except IndexError:
      min_rank = axis + 1 if axis >= 0 else -axis
      raise ValueError(f"vmap was requested to map its argument along axis {axis}, which "
                       f"implies that its rank should be at least {min_rank}, but is only "
                       f"{len(shape)} (its shape is {shape})") from None

  mapped_sizes = [None if d is None else size_of(x, d) for x, d in zip(vals, dims)]
  sizes = {s for s in mapped_sizes if s is not None}
  if axis_size is not None:
    sizes.add(axis_size)
  if len(sizes) == 1:
    return sizes.pop()
  if not sizes:
    raise ValueError("vmap must have at least one non-None value in in_axes or axis_size must "
                     "be specified")

  args, kwargs = tree_unflatten(tree, vals)
  try:
    parameters = list(inspect.signature(fun).bind(*args, **kwargs).signature.parameters)
  except (TypeError, ValueError):
    parameters = None

  def arg_name(path):
    if parameters is None or path[0].idx >= len(parameters):
      return f"args{keystr(path)}"
    return f"argument {parameters[path[0].idx]}{keystr(path[1:])}"

  def type_of(x):
    try:
      return shaped_abstractify(x).str_short(short_dtypes=False)
    except TypeError:
      return "unknown"

  names = ([f"{arg_name(p)} of type {type_of(x)}" for p, x in tree_flatten_with_path(args)[0]]
           + [f"kwargs{keystr(p)} of type {type_of(x)}"
              for p, x in tree_flatten_with_path(kwargs)[0]])
  counts = collections.Counter(s for s in mapped_sizes if s is not None).most_common()
  first = {}
  for i, s in enumerate(mapped_sizes):
    if s is not None:
      first.setdefault(s, i)
  lines = ["vmap got inconsistent sizes for array axes to be mapped:\n"]
  if axis_size is not None:
    lines.append(f"  * the `axis_size` argument was {axis_size};\n")
  for k, (size, count) in enumerate(counts):
    where, axis = names[first[size]], dims[first[size]]
    if count == 1:
      lines.append(f"  * one axis had size {size}: axis {axis} of {where};\n")
    elif k == 0:
      lines.append(f"  * most axes ({count} of them) had size {size}, e.g. axis {axis} of "
                   f"{where};\n")
    else:
      lines.append(f"  * some axes ({count} of them) had size {size}, e.g. axis {axis} of "
                   f"{where};\n")
  raise ValueError("".join(lines)[:-2])
