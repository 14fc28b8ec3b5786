"""`pyjax.numpy.fft`: NumPy's discrete Fourier transforms with JAX's semantics (complex64 results
for float32 input; `n`/`s` crop or zero-pad the input; `norm` is "backward", "ortho" or
"forward"), built on the `fft` primitive."""
from __future__ import annotations

import operator
from typing import Sequence

import numpy as np

from pyjax._src import dtypes
from pyjax._src.lax import lax
from pyjax._src.lax.fft import FftType, fft as lax_fft
from pyjax._src.numpy import creation, lax_numpy, ufuncs
from pyjax._src.numpy.util import asarray_or_scalar, check_arraylike

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2",
           "rfftn", "irfftn", "hfft", "ihfft", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


def _norm_scale(s, dtype, func_name: str, norm: str):
  """The factor a `norm` mode applies to the transform of sizes `s` (None for "backward")."""
  if norm == "backward":
    return None
  size = np.prod(np.array(s, dtype))
  if norm == "ortho":
    root = np.sqrt(size)
    return root if func_name.startswith("i") else np.array(1, dtype) / root
  if norm == "forward":
    return size if func_name.startswith("i") else np.array(1, dtype) / size
  raise ValueError(f'Invalid norm value {norm}; should be "backward","ortho" or "forward".')


def _resize(arr, shape):
  """`arr` cropped or zero-padded (at the end of each axis) to `shape`."""
  arr = lax.slice(arr, (0,) * arr.ndim, tuple(min(a, b) for a, b in zip(arr.shape, shape)))
  if tuple(arr.shape) == tuple(shape):
    return arr
  return lax.pad(arr, np.zeros((), arr.dtype), [(0, b - a, 0) for a, b in zip(arr.shape, shape)])


def _fft_nd(arr, fft_type: FftType, s: Sequence[int]):
  """The transform over the last len(s) axes, as transforms of at most three axes each (XLA's
  limit, which JAX keeps)."""
  if len(s) <= 3:
    return lax_fft(arr, fft_type, tuple(s))
  n = 2 if len(s) == 4 else 3
  src = tuple(range(arr.ndim - len(s), arr.ndim - n))
  dst = tuple(range(arr.ndim - len(s) + n, arr.ndim))
  if fft_type in (FftType.RFFT, FftType.FFT):
    arr = lax_fft(arr, fft_type, tuple(s)[-n:])
    arr = lax_numpy.moveaxis(arr, src, dst)
    arr = _fft_nd(arr, FftType.FFT, s[:-n])
    return lax_numpy.moveaxis(arr, dst, src)
  arr = lax_numpy.moveaxis(arr, src, dst)
  arr = _fft_nd(arr, FftType.IFFT, s[:-n])
  arr = lax_numpy.moveaxis(arr, dst, src)
  return lax_fft(arr, fft_type, tuple(s)[-n:])


def _fft_core(func_name: str, fft_type: FftType, a, s, axes, norm):
  full_name = f"jax.numpy.fft.{func_name}"
  check_arraylike(full_name, a)
  arr = asarray_or_scalar(a)
  if s is not None:
    s = tuple(map(operator.index, s))
    if any(d <= 0 for d in s):
      raise ValueError("Shape should be positive.")
  if s is not None and axes is not None and len(s) != len(axes):
    raise ValueError("Shape and axes have different lengths.")
  orig_axes = axes
  if axes is None:
    axes = range(arr.ndim) if s is None else range(arr.ndim - len(s), arr.ndim)
  if len(axes) != len(set(axes)):
    raise ValueError(f"{full_name} does not support repeated axes. Got axes {axes}.")
  if orig_axes is not None:
    axes = tuple(range(arr.ndim - len(axes), arr.ndim))
    arr = lax_numpy.moveaxis(arr, orig_axes, axes)
  if s is not None:
    in_s = list(arr.shape)
    for axis, size in zip(axes, s, strict=True):
      in_s[axis] = size
    if fft_type == FftType.IRFFT:
      in_s[-1] = in_s[-1] // 2 + 1
    arr = _resize(arr, in_s)
  elif fft_type == FftType.IRFFT:
    s = [arr.shape[axis] for axis in axes[:-1]]
    if axes:
      s += [max(0, 2 * (arr.shape[axes[-1]] - 1))]
  else:
    s = [arr.shape[axis] for axis in axes]
  transformed = _fft_nd(arr, fft_type, s)
  if norm is not None:
    scale = _norm_scale(s, transformed.dtype, func_name, norm)
    if scale is not None:
      transformed = ufuncs.multiply(transformed, scale)
  if orig_axes is not None:
    transformed = lax_numpy.moveaxis(transformed, axes, orig_axes)
  return transformed


def _check_one_axis(func_name: str, axis) -> None:
  full_name = f"jax.numpy.fft.{func_name}"
  if isinstance(axis, (list, tuple)):
    raise ValueError(f"{full_name} does not support multiple axes. Please use {full_name}n. "
                     f"Got axis = {axis!r}.")


def _fft_core_1d(func_name: str, fft_type: FftType, a, n, axis, norm):
  _check_one_axis(func_name, axis)
  return _fft_core(func_name, fft_type, a, None if n is None else [n],
                   None if axis is None else [axis], norm)


def _fft_core_2d(func_name: str, fft_type: FftType, a, s, axes, norm):
  if len(axes) != 2:
    raise ValueError(f"jax.numpy.fft.{func_name} only supports 2 axes. Got axes = {axes!r}.")
  return _fft_core(func_name, fft_type, a, s, axes, norm)


def fft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
  """One-dimensional discrete Fourier transform along `axis`."""
  return _fft_core_1d("fft", FftType.FFT, a, n, axis, norm)


