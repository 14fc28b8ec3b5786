"""The dtype names of `jax.numpy` against the oracle (jax 0.10.2): the 8/6/4-bit floats and
sub-byte integers of ml_dtypes as scalar types (calling one makes an Array), their promotion on
JAX's lattice (with nothing but themselves and weak types), and the NumPy names jnp re-exports."""
import itertools
import warnings

import ml_dtypes
import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

import pyjax.numpy as pnp  # noqa: E402

from oracle_util import assert_same_outcome, outcome  # noqa: E402

SMALL_FLOATS = ["float8_e3m4", "float8_e4m3", "float8_e4m3b11fnuz", "float8_e4m3fn",
                "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz", "float8_e8m0fnu",
                "float6_e2m3fn", "float6_e3m2fn", "float4_e2m1fn"]
SMALL_INTS = ["int1", "int2", "uint1", "uint2"]

# Values to convert, within each type's range: rounding (3.3), negatives (-2: NaN in the unsigned
# float8_e8m0fnu), a fraction (0.5).
FLOAT_VALUES = [0.5, 1.5, -2.0, 3.3]
INT_VALUES = {"int1": [-1, 0], "int2": [-2, -1, 0, 1], "uint1": [0, 1], "uint2": [0, 1, 2, 3]}


# The oracle's CPU backend cannot hold arrays of these: the 6-bit floats fail with XLA's "Invalid
# PrimitiveType", and 1-bit integer arrays fail to convert or come back as int1 whatever their
# dtype (`jnp.zeros(2, jnp.uint1).dtype` is int1). pyjax's arrays of them are compared with
# ml_dtypes' conversions instead, and their promotion with the oracle's.
NO_ORACLE_ARRAYS = {"float6_e2m3fn", "float6_e3m2fn", "int1", "uint1"}


def _check(case):
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    assert_same_outcome(outcome(case, pnp), outcome(case, jnp))


def _check_against_ml_dtypes(name, out, value):
  """`out` is the strong Array of dtype `name` holding ml_dtypes' conversion of `value`."""
  expected = np.asarray(value).astype(getattr(ml_dtypes, name))
  assert out.dtype == expected.dtype and not out.weak_type
  np.testing.assert_array_equal(np.asarray(out).astype(np.float32), expected.astype(np.float32))


@pytest.mark.parametrize("name", SMALL_FLOATS + SMALL_INTS)
def test_scalar_type_call_makes_array(name):
  values = INT_VALUES.get(name, FLOAT_VALUES)
  if name in NO_ORACLE_ARRAYS:
    scalar_type = getattr(pnp, name)
    _check_against_ml_dtypes(name, scalar_type(values[1]), values[1])
    _check_against_ml_dtypes(name, scalar_type(np.array(values)), values)
    _check_against_ml_dtypes(name, pnp.asarray(values, dtype=scalar_type), values)
    _check_against_ml_dtypes(name, pnp.zeros(2, scalar_type), [0, 0])
    return
  _check(lambda m: getattr(m, name)(values[1]))
  _check(lambda m: getattr(m, name)(np.array(values)))
  _check(lambda m: m.zeros(2, getattr(m, name)))
  _check(lambda m: m.asarray(values, dtype=getattr(m, name)))


@pytest.mark.parametrize("name", SMALL_FLOATS + SMALL_INTS)
def test_scalar_type_is_its_dtype(name):
  scalar_type = getattr(pnp, name)
  assert np.dtype(scalar_type) == np.dtype(getattr(ml_dtypes, name)) == np.dtype(getattr(jnp, name))
  assert scalar_type == getattr(ml_dtypes, name)
  assert pnp.dtype(name) == np.dtype(scalar_type)
  assert isinstance(np.zeros((), scalar_type)[()], scalar_type)
  assert pnp.issubdtype(scalar_type, pnp.floating if name.startswith("float") else pnp.integer)


@pytest.mark.parametrize("name", SMALL_FLOATS + SMALL_INTS)
def test_arithmetic_with_weak_scalars(name):
  if name in NO_ORACLE_ARRAYS:
    values = INT_VALUES.get(name, FLOAT_VALUES)
    _check_against_ml_dtypes(name, pnp.asarray(values, getattr(pnp, name)) * 1, values)
    return
  _check(lambda m: getattr(m, name)(1) + 1)
  _check(lambda m: getattr(m, name)(1) * True)
  if name.startswith("float"):
    _check(lambda m: getattr(m, name)(1) - 0.5)


PROMOTION_PARTNERS = ["bool", "int8", "uint8", "int4", "bfloat16", "float16", "float32",
                      "complex64", "float8_e4m3fn", "float8_e5m2", "float4_e2m1fn", "int2"]


def _promotion(m, a, b):
  def node(name):
    return {"weak_int": int, "weak_float": float, "weak_complex": complex}.get(name) or \
        getattr(m, name)
  return m.promote_types(node(a), node(b))


@pytest.mark.parametrize("name", SMALL_FLOATS + SMALL_INTS)
def test_promote_types_matches_oracle(name):
  """Each small type promotes with itself and with weak types only (an error otherwise, which is
  the oracle's class: a TypePromotionError, ValueError and TypeError both)."""
  for other in ["weak_int", "weak_float", "weak_complex", name] + PROMOTION_PARTNERS:
    for a, b in ((name, other), (other, name)):
      p, j = outcome(_promotion, pnp, a, b), outcome(_promotion, jnp, a, b)
      assert p[0] == j[0], f"{a}, {b}: pyjax {p}, oracle {j}"
      if j[0] == "ok":
        assert p[1] == j[1], f"{a}, {b}: pyjax {p[1]}, oracle {j[1]}"
      else:
        assert isinstance(p[1], ValueError) and isinstance(p[1], TypeError), p
        assert str(p[1]) == str(j[1])


def test_small_floats_do_not_promote_with_each_other():
  for a, b in itertools.combinations(SMALL_FLOATS, 2):
    with pytest.raises(TypeError, match="8-bit floats|6-bit floats|4-bit floats"):
      pnp.promote_types(getattr(pnp, a), getattr(pnp, b))


def test_numpy_names():
  assert pnp.bool is pnp.bool_
  assert pnp.bool == np.bool_ and np.dtype(pnp.bool) == np.dtype(bool)
  _check(lambda m: m.bool(1))
  _check(lambda m: m.bool_([0, 2]))
  assert pnp.object_ is jnp.object_ is np.object_
  assert pnp.ComplexWarning is jnp.ComplexWarning
  assert issubclass(pnp.ComplexWarning, RuntimeWarning)
