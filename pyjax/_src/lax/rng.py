"""XLA's stateless bit generators (`rng_bit_generator`): Threefry-2x32 and Philox-4x32 counter
streams driven by a 128-bit key/state, bit-exact with XLA on the CPU.

The key is `u32[4]` (or `u64[2]` with x64): the first 64-bit word keys the block cipher, the second
is a counter that the generator advances by the number of blocks it consumed and returns as the
new key. The word order is XLA's: a `u32[4]` key is read as two little-endian 64-bit words.
"""
from __future__ import annotations

import enum
import math

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.avals import ShapedArray
from pyjax._src.core import Primitive
from pyjax._src.interpreters import ad, batching
from pyjax._src.lax import lax
from pyjax._src.lax.utils import canonicalize_shape
from pyjax._src.random.threefry import threefry2x32

_U32, _U64 = np.dtype(np.uint32), np.dtype(np.uint64)
_BITS_DTYPES = tuple(np.dtype(t) for t in (np.uint8, np.uint16, np.uint32, np.uint64))
# Philox-4x32-10 constants (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3").
_PHILOX_MULTIPLIERS = (0xD2511F53, 0xCD9E8D57)
_PHILOX_WEYL = (np.uint32(0x9E3779B9), np.uint32(0xBB67AE85))


class RandomAlgorithm(enum.IntEnum):
  """The bit generator `rng_bit_generator` runs; RNG_DEFAULT is Philox on the CPU."""
  RNG_DEFAULT = 0
  RNG_THREE_FRY = 1
  RNG_PHILOX = 2

  def __str__(self):
    return self.name  # jaxprs print `algorithm=RNG_DEFAULT`


