"""Elementwise primitives, declared as tables.

A row names the primitive, its eager implementation on the `xp` array namespace and the dtypes it
accepts. Binary operands must share a dtype (no implicit promotion at the lax level) and an equal
rank; dimensions of size 1 broadcast.
"""
from __future__ import annotations

import enum

import numpy as np

from pyjax._src import dtypes
from pyjax._src.backend import xp
from pyjax._src.lax import special_math
from pyjax._src.lax.utils import (ANY, BOOL, COMPLEX, FLOATING, INEXACT, INTEGER, broadcasting_shape,
                                  check_dtype, check_same_dtypes, never_weak, standard_primitive)


class RoundingMethod(enum.IntEnum):
  AWAY_FROM_ZERO = 0
  TO_NEAREST_EVEN = 1

  __str__ = int.__repr__  # jaxprs print `rounding_method=0` on every Python version


# ------------------------------------------------------------------------------------------------
# Eager implementations that NumPy does not provide directly


def _in_float32(fn):
  """Run `fn` in float32 for 16-bit floats (as XLA's CPU backend does), then round back."""
  def impl(x, **params):
    if x.dtype.itemsize < 4 and dtypes.issubdtype(x.dtype, np.floating):
      return fn(x.astype(np.float32), **params).astype(x.dtype)
    return fn(x, **params)
  return impl


def _round(x, rounding_method=RoundingMethod.AWAY_FROM_ZERO):
  if rounding_method == RoundingMethod.TO_NEAREST_EVEN:
    return xp.rint(x)
  truncated = xp.trunc(x)
  return xp.where(xp.abs(x - truncated) >= 0.5, truncated + xp.sign(x), truncated).astype(x.dtype)


def _logistic(x):
  # Split by sign so exp never overflows.
  e = xp.exp(-xp.abs(x))
  return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)


def _sign(x):
  if dtypes.issubdtype(x.dtype, np.unsignedinteger):
    return (x != 0).astype(x.dtype)
  return xp.sign(x)


def _integer_pow(x, y):
  # Exponentiation by squaring in the operand's dtype, so rounding matches XLA's expansion.
  exponent = abs(y)
  result = None
  base = x
  while exponent > 0:
    if exponent & 1:
      result = base if result is None else xp.multiply(result, base)
    exponent >>= 1
    if exponent:
      base = xp.multiply(base, base)
  if result is None:
    result = xp.ones_like(x)
  if y < 0:
    result = xp.divide(xp.ones_like(result), result)
  return xp.asarray(result, dtype=x.dtype)


def _div(x, y):
  if not dtypes.issubdtype(x.dtype, np.integer):
    return xp.divide(x, y)
  # C semantics: round toward zero; x / 0 is all ones (-1 or the unsigned maximum).
  safe_y = xp.where(y == 0, 1, y).astype(x.dtype)
  quotient = xp.floor_divide(x, safe_y)
  remainder = xp.subtract(x, xp.multiply(quotient, safe_y))
  fix = (remainder != 0) & ((remainder < 0) != (safe_y < 0))
  quotient = xp.where(fix, quotient + 1, quotient).astype(x.dtype)
  return xp.where(y == 0, xp.array(-1).astype(x.dtype), quotient)


def _rem(x, y):
  if not dtypes.issubdtype(x.dtype, np.integer):
    return xp.fmod(x, y)
  safe_y = xp.where(y == 0, 1, y).astype(x.dtype)
  return xp.where(y == 0, x, xp.fmod(x, safe_y)).astype(x.dtype)


def _shift_amount_out_of_range(x, y):
  bits = x.dtype.itemsize * 8
  return (y < 0) | (y >= bits)


def _shift_left(x, y):
  out = xp.left_shift(x, xp.where(_shift_amount_out_of_range(x, y), 0, y).astype(x.dtype))
  return xp.where(_shift_amount_out_of_range(x, y), 0, out).astype(x.dtype)


