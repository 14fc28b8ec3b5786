"""`lax.composite`: a named operation whose meaning is its decomposition. The decomposition is
traced to a jaxpr and staged as one `composite` equation (name, version, static attributes),
which a compiler may replace by a native kernel of that name; pyjax runs the decomposition.

As in JAX, a composite has no differentiation or batching rule: `grad` and `vmap` of one raise.
"""
from __future__ import annotations

import functools
from typing import Callable

import numpy as np

from pyjax._src import errors, tree_util
from pyjax._src.core import Primitive, Tracer
from pyjax._src.interpreters import ad, batching
from pyjax._src.lax.control_flow import common


class HashableArray:
  """A NumPy array given as an attribute, hashable so that it can be an equation parameter."""
  __slots__ = ("value",)

  def __init__(self, value: np.ndarray):
    self.value = value

  def __repr__(self):
    return f"HashableArray({self.value!r})"

  def __hash__(self):
    return hash((self.value.shape, self.value.dtype, self.value.tobytes()))

  def __eq__(self, other):
    return (isinstance(other, HashableArray) and self.value.shape == other.value.shape
            and self.value.dtype == other.value.dtype
            and bool(np.all(self.value == other.value)))


def _attribute(name: str, value) -> tuple:
  """(leaves, tree) of one static attribute of composite `name`; a traced leaf cannot be one."""
  leaves, tree = tree_util.tree_flatten(value)
  if any(isinstance(leaf, Tracer) for leaf in leaves):
    raise errors.UnexpectedTracerError(
        f"Found a JAX Tracer as an attribute in the decomposition for the composite op '{name}'. "
        "This means that the decomposition function closes over a value that is involved in a JAX "
        "transformation. Any values that aren't explicitly known at compile time must be "
        "explicitly passed as arguments to the composite.\n\nNote: If you are passing jax arrays "
        "as attributes, use numpy arrays instead.")
  leaves = tuple(HashableArray(leaf) if isinstance(leaf, np.ndarray) else leaf
                 for leaf in leaves)
  return leaves, tree


def composite(decomposition: Callable, name: str, version: int = 0) -> Callable:
  """Wrap `decomposition` so that calling it stages one `composite` operation named `name`:
  positional arguments are its operands (pytrees of arrays), keyword arguments its static
  attributes."""
  @functools.wraps(decomposition)
  def call(*args, **kwargs):
    attributes = tuple((key, *_attribute(name, value)) for key, value in kwargs.items())
    flat, in_tree, in_avals = common.flatten_operands(args)
    body = common.trace_body(functools.partial(decomposition, **kwargs), args, in_avals,
                             in_tree, "composite")
    outs = composite_p.bind(*body.consts, *flat, name=name, attributes=attributes,
                            version=version, jaxpr=body.jaxpr)
    return tree_util.tree_unflatten(body.out_tree, outs)
  return call


def _composite_impl(*values, name, attributes, version, jaxpr):
  return common.executable(jaxpr)(*values)


composite_p = Primitive("composite", multiple_results=True)
composite_p.def_impl(_composite_impl)
composite_p.def_abstract_eval(lambda *avals, jaxpr, **params: jaxpr.out_avals)
composite_p.weak_type_rule = lambda *weak_types, jaxpr, **params: [
    aval.weak_type for aval in jaxpr.out_avals]


def _composite_jvp(primals, tangents, **params):
  raise ValueError("JVP rule for composite not implemented. You can use `jax.custom_jvp` to add "
                   "support. See "
                   "https://docs.jax.dev/en/latest/_autosummary/jax.custom_jvp.html")


def _composite_batcher(axis_data, vals, dims, **params):
  # JAX's own error: composites are opaque to vmap (a batched operand would change the op).
  raise NotImplementedError("Batching rule for 'composite' not implemented")


ad.primitive_jvps[composite_p] = _composite_jvp
batching.primitive_batchers[composite_p] = _composite_batcher

__all__ = ["composite"]
