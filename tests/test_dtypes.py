"""pyjax._src.dtypes against the oracle (jax 0.10.2): promotion, canonicalization, limits, names."""
import ast
import contextlib
import itertools
import re
import warnings

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402
from jax._src import core as jax_core  # noqa: E402
from jax._src import dtypes as jax_dtypes  # noqa: E402
from jax._src.lax import lax as jax_lax_internal  # noqa: E402

from hypothesis import given, settings, strategies as st  # noqa: E402

from pyjax._src import dtypes  # noqa: E402
from pyjax._src.config import config  # noqa: E402


# ---------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def mode(x64: bool, promotion: str = "standard"):
  """Sets x64 and the promotion mode in both the oracle and pyjax; restores both afterwards."""
  old_x64, old_promo = jax.config.jax_enable_x64, jax.config.jax_numpy_dtype_promotion
  jax.config.update("jax_enable_x64", x64)
  jax.config.update("jax_numpy_dtype_promotion", promotion)
  try:
    with config.override("jax_enable_x64", x64), \
         config.override("jax_numpy_dtype_promotion", promotion):
      yield
  finally:
    jax.config.update("jax_enable_x64", old_x64)
    jax.config.update("jax_numpy_dtype_promotion", old_promo)


def outcome(fn, *args, **kwargs):
  """('ok', value, warning texts) or ('raise', exception class name, message)."""
  with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
      value = fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001
      return ("raise", type(e).__name__, str(e))
  return ("ok", value, sorted({str(w.message) for w in caught}))


def _normalize_message(msg: str) -> str:
  # The oracle lists the input types in set-iteration order; compare them as a sorted tuple.
  m = re.match(r"Input dtypes (\(.*?\)) have", msg)
  if m:
    names = tuple(sorted(ast.literal_eval(m.group(1))))
    msg = msg.replace(m.group(1), repr(names), 1)
  return msg


def same_outcome(ours, theirs):
  if ours[0] == "raise" and theirs[0] == "raise":
    assert ours[1] == theirs[1]
    assert _normalize_message(ours[2]) == _normalize_message(theirs[2])
  else:
    assert ours == theirs


class FakeArray:
  """Stands in for a pyjax array: has .dtype and .weak_type."""

  def __init__(self, dtype, weak_type=False):
    self.dtype = np.dtype(dtype)
    self.weak_type = weak_type

  def __repr__(self):
    return f"FakeArray({self.dtype}, weak={self.weak_type})"


def oracle_array(name, weak):
  """A jax array of dtype `name` (built under x64 so it keeps 64-bit dtypes when x64 is off)."""
  old = jax.config.jax_enable_x64
  jax.config.update("jax_enable_x64", True)
  try:
    x = jnp.zeros((), name)
    return jax_lax_internal._convert_element_type(x, np.dtype(name), weak_type=weak)
  finally:
    jax.config.update("jax_enable_x64", old)


TABLE_NAMES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
               "bfloat16", "float16", "float32", "float64", "complex64", "complex128",
               "i*", "f*", "c*"]
WEAK = {"i*": int, "f*": float, "c*": complex}
SMALL_NAMES = ["int4", "uint4", "int2", "uint2", "int1", "uint1", "float8_e4m3fn", "float8_e5m2",
               "float8_e4m3b11fnuz", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e3m4",
               "float8_e4m3", "float8_e8m0fnu", "float6_e2m3fn", "float6_e3m2fn", "float4_e2m1fn"]
FLOAT_NAMES = ["bfloat16", "float16", "float32", "float64", "float8_e4m3fn", "float8_e5m2",
               "float8_e4m3b11fnuz", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e3m4",
               "float8_e4m3", "float8_e8m0fnu", "float6_e2m3fn", "float6_e3m2fn", "float4_e2m1fn"]
INT_NAMES = ["int1", "int2", "int4", "int8", "int16", "int32", "int64",
             "uint1", "uint2", "uint4", "uint8", "uint16", "uint32", "uint64"]
ALL_NAMES = ["bool", *INT_NAMES, *FLOAT_NAMES, "complex64", "complex128"]


def as_type_arg(name):
  return WEAK[name] if name in WEAK else np.dtype(name)


