"""Smaller `jax.lax` names against the oracle: the total-order comparisons (`eq_to_p`, `le_to_p`,
`lt_to_p`), `empty`, `shape_as_value`, `broadcast_like`, `ConvGeneralDilatedDimensionNumbers`,
`conv_general_dilated_local` and the general `select_and_scatter_p` — values, dtypes and weak
types, errors, jaxpr text, and jit, vmap and grad."""
import typing

import jax
import ml_dtypes
import numpy as np
import pytest
from jax._src.lax.windowed_reductions import _select_and_scatter as oracle_select_and_scatter

import pyjax
import pyjax.lax as lax
from oracle_util import assert_matches_oracle, outcome, x64
from pyjax._src.lax.windowed_reductions import _select_and_scatter

RNG = np.random.default_rng(31)
NAN = np.float32(np.nan)
# Every class of float in totalOrder's order, with NaNs of both signs and two payloads.
ORDERED_FLOATS = np.concatenate([
    -np.array([np.nan], np.float32), np.array([-np.inf, -1.5, -0.0, 0.0, 1e-42, 2.0, np.inf],
                                               np.float32),
    np.array([0x7FC00000, 0x7FC00001], np.uint32).view(np.float32)])
TOTAL_ORDER = ("eq_to_p", "le_to_p", "lt_to_p")


def both(name):
  return getattr(lax, name), getattr(jax.lax, name)


def pairwise(values):
  return values[:, None], values[None, :]


# ------------------------------------------------------------------------------------------------
# eq_to, le_to, lt_to


@pytest.mark.parametrize("dtype", [np.float32, np.float16, ml_dtypes.bfloat16, np.int8, np.uint16,
                                   np.bool_])
def test_total_order_comparisons_match_oracle(dtype):
  values = (ORDERED_FLOATS if np.dtype(dtype).kind == "f"
            else np.array([0, 1, 2, 3, 100], np.int64)).astype(dtype)
  for name in TOTAL_ORDER:
    p, j = both(name)
    assert_matches_oracle(p.bind(*pairwise(values)), j.bind(*pairwise(values)), what=name)


def test_total_order_orders_nans_and_signed_zeros():
  x, y = pairwise(ORDERED_FLOATS)
  less = np.asarray(lax.lt_to_p.bind(x, y))
  # The array is sorted by totalOrder: the comparison is the strict upper triangle.
  np.testing.assert_array_equal(less, np.triu(np.ones(less.shape, bool), 1))
  np.testing.assert_array_equal(np.asarray(lax.eq_to_p.bind(x, y)), np.eye(len(x), dtype=bool))
  np.testing.assert_array_equal(np.asarray(lax.le_to_p.bind(x, y)),
                                np.triu(np.ones(less.shape, bool)))


def test_total_order_float64_and_weak_scalars():
  with x64():
    values = ORDERED_FLOATS.astype(np.float64)
    for name in TOTAL_ORDER:
      p, j = both(name)
      assert_matches_oracle(p.bind(*pairwise(values)), j.bind(*pairwise(values)), what=name)
  for name in TOTAL_ORDER:
    p, j = both(name)
    assert_matches_oracle(p.bind(1.0, -0.0), j.bind(1.0, -0.0), what=name)  # weak bool
    assert_matches_oracle(p.bind(np.float32(1), np.ones((2, 3), np.float32)),
                          j.bind(np.float32(1), np.ones((2, 3), np.float32)), what=name)


def test_total_order_errors_match_oracle():
  cases = [(np.zeros(3, np.float32), np.zeros(3, np.int32)),
           (np.zeros(3, np.float32), np.zeros(2, np.float32)),
           (np.zeros(2, np.complex64), np.zeros(2, np.complex64))]
  for args in cases:
    for name in TOTAL_ORDER:
      p, j = (outcome(f.bind, *args) for f in both(name))
      assert p[0] == j[0] == "raise", (name, args, p, j)
      assert type(p[1]).__name__ == type(j[1]).__name__, (name, p, j)
      if isinstance(j[1], TypeError):
        assert str(p[1]) == str(j[1])


