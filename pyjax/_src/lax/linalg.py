"""Linear-algebra primitives (`pyjax.lax.linalg`): factorizations and triangular solves of
batches of matrices. The trailing two dimensions of an operand are the matrix; any leading ones
are batch dimensions.

The eager implementations call the LAPACK routine JAX's CPU backend calls wherever NumPy exposes
it (potrf through `cholesky`, syevd through `eigh`, gesdd through `svd`, geqrf/orgqr through
`qr`, geev through `eig`) and are written out in NumPy where it does not (getrf: LU with partial
pivoting; trsm: triangular solves; gehrd, sytrd/hetrd, orgqr and ormqr: Householder reductions
and products; gees: Schur forms by shifted QR iterations). As in JAX, a factorization that fails
gives NaNs for that matrix instead of raising.
"""
from __future__ import annotations

import enum
import operator

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.avals import ShapedArray
from pyjax._src.backend import xp
from pyjax._src.core import Primitive, standard_weak_type_rule
from pyjax._src.interpreters import ad, batching
from pyjax._src.lax import lax
from pyjax._src.lax.utils import INEXACT, check_dtype, check_same_dtypes


class EigImplementation(enum.Enum):
  """Which library computes a nonsymmetric eigendecomposition (pyjax always uses LAPACK)."""
  CUSOLVER = "cusolver"
  MAGMA = "magma"
  LAPACK = "lapack"


class EighImplementation(enum.Enum):
  """Algorithm of a symmetric/Hermitian eigendecomposition (on CPU only QR is available)."""
  QR = "qr"
  JACOBI = "jacobi"
  QDWH = "qdwh"


class SvdAlgorithm(enum.Enum):
  """Algorithm of a singular value decomposition (on CPU: divide and conquer or QR)."""
  DEFAULT = "default"
  QR = "QR"
  JACOBI = "Jacobi"
  POLAR = "polar"
  DIVIDE_AND_CONQUER = "divide_and_conquer"


# ------------------------------------------------------------------------------------------------
# Building linalg primitives: batch dimensions, dtype checks and JAX's messages


def _linalg_primitive(name: str, ranks: tuple, shape_rule, dtype_rule, impl, *,
                      multiple_results: bool = False, accepted=None) -> Primitive:
  """A primitive over batches of matrices. `shape_rule` and `dtype_rule` see the non-batch part
  of each operand's shape and the operand dtypes; the batch dimensions (the same number for every
  operand) are prepended to every result."""
  accepted = accepted or (INEXACT,) * len(ranks)
  p = Primitive(name, multiple_results=multiple_results)

  def abstract_eval(*avals, **params):
    batch = []
    for i, (rank, aval) in enumerate(zip(ranks, avals)):
      if aval.ndim < rank:
        raise TypeError(f"Input {i} to {name} must have rank at least {rank}, but got "
                        f"shape={aval.shape}")
      batch.append(aval.shape[:aval.ndim - rank])
    if any(len(b) != len(batch[0]) for b in batch):
      raise TypeError(f"All inputs to {name} must have the same number of batch dimensions, "
                      f"but got {[len(b) for b in batch]} batch dimensions for the inputs.")
    shapes = shape_rule(*(a.shape[len(b):] for a, b in zip(avals, batch)), **params)
    for i, (aval, kinds) in enumerate(zip(avals, accepted)):
      check_dtype(name, aval.dtype, kinds, position=i)
    if len(avals) > 1:
      check_same_dtypes(name, avals, None)
    out_dtypes = dtype_rule(*(a.dtype for a in avals), **params)
    weak = standard_weak_type_rule(*(a.weak_type for a in avals))
    if multiple_results:
      return [ShapedArray(batch[0] + tuple(s), d, weak) for s, d in zip(shapes, out_dtypes)]
    return ShapedArray(batch[0] + tuple(shapes), out_dtypes, weak)

  p.def_abstract_eval(abstract_eval)
  p.def_impl(impl)
  return p


_LAPACK_DTYPES = frozenset(np.dtype(t) for t in (np.float32, np.float64, np.complex64,
                                                 np.complex128))


def _check_lapack_dtype(dtype) -> None:
  """LAPACK has no 16-bit routines: JAX's CPU backend rejects them when compiling."""
  if np.dtype(dtype) not in _LAPACK_DTYPES:
    raise NotImplementedError(f"Unsupported dtype {np.dtype(dtype).name}.")


def _real_dtype(dtype) -> np.dtype:
  return np.finfo(dtype).dtype


def _nan(dtype):
  return np.array(complex(np.nan, np.nan) if np.dtype(dtype).kind == "c" else np.nan, dtype)


def _each_matrix(compute, x: np.ndarray, bad: np.ndarray | None = None) -> list:
  """`compute(matrices) -> list of arrays` over a batch of matrices (any leading dimensions).
  Matrices for which LAPACK fails (NumPy raises LinAlgError), and those `bad` marks, get NaN
  results, as JAX's CPU backend gives."""
  batch, matrix = x.shape[:-2], x.shape[-2:]
  flat = _flat_batch(x)
  placeholder = np.eye(*matrix, dtype=x.dtype)
  if bad is not None:
    bad = _flat_batch(bad, 0)
    if bad.any():
      flat = np.where(bad[:, None, None], placeholder, flat)
  try:
    outs = list(compute(flat))
  except np.linalg.LinAlgError:
    outs = [np.array(o, copy=True) for o in compute(np.broadcast_to(placeholder, flat.shape))]
    failed = np.zeros(flat.shape[0], bool)
    for i in range(flat.shape[0]):
      try:
        for o, r in zip(outs, compute(flat[i:i + 1])):
          o[i] = r[0]
      except np.linalg.LinAlgError:
        failed[i] = True
    bad = failed if bad is None else bad | failed
  if bad is not None and bad.any():
    outs = [np.where(bad.reshape((-1,) + (1,) * (o.ndim - 1)), _nan(o.dtype), o) for o in outs]
  return [o.reshape(batch + o.shape[1:]) for o in outs]


def _flat_batch(x: np.ndarray, core_ndim: int = 2) -> np.ndarray:
  """x with its batch dimensions (all but the last `core_ndim`) flattened into one."""
  batch = x.shape[:x.ndim - core_ndim]
  return x.reshape((int(np.prod(batch, dtype=np.int64)),) + x.shape[x.ndim - core_ndim:])


def _nonfinite(x: np.ndarray) -> np.ndarray:
  """Which matrices of a batch hold a NaN or an infinity."""
  return ~np.isfinite(x).all(axis=(-2, -1))


# ------------------------------------------------------------------------------------------------
# Helpers on arrays of any trace (JAX's conventions, so the staged programs match)


def _T(x):
  return lax.transpose(x, (*range(x.ndim - 2), x.ndim - 1, x.ndim - 2))


def _H(x):
  return _T(x).conj()


def symmetrize(x):
  """(x + x^H) / 2: the Hermitian part of a batch of square matrices."""
  return (x + _H(x)) / 2


def _tri_mask(shape, k):
  """Boolean (n, m) mask of the entries on and below diagonal `k`."""
  return lax.ge(lax.add(lax.broadcasted_iota(np.int32, shape, 0), np.int32(k)),
                lax.broadcasted_iota(np.int32, shape, 1))


def _batched_mask(mask, batch_shape):
  return lax.broadcast(mask, batch_shape) if batch_shape else mask


def _tril(m, k: int = 0):
  *batch, n, cols = m.shape
  mask = _batched_mask(_tri_mask((n, cols), k), tuple(batch))
  return lax.select(mask, m, lax.full_like(m, 0))


def _triu(m, k: int = 0):
  *batch, n, cols = m.shape
  mask = _batched_mask(_tri_mask((n, cols), k - 1), tuple(batch))
  return lax.select(mask, lax.full_like(m, 0), m)


def _eye(dtype, shape):
  return lax.convert_element_type(
      lax.eq(lax.broadcasted_iota(np.int32, shape, 0), lax.broadcasted_iota(np.int32, shape, 1)),
      dtype)


def _matmul(a, b):
  """Batched matrix product of operands of equal rank."""
  batch = tuple(range(a.ndim - 2))
  return lax.dot_general(a, b, (((a.ndim - 1,), (b.ndim - 2,)), (batch, batch)))


def _diagonal(x):
  """The main diagonals of a batch of matrices, shape (..., min(n, m))."""
  *batch, n, m = x.shape
  k = min(n, m)
  if k == 0:
    return lax.full((*batch, 0), 0, x.dtype)
  flat = lax.reshape(x, (*batch, n * m))
  ndim = len(batch) + 1
  return lax.slice(flat, (0,) * ndim, (*batch, (k - 1) * (m + 1) + 1), (1,) * (ndim - 1)
                   + (m + 1,))


def _diag_matrix(d, dtype=None):
  """Square matrices with diagonal `d` (shape (..., k) -> (..., k, k))."""
  k = d.shape[-1]
  dtype = dtype or d.dtype
  eye = lax.broadcast(_eye(dtype, (k, k)), d.shape[:-1]) if d.ndim > 1 else _eye(dtype, (k, k))
  return lax.mul(eye, lax.expand_dims(lax.convert_element_type(d, dtype), (d.ndim - 1,)))


def _real(x):
  return lax.real(x) if dtypes.issubdtype(x.dtype, np.complexfloating) else x


def _conj(x):
  return lax.conj(x) if dtypes.issubdtype(x.dtype, np.complexfloating) else x


def _zero_tangent(x):
  return ad.Zero.from_primal(x)


# ------------------------------------------------------------------------------------------------
# cholesky


def _cholesky_shape(shape):
  if shape[0] != shape[1]:
    raise ValueError(f"The input to cholesky must be a square matrix. Got shape {shape}.")
  return shape


def _cholesky_impl(x):
  _check_lapack_dtype(x.dtype)
  # potrf leaves the strictly upper triangle of its operand untouched.
  upper = np.triu(np.ones(x.shape[-2:], bool), 1)
  factor, = _each_matrix(lambda m: [np.where(upper, m, np.linalg.cholesky(m))], x)
  return factor


cholesky_p = _linalg_primitive("cholesky", (2,), _cholesky_shape, lambda d: d, _cholesky_impl)