def ifft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
  """Inverse of `fft`."""
  return _fft_core_1d("ifft", FftType.IFFT, a, n, axis, norm)


def rfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
  """Transform of real input: the n // 2 + 1 non-negative frequencies."""
  return _fft_core_1d("rfft", FftType.RFFT, a, n, axis, norm)


def irfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
  """Inverse of `rfft`: a real signal of length `n` (default 2 * (m - 1))."""
  return _fft_core_1d("irfft", FftType.IRFFT, a, n, axis, norm)


def hfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
  """Transform of a Hermitian-symmetric signal given by its first half: a real spectrum."""
  conj_a = ufuncs.conj(a)
  _check_one_axis("hfft", axis)
  nn = (conj_a.shape[axis] - 1) * 2 if n is None else n
  return ufuncs.multiply(_fft_core_1d("hfft", FftType.IRFFT, conj_a, n, axis, norm), nn)


def ihfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
  """Inverse of `hfft`."""
  _check_one_axis("ihfft", axis)
  arr = creation.asarray(a)
  nn = arr.shape[axis] if n is None else n
  output = _fft_core_1d("ihfft", FftType.RFFT, arr, n, axis, norm)
  return ufuncs.multiply(ufuncs.conj(output), 1 / nn)


def fftn(a, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
         norm: str | None = None):
  """N-dimensional transform over `axes` (all by default)."""
  return _fft_core("fftn", FftType.FFT, a, s, axes, norm)


def ifftn(a, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None):
  return _fft_core("ifftn", FftType.IFFT, a, s, axes, norm)


def rfftn(a, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None):
  return _fft_core("rfftn", FftType.RFFT, a, s, axes, norm)


def irfftn(a, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
           norm: str | None = None):
  return _fft_core("irfftn", FftType.IRFFT, a, s, axes, norm)


def fft2(a, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
         norm: str | None = None):
  return _fft_core_2d("fft2", FftType.FFT, a, s, axes, norm)


def ifft2(a, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
          norm: str | None = None):
  return _fft_core_2d("ifft2", FftType.IFFT, a, s, axes, norm)


def rfft2(a, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
          norm: str | None = None):
  return _fft_core_2d("rfft2", FftType.RFFT, a, s, axes, norm)


def irfft2(a, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
           norm: str | None = None):
  return _fft_core_2d("irfft2", FftType.IRFFT, a, s, axes, norm)


def _check_freq_args(func_name: str, n, d) -> None:
  if isinstance(n, (list, tuple)):
    raise ValueError(f"The n argument of jax.numpy.fft.{func_name} only takes an int. "
                     f"Got n = {list(n)}.")
  if isinstance(d, (list, tuple)):
    raise ValueError(f"The d argument of jax.numpy.fft.{func_name} only takes a single value. "
                     f"Got d = {list(d)}.")


def fftfreq(n: int, d=1.0, *, dtype=None, device=None):
  """The sample frequencies of an `fft` of length n with sample spacing d:
  [0, 1, ..., n//2 - 1 (or (n-1)//2), -(n//2), ..., -1] / (d * n)."""
  dtype = dtype or dtypes.default_float_dtype()
  _check_freq_args("fftfreq", n, d)
  out_dtype = dtype
  dtype = dtypes.finfo(_to_inexact(dtype)).dtype
  i = creation.arange(n, dtype=dtype)
  k = ufuncs.subtract(ufuncs.remainder(ufuncs.add(i, n // 2), n), n // 2)
  result = ufuncs.divide(lax_numpy.astype(k, dtype), creation.array(d * n, dtype=dtype))
  return lax_numpy.astype(result, out_dtype)


def rfftfreq(n: int, d=1.0, *, dtype=None, device=None):
  """The sample frequencies of an `rfft` of length n: [0, 1, ..., n // 2] / (d * n)."""
  dtype = dtype or dtypes.default_float_dtype()
  _check_freq_args("rfftfreq", n, d)
  k = creation.arange(0, (n // 2 if n % 2 == 0 else (n - 1) // 2) + 1, dtype=dtype)
  return ufuncs.divide(k, creation.array(d * n, dtype=dtype))


def _to_inexact(dtype) -> np.dtype:
  dtype = np.dtype(dtype)
  if dtypes.issubdtype(dtype, np.inexact):
    return dtype
  return np.dtype(np.float64) if dtype.itemsize == 8 else np.dtype(np.float32)


def _roll(x, shifts, axes):
  """`x` rolled by static `shifts` along `axes` (elements leaving one end re-enter at the
  other)."""
  for shift, axis in zip(shifts, axes):
    size = x.shape[axis]
    if size == 0:
      continue
    shift %= size
    if shift:
      x = lax.concatenate([lax.slice_in_dim(x, size - shift, size, axis=axis),
                           lax.slice_in_dim(x, 0, size - shift, axis=axis)], axis)
  return x


def _shift(name: str, x, axes, sign: int):
  check_arraylike(name, x)
  x = asarray_or_scalar(x)
  if axes is None:
    axes = tuple(range(x.ndim))
  elif isinstance(axes, int):
    axes = (axes,)
  axes = tuple(lax_numpy.canonicalize_axis(a, x.ndim) for a in axes)
  return _roll(x, [sign * (x.shape[a] // 2) for a in axes], axes)


def fftshift(x, axes: None | int | Sequence[int] = None):
  """Move the zero frequency to the centre (roll each axis by half its length)."""
  return _shift("fftshift", x, axes, 1)


def ifftshift(x, axes: None | int | Sequence[int] = None):
  """Inverse of `fftshift`."""
  return _shift("ifftshift", x, axes, -1)
