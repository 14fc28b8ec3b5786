"""The differentiation transformations: `grad`, `value_and_grad`, `jvp`, `vjp`, `linearize`,
`jacfwd`, `jacrev`, `jacobian`, `hessian` and `linear_transpose`, over pytrees of arrays.

They flatten their arguments and results and call the interpreters in
`pyjax._src.interpreters.ad`; this module owns argument handling and JAX's error messages.
"""
from __future__ import annotations

import functools
import inspect
import operator
from typing import Any, Callable, Sequence

import numpy as np

from pyjax._src import core, dtypes, tree_util
from pyjax._src.array import Array
from pyjax._src.avals import AbstractToken, Token
from pyjax._src.core import Tracer
from pyjax._src.interpreters import ad, staging
from pyjax._src.lax import elementwise as _ew
from pyjax._src.lax import structural as _st
from pyjax._src.tree_util import (Partial, tree_flatten, tree_leaves, tree_map, tree_structure,
                                  tree_transpose, tree_unflatten)

# ------------------------------------------------------------------------------------------------
# Argument handling shared by the transformations


def _check_callable(fun) -> None:
  if isinstance(fun, staticmethod):
    raise TypeError(f"staticmethod arguments are not supported, got {fun}")
  if not callable(fun):
    raise TypeError(f"Expected a callable value, got {fun}")
  if inspect.isgeneratorfunction(fun):
    raise TypeError(f"Expected a function, got a generator function: {fun}")


def _ensure_index(x) -> int | tuple[int, ...]:
  """An argnums value as an int or a tuple of ints."""
  x = core.concrete_or_error(None, x, "expected a static index or sequence of indices.")
  try:
    return operator.index(x)
  except TypeError:
    return tuple(map(operator.index, x))


def _as_array(x):
  """A differentiated argument as an Array (tracers pass through), in its canonical dtype."""
  if isinstance(x, (Array, Tracer)):
    return x
  try:
    value, weak = core.canonicalize_value(x)
  except TypeError:
    raise TypeError(f"Argument '{x}' of type {type(x)} is not a valid JAX type.") from None
  return Array(value, weak)


def _argnums_partial(fun: Callable, argnums, args: tuple, kwargs: dict):
  """(f, dyn_args): `f(*dyn_args)` calls `fun` with the positional arguments at `argnums`
  replaced by its own arguments and the others fixed."""
  nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
  nums = tuple(n % len(args) if n < 0 else n for n in nums)
  dyn_args = tuple(args[i] for i in nums)

  def f(*dyn):
    full = list(args)
    for i, value in zip(nums, dyn):
      full[i] = value
    return fun(*full, **kwargs)
  return f, dyn_args


def _check_argnums(argnums, args) -> None:
  max_argnum = argnums if isinstance(argnums, int) else max(argnums, default=-1)
  if max_argnum >= len(args):
    raise TypeError(f"differentiating with respect to argnums={argnums} requires at least "
                    f"{max_argnum + 1} positional arguments to be passed by the caller, but got "
                    f"only {len(args)} positional arguments.")


def _flat_fun(fun: Callable, in_tree, has_aux: bool = False):
  """`fun` as a function of flat leaves returning flat leaves; `store` receives the output tree
  (and the aux value with `has_aux`)."""
  store: dict = {}

  def flat(*leaves):
    out = fun(*tree_unflatten(in_tree, leaves))
    if has_aux:
      if not (isinstance(out, tuple) and len(out) == 2):
        raise TypeError("expected function with aux output to return a two-element tuple, but "
                        f"got type {type(out)} with value {out!r}")
      out, aux = out
      out_leaves, store["out_tree"] = tree_flatten(out)
      return out_leaves, aux
    out_leaves, store["out_tree"] = tree_flatten(out)
    return out_leaves
  return flat, store


def _dtype(x) -> np.dtype:
  return core.get_aval(x).dtype


# ------------------------------------------------------------------------------------------------
# Forward mode


