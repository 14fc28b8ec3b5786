"""`pyjax.numpy.linalg`: NumPy's linear algebra with JAX's semantics, built on the
`lax.linalg` primitives. As in JAX, inputs are promoted to an inexact dtype, leading dimensions
are batch dimensions, and singular inputs give infinities/NaNs (or a zero determinant) rather
than errors."""
from __future__ import annotations

import math
import operator
from typing import NamedTuple, Sequence

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.custom_derivatives import custom_jvp
from pyjax._src.lax import lax
from pyjax._src.lax import linalg as lax_linalg
from pyjax._src.lax import sorting
from pyjax._src.numpy import creation, lax_numpy, reductions, ufuncs
from pyjax._src.numpy.util import (asarray_or_scalar, canonicalize_axis, check_arraylike,
                                   promote_dtypes, promote_dtypes_inexact)

__all__ = ["cholesky", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals", "eigvalsh",
           "inv", "lstsq", "matmul", "matrix_norm", "matrix_power", "matrix_rank",
           "matrix_transpose", "multi_dot", "norm", "outer", "pinv", "qr", "slogdet", "solve",
           "svd", "svdvals", "tensordot", "tensorinv", "tensorsolve", "trace", "vecdot",
           "vector_norm"]


class EighResult(NamedTuple):
  eigenvalues: object
  eigenvectors: object


class EigResult(NamedTuple):
  eigenvalues: object
  eigenvectors: object


class QRResult(NamedTuple):
  Q: object
  R: object


class SlogdetResult(NamedTuple):
  sign: object
  logabsdet: object


class SVDResult(NamedTuple):
  U: object
  S: object
  Vh: object


def _arrays(name: str, *args):
  check_arraylike(name, *args)
  return [asarray_or_scalar(a) for a in args]


def _H(x):
  return ufuncs.conjugate(lax_numpy.matrix_transpose(x))


def _symmetrize(x):
  return (x + _H(x)) / 2


def _diagonal_of(a, offset: int = 0, axis1: int = 0, axis2: int = 1):
  """The diagonal `offset` of `a` over axes (axis1, axis2), as the last axis."""
  if a.ndim < 2:
    raise ValueError("diagonal requires an array of at least two dimensions.")
  offset = core.concrete_or_error(operator.index, offset, "'offset' argument of jnp.diagonal()")
  a = lax_numpy.moveaxis(a, (axis1, axis2), (-2, -1))
  *batch, n, m = a.shape
  size = max(0, min(n + min(offset, 0), m - max(offset, 0)))
  row, col = max(-offset, 0), max(offset, 0)
  nb = len(batch)
  block = lax.slice(a, (0,) * nb + (row, col), (*batch, row + size, col + size))
  return lax_linalg._diagonal(block)


# ------------------------------------------------------------------------------------------------
# Factorizations


def cholesky(a, *, upper: bool = False, symmetrize_input: bool = True):
  """The Cholesky factor of Hermitian positive-definite matrices: lower L with a = L L^H (or
  upper U = L^H with `upper`); NaNs where `a` is not positive definite."""
  a, = _arrays("jnp.linalg.cholesky", a)
  a, = promote_dtypes_inexact(a)
  factor = lax_linalg.cholesky(a, symmetrize_input=symmetrize_input)
  return ufuncs.conjugate(lax_numpy.matrix_transpose(factor)) if upper else factor


def svd(a, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False,
        subset_by_index: tuple[int, int] | None = None):
  """Singular value decomposition: (U, S, Vh) with a = U diag(S) Vh and S descending, or S
  alone. `hermitian` computes it from an eigendecomposition."""
  a, = _arrays("jnp.linalg.svd", a)
  a, = promote_dtypes_inexact(a)
  if hermitian:
    vectors, values = lax_linalg.eigh(a, subset_by_index=subset_by_index)
    s = ufuncs.absolute(values)
    last = s.ndim - 1
    if not compute_uv:
      return lax.rev(sorting.sort(s, dimension=-1), (last,))
    sign = ufuncs.sign(values)
    idxs = lax.broadcasted_iota(np.int32, s.shape, last)
    s, idxs, sign = sorting.sort((s, idxs, sign), dimension=-1, num_keys=1)
    s, idxs, sign = (lax.rev(v, (last,)) for v in (s, idxs, sign))
    u = lax_linalg._take_columns(vectors, idxs)
    vh = _H(u * lax.expand_dims(sign, (last,)).astype(u.dtype))
    return SVDResult(u, s, vh)
  if compute_uv:
    u, s, vh = lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=True,
                              subset_by_index=subset_by_index)
    return SVDResult(u, s, vh)
  return lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=False,
                        subset_by_index=subset_by_index)


def svdvals(x, /):
  """The singular values of x, descending."""
  x, = _arrays("jnp.linalg.svdvals", x)
  return svd(x, compute_uv=False, hermitian=False)


def eig(a):
  """Eigenvalues and right eigenvectors of general square matrices (complex results)."""
  a, = _arrays("jnp.linalg.eig", a)
  a, = promote_dtypes_inexact(a)
  w, v = lax_linalg.eig(a, compute_left_eigenvectors=False)
  return EigResult(w, v)


def eigvals(a):
  """Eigenvalues of general square matrices (complex)."""
  a, = _arrays("jnp.linalg.eigvals", a)
  a, = promote_dtypes_inexact(a)
  return lax_linalg.eig(a, compute_left_eigenvectors=False, compute_right_eigenvectors=False)[0]


