"""Argument checking and NumPy-style promotion for `pyjax.numpy`: dtypes along JAX's lattice
(`dtypes.result_type`), ranks by prepending size-1 dimensions."""
from __future__ import annotations

import warnings

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.array import Array
from pyjax._src.config import config
from pyjax._src.core import Tracer
from pyjax._src.lax import lax
from pyjax._src.lax import structural

_SCALAR_TYPES = (bool, int, float, complex)


def is_arraylike(x) -> bool:
  return (isinstance(x, (Array, Tracer, np.ndarray, np.generic)) or type(x) in _SCALAR_TYPES
          or isinstance(x, _SCALAR_TYPES) or hasattr(x, "__jax_array__"))


def check_arraylike(fun_name: str, *args) -> None:
  """JAX's TypeError for non-array arguments (lists and tuples are not implicitly converted)."""
  for position, arg in enumerate(args):
    if not is_arraylike(arg):
      raise TypeError(f"{fun_name} requires ndarray or scalar arguments, got {type(arg)} at "
                      f"position {position}.")


def asarray_or_scalar(x):
  """Arrays and tracers as they are; NumPy values and Python scalars as Arrays."""
  if isinstance(x, (Array, Tracer)):
    return x
  if hasattr(x, "__jax_array__"):
    return x.__jax_array__()
  value, weak = core.canonicalize_value(x)
  return Array(value, weak)


def convert_to(x, dtype, weak_type: bool):
  """Cast to (dtype, weak_type) unless `x` already has both (then it is returned unchanged)."""
  x = asarray_or_scalar(x)
  if x.dtype == dtype and x.weak_type == weak_type:
    return x
  return structural.convert_element_type(x, dtype, weak_type)


def promote_dtypes(*args):
  """Cast every argument to the dtype JAX's promotion lattice gives for all of them."""
  if len(args) < 2:
    return [asarray_or_scalar(a) for a in args]
  dtype, weak = dtypes.result_type(*args, return_weak_type_flag=True)
  return [convert_to(a, dtype, weak) for a in args]


def promote_dtypes_inexact(*args):
  """Like promote_dtypes, then integers and bools become floats (`to_inexact_dtype`)."""
  dtype, weak = dtypes.result_type(*args, return_weak_type_flag=True)
  dtype = to_inexact_dtype(dtype)
  return [convert_to(a, dtype, weak) for a in args]


def promote_dtypes_numeric(*args):
  """Like promote_dtypes, then bool becomes int32 (as in JAX, also with x64 enabled)."""
  dtype, weak = dtypes.result_type(*args, return_weak_type_flag=True)
  if dtype == np.bool_:
    dtype = np.dtype(np.int32)
  return [convert_to(a, dtype, weak) for a in args]


def promote_dtypes_complex(*args):
  dtype, weak = dtypes.result_type(*args, return_weak_type_flag=True)
  dtype = to_complex_dtype(dtype)
  return [convert_to(a, dtype, weak) for a in args]


def to_inexact_dtype(dtype) -> np.dtype:
  """The float type an integer or bool computes in, as JAX chooses it: float64 for 64-bit integers
  (a weak Python int is one in x64 mode), float32 for the others, even with x64 enabled."""
  dtype = np.dtype(dtype)
  if dtypes.issubdtype(dtype, np.inexact):
    return dtype
  return dtypes.canonicalize_dtype(np.float64 if dtype.itemsize == 8 else np.float32)


def to_complex_dtype(dtype) -> np.dtype:
  dtype = np.dtype(dtype)
  if dtypes.issubdtype(dtype, np.complexfloating):
    return dtype
  if dtype == np.float64:
    return np.dtype(np.complex128)
  return dtypes.canonicalize_dtype(np.complex128) if dtype not in (
      dtypes.bfloat16, np.float16, np.float32) else np.dtype(np.complex64)


def promote_shapes(fun_name: str, *args):
  """Prepend size-1 dimensions so all arguments have the same rank (NumPy broadcasting rule)."""
  if len(args) < 2:
    return list(args)
  ranks = [np.ndim(a) if not isinstance(a, (Array, Tracer)) else a.ndim for a in args]
  result_rank = max(ranks)
  # Scalars broadcast at the lax level; only arrays of lower rank get leading 1s.
  if len({r for r in ranks if r}) < 2:
    return list(args)
  mode = config.jax_numpy_rank_promotion
  if mode != "allow" and len({r for r in ranks if r}) > 1:
    message = (f"Operands could not be broadcast together for {fun_name} on shapes "
               f"{' '.join(str(np.shape(a)) for a in args)} and with the config option "
               f"jax_numpy_rank_promotion='{mode}'. For more information, see "
               "https://docs.jax.dev/en/latest/rank_promotion_warning.html.")
    if mode == "raise":
      raise ValueError(message)
    warnings.warn(message)
  return [lax.broadcast_to_rank(a, result_rank) if r and r != result_rank else a
          for a, r in zip(args, ranks)]


def check_no_float0s(fun_name: str, *args) -> None:
  for a in args:
    if getattr(a, "dtype", None) == dtypes.float0:
      raise TypeError(f"Called {fun_name} with a float0 array. float0s do not support any "
                      "operations by design because they are not compatible with non-trivial "
                      "vector spaces. No implicit dtype conversion is done. You can use "
                      "np.zeros_like(arr, dtype=np.float) to cast a float0 array to a regular "
                      "zeros array. \nIf you didn't expect to get a float0 you might have "
                      "accidentally taken a gradient with respect to an integer argument.")


def check_for_prngkeys(fun_name: str, *args) -> None:
  """JAX's TypeError for PRNG keys mixed with other dtypes (keys have no arithmetic)."""
  if not any(dtypes._is_extended(getattr(a, "dtype", None)) for a in args):
    return
  arg_dtypes = [dtypes.dtype(a) for a in args]
  if len(set(arg_dtypes)) > 1:
    raise TypeError(f"{fun_name} does not accept dtypes {', '.join(map(str, arg_dtypes))}.")


def promote_args(fun_name: str, *args):
  """Check, then promote dtypes and ranks: what every NumPy-style binary function does first."""
  check_arraylike(fun_name, *args)
  check_no_float0s(fun_name, *args)
  check_for_prngkeys(fun_name, *args)
  return promote_shapes(fun_name, *promote_dtypes(*args))


def promote_args_inexact(fun_name: str, *args):
  check_arraylike(fun_name, *args)
  check_no_float0s(fun_name, *args)
  check_for_prngkeys(fun_name, *args)
  return promote_shapes(fun_name, *promote_dtypes_inexact(*args))


def promote_args_numeric(fun_name: str, *args):
  check_arraylike(fun_name, *args)
  check_no_float0s(fun_name, *args)
  check_for_prngkeys(fun_name, *args)
  return promote_shapes(fun_name, *promote_dtypes_numeric(*args))


def canonicalize_axis(axis, ndim: int) -> int:
  import operator
  axis = operator.index(axis)
  if not -ndim <= axis < ndim:
    raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
  return axis % ndim if ndim else axis
