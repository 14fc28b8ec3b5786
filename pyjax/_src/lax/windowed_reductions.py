"""Windowed reductions (`reduce_window` and its monoid primitives) and the window geometry that
convolutions share: dilating, padding and viewing an array as overlapping windows."""
from __future__ import annotations

import numpy as np

from pyjax._src.backend import xp


def dilate_shape(shape, dilation) -> tuple:
  """The size of each dimension after inserting `d - 1` holes between neighbours."""
  return tuple(0 if n == 0 else (n - 1) * d + 1 for n, d in zip(shape, dilation))


def dilate_and_pad(x, dilation, padding, fill):
  """`x` with `dilation - 1` copies of `fill` between neighbours along each axis, then padded by
  `padding` (low, high) pairs of `fill`; a negative pad removes elements from that edge."""
  x = xp.asarray(x)
  if any(d != 1 for d in dilation):
    dilated = xp.full(dilate_shape(x.shape, dilation), fill, x.dtype)
    dilated[tuple(slice(None, None, d) for d in dilation)] = x
    x = dilated
  if any(lo > 0 or hi > 0 for lo, hi in padding):
    x = xp.pad(x, [(max(lo, 0), max(hi, 0)) for lo, hi in padding], constant_values=fill)
  if any(lo < 0 or hi < 0 for lo, hi in padding):
    x = x[tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(padding, x.shape))]
  return x


def window_view(x, window_dimensions, window_strides, window_dilation):
  """A view of `x` of shape `output_shape + window_dimensions`: element `[i..., k...]` is
  `x[i * stride + k * dilation]` along each axis (no copy unless a window does not fit)."""
  spans = dilate_shape(window_dimensions, window_dilation)
  out_shape = tuple((n - s) // st + 1 if n >= s else 0
                    for n, s, st in zip(x.shape, spans, window_strides))
  if 0 in out_shape or 0 in window_dimensions:
    return xp.empty(out_shape + tuple(window_dimensions), x.dtype)
  view = np.lib.stride_tricks.sliding_window_view(x, spans)
  return view[tuple(slice(None, None, s) for s in window_strides)
              + tuple(slice(None, None, d) for d in window_dilation)]
