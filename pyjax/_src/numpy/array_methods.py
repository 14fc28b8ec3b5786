"""Operators and methods shared by `Array` and every `Tracer`, defined once and installed on both
classes, all forwarding to `pyjax.numpy` functions."""
from __future__ import annotations

import numpy as np

from pyjax._src.array import Array
from pyjax._src.core import Tracer
from pyjax._src.numpy import indexing, lax_numpy, reductions, ufuncs

_OPERAND_TYPES = (Array, Tracer, np.ndarray, np.generic, bool, int, float, complex)


def _binary_operator(fn, swap=False):
  def op(self, other):
    # Defer to types we don't know, so that their reflected operators get a chance.
    if not isinstance(other, _OPERAND_TYPES) and not hasattr(other, "__jax_array__"):
      return NotImplemented
    return fn(other, self) if swap else fn(self, other)
  return op


def _operators() -> dict:
  binary = {
      # ufunc objects bind their plain functions: an operator skips the ufunc call layer.
      "add": ufuncs.add._call, "sub": ufuncs.subtract._call, "mul": ufuncs.multiply._call,
      "truediv": ufuncs.true_divide, "floordiv": ufuncs.floor_divide, "mod": ufuncs.remainder,
      "divmod": ufuncs.divmod, "pow": ufuncs.power, "matmul": lax_numpy.matmul,
      "and": ufuncs.bitwise_and._call, "or": ufuncs.bitwise_or._call,
      "xor": ufuncs.bitwise_xor._call,
      "lshift": ufuncs.left_shift, "rshift": ufuncs.right_shift,
  }
  methods = {}
  for name, fn in binary.items():
    methods[f"__{name}__"] = _binary_operator(fn)
    methods[f"__r{name}__"] = _binary_operator(fn, swap=True)
  comparisons = {"eq": ufuncs.equal, "ne": ufuncs.not_equal, "lt": ufuncs.less,
                 "le": ufuncs.less_equal, "gt": ufuncs.greater, "ge": ufuncs.greater_equal}
  for name, fn in comparisons.items():
    methods[f"__{name}__"] = _binary_operator(fn)
  methods.update({
      "__neg__": ufuncs.negative._call, "__pos__": ufuncs.positive, "__abs__": ufuncs.absolute,
      "__invert__": ufuncs.invert, "__round__": lambda self, ndigits=None: lax_numpy.round(
          self, ndigits or 0),
      "__getitem__": indexing.getitem, "__iter__": _iter,
  })
  return methods


def _iter(self):
  # Not a generator itself, so iter() of a 0-d array raises at once (as NumPy's and JAX's do).
  if self.ndim == 0:
    raise TypeError("iteration over a 0-d array")
  return (indexing.getitem(self, i) for i in range(self.shape[0]))


def _method(fn):
  def method(self, *args, **kwargs):
    return fn(self, *args, **kwargs)
  method.__name__ = fn.__name__
  method.__doc__ = fn.__doc__
  return method


def _reshape(self, *args, order="C", **kwargs):
  shape = args[0] if len(args) == 1 else args
  if "shape" in kwargs:
    shape = kwargs.pop("shape")
  return lax_numpy.reshape(self, shape, order=order, **kwargs)


def _transpose(self, *args):
  axes = args[0] if len(args) == 1 and not isinstance(args[0], int) else (args or None)
  return lax_numpy.transpose(self, axes)


def _compress(self, condition, axis=None, *, size=None, fill_value=0, out=None):
  """`jnp.compress(condition, self, axis, ...)` (the array comes second in the function)."""
  from pyjax._src.numpy import index_tricks
  return index_tricks.compress(condition, self, axis, size=size, fill_value=fill_value, out=out)


def _astype(self, dtype, copy=False, device=None):
  return lax_numpy.astype(self, dtype, copy=copy)


def _methods() -> dict:
  forwarded = {name: getattr(reductions, name) for name in
               ("sum", "mean", "std", "var", "max", "min", "prod", "argmax", "argmin", "all",
                "any")}
  forwarded.update({name: getattr(lax_numpy, name) for name in
                    ("squeeze", "swapaxes", "ravel", "clip", "dot", "round", "flatten")})
  forwarded.update({"conj": ufuncs.conjugate, "conjugate": ufuncs.conjugate})
  from pyjax._src.numpy import sorting, statistics
  forwarded.update({name: getattr(sorting, name) for name in
                    ("sort", "argsort", "searchsorted", "nonzero", "argpartition")})
  forwarded["ptp"] = statistics.ptp
  from pyjax._src.numpy import cumulative
  forwarded.update({"cumsum": cumulative.cumsum, "cumprod": cumulative.cumprod})
  from pyjax._src.numpy import products
  forwarded["trace"] = products.trace
  from pyjax._src.numpy import manipulation
  forwarded.update({name: getattr(manipulation, name) for name in
                    ("repeat", "diagonal", "copy")})
  from pyjax._src.numpy import index_tricks
  forwarded.update({"take": index_tricks.take, "choose": index_tricks.choose})
  methods = {name: _method(fn) for name, fn in forwarded.items()}
  methods.update({"reshape": _reshape, "transpose": _transpose, "astype": _astype,
                  "compress": _compress})
  return methods


def _properties() -> dict:
  return {
      "T": property(lambda self: lax_numpy.transpose(self)),
      "mT": property(lambda self: lax_numpy.swapaxes(self, -1, -2)),
      "real": property(ufuncs.real),
      "imag": property(ufuncs.imag),
      "at": property(lambda self: indexing.IndexUpdateHelper(self)),
      "flat": property(lambda self: lax_numpy.ravel(self)),
  }


def install() -> None:
  """Give `Array` and `Tracer` the same operators, methods and properties."""
  members = {**_operators(), **_methods(), **_properties()}
  for cls in (Array, Tracer):
    for name, member in members.items():
      setattr(cls, name, member)
  # Arrays iterate faster over their concrete rows.
  Array.__iter__ = lambda self: (Array(row, self.weak_type) for row in self._live()) \
      if self.ndim else _iter(self)
