"""Threefry-2x32 and the key derivation built on it, on raw key data (NumPy `uint32` arrays whose
last axis holds the two key words).

Everything here is a NumPy function: the eager implementations of the random primitives. The
counter layout follows `jax_threefry_partitionable` (read when a function runs):

* partitionable (JAX's default): element `i` of a result of shape `S` hashes the 64-bit counter
  `i` (its high and low words) under the key; `random_bits` keeps `y0 ^ y1`, `split` keeps the
  pair `(y0, y1)`.
* legacy: a stream `threefry_2x32(key, arange(n))` of 32-bit words is cut into the result.
"""
from __future__ import annotations

import math

import numpy as np

from pyjax._src.config import config

_U32 = np.dtype(np.uint32)
_UINT_DTYPES = {8: np.dtype(np.uint8), 16: np.dtype(np.uint16), 32: _U32,
                64: np.dtype(np.uint64)}
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_KEY_SCHEDULE_PARITY = np.uint32(0x1BD11BDA)
# Elements hashed per pass: the working set (two words and a temporary) stays in the L2 cache.
_CHUNK = 1 << 16


def _injections(k0, k1, ks2) -> list:
  """The key injections after each group of four rounds: five (x0 term, x1 term) pairs, the x1
  term folding in the injection counter."""
  ks = (k0, k1, ks2)
  return [(ks[(i + 1) % 3], ks[(i + 2) % 3] + np.uint32(i + 1)) for i in range(5)]


def _rounds_inplace(x0, x1, injections, tmp) -> None:
  """The 20 rounds of Threefry-2x32 and the key injections after them, in place on equal-shape
  uint32 arrays that already hold the counters plus the first injection (the key words)."""
  for i in range(5):
    for r in _ROTATIONS[i % 2]:
      x0 += x1
      np.left_shift(x1, r, out=tmp)  # x1 = rotl(x1, r) ^ x0, in place
      x1 >>= 32 - r
      x1 |= tmp
      x1 ^= x0
    x0 += injections[i][0]
    x1 += injections[i][1]


def threefry2x32(k0, k1, x0, x1) -> tuple[np.ndarray, np.ndarray]:
  """The Threefry-2x32 block function (Random123, 20 rounds), elementwise with broadcasting on
  uint32 arrays: key words `k0, k1`, counter words `x0, x1`. Returns new arrays `(y0, y1)`."""
  k0, k1, x0, x1 = (np.asarray(a, _U32) for a in (k0, k1, x0, x1))
  shape = np.broadcast_shapes(k0.shape, k1.shape, x0.shape, x1.shape)
  y0 = np.array(np.broadcast_to(x0, shape), _U32).reshape(-1)
  y1 = np.array(np.broadcast_to(x1, shape), _U32).reshape(-1)
  with np.errstate(over="ignore"):
    scalar_key = k0.size == 1 and k1.size == 1
    if scalar_key:
      k0, k1 = k0.reshape(()), k1.reshape(())
    else:
      k0 = np.broadcast_to(k0, shape).reshape(-1)
      k1 = np.broadcast_to(k1, shape).reshape(-1)
    ks2 = k0 ^ k1 ^ _KEY_SCHEDULE_PARITY
    if scalar_key:
      injections = _injections(k0, k1, ks2)
    tmp = np.empty(min(y0.size, _CHUNK), _U32)
    for start in range(0, y0.size, _CHUNK):
      chunk = slice(start, start + _CHUNK)
      a, b = y0[chunk], y1[chunk]
      if not scalar_key:
        injections = _injections(k0[chunk], k1[chunk], ks2[chunk])
      a += k0 if scalar_key else k0[chunk]
      b += k1 if scalar_key else k1[chunk]
      _rounds_inplace(a, b, injections, tmp[:a.size])
  return y0.reshape(shape), y1.reshape(shape)