def cholesky(x, *, symmetrize_input: bool = True):
  """The lower-triangular L with x = L L^H for Hermitian positive-definite x (NaNs where the
  factorization fails). With `symmetrize_input`, x is replaced by (x + x^H) / 2 first; otherwise
  only its lower triangle is read."""
  if symmetrize_input:
    x = symmetrize(x)
  return _tril(cholesky_p.bind(x))


def _cholesky_jvp(primals, tangents):
  x, = primals
  sigma_dot, = tangents
  factor = _tril(cholesky_p.bind(x))
  if type(sigma_dot) is ad.Zero:
    return factor, ad.Zero.from_primal(factor)
  n = x.shape[-1]

  def phi(m):
    # The lower triangle with its diagonal halved.
    lower = _tril(m)
    half = lax.add(np.ones((), m.dtype), _eye(m.dtype, (n, n)))
    return lax.div(lower, lax.expand_dims(half, tuple(range(lower.ndim - 2))))

  tmp = triangular_solve(factor, sigma_dot, left_side=False, transpose_a=True, conjugate_a=True,
                         lower=True)
  factor_dot = _matmul(factor, phi(triangular_solve(factor, tmp, left_side=True,
                                                    transpose_a=False, lower=True)))
  return factor, factor_dot


ad.primitive_jvps[cholesky_p] = _cholesky_jvp


# ------------------------------------------------------------------------------------------------
# eig


def _eig_shape(shape, *, compute_left_eigenvectors, compute_right_eigenvectors, **_):
  if shape[0] != shape[1]:
    raise ValueError(f"The input to eig must be a square matrix. Got shape {shape}.")
  count = compute_left_eigenvectors + compute_right_eigenvectors
  return (shape[:-1],) + (shape,) * count


def _eig_dtype(dtype, *, compute_left_eigenvectors, compute_right_eigenvectors, **_):
  complex_dtype = np.result_type(dtype, np.complex64)
  return (complex_dtype,) * (1 + compute_left_eigenvectors + compute_right_eigenvectors)


def _geev_normalize(v):
  """Scale eigenvector columns as LAPACK's geev does: unit 2-norm, largest component real."""
  v = v / np.linalg.norm(v, axis=-2, keepdims=True)
  largest = np.take_along_axis(v, np.argmax(np.abs(v), axis=-2)[..., None, :], axis=-2)
  phase = np.where(largest == 0, 1, np.conj(largest) / np.where(largest == 0, 1, np.abs(largest)))
  return v * phase


def _eig_impl(x, *, compute_left_eigenvectors, compute_right_eigenvectors, enable_eigvec_derivs,
              implementation):
  _check_lapack_dtype(x.dtype)
  complex_dtype = np.result_type(x.dtype, np.complex64)

  def compute(m):
    w, vr = np.linalg.eig(m)
    w, vr = w.astype(complex_dtype), vr.astype(complex_dtype)
    outs = [w]
    if compute_left_eigenvectors:
      # Rows of vr^-1 are the left eigenvectors (conjugated), in the eigenvalues' order.
      outs.append(_geev_normalize(np.conj(np.swapaxes(np.linalg.inv(vr), -1, -2))))
    if compute_right_eigenvectors:
      outs.append(vr)
    return outs

  return _each_matrix(compute, x, _nonfinite(x))


eig_p = _linalg_primitive("eig", (2,), _eig_shape, _eig_dtype, _eig_impl, multiple_results=True)


def eig(x, *, compute_left_eigenvectors: bool = True, compute_right_eigenvectors: bool = True,
        enable_eigvec_derivs: bool = False, implementation: EigImplementation | None = None,
        use_magma: bool | None = None) -> list:
  """Eigendecomposition of general square matrices: [w, vl, vr] (the eigenvector outputs only
  if asked), complex, eigenvectors normalized as LAPACK's geev normalizes them."""
  if use_magma is not None:
    implementation = EigImplementation.MAGMA if use_magma else EigImplementation.LAPACK
  return eig_p.bind(x, compute_left_eigenvectors=compute_left_eigenvectors,
                    compute_right_eigenvectors=compute_right_eigenvectors,
                    enable_eigvec_derivs=enable_eigvec_derivs, implementation=implementation)


def _solve_square(a, b):
  """a^-1 b for batched square a (an LU solve; used by derivative rules)."""
  lu_, _, permutation = lu(a)
  return _lu_solve(lu_, permutation, b, 0)


def _eig_vector_jvp(w, v, da):
  # Nondegenerate perturbation theory; the free scale of each eigenvector is fixed by geev's
  # normalization (unit norm, largest component real), which the tangent must preserve.
  n = w.shape[-1]
  eye = _eye(w.dtype, (n, n))
  differences = lax.sub(lax.expand_dims(w, (w.ndim - 1,)), lax.expand_dims(w, (w.ndim,)))
  fmat = lax.sub(lax.div(np.ones((), w.dtype), lax.add(eye, differences)), eye)
  p = _matmul(_solve_square(v, da), v)
  dw = _diagonal(p)
  u = _matmul(v, lax.mul(fmat, p))
  k = lax.argmax(lax.abs(v), v.ndim - 2, np.int32)
  mask = lax.convert_element_type(
      lax.eq(lax.broadcasted_iota(np.int32, v.shape, v.ndim - 2),
             lax.expand_dims(k, (v.ndim - 2,))),
      v.dtype)
  along = v.ndim - 2
  c = lax.complex(lax.neg(lax.real(lax.reduce_sum(lax.mul(lax.conj(v), u), (along,)))),
                  lax.div(lax.neg(lax.imag(lax.reduce_sum(lax.mul(mask, u), (along,)))),
                          lax.real(lax.reduce_sum(lax.mul(mask, v), (along,)))))
  return dw, lax.add(u, lax.mul(v, lax.expand_dims(c, (along,))))


def _eig_jvp(primals, tangents, *, compute_left_eigenvectors, compute_right_eigenvectors,
             enable_eigvec_derivs, implementation):
  a, = primals
  da, = tangents
  if (compute_left_eigenvectors or compute_right_eigenvectors) and not enable_eigvec_derivs:
    raise NotImplementedError(
        "Derivatives of non-symmetric eigenvectors are only valid under assumptions on the input "
        "that JAX cannot check (see the enable_eigvec_derivs argument to jax.lax.linalg.eig). "
        "Pass enable_eigvec_derivs=True to jax.lax.linalg.eig to opt in. See "
        "https://github.com/jax-ml/jax/issues/2748 for discussion.")
  outs = eig_p.bind(a, compute_left_eigenvectors=compute_left_eigenvectors,
                    compute_right_eigenvectors=True, enable_eigvec_derivs=enable_eigvec_derivs,
                    implementation=implementation)
  w, vr = outs[0], outs[-1]
  primal_out = [w] + ([outs[1]] if compute_left_eigenvectors else []) + (
      [vr] if compute_right_eigenvectors else [])
  if type(da) is ad.Zero:
    return primal_out, [ad.Zero.from_primal(o) for o in primal_out]
  da = lax.convert_element_type(da, vr.dtype)
  if not (compute_left_eigenvectors or compute_right_eigenvectors):
    dw = lax.reduce_sum(lax.mul(_solve_square(vr, da), _T(vr)), (vr.ndim - 1,))
    return primal_out, [dw]
  dw, dvr = _eig_vector_jvp(w, vr, da)
  tangent_out = [dw]
  if compute_left_eigenvectors:
    _, dvl = _eig_vector_jvp(lax.conj(w), outs[1], _H(da))
    tangent_out.append(dvl)
  if compute_right_eigenvectors:
    tangent_out.append(dvr)
  return primal_out, tangent_out


ad.primitive_jvps[eig_p] = _eig_jvp


# ------------------------------------------------------------------------------------------------
# eigh


def _eigh_shape(shape, *, subset_by_index, **_):
  if shape[0] != shape[-1]:
    raise ValueError("Argument to symmetric eigendecomposition must have shape [..., n, n], "
                     f"got shape {shape}")
  n = shape[0]
  d = n if subset_by_index is None else subset_by_index[1] - subset_by_index[0]
  return (n, d), (d,)


def _eigh_impl(x, *, lower, sort_eigenvalues, subset_by_index, algorithm):
  n = x.shape[-1]
  if not (subset_by_index is None or tuple(subset_by_index) == (0, n)):
    raise NotImplementedError("subset_by_index not supported on CPU and GPU")
  if algorithm == EighImplementation.QDWH:
    raise NotImplementedError("QDWH implementation is only supported on TPU")
  if algorithm == EighImplementation.JACOBI:
    raise NotImplementedError("Jacobi implementation is not supported on CPU")
  _check_lapack_dtype(x.dtype)
  triangle = np.tril(x) if lower else np.triu(x)

  def compute(m):
    w, v = np.linalg.eigh(m, UPLO="L" if lower else "U")
    return [v, w]

  return _each_matrix(compute, x, _nonfinite(triangle))


eigh_p = _linalg_primitive("eigh", (2,), _eigh_shape, lambda d, **_: (d, _real_dtype(d)),
                           _eigh_impl, multiple_results=True)


def eigh(x, *, lower: bool = True, symmetrize_input: bool = True, sort_eigenvalues: bool = True,
         subset_by_index: tuple[int, int] | None = None,
         implementation: EighImplementation | None = None):
  """(v, w): eigenvectors (columns of v) and ascending eigenvalues of Hermitian matrices. With
  `symmetrize_input`, x is replaced by (x + x^H) / 2 first; otherwise only the triangle `lower`
  names is read."""
  if symmetrize_input:
    x = symmetrize(x)
  v, w = eigh_p.bind(x, lower=lower, sort_eigenvalues=sort_eigenvalues,
                     subset_by_index=subset_by_index, algorithm=implementation)
  return v, w


