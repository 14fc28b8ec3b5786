"""The rest of lax on one CPU device against the oracle: mulhi, the copy primitive, lax.dtype and
ragged_dot / ragged_dot_general — values, dtypes, weak types, errors, jaxpr text and the
transformations."""
import warnings

import jax
import numpy as np
import pytest

import pyjax
import pyjax.lax as lax
from oracle_util import assert_matches_oracle, assert_same_outcome, outcome, x64

RNG = np.random.default_rng(7)


def _extremes(dtype, size=64):
  """Random integers of `dtype` with its extremes, zero and -1 mixed in."""
  info = np.iinfo(dtype)
  edges = [info.min, info.max, 0, 1, info.min + 1, info.max - 1] + ([-1] if info.min else [])
  values = RNG.integers(info.min, info.max, size=size, dtype=dtype, endpoint=True)
  return np.concatenate([np.array(edges, dtype), values])


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "uint16", "int32", "uint32",
                                   "int64", "uint64"])
def test_mulhi_matches_oracle_on_extremes(dtype):
  with x64():
    x = _extremes(np.dtype(dtype))
    y = np.roll(_extremes(np.dtype(dtype))[::-1], 3)
    # Every pairing of the edge values too, so the sign corrections are all exercised.
    x = np.concatenate([x, np.repeat(x[:7], 7)])
    y = np.concatenate([y, np.tile(y[-7:][::-1], 7)])
    assert_matches_oracle(lax.mulhi(x, y), jax.jit(jax.lax.mulhi)(x, y))


def test_mulhi_weak_types_broadcasting_and_errors():
  assert_matches_oracle(lax.mulhi(3, 5), jax.lax.mulhi(3, 5))
  assert_matches_oracle(lax.mulhi(np.int32(-2 ** 31), 2 ** 30),
                        jax.lax.mulhi(np.int32(-2 ** 31), 2 ** 30))
  x = np.arange(-3, 3, dtype=np.int32).reshape(2, 3) * 2 ** 29
  assert_matches_oracle(lax.mulhi(x, np.int32(7)), jax.lax.mulhi(x, np.int32(7)))
  for args in [(np.float32(1), np.float32(2)), (np.int32(1), np.float32(2)),
               (np.int32(1), np.int16(2)), (np.ones(2, np.int32), np.ones(3, np.int32))]:
    p, j = outcome(lax.mulhi, *args), outcome(jax.lax.mulhi, *args)
    assert_same_outcome(p, j)
    if j[0] == "raise":
      assert str(p[1]) == str(j[1])


def test_mulhi_under_jit_vmap_and_jvp():
  x, y = _extremes(np.dtype(np.int32))[:20], _extremes(np.dtype(np.int32))[20:40]
  assert str(pyjax.make_jaxpr(lax.mulhi)(x, y)) == str(jax.make_jaxpr(jax.lax.mulhi)(x, y))
  expected = lax.mulhi(x, y)
  assert_matches_oracle(pyjax.jit(lax.mulhi)(x, y), jax.lax.mulhi(x, y))
  batched = pyjax.vmap(lax.mulhi, in_axes=(0, None))(x.reshape(4, 5), y[:5])
  np.testing.assert_array_equal(batched, np.stack([lax.mulhi(row, y[:5]) for row in
                                                   x.reshape(4, 5)]))
  np.testing.assert_array_equal(pyjax.vmap(lax.mulhi)(x, y), expected)
  tangent = np.zeros(x.shape, pyjax.dtypes.float0)
  out, out_tangent = pyjax.jvp(lambda a: lax.mulhi(a, y), (x,), (tangent,))
  np.testing.assert_array_equal(out, expected)
  assert out_tangent.dtype == pyjax.dtypes.float0 and out_tangent.shape == x.shape


def test_copy_primitive_is_identity_with_its_rules():
  x = RNG.normal(size=(2, 3)).astype(np.float32)
  assert_matches_oracle(lax.copy_p.bind(x), jax.lax.copy_p.bind(x))
  assert_matches_oracle(lax.copy_p.bind(2.0), jax.lax.copy_p.bind(2.0))
  assert str(pyjax.make_jaxpr(lax.copy_p.bind)(x)) == str(jax.make_jaxpr(jax.lax.copy_p.bind)(x))
  grad = pyjax.grad(lambda a: (lax.copy_p.bind(a) ** 2).sum())
  assert str(pyjax.make_jaxpr(grad)(x)) == str(
      jax.make_jaxpr(jax.grad(lambda a: (jax.lax.copy_p.bind(a) ** 2).sum()))(x))
  np.testing.assert_allclose(grad(x), 2 * x, rtol=1e-6)
  np.testing.assert_array_equal(pyjax.vmap(lax.copy_p.bind, in_axes=1)(x), x.T)
  np.testing.assert_array_equal(pyjax.jit(lax.copy_p.bind)(x), x)


