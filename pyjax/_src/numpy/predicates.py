"""Array-level predicates of `jax.numpy`: allclose, isclose, array_equal, iscomplexobj, isdtype,
can_cast, ..."""
from __future__ import annotations

from typing import Any

import numpy as np

from pyjax._src import dtypes
from pyjax._src.array import Array
from pyjax._src.core import Tracer
from pyjax._src.lax import lax
from pyjax._src.numpy import reductions, ufuncs
from pyjax._src.numpy.creation import asarray
from pyjax._src.numpy.util import check_arraylike, promote_args, promote_args_inexact

# NumPy's own functions, which `jax.numpy` re-exports as they are.
can_cast = np.can_cast
iterable = np.iterable


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan: bool = False):
  """Elementwise `|a - b| <= atol + rtol * |b|` (not symmetric in `a` and `b`).

  Integers and booleans are compared as the default float type; `rtol` and `atol` are cast to the
  real type of the promoted inputs (float16 tolerances for float16 arrays). Infinities are close
  only to themselves (same sign); NaNs to nothing, unless `equal_nan`. PRNG keys compare equal or
  not."""
  a, b = promote_args("isclose", a, b)
  if dtypes.issubdtype(a.dtype, dtypes.extended):
    return lax.eq(a, b)
  a, b = promote_args_inexact("isclose", a, b)
  real = np.dtype(dtypes.finfo(a.dtype).dtype)
  rtol = lax.convert_element_type(rtol, real)
  atol = lax.convert_element_type(atol, real)
  # Combined first, as in JAX, so that shapes that do not broadcast fail with its message.
  both_nan = ufuncs.logical_and(ufuncs.isnan(a), ufuncs.isnan(b))
  # `lax.eq` makes infinities of the same sign close; where `b` is finite (and so is a close
  # `a`), the tolerance decides.
  in_range = lax.le(lax.abs(lax.sub(a, b)), lax.add(atol, lax.mul(rtol, lax.abs(b))))
  out = ufuncs.logical_or(lax.eq(a, b), ufuncs.logical_and(ufuncs.isfinite(b), in_range))
  return ufuncs.logical_or(out, both_nan) if equal_nan else out


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan: bool = False):
  """Whether `isclose(a, b, rtol, atol, equal_nan)` holds everywhere (a boolean 0-d Array)."""
  check_arraylike("allclose", a, b)
  return reductions.all(isclose(a, b, rtol, atol, equal_nan))


def array_equal(a1, a2, equal_nan: bool = False):
  """Whether `a1` and `a2` have the same shape and equal elements (NaNs equal if `equal_nan`).
  Lists are accepted, as in NumPy."""
  a1, a2 = asarray(a1), asarray(a2)
  if np.shape(a1) != np.shape(a2):
    return asarray(False, dtype=bool)
  eq = ufuncs.equal(a1, a2)
  if equal_nan:
    eq = ufuncs.logical_or(eq, ufuncs.logical_and(ufuncs.isnan(a1), ufuncs.isnan(a2)))
  return reductions.all(eq)


def array_equiv(a1, a2):
  """Whether `a1` and `a2` are equal everywhere after broadcasting. As in JAX, shapes that do not
  broadcast raise TypeError (NumPy returns False)."""
  a1, a2 = asarray(a1), asarray(a2)
  return reductions.all(ufuncs.equal(a1, a2))


def iscomplex(x):
  """Elementwise: whether the imaginary part is nonzero (False for real dtypes)."""
  im = ufuncs.imag(x)
  return lax.ne(im, ufuncs._scalar_const(im, 0))


def isreal(x):
  """Elementwise: whether the imaginary part is zero (True for real dtypes)."""
  im = ufuncs.imag(x)
  return lax.eq(im, ufuncs._scalar_const(im, 0))


def iscomplexobj(x: Any) -> bool:
  """Whether `x` has a complex type (by its dtype, not its values)."""
  if isinstance(x, (complex, np.complexfloating)):
    return True
  if x is None or isinstance(x, (bool, int, float, str, np.generic)):
    return False
  try:
    scalar_type = x.dtype.type
  except AttributeError:
    scalar_type = asarray(x).dtype.type
  return dtypes.issubdtype(scalar_type, np.complexfloating)


def isrealobj(x: Any) -> bool:
  """Whether `x` does not have a complex type (by its dtype, not its values)."""
  return not iscomplexobj(x)


def isscalar(element: Any) -> bool:
  """True for Python and NumPy scalars and for 0-d arrays (JAX's Arrays are never NumPy scalars,
  so a 0-d Array counts as a scalar here, unlike NumPy's `isscalar`)."""
  if np.isscalar(element):
    return True
  if isinstance(element, (np.ndarray, Array, Tracer)):
    return element.ndim == 0
  if getattr(element, "__jax_array__", None) is not None:
    return asarray(element).ndim == 0
  return False


def _dtypes_of(*kinds) -> frozenset:
  return frozenset(d for d in dtypes._NUMERIC_DTYPES
                   if any(dtypes.issubdtype(d, kind) for kind in kinds))


# The dtype kinds of the Array API's `isdtype`, over the dtypes JAX knows (bfloat16, float8, int4
# ... included).
_DTYPE_KINDS = {
    "bool": frozenset({np.dtype(bool)}),
    "signed integer": _dtypes_of(np.signedinteger),
    "unsigned integer": _dtypes_of(np.unsignedinteger),
    "integral": _dtypes_of(np.integer),
    "real floating": _dtypes_of(np.floating),
    "complex floating": _dtypes_of(np.complexfloating),
    "numeric": _dtypes_of(np.number),
}


def isdtype(dtype, kind) -> bool:
  """Whether `dtype` is of `kind`: a kind name ('bool', 'signed integer', 'unsigned integer',
  'integral', 'real floating', 'complex floating', 'numeric'), a dtype, or a tuple of these (any
  of them)."""
  the_dtype = np.dtype(dtype)
  options = set()
  for k in kind if isinstance(kind, tuple) else (kind,):
    if isinstance(k, str) and k in _DTYPE_KINDS:
      options.update(_DTYPE_KINDS[k])
      continue
    try:
      options.add(np.dtype(k))
    except TypeError as err:
      if isinstance(k, str):
        raise ValueError(f"Unrecognized kind={k!r} expected one of {list(_DTYPE_KINDS)}, or a "
                         "compatible input for jnp.dtype()") from None
      raise TypeError(f"Expected kind to be a dtype, string, or tuple; got kind={k!r}") from err
  return the_dtype in options


__all__ = ["allclose", "array_equal", "array_equiv", "can_cast", "iscomplex", "iscomplexobj",
           "isclose", "isdtype", "isreal", "isrealobj", "isscalar", "iterable"]
