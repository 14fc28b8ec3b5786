"""Polynomial functions (poly, polyadd, polysub, polymul, polydiv, polyder, polyint, polyval,
polyfit, roots) against the oracle (jax 0.10.2): values, dtypes and weak types in one jitted
oracle program, JAX's errors (concrete values needed under jit included), gradients against
finite differences and the oracle, and vmap/jit against a Python loop."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jjnp  # noqa: E402

import pyjax  # noqa: E402
import pyjax.numpy as jnp  # noqa: E402
from pyjax.test_util import check_grads  # noqa: E402

from case_tables import ORACLE, PYJAX, CaseTable  # noqa: E402
from oracle_util import assert_same_outcome, outcome, x64  # noqa: E402

RNG = np.random.default_rng(17)
P = np.array([1.0, -3, 0.5, 2], np.float32)
Q = np.array([2.0, 1], np.float32)
PI = np.array([1, 2, 3], np.int32)
P8 = np.array([3, -1, 2], np.int8)
PZ = np.array([1 + 1j, 2, -1j], np.complex64)
P2 = np.arange(6.0, dtype=np.float32).reshape(3, 2)
XS = np.linspace(-1, 2, 7).astype(np.float32)
YS = (XS ** 2 - XS + 0.25 + 0.05 * np.sin(7 * XS)).astype(np.float32)
Y2 = np.stack([YS, np.cos(XS)], axis=1).astype(np.float32)
W = np.linspace(0.5, 1.5, 7).astype(np.float32)
SQUARE = np.array([[2.0, 1], [0, 3]], np.float32)

CASES = {
    # poly
    "poly": lambda L: L.np.poly(np.array([1.0, 2, 3], np.float32)),
    "poly_int": lambda L: L.np.poly(PI),
    "poly_weak": lambda L: L.np.poly(2.0),
    "poly_complex": lambda L: L.np.poly(PZ),
    "poly_matrix": lambda L: L.np.poly(SQUARE),
    "poly_empty": lambda L: L.np.poly(np.zeros(0, np.float32)),
    # polyval
    "polyval": lambda L: L.np.polyval(P, XS),
    "polyval_int": lambda L: L.np.polyval(PI, np.array([2, -1], np.int32)),
    "polyval_int8_weak": lambda L: L.np.polyval(P8, 3),
    "polyval_int_float": lambda L: L.np.polyval(PI, 0.5),
    "polyval_2d_coefficients": lambda L: L.np.polyval(P2, np.array([[1.0], [2.0]], np.float32)),
    "polyval_unroll": lambda L: L.np.polyval(P, XS, unroll=1),
    "polyval_complex": lambda L: L.np.polyval(PZ, XS),
    "polyval_empty": lambda L: L.np.polyval(np.zeros(0, np.float32), XS),
    # polyadd, polysub
    "polyadd": lambda L: L.np.polyadd(P, Q),
    "polyadd_longer_second": lambda L: L.np.polyadd(Q, P),
    "polyadd_int": lambda L: L.np.polyadd(PI, P8),
    "polyadd_2d": lambda L: L.np.polyadd(P2, np.ones((1, 2), np.int32)),
    "polysub": lambda L: L.np.polysub(Q, P),
    "polysub_int8": lambda L: L.np.polysub(P8, P8[1:]),
    # polymul
    "polymul": lambda L: L.np.polymul(P, Q),
    "polymul_int": lambda L: L.np.polymul(PI, P8),
    "polymul_complex": lambda L: L.np.polymul(PZ, P),
    "polymul_leading_zeros": lambda L: L.np.polymul(np.array([0.0, 0, 1, 2]), Q),
    "polymul_empty": lambda L: L.np.polymul(np.zeros(0, np.float32), Q),
    # polydiv
    "polydiv": lambda L: L.np.polydiv(P, Q),
    "polydiv_int": lambda L: L.np.polydiv(PI, P8[1:]),
    "polydiv_exact": lambda L: L.np.polydiv(np.array([2.0, 3, 1]), np.array([1.0, 1])),
    "polydiv_lower_degree": lambda L: L.np.polydiv(Q, P),
    "polydiv_complex": lambda L: L.np.polydiv(PZ, Q),
    # polyder, polyint
    "polyder": lambda L: L.np.polyder(P),
    "polyder_int": lambda L: L.np.polyder(PI, m=2),
    "polyder_m0": lambda L: L.np.polyder(P8, m=0),
    "polyder_too_many": lambda L: L.np.polyder(P, m=5),
    "polyint": lambda L: L.np.polyint(P),
    "polyint_int": lambda L: L.np.polyint(PI, m=2),
    "polyint_k_scalar": lambda L: L.np.polyint(P, m=3, k=2),
    "polyint_k_array": lambda L: L.np.polyint(PI, m=2, k=np.array([1.0, -2], np.float32)),
    "polyint_k_complex": lambda L: L.np.polyint(P, k=1j),
    "polyint_m0": lambda L: L.np.polyint(PI, m=0),
    "polyint_f16": lambda L: L.np.polyint(P.astype(np.float16), m=2),
    # polyfit
    "polyfit": lambda L: L.np.polyfit(XS, YS, 2),
    "polyfit_deg0": lambda L: L.np.polyfit(XS, YS, 0),
    "polyfit_2d": lambda L: L.np.polyfit(XS, Y2, 2),
    "polyfit_weights": lambda L: L.np.polyfit(XS, YS, 2, w=W),
    "polyfit_weights_2d": lambda L: L.np.polyfit(XS, Y2, 1, w=W),
    "polyfit_full": lambda L: L.np.polyfit(XS, YS, 2, full=True),
    "polyfit_rcond": lambda L: L.np.polyfit(XS, YS, 3, rcond=0.1, full=True),
    "polyfit_cov": lambda L: L.np.polyfit(XS, YS, 2, cov=True),
    "polyfit_cov_unscaled": lambda L: L.np.polyfit(XS, YS, 2, cov="unscaled"),
    "polyfit_cov_2d": lambda L: L.np.polyfit(XS, Y2, 1, cov=True),
    # roots
    "roots_no_strip": lambda L: L.np.roots(np.array([0.0, 0, 1, -3, 2], np.float32),
                                           strip_zeros=False),
    "roots_no_strip_zero_root": lambda L: L.np.roots(np.array([0.0, 1, -1, 0], np.float32),
                                                     strip_zeros=False),
    "roots_no_strip_all_zero": lambda L: L.np.roots(np.zeros(3, np.float32), strip_zeros=False),
}

# Leading zeros are stripped from concrete values only: these run eagerly in the oracle too.
EAGER_CASES = {
    "polymul_trim": lambda L: L.np.polymul(np.array([0.0, 0, 1, 2]), np.array([0, 3, 4]),
                                           trim_leading_zeros=True),
    "polymul_trim_all_zeros": lambda L: L.np.polymul(np.zeros(3), Q, trim_leading_zeros=True),
    "polydiv_trim": lambda L: L.np.polydiv(np.array([2.0, 3, 1]), np.array([1.0, 1]),
                                           trim_leading_zeros=True),
    "polydiv_trim_remainder": lambda L: L.np.polydiv(P, Q, trim_leading_zeros=True),
    "roots": lambda L: L.np.roots(np.array([1.0, -6, 11, -6], np.float32)),
    "roots_int": lambda L: L.np.roots(np.array([1, 0, -4])),
    "roots_complex_result": lambda L: L.np.roots(np.array([1.0, 0, 1], np.float32)),
    "roots_complex": lambda L: L.np.roots(PZ),
    "roots_leading_zeros": lambda L: L.np.roots(np.array([0.0, 0, 1, -3, 2], np.float32)),
    "roots_zero_root": lambda L: L.np.roots(np.array([1.0, -1, 0], np.float32)),
    "roots_all_zero": lambda L: L.np.roots(np.zeros(3, np.float32)),
    "roots_constant": lambda L: L.np.roots(np.array([5.0], np.float32)),
    "roots_scalar": lambda L: L.np.roots(3),
}
TABLE = CaseTable(CASES)
# Least squares and eigenvalues of ill-conditioned float32 problems: LAPACK's and pyjax's
# algorithms round differently.
LOOSE = {name for name in [*CASES, *EAGER_CASES] if name.startswith(("polyfit", "roots", "poly_matrix"))}
F16 = {"polyint_f16"}


def _tolerance(name):
  if name in F16:
    return (2e-3, 2e-3)
  return (2e-4, 2e-4) if name in LOOSE else (2e-6, 2e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_oracle(name):
  TABLE.check(name, tol=_tolerance(name))


@pytest.mark.parametrize("name", sorted(EAGER_CASES))
def test_matches_oracle_eagerly(name):
  fn = EAGER_CASES[name]
  expected = outcome(fn, ORACLE)
  assert expected[0] == "ok", expected
  assert_same_outcome(outcome(fn, PYJAX), expected, _tolerance(name), f"{name}: ")


CASES_X64 = {
    "poly": lambda L: L.np.poly(np.array([0.5, 2, -3])),
    "polyval_int64": lambda L: L.np.polyval(np.array([3, 2, 1]), np.int64(7)),
    "polyval_float32_weak": lambda L: L.np.polyval(P, 2.0),
    "polymul": lambda L: L.np.polymul(np.array([1.0, 2, 3]), np.array([1, -1])),
    "polydiv": lambda L: L.np.polydiv(np.array([1.0, 2, 3, 4]), np.array([3, 1])),
    "polyint": lambda L: L.np.polyint(np.array([1, 2, 3]), m=2, k=3),
    "polyder": lambda L: L.np.polyder(np.array([1, 2, 3, 4])),
    "polyfit": lambda L: L.np.polyfit(XS.astype(np.float64), YS.astype(np.float64), 3, full=True),
    "polyfit_cov": lambda L: L.np.polyfit(XS.astype(np.float64), Y2.astype(np.float64), 2,
                                          cov=True),
    "roots": lambda L: L.np.roots(np.array([2.0, -3, -11, 6]), strip_zeros=False),
}
TABLE_X64 = CaseTable(CASES_X64, enable_x64=True)


@pytest.mark.parametrize("name", sorted(CASES_X64))
def test_matches_oracle_x64(name):
  TABLE_X64.check(name, tol=(1e-10, 1e-10))


ERRORS = {
    "poly_list": lambda np_: np_.poly([1, 2]),
    "poly_rectangular": lambda np_: np_.poly(np.ones((2, 3))),
    "poly_3d": lambda np_: np_.poly(np.ones((2, 2, 2))),
    "polyval_list": lambda np_: np_.polyval([1, 2], 3),
    "polyval_shapes": lambda np_: np_.polyval(P2, np.ones(3)),
    "polyadd_list": lambda np_: np_.polyadd(P, [1.0]),
    "polyint_negative_m": lambda np_: np_.polyint(P, m=-1),
    "polyint_bad_k": lambda np_: np_.polyint(P, m=2, k=np.ones(3)),
    "polyint_float_m": lambda np_: np_.polyint(P, m=1.5),
    "polyder_negative_m": lambda np_: np_.polyder(P, m=-1),
    "polyder_float_m": lambda np_: np_.polyder(P, m=1.5),
    "polymul_2d": lambda np_: np_.polymul(P2, P2),
    "polyfit_negative_deg": lambda np_: np_.polyfit(XS, YS, -1),
    "polyfit_2d_x": lambda np_: np_.polyfit(P2, YS, 1),
    "polyfit_empty_x": lambda np_: np_.polyfit(np.zeros(0), np.zeros(0), 1),
    "polyfit_3d_y": lambda np_: np_.polyfit(XS, np.ones((7, 1, 1)), 1),
    "polyfit_lengths": lambda np_: np_.polyfit(XS, YS[:3], 1),
    "polyfit_2d_weights": lambda np_: np_.polyfit(XS, YS, 1, w=np.ones((7, 1))),
    "polyfit_weight_length": lambda np_: np_.polyfit(XS, YS, 1, w=np.ones(3)),
    "polyfit_cov_too_few_points": lambda np_: np_.polyfit(XS[:3], YS[:3], 2, cov=True),
    "polyfit_list": lambda np_: np_.polyfit([1.0, 2], YS[:2], 1),
    "polyfit_int": lambda np_: np_.polyfit(np.arange(5), np.arange(5) ** 2, 1),
    "polyfit_unhashable_rcond": lambda np_: np_.polyfit(XS, YS, 1, rcond=np.array(0.1)),
    "polyint_unhashable_m": lambda np_: np_.polyint(P, m=np.array(2)),
    "polyder_unhashable_m": lambda np_: np_.polyder(P, m=np.array(2)),
    "polyval_unhashable_unroll": lambda np_: np_.polyval(P, 2.0, unroll=np.array(2)),
    "polyval_scalar_coefficients": lambda np_: np_.polyval(2.0, 3),
    "roots_2d": lambda np_: np_.roots(np.ones((2, 2))),
    "roots_list": lambda np_: np_.roots([1.0, 2]),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_oracle(name):
  p, j = outcome(ERRORS[name], jnp), outcome(ERRORS[name], jjnp)
  assert j[0] == "raise" and p[0] == "raise", (p, j)
  assert type(p[1]).__name__ == type(j[1]).__name__, (p[1], j[1])
  assert str(p[1]) == str(j[1])


CONCRETE_NEEDED = {
    "roots": lambda np_, p: np_.roots(p),
    "polymul_trim": lambda np_, p: np_.polymul(p, p, trim_leading_zeros=True),
    "polydiv_trim": lambda np_, p: np_.polydiv(p, p[1:], trim_leading_zeros=True),
}


@pytest.mark.parametrize("name", sorted(CONCRETE_NEEDED))
def test_concrete_values_needed_under_jit(name):
  fn = CONCRETE_NEEDED[name]
  p = outcome(pyjax.jit(lambda x: fn(jnp, x)), P)
  j = outcome(jax.jit(lambda x: fn(jjnp, x)), P)
  assert j[0] == "raise" and p[0] == "raise", (p, j)
  assert type(p[1]).__name__ == type(j[1]).__name__ == "ConcretizationTypeError", (p[1], j[1])
  if name == "roots":
    assert "pass strip_zeros=False" in str(p[1])


STATIC_ARGUMENTS = {
    "polyint_m": lambda np_, p: np_.polyint(p, m=p[0].astype(int)),
    "polyder_m": lambda np_, p: np_.polyder(p, m=p[0].astype(int)),
    "polyval_unroll": lambda np_, p: np_.polyval(p, p, unroll=p[0].astype(int)),
    "polyfit_deg": lambda np_, p: np_.polyfit(p, p, p[0].astype(int)),
    "polyfit_full": lambda np_, p: np_.polyfit(p, p, 1, full=p[0]),
}


@pytest.mark.parametrize("name", sorted(STATIC_ARGUMENTS))
def test_static_arguments_cannot_be_traced(name):
  # JAX takes these as static arguments of a jitted function: a traced one is not hashable.
  fn = STATIC_ARGUMENTS[name]
  p = outcome(pyjax.jit(lambda x: fn(jnp, x)), P)
  j = outcome(jax.jit(lambda x: fn(jjnp, x)), P)
  assert j[0] == "raise" and p[0] == "raise", (p, j)
  assert type(p[1]).__name__ == type(j[1]).__name__ == "ValueError", (p[1], j[1])
  assert str(p[1]).startswith("Non-hashable static arguments are not supported.")


JIT_CASES = {
    "poly": lambda np_, p: np_.poly(p),
    "polyval": lambda np_, p: np_.polyval(p, XS),
    "polyadd": lambda np_, p: np_.polyadd(p, Q),
    "polysub": lambda np_, p: np_.polysub(Q, p),
    "polymul": lambda np_, p: np_.polymul(p, Q),
    "polydiv": lambda np_, p: np_.polydiv(p, Q),
    "polyder": lambda np_, p: np_.polyder(p, 2),
    "polyint": lambda np_, p: np_.polyint(p, 2, k=p[:2]),
    "polyfit": lambda np_, p: np_.polyfit(XS, np_.polyval(p, XS), 2),
    "roots_no_strip": lambda np_, p: np_.roots(p * np_.array([0, 1, 1, 1]), strip_zeros=False),
}


@pytest.mark.parametrize("name", sorted(JIT_CASES))
def test_jit_matches_eager_and_oracle(name):
  fn = JIT_CASES[name]
  eager = fn(jnp, P)
  jitted = pyjax.jit(lambda p: fn(jnp, p))(P)
  oracle = jax.jit(lambda p: fn(jjnp, p))(P)
  tol = (2e-4, 2e-4) if name in ("polyfit", "roots_no_strip", "poly") else (1e-6, 1e-6)
  assert_same_outcome(("ok", jitted), ("ok", oracle), tol)
  assert_same_outcome(("ok", eager), ("ok", oracle), tol)


GRAD_CASES = {
    "poly": (jnp.poly, [(4,)]),
    "polyval": (jnp.polyval, [(4,), (3,)]),
    "polyval_2d": (jnp.polyval, [(3, 2), (2,)]),
    "polyadd": (jnp.polyadd, [(4,), (2,)]),
    "polysub": (jnp.polysub, [(2,), (3,)]),
    "polymul": (jnp.polymul, [(4,), (3,)]),
    "polydiv": (lambda u, v: jnp.polydiv(u, v + jnp.array([3.0, 0])), [(5,), (2,)]),
    "polyder": (lambda p: jnp.polyder(p, 2), [(5,)]),
    "polyint": (lambda p, k: jnp.polyint(p, 2, k), [(3,), (2,)]),
    "polyfit": (lambda y: jnp.polyfit(XS.astype(np.float64), y, 2), [(7,)]),
    "polyfit_weights": (lambda y, w: jnp.polyfit(XS.astype(np.float64), y, 1, w=w + 2), [(7,),
                                                                                       (7,)]),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_grads_against_finite_differences(name):
  fn, shapes = GRAD_CASES[name]
  with x64():
    args = [RNG.standard_normal(s) for s in shapes]
    check_grads(fn, args, order=1, modes=("fwd", "rev"))


def test_roots_grad_matches_oracle():
  # Simple real roots: d(roots)/d(coefficients) by implicit differentiation of the eigenvalues.
  def loss(L):
    return L.grad(lambda p: L.numpy.sum(L.numpy.real(L.numpy.roots(p, strip_zeros=False)) ** 2))
  coefficients = np.array([1.0, -6, 11, -6], np.float32)
  assert_same_outcome(("ok", loss(pyjax)(coefficients)), ("ok", loss(jax)(coefficients)),
                      (1e-3, 1e-3))


def test_polyval_and_polyfit_grads_match_oracle():
  def grads(L):
    fit = lambda y: L.numpy.polyfit(XS, y, 2).sum()  # noqa: E731
    value = lambda p, x: L.numpy.polyval(p, x).sum()  # noqa: E731
    return (L.grad(fit)(YS), *L.grad(value, (0, 1))(P, XS))
  for p, j in zip(grads(pyjax), grads(jax)):
    assert_same_outcome(("ok", p), ("ok", j), (1e-3, 1e-3))


VMAP_CASES = ["poly", "polyval", "polymul", "polydiv", "polyint", "polyfit"]


@pytest.mark.parametrize("name", VMAP_CASES)
def test_vmap_matches_a_loop(name):
  fn, shapes = GRAD_CASES[name]
  args = [RNG.standard_normal((3, *s)).astype(np.float32) for s in shapes]
  if name == "polyfit":
    args = [a + 0.1 * XS ** 2 for a in args]
  expected = [fn(*(a[i] for a in args)) for i in range(3)]
  batched = pyjax.vmap(fn)(*args)
  if isinstance(batched, tuple):
    batched, expected = batched[0], [e[0] for e in expected]
  np.testing.assert_allclose(batched, np.stack(expected), rtol=1e-4, atol=1e-4)


def test_roots_no_strip_vmap_matches_a_loop():
  ps = np.array([[0.0, 1, -3, 2], [1, -6, 11, -6], [0, 0, 1, 4]], np.float32)
  batched = pyjax.vmap(lambda p: jnp.roots(p, strip_zeros=False))(ps)
  expected = np.stack([jnp.roots(p, strip_zeros=False) for p in ps])
  sort = lambda r: np.sort_complex(np.asarray(r))  # noqa: E731
  for b, e in zip(batched, expected):
    np.testing.assert_allclose(sort(b), sort(e), rtol=1e-4, atol=1e-4)


def test_grads_through_stripping_match_oracle():
  # Under grad (not jit) the values are concrete, so leading zeros can still be stripped; as in
  # JAX, polydiv's trimmed remainder is rebuilt from concrete values and has a zero gradient.
  def grads(L):
    np_ = L.numpy
    return (L.grad(lambda p: np_.sum(np_.real(np_.roots(p))))(P),
            L.grad(lambda p: np_.sum(np_.polymul(p, p[::-1], trim_leading_zeros=True) ** 2))(P),
            L.grad(lambda u: np_.sum(np_.polydiv(u, Q, trim_leading_zeros=True)[1]))(P))
  for p, j in zip(grads(pyjax), grads(jax)):
    assert_same_outcome(("ok", p), ("ok", j), (1e-4, 1e-4))
