"""`pyjax.nn`'s functions: activations, normalizations (softmax, logsumexp, standardize), one_hot
and dot-product attention, with JAX's dtypes, weak types and derivatives (custom JVPs where JAX
defines the derivative at a kink, as for relu at 0)."""
from __future__ import annotations

import operator
import warnings

import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src import core, dtypes, errors
from pyjax._src.custom_derivatives import custom_jvp
from pyjax._src.numpy.util import (asarray_or_scalar, canonicalize_axis, check_arraylike,
                                   promote_args_inexact)

__all__ = [
    "celu", "dot_product_attention", "elu", "gelu", "glu", "hard_sigmoid", "hard_silu",
    "hard_swish", "hard_tanh", "identity", "leaky_relu", "log1mexp", "log_sigmoid", "log_softmax",
    "logmeanexp", "logsumexp", "mish", "one_hot", "relu", "relu6", "selu", "sigmoid", "silu",
    "soft_sign", "softmax", "softplus", "sparse_plus", "sparse_sigmoid", "squareplus",
    "standardize", "swish", "tanh",
]

tanh = jnp.tanh


def _arraylike(name, *args):
  check_arraylike(name, *args)
  out = [asarray_or_scalar(a) for a in args]
  return out[0] if len(out) == 1 else out


def _as_jit_argument(x):
  """`x` as JAX's jit would hand it to the function body: NumPy values and Python scalars become
  Arrays (so arithmetic on them follows JAX's promotion rules, not NumPy's); anything else is
  left for the body to accept or reject."""
  if isinstance(x, (np.ndarray, np.generic, bool, int, float, complex)):
    return asarray_or_scalar(x)
  return x


# ------------------------------------------------------------------------------------------------
# Elementwise activations


def identity(x):
  """Returns `x` as an array."""
  return _arraylike("identity", x)


@custom_jvp
def relu(x):
  """max(x, 0); its derivative at 0 is 0, as in JAX."""
  x = _as_jit_argument(x)
  return jnp.maximum(x, 0)


relu.defjvps(lambda g, ans, x: lax.select(x > 0, g, lax.full_like(g, 0)))


@custom_jvp
def relu6(x):
  """min(max(x, 0), 6); its derivative is 0 at both kinks, as in JAX."""
  x = _as_jit_argument(x)
  return jnp.minimum(jnp.maximum(x, 0), 6.0)


relu6.defjvps(lambda g, ans, x: lax.select((x > 0) & (x < 6), g, lax.full_like(g, 0)))


def squareplus(x, b=4):
  """(x + sqrt(x^2 + b)) / 2."""
  x, b = _arraylike("squareplus", x, b)
  return (x + jnp.sqrt(jnp.square(x) + b)) / 2


def softplus(x):
  """log(1 + exp(x)), computed stably."""
  x = _as_jit_argument(x)
  return jnp.logaddexp(x, 0)


def sparse_plus(x):
  """0 for x <= -1, (x + 1)^2 / 4 between -1 and 1, x for x >= 1."""
  x = _arraylike("sparse_plus", x)
  return jnp.where(x <= -1.0, 0.0, jnp.where(x >= 1.0, x, (x + 1.0) ** 2 / 4))


def soft_sign(x):
  """x / (|x| + 1)."""
  x = _arraylike("soft_sign", x)
  return x / (jnp.abs(x) + 1)


def sigmoid(x):
  """1 / (1 + exp(-x))."""
  x = _as_jit_argument(x)
  return lax.logistic(x)


def sparse_sigmoid(x):
  """clip((x + 1) / 2, 0, 1): the derivative of sparse_plus."""
  x = _as_jit_argument(x)
  return 0.5 * jnp.clip(x + 1.0, 0.0, 2.0)


def silu(x):
  """x * sigmoid(x)."""
  x = _arraylike("silu", x)
  return x * sigmoid(x)


swish = silu


def mish(x):
  """x * tanh(softplus(x))."""
  x = _arraylike("mish", x)
  return x * jnp.tanh(softplus(x))


def log_sigmoid(x):
  """log(sigmoid(x)) = -softplus(-x)."""
  x = _arraylike("log_sigmoid", x)
  return -softplus(-x)


