"""The index helpers of jnp (take, take_along_axis, put, place, choose, compress, index
arithmetic, grids and r_/c_) against the oracle (jax 0.10.2): values, dtypes and errors, and
take/take_along_axis/put_along_axis under jit, vmap and grad."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

import pyjax  # noqa: E402
import pyjax.numpy as pnp  # noqa: E402

from case_tables import CaseTable  # noqa: E402
from oracle_util import assert_same_outcome, outcome  # noqa: E402

x = np.arange(12.).reshape(3, 4).astype(np.float32)


CASES = {
    "take": lambda L: L.take(x, np.array([0, 5, -1, -9]), axis=1),
    "take-flat": lambda L: L.take(x, np.array([[0, 13]])),
    "take-clip": lambda L: L.take(x, np.array([0, 5, -9]), axis=0, mode="clip"),
    "take-wrap": lambda L: L.take(x, np.array([0, 5, -9]), axis=0, mode="wrap"),
    "take-scalar": lambda L: L.take(x, 2, axis=1),
    "take-fill": lambda L: L.take(np.arange(3), np.array([7]), fill_value=-1),
    "tal": lambda L: L.take_along_axis(x, np.array([[0], [7], [-1]]), axis=1),
    "tal0": lambda L: L.take_along_axis(x, np.array([[0, 1, 2, 0]]), axis=0),
    "tal-none": lambda L: L.take_along_axis(x, np.array([0, 11, 3]), axis=None),
    "tal-clip": lambda L: L.take_along_axis(x, np.array([[0], [7], [-1]]), axis=1, mode="clip"),
    "pal": lambda L: L.put_along_axis(x, np.array([[0], [3], [-1]]), 9., axis=1, inplace=False),
    "put": lambda L: L.put(x, np.array([1, 20]), np.array([5., 6.]), inplace=False),
    "put-clip":
        lambda L: L.put(x, np.array([1, 20, -3]), np.array([5., 6.]), mode="clip", inplace=False),
    "put-wrap":
        lambda L: L.put(x, np.array([1, 20, -3]), np.array([5., 6., 7., 8.]), mode="wrap",
            inplace=False),
    "place": lambda L: L.place(x, x % 3 == 0, np.array([-1., -2.]), inplace=False),
    "choose": lambda L: L.choose(np.array([0, 1, 5]), [np.zeros(3), np.ones(3)], mode='clip'),
    "choose-wrap":
        lambda L: L.choose(np.array([[0, 1, 5]]), [np.zeros((2, 1)), np.arange(3.)], mode='wrap'),
    "choose-raise": lambda L: L.choose(np.array([0, 1, 1]), [np.zeros(3), np.ones(3)]),
    "compress": lambda L: L.compress(np.array([True, False, True]), x, axis=0),
    "compress-flat": lambda L: L.compress(np.array([True, False, True, True]), x),
    "compress-size":
        lambda L: L.compress(np.array([False, True, True, False]), x, axis=1, size=3, fill_value=7),
    "extract": lambda L: L.extract(x > 5, x),
    "extract-size": lambda L: L.extract(x > 5, x, size=8, fill_value=-1),
    "rmi":
        lambda L: L.ravel_multi_index((np.array([1, 5]), np.array([2, -1])), (3, 4), mode='clip'),
    "rmi-wrap":
        lambda L: L.ravel_multi_index((np.array([1, 5]), np.array([2, -1])), (3, 4), mode='wrap',
            order='F'),
    "rmi-raise": lambda L: L.ravel_multi_index((np.array([1, 2]), np.array([2, 3])), (3, 4)),
    "unravel": lambda L: L.unravel_index(np.array([5, 25, -1, -30]), (3, 4)),
    "ix": lambda L: L.ix_(np.array([0, 1]), np.array([2, 3, 1])),
    "indices": lambda L: L.indices((2, 3)),
    "indices-sparse": lambda L: L.indices((2, 3), sparse=True, dtype=np.int8),
    "diag": lambda L: L.diag_indices(3, 3),
    "diag-from": lambda L: L.diag_indices_from(np.zeros((2, 2))),
    "tril": lambda L: L.tril_indices(3, 1),
    "triu": lambda L: L.triu_indices(3, -1, 4),
    "tril-from": lambda L: L.tril_indices_from(x, 1),
    "triu-from": lambda L: L.triu_indices_from(x),
    "mask": lambda L: L.mask_indices(3, L.triu, 1),
    "fill-diag": lambda L: L.fill_diagonal(np.zeros((5, 3)), np.array([1., 2.]), inplace=False),
    "fill-diag-3d": lambda L: L.fill_diagonal(np.zeros((2, 2, 2)), 4., inplace=False),
    "r": lambda L: L.r_[1:3, np.array([5, 6]), 0],
    "r2": lambda L: L.r_['0,2', [1, 2], [3, 4]],
    "r3": lambda L: L.r_['1,2,0', np.array([1, 2]), np.array([3, 4])],
    "r-lin": lambda L: L.r_[0:1:5j],
    "rr": lambda L: L.r_['r', [1, 2], [3]],
    "rc": lambda L: L.r_['c', [1, 2], [3]],
    "c": lambda L: L.c_[np.array([1, 2]), np.array([3, 4])],
    "c2": lambda L: L.c_[np.ones((2, 2)), np.array([3, 4])],
    "mgrid": lambda L: L.mgrid[0:2, 0:3],
    "mgrid-f": lambda L: L.mgrid[0:1:3j, 1:2:.5],
    "mgrid1": lambda L: L.mgrid[1:4],
    "ogrid": lambda L: L.ogrid[0:2, 0:3:2j],
}


# Cases whose result shape (or check) needs concrete values: the oracle runs them eagerly.
EAGER = {"choose-raise", "compress", "compress-flat", "extract", "mask", "rmi-raise"}
TABLE = CaseTable({name: (lambda L, fn=fn: fn(L.np)) for name, fn in CASES.items()
                   if name not in EAGER})


@pytest.mark.parametrize("name", list(TABLE))
def test_matches_oracle(name):
  TABLE.check(name)


@pytest.mark.parametrize("name", sorted(EAGER))
def test_concrete_cases_match_oracle(name):
  assert_same_outcome(outcome(CASES[name], pnp), outcome(CASES[name], jnp))


ERRORS = [
    lambda L: L.put(x, 1, 2.0), lambda L: L.place(x, x > 1, 2.0),
    lambda L: L.put_along_axis(x, np.array([[0]]), 1.0, axis=1),
    lambda L: L.fill_diagonal(x, 1.0), lambda L: L.fill_diagonal(x, 1.0, wrap=True, inplace=False),
    lambda L: L.take(x, np.array([1]), out=np.zeros(1)), lambda L: L.take(x, 1, mode="raise"),
    lambda L: L.take(x, 1, mode="bad"), lambda L: L.put(x, 1, 2.0, mode="raise", inplace=False),
    lambda L: L.choose(np.array([0, 1, 5]), [np.zeros(3), np.ones(3)]),
    lambda L: L.choose(np.array([0.0]), [np.zeros(1)]),
    lambda L: L.ravel_multi_index((np.array([1, 5]), np.array([2, -1])), (3, 4)),
    lambda L: L.compress(np.array([[True]]), x),
    lambda L: L.compress(np.array([True, False, False, True]), x, axis=0),
    lambda L: L.compress(np.array([True]), x, size=7),
    lambda L: L.take_along_axis(x, np.array([0]), axis=1),
    lambda L: L.place(x, np.array([True]), 1.0, inplace=False),
    lambda L: L.place(x, x > 1, np.zeros(0), inplace=False),
    lambda L: L.diag_indices_from(np.zeros((2, 3))),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors_match_oracle(case):
  p, j = outcome(ERRORS[case], pnp), outcome(ERRORS[case], jnp)
  assert_same_outcome(p, j)
  assert str(p[1]) == str(j[1])


def test_index_expressions():
  assert pnp.s_[1:2, ::3] == np.s_[1:2, ::3] and pnp.index_exp[1:2] == (slice(1, 2),)
  assert pnp.s_[3] == 3 and pnp.index_exp[..., None] == (Ellipsis, None)


def test_array_methods_match_oracle():
  for fn in (lambda a: a.take(np.array([0, 13]), mode="clip"),
             lambda a: a.compress(np.array([True, False, True]), axis=0),
             lambda a: (a[0] % 2).astype(np.int32).choose([a[0], a[1]])):
    assert_same_outcome(outcome(fn, pnp.asarray(x)), outcome(fn, jnp.asarray(x)))


def test_jit_vmap_and_grad():
  idx = np.array([[0, 3], [2, -1], [1, 1]])
  fns = [lambda a, i: pnp.take(a, i[0], axis=1), lambda a, i: pnp.take_along_axis(a, i, axis=1),
         lambda a, i: pnp.put_along_axis(a, i, 2.0, axis=1, inplace=False),
         lambda a, i: pnp.put(a, i, a[0, :2], inplace=False, mode="wrap")]
  for fn in fns:
    np.testing.assert_array_equal(np.asarray(pyjax.jit(fn)(x, idx)), np.asarray(fn(x, idx)))
    batched = pyjax.vmap(fn, (0, None))(np.stack([x, -x]), idx)
    np.testing.assert_array_equal(np.asarray(batched[1]), np.asarray(fn(pnp.asarray(-x), idx)))
  jfns = [lambda a, i: jnp.take(a, i[0], axis=1), lambda a, i: jnp.take_along_axis(a, i, axis=1),
          lambda a, i: jnp.put_along_axis(a, i, 2.0, axis=1, inplace=False),
          lambda a, i: jnp.put(a, i, a[0, :2], inplace=False, mode="wrap")]
  for fn, jfn in zip(fns, jfns):
    p = pyjax.grad(lambda a: (fn(a, idx) ** 2).sum())(x)
    j = jax.grad(lambda a: (jfn(a, idx) ** 2).sum())(x)
    np.testing.assert_allclose(np.asarray(p), np.asarray(j))
