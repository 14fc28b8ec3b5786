"""The `fft` primitive: complex, real-to-complex and complex-to-real discrete Fourier transforms
over the trailing dimensions of an array (`lax.fft`), computed eagerly by NumPy's pocketfft."""
from __future__ import annotations

import enum
import math
from typing import Sequence

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.avals import ShapedArray
from pyjax._src.backend import xp
from pyjax._src.core import Primitive
from pyjax._src.interpreters import ad, batching
from pyjax._src.jit import jit
from pyjax._src.lax import lax
from pyjax._src.lax import structural


class FftType(enum.IntEnum):
  """Which transform `fft` computes."""
  FFT = 0    # complex to complex, forward
  IFFT = 1   # complex to complex, inverse (scaled by 1/n)
  RFFT = 2   # real to complex, forward (the last axis keeps n // 2 + 1 frequencies)
  IRFFT = 3  # complex to real, inverse

  __str__ = int.__repr__  # jaxprs print `fft_type=0` on every Python version


_NAMES = {name: typ for typ in FftType for name in (typ.name, typ.name.lower())}


def _fft_type(fft_type) -> FftType:
  if isinstance(fft_type, str):
    if fft_type not in _NAMES:
      raise ValueError(f"Unknown FFT type '{fft_type}'")
    return _NAMES[fft_type]
  if isinstance(fft_type, FftType):
    return fft_type
  raise TypeError(f"Unknown FFT type value '{fft_type}'")


# The inexact type a transform of integers or booleans computes in (JAX's table: 64-bit integers
# become float64, narrower ones float32).
_TO_INEXACT = {np.dtype(k): np.dtype(v) for k, v in [
    ("bool", "float32"), ("uint8", "float32"), ("int8", "float32"), ("uint16", "float32"),
    ("int16", "float32"), ("uint32", "float32"), ("int32", "float32"), ("uint64", "float64"),
    ("int64", "float64")]}


def _to_inexact_dtype(dtype) -> np.dtype:
  return _TO_INEXACT.get(np.dtype(dtype), np.dtype(dtype))


def _to_complex_dtype(dtype) -> np.dtype:
  inexact = _to_inexact_dtype(dtype)
  if inexact in (np.dtype(np.float64), np.dtype(np.complex128)):
    return np.dtype(np.complex128)
  return np.dtype(np.complex64)


def _complex_dtype(dtype) -> np.dtype:
  return np.result_type(dtype, np.complex64)


