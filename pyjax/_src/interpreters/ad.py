"""Automatic differentiation: forward mode (JVP), linearization and transposition.

Forward mode runs the user's function under a `JVPTrace`: each of its tracers carries a primal and
a tangent, and each primitive's JVP rule (`primitive_jvps`) computes both outputs under the parent
trace. Tangents may be symbolically zero (`Zero(aval)`), so untouched inputs cost nothing.

Reverse mode is linearization plus transposition, from the same JVP rules:

* `linearize` runs the function under a `LinearizeTrace`, whose tangents are variables of a
  `TangentTrace`. The JVP rules run with that tangent trace current; it stages an operation only
  if one of its operands is a tangent, and hands every other operation (the primal work, such as
  `cos(x)` in `sin`'s rule) to the parent trace. The result is the primal output plus a *linear*
  jaxpr from input tangents to output tangents whose constants are the residuals.
* `backward_pass` transposes a linear jaxpr: it evaluates the equations that do not touch a
  linear input, then walks the linear ones backwards, calling each primitive's transpose rule
  (`primitive_transposes`) with `UndefinedPrimal(aval)` standing for its linear operands.

Traces are recognised by identity (`x._trace is self`), so nested differentiation never confuses
perturbations, and every trace is invalidated when its transformation returns.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from pyjax._src import core, dtypes, tree_util
from pyjax._src.array import Array
from pyjax._src.avals import AbstractToken, ShapedArray
from pyjax._src.backend import xp
from pyjax._src.core import Jaxpr, JaxprEqn, Literal, Primitive, Tracer, Var
from pyjax._src.interpreters.staging import StagingTrace, StagingTracer, trace_to_jaxpr

# ------------------------------------------------------------------------------------------------
# Tangent values: avals, symbolic zeros and tangent addition


def tangent_dtype(dtype) -> np.dtype:
  """The dtype of tangents of `dtype`: itself if inexact, else the zero-size `float0`."""
  if dtypes.issubdtype(dtype, np.inexact):
    return dtype
  return dtypes.float0


def tangent_aval(aval: ShapedArray) -> ShapedArray:
  if type(aval) is AbstractToken:  # a token's tangent is never materialised (see zeros_like_aval)
    return aval
  if dtypes.issubdtype(aval.dtype, np.inexact):
    return aval
  return ShapedArray(aval.shape, dtypes.float0, aval.weak_type)


class Zero:
  """A tangent (or cotangent) known to be zero, of type `aval`; never materialised unless asked."""
  __slots__ = ("aval",)

  def __init__(self, aval: ShapedArray):
    self.aval = aval

  @staticmethod
  def from_primal(x) -> "Zero":
    return Zero(tangent_aval(core.get_aval(x)))

  def __repr__(self):
    return f"Zero({self.aval})"


# How to build an array of zeros under the current trace: registered by lax (it needs a
# broadcasting primitive), so that instantiated zeros are staged as JAX stages them.
_zeros_builder: list[Callable] = []


def def_zeros_builder(build: Callable) -> None:
  """Register `build(aval) -> zeros` (called under the trace that needs the zeros)."""
  _zeros_builder[:] = [build]


def zeros_like_aval(aval: ShapedArray):
  if type(aval) is AbstractToken:
    raise KeyError(TOKEN_TANGENT_ERROR)
  if aval.dtype == dtypes.float0:
    return np.zeros(aval.shape, dtypes.float0)
  return _zeros_builder[0](aval)


TOKEN_TANGENT_ERROR = (
    "Tokens (from lax.create_token or lax.after_all) have no tangents, so a token cannot be an "
    "input or output that jvp/grad/linearize differentiates. Create and consume tokens inside "
    "the differentiated function, or return them as auxiliary outputs (has_aux=True).")


def instantiate_zeros(t):
  """`t` itself, or an array of zeros of its type if it is a symbolic `Zero`."""
  return zeros_like_aval(t.aval) if type(t) is Zero else t


def is_float0(x) -> bool:
  return (isinstance(x, np.ndarray) and x.dtype == dtypes.float0)


add_any_p = Primitive("add_any")
add_any_p.def_impl(lambda x, y: xp.add(x, y))


def _add_any_abstract_eval(x, y):
  if x.shape != y.shape or x.dtype != y.dtype:
    raise TypeError(f"add_any requires equal types, got {x} and {y}")
  return ShapedArray(x.shape, x.dtype, x.weak_type and y.weak_type)


add_any_p.def_abstract_eval(_add_any_abstract_eval)


def add_tangents(x, y):
  """The sum of two tangents, skipping symbolic zeros."""
  if type(x) is Zero:
    return y
  if type(y) is Zero:
    return x
  return add_any_p.bind(x, y)


# ------------------------------------------------------------------------------------------------
# Rule tables and the helpers that fill them

# primitive -> rule(primals, tangents, **params) -> (primal_out, tangent_out). Tangents may be
# `Zero`; for multiple-result primitives both outputs are lists.
primitive_jvps: dict[Primitive, Callable] = {}
# primitive -> rule(cotangent, *operands, **params) -> one cotangent (or None) per operand. Linear
# operands arrive as `UndefinedPrimal`, the others as values; the cotangent is never `Zero`.
primitive_transposes: dict[Primitive, Callable] = {}
# primitive -> rule with the JVP signature, used instead of the JVP rule while linearizing. Only
# primitives whose JVP rule would stage primal and tangent work as one equation (those holding a
# jaxpr) need one: the rule must compute the primal outputs on the parent trace.
primitive_linearizations: dict[Primitive, Callable] = {}


def _bind(primitive, args, params):
  return primitive.bind(*args, **params)


def defjvp(primitive: Primitive, *rules: Callable | None) -> None:
  """JVP from one rule per operand, `rule(tangent, *primals, **params) -> output tangent`, summed
  over the operands with nonzero tangents; None marks an operand that is not differentiable."""
  def jvp(primals, tangents, **params):
    out = primitive.bind(*primals, **params)
    total = Zero.from_primal(out)
    if total.aval.dtype == dtypes.float0:
      return out, total
    for rule, t in zip(rules, tangents):
      if rule is not None and type(t) is not Zero:
        total = add_tangents(total, rule(t, *primals, **params))
    return out, total
  primitive_jvps[primitive] = jvp


def defjvp2(primitive: Primitive, *rules: Callable | None) -> None:
  """Like `defjvp`, with each rule also given the primal output: `rule(t, out, *primals)`."""
  def jvp(primals, tangents, **params):
    out = primitive.bind(*primals, **params)
    total = Zero.from_primal(out)
    if total.aval.dtype == dtypes.float0:
      return out, total
    for rule, t in zip(rules, tangents):
      if rule is not None and type(t) is not Zero:
        total = add_tangents(total, rule(t, out, *primals, **params))
    return out, total
  primitive_jvps[primitive] = jvp


def defjvp_zero(primitive: Primitive) -> None:
  """The output tangent is zero (piecewise constant or integer-valued results)."""
  def jvp(primals, tangents, **params):
    out = primitive.bind(*primals, **params)
    if primitive.multiple_results:
      return out, [Zero.from_primal(o) for o in out]
    return out, Zero.from_primal(out)
  primitive_jvps[primitive] = jvp


def deflinear(primitive: Primitive, transpose_rule: Callable) -> None:
  """A primitive linear in all its operands: its JVP applies it to the tangents (zeros
  instantiated), and `transpose_rule(ct, *operands, **params)` is its transpose."""
  def jvp(primals, tangents, **params):
    out = primitive.bind(*primals, **params)
    if all(type(t) is Zero for t in tangents):
      return out, Zero.from_primal(out)
    return out, primitive.bind(*map(instantiate_zeros, tangents), **params)
  primitive_jvps[primitive] = jvp
  primitive_transposes[primitive] = transpose_rule


def defbilinear(primitive: Primitive, lhs_transpose: Callable, rhs_transpose: Callable) -> None:
  """A primitive linear in each of its two operands separately (a product): the JVP is the
  product rule; `lhs_transpose(ct, lhs, rhs)` gives the cotangent of an undefined lhs."""
  def jvp(primals, tangents, **params):
    lhs, rhs = primals
    t_lhs, t_rhs = tangents
    out = primitive.bind(lhs, rhs, **params)
    total = Zero.from_primal(out)
    if type(t_lhs) is not Zero:
      total = add_tangents(total, primitive.bind(t_lhs, rhs, **params))
    if type(t_rhs) is not Zero:
      total = add_tangents(total, primitive.bind(lhs, t_rhs, **params))
    return out, total

  def transpose(ct, lhs, rhs, **params):
    if is_undefined_primal(lhs) and is_undefined_primal(rhs):
      raise NotImplementedError(f"{primitive.name} is not linear in both operands at once: "
                                "cannot transpose a product of two linear values")
    if is_undefined_primal(lhs):
      return [lhs_transpose(ct, lhs, rhs, **params), None]
    return [None, rhs_transpose(ct, lhs, rhs, **params)]

  primitive_jvps[primitive] = jvp
  primitive_transposes[primitive] = transpose


def _add_any_transpose(ct, x, y):
  return [ct if is_undefined_primal(x) else None, ct if is_undefined_primal(y) else None]


deflinear(add_any_p, _add_any_transpose)


# ------------------------------------------------------------------------------------------------
# Forward mode


def _concrete_value_of(x):
  if isinstance(x, Tracer):
    return x.to_concrete_value()
  return x._live() if type(x) is Array else x


class JVPTracer(Tracer):
  __slots__ = ("primal", "tangent")

  def __init__(self, trace: "JVPTrace", primal, tangent):
    self._trace = trace
    self.primal = primal
    self.tangent = tangent

  @property
  def aval(self) -> ShapedArray:
    return core.get_aval(self.primal)

  def to_concrete_value(self):
    return _concrete_value_of(self.primal)

  def __repr__(self):
    return f"JVPTracer(primal={self.primal}, tangent={self.tangent})"


class JVPTrace(core.Trace):
  """Forward-mode differentiation: rules run under `rule_trace`, the parent trace."""
  tracer_class = JVPTracer

  def __init__(self, parent: core.Trace):
    super().__init__(parent)
    self.rule_trace = parent

  def new_tracer(self, primal, tangent):
    """A tracer for (primal, tangent), or the primal itself when the tangent is zero."""
    if type(tangent) is Zero:
      return primal
    return self.tracer_class(self, primal, tangent)

  def to_primal_tangent(self, x):
    if isinstance(x, JVPTracer) and x._trace is self:
      return x.primal, x.tangent
    return x, Zero.from_primal(x)

  def owns_any(self, args) -> bool:
    return any(isinstance(x, JVPTracer) and x._trace is self for x in args)

  def rule(self, primitive: Primitive) -> Callable:
    rule = primitive_jvps.get(primitive)
    if rule is None:
      raise NotImplementedError(
          f"Differentiation rule for '{primitive.name}' not implemented")
    return rule

  def process_primitive(self, primitive, args, params):
    primals, tangents, own = [], [], False
    for x in args:
      if isinstance(x, JVPTracer) and x._trace is self:
        primals.append(x.primal)
        tangents.append(x.tangent)
        own = True
      else:
        if isinstance(x, Tracer):
          core.check_foreign_tracer(x)
        primals.append(x)
        tangents.append(None)
    if not own:
      with core.set_current_trace(self.parent):
        return primitive.bind(*args, **params)
    tangents = [Zero.from_primal(p) if t is None else t for p, t in zip(primals, tangents)]
    rule = self.rule(primitive)
    with core.set_current_trace(self.rule_trace):
      primal_out, tangent_out = rule(primals, tangents, **params)
    if primitive.multiple_results:
      return [self.new_tracer(p, t) for p, t in zip(primal_out, tangent_out)]
    return self.new_tracer(primal_out, tangent_out)

  def process_custom_call(self, primitive, fun, args, params):
    """A custom_jvp/custom_vjp call: handled by its primitive's rule if an argument is ours,
    else NotImplemented (it belongs to an enclosing trace)."""
    if not self.owns_any(args):
      return NotImplemented
    return self.process_primitive(primitive, args, params)


def jvp(fun: Callable, primals: Sequence, tangents: Sequence, has_aux: bool = False):
  """Forward mode on flat lists: `fun(*primals)` must return a flat list of outputs (and an aux
  pytree after it with `has_aux`). Returns (out_primals, out_tangents, aux); output tangents may
  be `Zero`."""
  trace = JVPTrace(core.current_trace())
  ins = [trace.new_tracer(p, Zero(tangent_aval(core.get_aval(p))) if t is None or is_float0(t)
                          else t) for p, t in zip(primals, tangents)]
  try:
    with core.set_current_trace(trace):
      out = fun(*ins)
    aux = None
    if has_aux:
      out, aux = out
      aux = strip_tracers(trace, aux)
    pairs = [trace.to_primal_tangent(x) for x in out]
  finally:
    trace.invalidate()
  return [p for p, _ in pairs], [t for _, t in pairs], aux


def strip_tracers(trace: JVPTrace, tree):
  """`tree` with the tracers of `trace` replaced by their primals (for auxiliary outputs)."""
  def strip(x):
    while isinstance(x, JVPTracer) and x._trace is trace:
      x = x.primal
    return x
  return tree_util.tree_map(strip, tree)


# ------------------------------------------------------------------------------------------------
# Linearization


class TangentTrace(StagingTrace):
  """Stages the tangent (linear) work of a linearization. An operation none of whose operands is
  one of its tracers is primal work: it goes to the parent trace instead."""

  def process_primitive(self, primitive, args, params):
    for x in args:
      if isinstance(x, StagingTracer) and x._trace is self:
        return super().process_primitive(primitive, args, params)
    with core.set_current_trace(self.parent):
      return primitive.bind(*args, **params)

  def process_custom_call(self, primitive, fun, args, params):
    if not any(isinstance(x, StagingTracer) and x._trace is self for x in args):
      return NotImplemented
    return fun(*args)  # a custom rule applied to tangents: the linear work is staged inline


class LinearizeTracer(JVPTracer):
  __slots__ = ()

  def __repr__(self):
    return f"GradTracer(primal={self.primal}, typeof(tangent)={self.tangent.aval.str_short()})"


class LinearizeTrace(JVPTrace):
  """A JVPTrace whose tangents are variables of a TangentTrace, where the JVP rules run."""
  tracer_class = LinearizeTracer

  def __init__(self, parent: core.Trace, tangent_trace: TangentTrace):
    super().__init__(parent)
    self.rule_trace = tangent_trace

  def rule(self, primitive: Primitive) -> Callable:
    return primitive_linearizations.get(primitive) or super().rule(primitive)


class Linearized:
  """The linear part of a linearization: a jaxpr from the nonzero input tangents to the nonzero
  output tangents, its residual constants, and which inputs and outputs those are."""
  __slots__ = ("jaxpr", "consts", "in_nonzeros", "out_nonzeros", "in_avals", "out_avals")

  def __init__(self, jaxpr, consts, in_nonzeros, out_nonzeros, in_avals, out_avals):
    self.jaxpr = jaxpr
    self.consts = consts
    self.in_nonzeros = in_nonzeros
    self.out_nonzeros = out_nonzeros
    self.in_avals = in_avals    # tangent avals of all inputs
    self.out_avals = out_avals  # tangent avals of all outputs

  def jvp(self, tangents: Sequence) -> list:
    """Output tangents (zeros instantiated) for the input tangents."""
    ins = [t for t, nz in zip(tangents, self.in_nonzeros) if nz]
    outs = iter(core.eval_jaxpr(self.jaxpr, self.consts, *ins))
    return [next(outs) if nz else zeros_like_aval(aval)
            for nz, aval in zip(self.out_nonzeros, self.out_avals)]

  def transpose(self, cotangents: Sequence) -> list:
    """Input cotangents (zeros instantiated) for the output cotangents."""
    cts = [ct for ct, nz in zip(cotangents, self.out_nonzeros) if nz]
    args = [UndefinedPrimal(v.aval) for v in self.jaxpr.invars]
    in_cts = iter(backward_pass(self.jaxpr, self.consts, args, cts))
    return [instantiate_zeros(next(in_cts)) if nz else zeros_like_aval(aval)
            for nz, aval in zip(self.in_nonzeros, self.in_avals)]


def linearize(fun: Callable, primals: Sequence, has_aux: bool = False):
  """Linearize on flat lists: returns (out_primals, Linearized, aux). Inputs of integer or
  boolean type are not differentiated (their cotangents are float0 zeros)."""
  parent = core.current_trace()
  tangent_trace = TangentTrace(parent)
  trace = LinearizeTrace(parent, tangent_trace)
  in_avals = [tangent_aval(core.get_aval(p)) for p in primals]
  in_nonzeros = [aval.dtype != dtypes.float0 for aval in in_avals]
  ins = [LinearizeTracer(trace, p, tangent_trace.new_arg(aval)) if nz else p
         for p, aval, nz in zip(primals, in_avals, in_nonzeros)]
  try:
    with core.set_current_trace(trace):
      out = fun(*ins)
    aux = None
    if has_aux:
      out, aux = out
      aux = strip_tracers(trace, aux)
    pairs = [trace.to_primal_tangent(x) for x in out]
    out_nonzeros = [type(t) is not Zero for _, t in pairs]
    jaxpr, consts = tangent_trace.to_jaxpr([t for _, t in pairs if type(t) is not Zero])
  finally:
    trace.invalidate()
    tangent_trace.invalidate()
  out_primals = [p for p, _ in pairs]
  out_avals = [tangent_aval(core.get_aval(p)) for p in out_primals]
  return out_primals, Linearized(jaxpr, consts, in_nonzeros, out_nonzeros, in_avals,
                                 out_avals), aux


# ------------------------------------------------------------------------------------------------
# Transposition


class UndefinedPrimal:
  """Stands for a linear operand of a primitive being transposed."""
  __slots__ = ("aval",)

  def __init__(self, aval: ShapedArray):
    self.aval = aval

  def __repr__(self):
    return f"UndefinedPrimal({self.aval})"


def is_undefined_primal(x) -> bool:
  return type(x) is UndefinedPrimal


def backward_pass(jaxpr: Jaxpr, consts: Sequence, args: Sequence, cotangents: Sequence) -> list:
  """Transpose `jaxpr` with respect to its inputs given as `UndefinedPrimal`: returns one
  cotangent per input (`Zero` where none flows; None for the defined inputs).

  Equations that read no linear variable are evaluated first (non-linear work on residuals);
  the linear ones are then transposed in reverse order, accumulating cotangents per variable."""
  env: dict = {}
  linear: set = set()
  for v, c in zip(jaxpr.constvars, consts):
    env[v] = c
  for v, a in zip(jaxpr.invars, args):
    if type(a) is UndefinedPrimal:
      linear.add(v)
    else:
      env[v] = a

  def read(atom):
    if type(atom) is Literal:  # a weakly typed literal stays weak, as in core.eval_jaxpr
      return Array(atom.val, True) if atom.aval.weak_type else atom.val
    return env[atom]

  linear_eqns = []
  for eqn in jaxpr.eqns:
    if any(type(a) is not Literal and a in linear for a in eqn.invars):
      linear.update(eqn.outvars)
      linear_eqns.append(eqn)
      continue
    outs = eqn.primitive.bind(*map(read, eqn.invars), **eqn.params)
    if eqn.primitive.multiple_results:
      env.update(zip(eqn.outvars, outs))
    else:
      env[eqn.outvars[0]] = outs

  cts: dict = {}

  def accumulate(atom, ct):
    if ct is None or type(ct) is Zero or type(atom) is Literal or atom not in linear:
      return
    cts[atom] = add_tangents(cts[atom], ct) if atom in cts else ct

  for v, ct in zip(jaxpr.outvars, cotangents):
    accumulate(v, ct)
  for eqn in reversed(linear_eqns):
    outs_ct = [cts.pop(v, None) for v in eqn.outvars]
    if all(ct is None for ct in outs_ct):
      continue
    rule = primitive_transposes.get(eqn.primitive)
    if rule is None:
      raise NotImplementedError(
          f"Transpose rule (for reverse-mode differentiation) for '{eqn.primitive.name}' "
          "not implemented")
    operands = [UndefinedPrimal(a.aval) if type(a) is not Literal and a in linear else read(a)
                for a in eqn.invars]
    if eqn.primitive.multiple_results:
      ct = [Zero(v.aval) if c is None else c for v, c in zip(eqn.outvars, outs_ct)]
    else:
      ct = outs_ct[0]
    for a, ct_in in zip(eqn.invars, rule(ct, *operands, **eqn.params)):
      accumulate(a, ct_in)
  return [(cts[v] if v in cts else Zero(v.aval)) if v in linear else None
          for v in jaxpr.invars]


# ------------------------------------------------------------------------------------------------
# Jaxpr-level helpers for primitives that hold jaxprs (remat, control flow, jit)


def jvp_jaxpr(jaxpr: Jaxpr, consts: Sequence, nonzeros: Sequence[bool],
              instantiate: bool | Sequence[bool] = False) -> tuple[Jaxpr, list, list[bool]]:
  """The JVP of `jaxpr` as a jaxpr taking (primals..., nonzero tangents...) and returning
  (primal outputs..., nonzero output tangents...). Returns it, its consts and which output
  tangents are nonzero (those in `instantiate` are always produced)."""
  n = len(jaxpr.invars)
  out_nonzeros: list[bool] = []
  if isinstance(instantiate, bool):
    instantiate = [instantiate] * len(jaxpr.outvars)

  def flat(*args):
    primals, tangents = args[:n], iter(args[n:])
    tangents_in = [next(tangents) if nz else None for nz in nonzeros]
    outs, out_tangents, _ = jvp(lambda *xs: core.eval_jaxpr(jaxpr, consts, *xs), primals,
                                tangents_in)
    out_tangents = [instantiate_zeros(t) if inst else t
                    for t, inst in zip(out_tangents, instantiate)]
    out_nonzeros[:] = [type(t) is not Zero for t in out_tangents]
    return [*outs, *(t for t in out_tangents if type(t) is not Zero)]

  in_avals = [v.aval for v in jaxpr.invars]
  tangent_avals = [tangent_aval(a) for a, nz in zip(in_avals, nonzeros) if nz]
  out_jaxpr, out_consts = trace_to_jaxpr(flat, in_avals + tangent_avals)
  return out_jaxpr, out_consts, out_nonzeros


def partial_eval_jaxpr(jaxpr: Jaxpr, unknowns: Sequence[bool],
                       saveable: Callable[[JaxprEqn], bool] = lambda eqn: True
                       ) -> tuple[Jaxpr, Jaxpr, list[bool]]:
  """Split a jaxpr (no constvars) whose inputs are partly known into a *known* jaxpr, computing
  everything that depends only on known inputs, and an *unknown* jaxpr for the rest.

  Returns (known, unknown, out_unknowns): `known(known_ins) -> (known_outs..., residuals...)`
  and `unknown(residuals..., unknown_ins) -> unknown_outs`, where an output is unknown (as
  `out_unknowns` says) if it depends on an unknown input. Known values the unknown side needs are residuals if known inputs
  or outputs of equations `saveable` allows saving; the others are recomputed on the unknown
  side (rematerialization), from residuals in turn."""
  unknown_vars = {v for v, u in zip(jaxpr.invars, unknowns) if u}
  known_eqns, unknown_eqns = [], []
  producer: dict = {}
  for eqn in jaxpr.eqns:
    if any(type(a) is not Literal and a in unknown_vars for a in eqn.invars):
      unknown_vars.update(eqn.outvars)
      unknown_eqns.append(eqn)
    else:
      known_eqns.append(eqn)
      for v in eqn.outvars:
        producer[v] = eqn
  out_unknowns = [type(v) is not Literal and v in unknown_vars for v in jaxpr.outvars]

  residuals: dict = {}  # insertion-ordered set
  recomputed: set = set()

  def need(atom):
    if type(atom) is Literal or atom in unknown_vars or atom in residuals:
      return
    eqn = producer.get(atom)
    if eqn is None or saveable(eqn):
      residuals[atom] = None
    elif id(eqn) not in recomputed:
      recomputed.add(id(eqn))
      for a in eqn.invars:
        need(a)

  for eqn in unknown_eqns:
    for a in eqn.invars:
      need(a)
  for v, u in zip(jaxpr.outvars, out_unknowns):
    if u:
      need(v)
  residual_vars = list(residuals)
  known = Jaxpr([], [v for v, u in zip(jaxpr.invars, unknowns) if not u],
                [v for v, u in zip(jaxpr.outvars, out_unknowns) if not u] + residual_vars,
                _dce(known_eqns, [v for v, u in zip(jaxpr.outvars, out_unknowns) if not u]
                     + residual_vars))
  unknown = Jaxpr([], residual_vars + [v for v, u in zip(jaxpr.invars, unknowns) if u],
                  [v for v, u in zip(jaxpr.outvars, out_unknowns) if u],
                  [e for e in jaxpr.eqns if id(e) in recomputed] + unknown_eqns)
  return known, unknown, out_unknowns


def _dce(eqns: Sequence[JaxprEqn], outputs: Sequence) -> list[JaxprEqn]:
  """The equations needed to compute `outputs`."""
  live = {a for a in outputs if type(a) is not Literal}
  kept = []
  for eqn in reversed(eqns):
    if any(v in live for v in eqn.outvars):
      kept.append(eqn)
      live.update(a for a in eqn.invars if type(a) is not Literal)
  return kept[::-1]


class CustomVJPException(Exception):
  def __init__(self):
    super().__init__(
        "Detected differentiation of a custom_vjp function with respect to a closed-over "
        "value. That isn't supported because the custom VJP rule only specifies how to "
        "differentiate the custom_vjp function with respect to explicit input parameters. Try "
        "passing the closed-over value into the custom_vjp function as an argument, and "
        "adapting the custom_vjp fwd and bwd rules.")
