"""`lax.DotAlgorithm` and `lax.DotAlgorithmPreset` as the `precision=` of the dot functions,
against the oracle (jax 0.10.2): the classes (members, fields, repr, the preset's type tables),
how `precision=` takes them (also by name), the staged programs that carry them (also through
grad, jvp and vmap), the CPU's values for the presets it runs (operands converted to the
preset's types, the sum kept in its accumulation type) and its ValueError for the others."""
from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

jax = pytest.importorskip("jax")

import pyjax  # noqa: E402

from oracle_util import (AUTO, BF16, assert_same_outcome, config_in_both, outcome,  # noqa: E402
                         x64)

LIBRARIES = {"pyjax": pyjax, "jax": jax}
PRESET_NAMES = list(jax.lax.DotAlgorithmPreset.__members__)
CPU_PRESETS = ["DEFAULT", "F16_F16_F16", "BF16_BF16_F32", "BF16_BF16_F32_X3", "BF16_BF16_F32_X6",
               "F32_F32_F32", "F64_F64_F64"]
NON_CPU_PRESETS = [n for n in PRESET_NAMES if n not in CPU_PRESETS]


def _operands(dtype, lhs_shape=(4, 8), rhs_shape=(8, 3), seed=0):
  """Operands whose products show a conversion to bfloat16 or float16 (values that those types
  round), of shapes the CPU computes with its matrix kernel; the same for the same arguments."""
  dtype = np.dtype(dtype)
  rng = np.random.default_rng([seed, *lhs_shape, *rhs_shape, dtype.num])
  if dtype == np.bool_:
    return (rng.integers(0, 2, lhs_shape).astype(bool), rng.integers(0, 2, rhs_shape).astype(bool))
  if dtype.kind in "iu":
    return (rng.integers(-300, 300, lhs_shape).astype(dtype),
            rng.integers(-300, 300, rhs_shape).astype(dtype))
  x, y = rng.standard_normal(lhs_shape) * 3, rng.standard_normal(rhs_shape) * 3
  if dtype.kind == "c":
    x = x + 1j * rng.standard_normal(lhs_shape)
    y = y + 1j * rng.standard_normal(rhs_shape)
  return x.astype(dtype), y.astype(dtype)


# --- the classes --------------------------------------------------------------------------------

def test_preset_members_values_repr_and_str():
  P, J = pyjax.lax.DotAlgorithmPreset, jax.lax.DotAlgorithmPreset
  assert list(P.__members__) == list(J.__members__)
  for p, j in zip(P, J):
    assert (p.name, p.value, repr(p), str(p)) == (j.name, j.value, repr(j), str(j))
    assert P[p.name] is p


def _types(value):
  return None if value is None else tuple(np.dtype(t) for t in value)


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_preset_type_tables_match_the_oracle(name):
  p, j = pyjax.lax.DotAlgorithmPreset[name], jax.lax.DotAlgorithmPreset[name]
  assert _types(p.supported_lhs_types) == _types(j.supported_lhs_types)
  assert _types(p.supported_rhs_types) == _types(j.supported_rhs_types)
  as_dtype = lambda t: None if t is None else np.dtype(t)  # noqa: E731
  assert as_dtype(p.accumulation_type) == as_dtype(j.accumulation_type)
  for lhs, rhs in [(np.float16,) * 2, (BF16,) * 2, (np.float32,) * 2, (np.float16, np.float32)]:
    assert (_types(p.supported_output_types(lhs, rhs))
            == _types(j.supported_output_types(lhs, rhs))), (lhs, rhs)


def test_dot_algorithm_fields_defaults_repr_and_equality():
  for L in LIBRARIES.values():
    a = L.lax.DotAlgorithm(np.float16, np.float16, np.float32)
    assert a._fields == ("lhs_precision_type", "rhs_precision_type", "accumulation_type",
                         "lhs_component_count", "rhs_component_count", "num_primitive_operations",
                         "allow_imprecise_accumulation")
    assert tuple(a)[3:] == (1, 1, 1, False)
    assert a == L.lax.DotAlgorithm(np.float16, np.float16, np.float32, 1, 1, 1, False)
    assert hash(a) == hash(L.lax.DotAlgorithm(np.float16, np.float16, np.float32))
  a = pyjax.lax.DotAlgorithm(ml_dtypes.bfloat16, np.float32, np.float32, 2, 1, 3, True)
  b = jax.lax.DotAlgorithm(ml_dtypes.bfloat16, np.float32, np.float32, 2, 1, 3, True)
  assert repr(a) == repr(b) and str(a) == str(b)


