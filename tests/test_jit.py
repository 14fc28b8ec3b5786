"""jit: tracing once per signature, static and donated arguments, nesting and printing, and the
tracer errors, checked against the pinned JAX oracle."""
import functools
import re

import numpy as np
import pytest

import pyjax
import pyjax.numpy as pnp
from pyjax import errors as perrors

jax = pytest.importorskip("jax")
jnp = jax.numpy


def _counting(fun):
  """`fun` with a counter of how many times it ran (= how many times jit traced it)."""
  @functools.wraps(fun)
  def counted(*args, **kwargs):
    counted.calls += 1
    return fun(*args, **kwargs)
  counted.calls = 0
  return counted


def test_traces_once_per_signature():
  f = _counting(lambda x: x * 2)
  g = pyjax.jit(f)
  g(1.0)
  g(2.0)
  assert f.calls == 1  # same weak float32 signature
  g(pnp.float32(1))
  assert f.calls == 2  # strong float32 is a new signature
  g(np.float32(3))
  assert f.calls == 2  # NumPy scalars are strong float32 too
  g(1)
  assert f.calls == 3  # weak int32
  g(pnp.ones(3))
  g(pnp.ones(3) * 5)
  assert f.calls == 4
  g(pnp.ones(4))
  assert f.calls == 5  # new shape
  g(pnp.ones(4, pnp.int32))
  assert f.calls == 6  # new dtype


def test_retraces_on_static_value_and_structure():
  f = _counting(lambda x, n: x * n)
  g = pyjax.jit(f, static_argnums=1)
  assert g(pnp.ones(2), 3).tolist() == [3.0, 3.0]
  g(pnp.ones(2), 3)
  assert f.calls == 1
  g(pnp.ones(2), 4)
  assert f.calls == 2
  h_fun = _counting(lambda tree: tree["a"] + tree["b"])
  h = pyjax.jit(h_fun)
  h({"a": 1.0, "b": 2.0})
  h({"a": 1.0, "b": 2.0})
  assert h_fun.calls == 1
  h({"a": 1.0, "b": (2.0)})
  assert h_fun.calls == 1
  h({"a": pnp.ones(2), "b": 2.0})
  assert h_fun.calls == 2


def test_retraces_when_x64_changes():
  f = _counting(lambda x: x + 1)
  g = pyjax.jit(f)
  g(1.0)
  with pyjax.enable_x64():
    assert g(1.0).dtype == np.float64
  assert f.calls == 2


def test_values_match_eager_and_oracle():
  def f(x, y):
    return pnp.sum(pnp.sin(x) * y, axis=0) + pnp.sum(x @ y.T)
  x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
  y = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
  eager = f(pnp.asarray(x), pnp.asarray(y))
  jitted = pyjax.jit(f)(x, y)
  np.testing.assert_allclose(jitted, eager, rtol=1e-6)
  oracle = jax.jit(lambda a, b: jnp.sum(jnp.sin(a) * b, axis=0) + jnp.sum(a @ b.T))(x, y)
  np.testing.assert_allclose(jitted, oracle, rtol=1e-5, atol=1e-6)
  assert jitted.dtype == oracle.dtype


def test_output_pytree_and_weak_types():
  out = pyjax.jit(lambda x: {"a": x, "b": (x * 2, 3)})(1.0)
  ref = jax.jit(lambda x: {"a": x, "b": (x * 2, 3)})(1.0)
  assert set(out) == {"a", "b"}
  for mine, theirs in zip(pyjax.tree.leaves(out), jax.tree.leaves(ref)):
    assert mine.dtype == theirs.dtype
    assert mine.weak_type == theirs.aval.weak_type
    assert float(mine) == float(theirs)


def test_static_argnames_inferred_from_signature():
  f = _counting(lambda x, *, power: x ** power)
  g = pyjax.jit(f, static_argnames="power")
  assert float(g(2.0, power=3)) == 8.0
  g(2.0, power=3)
  assert f.calls == 1
  k = pyjax.jit(lambda x, n: x * n, static_argnums=1)
  assert float(k(2.0, n=3)) == 6.0


def _error(fun):
  with pytest.raises(Exception) as info:
    fun()
  return info.value