def test_total_order_under_transformations():
  x, y = ORDERED_FLOATS, ORDERED_FLOATS[::-1].copy()
  eager = lax.lt_to_p.bind(x, y)
  jitted = pyjax.jit(lax.lt_to_p.bind)(x, y)
  np.testing.assert_array_equal(np.asarray(jitted), np.asarray(eager))
  batched = pyjax.vmap(lax.le_to_p.bind, (0, None))(x, x[3])
  np.testing.assert_array_equal(np.asarray(batched),
                                [bool(lax.le_to_p.bind(v, x[3])) for v in x])
  text = str(pyjax.make_jaxpr(lax.eq_to_p.bind)(x, y))
  assert text == str(jax.make_jaxpr(jax.lax.eq_to_p.bind)(x, y))
  # Boolean results carry no derivative: the gradient flows through the selected operand only.
  choose = lambda lib: lambda a, b: lib.numpy.where(lib.lax.lt_to_p.bind(a, b), a, 2 * b)
  for a, b in ((1.0, 2.0), (-0.0, 0.0), (0.0, -0.0)):
    got = pyjax.grad(choose(pyjax), (0, 1))(a, b)
    expected = jax.grad(choose(jax), (0, 1))(a, b)
    assert [float(v) for v in got] == [float(v) for v in expected]


# ------------------------------------------------------------------------------------------------
# empty, shape_as_value, broadcast_like


@pytest.mark.parametrize("shape,dtype", [((2, 3), np.float32), (3, np.int16), ((), np.bool_),
                                         ((0, 4), np.complex64), ((2,), ml_dtypes.bfloat16),
                                         ((2,), float), ((1,), None), ((2,), int)])
def test_empty_matches_oracle(shape, dtype):
  # The dtype is taken as given, not canonicalized: `float` makes float64 even without x64.
  got, expected = lax.empty(shape, dtype), jax.lax.empty(shape, dtype)
  assert (got.shape, got.dtype, got.weak_type) == (expected.shape, expected.dtype, False)
  # Unspecified contents; both CPU backends give zeros.
  assert not np.asarray(got).any()
  staged = pyjax.jit(lambda: lax.empty(shape, dtype))()
  assert (staged.shape, staged.dtype) == (expected.shape, expected.dtype)


def test_empty_staging_and_transformations():
  closed = pyjax.make_jaxpr(lambda: lax.empty((2, 3), np.float32))()
  (eqn,) = closed.jaxpr.eqns
  assert eqn.primitive.name == "empty" and not eqn.invars
  assert eqn.params["shape"] == (2, 3) and eqn.params["out_sharding"] is None
  out = pyjax.vmap(lambda x: x + lax.empty(3, np.float32))(np.ones((2, 3), np.float32))
  np.testing.assert_array_equal(np.asarray(out), np.ones((2, 3)))
  grad = pyjax.grad(lambda x: (x * lax.empty((), np.float32)).sum())(1.0)
  expected = jax.grad(lambda x: (x * jax.lax.empty((), np.float32)).sum())(1.0)
  assert_matches_oracle(grad, expected)


def test_empty_errors_match_oracle():
  for args, kwargs in (((3, "foo"), {}), (((2.5,), np.float32), {}), (([2], np.float32), {}),
                       ((3, np.float32), {"out_sharding": 1})):
    p, j = outcome(lax.empty, *args, **kwargs), outcome(jax.lax.empty, *args, **kwargs)
    assert p[0] == j[0] == "raise"
    assert type(p[1]) is type(j[1]) is TypeError
    assert str(p[1]) == str(j[1])


@pytest.mark.parametrize("shape", [(2, 3), (), (7,), (2 ** 31, 2)])
def test_shape_as_value_matches_oracle(shape):
  for enable in (False, True):
    with x64(enable):
      got, expected = lax.shape_as_value(shape), jax.lax.shape_as_value(shape)
      # A NumPy array for a known shape, as JAX returns; an Array for the empty shape.
      assert isinstance(got, np.ndarray) == isinstance(expected, np.ndarray)
      assert got.dtype == expected.dtype and got.shape == expected.shape
      np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))
  staged = pyjax.jit(lambda: lax.shape_as_value((2, 3)))()
  assert_matches_oracle(staged, jax.jit(lambda: jax.lax.shape_as_value((2, 3)))())


