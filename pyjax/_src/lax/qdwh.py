"""`lax.linalg.qdwh`: the polar decomposition x = u h of a tall matrix by the QR-based dynamically
weighted Halley iteration (Nakatsukasa, Bai and Gygi, SIAM J. Matrix Anal. Appl. 31(5), 2010).

Each step maps the iterate u to u (a I + b u^H u)(I + c u^H u)^-1, with weights a, b, c chosen
from a lower bound l on the iterate's smallest singular value (its largest is at most 1 after the
initial scaling), so that the singular values are pushed towards 1 as fast as possible. The
weights depend only on l, and l's sequence only on its start `eps`, so the whole schedule is
computed on the host before tracing, as JAX does:

- while c is large (the rational function is badly conditioned to evaluate directly) the step is
  computed from a thin QR factorization of [sqrt(c) u; I];
- once c <= 100, from a Cholesky factorization of c u^H u + I and two triangular solves, and from
  then on the step size ||u_new - u||_F is tested against (5 eps)^(1/3);
- when the schedule is exhausted (l has reached 1) and u has not yet converged, Halley's method
  (a, b, c = 3, 1, 3) runs in a `while_loop` until it converges or `max_iterations` is reached.

A Newton-Schulz step then refines u and h = (u^H x + x^H u) / 2.

A matrix padded up to its shape from a smaller true size (m, n) (`dynamic_shape`) is handled by
masking: padded rows and columns of every iterate stay zero and the Gram matrices are completed
with the identity, so the result is the decomposition of the leading m x n block, zero-padded.
"""
from __future__ import annotations

import math

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.jit import jit
from pyjax._src.lax import lax
from pyjax._src.lax import linalg as lax_linalg
from pyjax._src.lax.control_flow import fori_loop, while_loop

# Below this value of c the Cholesky-based step is accurate enough (the paper's choice).
_CHOLESKY_CUTOFF = 100.0
_DEFAULT_MAX_ITERATIONS = 10
_LAPACK_DTYPES = frozenset(np.dtype(t) for t in (np.float32, np.float64, np.complex64,
                                                 np.complex128))


# ------------------------------------------------------------------------------------------------
# The host-side schedule of weights


def _dwh_weights(l: float) -> tuple[float, float, float, float]:
  """(a, b, c, l_next): the optimal dynamical weights for lower bound `l` and the bound after the
  step (the image of l under the rational map)."""
  l2 = l * l
  d = (4.0 * (1.0 / l2 - 1.0) / l2) ** (1.0 / 3.0)
  sqrt_1_plus_d = math.sqrt(1.0 + d)
  a = sqrt_1_plus_d + 0.5 * math.sqrt(8.0 - 4.0 * d + 8.0 * (2.0 - l2) / (l2 * sqrt_1_plus_d))
  b = (a - 1.0) ** 2 / 4.0
  c = a + b - 1.0
  return a, b, c, l * (a + b * l2) / (1.0 + c * l2)


def _schedule(eps: float, max_iterations: int) -> tuple[list, list]:
  """The QR steps' and the Cholesky steps' coefficient rows, in order.

  A QR step is u -> e u + ((a - e) / sqrt(c)) Q1 Q2^H (row: (a - e) / sqrt(c), sqrt(c), e) and
  a Cholesky step u -> e u + (a - e) u (c u^H u + I)^-1 (row: a - e, c, e), with e = b / c."""
  qr_rows, chol_rows = [], []
  l, tol_l, k = eps, 5.0 * eps, 0
  while l + tol_l < 1 and k < max_iterations:
    k += 1
    a, b, c, l = _dwh_weights(l)
    e = b / c
    if c > _CHOLESKY_CUTOFF:
      qr_rows.append(((a - e) / math.sqrt(c), math.sqrt(c), e))
    else:
      chol_rows.append((a - e, c, e))
  return qr_rows, chol_rows


# ------------------------------------------------------------------------------------------------
# Traced pieces


_matmul = lax_linalg._matmul


def _h(x):
  """The conjugate transpose of a matrix (no conj for a real one)."""
  return lax_linalg._conj(lax_linalg._T(x))


def _eye(n: int, dtype):
  return lax_linalg._eye(dtype, (n, n))


