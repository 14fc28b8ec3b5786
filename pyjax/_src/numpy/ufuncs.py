"""Elementwise `pyjax.numpy` functions: NumPy's ufuncs with JAX's promotion, built on lax."""
from __future__ import annotations

import operator

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.array import Array
from pyjax._src.core import Tracer
from pyjax._src.custom_derivatives import custom_jvp
from pyjax._src.lax import lax
from pyjax._src.lax.lax import _const
from pyjax._src.lax import elementwise as ew
from pyjax._src.numpy.util import (asarray_or_scalar, check_arraylike, promote_args,
                                   promote_args_inexact,
                                   promote_args_numeric, promote_dtypes_inexact, promote_shapes)


def _unary(name, lax_fn, *, inexact=False, numeric=False):
  promote = promote_args_inexact if inexact else (promote_args_numeric if numeric else
                                                  promote_args)
  # Dtypes needing no promotion: a float or complex Array goes straight to `lax_fn`.
  fast_kinds = "fc" if inexact else "iufc"

  def fn(x, /):
    if type(x) is Array and x._value is not None and x._value.dtype.kind in fast_kinds:
      return lax_fn(x)
    x, = promote(name, x)
    return lax_fn(x)
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = f"Elementwise `{name}`, as `numpy.{name}` with JAX's dtype rules."
  return fn


def _scalar_operand(array_value, scalar):
  """A Python scalar as a strong value of the array's dtype when JAX's promotion would give that
  dtype (float with a floating array, int with an integer array in range), else None."""
  kind = array_value.dtype.kind
  t = type(scalar)
  if t is float and kind in "fc":
    return array_value.dtype.type(scalar)
  # Ints beyond int32 take the general path, which raises JAX's OverflowError in x32 mode.
  if t is int and -2**31 <= scalar < 2**31:
    if kind in "fc":
      return array_value.dtype.type(scalar)
    if kind in "iu":
      info = np.iinfo(array_value.dtype)
      if info.min <= scalar <= info.max:
        return array_value.dtype.type(scalar)
  return None


def _binary(name, lax_fn, *, inexact=False, numeric=False, fast=None, fast_kinds="iufc"):
  """A NumPy-style binary function. `fast` is the primitive to bind directly when no promotion
  is needed (the common eager case: operands of one dtype whose kind is in `fast_kinds`),
  skipping the general promotion machinery."""
  promote = promote_args_inexact if inexact else (promote_args_numeric if numeric else
                                                  promote_args)

  def fn(x, y, /):
    if fast is not None:
      tx, ty = type(x), type(y)
      if tx is Array and ty is Array:
        xv, yv = x._value, y._value
        if (xv is not None and yv is not None and xv.dtype == yv.dtype
            and xv.dtype.kind in fast_kinds and x.weak_type == y.weak_type
            and xv.ndim == yv.ndim):
          return fast.bind(x, y)
      elif tx is Array and not x.weak_type and x._value is not None:
        if x._value.dtype.kind in fast_kinds:
          scalar = _scalar_operand(x._value, y)
          if scalar is not None:
            return fast.bind(x, Array(scalar))
      elif ty is Array and not y.weak_type and y._value is not None:
        if y._value.dtype.kind in fast_kinds:
          scalar = _scalar_operand(y._value, x)
          if scalar is not None:
            return fast.bind(Array(scalar), y)
    x, y = promote(name, x, y)
    return lax_fn(x, y)
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = f"Elementwise `{name}`, as `numpy.{name}` with JAX's dtype rules."
  return fn


def _weak_const(x, value, dtype=None):
  """`value` as a weakly typed scalar of `x`'s dtype (or `dtype`): combined with `x` it keeps `x`'s
  weak type, as JAX's constants in these functions do."""
  return Array(np.array(value, dtype or x.dtype), True)


def _scalar_const(x, value):
  """`value` as a scalar of `x`'s dtype, weak only when `x` itself is a weak scalar (0-d) and
  strong otherwise, as the constants JAX derives from an operand are. Selected against a weak
  array, a strong constant makes the result strong: JAX's `hypot(int8_array, 2.5)` is strong
  while `hypot(2.0, 3)` is weak."""
  weak = core.get_aval(x).weak_type and np.ndim(x) == 0
  return Array(np.array(value, x.dtype), weak)


def _broadcast_all(*args):
  """Arrays (or scalars) broadcast to their common shape, for `select`, which broadcasts
  nothing."""
  shapes = [np.shape(a) if not isinstance(a, (Array, Tracer)) else a.shape for a in args]
  target = np.broadcast_shapes(*shapes)
  return [a if shape == target else lax.broadcast_in_dim(
      a, target, tuple(range(len(target) - len(shape), len(target))))
      for a, shape in zip(args, shapes)]


def _where(condition, x, y):
  """`x` where `condition` else `y`, broadcasting all three (jnp.where without promotion)."""
  return lax.select(*_broadcast_all(condition, x, y))


def _bool_or(lax_fn, bool_fn):
  """A binary lax function that uses `bool_fn` for booleans (NumPy's add on bools is `or`)."""
  def fn(x, y):
    return bool_fn(x, y) if x.dtype == np.bool_ else lax_fn(x, y)
  return fn


add = _binary("add", _bool_or(lax.add, lax.bitwise_or), fast=ew.add_p)
multiply = _binary("multiply", _bool_or(lax.mul, lax.bitwise_and), fast=ew.mul_p)
subtract = _binary("subtract", lax.sub, fast=ew.sub_p)
maximum = _binary("maximum", lax.max, fast=ew.max_p)
minimum = _binary("minimum", lax.min, fast=ew.min_p)
equal = _binary("equal", lax.eq, fast=ew.eq_p)
not_equal = _binary("not_equal", lax.ne, fast=ew.ne_p)


def _ordering(op, strict_op):
  """An order comparison `op`; complex numbers compare lexicographically, as in JAX: by
  `strict_op` on the real parts, and by `op` on the imaginary parts where the real parts are
  equal."""
  def fn(x, y):
    if not dtypes.issubdtype(x.dtype, np.complexfloating):
      return op(x, y)
    return lax.select(lax.eq(lax.real(x), lax.real(y)), op(lax.imag(x), lax.imag(y)),
                      strict_op(lax.real(x), lax.real(y)))
  return fn


less = _binary("less", _ordering(lax.lt, lax.lt), fast=ew.lt_p, fast_kinds="iuf")
less_equal = _binary("less_equal", _ordering(lax.le, lax.lt), fast=ew.le_p, fast_kinds="iuf")
greater = _binary("greater", _ordering(lax.gt, lax.gt), fast=ew.gt_p, fast_kinds="iuf")
greater_equal = _binary("greater_equal", _ordering(lax.ge, lax.gt), fast=ew.ge_p,
                        fast_kinds="iuf")