def test_shape_as_value_errors_match_oracle():
  for shape in (3, (2.5,)):
    p, j = outcome(lax.shape_as_value, shape), outcome(jax.lax.shape_as_value, shape)
    assert p[0] == j[0] == "raise"
    assert type(p[1]) is type(j[1]) and str(p[1]) == str(j[1])


BROADCAST_LIKE_CASES = [
    (np.arange(3, dtype=np.int32), np.zeros((2, 3))),
    (np.ones((3, 1), np.float32), np.zeros((2, 3, 4), np.float32)),
    (1.0, np.zeros((2, 3), np.int32)),
    (np.float32(1.0), np.zeros((2, 3), np.int32)),
    (2, 3.0),
    (np.zeros(3), np.zeros(3)),
]


@pytest.mark.parametrize("arr,like", BROADCAST_LIKE_CASES)
def test_broadcast_like_matches_oracle(arr, like):
  assert_matches_oracle(lax.broadcast_like(arr, like), jax.lax.broadcast_like(arr, like))
  assert_matches_oracle(pyjax.jit(lax.broadcast_like)(arr, like),
                        jax.jit(jax.lax.broadcast_like)(arr, like))
  assert (str(pyjax.make_jaxpr(lax.broadcast_like)(arr, like))
          == str(jax.make_jaxpr(jax.lax.broadcast_like)(arr, like)))


def test_broadcast_like_errors_match_oracle():
  for arr, like in ((np.zeros(2), np.zeros((2, 3))), (np.zeros((2, 3)), np.zeros(3)),
                    ([1, 2], np.zeros(3)), (np.zeros(3), [1, 2, 3])):
    p, j = outcome(lax.broadcast_like, arr, like), outcome(jax.lax.broadcast_like, arr, like)
    assert p[0] == j[0] == "raise"
    assert type(p[1]) is type(j[1]) and str(p[1]) == str(j[1])


def test_broadcast_like_vmap_and_grad():
  x, like = np.arange(3, dtype=np.float32), np.zeros((2, 3), np.float32)
  for axes in ((0, None), (None, 0)):
    assert_matches_oracle(pyjax.vmap(lax.broadcast_like, axes)(x, like),
                          jax.vmap(jax.lax.broadcast_like, axes)(x, like))
  weights = RNG.normal(size=(2, 3)).astype(np.float32)
  got = pyjax.grad(lambda v: (lax.broadcast_like(v, like) * weights).sum())(x)
  expected = jax.grad(lambda v: (jax.lax.broadcast_like(v, like) * weights).sum())(x)
  assert_matches_oracle(got, expected, tol=(1e-6, 1e-6))


# ------------------------------------------------------------------------------------------------
# Convolutions


def test_conv_general_dilated_dimension_numbers_is_the_same_alias():
  p_args = typing.get_args(lax.ConvGeneralDilatedDimensionNumbers)
  j_args = typing.get_args(jax.lax.ConvGeneralDilatedDimensionNumbers)
  assert p_args[0] == j_args[0] == tuple[str, str, str]
  assert p_args[1] is lax.ConvDimensionNumbers and j_args[1] is jax.lax.ConvDimensionNumbers
  assert p_args[2] is j_args[2] is type(None)
  # A type alias, not a class: calling it fails alike.
  p, j = outcome(lambda: lax.ConvGeneralDilatedDimensionNumbers()), outcome(
      lambda: jax.lax.ConvGeneralDilatedDimensionNumbers())
  assert p[0] == j[0] == "raise" and type(p[1]) is type(j[1]) and str(p[1]) == str(j[1])


