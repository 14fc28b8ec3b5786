"""The differentiation API against the oracle (jax 0.10.2): grad, value_and_grad, jvp, vjp,
linearize, jacfwd, jacrev, hessian, linear_transpose, stop_gradient; their pytree handling,
higher-order and nested use, Python control flow under grad, errors, tracer reprs and the
jaxprs of differentiated functions."""
from __future__ import annotations

import numpy as np
import pytest

import pyjax
import pyjax.numpy as pnp
from pyjax import lax as plax
from pyjax._src import core

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402
from jax import lax as jlax  # noqa: E402

TOL = dict(rtol=2e-6, atol=2e-6)


def assert_tree_close(ours, theirs, check_dtype=True, **tol):
  ours_leaves, ours_tree = pyjax.tree_util.tree_flatten(ours)
  theirs_leaves, theirs_tree = jax.tree_util.tree_flatten(theirs)
  assert str(ours_tree).replace("pyjax", "jax") == str(theirs_tree)
  for o, t in zip(ours_leaves, theirs_leaves):
    if check_dtype:
      assert np.asarray(o).dtype == np.asarray(t).dtype, (o, t)
    assert np.shape(o) == np.shape(t)
    if np.asarray(t).dtype == jax.dtypes.float0:
      continue
    np.testing.assert_allclose(np.asarray(o), np.asarray(t), **(tol or TOL))


def same_error(our_call, their_call):
  """Both raise; same class and message (modulo the library name). Returns our exception."""
  with pytest.raises(Exception) as theirs:
    their_call()
  with pytest.raises(Exception) as ours:
    our_call()
  assert type(ours.value).__name__ == type(theirs.value).__name__, (ours.value, theirs.value)
  assert str(ours.value).replace("pyjax", "jax") == str(theirs.value), (
      f"\nours:   {ours.value}\ntheirs: {theirs.value}")
  return ours.value


# ------------------------------------------------------------------------------------------------
# The seeds' examples


def test_grad_of_square():
  g = pyjax.grad(lambda x: x ** 2)
  assert g(3.0) == 6.0
  out = g(3.0)
  ref = jax.grad(lambda x: x ** 2)(3.0)
  assert out.dtype == ref.dtype and out.weak_type == ref.weak_type
  assert pyjax.jit(g)(3.0) == 6.0


def test_grad_argnums_of_polynomial():
  def f(a, b):
    return 2 * a ** 3 - b ** 2
  for argnums in (0, 1, (0, 1)):
    assert_tree_close(pyjax.grad(f, argnums=argnums)(1.5, 2.0),
                      jax.grad(f, argnums=argnums)(1.5, 2.0))


def test_relu_grad_over_a_linspace():
  xs = np.linspace(-3, 3, 7).astype(np.float32)  # includes 0, where maximum splits the slope
  ours = [pyjax.grad(lambda x: pnp.maximum(0, x))(x) for x in xs]
  theirs = [jax.grad(lambda x: jnp.maximum(0, x))(x) for x in xs]
  np.testing.assert_array_equal(np.array(ours), np.array(theirs))


def _td_update(np_module, lax_module, grad):
  # TD(0) with a linear value function, as in JAX's stop_gradient documentation.
  def value_fn(theta, state):
    return np_module.dot(theta, state)

  def td_loss(theta, s_tm1, r_t, s_t):
    v_tm1 = value_fn(theta, s_tm1)
    target = r_t + value_fn(theta, s_t)
    return -0.5 * ((lax_module.stop_gradient(target) - v_tm1) ** 2)

  theta = np.array([0.1, -0.1, 0.], np.float32)
  s_tm1 = np.array([1., 2., -1.], np.float32)
  r_t = np.array(1., np.float32)
  s_t = np.array([2., 1., 0.], np.float32)
  return grad(td_loss)(theta, s_tm1, r_t, s_t)


