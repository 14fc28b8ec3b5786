"""Jaxpr-level transformations the control-flow rules (and jit's) apply to their bodies: JVP,
linearization into a forward and a linear part, and transposition.

Every function returns jaxprs whose closed-over values are leading *inputs*, together with the
values to pass for them, so a rule can bind its primitive with those values as operands (they
may be tracers of an enclosing transformation).
"""
from __future__ import annotations

from typing import Callable, Sequence

from pyjax._src import core
from pyjax._src.avals import ShapedArray
from pyjax._src.core import ClosedJaxpr, Jaxpr
from pyjax._src.interpreters import ad, batching, staging


def consts_as_inputs(jaxpr: Jaxpr, consts: Sequence) -> tuple[ClosedJaxpr, list]:
  """`jaxpr` with its constvars turned into leading invars, and the values for them."""
  if not jaxpr.constvars:
    return ClosedJaxpr(jaxpr, []), []
  lifted = Jaxpr([], [*jaxpr.constvars, *jaxpr.invars], jaxpr.outvars, jaxpr.eqns,
                 jaxpr.debug_info)
  return ClosedJaxpr(lifted, []), list(consts)


def hoist(closed: ClosedJaxpr) -> tuple[ClosedJaxpr, list]:
  return consts_as_inputs(closed.jaxpr, closed.consts)


def trace(fun: Callable, in_avals: Sequence[ShapedArray]) -> tuple[ClosedJaxpr, list]:
  """Trace `fun` (flat in, flat out); its closed-over values become leading inputs."""
  jaxpr, consts = staging.trace_to_jaxpr(fun, list(in_avals))
  return consts_as_inputs(jaxpr, consts)


def run(closed: ClosedJaxpr, *args) -> list:
  """Evaluate `closed` under the current trace."""
  return core.eval_jaxpr(closed.jaxpr, closed.consts, *args)


def tangent_avals(avals: Sequence[ShapedArray], nonzeros: Sequence[bool]) -> list[ShapedArray]:
  return [ad.tangent_aval(a) for a, nz in zip(avals, nonzeros) if nz]


def _instantiate_mask(instantiate, n: int) -> list[bool]:
  return [instantiate] * n if isinstance(instantiate, bool) else list(instantiate)


# ------------------------------------------------------------------------------------------------
# Forward mode


def jvp(closed: ClosedJaxpr, nonzeros: Sequence[bool], instantiate: bool | Sequence[bool]
        ) -> tuple[ClosedJaxpr, list, list[bool]]:
  """The JVP of `closed`: a jaxpr from (consts..., primals..., nonzero tangents...) to
  (primal outputs..., nonzero output tangents...), its consts, and which output tangents are
  nonzero (at least those in `instantiate`)."""
  jaxpr, consts, out_nonzeros = ad.jvp_jaxpr(closed.jaxpr, closed.consts, list(nonzeros),
                                             instantiate)
  jvp_closed, jvp_consts = consts_as_inputs(jaxpr, consts)
  return jvp_closed, jvp_consts, out_nonzeros


def jvp_out_nonzeros(closed: ClosedJaxpr, nonzeros: Sequence[bool]) -> list[bool]:
  return jvp(closed, nonzeros, False)[2]


# ------------------------------------------------------------------------------------------------
# Linearization


class Linearized:
  """`closed` split for reverse mode. `forward` maps (forward_consts..., primals...) to
  (primal outputs..., residuals...); `linear` maps (linear_consts..., residuals..., nonzero
  tangents...) to the nonzero output tangents (`out_nonzeros`), and is linear in the tangents."""
  __slots__ = ("forward", "forward_consts", "num_res", "res_avals", "linear", "linear_consts",
               "out_nonzeros")

  def __init__(self, forward, forward_consts, res_avals, linear, linear_consts, out_nonzeros):
    self.forward = forward
    self.forward_consts = forward_consts
    self.res_avals = res_avals
    self.num_res = len(res_avals)
    self.linear = linear
    self.linear_consts = linear_consts
    self.out_nonzeros = out_nonzeros