def eigh(a, UPLO: str | None = None, symmetrize_input: bool = True):
  """Ascending eigenvalues and eigenvectors of Hermitian matrices."""
  a, = _arrays("jnp.linalg.eigh", a)
  if UPLO is None or UPLO == "L":
    lower = True
  elif UPLO == "U":
    lower = False
  else:
    raise ValueError(f"UPLO must be one of None, 'L', or 'U', got {UPLO}")
  a, = promote_dtypes_inexact(a)
  v, w = lax_linalg.eigh(a, lower=lower, symmetrize_input=symmetrize_input)
  return EighResult(w, v)


def eigvalsh(a, UPLO: str | None = "L", *, symmetrize_input: bool = True):
  """Ascending eigenvalues of Hermitian matrices."""
  a, = _arrays("jnp.linalg.eigvalsh", a)
  a, = promote_dtypes_inexact(a)
  w, _ = eigh(a, UPLO, symmetrize_input=symmetrize_input)
  return w


def qr(a, mode: str = "reduced"):
  """QR decomposition: (Q, R) ("reduced", "complete"), R alone ("r"), or LAPACK's packed
  reflectors and their scales ("raw")."""
  a, = _arrays("jnp.linalg.qr", a)
  a, = promote_dtypes_inexact(a)
  if mode == "raw":
    packed, taus = lax_linalg.geqrf(a)
    return QRResult(lax_numpy.matrix_transpose(packed), taus)
  if mode in ("reduced", "r", "full"):
    full_matrices = False
  elif mode == "complete":
    full_matrices = True
  else:
    raise ValueError(f"Unsupported QR decomposition mode '{mode}'")
  q, r = lax_linalg.qr(a, pivoting=False, full_matrices=full_matrices)
  if mode == "r":
    return r
  return QRResult(q, r)


# ------------------------------------------------------------------------------------------------
# Solving


def _solve_lu(a, b):
  """a^-1 b for square a and b of shape (..., m, k) with a's batch shape (LU, then two triangular
  solves)."""
  lu, _, permutation = lax_linalg.lu(a)
  return lax_linalg._lu_solve(lu, permutation, b, 0)


@custom_jvp
def _solve_matrix(a, b):
  return _solve_lu(a, b)


@_solve_matrix.defjvp
def _solve_matrix_jvp(primals, tangents):
  # a x = b  =>  a dx = db - da x (one factorization serves both solves).
  a, b = primals
  da, db = tangents
  lu, _, permutation = lax_linalg.lu(a)
  x = lax_linalg._lu_solve(lu, permutation, b, 0)
  rhs = db - lax_linalg._matmul(da, x)
  return x, lax_linalg._lu_solve(lu, permutation, rhs, 0)


def solve(a, b):
  """The x with a x = b for square a (batched; b a vector (..., m) only when it is 1-D,
  otherwise (..., m, k))."""
  a, b = _arrays("jnp.linalg.solve", a, b)
  a, b = promote_dtypes_inexact(a, b)
  if a.ndim < 2:
    raise ValueError(f"left hand array must be at least two dimensional; got a.shape={a.shape}")
  if (b.ndim > 1 and a.ndim == b.ndim + 1 and a.shape[-1] == b.shape[-1]
      and a.shape[-1] != b.shape[-2]):
    raise ValueError(
        f"Invalid shapes for solve: {a.shape}, {b.shape}. Prior to JAX v0.5.0, this would have "
        "been treated as a batched 1-dimensional solve. To recover this behavior, use "
        "solve(a, b[..., None]).squeeze(-1).")
  vector = b.ndim == 1
  core_b = b.shape[-1:] if vector else b.shape[-2:]
  m = a.shape[-1]
  if a.shape[-2] != m or core_b[0] != m:
    signature = "(m,m),(m)->(m)" if vector else "(m,m),(m,n)->(m,n)"
    raise ValueError(f"solve: input shapes {a.shape} and {b.shape} do not match the core "
                     f"dimensions of the signature {signature}")
  batch = lax_numpy.broadcast_shapes(a.shape[:-2], b.shape[:-1] if vector else b.shape[:-2])
  a = lax_numpy.broadcast_to(a, batch + a.shape[-2:])
  if vector:
    b = lax.expand_dims(b, (b.ndim,))
  b = lax_numpy.broadcast_to(b, batch + b.shape[-2:])
  x = _solve_matrix(a, b)
  return x[..., 0] if vector else x


def inv(a):
  """The inverse of square matrices (infinities/NaNs for singular ones)."""
  arr, = _arrays("jnp.linalg.inv", a)
  if arr.ndim < 2 or arr.shape[-1] != arr.shape[-2]:
    raise ValueError(f"Argument to inv must have shape [..., n, n], got {arr.shape}.")
  eye = creation.eye(arr.shape[-1], dtype=arr.dtype)
  return solve(arr, lax.broadcast(eye, arr.shape[:-2]) if arr.ndim > 2 else eye)


def _slogdet_1x1(a):
  det = a[..., 0, 0]
  return ufuncs.sign(det), ufuncs.real(ufuncs.log(ufuncs.absolute(det)))