def elu(x, alpha=1.0):
  """x for x > 0, alpha * (exp(x) - 1) otherwise."""
  x = _arraylike("elu", x)
  # The exponential only sees non-positive values, so the unused branch cannot overflow (and
  # poison the gradient with inf * 0).
  return jnp.where(x > 0, x, alpha * jnp.expm1(jnp.where(x > 0, 0.0, x)))


def leaky_relu(x, negative_slope=1e-2):
  """x for x >= 0, negative_slope * x otherwise."""
  x = _arraylike("leaky_relu", x)
  return jnp.where(x >= 0, x, negative_slope * x)


def hard_tanh(x):
  """x clipped to [-1, 1]."""
  x = _arraylike("hard_tanh", x)
  return jnp.where(x > 1, 1, jnp.where(x < -1, -1, x))


def celu(x, alpha=1.0):
  """max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)."""
  x = _as_jit_argument(x)
  return jnp.maximum(x, 0.0) + alpha * jnp.expm1(jnp.minimum(x, 0.0) / alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x):
  """scale * elu(x, alpha) with the self-normalizing constants."""
  return _SELU_SCALE * elu(x, _SELU_ALPHA)


def gelu(x, approximate: bool = True):
  """Gaussian error linear unit: x * Phi(x), or its tanh approximation."""
  [x] = promote_args_inexact("gelu", x)
  # The constants are NumPy scalars of x's dtype, so the result is strongly typed, as in JAX.
  if approximate:
    sqrt_2_over_pi = np.sqrt(2 / np.pi).astype(x.dtype)
    cdf = 0.5 * (1.0 + jnp.tanh(sqrt_2_over_pi * (x + 0.044715 * x ** 3)))
    return x * cdf
  sqrt_half = np.sqrt(0.5).astype(x.dtype)
  return jnp.array(0.5 * x * lax.erfc(-x * sqrt_half), dtype=x.dtype)


def glu(x, axis: int = -1):
  """Gated linear unit: the first half of `axis` times sigmoid of the second half."""
  x = _arraylike("glu", x)
  size = x.shape[axis]
  if size % 2:
    raise AssertionError("axis size must be divisible by 2")  # JAX's class and message
  x1, x2 = jnp.split(x, 2, axis)
  return x1 * sigmoid(x2)


def hard_sigmoid(x):
  """relu6(x + 3) / 6."""
  x = _as_jit_argument(x)
  return relu6(x + 3.0) / 6.0


def hard_silu(x):
  """x * hard_sigmoid(x)."""
  x = _arraylike("hard_silu", x)
  return x * hard_sigmoid(x)


hard_swish = hard_silu


@custom_jvp
def log1mexp(x):
  """log(1 - exp(-x)) for x > 0, accurate for small and large x."""
  x = _arraylike("log1mexp", x)
  return jnp.where(x < np.log(2.0), jnp.log(-jnp.expm1(-x)), jnp.log1p(-jnp.exp(-x)))


log1mexp.defjvps(lambda g, ans, x: g / jnp.expm1(x))

# ------------------------------------------------------------------------------------------------
# Normalizations over axes


def _reduction_axes(ndim: int, axis) -> tuple[int, ...]:
  if axis is None:
    return tuple(range(ndim))
  axes = tuple(axis) if isinstance(axis, (tuple, list, np.ndarray)) else (axis,)
  canonical = tuple(canonicalize_axis(a, ndim) for a in axes)
  if len(set(canonical)) != len(canonical):
    raise ValueError(f"duplicate value in 'axis': {axis}")
  return canonical


