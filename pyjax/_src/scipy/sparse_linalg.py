"""`pyjax.scipy.sparse.linalg`: the Krylov solvers cg, bicgstab and gmres of
`jax.scipy.sparse.linalg`, with the same iterations (so the same iterates and stopping points).

`b`, `x0` and the vectors A acts on may be pytrees of arrays of any shapes. Each solver is wrapped
in `lax.custom_linear_solve`, so derivatives come from the implicit-function rule (another solve
with the transposed operator), not from differentiating the iterations.
"""
from __future__ import annotations

import functools
import operator

import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src import dtypes
from pyjax._src.api import device_put
from pyjax._src.array import Array
from pyjax._src.lax.structural import convert_element_type
from pyjax._src.scipy import linalg as scipy_linalg
from pyjax._src.tree_util import Partial, tree_leaves, tree_map, tree_reduce, tree_structure

__all__ = ["bicgstab", "cg", "gmres"]

_HIGHEST = lax.Precision.HIGHEST


def _dot(a, b):
  return jnp.dot(a, b, precision=_HIGHEST)


# --- vector-space operations on pytrees --------------------------------------------------------

def _vdot_real(x, y):
  """Re <x, y> without the cross terms of real and imaginary parts: the real value of z^H M z
  for the Hermitian positive definite M that cg assumes."""
  result = jnp.vdot(x.real, y.real, precision=_HIGHEST)
  if jnp.iscomplexobj(x) or jnp.iscomplexobj(y):
    result += jnp.vdot(x.imag, y.imag, precision=_HIGHEST)
  return result


def _vdot_real_tree(x, y):
  return sum(tree_leaves(tree_map(_vdot_real, x, y)))


def _vdot_tree(x, y):
  return sum(tree_leaves(tree_map(functools.partial(jnp.vdot, precision=_HIGHEST), x, y)))


def _norm(x):
  return jnp.sqrt(_vdot_real_tree(x, x))


def _scale(scalar, tree):
  return tree_map(lambda leaf: scalar * leaf, tree)


def _add(x, y):
  return tree_map(operator.add, x, y)


def _sub(x, y):
  return tree_map(operator.sub, x, y)


@Partial
def _identity(x):
  return x


def _as_matvec(operator_):
  """A function computing A @ x for A given as a function, a square matrix or an object with
  `@`."""
  if callable(operator_):
    return operator_
  if isinstance(operator_, (np.ndarray, Array)):
    if operator_.ndim != 2 or operator_.shape[0] != operator_.shape[1]:
      raise ValueError(
          f"linear operator must be a square matrix, but has shape: {operator_.shape}")
    return functools.partial(_dot, operator_)
  if hasattr(operator_, "__matmul__"):
    shape = getattr(operator_, "shape", None)
    if shape is not None and (len(shape) != 2 or shape[0] != shape[1]):
      raise ValueError(f"linear operator must be a square matrix, but has shape: {shape}")
    return functools.partial(operator.matmul, operator_)
  raise TypeError(f"linear operator must be either a function or ndarray: {operator_}")


def _check_like_b(x0, b, check_shapes: bool):
  if tree_structure(x0) != tree_structure(b):
    raise ValueError("x0 and b must have matching tree structure: "
                     f"{tree_structure(x0)} vs {tree_structure(b)}")
  shapes_x0 = [np.shape(leaf) for leaf in tree_leaves(x0)]
  shapes_b = [np.shape(leaf) for leaf in tree_leaves(b)]
  if check_shapes and shapes_x0 != shapes_b:
    raise ValueError(f"arrays in x0 and b must have matching shapes: {shapes_x0} vs {shapes_b}")


# --- cg and bicgstab ---------------------------------------------------------------------------

def _cg_iterations(A, b, x0, *, maxiter, tol, atol, M):
  """Preconditioned conjugate gradients, stopping once |r|^2 <= max(tol^2 |b|^2, atol^2)."""
  threshold = jnp.maximum(jnp.square(tol) * _vdot_real_tree(b, b), jnp.square(atol))
  r0 = _sub(b, A(x0))
  p0 = z0 = M(r0)
  dtype = dtypes.result_type(*tree_leaves(p0))
  gamma0 = _vdot_real_tree(r0, z0).astype(dtype)

  def cond(value):
    _, r, gamma, _, k = value
    # Without a preconditioner gamma already is |r|^2.
    residual_sq = gamma.real if M is _identity else _vdot_real_tree(r, r)
    return (residual_sq > threshold) & (k < maxiter)

  def body(value):
    x, r, gamma, p, k = value
    Ap = A(p)
    alpha = gamma / _vdot_real_tree(p, Ap).astype(dtype)
    x = _add(x, _scale(alpha, p))
    r = _sub(r, _scale(alpha, Ap))
    z = M(r)
    gamma_next = _vdot_real_tree(r, z).astype(dtype)
    p = _add(z, _scale(gamma_next / gamma, p))
    return x, r, gamma_next, p, k + 1

  return lax.while_loop(cond, body, (x0, r0, gamma0, p0, 0))[0]


