"""`lax.Precision` and the `precision`/`preferred_element_type` arguments of the dot functions
against the oracle (jax 0.10.2): the enum's members, aliases, repr and errors; staged programs
printing dot_general's parameters as JAX's (also under grad, vmap and the
jax_default_matmul_precision flag); results and their dtypes."""
from __future__ import annotations

import typing

import ml_dtypes
import numpy as np
import pytest

jax = pytest.importorskip("jax")

import pyjax  # noqa: E402
from pyjax._src.config import config as pyjax_config  # noqa: E402

from oracle_util import assert_same_outcome, outcome  # noqa: E402

RNG = np.random.default_rng(3)
A = RNG.standard_normal((2, 3)).astype(np.float32)
B = RNG.standard_normal((3, 4)).astype(np.float32)
I8 = RNG.integers(-4, 5, (2, 3)).astype(np.int8)
J8 = RNG.integers(-4, 5, (3, 4)).astype(np.int8)
BF = B.astype(ml_dtypes.bfloat16)
LIBRARIES = {"pyjax": pyjax, "jax": jax}


@pytest.mark.parametrize("value", ["highest", "float32", "high", "bfloat16_3x", "tensorfloat32",
                                   "default", "bfloat16", "fastest", None, 0, 1, 2])
def test_precision_from_aliases_and_values(value):
  p, j = pyjax.lax.Precision(value), jax.lax.Precision(value)
  assert (p.name, p.value, repr(p), str(p)) == (j.name, j.value, repr(j), str(j))


@pytest.mark.parametrize("value", ["HIGHEST", "Highest", "bogus", 3, -1, 1.5])
def test_precision_rejects_other_values(value):
  p, j = outcome(pyjax.lax.Precision, value), outcome(jax.lax.Precision, value)
  assert p[0] == j[0] == "raise"
  assert (type(p[1]), str(p[1])) == (type(j[1]), str(j[1]))


def test_precision_enum_members():
  P, J = pyjax.lax.Precision, jax.lax.Precision
  assert [(m.name, m.value) for m in P] == [(m.name, m.value) for m in J]
  assert repr(P.HIGHEST) == "Precision.HIGHEST" and str(P.HIGH) == "HIGH"
  assert P["HIGH"] is P.HIGH and P.HIGH != "high" and hash(P.HIGH) == hash(P(1))
  assert len({P.DEFAULT, P("fastest"), P(None)}) == 1


def test_type_names():
  # DotDimensionNumbers is the same plain alias as JAX's; PrecisionLike names what pyjax accepts,
  # as JAX's does.
  assert str(pyjax.lax.DotDimensionNumbers) == str(jax.lax.DotDimensionNumbers)
  accepted = typing.get_args(pyjax.lax.PrecisionLike)
  assert accepted == (type(None), str, pyjax.lax.Precision, tuple[str, str],
                      tuple[pyjax.lax.Precision, pyjax.lax.Precision], pyjax.lax.DotAlgorithm,
                      pyjax.lax.DotAlgorithmPreset)
  assert [a.__name__ for a in accepted] == [
      a.__name__ for a in typing.get_args(jax.lax.PrecisionLike)]


def _dg(L, x, y, **kw):
  return L.lax.dot_general(x, y, (((1,), (0,)), ((), ())), **kw)