def test_static_argnums_out_of_range_message():
  mine = _error(lambda: pyjax.jit(lambda x, y: x, static_argnums=2)(1.0, 2.0))
  theirs = _error(lambda: jax.jit(lambda x, y: x, static_argnums=2)(1.0, 2.0))
  assert type(mine) is type(theirs) is ValueError
  assert str(mine) == str(theirs)


def test_unhashable_static_argument_message():
  mine = _error(lambda: pyjax.jit(lambda x, y: x, static_argnums=1)(1.0, [1, 2]))
  theirs = _error(lambda: jax.jit(lambda x, y: x, static_argnums=1)(1.0, [1, 2]))
  assert type(mine) is type(theirs)
  assert str(mine).splitlines()[:2] == str(theirs).splitlines()[:2]


def test_non_array_argument_message():
  def f(x, s):
    return x
  mine = _error(lambda: pyjax.jit(f)(1.0, "hello"))
  theirs = _error(lambda: jax.jit(f)(1.0, "hello"))
  assert type(mine) is type(theirs) is TypeError
  def without_address(message):
    return re.sub(r" at 0x[0-9a-f]+", "", message.split("\n--")[0])
  assert without_address(str(mine)) == without_address(str(theirs))


def test_donated_argument_is_deleted():
  f = pyjax.jit(lambda x, y: x + y, donate_argnums=0)
  x = pnp.ones(3)
  y = pnp.ones(3)
  out = f(x, y)
  assert out.tolist() == [2.0, 2.0, 2.0]
  assert x.is_deleted() and not y.is_deleted()
  mine = _error(lambda: x + 1)
  jx = jnp.ones(3)
  jax.jit(lambda a, b: a + b, donate_argnums=0)(jx, jnp.ones(3))
  theirs = _error(lambda: jx + 1)
  assert type(mine) is RuntimeError and isinstance(theirs, RuntimeError)
  assert str(mine) == "Array has been deleted with shape=float32[3]."
  assert str(mine) in str(theirs)


def test_decorator_forms_and_methods():
  @pyjax.jit
  def f(x):
    return x + 1

  @functools.partial(pyjax.jit, static_argnames=("n",))
  def g(x, n):
    return x * n

  class Model:
    def __init__(self, scale):
      self.scale = scale

    @functools.partial(pyjax.jit, static_argnums=0)
    def apply(self, x):
      return x * self.scale

  assert float(f(1.0)) == 2.0
  assert float(g(2.0, n=4)) == 8.0
  assert f.__name__ == "f"
  model = Model(3.0)
  assert float(Model.apply(model, 2.0)) == 6.0


def test_disable_jit_runs_python():
  f = _counting(lambda x: x * 2)
  g = pyjax.jit(f)
  with pyjax.disable_jit():
    g(1.0)
    g(1.0)
  assert f.calls == 2


def test_eval_shape_trace_lower():
  def f(x, y):
    return {"s": pnp.sum(x), "p": x @ y}
  x = pnp.ones((2, 3))
  y = pnp.ones((3, 4))
  shapes = pyjax.eval_shape(f, x, y)
  assert shapes["p"].shape == (2, 4) and shapes["s"].shape == ()
  assert shapes["p"].dtype == np.float32
  struct = pyjax.ShapeDtypeStruct((5, 3), np.float32)
  assert pyjax.eval_shape(f, struct, y)["p"].shape == (5, 4)
  traced = pyjax.jit(f).trace(x, y)
  assert str(traced.jaxpr) == str(pyjax.make_jaxpr(f)(x, y))
  compiled = pyjax.jit(f).lower(x, y).compile()
  np.testing.assert_allclose(compiled(x, y)["p"], np.full((2, 4), 3.0))
  assert "dot_general" in pyjax.jit(f).lower(x, y).as_text()


def test_clear_caches_forces_retrace():
  f = _counting(lambda x: x * 2)
  g = pyjax.jit(f)
  g(1.0)
  pyjax.clear_caches()
  g(1.0)
  assert f.calls == 2


def test_ensure_compile_time_eval():
  @pyjax.jit
  def f(x):
    with pyjax.ensure_compile_time_eval():
      n = pnp.sum(pnp.arange(4))
      assert isinstance(n, pyjax.Array)  # concrete: usable as a Python int
    return x * int(n)
  assert float(f(1.0)) == 6.0


# --- jaxpr text of programs with nested jit -------------------------------------------------