# ---------------------------------------------------------------------------------------------------
# The promotion table (jax_semantics.md §6.3), both modes
# ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("x64", [False, True], ids=["x32", "x64"])
@pytest.mark.parametrize("a", TABLE_NAMES)
def test_promotion_table_row(x64, a):
  with mode(x64):
    for b in TABLE_NAMES:
      args = (as_type_arg(a), as_type_arg(b))
      ours = outcome(dtypes.result_type, *args, return_weak_type_flag=True)
      theirs = outcome(jax.dtypes.result_type, *args, return_weak_type_flag=True)
      assert ours == theirs, (a, b)
      assert outcome(dtypes.result_type, *args) == outcome(jax.dtypes.result_type, *args), (a, b)


@pytest.mark.parametrize("x64", [False, True], ids=["x32", "x64"])
@pytest.mark.parametrize("a", TABLE_NAMES)
def test_promotion_table_row_of_arrays(x64, a):
  """The same table with strong/weak arrays (64-bit arrays stay 64-bit under x32) and lattice_result_type."""
  with mode(x64):
    for b in TABLE_NAMES:
      for weak_a, weak_b in itertools.product([False, True], repeat=2):
        if (weak_a and a in WEAK) or (weak_b and b in WEAK):
          continue
        def mk(n, weak, oracle):
          if n in WEAK:
            return WEAK[n]
          return oracle_array(n, weak) if oracle else FakeArray(n, weak)
        ours = outcome(dtypes.lattice_result_type, mk(a, weak_a, False), mk(b, weak_b, False))
        theirs = outcome(jax_dtypes.lattice_result_type, mk(a, weak_a, True), mk(b, weak_b, True))
        assert ours == theirs, (a, weak_a, b, weak_b)


@pytest.mark.parametrize("x64", [False, True], ids=["x32", "x64"])
def test_table_spot_checks(x64):
  """A few entries of jax_semantics.md §6.3, through the oracle (sanity check of the harness)."""
  with mode(x64):
    assert dtypes.result_type(np.int8, int) == jax.dtypes.result_type(np.int8, int) == np.int8
    assert dtypes.result_type(np.float16, dtypes.bfloat16) == np.float32
    expected_u32_i32 = np.int64 if x64 else np.int32
    assert dtypes.result_type(np.uint32, np.int32) == expected_u32_i32
    assert dtypes.result_type(True, True) == np.bool_


# ---------------------------------------------------------------------------------------------------
# Multi-argument promotion (hypothesis), strict mode, errors
# ---------------------------------------------------------------------------------------------------

ARG_KINDS = st.sampled_from(["dtype", "weak_array", "strong_array", "pytype", "pyvalue", "npvalue"])
PY_VALUES = {"bool": True, "i*": 3, "f*": 2.5, "c*": 1j}


@st.composite
def promotion_args(draw):
  n = draw(st.integers(1, 4))
  specs = []
  for _ in range(n):
    kind = draw(ARG_KINDS)
    if kind in ("pytype",):
      specs.append((kind, draw(st.sampled_from(["i*", "f*", "c*"]))))
    elif kind == "pyvalue":
      specs.append((kind, draw(st.sampled_from(list(PY_VALUES)))))
    else:
      specs.append((kind, draw(st.sampled_from(TABLE_NAMES[:15] + ["int4", "float8_e4m3fn"]))))
  return specs


def realize(spec, oracle):
  kind, name = spec
  if kind == "dtype":
    return np.dtype(name)
  if kind == "pytype":
    return WEAK[name]
  if kind == "pyvalue":
    return PY_VALUES[name]
  if kind == "npvalue":
    return np.zeros((), name)[()]
  weak = kind == "weak_array"
  return oracle_array(name, weak) if oracle else FakeArray(name, weak)


@pytest.mark.parametrize("promotion", ["standard", "strict"])
@pytest.mark.parametrize("x64", [False, True], ids=["x32", "x64"])
@settings(max_examples=150, deadline=None, derandomize=True)
@given(specs=promotion_args())
def test_lattice_result_type_many_args(x64, promotion, specs):
  with mode(x64, promotion):
    ours = outcome(dtypes.lattice_result_type, *(realize(s, False) for s in specs))
    theirs = outcome(jax_dtypes.lattice_result_type, *(realize(s, True) for s in specs))
    same_outcome(ours, theirs)
    if ("weak_array", "int4") in specs:
      return  # jax's result_type crashes (KeyError 'V') on a weak int4 result
    ours = outcome(dtypes.result_type, *(realize(s, False) for s in specs),
                   return_weak_type_flag=True)
    theirs = outcome(jax.dtypes.result_type, *(realize(s, True) for s in specs),
                     return_weak_type_flag=True)
    same_outcome(ours, theirs)


