"""lax's tokens, composites, platform_dependent, random_gamma_grad and XLA's bit generators,
compared with the oracle: values (bit-exact for the generators), dtypes, jaxpr text, errors, and
eager vs jit vs vmap vs grad."""
import warnings

import numpy as np
import pytest

import pyjax
import pyjax.numpy as jnp
from pyjax import lax
from tests.oracle_util import oracle, x64

# Keys exercising the counter word's carry out of its low half and out of 64 bits.
_KEYS = ([1, 2, 3, 4], [1, 2, 0xFFFFFFFF, 0xFFFFFFFF], [7, 8, 0xFFFFFFFE, 0xFFFFFFFF],
         [5, 6, 0xFFFFFFFF, 3], [0, 0, 0, 0])
_SHAPES = ((), (1,), (5,), (2, 3), (4, 4), (0,), (3, 1, 3))
_DTYPES = (np.uint8, np.uint16, np.uint32)


def _generator_cases():
  return [(key, shape, dtype, algorithm) for key in _KEYS for shape in _SHAPES
          for dtype in _DTYPES for algorithm in range(3)]


def _oracle_generator_outputs(cases, key_dtype=np.uint32):
  """Every case's (new_key, bits) from one jitted oracle program."""
  jax = oracle()

  def run(keys):
    return [jax.lax.rng_bit_generator(k, shape, dtype, jax.lax.RandomAlgorithm(algorithm))
            for k, (_, shape, dtype, algorithm) in zip(keys, cases)]

  keys = [np.asarray(key, np.uint64).astype(key_dtype) if key_dtype == np.uint32 else
          np.array([key[0] | key[1] << 32, key[2] | key[3] << 32], np.uint64)
          for key, *_ in cases]
  return jax.jit(run)(keys)


def test_rng_bit_generator_is_bit_exact_with_the_oracle():
  cases = _generator_cases()
  expected = _oracle_generator_outputs(cases)
  for case, (key_j, bits_j) in zip(cases, expected):
    key, shape, dtype, algorithm = case
    key_p, bits_p = lax.rng_bit_generator(jnp.array(key, jnp.uint32), shape, dtype,
                                          lax.RandomAlgorithm(algorithm))
    assert bits_p.dtype == bits_j.dtype and bits_p.shape == bits_j.shape, case
    assert not bits_p.weak_type and key_p.dtype == np.uint32
    np.testing.assert_array_equal(np.asarray(bits_p), np.asarray(bits_j), err_msg=str(case))
    np.testing.assert_array_equal(np.asarray(key_p), np.asarray(key_j), err_msg=str(case))


def test_rng_bit_generator_64_bit_outputs_and_keys_under_x64():
  cases = [(key, shape, np.uint64, algorithm) for key in _KEYS for shape in ((5,), (2, 3))
           for algorithm in range(3)]
  with x64():
    for key_dtype in (np.uint32, np.uint64):
      expected = _oracle_generator_outputs(cases, key_dtype)
      for case, (key_j, bits_j) in zip(cases, expected):
        key, shape, dtype, algorithm = case
        key_p = (jnp.array(key, jnp.uint32) if key_dtype == np.uint32 else
                 jnp.array([key[0] | key[1] << 32, key[2] | key[3] << 32], jnp.uint64))
        new_key, bits = lax.rng_bit_generator(key_p, shape, dtype, algorithm)
        assert bits.dtype == np.uint64 and new_key.dtype == key_dtype
        np.testing.assert_array_equal(np.asarray(bits), np.asarray(bits_j), err_msg=str(case))
        np.testing.assert_array_equal(np.asarray(new_key), np.asarray(key_j))


def test_rng_bit_generator_uint64_without_x64_warns_and_truncates():
  key = jnp.array(_KEYS[0], jnp.uint32)
  with pytest.warns(UserWarning, match="requested in rng_bit_generator is not available"):
    _, bits = lax.rng_bit_generator(key, (3,), np.uint64, lax.RandomAlgorithm.RNG_THREE_FRY)
  assert bits.dtype == np.uint32
  np.testing.assert_array_equal(
      bits, lax.rng_bit_generator(key, (3,), algorithm=lax.RandomAlgorithm.RNG_THREE_FRY)[1])