def _shift_right_arithmetic(x, y):
  # An out-of-range amount fills with the sign bit, like a shift by bits - 1.
  amount = xp.where(_shift_amount_out_of_range(x, y), x.dtype.itemsize * 8 - 1, y)
  return xp.right_shift(x, amount.astype(x.dtype)).astype(x.dtype)


def _shift_right_logical(x, y):
  unsigned = np.dtype(f"uint{x.dtype.itemsize * 8}")
  out = xp.right_shift(x.view(unsigned) if x.ndim else x.astype(unsigned),
                       xp.where(_shift_amount_out_of_range(x, y), 0, y).astype(unsigned))
  return xp.where(_shift_amount_out_of_range(x, y), 0, out.astype(x.dtype)).astype(x.dtype)


def _population_count(x):
  return xp.bitwise_count(x).astype(x.dtype)


def _clz(x):
  bits = x.dtype.itemsize * 8
  remaining = xp.asarray(x).astype(np.dtype(f"uint{bits}")).astype(np.uint64)
  # Binary search for the highest set bit, all lanes at once.
  highest = xp.zeros(remaining.shape, np.int64)
  shift = bits // 2
  while shift:
    high = remaining >> np.uint64(shift)
    highest = xp.where(high != 0, highest + shift, highest)
    remaining = xp.where(high != 0, high, remaining)
    shift //= 2
  return (bits - highest - (remaining != 0)).astype(x.dtype)


def _nextafter(x, y):
  if x.dtype == dtypes.bfloat16:
    bits = x.view(np.uint16).astype(np.int32)
    toward = xp.sign(y.astype(np.float32) - x.astype(np.float32))
    positive = x.astype(np.float32) > 0
    step = xp.where(positive, toward, -toward)
    zero = x.astype(np.float32) == 0
    out = xp.where(zero, xp.where(toward > 0, 1, xp.where(toward < 0, 0x8001, bits)), bits + step)
    result = out.astype(np.uint16).view(dtypes.bfloat16)
    return xp.where(xp.isnan(x) | xp.isnan(y), x + y, xp.where(toward == 0, y, result))
  return xp.nextafter(x, y)


def _complex(x, y):
  out_dtype = np.complex128 if x.dtype == np.float64 else np.complex64
  return (x + xp.asarray(y, out_dtype) * 1j).astype(out_dtype)


def _equal(x, y):
  # Values of extended dtypes (PRNG keys) are structured NumPy arrays, compared field by field.
  return xp.asarray(x == y) if x.dtype.kind == "V" else xp.equal(x, y)


def _not_equal(x, y):
  return xp.asarray(x != y) if x.dtype.kind == "V" else xp.not_equal(x, y)


def _real_dtype(complex_dtype):
  return np.dtype(np.float64) if complex_dtype == np.complex128 else np.dtype(np.float32)


# ------------------------------------------------------------------------------------------------
# The tables

