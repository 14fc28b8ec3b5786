"""lax's tokens, composites, platform_dependent, random_gamma_grad and XLA's bit generators,
compared with the oracle: values (bit-exact for the generators), dtypes, jaxpr text, errors, and
eager vs jit vs vmap vs grad."""

import numpy as np
import pytest

import pyjax
import pyjax.numpy as jnp
from pyjax import lax
from tests.oracle_util import oracle, outcome, x64

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


# ------------------------------------------------------------------------------------------------
# Tokens: create_token, after_all

def _token_programs(lax_module):
  """Programs using tokens, by name; each is traced with make_jaxpr on the given arguments."""
  return {
      "create": (lambda: lax_module.create_token(), ()),
      "create_ignores_its_argument": (lambda x: lax_module.create_token(x), (1.0,)),
      "after_all_of_two": (lambda x: lax_module.after_all(lax_module.create_token(x),
                                                          lax_module.create_token()), (1.0,)),
      "after_all_of_none": (lambda: lax_module.after_all(), ()),
      "token_argument": (lambda t: lax_module.after_all(t, t), ("token",)),
      "unused_after_all": (lambda x: (lax_module.after_all(lax_module.create_token()), x)[1],
                           (np.float32(2.0),)),
  }


@pytest.mark.parametrize("name", sorted(_token_programs(lax)))
def test_token_jaxpr_text_matches_the_oracle(name):
  jax = oracle()
  fn_p, args = _token_programs(lax)[name]
  fn_j, _ = _token_programs(jax.lax)[name]
  args_p = [lax.create_token() if a == "token" else a for a in args]
  args_j = [jax.lax.create_token() if a == "token" else a for a in args]
  assert str(pyjax.make_jaxpr(fn_p)(*args_p)) == str(jax.make_jaxpr(fn_j)(*args_j))
  # and inside jit, with a token crossing the jit boundary
  assert (str(pyjax.make_jaxpr(pyjax.jit(fn_p))(*args_p))
          == str(jax.make_jaxpr(jax.jit(fn_j))(*args_j)))


def test_tokens_eager_and_under_jit():
  from pyjax._src.avals import AbstractToken, Token
  t = lax.create_token()
  assert type(t) is Token and type(lax.create_token(1.0)) is Token
  assert type(lax.create_token(_=jnp.ones(2))) is Token
  assert repr(pyjax.typeof(t)) == "AbstractToken()" and pyjax.typeof(t).str_short() == "Tok"
  assert type(lax.after_all()) is Token and type(lax.after_all(t, t)) is Token
  assert t.block_until_ready() is None and not isinstance(t, pyjax.Array)
  assert pyjax.tree_util.tree_leaves(t) == [t]
  assert type(pyjax.jit(lambda: lax.create_token())()) is Token
  assert type(pyjax.jit(lambda x: lax.create_token(x))(1.0)) is Token
  assert type(pyjax.jit(lambda x: x)(t)) is Token  # a token as a jit input and output
  for _ in range(2):  # the cached program takes tokens too
    tok, x = pyjax.jit(lambda t, x: (lax.after_all(t), x * 2))(t, 1.0)
    assert type(tok) is Token and float(x) == 2.0
  assert type(pyjax.eval_shape(lambda: lax.create_token())) is AbstractToken
  assert type(lax.create_token_p.bind()) is Token and type(lax.after_all_p.bind(t, t)) is Token


def test_after_all_of_non_tokens_raises_as_the_oracle():
  jax = oracle()
  t_p, t_j = lax.create_token(), jax.lax.create_token()
  for make in (lambda: 1.0, lambda: np.ones(3, np.float32), lambda: [None], lambda: None):
    for lib, t in ((lax, t_p), (jax.lax, t_j)):
      with pytest.raises(TypeError, match="must be tokens" if lib is lax else None):
        lib.after_all(t, make())
  for lib, jit in ((lax, pyjax.jit), (jax.lax, jax.jit)):
    with pytest.raises(TypeError, match="Arguments to after_all must be tokens"):
      jit(lambda x: lib.after_all(x))(1.0)
  with pytest.raises(TypeError, match=r"position 1 is 1\.0 .*lax\.create_token\(\)"):
    lax.after_all(t_p, 1.0)
  with pytest.raises(TypeError, match="Arguments to after_all must be tokens"):
    lax.after_all_p.bind(1.0)
  with pytest.raises(TypeError):  # create_token takes at most one argument, as in JAX
    lax.create_token(1.0, 2.0)


