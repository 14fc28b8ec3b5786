"""Samplers with data-dependent loops, as primitives: `random_gamma` (Marsaglia-Tsang, as JAX's
primitive of that name) and `random_poisson` (JAX's Knuth and transformed-rejection loops).

Their NumPy implementations run JAX's algorithms on whole arrays, keeping each element on the key
stream JAX gives it: the same splits, the same draws, the same acceptance tests. Values agree
with JAX's up to the rounding of `log`, `pow` and `lgamma`, which differ between libraries in the
last bit (so an acceptance decision at its boundary can, rarely, differ).
"""
from __future__ import annotations

import math

import numpy as np

from pyjax._src import dtypes
from pyjax._src.avals import ShapedArray
from pyjax._src.core import Primitive
from pyjax._src.interpreters import ad, batching
from pyjax._src.lax import lax, special_math
from pyjax._src.lax.utils import never_weak
from pyjax._src.random.keys import KeyTy

_F64 = np.dtype(np.float64)


# ------------------------------------------------------------------------------------------------
# Scalar draws for many keys at once (NumPy)


def _fma(a, b, c, dtype):
  """a * b + c rounded once for float32 and float64 (XLA's CPU fusion), per operation below."""
  if dtype == np.float32:
    return (a.astype(_F64) * b + c).astype(dtype)
  if dtype == _F64:
    p = a * b
    split = 134217729.0
    ta, tb = split * a, split * b
    a_hi = ta - (ta - a)
    b_hi = tb - (tb - b)
    e = (((a_hi * b_hi - p) + a_hi * (b - b_hi)) + (a - a_hi) * b_hi) + (a - a_hi) * (b - b_hi)
    s = p + c
    bv = s - p
    t = (p - (s - bv)) + (c - bv)
    return s + (t + e)
  return (a * b + c).astype(dtype)


def _uniform(impl, keys, dtype, minval=0.0, maxval=1.0, shape=()):
  """`uniform(key, shape, dtype, minval, maxval)` for each raw key in `keys` (shape (N, 2))."""
  finfo = dtypes.finfo(dtype)
  nbits, nmant = finfo.bits, finfo.nmant
  rng_bits = 8 if nmant < 8 else nbits
  uint = np.dtype(f"uint{nbits}")
  bits = impl.random_bits(keys, rng_bits, shape).astype(uint)
  one = np.array(1.0, dtype)
  floats = ((bits >> uint.type(rng_bits - nmant)) | one.view(uint)).view(dtype) - one
  minval, maxval = np.array(minval, dtype), np.array(maxval, dtype)
  return np.maximum(minval, _fma(floats, maxval - minval, minval, dtype))


def _normal(impl, keys, dtype):
  lo = np.nextafter(np.array(-1., dtype), np.array(0., dtype), dtype=dtype)
  u = _uniform(impl, keys, dtype, lo, 1.0)
  return np.array(np.sqrt(2), dtype) * special_math.erf_inv(u)


def _split(impl, keys, count: int) -> list:
  """The `count` keys split off each key, as a list of (N, 2) arrays."""
  keys = impl.split(keys, (count,))
  return [keys[:, i] for i in range(count)]


# ------------------------------------------------------------------------------------------------
# random_gamma


