"""Array creation: `array`, `asarray`, `zeros`/`ones`/`full`/`empty` (and `_like`), `arange`,
`linspace`, `logspace`, `geomspace`, `eye`, `identity`, and the scalar types (`jnp.float32(1)`
makes an Array)."""
from __future__ import annotations

import operator

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.array import Array
from pyjax._src.core import Tracer
from pyjax._src.lax import lax
from pyjax._src.lax.lax import _const
from pyjax._src.lax import structural
from pyjax._src.lax.utils import canonicalize_shape
from pyjax._src.numpy.util import canonicalize_axis


def _leaves(obj):
  """The scalars/arrays inside nested lists and tuples."""
  if isinstance(obj, (list, tuple)):
    for item in obj:
      yield from _leaves(item)
  else:
    yield obj


def _stack_nested(obj, dtype):
  """Build an array from nested sequences that contain tracers or Arrays, with lax ops."""
  if isinstance(obj, (list, tuple)):
    parts = [_stack_nested(item, dtype) for item in obj]
    if not parts:
      return Array(np.zeros((0,), dtype))
    parts = [lax.expand_dims(p, (0,)) for p in parts]
    return lax.concatenate(parts, 0)
  return structural.convert_element_type(obj, dtype, False)


def array(object, dtype=None, copy=True, order="K", ndmin=0, *, device=None):
  """An Array holding a copy of `object` (an array, scalar, or nested sequence of them)."""
  if order not in ("K", "C", None):
    raise NotImplementedError("Only implemented for order='K' and order='C'")
  if hasattr(object, "__jax_array__"):
    object = object.__jax_array__()
  requested = None if dtype is None else dtypes.check_user_dtype_supported(dtype, "array")
  weak = False
  if isinstance(object, (Array, Tracer)):
    out = object
    if requested is not None:
      out = structural.convert_element_type(out, requested, False)
    elif isinstance(out, Array) and copy:
      out = Array(out._live(), out.weak_type)
  elif isinstance(object, (list, tuple)) and any(isinstance(x, (Array, Tracer)) or
                                                 hasattr(x, "__jax_array__")
                                                 for x in _leaves(object)):
    leaves = list(_leaves(object))
    target = requested or dtypes.canonicalize_dtype(dtypes.result_type(*leaves))
    out = _stack_nested(object, target)
  else:
    if isinstance(object, (bool, int, float, complex)) and not isinstance(object, np.generic):
      weak = requested is None and not isinstance(object, bool)
      target = requested or dtypes.python_scalar_dtype(object)
      value = dtypes.coerce_python_scalar(object, target) if weak else np.asarray(object, target)
    else:
      if isinstance(object, (list, tuple)):
        leaves = list(_leaves(object))
        inferred = dtypes.canonicalize_dtype(dtypes.result_type(*leaves)) if leaves else \
            dtypes.default_float_dtype()
        value = np.array(object, dtype=requested or inferred)
      else:
        value = np.array(object, copy=True)
        if value.dtype == np.object_ or value.dtype.kind in "SUMm":
          raise TypeError(f"Value {object!r} with dtype {value.dtype} is not a valid JAX array "
                          "type. Only arrays of numeric types are supported by JAX.")
        value = value.astype(requested or dtypes.canonicalize_dtype(value.dtype), copy=False)
    out = Array(np.asarray(value), weak)
  if ndmin > out.ndim:
    out = lax.expand_dims(out, tuple(range(ndmin - out.ndim)))
  return out


def asarray(a, dtype=None, order=None, *, copy=None, device=None):
  """`a` as an Array (no copy when it already is one of the requested dtype)."""
  if isinstance(a, (Array, Tracer)) and (dtype is None or
                                         dtypes.canonicalize_dtype(dtype) == a.dtype):
    return a
  return array(a, dtype=dtype, copy=bool(copy), order=order)


def _default_float(dtype, fun_name):
  if dtype is None:
    return dtypes.default_float_dtype()
  return dtypes.check_user_dtype_supported(dtype, fun_name)


def zeros(shape, dtype=None, *, device=None):
  """An array of zeros (float32 by default)."""
  return lax.full(_shape(shape, "zeros"), 0, _default_float(dtype, "zeros"))


def ones(shape, dtype=None, *, device=None):
  """An array of ones (float32 by default)."""
  return lax.full(_shape(shape, "ones"), 1, _default_float(dtype, "ones"))


def empty(shape, dtype=None, *, device=None):
  """Like `zeros` (JAX arrays are always initialised)."""
  return zeros(shape, dtype)