def _eigh_jvp(primals, tangents, *, lower, sort_eigenvalues, subset_by_index, algorithm):
  a, = primals
  n = a.shape[-1]
  if not (subset_by_index is None or tuple(subset_by_index) == (0, n)):
    raise NotImplementedError("Derivatives not defined for partial eigen decomposition.")
  a_dot, = tangents
  v, w_real = eigh_p.bind(symmetrize(a), lower=lower, sort_eigenvalues=sort_eigenvalues,
                          subset_by_index=subset_by_index, algorithm=algorithm)
  if type(a_dot) is ad.Zero:
    return (v, w_real), (ad.Zero.from_primal(v), ad.Zero.from_primal(w_real))
  # Nondegenerate perturbation theory: for distinct eigenvalues,
  # dw = diag(v^H da v), dv = v (F * (v^H da v)) with F_ij = 1 / (w_j - w_i) off the diagonal.
  w = lax.convert_element_type(w_real, a.dtype)
  eye = _eye(a.dtype, (n, n))
  differences = lax.sub(lax.expand_dims(w, (w.ndim - 1,)), lax.expand_dims(w, (w.ndim,)))
  fmat = lax.sub(lax.integer_pow(lax.add(eye, differences), -1), eye)
  vdag_adot_v = _matmul(_matmul(_H(v), a_dot), v)
  dv = _matmul(v, lax.mul(fmat, vdag_adot_v))
  dw = _real(_diagonal(vdag_adot_v))
  return (v, w_real), (dv, dw)


ad.primitive_jvps[eigh_p] = _eigh_jvp


# ------------------------------------------------------------------------------------------------
# lu and lu_pivots_to_permutation


def _lu_shape(shape):
  m, n = shape
  return shape, (min(m, n),), (m,)


def _lu_impl(x):
  """getrf: LU with partial pivoting (the row of largest magnitude, |re| + |im| for complex,
  first on ties), unblocked; a zero pivot leaves its column unscaled as LAPACK does."""
  _check_lapack_dtype(x.dtype)
  batch, (m, n) = x.shape[:-2], x.shape[-2:]
  a = np.array(_flat_batch(x), copy=True)
  count, k = a.shape[0], min(m, n)
  pivots = np.zeros((count, k), np.int32)
  permutation = np.tile(np.arange(m, dtype=np.int32), (count, 1))
  rows = np.arange(count)
  complex_input = a.dtype.kind == "c"
  one = np.ones((), a.dtype)
  for j in range(k):
    column = a[:, j:, j]
    magnitude = (np.abs(column.real) + np.abs(column.imag)) if complex_input else np.abs(column)
    p = (np.argmax(magnitude, axis=1) + j).astype(np.int32)
    pivots[:, j] = p
    row_j, row_p = a[rows, j].copy(), a[rows, p].copy()
    a[rows, j], a[rows, p] = row_p, row_j
    perm_j, perm_p = permutation[rows, j].copy(), permutation[rows, p].copy()
    permutation[rows, j], permutation[rows, p] = perm_p, perm_j
    if j + 1 < m:
      pivot = a[:, j, j]
      nonzero = pivot != 0
      scale = np.where(nonzero, one / np.where(nonzero, pivot, one), one)
      a[:, j + 1:, j] *= scale[:, None]
      if j + 1 < n:
        a[:, j + 1:, j + 1:] -= a[:, j + 1:, j, None] * a[:, j, None, j + 1:]
  return [a.reshape(x.shape), pivots.reshape(batch + (k,)), permutation.reshape(batch + (m,))]


lu_p = _linalg_primitive("lu", (2,), _lu_shape,
                         lambda d: (d, np.dtype(np.int32), np.dtype(np.int32)), _lu_impl,
                         multiple_results=True)


def lu(x):
  """(lu, pivots, permutation) with P x = L U: L (unit diagonal, not stored) below and U on and
  above the diagonal of `lu`; `pivots[i]` is the row swapped with row i at step i; `permutation`
  is the same row order as a permutation of range(m)."""
  return tuple(lu_p.bind(x))


def _lu_jvp(primals, tangents):
  a, = primals
  a_dot, = tangents
  lu_, pivots, permutation = lu_p.bind(a)
  if type(a_dot) is ad.Zero:
    return (lu_, pivots, permutation), (ad.Zero.from_primal(lu_), _zero_tangent(pivots),
                                        _zero_tangent(permutation))
  # De Hoog, Anderssen and Lukas: with L^-1 P da U^-1 = X,
  # dL = L tril(X, -1) and dU = triu(X) U.
  *batch, m, n = a.shape
  k = min(m, n)
  batch = tuple(batch)
  nb = len(batch)
  dtype = a.dtype
  zero = np.zeros((), dtype)
  lower_part = lax.slice(lu_, (0,) * (nb + 2), (*batch, m, k))
  l = lax.pad(_tril(lower_part, -1), zero, [(0, 0, 0)] * (nb + 1) + [(0, m - k, 0)])
  l = lax.add(l, _batched_mask(_eye(dtype, (m, m)), batch))
  upper_part = lax.slice(lu_, (0,) * (nb + 2), (*batch, k, n))
  u = lax.pad(_triu(upper_part), zero, [(0, 0, 0)] * nb + [(0, n - k, 0), (0, 0, 0)])
  u_eye = lax.pad(_eye(dtype, (n - k, n - k)), zero, ((k, 0, 0), (k, 0, 0)))
  u = lax.add(u, _batched_mask(u_eye, batch))
  la = triangular_solve(l, _permute_rows(a_dot, permutation), left_side=True, transpose_a=False,
                        lower=True, unit_diagonal=True)
  lau = triangular_solve(u, la, left_side=False, transpose_a=False, lower=False)
  l_dot = _matmul(l, _tril(lau, -1))
  u_dot = _matmul(_triu(lau), u)
  lu_dot = lax.add(l_dot, u_dot)
  return (lu_, pivots, permutation), (lu_dot, _zero_tangent(pivots), _zero_tangent(permutation))


ad.primitive_jvps[lu_p] = _lu_jvp


def _lu_pivots_to_permutation_shape(shape, *, permutation_size):
  pivots_size, = shape
  if not permutation_size >= pivots_size:
    raise ValueError(f"Output permutation size {permutation_size} has to exceed the trailing "
                     f"dimension of the pivots. Got pivots size {pivots_size}")
  return (permutation_size,)


def _lu_pivots_to_permutation_impl(pivots, *, permutation_size):
  batch, k = pivots.shape[:-1], pivots.shape[-1]
  swaps = _flat_batch(pivots, 1)
  permutation = np.tile(np.arange(permutation_size, dtype=np.int32), (swaps.shape[0], 1))
  rows = np.arange(swaps.shape[0])
  for i in range(k):
    j = swaps[:, i]
    x, y = permutation[:, i].copy(), permutation[rows, j].copy()
    permutation[:, i] = y
    permutation[rows, j] = x
  return permutation.reshape(batch + (permutation_size,))


lu_pivots_to_permutation_p = _linalg_primitive(
    "lu_pivots_to_permutation", (1,), _lu_pivots_to_permutation_shape, lambda d, **_: d,
    _lu_pivots_to_permutation_impl, accepted=((np.int32,),))
ad.defjvp_zero(lu_pivots_to_permutation_p)


def lu_pivots_to_permutation(pivots, permutation_size: int):
  """The permutation of range(permutation_size) that the row swaps `pivots` perform."""
  return lu_pivots_to_permutation_p.bind(pivots,
                                         permutation_size=operator.index(permutation_size))


def _permutation_matrix(permutation, dtype):
  """P with P[..., i, j] = (permutation[..., i] == j), so that P x is x[..., permutation, :].

  Permutations are applied as products with P: linear in x (so differentiable and
  transposable like any product) and exact for finite values, since each entry is one value
  plus zeros. (An infinity or NaN in x spreads NaN over its column, as a gather would not.)"""
  *batch, m = permutation.shape
  nb = len(batch)
  shape = (*batch, m, m)
  hits = lax.eq(lax.broadcast_in_dim(permutation, shape, tuple(range(nb + 1))),
                lax.broadcasted_iota(np.int32, shape, nb + 1))
  return lax.convert_element_type(hits, dtype)


def _permute_rows(x, permutation):
  """x[..., permutation, :] for a batch of permutations (batch dimensions equal to x's)."""
  return _matmul(_permutation_matrix(permutation, x.dtype), x)


def _unpermute_rows(x, permutation):
  """The y with y[..., permutation, :] = x: rows put back where `permutation` took them from."""
  return _matmul(_T(_permutation_matrix(permutation, x.dtype)), x)


def _lu_solve(lu_, permutation, b, trans: int):
  """Solve op(A) x = b from A's LU factorization (trans 0: A, 1: A^T, 2: A^H), for b of shape
  (..., m, k) with the same batch dimensions as lu_."""
  if trans == 0:
    x = _permute_rows(b, permutation)
    x = triangular_solve(lu_, x, left_side=True, lower=True, unit_diagonal=True)
    return triangular_solve(lu_, x, left_side=True, lower=False)
  if trans in (1, 2):
    conj = trans == 2
    x = triangular_solve(lu_, b, left_side=True, lower=False, transpose_a=True, conjugate_a=conj)
    x = triangular_solve(lu_, x, left_side=True, lower=True, unit_diagonal=True,
                         transpose_a=True, conjugate_a=conj)
    return _unpermute_rows(x, permutation)
  raise ValueError(f"'trans' value must be 0, 1, or 2, got {trans}")


# ------------------------------------------------------------------------------------------------
# qr (and geqrf, for jnp.linalg.qr(mode="raw"))


def _qr_shape(shape, *, pivoting, full_matrices, **_):
  m, n = shape
  k = m if full_matrices else min(m, n)
  return ((m, k), (k, n), (n,)) if pivoting else ((m, k), (k, n))


def _qr_dtype(dtype, *, pivoting, **_):
  return (dtype, dtype, np.dtype(np.int32)) if pivoting else (dtype, dtype)


def _householder_pivoted_qr(a: np.ndarray, full_matrices: bool):
  """geqp3 + orgqr for one matrix: QR with column pivoting (at each step the remaining column of
  largest norm, the first on ties) and LAPACK's reflectors (larfg: R's diagonal real, no
  reflection where the column below the diagonal is already zero). Returns (q, r, order)."""
  m, n = a.shape
  k = min(m, n)
  r = a.copy()
  order = np.arange(n, dtype=np.int32)
  reflectors = []
  for j in range(k):
    p = j + int(np.argmax(np.linalg.norm(r[j:, j:], axis=0)))
    r[:, [j, p]] = r[:, [p, j]]
    order[[j, p]] = order[[p, j]]
    alpha = r[j, j]
    below = np.linalg.norm(r[j + 1:, j])
    if below == 0 and np.imag(alpha) == 0:
      reflectors.append(None)
      continue
    beta = -np.copysign(np.sqrt(abs(alpha) ** 2 + below ** 2), np.real(alpha))
    tau = (beta - alpha) / beta
    v = r[j:, j] / (alpha - beta)
    v[0] = 1
    r[j:, j:] -= np.conj(tau) * np.outer(v, np.conj(v) @ r[j:, j:])
    reflectors.append((v, tau))
  q = np.eye(m, m if full_matrices else k, dtype=a.dtype)
  for j in reversed(range(k)):
    if reflectors[j] is not None:
      v, tau = reflectors[j]
      q[j:, :] -= tau * np.outer(v, np.conj(v) @ q[j:, :])
  r = np.triu(r if full_matrices else r[:k])
  return q, r, order


