"""custom_jvp, custom_vjp, checkpoint (with policies and checkpoint_name) and check_grads,
against the oracle (jax 0.10.2)."""
from __future__ import annotations

import functools

import numpy as np
import pytest

import pyjax
import pyjax.numpy as pnp
from pyjax import test_util
from pyjax._src import core
from pyjax.ad_checkpoint import checkpoint_name as p_checkpoint_name

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402
from jax.ad_checkpoint import checkpoint_name as j_checkpoint_name  # noqa: E402

LIBS = {"pyjax": (pyjax, pnp), "jax": (jax, jnp)}


def both(build):
  """build(lib, np_module) for pyjax and the oracle."""
  return build(pyjax, pnp), build(jax, jnp)


def assert_close(ours, theirs, rtol=2e-6, atol=2e-6):
  ours_leaves = pyjax.tree_util.tree_leaves(ours)
  theirs_leaves = jax.tree_util.tree_leaves(theirs)
  assert len(ours_leaves) == len(theirs_leaves)
  for o, t in zip(ours_leaves, theirs_leaves):
    assert np.asarray(o).dtype == np.asarray(t).dtype and np.shape(o) == np.shape(t)
    np.testing.assert_allclose(np.asarray(o), np.asarray(t), rtol=rtol, atol=atol)


def same_error(our_call, their_call):
  with pytest.raises(Exception) as theirs:
    their_call()
  with pytest.raises(Exception) as ours:
    our_call()
  assert type(ours.value).__name__ == type(theirs.value).__name__, (ours.value, theirs.value)
  assert str(ours.value) == str(theirs.value), f"\nours:   {ours.value}\ntheirs: {theirs.value}"


# ------------------------------------------------------------------------------------------------
# custom_jvp


def _log1pexp(lib, np_module):
  @lib.custom_jvp
  def log1pexp(x):
    return np_module.log1p(np_module.exp(x))

  @log1pexp.defjvp
  def log1pexp_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    return log1pexp(x), x_dot * (1 - 1 / (1 + np_module.exp(x)))
  return log1pexp


def test_custom_jvp_rule_is_used():
  ours, theirs = both(_log1pexp)
  x = np.float32(100.0)  # the naive derivative is nan here; the rule's is 1
  assert float(pyjax.grad(ours)(x)) == 1.0
  for xs in (np.float32(3.0), np.linspace(-2, 2, 5).astype(np.float32)):
    f = lambda lib, g: (lambda x: lib.numpy.sum(g(x)))
    assert_close(pyjax.grad(f(pyjax, ours))(xs), jax.grad(f(jax, theirs))(xs))
    assert_close(pyjax.jvp(ours, (xs,), (np.ones_like(xs),)),
                 jax.jvp(theirs, (xs,), (np.ones_like(xs),)))
  assert_close(pyjax.grad(pyjax.grad(ours))(1.5), jax.grad(jax.grad(theirs))(1.5))
  assert_close(pyjax.hessian(ours)(np.float32(0.3)), jax.hessian(theirs)(np.float32(0.3)))
  assert_close(pyjax.jit(pyjax.grad(ours))(2.0), jax.grad(theirs)(2.0))


def test_custom_jvp_staged_as_in_jax():
  ours, theirs = both(_log1pexp)
  assert str(pyjax.make_jaxpr(ours)(1.0)) == str(jax.make_jaxpr(theirs)(1.0))
  closed = pyjax.make_jaxpr(pyjax.grad(ours))(1.0)
  core.check_jaxpr(closed.jaxpr)
  assert core.eval_jaxpr(closed.jaxpr, closed.consts, 1.0)[0] == pyjax.grad(ours)(1.0)


def test_custom_jvp_python_control_flow_and_defjvps():
  def build(lib, np_module):
    @lib.custom_jvp
    def f(x, y):
      if x > 0:  # concrete under eval and differentiation
        return np_module.sin(x) * y
      return x * y
    f.defjvps(lambda x_dot, ans, x, y: np_module.cos(x) * x_dot * y,
              lambda y_dot, ans, x, y: np_module.sin(x) * y_dot)
    return f
  ours, theirs = both(build)
  assert_close(pyjax.value_and_grad(ours, (0, 1))(1.0, 2.0),
               jax.value_and_grad(theirs, (0, 1))(1.0, 2.0))
  assert_close(pyjax.jvp(ours, (1.0, 2.0), (1.0, 0.5)), jax.jvp(theirs, (1.0, 2.0), (1.0, 0.5)))


