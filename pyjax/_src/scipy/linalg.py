"""`pyjax.scipy.linalg`: SciPy's linear algebra on pyjax arrays, with JAX's semantics (results
never raise for singular or indefinite inputs; `overwrite_*`/`check_finite` are accepted and
ignored), built on `lax.linalg` and `pyjax.numpy.linalg`.
"""
from __future__ import annotations

import math
import operator
import warnings
from typing import Any

import numpy as np

from pyjax._src import dtypes
from pyjax._src.ad_api import jvp
from pyjax._src.custom_derivatives import custom_jvp
from pyjax._src.lax import control_flow, lax
from pyjax._src.lax import linalg as lax_linalg
from pyjax._src.lax.qdwh import qdwh
from pyjax._src.vmap_api import vmap
from pyjax._src.numpy import creation, lax_numpy, manipulation, reductions, ufuncs
from pyjax._src.numpy import linalg as jnp_linalg
from pyjax._src.numpy.util import (asarray_or_scalar, check_arraylike, promote_dtypes,
                                   promote_dtypes_inexact)

__all__ = ["block_diag", "cho_factor", "cho_solve", "cholesky", "circulant", "companion",
           "convolution_matrix", "det", "dft", "eigh", "eigh_tridiagonal", "expm", "expm_frechet",
           "fiedler", "fiedler_companion", "funm", "hadamard", "hankel", "helmert", "hessenberg",
           "hilbert", "inv", "invhilbert", "invpascal", "leslie", "lu", "lu_factor", "lu_solve",
           "pascal", "polar", "qr", "qr_multiply", "rsf2csf", "schur", "solve", "solve_sylvester",
           "solve_triangular", "sqrtm", "svd", "toeplitz"]


def _asarray(x):
  return creation.asarray(x)


def _broadcast_batch(a, b, vector: bool):
  """a (..., n, n) and b (..., n) or (..., n, k) with their batch dimensions broadcast; b as a
  matrix (a vector becomes one column)."""
  b_batch = b.shape[:-1] if vector else b.shape[:-2]
  batch = lax_numpy.broadcast_shapes(a.shape[:-2], b_batch)
  a = lax_numpy.broadcast_to(a, batch + a.shape[-2:])
  if vector:
    b = lax.expand_dims(b, (b.ndim,))
  return a, lax_numpy.broadcast_to(b, batch + b.shape[-2:])


def _vector_rhs(name: str, a, b) -> bool:
  """Whether b is a (batch of) vectors: 1-D, or one dimension fewer than a with matching size
  (deprecated in JAX, with its FutureWarning)."""
  if b.ndim == 1:
    return True
  if a.ndim == b.ndim + 1 and a.shape[-1] == b.shape[-1]:
    warnings.warn(f"jax.scipy.linalg.{name}: batched 1D solves with b.ndim > 1 are deprecated, "
                  "and in the future will be treated as a batched 2D solve. Use "
                  f"{name}(..., b[..., None]).squeeze(-1) to avoid this warning.",
                  category=FutureWarning, stacklevel=3)
    return True
  return False


def _check_core(name: str, a, b, vector: bool) -> None:
  n = a.shape[-1]
  rows = b.shape[-1] if vector else b.shape[-2]
  if a.ndim < 2 or a.shape[-2] != n or rows != n:
    raise ValueError(f"{name}: input shapes {a.shape} and {b.shape} do not match the core "
                     f"dimensions (n,n),{'(n)' if vector else '(n,k)'}")


# ------------------------------------------------------------------------------------------------
# Cholesky


def cholesky(a, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True):
  """The Cholesky factor of a Hermitian positive-definite matrix (upper by default); only the
  triangle it returns is read."""
  a, = promote_dtypes_inexact(_asarray(a))
  factor = lax_linalg.cholesky(a if lower else ufuncs.conj(a.mT), symmetrize_input=False)
  return factor if lower else ufuncs.conj(factor.mT)


def cho_factor(a, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True):
  """(c, lower): the Cholesky factor and which triangle holds it, for `cho_solve`."""
  return (cholesky(a, lower=lower), lower)


def _cho_solve_matrix(c, b, lower: bool):
  b = lax_linalg.triangular_solve(c, b, left_side=True, lower=lower, transpose_a=not lower,
                                  conjugate_a=not lower)
  return lax_linalg.triangular_solve(c, b, left_side=True, lower=lower, transpose_a=lower,
                                     conjugate_a=lower)


def cho_solve(c_and_lower, b, overwrite_b: bool = False, check_finite: bool = True):
  """Solve a x = b given `cho_factor(a)`."""
  c, lower = c_and_lower
  c, b = promote_dtypes_inexact(_asarray(c), _asarray(b))
  vector = _vector_rhs("cho_solve", c, b)
  _check_core("cho_solve", c, b, vector)
  c, b = _broadcast_batch(c, b, vector)
  x = _cho_solve_matrix(c, b, lower)
  return x[..., 0] if vector else x


# ------------------------------------------------------------------------------------------------
# LU


def lu_factor(a, overwrite_a: bool = False, check_finite: bool = True):
  """(lu, piv): the packed LU factorization with partial pivoting and its row swaps."""
  a, = promote_dtypes_inexact(_asarray(a))
  lu_, pivots, _ = lax_linalg.lu(a)
  return lu_, pivots


def lu_solve(lu_and_piv, b, trans: int = 0, overwrite_b: bool = False,
             check_finite: bool = True):
  """Solve a x = b (trans 0), a^T x = b (1) or a^H x = b (2) given `lu_factor(a)`."""
  lu_, pivots = lu_and_piv
  lu_, b = promote_dtypes_inexact(_asarray(lu_), _asarray(b))
  m = lu_.shape[-2]
  permutation = lax_linalg.lu_pivots_to_permutation(pivots, m)
  vector = _vector_rhs("lu_solve", lu_, b)
  _check_core("lu_solve", lu_, b, vector)
  lu_, b = _broadcast_batch(lu_, b, vector)
  permutation = lax_numpy.broadcast_to(permutation, lu_.shape[:-1])
  x = lax_linalg._lu_solve(lu_, permutation, b, trans)
  return x[..., 0] if vector else x


