"""`pyjax.scipy.fft`: SciPy's discrete cosine transforms on pyjax arrays, as `jax.scipy.fft`
(type 2 only, as JAX; norm "backward" or "ortho"), built on `pyjax.numpy.fft` so that jit, vmap and
grad apply.

The DCT-II of length N is computed with one complex FFT of the same length (Makhoul's method):
the input reordered as its even samples followed by its odd samples reversed, transformed, then
rotated by exp(-i pi k / 2N). The inverse runs the same steps backwards.
"""
from __future__ import annotations

import operator
from typing import Sequence

import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src import dtypes
from pyjax._src.numpy.fft import _resize
from pyjax._src.numpy.util import (canonicalize_axis, check_arraylike, promote_dtypes_inexact,
                                   to_complex_dtype)

__all__ = ["dct", "dctn", "idct", "idctn"]


def _check_options(name: str, type: int, norm: str | None) -> None:
  if type != 2:
    raise NotImplementedError("Only DCT type 2 is implemented.")
  if norm is not None and norm not in ("backward", "ortho"):
    raise ValueError(f"jax.scipy.fft.{name}: norm={norm!r} is not implemented")


def _resize_axis(x, n: int | None, axis: int):
  """`x` cropped or zero-padded at the end of `axis` to length `n` (unchanged for None)."""
  if n is None:
    return x
  n = operator.index(n)
  if n < 1:
    raise ValueError(f"invalid number of data points ({n}) specified")
  shape = list(x.shape)
  shape[axis] = n
  return _resize(x, shape)


def _interleave_order(size: int) -> np.ndarray:
  """Makhoul's reordering: even positions ascending, then odd positions descending."""
  return np.concatenate([np.arange(0, size, 2), np.arange(1, size, 2)[::-1]])


def _along(values: np.ndarray, axis: int, ndim: int, dtype):
  """A 1-D constant shaped to broadcast along `axis` of an `ndim`-dimensional array."""
  shape = [1] * ndim
  shape[axis] = values.shape[0]
  return jnp.asarray(values.reshape(shape), dtype)


def _ortho_factors(size: int) -> np.ndarray:
  """Per-coefficient factors that turn the unnormalized DCT-II into the orthonormal one."""
  factors = np.full(size, 1 / np.sqrt(2 * size))
  factors[0] = 1 / np.sqrt(4 * size)
  return factors


def _split_complex(fn, x):
  """A real-linear transform of a complex `x`, applied to its real and imaginary parts."""
  return lax.complex(fn(jnp.real(x)), fn(jnp.imag(x)))


def _dct_axis(x, n: int | None, axis: int, norm: str | None):
  x = _resize_axis(x, n, axis)
  size = x.shape[axis]
  spectrum = jnp.fft.fft(jnp.take(x, _interleave_order(size), axis=axis), axis=axis)
  rotation = _along(np.exp(-0.5j * np.pi * np.arange(size) / size), axis, x.ndim, spectrum.dtype)
  out = 2 * jnp.real(spectrum * rotation)
  if norm == "ortho":
    out = out * _along(_ortho_factors(size), axis, x.ndim, out.dtype)
  return out


def _idct_axis(x, n: int | None, axis: int, norm: str | None):
  x, = promote_dtypes_inexact(_resize_axis(x, n, axis))
  size = x.shape[axis]
  if norm == "ortho":
    x = x / _along(_ortho_factors(size), axis, x.ndim, x.dtype)
  # Coefficient k of the spectrum is (y[k] - i y[N-k]) exp(i pi k / 2N) / 2, with y[N] = 0.
  mirrored = jnp.take(x, (size - np.arange(size)) % size, axis=axis)
  mirrored = mirrored * _along((np.arange(size) > 0).astype(np.float32), axis, x.ndim, x.dtype)
  rotation = np.exp(0.5j * np.pi * np.arange(size) / size) / 2
  # 16-bit floats go to complex64, as the FFT computes in it anyway.
  part_dtype = np.finfo(to_complex_dtype(x.dtype)).dtype
  spectrum = lax.complex(x.astype(part_dtype), -mirrored.astype(part_dtype))
  spectrum = spectrum * _along(rotation, axis, x.ndim, spectrum.dtype)
  reordered = jnp.real(jnp.fft.ifft(spectrum, axis=axis))
  return jnp.take(reordered, np.argsort(_interleave_order(size)), axis=axis)


def _axes_and_sizes(x, s, axes) -> tuple[tuple[int, ...], list]:
  """The transformed axes and, for each, its output length (None: unchanged), as `dctn`'s."""
  if s is not None:
    s = list(s) if isinstance(s, Sequence) or hasattr(s, "__iter__") else [operator.index(s)]
    if len(s) > x.ndim:
      raise ValueError(f"s must have at most x.ndim ({x.ndim}) elements, got {len(s)}")
  if axes is None:
    axes = tuple(range(x.ndim - len(s), x.ndim)) if s is not None else tuple(range(x.ndim))
  else:
    axes = tuple(canonicalize_axis(a, x.ndim) for a in axes)
    if len(set(axes)) != len(axes):
      raise ValueError(f"repeated axis: {axes}")
  # Like SciPy's, sizes pair with axes in order; unpaired axes keep their length.
  sizes = [None] * len(axes) if s is None else list(s[:len(axes)]) + [None] * (len(axes) - len(s))
  return axes, sizes


def _transform(name: str, one_axis, x, type, norm, axes_and_sizes):
  """`one_axis` applied over the axes, each with its length, that `axes_and_sizes(x)` gives (a
  complex `x` part by part)."""
  check_arraylike(name, x)
  x = jnp.asarray(x)
  _check_options(name, type, norm)
  axes, sizes = axes_and_sizes(x)

  def transform(part):
    for axis, size in zip(axes, sizes):
      part = one_axis(part, size, axis, norm)
    return part

  if dtypes.issubdtype(x.dtype, np.complexfloating):
    return _split_complex(transform, x)
  return transform(x)


def dct(x, type: int = 2, n: int | None = None, axis: int = -1, norm: str | None = None):
  """Discrete cosine transform (type 2) of `x` along `axis`, as `scipy.fft.dct`."""
  return _transform("dct", _dct_axis, x, type, norm,
                    lambda arr: ((canonicalize_axis(axis, arr.ndim),), [n]))


def idct(x, type: int = 2, n: int | None = None, axis: int = -1, norm: str | None = None):
  """Inverse of `dct` (type 2) along `axis`, as `scipy.fft.idct`."""
  return _transform("idct", _idct_axis, x, type, norm,
                    lambda arr: ((canonicalize_axis(axis, arr.ndim),), [n]))


def dctn(x, type: int = 2, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
         norm: str | None = None):
  """Multidimensional discrete cosine transform (type 2) over `axes`, as `scipy.fft.dctn`."""
  return _transform("dctn", _dct_axis, x, type, norm,
                    lambda arr: _axes_and_sizes(arr, s, axes))


def idctn(x, type: int = 2, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None):
  """Inverse of `dctn` (type 2) over `axes`, as `scipy.fft.idctn`."""
  return _transform("idctn", _idct_axis, x, type, norm,
                    lambda arr: _axes_and_sizes(arr, s, axes))