# name: (eager impl, accepted dtypes, output dtype rule or None for "same as input")
UNARY = {
    "neg": (xp.negative, (np.integer, np.floating, np.complexfloating), None),
    "sign": (_sign, (np.integer, np.floating, np.complexfloating), None),
    "floor": (xp.floor, FLOATING, None),
    "ceil": (xp.ceil, FLOATING, None),
    "is_finite": (xp.isfinite, FLOATING, lambda d: np.dtype(np.bool_)),
    "exp": (xp.exp, INEXACT, None),
    "exp2": (xp.exp2, INEXACT, None),
    "log": (xp.log, INEXACT, None),
    "log1p": (xp.log1p, INEXACT, None),
    "expm1": (xp.expm1, INEXACT, None),
    "tanh": (xp.tanh, INEXACT, None),
    "logistic": (_in_float32(_logistic), INEXACT, None),
    "sin": (xp.sin, INEXACT, None),
    "cos": (xp.cos, INEXACT, None),
    "tan": (xp.tan, INEXACT, None),
    "asin": (xp.arcsin, INEXACT, None),
    "acos": (xp.arccos, INEXACT, None),
    "atan": (xp.arctan, INEXACT, None),
    "sinh": (xp.sinh, INEXACT, None),
    "cosh": (xp.cosh, INEXACT, None),
    "asinh": (xp.arcsinh, INEXACT, None),
    "acosh": (xp.arccosh, INEXACT, None),
    "atanh": (xp.arctanh, INEXACT, None),
    "sqrt": (xp.sqrt, INEXACT, None),
    "rsqrt": (lambda x: xp.reciprocal(xp.sqrt(x)), INEXACT, None),
    "cbrt": (xp.cbrt, FLOATING, None),
    "square": (xp.square, (np.integer, np.floating, np.complexfloating), None),
    "abs": (xp.abs, (np.signedinteger, np.floating, np.complexfloating),
            lambda d: _real_dtype(d) if dtypes.issubdtype(d, np.complexfloating) else d),
    "not": (lambda x: xp.logical_not(x) if x.dtype == np.bool_ else xp.invert(x),
            (np.integer, np.bool_), None),
    "real": (xp.real, COMPLEX, _real_dtype),
    "imag": (xp.imag, COMPLEX, _real_dtype),
    "erf": (_in_float32(special_math.erf), FLOATING, None),
    "erfc": (_in_float32(special_math.erfc), FLOATING, None),
    "erf_inv": (_in_float32(special_math.erf_inv), FLOATING, None),
    "lgamma": (_in_float32(special_math.lgamma), FLOATING, None),
    "digamma": (_in_float32(special_math.digamma), FLOATING, None),
    "bessel_i0e": (_in_float32(special_math.bessel_i0e), FLOATING, None),
    "bessel_i1e": (_in_float32(special_math.bessel_i1e), FLOATING, None),
    "population_count": (_population_count, INTEGER, None),
    "clz": (_clz, INTEGER, None),
}

# name: (eager impl, accepted dtypes per operand, output dtype rule or None, jnp name for the tip)
BINARY = {
    "add": (xp.add, (np.integer, np.floating, np.complexfloating), None, "add"),
    "sub": (xp.subtract, (np.integer, np.floating, np.complexfloating), None, "subtract"),
    "mul": (xp.multiply, (np.integer, np.floating, np.complexfloating), None, "multiply"),
    "div": (_div, (np.integer, np.floating, np.complexfloating), None, "divide"),
    "rem": (_rem, (np.integer, np.floating), None, "remainder"),
    "max": (xp.maximum, ANY, None, "maximum"),
    "min": (xp.minimum, ANY, None, "minimum"),
    "atan2": (xp.arctan2, FLOATING, None, "arctan2"),
    "nextafter": (_nextafter, FLOATING, None, "nextafter"),
    "and": (xp.bitwise_and, (np.integer, np.bool_), None, "bitwise_and"),
    "or": (xp.bitwise_or, (np.integer, np.bool_), None, "bitwise_or"),
    "xor": (xp.bitwise_xor, (np.integer, np.bool_), None, "bitwise_xor"),
    "shift_left": (_shift_left, INTEGER, None, "left_shift"),
    "shift_right_arithmetic": (_shift_right_arithmetic, INTEGER, None, "right_shift"),
    "shift_right_logical": (_shift_right_logical, INTEGER, None, None),
    "eq": (_equal, ANY, lambda d: np.dtype(np.bool_), "equal"),
    "ne": (_not_equal, ANY, lambda d: np.dtype(np.bool_), "not_equal"),
    "lt": (xp.less, ANY, lambda d: np.dtype(np.bool_), "less"),
    "le": (xp.less_equal, ANY, lambda d: np.dtype(np.bool_), "less_equal"),
    "gt": (xp.greater, ANY, lambda d: np.dtype(np.bool_), "greater"),
    "ge": (xp.greater_equal, ANY, lambda d: np.dtype(np.bool_), "greater_equal"),
    "complex": (_complex, (np.float32, np.float64),
                lambda d: np.dtype(np.complex128 if d == np.float64 else np.complex64), "complex"),
}

