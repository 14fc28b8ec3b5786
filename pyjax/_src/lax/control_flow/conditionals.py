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
from pyjax._src.lax.control_flow import common
from pyjax._src.lax.control_flow.common import (as_array, check_branch_outputs,
                                                flatten_operands, forwarding,
                                                merge_common_consts, prune_outputs, trace_body)

_no_operand = object()

# ------------------------------------------------------------------------------------------------
# The primitive

cond_p = Primitive("cond", multiple_results=True)


def _cond_impl(index, *args, branches):
  i = int(np.clip(index, 0, len(branches) - 1))
  return common.run_closed(branches[i], *args)


def _cond_abstract_eval(index, *avals, branches):
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
  return list(first.out_avals)


cond_p.def_impl(_cond_impl)
cond_p.def_abstract_eval(_cond_abstract_eval)
cond_p.weak_type_rule = lambda *weak_types, branches: [a.weak_type
                                                       for a in branches[0].out_avals]


def _bind_cond(index, consts: list, operands: list, jaxprs: list, out_tree,
               forwards: list[int | None]) -> Any:
  """Bind `cond` on the branches (already pruned of forwarded outputs) and put the forwarded
  inputs back among the outputs."""
  outs = iter(cond_p.bind(index, *consts, *operands, branches=tuple(jaxprs)))
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

  flat, in_tree, avals = flatten_operands(operands)
  traced = [trace_body(branch, operands, avals, in_tree, "switch") for branch in branches]
  jaxprs, consts = merge_common_consts([t.jaxpr for t in traced], [t.consts for t in traced])
  first = traced[0]
  for i, other in enumerate(traced[1:]):
    check_branch_outputs("switch", "branch 0", f"branch{i + 1}", branches[0], branches[i + 1],
                         first.out_tree, first.out_avals, other.out_tree, other.out_avals)
  jaxprs, forwards = _prune_forwarded(jaxprs)
  return _bind_cond(index, consts, flat, jaxprs, first.out_tree, forwards)