def _split_u64(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
  """(low, high) 32-bit words of uint64 values."""
  return (x & np.uint64(0xFFFFFFFF)).astype(_U32), (x >> np.uint64(32)).astype(_U32)


def _key_words(key: np.ndarray) -> tuple[np.uint64, np.uint64]:
  """The (cipher key, counter) 64-bit words of a u32[4] or u64[2] key."""
  if key.dtype == _U32:
    key = key.astype(_U64)
    key = key[0::2] | (key[1::2] << np.uint64(32))
  return key[0], key[1]


def _threefry_blocks(cipher_key, counter, blocks: int) -> tuple[np.ndarray, np.ndarray]:
  """The two output words of Threefry-2x32 for the 64-bit counters `counter + arange(blocks)`."""
  with np.errstate(over="ignore"):
    x0, x1 = _split_u64(np.arange(blocks, dtype=_U64) + counter)
  k0, k1 = _split_u64(cipher_key)
  return threefry2x32(k0, k1, x0, x1)


def _threefry_words(cipher_key, counter, shape: tuple) -> tuple[np.ndarray, int]:
  """32-bit words of `shape` laid out as XLA does: one axis is halved (the one leaving the fewest
  counters, the first on ties), each counter of the halved shape hashes to two words, and the
  two words take neighbouring positions along that axis (the extra one dropped if it is odd)."""
  dims = shape or (1,)
  halved = [math.prod(dims[:a]) * -(-d // 2) * math.prod(dims[a + 1:])
            for a, d in enumerate(dims)]
  axis = halved.index(min(halved))
  half_shape = dims[:axis] + (-(-dims[axis] // 2),) + dims[axis + 1:]
  y0, y1 = _threefry_blocks(cipher_key, counter, halved[axis])
  words = np.stack([y0.reshape(half_shape), y1.reshape(half_shape)], axis=axis + 1)
  words = words.reshape(dims[:axis] + (2 * half_shape[axis],) + dims[axis + 1:])
  return words[(slice(None),) * axis + (slice(0, dims[axis]),)], halved[axis]


def _philox_words(cipher_key, counter, count: int) -> tuple[np.ndarray, int]:
  """`count` 32-bit words: each 128-bit counter (low half the counter word plus the block index,
  high half the cipher key plus the carry) hashes to four consecutive words."""
  blocks = -(-count // 4)
  with np.errstate(over="ignore"):
    low = np.arange(blocks, dtype=_U64) + counter
    high = cipher_key + (low < counter).astype(_U64)
    v = [*_split_u64(low), *_split_u64(high)]
    k0, k1 = _split_u64(cipher_key)
    for _ in range(10):
      products = [v[0].astype(_U64) * np.uint64(_PHILOX_MULTIPLIERS[0]),
                  v[2].astype(_U64) * np.uint64(_PHILOX_MULTIPLIERS[1])]
      (low0, high0), (low1, high1) = _split_u64(products[0]), _split_u64(products[1])
      v = [high1 ^ v[1] ^ k0, low1, high0 ^ v[3] ^ k1, low0]
      k0, k1 = k0 + _PHILOX_WEYL[0], k1 + _PHILOX_WEYL[1]
  return np.stack(v, axis=1).reshape(-1)[:count], blocks


def _rng_bit_generator_impl(key, *, shape, dtype, algorithm, out_sharding):
  if not ((key.dtype == _U32 and key.shape == (4,)) or (key.dtype == _U64 and key.shape == (2,))):
    raise TypeError("rng_bit_generator requires a key of shape (4,) and dtype uint32 (or shape "
                    f"(2,) and dtype uint64), got {ShapedArray(key.shape, key.dtype)}.")
  cipher_key, counter = _key_words(key)
  size = math.prod(shape)
  if algorithm == RandomAlgorithm.RNG_THREE_FRY and dtype == _U64:
    # One counter per element; its two words are the low and high halves.
    low, high = _threefry_blocks(cipher_key, counter, size)
    words, blocks = np.stack([low, high], axis=1).reshape(-1), size
  elif algorithm == RandomAlgorithm.RNG_THREE_FRY:
    words, blocks = _threefry_words(cipher_key, counter, shape)
  else:
    words, blocks = _philox_words(cipher_key, counter, 2 * size if dtype == _U64 else size)
  if dtype == _U64:  # two consecutive words per element, the low one first
    bits = words[0::2].astype(_U64) | (words[1::2].astype(_U64) << np.uint64(32))
  else:
    bits = words.astype(dtype)  # narrower outputs keep each word's low bits
  new_key = key.copy()
  with np.errstate(over="ignore"):
    new_counter = counter + np.uint64(blocks)
  if key.dtype == _U32:
    new_key[2:] = _split_u64(new_counter)
  else:
    new_key[1] = new_counter
  return [new_key, bits.reshape(shape)]


def _rng_bit_generator_abstract_eval(key, *, shape, dtype, algorithm, out_sharding):
  return [ShapedArray(key.shape, key.dtype), ShapedArray(shape, dtype)]


rng_bit_generator_p = Primitive("rng_bit_generator", multiple_results=True)
rng_bit_generator_p.def_impl(_rng_bit_generator_impl)
rng_bit_generator_p.def_abstract_eval(_rng_bit_generator_abstract_eval)
rng_bit_generator_p.weak_type_rule = lambda *weak_types, **params: [False, False]
ad.defjvp_zero(rng_bit_generator_p)


def _rng_bit_generator_batcher(axis_data, vals, dims, *, shape, **params):
  # As JAX does: a batch of keys draws one block of bits from the first key, one row per batch
  # member, and only the first key advances.
  keys, = vals
  dim, = dims
  if dim is None:
    return rng_bit_generator_p.bind(keys, shape=shape, **params), [None, None]
  keys = batching.moveaxis(keys, dim, 0)
  new_key, bits = rng_bit_generator_p.bind(keys[0], shape=(axis_data.size, *shape), **params)
  new_keys = lax.dynamic_update_index_in_dim(keys, new_key, 0, axis=0)
  return [new_keys, bits], [0, 0]


batching.primitive_batchers[rng_bit_generator_p] = _rng_bit_generator_batcher


def rng_bit_generator(key, shape, dtype=np.uint32, algorithm=RandomAlgorithm.RNG_DEFAULT, *,
                      out_sharding=None):
  """Stateless pseudo-random bits of `shape` and unsigned `dtype` from `key`, with XLA's
  generators; returns `(new_key, bits)`, the new key being the state to draw from next."""
  shape = canonicalize_shape(shape)
  requested = np.dtype(dtype)
  dtype = dtypes.check_user_dtype_supported(dtype, "rng_bit_generator")
  if requested not in _BITS_DTYPES:
    raise TypeError(f"rng_bit_generator: unsupported dtype {requested.name}")
  algorithm = RandomAlgorithm(algorithm)
  new_key, bits = rng_bit_generator_p.bind(key, shape=shape, dtype=dtype, algorithm=algorithm,
                                           out_sharding=out_sharding)
  return new_key, bits


# XLA's `rng` is stateful: each call draws fresh values from a process-wide generator. pyjax's
# generator is its own (values cannot match XLA's bit for bit); only the distribution is JAX's.
_rng_uniform_state = np.random.Generator(np.random.Philox(0))
# The element types XLA's `rng` runs on (others fail to compile in JAX).
_RNG_UNIFORM_DTYPES = tuple(np.dtype(t) for t in (np.int32, np.uint32, np.int64, np.uint64,
                                                  np.float16, dtypes.bfloat16, np.float32,
                                                  np.float64))


def _rng_uniform_impl(a, b, *, shape):
  dtype = a.dtype
  if dtype not in _RNG_UNIFORM_DTYPES:
    raise ValueError(f"rng_uniform cannot run on dtype {dtype.name} (XLA's rng supports "
                     f"{', '.join(d.name for d in _RNG_UNIFORM_DTYPES)}); draw in float32 or "
                     "int32 and convert the result with lax.convert_element_type.")
  if dtypes.issubdtype(dtype, np.integer):
    # Unsigned arithmetic modulo 2**bits, as XLA: a + (draw mod (b - a)), with an empty range
    # (a == b) drawing from every value and a > b wrapping around.
    unsigned = np.dtype(f"uint{dtype.itemsize * 8}")
    low, high = a.astype(unsigned), b.astype(unsigned)
    with np.errstate(over="ignore"):
      span = high - low
      if span == 0:
        offset = _rng_uniform_state.integers(0, np.iinfo(unsigned).max, size=shape,
                                             dtype=unsigned, endpoint=True)
      else:
        offset = _rng_uniform_state.integers(0, span, size=shape, dtype=unsigned)
      return (offset + low).astype(dtype)
  low, high = np.float64(a), np.float64(b)
  with np.errstate(invalid="ignore", over="ignore"):
    out = np.asarray(low + (high - low) * _rng_uniform_state.random(shape)).astype(dtype)
    if low < high:  # rounding to `dtype` must not reach b: the interval is half-open
      out = np.minimum(out, np.nextafter(b, a))
  return out


def _rng_uniform_abstract_eval(a, b, *, shape):
  if a.shape or b.shape:
    raise ValueError(f"Arguments to rng_uniform must be scalars; got shapes {a.shape} and "
                     f"{b.shape}.")
  if a.dtype != b.dtype:
    raise ValueError(f"Arguments to rng_uniform must have identical dtypes, got {a.dtype.name} "
                     f"and {b.dtype.name}.")
  return ShapedArray(shape, a.dtype)


rng_uniform_p = Primitive("rng_uniform")
rng_uniform_p.def_impl(_rng_uniform_impl)
rng_uniform_p.def_abstract_eval(_rng_uniform_abstract_eval)
# As in JAX: no differentiation rule, so jvp/grad with respect to a bound raises
# NotImplementedError, and vmap over a bound raises JAX's error (draws that depend on nothing
# traced run as they are).


def _rng_uniform_batcher(axis_data, vals, dims, **params):
  raise NotImplementedError("Batching rule for 'rng_uniform' not implemented")


batching.primitive_batchers[rng_uniform_p] = _rng_uniform_batcher


def rng_uniform(a, b, shape):
  """Stateful pseudo-random values of `shape`, uniform in [a, b), from scalar bounds `a` and `b`
  of one dtype. Each call draws fresh values; prefer `pyjax.random` for reproducible ones."""
  if not hasattr(shape, "__iter__"):
    raise TypeError(f"rng_uniform's shape must be a sequence of integers, got {shape!r}; "
                    f"write e.g. ({shape!r},) for a 1-D result.")
  return rng_uniform_p.bind(a, b, shape=canonicalize_shape(shape))


def random_gamma_grad(a, x):
  """The derivative of a Gamma(a, 1) sample `x` with respect to `a` at a fixed quantile
  (implicit reparameterization): -(dP/da) / (dP/dx) with P the regularized incomplete gamma
  function. Half-precision operands are computed in float32 and rounded back, as in JAX."""
  from pyjax._src.random.rejection import random_gamma_grad_p  # random builds on lax
  a_aval, x_aval = core.get_aval(a), core.get_aval(x)
  for aval in (a_aval, x_aval):
    if not dtypes.issubdtype(aval.dtype, np.inexact):
      raise TypeError(f"log does not accept dtype {aval.dtype.name}. Accepted dtypes are "
                      "subtypes of floating, complexfloating.")
  if a_aval.dtype != x_aval.dtype:
    raise TypeError(f"lax.gt requires arguments to have the same dtypes, got "
                    f"{x_aval.dtype.name}, {a_aval.dtype.name}.")
  shape = lax.broadcast_shapes(a_aval.shape, x_aval.shape)
  a, x = (lax.broadcast_in_dim(lax.broadcast_to_rank(v, len(shape)), shape, tuple(range(
      len(shape)))) for v in (a, x))
  dtype = a_aval.dtype
  if dtype in (dtypes.bfloat16, np.float16):
    return lax.convert_element_type(random_gamma_grad_p.bind(
        *(lax.convert_element_type(v, np.float32) for v in (a, x))), dtype)
  return random_gamma_grad_p.bind(a, x)


__all__ = ["RandomAlgorithm", "random_gamma_grad", "rng_bit_generator", "rng_uniform"]