def logsumexp(a, axis=None, b=None, keepdims: bool = False, return_sign: bool = False,
              where=None):
  """log(sum(b * exp(a))) over `axis`, computed stably; with `return_sign`, also the sign of the
  sum (the log is then of its absolute value). A negative sum without `return_sign` is NaN."""
  if where is not None:
    a = jnp.where(where, a, 0)
  if b is not None:
    a, b = promote_args_inexact("logsumexp", a, b)
    a = jnp.where(b != 0, a, -np.inf)
  else:
    [a] = promote_args_inexact("logsumexp", a)
  axes = _reduction_axes(a.ndim, axis)
  amax = jnp.max(a.real, axis=axes, keepdims=keepdims, where=where, initial=-np.inf)
  # The shift is a constant for differentiation; an infinite maximum (all -inf, or +inf) is
  # replaced by 0 so the shifted values keep their infinities instead of becoming NaN.
  amax = lax.stop_gradient(lax.select(jnp.isfinite(amax), amax, lax.full_like(amax, 0)))
  amax_kept = amax if keepdims else lax.expand_dims(amax, axes)
  exp_a = lax.exp(lax.sub(a, amax_kept.astype(a.dtype)))
  if b is not None:
    exp_a = lax.mul(exp_a, b)
  sumexp = exp_a.sum(axis=axes, keepdims=keepdims, where=where)
  sign = lax.sign(sumexp)
  is_complex = dtypes.issubdtype(a.dtype, np.complexfloating)
  if return_sign or not is_complex:
    sumexp = abs(sumexp)
  out = lax.add(lax.log(sumexp), amax.astype(sumexp.dtype))
  if return_sign:
    return out, sign
  if b is not None and not is_complex:
    out = jnp.where(sign < 0, jnp.array(np.nan, dtype=out.dtype), out)
  return out


def logmeanexp(x, axis=None, where=None, keepdims: bool = False):
  """logsumexp(x) - log(n), n the number of (selected) elements reduced."""
  lse = logsumexp(x, axis=axis, where=where, keepdims=keepdims)
  x = asarray_or_scalar(x)
  axes = _reduction_axes(x.ndim, axis)
  if where is None:
    count = lax.convert_element_type(int(np.prod([x.shape[i] for i in axes], dtype=np.int64)),
                                     lse.dtype)
  else:
    count = jnp.sum(jnp.broadcast_to(where, x.shape), axes, dtype=lse.dtype, keepdims=keepdims)
  return lse - jnp.log(count)


def log_softmax(x, axis=-1, where=None):
  """x - logsumexp(x) over `axis`; masked-out elements (`where` False) are -inf."""
  x = _arraylike("log_softmax", x)
  x_max = jnp.max(x, axis, where=where, initial=-np.inf, keepdims=True)
  x_safe = x if where is None else jnp.where(where, x, -np.inf)
  shifted = x_safe - lax.stop_gradient(x_max)
  shifted_lse = jnp.log(jnp.sum(jnp.exp(shifted), axis, where=where, keepdims=True))
  result = shifted - shifted_lse
  if where is not None:
    return jnp.where(where, result, -np.inf)
  return result


def softmax(x, axis=-1, where=None):
  """exp(x) / sum(exp(x)) over `axis`; masked-out elements (`where` False) are 0."""
  x_max = jnp.max(x, axis, where=where, initial=-np.inf, keepdims=True)
  x_safe = x if where is None else jnp.where(where, x, -np.inf)
  unnormalized = jnp.exp(x_safe - lax.stop_gradient(x_max))
  result = unnormalized / jnp.sum(unnormalized, axis, where=where, keepdims=True)
  if where is not None:
    result = jnp.where(where, result, 0)
  return result


def standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5, where=None, *,
                algorithm: str = "fast"):
  """(x - mean) / sqrt(variance + epsilon), the moments taken over `axis` unless given.
  `algorithm="fast"` takes the variance as E[x^2] - E[x]^2 (clipped at 0), `"stable"` as
  E[(x - E[x])^2]."""
  check_arraylike("standardize", x)
  for arg in (mean, variance, where):
    if arg is not None:
      check_arraylike("standardize", arg)
  if algorithm not in ("fast", "stable"):
    raise ValueError(f"Unknown algorithm '{algorithm}'. Expected 'fast' or 'stable'.")
  if mean is None:
    mean = jnp.mean(x, axis, keepdims=True, where=where)
  if variance is None:
    if algorithm == "stable":
      variance = jnp.mean(jnp.square(jnp.subtract(x, mean)), axis, keepdims=True, where=where)
    else:
      variance = jnp.mean(jnp.square(x), axis, keepdims=True, where=where) - jnp.square(mean)
      variance = jnp.clip(variance, 0)
  return jnp.subtract(x, mean) * lax.rsqrt(variance + epsilon)


