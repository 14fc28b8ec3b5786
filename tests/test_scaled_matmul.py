"""`lax.scaled_dot` and `nn.scaled_matmul` / `nn.scaled_dot_general` /
`nn.get_scaled_dot_general_config` against the oracle (jax 0.10.2 on the CPU): values, dtypes,
errors, jaxpr text, jit, vmap and grad (the custom VJP that quantizes the cotangent).

JAX has no CPU kernel for `scaled_matmul` (running it raises NotImplementedError; so does pyjax
by default). For values, the oracle's `scaled_matmul` primitive is given JAX's own ROCm lowering
(through `lax.scaled_dot`) on the CPU, and pyjax's reference kernel is switched on with
`pyjax_scaled_matmul_on_cpu`."""
from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

import pyjax
from oracle_util import assert_same_outcome, oracle, outcome
from pyjax._src.config import config as pyjax_config

F8, E8M0 = ml_dtypes.float8_e4m3fn, ml_dtypes.float8_e8m0fnu
RNG = np.random.RandomState(0)
L8 = RNG.randn(4, 64).astype(F8)
R8 = RNG.randn(64, 3).astype(F8)
LS = np.exp2(RNG.randint(-3, 4, (4, 2))).astype(E8M0)
RS = np.exp2(RNG.randint(-3, 4, (2, 3))).astype(E8M0)
B8 = RNG.randn(2, 4, 64).astype(F8)
BR8 = RNG.randn(2, 64, 5).astype(F8)
BLS = np.exp2(RNG.randint(-3, 4, (2, 4, 4))).astype(E8M0)
BRS = np.exp2(RNG.randint(-3, 4, (2, 4, 5))).astype(E8M0)
X = RNG.randn(2, 32, 64).astype(np.float32)
Y = RNG.randn(2, 32, 64).astype(np.float32)
X2 = RNG.randn(64, 32).astype(np.float32)   # contracting dim 0, no batch
Y2 = RNG.randn(32, 64).astype(np.float32)   # contracting dim 1, no batch
W = np.arange(1, 33, dtype=np.float32)      # cotangent weights (no all-zero block)
DN = (((2,), (2,)), ((0,), (0,)))


@pytest.fixture(scope="module")
def with_kernels():
  """The oracle's scaled_matmul lowered on the CPU through JAX's ROCm path; pyjax's reference
  kernel switched on."""
  from jax._src.cudnn import scaled_matmul_stablehlo as smm
  from jax._src.interpreters import mlir
  mlir.register_lowering(smm._scaled_matmul_p, smm._scaled_matmul_rocm_lowering, platform="cpu")
  with pyjax_config.override("pyjax_scaled_matmul_on_cpu", True):
    yield


def both(case, tol=None):
  p = outcome(case, pyjax)
  j = outcome(case, oracle())
  assert_same_outcome(p, j, tol=tol)
  return p, j


# ------------------------------------------------------------------------------------------------
# lax.scaled_dot

SCALED_DOT = {
    "default": lambda L: L.lax.scaled_dot(L8, R8, lhs_scale=LS, rhs_scale=RS),
    "f32": lambda L: L.lax.scaled_dot(L8, R8, lhs_scale=LS, rhs_scale=RS,
                                      preferred_element_type=np.float32),
    "no_scales": lambda L: L.lax.scaled_dot(L8, R8),
    "one_scale": lambda L: L.lax.scaled_dot(L8, R8, rhs_scale=RS),
    "batched_3d": lambda L: L.lax.scaled_dot(B8, BR8, lhs_scale=BLS, rhs_scale=BRS,
                                             preferred_element_type=np.float32),
    "f32_operands": lambda L: L.lax.scaled_dot(L8.astype(np.float32) * 1.01, R8, lhs_scale=LS,
                                               rhs_scale=RS),
    "explicit_dn": lambda L: L.lax.scaled_dot(L8, R8.T, lhs_scale=LS, rhs_scale=RS.T,
                                              dimension_numbers=(((1,), (1,)), ((), ()))),
    "jit": lambda L: L.jit(lambda a, b, c, d: L.lax.scaled_dot(
        a, b, lhs_scale=c, rhs_scale=d, preferred_element_type=np.float32))(L8, R8, LS, RS),
    "vmap": lambda L: L.vmap(lambda a, c: L.lax.scaled_dot(a, R8, lhs_scale=c, rhs_scale=RS))(
        B8, BLS[:, :, :2]),
    "vmap_rhs_axis1": lambda L: L.vmap(
        lambda b: L.lax.scaled_dot(L8, b, lhs_scale=LS, rhs_scale=RS),
        in_axes=1)(np.stack([R8, R8[:, ::-1]], 1)),
    # errors
    "rank1": lambda L: L.lax.scaled_dot(L8[0], R8[:, 0]),
    "rank_mismatch": lambda L: L.lax.scaled_dot(L8, R8, lhs_scale=LS[0]),
    "block_of_one": lambda L: L.lax.scaled_dot(L8, R8, lhs_scale=np.ones((4, 64), E8M0)),
    "not_divisible": lambda L: L.lax.scaled_dot(L8, R8, lhs_scale=np.ones((4, 3), E8M0)),
    "free_dim_mismatch": lambda L: L.lax.scaled_dot(L8, R8, lhs_scale=LS[:3]),
    "contract_mismatch": lambda L: L.lax.scaled_dot(L8, R8[:32]),
    "batch_mismatch": lambda L: L.lax.scaled_dot(B8, BR8[:1]),
    "grad": lambda L: L.grad(lambda a: L.lax.scaled_dot(
        a, R8.astype(np.float32), preferred_element_type=np.float32).sum())(
            L8.astype(np.float32)),
}