def _token_transform_cases(jax, lax_module, numpy_module):
  ones = numpy_module.ones(3)
  t = lax_module.create_token()
  return {
      "vmap_returning_token": lambda: jax.vmap(lambda x: lax_module.create_token(x))(ones),
      "vmap_returning_token_argument": lambda: jax.vmap(lambda t, x: (t, x),
                                                        in_axes=(None, 0))(t, ones),
      "vmap_token_out_axes_none": lambda: jax.vmap(lambda x: (lax_module.create_token(x), x),
                                                   out_axes=(None, 0))(ones)[1],
      "vmap_token_inside": lambda: jax.vmap(
          lambda x: (lax_module.after_all(lax_module.create_token(x)), x * 2)[1])(ones),
      "vmap_token_argument_unmapped": lambda: jax.vmap(
          lambda t, x: (lax_module.after_all(t), x)[1], in_axes=(None, 0))(t, ones),
      "vmap_token_argument_mapped": lambda: jax.vmap(lambda t, x: x, in_axes=(0, 0))(t, ones),
      "grad_token_inside": lambda: jax.grad(
          lambda x: (lax_module.after_all(lax_module.create_token(x)), x * 2)[1])(1.0),
      "grad_token_as_aux": lambda: jax.grad(lambda x: (x * 3, lax_module.create_token(x)),
                                            has_aux=True)(1.0)[0],
      "grad_with_token_argument": lambda: jax.grad(
          lambda t, x: (lax_module.after_all(t), x * 2)[1], argnums=1)(t, 1.0),
      "grad_wrt_token": lambda: jax.grad(lambda t, x: x, argnums=0)(t, 1.0),
      "jvp_token_inside": lambda: jax.jvp(
          lambda x: (lax_module.after_all(lax_module.create_token(x)), x * 2)[1],
          (1.0,), (1.0,)),
      "jvp_returning_token": lambda: jax.jvp(lambda x: lax_module.create_token(x),
                                             (1.0,), (1.0,)),
      "jvp_token_primal": lambda: jax.jvp(lambda t: lax_module.after_all(t), (t,), (t,)),
      "vjp_returning_token": lambda: (lambda out, f: f((out[0], 1.0)))(
          *jax.vjp(lambda x: (lax_module.create_token(x), x * 2), 1.0)),
      "vjp_token_output_given_a_float": lambda: (lambda out, f: f((1.0, 1.0)))(
          *jax.vjp(lambda x: (lax_module.create_token(x), x * 2), 1.0)),
  }


def _assert_case_matches_the_oracle(cases, name, *, same_message):
  """Run case `name` of `cases(jax_module, lax_module, numpy_module)` in pyjax and the oracle:
  both raise the same class (and, with `same_message`, the same text) or return equal values."""
  jax = oracle()
  got = outcome(cases(pyjax, lax, jnp)[name])
  want = outcome(cases(jax, jax.lax, jax.numpy)[name])
  assert got[0] == want[0], (name, got, want)
  if want[0] == "raise":
    assert type(got[1]) is type(want[1]), (name, got[1], want[1])
    if same_message:
      assert str(got[1]) == str(want[1]), (got[1], want[1])
  else:
    got_leaves = pyjax.tree_util.tree_leaves(got[1])
    want_leaves = jax.tree_util.tree_leaves(want[1])
    assert len(got_leaves) == len(want_leaves), (name, got[1], want[1])
    for g, w in zip(got_leaves, want_leaves):
      np.testing.assert_array_equal(np.asarray(g), np.asarray(w))


@pytest.mark.parametrize("name", sorted(_token_transform_cases(pyjax, lax, jnp)))
def test_tokens_under_vmap_and_differentiation_match_the_oracle(name):
  _assert_case_matches_the_oracle(_token_transform_cases, name, same_message=False)


def test_token_errors_under_transformations_say_what_to_do():
  t = lax.create_token()
  with pytest.raises(AttributeError, match="out_axes=None"):
    pyjax.vmap(lambda x: lax.create_token(x))(jnp.ones(3))
  with pytest.raises(KeyError, match="has_aux=True"):
    pyjax.jvp(lambda x: lax.create_token(x), (1.0,), (1.0,))
  with pytest.raises(KeyError, match="grad cannot differentiate with respect to a token"):
    pyjax.grad(lambda t, x: x)(t, 1.0)


