"""The samplers of `pyjax.random`, built from the random primitives and lax operations with JAX's
algorithms, so that they draw the same values as JAX from the same key.

Two details of JAX's numerics matter for bit-identical results:

* XLA's CPU backend fuses the `x * scale + offset` of `uniform` into a fused multiply-add for
  float32 and float64 (16-bit floats round after each operation); `_fused_multiply_add` computes
  the once-rounded result with operations every backend has.
* Samplers with data-dependent loops (`gamma`, `poisson`) are primitives whose NumPy
  implementations follow JAX's loops and key splits element for element.
"""
from __future__ import annotations

import math
import operator
from typing import Sequence

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.lax import control_flow, lax, structural
from pyjax._src.lax.sorting import sort_key_val, top_k
from pyjax._src.lax.utils import canonicalize_shape
from pyjax._src.numpy import creation, lax_numpy, linalg, reductions, ufuncs
from pyjax._src.numpy.util import canonicalize_axis, check_arraylike, promote_dtypes_inexact
from pyjax._src.random.keys import _split, check_prng_key, random_bits
from pyjax._src.random.rejection import random_gamma_p, random_poisson_p

_UINT_DTYPES = {8: np.dtype(np.uint8), 16: np.dtype(np.uint16), 32: np.dtype(np.uint32),
                64: np.dtype(np.uint64)}
_F64 = np.dtype(np.float64)


# ------------------------------------------------------------------------------------------------
# Argument checking


def _check_shape(name: str, shape: tuple, *param_shapes) -> None:
  if param_shapes:
    try:
      broadcast = np.broadcast_shapes(shape, *param_shapes)
    except ValueError:
      broadcast = None
    if broadcast != tuple(shape):
      raise ValueError(f"{name} parameter shapes must be broadcast-compatible with shape "
                       "argument, and the result of broadcasting the shapes must equal the shape "
                       f"argument, but got result {broadcast} for shape argument {shape}.")


def _check_broadcast_shapes(name: str, shape, *args) -> tuple:
  arg_shapes = [np.shape(a) for a in args]
  if shape is None:
    return np.broadcast_shapes(*arg_shapes) if arg_shapes else ()
  shape = canonicalize_shape(shape)
  _check_shape(name, shape, *arg_shapes)
  return shape


_PYTHON_SCALAR_TYPES = (int, float, complex)


def _safe_to_cast(value, dtype) -> bool:
  # Python scalars (weakly typed) adopt any dtype.
  if type(value) in _PYTHON_SCALAR_TYPES or any(value is t for t in _PYTHON_SCALAR_TYPES):
    return True
  value_dtype = dtypes.dtype(value)
  if value_dtype == dtype:
    return True
  try:
    return dtypes.result_type(value_dtype, dtype) == dtype
  except TypeError:
    return False


def _check_all_safe_to_cast(name: str, dtype, *args) -> None:
  for arg in args:
    if not _safe_to_cast(arg, dtype):
      raise TypeError(f"In arguments to {name}, cannot safely cast argument of type "
                      f"{dtypes.dtype(arg)} to {dtype}")


def _sampler_dtype(name: str, dtype, default, kind, kind_name: str) -> np.dtype:
  dtype = dtypes.check_user_dtype_supported(default if dtype is None else dtype, name)
  if not dtypes.issubdtype(dtype, kind):
    raise ValueError(f"dtype argument to `{name}` must be {kind_name} dtype, got {dtype}")
  return dtype


def _float_dtype(name: str, dtype) -> np.dtype:
  return _sampler_dtype(name, dtype, float, np.floating, "a float")


# ------------------------------------------------------------------------------------------------
# Helpers


def _two_sum(a, b):
  """s, e with s = fl(a + b) and s + e = a + b exactly (Knuth)."""
  s = lax.add(a, b)
  b_virtual = lax.sub(s, a)
  a_virtual = lax.sub(s, b_virtual)
  return s, lax.add(lax.sub(a, a_virtual), lax.sub(b, b_virtual))


# Dekker's splitting constants, 2**ceil(p / 2) + 1 for p significant bits: x * C - (x * C - x)
# keeps the high half of x's significand.
_DEKKER_SPLIT = {np.dtype(np.float32): 4097.0, _F64: 134217729.0}


def _split_halves(a, split):
  t = lax.mul(a, _const(a, split))
  high = lax.sub(t, lax.sub(t, a))
  return high, lax.sub(a, high)


def _two_product(a, b, split):
  """p, e with p = fl(a * b) and p + e = a * b exactly (Dekker; |a|, |b| well below the
  overflow threshold divided by the splitting constant)."""
  p = lax.mul(a, b)
  a_high, a_low = _split_halves(a, split)
  b_high, b_low = _split_halves(b, split)
  e = lax.add(lax.add(lax.add(lax.sub(lax.mul(a_high, b_high), p), lax.mul(a_high, b_low)),
                      lax.mul(a_low, b_high)), lax.mul(a_low, b_low))
  return p, e


def _is_exact_scale(scale, dtype) -> bool:
  """Whether `scale` is a concrete array of zeros and powers of two (not so small that products
  with floats in [0, 1) could be subnormal): multiplying by it is then exact."""
  if isinstance(scale, core.Tracer):
    return False
  value = np.asarray(scale, np.float64)
  finfo = dtypes.finfo(dtype)
  smallest = 2.0 ** (finfo.minexp + finfo.nmant + 1)
  return bool(np.all((value == 0) | ((np.frexp(value)[0] == 0.5) & (np.abs(value) >= smallest))))


def _fused_multiply_add(a, b, c):
  """`a * b + c` as XLA's CPU backend evaluates it in a fusion: rounded once for float32 and
  float64 (a fused multiply-add, computed here from error-free products and sums), after each
  operation for 16-bit floats. Where the product is exact (b a power of two, as for uniform's
  default bounds) the two agree and the plain operations are used."""
  dtype = core.get_aval(a).dtype
  split = _DEKKER_SPLIT.get(dtype)
  if split is None or _is_exact_scale(b, dtype):
    return lax.add(lax.mul(a, b), c)
  product, product_error = _two_product(a, b, split)
  total, sum_error = _two_sum(product, c)
  return lax.add(total, lax.add(sum_error, product_error))


def _const(example, value):
  return lax._const(example, value)


def _cumsum(x):
  """Inclusive prefix sums of a 1-D array (Hillis-Steele: log2(n) shifted additions)."""
  n = x.shape[0]
  zero = _const(x, 0)
  shift = 1
  while shift < n:
    x = lax.add(x, lax.pad(lax.slice(x, (0,), (n - shift,)), zero, [(shift, 0, 0)]))
    shift *= 2
  return x


def _searchsorted_left(sorted_values, queries):
  """For each query, the number of entries of 1-D `sorted_values` below it."""
  n = sorted_values.shape[0]
  q = creation.asarray(queries)
  shape = (*q.shape, n)
  below = lax.lt(lax.broadcast_in_dim(sorted_values, shape, (q.ndim,)),
                 lax.broadcast_in_dim(q, shape, tuple(range(q.ndim))))
  return lax.reduce_sum(lax.convert_element_type(below, dtypes.default_int_dtype()), (q.ndim,))


