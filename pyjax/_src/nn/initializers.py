"""`pyjax.nn.initializers`: parameter initializers, `init(key, shape, dtype) -> Array`, drawing the
same bits as JAX's for the same key (they are built on `pyjax.random`, which is bit-exact).

`out_sharding` is accepted for signature compatibility; with one device every placement is the
same, so it only matters where JAX rejects it (orthogonal, delta_orthogonal)."""
from __future__ import annotations

import math
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from pyjax import numpy as jnp
from pyjax import random
from pyjax._src import dtypes
from pyjax._src.lax.utils import canonicalize_shape
from pyjax._src.numpy.util import to_complex_dtype

__all__ = [
    "Initializer", "constant", "delta_orthogonal", "glorot_normal", "glorot_uniform", "he_normal",
    "he_uniform", "kaiming_normal", "kaiming_uniform", "lecun_normal", "lecun_uniform", "normal",
    "ones", "orthogonal", "truncated_normal", "uniform", "variance_scaling", "xavier_normal",
    "xavier_uniform", "zeros",
]


@runtime_checkable
class Initializer(Protocol):
  """What the initializer factories return: `init(key, shape, dtype=None, out_sharding=None)`."""

  def __call__(self, key, shape, dtype=None, out_sharding=None):
    raise NotImplementedError


def _dtype(dtype):
  return dtypes.default_float_dtype() if dtype is None else dtype


def zeros(key, shape, dtype=None, out_sharding=None):
  """An array of zeros (the key is unused)."""
  return jnp.zeros(shape, _dtype(dtype))


def ones(key, shape, dtype=None, out_sharding=None):
  """An array of ones (the key is unused)."""
  return jnp.ones(shape, _dtype(dtype))


def constant(value, dtype=None) -> Initializer:
  """An initializer filling arrays with `value`."""
  def init(key, shape, dtype=dtype, out_sharding=None):
    return jnp.full(shape, value, dtype=_dtype(dtype))
  return init


def uniform(scale=1e-2, dtype=None) -> Initializer:
  """An initializer drawing uniformly from [0, scale)."""
  def init(key, shape, dtype=dtype, out_sharding=None):
    dtype = _dtype(dtype)
    return random.uniform(key, shape, dtype) * jnp.array(scale, dtype)
  return init


def normal(stddev=1e-2, dtype=None) -> Initializer:
  """An initializer drawing from a centred normal distribution of standard deviation `stddev`."""
  def init(key, shape, dtype=dtype, out_sharding=None):
    dtype = _dtype(dtype)
    return random.normal(key, shape, dtype) * jnp.array(stddev, dtype)
  return init


def truncated_normal(stddev=1e-2, dtype=None, lower=-2.0, upper=2.0) -> Initializer:
  """An initializer drawing `stddev` times a standard normal truncated to (lower, upper)."""
  def init(key, shape, dtype=dtype, out_sharding=None):
    dtype = _dtype(dtype)
    return random.truncated_normal(key, lower, upper, shape, dtype) * jnp.array(stddev, dtype)
  return init


def _size(shape, axes) -> int:
  if isinstance(axes, int):
    return shape[axes]
  return math.prod(shape[i] for i in axes)


def _compute_fans(shape, in_axis=-2, out_axis=-1, batch_axis=()) -> tuple[float, float]:
  """(fan_in, fan_out): the input and output sizes, each times the receptive field size (the
  product of the dimensions that are neither input, output nor batch)."""
  if isinstance(in_axis, int) and in_axis == -2 and len(shape) <= 1:
    raise ValueError(f"Can't compute input and output sizes of a {len(shape)}-dimensional weights "
                     "tensor with default in_axis. Must be at least 2D or specify in_axis "
                     "explicitly.")
  in_size, out_size = _size(shape, in_axis), _size(shape, out_axis)
  receptive_field = math.prod(shape) / in_size / out_size / _size(shape, batch_axis)
  return in_size * receptive_field, out_size * receptive_field


