"""Tokens: data-less values (`Tok` in jaxprs) that order side-effecting operations.
`create_token` makes one; `after_all` makes one that comes after all of its operands.

As in JAX, tokens have no tangents and no batch dimension: a program may use them internally
under `grad`/`jvp`/`vmap`, but differentiating with respect to a token, or returning one from a
`jvp` or a `vmap`, raises (with JAX's error classes).
"""
from __future__ import annotations

from pyjax._src.avals import AbstractToken, Token, abstract_token
from pyjax._src.core import Primitive, Tracer
from pyjax._src.interpreters import batching


def _create_token_abstract_eval(*avals):
  return abstract_token


create_token_p = Primitive("create_token")
create_token_p.def_impl(lambda *values: Token())
create_token_p.def_abstract_eval(_create_token_abstract_eval)
create_token_p.weak_type_rule = lambda *weak_types: False


def _after_all_abstract_eval(*avals):
  if any(type(aval) is not AbstractToken for aval in avals):
    raise TypeError("Arguments to after_all must be tokens, got operands of types "
                    f"{', '.join(_type_name(aval) for aval in avals)}. Pass only tokens, made by "
                    "lax.create_token() or lax.after_all(...).")
  return abstract_token


def _type_name(aval) -> str:
  return aval.str_short() if hasattr(aval, "str_short") else str(aval)


after_all_p = Primitive("after_all")
after_all_p.def_impl(lambda *tokens: Token())
after_all_p.def_abstract_eval(_after_all_abstract_eval)
after_all_p.weak_type_rule = lambda *weak_types: False


def _token_batcher(primitive):
  # A token has no batch dimension (vmap cannot map one), so the result is one unmapped token.
  def batcher(axis_data, vals, dims, **params):
    return primitive.bind(*(v for v, d in zip(vals, dims) if d is None), **params), None
  return batcher


batching.primitive_batchers[create_token_p] = _token_batcher(create_token_p)
batching.primitive_batchers[after_all_p] = _token_batcher(after_all_p)


def create_token(_=None) -> Token:
  """A new token, to order side effects. Its optional argument is ignored (as in JAX, where it
  once tied the token to a value)."""
  return create_token_p.bind()


def after_all(*operands) -> Token:
  """A token that comes after every one of `operands`, which must all be tokens."""
  for position, x in enumerate(operands):
    if type(x) is not Token and not (isinstance(x, Tracer) and type(x.aval) is AbstractToken):
      raise TypeError(f"Arguments to after_all must be tokens, but the operand at position "
                      f"{position} is {x!r} of type {type(x).__name__}. Pass only tokens, made "
                      "by lax.create_token() or lax.after_all(...).")
  return after_all_p.bind(*operands)


__all__ = ["after_all", "create_token"]