@pytest.mark.parametrize("name", sorted(SCALED_DOT))
def test_scaled_dot(name):
  both(SCALED_DOT[name])


def test_scaled_dot_jaxpr_text():
  jax = oracle()
  for fn, args in [(lambda a, b, c, d: pyjax.lax.scaled_dot(a, b, lhs_scale=c, rhs_scale=d),
                    (L8, R8, LS, RS)),
                   (lambda a, b: pyjax.lax.scaled_dot(a, b, preferred_element_type=np.float32),
                    (L8, R8))]:
    ours = str(pyjax.make_jaxpr(fn)(*args))
    theirs = str(jax.make_jaxpr(lambda *a, fn=fn: _as_jax(fn)(*a))(*args))
    assert ours == theirs


def _as_jax(fn):
  """`fn` with `pyjax` replaced by the oracle in its globals (the lambdas above use `pyjax.lax`)."""
  import types
  g = dict(fn.__globals__, pyjax=oracle())
  return types.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__, fn.__closure__)


# ------------------------------------------------------------------------------------------------
# nn.scaled_matmul

A8 = RNG.randn(2, 4, 64).astype(F8)
C8 = RNG.randn(2, 3, 64).astype(F8)
AS = np.exp2(RNG.randint(-3, 4, (2, 4, 2))).astype(E8M0)
CS = np.exp2(RNG.randint(-3, 4, (2, 3, 2))).astype(E8M0)

MATMUL_ERRORS = {
    "no_cpu_kernel": lambda L: L.nn.scaled_matmul(A8, C8, AS, CS),
    "no_cpu_kernel_jit": lambda L: L.jit(L.nn.scaled_matmul)(A8, C8, AS, CS),
    "rank": lambda L: L.nn.scaled_matmul(A8[0], C8, AS, CS),
    "k_mismatch": lambda L: L.nn.scaled_matmul(A8, C8[..., :32], AS, CS),
    "scale_k_mismatch": lambda L: L.nn.scaled_matmul(A8, C8, AS, CS[..., :1]),
    "scale_m_mismatch": lambda L: L.nn.scaled_matmul(A8, C8, AS[:, :3], CS),
    "bad_mode": lambda L: L.nn.get_scaled_dot_general_config("fp8"),
    "bad_out_type": lambda L: L.nn.scaled_dot_general(
        X, Y, DN, preferred_element_type=np.int32,
        configs=[L.nn.get_scaled_dot_general_config("mxfp8")] * 3),
    "sdg_no_cpu_kernel": lambda L: L.nn.scaled_dot_general(
        X, Y, DN, configs=[L.nn.get_scaled_dot_general_config("mxfp8")] * 3),
    "grad_of_scaled_matmul": lambda L: L.grad(lambda a: L.nn.scaled_matmul(
        a, C8.astype(np.float32), AS, CS).sum())(A8.astype(np.float32)),
}


@pytest.mark.parametrize("name", sorted(MATMUL_ERRORS))
def test_scaled_matmul_errors_by_default(name):
  p, _ = both(MATMUL_ERRORS[name])
  assert p[0] == "raise"


def test_scaled_matmul_error_names_the_switch():
  with pytest.raises(NotImplementedError, match="pyjax_scaled_matmul_on_cpu"):
    pyjax.nn.scaled_matmul(A8, C8, AS, CS)


def test_scaled_matmul_jaxpr_text():
  ours = str(pyjax.make_jaxpr(pyjax.nn.scaled_matmul)(A8, C8, AS, CS))
  theirs = str(oracle().make_jaxpr(oracle().nn.scaled_matmul)(A8, C8, AS, CS))
  assert ours == theirs


def test_configs():
  for mode in ("mxfp8", "nvfp4"):
    p = pyjax.nn.get_scaled_dot_general_config(mode)
    j = oracle().nn.get_scaled_dot_general_config(mode)
    assert type(p).__name__ == type(j).__name__ == "BlockScaleConfig"
    assert repr(p) == repr(j)
  p = pyjax.nn.get_scaled_dot_general_config("nvfp4", np.array([0.5], np.float32))
  assert float(p.global_scale[0]) == 0.5