def _programs(np_, jit):
  const = np.arange(3.0)
  inner = jit(lambda x: x * 2.0)

  def shared(x):
    return inner(x) + inner(x + 1.0)

  def closes_over_tracer(x):
    y = np_.sin(x)
    return jit(lambda z: z * y)(x)

  def big(x):
    for i in range(11):
      x = x + i
    return x

  return {
      "const inside": (lambda x: jit(lambda y: y * const)(x), (np.ones(3, np.float32),)),
      "donated": (lambda x: jit(lambda a, b: a + b, donate_argnums=0)(x, x),
                  (np.ones(3, np.float32),)),
      "inline": (lambda x: jit(lambda a: a * 2.0, inline=True)(x) + 1, (1.0,)),
      "keep_unused": (lambda x: jit(lambda a: a * 2.0, keep_unused=True)(x) + 1, (1.0,)),
      "unused arg": (lambda x: jit(lambda a, b: a * 2.0)(x, x) + 1, (1.0,)),
      "shared": (shared, (1.0,)),
      "closure": (closes_over_tracer, (1.0,)),
      "big hoisted": (lambda x: jit(big)(x), (1.0,)),
      "forwarded": (lambda x: jit(lambda a, b: (a, b * 2))(x, 3.0), (1.0,)),
      "literal out": (lambda x: jit(lambda a: {"a": a, "b": 2})(x), (1.0,)),
      "top-level jit": (jit(lambda y: y * const), (np.ones(3, np.float32),)),
  }


@pytest.mark.parametrize("name", list(_programs(np, pyjax.jit)))
def test_nested_jit_jaxpr_text(name):
  mine_fun, args = _programs(pnp, pyjax.jit)[name]
  theirs_fun, _ = _programs(jnp, jax.jit)[name]
  assert str(pyjax.make_jaxpr(mine_fun)(*args)) == str(jax.make_jaxpr(theirs_fun)(*args))


# --- tracer errors ------------------------------------------------------------------------------

def _traced_error(lib, np_, body):
  def f(x):
    body(x, np_)
    return x
  f.__qualname__ = f.__name__ = "f"
  with pytest.raises(Exception) as info:
    lib.jit(f)(1)
  return info.value


_BODIES = {
    "bool": lambda x, np_: bool(x > 0),
    "int": lambda x, np_: int(x),
    "float": lambda x, np_: float(x),
    "array": lambda x, np_: np.asarray(x),
    "index": lambda x, np_: range(x),
    "tolist": lambda x, np_: x.tolist(),
    "if": lambda x, np_: 1 if x else 0,
    "shape": lambda x, np_: np_.zeros((2, x)),
}


def _normalise(message: str) -> str:
  # Same text up to the file/line of the traced function (which differ between the two runs)
  # and JAX's traceback-filtering note.
  message = message.split("\n--------------------")[0]
  return "\n".join(line.split(" at /")[0] for line in message.splitlines())


@pytest.mark.parametrize("name", list(_BODIES))
def test_tracer_conversion_errors_match_oracle(name):
  mine = _traced_error(pyjax, pnp, _BODIES[name])
  theirs = _traced_error(jax, jnp, _BODIES[name])
  assert type(mine).__name__ == type(theirs).__name__
  assert isinstance(mine, getattr(perrors, type(theirs).__name__, type(theirs)))
  assert _normalise(str(mine)) == _normalise(str(theirs))


def test_error_names_the_function_and_argument():
  def step(count, limit):
    if count < limit:
      return count + 1
    return count
  with pytest.raises(perrors.TracerBoolConversionError) as info:
    pyjax.jit(step)(1, 3)
  message = str(info.value)
  assert "tracing the function step at " in message
  assert "test_jit.py" in message
  assert "depends on the values of the arguments count and limit" in message


def test_leaked_tracer_raises_unexpected_tracer_error():
  leaked = []

  @pyjax.jit
  def f(x):
    leaked.append(x)
    return x
  f(1.0)
  with pytest.raises(perrors.UnexpectedTracerError) as info:
    leaked[0] + 1
  assert "Encountered an unexpected tracer" in str(info.value)
  assert "JAX_CHECK_TRACER_LEAKS" in str(info.value)


