"""What the control-flow primitives share: tracing a body function to a jaxpr (once per function
and signature, as JAX caches it), turning closed-over values into explicit operands, small
jaxpr rewrites (padding/deduplicating consts, pruning forwarded outputs, moving binders, DCE),
running a sub-jaxpr eagerly, and JAX's error messages for mismatched branch and carry types.
"""
from __future__ import annotations

import inspect
import weakref
from typing import Any, Callable, Sequence

from pyjax._src import core, tree_util
from pyjax._src.array import Array
from pyjax._src.avals import ShapedArray
from pyjax._src.config import config
from pyjax._src.core import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Tracer, Var
from pyjax._src.interpreters import staging

# ------------------------------------------------------------------------------------------------
# Tracing bodies


class TracedBody:
  """A body function traced on abstract operands. `jaxpr` takes the closed-over values first
  (they become explicit operands, `consts`), then the flattened operands."""
  __slots__ = ("jaxpr", "consts", "out_tree")

  def __init__(self, jaxpr: ClosedJaxpr, consts: list, out_tree):
    self.jaxpr = jaxpr
    self.consts = consts
    self.out_tree = out_tree

  @property
  def out_avals(self) -> list[ShapedArray]:
    return self.jaxpr.out_avals


# fun -> {(in_tree, in_avals, traced_for, config): TracedBody}. JAX traces a body once per
# function object and signature (a function reading a global sees the value it had when it was
# first traced), and reusing the same jaxpr objects is what makes shared bodies print once.
_trace_cache: "weakref.WeakKeyDictionary[Callable, dict]" = weakref.WeakKeyDictionary()


def _consts_alive(consts: Sequence) -> bool:
  return all(not isinstance(c, Tracer) or c._trace.valid for c in consts)


def trace_body(fun: Callable, args: tuple, in_avals: Sequence[ShapedArray], in_tree,
               traced_for: str) -> TracedBody:
  """Trace `fun(*args)` with the flattened `args` abstracted to `in_avals` (their tree is
  `in_tree`)."""
  key = (in_tree, tuple(in_avals), traced_for, config.trace_context())
  try:
    per_fun = _trace_cache.get(fun)
  except TypeError:  # neither weakly referenceable nor hashable: trace every time
    return _trace(fun, args, in_avals, in_tree, traced_for)
  if per_fun is not None:
    hit = per_fun.get(key)
    if hit is not None and _consts_alive(hit.consts):
      return hit
  traced = _trace(fun, args, in_avals, in_tree, traced_for)
  try:
    _trace_cache.setdefault(fun, {})[key] = traced
  except TypeError:
    pass
  return traced


def _trace(fun, args, in_avals, in_tree, traced_for) -> TracedBody:
  from pyjax._src.api import debug_info
  out_tree = None

  def flat_fun(*flat):
    nonlocal out_tree
    out = fun(*tree_util.tree_unflatten(in_tree, flat))
    leaves, out_tree = tree_util.tree_flatten(out)
    return leaves

  info = debug_info(traced_for, fun, args, {})
  jaxpr, consts = staging.trace_to_jaxpr(flat_fun, in_avals, info)
  lifted = Jaxpr([], [*jaxpr.constvars, *jaxpr.invars], jaxpr.outvars, jaxpr.eqns,
                 jaxpr.debug_info)
  return TracedBody(ClosedJaxpr(lifted, []), list(consts), out_tree)


def flatten_operands(operands) -> tuple[list, Any, list[ShapedArray]]:
  flat, tree = tree_util.tree_flatten(operands)
  return flat, tree, [core.get_aval(x) for x in flat]


def as_array(x):
  """`x` as an Array (Python scalars and NumPy values) or as it is (arrays and tracers)."""
  if isinstance(x, (Array, Tracer)):
    return x
  value, weak = core.canonicalize_value(x)
  return Array(value, weak)


def executable(closed: ClosedJaxpr) -> Callable:
  """A sub-jaxpr as a function of NumPy values, from the engine `jit` uses (so a compiler that
  accelerates jit programs accelerates control-flow bodies too)."""
  from pyjax._src.jit import executable_for
  return executable_for(closed)


# ------------------------------------------------------------------------------------------------
# Memoized jaxpr rewrites: the same input gives the same output object (so a body shared by two
# equations still prints once), as JAX's weakref caches do.

_rewrite_cache: "weakref.WeakKeyDictionary[ClosedJaxpr, dict]" = weakref.WeakKeyDictionary()


def _memo(closed: ClosedJaxpr, key: tuple, build: Callable[[], ClosedJaxpr]) -> ClosedJaxpr:
  per = _rewrite_cache.setdefault(closed, {})
  out = per.get(key)
  if out is None:
    out = per[key] = build()
  return out


def _substitute(jaxpr: Jaxpr, invars: list, mapping: dict) -> Jaxpr:
  def sub(a):
    return mapping.get(a, a) if isinstance(a, Var) else a
  eqns = [JaxprEqn([sub(a) for a in e.invars], e.outvars, e.primitive, e.params, e.source_info)
          for e in jaxpr.eqns]
  return Jaxpr(jaxpr.constvars, invars, [sub(v) for v in jaxpr.outvars], eqns,
               jaxpr.debug_info)


