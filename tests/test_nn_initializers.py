"""`pyjax.nn.initializers` against the oracle's `jax.nn.initializers` (jax 0.10.2): for the same
key, shape and dtype the arrays are bit-identical (float32, float16, bfloat16; complex for the
variance-scaling family), and bad arguments raise JAX's errors."""
from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

jax = pytest.importorskip("jax")

import pyjax  # noqa: E402
from pyjax.nn import initializers as pinit  # noqa: E402

from case_tables import ORACLE, CaseTable  # noqa: E402
from oracle_util import assert_same_outcome, outcome  # noqa: E402

BF16 = np.dtype(ml_dtypes.bfloat16)


def init_of(L):
  return L.top.nn.initializers


def key(L, seed=0):
  return L.top.random.key(seed)


FACTORIES = {
    "zeros": lambda I: I.zeros,
    "ones": lambda I: I.ones,
    "constant": lambda I: I.constant(-0.25),
    "uniform": lambda I: I.uniform(),
    "uniform_scale": lambda I: I.uniform(3.0),
    "normal": lambda I: I.normal(0.5),
    "truncated_normal": lambda I: I.truncated_normal(2.0, lower=-1.0, upper=3.0),
    "glorot_uniform": lambda I: I.glorot_uniform(),
    "glorot_normal": lambda I: I.glorot_normal(),
    "xavier_uniform": lambda I: I.xavier_uniform(),
    "xavier_normal": lambda I: I.xavier_normal(),
    "he_uniform": lambda I: I.he_uniform(),
    "he_normal": lambda I: I.he_normal(),
    "kaiming_uniform": lambda I: I.kaiming_uniform(),
    "kaiming_normal": lambda I: I.kaiming_normal(),
    "lecun_uniform": lambda I: I.lecun_uniform(),
    "lecun_normal": lambda I: I.lecun_normal(),
    "vs_fan_out_normal": lambda I: I.variance_scaling(0.3, "fan_out", "normal"),
    "vs_geo_avg": lambda I: I.variance_scaling(2.0, "fan_geo_avg", "uniform"),
    "vs_axes": lambda I: I.variance_scaling(1.0, "fan_avg", "truncated_normal", in_axis=(0, 1),
                                            out_axis=-1, batch_axis=2),
    "orthogonal": lambda I: I.orthogonal(),
    "orthogonal_col0": lambda I: I.orthogonal(scale=2.0, column_axis=0),
}
SHAPE = (3, 4, 2, 5)

CASES = {}
for _name, _factory in FACTORIES.items():
  for _dtype in (np.float32, np.float16, BF16):
    CASES[f"{_name}/{np.dtype(_dtype).name}"] = (
        lambda L, f=_factory, d=_dtype: f(init_of(L))(key(L, 3), SHAPE, d))
  CASES[f"{_name}/default_dtype"] = lambda L, f=_factory: f(init_of(L))(key(L), (6, 3))
CASES.update({
    "he_normal/raw_key": lambda L: init_of(L).he_normal()(L.top.random.PRNGKey(5), (4, 7)),
    "glorot_uniform/conv": lambda L: init_of(L).glorot_uniform(dtype=np.float16)(
        key(L), (3, 3, 2, 4)),
    "lecun_normal/in_axis_1d": lambda L: init_of(L).lecun_normal(in_axis=0, out_axis=())(
        key(L), (5,)),
    "orthogonal/wide": lambda L: init_of(L).orthogonal()(key(L, 1), (2, 6)),
    "orthogonal/zero_dim": lambda L: init_of(L).orthogonal()(key(L), (0, 3)),
    "delta_orthogonal/3d": lambda L: init_of(L).delta_orthogonal()(key(L, 2), (3, 2, 4)),
    "delta_orthogonal/4d": lambda L: init_of(L).delta_orthogonal(scale=0.5)(key(L), (3, 2, 3, 3)),
    "delta_orthogonal/5d": lambda L: init_of(L).delta_orthogonal(dtype=BF16)(
        key(L), (2, 3, 2, 2, 2)),
    "constant/int": lambda L: init_of(L).constant(7, dtype=np.int32)(key(L), (2, 2)),
    "normal/complex": lambda L: init_of(L).normal(dtype=np.complex64)(key(L), (2, 3)),
    "vs_uniform/complex": lambda L: init_of(L).variance_scaling(
        1.0, "fan_in", "uniform", dtype=np.complex64)(key(L), (3, 4)),
    "vs_truncated/complex": lambda L: init_of(L).variance_scaling(
        1.0, "fan_avg", "truncated_normal")(key(L), (3, 4), np.complex64),
    "he_uniform/jit": lambda L: L.top.jit(lambda k: init_of(L).he_uniform()(k, (4, 4)))(key(L)),
    "glorot_normal/vmap": lambda L: L.top.vmap(lambda k: init_of(L).glorot_normal()(k, (2, 3)))(
        L.top.random.split(key(L), 3)),
})



