"""vmap of control flow (cond with batched and unbatched predicates, switch, while_loop with a
batched predicate, fori_loop, scan with batched consts/carries/xs, jit), and compositions with
grad and jit, against the pinned JAX oracle."""
import numpy as np
import pytest

import pyjax
import pyjax.numpy as pnp
from pyjax import lax as plax

jax = pytest.importorskip("jax")
jnp = jax.numpy
jlax = jax.lax

F32 = np.float32
X = np.array([0.5, -1.0, 2.0], F32)
M = np.arange(12, dtype=F32).reshape(3, 4) / 7 - 0.5


def _lib(lax):
  return jax if lax is jlax else pyjax


# name -> (make(lax, jnp) -> f, args, in_axes)
CASES = {
    "cond_batched_pred": (lambda lax, jnp: lambda p, x: lax.cond(
        p, lambda x: jnp.sin(x) * 2, lambda x: x + 1, x), (np.array([True, False, True]), X), 0),
    "cond_pred_from_data": (lambda lax, jnp: lambda x: lax.cond(
        x > 0, lambda x: x * x, lambda x: -x, x), (X,), 0),
    "cond_unbatched_pred": (lambda lax, jnp: lambda p, x: lax.cond(
        p, lambda x: jnp.sin(x) * 2, lambda x: x + 1, x), (True, X), (None, 0)),
    "cond_unbatched_operand": (lambda lax, jnp: lambda p, x, y: lax.cond(
        p, lambda x: x * y, lambda x: x - 1.0, x), (np.array([True, False, True]), F32(2), X),
        (0, None, 0)),
    "cond_pytree_mixed_batching": (lambda lax, jnp: lambda p, x, y: lax.cond(
        p, lambda t: (t[0] * 2, t[1]), lambda t: (t[0], t[1] + 1), (x, y)),
        (True, X, F32(3)), (None, 0, None)),
    "switch_batched_index": (lambda lax, jnp: lambda i, x: lax.switch(
        i, [lambda x: x * 2, lambda x: x + 1, jnp.sin], x),
        (np.array([2, 0, 1], np.int32), X), 0),
    "while_batched_pred": (lambda lax, jnp: lambda x: lax.while_loop(
        lambda c: c < 5, lambda c: c + 1.5, x), (X,), 0),
    "while_batched_pred_pytree": (lambda lax, jnp: lambda x, n: lax.while_loop(
        lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * 1.5, c[2]), (0, x, F32(7))),
        (X, np.array([1, 3, 2], np.int32)), 0),
    "while_unbatched_pred": (lambda lax, jnp: lambda x: lax.while_loop(
        lambda c: c[0] < 4, lambda c: (c[0] + 1, c[1] * 2 + c[0]), (0, x)), (X,), 0),
    "while_batched_const": (lambda lax, jnp: lambda x, y: lax.while_loop(
        lambda c: c < y, lambda c: c + y, x), (F32(0.1), X + 3), (None, 0)),
    "fori_dynamic_batched_bound": (lambda lax, jnp: lambda x, n: lax.fori_loop(
        0, n, lambda i, c: c * 2 + i, x), (X, np.array([1, 2, 3], np.int32)), 0),
    "fori_static": (lambda lax, jnp: lambda x: lax.fori_loop(
        0, 3, lambda i, c: c * x + i, x), (X,), 0),
    "scan_batched_xs": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: (c * x + 1, c), c, xs), (X, M), 0),
    "scan_batched_carry_only": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: (c * x + 1, c * 2), c, xs), (X, M[0]), (0, None)),
    "scan_batched_xs_on_axis1": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: (c + 1, x * c), c, xs), (F32(1), M), (None, 1)),
    "scan_batched_const": (lambda lax, jnp: lambda w, xs: lax.scan(
        lambda c, x: (c + w * x, jnp.sin(c)), 0.0, xs), (X, M[0]), (0, None)),
    "scan_reverse": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: (c * 0.5 + x, c), c, xs, reverse=True), (X, M), 0),
    "map": (lambda lax, jnp: lambda xs: lax.map(lambda v: v * 2 + 1, xs), (M,), 0),
    "map_batch_size": (lambda lax, jnp: lambda xs: lax.map(lambda v: jnp.sin(v).sum(), xs,
                                                           batch_size=2), (M,), 1),
    "jit": (lambda lax, jnp: lambda x, y: _lib(lax).jit(lambda a, b: a * b + 1)(x, y),
            (X, F32(2)), (0, None)),
    "cond_in_scan": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: (lax.cond(x > 0, lambda: c * x, lambda: c - x), c), c, xs), (X, M), 0),
    "while_in_cond": (lambda lax, jnp: lambda p, x: lax.cond(
        p, lambda x: lax.while_loop(lambda c: c < 3, lambda c: c * 2 + 0.1, x),
        lambda x: x, x), (np.array([True, True, False]), X + 1.5), 0),
}