def jvp(fun: Callable, primals, tangents, has_aux: bool = False):
  """`(fun(*primals), J·tangents)`: the output and its directional derivative along `tangents`,
  computed in one forward pass (plus the aux output with `has_aux`)."""
  _check_callable(fun)
  if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
    raise TypeError("primal and tangent arguments to jax.jvp must be tuples or lists; found "
                    f"{type(primals).__name__} and {type(tangents).__name__}.")
  flat_primals, in_tree = tree_flatten(primals)
  flat_tangents, tangent_tree = tree_flatten(tangents)
  if in_tree != tangent_tree:
    raise TypeError("primal and tangent arguments to jax.jvp must have the same tree "
                    f"structure; primals have tree structure {tree_structure(primals)} whereas "
                    f"tangents have tree structure {tree_structure(tangents)}.")
  for p, t in zip(flat_primals, flat_tangents):
    if type(p) is Token:  # a token's "tangent" (a token) fails at the first use, as in JAX
      continue
    expected = ad.tangent_dtype(_dtype(p))
    if _dtype(t) != expected:
      raise TypeError("primal and tangent arguments to jax.jvp do not match; dtypes must be "
                      "equal, or in case of int/bool primal dtype the tangent dtype must be "
                      f"float0.Got primal dtype {_dtype(p)} and so expected tangent dtype "
                      f"{expected}, but got tangent dtype {_dtype(t)} instead.")
    if np.shape(p) != np.shape(t):
      raise ValueError("jvp called with different primal and tangent shapes;Got primal shape "
                       f"{np.shape(p)} and tangent shape as {np.shape(t)}")
  flat, store = _flat_fun(lambda *args: fun(*args), in_tree, has_aux)
  out_primals, out_tangents, aux = ad.jvp(flat, flat_primals, flat_tangents, has_aux)
  out_tree = store["out_tree"]
  out_tangents = [ad.instantiate_zeros(t) for t in out_tangents]
  result = (tree_unflatten(out_tree, out_primals), tree_unflatten(out_tree, out_tangents))
  return (*result, aux) if has_aux else result


def linearize(fun: Callable, *primals, has_aux: bool = False):
  """`(fun(*primals), f_jvp)` where `f_jvp(*tangents)` evaluates the JVP at `primals` without
  re-running `fun` (its linear part is kept as a jaxpr)."""
  _check_callable(fun)
  flat_primals, in_tree = tree_flatten(primals)
  flat_primals = [_as_array(x) for x in flat_primals]
  flat, store = _flat_fun(fun, in_tree, has_aux)
  out_primals, linear, aux = ad.linearize(flat, flat_primals, has_aux)
  out_tree = store["out_tree"]
  in_avals = [core.get_aval(p) for p in flat_primals]
  f_jvp = Partial(functools.partial(_linearized_jvp, linear, in_tree, in_avals, out_tree),
                  linear.consts)
  out = tree_unflatten(out_tree, out_primals)
  return (out, f_jvp, aux) if has_aux else (out, f_jvp)


def _linearized_jvp(linear, in_tree, in_avals, out_tree, consts, *tangents):
  flat_tangents, tree = tree_flatten(tangents)
  if tree != in_tree:
    raise TypeError(f"expected {in_tree}, got {tree}")
  for primal_aval, t in zip(in_avals, flat_tangents):
    expected = ad.tangent_aval(primal_aval)
    got = core.get_aval(t)
    if got.shape != expected.shape or got.dtype != expected.dtype:
      raise ValueError("linearized function called on tangent values inconsistent with the "
                       f"original primal values:\nGot tangent aval {got} for primal aval "
                       f"{primal_aval} but expected {expected}.")
  bound = ad.Linearized(linear.jaxpr, consts, linear.in_nonzeros, linear.out_nonzeros,
                        linear.in_avals, linear.out_avals)
  return tree_unflatten(out_tree, bound.jvp(flat_tangents))


# ------------------------------------------------------------------------------------------------
# Reverse mode


def vjp(fun: Callable, *primals, has_aux: bool = False, reduce_axes=()):
  """`(fun(*primals), f_vjp)` where `f_vjp(cotangent)` pulls an output cotangent back to one
  cotangent per primal argument (a tuple), by transposing the linearized function."""
  if reduce_axes:
    raise NotImplementedError("reduce_axes argument to vjp is deprecated")
  _check_callable(fun)
  flat_primals, in_tree = tree_flatten(primals)
  flat_primals = [_as_array(x) for x in flat_primals]
  flat, store = _flat_fun(fun, in_tree, has_aux)
  out_primals, linear, aux = ad.linearize(flat, flat_primals, has_aux)
  out_tree = store["out_tree"]
  out_avals = [core.get_aval(p) for p in out_primals]
  backward = _VJPBackward(linear, in_tree, out_tree, out_avals, staging.func_src_info(fun))
  f_vjp = Partial(backward, linear.consts)
  out = tree_unflatten(out_tree, out_primals)
  return (out, f_vjp, aux) if has_aux else (out, f_vjp)


