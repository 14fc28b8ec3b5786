"""Functional helpers of `jax.numpy` built on `vmap`: vectorize, piecewise, select,
apply_along_axis, apply_over_axes, fromfunction."""
from __future__ import annotations

import functools
import operator
import re
from typing import Callable

import numpy as np

from pyjax._src import dtypes
from pyjax._src.lax import lax
from pyjax._src.lax.control_flow import switch
from pyjax._src.numpy import ufuncs
from pyjax._src.numpy.creation import arange, asarray
from pyjax._src.numpy.lax_numpy import (broadcast_shapes, broadcast_to, expand_dims, ravel,
                                        reshape, squeeze, where)
from pyjax._src.numpy.util import (asarray_or_scalar, canonicalize_axis, check_arraylike,
                                   promote_dtypes)

__all__ = ["vectorize", "piecewise", "select", "apply_along_axis", "apply_over_axes",
           "fromfunction"]

_DIMENSION = r"\w+"
_CORE_DIMS = rf"(?:{_DIMENSION}(?:,{_DIMENSION})*)?"
_ARGUMENT = rf"\({_CORE_DIMS}\)"
_ARGUMENT_LIST = rf"{_ARGUMENT}(?:,{_ARGUMENT})*"
_SIGNATURE = rf"^{_ARGUMENT_LIST}->{_ARGUMENT_LIST}$"


def _vmap():
  from pyjax._src.vmap_api import vmap
  return vmap


def _parse_signature(signature: str):
  """'(m,n),(n)->(m)' -> ([('m', 'n'), ('n',)], [('m',)])."""
  compact = signature.replace(" ", "")
  if not re.match(_SIGNATURE, compact):
    raise ValueError(f"not a valid gufunc signature: {signature}")
  inputs, outputs = ([tuple(re.findall(_DIMENSION, arg)) for arg in re.findall(_ARGUMENT, part)]
                     for part in compact.split("->"))
  return inputs, outputs


def _record_core_sizes(sizes: dict, shape, core_dims, context, *, is_input: bool):
  if is_input and len(shape) < len(core_dims):
    raise ValueError(f"input with shape {shape!r} does not have enough dimensions for all core "
                     f"dimensions {core_dims!r} {context}")
  if not is_input and len(shape) != len(core_dims):
    raise ValueError(f"output shape {shape!r} does not match core dimensions {core_dims!r} "
                     f"{context}")
  core_shape = shape[len(shape) - len(core_dims):]
  for dim, size in zip(core_dims, core_shape):
    if dim in sizes and sizes[dim] != size:
      raise ValueError(f"inconsistent size for core dimension {dim!r}: {size!r} vs "
                       f"{sizes[dim]!r} {context}")
    sizes[dim] = size


def _bind_excluded(func, excluded, args, kwargs):
  """`func` with the excluded positional and keyword arguments fixed, and the rest of the
  positional arguments. Keyword arguments that are not excluded are dropped, as in JAX."""
  if not excluded:
    return func, args
  static = {i: args[i] for i in sorted(e for e in excluded if isinstance(e, int))
            if i < len(args)}
  static_kwargs = {k: v for k, v in kwargs.items() if k in excluded}
  dynamic = [a for i, a in enumerate(args) if i not in static]

  def bound(*dynamic_args):
    merged, it = [], iter(dynamic_args)
    for i in range(len(dynamic_args) + len(static)):
      merged.append(static[i] if i in static else next(it))
    return func(*merged, **static_kwargs)
  return bound, dynamic


