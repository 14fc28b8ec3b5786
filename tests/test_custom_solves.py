"""`lax.custom_root` and `lax.custom_linear_solve` against the oracle (jax 0.10.2): results, forward
and reverse derivatives by implicit differentiation (through solvers written with while_loop,
which cannot be differentiated directly), vmap in every combination with grad and jit, pytree
and auxiliary outputs, staged programs, and JAX's errors."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import pyjax  # noqa: E402
from pyjax._src import core as pyjax_core  # noqa: E402
from pyjax.test_util import check_grads  # noqa: E402

from oracle_util import assert_same_outcome, outcome, x64  # noqa: E402

RNG = np.random.default_rng(23)
M = RNG.standard_normal((3, 3)).astype(np.float32)
A = (M @ M.T + 3 * np.eye(3)).astype(np.float32)       # symmetric positive definite
N = (M + 4 * np.eye(3)).astype(np.float32)             # not symmetric
B = RNG.standard_normal(3).astype(np.float32)
BS = RNG.standard_normal((2, 3)).astype(np.float32)
AS = np.stack([A, N]).astype(np.float32)
TOL = (2e-4, 2e-4)


def _newton_sqrt(L, a):
  """sqrt(a) as a root of x^2 - a, found by a Newton while_loop, differentiated implicitly."""
  np_, lax = L.numpy, L.lax

  def solve(f, x0):
    def body(state):
      x, i = state
      return x - f(x) / (2 * x), i + 1
    return lax.while_loop(lambda s: s[1] < 20, body, (x0, 0))[0]
  return lax.custom_root(lambda x: x ** 2 - a, np_.ones_like(a), solve,
                         lambda g, y: y / g(np_.ones_like(y)))


def _jacobi(L, matrix, rhs, iterations=60):
  """A x = rhs by Jacobi iterations in a while_loop (A diagonally dominant)."""
  np_, lax = L.numpy, L.lax
  diagonal = np_.diagonal(matrix)

  def step(state):
    x, i = state
    return (rhs - matrix @ x + diagonal * x) / diagonal, i + 1
  return lax.while_loop(lambda s: s[1] < iterations, step, (np_.zeros_like(rhs), 0))[0]


def _linear(L, matrix, rhs, symmetric=False, iterative=False):
  np_, lax = L.numpy, L.lax

  def solve(matvec, b):
    return _jacobi(L, matrix, b) if iterative else np_.linalg.solve(matrix, b)

  def transpose_solve(vecmat, b):
    return _jacobi(L, matrix.T, b) if iterative else np_.linalg.solve(matrix.T, b)
  return lax.custom_linear_solve(lambda x: matrix @ x, rhs, solve,
                                 None if symmetric else transpose_solve, symmetric=symmetric)


def _pytree_linear(L, matrix, rhs):
  """A block-diagonal system on a dict: {'a': matrix x_a = b_a, 'b': 2 x_b = b_b}."""
  np_ = L.numpy

  def matvec(x):
    return {"a": matrix @ x["a"], "b": 2.0 * x["b"]}

  def solve(_, b):
    return {"a": np_.linalg.solve(matrix, b["a"]), "b": b["b"] / 2.0}

  def transpose_solve(_, b):
    return {"a": np_.linalg.solve(matrix.T, b["a"]), "b": b["b"] / 2.0}
  return L.lax.custom_linear_solve(matvec, {"a": rhs, "b": rhs[:2] * 3}, solve, transpose_solve)


def _with_aux(L, matrix, rhs):
  np_ = L.numpy

  def solve(_, b):
    x = np_.linalg.solve(matrix, b)
    return x, {"residual": np_.linalg.norm(matrix @ x - b), "steps": np_.int32(1)}

  def transpose_solve(_, b):
    x = np_.linalg.solve(matrix.T, b)
    return x, {"residual": np_.linalg.norm(matrix.T @ x - b), "steps": np_.int32(1)}
  return L.lax.custom_linear_solve(lambda x: matrix @ x, rhs, solve, transpose_solve,
                                   has_aux=True)


def _root_pytree(L, p):
  """The point (x, y) with x = p0 cos(y) / 2 + 1, y = p1 x / 4 (a contraction), by fixed-point
  iterations; the tangent system is solved with the Jacobian of the linearized f."""
  np_, lax = L.numpy, L.lax

  def f(z):
    x, y = z
    return x - p[0] * np_.cos(y) / 2 - 1, y - p[1] * x / 4

  def solve(f, z0):
    def body(i, z):
      x, y = z
      fx, fy = f(z)
      return x - fx, y - fy
    return lax.fori_loop(0, 60, body, z0)

  def tangent_solve(g, y):
    # The 2x2 Jacobian system by Cramer's rule (pyjax's jnp.linalg.solve cannot be transposed
    # as a linear function of its right-hand side yet, which reverse mode needs here).
    jac = L.jacfwd(lambda v: np_.stack(g((v[0], v[1]))))(np_.zeros(2, p.dtype))
    det = jac[0, 0] * jac[1, 1] - jac[0, 1] * jac[1, 0]
    return ((jac[1, 1] * y[0] - jac[0, 1] * y[1]) / det,
            (jac[0, 0] * y[1] - jac[1, 0] * y[0]) / det)
  guess = np_.full((), 0.5, p.dtype)
  return lax.custom_root(f, (guess, guess), solve, tangent_solve)


def _root_with_aux(L, a, integer_aux=True):
  np_, lax = L.numpy, L.lax

  def solve(f, x0):
    root = np_.cbrt(a)
    aux = {"residual": f(root)}
    if integer_aux:
      aux["iterations"] = np_.int32(0)
    return root, aux
  return lax.custom_root(lambda x: x ** 3 - a, np_.float32(1.0), solve,
                         lambda g, y: y / g(np_.float32(1.0)), has_aux=True)


CASES = {
    "root_newton": lambda L: _newton_sqrt(L, np.float32(2.0)),
    "root_newton_array": lambda L: _newton_sqrt(L, np.array([2.0, 9.0], np.float32)),
    "root_pytree": lambda L: _root_pytree(L, np.array([0.8, 0.5], np.float32)),
    "root_aux": lambda L: _root_with_aux(L, np.float32(8.0)),
    "linear": lambda L: _linear(L, N, B),
    "linear_symmetric": lambda L: _linear(L, A, B, symmetric=True),
    "linear_iterative": lambda L: _linear(L, N, B, iterative=True),
    "linear_pytree": lambda L: _pytree_linear(L, N, B),
    "linear_aux": lambda L: _with_aux(L, N, B),
    "linear_weak_scalar": lambda L: L.lax.custom_linear_solve(lambda x: 2.0 * x, 3.0,
                                                              lambda mv, b: b / 2.0),
    "linear_matrix_rhs": lambda L: _linear(L, N, BS.T),
}


def _run(L, name, transform):
  fn = CASES[name]
  if transform == "eager":
    return fn(L)
  return L.jit(lambda: fn(L))()


@pytest.mark.parametrize("transform", ["eager", "jit"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_results_match_oracle(name, transform):
  p, j = outcome(_run, pyjax, name, transform), outcome(_run, jax, name, "jit")
  p_leaves, j_leaves = (("ok", pyjax.tree_util.tree_leaves(r[1])) if r[0] == "ok" else r
                        for r in (p, j))
  assert_same_outcome(p_leaves, j_leaves, TOL, f"{name}: ")
  assert str(pyjax.tree_util.tree_structure(p[1])) == str(jax.tree_util.tree_structure(j[1]))


# Scalar losses of the data each solve depends on (what is closed over, and b).
LOSSES = {
    "root_newton": (lambda L, a: _newton_sqrt(L, a).sum(), (np.array([2.0, 9.0], np.float32),)),
    "root_pytree": (lambda L, p: sum(_root_pytree(L, p)), (np.array([0.8, 0.5], np.float32),)),
    "root_aux": (lambda L, a: _root_with_aux(L, a, integer_aux=False)[0], (np.float32(8.0),)),
    "linear": (lambda L, m, b: (_linear(L, m, b) ** 2).sum(), (N, B)),
    "linear_symmetric": (lambda L, m, b: (_linear(L, m, b, symmetric=True) ** 2).sum(), (A, B)),
    "linear_iterative": (lambda L, m, b: (_linear(L, m, b, iterative=True) ** 2).sum(), (N, B)),
    "linear_pytree": (lambda L, m, b: sum(v.sum() ** 2 for v in
                                          L.tree_util.tree_leaves(_pytree_linear(L, m, b))),
                      (N, B)),
    "linear_aux": (lambda L, m, b: (_with_aux(L, m, b)[0] ** 2).sum(), (N, B)),
    "linear_matrix_rhs": (lambda L, m, b: (_linear(L, m, b) ** 2).sum(), (N, BS.T)),
}


def _grad(L, name, transform):
  fn, args = LOSSES[name]
  g = L.grad(lambda *a: fn(L, *a), tuple(range(len(args))))
  if transform == "jit":
    g = L.jit(g)
  elif transform == "fwd":
    g = L.jacfwd(lambda *a: fn(L, *a), tuple(range(len(args))))
  return g(*args)


@pytest.mark.parametrize("transform", ["rev", "jit", "fwd"])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_grads_match_oracle(name, transform):
  p, j = _grad(pyjax, name, transform), _grad(jax, name, "rev")
  for p_leaf, j_leaf in zip(pyjax.tree_util.tree_leaves(p), jax.tree_util.tree_leaves(j)):
    assert_same_outcome(("ok", p_leaf), ("ok", j_leaf), (2e-3, 2e-3), f"{name}: ")


@pytest.mark.parametrize("name", ["root_newton", "root_pytree", "linear", "linear_iterative",
                                  "linear_pytree", "linear_matrix_rhs"])
def test_grads_against_finite_differences(name):
  fn, args = LOSSES[name]
  with x64():
    args = [np.asarray(a, np.float64) for a in args]
    check_grads(lambda *a: fn(pyjax, *a), args, order=2 if name == "linear" else 1,
                modes=("fwd", "rev"), atol=1e-4, rtol=1e-4)


def test_root_with_integer_aux_is_differentiable():
  # A known divergence: JAX gives integer auxiliary outputs integer tangents, which its own
  # custom_jvp check rejects (TypeError); pyjax gives them float0 tangents, as JAX does for
  # integer outputs everywhere else, so the root stays differentiable.
  loss = lambda L: L.grad(lambda a: _root_with_aux(L, a)[0])  # noqa: E731
  assert outcome(loss(jax), np.float32(8.0))[0] == "raise"
  np.testing.assert_allclose(loss(pyjax)(np.float32(8.0)), 1 / 12, rtol=1e-6)


def test_reverse_mode_needs_transpose_solve():
  def loss(L):
    return L.grad(lambda b: L.lax.custom_linear_solve(
        lambda x: N @ x, b, lambda mv, b: L.numpy.linalg.solve(N, b)).sum())
  p, j = outcome(loss(pyjax), B), outcome(loss(jax), B)
  assert p[0] == j[0] == "raise"
  assert type(p[1]) is type(j[1]) is TypeError and str(p[1]) == str(j[1])
  # Forward mode needs no transpose.
  fwd = pyjax.jacfwd(lambda b: pyjax.lax.custom_linear_solve(
      lambda x: N @ x, b, lambda mv, b: pyjax.numpy.linalg.solve(N, b)))(B)
  np.testing.assert_allclose(fwd, np.linalg.inv(N), rtol=1e-4, atol=1e-5)


VMAP_CASES = {
    "matrix_batched": (lambda L, m, b: _linear(L, m, b), (0, None), (AS, B)),
    "rhs_batched": (lambda L, m, b: _linear(L, m, b), (None, 0), (N, BS)),
    "both_batched": (lambda L, m, b: _linear(L, m, b), (0, 1), (AS, BS.T)),
    "iterative_both": (lambda L, m, b: _linear(L, m, b, iterative=True), (0, 0), (AS, BS)),
    "symmetric_matrix": (lambda L, m, b: _linear(L, m, b, symmetric=True), (0, None),
                         (np.stack([A, A * 2]), B)),
    "aux": (lambda L, m, b: _with_aux(L, m, b), (0, None), (AS, B)),
    "root": (lambda L, a, _: _newton_sqrt(L, a), (0, None), (np.array([2.0, 9.0, 3.0],
                                                                      np.float32), B)),
    "root_pytree": (lambda L, p, _: _root_pytree(L, p), (0, None),
                    (np.array([[0.8, 0.5], [0.3, -0.2]], np.float32), B)),
}


@pytest.mark.parametrize("name", sorted(VMAP_CASES))
def test_vmap_matches_a_loop_and_the_oracle(name):
  fn, in_axes, args = VMAP_CASES[name]
  batched = pyjax.vmap(lambda *a: fn(pyjax, *a), in_axes)(*args)
  oracle = jax.vmap(lambda *a: fn(jax, *a), in_axes)(*args)
  size = args[0].shape[in_axes[0]] if in_axes[0] is not None else args[1].shape[in_axes[1]]
  slices = [[a if ax is None else np.take(a, i, axis=ax) for a, ax in zip(args, in_axes)]
            for i in range(size)]
  loop = [fn(pyjax, *s) for s in slices]
  for k, (b_leaf, j_leaf) in enumerate(zip(pyjax.tree_util.tree_leaves(batched),
                                           jax.tree_util.tree_leaves(oracle))):
    assert_same_outcome(("ok", b_leaf), ("ok", j_leaf), TOL, f"{name}[{k}]: ")
    expected = np.stack([np.asarray(pyjax.tree_util.tree_leaves(r)[k]) for r in loop])
    np.testing.assert_allclose(b_leaf, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("order", ["vmap_of_grad", "grad_of_vmap", "jit_vmap_grad"])
@pytest.mark.parametrize("name", ["linear", "linear_iterative", "root_newton"])
def test_vmap_and_grad_compose(name, order):
  fn, args = LOSSES[name]
  stacked = [np.stack([a, a * 1.5]) for a in args]

  def run(L):
    loss = lambda *a: fn(L, *a)  # noqa: E731
    grad = L.grad(loss, tuple(range(len(args))))
    if order == "grad_of_vmap":
      return L.grad(lambda *a: L.vmap(loss)(*a).sum(), tuple(range(len(args))))(*stacked)
    batched = L.vmap(grad)
    return (L.jit(batched) if order == "jit_vmap_grad" else batched)(*stacked)
  for p, j in zip(pyjax.tree_util.tree_leaves(run(pyjax)), jax.tree_util.tree_leaves(run(jax))):
    assert_same_outcome(("ok", p), ("ok", j), (2e-3, 2e-3), f"{name}: ")


def test_staged_programs_type_check_and_evaluate():
  for fn, args in [(lambda m, b: _linear(pyjax, m, b), (N, B)),
                   (pyjax.grad(lambda m, b: (_linear(pyjax, m, b) ** 2).sum(), (0, 1)), (N, B)),
                   (pyjax.vmap(lambda m: _linear(pyjax, m, B)), (AS,)),
                   (lambda a: _newton_sqrt(pyjax, a), (np.float32(2.0),))]:
    closed = pyjax.make_jaxpr(fn)(*args)
    pyjax_core.check_jaxpr(closed.jaxpr)
    staged = pyjax_core.eval_jaxpr(closed.jaxpr, closed.consts, *args)
    for s, e in zip(staged, pyjax.tree_util.tree_leaves(fn(*args))):
      np.testing.assert_allclose(s, e, rtol=1e-6)
  text = str(pyjax.make_jaxpr(lambda m, b: _linear(pyjax, m, b))(N, B))
  assert "custom_linear_solve[" in text
  assert "const_lengths=_LinearSolveTuple(matvec=1, vecmat=1, solve=1, transpose_solve=1)" in text


ERRORS = {
    "matvec_structure": lambda L: L.lax.custom_linear_solve(
        lambda x: (x, x), B, lambda mv, b: b),
    "matvec_shape": lambda L: L.lax.custom_linear_solve(lambda x: x[:2], B, lambda mv, b: b),
    "solve_structure": lambda L: L.lax.custom_linear_solve(lambda x: x, B,
                                                           lambda mv, b: [b]),
    "solve_shape": lambda L: L.lax.custom_linear_solve(lambda x: x, B, lambda mv, b: b[:1]),
    "solve_aux_missing": lambda L: L.lax.custom_linear_solve(lambda x: x, B, lambda mv, b: b,
                                                             has_aux=True),
    "transpose_solve_structure": lambda L: L.lax.custom_linear_solve(
        lambda x: x, B, lambda mv, b: b, lambda vm, b: (b, b)),
    "root_f_structure": lambda L: L.lax.custom_root(lambda x: (x, x), 1.0, lambda f, x: x,
                                                    lambda g, y: y),
    "root_solve_structure": lambda L: L.lax.custom_root(lambda x: x, 1.0, lambda f, x: [x],
                                                        lambda g, y: y),
    "root_solve_aux_missing": lambda L: L.lax.custom_root(lambda x: x, 1.0, lambda f, x: x,
                                                          lambda g, y: y, has_aux=True),
    "root_tangent_solve_structure": lambda L: L.lax.custom_root(
        lambda x: x, 1.0, lambda f, x: x, lambda g, y: (y, y)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_oracle(name):
  p, j = outcome(ERRORS[name], pyjax), outcome(ERRORS[name], jax)
  assert p[0] == j[0] == "raise", (p, j)
  assert type(p[1]) is type(j[1]), (p[1], j[1])
  assert str(p[1]) == str(j[1])