def _take(arr, indices, axis: int):
  """`arr` indexed along `axis` by an integer array (every index in bounds)."""
  return arr[(slice(None),) * axis + (indices,)]


# ------------------------------------------------------------------------------------------------
# uniform, normal, bits-based samplers


def uniform(key, shape: Sequence[int] = (), dtype=None, minval=0., maxval=1., *,
            out_sharding=None):
  """Uniform random values in [minval, maxval) of the given shape and float dtype."""
  key, _ = check_prng_key("uniform", key)
  dtype = dtypes.check_user_dtype_supported(float if dtype is None else dtype, "uniform")
  shape = canonicalize_shape(shape)
  if not dtypes.issubdtype(dtype, np.floating):
    raise ValueError(f"dtype argument to `uniform` must be a float dtype, got {dtype}")
  return _uniform(key, minval, maxval, shape, dtype)


def _uniform(key, minval, maxval, shape: tuple, dtype):
  minval = lax.convert_element_type(minval, dtype)
  maxval = lax.convert_element_type(maxval, dtype)
  if isinstance(minval, core.Tracer) or isinstance(maxval, core.Tracer):
    span = None
  else:
    # Concrete bounds (as normal's) keep a concrete span under jit too, where the broadcasts below
    # would make it a tracer: _fused_multiply_add then sees an exact span and skips the error-free
    # product. NumPy's subtraction rounds as lax.sub does.
    with np.errstate(all="ignore"):
      span = np.asarray(maxval) - np.asarray(minval)
    span = np.reshape(span, (1,) * (len(shape) - span.ndim) + span.shape)
  minval = lax.broadcast_to_rank(minval, len(shape))
  maxval = lax.broadcast_to_rank(maxval, len(shape))
  if span is None:
    span = lax.sub(maxval, minval)
  finfo = dtypes.finfo(dtype)
  nbits, nmant = finfo.bits, finfo.nmant
  if nbits not in (8, 16, 32, 64):
    raise TypeError(f"uniform only accepts 8-, 16-, 32-, or 64-bit dtypesgot {dtype}.")
  # Random mantissa bits under the exponent of 1.0 give a float in [1, 2); subtract 1.
  rng_bits = 8 if nmant < 8 else nbits
  uint_dtype = _UINT_DTYPES[nbits]
  bits = random_bits(key, rng_bits, shape)
  if rng_bits != nbits:
    bits = lax.convert_element_type(bits, uint_dtype)
  float_bits = lax.shift_right_logical(bits, np.array(rng_bits - nmant, uint_dtype))
  float_bits = lax.bitwise_or(float_bits, np.array(1.0, dtype).view(uint_dtype))
  floats = lax.sub(lax.bitcast_convert_type(float_bits, dtype), np.array(1.0, dtype))
  scaled = _fused_multiply_add(floats, span, minval)
  if scaled.shape != shape:
    scaled = lax.reshape(scaled, shape)
  return lax.max(minval, scaled)


def normal(key, shape: Sequence[int] = (), dtype=None, *, out_sharding=None):
  """Standard normal random values of the given shape and float (or complex) dtype."""
  key, _ = check_prng_key("normal", key)
  shape = canonicalize_shape(shape)
  dtype = dtypes.check_user_dtype_supported(float if dtype is None else dtype, "normal")
  if not dtypes.issubdtype(dtype, np.inexact):
    raise ValueError(f"dtype argument to `normal` must be a float or complex dtype, got {dtype}")
  return _normal(key, shape, dtype)


def _normal(key, shape: tuple, dtype):
  if dtypes.issubdtype(dtype, np.complexfloating):
    sqrt2 = np.array(np.sqrt(2), dtype)
    key_re, key_im = _split(key)
    real_dtype = np.array(0, dtype).real.dtype
    re = _normal_real(key_re, shape, real_dtype).astype(dtype)
    im = _normal_real(key_im, shape, real_dtype).astype(dtype)
    return (re + 1j * im) / sqrt2
  return _normal_real(key, shape, dtype)


def _normal_real(key, shape: tuple, dtype):
  # Inverse transform: sqrt(2) erf_inv(u) for u uniform in (-1, 1).
  lo = np.nextafter(np.array(-1., dtype), np.array(0., dtype), dtype=dtype)
  u = _uniform(key, lo, np.array(1., dtype), shape, dtype)
  return lax.mul(np.array(np.sqrt(2), dtype), lax.erf_inv(u))


def _convert_and_clip_integer(val, dtype):
  """`val` converted to the integer `dtype`, clipped to its range instead of wrapping."""
  val_info, info = dtypes.iinfo(val.dtype), dtypes.iinfo(dtype)
  low = _const(val, max(info.min, val_info.min))
  high = _const(val, min(info.max, val_info.max))
  return lax_numpy.clip(val, low, high).astype(dtype)


def randint(key, shape: Sequence[int], minval, maxval, dtype=None, *, out_sharding=None):
  """Uniform random integers in [minval, maxval) of the given shape and integer dtype."""
  key, _ = check_prng_key("randint", key)
  dtype = dtypes.check_user_dtype_supported(int if dtype is None else dtype, "randint")
  shape = canonicalize_shape(shape)
  if not dtypes.issubdtype(dtype, np.integer):
    raise TypeError(f"randint only accepts integer dtypes, got {dtype}")
  info = dtypes.iinfo(dtype)
  sampling_dtype = dtype
  if info.bits < 32:
    # Narrow integers are sampled at 32 bits (less modulo bias) and cast.
    sampling_dtype = np.dtype(np.int32)
    minval = creation.asarray(minval).astype("int32").clip(int(info.min), int(info.max))
    maxval = creation.asarray(maxval).astype("int32").clip(int(info.min), int(info.max) + 1)
  return _randint(key, minval, maxval, shape, sampling_dtype).astype(dtype)


