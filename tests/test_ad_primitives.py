"""Every differentiable lax primitive through jvp, vjp and grad, from one table.

For each case and each (shape, dtype):
* jvp against central finite differences, in float64 (x64 on);
* vjp against jvp by the transposition identity <ct, jvp(t)> = <vjp(ct), t> (this exercises the
  transpose rules of the linear primitives the JVP rules emit);
* grad of a weighted sum against the oracle (jax 0.10.2), in float32 and float64;
* make_jaxpr of the grad type-checks.
"""
from __future__ import annotations


import numpy as np
import pytest

import pyjax
from pyjax import lax as plax
from pyjax._src import core
from pyjax._src.core import Primitive
from pyjax._src.interpreters import ad
from pyjax._src.lax import dot, elementwise, reductions, structural

jax = pytest.importorskip("jax")
from jax import lax as jlax  # noqa: E402

from oracle_util import x64  # noqa: E402


class Case:
  """`fn(lax)` builds the function under test from a lax module (pyjax's or the oracle's);
  `domains` gives (low, high) for each float argument; `shapes` one shape tuple per argument."""

  def __init__(self, name, fn, domains, shapes=None, complex_ok=False, complex_only=False):
    self.name = name
    self.complex_only = complex_only
    self.fn = fn
    self.domains = domains
    self.shapes = shapes or [tuple(() for _ in domains), tuple((3,) for _ in domains),
                             tuple((2, 3) for _ in domains)]
    self.complex_ok = complex_ok

  def args(self, rng, shapes, dtype):
    out = []
    for (lo, hi), shape in zip(self.domains, shapes):
      value = rng.uniform(lo, hi, shape)
      if np.dtype(dtype).kind == "c":
        value = value + 1j * rng.uniform(lo, hi, shape)
      out.append(np.asarray(value, dtype))
    return out


UNIT = (-0.9, 0.9)
POS = (0.5, 2.0)
ANY = (-2.0, 2.0)


def unary(name, domain=ANY, complex_ok=False):
  return Case(name, lambda lax: getattr(lax, name), [domain], complex_ok=complex_ok)


def binary(name, d1=ANY, d2=ANY, complex_ok=False):
  return Case(name, lambda lax: getattr(lax, name), [d1, d2], complex_ok=complex_ok)


