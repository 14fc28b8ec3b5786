"""`custom_jvp` and `custom_vjp`: functions whose derivative rule the user supplies.

A call reaches the current trace through `bind_custom_call`. Differentiation traces apply the
user's rule (through the JVP rules of `custom_jvp_call_p` and `custom_vjp_call_p`); the eval
trace just calls the function; any other trace (staging, batching) gets the function traced to a
jaxpr and a `custom_jvp_call`/`custom_vjp_call` equation carrying it, so the rule is still there
when the staged program is differentiated later.

Under linearization a custom_vjp call runs `fwd` on the primal values and stages a `custom_lin`
equation in the tangent program; transposing it calls `bwd`. Evaluating `custom_lin` (forward
mode) is the error JAX gives for `jvp` of a custom_vjp function.
"""
from __future__ import annotations

import functools
import inspect
from typing import Callable, Sequence

import numpy as np

from pyjax._src import core, dtypes, errors
from pyjax._src.avals import ShapedArray
from pyjax._src.core import ClosedJaxpr, Jaxpr, Primitive, Tracer
from pyjax._src.interpreters import ad, batching, staging
from pyjax._src.lax import lax
from pyjax._src.pretty_printer import pp_eqn_rules
from pyjax._src.tree_util import (keystr, tree_flatten, tree_flatten_with_path, tree_leaves,
                                  tree_map, tree_structure, tree_unflatten)

# ------------------------------------------------------------------------------------------------
# Reaching the current trace


def bind_custom_call(primitive: Primitive, fun: Callable, args: Sequence, params: dict) -> list:
  """Hand a custom_jvp/custom_vjp call of `fun` (flat arguments, flat results) to the current
  trace. A trace with a `process_custom_call` method handles it or returns NotImplemented to
  pass it to its parent."""
  trace = core.current_trace()
  process = getattr(trace, "process_custom_call", None)
  if process is not None:
    out = process(primitive, fun, args, params)
    if out is not NotImplemented:
      return out
    with core.set_current_trace(trace.parent):
      return bind_custom_call(primitive, fun, args, params)
  if isinstance(trace, core.EvalTrace):
    return fun(*args)
  in_avals = [core.get_aval(x) for x in args]
  jaxpr, consts = staging.trace_to_jaxpr(fun, in_avals)
  # Closed-over values (possibly tracers of this trace) become leading operands.
  call_jaxpr = ClosedJaxpr(Jaxpr([], jaxpr.constvars + jaxpr.invars, jaxpr.outvars, jaxpr.eqns,
                                 jaxpr.debug_info), [])
  return primitive.bind(*consts, *args, call_jaxpr=call_jaxpr, num_consts=len(consts), **params)


def _eval_call_jaxpr(*values, call_jaxpr, **params):
  outs = core.eval_jaxpr(call_jaxpr.jaxpr, call_jaxpr.consts, *values)
  return [core.canonicalize_value(o)[0] for o in outs]


def _call_primitive(name: str) -> Primitive:
  """A primitive whose equations hold the called function as `call_jaxpr`."""
  p = Primitive(name, multiple_results=True)
  p.def_impl(_eval_call_jaxpr)
  p.def_abstract_eval(lambda *avals, call_jaxpr, **params: call_jaxpr.out_avals)
  p.weak_type_rule = lambda *weak, call_jaxpr, **params: [a.weak_type
                                                         for a in call_jaxpr.out_avals]
  return p


def _function_name(fun) -> str:
  return getattr(fun, "__name__", type(fun).__name__)


def _resolve_kwargs(fun: Callable, args: tuple, kwargs: dict, kind: str, name: str) -> tuple:
  if not kwargs:
    return args
  try:
    bound = inspect.signature(fun).bind(*args, **kwargs)
    bound.apply_defaults()
    if bound.kwargs:
      raise TypeError("keyword arguments could not be resolved to positions")
  except TypeError as e:
    raise TypeError(f"The input arguments to the {kind}-decorated function {name} could not be "
                    "resolved to positional-only arguments. Binding failed with the error:\n"
                    f"{e}") from e
  return bound.args


