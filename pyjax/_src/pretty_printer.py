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


def _fits(group: Doc, width: int) -> bool:
  """Whether `group` alone, printed flat, fits in `width` columns (what follows the group is not
  considered: JAX's printer decides each group by its own width)."""
  pending = [group]
  while width >= 0 and pending:
    d = pending.pop()
    if isinstance(d, (Text, Break)):
      width -= len(d.text)
    elif isinstance(d, Concat):
      pending.extend(reversed(d.children))
    else:  # Nest or Group
      pending.append(d.child)
  return width >= 0


def format_doc(doc: Doc, width: int = 80) -> str:
  out: list[str] = []
  column = 0
  stack = [(0, False, doc)]  # (indentation, flat?, doc); the next item is last
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
      stack.append((indent, flat or _fits(d.child, width - column), d.child))
  return "".join(out)


# ------------------------------------------------------------------------------------------------
# Jaxprs

# Per-primitive rules choosing which params to show: rule(params) -> dict (printed sorted).
pp_param_rules: dict = {}
# Per-primitive rules with full control: rule(eqn, context) -> [(key, value), ...] in print order.
# They may also suggest variable names to the context (jit names its inner binders like the outer
# operands and results).
pp_eqn_rules: dict = {}


def _var_name(i: int) -> str:
  # a..z, then ba, bb, ...: base 26 with 'a' as the zero digit.
  letters = []
  while True:
    letters.append(chr(ord("a") + i % 26))
    i //= 26
    if not i:
      break
  return "".join(reversed(letters))


class PrintContext:
  """Variable names (assigned in order of first printing) and the hoisted shared jaxprs."""

  def __init__(self, used: set):
    self.names: dict = {}
    self.used = used
    self.shared: dict = {}  # id(jaxpr) -> name under which it is hoisted
    self.shared_names: set = set()
    self._next = 0

  def name(self, var) -> str:
    name = self.names.get(var)
    if name is None:
      while True:
        name = _var_name(self._next)
        self._next += 1
        if name not in self.shared_names:
          break
      self.names[var] = name
    return name

  def suggest_same_names(self, for_vars, like_vars) -> None:
    """Name each of `for_vars` like the corresponding `like_vars` (each like-var used once)."""
    from pyjax._src.core import Var
    if len(for_vars) != len(like_vars):
      return
    taken = set()
    for for_v, like_v in zip(for_vars, like_vars):
      if (isinstance(like_v, Var) and like_v not in taken and isinstance(for_v, Var)
          and for_v not in self.names):
        taken.add(like_v)
        self.names[for_v] = self.name(like_v)


def literal_text(lit) -> str:
  value = lit.val
  item = value.item() if hasattr(value, "item") else value
  return f"{item}:{lit.aval.str_short()}"


def _atom(atom, ctx: PrintContext) -> str:
  from pyjax._src.core import Literal
  if type(atom) is Literal:
    return literal_text(atom)
  return ctx.name(atom)


def _binders(vars_, ctx: PrintContext, *, drop_unused: bool = False) -> Doc:
  from pyjax._src.core import DropVar
  items = []
  for v in vars_:
    if isinstance(v, DropVar) or (drop_unused and v not in ctx.used):
      items.append(Text(f"_:{v.aval.str_short()}"))
    else:
      items.append(Text(f"{ctx.name(v)}:{v.aval.str_short()}"))
  return Nest(2, Group(join(Group(Break()), items)))


def _atoms(atoms, ctx: PrintContext, separator: str = "") -> Doc:
  return Nest(2, Group(join(Text(separator) + Group(Break()), [Text(_atom(a, ctx))
                                                                  for a in atoms])))


def jaxprs_in_params(params):
  from pyjax._src.core import ClosedJaxpr, Jaxpr
  for value in params.values():
    for v in (value if isinstance(value, tuple) else (value,)):
      if isinstance(v, Jaxpr):
        yield v
      elif isinstance(v, ClosedJaxpr):
        yield v.jaxpr


def _param_value(value, ctx: PrintContext) -> Doc:
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
  return _ADDRESS.sub("0xXXXXXXXXXXXX", str(value))


def _sub_jaxpr(jaxpr, ctx: PrintContext) -> Doc:
  from pyjax._src.core import ClosedJaxpr
  inner = jaxpr.jaxpr if isinstance(jaxpr, ClosedJaxpr) else jaxpr
  name = ctx.shared.get(id(inner))
  if name is not None:
    return Text(name)
  return _jaxpr_doc(inner, ctx)


