"""Elementwise primitives, declared as tables.

A row names the primitive, its eager implementation on the `xp` array namespace and the dtypes it
accepts. Binary operands must share a dtype (no implicit promotion at the lax level) and an equal
rank; dimensions of size 1 broadcast.
"""
from __future__ import annotations

import enum

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.array import Array
from pyjax._src.backend import xp
from pyjax._src.interpreters import ad, batching
from pyjax._src.lax import reductions as _red
from pyjax._src.lax import special_math
from pyjax._src.lax.precision import ACCURACY_FUNCTIONS, check_accuracy
from pyjax._src.lax import structural as _st
from pyjax._src.lax.utils import (ANY, BOOL, COMPLEX, FLOATING, INEXACT, INTEGER,
                                  broadcasting_shape, check_dtype, check_same_dtypes,
                                  standard_primitive)


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
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    return (1 / (1 + xp.exp(-x))).astype(x.dtype)
  # Split by sign so exp never overflows.
  e = xp.exp(-xp.abs(x))
  return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)


def _sign(x):
  if dtypes.issubdtype(x.dtype, np.unsignedinteger):
    return (x != 0).astype(x.dtype)
  if dtypes.issubdtype(x.dtype, np.floating):
    return xp.where(x == 0, x, xp.sign(x)).astype(x.dtype)  # sign(-0.0) is -0.0
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
  if dtypes.issubdtype(x.dtype, np.floating) and y.shape != np.broadcast_shapes(x.shape, y.shape):
    # XLA rewrites a division by a broadcast divisor as a multiplication by its reciprocal (so
    # x / 7.0 differs from IEEE division in the last place); do the same.
    return xp.multiply(x, xp.divide(xp.ones((), y.dtype), y)).astype(x.dtype)
  if not dtypes.issubdtype(x.dtype, np.integer):
    return xp.divide(x, y)
  # C semantics: round toward zero; x / 0 is all ones (-1 or the unsigned maximum).
  safe_y = xp.where(y == 0, 1, y).astype(x.dtype)
  quotient = xp.floor_divide(x, safe_y)
  remainder = xp.subtract(x, xp.multiply(quotient, safe_y))
  fix = (remainder != 0) & ((x < 0) != (safe_y < 0))
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
  # An out-of-range amount fills with the sign bit, like a shift by bits - 1. Unsigned operands
  # are shifted as the signed integers with the same bits.
  signed = np.dtype(f"int{x.dtype.itemsize * 8}")
  amount = xp.where(_shift_amount_out_of_range(x, y), x.dtype.itemsize * 8 - 1, y)
  shifted = xp.right_shift(x.astype(signed), amount.astype(signed))
  return xp.asarray(shifted).astype(x.dtype)


def _shift_right_logical(x, y):
  unsigned = np.dtype(f"uint{x.dtype.itemsize * 8}")
  if x.ndim and y.size == 1 and 0 <= y.item() < x.dtype.itemsize * 8:
    # One in-range amount (random.uniform's mantissa shift): a single pass, no fix-ups.
    return xp.right_shift(x.view(unsigned), y.astype(unsigned)).view(x.dtype)
  out = xp.right_shift(x.view(unsigned) if x.ndim else x.astype(unsigned),
                       xp.where(_shift_amount_out_of_range(x, y), 0, y).astype(unsigned))
  return xp.where(_shift_amount_out_of_range(x, y), 0, out.astype(x.dtype)).astype(x.dtype)


def _population_count(x):
  # NumPy counts the bits of |x| for signed integers; XLA counts the two's complement bits.
  unsigned = np.dtype(f"uint{x.dtype.itemsize * 8}")
  return xp.bitwise_count(xp.asarray(x).astype(unsigned)).astype(x.dtype)


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


def _exp2(x):
  if dtypes.issubdtype(x.dtype, np.floating):
    # XLA computes exp2(x) as exp(x * ln 2), the product rounded to x's dtype (16-bit floats take
    # the exponential in float32), so 2**127 in float32 is 1.7014147e38, not 1.7014118e38.
    product = xp.multiply(x, np.asarray(np.log(2.0), x.dtype))
    if x.dtype.itemsize < 4:
      return xp.exp(product.astype(np.float32)).astype(x.dtype)
    return xp.exp(product)
  return xp.exp2(x)


def _complex_greater(x, y):
  """Lexicographic x > y (real part, then imaginary); any comparison with NaN is false."""
  return (x.real > y.real) | ((x.real == y.real) & (x.imag > y.imag))