def _type_tree(tree, leaves) -> str:
  return str(tree_unflatten(tree, [_type_str(core.get_aval(x)) for x in leaves])).replace(
      "'", "")


def _type_str(aval) -> str:
  return aval.str_short(short_dtypes=False)


def _same_types(xs, ys) -> bool:
  return all(a.shape == b.shape and a.dtype == b.dtype
             for a, b in zip(map(core.get_aval, xs), map(core.get_aval, ys)))


# ------------------------------------------------------------------------------------------------
# Symbolic zeros, for rules that opt in


class SymbolicZero:
  """A zero tangent or cotangent handed to a custom rule (with `symbolic_zeros=True`) instead of
  an array of zeros; it has the `shape` and `dtype` of the array it stands for."""

  def __init__(self, aval: ShapedArray):
    self.aval = aval

  shape = property(lambda self: self.aval.shape)
  dtype = property(lambda self: self.aval.dtype)

  def __repr__(self):
    return f"SymbolicZero({self.aval.str_short()})"

  @staticmethod
  def from_primal_value(x) -> "SymbolicZero":
    return SymbolicZero(ad.tangent_aval(core.get_aval(x)))

  def instantiate(self):
    return ad.zeros_like_aval(self.aval)


class CustomVJPPrimal:
  """A primal argument handed to a custom_vjp `fwd` rule with `symbolic_zeros=True`: its
  `value` and whether it is `perturbed` (has a nonzero tangent)."""

  def __init__(self, value, perturbed: bool):
    self.value = value
    self.perturbed = perturbed

  def __repr__(self):
    return f"CustomVJPPrimal(value={self.value!r}, perturbed={self.perturbed})"


def custom_vjp_primal_tree_values(tree):
  """The values of a tree of `CustomVJPPrimal` records (what `fwd` gets with symbolic zeros)."""
  def value(leaf):
    if type(leaf) is not CustomVJPPrimal:
      raise TypeError(f"unexpected leaf type {type(leaf)}")
    return leaf.value
  return tree_map(value, tree)


def _as_tangent(t, primal):
  """A rule's output tangent as the interpreter's: symbolic zeros and float0 become Zero."""
  if type(t) is SymbolicZero or ad.is_float0(t) or ad.tangent_dtype(
      core.get_aval(primal).dtype) == dtypes.float0:
    return ad.Zero.from_primal(primal)
  return t


# ------------------------------------------------------------------------------------------------
# custom_jvp

custom_jvp_call_p = _call_primitive("custom_jvp_call")


def _custom_jvp_call_jvp(primals, tangents, *, jvp, symbolic_zeros, name, num_consts=0,
                         call_jaxpr=None):
  # Closed-over values (num_consts of them) are constants to the rule.
  primals, tangents = primals[num_consts:], tangents[num_consts:]
  if symbolic_zeros:
    tangents = [SymbolicZero(t.aval) if type(t) is ad.Zero else t for t in tangents]
  else:
    tangents = [ad.instantiate_zeros(t) for t in tangents]
  primals_out, tangents_out = jvp(primals, tangents)
  return primals_out, [_as_tangent(t, p) for t, p in zip(tangents_out, primals_out)]


ad.primitive_jvps[custom_jvp_call_p] = _custom_jvp_call_jvp


def _pp_custom_jvp_call(eqn, context) -> list:
  p = eqn.params
  return [("name", p["name"]), ("call_jaxpr", p["call_jaxpr"]),
          ("jvp", _function_name(p["jvp"])), ("symbolic_zeros", p["symbolic_zeros"])]


pp_eqn_rules[custom_jvp_call_p] = _pp_custom_jvp_call


