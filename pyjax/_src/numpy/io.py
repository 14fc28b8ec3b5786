"""Conversion from and to buffers, files and text, and array printing of `jax.numpy`.

As in JAX, these wrap NumPy: printing and saving see an Array through its NumPy value, and what
NumPy reads becomes an Array (64-bit dtypes canonicalized under x32)."""
from __future__ import annotations

from typing import Any

import numpy as np

from pyjax._src import dtypes
from pyjax._src.array import Array
from pyjax._src.numpy.creation import asarray

# NumPy's own functions, which `jax.numpy` re-exports as they are.
array_repr = np.array_repr
array_str = np.array_str
save = np.save
savez = np.savez


def printoptions(*args, **kwargs):
  """Context manager setting NumPy's print options (which Array printing uses) for a block."""
  return np.printoptions(*args, **kwargs)


def get_printoptions():
  """NumPy's current print options (which Array printing uses), as a dict."""
  return np.get_printoptions()


def set_printoptions(*args, **kwargs):
  """Sets NumPy's print options (which Array printing uses)."""
  return np.set_printoptions(*args, **kwargs)


def load(file, *args, **kwargs):
  """`numpy.load`, returning an Array for a saved array of a JAX dtype (bfloat16, which NumPy
  saves as 2-byte void, is restored). Other arrays (strings, objects) and the mappings that
  `.npz` files give come back as NumPy returns them."""
  out = np.load(file, *args, **kwargs)
  if isinstance(out, np.ndarray):
    if out.dtype == "V2":
      out = out.view(dtypes.bfloat16)
    try:
      dtypes.check_valid_dtype(out.dtype)
      out = asarray(out)
    except TypeError:
      pass
  return out


def frombuffer(buffer, dtype=float, count: int = -1, offset: int = 0):
  """A 1-D Array of the `dtype` values in a bytes-like `buffer` (from byte `offset`, `count` of
  them or all). `dtype` says how the bytes are read; 64-bit values then become 32-bit ones unless
  x64 is enabled."""
  return asarray(np.frombuffer(buffer=buffer, dtype=dtype, count=count, offset=offset))


def fromstring(string: str, dtype=float, count: int = -1, *, sep: str):
  """A 1-D Array of the numbers in `string`, separated by `sep` (required: NumPy's binary mode
  is deprecated)."""
  return asarray(np.fromstring(string=string, dtype=dtype, count=count, sep=sep))


def _impure(name: str, source: str) -> NotImplementedError:
  return NotImplementedError(
      f"jnp.{name}() is not implemented: reading consumes the {source}, a side effect that is "
      "not safe under jit and the other transformations, which may run a function more than "
      f"once or not at all. Use jnp.asarray(np.{name}(...)) outside transformed functions "
      "instead. See https://docs.jax.dev/en/latest/notebooks/Common_Gotchas_in_JAX.html"
      "#pure-functions")


def fromfile(*args, **kwargs):
  """Not supported, as in JAX: reading a file is a side effect (use `asarray(np.fromfile(...))`
  outside transformed functions)."""
  raise _impure("fromfile", "file")


def fromiter(*args, **kwargs):
  """Not supported, as in JAX: consuming an iterator is a side effect (use
  `asarray(np.fromiter(...))` outside transformed functions)."""
  raise _impure("fromiter", "iterator")


def from_dlpack(x: Any, /, *, device=None, copy: bool | None = None):
  """An Array holding the data of `x`, any object with `__dlpack__` and `__dlpack_device__` (a
  NumPy array, a tensor of another library on the CPU). pyjax has one device, so `device` only
  names it; the data is copied, so that the Array stays immutable whatever `copy` says."""
  if isinstance(x, Array):
    return x
  if not (hasattr(x, "__dlpack__") and hasattr(x, "__dlpack_device__")):
    raise TypeError("The array passed to from_dlpack must have __dlpack__ and __dlpack_device__ "
                    "methods.")
  return asarray(np.from_dlpack(x, copy=copy))


__all__ = ["array_repr", "array_str", "from_dlpack", "frombuffer", "fromfile", "fromiter",
           "fromstring", "get_printoptions", "load", "printoptions", "save", "savez",
           "set_printoptions"]