@pytest.mark.parametrize("promotion", ["standard", "strict"])
def test_weak_bool_arrays_are_never_weak(promotion):
  cases = [[("weak_array", "bool")], [("weak_array", "bool")] * 2,
           [("weak_array", "bool"), ("pyvalue", "bool")], [("weak_array", "bool"), ("pytype", "i*")],
           [("weak_array", "bool"), ("weak_array", "int8")]]
  with mode(False, promotion):
    for specs in cases:
      ours = outcome(dtypes.lattice_result_type, *(realize(s, False) for s in specs))
      theirs = outcome(jax_dtypes.lattice_result_type, *(realize(s, True) for s in specs))
      same_outcome(ours, theirs)
    assert dtypes.lattice_result_type(FakeArray("bool", True)) == (np.dtype(bool), False)


@pytest.mark.parametrize("x64", [False, True], ids=["x32", "x64"])
def test_strict_mode_table(x64):
  with mode(x64, "strict"):
    for a, b in itertools.product(TABLE_NAMES, repeat=2):
      args = (as_type_arg(a), as_type_arg(b))
      ours = outcome(dtypes.result_type, *args, return_weak_type_flag=True)
      theirs = outcome(jax.dtypes.result_type, *args, return_weak_type_flag=True)
      same_outcome(ours, theirs)
    # Strong mixing is an error in strict mode; weak-to-strong is allowed.
    with pytest.raises(dtypes.TypePromotionError, match="jax_numpy_dtype_promotion=strict"):
      dtypes.result_type(np.int8, np.int16)
    assert dtypes.result_type(np.int8, 1) == np.int8


@pytest.mark.parametrize("x64", [False, True], ids=["x32", "x64"])
@pytest.mark.parametrize("small", SMALL_NAMES)
def test_small_types_promotion_errors(x64, small):
  with mode(x64):
    for other in ["bool", "int8", "uint8", "int32", "float16", "bfloat16", "float32", "complex64",
                  "i*", "f*", "c*", *SMALL_NAMES]:
      args = (np.dtype(small), as_type_arg(other))
      ours = outcome(dtypes.result_type, *args, return_weak_type_flag=True)
      theirs = outcome(jax.dtypes.result_type, *args, return_weak_type_flag=True)
      same_outcome(ours, theirs)
      ours = outcome(dtypes.promote_types, *args)
      theirs = outcome(jnp.promote_types, *args)
      same_outcome(ours, theirs)


def test_type_promotion_error_class_and_exact_message():
  assert issubclass(dtypes.TypePromotionError, TypeError)
  assert issubclass(dtypes.TypePromotionError, ValueError)  # as in JAX
  with mode(False):
    for a, b in [("int4", "int8"), ("float8_e4m3fn", "float16"), ("float4_e2m1fn", "float32"),
                 ("float6_e2m3fn", "bfloat16"), ("uint2", "int2"), ("int4", "float8_e5m2")]:
      with pytest.raises(dtypes.TypePromotionError) as ours:
        dtypes.promote_types(a, b)
      with pytest.raises(jax.dtypes.TypePromotionError) as theirs:
        jnp.promote_types(a, b)
      assert _normalize_message(str(ours.value)) == _normalize_message(str(theirs.value))
      assert "do not support implicit promotion" in str(ours.value)


# ---------------------------------------------------------------------------------------------------
# promote_types, canonicalize_dtype, dtype(), defaults, weak types
# ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("x64", [False, True], ids=["x32", "x64"])
def test_promote_types(x64):
  args = [np.dtype(n) for n in TABLE_NAMES[:15]] + [int, float, complex, bool, "int32", np.uint8,
                                                    dtypes.bfloat16]
  with mode(x64):
    for a, b in itertools.product(args, repeat=2):
      same_outcome(outcome(dtypes.promote_types, a, b), outcome(jnp.promote_types, a, b))