# jit composed with grad, jvp, vjp and vmap, in every order and nested on both sides.
_X = np.array([0.5, -1.0, 2.0], np.float32)
_Y = np.array([1.0, 2.0, 0.3], np.float32)
_XY = np.stack([_X, _Y])


def _loss(n):
  return lambda x, y: n.sum(n.tanh(x * y) ** 2 + x)


def _cubic(n):
  return lambda x: n.sin(x) * x ** 3


_COMPOSITIONS = {
    "jit(grad)": lambda L, n: L.jit(L.grad(_loss(n)))(_X, _Y),
    "grad(jit)": lambda L, n: L.grad(L.jit(_loss(n)))(_X, _Y),
    "jit(jvp)": lambda L, n: L.jit(lambda x: L.jvp(lambda x: _loss(n)(x, _Y), (x,), (_Y,)))(_X),
    "jvp(jit)": lambda L, n: L.jvp(L.jit(_loss(n)), (_X, _Y), (_Y, _X)),
    "jit(vjp)": lambda L, n: L.jit(lambda x: L.vjp(_loss(n), x, _Y)[1](1.0))(_X),
    "vjp(jit)": lambda L, n: L.vjp(L.jit(_loss(n)), _X, _Y)[1](1.0),
    "jit(vmap)": lambda L, n: L.jit(L.vmap(_loss(n), (0, None)))(_XY, _Y),
    "vmap(jit)": lambda L, n: L.vmap(L.jit(_loss(n)), (0, None))(_XY, _Y),
    "vmap(jit(grad))": lambda L, n: L.vmap(L.jit(L.grad(_loss(n))), (0, None))(_XY, _Y),
    "jit(vmap(grad))": lambda L, n: L.jit(L.vmap(L.grad(_loss(n)), (0, None)))(_XY, _Y),
    "vmap(grad(jit))": lambda L, n: L.vmap(L.grad(L.jit(_loss(n))), (0, None))(_XY, _Y),
    "grad(vmap(jit))": lambda L, n: L.grad(
        lambda x: L.vmap(L.jit(_loss(n)), (0, None))(x, _Y).sum())(_XY),
    "jit(grad(jit))": lambda L, n: L.jit(L.grad(L.jit(_cubic(n))))(0.7),
    "jit(grad(jit(grad)))": lambda L, n: L.jit(L.grad(L.jit(L.grad(_cubic(n)))))(0.7),
    "jit(vmap(jit(grad)))": lambda L, n: L.jit(L.vmap(L.jit(L.grad(_cubic(n)))))(_X),
    "jit(jvp(jit(vmap)))": lambda L, n: L.jit(lambda x: L.jvp(L.jit(L.vmap(_cubic(n))), (x,),
                                                             (_Y,)))(_X),
    "hessian(jit)": lambda L, n: L.hessian(L.jit(lambda x: n.sum(_cubic(n)(x))))(_X),
    "jacrev(jit(vmap))": lambda L, n: L.jacrev(L.jit(L.vmap(_cubic(n))))(_X),
    "linearize(jit)": lambda L, n: L.linearize(L.jit(_cubic(n)), _X)[1](_Y),
}


@pytest.mark.parametrize("name", list(_COMPOSITIONS))
def test_jit_composes_with_every_transformation(name):
  mine = _COMPOSITIONS[name](pyjax, pnp)
  theirs = _COMPOSITIONS[name](jax, jnp)
  mine_leaves, theirs_leaves = (pyjax.tree_util.tree_leaves(mine),
                                jax.tree_util.tree_leaves(theirs))
  assert len(mine_leaves) == len(theirs_leaves)
  for m, t in zip(mine_leaves, theirs_leaves):
    assert m.dtype == t.dtype and m.shape == t.shape
    np.testing.assert_allclose(np.asarray(m), np.asarray(t), rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("call", [lambda np_, x, n: np_.reshape(x, (n, 2)),
                                  lambda np_, x, n: x.reshape(n, 2)])
def test_traced_reshape_dimension_raises_jaxs_type_error(call):
  messages = []
  for lib, np_ in ((jax, jax.numpy), (pyjax, pyjax.numpy)):
    with pytest.raises(TypeError) as info:
      lib.jit(lambda x, n: call(np_, x, n))(np.ones(4, np.float32), 2)
    messages.append(str(info.value).splitlines()[:2])
  assert messages[0] == messages[1]