bitwise_and = _binary("bitwise_and", lax.bitwise_and)
bitwise_or = _binary("bitwise_or", lax.bitwise_or)
bitwise_xor = _binary("bitwise_xor", lax.bitwise_xor)

true_divide = _binary("true_divide", lax.div, inexact=True, fast=ew.div_p, fast_kinds="fc")
divide = true_divide
arctan2 = _binary("arctan2", lax.atan2, inexact=True)
nextafter = _binary("nextafter", lax.nextafter, inexact=True)
left_shift = _binary("left_shift", lax.shift_left, numeric=True)


def _right_shift(x, y):
  if dtypes.issubdtype(x.dtype, np.unsignedinteger):
    return lax.shift_right_logical(x, y)
  return lax.shift_right_arithmetic(x, y)


right_shift = _binary("right_shift", _right_shift, numeric=True)


def _to_bool(x):
  return x if x.dtype == np.bool_ else lax.ne(x, _scalar_const(x, 0))


def _logical_binary(name, lax_fn):
  """A logical function: each operand becomes bool on its own (nonzero is True), without
  promotion to a common dtype first (so a weak operand stays weak), as in JAX."""
  def fn(x, y, /):
    check_arraylike(name, x, y)
    x, y = promote_shapes(name, _to_bool(asarray_or_scalar(x)), _to_bool(asarray_or_scalar(y)))
    return lax_fn(x, y)
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = f"Elementwise `{name}` of the operands' truth values."
  return fn


logical_and = _logical_binary("logical_and", lax.bitwise_and)
logical_or = _logical_binary("logical_or", lax.bitwise_or)
logical_xor = _logical_binary("logical_xor", lax.bitwise_xor)


def logical_not(x, /):
  """Elementwise logical NOT (nonzero is True)."""
  x, = promote_args("logical_not", x)
  return lax.bitwise_not(_to_bool(x))


def _check_not_bool(name, x):
  if x.dtype == np.bool_:
    raise TypeError(f"{name} does not accept dtype bool.")
  return x


negative = _unary("negative", lambda x: lax.neg(_check_not_bool("negative", x)))
positive = _unary("positive", lambda x: x)
def _is_integral(x):
  return x.dtype == np.bool_ or dtypes.issubdtype(x.dtype, np.integer)


sign = _unary("sign", lax.sign)
floor = _unary("floor", lambda x: x if _is_integral(x) else lax.floor(x))
ceil = _unary("ceil", lambda x: x if _is_integral(x) else lax.ceil(x))
trunc = _unary("trunc", lambda x: _trunc(x))
invert = _unary("invert", lax.bitwise_not)
bitwise_not = invert
bitwise_invert = invert


def _trunc(x):
  if _is_integral(x):
    return x
  return lax.select(lax.lt(x, lax.full_like(x, 0)), lax.ceil(x), lax.floor(x))


def absolute(x, /):
  """Elementwise absolute value (the magnitude, as a real dtype, for complex inputs)."""
  x, = promote_args("absolute", x)
  if x.dtype == np.bool_ or dtypes.issubdtype(x.dtype, np.unsignedinteger):
    return x
  return lax.abs(x)


abs = absolute  # noqa: A001

sqrt = _unary("sqrt", lax.sqrt, inexact=True)
cbrt = _unary("cbrt", lax.cbrt, inexact=True)
exp = _unary("exp", lax.exp, inexact=True)
exp2 = _unary("exp2", lax.exp2, inexact=True)
expm1 = _unary("expm1", lax.expm1, inexact=True)
log = _unary("log", lax.log, inexact=True)
log1p = _unary("log1p", lax.log1p, inexact=True)
sin = _unary("sin", lax.sin, inexact=True)
cos = _unary("cos", lax.cos, inexact=True)
tan = _unary("tan", lax.tan, inexact=True)
arcsin = _unary("arcsin", lax.asin, inexact=True)
arccos = _unary("arccos", lax.acos, inexact=True)
arctan = _unary("arctan", lax.atan, inexact=True)
sinh = _unary("sinh", lax.sinh, inexact=True)
cosh = _unary("cosh", lax.cosh, inexact=True)
tanh = _unary("tanh", lax.tanh, inexact=True)
arcsinh = _unary("arcsinh", lax.asinh, inexact=True)
arccosh = _unary("arccosh", lax.acosh, inexact=True)
arctanh = _unary("arctanh", lax.atanh, inexact=True)
asin, acos, atan, asinh, acosh, atanh = arcsin, arccos, arctan, arcsinh, arccosh, arctanh
atan2 = arctan2


def _log_base(name, base):
  def fn(x):
    return lax.div(lax.log(x), lax.log(_const(x, base)))
  return _unary(name, fn, inexact=True)


log2 = _log_base("log2", 2)
log10 = _log_base("log10", 10)


def square(x, /):
  """Elementwise `x * x`."""
  x, = promote_args_numeric("square", x)
  return lax.square(x)


def reciprocal(x, /):
  """Elementwise `1 / x` (integers are first converted to the default float type)."""
  x, = promote_args_inexact("reciprocal", x)
  return lax.integer_pow(x, -1)


def isfinite(x, /):
  x, = promote_args("isfinite", x)
  if dtypes.issubdtype(x.dtype, np.floating):
    return lax.is_finite(x)
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    return lax.bitwise_and(lax.is_finite(lax.real(x)), lax.is_finite(lax.imag(x)))
  return lax.full_like(x, True, dtype=np.bool_)


def isnan(x, /):
  x, = promote_args("isnan", x)
  return lax.ne(x, x)


def isinf(x, /):
  x, = promote_args("isinf", x)
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    return lax.bitwise_or(isinf(lax.real(x)), isinf(lax.imag(x)))
  if dtypes.issubdtype(x.dtype, np.floating):
    return lax.eq(lax.abs(x), _const(x, np.inf))
  return lax.full_like(x, False, dtype=np.bool_)


def real(x, /):
  x, = promote_args("real", x)
  return lax.real(x) if dtypes.issubdtype(x.dtype, np.complexfloating) else x


def imag(x, /):
  x, = promote_args("imag", x)
  return lax.imag(x) if dtypes.issubdtype(x.dtype, np.complexfloating) else lax.full_like(x, 0)


def conjugate(x, /):
  x, = promote_args("conjugate", x)
  return lax.conj(x) if dtypes.issubdtype(x.dtype, np.complexfloating) else x


conj = conjugate