_GATHER_MIN_SIZE = 4096


def _fix_zero_ties(out, zero, x, y, prefer_negative: bool):
  """`out` (a max or min) with its ties between zeros of opposite signs at `zero` resolved: the
  negative zero if `prefer_negative`, else the positive one. Where the zeros are few in a large
  array (random.uniform's final clamp) only they are visited; where they are many (relu's
  max(x, 0)) or the array is small, gathering them costs more than one select over it all."""
  if out.size < _GATHER_MIN_SIZE or 8 * xp.count_nonzero(zero) > out.size:
    pick_x = xp.signbit(x) == prefer_negative
    return xp.where(zero & (x == y), xp.where(pick_x, x, y), out)
  index = xp.nonzero(zero)
  xs, ys = xp.broadcast_to(x, out.shape)[index], xp.broadcast_to(y, out.shape)[index]
  pick_x = xp.signbit(xs) == prefer_negative
  out[index] = xp.where(xs == ys, xp.where(pick_x, xs, ys), out[index])
  return out


def _max(x, y):
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    # XLA picks y unless x is greater, so NaNs do not propagate from x.
    return xp.where(_complex_greater(x, y), x, y)
  if x.size == 1 < y.size and not xp.isnan(x).any():
    # NumPy's loop is about twice as fast with the broadcast operand second (random.uniform's
    # final clamp). The order only decides which NaN is returned when both are NaN, and which zero
    # when both are zero (fixed below), so swapping is exact when x is not NaN.
    out = xp.maximum(y, x)
  else:
    out = xp.maximum(x, y)
  if dtypes.issubdtype(x.dtype, np.floating):
    # XLA orders -0.0 below 0.0: max(-0.0, 0.0) is 0.0 whatever the operand order. Only zero
    # results can be such ties; skip the fix-up (several passes) when there are none.
    zero = out == 0
    if zero.any():
      out = _fix_zero_ties(out, zero, x, y, prefer_negative=False)
    return out.astype(x.dtype, copy=False)
  return out


def _min(x, y):
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    return xp.where(_complex_greater(y, x), x, y)
  out = xp.minimum(x, y)
  if dtypes.issubdtype(x.dtype, np.floating):
    zero = out == 0
    if zero.any():
      out = _fix_zero_ties(out, zero, x, y, prefer_negative=True)
    return out.astype(x.dtype, copy=False)
  return out


def _nextafter(x, y):
  if x.dtype == dtypes.bfloat16:
    bits = x.view(np.uint16).astype(np.int32)
    toward = xp.sign(y.astype(np.float32) - x.astype(np.float32))
    positive = x.astype(np.float32) > 0
    step = xp.where(positive, toward, -toward)
    zero = x.astype(np.float32) == 0
    out = xp.where(zero, xp.where(toward > 0, 1, xp.where(toward < 0, 0x8001, bits)), bits + step)
    result = out.astype(np.uint16).view(dtypes.bfloat16)
    return xp.where(xp.isnan(x) | xp.isnan(y), x + y, xp.where(x == y, y, result))
  return xp.where(x == y, y, xp.nextafter(x, y)).astype(x.dtype)  # equal: y, as C's nextafter


def _complex(x, y):
  out_dtype = np.complex128 if x.dtype == np.float64 else np.complex64
  # Set the parts directly: `x + 1j * y` would turn an infinite y into a NaN real part.
  out = xp.empty(np.broadcast_shapes(x.shape, y.shape), out_dtype)
  out.real, out.imag = x, y
  return out


def _atan2(x, y):
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    # atan2(x, y) = -i log((y + i x) / sqrt(x^2 + y^2)), as XLA defines it for complex numbers
    # (near the branch cut the sign of the real part +-pi can differ from XLA's by rounding).
    return (-1j * xp.log((y + 1j * x) * (1 / xp.sqrt(x * x + y * y)))).astype(x.dtype)
  return xp.arctan2(x, y)