def test_custom_jvp_nondiff_argnums_and_pytrees():
  def build(lib, np_module):
    @functools.partial(lib.custom_jvp, nondiff_argnums=(0,))
    def apply(fn, params):
      return fn(params["w"]) * params["b"]

    @apply.defjvp
    def apply_jvp(fn, primals, tangents):
      params, = primals
      dot, = tangents
      out = apply(fn, params)
      return out, 2.0 * (dot["w"] * params["b"] + fn(params["w"]) * dot["b"])
    return lambda p: np_module.sum(apply(np_module.tanh, p))
  ours, theirs = both(build)
  params = {"w": np.arange(3.0, dtype=np.float32), "b": np.float32(0.5)}
  assert_close(pyjax.grad(ours)(params), jax.grad(theirs)(params))


def test_custom_jvp_symbolic_zeros():
  seen = []

  @pyjax.custom_jvp
  def f(x, y):
    return x * y

  def f_jvp(primals, tangents):
    x, y = primals
    x_dot, y_dot = tangents
    seen.append(tuple(type(t).__name__ for t in tangents))
    out = f(x, y)
    total = 0.0
    if type(x_dot) is not pyjax.custom_derivatives.SymbolicZero:
      total = total + x_dot * y
    if type(y_dot) is not pyjax.custom_derivatives.SymbolicZero:
      total = total + x * y_dot
    return out, total
  f.defjvp(f_jvp, symbolic_zeros=True)
  assert float(pyjax.grad(f)(3.0, 4.0)) == 4.0
  assert seen[-1][1] == "SymbolicZero" and seen[-1][0] != "SymbolicZero"


def test_custom_jvp_errors_match_oracle():
  def build(lib, np_module, rule):
    @lib.custom_jvp
    def f(x):
      return np_module.sin(x)
    f.defjvp(rule)
    return f
  rules = [lambda p, t: p[0],  # not a pair
           lambda p, t: (p[0], (t[0], t[0])),  # structures differ
           lambda p, t: (p[0], np.ones(2, np.float32))]  # tangent type differs
  for rule in rules:
    ours, theirs = build(pyjax, pnp, rule), build(jax, jnp, rule)
    same_error(lambda: pyjax.jvp(ours, (1.0,), (1.0,)), lambda: jax.jvp(theirs, (1.0,), (1.0,)))

  @pyjax.custom_jvp
  def no_rule(x):
    return x
  with pytest.raises(AttributeError, match="No JVP defined for custom_jvp function no_rule"):
    no_rule(1.0)


# ------------------------------------------------------------------------------------------------
# custom_vjp


def _clip_gradient(lib, np_module):
  @lib.custom_vjp
  def clip_gradient(lo, hi, x):
    return x

  def fwd(lo, hi, x):
    return x, (lo, hi)

  def bwd(res, g):
    lo, hi = res
    return (None, None, np_module.clip(g, lo, hi))
  clip_gradient.defvjp(fwd, bwd)
  return clip_gradient


def test_custom_vjp_rule_is_used():
  ours, theirs = both(_clip_gradient)
  f = lambda lib, c: (lambda x: lib.numpy.sum(c(-0.5, 0.5, lib.numpy.sin(3 * x))))
  x = np.linspace(-1, 1, 5).astype(np.float32)
  assert_close(pyjax.grad(f(pyjax, ours))(x), jax.grad(f(jax, theirs))(x))
  assert_close(pyjax.jit(pyjax.grad(f(pyjax, ours)))(x), jax.grad(f(jax, theirs))(x))
  assert_close(pyjax.jacrev(lambda x: ours(-0.5, 0.5, x * x))(x),
               jax.jacrev(lambda x: theirs(-0.5, 0.5, x * x))(x))