def _hash_counter_ranges(key, size: int, out0, out1=None, *, x0_counts: bool = False,
                         x1_start: int = 0) -> None:
  """Threefry-2x32 under one key (uint32[2]) of the counters `x0 = i if x0_counts else 0`,
  `x1 = x1_start + i` for i < size (all below 2**32), generated chunk by chunk so that no counter
  array is materialized. Writes `y0` to `out0[i]` and `y1` to `out1[i]` or, with no `out1`,
  `y0 ^ y1` to `out0[i]` (what `random_bits` keeps); outputs may be strided views."""
  k0, k1 = (int(w) for w in key)
  n = min(size, _CHUNK)
  iota = np.arange(n, dtype=_U32)
  a, b, tmp = np.empty(n, _U32), np.empty(n, _U32), np.empty(n, _U32)
  with np.errstate(over="ignore"):
    injections = _injections(np.uint32(k0), np.uint32(k1),
                             np.uint32(k0 ^ k1 ^ int(_KEY_SCHEDULE_PARITY)))
    for start in range(0, size, _CHUNK):
      m = min(_CHUNK, size - start)
      a_m, b_m, chunk = a[:m], b[:m], slice(start, start + m)
      # The counters with the first key injection added, modulo 2**32.
      if x0_counts:
        np.add(iota[:m], np.uint32((start + k0) % 2 ** 32), out=a_m)
      else:
        a_m.fill(k0)
      np.add(iota[:m], np.uint32((x1_start + start + k1) % 2 ** 32), out=b_m)
      _rounds_inplace(a_m, b_m, injections, tmp[:m])
      if out1 is None:
        np.bitwise_xor(a_m, b_m, out=out0[chunk])
      else:
        out0[chunk] = a_m
        out1[chunk] = b_m


def _key_words(keys: np.ndarray, extra_dims: int) -> tuple[np.ndarray, np.ndarray]:
  """The two words of each key in `keys` (shape (*K, 2)), with `extra_dims` trailing axes of
  size 1 so that they broadcast against per-key counters."""
  keys = np.asarray(keys, _U32)
  index = (...,) + (None,) * extra_dims
  return keys[..., 0][index], keys[..., 1][index]


def threefry_2x32(keys: np.ndarray, count: int) -> np.ndarray:
  """JAX's `threefry_2x32(key, arange(count))` for each key in `keys` (shape (*K, 2)): the
  counters are cut in halves that form the two counter words (padded with a 0 when odd) and the
  result is `concatenate([y0, y1])` without the pad. Shape (*K, count)."""
  half = (count + 1) // 2
  if keys.ndim == 1:
    words = np.empty(2 * half, _U32)
    _hash_counter_ranges(keys, half, words[:half], words[half:], x0_counts=True, x1_start=half)
    if count % 2:  # the last counter pair is (half - 1, 0), not (half - 1, 2 * half - 1)
      words[half - 1] = threefry2x32(keys[0], keys[1], half - 1, 0)[0]
    return words[:count]
  x0 = np.arange(half, dtype=_U32)
  x1 = np.arange(half, 2 * half, dtype=_U32)
  if count % 2:
    x1[-1] = 0
  k0, k1 = _key_words(keys, 1)
  y0, y1 = threefry2x32(k0, k1, x0, x1)
  return np.concatenate([y0, y1], axis=-1)[..., :count]


def _iota_2x32(shape) -> tuple[np.ndarray, np.ndarray]:
  """High and low words of the row-major 64-bit index of each element of `shape`."""
  size = math.prod(shape)
  if size <= 2 ** 32:
    return np.zeros((), _U32), np.arange(size, dtype=_U32).reshape(shape)
  index = np.arange(size, dtype=np.uint64).reshape(shape)
  return (index >> np.uint64(32)).astype(_U32), index.astype(_U32)


def _hash_indices(keys: np.ndarray, shape) -> tuple[np.ndarray, np.ndarray]:
  """`threefry2x32(key, hi(i), lo(i))` for every key and every index `i` of `shape`."""
  if keys.ndim == 1 and math.prod(shape) <= 2 ** 32:
    size = math.prod(shape)
    y0, y1 = np.empty(size, _U32), np.empty(size, _U32)
    _hash_counter_ranges(keys, size, y0, y1)
    return y0.reshape(shape), y1.reshape(shape)
  hi, lo = _iota_2x32(shape)
  k0, k1 = _key_words(keys, len(shape))
  return threefry2x32(k0, k1, hi, lo)