def _slogdet_2x2(a):
  det = a[..., 0, 0] * a[..., 1, 1] - a[..., 0, 1] * a[..., 1, 0]
  return ufuncs.sign(det), ufuncs.real(ufuncs.log(ufuncs.absolute(det)))


@custom_jvp
def _slogdet_small(a):
  return _slogdet_1x1(a) if a.shape[-1] == 1 else _slogdet_2x2(a)


@_slogdet_small.defjvp
def _slogdet_small_jvp(primals, tangents):
  x, = primals
  g, = tangents
  sign, ans = _slogdet_small(x)
  if x.shape[-1] == 1:
    ans_dot = g[..., 0, 0] / x[..., 0, 0]
  else:
    x00, x01, x10, x11 = x[..., 0, 0], x[..., 0, 1], x[..., 1, 0], x[..., 1, 1]
    det = x00 * x11 - x01 * x10
    ans_dot = (g[..., 0, 0] * x11 - g[..., 0, 1] * x10 - g[..., 1, 0] * x01
               + g[..., 1, 1] * x00) / det
  return (sign, ans), _slogdet_tangents(x, sign, ans_dot)


def _slogdet_tangents(x, sign, ans_dot):
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    sign_dot = (ans_dot - ufuncs.real(ans_dot).astype(ans_dot.dtype)) * sign
    return sign_dot, ufuncs.real(ans_dot)
  return creation.zeros_like(sign), ans_dot


def _slogdet_from_lu(a):
  dtype = a.dtype
  lu, pivot, _ = lax_linalg.lu(a)
  diag = lax_linalg._diagonal(lu)
  is_zero = reductions.any(ufuncs.equal(diag, np.zeros((), dtype)), axis=-1)
  iota = lax.broadcasted_iota(pivot.dtype, pivot.shape, pivot.ndim - 1)
  parity = reductions.count_nonzero(ufuncs.not_equal(pivot, iota), axis=-1)
  if dtypes.issubdtype(dtype, np.complexfloating):
    sign = reductions.prod(diag / ufuncs.absolute(diag).astype(dtype), axis=-1)
  else:
    sign = np.ones((), dtype)
    parity = parity + reductions.count_nonzero(ufuncs.less(diag, np.zeros((), dtype)), axis=-1)
  flip = (-2 * (parity % 2) + 1).astype(dtype)
  sign = lax_numpy.where(is_zero, np.zeros((), dtype), sign * flip)
  logdet = lax_numpy.where(
      is_zero, np.array(-np.inf, dtype),
      reductions.sum(ufuncs.log(ufuncs.absolute(diag)).astype(dtype), axis=-1))
  return sign, ufuncs.real(logdet)


@custom_jvp
def _slogdet_lu(a):
  return _slogdet_from_lu(a)


def _slogdet_from_qr(a):
  if dtypes.issubdtype(a.dtype, np.complexfloating):
    raise NotImplementedError("slogdet method='qr' not implemented for complex inputs")
  n = a.shape[-1]
  packed, taus = lax_linalg.geqrf(a)
  diag = lax_linalg._diagonal(packed)
  log_abs_det = reductions.sum(ufuncs.log(ufuncs.absolute(diag)), axis=-1)
  sign_diag = reductions.prod(ufuncs.sign(diag), axis=-1)
  reflections = lax_numpy.where(ufuncs.not_equal(taus[..., :n - 1], 0), -1, 1)
  sign_taus = reductions.prod(reflections, axis=-1).astype(sign_diag.dtype)
  return sign_diag * sign_taus, log_abs_det


@custom_jvp
def _slogdet_qr(a):
  return _slogdet_from_qr(a)


def _slogdet_jvp(primals, tangents):
  x, = primals
  g, = tangents
  sign, ans = slogdet(x)
  ans_dot = _trace_last_two(solve(x, g))
  return (sign, ans), _slogdet_tangents(x, sign, ans_dot)


_slogdet_lu.defjvp(_slogdet_jvp)
_slogdet_qr.defjvp(_slogdet_jvp)


def slogdet(a, *, method: str | None = None):
  """(sign, log|det|) of square matrices: sign is 0 and log|det| is -inf for singular ones."""
  a, = _arrays("jnp.linalg.slogdet", a)
  a, = promote_dtypes_inexact(a)
  shape = a.shape
  if len(shape) < 2 or shape[-1] != shape[-2]:
    raise ValueError(f"Argument to slogdet() must have shape [..., n, n], got {shape}")
  if method is None or method == "lu":
    if shape[-1] in (1, 2):
      return SlogdetResult(*_slogdet_small(a))
    return SlogdetResult(*_slogdet_lu(a))
  if method == "qr":
    return SlogdetResult(*_slogdet_qr(a))
  raise ValueError(f"Unknown slogdet method '{method}'. Supported methods are 'lu' (`None`), "
                   "and 'qr'.")