def _concrete_num_classes(num_classes) -> int:
  if isinstance(num_classes, core.Tracer):
    raise errors.ConcretizationTypeError(
        num_classes, "The error arose in jax.nn.one_hot argument `num_classes`.")
  try:
    return operator.index(num_classes)
  except TypeError:
    raise TypeError(f"one_hot: num_classes must be an integer, got {num_classes!r}") from None


def one_hot(x, num_classes: int, *, dtype=None, axis=-1):
  """Encodes integer indices as one-hot vectors of length `num_classes` along a new `axis` (or a
  vmapped/pmapped axis named `axis`); indices outside [0, num_classes) encode as all zeros."""
  num_classes = _concrete_num_classes(num_classes)
  x = jnp.asarray(x)
  if not dtypes.issubdtype(x.dtype, np.integer):
    warnings.warn(f"jax.nn.one_hot input should be integer-typed; got dtype={x.dtype}",
                  DeprecationWarning, stacklevel=2)
  dtype = dtypes.default_float_dtype() if dtype is None else dtype
  if isinstance(axis, (int, np.integer)):
    out_axis = canonicalize_axis(axis, x.ndim + 1)
    lhs = lax.expand_dims(x, (out_axis,))
    rhs_shape = [1] * x.ndim
    rhs_shape.insert(out_axis, num_classes)
    rhs = lax.broadcasted_iota(x.dtype, rhs_shape, out_axis)
    return (lhs == rhs).astype(dtype)
  axis_size = lax.axis_size(axis)
  if num_classes != axis_size:
    raise ValueError(f"Expected num_classes to match the size of axis {axis}, but "
                     f"{num_classes} != {axis_size}")
  return jnp.asarray(x == lax.axis_index(axis), dtype=dtype)


# ------------------------------------------------------------------------------------------------
# Attention


def _large_negative(dtype):
  # Large enough to vanish under softmax, small enough that adding a bias does not overflow.
  dtype_max = min(float(dtypes.finfo(dtype).max), float(np.finfo(np.float32).max))
  return jnp.asarray(-0.7 * dtype_max, dtype=dtype)


def _attention_mask(logits_shape, mask, is_causal, q_seqlen, kv_seqlen, local_window_size):
  """The combined boolean mask, broadcastable to logits of shape [B, K, G, T, S]; None if no
  masking was asked for."""
  T, S = logits_shape[-2:]
  combined = None

  def conjoin(m):
    return m if combined is None else jnp.logical_and(combined, m)

  if mask is not None:
    combined = conjoin(mask)
  query_pos = jnp.arange(T)[:, None]
  key_pos = jnp.arange(S)[None, :]
  if is_causal:
    combined = conjoin(query_pos >= key_pos)
  if local_window_size is not None:
    left, right = local_window_size
    combined = conjoin((query_pos <= key_pos + left) & (query_pos >= key_pos - right))
  if q_seqlen is not None or kv_seqlen is not None:
    valid = True
    if q_seqlen is not None:
      valid = jnp.arange(T)[None, :, None] < q_seqlen[:, None, None]
    if kv_seqlen is not None:
      valid = jnp.logical_and(valid, jnp.arange(S)[None, None, :] < kv_seqlen[:, None, None])
    combined = conjoin(valid[:, None, None, :, :])
  return combined


def _ensure_4d(t):
  t = jnp.asarray(t)
  if t.ndim < 4:
    return jnp.expand_dims(t, tuple(range(4 - t.ndim)))
  return t


def _check_shape_and_dtype(t, shape, dtype, name):
  if t is None:
    return
  if t.ndim != len(shape):
    raise ValueError(f"{name} ndim should be {len(shape)}, but got {t.ndim}")
  if dtype is not None and t.dtype != dtype:
    raise ValueError(f"{name} dtype should be {dtype}, but got {t.dtype}")
  for i in range(t.ndim):
    if shape[i] != -1 and t.shape[i] != shape[i]:
      raise ValueError(f"{name} shape should be {list(shape)}: but got {t.shape}")