def lu(a, permute_l: bool = False, overwrite_a: bool = False, check_finite: bool = True):
  """(p, l, u) with a = p l u (or (p l, u) with `permute_l`): l unit lower triangular (m, k),
  u upper triangular (k, n), p a permutation matrix."""
  a, = promote_dtypes_inexact(_asarray(a))
  lu_, _, permutation = lax_linalg.lu(a)
  dtype = a.dtype
  *batch, m, n = a.shape
  k = min(m, n)
  nb = len(batch)
  # p[..., i, j] = (permutation[..., j] == i)
  p = lax_numpy.matrix_transpose(lax_linalg._permutation_matrix(permutation, dtype))
  l = lax.slice(lax_linalg._tril(lu_, -1), (0,) * (nb + 2), (*batch, m, k))
  l = l + lax_numpy.broadcast_to(creation.eye(m, k, dtype=dtype), l.shape)
  u = lax.slice(lax_linalg._triu(lu_), (0,) * (nb + 2), (*batch, k, n))
  if permute_l:
    return lax_numpy.matmul(p, l), u
  return p, l, u


# ------------------------------------------------------------------------------------------------
# Decompositions and solves delegating to lax.linalg / numpy.linalg


def svd(a, full_matrices: bool = True, compute_uv: bool = True, overwrite_a: bool = False,
        check_finite: bool = True, lapack_driver: str = "gesdd"):
  """(u, s, vh) with a = u diag(s) vh, or s alone."""
  a, = promote_dtypes_inexact(_asarray(a))
  return lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)


def det(a, overwrite_a: bool = False, check_finite: bool = True):
  """Determinants of square matrices."""
  return jnp_linalg.det(a)


def inv(a, overwrite_a: bool = False, check_finite: bool = True):
  """Inverses of square matrices."""
  return jnp_linalg.inv(a)


def eigh(a, b=None, lower: bool = True, eigvals_only: bool = False, overwrite_a: bool = False,
         overwrite_b: bool = False, turbo: bool = True, eigvals=None, type: int = 1,
         check_finite: bool = True):
  """(w, v): ascending eigenvalues and eigenvectors of a Hermitian matrix, reading the triangle
  `lower` names (only the standard problem, b=None)."""
  if b is not None:
    raise NotImplementedError("Only the b=None case of eigh is implemented")
  if type != 1:
    raise NotImplementedError("Only the type=1 case of eigh is implemented.")
  if eigvals is not None:
    raise NotImplementedError("Only the eigvals=None case of eigh is implemented.")
  a, = promote_dtypes_inexact(_asarray(a))
  v, w = lax_linalg.eigh(a, lower=lower)
  return w if eigvals_only else (w, v)


def qr(a, overwrite_a: bool = False, lwork: Any = None, mode: str = "full",
       pivoting: bool = False, check_finite: bool = True):
  """QR decomposition: (q, r) ("full", "economic") or (r,) ("r"), with the column order p
  appended when `pivoting`."""
  if mode in ("full", "r"):
    full_matrices = True
  elif mode == "economic":
    full_matrices = False
  else:
    raise ValueError(f"Unsupported QR decomposition mode '{mode}'")
  a, = promote_dtypes_inexact(_asarray(a))
  q, r, *p = lax_linalg.qr(a, pivoting=pivoting, full_matrices=full_matrices)
  if mode == "r":
    return (r, p[0]) if pivoting else (r,)
  return (q, r, p[0]) if pivoting else (q, r)


@custom_jvp
def _solve_positive(a, b, lower):
  return _cho_solve_matrix(cholesky(a, lower=lower), b, lower)


@_solve_positive.defjvp
def _solve_positive_jvp(primals, tangents):
  a, b, lower = primals
  da, db, _ = tangents
  factor = cholesky(a, lower=lower)
  x = _cho_solve_matrix(factor, b, lower)
  return x, _cho_solve_matrix(factor, db - lax_linalg._matmul(da, x), lower)


def solve(a, b, lower: bool = False, overwrite_a: bool = False, overwrite_b: bool = False,
          debug: bool = False, check_finite: bool = True, assume_a: str = "gen"):
  """The x with a x = b; `assume_a="pos"` uses a Cholesky factorization (reading the triangle
  `lower` names), the other kinds an LU one."""
  valid_assume_a = ["gen", "sym", "her", "pos"]
  if assume_a not in valid_assume_a:
    raise ValueError(f"Expected assume_a to be one of {valid_assume_a}; got {assume_a!r}")
  if assume_a != "pos":
    return jnp_linalg.solve(a, b)
  a, b = promote_dtypes_inexact(_asarray(a), _asarray(b))
  if not (a.ndim >= 2 and b.ndim in (a.ndim, a.ndim - 1) and a.shape[-1] == a.shape[-2]
          == b.shape[a.ndim - 2]):
    raise ValueError("The arguments to solve must have shapes a=[..., m, m] and b=[..., m, k] "
                     f"or b=[..., m]; got a={a.shape} and b={b.shape}")
  vector = a.ndim == b.ndim + 1
  a, b = _broadcast_batch(a, b, vector)
  x = _solve_positive(a, b, bool(lower))
  return x[..., 0] if vector else x


def solve_triangular(a, b, trans: int | str = 0, lower: bool = False,
                     unit_diagonal: bool = False, overwrite_b: bool = False, debug: Any = None,
                     check_finite: bool = True):
  """Solve op(a) x = b for triangular a: op is the identity (trans 0/"N"), transposition
  (1/"T") or conjugate transposition (2/"C")."""
  if trans == 0 or trans == "N":
    transpose_a, conjugate_a = False, False
  elif trans == 1 or trans == "T":
    transpose_a, conjugate_a = True, False
  elif trans == 2 or trans == "C":
    transpose_a, conjugate_a = True, True
  else:
    raise ValueError(f"Invalid 'trans' value {trans}")
  a, b = promote_dtypes_inexact(_asarray(a), _asarray(b))
  vector = _vector_rhs("solve_triangular", a, b)
  _check_core("solve_triangular", a, b, vector)
  a, b = _broadcast_batch(a, b, vector)
  x = lax_linalg.triangular_solve(a, b, left_side=True, lower=lower, transpose_a=transpose_a,
                                  conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)
  return x[..., 0] if vector else x


