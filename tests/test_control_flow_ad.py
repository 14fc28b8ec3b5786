"""Differentiating control flow (cond, switch, while_loop, fori_loop, scan, map, and jit around
and inside them): grad, jvp, vjp, linearize, higher order and compositions with jit, against
the pinned JAX oracle."""
import functools

import numpy as np
import pytest

import pyjax
import pyjax.numpy as pnp
from pyjax import lax as plax
from pyjax._src import core

jax = pytest.importorskip("jax")
jnp = jax.numpy
jlax = jax.lax

F32 = np.float32
X3 = np.array([0.3, -1.2, 2.0], F32)
Y3 = np.array([1.5, 0.5, -0.7], F32)


def _libs(lax):
  """(jax-like module, jnp-like module) for a lax module."""
  return (jax, jnp) if lax is jlax else (pyjax, pnp)


# name -> (make(lax, jnp) -> f(*args) returning a scalar, args). Every argument is differentiated.
CASES = {
    "cond": (lambda lax, jnp: lambda x: lax.cond(
        x.sum() > 0, lambda x: jnp.sin(x) * x, lambda x: jnp.cos(x), x).sum(), (X3,)),
    "cond_false": (lambda lax, jnp: lambda x: lax.cond(
        x.sum() < 0, lambda x: jnp.sin(x) * x, lambda x: jnp.cos(x) * 3, x).sum(), (X3,)),
    "cond_closure": (lambda lax, jnp: lambda x, y: lax.cond(
        x[0] > 0, lambda x: (x * y).sum(), lambda x: (x - y ** 2).sum(), x), (X3, Y3)),
    "cond_pytree": (lambda lax, jnp: lambda x, y: sum(jax_tree_leaves(lax)(lax.cond(
        True, lambda t: {"a": t[0] * t[1], "b": jnp.exp(t[0])},
        lambda t: {"a": t[1], "b": t[0]}, (x, y)))).sum(), (X3, Y3)),
    "cond_one_branch_constant": (lambda lax, jnp: lambda x: lax.cond(
        x[1] > 0, lambda x: x * 0 + 1.0, lambda x: x ** 3, x).sum(), (X3,)),
    "switch": (lambda lax, jnp: lambda x: lax.switch(
        2, [lambda x: x.sum(), lambda x: (x ** 2).sum(), lambda x: jnp.tanh(x).prod()], x),
        (X3,)),
    "switch_dynamic_index": (lambda lax, jnp: lambda x: lax.switch(
        (x[0] > 0).astype(jnp.int32) + 1,
        [lambda x: x.sum(), lambda x: (x ** 2).sum(), lambda x: jnp.sin(x).sum()], x), (X3,)),
    "scan": (lambda lax, jnp: lambda x, xs: _scan_sum(lax, jnp, x, xs), (F32(0.5), X3)),
    "scan_reverse": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: (jnp.sin(c * x) + c, c * x), c, xs, reverse=True)[1].sum(),
        (F32(0.7), X3)),
    "scan_pytree_carry_with_counter": (lambda lax, jnp: lambda w, xs: lax.scan(
        lambda c, x: ((c[0] + 1, c[1] * w + x * c[0]), c[1]), (0, w), xs)[0][1],
        (F32(0.9), X3)),
    "scan_const_and_xs": (lambda lax, jnp: lambda w, xs: lax.scan(
        lambda c, x: (c + jnp.dot(w, x), jnp.tanh(c)), 0.0, xs)[1].sum(),
        (Y3, np.stack([X3, Y3, X3 * Y3]))),
    "fori_static": (lambda lax, jnp: lambda x: lax.fori_loop(
        0, 4, lambda i, c: c * x + jnp.sin(c) * i, x).sum(), (X3,)),
    "fori_static_pytree": (lambda lax, jnp: lambda x, y: lax.fori_loop(
        1, 3, lambda i, c: (c[0] * c[1], c[1] + i), (x, y))[0].sum(), (X3, Y3)),
    "map": (lambda lax, jnp: lambda x: lax.map(lambda v: jnp.sin(v) * v, x).sum(), (X3,)),
    "cond_in_scan": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: (lax.cond(x > 0, lambda: c * x, lambda: c - x), c), c, xs)[0],
        (F32(1.3), X3)),
    "scan_in_cond_in_scan": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: (lax.cond(x > 0, lambda c: lax.scan(
            lambda d, y: (d * y + 1, d), c, xs)[0], lambda c: c * 2, c), c), c, xs)[0],
        (F32(0.4), X3)),
    "jit_in_scan": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: (_libs(lax)[0].jit(lambda a, b: jnp.sin(a) * b)(c, x), c), c, xs)[0],
        (F32(0.8), X3)),
    "associative_scan": (lambda lax, jnp: lambda x: lax.associative_scan(
        lax.mul, x).sum(), (X3,)),
}