def _complex_uniform(key, shape, dtype):
  """Uniform on the disk of radius sqrt(2) (so E|z|^2 = 1)."""
  key_r, key_theta = random.split(key)
  real_dtype = np.array(0, dtype).real.dtype
  dtype = to_complex_dtype(real_dtype)
  r = jnp.sqrt(2 * random.uniform(key_r, shape, real_dtype)).astype(dtype)
  theta = 2 * np.pi * random.uniform(key_theta, shape, real_dtype).astype(dtype)
  return r * jnp.exp(1j * theta)


def _complex_truncated_normal(key, upper, shape, dtype):
  """A complex normal with its modulus truncated to `upper` (inverse-CDF sampling of |z|)."""
  key_r, key_theta = random.split(key)
  real_dtype = np.array(0, dtype).real.dtype
  dtype = to_complex_dtype(real_dtype)
  t = ((1 - jnp.exp(jnp.array(-(upper ** 2), dtype)))
       * random.uniform(key_r, shape, real_dtype).astype(dtype))
  r = jnp.sqrt(-jnp.log(1 - t))
  theta = 2 * np.pi * random.uniform(key_theta, shape, real_dtype).astype(dtype)
  return r * jnp.exp(1j * theta)


# Standard deviations of a standard normal truncated to (-2, 2), and of the complex normal with
# modulus truncated to 2, used to rescale truncated draws to unit variance.
_TRUNCATED_STDDEV = 0.87962566103423978
_COMPLEX_TRUNCATED_STDDEV = 0.95311164380491208


def variance_scaling(scale, mode: str, distribution: str, in_axis: int | Sequence[int] = -2,
                     out_axis: int | Sequence[int] = -1, batch_axis: int | Sequence[int] = (),
                     dtype=None) -> Initializer:
  """An initializer whose draws have variance `scale / n`, n the fan given by `mode`
  ('fan_in', 'fan_out', 'fan_avg' or 'fan_geo_avg'), from a 'truncated_normal', 'normal' or
  'uniform' distribution (complex dtypes get the complex analogues)."""

  def init(key, shape, dtype=dtype, out_sharding=None):
    shape = canonicalize_shape(shape)
    dtype = _dtype(dtype)
    fan_in, fan_out = _compute_fans(shape, in_axis, out_axis, batch_axis)
    if mode == "fan_in":
      denominator = fan_in
    elif mode == "fan_out":
      denominator = fan_out
    elif mode == "fan_avg":
      denominator = (fan_in + fan_out) / 2
    elif mode == "fan_geo_avg":
      denominator = (fan_in * fan_out) ** 0.5
    else:
      raise ValueError(f"invalid mode for variance scaling initializer: {mode}")
    variance = jnp.array(scale / denominator, dtype=dtype)
    real = dtypes.issubdtype(dtype, np.floating)
    if distribution == "truncated_normal":
      if real:
        stddev = jnp.sqrt(variance) / jnp.array(_TRUNCATED_STDDEV, dtype)
        return random.truncated_normal(key, -2, 2, shape, dtype) * stddev
      stddev = jnp.sqrt(variance) / jnp.array(_COMPLEX_TRUNCATED_STDDEV, dtype)
      return _complex_truncated_normal(key, 2, shape, dtype) * stddev
    if distribution == "normal":
      return random.normal(key, shape, dtype) * jnp.sqrt(variance)
    if distribution == "uniform":
      if real:
        return random.uniform(key, shape, dtype, -1) * jnp.sqrt(3 * variance)
      return _complex_uniform(key, shape, dtype) * jnp.sqrt(variance)
    raise ValueError(f"invalid distribution for variance scaling initializer: {distribution}")

  return init


def _scaling(scale, mode, distribution):
  def factory(in_axis: int | Sequence[int] = -2, out_axis: int | Sequence[int] = -1,
              batch_axis: int | Sequence[int] = (), dtype=None) -> Initializer:
    return variance_scaling(scale, mode, distribution, in_axis=in_axis, out_axis=out_axis,
                            batch_axis=batch_axis, dtype=dtype)
  return factory