def power(x1, x2, /):
  """`x1 ** x2`. A concrete integer exponent becomes `integer_pow` (exact repeated products); an
  integer-valued array exponent of a float base is passed to `pow` as it is."""
  check_arraylike("power", x1, x2)
  exponent = _concrete_integer(x2)
  if exponent is not None:
    x1, = promote_args_numeric("power", x1)
    return lax.integer_pow(x1, exponent)
  exponent = asarray_or_scalar(x2)
  x1, x2 = promote_args_numeric("power", x1, x2)
  if dtypes.issubdtype(x1.dtype, np.integer):
    return _integer_power(x1, x2)
  if dtypes.issubdtype(exponent.dtype, np.integer):
    # JAX converts the integer exponent too, but raises the base to the original integers.
    return lax.pow(x1, promote_shapes("power", x1, exponent)[1])
  return lax.pow(x1, x2)


def _concrete_integer(x):
  """`x` as a Python int when it is a concrete integer (a Python int or bool, a NumPy integer, a
  0-d integer Array), else None: JAX raises to such an exponent with `integer_pow`. Boolean
  arrays and NumPy bools are not integers to `operator.index` in JAX."""
  if isinstance(x, Tracer) or getattr(x, "dtype", None) == np.bool_:
    return None
  try:
    return operator.index(x)
  except TypeError:
    return None


def _integer_power(x, y):
  # Square-and-multiply over the low 6 bits of the (traced) exponent, as JAX does (higher bits
  # are ignored; a negative exponent counts by its two's complement bits).
  # The initial 0 or 1 is a strongly typed constant (as in JAX), so the result is strong even
  # for weak operands: `2 ** bool_array` is a strong int32 array.
  zero, one = Array(np.array(0, y.dtype)), Array(np.array(1, y.dtype))
  acc = _where(lax.bitwise_and(lax.eq(x, zero), lax.ne(y, zero)), zero, one)
  base, exponent = x, y
  for i in range(6):
    if i:
      base = lax.mul(base, base)
      exponent = lax.shift_right_logical(exponent, _weak_const(exponent, 1))
    odd = lax.bitwise_and(exponent, _weak_const(exponent, 1))
    acc = _where(lax.ne(odd, _weak_const(odd, 0)), lax.mul(acc, base), acc)
  return acc


def float_power(x1, x2, /):
  x1, x2 = promote_args_inexact("float_power", x1, x2)
  return lax.pow(x1, x2)


def _float_divmod(x1, x2):
  mod = lax.rem(x1, x2)
  # A zero divisor divides x1 itself (giving +-inf or nan), not x1 - mod.
  quotient = lax.div(_where(lax.eq(x2, _weak_const(x2, 0)), x1, lax.sub(x1, mod)), x2)
  fix = lax.bitwise_and(lax.ne(mod, _weak_const(mod, 0)),
                        lax.ne(lax.sign(x2), lax.sign(mod)))
  mod = _where(fix, lax.add(mod, x2), mod)
  quotient = _where(fix, lax.sub(quotient, _weak_const(quotient, 1)), quotient)
  return lax.round(quotient), mod


def floor_divide(x1, x2, /):
  """`x1 // x2`, rounding toward negative infinity (NumPy's semantics)."""
  x1, x2 = promote_args_numeric("floor_divide", x1, x2)
  if dtypes.issubdtype(x1.dtype, np.unsignedinteger):
    return lax.div(x1, x2)
  if dtypes.issubdtype(x1.dtype, np.integer):
    quotient = lax.div(x1, x2)
    fix = lax.bitwise_and(lax.ne(lax.sign(x1), lax.sign(x2)),
                          lax.ne(lax.rem(x1, x2), _weak_const(x1, 0)))
    return _where(fix, lax.sub(quotient, _weak_const(quotient, 1)), quotient)
  if dtypes.issubdtype(x1.dtype, np.complexfloating):
    raise TypeError("floor_divide does not support complex-valued inputs.")
  return _float_divmod(x1, x2)[0]


def remainder(x1, x2, /):
  """`x1 % x2` with the sign of the divisor (NumPy's semantics)."""
  x1, x2 = promote_args_numeric("remainder", x1, x2)
  if dtypes.issubdtype(x1.dtype, np.complexfloating):
    raise TypeError("remainder does not support complex-valued inputs.")
  x2 = _nonzero_divisor(x2)
  mod = lax.rem(x1, x2)
  zero = _weak_const(mod, 0)
  fix = lax.bitwise_and(lax.ne(lax.lt(mod, zero), lax.lt(x2, zero)), lax.ne(mod, zero))
  return _where(fix, lax.add(mod, x2), mod)


def _nonzero_divisor(x2):
  """An integer divisor with zeros replaced by ones: jnp's x % 0 is 0 (lax.rem would give x)."""
  if not _is_integral(x2):
    return x2
  return _where(lax.eq(x2, _weak_const(x2, 0)), _weak_const(x2, 1), x2)


mod = remainder


def fmod(x1, x2, /):
  """Remainder with the sign of the dividend (C's fmod)."""
  check_arraylike("fmod", x1, x2)
  # Integer zero divisors give 0 (as 1 would); booleans, though computed as integers, keep
  # lax.rem's x % 0 == x, as in JAX.
  integer = dtypes.issubdtype(dtypes.result_type(x1, x2), np.integer)
  x1, x2 = promote_args_numeric("fmod", x1, x2)
  return lax.rem(x1, _nonzero_divisor(x2) if integer else x2)


def divmod(x1, x2, /):  # noqa: A001
  return floor_divide(x1, x2), remainder(x1, x2)


def rint(x, /):
  check_arraylike("rint", x)
  if _is_integral(asarray_or_scalar(x)):
    # Integers are already whole: only converted, to a strongly typed float.
    return lax.convert_element_type(x, dtypes.default_float_dtype())
  x, = promote_args_inexact("rint", x)
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    return lax.complex(rint(lax.real(x)), rint(lax.imag(x)))
  return lax.round(x, ew.RoundingMethod.TO_NEAREST_EVEN)


def hypot(x1, x2, /):
  x1, x2 = promote_args_inexact("hypot", x1, x2)
  if dtypes.issubdtype(x1.dtype, np.complexfloating):
    raise ValueError("jnp.hypot is not well defined for complex-valued inputs. Please convert to "
                     "real values first, such as by using abs(x)")
  x1, x2 = lax.abs(x1), lax.abs(x2)
  infinite = lax.bitwise_or(lax.eq(x1, _weak_const(x1, np.inf)),
                           lax.eq(x2, _weak_const(x2, np.inf)))
  big, small = lax.max(x1, x2), lax.min(x1, x2)
  is_zero = lax.eq(big, _weak_const(big, 0))
  ratio = lax.div(small, _where(is_zero, lax.full_like(big, 1), big))
  scaled = lax.mul(big, lax.sqrt(lax.add(_weak_const(ratio, 1), lax.square(ratio))))
  finite = _where(is_zero, big, scaled)
  return _where(infinite, _scalar_const(finite, np.inf), finite)


