"""Loops: the `while` and `scan` primitives, and `while_loop`, `fori_loop`, `scan`, `map`.

`while` operands: the cond function's closed-over values, the body's, then the carries; params
`body_jaxpr, body_nconsts, cond_jaxpr, cond_nconsts`. `scan` operands: consts, carries, xs;
params `jaxpr, length, num_carry, num_consts, reverse, unroll`; the body maps
`(consts, carry, x) -> (carry, y)` and the ys are stacked along a new leading axis. Carries a
body merely passes through are turned into consts before binding, as JAX does.
"""
from __future__ import annotations

import weakref
from typing import Callable

import numpy as np

from pyjax._src import core, errors, tree_util
from pyjax._src.avals import ShapedArray
from pyjax._src.backend import xp
from pyjax._src.config import config
from pyjax._src.core import Primitive
from pyjax._src.interpreters import ad, batching
from pyjax._src.lax.control_flow import common, transforms
from pyjax._src.lax.control_flow.common import (as_array, check_carry_type, dce_jaxpr,
                                                flatten_operands, forwarding,
                                                move_binders_to_front,
                                                promote_weak_typed_inputs, prune_outputs,
                                                trace_body)

# ------------------------------------------------------------------------------------------------
# The while primitive


while_p = Primitive("while", multiple_results=True)


