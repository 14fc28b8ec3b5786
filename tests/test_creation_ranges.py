"""Ranges of `pyjax.numpy`: linspace (integer dtypes floor), logspace and geomspace, against the
oracle (jax 0.10.2): dtypes, weak types, values and error classes; jit, gradients against the
oracle's, and vmap against a loop."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import pyjax  # noqa: E402
import pyjax.numpy as jnp  # noqa: E402

from case_tables import ORACLE, PYJAX, CaseTable  # noqa: E402
from oracle_util import AUTO, assert_same_outcome, assert_values_match, outcome  # noqa: E402

STARTS = np.array([1.0, -2.0, 0.5], np.float32)
STOPS = np.array([1000.0, -0.25, 8.0], np.float32)


def _cases() -> dict:
  c = {}
  # linspace with integer dtypes floors the samples (a plain cast would truncate toward zero).
  c["linspace_int_negative"] = lambda L: L.np.linspace(-3, 2, 7, dtype=np.int32)
  c["linspace_int_all_negative"] = lambda L: L.np.linspace(-10, -1, 6, dtype=np.int32)
  c["linspace_int_descending"] = lambda L: L.np.linspace(4, -5, 8, dtype=np.int16)
  c["linspace_int_no_endpoint"] = lambda L: L.np.linspace(-7, 3, 4, endpoint=False,
                                                          dtype=np.int32)
  c["linspace_uint8"] = lambda L: L.np.linspace(0, 255, 7, dtype=np.uint8)
  c["linspace_int_arrays"] = lambda L: L.np.linspace(np.array([-3, 5]), np.array([2, -4]), 5,
                                                     dtype=np.int32, axis=1)
  c["linspace_int_retstep"] = lambda L: L.np.linspace(-3, 2, 7, retstep=True, dtype=np.int32)
  c["linspace_bool"] = lambda L: L.np.linspace(-1, 1, 5, dtype=bool)
  c["linspace_complex"] = lambda L: L.np.linspace(1 + 2j, -3j, 5)
  c["linspace_retstep_one"] = lambda L: L.np.linspace(STARTS, 2.0, 1, retstep=True)
  c["linspace_retstep_one_open"] = lambda L: L.np.linspace(STARTS, 2.0, 1, endpoint=False,
                                                           retstep=True)
  c["linspace_retstep_zero"] = lambda L: L.np.linspace(STARTS, 2.0, 0, retstep=True)
  c["linspace_negative_axis"] = lambda L: L.np.linspace(STARTS, STOPS, 4, axis=-1)
  # logspace.
  c["logspace"] = lambda L: L.np.logspace(0, 2, 5)
  c["logspace_open"] = lambda L: L.np.logspace(0, 2, 5, endpoint=False)
  c["logspace_base2"] = lambda L: L.np.logspace(0, 2, 7, base=2)
  c["logspace_int"] = lambda L: L.np.logspace(0, 2, 5, dtype=np.int32)
  c["logspace_negative_base"] = lambda L: L.np.logspace(0, 2, 5, base=-2)
  c["logspace_complex_base"] = lambda L: L.np.logspace(0, 2, 5, base=2 + 1j)
  c["logspace_int_base"] = lambda L: L.np.logspace(0, 3, 4, base=np.int32(3))
  c["logspace_array_base"] = lambda L: L.np.logspace(np.array([0, 5]), np.array([5, 0]), 5,
                                                     base=np.array([2, 3]))
  c["logspace_array_base_axis"] = lambda L: L.np.logspace(STARTS, STOPS / 500, 3, axis=1,
                                                          base=np.array([[2.0], [3.0], [0.5]]))
  c["logspace_f16"] = lambda L: L.np.logspace(0.0, 2.0, 5, dtype=np.float16)
  c["logspace_f16_bounds"] = lambda L: L.np.logspace(np.float16(0), 2, 3)
  c["logspace_complex"] = lambda L: L.np.logspace(0, 1 + 1j, 4)
  c["logspace_bool"] = lambda L: L.np.logspace(0, 2, 3, dtype=bool)
  c["logspace_one"] = lambda L: L.np.logspace(1, 2, 1)
  c["logspace_zero"] = lambda L: L.np.logspace(1, 2, 0)
  # geomspace: signs, complex directions, integer dtypes, zeros (NaNs, as in JAX).
  c["geomspace"] = lambda L: L.np.geomspace(1, 1000, 4)
  c["geomspace_open"] = lambda L: L.np.geomspace(1, 1000, 4, endpoint=False)
  c["geomspace_negative"] = lambda L: L.np.geomspace(-1, -1000, 4)
  c["geomspace_sign_change"] = lambda L: L.np.geomspace(-1, 1000, 4)
  c["geomspace_zero_start"] = lambda L: L.np.geomspace(0, 10, 4)
  c["geomspace_zero_stop"] = lambda L: L.np.geomspace(1, 0, 4)
  c["geomspace_imaginary"] = lambda L: L.np.geomspace(1j, 1000j, 4)
  c["geomspace_complex"] = lambda L: L.np.geomspace(1 + 1j, -1000 + 1000j, 4)
  c["geomspace_int"] = lambda L: L.np.geomspace(1, 1000, 4, dtype=np.int32)
  c["geomspace_int_negative"] = lambda L: L.np.geomspace(-1, -1000, 4, dtype=np.int32)
  c["geomspace_int16_bounds"] = lambda L: L.np.geomspace(np.int16(2), np.int16(32), 5)
  c["geomspace_arrays"] = lambda L: L.np.geomspace(STARTS, STOPS, 5)
  c["geomspace_arrays_axis"] = lambda L: L.np.geomspace(STARTS, 64.0, 3, axis=1)
  c["geomspace_arrays_negative_axis"] = lambda L: L.np.geomspace(STARTS[:, None], STOPS, 3,
                                                                 axis=-2)
  c["geomspace_f16"] = lambda L: L.np.geomspace(1, 256, 5, dtype=np.float16)
  c["geomspace_one"] = lambda L: L.np.geomspace(3, 5, 1)
  c["geomspace_zero"] = lambda L: L.np.geomspace(3, 5, 0)
  return c


CASES = CaseTable(_cases())


@pytest.mark.parametrize("name", list(CASES))
def test_matches_oracle(name):
  # Integer results are exact. Floats may differ in the last place: powers and logarithms are
  # not correctly rounded, and XLA divides by a constant as a multiplication by its reciprocal.
  CASES.check(name, tol=AUTO)


X64_CASES = CaseTable({
    "linspace_int64": lambda L: L.np.linspace(-3, 2, 7, dtype=np.int64),
    "logspace": lambda L: L.np.logspace(0.0, 2.0, 5),
    "logspace_f32_bounds_f64_base": lambda L: L.np.logspace(np.float32(0), np.float32(2), 5,
                                                            base=np.float64(3)),
    "geomspace_f32": lambda L: L.np.geomspace(np.float32(2), np.float32(-0.5), 4),
    "geomspace_complex": lambda L: L.np.geomspace(1 + 1j, -1000 + 1000j, 4),
}, enable_x64=True)


@pytest.mark.parametrize("name", list(X64_CASES))
def test_matches_oracle_x64(name):
  X64_CASES.check(name, tol=AUTO)


ERRORS = {
    "logspace_negative_num": lambda L: L.np.logspace(0, 1, -1),
    "geomspace_negative_num": lambda L: L.np.geomspace(1, 2, -1),
    "logspace_float_num": lambda L: L.np.logspace(0, 1, 2.5),
    "logspace_list": lambda L: L.np.logspace([0], 2, 5),
    "geomspace_list": lambda L: L.np.geomspace(1, [2], 5),
    "linspace_list": lambda L: L.np.linspace([1], 2, 5),
    "logspace_list_base": lambda L: L.np.logspace(0, 2, 5, base=[2, 3]),
    "logspace_base_shape": lambda L: L.np.logspace(0, 2, 5, base=np.array([2.0, 3.0])),
    "geomspace_axis": lambda L: L.np.geomspace(1.0, 1000.0, 4, axis=1),
    "geomspace_dtype": lambda L: L.np.geomspace(1.0, 2.0, 4, dtype="S1"),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_oracle(name):
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    expected = outcome(ERRORS[name], ORACLE)
    actual = outcome(ERRORS[name], PYJAX)
  assert expected[0] == "raise", f"the oracle accepted {name}"
  assert_same_outcome(actual, expected, what=f"{name}: ")


def test_out_of_range_axis_is_a_clear_error():
  # JAX fails inside linspace with an IndexError from a list assignment; pyjax names the axis.
  with pytest.raises(ValueError, match="axis 1 is out of bounds for array of dimension 1"):
    jnp.linspace(0.0, 1.0, 3, axis=1)
  with pytest.raises(ValueError, match="axis -3 is out of bounds for array of dimension 2"):
    jnp.logspace(np.zeros(2), 1.0, 3, axis=-3)


def test_traced_num_raises():
  for fn in (jnp.linspace, jnp.logspace, jnp.geomspace):
    with pytest.raises(pyjax.errors.ConcretizationTypeError, match=f"jnp.{fn.__name__}"):
      pyjax.jit(lambda n, fn=fn: fn(1.0, 2.0, n))(3)


JITTED = {
    "linspace_int": (lambda L: lambda a, b: L.np.linspace(a, b, 7, dtype=np.int32),
                     (np.float32(-3), np.float32(2.5))),
    "logspace_traced_base": (lambda L: lambda a, b, base: L.np.logspace(a, b, 5, base=base),
                             (np.float32(-1), STOPS / 500, np.float32(3))),
    "geomspace": (lambda L: lambda a, b: L.np.geomspace(a, b, 6, axis=1), (STARTS, STOPS)),
    "geomspace_int": (lambda L: lambda a, b: L.np.geomspace(a, b, 4, dtype=np.int32),
                      (np.float32(-1), np.float32(-1000))),
}


@pytest.mark.parametrize("name", sorted(JITTED))
def test_jit_matches_oracle(name):
  make, args = JITTED[name]
  expected = jax.jit(make(ORACLE))(*args)
  actual = pyjax.jit(make(PYJAX))(*args)
  assert_same_outcome(("ok", actual), ("ok", expected), tol=AUTO, what=f"{name}: ")


GRADS = {
    "linspace": (lambda L: lambda a, b: (L.np.linspace(a, b, 5) ** 2).sum(),
                 (STARTS, np.float32(2))),
    "logspace": (lambda L: lambda a, b, base: L.np.logspace(a, b, 4, base=base).sum(),
                 (np.float32(-1), STOPS / 500, np.float32(3))),
    "geomspace": (lambda L: lambda a, b: (L.np.geomspace(a, b, 5, axis=1) * 0.5).sum(),
                  (STARTS, STOPS)),
    "geomspace_open": (lambda L: lambda a, b: L.np.geomspace(a, b, 3, endpoint=False)[1],
                       (np.float32(2), np.float32(50))),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_grad_matches_oracle(name):
  make, args = GRADS[name]
  argnums = tuple(range(len(args)))
  expected = jax.grad(make(ORACLE), argnums)(*args)
  actual = pyjax.grad(make(PYJAX), argnums)(*args)
  for p, j in zip(actual, expected):
    assert_values_match(p, j, tol=(1e-5, 1e-5), what=f"{name}: ")


def test_vmap_matches_loop():
  fns = {
      "linspace_int": lambda a, b: jnp.linspace(a, b, 6, dtype=np.int32),
      "logspace": lambda a, b: jnp.logspace(a, b / 500, 4, base=2.0),
      "geomspace": lambda a, b: jnp.geomspace(a, b, 5),
  }
  for name, fn in fns.items():
    batched = pyjax.vmap(fn)(STARTS, STOPS)
    expected = np.stack([np.asarray(fn(a, b)) for a, b in zip(STARTS, STOPS)])
    assert_values_match(batched, expected, tol=(1e-6, 1e-6), what=f"{name}: ")