def logaddexp(x1, x2, /):
  x1, x2 = promote_args_inexact("logaddexp", x1, x2)
  return _logaddexp(x1, x2)


def _logaddexp_impl(x1, x2):
  amax = lax.max(x1, x2)
  if dtypes.issubdtype(amax.dtype, np.complexfloating):
    # log(e^x1 + e^x2) = amax + log1p(e^(other - amax)), `other` the operand that is not amax.
    return lax.add(amax, lax.log1p(lax.exp(lax.sub(lax.add(x1, x2), lax.add(amax, amax)))))
  delta = lax.sub(x1, x2)
  finite = lax.select(lax.ne(delta, delta), lax.add(x1, x2),
                      lax.add(amax, lax.log1p(lax.exp(lax.neg(lax.abs(delta))))))
  return finite


def _zero_positive_infinity(x):
  return lax.select(lax.eq(x, _const(x, np.inf)), lax.full_like(x, 0), x)


def _logaddexp_jvp(primals, tangents):
  # d/dx_i = exp(x_i - out): 1/2 each at a tie (where max has no derivative), as in JAX;
  # +inf is replaced by 0 so that an infinite operand gets 1 (not NaN) and a finite one 0.
  x1, x2 = primals
  t1, t2 = tangents
  out = _logaddexp(x1, x2)
  weight1 = lax.exp(lax.sub(_zero_positive_infinity(x1), _zero_positive_infinity(out)))
  weight2 = lax.exp(lax.sub(_zero_positive_infinity(x2), _zero_positive_infinity(out)))
  return out, lax.add(lax.mul(t1, weight1), lax.mul(t2, weight2))


_logaddexp = custom_jvp(_logaddexp_impl)
_logaddexp.defjvp(_logaddexp_jvp)


def signbit(x, /):
  x, = promote_args("signbit", x)
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    raise ValueError(f"jax.numpy.signbit is not well defined for {x.dtype.name}")
  if dtypes.issubdtype(x.dtype, np.integer):
    return lax.lt(x, _const(x, 0))
  if x.dtype == np.bool_:
    return lax.full_like(x, False, dtype=np.bool_)
  bits = x.dtype.itemsize * 8
  int_type = np.dtype(f"int{bits}")
  return lax.lt(lax.bitcast_convert_type(x, int_type), _const(x, 0, dtype=int_type))


def copysign(x1, x2, /):
  x1, x2 = promote_args_inexact("copysign", x1, x2)
  if dtypes.issubdtype(x1.dtype, np.complexfloating):
    raise TypeError("copysign does not support complex-valued inputs")
  return _where(signbit(x2), lax.neg(lax.abs(x1)), lax.abs(x1))


def deg2rad(x, /):
  x, = promote_args_inexact("deg2rad", x)
  return lax.mul(x, _scalar_const(x, np.pi / 180))


def rad2deg(x, /):
  x, = promote_args_inexact("rad2deg", x)
  return lax.mul(x, _scalar_const(x, 180 / np.pi))


radians, degrees = deg2rad, rad2deg


def _promote_two(name, x, y):
  return promote_shapes(name, *promote_dtypes_inexact(x, y))


bitwise_left_shift, bitwise_right_shift = left_shift, right_shift


def logaddexp2(x1, x2, /):
  """`log2(2**x1 + 2**x2)`, without overflow."""
  x1, x2 = promote_args_inexact("logaddexp2", x1, x2)
  ln2 = _scalar_const(lax.max(x1, x2), np.log(2))
  return lax.div(logaddexp(lax.mul(x1, ln2), lax.mul(x2, ln2)), ln2)


def angle(z, deg=False):
  """The complex argument of `z` (in degrees if `deg`); 0 or pi for real numbers."""
  z, = promote_args("angle", z)
  re, im = real(z), imag(z)
  dtype = dtypes.result_type(re, im)
  if not dtypes.issubdtype(dtype, np.inexact) or (
      dtypes.issubdtype(z.dtype, np.floating) and np.ndim(z) == 0):
    # Converted only here, as in JAX: a weak float array keeps its weak type.
    dtype = dtypes.default_float_dtype()
    re = lax.convert_element_type(re, dtype)
    im = lax.convert_element_type(im, dtype)
  result = lax.atan2(im, re)
  return rad2deg(result) if deg else result


def bitwise_count(x, /):
  """The number of 1 bits in the absolute value of each (integer) element, as uint8."""
  x, = promote_args_numeric("bitwise_count", x)
  if not dtypes.issubdtype(x.dtype, np.integer):
    raise TypeError(f"bitwise_count requires integer inputs, got {x.dtype}.")
  return lax.convert_element_type(lax.population_count(absolute(x)), np.uint8)


def fabs(x, /):
  """Absolute value as a float (complex inputs are rejected, as in NumPy)."""
  x, = promote_args_inexact("fabs", x)
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    raise TypeError("ufunc 'fabs' does not support complex dtypes")
  return lax.abs(x)


def _nan_ignoring(name, pick):
  def fn(x1, x2):
    x1, x2 = promote_args(name, x1, x2)
    # The other operand where one is NaN; `pick` otherwise (NaN only if both are).
    return _where(isnan(x1), x2, _where(isnan(x2), x1, pick(x1, x2)))
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = f"Elementwise {name[1:]}imum, ignoring NaNs (NaN only where both are NaN)."
  return fn


fmax = _nan_ignoring("fmax", maximum)
fmin = _nan_ignoring("fmin", minimum)


def frexp(x, /):
  """`(mantissa, exponent)` with `x == mantissa * 2**exponent` and `0.5 <= |mantissa| < 1`."""
  x, = promote_args_inexact("frexp", x)
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    raise TypeError("frexp does not support complex-valued inputs")
  return _frexp(x)


def _frexp_impl(x):
  info = dtypes.finfo(x.dtype)
  nbits = info.bits
  int_type = np.dtype(f"int{nbits}")
  uint_type = np.dtype(f"uint{nbits}")
  mantissa_bits = info.nmant
  exponent_mask = ((1 << info.nexp) - 1) << mantissa_bits
  bias = -info.minexp + 1
  # Subnormals are first scaled into the normal range, then their exponent is corrected.
  is_subnormal = lax.lt(lax.abs(x), _const(x, info.smallest_normal))
  scale = float(2 ** mantissa_bits)
  scaled = _where(is_subnormal, lax.mul(x, _const(x, scale)), x)
  bits = lax.bitcast_convert_type(scaled, uint_type)
  raw_exponent = lax.shift_right_logical(lax.bitwise_and(bits, _const(bits, exponent_mask)),
                                         _const(bits, mantissa_bits))
  exponent = lax.sub(lax.convert_element_type(raw_exponent, int_type),
                     _const(raw_exponent, bias - 1, dtype=int_type))
  exponent = _where(is_subnormal, lax.sub(exponent, _const(exponent, mantissa_bits)), exponent)
  half_exponent_bits = _const(bits, (bias - 1) << mantissa_bits)
  mantissa = lax.bitcast_convert_type(
      lax.bitwise_or(lax.bitwise_and(bits, lax.bitwise_not(_const(bits, exponent_mask))),
                     half_exponent_bits), x.dtype)
  special = lax.bitwise_or(lax.eq(x, _const(x, 0)), lax.bitwise_not(lax.is_finite(x)))
  mantissa = _where(special, x, mantissa)
  exponent = _where(special, lax.full_like(exponent, 0), exponent)
  return mantissa, lax.convert_element_type(exponent, np.int32)