def test_rng_bit_generator_jit_and_jaxpr_text():
  jax = oracle()
  key = jnp.array(_KEYS[1], jnp.uint32)
  for algorithm in lax.RandomAlgorithm:
    f = lambda k: lax.rng_bit_generator(k, (2, 3), np.uint16, algorithm)  # noqa: E731
    eager, jitted = f(key), pyjax.jit(f)(key)
    for e, j in zip(eager, jitted):
      np.testing.assert_array_equal(e, j)
    g = lambda k: jax.lax.rng_bit_generator(  # noqa: E731
        k, (2, 3), np.uint16, jax.lax.RandomAlgorithm(int(algorithm)))
    assert str(pyjax.make_jaxpr(f)(key)) == str(jax.make_jaxpr(g)(np.asarray(key)))
  assert [str(a) for a in lax.RandomAlgorithm] == [str(a) for a in jax.lax.RandomAlgorithm]
  assert [int(a) for a in lax.RandomAlgorithm] == [int(a) for a in jax.lax.RandomAlgorithm]


def test_rng_bit_generator_vmap_draws_from_the_first_key_as_jax_does():
  jax = oracle()
  keys = np.array([_KEYS[0], _KEYS[3], _KEYS[2]], np.uint32)
  for in_axes, data in ((0, keys), (1, keys.T)):
    f = lambda k: lax.rng_bit_generator(  # noqa: E731
        k, (2,), algorithm=lax.RandomAlgorithm.RNG_THREE_FRY)
    g = lambda k: jax.lax.rng_bit_generator(  # noqa: E731
        k, (2,), algorithm=jax.lax.RandomAlgorithm.RNG_THREE_FRY)
    got = pyjax.vmap(f, in_axes=in_axes)(jnp.asarray(data))
    want = jax.vmap(g, in_axes=in_axes)(data)
    for p, j in zip(got, want):
      np.testing.assert_array_equal(np.asarray(p), np.asarray(j))
  # An unbatched key under vmap is drawn once, as outside vmap.
  key = jnp.array(_KEYS[0], jnp.uint32)
  new_key, bits = pyjax.vmap(lambda x: lax.rng_bit_generator(key, (2,)), axis_size=3)(
      jnp.zeros(3))
  np.testing.assert_array_equal(bits, np.tile(lax.rng_bit_generator(key, (2,))[1], (3, 1)))


def test_rng_bit_generator_errors():
  key = jnp.array(_KEYS[0], jnp.uint32)
  for dtype in (np.int32, np.float32):
    with pytest.raises(TypeError, match=f"rng_bit_generator: unsupported dtype "
                                        f"{np.dtype(dtype).name}"):
      lax.rng_bit_generator(key, (2,), dtype)
  # JAX stages a badly shaped key and fails when compiling; pyjax fails when running it.
  for bad in (jnp.zeros(2, jnp.uint32), jnp.zeros(4, jnp.int32), jnp.zeros((2, 4), jnp.uint32)):
    assert pyjax.make_jaxpr(lambda k: lax.rng_bit_generator(k, (2,)))(bad) is not None
    with pytest.raises(TypeError, match="requires a key of shape"):
      lax.rng_bit_generator(bad, (2,))
  with pytest.raises(ValueError, match="is not a valid RandomAlgorithm"):
    lax.rng_bit_generator(key, (2,), algorithm=5)


def test_random_gamma_grad_matches_the_oracle():
  jax = oracle()
  a = np.array([0.1, 0.5, 1.0, 3.0, 20.0, 150.0], np.float32)
  x = np.array([0.05, 0.2, 1.5, 2.0, 25.0, 140.0], np.float32)
  cases = [(a, x), (a[:5, None], x[None, :]), (np.float32(2.5), x),
           (a.astype(np.float16), x.astype(np.float16))]
  run = jax.jit(lambda cs: [jax.lax.random_gamma_grad(*c) for c in cs])
  expected = run(cases)
  # The oracle's float32 loses digits far in the tails (a = 150 at x = 0.05); its float64 is
  # the reference for pyjax's float32 values.
  with x64():
    precise = run([tuple(np.asarray(v, np.float64) for v in c) for c in cases[:3]])
  for i, ((ca, cx), want) in enumerate(zip(cases, expected)):
    got = lax.random_gamma_grad(jnp.asarray(ca), jnp.asarray(cx))
    assert got.dtype == want.dtype and got.shape == want.shape and not got.weak_type
    if got.dtype == np.float16:
      np.testing.assert_allclose(np.asarray(got, np.float32), want, rtol=2e-3)
    else:
      np.testing.assert_allclose(got, precise[i], rtol=2e-5)
    np.testing.assert_array_equal(pyjax.jit(lax.random_gamma_grad)(ca, cx), got)
  got = pyjax.vmap(lax.random_gamma_grad, in_axes=(0, None))(jnp.asarray(a[:5]), jnp.asarray(x))
  np.testing.assert_allclose(got, precise[1], rtol=2e-5)