@pytest.mark.parametrize("x64", [False, True], ids=["x32", "x64"])
def test_canonicalize_dtype(x64):
  inputs = [*ALL_NAMES, int, float, complex, bool, np.int64, np.float64, "float64", "i8", "c16",
            np.dtype("uint64"), np.complex128, dtypes.float0, np.float32]
  with mode(x64):
    for x in inputs:
      assert dtypes.canonicalize_dtype(x) == jax.dtypes.canonicalize_dtype(x), x
      assert isinstance(dtypes.canonicalize_dtype(x), np.dtype)
    same_outcome(outcome(dtypes.canonicalize_dtype, "not-a-dtype"),
                 outcome(jax.dtypes.canonicalize_dtype, "not-a-dtype"))


@pytest.mark.parametrize("x64", [False, True], ids=["x32", "x64"])
def test_defaults_and_python_scalars(x64):
  with mode(x64):
    assert dtypes.default_int_dtype() == jax_dtypes.default_int_dtype()
    assert dtypes.default_uint_dtype() == jax_dtypes.default_uint_dtype()
    assert dtypes.default_float_dtype() == jax_dtypes.default_float_dtype()
    assert dtypes.default_complex_dtype() == jax_dtypes.default_complex_dtype()
    for v in [True, 0, -3, 2.5, 1j]:
      assert dtypes.python_scalar_dtype(v) == jnp.asarray(v).dtype, v
      assert dtypes.is_weakly_typed(v) == jax_dtypes.is_weakly_typed(v), v
      assert dtypes.is_weakly_typed(v) == jnp.asarray(v).weak_type, v
      assert dtypes.dtype(v) == jax_dtypes.dtype(v)
      arr = dtypes.coerce_python_scalar(v)
      assert arr.shape == () and arr.dtype == jnp.asarray(v).dtype and arr == v
    for t in [bool, int, float, complex]:
      assert dtypes.dtype(t) == jax_dtypes.dtype(t)
  for x in [np.zeros(3), np.float32(1), np.int8(2), jnp.zeros(2), "float32"]:
    assert dtypes.is_weakly_typed(x) == jax_dtypes.is_weakly_typed(x)
  assert dtypes.is_weakly_typed(FakeArray("int32", True))
  assert not dtypes.is_weakly_typed(FakeArray("int32", False))
  assert not dtypes.is_weakly_typed(True)


@pytest.mark.parametrize("x64", [False, True], ids=["x32", "x64"])
def test_dtype_of_values(x64):
  inputs = [np.zeros(3), np.zeros(3, np.int64), np.float16(1), np.uint64(3), np.dtype("int8"),
            "bfloat16", "float64", np.float64, np.complex128, dtypes.bfloat16, np.zeros(2, "int4"),
            [1, 2], 3, 2.0, 1j, True, np.bool_(True), np.zeros(2, dtypes.float8_e5m2)]
  with mode(x64):
    for x in inputs:
      same_outcome(outcome(dtypes.dtype, x, canonicalize=True), outcome(jax_dtypes.dtype, x))
    for bad in [np.array(["a"]), np.zeros(2, object), "U5", np.dtype("datetime64[s]")]:
      same_outcome(outcome(dtypes.dtype, bad, canonicalize=True), outcome(jax_dtypes.dtype, bad))
    # Arrays keep their dtype even when it is not canonical.
    assert dtypes.dtype(FakeArray("float64")) == np.float64
    assert dtypes.dtype(FakeArray("float64"), canonicalize=True) == np.float64
    assert jax_dtypes.dtype(oracle_array("float64", False)) == np.float64
    # Without canonicalize, NumPy inputs keep their dtype.
    assert dtypes.dtype(np.zeros(3)) == np.float64
    assert dtypes.dtype(np.float64) == np.float64
  with pytest.raises(ValueError):
    dtypes.dtype(None)


# ---------------------------------------------------------------------------------------------------
# User dtypes: truncation warning, invalid dtypes; Python int overflow
# ---------------------------------------------------------------------------------------------------

def _warnings_of(fn):
  with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    result = fn()
  return result, [(x.category, str(x.message)) for x in w]


