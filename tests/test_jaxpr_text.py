"""The printed jaxpr of untransformed programs is exactly the oracle's (jax 0.10.2):
`str(pyjax.make_jaxpr(f)(*args)) == str(jax.make_jaxpr(f)(*args))`.

Each program is written once, as a function of the numpy module `np_` and the lax module `lax`, so
both libraries trace the same source. Programs that JAX stages as a nested `jit` (jnp.where, clip,
floor_divide, remainder, var/std) are not compared as text; their values are (see the end)."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402
from jax import lax as jlax  # noqa: E402

import pyjax  # noqa: E402
import pyjax.numpy as pnp  # noqa: E402
from pyjax import lax as plax  # noqa: E402
from pyjax._src import core as pyjax_core  # noqa: E402

from oracle_util import BF16, assert_same_outcome, outcome  # noqa: E402

F32_3 = np.arange(3, dtype=np.float32)
F32_23 = np.arange(6, dtype=np.float32).reshape(2, 3)
F32_34 = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
CONST = np.array([1.0, -2.0, 0.5], np.float32)
CONST_I = np.array([[1, 2, 3]], np.int32)


def _seed(np_, lax):
  def f(x):
    return np_.sum((x + 2) ** 2 - 4)
  return f


def _many_vars(np_, lax):
  def f(x):
    for _ in range(30):
      x = np_.sin(x) * 2.0
    return x
  return f


def _long_line(np_, lax):
  def f(x, y):
    return lax.dot_general(x, y, (((1,), (0,)), ((), ())), preferred_element_type=np_.float32)
  return f


PROGRAMS = {
    # The seed example of the README: sum((x + 2)**2 - 4) on a million float32s.
    "seed": (_seed, lambda np_: (np_.linspace(-10, 10, 1_000_000),)),
    # --- arithmetic, shapes, rank promotion --------------------------------------------------
    "add_mul": (lambda np_, lax: lambda x, y: x * y + x, (F32_3, F32_3)),
    "rank_promotion": (lambda np_, lax: lambda x, y: x + y, (F32_23, F32_3)),
    "rank_promotion_both": (lambda np_, lax: lambda x, y: x * y,
                            (F32_3.reshape(3, 1), F32_3)),
    "scalar_array": (lambda np_, lax: lambda x, y: x - y, (np.float32(2), F32_23)),
    "mixed_dtypes": (lambda np_, lax: lambda x, y: x + y, (F32_3, np.arange(3, dtype=np.int32))),
    "divide_ints": (lambda np_, lax: lambda x, y: x / y, (np.arange(3, dtype=np.int32),
                                                          np.arange(1, 4, dtype=np.int32))),
    "true_divide_scalar": (lambda np_, lax: lambda x: x / 3, (F32_23,)),
    "negative_abs": (lambda np_, lax: lambda x: np_.abs(-x), (F32_3,)),
    "power_int": (lambda np_, lax: lambda x: x ** 3, (F32_3,)),
    "power_float": (lambda np_, lax: lambda x: x ** 2.5, (F32_3,)),
    "power_array": (lambda np_, lax: lambda x, y: x ** y, (F32_3, F32_3)),
    "math": (lambda np_, lax: lambda x: np_.exp(np_.log(x) + np_.tanh(x)) / np_.sqrt(x),
             (F32_3 + 1,)),
    "sin_cos": (lambda np_, lax: lambda x: np_.cos(np_.sin(x)), (np.float32(1),)),
    "int_to_float": (lambda np_, lax: lambda x: np_.sin(x), (np.arange(3, dtype=np.int32),)),
    "bool_arith": (lambda np_, lax: lambda x, y: x + y, (np.array([True, False]),
                                                         np.array([True, True]))),
    "maximum_minimum": (lambda np_, lax: lambda x, y: np_.minimum(np_.maximum(x, y), 1.0),
                        (F32_3, F32_3[::-1].copy())),
    # --- literals ---------------------------------------------------------------------------
    "python_float_literal": (lambda np_, lax: lambda x: x * 2.0 + 1.5, (F32_3,)),
    "python_int_literal": (lambda np_, lax: lambda x: x + 1, (np.arange(3, dtype=np.int32),)),
    "int_literal_on_float": (lambda np_, lax: lambda x: x * 3, (F32_3,)),
    "bool_literal": (lambda np_, lax: lambda x: np_.logical_and(x, True), (np.array([True,
                                                                                     False]),)),
    "inf_literal": (lambda np_, lax: lambda x: np_.maximum(x, -np_.inf), (F32_3,)),
    "nan_literal": (lambda np_, lax: lambda x: x + np_.nan, (F32_3,)),
    "small_literal": (lambda np_, lax: lambda x: x + 1e-8, (F32_3,)),
    "float32_rounding_literal": (lambda np_, lax: lambda x: x * 0.1, (F32_3,)),
    "numpy_scalar_literal": (lambda np_, lax: lambda x: x + np.float32(2.5), (F32_3,)),
    "numpy_int_scalar_literal": (lambda np_, lax: lambda x: x * np.int32(3), (F32_3,)),
    "numpy_0d_literal": (lambda np_, lax: lambda x: x - np.array(1.5, np.float32), (F32_3,)),
    "complex_literal": (lambda np_, lax: lambda x: x * 1j, (F32_3,)),
    "weak_scalar_argument": (lambda np_, lax: lambda x, y: x + y, (2.0, F32_3)),
    "int8_plus_literal": (lambda np_, lax: lambda x: x + 1, (np.arange(3, dtype=np.int8),)),
    "uint8_plus_float": (lambda np_, lax: lambda x: x + 1.0, (np.arange(3, dtype=np.uint8),)),
    # --- constants closed over --------------------------------------------------------------
    "numpy_constant": (lambda np_, lax: lambda x: x + CONST, (F32_3,)),
    "array_constant": (lambda np_, lax: (lambda c: lambda x: x * c + c)(np_.asarray(CONST)),
                       (F32_3,)),
    "two_constants": (lambda np_, lax: lambda x: x * CONST + CONST_I, (F32_23,)),
    "constant_only": (lambda np_, lax: lambda: np_.sum(np_.asarray(CONST)), ()),
    "ones_in_trace": (lambda np_, lax: lambda x: x + np_.ones((2, 3)), (F32_23,)),
    "zeros_like": (lambda np_, lax: lambda x: np_.zeros_like(x) + x, (F32_23,)),
    "full_in_trace": (lambda np_, lax: lambda x: np_.full((3,), 7, np_.int32) * x,
                      (np.arange(3, dtype=np.int32),)),
    "arange_in_trace": (lambda np_, lax: lambda x: x + np_.arange(3), (F32_3,)),
    # --- reductions -------------------------------------------------------------------------
    "sum_axis": (lambda np_, lax: lambda x: np_.sum(x, axis=0), (F32_23,)),
    "sum_negative_axis": (lambda np_, lax: lambda x: np_.sum(x, axis=-1), (F32_23,)),
    "sum_tuple_axis_keepdims": (lambda np_, lax: lambda x: np_.sum(x, axis=(0, 1),
                                                                   keepdims=True), (F32_23,)),
    "sum_dtype": (lambda np_, lax: lambda x: np_.sum(x, dtype=np_.int32), (F32_23,)),
    "sum_int8": (lambda np_, lax: lambda x: np_.sum(x), (np.arange(4, dtype=np.int8),)),
    "sum_bool": (lambda np_, lax: lambda x: np_.sum(x), (np.array([True, False]),)),
    "sum_f16": (lambda np_, lax: lambda x: np_.sum(x, axis=1), (F32_23.astype(np.float16),)),
    "mean": (lambda np_, lax: lambda x: np_.mean(x, axis=1), (F32_23,)),
    "mean_int": (lambda np_, lax: lambda x: np_.mean(x), (np.arange(4, dtype=np.int32),)),
    "max_min": (lambda np_, lax: lambda x: (np_.max(x, axis=0), np_.min(x)), (F32_23,)),
    "prod": (lambda np_, lax: lambda x: np_.prod(x, axis=1, keepdims=True), (F32_23,)),
    "all_any": (lambda np_, lax: lambda x: (np_.all(x > 1), np_.any(x, axis=0)), (F32_23,)),
    "argmax_argmin": (lambda np_, lax: lambda x: (np_.argmax(x, axis=1), np_.argmin(x)),
                      (F32_23,)),
    "lax_reductions": (lambda np_, lax: lambda x: (lax.reduce_max(x, (0,)),
                                                   lax.reduce_sum(x, (0, 1))), (F32_23,)),
    # --- promotion chains ---------------------------------------------------------------------
    "int8_float16": (lambda np_, lax: lambda x, y: x + y, (np.arange(3, dtype=np.int8),
                                                           np.ones(3, np.float16))),
    "uint32_int32": (lambda np_, lax: lambda x, y: x * y, (np.arange(3, dtype=np.uint32),
                                                           np.arange(3, dtype=np.int32))),
    "bf16_f16": (lambda np_, lax: lambda x, y: x - y, (np.ones(3, BF16), np.ones(3, np.float16))),
    "chain": (lambda np_, lax: lambda a, b, c: (a + b) * c,
              (np.arange(3, dtype=np.int8), np.arange(3, dtype=np.uint8), np.ones(3, np.float16))),
    "astype": (lambda np_, lax: lambda x: x.astype(np_.int16) + x.astype(np_.bfloat16),
               (F32_3,)),
    # --- linear algebra and shapes ----------------------------------------------------------
    "matmul": (lambda np_, lax: lambda x, y: x @ y, (F32_23, F32_34)),
    "matmul_vec": (lambda np_, lax: lambda x, y: np_.matmul(x, y), (F32_34, np.ones(4,
                                                                                    np.float32))),
    "matmul_batched": (lambda np_, lax: lambda x, y: x @ y, (np.ones((5, 2, 3), np.float32),
                                                             F32_34)),
    "dot": (lambda np_, lax: lambda x, y: np_.dot(x, y), (F32_3, F32_3)),
    "dot_mixed": (lambda np_, lax: lambda x, y: np_.dot(x, y), (F32_3, np.arange(3,
                                                                                dtype=np.int32))),
    "transpose": (lambda np_, lax: lambda x: np_.transpose(x) + 1, (F32_23,)),
    "transpose_T": (lambda np_, lax: lambda x: x.T, (np.ones((2, 3, 4), np.float32),)),
    "reshape": (lambda np_, lax: lambda x: np_.reshape(x, (3, -1)), (F32_23,)),
    "reshape_method": (lambda np_, lax: lambda x: x.reshape(6), (F32_23,)),
    "ravel": (lambda np_, lax: lambda x: np_.ravel(x), (F32_23,)),
    "squeeze": (lambda np_, lax: lambda x: np_.squeeze(x), (np.ones((1, 3, 1), np.float32),)),
    "squeeze_axis": (lambda np_, lax: lambda x: np_.squeeze(x, axis=0),
                     (np.ones((1, 3, 1), np.float32),)),
    "expand_dims": (lambda np_, lax: lambda x: np_.expand_dims(x, (0, 2)), (F32_3,)),
    "concatenate": (lambda np_, lax: lambda x, y: np_.concatenate([x, y, x]), (F32_3, F32_3)),
    "concatenate_axis1": (lambda np_, lax: lambda x, y: np_.concatenate([x, y], axis=1),
                          (F32_23, F32_23.astype(np.int32))),
    "stack": (lambda np_, lax: lambda x, y: np_.stack([x, y], axis=1), (F32_3, F32_3)),
    "stack_promote": (lambda np_, lax: lambda x, y: np_.stack([x, y, 1.0], axis=-1),
                      (np.float32(1), np.int32(2))),
    "stack_dtype": (lambda np_, lax: lambda x: np_.stack([x, x], dtype=np_.int32), (F32_3,)),
    "lax_stack_unstack": (lambda np_, lax: lambda x: lax.unstack(lax.stack([x, x], 1), 2),
                          (F32_23,)),
    "broadcast_to": (lambda np_, lax: lambda x: np_.broadcast_to(x, (4, 3)), (F32_3,)),
    "swapaxes_moveaxis": (lambda np_, lax: lambda x: np_.moveaxis(np_.swapaxes(x, 0, 2), 0, 1),
                          (np.ones((2, 3, 4), np.float32),)),
    "lax_ops": (lambda np_, lax: lambda x: lax.pad(lax.rev(x, (0,)), 0.0, [(1, 2, 1)]), (F32_3,)),
    "lax_slice": (lambda np_, lax: lambda x: lax.slice(x, (0, 1), (2, 3)), (F32_23,)),
    "lax_dynamic": (lambda np_, lax: lambda x, i: lax.dynamic_update_slice(
        x, lax.dynamic_slice(x, (i,), (1,)), (0,)), (F32_3, np.int32(1))),
    "lax_select_clamp": (lambda np_, lax: lambda p, x: lax.clamp(0.0, lax.select(p, x, -x), 1.0),
                         (np.array([True, False, True]), F32_3)),
    "lax_iota_convert": (lambda np_, lax: lambda x: x + lax.convert_element_type(
        lax.iota(np.int32, 3), np.float32), (F32_3,)),
    "lax_misc": (lambda np_, lax: lambda x: lax.integer_pow(lax.round(x), 3) + lax.rsqrt(x),
                 (F32_3 + 1,)),
    "lax_bitwise": (lambda np_, lax: lambda x, y: lax.shift_left(x, y) ^ (x & ~y),
                    (np.arange(3, dtype=np.uint8), np.ones(3, np.uint8))),
    # --- comparisons and logic --------------------------------------------------------------
    "comparisons": (lambda np_, lax: lambda x, y: (x < y, x == 1.0, x >= y), (F32_3, F32_3)),
    "logical": (lambda np_, lax: lambda x, y: np_.logical_or(np_.logical_not(x > 0), y),
                (F32_3, np.array([True, False, True]))),
    "isnan_isfinite": (lambda np_, lax: lambda x: (np_.isnan(x), np_.isfinite(x)), (F32_3,)),
    # --- jaxpr structure ----------------------------------------------------------------------
    "unused_intermediate": (lambda np_, lax: lambda x: (np_.sin(x), x)[1] * 2, (F32_3,)),
    "unused_in_tuple": (lambda np_, lax: lambda x: [np_.cos(x), np_.sin(x)][1], (F32_3,)),
    "multiple_outputs": (lambda np_, lax: lambda x, y: (x + y, x - y, x), (F32_3, F32_3)),
    "zero_outputs": (lambda np_, lax: lambda x: (), (F32_3,)),
    "none_output": (lambda np_, lax: lambda x: None, (F32_3,)),
    "literal_output": (lambda np_, lax: lambda x: (x, 1.0, 2), (F32_3,)),
    "input_as_output": (lambda np_, lax: lambda x: x, (F32_3,)),
    "no_inputs": (lambda np_, lax: lambda: np_.float32(3) * 2, ()),
    "dict_input_output": (lambda np_, lax: lambda d: {"s": d["a"] + d["b"]},
                          ({"a": F32_3, "b": F32_3},)),
    "many_vars": (_many_vars, (np.float32(1),)),
    "long_params": (_long_line, (F32_23.astype(np.float16), F32_34.astype(np.float16))),
    "one_line": (lambda np_, lax: lambda x: np_.cos(np_.sin(x)), (np.float32(1),)),
    "long_binders": (lambda np_, lax: lambda a, b, c, d, e, f, g, h: a + b + c + d + e + f + g + h,
                     tuple(np.ones((10, 10, 10), np.float32) for _ in range(8))),
    "empty_array": (lambda np_, lax: lambda x: x * 2, (np.zeros((0, 3), np.float32),)),
    "scalars_0d": (lambda np_, lax: lambda x, y: x * y, (np.float32(1), np.float32(2))),
}


def _args(spec):
  return spec(np) if callable(spec) else spec


def _args_for(spec, np_):
  return spec(np_) if callable(spec) else spec


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_jaxpr_text_matches_oracle(name):
  program, spec = PROGRAMS[name]
  expected = str(jax.make_jaxpr(program(jnp, jlax))(*_args_for(spec, jnp)))
  closed = pyjax.make_jaxpr(program(pnp, plax))(*_args_for(spec, pnp))
  assert str(closed) == expected
  pyjax_core.check_jaxpr(closed.jaxpr)


def test_seed_example_text():
  """The seed's example, spelled out."""
  x = pnp.linspace(-10, 10, 1_000_000)
  text = str(pyjax.make_jaxpr(lambda x: pnp.sum((x + 2) ** 2 - 4))(x))
  assert text == ("{ lambda ; a:f32[1000000]. let\n"
                  "    b:f32[1000000] = add a 2.0:f32[]\n"
                  "    c:f32[1000000] = integer_pow[y=2] b\n"
                  "    d:f32[1000000] = sub c 4.0:f32[]\n"
                  "    e:f32[] = reduce_sum[axes=(0,) out_sharding=None] d\n"
                  "  in (e,) }")


