"""Printing jaxprs as JAX 0.10 prints them.

Two parts: a small document language with Lindig's "strictly pretty" layout (a group prints on
one line if it fits in the remaining width, otherwise each of its breaks becomes a newline), and
the jaxpr printer built on it.
"""
from __future__ import annotations

import re
from typing import Callable

import numpy as np

from pyjax._src import dtypes

# ------------------------------------------------------------------------------------------------
# Documents


class Doc:
  __slots__ = ()

  def __add__(self, other: "Doc") -> "Doc":
    return Concat([self, other])


class Text(Doc):
  __slots__ = ("text",)

  def __init__(self, text: str):
    self.text = text


class Break(Doc):
  """A space (or other text) when its group fits on the line, else a newline plus indentation."""
  __slots__ = ("text",)

  def __init__(self, text: str = " "):
    self.text = text


class Concat(Doc):
  __slots__ = ("children",)

  def __init__(self, children):
    self.children = list(children)


class Group(Doc):
  __slots__ = ("child",)

  def __init__(self, child: Doc):
    self.child = child


class Nest(Doc):
  __slots__ = ("indent", "child")

  def __init__(self, indent: int, child: Doc):
    self.indent = indent
    self.child = child


def join(separator: Doc, docs) -> Doc:
  docs = list(docs)
  parts = []
  for i, d in enumerate(docs):
    if i:
      parts.append(separator)
    parts.append(d)
  return Concat(parts)


def _flat_width(doc: Doc, limit: int) -> int:
  """Width of `doc` printed on one line, stopping early once it exceeds `limit`."""
  width = 0
  stack = [doc]
  while stack and width <= limit:
    d = stack.pop()
    if isinstance(d, (Text, Break)):
      width += len(d.text)
    elif isinstance(d, Concat):
      stack.extend(reversed(d.children))
    else:
      stack.append(d.child)
  return width


def format_doc(doc: Doc, width: int = 80) -> str:
  out: list[str] = []
  column = 0
  stack = [(0, False, doc)]  # (indentation, flat?, doc)
  while stack:
    indent, flat, d = stack.pop()
    if isinstance(d, Text):
      out.append(d.text)
      column += len(d.text)
    elif isinstance(d, Break):
      if flat:
        out.append(d.text)
        column += len(d.text)
      else:
        out.append("\n" + " " * indent)
        column = indent
    elif isinstance(d, Concat):
      stack.extend((indent, flat, c) for c in reversed(d.children))
    elif isinstance(d, Nest):
      stack.append((indent + d.indent, flat, d.child))
    else:  # Group
      fits = flat or _flat_width(d.child, width - column) <= width - column
      stack.append((indent, fits, d.child))
  return "".join(out)


# ------------------------------------------------------------------------------------------------
# Jaxprs

# Per-primitive rules choosing which params to show and how: rule(params) -> dict shown.
pp_param_rules: dict = {}


def _var_name(i: int) -> str:
  # a..z, then ba, bb, ...: base 26 with 'a' as the zero digit.
  letters = []
  while True:
    letters.append(chr(ord("a") + i % 26))
    i //= 26
    if not i:
      break
  return "".join(reversed(letters))


class _Context:
  def __init__(self, used: set):
    self.names: dict = {}
    self.used = used
    self.shared: dict = {}  # id(jaxpr) -> name of a hoisted jaxpr

  def name(self, var) -> str:
    name = self.names.get(var)
    if name is None:
      name = self.names[var] = _var_name(len(self.names))
    return name


def literal_text(lit) -> str:
  value = lit.val
  item = value.item() if hasattr(value, "item") else value
  return f"{item}:{lit.aval.str_short()}"


def _atom(atom, ctx: _Context) -> str:
  from pyjax._src.core import Literal
  if type(atom) is Literal:
    return literal_text(atom)
  return ctx.name(atom)


def _binders(vars_, ctx: _Context, *, drop_unused: bool = False) -> Doc:
  from pyjax._src.core import DropVar
  items = []
  for v in vars_:
    if isinstance(v, DropVar) or (drop_unused and v not in ctx.used):
      items.append(Text(f"_:{v.aval.str_short()}"))
    else:
      items.append(Text(f"{ctx.name(v)}:{v.aval.str_short()}"))
  return Nest(2, Group(join(Group(Break()), items)))