def _frexp_jvp(primals, tangents):
  # The mantissa is x * 2**-exponent with a piecewise-constant exponent.
  x, = primals
  t, = tangents
  mantissa, exponent = _frexp(x)
  scale = lax.exp2(lax.neg(lax.convert_element_type(exponent, x.dtype)))
  return (mantissa, exponent), (lax.mul(t, scale), lax.full_like(exponent, 0, dtype=dtypes.float0))


_frexp = custom_jvp(_frexp_impl)
_frexp.defjvp(_frexp_jvp)


def _integer_args(name, x1, x2):
  x1, x2 = promote_args(name, x1, x2)
  if not dtypes.issubdtype(x1.dtype, np.integer):
    raise ValueError(f"Arguments to jax.numpy.{name} must be integers.")
  return x1, x2


def _gcd(x1, x2):
  x1, x2 = _broadcast_all(absolute(x1), absolute(x2))
  from pyjax._src.lax.control_flow import while_loop

  # Euclid's algorithm on all elements at once, until every remainder is zero.
  def cond(state):
    return lax.reduce_or(lax.ne(state[1], _weak_const(state[1], 0)), tuple(range(x1.ndim)))

  def body(state):
    a, b = state
    nonzero = lax.ne(b, _weak_const(b, 0))
    safe_b = _where(nonzero, b, _weak_const(b, 1))
    # The remainder of a zero divisor is a constant, strong unless `b` is a weak scalar, and the
    # pair is ordered larger first by selecting between both values: so, as in JAX, weak array
    # operands give a strong result (the loop makes the weak carries strong).
    a, b = _where(nonzero, b, a), _where(nonzero, lax.rem(a, safe_b), _scalar_const(b, 0))
    swap = lax.lt(a, b)
    return _where(swap, b, a), _where(swap, a, b)
  return while_loop(cond, body, (x1, x2))[0]


def gcd(x1, x2):
  """Greatest common divisor of the absolute values (integers only)."""
  x1, x2 = _integer_args("gcd", x1, x2)
  return _gcd(x1, x2)


def lcm(x1, x2):
  """Least common multiple of the absolute values (integers only; 0 if either is 0)."""
  x1, x2 = _integer_args("lcm", x1, x2)
  divisor = _gcd(x1, x2)
  is_zero = lax.eq(divisor, _weak_const(divisor, 0))
  return _where(is_zero, _scalar_const(divisor, 0),
                lax.mul(absolute(x1), lax.div(absolute(x2),
                                              _where(is_zero, _weak_const(divisor, 1),
                                                     divisor))))


def heaviside(x1, x2, /):
  """Step function: 0 where `x1 < 0`, 1 where `x1 > 0`, `x2` where `x1 == 0`."""
  x1, x2 = promote_args_inexact("heaviside", x1, x2)
  zero = _scalar_const(x1, 0)
  return _where(lax.lt(x1, zero), zero,
                _where(lax.gt(x1, zero), _scalar_const(x1, 1), _where(isnan(x1), x1, x2)))


def _infinity_test(name, sign):
  def fn(x, /, out=None):
    if out is not None:
      raise NotImplementedError("The 'out' argument to isneginf/isposinf is not supported.")
    x, = promote_args(name, x)
    if dtypes.issubdtype(x.dtype, np.complexfloating):
      raise ValueError("isposinf/isneginf are not well defined for complex types")
    if not dtypes.issubdtype(x.dtype, np.floating):
      return lax.full_like(x, False, dtype=np.bool_)
    return lax.eq(x, _const(x, sign * np.inf))
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = f"Whether each element is {'-' if sign < 0 else '+'}inf."
  return fn


isneginf = _infinity_test("isneginf", -1)
isposinf = _infinity_test("isposinf", 1)


def ldexp(x1, x2, /):
  """`x1 * 2**x2` for an integer exponent `x2`."""
  check_arraylike("ldexp", x1, x2)
  x1_dtype, x2_dtype = dtypes.result_type(x1), dtypes.result_type(x2)
  if (dtypes.issubdtype(x1_dtype, np.complexfloating)
      or dtypes.issubdtype(x2_dtype, np.inexact)):
    raise ValueError(f"ldexp not supported for input types {(x1_dtype, x2_dtype)}")
  x1, = promote_args_inexact("ldexp", x1)
  original = x1
  x1, x2 = promote_shapes("ldexp", x1, asarray_or_scalar(x2))
  x2 = lax.convert_element_type(x2, np.int32)
  # Two steps keep 2**(x2/2) representable where 2**x2 alone would over- or underflow.
  half = lax.shift_right_arithmetic(x2, _const(x2, 1))
  first = lax.pow(_const(x1, 2), lax.convert_element_type(half, x1.dtype))
  second = lax.pow(_const(x1, 2), lax.convert_element_type(lax.sub(x2, half), x1.dtype))
  result = lax.mul(lax.mul(x1, first), second)
  # Zeros and infinities stay as they are (0 * 2**big would be NaN).
  keep = lax.bitwise_or(isinf(original), lax.eq(original, _const(original, 0)))
  return _where(keep, original, result)


def modf(x, /, out=None):
  """`(fractional part, integral part)`, both with the sign of `x`."""
  if out is not None:
    raise NotImplementedError("The 'out' argument to jnp.modf is not supported.")
  x, = promote_args_inexact("modf", x)
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    raise TypeError("modf does not support complex-valued inputs")
  whole = _trunc(x)
  return lax.sub(x, whole), whole


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
  """`x` with NaN replaced by `nan` and infinities by `posinf`/`neginf` (default: the largest
  and smallest finite values of the dtype)."""
  del copy  # Arrays are immutable: there is nothing to copy.
  check_arraylike("nan_to_num", x)
  x = asarray_or_scalar(x)
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    return lax.complex(nan_to_num(lax.real(x), nan=nan, posinf=posinf, neginf=neginf),
                       nan_to_num(lax.imag(x), nan=nan, posinf=posinf, neginf=neginf))
  if not dtypes.issubdtype(x.dtype, np.inexact):
    return x
  info = dtypes.finfo(x.dtype)
  posinf = info.max if posinf is None else posinf
  neginf = info.min if neginf is None else neginf
  x = _where(isnan(x), asarray_or_scalar(nan).astype(x.dtype), x)
  x = _where(isposinf(x), asarray_or_scalar(posinf).astype(x.dtype), x)
  return _where(isneginf(x), asarray_or_scalar(neginf).astype(x.dtype), x)


