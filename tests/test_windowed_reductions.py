"""`lax.reduce_window` (monoid primitives and generic computations) and `lax.reduce` against the
oracle (jax 0.10.2): values for windows, strides, paddings and dilations; max/avg-pooling
gradients (ties included); vmap vs a Python loop; jit; the staged program text."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import pyjax  # noqa: E402
from pyjax import lax as plax  # noqa: E402

from case_tables import CaseTable  # noqa: E402
from oracle_util import check_staged  # noqa: E402

RNG = np.random.default_rng(5)
X = RNG.standard_normal((2, 3, 7, 6)).astype(np.float32)
TIES = RNG.integers(-2, 2, (2, 3, 7, 6)).astype(np.float32)
INTS = RNG.integers(-50, 50, (3, 8, 5)).astype(np.int32)
TOL = (1e-5, 1e-5)

WINDOWS = {
    "pool2x2": dict(window_dimensions=(1, 1, 2, 2), window_strides=(1, 1, 2, 2), padding="VALID"),
    "same3x3": dict(window_dimensions=(1, 1, 3, 3), window_strides=(1, 1, 2, 1), padding="SAME"),
    "explicit_base_dilation": dict(window_dimensions=(1, 2, 3, 2), window_strides=(1, 1, 1, 2),
                                   padding=((0, 0), (1, 0), (2, 1), (0, 1)),
                                   base_dilation=(1, 1, 2, 1)),
    "window_dilation": dict(window_dimensions=(1, 1, 2, 2), window_strides=(1, 1, 1, 1),
                            padding="VALID", window_dilation=(1, 1, 2, 2)),
}
MONOIDS = {"sum": ("add", 0.0), "max": ("max", -np.inf), "min": ("min", np.inf)}


def _window(op, window, data=X):
  name, init = MONOIDS[op]
  return lambda m: m.lax.reduce_window(data, init, getattr(m.lax, name), **WINDOWS[window])


VALUE_CASES = {f"{op}_{w}": _window(op, w) for op in MONOIDS for w in WINDOWS}
VALUE_CASES.update({f"{op}_ties_{w}": _window(op, w, TIES) for op in ("max", "min")
                    for w in WINDOWS})
VALUE_CASES.update({
    "int_max": lambda m: m.lax.reduce_window(INTS, np.iinfo(np.int32).min, m.lax.max, (1, 3, 2),
                                             (1, 2, 1), "SAME"),
    "int_sum": lambda m: m.lax.reduce_window(INTS, 0, m.lax.add, (2, 2, 1), (1, 1, 1), "VALID"),
    "generic_mul": lambda m: m.lax.reduce_window(X, 1.0, m.lax.mul, (1, 1, 2, 2), (1, 1, 1, 2),
                                                 "SAME"),
    "sum_nonidentity_init": lambda m: m.lax.reduce_window(X, 1.0, m.lax.add, (1, 1, 2, 2),
                                                          (1, 1, 2, 2), "SAME"),
    "generic_pytree": lambda m: m.lax.reduce_window(
        (X, X * 2), (0.0, 1.0), lambda p, q: (p[0] + q[0], p[1] * q[1]), (1, 1, 2, 2),
        (1, 1, 1, 2), "VALID"),
    "reduce_sum": lambda m: m.lax.reduce(X, 0.0, m.lax.add, (1, 2)),
    "reduce_max_int": lambda m: m.lax.reduce(INTS, np.iinfo(np.int32).min, m.lax.max, (0,)),
    "reduce_or_bool": lambda m: m.lax.reduce(INTS > 40, False, m.lax.bitwise_or, (1, 2)),
    "reduce_generic_mul": lambda m: m.lax.reduce(X, 1.0, lambda p, q: p * q, (1, 3)),
    "reduce_argmax": lambda m: m.lax.reduce(
        (X, m.lax.broadcasted_iota(np.int32, X.shape, 2)), (-np.float32(np.inf), np.int32(0)),
        lambda p, q: (m.lax.max(p[0], q[0]), m.lax.select(p[0] >= q[0], p[1], q[1])), (2,)),
})
VALUES = CaseTable(VALUE_CASES)


@pytest.mark.parametrize("name", sorted(VALUE_CASES))
def test_values_match_oracle(name):
  VALUES.check(name, TOL)


def test_shape_tuple_matches_oracle():
  for args in [((7, 6), (2, 3), (2, 1), ((1, 0), (0, 2))),
               ((7, 6), (2, 3), (1, 2), ((0, 0), (1, 1)), (2, 1), (1, 2))]:
    assert plax.reduce_window_shape_tuple(*args) == jax.lax.reduce_window_shape_tuple(*args)


def _pool_loss(op, window, data):
  def loss(m):
    f = _window(op, window, data)
    out = f(m)
    weights = np.arange(out.size, dtype=np.float32).reshape(out.shape) % 5 - 2
    return m.top.grad(lambda x: (
        m.lax.reduce_window(x, MONOIDS[op][1], getattr(m.lax, MONOIDS[op][0]),
                            **WINDOWS[window]) * weights).sum())(data)
  return loss


GRAD_CASES = {f"{op}_{w}_{d}": _pool_loss(op, w, data)
              for op in MONOIDS for w in WINDOWS for d, data in (("x", X), ("ties", TIES))
              if not (op != "sum" and w == "window_dilation")}
GRAD_CASES["avg_pool"] = lambda m: m.top.grad(lambda x: (m.lax.reduce_window(
    x, 0.0, m.lax.add, (1, 1, 3, 3), (1, 1, 2, 2), "SAME") / 9.0).sum() ** 2)(X)
GRAD_CASES["reduce_generic_mul"] = lambda m: m.top.grad(
    lambda x: m.lax.reduce(x, 1.0, lambda p, q: p * q, (1, 3)).sum())(X)
GRADS = CaseTable(GRAD_CASES)


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_grads_match_oracle(name):
  GRADS.check(name, (1e-4, 1e-4))


def test_generic_reduce_window_forward_derivative():
  f = lambda m: lambda x: m.lax.reduce_window(x, 1.0, m.lax.mul, (1, 1, 2, 2), (1, 1, 1, 2),
                                              "SAME")
  _, p = pyjax.jvp(f(pyjax), (X,), (np.ones_like(X),))
  _, j = jax.jvp(f(jax), (X,), (np.ones_like(X),))
  np.testing.assert_allclose(np.asarray(p), np.asarray(j), rtol=1e-4, atol=1e-4)


def test_max_pool_window_dilation_has_no_vjp_as_in_jax():
  loss = lambda x: plax.reduce_window(x, -np.inf, plax.max, (1, 1, 2, 2), (1, 1, 1, 1), "VALID",
                                      window_dilation=(1, 1, 2, 1)).sum()
  with pytest.raises(NotImplementedError, match="window dilation"):
    pyjax.grad(loss)(X)


@pytest.mark.parametrize("op", sorted(MONOIDS))
@pytest.mark.parametrize("window", sorted(WINDOWS))
def test_vmap_matches_loop(op, window):
  name, init = MONOIDS[op]
  f = lambda x: plax.reduce_window(x, init, getattr(plax, name), **WINDOWS[window])
  xs = np.stack([X, TIES, -X], axis=2)
  out = pyjax.vmap(f, in_axes=2, out_axes=1)(xs)
  expected = np.stack([np.asarray(f(xs[:, :, i])) for i in range(3)], axis=1)
  np.testing.assert_array_equal(np.asarray(out), expected)
  if op != "sum" and window == "window_dilation":
    return  # no VJP for dilated max/min windows (as in JAX)
  grads = pyjax.vmap(pyjax.grad(lambda x: (f(x) ** 2).sum()), in_axes=2)(xs)
  loop = np.stack([np.asarray(pyjax.grad(lambda x: (f(x) ** 2).sum())(xs[:, :, i]))
                   for i in range(3)])
  np.testing.assert_allclose(np.asarray(grads), loop, rtol=1e-6)


def test_generic_vmap_matches_loop():
  f = lambda x: (plax.reduce_window(x, 1.0, plax.mul, (2, 2), (1, 2), "SAME"),
                 plax.reduce(x, 1.0, lambda p, q: p * q, (0,)))
  xs = X[0]
  out = pyjax.vmap(f)(xs)
  for i in range(xs.shape[0]):
    for o, e in zip(out, f(xs[i])):
      np.testing.assert_array_equal(np.asarray(o[i]), np.asarray(e))


def test_jit_and_staged_program():
  f = lambda x: (plax.reduce_window(x, -np.inf, plax.max, (1, 1, 2, 2), (1, 1, 2, 1), "SAME"),
                 plax.reduce_window(x, 1.0, plax.mul, (1, 1, 2, 2), (1, 1, 1, 2), "VALID"),
                 plax.reduce(x, 1.0, lambda p, q: p * q, (1,)))
  eager = f(X)
  for a, b in zip(pyjax.jit(f)(X), eager):
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
  check_staged(f, (X,), eager)


PROGRAMS = {
    "max_pool": lambda m: lambda x: m.lax.reduce_window(x, -np.inf, m.lax.max, (1, 1, 2, 2),
                                                        (1, 1, 2, 2), "VALID"),
    "avg_pool": lambda m: lambda x: m.lax.reduce_window(x, 0.0, m.lax.add, (1, 1, 3, 3),
                                                        (1, 1, 1, 1), "SAME"),
    "generic": lambda m: lambda x: m.lax.reduce_window(x, 1.0, m.lax.mul, (1, 1, 2, 2),
                                                       (1, 1, 1, 2), "SAME"),
    "reduce_sum": lambda m: lambda x: m.lax.reduce(x, 0.0, m.lax.add, (1,)),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_jaxpr_text_matches_oracle(name):
  assert str(pyjax.make_jaxpr(PROGRAMS[name](pyjax))(X)) == str(
      jax.make_jaxpr(PROGRAMS[name](jax))(X))
