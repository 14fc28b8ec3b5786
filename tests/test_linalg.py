"""`pyjax.lax.linalg` and `pyjax.numpy.linalg` against the oracle (jax 0.10.2): staged programs
of the primitives (names and params), result dtypes/shapes/weak types, values (directly where
LAPACK's conventions fix them, through reconstructions where signs or phases are free), JAX's
results for singular and failing inputs, error classes, gradients and vmap."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jjnp  # noqa: E402
from jax.lax import linalg as jlinalg  # noqa: E402

import pyjax  # noqa: E402
import pyjax.numpy as pjnp  # noqa: E402
from pyjax.lax import linalg as plinalg  # noqa: E402

from case_tables import CaseTable  # noqa: E402
from oracle_util import assert_same_outcome, check_staged, outcome, x64  # noqa: E402

RNG = np.random.default_rng(1234)

TOL = {np.dtype(np.float32): (2e-4, 2e-5), np.dtype(np.complex64): (2e-4, 2e-5),
       np.dtype(np.float64): (1e-9, 1e-11), np.dtype(np.complex128): (1e-9, 1e-11)}

DTYPES = [pytest.param(np.float32, False, id="float32"),
          pytest.param(np.complex64, False, id="complex64"),
          pytest.param(np.float64, True, id="float64"),
          pytest.param(np.complex128, True, id="complex128")]


def tol(dtype):
  return TOL[np.dtype(dtype)]


def random(shape, dtype=np.float32):
  dtype = np.dtype(dtype)
  x = RNG.standard_normal(shape)
  if dtype.kind == "c":
    x = x + 1j * RNG.standard_normal(shape)
  return x.astype(dtype)


def well_conditioned(shape, dtype=np.float32):
  n = shape[-1]
  return (random(shape, dtype) + n * np.eye(n)).astype(dtype)


def hermitian_positive(shape, dtype=np.float32):
  a = random(shape, dtype)
  return (a @ np.conj(np.swapaxes(a, -1, -2)) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def both(fn_p, fn_j, *args, tolerance=None, **kwargs):
  """Run a case in pyjax and the oracle; assert the same outcome (values within `tolerance`)."""
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    p = outcome(fn_p, *args, **kwargs)
    j = outcome(fn_j, *args, **kwargs)
  assert_same_outcome(p, j, tolerance)
  return p[1], j[1]


def H(x):
  return np.conj(np.swapaxes(np.asarray(x), -1, -2))


def close(actual, expected, dtype, scale=1.0):
  rtol, atol = tol(dtype)
  np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=rtol,
                             atol=atol * scale)


# ------------------------------------------------------------------------------------------------
# Staged programs of the lax.linalg primitives print as JAX prints them


STAGED = {
    "cholesky": lambda m: m.cholesky,
    "cholesky_no_symmetrize": lambda m: lambda x: m.cholesky(x, symmetrize_input=False),
    "eigh": lambda m: m.eigh,
    "eigh_upper": lambda m: lambda x: m.eigh(x, lower=False, symmetrize_input=False),
    "svd": lambda m: m.svd,
    "svd_reduced": lambda m: lambda x: m.svd(x, full_matrices=False),
    "svd_values": lambda m: lambda x: m.svd(x, compute_uv=False),
    "qr": lambda m: m.qr,
    "qr_reduced": lambda m: lambda x: m.qr(x, full_matrices=False),
    "lu": lambda m: m.lu,
    "eig": lambda m: m.eig,
    "eig_values": lambda m: lambda x: m.eig(x, compute_left_eigenvectors=False,
                                            compute_right_eigenvectors=False),
    "triangular_solve": lambda m: lambda x: m.triangular_solve(x, x[..., :2], left_side=True,
                                                               lower=True),
    "triangular_solve_right": lambda m: lambda x: m.triangular_solve(
        x, x[..., :2, :], transpose_a=True, conjugate_a=True, unit_diagonal=True),
    "lu_pivots_to_permutation": lambda m: lambda x: m.lu_pivots_to_permutation(
        m.lu(x)[1], 5),
}


@pytest.mark.parametrize("name", sorted(STAGED))
def test_staged_program_text(name):
  x = random((3, 3), np.float32)
  p = str(pyjax.make_jaxpr(STAGED[name](plinalg))(x))
  j = str(jax.make_jaxpr(STAGED[name](jlinalg))(x))
  assert p == j


@pytest.mark.parametrize("name", ["cholesky", "eigh", "svd", "qr", "lu", "triangular_solve"])
def test_staged_program_evaluates_to_eager(name):
  x = hermitian_positive((2, 3, 3))
  fn = STAGED[name](plinalg)
  check_staged(fn, (x,), fn(x))


# ------------------------------------------------------------------------------------------------
# lax.linalg: dtypes, shapes and values, in each dtype. Where signs or phases are free
# (eigenvectors, singular vectors) the cases compare reconstructions and invariants.


def _mT(L, x):
  return L.np.swapaxes(x, -1, -2)


def _conj_mT(L, x):
  return L.np.conj(_mT(L, x))


def _svd_reconstruction(L, a, full_matrices):
  u, s, vh = L.linalg.svd(a, full_matrices=full_matrices)
  k = s.shape[-1]
  return (u[..., :k] * s[..., None, :].astype(u.dtype)) @ vh[..., :k, :]


def _eigh_reconstruction(L, a):
  v, w = L.linalg.eigh(a)
  return (v * w[..., None, :].astype(v.dtype)) @ _conj_mT(L, v), _conj_mT(L, v) @ v


def _eig_residuals(L, a):
  w, vl, vr = L.linalg.eig(a)
  right = a.astype(vr.dtype) @ vr - vr * w[..., None, :]
  left = _conj_mT(L, vl) @ a.astype(vl.dtype) - w[..., :, None] * _conj_mT(L, vl)
  norms = L.np.sqrt(L.np.sum(L.np.abs(vr) ** 2, axis=-2))
  return right, left, norms, w


TRIANGULAR_FLAGS = [
    dict(left_side=True, lower=True),
    dict(left_side=True, lower=False, transpose_a=True),
    dict(left_side=False, lower=True, unit_diagonal=True),
    dict(left_side=False, lower=False, transpose_a=True, conjugate_a=True),
    dict(left_side=True, lower=True, transpose_a=False, conjugate_a=True),
]


def lax_cases(dtype):
  spd = hermitian_positive((2, 4, 4), dtype)
  square = random((3, 4, 4), dtype)
  nested = random((2, 1, 3, 3), dtype)
  tall, wide = random((2, 5, 3), dtype), random((3, 5), dtype)
  tri = well_conditioned((2, 4, 4), dtype)
  rhs_left, rhs_right = random((2, 4, 3), dtype), random((2, 3, 4), dtype)
  cases = {
      "cholesky": lambda L: L.linalg.cholesky(spd),
      "cholesky_primitive": lambda L: L.linalg.cholesky_p.bind(spd),
      "cholesky_reconstruction": lambda L: (lambda c: c @ _conj_mT(L, c))(L.linalg.cholesky(spd)),
      "eigh_values": lambda L: L.linalg.eigh(spd)[1],
      "eigh_reconstruction": lambda L: _eigh_reconstruction(L, spd),
      "eigh_avals": lambda L: L.linalg.eigh(spd),
      "eig_values_only": lambda L: L.linalg.eig(square, compute_left_eigenvectors=False,
                                                compute_right_eigenvectors=False)[0],
      "eig_residuals": lambda L: _eig_residuals(L, square),
      "svd_values": lambda L: L.linalg.svd(tall, compute_uv=False),
      "svd_values_wide": lambda L: L.linalg.svd(wide, compute_uv=False),
      "svd_reconstruction": lambda L: _svd_reconstruction(L, tall, True),
      "svd_reconstruction_reduced": lambda L: _svd_reconstruction(L, wide, False),
      "svd_avals": lambda L: L.linalg.svd(tall),
      "svd_avals_reduced": lambda L: L.linalg.svd(wide, full_matrices=False),
  }
  for name, x in (("square", square), ("nested", nested), ("tall", tall), ("wide", wide)):
    cases[f"lu_{name}"] = lambda L, x=x: L.linalg.lu(x)
    for full in (True, False):
      cases[f"qr_{name}_{'full' if full else 'reduced'}"] = (
          lambda L, x=x, full=full: L.linalg.qr(x, full_matrices=full))
  for flags in TRIANGULAR_FLAGS:
    name = "triangular_" + "_".join(k for k, v in flags.items() if v)
    rhs = rhs_left if flags["left_side"] else rhs_right
    cases[name] = lambda L, flags=flags, rhs=rhs: L.linalg.triangular_solve(tri, rhs, **flags)
  return cases


LAX_TABLES = {np.dtype(d).name: CaseTable(lax_cases(d), enable_x64=d in (np.float64, np.complex128))
              for d in (np.float32, np.complex64, np.float64, np.complex128)}


@pytest.mark.parametrize("dtype,name", [(d, n) for d, t in LAX_TABLES.items() for n in t])
def test_lax_linalg(dtype, name):
  table = LAX_TABLES[dtype]
  if name.endswith("_avals"):  # outputs with free signs: compare types only
    p, j = table.pyjax(name), table.oracle(name)
    assert p[0] == j[0] == "ok"
    for x, y in zip(p[1], j[1]):
      assert (x.dtype, x.shape, x.weak_type) == (y.dtype, y.shape, False)
    return
  scale = 10 if "reconstruction" in name or "residual" in name else 1
  rtol, atol = tol(dtype)
  table.check(name, (rtol, atol * scale))


SPECIAL = np.array([[1., 2., 3., 4.], [2., 4., 6., 8.], [0., 1., 0., 1.], [1., 0., 1., 0.]],
                   np.float32)
NONFINITE = np.array([[1., np.nan], [np.nan, 1.]], np.float32)

LAX_SPECIAL = CaseTable({
    "cholesky_indefinite": lambda L: L.linalg.cholesky(np.array(
        [[[4., 2.], [2., 3.]], [[1., 2.], [2., 1.]]], np.float32)),
    "cholesky_indefinite_primitive": lambda L: L.linalg.cholesky_p.bind(np.array(
        [[[4., 2.], [2., 3.]], [[1., 2.], [2., 1.]]], np.float32)),
    "lu_zeros": lambda L: L.linalg.lu(np.zeros((3, 3), np.float32)),
    "lu_singular": lambda L: L.linalg.lu(SPECIAL),
    "lu_singular_2x2": lambda L: L.linalg.lu(np.array([[1., 2.], [2., 4.]], np.float32)),
    "lu_singular_wide": lambda L: L.linalg.lu(np.array([[1., 2., 3.], [2., 4., 5.]], np.float32)),
    "lu_tall": lambda L: L.linalg.lu(np.array([[1., 2.], [3., 5.], [2., 4.]], np.float32)),
    "lu_empty_rows": lambda L: L.linalg.lu(np.ones((0, 3), np.float32)),
    "lu_empty_columns": lambda L: L.linalg.lu(np.ones((3, 0), np.float32)),
    "lu_pivots_to_permutation": lambda L: L.linalg.lu_pivots_to_permutation(
        np.array([[2, 2, 3], [0, 2, 2]], np.int32), 5),
    "lu_pivots_to_permutation_short": lambda L: L.linalg.lu_pivots_to_permutation(
        np.array([[1, 1], [0, 1]], np.int32), 2),
    "svd_empty_full": lambda L: L.linalg.svd(np.ones((0, 3), np.float32)),
    "svd_empty_reduced": lambda L: L.linalg.svd(np.ones((3, 0), np.float32),
                                                full_matrices=False),
    "svd_empty_batch": lambda L: L.linalg.svd(np.ones((2, 0, 0), np.float32)),
    "eigh_nonfinite": lambda L: L.linalg.eigh(NONFINITE),
    "svd_nonfinite": lambda L: L.linalg.svd(NONFINITE),
    "eig_nonfinite": lambda L: L.linalg.eig(NONFINITE),
    "qr_nonfinite": lambda L: L.linalg.qr(NONFINITE),
    "eigh_upper_triangle": lambda L: L.linalg.eigh(SPECIAL, lower=False,
                                                   symmetrize_input=False)[1],
    "triangular_vector": lambda L: L.linalg.triangular_solve(
        random_4x4 + 4 * np.eye(4, dtype=np.float32), np.arange(4.0, dtype=np.float32),
        left_side=True, lower=True),
    "triangular_float16": lambda L: L.linalg.triangular_solve(
        np.eye(3, dtype=np.float16) * 2 + 1, np.ones((3, 2), np.float16), left_side=True),
    "triangular_singular": lambda L: L.linalg.triangular_solve(
        np.array([[0., 0.], [1., 1.]], np.float32), np.ones((2, 2), np.float32),
        left_side=True, lower=True),
    "symmetric_product": lambda L: L.linalg.symmetric_product(
        random_3x4, spd_3x3, alpha=2., beta=0.5, symmetrize_output=True),
    "tridiagonal_solve": lambda L: L.linalg.tridiagonal_solve(*tridiagonal_system),
    "qr_pivoting_square": lambda L: L.linalg.qr(random_4x4, pivoting=True),
    "qr_pivoting_tall": lambda L: L.linalg.qr(random_5x3, pivoting=True, full_matrices=False),
    "qr_pivoting_wide": lambda L: L.linalg.qr(random_5x3.T, pivoting=True),
})
random_3x4, spd_3x3 = random((2, 3, 4)), hermitian_positive((2, 3, 3))
random_4x4, random_5x3 = random((4, 4)), random((5, 3))
tridiagonal_system = [random((2, 5)) for _ in range(3)] + [random((2, 5, 3))]
tridiagonal_system[0][:, 0] = tridiagonal_system[2][:, -1] = 0


@pytest.mark.parametrize("name", list(LAX_SPECIAL))
def test_lax_linalg_special_inputs(name):
  LAX_SPECIAL.check(name, (1e-3, 1e-4))


def test_cholesky_failure_gives_nans_for_that_matrix_only():
  out = np.asarray(plinalg.cholesky(np.array([[[4., 2.], [2., 3.]], [[1., 2.], [2., 1.]]],
                                             np.float32)))
  assert np.isfinite(out[0]).all() and np.isnan(out[1][:, 0]).all()


ERROR_CASES = {
    "cholesky_rank1": (lambda m: m.cholesky_p.bind, (np.ones(3, np.float32),)),
    "cholesky_int": (lambda m: m.cholesky_p.bind, (np.ones((3, 3), np.int32),)),
    "cholesky_nonsquare": (lambda m: m.cholesky_p.bind, (np.ones((3, 4), np.float32),)),
    "cholesky_float16": (lambda m: m.cholesky, (np.eye(3, dtype=np.float16),)),
    "cholesky_scalar": (lambda m: m.cholesky, (np.float32(2),)),
    "cholesky_wrapper_nonsquare": (lambda m: m.cholesky, (np.ones((3, 4), np.float32),)),
    "lu_rank0": (lambda m: m.lu, (np.float32(1),)),
    "lu_int": (lambda m: m.lu, (np.ones((3, 3), np.int32),)),
    "qr_rank1": (lambda m: m.qr, (np.ones(3, np.float32),)),
    "svd_bool": (lambda m: m.svd, (np.ones((3, 3), bool),)),
    "svd_subset_full": (lambda m: lambda x: m.svd(x, subset_by_index=(0, 2)), (np.eye(3),)),
    "svd_subset": (lambda m: lambda x: m.svd(x, subset_by_index=(0, 2), full_matrices=False),
                   (np.eye(3),)),
    "eigh_nonsquare": (lambda m: lambda x: m.eigh(x, symmetrize_input=False),
                       (np.ones((3, 4), np.float32),)),
    "eigh_subset": (lambda m: lambda x: m.eigh(x, subset_by_index=(0, 2)), (np.eye(3),)),
    "eig_nonsquare": (lambda m: m.eig, (np.ones((3, 4), np.float32),)),
    "tri_batch_dims": (lambda m: m.triangular_solve,
                       (np.ones((3, 3), np.float32), np.ones((2, 3, 3), np.float32))),
    "tri_incompatible": (lambda m: lambda a, b: m.triangular_solve(a, b, left_side=True),
                         (np.eye(3, dtype=np.float32), np.ones((4, 3), np.float32))),
    "tri_nonsquare": (lambda m: lambda a, b: m.triangular_solve(a, b, left_side=True),
                      (np.ones((3, 4), np.float32), np.ones((3, 4), np.float32))),
    "tri_int": (lambda m: lambda a, b: m.triangular_solve(a, b, left_side=True),
                (np.ones((3, 3), np.int32), np.ones((3, 3), np.int32))),
    "pivots_too_long": (lambda m: lambda p: m.lu_pivots_to_permutation(p, 2),
                        (np.zeros(3, np.int32),)),
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_errors(name):
  make, args = ERROR_CASES[name]
  p, j = both(make(plinalg), make(jlinalg), *args)
  assert isinstance(j, Exception), f"the oracle returned {j!r}"


def test_mixed_dtypes_error_in_x64():
  with x64(True):
    _, j = both(plinalg.triangular_solve, jlinalg.triangular_solve, np.eye(3, dtype=np.float32),
                np.ones((3, 3)))
  assert isinstance(j, TypeError)


# ------------------------------------------------------------------------------------------------
# jnp.linalg


A = well_conditioned((2, 4, 4))
B = random((2, 4, 3))
V = random((4,))
SPD = hermitian_positive((2, 4, 4))
SINGULAR = np.array([[1., 2., 3., 4.], [2., 4., 6., 8.], [0., 1., 0., 1.], [1., 0., 1., 0.]],
                    np.float32)

JNP_CASES = {
    "det": lambda m: m.linalg.det(A),
    "det_2x2": lambda m: m.linalg.det(A[:, :2, :2]),
    "det_3x3": lambda m: m.linalg.det(A[:, :3, :3]),
    "det_5x5": lambda m: m.linalg.det(well_conditioned_5),
    "det_singular": lambda m: m.linalg.det(SINGULAR),
    "det_singular_5x5": lambda m: m.linalg.det(np.zeros((5, 5), np.float32)),
    "det_int": lambda m: m.linalg.det(np.arange(16).reshape(4, 4) % 5),
    "slogdet": lambda m: tuple(m.linalg.slogdet(A)),
    "slogdet_1x1": lambda m: tuple(m.linalg.slogdet(A[:, :1, :1])),
    "slogdet_singular": lambda m: tuple(m.linalg.slogdet(SINGULAR)),
    "slogdet_qr": lambda m: tuple(m.linalg.slogdet(A, method="qr")),
    "slogdet_complex": lambda m: tuple(m.linalg.slogdet(complex_matrix)),
    "inv": lambda m: m.linalg.inv(A),
    "inv_int": lambda m: m.linalg.inv(2 * np.eye(3, dtype=np.int32)),
    "inv_singular_2x2": lambda m: m.linalg.inv(np.array([[1., 2.], [2., 4.]], np.float32)),
    "inv_zeros": lambda m: m.linalg.inv(np.zeros((3, 3), np.float32)),
    "solve": lambda m: m.linalg.solve(A, B),
    "solve_vector": lambda m: m.linalg.solve(A[0], V),
    "solve_batched_vector": lambda m: m.linalg.solve(A, V),
    "solve_broadcast": lambda m: m.linalg.solve(A[0], B),
    "solve_complex": lambda m: m.linalg.solve(complex_matrix, B[0]),
    "cholesky": lambda m: m.linalg.cholesky(SPD),
    "cholesky_upper": lambda m: m.linalg.cholesky(SPD, upper=True),
    "eigvalsh": lambda m: m.linalg.eigvalsh(SPD),
    "eigvalsh_upper": lambda m: m.linalg.eigvalsh(A, UPLO="U"),
    "eigvals": lambda m: m.linalg.eigvals(A),
    "svdvals": lambda m: m.linalg.svdvals(B),
    "svd_values": lambda m: m.linalg.svd(B, compute_uv=False),
    "svd_hermitian_values": lambda m: m.linalg.svd(SPD - 6 * np.eye(4, dtype=np.float32),
                                                   hermitian=True, compute_uv=False),
    "qr_r": lambda m: m.linalg.qr(B, mode="r"),
    "qr_complete": lambda m: tuple(m.linalg.qr(B, mode="complete")),
    "qr_reduced": lambda m: tuple(m.linalg.qr(B)),
    "qr_raw": lambda m: tuple(m.linalg.qr(B[0], mode="raw")),
    "norm": lambda m: m.linalg.norm(A),
    "norm_keepdims": lambda m: m.linalg.norm(A, keepdims=True),
    "norm_vector_axis": lambda m: m.linalg.norm(B, axis=1),
    "norm_vector_inf": lambda m: m.linalg.norm(V, np.inf),
    "norm_vector_-inf": lambda m: m.linalg.norm(V, -np.inf),
    "norm_vector_0": lambda m: m.linalg.norm(V, 0),
    "norm_vector_1": lambda m: m.linalg.norm(V, 1),
    "norm_vector_3": lambda m: m.linalg.norm(V, 3),
    "norm_vector_-1.5": lambda m: m.linalg.norm(V, -1.5),
    "norm_fro": lambda m: m.linalg.norm(A, "fro", axis=(1, 2)),
    "norm_1": lambda m: m.linalg.norm(A, 1, axis=(1, 2)),
    "norm_-1": lambda m: m.linalg.norm(A, -1, axis=(2, 1)),
    "norm_inf_keepdims": lambda m: m.linalg.norm(A, np.inf, axis=(1, 2), keepdims=True),
    "norm_-inf": lambda m: m.linalg.norm(A, -np.inf, axis=(2, 0)),
    "norm_2": lambda m: m.linalg.norm(A, 2, axis=(1, 2)),
    "norm_-2": lambda m: m.linalg.norm(A, -2, axis=(1, 2)),
    "norm_nuc": lambda m: m.linalg.norm(A, "nuc", axis=(-2, -1), keepdims=True),
    "norm_complex": lambda m: m.linalg.norm(complex_matrix, 2, axis=0),
    "norm_int": lambda m: m.linalg.norm(np.arange(6)),
    "vector_norm": lambda m: m.linalg.vector_norm(B, axis=(0, 2), ord=1, keepdims=True),
    "matrix_norm": lambda m: m.linalg.matrix_norm(A, ord=1),
    "pinv": lambda m: m.linalg.pinv(B),
    "pinv_rtol": lambda m: m.linalg.pinv(SINGULAR, rtol=0.1),
    "pinv_hermitian": lambda m: m.linalg.pinv(SPD, hermitian=True),
    "lstsq": lambda m: m.linalg.lstsq(B[0], V),
    "lstsq_matrix": lambda m: m.linalg.lstsq(B[0].T, B[1].T[:, :2], rcond=1e-3),
    "lstsq_rank_deficient": lambda m: m.linalg.lstsq(SINGULAR, V),
    "matrix_rank": lambda m: m.linalg.matrix_rank(SINGULAR),
    "matrix_rank_batched": lambda m: m.linalg.matrix_rank(A, rtol=0.5),
    "matrix_rank_vector": lambda m: m.linalg.matrix_rank(V),
    "matrix_power_0": lambda m: m.linalg.matrix_power(A, 0),
    "matrix_power_3": lambda m: m.linalg.matrix_power(A, 3),
    "matrix_power_6": lambda m: m.linalg.matrix_power(A / 4, 6),
    "matrix_power_-2": lambda m: m.linalg.matrix_power(A, -2),
    "tensorinv": lambda m: m.linalg.tensorinv(A[0].reshape(4, 2, 2), ind=1),
    "tensorsolve": lambda m: m.linalg.tensorsolve(A[0].reshape(2, 2, 2, 2),
                                                  B[0, :, 0].reshape(2, 2)),
    "multi_dot": lambda m: m.linalg.multi_dot([V, A[0], A[1], B[0]]),
    "multi_dot_matrices": lambda m: m.linalg.multi_dot([B[0].T, A[0], B[1]]),
    "multi_dot_single_array": lambda m: m.linalg.multi_dot([np.eye(2, dtype=np.float32)]),
    "cross": lambda m: m.linalg.cross(B, B[::-1] + 1),
    "cross_axis": lambda m: m.linalg.cross(B[0, :3], B[1, :3], axis=0),
    "outer": lambda m: m.linalg.outer(V, np.arange(3)),
    "trace": lambda m: m.linalg.trace(A),
    "trace_offset": lambda m: m.linalg.trace(B, offset=-1),
    "trace_int": lambda m: m.linalg.trace(np.ones((3, 3), np.int8)),
    "diagonal": lambda m: m.linalg.diagonal(B, offset=1),
    "vecdot": lambda m: m.linalg.vecdot(A, A[0]),
    "vecdot_complex": lambda m: m.linalg.vecdot(complex_matrix, complex_matrix, axis=0),
    "tensordot": lambda m: m.linalg.tensordot(A, B, axes=([1], [1])),
    "tensordot_int": lambda m: m.linalg.tensordot(A[0], A[1], axes=1),
    "matmul": lambda m: m.linalg.matmul(A, B),
    "matrix_transpose": lambda m: m.linalg.matrix_transpose(B),
    "cond": lambda m: m.linalg.cond(A),
    "cond_1": lambda m: m.linalg.cond(A, 1),
    "cond_-2": lambda m: m.linalg.cond(B, -2),
    "cond_singular": lambda m: m.linalg.cond(SINGULAR, "fro"),
}
well_conditioned_5 = well_conditioned((3, 5, 5))
complex_matrix = well_conditioned((4, 4), np.complex64)


JNP_TABLE = CaseTable({name: (lambda L, fn=fn: fn(L.np)) for name, fn in JNP_CASES.items()})


@pytest.mark.parametrize("name", list(JNP_TABLE))
def test_numpy_linalg(name):
  JNP_TABLE.check(name, (5e-4, 5e-5))


def test_inv_of_singular_matrix_is_not_finite_where_the_oracle_is_not():
  p = np.asarray(pjnp.linalg.inv(SINGULAR))
  j = np.asarray(jjnp.linalg.inv(SINGULAR))
  np.testing.assert_array_equal(np.isfinite(p), np.isfinite(j))


@pytest.mark.parametrize("dtype,enable_x64", DTYPES)
def test_numpy_decompositions_reconstruct(dtype, enable_x64):
  with x64(enable_x64):
    a = random((2, 4, 4), dtype)
    w, v = pjnp.linalg.eigh(a)
    sym = (a + H(a)) / 2
    close(np.asarray(v) @ (np.asarray(w)[..., None] * H(v)), sym, dtype, 10)
    u, s, vh = pjnp.linalg.svd(a, full_matrices=False)
    close((np.asarray(u) * np.asarray(s)[..., None, :]) @ np.asarray(vh), a, dtype, 10)
    w, v = pjnp.linalg.eig(a)
    close(a @ np.asarray(v), np.asarray(v) * np.asarray(w)[..., None, :], dtype, 10)
    u, s, vh = pjnp.linalg.svd(sym, hermitian=True)
    close((np.asarray(u) * np.asarray(s)[..., None, :]) @ np.asarray(vh), sym, dtype, 10)
    assert (np.diff(np.asarray(s), axis=-1) <= 0).all()


def numpy_dtype_cases(dtype):
  a = well_conditioned((3, 3), dtype)
  return {
      "det": lambda L: L.np.linalg.det(a), "inv": lambda L: L.np.linalg.inv(a),
      "slogdet": lambda L: tuple(L.np.linalg.slogdet(a)),
      "solve": lambda L: L.np.linalg.solve(a, a[0]), "norm": lambda L: L.np.linalg.norm(a),
      "norm_2": lambda L: L.np.linalg.norm(a, 2), "eigvalsh": lambda L: L.np.linalg.eigvalsh(a),
      "svdvals": lambda L: L.np.linalg.svdvals(a), "pinv": lambda L: L.np.linalg.pinv(a),
      "cholesky": lambda L: L.np.linalg.cholesky(a @ L.np.conj(a.T)),
      "qr": lambda L: tuple(L.np.linalg.qr(a)), "matrix_rank": lambda L: L.np.linalg.matrix_rank(a),
      "eigvals": lambda L: L.np.linalg.eigvals(a), "cond": lambda L: L.np.linalg.cond(a),
  }


NUMPY_DTYPE_TABLES = {np.dtype(d).name: CaseTable(numpy_dtype_cases(d),
                                                  enable_x64=d in (np.float64, np.complex128))
                      for d in (np.float32, np.complex64, np.float64, np.complex128)}


@pytest.mark.parametrize("dtype,name", [(d, n) for d, t in NUMPY_DTYPE_TABLES.items()
                                        for n in t])
def test_numpy_linalg_dtypes(dtype, name):
  NUMPY_DTYPE_TABLES[dtype].check(name, (5e-4, 5e-5) if dtype in ("float32", "complex64")
                                  else tol(dtype))


NUMPY_ERROR_CASES = {
    "det_nonsquare": lambda m: m.linalg.det(np.ones((3, 4))),
    "det_vector": lambda m: m.linalg.det(np.ones(3)),
    "inv_nonsquare": lambda m: m.linalg.inv(np.ones((3, 4))),
    "solve_vector_a": lambda m: m.linalg.solve(np.ones(3), np.ones(3)),
    "solve_mismatch": lambda m: m.linalg.solve(np.eye(3), np.ones(4)),
    "solve_old_batched_vector": lambda m: m.linalg.solve(np.ones((2, 3, 3)), np.ones((2, 3))),
    "slogdet_nonsquare": lambda m: m.linalg.slogdet(np.ones((2, 3))),
    "slogdet_method": lambda m: m.linalg.slogdet(np.eye(3), method="svd"),
    "eigh_uplo": lambda m: m.linalg.eigh(np.eye(3), UPLO="X"),
    "qr_mode": lambda m: m.linalg.qr(np.eye(3), mode="economic"),
    "norm_ord": lambda m: m.linalg.norm(np.eye(3), ord="inf"),
    "norm_matrix_ord": lambda m: m.linalg.norm(np.eye(3), ord=3),
    "norm_axes": lambda m: m.linalg.norm(np.ones((2, 2, 2)), axis=(0, 1, 2), ord=1),
    "matrix_power_vector": lambda m: m.linalg.matrix_power(np.ones(3), 2),
    "matrix_power_nonsquare": lambda m: m.linalg.matrix_power(np.ones((2, 3)), 2),
    "matrix_power_float_exponent": lambda m: m.linalg.matrix_power(np.eye(2), 1.5),
    "matrix_rank_tol_and_rtol": lambda m: m.linalg.matrix_rank(np.eye(2), rtol=1, tol=1),
    "pinv_rtol_and_rcond": lambda m: m.linalg.pinv(np.eye(2), rtol=1, rcond=1),
    "lstsq_3d": lambda m: m.linalg.lstsq(np.ones((2, 2, 2)), np.ones((2, 2))),
    "lstsq_mismatch": lambda m: m.linalg.lstsq(np.ones((3, 2)), np.ones(2)),
    "outer_2d": lambda m: m.linalg.outer(np.ones((2, 2)), np.ones(2)),
    "cross_size": lambda m: m.linalg.cross(np.ones(2), np.ones(2)),
    "multi_dot_3d": lambda m: m.linalg.multi_dot([np.eye(2), np.ones((2, 2, 2)), np.eye(2)]),
    "multi_dot_mismatch": lambda m: m.linalg.multi_dot([np.eye(2), np.eye(3)]),
    "tensorinv_ind": lambda m: m.linalg.tensorinv(np.eye(4), ind=0),
    "tensorinv_shape": lambda m: m.linalg.tensorinv(np.ones((2, 3)), ind=1),
    "tensorsolve_shape": lambda m: m.linalg.tensorsolve(np.ones((2, 3)), np.ones(3)),
    "tensordot_axes": lambda m: m.linalg.tensordot(np.ones(3), np.ones(3), axes=2),
    "vecdot_mismatch": lambda m: m.linalg.vecdot(np.ones(3), np.ones(4)),
    "matrix_transpose_1d": lambda m: m.linalg.matrix_transpose(np.ones(3)),
    "cond_1d": lambda m: m.linalg.cond(np.ones(3)),
    "cond_empty": lambda m: m.linalg.cond(np.ones((0, 0))),
    "cond_nonsquare": lambda m: m.linalg.cond(np.ones((2, 3)), 1),
    "diagonal_1d": lambda m: m.linalg.diagonal(np.ones(3)),
    "list_input": lambda m: m.linalg.det([[1., 2.], [3., 4.]]),
    "cholesky_int8_nonsquare": lambda m: m.linalg.cholesky(np.ones((2, 3), np.int8)),
}


@pytest.mark.parametrize("name", sorted(NUMPY_ERROR_CASES))
def test_numpy_linalg_errors(name):
  fn = NUMPY_ERROR_CASES[name]
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    p, j = outcome(fn, pjnp), outcome(fn, jjnp)
  assert_same_outcome(p, j, (5e-4, 5e-5))
  assert j[0] == "raise", j


# ------------------------------------------------------------------------------------------------
# Derivatives against the oracle's


def _grad_case(fn, *args, argnums=0):
  p = pyjax.grad(lambda *xs: fn(pjnp, pyjax, *xs), argnums=argnums)(*args)
  j = jax.jit(jax.grad(lambda *xs: fn(jjnp, jax, *xs), argnums=argnums))(*args)
  for x, y in zip(jax.tree.leaves(p), jax.tree.leaves(j)):
    np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=2e-3, atol=2e-4)


SQUARE = well_conditioned((4, 4))
WEIGHTS = np.arange(16, dtype=np.float32).reshape(4, 4) / 10
SPD1 = hermitian_positive((4, 4))

GRAD_CASES = {
    "logdet": lambda m, j, x: m.linalg.slogdet(x)[1],
    "det": lambda m, j, x: m.linalg.det(x),
    "det_3x3": lambda m, j, x: m.linalg.det(x[:3, :3]),
    "inv": lambda m, j, x: (m.linalg.inv(x) * WEIGHTS).sum(),
    "solve": lambda m, j, x: (m.linalg.solve(x, x[:, :2] + 1) ** 2).sum(),
    "solve_vector": lambda m, j, x: m.linalg.solve(x, x[0]).sum(),
    "norm": lambda m, j, x: m.linalg.norm(x),
    "norm_2": lambda m, j, x: m.linalg.norm(x, 2),
    "norm_nuc": lambda m, j, x: m.linalg.norm(x, "nuc"),
    "norm_vector_3": lambda m, j, x: m.linalg.norm(x[0], 3),
    "eigvalsh": lambda m, j, x: (m.linalg.eigvalsh(x + x.T) * m.arange(4.)).sum(),
    "eigh_vectors": lambda m, j, x: (m.linalg.eigh(x + x.T)[1] ** 2 * WEIGHTS).sum(),
    "cholesky": lambda m, j, x: (m.linalg.cholesky(x @ x.T) * WEIGHTS).sum(),
    "svdvals": lambda m, j, x: (m.linalg.svd(x, compute_uv=False) * m.arange(4.)).sum(),
    "svd_vectors": lambda m, j, x: (m.linalg.svd(x)[0] ** 2 * WEIGHTS).sum(),
    "qr": lambda m, j, x: (m.linalg.qr(x)[1] * WEIGHTS).sum(),
    "qr_wide": lambda m, j, x: (m.linalg.qr(x[:2])[1] * WEIGHTS[:2]).sum(),
    "qr_tall_complete": lambda m, j, x: (m.linalg.qr(m.concatenate([x, x[:1]]),
                                                     mode="complete")[0][:4, :4] * WEIGHTS).sum(),
    "lu": lambda m, j, x: (j.lax.linalg.lu(x)[0] * WEIGHTS).sum(),
    "lu_rectangular": lambda m, j, x: (j.lax.linalg.lu(x[:, :3])[0] * WEIGHTS[:, :3]).sum(),
    "triangular_solve": lambda m, j, x: (j.lax.linalg.triangular_solve(
        x, x.T + 1, left_side=True, lower=True) * WEIGHTS).sum(),
    "triangular_solve_right_transposed": lambda m, j, x: (j.lax.linalg.triangular_solve(
        x, x + 1, transpose_a=True, unit_diagonal=True) * WEIGHTS).sum(),
    "pinv": lambda m, j, x: (m.linalg.pinv(x[:, :3]) * WEIGHTS[:3]).sum(),
    "eigvals": lambda m, j, x: m.linalg.eigvals(x).real.sum(),
    "matrix_power": lambda m, j, x: (m.linalg.matrix_power(x / 4, -3) * WEIGHTS).sum(),
    "tensorsolve": lambda m, j, x: m.linalg.tensorsolve(x.reshape(2, 2, 2, 2),
                                                        x[0].reshape(2, 2)).sum(),
    "lstsq": lambda m, j, x: m.linalg.lstsq(x[:, :3], x[:, 3])[0].sum(),
}


GRAD_TABLE = CaseTable({
    name: (lambda L, fn=fn: L.top.grad(lambda x: fn(L.np, L.top, x))(SQUARE))
    for name, fn in GRAD_CASES.items()})


@pytest.mark.parametrize("name", list(GRAD_TABLE))
def test_grad(name):
  GRAD_TABLE.check(name, (2e-3, 2e-4))


def test_grad_of_det_5x5():
  _grad_case(lambda m, j, x: m.linalg.det(x), well_conditioned((5, 5)))


def test_grad_of_solve_in_both_arguments():
  _grad_case(lambda m, j, a, b: (m.linalg.solve(a, b) * WEIGHTS[:, :2]).sum(), SQUARE,
             B[0, :, :2], argnums=(0, 1))


def test_grad_of_det_at_a_singular_matrix():
  _grad_case(lambda m, j, x: m.linalg.det(x), np.kron(np.eye(2), np.ones((2, 2))).astype(
      np.float32) + np.diag([0, 0, 0, 1]).astype(np.float32))


def test_jvp_of_eig_with_eigenvector_derivatives():
  tangent = random((4, 4))

  def fn(lib):
    return lambda x: lib.lax.linalg.eig(x, enable_eigvec_derivs=True,
                                        compute_left_eigenvectors=False)
  _, pt = pyjax.jvp(fn(pyjax), (SQUARE,), (tangent,))
  _, jt = jax.jvp(fn(jax), (SQUARE,), (tangent,))
  for x, y in zip(pt, jt):
    np.testing.assert_allclose(np.abs(np.asarray(x)), np.abs(np.asarray(y)), rtol=2e-3,
                               atol=2e-4)


def test_eig_eigenvector_derivatives_need_opt_in():
  with pytest.raises(NotImplementedError):
    pyjax.jvp(plinalg.eig, (SQUARE,), (SQUARE,))


# ------------------------------------------------------------------------------------------------
# vmap


VMAP_CASES = {
    "det": (lambda m: m.numpy.linalg.det, (0,), (well_conditioned((3, 4, 4)),)),
    "solve": (lambda m: m.numpy.linalg.solve, (0, 0),
              (well_conditioned((3, 4, 4)), random((3, 4)))),
    "solve_unbatched_matrix": (lambda m: m.numpy.linalg.solve, (None, 1),
                               (well_conditioned((4, 4)), random((4, 3, 2)))),
    "triangular_unbatched_matrix": (
        lambda m: lambda a, b: m.lax.linalg.triangular_solve(a, b, left_side=True, lower=True),
        (None, 2), (well_conditioned((4, 4)), random((4, 2, 3)))),
    "triangular_unbatched_matrix_right": (
        lambda m: lambda a, b: m.lax.linalg.triangular_solve(a, b, lower=True),
        (None, 0), (well_conditioned((4, 4)), random((3, 2, 4)))),
    "eigvalsh": (lambda m: m.numpy.linalg.eigvalsh, (1,),
                 (hermitian_positive((3, 4, 4)).transpose(1, 0, 2),)),
    "svd": (lambda m: lambda x: m.numpy.linalg.svd(x, compute_uv=False), (0,),
            (random((3, 4, 2)),)),
    "lu": (lambda m: m.lax.linalg.lu, (0,), (random((3, 4, 4)),)),
    "qr": (lambda m: lambda x: m.numpy.linalg.qr(x)[1], (2,), (random((4, 3, 2)),)),
    "cholesky": (lambda m: m.numpy.linalg.cholesky, (0,), (hermitian_positive((3, 4, 4)),)),
    "inv": (lambda m: m.numpy.linalg.inv, (0,), (well_conditioned((2, 3, 3)),)),
}


@pytest.mark.parametrize("name", sorted(VMAP_CASES))
def test_vmap_matches_a_loop(name):
  if not hasattr(pyjax, "vmap"):
    pytest.skip("pyjax.vmap is not available yet")
  make, in_axes, args = VMAP_CASES[name]
  fn = make(pyjax)
  batched = pyjax.vmap(fn, in_axes=in_axes)(*args)
  size = next(x.shape[d] for x, d in zip(args, in_axes) if d is not None)
  rows = [fn(*[x if d is None else np.take(x, i, d) for x, d in zip(args, in_axes)])
          for i in range(size)]
  for k, out in enumerate(jax.tree.leaves(batched)):
    expected = np.stack([np.asarray(jax.tree.leaves(r)[k]) for r in rows])
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-4, atol=1e-5)
