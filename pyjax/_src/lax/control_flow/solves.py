"""`custom_root` and `custom_linear_solve`: solvers whose derivatives are defined at the solution
by implicit differentiation, instead of by differentiating the solver's own iterations (which
may be a while_loop, or not differentiable at all).

`custom_root` is a custom_jvp function: at a root x* of f(x, params) = 0, dx* = -J_x^-1 (J_p dp),
where the user's `tangent_solve` applies J_x^-1 given the linearized f.

`custom_linear_solve` is the `custom_linear_solve` primitive. Operands: the closed-over values of
the matvec, vecmat, solve and transpose_solve jaxprs (in that order), then the leaves of b.
Param `jaxprs` holds the four jaxprs (vecmat and transpose_solve None when no transpose_solve
was given) and `const_lengths` how many operands belong to each. Its outputs are the solution's
leaves, then solve's auxiliary outputs. The JVP solves again for b_dot - (dA) x; the transpose
is a solve of the transposed system (roles of matvec/vecmat and solve/transpose_solve swapped).
"""
from __future__ import annotations

import functools
from typing import Any, Callable, NamedTuple

from pyjax._src import core, tree_util
from pyjax._src.core import Primitive
from pyjax._src.custom_derivatives import custom_jvp
from pyjax._src.interpreters import ad, batching
from pyjax._src.lax.control_flow import common
from pyjax._src.lax.control_flow.common import flatten_operands, trace_body
from pyjax._src.lax.control_flow.transforms import run
from pyjax._src.pretty_printer import pp_param_rules

__all__ = ["custom_linear_solve", "custom_root", "linear_solve_p"]


def _check_tree(fun_name: str, expected_name: str, actual_tree, expected_tree,
                has_aux: bool = False) -> None:
  """JAX's errors for a function whose output structure differs from its input's."""
  if has_aux:
    children = actual_tree.children()
    if len(children) != 2:
      raise ValueError(f"{fun_name}() produced a pytree with structure {actual_tree}, but a "
                       "pytree tuple with auxiliary output was expected because has_aux was set "
                       "to True.")
    actual_tree = children[0]
  if actual_tree != expected_tree:
    raise TypeError(f"{fun_name}() output pytree structure must match {expected_name}, got "
                    f"{actual_tree} and {expected_tree}.")


def _split(values, lengths) -> tuple[list[list], list]:
  """`values` cut into consecutive groups of the given lengths, and the rest."""
  groups, start = [], 0
  for n in lengths:
    groups.append(list(values[start:start + n]))
    start += n
  return groups, list(values[start:])


# ------------------------------------------------------------------------------------------------
# custom_root


class _RootTuple(NamedTuple):
  f: Any
  solve: Any
  l_and_s: Any


def custom_root(f: Callable, initial_guess, solve: Callable, tangent_solve: Callable,
                has_aux: bool = False):
  """`solve(f, initial_guess)`, a root of `f` (same structure as `initial_guess`), whose
  derivatives with respect to the values `f` closes over come from the implicit function theorem:
  `tangent_solve(g, y)` must return x with g(x) = y for g the linearization of `f` at the root.
  With `has_aux`, `solve` returns (root, auxiliary data) and so does this function."""
  from pyjax._src.ad_api import linearize
  flat, args_tree, avals = flatten_operands((initial_guess,))
  guess_tree = tree_util.tree_structure(initial_guess)
  f_body = trace_body(f, (initial_guess,), avals, args_tree, "custom_root")
  _check_tree("f", "initial_guess", f_body.out_tree, guess_tree)
  solve_body = trace_body(functools.partial(solve, f), (initial_guess,), avals, args_tree,
                          "custom_root solve")
  _check_tree("solve", "initial_guess", solve_body.out_tree, guess_tree, has_aux)

  def linearize_and_solve(x, b):
    _, f_jvp = linearize(f, x)
    return tangent_solve(f_jvp, b)

  pair = (initial_guess, initial_guess)
  pair_tree = tree_util.tree_structure(pair)
  l_and_s_body = trace_body(linearize_and_solve, pair, avals + avals, pair_tree,
                            "custom_root tangent_solve")
  _check_tree("tangent_solve", "x", l_and_s_body.out_tree, guess_tree)

  bodies = _RootTuple(f_body, solve_body, l_and_s_body)
  const_lengths = _RootTuple(*(len(b.consts) for b in bodies))
  jaxprs = _RootTuple(*(b.jaxpr for b in bodies))
  consts = [c for b in bodies for c in b.consts]
  solution = _custom_root(const_lengths, jaxprs, *consts, *flat)
  return tree_util.tree_unflatten(solve_body.out_tree, solution)


