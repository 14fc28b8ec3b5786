"""lax's smaller helpers against the oracle: reciprocal, batch_matmul, collapse,
broadcast_shapes, optimization_barrier and reduce_precision — values, errors, jaxpr text, and the
transformations."""
import jax
import numpy as np
import pytest

import pyjax
import pyjax.lax as lax
from oracle_util import x64

RNG = np.random.default_rng(1)
M = RNG.normal(size=(2, 3, 4)).astype(np.float32)
N = RNG.normal(size=(2, 4, 5)).astype(np.float32)
SPECIALS = np.array([1e-10, 7e4, 7e5, -6.5e4, 6.55e4, 65519., 65520., np.nan, -np.inf, 3.14159,
                     1e-5, -0.0, 6e-8, 2e-8, 1.0 + 2 ** -11, 1.0 + 3 * 2 ** -11], np.float32)


@pytest.mark.parametrize("exponent_bits,mantissa_bits", [
    (5, 10), (8, 7), (4, 3), (5, 2), (3, 0), (8, 23), (6, 20)])
def test_reduce_precision_matches_oracle_bit_for_bit(exponent_bits, mantissa_bits):
  values = np.concatenate([SPECIALS, RNG.normal(scale=1e3, size=64).astype(np.float32)])
  got = np.asarray(lax.reduce_precision(values, exponent_bits, mantissa_bits))
  expected = np.asarray(jax.lax.reduce_precision(values, exponent_bits, mantissa_bits))
  np.testing.assert_array_equal(got.view(np.uint32), expected.view(np.uint32))


def test_reduce_precision_of_float64_and_bfloat16():
  with x64():
    values = RNG.normal(size=32) * 1e5
    got = lax.reduce_precision(values, 8, 23)
    expected = jax.lax.reduce_precision(values, 8, 23)
    assert got.dtype == expected.dtype == np.float64
    np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))
  halves = SPECIALS.astype(jax.numpy.bfloat16)
  np.testing.assert_array_equal(np.asarray(lax.reduce_precision(halves, 5, 3)).astype(np.float32),
                                np.asarray(jax.lax.reduce_precision(halves, 5, 3)).astype(np.float32))


@pytest.mark.parametrize("call", [
    lambda l: l.reduce_precision(np.int32(3), 5, 10),
    lambda l: l.reduce_precision(np.float32(3), 0, 10),
    lambda l: l.reduce_precision(np.float32(3), 5, -1),
    lambda l: l.batch_matmul(np.ones((2, 3)), np.ones((2, 3, 4))),
    lambda l: l.batch_matmul(np.ones(3), np.ones(3)),
    lambda l: l.collapse(np.ones((2, 3)), 1, 0),
])
def test_errors_match_oracle(call):
  with pytest.raises((TypeError, ValueError)) as expected:
    call(jax.lax)
  with pytest.raises(expected.type) as got:
    call(lax)
  assert str(got.value) == str(expected.value)


def test_values_and_jaxprs_match_oracle():
  programs = [
      (lambda l, a, b: l.batch_matmul(a, b), (M, N)),
      (lambda l, a, b: l.reciprocal(a), (M, N)),
      (lambda l, a, b: l.collapse(a, 0, 2), (M, N)),
      (lambda l, a, b: l.collapse(a, -2), (M, N)),
      (lambda l, a, b: l.optimization_barrier((a, b, 2.0)), (M, N)),
      (lambda l, a, b: l.reduce_precision(a, 5, 10), (M, N)),
  ]
  for fn, args in programs:
    got = fn(lax, *args)
    expected = fn(jax.lax, *args)
    for g, e in zip(jax.tree.leaves(got), jax.tree.leaves(expected)):
      assert g.dtype == e.dtype and g.weak_type == e.weak_type
      np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-6)
    assert str(pyjax.make_jaxpr(lambda *a: fn(lax, *a))(*args)) == str(
        jax.make_jaxpr(lambda *a: fn(jax.lax, *a))(*args))
  assert lax.broadcast_shapes((2, 1), (3,), ()) == jax.lax.broadcast_shapes((2, 1), (3,), ())
  assert lax.reciprocal(4.0) == 0.25 and lax.reciprocal(4.0).weak_type


def test_gradients_match_oracle():
  def loss(l, a, b):
    a2, b2 = l.optimization_barrier((a * 2.0, b))
    return (l.batch_matmul(l.reduce_precision(a2, 8, 7), b2) ** 2).sum() + l.reciprocal(
        l.collapse(a, 0, 2) + 3.0).sum()
  got = pyjax.grad(lambda a, b: loss(lax, a, b), argnums=(0, 1))(M, N)
  expected = jax.grad(lambda a, b: loss(jax.lax, a, b), argnums=(0, 1))(M, N)
  for g, e in zip(got, expected):
    np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=2e-5, atol=1e-5)


def test_vmap_and_jit_match_a_loop():
  def fn(a, b):
    a2, b2 = lax.optimization_barrier((a, b))
    return lax.reduce_precision(lax.batch_matmul(a2, b2), 5, 10), lax.collapse(a, 0)
  batched = pyjax.jit(pyjax.vmap(fn, in_axes=(0, None)))(np.stack([M, 2 * M]), N)
  for i, a in enumerate([M, 2 * M]):
    for b_out, one in zip(batched, fn(a, N)):
      np.testing.assert_array_equal(np.asarray(b_out[i]), np.asarray(one))