def _while_impl(*args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
  cond_consts = args[:cond_nconsts]
  body_consts = args[cond_nconsts:cond_nconsts + body_nconsts]
  carry = list(args[cond_nconsts + body_nconsts:])
  cond_fun, body_fun = common.executable(cond_jaxpr), common.executable(body_jaxpr)
  pred, = cond_fun(*cond_consts, *carry)
  if np.ndim(pred) == 0:
    while pred:
      carry = body_fun(*body_consts, *carry)
      pred, = cond_fun(*cond_consts, *carry)
    return carry
  # A batched predicate (from vmap): step every lane, keep the finished lanes' carries.
  while pred.any():
    new = body_fun(*body_consts, *carry)
    carry = [xp.where(xp.reshape(pred, pred.shape + (1,) * (xp.ndim(c) - pred.ndim)), n, c)
             for n, c in zip(new, carry)]
    pred, = cond_fun(*cond_consts, *carry)
  return carry


def _while_abstract_eval(*avals, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
  num_carry = len(avals) - cond_nconsts - body_nconsts
  if len(cond_jaxpr.in_avals) != cond_nconsts + num_carry:
    raise errors.JaxprTypeError(f"while_loop cond_jaxpr takes {len(cond_jaxpr.in_avals)} "
                                f"inputs but is given {cond_nconsts + num_carry}")
  if len(body_jaxpr.in_avals) != body_nconsts + num_carry:
    raise errors.JaxprTypeError(f"while_loop body_jaxpr takes {len(body_jaxpr.in_avals)} "
                                f"inputs but is given {body_nconsts + num_carry}")
  _check_types("while_loop cond", cond_jaxpr.in_avals,
               [*avals[:cond_nconsts], *avals[cond_nconsts + body_nconsts:]])
  _check_types("while_loop body", body_jaxpr.in_avals, avals[cond_nconsts:])
  _check_types("while_loop body carry", body_jaxpr.out_avals,
               avals[cond_nconsts + body_nconsts:])
  return list(body_jaxpr.out_avals)


def _check_types(what: str, expected, given) -> None:
  """Equal shapes and dtypes (weak types may differ), or a JaxprTypeError."""
  if len(expected) != len(given) or not all(common.typematch(a, b)
                                            for a, b in zip(expected, given)):
    raise errors.JaxprTypeError(
        f"{what} takes types {' '.join(a.str_short() for a in expected)} but is given "
        f"{' '.join(a.str_short() for a in given)}")


while_p.def_impl(_while_impl)
while_p.def_abstract_eval(_while_abstract_eval)
while_p.weak_type_rule = lambda *weak, body_jaxpr, **params: [a.weak_type for a in
                                                              body_jaxpr.out_avals]

# ------------------------------------------------------------------------------------------------
# The scan primitive


scan_p = Primitive("scan", multiple_results=True)


def _scan_impl(*args, reverse, length, num_consts, num_carry, jaxpr, unroll):
  consts = args[:num_consts]
  carry = list(args[num_consts:num_consts + num_carry])
  xs = args[num_consts + num_carry:]
  body = common.executable(jaxpr)
  ys = [xp.empty((length, *a.shape), a.dtype) for a in jaxpr.out_avals[num_carry:]]
  for step in range(length):
    i = length - 1 - step if reverse else step
    out = body(*consts, *carry, *[x[i, ...] for x in xs])
    carry = out[:num_carry]
    for y, value in zip(ys, out[num_carry:]):
      y[i] = value
  return [*carry, *ys]


def _stacked(length: int, aval: ShapedArray) -> ShapedArray:
  return ShapedArray((length, *aval.shape), aval.dtype, aval.weak_type)


def _scan_abstract_eval(*avals, reverse, length, num_consts, num_carry, jaxpr, unroll):
  if len(avals) != len(jaxpr.in_avals):
    raise errors.JaxprTypeError(f"scan number of arguments doesn't match the number of jaxpr "
                                f"arguments: {len(avals)} vs {len(jaxpr.in_avals)}")
  in_avals = jaxpr.in_avals
  _check_types("scan consts and carry", in_avals[:num_consts + num_carry],
               avals[:num_consts + num_carry])
  _check_types("scan xs", in_avals[num_consts + num_carry:],
               [_unstacked(a) if a.shape[:1] == (length,) else a
                for a in avals[num_consts + num_carry:]])
  out = jaxpr.out_avals
  _check_types("scan body carry", out[:num_carry], avals[num_consts:num_consts + num_carry])
  return [*out[:num_carry], *(_stacked(length, a) for a in out[num_carry:])]


scan_p.def_impl(_scan_impl)
scan_p.def_abstract_eval(_scan_abstract_eval)
scan_p.weak_type_rule = lambda *weak, jaxpr, **params: [a.weak_type for a in jaxpr.out_avals]

# ------------------------------------------------------------------------------------------------
# while_loop


def while_loop(cond_fun: Callable, body_fun: Callable, init_val):
  """Run `val = body_fun(val)` while `cond_fun(val)` is true; the carry keeps one type."""
  if not (callable(body_fun) and callable(cond_fun)):
    raise TypeError("lax.while_loop: body_fun and cond_fun arguments should be callable.")
  if config.jax_disable_jit:
    try:
      val = tree_util.tree_map(as_array, init_val)
      while cond_fun(val):
        val = tree_util.tree_map(as_array, body_fun(val))
      return val
    except errors.ConcretizationTypeError:
      pass  # e.g. under vmap: fall back to the primitive

  init_flat, in_tree, init_avals = flatten_operands(init_val)

  def trace(avals):
    cond = trace_body(cond_fun, (init_val,), avals, tree_util.treedef_tuple([in_tree]),
                      "while_cond")
    body = trace_body(body_fun, (init_val,), avals, tree_util.treedef_tuple([in_tree]),
                      "while_body")
    if not tree_util.treedef_is_leaf(cond.out_tree) or len(cond.out_avals) != 1:
      raise TypeError(f"cond_fun must return a boolean scalar, but got pytree "
                      f"{cond.out_tree}.")
    pred = cond.out_avals[0]
    if pred.shape != () or pred.dtype != np.bool_:
      raise TypeError("cond_fun must return a boolean scalar, but got output type(s) "
                      f"{cond.out_avals}.")
    return cond, body

  cond, body = trace(init_avals)
  if len(body.out_avals) != len(init_avals):
    check_carry_type("while_loop body", body_fun, in_tree, init_avals, body.out_tree,
                     body.out_avals)
  init_flat, changed = promote_weak_typed_inputs(init_flat, init_avals, body.out_avals)
  if changed:
    init_avals = [core.get_aval(x) for x in init_flat]
    cond, body = trace(init_avals)
  check_carry_type("while_loop body", body_fun, in_tree, init_avals, body.out_tree,
                   body.out_avals)

  cond_jaxpr, body_jaxpr = cond.jaxpr, body.jaxpr
  cond_consts, body_consts = list(cond.consts), list(body.consts)
  # A carry the body passes through unchanged and the cond does not read is loop-invariant:
  # it becomes a body const (so, e.g., vmap with a batched predicate need not batch it).
  num_body_consts = len(body_consts)
  carry_computed = [num_body_consts + i != f
                    for i, f in enumerate(forwarding(body_jaxpr.jaxpr))]
  dced_cond, kept = dce_jaxpr(cond_jaxpr.jaxpr, [True],
                              [True] * len(cond_consts) + carry_computed)
  move_to_const = [not k for k in kept[len(cond_consts):]]
  init_vals = list(init_flat)
  moved: list = []
  if any(move_to_const):
    cond_jaxpr = core.ClosedJaxpr(dced_cond, [])
    body_jaxpr = prune_outputs(body_jaxpr, [not m for m in move_to_const])
    body_jaxpr = move_binders_to_front(body_jaxpr, [False] * num_body_consts + move_to_const)
    moved = [x for x, m in zip(init_vals, move_to_const) if m]
    init_vals = [x for x, m in zip(init_vals, move_to_const) if not m]
    body_consts = [*moved, *body_consts]

  outs = while_p.bind(*cond_consts, *body_consts, *init_vals, cond_jaxpr=cond_jaxpr,
                      body_jaxpr=body_jaxpr, cond_nconsts=len(cond_consts),
                      body_nconsts=len(body_consts))
  if any(move_to_const):
    outs_iter, moved_iter = iter(outs), iter(moved)
    outs = [as_array(next(moved_iter)) if m else next(outs_iter) for m in move_to_const]
  return tree_util.tree_unflatten(body.out_tree, outs)


# ------------------------------------------------------------------------------------------------
# scan


def _scan_length(xs_flat: list, length) -> int:
  lengths = []
  for x in xs_flat:
    if not hasattr(x, "shape"):
      raise ValueError("scan got value with no leading axis to scan over: "
                       f"{', '.join(str(v) for v in xs_flat if not hasattr(v, 'shape'))}.")
    lengths.append(x.shape[0])
  if length is not None:
    try:
      length = int(length)
    except errors.ConcretizationTypeError:
      raise errors.ConcretizationTypeError(
          length, "The `length` argument to `scan` expects a concrete `int` value. For "
          "scan-like iteration with a dynamic length, use `while_loop` or `fori_loop`.") from None
    if not all(length == n for n in lengths):
      raise ValueError(f"scan got `length` argument of {length} which disagrees with leading "
                       f"axis sizes {lengths}.")
    return length
  if len(set(lengths)) > 1:
    raise ValueError("scan got values with different leading axis sizes: "
                     f"{', '.join(str(n) for n in lengths)}.")
  if not lengths:
    raise ValueError("scan got no values to scan over and `length` not provided.")
  return lengths[0]


def _stack(values: list):
  from pyjax._src.lax import lax
  return lax.concatenate([lax.expand_dims(v, (0,)) for v in values], 0)


def _scan_in_python(f, init, xs, xs_flat, xs_tree, length, reverse):
  """`scan` under `disable_jit`: a Python loop."""
  from pyjax._src.lax import lax
  if length == 0:
    raise ValueError("zero-length scan is not supported in disable_jit() mode because the "
                     "output type is unknown.")
  carry, ys = init, []
  steps = range(length - 1, -1, -1) if reverse else range(length)
  for i in steps:
    x = tree_util.tree_unflatten(xs_tree, [lax.index_in_dim(v, i, keepdims=False)
                                           for v in xs_flat])
    carry, y = f(carry, x)
    ys.append(y)
  if reverse:
    ys.reverse()
  return carry, tree_util.tree_map(lambda *leaves: _stack(list(leaves)), *ys)


def scan(f: Callable, init, xs=None, length: int | None = None, reverse: bool = False,
         unroll: int | bool = 1, _split_transpose: bool = False):
  """Loop `carry, y = f(carry, x)` over the leading axis of `xs`, returning the final carry
  and the stacked `y`s."""
  if not callable(f):
    raise TypeError("lax.scan: f argument should be a callable.")
  init_flat, init_tree, init_avals = flatten_operands(init)
  xs_flat, xs_tree, xs_avals = flatten_operands(xs)
  length = _scan_length(xs_flat, length)
  if config.jax_disable_jit:
    return _scan_in_python(f, init, xs, xs_flat, xs_tree, length, reverse)

  x_avals = [ShapedArray(a.shape[1:], a.dtype, a.weak_type) for a in xs_avals]
  args_tree = tree_util.treedef_tuple([init_tree, xs_tree])

  def trace(carry_avals):
    body = trace_body(f, (init, xs), [*carry_avals, *x_avals], args_tree, "scan")
    children = _pair_children(body.out_tree)
    if children is None:
      shown = tree_util.tree_unflatten(body.out_tree, body.out_avals)
      raise TypeError(f"scan body output must be a pair, got {shown}.")
    return body, children

  body, (carry_tree, ys_tree) = trace(init_avals)
  num_carry = len(init_flat)
  carry_out_avals = body.out_avals[:carry_tree.num_leaves]
  if carry_tree.num_leaves != num_carry:
    check_carry_type("scan body", f, init_tree, init_avals, carry_tree, carry_out_avals)
  init_flat, changed = promote_weak_typed_inputs(init_flat, init_avals, carry_out_avals)
  if changed:
    init_avals = [core.get_aval(x) for x in init_flat]
    body, (carry_tree, ys_tree) = trace(init_avals)
    carry_out_avals = body.out_avals[:carry_tree.num_leaves]
  check_carry_type("scan body", f, init_tree, init_avals, carry_tree, carry_out_avals)

  unroll = core.concrete_or_error(
      None, unroll, "The `unroll` argument to `scan` expects a concrete `int` or `bool` value.")
  if isinstance(unroll, (bool, np.bool_)):
    unroll = max(length, 1) if unroll else 1
  if unroll < 0:
    raise ValueError("`unroll` must be a `bool` or a non-negative `int`.")

  jaxpr, consts = body.jaxpr, list(body.consts)
  args = [*init_flat, *xs_flat]
  num_ys = len(jaxpr.out_avals) - num_carry
  num_xs = len(xs_flat)
  fwd = forwarding(jaxpr.jaxpr)
  carry_fwd, ys_fwd = fwd[:num_carry], fwd[num_carry:]
  # A carry the body passes through unchanged is loop-invariant: make it a const.
  move_to_const = [len(consts) + i == f for i, f in enumerate(carry_fwd)]
  moved: list = []
  if any(move_to_const):
    jaxpr = prune_outputs(jaxpr, [not m for m in move_to_const] + [True] * num_ys)
    jaxpr = move_binders_to_front(jaxpr, [False] * len(consts) + move_to_const
                                  + [False] * num_xs)
    moved = [x for x, m in zip(args, move_to_const) if m]
    args = [x for x, m in zip(args, move_to_const + [False] * num_xs) if not m]
    consts = [*moved, *consts]
    num_carry -= len(moved)
  # A y that is an x passed through is the xs operand itself: do not copy it.
  ys_from_xs = [f - len(consts) if f is not None and f >= num_carry + len(consts) else None
                for f in ys_fwd]
  jaxpr = prune_outputs(jaxpr, [True] * num_carry + [f is None for f in ys_from_xs])

  outs = scan_p.bind(*consts, *args, reverse=bool(reverse), length=length, jaxpr=jaxpr,
                     num_consts=len(consts), num_carry=num_carry, unroll=int(unroll))
  carry_out, ys_out = outs[:num_carry], iter(outs[num_carry:])
  ys = [next(ys_out) if f is None else as_array(args[f]) for f in ys_from_xs]
  if any(move_to_const):
    carry_iter, moved_iter = iter(carry_out), iter(moved)
    carry_out = [as_array(next(moved_iter)) if m else next(carry_iter) for m in move_to_const]
  return (tree_util.tree_unflatten(carry_tree, carry_out),
          tree_util.tree_unflatten(ys_tree, ys))


def _pair_children(tree):
  """The two subtrees of a body output `(carry, y)`, or None if it is not a pair."""
  if tree_util.treedef_is_leaf(tree):
    return None
  children = tree_util.treedef_children(tree)
  return children if len(children) == 2 else None


# ------------------------------------------------------------------------------------------------
# fori_loop


_fori_scan_bodies: "weakref.WeakKeyDictionary[Callable, Callable]" = weakref.WeakKeyDictionary()
_fori_while_bodies: "weakref.WeakKeyDictionary[Callable, Callable]" = weakref.WeakKeyDictionary()


def _cached_wrapper(cache, body_fun, make):
  """One wrapper per body function (so its trace is cached like the body's own)."""
  try:
    wrapper = cache.get(body_fun)
  except TypeError:
    return make(body_fun)
  if wrapper is None:
    wrapper = make(body_fun)
    try:
      cache[body_fun] = wrapper
    except TypeError:
      pass
  return wrapper


def _make_fori_scan_body(body_fun):
  body_ref = weakref.ref(body_fun) if _weakrefable(body_fun) else lambda: body_fun

  def scanned_fun(loop_carry, _):
    i, x = loop_carry
    return (i + 1, body_ref()(i, x)), None
  return scanned_fun


def _make_fori_while_body(body_fun):
  from pyjax._src.lax import lax
  body_ref = weakref.ref(body_fun) if _weakrefable(body_fun) else lambda: body_fun

  def while_body_fun(loop_carry):
    i, upper, x = loop_carry
    return lax.add(i, lax._const(i, 1)), upper, body_ref()(i, x)
  return while_body_fun


def _weakrefable(x) -> bool:
  try:
    weakref.ref(x)
  except TypeError:
    return False
  return True


def _fori_cond_fun(loop_carry):
  from pyjax._src.lax import lax
  i, upper, _ = loop_carry
  return lax.lt(i, upper)


def fori_loop(lower, upper, body_fun: Callable, init_val, *, unroll: int | bool | None = None):
  """`for i in range(lower, upper): val = body_fun(i, val)`. With concrete bounds this is a
  `scan` (reverse-differentiable), otherwise a `while_loop`."""
  from pyjax._src import dtypes
  from pyjax._src.lax import lax
  if not callable(body_fun):
    raise TypeError("lax.fori_loop: body_fun argument should be callable.")
  lower_dtype = dtypes.dtype(lower, canonicalize=True)
  upper_dtype = dtypes.dtype(upper, canonicalize=True)
  if lower_dtype == upper_dtype:
    dtype = lower_dtype
  else:
    dtype = None
    if (np.issubdtype(lower_dtype, np.signedinteger)
        and np.issubdtype(upper_dtype, np.signedinteger)):
      lower_weak, upper_weak = dtypes.is_weakly_typed(lower), dtypes.is_weakly_typed(upper)
      if lower_weak and not upper_weak:
        dtype = upper_dtype
      elif upper_weak and not lower_weak:
        dtype = lower_dtype
    if dtype is None:
      raise TypeError("lower and upper arguments to fori_loop must have equal types, got "
                      f"{lower_dtype.name} and {upper_dtype.name}")

  use_scan = False
  if core.is_concrete(lower) and core.is_concrete(upper):
    try:
      lower_, upper_ = int(lower), int(upper)
      use_scan = True
    except TypeError:
      pass
  if use_scan:
    if unroll is None:
      unroll = False
    length = max(upper_ - lower_, 0)
    if config.jax_disable_jit and length == 0:
      return init_val
    scanned = _cached_wrapper(_fori_scan_bodies, body_fun, _make_fori_scan_body)
    (_, result), _ = scan(scanned, (lower_, init_val), None, length=length, unroll=unroll)
    return result
  if unroll is not None and unroll is not False and unroll != 1:
    raise ValueError("Can only use `unroll` in `fori_loop` if the loop bounds are statically "
                     "known.")
  if lower_dtype != dtype:
    lower = lax.convert_element_type(lower, dtype)
  if upper_dtype != dtype:
    upper = lax.convert_element_type(upper, dtype)
  body = _cached_wrapper(_fori_while_bodies, body_fun, _make_fori_while_body)
  _, _, result = while_loop(_fori_cond_fun, body, (lower, upper, init_val))
  return result


# ------------------------------------------------------------------------------------------------
# map


def map(f: Callable, xs, *, batch_size: int | None = None):  # noqa: A001 (JAX's name)
  """`stack([f(x) for x in xs])` as a `scan`; with `batch_size`, `vmap(f)` over batches of
  that size (and once more over the remainder)."""
  if batch_size is not None:
    return _batched_map(f, xs, batch_size)
  _, ys = scan(lambda _, x: ((), f(x)), (), xs)
  return ys


def _batched_map(f, xs, batch_size: int):
  from pyjax._src.lax import lax
  from pyjax._src.vmap_api import vmap
  leaves, tree = tree_util.tree_flatten(xs)
  if not leaves:
    scan_xs, rest_xs = xs, None
  else:
    total = leaves[0].shape[0]
    batches, remainder = (0, total) if batch_size == 0 else divmod(total, batch_size)
    used = batches * batch_size
    scan_xs = None if batches == 0 else tree_util.tree_unflatten(tree, [
        leaf[:used].reshape(batches, batch_size, *leaf.shape[1:]) for leaf in leaves])
    rest_xs = None if not remainder else tree_util.tree_unflatten(
        tree, [leaf[used:] for leaf in leaves])
  if scan_xs is None:
    return vmap(f)(rest_xs)
  _, scan_ys = scan(lambda _, x: ((), vmap(f)(x)), (), scan_xs)
  merge = lambda y: y.reshape(-1, *y.shape[2:])
  if rest_xs is None:
    return tree_util.tree_map(merge, scan_ys)
  rest_ys = vmap(f)(rest_xs)
  return tree_util.tree_map(lambda y, r: lax.concatenate([merge(y), r], 0), scan_ys, rest_ys)



# ------------------------------------------------------------------------------------------------
# Differentiation


def _nonzeros(tangents) -> list[bool]:
  return [type(t) is not ad.Zero for t in tangents]


def _zero_tangents(outs, nonzeros, tangents) -> list:
  tangents = iter(tangents)
  return [next(tangents) if nz else ad.Zero.from_primal(o) for o, nz in zip(outs, nonzeros)]


def _permuted(closed: core.ClosedJaxpr, in_order: list[int], out_order: list[int]
              ) -> core.ClosedJaxpr:
  """`closed` with its inputs and outputs reordered (`in_order[k]` is the old position of new
  input k)."""
  j = closed.jaxpr
  return core.ClosedJaxpr(core.Jaxpr(j.constvars, [j.invars[i] for i in in_order],
                                     [j.outvars[i] for i in out_order], j.eqns, j.debug_info),
                          closed.consts)


def _interleave_groups(sizes: list[int], order: list[int]) -> list[int]:
  """Positions of consecutive groups of `sizes`, taken in `order` of group index."""
  starts = [sum(sizes[:i]) for i in range(len(sizes))]
  return [starts[g] + k for g in order for k in range(sizes[g])]


def _carry_fixpoint(out_nonzeros: Callable, carry_nz: list[bool]) -> list[bool]:
  """Which carries have nonzero tangents: those with nonzero initial tangents, and those the
  body makes nonzero, until nothing changes (each round adds at least one)."""
  for _ in range(len(carry_nz) + 1):
    out_nz = out_nonzeros(carry_nz)[:len(carry_nz)]
    new = [a or b for a, b in zip(carry_nz, out_nz)]
    if new == carry_nz:
      return carry_nz
    carry_nz = new
  raise AssertionError("carry nonzero fixpoint not reached")


# --- while: JVP; linearization stages the whole JVP loop (recomputing the primal), which is why
# reverse mode (transposing it) is an error, as in JAX.


def _while_jvp(primals, tangents, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
  nz = _nonzeros(tangents)
  bconst_nz = nz[cond_nconsts:cond_nconsts + body_nconsts]
  init_nz = nz[cond_nconsts + body_nconsts:]
  carry_nz = _carry_fixpoint(
      lambda c: transforms.jvp_out_nonzeros(body_jaxpr, bconst_nz + c), init_nz)
  body, body_consts, _ = transforms.jvp(body_jaxpr, bconst_nz + carry_nz, carry_nz)
  num_carry = len(carry_nz)
  n_bdots, n_cdots = sum(bconst_nz), sum(carry_nz)
  # From (jvp consts, bconsts, carries, bconst dots, carry dots) to
  # (jvp consts, bconsts, bconst dots, carries, carry dots).
  body = _permuted(body, _interleave_groups(
      [len(body_consts), body_nconsts, num_carry, n_bdots, n_cdots], [0, 1, 3, 2, 4]),
      list(range(num_carry + n_cdots)))
  cj = cond_jaxpr.jaxpr
  extra = [core.Var(ad.tangent_aval(a)) for a, c in zip(cond_jaxpr.in_avals[cond_nconsts:],
                                                        carry_nz) if c]
  cond = core.ClosedJaxpr(core.Jaxpr(cj.constvars, [*cj.invars, *extra], cj.outvars, cj.eqns,
                                     cj.debug_info), cond_jaxpr.consts)
  cconsts = primals[:cond_nconsts]
  bconsts = primals[cond_nconsts:cond_nconsts + body_nconsts]
  init = primals[cond_nconsts + body_nconsts:]
  bconst_dots = [t for t in tangents[cond_nconsts:cond_nconsts + body_nconsts]
                 if type(t) is not ad.Zero]
  init_dots = [ad.instantiate_zeros(t) for t, c in
               zip(tangents[cond_nconsts + body_nconsts:], carry_nz) if c]
  outs = while_p.bind(*cconsts, *body_consts, *bconsts, *bconst_dots, *init, *init_dots,
                      cond_jaxpr=cond, body_jaxpr=body, cond_nconsts=cond_nconsts,
                      body_nconsts=len(body_consts) + body_nconsts + n_bdots)
  carry_out = outs[:num_carry]
  return carry_out, _zero_tangents(carry_out, carry_nz, outs[num_carry:])


def _while_linearize(primals, tangents, **params):
  primals_out = while_p.bind(*primals, **params)  # no tangent operands: runs on the parent
  _, tangents_out = _while_jvp(primals, tangents, **params)  # staged as tangent work
  return primals_out, tangents_out


def _while_transpose(cts, *args, **params):
  raise ValueError("Reverse-mode differentiation does not work for lax.while_loop or "
                   "lax.fori_loop with dynamic start/stop values. Try using lax.scan, or using "
                   "fori_loop with static start/stop.")


ad.primitive_jvps[while_p] = _while_jvp
ad.primitive_linearizations[while_p] = _while_linearize
ad.primitive_transposes[while_p] = _while_transpose


# --- scan: JVP and linearization over interleaved primal/tangent binders; the linear scan is
# transposed into a scan running the other way.


def _split(xs, *sizes):
  out, start = [], 0
  for n in sizes:
    out.append(list(xs[start:start + n]))
    start += n
  out.append(list(xs[start:]))
  return out


def _scan_jvp(primals, tangents, *, reverse, length, jaxpr, num_consts, num_carry, unroll):
  nz = _nonzeros(tangents)
  const_nz, init_nz, xs_nz = _split(nz, num_consts, num_carry)
  num_xs, num_ys = len(xs_nz), len(jaxpr.out_avals) - num_carry
  carry_nz = _carry_fixpoint(
      lambda c: transforms.jvp_out_nonzeros(jaxpr, const_nz + c + xs_nz), init_nz)
  body, body_consts, out_nz = transforms.jvp(jaxpr, const_nz + carry_nz + xs_nz,
                                             carry_nz + [False] * num_ys)
  ys_nz = out_nz[num_carry:]
  n_cd, n_kd, n_xd, n_yd = sum(const_nz), sum(carry_nz), sum(xs_nz), sum(ys_nz)
  body = _permuted(
      body,
      _interleave_groups([len(body_consts), num_consts, num_carry, num_xs, n_cd, n_kd, n_xd],
                         [0, 1, 4, 2, 5, 3, 6]),
      _interleave_groups([num_carry, num_ys, n_kd, n_yd], [0, 2, 1, 3]))
  consts, init, xs = _split(primals, num_consts, num_carry)
  const_dots, init_dots, xs_dots = _split(tangents, num_consts, num_carry)
  const_dots = [t for t in const_dots if type(t) is not ad.Zero]
  init_dots = [ad.instantiate_zeros(t) for t, c in zip(init_dots, carry_nz) if c]
  xs_dots = [t for t in xs_dots if type(t) is not ad.Zero]
  outs = scan_p.bind(*body_consts, *consts, *const_dots, *init, *init_dots, *xs, *xs_dots,
                     reverse=reverse, length=length, jaxpr=body,
                     num_consts=len(body_consts) + num_consts + n_cd,
                     num_carry=num_carry + n_kd, unroll=unroll)
  carry_out, carry_dots, ys, ys_dots = _split(outs, num_carry, n_kd, num_ys)
  return ([*carry_out, *ys], [*_zero_tangents(carry_out, carry_nz, carry_dots),
                              *_zero_tangents(ys, ys_nz, ys_dots)])


def _scan_linearize(primals, tangents, *, reverse, length, jaxpr, num_consts, num_carry, unroll):
  nz = _nonzeros(tangents)
  const_nz, init_nz, xs_nz = _split(nz, num_consts, num_carry)
  num_ys = len(jaxpr.out_avals) - num_carry
  carry_nz = _carry_fixpoint(
      lambda c: transforms.linearize_out_nonzeros(jaxpr, const_nz + c + xs_nz), init_nz)
  lin = transforms.linearize(jaxpr, const_nz + carry_nz + xs_nz, carry_nz + [False] * num_ys)
  consts, init, xs = _split(primals, num_consts, num_carry)
  # Residuals that are loop-invariant (a const passed through) are passed to the linear scan
  # as consts; the others are stacked by the forward scan as extra ys, one per iteration.
  loop_invariant = [*lin.forward_consts, *consts]
  res_fwd = forwarding(lin.forward.jaxpr)[num_carry + num_ys:]
  hoisted = [f is not None and f < len(loop_invariant) for f in res_fwd]
  forward = prune_outputs(lin.forward, [True] * (num_carry + num_ys) + [not h for h in hoisted])
  # No operand is a tangent: the forward scan runs on the parent trace.
  outs = scan_p.bind(*lin.forward_consts, *consts, *init, *xs, reverse=reverse, length=length,
                     jaxpr=forward, num_consts=len(loop_invariant), num_carry=num_carry,
                     unroll=unroll)
  carry_out, ys, stacked = _split(outs, num_carry, num_ys)
  primals_out = [*carry_out, *ys]
  out_nz = lin.out_nonzeros
  if not any(out_nz):
    return primals_out, _zero_tangents(primals_out, out_nz, [])
  hoisted_res = [loop_invariant[f] for f, h in zip(res_fwd, hoisted) if h]
  const_dots, init_dots, xs_dots = _split(tangents, num_consts, num_carry)
  const_dots = [t for t in const_dots if type(t) is not ad.Zero]
  init_dots = [ad.instantiate_zeros(t) for t, c in zip(init_dots, carry_nz) if c]
  xs_dots = [t for t in xs_dots if type(t) is not ad.Zero]
  n_lc, n_cd, n_kd, n_xd = len(lin.linear_consts), len(const_dots), len(init_dots), len(xs_dots)
  # The linear body takes (consts, residuals, const dots, carry dots, xs dots): make it
  # (consts, hoisted residuals, const dots | carry dots | stacked residuals, xs dots).
  res_at = [n_lc + k for k in range(lin.num_res)]
  dots_at = n_lc + lin.num_res
  in_order = [*range(n_lc), *(i for i, h in zip(res_at, hoisted) if h),
              *range(dots_at, dots_at + n_cd + n_kd),
              *(i for i, h in zip(res_at, hoisted) if not h),
              *range(dots_at + n_cd + n_kd, dots_at + n_cd + n_kd + n_xd)]
  linear = _permuted(lin.linear, in_order, list(range(len(lin.linear.out_avals))))
  tangents_out = scan_p.bind(*lin.linear_consts, *hoisted_res, *const_dots, *init_dots,
                             *stacked, *xs_dots, reverse=reverse, length=length, jaxpr=linear,
                             num_consts=n_lc + len(hoisted_res) + n_cd, num_carry=n_kd,
                             unroll=unroll)
  return primals_out, _zero_tangents(primals_out, out_nz, tangents_out)


def _unstacked(aval: ShapedArray) -> ShapedArray:
  return ShapedArray(aval.shape[1:], aval.dtype, aval.weak_type)


def _aval_of(x) -> ShapedArray:
  return x.aval if ad.is_undefined_primal(x) else core.get_aval(x)


def _scan_transpose(cts, *args, reverse, length, jaxpr, num_consts, num_carry, unroll):
  consts, init, xs = _split(args, num_consts, num_carry)
  # Every carry is treated as linear: a defined one can only be an instantiated zero tangent
  # (its cotangent is dropped below).
  init_undef = [ad.is_undefined_primal(x) for x in init]
  const_undef = [ad.is_undefined_primal(x) for x in consts]
  xs_undef = [ad.is_undefined_primal(x) for x in xs]
  ct_carry, ct_ys = list(cts[:num_carry]), list(cts[num_carry:])
  ys_nz = _nonzeros(ct_ys)
  res_consts = [c for c, u in zip(consts, const_undef) if not u]
  res_xs = [x for x, u in zip(xs, xs_undef) if not u]
  lin_const_avals = [c.aval for c, u in zip(consts, const_undef) if u]
  carry_avals = [_aval_of(x) for x in init]
  transposed, t_consts = transforms.transpose(
      jaxpr, const_undef + [True] * num_carry + xs_undef, [True] * num_carry + ys_nz)
  n_tc, n_rc, n_lc, n_rx = len(t_consts), len(res_consts), len(lin_const_avals), len(res_xs)

  # (res consts | const-ct accumulators, carry cts | res xs, ys cts) ->
  # (accumulators + const cts, carry cts, xs cts)
  def body(*values):
    t_c, res_c, acc, ct_c, res_x, ct_y = _split(values, n_tc, n_rc, n_lc, num_carry, n_rx)
    outs = transforms.run(transposed, *t_c, *res_c, *res_x, *ct_c, *ct_y)
    ct_consts, ct_carry_in, ct_xs = _split(outs, n_lc, num_carry)
    return [*(ad.add_tangents(a, c) for a, c in zip(acc, ct_consts)), *ct_carry_in, *ct_xs]

  avals = [*(core.get_aval(c) for c in t_consts), *(core.get_aval(c) for c in res_consts),
           *lin_const_avals, *carry_avals, *(_unstacked(core.get_aval(x)) for x in res_xs),
           *(_unstacked(core.get_aval(ct)) for ct in ct_ys if type(ct) is not ad.Zero)]
  body_closed, body_consts = transforms.trace(body, avals)
  outs = scan_p.bind(*body_consts, *t_consts, *res_consts,
                     *(ad.zeros_like_aval(a) for a in lin_const_avals),
                     *(ad.instantiate_zeros(ct) for ct in ct_carry), *res_xs,
                     *(ct for ct in ct_ys if type(ct) is not ad.Zero),
                     reverse=not reverse, length=length, jaxpr=body_closed,
                     num_consts=len(body_consts) + n_tc + n_rc, num_carry=n_lc + num_carry,
                     unroll=unroll)
  ct_consts, ct_init, ct_xs = _split(outs, n_lc, num_carry)
  ct_consts, ct_xs = iter(ct_consts), iter(ct_xs)
  return [*(next(ct_consts) if u else None for u in const_undef),
          *(ct if u else None for ct, u in zip(ct_init, init_undef)),
          *(next(ct_xs) if u else None for u in xs_undef)]


ad.primitive_jvps[scan_p] = _scan_jvp
ad.primitive_linearizations[scan_p] = _scan_linearize
ad.primitive_transposes[scan_p] = _scan_transpose


# ------------------------------------------------------------------------------------------------
# Batching: a fixpoint finds which carries are batched (batched initially, or made batched by
# the body). A while whose predicate becomes batched batches every carry and runs until all
# lanes are done (the impl keeps finished lanes with a select); a scan keeps the batch axis of
# xs and ys second, after the scanned axis.


def _batch_fixpoint(body_batched: Callable, carry_bat: list[bool]) -> list[bool]:
  for _ in range(len(carry_bat) + 1):
    out = body_batched(carry_bat)[:len(carry_bat)]
    new = [a or b for a, b in zip(carry_bat, out)]
    if new == carry_bat:
      return carry_bat
    carry_bat = new
  raise AssertionError("carry batching fixpoint not reached")


def _while_batch(axis_data, vals, dims, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
  cconsts, bconsts, init = _split(vals, cond_nconsts, body_nconsts)
  cconst_dims, bconst_dims, init_dims = _split(dims, cond_nconsts, body_nconsts)
  carry_bat = _batch_fixpoint(
      lambda bat: transforms.batched_outputs(body_jaxpr, axis_data,
                                             bconst_dims + [0 if b else None for b in bat]),
      [d is not None for d in init_dims])
  carry_dims = [0 if b else None for b in carry_bat]
  pred_batched = transforms.batched_outputs(cond_jaxpr, axis_data, cconst_dims + carry_dims)[0]
  if pred_batched:
    # Every lane runs the body until all are done: every carry is batched.
    carry_dims = [0] * len(init)
    pred_dims = [0]
  else:
    # The predicate's rank (nonzero when this loop was already batched) must prefix the
    # carries' shapes, so batched carries put their batch axis after it.
    rank = cond_jaxpr.out_avals[0].ndim
    carry_dims = [rank if b else None for b in carry_bat]
    pred_dims = [None]
  body, body_consts, _ = transforms.batch(body_jaxpr, axis_data, bconst_dims + carry_dims,
                                          carry_dims)
  cond, cond_consts, _ = transforms.batch(cond_jaxpr, axis_data, cconst_dims + carry_dims,
                                          pred_dims)
  new_init = [x if new is None else batching.move_dim_to(x, old, new, axis_data.size)
              for x, old, new in zip(init, init_dims, carry_dims)]
  outs = while_p.bind(*cond_consts, *cconsts, *body_consts, *bconsts, *new_init,
                      cond_jaxpr=cond, body_jaxpr=body,
                      cond_nconsts=len(cond_consts) + cond_nconsts,
                      body_nconsts=len(body_consts) + body_nconsts)
  return outs, carry_dims


def _scan_batch(axis_data, vals, dims, *, reverse, length, jaxpr, num_consts, num_carry,
                unroll):
  consts, init, xs = _split(vals, num_consts, num_carry)
  const_dims, init_dims, xs_dims = _split(dims, num_consts, num_carry)
  const_in = [None if d is None else 0 for d in const_dims]
  xs_in = [None if d is None else 0 for d in xs_dims]
  carry_bat = _batch_fixpoint(
      lambda bat: transforms.batched_outputs(
          jaxpr, axis_data, const_in + [0 if b else None for b in bat] + xs_in),
      [d is not None for d in init_dims])
  carry_in = [0 if b else None for b in carry_bat]
  ys_bat = transforms.batched_outputs(jaxpr, axis_data, const_in + carry_in + xs_in)[num_carry:]
  body, body_consts, _ = transforms.batch(jaxpr, axis_data, const_in + carry_in + xs_in,
                                          carry_in + [0 if b else None for b in ys_bat])
  new_consts = [x if d is None else batching.moveaxis(x, d, 0)
                for x, d in zip(consts, const_dims)]
  new_init = [x if not b else batching.move_dim_to(x, d, 0, axis_data.size)
              for x, d, b in zip(init, init_dims, carry_bat)]
  new_xs = [x if d is None else batching.moveaxis(x, d, 1) for x, d in zip(xs, xs_dims)]
  outs = scan_p.bind(*body_consts, *new_consts, *new_init, *new_xs, reverse=reverse,
                     length=length, jaxpr=body, num_consts=len(body_consts) + num_consts,
                     num_carry=num_carry, unroll=unroll)
  return outs, carry_in + [1 if b else None for b in ys_bat]


batching.primitive_batchers[while_p] = _while_batch
batching.primitive_batchers[scan_p] = _scan_batch