@pytest.mark.parametrize("enable_x64", [False, True])
def test_dtype_canonicalizes_as_jax(enable_x64):
  values = [3, 3.0, True, 1j, np.float64(1), np.arange(3), "float64", np.int64, float, "bfloat16",
            np.uint16, None, [1, 2], object(), "U5"]
  with x64(enable_x64), warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for value in values:
      p, j = outcome(lax.dtype, value), outcome(jax.lax.dtype, value)
      assert p[0] == j[0], (value, p, j)
      if j[0] == "ok":
        assert p[1] == j[1], (value, p[1], j[1])
      else:
        assert type(p[1]) is type(j[1]), (value, p[1], j[1])
    assert lax.dtype(pyjax.numpy.ones(2, pyjax.numpy.int16)) == np.int16


# --- ragged_dot_general. A case: lhs shape, rhs shape, group sizes, dimension numbers as
# (dot_dimension_numbers, lhs_ragged_dimensions, rhs_group_dimensions).
BASIC = ((([1], [1]), ([], [])), [0], [0])
RAGGED_CASES = {
    "basic_exact": ((6, 3), (3, 3, 4), [1, 3, 2], BASIC),
    "basic_short": ((6, 3), (3, 3, 4), [2, 0, 1], BASIC),
    "basic_overflowing": ((6, 3), (3, 3, 4), [4, 4, 4], BASIC),
    "noncontracting_batched_2d_sizes": (
        (2, 5, 3), (3, 2, 3, 4), [[2, 2, 1], [0, 4, 1]], ((([2], [2]), ([0], [1])), [1], [0])),
    "noncontracting_after_k_group_in_middle": (
        (3, 5), (3, 2, 4), [3, 2], ((([0], [0]), ([], [])), [1], [1])),
    "noncontracting_batch_after_ragged": (
        (5, 2, 3), (2, 3, 3, 4), [[1, 2, 2], [3, 0, 2]], ((([2], [2]), ([1], [0])), [0], [1])),
    "contracting": ((4, 6), (6, 5), [2, 3, 1], ((([1], [0]), ([], [])), [1], [])),
    "contracting_batched_2d_sizes": (
        (2, 4, 6), (2, 6, 5), [[1, 5], [6, 0]], ((([2], [1]), ([0], [0])), [2], [])),
    "contracting_second_of_two": (
        (4, 2, 6), (2, 6, 3), [[4, 2], [1, 1]], ((([1, 2], [0, 1]), ([], [])), [2], [])),
    "batch": ((3, 4, 5), (3, 5, 2), [1, 2], ((([2], [1]), ([0], [0])), [0], [])),
}


def _ragged_operands(case, dtype=np.float32):
  lhs_shape, rhs_shape, sizes, _ = RAGGED_CASES[case]
  rng = np.random.default_rng(abs(hash(case)) % 1000)
  return (rng.normal(size=lhs_shape).astype(dtype), rng.normal(size=rhs_shape).astype(dtype),
          np.array(sizes, np.int32))


def _ragged_fn(L, case, **kwargs):
  numbers = L.lax.RaggedDotDimensionNumbers(*RAGGED_CASES[case][3])
  return lambda lhs, rhs, sizes: L.lax.ragged_dot_general(lhs, rhs, sizes, numbers, **kwargs)


def _oracle_case(case, argnum):
  """The oracle's value, or its gradient with respect to operand `argnum`."""
  fn = _ragged_fn(jax, case)
  lhs, rhs, sizes = _ragged_operands(case)
  if argnum is None:
    return lambda: fn(lhs, rhs, sizes)
  weights = _weights(jax.eval_shape(fn, lhs, rhs, sizes).shape)
  return lambda: jax.grad(lambda a, b: (fn(a, b, sizes) * weights).sum(), argnum)(lhs, rhs)


def _weights(shape):
  return np.cos(np.arange(np.prod(shape), dtype=np.float32)).reshape(shape)