def _bicgstab_iterations(A, b, x0, *, maxiter, tol, atol, M):
  """Preconditioned BiCGSTAB; stops early (k < 0) on a breakdown: rho = 0, alpha = 0 or
  omega = 0."""
  threshold = jnp.maximum(jnp.square(tol) * _vdot_real_tree(b, b), jnp.square(atol))
  r0 = _sub(b, A(x0))
  one = convert_element_type(1, *dtypes.lattice_result_type(*tree_leaves(b)))

  def cond(value):
    r, k = value[1], value[-1]
    return (_vdot_real_tree(r, r) > threshold) & (k < maxiter) & (k >= 0)

  def body(value):
    x, r, r_hat, alpha, omega, rho, p, q, k = value
    rho_next = _vdot_tree(r_hat, r)
    beta = rho_next / rho * alpha / omega
    p = _add(r, _scale(beta, _sub(p, _scale(omega, q))))
    p_hat = M(p)
    q = A(p_hat)
    alpha = rho_next / _vdot_tree(r_hat, q)
    s = _sub(r, _scale(alpha, q))
    # The half step already meets the tolerance: take it alone.
    half_step_enough = _vdot_real_tree(s, s) < threshold
    s_hat = M(s)
    t = A(s_hat)
    omega = _vdot_tree(t, s) / _vdot_tree(t, t)
    x = tree_map(functools.partial(jnp.where, half_step_enough), _add(x, _scale(alpha, p_hat)),
                 _add(x, _add(_scale(alpha, p_hat), _scale(omega, s_hat))))
    r = tree_map(functools.partial(jnp.where, half_step_enough), s, _sub(s, _scale(omega, t)))
    k = jnp.where((omega == 0) | (alpha == 0), -11, k + 1)
    k = jnp.where(rho_next == 0, -10, k)
    return x, r, r_hat, alpha, omega, rho_next, p, q, k

  return lax.while_loop(cond, body, (x0, r0, r0, one, one, one, r0, r0, 0))[0]


def _iterative_solve(iterations, A, b, x0, *, tol, atol, maxiter, M, symmetric_if_real):
  if x0 is None:
    x0 = tree_map(jnp.zeros_like, b)
  b, x0 = device_put((b, x0))
  if maxiter is None:
    maxiter = 10 * sum(leaf.size for leaf in tree_leaves(b))  # SciPy's default
  M = _identity if M is None else M
  A = _as_matvec(A)
  M = _as_matvec(M)
  _check_like_b(x0, b, check_shapes=True)
  solve = functools.partial(iterations, x0=x0, tol=tol, atol=atol, maxiter=maxiter, M=M)
  # A real positive definite operator is symmetric, so the transposed solve is the solve.
  symmetric = symmetric_if_real and not any(jnp.iscomplexobj(leaf) for leaf in tree_leaves(b))
  x = lax.custom_linear_solve(A, b, solve=solve, transpose_solve=solve, symmetric=symmetric)
  return x, None


def cg(A, b, x0=None, *, tol=1e-5, atol=0.0, maxiter=None, M=None):
  """Solves A x = b for Hermitian positive definite A by (preconditioned) conjugate gradients,
  stopping once norm(b - A x) <= max(tol * norm(b), atol) or after maxiter (default 10 * size)
  steps. A and the preconditioner M are functions, square matrices or objects with `@`; b and
  x0 are arrays or pytrees. Returns (x, None)."""
  return _iterative_solve(_cg_iterations, A, b, x0, tol=tol, atol=atol, maxiter=maxiter, M=M,
                          symmetric_if_real=True)


def bicgstab(A, b, x0=None, *, tol=1e-5, atol=0.0, maxiter=None, M=None):
  """Solves A x = b for a general A by (preconditioned) BiCGSTAB, with cg's arguments and
  stopping rule. Returns (x, None)."""
  return _iterative_solve(_bicgstab_iterations, A, b, x0, tol=tol, atol=atol, maxiter=maxiter,
                          M=M, symmetric_if_real=False)