class custom_jvp:
  """A function with a custom JVP rule, set with `defjvp` (or `defjvps`). Arguments at
  `nondiff_argnums` are not differentiated; the rule receives them first."""

  def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
    functools.update_wrapper(self, fun)
    self.fun = fun
    self.nondiff_argnums = tuple(nondiff_argnums)
    self.jvp: Callable | None = None
    self.symbolic_zeros = False

  def __get__(self, instance, owner=None):
    return self if instance is None else functools.partial(self, instance)

  def defjvp(self, jvp: Callable, symbolic_zeros: bool = False) -> Callable:
    """Set the rule `jvp(primals, tangents) -> (primal_out, tangent_out)`."""
    self.jvp = jvp
    self.symbolic_zeros = symbolic_zeros
    return jvp

  def defjvps(self, *jvps: Callable | None) -> None:
    """Set the rule from one function per argument, `jvp_i(tangent_i, primal_out, *primals)`,
    whose results are summed (None: the argument does not affect the output)."""
    if self.nondiff_argnums:
      raise TypeError("Can't use ``defjvps`` with ``nondiff_argnums``.")

    def jvp(primals, tangents):
      primal_out = self(*primals)
      zeros = tree_map(ad.Zero.from_primal, primal_out)
      per_argument = [rule(t, primal_out, *primals) if rule else zeros
                      for t, rule in zip(tangents, jvps)]
      tangent_out = tree_map(lambda _, *ts: functools.reduce(ad.add_tangents, ts), primal_out,
                             *per_argument, is_leaf=lambda x: type(x) is ad.Zero)
      return primal_out, tree_map(ad.instantiate_zeros, tangent_out,
                                  is_leaf=lambda x: type(x) is ad.Zero)

    self.defjvp(jvp)

  def __call__(self, *args, **kwargs):
    name = _function_name(self.fun)
    if self.jvp is None:
      raise AttributeError(f"No JVP defined for custom_jvp function {name} using defjvp.")
    args = _resolve_kwargs(self.fun, args, kwargs, "custom_jvp", name)
    nondiff = self.nondiff_argnums
    if nondiff:
      args = tuple(tree_map(lambda x: lax.stop_gradient(x) if isinstance(x, Tracer) else x, a)
                   if i in nondiff else a for i, a in enumerate(args))
    static_args = [args[i] for i in nondiff]
    dyn_args = tuple(a for i, a in enumerate(args) if i not in nondiff)
    flat_args, in_tree = tree_flatten(dyn_args)
    store: dict = {}

    def full_args(dyn):
      dyn = iter(dyn)
      return [args[i] if i in nondiff else next(dyn) for i in range(len(args))]

    def flat_fun(*flat):
      out = self.fun(*full_args(tree_unflatten(in_tree, flat)))
      leaves, store["out_tree"] = tree_flatten(out)
      store["out_leaves"] = leaves
      return leaves

    def flat_jvp(primals, tangents):
      pair = self.jvp(*static_args, tuple(tree_unflatten(in_tree, primals)),
                      tuple(tree_unflatten(in_tree, tangents)))
      return self._check_jvp_output(pair, store, name)

    outs = bind_custom_call(custom_jvp_call_p, flat_fun, flat_args,
                            dict(jvp=_named(flat_jvp, self.jvp),
                                 symbolic_zeros=self.symbolic_zeros, name=name))
    return tree_unflatten(store["out_tree"], outs)

  def _check_jvp_output(self, pair, store, name):
    jvp_name = _function_name(self.jvp)
    if not isinstance(pair, (list, tuple)) or len(pair) != 2:
      raise TypeError(f"Custom JVP rule {jvp_name} for function {name} must produce a pair "
                      "(list or tuple of length two) representing primal and tangent outputs, "
                      f"but got {pair}.")
    primals_out, out_tree = tree_flatten(pair[0])
    tangents_out, tangent_tree = tree_flatten(pair[1], is_leaf=lambda x: type(x) is SymbolicZero)
    if out_tree != tangent_tree:
      raise TypeError(f"Custom JVP rule {jvp_name} for function {name} must produce primal and "
                      "tangent outputs with equal container (pytree) structures, but got "
                      f"{out_tree} and {tangent_tree} respectively.")
    if "out_tree" in store:
      expected = store["out_tree"]
      if expected != out_tree or not _same_types(primals_out, store["out_leaves"]):
        what = ("container/pytree structure" if expected != out_tree else "shapes/dtypes")
        raise TypeError(
            f"Custom JVP rule {jvp_name} for function {name} must produce a pair (list or "
            "tuple of length two) where the first element represents the primal output (equal "
            f"in value to the output of the custom_jvp-decorated function {name}, and in "
            "particular " + ("of the same container/pytree structure" if expected != out_tree
                             else "with leaves of the same shape/dtype") + "), but instead the "
            f"JVP rule output's first element had {what}" + (":\n" if expected != out_tree
                                                            else " of:\n")
            + f"    {_type_tree(out_tree, primals_out)}\nwhile the custom_jvp-decorated "
            f"function {name} had output {what}" + (":\n" if expected != out_tree else " of:\n")
            + f"    {_type_tree(expected, store['out_leaves'])}"
            + ("." if expected != out_tree else ""))
    else:
      store["out_tree"], store["out_leaves"] = out_tree, primals_out
    disagreements = []
    for p, t in zip(primals_out, tangents_out):
      primal_aval = core.get_aval(p).strip_weak_type()
      expected = ad.tangent_aval(primal_aval)
      got = (t.aval if type(t) is SymbolicZero else core.get_aval(t)).strip_weak_type()
      if got.shape != expected.shape or got.dtype != expected.dtype:
        disagreements.append((primal_aval, expected, got))
    if len(disagreements) == 1 and len(primals_out) == 1:
      (p, e, t), = disagreements
      raise TypeError("Custom JVP rule must produce primal and tangent outputs with "
                      f"corresponding shapes and dtypes. Expected {_type_str(e)} (tangent type "
                      f"of {_type_str(p)}) but got {_type_str(t)}.")
    if disagreements:
      raise TypeError("Custom JVP rule must produce primal and tangent outputs with "
                      "corresponding shapes and dtypes, but got:\n" + "\n".join(
                          f"  primal {_type_str(p)} with tangent {_type_str(t)}, expecting "
                          f"tangent {e}" for p, e, t in disagreements))
    return primals_out, tangents_out


