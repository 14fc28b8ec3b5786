"""`checkpoint` (alias `remat`): differentiate a function without storing its intermediates.

The function is traced to a jaxpr and bound as the `remat2` primitive. Evaluation, staging and
forward mode just run (or transform) that jaxpr. Linearization linearizes the body (so control flow inside it is split
into primal and tangent equations by its own rules), then splits that program with
`ad.partial_eval_jaxpr`: the forward pass computes the outputs and only the residuals the
`policy` lets it save (by default none but the inputs); the rest of the linear program, including
the recomputation of the other residuals, is staged as another `remat2` equation
(`differentiated=True`) whose transpose recomputes them during the backward pass.
"""
from __future__ import annotations

import dataclasses
import functools
import types
from typing import Callable, Sequence

from pyjax._src import api, core, tree_util
from pyjax._src.core import Jaxpr, Primitive
from pyjax._src.interpreters import ad, batching, staging
from pyjax._src.lax.control_flow import transforms
from pyjax._src.lax.dot import dot_general_p

# ------------------------------------------------------------------------------------------------
# Naming values for policies: checkpoint_name


name_p = Primitive("name")
name_p.def_impl(lambda x, *, name: x)
name_p.def_abstract_eval(lambda x, *, name: x)
name_p.weak_type_rule = lambda weak, *, name: weak


def _name_jvp(primals, tangents, *, name):
  (x,), (t,) = primals, tangents
  return name_p.bind(x, name=name), t  # only the primal value is named


ad.primitive_jvps[name_p] = _name_jvp
batching.defvectorized(name_p)  # --- batching


def checkpoint_name(x, name: str):
  """`x` (each leaf of a pytree), labelled `name` for the `save_*_names` policies."""
  return tree_util.tree_map(lambda leaf: name_p.bind(leaf, name=name), x)


# ------------------------------------------------------------------------------------------------
# Policies: which intermediate values the forward pass may save for the backward pass. A policy
# is called as policy(primitive, *operand_avals, **params) for each equation.


def nothing_saveable(primitive, *avals, **params) -> bool:
  return False


def everything_saveable(primitive, *avals, **params) -> bool:
  return True


# The parametrized policies are frozen dataclasses (hashable, printed in jaxprs as JAX prints
# them); the others are plain functions, as in JAX.


@dataclasses.dataclass(frozen=True)
class DotsSaveable:
  only_if_no_batch_dims: bool = False

  def __call__(self, primitive, *avals, **params) -> bool:
    if primitive is not dot_general_p:
      return False
    return not (self.only_if_no_batch_dims and params["dimension_numbers"][1][0])


dots_saveable = DotsSaveable(False)
dots_with_no_batch_dims_saveable = DotsSaveable(True)


@dataclasses.dataclass(frozen=True)
class SaveOnlyTheseNames:
  saveable_names: frozenset

  def __call__(self, primitive, *avals, **params) -> bool:
    return primitive is name_p and params["name"] in self.saveable_names


def save_only_these_names(*names: str) -> SaveOnlyTheseNames:
  return SaveOnlyTheseNames(frozenset(names))


def save_anything_except_these_names(*names: str) -> Callable:
  def policy(primitive, *avals, **params):
    return not (primitive is name_p and params["name"] in names)
  return policy


@dataclasses.dataclass(frozen=True)
class SaveAnyNamesButThese:
  names: frozenset

  def __call__(self, primitive, *avals, **params) -> bool:
    return primitive is name_p and params["name"] not in self.names


def save_any_names_but_these(*names: str) -> SaveAnyNamesButThese:
  return SaveAnyNamesButThese(frozenset(names))


def save_from_both_policies(policy_1: Callable, policy_2: Callable) -> Callable:
  def policy(primitive, *avals, **params):
    return policy_1(primitive, *avals, **params) or policy_2(primitive, *avals, **params)
  return policy


checkpoint_policies = types.SimpleNamespace(
    nothing_saveable=nothing_saveable,
    everything_saveable=everything_saveable,
    dots_saveable=dots_saveable,
    checkpoint_dots=dots_saveable,
    dots_with_no_batch_dims_saveable=dots_with_no_batch_dims_saveable,
    checkpoint_dots_with_no_batch_dims=dots_with_no_batch_dims_saveable,
    save_only_these_names=save_only_these_names,
    save_anything_except_these_names=save_anything_except_these_names,
    save_any_names_but_these=save_any_names_but_these,
    save_from_both_policies=save_from_both_policies,
)


