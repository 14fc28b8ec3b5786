"""User-facing transformations and utilities that are not numerical functions: `make_jaxpr`,
`device_put`, `device_get`, `block_until_ready`, `ensure_compile_time_eval`."""
from __future__ import annotations

import functools
import inspect
from typing import Callable, Sequence

import numpy as np

from pyjax._src import core, tree_util
from pyjax._src.array import Array
from pyjax._src.avals import ShapedArray
from pyjax._src.core import DebugInfo, Tracer
from pyjax._src.interpreters import staging


def _arg_names(fun: Callable, args: tuple, kwargs: dict, static_argnums=()) -> tuple:
  """Names of the flattened arguments as JAX prints them in errors: `x`, `args[0]`, `p['w']`."""
  try:
    signature = inspect.signature(fun)
    bound = signature.bind(*args, **kwargs)
  except (TypeError, ValueError):
    bound = None
  names = []
  if bound is None:
    for i, arg in enumerate(args):
      if i in static_argnums:
        continue
      for path, _ in tree_util.tree_flatten_with_path(arg)[0]:
        names.append(f"args[{i}]{tree_util.keystr(path)}")
    for key, arg in sorted(kwargs.items()):
      for path, _ in tree_util.tree_flatten_with_path(arg)[0]:
        names.append(f"{key}{tree_util.keystr(path)}")
    return tuple(names)
  position = 0
  for name, value in bound.arguments.items():
    kind = signature.parameters[name].kind
    if kind == inspect.Parameter.VAR_POSITIONAL:
      for i, v in enumerate(value):
        if position + i not in static_argnums:
          for path, _ in tree_util.tree_flatten_with_path(v)[0]:
            names.append(f"{name}[{i}]{tree_util.keystr(path)}")
      position += len(value)
      continue
    if kind == inspect.Parameter.VAR_KEYWORD:
      for key, v in sorted(value.items()):
        for path, _ in tree_util.tree_flatten_with_path(v)[0]:
          names.append(f"{name}['{key}']{tree_util.keystr(path)}")
      continue
    if position not in static_argnums:
      for path, _ in tree_util.tree_flatten_with_path(value)[0]:
        names.append(f"{name}{tree_util.keystr(path)}")
    position += 1
  return tuple(names)


def debug_info(traced_for: str, fun: Callable, args: tuple, kwargs: dict,
               static_argnums: Sequence[int] = ()) -> DebugInfo:
  return DebugInfo(traced_for, staging.func_src_info(fun),
                   _arg_names(fun, args, kwargs, tuple(static_argnums)))


def shaped_abstractify(x) -> ShapedArray:
  """The abstract value of a function argument (an error naming the value if it is not an
  array)."""
  if isinstance(x, (Tracer, Array)):
    return x.aval
  if isinstance(x, ShapeDtypeStruct):
    return ShapedArray(x.shape, x.dtype, x.weak_type)
  try:
    return core.get_aval(x)
  except TypeError:
    raise TypeError(f"Argument '{x!r}' of type {type(x)} is not a valid JAX type.") from None


def make_jaxpr(fun: Callable, static_argnums: int | Sequence[int] = (), axis_env=None,
               return_shape: bool = False, abstracted_axes=None) -> Callable:
  """A function that traces `fun` on example arguments and returns its jaxpr (a ClosedJaxpr), and
  with `return_shape=True` also the output's shape/dtype structure."""
  if isinstance(static_argnums, int):
    static_argnums = (static_argnums,)
  static_argnums = tuple(static_argnums)

  @functools.wraps(fun)
  def make_jaxpr_f(*args, **kwargs):
    dynamic = [a for i, a in enumerate(args) if i not in static_argnums]
    flat_args, in_tree = tree_util.tree_flatten((dynamic, kwargs))
    in_avals = [shaped_abstractify(x) for x in flat_args]
    out_tree = None

    def flat_fun(*flat):
      nonlocal out_tree
      dyn, kw = tree_util.tree_unflatten(in_tree, flat)
      dyn = iter(dyn)
      full = [a if i in static_argnums else next(dyn) for i, a in enumerate(args)]
      out = fun(*full, **kw)
      leaves, out_tree = tree_util.tree_flatten(out)
      return leaves

    info = debug_info("make_jaxpr", fun, args, kwargs, static_argnums)
    with core.extend_axis_env(dict(axis_env or ())):
      jaxpr, consts = staging.trace_to_jaxpr(flat_fun, in_avals, info)
    closed = core.ClosedJaxpr(jaxpr, consts)
    if return_shape:
      shapes = [ShapeDtypeStruct(v.aval.shape, v.aval.dtype, weak_type=v.aval.weak_type)
                for v in jaxpr.outvars]
      return closed, tree_util.tree_unflatten(out_tree, shapes)
    return closed

  make_jaxpr_f.__name__ = f"make_jaxpr({getattr(fun, '__name__', repr(fun))})"
  return make_jaxpr_f


class ShapeDtypeStruct:
  """A shape and dtype standing in for an array (as returned by `eval_shape`)."""
  __slots__ = ("shape", "dtype", "weak_type", "sharding")

  def __init__(self, shape, dtype, *, weak_type: bool = False, sharding=None):
    self.shape = tuple(shape)
    self.dtype = np.dtype(dtype)
    self.weak_type = weak_type
    self.sharding = sharding

  ndim = property(lambda self: len(self.shape))
  size = property(lambda self: int(np.prod(self.shape, dtype=np.int64)))

  def __repr__(self):
    weak = ", weak_type=True" if self.weak_type else ""
    return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name}{weak})"

  def __eq__(self, other):
    return (isinstance(other, ShapeDtypeStruct) and self.shape == other.shape
            and self.dtype == other.dtype and self.weak_type == other.weak_type)

  def __hash__(self):
    return hash((self.shape, self.dtype, self.weak_type))


def device_put(x, device=None, *, src=None, donate=False, may_alias=None):
  """Put each leaf of `x` on the device as an Array (pyjax has one device: the CPU)."""
  def put(leaf):
    if isinstance(leaf, (Array, Tracer)):
      return leaf
    value, weak = core.canonicalize_value(leaf)
    return Array(np.array(value, copy=True), weak)
  return tree_util.tree_map(put, x)


def device_get(x):
  """Each Array leaf of `x` as a NumPy array (other leaves as they are)."""
  def get(leaf):
    if isinstance(leaf, Array):
      return np.asarray(leaf)
    return leaf
  return tree_util.tree_map(get, x)


def block_until_ready(x):
  """Wait for every Array in `x` (pyjax computes eagerly, so this only checks liveness)."""
  def block(leaf):
    if hasattr(leaf, "block_until_ready"):
      leaf.block_until_ready()
    return leaf
  tree_util.tree_map(block, x)
  return x


class ensure_compile_time_eval:
  """Context manager under which operations run eagerly even inside a traced function, so their
  values are concrete (only works on values that do not depend on traced arguments)."""

  def __enter__(self):
    self._setter = core.set_current_trace(core.eval_trace)
    self._setter.__enter__()

  def __exit__(self, *exc):
    self._setter.__exit__(*exc)


def typeof(x) -> ShapedArray:
  """The abstract value (shape, dtype, weak type) of `x`."""
  return core.get_aval(x)