def _fft_abstract_eval(x, *, fft_type, fft_lengths):
  if len(fft_lengths) > x.ndim:
    raise ValueError(f"FFT input shape {x.shape} must have at least as many input dimensions as "
                     f"fft_lengths {fft_lengths}.")
  count = len(fft_lengths)
  if fft_type == FftType.RFFT:
    if x.dtype not in (np.float32, np.float64):
      raise ValueError(f"RFFT input must be float32 or float64, got {x.dtype}")
    if x.shape[-count:] != fft_lengths:
      raise ValueError(f"RFFT input shape {x.shape} minor dimensions must be equal to "
                       f"fft_lengths {fft_lengths}")
    shape = x.shape[:-count] + fft_lengths[:-1] + (fft_lengths[-1] // 2 + 1,)
    dtype = _complex_dtype(x.dtype)
  elif fft_type == FftType.IRFFT:
    if not dtypes.issubdtype(x.dtype, np.complexfloating):
      raise ValueError(f"IRFFT input must be complex64 or complex128, got {x.dtype}")
    if x.shape[-count:-1] != fft_lengths[:-1]:
      raise ValueError(f"IRFFT input shape {x.shape} minor dimensions must be equal to all except "
                       f"the last fft_length, got fft_lengths={fft_lengths}")
    shape = x.shape[:-count] + fft_lengths
    dtype = np.finfo(x.dtype).dtype
  else:
    if not dtypes.issubdtype(x.dtype, np.complexfloating):
      raise ValueError(f"FFT input must be complex64 or complex128, got {x.dtype}")
    if x.shape[-count:] != fft_lengths:
      raise ValueError(f"FFT input shape {x.shape} minor dimensions must be equal to "
                       f"fft_lengths {fft_lengths}")
    shape, dtype = x.shape, x.dtype
  return ShapedArray(shape, dtype, x.weak_type)


def _fft_impl(x, *, fft_type, fft_lengths):
  out = _fft_abstract_eval(ShapedArray(x.shape, x.dtype), fft_type=fft_type,
                           fft_lengths=fft_lengths)
  if 0 in fft_lengths or 0 in out.shape:
    return np.zeros(out.shape, out.dtype)
  axes = tuple(range(x.ndim - len(fft_lengths), x.ndim))
  if fft_type == FftType.FFT:
    result = xp.fft.fftn(x, axes=axes)
  elif fft_type == FftType.IFFT:
    result = xp.fft.ifftn(x, axes=axes)
  elif fft_type == FftType.RFFT:
    result = xp.fft.rfftn(x, axes=axes)
  else:
    result = xp.fft.irfftn(x, s=fft_lengths, axes=axes)
  return result.astype(out.dtype, copy=False)


fft_p = Primitive("fft")
fft_p.def_abstract_eval(_fft_abstract_eval)
fft_p.def_impl(_fft_impl)


@jit(static_argnums=(1, 2))
def fft(x, fft_type: FftType | str, fft_lengths: Sequence[int]):
  """The n-dimensional transform `fft_type` over the last len(fft_lengths) axes of `x`."""
  typ = _fft_type(fft_type)
  dtype = core.get_aval(x).dtype
  if typ == FftType.RFFT:
    if dtypes.issubdtype(dtype, np.complexfloating):
      raise ValueError("only real valued inputs supported for rfft")
    x = structural.convert_element_type(x, _to_inexact_dtype(dtype))
  else:
    x = structural.convert_element_type(x, _to_complex_dtype(dtype))
  if len(fft_lengths) == 0:
    return x
  return fft_p.bind(x, fft_type=typ, fft_lengths=tuple(fft_lengths))


# ------------------------------------------------------------------------------------------------
# Transposition: the transforms are linear (complex-linear, transposed without conjugation as JAX
# transposes complex maps).


def _hermitian_weights(like, fft_length: int, dtype):
  """Weights of the half-spectrum entries an RFFT keeps, broadcast along the last axis of
  `like`: 1 for the zero frequency (and the Nyquist one for even lengths), 2 for the others,
  which stand for a conjugate pair."""
  count = like.shape[-1]
  weights = np.full((count,), 2, dtype)
  weights[0] = 1
  if fft_length % 2 == 0:
    weights[-1] = 1
  return lax.broadcast_in_dim(weights, like.shape, (like.ndim - 1,))


def _rfft_transpose(t, fft_lengths):
  scaled = lax.div(lax.conj(t), _hermitian_weights(t, fft_lengths[-1], t.dtype))
  out = fft(scaled, FftType.IRFFT, fft_lengths)
  return lax.mul(out, np.array(math.prod(fft_lengths), out.dtype))


def _irfft_transpose(t, fft_lengths):
  x = fft(t, FftType.RFFT, fft_lengths)
  weights = _hermitian_weights(x, fft_lengths[-1], x.dtype)
  scale = np.array(1 / math.prod(fft_lengths), x.dtype)
  return lax.conj(lax.mul(lax.mul(scale, weights), x))


def _fft_transpose(t, operand, *, fft_type, fft_lengths):
  if fft_type == FftType.RFFT:
    return [_rfft_transpose(t, fft_lengths)]
  if fft_type == FftType.IRFFT:
    return [_irfft_transpose(t, fft_lengths)]
  return [fft(t, fft_type, fft_lengths)]


ad.deflinear(fft_p, _fft_transpose)


def _fft_batcher(axis_data, vals, dims, *, fft_type, fft_lengths):
  x, = vals
  return fft_p.bind(batching.moveaxis(x, dims[0], 0), fft_type=fft_type,
                    fft_lengths=fft_lengths), 0


batching.primitive_batchers[fft_p] = _fft_batcher
