"""Typed PRNG keys: the `key<impl>` extended dtype, the primitives on key arrays and the public
key functions (`key`, `PRNGKey`, `split`, `fold_in`, `bits`...).

A key array is an ordinary `Array` whose dtype is a `KeyTy`. Its eager value is a NumPy array of
the key type's structured *storage* dtype, one element per key, whose single field holds the
raw key data (`uint32[2]` for threefry). NumPy's indexing, reshaping and concatenation therefore
apply to keys unchanged, so the shape primitives of lax work on key arrays without special cases;
only the random primitives below look inside a key.
"""
from __future__ import annotations

import math
import operator
import warnings
from typing import Callable, Sequence

import numpy as np

from pyjax._src import core, dtypes
from pyjax._src.array import Array
from pyjax._src.avals import ShapedArray
from pyjax._src.core import Primitive, Tracer
from pyjax._src.interpreters import ad, batching
from pyjax._src.lax.utils import canonicalize_shape, never_weak
from pyjax._src.numpy import creation
from pyjax._src.random import threefry

_U32 = np.dtype(np.uint32)


# ------------------------------------------------------------------------------------------------
# PRNG implementations and the key dtype

class PRNGImpl:
  """A PRNG implementation: the shape of its raw keys and NumPy functions on raw key data (each
  takes raw keys with any leading batch shape)."""
  __slots__ = ("name", "tag", "key_shape", "seed", "split", "fold_in", "random_bits")

  def __init__(self, *, name: str, tag: str, key_shape: tuple, seed: Callable, split: Callable,
               fold_in: Callable, random_bits: Callable):
    self.name = name
    self.tag = tag
    self.key_shape = key_shape
    self.seed = seed
    self.split = split
    self.fold_in = fold_in
    self.random_bits = random_bits

  def __str__(self):  # as in jaxpr params: random_wrap[impl=fry]
    return self.tag

  def __repr__(self):
    return f"PRNGImpl({self.name!r})"


threefry_prng_impl = PRNGImpl(
    name="threefry2x32", tag="fry", key_shape=(2,), seed=threefry.seed, split=threefry.split,
    fold_in=threefry.fold_in, random_bits=threefry.random_bits)

prngs: dict[str, PRNGImpl] = {threefry_prng_impl.name: threefry_prng_impl}


class KeyTy:
  """The dtype of arrays of PRNG keys of one implementation (`key<fry>`): an extended dtype."""
  _is_extended_dtype = True
  type = dtypes.prng_key
  kind = "V"
  numpy_conversion_message = (
      "JAX array with PRNGKey dtype cannot be converted to a NumPy array. Use "
      "jax.random.key_data(arr) if you wish to extract the underlying integer array.")

  def __init__(self, impl: PRNGImpl):
    self._impl = impl
    # The eager storage: one structured element per key, its field holding the raw key data.
    self.storage = np.dtype([(impl.name, _U32, impl.key_shape)])

  @property
  def name(self) -> str:
    return f"key<{self._impl.tag}>"

  @property
  def itemsize(self) -> int:
    return self.storage.itemsize

  def __repr__(self):
    return self.name

  __str__ = __repr__

  def __eq__(self, other):
    return type(other) is KeyTy and other._impl is self._impl

  def __hash__(self):
    return hash((KeyTy, self._impl.name))

  # --- between raw key data and storage ------------------------------------------------------
  def wrap(self, data: np.ndarray) -> np.ndarray:
    """Storage for raw key data of shape (*shape, *key_shape)."""
    data = np.ascontiguousarray(data, _U32)
    batch = data.shape[:data.ndim - len(self._impl.key_shape)]
    return data.reshape((*batch, math.prod(self._impl.key_shape))).view(self.storage)[..., 0]

  def unwrap(self, storage) -> np.ndarray:
    """The raw key data (*shape, *key_shape) of storage of shape `shape`."""
    return np.asarray(storage)[self._impl.name]

  def format_array(self, storage) -> str:
    storage = np.asarray(storage)
    return f"Array({storage.shape}, dtype={self.name}) overlaying:\n{self.unwrap(storage)}"


_key_types: dict[str, KeyTy] = {}


def key_type(impl: PRNGImpl) -> KeyTy:
  """The key dtype of `impl` (one object per implementation)."""
  ty = _key_types.get(impl.name)
  if ty is None:
    ty = _key_types[impl.name] = KeyTy(impl)
    dtypes.register_extended_storage(ty, ty.storage)
  return ty


def _is_key_dtype(dtype) -> bool:
  return type(dtype) is KeyTy


# ------------------------------------------------------------------------------------------------
# Primitives