def test_td0_update_with_stop_gradient():
  ours = _td_update(pnp, plax, pyjax.grad)
  np.testing.assert_allclose(np.asarray(ours), [1.2, 2.4, -1.2], rtol=1e-6)
  assert_tree_close(ours, _td_update(jnp, jlax, jax.grad))


def test_mlp_loss_from_the_seeds():
  def make(np_module):
    def predict(params, inputs):
      for w, b in params:
        outputs = np_module.dot(inputs, w) + b
        inputs = np_module.tanh(outputs)
      return outputs

    def loss(params, batch):
      inputs, targets = batch
      return np_module.sum((predict(params, inputs) - targets) ** 2)
    return loss

  rng = np.random.RandomState(0)
  params = [(rng.randn(3, 4).astype(np.float32), rng.randn(4).astype(np.float32)),
            (rng.randn(4, 2).astype(np.float32), rng.randn(2).astype(np.float32))]
  batch = (rng.randn(5, 3).astype(np.float32), rng.randn(5, 2).astype(np.float32))
  tol = dict(rtol=1e-5, atol=1e-5)
  assert_tree_close(pyjax.grad(make(pnp))(params, batch), jax.grad(make(jnp))(params, batch),
                    **tol)
  assert_tree_close(pyjax.jit(pyjax.grad(make(pnp)))(params, batch),
                    jax.grad(make(jnp))(params, batch), **tol)


# ------------------------------------------------------------------------------------------------
# grad and value_and_grad


def test_value_and_grad_with_aux_and_pytrees():
  def make(np_module):
    def f(params, scale, *, offset):
      y = np_module.sum(params["w"] ** 2) * scale + params["b"][0] + offset
      return y, {"y": y, "w_sum": np_module.sum(params["w"])}
    return f
  params = {"w": np.arange(3.0, dtype=np.float32), "b": [np.float32(1.5)]}
  ours = pyjax.value_and_grad(make(pnp), argnums=(0, 1), has_aux=True)(params, 2.0, offset=1.0)
  theirs = jax.value_and_grad(make(jnp), argnums=(0, 1), has_aux=True)(params, 2.0, offset=1.0)
  assert_tree_close(ours, theirs)
  g, aux = pyjax.grad(make(pnp), has_aux=True)(params, 2.0, offset=1.0)
  assert_tree_close((g, aux), jax.grad(make(jnp), has_aux=True)(params, 2.0, offset=1.0))
  assert isinstance(aux["y"], pyjax.Array)  # aux outputs are not tracers


def test_grad_of_unused_and_integer_inputs():
  ours = pyjax.grad(lambda x, y, n: x * 2.0, argnums=(0, 1, 2), allow_int=True)(1.0, 2.0, 3)
  theirs = jax.grad(lambda x, y, n: x * 2.0, argnums=(0, 1, 2), allow_int=True)(1.0, 2.0, 3)
  assert_tree_close(ours, theirs)
  assert ours[2].dtype == pyjax.dtypes.float0 and ours[2].shape == ()


def test_holomorphic_grad():
  f = lambda np_module: (lambda z: np_module.sin(z) * z ** 2)
  z = np.complex64(0.5 + 0.3j)
  assert_tree_close(pyjax.grad(f(pnp), holomorphic=True)(z),
                    jax.grad(f(jnp), holomorphic=True)(z), rtol=1e-5, atol=1e-6)


def test_grad_of_real_function_of_complex_input():
  f = lambda np_module: (lambda z: np_module.abs(z) ** 2 + np_module.real(z * z))
  z = np.complex64(3 + 4j)
  assert_tree_close(pyjax.grad(f(pnp))(z), jax.grad(f(jnp))(z))


def test_python_control_flow_under_grad():
  def f(x, n):
    if x > 0:
      for _ in range(n):
        x = x * x
    else:
      x = -x
    while x < 100.0 and x > 1.0:
      x = x * 1.5
    return x
  for x in (2.0, -1.5, 0.5):
    assert_tree_close(pyjax.grad(f)(x, 2), jax.grad(f)(x, 2))
    assert float(pyjax.jvp(lambda x: f(x, 1), (x,), (1.0,))[1]) == pytest.approx(
        float(jax.jvp(lambda x: f(x, 1), (x,), (1.0,))[1]))