# --- gmres -------------------------------------------------------------------------------------

def _safe_normalize(x, threshold=None):
  """(x / |x|, |x|), or (0, 0) where |x| <= threshold (default: the dtype's epsilon)."""
  norm = _norm(x)
  dtype, weak_type = dtypes.lattice_result_type(*tree_leaves(x))
  if threshold is None:
    threshold = dtypes.finfo(norm.dtype).eps
  threshold = threshold.astype(dtype).real
  nonzero = norm > threshold
  norm_as_x = convert_element_type(norm, dtype, weak_type)
  unit = tree_map(lambda leaf: jnp.where(nonzero, leaf / norm_as_x, 0.0), x)
  return unit, jnp.where(nonzero, norm, 0.0)


def _arnoldi_step(k, A, M, V, H):
  """Appends the Krylov vector M(A(V[..., k])), orthonormalized against V's columns, as column
  k + 1 of V and its coefficients as row k of H; reports a breakdown (an invariant subspace)."""
  dtype, _ = dtypes.lattice_result_type(*tree_leaves(V))
  v = M(A(tree_map(lambda X: X[..., k], V)))
  _, v_norm = _safe_normalize(v)
  # One pass of classical Gram-Schmidt: h = V^H v, v <- v - V h.
  h = tree_reduce(operator.add, tree_map(
      lambda X, y: jnp.einsum("...n,...->n", X.conj(), y, precision=_HIGHEST), V, v))
  v = _sub(v, tree_map(lambda X: _dot(X, h), V))
  unit_v, v_norm_after = _safe_normalize(v, threshold=dtypes.finfo(dtype).eps * v_norm)
  V = tree_map(lambda X, y: X.at[..., k + 1].set(y), V, unit_v)
  h = h.at[k + 1].set(v_norm_after.astype(dtype))
  return V, H.at[k, :].set(h), v_norm_after == 0.


def _krylov_basis(unit_residual, restart):
  """The basis array(s) with the unit residual as column 0 and room for `restart` more."""
  return tree_map(lambda x: jnp.pad(x[..., None], ((0, 0),) * x.ndim + ((0, restart),)),
                  unit_residual)


def _rotate(vector, i, cs, sn):
  """Applies the Givens rotation (cs, sn) to entries i and i + 1."""
  x, y = vector[i], vector[i + 1]
  vector = vector.at[i].set(cs.conj() * x - sn.conj() * y)
  return vector.at[i + 1].set(sn * x + cs * y)


def _givens(a, b):
  """The rotation (cs, sn) that zeroes b against a."""
  b_is_zero = abs(b) == 0
  a_smaller = abs(a) < abs(b)
  t = -jnp.where(a_smaller, a, b) / jnp.where(a_smaller, b, a)
  r = lax.rsqrt(1 + abs(t) ** 2).astype(t.dtype)
  cs = jnp.where(b_is_zero, 1, jnp.where(a_smaller, r * t, r))
  sn = jnp.where(b_is_zero, 0, jnp.where(a_smaller, r, r * t))
  return cs, sn


def _finish_cycle(A, b, x0, V, y, M):
  x = _add(x0, tree_map(lambda X: _dot(X[..., :-1], y), V))
  unit_residual, residual_norm = _safe_normalize(M(_sub(b, A(x))))
  return x, unit_residual, residual_norm


def _gmres_incremental(A, b, x0, unit_residual, residual_norm, ptol, restart, M):
  """One GMRES cycle that QR-factors the Hessenberg matrix by Givens rotations as it grows,
  which yields the residual norm at every step and lets the cycle stop early at ptol."""
  dtype = dtypes.result_type(*tree_leaves(b))
  # Rows never reached stay those of the identity, keeping R nonsingular.
  R = jnp.eye(restart, restart + 1, dtype=dtype)
  rotations = jnp.zeros((restart, 2), dtype=dtype)
  beta = jnp.zeros(restart + 1, dtype=dtype).at[0].set(residual_norm.astype(dtype))

  def cond(carry):
    k, error = carry[0], carry[1]
    return (k < restart) & (error > ptol)

  def body(carry):
    k, _, V, R, beta, rotations = carry
    V, H, _ = _arnoldi_step(k, A, M, V, R)
    row = lax.fori_loop(0, k, lambda i, row: _rotate(row, i, *rotations[i, :]), H[k, :])
    cs, sn = _givens(row[k], row[k + 1])
    rotations = rotations.at[k, :].set(jnp.stack([cs, sn]))
    R = R.at[k, :].set(_rotate(row, k, cs, sn))
    beta = _rotate(beta, k, cs, sn)
    return k + 1, abs(beta[k + 1]), V, R, beta, rotations

  carry = (0, residual_norm, _krylov_basis(unit_residual, restart), R, beta, rotations)
  _, _, V, R, beta, _ = lax.while_loop(cond, body, carry)
  y = scipy_linalg.solve_triangular(R[:, :-1].T, beta[:-1])
  return _finish_cycle(A, b, x0, V, y, M)