def linearize(closed: ClosedJaxpr, nonzeros: Sequence[bool],
              instantiate: bool | Sequence[bool] = False) -> Linearized:
  """Linearize `closed` with respect to the inputs marked in `nonzeros`. The primal work is
  staged into the forward jaxpr; nested primitives use their own linearization rules, so the
  linear jaxpr only holds tangent work."""
  in_avals = closed.in_avals
  num_out = len(closed.out_avals)
  instantiate = _instantiate_mask(instantiate, num_out)
  found: dict = {}

  def forward(*primals):
    parent = core.current_trace()
    tangent_trace = ad.TangentTrace(parent)
    lin_trace = ad.LinearizeTrace(parent, tangent_trace)
    ins = [ad.LinearizeTracer(lin_trace, p, tangent_trace.new_arg(ad.tangent_aval(a))) if nz
           else p for p, a, nz in zip(primals, in_avals, nonzeros)]
    try:
      with core.set_current_trace(lin_trace):
        outs = run(closed, *ins)
      pairs = [lin_trace.to_primal_tangent(x) for x in outs]
      out_nonzeros = [type(t) is not ad.Zero for _, t in pairs]
      raw, residuals = tangent_trace.to_jaxpr([t for _, t in pairs if type(t) is not ad.Zero])
    finally:
      lin_trace.invalidate()
      tangent_trace.invalidate()
    found.update(raw=raw, out_nonzeros=out_nonzeros,
                 res_avals=[core.get_aval(r) for r in residuals])
    return [*(p for p, _ in pairs), *residuals]

  fwd, fwd_consts = trace(forward, in_avals)
  raw, res_avals = found["raw"], found["res_avals"]
  raw_nonzeros = found["out_nonzeros"]
  out_nonzeros = [nz or inst for nz, inst in zip(raw_nonzeros, instantiate)]
  out_avals = [ad.tangent_aval(a) for a in closed.out_avals]
  raw_closed = ClosedJaxpr(Jaxpr([], [*raw.constvars, *raw.invars], raw.outvars, raw.eqns), [])

  def linear(*args):
    outs = iter(run(raw_closed, *args))
    return [next(outs) if nz else ad.zeros_like_aval(aval)
            for nz, inst, aval in zip(raw_nonzeros, instantiate, out_avals) if nz or inst]

  lin, lin_consts = trace(linear, [*res_avals, *tangent_avals(in_avals, nonzeros)])
  return Linearized(fwd, fwd_consts, res_avals, lin, lin_consts, out_nonzeros)


def linearize_out_nonzeros(closed: ClosedJaxpr, nonzeros: Sequence[bool]) -> list[bool]:
  return linearize(closed, nonzeros).out_nonzeros


# ------------------------------------------------------------------------------------------------
# Transposition


def transpose(closed: ClosedJaxpr, undefined: Sequence[bool], ct_nonzeros: Sequence[bool]
              ) -> tuple[ClosedJaxpr, list]:
  """The transpose of `closed` (linear in the inputs marked `undefined`): a jaxpr from
  (consts..., defined inputs..., nonzero output cotangents...) to the cotangents of the
  undefined inputs (zeros instantiated), and its consts."""
  in_avals = closed.in_avals
  defined_avals = [a for a, u in zip(in_avals, undefined) if not u]
  ct_avals = [ad.tangent_aval(a) for a, nz in zip(closed.out_avals, ct_nonzeros) if nz]
  num_defined = len(defined_avals)

  def transposed(*args):
    defined, cts = iter(args[:num_defined]), iter(args[num_defined:])
    operands = [ad.UndefinedPrimal(a) if u else next(defined) for a, u in zip(in_avals, undefined)]
    out_cts = [next(cts) if nz else ad.Zero(ad.tangent_aval(a))
               for a, nz in zip(closed.out_avals, ct_nonzeros)]
    in_cts = ad.backward_pass(closed.jaxpr, closed.consts, operands, out_cts)
    return [ad.instantiate_zeros(ct) for ct, u in zip(in_cts, undefined) if u]

  return trace(transposed, [*defined_avals, *ct_avals])


# ------------------------------------------------------------------------------------------------
# Batching


def batch(closed: ClosedJaxpr, axis_data, in_dims: Sequence, out_dims: Sequence | None = None
          ) -> tuple[ClosedJaxpr, list, list]:
  """`closed` with inputs batched along `in_dims` (None: unbatched): the batched jaxpr (its
  closed-over values leading inputs), those values, and the outputs' batch dimensions
  (`out_dims` where it gives one; unbatched outputs stay unbatched where it gives None)."""
  batched, dims = batching.batch_jaxpr(closed, axis_data, list(in_dims),
                                       None if out_dims is None else list(out_dims))
  lifted, consts = hoist(batched)
  return lifted, consts, dims


def batched_outputs(closed: ClosedJaxpr, axis_data, in_dims: Sequence) -> list[bool]:
  return [d is not None for d in batch(closed, axis_data, in_dims)[2]]