def _key_primitive(name: str, abstract_eval: Callable, impl: Callable) -> Primitive:
  p = Primitive(name)
  p.weak_type_rule = never_weak
  p.def_abstract_eval(abstract_eval)
  p.def_impl(impl)
  return p


def _check_key_aval(name: str, aval: ShapedArray) -> KeyTy:
  if not _is_key_dtype(aval.dtype):
    raise TypeError(f"{name} takes a key array operand, got dtype {aval.dtype}")
  return aval.dtype


def _key_dtype_of_storage(storage) -> KeyTy:
  return dtypes.logical_dtype(np.asarray(storage).dtype)


# random_seed: integer seeds -> keys

def _seed_abstract_eval(seeds, *, impl):
  if not dtypes.issubdtype(seeds.dtype, np.integer):
    raise TypeError(f"PRNG key seed must be an integer; got dtype {seeds.dtype}")
  return ShapedArray(seeds.shape, key_type(impl))


random_seed_p = _key_primitive(
    "random_seed", _seed_abstract_eval,
    lambda seeds, *, impl: key_type(impl).wrap(impl.seed(seeds)))


# random_split: keys -> keys of shape (*keys.shape, *shape)

def _split_abstract_eval(keys, *, shape):
  ty = _check_key_aval("random_split", keys)
  return ShapedArray((*keys.shape, *shape), ty)


def _split_impl(keys, *, shape):
  ty = _key_dtype_of_storage(keys)
  return ty.wrap(ty._impl.split(ty.unwrap(keys), shape))


random_split_p = _key_primitive("random_split", _split_abstract_eval, _split_impl)


# random_fold_in: keys and uint32 data (broadcast together) -> keys

def _fold_in_abstract_eval(keys, msgs):
  ty = _check_key_aval("random_fold_in", keys)
  if msgs.dtype != _U32:
    raise TypeError(f"random_fold_in takes uint32 data, got dtype {msgs.dtype}")
  try:
    shape = np.broadcast_shapes(keys.shape, msgs.shape)
  except ValueError:
    raise TypeError(f"random_fold_in got incompatible shapes for broadcasting: {keys.shape}, "
                    f"{msgs.shape}.") from None
  return ShapedArray(shape, ty)


def _fold_in_impl(keys, msgs):
  ty = _key_dtype_of_storage(keys)
  data = ty.unwrap(keys)
  shape = np.broadcast_shapes(data.shape[:-1], np.shape(msgs))
  data = np.broadcast_to(data, (*shape, data.shape[-1]))
  return ty.wrap(ty._impl.fold_in(data, np.broadcast_to(msgs, shape)))


random_fold_in_p = _key_primitive("random_fold_in", _fold_in_abstract_eval, _fold_in_impl)


# random_bits: keys -> unsigned integers of shape (*keys.shape, *shape)

_UINT_BY_WIDTH = {8: np.dtype(np.uint8), 16: np.dtype(np.uint16), 32: _U32,
                  64: np.dtype(np.uint64)}


def _bits_abstract_eval(keys, *, bit_width, shape):
  _check_key_aval("random_bits", keys)
  if bit_width not in _UINT_BY_WIDTH:
    raise TypeError("requires 8-, 16-, 32- or 64-bit field width.")
  return ShapedArray((*keys.shape, *shape), _UINT_BY_WIDTH[bit_width])


def _bits_impl(keys, *, bit_width, shape):
  ty = _key_dtype_of_storage(keys)
  return ty._impl.random_bits(ty.unwrap(keys), bit_width, shape)


random_bits_p = _key_primitive("random_bits", _bits_abstract_eval, _bits_impl)


# random_wrap / random_unwrap: raw uint32 key data <-> keys

def _wrap_abstract_eval(data, *, impl):
  n = len(impl.key_shape)
  if data.dtype != _U32 or tuple(data.shape[data.ndim - n:]) != impl.key_shape or data.ndim < n:
    raise TypeError(f"random_wrap takes uint32 key data of shape (..., "
                    f"{', '.join(map(str, impl.key_shape))}), got {data.str_short()}")
  return ShapedArray(data.shape[:data.ndim - n], key_type(impl))


random_wrap_p = _key_primitive("random_wrap", _wrap_abstract_eval,
                               lambda data, *, impl: key_type(impl).wrap(data))


def _unwrap_abstract_eval(keys):
  ty = _check_key_aval("random_unwrap", keys)
  return ShapedArray((*keys.shape, *ty._impl.key_shape), _U32)


random_unwrap_p = _key_primitive(
    "random_unwrap", _unwrap_abstract_eval,
    lambda keys: np.array(_key_dtype_of_storage(keys).unwrap(keys)))


# random_clone: a copy of keys (a no-op here; it marks reuse as deliberate in JAX)