def _named(flat_fun: Callable, user_fun: Callable) -> Callable:
  """`flat_fun` carrying the user function's name (shown in printed jaxprs)."""
  flat_fun.__name__ = _function_name(user_fun)
  return flat_fun


# ------------------------------------------------------------------------------------------------
# custom_vjp

custom_vjp_call_p = _call_primitive("custom_vjp_call")
custom_lin_p = Primitive("custom_lin", multiple_results=True)


def _custom_vjp_call_jvp(primals, tangents, *, fwd, bwd, symbolic_zeros, name, num_consts=0,
                         call_jaxpr=None):
  if any(type(t) is not ad.Zero for t in tangents[:num_consts]):
    raise ad.CustomVJPException()
  primals, tangents = primals[num_consts:], tangents[num_consts:]
  in_nonzeros = tuple(type(t) is not ad.Zero for t in tangents)
  residuals, primals_out = fwd(primals, in_nonzeros)
  out_avals = tuple(ad.tangent_aval(core.get_aval(p)) for p in primals_out)
  linear_tangents = custom_lin_p.bind(
      *residuals, *(t for t in tangents if type(t) is not ad.Zero), num_res=len(residuals),
      bwd=bwd, out_avals=out_avals, in_nonzeros=in_nonzeros, symbolic_zeros=symbolic_zeros)
  linear_tangents = iter(linear_tangents)
  return primals_out, [ad.Zero(a) if a.dtype == dtypes.float0 else next(linear_tangents)
                       for a in out_avals]


ad.primitive_jvps[custom_vjp_call_p] = _custom_vjp_call_jvp


def _custom_lin_abstract_eval(*avals, out_avals, **params):
  return [a for a in out_avals if a.dtype != dtypes.float0]


def _custom_lin_impl(*args, **params):
  raise TypeError("can't apply forward-mode autodiff (jvp) to a custom_vjp function.")


def _custom_lin_transpose(cts, *args, num_res, bwd, out_avals, in_nonzeros, symbolic_zeros):
  residuals = args[:num_res]
  cts = iter(cts)
  full_cts = []
  for aval in out_avals:
    if aval.dtype == dtypes.float0:
      full_cts.append(np.zeros(aval.shape, dtypes.float0))
      continue
    ct = next(cts)
    if type(ct) is ad.Zero:
      ct = SymbolicZero(ct.aval) if symbolic_zeros else ad.instantiate_zeros(ct)
    full_cts.append(ct)
  cts_in = bwd(residuals, full_cts)
  return [None] * num_res + [ct for ct, nz in zip(cts_in, in_nonzeros) if nz]