def jax_tree_leaves(lax):
  return _libs(lax)[0].tree_util.tree_leaves


def _scan_sum(lax, jnp, x, xs):
  c, ys = lax.scan(lambda c, a: (jnp.sin(c) * a + c * x, c * c), x, xs)
  return c + ys.sum()


def _pair(name):
  make, args = CASES[name]
  return make(plax, pnp), make(jlax, jnp), args


def _close(p, j, rtol=2e-5, atol=2e-6):
  p_leaves = pyjax.tree_util.tree_leaves(p)
  j_leaves = jax.tree_util.tree_leaves(j)
  assert len(p_leaves) == len(j_leaves)
  for a, b in zip(p_leaves, j_leaves):
    assert np.shape(a) == np.shape(b)
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64),
                               rtol=rtol, atol=atol)


def _argnums(args):
  return tuple(range(len(args)))


@functools.lru_cache(maxsize=None)
def _oracle_grad(name):
  _, j_fun, args = _pair(name)
  return jax.jit(jax.grad(j_fun, _argnums(args)))(*args)


@pytest.mark.parametrize("name", sorted(CASES))
def test_grad(name):
  p_fun, _, args = _pair(name)
  _close(pyjax.grad(p_fun, _argnums(args))(*args), _oracle_grad(name))


@pytest.mark.parametrize("name", sorted(CASES))
def test_jit_of_grad_and_grad_of_jit(name):
  p_fun, _, args = _pair(name)
  expected = _oracle_grad(name)
  _close(pyjax.jit(pyjax.grad(p_fun, _argnums(args)))(*args), expected)
  _close(pyjax.grad(pyjax.jit(p_fun), _argnums(args))(*args), expected)


@pytest.mark.parametrize("name", sorted(CASES))
def test_jvp_and_vjp(name):
  p_fun, j_fun, args = _pair(name)
  tangents = tuple(np.full(np.shape(a), 0.5, F32) for a in args)
  p_out, p_tan = pyjax.jvp(p_fun, args, tangents)
  j_out, j_tan = jax.jvp(j_fun, args, tangents)
  _close(p_out, j_out)
  _close(p_tan, j_tan)
  p_out, p_vjp = pyjax.vjp(p_fun, *args)
  j_out, j_vjp = jax.vjp(j_fun, *args)
  _close(p_vjp(pnp.float32(1.5)), j_vjp(jnp.float32(1.5)))


@pytest.mark.parametrize("name", sorted(CASES))
def test_staged_grad_type_checks(name):
  p_fun, _, args = _pair(name)
  closed = pyjax.make_jaxpr(pyjax.grad(p_fun, _argnums(args)))(*args)
  core.check_jaxpr(closed.jaxpr)


@pytest.mark.parametrize("name", ["cond", "scan", "fori_static", "cond_in_scan",
                                  "scan_reverse"])
def test_second_order(name):
  p_fun, j_fun, args = _pair(name)
  first = lambda g: (lambda *a: g(*a)[0].sum())  # noqa: E731
  _close(pyjax.grad(first(pyjax.grad(p_fun, _argnums(args))))(*args),
         jax.grad(first(jax.grad(j_fun, _argnums(args))))(*args), rtol=1e-4, atol=1e-5)
  _close(pyjax.jacfwd(pyjax.grad(p_fun))(*args), jax.jacfwd(jax.grad(j_fun))(*args),
         rtol=1e-4, atol=1e-5)


# --- while_loop: forward mode works, reverse mode is JAX's error ------------------------------

def _while_fun(lax):
  return lambda x: lax.while_loop(lambda c: c[0] < 10.0, lambda c: (c[0] * 1.7 + c[1], c[1]),
                                  (x, x * x))[0]


def test_while_jvp_and_linearize():
  for x in (F32(0.8), F32(3.0)):
    p_out, p_tan = pyjax.jvp(_while_fun(plax), (x,), (F32(1.0),))
    j_out, j_tan = jax.jvp(_while_fun(jlax), (x,), (F32(1.0),))
    _close((p_out, p_tan), (j_out, j_tan))
    p_out, p_lin = pyjax.linearize(_while_fun(plax), x)
    j_out, j_lin = jax.linearize(_while_fun(jlax), x)
    _close((p_out, p_lin(F32(2.0))), (j_out, j_lin(F32(2.0))))
  p_jit = pyjax.jit(lambda x: pyjax.jvp(_while_fun(plax), (x,), (F32(1.0),)))(F32(0.8))
  _close(p_jit, jax.jvp(_while_fun(jlax), (F32(0.8),), (F32(1.0),)))


