"""lax.gather and the scatter family against the oracle (jax 0.10.2): values, dtypes and weak
types for every mode, batching dimensions, shape errors, the jaxpr text, gradients (vs the
oracle and finite differences) and vmap (vs a Python loop)."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import pyjax  # noqa: E402
from pyjax import lax as plax  # noqa: E402
from pyjax.test_util import check_grads  # noqa: E402

from case_tables import CaseTable  # noqa: E402
from oracle_util import assert_same_outcome, outcome  # noqa: E402

OPERAND = np.arange(20.).reshape(4, 5).astype(np.float32) - 6
IDX = np.array([[3], [-1], [1], [1]])  # out of bounds, in bounds, repeated
ROW_WINDOWS = dict(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,))
ROW_SCATTER = dict(update_window_dims=(1,), inserted_window_dims=(0,),
                   scatter_dims_to_operand_dims=(0,))
# Windows of 2 columns at (row, column) starts: the last start runs off the end.
BOX_IDX = np.array([[0, 1], [2, 3], [1, 4]])
BOX_WINDOWS = dict(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0, 1))
BOX_SCATTER = dict(update_window_dims=(1,), inserted_window_dims=(0,),
                   scatter_dims_to_operand_dims=(0, 1))
# Batching dims: row b of the operand is read (written) by index row b.
BATCH_IDX = np.array([[[1], [4]], [[0], [0]], [[2], [7]], [[3], [1]]])
BATCH_WINDOWS = dict(offset_dims=(), collapsed_slice_dims=(1,), start_index_map=(1,),
                     operand_batching_dims=(0,), start_indices_batching_dims=(0,))
BATCH_SCATTER = dict(update_window_dims=(), inserted_window_dims=(1,),
                     scatter_dims_to_operand_dims=(1,), operand_batching_dims=(0,),
                     scatter_indices_batching_dims=(0,))
SCATTERS = ["scatter", "scatter_add", "scatter_sub", "scatter_mul", "scatter_min", "scatter_max"]
MODES = [None, "clip", "fill", "promise_in_bounds"]


def _gather_cases(dtype):
  x = OPERAND.astype(dtype)
  cases = {}
  for mode in MODES:
    for name, idx, dn, sizes in (("rows", IDX, ROW_WINDOWS, (1, 5)),
                                 ("boxes", BOX_IDX, BOX_WINDOWS, (1, 2)),
                                 ("batched", BATCH_IDX, BATCH_WINDOWS, (1, 1))):
      cases[f"gather-{name}-{mode}"] = lambda L, idx=idx, dn=dn, sizes=sizes, mode=mode: (
          L.lax.gather(x, idx, L.lax.GatherDimensionNumbers(**dn), sizes, mode=mode))
  cases["gather-fill-value"] = lambda L: L.lax.gather(
      x, IDX, L.lax.GatherDimensionNumbers(**ROW_WINDOWS), (1, 5), mode="fill", fill_value=7)
  cases["gather-enum-mode"] = lambda L: L.lax.gather(
      x, IDX, L.lax.GatherDimensionNumbers(**ROW_WINDOWS), (1, 5),
      mode=L.lax.GatherScatterMode.from_any("clip"), unique_indices=True,
      indices_are_sorted=True)
  cases["index_take"] = lambda L: L.lax.index_take(x, (np.array([0, 5, -1]),
                                                       np.array([1, 2, -7])), (0, 1))
  for fn in SCATTERS:
    if dtype == "bool" and fn in ("scatter_add", "scatter_sub", "scatter_mul"):
      continue
    for mode in MODES:
      for name, idx, dn, updates in (
          ("rows", IDX, ROW_SCATTER, (np.arange(20).reshape(4, 5) % 3 + 1).astype(dtype)),
          ("boxes", BOX_IDX, BOX_SCATTER, (np.arange(6).reshape(3, 2) % 4 - 1).astype(dtype)),
          ("batched", BATCH_IDX, BATCH_SCATTER, (np.arange(8).reshape(4, 2) - 3).astype(dtype))):
        cases[f"{fn}-{name}-{mode}"] = lambda L, fn=fn, idx=idx, dn=dn, u=updates, mode=mode: (
            getattr(L.lax, fn)(x, idx, u, L.lax.ScatterDimensionNumbers(**dn), mode=mode))
  cases["scatter_apply"] = lambda L: L.lax.scatter_apply(
      x, IDX, lambda v: v * 2 + 1 if dtype != "bool" else ~v,
      L.lax.ScatterDimensionNumbers(**ROW_SCATTER), update_shape=(4, 5))
  return cases


TABLES = {dtype: CaseTable(_gather_cases(dtype)) for dtype in ("float32", "int32", "bool")}


@pytest.mark.parametrize("dtype", list(TABLES))
def test_gather_and_scatters_match_oracle(dtype):
  table = TABLES[dtype]
  for name in table:
    table.check(name)


def test_weak_types_follow_the_operand():
  p = plax.gather(pyjax.numpy.zeros(5) + 1.0, IDX, plax.GatherDimensionNumbers((), (0,), (0,)),
                  (1,))
  j = jax.lax.gather(jax.numpy.zeros(5) + 1.0, IDX, jax.lax.GatherDimensionNumbers((), (0,), (0,)),
                     (1,))
  assert_same_outcome(("ok", p), ("ok", j))


def _both(fn):
  return outcome(fn, plax), outcome(fn, jax.lax)


ERRORS = [
    lambda L: L.gather(np.arange(5.), np.array([[4], [1]]),
                       L.GatherDimensionNumbers((1,), (), (0,)), (7,)),
    lambda L: L.gather(np.arange(5.), np.array([[4.]]), L.GatherDimensionNumbers((1,), (), (0,)),
                       (2,)),
    lambda L: L.gather(np.arange(5.), np.array([[4]]), L.GatherDimensionNumbers((1,), (), (0,)),
                       (2, 1)),
    lambda L: L.gather(np.arange(5.), np.array([[4, 1]]), L.GatherDimensionNumbers((1,), (), (0,)),
                       (2,)),
    lambda L: L.gather(np.arange(5.), np.array([[4]]), L.GatherDimensionNumbers((1,), (0,), (0,)),
                       (2,)),
    lambda L: L.gather(np.arange(5.), np.array([[4]]), L.GatherDimensionNumbers((3,), (), (0,)),
                       (2,)),
    lambda L: L.gather(np.arange(5.), np.array([[4]]), L.GatherDimensionNumbers((1,), (), (0,)),
                       (2,), mode="bad"),
    lambda L: L.scatter_add(np.arange(5.), np.array([[4], [1]]), np.ones((2, 2), np.int32),
                            L.ScatterDimensionNumbers((1,), (), (0,))),
    lambda L: L.scatter_add(np.arange(5.), np.array([[4], [1]]), np.ones((3, 2), np.float32),
                            L.ScatterDimensionNumbers((1,), (), (0,))),
    lambda L: L.scatter_add(np.array([True]), np.array([[0]]), np.array([True]),
                            L.ScatterDimensionNumbers((), (0,), (0,))),
    lambda L: L.scatter_mul(np.array([True]), np.array([[0]]), np.array([True]),
                            L.ScatterDimensionNumbers((), (0,), (0,))),
    lambda L: L.scatter_apply(np.zeros(3, np.float32), np.array([[0]]), lambda v: v,
                              L.ScatterDimensionNumbers((), (0,), (0,))),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors_match_oracle(case):
  p, j = _both(ERRORS[case])
  assert_same_outcome(p, j)
  assert str(p[1]) == str(j[1])


def test_jaxpr_text_matches_oracle():
  def program(L):
    def fn(x, i, u):
      g = L.lax.gather(x, i, L.lax.GatherDimensionNumbers(**ROW_WINDOWS), (1, 5), mode="fill")
      s = L.lax.scatter(x, i, u, L.lax.ScatterDimensionNumbers(**ROW_SCATTER), mode="clip")
      m = L.lax.scatter_max(x, i, u, L.lax.ScatterDimensionNumbers(**ROW_SCATTER))
      a = L.lax.scatter_apply(x, i, L.lax.sin, L.lax.ScatterDimensionNumbers(**ROW_SCATTER),
                              update_shape=(4, 5))
      return g, s, m, a
    return str(L.make_jaxpr(fn)(OPERAND, IDX, OPERAND))
  assert program(pyjax) == program(jax)


def _grads(lib, fn, *args):
  return lib.grad(fn, argnums=tuple(range(len(args))))(*args)


@pytest.mark.parametrize("name", SCATTERS + ["gather"])
def test_gradients_match_oracle(name):
  x = OPERAND + 0.5
  u = np.arange(20).reshape(4, 5).astype(np.float32) % 4 - 1.5
  idx = np.array([[3], [0], [1], [1]]) if name != "scatter_mul" else np.array([[3], [0], [1], [2]])

  def loss(L):
    def fn(x, u):
      if name == "gather":
        out = L.lax.gather(x, idx, L.lax.GatherDimensionNumbers(**ROW_WINDOWS), (1, 5),
                           mode="fill") * u
      else:
        out = getattr(L.lax, name)(x, idx, u, L.lax.ScatterDimensionNumbers(**ROW_SCATTER),
                                   unique_indices=name == "scatter_mul")
      return (out * np.arange(20).reshape(out.shape) ** 0.5).sum()
    return fn
  for p, j in zip(_grads(pyjax, loss(pyjax), x, u), _grads(jax, loss(jax), x, u)):
    np.testing.assert_allclose(np.asarray(p), np.asarray(j), rtol=1e-6)
  if name != "scatter":
    check_grads(loss(pyjax), (x, u), order=2, modes=["fwd", "rev"], eps=1e-2)


def test_gradient_errors_match_oracle():
  def fn(L):
    return lambda u: L.lax.scatter_mul(np.ones(3, np.float32), np.array([[0], [0]]), u,
                                       L.lax.ScatterDimensionNumbers((), (0,), (0,))).sum()
  p = outcome(lambda: pyjax.grad(fn(pyjax))(np.ones(2, np.float32)))
  j = outcome(lambda: jax.grad(fn(jax))(np.ones(2, np.float32)))
  assert_same_outcome(p, j)
  assert str(p[1]) == str(j[1])
  apply = lambda L: lambda x: L.lax.scatter_apply(  # noqa: E731
      x, np.array([[0]]), L.lax.sin, L.lax.ScatterDimensionNumbers((), (0,), (0,)),
      update_shape=(1,)).sum()
  p = outcome(lambda: pyjax.grad(apply(pyjax))(np.ones(2, np.float32)))
  j = outcome(lambda: jax.grad(apply(jax))(np.ones(2, np.float32)))
  assert_same_outcome(p, j)


@pytest.mark.parametrize("in_axes", [(0, None, None), (None, 0, None), (None, None, 0),
                                     (0, 0, 0), (1, 0, 1)])
@pytest.mark.parametrize("name", SCATTERS + ["gather", "scatter_apply"])
def test_vmap_matches_loop(name, in_axes):
  rng = np.random.RandomState(0)
  x = rng.randn(3, 4, 5).astype(np.float32)
  idx = rng.randint(-1, 5, size=(3, 4, 1))
  u = rng.randn(3, 4, 5).astype(np.float32)
  x = x if in_axes[0] != 1 else np.moveaxis(x, 0, 1)
  u = u if in_axes[2] != 1 else np.moveaxis(u, 0, 1)
  args = [a if ax is not None else np.take(a, 0, axis=0)
          for a, ax in zip((x, idx, u), in_axes)]

  def fn(x, i, u):
    if name == "gather":
      return plax.gather(x + u, i, plax.GatherDimensionNumbers(**ROW_WINDOWS), (1, 5),
                         mode="fill")
    if name == "scatter_apply":
      return plax.scatter_apply(x, i, lambda v: v * 2 - 1,
                                plax.ScatterDimensionNumbers(**ROW_SCATTER), update_shape=(4, 5))
    return getattr(plax, name)(x, i, u, plax.ScatterDimensionNumbers(**ROW_SCATTER))
  got = pyjax.vmap(fn, in_axes)(*args)
  want = np.stack([np.asarray(fn(*(np.take(a, k, axis=ax) if ax is not None else a
                                   for a, ax in zip(args, in_axes)))) for k in range(3)])
  np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6)


def test_jit_matches_eager():
  def fn(x, i, u):
    dn = plax.ScatterDimensionNumbers(**ROW_SCATTER)
    return (plax.scatter_sub(x, i, u, dn) + plax.scatter_min(x, i, u, dn, mode="clip")
            - plax.scatter_add(x, i, u, dn),
            plax.gather(x, i, plax.GatherDimensionNumbers(**ROW_WINDOWS), (1, 5)))
  for a, b in zip(pyjax.jit(fn)(OPERAND, IDX, OPERAND), fn(OPERAND, IDX, OPERAND)):
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_modes():
  assert plax.GatherScatterMode(1) is plax.GatherScatterMode.CLIP
  assert plax.GatherScatterMode.from_any(None) is plax.GatherScatterMode.FILL_OR_DROP
  assert plax.GatherScatterMode.from_any("drop") is plax.GatherScatterMode.FILL_OR_DROP
  assert [m.name for m in plax.GatherScatterMode] == [m.name for m in jax.lax.GatherScatterMode]
  with pytest.raises(NotImplementedError, match="ONE_HOT"):
    plax.gather(OPERAND, IDX, plax.GatherDimensionNumbers(**ROW_WINDOWS), (1, 5), mode="one_hot")


def test_scatter_apply_cannot_close_over_tracers():
  def fn(L):
    return lambda x, u: L.lax.scatter_apply(x, np.array([[0]]), lambda v: v * u[0],
                                            L.lax.ScatterDimensionNumbers((), (0,), (0,)),
                                            update_shape=(1,))
  args = (np.zeros(3, np.float32), np.ones((2, 2), np.float32))
  p = outcome(lambda: pyjax.vmap(fn(pyjax), (None, 0))(*args))
  j = outcome(lambda: jax.vmap(fn(jax), (None, 0))(*args))
  assert_same_outcome(p, j)
  assert str(p[1]) == str(j[1])