def _local_case(lhs_shape, dn, filter_shape, strides, padding, lhs_dilation=None,
                rhs_dilation=None, out_features=3):
  """(lhs, rhs, args, kwargs) with the kernel shape the oracle's output implies."""
  lhs = RNG.normal(size=lhs_shape).astype(np.float32)
  kwargs = dict(lhs_dilation=lhs_dilation, rhs_dilation=rhs_dilation, dimension_numbers=dn)
  patches = jax.lax.conv_general_dilated_patches(lhs, filter_shape, strides, padding,
                                                 lhs_dilation, rhs_dilation, dn)
  numbers = jax.lax.conv_dimension_numbers(lhs_shape, (1, 1, *filter_shape), dn)
  rhs_shape = [0] * len(lhs_shape)
  rhs_shape[numbers.rhs_spec[0]] = out_features
  rhs_shape[numbers.rhs_spec[1]] = patches.shape[numbers.out_spec[1]]
  for r, o in zip(numbers.rhs_spec[2:], numbers.out_spec[2:]):
    rhs_shape[r] = patches.shape[o]
  rhs = RNG.normal(size=rhs_shape).astype(np.float32)
  return lhs, rhs, (strides, padding, filter_shape), kwargs


LOCAL_CASES = {
    "nchw_valid": ((2, 3, 5, 6), None, (2, 3), (1, 2), "VALID"),
    "nhwc_same": ((2, 5, 4, 3), ("NHWC", "HWIO", "NHWC"), (3, 2), (1, 1), "SAME"),
    "explicit_pads_dilated": ((2, 5, 4, 3), ("NHWC", "HWIO", "NHWC"), (3, 2), (2, 1),
                              [(1, 0), (0, 1)], None, (1, 2)),
    "permuted_specs": ((2, 3, 5, 6), ("NCHW", "WHIO", "CNWH"), (3, 2), (1, 1), "VALID"),
    "one_d_lhs_dilation": ((2, 3, 7), None, (3,), (1,), [(1, 1)], (2,)),
}


@pytest.mark.parametrize("name", sorted(LOCAL_CASES))
def test_conv_general_dilated_local_matches_oracle(name):
  lhs, rhs, args, kwargs = _local_case(*LOCAL_CASES[name])
  expected = jax.lax.conv_general_dilated_local(lhs, rhs, *args, **kwargs)
  assert_matches_oracle(lax.conv_general_dilated_local(lhs, rhs, *args, **kwargs), expected,
                        tol=(1e-5, 1e-5))
  jitted = pyjax.jit(lambda a, b: lax.conv_general_dilated_local(a, b, *args, **kwargs))(lhs, rhs)
  assert_matches_oracle(jitted, expected, tol=(1e-5, 1e-5))


def test_conv_general_dilated_local_grad_and_vmap():
  lhs, rhs, args, kwargs = _local_case(*LOCAL_CASES["explicit_pads_dilated"])
  weights = RNG.normal(size=jax.lax.conv_general_dilated_local(lhs, rhs, *args, **kwargs).shape)

  def loss(lib):
    return lambda a, b: (lib.lax.conv_general_dilated_local(a, b, *args, **kwargs)
                         * weights.astype(np.float32)).sum()
  got = pyjax.grad(loss(pyjax), (0, 1))(lhs, rhs)
  expected = jax.grad(loss(jax), (0, 1))(lhs, rhs)
  for g, e in zip(got, expected):
    assert_matches_oracle(g, e, tol=(1e-4, 1e-5))
  stacked = np.stack([lhs, 2 * lhs])
  batched = pyjax.vmap(lambda a: lax.conv_general_dilated_local(a, rhs, *args, **kwargs))(stacked)
  for i in range(2):
    single = lax.conv_general_dilated_local(stacked[i], rhs, *args, **kwargs)
    np.testing.assert_allclose(np.asarray(batched[i]), np.asarray(single), rtol=1e-5, atol=1e-5)