def _gamma_one(impl, keys, alpha, log_space: bool):
  """One Gamma(alpha) sample per (key, alpha) pair: Marsaglia and Tsang's method, with alpha < 1
  boosted to alpha + 1 and corrected by u ** (1 / alpha)."""
  dtype = alpha.dtype
  one, third = np.array(1, dtype), np.array(1 / 3, dtype)
  boost_mask = alpha >= one
  alpha_orig = alpha
  alpha = np.where(boost_mask, alpha, alpha + one)
  d = alpha - third
  c = third / np.sqrt(d)
  keys, subkeys = _split(impl, keys, 2)

  def rejected(x2, v3, u, d):
    squeeze = u >= one - np.array(0.0331, dtype) * (x2 * x2)
    log_test = np.log(u) >= x2 * np.array(0.5, dtype) + d * (one - v3 + np.log(v3))
    return squeeze & log_test

  n = alpha.shape[0]
  x2, v3, u = np.zeros(n, dtype), np.ones(n, dtype), np.full(n, 2, dtype)
  with np.errstate(all="ignore"):
    active = rejected(x2, v3, u, d)
    while active.any():
      idx = np.flatnonzero(active)
      keys[idx], x_keys, u_keys = _split(impl, keys[idx], 3)
      # Draw normals until v = 1 + c x is positive.
      x, v = np.zeros(idx.size, dtype), np.full(idx.size, -1, dtype)
      pending = v <= 0
      while pending.any():
        j = np.flatnonzero(pending)
        x_keys[j], draw_keys = _split(impl, x_keys[j], 2)
        x[j] = _normal(impl, draw_keys, dtype)
        v[j] = _fma(x[j], c[idx[j]], one, dtype)
        pending = v <= 0
      x2[idx] = x * x
      v3[idx] = v * v * v
      u[idx] = _uniform(impl, u_keys, dtype)
      active[idx] = rejected(x2[idx], v3[idx], u[idx], d[idx])
    if log_space:
      log_samples = np.log1p(-_uniform(impl, subkeys, dtype))
      log_boost = np.where(boost_mask | (log_samples == 0), np.array(0, dtype),
                           log_samples * (one / alpha_orig))
      return np.log(d) + np.log(v3) + log_boost
    samples = one - _uniform(impl, subkeys, dtype)
    boost = np.where(boost_mask, one, np.power(samples, one / alpha_orig))
    return d * v3 * boost


def _gamma_impl(keys, a, *, log_space):
  key_ty = dtypes.logical_dtype(np.asarray(keys).dtype)
  impl = key_ty._impl
  data = key_ty.unwrap(keys).reshape(-1, 2)
  a = np.asarray(a)
  # Each key gives one key per element of the trailing shape of `a`.
  per_key = math.prod(a.shape[np.ndim(keys):])
  element_keys = impl.split(data, (per_key,)).reshape(-1, 2)
  return _gamma_one(impl, element_keys, a.reshape(-1), log_space).reshape(a.shape)


def _gamma_abstract_eval(keys, a, *, log_space):
  if type(keys.dtype) is not KeyTy:
    raise TypeError(f"random_gamma takes a key array operand, got dtype {keys.dtype}")
  if a.shape[:keys.ndim] != keys.shape:
    raise TypeError(f"random_gamma: key shape {keys.shape} is not a prefix of the shape "
                    f"{a.shape} of a")
  return ShapedArray(a.shape, a.dtype)


random_gamma_p = Primitive("random_gamma")
random_gamma_p.def_impl(_gamma_impl)
random_gamma_p.def_abstract_eval(_gamma_abstract_eval)
random_gamma_p.weak_type_rule = never_weak

# d sample / d a at a fixed quantile of the Gamma(a) distribution (implicit reparameterization).
random_gamma_grad_p = Primitive("random_gamma_grad")
random_gamma_grad_p.def_impl(special_math.random_gamma_grad)
random_gamma_grad_p.def_abstract_eval(lambda a, x: ShapedArray(a.shape, a.dtype))
random_gamma_grad_p.weak_type_rule = never_weak


def _gamma_jvp(tangent, sample, keys, a, *, log_space):
  if log_space:
    samples = lax.exp(sample)
    tiny = lax.full_like(samples, dtypes.finfo(samples.dtype).tiny)
    samples = lax.select(lax.eq(samples, lax._const(samples, 0)), tiny, samples)
    return tangent * lax.div(random_gamma_grad_p.bind(a, samples), samples)
  return tangent * random_gamma_grad_p.bind(a, sample)


ad.defjvp2(random_gamma_p, None, _gamma_jvp)
batching.defbroadcasting(random_gamma_grad_p)


def _keys_first_batcher(primitive):
  """Batching for a primitive of (keys, parameters) whose parameters' leading dimensions are the
  keys' dimensions: both get the batch dimension in front."""
  def rule(axis_data, vals, dims, **params):
    keys, values = (batching.bdim_at_front(x, d, axis_data.size) for x, d in zip(vals, dims))
    return primitive.bind(keys, values, **params), 0
  batching.primitive_batchers[primitive] = rule


_keys_first_batcher(random_gamma_p)


# ------------------------------------------------------------------------------------------------
# random_poisson


