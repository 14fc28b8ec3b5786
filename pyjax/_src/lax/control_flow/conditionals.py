"""`cond` and `switch`: the `cond` primitive, which runs one of several branch jaxprs chosen by
an int32 index.

Operands: `index`, then the branches' closed-over values, then the operands. Param
`branches=(jaxpr_0, ...)`; `lax.cond(pred, ...)` binds `(false_branch, true_branch)` with the
predicate converted to int32, `lax.switch` clamps its index into range. Outputs that every
branch merely forwards from the same input are not computed by the primitive.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from pyjax._src import core, dtypes, errors, tree_util
from pyjax._src.config import config
from pyjax._src.core import Primitive
from pyjax._src.interpreters import ad, batching
from pyjax._src.lax.control_flow import common, transforms
from pyjax._src.lax.control_flow.common import (as_array, check_branch_outputs,
                                                flatten_operands, forwarding,
                                                merge_common_consts, prune_outputs, trace_body)

_no_operand = object()

# ------------------------------------------------------------------------------------------------
# The primitive

cond_p = Primitive("cond", multiple_results=True)


def _cond_impl(index, *args, branches, **params):
  i = int(np.clip(index, 0, len(branches) - 1))
  return common.executable(branches[i])(*args)


def _cond_abstract_eval(index, *avals, branches, **params):
  if index.dtype != np.int32 or index.shape:
    raise errors.JaxprTypeError(
        f"cond called with index of type {index.str_short(False)} instead of int32[]")
  first = branches[0]
  for i, branch in enumerate(branches[1:]):
    if len(branch.in_avals) != len(first.in_avals) or not all(
        map(common.typematch, first.in_avals, branch.in_avals)):
      raise errors.JaxprTypeError(f"cond branches 0 and {i + 1} have mismatching input "
                                  "types")
    if len(branch.out_avals) != len(first.out_avals) or not all(
        map(common.typematch, first.out_avals, branch.out_avals)):
      raise errors.JaxprTypeError(f"cond branches 0 and {i + 1} have mismatching output "
                                  "types")
  if len(avals) != len(first.in_avals):
    raise errors.JaxprTypeError(f"cond called with {len(avals)} non-predicate operands, "
                                f"but branches take {len(first.in_avals)} inputs")
  if not all(map(common.typematch, first.in_avals, avals)):
    raise errors.JaxprTypeError(
        f"cond branches take input types {' '.join(a.str_short() for a in first.in_avals)}, "
        f"called with operands of type {' '.join(a.str_short() for a in avals)}")
  return list(first.out_avals)


cond_p.def_impl(_cond_impl)
cond_p.def_abstract_eval(_cond_abstract_eval)
cond_p.weak_type_rule = lambda *weak_types, branches, **params: [
    a.weak_type for a in branches[0].out_avals]


def _bind_cond(index, consts: list, operands: list, jaxprs: list, out_tree,
               forwards: list[int | None], **params) -> Any:
  """Bind `cond` on the branches (already pruned of forwarded outputs) and put the forwarded
  inputs back among the outputs. `params` are extra parameters (`branches_platforms`)."""
  outs = iter(cond_p.bind(index, *consts, *operands, branches=tuple(jaxprs), **params))
  inputs = [*consts, *operands]
  flat = [next(outs) if f is None else as_array(inputs[f]) for f in forwards]
  return tree_util.tree_unflatten(out_tree, flat)


def _prune_forwarded(jaxprs: list) -> tuple[list, list[int | None]]:
  """Outputs that all branches forward from the same input are returned without computing."""
  per_branch = [forwarding(j.jaxpr) for j in jaxprs]
  forwards = [f[0] if len(set(f)) == 1 else None for f in zip(*per_branch)]
  keep = [f is None for f in forwards]
  return [prune_outputs(j, keep) for j in jaxprs], forwards


# ------------------------------------------------------------------------------------------------
# The API


def _operands_from(operands: tuple, operand) -> tuple:
  if operand is not _no_operand:
    if operands:
      raise TypeError("if 'operand' keyword is passed then no positional operands can be "
                      f"passed, got operand={operand!r} and positional operands {operands}")
    return (operand,)
  return operands


def cond(pred, true_fun: Callable, false_fun: Callable, *operands, operand=_no_operand):
  """`true_fun(*operands)` if `pred` else `false_fun(*operands)`; both branches are traced,
  only one runs. Also accepts the legacy form `cond(pred, true_operand, true_fun,
  false_operand, false_fun)`."""
  if not (callable(true_fun) and callable(false_fun)):
    if callable(false_fun) and len(operands) == 2 and callable(operands[1]):
      x_true, f_true, x_false, f_false = true_fun, false_fun, *operands
      return cond(pred, lambda x, _: f_true(x), lambda _, x: f_false(x), x_true, x_false)
    raise TypeError("lax.cond: true_fun and false_fun arguments should be callable.")
  operands = _operands_from(operands, operand)
  if pred is None:
    raise TypeError("cond predicate is None")
  if isinstance(pred, Sequence) or np.ndim(pred) != 0:
    raise TypeError(f"Pred must be a scalar, got {pred} of " + (
        f"type {type(pred)}" if isinstance(pred, Sequence) else f"shape {np.shape(pred)}."))
  try:
    pred_dtype = dtypes.result_type(pred)
  except TypeError as error:
    raise TypeError(f"Pred type must be either boolean or number, got {pred}.") from error
  if pred_dtype.kind != "b":
    if pred_dtype.kind not in "iuf":
      raise TypeError(f"Pred type must be either boolean or number, got {pred_dtype}.")
    pred = pred != 0
  if config.jax_disable_jit and core.is_concrete(pred):
    return true_fun(*operands) if pred else false_fun(*operands)

  flat, in_tree, avals = flatten_operands(operands)
  true = trace_body(true_fun, operands, avals, in_tree, "cond")
  false = trace_body(false_fun, operands, avals, in_tree, "cond")
  (true_jaxpr, false_jaxpr), consts = merge_common_consts(
      [true.jaxpr, false.jaxpr], [true.consts, false.consts])
  check_branch_outputs("cond", "true_fun", "false_fun", true_fun, false_fun, true.out_tree,
                       true.out_avals, false.out_tree, false.out_avals)
  (false_jaxpr, true_jaxpr), forwards = _prune_forwarded([false_jaxpr, true_jaxpr])
  index = _convert_to_int32(pred)
  return _bind_cond(index, consts, flat, [false_jaxpr, true_jaxpr], true.out_tree, forwards)


def _convert_to_int32(x):
  from pyjax._src.lax import lax
  return lax.convert_element_type(x, np.int32)


def switch(index, branches: Sequence[Callable], *operands, operand=_no_operand):
  """`branches[clamp(0, index, len(branches) - 1)](*operands)`: every branch is traced, one
  runs."""
  from pyjax._src.lax import lax
  if not all(callable(branch) for branch in branches):
    raise TypeError("lax.switch: branches argument should be a sequence of callables.")
  operands = _operands_from(operands, operand)
  if len(np.shape(index)) != 0:
    raise TypeError(f"Branch index must be scalar, got {index} of shape {np.shape(index)}.")
  try:
    index_dtype = dtypes.result_type(index)
  except TypeError as error:
    raise TypeError(f"Index type must be an integer, got {index}.") from error
  if index_dtype.kind not in "iu":
    raise TypeError(f"Index type must be an integer, got {index} as {index_dtype}")
  branches = tuple(branches)
  if not branches:
    raise ValueError("Empty branch sequence")
  if len(branches) == 1:
    return branches[0](*operands)
  index = lax.convert_element_type(index, np.int32)
  index = lax.clamp(np.array(0, np.int32), index, np.array(len(branches) - 1, np.int32))
  if config.jax_disable_jit and core.is_concrete(index):
    return branches[int(index)](*operands)
  return switch_branches(index, branches, operands)


def switch_branches(index, branches: Sequence[Callable], operands: tuple, **params):
  """Stage `cond` choosing among `branches` by an int32 `index`, with extra cond `params`."""
  flat, in_tree, avals = flatten_operands(operands)
  traced = [trace_body(branch, operands, avals, in_tree, "switch") for branch in branches]
  jaxprs, consts = merge_common_consts([t.jaxpr for t in traced], [t.consts for t in traced])
  first = traced[0]
  for i, other in enumerate(traced[1:]):
    check_branch_outputs("switch", "branch 0", f"branch{i + 1}", branches[0], branches[i + 1],
                         first.out_tree, first.out_avals, other.out_tree, other.out_avals)
  jaxprs, forwards = _prune_forwarded(jaxprs)
  return _bind_cond(index, consts, flat, jaxprs, first.out_tree, forwards, **params)


# ------------------------------------------------------------------------------------------------
# Differentiation: JVP (each branch differentiated for the union of nonzero output tangents),
# linearization (a forward cond that also returns residuals, plus a linear cond on the same
# index) and transposition (each branch transposed).


def _nonzeros(tangents) -> list[bool]:
  return [type(t) is not ad.Zero for t in tangents]


def _zero_tangents(outs, nonzeros, tangents) -> list:
  tangents = iter(tangents)
  return [next(tangents) if nz else ad.Zero.from_primal(o) for o, nz in zip(outs, nonzeros)]


def _cond_jvp(primals, tangents, *, branches, **params):
  index, *ops = primals
  ops_nz = _nonzeros(tangents[1:])
  out_nz = [any(nz) for nz in zip(*(transforms.jvp_out_nonzeros(b, ops_nz) for b in branches))]
  jvps = [transforms.jvp(b, ops_nz, out_nz) for b in branches]
  jaxprs, consts = merge_common_consts([j for j, _, _ in jvps], [c for _, c, _ in jvps])
  nz_dots = [t for t in tangents[1:] if type(t) is not ad.Zero]
  outs = cond_p.bind(index, *consts, *ops, *nz_dots, branches=tuple(jaxprs), **params)
  primals_out = outs[:len(out_nz)]
  return primals_out, _zero_tangents(primals_out, out_nz, outs[len(out_nz):])


def _residual_slots(res_avals_per_branch) -> tuple[list, list[list[int]]]:
  """Share residual slots between branches by type: each branch fills the slots of its own
  residuals' types, and outputs zeros in the others."""
  slots: list = []
  assignments = []
  for res_avals in res_avals_per_branch:
    taken: set = set()
    assignment = []
    for aval in res_avals:
      slot = next((i for i, s in enumerate(slots) if i not in taken
                   and (s.shape, s.dtype) == (aval.shape, aval.dtype)), None)
      if slot is None:
        slot = len(slots)
        slots.append(aval)
      taken.add(slot)
      assignment.append(slot)
    assignments.append(assignment)
  return slots, assignments