glorot_uniform = _scaling(1.0, "fan_avg", "uniform")
glorot_uniform.__name__ = "glorot_uniform"
glorot_uniform.__doc__ = "Glorot (Xavier) uniform: variance_scaling(1, 'fan_avg', 'uniform')."
glorot_normal = _scaling(1.0, "fan_avg", "truncated_normal")
glorot_normal.__name__ = "glorot_normal"
glorot_normal.__doc__ = ("Glorot (Xavier) normal: "
                         "variance_scaling(1, 'fan_avg', 'truncated_normal').")
lecun_uniform = _scaling(1.0, "fan_in", "uniform")
lecun_uniform.__name__ = "lecun_uniform"
lecun_uniform.__doc__ = "LeCun uniform: variance_scaling(1, 'fan_in', 'uniform')."
lecun_normal = _scaling(1.0, "fan_in", "truncated_normal")
lecun_normal.__name__ = "lecun_normal"
lecun_normal.__doc__ = "LeCun normal: variance_scaling(1, 'fan_in', 'truncated_normal')."
he_uniform = _scaling(2.0, "fan_in", "uniform")
he_uniform.__name__ = "he_uniform"
he_uniform.__doc__ = "He (Kaiming) uniform: variance_scaling(2, 'fan_in', 'uniform')."
he_normal = _scaling(2.0, "fan_in", "truncated_normal")
he_normal.__name__ = "he_normal"
he_normal.__doc__ = "He (Kaiming) normal: variance_scaling(2, 'fan_in', 'truncated_normal')."
xavier_uniform, xavier_normal = glorot_uniform, glorot_normal
kaiming_uniform, kaiming_normal = he_uniform, he_normal


def _no_sharding(out_sharding, name):
  if out_sharding is not None:
    raise NotImplementedError(f"{name} does not support out_sharding")


def orthogonal(scale=1.0, column_axis: int = -1, dtype=None) -> Initializer:
  """An initializer drawing (scaled) matrices with orthonormal columns along `column_axis`, the
  other dimensions flattened into rows (or orthonormal rows when they are fewer)."""

  def init(key, shape, dtype=dtype, out_sharding=None):
    _no_sharding(out_sharding, "orthogonal")
    dtype = _dtype(dtype)
    shape = canonicalize_shape(shape)
    if len(shape) < 2:
      raise ValueError("orthogonal initializer requires at least a 2D shape")
    if any(dim == 0 for dim in shape):
      return jnp.zeros(shape, dtype=dtype)
    n_cols = shape[column_axis]
    n_rows = math.prod(shape) // n_cols
    q = random.orthogonal(key, n_rows, (), dtype, n_cols)
    q = jnp.reshape(q, tuple(np.delete(shape, column_axis)) + (n_cols,))
    return jnp.array(scale, dtype) * jnp.moveaxis(q, -1, column_axis)

  return init


def delta_orthogonal(scale=1.0, column_axis: int = -1, dtype=None) -> Initializer:
  """An initializer for 1-, 2- and 3-D convolution kernels (shape (*spatial, in, out), in <= out):
  zero except at the spatial centre, which holds an orthogonal matrix (Xiao et al., 2018)."""

  def init(key, shape, dtype=dtype, out_sharding=None):
    _no_sharding(out_sharding, "delta_orthogonal")
    dtype = _dtype(dtype)
    shape = canonicalize_shape(shape)
    if len(shape) not in (3, 4, 5):
      raise ValueError("Delta orthogonal initializer requires a 3D, 4D or 5D shape.")
    if shape[-1] < shape[-2]:
      raise ValueError("`fan_in` must be less or equal than `fan_out`. ")
    matrix = orthogonal(scale=scale, column_axis=column_axis, dtype=dtype)(key, shape[-2:])
    centre = tuple((k - 1) // 2 for k in shape[:-2])
    return jnp.zeros(shape, dtype=dtype).at[centre].set(matrix)

  return init

