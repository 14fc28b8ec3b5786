"""`pyjax.scipy.linalg` against the oracle's `jax.scipy.linalg` (jax 0.10.2): values and dtypes
of the solvers, factorizations, `expm` and the special matrices, error classes and
derivatives."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import pyjax  # noqa: E402
import pyjax.scipy.linalg as psl  # noqa: E402

from case_tables import CaseTable  # noqa: E402
from oracle_util import outcome  # noqa: E402

RNG = np.random.default_rng(99)


def random(shape, dtype=np.float32):
  x = RNG.standard_normal(shape)
  if np.dtype(dtype).kind == "c":
    x = x + 1j * RNG.standard_normal(shape)
  return x.astype(dtype)


A = (random((2, 4, 4)) + 4 * np.eye(4)).astype(np.float32)
B = random((2, 4, 3))
V = random((4,))
SPD = (A @ np.swapaxes(A, -1, -2) + np.eye(4)).astype(np.float32)
C = (random((4, 4), np.complex64) + 4 * np.eye(4)).astype(np.complex64)
TALL = random((5, 3))
SMALL = (random((4, 4)) / 2).astype(np.float32)
TOL = (5e-4, 5e-5)


CASES = {
    "solve_triangular": lambda L: L.scipy.solve_triangular(A, B, lower=True),
    "solve_triangular_vector_T": lambda L: L.scipy.solve_triangular(
        A[0], V, trans="T", unit_diagonal=True),
    "solve_triangular_C": lambda L: L.scipy.solve_triangular(C, B[0], trans=2),
    "solve_triangular_1": lambda L: L.scipy.solve_triangular(A[0], B[0], trans=1, lower=True),
    "solve_triangular_broadcast": lambda L: L.scipy.solve_triangular(A[0], B),
    "cho_solve_upper": lambda L: L.scipy.cho_solve(L.scipy.cho_factor(SPD), B),
    "cho_solve_lower_vector": lambda L: L.scipy.cho_solve(
        L.scipy.cho_factor(SPD[0], lower=True), V),
    "cho_factor": lambda L: L.scipy.cho_factor(SPD, lower=True)[0],
    "cholesky_upper": lambda L: L.scipy.cholesky(SPD),
    "cholesky_lower_complex": lambda L: L.scipy.cholesky(C @ C.conj().T, lower=True),
    "lu": lambda L: L.scipy.lu(A[0]),
    "lu_tall": lambda L: L.scipy.lu(TALL),
    "lu_wide_permute_l": lambda L: L.scipy.lu(TALL.T, permute_l=True),
    "lu_factor": lambda L: L.scipy.lu_factor(A),
    "lu_solve": lambda L: L.scipy.lu_solve(L.scipy.lu_factor(A[0]), B[0]),
    "lu_solve_vector_trans1": lambda L: L.scipy.lu_solve(L.scipy.lu_factor(A[0]), V, trans=1),
    "lu_solve_trans2": lambda L: L.scipy.lu_solve(L.scipy.lu_factor(C), B[0], trans=2),
    "lu_solve_batched": lambda L: L.scipy.lu_solve(L.scipy.lu_factor(A), B),
    "expm": lambda L: L.scipy.expm(SMALL),
    "expm_pade3": lambda L: L.scipy.expm(SMALL / 10),
    "expm_pade5": lambda L: L.scipy.expm(SMALL * 0.7),
    "expm_squarings": lambda L: L.scipy.expm(A[0] * 2),
    "expm_batched": lambda L: L.scipy.expm(A / 4),
    "expm_complex": lambda L: L.scipy.expm(C / 8),
    "expm_upper_triangular": lambda L: L.scipy.expm(np.triu(SMALL), upper_triangular=True),
    "expm_too_many_squarings": lambda L: L.scipy.expm(A[0] * 1e6, max_squarings=4),
    "expm_int": lambda L: L.scipy.expm(np.eye(3, dtype=np.int32)),
    "expm_frechet": lambda L: L.scipy.expm_frechet(SMALL, B[0, :, :1] @ B[1, :, :1].T),
    "expm_frechet_only": lambda L: L.scipy.expm_frechet(SMALL, SMALL.T, compute_expm=False),
    "block_diag": lambda L: L.scipy.block_diag(A[0], V, 2.0, B[1]),
    "block_diag_int_complex": lambda L: L.scipy.block_diag(np.ones((2, 2), np.int32), C),
    "block_diag_empty": lambda L: L.scipy.block_diag(),
    "inv": lambda L: L.scipy.inv(A),
    "det": lambda L: L.scipy.det(A),
    "eigh_values": lambda L: L.scipy.eigh(SPD[0], eigvals_only=True),
    "eigh_values_upper": lambda L: L.scipy.eigh(A[0], lower=False, eigvals_only=True),
    "svd_values": lambda L: L.scipy.svd(B, compute_uv=False),
    "qr_r": lambda L: L.scipy.qr(TALL, mode="r"),
    "qr_full": lambda L: L.scipy.qr(TALL),
    "qr_economic": lambda L: L.scipy.qr(TALL, mode="economic"),
    "qr_pivoting": lambda L: L.scipy.qr(TALL, pivoting=True, mode="economic"),
    "solve": lambda L: L.scipy.solve(A, B),
    "solve_sym": lambda L: L.scipy.solve(SPD[0], V, assume_a="sym"),
    "solve_pos": lambda L: L.scipy.solve(SPD, B, assume_a="pos"),
    "solve_pos_lower_vector": lambda L: L.scipy.solve(SPD[0], V, assume_a="pos", lower=True),
    "polar_svd": lambda L: L.scipy.polar(TALL, method="svd"),
    "polar_left_svd": lambda L: L.scipy.polar(TALL.T, side="left", method="svd"),
    "polar_qdwh": lambda L: L.scipy.polar(TALL),
    "polar_qdwh_left": lambda L: L.scipy.polar(TALL.T, side="left"),
    "polar_qdwh_batched": lambda L: L.scipy.polar(B),
    "polar_qdwh_square": lambda L: L.scipy.polar(A[0]),
    "polar_qdwh_complex": lambda L: L.scipy.polar(C[:, :3]),
    "polar_batched": lambda L: L.scipy.polar(A, method="svd"),
    "toeplitz": lambda L: L.scipy.toeplitz(V, V[:3] + 1),
    "toeplitz_complex": lambda L: L.scipy.toeplitz(V + 1j),
    "toeplitz_batched": lambda L: L.scipy.toeplitz(B[:, :, 0], B[:, :2, 1]),
    "toeplitz_scalar": lambda L: L.scipy.toeplitz(np.float32(3.0)),
    "hankel": lambda L: L.scipy.hankel(V, V[:3] + 1),
    "hankel_default": lambda L: L.scipy.hankel(V),
    "hankel_batched": lambda L: L.scipy.hankel(B[:, :, 0], V[:2]),
    "circulant": lambda L: L.scipy.circulant(V),
    "circulant_batched": lambda L: L.scipy.circulant(B[..., 0]),
    "leslie": lambda L: L.scipy.leslie(V, V[:3]),
    "leslie_int": lambda L: L.scipy.leslie(np.arange(3), np.ones(2, np.float32)),
    "companion": lambda L: L.scipy.companion(V),
    "companion_int": lambda L: L.scipy.companion(np.arange(1, 5)),
    "fiedler": lambda L: L.scipy.fiedler(V),
    "fiedler_int": lambda L: L.scipy.fiedler(np.arange(4)),
    "convolution_matrix_full": lambda L: L.scipy.convolution_matrix(V, 5),
    "convolution_matrix_same": lambda L: L.scipy.convolution_matrix(V, 6, "same"),
    "convolution_matrix_valid": lambda L: L.scipy.convolution_matrix(V, 3, "valid"),
    "hilbert": lambda L: L.scipy.hilbert(4),
    "invhilbert": lambda L: L.scipy.invhilbert(4),
    "pascal": lambda L: L.scipy.pascal(5),
    "pascal_lower": lambda L: L.scipy.pascal(5, "lower"),
    "pascal_upper": lambda L: L.scipy.pascal(4, "upper"),
    "invpascal": lambda L: L.scipy.invpascal(4),
    "invpascal_lower": lambda L: L.scipy.invpascal(4, "lower"),
    "helmert": lambda L: L.scipy.helmert(4),
    "helmert_full": lambda L: L.scipy.helmert(4, full=True),
    "hadamard": lambda L: L.scipy.hadamard(4),
    "hadamard_float": lambda L: L.scipy.hadamard(8, dtype=np.float32),
    "dft": lambda L: L.scipy.dft(5),
    "dft_sqrtn": lambda L: L.scipy.dft(4, "sqrtn"),
    "dft_n": lambda L: L.scipy.dft(4, "n"),
    "eigh_tridiagonal_values": lambda L: L.scipy.eigh_tridiagonal(V, V[:3], eigvals_only=True),
    "eigh_tridiagonal_index": lambda L: L.scipy.eigh_tridiagonal(
        V, V[:3], eigvals_only=True, select="i", select_range=(1, 2)),
}

TABLE = CaseTable(CASES)


@pytest.mark.parametrize("name", list(TABLE))
def test_scipy_linalg(name):
  TABLE.check(name, TOL)


def test_decompositions_reconstruct():
  p, l, u = psl.lu(TALL)
  np.testing.assert_allclose(np.asarray(p @ l @ u), TALL, rtol=1e-5, atol=1e-5)
  w, v = psl.eigh(SPD[0])
  np.testing.assert_allclose(np.asarray((v * w) @ v.T), SPD[0], rtol=1e-4, atol=1e-4)
  u, s, vh = psl.svd(TALL, full_matrices=False)
  np.testing.assert_allclose(np.asarray((u * s) @ vh), TALL, rtol=1e-5, atol=1e-5)
  q, r, p = psl.qr(TALL, pivoting=True)
  np.testing.assert_allclose(np.asarray(q @ r), TALL[:, np.asarray(p)], rtol=1e-5, atol=1e-5)
  unitary, posdef = psl.polar(TALL)
  np.testing.assert_allclose(np.asarray(unitary @ posdef), TALL, rtol=1e-5, atol=1e-5)
  d, e = V, V[:3]
  w, v = psl.eigh_tridiagonal(d, e)
  dense = np.diag(d) + np.diag(e, 1) + np.diag(e, -1)
  np.testing.assert_allclose(np.asarray(v @ np.diag(w) @ v.T), dense, rtol=1e-4, atol=1e-4)


def test_polar_qdwh_takes_eps():
  # Deliberately unlike JAX 0.10, whose jitted polar traces `eps` and then refuses it: pyjax
  # passes eps to lax.linalg.qdwh, where a looser tolerance still gives a polar decomposition.
  import jax.scipy.linalg  # noqa: F401
  assert outcome(lambda: jax.scipy.linalg.polar(TALL, eps=1e-3))[0] == "raise"
  unitary, posdef = psl.polar(TALL, eps=1e-3)
  exact_unitary, _ = psl.polar(TALL)
  np.testing.assert_allclose(np.asarray(unitary), np.asarray(exact_unitary), atol=1e-5)
  np.testing.assert_allclose(np.asarray(unitary @ posdef), TALL, rtol=1e-5, atol=1e-5)


ERRORS = {
    "solve_triangular_trans": lambda s: s.solve_triangular(A[0], V, trans=3),
    "solve_triangular_shapes": lambda s: s.solve_triangular(A[0], np.ones(3)),
    "solve_assume_a": lambda s: s.solve(A[0], V, assume_a="diag"),
    "solve_pos_shapes": lambda s: s.solve(A[0], np.ones(3), assume_a="pos"),
    "eigh_b": lambda s: s.eigh(A[0], A[0]),
    "eigh_type": lambda s: s.eigh(A[0], type=2),
    "qr_mode": lambda s: s.qr(A[0], mode="raw"),
    "expm_nonsquare": lambda s: s.expm(B[0]),
    "expm_frechet_shapes": lambda s: s.expm_frechet(A[0], A[0, :3, :3]),
    "block_diag_3d": lambda s: s.block_diag(A),
    "polar_side": lambda s: s.polar(A[0], side="top"),
    "polar_method": lambda s: s.polar(A[0], method="newton"),
    "polar_qdwh_wide_right": lambda s: s.polar(TALL.T),
    "polar_qdwh_square_left": lambda s: s.polar(A[0], side="left"),
    "polar_1d": lambda s: s.polar(V),
    "hankel_scalar": lambda s: s.hankel(2.0),
    "leslie_short": lambda s: s.leslie(V[:1], V[:0]),
    "leslie_lengths": lambda s: s.leslie(V, V),
    "companion_short": lambda s: s.companion(V[:1]),
    "convolution_matrix_n": lambda s: s.convolution_matrix(V, 0),
    "convolution_matrix_mode": lambda s: s.convolution_matrix(V, 3, "wrap"),
    "pascal_kind": lambda s: s.pascal(3, "diagonal"),
    "helmert_n": lambda s: s.helmert(0),
    "hadamard_n": lambda s: s.hadamard(6),
    "dft_scale": lambda s: s.dft(3, "m"),
    "dft_dtype": lambda s: s.dft(3, dtype=np.float32),
    "eigh_tridiagonal_dtypes": lambda s: s.eigh_tridiagonal(V, V[:3].astype(np.int32)),
    "eigh_tridiagonal_select_v": lambda s: s.eigh_tridiagonal(V, V[:3], select="v"),
    "eigh_tridiagonal_range": lambda s: s.eigh_tridiagonal(V, V[:3], select="i"),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors(name):
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    p = outcome(ERRORS[name], psl)
    j = outcome(ERRORS[name], jax.scipy.linalg)
  assert p[0] == j[0] == "raise", (p, j)
  assert type(p[1]).__name__ == type(j[1]).__name__, (p[1], j[1])


def test_deprecated_batched_vector_solve_warns():
  with pytest.warns(FutureWarning):
    psl.solve_triangular(A, B[..., 0], lower=True)


GRADS = CaseTable({
    "solve_triangular": lambda L: L.top.grad(
        lambda a, b: (L.scipy.solve_triangular(a, b, lower=True) ** 2).sum(), (0, 1))(A[0], B[0]),
    "cho_solve": lambda L: L.top.grad(
        lambda a: L.scipy.cho_solve(L.scipy.cho_factor(a), V).sum())(SPD[0]),
    "lu_solve": lambda L: L.top.grad(
        lambda a, b: L.scipy.lu_solve(L.scipy.lu_factor(a), b).sum(), (0, 1))(A[0], B[0]),
    "solve_pos": lambda L: L.top.grad(
        lambda a: L.scipy.solve(a, V, assume_a="pos").sum())(SPD[0]),
    "expm": lambda L: L.top.grad(lambda a: (L.scipy.expm(a) * SMALL).sum())(SMALL),
    "lu": lambda L: L.top.grad(lambda a: (L.scipy.lu(a)[1] + L.scipy.lu(a)[2]).sum())(A[0]),
    "polar": lambda L: L.top.grad(lambda a: L.scipy.polar(a, method="svd")[1].sum())(TALL),
    "toeplitz": lambda L: L.top.grad(lambda c: (L.scipy.toeplitz(c, c[::-1]) * A[0]).sum())(V),
    "block_diag": lambda L: L.top.grad(lambda a: (L.scipy.block_diag(a, a) ** 2).sum())(V),
})


@pytest.mark.parametrize("name", list(GRADS))
def test_derivatives(name):
  GRADS.check(name, (2e-3, 2e-4))


def test_pyjax_scipy_namespace():
  assert pyjax.scipy.linalg is psl