def polar(a, side: str = "right", *, method: str = "qdwh", eps: float | None = None,
          max_iterations: int | None = None):
  """(unitary, posdef) with a = unitary posdef ("right") or posdef unitary ("left"), by the QDWH
  iteration (`lax.linalg.qdwh`; `eps` is its tolerance) or from the SVD. As in JAX,
  `max_iterations` is accepted but QDWH runs with its own limit."""
  arr = _asarray(a)
  if arr.ndim < 2:
    raise ValueError("The input `a` must be at least a 2-D array.")
  if side not in ["right", "left"]:
    raise ValueError("The argument `side` must be either 'right' or 'left'.")
  m, n = arr.shape[-2:]
  if method == "qdwh":
    if not ((m >= n and side == "right") or (m < n and side == "left")):
      raise NotImplementedError("method='qdwh' only supports mxn matrices where m < n where "
                                "side='right' and m >= n side='left', got "
                                f"{arr.shape} with side={side!r}")
    transpose = side == "left"
    x = ufuncs.conj(arr.mT) if transpose else arr

    def one(matrix):
      return qdwh(matrix, eps=eps)[:2]
    for _ in range(x.ndim - 2):
      one = vmap(one)
    unitary, posdef = one(x)
    if transpose:
      unitary, posdef = ufuncs.conj(unitary.mT), ufuncs.conj(posdef.mT)
    return unitary, posdef
  elif method != "svd":
    raise ValueError(f"Unknown polar decomposition method {method}.")
  u, s, vh = lax_linalg.svd(arr, full_matrices=False)
  s = lax.expand_dims(s.astype(u.dtype), (s.ndim - 1,))
  unitary = lax_numpy.matmul(u, vh)
  if side == "right":
    posdef = lax_numpy.matmul(ufuncs.conj(vh.mT) * s, vh)
  else:
    posdef = lax_numpy.matmul(u * s, ufuncs.conj(u.mT))
  return unitary, posdef


# ------------------------------------------------------------------------------------------------
# expm: scaling and squaring with Pade approximants (Higham 2005), as JAX computes it


def _pade_terms(a, b, powers):
  """(U, V) of the Pade approximant with coefficients b from the even powers of a."""
  n = a.shape[-1]
  ident = creation.eye(n, dtype=a.dtype)
  odd = b[1] * ident
  even = b[0] * ident
  for i, p in enumerate(powers, start=1):
    odd = odd + b[2 * i + 1] * p
    even = even + b[2 * i] * p
  return lax_numpy.matmul(a, odd), even


def _pade3(a):
  a2 = lax_numpy.matmul(a, a)
  return _pade_terms(a, (120., 60., 12., 1.), [a2])


def _pade5(a):
  a2 = lax_numpy.matmul(a, a)
  a4 = lax_numpy.matmul(a2, a2)
  return _pade_terms(a, (30240., 15120., 3360., 420., 30., 1.), [a2, a4])


def _pade7(a):
  a2 = lax_numpy.matmul(a, a)
  a4 = lax_numpy.matmul(a2, a2)
  a6 = lax_numpy.matmul(a4, a2)
  return _pade_terms(a, (17297280., 8648640., 1995840., 277200., 25200., 1512., 56., 1.),
                     [a2, a4, a6])


def _pade9(a):
  a2 = lax_numpy.matmul(a, a)
  a4 = lax_numpy.matmul(a2, a2)
  a6 = lax_numpy.matmul(a4, a2)
  a8 = lax_numpy.matmul(a6, a2)
  return _pade_terms(a, (17643225600., 8821612800., 2075673600., 302702400., 30270240.,
                         2162160., 110880., 3960., 90., 1.), [a2, a4, a6, a8])