def _cofactor_solve(a, b):
  """(det(a), cofactor-scaled solution): det(a) and adj(a) b, finite even where a is singular of
  rank n - 1 (which is what makes the derivative of det defined there)."""
  a, = promote_dtypes_inexact(a)
  b, = promote_dtypes_inexact(b)
  n = a.shape[-1]
  if n == 1:
    return a[..., 0, 0], b
  lu, pivots, permutation = lax_linalg.lu(a)
  dtype = a.dtype
  batch = lax_numpy.broadcast_shapes(lu.shape[:-2], b.shape[:-2])
  x = lax_numpy.broadcast_to(b, batch + b.shape[-2:])
  lu = lax_numpy.broadcast_to(lu, batch + lu.shape[-2:])
  permutation = lax_numpy.broadcast_to(permutation, batch + (n,))
  pivots = lax_numpy.broadcast_to(pivots, batch + (n,))
  diag = lax_linalg._diagonal(lu)
  iota = lax.broadcasted_iota(pivots.dtype, pivots.shape, pivots.ndim - 1)
  parity = reductions.count_nonzero(ufuncs.not_equal(pivots, iota), axis=-1)
  sign = (-2 * (parity % 2) + 1).astype(dtype)
  # Only the last two partial products of the diagonal are needed.
  det_leading = reductions.prod(diag[..., :-1], axis=-1) * sign
  det_full = det_leading * diag[..., -1]
  lu = lu.at[..., -1, -1].set(1.0 / det_leading)
  d = creation.ones(x.shape[:-1], x.dtype)
  d = lax_linalg.triangular_solve(lu, d, left_side=True, lower=False)
  d = reductions.any(ufuncs.logical_or(ufuncs.isnan(d), ufuncs.isinf(d)), axis=-1)
  d = lax.broadcast_in_dim(d, x.shape, tuple(range(d.ndim)))
  x = lax_numpy.where(d, creation.zeros_like(x), x)  # first filter
  x = lax_linalg._permute_rows(x, permutation)
  x = lax_linalg.triangular_solve(lu, x, left_side=True, lower=True, unit_diagonal=True)
  x = lax_numpy.concatenate((x[..., :-1, :] * lax.expand_dims(det_full, (det_full.ndim,
                                                                         det_full.ndim + 1)),
                             x[..., -1:, :]), axis=-2)
  x = lax_linalg.triangular_solve(lu, x, left_side=True, lower=False)
  x = lax_numpy.where(d, creation.zeros_like(x), x)  # second filter
  return det_full, x


def _det_2x2(a):
  return a[..., 0, 0] * a[..., 1, 1] - a[..., 0, 1] * a[..., 1, 0]


def _det_3x3(a):
  return (a[..., 0, 0] * a[..., 1, 1] * a[..., 2, 2] + a[..., 0, 1] * a[..., 1, 2] * a[..., 2, 0]
          + a[..., 0, 2] * a[..., 1, 0] * a[..., 2, 1] - a[..., 0, 2] * a[..., 1, 1] * a[..., 2, 0]
          - a[..., 0, 0] * a[..., 1, 2] * a[..., 2, 1] - a[..., 0, 1] * a[..., 1, 0] * a[..., 2, 2])


@custom_jvp
def _det(a):
  sign, logdet = slogdet(a)
  return sign * ufuncs.exp(logdet).astype(sign.dtype)


@_det.defjvp
def _det_jvp(primals, tangents):
  x, = primals
  g, = tangents
  y, z = _cofactor_solve(x, g)
  return y, _trace_last_two(z)


def det(a):
  """Determinants of square matrices (explicit formulas for 2x2 and 3x3, else from LU)."""
  a, = _arrays("jnp.linalg.det", a)
  a, = promote_dtypes_inexact(a)
  shape = a.shape
  if len(shape) >= 2 and shape[-1] == 2 and shape[-2] == 2:
    return _det_2x2(a)
  if len(shape) >= 2 and shape[-1] == 3 and shape[-2] == 3:
    return _det_3x3(a)
  if len(shape) >= 2 and shape[-1] == shape[-2]:
    return _det(a)
  raise ValueError(f"Argument to _det() must have shape [..., n, n], got {shape}")


def _trace_last_two(x):
  return reductions.sum(lax_linalg._diagonal(x), axis=-1)


def pinv(a, rtol=None, hermitian: bool = False, *, rcond=None):
  """Moore-Penrose pseudo-inverse from the SVD, singular values below rtol * largest dropped."""
  if rcond is not None:
    if rtol is not None:
      raise ValueError("pinv: only one of rtol and rcond may be specified.")
    rtol = rcond
  return _pinv(a, rtol, hermitian)


def _pinv_value(a, rtol, hermitian):
  arr, = _arrays("jnp.linalg.pinv", a)
  arr, = promote_dtypes_inexact(arr)
  m, n = arr.shape[-2:]
  if m == 0 or n == 0:
    return creation.empty(arr.shape[:-2] + (n, m), arr.dtype)
  arr = ufuncs.conjugate(arr)
  if rtol is None:
    rtol = 10. * max(arr.shape[-2:]) * creation.array(dtypes.finfo(arr.dtype).eps)
  rtol = creation.asarray(rtol)
  u, s, vh = svd(arr, full_matrices=False, hermitian=hermitian)
  rtol = lax.expand_dims(lax.expand_dims(rtol, (rtol.ndim,)),
                         tuple(range(s.ndim - rtol.ndim - 1)))
  cutoff = rtol * s[..., 0:1]
  s = lax_numpy.where(s > cutoff, s, np.inf).astype(u.dtype)
  res = lax_numpy.matmul(lax_numpy.matrix_transpose(vh),
                         ufuncs.divide(lax_numpy.matrix_transpose(u),
                                       lax.expand_dims(s, (s.ndim,))))
  return lax.convert_element_type(res, arr.dtype)