CASES = [
    unary("neg", complex_ok=True), unary("exp", complex_ok=True), unary("exp2"),
    unary("log", POS, complex_ok=True), unary("log1p", (0.0, 1.0)), unary("expm1"),
    unary("tanh", complex_ok=True), unary("logistic"), unary("sin", complex_ok=True),
    unary("cos", complex_ok=True), unary("tan", UNIT), unary("asin", UNIT), unary("acos", UNIT),
    unary("atan"), unary("sinh"), unary("cosh"), unary("asinh"), unary("acosh", (1.5, 3.0)),
    unary("atanh", UNIT), unary("sqrt", POS, complex_ok=True), unary("rsqrt", POS),
    unary("cbrt", POS), unary("square", complex_ok=True), unary("abs", complex_ok=True),
    unary("erf"), unary("erfc"), unary("erf_inv", UNIT), unary("lgamma", POS),
    unary("digamma", POS),
    Case("polygamma", lambda lax: lambda x: lax.polygamma(np.asarray(2, x.dtype), x), [POS]),
    unary("bessel_i0e"), unary("bessel_i1e"),
    unary("sign"), unary("floor"), unary("ceil"), unary("round"),
    Case("real", lambda lax: lambda x: lax.real(x) * 2, [ANY], shapes=[((3,),)],
         complex_ok=True, complex_only=True),
    Case("imag", lambda lax: lambda x: lax.imag(x) * 2, [ANY], shapes=[((3,),)],
         complex_ok=True, complex_only=True),
    Case("conj", lambda lax: lambda x: lax.conj(x) * 3, [ANY], complex_ok=True),
    Case("complex", lambda lax: lambda x, y: lax.complex(x, y) * lax.complex(y, x), [ANY, ANY]),
    Case("integer_pow", lambda lax: lambda x: lax.integer_pow(x, 3), [ANY], complex_ok=True),
    Case("integer_pow_neg", lambda lax: lambda x: lax.integer_pow(x, -2), [POS]),
    Case("integer_pow_0", lambda lax: lambda x: lax.integer_pow(x, 0) * x, [ANY]),
    binary("add", complex_ok=True), binary("sub", complex_ok=True), binary("mul", complex_ok=True),
    binary("div", ANY, POS, complex_ok=True), binary("rem", (2.0, 5.0), (0.7, 1.5)),
    binary("max"), binary("min"), binary("atan2"), binary("pow", POS, ANY),
    Case("pow_int_exponent", lambda lax: lambda x: lax.pow(x, np.int32(3)), [POS]),
    Case("add_broadcast", lambda lax: lax.add, [ANY, ANY], shapes=[((3, 1), (1, 4)), ((), (2, 3))]),
    Case("mul_broadcast", lambda lax: lax.mul, [ANY, ANY], shapes=[((2, 1), (2, 4)), ((2, 3), ())]),
    Case("sub_broadcast", lambda lax: lax.sub, [ANY, ANY], shapes=[((), (3,))]),
    Case("convert_element_type", lambda lax: lambda x: lax.convert_element_type(
        x, np.complex128) * 2, [ANY], shapes=[((3,),)]),
    Case("broadcast_in_dim", lambda lax: lambda x: lax.broadcast_in_dim(x, (2, 3, 4), (1, 2)),
         [ANY], shapes=[((3, 1),), ((3, 4),)], complex_ok=True),
    Case("reshape", lambda lax: lambda x: lax.reshape(x, (6,), (1, 0)), [ANY],
         shapes=[((2, 3),)]),
    Case("reshape_plain", lambda lax: lambda x: lax.reshape(x, (3, 2)), [ANY],
         shapes=[((6,),)]),
    Case("transpose", lambda lax: lambda x: lax.transpose(x, (2, 0, 1)), [ANY],
         shapes=[((2, 3, 4),)]),
    Case("squeeze", lambda lax: lambda x: lax.squeeze(x, (1,)), [ANY], shapes=[((2, 1, 3),)]),
    Case("concatenate", lambda lax: lambda x, y: lax.concatenate([x, y, x], 1), [ANY, ANY],
         shapes=[((2, 3), (2, 2))]),
    Case("pad", lambda lax: lambda x, v: lax.pad(x, v, ((1, -1, 1), (0, 2, 0))), [ANY, ANY],
         shapes=[((3, 2), ())]),
    Case("slice", lambda lax: lambda x: lax.slice(x, (1, 0), (4, 3), (2, 2)), [ANY],
         shapes=[((5, 3),)]),
    Case("rev", lambda lax: lambda x: lax.rev(x, (0,)), [ANY], shapes=[((3, 2),)]),
    Case("dynamic_slice", lambda lax: lambda x: lax.dynamic_slice(x, (1, 0), (2, 2)), [ANY],
         shapes=[((4, 3),)]),
    Case("dynamic_update_slice", lambda lax: lambda x, u: lax.dynamic_update_slice(
        x, u, (1, 1)), [ANY, ANY], shapes=[((4, 3), (2, 2))]),
    Case("select_n", lambda lax: lambda x, y: lax.select_n(x > 0, x, y * y), [ANY, ANY]),
    Case("clamp", lambda lax: lambda lo, x, hi: lax.clamp(lo, x, hi), [(-1.5, -0.5), ANY,
                                                                       (0.5, 1.5)],
         shapes=[((), (5,), ()), ((5,), (5,), (5,))]),
    Case("reduce_sum", lambda lax: lambda x: lax.reduce_sum(x, (0, 2)), [ANY],
         shapes=[((2, 3, 4),)], complex_ok=True),
    Case("reduce_max", lambda lax: lambda x: lax.reduce_max(x, (1,)), [ANY],
         shapes=[((2, 3),)]),
    Case("reduce_min", lambda lax: lambda x: lax.reduce_min(x, (0,)), [ANY],
         shapes=[((2, 3),)]),
    Case("reduce_prod", lambda lax: lambda x: lax.reduce_prod(x, (0, 2)), [ANY],
         shapes=[((3, 2, 3),), ((5, 1, 1),)], complex_ok=True),
    Case("dot_general_batch", lambda lax: lambda x, y: lax.dot_general(
        x, y, (((2,), (1,)), ((0,), (0,)))), [ANY, ANY], shapes=[((2, 3, 4), (2, 4, 5))],
        complex_ok=True),
    Case("dot_general_multi_contract", lambda lax: lambda x, y: lax.dot_general(
        x, y, (((0, 2), (2, 1)), ((), ()))), [ANY, ANY], shapes=[((3, 2, 4), (5, 4, 3))]),
    Case("dot_general_batch_last", lambda lax: lambda x, y: lax.dot_general(
        x, y, (((1,), (2,)), ((2,), (0,)))), [ANY, ANY], shapes=[((3, 4, 2), (2, 5, 4))]),
    Case("stop_gradient", lambda lax: lambda x: lax.stop_gradient(x) * x, [ANY]),
]