def test_dynamic_fori_jvp():
  def fun(lax):
    return lambda x, n: lax.fori_loop(0, n, lambda i, c: c * x + i, x)
  p = pyjax.jvp(lambda x: fun(plax)(x, np.int32(4)), (F32(0.7),), (F32(1.0),))
  j = jax.jvp(lambda x: fun(jlax)(x, np.int32(4)), (F32(0.7),), (F32(1.0),))
  _close(p, j)


@pytest.mark.parametrize("make", [
    lambda lax, jax_: jax_.grad(_while_fun(lax)),
    lambda lax, jax_: lambda x: jax_.jit(jax_.grad(
        lambda x, n: lax.fori_loop(0, n, lambda i, c: c * x, x)))(x, 3),
    lambda lax, jax_: jax_.jit(jax_.grad(_while_fun(lax))),
    lambda lax, jax_: jax_.vjp(_while_fun(lax), F32(1.0))[1],
], ids=["grad_while", "grad_dynamic_fori", "jit_grad_while", "vjp_while"])
def test_while_reverse_mode_error(make):
  errors = []
  for lax, lib in ((plax, pyjax), (jlax, jax)):
    try:
      make(lax, lib)(F32(1.0))
    except Exception as e:  # noqa: BLE001
      errors.append(e)
    else:
      errors.append(None)
  p_error, j_error = errors
  assert j_error is not None and p_error is not None, errors
  assert type(p_error) is type(j_error) is ValueError
  assert str(p_error) == str(j_error)


def test_grad_of_while_without_differentiated_carry_is_fine():
  def fun(lax):
    return lambda x: x * lax.while_loop(lambda c: c < 5, lambda c: c + 1, 0)
  _close(pyjax.grad(fun(plax))(F32(2.0)), jax.grad(fun(jlax))(F32(2.0)))


# --- more compositions --------------------------------------------------------------------------

def _L(lax):
  return _libs(lax)


COMPOSITIONS = {
    "grad_in_scan_body": (lambda lax: lambda xs: lax.scan(
        lambda c, x: (c + _L(lax)[0].grad(lambda y: _L(lax)[1].sin(y * c))(x), c), 1.0, xs),
        (X3,)),
    "hessian_of_scan": (lambda lax: _L(lax)[0].hessian(lambda x: lax.scan(
        lambda c, a: (c * _L(lax)[1].sin(a) + a * a, c), 0.5, x)[0]), (X3,)),
    "hessian_of_cond": (lambda lax: _L(lax)[0].hessian(lambda x: lax.cond(
        x[0] > 0, lambda x: (x ** 3).sum(), lambda x: _L(lax)[1].sin(x).sum(), x)), (X3,)),
    "grad_of_switch_in_fori": (lambda lax: _L(lax)[0].grad(lambda x: lax.fori_loop(
        0, 5, lambda i, c: lax.switch(i % 3, [lambda c: c * x, lambda c: c + x,
                                              _L(lax)[1].sin], c), x)), (F32(0.7),)),
    "jvp_of_vmap_of_while": (lambda lax: lambda x: _L(lax)[0].jvp(_L(lax)[0].vmap(
        lambda v: lax.while_loop(lambda c: c < 4, lambda c: c * 1.5 + 0.1, v)), (x,), (x,)),
        (X3 + 2,)),
    "vjp_of_cond_pytree": (lambda lax: lambda x: _L(lax)[0].vjp(lambda x: lax.cond(
        True, lambda t: {"a": t * 2, "b": t.sum()}, lambda t: {"a": t, "b": t[0]}, x),
        x)[1]({"a": x, "b": 2.0}), (X3,)),
    "grad_with_int_operand": (lambda lax: _L(lax)[0].grad(lambda x, n: lax.cond(
        n > 1, lambda x, n: x * n, lambda x, n: x + n, x, n), allow_int=True), (1.5, 3)),
    "checkpoint_in_scan": (lambda lax: _L(lax)[0].grad(lambda x: lax.scan(
        lambda c, a: (_L(lax)[0].checkpoint(lambda c: _L(lax)[1].sin(c) * a)(c), c), x,
        X3)[0]), (F32(0.3),)),
}


@pytest.mark.parametrize("name", sorted(COMPOSITIONS))
def test_compositions(name):
  make, args = COMPOSITIONS[name]
  _close(make(plax)(*args), make(jlax)(*args), rtol=1e-4, atol=1e-5)