custom_lin_p.def_impl(_custom_lin_impl)
custom_lin_p.def_abstract_eval(_custom_lin_abstract_eval)
custom_lin_p.weak_type_rule = lambda *weak, out_avals, **params: [
    a.weak_type for a in out_avals if a.dtype != dtypes.float0]
ad.primitive_transposes[custom_lin_p] = _custom_lin_transpose
# --- batching: custom_lin is only ever evaluated forward (it is transposed, not batched, in
# reverse mode), which is forward-mode differentiation of a custom_vjp function: an error.
batching.primitive_batchers[custom_lin_p] = lambda axis_data, vals, dims, **params: (
    _custom_lin_impl())


def _pp_custom_vjp_call(eqn, context) -> list:
  p = eqn.params
  return [("name", p["name"]), ("bwd", _function_name(p["bwd"])),
          ("call_jaxpr", p["call_jaxpr"]), ("fwd", _function_name(p["fwd"])),
          ("symbolic_zeros", p["symbolic_zeros"])]


pp_eqn_rules[custom_vjp_call_p] = _pp_custom_vjp_call


class custom_vjp:
  """A function with a custom VJP rule, set with `defvjp(fwd, bwd)`: `fwd(*args)` returns the
  output and residuals, `bwd(residuals, cotangent)` one cotangent per argument (None for
  zero). Arguments at `nondiff_argnums` (not arrays) are passed to `bwd` first."""

  def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
    functools.update_wrapper(self, fun)
    self.fun = fun
    self.nondiff_argnums = tuple(nondiff_argnums)
    self.fwd: Callable | None = None
    self.bwd: Callable | None = None
    self.symbolic_zeros = False

  def __get__(self, instance, owner=None):
    return self if instance is None else functools.partial(self, instance)

  def defvjp(self, fwd: Callable, bwd: Callable, symbolic_zeros: bool = False,
             optimize_remat: bool = False) -> None:
    self.fwd = fwd
    self.bwd = bwd
    self.symbolic_zeros = symbolic_zeros

  def __call__(self, *args, **kwargs):
    name = _function_name(self.fun)
    if self.fwd is None or self.bwd is None:
      raise AttributeError(f"No VJP defined for custom_vjp function {name} using defvjp.")
    args = _resolve_kwargs(self.fun, args, kwargs, "custom_vjp", name)
    nondiff = self.nondiff_argnums
    for i in nondiff:
      if any(isinstance(leaf, Tracer) for leaf in tree_leaves(args[i])):
        raise errors.UnexpectedTracerError(
            "Found a JAX Tracer object passed as an argument to a custom_vjp function in a "
            "position indicated by nondiff_argnums as non-differentiable. Tracers cannot be "
            "passed as non-differentiable arguments to custom_vjp functions; instead, "
            "nondiff_argnums should only be used for arguments that can't be or contain JAX "
            "tracers, e.g. function-valued arguments. In particular, array-valued arguments "
            "should typically not be indicated as nondiff_argnums.")
    static_args = [args[i] for i in nondiff]
    dyn_args = tuple(a for i, a in enumerate(args) if i not in nondiff)
    flat_args, in_tree = tree_flatten(dyn_args)
    in_avals = [core.get_aval(x) for x in flat_args]
    store: dict = {}

    def full_args(dyn):
      dyn = iter(dyn)
      return [args[i] if i in nondiff else next(dyn) for i in range(len(args))]

    def flat_fun(*flat):
      out = self.fun(*full_args(tree_unflatten(in_tree, flat)))
      leaves, store["out_tree"] = tree_flatten(out)
      store["out_leaves"] = leaves
      return leaves

    def flat_fwd(primals, nonzeros):
      if self.symbolic_zeros:
        primals = [CustomVJPPrimal(p, nz) for p, nz in zip(primals, nonzeros)]
      pair = self.fwd(*full_args(tree_unflatten(in_tree, primals)))
      return self._check_fwd_output(pair, store, name)

    def flat_bwd(residuals, cts):
      py_cts_in = self.bwd(*static_args, tree_unflatten(store["res_tree"], residuals),
                           tree_unflatten(store["out_tree"], cts))
      return _flatten_bwd_output(py_cts_in, in_tree, in_avals)

    outs = bind_custom_call(custom_vjp_call_p, flat_fun, flat_args,
                            dict(fwd=_named(flat_fwd, self.fwd), bwd=_named(flat_bwd, self.bwd),
                                 symbolic_zeros=self.symbolic_zeros, name=name))
    return tree_unflatten(store["out_tree"], outs)

  def _check_fwd_output(self, pair, store, name):
    fwd_name = _function_name(self.fwd)
    if not isinstance(pair, (list, tuple)) or len(pair) != 2:
      raise TypeError(
          f"Custom VJP fwd rule {fwd_name} for function {name} must produce a pair (list or "
          "tuple of length two) where the first element represents the primal output (equal to "
          f"those of the custom_vjp-decorated function {name}) and the second element "
          "represents residuals (i.e. values stored from the forward pass for use on the "
          f"backward pass), but instead of a pair the fwd rule {fwd_name} produced {pair}.")
    primals_out, out_tree = tree_flatten(pair[0])
    residuals, store["res_tree"] = tree_flatten(pair[1])
    if "out_tree" in store:
      expected = store["out_tree"]
      if expected != out_tree or not _same_types(primals_out, store["out_leaves"]):
        structure = expected != out_tree
        what = "container/pytree structure" if structure else "shapes/dtypes of"
        raise TypeError(
            f"Custom VJP fwd rule {fwd_name} for function {name} must produce a pair (list or "
            "tuple of length two) where the first element represents the primal output (equal "
            f"to the output of the custom_vjp-decorated function {name}) and the second "
            "element represents residuals (i.e. values stored from the forward pass for use on "
            "the backward pass), but instead the fwd rule output's first element had "
            f"{what}:\n    {_type_tree(out_tree, primals_out)}\nwhile the "
            f"custom_vjp-decorated function {name} had output {what}:\n"
            f"    {_type_tree(expected, store['out_leaves'])}" + ("." if structure else ""))
    else:
      store["out_tree"], store["out_leaves"] = out_tree, primals_out
    return residuals, primals_out