PROGRAMS = {
    "dot_general_highest": (lambda L, x, y: _dg(L, x, y, precision=L.lax.Precision.HIGHEST),
                            (A, B)),
    "dot_general_pair": (lambda L, x, y: _dg(L, x, y, precision=(L.lax.Precision.HIGH,
                                                                 L.lax.Precision.DEFAULT)),
                         (A, B)),
    "dot_general_string": (lambda L, x, y: _dg(L, x, y, precision="tensorfloat32"), (A, B)),
    "dot_general_string_pair": (lambda L, x, y: _dg(L, x, y, precision=("float32", "fastest")),
                                (A, B)),
    "dot_general_preferred": (lambda L, x, y: _dg(L, x, y, precision="highest",
                                                  preferred_element_type=np.float32), (I8, J8)),
    "dot_general_preferred_int": (lambda L, x, y: _dg(L, x, y, preferred_element_type=np.int32),
                                  (I8, J8)),
    "dot_general_none": (lambda L, x, y: _dg(L, x, y, precision=None), (A, B)),
    "dot": (lambda L, x, y: L.lax.dot(x, y, precision=L.lax.Precision.HIGHEST), (A, B)),
    "dot_mixed_preferred": (lambda L, x, y: L.lax.dot(x, y, precision="high",
                                                      preferred_element_type=np.float32),
                            (A, BF)),
    "jnp_matmul": (lambda L, x, y: L.numpy.matmul(x, y, precision=L.lax.Precision.HIGHEST),
                   (A, B)),
    "jnp_matmul_preferred": (lambda L, x, y: L.numpy.matmul(
        x, y, precision=(L.lax.Precision.HIGHEST,) * 2, preferred_element_type=np.float32),
        (I8, J8)),
    "jnp_dot": (lambda L, x, y: L.numpy.dot(x, y, precision="float32"), (A, B)),
    "jnp_dot_preferred": (lambda L, x, y: L.numpy.dot(x, y, preferred_element_type=np.int32),
                          (I8, J8)),
    "jnp_einsum": (lambda L, x, y: L.numpy.einsum("ij,jk->ki", x, y,
                                                  precision=L.lax.Precision.HIGHEST), (A, B)),
    "jnp_einsum_preferred": (lambda L, x, y: L.numpy.einsum(
        "ij,jk", x, y, precision="high", preferred_element_type=np.float32), (I8, J8)),
    "jnp_tensordot": (lambda L, x, y: L.numpy.tensordot(x, y, 1, precision="highest"), (A, B)),
    "jnp_inner": (lambda L, x, y: L.numpy.inner(x, y.T, precision=L.lax.Precision.HIGH), (A, B)),
    "grad": (lambda L, x, y: L.grad(lambda a, b: _dg(L, a, b, precision=(
        L.lax.Precision.HIGH, L.lax.Precision.HIGHEST)).sum(), (0, 1))(x, y), (A, B)),
    "vmap": (lambda L, x, y: L.vmap(lambda a: L.lax.dot(a, y, precision="highest"))(x), (A, B)),
    "vmap_both": (lambda L, x, y: L.vmap(lambda a, b: L.lax.dot(a, b, precision="high"),
                                         (0, 1))(x, y), (A, A.T)),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_staged_programs_print_as_the_oracles(name):
  fn, args = PROGRAMS[name]
  p = pyjax.make_jaxpr(lambda *a: fn(pyjax, *a))(*args)
  j = jax.make_jaxpr(lambda *a: fn(jax, *a))(*args)
  assert str(p) == str(j)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_results_match_the_oracle_eager_and_jitted(name):
  fn, args = PROGRAMS[name]
  expected = outcome(jax.jit(lambda *a: fn(jax, *a)), *args)
  for run in (lambda *a: fn(pyjax, *a), pyjax.jit(lambda *a: fn(pyjax, *a))):
    assert_same_outcome(outcome(run, *args), expected, (1e-2, 1e-2) if name.startswith(
        "dot_mixed") else (1e-5, 1e-5), f"{name}: ")


def test_precision_does_not_change_float32_values():
  plain = pyjax.lax.dot(A, B)
  for precision in ("bfloat16", "high", pyjax.lax.Precision.HIGHEST):
    np.testing.assert_array_equal(pyjax.lax.dot(A, B, precision=precision), plain)


BAD_PRECISIONS = {
    "unknown_string": "bogus",
    "upper_case_name": "HIGHEST",
    "int": 1,
    "three": ("high",) * 3,
    "one": ("high",),
    "mixed_pair": ("high", 2),
    "pair_with_bad_string": ("high", "bogus"),
}


@pytest.mark.parametrize("name", sorted(BAD_PRECISIONS))
def test_bad_precisions_raise_as_in_the_oracle(name):
  bad = BAD_PRECISIONS[name]
  p = outcome(pyjax.lax.dot, A, B, precision=bad)
  j = outcome(jax.lax.dot, A, B, precision=bad)
  assert p[0] == j[0] == "raise"
  assert type(p[1]) is ValueError and type(j[1]) is ValueError
  assert str(p[1]) == str(j[1])


def test_list_of_precisions_is_not_hashable_as_in_the_oracle():
  for L in LIBRARIES.values():
    P = L.lax.Precision
    kind, error = outcome(L.lax.dot, A, B, precision=[P.HIGH, P.HIGH])
    assert kind == "raise" and type(error) is TypeError


@pytest.mark.parametrize("flag", ["float32", "tensorfloat32", "bfloat16", "high"])
def test_default_matmul_precision_flag(flag):
  old = jax.config.jax_default_matmul_precision
  jax.config.update("jax_default_matmul_precision", flag)
  try:
    with pyjax_config.override("jax_default_matmul_precision", flag):
      p = pyjax.make_jaxpr(lambda x, y: pyjax.numpy.matmul(x, y))(A, B)
      explicit = pyjax.make_jaxpr(lambda x, y: pyjax.lax.dot(x, y, precision="bfloat16"))(A, B)
    j = jax.make_jaxpr(lambda x, y: jax.numpy.matmul(x, y))(A, B)
  finally:
    jax.config.update("jax_default_matmul_precision", old)
  assert str(p) == str(j)
  assert "precision=(Precision.DEFAULT, Precision.DEFAULT)" in str(explicit)


def test_bad_default_matmul_precision_flag():
  with pyjax_config.override("jax_default_matmul_precision", "bogus"):
    kind, error = outcome(pyjax.lax.dot, A, B)
  assert kind == "raise" and type(error) is ValueError
  assert str(error).startswith("jax_default_matmul_precision flag must be set to None")


@pytest.mark.parametrize("precision", ["highest", "bfloat16", None, ("high", "default")])
def test_conv_precision_prints_as_in_oracle(precision):
  x, w = np.ones((1, 2, 5), np.float32), np.ones((3, 2, 3), np.float32)
  def program(l):
    return lambda a, b: l.conv(a, b, (1,), "SAME", precision=(
        tuple(map(l.Precision, precision)) if isinstance(precision, tuple) else precision))
  assert str(pyjax.make_jaxpr(program(pyjax.lax))(x, w)) == str(
      jax.make_jaxpr(program(jax.lax))(x, w))
