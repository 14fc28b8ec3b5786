"""Abstract values: what a transformation knows about an array without its data."""
from __future__ import annotations

import numpy as np

from pyjax._src import dtypes


class ShapedArray:
  """Shape, dtype and weak type of an array: the type of a jaxpr variable and of a tracer."""
  __slots__ = ("shape", "dtype", "weak_type")

  def __init__(self, shape, dtype, weak_type: bool = False):
    self.shape = tuple(shape)
    if isinstance(dtype, np.dtype):
      self.dtype = dtypes.logical_dtype(dtype) if dtype.kind == "V" else dtype
    else:
      self.dtype = dtype if dtypes._is_extended(dtype) else np.dtype(dtype)
    self.weak_type = bool(weak_type)

  ndim = property(lambda self: len(self.shape))

  @property
  def size(self) -> int:
    return int(np.prod(self.shape, dtype=np.int64))

  def update(self, shape=None, dtype=None, weak_type=None) -> "ShapedArray":
    return ShapedArray(self.shape if shape is None else shape,
                       self.dtype if dtype is None else dtype,
                       self.weak_type if weak_type is None else weak_type)

  def strip_weak_type(self) -> "ShapedArray":
    return self.update(weak_type=False) if self.weak_type else self

  def __eq__(self, other):
    return (type(other) is ShapedArray and self.shape == other.shape
            and self.dtype == other.dtype and self.weak_type == other.weak_type)

  def __hash__(self):
    return hash((self.shape, self.dtype, self.weak_type))

  def str_short(self, short_dtypes: bool = True) -> str:
    """`f32[3,4]`: the form used in jaxpr binders (weak type not shown)."""
    if short_dtypes or self.dtype == dtypes.float0:  # NumPy names float0 'void'
      name = dtypes.short_dtype_name(self.dtype)
    else:
      name = self.dtype.name
    return f"{name}[{','.join(str(d) for d in self.shape)}]"

  def __str__(self):
    return ("~" if self.weak_type else "") + self.str_short(short_dtypes=False)

  def __repr__(self):
    weak = ", weak_type=True" if self.weak_type else ""
    return f"ShapedArray({self.str_short(short_dtypes=False)}{weak})"


def raise_to_shaped(aval: ShapedArray, weak_type: bool | None = None) -> ShapedArray:
  return aval if weak_type is None else aval.update(weak_type=weak_type)


class AbstractToken:
  """The type of a token (`Tok` in jaxprs): a value without data that orders side effects."""
  __slots__ = ()
  shape = ()
  ndim = 0
  weak_type = False

  def __eq__(self, other):
    return type(other) is AbstractToken

  def __hash__(self):
    return hash(AbstractToken)

  def str_short(self, short_dtypes: bool = True) -> str:
    return "Tok"

  def strip_weak_type(self) -> "AbstractToken":
    return self

  def __repr__(self):
    return "AbstractToken()"

  __str__ = __repr__


abstract_token = AbstractToken()


class Token:
  """A token value (from `lax.create_token` or `lax.after_all`); it carries no data."""
  __slots__ = ("__weakref__",)

  aval = abstract_token

  def block_until_ready(self) -> None:
    return None
