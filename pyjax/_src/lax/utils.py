"""Helpers shared by the lax primitive modules: building primitives from shape/dtype rules and
checking operand dtypes with JAX's messages."""
from __future__ import annotations

import operator
from typing import Callable, Sequence

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.avals import ShapedArray
from pyjax._src.core import Primitive, Tracer, standard_weak_type_rule


def standard_primitive(name: str, shape_rule: Callable, dtype_rule: Callable, impl: Callable,
                       weak_type_rule: Callable = standard_weak_type_rule) -> Primitive:
  """A single-result primitive whose abstract evaluation is composed of shape, dtype and weak-type
  rules; eager execution uses the same weak-type rule, so both agree."""
  p = Primitive(name)
  p.weak_type_rule = weak_type_rule

  def abstract_eval(*avals, **params):
    return ShapedArray(shape_rule(*avals, **params), dtype_rule(*avals, **params),
                       weak_type_rule(*(a.weak_type for a in avals), **params))

  p.def_abstract_eval(abstract_eval)
  p.def_impl(impl)
  return p


def never_weak(*weak_types, **params) -> bool:
  return False


def first_operand_weak(weak, *rest, **params) -> bool:
  return weak


# Dtype categories, in the order JAX names them in messages.
FLOATING = (np.floating,)
COMPLEX = (np.complexfloating,)
INEXACT = (np.floating, np.complexfloating)
INTEGER = (np.integer,)
BOOL = (np.bool_,)
ANY = None

_CATEGORY_NAMES = {np.floating: "floating", np.complexfloating: "complexfloating",
                   np.integer: "integer", np.bool_: "bool", np.signedinteger: "signedinteger",
                   np.unsignedinteger: "unsignedinteger", np.number: "number"}


def check_dtype(name: str, dtype, accepted, position: int | None = None) -> None:
  if accepted is None or any(dtypes.issubdtype(dtype, c) for c in accepted):
    return
  names = ", ".join(_CATEGORY_NAMES.get(c) or np.dtype(c).name for c in accepted)
  if position is None:
    raise TypeError(f"{name} does not accept dtype {np.dtype(dtype).name}. Accepted dtypes are "
                    f"subtypes of {names}.")
  raise TypeError(f"{name} does not accept dtype {np.dtype(dtype).name} at position {position}. "
                  f"Accepted dtypes at position {position} are subtypes of {names}.")


def check_same_dtypes(name: str, avals: Sequence[ShapedArray], numpy_name: str | None) -> None:
  first = avals[0].dtype
  if any(a.dtype != first for a in avals[1:]):
    got = ", ".join(a.dtype.name for a in avals)
    tip = (f" (Tip: jnp.{numpy_name} is a similar function that does automatic type promotion "
           f"on inputs).") if numpy_name else ""
    raise TypeError(f"lax.{name} requires arguments to have the same dtypes, got {got}.{tip}")


def broadcasting_shape(name: str, *shapes: tuple) -> tuple:
  """Result shape of an n-ary elementwise op: rank-0 operands broadcast; the others need equal
  ranks, with each dimension equal or 1."""
  shapes = [s for s in shapes if s] or [()]
  if len({len(s) for s in shapes}) > 1:
    ranks = "{" + ", ".join(str(r) for r in sorted({len(s) for s in shapes})) + "}"
    raise TypeError(f"{name}: arrays must have the same number of dimensions, got {ranks}")
  result = []
  for dims in zip(*shapes):
    sizes = {d for d in dims if d != 1}
    if len(sizes) > 1:
      raise TypeError(f"{name} got incompatible shapes for broadcasting: "
                      f"{', '.join(str(tuple(s)) for s in shapes)}.")
    result.append(sizes.pop() if sizes else 1)
  return tuple(result)


def canonicalize_shape(shape, context: str = "") -> tuple:
  """A shape argument as a tuple of Python ints; a traced or non-integer dimension raises JAX's
  TypeError."""
  try:
    dims = tuple(shape)
  except TypeError:
    dims = (shape,)
  traced = [d for d in dims if isinstance(d, Tracer) and not core.is_concrete(d)]
  if traced:
    # As JAX does: the jit hint, then where each traced dimension came from.
    raise TypeError(f"Shapes must be 1D sequences of concrete values of integer type, got "
                    f"{dims}.{context}\nIf using `jit`, try using `static_argnums` or applying "
                    "`jit` to smaller subfunctions." + "".join(d._origin_msg() for d in traced))
  try:
    out = tuple(operator.index(d) for d in dims)
  except TypeError:
    raise TypeError(f"Shapes must be 1D sequences of concrete values of integer type, got "
                    f"{dims}.{context}") from None
  if any(d < 0 for d in out):
    raise TypeError(f"Shapes must be 1D sequences of integer scalars, got {dims}")
  return out
