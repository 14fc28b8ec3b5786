"""Order statistics against the oracle (jax 0.10.2): `quantile`, `percentile`, `median` and
their NaN-ignoring forms for every interpolation method, axis tuple and `keepdims`, and `ptp`:
values, dtypes, weak types, error classes, gradients, jit and vmap."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import pyjax  # noqa: E402
import pyjax.numpy as pjnp  # noqa: E402
from pyjax.test_util import check_grads  # noqa: E402

from case_tables import CaseTable  # noqa: E402
from oracle_util import AUTO, assert_same_outcome, outcome, x64  # noqa: E402

R = np.random.default_rng(0).standard_normal((3, 4, 5)).astype(np.float32)
N = R.copy()
N[0, 1, 2] = np.nan
N[1] = np.nan
I = np.arange(10, dtype=np.int32)[::-1]
Q = np.array([0., 0.3, 0.5, 1.], np.float32)
METHODS = ("linear", "lower", "higher", "midpoint", "nearest")

CASES = {}
for _m in METHODS:
  CASES[f"quantile_{_m}"] = lambda L, m=_m: L.np.quantile(R, Q, axis=1, method=m)
  CASES[f"nanquantile_{_m}"] = lambda L, m=_m: L.np.nanquantile(N, 0.4, axis=(0, 2), method=m,
                                                                keepdims=True)
CASES.update({
    "quantile_int": lambda L: L.np.quantile(I, 0.25),
    "quantile_weak_q": lambda L: L.np.quantile(R, L.np.asarray(0.7), axis=2),
    "quantile_nan": lambda L: L.np.quantile(N, Q, axis=-1, keepdims=True),
    "percentile": lambda L: L.np.percentile(R, 30, axis=(1, 2)),
    "percentile_list": lambda L: L.np.percentile(I, np.array([10, 50, 90])),
    "nanpercentile": lambda L: L.np.nanpercentile(N, np.array([10., 50]), axis=2),
    "median": lambda L: L.np.median(R, axis=0),
    "median_all": lambda L: L.np.median(I),
    "median_keepdims": lambda L: L.np.median(N, axis=(0, 1), keepdims=True),
    "nanmedian": lambda L: L.np.nanmedian(N, axis=2),
    "ptp": lambda L: L.np.ptp(R, axis=1, keepdims=True),
    "ptp_int": lambda L: L.np.ptp(I),
})
TABLE = CaseTable(CASES)

ERRORS = {
    "method": lambda m: m.numpy.quantile(R, 0.5, method="bad"),
    "complex": lambda m: m.numpy.quantile(R + 1j, 0.5),
    "overwrite": lambda m: m.numpy.median(R, overwrite_input=True),
    "repeated_axis": lambda m: m.numpy.quantile(R, 0.5, axis=(1, 1)),
    "list": lambda m: m.numpy.median([1.0, 2.0]),
    "ptp_out": lambda m: m.numpy.ptp(R, out=R),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_oracle(name):
  TABLE.check(name, tol=AUTO)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_oracle(name):
  expected = outcome(ERRORS[name], jax)
  assert expected[0] == "raise"
  assert_same_outcome(outcome(ERRORS[name], pyjax), expected, None, f"{name}: ")


def test_grads_match_oracle():
  def loss(L):
    return lambda x: (L.numpy.quantile(x, Q, axis=1) ** 2).sum() + L.numpy.median(x) + \
        L.numpy.nanpercentile(x, 40.0, axis=2).sum()
  np.testing.assert_allclose(pyjax.grad(loss(pyjax))(R), jax.grad(loss(jax))(R), rtol=1e-5,
                             atol=1e-6)


def test_grads_against_finite_differences():
  x = np.random.default_rng(1).standard_normal((4, 5))
  with x64():
    check_grads(lambda x: pjnp.quantile(x, np.array([0.2, 0.75]), axis=1), (x,), order=1)
    check_grads(lambda x: pjnp.median(x, axis=0), (x,), order=1)


def test_jit_and_vmap():
  fn = lambda x: pjnp.nanquantile(x, Q, axis=-1, method="nearest")  # noqa: E731
  np.testing.assert_array_equal(pyjax.jit(fn)(N), fn(N))
  batched = pyjax.vmap(lambda x: pjnp.median(x, axis=0))(R)
  np.testing.assert_array_equal(batched, np.stack([pjnp.median(r, axis=0) for r in R]))


def test_ptp_method():
  np.testing.assert_array_equal(pjnp.asarray(R).ptp(axis=0), np.ptp(R, axis=0))
