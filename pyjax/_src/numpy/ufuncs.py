"""Elementwise `pyjax.numpy` functions: NumPy's ufuncs with JAX's promotion, built on lax."""
from __future__ import annotations

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
  return x if x.dtype == np.bool_ else lax.ne(x, _weak_const(x, 0))


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
  if (isinstance(x2, (int, np.integer)) and not isinstance(x2, (bool, np.bool_))
      and not isinstance(x2, Tracer)):
    x1, = promote_args_numeric("power", x1)
    return lax.integer_pow(x1, int(x2))
  exponent = asarray_or_scalar(x2)
  x1, x2 = promote_args_numeric("power", x1, x2)
  if dtypes.issubdtype(x1.dtype, np.integer):
    return _integer_power(x1, x2)
  if dtypes.issubdtype(exponent.dtype, np.integer):
    # JAX converts the integer exponent too, but raises the base to the original integers.
    return lax.pow(x1, promote_shapes("power", x1, exponent)[1])
  return lax.pow(x1, x2)


def _integer_power(x, y):
  # Square-and-multiply over the low 6 bits of the (traced) exponent, as JAX does (higher bits
  # are ignored; a negative exponent counts by its two's complement bits).
  acc = _where(lax.bitwise_and(lax.eq(x, _weak_const(x, 0)), lax.ne(y, _weak_const(y, 0))),
               _weak_const(x, 0), _weak_const(x, 1))
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
  infinite = lax.bitwise_or(lax.eq(x1, _weak_const(x1, np.inf)), lax.eq(x2, _weak_const(x2, np.inf)))
  big, small = lax.max(x1, x2), lax.min(x1, x2)
  is_zero = lax.eq(big, _weak_const(big, 0))
  ratio = lax.div(small, _where(is_zero, lax.full_like(big, 1), big))
  scaled = lax.mul(big, lax.sqrt(lax.add(_weak_const(ratio, 1), lax.square(ratio))))
  return _where(infinite, _weak_const(big, np.inf), _where(is_zero, big, scaled))


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
  return lax.mul(x, _weak_const(x, np.pi / 180))


def rad2deg(x, /):
  x, = promote_args_inexact("rad2deg", x)
  return lax.mul(x, _weak_const(x, 180 / np.pi))


radians, degrees = deg2rad, rad2deg


def _promote_two(name, x, y):
  return promote_shapes(name, *promote_dtypes_inexact(x, y))


__all__ = [n for n in dir() if not n.startswith("_") and callable(globals()[n])
           and n not in ("Array", "Tracer", "asarray_or_scalar", "check_arraylike", "promote_args",
                         "promote_args_inexact", "promote_args_numeric",
                         "promote_dtypes_inexact", "promote_shapes", "core", "dtypes", "lax",
                         "ew", "np")]