def full(shape, fill_value, dtype=None, *, device=None):
  """An array of `shape` filled with `fill_value` (which may also be an array to broadcast)."""
  shape = _shape(shape, "full")
  if np.ndim(fill_value) == 0:
    return lax.full(shape, fill_value, dtype)
  from pyjax._src.numpy.lax_numpy import broadcast_to
  return broadcast_to(asarray(fill_value, dtype=dtype), shape)


def _like(name, fill):
  def fn(a, dtype=None, shape=None, *, device=None):
    if dtype is not None:
      dtype = dtypes.check_user_dtype_supported(dtype, name)
    return lax.full_like(a, fill, dtype, None if shape is None else _shape(shape, name))
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = f"An array of {fill}s with the shape and dtype of `a` (weak type kept)."
  return fn


zeros_like = _like("zeros_like", 0)
ones_like = _like("ones_like", 1)
empty_like = _like("empty_like", 0)


def full_like(a, fill_value, dtype=None, shape=None, *, device=None):
  """An array filled with `fill_value` (a scalar, or an array to broadcast) with the shape and
  dtype of `a`."""
  if dtype is not None:
    dtype = dtypes.check_user_dtype_supported(dtype, "full_like")
  shape = None if shape is None else _shape(shape, "full_like")
  if np.ndim(fill_value) == 0:
    return lax.full_like(a, fill_value, dtype, shape)
  from pyjax._src.numpy.lax_numpy import broadcast_to
  aval = core.get_aval(a)
  return broadcast_to(asarray(fill_value, dtype=dtype or aval.dtype),
                      aval.shape if shape is None else shape)


def _shape(shape, fun_name):
  if isinstance(shape, (int, np.integer)) or (isinstance(shape, (Array, Tracer)) and
                                              np.ndim(shape) == 0):
    shape = (shape,)
  return canonicalize_shape(shape)


def arange(start, stop=None, step=None, dtype=None, *, device=None):
  """Evenly spaced values in [start, stop); the bounds must be concrete."""
  for name, value in (("start", start), ("stop", stop), ("step", step)):
    if value is not None:
      core.concrete_or_error(None, value, f"It arose in the jnp.arange argument '{name}'.\n")
  if dtype is not None:
    dtype = dtypes.check_user_dtype_supported(dtype, "arange")
  if stop is None and step is None:
    start_value = core.concrete_or_error(None, start)
    dtype = dtype or dtypes.canonicalize_dtype(dtypes.result_type(start_value))
    if dtypes.issubdtype(dtype, np.integer) and not dtypes.issubdtype(
        dtypes.dtype(start_value), np.inexact):
      return lax.iota(dtype, max(int(np.asarray(start_value)), 0))
    values = np.arange(np.asarray(start_value), dtype=dtype)
  else:
    if step is not None and np.all(np.asarray(core.concrete_or_error(None, step)) == 0):
      raise ZeroDivisionError("division by zero")
    bounds = [np.asarray(core.concrete_or_error(None, v)) if isinstance(v, (Array, Tracer))
              else v for v in (start, stop, step) if v is not None]
    dtype = dtype or dtypes.canonicalize_dtype(dtypes.result_type(*bounds))
    values = np.arange(*(np.asarray(b) for b in bounds), dtype=dtype)
  return Array(values.astype(dtype, copy=False))


def _real_dtype(dtype) -> np.dtype:
  """The real dtype of the same precision (float32 for complex64)."""
  return np.dtype(dtypes.finfo(dtype).dtype)


def linspace(start, stop, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype=None, axis: int = 0, *, device=None):
  """`num` evenly spaced samples from `start` to `stop` (arrays broadcast; the samples run along
  `axis`), computed as JAX does: `start * (1 - t) + stop * t` with `t = i / div` in the
  computation dtype, which recovers both endpoints exactly. Integer dtypes floor the samples."""
  num = core.concrete_or_error(operator.index, num, "'num' argument of jnp.linspace")
  axis = core.concrete_or_error(operator.index, axis, "'axis' argument of jnp.linspace")
  return _linspace("linspace", start, stop, num, endpoint, retstep, dtype, axis)