def test_custom_vjp_higher_order_and_residual_pytrees():
  def build(lib, np_module):
    @lib.custom_vjp
    def f(x, y):
      return np_module.sin(x) * y

    def fwd(x, y):
      return np_module.sin(x) * y, {"cos": np_module.cos(x), "sin": np_module.sin(x), "y": y}

    def bwd(res, g):
      return (res["cos"] * g * res["y"], res["sin"] * g)
    f.defvjp(fwd, bwd)
    return f
  ours, theirs = both(build)
  assert_close(pyjax.grad(ours, (0, 1))(0.5, 2.0), jax.grad(theirs, (0, 1))(0.5, 2.0))
  # Reverse over reverse and forward over reverse differentiate the bwd rule itself.
  assert_close(pyjax.grad(pyjax.grad(ours))(0.5, 2.0), jax.grad(jax.grad(theirs))(0.5, 2.0))
  assert_close(pyjax.hessian(lambda x: ours(x, 2.0))(0.5),
               jax.hessian(lambda x: theirs(x, 2.0))(0.5))
  assert str(pyjax.make_jaxpr(ours)(1.0, 2.0)) == str(jax.make_jaxpr(theirs)(1.0, 2.0))


def test_forward_mode_through_a_fwd_rule_calling_the_function_is_an_error():
  def build(lib, np_module):
    @lib.custom_vjp
    def f(x):
      return np_module.sin(x)
    f.defvjp(lambda x: (f(x), np_module.cos(x)), lambda cos, g: (cos * g,))
    return f
  ours, theirs = both(build)
  assert_close(pyjax.grad(ours)(0.5), jax.grad(theirs)(0.5))
  same_error(lambda: pyjax.hessian(ours)(0.5), lambda: jax.hessian(theirs)(0.5))


def test_custom_vjp_nondiff_argnums():
  def build(lib, np_module):
    @functools.partial(lib.custom_vjp, nondiff_argnums=(0,))
    def scale_grad(factor, x):
      return x

    scale_grad.defvjp(lambda factor, x: (x, None), lambda factor, res, g: (g * factor,))
    return scale_grad
  ours, theirs = both(build)
  assert_close(pyjax.grad(lambda x: ours(3.0, x) * x)(2.0),
               jax.grad(lambda x: theirs(3.0, x) * x)(2.0))
  with pytest.raises(pyjax.errors.UnexpectedTracerError, match="nondiff_argnums"):
    pyjax.grad(lambda x: ours(x, x))(2.0)


def test_jvp_of_custom_vjp_is_an_error():
  ours, theirs = both(_clip_gradient)
  same_error(lambda: pyjax.jvp(lambda x: ours(-1.0, 1.0, x), (1.0,), (1.0,)),
             lambda: jax.jvp(lambda x: theirs(-1.0, 1.0, x), (1.0,), (1.0,)))


def test_custom_vjp_bwd_errors_match_oracle():
  def build(lib, np_module, bwd):
    @lib.custom_vjp
    def f(x, y):
      return x * y
    f.defvjp(lambda x, y: (x * y, (x, y)), bwd)
    return f
  for bwd in (lambda res, g: (g,),  # too few cotangents
              lambda res, g: g,  # not a tuple
              lambda res, g: (g * np.ones(2, np.float32), g)):  # wrong shape
    ours, theirs = build(pyjax, pnp, bwd), build(jax, jnp, bwd)
    same_error(lambda: pyjax.grad(ours)(1.0, 2.0), lambda: jax.grad(theirs)(1.0, 2.0))


def test_custom_vjp_fwd_errors_match_oracle():
  def build(lib, np_module, fwd):
    @lib.custom_vjp
    def f(x):
      return x
    f.defvjp(fwd, lambda res, g: (g,))
    return f
  ours, theirs = build(pyjax, pnp, lambda x: x), build(jax, jnp, lambda x: x)
  same_error(lambda: pyjax.grad(ours)(1.0), lambda: jax.grad(theirs)(1.0))
  # The primal output comes from fwd when the function itself never ran: grad sees a pair.
  ours, theirs = (build(pyjax, pnp, lambda x: ((x, x), None)),
                  build(jax, jnp, lambda x: ((x, x), None)))
  with pytest.raises(TypeError, match="Gradient only defined for scalar-output functions"):
    pyjax.grad(ours)(1.0)
  with pytest.raises(TypeError, match="Gradient only defined for scalar-output functions"):
    jax.grad(theirs)(1.0)