def _custom_root_fun(const_lengths, jaxprs, *args):
  (_, solve_consts, _), guess = _split(args, const_lengths)
  # Outputs that solve computes from no input (constant diagnostics) come out of the jaxpr as
  # NumPy values: make them Arrays.
  return [common.as_array(x) for x in run(jaxprs.solve, *solve_consts, *guess)]


_custom_root = custom_jvp(_custom_root_fun, nondiff_argnums=(0, 1))


@_custom_root.defjvp
def _custom_root_jvp(const_lengths, jaxprs, primals, tangents):
  from pyjax._src.lax import lax
  (f_consts, _, l_and_s_consts), _ = _split(primals, const_lengths)
  (f_consts_dot, _, _), _ = _split(tangents, const_lengths)
  outs = _custom_root(const_lengths, jaxprs, *primals)
  num_roots = len(jaxprs.f.out_avals)
  root, aux = outs[:num_roots], outs[num_roots:]
  # f(x*(p), p) = 0 for all p, so J_x dx* = -J_p dp: the right side is f's tangent at the root
  # with respect to what f closes over.
  _, f_dot, _ = ad.jvp(lambda *c: run(jaxprs.f, *c, *root), f_consts, f_consts_dot)
  f_dot = [ad.instantiate_zeros(t) for t in f_dot]
  root_dot = [lax.neg(t) for t in run(jaxprs.l_and_s, *l_and_s_consts, *root, *f_dot)]
  aux_dot = [ad.zeros_like_aval(ad.tangent_aval(core.get_aval(a))) for a in aux]
  return outs, [*root_dot, *aux_dot]


# ------------------------------------------------------------------------------------------------
# custom_linear_solve


class _LinearSolveTuple(NamedTuple):
  matvec: Any
  vecmat: Any
  solve: Any
  transpose_solve: Any

  def transpose(self) -> "_LinearSolveTuple":
    """The same fields for the transposed system A^T x = b."""
    return _LinearSolveTuple(self.vecmat, self.matvec, self.transpose_solve, self.solve)


def _shape_checked(fun: Callable, name: str, b_leaves: list, has_aux: bool) -> Callable:
  """`fun` with JAX's error when its output leaves are not shaped like b's."""
  expected = [core.get_aval(x).shape for x in b_leaves]

  def checked(x):
    out = fun(x)
    value, _ = out if has_aux else (out, None)
    got = [core.get_aval(y).shape for y in tree_util.tree_leaves(value)]
    if got != expected:
      raise ValueError(f"{name}() output shapes must match b, got {got} and {expected}")
    return out
  return checked


def custom_linear_solve(matvec: Callable, b, solve: Callable,
                        transpose_solve: Callable | None = None, symmetric: bool = False,
                        has_aux: bool = False):
  """`solve(matvec, b)`, the x with matvec(x) = b for the linear function `matvec`, with
  derivatives defined at the solution: forward mode solves again (for b_dot minus matvec's
  tangent at x), reverse mode solves the transposed system with `transpose_solve(vecmat, ct)`
  (vecmat is matvec's transpose; `symmetric=True` lets `solve` serve as transpose_solve). With
  `has_aux`, `solve` and `transpose_solve` return (x, auxiliary data)."""
  from pyjax._src.ad_api import linear_transpose
  if transpose_solve is None and symmetric:
    transpose_solve = solve
  b_flat, args_tree, avals = flatten_operands((b,))
  b_tree = tree_util.tree_structure(b)

  def traced(fun, name, traced_for, aux=False):
    body = trace_body(_shape_checked(fun, name, b_flat, aux), (b,), avals, args_tree,
                      traced_for)
    _check_tree(name, "b", body.out_tree, b_tree, aux)
    return body

  matvec_body = traced(matvec, "matvec", "custom_linear_solve")
  solve_body = traced(functools.partial(solve, matvec), "solve", "custom_linear_solve solve",
                      has_aux)
  if transpose_solve is None:
    vecmat_body = transpose_solve_body = None
  else:
    if symmetric:
      vecmat, vecmat_body = matvec, matvec_body
    else:
      transposed = linear_transpose(matvec, b)
      vecmat = lambda x: transposed(x)[0]  # noqa: E731
      vecmat_body = traced(vecmat, "vecmat", "custom_linear_solve transpose_solve")
    transpose_solve_body = traced(functools.partial(transpose_solve, vecmat), "transpose_solve",
                                  "custom_linear_solve transpose_solve", has_aux)

  bodies = _LinearSolveTuple(matvec_body, vecmat_body, solve_body, transpose_solve_body)
  const_lengths = _LinearSolveTuple(*(0 if body is None else len(body.consts)
                                      for body in bodies))
  jaxprs = _LinearSolveTuple(*(None if body is None else body.jaxpr for body in bodies))
  consts = [c for body in bodies if body is not None for c in body.consts]
  outs = linear_solve_p.bind(*consts, *b_flat, const_lengths=const_lengths, jaxprs=jaxprs)
  return tree_util.tree_unflatten(solve_body.out_tree, outs)