def _linspace(name, start, stop, num, endpoint, retstep, dtype, axis):
  from pyjax._src.numpy import ufuncs, util
  from pyjax._src.numpy.lax_numpy import broadcast_to, reshape
  if num < 0:
    raise ValueError(f"Number of samples, {num}, must be non-negative.")
  util.check_arraylike(name, start, stop)
  if dtype is None:
    dtype = util.to_inexact_dtype(dtypes.canonicalize_dtype(dtypes.result_type(start, stop)))
  else:
    dtype = dtypes.check_user_dtype_supported(dtype, name)
  compute = util.to_inexact_dtype(dtype)
  start = asarray(start, dtype=compute)
  stop = asarray(stop, dtype=compute)
  bounds_shape = list(np.broadcast_shapes(np.shape(start), np.shape(stop)))
  # JAX indexes a list with an out-of-range axis and fails with an internal IndexError; we say
  # which axis is wrong instead.
  axis = canonicalize_axis(axis, len(bounds_shape) + 1)
  expanded = list(bounds_shape)
  expanded.insert(axis, 1)
  div = (num - 1) if endpoint else num
  if num > 1:
    delta = ufuncs.divide(ufuncs.subtract(stop, start), lax.full((), div, compute))
    iota_shape = [1] * len(expanded)
    iota_shape[axis] = div
    # The fractions i / div are computed in the real dtype, then cast (exact for complex).
    real = _real_dtype(compute)
    step = lax.div(reshape(lax.iota(real, div), iota_shape), lax.full(iota_shape, div, real))
    step = structural.convert_element_type(step, compute, False)
    out = lax.add(lax.mul(reshape(broadcast_to(start, bounds_shape), expanded),
                          lax.sub(_const(step, 1), step)),
                  lax.mul(reshape(broadcast_to(stop, bounds_shape), expanded), step))
    if endpoint:
      out = lax.concatenate([out, reshape(broadcast_to(stop, bounds_shape), expanded)], axis)
  elif num == 1:
    delta = lax.full((), np.nan, compute) if endpoint else ufuncs.subtract(stop, start)
    out = reshape(broadcast_to(start, bounds_shape), expanded)
  else:
    delta = lax.full((), np.nan, compute)
    out = zeros([*bounds_shape[:axis], 0, *bounds_shape[axis:]], compute)
  if dtypes.issubdtype(dtype, np.integer) and not dtypes.issubdtype(out.dtype, np.integer):
    # Integer samples are floored (toward -inf), not truncated as a plain cast would.
    out = lax.floor(out)
  out = structural.convert_element_type(out, dtype, False) if out.dtype != dtype else out
  return (out, delta) if retstep else out


def logspace(start, stop, num: int = 50, endpoint: bool = True, base=10.0, dtype=None,
             axis: int = 0):
  """`base ** linspace(start, stop)`: `num` samples evenly spaced on a log scale from
  `base ** start` to `base ** stop`. `base` may be an array broadcasting against the samples;
  the result (of `dtype`, by default the inexact type of `start` and `stop`) is cast, not
  floored, to integer dtypes."""
  num = core.concrete_or_error(operator.index, num, "'num' argument of jnp.logspace")
  axis = core.concrete_or_error(operator.index, axis, "'axis' argument of jnp.logspace")
  return _logspace("logspace", start, stop, num, endpoint, base, dtype, axis)


def _logspace(name, start, stop, num, endpoint, base, dtype, axis):
  from pyjax._src.numpy import ufuncs, util
  util.check_arraylike(name, start, stop)
  if dtype is None:
    dtype = util.to_inexact_dtype(dtypes.canonicalize_dtype(dtypes.result_type(start, stop)))
  else:
    dtype = dtypes.check_user_dtype_supported(dtype, name)
  compute = util.to_inexact_dtype(dtype)
  exponents = _linspace(name, asarray(start, dtype=compute), asarray(stop, dtype=compute), num,
                        endpoint, False, None, axis)
  # The power is taken in the promoted dtype of `base` and the exponents (a float64 base under
  # x64 computes in float64), then cast to `dtype`.
  return structural.convert_element_type(ufuncs.power(base, exponents), dtype, False)