def _mask(x, rows, cols, fill=None):
  """x where (row < rows and col < cols), `fill` (zero by default) elsewhere."""
  if rows is None:
    return x
  shape = x.shape
  keep = ((lax.broadcasted_iota(np.int32, shape, 0) < rows)
          & (lax.broadcasted_iota(np.int32, shape, 1) < cols))
  if fill is None:
    fill = lax.full(shape, 0, x.dtype)
  return lax.select(keep, x, fill)


def _frobenius_norm(x):
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    sq = lax.real(lax.mul(x, lax.conj(x)))
  else:
    sq = lax.mul(x, x)
  return lax.sqrt(lax.reduce_sum(sq, (0, 1)))


def _scalar(v, dtype):
  return lax.convert_element_type(np.asarray(v, dtypes.canonicalize_dtype(np.float64)), dtype)


def _qr_step(u, row, m, n):
  """One step through the thin QR factorization of [sqrt(c) u; I] = [Q1; Q2]: the step's value
  is e u + ((a - e) / sqrt(c)) Q1 Q2^H. The identity block starts at row m, right below the true
  rows of u."""
  coef, sqrt_c, e = row
  big_m, big_n = u.shape
  stacked = lax.pad(sqrt_c * u, lax.full((), 0, u.dtype),
                    ((0, big_n, 0), (0, 0, 0)))
  start = big_m if m is None else m
  stacked = lax.dynamic_update_slice(stacked, _eye(big_n, u.dtype), (start, 0))
  q, _ = lax_linalg.qr(stacked, full_matrices=False)
  q1 = _mask(lax.slice(q, (0, 0), (big_m, big_n)), m, n)
  q2 = _mask(lax.dynamic_slice(q, (start, 0), (big_n, big_n)), n, n)
  return e * u + coef * _matmul(q1, _h(q2))


def _cholesky_step(u, row, m, n):
  """One step through the Cholesky factor L of c u^H u + I: the step's value is
  e u + (a - e) u (L L^H)^-1. Padded rows and columns of the Gram matrix are the identity's."""
  a_minus_e, c, e = row
  big_n = u.shape[1]
  complex_ = dtypes.issubdtype(u.dtype, np.complexfloating)
  eye = _eye(big_n, u.dtype)
  gram = c * _matmul(_h(u), u) + eye
  gram = _mask(gram, n, n, eye)
  factor = lax_linalg.cholesky(gram, symmetrize_input=False)
  ut = lax.transpose(u, (1, 0))
  # conj(L) w = u^T, so conj(w) = L^-1 u^H; then L^H v = L^-1 u^H, so v = (L L^H)^-1 u^H.
  w = lax_linalg.triangular_solve(factor, ut, left_side=True, lower=True, conjugate_a=complex_)
  w = lax.conj(w) if complex_ else w
  v = lax_linalg.triangular_solve(factor, w, left_side=True, lower=True, transpose_a=True,
                                  conjugate_a=complex_)
  return e * u + a_minus_e * _h(v)


def _run_steps(u, rows, step, m, n, tol):
  """The static steps of one kind in a `fori_loop` over their coefficient rows; returns the
  iterate and whether the last step was still too large (always True without `tol`)."""
  if not rows:
    return u, lax.full((), True, np.bool_)
  table = _scalar(np.asarray(rows), u.dtype)

  def body(i, carry):
    u, _ = carry
    r = lax.dynamic_index_in_dim(table, i, keepdims=False)
    row = tuple(lax.squeeze(lax.slice(r, (j,), (j + 1,)), (0,)) for j in range(3))
    new = step(u, row, m, n)
    if tol is None:
      return new, lax.full((), True, np.bool_)
    return new, _frobenius_norm(new - u) > tol

  return fori_loop(0, len(rows), body, (u, lax.full((), True, np.bool_)))


