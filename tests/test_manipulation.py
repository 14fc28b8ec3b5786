"""Array manipulation and creation functions of `pyjax.numpy` (joining, splitting, deleting,
inserting, tiling, padding, rearranging, triangles, grids) and the `lax.split`/`lax.tile`
primitives, against the oracle (jax 0.10.2): dtypes, weak types, values and error classes; jit,
vmap against a loop, and gradients against finite differences (and the oracle's)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import pyjax  # noqa: E402
import pyjax.numpy as jnp  # noqa: E402
from pyjax import lax  # noqa: E402
from pyjax.test_util import check_grads  # noqa: E402

from case_tables import ORACLE, PYJAX, CaseTable  # noqa: E402
from oracle_util import assert_same_outcome, assert_values_match, outcome  # noqa: E402

RNG = np.random.default_rng(0)
F = RNG.standard_normal((3, 4)).astype(np.float32)
F3 = RNG.standard_normal((2, 3, 4)).astype(np.float32)
V = RNG.standard_normal(5).astype(np.float32)
I = np.arange(12, dtype=np.int32).reshape(3, 4)
B = np.array([[True, False, True], [False, False, True]])
C = (RNG.standard_normal((2, 3)) + 1j * RNG.standard_normal((2, 3))).astype(np.complex64)
U8 = np.array([[3, 255, 0], [128, 7, 64]], np.uint8)


def _cases() -> dict:
  c = {}
  # Splitting.
  c["split_sections"] = lambda L: L.np.split(F, 2, axis=1)
  c["split_indices"] = lambda L: L.np.split(F, [1, 3], axis=1)
  c["split_array_indices"] = lambda L: L.np.split(V, np.array([2]))
  c["split_empty_indices"] = lambda L: L.np.split(V, [])
  c["split_float_sections"] = lambda L: L.np.split(V, 5.0)
  c["split_neg_axis"] = lambda L: L.np.split(I, 2, axis=-1)
  c["array_split"] = lambda L: L.np.array_split(V, 3)
  c["array_split_more"] = lambda L: L.np.array_split(V, 7)
  c["hsplit_2d"] = lambda L: L.np.hsplit(I, 2)
  c["hsplit_1d"] = lambda L: L.np.hsplit(V[:4], 2)
  c["vsplit"] = lambda L: L.np.vsplit(F, [1])
  c["dsplit"] = lambda L: L.np.dsplit(F3, [1, 1])
  c["unstack"] = lambda L: L.np.unstack(F, axis=1)
  c["unstack_bool"] = lambda L: L.np.unstack(B)
  # Joining.
  c["atleast_1d_scalar"] = lambda L: L.np.atleast_1d(1.0)
  c["atleast_1d_many"] = lambda L: L.np.atleast_1d(1.0, 2, V)
  c["atleast_2d"] = lambda L: L.np.atleast_2d(V, 3)
  c["atleast_3d"] = lambda L: L.np.atleast_3d(V, F, F3, 1.5)
  c["hstack"] = lambda L: L.np.hstack([V, I[0]])
  c["hstack_scalars"] = lambda L: L.np.hstack([1, 2.0])
  c["hstack_2d"] = lambda L: L.np.hstack([F, I])
  c["hstack_array"] = lambda L: L.np.hstack(L.np.asarray(F))
  c["vstack"] = lambda L: L.np.vstack([F[0], I])
  c["vstack_dtype"] = lambda L: L.np.vstack([F, I], dtype=np.int8)
  c["dstack"] = lambda L: L.np.dstack([V, V])
  c["dstack_2d"] = lambda L: L.np.dstack([F, I])
  c["column_stack"] = lambda L: L.np.column_stack([F[:, 0], I, 2.0 * F])
  c["concat"] = lambda L: L.np.concat([F, I], axis=0)
  c["concat_none"] = lambda L: L.np.concat([F, V], axis=None)
  c["append"] = lambda L: L.np.append(F, 1.0)
  c["append_axis"] = lambda L: L.np.append(I, F, axis=0)
  c["block_2d"] = lambda L: L.np.block([[F, I], [I, F]])
  c["block_mixed"] = lambda L: L.np.block([[1, 2], [V[:2]]])
  c["block_1d"] = lambda L: L.np.block([V, 1.0])
  c["block_scalar"] = lambda L: L.np.block(1.0)
  c["block_3d"] = lambda L: L.np.block([[[F3, F3]], [[F3, F3]]])
  c["copy"] = lambda L: L.np.copy(1.0)
  c["copy_array"] = lambda L: L.np.copy(I)
  # Rearranging.
  c["flip"] = lambda L: L.np.flip(F3, (0, -1))
  c["flip_all"] = lambda L: L.np.flip(I)
  c["flip_scalar"] = lambda L: L.np.flip(1.0)
  c["fliplr"] = lambda L: L.np.fliplr(F)
  c["flipud"] = lambda L: L.np.flipud(V)
  c["roll"] = lambda L: L.np.roll(F, 2)
  c["roll_axes"] = lambda L: L.np.roll(F3, (1, -5), (0, 2))
  c["roll_broadcast_shift"] = lambda L: L.np.roll(F3, 7, (1, 2))
  c["roll_array_shift"] = lambda L: L.np.roll(I, np.array([1, 2]), (1, 0))
  c["roll_float_shift"] = lambda L: L.np.roll(V, 1.5)
  c["roll_negative_float"] = lambda L: L.np.roll(V, -1.5)
  c["roll_scalar"] = lambda L: L.np.roll(1.0, 1)
  c["roll_empty"] = lambda L: L.np.roll(np.ones((0, 2), np.float32), 1, 0)
  c["rollaxis"] = lambda L: L.np.rollaxis(F3, 2, 1)
  c["rollaxis_end"] = lambda L: L.np.rollaxis(F3, 0, 3)
  c["rollaxis_negative"] = lambda L: L.np.rollaxis(F3, -1, -3)
  for k in range(-1, 5):
    c[f"rot90_{k}"] = lambda L, k=k: L.np.rot90(F3, k, (2, 0))
  c["tile_int"] = lambda L: L.np.tile(F, 2)
  c["tile_more_reps"] = lambda L: L.np.tile(V, (2, 1, 3))
  c["tile_fewer_reps"] = lambda L: L.np.tile(F3, (2, 1))
  c["tile_weak"] = lambda L: L.np.tile(1.0, (2,))
  c["tile_zero"] = lambda L: L.np.tile(I, (0, 2))
  c["tile_bool"] = lambda L: L.np.tile(B, ())
  c["resize"] = lambda L: L.np.resize(F, (5, 3))
  c["resize_int"] = lambda L: L.np.resize(I, 3)
  c["resize_weak"] = lambda L: L.np.resize(1.0, (3,))
  c["resize_empty"] = lambda L: L.np.resize(np.ones((0,), np.float32), (2,))
  # Triangles and diagonals.
  c["tri"] = lambda L: L.np.tri(3, 4, 1)
  c["tri_dtype"] = lambda L: L.np.tri(3, dtype=np.int32, k=-1)
  c["tri_bool"] = lambda L: L.np.tri(2, 5, 2, dtype=bool)
  for k in (-2, 0, 1, 5):
    c[f"tril_{k}"] = lambda L, k=k: L.np.tril(F3, k)
    c[f"triu_{k}"] = lambda L, k=k: L.np.triu(I, k)
    c[f"diag_matrix_{k}"] = lambda L, k=k: L.np.diag(F, k)
    c[f"diag_vector_{k}"] = lambda L, k=k: L.np.diag(V, k)
    c[f"diagonal_{k}"] = lambda L, k=k: L.np.diagonal(F3, k, 2, 0)
  c["tril_bool"] = lambda L: L.np.tril(B)
  c["triu_complex"] = lambda L: L.np.triu(C, 1)
  c["diag_bool"] = lambda L: L.np.diag(B[0])
  c["diagflat"] = lambda L: L.np.diagflat(F, -1)
  c["diagonal_default"] = lambda L: L.np.diagonal(I)
  c["diagonal_negative_axes"] = lambda L: L.np.diagonal(F3, -1, -1, -2)
  # Grids.
  c["meshgrid_xy"] = lambda L: L.np.meshgrid(V[:2], I[0], F[0, :3])
  c["meshgrid_ij"] = lambda L: L.np.meshgrid(V[:2], I[0], indexing="ij")
  c["meshgrid_sparse"] = lambda L: L.np.meshgrid(V[:2], I[0], F[0, :3], sparse=True)
  c["meshgrid_one"] = lambda L: L.np.meshgrid(V)
  c["meshgrid_none"] = lambda L: L.np.meshgrid()
  # Repeating, powers and bits.
  c["repeat_flat"] = lambda L: L.np.repeat(F, 2)
  c["repeat_axis"] = lambda L: L.np.repeat(I, 3, axis=-1)
  c["repeat_weak"] = lambda L: L.np.repeat(1.0, 3)
  c["repeat_counts"] = lambda L: L.np.repeat(F, np.array([1, 0, 3]), axis=0)
  c["repeat_counts_bool"] = lambda L: L.np.repeat(B, np.array([2, 1]), axis=0)
  c["repeat_counts_complex"] = lambda L: L.np.repeat(C, np.array([0, 1, 2]), axis=1)
  c["repeat_single_count"] = lambda L: L.np.repeat(V, np.array([2]))
  c["repeat_total_longer"] = lambda L: L.np.repeat(I, np.array([1, 2, 0, 1]), axis=1,
                                                   total_repeat_length=6)
  c["repeat_total_shorter"] = lambda L: L.np.repeat(I, 2, axis=1, total_repeat_length=3)
  c["repeat_signed_zero"] = lambda L: L.np.repeat(np.array([-0.0, np.nan, -np.inf], np.float32),
                                                  np.array([2, 1, 2]))
  c["repeat_zero"] = lambda L: L.np.repeat(V, 0)
  c["vander"] = lambda L: L.np.vander(I[0])
  c["vander_increasing"] = lambda L: L.np.vander(V[:3], 4, True)
  c["vander_complex"] = lambda L: L.np.vander(C[0], 2)
  c["packbits"] = lambda L: L.np.packbits(B)
  c["packbits_axis"] = lambda L: L.np.packbits(I, axis=1, bitorder="little")
  c["packbits_long"] = lambda L: L.np.packbits(np.arange(19) % 3 == 0)
  c["unpackbits"] = lambda L: L.np.unpackbits(U8)
  c["unpackbits_axis_count"] = lambda L: L.np.unpackbits(U8, axis=1, count=-3)
  c["unpackbits_little_pad"] = lambda L: L.np.unpackbits(U8[0], count=30, bitorder="little")
  # Deleting.
  c["delete_int"] = lambda L: L.np.delete(F, 5)
  c["delete_negative_axis"] = lambda L: L.np.delete(F3, -1, axis=-2)
  c["delete_numpy_int"] = lambda L: L.np.delete(I, np.int64(1), axis=0)
  c["delete_slice"] = lambda L: L.np.delete(F, slice(None, None, -3), axis=1)
  c["delete_empty_slice"] = lambda L: L.np.delete(V, slice(3, 1))
  c["delete_indices"] = lambda L: L.np.delete(F3, np.array([-1, 0, 0]), axis=2)
  c["delete_no_indices"] = lambda L: L.np.delete(V, np.array([], np.int32))
  c["delete_mask"] = lambda L: L.np.delete(C, np.array([True, False, True]), axis=1)
  c["delete_weak"] = lambda L: L.np.delete(1.0, 0)
  c["delete_weak_mask"] = lambda L: L.np.delete(L.np.full((3,), 2.0), np.array([1, 0, 1]) > 0)
  c["delete_signed_zero"] = lambda L: L.np.delete(np.array([-0.0, np.nan, 1.0], np.float32), 2)
  c["delete_bool"] = lambda L: L.np.delete(B, np.array([0]), axis=1)
  c["delete_unique"] = lambda L: L.np.delete(F, np.array([3, -4, 7]), assume_unique_indices=True)
  # Out-of-range and repeated indices break the promise; the result is still JAX's.
  c["delete_unique_out_of_range"] = lambda L: L.np.delete(V, np.array([1, 12, -1]),
                                                          assume_unique_indices=True)
  c["delete_unique_repeated"] = lambda L: L.np.delete(I, np.array([1, 1]), axis=1,
                                                      assume_unique_indices=True)
  c["delete_unique_too_many"] = lambda L: L.np.delete(V[:2], np.array([0, 1, 1, 1]),
                                                      assume_unique_indices=True)
  # Inserting.
  c["insert_scalar"] = lambda L: L.np.insert(I, 1, 9)
  c["insert_column"] = lambda L: L.np.insert(I, 1, np.array([7, 8, 9]), axis=1)
  c["insert_one_index_many_values"] = lambda L: L.np.insert(I, np.array([1]),
                                                            np.array([7, 8]), axis=1)
  c["insert_clipped"] = lambda L: L.np.insert(I, np.array([3, 0, 3, -1, 10, -20]), 5.7, axis=1)
  c["insert_order"] = lambda L: L.np.insert(F, np.array([3, 0, 3, -1]), V[:4], axis=1)
  c["insert_rows"] = lambda L: L.np.insert(F, np.array([1, 3]), np.array([[1.0], [2.0]]), axis=0)
  c["insert_block"] = lambda L: L.np.insert(F, 1, F[:2], axis=0)
  c["insert_0d_index"] = lambda L: L.np.insert(F, L.np.array(1), F[:1], axis=0)
  c["insert_slice"] = lambda L: L.np.insert(V, slice(None, None, 2), np.array([4.0, 5.0, 6.0]))
  c["insert_negative_slice"] = lambda L: L.np.insert(F, slice(None, None, -2), 0.5, axis=-1)
  c["insert_empty_list_like"] = lambda L: L.np.insert(I, np.array([]), 1)
  c["insert_weak"] = lambda L: L.np.insert(1.0, 0, 2)
  c["insert_weak_array"] = lambda L: L.np.insert(L.np.full((2,), 1.0), 1, np.float32(2))
  c["insert_complex_into_float"] = lambda L: L.np.insert(V, 1, 2 + 3j)
  c["insert_wraps_int8"] = lambda L: L.np.insert(U8.astype(np.int8), 0, 300)
  c["insert_bool"] = lambda L: L.np.insert(B, np.array([0, 3]), np.array([False, True]), axis=1)
  c["insert_into_empty"] = lambda L: L.np.insert(np.ones(0, np.float32), 0, V[:2])
  c["insert_signed_zero"] = lambda L: L.np.insert(np.array([-0.0, np.nan], np.float32), 1,
                                                  np.array([-0.0, np.inf], np.float32))
  return c


CASES = CaseTable(_cases())


@pytest.mark.parametrize("name", list(CASES))
def test_matches_oracle(name):
  # Powers of floats may differ from XLA's in the last place.
  CASES.check(name, tol=(2e-6, 1e-7) if name.startswith("vander") else None)


def _pad_cases() -> dict:
  c = {}
  x = np.array([1.5, -2.0, 4.0, 0.25, 3.0], np.float32)
  xi = np.array([1, 2, 4, 8, 3], np.int32)
  c["constant"] = lambda L: L.np.pad(F, 1, constant_values=7)
  c["constant_pairs"] = lambda L: L.np.pad(F, ((1, 2), (0, 1)), constant_values=((1, 2), (3, 4)))
  c["constant_float_into_int"] = lambda L: L.np.pad(I, (1, 2), constant_values=1.7)
  c["constant_single"] = lambda L: L.np.pad(I, (2,))
  c["constant_empty_axis"] = lambda L: L.np.pad(np.ones((0, 2), np.float32), 1)
  c["constant_scalar"] = lambda L: L.np.pad(1.0, 3)
  c["empty"] = lambda L: L.np.pad(xi, (2, 1), mode="empty")
  c["edge"] = lambda L: L.np.pad(F, ((2, 1), (0, 3)), mode="edge")
  c["edge_bool"] = lambda L: L.np.pad(B, 1, mode="edge")
  c["wrap"] = lambda L: L.np.pad(xi, (7, 12), mode="wrap")
  c["wrap_2d"] = lambda L: L.np.pad(F, ((4, 1), (5, 9)), mode="wrap")
  for mode in ("reflect", "symmetric"):
    for kind in ("even", "odd"):
      c[f"{mode}_{kind}"] = lambda L, m=mode, k=kind: L.np.pad(x, (7, 12), mode=m,
                                                               reflect_type=k)
      c[f"{mode}_{kind}_2d"] = lambda L, m=mode, k=kind: L.np.pad(F, ((3, 1), (6, 2)), mode=m,
                                                                  reflect_type=k)
      c[f"{mode}_{kind}_int"] = lambda L, m=mode, k=kind: L.np.pad(xi, (9, 4), mode=m,
                                                                   reflect_type=k)
    c[f"{mode}_size1"] = lambda L, m=mode: L.np.pad(x[:1], (2, 3), mode=m)
  c["linear_ramp"] = lambda L: L.np.pad(x, (3, 2), mode="linear_ramp", end_values=(10, -3))
  c["linear_ramp_default"] = lambda L: L.np.pad(F, 2, mode="linear_ramp")
  c["linear_ramp_int"] = lambda L: L.np.pad(xi, (3, 2), mode="linear_ramp", end_values=(10, -3))
  c["linear_ramp_pairs"] = lambda L: L.np.pad(F, ((1, 2), (3, 1)), mode="linear_ramp",
                                              end_values=((1, 2), (-1, 5.5)))
  c["linear_ramp_bool"] = lambda L: L.np.pad(B[0], 1, mode="linear_ramp")
  c["linear_ramp_complex"] = lambda L: L.np.pad(C[0], 2, mode="linear_ramp", end_values=1j)
  for mode in ("maximum", "minimum", "mean", "median"):
    c[f"{mode}"] = lambda L, m=mode: L.np.pad(F, ((1, 2), (2, 0)), mode=m)
    c[f"{mode}_int"] = lambda L, m=mode: L.np.pad(xi, (2, 3), mode=m)
    c[f"{mode}_stat"] = lambda L, m=mode: L.np.pad(x, (2, 3), mode=m, stat_length=((2, 3),))
    c[f"{mode}_stat_big"] = lambda L, m=mode: L.np.pad(F, 2, mode=m, stat_length=10)
  c["median_even_int"] = lambda L: L.np.pad(xi[:4], 2, mode="median")
  c["median_nan"] = lambda L: L.np.pad(np.array([1.0, np.nan, 2.0], np.float32), 1,
                                       mode="median")
  c["mean_bool"] = lambda L: L.np.pad(B[0], 1, mode="mean")
  c["mean_empty"] = lambda L: L.np.pad(np.ones((0,), np.float32), 2, mode="mean")
  return c


PAD_CASES = CaseTable(_pad_cases())


@pytest.mark.parametrize("name", list(PAD_CASES))
def test_pad_matches_oracle(name):
  PAD_CASES.check(name, tol=(1e-6, 1e-6))


def _custom_pad(row, pad_width, iaxis, kwargs):
  before, after = pad_width
  row = row.at[:before].set(kwargs.get("before", 0) + iaxis)
  return row.at[row.shape[0] - after:].set(kwargs.get("after", 0))


def test_pad_callable_mode():
  p = jnp.pad(I, ((1, 2), (2, 1)), _custom_pad, before=-10, after=10)
  j = jax.numpy.pad(I, ((1, 2), (2, 1)), _custom_pad, before=-10, after=10)
  assert_same_outcome(("ok", p), ("ok", j))


# Each error case: pyjax raises the oracle's exception class.
ERRORS = {
    "split_unequal": lambda L: L.np.split(V, 2),
    "split_unsorted": lambda L: L.np.split(V, [3, 1]),
    "split_beyond": lambda L: L.np.split(V, [2, 9]),
    "split_float_index": lambda L: L.np.split(V, [2.0]),
    "split_list": lambda L: L.np.split([1, 2], 2),
    "split_scalar": lambda L: L.np.split(np.float32(1), 1),
    "split_zero_sections": lambda L: L.np.split(V, 0),
    "split_axis": lambda L: L.np.split(F, 1, axis=2),
    "dsplit_2d": lambda L: L.np.dsplit(F, 2),
    "vsplit_scalar": lambda L: L.np.vsplit(np.float32(1), 1),
    "unstack_scalar": lambda L: L.np.unstack(np.float32(1)),
    "atleast_list": lambda L: L.np.atleast_1d([1, 2]),
    "block_depth": lambda L: L.np.block([[1, 2], 3]),
    "block_empty": lambda L: L.np.block([]),
    "block_tuple": lambda L: L.np.block((1, 2)),
    "concat_scalars": lambda L: L.np.concat([1.0, 2.0]),
    "copy_list": lambda L: L.np.copy([1, 2]),
    "append_list": lambda L: L.np.append([1], 1.0),
    "flip_repeated": lambda L: L.np.flip(F, (0, 0)),
    "fliplr_1d": lambda L: L.np.fliplr(V),
    "flipud_scalar": lambda L: L.np.flipud(1.0),
    "roll_mismatch": lambda L: L.np.roll(F, (1, 2, 3), (0, 1)),
    "roll_2d_shift": lambda L: L.np.roll(F, np.ones((1, 1), int), (0,)),
    "rollaxis_start": lambda L: L.np.rollaxis(F3, 0, 4),
    "rot90_same_axes": lambda L: L.np.rot90(F, 1, (0, 0)),
    "rot90_1d": lambda L: L.np.rot90(V),
    "tile_list": lambda L: L.np.tile([1], 2),
    "resize_negative": lambda L: L.np.resize(F, (-1,)),
    "tril_1d": lambda L: L.np.tril(V),
    "triu_scalar": lambda L: L.np.triu(1.0),
    "diag_3d": lambda L: L.np.diag(F3),
    "diagonal_1d": lambda L: L.np.diagonal(V),
    "diagonal_same_axes": lambda L: L.np.diagonal(F, 0, 1, 1),
    "meshgrid_2d": lambda L: L.np.meshgrid(F, V),
    "meshgrid_indexing": lambda L: L.np.meshgrid(V, indexing="x"),
    "meshgrid_list": lambda L: L.np.meshgrid([1, 2]),
    "pad_negative": lambda L: L.np.pad(F, -1),
    "pad_width_shape": lambda L: L.np.pad(F, ((1, 2, 3),)),
    "pad_width_column": lambda L: L.np.pad(F, ((2,),)),
    "pad_float_width": lambda L: L.np.pad(F, 1.5),
    "pad_mode": lambda L: L.np.pad(F, 1, mode="foo"),
    "pad_keyword": lambda L: L.np.pad(F, 1, mode="edge", constant_values=1),
    "pad_reflect_empty": lambda L: L.np.pad(np.ones((0,), np.float32), 2, mode="reflect"),
    "pad_wrap_empty": lambda L: L.np.pad(np.ones((0,), np.float32), 2, mode="wrap"),
    "pad_edge_empty": lambda L: L.np.pad(np.ones((0,), np.float32), 2, mode="edge"),
    "pad_stat_zero": lambda L: L.np.pad(V, 2, mode="maximum", stat_length=0),
    "repeat_list": lambda L: L.np.repeat(F, [1, 2]),
    "repeat_float": lambda L: L.np.repeat(F, 2.0),
    "repeat_axis": lambda L: L.np.repeat(F, 2, axis=3),
    "vander_2d": lambda L: L.np.vander(F),
    "vander_negative": lambda L: L.np.vander(V, -1),
    "vander_bool": lambda L: L.np.vander(B[0]),
    "packbits_float": lambda L: L.np.packbits(V),
    "packbits_order": lambda L: L.np.packbits(I, bitorder="x"),
    "unpackbits_int": lambda L: L.np.unpackbits(I),
    "delete_axis": lambda L: L.np.delete(V, 1, axis=1),
    "delete_index": lambda L: L.np.delete(V, 5),
    "delete_list": lambda L: L.np.delete(V, [1, 2]),
    "delete_none": lambda L: L.np.delete(V, None),
    "delete_index_array_range": lambda L: L.np.delete(V, np.array([1, 12])),
    "delete_float_indices": lambda L: L.np.delete(V, np.array([1.0])),
    "delete_float_index": lambda L: L.np.delete(V, 1.0),
    "delete_float_unique": lambda L: L.np.delete(V, np.array([1.0]), assume_unique_indices=True),
    "delete_mask_length": lambda L: L.np.delete(V, np.array([True, False])),
    "delete_mask_2d": lambda L: L.np.delete(F, np.array([[True, False, True, False]]), axis=1),
    "delete_scalar_axis": lambda L: L.np.delete(np.float32(1), 0, axis=0),
    "insert_list_arr": lambda L: L.np.insert([1, 2], 1, 1),
    "insert_list_obj": lambda L: L.np.insert(V, [1], 1.0),
    "insert_list_values": lambda L: L.np.insert(V, 1, [1.0, 2.0]),
    "insert_2d_obj": lambda L: L.np.insert(V, np.array([[1]]), 1.0),
    "insert_float_obj": lambda L: L.np.insert(V, 1.0, 1.0),
    "insert_float_indices": lambda L: L.np.insert(V, np.array([1.0]), 1.0),
    "insert_empty_float_array": lambda L: L.np.insert(V, L.np.array([]), 1.0),
    "insert_bool_obj": lambda L: L.np.insert(V, np.array([True, False]), 1.0),
    "insert_count_mismatch": lambda L: L.np.insert(V, np.array([1, 0]), np.ones(3, np.float32)),
    "insert_values_shape": lambda L: L.np.insert(I, 1, np.ones((4, 4), np.int32), axis=1),
    "insert_values_rank": lambda L: L.np.insert(V, 1, np.ones((1, 1), np.float32)),
    "insert_axis": lambda L: L.np.insert(V, 1, 1.0, axis=1),
    "lax_split_sum": lambda L: L.lax.split(F, [1, 1]),
    "lax_split_negative": lambda L: L.lax.split(F, [4, -1, 1], axis=1),
    "lax_split_axis": lambda L: L.lax.split(F, [3], axis=2),
    "lax_tile_reps": lambda L: L.lax.tile(F, (2,)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_oracle(name):
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    # Tracing the oracle raises its error without compiling the operations before it.
    expected = outcome(jax.eval_shape, lambda: ERRORS[name](ORACLE))
    if expected[0] == "ok":
      expected = outcome(ERRORS[name], ORACLE)
    actual = outcome(ERRORS[name], PYJAX)
  assert expected[0] == "raise", f"the oracle accepted {name}"
  assert_same_outcome(actual, expected, what=f"{name}: ")


def test_errors_name_the_problem():
  with pytest.raises(ValueError, match="array split does not result in an equal division"):
    jnp.split(V, 2)
  with pytest.raises(ValueError, match="Sum of sizes 2 must be equal to dimension 0"):
    lax.split(F, [1, 1])
  with pytest.raises(ValueError, match="reps must be nonnegative"):
    jnp.tile(F, (-1, 1))
  with pytest.raises(ValueError, match="stat_length must be positive"):
    jnp.pad(V, 1, mode="mean", stat_length=-1)
  with pytest.raises(ValueError, match="reflect_type must be 'even' or 'odd'"):
    jnp.pad(V, 1, mode="reflect", reflect_type="both")


def test_traced_static_arguments_raise():
  with pytest.raises(pyjax.errors.ConcretizationTypeError, match="jax.numpy.split"):
    pyjax.jit(lambda i: jnp.split(V, i))(2)
  with pytest.raises(TypeError):
    pyjax.jit(lambda r: jnp.tile(V, (1, r)))(2)
  with pytest.raises(TypeError):
    pyjax.jit(lambda k: jnp.diag(F, k))(1)
  with pytest.raises(ValueError, match="static"):
    pyjax.jit(lambda k: jnp.tril(F, k))(1)
  with pytest.raises(ValueError, match="static"):
    pyjax.jit(lambda k: jnp.rot90(F, k))(1)
  with pytest.raises(pyjax.errors.ConcretizationTypeError):
    pyjax.jit(lambda w: jnp.pad(F, w))(1)
  with pytest.raises(pyjax.errors.ConcretizationTypeError, match="total_repeat_length"):
    pyjax.jit(lambda r: jnp.repeat(F, r, axis=1))(np.array([1, 2, 1, 0]))
  # delete's result length depends on obj unless integer indices are promised to be unique.
  for obj, unique in ((np.array([1, 2]), False), (np.int32(1), False),
                      (np.array([True, False, True, False, False]), True)):
    with pytest.raises(pyjax.errors.ConcretizationTypeError,
                       match="'obj' array argument of jnp.delete()"):
      pyjax.jit(lambda o: jnp.delete(V, o, assume_unique_indices=unique))(obj)
  with pytest.raises(pyjax.errors.ConcretizationTypeError, match="axis argument of jnp.insert()"):
    pyjax.jit(lambda ax: jnp.insert(F, 1, 2.0, axis=ax))(0)


# ------------------------------------------------------------------------------------------------
# jit: traced arguments where JAX accepts them, and staged programs equal to eager ones.

JITTED = {
    "roll_traced_shift": (lambda L: lambda x, s: L.np.roll(x, s, 1), (F, np.int32(-7))),
    "roll_traced_list": (lambda L: lambda x, s: L.np.roll(x, [s, 1], (0, 1)), (F, np.int32(2))),
    "roll_traced_flat": (lambda L: lambda x, s: L.np.roll(x, s), (F, np.int32(5))),
    "tri_traced_k": (lambda L: lambda k: L.np.tri(3, 4, k), (np.int32(1),)),
    "pad_traced_constant": (lambda L: lambda x, c: L.np.pad(x, 1, constant_values=c),
                            (F, np.float32(3))),
    "split": (lambda L: lambda x: L.np.split(x, [1, 3], axis=1), (F,)),
    "pad_reflect": (lambda L: lambda x: L.np.pad(x, (1, 6), mode="reflect", reflect_type="odd"),
                    (F,)),
    "pad_median": (lambda L: lambda x: L.np.pad(x, 2, mode="median"), (F,)),
    "diag_tril": (lambda L: lambda x: L.np.tril(L.np.diag(x, 1)), (V,)),
    "repeat_traced_counts": (lambda L: lambda x, r: L.np.repeat(x, r, axis=1,
                                                                 total_repeat_length=7),
                             (F, np.array([3, 0, 1, 2], np.int32))),
    "repeat_traced_scalar": (lambda L: lambda x, r: L.np.repeat(x, r, total_repeat_length=5),
                             (V, np.int32(2))),
    "packbits": (lambda L: lambda x: L.np.packbits(x, axis=0), (B,)),
    "delete_static": (lambda L: lambda x: L.np.delete(x, np.array([0, 2, 2]), axis=1), (F,)),
    "delete_traced_unique": (lambda L: lambda x, o: L.np.delete(x, o, axis=1,
                                                                assume_unique_indices=True),
                             (F, np.array([3, -4], np.int32))),
    "delete_traced_scalar_unique": (lambda L: lambda x, o: L.np.delete(
        x, o, assume_unique_indices=True), (V, np.int32(-2))),
    "insert_traced": (lambda L: lambda x, o, v: L.np.insert(x, o, v, axis=1),
                      (F, np.array([4, 0, 2, 0], np.int32), V[:4])),
    "insert_traced_scalar": (lambda L: lambda x, o, v: L.np.insert(x, o, v),
                             (V, np.int32(-1), np.float32(7))),
}


@pytest.mark.parametrize("name", sorted(JITTED))
def test_jit_matches_oracle(name):
  make, args = JITTED[name]
  expected = jax.jit(make(ORACLE))(*args)
  actual = pyjax.jit(make(PYJAX))(*args)
  assert_same_outcome(("ok", actual), ("ok", expected), what=f"{name}: ")


# ------------------------------------------------------------------------------------------------
# Gradients against finite differences.

GRADS = {
    "pad_constant": lambda x: jnp.pad(x, ((1, 2), (0, 1)), constant_values=2.0),
    "pad_edge": lambda x: jnp.pad(x, 2, mode="edge"),
    "pad_wrap": lambda x: jnp.pad(x, ((5, 1), (2, 6)), mode="wrap"),
    "pad_reflect": lambda x: jnp.pad(x, (4, 5), mode="reflect"),
    "pad_symmetric_odd": lambda x: jnp.pad(x, (4, 5), mode="symmetric", reflect_type="odd"),
    "pad_linear_ramp": lambda x: jnp.pad(x, 2, mode="linear_ramp", end_values=1.0),
    "pad_maximum": lambda x: jnp.pad(x, 2, mode="maximum"),
    "pad_mean": lambda x: jnp.pad(x, 2, mode="mean", stat_length=2),
    "pad_median": lambda x: jnp.pad(x, 1, mode="median"),
    "roll": lambda x: jnp.roll(x, (1, -2), (0, 1)),
    "rot90": lambda x: jnp.rot90(x, 3),
    "tile": lambda x: jnp.tile(x, (2, 1, 3)),
    "diag": lambda x: jnp.diag(jnp.diag(x, -1), 1),
    "diagonal": lambda x: jnp.diagonal(x, 1),
    "tril_triu": lambda x: jnp.tril(x, 1) * jnp.triu(x),
    "split": lambda x: jnp.split(x, [1, 3], axis=1)[1] * 2.0,
    "array_split": lambda x: jnp.array_split(x, 2)[1],
    "stacks": lambda x: jnp.hstack([x, x * 2]) + jnp.column_stack([x, x]),
    "block": lambda x: jnp.block([[x, x], [x, x]]),
    "resize": lambda x: jnp.resize(x, (5, 3)),
    "flip": lambda x: jnp.flip(x, 1),
    "append": lambda x: jnp.append(x, x[0]),
    "repeat": lambda x: jnp.repeat(x, 2, axis=1),
    "repeat_counts": lambda x: jnp.repeat(x, np.array([2, 0, 1]), axis=0),
    "vander": lambda x: jnp.vander(x[0], 3),
    "delete": lambda x: jnp.delete(x, np.array([0, 2]), axis=1),
    "delete_unique": lambda x: jnp.delete(x, np.array([-1, 1]), assume_unique_indices=True),
    "insert": lambda x: jnp.insert(x, np.array([4, 0, 0]), x[:, 1:2] * 3.0, axis=1),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_grad(name):
  x = RNG.standard_normal((3, 4)).astype(np.float64)
  check_grads(GRADS[name], (x,), order=1, modes=("fwd", "rev"), atol=1e-2, rtol=1e-2, eps=1e-3)


def test_grad_of_lax_split_and_tile_matches_oracle():
  def fn(lib):
    def f(x):
      a, b = lib.lax.split(x, [1, 2], axis=0)
      return (lib.lax.tile(b, (2, 3)) ** 2).sum() + (a * 3).sum()
    return f
  x = F[:, :2].copy()
  p = pyjax.grad(fn(pyjax))(x)
  j = jax.grad(fn(jax))(x)
  assert_values_match(p, j, tol=(1e-6, 1e-6))


# ------------------------------------------------------------------------------------------------
# vmap against a Python loop.

BATCHED = {
    "pad_reflect": lambda x: jnp.pad(x, (2, 5), mode="reflect"),
    "pad_mean": lambda x: jnp.pad(x, 1, mode="mean"),
    "pad_median": lambda x: jnp.pad(x, 1, mode="median"),
    "pad_ramp": lambda x: jnp.pad(x, 2, mode="linear_ramp", end_values=(1, -1)),
    "roll": lambda x: jnp.roll(x, 2),
    "roll_traced": lambda x: jnp.roll(x, x.shape[0] - 1),
    "tile": lambda x: jnp.tile(x, (2, 2)),
    "diag": lambda x: jnp.diag(x, 1),
    "tril": lambda x: jnp.tril(jnp.outer(x, x), -1),
    "split": lambda x: jnp.split(x, [1, 2])[2],
    "lax_split": lambda x: lax.split(x, [3, 2])[0],
    "rot90": lambda x: jnp.rot90(jnp.outer(x, x[:2])),
    "diagonal": lambda x: jnp.diagonal(jnp.outer(x, x), -1),
    "repeat_counts": lambda x: jnp.repeat(x, np.array([1, 0, 2, 1, 1])),
    "repeat": lambda x: jnp.repeat(x, 2),
    "delete": lambda x: jnp.delete(x, np.array([0, 3])),
    "delete_unique": lambda x: jnp.delete(x, np.array([4, 1]), assume_unique_indices=True),
    "insert": lambda x: jnp.insert(x, np.array([5, 1]), x[:2] * 2.0),
    "insert_slice": lambda x: jnp.insert(x, slice(1, None, 2), -1.0),
}


@pytest.mark.parametrize("name", sorted(BATCHED))
def test_vmap_matches_loop(name):
  xs = RNG.standard_normal((3, 5)).astype(np.float32)
  fn = BATCHED[name]
  for in_axis in (0, 1):
    batched = pyjax.vmap(fn, in_axes=in_axis)(np.moveaxis(xs, 0, in_axis))
    expected = np.stack([np.asarray(fn(x)) for x in xs])
    assert_values_match(batched, expected, what=f"{name} in_axes={in_axis}: ")


def test_vmap_of_traced_delete_and_insert_positions():
  xs = RNG.standard_normal((3, 5)).astype(np.float32)
  deleted = np.array([[0, 4], [3, 1], [-1, 2]], np.int32)
  out = pyjax.vmap(lambda x, o: jnp.delete(x, o, assume_unique_indices=True))(xs, deleted)
  assert_values_match(out, np.stack([np.delete(x, o) for x, o in zip(xs, deleted)]))
  positions = np.array([[0, 5], [3, 3], [-1, 2]], np.int32)
  values = RNG.standard_normal((3, 2)).astype(np.float32)
  out = pyjax.vmap(jnp.insert)(xs, positions, values)
  assert_values_match(out, np.stack([np.insert(*args) for args in zip(xs, positions, values)]))


def test_grad_of_delete_and_insert_matches_oracle():
  def fn(lib):
    def f(x, v):
      y = lib.numpy.insert(x, np.array([2, 0, 2]), v, axis=0)
      z = lib.numpy.delete(y, np.array([1, -1]), axis=1, assume_unique_indices=True)
      return (lib.numpy.delete(z, 3, axis=0) ** 2).sum()
    return f
  x, v = F.copy(), V[:4].copy()
  expected = jax.jit(jax.grad(fn(jax), (0, 1)))(x, v)
  for p, j in zip(pyjax.grad(fn(pyjax), (0, 1))(x, v), expected):
    assert_values_match(p, j, tol=(1e-6, 1e-6))


def test_vmap_of_traced_roll_shift():
  xs = RNG.standard_normal((4, 5)).astype(np.float32)
  shifts = np.array([0, 1, -3, 7], np.int32)
  out = pyjax.vmap(jnp.roll)(xs, shifts)
  assert_values_match(out, np.stack([np.roll(x, s) for x, s in zip(xs, shifts)]))


# ------------------------------------------------------------------------------------------------
# The split and tile primitives.

def test_lax_split_and_tile_programs_match_oracle():
  x = np.ones((5, 2), np.float32)
  assert str(pyjax.make_jaxpr(lambda x: lax.split(x, [1, 4]))(x)) == (
      "{ lambda ; a:f32[5,2]. let\n    b:f32[1,2] c:f32[4,2] = split[axis=0 sizes=(1, 4)] a\n"
      "  in (b, c) }")
  assert str(pyjax.make_jaxpr(lambda x: lax.tile(x, (2, 3)))(x)) == str(
      jax.make_jaxpr(lambda x: jax.lax.tile(x, (2, 3)))(x))
  assert "tile[reps=(2, 3)]" in str(pyjax.make_jaxpr(lambda x: jnp.tile(x, (2, 3)))(x))


def test_lax_split_and_tile_values():
  for args in ((F, [1, 0, 3], 1), (I, [2, 1], -2), (B, [2], 0)):
    p = lax.split(*args)
    j = jax.lax.split(*args)
    assert_same_outcome(("ok", p), ("ok", j))
  for args in ((F, (2, 3)), (np.float32(2), ()), (B, (1, 0)), (C, (3, 1))):
    assert_same_outcome(("ok", lax.tile(*args)), ("ok", jax.lax.tile(*args)))
  weak = lax.tile(jnp.full((2,), 1.0), (2,))
  assert weak.weak_type == jax.typeof(jax.lax.tile(jax.numpy.full((2,), 1.0), (2,))).weak_type


def test_array_methods():
  x = jnp.asarray(F)
  assert_same_outcome(("ok", x.repeat(2, axis=1)), ("ok", jax.numpy.asarray(F).repeat(2, axis=1)))
  assert_same_outcome(("ok", x.diagonal(1)), ("ok", jax.numpy.asarray(F).diagonal(1)))
  copied = x.copy()
  assert copied is not x
  assert_values_match(copied, F)
  traced = pyjax.jit(lambda y: y.repeat(np.array([1, 0, 2]), axis=0).diagonal())(F)
  assert_values_match(traced, np.diagonal(np.repeat(F, [1, 0, 2], axis=0)))