# ------------------------------------------------------------------------------------------------
# The remat2 primitive


remat_p = Primitive("remat2", multiple_results=True)


def _remat_impl(*values, jaxpr, **params):
  return [core.canonicalize_value(o)[0] for o in core.eval_jaxpr(jaxpr, [], *values)]


remat_p.def_impl(_remat_impl)
remat_p.def_abstract_eval(lambda *avals, jaxpr, **params: jaxpr.out_avals)
remat_p.weak_type_rule = lambda *weak, jaxpr, **params: [a.weak_type for a in jaxpr.out_avals]


# --- batching: the rematerialized function, batched (its closed-over values leading operands).
def _remat_batcher(axis_data, vals, dims, *, jaxpr, **params):
  batched, out_dims = batching.batch_jaxpr(core.ClosedJaxpr(jaxpr, []), axis_data, dims)
  outs = remat_p.bind(*batched.consts, *vals, jaxpr=_consts_as_inputs(batched.jaxpr), **params)
  return outs, out_dims


batching.primitive_batchers[remat_p] = _remat_batcher


def _consts_as_inputs(jaxpr: Jaxpr) -> Jaxpr:
  return Jaxpr([], jaxpr.constvars + jaxpr.invars, jaxpr.outvars, jaxpr.eqns, jaxpr.debug_info)


def _remat_jvp(primals, tangents, *, jaxpr, **params):
  nonzeros = [type(t) is not ad.Zero for t in tangents]
  jvp_jaxpr, consts, out_nonzeros = ad.jvp_jaxpr(jaxpr, [], nonzeros)
  outs = remat_p.bind(*consts, *primals, *(t for t in tangents if type(t) is not ad.Zero),
                      jaxpr=_consts_as_inputs(jvp_jaxpr), **params)
  num_out = len(jaxpr.outvars)
  out_tangents = iter(outs[num_out:])
  return outs[:num_out], [next(out_tangents) if nz else ad.Zero(ad.tangent_aval(v.aval))
                          for v, nz in zip(jaxpr.outvars, out_nonzeros)]


def _linearized_jvp_jaxpr(jaxpr: Jaxpr, nonzeros: Sequence[bool]) -> tuple[Jaxpr, list, list]:
  """Like `ad.jvp_jaxpr`, but built from the linearization of `jaxpr`: every equation takes
  either only primal values or tangents (and residuals), even for control flow, whose JVP would
  otherwise be one equation carrying both, which the backward pass could not transpose."""
  lin = transforms.linearize(core.ClosedJaxpr(jaxpr, []), nonzeros)
  num_in, num_out = len(jaxpr.invars), len(jaxpr.outvars)

  def combined(*args):
    outs = transforms.run(lin.forward, *lin.forward_consts, *args[:num_in])
    tangents_out = transforms.run(lin.linear, *lin.linear_consts, *outs[num_out:],
                                  *args[num_in:])
    return [*outs[:num_out], *tangents_out]

  in_avals = [v.aval for v in jaxpr.invars]
  out, consts = staging.trace_to_jaxpr(
      combined, in_avals + transforms.tangent_avals(in_avals, nonzeros))
  return out, consts, lin.out_nonzeros