@pytest.fixture(scope="module")
def ragged_oracle():
  """Every case's value and gradients, in one jitted oracle program; JAX does not implement
  some gradients (those record its exception)."""
  results, jittable = {}, {}
  for case in RAGGED_CASES:
    for argnum in (None, 0, 1):
      try:
        jax.eval_shape(_oracle_case(case, argnum))
        jittable[case, argnum] = _oracle_case(case, argnum)
      except NotImplementedError as e:
        results[case, argnum] = e
  outs = jax.jit(lambda: [fn() for fn in jittable.values()])()
  results.update(zip(jittable, outs))
  return results


@pytest.mark.parametrize("case", sorted(RAGGED_CASES))
def test_ragged_dot_general_values_and_gradients(case, ragged_oracle):
  fn = _ragged_fn(pyjax, case)
  lhs, rhs, sizes = _ragged_operands(case)
  value = ragged_oracle[case, None]
  assert_matches_oracle(fn(lhs, rhs, sizes), value, tol=(1e-5, 1e-5))
  assert_matches_oracle(pyjax.jit(fn)(lhs, rhs, sizes), value, tol=(1e-5, 1e-5))
  weights = _weights(value.shape)
  grads = pyjax.grad(lambda a, b: (fn(a, b, sizes) * weights).sum(), (0, 1))(lhs, rhs)
  for argnum in (0, 1):
    expected = ragged_oracle[case, argnum]
    # JAX leaves the rhs gradient of the contracting mode unimplemented; pyjax's is checked
    # against forward mode below.
    if not isinstance(expected, NotImplementedError):
      assert_matches_oracle(grads[argnum], expected, tol=(1e-5, 1e-5))
  # Forward mode (which binds ragged_dot_general on the tangents and so does not use the
  # transposes) agrees with reverse mode: <J t, w> = <t, J^T w>, for each operand.
  t_lhs, t_rhs = np.ones_like(lhs), np.sin(np.arange(rhs.size, dtype=np.float32)).reshape(
      rhs.shape)
  for tangents, grad in [((t_lhs, np.zeros_like(rhs)), grads[0] * t_lhs),
                         ((np.zeros_like(lhs), t_rhs), grads[1] * t_rhs)]:
    _, tangent = pyjax.jvp(lambda a, b: fn(a, b, sizes), (lhs, rhs), tangents)
    np.testing.assert_allclose((np.asarray(tangent) * weights).sum(), grad.sum(), rtol=1e-4,
                               atol=1e-5)


@pytest.mark.parametrize("case", ["basic_short", "noncontracting_batched_2d_sizes",
                                  "contracting_batched_2d_sizes", "batch"])
def test_ragged_dot_general_vmap_matches_a_loop(case):
  fn = _ragged_fn(pyjax, case)
  lhs, rhs, sizes = _ragged_operands(case)
  stacked = [np.stack([x * (i + 1) for i in range(3)]) for x in (lhs, rhs)]
  size_stack = np.stack([np.roll(sizes, i, axis=-1) for i in range(3)])
  for in_axes in [(0, None, None), (None, 0, None), (None, None, 0), (0, 0, 0)]:
    args = [stacked[0] if in_axes[0] == 0 else lhs, stacked[1] if in_axes[1] == 0 else rhs,
            size_stack if in_axes[2] == 0 else sizes]
    got = pyjax.vmap(fn, in_axes=in_axes)(*args)
    expected = np.stack([fn(*(a[i] if ax == 0 else a for a, ax in zip(args, in_axes)))
                         for i in range(3)])
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5, err_msg=str(in_axes))
  # A batch axis that is not the first one, and the gradient under vmap.
  moved = np.moveaxis(stacked[0], 0, -1)
  got = pyjax.vmap(fn, in_axes=(-1, None, None))(moved, rhs, sizes)
  np.testing.assert_allclose(got, np.stack([fn(x, rhs, sizes) for x in stacked[0]]), rtol=1e-5,
                             atol=1e-5)
  per_example = pyjax.vmap(pyjax.grad(lambda a: fn(a, rhs, sizes).sum()))(stacked[0])
  np.testing.assert_allclose(per_example, np.stack(
      [pyjax.grad(lambda a: fn(a, rhs, sizes).sum())(x) for x in stacked[0]]), rtol=1e-5)