# ------------------------------------------------------------------------------------------------
# rng_uniform: XLA's stateful uniform generator

@pytest.fixture
def fixed_rng_uniform_state(monkeypatch):
  from pyjax._src.lax import rng as rng_module
  monkeypatch.setattr(rng_module, "_rng_uniform_state", np.random.Generator(np.random.Philox(7)))


def _rng_uniform_dtype_cases():
  return [(0.0, 1.0), (np.float32(0), np.float32(1)), (0, 10), (np.uint32(3), np.uint32(9)),
          (np.float16(-2), np.float16(5)), (np.float32(0), 1.0), (np.float32(0), np.int32(1)),
          (0.0, 1), (np.float16(0), 1.0), (np.float16(0), np.float32(1)),
          (np.zeros(2, np.float32), 1.0), (np.float32(0), np.ones(2, np.float32))]


@pytest.mark.parametrize("case", range(len(_rng_uniform_dtype_cases())))
def test_rng_uniform_dtype_weak_type_shape_and_errors_match_the_oracle(case):
  jax = oracle()
  a, b = _rng_uniform_dtype_cases()[case]
  got = outcome(lambda: lax.rng_uniform(a, b, (2, 3)))
  want = outcome(lambda: jax.lax.rng_uniform(a, b, (2, 3)))
  assert got[0] == want[0], (got, want)
  if want[0] == "raise":
    assert type(got[1]) is type(want[1]) and str(got[1]) == str(want[1])
    return
  assert got[1].shape == want[1].shape == (2, 3) and got[1].dtype == want[1].dtype
  assert got[1].weak_type == want[1].weak_type
  assert (str(pyjax.make_jaxpr(lambda a, b: lax.rng_uniform(a, b, (2, 3)))(a, b))
          == str(jax.make_jaxpr(lambda a, b: jax.lax.rng_uniform(a, b, (2, 3)))(a, b)))
  assert (str(pyjax.make_jaxpr(lambda: lax.rng_uniform(a, b, (2, 3)))())
          == str(jax.make_jaxpr(lambda: jax.lax.rng_uniform(a, b, (2, 3)))()))


def test_rng_uniform_64_bit_dtypes_and_shapes():
  jax = oracle()
  with x64():
    for a, b in ((np.float64(0), np.float64(1)), (np.int64(-5), np.int64(5)),
                 (np.uint64(1), np.uint64(2**40))):
      got, want = lax.rng_uniform(a, b, (4,)), jax.lax.rng_uniform(a, b, (4,))
      assert got.dtype == want.dtype and got.shape == want.shape
      assert np.all((np.asarray(got) >= a) & (np.asarray(got) < b))
  for shape in ((), (0, 3), [2, 3]):
    assert lax.rng_uniform(0.0, 1.0, shape).shape == jax.lax.rng_uniform(0.0, 1.0, shape).shape
  for shape in (3, None, (2.5,)):
    with pytest.raises(TypeError):
      jax.lax.rng_uniform(0.0, 1.0, shape)
    with pytest.raises(TypeError):
      lax.rng_uniform(0.0, 1.0, shape)
  with pytest.raises(TypeError, match=r"\(3,\)"):
    lax.rng_uniform(0.0, 1.0, 3)
  for bad in ("a", None, [0.0]):
    with pytest.raises(TypeError, match="Error interpreting argument to rng_uniform"):
      lax.rng_uniform(bad, 1.0, (3,))


def test_rng_uniform_dtypes_xla_cannot_run_raise_clearly():
  # JAX stages them (the jaxpr matches) but XLA rejects complex bounds (ValueError) and aborts on
  # 8/16-bit integers and bools; pyjax raises ValueError for all of them, naming the dtype.
  jax = oracle()
  for dtype in (np.complex64, np.int8, np.uint16, np.bool_):
    a, b = np.zeros((), dtype), np.ones((), dtype)
    assert (str(pyjax.make_jaxpr(lambda: lax.rng_uniform(a, b, (2,)))())
            == str(jax.make_jaxpr(lambda: jax.lax.rng_uniform(a, b, (2,)))()))
    with pytest.raises(ValueError, match=f"dtype {np.dtype(dtype).name}.*convert_element_type"):
      lax.rng_uniform(a, b, (2,))
  with pytest.raises(ValueError):
    jax.lax.rng_uniform(np.complex64(0), np.complex64(1), (2,))


