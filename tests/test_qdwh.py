"""`lax.linalg.qdwh` (polar decomposition by the QR-based dynamically weighted Halley iteration)
against the oracle (jax 0.10.2).

The weights' schedule is computed on the host from eps alone and is compared bit for bit with the
coefficient tables in the oracle's staged program. The iterate count and convergence flag must
equal the oracle's; u and h match to rounding, scaled by the condition number (the polar factor's
sensitivity to rounding grows with it)."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import pyjax  # noqa: E402
import pyjax.lax.linalg as plin  # noqa: E402
import pyjax.numpy as pjnp  # noqa: E402
from pyjax._src.lax.qdwh import _schedule  # noqa: E402

from oracle_util import assert_same_outcome, outcome, x64  # noqa: E402

RNG = np.random.default_rng(11)


def conditioned(m, n, cond, dtype=np.float32, seed=0):
  """An m x n matrix with singular values spaced logarithmically from 1 down to 1 / cond."""
  rng = np.random.default_rng(seed)
  cplx = np.dtype(dtype).kind == "c"

  def orth(k):
    z = rng.standard_normal((k, k)) + (1j * rng.standard_normal((k, k)) if cplx else 0)
    return np.linalg.qr(z)[0]

  s = np.logspace(0, -np.log10(cond), n)
  return ((orth(m)[:, :n] * s) @ orth(n).conj().T).astype(dtype)


def _np(x):
  return np.asarray(x)


def _check(p, j, cond=1.0):
  """pyjax's (u, h, num_iters, is_converged) against the oracle's."""
  pu, ph, pk, pc = p
  ju, jh, jk, jc = j
  assert int(pk) == int(jk), f"num_iters {int(pk)} != oracle {int(jk)}"
  assert bool(pc) == bool(jc)
  assert pk.dtype == jk.dtype and pk.weak_type and jax.typeof(jk).weak_type
  assert pc.dtype == jc.dtype == np.bool_ and pk.shape == pc.shape == ()
  for a, b in ((pu, ju), (ph, jh)):
    assert a.dtype == b.dtype and a.shape == b.shape and not a.weak_type
    eps = np.finfo(a.dtype).eps
    tol = 50 * eps * max(cond, 1.0)
    np.testing.assert_allclose(_np(a), _np(b), rtol=0, atol=tol * max(1.0, np.abs(_np(b)).max()))


# ------------------------------------------------------------------------------------------------
# The schedule of weights: the oracle's coefficient tables, bit for bit


def _oracle_tables(x, **kw):
  closed = jax.make_jaxpr(lambda x: jax.lax.linalg.qdwh(x, **kw))(x)
  inner = closed.jaxpr.eqns[0].params["jaxpr"]
  return [np.asarray(c) for c in inner.consts]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("eps,max_iterations", [(None, None), (None, 3), (1e-3, None),
                                                (1e-10, None), (1e-10, 4), (0.1, None)])
def test_schedule_matches_oracle_tables(dtype, eps, max_iterations):
  with x64(dtype == np.float64):
    tables = _oracle_tables(np.ones((4, 3), dtype), eps=eps, max_iterations=max_iterations)
  e = float(np.finfo(dtype).eps) if eps is None else eps
  qr_rows, chol_rows = _schedule(e, 10 if max_iterations is None else max_iterations)
  mine = [np.asarray(r, dtype) for r in (qr_rows, chol_rows) if r]
  assert len(mine) == len(tables)
  for a, b in zip(mine, tables):
    np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------------------------------------
# Values, iterate counts and convergence


@pytest.mark.parametrize("shape", [(6, 4), (5, 5), (9, 3), (1, 1)])
@pytest.mark.parametrize("cond", [1.0, 1e3, 1e6])
def test_float32_matches_oracle(shape, cond):
  x = conditioned(*shape, cond)
  _check(plin.qdwh(x), jax.lax.linalg.qdwh(x), cond)


@pytest.mark.parametrize("cond", [1.0, 1e3, 1e6, 1e12])
def test_float64_matches_oracle(cond):
  x = conditioned(7, 5, cond, np.float64)
  with x64():
    p, j = plin.qdwh(x), jax.lax.linalg.qdwh(x)
    assert p[2].dtype == np.int64
    _check(p, j, cond)


def test_float32_input_under_x64():
  x = conditioned(6, 4, 1e5)
  with x64():
    _check(plin.qdwh(x), jax.lax.linalg.qdwh(x), 1e5)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("cond", [1.0, 1e4])
def test_complex_matches_oracle(dtype, cond):
  x = conditioned(6, 4, cond, dtype, seed=3)
  with x64(dtype == np.complex128):
    _check(plin.qdwh(x), jax.lax.linalg.qdwh(x), cond)


def test_polar_factors():
  x = conditioned(8, 5, 1e2, np.float64, seed=5)
  with x64():
    u, h, _, converged = plin.qdwh(x)
  u, h = _np(u), _np(h)
  assert bool(converged)
  np.testing.assert_allclose(u @ h, x, atol=1e-12)
  np.testing.assert_allclose(u.T @ u, np.eye(5), atol=1e-12)
  np.testing.assert_allclose(h, h.T, atol=0)
  assert np.linalg.eigvalsh(h).min() > 0


@pytest.mark.parametrize("kw", [dict(max_iterations=0), dict(max_iterations=1),
                                dict(max_iterations=3), dict(max_iterations=3.5),
                                dict(max_iterations="3"), dict(max_iterations=-2),
                                dict(max_iterations=20), dict(eps=1e-3), dict(eps=0.1),
                                dict(eps=0.5), dict(eps=1e-30), dict(eps=np.float32(1e-4)),
                                dict(eps=float("inf")), dict(eps=float("nan")),
                                dict(is_hermitian=True)])
def test_options_match_oracle(kw):
  x = conditioned(5, 4, 1e4, seed=2)
  _check(plin.qdwh(x, **kw), jax.lax.linalg.qdwh(x, **kw), 1e4)


def test_hermitian_input():
  a = conditioned(5, 5, 1e2, seed=4)
  x = a @ a.T
  _check(plin.qdwh(x, is_hermitian=True), jax.lax.linalg.qdwh(x, is_hermitian=True), 1e4)


@pytest.mark.parametrize("shape", [(0, 0), (3, 0)])
def test_empty(shape):
  x = np.zeros(shape, np.float32)
  p, j = plin.qdwh(x), jax.lax.linalg.qdwh(x)
  for a, b in zip(p, j):
    assert a.shape == b.shape and a.dtype == b.dtype
  assert int(p[2]) == int(j[2]) and bool(p[3]) == bool(j[3])


def test_zero_matrix():
  x = np.zeros((4, 3), np.float32)
  p, j = plin.qdwh(x), jax.lax.linalg.qdwh(x)
  assert int(p[2]) == int(j[2]) and bool(p[3]) == bool(j[3])
  for a, b in zip(p[:2], j[:2]):
    np.testing.assert_allclose(_np(a), _np(b), atol=1e-6)


# ------------------------------------------------------------------------------------------------
# dynamic_shape: a matrix padded from a smaller true size


@pytest.mark.parametrize("true_shape", [(4, 3), (6, 2), (3, 3), (6, 4)])
def test_dynamic_shape_matches_oracle(true_shape):
  x = np.zeros((6, 4), np.float32)
  m, n = true_shape
  x[:m, :n] = conditioned(m, n, 1e3, seed=m + n)
  x[m:, :] = 7.0  # padding is ignored
  x[:, n:] = -3.0
  p = plin.qdwh(x, dynamic_shape=true_shape)
  j = jax.lax.linalg.qdwh(x, dynamic_shape=true_shape)
  _check(p, j, 1e3)
  # The padded result is the decomposition of the true block.
  q = plin.qdwh(x[:m, :n])
  np.testing.assert_allclose(_np(p[0])[:m, :n], _np(q[0]), atol=1e-4)
  assert not _np(p[0])[m:].any() and not _np(p[0])[:, n:].any()


def test_dynamic_shape_traced_under_jit_and_vmap():
  x = np.zeros((6, 4), np.float32)
  x[:4, :3] = conditioned(4, 3, 10.0)
  p = pyjax.jit(lambda x, m, n: plin.qdwh(x, dynamic_shape=(m, n)))(x, 4, 3)
  j = jax.jit(lambda x, m, n: jax.lax.linalg.qdwh(x, dynamic_shape=(m, n)))(x, 4, 3)
  _check(p, j, 10.0)
  xs = np.stack([x, x])
  ms, ns = np.array([4, 5], np.int32), np.array([3, 2], np.int32)
  p = pyjax.vmap(lambda x, m, n: plin.qdwh(x, dynamic_shape=(m, n)))(xs, ms, ns)
  j = jax.vmap(lambda x, m, n: jax.lax.linalg.qdwh(x, dynamic_shape=(m, n)))(xs, ms, ns)
  np.testing.assert_array_equal(_np(p[2]), _np(j[2]))
  np.testing.assert_allclose(_np(p[0]), _np(j[0]), atol=1e-4)
  np.testing.assert_allclose(_np(p[1]), _np(j[1]), atol=1e-4)


# ------------------------------------------------------------------------------------------------
# Transformations


def test_jit_matches_eager():
  x = conditioned(6, 4, 1e3)
  eager = plin.qdwh(x)
  staged = pyjax.jit(plin.qdwh)(x)
  for a, b in zip(eager, staged):
    np.testing.assert_array_equal(_np(a), _np(b))
  jaxpr = str(pyjax.make_jaxpr(plin.qdwh)(x))
  assert "qr" in jaxpr and "cholesky" in jaxpr and "while" in jaxpr


def test_vmap_matches_loop():
  xs = np.stack([conditioned(5, 3, c, seed=i) for i, c in enumerate([1.0, 1e2, 1e5])])
  batched = pyjax.vmap(plin.qdwh)(xs)
  oracle = jax.vmap(jax.lax.linalg.qdwh)(xs)
  for i in range(len(xs)):
    single = plin.qdwh(xs[i])
    for a, b in zip(batched, single):
      np.testing.assert_allclose(_np(a)[i], _np(b), atol=2e-5)
  np.testing.assert_array_equal(_np(batched[2]), _np(oracle[2]))
  np.testing.assert_array_equal(_np(batched[3]), _np(oracle[3]))
  assert batched[2].weak_type and batched[2].shape == (3,)


def test_grad_raises_like_oracle():
  x = conditioned(5, 3, 10.0)
  p = outcome(pyjax.grad(lambda x: plin.qdwh(x)[0].sum()), x)
  j = outcome(jax.grad(lambda x: jax.lax.linalg.qdwh(x)[0].sum()), x)
  assert_same_outcome(p, j)
  assert "while_loop" in str(p[1])


def test_jvp_matches_oracle():
  x = conditioned(5, 3, 10.0, np.float64, seed=8)
  t = RNG.standard_normal(x.shape)
  with x64():
    (pu, ph), (dpu, dph) = pyjax.jvp(lambda x: plin.qdwh(x)[:2], (x,), (t,))
    (ju, jh), (dju, djh) = jax.jvp(lambda x: jax.lax.linalg.qdwh(x)[:2], (x,), (t,))
  for a, b in ((pu, ju), (ph, jh), (dpu, dju), (dph, djh)):
    np.testing.assert_allclose(_np(a), _np(b), atol=1e-10)


# ------------------------------------------------------------------------------------------------
# Bad input: the oracle's error classes, with messages that name the value and the fix


BAD = {
    "int": (lambda L, q: q(np.ones((4, 3), np.int32)), "float32"),
    "bool": (lambda L, q: q(np.eye(4, 3, dtype=bool)), "float32"),
    "float16": (lambda L, q: q(np.eye(4, 3, dtype=np.float16)), "float16"),
    "bfloat16": (lambda L, q: q(L.numpy.eye(4, 3, dtype=L.numpy.bfloat16)), "bfloat16"),
    "3d": (lambda L, q: q(np.ones((2, 4, 3), np.float32)), "vmap"),
    "1d": (lambda L, q: q(np.ones((3,), np.float32)), "2-D"),
    "0d": (lambda L, q: q(np.float32(1)), "2-D"),
    "wide": (lambda L, q: q(np.ones((3, 4), np.float32)), "conjugate transpose"),
    "list": (lambda L, q: q([[1.0, 0.0], [0.0, 1.0]]), "asarray"),
    "eps_zero": (lambda L, q: q(np.eye(3, dtype=np.float32), eps=0.0), "eps"),
    "eps_tiny": (lambda L, q: q(np.eye(3, dtype=np.float32), eps=1e-300), "eps"),
    "eps_str": (lambda L, q: q(np.eye(3, dtype=np.float32), eps="3"), "eps"),
    "eps_array": (lambda L, q: q(np.eye(3, dtype=np.float32), eps=L.numpy.float32(1e-3)),
                  "eps"),
    "max_iterations_list": (lambda L, q: q(np.eye(3, dtype=np.float32), max_iterations=[3]),
                            "max_iterations"),
    "max_iterations_huge": (lambda L, q: q(np.eye(3, dtype=np.float32),
                                           max_iterations=2**40), "max_iterations"),
    "dynamic_shape_3": (lambda L, q: q(np.eye(3, dtype=np.float32), dynamic_shape=(3, 3, 1)),
                        "dynamic_shape"),
    "traced_max_iterations": (lambda L, q: L.jit(lambda x, k: q(x, max_iterations=k))(
        np.eye(3, dtype=np.float32), 3), "static"),
    "traced_eps": (lambda L, q: L.jit(lambda x, e: q(x, eps=e))(
        np.eye(3, dtype=np.float32), 1e-3), "static"),
    "traced_is_hermitian": (lambda L, q: L.jit(lambda x, h: q(x, is_hermitian=h))(
        np.eye(3, dtype=np.float32), True), "static"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_raises_like_oracle(name):
  case, needle = BAD[name]
  p = outcome(case, pyjax, plin.qdwh)
  j = outcome(case, jax, jax.lax.linalg.qdwh)
  assert_same_outcome(p, j, what=f"{name}: ")
  assert needle in str(p[1]), str(p[1])


def test_negative_eps_is_refused():
  # The oracle's weight formula takes a cube root of a negative number for most negative eps
  # (TypeError from comparing complex numbers) and runs to max_iterations for others; pyjax
  # refuses every negative eps.
  with pytest.raises(ValueError, match="eps` must be positive"):
    plin.qdwh(np.eye(3, dtype=np.float32), eps=-1e-3)


def test_accepts_pyjax_arrays_and_tracers():
  x = pjnp.asarray(conditioned(4, 3, 10.0))
  _check(plin.qdwh(x), jax.lax.linalg.qdwh(_np(x)), 10.0)