def geomspace(start, stop, num: int = 50, endpoint: bool = True, dtype=None, axis: int = 0):
  """`num` samples in geometric progression from `start` to `stop` (each sample a constant
  multiple of the previous one). Negative and complex endpoints follow the direction of `start`:
  the magnitudes are spaced on a log scale and multiplied by `sign(start)`. As in JAX, a zero or
  sign-changing endpoint gives NaNs rather than an error."""
  num = core.concrete_or_error(operator.index, num, "'num' argument of jnp.geomspace")
  axis = core.concrete_or_error(operator.index, axis, "'axis' argument of jnp.geomspace")
  from pyjax._src.numpy import ufuncs, util
  from pyjax._src.numpy.lax_numpy import moveaxis
  util.check_arraylike("geomspace", start, stop)
  if dtype is None:
    dtype = util.to_inexact_dtype(dtypes.canonicalize_dtype(dtypes.result_type(start, stop)))
  else:
    dtype = dtypes.check_user_dtype_supported(dtype, "geomspace")
  compute = util.to_inexact_dtype(dtype)
  start, stop = asarray(start, dtype=compute), asarray(stop, dtype=compute)
  # Divided by sign(start), start is a positive magnitude and stop lies in the same direction
  # (a real stop of the other sign gives the log of a negative number: NaN, as in JAX).
  sign = ufuncs.sign(start)
  out = ufuncs.multiply(sign, _logspace(
      "geomspace", ufuncs.log10(ufuncs.divide(start, sign)),
      ufuncs.log10(ufuncs.divide(stop, sign)), num, endpoint, 10.0, compute, 0))
  axis = canonicalize_axis(axis, out.ndim)
  if axis:
    out = moveaxis(out, 0, axis)
  return structural.convert_element_type(out, dtype, False)


def eye(N, M=None, k=0, dtype=None, *, device=None):
  """A 2-D array with ones on the k-th diagonal."""
  N = core.concrete_or_error(operator.index, N, "'N' argument of jnp.eye()")
  M = N if M is None else core.concrete_or_error(operator.index, M, "'M' argument of jnp.eye()")
  if N < 0 or M < 0:
    raise ValueError(f"negative dimensions are not allowed, got {N} and {M}")
  k = operator.index(k)
  dtype = _default_float(dtype, "eye")
  rows = lax.broadcasted_iota(np.int32, (N, M), 0)
  cols = lax.broadcasted_iota(np.int32, (N, M), 1)
  on_diagonal = lax.eq(lax.add(rows, lax.full((N, M), k, np.int32)), cols)
  return structural.convert_element_type(on_diagonal, dtype, False)


def identity(n, dtype=None):
  """The n x n identity matrix."""
  return eye(n, dtype=dtype)


class _ScalarMeta(type):
  """`jnp.float32` and friends: usable as dtypes and callable to make 0-d (or cast) Arrays."""

  def __hash__(cls):
    return hash(cls.dtype.type)

  def __eq__(cls, other):
    return cls is other or other is cls.dtype.type

  def __ne__(cls, other):
    return not cls == other

  def __call__(cls, x=0):
    return asarray(x, dtype=cls.dtype)

  def __instancecheck__(cls, instance):
    return isinstance(instance, cls.dtype.type)


def _scalar_type(np_type, name):
  return _ScalarMeta(name, (object,), {"dtype": np.dtype(np_type)})


bool_ = _scalar_type(np.bool_, "bool")
int8, int16, int32, int64 = (_scalar_type(t, t.__name__) for t in
                             (np.int8, np.int16, np.int32, np.int64))
uint8, uint16, uint32, uint64 = (_scalar_type(t, t.__name__) for t in
                                 (np.uint8, np.uint16, np.uint32, np.uint64))
float16, float32, float64 = (_scalar_type(t, t.__name__) for t in
                             (np.float16, np.float32, np.float64))
complex64, complex128 = (_scalar_type(t, t.__name__) for t in (np.complex64, np.complex128))
bfloat16 = _scalar_type(dtypes.bfloat16, "bfloat16")
# The small floats and sub-byte integers ml_dtypes provides.
(float8_e3m4, float8_e4m3, float8_e4m3b11fnuz, float8_e4m3fn, float8_e4m3fnuz, float8_e5m2,
 float8_e5m2fnuz, float8_e8m0fnu, float6_e2m3fn, float6_e3m2fn, float4_e2m1fn, int1, int2, int4,
 uint1, uint2, uint4) = (_scalar_type(t, t.__name__) for t in (
     dtypes.float8_e3m4, dtypes.float8_e4m3, dtypes.float8_e4m3b11fnuz, dtypes.float8_e4m3fn,
     dtypes.float8_e4m3fnuz, dtypes.float8_e5m2, dtypes.float8_e5m2fnuz, dtypes.float8_e8m0fnu,
     dtypes.float6_e2m3fn, dtypes.float6_e3m2fn, dtypes.float4_e2m1fn, dtypes.int1, dtypes.int2,
     dtypes.int4, dtypes.uint1, dtypes.uint2, dtypes.uint4))
int_ = _scalar_type(np.int64, "int64")
uint = _scalar_type(np.uint64, "uint64")
float_ = _scalar_type(np.float64, "float64")
complex_ = _scalar_type(np.complex128, "complex128")
single, double = float32, float64
csingle, cdouble = complex64, complex128