def _qr_impl(x, *, pivoting, full_matrices, use_magma):
  _check_lapack_dtype(x.dtype)
  if not pivoting:
    q, r = np.linalg.qr(x, mode="complete" if full_matrices else "reduced")
    return [q, r]
  m, n = x.shape[-2:]
  flat = _flat_batch(x)
  results = [_householder_pivoted_qr(a, full_matrices) for a in flat]
  k = m if full_matrices else min(m, n)
  q = np.stack([q for q, _, _ in results]) if results else np.zeros((0, m, k), x.dtype)
  r = np.stack([r for _, r, _ in results]) if results else np.zeros((0, k, n), x.dtype)
  p = np.stack([p for _, _, p in results]) if results else np.zeros((0, n), np.int32)
  batch = x.shape[:-2]
  return [q.reshape(batch + q.shape[1:]), r.reshape(batch + r.shape[1:]), p.reshape(batch + (n,))]


qr_p = _linalg_primitive("qr", (2,), _qr_shape, _qr_dtype, _qr_impl, multiple_results=True)


def qr(x, *, pivoting: bool = False, full_matrices: bool = True, use_magma: bool | None = None):
  """(q, r) with x = q r, q unitary and r upper triangular; with `pivoting`, (q, r, p) with
  x[..., p] = q r. `full_matrices=False` gives the reduced factors."""
  q, r, *p = qr_p.bind(x, pivoting=pivoting, full_matrices=full_matrices, use_magma=use_magma)
  if pivoting:
    return q, r, p[0]
  return q, r


def _take_columns(x, p):
  """x[..., :, p] for a batch of column orders p."""
  return _matmul(x, _T(_permutation_matrix(p, x.dtype)))


def _thin_qr_jvp(q, r, dx):
  """JVP of the QR factorization of (..., m, n) matrices with m >= n."""
  dx_rinv = triangular_solve(r, dx)  # right-side solve
  qt_dx_rinv = _matmul(_H(q), dx_rinv)
  qt_dx_rinv_lower = _tril(qt_dx_rinv, -1)
  do = lax.sub(qt_dx_rinv_lower, _H(qt_dx_rinv_lower))  # skew-Hermitian
  n = r.shape[-1]
  if dtypes.issubdtype(do.dtype, np.complexfloating):
    eye = lax.expand_dims(_eye(do.dtype, (n, n)), tuple(range(qt_dx_rinv.ndim - 2)))
    imaginary = lax.sub(qt_dx_rinv, lax.convert_element_type(lax.real(qt_dx_rinv), do.dtype))
    do = lax.add(do, lax.mul(eye, imaginary))
  dq = lax.add(_matmul(q, lax.sub(do, qt_dx_rinv)), dx_rinv)
  dr = _matmul(lax.sub(qt_dx_rinv, do), r)
  return dq, dr


def _qr_jvp(primals, tangents, *, pivoting, full_matrices, use_magma):
  x, = primals
  dx, = tangents
  outs = qr_p.bind(x, pivoting=pivoting, full_matrices=full_matrices, use_magma=use_magma)
  q, r = outs[0], outs[1]
  if type(dx) is ad.Zero:
    return outs, [ad.Zero.from_primal(o) for o in outs]
  *batch, m, n = x.shape
  nb = len(batch)
  if pivoting:
    dx = _take_columns(dx, outs[2])
  extra = [_zero_tangent(outs[2])] if pivoting else []
  if m < n:
    # X = [X1 X2] with X1 square: (Q, R1) is the QR of X1 and R2 = Q^H X2.
    x_ordered = _take_columns(x, outs[2]) if pivoting else x
    x2 = lax.slice(x_ordered, (0,) * nb + (0, m), (*batch, m, n))
    dx1 = lax.slice(dx, (0,) * (nb + 2), (*batch, m, m))
    dx2 = lax.slice(dx, (0,) * nb + (0, m), (*batch, m, n))
    r1 = lax.slice(r, (0,) * (nb + 2), (*batch, m, m))
    dq, dr1 = _thin_qr_jvp(q, r1, dx1)
    dr2 = lax.add(_matmul(_H(dq), x2), _matmul(_H(q), dx2))
    dr = lax.concatenate((dr1, dr2), nb + 1)
    return outs, [dq, dr, *extra]
  q_mn = lax.slice(q, (0,) * (nb + 2), (*batch, m, n)) if full_matrices else q
  r_nn = lax.slice(r, (0,) * (nb + 2), (*batch, n, n)) if full_matrices else r
  dq_mn, dr_nn = _thin_qr_jvp(q_mn, r_nn, dx)
  if not full_matrices or m == n:
    return outs, [dq_mn, dr_nn, *extra]
  # The full Q's extra columns (arXiv:2409.13374, eqs. 32-33).
  q_nn = lax.slice(q_mn, (0,) * (nb + 2), (*batch, n, n))
  q_pn = lax.slice(q_mn, (0,) * nb + (n, 0), (*batch, m, n))
  q_mp = lax.slice(q, (0,) * nb + (0, n), (*batch, m, m))
  dq_nn = lax.slice(dq_mn, (0,) * (nb + 2), (*batch, n, n))
  dq_pn = lax.slice(dq_mn, (0,) * nb + (n, 0), (*batch, m, n))
  eye = _batched_mask(_eye(q_nn.dtype, (n, n)), tuple(batch))
  lu_factor, _, perm = lu(lax.sub(q_nn, eye))
  z_pn_h = _lu_solve(lu_factor, perm, _H(q_pn), 2)
  z_pn = _H(z_pn_h)
  dq_mp = lax.sub(_matmul(dq_mn, z_pn_h),
                  _matmul(lax.add(q_mn, _matmul(q_mp, z_pn)),
                          _H(lax.sub(dq_pn, _matmul(z_pn, dq_nn)))))
  dq = lax.concatenate((dq_mn, dq_mp), nb + 1)
  zeros = lax.full((*batch, m - n, n), 0, dr_nn.dtype)
  dr = lax.concatenate((dr_nn, zeros), nb)
  return outs, [dq, dr, *extra]


ad.primitive_jvps[qr_p] = _qr_jvp


def _geqrf_impl(x):
  _check_lapack_dtype(x.dtype)
  m, n = x.shape[-2:]
  flat = _flat_batch(x)
  k = min(m, n)
  packed = np.empty_like(flat)
  taus = np.empty((flat.shape[0], k), x.dtype)
  for i, a in enumerate(flat):
    h, tau = np.linalg.qr(a, mode="raw")  # h is the transposed LAPACK output
    packed[i] = h.T
    taus[i] = tau
  batch = x.shape[:-2]
  return [packed.reshape(x.shape), taus.reshape(batch + (k,))]


geqrf_p = _linalg_primitive("geqrf", (2,), lambda s: (s, (min(s),)), lambda d: (d, d),
                            _geqrf_impl, multiple_results=True)


def geqrf(x):
  """LAPACK's geqrf: R on and above the diagonal, the Householder reflectors below it, and
  their scale factors `taus`."""
  return tuple(geqrf_p.bind(x))


# ------------------------------------------------------------------------------------------------
# svd


def _svd_shape(shape, *, full_matrices, compute_uv, subset_by_index, **_):
  m, n = shape
  rank = min(m, n)
  if subset_by_index is not None:
    if full_matrices and tuple(subset_by_index) != (0, rank):
      raise ValueError("full_matrices and subset_by_index cannot both be set")
    rank = min(rank, subset_by_index[1] - subset_by_index[0])
  if compute_uv:
    return (rank,), (m, m if full_matrices else rank), (n if full_matrices else rank, n)
  return ((rank,),)


def _svd_dtype(dtype, *, compute_uv, **_):
  real = _real_dtype(dtype)
  return (real, dtype, dtype) if compute_uv else (real,)


def _svd_impl(x, *, full_matrices, compute_uv, subset_by_index, algorithm):
  m, n = x.shape[-2:]
  if not (subset_by_index is None or tuple(subset_by_index) == (0, min(m, n))):
    raise NotImplementedError("subset_by_index not implemented for CPU and GPU")
  if algorithm in (SvdAlgorithm.JACOBI, SvdAlgorithm.POLAR):
    raise NotImplementedError("The SVD Jacobi and Polar algorithms are not implemented on CPU.")
  _check_lapack_dtype(x.dtype)
  batch = x.shape[:-2]
  if m == 0 or n == 0:
    s = np.zeros(batch + (0,), _real_dtype(x.dtype))
    if not compute_uv:
      return [s]
    if full_matrices:
      u = np.broadcast_to(np.eye(m, dtype=x.dtype), batch + (m, m)).copy()
      vt = np.broadcast_to(np.eye(n, dtype=x.dtype), batch + (n, n)).copy()
    else:
      u, vt = np.zeros(batch + (m, 0), x.dtype), np.zeros(batch + (0, n), x.dtype)
    return [s, u, vt]

  def compute(a):
    if not compute_uv:
      return [np.linalg.svd(a, compute_uv=False)]
    u, s, vt = np.linalg.svd(a, full_matrices=full_matrices)
    return [s, u, vt]

  return _each_matrix(compute, x, _nonfinite(x))


svd_p = _linalg_primitive("svd", (2,), _svd_shape, _svd_dtype, _svd_impl, multiple_results=True)


def svd(x, *, full_matrices: bool = True, compute_uv: bool = True,
        subset_by_index: tuple[int, int] | None = None, algorithm: SvdAlgorithm | None = None):
  """(u, s, vh) with x = u diag(s) vh and s descending (or only s when not `compute_uv`)."""
  result = svd_p.bind(x, full_matrices=full_matrices, compute_uv=compute_uv,
                      subset_by_index=subset_by_index, algorithm=algorithm)
  if compute_uv:
    s, u, v = result
    return u, s, v
  s, = result
  return s