def _remat_linearize(primals, tangents, *, jaxpr, prevent_cse, differentiated, policy):
  nonzero_tangents = [t for t in tangents if type(t) is not ad.Zero]
  nonzeros = [type(t) is not ad.Zero for t in tangents]
  jvp_jaxpr, consts, out_nonzeros = _linearized_jvp_jaxpr(jaxpr, nonzeros)
  jvp_jaxpr = _consts_as_inputs(jvp_jaxpr)
  unknowns = [False] * (len(consts) + len(primals)) + [True] * len(nonzero_tangents)
  policy_fn = policy or nothing_saveable

  def saveable(eqn):
    return policy_fn(eqn.primitive, *(a.aval for a in eqn.invars), **eqn.params)

  known, unknown, out_unknowns = ad.partial_eval_jaxpr(jvp_jaxpr, unknowns, saveable)
  # The forward pass: this runs on the parent trace (nothing here is a tangent).
  known_outs = core.eval_jaxpr(known, [], *consts, *primals)
  num_known = out_unknowns.count(False)
  residuals = known_outs[num_known:]
  unknown_outs = iter(remat_p.bind(*residuals, *nonzero_tangents, jaxpr=unknown,
                                   prevent_cse=prevent_cse, differentiated=True, policy=policy))
  known_outs = iter(known_outs[:num_known])
  outs = [next(unknown_outs) if u else next(known_outs) for u in out_unknowns]
  num_out = len(jaxpr.outvars)
  out_tangents = iter(outs[num_out:])
  return outs[:num_out], [next(out_tangents) if nz else ad.Zero(ad.tangent_aval(v.aval))
                          for v, nz in zip(jaxpr.outvars, out_nonzeros)]


def _remat_transpose(cts, *args, jaxpr, prevent_cse, differentiated, policy):
  undefined = [ad.is_undefined_primal(a) for a in args]
  residuals = [a for a, u in zip(args, undefined) if not u]
  nonzero_cts = [ct for ct in cts if type(ct) is not ad.Zero]

  def transposed(*values):
    res, cts_in = iter(values[:len(residuals)]), iter(values[len(residuals):])
    operands = [ad.UndefinedPrimal(a.aval) if u else next(res) for a, u in zip(args, undefined)]
    out_cts = [ad.Zero(ct.aval) if type(ct) is ad.Zero else next(cts_in) for ct in cts]
    in_cts = ad.backward_pass(jaxpr, [], operands, out_cts)
    return [ad.instantiate_zeros(ct) for ct, u in zip(in_cts, undefined) if u]

  avals = [core.get_aval(x) for x in residuals + nonzero_cts]
  transposed_jaxpr, consts = staging.trace_to_jaxpr(transposed, avals)
  outs = iter(remat_p.bind(*consts, *residuals, *nonzero_cts,
                           jaxpr=_consts_as_inputs(transposed_jaxpr), prevent_cse=prevent_cse,
                           differentiated=True, policy=policy))
  return [next(outs) if u else None for u in undefined]


ad.primitive_jvps[remat_p] = _remat_jvp
ad.primitive_linearizations[remat_p] = _remat_linearize
ad.primitive_transposes[remat_p] = _remat_transpose


# ------------------------------------------------------------------------------------------------
# The user-facing transformation


def checkpoint(fun: Callable, *, prevent_cse: bool = True, policy: Callable | None = None,
               static_argnums: int | Sequence[int] = ()) -> Callable:
  """`fun`, but when differentiated its intermediate values are recomputed in the backward pass
  instead of stored, except those `policy(primitive, *avals, **params)` says to save. Arguments
  at `static_argnums` are fixed Python values while tracing `fun`."""
  if isinstance(static_argnums, int):
    static_argnums = (static_argnums,)

  @functools.wraps(fun)
  def fun_remat(*args, **kwargs):
    static = {i % len(args) if i < 0 else i for i in static_argnums}
    dyn_args = [a for i, a in enumerate(args) if i not in static]
    flat_args, in_tree = tree_util.tree_flatten((dyn_args, kwargs))
    store: dict = {}

    def flat_fun(*flat):
      dyn, kw = tree_util.tree_unflatten(in_tree, flat)
      dyn = iter(dyn)
      out = fun(*(a if i in static else next(dyn) for i, a in enumerate(args)), **kw)
      leaves, store["out_tree"] = tree_util.tree_flatten(out)
      return leaves

    info = api.debug_info("checkpoint", fun, args, kwargs, tuple(static))
    in_avals = [api.shaped_abstractify(x) for x in flat_args]
    jaxpr, consts = staging.trace_to_jaxpr(flat_fun, in_avals, info)
    outs = remat_p.bind(*consts, *flat_args, jaxpr=_consts_as_inputs(jaxpr),
                        prevent_cse=prevent_cse, differentiated=False, policy=policy)
    return tree_util.tree_unflatten(store["out_tree"], outs)

  return fun_remat


remat = checkpoint
