"""Sorting and searching against the oracle (jax 0.10.2): `lax.sort`/`sort_key_val`/`top_k`
(staged programs, derivatives, vmap) and `jnp.sort`, `argsort`, `lexsort`, `partition`,
`argpartition`, `searchsorted` (every method), `digitize`, `nonzero` and its kin with
`size`/`fill_value`, `bincount`: values, dtypes, weak types, error classes, jit and vmap."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import pyjax  # noqa: E402
import pyjax.numpy as pjnp  # noqa: E402
from pyjax import lax as plax  # noqa: E402
from pyjax.test_util import check_grads  # noqa: E402

from case_tables import CaseTable  # noqa: E402
from oracle_util import assert_same_outcome, outcome, x64  # noqa: E402

RNG = np.random.default_rng(3)
F = np.array([[3., np.nan, 1, -0., 0., 5, -np.inf, 5], [1, 2, 3, 4, 5, 6, 7, 8]], np.float32)
I = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3], np.int32)
SI = np.sort(I)
B = np.array([True, False, True, True, False])
Z = np.array([1 + 2j, 1 - 1j, np.nan, -3j, 1 + 2j], np.complex64)
U = np.array([3, 0, 7, 0, 2], np.uint8)
R = RNG.standard_normal((3, 5)).astype(np.float32)

CASES = {
    # lax
    "lax_sort": lambda L: L.lax.sort(F),
    "lax_sort_dim0": lambda L: L.lax.sort(F, dimension=0, is_stable=False),
    "lax_sort_multi": lambda L: L.lax.sort((I % 3, I, I * 2.0), num_keys=2),
    "lax_sort_key_val": lambda L: L.lax.sort_key_val(F, F.astype(np.int32) * 0 + 7),
    "lax_sort_complex": lambda L: L.lax.sort(Z),
    "lax_sort_bool": lambda L: L.lax.sort(B),
    "lax_top_k": lambda L: L.lax.top_k(F, 3),
    "lax_top_k_int": lambda L: L.lax.top_k(I, 4),
    "lax_top_k_uint": lambda L: L.lax.top_k(U, 5),
    "lax_top_k_axis0": lambda L: L.lax.top_k(F, 1, axis=0),
    # jnp.sort / argsort / lexsort
    "sort": lambda L: L.np.sort(F),
    "sort_axis0": lambda L: L.np.sort(F, axis=0),
    "sort_none_desc": lambda L: L.np.sort(F, axis=None, descending=True),
    "sort_weak": lambda L: L.np.sort(L.np.asarray(2.0) * R),
    "sort_int_desc_unstable": lambda L: L.np.sort(I, stable=False, descending=True),
    "sort_complex_values": lambda L: L.np.sort(Z),
    "argsort": lambda L: L.np.argsort(F),
    "argsort_desc": lambda L: L.np.argsort(I, descending=True),
    "argsort_axis0": lambda L: L.np.argsort(F, axis=0),
    "argsort_none": lambda L: L.np.argsort(F, axis=None),
    "argsort_dtype": lambda L: L.np.argsort(I, dtype=np.int16),
    "lexsort": lambda L: L.np.lexsort((I, I % 3)),
    "lexsort_array": lambda L: L.np.lexsort(F),
    "lexsort_axis0": lambda L: L.np.lexsort((F.T, F.T > 2), axis=0),
    "sort_complex": lambda L: L.np.sort_complex(I),
    "sort_complex_f": lambda L: L.np.sort_complex(R),
    # partition
    "partition": lambda L: L.np.partition(I, 3),
    "partition_neg": lambda L: L.np.partition(R, -2, axis=0),
    "partition_uint": lambda L: L.np.partition(U, 1),
    "argpartition": lambda L: L.np.argpartition(I, 3),
    "argpartition_axis0": lambda L: L.np.argpartition(R, 1, axis=0),
    # searchsorted / digitize
    "ss_scan": lambda L: L.np.searchsorted(SI, I),
    "ss_scan_right": lambda L: L.np.searchsorted(SI, I, side="right"),
    "ss_sort": lambda L: L.np.searchsorted(SI, I + 0.5, method="sort"),
    "ss_sort_right": lambda L: L.np.searchsorted(SI, I, side="right", method="sort"),
    "ss_compare_all": lambda L: L.np.searchsorted(np.sort(F[0]), F, method="compare_all"),
    "ss_compare_all_right": lambda L: L.np.searchsorted(np.sort(F[0]), F, side="right",
                                                        method="compare_all"),
    "ss_nan_scan": lambda L: L.np.searchsorted(np.sort(F[0]), F, side="right"),
    "ss_nan_sort": lambda L: L.np.searchsorted(np.sort(F[0]), F, method="sort"),
    "ss_scalar": lambda L: L.np.searchsorted(SI, 4),
    "ss_sorter": lambda L: L.np.searchsorted(I, np.array([0, 4, 10]), sorter=np.argsort(I)),
    "ss_complex": lambda L: L.np.searchsorted(np.sort(Z), Z, method="compare_all"),
    "ss_bool": lambda L: L.np.searchsorted(np.sort(B), B),
    "ss_empty": lambda L: L.np.searchsorted(np.zeros(0, np.float32), R),
    "digitize": lambda L: L.np.digitize(F, np.array([0., 1, 3])),
    "digitize_right": lambda L: L.np.digitize(I, np.array([1, 3, 6]), right=True),
    "digitize_decreasing": lambda L: L.np.digitize(I, np.array([6, 3, 1])),
    "digitize_method": lambda L: L.np.digitize(R, np.array([-1., 0, 1]), method="compare_all"),
    "digitize_empty": lambda L: L.np.digitize(R, np.zeros(0)),
    # nonzero & co. with a static size
    "nonzero_size": lambda L: L.np.nonzero(F, size=20, fill_value=-1),
    "nonzero_truncate": lambda L: L.np.nonzero(F, size=3),
    "nonzero_fill_tuple": lambda L: L.np.nonzero(F, size=16, fill_value=(7, 8)),
    "flatnonzero_size": lambda L: L.np.flatnonzero(I - 1, size=12, fill_value=7),
    "argwhere_size": lambda L: L.np.argwhere(F > 2, size=6),
    "where_size": lambda L: L.np.where(I > 3, size=6, fill_value=99),
    "bincount_length": lambda L: L.np.bincount(I - 2, length=4),
    "bincount_weights": lambda L: L.np.bincount(I, weights=R.ravel()[:10], length=12),
    "bincount_bool": lambda L: L.np.bincount(B, length=3),
}
TABLE = CaseTable(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_oracle(name):
  TABLE.check(name)


def test_x64_index_dtypes():
  table = CaseTable({
      "argsort": lambda L: L.np.argsort(I),
      "nonzero": lambda L: L.np.nonzero(I, size=3),
      "searchsorted": lambda L: L.np.searchsorted(SI, I),
      "lexsort": lambda L: L.np.lexsort((I,)),
      "bincount": lambda L: L.np.bincount(I, length=10),
      "top_k": lambda L: L.lax.top_k(I.astype(np.int64), 2),
  }, enable_x64=True)
  for name in table:
    table.check(name)


# Data-dependent output sizes: eager only, in both libraries.
EAGER = {
    "nonzero": lambda m: m.numpy.nonzero(F),
    "nonzero_3d": lambda m: m.numpy.nonzero(R.reshape(3, 5, 1) > 0),
    "flatnonzero": lambda m: m.numpy.flatnonzero(F),
    "argwhere": lambda m: m.numpy.argwhere(F),
    "argwhere_scalar": lambda m: m.numpy.argwhere(3),
    "argwhere_scalar_zero": lambda m: m.numpy.argwhere(0.0),
    "where_one_arg": lambda m: m.numpy.where(I > 3),
    "bincount": lambda m: m.numpy.bincount(I),
    "bincount_minlength": lambda m: m.numpy.bincount(I, minlength=12),
    "bincount_weights": lambda m: m.numpy.bincount(I, weights=I * 0.5),
    "bincount_empty": lambda m: m.numpy.bincount(np.zeros(0, np.int32)),
}

ERRORS = {
    "sort_kind": lambda m: m.numpy.sort(F, kind="quicksort"),
    "sort_order": lambda m: m.numpy.sort(F, order="x"),
    "argsort_kind": lambda m: m.numpy.argsort(F, kind="stable"),
    "sort_axis": lambda m: m.numpy.sort(F, axis=2),
    "sort_list": lambda m: m.numpy.sort([3, 1]),
    "lexsort_shapes": lambda m: m.numpy.lexsort((I, I[:3])),
    "lexsort_scalar": lambda m: m.numpy.lexsort(np.array([1, 2])[0:1].reshape(1)[0]),
    "partition_complex": lambda m: m.numpy.partition(Z, 1),
    "partition_kth": lambda m: m.numpy.partition(I, 10),
    "ss_2d": lambda m: m.numpy.searchsorted(F, 3.0),
    "ss_method": lambda m: m.numpy.searchsorted(SI, 3, method="binary"),
    "digitize_2d": lambda m: m.numpy.digitize(I, F),
    "nonzero_0d": lambda m: m.numpy.nonzero(3),
    "bincount_float": lambda m: m.numpy.bincount(F),
    "bincount_2d": lambda m: m.numpy.bincount(I.reshape(2, 5)),
    "bincount_weights_shape": lambda m: m.numpy.bincount(I, weights=np.ones(3)),
    "top_k_large": lambda m: m.lax.top_k(I, 11),
    "top_k_negative": lambda m: m.lax.top_k(I, -1),
    "top_k_scalar": lambda m: m.lax.top_k(np.float32(1), 1),
    "sort_num_keys": lambda m: m.lax.sort((I, I), num_keys=3),
    "sort_shapes": lambda m: m.lax.sort((I, I[:3])),
}


@pytest.mark.parametrize("name", sorted(EAGER))
def test_eager_dynamic_sizes(name):
  assert_same_outcome(outcome(EAGER[name], pyjax), outcome(EAGER[name], jax), None, f"{name}: ")


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_oracle(name):
  expected = outcome(ERRORS[name], jax)
  assert expected[0] == "raise", f"{name}: oracle returned {expected[1]!r}"
  assert_same_outcome(outcome(ERRORS[name], pyjax), expected, None, f"{name}: ")


def test_sort_error_messages():
  with pytest.raises(TypeError, match="'kind' argument to sort is not supported"):
    pjnp.sort(F, kind="quicksort")
  with pytest.raises(ValueError, match="Calling nonzero on 0d arrays is not allowed"):
    pjnp.nonzero(3)
  with pytest.raises(TypeError, match="must have an integer type; got float32"):
    pjnp.bincount(F)


def test_jit_needs_static_size():
  for fn in (pjnp.nonzero, pjnp.flatnonzero, pjnp.argwhere):
    with pytest.raises(pyjax.errors.ConcretizationTypeError,
                       match="must be statically specified"):
      pyjax.jit(fn)(I)
  with pytest.raises(pyjax.errors.ConcretizationTypeError, match="pass a static `length`"):
    pyjax.jit(pjnp.bincount)(I)


def test_jit_with_size_matches_eager():
  cases = [lambda x: pjnp.nonzero(x, size=7, fill_value=-2),
           lambda x: pjnp.argwhere(x > 2, size=4),
           lambda x: pjnp.bincount(x, length=11),
           lambda x: pjnp.searchsorted(pjnp.sort(x), x, method="sort"),
           lambda x: pjnp.argpartition(x, 4)]
  for fn in cases:
    eager, jitted = fn(I), pyjax.jit(fn)(I)
    for e, j in zip(pyjax.tree_util.tree_leaves(eager), pyjax.tree_util.tree_leaves(jitted)):
      assert e.dtype == j.dtype and e.shape == j.shape
      np.testing.assert_array_equal(np.asarray(e), np.asarray(j))


def test_jaxpr_text_matches_oracle():
  programs = [lambda L: lambda x: L.lax.sort(x),
              lambda L: lambda x: L.lax.sort_key_val(x, x),
              lambda L: lambda x: L.lax.sort((x, x, x), dimension=0, num_keys=2),
              lambda L: lambda x: L.lax.top_k(x, 2),
              lambda L: lambda x: L.lax.top_k(x, 1, axis=0)]
  for program in programs:
    assert str(pyjax.make_jaxpr(program(pyjax))(R)) == str(jax.make_jaxpr(program(jax))(R))


# ------------------------------------------------------------------------------------------------
# Derivatives


def test_sort_grad_matches_oracle():
  w = np.arange(5, dtype=np.float32)

  def loss(L):
    return lambda x: (L.lax.sort(x) * w).sum() + (L.lax.sort_key_val(x, x * x, 0)[1] ** 2).sum()
  np.testing.assert_allclose(pyjax.grad(loss(pyjax))(R), jax.grad(loss(jax))(R), rtol=1e-6)

  def multi(L):
    return lambda x: (L.lax.sort((x.round(), x, x * 3.0), num_keys=2)[2] * w).sum()
  np.testing.assert_allclose(pyjax.grad(multi(pyjax))(R), jax.grad(multi(jax))(R), rtol=1e-6)


def test_top_k_jvp_and_grad_match_oracle():
  t = RNG.standard_normal(R.shape).astype(np.float32)
  p_out, p_t = pyjax.jvp(lambda x: plax.top_k(x, 3)[0], (R,), (t,))
  j_out, j_t = jax.jvp(lambda x: jax.lax.top_k(x, 3)[0], (R,), (t,))
  np.testing.assert_array_equal(p_out, j_out)
  np.testing.assert_array_equal(p_t, j_t)

  def loss(L):
    return lambda x: (L.lax.top_k(x, 2)[0] ** 2).sum()
  np.testing.assert_allclose(pyjax.grad(loss(pyjax))(R), jax.grad(loss(jax))(R))


def test_jnp_sort_grads_against_finite_differences():
  x = RNG.standard_normal((3, 4))  # distinct values: sort is differentiable there
  with x64():
    check_grads(lambda x: pjnp.sort(x, axis=0, descending=True), (x,), order=2)
    check_grads(lambda x: plax.sort_key_val(x, pjnp.sin(x))[1], (x,), order=1)
    check_grads(lambda x: plax.top_k(x, 2)[0], (x,), order=2)
    check_grads(lambda x: pjnp.partition(x, 1), (x,), order=1)
    check_grads(pyjax.jit(lambda x: plax.sort((x, x * x), num_keys=1)[1]), (x,), order=1)


# ------------------------------------------------------------------------------------------------
# vmap against a loop


def _loop(fn, *args, in_axes):
  n = next(np.shape(a)[ax] for a, ax in zip(args, in_axes) if ax is not None)
  rows = [fn(*(a if ax is None else np.take(a, i, ax) for a, ax in zip(args, in_axes)))
          for i in range(n)]
  return pyjax.tree_util.tree_map(lambda *r: np.stack([np.asarray(x) for x in r]), *rows)


VMAPPED = {
    "sort": (lambda x: pjnp.sort(x), (R,), (1,)),
    "argsort_desc": (lambda x: pjnp.argsort(x, descending=True), (R,), (0,)),
    "lax_sort_multi": (lambda x, y: plax.sort((x, y), num_keys=1), (R, R.T * 2), (0, 1)),
    "top_k": (lambda x: plax.top_k(x, 2), (R,), (1,)),
    "searchsorted": (lambda a, v: pjnp.searchsorted(a, v), (np.sort(R, 1), R), (0, 0)),
    "searchsorted_sort": (lambda a, v: pjnp.searchsorted(a, v, side="right", method="sort"),
                          (np.sort(R, 1), R[0]), (0, None)),
    "searchsorted_compare_all": (lambda a, v: pjnp.searchsorted(a, v, method="compare_all"),
                                 (np.sort(R[0]), R), (None, 1)),
    "nonzero_size": (lambda x: pjnp.nonzero(x > 0, size=4, fill_value=-1), (R,), (0,)),
    "bincount": (lambda x: pjnp.bincount(x, length=6), (I.reshape(2, 5),), (0,)),
}


@pytest.mark.parametrize("name", sorted(VMAPPED))
def test_vmap_matches_loop(name):
  fn, args, in_axes = VMAPPED[name]
  batched = pyjax.vmap(fn, in_axes=in_axes)(*args)
  looped = _loop(fn, *args, in_axes=in_axes)
  for b, e in zip(pyjax.tree_util.tree_leaves(batched), pyjax.tree_util.tree_leaves(looped)):
    np.testing.assert_array_equal(np.asarray(b), e)


def test_array_methods():
  x = pjnp.asarray(R)
  np.testing.assert_array_equal(x.sort(axis=0), np.sort(R, axis=0))
  np.testing.assert_array_equal(x.argsort(), np.argsort(R, kind="stable"))
  np.testing.assert_array_equal(x[0].sort().searchsorted(0.0), np.searchsorted(np.sort(R[0]), 0))
  np.testing.assert_array_equal(x.nonzero(size=2)[1], np.nonzero(R)[1][:2])
  np.testing.assert_array_equal(x.argpartition(1)[:, :2], np.argsort(R, kind="stable")[:, :2])