def _svd_jvp(primals, tangents, *, full_matrices, compute_uv, subset_by_index, algorithm=None):
  a, = primals
  da, = tangents
  s, u, vt = svd_p.bind(a, full_matrices=False, compute_uv=True, subset_by_index=subset_by_index,
                        algorithm=algorithm)
  m, n = a.shape[-2:]
  if compute_uv and full_matrices and m != n:
    raise NotImplementedError(
        "Singular value decomposition JVP not implemented for full matrices")
  if compute_uv:
    primal_out = [s, u, vt]
  else:
    primal_out = [s]
  if type(da) is ad.Zero:
    return primal_out, [ad.Zero.from_primal(o) for o in primal_out]
  dtype = a.dtype
  ut, v = _H(u), _H(vt)
  s_dim = lax.expand_dims(s, (s.ndim - 1,))
  ds_full = _matmul(_matmul(ut, da), v)
  ds = _real(_diagonal(ds_full))
  if not compute_uv:
    return primal_out, [ds]
  k = s.shape[-1]
  s_diffs = lax.mul(lax.add(s_dim, _T(s_dim)), lax.sub(s_dim, _T(s_dim)))
  s_diffs_zeros = lax.expand_dims(_eye(s.dtype, (k, k)), tuple(range(s_diffs.ndim - 2)))
  one = np.ones((), s.dtype)
  f = lax.sub(lax.div(one, lax.add(s_diffs, s_diffs_zeros)), s_diffs_zeros)
  s_dim_c = lax.convert_element_type(s_dim, dtype)
  dss = lax.mul(s_dim_c, ds_full)
  sds = lax.mul(_T(s_dim_c), ds_full)
  s_zeros = lax.convert_element_type(lax.eq(s, np.zeros((), s.dtype)), s.dtype)
  s_inv = lax.sub(lax.div(one, lax.add(s, s_zeros)), s_zeros)
  dudv_diag = lax.mul(lax.mul(lax.sub(ds_full, _H(ds_full)), np.array(0.5, dtype)),
                      _diag_matrix(s_inv, dtype))
  f_c = lax.convert_element_type(f, dtype)
  du = _matmul(u, lax.add(lax.mul(f_c, lax.add(dss, _H(dss))), dudv_diag))
  dv = _matmul(v, lax.mul(f_c, lax.add(sds, _H(sds))))
  if m > n:
    dav = _matmul(da, v)
    du = lax.add(du, lax.div(lax.sub(dav, _matmul(u, _matmul(ut, dav))), s_dim_c))
  if n > m:
    dahu = _matmul(_H(da), u)
    dv = lax.add(dv, lax.div(lax.sub(dahu, _matmul(v, _matmul(vt, dahu))), s_dim_c))
  return primal_out, [ds, du, _H(dv)]


ad.primitive_jvps[svd_p] = _svd_jvp


# ------------------------------------------------------------------------------------------------
# triangular_solve


def _triangular_solve_shape(a_shape, b_shape, *, left_side=False, **_):
  if a_shape[0] != a_shape[1]:
    raise ValueError(f"The first input to triangular_solve must be a square matrix. Got shape "
                     f"{a_shape}.")
  common_dim = -2 if left_side else -1
  if a_shape[-1] != b_shape[common_dim]:
    raise ValueError(f"Incompatible shapes for arguments to triangular_solve: {a_shape} and "
                     f"{b_shape}.")
  return b_shape


def _substitute(t: np.ndarray, b: np.ndarray, lower: bool) -> np.ndarray:
  """Solve t x = b for triangular t (batched) by forward or back substitution."""
  m = t.shape[-1]
  x = np.zeros(np.broadcast_shapes(t.shape[:-2], b.shape[:-2]) + b.shape[-2:], b.dtype)
  for i in (range(m) if lower else range(m - 1, -1, -1)):
    known = slice(0, i) if lower else slice(i + 1, m)
    rhs = b[..., i:i + 1, :] - t[..., i:i + 1, known] @ x[..., known, :]
    x[..., i:i + 1, :] = rhs / t[..., i:i + 1, i:i + 1]
  return x


def _triangular_solve_impl(a, b, *, left_side, lower, transpose_a, conjugate_a, unit_diagonal):
  dtype = b.dtype
  # 16-bit floats have no LAPACK routine: solve in float32 as XLA's fallback does.
  compute = dtype if dtype in _LAPACK_DTYPES else np.dtype(np.float32)
  t = (np.tril(a) if lower else np.triu(a)).astype(compute)
  b = b.astype(compute)
  if unit_diagonal:
    idx = np.arange(t.shape[-1])
    t[..., idx, idx] = 1
  if conjugate_a:
    t = np.conj(t)
  if transpose_a:
    t, lower = np.swapaxes(t, -1, -2), not lower
  with np.errstate(all="ignore"):
    if left_side:
      x = _substitute(t, b, lower)
    else:  # x t = b  <=>  t^T x^T = b^T
      x = np.swapaxes(_substitute(np.swapaxes(t, -1, -2), np.swapaxes(b, -1, -2), not lower),
                      -1, -2)
  return x.astype(dtype, copy=False)


triangular_solve_p = _linalg_primitive(
    "triangular_solve", (2, 2), _triangular_solve_shape, lambda a, b, **_: a,
    _triangular_solve_impl)


def triangular_solve(a, b, *, left_side: bool = False, lower: bool = False,
                     transpose_a: bool = False, conjugate_a: bool = False,
                     unit_diagonal: bool = False):
  """Solve op(a) x = b (`left_side`) or x op(a) = b for triangular a, op being transposition
  and/or conjugation; only the triangle `lower` names is read (and not its diagonal with
  `unit_diagonal`). A b with one dimension fewer than a is a single vector."""
  conjugate_a = conjugate_a and dtypes.issubdtype(core.get_aval(a).dtype, np.complexfloating)
  singleton = np.ndim(b) == np.ndim(a) - 1
  if singleton:
    b = lax.expand_dims(b, (-1 if left_side else -2,))
  out = triangular_solve_p.bind(a, b, left_side=left_side, lower=lower, transpose_a=transpose_a,
                                conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)
  if singleton:
    out = out[..., 0] if left_side else out[..., 0, :]
  return out


def _triangular_solve_jvp_a(g_a, ans, a, b, *, left_side, lower, transpose_a, conjugate_a,
                            unit_diagonal):
  m, n = b.shape[-2:]
  k = 1 if unit_diagonal else 0
  g_a = _tril(g_a, -k) if lower else _triu(g_a, k)
  g_a = lax.neg(g_a)
  g_a = _T(g_a) if transpose_a else g_a
  g_a = _conj(g_a) if conjugate_a else g_a

  def a_inverse(rhs):
    return triangular_solve(a, rhs, left_side=left_side, lower=lower, transpose_a=transpose_a,
                            conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)

  # Multiply and solve in whichever order is cheaper.
  if left_side:
    return a_inverse(_matmul(g_a, ans)) if m > n else _matmul(a_inverse(g_a), ans)
  return a_inverse(_matmul(ans, g_a)) if m < n else _matmul(ans, a_inverse(g_a))


def _triangular_solve_transpose(ct, a, b, *, left_side, lower, transpose_a, conjugate_a,
                                unit_diagonal):
  # Linear in b only (like division, with the operands swapped).
  assert not ad.is_undefined_primal(a) and ad.is_undefined_primal(b)
  ct_b = triangular_solve(a, ct, left_side=left_side, lower=lower, transpose_a=not transpose_a,
                          conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)
  return [None, ct_b]


ad.defjvp2(triangular_solve_p, _triangular_solve_jvp_a,
           lambda g_b, _, a, b, **params: triangular_solve_p.bind(a, g_b, **params))
ad.primitive_transposes[triangular_solve_p] = _triangular_solve_transpose


# ------------------------------------------------------------------------------------------------
# symmetric_product and tridiagonal_solve


def _symmetric_product_shape(a_shape, c_shape, **_):
  if a_shape[0] != c_shape[1] or c_shape[0] != c_shape[1]:
    raise ValueError("symmetric_update expects a rectangular matrix of shape (m, n) and a "
                     f"square matrix of shape (n, n). Got {a_shape} and {c_shape}.")
  return c_shape


def _symmetric_product_impl(a, c, *, alpha, beta):
  return (alpha * (a @ np.conj(np.swapaxes(a, -1, -2))) + beta * c).astype(c.dtype, copy=False)


symmetric_product_p = _linalg_primitive("symmetric_product", (2, 2), _symmetric_product_shape,
                                        lambda a, c, **_: c, _symmetric_product_impl)


def symmetric_product(a_matrix, c_matrix, *, alpha: float = 1., beta: float = 0.,
                      symmetrize_output: bool = False):
  """alpha a a^H + beta c for symmetric c; only the lower triangle is guaranteed unless
  `symmetrize_output` mirrors it into the upper one."""
  result = symmetric_product_p.bind(a_matrix, c_matrix, alpha=alpha, beta=beta)
  if symmetrize_output:
    upper_half = _T(_tril(result, -1))
    result = lax.add(_tril(result, 0), upper_half)
  return result


def _symmetric_product_jvp(primals, tangents, *, alpha, beta):
  a, c = primals
  da, dc = tangents
  out = symmetric_product_p.bind(a, c, alpha=alpha, beta=beta)
  dtype = out.dtype
  total = ad.Zero.from_primal(out)
  if type(da) is not ad.Zero:
    term = lax.add(_matmul(da, _H(a)), _matmul(a, _H(da)))
    total = ad.add_tangents(total, lax.mul(np.array(alpha, dtype), term))
  if type(dc) is not ad.Zero:
    total = ad.add_tangents(total, lax.mul(np.array(beta, dtype), dc))
  return out, total


ad.primitive_jvps[symmetric_product_p] = _symmetric_product_jvp


def _tridiagonal_solve_shape(dl_shape, d_shape, du_shape, b_shape, **_):
  if not dl_shape == d_shape == du_shape:
    raise TypeError("tridiagonal_solve requires that all diagonal arguments have the same "
                    f"shape. Got dl: {dl_shape}, d: {d_shape}, du: {du_shape}.")
  if b_shape[0] != d_shape[0]:
    raise TypeError("tridiagonal_solve requires that the leading ndim-1 dimensions of b equal "
                    f"the dimensions of the diagonal arguments. Got {b_shape} and {d_shape}.")
  return b_shape