def _pade13(a):
  b = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
       129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920., 40840800.,
       960960., 16380., 182., 1.)
  ident = creation.eye(a.shape[-1], dtype=a.dtype)
  a2 = lax_numpy.matmul(a, a)
  a4 = lax_numpy.matmul(a2, a2)
  a6 = lax_numpy.matmul(a4, a2)
  u = lax_numpy.matmul(a, lax_numpy.matmul(a6, b[13] * a6 + b[11] * a4 + b[9] * a2)
                       + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * ident)
  v = (lax_numpy.matmul(a6, b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4
       + b[2] * a2 + b[0] * ident)
  return u, v


def _expm_2d(a, upper_triangular: bool, max_squarings: int):
  a_l1 = jnp_linalg.norm(a, 1)
  if a.dtype in (np.float64, np.complex128):
    maxnorm = 5.371920351148152
    conds = np.array([1.495585217958292e-002, 2.539398330063230e-001, 9.504178996162932e-001,
                      2.097847961257068e+000], a_l1.dtype)
    approximants = [_pade3, _pade5, _pade7, _pade9, _pade13]
  elif a.dtype in (np.float32, np.complex64):
    maxnorm = 3.925724783138660
    conds = np.array([4.258730016922831e-001, 1.880152677804762e+000], a_l1.dtype)
    approximants = [_pade3, _pade5, _pade7]
  else:
    raise TypeError(f"A.dtype={a.dtype} is not supported.")
  n_squarings = ufuncs.maximum(0, ufuncs.floor(ufuncs.log2(a_l1 / maxnorm)))
  a = a / (2 ** n_squarings.astype(a.dtype))
  # digitize: the number of thresholds at or below the norm picks the approximant.
  index = reductions.sum(ufuncs.less_equal(conds, a_l1)).astype(np.int32)
  u, v = control_flow.switch(index, approximants, a)
  p, q = u + v, -u + v
  if upper_triangular:
    r = solve_triangular(q, p)
  else:
    r = jnp_linalg.solve(q, p)

  def square(i, r):
    return control_flow.cond(i < n_squarings, lambda x: lax_numpy.matmul(x, x), lambda x: x, r)

  r = control_flow.fori_loop(0, max_squarings, square, r)
  return lax_numpy.where(n_squarings > max_squarings, np.nan, r).astype(r.dtype)


def expm(A, *, upper_triangular: bool = False, max_squarings: int = 16):
  """The matrix exponential of (a batch of) square matrices; NaNs when the norm would need more
  than `max_squarings` squarings."""
  A, = promote_dtypes_inexact(_asarray(A))
  if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
    raise ValueError(f"Expected A to be a (batched) square matrix, got A.shape={A.shape}.")
  if A.ndim == 2:
    return _expm_2d(A, upper_triangular, max_squarings)
  batch = A.shape[:-2]
  flat = A.reshape((-1,) + A.shape[-2:])
  results = [_expm_2d(flat[i], upper_triangular, max_squarings) for i in range(flat.shape[0])]
  if not results:
    return A
  return lax_numpy.stack(results).reshape(batch + A.shape[-2:])


def expm_frechet(A, E, *, method: str | None = None, compute_expm: bool = True):
  """The Frechet derivative of expm at A in direction E (with expm(A) first, by default)."""
  a, e = _asarray(A), _asarray(E)
  if a.ndim < 2 or a.shape[-2] != a.shape[1]:
    raise ValueError(f"expected A to be a (batched) square matrix, got A.shape={a.shape}")
  if e.ndim < 2 or e.shape[-2] != e.shape[-1]:
    raise ValueError(f"expected E to be a (batched) square matrix, got E.shape={e.shape}")
  if a.shape != e.shape:
    raise ValueError(f"expected A and E to be the same shape, got A.shape={a.shape} "
                     f"E.shape={e.shape}")
  expm_a, frechet = jvp(lambda x: expm(x), (a,), (e,))
  return (expm_a, frechet) if compute_expm else frechet


# ------------------------------------------------------------------------------------------------
# eigh_tridiagonal


def eigh_tridiagonal(d, e, *, eigvals_only: bool = False, select: str = "a",
                     select_range: tuple[float, float] | None = None, tol: float | None = None,
                     key=None):
  """Eigenvalues (and eigenvectors) of the symmetric tridiagonal matrix with diagonal d and
  off-diagonal e, computed from the dense matrix's eigendecomposition."""
  alpha, beta = _asarray(d), _asarray(e)
  supported = (np.float32, np.float64, np.complex64, np.complex128)
  if alpha.dtype != beta.dtype:
    raise TypeError("diagonal and off-diagonal values must have same dtype, got "
                    f"{alpha.dtype} and {beta.dtype}")
  if alpha.dtype not in supported or beta.dtype not in supported:
    raise TypeError("Only float32 and float64 inputs are supported as inputs to "
                    f"jax.scipy.linalg.eigh_tridiagonal, got {alpha.dtype} and {beta.dtype}")
  n = alpha.shape[0]
  if n <= 1:
    values = ufuncs.real(alpha)
    return values if eigvals_only else (values, creation.eye(n, dtype=alpha.dtype))
  if select == "a":
    lo, hi = 0, n
  elif select == "i":
    if select_range is None:
      raise ValueError("for select='i', select_range must be specified.")
    if select_range[0] > select_range[1]:
      raise ValueError("Got empty index range in select_range.")
    lo, hi = int(select_range[0]), int(select_range[1]) + 1
  elif select == "v":
    raise NotImplementedError("eigh_tridiagonal(..., select='v') is not implemented")
  else:
    raise ValueError("'select must have a value in {'a', 'i', 'v'}.")
  zero = np.zeros((), alpha.dtype)
  below = lax.pad(lax_linalg._diag_matrix(beta), zero, ((1, 0, 0), (0, 1, 0)))
  above = lax.pad(lax_linalg._diag_matrix(ufuncs.conj(beta)), zero, ((0, 1, 0), (1, 0, 0)))
  dense = lax_linalg._diag_matrix(alpha) + below + above
  v, w = lax_linalg.eigh(dense, lower=True, symmetrize_input=False)
  w = w[lo:hi]
  return w if eigvals_only else (w, v[:, lo:hi])


# ------------------------------------------------------------------------------------------------
# Special matrices


def block_diag(*arrs):
  """The block-diagonal matrix of the given (at most 2-D) arrays."""
  if len(arrs) == 0:
    arrs = (creation.zeros((1, 0)),)
  arrs = tuple(promote_dtypes(*arrs))
  bad_shapes = [i for i, a in enumerate(arrs) if np.ndim(a) > 2]
  if bad_shapes:
    raise ValueError("Arguments to jax.scipy.linalg.block_diag must have at most 2 dimensions, "
                     f"got {arrs[bad_shapes[0]]} at argument {bad_shapes[0]}.")
  converted = [a.reshape((1,) * (2 - a.ndim) + a.shape) for a in arrs]
  dtype = converted[0].dtype
  total_cols = sum(a.shape[1] for a in converted)
  padded, current = [], 0
  for arr in converted:
    cols = arr.shape[1]
    padded.append(lax.pad(arr, np.zeros((), dtype),
                          ((0, 0, 0), (current, total_cols - cols - current, 0))))
    current += cols
  return lax_numpy.concatenate(padded, axis=0)


def _atleast_1d(x):
  x = _asarray(x)
  return x.reshape((1,)) if x.ndim == 0 else x


def _sliding_windows(v, rows: int, cols: int):
  """W[..., i, j] = v[..., i + j] for a vector v of length rows + cols - 1 (batched over leading
  dimensions): a broadcast, a reshape and slices, so it stays differentiable."""
  *batch, length = v.shape
  nb = len(batch)
  tiled = lax.broadcast_in_dim(v, (*batch, rows + 1, length), (*range(nb), nb + 1))
  flat = tiled.reshape((*batch, (rows + 1) * length))
  flat = lax.slice(flat, (0,) * (nb + 1), (*batch, rows * (length + 1)))
  windows = flat.reshape((*batch, rows, length + 1))
  return lax.slice(windows, (0,) * (nb + 2), (*batch, rows, cols))


def _toeplitz(c, r):
  rows, cols = c.shape[-1], r.shape[-1]
  batch = lax_numpy.broadcast_shapes(c.shape[:-1], r.shape[:-1])
  c, r = promote_dtypes(c, r)
  if rows == 0 or cols == 0:
    return creation.zeros(batch + (rows, cols), dtype=c.dtype)
  c = lax_numpy.broadcast_to(c, batch + (rows,))
  r = lax_numpy.broadcast_to(r, batch + (cols,))
  elems = lax_numpy.concatenate((lax.rev(c, (c.ndim - 1,)), r[..., 1:]), axis=-1)
  return lax.rev(_sliding_windows(elems, rows, cols), (len(batch),))


def toeplitz(c, r=None):
  """The Toeplitz matrix with first column c and first row r (default conj(c); r[0] ignored),
  batched over leading dimensions."""
  if r is None:
    check_arraylike("toeplitz", c)
    r = ufuncs.conjugate(_asarray(c))
  else:
    check_arraylike("toeplitz", c, r)
  return _toeplitz(_atleast_1d(c), _atleast_1d(r))


def hankel(c, r=None):
  """The Hankel matrix with first column c and last row r (default zeros; r[0] ignored)."""
  if r is None:
    check_arraylike("hankel", c)
    c = _asarray(c)
    r = creation.zeros_like(c)
  else:
    check_arraylike("hankel", c, r)
    c, r = _asarray(c), _asarray(r)
  if c.ndim == 0:
    raise ValueError("hankel: c must be at least 1-dimensional, got a scalar.")
  if r.ndim == 0:
    raise ValueError("hankel: r must be at least 1-dimensional, got a scalar.")
  rows, cols = c.shape[-1], r.shape[-1]
  batch = lax_numpy.broadcast_shapes(c.shape[:-1], r.shape[:-1])
  c, r = promote_dtypes(c, r)
  if rows == 0 or cols == 0:
    return creation.zeros(batch + (rows, cols), dtype=c.dtype)
  c = lax_numpy.broadcast_to(c, batch + (rows,))
  r = lax_numpy.broadcast_to(r, batch + (cols,))
  return _sliding_windows(lax_numpy.concatenate((c, r[..., 1:]), axis=-1), rows, cols)


def circulant(c):
  """The circulant matrix whose first column is c (each column the previous one rolled)."""
  check_arraylike("circulant", c)
  c = _atleast_1d(c)
  first_row = lax_numpy.concatenate((c[..., :1], lax.rev(c[..., 1:], (c.ndim - 1,))), axis=-1)
  return _toeplitz(c, first_row)


def leslie(f, s):
  """The Leslie matrix: fecundities f in the first row, survival rates s on the subdiagonal."""
  check_arraylike("leslie", f, s)
  f_arr, s_arr = _atleast_1d(f), _atleast_1d(s)
  if f_arr.shape[-1] < 2:
    raise ValueError("The length of f along the last axis must be at least 2; got shape "
                     f"{f_arr.shape}.")
  if s_arr.shape[-1] != f_arr.shape[-1] - 1:
    raise ValueError("Incorrect lengths for f and s. The length of s along the last axis must be "
                     f"one less than the length of f; got f shape {f_arr.shape} and s shape "
                     f"{s_arr.shape}.")
  f_arr, s_arr = promote_dtypes(f_arr, s_arr)
  batch = lax_numpy.broadcast_shapes(f_arr.shape[:-1], s_arr.shape[:-1])
  f_arr = lax_numpy.broadcast_to(f_arr, batch + f_arr.shape[-1:])
  s_arr = lax_numpy.broadcast_to(s_arr, batch + s_arr.shape[-1:])
  nb = len(batch)
  zero = np.zeros((), f_arr.dtype)
  below = lax.pad(lax_linalg._diag_matrix(s_arr), zero,
                  [(0, 0, 0)] * nb + [(1, 0, 0), (0, 1, 0)])
  rest = lax.slice(below, (0,) * nb + (1, 0), below.shape)
  return lax_numpy.concatenate((lax.expand_dims(f_arr, (nb,)), rest), axis=-2)


def companion(a):
  """The companion matrix of the polynomial with coefficients a (highest degree first)."""
  check_arraylike("companion", a)
  a, = promote_dtypes_inexact(_atleast_1d(a))
  if a.shape[-1] < 2:
    raise ValueError("The length of `a` along the last axis must be at least 2; got shape "
                     f"{a.shape}.")
  first_row = -a[..., 1:] / a[..., :1]
  m = a.shape[-1] - 1
  batch = a.shape[:-1]
  nb = len(batch)
  shift = lax_numpy.broadcast_to(creation.eye(m, m, k=-1, dtype=first_row.dtype),
                                 batch + (m, m))
  rest = lax.slice(shift, (0,) * nb + (1, 0), shift.shape)
  return lax_numpy.concatenate((lax.expand_dims(first_row, (nb,)), rest), axis=-2)


def fiedler(a):
  """The symmetric Fiedler matrix |a_i - a_j|."""
  check_arraylike("fiedler", a)
  arr = _atleast_1d(a)
  return ufuncs.absolute(arr[..., None] - arr[..., None, :])


def convolution_matrix(a, n: int, mode: str = "full"):
  """The Toeplitz matrix A with A @ v equal to the convolution of a and v (length n), in mode
  'full', 'valid' or 'same'."""
  n = operator.index(n)
  if n <= 0:
    raise ValueError(f"n must be a positive integer; got {n}.")
  check_arraylike("convolution_matrix", a)
  a_arr = _asarray(a)
  if a_arr.ndim == 0:
    raise ValueError("convolution_matrix: a must be at least 1-dimensional, got a scalar.")
  m = a_arr.shape[-1]
  if m < 1:
    raise ValueError(f"len(a) must be at least 1; got shape {a_arr.shape}.")
  if mode not in ("full", "valid", "same"):
    raise ValueError(f"mode must be one of 'full', 'valid', 'same'; got {mode!r}.")
  pad = [(0, 0, 0)] * (a_arr.ndim - 1) + [(0, n - 1, 0)]
  zero = np.zeros((), a_arr.dtype)
  az = lax.pad(a_arr, zero, pad)
  raz = lax.pad(lax.rev(a_arr, (a_arr.ndim - 1,)), zero, pad)
  length = m + n - 1
  if mode == "same":
    trim = min(n, m) - 1
    tb = trim // 2
    te = trim - tb
  elif mode == "valid":
    tb = te = min(n, m) - 1
  else:
    tb = te = 0
  col0 = lax.slice_in_dim(az, tb, length - te, axis=a_arr.ndim - 1)
  row0 = lax.slice_in_dim(raz, length - n - tb, length - tb, axis=a_arr.ndim - 1)
  return toeplitz(col0, row0)


def hilbert(n: int):
  """The Hilbert matrix 1 / (i + j + 1)."""
  a = lax.broadcasted_iota(dtypes.default_float_dtype(), (n, 1), 0)
  return 1 / (a + a.T + 1)


def _float_array(values: np.ndarray):
  return creation.array(values.astype(dtypes.default_float_dtype()))


def invhilbert(n: int):
  """The inverse of the n x n Hilbert matrix (from its closed form)."""
  values = np.array([[(-1.0) ** (i + j) * (i + j + 1) * math.comb(n + i, n - j - 1)
                      * math.comb(n + j, n - i - 1) * math.comb(i + j, i) ** 2
                      for j in range(n)] for i in range(n)], float).reshape(n, n)
  return _float_array(values)


def _binomials(n: int) -> np.ndarray:
  return np.array([[math.comb(i, j) for j in range(n)] for i in range(n)], float).reshape(n, n)


def pascal(n: int, kind: str | None = None):
  """The Pascal matrix: binomial coefficients, "symmetric" (default), "lower" or "upper"."""
  if kind is None:
    kind = "symmetric"
  valid_kind = ["symmetric", "lower", "upper"]
  if kind not in valid_kind:
    raise ValueError(f"Expected kind to be on of: {valid_kind}; got {kind}")
  lower = _binomials(n)
  values = {"lower": lower, "upper": lower.T, "symmetric": lower @ lower.T}[kind]
  return creation.array(values.astype(np.float32))


def invpascal(n: int, kind: str | None = None):
  """The inverse of `pascal(n, kind)`."""
  if kind is None:
    kind = "symmetric"
  valid_kind = ["symmetric", "lower", "upper"]
  if kind not in valid_kind:
    raise ValueError(f"Expected kind to be one of: {valid_kind}; got {kind}")
  i = np.arange(n)[:, None]
  j = np.arange(n)[None, :]
  lower_inv = (-1.0) ** (i - j) * _binomials(n)
  values = {"lower": lower_inv, "upper": lower_inv.T,
            "symmetric": lower_inv.T @ lower_inv}[kind]
  return _float_array(values)


def helmert(n: int, full: bool = False):
  """The Helmert matrix (n - 1 x n, or n x n with `full`): orthonormal contrasts."""
  if n < 1:
    raise ValueError(f"n must be a positive integer; got {n}.")
  i = np.arange(n - 1)[:, None]
  j = np.arange(n)[None, :]
  k = (i + 1).astype(np.float64)
  denom = np.sqrt(k * (k + 1))
  h = np.where(j <= i, 1.0 / denom, np.where(j == i + 1, -k / denom, 0.0))
  if full:
    h = np.concatenate([np.full((1, n), 1.0 / np.sqrt(n)), h], axis=0)
  return _float_array(h)


def hadamard(n: int, dtype=int):
  """The Sylvester-construction Hadamard matrix of order n (a power of 2)."""
  if n < 1 or not math.log2(n).is_integer():
    raise ValueError(f"n must be a positive power of 2; got {n}.")
  h = np.ones((1, 1))
  for _ in range(int(math.log2(n))):
    h = np.block([[h, h], [h, -h]])
  return creation.array(h, dtype=dtype)


def dft(n: int, scale: str | None = None, *, dtype=None):
  """The discrete Fourier transform matrix exp(-2 pi i j k / n), optionally scaled by 1/sqrt(n)
  ("sqrtn") or 1/n ("n")."""
  if scale is not None and scale not in ("sqrtn", "n"):
    raise ValueError(f"scale must be None, 'sqrtn', or 'n'; got {scale!r}.")
  if dtype is None:
    dtype = dtypes.canonicalize_dtype(np.complex128)
  else:
    dtype = dtypes.check_user_dtype_supported(dtype, "dft")
    if not dtypes.issubdtype(dtype, np.complexfloating):
      raise ValueError(f"dtype must be a complex floating-point type; got {dtype}.")
  a = creation.arange(n, dtype=dtype)
  omegas = ufuncs.exp(-2j * np.pi * a[:, None] * a[None, :] / n)
  if scale == "sqrtn":
    omegas = omegas / ufuncs.sqrt(np.array(n, dtype))
  elif scale == "n":
    omegas = omegas / n
  return omegas


# ------------------------------------------------------------------------------------------------
# Hessenberg and Schur forms, and the matrix functions built on the complex Schur form


def hessenberg(a, *, calc_q: bool = False, overwrite_a: bool = False, check_finite: bool = True):
  """The upper Hessenberg form H = Q^H a Q of square matrices, and with `calc_q` (H, Q)."""
  a = _asarray(a)
  packed, taus = lax_linalg.hessenberg(a)
  h = lax_linalg._triu(packed, -1)
  if not calc_q:
    return h
  # Reflector j acts on rows j + 1 onwards: Q = 1 (+) the product of those stored in h[1:, :-1].
  nb = a.ndim - 2
  n = a.shape[-1]
  rest = lax_linalg.householder_product(packed[..., 1:, :-1], taus)
  q = lax.pad(rest, np.zeros((), a.dtype), [(0, 0, 0)] * nb + [(1, 0, 0), (1, 0, 0)])
  corner = np.zeros((n, n), a.dtype)
  if n:
    corner[0, 0] = 1
  return h, q + corner


def _complex_dtype(dtype) -> np.dtype:
  return np.result_type(dtype, np.complex64)


def schur(a, output: str = "real"):
  """[T, Z] with a = Z T Z^H: T quasi-upper-triangular (output "real", for real a) or upper
  triangular ("complex"), Z unitary."""
  if output not in ("real", "complex"):
    raise ValueError(f"Expected 'output' to be either 'real' or 'complex', got {output=}.")
  a = _asarray(a)
  if output == "complex":
    a, = promote_dtypes_inexact(a)
    a = a.astype(_complex_dtype(a.dtype))
  return lax_linalg.schur(a)


def rsf2csf(T, Z, check_finite: bool = True):
  """(T, Z) in complex Schur form from a real Schur form: each 2x2 block of a complex pair is
  rotated into a triangular one, eigenvalue with positive imaginary part first."""
  T, Z = (_asarray(x) for x in (T, Z))
  if T.ndim < 2 or T.shape[-1] != T.shape[-2]:
    raise ValueError("Input 'T' must be square.")
  if Z.ndim < 2 or Z.shape[-1] != Z.shape[-2]:
    raise ValueError("Input 'Z' must be square.")
  if T.shape[-1] != Z.shape[-1]:
    raise ValueError(f"Input array shapes must match: Z: {Z.shape} vs. T: {T.shape}")
  T, Z = promote_dtypes_inexact(T, Z)
  dtype = _complex_dtype(T.dtype)
  batch = lax_numpy.broadcast_shapes(T.shape[:-2], Z.shape[:-2])
  T = lax_numpy.broadcast_to(T.astype(dtype), batch + T.shape[-2:])
  Z = lax_numpy.broadcast_to(Z.astype(dtype), batch + Z.shape[-2:])
  eps = np.finfo(dtype).eps
  for m in range(T.shape[-1] - 1, 0, -1):
    a, b = T[..., m - 1, m - 1], T[..., m - 1, m]
    c, d = T[..., m, m - 1], T[..., m, m]
    coupled = ufuncs.abs(c) > eps * (ufuncs.abs(a) + ufuncs.abs(d))
    # Blocks left alone get a harmless stand-in, so that no infinite derivative (of a square
    # root at zero) reaches the selection below as a NaN.
    a, b, c, d = (lax_numpy.where(coupled, x, fill) for x, fill in zip((a, b, c, d),
                                                                         (0, -1, 1, 0)))
    # mu: the block's eigenvalue with positive imaginary part, relative to d.
    half = (a - d) / 2
    mu = half + ufuncs.sqrt(half * half + b * c)
    r = ufuncs.sqrt(ufuncs.abs(mu) ** 2 + ufuncs.abs(c) ** 2)
    cs, sn = mu / r, c / r
    g = lax_numpy.stack([lax_numpy.stack([ufuncs.conj(cs), sn], -1),
                         lax_numpy.stack([-sn, cs], -1)], -2)
    g_h = ufuncs.conj(lax_numpy.swapaxes(g, -1, -2))
    rotated = T.at[..., m - 1:m + 1, m - 1:].set(lax_numpy.matmul(g, T[..., m - 1:m + 1, m - 1:]))
    rotated = rotated.at[..., :m + 1, m - 1:m + 1].set(
        lax_numpy.matmul(rotated[..., :m + 1, m - 1:m + 1], g_h))
    rotated = rotated.at[..., m, m - 1].set(0)
    rotated_z = Z.at[..., :, m - 1:m + 1].set(lax_numpy.matmul(Z[..., :, m - 1:m + 1], g_h))
    T = lax_numpy.where(coupled[..., None, None], rotated, T)
    Z = lax_numpy.where(coupled[..., None, None], rotated_z, Z)
  return T, Z


def _superdiagonal(x, k: int):
  return manipulation.diagonal(x, offset=k, axis1=-2, axis2=-1)


def _set_superdiagonal(x, k: int, values):
  n = x.shape[-1]
  rows = np.arange(n - k)
  return x.at[..., rows, rows + k].set(values)


def sqrtm(A, blocksize: int = 1):
  """The principal square root of a square matrix (complex), from its complex Schur form T:
  the upper triangular R with R R = T is found one superdiagonal at a time."""
  if blocksize > 1:
    raise NotImplementedError("Blocked version is not implemented yet.")
  T, Z = schur(A, output="complex")
  if T.ndim != 2:
    raise ValueError("diag input must be 1d or 2d")
  n = T.shape[-1]
  root_diagonal = ufuncs.sqrt(_superdiagonal(T, 0))
  R = lax_linalg._diag_matrix(root_diagonal)
  for k in range(1, n):
    # R[i, i+k] (R[i, i] + R[i+k, i+k]) = T[i, i+k] - sum over i < j < i+k of R[i, j] R[j, i+k],
    # and that sum is (R R)[i, i+k] while superdiagonals k and beyond are still zero.
    inner = _superdiagonal(lax_numpy.matmul(R, R), k)
    values = (_superdiagonal(T, k) - inner) / (root_diagonal[:n - k] + root_diagonal[k:])
    R = _set_superdiagonal(R, k, values)
  return lax_numpy.matmul(lax_numpy.matmul(Z, R), ufuncs.conj(Z.T))


def funm(A, func, disp: bool = True):
  """func applied to a square matrix through its complex Schur form T = Z^H A Z: F = f(T) by
  Parlett's recurrence, returned as Z F Z^H; with `disp=False` also an estimate of the relative
  error (large when eigenvalues are close)."""
  A = _asarray(A)
  if A.ndim != 2 or A.shape[0] != A.shape[1]:
    raise ValueError("expected square array_like input")
  T, Z = lax_linalg.schur(A)
  if not dtypes.issubdtype(A.dtype, np.complexfloating):
    T, Z = rsf2csf(T, Z)
  n = T.shape[-1]
  diagonal = _superdiagonal(T, 0)
  F = lax_linalg._diag_matrix(_asarray(func(diagonal)).astype(T.dtype))
  for k in range(1, n):
    # From F T = T F: F[i, j] (T[j, j] - T[i, i]) = T[i, j] (F[j, j] - F[i, i])
    #   + sum over i < m < j of (T[i, m] F[m, j] - F[i, m] T[m, j]), j = i + k; with the
    # diagonal of F removed, that sum is (T F' - F' T)[i, j] (superdiagonal k of F still zero).
    off = F - lax_linalg._diag_matrix(_superdiagonal(F, 0))
    inner = _superdiagonal(lax_numpy.matmul(T, off) - lax_numpy.matmul(off, T), k)
    f_diagonal = _superdiagonal(F, 0)
    numerator = _superdiagonal(T, k) * (f_diagonal[k:] - f_diagonal[:n - k]) + inner
    F = _set_superdiagonal(F, k, numerator / (diagonal[k:] - diagonal[:n - k]))
  result = lax_numpy.matmul(lax_numpy.matmul(Z, F), ufuncs.conj(Z.T))
  if disp:
    return result
  # SciPy's estimate: eps / (the smallest eigenvalue gap, or |T[0, 0]|) * ||strictly upper T||_1.
  tol = np.finfo(T.dtype).eps
  gaps = ufuncs.abs(diagonal[:, None] - diagonal[None, :])
  gaps = lax_numpy.where(np.triu(np.ones((n, n), bool), 1), gaps, np.inf)
  smallest = ufuncs.minimum(ufuncs.abs(T[0, 0]) if n else np.inf, reductions.min(gaps,
                                                                                    initial=np.inf))
  smallest = lax_numpy.where(smallest == 0, tol, smallest)
  upper_norm = reductions.max(reductions.sum(ufuncs.abs(lax_linalg._triu(T, 1)), axis=0),
                              initial=0)
  error = ufuncs.minimum(1, ufuncs.maximum(tol, tol / smallest * upper_norm))
  return result, error.astype(np.finfo(T.dtype).dtype)


def solve_sylvester(A, B, C, *, method: str = "schur", tol: float = 1e-8):
  """The X with A X + X B = C (batch dimensions broadcast), by the Bartels-Stewart algorithm on
  complex Schur forms ("schur") or by eigendecompositions ("eigen"). NaNs where some eigenvalue
  of A plus one of B is within `tol` of zero (no unique solution)."""
  if method not in ("schur", "eigen"):
    raise ValueError(f'Unrecognized method {method}. The two valid methods are either "schur" '
                     'or "eigen".')
  A, B, C = promote_dtypes_inexact(_asarray(A), _asarray(B), _asarray(C))
  if (A.ndim < 2 or B.ndim < 2 or C.ndim < 2 or A.shape[-1] != A.shape[-2]
      or B.shape[-1] != B.shape[-2] or C.shape[-2:] != (A.shape[-1], B.shape[-1])):
    raise ValueError(f"Incompatible shapes for Sylvester equation:\nA: {A.shape}\nB: {B.shape}"
                     f"\nC: {C.shape}")
  batch = lax_numpy.broadcast_shapes(A.shape[:-2], B.shape[:-2], C.shape[:-2])
  A, B, C = (lax_numpy.broadcast_to(x, batch + x.shape[-2:]) for x in (A, B, C))
  real = not dtypes.issubdtype(C.dtype, np.complexfloating)
  dtype = _complex_dtype(C.dtype)
  m, n = C.shape[-2:]

  def h(x):
    return ufuncs.conj(lax_numpy.swapaxes(x, -1, -2))

  matmul = lax_numpy.matmul
  if method == "schur":
    # A = U R U^H, B = V S V^H: R Y + Y S = U^H C V column by column, X = U Y V^H; each column
    # is an upper triangular solve (R + S[j, j]) y_j = f_j - sum over k < j of y_k S[k, j].
    R, U = lax_linalg.schur(A.astype(dtype))
    S, V = lax_linalg.schur(B.astype(dtype))
    F = matmul(matmul(h(U), C.astype(dtype)), V)
    eye = creation.eye(m, dtype=dtype)
    columns = []
    for j in range(n):
      rhs = F[..., :, j]
      for k, y in enumerate(columns):
        rhs = rhs - y * S[..., k, j][..., None]
      shifted = R + S[..., j, j][..., None, None] * eye
      columns.append(lax_linalg.triangular_solve(shifted, rhs, left_side=True, lower=False))
    Y = lax_numpy.stack(columns, -1) if columns else F
    X = matmul(matmul(U, Y), h(V))
    a_eigenvalues, b_eigenvalues = _superdiagonal(R, 0), _superdiagonal(S, 0)
  else:
    # A = P diag(a) P^-1, B = Q diag(b) Q^-1: X = P ((P^-1 C Q) / (a_i + b_j)) Q^-1.
    a_eigenvalues, P = lax_linalg.eig(A, compute_left_eigenvectors=False)
    b_eigenvalues, Q = lax_linalg.eig(B, compute_left_eigenvectors=False)
    F = matmul(jnp_linalg.solve(P, C.astype(dtype)), Q)
    Y = F / (a_eigenvalues[..., :, None] + b_eigenvalues[..., None, :])
    X = h(jnp_linalg.solve(h(Q), h(matmul(P, Y))))
  sums = ufuncs.abs(a_eigenvalues[..., :, None] + b_eigenvalues[..., None, :])
  singular = reductions.any(sums < tol, axis=(-2, -1))
  X = lax_numpy.where(singular[..., None, None], np.nan, X)
  return ufuncs.real(X) if real else X


def qr_multiply(a, c, mode: str = "right", pivoting: bool = False, conjugate: bool = False,
                overwrite_a: bool = False, overwrite_c: bool = False):
  """(Q c, R) (mode "left") or (c Q, R) ("right") from the economic QR decomposition a = Q R
  (Q conjugated with `conjugate`), with the column order appended when `pivoting`. A 1-D c is a
  column ("left") or row ("right") vector, and the result is 1-D too."""
  if mode not in ("right", "left"):
    raise ValueError(f"mode must be 'right' or 'left', got {mode!r}")
  a, c = promote_dtypes_inexact(_asarray(a), _asarray(c))
  q, r, *p = lax_linalg.qr(a, pivoting=pivoting, full_matrices=False)
  if conjugate:
    q = ufuncs.conj(q)
  m, k = q.shape[-2:]
  vector = c.ndim == 1
  if mode == "left":
    rows = c.shape[0] if vector else c.shape[-2]
    if rows != k:
      raise ValueError(f"Array shapes are not compatible for Q @ c operation: a has shape "
                       f"{a.shape} so Q has {k} columns, but c has {rows} rows (expected {k}).")
    result = lax_numpy.matmul(q, c[:, None] if vector else c)
    result = result[..., 0] if vector else result
  else:
    cols = c.shape[-1]
    if cols != m:
      raise ValueError(f"Array shapes are not compatible for c @ Q operation: a has shape "
                       f"{a.shape} so Q has {m} rows, but c has {cols} columns (expected {m}).")
    result = lax_numpy.matmul(c[None, :] if vector else c, q)
    result = result[..., 0, :] if vector else result
  return (result, r, p[0]) if pivoting else (result, r)


def fiedler_companion(a):
  """The Fiedler companion matrix of polynomial coefficients a (highest degree first, batched
  over leading dimensions): pentadiagonal, with the eigenvalues the polynomial's roots."""
  a, = promote_dtypes_inexact(_asarray(a))
  if a.ndim == 0:
    a = a.reshape(1)
  if a.shape[-1] == 0:
    raise ValueError("fiedler_companion requires the last axis of 'a' to have nonzero length, "
                     f"but got an array of shape {a.shape}.")
  c = a[..., 1:] / a[..., :1]
  n = c.shape[-1]
  result = creation.zeros(a.shape[:-1] + (n, n), a.dtype)
  if n == 0:
    return result
  # Entries (row, column, value): -c[0] in the corner, -c[odd] above and -c[even] below the
  # diagonal in the even rows, ones two to the right of the diagonal in the even rows and two
  # to the left in the odd rows (the first one just left of it).
  result = result.at[..., 0, 0].set(-c[..., 0])
  if n > 1:
    result = result.at[..., 1, 0].set(1)
    even = np.arange(0, n - 1, 2)
    result = result.at[..., even, even + 1].set(-c[..., even + 1])
    even = np.arange(0, n - 2, 2)
    result = result.at[..., even, even + 2].set(1)
    even = np.arange(2, n, 2)
    result = result.at[..., even, even - 1].set(-c[..., even])
    odd = np.arange(3, n, 2)
    result = result.at[..., odd, odd - 2].set(1)
  return result