def _atoms(atoms, ctx: _Context, separator: str = "") -> Doc:
  return Nest(2, Group(join(Text(separator) + Group(Break()), [Text(_atom(a, ctx))
                                                                  for a in atoms])))


def _param_value(value, ctx: _Context) -> Doc:
  from pyjax._src.core import ClosedJaxpr, Jaxpr
  if isinstance(value, (Jaxpr, ClosedJaxpr)):
    return _sub_jaxpr(value, ctx)
  if type(value) is tuple and value and all(isinstance(j, (Jaxpr, ClosedJaxpr)) for j in value):
    inner = join(Break(), [_sub_jaxpr(j, ctx) for j in value])
    return Group(Nest(2, Text("(") + Break("") + inner) + Break("") + Text(")"))
  return Text(_param_str(value))


_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def _param_str(value) -> str:
  if isinstance(value, np.dtype):
    return value.name
  if isinstance(value, frozenset):
    return "{" + ", ".join(sorted(map(str, value))) + "}"
  return _ADDRESS.sub("0x...", str(value))


def _sub_jaxpr(jaxpr, ctx: _Context) -> Doc:
  from pyjax._src.core import ClosedJaxpr
  inner = jaxpr.jaxpr if isinstance(jaxpr, ClosedJaxpr) else jaxpr
  name = ctx.shared.get(id(inner))
  if name is not None:
    return Text(name)
  return _jaxpr_doc(inner, ctx)


def _eqn_doc(eqn, ctx: _Context) -> Doc:
  rule = pp_param_rules.get(eqn.primitive)
  params = rule(eqn.params) if rule is not None else eqn.params
  lhs = _binders(eqn.outvars, ctx, drop_unused=True)
  if params:
    pairs = [Text(f"{k}=") + _param_value(params[k], ctx) for k in sorted(params)]
    params_doc = Group(Nest(2, Text("[") + Break("") + join(Break(), pairs)) + Break("")
                       + Text("]"))
  else:
    params_doc = Text("")
  rhs = Text(eqn.primitive.name) + params_doc
  if eqn.invars:
    rhs = rhs + Text(" ") + _atoms(eqn.invars, ctx)
  if not eqn.outvars:
    return rhs
  return lhs + Text(" = ") + rhs


def _jaxpr_doc(jaxpr, ctx: _Context) -> Doc:
  constvars = _binders(jaxpr.constvars, ctx)
  invars = _binders(jaxpr.invars, ctx)
  eqns = join(Break("; "), [_eqn_doc(e, ctx) for e in jaxpr.eqns])
  close = ")" if len(jaxpr.outvars) != 1 else ",)"
  outs = Text("(") + _atoms(jaxpr.outvars, ctx, separator=",") + Text(close)
  body = Concat([Text("{ lambda "), constvars, Text("; "), invars, Text(". let"),
                 Nest(2, Break() + eqns), Break(), Text("in "), outs])
  return Group(Nest(2, body)) + Text(" }")


def _used_vars(jaxpr, used: set) -> None:
  from pyjax._src.core import ClosedJaxpr, Jaxpr, Var
  for eqn in jaxpr.eqns:
    used.update(a for a in eqn.invars if isinstance(a, Var))
    for value in eqn.params.values():
      subs = value if type(value) is tuple else (value,)
      for sub in subs:
        if isinstance(sub, (Jaxpr, ClosedJaxpr)):
          _used_vars(sub.jaxpr if isinstance(sub, ClosedJaxpr) else sub, used)
  used.update(a for a in jaxpr.outvars if isinstance(a, Var))


def pp_jaxpr_to_str(jaxpr, width: int = 80) -> str:
  used: set = set()
  _used_vars(jaxpr, used)
  return format_doc(_jaxpr_doc(jaxpr, _Context(used)), width)


def pp_eqn_to_str(eqn, width: int = 80) -> str:
  from pyjax._src.core import Var
  used = set(v for v in eqn.outvars if isinstance(v, Var))
  return format_doc(_eqn_doc(eqn, _Context(used)), width)


def short_dtype(dtype) -> str:
  return dtypes.short_dtype_name(dtype)


__all__ = ["Doc", "Text", "Break", "Concat", "Group", "Nest", "join", "format_doc",
           "pp_param_rules", "pp_jaxpr_to_str", "pp_eqn_to_str"]


def register_pp_params(primitive) -> Callable:
  """Decorator registering a rule that picks the params shown for `primitive`."""
  def register(rule):
    pp_param_rules[primitive] = rule
    return rule
  return register