def _tridiagonal_solve_impl(dl, d, du, b, *, perturb_singular):
  """gtsv: Gaussian elimination with partial pivoting on the three diagonals (batched)."""
  dtype = b.dtype
  n = d.shape[-1]
  if n == 0:
    return b.copy()
  dl, d, du = (np.array(v, dtype, copy=True) for v in (dl, d, du))
  b = np.array(b, copy=True)
  du2 = np.zeros_like(d)
  with np.errstate(all="ignore"):
    for i in range(n - 1):
      swap = np.abs(d[..., i]) < np.abs(dl[..., i + 1])
      # No swap: eliminate dl[i+1] with row i.
      factor = np.where(swap, 0, dl[..., i + 1] / np.where(swap, 1, d[..., i]))
      # Swap rows i and i+1, then eliminate.
      sfactor = np.where(swap, d[..., i] / np.where(swap, dl[..., i + 1], 1), 0)
      new_d_i = np.where(swap, dl[..., i + 1], d[..., i])
      new_du_i = np.where(swap, d[..., i + 1], du[..., i])
      new_du2_i = np.where(swap, du[..., i + 1] if i + 1 < n - 1 else 0, 0)
      new_d_next = np.where(swap, du[..., i] - sfactor * d[..., i + 1],
                            d[..., i + 1] - factor * du[..., i])
      if i + 1 < n - 1:
        du[..., i + 1] = np.where(swap, -sfactor * du[..., i + 1], du[..., i + 1])
      b_i, b_next = b[..., i, :].copy(), b[..., i + 1, :].copy()
      b[..., i, :] = np.where(swap[..., None], b_next, b_i)
      b[..., i + 1, :] = np.where(swap[..., None], b_i - sfactor[..., None] * b_next,
                                  b_next - factor[..., None] * b_i)
      d[..., i], du[..., i], du2[..., i], d[..., i + 1] = new_d_i, new_du_i, new_du2_i, new_d_next
    if perturb_singular:
      eps = np.finfo(dtype).eps
      scale = np.max(np.abs(np.stack([dl, d, du], -1)), axis=(-2, -1), keepdims=True)
      d = np.where(d == 0, eps * scale[..., 0], d)
    x = b
    x[..., n - 1, :] = b[..., n - 1, :] / d[..., n - 1, None]
    if n > 1:
      x[..., n - 2, :] = (b[..., n - 2, :] - du[..., n - 2, None] * x[..., n - 1, :]) / \
          d[..., n - 2, None]
    for i in range(n - 3, -1, -1):
      x[..., i, :] = (b[..., i, :] - du[..., i, None] * x[..., i + 1, :]
                      - du2[..., i, None] * x[..., i + 2, :]) / d[..., i, None]
  return x


tridiagonal_solve_p = _linalg_primitive(
    "tridiagonal_solve", (1, 1, 1, 2), _tridiagonal_solve_shape, lambda *ds, **_: ds[3],
    _tridiagonal_solve_impl)


def tridiagonal_solve(dl, d, du, b, *, perturb_singular: bool = False):
  """Solve A x = b for tridiagonal A given by its sub-diagonal `dl` (dl[0] unused), diagonal `d`
  and super-diagonal `du` (du[-1] unused), with partial pivoting as LAPACK's gtsv."""
  return tridiagonal_solve_p.bind(dl, d, du, b, perturb_singular=perturb_singular)


def _tridiagonal_product(dl, d, du, b):
  """A b for the tridiagonal A of (dl, d, du)."""
  nb = b.ndim - 2
  n = b.shape[-2]
  y = lax.mul(lax.expand_dims(d, (nb + 1,)), b)
  if n > 1:
    below = lax.mul(lax.expand_dims(lax.slice_in_dim(dl, 1, n, axis=nb), (nb + 1,)),
                    lax.slice_in_dim(b, 0, n - 1, axis=nb))
    above = lax.mul(lax.expand_dims(lax.slice_in_dim(du, 0, n - 1, axis=nb), (nb + 1,)),
                    lax.slice_in_dim(b, 1, n, axis=nb))
    zero_row = [(0, 0, 0)] * (b.ndim)
    y = lax.add(y, lax.pad(below, np.zeros((), b.dtype),
                           zero_row[:nb] + [(1, 0, 0), (0, 0, 0)]))
    y = lax.add(y, lax.pad(above, np.zeros((), b.dtype),
                           zero_row[:nb] + [(0, 1, 0), (0, 0, 0)]))
  return y


def _tridiagonal_solve_jvp(primals, tangents, *, perturb_singular):
  dl, d, du, b = primals
  tangent_dl, tangent_d, tangent_du, tangent_b = tangents
  x = tridiagonal_solve_p.bind(dl, d, du, b, perturb_singular=perturb_singular)
  if all(type(t) is ad.Zero for t in tangents):
    return x, ad.Zero.from_primal(x)
  # A x = b  =>  A dx = db - dA x
  rhs = ad.instantiate_zeros(tangent_b)
  if not all(type(t) is ad.Zero for t in (tangent_dl, tangent_d, tangent_du)):
    tangent_dl, tangent_d, tangent_du = (ad.instantiate_zeros(t) for t in
                                         (tangent_dl, tangent_d, tangent_du))
    rhs = lax.sub(rhs, _tridiagonal_product(tangent_dl, tangent_d, tangent_du, x))
  return x, tridiagonal_solve_p.bind(dl, d, du, rhs, perturb_singular=perturb_singular)


def _tridiagonal_solve_transpose(ct, dl, d, du, b, *, perturb_singular):
  assert ad.is_undefined_primal(b) and not any(
      ad.is_undefined_primal(v) for v in (dl, d, du))
  # The transposed system: sub- and super-diagonals swap places (shifted by one).
  nb = dl.ndim - 1
  n = d.shape[-1]
  zero = np.zeros((), d.dtype)
  dl_t = lax.pad(lax.slice_in_dim(du, 0, n - 1, axis=nb), zero, [(0, 0, 0)] * nb + [(1, 0, 0)])
  du_t = lax.pad(lax.slice_in_dim(dl, 1, n, axis=nb), zero, [(0, 0, 0)] * nb + [(0, 1, 0)])
  return [None, None, None,
          tridiagonal_solve_p.bind(dl_t, d, du_t, ct, perturb_singular=perturb_singular)]


ad.primitive_jvps[tridiagonal_solve_p] = _tridiagonal_solve_jvp
ad.primitive_transposes[tridiagonal_solve_p] = _tridiagonal_solve_transpose


# ------------------------------------------------------------------------------------------------
# Batching: every linalg primitive accepts leading batch dimensions, so a vmapped axis is moved to
# the front (and unbatched operands are broadcast along it).


def _batch_at_front(primitive: Primitive) -> None:
  def rule(axis_data, vals, dims, **params):
    vals = [batching.bdim_at_front(v, d, axis_data.size) for v, d in zip(vals, dims)]
    out = primitive.bind(*vals, **params)
    if primitive.multiple_results:
      return out, [0] * len(out)
    return out, 0
  batching.primitive_batchers[primitive] = rule


for _p in (cholesky_p, eig_p, eigh_p, lu_p, lu_pivots_to_permutation_p, qr_p, geqrf_p, svd_p,
           symmetric_product_p, tridiagonal_solve_p):
  _batch_at_front(_p)


def _triangular_solve_batcher(axis_data, vals, dims, *, left_side, lower, transpose_a,
                              conjugate_a, unit_diagonal):
  a, b = vals
  a_dim, b_dim = dims
  params = dict(left_side=left_side, lower=lower, transpose_a=transpose_a,
                conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)
  if a_dim is None:
    # One matrix for the whole batch: fold the batch into b's free dimension.
    if left_side:
      b = batching.moveaxis(b, b_dim, -1)
      shape = b.shape
      flat = lax.reshape(b, shape[:-2] + (shape[-2] * shape[-1],))
      out = triangular_solve_p.bind(a, flat, **params)
      return lax.reshape(out, shape), len(shape) - 1
    b = batching.moveaxis(b, b_dim, -2)
    shape = b.shape
    flat = lax.reshape(b, shape[:-3] + (shape[-3] * shape[-2], shape[-1]))
    out = triangular_solve_p.bind(a, flat, **params)
    return lax.reshape(out, shape), len(shape) - 2
  a = batching.bdim_at_front(a, a_dim, axis_data.size)
  b = batching.bdim_at_front(b, b_dim, axis_data.size)
  return triangular_solve_p.bind(a, b, **params), 0


batching.primitive_batchers[triangular_solve_p] = _triangular_solve_batcher


# ------------------------------------------------------------------------------------------------
# hessenberg and householder_product (LAPACK's gehrd and orgqr). JAX defines no derivatives for
# them, nor for schur; differentiating them raises as it does in JAX.


def _householder_vectors(x: np.ndarray):
  """larfg on a batch of vectors x (count, k): (v, tau, beta) with (I - tau v v^H)^H x = beta e1,
  v[:, 0] = 1 and beta real. No reflection (tau = 0) where x is already a real multiple of e1."""
  alpha = x[:, 0]
  rest = np.linalg.norm(x[:, 1:], axis=1)
  keep = (rest == 0) & (np.imag(alpha) == 0)
  beta = -np.copysign(np.hypot(np.abs(alpha), rest), np.real(alpha))
  safe_beta = np.where(keep, 1, beta)
  tau = np.where(keep, 0, (beta - alpha) / safe_beta).astype(x.dtype)
  scale = np.where(keep, 1, alpha - beta)
  v = np.concatenate([np.ones_like(x[:, :1]), x[:, 1:] / scale[:, None]], axis=1)
  return v, tau, np.where(keep, alpha, beta).astype(x.dtype)


def _reflect_left(tau, v, m):
  """(I - tau v v^H)^H m, batched: v (count, k), m (count, k, cols)."""
  return m - (np.conj(tau)[:, None, None] * v[:, :, None]) * (np.conj(v)[:, None, :] @ m)


def _reflect_right(m, tau, v):
  """m (I - tau v v^H), batched: m (count, rows, k)."""
  return m - (m @ v[:, :, None]) * (tau[:, None, None] * np.conj(v)[:, None, :])


