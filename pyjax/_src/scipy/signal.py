"""`pyjax.scipy.signal`: SciPy's convolutions, detrending and windowed-FFT spectral estimates on
pyjax arrays, with `jax.scipy.signal`'s semantics (inexact results, `boundary="fill"` only for the
2-D convolutions, type-2-style `stft` framing), built on `pyjax.numpy` and `pyjax.lax` so that jit,
vmap and grad apply.
"""
from __future__ import annotations

import operator
import warnings
from typing import Sequence

import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src import core
from pyjax._src.numpy.util import (canonicalize_axis, check_arraylike, promote_dtypes_complex,
                                   promote_dtypes_inexact, to_complex_dtype)

__all__ = ["convolve", "convolve2d", "correlate", "correlate2d", "csd", "detrend", "fftconvolve",
           "istft", "stft", "welch"]

_MODES = ("full", "same", "valid")


def _check_mode(mode) -> None:
  if mode not in _MODES:
    raise ValueError("mode must be one of ['full', 'same', 'valid']")


def _out_window(mode: str, shape1, shape2) -> tuple[tuple[int, ...], tuple[int, ...]]:
  """Start and size, per axis, of the `mode` part of the full convolution of shapes `shape1` and
  `shape2`: "same" is centred on it with `shape1`'s size (SciPy's convention)."""
  full = [a + b - 1 for a, b in zip(shape1, shape2)]
  if mode == "full":
    size = full
  elif mode == "same":
    size = list(shape1)
  else:
    size = [abs(a - b) + 1 for a, b in zip(shape1, shape2)]
  return tuple((f - s) // 2 for f, s in zip(full, size)), tuple(size)


def _convolve_direct(in1, in2, mode: str, precision):
  """N-dimensional convolution by `lax.conv_general_dilated` (the bigger input as the image)."""
  _check_mode(mode)
  check_arraylike("convolve", in1, in2)
  in1, in2 = jnp.asarray(in1), jnp.asarray(in2)
  if in1.ndim != in2.ndim:
    raise ValueError("in1 and in2 must have the same number of dimensions")
  if in1.size == 0 or in2.size == 0:
    raise ValueError("zero-size arrays not supported in convolutions, got shapes "
                     f"{in1.shape} and {in2.shape}.")
  in1, in2 = promote_dtypes_inexact(in1, in2)
  in1_bigger = all(a >= b for a, b in zip(in1.shape, in2.shape))
  in2_bigger = all(a <= b for a, b in zip(in1.shape, in2.shape))
  if not (in1_bigger or in2_bigger):
    raise ValueError("One input must be smaller than the other in every dimension.")
  starts, sizes = _out_window(mode, in1.shape, in2.shape)
  image, kernel = (in2, in1) if in2_bigger and not in1_bigger else (in1, in2)
  # Output i of a correlation with a flipped kernel padded by `low` on the left is element
  # i + (kernel - 1 - low) of the full convolution.
  padding = []
  for start, size, n_image, n_kernel in zip(starts, sizes, image.shape, kernel.shape):
    low = n_kernel - 1 - start
    padding.append((low, size - n_image + n_kernel - 1 - low))
  out = lax.conv_general_dilated(image[None, None], jnp.flip(kernel)[None, None],
                                 (1,) * image.ndim, padding, precision=precision)
  return out[0, 0]


def fftconvolve(in1, in2, mode: str = "full", axes: Sequence[int] | None = None):
  """Convolution of `in1` and `in2` by FFTs over `axes` (default all); the other axes must agree
  and are mapped over."""
  check_arraylike("fftconvolve", in1, in2)
  in1, in2 = promote_dtypes_inexact(in1, in2)
  if in1.ndim != in2.ndim:
    raise ValueError("in1 and in2 should have the same dimensionality")
  if mode not in _MODES:
    raise ValueError("mode must be one of ['same', 'full', 'valid']")
  if axes is None:
    axes = tuple(range(in1.ndim))
  else:
    axes = (axes,) if not isinstance(axes, (tuple, list)) else axes
    axes = tuple(canonicalize_axis(operator.index(a), in1.ndim) for a in axes)
  mapped = [d for d in range(in1.ndim) if d not in axes]
  if any(in1.shape[d] != in2.shape[d] for d in mapped):
    raise ValueError(f"mapped axes must have same shape; got in1.shape={in1.shape!r} "
                     f"in2.shape={in2.shape!r} axes={axes!r}")
  axes = tuple(sorted(set(axes)))
  shape1 = [in1.shape[d] for d in axes]
  shape2 = [in2.shape[d] for d in axes]
  if mode == "valid":
    if all(a <= b for a, b in zip(shape1, shape2)):
      in1, in2, shape1, shape2 = in2, in1, shape2, shape1
    elif not all(a >= b for a, b in zip(shape1, shape2)):
      raise ValueError("For 'valid' mode, One input must be at least as large as the other in "
                       "every dimension.")
  if all(a == 1 or b == 1 for a, b in zip(shape1, shape2)):
    # A convolution with single samples is a product (exact, unlike a round trip through FFTs).
    conv = in1 * in2
  else:
    full = [a + b - 1 for a, b in zip(shape1, shape2)]
    if jnp.iscomplexobj(in1):
      spectrum = jnp.fft.fftn(in1, full, axes) * jnp.fft.fftn(in2, full, axes)
      conv = jnp.fft.ifftn(spectrum, full, axes)
    else:
      spectrum = jnp.fft.rfftn(in1, full, axes) * jnp.fft.rfftn(in2, full, axes)
      conv = jnp.fft.irfftn(spectrum, full, axes)
  starts, sizes = _out_window(mode, shape1, shape2)
  for axis, start, size in zip(axes, starts, sizes):
    conv = lax.slice_in_dim(conv, start, start + size, axis=axis)
  return conv


def convolve(in1, in2, mode: str = "full", method: str = "auto", precision=None):
  """N-dimensional convolution, directly (`method` "direct" or "auto") or by FFTs ("fft")."""
  if method == "fft":
    return fftconvolve(in1, in2, mode=mode)
  if method in ("direct", "auto"):
    return _convolve_direct(in1, in2, mode, precision)
  raise ValueError(f"Got method={method!r}; expected 'auto', 'fft', or 'direct'.")


def correlate(in1, in2, mode: str = "full", method: str = "auto", precision=None):
  """N-dimensional cross-correlation: the convolution with `in2` conjugated and reversed."""
  check_arraylike("correlate", in1, in2)
  return convolve(in1, jnp.flip(jnp.conj(jnp.asarray(in2))), mode, method, precision)


def _check_2d(name: str, in1, in2, boundary, fillvalue) -> None:
  if boundary != "fill" or fillvalue != 0:
    raise NotImplementedError(f"{name}() only supports boundary='fill', fillvalue=0")
  if np.ndim(in1) != 2 or np.ndim(in2) != 2:
    raise ValueError(f"{name}() only supports 2-dimensional inputs.")


def convolve2d(in1, in2, mode: str = "full", boundary: str = "fill", fillvalue: float = 0,
               precision=None):
  """2-D convolution (only zero fill outside the inputs, as JAX)."""
  _check_2d("convolve2d", in1, in2, boundary, fillvalue)
  return _convolve_direct(in1, in2, mode, precision)


def correlate2d(in1, in2, mode: str = "full", boundary: str = "fill", fillvalue: float = 0,
                precision=None):
  """2-D cross-correlation (only zero fill outside the inputs, as JAX), with SciPy's placement of
  the "same" window and its order of arguments when `in2` is the bigger input."""
  _check_2d("correlate2d", in1, in2, boundary, fillvalue)
  in1, in2 = jnp.asarray(in1), jnp.asarray(in2)
  in2_bigger = all(a <= b for a, b in zip(in1.shape, in2.shape))
  same_shape = in1.shape == in2.shape
  if mode == "same" or not in2_bigger or (mode == "valid" and same_shape):
    # Reversing the output of the convolution with the reversed `in1` moves the "same" window
    # of an even-sized `in2` one sample right of `correlate`'s.
    return jnp.flip(_convolve_direct(jnp.flip(in1), jnp.conj(in2), mode, precision))
  out = _convolve_direct(jnp.flip(in2), jnp.conj(in1), mode, precision)
  # Full mode gives the correlation of (in1, in2); valid mode keeps SciPy's swapped result.
  return jnp.conj(out) if mode == "full" else out


def detrend(data, axis: int = -1, type: str = "linear", bp=0, overwrite_data: None = None):
  """`data` less its mean ("constant") or its least-squares line ("linear", fitted piecewise
  between the breakpoints `bp`) along `axis`."""
  if overwrite_data is not None:
    raise NotImplementedError("overwrite_data argument not implemented.")
  if type not in ("constant", "linear"):
    raise ValueError("Trend type must be 'linear' or 'constant'.")
  data, = promote_dtypes_inexact(jnp.asarray(data))
  if type == "constant":
    return data - jnp.mean(data, axis, keepdims=True)
  size = data.shape[axis]
  edges = np.unique(np.concatenate([[0], np.ravel(bp), [size]]))
  if edges[0] < 0 or edges[-1] > size:
    raise ValueError("Breakpoints must be non-negative and less than length of data along given "
                     "axis.")
  data = jnp.moveaxis(data, axis, -1)
  pieces = []
  for lo, hi in zip(edges[:-1], edges[1:]):
    piece = data[..., int(lo):int(hi)]
    count = int(hi - lo)
    if count == 1:
      # A line through one point fits it exactly.
      pieces.append(jnp.zeros_like(piece))
      continue
    # Closed-form least squares on the abscissae 1/n, 2/n, ..., 1 (SciPy's), centred.
    t = np.arange(1, count + 1) / count
    t_centred = jnp.asarray(t - t.mean(), data.real.dtype)
    centred = piece - jnp.mean(piece, -1, keepdims=True)
    slope = jnp.sum(centred * t_centred, -1, keepdims=True) / jnp.sum(t_centred * t_centred)
    pieces.append(centred - slope * t_centred)
  return jnp.moveaxis(jnp.concatenate(pieces, -1), -1, axis)


def _hann(size: int) -> np.ndarray:
  """The periodic Hann window (SciPy's `get_window("hann", size)`), in float64."""
  if size == 1:
    return np.ones(1)
  return np.sin(np.pi * np.arange(size) / size) ** 2


def _named_window(window, size: int) -> np.ndarray:
  if isinstance(window, str) and window == "hann":
    return _hann(size)
  try:
    from scipy.signal import get_window
  except ImportError as err:
    raise ImportError(f"scipy must be available to use window={window!r}") from err
  return get_window(window, size)


def _window_and_length(window, nperseg: int | None, input_length: int, dtype):
  """The window as an array of `dtype`, and the segment length."""
  if isinstance(window, (str, tuple)):
    length = input_length if nperseg is None else nperseg
    if length > input_length:
      warnings.warn(f"nperseg={length} is greater than input_length={input_length!r}, using "
                    f"nperseg={input_length}")
      length = input_length
    return jnp.asarray(_named_window(window, length), dtype), length
  win = jnp.asarray(window, dtype)
  length = win.size if nperseg is None else nperseg
  if win.ndim != 1:
    raise ValueError("window must be 1-D")
  if input_length < win.size:
    raise ValueError("window is longer than input signal")
  if length != win.size:
    raise ValueError("value specified for nperseg is different from length of window")
  return win, length


def _odd_extension(x, n: int):
  """`x` extended by `n` samples at each end of its last axis by point reflection."""
  if n < 1:
    return x
  if n > x.shape[-1] - 1:
    raise ValueError(f"The extension length n ({n}) is too big. It must not exceed "
                     f"x.shape[axis]-1, which is {x.shape[-1] - 1}.")
  left = 2 * x[..., :1] - jnp.flip(x[..., 1:n + 1], -1)
  right = 2 * x[..., -1:] - jnp.flip(x[..., -n - 1:-1], -1)
  return jnp.concatenate([left, x, right], -1)


def _extend(x, boundary, n: int):
  """`x` extended by `n` samples at each end of its last axis, as `stft`'s `boundary` says."""
  if boundary is None:
    return x
  if boundary == "odd":
    return _odd_extension(x, n)
  pad_width = [(0, 0)] * (x.ndim - 1) + [(n, n)]
  pad_mode = {"even": "reflect", "constant": "edge", "zeros": "constant"}[boundary]
  return jnp.pad(x, pad_width, pad_mode)


def _pad_end(x, count: int):
  return jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, count)])


