"""NaN-ignoring reductions (nansum ... nanargmin) and the reductions' shared options (`where`,
`initial`, `mean`, `out`) against the oracle: dtypes, weak types, values and errors; under jit,
vmap and grad."""
import jax
import numpy as np
import pytest

import pyjax
import pyjax.numpy as jnp
from pyjax.test_util import check_grads

from case_tables import CaseTable
from oracle_util import AUTO, assert_same_outcome, outcome, x64

NAN = np.nan
F32 = np.array([[1.5, NAN, -3.0, 2.0], [NAN, NAN, NAN, NAN], [0.5, 4.0, NAN, -1.0]], np.float32)
F16 = F32.astype(np.float16)
C64 = (F32 + 1j * np.roll(F32, 1, axis=1)).astype(np.complex64)
I8 = np.array([[1, -2, 3], [4, 5, -6]], np.int8)
BOOLS = np.array([[True, False, True], [False, False, True]])
WHERE = np.array([True, False, True, True])

ALL = ["nansum", "nanprod", "nanmax", "nanmin", "nanmean", "nanvar", "nanstd", "nanargmax",
       "nanargmin"]
ARG = ["nanargmax", "nanargmin"]


def _cases():
  cases = {}
  for name in ALL:
    for label, x in [("f32", F32), ("f16", F16), ("i8", I8), ("bool", BOOLS)]:
      for axis in (None, 0, 1, -1):
        cases[f"{name}-{label}-axis{axis}"] = (
            lambda L, n=name, x=x, axis=axis: getattr(L.np, n)(x, axis=axis))
      cases[f"{name}-{label}-keepdims"] = (
          lambda L, n=name, x=x: getattr(L.np, n)(x, axis=1, keepdims=True))
    cases[f"{name}-scalar"] = lambda L, n=name: getattr(L.np, n)(2.5)
    cases[f"{name}-int-scalar"] = lambda L, n=name: getattr(L.np, n)(3)
  for name in ["nansum", "nanprod", "nanmean", "nanvar", "nanstd"]:
    cases[f"{name}-c64"] = lambda L, n=name: getattr(L.np, n)(C64, axis=1)
    cases[f"{name}-where"] = lambda L, n=name: getattr(L.np, n)(F32, axis=1, where=WHERE)
    cases[f"{name}-dtype"] = lambda L, n=name: getattr(L.np, n)(F32, axis=0, dtype=np.float16)
  for name in ["nansum", "nanprod", "nanmax", "nanmin"]:
    cases[f"{name}-initial"] = lambda L, n=name: getattr(L.np, n)(F32, axis=1, initial=2.0)
    cases[f"{name}-where-initial"] = (
        lambda L, n=name: getattr(L.np, n)(F32, axis=1, where=WHERE, initial=-1.0))
  for name in ["nanvar", "nanstd"]:
    for ddof in (1, 3):
      cases[f"{name}-ddof{ddof}"] = lambda L, n=name, d=ddof: getattr(L.np, n)(F32, 1, ddof=d)
    cases[f"{name}-mean"] = (
        lambda L, n=name: getattr(L.np, n)(F32, axis=1, mean=np.ones((3, 1), np.float32)))
  cases["nansum-int-dtype"] = lambda L: L.np.nansum(F32, dtype=np.int32)
  cases["nanargmax-keepdims-none"] = lambda L: L.np.nanargmax(F32, axis=0, keepdims=None)
  # The plain reductions' options.
  cases["var-mean"] = lambda L: L.np.var(F32[:1], axis=1, mean=np.zeros((1, 1), np.float32))
  cases["std-mean-keepdims"] = lambda L: L.np.std(I8, axis=0, keepdims=True, mean=I8[:1])
  cases["max-where-initial"] = lambda L: L.np.max(I8, axis=1, where=I8 > 0, initial=0)
  cases["sum-where-initial"] = lambda L: L.np.sum(I8, where=I8 > 0, initial=10)
  cases["prod-where"] = lambda L: L.np.prod(F32[2], where=WHERE)
  cases["mean-where"] = lambda L: L.np.mean(I8, axis=0, where=I8 < 4)
  cases["all-where"] = lambda L: L.np.all(BOOLS, axis=1, where=BOOLS)
  cases["any-where"] = lambda L: L.np.any(BOOLS, axis=0, where=~BOOLS)
  return cases


TABLE = CaseTable(_cases())


@pytest.mark.parametrize("name", list(TABLE))
def test_matches_oracle(name):
  TABLE.check(name, tol=AUTO)


@pytest.mark.parametrize("name", ALL + ["sum", "prod", "max", "min", "amax", "all", "any",
                                        "mean", "var", "std", "argmax", "argmin"])
def test_out_is_rejected_as_in_jax(name):
  p = outcome(getattr(jnp, name), F32, out=np.zeros(4))
  j = outcome(getattr(jax.numpy, name), F32, out=np.zeros(4))
  assert_same_outcome(p, j)
  assert str(p[1]) == str(j[1])


@pytest.mark.parametrize("call", [
    lambda np_: np_.nanmax(F32, where=WHERE),
    lambda np_: np_.nanmax(np.zeros((0, 2), np.float32), axis=0),
    lambda np_: np_.nanargmin(np.zeros((0,), np.float32)),
    lambda np_: np_.nansum([1.0, NAN]),
    lambda np_: np_.nanvar(F32, axis=2),
    lambda np_: np_.nanmean(F32, axis=(0, 0)),
])
def test_errors_match_oracle(call):
  p, j = outcome(call, jnp), outcome(call, jax.numpy)
  assert j[0] == "raise"
  assert_same_outcome(p, j)
  assert str(p[1]) == str(j[1])


@pytest.mark.parametrize("name", ALL)
def test_jit_and_vmap_match_eager(name):
  fn = getattr(jnp, name)
  x = jnp.asarray(F32)
  eager = fn(x, axis=1)
  np.testing.assert_array_equal(pyjax.jit(lambda v: fn(v, axis=1))(x), eager)
  batched = pyjax.vmap(lambda row: fn(row))(x)
  looped = jnp.stack([fn(row) for row in x])
  assert batched.dtype == looped.dtype
  np.testing.assert_array_equal(batched, looped)


@pytest.mark.parametrize("name", ["nansum", "nanprod", "nanmax", "nanmin", "nanmean", "nanvar",
                                  "nanstd"])
def test_grads_away_from_nan_match_finite_differences(name):
  x = np.array([[0.3, 1.7, -0.8], [2.1, -1.2, 0.9]], np.float64)
  with x64():
    check_grads(lambda v: getattr(jnp, name)(v, axis=1), (jnp.asarray(x),), order=2,
                modes=("fwd", "rev"))


@pytest.mark.parametrize("name", ["nansum", "nanmean", "nanvar", "nanstd", "nanmax"])
def test_grad_is_zero_at_nans_and_finite_elsewhere(name):
  x = jnp.asarray(F32[0])
  g = pyjax.grad(lambda v: getattr(jnp, name)(v))(x)
  expected = jax.grad(lambda v: getattr(jax.numpy, name)(v))(F32[0])
  np.testing.assert_allclose(np.asarray(g), np.asarray(expected), rtol=1e-6)
  assert g[1] == 0 and np.isfinite(np.asarray(g)).all()
