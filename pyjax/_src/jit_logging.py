"""What `jax_explain_cache_misses` and `jax_log_compiles` report about jitted functions.

A jitted function traces again whenever its call signature (argument structure, shapes, dtypes,
weak types, static values, trace-affecting flags) is new. With `jax_explain_cache_misses` on,
each such miss is logged with the call site and how the new signature differs from the closest
one seen before, naming the argument, so an unexpected retrace can be traced to its cause. With
`jax_log_compiles` on, each trace and each build of an executable is logged with its duration.
Both log to the `pyjax._src.jit` logger at WARNING level (printed on stderr by default), as JAX
logs these messages.
"""
from __future__ import annotations

import inspect
import logging
import os
import sys
from typing import Any, Callable, NamedTuple

from pyjax._src.config import config

logger = logging.getLogger("pyjax._src.jit")

_PYJAX_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class SeenSignature(NamedTuple):
  """One traced signature of a jitted function, as the explanation compares them."""
  arg_trees: tuple  # ((top-level argument name, PyTreeDef), ...) of the dynamic arguments
  leaf_names: tuple  # the flattened arguments' names: x, p['w'], args[2]
  leaf_avals: tuple  # their abstract values
  statics: tuple  # ((argument name, value), ...)
  context: tuple  # ((flag name, value), ...) of the flags a trace depends on


def _call_site() -> str:
  """`file:line (function)` of the innermost frame outside pyjax: where the user called."""
  frame = sys._getframe(1)
  while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PYJAX_DIR):
    frame = frame.f_back
  if frame is None:
    return "<unknown>"
  code = frame.f_code
  return f"{code.co_filename}:{frame.f_lineno} ({getattr(code, 'co_qualname', code.co_name)})"


def _defined_at(fun: Callable) -> str:
  try:
    target = inspect.unwrap(fun)
    return f"{inspect.getsourcefile(target)}:{inspect.getsourcelines(target)[1]}"
  except (TypeError, OSError):
    return "<unknown location>"


def _aval_text(aval) -> str:
  text = aval.str_short() if hasattr(aval, "str_short") else str(aval)
  return text.lstrip("~")


def _differences(new: SeenSignature, old: SeenSignature) -> list[tuple[str, str]]:
  """(kind, line) for each way `new` differs from `old`."""
  found = []
  old_trees = dict(old.arg_trees)
  new_trees = dict(new.arg_trees)
  for name in sorted(set(old_trees) | set(new_trees), key=str):
    before, now = old_trees.get(name), new_trees.get(name)
    if before != now:
      found.append(("input pytree", f"at {name}, now {_tree_text(now)} and before "
                                    f"{_tree_text(before)}"))
  old_statics, new_statics = dict(old.statics), dict(new.statics)
  for name in sorted(set(old_statics) | set(new_statics), key=str):
    before, now = old_statics.get(name, _MISSING), new_statics.get(name, _MISSING)
    if type(before) is not type(now) or before != now:
      found.append(("static arguments", f"at {name}, now {now!r} and before {before!r}"))
  if new.arg_trees == old.arg_trees:
    for name, now, before in zip(new.leaf_names, new.leaf_avals, old.leaf_avals):
      if now == before:
        continue
      if (hasattr(now, "strip_weak_type") and hasattr(before, "strip_weak_type")
          and now.strip_weak_type() == before.strip_weak_type()):
        found.append(("input types", f"at {name}, now {_aval_text(now)}{{weak_type="
                                     f"{now.weak_type}}} and before {_aval_text(before)}"
                                     f"{{weak_type={before.weak_type}}} (see "
                                     "https://docs.jax.dev/en/latest/type_promotion.html"
                                     "#weak-types)"))
      else:
        found.append(("input types", f"at {name}, now {_aval_text(now)} and before "
                                     f"{_aval_text(before)}"))
  for (flag, now), (_, before) in zip(new.context, old.context):
    if now != before:
      found.append(("configuration", f"{flag}, now {now!r} and before {before!r}"))
  return found


class _Missing:
  def __repr__(self):
    return "(not given)"


_MISSING = _Missing()


def _tree_text(tree) -> str:
  return "(not given)" if tree is None else str(tree)


def explain_cache_miss(fun: Callable, new: SeenSignature, seen: list) -> None:
  """Log why calling `fun` with signature `new` traces again, against the signatures `seen`."""
  name = getattr(fun, "__name__", type(fun).__name__)
  lines = [f"TRACING CACHE MISS at {_call_site()}:"]
  if not seen:
    lines += ["  never seen function:", f"    {name} id={id(fun)} defined at {_defined_at(fun)}"]
  else:
    # Ties go to the most recent signature, the likeliest one the user meant to hit again.
    closest = min((_differences(new, old) for old in reversed(seen)), key=len)
    lines += [f"  for {name} defined at {_defined_at(fun)}",
              "  all previously seen cache keys differ. For the closest previous key:"]
    kinds = []
    for kind, _ in closest:
      if kind not in kinds:
        kinds.append(kind)
    for kind in kinds:
      lines.append(f"  different {kind}:")
      lines += [f"  * {line}" for k, line in closest if k == kind]
    if not closest:
      lines.append("  different argument passing: the same arguments, now passed by keyword where "
                   "before by position (or the reverse)")
  logger.warning("\n".join(lines))


def trace_context_items() -> tuple:
  return tuple(zip(config.trace_context_names(), config.trace_context()))


def log_traced(name: str, seconds: float) -> None:
  logger.warning(f"Finished tracing {name} for jit in {seconds:.9f} sec")


def log_compiling(name: str, in_avals: Any) -> None:
  shapes = ", ".join(repr(aval) for aval in in_avals)
  logger.warning(f"Compiling jit({name}) with global shapes and types ({shapes}"
                 f"{',' if len(in_avals) == 1 else ''}).")


def log_compiled(name: str, seconds: float) -> None:
  logger.warning(f"Finished compilation of jit({name}) into straight-line NumPy in {seconds:.9f} "
                 "sec")