# --- precision= ---------------------------------------------------------------------------------

A32, B32 = _operands(np.float32)


@pytest.mark.parametrize("precision", ["DEFAULT", "F32_F32_F32", "BF16_BF16_F32", "default",
                                       "highest"])
def test_names_are_taken_as_the_oracle_takes_them(precision):
  # "DEFAULT" names the preset, "default" the Precision.
  p = pyjax.make_jaxpr(lambda x, y: pyjax.lax.dot(x, y, precision=precision))(A32, B32)
  j = jax.make_jaxpr(lambda x, y: jax.lax.dot(x, y, precision=precision))(A32, B32)
  assert str(p) == str(j)


BAD = {"lower_case_preset": "f32_f32_f32", "pair_of_presets": ("F32_F32_F32", "F32_F32_F32"),
       "preset_in_pair": ("F32_F32_F32", "highest"), "pair_of_members": "members",
       "int": 7}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_precisions_raise_as_in_the_oracle(name):
  results = {}
  for key, L in LIBRARIES.items():
    bad = BAD[name]
    if bad == "members":
      bad = (L.lax.DotAlgorithmPreset.F32_F32_F32,) * 2
    results[key] = outcome(L.lax.dot, A32, B32, precision=bad)
  assert results["pyjax"][0] == results["jax"][0] == "raise"
  assert type(results["pyjax"][1]) is type(results["jax"][1])
  if type(results["jax"][1]) is ValueError:
    assert str(results["pyjax"][1]) == str(results["jax"][1])


def test_error_names_the_preset_inside_a_pair():
  kind, error = outcome(pyjax.lax.dot, A32, B32, precision=("F32_F32_F32", "highest"))
  assert kind == "raise" and "'F32_F32_F32'" in str(error) and "alone" in str(error)


# --- values on the CPU --------------------------------------------------------------------------

def _run_both(fn, *args, jit=True):
  j = outcome(jax.jit(lambda *a: fn(jax, *a)) if jit else (lambda *a: fn(jax, *a)), *args)
  p = outcome(lambda *a: fn(pyjax, *a), *args)
  return p, j


def _dot(precision, preferred=None):
  def fn(L, x, y):
    P = L.lax.DotAlgorithmPreset
    return L.lax.dot(x, y, precision=P[precision] if precision in P.__members__ else precision,
                     preferred_element_type=preferred)
  return fn


_NAMES = {None: "none", np.float16: "f16", BF16: "bf16", np.float32: "f32", np.int32: "i32",
          np.complex64: "c64", np.bool_: "bool"}
# DEFAULT computes as precision=None does; for these XLA's CPU rounds through bfloat16 (the sum
# of bfloat16 operands, or the operands), which pyjax's dot does not do (with None either).
_DEFAULT_ROUNDED_THROUGH_BF16 = [(BF16, np.float16), (np.int32, BF16), (np.float16, BF16)]
VALUE_CASES = [
    pytest.param(preset, dtype, preferred, id=f"{preset}-{_NAMES[dtype]}-{_NAMES[preferred]}")
    for preset in CPU_PRESETS
    for dtype in (np.float16, BF16, np.float32, np.int32, np.complex64, np.bool_)
    for preferred in ((None,) if dtype == np.complex64 else (None, np.float32, np.float16, BF16))
    if not (preset == "DEFAULT" and (dtype, preferred) in _DEFAULT_ROUNDED_THROUGH_BF16)]


@pytest.mark.parametrize("preset,dtype,preferred", VALUE_CASES)
def test_cpu_presets_compute_as_the_oracle(preset, dtype, preferred):
  x, y = _operands(dtype)
  p, j = _run_both(_dot(preset, preferred), x, y)
  assert_same_outcome(p, j, AUTO, f"{preset} {np.dtype(dtype).name} -> {preferred}: ")