@pytest.mark.parametrize("name", ["float64", "int64", "uint64", "complex128"])
def test_truncation_warning_text(name):
  with mode(False):
    ours, our_w = _warnings_of(lambda: dtypes.check_user_dtype_supported(np.dtype(name), "zeros"))
    theirs, their_w = _warnings_of(lambda: jnp.zeros(3, dtype=np.dtype(name)))
    assert ours == theirs.dtype
    assert our_w == their_w and len(our_w) == 1
    assert our_w[0][0] is UserWarning
    assert f"Explicitly requested dtype {name} requested in zeros is not available" in our_w[0][1]
    # dtype() canonicalizing an explicit 64-bit dtype warns as jax's does ("requested in dtype").
    ours, our_w = _warnings_of(lambda: dtypes.dtype(np.dtype(name), canonicalize=True))
    theirs, their_w = _warnings_of(lambda: jax_dtypes.dtype(np.dtype(name)))
    assert ours == theirs and our_w == their_w
  with mode(True):
    ours, our_w = _warnings_of(lambda: dtypes.check_user_dtype_supported(np.dtype(name), "zeros"))
    assert ours == np.dtype(name) and our_w == []


@pytest.mark.parametrize("x64", [False, True], ids=["x32", "x64"])
def test_check_user_dtype_supported(x64):
  with mode(x64):
    for d in [int, float, complex, bool, "float32", np.int8, dtypes.bfloat16, "int4",
              dtypes.float0]:
      ours, our_w = _warnings_of(lambda: dtypes.check_user_dtype_supported(d, "zeros"))
      theirs, their_w = _warnings_of(
          lambda: jax_dtypes.check_and_canonicalize_user_dtype(d, "zeros"))
      assert ours == theirs and our_w == their_w == [], d
    for d in ["U5", object, np.dtype("datetime64[s]"), "not-a-dtype"]:
      ours = outcome(dtypes.check_user_dtype_supported, d, "zeros")
      theirs = outcome(jnp.zeros, 3, dtype=d)
      same_outcome(ours, theirs)
      assert ours[1] == "TypeError"
    same_outcome(outcome(dtypes.check_user_dtype_supported, None),
                 outcome(jax_dtypes.check_and_canonicalize_user_dtype, None))


@pytest.mark.parametrize("x64", [False, True], ids=["x32", "x64"])
def test_python_int_overflow(x64):
  with mode(x64):
    bits = 64 if x64 else 32
    for v in [2**(bits - 1), -2**(bits - 1) - 1, 2**bits, 2**70]:
      ours = outcome(dtypes.coerce_python_scalar, v)
      theirs = outcome(jnp.asarray, v)
      assert ours == theirs and ours[1] == "OverflowError", v
      assert ours[2] == f"Python int {v} too large to convert to int{bits}"
    # In range for the default int: no error.
    assert dtypes.coerce_python_scalar(2**(bits - 1) - 1) == 2**(bits - 1) - 1


@pytest.mark.parametrize("x64", [False, True], ids=["x32", "x64"])
def test_weak_literal_coercion_matches_binary_ops(x64):
  """A weak literal meeting a strong operand: range-checked against the default int, then cast."""
  cases = [(300, "int8"), (-1, "uint8"), (2**31 - 1, "int16"), (-2**31, "uint32"), (7, "bool"),
           (2**40, "int8"), (2**40, "float32"), (2**31, "uint32"), (2**63, "uint64"),
           (1e10, "float16"), (1.00390625, "bfloat16"), (0.1, "float16"), (1e300, "float32"),
           (1 + 2j, "complex64"), (True, "int8"), (3, "float8_e4m3fn"), (-5, "uint4")]
  with mode(x64):
    for value, name in cases:
      ours = outcome(dtypes.coerce_python_scalar, value, np.dtype(name))
      if name == "bool":
        theirs = outcome(lambda: np.asarray(jax_lax_internal._convert_element_type(
            value, np.dtype(name), weak_type=False)))
      else:
        theirs = outcome(lambda: np.asarray(jnp.zeros((), name) + value))
      if theirs[0] == "ok":
        assert ours[0] == "ok", (value, name, ours)
        assert ours[1].dtype == theirs[1].dtype and ours[1].shape == (), (value, name)
        np.testing.assert_array_equal(ours[1], theirs[1], err_msg=f"{value} -> {name}")
      else:
        # jit's argument parser words it differently; the error type is what matters.
        assert ours[:2] == theirs[:2] == ("raise", "OverflowError"), (value, name)
        bits = 64 if x64 else 32
        assert ours[2] == f"Python int {value} too large to convert to int{bits}"


# ---------------------------------------------------------------------------------------------------
# issubdtype, finfo, iinfo, short names
# ---------------------------------------------------------------------------------------------------