def _poisson_knuth(impl, key, lam, max_iters):
  """Count uniform draws until their product falls below exp(-lam) (for lam < 10)."""
  k = np.zeros(lam.shape, np.int64)
  log_prod = np.zeros(lam.shape, np.float32)
  i = 0
  while (log_prod > -lam).any() and i < max_iters:
    key, subkey = _split(impl, key, 2)
    k = np.where(log_prod > -lam, k + 1, k)
    log_prod = log_prod + np.log(_uniform(impl, subkey, np.float32, shape=lam.shape)[0])
    i += 1
  return k - 1


def _poisson_rejection(impl, key, lam, max_iters):
  """Hormann's transformed rejection with squeeze (PTRS, for lam >= 10)."""
  f32 = np.float32
  log_lam = np.log(lam)
  b = f32(0.931) + f32(2.53) * np.sqrt(lam)
  a = f32(-0.059) + f32(0.02483) * b
  inv_alpha = f32(1.1239) + f32(1.1328) / (b - f32(3.4))
  v_r = f32(0.9277) - f32(3.6224) / (b - f32(2))
  k_out = np.full(lam.shape, -1, f32)
  accepted = np.zeros(lam.shape, bool)
  i = 0
  while (~accepted).any() and i < max_iters:
    key, key_u, key_v = _split(impl, key, 3)
    u = _uniform(impl, key_u, f32, shape=lam.shape)[0] - f32(0.5)
    v = _uniform(impl, key_v, f32, shape=lam.shape)[0]
    u_shifted = f32(0.5) - np.abs(u)
    k = np.floor((f32(2) * a / u_shifted + b) * u + lam + f32(0.43))
    s = np.log(v * inv_alpha / (a / (u_shifted * u_shifted) + b))
    t = -lam + k * log_lam - special_math.lgamma(k + f32(1))
    accept1 = (u_shifted >= f32(0.07)) & (v <= v_r)
    reject = (k < 0) | ((u_shifted < f32(0.013)) & (v > u_shifted))
    accept = accept1 | (~reject & (s <= t))
    k_out = np.where(accept, k, k_out)
    accepted |= accept
    i += 1
  return k_out


def _poisson_one(impl, key, lam, dtype):
  max_iters = dtypes.iinfo(dtype).max
  use_knuth = np.isnan(lam) | (lam < 10)
  lam_knuth = np.where(use_knuth, lam, np.float32(0))
  lam_rejection = np.where(use_knuth, np.float32(100000), lam)
  with np.errstate(all="ignore"):
    knuth = _poisson_knuth(impl, key, lam_knuth, max_iters).astype(dtype)
    rejection = _poisson_rejection(impl, key, lam_rejection, max_iters).astype(dtype)
  result = np.where(use_knuth, knuth, rejection)
  return np.where(lam == 0, np.zeros((), dtype), result)


def _poisson_impl(keys, lam, *, dtype):
  key_ty = dtypes.logical_dtype(np.asarray(keys).dtype)
  data = key_ty.unwrap(keys).reshape(-1, 2)
  lam = np.asarray(lam, np.float32)
  batch = np.shape(keys)
  per_key = lam.reshape(data.shape[0], *lam.shape[len(batch):])
  out = [_poisson_one(key_ty._impl, data[i:i + 1], per_key[i], dtype)
         for i in range(data.shape[0])]
  return np.stack(out).reshape(lam.shape) if out else np.zeros(lam.shape, dtype)


def _poisson_abstract_eval(keys, lam, *, dtype):
  if type(keys.dtype) is not KeyTy:
    raise TypeError(f"random_poisson takes a key array operand, got dtype {keys.dtype}")
  if lam.shape[:keys.ndim] != keys.shape:
    raise TypeError(f"random_poisson: key shape {keys.shape} is not a prefix of the shape "
                    f"{lam.shape} of lam")
  return ShapedArray(lam.shape, dtype)


random_poisson_p = Primitive("random_poisson")
random_poisson_p.def_impl(_poisson_impl)
random_poisson_p.def_abstract_eval(_poisson_abstract_eval)
random_poisson_p.weak_type_rule = never_weak
ad.defjvp_zero(random_poisson_p)
_keys_first_batcher(random_poisson_p)