def _flatten_bwd_output(py_cts_in, in_tree, in_avals) -> list:
  """A bwd rule's output (a tuple with one entry per argument, None for zero) as a flat list of
  cotangents (`Zero` where none), checked against the arguments' types."""
  dummy = tree_unflatten(in_tree, [object()] * len(in_avals))
  if isinstance(py_cts_in, list) and len(py_cts_in) == len(dummy):
    py_cts_in = tuple(py_cts_in)
  if not isinstance(py_cts_in, tuple) or len(py_cts_in) != len(dummy):
    raise _bwd_structure_error(py_cts_in, in_tree)
  flat: list = []
  for ct, arg in zip(py_cts_in, dummy):
    count = len(tree_leaves(arg))
    if ct is None:
      flat.extend([None] * count)
      continue
    leaves, tree = tree_flatten(ct, is_leaf=lambda x: type(x) is SymbolicZero)
    if tree != tree_structure(arg):
      raise _bwd_structure_error(py_cts_in, in_tree)
    flat.extend(leaves)
  paths = [keystr(path) for path, _ in tree_flatten_with_path(dummy)[0]]
  results = []
  for path, aval, ct in zip(paths, in_avals, flat):
    expected = ad.tangent_aval(aval)
    if ct is None or expected.dtype == dtypes.float0:
      results.append(ad.Zero(expected))
    elif type(ct) is SymbolicZero:
      results.append(ad.Zero(expected))
    else:
      got = core.get_aval(ct)
      if got.shape != expected.shape or (got.dtype != expected.dtype
                                         and got.dtype != dtypes.float0):
        mismatches = [what for what, differ in (("the dtypes do not match",
                                                 got.dtype != expected.dtype),
                                                ("the shapes do not match",
                                                 got.shape != expected.shape)) if differ]
        raise ValueError("Custom VJP bwd rule must produce an output with the same type as the "
                         f"args tuple of the primal function, but at output{path} the bwd rule "
                         f"produced an output of type {_type_str(got)} corresponding to an "
                         f"input of type {_type_str(aval)}, so {' and '.join(mismatches)}")
      results.append(ad.Zero(expected) if ad.is_float0(ct) else ct)
  return results


