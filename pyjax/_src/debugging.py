"""Looking inside traced code: `debug.print`, `debug.callback`, `debug.breakpoint` and
`pure_callback`. Each is a primitive, so it is staged into jaxprs and runs when the program runs
(not when it is traced), with the values of that run."""
from __future__ import annotations

import code
import inspect
from typing import Any, Callable

import numpy as np

from pyjax._src import tree_util
from pyjax._src.array import Array
from pyjax._src.avals import ShapedArray
from pyjax._src.core import Primitive, Tracer
from pyjax._src.interpreters import ad, batching


def _host_values(values):
  """Operands as NumPy values for a Python callback (Arrays are unwrapped, read-only)."""
  return [np.asarray(v) if isinstance(v, Array) else v for v in values]


# ------------------------------------------------------------------------------------------------
# debug.print

debug_print_p = Primitive("debug_print", multiple_results=True)


def _format(fmt: str, in_tree, values, np_printoptions) -> str:
  args, kwargs = tree_util.tree_unflatten(in_tree, _host_values(values))
  with np.printoptions(**dict(np_printoptions)):
    return fmt.format(*args, **kwargs)


def _debug_print_impl(*values, fmt, has_placeholders, in_tree, logging_record, np_printoptions,
                      ordered, partitioned, static_args):
  print(_format(fmt, in_tree, values, np_printoptions) if has_placeholders else fmt)
  return []


debug_print_p.def_impl(_debug_print_impl)
debug_print_p.def_abstract_eval(lambda *avals, **params: [])
debug_print_p.weak_type_rule = lambda *weak_types, **params: []


def debug_print(fmt: str, *args, ordered: bool = False, partitioned: bool = False, **kwargs):
  """Print `fmt.format(*args, **kwargs)` with the runtime values of traced arrays (under `jit`
  it prints every time the compiled function runs, not when it is traced)."""
  flat, in_tree = tree_util.tree_flatten((args, kwargs))
  options = tuple(np.get_printoptions().items())
  debug_print_p.bind(*flat, fmt=fmt, has_placeholders="{" in fmt, in_tree=in_tree,
                     logging_record=None, np_printoptions=options, ordered=ordered,
                     partitioned=partitioned, static_args=())


# ------------------------------------------------------------------------------------------------
# debug.callback

debug_callback_p = Primitive("debug_callback", multiple_results=True)


class _FlatCallback:
  """A user callback taking the unflattened (args, kwargs) of a flat list of operands."""

  def __init__(self, callback_func: Callable, in_tree):
    self.callback_func = callback_func
    self.in_tree = in_tree

  def __call__(self, *flat_values):
    args, kwargs = tree_util.tree_unflatten(self.in_tree, _host_values(flat_values))
    return self.callback_func(*args, **kwargs)

  def __repr__(self):
    return f"_FlatCallback(callback_func={self.callback_func!r}, in_tree={self.in_tree!r})"


def _debug_callback_impl(*values, callback, effect, partitioned):
  callback(*values)
  return []


debug_callback_p.def_impl(_debug_callback_impl)
debug_callback_p.def_abstract_eval(lambda *avals, **params: [])
debug_callback_p.weak_type_rule = lambda *weak_types, **params: []


def debug_callback(callback: Callable, *args, ordered: bool = False, partitioned: bool = False,
                   **kwargs) -> None:
  """Call `callback(*args, **kwargs)` with NumPy values when the program runs; its return value
  is ignored. For side effects such as logging."""
  flat, in_tree = tree_util.tree_flatten((args, kwargs))
  debug_callback_p.bind(*flat, callback=_FlatCallback(callback, in_tree),
                        effect="OrderedDebug" if ordered else "Debug", partitioned=partitioned)


# ------------------------------------------------------------------------------------------------
# debug.breakpoint

# The interactive console used by `breakpoint` (a seam for tests and other front ends).
interact: Callable = code.interact


def breakpoint(*, backend: str | None = None, filter_frames: bool = True,  # noqa: A001
               num_frames: int | None = None, ordered: bool = False, token=None, **kwargs):
  """Stop when the program runs and open an interactive console whose namespace holds the
  calling function's local arrays (with their runtime values) and other locals. Exit the
  console (Ctrl-D) to continue."""
  caller = inspect.currentframe().f_back
  local_names = list(caller.f_locals)
  arrays = {k: v for k, v in caller.f_locals.items()
            if isinstance(v, (Array, Tracer, np.ndarray))}
  others = {k: v for k, v in caller.f_locals.items() if k not in arrays}
  where = f"{caller.f_code.co_name} at {caller.f_code.co_filename}:{caller.f_lineno}"

  def open_console(values: dict):
    namespace = {**others, **values}
    interact(banner=f"pyjax.debug.breakpoint in {where}\nLocals: {', '.join(local_names)}",
             local=namespace, exitmsg="")
  debug_callback(open_console, arrays, ordered=ordered)
  return token


# ------------------------------------------------------------------------------------------------
# pure_callback

pure_callback_p = Primitive("pure_callback", multiple_results=True)

_VMAP_METHODS = ("sequential", "sequential_unrolled", "expand_dims", "broadcast_all",
                 "legacy_vectorized")


def _pure_callback_impl(*values, callback, result_avals, sharding, vmap_method):
  results = callback(*values)
  flat = tree_util.tree_leaves(results)
  if len(flat) != len(result_avals):
    raise TypeError(f"Callback func {callback.callback_func} should have returned "
                    f"{len(result_avals)} outputs, but it returned {len(flat)}.")
  out = []
  for value, aval in zip(flat, result_avals):
    value = np.asarray(value)
    if value.shape != aval.shape or value.dtype != aval.dtype:
      raise RuntimeError(
          "Incorrect output shape or dtype for pure_callback: expected "
          f"{aval.str_short(short_dtypes=False)} but the callback returned "
          f"{value.dtype.name}{list(value.shape)}. Make `result_shape_dtypes` match what the "
          "callback returns (cast inside the callback if needed).")
    out.append(value)
  return out