def test_bfloat16_preset_rounds_float16_operands_and_keeps_float32_ones():
  x16, y16 = _operands(np.float16)
  rounded = (x16.astype(BF16).astype(np.float32) @ y16.astype(BF16).astype(np.float32))
  out = pyjax.lax.dot(x16, y16, precision="BF16_BF16_F32", preferred_element_type=np.float32)
  np.testing.assert_allclose(np.asarray(out), rounded, rtol=1e-6, atol=1e-6)
  x, y = _operands(np.float32)
  np.testing.assert_allclose(np.asarray(pyjax.lax.dot(x, y, precision="BF16_BF16_F32")), x @ y,
                             rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.int32], ids=["f16", "f32", "i32"])
def test_mixed_operand_types(dtype):
  x, _ = _operands(dtype)
  _, y = _operands(np.float32)
  for preset in ("BF16_BF16_F32", "F16_F16_F16", "F32_F32_F32"):
    p, j = _run_both(_dot(preset), x, y)
    assert_same_outcome(p, j, AUTO, f"{preset}: ")


def test_float64_preset_sums_float32_operands_in_float64():
  x, y = _operands(np.float32, (3, 64), (64, 5))
  p, j = _run_both(_dot("F64_F64_F64"), x, y)
  assert_same_outcome(p, j, None)  # exact: float64 sums rounded once to float32


@pytest.mark.parametrize("preset", ["F32_F32_F32", "BF16_BF16_F32", "F16_F16_F16", "F64_F64_F64"])
def test_presets_in_x64_mode(preset):
  with x64():
    for dtype in (np.float64, np.int64, np.float32):
      x, y = _operands(dtype)
      p, j = _run_both(_dot(preset), x, y)
      # The sum is kept in the preset's type, whatever the operands' (float64 here).
      tol = (1e-12, 1e-12) if preset == "F64_F64_F64" else (1e-5, 1e-4)
      assert_same_outcome(p, j, tol, f"{preset} {np.dtype(dtype).name}: ")


@pytest.mark.parametrize("preset", NON_CPU_PRESETS + ["algorithm"])
def test_presets_the_cpu_does_not_run_raise_value_error(preset):
  precision = (pyjax.lax.DotAlgorithm(np.float32, np.float32, np.float32) if preset == "algorithm"
               else preset)
  jax_precision = (jax.lax.DotAlgorithm(np.float32, np.float32, np.float32)
                   if preset == "algorithm" else preset)
  j = outcome(jax.lax.dot, A32, B32, precision=jax_precision)
  assert j[0] == "raise" and type(j[1]) is ValueError
  for run in (pyjax.lax.dot, pyjax.jit(pyjax.lax.dot, static_argnames="precision")):
    kind, error = outcome(run, A32, B32, precision=precision)
    assert kind == "raise" and type(error) is ValueError
    assert str(error).startswith(str(j[1]))  # pyjax adds which presets the CPU runs
    assert "F32_F32_F32" in str(error).split("CPU", 1)[1]
  # Tracing is not compiling: the program stages in both.
  p = pyjax.make_jaxpr(lambda x, y: pyjax.lax.dot(x, y, precision=precision))(A32, B32)
  j = jax.make_jaxpr(lambda x, y: jax.lax.dot(x, y, precision=jax_precision))(A32, B32)
  assert str(p) == str(j)


def test_preferred_element_type_narrower_integer_needs_an_algorithm():
  x, y = _operands(np.int32)
  for precision in (None, "F32_F32_F32", "F16_F16_F16"):
    p, j = _run_both(_dot(precision, np.int8), x, y, jit=False)
    assert_same_outcome(p, j, None, f"{precision}: ")
  staged = _dot("ANY_F8_ANY_F8_F32", np.int8)
  p = pyjax.make_jaxpr(lambda a, b: staged(pyjax, a, b))(x, y)
  j = jax.make_jaxpr(lambda a, b: staged(jax, a, b))(x, y)
  assert str(p) == str(j)


# --- other functions that take precision= -------------------------------------------------------