def vectorize(pyfunc: Callable, *, excluded=frozenset(), signature: str | None = None):
  """`pyfunc` applied across the leading (broadcast) dimensions of its array arguments with
  vmap; `signature` ('(n),(n)->()') names the core dimensions each call sees, and the
  positions or names in `excluded` are passed through unvectorized."""
  if any(not isinstance(e, (str, int)) for e in excluded):
    raise TypeError("jax.numpy.vectorize can only exclude integer or string arguments, but "
                    f"excluded={excluded!r}")
  if any(isinstance(e, int) and e < 0 for e in excluded):
    raise ValueError(f"excluded={excluded!r} contains negative numbers")

  @functools.wraps(pyfunc)
  def wrapped(*args, **kwargs):
    context = f"on vectorized function with excluded={excluded!r} and signature={signature!r}"
    func, args = _bind_excluded(pyfunc, excluded, args, kwargs)
    if signature is not None:
      input_core, output_core = _parse_signature(signature)
    else:
      input_core, output_core = [()] * len(args), None
    nones = {i for i, a in enumerate(args) if a is None}
    if nones:
      if any(input_core[i] != () for i in nones if i < len(input_core)):
        raise ValueError(f"Cannot pass None at locations {nones} with signature={signature!r}")
      func, args = _bind_excluded(func, nones, args, {})
      input_core = [d for i, d in enumerate(input_core) if i not in nones]
    if len(args) != len(input_core):
      raise TypeError(f"wrong number of positional arguments: expected {len(input_core)!r}, "
                      f"got {len(args)!r} {context}")
    args = [asarray(a) for a in args]
    sizes: dict = {}
    for arg, core in zip(args, input_core):
      _record_core_sizes(sizes, arg.shape, core, context, is_input=True)
    loop_shapes = [a.shape[:a.ndim - len(core)] for a, core in zip(args, input_core)]
    loop_shape = broadcast_shapes(*loop_shapes) if loop_shapes else ()
    if output_core is not None:
      func = _checking_outputs(func, sizes, output_core, context)
    # vmap once per loop dimension, innermost first; an argument of size 1 (or missing) there is
    # not mapped, so nothing is broadcast in memory.
    squeezed = [squeeze(a, tuple(i for i, d in enumerate(s) if d == 1))
                for a, s in zip(args, loop_shapes)]
    padded = [(1,) * (len(loop_shape) - len(s)) + tuple(s) for s in loop_shapes]
    vectorized, missing = func, []
    for dim in range(len(loop_shape) - 1, -1, -1):
      in_axes = tuple(None if p[dim] == 1 else 0 for p in padded)
      if all(a is None for a in in_axes):
        missing.append(dim)
      else:
        vectorized = _vmap()(vectorized, in_axes)
    result = vectorized(*squeezed)
    if not missing:
      return result
    # Loop dimensions where every argument has size 1 were never mapped: restore them.
    expand = lambda r: expand_dims(r, tuple(sorted(missing)))  # noqa: E731
    return tuple(map(expand, result)) if isinstance(result, tuple) else expand(result)
  return wrapped


def _checking_outputs(func, sizes, output_core, context):
  def checked(*args):
    out = func(*args)
    outs = out if isinstance(out, tuple) else (out,)
    if len(output_core) > 1 and not isinstance(out, tuple):
      raise TypeError("output must be a tuple when multiple outputs are expected, got: "
                      f"{out!r}\n{context}")
    if len(outs) != len(output_core):
      raise TypeError(f"wrong number of output arguments: expected {len(output_core)!r}, got "
                      f"{len(outs)!r} {context}")
    known = dict(sizes)
    for o, core in zip(outs, output_core):
      _record_core_sizes(known, np.shape(o), core, context, is_input=False)
    return out
  return checked