linear_solve_p = Primitive("custom_linear_solve", multiple_results=True)


def _linear_solve_impl(*args, const_lengths, jaxprs):
  (_, _, solve_consts, _), b = _split(args, const_lengths)
  return common.executable(jaxprs.solve)(*solve_consts, *b)


def _linear_solve_abstract_eval(*avals, const_lengths, jaxprs):
  # The solution has b's types; auxiliary outputs, solve's.
  num_aux = len(jaxprs.solve.out_avals) - len(jaxprs.matvec.out_avals)
  aux = list(jaxprs.solve.out_avals[len(jaxprs.solve.out_avals) - num_aux:])
  return [*avals[sum(const_lengths):], *aux]


def _linear_solve_weak_types(*weak_types, const_lengths, jaxprs):
  num_aux = len(jaxprs.solve.out_avals) - len(jaxprs.matvec.out_avals)
  aux = jaxprs.solve.out_avals[len(jaxprs.solve.out_avals) - num_aux:]
  return [*weak_types[sum(const_lengths):], *(a.weak_type for a in aux)]


linear_solve_p.def_impl(_linear_solve_impl)
linear_solve_p.def_abstract_eval(_linear_solve_abstract_eval)
linear_solve_p.weak_type_rule = _linear_solve_weak_types


def _pp_linear_solve(params):
  def show(parts):
    return (f"_LinearSolveTuple(matvec={parts.matvec}, vecmat={parts.vecmat}, "
            f"solve={parts.solve}, transpose_solve={parts.transpose_solve})")
  return {"const_lengths": show(params["const_lengths"]), "jaxprs": show(params["jaxprs"])}


pp_param_rules[linear_solve_p] = _pp_linear_solve


def _linear_solve_jvp(primals, tangents, *, const_lengths, jaxprs):
  from pyjax._src.lax import lax
  params = dict(const_lengths=const_lengths, jaxprs=jaxprs)
  outs = linear_solve_p.bind(*primals, **params)
  (matvec_consts, *_), _ = _split(primals, const_lengths)
  (matvec_consts_dot, *_), b_dot = _split(tangents, const_lengths)
  num_x = len(b_dot)
  x = outs[:num_x]
  # A x = b gives A dx = db - (dA) x, with (dA) x matvec's tangent from its closed-over values.
  rhs = b_dot
  if any(type(t) is not ad.Zero for t in matvec_consts_dot):
    _, matvec_dot, _ = ad.jvp(lambda *c: run(jaxprs.matvec, *c, *x), matvec_consts,
                              matvec_consts_dot)
    rhs = [ad.add_tangents(t, lax.neg(d) if type(d) is not ad.Zero else d)
           for t, d in zip(rhs, matvec_dot)]
  rhs = [ad.instantiate_zeros(t) for t in rhs]
  x_dot = linear_solve_p.bind(*primals[:sum(const_lengths)], *rhs, **params)
  # Auxiliary outputs (solver diagnostics) are not differentiated.
  aux_dot = [ad.Zero.from_primal(a) for a in outs[num_x:]]
  return outs, [*x_dot[:num_x], *aux_dot]


def _linear_solve_transpose(cts, *operands, const_lengths, jaxprs):
  if jaxprs.transpose_solve is None:
    raise TypeError("transpose_solve required for backwards mode automatic differentiation of "
                    "custom_linear_solve")
  num_consts = sum(const_lengths)
  consts, b = operands[:num_consts], operands[num_consts:]
  if any(ad.is_undefined_primal(c) for c in consts):
    raise NotImplementedError("custom_linear_solve is linear in b only; it cannot be transposed "
                              "with respect to the values its functions close over.")
  x_cts = [ad.instantiate_zeros(ct) for ct in cts[:len(b)]]
  groups, _ = _split(consts, const_lengths)
  transposed_consts = [c for group in _LinearSolveTuple(*groups).transpose() for c in group]
  b_cts = linear_solve_p.bind(*transposed_consts, *x_cts,
                              const_lengths=const_lengths.transpose(),
                              jaxprs=jaxprs.transpose())[:len(b)]
  return [None] * num_consts + [ct if ad.is_undefined_primal(x) else None
                                for x, ct in zip(b, b_cts)]