class _VJPBackward:
  """The static part of a function returned by `vjp`; its residuals are the Partial's args."""

  def __init__(self, linear, in_tree, out_tree, out_avals, name):
    self.linear = linear
    self.in_tree = in_tree
    self.out_tree = out_tree
    self.out_avals = out_avals
    self.name = name

  def __call__(self, consts, cotangent, *extra):
    if extra:
      raise TypeError(_vjp_too_many_args(self.name.split(" ")[0], len(extra) + 1))
    flat_cts, ct_tree = tree_flatten(cotangent, is_leaf=lambda x: type(x) is ad.Zero)
    if ct_tree != self.out_tree:
      raise ValueError(self._tree_error(ct_tree))
    for ct, aval in zip(flat_cts, self.out_avals):
      if type(ct) is ad.Zero:
        continue
      got = core.get_aval(ct)
      expected = ad.tangent_aval(aval)
      # A token output takes a token (then ignored); JAX lets any cotangent of the right shape
      # stand for a float0 one (an integer output's).
      if (type(got) is not type(expected)) or type(got) is not AbstractToken and (
          got.shape != expected.shape or (got.dtype != expected.dtype
                                          and expected.dtype != dtypes.float0)):
        raise ValueError(
            "unexpected JAX type (e.g. shape/dtype) for argument to VJP function: got "
            f"{got.str_short(short_dtypes=False)}, but expected "
            f"{expected.str_short(short_dtypes=False)} because the corresponding output of "
            f"the differentiated function had JAX type {aval.str_short(short_dtypes=False)}")
    flat_cts = [ad.Zero(t) if type(t) is AbstractToken or t.dtype == dtypes.float0
                or ad.is_float0(ct) else ct
                for ct, t in zip(flat_cts, map(ad.tangent_aval, self.out_avals))]
    linear = ad.Linearized(self.linear.jaxpr, consts, self.linear.in_nonzeros,
                           self.linear.out_nonzeros, self.linear.in_avals,
                           self.linear.out_avals)
    return tree_unflatten(self.in_tree, linear.transpose(flat_cts))

  def _tree_error(self, ct_tree) -> str:
    lines = [f"  * out{tree_util.keystr(path)} was a {thing1} in the original output, but a "
             f"{thing2} here, so {explanation}."
             for path, thing1, thing2, explanation
             in tree_util.equality_errors_pytreedef(self.out_tree, ct_tree)]
    return ("unexpected tree structure.\n\nThe argument to a VJP function returned by "
            "`jax.vjp` must match the pytree\nstructure of the differentiated function "
            f"{self.name}.\n\nBut the tree structures differ:\n" + "\n".join(lines))


def _vjp_too_many_args(name: str, count: int) -> str:
  return (f"""
The function returned by `jax.vjp` applied to {name} was called with {count} arguments,
but functions returned by `jax.vjp` must be called with a single argument
corresponding to the single value returned by the function being differentiated
(even if that returned value is a tuple or other container).

For example, if we have:

  def f(x):
    return (x, x)
  _, f_vjp = jax.vjp(f, 1.0)

the function `f` returns a single tuple as output, and so we call `f_vjp` with a
single tuple as its argument:

  x_bar, = f_vjp((2.0, 2.0))

If we instead call `f_vjp(2.0, 2.0)`, with the values 'splatted out' as
arguments rather than in a tuple, this error can arise.
""")


def _check_input_dtype_revderiv(name: str, holomorphic: bool, allow_int: bool, x) -> None:
  if type(x) is Token:  # JAX's error class
    raise KeyError(f"{name} cannot differentiate with respect to a token: " + ad.TOKEN_TANGENT_ERROR)
  dtype = core.get_aval(_as_array(x)).dtype
  if holomorphic and not dtypes.issubdtype(dtype, np.complexfloating):
    raise TypeError(f"{name} with holomorphic=True requires inputs with complex dtype, but got "
                    f"{dtype.name}.")
  # Typed PRNG keys count as integers here: with allow_int they get float0 gradients.
  if (dtypes.issubdtype(dtype, dtypes.extended) or dtypes.issubdtype(dtype, np.integer)
      or dtypes.issubdtype(dtype, np.bool_)):
    if not allow_int:
      raise TypeError(f"{name} requires real- or complex-valued inputs (input dtype that is a "
                      f"sub-dtype of np.inexact), but got {dtype.name}. If you want to use "
                      "Boolean- or integer-valued inputs, use vjp or set allow_int to True.")
  elif not dtypes.issubdtype(dtype, np.inexact):
    raise TypeError(f"{name} requires numerical-valued inputs (input dtype that is a sub-dtype "
                    f"of np.bool_ or np.number), but got {dtype.name}.")


