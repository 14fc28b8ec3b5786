"""Block-scaled matrix products of `pyjax.nn`: `scaled_matmul` (operands already quantized, with
one scale per block of the contracting dimension), `scaled_dot_general` (quantizes high-precision
operands to a `BlockScaleConfig`'s format, then multiplies; its custom VJP quantizes the
cotangent the same way) and `get_scaled_dot_general_config` (the MXFP8 and NVFP4 configs).

JAX computes the product with a cuDNN (or ROCm) kernel and has no CPU kernel: on the CPU its
`scaled_matmul` raises NotImplementedError when run (tracing works). pyjax does the same by
default; with the config option `pyjax_scaled_matmul_on_cpu` set it computes the product with a
reference kernel (operands times their expanded scales, contracted in float32).
"""
from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import ml_dtypes
import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src import dtypes
from pyjax._src.avals import ShapedArray
from pyjax._src.config import config
from pyjax._src.core import Primitive
from pyjax._src.custom_derivatives import custom_vjp
from pyjax._src.interpreters import batching
from pyjax._src.jit import jit

__all__ = ["get_scaled_dot_general_config", "scaled_dot_general", "scaled_matmul"]

_F32 = np.dtype(np.float32)


@dataclasses.dataclass(slots=True)
class BlockScaleConfig:
  """How one operand of `scaled_dot_general` is quantized: `data_type` values, one `scale_type`
  scale per `block_size` consecutive elements of the contracting dimension, and (NVFP4) a float32
  `global_scale` dividing the operand first."""
  mode: str
  block_size: int
  data_type: Any
  scale_type: Any
  global_scale: Any
  infer_only: bool


# ------------------------------------------------------------------------------------------------
# The primitive: (B, M, K) x (B, N, K) with scales (B, M, K/bs) and (B, N, K/bs) -> (B, M, N)


def _scaled_matmul_abstract(a, b, a_scales, b_scales, *, preferred_element_type):
  return [ShapedArray((a.shape[0], a.shape[1], b.shape[1]), np.dtype(preferred_element_type))]