_pinv = custom_jvp(_pinv_value, nondiff_argnums=(1, 2))


@_pinv.defjvp
def _pinv_jvp(rtol, hermitian, primals, tangents):
  a, = primals
  a_dot, = tangents
  p = pinv(a, rtol=rtol, hermitian=hermitian)
  if hermitian:
    a = _symmetrize(a)
    a_dot = _symmetrize(a_dot)
  m, n = a.shape[-2:]
  if m >= n:
    s = (p @ _H(p)) @ _H(a_dot)
    t = (_H(a_dot) @ _H(p)) @ p
    p_dot = -(p @ a_dot) @ p + s - (s @ a) @ p + t - (p @ a) @ t
  else:
    s = p @ (_H(p) @ _H(a_dot))
    t = _H(a_dot) @ (_H(p) @ p)
    p_dot = -p @ (a_dot @ p) + s - s @ (a @ p) + t - p @ (a @ t)
  return p, p_dot


def lstsq(a, b, rcond=None, *, numpy_resid: bool = False):
  """Least-squares solution of a x = b: (x, residuals, rank, singular values)."""
  a, b = _arrays("jnp.linalg.lstsq", a, b)
  a, b = promote_dtypes_inexact(a, b)
  if a.shape[0] != b.shape[0]:
    raise ValueError("Leading dimensions of input arrays must match")
  b_orig_ndim = b.ndim
  if b_orig_ndim == 1:
    b = b[:, None]
  if a.ndim != 2:
    raise TypeError(f"{a.ndim}-dimensional array given. Array must be two-dimensional")
  if b.ndim != 2:
    raise TypeError(f"{b.ndim}-dimensional array given. Array must be one or two-dimensional")
  m, n = a.shape
  dtype = a.dtype
  if a.size == 0:
    s = creation.empty(0, dtype=a.dtype)
    rank = creation.array(0, dtype=int)
    x = creation.zeros((n, *b.shape[1:]), dtype=a.dtype)
  else:
    if rcond is None:
      rcond = float(dtypes.finfo(dtype).eps) * max(n, m)
    else:
      rcond = lax_numpy.where(ufuncs.less(rcond, 0), dtypes.finfo(dtype).eps, rcond)
    u, s, vt = svd(a, full_matrices=False)
    mask = ufuncs.logical_and(s > 0, s >= creation.array(rcond, dtype=s.dtype) * s[0])
    rank = reductions.sum(mask)
    safe_s = lax_numpy.where(mask, s, 1).astype(a.dtype)
    s_inv = lax_numpy.where(mask, 1 / safe_s, 0)[:, None]
    u_t_b = lax_numpy.matmul(ufuncs.conjugate(u).T, b)
    x = lax_numpy.matmul(ufuncs.conjugate(vt).T, s_inv * u_t_b)
  if numpy_resid and (int(rank) < n or m <= n):
    resid = creation.asarray([])
  else:
    b_estimate = lax_numpy.matmul(a, x)
    resid = norm(b - b_estimate, axis=0) ** 2
  if b_orig_ndim == 1:
    x = lax_numpy.ravel(x)
  return x, resid, rank, s


# ------------------------------------------------------------------------------------------------
# Norms, ranks and conditions


def vector_norm(x, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False,
                ord: int | str = 2):
  """The vector `ord`-norm over `axis` (all axes by default)."""
  x, = _arrays("jnp.linalg.vector_norm", x)
  if ord is None or ord == 2:
    return ufuncs.sqrt(reductions.sum(ufuncs.real(x * ufuncs.conj(x)), axis=axis,
                                      keepdims=keepdims))
  if ord == np.inf:
    return reductions.max(ufuncs.absolute(x), axis=axis, keepdims=keepdims, initial=0)
  if ord == -np.inf:
    return reductions.min(ufuncs.absolute(x), axis=axis, keepdims=keepdims)
  if ord == 0:
    return reductions.sum(ufuncs.not_equal(x, 0), dtype=dtypes.finfo(x.dtype).dtype, axis=axis,
                          keepdims=keepdims)
  if ord == 1:
    return reductions.sum(ufuncs.absolute(x), axis=axis, keepdims=keepdims)
  if isinstance(ord, str):
    msg = f"Invalid order '{ord}' for vector norm."
    if ord == "inf":
      msg += "Use 'jax.numpy.inf' instead."
    if ord == "-inf":
      msg += "Use '-jax.numpy.inf' instead."
    raise ValueError(msg)
  abs_x = ufuncs.absolute(x)
  ord_arr = np.array(ord, abs_x.dtype)
  ord_inv = np.array(1. / ord_arr, abs_x.dtype)
  out = reductions.sum(abs_x ** ord_arr, axis=axis, keepdims=keepdims)
  return ufuncs.power(out, ord_inv)