def _check_output_dtype_revderiv(name: str, holomorphic: bool, x) -> None:
  dtype = _dtype(x)
  if holomorphic:
    if not dtypes.issubdtype(dtype, np.complexfloating):
      raise TypeError(f"{name} with holomorphic=True requires outputs with complex dtype, but "
                      f"got {dtype.name}.")
  elif dtypes.issubdtype(dtype, np.complexfloating):
    raise TypeError(f"{name} requires real-valued outputs (output dtype that is a sub-dtype of "
                    f"np.floating), but got {dtype.name}. For holomorphic differentiation, pass "
                    "holomorphic=True. For differentiation of non-holomorphic functions "
                    "involving complex outputs, use jax.vjp directly.")
  elif not dtypes.issubdtype(dtype, np.floating):
    raise TypeError(f"{name} requires real-valued outputs (output dtype that is a sub-dtype of "
                    f"np.floating), but got {dtype.name}. For differentiation of functions "
                    "with integer outputs, use jax.vjp directly.")


def _check_scalar(x) -> None:
  try:
    aval = core.get_aval(x)
  except TypeError as e:
    raise TypeError(f"Gradient only defined for scalar-output functions. Output was {x}."
                    ) from e
  if aval.shape != ():
    raise TypeError("Gradient only defined for scalar-output functions. Output had shape: "
                    f"{aval.shape}.")


def _one_like(x):
  aval = core.get_aval(x)
  return Array(np.ones((), aval.dtype), aval.weak_type)


def value_and_grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
                   holomorphic: bool = False, allow_int: bool = False,
                   reduce_axes=()) -> Callable:
  """A function returning `(fun(*args), gradient)`: the value and the gradient of a
  scalar-valued `fun` with respect to the arguments at `argnums`, in one pass."""
  if reduce_axes:
    raise NotImplementedError("reduce_axes argument to grad is deprecated")
  _check_callable(fun)
  argnums = _ensure_index(argnums)

  @functools.wraps(fun)
  def value_and_grad_f(*args, **kwargs):
    _check_argnums(argnums, args)
    f_partial, dyn_args = _argnums_partial(fun, argnums, args, kwargs)
    for leaf in tree_leaves(dyn_args):
      _check_input_dtype_revderiv("grad", holomorphic, allow_int, leaf)
    if has_aux:
      ans, f_vjp, aux = vjp(f_partial, *dyn_args, has_aux=True)
    else:
      ans, f_vjp = vjp(f_partial, *dyn_args)
    _check_scalar(ans)
    tree_map(functools.partial(_check_output_dtype_revderiv, "grad", holomorphic), ans)
    g = f_vjp(_one_like(ans))
    g = g[0] if isinstance(argnums, int) else g
    return ((ans, aux) if has_aux else ans), g

  return value_and_grad_f


def grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
         holomorphic: bool = False, allow_int: bool = False, reduce_axes=()) -> Callable:
  """A function computing the gradient of a scalar-valued `fun` with respect to the arguments
  at `argnums` (a value per argument; a tuple of them when `argnums` is a tuple)."""
  value_and_grad_f = value_and_grad(fun, argnums, has_aux=has_aux, holomorphic=holomorphic,
                                    allow_int=allow_int, reduce_axes=reduce_axes)

  @functools.wraps(fun)
  def grad_f(*args, **kwargs):
    _, g = value_and_grad_f(*args, **kwargs)
    return g

  @functools.wraps(fun)
  def grad_f_aux(*args, **kwargs):
    (_, aux), g = value_and_grad_f(*args, **kwargs)
    return g, aux

  return grad_f_aux if has_aux else grad_f


# ------------------------------------------------------------------------------------------------
# Jacobians


def _possible_downcast(x, example):
  """`x` in the dtype and weak type of `example` (taking the real part for a real example)."""
  aval = core.get_aval(example)
  if (dtypes.issubdtype(_dtype(x), np.complexfloating)
      and not dtypes.issubdtype(aval.dtype, np.complexfloating)):
    x = _ew.real_p.bind(x)
  return _st.convert_element_type(x, aval.dtype, aval.weak_type)