CASE_IDS = [c.name for c in CASES]


def _configs(case):
  if not case.complex_only:
    for shapes in case.shapes:
      yield shapes, np.float64
  if case.complex_ok:
    yield case.shapes[-1], np.complex128


def _inner(a, b) -> float:
  """Re <a, b>: the real inner product of the underlying real vector spaces."""
  return float(np.real(np.vdot(np.asarray(a).ravel(), np.asarray(b).ravel())))


def _random_like(rng, x):
  x = np.asarray(x)
  value = rng.standard_normal(x.shape)
  if x.dtype.kind == "c":
    value = value + 1j * rng.standard_normal(x.shape)
  return np.asarray(value, x.dtype)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_jvp_matches_finite_differences(case):
  rng = np.random.RandomState(0)
  fn = case.fn(plax)
  eps = 1e-6
  with x64():
    for shapes, dtype in _configs(case):
      args = case.args(rng, shapes, dtype)
      tangents = [_random_like(rng, a) for a in args]
      out, out_tangent = pyjax.jvp(fn, args, tangents)
      plus = fn(*[a + eps * t for a, t in zip(args, tangents)])
      minus = fn(*[a - eps * t for a, t in zip(args, tangents)])
      expected = (np.asarray(plus) - np.asarray(minus)) / (2 * eps)
      np.testing.assert_allclose(np.asarray(out), np.asarray(fn(*args)), rtol=1e-12)
      if case.name == "stop_gradient":
        expected = np.asarray(args[0]) * tangents[0]
      if case.name in ("sign", "floor", "ceil", "round"):
        expected = np.zeros_like(expected)
      np.testing.assert_allclose(np.asarray(out_tangent), expected, rtol=1e-6, atol=1e-6,
                                 err_msg=f"{case.name} {shapes} {np.dtype(dtype).name}")


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_vjp_is_transpose_of_jvp(case):
  """<ct, jvp(t)> = <conj(vjp(conj(ct))), t>: JAX represents a complex cotangent by its
  conjugate, so this is the transposition identity of the real-linear tangent map."""
  rng = np.random.RandomState(1)
  fn = case.fn(plax)
  with x64():
    for shapes, dtype in _configs(case):
      args = case.args(rng, shapes, dtype)
      tangents = [_random_like(rng, a) for a in args]
      _, out_tangent = pyjax.jvp(fn, args, tangents)
      out, pullback = pyjax.vjp(fn, *args)
      ct = _random_like(rng, out)
      in_cts = pullback(np.conj(ct))
      lhs = _inner(ct, out_tangent)
      rhs = sum(_inner(np.conj(c), t) for c, t in zip(in_cts, tangents))
      np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-10,
                                 err_msg=f"{case.name} {shapes} {np.dtype(dtype).name}")
      for c, a in zip(in_cts, args):
        assert c.shape == np.shape(a) and c.dtype == np.asarray(a).dtype


def _weighted_sum(fn, np_module, weights):
  def loss(*args):
    out = fn(*args)
    return np_module.sum(np_module.real(out * weights))
  return loss


# Complex-only cases are checked by test_complex_vjp_matches_oracle.
REAL_CASES = [c for c in CASES if not c.complex_only]


@pytest.mark.parametrize("enable_x64", [False, True], ids=["x32", "x64"])
@pytest.mark.parametrize("case", REAL_CASES, ids=[c.name for c in REAL_CASES])
def test_grad_matches_oracle(case, enable_x64):
  rng = np.random.RandomState(2)
  dtype = np.float64 if enable_x64 else np.float32
  tol = 1e-9 if enable_x64 else 2e-5
  with x64(enable_x64):
    shapes = case.shapes[-1]
    args = case.args(rng, shapes, dtype)
    out_shape = np.shape(case.fn(plax)(*args))
    weights = np.asarray(rng.standard_normal(out_shape), dtype)
    argnums = tuple(range(len(args)))
    ours = pyjax.grad(_weighted_sum(case.fn(plax), pyjax.numpy, weights), argnums)(*args)
    theirs = jax.grad(_weighted_sum(case.fn(jlax), jax.numpy, weights), argnums)(*args)
    for o, t in zip(ours, theirs):
      assert o.dtype == t.dtype and o.shape == t.shape
      np.testing.assert_allclose(np.asarray(o), np.asarray(t), rtol=tol, atol=tol,
                                 err_msg=case.name)


