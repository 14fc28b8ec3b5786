"""`jnp.convolve` and `jnp.correlate` against the oracle: every mode, both argument orders, odd
and even lengths, real, complex, integer and boolean inputs; errors; grad, vmap and jit."""
import jax
import numpy as np
import pytest

import pyjax
import pyjax.numpy as jnp

RNG = np.random.default_rng(3)


def _inputs():
  for n_a, n_v in [(5, 3), (3, 5), (6, 4), (4, 6), (1, 4), (7, 7), (8, 1)]:
    yield np.float32, RNG.normal(size=n_a).astype(np.float32), RNG.normal(size=n_v).astype(
        np.float32)
  yield np.complex64, (RNG.normal(size=5) + 1j * RNG.normal(size=5)).astype(np.complex64), (
      RNG.normal(size=4) + 1j * RNG.normal(size=4)).astype(np.complex64)
  yield np.complex64, RNG.normal(size=3).astype(np.float32), np.array([1j, 2, -1j], np.complex64)
  yield np.int32, np.arange(6, dtype=np.int32), np.array([1, 0, -1], np.int32)
  yield np.bool_, np.array([True, False, True]), np.array([True, True])
  yield np.int8, np.array([1, 2, 3], np.int8), np.array([1, 2], np.uint8)


CASES = [(fn, mode, a, v) for fn in ("convolve", "correlate") for mode in ("full", "same", "valid")
         for _, a, v in _inputs()]


def test_values_and_dtypes_match_oracle():
  expected = [getattr(jax.numpy, fn)(a, v, mode) for fn, mode, a, v in CASES]
  for (fn, mode, a, v), e in zip(CASES, expected):
    got = getattr(jnp, fn)(a, v, mode)
    what = f"{fn}({a.dtype}[{a.size}], {v.dtype}[{v.size}], {mode})"
    assert got.dtype == e.dtype and got.shape == e.shape, what
    assert got.weak_type == e.weak_type, what
    np.testing.assert_allclose(np.asarray(got), np.asarray(e), rtol=1e-5, atol=1e-5, err_msg=what)


def test_default_modes_and_scalar_weak_types():
  a, v = np.arange(5.0, dtype=np.float32), np.array([1.0, 0.5], np.float32)
  assert jnp.convolve(a, v).shape == (6,)  # 'full'
  assert jnp.correlate(a, v).shape == (4,)  # 'valid'


@pytest.mark.parametrize("call", [
    lambda m: m.convolve(np.ones((2, 2)), np.ones(2)),
    lambda m: m.correlate(np.ones(3), np.ones((1, 2))),
    lambda m: m.convolve(np.ones(0), np.ones(2)),
    lambda m: m.correlate(np.ones(3), np.ones(0)),
    lambda m: m.convolve(np.ones(3), np.ones(2), mode="x"),
    lambda m: m.correlate(np.ones(3), np.ones(2), mode="x"),
    lambda m: m.convolve(np.ones(3, np.float32), [1.0, 2.0]),
])
def test_errors_match_oracle(call):
  with pytest.raises((TypeError, ValueError)) as expected:
    call(jax.numpy)
  with pytest.raises(expected.type) as got:
    call(jnp)
  assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("fn", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_gradients_match_oracle(fn, mode):
  a, v = RNG.normal(size=6).astype(np.float32), RNG.normal(size=3).astype(np.float32)
  w = RNG.normal(size=np.asarray(getattr(jax.numpy, fn)(a, v, mode)).shape).astype(np.float32)
  got = pyjax.grad(lambda a, v: (getattr(jnp, fn)(a, v, mode) * w).sum(), (0, 1))(a, v)
  expected = jax.grad(lambda a, v: (getattr(jax.numpy, fn)(a, v, mode) * w).sum(), (0, 1))(a, v)
  for g, e in zip(got, expected):
    np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-5, atol=1e-5)


def test_vmap_and_jit_match_a_loop():
  signals = RNG.normal(size=(4, 9)).astype(np.float32)
  kernel = np.array([0.25, 0.5, 0.25], np.float32)
  batched = pyjax.jit(pyjax.vmap(lambda s: jnp.convolve(s, kernel, "same")))(signals)
  for row, s in zip(np.asarray(batched), signals):
    np.testing.assert_allclose(row, np.convolve(s, kernel, "same"), rtol=1e-6)
  both = pyjax.vmap(jnp.correlate)(signals, signals[:, :3])
  for row, s in zip(np.asarray(both), signals):
    np.testing.assert_allclose(row, np.correlate(s, s[:3], "valid"), rtol=1e-5)