def _std_basis(tree):
  """The standard basis of the space of `tree`'s leaves: a tree like `tree` whose leaves have a
  leading axis of size n (the total size), row k holding the k-th basis vector."""
  leaves, treedef = tree_flatten(tree)
  sizes = [int(np.size(leaf)) for leaf in leaves]
  n = sum(sizes)
  pieces, offset = [], 0
  for leaf, size in zip(leaves, sizes):
    aval = core.get_aval(leaf)
    rows = np.zeros((n, size), aval.dtype)
    rows[np.arange(offset, offset + size), np.arange(size)] = 1
    pieces.append(Array(rows.reshape((n,) + aval.shape), aval.weak_type))
    offset += size
  return tree_unflatten(treedef, pieces)


def _split_into(tree, arr, axis: int, example_of):
  """Split `arr` along `axis` (0 or -1) into pieces shaped like `tree`'s leaves, each cast like
  `example_of(leaf)`; returns them in `tree`'s structure."""
  from pyjax._src.numpy import lax_numpy
  leaves, treedef = tree_flatten(tree)
  shape = core.get_aval(arr).shape
  ndim = len(shape)
  pieces, offset = [], 0
  for leaf in leaves:
    size = int(np.size(leaf))
    if axis == 0:
      piece = _st.slice_p.bind(arr, start_indices=(offset,) + (0,) * (ndim - 1),
                               limit_indices=(offset + size,) + shape[1:], strides=None)
      piece_shape = np.shape(leaf) + shape[1:]
    else:
      piece = _st.slice_p.bind(arr, start_indices=(0,) * (ndim - 1) + (offset,),
                               limit_indices=shape[:-1] + (offset + size,), strides=None)
      piece_shape = shape[:-1] + np.shape(leaf)
    pieces.append(_possible_downcast(lax_numpy.reshape(piece, piece_shape), example_of(leaf)))
    offset += size
  return tree_unflatten(treedef, pieces)


def _check_input_dtype_jacfwd(holomorphic: bool, x) -> None:
  dtype = _dtype(x)
  if holomorphic:
    if not dtypes.issubdtype(dtype, np.complexfloating):
      raise TypeError("jacfwd with holomorphic=True requires inputs with complex dtype, but got "
                      f"{dtype.name}.")
  elif not dtypes.issubdtype(dtype, np.floating):
    raise TypeError("jacfwd requires real-valued inputs (input dtype that is a sub-dtype of "
                    f"np.floating), but got {dtype.name}. For holomorphic differentiation, pass "
                    "holomorphic=True. For differentiation of non-holomorphic functions "
                    "involving complex inputs or integer inputs, use jax.jvp directly.")


def _check_output_dtype_jacfwd(holomorphic: bool, x) -> None:
  if holomorphic and not dtypes.issubdtype(_dtype(x), np.complexfloating):
    raise TypeError("jacfwd with holomorphic=True requires outputs with complex dtype, but got "
                    f"{_dtype(x).name}.")


def jacfwd(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False) -> Callable:
  """The Jacobian of `fun` with respect to the arguments at `argnums`, by forward mode (the JVP
  vectorized over the input basis). Each leaf has shape `output_shape + input_shape`."""
  from pyjax._src.vmap_api import vmap
  _check_callable(fun)
  argnums = _ensure_index(argnums)

  @functools.wraps(fun)
  def jacfun(*args, **kwargs):
    _check_argnums(argnums, args)
    f_partial, dyn_args = _argnums_partial(fun, argnums, args, kwargs)
    dyn_args = tree_map(_as_array, dyn_args)
    tree_map(functools.partial(_check_input_dtype_jacfwd, holomorphic), dyn_args)
    push_forward = functools.partial(_jvp_unchecked, f_partial, dyn_args, has_aux=has_aux)
    out_axes = (None, -1, None) if has_aux else (None, -1)
    y, jac, *aux = vmap(push_forward, out_axes=out_axes)(_std_basis(dyn_args))
    tree_map(functools.partial(_check_output_dtype_jacfwd, holomorphic), y)
    example_args = dyn_args[0] if isinstance(argnums, int) else dyn_args
    jac = tree_map(lambda y_leaf, arr: _split_into(example_args, arr, -1, lambda _: y_leaf),
                   y, jac)
    return (jac, *aux) if has_aux else jac

  return jacfun