class EagerOracleTable(CaseTable):
  """The oracle runs each case eagerly, as a user would: inside one big jitted program XLA fuses
  the scaling multiply into the sampler and rounds differently from JAX's eager results, which
  are the ones pyjax reproduces bit for bit."""

  def _compute_oracle(self) -> dict:
    return {name: outcome(fn, ORACLE) for name, fn in self.cases.items()}


TABLE = EagerOracleTable(CASES)


# Normal and truncated-normal draws go through float32 erf_inv. pyjax reproduces XLA's optimized
# CPU kernel (fused multiply-adds) to within an ulp, but tests/conftest.py compiles the oracle at
# optimization level 0, where XLA rounds its Horner steps separately; so these draws are compared
# to a few ulps. Uniform-based draws, zeros, ones and constants must be bit-identical.
GAUSSIAN = ("normal", "truncated_normal", "glorot_normal", "xavier_normal", "he_normal",
            "kaiming_normal", "lecun_normal", "vs_axes", "vs_fan_out_normal", "vs_truncated")
ULP = {"float32": (5e-7, 0), "float16": (1e-3, 0), "bfloat16": (8e-3, 0),
       "complex64": (5e-7, 0)}


def _tolerance(name):
  dtype = name.split("/")[1] if name.split("/")[1] in ULP else "float32"
  if name.endswith("complex"):
    dtype = "complex64"
  if "orthogonal" in name:
    # Through a QR decomposition, which is not bit-reproducible across LAPACK builds.
    return (2e-6, 2e-6) if dtype == "float32" else (1e-2, 1e-2)
  if name.split("/")[0] in GAUSSIAN:
    return ULP[dtype]
  return None  # bit-identical


@pytest.mark.parametrize("name", list(TABLE))
def test_bits_match_oracle(name):
  expected = TABLE.oracle(name)
  if expected[0] == "raise":
    assert_same_outcome(TABLE.pyjax(name), expected, None, f"{name}: ")
  else:
    TABLE.check(name, _tolerance(name))


@pytest.mark.parametrize("call", [
    lambda I, k: I.glorot_uniform()(k, (5,)),
    lambda I, k: I.variance_scaling(1.0, "fan_sum", "normal")(k, (2, 2)),
    lambda I, k: I.variance_scaling(1.0, "fan_in", "cauchy")(k, (2, 2)),
    lambda I, k: I.orthogonal()(k, (4,)),
    lambda I, k: I.delta_orthogonal()(k, (3, 3)),
    lambda I, k: I.delta_orthogonal()(k, (3, 4, 2)),
    lambda I, k: I.uniform()(k, (2,), np.int32),
])
def test_errors_match_oracle(call):
  p = outcome(lambda: call(pinit, pyjax.random.key(0)))
  j = outcome(lambda: call(jax.nn.initializers, jax.random.key(0)))
  assert j[0] == "raise"
  assert_same_outcome(p, j)
  assert str(p[1]) == str(j[1])


def test_protocol_and_aliases():
  assert isinstance(pinit.he_normal(), pinit.Initializer)
  assert isinstance(pinit.zeros, pinit.Initializer)
  assert pinit.kaiming_normal is pinit.he_normal
  assert sorted(pinit.__all__) == sorted(
      n for n in dir(jax.nn.initializers) if not n.startswith("_"))


def test_orthogonal_is_orthogonal():
  q = np.asarray(pinit.orthogonal()(pyjax.random.key(4), (3, 2, 5)), np.float64).reshape(6, 5)
  np.testing.assert_allclose(q.T @ q, np.eye(5), atol=1e-5)
