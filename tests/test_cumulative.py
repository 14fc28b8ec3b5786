"""Cumulative reductions against the oracle (jax 0.10.2): `lax.cumsum/cumprod/cummax/cummin/
cumlogsumexp` (values, gradients incl. ties, vmap vs loop, jaxpr text) and the `jnp` forms with
JAX's dtype rules."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import pyjax  # noqa: E402
from pyjax import lax as plax  # noqa: E402

from case_tables import CaseTable  # noqa: E402

X = np.array([[1.0, 3.0, 3.0, -2.0, 5.0], [0.5, -1.0, 2.0, 2.0, 0.0]], np.float32)
NANS = np.array([[1.0, np.nan, 3.0], [np.nan, -1.0, 2.0]], np.float32)
I8 = np.array([[100, 100, -3], [5, 6, 7]], np.int8)
OPS = ["cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp"]
WEIGHTS = np.arange(10, dtype=np.float32).reshape(2, 5) - 4

LAX_CASES = {}
for _op in OPS:
  for _axis in (0, 1):
    for _rev in (False, True):
      LAX_CASES[f"{_op}_{_axis}_{_rev}"] = (
          lambda m, op=_op, axis=_axis, rev=_rev: getattr(m.lax, op)(X, axis, rev))
      LAX_CASES[f"grad_{_op}_{_axis}_{_rev}"] = (
          lambda m, op=_op, axis=_axis, rev=_rev: m.top.grad(
              lambda x: (getattr(m.lax, op)(x, axis=axis, reverse=rev) * WEIGHTS).sum())(X))
LAX_CASES["cumsum_int"] = lambda m: m.lax.cumsum(I8, 1)
LAX_CASES["cummax_int"] = lambda m: m.lax.cummax(I8, 0, True)
LAX_CASES["cummin_int"] = lambda m: m.lax.cummin(I8, 1)
LAX_CASES["cumprod_int"] = lambda m: m.lax.cumprod(I8, 1, reverse=True)
LAX = CaseTable(LAX_CASES)


@pytest.mark.parametrize("name", sorted(LAX_CASES))
def test_lax_matches_oracle(name):
  LAX.check(name, (1e-5, 1e-5))


@pytest.mark.parametrize("op", OPS)
def test_vmap_matches_loop(op):
  f = lambda x: getattr(plax, op)(x, 0, True)
  out = pyjax.vmap(f, in_axes=1, out_axes=1)(X)
  loop = np.stack([np.asarray(f(X[:, i])) for i in range(X.shape[1])], axis=1)
  np.testing.assert_allclose(np.asarray(out), loop, rtol=1e-6)


def test_errors_match_oracle():
  for lax, kind in ((plax, ValueError), (jax.lax, ValueError)):
    with pytest.raises(kind, match="out of bounds"):
      lax.cumsum(np.ones(3, np.float32), axis=2)
  for lax in (plax, jax.lax):
    with pytest.raises(ValueError, match="negative axes"):
      lax.cumsum(np.ones(3, np.float32), axis=-1)
    with pytest.raises(TypeError, match="cummax does not accept dtype bool"):
      lax.cummax(np.array([True, False]))


def test_jaxpr_text_matches_oracle():
  prog = lambda m: lambda x: m.lax.cumlogsumexp(m.lax.cumsum(x, 1, reverse=True), 0)
  assert str(pyjax.make_jaxpr(prog(pyjax))(X)) == str(jax.make_jaxpr(prog(jax))(X))


NUMPY_CASES = {
    "cumsum_flat": lambda m: m.np.cumsum(X),
    "cumsum_axis": lambda m: m.np.cumsum(X, 1),
    "cumprod_axis0": lambda m: m.np.cumprod(X, axis=0),
    "nancumsum": lambda m: m.np.nancumsum(NANS, 1),
    "nancumprod": lambda m: m.np.nancumprod(NANS),
    "cumsum_int8_keeps_dtype": lambda m: m.np.cumsum(I8, 0),
    "cumsum_bool_to_int": lambda m: m.np.cumsum(I8 > 0, 1),
    "cumsum_dtype_bool": lambda m: m.np.cumsum(I8, 1, dtype=bool),
    "cumprod_dtype_float": lambda m: m.np.cumprod(I8, 0, dtype=np.float32),
    "cumsum_scalar": lambda m: m.np.cumsum(3.0),
    "cumulative_sum_promotes": lambda m: m.np.cumulative_sum(I8, axis=1),
    "cumulative_sum_initial": lambda m: m.np.cumulative_sum(X, axis=0, include_initial=True),
    "cumulative_prod_initial": lambda m: m.np.cumulative_prod(I8, axis=1, include_initial=True),
    "cumulative_sum_1d": lambda m: m.np.cumulative_sum(X[0], dtype=np.float32),
    "method_cumsum": lambda m: m.np.asarray(X).cumsum(axis=1),
    "method_cumprod": lambda m: m.np.asarray(I8).cumprod(),
    "grad_cumprod": lambda m: m.top.grad(lambda x: m.np.cumprod(x, 1).sum())(X),
}
NUMPY = CaseTable(NUMPY_CASES)


@pytest.mark.parametrize("name", sorted(NUMPY_CASES))
def test_numpy_matches_oracle(name):
  NUMPY.check(name, (1e-6, 1e-6))


def test_numpy_errors_match_oracle():
  import jax.numpy as jjnp
  import pyjax.numpy as pjnp
  for np_ in (pjnp, jjnp):
    with pytest.raises(ValueError, match="axis was not set"):
      np_.cumulative_sum(X)
    with pytest.raises(ValueError, match="non-scalar"):
      np_.cumulative_prod(np.float32(2))
    with pytest.raises(TypeError):
      np_.cumsum([1, 2])