MATMUL = {
    "basic": lambda L: L.nn.scaled_matmul(A8, C8, AS, CS),
    "bf16": lambda L: L.nn.scaled_matmul(A8, C8, AS, CS, preferred_element_type=ml_dtypes.bfloat16),
    "docstring": lambda L: L.nn.scaled_matmul(
        L.numpy.array([1, 2, 3]).reshape((1, 1, 3)), L.numpy.array([4, 5, 6]).reshape((1, 1, 3)),
        L.numpy.array([0.5]).reshape((1, 1, 1)), L.numpy.array([0.5]).reshape((1, 1, 1))),
    "jit": lambda L: L.jit(L.nn.scaled_matmul)(A8, C8, AS, CS),
    "vmap": lambda L: L.vmap(L.nn.scaled_matmul)(np.stack([A8, A8]), np.stack([C8, C8[::-1]]),
                                                 np.stack([AS, AS]), np.stack([CS, CS[::-1]])),
}


@pytest.mark.parametrize("name", sorted(MATMUL))
def test_scaled_matmul_values(with_kernels, name):
  both(MATMUL[name], tol=(1e-6, 1e-6))


# ------------------------------------------------------------------------------------------------
# nn.scaled_dot_general


def _configs(L, mode):
  scale = None if mode == "mxfp8" else L.numpy.array([0.5], np.float32)
  return [L.nn.get_scaled_dot_general_config(mode, scale)] * 3


def _sdg(L, mode, dn=DN, **kw):
  return lambda x, y: L.nn.scaled_dot_general(x, y, dn, configs=_configs(L, mode), **kw)


SDG = {}
for _mode in ("mxfp8", "nvfp4"):
  SDG[f"{_mode}_eager"] = lambda L, m=_mode: _sdg(L, m)(X, Y)
  SDG[f"{_mode}_bf16"] = lambda L, m=_mode: _sdg(L, m, preferred_element_type=ml_dtypes.bfloat16)(
      X, Y)
  SDG[f"{_mode}_jit"] = lambda L, m=_mode: L.jit(_sdg(L, m))(X, Y)
  SDG[f"{_mode}_no_batch"] = lambda L, m=_mode: _sdg(L, m, (((0,), (1,)), ((), ())))(
      L.numpy.asarray(X2), L.numpy.asarray(Y2))
  SDG[f"{_mode}_vmap"] = lambda L, m=_mode: L.vmap(_sdg(L, m, (((1,), (1,)), ((), ()))))(X, Y)
  SDG[f"{_mode}_grad"] = lambda L, m=_mode: L.grad(
      lambda x, y: (_sdg(L, m)(x, y) * W).sum(), argnums=(0, 1))(X, Y)
  SDG[f"{_mode}_grad_no_batch"] = lambda L, m=_mode: L.grad(
      lambda x, y: (_sdg(L, m, (((0,), (1,)), ((), ())))(x, y) * W).sum(), argnums=(0, 1))(
          X2, Y2)
  SDG[f"{_mode}_jit_grad"] = lambda L, m=_mode: L.jit(L.grad(
      lambda x, y: (_sdg(L, m)(x, y) * W).sum(), argnums=(0, 1)))(X, Y)
SDG["no_configs"] = lambda L: L.nn.scaled_dot_general(X, Y, DN)
SDG["nvfp4_clipped_inputs_get_no_gradient"] = lambda L: L.grad(
    lambda x: (_sdg(L, "nvfp4")(x, Y) * W).sum())(X * np.where(X > 1.5, 2000., 1.))


@pytest.mark.parametrize("name", sorted(SDG))
def test_scaled_dot_general(with_kernels, name):
  both(SDG[name], tol=(2e-5, 2e-4))


def test_quantized_values_differ_from_plain_dot(with_kernels):
  out = np.asarray(_sdg(pyjax, "mxfp8")(X, Y))
  exact = np.einsum("bmk,bnk->bmn", X, Y)
  assert 0 < np.abs(out - exact).max() < 0.1 * np.abs(exact).max()


def test_all_zero_block_gives_zero(with_kernels):
  # JAX's CPU backend flushes the 2**-127 scale of an all-zero MXFP8 block and gets NaN; pyjax
  # keeps the subnormal and the block contributes 0.
  x = X.copy()
  x[0, 0, :32] = 0
  out = np.asarray(_sdg(pyjax, "mxfp8")(x, Y))
  assert np.isfinite(out).all()


def test_implementation_is_deprecated(with_kernels):
  with pytest.warns(DeprecationWarning):
    pyjax.nn.scaled_dot_general(X, Y, DN, configs=_configs(pyjax, "mxfp8"),
                                implementation="cudnn")
