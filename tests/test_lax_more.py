"""The rest of lax on one CPU device against the oracle: mulhi, the copy primitive, lax.dtype and
ragged_dot / ragged_dot_general — values, dtypes, weak types, errors, jaxpr text and the
transformations."""
import warnings

import jax
import numpy as np
import pytest

import pyjax
import pyjax.lax as lax
from oracle_util import assert_matches_oracle, assert_same_outcome, outcome, x64

RNG = np.random.default_rng(7)


def _extremes(dtype, size=64):
  """Random integers of `dtype` with its extremes, zero and -1 mixed in."""
  info = np.iinfo(dtype)
  edges = [info.min, info.max, 0, 1, info.min + 1, info.max - 1] + ([-1] if info.min else [])
  values = RNG.integers(info.min, info.max, size=size, dtype=dtype, endpoint=True)
  return np.concatenate([np.array(edges, dtype), values])


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "uint16", "int32", "uint32",
                                   "int64", "uint64"])
def test_mulhi_matches_oracle_on_extremes(dtype):
  with x64():
    x = _extremes(np.dtype(dtype))
    y = np.roll(_extremes(np.dtype(dtype))[::-1], 3)
    # Every pairing of the edge values too, so the sign corrections are all exercised.
    x = np.concatenate([x, np.repeat(x[:7], 7)])
    y = np.concatenate([y, np.tile(y[-7:][::-1], 7)])
    assert_matches_oracle(lax.mulhi(x, y), jax.jit(jax.lax.mulhi)(x, y))


def test_mulhi_weak_types_broadcasting_and_errors():
  assert_matches_oracle(lax.mulhi(3, 5), jax.lax.mulhi(3, 5))
  assert_matches_oracle(lax.mulhi(np.int32(-2 ** 31), 2 ** 30),
                        jax.lax.mulhi(np.int32(-2 ** 31), 2 ** 30))
  x = np.arange(-3, 3, dtype=np.int32).reshape(2, 3) * 2 ** 29
  assert_matches_oracle(lax.mulhi(x, np.int32(7)), jax.lax.mulhi(x, np.int32(7)))
  for args in [(np.float32(1), np.float32(2)), (np.int32(1), np.float32(2)),
               (np.int32(1), np.int16(2)), (np.ones(2, np.int32), np.ones(3, np.int32))]:
    p, j = outcome(lax.mulhi, *args), outcome(jax.lax.mulhi, *args)
    assert_same_outcome(p, j)
    if j[0] == "raise":
      assert str(p[1]) == str(j[1])


def test_mulhi_under_jit_vmap_and_jvp():
  x, y = _extremes(np.dtype(np.int32))[:20], _extremes(np.dtype(np.int32))[20:40]
  assert str(pyjax.make_jaxpr(lax.mulhi)(x, y)) == str(jax.make_jaxpr(jax.lax.mulhi)(x, y))
  expected = lax.mulhi(x, y)
  assert_matches_oracle(pyjax.jit(lax.mulhi)(x, y), jax.lax.mulhi(x, y))
  batched = pyjax.vmap(lax.mulhi, in_axes=(0, None))(x.reshape(4, 5), y[:5])
  np.testing.assert_array_equal(batched, np.stack([lax.mulhi(row, y[:5]) for row in
                                                   x.reshape(4, 5)]))
  np.testing.assert_array_equal(pyjax.vmap(lax.mulhi)(x, y), expected)
  tangent = np.zeros(x.shape, pyjax.dtypes.float0)
  out, out_tangent = pyjax.jvp(lambda a: lax.mulhi(a, y), (x,), (tangent,))
  np.testing.assert_array_equal(out, expected)
  assert out_tangent.dtype == pyjax.dtypes.float0 and out_tangent.shape == x.shape


def test_copy_primitive_is_identity_with_its_rules():
  x = RNG.normal(size=(2, 3)).astype(np.float32)
  assert_matches_oracle(lax.copy_p.bind(x), jax.lax.copy_p.bind(x))
  assert_matches_oracle(lax.copy_p.bind(2.0), jax.lax.copy_p.bind(2.0))
  assert str(pyjax.make_jaxpr(lax.copy_p.bind)(x)) == str(jax.make_jaxpr(jax.lax.copy_p.bind)(x))
  grad = pyjax.grad(lambda a: (lax.copy_p.bind(a) ** 2).sum())
  assert str(pyjax.make_jaxpr(grad)(x)) == str(
      jax.make_jaxpr(jax.grad(lambda a: (jax.lax.copy_p.bind(a) ** 2).sum()))(x))
  np.testing.assert_allclose(grad(x), 2 * x, rtol=1e-6)
  np.testing.assert_array_equal(pyjax.vmap(lax.copy_p.bind, in_axes=1)(x), x.T)
  np.testing.assert_array_equal(pyjax.jit(lax.copy_p.bind)(x), x)


@pytest.mark.parametrize("enable_x64", [False, True])
def test_dtype_canonicalizes_as_jax(enable_x64):
  values = [3, 3.0, True, 1j, np.float64(1), np.arange(3), "float64", np.int64, float, "bfloat16",
            np.uint16, None, [1, 2], object(), "U5"]
  with x64(enable_x64), warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for value in values:
      p, j = outcome(lax.dtype, value), outcome(jax.lax.dtype, value)
      assert p[0] == j[0], (value, p, j)
      if j[0] == "ok":
        assert p[1] == j[1], (value, p[1], j[1])
      else:
        assert type(p[1]) is type(j[1]), (value, p[1], j[1])
    assert lax.dtype(pyjax.numpy.ones(2, pyjax.numpy.int16)) == np.int16