def _zeros(aval):
  from pyjax._src.lax import lax
  return lax.full(aval.shape, 0, aval.dtype)


def _cond_linearize(primals, tangents, *, branches, **params):
  index, *ops = primals
  ops_nz = _nonzeros(tangents[1:])
  out_nz = [any(nz) for nz in zip(*(transforms.linearize_out_nonzeros(b, ops_nz)
                                      for b in branches))]
  lins = [transforms.linearize(b, ops_nz, out_nz) for b in branches]
  slots, assignments = _residual_slots([lin.res_avals for lin in lins])
  num_out = len(out_nz)
  op_avals = branches[0].in_avals

  def forward_branch(lin, assignment):
    def forward(*args):
      outs = transforms.run(lin.forward, *lin.forward_consts, *args)
      by_slot = dict(zip(assignment, outs[num_out:]))
      return [*outs[:num_out], *(by_slot[i] if i in by_slot else _zeros(aval)
                                 for i, aval in enumerate(slots))]
    return transforms.trace(forward, op_avals)

  def linear_branch(lin, assignment):
    def linear(*args):
      residuals = [args[i] for i in assignment]
      return transforms.run(lin.linear, *lin.linear_consts, *residuals, *args[len(slots):])
    return transforms.trace(linear, [*slots, *transforms.tangent_avals(op_avals, ops_nz)])

  forwards = [forward_branch(lin, a) for lin, a in zip(lins, assignments)]
  jaxprs, consts = merge_common_consts([j for j, _ in forwards], [c for _, c in forwards])
  # No operand here is a tangent: this runs on the parent trace.
  outs = cond_p.bind(index, *consts, *ops, branches=tuple(jaxprs), **params)
  primals_out, residuals = outs[:num_out], outs[num_out:]
  nz_dots = [t for t in tangents[1:] if type(t) is not ad.Zero]
  if not any(out_nz):
    return primals_out, _zero_tangents(primals_out, out_nz, [])
  linears = [linear_branch(lin, a) for lin, a in zip(lins, assignments)]
  jaxprs, consts = merge_common_consts([j for j, _ in linears], [c for _, c in linears])
  tangents_out = cond_p.bind(index, *consts, *residuals, *nz_dots, branches=tuple(jaxprs), **params)
  return primals_out, _zero_tangents(primals_out, out_nz, tangents_out)