def _eqn_doc(eqn, ctx: PrintContext) -> Doc:
  eqn_rule = pp_eqn_rules.get(eqn.primitive)
  if eqn_rule is not None:
    pairs = eqn_rule(eqn, ctx)
  else:
    rule = pp_param_rules.get(eqn.primitive)
    params = rule(eqn.params) if rule is not None else eqn.params
    pairs = sorted(params.items())
  lhs = _binders(eqn.outvars, ctx, drop_unused=True)
  if pairs:
    shown = [Text(f"{k}=") + _param_value(v, ctx) for k, v in pairs]
    params_doc = Group(Nest(2, Text("[") + Break("") + join(Break(), shown)) + Break("")
                       + Text("]"))
  else:
    params_doc = Text("")
  rhs = Text(eqn.primitive.name) + params_doc + Text(" ") + _atoms(eqn.invars, ctx)
  if not eqn.outvars:
    return rhs
  return lhs + Text(" = ") + rhs


def _jaxpr_doc(jaxpr, ctx: PrintContext) -> Doc:
  constvars = _binders(jaxpr.constvars, ctx)
  invars = _binders(jaxpr.invars, ctx)
  eqns = join(Break("; "), [_eqn_doc(e, ctx) for e in jaxpr.eqns])
  close = ")" if len(jaxpr.outvars) != 1 else ",)"
  outs = Text("(") + _atoms(jaxpr.outvars, ctx, separator=",") + Text(close)
  body = Concat([Text("{ lambda "), constvars, Text("; "), invars, Text(". let"),
                 Nest(2, Break() + eqns), Break(), Text("in "), outs])
  return Group(Nest(2, body) + Text(" }"))


def _used_vars(jaxpr, used: set, top: bool = True) -> None:
  """The variables printed by name. As in JAX, only the top-level jaxpr's unused equation
  outputs print as `_`; sub-jaxprs name all their variables."""
  from pyjax._src.core import Var
  for eqn in jaxpr.eqns:
    used.update(a for a in eqn.invars if isinstance(a, Var))
    if not top:
      used.update(eqn.outvars)
    for sub in jaxprs_in_params(eqn.params):
      _used_vars(sub, used, top=False)
  used.update(a for a in jaxpr.outvars if isinstance(a, Var))


def _shared_jaxprs(top) -> list:
  """Sub-jaxprs printed once at the top as `let NAME = ... in`: those referenced more than once,
  and any with more than 10 equations; named after the `name` param of the equation holding
  them (`<lambda>` -> `lambda`), else `jaxpr`, made unique with a numeric suffix."""
  from collections import Counter, deque
  counts: Counter = Counter()
  names: dict = {}
  objects: dict = {}
  queue = deque([top])
  while queue:
    jaxpr = queue.popleft()
    counts[id(jaxpr)] += 1
    objects[id(jaxpr)] = jaxpr
    if jaxpr is not top and len(jaxpr.eqns) > 10:
      counts[id(jaxpr)] += 1
    for eqn in jaxpr.eqns:
      name = eqn.params.get("name")
      for sub in jaxprs_in_params(eqn.params):
        queue.append(sub)
        if isinstance(name, str):
          names.setdefault(id(sub), name.strip("<>"))
  used_names: Counter = Counter()
  shared = []
  for key, count in counts.items():
    if count == 1:
      continue
    name = names.get(key, "jaxpr")
    if used_names[name]:
      suffix = used_names[name]
      used_names[name] += 1
      name += str(suffix)
    used_names[name] += 1
    shared.append((name, objects[key]))
  return shared


def pp_jaxpr_to_str(jaxpr, width: int = 80) -> str:
  used: set = set()
  _used_vars(jaxpr, used)
  ctx = PrintContext(used)
  shared = _shared_jaxprs(jaxpr)
  for name, sub in shared:
    ctx.shared_names.add(name)
    ctx.shared[id(sub)] = name
  docs = [Text(f"let {name} = ") + _jaxpr_doc(sub, ctx) + Text(" in") + Break()
          for name, sub in shared]
  docs.append(_jaxpr_doc(jaxpr, ctx))
  return format_doc(Concat(docs), width)


def pp_eqn_to_str(eqn, width: int = 80) -> str:
  from pyjax._src.core import Var
  used = set(v for v in eqn.outvars if isinstance(v, Var))
  return format_doc(_eqn_doc(eqn, PrintContext(used)), width)