def test_random_gamma_grad_errors():
  with pytest.raises(TypeError, match="log does not accept dtype int32"):
    lax.random_gamma_grad(jnp.array([1, 2]), jnp.array([1, 2]))
  with pytest.raises(TypeError, match="requires arguments to have the same dtypes"):
    lax.random_gamma_grad(jnp.float32(1), jnp.float16(2))
  with pytest.raises(ValueError, match="Incompatible shapes for broadcasting"):
    lax.random_gamma_grad(jnp.ones(2), jnp.ones(3))


# ------------------------------------------------------------------------------------------------
# composite


def _composite_programs(lax_module, numpy_module):
  """The same composites written against either library."""
  comp = lax_module.composite
  mul = comp(lambda x, y: numpy_module.sin(x) * y, name="my.op")
  scale = comp(lambda x, *, scale: x * scale, name="my.sc", version=2)
  attrs = comp(lambda x, **kw: x * 2, name="my.attrs")
  tree = comp(lambda d: {"a": d["x"] + 1, "b": (d["x"] * 3,)}, name="my.tree")
  offset = np.arange(3, dtype=np.float32)
  closure = comp(lambda x: x + offset, name="my.closure")
  return [
      (lambda x, y: mul(x, y), (np.float32(1.5), np.float32(2.0))),
      (lambda x: mul(x, 3.0), (np.float32(0.5),)),
      (lambda x: scale(x, scale=np.float32(2.0)), (np.float32(1.5),)),
      (lambda x: scale(x, scale=2), (np.float32(1.5),)),
      (lambda x: attrs(x, z=2.0, a=1, t="hi", u=np.arange(3), v=(1, 2)), (np.float32(1),)),
      (lambda x: tree({"x": x}), (np.ones(2, np.float32),)),
      (lambda x: closure(x), (np.zeros(3, np.float32),)),
      (lambda x: numpy_module.sum(mul(x, x)), (np.ones((2, 3), np.int32),)),
  ]