def _hessenberg_reduce(a: np.ndarray):
  """gehrd on a batch (count, n, n): the Hessenberg matrix, the reflectors packed below its
  subdiagonal, and their scales (count, n - 1)."""
  h = np.array(a, copy=True)
  count, n, _ = h.shape
  taus = np.zeros((count, max(n - 1, 0)), h.dtype)
  for j in range(n - 1):
    v, tau, beta = _householder_vectors(h[:, j + 1:, j])
    taus[:, j] = tau
    h[:, :, j + 1:] = _reflect_right(h[:, :, j + 1:], tau, v)
    h[:, j + 1:, j + 1:] = _reflect_left(tau, v, h[:, j + 1:, j + 1:])
    h[:, j + 1, j] = beta
    h[:, j + 2:, j] = v[:, 1:]
  return h, taus


def _hessenberg_q(h: np.ndarray, taus: np.ndarray) -> np.ndarray:
  """The unitary Q of a packed batch of Hessenberg reductions: reflector j acts on rows j + 1
  onwards, so Q is 1 (+) the product of the reflectors stored in h[1:, :-1]."""
  q = np.broadcast_to(np.eye(h.shape[-1], dtype=h.dtype), h.shape).copy()
  if h.shape[-1] > 1:
    q[:, 1:, 1:] = _householder_product(h[:, 1:, :-1], taus)
  return q


def _hessenberg_impl(a):
  _check_lapack_dtype(a.dtype)
  h, taus = _hessenberg_reduce(_flat_batch(a))
  return [h.reshape(a.shape), taus.reshape(a.shape[:-2] + taus.shape[1:])]


def _hessenberg_shape(shape):
  if shape[0] != shape[1]:
    raise ValueError("Argument to Hessenberg reduction must have shape [..., n, n], got shape "
                     f"{shape}")
  return shape, (max(shape[0] - 1, 0),)


hessenberg_p = _linalg_primitive("hessenberg", (2,), _hessenberg_shape, lambda d: (d, d),
                                 _hessenberg_impl, multiple_results=True)


def hessenberg(a):
  """(a, taus): gehrd's reduction Q^H a Q = H of square matrices to upper Hessenberg form, with
  H on and above the subdiagonal of the first output and the Householder vectors defining
  Q = householder_product(...) below it, scaled by `taus`."""
  h, taus = hessenberg_p.bind(a)
  return h, taus


def _householder_product_shape(a_shape, taus_shape):
  m, n = a_shape
  if m < n:
    raise ValueError("The first argument to householder_product must have at least as many rows "
                     f"as columns, got shape {a_shape}")
  if taus_shape[0] > min(m, n):
    raise ValueError("The second argument to householder_product must not have more rows than "
                     "the minimum of the first argument's rows and columns.")
  return a_shape


def _householder_product(a: np.ndarray, taus: np.ndarray) -> np.ndarray:
  """orgqr on a batch: the first n columns of H(0) H(1) ... H(k-1), H(j) = I - tau_j v_j v_j^H
  with v_j = e_j + (a[j+1:, j] below position j)."""
  count, m, n = a.shape
  q = np.broadcast_to(np.eye(m, n, dtype=a.dtype), a.shape).copy()
  for j in reversed(range(taus.shape[1])):
    v = np.concatenate([np.ones((count, 1), a.dtype), a[:, j + 1:, j]], axis=1)
    tau = taus[:, j]
    q[:, j:, j:] -= (tau[:, None, None] * v[:, :, None]) * (np.conj(v)[:, None, :] @ q[:, j:, j:])
  return q


def _householder_product_impl(a, taus):
  _check_lapack_dtype(a.dtype)
  return _householder_product(_flat_batch(a), _flat_batch(taus, 1)).reshape(a.shape)


householder_product_p = _linalg_primitive("householder_product", (2, 1),
                                          _householder_product_shape, lambda a, t: a,
                                          _householder_product_impl)


def householder_product(a, taus):
  """The matrix Q (shape of a) with orthonormal columns that the Householder reflectors stored
  below the diagonal of a, scaled by taus, multiply to (LAPACK's orgqr)."""
  return householder_product_p.bind(a, taus)


# ------------------------------------------------------------------------------------------------
# schur (LAPACK's gees): Hessenberg reduction, then shifted QR iterations with deflation. Real
# input gives the real Schur form (1x1 and standardized 2x2 diagonal blocks), complex input the
# complex (triangular) one.


def _negligible(h, k, norm) -> bool:
  """Whether subdiagonal entry h[k, k-1] is small enough to split the matrix there."""
  nearby = abs(h[k - 1, k - 1]) + abs(h[k, k])
  return abs(h[k, k - 1]) <= np.finfo(h.dtype).eps * (nearby if nearby != 0 else norm)


def _rotate(h, z, k, g):
  """The similarity transformation by the 2x2 unitary g acting on rows/columns k, k + 1."""
  h[k:k + 2, :] = g @ h[k:k + 2, :]
  h[:, k:k + 2] = h[:, k:k + 2] @ np.conj(g.T)
  z[:, k:k + 2] = z[:, k:k + 2] @ np.conj(g.T)


def _standardize_block(h, z, k) -> None:
  """Rotate the real 2x2 diagonal block at k into standard form: upper triangular if its
  eigenvalues are real, else equal diagonal entries and off-diagonal entries of opposite signs."""
  (a, b), (c, d) = h[k:k + 2, k:k + 2]
  half_difference = (a - d) / 2
  discriminant = half_difference * half_difference + b * c
  if discriminant >= 0:
    # Real eigenvalues: rotate an eigenvector into the first column.
    root = np.sqrt(discriminant)
    shift = half_difference + (root if half_difference >= 0 else -root)  # lambda - d
    x, y = (shift, c) if abs(shift) + abs(c) > 0 else (b, shift - half_difference * 2)
    r = np.hypot(x, y)
    if r == 0:
      h[k + 1, k] = 0
      return
    cs, sn = x / r, y / r
  else:
    theta = np.arctan2(d - a, b + c) / 2
    cs, sn = np.cos(theta), np.sin(theta)
  _rotate(h, z, k, np.array([[cs, sn], [-sn, cs]], h.dtype))
  if discriminant >= 0:
    h[k + 1, k] = 0
  else:
    h[k, k] = h[k + 1, k + 1] = (h[k, k] + h[k + 1, k + 1]) / 2


def _householder3(x):
  """A reflector P = I - 2 u u^T / u^T u with P x a multiple of e1 (None if x = 0)."""
  norm = np.linalg.norm(x)
  if norm == 0:
    return None
  u = np.array(x, copy=True)
  u[0] += np.copysign(norm, x[0])
  return np.eye(len(x), dtype=x.dtype) - 2 * np.outer(u, u) / (u @ u)


def _real_schur(h, z, norm) -> None:
  """Francis double-shift QR iterations on real Hessenberg h, in place, accumulating into z."""
  n = h.shape[0]
  hi, iterations = n - 1, 0
  while hi >= 0:
    lo = hi
    while lo > 0 and not _negligible(h, lo, norm):
      lo -= 1
    if lo > 0:
      h[lo, lo - 1] = 0
    if lo == hi:
      hi, iterations = hi - 1, 0
      continue
    if lo == hi - 1:
      _standardize_block(h, z, lo)
      hi, iterations = hi - 2, 0
      continue
    iterations += 1
    if iterations > 30 * n:
      raise np.linalg.LinAlgError("schur did not converge")
    if iterations % 10 == 0:  # An exceptional shift breaks cycles.
      w = abs(h[hi, hi - 1]) + abs(h[hi - 1, hi - 2])
      s, t = 1.5 * w, w * w
    else:
      s = h[hi - 1, hi - 1] + h[hi, hi]
      t = h[hi - 1, hi - 1] * h[hi, hi] - h[hi - 1, hi] * h[hi, hi - 1]
    x = h[lo, lo] * h[lo, lo] + h[lo, lo + 1] * h[lo + 1, lo] - s * h[lo, lo] + t
    y = h[lo + 1, lo] * (h[lo, lo] + h[lo + 1, lo + 1] - s)
    w = h[lo + 1, lo] * h[lo + 2, lo + 1]
    for k in range(lo, hi - 1):
      p = _householder3(np.array([x, y, w], h.dtype))
      if p is not None:
        first = max(lo, k - 1)
        h[k:k + 3, first:] = p @ h[k:k + 3, first:]
        last = min(k + 3, hi) + 1
        h[:last, k:k + 3] = h[:last, k:k + 3] @ p
        z[:, k:k + 3] = z[:, k:k + 3] @ p
      x, y = h[k + 1, k], h[k + 2, k]
      if k < hi - 2:
        w = h[k + 3, k]
    p = _householder3(np.array([x, y], h.dtype))
    if p is not None:
      h[hi - 1:hi + 1, hi - 2:] = p @ h[hi - 1:hi + 1, hi - 2:]
      h[:hi + 1, hi - 1:hi + 1] = h[:hi + 1, hi - 1:hi + 1] @ p
      z[:, hi - 1:hi + 1] = z[:, hi - 1:hi + 1] @ p
    h[...] = np.triu(h, -1)  # Round-off below the subdiagonal.


def _complex_schur(h, z, norm) -> None:
  """Single-shift (Wilkinson) QR iterations on complex Hessenberg h, in place, into z."""
  n = h.shape[0]
  hi, iterations = n - 1, 0
  while hi > 0:
    lo = hi
    while lo > 0 and not _negligible(h, lo, norm):
      lo -= 1
    if lo > 0:
      h[lo, lo - 1] = 0
    if lo == hi:
      hi, iterations = hi - 1, 0
      continue
    iterations += 1
    if iterations > 30 * n:
      raise np.linalg.LinAlgError("schur did not converge")
    a, b, c, d = h[hi - 1, hi - 1], h[hi - 1, hi], h[hi, hi - 1], h[hi, hi]
    if iterations % 10 == 0:  # An exceptional shift breaks cycles.
      shift = d + abs(c) + abs(h[hi - 1, hi - 2] if hi - 2 >= lo else 0)
    else:
      # The eigenvalue of the trailing 2x2 block nearer to its last diagonal entry: d + small,
      # small = -bc / big where big, small = half +- root (computed so, without cancellation).
      half = (a - d) / 2
      root = np.sqrt(half * half + b * c)
      big = half + root if abs(half + root) >= abs(half - root) else half - root
      shift = d - b * c / big if big != 0 else d
    x, y = h[lo, lo] - shift, h[lo + 1, lo]
    for k in range(lo, hi):
      r = np.hypot(abs(x), abs(y))
      if r != 0:
        cs, sn = x / r, y / r
        _rotate(h, z, k, np.array([[np.conj(cs), np.conj(sn)], [-sn, cs]], h.dtype))
      if k < hi - 1:
        x, y = h[k + 1, k], h[k + 2, k]
    h[...] = np.triu(h, -1)  # Round-off below the subdiagonal.


