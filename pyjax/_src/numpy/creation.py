"""Array creation: `array`, `asarray`, `zeros`/`ones`/`full`/`empty` (and `_like`), `arange`,
`linspace`, `eye`, `identity`, and the scalar types (`jnp.float32(1)` makes an Array)."""
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
  """An array filled with `fill_value` with the shape and dtype of `a`."""
  if dtype is not None:
    dtype = dtypes.check_user_dtype_supported(dtype, "full_like")
  return lax.full_like(a, fill_value, dtype, None if shape is None else _shape(shape, "full_like"))


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


def linspace(start, stop, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype=None, axis: int = 0, *, device=None):
  """`num` evenly spaced samples from `start` to `stop`, computed as JAX does:
  `start * (1 - t) + stop * t` with `t = i / div` in the computation dtype."""
  num = core.concrete_or_error(operator.index, num, "'num' argument of jnp.linspace")
  if num < 0:
    raise ValueError(f"Number of samples, {num}, must be non-negative.")
  if dtype is None:
    dtype = dtypes.to_inexact_dtype(dtypes.result_type(start, stop)) if hasattr(
        dtypes, "to_inexact_dtype") else None
  from pyjax._src.numpy import util
  dtype = dtypes.check_user_dtype_supported(dtype, "linspace") if dtype is not None else \
      util.to_inexact_dtype(dtypes.canonicalize_dtype(dtypes.result_type(start, stop)))
  compute = util.to_inexact_dtype(dtype)
  start = asarray(start, dtype=compute)
  stop = asarray(stop, dtype=compute)
  bounds_shape = list(np.broadcast_shapes(np.shape(start), np.shape(stop)))
  axis = canonicalize_axis(axis, len(bounds_shape) + 1)
  from pyjax._src.numpy.lax_numpy import broadcast_to, reshape
  start = broadcast_to(start, bounds_shape)
  stop = broadcast_to(stop, bounds_shape)
  div = (num - 1) if endpoint else num
  expanded = list(bounds_shape)
  expanded.insert(axis, 1)
  if num > 1:
    iota_shape = [1] * len(bounds_shape)
    iota_shape.insert(axis, div)
    step = lax.div(reshape(lax.iota(compute, div), iota_shape),
                   lax.full(iota_shape, div, compute))
    one = _const(step, 1)
    out = lax.add(lax.mul(reshape(start, expanded), lax.sub(one, step)),
                  lax.mul(reshape(stop, expanded), step))
    if endpoint:
      out = lax.concatenate([out, reshape(stop, expanded)], axis)
  elif num == 1:
    out = reshape(start, expanded)
  else:
    out = zeros([*bounds_shape[:axis], 0, *bounds_shape[axis:]], compute)
  out = structural.convert_element_type(out, dtype, False) if out.dtype != dtype else out
  if retstep:
    delta = lax.div(lax.sub(stop, start), _const(stop, div if div else np.nan))
    return out, delta
  return out


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
float8_e4m3fn = _scalar_type(dtypes.float8_e4m3fn, "float8_e4m3fn")
float8_e5m2 = _scalar_type(dtypes.float8_e5m2, "float8_e5m2")
int4 = _scalar_type(dtypes.int4, "int4")
uint4 = _scalar_type(dtypes.uint4, "uint4")
int_ = _scalar_type(np.int64, "int64")
uint = _scalar_type(np.uint64, "uint64")
float_ = _scalar_type(np.float64, "float64")
complex_ = _scalar_type(np.complex128, "complex128")
single, double = float32, float64
csingle, cdouble = complex64, complex128