def _qdwh(x, m, n, *, max_iterations: int, eps: float | None):
  dtype = np.dtype(x.dtype)
  real_dtype = np.finfo(dtype).dtype
  if eps is None:
    eps = float(np.finfo(dtype).eps)
  if m is not None:
    x = _mask(x, m, n)

  # Scale so that the largest singular value is at most 1: ||x||_2 <= sqrt(||x||_1 ||x||_inf).
  mag = lax.abs(x)
  zero = lax.full((), 0, real_dtype)
  one_norm = lax.max(zero, lax.reduce_max(lax.reduce_sum(mag, (0,)), (0,)))
  inf_norm = lax.max(zero, lax.reduce_max(lax.reduce_sum(mag, (1,)), (0,)))
  scale = lax.mul(lax.rsqrt(one_norm), lax.rsqrt(inf_norm))
  scale = lax.select(lax.eq(one_norm, zero), lax.full((), 1, real_dtype), scale)
  u = x * lax.convert_element_type(scale, dtype)

  # ||u_k - u_k-1||_F <= (5 eps)^(1/3) ends the iteration (as JAX: the cube root is taken in the
  # default float type, then compared in the matrix's real type).
  tol = lax.convert_element_type(
      np.cbrt(np.asarray(5.0 * eps, dtypes.canonicalize_dtype(np.float64))), real_dtype)

  qr_rows, chol_rows = _schedule(eps, max_iterations)
  u, _ = _run_steps(u, qr_rows, _qr_step, m, n, None)
  u, not_converged = _run_steps(u, chol_rows, _cholesky_step, m, n, tol)

  # The bound l has reached 1: Halley's method (a, b, c = 3, 1, 3) until u converges.
  halley = tuple(_scalar(v, dtype) for v in (3.0 - 1.0 / 3.0, 3.0, 1.0 / 3.0))

  def cond(carry):
    k, _, not_converged = carry
    return not_converged & (k < max_iterations)

  def body(carry):
    k, u, _ = carry
    new = _cholesky_step(u, halley, m, n)
    return k + 1, new, _frobenius_norm(new - u) > tol

  num_iters, u, not_converged = while_loop(
      cond, body, (len(qr_rows) + len(chol_rows), u, not_converged))

  # One Newton-Schulz step: u <- 1.5 u - 0.5 u u^H u.
  u = _scalar(1.5, dtype) * u - _matmul(_scalar(0.5, dtype) * u, _matmul(_h(u), u))
  h = _matmul(_h(u), x)
  h = (h + _h(h)) / _scalar(2.0, dtype)
  return u, h, num_iters, lax.bitwise_not(not_converged)


def _qdwh_static(x, *, max_iterations, eps):
  return _qdwh(x, None, None, max_iterations=max_iterations, eps=eps)


def _qdwh_dynamic(x, m, n, *, max_iterations, eps):
  return _qdwh(x, m, n, max_iterations=max_iterations, eps=eps)


_qdwh_static.__name__ = _qdwh_dynamic.__name__ = "qdwh"
_qdwh_static_jit = jit(_qdwh_static, static_argnames=("max_iterations", "eps"))
_qdwh_dynamic_jit = jit(_qdwh_dynamic, static_argnames=("max_iterations", "eps"))


# ------------------------------------------------------------------------------------------------
# The public function: argument checks with clear messages


def _static_value(name: str, value):
  """`value` of a static (compile-time) argument; traced or array values are refused, as JAX's
  jit refuses them (ValueError: they are not hashable)."""
  if isinstance(value, core.Tracer) or hasattr(value, "aval"):
    raise ValueError(
        f"qdwh: `{name}` must be a concrete Python value (it fixes the structure of the "
        f"iteration), but got the array or traced value {value!r}. Pass a Python "
        f"{'bool' if name == 'is_hermitian' else 'number'} instead; under `jit`, mark the "
        f"argument it comes from as static.")
  try:
    hash(value)
  except TypeError:
    raise ValueError(f"qdwh: `{name}` must be a hashable Python value, but got "
                     f"{type(value).__name__} {value!r}.") from None
  return value


def _check_max_iterations(max_iterations) -> int:
  if max_iterations is None:
    return _DEFAULT_MAX_ITERATIONS
  _static_value("max_iterations", max_iterations)
  try:
    k = int(max_iterations)  # JAX converts with int(): 3.5 -> 3, "3" -> 3.
  except (TypeError, ValueError):
    raise TypeError(f"qdwh: `max_iterations` must be an integer, but got "
                    f"{type(max_iterations).__name__} {max_iterations!r}.") from None
  if not -2**31 <= k < 2**31:
    raise OverflowError(f"qdwh: `max_iterations`={k} does not fit in int32, the type of the "
                        f"iteration counter; pass a smaller number (the iteration converges in "
                        f"well under 20 steps).")
  return k