def _bwd_structure_error(py_cts_in, in_tree) -> TypeError:
  return TypeError("Custom VJP bwd rule must produce an output with the same container "
                   "(pytree) structure as the args tuple of the primal function, and in "
                   "particular must produce a tuple of length equal to the number of arguments "
                   "to the primal function, but got bwd output structure "
                   f"{tree_structure(py_cts_in)} for primal input structure {in_tree}.")



# ------------------------------------------------------------------------------------------------
# --- batching: a custom_jvp/custom_vjp call with batched operands becomes a call of the batched
# function with batched rules, so differentiating the batched call still uses the user's rule.
# The batched function and rules return every output batched along axis 0.


def _is_symbolic_zero(x) -> bool:
  """A zero handed to or returned by a rule as something other than an array of zeros."""
  return type(x) is SymbolicZero or type(x) is ad.Zero or ad.is_float0(x)


def _symbolic_zero_of_element(x, dim):
  """The symbolic zero `x` of a batch (batched along `dim`) as one of one element."""
  shape = x.shape if ad.is_float0(x) else x.aval.shape
  if dim is not None:
    shape = shape[:dim] + shape[dim + 1:]
  if ad.is_float0(x):
    return np.zeros(shape, dtypes.float0)
  return type(x)(x.aval.update(shape=shape))


def _symbolic_zero_of_batch(x, size: int, dim):
  """The symbolic zero `x` of one element as one of a batch batched along `dim`."""
  shape = list(x.shape if ad.is_float0(x) else x.aval.shape)
  if dim is not None:
    shape.insert(dim, size)
  if ad.is_float0(x):
    return np.zeros(shape, dtypes.float0)
  return type(x)(x.aval.update(shape=tuple(shape)))


def _batch_flat_rule(rule: Callable, axis_data, in_dims: Sequence, out_dims: Callable | None = None
                     ) -> Callable:
  """`rule(*flat) -> flat list` batched: operands batched along `in_dims`, outputs along axis 0,
  or along `out_dims()[i]`, where None sums the batch away (the cotangent of an unbatched
  operand). Symbolic zeros go in and come out unbatched."""
  size = axis_data.size

  def batched(*flat):
    symbolic = {i: _symbolic_zero_of_element(x, d)
                for i, (x, d) in enumerate(zip(flat, in_dims)) if _is_symbolic_zero(x)}
    live = [i for i in range(len(flat)) if i not in symbolic]
    symbolic_out: dict = {}
    count: list = []

    def per_element(*live_vals):
      args = dict(symbolic)
      args.update(zip(live, live_vals))
      outs = list(rule(*(args[i] for i in range(len(flat)))))
      count.append(len(outs))
      symbolic_out.update((i, o) for i, o in enumerate(outs) if _is_symbolic_zero(o))
      return [o for i, o in enumerate(outs) if i not in symbolic_out]

    outs, dims = batching.batch_subtrace(per_element, axis_data, [in_dims[i] for i in live],
                                         [flat[i] for i in live])
    targets = out_dims() if out_dims is not None else [0] * count[0]
    computed = iter(zip(outs, dims))
    results = []
    for i, target in enumerate(targets):
      if i in symbolic_out:
        results.append(_symbolic_zero_of_batch(symbolic_out[i], size, target))
        continue
      out, dim = next(computed)
      if target is None:
        results.append(out if dim is None else lax.reduce_sum(out, (dim,)))
      else:
        results.append(batching.matchaxis(axis_data, dim, target, out))
    return results

  return batched


def _named_like(fun: Callable, like: Callable) -> Callable:
  fun.__name__ = getattr(like, "__name__", type(like).__name__)
  return fun