X16, Y16 = _operands(np.float16, (3, 8), (8, 5))
X16B, _ = _operands(np.float16, (3, 8), (8, 5), seed=1)
RNG = np.random.default_rng(11)
K16 = RNG.standard_normal((3, 2, 3, 3)).astype(np.float16)
IMG16 = RNG.standard_normal((1, 2, 6, 6)).astype(np.float16)
GROUPS = np.array([2, 4], np.int32)
LHS_R, RHS_R = _operands(np.float16, (6, 8), (2, 8, 3))

FUNCTIONS = {
    "dot_general": (lambda L, p: L.lax.dot_general(X16, Y16, (((1,), (0,)), ((), ())),
                                                    precision=p)),
    "dot_general_batched": (lambda L, p: L.lax.dot_general(
        np.stack([X16, X16]), np.stack([Y16, Y16]), (((2,), (1,)), ((0,), (0,))), precision=p)),
    "batch_matmul": lambda L, p: L.lax.batch_matmul(np.stack([X16] * 2), np.stack([Y16] * 2),
                                                    precision=p),
    "ragged_dot": lambda L, p: L.lax.ragged_dot(LHS_R, RHS_R, GROUPS, precision=p),
    "conv_general_dilated": lambda L, p: L.lax.conv_general_dilated(IMG16, K16, (1, 1), "SAME",
                                                                    precision=p),
    "conv": lambda L, p: L.lax.conv(IMG16, K16, (1, 1), "VALID", precision=p),
    "conv_with_general_padding": lambda L, p: L.lax.conv_with_general_padding(
        IMG16, K16, (1, 1), ((1, 1), (0, 0)), None, None, precision=p),
    "conv_transpose": lambda L, p: L.lax.conv_transpose(
        IMG16, K16.transpose(2, 3, 1, 0), (1, 1), "SAME", precision=p,
        dimension_numbers=("NCHW", "HWIO", "NCHW")),
    "jnp.dot": lambda L, p: L.numpy.dot(X16, Y16, precision=p),
    "jnp.matmul": lambda L, p: L.numpy.matmul(X16, Y16, precision=p),
    "jnp.einsum": lambda L, p: L.numpy.einsum("ij,jk->ik", X16, Y16, precision=p),
    "jnp.tensordot": lambda L, p: L.numpy.tensordot(X16, Y16, 1, precision=p),
    "jnp.inner": lambda L, p: L.numpy.inner(X16, Y16.T, precision=p),
    "jnp.vecdot": lambda L, p: L.numpy.vecdot(X16, X16B, precision=p),
    "jnp.linalg.multi_dot": lambda L, p: L.numpy.linalg.multi_dot([X16, Y16], precision=p),
    "jnp.linalg.matmul": lambda L, p: L.numpy.linalg.matmul(X16, Y16, precision=p),
    "jnp.linalg.vecdot": lambda L, p: L.numpy.linalg.vecdot(X16, X16B, precision=p),
    "jnp.convolve": lambda L, p: L.numpy.convolve(X16[0], Y16[0], precision=p),
}


def _preset_or_name(L, precision):
  if precision == "algorithm":
    return L.lax.DotAlgorithm(np.float32, np.float32, np.float32)
  return L.lax.DotAlgorithmPreset[precision] if precision.isupper() else precision


@pytest.mark.parametrize("precision", ["BF16_BF16_F32", "F32_F32_F32", "TF32_TF32_F32",
                                       "algorithm"])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_functions_taking_precision_match_the_oracle(name, precision):
  fn = FUNCTIONS[name]
  p, j = _run_both(lambda L: fn(L, _preset_or_name(L, precision)), jit=False)
  assert_same_outcome(p, j, AUTO, f"{name} {precision}: ")
  # jnp.convolve stages its operands in another order than JAX's (with any precision).
  if precision in ("BF16_BF16_F32", "F32_F32_F32") and name != "jnp.convolve":
    pj = pyjax.make_jaxpr(lambda: fn(pyjax, _preset_or_name(pyjax, precision)))()
    jj = jax.make_jaxpr(lambda: fn(jax, _preset_or_name(jax, precision)))()
    assert str(pj) == str(jj)