def dot_product_attention(query, key, value, bias=None, mask=None, *, scale=None,
                          is_causal: bool = False, query_seq_lengths=None,
                          key_value_seq_lengths=None, local_window_size=None,
                          implementation=None, return_residual: bool = False):
  """Scaled dot-product attention, softmax(Q K^T * scale + bias, masked) V.

  Arrays are [B, T, N, H] (query) and [B, S, K, H] (key, value), with the leading batch dimensions
  optional; N must be a multiple of K (grouped key/value heads). `bias` and `mask` broadcast to
  [B, N, T, S]. `local_window_size` (an int or a (left, right) pair) restricts each query to keys
  within that distance. With `return_residual`, the logsumexp of the logits ([B, T, N]) is also
  returned. Only the portable implementation exists here: `implementation` may be None or 'xla'.
  """
  output_shape = jnp.asarray(query).shape
  query, key, value = _ensure_4d(query), _ensure_4d(key), _ensure_4d(value)
  bias = None if bias is None else _ensure_4d(bias)
  mask = None if mask is None else _ensure_4d(mask)
  q_seqlen = None if query_seq_lengths is None else jnp.asarray(query_seq_lengths)
  kv_seqlen = None if key_value_seq_lengths is None else jnp.asarray(key_value_seq_lengths)
  if isinstance(local_window_size, int):
    local_window_size = (local_window_size, local_window_size)

  B, S, K, H = key.shape
  _check_shape_and_dtype(value, [B, S, K, H], key.dtype, "value")
  _check_shape_and_dtype(query, [B, -1, -1, H], key.dtype, "query")
  _check_shape_and_dtype(mask, [-1] * 4, np.dtype(bool), "mask")
  _check_shape_and_dtype(bias, [-1] * 4, None, "bias")
  _check_shape_and_dtype(q_seqlen, [B], np.dtype("int32"), "query_seq_lengths")
  _check_shape_and_dtype(kv_seqlen, [B], np.dtype("int32"), "key_value_seq_lengths")
  N = query.shape[-2]
  if N % K != 0:
    raise ValueError(f"The number of query heads must be a multiple of key/value heads, but got "
                     f"{N} vs {K}")
  if implementation == "cudnn":
    raise RuntimeError("cuDNN is not detected.")
  if implementation not in (None, "xla"):
    raise ValueError(f"Unsupported implementation option: {implementation}")
  scale = 1.0 / np.sqrt(H) if scale is None else scale

  T, G = query.shape[1], N // K

  def grouped(t):
    # [B, N, T, S] (or N = 1) -> [B, K, G, T, S] (or [B, 1, 1, T, S])
    if t is None:
      return None
    tB, tN, tT, tS = t.shape
    if tN == 1:
      return t[:, :, None]
    if tN != N:
      raise ValueError(f"bias and mask need 1 or {N} heads (the query heads), got {tN}")
    return jnp.reshape(t, (tB, K, G, tT, tS))

  query = jnp.reshape(query, (B, T, K, G, H))
  logits_dtype = dtypes.promote_types(query.dtype, np.float32)
  logits = jnp.einsum("BTKGH,BSKH->BKGTS", query, key, preferred_element_type=logits_dtype)
  logits = logits * jnp.array(scale, dtype=logits.dtype)
  if bias is not None:
    logits = (logits + grouped(bias)).astype(logits.dtype)
  combined = _attention_mask(logits.shape, grouped(mask), is_causal, q_seqlen, kv_seqlen,
                             local_window_size)
  if combined is not None:
    logits = jnp.where(combined, logits, _large_negative(logits.dtype))
  logits = logits.astype(np.float32)
  probs = softmax(logits, axis=-1).astype(key.dtype)
  encoded = jnp.einsum("BKGTS,BSKH->BTKGH", probs, value)
  if q_seqlen is not None:
    valid = jnp.arange(T)[None, :] < q_seqlen[:, None]
    encoded = encoded * valid[:, :, None, None, None].astype(encoded.dtype)
  encoded = jnp.reshape(encoded, output_shape)
  if not return_residual:
    return encoded
  lse = logsumexp(logits, axis=-1).astype(key.dtype)  # [B, K, G, T]
  lse = lax.stop_gradient(jnp.reshape(jnp.transpose(lse, (0, 3, 1, 2)), (B, T, N)))
  return encoded, jnp.reshape(lse, output_shape[:-1])