def _pair(name):
  make, args, in_axes = CASES[name]
  return make(plax, pnp), make(jlax, jnp), args, in_axes


def _assert_match(p, j, rtol=1e-5, atol=1e-6):
  p_leaves, j_leaves = pyjax.tree_util.tree_leaves(p), jax.tree_util.tree_leaves(j)
  assert len(p_leaves) == len(j_leaves)
  for a, b in zip(p_leaves, j_leaves):
    assert (a.shape, a.dtype) == (b.shape, b.dtype), (a, b)
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64),
                               rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", sorted(CASES))
def test_vmap(name):
  p_fun, j_fun, args, in_axes = _pair(name)
  _assert_match(pyjax.vmap(p_fun, in_axes)(*args), jax.vmap(j_fun, in_axes)(*args))


@pytest.mark.parametrize("name", sorted(CASES))
def test_jit_of_vmap_and_vmap_of_jit(name):
  p_fun, j_fun, args, in_axes = _pair(name)
  expected = jax.vmap(j_fun, in_axes)(*args)
  _assert_match(pyjax.jit(pyjax.vmap(p_fun, in_axes))(*args), expected)
  _assert_match(pyjax.vmap(pyjax.jit(p_fun), in_axes)(*args), expected)


def test_vmap_of_vmap_of_while_with_batched_predicate():
  def make(lax):
    return lambda x, y: lax.while_loop(lambda c: c < y, lambda c: c * 2 + 0.25, x)
  x, y = np.outer(X + 2, np.ones(4, F32)), np.arange(1, 5, dtype=F32) * 3
  _assert_match(pyjax.vmap(pyjax.vmap(make(plax), (0, 0)), (1, None))(x.T, y),
                jax.vmap(jax.vmap(make(jlax), (0, 0)), (1, None))(x.T, y))


def test_vmap_of_cond_with_batched_predicate_becomes_select():
  f = lambda p, x: plax.cond(p, lambda x: x * 2, lambda x: x + 1, x)  # noqa: E731
  text = str(pyjax.make_jaxpr(pyjax.vmap(f))(np.array([True, False]), np.ones(2, F32)))
  assert "cond[" not in text and "select_n" in text


# --- compositions with differentiation -----------------------------------------------------------

GRAD_CASES = {
    "cond": (lambda lax, jnp: lambda x: lax.cond(x > 0, lambda x: jnp.sin(x) * x,
                                                 lambda x: jnp.cos(x), x), (X,)),
    "scan": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: (jnp.sin(c) * x + c, c * c), c, xs)[1].sum(), (X, M)),
    "fori_static": (lambda lax, jnp: lambda x: lax.fori_loop(
        0, 3, lambda i, c: c * x + jnp.sin(c), x), (X,)),
    "switch": (lambda lax, jnp: lambda x: lax.switch(
        (x > 0).astype(jnp.int32) + (x > 1).astype(jnp.int32),
        [lambda x: x * 3, jnp.sin, lambda x: x ** 2], x), (X,)),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_vmap_of_grad_and_grad_of_vmap(name):
  make, args = GRAD_CASES[name]
  p_fun, j_fun = make(plax, pnp), make(jlax, jnp)
  _assert_match(pyjax.vmap(pyjax.grad(p_fun))(*args), jax.vmap(jax.grad(j_fun))(*args))
  p_sum = lambda *a: pyjax.vmap(p_fun)(*a).sum()  # noqa: E731
  j_sum = lambda *a: jax.vmap(j_fun)(*a).sum()  # noqa: E731
  _assert_match(pyjax.grad(p_sum)(*args), jax.grad(j_sum)(*args))
  _assert_match(pyjax.jit(pyjax.vmap(pyjax.grad(p_fun)))(*args),
                jax.vmap(jax.grad(j_fun))(*args))


def test_jacrev_and_jacfwd_of_scan():
  def make(lax, jnp):
    return lambda x: lax.scan(lambda c, a: (c * a + jnp.sin(c), c), 1.0, x)[1]
  _assert_match(pyjax.jacrev(make(plax, pnp))(X), jax.jacrev(make(jlax, jnp))(X))
  _assert_match(pyjax.jacfwd(make(plax, pnp))(X), jax.jacfwd(make(jlax, jnp))(X))