def _jvp_unchecked(fun: Callable, primals, tangents, has_aux: bool = False):
  flat_primals, in_tree = tree_flatten(primals)
  flat, store = _flat_fun(lambda *args: fun(*args), in_tree, has_aux)
  out_primals, out_tangents, aux = ad.jvp(flat, flat_primals, tree_leaves(tangents), has_aux)
  out_tree = store["out_tree"]
  out = (tree_unflatten(out_tree, out_primals),
         tree_unflatten(out_tree, [ad.instantiate_zeros(t) for t in out_tangents]))
  return (*out, aux) if has_aux else out


def _check_output_dtype_jacrev(holomorphic: bool, x) -> None:
  _check_output_dtype_revderiv("jacrev", holomorphic, x)


def jacrev(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False, allow_int: bool = False) -> Callable:
  """The Jacobian of `fun` with respect to the arguments at `argnums`, by reverse mode (the
  VJP vectorized over the output basis). Each leaf has shape `output_shape + input_shape`."""
  from pyjax._src.vmap_api import vmap
  _check_callable(fun)
  argnums = _ensure_index(argnums)

  @functools.wraps(fun)
  def jacfun(*args, **kwargs):
    _check_argnums(argnums, args)
    f_partial, dyn_args = _argnums_partial(fun, argnums, args, kwargs)
    tree_map(functools.partial(_check_input_dtype_revderiv, "jacrev", holomorphic, allow_int),
             dyn_args)
    if has_aux:
      y, pullback, aux = vjp(f_partial, *dyn_args, has_aux=True)
    else:
      (y, pullback), aux = vjp(f_partial, *dyn_args), None
    tree_map(functools.partial(_check_output_dtype_jacrev, holomorphic), y)
    jac = vmap(pullback)(_std_basis(y))
    jac = jac[0] if isinstance(argnums, int) else jac
    example_args = dyn_args[0] if isinstance(argnums, int) else dyn_args
    jac = tree_map(lambda arg_leaf, arr: _split_into(y, arr, 0, lambda _: arg_leaf),
                   example_args, jac)
    jac = tree_transpose(tree_structure(example_args), tree_structure(y), jac)
    return (jac, aux) if has_aux else jac

  return jacfun


jacobian = jacrev


def hessian(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
            holomorphic: bool = False) -> Callable:
  """The Hessian of a scalar-valued `fun`: forward mode over reverse mode."""
  return jacfwd(jacrev(fun, argnums, has_aux=has_aux, holomorphic=holomorphic), argnums,
                has_aux=has_aux, holomorphic=holomorphic)


# ------------------------------------------------------------------------------------------------
# Transposition of linear functions


def linear_transpose(fun: Callable, *primals, reduce_axes=()) -> Callable:
  """The transpose of the linear function `fun` (at arguments shaped like `primals`): a function
  from an output cotangent to the tuple of input cotangents."""
  if reduce_axes:
    raise NotImplementedError("reduce_axes argument to transpose is deprecated")
  flat_primals, in_tree = tree_flatten(primals)
  in_avals = [core.get_aval(_as_array(x)) for x in flat_primals]
  flat, store = _flat_fun(fun, in_tree)
  info = core.DebugInfo("linear_transpose", staging.func_src_info(fun), ())
  jaxpr, consts = staging.trace_to_jaxpr(flat, in_avals, info)
  out_tree = store["out_tree"]
  out_avals = jaxpr.out_avals
  in_dtypes = [a.dtype for a in in_avals]
  out_dtypes = [a.dtype for a in out_avals]
  if not (all(dtypes.issubdtype(d, np.inexact) for d in in_dtypes + out_dtypes)
          or all(dtypes.issubdtype(d, np.integer) for d in in_dtypes + out_dtypes)):
    raise TypeError("linear_transpose only supports [float or complex] -> [float or complex], "
                    f"and integer -> integer functions, but got {in_dtypes} -> {out_dtypes}.")

  def transposed(consts, cotangent):
    flat_cts, ct_tree = tree_flatten(cotangent)
    if ct_tree != out_tree:
      raise TypeError("cotangent tree does not match function output, expected "
                      f"{out_tree} but got {ct_tree}")
    if not all(core.get_aval(ct).shape == a.shape and core.get_aval(ct).dtype == a.dtype
               for ct, a in zip(flat_cts, out_avals)):
      raise TypeError("cotangent type does not match function output, expected "
                      f"{out_avals} but got {flat_cts}")
    args = [ad.UndefinedPrimal(a) for a in in_avals]
    in_cts = ad.backward_pass(jaxpr, consts, args, flat_cts)
    return tree_unflatten(in_tree, [ad.instantiate_zeros(ct) for ct in in_cts])

  return Partial(transposed, consts)