random_clone_p = _key_primitive(
    "random_clone", lambda keys: ShapedArray(keys.shape, _check_key_aval("random_clone", keys)),
    lambda keys: keys)


# Keys and random bits are not differentiable: their tangents are float0 zeros.
for _p in (random_seed_p, random_split_p, random_fold_in_p, random_bits_p, random_wrap_p,
           random_unwrap_p, random_clone_p):
  ad.defjvp_zero(_p)

# Batching: the primitives act on key arrays of any shape, keys' dimensions first, so a batch
# dimension passes through; raw key data keeps its key words last.
for _p in (random_seed_p, random_split_p, random_bits_p, random_unwrap_p, random_clone_p):
  batching.defvectorized(_p)
batching.defbroadcasting(random_fold_in_p)


def _wrap_batcher(axis_data, vals, dims, *, impl):
  data, = vals
  return random_wrap_p.bind(batching.bdim_at_front(data, dims[0], axis_data.size), impl=impl), 0


batching.primitive_batchers[random_wrap_p] = _wrap_batcher


# ------------------------------------------------------------------------------------------------
# Keys given by users: typed keys pass through, raw uint32 keys are wrapped

def is_key_array(x) -> bool:
  return isinstance(x, (Array, Tracer)) and _is_key_dtype(x.dtype)


def default_prng_impl() -> PRNGImpl:
  return threefry_prng_impl


def _check_raw_key_data(impl: PRNGImpl, data) -> None:
  if not all(hasattr(data, a) for a in ("ndim", "shape", "dtype")):
    raise TypeError("JAX encountered invalid PRNG key data: expected key_data to have ndim, "
                    f"shape, and dtype attributes. Got {data}")
  n = len(impl.key_shape)
  if data.ndim < 1:
    raise TypeError("JAX encountered invalid PRNG key data: expected key_data.ndim >= 1; got "
                    f"ndim={data.ndim}")
  if tuple(data.shape[-n:]) != impl.key_shape:
    raise TypeError("JAX encountered invalid PRNG key data: expected key_data.shape to end with "
                    f"{impl.key_shape}; got shape={data.shape} for impl={impl.name}")
  if data.dtype != _U32:
    raise TypeError("JAX encountered invalid PRNG key data: expected key_data.dtype = uint32; "
                    f"got dtype={data.dtype}")


def random_wrap(data, *, impl: PRNGImpl):
  _check_raw_key_data(impl, data)
  return random_wrap_p.bind(data, impl=impl)


def check_prng_key(name: str, key, *, allow_batched: bool = False) -> tuple:
  """(typed key, whether `key` was a raw uint32 key that had to be wrapped)."""
  if is_key_array(key):
    typed, wrapped = key, False
  elif isinstance(key, (Array, Tracer, np.ndarray, np.generic)):
    typed, wrapped = random_wrap(key, impl=default_prng_impl()), True
  else:
    raise TypeError(f"unexpected PRNG key type {type(key)}")
  if not allow_batched and typed.ndim:
    raise ValueError(f"{name} accepts a single key, but was given a key array of shape "
                     f"{np.shape(key)} != (). Use jax.vmap for batching.")
  return typed, wrapped


def _return_keys(wrapped: bool, keys):
  return random_unwrap_p.bind(keys) if wrapped else keys


# ------------------------------------------------------------------------------------------------
# Public key functions

def resolve_prng_impl(impl_spec) -> PRNGImpl:
  if impl_spec is None:
    return default_prng_impl()
  if isinstance(impl_spec, PRNGImpl):
    return impl_spec
  if isinstance(impl_spec, PRNGSpec):
    return impl_spec._impl
  if isinstance(impl_spec, KeyTy):
    return impl_spec._impl
  if isinstance(impl_spec, str):
    if impl_spec in prngs:
      return prngs[impl_spec]
    names = ", ".join(f'"{s}"' for s in prngs)
    raise ValueError(f'unrecognized PRNG implementation "{impl_spec}". Did you mean one of: '
                     f"{names}?")
  raise TypeError(f"unrecognized type {type(impl_spec)} for specifying PRNG implementation.")


class PRNGSpec:
  """Names a PRNG implementation (what `key_impl` returns for unregistered implementations)."""
  __slots__ = ("_impl",)

  def __init__(self, impl: PRNGImpl):
    self._impl = impl

  def __repr__(self):
    return f"PRNGSpec({self._impl.name!r})"

  def __str__(self):
    return str(self._impl)

  def __eq__(self, other):
    return isinstance(other, PRNGSpec) and self._impl is other._impl

  def __hash__(self):
    return hash(self._impl.name)


def key_dtype(impl=None) -> KeyTy:
  """The dtype of keys of a PRNG implementation (by default threefry2x32: `key<fry>`)."""
  return key_type(resolve_prng_impl(impl))