def test_conv_general_dilated_local_rejects_algorithms_as_the_oracle():
  rhs = RNG.standard_normal((18, 3, 3, 3)).astype(np.float16)
  for precision in ("F32_F32_F32", "BF16_BF16_F32"):
    p, j = _run_both(lambda L: L.lax.conv_general_dilated_local(
        IMG16, rhs, (1, 1), ((0, 0), (0, 0)), (3, 3), None, None, ("NCHW", "OIHW", "NCHW"),
        precision=_preset_or_name(L, precision)), jit=False)
    assert_same_outcome(p, j)


# --- transformations ----------------------------------------------------------------------------

def _loss(L, x, y, precision="BF16_BF16_F32"):
  return L.lax.dot_general(x, y, (((1,), (0,)), ((), ())),
                           precision=_preset_or_name(L, precision)).sum()


TRANSFORMS = {
    "grad": lambda L, x, y: L.grad(lambda a, b: _loss(L, a, b), (0, 1))(x, y),
    "grad_f16": lambda L, x, y: L.grad(lambda a, b: _loss(L, a, b, "F16_F16_F16"))(x, y),
    "jvp": lambda L, x, y: L.jvp(lambda a: _loss(L, a, y, "F32_F32_F32"), (x,), (x,)),
    "vmap": lambda L, x, y: L.vmap(lambda a: L.lax.dot(a, y, precision="BF16_BF16_F32"))(x),
    "vmap_both": lambda L, x, y: L.vmap(lambda a, b: L.lax.dot(
        a, b, precision=L.lax.DotAlgorithmPreset.BF16_BF16_F32_X3), (0, 1))(x, x.T),
    "jit_grad": lambda L, x, y: L.jit(L.grad(lambda a: _loss(L, a, y, "F64_F64_F64")))(x),
    "preferred_grad": lambda L, x, y: L.grad(lambda a: L.lax.dot(
        a, y, precision="BF16_BF16_F32", preferred_element_type=np.float32).sum())(x),
    "algorithm_grad": lambda L, x, y: L.grad(lambda a: _loss(L, a, y, "algorithm"))(x),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_transformations_carry_the_algorithm(name):
  fn = TRANSFORMS[name]
  x, y = _operands(np.float16 if name in ("grad_f16", "preferred_grad") else np.float32)
  p = pyjax.make_jaxpr(lambda a, b: fn(pyjax, a, b))(x, y)
  j = jax.make_jaxpr(lambda a, b: fn(jax, a, b))(x, y)
  assert str(p) == str(j)
  p_out, j_out = _run_both(fn, x, y)
  assert_same_outcome(p_out, j_out, AUTO, f"{name}: ")


@pytest.mark.parametrize("flag", ["F32_F32_F32", "BF16_BF16_F32"])
def test_default_matmul_precision_flag_names_a_preset(flag):
  with config_in_both("jax_default_matmul_precision", flag):
    for fn in (lambda L, x, y: L.lax.dot(x, y), lambda L, x, y: L.numpy.matmul(x, y)):
      p = pyjax.make_jaxpr(lambda x, y: fn(pyjax, x, y))(A32, B32)
      j = jax.make_jaxpr(lambda x, y: fn(jax, x, y))(A32, B32)
      assert str(p) == str(j)


@pytest.mark.parametrize("dtype,preferred", _DEFAULT_ROUNDED_THROUGH_BF16,
                         ids=[f"{_NAMES[d]}-{_NAMES[p]}" for d, p in _DEFAULT_ROUNDED_THROUGH_BF16])
def test_default_preset_sums_in_float32_and_rounds_once(dtype, preferred):
  # Deliberate: where XLA's CPU rounds these through bfloat16 (left out of the oracle cases
  # above), pyjax's DEFAULT preset sums in float32 and rounds once to the result type, as its
  # precision=None products do.
  x, y = _operands(dtype)
  default = pyjax.lax.dot(x, y, precision="DEFAULT", preferred_element_type=preferred)
  summed = pyjax.lax.dot(x, y, preferred_element_type=np.float32)
  assert default.dtype == np.dtype(preferred)
  np.testing.assert_array_equal(np.asarray(default), np.asarray(summed).astype(preferred))