def _custom_jvp_call_batch(axis_data, fun, vals, dims, params):
  jvp = params["jvp"]
  n = len(vals)

  def jvp_flat(*primals_and_tangents):
    outs, tangents_out = jvp(list(primals_and_tangents[:n]), list(primals_and_tangents[n:]))
    return [*outs, *tangents_out]

  def batched_jvp(primals, tangents):
    outs = _batch_flat_rule(jvp_flat, axis_data, [*dims, *dims])(*primals, *tangents)
    half = len(outs) // 2
    return outs[:half], outs[half:]

  return bind_custom_call(custom_jvp_call_p, _batch_flat_rule(fun, axis_data, dims), vals,
                          dict(params, jvp=_named_like(batched_jvp, jvp)))


def _custom_vjp_call_batch(axis_data, fun, vals, dims, params):
  fwd, bwd = params["fwd"], params["bwd"]
  counts: dict = {}

  def fwd_flat(*primals, nonzeros):
    residuals, outs = fwd(list(primals), nonzeros)
    counts["residuals"] = len(residuals)
    return [*residuals, *outs]

  def batched_fwd(primals, nonzeros):
    both = _batch_flat_rule(lambda *ps: fwd_flat(*ps, nonzeros=nonzeros), axis_data, dims)(
        *primals)
    k = counts["residuals"]
    return both[:k], both[k:]

  def batched_bwd(residuals, cts):
    k = len(residuals)
    rule = lambda *flat: bwd(list(flat[:k]), list(flat[k:]))
    return _batch_flat_rule(rule, axis_data, [0] * (k + len(cts)), lambda: dims)(*residuals,
                                                                                *cts)

  return bind_custom_call(custom_vjp_call_p, _batch_flat_rule(fun, axis_data, dims), vals,
                          dict(params, fwd=_named_like(batched_fwd, fwd),
                               bwd=_named_like(batched_bwd, bwd)))


batching.custom_call_batchers[custom_jvp_call_p] = _custom_jvp_call_batch
batching.custom_call_batchers[custom_vjp_call_p] = _custom_vjp_call_batch


def _staged_call_batcher(batch_call, rules_without_consts):
  """The batching rule of a custom call staged as an equation (its closed-over values leading
  operands): the call again, batched, with the closed-over values as ordinary operands."""
  def rule(axis_data, vals, dims, *, call_jaxpr, num_consts=0, **params):
    fun = lambda *args: core.eval_jaxpr(call_jaxpr.jaxpr, call_jaxpr.consts, *args)
    const_avals = [core.get_aval(v) for v in vals[:num_consts]]
    outs = batch_call(axis_data, fun, list(vals), list(dims),
                      rules_without_consts(params, num_consts, const_avals, dims[:num_consts]))
    return outs, [0] * len(outs)
  return rule


def _jvp_rule_without_consts(params, k, const_avals, const_dims):
  jvp = params["jvp"]
  return dict(params, jvp=_named_like(lambda ps, ts: jvp(ps[k:], ts[k:]), jvp))


def _vjp_rules_without_consts(params, k, const_avals, const_dims):
  fwd, bwd = params["fwd"], params["bwd"]
  zeros = [ad.Zero(ad.tangent_aval(_unbatched_aval(a, d))) for a, d in zip(const_avals,
                                                                            const_dims)]
  return dict(params, fwd=_named_like(lambda ps, nonzeros: fwd(ps[k:], nonzeros[k:]), fwd),
              bwd=_named_like(lambda res, cts: [*zeros, *bwd(res, cts)], bwd))


def _unbatched_aval(aval: ShapedArray, dim) -> ShapedArray:
  return aval if dim is None else aval.update(shape=aval.shape[:dim] + aval.shape[dim + 1:])


batching.primitive_batchers[custom_jvp_call_p] = _staged_call_batcher(_custom_jvp_call_batch,
                                                                      _jvp_rule_without_consts)
batching.primitive_batchers[custom_vjp_call_p] = _staged_call_batcher(_custom_vjp_call_batch,
                                                                      _vjp_rules_without_consts)