_COMPARISONS = {"eq", "ne", "lt", "le", "gt", "ge"}


def _unary(name, impl, accepted, out_dtype):
  def dtype_rule(x, **params):
    check_dtype(name, x.dtype, accepted)
    return x.dtype if out_dtype is None else out_dtype(x.dtype)

  def eager(x, **params):
    out = impl(x, **params)
    return out if out_dtype is not None or out.dtype == x.dtype else out.astype(x.dtype)

  weak_rule = never_weak if name == "is_finite" else (lambda weak, **params: weak)
  return standard_primitive(name, lambda x, **params: x.shape, dtype_rule, eager, weak_rule)


def _binary(name, impl, accepted, out_dtype, numpy_name):
  def dtype_rule(x, y):
    for position, aval in enumerate((x, y)):
      check_dtype(name, aval.dtype, accepted, position)
    check_same_dtypes(name, (x, y), numpy_name)
    return x.dtype if out_dtype is None else out_dtype(x.dtype)

  def eager(x, y):
    out = impl(x, y)
    if out_dtype is None and out.dtype != x.dtype:
      return out.astype(x.dtype)
    return out

  weak_rule = never_weak if name in _COMPARISONS else (lambda wx, wy: wx and wy)
  return standard_primitive(name, lambda x, y: broadcasting_shape(name, x.shape, y.shape),
                            dtype_rule, eager, weak_rule)


unary_primitives = {name: _unary(name, *row) for name, row in UNARY.items()}
binary_primitives = {name: _binary(name, *row) for name, row in BINARY.items()}
globals().update({f"{name}_p": p for name, p in unary_primitives.items()})
globals().update({f"{name}_p": p for name, p in binary_primitives.items()})


# Primitives with parameters or unusual operand rules.

round_p = standard_primitive(
    "round", lambda x, **p: x.shape,
    lambda x, **p: (check_dtype("round", x.dtype, FLOATING), x.dtype)[1],
    _in_float32(_round), lambda weak, **p: weak)

integer_pow_p = standard_primitive(
    "integer_pow", lambda x, *, y: x.shape,
    lambda x, *, y: (check_dtype("integer_pow", x.dtype, (np.integer, np.floating,
                                                          np.complexfloating)), x.dtype)[1],
    _integer_pow, lambda weak, *, y: weak)


def _pow_dtype(x, y):
  check_dtype("pow", x.dtype, INEXACT, 0)
  check_dtype("pow", y.dtype, (np.integer, np.floating, np.complexfloating), 1)
  if dtypes.issubdtype(y.dtype, np.inexact) and x.dtype != y.dtype:
    check_same_dtypes("pow", (x, y), "power")
  return x.dtype


def _pow(x, y):
  if dtypes.issubdtype(y.dtype, np.integer):
    return xp.power(x, y.astype(x.dtype)).astype(x.dtype)
  return xp.power(x, y)


pow_p = standard_primitive("pow", lambda x, y: broadcasting_shape("pow", x.shape, y.shape),
                           _pow_dtype, _pow, lambda wx, wy: wx and wy)


def _conj_dtype(x, *, input_dtype):
  check_dtype("conj", x.dtype, (np.floating, np.complexfloating))
  return x.dtype if dtypes.issubdtype(x.dtype, np.complexfloating) else np.dtype(
      np.complex128 if x.dtype == np.float64 else np.complex64)


conj_p = standard_primitive("conj", lambda x, **p: x.shape, _conj_dtype,
                            lambda x, *, input_dtype: xp.conj(x.astype(
                                np.result_type(x.dtype, np.complex64))),
                            lambda weak, **p: weak)

