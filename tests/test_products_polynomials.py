"""Tensor products (tensordot, kron, inner, cross, vecdot, matvec, vecmat, trace) against the
oracle (jax 0.10.2): values, dtypes and weak types in one jitted oracle program, JAX's errors,
gradients, and vmap against a Python loop."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jjnp  # noqa: E402

import pyjax  # noqa: E402
import pyjax.numpy as jnp  # noqa: E402
from pyjax.test_util import check_grads  # noqa: E402

from case_tables import CaseTable  # noqa: E402
from oracle_util import assert_same_outcome, outcome, x64  # noqa: E402

RNG = np.random.default_rng(11)


def rand(*shape, dtype=np.float32):
  x = RNG.standard_normal(shape)
  if np.dtype(dtype).kind == "c":
    x = x + 1j * RNG.standard_normal(shape)
  return x.astype(dtype)


A, B, C = rand(2, 3), rand(3, 4), rand(2, 3, 4)
I8, U8 = RNG.integers(-3, 4, (2, 3)).astype(np.int8), RNG.integers(0, 4, (3, 2)).astype(np.uint8)
Z = rand(2, 3, dtype=np.complex64)
V3, W3, V2 = rand(4, 3), rand(4, 3), rand(4, 2)

CASES = {
    "tensordot_int": lambda L: L.np.tensordot(A, B, 1),
    "tensordot_default": lambda L: L.np.tensordot(C, B, 2),
    "tensordot_pairs": lambda L: L.np.tensordot(C, A, axes=([0, 1], [0, 1])),
    "tensordot_ints_pair": lambda L: L.np.tensordot(A, B, axes=(1, 0)),
    "tensordot_negative_axes": lambda L: L.np.tensordot(C, B, axes=([-2], [0])),
    "tensordot_outer": lambda L: L.np.tensordot(A, B, axes=0),
    "tensordot_negative_count": lambda L: L.np.tensordot(A, B, axes=-1),
    "tensordot_mixed": lambda L: L.np.tensordot(I8, B, 1),
    "tensordot_int_uint": lambda L: L.np.tensordot(I8, U8, 1),
    "tensordot_weak": lambda L: L.np.tensordot(2.0, 3, axes=0),
    "tensordot_preferred": lambda L: L.np.tensordot(I8, U8.astype(np.int8), 1,
                                                    preferred_element_type=np.float32),
    "kron": lambda L: L.np.kron(A, B),
    "kron_scalar": lambda L: L.np.kron(A, 2),
    "kron_ranks": lambda L: L.np.kron(np.arange(3, dtype=np.int8), I8),
    "kron_weak": lambda L: L.np.kron(2, 3.0),
    "inner": lambda L: L.np.inner(A, C.transpose(0, 2, 1)),
    "inner_scalar": lambda L: L.np.inner(2, A),
    "inner_complex": lambda L: L.np.inner(Z, A),
    "cross3": lambda L: L.np.cross(V3, W3),
    "cross2": lambda L: L.np.cross(V2, V2[::-1]),
    "cross32": lambda L: L.np.cross(V3, V2),
    "cross23": lambda L: L.np.cross(V2, V3),
    "cross_axisa": lambda L: L.np.cross(V3.T, W3, axisa=0),
    "cross_axisc": lambda L: L.np.cross(V3, W3[:1], axisc=0),
    "cross_axis": lambda L: L.np.cross(V3.T, W3.T, axis=0),
    "cross_int": lambda L: L.np.cross(np.arange(3, dtype=np.int32),
                                      np.arange(1, 4, dtype=np.int8)),
    "vecdot": lambda L: L.np.vecdot(A, A[0]),
    "vecdot_complex": lambda L: L.np.vecdot(Z, Z),
    "vecdot_broadcast": lambda L: L.np.vecdot(A, np.ones((4, 1, 3), np.float32)),
    "vecdot_axis": lambda L: L.np.vecdot(A.T, B[:, :2], axis=0),
    "matvec": lambda L: L.np.matvec(A, A[1]),
    "matvec_broadcast": lambda L: L.np.matvec(C.transpose(0, 2, 1), W3[:, None, :]),
    "vecmat": lambda L: L.np.vecmat(Z[:, 0], A),
    "trace": lambda L: L.np.trace(B),
    "trace_int8": lambda L: L.np.trace(I8),
    "trace_uint8": lambda L: L.np.trace(U8),
    "trace_bool": lambda L: L.np.trace(I8 > 0),
    "trace_offset_axes": lambda L: L.np.trace(C, 1, 0, 2),
    "trace_negative_offset_swapped": lambda L: L.np.trace(C, -1, 2, 0),
    "trace_offset_out_of_range": lambda L: L.np.trace(B, offset=5),
    "trace_dtype": lambda L: L.np.trace(B * 3, offset=-1, dtype=np.int8),
    "trace_method": lambda L: L.np.asarray(B).trace(1),
}
TABLE = CaseTable(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_products_match_oracle(name):
  TABLE.check(name, tol=(2e-5, 2e-5))


ERRORS = {
    "tensordot_too_many_axes": lambda np_: np_.tensordot(A, B, axes=3),
    "tensordot_unequal_lists": lambda np_: np_.tensordot(A, B, axes=([1, 0], [0])),
    "tensordot_bad_axes": lambda np_: np_.tensordot(A, B, axes=1.5),
    "tensordot_shape_mismatch": lambda np_: np_.tensordot(A, B, axes=([0], [0])),
    "cross_bad_dimension": lambda np_: np_.cross(np.ones(4), np.ones(2)),
    "vecdot_mismatch": lambda np_: np_.vecdot(A, np.ones(2)),
    "matvec_mismatch": lambda np_: np_.matvec(A, np.ones(2)),
    "vecmat_mismatch": lambda np_: np_.vecmat(np.ones(3), A),
    "trace_same_axes": lambda np_: np_.trace(B, axis1=0, axis2=0),
    "trace_1d": lambda np_: np_.trace(np.ones(3)),
    "trace_out": lambda np_: np_.trace(B, out=1),
    "kron_list": lambda np_: np_.kron([1, 2], A),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_product_errors_match_oracle(name):
  p, j = outcome(ERRORS[name], jnp), outcome(ERRORS[name], jjnp)
  assert j[0] == "raise" and p[0] == "raise", (p, j)
  assert type(p[1]).__name__ == type(j[1]).__name__ and str(p[1]) == str(j[1])


GRAD_CASES = {
    "tensordot": (lambda a, b: jnp.tensordot(a, b, axes=([0, 1], [1, 0])), [(2, 3, 4), (3, 2)]),
    "kron": (jnp.kron, [(2, 3), (2, 2)]),
    "inner": (jnp.inner, [(2, 3), (4, 3)]),
    "cross": (jnp.cross, [(4, 3), (4, 3)]),
    "cross2": (jnp.cross, [(4, 2), (4, 3)]),
    "vecdot": (jnp.vecdot, [(2, 3), (3,)]),
    "matvec": (jnp.matvec, [(2, 3), (3,)]),
    "vecmat": (jnp.vecmat, [(2,), (2, 3)]),
    "trace": (lambda a: jnp.trace(a, 1), [(3, 4)]),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_product_grads(name):
  fn, shapes = GRAD_CASES[name]
  with x64():
    check_grads(fn, [rand(*s, dtype=np.float64) for s in shapes], order=2)


@pytest.mark.parametrize("name", ["tensordot", "cross", "cross2", "vecdot", "trace"])
def test_product_vmap_and_jit_match_a_loop(name):
  fn, shapes = GRAD_CASES[name]
  args = [rand(3, *s) for s in shapes]
  expected = np.stack([np.asarray(fn(*(a[i] for a in args))) for i in range(3)])
  np.testing.assert_allclose(pyjax.vmap(fn)(*args), expected, rtol=1e-5, atol=1e-6)
  np.testing.assert_allclose(pyjax.jit(pyjax.vmap(fn))(*args), expected, rtol=1e-5, atol=1e-6)


def test_cross_grad_matches_oracle():
  f = lambda L: L.grad(lambda a, b: (L.numpy.cross(a, b) ** 2).sum(), (0, 1))  # noqa: E731
  for p, j in zip(f(pyjax)(V3, V2), f(jax)(V3, V2)):
    assert_same_outcome(("ok", p), ("ok", j), (1e-5, 1e-5))