def test_custom_vjp_closure_over_differentiated_value():
  def outer(lib):
    def f(y):
      @lib.custom_vjp
      def g(x):
        return x * y
      g.defvjp(lambda x: (g(x), None), lambda r, ct: (ct,))
      return g(1.0)
    return f
  same_error(lambda: pyjax.grad(outer(pyjax))(2.0), lambda: jax.grad(outer(jax))(2.0))


# ------------------------------------------------------------------------------------------------
# checkpoint


def _block(np_module):
  def f(w, x):
    h = np_module.sin(np_module.dot(x, w))
    return np_module.sum(np_module.cos(np_module.dot(h, w)))
  return f


def _remat_body(closed):
  """The jaxpr of the backward pass's differentiated remat equation."""
  (eqn,) = [e for e in closed.jaxpr.eqns if e.primitive.name == "remat2"]
  assert eqn.params["differentiated"]
  return eqn.params["jaxpr"]


def _count(jaxpr, name):
  return sum(e.primitive.name == name for e in jaxpr.eqns)


def test_checkpoint_values_and_jaxprs():
  rng = np.random.RandomState(0)
  w, x = rng.randn(3, 3).astype(np.float32), rng.randn(2, 3).astype(np.float32)
  expected = jax.grad(_block(jnp), (0, 1))(w, x)
  for policy in (None, "dots_saveable", "everything_saveable", "nothing_saveable"):
    ours_policy = policy and getattr(pyjax.checkpoint_policies, policy)
    f = pyjax.checkpoint(_block(pnp), policy=ours_policy)
    assert_close(pyjax.grad(f, (0, 1))(w, x), expected, rtol=1e-5, atol=1e-5)
    assert_close(pyjax.jvp(f, (w, x), (w, x)), jax.jvp(_block(jnp), (w, x), (w, x)),
                 rtol=1e-5, atol=1e-5)
    closed = pyjax.make_jaxpr(pyjax.grad(f, (0, 1)))(w, x)
    core.check_jaxpr(closed.jaxpr)
    body = _remat_body(closed)
    core.check_jaxpr(body)
    # The backward pass has four transposed dot_generals (two products, two operands each); it
    # recomputes the two forward ones unless the policy saved them.
    recomputed = {None: 2, "nothing_saveable": 2, "dots_saveable": 0, "everything_saveable": 0}
    assert _count(body, "dot_general") == 4 + recomputed[policy]


def test_checkpoint_jaxpr_text_matches_oracle():
  ours = pyjax.make_jaxpr(pyjax.checkpoint(lambda x: pnp.sin(pnp.sin(x))))(1.0)
  theirs = jax.make_jaxpr(jax.checkpoint(lambda x: jnp.sin(jnp.sin(x))))(1.0)
  assert str(ours) == str(theirs)
  ours = pyjax.make_jaxpr(pyjax.grad(pyjax.checkpoint(lambda x: pnp.sin(pnp.sin(x)))))(1.0)
  theirs = jax.make_jaxpr(jax.grad(jax.checkpoint(lambda x: jnp.sin(jnp.sin(x)))))(1.0)
  assert str(ours) == str(theirs)


@pytest.mark.parametrize("policy", [
    lambda cp: cp.dots_saveable, lambda cp: cp.checkpoint_dots_with_no_batch_dims,
    lambda cp: cp.save_only_these_names("h"), lambda cp: cp.save_any_names_but_these("h")])
def test_checkpoint_policies_print_as_in_jax(policy):
  def build(lib, np_module, name):
    def f(x):
      return np_module.sum(name(np_module.sin(x), "h") @ x)
    return lib.make_jaxpr(lib.checkpoint(f, policy=policy(lib.checkpoint_policies)))
  x = np.ones(3, np.float32)
  assert str(build(pyjax, pnp, p_checkpoint_name)(x)) == str(build(jax, jnp, j_checkpoint_name)(x))


