"""`jnp.convolve` and `jnp.correlate`: one-dimensional discrete convolution and cross-correlation,
computed as a `conv_general_dilated` of the inputs promoted to an inexact dtype."""
from __future__ import annotations

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.lax import convolution as _conv
from pyjax._src.lax import lax
from pyjax._src.numpy.util import promote_args_inexact

_MODES = ["full", "same", "valid"]


def _correlate_1d(name: str, a, v, mode: str, flip_kernel: bool, precision,
                  preferred_element_type):
  if mode not in _MODES:
    raise ValueError(f"mode must be one of {_MODES}")
  a, v = promote_args_inexact(name, a, v)
  a_aval, v_aval = core.get_aval(a), core.get_aval(v)
  if a_aval.ndim != 1 or v_aval.ndim != 1:
    raise ValueError(f"{name}() only support 1-dimensional inputs.")
  if a_aval.size == 0 or v_aval.size == 0:
    raise ValueError(f"{name}: inputs cannot be empty, got shapes {a_aval.shape} and "
                     f"{v_aval.shape}.")
  swapped = v_aval.shape[0] > a_aval.shape[0]
  if swapped:  # NumPy slides the shorter input over the longer one
    a, v = v, a
  n = core.get_aval(v).shape[0]
  if flip_kernel:
    v = lax.rev(v, (0,))
  elif dtypes.issubdtype(core.get_aval(v).dtype, np.complexfloating):
    v = lax.conj(v)
  padding = {"full": (n - 1, n - 1), "same": (n // 2, n - n // 2 - 1), "valid": (0, 0)}[mode]
  out = _conv.conv_general_dilated(
      lax.expand_dims(a, (0, 1)), lax.expand_dims(v, (0, 1)), (1,), [padding],
      precision=precision, preferred_element_type=preferred_element_type)
  out = lax.squeeze(out, (0, 1))
  if swapped and not flip_kernel:
    # correlate(v, a) is correlate(a, v) reversed (and conjugated): c[k] = sum a[n+k] conj(v[n]).
    out = lax.rev(out, (0,))
    if dtypes.issubdtype(core.get_aval(out).dtype, np.complexfloating):
      out = lax.conj(out)
  return out


def convolve(a, v, mode: str = "full", *, precision=None, preferred_element_type=None):
  """The discrete linear convolution of one-dimensional `a` and `v` (`mode` 'full', 'same' or
  'valid', as in NumPy); integer and boolean inputs are promoted to floating point."""
  return _correlate_1d("convolve", a, v, mode, True, precision, preferred_element_type)


def correlate(a, v, mode: str = "valid", *, precision=None, preferred_element_type=None):
  """The cross-correlation of one-dimensional `a` and `v`, `c[k] = sum_n a[n+k] * conj(v[n])`
  (`mode` 'valid', 'same' or 'full', as in NumPy)."""
  return _correlate_1d("correlate", a, v, mode, False, precision, preferred_element_type)


__all__ = ["convolve", "correlate"]