def norm(x, ord: int | str | None = None, axis: None | tuple[int, ...] | int = None,
         keepdims: bool = False):
  """Vector or matrix norm (NumPy's `ord` options), over all axes or the given one or two."""
  x, = _arrays("jnp.linalg.norm", x)
  x, = promote_dtypes_inexact(x)
  ndim = x.ndim
  if axis is None:
    if ord is None:
      return ufuncs.sqrt(reductions.sum(ufuncs.real(x * ufuncs.conj(x)), keepdims=keepdims))
    axis = tuple(range(ndim))
  elif isinstance(axis, tuple):
    axis = tuple(canonicalize_axis(a, ndim) for a in axis)
  else:
    axis = (canonicalize_axis(axis, ndim),)
  if len(axis) == 1:
    return vector_norm(x, ord=2 if ord is None else ord, axis=axis, keepdims=keepdims)
  if len(axis) != 2:
    raise ValueError(f"Improper number of axes for norm: axis={axis}. Pass one axis to compute "
                     "a vector-norm, or two axes to compute a matrix-norm.")
  row_axis, col_axis = axis
  if ord is None or ord in ("f", "fro"):
    return ufuncs.sqrt(reductions.sum(ufuncs.real(x * ufuncs.conj(x)), axis=axis,
                                      keepdims=keepdims))
  if ord in (1, -1):
    if not keepdims and col_axis > row_axis:
      col_axis -= 1
    sums = reductions.sum(ufuncs.absolute(x), axis=row_axis, keepdims=keepdims)
    if ord == 1:
      return reductions.max(sums, axis=col_axis, keepdims=keepdims, initial=0)
    return reductions.min(sums, axis=col_axis, keepdims=keepdims)
  if ord in (np.inf, -np.inf):
    if not keepdims and row_axis > col_axis:
      row_axis -= 1
    sums = reductions.sum(ufuncs.absolute(x), axis=col_axis, keepdims=keepdims)
    if ord == np.inf:
      return reductions.max(sums, axis=row_axis, keepdims=keepdims, initial=0)
    return reductions.min(sums, axis=row_axis, keepdims=keepdims)
  if ord in ("nuc", 2, -2):
    x = lax_numpy.moveaxis(x, axis, (-2, -1))
    s = svd(x, compute_uv=False)
    if ord == 2:
      y = reductions.max(s, axis=-1, initial=0)
    elif ord == -2:
      y = reductions.min(s, axis=-1)
    else:
      y = reductions.sum(s, axis=-1)
    if keepdims:
      y = lax_numpy.expand_dims(y, axis)
    return y
  raise ValueError(f"Invalid order '{ord}' for matrix norm.")


def matrix_norm(x, /, *, keepdims: bool = False, ord: str | int = "fro"):
  """The matrix `ord`-norm over the last two axes."""
  x, = _arrays("jnp.linalg.matrix_norm", x)
  return norm(x, ord=ord, keepdims=keepdims, axis=(-2, -1))


def matrix_rank(M, rtol=None, *, hermitian: bool = False, tol=None):
  """The number of singular values above rtol * largest (default: eps * max(m, n))."""
  M, = _arrays("jnp.linalg.matrix_rank", M)
  if tol is not None:
    if rtol is not None:
      raise ValueError("matrix_rank: only one of tol or rtol may be specified.")
    rtol = tol
  M, = promote_dtypes_inexact(M)
  if M.ndim < 2:
    return reductions.any(ufuncs.not_equal(M, 0)).astype(np.int32)
  S = svd(M, full_matrices=False, compute_uv=False, hermitian=hermitian)
  if rtol is None:
    rtol = (reductions.max(S, axis=-1) * np.array(max(M.shape[-2:]), S.dtype)
            * dtypes.finfo(S.dtype).eps)
  rtol = creation.asarray(rtol)
  rtol = lax.expand_dims(rtol, (rtol.ndim,))
  return reductions.sum(S > rtol, axis=-1)


def cond(x, p=None):
  """Condition number in the `p` norm (2 by default, from the singular values)."""
  arr, = _arrays("cond", x)
  if arr.ndim < 2:
    raise ValueError(f"jnp.linalg.cond: input array must be at least 2D; got arr.shape="
                     f"{arr.shape}")
  if arr.shape[-1] == 0 or arr.shape[-2] == 0:
    raise ValueError(f"jnp.linalg.cond: input array must not be empty; got arr.shape="
                     f"{arr.shape}")
  if p is None or p == 2:
    s = svdvals(arr)
    return s[..., 0] / s[..., -1]
  if p == -2:
    s = svdvals(arr)
    r = s[..., -1] / s[..., 0]
  else:
    if arr.shape[-2] != arr.shape[-1]:
      raise ValueError(f"jnp.linalg.cond: for p={p!r}, array must be square; got arr.shape="
                       f"{arr.shape}")
    r = norm(arr, ord=p, axis=(-2, -1)) * norm(inv(arr), ord=p, axis=(-2, -1))
  nan_input = reductions.any(ufuncs.isnan(arr), axis=(-2, -1))
  return lax_numpy.where(ufuncs.logical_and(ufuncs.isnan(r), ufuncs.logical_not(nan_input)),
                         np.inf, r)


# ------------------------------------------------------------------------------------------------
# Products and shapes


def matrix_power(a, n: int):
  """a @ a @ ... (n times) by repeated squaring; a negative n inverts first."""
  arr, = _arrays("jnp.linalg.matrix_power", a)
  if arr.ndim < 2:
    raise TypeError(f"{arr.ndim}-dimensional array given. Array must be at least "
                    "two-dimensional")
  if arr.shape[-2] != arr.shape[-1]:
    raise TypeError("Last 2 dimensions of the array must be square")
  try:
    n = operator.index(n)
  except TypeError as err:
    raise TypeError(f"exponent must be an integer, got {n}") from err
  if n == 0:
    return lax_numpy.broadcast_to(creation.eye(arr.shape[-2], dtype=arr.dtype), arr.shape)
  if n < 0:
    arr = inv(arr)
    n = abs(n)
  if n == 1:
    return arr
  if n == 2:
    return arr @ arr
  if n == 3:
    return (arr @ arr) @ arr
  z = result = None
  while n > 0:
    z = arr if z is None else (z @ z)
    n, bit = divmod(n, 2)
    if bit:
      result = z if result is None else (result @ z)
  return result