@pytest.mark.parametrize("dtype", [np.float32, np.float16, "bfloat16"])
def test_rng_uniform_floats_are_uniform_in_the_half_open_interval(dtype, fixed_rng_uniform_state):
  from scipy import stats
  dtype = jnp.dtype(dtype)
  a, b = np.asarray(-2, dtype), np.asarray(3, dtype)
  x = np.asarray(lax.rng_uniform(a, b, (4000,)))
  assert x.dtype == dtype and np.all((x >= a) & (x < b))
  assert stats.kstest(x.astype(np.float64), stats.uniform(-2, 5).cdf).pvalue > 1e-3
  # a wrong distribution fails the same check
  assert stats.kstest(x.astype(np.float64), stats.uniform(-2, 4).cdf).pvalue < 1e-6
  assert stats.kstest(x.astype(np.float64) ** 2 / 9, stats.uniform(0, 1).cdf).pvalue < 1e-6
  # a range of one float: every value is a
  assert np.all(np.asarray(lax.rng_uniform(np.float32(1), np.nextafter(np.float32(1), 2),
                                           (100,))) == 1)


def test_rng_uniform_ints_cover_the_range_uniformly(fixed_rng_uniform_state):
  from scipy import stats
  x = np.asarray(lax.rng_uniform(np.int32(-3), np.int32(7), (5000,)))
  assert x.dtype == np.int32 and x.min() == -3 and x.max() == 6
  counts = np.bincount(x + 3, minlength=10)
  assert stats.chisquare(counts).pvalue > 1e-3
  assert stats.chisquare(counts[:9]).pvalue > 1e-3
  assert stats.chisquare(np.bincount(np.minimum(x + 3, 8), minlength=9)).pvalue < 1e-6
  # the full int32 range and an empty one (which draws from every value, as XLA does)
  full = np.asarray(lax.rng_uniform(np.int32(-2**31), np.int32(2**31 - 1), (1000,)))
  assert full.min() < -2**30 and full.max() > 2**30
  empty = np.asarray(lax.rng_uniform(np.int32(3), np.int32(3), (1000,)))
  assert empty.min() < -2**30 and empty.max() > 2**30


def test_rng_uniform_is_stateful_under_eager_and_jit():
  f = pyjax.jit(lambda a, b: lax.rng_uniform(a, b, (8,)))
  draws = [np.asarray(f(0.0, 1.0)) for _ in range(2)] + [
      np.asarray(lax.rng_uniform(0.0, 1.0, (8,))) for _ in range(2)]
  for i in range(len(draws)):
    assert np.all((draws[i] >= 0) & (draws[i] < 1))
    for j in range(i):
      assert not np.array_equal(draws[i], draws[j])


def _rng_uniform_transform_cases(jax, lax_module, numpy_module):
  zeros = numpy_module.zeros(2)
  return {
      "vmap_over_a_bound": lambda: jax.vmap(
          lambda a: lax_module.rng_uniform(a, a + 1, (3,)))(zeros),
      "vmap_unbatched_bounds": lambda: jax.vmap(
          lambda x: lax_module.rng_uniform(0.0, 1.0, (3,)) + x)(zeros).shape,
      "grad_wrt_a_bound": lambda: jax.grad(
          lambda a: lax_module.rng_uniform(a, a + 1.0, (3,)).sum())(0.0),
      "jvp_wrt_a_bound": lambda: jax.jvp(lambda a: lax_module.rng_uniform(a, 1.0, (3,)),
                                         (0.0,), (1.0,)),
      "jvp_constant_bounds": lambda: jax.jvp(
          lambda a: lax_module.rng_uniform(0.0, 1.0, (3,)) * a, (0.0,), (1.0,))[0],
      "grad_constant_bounds": lambda: jax.grad(
          lambda a: (lax_module.rng_uniform(0.0, 1.0, (3,)) * 0 + a).sum())(1.0),
  }


@pytest.mark.parametrize("name", sorted(_rng_uniform_transform_cases(pyjax, lax, jnp)))
def test_rng_uniform_under_transformations_matches_the_oracle(name):
  _assert_case_matches_the_oracle(_rng_uniform_transform_cases, name, same_message=True)


def test_create_token_bound_to_a_mapped_value_gives_one_token():
  from pyjax._src.avals import Token
  tok, x = pyjax.vmap(lambda x: (lax.create_token_p.bind(x), x), out_axes=(None, 0))(jnp.ones(3))
  assert type(tok) is Token and x.shape == (3,)