def _gmres_batched(A, b, x0, unit_residual, residual_norm, ptol, restart, M):
  """One GMRES cycle that builds the whole Krylov basis (stopping only at a breakdown), then
  solves the small least-squares problem through its normal equations."""
  del ptol  # the residual is unknown until the end of the cycle
  dtype, weak_type = dtypes.lattice_result_type(*tree_leaves(b))
  H = convert_element_type(jnp.eye(restart, restart + 1, dtype=dtype), dtype, weak_type)

  def cond(carry):
    _, _, breakdown, k = carry
    return (k < restart) & ~breakdown

  def body(carry):
    V, H, _, k = carry
    V, H, breakdown = _arnoldi_step(k, A, M, V, H)
    return V, H, breakdown, k + 1

  V, H, _, _ = lax.while_loop(cond, body, (_krylov_basis(unit_residual, restart), H, False, 0))
  beta = jnp.zeros_like(H, shape=(restart + 1,)).at[0].set(residual_norm.astype(dtype))
  # min |H^T y - beta| through the normal equations (a Cholesky solve: they are positive
  # definite).
  y = scipy_linalg.cho_solve(scipy_linalg.cho_factor(_dot(H.conj(), H.T)), _dot(H.conj(), beta))
  return _finish_cycle(A, b, x0, V, y, M)


def _gmres_cycles(A, b, x0, atol, ptol, restart, maxiter, M, cycle):
  """Restarted GMRES: up to maxiter cycles, until the preconditioned residual is <= atol."""
  unit_residual, residual_norm = _safe_normalize(M(_sub(b, A(x0))))

  def cond(value):
    _, k, _, residual_norm = value
    return (k < maxiter) & (residual_norm > atol)

  def body(value):
    x, k, unit_residual, residual_norm = value
    x, unit_residual, residual_norm = cycle(A, b, x, unit_residual, residual_norm, ptol, restart,
                                            M)
    return x, k + 1, unit_residual, residual_norm

  return lax.while_loop(cond, body, (x0, 0, unit_residual, residual_norm))[0]


def gmres(A, b, x0=None, *, tol=1e-5, atol=0.0, restart=20, maxiter=None, M=None,
          solve_method="batched"):
  """Solves A x = b for a general A by restarted GMRES: Krylov spaces of dimension `restart`,
  rebuilt from the latest solution at most maxiter (default 10 * size) times, until
  norm(residual) <= max(tol * norm(b), atol). `solve_method` 'incremental' factors as it goes
  and may stop within a cycle; 'batched' solves each cycle's least-squares problem at its end.
  Returns (x, info) with info -1 where x holds NaNs, else 0."""
  if x0 is None:
    x0 = tree_map(jnp.zeros_like, b)
  M = _identity if M is None else M
  A = _as_matvec(A)
  M = _as_matvec(M)
  b, x0 = device_put((b, x0))
  size = sum(leaf.size for leaf in tree_leaves(b))
  if maxiter is None:
    maxiter = 10 * size  # SciPy's default
  restart = min(restart, size)
  _check_like_b(x0, b, check_shapes=False)

  b_norm = _norm(b)
  atol = jnp.maximum(tol * b_norm, atol)
  # Within a cycle the tolerance applies to the preconditioned residual.
  ptol = _norm(M(b)) * jnp.minimum(1.0, atol / b_norm)
  if solve_method == "incremental":
    cycle = _gmres_incremental
  elif solve_method == "batched":
    cycle = _gmres_batched
  else:
    raise ValueError(f"invalid solve_method {solve_method}, must be either 'incremental' or "
                     "'batched'")

  def solve(matvec, rhs):
    return _gmres_cycles(matvec, rhs, x0, atol, ptol, restart, maxiter, M, cycle)

  x = lax.custom_linear_solve(A, b, solve=solve, transpose_solve=solve)
  return x, jnp.where(jnp.isnan(_norm(x)), -1, 0)
