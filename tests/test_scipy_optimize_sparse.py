"""`pyjax.scipy.optimize.minimize` and `pyjax.scipy.sparse.linalg` (cg, bicgstab, gmres) against
the oracle (jax 0.10.2): iterates, iteration and evaluation counts, statuses, dtypes and weak
types; pytrees, preconditioners, jit, vmap, derivatives and errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.scipy.optimize  # noqa: E402,F401
import jax.scipy.sparse.linalg  # noqa: E402,F401

import pyjax  # noqa: E402
import pyjax.numpy as pnp  # noqa: E402
import pyjax.scipy.optimize as popt  # noqa: E402
import pyjax.scipy.sparse.linalg as psparse  # noqa: E402

from oracle_util import assert_matches_oracle, x64  # noqa: E402

RNG = np.random.default_rng(35)
N = 6
_Q = RNG.standard_normal((N, N))
SPD = _Q @ _Q.T + N * np.eye(N)  # well conditioned, symmetric positive definite
GENERAL = RNG.standard_normal((N, N)) + 3 * np.eye(N)  # well conditioned, nonsymmetric
HPD = SPD + 1j * (lambda s: s - s.T)(RNG.standard_normal((N, N)))  # Hermitian positive definite
B = RNG.standard_normal(N)
X0 = RNG.standard_normal(N)


def oracle_outputs(cases: dict, enable_x64: bool) -> dict:
  """All cases in one jitted oracle program (one XLA compilation, not one per eager op)."""
  with warnings.catch_warnings(), x64(enable_x64):
    warnings.simplefilter("ignore")
    return jax.jit(lambda: {name: fn(jax) for name, fn in cases.items()})()


def assert_tree_matches(p, j, tol, what=""):
  p_leaves, p_tree = pyjax.tree_util.tree_flatten(p)
  j_leaves, j_tree = jax.tree_util.tree_flatten(j)
  assert p_tree.num_leaves == j_tree.num_leaves, f"{what}{p_tree} vs {j_tree}"
  for i, (a, b) in enumerate(zip(p_leaves, j_leaves)):
    assert_matches_oracle(a, b, None if np.dtype(b.dtype).kind in "biu" else tol,
                          f"{what}[leaf {i}] ")


def check_table(cases: dict, enable_x64: bool, tol):
  expected = oracle_outputs(cases, enable_x64)
  with warnings.catch_warnings(), x64(enable_x64):
    warnings.simplefilter("ignore")
    for name, fn in cases.items():
      assert_tree_matches(fn(pyjax), expected[name], tol, f"{name}: ")


# --- minimize ----------------------------------------------------------------------------------

def quartic(L):
  np_ = L.numpy
  return lambda x, *_: (np_.sum((x - np_.arange(3.)) ** 2 * np_.array([1., 2., 3.]))
                        + 0.1 * np_.sum(x ** 4))


def rosenbrock(L):
  return lambda x, scale=100.: L.numpy.sum(scale * (x[1:] - x[:-1] ** 2) ** 2
                                           + (1 - x[:-1]) ** 2)


BFGS = "BFGS"
LBFGS = "l-bfgs-experimental-do-not-rely-on-this"


def _minimize(L, f, x0, method, **kwargs):
  """The results as a dict (`hess_inv` is None for L-BFGS, in both libraries)."""
  result = L.scipy.optimize.minimize(f(L), L.numpy.asarray(x0), method=method, **kwargs)
  assert isinstance(result, tuple) and type(result).__name__ == "OptimizeResults"
  return {k: v for k, v in result._asdict().items() if v is not None}


ROSEN_X0 = [-1.2, 1., 0.5, 0.8]
MINIMIZE_CASES = {
    f"{fname}_{method}_{maxiter}": (
        lambda L, f=f, x0=x0, method=method, maxiter=maxiter:
        _minimize(L, f, x0, method, options=dict(maxiter=maxiter)))
    for fname, f, x0, method, maxiter in [
        ("quartic", quartic, [0., 0., 0.], BFGS, 200), ("quartic", quartic, [0., 0., 0.], LBFGS, 2),
        ("rosen", rosenbrock, ROSEN_X0, BFGS, 200), ("rosen", rosenbrock, ROSEN_X0, LBFGS, 200),
        # Float32 cases: stopped before the iterates reach float32's noise floor near the
        # minimum, where XLA's and NumPy's roundings steer the line searches apart.
        ("quartic", quartic, [0., 0., 0.], BFGS, 3), ("rosen", rosenbrock, ROSEN_X0, LBFGS, 2)]
}
FLOAT32_CASES = ["quartic_BFGS_3", f"rosen_{LBFGS}_2"]
MINIMIZE_CASES.update({
    "bfgs_args_gtol_norm": lambda L: _minimize(L, rosenbrock, ROSEN_X0, BFGS, args=(10.,),
                                               options=dict(gtol=1e-3, norm=2)),
    "bfgs_short_line_search": lambda L: _minimize(L, rosenbrock, ROSEN_X0, "bfgs", tol=1e-3,
                                                  options=dict(line_search_maxiter=2)),
    "lbfgs_options": lambda L: _minimize(L, rosenbrock, ROSEN_X0, LBFGS, args=(10.,),
                                         options=dict(maxcor=3, maxfun=30, gtol=1e-4)),
    "lbfgs_maxgrad": lambda L: _minimize(L, rosenbrock, ROSEN_X0, LBFGS,
                                         options=dict(maxgrad=10)),
    "bfgs_converged_at_start": lambda L: _minimize(L, quartic, [0., 1., 2.], BFGS,
                                                   options=dict(gtol=1e3)),
})


def test_minimize_matches_oracle_x64():
  # In float64 rounding differences stay far below every branch decision: the iterates, nit,
  # nfev, njev and status agree; values to a few ulps (gradients near 0 absolutely).
  check_table({name: case for name, case in MINIMIZE_CASES.items() if name not in FLOAT32_CASES},
              True, (1e-7, 1e-9))


def test_minimize_matches_oracle_float32():
  check_table({name: MINIMIZE_CASES[name] for name in FLOAT32_CASES}, False, (2e-5, 2e-6))


def test_minimize_jit_and_vmap():
  f = quartic(pyjax)
  x0s = pnp.asarray([[0., 0., 0.], [1., -1., 3.], [0.5, 2., 2.]])
  run = lambda x0: popt.minimize(f, x0, method=BFGS)  # noqa: E731
  eager = [run(x0) for x0 in x0s]
  jitted = pyjax.jit(run)(x0s[1])
  batched = pyjax.vmap(run)(x0s)
  for field in ["x", "fun", "jac", "hess_inv", "nit", "nfev", "status", "success"]:
    np.testing.assert_allclose(getattr(jitted, field), getattr(eager[1], field), rtol=1e-6)
    np.testing.assert_allclose(getattr(batched, field),
                               np.stack([getattr(r, field) for r in eager]), rtol=1e-6)
  lbfgs = pyjax.jit(lambda x0: popt.minimize(f, x0, method=LBFGS))(x0s[2])
  assert lbfgs.hess_inv is None
  np.testing.assert_allclose(lbfgs.x, popt.minimize(f, x0s[2], method=LBFGS).x, rtol=1e-5)


def test_minimize_errors():
  f = quartic(pyjax)
  x0 = pnp.zeros(3)
  with pytest.raises(TypeError, match=r"^args argument to jax.scipy.optimize.minimize must be a "
                     r"tuple, got 1.0$"):
    popt.minimize(f, x0, 1.0, method=BFGS)
  with pytest.raises(ValueError, match="^Method Nelder-Mead not recognized$"):
    popt.minimize(f, x0, method="Nelder-Mead")
  with pytest.raises(TypeError, match="unexpected keyword argument 'maxls'"):
    popt.minimize(f, x0, method=BFGS, options=dict(maxls=3))
  with pytest.raises(TypeError, match="unexpected keyword argument 'line_search_maxiter'"):
    popt.minimize(f, x0, method=LBFGS, options=dict(line_search_maxiter=3))
  with pytest.raises(TypeError, match="method"):
    popt.minimize(f, x0)  # the method is required, by keyword
  with pytest.raises(TypeError, match="integer"):  # grad's error for integer x0, as in JAX
    popt.minimize(f, pnp.array([1, 2, 3]), method=BFGS)


# --- cg, bicgstab, gmres -----------------------------------------------------------------------

def _tree_b(L):
  return {"a": L.numpy.asarray(B[:2]), "b": (L.numpy.asarray(B[2:]).reshape(2, 2),)}


def _tree_matvec(L):
  """A symmetric positive definite operator on the pytree of `_tree_b`."""
  def matvec(t):
    a, (b,) = t["a"], t["b"]
    return {"a": 3 * a + 0.5 * b[0], "b": (0.5 * a[:, None] + 2 * b + 0.1 * b.T,)}
  return matvec


def _sparse_cases(dtype, complex_dtype, few: bool):
  def arr(L, x, dt=dtype):
    return L.numpy.asarray(x, dtype=dt)

  def solvers(L):
    s = L.scipy.sparse.linalg
    return {"cg": s.cg, "bicgstab": s.bicgstab,
            "gmres_batched": lambda *a, **k: s.gmres(*a, **k, solve_method="batched"),
            "gmres_incremental": lambda *a, **k: s.gmres(*a, **k, solve_method="incremental")}

  def case(name, matrix, **kwargs):
    def run(L):
      solve = solvers(L)[name]
      extra = {k: (arr(L, v) if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
      return solve(arr(L, matrix), arr(L, B), **extra)
    return run

  cases = {}
  for name in ["cg", "bicgstab", "gmres_batched", "gmres_incremental"]:
    matrix = SPD if name == "cg" else GENERAL
    cases[f"{name}_to_convergence"] = case(name, matrix)
    if few:
      continue
    cases[f"{name}_maxiter2"] = case(name, matrix, maxiter=2)
    cases[f"{name}_x0_tol"] = case(name, matrix, x0=X0, tol=1e-3)
    cases[f"{name}_jacobi_atol"] = case(name, matrix, M=np.diag(1 / np.diag(matrix)), atol=0.5)
    cases[f"{name}_matvec_pytree"] = (
        lambda L, name=name: solvers(L)[name](_tree_matvec(L), _tree_b(L), maxiter=3))
    cases[f"{name}_complex"] = (
        lambda L, name=name: solvers(L)[name](
            arr(L, HPD if name == "cg" else GENERAL + 1j * SPD / N, complex_dtype),
            arr(L, B + 0.5j * X0, complex_dtype), maxiter=3))
  if few:
    return cases
  cases["gmres_restart2"] = case("gmres_batched", GENERAL, restart=2, maxiter=3)
  cases["gmres_incremental_restart3"] = case("gmres_incremental", GENERAL, restart=3, maxiter=2)
  cases["cg_function"] = lambda L: L.scipy.sparse.linalg.cg(
      lambda v: arr(L, SPD) @ v, arr(L, B), maxiter=4)
  return cases


@pytest.mark.parametrize("enable_x64", [False, True])
def test_sparse_solvers_match_oracle(enable_x64):
  dtype, complex_dtype = (np.float64, np.complex128) if enable_x64 else (np.float32, np.complex64)
  tol = (1e-10, 1e-12) if enable_x64 else (5e-5, 5e-6)
  # Every case in float32; in float64 (the oracle's compile time adds up) a few.
  check_table(_sparse_cases(dtype, complex_dtype, few=enable_x64), enable_x64, tol)


def test_sparse_solvers_solve_the_system():
  x, info = psparse.cg(SPD.astype(np.float32), B.astype(np.float32), tol=1e-6)
  assert info is None
  np.testing.assert_allclose(x, np.linalg.solve(SPD, B), rtol=1e-4, atol=1e-5)
  for method in ["batched", "incremental"]:
    x, info = psparse.gmres(GENERAL.astype(np.float32), B.astype(np.float32), tol=1e-6,
                            solve_method=method)
    assert int(info) == 0
    np.testing.assert_allclose(x, np.linalg.solve(GENERAL, B), rtol=1e-4, atol=1e-5)
  x, info = psparse.bicgstab(GENERAL.astype(np.float32), B.astype(np.float32), tol=1e-6)
  np.testing.assert_allclose(x, np.linalg.solve(GENERAL, B), rtol=1e-4, atol=1e-5)
  # A singular system breaks the least-squares solve down into NaNs, which info reports.
  x, info = psparse.gmres(pnp.array([[1., 0.], [0., 0.]]), pnp.ones(2))
  assert int(info) == -1 and np.isnan(x).all()


@pytest.mark.parametrize("solver", ["cg", "bicgstab", "gmres"])
def test_sparse_solvers_jit_and_vmap(solver):
  solve = getattr(psparse, solver)
  a = (SPD if solver == "cg" else GENERAL).astype(np.float32)
  bs = np.stack([B, X0, B - X0]).astype(np.float32)
  eager = np.stack([solve(a, b)[0] for b in bs])
  np.testing.assert_allclose(pyjax.jit(lambda b: solve(a, b)[0])(bs[1]), eager[1], rtol=1e-5,
                             atol=1e-6)
  np.testing.assert_allclose(pyjax.vmap(lambda b: solve(a, b)[0])(bs), eager, rtol=1e-4,
                             atol=1e-5)
  # Batched matrices too: the solve's operator is closed over.
  mats = np.stack([a, a + np.eye(N, dtype=np.float32)])
  batched = pyjax.vmap(lambda m: solve(m, bs[0])[0])(mats)
  np.testing.assert_allclose(batched[1], solve(mats[1], bs[0])[0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("solver", ["cg", "bicgstab", "gmres"])
def test_sparse_solver_gradients_match_oracle(solver):
  # Implicit differentiation: the gradient of x = A^-1 b is another solve, with A^T.
  a = SPD if solver == "cg" else GENERAL
  loss = lambda L: (lambda m, b: (getattr(L.scipy.sparse.linalg, solver)(  # noqa: E731
      m, b, tol=1e-10)[0] ** 2).sum())
  with x64():
    expected = jax.jit(jax.grad(loss(jax), argnums=(0, 1)))(a, B)
    actual = pyjax.grad(loss(pyjax), argnums=(0, 1))(a, B)
    for p, j in zip(actual, expected):
      assert_matches_oracle(p, j, (1e-8, 1e-10))
    x = np.linalg.solve(a, B)
    tangent = np.linalg.solve(a, X0)
    _, jvp_out = pyjax.jvp(lambda b: getattr(psparse, solver)(a, b, tol=1e-10)[0], (B,), (X0,))
    np.testing.assert_allclose(jvp_out, tangent, rtol=1e-7)
    np.testing.assert_allclose(getattr(psparse, solver)(a, B, tol=1e-10)[0], x, rtol=1e-7)


def test_sparse_solver_errors_match_oracle():
  b = np.ones(3, np.float32)
  calls = {
      "non-square": lambda L: L.scipy.sparse.linalg.cg(np.ones((2, 3), np.float32), b),
      "vector operator": lambda L: L.scipy.sparse.linalg.gmres(np.ones(3, np.float32), b),
      "list operator": lambda L: L.scipy.sparse.linalg.bicgstab([[1.0]], b),
      "x0 structure": lambda L: L.scipy.sparse.linalg.cg(np.eye(3), b, x0=(b,)),
      "gmres x0 structure": lambda L: L.scipy.sparse.linalg.gmres(np.eye(3), b, x0=[b]),
      "x0 shapes": lambda L: L.scipy.sparse.linalg.bicgstab(
          np.eye(3), {"a": b}, x0={"a": np.ones(2, np.float32)}),
      "solve_method": lambda L: L.scipy.sparse.linalg.gmres(np.eye(3), b, solve_method="qr"),
      "integer b": lambda L: L.scipy.sparse.linalg.cg(np.eye(3), np.arange(3)),
  }
  for what, call in calls.items():
    with warnings.catch_warnings():
      warnings.simplefilter("ignore")
      with pytest.raises(Exception) as expected:
        call(jax)
      with pytest.raises(Exception) as actual:
        call(pyjax)
    assert type(actual.value).__name__ == type(expected.value).__name__, what
    assert str(actual.value) == str(expected.value), what


def test_namespaces():
  import pyjax.scipy
  assert pyjax.scipy.sparse.linalg is psparse
  assert set(psparse.__dict__) >= {"cg", "gmres", "bicgstab"}
  assert popt.OptimizeResults._fields == jax.scipy.optimize.OptimizeResults._fields