def matmul(x1, x2, /, *, precision=None, preferred_element_type=None):
  """Matrix product with broadcast batch dimensions (NumPy's matmul)."""
  x1, x2 = _arrays("jnp.linalg.matmul", x1, x2)
  return lax_numpy.matmul(x1, x2, precision=precision,
                          preferred_element_type=preferred_element_type)


def matrix_transpose(x, /):
  """x with its last two axes swapped."""
  x, = _arrays("jnp.linalg.matrix_transpose", x)
  ndim = x.ndim
  if ndim < 2:
    raise ValueError(f"matrix_transpose requires at least 2 dimensions; got ndim={ndim}")
  return lax.transpose(x, (*range(ndim - 2), ndim - 1, ndim - 2))


def outer(x1, x2, /):
  """The outer product of two vectors."""
  x1, x2 = _arrays("jnp.linalg.outer", x1, x2)
  if x1.ndim != 1 or x2.ndim != 1:
    raise ValueError(f"Input arrays must be one-dimensional, but they are x1.ndim={x1.ndim} "
                     f"x2.ndim={x2.ndim}")
  return x1[:, None] * x2[None, :]


def cross(x1, x2, /, *, axis=-1):
  """Cross products of 3-vectors along `axis` (broadcast over the other axes)."""
  x1, x2 = _arrays("jnp.linalg.outer", x1, x2)
  if x1.shape[axis] != 3 or x2.shape[axis] != 3:
    raise ValueError("Both input arrays must be (arrays of) 3-dimensional vectors, but they have "
                     f"x1.shape[axis]={x1.shape[axis]} and x2.shape[axis]={x2.shape[axis]}")
  a, b = promote_dtypes(x1, x2)
  a = lax_numpy.moveaxis(a, axis, -1)
  b = lax_numpy.moveaxis(b, axis, -1)
  a0, a1, a2 = (a[..., i] for i in range(3))
  b0, b1, b2 = (b[..., i] for i in range(3))
  c = lax_numpy.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
  return lax_numpy.moveaxis(c, -1, axis)


def _canonical_tensordot_axes(axes, a_ndim: int, b_ndim: int):
  if type(axes) is int:
    if axes > min(a_ndim, b_ndim):
      raise TypeError(f"Number of tensordot axes (axes {axes}) exceeds input ranks ({a_ndim} and "
                      f"{b_ndim})")
    return tuple(range(a_ndim - axes, a_ndim)), tuple(range(axes))
  if isinstance(axes, (tuple, list)) and len(axes) == 2:
    ax1, ax2 = axes
    if type(ax1) is int and type(ax2) is int:
      return (canonicalize_axis(ax1, a_ndim),), (canonicalize_axis(ax2, b_ndim),)
    if isinstance(ax1, (tuple, list)) and isinstance(ax2, (tuple, list)):
      if len(ax1) != len(ax2):
        raise TypeError(f"tensordot requires axes lists to have equal length, got {ax1} and "
                        f"{ax2}.")
      return (tuple(canonicalize_axis(i, a_ndim) for i in ax1),
              tuple(canonicalize_axis(i, b_ndim) for i in ax2))
    raise TypeError(f"tensordot requires both axes lists to be either ints, tuples or lists, "
                    f"got {ax1} and {ax2}")
  raise TypeError("tensordot axes argument must be an int, a pair of ints, or a pair of "
                  "lists/tuples of ints.")


def tensordot(x1, x2, /, *, axes=2, precision=None, preferred_element_type=None,
              out_sharding=None):
  """Contract the given axes of x1 and x2 (the last `axes` of x1 with the first of x2 for an
  int); the result has x1's free axes then x2's."""
  x1, x2 = _arrays("jnp.linalg.tensordot", x1, x2)
  out_dtype = dtypes.canonicalize_dtype(preferred_element_type or dtypes.result_type(x1, x2))
  contracting = _canonical_tensordot_axes(axes, x1.ndim, x2.ndim)
  a, b = promote_dtypes(x1, x2)
  return lax.dot_general(a, b, (contracting, ((), ())), precision=precision,
                         preferred_element_type=out_dtype)


def vecdot(x1, x2, /, *, axis: int = -1, precision=None, preferred_element_type=None):
  """sum(conj(x1) * x2) along `axis`, broadcast over the other axes."""
  x1, x2 = _arrays("jnp.linalg.vecdot", x1, x2)
  if x1.shape[axis] != x2.shape[axis]:
    raise ValueError(f"axes must match; got shapes {x1.shape} and {x2.shape} with axis={axis}")
  out_dtype = dtypes.canonicalize_dtype(preferred_element_type or dtypes.result_type(x1, x2))
  a, b = promote_dtypes(x1, x2)
  a = lax_numpy.moveaxis(a, axis, -1)
  b = lax_numpy.moveaxis(b, axis, -1)
  batch = lax_numpy.broadcast_shapes(a.shape[:-1], b.shape[:-1])
  a = lax_numpy.broadcast_to(ufuncs.conjugate(a), batch + a.shape[-1:])
  b = lax_numpy.broadcast_to(b, batch + b.shape[-1:])
  nb = len(batch)
  dims = tuple(range(nb))
  return lax.dot_general(a, b, (((nb,), (nb,)), (dims, dims)), precision=precision,
                         preferred_element_type=out_dtype)