CATEGORIES = [np.generic, np.number, np.inexact, np.floating, np.complexfloating, np.integer,
              np.signedinteger, np.unsignedinteger, np.bool_, np.void, np.float32, np.int8,
              "float32", np.dtype("int4"), dtypes.bfloat16]


def test_issubdtype():
  subjects = [*ALL_NAMES, dtypes.float0, np.float32, dtypes.bfloat16, dtypes.int4, np.dtype("int32"),
              float, int, complex, bool, np.bool_]
  for a in subjects:
    for b in [*CATEGORIES, a]:
      assert dtypes.issubdtype(a, b) == jnp.issubdtype(a, b), (a, b)
    assert dtypes.issubdtype(a, dtypes.extended) == jnp.issubdtype(a, jax.dtypes.extended) is False
    assert dtypes.issubdtype(a, dtypes.prng_key) is False


def test_issubdtype_extended():
  class KeyDType:
    _is_extended_dtype = True
    type = dtypes.prng_key

  key_dtype = KeyDType()
  oracle_key_dtype = jax.random.key(0).dtype
  for category_ours, category_theirs in [(dtypes.extended, jax.dtypes.extended),
                                         (dtypes.prng_key, jax.dtypes.prng_key),
                                         (np.floating, np.floating), (np.generic, np.generic),
                                         (np.integer, np.integer)]:
    assert (dtypes.issubdtype(key_dtype, category_ours)
            == jnp.issubdtype(oracle_key_dtype, category_theirs)), category_ours
  assert dtypes.issubdtype(key_dtype, key_dtype)
  assert not dtypes.issubdtype(np.float32, key_dtype)
  assert dtypes.canonicalize_dtype(key_dtype) is key_dtype


FINFO_FIELDS = ["bits", "eps", "epsneg", "max", "min", "tiny", "smallest_normal",
                "smallest_subnormal", "nmant", "nexp", "maxexp", "minexp", "machep", "negep",
                "iexp", "precision", "resolution", "dtype"]


@pytest.mark.parametrize("name", [*FLOAT_NAMES, "complex64", "complex128"])
def test_finfo(name):
  ours, theirs = dtypes.finfo(np.dtype(name)), jnp.finfo(np.dtype(name))
  for field in FINFO_FIELDS:
    if not hasattr(theirs, field):
      continue
    a, b = getattr(ours, field), getattr(theirs, field)
    if isinstance(b, (np.generic, float)):
      np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=field)
      assert np.asarray(a).dtype == np.asarray(b).dtype, field
    else:
      assert a == b, field
  assert dtypes.finfo(name).dtype == theirs.dtype
  assert dtypes.finfo(FakeArray(name)).bits == theirs.bits
  assert dtypes.finfo(float).dtype == jnp.finfo(float).dtype


@pytest.mark.parametrize("name", INT_NAMES)
def test_iinfo(name):
  ours, theirs = dtypes.iinfo(np.dtype(name)), jnp.iinfo(np.dtype(name))
  for field in ["bits", "min", "max", "dtype", "kind"]:
    assert getattr(ours, field) == getattr(theirs, field), field
  assert dtypes.iinfo(FakeArray(name)).max == theirs.max


def test_info_errors():
  same_outcome(outcome(dtypes.finfo, np.int32), outcome(jnp.finfo, np.int32))
  same_outcome(outcome(dtypes.iinfo, np.float32), outcome(jnp.iinfo, np.float32))


@pytest.mark.parametrize("name", [*ALL_NAMES, "float0"])
def test_short_dtype_name(name):
  dt = dtypes.float0 if name == "float0" else np.dtype(name)
  expected = jax_core.ShapedArray((), dt).str_short(short_dtypes=True)
  assert dtypes.short_dtype_name(dt) + "[]" == expected


def test_short_dtype_name_examples():
  assert [dtypes.short_dtype_name(np.dtype(n)) for n in
          ["float32", "bfloat16", "uint8", "complex64", "float8_e4m3fn", "bool"]] == \
      ["f32", "bf16", "u8", "c64", "f8_e4m3fn", "bool"]


def test_dtype_objects_match_jax():
  for name in [*SMALL_NAMES, "bfloat16"]:
    assert np.dtype(getattr(dtypes, name)) == np.dtype(getattr(jnp, name)), name
  assert dtypes.float0 == jax.dtypes.float0
  assert dtypes.float0.itemsize == 0