def _segment_spectra(x, win, detrend_func, nperseg: int, noverlap: int, nfft: int, sides: str):
  """FFTs of the detrended, windowed segments of `x`'s last axis: (..., segments, frequencies)."""
  step = nperseg - noverlap
  starts = np.arange(0, x.shape[-1] - nperseg + 1, step)
  segments = x[..., starts[:, None] + np.arange(nperseg)[None, :]]
  segments = detrend_func(segments)
  if jnp.iscomplexobj(win):
    segments, = promote_dtypes_complex(segments)
  segments = win * segments
  if sides == "twosided":
    return jnp.fft.fft(segments, n=nfft)
  return jnp.fft.rfft(jnp.real(segments), n=nfft)


def _concrete_int(value, what: str) -> int:
  return core.concrete_or_error(int, value, what)


def _spectral_helper(x, y, fs, window, nperseg, noverlap, nfft, detrend_type, return_onesided,
                     scaling, axis, mode, boundary=None, padded=False):
  """Frequencies, segment times and per-segment spectra (mode "stft") or cross spectral densities
  (mode "psd", with `y`), with the frequencies on `axis` and the segments last."""
  if boundary not in ("even", "odd", "constant", "zeros", None):
    raise ValueError(f"Unknown boundary option '{boundary}', must be one of: "
                     "['even', 'odd', 'constant', 'zeros', None]")
  axis = canonicalize_axis(core.concrete_or_error(operator.index, axis, "axis of windowed-FFT"),
                           jnp.ndim(x))
  if y is None:
    check_arraylike("spectral_helper", x)
    x, = promote_dtypes_inexact(x)
    outer_shape = x.shape[:axis] + x.shape[axis + 1:]
  else:
    check_arraylike("spectral_helper", x, y)
    x, y = promote_dtypes_inexact(x, y)
    if x.ndim != y.ndim:
      raise ValueError(f"two-arguments must have the same rank ({x.ndim} vs {y.ndim}).")
    try:
      outer_shape = jnp.broadcast_shapes(x.shape[:axis] + x.shape[axis + 1:],
                                         y.shape[:axis] + y.shape[axis + 1:])
    except ValueError as err:
      raise ValueError("x and y cannot be broadcast together.") from err
  result_dtype = to_complex_dtype(x.dtype)
  freq_dtype = np.finfo(result_dtype).dtype
  if nperseg is not None:
    nperseg = _concrete_int(nperseg, "nperseg of windowed-FFT")
    if nperseg < 1:
      raise ValueError("nperseg must be a positive integer")
  win, nperseg = _window_and_length(window, nperseg, x.shape[axis], x.dtype)
  noverlap = (nperseg // 2 if noverlap is None
              else _concrete_int(noverlap, "noverlap of windowed-FFT"))
  nfft = nperseg if nfft is None else _concrete_int(nfft, "nfft of windowed-FFT")

  if x.size == 0 or (y is not None and y.size == 0):
    shape = x.shape if y is None else (
        outer_shape[:axis] + (min(x.shape[axis], y.shape[axis]),) + outer_shape[axis:])
    return (jnp.zeros(shape, freq_dtype), jnp.zeros(shape, freq_dtype),
            jnp.zeros(shape, result_dtype))

  x = jnp.moveaxis(x, axis, -1)
  if y is not None:
    y = jnp.moveaxis(y, axis, -1)
    # Signals of different lengths: the shorter is zero-padded.
    length = max(x.shape[-1], y.shape[-1])
    x, y = _pad_end(x, length - x.shape[-1]), _pad_end(y, length - y.shape[-1])
  if nfft < nperseg:
    raise ValueError("nfft must be greater than or equal to nperseg.")
  if noverlap >= nperseg:
    raise ValueError("noverlap must be less than nperseg.")
  step = nperseg - noverlap
  x = _extend(x, boundary, nperseg // 2)
  if y is not None:
    y = _extend(y, boundary, nperseg // 2)
  if padded:
    # Zeros at the end so that the segments cover the whole signal.
    extra = -(x.shape[-1] - nperseg) % step % nperseg
    x = _pad_end(x, extra)
    if y is not None:
      y = _pad_end(y, extra)

  if isinstance(detrend_type, str):
    def detrend_func(d):
      return detrend(d, axis=-1, type=detrend_type)
  elif callable(detrend_type):
    # As JAX: the user's function sees the segments with the (canonical) data axis moved last.
    def detrend_func(d):
      return jnp.moveaxis(detrend_type(jnp.moveaxis(d, axis, -1)), -1, axis)
  elif not detrend_type:
    def detrend_func(d):
      return d
  else:
    raise ValueError(f"Unsupported detrend type: {detrend_type}")

  if scaling == "density":
    scale = 1.0 / (fs * jnp.sum(win * win))
  elif scaling == "spectrum":
    scale = 1.0 / jnp.sum(win) ** 2
  else:
    raise ValueError(f"Unknown scaling: {scaling}")
  if mode == "stft":
    scale = jnp.sqrt(scale)
  scale, = promote_dtypes_complex(scale)

  sides = "onesided" if return_onesided else "twosided"
  if return_onesided and (jnp.iscomplexobj(x) or (y is not None and jnp.iscomplexobj(y))):
    sides = "twosided"
    warnings.warn("Input data is complex, switching to return_onesided=False")
  if sides == "twosided":
    freqs = jnp.fft.fftfreq(nfft, 1 / fs, dtype=freq_dtype)
  else:
    freqs = jnp.fft.rfftfreq(nfft, 1 / fs, dtype=freq_dtype)

  result = _segment_spectra(x, win, detrend_func, nperseg, noverlap, nfft, sides)
  if y is not None:
    result = jnp.conj(result) * _segment_spectra(y, win, detrend_func, nperseg, noverlap, nfft,
                                                 sides)
  elif mode == "psd":
    result = jnp.conj(result) * result
  result = result * scale
  if sides == "onesided" and mode == "psd":
    # A one-sided density holds the power of the negative frequencies too: every bin but DC
    # (and Nyquist, for an even nfft) counts twice.
    doubling = np.full(result.shape[-1], 2.0)
    doubling[0] = 1.0
    if nfft % 2 == 0:
      doubling[-1] = 1.0
    result = result * jnp.asarray(doubling, result.real.dtype)

  times = np.arange(nperseg / 2, x.shape[-1] - nperseg / 2 + 1, step)
  if boundary is not None:
    times = times - nperseg / 2
  time = jnp.asarray(times, freq_dtype) / fs
  result = result.astype(result_dtype)
  if y is None and mode != "stft":
    result = jnp.real(result)
  return freqs, time, jnp.moveaxis(result, -1, axis)


def stft(x, fs=1.0, window: str = "hann", nperseg: int = 256, noverlap: int | None = None,
         nfft: int | None = None, detrend: bool = False, return_onesided: bool = True,
         boundary: str | None = "zeros", padded: bool = True, axis: int = -1):
  """Short-time Fourier transform: (frequencies, segment times, spectra of the segments)."""
  return _spectral_helper(x, None, fs, window, nperseg, noverlap, nfft, detrend, return_onesided,
                          "spectrum", axis, "stft", boundary, padded)


def _median_bias(count: int) -> float:
  """The ratio of the median to the mean of `count` chi-squared(2) estimates (SciPy's)."""
  even = np.arange(2.0, count, 2)
  return 1 + np.sum(1.0 / (even + 1) - 1.0 / even)


def csd(x, y, fs=1.0, window: str = "hann", nperseg: int | None = None,
        noverlap: int | None = None, nfft: int | None = None, detrend: str = "constant",
        return_onesided: bool = True, scaling: str = "density", axis: int = -1,
        average: str = "mean"):
  """Cross spectral density of `x` and `y` by Welch's method: (frequencies, density)."""
  freqs, _, spectra = _spectral_helper(x, y, fs, window, nperseg, noverlap, nfft, detrend,
                                       return_onesided, scaling, axis, "psd")
  if spectra.ndim >= 2 and spectra.size > 0:
    if spectra.shape[-1] > 1:
      if average == "median":
        bias = jnp.asarray(_median_bias(spectra.shape[-1]), spectra.dtype)
        if jnp.iscomplexobj(spectra):
          spectra = lax.complex(jnp.median(jnp.real(spectra), -1),
                                jnp.median(jnp.imag(spectra), -1))
        else:
          spectra = jnp.median(spectra, -1)
        spectra = spectra / bias
      elif average == "mean":
        spectra = jnp.mean(spectra, -1)
      else:
        raise ValueError(f'average must be "median" or "mean", got {average}')
    else:
      spectra = jnp.reshape(spectra, spectra.shape[:-1])
  return freqs, spectra


def welch(x, fs=1.0, window: str = "hann", nperseg: int | None = None,
          noverlap: int | None = None, nfft: int | None = None, detrend: str = "constant",
          return_onesided: bool = True, scaling: str = "density", axis: int = -1,
          average: str = "mean"):
  """Power spectral density of `x` by Welch's method: (frequencies, density)."""
  freqs, power = csd(x, None, fs, window, nperseg, noverlap, nfft, detrend, return_onesided,
                     scaling, axis, average)
  return freqs, jnp.real(power)


def _overlap_add(frames, step: int):
  """The frames (..., frame count, frame length) summed at offsets `step` apart."""
  count, length = frames.shape[-2:]
  positions = (np.arange(count) * step)[:, None] + np.arange(length)[None, :]
  out = jnp.zeros(frames.shape[:-2] + (step * (count - 1) + length,), frames.dtype)
  return out.at[..., positions].add(frames)


def istft(Zxx, fs=1.0, window: str = "hann", nperseg: int | None = None,
          noverlap: int | None = None, nfft: int | None = None, input_onesided: bool = True,
          boundary: bool = True, time_axis: int = -1, freq_axis: int = -2):
  """Inverse short-time Fourier transform by weighted overlap-add: (times, signal)."""
  check_arraylike("istft", Zxx)
  Zxx = jnp.asarray(Zxx)
  if Zxx.ndim < 2:
    raise ValueError("Input stft must be at least 2d!")
  freq_axis = canonicalize_axis(freq_axis, Zxx.ndim)
  time_axis = canonicalize_axis(time_axis, Zxx.ndim)
  if freq_axis == time_axis:
    raise ValueError("Must specify differing time and frequency axes!")
  Zxx = jnp.asarray(Zxx, to_complex_dtype(Zxx.dtype))
  default = 2 * (Zxx.shape[freq_axis] - 1) if input_onesided else Zxx.shape[freq_axis]
  # As JAX, a zero `nperseg` or `noverlap` means its default.
  nperseg_int = _concrete_int(nperseg or default, "nperseg: segment length of STFT")
  if nperseg_int < 1:
    raise ValueError("nperseg must be a positive integer")
  if nfft is None:
    nfft_int = default + 1 if input_onesided and nperseg_int == default + 1 else default
  else:
    nfft_int = _concrete_int(nfft, "nfft of STFT")
  if nfft_int < nperseg_int:
    raise ValueError(f"FFT length ({nfft_int}) must be longer than nperseg ({nperseg_int}).")
  noverlap_int = _concrete_int(noverlap or nperseg_int // 2, "noverlap of STFT")
  if noverlap_int >= nperseg_int:
    raise ValueError("noverlap must be less than nperseg.")
  step = nperseg_int - noverlap_int

  outer = [d for d in range(Zxx.ndim) if d not in (freq_axis, time_axis)]
  Zxx = jnp.transpose(Zxx, outer + [freq_axis, time_axis])
  inverse = jnp.fft.irfft if input_onesided else jnp.fft.ifft
  # `n=nfft`, not `nfft_int`, as JAX: an odd `nperseg` with no `nfft` then fails on the window
  # product, as it does in JAX.
  segments = inverse(Zxx, axis=-2, n=nfft)[..., :nperseg_int, :]
  if isinstance(window, (str, tuple)):
    win = jnp.asarray(_named_window(window, nperseg_int), segments.dtype)
  else:
    win = jnp.asarray(window)
    if win.ndim != 1:
      raise ValueError("window must be 1-D")
    if win.shape[0] != nperseg_int:
      raise ValueError(f"window must have length of {nperseg_int}")
  segments = segments * jnp.sum(win)
  # Frames last-but-one for the overlap-add: (..., segments, samples).
  frames = jnp.swapaxes(segments * win[:, None], -2, -1)
  x = _overlap_add(frames, step)
  win_squared = jnp.broadcast_to(win * win, frames.shape[-2:])
  norm = _overlap_add(win_squared, step)
  if boundary:
    half = nperseg_int // 2
    x, norm = x[..., half:-half], norm[..., half:-half]
  x = x / jnp.where(norm > 1e-10, norm, 1.0)
  if x.ndim > 1 and time_axis != Zxx.ndim - 1:
    x = jnp.moveaxis(x, -1, time_axis - 1 if freq_axis < time_axis else time_axis)
  # As JAX, the times count the samples of the first axis of the result.
  time = jnp.arange(x.shape[0], dtype=np.finfo(x.dtype).dtype) / fs
  return time, x