def test_variable_names_past_z():
  closed = pyjax.make_jaxpr(PROGRAMS["many_vars"][0](pnp, plax))(np.float32(1))
  text = str(closed)
  assert " ba:f32[] = " in text and " bb:f32[] = " in text and " aa:" not in text


# Programs that JAX stages as a nested `jit` (so their text is another issue's): values only.
NESTED_JIT_PROGRAMS = {
    "where": (lambda np_: lambda c, x, y: np_.where(c, x, y),
              (np.array([True, False, True]), F32_3, F32_3 * 2)),
    "where_scalars": (lambda np_: lambda c: np_.where(c, 1.0, 0), (np.array([True, False]),)),
    "clip": (lambda np_: lambda x: np_.clip(x, 0.5, 1.5), (F32_3,)),
    "floor_divide": (lambda np_: lambda x, y: (x // y, np_.floor_divide(-x, y)),
                     (np.arange(6, dtype=np.int32) - 3, np.int32(2))),
    "floor_divide_float": (lambda np_: lambda x, y: x // y, (F32_3 - 1.5, np.float32(0.7))),
    "remainder": (lambda np_: lambda x, y: (x % y, np_.remainder(x, -y)),
                  (np.arange(6, dtype=np.int32) - 3, np.int32(4))),
    "remainder_float": (lambda np_: lambda x, y: x % y, (F32_3 - 1.5, np.float32(0.7))),
    "var_std": (lambda np_: lambda x: (np_.var(x, axis=0), np_.std(x), np_.std(x, ddof=1)),
                (F32_23,)),
}


@pytest.mark.parametrize("name", sorted(NESTED_JIT_PROGRAMS))
def test_nested_jit_programs_values(name):
  program, args = NESTED_JIT_PROGRAMS[name]
  tol = (1e-6, 1e-6) if name == "var_std" else None
  p_args, j_args = [pnp.asarray(a) for a in args], [jnp.asarray(a) for a in args]
  assert_same_outcome(outcome(program(pnp), *p_args), outcome(program(jnp), *j_args), tol)
  closed = pyjax.make_jaxpr(program(pnp))(*args)
  pyjax_core.check_jaxpr(closed.jaxpr)