def _chain_order(dims: Sequence[int]):
  """The cheapest parenthesization of a matrix chain (cost in multiplications), as nested
  (i, j) splits: s[i][j] is where the product of matrices i..j is split."""
  n = len(dims) - 1
  cost = [[0] * n for _ in range(n)]
  split = [[0] * n for _ in range(n)]
  for length in range(1, n):
    for i in range(n - length):
      j = i + length
      cost[i][j] = math.inf
      for k in range(i, j):
        c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
        if c < cost[i][j]:
          cost[i][j], split[i][j] = c, k
  return split


def multi_dot(arrays: Sequence, *, precision=None):
  """The product of a chain of matrices (the first and last may be vectors), multiplied in the
  cheapest order."""
  if len(arrays) == 1:  # as in JAX, a single array is a sequence of its rows
    arrays = list(asarray_or_scalar(arrays[0]))
  arrs = _arrays("jnp.linalg.multi_dot", *arrays)
  if len(arrs) < 2:
    raise ValueError(f"multi_dot requires at least two arrays; got len(arrays)={len(arrs)}")
  if not (arrs[0].ndim in (1, 2) and arrs[-1].ndim in (1, 2)
          and all(a.ndim == 2 for a in arrs[1:-1])):
    raise ValueError("multi_dot: input arrays must all be two-dimensional, except for the first "
                     "and last array which may be 1 or 2 dimensional. Got array shapes "
                     f"{[a.shape for a in arrs]}")
  if any(a.shape[-1] != b.shape[0] for a, b in zip(arrs[:-1], arrs[1:])):
    raise ValueError("multi_dot: last dimension of each array must match first dimension of "
                     f"following array. Got array shapes {[a.shape for a in arrs]}")
  first_vector, last_vector = arrs[0].ndim == 1, arrs[-1].ndim == 1
  mats = list(arrs)
  if first_vector:
    mats[0] = mats[0][None, :]
  if last_vector:
    mats[-1] = mats[-1][:, None]
  dims = [mats[0].shape[0]] + [m.shape[1] for m in mats]
  split = _chain_order(dims)

  def product(i, j):
    if i == j:
      return mats[i]
    k = split[i][j]
    return lax_numpy.matmul(product(i, k), product(k + 1, j), precision=precision)

  result = product(0, len(mats) - 1)
  if first_vector:
    result = result[0]
  if last_vector:
    result = result[..., 0]
  return result


def diagonal(x, /, *, offset: int = 0):
  """The diagonal `offset` of the last two axes."""
  x, = _arrays("jnp.linalg.diagonal", x)
  return _diagonal_of(x, offset, -2, -1)


def trace(x, /, *, offset: int = 0, dtype=None):
  """Sums of the diagonal `offset` of the last two axes."""
  x, = _arrays("jnp.linalg.trace", x)
  if dtype is not None:
    dtype = dtypes.check_user_dtype_supported(dtype, "trace")
  return reductions.sum(_diagonal_of(x, offset, -2, -1), axis=-1, dtype=dtype)


def tensorinv(a, ind: int = 2):
  """The inverse of a tensor viewed as a matrix (first `ind` axes against the rest)."""
  arr, = _arrays("tensorinv", a)
  ind = operator.index(ind)
  if ind <= 0:
    raise ValueError(f"ind must be a positive integer; got ind={ind}")
  contracting_shape, batch_shape = arr.shape[:ind], arr.shape[ind:]
  flatshape = (math.prod(contracting_shape), math.prod(batch_shape))
  if flatshape[0] != flatshape[1]:
    raise ValueError("tensorinv is only possible when the product of the first `ind` dimensions "
                     f"equals that of the remaining dimensions. got arr.shape={arr.shape} with "
                     f"ind={ind}.")
  return inv(arr.reshape(flatshape)).reshape(*batch_shape, *contracting_shape)


def tensorsolve(a, b, axes: tuple[int, ...] | None = None):
  """The x with tensordot(a, x, x.ndim) = b."""
  a_arr, b_arr = _arrays("tensorsolve", a, b)
  if axes is not None:
    a_arr = lax_numpy.moveaxis(a_arr, axes, len(axes) * (a_arr.ndim - 1,))
  out_shape = a_arr.shape[b_arr.ndim:]
  if a_arr.shape[:b_arr.ndim] != b_arr.shape:
    raise ValueError("After moving axes to end, leading shape of a must match shape of b. got "
                     f"a.shape={a_arr.shape}, b.shape={b_arr.shape}")
  if b_arr.size != math.prod(out_shape):
    raise ValueError("Input arrays must have prod(a.shape[:b.ndim]) == prod(a.shape[b.ndim:]); "
                     f"got a.shape={a_arr.shape}, b.ndim={b_arr.ndim}.")
  a_arr = a_arr.reshape(b_arr.size, math.prod(out_shape))
  return solve(a_arr, lax_numpy.ravel(b_arr)).reshape(out_shape)

