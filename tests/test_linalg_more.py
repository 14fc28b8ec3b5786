"""Hessenberg, tridiagonal and Schur forms and what is built on them, against the oracle (jax
0.10.2): `lax.linalg.hessenberg`, `tridiagonal`, `householder_product`, `ormqr`, `schur` and
`cholesky_update`, and `scipy.linalg.hessenberg`,
`schur`, `rsf2csf`, `sqrtm`, `funm`, `solve_sylvester`, `qr_multiply` and `fiedler_companion`.

Hessenberg reductions are unique given LAPACK's reflector convention and are compared with the
oracle's values; Schur forms are not (the order of the eigenvalues and the signs of the vectors
depend on the iteration), so they are checked by reconstruction, structure and eigenvalues, and
the functions of matrices computed from them (unique) by value."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

jax = pytest.importorskip("jax")
scipy_linalg = pytest.importorskip("scipy.linalg")

import pyjax  # noqa: E402
import pyjax.lax.linalg as plin  # noqa: E402
import pyjax.numpy as pjnp  # noqa: E402
import pyjax.scipy.linalg as psl  # noqa: E402

from case_tables import ORACLE, PYJAX, CaseTable  # noqa: E402
from oracle_util import outcome, x64  # noqa: E402

RNG = np.random.default_rng(7)


def random(shape, dtype=np.float32):
  x = RNG.standard_normal(shape)
  if np.dtype(dtype).kind == "c":
    x = x + 1j * RNG.standard_normal(shape)
  return x.astype(dtype)


SQUARE = random((5, 5))
BATCH = random((3, 4, 4))
COMPLEX = random((4, 4), np.complex64)
TALL = random((5, 3))
TAUS = random((2,))
# Positive definite (its square root is real) and a matrix with distinct eigenvalues.
SPD = (SQUARE @ SQUARE.T + np.eye(5)).astype(np.float32)
# Complex eigenvalues with positive real parts: its principal square root is well defined (a
# negative eigenvalue would sit on the branch cut, where round-off picks the sign).
POSITIVE = (SPD + SQUARE - SQUARE.T).astype(np.float32)
UPPER_FACTOR = np.linalg.cholesky(SPD).T.astype(np.float32)
REAL_SCHUR_T, REAL_SCHUR_Z = (x.astype(np.float32) for x in scipy_linalg.schur(SQUARE))
TOL = (2e-4, 2e-5)

CASES = {
    "hessenberg": lambda L: L.linalg.hessenberg(SQUARE),
    "hessenberg_batched": lambda L: L.linalg.hessenberg(BATCH),
    "hessenberg_complex": lambda L: L.linalg.hessenberg(COMPLEX),
    "hessenberg_1x1": lambda L: L.linalg.hessenberg(SQUARE[:1, :1]),
    "householder_product": lambda L: L.linalg.householder_product(TALL, TAUS),
    "householder_product_square": lambda L: L.linalg.householder_product(BATCH, BATCH[:, 0, :3]),
    "householder_product_complex": lambda L: L.linalg.householder_product(
        COMPLEX, COMPLEX[0, :3]),
    # jnp.linalg.qr's "raw" mode returns the reflectors transposed, as NumPy does.
    "householder_product_of_qr": lambda L: L.linalg.householder_product(
        *(lambda h, taus: (h.T, taus))(*L.np.linalg.qr(TALL, mode="raw"))),
    "ormqr": lambda L: L.linalg.ormqr(TALL, TAUS, SQUARE[:, :2]),
    "ormqr_transpose": lambda L: L.linalg.ormqr(TALL, TAUS, SQUARE[:, :2], transpose=True),
    "ormqr_right": lambda L: L.linalg.ormqr(TALL, TAUS, SQUARE[:2], left=False),
    "ormqr_right_transpose_complex": lambda L: L.linalg.ormqr(
        COMPLEX, COMPLEX[1, :3], COMPLEX[:2], left=False, transpose=True),
    "ormqr_batched_wide": lambda L: L.linalg.ormqr(BATCH[:, :3], BATCH[:, 0, :2], BATCH[:, :3]),
    "tridiagonal": lambda L: L.linalg.tridiagonal(SQUARE),
    "tridiagonal_upper": lambda L: L.linalg.tridiagonal(SQUARE, lower=False),
    "tridiagonal_complex": lambda L: L.linalg.tridiagonal(COMPLEX),
    "tridiagonal_complex_upper_batched": lambda L: L.linalg.tridiagonal(
        np.stack([COMPLEX, COMPLEX.T]), lower=False),
    "tridiagonal_1x1": lambda L: L.linalg.tridiagonal(SQUARE[:1, :1]),
    "cholesky_update": lambda L: L.linalg.cholesky_update(UPPER_FACTOR, SQUARE[0]),
    "scipy_hessenberg": lambda L: L.scipy.hessenberg(SQUARE),
    "scipy_hessenberg_q": lambda L: L.scipy.hessenberg(BATCH, calc_q=True),
    "scipy_hessenberg_q_complex": lambda L: L.scipy.hessenberg(COMPLEX, calc_q=True),
    "sqrtm": lambda L: L.scipy.sqrtm(POSITIVE),
    "sqrtm_spd": lambda L: L.scipy.sqrtm(SPD),
    "sqrtm_complex": lambda L: L.scipy.sqrtm(COMPLEX),
    "sqrtm_int": lambda L: L.scipy.sqrtm(np.array([[4, 1], [0, 9]], np.int32)),
    "sqrtm_singular": lambda L: L.scipy.sqrtm(np.array([[0., 1.], [0., 0.]], np.float32)),
    "funm_exp": lambda L: L.scipy.funm(SQUARE / 2, L.np.exp),
    "funm_log": lambda L: L.scipy.funm(POSITIVE, L.np.log),
    "funm_complex": lambda L: L.scipy.funm(COMPLEX, lambda x: L.np.sin(x) + x * x),
    "funm_error": lambda L: L.scipy.funm(SPD, L.np.sqrt, disp=False),
    "rsf2csf": lambda L: L.scipy.rsf2csf(REAL_SCHUR_T, REAL_SCHUR_Z),
    "rsf2csf_broadcast": lambda L: L.scipy.rsf2csf(REAL_SCHUR_T[None], REAL_SCHUR_Z),
    "solve_sylvester": lambda L: L.scipy.solve_sylvester(SQUARE, BATCH[0], TALL @ BATCH[1, :3]),
    "solve_sylvester_batched": lambda L: L.scipy.solve_sylvester(BATCH, BATCH[0].T, BATCH),
    "solve_sylvester_complex": lambda L: L.scipy.solve_sylvester(COMPLEX, BATCH[1], COMPLEX.T),
    "solve_sylvester_eigen": lambda L: L.scipy.solve_sylvester(SPD, SPD[:3, :3], SQUARE[:, :3],
                                                               method="eigen"),
    "solve_sylvester_int": lambda L: L.scipy.solve_sylvester(
        np.eye(2, dtype=np.int32), 2 * np.eye(2, dtype=np.int32), np.ones((2, 2), np.int32)),
    "solve_sylvester_singular": lambda L: L.scipy.solve_sylvester(
        np.eye(2, dtype=np.float32), -np.eye(2, dtype=np.float32), np.eye(2, dtype=np.float32)),
    "qr_multiply_right": lambda L: L.scipy.qr_multiply(TALL, SQUARE[:2]),
    "qr_multiply_right_vector": lambda L: L.scipy.qr_multiply(TALL, SQUARE[0]),
    "qr_multiply_left": lambda L: L.scipy.qr_multiply(TALL, SQUARE[:3, :2], mode="left"),
    "qr_multiply_left_vector_wide": lambda L: L.scipy.qr_multiply(TALL.T, SQUARE[0, :3],
                                                                  mode="left"),
    "qr_multiply_pivoting_conjugate": lambda L: L.scipy.qr_multiply(
        COMPLEX, SQUARE[:2, :4], pivoting=True, conjugate=True),
    "qr_multiply_batched": lambda L: L.scipy.qr_multiply(BATCH, SQUARE[:2, :4]),
    "fiedler_companion": lambda L: L.scipy.fiedler_companion(SQUARE[0]),
    "fiedler_companion_even": lambda L: L.scipy.fiedler_companion(SQUARE[1, :4] + 1),
    "fiedler_companion_batched": lambda L: L.scipy.fiedler_companion(BATCH[:, 0]),
    "fiedler_companion_int": lambda L: L.scipy.fiedler_companion(np.array([2, 3], np.int32)),
    "fiedler_companion_short": lambda L: L.scipy.fiedler_companion(np.array([2.], np.float32)),
    "fiedler_companion_scalar": lambda L: L.scipy.fiedler_companion(np.float32(2.)),
}

TABLE = CaseTable(CASES)


@pytest.mark.parametrize("name", list(TABLE))
def test_against_oracle(name):
  TABLE.check(name, TOL)


SQUARE64, COMPLEX128 = SQUARE.astype(np.float64), COMPLEX.astype(np.complex128)
POSITIVE64 = POSITIVE.astype(np.float64)

CASES_X64 = {
    "hessenberg": lambda L: L.linalg.hessenberg(SQUARE64),
    "tridiagonal_complex": lambda L: L.linalg.tridiagonal(COMPLEX128, lower=False),
    "ormqr": lambda L: L.linalg.ormqr(COMPLEX128, COMPLEX128[0, :3], COMPLEX128.T),
    "scipy_hessenberg_q": lambda L: L.scipy.hessenberg(COMPLEX128, calc_q=True),
    "sqrtm": lambda L: L.scipy.sqrtm(POSITIVE64),
    "funm": lambda L: L.scipy.funm(SQUARE64, L.np.cos),
    "solve_sylvester": lambda L: L.scipy.solve_sylvester(SQUARE64, POSITIVE64, SQUARE64.T),
    "rsf2csf": lambda L: L.scipy.rsf2csf(*scipy_linalg.schur(SQUARE64)),
}

TABLE_X64 = CaseTable(CASES_X64, enable_x64=True)


@pytest.mark.parametrize("name", list(TABLE_X64))
def test_against_oracle_x64(name):
  TABLE_X64.check(name, (1e-9, 1e-11))


def test_schur_float64_accuracy():
  with x64():
    for a in (SQUARE64, COMPLEX128, random((12, 12), np.float64)):
      t, z = plin.schur(a)
      assert t.dtype == a.dtype
      t, z = np.asarray(t), np.asarray(z)
      np.testing.assert_allclose(z @ t @ z.conj().T, a, rtol=1e-12, atol=1e-12)
      np.testing.assert_allclose(z.conj().T @ z, np.eye(len(a)), rtol=1e-13, atol=1e-13)


def _check_schur(a, t, z, real: bool):
  a, t, z = (np.asarray(x).astype(np.complex128) for x in (a, t, z))
  n = a.shape[-1]
  np.testing.assert_allclose(z @ t @ z.conj().T, a, rtol=1e-4, atol=1e-4)
  np.testing.assert_allclose(z.conj().T @ z, np.eye(n), rtol=1e-5, atol=1e-5)
  assert not np.tril(t, -2).any()
  sub = np.diagonal(t, -1)
  if not real:
    assert not sub.any()
  # 2x2 blocks (complex pairs) are isolated and standardized: equal diagonal entries and
  # off-diagonal entries of opposite signs.
  for k in np.flatnonzero(sub):
    assert k + 1 == n - 1 or sub[k + 1] == 0
    assert k == 0 or sub[k - 1] == 0
    assert np.isclose(t[k, k], t[k + 1, k + 1], rtol=1e-6, atol=1e-6)
    assert (t[k, k + 1] * t[k + 1, k]).real < 0
  eigenvalues = list(np.linalg.eigvals(t) if real else np.diagonal(t))
  # Each eigenvalue of a matches one of T (sorting would not do: round-off reorders pairs).
  for w in np.linalg.eigvals(a):
    nearest = int(np.argmin(np.abs(np.array(eigenvalues) - w)))
    assert abs(eigenvalues.pop(nearest) - w) < 1e-3 * (1 + abs(w)), (w, eigenvalues)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
@pytest.mark.parametrize("n", [1, 2, 3, 6, 9])
def test_schur_structure(dtype, n):
  a = random((n, n), dtype)
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    t, z = plin.schur(a)
    expected_t, _ = jax.lax.linalg.schur(a)
  assert t.dtype == expected_t.dtype and t.shape == z.shape == (n, n)
  _check_schur(a, t, z, real=np.dtype(dtype).kind == "f")


def test_schur_hard_inputs():
  # Exactly repeated, defective and rotation-like spectra, and zeros on the subdiagonal.
  cases = [np.zeros((3, 3)), np.eye(4), np.array([[1., 1.], [0., 1.]]),
           np.array([[0., 1.], [-1., 0.]]), np.roll(np.eye(5), 1, axis=0),
           np.diag(np.arange(4.)) + np.diag(np.ones(3), 1), np.triu(SQUARE)]
  for a in cases:
    t, z = plin.schur(a.astype(np.float32))
    _check_schur(a, t, z, real=True)
    t, z = psl.schur(a.astype(np.float32), output="complex")
    _check_schur(a, t, z, real=False)


def test_schur_options_and_nonfinite():
  t, = plin.schur(SQUARE, compute_schur_vectors=False)
  np.testing.assert_allclose(np.asarray(t), np.asarray(plin.schur(SQUARE)[0]))
  t, z = plin.schur(np.full((3, 3), np.nan, np.float32))
  assert np.isnan(np.asarray(t)).all() and np.isnan(np.asarray(z)).all()
  weak = plin.schur(pjnp.asarray(2.0)[None, None])
  assert all(x.weak_type for x in weak)
  t, z = psl.schur(BATCH, output="complex")
  assert t.dtype == np.complex64 and t.shape == BATCH.shape
  for i in range(len(BATCH)):
    _check_schur(BATCH[i], t[i], z[i], real=False)


def test_rsf2csf_of_our_schur():
  t, z = psl.rsf2csf(*psl.schur(SQUARE))
  _check_schur(SQUARE, t, z, real=False)


def test_cholesky_update_and_tridiagonal_reconstruct():
  r = np.asarray(plin.cholesky_update(UPPER_FACTOR, SQUARE[0]))
  assert not np.tril(r, -1).any() and (np.diagonal(r) > 0).all()
  np.testing.assert_allclose(r.T @ r, SPD + np.outer(SQUARE[0], SQUARE[0]), rtol=1e-4, atol=1e-4)
  for lower in (True, False):
    packed, d, e, taus = (np.asarray(x) for x in plin.tridiagonal(COMPLEX, lower=lower))
    hermitian = np.tril(COMPLEX, -1) if lower else np.triu(COMPLEX, 1)
    hermitian = hermitian + hermitian.conj().T + np.diag(COMPLEX.diagonal().real)
    tri = np.diag(d) + np.diag(e, 1) + np.diag(e, -1)
    assert d.dtype == e.dtype == np.float32
    np.testing.assert_allclose(np.linalg.eigvalsh(tri), np.linalg.eigvalsh(hermitian),
                               rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name,fn,arg", [
    ("ormqr", lambda x: plin.ormqr(x, x[..., 0, :3], x.T, left=False, transpose=True), BATCH),
    ("tridiagonal", lambda x: plin.tridiagonal(x, lower=False), BATCH),
    ("cholesky_update", lambda x: plin.cholesky_update(pjnp.triu(x) + 4 * np.eye(4), x[0]),
     BATCH),
    ("hessenberg", lambda x: plin.hessenberg(x), BATCH),
    ("householder_product", lambda x: plin.householder_product(x, x[..., 0, :3]), BATCH),
    ("schur", lambda x: plin.schur(x), BATCH),
    ("sqrtm", lambda x: psl.sqrtm(x), BATCH),
    ("solve_sylvester", lambda x: psl.solve_sylvester(x, x.T, x), BATCH),
])
def test_jit_and_vmap(name, fn, arg):
  eager = [fn(x) for x in arg]  # (The oracle cannot vmap cholesky_update: we can.)
  jitted = [pyjax.jit(fn)(x) for x in arg]
  mapped = pyjax.vmap(fn)(arg)
  for i, expected in enumerate(eager):
    for got in (jitted[i], jax.tree.map(lambda m, i=i: m[i], mapped)):
      for g, e in zip(jax.tree.leaves(got), jax.tree.leaves(expected)):
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-5, atol=1e-5)


GRADS = CaseTable({
    "solve_sylvester_c": lambda L: L.top.grad(
        lambda c: (L.scipy.solve_sylvester(SQUARE, SPD, c) ** 2).sum())(SQUARE),
    "fiedler_companion": lambda L: L.top.grad(
        lambda a: (L.scipy.fiedler_companion(a) * SQUARE[:4, :4]).sum())(SQUARE[0]),
    "rsf2csf_z": lambda L: L.top.grad(
        lambda z: L.scipy.rsf2csf(REAL_SCHUR_T, z)[1].real.sum())(REAL_SCHUR_Z),
})


@pytest.mark.parametrize("name", list(GRADS))
def test_derivatives(name):
  GRADS.check(name, (2e-3, 2e-4))


ERRORS = {
    "schur_int": lambda L: L.linalg.schur(np.eye(3, dtype=np.int32)),
    "schur_float16": lambda L: L.linalg.schur(np.eye(3, dtype=np.float16)),
    "schur_nonsquare": lambda L: L.linalg.schur(TALL),
    "schur_rank1": lambda L: L.linalg.schur(TAUS),
    "schur_sort": lambda L: L.linalg.schur(SQUARE, sort_eig_vals=True),
    "schur_grad": lambda L: L.top.grad(lambda x: L.linalg.schur(x)[0].sum())(SQUARE),
    "hessenberg_nonsquare": lambda L: L.linalg.hessenberg(TALL),
    "hessenberg_int": lambda L: L.scipy.hessenberg(np.eye(3, dtype=np.int32)),
    "hessenberg_jvp": lambda L: L.top.jvp(L.linalg.hessenberg, (SQUARE,), (SQUARE,)),
    "householder_product_wide": lambda L: L.linalg.householder_product(TALL.T, TAUS),
    "householder_product_taus": lambda L: L.linalg.householder_product(TALL, SQUARE[0, :4]),
    "householder_product_batch": lambda L: L.linalg.householder_product(TALL, SQUARE[:2, :2]),
    "householder_product_grad": lambda L: L.top.grad(
        lambda a: L.linalg.householder_product(a, TAUS).sum())(TALL),
    "ormqr_rows": lambda L: L.linalg.ormqr(TALL, TAUS, SQUARE[:3]),
    "ormqr_columns": lambda L: L.linalg.ormqr(TALL, TAUS, SQUARE[:3, :3], left=False),
    "ormqr_dtypes": lambda L: L.linalg.ormqr(TALL, TAUS, COMPLEX[:, :2]),
    "ormqr_int": lambda L: L.linalg.ormqr(TALL, TAUS.astype(np.int32), SQUARE[:, :2]),
    "ormqr_batch": lambda L: L.linalg.ormqr(TALL, TAUS, BATCH),
    "ormqr_grad": lambda L: L.top.grad(
        lambda c: L.linalg.ormqr(TALL, TAUS, c).sum())(SQUARE[:, :2]),
    "tridiagonal_nonsquare": lambda L: L.linalg.tridiagonal(TALL),
    "tridiagonal_float16": lambda L: L.linalg.tridiagonal(np.eye(2, dtype=np.float16)),
    "tridiagonal_grad": lambda L: L.top.grad(lambda x: L.linalg.tridiagonal(x)[1].sum())(SPD),
    "cholesky_update_rank": lambda L: L.linalg.cholesky_update(BATCH, BATCH[:, 0]),
    "cholesky_update_size": lambda L: L.linalg.cholesky_update(UPPER_FACTOR, TAUS),
    "cholesky_update_complex": lambda L: L.linalg.cholesky_update(COMPLEX, COMPLEX[0]),
    "cholesky_update_grad": lambda L: L.top.grad(
        lambda w: L.linalg.cholesky_update(UPPER_FACTOR, w).sum())(SQUARE[0]),
    "scipy_schur_output": lambda L: L.scipy.schur(SQUARE, output="quasi"),
    "scipy_schur_int": lambda L: L.scipy.schur(np.eye(2, dtype=np.int32)),
    "sqrtm_blocksize": lambda L: L.scipy.sqrtm(SQUARE, blocksize=2),
    "sqrtm_batched": lambda L: L.scipy.sqrtm(BATCH),
    "sqrtm_grad": lambda L: L.top.grad(lambda x: L.scipy.sqrtm(x).real.sum())(SPD),
    "funm_batched": lambda L: L.scipy.funm(BATCH, L.np.exp),
    "funm_int": lambda L: L.scipy.funm(np.eye(2, dtype=np.int32), L.np.exp),
    "rsf2csf_shapes": lambda L: L.scipy.rsf2csf(SQUARE, SQUARE[:3, :3]),
    "rsf2csf_t": lambda L: L.scipy.rsf2csf(TAUS, SQUARE),
    "solve_sylvester_method": lambda L: L.scipy.solve_sylvester(SQUARE, SQUARE, SQUARE,
                                                                method="bartels"),
    "solve_sylvester_shapes": lambda L: L.scipy.solve_sylvester(SQUARE, BATCH[0], SQUARE),
    "fiedler_companion_empty": lambda L: L.scipy.fiedler_companion(BATCH[:, 0, :0]),
    "qr_multiply_mode": lambda L: L.scipy.qr_multiply(TALL, SQUARE, mode="up"),
    "qr_multiply_right_shape": lambda L: L.scipy.qr_multiply(TALL, SQUARE[:2, :3]),
    "qr_multiply_left_shape": lambda L: L.scipy.qr_multiply(TALL, SQUARE[:4], mode="left"),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors(name):
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    p = outcome(ERRORS[name], PYJAX)
    j = outcome(ERRORS[name], ORACLE)
  assert p[0] == j[0] == "raise", (p, j)
  assert type(p[1]).__name__ == type(j[1]).__name__, (p[1], j[1])
  if "float16" not in name:  # The oracle's message there is a tuple with a KeyError.
    assert str(p[1]) == str(j[1]), (p[1], j[1])


def test_empty_matrices():
  # The oracle fails on these with an IndexError from its own indexing; empty results are the
  # meaningful answer.
  empty = np.zeros((0, 0), np.float32)
  assert psl.sqrtm(empty).shape == (0, 0) and psl.sqrtm(empty).dtype == np.complex64
  assert psl.funm(empty, pjnp.exp).shape == (0, 0)
  assert [x.shape for x in psl.rsf2csf(empty, empty)] == [(0, 0), (0, 0)]
  x = psl.solve_sylvester(empty, np.eye(2, dtype=np.float32), np.zeros((0, 2), np.float32))
  assert x.shape == (0, 2) and x.dtype == np.float32