def _schur_impl(x, *, compute_schur_vectors, sort_eig_vals, select_callable):
  if sort_eig_vals or select_callable is not None:
    raise NotImplementedError("The sort feature of LAPACK's gees routine is not implemented.")
  _check_lapack_dtype(x.dtype)

  def compute(flat):
    h, taus = _hessenberg_reduce(flat)
    q = _hessenberg_q(h, taus)
    h = np.triu(h, -1)
    for m, z in zip(h, q):
      norm = np.abs(m).sum()
      (_complex_schur if m.dtype.kind == "c" else _real_schur)(m, z, norm)
    return [np.triu(h, -1 if h.dtype.kind != "c" else 0), q]

  t, vs = _each_matrix(compute, x, _nonfinite(x))
  return [t, vs] if compute_schur_vectors else [t]


def _schur_shape(shape, *, compute_schur_vectors, **_):
  if shape[0] != shape[1]:
    raise ValueError(f"The input to schur must be a square matrix. Got shape {shape}.")
  return (shape, shape) if compute_schur_vectors else (shape,)


schur_p = _linalg_primitive(
    "schur", (2,), _schur_shape,
    lambda d, *, compute_schur_vectors, **_: (d, d) if compute_schur_vectors else (d,),
    _schur_impl, multiple_results=True)


def schur(x, *, compute_schur_vectors: bool = True, sort_eig_vals: bool = False,
          select_callable=None):
  """[T, vs] with x = vs T vs^H: T upper triangular for complex x, quasi-triangular (the real
  Schur form) for real x; vs unitary (only T with `compute_schur_vectors=False`)."""
  return schur_p.bind(x, compute_schur_vectors=compute_schur_vectors,
                      sort_eig_vals=sort_eig_vals, select_callable=select_callable)



# ------------------------------------------------------------------------------------------------
# ormqr, tridiagonal (LAPACK's sytrd/hetrd) and cholesky_update. JAX defines no derivatives for
# them either.


def _ormqr_shape(a_shape, taus_shape, c_shape, *, left, transpose):
  m, n = a_shape
  if left and c_shape[0] != m:
    raise ValueError("ormqr with left=True expects c to have the same number of rows as the "
                     f"Householder matrix a. Got a shape {a_shape} and c shape {c_shape}.")
  if not left and c_shape[1] != m:
    raise ValueError("ormqr with left=False expects c to have the same number of columns as the "
                     f"Householder matrix a has rows. Got a shape {a_shape} and c shape "
                     f"{c_shape}.")
  if taus_shape[0] > min(m, n):
    raise ValueError("The second argument to ormqr must not have more rows than the minimum of "
                     "the first argument's rows and columns.")
  return c_shape


def _ormqr_impl(a, taus, c, *, left, transpose):
  """Q = H(0) ... H(k-1), H(j) = I - tau_j v_j v_j^H, applied to c one reflector at a time."""
  _check_lapack_dtype(a.dtype)
  a, taus, flat_c = _flat_batch(a), _flat_batch(taus, 1), _flat_batch(c)
  count, m, _ = a.shape
  out = np.array(flat_c, copy=True)
  k = taus.shape[1]
  # Q c = H(0) (... (H(k-1) c)) and c Q^H = c H(k-1)^H ... H(0)^H take the reflectors last
  # first; Q^H c and c Q first to last.
  order = range(k) if left == transpose else reversed(range(k))
  for j in order:
    v = np.concatenate([np.ones((count, 1), a.dtype), a[:, j + 1:, j]], axis=1)
    tau = np.conj(taus[:, j]) if transpose else taus[:, j]
    if left:  # (I - tau v v^H) c
      out[:, j:, :] -= (tau[:, None, None] * v[:, :, None]) * (np.conj(v)[:, None, :]
                                                               @ out[:, j:, :])
    else:  # c (I - tau v v^H)
      out[:, :, j:] -= (out[:, :, j:] @ v[:, :, None]) * (tau[:, None, None]
                                                          * np.conj(v)[:, None, :])
  return out.reshape(c.shape)


ormqr_p = _linalg_primitive("ormqr", (2, 1, 2), _ormqr_shape, lambda a, t, c, **_: c,
                            _ormqr_impl)


def ormqr(a, taus, c, *, left: bool = True, transpose: bool = False):
  """Q c (`left`) or c Q, with Q^H for Q when `transpose`, for the Q = H(0) ... H(k-1) of the
  Householder reflectors below the diagonal of a (as geqrf leaves them), without forming Q."""
  return ormqr_p.bind(a, taus, c, left=left, transpose=transpose)


def _tridiagonal_shape(shape, *, lower):
  if shape[0] != shape[1]:
    raise ValueError(f"The input to tridiagonal must be a square matrix. Got shape {shape}.")
  n = shape[0]
  return shape, (n,), (max(n - 1, 0),), (max(n - 1, 0),)


def _tridiagonal_impl(a, *, lower):
  _check_lapack_dtype(a.dtype)
  flat = _flat_batch(a)
  if not lower:
    # sytrd's upper reduction, last column first, is the lower one of the matrix with the order
    # of its rows and columns reversed.
    flat = flat[:, ::-1, ::-1]
  # The Hermitian matrix the lower triangle stands for (the diagonal read as real, as hetrd).
  strictly_lower = np.tril(flat, -1)
  diagonal = np.real(np.diagonal(flat, axis1=-2, axis2=-1)).astype(a.dtype)
  full = strictly_lower + np.conj(np.swapaxes(strictly_lower, -1, -2)) + \
      diagonal[:, :, None] * np.eye(flat.shape[-1], dtype=a.dtype)
  # Householder reductions of Hermitian matrices to Hessenberg form are tridiagonal.
  reduced, taus = _hessenberg_reduce(full)
  packed = np.where(np.tril(np.ones(flat.shape[-2:], bool)), reduced, flat)
  d = np.real(np.diagonal(reduced, axis1=-2, axis2=-1))
  e = np.real(np.diagonal(reduced, -1, axis1=-2, axis2=-1))
  if not lower:
    packed, d, e, taus = packed[:, ::-1, ::-1], d[:, ::-1], e[:, ::-1], taus[:, ::-1]
  batch = a.shape[:-2]
  return [packed.reshape(a.shape), d.reshape(batch + d.shape[1:]),
          e.reshape(batch + e.shape[1:]), taus.reshape(batch + taus.shape[1:])]


tridiagonal_p = _linalg_primitive(
    "tridiagonal", (2,), _tridiagonal_shape,
    lambda d, **_: (d, _real_dtype(d), _real_dtype(d), d), _tridiagonal_impl,
    multiple_results=True)


def tridiagonal(a, *, lower: bool = True):
  """(a, d, e, taus): sytrd/hetrd's reduction Q^H a Q = T of Hermitian matrices (reading the
  triangle `lower` names) to real symmetric tridiagonal T with diagonal d and off-diagonal e,
  packed with the reflectors defining Q in the other entries of that triangle."""
  packed, d, e, taus = tridiagonal_p.bind(a, lower=lower)
  return packed, d, e, taus


def _cholesky_update_abstract_eval(r, w):
  if r.ndim != 2:
    raise TypeError("Input 0 to cholesky_update must have a rank of exactly 2, but got "
                    f"shape={r.shape}")
  if w.ndim != 1:
    raise TypeError("Input 1 to cholesky_update must have a rank of exactly 1, but got "
                    f"shape={w.shape}")
  if r.shape[0] != r.shape[1] or w.shape[0] != r.shape[0]:
    raise ValueError("Rank-1 update to Cholesky decomposition takes a square matrix and a vector "
                     f"of the same size as input. Got shapes {r.shape} and {w.shape} instead")
  for i, aval in enumerate((r, w)):
    check_dtype("cholesky_update", aval.dtype, (np.floating,), position=i)
  check_same_dtypes("cholesky_update", (r, w), None)
  return ShapedArray(r.shape, r.dtype, standard_weak_type_rule(r.weak_type, w.weak_type))


def _cholesky_update_impl(r, w):
  """Rotate w into the rows of upper triangular R one at a time (R stays upper triangular)."""
  _check_lapack_dtype(r.dtype)
  r = np.triu(r)
  w = np.array(w, copy=True)
  with np.errstate(all="ignore"):
    for k in range(r.shape[0]):
      radius = np.hypot(r[k, k], w[k])
      cos, sin = radius / r[k, k], w[k] / r[k, k]
      r[k, k] = radius
      r[k, k + 1:] = (r[k, k + 1:] + sin * w[k + 1:]) / cos
      w[k + 1:] = cos * w[k + 1:] - sin * r[k, k + 1:]
  return r


cholesky_update_p = Primitive("cholesky_update")
cholesky_update_p.def_abstract_eval(_cholesky_update_abstract_eval)
cholesky_update_p.def_impl(_cholesky_update_impl)


def cholesky_update(r_matrix, w_vector):
  """The upper triangular Cholesky factor of R^T R + w w^T, from upper triangular R."""
  return cholesky_update_p.bind(r_matrix, w_vector)


def _cholesky_update_batcher(axis_data, vals, dims):
  # The primitive takes one matrix (as JAX's): a batch is updated one matrix at a time.
  r, w = (batching.bdim_at_front(v, d, axis_data.size) for v, d in zip(vals, dims))
  outs = [cholesky_update_p.bind(r[i], w[i]) for i in range(axis_data.size)]
  return lax.concatenate([lax.expand_dims(o, (0,)) for o in outs], 0), 0


batching.primitive_batchers[cholesky_update_p] = _cholesky_update_batcher


for _p in (hessenberg_p, householder_product_p, schur_p, ormqr_p, tridiagonal_p):
  _batch_at_front(_p)