def merge_common_consts(jaxprs: Sequence[ClosedJaxpr], all_consts: Sequence[Sequence]
                        ) -> tuple[list[ClosedJaxpr], list]:
  """Branches must take the same operands: concatenate every branch's consts, give each branch
  binders for the others' consts, and let a value closed over by several branches be passed
  once."""
  counts = [len(cs) for cs in all_consts]
  consts = [c for cs in all_consts for c in cs]
  avals = tuple(core.get_aval(c) for c in consts)
  ids = tuple(id(c) for c in consts)
  out, start = [], 0
  for closed, n in zip(jaxprs, counts):
    left, right = avals[:start], avals[start + n:]
    out.append(_memo(closed, ("pad_dedup", n, left, right, ids),
                     lambda closed=closed, n=n, left=left, right=right:
                     _pad_dedup(closed, n, left, right, ids)))
    start += n
  seen: set = set()
  unique = [c for c in consts if id(c) not in seen and not seen.add(id(c))]
  return out, unique


def _pad_dedup(closed, n, left, right, ids) -> ClosedJaxpr:
  jaxpr = closed.jaxpr
  const_invars = [*map(Var, left), *jaxpr.invars[:n], *map(Var, right)]
  first: dict = {}
  mapping = {}
  for const_id, v in zip(ids, const_invars):
    canonical = first.setdefault(const_id, v)
    if canonical is not v:
      mapping[v] = canonical
  kept = list(first.values())
  return ClosedJaxpr(_substitute(jaxpr, [*kept, *jaxpr.invars[n:]], mapping), closed.consts)


def forwarding(jaxpr: Jaxpr) -> list[int | None]:
  """For each output, the index of the input it merely forwards (None if computed)."""
  index = {v: i for i, v in enumerate(jaxpr.invars)}
  return [index.get(v) if type(v) is not Literal else None for v in jaxpr.outvars]


def prune_outputs(closed: ClosedJaxpr, keep: Sequence[bool]) -> ClosedJaxpr:
  keep = tuple(keep)
  if all(keep):
    return closed

  def build():
    j = closed.jaxpr
    return ClosedJaxpr(Jaxpr(j.constvars, j.invars, [v for v, k in zip(j.outvars, keep) if k],
                             j.eqns, j.debug_info), closed.consts)
  return _memo(closed, ("prune", keep), build)


def move_binders_to_front(closed: ClosedJaxpr, to_move: Sequence[bool]) -> ClosedJaxpr:
  to_move = tuple(to_move)
  if not any(to_move):
    return closed

  def build():
    j = closed.jaxpr
    invars = ([v for v, m in zip(j.invars, to_move) if m]
              + [v for v, m in zip(j.invars, to_move) if not m])
    return ClosedJaxpr(Jaxpr(j.constvars, invars, j.outvars, j.eqns, j.debug_info),
                       closed.consts)
  return _memo(closed, ("move", to_move), build)


def dce_jaxpr(jaxpr: Jaxpr, used_outputs: Sequence[bool], keep_inputs: Sequence[bool]
              ) -> tuple[Jaxpr, list[bool]]:
  """Drop the equations no used output depends on, and the inputs nothing uses (except those
  in `keep_inputs`). Returns the new jaxpr and which inputs it kept."""
  live = {v for v, u in zip(jaxpr.outvars, used_outputs) if u and isinstance(v, Var)}
  eqns = []
  for eqn in reversed(jaxpr.eqns):
    if any(v in live for v in eqn.outvars):
      eqns.append(eqn)
      live.update(a for a in eqn.invars if isinstance(a, Var))
  eqns.reverse()
  kept = [k or v in live for v, k in zip(jaxpr.invars, keep_inputs)]
  new = Jaxpr(jaxpr.constvars, [v for v, k in zip(jaxpr.invars, kept) if k],
              [v for v, u in zip(jaxpr.outvars, used_outputs) if u], eqns, jaxpr.debug_info)
  return new, kept


# ------------------------------------------------------------------------------------------------
# Types and JAX's error messages


def typematch(a: ShapedArray, b: ShapedArray) -> bool:
  """Equal types up to weak typing (how JAX compares branch outputs and carries)."""
  return a.shape == b.shape and a.dtype == b.dtype


def _mismatch_extra(a: ShapedArray, b: ShapedArray) -> str:
  problems = []
  if a.dtype != b.dtype:
    problems.append("the dtypes do not match")
  if a.shape != b.shape:
    problems.append("the shapes do not match")
  if not problems:
    return ""
  if len(problems) == 1:
    return ", so " + problems[0]
  return ", so " + ", ".join(problems[:-1]) + ", and " + problems[-1]


def _capitalize(s: str) -> str:
  return s[0].upper() + s[1:]


def _avals_paths(tree, count: int) -> list[str]:
  try:
    placeholders = tree_util.tree_unflatten(tree, [object()] * count)
  except Exception:  # noqa: BLE001
    return [""] * count
  return [tree_util.keystr(path) for path, _ in
          tree_util.tree_flatten_with_path(placeholders)[0]]