def spacing(x, /):
  """The distance from `x` to the next representable number away from zero (negative for
  negative `x`)."""
  x, = promote_args_inexact("spacing", x)
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    raise ValueError("spacing is not defined for complex inputs.")
  if x.dtype == np.float16:
    # NumPy steps float16 toward +inf whatever the sign (and JAX follows it).
    return lax.sub(lax.nextafter(x, _const(x, np.inf)), x)
  away = _where(signbit(x), _const(x, -np.inf), _const(x, np.inf))
  result = lax.sub(lax.nextafter(x, away), x)
  # A flushed subnormal step is reported as the smallest subnormal, as in NumPy.
  tiny = dtypes.finfo(x.dtype).smallest_subnormal
  return _where(lax.eq(result, _const(x, 0)), _where(signbit(x), _const(x, -tiny),
                                                     _const(x, tiny)), result)



# NumPy's ufunc objects: `jnp.add.reduce`, `.accumulate`, `.reduceat`, `.outer`, `.at`.

_AT_INPLACE_MESSAGE = (
    "Because JAX arrays are immutable, jnp.ufunc.at() cannot operate inplace like\n"
    "np.ufunc.at(). Instead, you can pass inplace=False and capture the result; e.g.\n"
    ">>> arr = jnp.add.at(arr, ind, val, inplace=False)\n")