def test_recursion_under_grad():
  def power(x, n):
    return 1.0 if n == 0 else x * power(x, n - 1)
  assert float(pyjax.grad(power)(2.0, 5)) == float(jax.grad(power)(2.0, 5)) == 80.0


def test_higher_order_and_perturbation_confusion():
  # d/dx (x * d/dy (x * y)) = d/dx x^2 = 2x: the inner derivative must not see x's perturbation.
  f = lambda grad: (lambda x: x * grad(lambda y: x * y)(3.0))
  assert float(pyjax.grad(f(pyjax.grad))(2.0)) == float(jax.grad(f(jax.grad))(2.0)) == 4.0
  g = lambda grad: grad(lambda x: grad(lambda y: x * y ** 2)(x))  # d/dx 2x^2 = 4x
  assert float(g(pyjax.grad)(3.0)) == 12.0
  third = pyjax.grad(pyjax.grad(pyjax.grad(pnp.sin)))
  assert float(third(1.0)) == pytest.approx(-np.cos(1.0), rel=1e-6)
  mixed = pyjax.jvp(pyjax.grad(lambda x: x ** 4), (2.0,), (1.0,))[1]  # forward over reverse
  assert float(mixed) == 48.0


def test_closure_over_outer_tracer():
  def outer(np_module, grad):
    def f(x):
      inner = lambda y: np_module.sin(x * y)
      return grad(inner)(2.0) + x
    return f
  assert_tree_close(pyjax.grad(outer(pnp, pyjax.grad))(0.7),
                    jax.grad(outer(jnp, jax.grad))(0.7))


# ------------------------------------------------------------------------------------------------
# jvp, vjp, linearize


def test_jvp_over_pytrees():
  def f(np_module):
    return lambda d: {"s": np_module.sum(d["a"] * d["b"][0]), "t": (d["a"] ** 2,)}
  primal = {"a": np.arange(3.0, dtype=np.float32), "b": [np.float32(2.0)]}
  tangent = {"a": np.ones(3, np.float32), "b": [np.float32(0.5)]}
  assert_tree_close(pyjax.jvp(f(pnp), (primal,), (tangent,)),
                    jax.jvp(f(jnp), (primal,), (tangent,)))


def test_jvp_with_integer_primal_and_aux():
  out, tangent, aux = pyjax.jvp(lambda x, n: (x * n, n + 1), (2.0, 3),
                                (1.0, np.zeros((), pyjax.dtypes.float0)), has_aux=True)
  assert float(out) == 6.0 and float(tangent) == 3.0 and int(aux) == 4
  _, tangent = pyjax.jvp(lambda n: n * 2, (3,), (np.zeros((), pyjax.dtypes.float0),))
  assert tangent.dtype == pyjax.dtypes.float0


def test_vjp_and_linearize():
  def f(np_module):
    return lambda x, y: (np_module.sin(x) * y, np_module.sum(x * y))
  x, y = np.linspace(0, 1, 4).astype(np.float32), np.float32(2.0)
  out, pullback = pyjax.vjp(f(pnp), x, y)
  j_out, j_pullback = jax.vjp(f(jnp), x, y)
  ct = (np.ones(4, np.float32), np.float32(3.0))
  assert_tree_close(out, j_out)
  assert_tree_close(pullback(ct), j_pullback(ct))
  out, f_jvp = pyjax.linearize(f(pnp), x, y)
  j_out, j_jvp = jax.linearize(f(jnp), x, y)
  t = (np.full(4, 0.5, np.float32), np.float32(-1.0))
  assert_tree_close(f_jvp(*t), j_jvp(*t))
  out, pullback, aux = pyjax.vjp(lambda x: (x * 2, "aux"), 1.0, has_aux=True)
  assert aux == "aux" and float(pullback(1.0)[0]) == 2.0