def test_ragged_dot_matches_oracle_with_dtypes_and_jaxpr():
  lhs, rhs, sizes = _ragged_operands("basic_short")
  assert str(pyjax.make_jaxpr(lax.ragged_dot)(lhs, rhs, sizes)) == str(
      jax.make_jaxpr(jax.lax.ragged_dot)(lhs, rhs, sizes))
  assert_matches_oracle(lax.ragged_dot(lhs, rhs, sizes), jax.lax.ragged_dot(lhs, rhs, sizes),
                        tol=(1e-5, 1e-6))
  lhs8, rhs8 = (np.arange(x.size).reshape(x.shape).astype(np.int8) % 7 for x in (lhs, rhs))
  for kwargs in [{}, {"preferred_element_type": np.int32}, {"preferred_element_type": np.float32}]:
    assert_matches_oracle(lax.ragged_dot(lhs8, rhs8, sizes, **kwargs),
                          jax.lax.ragged_dot(lhs8, rhs8, sizes, **kwargs))
  assert_matches_oracle(lax.ragged_dot(lhs, rhs, sizes.astype(np.uint8)),
                        jax.lax.ragged_dot(lhs, rhs, sizes.astype(np.uint8)), tol=(1e-5, 1e-6))
  batched = pyjax.make_jaxpr(pyjax.vmap(lax.ragged_dot, in_axes=(None, 0, None)))(
      lhs, np.stack([rhs, rhs]), sizes)
  assert "ragged_dot_general" in str(batched)


RAGGED_ERRORS = [
    ((6, 3), (3, 3, 4), np.array([1, 2, 3], np.float32), BASIC),
    ((6, 3), (3, 3, 4), np.int32(3), BASIC),
    ((6, 3), (3, 3, 4), np.ones((2, 3), np.int32), BASIC),
    ((6, 3), (2, 3, 4), np.ones(3, np.int32), BASIC),
    ((6, 3), (3, 3, 4), np.ones(3, np.int32), ((([1], [1]), ([], [])), [0, 1], [0])),
    ((6, 3), (3, 3, 4), np.ones(3, np.int32), ((([1], [1]), ([], [])), [2], [0])),
    ((6, 3), (3, 3, 4), np.ones(3, np.int32), ((([1], [1]), ([], [])), [0], [])),
    ((6, 3), (3, 3, 4), np.ones(3, np.int32), ((([1], [1]), ([], [])), [0], [1])),
    ((6, 3), (3, 3, 4), np.ones(3, np.int32), ((([1], [1]), ([], [])), [0], [3])),
    ((4, 6), (6, 5), np.ones(3, np.int32), ((([1], [0]), ([], [])), [1], [0])),
    ((4, 6), (5, 5), np.ones(3, np.int32), ((([1], [0]), ([], [])), [1], [])),
    ((2, 4, 6), (2, 6, 5), np.ones((4, 3), np.int32), ((([2], [1]), ([0], [0])), [2], [])),
]


@pytest.mark.parametrize("index", range(len(RAGGED_ERRORS)))
def test_ragged_dot_general_errors_match_oracle(index):
  lhs_shape, rhs_shape, sizes, numbers = RAGGED_ERRORS[index]
  lhs, rhs = np.ones(lhs_shape, np.float32), np.ones(rhs_shape, np.float32)
  p = outcome(lambda: lax.ragged_dot_general(lhs, rhs, sizes,
                                             lax.RaggedDotDimensionNumbers(*numbers)))
  j = outcome(lambda: jax.eval_shape(lambda: jax.lax.ragged_dot_general(
      lhs, rhs, sizes, jax.lax.RaggedDotDimensionNumbers(*numbers))))
  assert p[0] == j[0] == "raise", (p, j)
  assert type(p[1]) is type(j[1]), (p[1], j[1])
  if "dot_general requires" not in str(j[1]):  # dot_general's own messages are pyjax's
    assert str(p[1]) == str(j[1])


def test_ragged_dot_group_offset_is_not_implemented_as_in_jax():
  lhs, rhs, sizes = _ragged_operands("basic_exact")
  for offset, error in [(np.array([1], np.int32), TypeError), ((1,), NotImplementedError)]:
    p = outcome(lax.ragged_dot, lhs, rhs, sizes, group_offset=offset)
    j = outcome(jax.lax.ragged_dot, lhs, rhs, sizes, group_offset=offset)
    assert p[0] == j[0] == "raise" and type(p[1]) is type(j[1]) is error
    assert str(p[1]) == str(j[1])