def _control_flow_block(lib, np_module):
  def f(x):
    y = lib.lax.cond(np_module.sum(x) > 0, lambda v: np_module.sin(v) * v, np_module.cos, x)
    c, ys = lib.lax.scan(lambda c, a: (c * 0.9 + a, c * a), 0.5, y)  # ys depend on the carry
    z = lib.lax.fori_loop(0, 3, lambda i, acc: acc * 1.1 + np_module.tanh(acc), ys)
    return np_module.sum(z) + c
  return f


@pytest.mark.parametrize("policy", [None, "nothing_saveable", "everything_saveable",
                                    "dots_saveable"])
def test_checkpoint_of_control_flow_under_every_transformation(policy):
  # Reverse mode through a checkpointed scan/fori/cond needs their primal and tangent work split.
  def build(lib, np_module):
    block = lib.checkpoint(_control_flow_block(lib, np_module),
                           policy=policy and getattr(lib.checkpoint_policies, policy))
    x = np.array([0.3, -0.4, 0.8], np.float32)
    return [lib.grad(block)(x), lib.jit(lib.grad(block))(x), lib.vjp(block, x)[1](1.0),
            lib.vmap(lib.grad(block))(np.stack([x, -x])), lib.hessian(block)(x),
            lib.grad(lambda x: np_module.sum(lib.checkpoint(lib.grad(block))(x) ** 2))(x)]
  theirs = jax.jit(lambda: build(jax, jnp))()  # one oracle compilation, not one per operation
  assert_close(build(pyjax, pnp), theirs, rtol=1e-5, atol=1e-5)


def test_save_only_these_names():
  def block(np_module, name):
    def f(w, x):
      h = name(np_module.sin(np_module.dot(x, w)), "h")
      return np_module.sum(np_module.cos(np_module.dot(h, w)))
    return f
  w, x = np.ones((2, 2), np.float32) * 0.3, np.ones((2, 2), np.float32)
  policy = pyjax.checkpoint_policies.save_only_these_names("h")
  f = pyjax.checkpoint(block(pnp, p_checkpoint_name), policy=policy)
  assert_close(pyjax.grad(f)(w, x), jax.grad(block(jnp, j_checkpoint_name))(w, x))
  body = _remat_body(pyjax.make_jaxpr(pyjax.grad(f))(w, x))
  assert _count(body, "name") == 0  # h is saved, not recomputed
  assert _count(body, "sin") == 1  # ... but dot(h, w)'s sine still is
  assert str(pyjax.make_jaxpr(lambda x: p_checkpoint_name(x, "a"))(1.0)) == str(
      jax.make_jaxpr(lambda x: j_checkpoint_name(x, "a"))(1.0))


def test_checkpoint_static_argnums_and_nesting():
  def build(lib, np_module):
    @functools.partial(lib.checkpoint, static_argnums=(1,))
    def f(x, n):
      for _ in range(n):  # n is a Python int: static
        x = np_module.sin(x) * 1.5
      return x
    return lambda x: lib.grad(lambda y: f(f(y, 2), 1))(x)
  ours, theirs = both(build)
  assert_close(ours(0.3), theirs(0.3))
  assert_close(pyjax.grad(ours)(0.3), jax.grad(theirs)(0.3))
  assert pyjax.remat is pyjax.checkpoint


# ------------------------------------------------------------------------------------------------
# check_grads


def test_check_grads_passes_for_correct_derivatives():
  x = np.linspace(0.2, 0.9, 3)
  with pyjax.enable_x64():
    test_util.check_grads(lambda x: pnp.sum(pnp.tanh(x) * pnp.exp(x)), (x,), order=2)
    test_util.check_grads(lambda x, y: x * pnp.sin(y), (x, x), order=2, modes=("rev", "lin"))
    test_util.check_grads(_log1pexp(pyjax, pnp), (x,), order=3)


def test_check_grads_detects_a_wrong_rule():
  @pyjax.custom_jvp
  def f(x):
    return pnp.sin(x)
  f.defjvp(lambda p, t: (f(p[0]), t[0] * pnp.sin(p[0])))  # should be cos
  with pyjax.enable_x64():
    with pytest.raises(AssertionError):
      test_util.check_grads(f, (np.array([0.5]),), order=1, modes=("fwd",))
    with pytest.raises(AssertionError):
      test_util.check_grads(f, (np.array([0.5]),), order=1, modes=("rev",))