def check_branch_outputs(api_name: str, name1: str, name2: str, fun1, fun2, tree1,
                         avals1: Sequence[ShapedArray], tree2, avals2: Sequence[ShapedArray]
                         ) -> None:
  info1, info2 = staging.func_src_info(fun1), staging.func_src_info(fun2)
  paths = _avals_paths(tree1, len(avals1))
  at = lambda p: f" at path {p}" if p else ""
  if tree1 != tree2:
    diffs = [f"{name1} output{at(tree_util.keystr(p))} is a {thing1} but {name2} "
             f"output{at(tree_util.keystr(p))} is a {thing2}, so {why}"
             for p, thing1, thing2, why in tree_util.equality_errors_pytreedef(tree1, tree2)]
    if not diffs:
      return
    if len(diffs) == 1:
      differences = f"{diffs[0]}.\n"
    else:
      differences = "\n".join(f"  * {d};\n" for d in diffs[:-1]) + f"  * {diffs[-1]}.\n"
    raise TypeError(
        f"{api_name} branch outputs must have the same pytree structure, but they differ:\n\n"
        f"{name1} is {info1}\n{name2} is {info2}\n\n{differences}\n"
        f"Revise {name1} and/or {name2} so that they have the same pytree structure.")
  diffs = [f"the output of {name1}{at(p)} has type {a1.str_short(False)} but the "
           f"corresponding output of {name2} has type {a2.str_short(False)}"
           f"{_mismatch_extra(a1, a2)}"
           for p, a1, a2 in zip(paths, avals1, avals2) if not typematch(a1, a2)]
  if not diffs:
    return
  if len(diffs) == 1:
    differences = f"{_capitalize(diffs[0])}.\n"
  else:
    differences = "\n".join(f"  * {d};" for d in diffs[:-1]) + f"\n  * {diffs[-1]}.\n"
  raise TypeError(
      f"{api_name} branches must have equal output types but they differ.\n\n"
      f"{name1} is {info1}\n{name2} is {info2}\n\n{differences}\n"
      f"Revise {name1} and/or {name2} so that all output types match.")


def check_carry_type(name: str, body_fun, in_tree, in_avals: Sequence[ShapedArray], out_tree,
                     out_avals: Sequence[ShapedArray]) -> None:
  """JAX's error for a loop body whose carry output differs from its carry input."""
  try:
    carry_name = next(iter(inspect.signature(body_fun).parameters), None)
  except (ValueError, TypeError):
    carry_name = None
  if carry_name:
    component = lambda p: (f"the input carry component {carry_name}{p}" if p
                           else f"the input carry {carry_name}")
  else:
    component = lambda p: f"the input carry at path {p}" if p else "the input carry"
  if in_tree != out_tree:
    in_value = tree_util.tree_unflatten(in_tree, list(in_avals))
    out_value = tree_util.tree_unflatten(out_tree, list(out_avals))
    diffs = [f"{component(tree_util.keystr(p))} is a {thing1} but the corresponding "
             f"component of the carry output is a {thing2}, so {why}"
             for p, thing1, thing2, why in tree_util.equality_errors(in_value, out_value)]
    if not diffs:
      return
    if len(diffs) == 1:
      differences = f"{_capitalize(diffs[0])}.\n"
    else:
      differences = "\n".join(f"  * {d};\n" for d in diffs[:-1]) + f"  * {diffs[-1]}.\n"
    raise TypeError(
        f"{name} function carry input and carry output must have the same pytree structure, "
        f"but they differ:\n\n{differences}\n"
        "Revise the function so that the carry output has the same pytree structure as the "
        "carry input.")
  paths = _avals_paths(in_tree, len(in_avals))
  diffs = [f"{component(p)} has type {a.str_short(False)} but the corresponding output carry "
           f"component has type {b.str_short(False)}{_mismatch_extra(a, b)}"
           for p, a, b in zip(paths, in_avals, out_avals) if not typematch(a, b)]
  if not diffs:
    return
  if len(diffs) == 1:
    differences = f"{_capitalize(diffs[0])}.\n"
  else:
    differences = "\n".join(f"  * {d};\n" for d in diffs[:-1]) + f"  * {diffs[-1]}.\n"
  raise TypeError(
      f"{name} function carry input and carry output must have equal types, but they "
      f"differ:\n\n{differences}\n"
      "Revise the function so that all output types match the corresponding input types.")


def promote_weak_typed_inputs(values: Sequence, in_avals: Sequence[ShapedArray],
                              out_avals: Sequence[ShapedArray]) -> tuple[list, bool]:
  """A weakly typed initial carry whose body output has another dtype is converted to the
  promoted dtype (then the body is traced again), as JAX does for Python scalar inits."""
  from pyjax._src import dtypes
  from pyjax._src.lax import lax
  new, changed = [], False
  for x, a, b in zip(values, in_avals, out_avals):
    if a.weak_type and not typematch(a, b):
      new.append(lax.convert_element_type(x, dtypes.result_type(x, b)))
      changed = True
    else:
      new.append(x)
  return new, changed