@pytest.mark.parametrize("case", [c for c in CASES if c.complex_ok],
                         ids=[c.name for c in CASES if c.complex_ok])
def test_complex_vjp_matches_oracle(case):
  """Complex cotangents follow JAX's convention (the transpose, without conjugation)."""
  rng = np.random.RandomState(3)
  shapes = case.shapes[-1]
  args = case.args(rng, shapes, np.complex64)
  out, pullback = pyjax.vjp(case.fn(plax), *args)
  ct = _random_like(rng, out)
  _, jax_pullback = jax.vjp(case.fn(jlax), *args)
  for o, t in zip(pullback(ct), jax_pullback(ct)):
    assert o.dtype == t.dtype
    np.testing.assert_allclose(np.asarray(o), np.asarray(t), rtol=3e-5, atol=3e-5,
                               err_msg=case.name)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_grad_jaxpr_is_well_typed(case):
  rng = np.random.RandomState(4)
  args = case.args(rng, case.shapes[-1], np.complex64 if case.complex_only else np.float32)
  weights = np.ones(np.shape(case.fn(plax)(*args)), np.float32)
  loss = _weighted_sum(case.fn(plax), pyjax.numpy, weights)
  argnums = tuple(range(len(args)))
  closed = pyjax.make_jaxpr(pyjax.grad(loss, argnums))(*args)
  core.check_jaxpr(closed.jaxpr)
  staged = core.eval_jaxpr(closed.jaxpr, closed.consts, *args)
  for s, e in zip(staged, pyjax.grad(loss, argnums)(*args)):
    np.testing.assert_allclose(np.asarray(s), np.asarray(e), rtol=1e-6, atol=1e-6)


def _primitives(module):
  return {name: p for name, p in vars(module).items() if isinstance(p, Primitive)}


LINEAR = {"neg", "real", "imag", "conj", "complex", "add", "sub", "convert_element_type",
          "broadcast_in_dim", "reshape", "transpose", "squeeze", "concatenate", "pad", "slice",
          "rev", "dynamic_slice", "dynamic_update_slice", "select_n", "reduce_sum"}


@pytest.mark.parametrize("module", [elementwise, structural, reductions, dot],
                         ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_every_primitive_has_differentiation_rules(module):
  for name, p in _primitives(module).items():
    assert p in ad.primitive_jvps, f"{p.name} has no JVP rule"
    if p.name in LINEAR or p.name in ("mul", "div", "dot_general"):
      assert p in ad.primitive_transposes, f"{p.name} has no transpose rule"


@pytest.mark.parametrize("name", ["is_finite", "eq", "lt", "argmax", "population_count",
                                  "reduce_or", "and", "shift_left", "nextafter",
                                  "bitcast_convert_type"])
def test_nondifferentiable_outputs_have_zero_tangents(name):
  x = np.linspace(-1, 1, 5).astype(np.float32)
  i = np.arange(5, dtype=np.int32)
  fns = {
      "is_finite": lambda x: plax.is_finite(x), "eq": lambda x: plax.eq(x, x),
      "lt": lambda x: plax.lt(x, x * 2), "argmax": lambda x: plax.argmax(x, 0, np.int32),
      "population_count": lambda x: plax.population_count(i),
      "reduce_or": lambda x: plax.reduce_or(x > 0, (0,)),
      "and": lambda x: plax.bitwise_and(x > 0, x < 1),
      "shift_left": lambda x: plax.shift_left(i, i),
      "nextafter": lambda x: plax.nextafter(x, x + 1) * 1.0,
      "bitcast_convert_type": lambda x: plax.bitcast_convert_type(x, np.int32),
  }
  out, tangent = pyjax.jvp(fns[name], (x,), (np.ones_like(x),))
  expected_dtype = np.float32 if name == "nextafter" else pyjax.dtypes.float0
  assert tangent.dtype == expected_dtype
  assert tangent.shape == out.shape
  if name == "nextafter":
    np.testing.assert_array_equal(np.asarray(tangent), 0)