def _cond_transpose(cts, index, *ops, branches, **params):
  undefined = [ad.is_undefined_primal(x) for x in ops]
  ct_nz = _nonzeros(cts)
  transposed = [transforms.transpose(b, undefined, ct_nz) for b in branches]
  jaxprs, consts = merge_common_consts([j for j, _ in transposed], [c for _, c in transposed])
  defined = [x for x, u in zip(ops, undefined) if not u]
  nz_cts = [ct for ct in cts if type(ct) is not ad.Zero]
  outs = iter(cond_p.bind(index, *consts, *defined, *nz_cts, branches=tuple(jaxprs), **params))
  return [None, *(next(outs) if u else None for u in undefined)]


ad.primitive_jvps[cond_p] = _cond_jvp
ad.primitive_linearizations[cond_p] = _cond_linearize
ad.primitive_transposes[cond_p] = _cond_transpose


# ------------------------------------------------------------------------------------------------
# Batching: a batched index runs every branch and selects each lane's result (operands of a
# branch are stop_gradient'ed in the lanes that do not take it, as JAX does, so reverse mode
# sees no NaN from them); an unbatched index batches each branch alike.


def _broadcast_to_rank(index, like):
  from pyjax._src.lax import lax
  shape = core.get_aval(like).shape
  if len(shape) == core.get_aval(index).ndim:
    return index
  return lax.broadcast_in_dim(index, shape, (0,))