def piecewise(x, condlist, funclist, *args, **kw):
  """Per element of `x`, the value of the function (or constant) paired with the last true
  condition, or of the extra last function (default 0) where none holds. Each function is
  called on single elements (through vmap) with `*args, **kw`; results take `x`'s dtype."""
  check_arraylike("piecewise", x)
  x = asarray_or_scalar(x)
  conditions = asarray(condlist, dtype=np.bool_)
  if conditions.ndim == 0:
    conditions = reshape(conditions, (1,))
  num_conditions, num_funcs = conditions.shape[0], len(funclist)
  if num_funcs == num_conditions + 1:
    funclist = [funclist[-1], *funclist[:-1]]
  elif num_funcs == num_conditions:
    funclist = [0, *funclist]
  else:
    raise ValueError(f"with {num_conditions} condition(s), either {num_conditions} or "
                     f"{num_conditions + 1} functions are expected; got {num_funcs}")
  conditions = broadcast_to(conditions, (num_conditions, *x.shape))
  # Branch k+1 for the last true condition k; branch 0 (the "otherwise" value) where none is.
  ranks = lax.mul(lax.convert_element_type(conditions, np.int32),
                  lax.broadcasted_iota(np.int32, conditions.shape, 0) + 1)
  index = lax.reduce_max(ranks, (0,)) if num_conditions else lax.full(x.shape, 0, np.int32)
  dtype = x.dtype

  def branch(f):
    if callable(f):
      return lambda v: lax.convert_element_type(asarray(f(v, *args, **kw)), dtype)
    value = asarray(f, dtype=dtype)
    return lambda v: value
  branches = [branch(f) for f in funclist]
  per_element = _vmap()(lambda i, v: switch(i, branches, v))
  return reshape(per_element(ravel(index), ravel(x)), x.shape)


def select(condlist, choicelist, default=0):
  """Elementwise, the choice paired with the first true condition, else `default`."""
  if len(condlist) != len(choicelist):
    raise ValueError("condlist must have length equal to choicelist "
                     f"({len(condlist)} vs {len(choicelist)})")
  if len(condlist) == 0:
    raise ValueError("condlist must be non-empty")
  check_arraylike("select", *condlist, *choicelist, default)
  choices = promote_dtypes(default, *choicelist)
  conditions = [c if asarray_or_scalar(c).dtype == np.bool_ else ufuncs.not_equal(c, 0)
                for c in condlist]
  shape = broadcast_shapes(*(np.shape(v) for v in (*conditions, *choices)))
  out = broadcast_to(choices[0], shape)
  for condition, choice in reversed(list(zip(conditions, choices[1:]))):
    out = where(broadcast_to(condition, shape), broadcast_to(choice, shape), out)
  return out


def apply_along_axis(func1d: Callable, axis: int, arr, *args, **kwargs):
  """`func1d` applied to each 1-D slice of `arr` along `axis` (with vmap over the other
  dimensions); the dimensions `func1d` returns replace `axis`."""
  check_arraylike("apply_along_axis", arr)
  arr = asarray_or_scalar(arr)
  axis = canonicalize_axis(axis, arr.ndim)
  func = lambda a: func1d(a, *args, **kwargs)  # noqa: E731
  vmap = _vmap()
  for i in range(1, arr.ndim - axis):
    func = vmap(func, in_axes=i, out_axes=-1)
  for _ in range(axis):
    func = vmap(func, in_axes=0, out_axes=0)
  return func(arr)


def apply_over_axes(func: Callable, a, axes):
  """`func(a, axis)` applied for each axis in turn, keeping a reduced axis as size 1."""
  check_arraylike("apply_over_axes", a)
  a = asarray_or_scalar(a)
  for axis in ([axes] if isinstance(axes, (int, np.integer)) else axes):
    b = func(a, axis)
    if b.ndim == a.ndim:
      a = b
    elif b.ndim == a.ndim - 1:
      a = expand_dims(b, axis)
    else:
      raise ValueError("function is not returning an array of the correct shape")
  return a


def fromfunction(function: Callable, shape, *, dtype=float, **kwargs):
  """The array whose element at index (i, j, ...) is `function(i, j, ...)`, with the indices
  in `dtype`; `function` is called on single indices through vmap."""
  shape = tuple(operator.index(d) for d in ((shape,) if isinstance(shape, int) else shape))
  vmap = _vmap()
  for i in range(len(shape)):
    in_axes = [0 if i == j else None for j in range(len(shape))]
    function = vmap(function, in_axes=tuple(in_axes[::-1]))
  dtype = dtypes.canonicalize_dtype(dtype)
  return function(*(arange(s, dtype=dtype) for s in shape), **kwargs)
