"""`pyjax.test_util`: check automatic derivatives against finite differences.

`check_grads(f, args, order)` checks forward mode (a JVP along a random direction against a
central difference) and reverse mode (the transposition identity <v, vjp(u)> = <jvp(v), u> with
random u, v), then recursively the derivatives of those derivatives up to `order`.
"""
from __future__ import annotations

import functools
from typing import Callable, Sequence

import numpy as np

from pyjax._src import dtypes
from pyjax._src.ad_api import jvp, linearize, vjp
from pyjax._src.tree_util import tree_leaves, tree_map

__all__ = ["check_grads", "check_jvp", "check_vjp"]

EPS = 1e-4

# Tolerances (absolute and relative, per element) for comparing derivatives, by dtype.
default_gradient_tolerance = {
    np.dtype(dtypes.bfloat16): 1e-1,
    np.dtype(np.float16): 1e-2,
    np.dtype(np.float32): 2e-3,
    np.dtype(np.float64): 1e-5,
    np.dtype(np.complex64): 1e-3,
    np.dtype(np.complex128): 1e-5,
}


def _dtype(x) -> np.dtype:
  if hasattr(x, "dtype"):
    return np.dtype(x.dtype)
  return dtypes.dtype(x, canonicalize=True)


def _tolerance(dtype, tol) -> float:
  if tol is None:
    tol = {}
  if not isinstance(tol, dict):
    return tol
  dtype = np.dtype(dtypes.canonicalize_dtype(dtype))
  merged = {**default_gradient_tolerance, **{np.dtype(k): v for k, v in tol.items()}}
  return merged.get(dtype, 0)


def _check_close(xs, ys, atol, rtol, err_msg: str) -> None:
  for x, y in zip(tree_leaves(xs), tree_leaves(ys)):
    a, b = np.asarray(x), np.asarray(y)
    if a.dtype == dtypes.float0 or b.dtype == dtypes.float0:
      continue
    assert a.shape == b.shape, f"{err_msg}: shapes {a.shape} and {b.shape} differ"
    a_tol = max(_tolerance(a.dtype, atol), _tolerance(b.dtype, atol))
    r_tol = max(_tolerance(a.dtype, rtol), _tolerance(b.dtype, rtol))
    upcast = lambda v: v.astype(np.float32) if v.dtype == dtypes.bfloat16 else v
    with np.errstate(invalid="ignore"):
      np.testing.assert_allclose(upcast(a), upcast(b), atol=a_tol * a.size, rtol=r_tol * b.size,
                                 err_msg=err_msg)


def _random_like(rng: np.random.RandomState, x):
  shape, dtype = np.shape(x), _dtype(x)
  value = rng.randn(*shape)
  if dtypes.issubdtype(dtype, np.complexfloating):
    value = value + 1j * rng.randn(*shape)
  value = np.asarray(value, dtype)
  return value.item() if isinstance(x, (int, float, complex)) else value


def _axpy(alpha: float, xs, ys):
  """ys + alpha * xs, leaf by leaf, in the dtype of ys (Python scalars stay scalars)."""
  def combine(x, y):
    dtype = _dtype(y)
    out = np.asarray(y, dtype) + np.asarray(alpha, dtype) * np.asarray(x, dtype)
    return out.astype(dtype).item() if isinstance(y, (int, float, complex)) else out.astype(dtype)
  return tree_map(combine, xs, ys)


def numerical_jvp(f: Callable, primals: Sequence, tangents: Sequence, eps: float = EPS):
  """The central difference (f(x + eps t) - f(x - eps t)) / (2 eps)."""
  plus = f(*_axpy(eps, tangents, primals))
  minus = f(*_axpy(-eps, tangents, primals))

  def difference(p, m):
    dtype = _dtype(p)
    p, m = np.asarray(p, dtype), np.asarray(m, dtype)
    with np.errstate(invalid="ignore"):
      diff = np.where(p == m, np.zeros((), dtype), p - m)  # inf - inf counts as no change
    return (diff * np.asarray(0.5 / eps, dtype)).astype(dtype)
  return tree_map(difference, plus, minus)


def _inner_product(xs, ys) -> float:
  total = 0.0
  for x, y in zip(tree_leaves(xs), tree_leaves(ys)):
    total += np.real(np.dot(np.conj(np.asarray(x)).reshape(-1), np.asarray(y).reshape(-1)))
  return total


def check_jvp(f: Callable, f_jvp: Callable, args: Sequence, atol=None, rtol=None,
              eps: float = EPS, err_msg: str = "") -> None:
  """Check `f_jvp(args, tangents)` (like `partial(jvp, f)`) against finite differences along
  one random direction."""
  rng = np.random.RandomState(0)
  tangents = tree_map(functools.partial(_random_like, rng), tuple(args))
  out, out_tangent = f_jvp(tuple(args), tangents)
  _check_close(out, f(*args), atol, rtol, f"{err_msg} primal" if err_msg else "primal")
  expected = numerical_jvp(f, args, tangents, eps)
  _check_close(out_tangent, expected, atol, rtol, f"{err_msg} tangent" if err_msg else "tangent")


def check_vjp(f: Callable, f_vjp: Callable, args: Sequence, atol=None, rtol=None,
              eps: float = EPS, err_msg: str = "") -> None:
  """Check `f_vjp(*args)` (like `partial(vjp, f)`) by the transposition identity
  <v, vjp(u)> = <jvp(v), u>, with the JVP by finite differences and random u, v."""
  rng = np.random.RandomState(0)
  out, pullback = f_vjp(*args)
  _check_close(out, f(*args), atol, rtol, f"{err_msg} primal" if err_msg else "primal")
  tangents = tree_map(functools.partial(_random_like, rng), tuple(args))
  out_tangent = numerical_jvp(f, args, tangents, eps)
  cotangent = tree_map(functools.partial(_random_like, rng), out)
  conj = functools.partial(tree_map, np.conj)
  in_cotangent = conj(pullback(conj(cotangent)))
  _check_close(_inner_product(tangents, in_cotangent), _inner_product(out_tangent, cotangent),
               atol, rtol, f"{err_msg} cotangent projection" if err_msg
               else "cotangent projection")


def _jvp_by_linearize(f, primals, tangents):
  out, f_jvp = linearize(f, *primals)
  return out, f_jvp(*tangents)


def check_grads(f: Callable, args: Sequence, order: int, modes=("fwd", "rev"), atol=None,
                rtol=None, eps: float | None = None) -> None:
  """Check the derivatives of `f` at `args` up to `order` in the given modes ("fwd", "rev",
  "lin") against finite differences; raises AssertionError on a mismatch."""
  args = tuple(args)
  eps = eps or EPS

  def check(f, args, order, label=""):
    if "fwd" in modes:
      msg = f"JVP of {label}" if label else "JVP"
      check_jvp(f, functools.partial(jvp, f), args, atol, rtol, eps, msg)
      if order > 1:
        check(functools.partial(jvp, f), (args, args), order - 1, msg)
    if "rev" in modes:
      msg = f"VJP of {label}" if label else "VJP"
      check_vjp(f, functools.partial(vjp, f), args, atol, rtol, eps, msg)
      if order > 1:
        def pulled_back(*xs):
          out, pullback = vjp(f, *xs)
          return pullback(out)
        check(pulled_back, args, order - 1, msg)
    if "lin" in modes:
      msg = f"LIN of {label}" if label else "LIN"
      check_jvp(f, functools.partial(_jvp_by_linearize, f), args, atol, rtol, eps, msg)
      if order > 1:
        check(functools.partial(_jvp_by_linearize, f), (args, args), order - 1, msg)

  check(f, args, order)
