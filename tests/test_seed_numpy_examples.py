"""The seed documents' NumPy-side examples (shared/seeds/), run in pyjax and in the oracle: array
creation dtypes, `.at[]` updates, out-of-bounds indexing, log-softmax stability and the
normalization benchmark's expression."""
import jax
import jax.numpy as jjnp
import numpy as np

import pyjax
import pyjax.numpy as jnp


def test_creation_dtypes_are_jaxs():
  # "NumPy uses double precision, whereas Jax uses single precision."
  for np_ in (jnp, jjnp):
    assert np_.arange(5).dtype == np.int32
    assert np_.linspace(-3, 3, 100).dtype == np.float32
    assert np_.zeros((10, 10), dtype=np_.float16).dtype == np.float16
  # XLA's CPU code for the same formula rounds some samples differently in the last bit.
  np.testing.assert_allclose(np.asarray(jnp.linspace(-3, 3, 100)),
                             np.asarray(jjnp.linspace(-3, 3, 100)), rtol=5e-7, atol=3e-7)


def test_at_set_returns_a_new_array():
  x = jnp.zeros((3, 4))
  updated = x.at[1, :].set(1.0)
  expected = jjnp.zeros((3, 4)).at[1, :].set(1.0)
  np.testing.assert_array_equal(np.asarray(updated), np.asarray(expected))
  assert float(x.sum()) == 0.0  # the original is unchanged
  try:
    x[1, :] = 1.0
  except TypeError as error:
    assert ".at[" in str(error)
  else:
    raise AssertionError("item assignment must raise TypeError")


def test_out_of_bounds_indexing_matches_oracle():
  for np_ in (jnp, jjnp):
    x = np_.arange(10)
    reads = (x[11], x[-11], x[np_.array([3, 12, -20])], x.at[11].get(mode="fill", fill_value=-1))
    writes = (x.at[11].set(99), x.at[np_.array([0, 15])].add(100),
              x.at[np_.array([0, 15])].add(100, mode="clip"))
    if np_ is jnp:
      ours = [np.asarray(v) for v in reads + writes]
    else:
      theirs = [np.asarray(v) for v in reads + writes]
  for o, t in zip(ours, theirs):
    np.testing.assert_array_equal(o, t)


def test_log_softmax_is_stable():
  logits = np.array([1000.0, 0.0, -1000.0], np.float32)
  stable = pyjax.nn.log_softmax(logits)
  manual = logits - pyjax.scipy.special.logsumexp(logits)
  assert np.all(np.isfinite(np.asarray(stable))[:2])
  np.testing.assert_allclose(np.asarray(stable), np.asarray(jax.nn.log_softmax(logits)))
  np.testing.assert_allclose(np.asarray(manual), np.asarray(stable))
  naive = jnp.log(jnp.exp(logits) / jnp.exp(logits).sum())
  assert not np.all(np.isfinite(np.asarray(naive)))  # why the stable form matters


def test_normalization_expression_matches_oracle():
  x = np.random.default_rng(0).random((300, 300))
  ours = (lambda x: (x - x.mean(1)) / x.std(1))(jnp.array(x))
  theirs = (lambda x: (x - x.mean(1)) / x.std(1))(jjnp.array(x))
  assert ours.dtype == theirs.dtype == np.float32
  np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=1e-5, atol=1e-5)
  jitted = pyjax.jit(lambda x: (x - x.mean(1)) / x.std(1))(jnp.array(x))
  np.testing.assert_allclose(np.asarray(jitted), np.asarray(ours), rtol=1e-6)