def test_composite_jaxpr_text_values_and_jit_match_the_oracle():
  jax = oracle()
  mine = _composite_programs(lax, jnp)
  theirs = _composite_programs(jax.lax, jax.numpy)
  for (f, args), (g, _) in zip(mine, theirs):
    assert str(pyjax.make_jaxpr(f)(*args)) == str(jax.make_jaxpr(g)(*args))
    got, want = f(*args), jax.jit(g)(*args)
    for p, j in zip(pyjax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
      assert p.dtype == j.dtype and p.weak_type == j.weak_type
      np.testing.assert_allclose(p, j, rtol=1e-6)
    for p, j in zip(pyjax.tree_util.tree_leaves(pyjax.jit(f)(*args)),
                    pyjax.tree_util.tree_leaves(got)):
      np.testing.assert_array_equal(p, j)


def test_composite_inside_jit_prints_as_jax():
  jax = oracle()
  c = np.ones(3, np.float32)
  f = lax.composite(lambda x: x + c, name="my.closure")
  g = jax.lax.composite(lambda x: x + c, name="my.closure")
  x = np.zeros(3, np.float32)
  assert str(pyjax.make_jaxpr(pyjax.jit(f))(x)) == str(jax.make_jaxpr(jax.jit(g))(x))


def test_composite_errors_match_the_oracle():
  jax = oracle()
  f = lax.composite(lambda x, y: jnp.sin(x) * y, name="my.op")
  g = jax.lax.composite(lambda x, y: jax.numpy.sin(x) * y, name="my.op")
  for transform in ("grad", "jvp", "vmap"):
    run = {"grad": lambda m, h: m.grad(h)(1.0, 2.0),
           "jvp": lambda m, h: m.jvp(h, (1.0, 2.0), (1.0, 0.0)),
           "vmap": lambda m, h: m.vmap(h)(np.ones(3, np.float32), np.ones(3, np.float32))}[
               transform]
    with pytest.raises(Exception) as want:
      run(jax, g)
    with pytest.raises(type(want.value)) as got:
      run(pyjax, f)
    assert str(got.value).splitlines()[0] == str(want.value).splitlines()[0]
  s = lax.composite(lambda x, *, scale: x * scale, name="my.sc")
  with pytest.raises(pyjax.errors.UnexpectedTracerError,
                     match="Found a JAX Tracer as an attribute in the decomposition for the "
                           "composite op 'my.sc'"):
    pyjax.jit(lambda x: s(x, scale=x))(1.0)


# ------------------------------------------------------------------------------------------------
# platform_dependent


def _platform_programs(lax_module, numpy_module):
  pd = lax_module.platform_dependent
  sin, cos, exp = numpy_module.sin, numpy_module.cos, numpy_module.exp
  return [
      lambda x: pd(x, cpu=sin, default=cos),
      lambda x: pd(x, tpu=sin, default=cos),
      lambda x: pd(x, cuda=sin, tpu=exp, default=cos),
      lambda x: pd(x, cpu=sin),
      lambda x: pd(x, cpu=sin, cuda=sin, rocm=exp),
      lambda x: pd(x, x * 2, cpu=lambda a, b: (a + b, a), default=lambda a, b: (a, b)),
  ]


def test_platform_dependent_picks_the_cpu_branch_and_stages_as_jax():
  jax = oracle()
  x = np.array([0.5, 1.0, 2.0], np.float32)
  for f, g in zip(_platform_programs(lax, jnp), _platform_programs(jax.lax, jax.numpy)):
    assert str(pyjax.make_jaxpr(f)(x)) == str(jax.make_jaxpr(g)(x))
    want = jax.jit(g)(x)
    for got in (f(x), pyjax.jit(f)(x)):
      for p, j in zip(pyjax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        assert p.dtype == j.dtype and p.shape == j.shape
        np.testing.assert_allclose(p, j, rtol=1e-6)


def test_platform_dependent_under_vmap_and_grad():
  jax = oracle()
  x = np.array([0.5, 1.0, 2.0], np.float32)
  for f, g in zip(_platform_programs(lax, jnp)[:3], _platform_programs(jax.lax, jax.numpy)[:3]):
    assert (str(pyjax.make_jaxpr(pyjax.vmap(f))(x)) == str(jax.make_jaxpr(jax.vmap(g))(x)))
    np.testing.assert_allclose(pyjax.vmap(f)(x), [f(v) for v in x], rtol=1e-6)
    grads = pyjax.vmap(pyjax.grad(f))(x)
    np.testing.assert_allclose(grads, jax.vmap(jax.grad(g))(x), rtol=1e-6)
    np.testing.assert_allclose(pyjax.jit(pyjax.grad(f))(x[1]), grads[1], rtol=1e-6)


def test_platform_dependent_errors_match_the_oracle():
  jax = oracle()
  cases = [dict(gpu=jnp.exp, cpu=jnp.sin), dict(tpu=jnp.sin), dict(), dict(foo=jnp.sin),
           dict(cpu=jnp.sin, tpu=1), dict(cpu=jnp.sin, default=2)]
  for kwargs in cases:
    theirs = {k: getattr(jax.numpy, v.__name__) if hasattr(jax.numpy, getattr(
        v, "__name__", "")) else v for k, v in kwargs.items()}
    with pytest.raises(Exception) as want:
      jax.lax.platform_dependent(np.int32(1), **theirs)
    with pytest.raises(type(want.value)) as got:
      lax.platform_dependent(np.int32(1), **kwargs)
    assert str(got.value).splitlines()[0] == str(want.value).splitlines()[0]
  # Staged, both branches are traced and must agree; eagerly only the chosen one runs.
  pd = lambda m: lambda v: m.lax.platform_dependent(  # noqa: E731
      v, cpu=lambda x: x * 2.0, default=lambda x: x + 1)
  with pytest.raises(TypeError) as want:
    jax.jit(pd(jax))(np.int32(1))
  with pytest.raises(TypeError) as got:
    pyjax.jit(pd(pyjax))(np.int32(1))
  assert str(got.value).splitlines()[0] == str(want.value).splitlines()[0]
  assert pd(pyjax)(np.int32(1)) == pd(jax)(np.int32(1)) == 2.0
  # Only running the program needs a branch for the platform, as in JAX.
  closed = pyjax.make_jaxpr(lambda x: lax.platform_dependent(x, tpu=jnp.sin))(1.0)
  assert "platform_index[platforms=(('tpu',),)]" in str(closed)
  with pytest.raises(NotImplementedError, match="'platform_index"):
    pyjax.jit(lambda x: lax.platform_dependent(x, tpu=jnp.sin))(1.0)