ad.primitive_jvps[linear_solve_p] = _linear_solve_jvp
ad.primitive_transposes[linear_solve_p] = _linear_solve_transpose


# --- batching. Which of x (solve's outputs) and b are batched is found as a fixed point: x is
# batched where solve or vecmat (whose outputs live in x's space) makes it so, b where matvec or
# transpose_solve does, or where it came batched. Each jaxpr is then batched with its inputs
# and outputs laid out accordingly (batched ones at axis 0), so that the transposed system,
# which swaps the roles of x and b, is batched consistently too.

def _batched(closed, axis_data, in_batched, force):
  """`closed` batched along axis 0 of the inputs marked in `in_batched`; its outputs batched at
  axis 0 where they naturally are or `force` asks. Returns the jaxpr and those output flags."""
  in_dims = [0 if b else None for b in in_batched]
  _, natural = batching.batch_jaxpr(closed, axis_data, in_dims)
  out_batched = [d is not None or f for d, f in zip(natural, force)]
  batched, _ = batching.batch_jaxpr(closed, axis_data, in_dims,
                                    [0 if b else None for b in out_batched])
  return batched, out_batched


def _linear_solve_batch(axis_data, vals, dims, *, const_lengths, jaxprs):
  const_groups, b = _split(vals, const_lengths)
  const_dims, b_dims = _split(dims, const_lengths)
  consts_batched = _LinearSolveTuple(*([d is not None for d in group] for group in const_dims))
  b_batched_in = [d is not None for d in b_dims]
  num_x = len(b)
  num_solve_out = len(jaxprs.solve.out_avals)

  x_batched = [False] * num_solve_out
  b_batched = list(b_batched_in)
  while True:
    _, solve_out = _batched(jaxprs.solve, axis_data, consts_batched.solve + b_batched, x_batched)
    new_x = list(solve_out)
    if jaxprs.vecmat is not None:
      _, vecmat_out = _batched(jaxprs.vecmat, axis_data, consts_batched.vecmat + b_batched,
                               [False] * num_x)
      new_x[:num_x] = [a or v for a, v in zip(new_x, vecmat_out)]
    _, matvec_out = _batched(jaxprs.matvec, axis_data, consts_batched.matvec + new_x[:num_x],
                             [False] * num_x)
    new_b = [a or m for a, m in zip(b_batched_in, matvec_out)]
    if jaxprs.transpose_solve is not None:
      _, transpose_out = _batched(jaxprs.transpose_solve, axis_data,
                                  consts_batched.transpose_solve + new_x[:num_x],
                                  [False] * len(jaxprs.transpose_solve.out_avals))
      new_b = [a or t for a, t in zip(new_b, transpose_out)]
    if new_x == x_batched and new_b == b_batched:
      break
    x_batched = [a or n for a, n in zip(x_batched, new_x)]
    b_batched = [a or n for a, n in zip(b_batched, new_b)]

  x_only = x_batched[:num_x]
  solve, out_batched = _batched(jaxprs.solve, axis_data, consts_batched.solve + b_batched,
                                x_batched)
  matvec, _ = _batched(jaxprs.matvec, axis_data, consts_batched.matvec + x_only, b_batched)
  vecmat = transpose_solve = None
  if jaxprs.vecmat is not None:
    vecmat, _ = _batched(jaxprs.vecmat, axis_data, consts_batched.vecmat + b_batched, x_only)
    num_aux = len(jaxprs.transpose_solve.out_avals) - num_x
    transpose_solve, _ = _batched(jaxprs.transpose_solve, axis_data,
                                  consts_batched.transpose_solve + x_only,
                                  b_batched + [False] * num_aux)
  consts = [x if d is None else batching.moveaxis(x, d, 0)
            for group, group_dims in zip(const_groups, const_dims)
            for x, d in zip(group, group_dims)]
  b = [batching.broadcast(x, axis_data.size, 0) if now and d is None
       else x if d is None else batching.moveaxis(x, d, 0)
       for x, d, now in zip(b, b_dims, b_batched)]
  outs = linear_solve_p.bind(*consts, *b, const_lengths=const_lengths,
                             jaxprs=_LinearSolveTuple(matvec, vecmat, solve, transpose_solve))
  return outs, [0 if batched else None for batched in out_batched]


batching.primitive_batchers[linear_solve_p] = _linear_solve_batch
