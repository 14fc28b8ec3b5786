"""The special-function primitives of several operands (igamma, igammac, igamma_grad_a, zeta,
betainc) against the oracle: values, dtypes and weak types, errors, derivatives, vmap and jit; and
the primitive objects `pyjax.lax` exports."""
import jax
import numpy as np
import pytest

import pyjax
import pyjax.lax as lax
import pyjax.numpy as jnp
from oracle_util import x64

RNG = np.random.default_rng(0)
A = RNG.uniform(0.3, 6.0, 12)
X = RNG.uniform(0.05, 8.0, 12)
B = RNG.uniform(0.3, 4.0, 12)
U = RNG.uniform(0.02, 0.98, 12)

CASES = {
    "igamma": (lambda l: l.igamma, (A, X)),
    "igammac": (lambda l: l.igammac, (A, X)),
    "igamma_grad_a": (lambda l: l.igamma_grad_a, (A, X)),
    "zeta": (lambda l: l.zeta, (A + 1.5, X)),
    "betainc": (lambda l: l.betainc, (A, B, U)),
}


def _oracle_values(dtype):
  args = {name: [a.astype(dtype) for a in arrays] for name, (_, arrays) in CASES.items()}
  return jax.jit(lambda args: {name: CASES[name][0](jax.lax)(*a) for name, a in args.items()})(args)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_match_oracle(dtype):
  with x64(dtype == np.float64):
    expected = _oracle_values(dtype)
    for name, (fn, arrays) in CASES.items():
      got = fn(lax)(*[a.astype(dtype) for a in arrays])
      assert got.dtype == expected[name].dtype, name
      rtol = 2e-4 if dtype == np.float32 else 1e-9
      np.testing.assert_allclose(np.asarray(got), np.asarray(expected[name]), rtol=rtol,
                                 atol=1e-30, err_msg=name)


def test_weak_types_follow_the_operands():
  assert lax.igamma(2.0, 1.5).weak_type
  assert not lax.igamma(np.float32(2.0), 1.5).weak_type
  assert lax.betainc(2.0, 3.0, 0.4).weak_type
  assert lax.igamma_grad_a(2.0, 1.5).weak_type and lax.igammac(2.0, 1.5).weak_type


@pytest.mark.parametrize("fn", [lambda l: l.igamma(np.float32(2), np.float16(1)),
                                lambda l: l.zeta(np.int32(2), np.int32(1)),
                                lambda l: l.betainc(np.float32(2), np.float32(1), np.float16(.5))])
def test_dtype_errors_match_oracle(fn):
  with pytest.raises(TypeError) as expected:
    fn(jax.lax)
  with pytest.raises(TypeError) as got:
    fn(lax)
  assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("name,argnums", [("igamma", (0, 1)), ("igammac", (0, 1)),
                                          ("betainc", (2,))])
def test_gradients_match_oracle(name, argnums):
  fn, arrays = CASES[name]
  args = [float(a[3]) for a in arrays]
  expected = jax.grad(fn(jax.lax), argnums=argnums)(*args)
  got = pyjax.grad(fn(lax), argnums=argnums)(*args)
  for g, e in zip(got, expected):
    assert g.weak_type == e.weak_type
    np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=2e-5)


def test_jvp_matches_finite_differences_in_float64():
  with x64():
    a, x = 2.3, 1.7
    for fn in (lax.igamma, lax.igammac):
      _, tangent = pyjax.jvp(fn, (a, x), (1.0, -0.5))
      eps = 1e-6
      fd = (fn(a + eps, x - 0.5 * eps) - fn(a - eps, x + 0.5 * eps)) / (2 * eps)
      np.testing.assert_allclose(float(tangent), float(fd), rtol=1e-6)


@pytest.mark.parametrize("name,argnums,error", [
    ("betainc", 0, ValueError), ("zeta", 1, NotImplementedError),
    ("igamma_grad_a", 0, NotImplementedError)])
def test_non_differentiable_operands_raise_as_in_oracle(name, argnums, error):
  fn, arrays = CASES[name]
  args = [float(a[0]) for a in arrays]
  with pytest.raises(error) as expected:
    jax.grad(fn(jax.lax), argnums=argnums)(*args)
  with pytest.raises(error) as got:
    pyjax.grad(fn(lax), argnums=argnums)(*args)
  assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("name", list(CASES))
def test_vmap_and_jit_match_eager(name):
  fn, arrays = CASES[name]
  args = [a.astype(np.float32).reshape(3, 4) for a in arrays]
  eager = fn(lax)(*args)
  np.testing.assert_array_equal(np.asarray(pyjax.jit(fn(lax))(*args)), np.asarray(eager))
  # The first operand unmapped, the others mapped along axis 1.
  in_axes = (None,) + (1,) * (len(args) - 1)
  mapped = pyjax.vmap(fn(lax), in_axes=in_axes)(args[0][:, 0], *args[1:])
  loop = np.stack([fn(lax)(args[0][:, 0], *(a[:, j] for a in args[1:])) for j in range(4)])
  np.testing.assert_allclose(np.asarray(mapped), loop, rtol=1e-6)


def test_jaxpr_text_matches_oracle():
  args = (np.float32(2), np.float32(3), np.float32(0.4))
  assert str(pyjax.make_jaxpr(lax.betainc)(*args)) == str(jax.make_jaxpr(jax.lax.betainc)(*args))
  assert str(pyjax.make_jaxpr(lax.zeta)(*args[:2])) == str(jax.make_jaxpr(jax.lax.zeta)(*args[:2]))


def test_exported_primitives_are_jaxs():
  exported = [name for name in dir(lax) if name.endswith("_p")]
  assert len(exported) > 100
  for name in exported:
    assert hasattr(jax.lax, name), f"pyjax.lax.{name} is not in jax.lax"
    assert getattr(lax, name).name == getattr(jax.lax, name).name, name


def test_jnp_functions_compose_with_the_primitives():
  x = jnp.linspace(0.5, 3.0, 4)
  np.testing.assert_allclose(np.asarray(lax.igamma(x, x) + lax.igammac(x, x)), np.ones(4),
                             rtol=1e-6)
  np.testing.assert_allclose(np.asarray(lax.zeta(2.0, 1.0)), np.pi ** 2 / 6, rtol=1e-6)