def _cond_batch(axis_data, vals, dims, *, branches, **params):
  from pyjax._src.lax import lax
  index, *ops = vals
  index_dim, *op_dims = dims
  num_out = len(branches[0].out_avals)
  if index_dim is not None:
    index = batching.moveaxis(index, index_dim, 0)
    ops = [batching.bdim_at_front(x, d, axis_data.size) for x, d in zip(ops, op_dims)]
    results = []
    for i, branch in enumerate(branches):
      batched, consts, _ = transforms.batch(branch, axis_data, [0] * len(ops), [0] * num_out)
      taken = lax.eq(index, np.int32(i))
      ops_i = [lax.select(_broadcast_to_rank(taken, x), x, lax.stop_gradient(x)) for x in ops]
      results.append(transforms.run(batched, *consts, *ops_i))
    outs = [lax.select_n(_broadcast_to_rank(index, cases[0]), *cases) for cases in zip(*results)]
    return outs, [0] * num_out
  in_dims = [None if d is None else 0 for d in op_dims]
  ops = [x if d is None else batching.moveaxis(x, d, 0) for x, d in zip(ops, op_dims)]
  out_batched = [any(b) for b in zip(*(transforms.batched_outputs(branch, axis_data, in_dims)
                                       for branch in branches))]
  out_dims = [0 if b else None for b in out_batched]
  batched = [transforms.batch(branch, axis_data, in_dims, out_dims) for branch in branches]
  jaxprs, consts = merge_common_consts([j for j, _, _ in batched], [c for _, c, _ in batched])
  outs = cond_p.bind(index, *consts, *ops, branches=tuple(jaxprs), **params)
  return outs, out_dims


batching.primitive_batchers[cond_p] = _cond_batch
