"""Set operations against the oracle (jax 0.10.2): `unique` (every return flag, `axis`,
`equal_nan`, `size`/`fill_value`), `unique_all`/`_counts`/`_inverse`/`_values`, `isin` (every
method), `intersect1d`, `union1d`, `setdiff1d`, `setxor1d` and `trim_zeros`: values, dtypes, weak
types and error classes; jit and vmap with a static `size`."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import pyjax  # noqa: E402
import pyjax.numpy as pjnp  # noqa: E402

from case_tables import CaseTable  # noqa: E402
from oracle_util import assert_same_outcome, outcome  # noqa: E402

x = np.array([3., np.nan, 1, 3, np.nan, 0., -0., 2, 1], np.float32)
a, b = np.array([5, 3, 4, 3, 7, 7], np.int32), np.array([3, 1, 2, 1], np.int32)
A2 = np.array([[1, 2], [1, 2], [0, 5]], np.int32)

# Static output sizes: one jitted oracle program.
JITTABLE = {
    "u_size": lambda L: L.np.unique(x, True, True, True, size=8),
    "u_axis1": lambda L: L.np.unique(A2, axis=1, return_inverse=True, size=3),
    "u_counts": lambda L: tuple(L.np.unique_counts(x, size=7)),
    "i2": lambda L: L.np.intersect1d(a, b, return_indices=True, size=3),
    "i3": lambda L: L.np.intersect1d(b, a*1.0, return_indices=True, size=4, fill_value=9),
    "sd": lambda L: L.np.setdiff1d(a, b, size=5),
    "sd2": lambda L: L.np.setdiff1d(a, b, size=5, fill_value=-1),
    "sx": lambda L: L.np.setxor1d(a, b, size=4),
    "un2": lambda L: L.np.union1d(a, b, size=6),
    "isin": lambda L: L.np.isin(x, np.array([np.nan, 1.])),
    "isin2": lambda L: L.np.isin(x, 1., invert=True),
    "isin3": lambda L: L.np.isin(A2, b, method='sort'),
    "isin4": lambda L: L.np.isin(x, np.array([np.nan, 1., 0.]), method='binary_search'),
}
TABLE = CaseTable({name: fn for name, fn in JITTABLE.items()})

# Data-dependent output sizes: eager in both libraries.
EAGER = {
    "u": lambda m: m.numpy.unique(x, True, True, True),
    "u_size_fill": lambda m: m.numpy.unique(x, True, True, True, size=8, fill_value=-5),
    "u_size_small": lambda m: m.numpy.unique(a, size=3, return_inverse=True, return_counts=True),
    "u_nan": lambda m: m.numpy.unique(x, equal_nan=False, return_counts=True),
    "u_2d": lambda m: m.numpy.unique(x.reshape(3,3), return_inverse=True),
    "u_axis0": lambda m: m.numpy.unique(A2, axis=0, return_inverse=True, return_counts=True,
                                        return_index=True),
    "u_scalar": lambda m: m.numpy.unique(3.0, return_inverse=True),
    "u_complex": lambda m: m.numpy.unique(np.array([1.+1j, 1-1j, np.nan, 1+1j])),
    "u_empty": lambda m: m.numpy.unique(np.zeros(0), True, True, True),
    "u_all": lambda m: tuple(m.numpy.unique_all(x)),
    "u_inv": lambda m: tuple(m.numpy.unique_inverse(x.reshape(3,3))),
    "u_vals": lambda m: m.numpy.unique_values(x),
    "i1": lambda m: m.numpy.intersect1d(a, b, return_indices=True),
    "i4": lambda m: m.numpy.intersect1d(np.array([1, 3, 4]), np.array([4, 3, 9]),
                                        assume_unique=True, return_indices=True),
    "sd3": lambda m: m.numpy.setdiff1d(a, b, assume_unique=True),
    "sd4": lambda m: m.numpy.setdiff1d(a, b),
    "sx2": lambda m: m.numpy.setxor1d(a.astype(float), b*1.0),
    "sx3": lambda m: m.numpy.setxor1d(np.array([1,2,5]), np.array([2,3]), assume_unique=True),
    "un": lambda m: m.numpy.union1d(a, b*1.5),
    "tz": lambda m: m.numpy.trim_zeros(np.array([0,0,1,0,2,0])),
    "tz_b": lambda m: m.numpy.trim_zeros(np.array([0,0,1,0,2,0]), 'b'),
    "tz_f": lambda m: m.numpy.trim_zeros(np.array([0,0,1,0,2,0]), 'f'),
    "tz_ax": lambda m: m.numpy.trim_zeros(np.array([[0,0,0],[0,1,0],[0,0,0]]), axis=0),
    "tz_2d": lambda m: m.numpy.trim_zeros(np.array([[0,0,0],[0,1,0],[0,0,2]])),
    "tz_z": lambda m: m.numpy.trim_zeros(np.zeros(3)),
    "tz_zb": lambda m: m.numpy.trim_zeros(np.zeros(3), 'b'),
}

ERRORS = {
    "e_isin": lambda m: m.numpy.isin(a, b, method='x'),
    "e_ax": lambda m: m.numpy.unique(a, axis=2),
    "e_empty": lambda m: m.numpy.unique(np.zeros(0), size=2),
}


@pytest.mark.parametrize("name", sorted(JITTABLE))
def test_static_size_matches_oracle(name):
  TABLE.check(name)


@pytest.mark.parametrize("name", sorted(EAGER))
def test_eager_matches_oracle(name):
  assert_same_outcome(outcome(EAGER[name], pyjax), outcome(EAGER[name], jax), None, f"{name}: ")


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_oracle(name):
  expected = outcome(ERRORS[name], jax)
  assert expected[0] == "raise"
  assert_same_outcome(outcome(ERRORS[name], pyjax), expected, None, f"{name}: ")


def test_named_results():
  result = pjnp.unique_all(x)
  assert type(result).__name__ == "_UniqueAllResult"
  assert result._fields == ("values", "indices", "inverse_indices", "counts")
  assert pjnp.unique_counts(x)._fields == ("values", "counts")
  assert pjnp.unique_inverse(x)._fields == ("values", "inverse_indices")


def test_jit_needs_static_size():
  for fn in (pjnp.unique, pjnp.unique_values, lambda v: pjnp.union1d(v, v),
             lambda v: pjnp.intersect1d(v, v), lambda v: pjnp.setdiff1d(v, v[:2]),
             lambda v: pjnp.setxor1d(v, v[:2])):
    with pytest.raises(pyjax.errors.ConcretizationTypeError, match="size argument"):
      pyjax.jit(fn)(a)
  with pytest.raises(pyjax.errors.ConcretizationTypeError):
    pyjax.jit(pjnp.trim_zeros)(a)


def test_jit_with_size_matches_eager():
  cases = [lambda v: pjnp.unique(v, True, True, True, size=5),
           lambda v: pjnp.intersect1d(v, v[::2], return_indices=True, size=4),
           lambda v: pjnp.setxor1d(v, v[:3] + 1, size=6, fill_value=-1),
           lambda v: pjnp.setdiff1d(v, v[:2], size=3),
           lambda v: pjnp.union1d(v, v * 2, size=7)]
  for fn in cases:
    eager, jitted = fn(a), pyjax.jit(fn)(a)
    for e, j in zip(pyjax.tree_util.tree_leaves(eager), pyjax.tree_util.tree_leaves(jitted)):
      assert e.dtype == j.dtype and e.shape == j.shape
      np.testing.assert_array_equal(np.asarray(e), np.asarray(j))


def test_vmap_with_size_matches_loop():
  rows = np.array([[1, 1, 2, 5], [3, 3, 3, 0], [4, 2, 4, 2]], np.int32)
  def fn(v):
    return pjnp.unique(v, return_counts=True, return_inverse=True, size=3, fill_value=-1)
  batched = pyjax.vmap(fn)(rows)
  looped = [fn(r) for r in rows]
  for i, out in enumerate(batched):
    np.testing.assert_array_equal(np.asarray(out), np.stack([np.asarray(l[i]) for l in looped]))
  isin = pyjax.vmap(lambda v: pjnp.isin(v, b, method="sort"))(rows)
  np.testing.assert_array_equal(np.asarray(isin), np.isin(rows, b))
