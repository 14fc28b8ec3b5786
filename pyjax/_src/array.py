"""The concrete array type: an immutable wrapper around a backend buffer.

Operator methods (`+`, `[]`, `.sum()`...) are shared with tracers and installed by
`pyjax._src.numpy.array_methods`; this module holds only what is specific to concrete data.
"""
from __future__ import annotations

import numpy as np

from pyjax._src import dtypes
from pyjax._src.avals import ShapedArray
from pyjax._src.backend import Device, cpu_device


class Array:
  """A pyjax array: immutable, with a dtype, a shape and a weak-type flag (see JAX's docs)."""
  __slots__ = ("_value", "weak_type", "_deleted_shape", "__weakref__")
  __array_priority__ = 100

  def __init__(self, value, weak_type: bool = False):
    # `value` is a NumPy ndarray or NumPy scalar that nothing else may write to.
    self._value = value
    self.weak_type = weak_type

  # --- what the buffer is -------------------------------------------------------------------
  @property
  def dtype(self) -> np.dtype:
    dt = self._live().dtype
    return dt if dt.kind != "V" else dtypes.logical_dtype(dt)

  @property
  def shape(self) -> tuple:
    return self._live().shape

  @property
  def ndim(self) -> int:
    return self._live().ndim

  @property
  def size(self) -> int:
    return self._live().size

  @property
  def itemsize(self) -> int:
    return self.dtype.itemsize

  @property
  def nbytes(self) -> int:
    return self.size * self.dtype.itemsize

  @property
  def aval(self) -> ShapedArray:
    v = self._live()
    return ShapedArray(v.shape, v.dtype, self.weak_type)

  def _live(self):
    v = self._value
    if v is None:
      raise RuntimeError(f"Array has been deleted with shape={self._deleted_shape}.")
    return v

  # --- devices and lifetime ----------------------------------------------------------------
  @property
  def device(self) -> Device:
    return cpu_device

  def devices(self) -> set:
    return {cpu_device}

  @property
  def sharding(self):
    from pyjax._src.backend import SingleDeviceSharding
    return SingleDeviceSharding(cpu_device)

  @property
  def committed(self) -> bool:
    return False

  def block_until_ready(self) -> "Array":
    self._live()
    return self

  def copy_to_host_async(self) -> None:
    self._live()

  def is_deleted(self) -> bool:
    return self._value is None

  def delete(self) -> None:
    if self._value is not None:
      self._deleted_shape = self.aval.str_short(short_dtypes=False)
    self._value = None

  # --- conversion to Python and NumPy ------------------------------------------------------
  def __array__(self, dtype=None, copy=None):
    extended = self._extended_dtype()
    if extended is not None:
      raise TypeError(extended.numpy_conversion_message)
    v = np.asarray(self._live())
    if v.flags.writeable:
      # Hand out a read-only view, as JAX does: the buffer must stay immutable.
      v = v.view()
      v.flags.writeable = False
    if dtype is not None and v.dtype != dtype:
      return v.astype(dtype)
    if copy:
      return v.copy()
    return v

  def item(self, *args):
    return np.asarray(self).item(*args)

  def tolist(self):
    return np.asarray(self).tolist()

  def __bool__(self):
    return bool(self._live())

  def __int__(self):
    return int(self._live())

  def __float__(self):
    return float(self._live())

  def __complex__(self):
    return complex(self._live())

  def __index__(self):
    v = self._live()
    if not (np.issubdtype(v.dtype, np.integer) or v.dtype == np.bool_) or v.ndim:
      raise TypeError(f"Only integer scalar arrays can be converted to a scalar index; "
                      f"got an array of shape {v.shape} and dtype {v.dtype}.")
    return int(v)

  def __len__(self):
    v = self._live()
    if v.ndim == 0:
      raise TypeError("len() of unsized object")
    return v.shape[0]

  def __hash__(self):
    raise TypeError(f"unhashable type: '{type(self).__name__}'")

  def __setitem__(self, idx, value):
    raise TypeError(
        "JAX arrays are immutable and do not support in-place item assignment. Instead of "
        "x[idx] = y, use x = x.at[idx].set(y) or another .at[] method: "
        "https://docs.jax.dev/en/latest/_autosummary/jax.numpy.ndarray.at.html")

  def __reduce__(self):
    return (_reconstruct, (np.asarray(self._live()), self.weak_type))

  def __copy__(self):
    return self

  def __deepcopy__(self, memo):
    return self

  # --- printing -------------------------------------------------------------------------------
  def _extended_dtype(self):
    """The extended dtype (e.g. a PRNG key type) of this array, or None for a NumPy dtype."""
    dt = self.dtype
    return dt if dtypes._is_extended(dt) else None

  def __repr__(self):
    extended = self._extended_dtype()
    if extended is not None:
      return extended.format_array(self._live())
    v = np.asarray(self._live())
    extra = f"dtype={v.dtype.name}" + (", weak_type=True" if self.weak_type else "")
    if v.size == 0:
      return f"Array([], shape={v.shape}, {extra})"
    line_width = np.get_printoptions()["linewidth"]
    body = np.array2string(v, prefix="Array(", suffix=",", separator=", ",
                           max_line_width=line_width)
    # As JAX does: when the dtype does not fit after the last line, it is pushed right by the
    # prefix's width (JAX's quirk: on the same line, not on a new one).
    last_line_len = len(body) - body.rfind("\n") + 1
    sep = " " * len("Array(") if last_line_len + len(extra) + 2 > line_width else " "
    return f"Array({body},{sep}{extra})"

  def __str__(self):
    extended = self._extended_dtype()
    if extended is not None:
      return extended.format_array(self._live())
    return str(np.asarray(self._live()))

  def __format__(self, spec):
    if self._extended_dtype() is not None:
      return format(str(self), spec)
    v = self._live()
    if v.ndim == 0:
      return format(v.item(), spec)
    return format(np.asarray(v), spec)


def _reconstruct(value, weak_type):
  return Array(value, weak_type)


def is_array_value(x) -> bool:
  """True for values pyjax treats as concrete arrays (Arrays, NumPy arrays and scalars)."""
  return isinstance(x, (Array, np.ndarray, np.generic))


def canonical_np_value(x):
  """A NumPy array in pyjax's canonical dtype for a NumPy value (copies if the dtype changes)."""
  dt = dtypes.canonicalize_dtype(x.dtype)
  return x if x.dtype == dt else np.asarray(x, dt)
