"""Staging: tracing a Python function into a jaxpr (used by make_jaxpr, jit and control flow).

A `StagingTrace` records one equation per primitive bound while it is current. Its own tracers
stand for jaxpr variables; any other value becomes a constant: scalars are written inline as
literals, larger arrays and tracers of enclosing transformations become constvars.
"""
from __future__ import annotations

import inspect
from typing import Callable, Sequence

import numpy as np

from pyjax._src import core, dtypes, errors
from pyjax._src.array import Array
from pyjax._src.avals import ShapedArray, Token, abstract_token
from pyjax._src.core import DebugInfo, Jaxpr, JaxprEqn, Literal, Tracer, Var

# Primitives that, applied to a scalar constant, are evaluated at trace time instead of staged
# (e.g. converting the Python scalar in `x + 2.0` to float32 gives the literal `2.0:f32[]`).
# A rule takes the constant operand values and the params and returns the folded value.
const_fold_rules: dict[core.Primitive, Callable] = {}


class StagingTracer(Tracer):
  __slots__ = ("_aval", "atom")

  def __init__(self, trace: "StagingTrace", aval: ShapedArray, atom):
    self._trace = trace
    self._aval = aval
    self.atom = atom

  @property
  def aval(self):
    return self._aval

  def _origin_msg(self) -> str:
    return self._trace.origin_msg(self)

  def __repr__(self):
    return f"JitTracer({self._aval})"


def _is_literalable(x) -> bool:
  return ((type(x) in (bool, int, float, complex, Array) or isinstance(x, (np.ndarray, np.generic)))
          and np.ndim(x) == 0 and not dtypes._is_extended(getattr(x, "dtype", None)))


class StagingTrace(core.Trace):
  def __init__(self, parent: core.Trace, debug_info: DebugInfo | None = None):
    super().__init__(parent)
    self.debug_info = debug_info
    self.invars: list[Var] = []
    self.eqns: list[JaxprEqn] = []
    self.constvars: dict[int, tuple[object, Var]] = {}  # id(value) -> (value, var)

  def new_arg(self, aval: ShapedArray) -> StagingTracer:
    var = Var(aval)
    self.invars.append(var)
    return StagingTracer(self, aval, var)

  def to_atom(self, x):
    """The jaxpr atom standing for `x`: own tracers are variables, everything else a constant."""
    if isinstance(x, StagingTracer) and x._trace is self:
      return x.atom
    if isinstance(x, Tracer):
      core.check_foreign_tracer(x)
      return self._constvar(x, x.aval)
    if type(x) is Token:
      return self._constvar(x, abstract_token)
    if _is_literalable(x):
      value, weak = core.canonicalize_value(x)
      return Literal(value, ShapedArray((), value.dtype, weak))
    if type(x) is not Array:
      value, weak = core.canonicalize_value(x)
      x = Array(value, weak)
    return self._constvar(x, x.aval)

  def _constvar(self, value, aval: ShapedArray) -> Var:
    entry = self.constvars.get(id(value))
    if entry is None:
      entry = self.constvars[id(value)] = (value, Var(aval))
    return entry[1]

  def process_primitive(self, primitive, args, params):
    fold = const_fold_rules.get(primitive)
    if fold is not None and not any(isinstance(x, Tracer) for x in args):
      folded = fold(args, params)
      if folded is not None:
        return folded
    atoms = [self.to_atom(x) for x in args]
    out_aval = primitive.abstract_eval(*(a.aval for a in atoms), **params)
    if primitive.multiple_results:
      outs = [StagingTracer(self, aval, Var(aval)) for aval in out_aval]
    else:
      outs = [StagingTracer(self, out_aval, Var(out_aval))]
    self.eqns.append(JaxprEqn(atoms, [t.atom for t in outs], primitive, params))
    return outs if primitive.multiple_results else outs[0]

  def to_jaxpr(self, outs: Sequence) -> tuple[Jaxpr, list]:
    outvars = [self.to_atom(x) for x in outs]
    consts = [value for value, _ in self.constvars.values()]
    constvars = [var for _, var in self.constvars.values()]
    return Jaxpr(constvars, self.invars, outvars, self.eqns, self.debug_info), consts

  # --- error messages -------------------------------------------------------------------------
  def origin_msg(self, tracer: StagingTracer) -> str:
    info = self.debug_info
    if info is None:
      return ""
    needed = {tracer.atom}
    for eqn in reversed(self.eqns):
      if any(v in needed for v in eqn.outvars):
        needed.update(a for a in eqn.invars if type(a) is Var)
    names = [name for v, name in zip(self.invars, info.arg_names) if v in needed]
    where = (f"\nThe error occurred while tracing the function {info.func_src_info} for "
             f"{info.traced_for}.")
    if not names:
      return where
    if len(names) == 1:
      return (f"{where} This concrete value was not available in Python because it depends on "
              f"the value of the argument {names[0]}.")
    listed = ", ".join(names[:-1]) + f" and {names[-1]}"
    return (f"{where} This concrete value was not available in Python because it depends on "
            f"the values of the arguments {listed}.")

  def leak_context(self) -> str:
    info = self.debug_info
    if info is None:
      return ""
    return (f"The function being traced when the value leaked was {info.func_src_info} traced "
            f"for {info.traced_for}.\n")


def func_src_info(fun: Callable) -> str:
  """`f at /path/file.py:12`, naming the `def` line as JAX does (past any decorators)."""
  name = getattr(fun, "__name__", type(fun).__name__)
  try:
    target = inspect.unwrap(fun)
    lines, first = inspect.getsourcelines(target)
    filename = inspect.getsourcefile(target)
  except (TypeError, OSError):
    return name
  decorators = next((i for i, line in enumerate(lines) if not line.lstrip().startswith("@")), 0)
  return f"{name} at {filename}:{first + decorators}"


def trace_to_jaxpr(flat_fun: Callable, in_avals: Sequence[ShapedArray],
                   debug_info: DebugInfo | None = None) -> tuple[Jaxpr, list]:
  """Trace `flat_fun` (a function of a flat list of arrays returning a flat list) to a jaxpr and
  the values of its constvars."""
  trace = StagingTrace(core.current_trace(), debug_info)
  args = [trace.new_arg(aval) for aval in in_avals]
  try:
    with core.set_current_trace(trace):
      outs = flat_fun(*args)
    return trace.to_jaxpr(outs)
  finally:
    trace.invalidate()


def closed_call_to_jaxpr(flat_fun, in_avals, debug_info=None) -> core.ClosedJaxpr:
  jaxpr, consts = trace_to_jaxpr(flat_fun, in_avals, debug_info)
  return core.ClosedJaxpr(jaxpr, consts)