def _expand(x, scales):
  x = np.asarray(x).astype(np.float32)
  s = np.asarray(scales).astype(np.float32)
  return x * np.repeat(s, x.shape[-1] // s.shape[-1], axis=-1)


def _scaled_matmul_impl(a, b, a_scales, b_scales, *, preferred_element_type):
  if not config.read("pyjax_scaled_matmul_on_cpu"):
    raise NotImplementedError(
        "MLIR translation rule for primitive 'scaled_matmul' not found for platform cpu: JAX "
        "runs block-scaled matmuls with cuDNN (or ROCm) kernels only. To compute it on the CPU "
        "with pyjax's reference kernel, set "
        "pyjax.config.update('pyjax_scaled_matmul_on_cpu', True).")
  out = np.matmul(_expand(a, a_scales), np.swapaxes(_expand(b, b_scales), -1, -2))
  return [out.astype(np.dtype(preferred_element_type))]


scaled_matmul_wrapper_p = Primitive("scaled_matmul_wrapper", multiple_results=True)
scaled_matmul_wrapper_p.def_abstract_eval(_scaled_matmul_abstract)
scaled_matmul_wrapper_p.def_impl(_scaled_matmul_impl)
scaled_matmul_wrapper_p.weak_type_rule = lambda *weak_types, **params: [False]


def _scaled_matmul_batcher(axis_data, vals, dims, *, preferred_element_type):
  size = next(batching.shape_of(x)[d] for x, d in zip(vals, dims) if d is not None)
  vals = [batching.bdim_at_front(x, d, size) for x, d in zip(vals, dims)]
  # Fold the vmapped axis into the leading batch axis of every operand, then unfold the result.
  a, b, a_s, b_s = (jnp.reshape(x, (-1, *x.shape[2:])) for x in vals)
  out = scaled_matmul_wrapper_p.bind(a, b, a_s, b_s,
                                     preferred_element_type=preferred_element_type)[0]
  return [jnp.reshape(out, (size, -1, *out.shape[1:]))], [0]


batching.primitive_batchers[scaled_matmul_wrapper_p] = _scaled_matmul_batcher


def _scaled_matmul_body(lhs, rhs, lhs_scales, rhs_scales, preferred_element_type=_F32):
  return scaled_matmul_wrapper_p.bind(lhs, rhs, lhs_scales, rhs_scales,
                                      preferred_element_type=preferred_element_type)[0]


_scaled_matmul_body.__name__ = "_scaled_matmul"
_scaled_matmul_jit = jit(_scaled_matmul_body, static_argnames=("preferred_element_type",))


def _matmul_3d(lhs, rhs, lhs_scales, rhs_scales, preferred_element_type):
  preferred_element_type = dtypes.check_user_dtype_supported(preferred_element_type,
                                                             "scaled_matmul_wrapper")
  return _scaled_matmul_jit(lhs, rhs, lhs_scales, rhs_scales,
                            preferred_element_type=preferred_element_type)


def scaled_matmul(lhs, rhs, lhs_scales, rhs_scales, preferred_element_type=np.float32):
  """Block-scaled batched matmul: `lhs` (B, M, K) times `rhs` (B, N, K) contracting K, each
  operand multiplied first by its scales (B, M, K_a) / (B, N, K_b) repeated K // K_a (K // K_b)
  times along K. Returns (B, M, N) in `preferred_element_type` (float32 by default)."""
  a, b, a_s, b_s = (jnp.asarray(x) for x in (lhs, rhs, lhs_scales, rhs_scales))
  if not all(x.ndim == 3 for x in (a, b, a_s, b_s)):
    raise ValueError("scaled_matmul requires all inputs to be 3-dimensional arrays, got shapes "
                     f"{a.shape}, {b.shape}, {a_s.shape}, {b_s.shape}")
  if a.shape[2] != b.shape[2] or a.shape[0] != b.shape[0]:
    raise ValueError("scaled_matmul requires inputs a and b to have matching batch (B) and "
                     f"contract (K) dimensions, but got shapes {a.shape} and {b.shape}")
  if a_s.shape[2] != b_s.shape[2] or a_s.shape[0] != b_s.shape[0]:
    raise ValueError("scaled_matmul requires scales to have matching batch (B) and contract "
                     f"(K) dimensions, but got shapes {a_s.shape} and {b_s.shape}")
  if a_s.shape[1] != a.shape[1] or b_s.shape[1] != b.shape[1]:
    raise ValueError("scaled_matmul requires scales to match non-contract dimensions of inputs, "
                     f"but got shapes a: {a.shape}, b: {b.shape}, a_scales: {a_s.shape}, "
                     f"b_scales: {b_s.shape}")
  if a_s.shape[2] == 0 or a.shape[2] % a_s.shape[2]:
    raise ValueError(f"scaled_matmul requires the contract dimension K={a.shape[2]} of the "
                     f"inputs to be a multiple of the scales' K={a_s.shape[2]} (the block size "
                     "is their ratio)")
  preferred_element_type = dtypes.check_user_dtype_supported(preferred_element_type,
                                                             "scaled_matmul")
  return _matmul_3d(a, b, a_s, b_s, preferred_element_type)


def get_scaled_dot_general_config(mode, global_scale=None):
  """The `BlockScaleConfig` of `mode`: 'mxfp8' (float8_e4m3fn data, float8_e8m0fnu scales,
  blocks of 32) or 'nvfp4' (float4_e2m1fn data, float8_e4m3fn scales, blocks of 16, a float32
  `global_scale`, ones((1,)) by default)."""
  if mode == "nvfp4":
    return BlockScaleConfig(
        mode="nvfp4", block_size=16, data_type=ml_dtypes.float4_e2m1fn,
        scale_type=ml_dtypes.float8_e4m3fn,
        global_scale=jnp.ones((1,), dtype=np.float32) if global_scale is None else global_scale,
        infer_only=False)
  if mode == "mxfp8":
    return BlockScaleConfig(
        mode="mxfp8", block_size=32, data_type=ml_dtypes.float8_e4m3fn,
        scale_type=ml_dtypes.float8_e8m0fnu, global_scale=None, infer_only=False)
  raise ValueError(f"Unsupported mode: {mode}")


# ------------------------------------------------------------------------------------------------
# Quantization


def _to_3d(x, contracting, batch):
  """`x` transposed to (batch, free, contracting) dimensions and reshaped to 3-D."""
  batch_order = [d for d in range(x.ndim) if d in batch]
  free_order = [d for d in range(x.ndim) if d not in batch and d not in contracting]
  contract_order = [d for d in range(x.ndim) if d in contracting]
  sizes = [math.prod(x.shape[d] for d in order)
           for order in (batch_order, free_order, contract_order)]
  return jnp.reshape(jnp.transpose(x, batch_order + free_order + contract_order), sizes)


def _dot_shape(lhs_shape, rhs_shape, lhs_dn, rhs_dn):
  (lhs_contract, lhs_batch), (rhs_contract, rhs_batch) = lhs_dn, rhs_dn
  return (tuple(n for d, n in enumerate(lhs_shape) if d in lhs_batch)
          + tuple(n for d, n in enumerate(lhs_shape) if d not in lhs_contract + lhs_batch)
          + tuple(n for d, n in enumerate(rhs_shape) if d not in rhs_contract + rhs_batch))


def _e8m0_exponent_rounded_up(x):
  """The biased exponent (uint8) of the smallest power of two >= `x` (float32 bits arithmetic,
  as JAX: a nonzero mantissa rounds up, except at the top exponent and for subnormals at most
  half of the smallest normal)."""
  bits = lax.bitcast_convert_type(x.astype(np.float32), np.uint32)
  exponent = lax.shift_right_logical(bits, np.uint32(23))
  mantissa = bits & np.uint32(0x7FFFFF)
  round_up = ((mantissa > 0) & (exponent != 0xFE)
              & ~((exponent == 0) & (mantissa <= 0x400000)))
  return jnp.where(round_up, exponent + np.uint32(1), exponent).astype(np.uint8)


def _e8m0_value(exponent, dtype):
  value = lax.bitcast_convert_type(lax.shift_left(exponent.astype(np.uint32), np.uint32(23)),
                                   np.float32)
  tiny = 2.0 ** -15 if np.dtype(dtype) == np.float16 else 2.0 ** -127
  return jnp.where(value == 0, jnp.array(tiny, np.float32), value).astype(dtype)


def _quantize(x, cfg):
  shape = x.shape
  k, block = shape[-1], cfg.block_size
  if k < block or k % block:
    raise ValueError(f"scaled_dot_general ({cfg.mode}) quantizes blocks of {block} elements: "
                     f"the contracted size {k} must be a positive multiple of {block}; pad the "
                     "operands (and, for gradients, the non-contracting sizes) to a multiple.")
  x = jnp.reshape(x, (*shape[:-1], k // block, block))
  top = jnp.asarray(dtypes.finfo(cfg.data_type).max).astype(x.dtype)
  block_max = lambda v: jnp.max(jnp.abs(v), axis=-1, keepdims=True) / top  # noqa: E731
  if cfg.mode == "mxfp8":
    scales = _e8m0_exponent_rounded_up(block_max(x))
    scaled = x / _e8m0_value(scales, x.dtype)
  elif cfg.mode == "nvfp4":
    scale_top = jnp.asarray(dtypes.finfo(cfg.scale_type).max).astype(x.dtype)
    x = x / cfg.global_scale
    scales = jnp.clip(block_max(x), 0, scale_top).astype(cfg.scale_type)
    scaled = x / scales.astype(np.float32)
  else:
    raise ValueError(f"Unrecognized mode: {cfg.mode}.")
  q = jnp.clip(scaled, -top, top).astype(cfg.data_type)
  scales = jnp.reshape(scales, scales.shape[:-1])
  if scales.dtype != np.dtype(cfg.scale_type):
    scales = lax.bitcast_convert_type(scales, cfg.scale_type)
  return jnp.reshape(q, shape), scales


def _scaled_dot_forward(lhs, rhs, dimension_numbers, preferred_element_type, configs):
  preferred_element_type = dtypes.check_user_dtype_supported(preferred_element_type,
                                                             "scaled_dot_impl")
  (lhs_contract, rhs_contract), (lhs_batch, rhs_batch) = dimension_numbers
  lhs_q, lhs_s = _quantize(_to_3d(lhs, lhs_contract, lhs_batch), configs[0])
  rhs_q, rhs_s = _quantize(_to_3d(rhs, rhs_contract, rhs_batch), configs[1])
  nvfp4 = configs[0].mode == "nvfp4"
  out = _matmul_3d(lhs_q, rhs_q, lhs_s, rhs_s, _F32 if nvfp4 else preferred_element_type)
  if nvfp4:
    out = (out * (configs[0].global_scale * configs[1].global_scale)).astype(
        preferred_element_type)
  shape = _dot_shape(lhs.shape, rhs.shape, (lhs_contract, lhs_batch), (rhs_contract, rhs_batch))
  return jnp.reshape(out, shape)


def _operand_cotangent(g, x, y, dimension_numbers, preferred_element_type, configs,
                       y_free_first=False):
  """The cotangent of x in `dot(x, y)` (of `dot(y, x)` when `y_free_first`): g contracted with y
  over y's free dimensions, both quantized along them (NVFP4: an unquantized product)."""
  (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
  x_free = [d for d in range(x.ndim) if d not in x_contract and d not in x_batch]
  y_free = [d for d in range(y.ndim) if d not in y_contract and d not in y_batch]
  nb = len(x_batch)
  g_batch = tuple(range(nb))
  first_y = nb if y_free_first else nb + len(x_free)
  g_y = tuple(range(first_y, first_y + len(y_free)))
  g_3d = _to_3d(g, g_y, g_batch)
  y_3d = _to_3d(y, tuple(y_free), tuple(y_batch))
  if configs[0].mode != "nvfp4":
    g_q, g_s = _quantize(g_3d, configs[0])
    y_q, y_s = _quantize(y_3d, configs[1])
    out = _matmul_3d(g_q, y_q, g_s, y_s, preferred_element_type)
  else:
    out = jnp.matmul(g_3d, jnp.transpose(y_3d, (0, 2, 1)),
                     preferred_element_type=preferred_element_type)
  out = jnp.reshape(out, _dot_shape(g.shape, y.shape, (g_y, g_batch),
                                    (tuple(y_free), tuple(y_batch))))
  x_contract_by_y = [x_contract[i] for i in np.argsort(y_contract)]
  order = np.argsort([*x_batch, *x_free, *x_contract_by_y])
  return lax.transpose(out, tuple(int(i) for i in order))


def scaled_dot_general_fn(lhs, rhs, dimension_numbers, preferred_element_type, configs):
  return _scaled_dot_forward(lhs, rhs, dimension_numbers, preferred_element_type, configs)


def scaled_dot_fwd(lhs, rhs, dimension_numbers, preferred_element_type, configs):
  out = _scaled_dot_forward(lhs, rhs, dimension_numbers, preferred_element_type, configs)
  return out, (lhs, rhs)


def scaled_dot_bwd(dimension_numbers, preferred_element_type, configs, res, g):
  lhs, rhs = res
  (lc, rc), (lb, rb) = dimension_numbers
  grad_lhs = _operand_cotangent(g, lhs, rhs, dimension_numbers, preferred_element_type,
                                [configs[2], configs[1]])
  grad_rhs = _operand_cotangent(g, rhs, lhs, ((rc, lc), (rb, lb)), preferred_element_type,
                                [configs[2], configs[0]], y_free_first=True)
  if configs[2].mode == "nvfp4":
    # Straight-through estimator: inputs clipped when quantized get no gradient.
    limit = (dtypes.finfo(configs[0].data_type).max.astype(lhs.dtype)
             * dtypes.finfo(configs[0].scale_type).max.astype(lhs.dtype))
    grad_lhs = jnp.where(jnp.abs(lhs) <= configs[0].global_scale * limit, grad_lhs, 0)
    grad_rhs = jnp.where(jnp.abs(rhs) <= configs[1].global_scale * limit, grad_rhs, 0)
  return grad_lhs, grad_rhs


scaled_dot_general_fn = custom_vjp(scaled_dot_general_fn, nondiff_argnums=(2, 3, 4))
scaled_dot_general_fn.defvjp(scaled_dot_fwd, scaled_dot_bwd)

_OUTPUT_TYPES = (np.dtype(np.float32), np.dtype(ml_dtypes.bfloat16), np.dtype(np.float16))


def scaled_dot_general(lhs, rhs, dimension_numbers, preferred_element_type=np.float32,
                       configs=None, implementation=None):
  """`lax.dot_general` of `lhs` and `rhs` quantized per `configs` (lhs, rhs, cotangent
  `BlockScaleConfig`s from `get_scaled_dot_general_config`): each operand is transposed to
  (batch, free, contracting), quantized in blocks along the contracting dimension and multiplied
  with `scaled_matmul`. Gradients quantize the cotangent with `configs[2]`. Without `configs`,
  this is `lax.dot_general`. `implementation` is deprecated and ignored."""
  if implementation is not None:
    warnings.warn("Backend selector, now ignored. The system chooses the backend automatically.",
                  DeprecationWarning, stacklevel=2)
  if configs is None:
    return lax.dot_general(lhs, rhs, dimension_numbers,
                           preferred_element_type=preferred_element_type)
  try:
    supported = preferred_element_type is not None and np.dtype(
        preferred_element_type) in _OUTPUT_TYPES
  except TypeError:
    supported = False
  if not supported:
    raise TypeError("scaled_dot_general supports preferred_element_type float32, bfloat16 or "
                    f"float16 only, got {preferred_element_type!r}.")
  if len(configs) < 2:
    raise ValueError("scaled_dot_general needs configs for lhs, rhs and (for gradients) the "
                     f"cotangent, got {len(configs)}; pass "
                     "[jax.nn.get_scaled_dot_general_config(mode)] * 3.")
  lhs, rhs = jnp.asarray(lhs), jnp.asarray(rhs)
  (lc, rc), (lb, rb) = dimension_numbers
  numbers = ((tuple(lc), tuple(rc)), (tuple(lb), tuple(rb)))
  # Quantization works on 3-D (batch, free, contracting) operands: a missing batch dimension is
  # added as a trailing size-1 axis and squeezed from the result.
  (lc, rc), (lb, rb) = numbers
  lhs_b, rhs_b = lhs, rhs
  if lb == ():
    lhs_b, lb = jnp.expand_dims(lhs, lhs.ndim), (lhs.ndim,)
  if rb == ():
    rhs_b, rb = jnp.expand_dims(rhs, rhs.ndim), (rhs.ndim,)
  batched = ((lc, rc), (lb, rb))
  out = scaled_dot_general_fn(lhs_b, rhs_b, batched, preferred_element_type, configs)
  if batched != numbers:
    return jnp.squeeze(out, axis=0)
  return out