def _check_eps(eps) -> float | None:
  if eps is None:
    return None
  _static_value("eps", eps)
  if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, (int, float, np.integer,
                                                                np.floating)):
    raise TypeError(f"qdwh: `eps` must be a real number (the target relative accuracy, e.g. "
                    f"1e-6), but got {type(eps).__name__} {eps!r}.")
  eps = float(eps)
  if eps == 0 or eps * eps == 0:
    # JAX's weight formula divides by eps**2 and raises ZeroDivisionError.
    raise ZeroDivisionError(
        f"qdwh: `eps`={eps!r} is too small: the weights of the iteration divide by eps**2, "
        f"which is zero in double precision. Pass a positive eps of at least 1e-150, or None "
        f"for the dtype's machine epsilon.")
  if eps < 0:
    raise ValueError(f"qdwh: `eps` must be positive, but got {eps!r}; pass the target "
                     f"relative accuracy (e.g. 1e-6), or None for the dtype's machine epsilon.")
  return eps


def qdwh(x, *, is_hermitian: bool = False, max_iterations: int | None = None,
         eps: float | None = None, dynamic_shape: tuple[int, int] | None = None):
  """QR-based dynamically weighted Halley iteration for the polar decomposition x = u h.

  Args:
    x: a full-rank M x N matrix with M >= N (float32, float64, complex64 or complex128); it may
      be padded up to that shape from a smaller true size given by `dynamic_shape`.
    is_hermitian: whether x is Hermitian. Unused (kept for compatibility, as in JAX).
    max_iterations: the most iterations to run (default 10).
    eps: the iteration stops once ||u_k - u_k-1||_F < (5 eps)^(1/3); it also sets the initial
      lower bound of the weights' schedule. Default: the dtype's machine epsilon.
    dynamic_shape: the true (m, n) size of a padded x; m and n may be traced integers.

  Returns:
    (u, h, num_iters, is_converged): u (M x N) has orthonormal columns and h (N x N) is
    Hermitian positive semidefinite with x = u h; num_iters is the number of iterations run (a
    weakly typed integer) and is_converged whether the step-size test passed within
    `max_iterations`.
  """
  _static_value("is_hermitian", is_hermitian)
  max_iterations = _check_max_iterations(max_iterations)
  eps = _check_eps(eps)
  if not hasattr(x, "shape") or not hasattr(x, "dtype"):
    # AttributeError, as JAX's (it reads `x.shape`).
    raise AttributeError(
        f"qdwh requires an array, but got {type(x).__name__}; convert it first, e.g. "
        f"qdwh(jnp.asarray(x)).")
  shape = tuple(x.shape)
  if len(shape) != 2:
    raise ValueError(
        f"qdwh requires a 2-D matrix, but got an array of shape {shape}. For a batch of "
        f"matrices, map it with jax.vmap(qdwh).")
  dtype = np.dtype(x.dtype)
  if not dtypes.issubdtype(dtype, np.inexact):
    raise ValueError(
        f"qdwh requires a floating-point or complex matrix, but got dtype {dtype.name}; "
        f"convert it first, e.g. x.astype(jnp.float32).")
  if dtype not in _LAPACK_DTYPES:
    raise NotImplementedError(
        f"qdwh: unsupported dtype {dtype.name}: its QR and Cholesky steps need float32, "
        f"float64, complex64 or complex128 (the CPU's LAPACK has no {dtype.name} routines); "
        f"convert it first, e.g. x.astype(jnp.float32).")
  big_m, big_n = shape
  if big_m < big_n:
    raise ValueError(
        f"qdwh: the input matrix of shape M x N must have M >= N, but got shape {shape}. For "
        f"a wide matrix decompose its conjugate transpose: if x^H = u h then x = h u^H.")
  if dynamic_shape is None:
    return _qdwh_static_jit(x, max_iterations=max_iterations, eps=eps)
  try:
    m, n = dynamic_shape
  except (TypeError, ValueError):
    raise ValueError(f"qdwh: `dynamic_shape` must be a pair (m, n) of the matrix's true "
                     f"size, but got {dynamic_shape!r}.") from None
  m, n = (lax.convert_element_type(v, np.int32) for v in (m, n))
  return _qdwh_dynamic_jit(x, m, n, max_iterations=max_iterations, eps=eps)