def test_conv_general_dilated_local_dtypes_and_errors():
  lhs, rhs = np.ones((1, 2, 4), np.int32), np.ones((3, 4, 3), np.int32)
  assert_matches_oracle(lax.conv_general_dilated_local(lhs, rhs, (1,), "VALID", (2,)),
                        jax.lax.conv_general_dilated_local(lhs, rhs, (1,), "VALID", (2,)))
  half = RNG.normal(size=(2, 3, 7)).astype(np.float16)
  kernel = RNG.normal(size=(4, 9, 5)).astype(np.float32)
  assert_matches_oracle(lax.conv_general_dilated_local(half, kernel, (1,), "VALID", (3,)),
                        jax.lax.conv_general_dilated_local(half, kernel, (1,), "VALID", (3,)),
                        tol=(2e-3, 2e-3))
  for bad in ((lhs.tolist(), rhs), (lhs, np.ones((3, 4, 2), np.int32))):
    p = outcome(lax.conv_general_dilated_local, *bad, (1,), "VALID", (2,))
    j = outcome(jax.lax.conv_general_dilated_local, *bad, (1,), "VALID", (2,))
    assert p[0] == j[0] == "raise"
    assert type(p[1]) is type(j[1]) and str(p[1]) == str(j[1])


# ------------------------------------------------------------------------------------------------
# select_and_scatter


def _select_and_scatter_both(operand, select, window, strides, padding, source, init, scatter):
  got = _select_and_scatter(operand, getattr(lax, select), window, strides, padding, source, init,
                            getattr(lax, scatter))
  expected = oracle_select_and_scatter(operand, getattr(jax.lax, select), window, strides,
                                       padding, source, init, getattr(jax.lax, scatter))
  return got, expected


def _source(operand, window, strides, padding, dtype=np.float32):
  shape = lax.reduce_window_shape_tuple(operand.shape, window, strides, padding)
  return RNG.normal(size=shape).astype(dtype)


SELECT_AND_SCATTER_CASES = {
    # Ties (small integers) without padding: the first element the select keeps wins.
    "ties_ge_add": (RNG.integers(0, 4, (5, 6)).astype(np.float32), "ge", (2, 3), (1, 2),
                    ((0, 0), (0, 0)), "add"),
    "ties_gt_sub": (RNG.integers(0, 4, (5, 6)).astype(np.float32), "gt", (2, 2), (1, 1),
                    ((0, 0), (0, 0)), "sub"),
    # Padding is never selected; distinct values (XLA's order among padded ties is its own).
    "padded_ge_add": (RNG.permutation(30).reshape(5, 6).astype(np.float32), "ge", (2, 3), (1, 2),
                      ((1, 1), (0, 1)), "add"),
    "padded_le_mul": (RNG.permutation(30).reshape(5, 6).astype(np.float32), "le", (3, 2), (2, 1),
                      ((2, 0), (1, 2)), "mul"),
    "windows_in_padding": (np.ones(2, np.float32), "ge", (2,), (1,), ((2, 2),), "add"),
    "nan_operand": (np.array([1.0, np.nan, 3.0, 0.0], np.float32), "ge", (2,), (1,), ((0, 0),),
                    "add"),
}


@pytest.mark.parametrize("name", sorted(SELECT_AND_SCATTER_CASES))
def test_select_and_scatter_matches_oracle(name):
  operand, select, window, strides, padding, scatter = SELECT_AND_SCATTER_CASES[name]
  source = _source(operand, window, strides, padding)
  got, expected = _select_and_scatter_both(operand, select, window, strides, padding, source,
                                           np.float32(0.5), scatter)
  assert_matches_oracle(got, expected, tol=(1e-6, 1e-6))


def test_select_and_scatter_integers_in_three_dimensions():
  operand = RNG.permutation(60).reshape(3, 4, 5).astype(np.int32)
  window, strides, padding = (2, 2, 3), (1, 2, 1), ((1, 0), (0, 1), (1, 1))
  source = RNG.integers(0, 9, lax.reduce_window_shape_tuple(operand.shape, window, strides,
                                                             padding)).astype(np.int32)
  got, expected = _select_and_scatter_both(operand, "gt", window, strides, padding, source,
                                           np.int32(2), "max")
  assert_matches_oracle(got, expected)


def _max_pool_scatter(lib, select_and_scatter):
  return lambda operand, source: select_and_scatter(
      operand, lib.lax.ge, (2, 2), (2, 1), ((0, 0), (1, 0)), source, np.float32(0), lib.lax.add)