def _randint(key, minval, maxval, shape: tuple, dtype):
  _check_shape("randint", shape, np.shape(minval), np.shape(maxval))
  check_arraylike("randint", minval, maxval)
  minval = creation.asarray(minval)
  maxval = creation.asarray(maxval)
  if not dtypes.issubdtype(minval.dtype, np.integer):
    minval = minval.astype(int)
  if not dtypes.issubdtype(maxval.dtype, np.integer):
    maxval = maxval.astype(int)
  # Where maxval exceeds the dtype's maximum (e.g. 256 for uint8) the span grows by one.
  maxval_out_of_range = lax.gt(maxval, _convert_and_clip_integer(
      creation.array(dtypes.iinfo(dtype).max, dtype), maxval.dtype))
  minval = lax.broadcast_to_rank(_convert_and_clip_integer(minval, dtype), len(shape))
  maxval = lax.broadcast_to_rank(_convert_and_clip_integer(maxval, dtype), len(shape))
  maxval_out_of_range = lax.broadcast_to_rank(maxval_out_of_range, len(shape))
  nbits = dtypes.iinfo(dtype).bits
  if nbits not in (8, 16, 32, 64):
    raise TypeError(f"randint only accepts 8-, 16-, 32-, or 64-bit dtypes, got {dtype}")
  # Twice the dtype's bits per value reduce the modulo bias: offset = (hi * 2**nbits + lo) % span.
  k1, k2 = _split(key)
  higher_bits, lower_bits = random_bits(k1, nbits, shape), random_bits(k2, nbits, shape)
  unsigned_dtype = _UINT_DTYPES[nbits]
  span = lax.convert_element_type(lax.sub(maxval, minval), unsigned_dtype)
  span = lax.select(lax.le(maxval, minval), lax.full_like(span, 1), span)
  span = lax.select(ufuncs.logical_and(maxval_out_of_range, lax.gt(maxval, minval)),
                    lax.add(span, _const(span, 1)), span)
  multiplier = lax.rem(_const(span, 2 ** (nbits // 2)), span)
  multiplier = lax.rem(lax.mul(multiplier, multiplier), span)
  random_offset = lax.add(lax.mul(lax.rem(higher_bits, span), multiplier),
                          lax.rem(lower_bits, span))
  random_offset = lax.rem(random_offset, span)
  return lax.add(minval, lax.convert_element_type(random_offset, dtype))


def bernoulli(key, p=0.5, shape: Sequence[int] | None = None, mode: str = "low", *,
              out_sharding=None):
  """Booleans that are True with probability `p` (mode='high' resolves p below ~1e-7)."""
  if shape is not None:
    shape = canonicalize_shape(shape)
  if mode not in ("high", "low"):
    raise ValueError(f"got {mode=}, expected 'high' or 'low'")
  key, _ = check_prng_key("bernoulli", key)
  dtype = dtypes.dtype(p)
  if not dtypes.issubdtype(dtype, np.floating):
    raise TypeError(f"bernoulli probability `p` must have a floating dtype, got {dtype}.")
  p = lax.convert_element_type(p, dtype)
  if shape is None:
    shape = np.shape(p)
  else:
    _check_shape("bernoulli", shape, np.shape(p))
  if mode == "high":
    u1, u2 = uniform(key, (2, *shape), dtype)
    u2 = u2 * (2 ** -dtypes.finfo(dtype).nmant)
    return u2 < p - u1
  return uniform(key, shape, dtype) < p


def rademacher(key, shape: Sequence[int] = (), dtype=None, *, out_sharding=None):
  """Random -1 or +1 with equal probability."""
  key, _ = check_prng_key("rademacher", key)
  dtype = dtypes.check_user_dtype_supported(int if dtype is None else dtype, "rademacher")
  shape = canonicalize_shape(shape)
  samples = bernoulli(key, 0.5, shape).astype(dtype)
  return (2 * samples - 1).astype(dtype)


# ------------------------------------------------------------------------------------------------
# Permutations and choices


def _shuffle_rounds(count: int) -> int:
  # Rounds of sorting by fresh 32-bit keys until key collisions are unlikely (tjablin@'s bound,
  # as in JAX and TensorFlow).
  return int(np.ceil(3 * np.log(max(1, count)) / np.log(dtypes.iinfo(np.uint32).max)))


def _shuffle(key, x, axis: int, *, shared: bool = False):
  """`x` permuted along `axis` by repeated stable sorts on random keys: independently for every
  vector along `axis`, or (`shared`) by one permutation for all of them."""
  x = creation.asarray(x)
  sort_shape = (x.shape[axis],) if shared else x.shape
  for _ in range(_shuffle_rounds(math.prod(sort_shape))):
    key, subkey = _split(key)
    sort_keys = random_bits(subkey, 32, sort_shape)
    if shared:
      sort_keys = lax.broadcast_in_dim(sort_keys, x.shape, (axis,))
    _, x = sort_key_val(sort_keys, x, axis)
  return x


def permutation(key, x, axis: int = 0, independent: bool = False, *, out_sharding=None):
  """A random permutation of `x` along `axis` (of `arange(x)` for an integer `x`); with
  `independent`, every vector along `axis` is permuted on its own."""
  key, _ = check_prng_key("permutation", key)
  check_arraylike("permutation", x)
  axis = canonicalize_axis(axis, np.ndim(x) or 1)
  if not np.ndim(x):
    if not dtypes.issubdtype(dtypes.dtype(x), np.integer):
      raise TypeError("x must be an integer or at least 1-dimensional")
    r = core.concrete_or_error(int, x, "argument x of jax.random.permutation()")
    return _shuffle(key, creation.arange(r), axis)
  if independent or np.ndim(x) == 1:
    return _shuffle(key, x, axis)
  # One permutation of the indices along `axis`, applied to every vector: sorting all vectors
  # by the same keys moves them exactly as sorting the indices does.
  return _shuffle(key, x, axis, shared=True)


def choice(key, a, shape: Sequence[int] = (), replace: bool = True, p=None, axis: int = 0,
           mode: str | None = None):
  """A random sample of entries of `a` (of `arange(a)` for an integer `a`) along `axis`, with or
  without replacement, uniformly or with probabilities `p`."""
  key, _ = check_prng_key("choice", key)
  if not isinstance(shape, Sequence):
    raise TypeError(f"shape argument of jax.random.choice must be a sequence, got {shape}")
  check_arraylike("choice", a)
  arr = creation.asarray(a)
  if arr.ndim == 0:
    n_inputs = core.concrete_or_error(int, a, "The error occurred in jax.random.choice()")
  else:
    axis = canonicalize_axis(axis, arr.ndim)
    n_inputs = arr.shape[axis]
  n_draws = math.prod(shape)
  if n_draws == 0:
    return creation.zeros(shape, dtype=arr.dtype)
  if n_inputs <= 0:
    raise ValueError("a must be greater than 0 unless no samples are taken")
  if not replace and n_draws > n_inputs:
    raise ValueError(f"Cannot take a larger sample (size {n_draws}) than population (size "
                     f"{n_inputs}) when 'replace=False'")
  if p is None:
    if replace:
      ind = randint(key, shape, 0, n_inputs)
      result = ind if arr.ndim == 0 else _take(arr, ind, axis)
    else:
      slices = (slice(None),) * axis + (slice(n_draws),)
      result = permutation(key, n_inputs if arr.ndim == 0 else arr, axis)[slices]
  else:
    check_arraylike("choice", p)
    p_arr, = promote_dtypes_inexact(p)
    if p_arr.shape != (n_inputs,):
      raise ValueError("p must be None or a 1D vector with the same size as a.shape[axis]. "
                       f"p has shape {p_arr.shape} and a.shape[axis] is {n_inputs}.")
    if replace:
      p_cuml = _cumsum(p_arr)
      r = p_cuml[-1] * (1 - uniform(key, shape, dtype=p_cuml.dtype))
      ind = _searchsorted_left(p_cuml, r).astype(int)
    else:
      # Gumbel top-k: the k largest of log p + Gumbel noise are a sample without replacement.
      g = gumbel(key, (n_inputs,), dtype=p_arr.dtype, mode=mode) + ufuncs.log(p_arr)
      ind = top_k(g, k=n_draws)[1].astype(int)
    result = ind if arr.ndim == 0 else _take(arr, ind, axis)
  return result.reshape(shape if arr.ndim == 0 else
                        arr.shape[0:axis] + tuple(shape) + arr.shape[axis + 1:])


def gumbel(key, shape: Sequence[int] = (), dtype=None, mode: str | None = None, *,
           out_sharding=None):
  """Standard Gumbel random values; mode 'high' (or 'highest' for float32) spends more random
  bits to resolve the far tail."""
  key, _ = check_prng_key("gumbel", key)
  dtype = _float_dtype("gumbel", dtype)
  shape = canonicalize_shape(shape)
  if mode is None:
    mode = "low"
  if mode not in ("highest", "high", "low"):
    raise ValueError(f"Must provide valid mode for gumbel got: {mode}")
  return _gumbel(key, shape, dtype, mode)


def _safe_int_to_float(bits, dtype):
  """A uniform float in (0, 1) from two uint32 words (bits[0] high), keeping every bit of
  precision down to the smallest normal."""
  finfo = dtypes.finfo(dtype)
  hi, lo = bits[0], bits[1]
  hiclz, loclz = lax.clz(hi), lax.clz(lo)
  u32 = np.uint32
  mantissa = lax.bitwise_or(
      lax.shift_left(hi, hiclz),
      lax_numpy.where(hiclz == 32, lax.shift_left(lo, loclz),
                      lax.shift_right_logical(lo, u32(finfo.bits) - hiclz)))
  mantissa = lax.shift_right_logical(mantissa, np.array(finfo.bits - finfo.nmant - 1, u32))
  mantissa = lax.bitwise_and(mantissa, np.array((1 << finfo.nmant) - 1, u32))
  exp = lax.shift_left(u32(-finfo.minexp) - lax_numpy.where(hiclz == 32, 32 + loclz, hiclz),
                       np.array(finfo.nmant, u32))
  exp = lax.bitwise_and(exp, np.array((1 << (finfo.bits - 2)) - (1 << (finfo.nmant - 1)), u32))
  return lax.bitcast_convert_type(lax.bitwise_or(exp, mantissa), dtype)


def _gumbel(key, shape: tuple, dtype, mode: str):
  info = dtypes.finfo(dtype)
  if dtype == np.float32 and mode == "highest":
    bits = random_bits(key, info.bits, (2, *shape))
    neg = lax.bitwise_not(bits)
    lo_bits = neg[1]
    carry = lax_numpy.stack([lo_bits == np.uint32((1 << info.bits) - 1),
                             creation.full_like(lo_bits, True, dtype=bool)]).astype(np.uint32)
    neg = neg + carry
    flip_mask = bits[0] < np.uint32(1 << (info.bits - 1))
    x = _safe_int_to_float(lax_numpy.where(flip_mask, bits, neg), np.float32)
    return lax_numpy.where(flip_mask, -ufuncs.log(-ufuncs.log1p(-x)), -ufuncs.log(-ufuncs.log(x)))
  if mode in ("high", "highest"):
    high, low = _uniform(key, 0.0, 1.0, (2, *shape), dtype)
    x = lax_numpy.where(high >= 0.5, high, high + 2 ** (-info.nmant) * low + info.tiny)
    return -ufuncs.log(-ufuncs.log1p(-x))
  return -ufuncs.log(-ufuncs.log(_uniform(key, info.tiny, 1.0, shape, dtype)))


def categorical(key, logits, axis: int = -1, shape: Sequence[int] | None = None,
                replace: bool = True, mode: str | None = None, *, out_sharding=None):
  """Indices sampled from the categorical distributions given by unnormalized log
  probabilities `logits` along `axis` (Gumbel-max; without replacement, Gumbel top-k)."""
  key, _ = check_prng_key("categorical", key)
  check_arraylike("categorical", logits)
  logits_arr = creation.asarray(logits)
  batch_shape = tuple(np.delete(logits_arr.shape, axis))
  if shape is None:
    shape = batch_shape
  else:
    shape = canonicalize_shape(shape)
    _check_shape("categorical", shape, batch_shape)
  shape_prefix = shape[:len(shape) - len(batch_shape)]
  if replace:
    if axis >= 0:
      axis -= logits_arr.ndim
    logits_shape = list(shape[len(shape) - len(batch_shape):])
    logits_shape.insert(axis % logits_arr.ndim, logits_arr.shape[axis])
    noise = gumbel(key, (*shape_prefix, *logits_shape), logits_arr.dtype, mode=mode)
    return reductions.argmax(
        noise + lax.expand_dims(logits_arr, tuple(range(len(shape_prefix)))), axis=axis)
  logits_arr = logits_arr + gumbel(key, logits_arr.shape, logits_arr.dtype, mode=mode)
  k = math.prod(shape_prefix)
  if k > logits_arr.shape[axis]:
    raise ValueError(f"Number of samples without replacement ({k}) cannot exceed number of "
                     f"categories ({logits_arr.shape[axis]}).")
  _, indices = top_k(lax_numpy.moveaxis(logits_arr, axis, -1), k)
  dimensions = (indices.ndim - 1, *range(indices.ndim - 1))
  return lax.reshape(indices, shape, dimensions)


# ------------------------------------------------------------------------------------------------
# Samplers that transform uniform or normal values


def truncated_normal(key, lower, upper, shape: Sequence[int] | None = None, dtype=None, *,
                     out_sharding=None):
  """Standard normal values conditioned on lying in the open interval (lower, upper)."""
  if shape is not None:
    shape = canonicalize_shape(shape)
  key, _ = check_prng_key("truncated_normal", key)
  dtype = _float_dtype("truncated_normal", dtype)
  if shape is None:
    shape = np.broadcast_shapes(np.shape(lower), np.shape(upper))
  else:
    _check_shape("truncated_normal", shape, np.shape(lower), np.shape(upper))
  sqrt2 = np.array(np.sqrt(2), dtype)
  lower = lax.convert_element_type(lower, dtype)
  upper = lax.convert_element_type(upper, dtype)
  a = lax.erf(lax.div(lower, sqrt2))
  b = lax.erf(lax.div(upper, sqrt2))
  u = _uniform(key, a, b, shape, dtype)
  out = lax.mul(sqrt2, lax.erf_inv(u))
  return lax_numpy.clip(out, lax.nextafter(lax.stop_gradient(lower), np.array(np.inf, dtype)),
                        lax.nextafter(lax.stop_gradient(upper), np.array(-np.inf, dtype)))


def exponential(key, shape: Sequence[int] = (), dtype=None, *, out_sharding=None):
  """Exponential random values with rate 1."""
  key, _ = check_prng_key("exponential", key)
  dtype = _float_dtype("exponential", dtype)
  shape = canonicalize_shape(shape)
  return _exponential(key, shape, dtype)


def _exponential(key, shape: tuple, dtype):
  u = _uniform(key, 0., 1., shape, dtype)
  return lax.neg(lax.log1p(lax.neg(u)))


def laplace(key, shape: Sequence[int] = (), dtype=None, *, out_sharding=None):
  """Laplace random values with location 0 and scale 1."""
  key, _ = check_prng_key("laplace", key)
  dtype = _float_dtype("laplace", dtype)
  shape = canonicalize_shape(shape)
  u = _uniform(key, -1.0 + dtypes.finfo(dtype).epsneg, 1.0, shape, dtype)
  return lax.mul(lax.sign(u), lax.log1p(lax.neg(lax.abs(u))))


def logistic(key, shape: Sequence[int] = (), dtype=None, *, out_sharding=None):
  """Logistic random values with location 0 and scale 1."""
  key, _ = check_prng_key("logistic", key)
  dtype = _float_dtype("logistic", dtype)
  shape = canonicalize_shape(shape)
  x = _uniform(key, dtypes.finfo(dtype).tiny, 1.0, shape, dtype)
  return lax.sub(lax.log(x), lax.log1p(lax.neg(x)))


def cauchy(key, shape: Sequence[int] = (), dtype=None, *, out_sharding=None):
  """Standard Cauchy random values."""
  key, _ = check_prng_key("cauchy", key)
  dtype = _float_dtype("cauchy", dtype)
  shape = canonicalize_shape(shape)
  u = _uniform(key, dtypes.finfo(dtype).eps, 1., shape, dtype)
  return lax.tan(lax.mul(_const(u, np.pi), lax.sub(u, _const(u, 0.5))))


def pareto(key, b, shape: Sequence[int] | None = None, dtype=None, *, out_sharding=None):
  """Pareto random values with shape parameter `b` (support [1, inf))."""
  key, _ = check_prng_key("pareto", key)
  dtype = _float_dtype("pareto", dtype)
  shape = _check_broadcast_shapes("pareto", shape, b)
  _check_all_safe_to_cast("pareto", dtype, b)
  b = lax.convert_element_type(b, dtype)
  e = _exponential(key, shape, dtype)
  return lax.exp(e / b)


def weibull_min(key, scale, concentration, shape: Sequence[int] = (), dtype=None):
  """Weibull random values with the given scale and concentration."""
  key, _ = check_prng_key("weibull_min", key)
  dtype = _float_dtype("weibull_min", dtype)
  shape = canonicalize_shape(shape)
  u = _uniform(key, 0, 1, shape, dtype)
  return ufuncs.power(-ufuncs.log1p(-u), 1.0 / concentration) * scale


def _norm_last_axis(x):
  return ufuncs.sqrt(reductions.sum(ufuncs.real(x * ufuncs.conjugate(x)), axis=-1))


def maxwell(key, shape: Sequence[int] = (), dtype=None, *, out_sharding=None):
  """Maxwell random values (the norm of a 3-D standard normal vector)."""
  key, _ = check_prng_key("maxwell", key)
  dtype = _float_dtype("maxwell", dtype)
  shape = canonicalize_shape(shape)
  return _norm_last_axis(_normal(key, (*shape, 3), dtype))


def double_sided_maxwell(key, loc, scale, shape: Sequence[int] = (), dtype=None):
  """Maxwell random values with a random sign, scaled by `scale` and shifted by `loc`."""
  key, _ = check_prng_key("double_sided_maxwell", key)
  dtype = _float_dtype("double_sided_maxwell", dtype)
  shape = canonicalize_shape(shape)
  params_shapes = np.broadcast_shapes(np.shape(loc), np.shape(scale))
  if not shape:
    shape = params_shapes
  shape = shape + params_shapes
  maxwell_key, rademacher_key = _split(key)
  maxwell_rvs = maxwell(maxwell_key, shape=shape, dtype=dtype)
  random_sign = rademacher(rademacher_key, shape=shape, dtype=dtype)
  return random_sign * maxwell_rvs * scale + loc


def lognormal(key, sigma=np.float32(1), shape: Sequence[int] | None = None, dtype=None, *,
              out_sharding=None):
  """exp of normal random values with standard deviation `sigma`."""
  key, _ = check_prng_key("lognormal", key)
  dtype = _sampler_dtype("lognormal", dtype, float, np.inexact, "a float or complex")
  shape = _check_broadcast_shapes("lognormal", shape, sigma)
  _check_all_safe_to_cast("lognormal", dtype, sigma)
  sigma = lax.convert_element_type(sigma, dtype)
  return lax.exp(_normal(key, shape, dtype) * sigma)


def rayleigh(key, scale, shape: Sequence[int] | None = None, dtype=None, *, out_sharding=None):
  """Rayleigh random values with the given scale."""
  key, _ = check_prng_key("rayleigh", key)
  dtype = _float_dtype("rayleigh", dtype)
  shape = _check_broadcast_shapes("rayleigh", shape, scale)
  _check_all_safe_to_cast("rayleigh", dtype, scale)
  u = _uniform(key, 0., 1., shape, dtype)
  scale = lax_numpy.broadcast_to(creation.asarray(scale).astype(dtype), shape)
  return lax.mul(scale, lax.sqrt(lax.mul(lax.log(u), _const(scale, -2))))


def wald(key, mean, shape: Sequence[int] | None = None, dtype=None, *, out_sharding=None):
  """Wald (inverse Gaussian) random values with the given mean."""
  key, _ = check_prng_key("wald", key)
  dtype = _float_dtype("wald", dtype)
  shape = _check_broadcast_shapes("wald", shape, mean)
  _check_all_safe_to_cast("wald", dtype, mean)
  k1, k2 = _split(key, 2)
  mean = lax_numpy.broadcast_to(creation.asarray(mean).astype(dtype), shape)
  v = _normal(k1, shape, dtype)
  z = _uniform(k2, 0., 1., shape, dtype)
  y = lax.integer_pow(v, 2)
  y_sq = lax.integer_pow(y, 2)
  mean_sq = lax.integer_pow(mean, 2)
  sqrt_term = lax.sqrt(4 * mean * y + mean_sq * y_sq)
  x = mean + mean_sq * y / 2 - mean / 2 * sqrt_term
  return lax.select(lax.le(z, mean / (mean + x)), x, mean_sq / x)


def geometric(key, p, shape: Sequence[int] | None = None, dtype=None, *, out_sharding=None):
  """Geometric random values: the number of Bernoulli(p) trials up to the first success."""
  key, _ = check_prng_key("geometric", key)
  dtype = _sampler_dtype("geometric", dtype, int, np.integer, "an int")
  shape = _check_broadcast_shapes("geometric", shape, p)
  check_arraylike("geometric", p)
  p, = promote_dtypes_inexact(p)
  u = _uniform(key, 0., 1., shape, p.dtype)
  u = lax_numpy.where(u == 0, 1, u)
  log_one_minus_p = lax_numpy.broadcast_to(lax.log1p(-p), shape)
  g = lax.floor(lax.div(lax.log(u), log_one_minus_p)) + 1
  return g.astype(dtype)


def triangular(key, left, mode, right, shape: Sequence[int] | None = None, dtype=None, *,
               out_sharding=None):
  """Triangular random values on [left, right] with peak at `mode`."""
  key, _ = check_prng_key("triangular", key)
  dtype = _float_dtype("triangular", dtype)
  shape = _check_broadcast_shapes("triangular", shape, left, mode, right)
  _check_all_safe_to_cast("triangular", dtype, left, mode, right)
  left = lax_numpy.broadcast_to(lax.convert_element_type(left, dtype), shape)
  right = lax_numpy.broadcast_to(lax.convert_element_type(right, dtype), shape)
  mode = lax_numpy.broadcast_to(lax.convert_element_type(mode, dtype), shape)
  fc = (mode - left) / (right - left)
  u = _uniform(key, 0., 1., shape, dtype)
  out1 = left + lax.sqrt(u * (right - left) * (mode - left))
  out2 = right - lax.sqrt((1 - u) * (right - left) * (right - mode))
  return lax.select(u < fc, out1, out2)


# ------------------------------------------------------------------------------------------------
# Gamma family and Poisson


def gamma(key, a, shape: Sequence[int] | None = None, dtype=None, *, out_sharding=None):
  """Gamma random values with shape parameter `a` (rate 1)."""
  key, _ = check_prng_key("gamma", key)
  dtype = _float_dtype("gamma", dtype)
  if shape is not None:
    shape = canonicalize_shape(shape)
  return _gamma(key, a, shape, dtype)


def loggamma(key, a, shape: Sequence[int] | None = None, dtype=None, *, out_sharding=None):
  """The logarithm of Gamma random values, accurate where the values underflow (small `a`)."""
  key, _ = check_prng_key("loggamma", key)
  dtype = _float_dtype("gamma", dtype)  # (JAX's message names `gamma` here too)
  if shape is not None:
    shape = canonicalize_shape(shape)
  return _gamma(key, a, shape, dtype, log_space=True)


def _gamma(key, a, shape, dtype, log_space: bool = False):
  if shape is None:
    shape = np.shape(a)
  else:
    _check_shape("gamma", shape, np.shape(a))
  a = lax.convert_element_type(a, dtype)
  if np.shape(a) != shape:
    a = lax_numpy.broadcast_to(a, shape)
  return random_gamma_p.bind(key, a, log_space=log_space)


def beta(key, a, b, shape: Sequence[int] | None = None, dtype=None, *, out_sharding=None):
  """Beta random values with parameters `a` and `b`."""
  key, _ = check_prng_key("beta", key)
  dtype = _float_dtype("beta", dtype)
  _check_all_safe_to_cast("beta", dtype, a, b)
  shape = _check_broadcast_shapes("beta", shape, a, b)
  a = lax_numpy.broadcast_to(lax.convert_element_type(a, dtype), shape)
  b = lax_numpy.broadcast_to(lax.convert_element_type(b, dtype), shape)
  key_a, key_b = _split(key)
  log_gamma_a = _gamma(key_a, a, shape, dtype, log_space=True)
  log_gamma_b = _gamma(key_b, b, shape, dtype, log_space=True)
  # Scaled by the larger value so that small parameters do not underflow to 0 / 0.
  log_max = lax.max(log_gamma_a, log_gamma_b)
  gamma_a_scaled = ufuncs.exp(log_gamma_a - log_max)
  gamma_b_scaled = ufuncs.exp(log_gamma_b - log_max)
  return gamma_a_scaled / (gamma_a_scaled + gamma_b_scaled)


def _softmax(x, axis: int):
  unnormalized = ufuncs.exp(x - reductions.max(x, axis, keepdims=True))
  return unnormalized / reductions.sum(unnormalized, axis, keepdims=True)


def dirichlet(key, alpha, shape: Sequence[int] | None = None, dtype=None, *,
              out_sharding=None):
  """Dirichlet random vectors (along the last axis) with concentrations `alpha`."""
  key, _ = check_prng_key("dirichlet", key)
  dtype = _float_dtype("dirichlet", dtype)
  if shape is not None:
    shape = canonicalize_shape(shape)
  if not np.ndim(alpha) >= 1:
    raise ValueError(f"dirichlet requires alpha.ndim >= 1, got alpha.ndim == {np.ndim(alpha)}")
  if shape is None:
    shape = np.shape(alpha)[:-1]
  else:
    _check_shape("dirichlet", shape, np.shape(alpha)[:-1])
  alpha = lax.convert_element_type(alpha, dtype)
  log_gamma_samples = _gamma(key, alpha, shape + np.shape(alpha)[-1:], dtype, log_space=True)
  return _softmax(log_gamma_samples, -1)


def t(key, df, shape: Sequence[int] | None = None, dtype=None, *, out_sharding=None):
  """Student's t random values with `df` degrees of freedom."""
  key, _ = check_prng_key("t", key)
  dtype = _float_dtype("t", dtype)
  shape = _check_broadcast_shapes("t", shape, df)
  _check_all_safe_to_cast("t", dtype, df)
  df = lax.convert_element_type(df, dtype)
  key_n, key_g = _split(key)
  n = _normal(key_n, shape, dtype)
  half_df = lax.div(df, _const(n, 2))
  g = _gamma(key_g, half_df, shape, dtype)
  return n * ufuncs.sqrt(half_df / g)


def chisquare(key, df, shape: Sequence[int] | None = None, dtype=None, *, out_sharding=None):
  """Chi-square random values with `df` degrees of freedom."""
  key, _ = check_prng_key("chisquare", key)
  dtype = _float_dtype("chisquare", dtype)
  shape = _check_broadcast_shapes("chisquare", shape, df)
  _check_all_safe_to_cast("chisquare", dtype, df)
  return _chisquare(key, df, shape, dtype)


def _chisquare(key, df, shape, dtype):
  df = lax.convert_element_type(df, dtype)
  two = _const(df, 2)
  log_g = _gamma(key, lax.div(df, two), shape, dtype, log_space=True)
  return lax.mul(ufuncs.exp(log_g), two)


def f(key, dfnum, dfden, shape: Sequence[int] | None = None, dtype=None, *, out_sharding=None):
  """F random values with `dfnum` and `dfden` degrees of freedom."""
  key, _ = check_prng_key("f", key)
  dtype = _float_dtype("f", dtype)
  shape = _check_broadcast_shapes("f", shape, dfnum, dfden)
  _check_all_safe_to_cast("f", dtype, dfnum, dfden)
  dfden = lax.convert_element_type(dfden, dtype)
  dfnum = lax.convert_element_type(dfnum, dtype)
  key_dfd, key_dfn = _split(key)
  chi2_dfn = _chisquare(key_dfn, dfnum, shape, dtype)
  chi2_dfd = _chisquare(key_dfd, dfden, shape, dtype)
  return lax.div(lax.div(chi2_dfn, dfnum), lax.div(chi2_dfd, dfden))


def generalized_normal(key, p: float, shape: Sequence[int] = (), dtype=None, *,
                       out_sharding=None):
  """Generalized normal random values: density proportional to exp(-|x|**p)."""
  shape = canonicalize_shape(shape)
  key, _ = check_prng_key("generalized_normal", key)
  dtype = dtypes.check_user_dtype_supported(float if dtype is None else dtype,
                                            "generalized_normal")
  return _generalized_normal(key, p, shape, dtype)


def _generalized_normal(key, p, shape, dtype):
  key_g, key_r = _split(key)
  g = _gamma(key_g, 1 / p, shape, dtype)
  r = rademacher(key_r, shape, dtype)
  return r * g ** (1 / p)


def ball(key, d: int, p: float = 2, shape: Sequence[int] = (), dtype=None, *,
         out_sharding=None):
  """Points sampled uniformly from the unit ball of the p-norm in d dimensions."""
  shape = canonicalize_shape(shape)
  key, _ = check_prng_key("ball", key)
  dtype = dtypes.check_user_dtype_supported(float if dtype is None else dtype, "ball")
  d = core.concrete_or_error(operator.index, d, "The error occurred in jax.random.ball()")
  k1, k2 = _split(key)
  g = _generalized_normal(k1, p, (*shape, d), dtype)
  e = _exponential(k2, shape, dtype)
  return g / (((ufuncs.abs(g) ** p).sum(-1) + e) ** (1 / p))[..., None]


def poisson(key, lam, shape: Sequence[int] | None = None, dtype=None, *, out_sharding=None):
  """Poisson random integers with rates `lam`."""
  key, _ = check_prng_key("poisson", key)
  dtype = dtypes.check_user_dtype_supported(int if dtype is None else dtype, "poisson")
  if shape is not None:
    shape = canonicalize_shape(shape)
  else:
    shape = np.shape(lam)
  lam = lax.convert_element_type(lax_numpy.broadcast_to(lam, shape), np.float32)
  return random_poisson_p.bind(key, lam, dtype=dtype)


# ------------------------------------------------------------------------------------------------
# Samplers built on linear algebra


def multivariate_normal(key, mean, cov, shape: Sequence[int] | None = None, dtype=None,
                        method: str = "cholesky", *, out_sharding=None):
  """Normal random vectors (along the last axis) with the given means and covariances; `method`
  ('cholesky', 'svd' or 'eigh') factors `cov` (the latter two allow singular covariances)."""
  key, _ = check_prng_key("multivariate_normal", key)
  mean, cov = promote_dtypes_inexact(mean, cov)
  if method not in {"svd", "eigh", "cholesky"}:
    raise ValueError("method must be one of {'svd', 'eigh', 'cholesky'}")
  dtype = mean.dtype if dtype is None else _float_dtype("multivariate_normal", dtype)
  if not dtypes.issubdtype(dtype, np.floating):
    raise ValueError(f"dtype argument to `multivariate_normal` must be a float dtype, got {dtype}")
  if shape is not None:
    shape = canonicalize_shape(shape)
  if not mean.ndim >= 1:
    raise ValueError(f"multivariate_normal requires mean.ndim >= 1, got mean.ndim == {mean.ndim}")
  if not cov.ndim >= 2:
    raise ValueError(f"multivariate_normal requires cov.ndim >= 2, got cov.ndim == {cov.ndim}")
  n = mean.shape[-1]
  if cov.shape[-2:] != (n, n):
    raise ValueError(f"multivariate_normal requires cov.shape == (..., n, n) for n={n}, but got "
                     f"cov.shape == {cov.shape}.")
  if shape is None:
    shape = np.broadcast_shapes(mean.shape[:-1], cov.shape[:-2])
  else:
    _check_shape("normal", shape, mean.shape[:-1], cov.shape[:-2])
  if method == "svd":
    u, s, _ = linalg.svd(cov)
    factor = u * ufuncs.sqrt(s[..., None, :])
  elif method == "eigh":
    w, v = linalg.eigh(cov)
    factor = v * ufuncs.sqrt(w[..., None, :])
  else:
    factor = linalg.cholesky(cov)
  normal_samples = _normal(key, shape + mean.shape[-1:], dtype)
  return mean + lax_numpy.matmul(factor, normal_samples[..., None])[..., 0]


def orthogonal(key, n: int, shape: Sequence[int] = (), dtype=None, m: int | None = None, *,
               out_sharding=None):
  """Random n x m matrices with orthonormal columns (or rows, if n < m), uniform under the Haar
  measure: the Q of the QR decomposition of a normal matrix, signs fixed by R's diagonal."""
  shape = canonicalize_shape(shape)
  key, _ = check_prng_key("orthogonal", key)
  dtype = dtypes.check_user_dtype_supported(float if dtype is None else dtype, "orthogonal")
  n = core.concrete_or_error(operator.index, n, "The error occurred in jax.random.orthogonal()")
  m = n if m is None else core.concrete_or_error(
      operator.index, m, "The error occurred in jax.random.orthogonal()")
  z = _normal(key, (*shape, max(n, m), min(n, m)), dtype)
  q, r = linalg.qr(z)
  d = linalg.diagonal(r)
  x = q * lax_numpy.expand_dims(ufuncs.sign(d), -2)
  return lax_numpy.swapaxes(x, -1, -2) if n < m else x


# ------------------------------------------------------------------------------------------------
# Binomial and multinomial (loops over draws as lax control flow, as in JAX)

_STIRLING_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
                  0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                  0.0118967099458917, 0.010411265261972, 0.00925546218271273,
                  0.00833056343336287)


def _stirling_approx_tail(k):
  """log(k!) minus Stirling's approximation: tabulated for k <= 9, a series beyond."""
  use_table = k <= 9
  k = lax.clamp(_const(k, 0.0), k, _const(k, 9.0))
  kp1sq = (k + 1) * (k + 1)
  approx = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)
  index = lax.convert_element_type(lax.floor(k), np.int32)
  table = lax.select_n(index, *(lax.full_like(k, v) for v in _STIRLING_TAIL))
  return lax.select(use_table, table, approx)


def _binomial_inversion(key, count, prob, shape, dtype, max_iters):
  """Count geometric waiting times until they pass `count` (for count * prob <= 10)."""
  log1minusprob = ufuncs.log1p(-prob)

  def body_fn(carry):
    i, num_geom, geom_sum, key = carry
    subkey, key = _split(key)
    num_geom_out = lax.select(geom_sum <= count, num_geom + 1, num_geom)
    u = _uniform(subkey, 0., 1., shape, prob.dtype)
    geom = ufuncs.ceil(ufuncs.log(u) / log1minusprob)
    return i + 1, num_geom_out, geom_sum + geom, key

  def cond_fn(carry):
    i, geom_sum = carry[0], carry[2]
    return reductions.any(geom_sum <= count) & (i < max_iters)

  num_geom_init = lax.full_like(prob, 0, prob.dtype, shape)
  geom_sum_init = lax.full_like(prob, 0, prob.dtype, shape)
  k = control_flow.while_loop(cond_fn, body_fn, (0, num_geom_init, geom_sum_init, key))[1]
  return (k - 1).astype(dtype)


def _btrs(key, count, prob, shape, dtype, max_iters):
  """Hormann's transformed rejection with squeeze (BTRS, for count * prob > 10)."""
  stddev = ufuncs.sqrt(count * prob * (1 - prob))
  b = 1.15 + 2.53 * stddev
  a = -0.0873 + 0.0248 * b + 0.01 * prob
  c = count * prob + 0.5
  v_r = 0.92 - 4.2 / b
  r = prob / (1 - prob)
  alpha = (2.83 + 5.1 / b) * stddev
  m = ufuncs.floor((count + 1) * prob)

  def body_fn(carry):
    i, k_out, accepted, key = carry
    key, subkey_0, subkey_1 = _split(key, 3)
    u = _uniform(subkey_0, 0., 1., shape, prob.dtype)
    v = _uniform(subkey_1, 0., 1., shape, prob.dtype)
    u = u - 0.5
    us = 0.5 - ufuncs.abs(u)
    accept1 = (us >= 0.07) & (v <= v_r)
    k = ufuncs.floor((2 * a / us + b) * u + c)
    reject = (k < 0) | (k > count)
    v = ufuncs.log(v * alpha / (a / (us * us) + b))
    upper_bound = ((m + 0.5) * ufuncs.log((m + 1) / (r * (count - m + 1)))
                   + (count + 1) * ufuncs.log((count - m + 1) / (count - k + 1))
                   + (k + 0.5) * ufuncs.log(r * (count - k + 1) / (k + 1))
                   + _stirling_approx_tail(m) + _stirling_approx_tail(count - m)
                   - _stirling_approx_tail(k) - _stirling_approx_tail(count - k))
    accept = accept1 | (~reject & (v <= upper_bound))
    return i + 1, lax.select(accept, k, k_out), accepted | accept, key

  def cond_fn(carry):
    i, accepted = carry[0], carry[2]
    return reductions.any(~accepted) & (i < max_iters)

  k_init = lax.full_like(prob, -1, prob.dtype, shape)
  carry = (0, k_init, creation.full(shape, False, bool), key)
  return control_flow.while_loop(cond_fn, body_fn, carry)[1].astype(dtype)


def binomial(key, n, p, shape: Sequence[int] | None = None, dtype=None):
  """Binomial random values: successes in `n` trials of probability `p` (float dtype)."""
  key, _ = check_prng_key("binomial", key)
  check_arraylike("binomial", n, p)
  dtype = _float_dtype("binomial", dtype)
  if shape is not None:
    shape = canonicalize_shape(shape)
  return _binomial(key, n, p, shape, dtype)


def _binomial(key, count, prob, shape, dtype):
  if shape is None:
    shape = np.broadcast_shapes(np.shape(count), np.shape(prob))
  else:
    _check_shape("binomial", shape, np.shape(count), np.shape(prob))
  prob, = promote_dtypes_inexact(prob)
  count = lax.convert_element_type(count, prob.dtype)
  count = lax_numpy.broadcast_to(count, shape)
  prob = lax_numpy.broadcast_to(prob, shape)
  # Sample the smaller of p and 1 - p; invalid parameters give NaN, infinite counts inf.
  p_lt_half = prob < 0.5
  q = lax.select(p_lt_half, prob, 1.0 - prob)
  count_nan_or_neg = ufuncs.isnan(count) | (count < 0.0)
  count_inf = ufuncs.isinf(count)
  q_is_nan = ufuncs.isnan(q)
  q_l_0 = q < 0.0
  q = lax.select(q_is_nan | q_l_0, lax.full_like(q, 0.01), q)
  use_inversion = count_nan_or_neg | (count * q <= 10.0)
  count = ufuncs.floor(count)
  count_inv = lax.select(use_inversion, count, lax.full_like(count, 0.0))
  count_btrs = lax.select(use_inversion, lax.full_like(count, 1e4), count)
  q_btrs = lax.select(use_inversion, lax.full_like(q, 0.5), q)
  max_iters = dtype.type(dtypes.finfo(dtype).max)
  samples = lax.select(use_inversion,
                       _binomial_inversion(key, count_inv, q, shape, dtype, max_iters),
                       _btrs(key, count_btrs, q_btrs, shape, dtype, max_iters))
  invalid = q_l_0 | q_is_nan | count_nan_or_neg
  samples = lax.select(invalid, creation.full_like(samples, np.nan, dtype), samples)
  samples = lax.select(count_inf & ~invalid, creation.full_like(samples, np.inf, dtype), samples)
  return lax.select(p_lt_half | count_nan_or_neg | q_is_nan | count_inf, samples,
                    count.astype(dtype) - samples)


def _cumsum_reverse_leading(x):
  """Suffix sums along axis 0 (Hillis-Steele on the reversed axis)."""
  n = x.shape[0]
  x = lax.rev(x, (0,))
  zero = _const(x, 0)
  shift = 1
  while shift < n:
    shifted = lax.slice_in_dim(x, 0, n - shift, axis=0)
    x = lax.add(x, lax.pad(shifted, zero, [(shift, 0, 0)] + [(0, 0, 0)] * (x.ndim - 1)))
    shift *= 2
  return lax.rev(x, (0,))


def multinomial(key, n, p, *, shape: Sequence[int] | None = None, dtype=None,
                unroll: int | bool = 1):
  """Counts of `n` draws over the categories of the last axis of `p`, as a sequence of
  conditional binomials (one per category, scanned)."""
  key, _ = check_prng_key("multinomial", key)
  check_arraylike("multinomial", n, p)
  n, p = promote_dtypes_inexact(n, p)
  if shape is None:
    shape = p.shape
  n = lax_numpy.broadcast_to(n, shape[:-1])
  p = lax_numpy.broadcast_to(p, shape)

  def draw(remainder, ratio_key):
    ratio, key = ratio_key
    count = _binomial(key, remainder, lax_numpy.clip(ratio, 0, 1), None, remainder.dtype)
    return remainder - count, count

  p = lax_numpy.moveaxis(p, -1, 0)
  remaining_probs = _cumsum_reverse_leading(p)
  ratios = p / lax_numpy.where(remaining_probs == 0, 1, remaining_probs)
  keys = _split(key, ratios.shape[0])
  _, counts = control_flow.scan(draw, n, (ratios, keys), unroll=unroll)
  return lax_numpy.moveaxis(counts, 0, -1).astype(float if dtype is None else dtype)
