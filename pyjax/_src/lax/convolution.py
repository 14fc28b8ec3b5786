"""General dilated convolution (`conv_general_dilated_p`) and its convenience wrappers.

The primitive works on any number of spatial dimensions. Its operands' layouts are given by
`ConvDimensionNumbers`: each spec lists the operand axes in canonical order (batch, feature,
spatial...) for lhs and output, (output feature, input feature, spatial...) for rhs. The eager
implementation dilates and pads the input, views it as windows and contracts the windows with the
kernel in one batched matmul per feature (or batch) group. Derivatives are convolutions too: the
transposes below are the convolutions whose adjoint is the forward one.
"""
from __future__ import annotations

import math
import operator
from typing import NamedTuple, Sequence, Union

import numpy as np

from pyjax._src import dtypes
from pyjax._src.backend import xp
from pyjax._src.core import get_aval
from pyjax._src.interpreters import ad, batching
from pyjax._src.lax import lax as _lax
from pyjax._src.lax.control_flow.common import as_array
from pyjax._src.lax.precision import canonicalize_precision
from pyjax._src.lax.utils import check_same_dtypes, standard_primitive
from pyjax._src.lax.windowed_reductions import dilate_and_pad, dilate_shape, window_view


class ConvDimensionNumbers(NamedTuple):
  """The operand axes of a convolution in canonical order: `lhs_spec` and `out_spec` are
  (batch, feature, spatial...), `rhs_spec` is (out feature, in feature, spatial...)."""
  lhs_spec: tuple
  rhs_spec: tuple
  out_spec: tuple


# What `dimension_numbers` arguments accept: spec strings, the canonical form, or None (defaults).
ConvGeneralDilatedDimensionNumbers = Union[tuple[str, str, str], ConvDimensionNumbers, None]


# ------------------------------------------------------------------------------------------------
# Dimension numbers and shapes


def conv_general_permutations(dimension_numbers):
  """The canonical-order axis permutations of lhs, rhs and output for string specs such as
  ('NHWC', 'HWIO', 'NHWC'); spatial axes are ordered as they appear in the rhs spec."""
  lhs_spec, rhs_spec, out_spec = dimension_numbers
  pairs = (("N", "C"), ("O", "I"), ("N", "C"))
  for i, (a, b) in enumerate(pairs):
    if not dimension_numbers[i].count(a) == dimension_numbers[i].count(b) == 1:
      raise TypeError(f"convolution dimension_numbers[{i}] must contain the characters '{a}' and "
                      f"'{b}' exactly once, got {dimension_numbers[i]}.")
    if len(dimension_numbers[i]) != len(set(dimension_numbers[i])):
      raise TypeError(f"convolution dimension_numbers[{i}] cannot have duplicate characters, got "
                      f"{dimension_numbers[i]}.")
  spatial = [set(spec) - set(pair) for spec, pair in zip(dimension_numbers, pairs)]
  if not spatial[0] == spatial[1] == spatial[2]:
    raise TypeError("convolution dimension_numbers elements must each have the same set of "
                    f"spatial characters, got {dimension_numbers}.")

  def permutation(spec, pair):
    spatial_axes = [i for i, c in enumerate(spec) if c not in pair]
    spatial_axes.sort(key=lambda i: rhs_spec.index(spec[i]))
    return (spec.index(pair[0]), spec.index(pair[1]), *spatial_axes)

  return tuple(permutation(spec, pair) for spec, pair in zip(dimension_numbers, pairs))


def conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers) -> ConvDimensionNumbers:
  """`dimension_numbers` (None, a 3-tuple of spec strings or `ConvDimensionNumbers`) in the
  canonical `ConvDimensionNumbers` form."""
  if isinstance(dimension_numbers, ConvDimensionNumbers):
    return dimension_numbers
  if len(lhs_shape) != len(rhs_shape):
    raise TypeError(f"convolution requires lhs and rhs ndim to be equal, got {len(lhs_shape)} "
                    f"and {len(rhs_shape)}.")
  if dimension_numbers is None:
    identity = tuple(range(len(lhs_shape)))
    return ConvDimensionNumbers(identity, identity, identity)
  if not isinstance(dimension_numbers, (list, tuple)):
    raise TypeError("convolution dimension_numbers must be tuple/list or None, got "
                    f"{type(dimension_numbers)}.")
  if len(dimension_numbers) != 3:
    raise TypeError("convolution dimension_numbers list/tuple must be length 3, got "
                    f"{len(dimension_numbers)}.")
  if not all(isinstance(spec, str) for spec in dimension_numbers):
    raise TypeError("convolution dimension_numbers elements must be strings, got "
                    f"{tuple(map(type, dimension_numbers))}.")
  for i, spec in enumerate(dimension_numbers):
    if len(spec) != len(lhs_shape):
      raise TypeError(f"convolution dimension_numbers[{i}] must have len equal to the ndim of lhs "
                      f"and rhs, got {len(spec)} for lhs and rhs shapes {lhs_shape} and "
                      f"{rhs_shape}.")
  return ConvDimensionNumbers(*conv_general_permutations(dimension_numbers))