def _rsqrt(x):
  # A division (not NumPy's reciprocal) so that a complex zero gives inf+nanj, as in XLA.
  return xp.divide(xp.ones((), x.dtype), xp.sqrt(x))


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
    "exp2": (_exp2, INEXACT, None),
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
    "rsqrt": (_rsqrt, INEXACT, None),
    "cbrt": (xp.cbrt, FLOATING, None),
    "square": (xp.square, (np.integer, np.floating, np.complexfloating), None),
    "abs": (xp.abs, (np.floating, np.complexfloating, np.signedinteger),
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

# Comparisons that order their operands accept no complex numbers.
ORDERED = (np.integer, np.floating, np.bool_)

# name: (eager impl, accepted dtypes per operand, output dtype rule or None, jnp name for the tip)
BINARY = {
    "add": (xp.add, (np.integer, np.floating, np.complexfloating), None, "add"),
    "sub": (xp.subtract, (np.integer, np.floating, np.complexfloating), None, "subtract"),
    "mul": (xp.multiply, (np.integer, np.floating, np.complexfloating), None, "multiply"),
    "div": (_div, (np.integer, np.floating, np.complexfloating), None, "divide"),
    "rem": (_rem, (np.integer, np.floating), None, "remainder"),
    "max": (_max, ANY, None, "maximum"),
    "min": (_min, ANY, None, "minimum"),
    "atan2": (_atan2, INEXACT, None, "arctan2"),
    "nextafter": (_nextafter, FLOATING, None, "nextafter"),
    "and": (xp.bitwise_and, (np.integer, np.bool_), None, "bitwise_and"),
    "or": (xp.bitwise_or, (np.integer, np.bool_), None, "bitwise_or"),
    "xor": (xp.bitwise_xor, (np.integer, np.bool_), None, "bitwise_xor"),
    "shift_left": (_shift_left, INTEGER, None, "left_shift"),
    "shift_right_arithmetic": (_shift_right_arithmetic, INTEGER, None, "right_shift"),
    "shift_right_logical": (_shift_right_logical, INTEGER, None, "right_shift"),
    "eq": (_equal, ANY, lambda d: np.dtype(np.bool_), "equal"),
    "ne": (_not_equal, ANY, lambda d: np.dtype(np.bool_), "not_equal"),
    "lt": (xp.less, ORDERED, lambda d: np.dtype(np.bool_), "less"),
    "le": (xp.less_equal, ORDERED, lambda d: np.dtype(np.bool_), "less_equal"),
    "gt": (xp.greater, ORDERED, lambda d: np.dtype(np.bool_), "greater"),
    "ge": (xp.greater_equal, ORDERED, lambda d: np.dtype(np.bool_), "greater_equal"),
    "complex": (_complex, (np.float32, np.float64),
                lambda d: np.dtype(np.complex128 if d == np.float64 else np.complex64), "complex"),
}



def _unary(name, impl, accepted, out_dtype):
  def dtype_rule(x, **params):
    check_dtype(name, x.dtype, accepted)
    return x.dtype if out_dtype is None else out_dtype(x.dtype)

  def eager(x, **params):
    if "accuracy" in params:  # the CPU computes every requested accuracy the same way
      check_accuracy(params.pop("accuracy"))
    out = impl(x, **params)
    return out if out_dtype is not None or out.dtype == x.dtype else out.astype(x.dtype)

  # Weak iff the operand is (also for is_finite's bool result), the default rule.
  return standard_primitive(name, lambda x, **params: x.shape, dtype_rule, eager)


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

  # Weak iff both operands are (comparisons too: lt(1., 2.) is weak), the default rule.
  return standard_primitive(name, lambda x, y: broadcasting_shape(name, x.shape, y.shape),
                            dtype_rule, eager)


unary_primitives = {name: _unary(name, *row) for name, row in UNARY.items()}
binary_primitives = {name: _binary(name, *row) for name, row in BINARY.items()}
globals().update({f"{name}_p": p for name, p in unary_primitives.items()})
globals().update({f"{name}_p": p for name, p in binary_primitives.items()})

# --- batching: unary rows keep the batch dimension; binary rows broadcast.
for _p in unary_primitives.values():
  batching.defvectorized(_p)
for _p in binary_primitives.values():
  batching.defbroadcasting(_p)


# Primitives with parameters or unusual operand rules.

round_p = standard_primitive(
    "round", lambda x, **p: x.shape,
    lambda x, **p: (check_dtype("round", x.dtype, FLOATING), x.dtype)[1],
    _in_float32(_round), lambda weak, **p: weak)
batching.defvectorized(round_p)  # --- batching

def _integer_pow_dtype(x, *, y):
  check_dtype("integer_pow", x.dtype, (np.integer, np.floating, np.complexfloating))
  if y < 0 and dtypes.issubdtype(x.dtype, np.integer):
    raise TypeError(f"Integers cannot be raised to negative powers, got "
                    f"integer_pow({x.str_short(short_dtypes=False)}, {y})")
  return x.dtype


integer_pow_p = standard_primitive("integer_pow", lambda x, *, y: x.shape, _integer_pow_dtype,
                                   _integer_pow, lambda weak, *, y: weak)
batching.defvectorized(integer_pow_p)  # --- batching


def _pow_dtype(x, y):
  check_dtype("pow", x.dtype, INEXACT, 0)
  check_dtype("pow", y.dtype, (np.integer, np.floating, np.complexfloating), 1)
  if dtypes.issubdtype(y.dtype, np.inexact) and y.dtype != x.dtype:
    raise TypeError("the first argument to pow must have an inexact dtype (float or complex), and "
                    "the second argument must have an inexact or integer dtype, and two inexact "
                    f"dtypes must match, but got {x.dtype.name} and {y.dtype.name} respectively.")
  return x.dtype


def _pow(x, y):
  if dtypes.issubdtype(y.dtype, np.integer):
    y = y.astype(x.dtype)
  out = xp.power(x, y).astype(x.dtype)
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    # XLA's complex power of zero: 1 for a zero exponent, 0 for a positive real one, else NaN.
    nan = np.array(complex(np.nan, np.nan), x.dtype)
    of_zero = xp.where(y == 0, np.ones((), x.dtype), xp.where(
        (y.imag == 0) & (y.real > 0), np.zeros((), x.dtype), nan))
    out = xp.where(x == 0, of_zero, out).astype(x.dtype)
  return out


pow_p = standard_primitive("pow", lambda x, y: broadcasting_shape("pow", x.shape, y.shape),
                           _pow_dtype, _pow, lambda wx, wy: wx and wy)
batching.defbroadcasting(pow_p)  # --- batching


def _polygamma_dtype(m, x):
  for position, aval in enumerate((m, x)):
    check_dtype("polygamma", aval.dtype, FLOATING, position)
  check_same_dtypes("polygamma", (m, x), None)
  return x.dtype


# The m-th derivative of digamma (the derivative of digamma is polygamma(1, x)). Values at
# non-finite x and for non-integer m are NaN, which is not always what XLA gives there.
polygamma_p = standard_primitive(
    "polygamma", lambda m, x: broadcasting_shape("polygamma", m.shape, x.shape),
    _polygamma_dtype, special_math.polygamma, lambda wm, wx: wm and wx)
batching.defbroadcasting(polygamma_p)  # --- batching


def _conj_dtype(x, *, input_dtype):
  check_dtype("conj", x.dtype, (np.float32, np.complexfloating, np.float64))
  return x.dtype if dtypes.issubdtype(x.dtype, np.complexfloating) else np.dtype(
      np.complex128 if x.dtype == np.float64 else np.complex64)


def _conj(x, *, input_dtype):
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    return xp.conj(x)
  return x.astype(np.complex128 if x.dtype == np.float64 else np.complex64)  # imaginary part +0


conj_p = standard_primitive("conj", lambda x, **p: x.shape, _conj_dtype, _conj,
                            lambda weak, **p: weak)
batching.defvectorized(conj_p)  # --- batching



# ------------------------------------------------------------------------------------------------
# Differentiation: a JVP rule for every primitive above, a transpose rule for the linear ones.


def _weak_const(x, value):
  """`value` as a weakly typed scalar of `x`'s dtype: multiplying by it keeps `x`'s weak type."""
  return Array(np.array(value, core.get_aval(x).dtype), True)


def _broadcast_to(t, shape):
  """The tangent `t` broadcast to `shape` (a binary operation's output shape)."""
  aval = core.get_aval(t)
  if aval.shape == shape:
    return t
  return _st.broadcast_in_dim_p.bind(t, shape=shape, sharding=None, broadcast_dimensions=tuple(
      range(len(shape) - aval.ndim, len(shape))))


def unbroadcast(ct, aval):
  """The cotangent `ct` of a broadcasting operation summed back to its operand's type `aval`."""
  shape = core.get_aval(ct).shape
  if shape == aval.shape:
    return ct
  axes = (tuple(range(len(shape))) if not aval.shape else
          tuple(i for i, (a, b) in enumerate(zip(aval.shape, shape)) if a != b))
  summed = _red.reduce_sum_p.bind(ct, axes=axes, out_sharding=None)
  if not aval.shape:
    return summed
  return _st.reshape_p.bind(summed, new_sizes=aval.shape, dimensions=None, sharding=None)


def _one_minus_square(x):
  return sub_p.bind(_weak_const(x, 1), mul_p.bind(x, x))


def _abs_jvp(g, ans, x):
  if dtypes.issubdtype(core.get_aval(x).dtype, np.complexfloating):
    magnitude = _st.convert_element_type_p.bind(ans, new_dtype=core.get_aval(x).dtype,
                                                weak_type=core.get_aval(x).weak_type,
                                                sharding=None)
    safe = _st.select_n_p.bind(eq_p.bind(magnitude, _weak_const(magnitude, 0)), magnitude,
                               _broadcast_to(_weak_const(magnitude, 1), core.get_aval(x).shape))
    return real_p.bind(mul_p.bind(g, div_p.bind(conj_p.bind(x, input_dtype=core.get_aval(x).dtype),
                                                safe)))
  return _st.select_n_p.bind(ge_p.bind(x, _weak_const(x, 0)), neg_p.bind(g), g)


def _bessel_i1e_jvp(g, ans, x):
  # d/dx i1e(x) = i0e(x) - i1e(x) (sign(x) + 1/x), which tends to 1/2 at 0.
  eps = _weak_const(x, dtypes.finfo(core.get_aval(x).dtype).eps)
  not_tiny = gt_p.bind(abs_p.bind(x), eps)
  safe_x = _st.select_n_p.bind(not_tiny, _broadcast_to(eps, core.get_aval(x).shape), x)
  slope = sub_p.bind(bessel_i0e_p.bind(safe_x), mul_p.bind(
      ans, add_p.bind(sign_p.bind(safe_x), div_p.bind(_weak_const(x, 1), safe_x))))
  return mul_p.bind(g, _st.select_n_p.bind(not_tiny, _broadcast_to(_weak_const(x, 0.5),
                                                                    core.get_aval(x).shape),
                                           slope))


_TWO_OVER_SQRT_PI = 2 / np.sqrt(np.pi)

# name: rule(tangent, output, operand) -> output tangent; None: the output tangent is zero (a
# piecewise-constant or integer-valued function). `neg`, `real` and `imag` are linear (below).
UNARY_DERIVATIVES = {
    "sign": None, "floor": None, "ceil": None, "is_finite": None, "not": None,
    "population_count": None, "clz": None,
    "exp": lambda g, ans, x: mul_p.bind(g, ans),
    "exp2": lambda g, ans, x: mul_p.bind(g, mul_p.bind(ans, _weak_const(x, np.log(2)))),
    "log": lambda g, ans, x: div_p.bind(g, x),
    "log1p": lambda g, ans, x: div_p.bind(g, add_p.bind(x, _weak_const(x, 1))),
    "expm1": lambda g, ans, x: mul_p.bind(g, add_p.bind(ans, _weak_const(x, 1))),
    "tanh": lambda g, ans, x: mul_p.bind(add_p.bind(g, mul_p.bind(g, ans)),
                                         sub_p.bind(_weak_const(x, 1), ans)),
    "logistic": lambda g, ans, x: mul_p.bind(g, mul_p.bind(ans, sub_p.bind(_weak_const(x, 1),
                                                                         ans))),
    "sin": lambda g, ans, x: mul_p.bind(g, cos_p.bind(x)),
    "cos": lambda g, ans, x: neg_p.bind(mul_p.bind(g, sin_p.bind(x))),
    "tan": lambda g, ans, x: mul_p.bind(g, add_p.bind(_weak_const(x, 1), mul_p.bind(ans, ans))),
    "asin": lambda g, ans, x: mul_p.bind(g, rsqrt_p.bind(_one_minus_square(x))),
    "acos": lambda g, ans, x: mul_p.bind(g, neg_p.bind(rsqrt_p.bind(_one_minus_square(x)))),
    "atan": lambda g, ans, x: div_p.bind(g, add_p.bind(_weak_const(x, 1), mul_p.bind(x, x))),
    "sinh": lambda g, ans, x: mul_p.bind(g, cosh_p.bind(x)),
    "cosh": lambda g, ans, x: mul_p.bind(g, sinh_p.bind(x)),
    "asinh": lambda g, ans, x: mul_p.bind(g, rsqrt_p.bind(add_p.bind(mul_p.bind(x, x),
                                                                     _weak_const(x, 1)))),
    "acosh": lambda g, ans, x: mul_p.bind(g, rsqrt_p.bind(mul_p.bind(
        sub_p.bind(x, _weak_const(x, 1)), add_p.bind(x, _weak_const(x, 1))))),
    "atanh": lambda g, ans, x: div_p.bind(g, mul_p.bind(add_p.bind(_weak_const(x, 1), x),
                                                        sub_p.bind(_weak_const(x, 1), x))),
    "sqrt": lambda g, ans, x: mul_p.bind(g, div_p.bind(_weak_const(x, 0.5), ans)),
    "rsqrt": lambda g, ans, x: mul_p.bind(g, mul_p.bind(_weak_const(x, -0.5),
                                                        div_p.bind(ans, x))),
    "cbrt": lambda g, ans, x: mul_p.bind(g, mul_p.bind(_weak_const(x, 1 / 3),
                                                       integer_pow_p.bind(ans, y=-2))),
    "square": lambda g, ans, x: mul_p.bind(g, mul_p.bind(_weak_const(x, 2), x)),
    "abs": _abs_jvp,
    "erf": lambda g, ans, x: mul_p.bind(g, mul_p.bind(_weak_const(x, _TWO_OVER_SQRT_PI),
                                                      exp_p.bind(neg_p.bind(mul_p.bind(x, x))))),
    "erfc": lambda g, ans, x: mul_p.bind(g, mul_p.bind(_weak_const(x, -_TWO_OVER_SQRT_PI),
                                                       exp_p.bind(neg_p.bind(mul_p.bind(x, x))))),
    "erf_inv": lambda g, ans, x: mul_p.bind(g, mul_p.bind(_weak_const(x, 1 / _TWO_OVER_SQRT_PI),
                                                          exp_p.bind(mul_p.bind(ans, ans)))),
    "lgamma": lambda g, ans, x: mul_p.bind(g, digamma_p.bind(x)),
    "digamma": lambda g, ans, x: mul_p.bind(g, polygamma_p.bind(_weak_const(x, 1), x)),
    "bessel_i0e": lambda g, ans, x: mul_p.bind(g, sub_p.bind(
        bessel_i1e_p.bind(x), mul_p.bind(sign_p.bind(x), ans))),
    "bessel_i1e": _bessel_i1e_jvp,
}

def _logistic_at(x, accuracy):
  return logistic_p.bind(x, accuracy=accuracy)


# Where JAX differentiates f[accuracy=...] by another formula than f's (one that is accurate
# where the default loses digits), the formula it uses, the accuracy carried into it. sin is left
# out: JAX's jvp takes cos[accuracy] but its grad (sin's linearization rule) a plain cos, and pyjax
# derives both from one rule, so it follows grad.
ACCURACY_DERIVATIVES = {
    "tanh": lambda g, ans, x, accuracy: mul_p.bind(g, mul_p.bind(_weak_const(x, 4), mul_p.bind(
        _logistic_at(mul_p.bind(_weak_const(x, 2), x), accuracy),
        _logistic_at(mul_p.bind(_weak_const(x, -2), x), accuracy)))),
    "logistic": lambda g, ans, x, accuracy: mul_p.bind(g, mul_p.bind(
        ans, logistic_p.bind(neg_p.bind(x)))),
    "cos": lambda g, ans, x, accuracy: mul_p.bind(g, neg_p.bind(sin_p.bind(x, accuracy=accuracy))),
    "expm1": lambda g, ans, x, accuracy: mul_p.bind(g, exp_p.bind(x, accuracy=accuracy)),
}


def _with_accuracy(name, rule):
  accurate_rule = ACCURACY_DERIVATIVES.get(name)

  def jvp_rule(g, ans, x, accuracy=None):
    if accuracy is None or accurate_rule is None:
      return rule(g, ans, x)
    return accurate_rule(g, ans, x, accuracy)
  return jvp_rule


for _name, _rule in UNARY_DERIVATIVES.items():
  if _rule is None:
    ad.defjvp_zero(unary_primitives[_name])
  else:
    ad.defjvp2(unary_primitives[_name],
               _with_accuracy(_name, _rule) if _name in ACCURACY_FUNCTIONS else _rule)

ad.deflinear(neg_p, lambda ct, x: [neg_p.bind(ct)])
ad.deflinear(real_p, lambda ct, x: [complex_p.bind(ct, _weak_const(ct, 0))])
ad.deflinear(imag_p, lambda ct, x: [complex_p.bind(_weak_const(ct, 0), neg_p.bind(ct))])


def _add_jvp(primals, tangents):
  x, y = primals
  tx, ty = tangents
  out = add_p.bind(x, y)
  if type(tx) is ad.Zero and type(ty) is ad.Zero:
    return out, ad.Zero.from_primal(out)
  shape = core.get_aval(out).shape
  if type(tx) is ad.Zero:
    return out, _broadcast_to(ty, shape)
  if type(ty) is ad.Zero:
    return out, _broadcast_to(tx, shape)
  return out, add_p.bind(tx, ty)


def _sub_jvp(primals, tangents):
  x, y = primals
  tx, ty = tangents
  out = sub_p.bind(x, y)
  if type(tx) is ad.Zero and type(ty) is ad.Zero:
    return out, ad.Zero.from_primal(out)
  shape = core.get_aval(out).shape
  if type(tx) is ad.Zero:
    return out, _broadcast_to(neg_p.bind(ty), shape)
  if type(ty) is ad.Zero:
    return out, _broadcast_to(tx, shape)
  return out, sub_p.bind(tx, ty)


def _linear_in_both(transpose_x, transpose_y):
  def transpose(ct, x, y):
    return [unbroadcast(transpose_x(ct), x.aval) if ad.is_undefined_primal(x) else None,
            unbroadcast(transpose_y(ct), y.aval) if ad.is_undefined_primal(y) else None]
  return transpose


ad.primitive_jvps[add_p] = _add_jvp
ad.primitive_transposes[add_p] = _linear_in_both(lambda ct: ct, lambda ct: ct)
ad.primitive_jvps[sub_p] = _sub_jvp
ad.primitive_transposes[sub_p] = _linear_in_both(lambda ct: ct, neg_p.bind)
ad.defbilinear(mul_p, lambda ct, x, y: unbroadcast(mul_p.bind(ct, y), x.aval),
               lambda ct, x, y: unbroadcast(mul_p.bind(x, ct), y.aval))


def _div_transpose(ct, x, y):
  if ad.is_undefined_primal(y):
    raise NotImplementedError("div is not linear in its denominator: cannot transpose it")
  return [unbroadcast(div_p.bind(ct, y), x.aval), None]


ad.defjvp(div_p, lambda g, x, y: div_p.bind(g, y),
          lambda g, x, y: mul_p.bind(mul_p.bind(neg_p.bind(g), x), integer_pow_p.bind(y, y=-2)))
ad.primitive_transposes[div_p] = _div_transpose


def _rem_jvp_rhs(g, x, y):
  quotient = div_p.bind(x, y)  # d/dy rem(x, y) = -trunc(x / y)
  return mul_p.bind(neg_p.bind(g), mul_p.bind(sign_p.bind(quotient),
                                              floor_p.bind(abs_p.bind(quotient))))


ad.defjvp(rem_p, lambda g, x, y: _broadcast_to(g, core.get_aval(rem_p.bind(x, y)).shape),
          _rem_jvp_rhs)


def _polygamma_jvp_order(g, m, x):
  raise ValueError("polygamma gradient with respect to m is not supported")


ad.defjvp(polygamma_p, _polygamma_jvp_order, lambda g, m, x: mul_p.bind(
    g, polygamma_p.bind(add_p.bind(m, _weak_const(m, 1)), x)))


def _balanced_eq(x, z, y):
  """1 where x is the extremum z alone, 1/2 where y equals it too, else 0 (ties share the
  derivative)."""
  one, half, zero = _weak_const(x, 1), _weak_const(x, 0.5), _weak_const(x, 0)
  shape = core.get_aval(z).shape
  share = _st.select_n_p.bind(eq_p.bind(y, z), _broadcast_to(one, shape),
                              _broadcast_to(half, shape))
  return _st.select_n_p.bind(eq_p.bind(x, z), _broadcast_to(zero, shape), share)


for _p in (max_p, min_p):
  ad.defjvp2(_p, lambda g, ans, x, y: mul_p.bind(g, _balanced_eq(x, ans, y)),
             lambda g, ans, x, y: mul_p.bind(g, _balanced_eq(y, ans, x)))


def _atan2_denominator(x, y):
  return add_p.bind(mul_p.bind(x, x), mul_p.bind(y, y))


ad.defjvp(atan2_p, lambda g, x, y: mul_p.bind(g, div_p.bind(y, _atan2_denominator(x, y))),
          lambda g, x, y: mul_p.bind(g, div_p.bind(neg_p.bind(x), _atan2_denominator(x, y))))

for _name in ("nextafter", "and", "or", "xor", "shift_left", "shift_right_arithmetic",
              "shift_right_logical", "eq", "ne", "lt", "le", "gt", "ge"):
  ad.defjvp_zero(binary_primitives[_name])

ad.deflinear(complex_p, lambda ct, x, y: [
    unbroadcast(real_p.bind(ct), x.aval) if ad.is_undefined_primal(x) else None,
    unbroadcast(neg_p.bind(imag_p.bind(ct)), y.aval) if ad.is_undefined_primal(y) else None])

ad.defjvp_zero(round_p)


def _integer_pow_jvp(g, x, *, y):
  if y == 0:
    return ad.zeros_like_aval(core.get_aval(g))
  if y == 1:
    return g
  power = x if y == 2 else integer_pow_p.bind(x, y=y - 1)
  return mul_p.bind(g, mul_p.bind(_weak_const(x, y), power))


ad.defjvp(integer_pow_p, _integer_pow_jvp)


def _pow_jvp_lhs(g, ans, x, y):
  # y x^(y-1), taken as 0 where y == 0 (also at x == 0).
  y_aval = core.get_aval(y)
  y_as_x = (y if y_aval.dtype == core.get_aval(x).dtype else _st.convert_element_type_p.bind(
      y, new_dtype=core.get_aval(x).dtype, weak_type=y_aval.weak_type, sharding=None))
  one = Array(np.array(1, y_aval.dtype), True)
  slope = mul_p.bind(y_as_x, pow_p.bind(x, sub_p.bind(y, one)))
  shape = core.get_aval(slope).shape
  slope = _st.select_n_p.bind(_broadcast_to(eq_p.bind(y, Array(np.array(0, y_aval.dtype), True)),
                                            shape), slope,
                              _broadcast_to(_weak_const(slope, 0), shape))
  return mul_p.bind(g, slope)


def _pow_jvp_rhs(g, ans, x, y):
  # log(x) x^y, with log(0) replaced by 0 (the limit of x^y log x as x -> 0 for y > 0).
  safe_x = _st.select_n_p.bind(eq_p.bind(x, _weak_const(x, 0)), x,
                               _broadcast_to(_weak_const(x, 1), core.get_aval(x).shape))
  return mul_p.bind(g, mul_p.bind(log_p.bind(safe_x), ans))


ad.defjvp2(pow_p, _pow_jvp_lhs, _pow_jvp_rhs)


def _conj_transpose(ct, x, *, input_dtype):
  if dtypes.issubdtype(input_dtype, np.complexfloating):
    return [conj_p.bind(ct, input_dtype=input_dtype)]
  return [real_p.bind(ct)]


ad.deflinear(conj_p, _conj_transpose)


# ------------------------------------------------------------------------------------------------
# reduce_precision: round to a narrower floating-point format, keeping the dtype.


def _reduce_precision_dtype(x, *, exponent_bits, mantissa_bits):
  check_dtype("reduce_precision", x.dtype, FLOATING)
  return x.dtype


def _reduce_precision(x, *, exponent_bits, mantissa_bits):
  """Rounds on the bit pattern: mantissa to nearest-even, then the exponent range of the target
  format (overflow to infinity, results below its smallest normal number to signed zero)."""
  x = np.asarray(x)
  info = dtypes.finfo(x.dtype)
  nbits = x.dtype.itemsize * 8
  src_mantissa, src_exponent = info.nmant, nbits - 1 - info.nmant
  uint = np.dtype(f"uint{nbits}")
  bits = x.view(uint)
  one = uint.type(1)
  if mantissa_bits < src_mantissa:
    shift = uint.type(src_mantissa - mantissa_bits)
    last_kept = (bits >> shift) & one
    bias = (one << (shift - one)) - one + last_kept
    rounded = (bits + bias) & ~((one << shift) - one)
    bits = xp.where(xp.isnan(x), bits, rounded)
  if exponent_bits < src_exponent:
    src_bias, dst_bias = (1 << (src_exponent - 1)) - 1, (1 << (exponent_bits - 1)) - 1
    sign = bits & (one << uint.type(nbits - 1))
    exponent_mask = uint.type(((1 << src_exponent) - 1) << src_mantissa)
    exponent = bits & exponent_mask
    overflow = exponent > uint.type((src_bias + dst_bias) << src_mantissa)
    underflow = exponent <= uint.type((src_bias - dst_bias) << src_mantissa)
    bits = xp.where(overflow, sign | exponent_mask, xp.where(underflow, sign, bits))
    bits = xp.where(xp.isnan(x), x.view(uint), bits)
  return bits.astype(uint).view(x.dtype)


reduce_precision_p = standard_primitive(
    "reduce_precision", lambda x, **p: x.shape, _reduce_precision_dtype, _reduce_precision,
    lambda weak, **p: weak)
batching.defvectorized(reduce_precision_p)  # --- batching
ad.deflinear(reduce_precision_p, lambda ct, x, **params: [reduce_precision_p.bind(ct, **params)])