def _seed_array(seed):
  # Python ints go through int64 so that large seeds (e.g. hashes) wrap in 32-bit mode rather
  # than overflow, as in JAX.
  if isinstance(seed, int):  # bool included
    return Array(*core.canonicalize_value(np.int64(seed)))
  return seed


def _random_seed(ctor_name: str, seed, impl) -> Array:
  impl = resolve_prng_impl(impl)
  if hasattr(seed, "dtype") and _is_key_dtype(seed.dtype):
    raise TypeError(f"{ctor_name} accepts a scalar seed, but was given a PRNG key.")
  if np.ndim(seed):
    raise TypeError(f"{ctor_name} accepts a scalar seed, but was given an array of shape "
                    f"{np.shape(seed)} != (). Use jax.vmap for batching")
  seed = _seed_array(seed)
  if not dtypes.issubdtype(dtypes.dtype(seed), np.integer):
    raise TypeError(f"PRNG key seed must be an integer; got {seed!r}")
  return random_seed_p.bind(seed, impl=impl)


def key(seed, *, impl=None, dtype=None) -> Array:
  """A typed PRNG key (a scalar array of dtype `key<fry>`) from an integer seed."""
  if dtype is not None:
    if impl is not None:
      raise ValueError("Cannot specify both `impl` and `dtype` arguments to jax.random.key")
    impl = dtype
  return _random_seed("key", seed, impl)


def PRNGKey(seed, *, impl=None) -> Array:  # noqa: N802  (JAX's name)
  """A legacy raw PRNG key (a `uint32[2]` array) from an integer seed."""
  return random_unwrap_p.bind(_random_seed("PRNGKey", seed, impl))


def fold_in(key, data) -> Array:
  """A new key that is a deterministic function of `key` and the 32-bit integer `data`."""
  typed, wrapped = check_prng_key("fold_in", key)
  if np.ndim(data):
    raise TypeError("fold_in accepts a scalar, but was given an array of"
                    f"shape {np.shape(data)} != (). Use jax.vmap for batching.")
  return _return_keys(wrapped, random_fold_in_p.bind(typed, creation.asarray(data, _U32)))


def _split(key, num: int | Sequence[int] = 2):
  """`split` for typed keys (used inside samplers)."""
  if key.ndim:
    raise TypeError("split accepts a single key, but was given a key array of shape "
                    f"{key.shape} != (). Use jax.vmap for batching.")
  shape = tuple(num) if isinstance(num, Sequence) else (num,)
  return random_split_p.bind(key, shape=canonicalize_shape(shape))


def split(key, num: int | Sequence[int] = 2) -> Array:
  """`num` new keys (or an array of keys of shape `num`) derived from `key`."""
  typed, wrapped = check_prng_key("split", key)
  return _return_keys(wrapped, _split(typed, num))


def key_impl(keys):
  """The name of the PRNG implementation of `keys`."""
  typed, _ = check_prng_key("key_impl", keys, allow_batched=True)
  impl = typed.dtype._impl
  return impl.name if impl.name in prngs else PRNGSpec(impl)


def key_data(keys) -> Array:
  """The raw `uint32` data underlying an array of keys (shape `(*keys.shape, 2)`)."""
  typed, _ = check_prng_key("key_data", keys, allow_batched=True)
  return random_unwrap_p.bind(typed)


def wrap_key_data(key_bits_array, *, impl=None, dtype=None) -> Array:
  """An array of typed keys from raw key data whose trailing axis holds each key's words."""
  if dtype is not None:
    if impl is not None:
      raise ValueError("Cannot specify both `impl` and `dtype` arguments to "
                       "jax.random.wrap_key_data")
    impl = dtype
  return random_wrap(key_bits_array, impl=resolve_prng_impl(impl))


def clone(key):
  """A copy of `key`, marking its reuse as deliberate."""
  return random_clone_p.bind(key)


def random_bits(key, bit_width: int, shape: tuple):
  """Raw random bits from a typed key (used by the samplers)."""
  return random_bits_p.bind(key, bit_width=bit_width, shape=shape)


def bits(key, shape: Sequence[int] = (), dtype=None, *, out_sharding=None) -> Array:
  """Uniform random unsigned integers of `dtype` (default uint32, uint64 under x64)."""
  typed, _ = check_prng_key("bits", key)
  if dtype is None:
    dtype = dtypes.default_uint_dtype()
  else:
    dtype = dtypes.check_user_dtype_supported(dtype, "bits")
  if not dtypes.issubdtype(dtype, np.unsignedinteger):
    raise ValueError(f"dtype argument to `bits` must be an unsigned int dtype, got {dtype}")
  shape = canonicalize_shape(shape)
  return random_bits(typed, dtype.itemsize * 8, shape)