def seed(seeds: np.ndarray) -> np.ndarray:
  """Raw keys from integer seeds: `[seed >> 32, seed & 0xFFFFFFFF]` in the seed's own width. A
  logical shift by 32 of a 32-bit (or narrower) seed gives 0, as in XLA."""
  seeds = np.asarray(seeds)
  wide = seeds.astype(np.int64 if seeds.dtype.kind == "i" else np.uint64)
  if seeds.dtype.itemsize > 4:
    high = (wide.view(np.uint64) >> np.uint64(32)).astype(_U32)
  else:
    high = np.zeros(seeds.shape, _U32)
  low = wide.astype(_U32)  # two's complement, as `seed & 0xFFFFFFFF` after sign extension
  return np.stack([high, low], axis=-1)


def split(keys: np.ndarray, shape: tuple) -> np.ndarray:
  """New keys of shape `shape` from each key in `keys` (shape (*K, 2)): (*K, *shape, 2)."""
  keys = np.asarray(keys, _U32)
  if config.jax_threefry_partitionable:
    if keys.ndim == 1 and math.prod(shape) <= 2 ** 32:
      out = np.empty((math.prod(shape), 2), _U32)
      _hash_counter_ranges(keys, len(out), out[:, 0], out[:, 1])
      return out.reshape((*shape, 2))
    y0, y1 = _hash_indices(keys, shape)
    return np.stack([y0, y1], axis=-1)
  words = threefry_2x32(keys, 2 * math.prod(shape))
  return words.reshape((*keys.shape[:-1], *shape, 2))


def fold_in(keys: np.ndarray, data: np.ndarray) -> np.ndarray:
  """`threefry_2x32(key, [0, d])` for each key and (broadcast) uint32 datum: the same in both
  counter layouts."""
  keys = np.asarray(keys, _U32)
  y0, y1 = threefry2x32(keys[..., 0], keys[..., 1], np.zeros((), _U32), np.asarray(data, _U32))
  return np.stack([y0, y1], axis=-1)


def random_bits(keys: np.ndarray, bit_width: int, shape: tuple) -> np.ndarray:
  """Uniform random unsigned integers of `bit_width` bits and shape `shape` from each key in
  `keys` (shape (*K, 2)): an array of shape (*K, *shape)."""
  keys = np.asarray(keys, _U32)
  dtype = _UINT_DTYPES[bit_width]
  if config.jax_threefry_partitionable:
    if bit_width <= 32 and keys.ndim == 1 and math.prod(shape) <= 2 ** 32:
      bits = np.empty(math.prod(shape), _U32)
      _hash_counter_ranges(keys, bits.size, bits)
      bits = bits.reshape(shape)
      return bits if bit_width == 32 else bits.astype(dtype)
    y0, y1 = _hash_indices(keys, shape)
    if bit_width == 64:
      return (y0.astype(dtype) << np.uint64(32)) | y1.astype(dtype)
    y0 ^= y1
    return y0 if bit_width == 32 else y0.astype(dtype)
  batch = keys.shape[:-1]
  size = math.prod(shape)
  words = _legacy_words(keys, -(-bit_width * size // 32))
  if bit_width == 64:
    high, low = words[..., :size], words[..., size:]
    bits = (high.astype(dtype) << np.uint64(32)) | low.astype(dtype)
  elif bit_width == 32:
    bits = words
  else:
    # Each 32-bit word gives 32 // bit_width values, least significant bits first.
    pieces = 32 // bit_width
    shifts = np.arange(pieces, dtype=_U32) * np.uint32(bit_width)
    bits = (words[..., None] >> shifts).astype(dtype).reshape((*batch, -1))[..., :size]
  return bits.reshape((*batch, *shape))


def _legacy_words(keys: np.ndarray, count: int) -> np.ndarray:
  """`count` words of the legacy stream of each key. Beyond 2**32 - 1 words the stream is made
  of blocks, each from its own key split off the original one (as JAX does)."""
  block = 2 ** 32 - 1
  blocks, rest = divmod(count, block)
  if not blocks:
    return threefry_2x32(keys, count)
  subkeys = split(keys, (blocks + 1,))
  parts = [threefry_2x32(subkeys[..., i, :], block) for i in range(blocks)]
  parts.append(threefry_2x32(subkeys[..., blocks, :], rest))
  return np.concatenate(parts, axis=-1)