def padtype_to_pads(in_shape, window_shape, window_strides, padding) -> list:
  """(low, high) padding pairs for 'VALID', 'SAME' (extra padding high) or 'SAME_LOWER' (extra
  padding low), given the spatial input and (dilated) window shapes."""
  if not isinstance(padding, str):
    raise TypeError(f"Unknown padding type: {padding}.")
  mode = padding.upper()
  if mode not in ("VALID", "SAME", "SAME_LOWER"):
    raise RuntimeError("Unrecognized padding type: expected 'VALID', 'SAME', or 'SAME_LOWER', "
                       f"got {padding}.")
  if mode == "VALID":
    return [(0, 0)] * len(in_shape)
  pads = []
  for n, w, s in zip(in_shape, window_shape, window_strides):
    n, w, s = int(n), int(w), int(s)
    total = max((-(-n // s) - 1) * s + w - n, 0)
    small, large = total // 2, total - total // 2
    pads.append((small, large) if mode == "SAME" else (large, small))
  return pads


def conv_shape_tuple(lhs_shape, rhs_shape, strides, pads, batch_group_count=1) -> tuple:
  """The output shape of a convolution of operands in canonical order (NC..., OI...)."""
  if isinstance(pads, str):
    pads = padtype_to_pads(lhs_shape[2:], rhs_shape[2:], strides, pads)
  if len(pads) != len(lhs_shape) - 2:
    raise TypeError(f"Wrong number of explicit pads for convolution: expected "
                    f"{len(lhs_shape) - 2}, got {len(pads)}.")
  padded = [n + lo + hi for n, (lo, hi) in zip(lhs_shape[2:], pads)]
  if any(n < 0 for n in padded):
    raise ValueError("Negative padding is larger than the size of the corresponding dimension: "
                     f"got padding={pads} for lhs_shape[2:]={tuple(lhs_shape[2:])}")
  spatial = tuple(0 if n < k else (n - k) // s + 1
                  for n, k, s in zip(padded, rhs_shape[2:], strides))
  return (int(lhs_shape[0]) // batch_group_count, int(rhs_shape[0])) + spatial


def conv_general_shape_tuple(lhs_shape, rhs_shape, window_strides, padding, dimension_numbers):
  """The output shape of `conv_general_dilated` (no dilation) for string dimension numbers."""
  lhs_perm, rhs_perm, out_perm = conv_general_permutations(dimension_numbers)
  out = conv_shape_tuple(tuple(np.take(lhs_shape, lhs_perm)), tuple(np.take(rhs_shape, rhs_perm)),
                         window_strides, padding)
  return tuple(int(d) for d in np.take(out, np.argsort(out_perm)))


def _conv_transpose_padding(k, s, padding):
  """(low, high) padding of the fractionally strided convolution that `conv_transpose` runs, for
  kernel size `k`, stride `s` and the forward convolution's padding."""
  if padding == "SAME":
    total = k + s - 2
    low = k - 1 if s > k - 1 else -(-total // 2)
  elif padding == "VALID":
    total = k + s - 2 + max(k - s, 0)
    low = k - 1
  elif isinstance(padding, tuple):
    pads = tuple(k - p - 1 for p in padding)
    low, total = pads[0], sum(pads)
  else:
    raise ValueError(f"Invalid padding mode: {padding}")
  return low, total - low


def conv_transpose_shape_tuple(lhs_shape, rhs_shape, window_strides, padding, dimension_numbers):
  """The output shape of `conv_transpose` for string dimension numbers."""
  lhs_perm, rhs_perm, out_perm = conv_general_permutations(dimension_numbers)
  lhs_t = np.take(lhs_shape, lhs_perm)
  rhs_t = np.take(rhs_shape, rhs_perm)
  if isinstance(padding, str):
    padding = [_conv_transpose_padding(int(k), s, padding)
               for k, s in zip(rhs_t[2:], window_strides)]
  spatial = [(i - 1) * s - k + 2 + sum(p)
             for i, k, s, p in zip(lhs_t[2:], rhs_t[2:], window_strides, padding)]
  out = (lhs_t[0], rhs_t[0], *spatial)
  return tuple(int(d) for d in np.take(out, np.argsort(out_perm)))


# ------------------------------------------------------------------------------------------------
# The primitive


def _conv_shape(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                dimension_numbers, feature_group_count, batch_group_count, **params):
  lhs_spec, rhs_spec, out_spec = dimension_numbers
  if lhs.ndim != rhs.ndim:
    raise ValueError("conv_general_dilated lhs and rhs must have the same number of dimensions, "
                     f"but got {lhs.shape} and {rhs.shape}.")
  if not feature_group_count > 0:
    raise ValueError("conv_general_dilated feature_group_count must be a positive integer, got "
                     f"{feature_group_count}.")
  lhs_features = lhs.shape[lhs_spec[1]]
  rhs_in, rhs_out = rhs.shape[rhs_spec[1]], rhs.shape[rhs_spec[0]]
  if lhs_features % feature_group_count:
    raise ValueError("conv_general_dilated feature_group_count must divide lhs feature dimension "
                     f"size, but {feature_group_count} does not divide {lhs_features}.")
  if lhs_features // feature_group_count != rhs_in:
    raise ValueError("conv_general_dilated lhs feature dimension size divided by "
                     "feature_group_count must equal the rhs input feature dimension size, but "
                     f"{lhs_features} // {feature_group_count} != {rhs_in}.")
  if rhs_out % feature_group_count:
    raise ValueError("conv_general_dilated rhs output feature dimension size must be a multiple "
                     f"of feature_group_count, but {rhs_out} is not a multiple of "
                     f"{feature_group_count}.")
  if not batch_group_count > 0:
    raise ValueError("conv_general_dilated batch_group_count must be a positive integer, got "
                     f"{batch_group_count}.")
  lhs_batch = lhs.shape[lhs_spec[0]]
  if batch_group_count > 1 and lhs_batch % batch_group_count:
    raise ValueError("conv_general_dilated batch_group_count must divide lhs batch dimension "
                     f"size, but {batch_group_count} does not divide {lhs_batch}.")
  if rhs_out % batch_group_count:
    raise ValueError("conv_general_dilated rhs output feature dimension size must be a multiple "
                     f"of batch_group_count, but {rhs_out} is not a multiple of "
                     f"{batch_group_count}.")
  if batch_group_count > 1 and feature_group_count > 1:
    raise ValueError("At most one of batch_group_count and feature_group_count may be > 1, got "
                     f"batch_group_count={batch_group_count} and "
                     f"feature_group_count={feature_group_count}")
  if len(rhs_spec) - 2 != len(window_strides):
    raise ValueError("conv_general_dilated window and window_strides must have the same number "
                     f"of dimensions, but got {len(rhs_spec) - 2} and {len(window_strides)}")
  lhs_t = dilate_shape(np.take(lhs.shape, lhs_spec), (1, 1, *lhs_dilation))
  rhs_t = dilate_shape(np.take(rhs.shape, rhs_spec), (1, 1, *rhs_dilation))
  out_t = conv_shape_tuple(lhs_t, rhs_t, window_strides, padding, batch_group_count)
  return tuple(int(d) for d in np.take(out_t, np.argsort(out_spec)))


def _validate_preferred_element_type(input_dtype, preferred):
  if not (dtypes.issubdtype(input_dtype, np.integer)
          and dtypes.issubdtype(preferred, np.floating)):
    for kind in (np.integer, np.floating, np.complexfloating):
      if dtypes.issubdtype(input_dtype, kind) and not dtypes.issubdtype(preferred, kind):
        raise TypeError("Input type is incompatible with `preferred_element_type`. The "
                        "compatible combinations of (input_type, preferred_element_type) are "
                        "(integral, integral), (integral, floating), (floating, floating), "
                        "(complex, complex.")
    if (dtypes.issubdtype(input_dtype, np.signedinteger)
        and not dtypes.issubdtype(preferred, np.signedinteger)):
      raise TypeError("`preferred_element_type` must have the same signedness as the original "
                      "type.")
  if np.dtype(preferred).itemsize < np.dtype(input_dtype).itemsize:
    raise TypeError("`preferred_element_type` must not be narrower than the original type.")


def _conv_dtype(lhs, rhs, *, preferred_element_type=None, **params):
  check_same_dtypes("conv_general_dilated", [lhs, rhs], None)
  if preferred_element_type is None:
    return lhs.dtype
  _validate_preferred_element_type(lhs.dtype, preferred_element_type)
  return np.dtype(preferred_element_type)


def _compute_dtype(dtype):
  """The dtype NumPy's matmul contracts in: it has no fast 16-bit or boolean matmul."""
  if dtype == np.bool_:
    return np.dtype(np.int32)
  if dtypes.issubdtype(dtype, np.floating) and dtype.itemsize < 4:
    return np.dtype(np.float32)
  return dtype


def _conv_impl(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
               dimension_numbers, feature_group_count, batch_group_count, precision=None,
               preferred_element_type=None, out_sharding=None):
  lhs_spec, rhs_spec, out_spec = dimension_numbers
  out_dtype = np.dtype(preferred_element_type or lhs.dtype)
  compute = _compute_dtype(out_dtype)
  x = xp.transpose(xp.asarray(lhs), lhs_spec).astype(compute, copy=False)
  w = xp.transpose(xp.asarray(rhs), rhs_spec).astype(compute, copy=False)
  spatial = x.ndim - 2
  x = dilate_and_pad(x, (1, 1, *lhs_dilation), ((0, 0), (0, 0), *padding), 0)
  kernel = w.shape[2:]
  patches = window_view(x, (1, 1, *kernel), (1, 1, *window_strides), (1, 1, *rhs_dilation))
  n, c = x.shape[:2]
  out_spatial = patches.shape[2:2 + spatial]
  groups = feature_group_count * batch_group_count  # at most one of them is > 1
  # patches: (batch groups, batch, feature groups, features per group, out..., kernel...)
  patches = patches.reshape(batch_group_count, n // batch_group_count, feature_group_count,
                            c // feature_group_count, *out_spatial, *kernel)
  order = (0, 2, 1, *range(4, 4 + spatial), 3, *range(4 + spatial, 4 + 2 * spatial))
  columns = patches.transpose(order).reshape(
      groups, n // batch_group_count * math.prod(out_spatial), -1)
  o = w.shape[0]
  weights = w.reshape(groups, o // groups, -1).transpose(0, 2, 1)
  out = xp.matmul(columns, weights)  # (groups, batch * out positions, out features per group)
  out = out.reshape(groups, n // batch_group_count, *out_spatial, o // groups)
  out = out.transpose(1, 0, 1 + spatial + 1, *range(2, 2 + spatial))
  out = out.reshape(n // batch_group_count, o, *out_spatial)
  if out_dtype == np.bool_:
    out = out != 0
  return xp.transpose(out, np.argsort(out_spec)).astype(out_dtype, copy=False)


conv_general_dilated_p = standard_primitive("conv_general_dilated", _conv_shape, _conv_dtype,
                                            _conv_impl)


def _bind_conv(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation, dimension_numbers,
               feature_group_count, batch_group_count, precision, preferred_element_type):
  return conv_general_dilated_p.bind(
      lhs, rhs, window_strides=tuple(window_strides), padding=tuple(map(tuple, padding)),
      lhs_dilation=tuple(lhs_dilation), rhs_dilation=tuple(rhs_dilation),
      dimension_numbers=dimension_numbers, feature_group_count=feature_group_count,
      batch_group_count=batch_group_count, precision=precision,
      preferred_element_type=preferred_element_type, out_sharding=None)


# ------------------------------------------------------------------------------------------------
# Differentiation. Ignoring space, the convolution is a grouped matmul [batch, in] x [in, out];
# each transpose is the convolution of the cotangent with the other operand that contracts the
# right pair of axes, with strides and dilations exchanged and the padding that lines the
# windows up again.


def _swap_first_two(spec):
  return (spec[1], spec[0], *spec[2:])


def _reshape_axis_out_of(axis, size, x):
  shape = list(get_aval(x).shape)
  shape[axis:axis + 1] = [size, shape[axis] // size]
  return _lax.reshape(x, shape)


def _reshape_axis_into(src, dst, x):
  """`x` with axis `src` merged into axis `dst` (numbered without `src`) as its major part."""
  shape = get_aval(x).shape
  perm = [i for i in range(len(shape)) if i != src]
  perm.insert(dst, src)
  new_shape = [d for i, d in enumerate(shape) if i != src]
  new_shape[dst] *= shape[src]
  return _lax.reshape(x, new_shape, perm)


def _transpose_lhs(ct, lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                   dimension_numbers, feature_group_count, batch_group_count, precision=None,
                   preferred_element_type=None, out_sharding=None):
  lhs_spec, rhs_spec, out_spec = dimension_numbers
  lhs_shape, rhs_shape = lhs.aval.shape, get_aval(rhs).shape
  groups = max(feature_group_count, batch_group_count)
  if groups > 1:  # the groups move from the kernel's output features to its input features
    rhs = _reshape_axis_out_of(rhs_spec[0], groups, rhs)
    rhs = _reshape_axis_into(rhs_spec[0], rhs_spec[1], rhs)
  in_spatial = dilate_shape([lhs_shape[d] for d in lhs_spec[2:]], lhs_dilation)
  kernel = dilate_shape([rhs_shape[d] for d in rhs_spec[2:]], rhs_dilation)
  out_spatial = dilate_shape([get_aval(ct).shape[d] for d in out_spec[2:]], window_strides)
  pads = []
  for n, k, o, (lo, _) in zip(in_spatial, kernel, out_spatial, padding):
    before = k - lo - 1
    pads.append((before, n + k - 1 - o - before))
  rhs = _lax.rev(rhs, tuple(rhs_spec[2:]))
  if get_aval(rhs).dtype != get_aval(ct).dtype:
    rhs = _lax.convert_element_type(rhs, get_aval(ct).dtype)
  numbers = ConvDimensionNumbers(out_spec, _swap_first_two(rhs_spec), lhs_spec)
  out = _bind_conv(ct, rhs, lhs_dilation, pads, window_strides, rhs_dilation, numbers, groups, 1,
                   precision, preferred_element_type)
  if get_aval(out).dtype != lhs.aval.dtype:
    out = _lax.convert_element_type(out, lhs.aval.dtype)
  if batch_group_count > 1:
    out = _reshape_axis_out_of(lhs_spec[1], batch_group_count, out)
    out = _reshape_axis_into(lhs_spec[1], lhs_spec[0], out)
  return out


def _transpose_rhs(ct, lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                   dimension_numbers, feature_group_count, batch_group_count, precision=None,
                   preferred_element_type=None, out_sharding=None):
  if math.prod(get_aval(ct).shape) == 0:
    return ad.Zero(rhs.aval)
  lhs_spec, rhs_spec, out_spec = dimension_numbers
  lhs_shape, rhs_shape = get_aval(lhs).shape, rhs.aval.shape
  in_spatial = dilate_shape([lhs_shape[d] for d in lhs_spec[2:]], lhs_dilation)
  kernel = dilate_shape([rhs_shape[d] for d in rhs_spec[2:]], rhs_dilation)
  out_spatial = dilate_shape([get_aval(ct).shape[d] for d in out_spec[2:]], window_strides)
  pads = [(lo, o - n + k - lo - 1)
          for n, k, o, (lo, _) in zip(in_spatial, kernel, out_spatial, padding)]
  # Feature groups of the forward convolution are batch groups of this one and vice versa.
  numbers = ConvDimensionNumbers(_swap_first_two(lhs_spec), _swap_first_two(out_spec),
                                 _swap_first_two(rhs_spec))
  if get_aval(lhs).dtype != get_aval(ct).dtype:
    lhs = _lax.convert_element_type(lhs, get_aval(ct).dtype)
  out = _bind_conv(lhs, ct, rhs_dilation, pads, lhs_dilation, window_strides, numbers,
                   batch_group_count, feature_group_count, precision, preferred_element_type)
  if get_aval(out).dtype != rhs.aval.dtype:
    out = _lax.convert_element_type(out, rhs.aval.dtype)
  return out


ad.defbilinear(conv_general_dilated_p, _transpose_lhs, _transpose_rhs)


# ------------------------------------------------------------------------------------------------
# Batching: the mapped axis joins the lhs batch (an unbatched kernel), the kernel's output
# features (an unbatched input), or both and the feature groups (each element its own group).


def _conv_batcher(axis_data, vals, dims, *, dimension_numbers, feature_group_count,
                  batch_group_count, **params):
  (lhs, rhs), (ld, rd) = vals, dims
  lhs_spec, rhs_spec, out_spec = dimension_numbers
  size = axis_data.size

  def conv(lhs, rhs, feature_group_count, batch_group_count):
    return conv_general_dilated_p.bind(
        lhs, rhs, dimension_numbers=dimension_numbers, feature_group_count=feature_group_count,
        batch_group_count=batch_group_count, **params)

  if ld is not None and rd is not None:
    if batch_group_count > 1:
      lhs = _reshape_axis_into(ld, lhs_spec[0], lhs)
      batch_group_count *= size
    else:
      lhs = _reshape_axis_into(ld, lhs_spec[1], lhs)
      feature_group_count *= size
    rhs = _reshape_axis_into(rd, rhs_spec[0], rhs)
    out = conv(lhs, rhs, feature_group_count, batch_group_count)
    return _reshape_axis_out_of(out_spec[1], size, out), out_spec[1]
  if ld is not None:
    if batch_group_count == 1:
      out = conv(_reshape_axis_into(ld, lhs_spec[0], lhs), rhs, feature_group_count, 1)
    else:  # the mapped axis goes inside each batch group
      lhs = _reshape_axis_out_of(lhs_spec[0] + (ld <= lhs_spec[0]), batch_group_count, lhs)
      lhs = _reshape_axis_into(ld + (lhs_spec[0] < ld), lhs_spec[0] + 1, lhs)
      lhs = _reshape_axis_into(lhs_spec[0], lhs_spec[0], lhs)
      out = conv(lhs, rhs, feature_group_count, batch_group_count)
    return _reshape_axis_out_of(out_spec[0], size, out), out_spec[0]
  if feature_group_count == 1 and batch_group_count == 1:
    out = conv(lhs, _reshape_axis_into(rd, rhs_spec[0], rhs), 1, 1)
    return _reshape_axis_out_of(out_spec[1], size, out), out_spec[1]
  # The groups must stay outermost in the kernel's output features: the mapped axis goes inside
  # each group, and comes back out of each group of the result.
  groups = max(feature_group_count, batch_group_count)
  rhs = _reshape_axis_out_of(rhs_spec[0] + (rd <= rhs_spec[0]), groups, rhs)
  rhs = _reshape_axis_into(rd + (rhs_spec[0] < rd), rhs_spec[0] + 1, rhs)
  rhs = _reshape_axis_into(rhs_spec[0], rhs_spec[0], rhs)
  out = conv(lhs, rhs, feature_group_count, batch_group_count)
  out = _reshape_axis_out_of(out_spec[1], groups, out)
  out = _reshape_axis_out_of(out_spec[1] + 1, size, out)
  return _reshape_axis_into(out_spec[1], out_spec[1] + 1, out), out_spec[1]


batching.primitive_batchers[conv_general_dilated_p] = _conv_batcher


# ------------------------------------------------------------------------------------------------
# Public functions


def _static_ints(values, name):
  try:
    return tuple(operator.index(v) for v in values)
  except TypeError:
    raise TypeError(f"{name} must be a sequence of integers, got {values}") from None


def conv_general_dilated(lhs, rhs, window_strides: Sequence[int], padding,
                         lhs_dilation: Sequence[int] | None = None,
                         rhs_dilation: Sequence[int] | None = None, dimension_numbers=None,
                         feature_group_count: int = 1, batch_group_count: int = 1,
                         precision=None, preferred_element_type=None, out_sharding=None):
  """N-dimensional convolution of `lhs` with the kernel `rhs`, with window strides, padding
  ('SAME', 'SAME_LOWER', 'VALID' or (low, high) pairs), input (lhs) and kernel (rhs) dilation,
  layouts given by `dimension_numbers`, and feature or batch grouping."""
  lhs_shape, rhs_shape = get_aval(lhs).shape, get_aval(rhs).shape
  numbers = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
  spatial = len(lhs_shape) - 2
  window_strides = _static_ints(window_strides, "window_strides")
  if lhs_dilation is None:
    lhs_dilation = (1,) * spatial
  elif isinstance(padding, str) and any(d != 1 for d in lhs_dilation):
    raise ValueError("String padding is not implemented for transposed convolution using this "
                     "op. Please either exactly specify the required padding or use "
                     "conv_transpose.")
  rhs_dilation = (1,) * (len(rhs_shape) - 2) if rhs_dilation is None else rhs_dilation
  lhs_dilation = _static_ints(lhs_dilation, "lhs_dilation")
  rhs_dilation = _static_ints(rhs_dilation, "rhs_dilation")
  if isinstance(padding, str):
    in_spatial = [lhs_shape[d] for d in numbers.lhs_spec[2:]]
    kernel = dilate_shape([rhs_shape[d] for d in numbers.rhs_spec[2:]], rhs_dilation)
    padding = padtype_to_pads(in_spatial, kernel, window_strides, padding)
  else:
    try:
      padding = tuple((operator.index(lo), operator.index(hi)) for lo, hi in padding)
    except (ValueError, TypeError) as e:
      raise ValueError("padding argument to conv_general_dilated should be a string or a "
                       f"sequence of (low, high) pairs, got {padding}") from e
  if preferred_element_type is not None:
    preferred_element_type = dtypes.canonicalize_dtype(preferred_element_type)
  return _bind_conv(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation, numbers,
                    operator.index(feature_group_count), operator.index(batch_group_count),
                    canonicalize_precision(precision), preferred_element_type)


def conv(lhs, rhs, window_strides: Sequence[int], padding, precision=None,
         preferred_element_type=None):
  """Convolution of an NCHW-style input with an OIHW-style kernel, no dilation."""
  return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                              preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs, rhs, window_strides: Sequence[int], padding, lhs_dilation,
                              rhs_dilation, precision=None, preferred_element_type=None):
  """Convolution of NCHW-style input and OIHW-style kernel with padding and dilations."""
  return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=lhs_dilation,
                              rhs_dilation=rhs_dilation, precision=precision,
                              preferred_element_type=preferred_element_type)


_CONV_TRANSPOSE_DEFAULTS = {2: ("NC", "IO", "NC"), 3: ("NHC", "HIO", "NHC"),
                            4: ("NHWC", "HWIO", "NHWC"), 5: ("NHWDC", "HWDIO", "NHWDC")}


def conv_transpose(lhs, rhs, strides: Sequence[int], padding, rhs_dilation=None,
                   dimension_numbers=None, transpose_kernel: bool = False, precision=None,
                   preferred_element_type=None, use_consistent_padding: bool = False):
  """The fractionally strided ("transposed") convolution: `lhs` dilated by `strides` and
  convolved with `rhs`. String padding, or any padding with `use_consistent_padding`, names the
  forward convolution's padding; `transpose_kernel` flips the kernel's spatial axes and swaps its
  feature axes, which makes this the gradient of the forward convolution."""
  lhs_shape, rhs_shape = get_aval(lhs).shape, get_aval(rhs).shape
  if len(lhs_shape) != len(rhs_shape) or len(lhs_shape) < 2:
    raise ValueError(f"conv_transpose requires lhs and rhs of one rank >= 2, got shapes "
                     f"{lhs_shape} and {rhs_shape}")
  ndim = len(lhs_shape)
  if dimension_numbers is None:
    if ndim not in _CONV_TRANSPOSE_DEFAULTS:
      raise ValueError("No 4+ dimensional dimension_number defaults.")
    dimension_numbers = _CONV_TRANSPOSE_DEFAULTS[ndim]
  numbers = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
  kernel = [rhs_shape[d] for d in numbers.rhs_spec[2:]]
  if rhs_dilation is None:
    rhs_dilation = (1,) * (ndim - 2)
  if use_consistent_padding or (isinstance(padding, str) and padding in ("SAME", "VALID")):
    per_dim = [padding] * len(strides) if isinstance(padding, str) else list(padding)
    pads = tuple(_conv_transpose_padding(k, s, tuple(p) if not isinstance(p, str) else p)
                 for k, s, p in zip(dilate_shape(kernel, rhs_dilation), strides, per_dim))
  else:
    pads = padding
  if transpose_kernel:
    rhs = _lax.rev(rhs, tuple(numbers.rhs_spec[2:]))
    perm = list(range(ndim))
    perm[numbers.rhs_spec[0]], perm[numbers.rhs_spec[1]] = numbers.rhs_spec[1], numbers.rhs_spec[0]
    rhs = _lax.transpose(rhs, tuple(perm))
  return conv_general_dilated(lhs, rhs, (1,) * (ndim - 2), pads, strides, rhs_dilation, numbers,
                              precision=precision, preferred_element_type=preferred_element_type)


def conv_general_dilated_patches(lhs, filter_shape: Sequence[int], window_strides: Sequence[int],
                                 padding, lhs_dilation=None, rhs_dilation=None,
                                 dimension_numbers=None, precision=None,
                                 preferred_element_type=None):
  """The patches `conv_general_dilated` would contract with a kernel of spatial shape
  `filter_shape`: the output feature dimension holds, for each input feature, the
  `prod(filter_shape)` window elements in row-major order."""
  lhs_aval = get_aval(lhs)
  filter_shape = tuple(filter_shape)
  numbers = conv_dimension_numbers(lhs_aval.shape, (1, 1, *filter_shape), dimension_numbers)
  window = math.prod(filter_shape)
  channels = lhs_aval.shape[numbers.lhs_spec[1]]
  # One output feature per (input feature, window position): a one-hot kernel per group.
  eye = np.eye(window, dtype=lhs_aval.dtype)
  kernel = np.broadcast_to(eye, (channels, window, window)).reshape(
      channels * window, 1, *filter_shape)
  kernel = np.transpose(kernel, np.argsort(numbers.rhs_spec))
  return conv_general_dilated(lhs, kernel, window_strides, padding, lhs_dilation, rhs_dilation,
                              numbers, feature_group_count=channels, precision=precision,
                              preferred_element_type=preferred_element_type)


def conv_general_dilated_local(lhs, rhs, window_strides: Sequence[int], padding,
                               filter_shape: Sequence[int], lhs_dilation=None, rhs_dilation=None,
                               dimension_numbers=None, precision=None):
  """Unshared ("locally connected") convolution: each output position has its own kernel.
  `rhs` has the layout of `dimension_numbers[1]`, its spatial axes indexing output positions and
  its input-feature axis holding (input feature, window position in row-major `filter_shape`
  order) pairs, as `conv_general_dilated_patches` lays them out."""
  lhs = _as_array(lhs)
  canonical = canonicalize_precision(precision)
  if canonical is not None and not (isinstance(canonical, tuple) and len(canonical) == 2):
    raise ValueError(f"Unsupported precision for conv_general_dilated_local: {precision}")
  patches = conv_general_dilated_patches(
      lhs, filter_shape, window_strides, padding, lhs_dilation, rhs_dilation, dimension_numbers,
      precision=None if canonical is None else canonical[0])
  numbers = conv_dimension_numbers(get_aval(lhs).shape, (1, 1, *filter_shape), dimension_numbers)
  out_spec, rhs_spec = numbers.out_spec, numbers.rhs_spec
  # Per output position (a batch dimension of the product, in the patches' axis order), contract
  # the patch features with the kernel's input features.
  spatial = sorted(zip(out_spec[2:], rhs_spec[2:]))
  batch = ([a for a, _ in spatial], [b for _, b in spatial])
  out = _lax.dot_general(patches, rhs, (([out_spec[1]], [rhs_spec[1]]), batch),
                         precision=precision)
  # The product's axes are (spatial..., batch N, feature O): put each where `out_spec` says.
  order = [a for a, _ in spatial] + [out_spec[0], out_spec[1]]
  return _lax.transpose(out, tuple(order.index(axis) for axis in range(len(order))))


def _as_array(x):
  """`x` as an Array (tracers as they are): patches need its shape and dtype."""
  try:
    return as_array(x)
  except TypeError:
    raise TypeError(f"asarray: expected ArrayLike, got {x} of type {type(x)}.") from None


__all__ = ["ConvDimensionNumbers", "ConvGeneralDilatedDimensionNumbers", "conv",
           "conv_dimension_numbers", "conv_general_dilated", "conv_general_dilated_local",
           "conv_general_dilated_patches", "conv_general_permutations",
           "conv_general_shape_tuple", "conv_shape_tuple", "conv_transpose",
           "conv_transpose_shape_tuple", "conv_with_general_padding", "padtype_to_pads"]