def test_vjp_function_is_a_pytree_and_reusable():
  x = np.linspace(0, 1, 3).astype(np.float32)
  _, pullback = pyjax.vjp(lambda x: pnp.sin(x) * x, x)
  leaves = pyjax.tree_util.tree_leaves(pullback)
  assert leaves  # the residuals
  first, second = pullback(np.ones(3, np.float32)), pullback(np.full(3, 2.0, np.float32))
  np.testing.assert_allclose(np.asarray(second[0]), 2 * np.asarray(first[0]))
  jitted = pyjax.jit(lambda p, c: p(c))(pullback, np.ones(3, np.float32))
  np.testing.assert_allclose(np.asarray(jitted[0]), np.asarray(first[0]))


def test_linear_transpose():
  def f(np_module):
    return lambda x, y: {"a": 2 * x - y.sum(), "b": np_module.concatenate([x, y])}
  x, y = np.ones(2, np.float32), np.ones(3, np.float32)
  ct = {"a": np.array([1.0, 2.0], np.float32), "b": np.arange(5.0, dtype=np.float32)}
  assert_tree_close(pyjax.linear_transpose(f(pnp), x, y)(ct),
                    jax.linear_transpose(f(jnp), x, y)(ct))


# ------------------------------------------------------------------------------------------------
# Jacobians and Hessians


def test_jacobians_of_pytrees():
  def f(np_module):
    return lambda p: {"y": np_module.tanh(p["w"] @ p["x"]), "z": p["w"].sum() * p["x"][0]}
  rng = np.random.RandomState(0)
  params = {"w": rng.randn(2, 3).astype(np.float32), "x": rng.randn(3).astype(np.float32)}
  tol = dict(rtol=1e-5, atol=1e-6)
  for ours, theirs in ((pyjax.jacfwd, jax.jacfwd), (pyjax.jacrev, jax.jacrev),
                       (pyjax.jacobian, jax.jacobian)):
    assert_tree_close(ours(f(pnp))(params), theirs(f(jnp))(params), **tol)


def test_jacobian_argnums_and_aux():
  f = lambda np_module: (lambda x, y: (np_module.sin(x) * y, x.sum()))
  x, y = np.arange(3.0, dtype=np.float32), np.float32(2.0)
  for ours, theirs in ((pyjax.jacfwd, jax.jacfwd), (pyjax.jacrev, jax.jacrev)):
    assert_tree_close(ours(f(pnp), argnums=(0, 1), has_aux=True)(x, y),
                      theirs(f(jnp), argnums=(0, 1), has_aux=True)(x, y))