class ufunc:
  """A universal function: `func` applied elementwise with broadcasting, plus NumPy's ufunc
  methods. `call`, `reduce`, `accumulate`, `at` and `reduceat` are optional faster
  implementations; without them the methods apply `func` one step at a time, as JAX does."""

  def __init__(self, func, /, nin, nout, *, name=None, nargs=None, identity=None, call=None,
               reduce=None, accumulate=None, at=None, reduceat=None):
    self.__doc__ = func.__doc__
    self.__name__ = name or func.__name__
    # Read-only (properties below), so that a ufunc is a valid static argument of jit.
    self._static = (func, operator.index(nin), operator.index(nout),
                    operator.index(nargs or nin), identity, call, reduce, accumulate, at,
                    reduceat)
    self._call = call or self._call_vectorized

  _func = property(lambda self: self._static[0])
  nin = property(lambda self: self._static[1])
  nout = property(lambda self: self._static[2])
  nargs = property(lambda self: self._static[3])
  identity = property(lambda self: self._static[4])

  def __hash__(self):
    return hash((self.__name__, *self._static))

  def __eq__(self, other):
    return (isinstance(other, ufunc) and self.__name__ == other.__name__
            and self._static == other._static)

  def __repr__(self):
    return f"<jnp.ufunc '{self.__name__}'>"

  def __call__(self, *args, out=None, where=None):
    if out is not None:
      raise NotImplementedError(f"out argument of {self}")
    if where is not None:
      raise NotImplementedError(f"where argument of {self}")
    return self._call(*args)

  def _call_vectorized(self, *args):
    from pyjax._src.numpy.functional import vectorize
    return vectorize(self._func)(*args)

  def _check_binary(self, method):
    if self.nin != 2:
      raise ValueError(f"{method} only supported for binary ufuncs")
    if self.nout != 1:
      raise ValueError(f"{method} only supported for functions returning a single value")

  def _result_dtype(self, *args):
    from pyjax._src.jit import eval_shape
    ones = [lax.full((), 1, asarray_or_scalar(a).dtype) for a in args]
    return eval_shape(self._func, *ones).dtype

  def reduce(self, a, axis=0, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """`a` combined along `axis` by this (binary) ufunc, as `numpy.ufunc.reduce`."""
    self._check_binary("reduce")
    if out is not None:
      raise NotImplementedError(f"out argument of {self.__name__}.reduce()")
    if where is not None:
      if self.identity is None and initial is None:
        raise ValueError(f"reduction operation {self.__name__!r} does not have an identity, "
                         "so to use a where mask one has to specify 'initial'.")
      where = asarray_or_scalar(where)
      if where.dtype != np.bool_:
        raise ValueError(f"where argument must have dtype=bool; got dtype={where.dtype}")
    reduce = self._static[6] or self._reduce_sequentially
    return reduce(a, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial, where=where)

  def _reduce_sequentially(self, a, axis=0, dtype=None, keepdims=False, initial=None,
                           where=None):
    from pyjax._src.lax.control_flow import fori_loop
    from pyjax._src.numpy.lax_numpy import broadcast_to, moveaxis, ravel
    check_arraylike(f"{self.__name__}.reduce", a)
    a = asarray_or_scalar(a)
    initial = self.identity if initial is None else initial
    dtype = self._result_dtype(a, a) if dtype is None else np.dtype(dtype)
    if where is not None:
      where = broadcast_to(where, a.shape)
    if isinstance(axis, tuple):
      raise NotImplementedError("tuple of axes")
    if axis is None:
      final_shape = (1,) * a.ndim if keepdims else ()
      a, where = ravel(a), (None if where is None else ravel(where))
      axis = 0
    else:
      from pyjax._src.numpy.util import canonicalize_axis
      axis = canonicalize_axis(axis, a.ndim)
      final_shape = a.shape[:axis] + ((1,) if keepdims else ()) + a.shape[axis + 1:]
      if axis:
        a, where = moveaxis(a, axis, 0), (None if where is None else moveaxis(where, axis, 0))
    if a.shape[0] == 0:
      if initial is None:
        raise ValueError(f"zero-size array to reduction operation {self.__name__} which has no "
                         "identity")
      return lax.full(final_shape, initial, dtype)

    def step(i, acc):
      combined = self(acc, a[i].astype(dtype))
      return combined if where is None else _where(where[i], combined, acc)
    start = 1 if initial is None else 0
    acc = a[0] if initial is None else asarray_or_scalar(initial)
    acc = lax.broadcast_in_dim(acc.astype(dtype), a.shape[1:], ()) if acc.ndim == 0 else \
        acc.astype(dtype)
    result = fori_loop(start, a.shape[0], step, acc)
    return lax.reshape(result, final_shape) if keepdims else result

  def accumulate(self, a, axis=0, dtype=None, out=None):
    """Running results of `reduce` along `axis`, as `numpy.ufunc.accumulate`."""
    self._check_binary("accumulate")
    if out is not None:
      raise NotImplementedError(f"out argument of {self.__name__}.accumulate()")
    accumulate = self._static[7] or self._accumulate_sequentially
    return accumulate(a, axis=axis, dtype=dtype)

  def _accumulate_prepare(self, a, axis, dtype):
    from pyjax._src.numpy.util import canonicalize_axis
    check_arraylike(f"{self.__name__}.accumulate", a)
    a = asarray_or_scalar(a)
    dtype = self._result_dtype(a, a) if dtype is None else np.dtype(dtype)
    if axis is None or isinstance(axis, tuple):
      raise ValueError("accumulate does not allow multiple axes")
    return a, canonicalize_axis(axis, a.ndim), dtype

  def _accumulate_sequentially(self, a, axis=0, dtype=None):
    from pyjax._src.lax.control_flow import scan
    from pyjax._src.numpy.lax_numpy import moveaxis
    a, axis, dtype = self._accumulate_prepare(a, axis, dtype)
    if a.size == 0:
      return lax.full(a.shape, 0, dtype)
    a = moveaxis(a, axis, 0).astype(dtype)

    def step(acc, x):
      acc = self(acc, x).astype(dtype)
      return acc, acc
    _, rest = scan(step, a[0], a[1:])
    from pyjax._src.numpy.lax_numpy import concatenate
    return moveaxis(concatenate([a[:1], rest]), 0, axis)

  def _accumulate_associatively(self, a, axis=0, dtype=None):
    """For associative ufuncs: a parallel prefix scan (log-depth) instead of a loop."""
    from pyjax._src.lax.control_flow import associative_scan
    a, axis, dtype = self._accumulate_prepare(a, axis, dtype)
    if a.size == 0:
      return lax.full(a.shape, 0, dtype)
    return associative_scan(lambda x, y: self(x, y).astype(dtype), a.astype(dtype), axis=axis)

  def at(self, a, indices, b=None, /, *, inplace=True):
    """`a` with this ufunc applied at `indices` (repeated indices apply repeatedly), as
    `numpy.ufunc.at`; JAX arrays are immutable, so `inplace=False` is required."""
    if inplace:
      raise NotImplementedError(_AT_INPLACE_MESSAGE)
    at = self._static[8] or self._at_sequentially
    return at(a, indices) if b is None else at(a, indices, b)

  def _at_sequentially(self, a, indices, *args):
    from pyjax._src.lax.control_flow import scan
    from pyjax._src.numpy.lax_numpy import broadcast_to
    check_arraylike(f"{self.__name__}.at", a, *args)
    dtype = self._result_dtype(a, *args)
    a = asarray_or_scalar(a).astype(dtype)
    args = tuple(asarray_or_scalar(arg).astype(dtype) for arg in args)
    indices = indices if isinstance(indices, tuple) else (indices,)
    if not indices:
      return a
    shapes = [np.shape(i) for i in indices if not isinstance(i, slice)]
    shape = np.broadcast_shapes(*shapes) if shapes else ()
    if not shape:
      return a.at[indices].set(self(a.at[indices].get(), *args))
    count = int(np.prod(shape))
    if args:
      arg = broadcast_to(args[0], (*shape, *args[0].shape[len(shape):]))
      args = (lax.reshape(arg, (count, *args[0].shape[len(shape):])),)
    indices = [i if isinstance(i, slice) else lax.reshape(broadcast_to(i, shape), (count,))
               for i in indices]

    # One index at a time, so that repeated indices accumulate.
    def step(acc, k):
      index = tuple(i if isinstance(i, slice) else i[k] for i in indices)
      return acc.at[index].set(self(acc.at[index].get(), *(arg[k] for arg in args))), None
    from pyjax._src.numpy.creation import arange
    return scan(step, a, arange(count))[0]

  def reduceat(self, a, indices, axis=0, dtype=None, out=None):
    """`reduce` over the slices `a[indices[i]:indices[i+1]]` along `axis` (just
    `a[indices[i]]` where `indices[i] >= indices[i+1]`), as `numpy.ufunc.reduceat`."""
    self._check_binary("reduceat")
    if out is not None:
      raise NotImplementedError(f"out argument of {self.__name__}.reduceat()")
    reduceat = self._static[9] or self._reduceat_sequentially
    return reduceat(a, indices, axis=axis, dtype=dtype)

  def _reduceat_sequentially(self, a, indices, axis=0, dtype=None):
    from pyjax._src.lax.control_flow import fori_loop
    from pyjax._src.numpy.lax_numpy import concatenate, moveaxis
    from pyjax._src.numpy.util import canonicalize_axis
    check_arraylike(f"{self.__name__}.reduceat", a, indices)
    a, indices = asarray_or_scalar(a), asarray_or_scalar(indices)
    if a.ndim == 0:
      raise ValueError(f"reduceat: a must have 1 or more dimension, got a.shape={a.shape}")
    if indices.ndim != 1:
      raise ValueError(f"reduceat: indices must be one-dimensional, got "
                       f"indices.shape={indices.shape}")
    if axis is None or isinstance(axis, (tuple, list)):
      raise ValueError("reduceat requires a single integer axis.")
    axis = canonicalize_axis(axis, a.ndim)

    def take(values, index):
      return moveaxis(moveaxis(values, axis, 0)[index], 0, axis)
    result = take(a, indices)
    if dtype is not None:
      result = result.astype(dtype)
    bounds = concatenate([indices, lax.full((1,), a.shape[axis], indices.dtype)])
    shape = [1] * a.ndim
    shape[axis] = indices.shape[0]
    starts = lax.reshape(bounds[:-1], tuple(shape))
    ends = lax.reshape(bounds[1:], tuple(shape))

    def step(i, acc):
      inside = logical_and(greater(i, starts), less(i, ends))
      return _where(inside, self(acc, take(a, lax.expand_dims(i, (0,)))), acc)
    return fori_loop(0, a.shape[axis], step, result)

  def outer(self, A, B, /):
    """This ufunc applied to every pair of elements of `A` and `B`: shape `A.shape + B.shape`."""
    self._check_binary("outer")
    check_arraylike(f"{self.__name__}.outer", A, B)
    from pyjax._src.vmap_api import vmap
    A, B = asarray_or_scalar(A), asarray_or_scalar(B)
    flat = vmap(vmap(self, (None, 0)), (0, None))(lax.reshape(A, (A.size,)),
                                                  lax.reshape(B, (B.size,)))
    return lax.reshape(flat, A.shape + B.shape)


def frompyfunc(func, /, nin, nout, *, identity=None):
  """A `ufunc` from `func`, a function of `nin` scalars returning `nout` values (vectorized
  over arrays with `jnp.vectorize`)."""
  return ufunc(func, nin, nout, identity=identity)


def _sum_like(reduction):
  def reduce(a, axis=0, dtype=None, keepdims=False, initial=None, where=None):
    from pyjax._src.numpy import reductions
    return getattr(reductions, reduction)(a, axis=axis, dtype=dtype, keepdims=keepdims,
                                          initial=initial, where=where)
  return reduce


def _extremum(name, reduction):
  def reduce(a, axis=0, dtype=None, keepdims=False, initial=None, where=None):
    from pyjax._src.numpy import reductions
    if dtype is not None:
      raise TypeError(f"{name}.reduce does not take a dtype; got dtype={dtype}. Convert the "
                      "input with astype instead.")
    return getattr(reductions, reduction)(a, axis=axis, keepdims=keepdims, initial=initial,
                                          where=where)
  return reduce


def _bitwise_reduction(name, lax_reduce, combine, identity, to_bool=False):
  def reduce(a, axis=0, dtype=None, keepdims=False, initial=None, where=None):
    from pyjax._src.numpy import reductions
    check_arraylike(name, a)
    a = asarray_or_scalar(a)
    if to_bool:
      a = _to_bool(a)
    elif not _is_integral(a):
      raise TypeError(f"{name}.reduce requires integer or boolean input, got {a.dtype}")
    return reductions._reduction(name, a, axis, dtype, keepdims, initial, where,
                                 lax_reduce=lax_reduce, combine=combine, identity=identity)
  return reduce


def _logsumexp_reduction(name, exp_fn, log_fn, combine):
  """`log(sum(exp(a)))` in base e or 2, shifted by the maximum so that it does not overflow."""
  def reduce(a, axis=0, dtype=None, keepdims=False, initial=None, where=None):
    from pyjax._src.numpy import reductions
    check_arraylike(name, a)
    a, = promote_args_inexact(name, a)
    if dtype is not None:
      a = a.astype(dtype)
    peak = reductions.max(a, axis=axis, keepdims=True, where=where, initial=-np.inf)
    peak = _where(isfinite(peak), peak, lax.full_like(peak, 0))
    total = reductions.sum(exp_fn(lax.sub(a, peak)), axis=axis, keepdims=True, where=where)
    result = lax.add(log_fn(total), peak)
    if not keepdims:
      from pyjax._src.numpy.lax_numpy import squeeze
      result = squeeze(result, axis=reductions._axes(axis, a.ndim))
    if initial is not None:
      result = combine(result, lax.full_like(result, initial))
    return result
  return reduce


def _scatter_at(method):
  """`ufunc.at` as one scatter (`a.at[indices].<method>(b)`); booleans are combined as
  integers and converted back, as in JAX."""
  def at(a, indices, b):
    check_arraylike(f"{method}.at", a, b)
    a = asarray_or_scalar(a)
    if a.dtype == np.bool_:
      integers = lax.convert_element_type(a, np.int32)
      b = lax.convert_element_type(_to_bool(asarray_or_scalar(b)), np.int32)
      return _to_bool(getattr(integers.at[indices], method)(b))
    return getattr(a.at[indices], method)(b)
  return at


def _as_ufunc(fn, nin, *, identity=None, reduce=None, accumulate=False, at=None):
  """A ufunc calling `fn`; `accumulate` is a function, or True for a parallel prefix scan."""
  u = ufunc(fn, nin, 1, name=fn.__name__, identity=identity, call=fn, reduce=reduce,
            accumulate=accumulate if callable(accumulate) else None, at=at)
  if accumulate is True:
    u._static = u._static[:7] + (u._accumulate_associatively,) + u._static[8:]
  return u


def _log2(x):
  return lax.div(lax.log(x), lax.log(_const(x, 2)))


def _exp2(x):
  return lax.exp2(x)


def _cumulative(name):
  """`add.accumulate` is `cumsum` and `multiply.accumulate` is `cumprod`, as in JAX (booleans
  accumulate in the default integer type; `axis=None` flattens)."""
  def accumulate(a, axis=0, dtype=None):
    from pyjax._src.numpy import cumulative
    return getattr(cumulative, name)(a, axis=axis, dtype=dtype)
  return accumulate


add = _as_ufunc(add, 2, identity=0, reduce=_sum_like("sum"), accumulate=_cumulative("cumsum"),
                at=_scatter_at("add"))
multiply = _as_ufunc(multiply, 2, identity=1, reduce=_sum_like("prod"),
                     accumulate=_cumulative("cumprod"), at=_scatter_at("multiply"))
subtract = _as_ufunc(subtract, 2, at=lambda a, indices, b: asarray_or_scalar(a).at[indices]
                     .subtract(b))
maximum = _as_ufunc(maximum, 2, reduce=_extremum("maximum", "max"), accumulate=True)
minimum = _as_ufunc(minimum, 2, reduce=_extremum("minimum", "min"), accumulate=True)
bitwise_and = _as_ufunc(bitwise_and, 2, identity=-1, accumulate=True, reduce=_bitwise_reduction(
    "bitwise_and", lax.reduce_and, lax.bitwise_and, -1))
bitwise_or = _as_ufunc(bitwise_or, 2, identity=0, accumulate=True, reduce=_bitwise_reduction(
    "bitwise_or", lax.reduce_or, lax.bitwise_or, 0))
bitwise_xor = _as_ufunc(bitwise_xor, 2, identity=0, accumulate=True, reduce=_bitwise_reduction(
    "bitwise_xor", lax.reduce_xor, lax.bitwise_xor, 0))
logical_and = _as_ufunc(logical_and, 2, identity=True, accumulate=True, reduce=_bitwise_reduction(
    "logical_and", lax.reduce_and, lax.bitwise_and, True, to_bool=True))
logical_or = _as_ufunc(logical_or, 2, identity=False, accumulate=True, reduce=_bitwise_reduction(
    "logical_or", lax.reduce_or, lax.bitwise_or, False, to_bool=True))
logical_xor = _as_ufunc(logical_xor, 2, identity=False, accumulate=True,
                        reduce=_bitwise_reduction("logical_xor", lax.reduce_xor,
                                                  lax.bitwise_xor, False, to_bool=True))
logaddexp = _as_ufunc(logaddexp, 2, identity=-np.inf, accumulate=True, reduce=_logsumexp_reduction(
    "logaddexp", lax.exp, lax.log, logaddexp))
logaddexp2 = _as_ufunc(logaddexp2, 2, identity=-np.inf, accumulate=True,
                       reduce=_logsumexp_reduction("logaddexp2", _exp2, _log2, logaddexp2))
negative = _as_ufunc(negative, 1)


__all__ = sorted(name for name, value in globals().items()
                 if not name.startswith("_") and (isinstance(value, ufunc) or (
                     callable(value) and getattr(value, "__module__", None) == __name__)))