def test_select_and_scatter_jaxpr_jit_and_errors():
  operand = RNG.permutation(12).reshape(4, 3).astype(np.float32)
  source = _source(operand, (2, 2), (2, 1), ((0, 0), (1, 0)))
  fun, oracle_fun = (_max_pool_scatter(pyjax, _select_and_scatter),
                     _max_pool_scatter(jax, oracle_select_and_scatter))
  assert str(pyjax.make_jaxpr(fun)(operand, source)) == str(
      jax.make_jaxpr(oracle_fun)(operand, source))
  assert_matches_oracle(pyjax.jit(fun)(operand, source), oracle_fun(operand, source))
  # No derivative rules, as in JAX.
  loss = lambda lib, f: lambda o: f(o, source).sum()
  p = outcome(pyjax.grad(loss(pyjax, fun)), operand)
  j = outcome(jax.grad(loss(jax, oracle_fun)), operand)
  assert p[0] == j[0] == "raise"
  assert type(p[1]) is type(j[1]) is NotImplementedError and str(p[1]) == str(j[1])
  for window, strides in (((2,), (1, 1)), ((2, 2), (-1, 1))):
    p = outcome(_select_and_scatter, operand, lax.ge, window, strides, ((0, 0), (0, 0)), source,
                np.float32(0), lax.add)
    j = outcome(oracle_select_and_scatter, operand, jax.lax.ge, window, strides,
                ((0, 0), (0, 0)), source, np.float32(0), jax.lax.add)
    assert type(p[1]) is type(j[1]) is TypeError and str(p[1]) == str(j[1])
  with pytest.raises(ValueError, match="source shape"):
    fun(operand, source[:1])
  # Zero-sized windows are rejected (ValueError, as JAX's when it compiles); no windows at all
  # leave the init value everywhere.
  args = (np.ones((2, 3), np.float32), (0, 1), (1, 1), ((0, 0), (0, 0)), np.ones((3, 3),
                                                                                  np.float32))
  p = outcome(_select_and_scatter, args[0], lax.ge, *args[1:], np.float32(3), lax.add)
  j = outcome(oracle_select_and_scatter, args[0], jax.lax.ge, *args[1:], np.float32(3),
              jax.lax.add)
  assert type(p[1]) is type(j[1]) is ValueError
  for operand, window in ((np.ones((2, 3), np.float32), (3, 1)), (np.ones((2, 0), np.float32),
                                                                  (1, 1))):
    source = _source(operand, window, (1, 1), ((0, 0), (0, 0)))
    got, expected = _select_and_scatter_both(operand, "ge", window, (1, 1), ((0, 0), (0, 0)),
                                             source, np.float32(3), "add")
    assert_matches_oracle(got, expected)


def test_select_and_scatter_vmap_matches_loop():
  # A deliberate difference: JAX has no batching rule for select_and_scatter; pyjax's gives each
  # batch member a window of size 1 along the mapped axis, so it equals a loop of single calls.
  operands = RNG.permutation(36).reshape(3, 4, 3).astype(np.float32)
  sources = np.stack([_source(operands[0], (2, 2), (2, 1), ((0, 0), (1, 0))) for _ in range(3)])
  with pytest.raises(NotImplementedError, match="Batching rule for 'select_and_scatter'"):
    jax.vmap(_max_pool_scatter(jax, oracle_select_and_scatter))(operands, sources)
  fun = _max_pool_scatter(pyjax, _select_and_scatter)
  for axes in ((0, 0), (0, None), (None, 0), (1, 0)):
    args = [np.moveaxis(operands, 0, axes[0]) if axes[0] is not None else operands[0],
            sources if axes[1] is not None else sources[0]]
    batched = pyjax.vmap(fun, axes)(*args)
    for i in range(3):
      single = fun(operands[i] if axes[0] is not None else operands[0],
                   sources[i] if axes[1] is not None else sources[0])
      np.testing.assert_array_equal(np.asarray(batched[i]), np.asarray(single))