def test_hessians():
  g = lambda x: x[0] ** 3 - 2 * x[0] * x[1] - x[1] ** 6
  h = pyjax.hessian(g)(np.array([1., 2.], np.float32))
  np.testing.assert_allclose(np.asarray(h), [[6., -2.], [-2., -480.]])
  f = lambda np_module: (lambda d: {"c": np_module.power(d["a"], d["b"])})
  arg = {"a": np.arange(2.0, dtype=np.float32) + 1, "b": np.arange(2.0, dtype=np.float32) + 2}
  assert_tree_close(pyjax.hessian(f(pnp))(arg), jax.hessian(f(jnp))(arg), rtol=1e-5, atol=1e-5)
  ls = lambda np_module: (lambda x: np_module.log(np_module.sum(np_module.exp(x))))
  x = np.array([0.5, -1.0, 2.0], np.float32)
  assert_tree_close(pyjax.jacfwd(pyjax.jacrev(ls(pnp)))(x), jax.jacfwd(jax.jacrev(ls(jnp)))(x),
                    rtol=1e-5, atol=1e-6)
  assert_tree_close(pyjax.jacrev(pyjax.jacfwd(ls(pnp)))(x), jax.jacrev(jax.jacfwd(ls(jnp)))(x),
                    rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------------------------------
# stop_gradient


def test_stop_gradient_at_every_level():
  f = lambda grad, lax: grad(lambda x: lax.stop_gradient(x) * x)
  assert float(f(pyjax.grad, plax)(3.0)) == float(f(jax.grad, jlax)(3.0)) == 3.0
  second = lambda grad, lax: grad(grad(lambda x: lax.stop_gradient(x ** 2) * x))
  assert float(second(pyjax.grad, plax)(3.0)) == float(second(jax.grad, jlax)(3.0)) == 0.0
  tree = plax.stop_gradient({"a": 1.0, "b": (np.ones(2),)})
  assert isinstance(tree["a"], pyjax.Array) and tree["a"].weak_type
  assert str(pyjax.make_jaxpr(plax.stop_gradient)(1.0)) == str(jax.make_jaxpr(
      jlax.stop_gradient)(1.0))


# ------------------------------------------------------------------------------------------------
# Errors: same class and message as the oracle


def test_grad_errors_match_oracle():
  same_error(lambda: pyjax.grad(lambda x: pnp.ones(2) * x)(1.0),
             lambda: jax.grad(lambda x: jnp.ones(2) * x)(1.0))
  same_error(lambda: pyjax.grad(lambda x: x)(1), lambda: jax.grad(lambda x: x)(1))
  same_error(lambda: pyjax.grad(lambda x: x.astype(np.int32))(1.0),
             lambda: jax.grad(lambda x: x.astype(np.int32))(1.0))
  same_error(lambda: pyjax.grad(lambda x: x)(1 + 1j), lambda: jax.grad(lambda x: x)(1 + 1j))
  same_error(lambda: pyjax.grad(lambda x: x, holomorphic=True)(1.0),
             lambda: jax.grad(lambda x: x, holomorphic=True)(1.0))
  same_error(lambda: pyjax.grad(lambda x: x.real, holomorphic=True)(1. + 1j),
             lambda: jax.grad(lambda x: x.real, holomorphic=True)(1. + 1j))
  same_error(lambda: pyjax.grad(3), lambda: jax.grad(3))
  same_error(lambda: pyjax.grad(lambda x: x, argnums=1)(1.0),
             lambda: jax.grad(lambda x: x, argnums=1)(1.0))
  same_error(lambda: pyjax.grad(lambda x: x)("abc"), lambda: jax.grad(lambda x: x)("abc"))
  same_error(lambda: pyjax.jacfwd(lambda x: x)(1), lambda: jax.jacfwd(lambda x: x)(1))


def test_jvp_errors_match_oracle():
  same_error(lambda: pyjax.jvp(lambda x: x, 1.0, 1.0), lambda: jax.jvp(lambda x: x, 1.0, 1.0))
  same_error(lambda: pyjax.jvp(lambda x: x, (1.0,), (1,)),
             lambda: jax.jvp(lambda x: x, (1.0,), (1,)))
  same_error(lambda: pyjax.jvp(lambda x: x, (1.0,), [1.0]),
             lambda: jax.jvp(lambda x: x, (1.0,), [1.0]))
  same_error(lambda: pyjax.jvp(lambda x: x, (np.ones(3, np.float32),),
                               (np.ones(2, np.float32),)),
             lambda: jax.jvp(lambda x: x, (np.ones(3, np.float32),), (np.ones(2, np.float32),)))


def test_vjp_errors_match_oracle():
  def f(x):
    return (x, 2 * x)
  _, ours = pyjax.vjp(f, 1.0)
  _, theirs = jax.vjp(f, 1.0)
  for ct in ((1.0,), [1.0, 1.0], (np.ones(2, np.float32), 1.0)):
    err = same_error(lambda: ours(ct), lambda: theirs(ct)) if not isinstance(
        ct[0], np.ndarray) else None
    if err is None:
      same_error(lambda: ours(ct), lambda: theirs(ct))
  same_error(lambda: ours((1.0, 1.0), 2.0), lambda: theirs((1.0, 1.0), 2.0))


def test_vjp_cotangents_of_integer_outputs():
  # Any cotangent of the right shape stands for an integer output's float0 one; a float0
  # cotangent for a float output is an error.
  _, ours = pyjax.vjp(lambda x, n: (x * n, n), 1.0, 2)
  _, theirs = jax.vjp(lambda x, n: (x * n, n), 1.0, 2)
  for ct in ((1.0, np.int32(3)), (1.0, np.float32(3)), (1.0, np.zeros((), jax.dtypes.float0))):
    assert_tree_close(ours(ct), theirs(ct))
  for ct in ((1.0, np.zeros(2, np.int32)), (np.zeros((), jax.dtypes.float0), 1)):
    same_error(lambda: ours(ct), lambda: theirs(ct))


def test_has_aux_requires_a_pair():
  with pytest.raises(TypeError, match="expected function with aux output to return a "
                                      "two-element tuple"):
    pyjax.grad(lambda x: x, has_aux=True)(1.0)


def test_escaped_tracer_raises():
  leaked = []

  def f(x):
    leaked.append(x)
    return x * 2
  pyjax.grad(f)(1.0)
  with pytest.raises(pyjax.errors.UnexpectedTracerError, match="GradTracer|LinearizeTracer"):
    pnp.sin(leaked[0])
  pyjax.jvp(f, (1.0,), (1.0,))
  with pytest.raises(pyjax.errors.UnexpectedTracerError):
    leaked[-1] + 1


def test_tracer_reprs_match_oracle():
  seen = {}

  def record(name):
    def f(x):
      seen[name] = repr(x)
      return x
    return f
  pyjax.grad(record("grad"))(1.0)
  pyjax.jvp(record("jvp"), (1.0,), (2.0,))
  assert seen == {"grad": "GradTracer(primal=1.0, typeof(tangent)=f32[])",
                  "jvp": "JVPTracer(primal=1.0, tangent=2.0)"}


# ------------------------------------------------------------------------------------------------
# Staging differentiated functions


@pytest.mark.parametrize("name", ["sin_times_x", "sum_of_cubes", "stop_gradient", "tanh_dot"])
def test_jaxpr_of_grad_matches_oracle(name):
  fns = {
      "sin_times_x": (lambda m, l: lambda x: m.sin(x) * x, 1.0),
      "sum_of_cubes": (lambda m, l: lambda x: m.sum(x ** 3), np.ones(3, np.float32)),
      "stop_gradient": (lambda m, l: lambda x: l.stop_gradient(x) * x, 1.0),
      "tanh_dot": (lambda m, l: lambda w: m.sum(m.tanh(m.dot(w, m.ones(3)))),
                   np.ones((2, 3), np.float32)),
  }
  make, arg = fns[name]
  ours = pyjax.make_jaxpr(pyjax.grad(make(pnp, plax)))(arg)
  core.check_jaxpr(ours.jaxpr)
  theirs = jax.make_jaxpr(jax.grad(make(jnp, jlax)))(arg)
  assert str(ours) == str(theirs)


def test_grad_under_jit_and_make_jaxpr_is_well_typed():
  def loss(w, x):
    h = pnp.tanh(x @ w)
    return pnp.mean(pnp.maximum(h, 0.0) ** 2) + pnp.max(w) * pnp.prod(x[0])
  w, x = np.ones((3, 2), np.float32) * 0.3, np.linspace(0, 1, 6).reshape(2, 3).astype(np.float32)
  closed = pyjax.make_jaxpr(pyjax.grad(loss, argnums=(0, 1)))(w, x)
  core.check_jaxpr(closed.jaxpr)
  staged = core.eval_jaxpr(closed.jaxpr, closed.consts, w, x)
  eager = pyjax.grad(loss, argnums=(0, 1))(w, x)
  for s, e in zip(staged, eager):
    np.testing.assert_allclose(np.asarray(s), np.asarray(e), rtol=1e-6)
  jitted = pyjax.jit(pyjax.grad(loss, argnums=(0, 1)))(w, x)
  for j, e in zip(jitted, eager):
    np.testing.assert_allclose(np.asarray(j), np.asarray(e), rtol=1e-6)