pure_callback_p.def_impl(_pure_callback_impl)
pure_callback_p.def_abstract_eval(lambda *avals, result_avals, **params: list(result_avals))
pure_callback_p.weak_type_rule = lambda *weak_types, result_avals, **params: [
    False] * len(result_avals)


def pure_callback(callback: Callable, result_shape_dtypes: Any, *args, sharding=None,
                  vmap_method: str | None = None, **kwargs):
  """Call a pure Python function on NumPy values from inside traced code. `result_shape_dtypes`
  (a pytree of objects with `.shape` and `.dtype`) says what it returns; `vmap_method` says how to
  batch it ('sequential' calls it once per example; 'expand_dims'/'broadcast_all' pass the whole
  batch, the former keeping unbatched inputs with a size-1 axis)."""
  if vmap_method is not None and vmap_method not in _VMAP_METHODS:
    raise ValueError(f"vmap_method must be one of the allowed methods {_VMAP_METHODS}, but got: "
                     f"{vmap_method}")
  flat, in_tree = tree_util.tree_flatten((args, kwargs))
  result_leaves, out_tree = tree_util.tree_flatten(result_shape_dtypes)
  result_avals = tuple(ShapedArray(np.shape(r), np.dtype(r.dtype)) for r in result_leaves)
  outs = pure_callback_p.bind(*flat, callback=_FlatCallback(callback, in_tree),
                              result_avals=result_avals, sharding=sharding,
                              vmap_method=vmap_method)
  return tree_util.tree_unflatten(out_tree, outs)



# ------------------------------------------------------------------------------------------------
# --- batching. A debug print or callback under vmap runs once per batch element, in order, with
# that element's values. A pure_callback batches as its `vmap_method` says.


def _element(x, dim, index: int):
  """Element `index` of a value batched along `dim` (None: the value itself)."""
  from pyjax._src.lax import lax
  return x if dim is None else lax.index_in_dim(x, index, dim, keepdims=False)


def _per_element_batcher(primitive):
  def rule(axis_data, vals, dims, **params):
    for i in range(axis_data.size):
      primitive.bind(*(_element(x, d, i) for x, d in zip(vals, dims)), **params)
    return [], []
  return rule


batching.primitive_batchers[debug_print_p] = _per_element_batcher(debug_print_p)
batching.primitive_batchers[debug_callback_p] = _per_element_batcher(debug_callback_p)


# --- differentiation. A debug print or callback sees the primal values and has no outputs, so
# there is nothing to differentiate: under jvp and grad it runs once, on the primals.


def _primal_only_jvp(primitive):
  def rule(primals, tangents, **params):
    primitive.bind(*primals, **params)
    return [], []
  return rule


ad.primitive_jvps[debug_print_p] = _primal_only_jvp(debug_print_p)
ad.primitive_jvps[debug_callback_p] = _primal_only_jvp(debug_callback_p)


def _pure_callback_jvp(primals, tangents, **params):
  raise ValueError("Pure callbacks do not support JVP. Please use `jax.custom_jvp` to use "
                   "callbacks while taking gradients.")


ad.primitive_jvps[pure_callback_p] = _pure_callback_jvp


def _pure_callback_batcher(axis_data, vals, dims, *, callback, result_avals, sharding,
                           vmap_method):
  from pyjax._src.lax import lax
  size = axis_data.size
  params = dict(callback=callback, sharding=sharding, vmap_method=vmap_method)
  if vmap_method in ("sequential", "sequential_unrolled"):
    from pyjax._src.lax.control_flow import map as lax_map
    batched = [i for i, d in enumerate(dims) if d is not None]

    def one(element_vals):
      args = list(vals)
      for i, v in zip(batched, element_vals):
        args[i] = v
      return pure_callback_p.bind(*args, result_avals=result_avals, **params)
    if vmap_method == "sequential":
      outs = lax_map(one, [batching.moveaxis(vals[i], dims[i], 0) for i in batched])
    else:
      per_element = [one([_element(vals[i], dims[i], k) for i in batched]) for k in range(size)]
      outs = [lax.concatenate([lax.expand_dims(e[j], (0,)) for e in per_element], 0)
              for j in range(len(result_avals))]
    return list(outs), [0] * len(result_avals)
  if vmap_method == "expand_dims":
    args = [batching.expand_dims(x, 0) if d is None else batching.moveaxis(x, d, 0)
            for x, d in zip(vals, dims)]
  elif vmap_method == "broadcast_all":
    args = [batching.bdim_at_front(x, d, size) for x, d in zip(vals, dims)]
  elif vmap_method == "legacy_vectorized":
    args = [x if d is None else batching.moveaxis(x, d, 0) for x, d in zip(vals, dims)]
  else:
    raise NotImplementedError(
        "vmap is only supported for the pure_callback primitive when vmap_method is one of "
        "'sequential', 'sequential_unrolled', 'expand_dims', 'broadcast_all', or "
        f"'legacy_vectorized'. Got vmap_method={vmap_method}.")
  batched_avals = tuple(ShapedArray((size, *a.shape), a.dtype, a.weak_type) for a in result_avals)
  outs = pure_callback_p.bind(*args, result_avals=batched_avals, **params)
  return outs, [0] * len(outs)


batching.primitive_batchers[pure_callback_p] = _pure_callback_batcher
