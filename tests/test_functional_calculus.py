"""Functional helpers (vectorize, piecewise, select, apply_along_axis, apply_over_axes,
fromfunction), finite differences (diff, ediff1d, gradient, trapezoid, unwrap) and window
functions with i0 and sinc, against the oracle (jax 0.10.2): values, dtypes and weak types in
one jitted oracle program, JAX's errors, derivatives (sinc's and i0's at 0 included), vmap."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jjnp  # noqa: E402

import pyjax  # noqa: E402
import pyjax.numpy as jnp  # noqa: E402
from pyjax.test_util import check_grads  # noqa: E402

from case_tables import CaseTable  # noqa: E402
from oracle_util import assert_same_outcome, outcome, x64  # noqa: E402

RNG = np.random.default_rng(5)
X = np.arange(-2.0, 3.0, dtype=np.float32)
I = np.arange(-2, 3)
A3 = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)
M = (np.arange(12.0, dtype=np.float32).reshape(3, 4) ** 2)
PHASE = np.cumsum(RNG.standard_normal((3, 8)) * 3, axis=0).astype(np.float32)
B532 = np.arange(30.0, dtype=np.float32).reshape(5, 3, 2)
POINTS = np.array([-2.5, -1, 0, 0.3, 1, 4], np.float32)

CASES = {
    # vectorize
    "vectorize_scalar": lambda L: L.np.vectorize(lambda x: x * 2)(M),
    "vectorize_kwarg_dropped": lambda L: L.np.vectorize(lambda x, y=1: x + y)(X, y=5),
    "vectorize_excluded_kwarg": lambda L: L.np.vectorize(lambda x, y=1: x + y,
                                                         excluded={"y"})(X, y=5),
    "vectorize_excluded_position": lambda L: L.np.vectorize(lambda a, s: a[s], excluded={1},
                                                            signature="(n)->()")(M, 1),
    "vectorize_signature": lambda L: L.np.vectorize(L.np.dot, signature="(n),(n)->()")(M, M[0]),
    "vectorize_two_outputs": lambda L: L.np.vectorize(lambda a: (a.sum(), a * 2),
                                                      signature="(n)->(),(n)")(M),
    "vectorize_matmul": lambda L: L.np.vectorize(lambda a, b: a @ b,
                                                 signature="(n,m),(m,k)->(n,k)")(
                                                     A3.reshape(4, 1, 2, 3), B532),
    "vectorize_size_one": lambda L: L.np.vectorize(lambda a, b: a * b)(M[:1], M[:1, :1]),
    "vectorize_weak": lambda L: L.np.vectorize(lambda a, b: a * b)(2, 3.0),
    "vectorize_none": lambda L: L.np.vectorize(lambda a, b: a + (0 if b is None else b))(X, None),
    # piecewise and select
    "piecewise": lambda L: L.np.piecewise(X, [X < 0, X > 0], [lambda x: -x, lambda x: x * 10, 7]),
    "piecewise_overlap": lambda L: L.np.piecewise(X, [X < 1, X > -1],
                                                  [lambda x: -x, lambda x: x * 10, 7]),
    "piecewise_int_default": lambda L: L.np.piecewise(I, [I < 0], [lambda x: -x]),
    "piecewise_int_cast": lambda L: L.np.piecewise(I, [I < 0], [lambda x: -x, 2.5]),
    "piecewise_args": lambda L: L.np.piecewise(X, [X < 0], [lambda x, k: -x * k, 2.5], 3),
    "piecewise_scalar": lambda L: L.np.piecewise(3.0, [True], [lambda x: -x, 1]),
    "piecewise_2d": lambda L: L.np.piecewise(M, [M < 20], [lambda x: x ** 2, L.np.sin]),
    "select": lambda L: L.np.select([I < 0, I < 1], [I, X * 10], 7),
    "select_weak_default": lambda L: L.np.select([I < 0], [I], 7.5),
    "select_int_condition": lambda L: L.np.select([I], [I]),
    "select_broadcast": lambda L: L.np.select((I < 0,), (I,), np.ones((2, 1), np.float32)),
    # apply_along_axis, apply_over_axes, fromfunction
    "apply_along_axis_sum": lambda L: L.np.apply_along_axis(L.np.sum, 1, A3),
    "apply_along_axis_outer": lambda L: L.np.apply_along_axis(lambda v: L.np.outer(v, v), 1, A3),
    "apply_along_axis_args": lambda L: L.np.apply_along_axis(lambda v, k: v[::-1] * k, -1, A3, 3),
    "apply_along_axis_first": lambda L: L.np.apply_along_axis(lambda v: v[0], 0, A3),
    "apply_over_axes": lambda L: L.np.apply_over_axes(L.np.sum, A3, [0, 2]),
    "apply_over_axes_keepdims": lambda L: L.np.apply_over_axes(
        lambda x, ax: L.np.sum(x, ax, keepdims=True), A3, (1,)),
    "fromfunction": lambda L: L.np.fromfunction(lambda i, j: i * 10 + j, (2, 3)),
    "fromfunction_int": lambda L: L.np.fromfunction(lambda i, j: i - j, (2, 3), dtype=int),
    "fromfunction_int8": lambda L: L.np.fromfunction(lambda i: i * 2, 4, dtype=np.int8),
    # diff and ediff1d
    "diff_int8": lambda L: L.np.diff(np.arange(5, dtype=np.int8) ** 2),
    "diff_bool": lambda L: L.np.diff(np.array([True, False, False, True])),
    "diff_n0": lambda L: L.np.diff(X, n=0),
    "diff_n2": lambda L: L.np.diff(X ** 3, n=2),
    "diff_n_too_big": lambda L: L.np.diff(X, n=7),
    "diff_prepend_scalar": lambda L: L.np.diff(X ** 2, prepend=1),
    "diff_append_axis0": lambda L: L.np.diff(M, axis=0, append=np.ones((1, 4)), n=2),
    "diff_prepend_weak_float": lambda L: L.np.diff(np.arange(5, dtype=np.int8), prepend=1.5),
    "ediff1d": lambda L: L.np.ediff1d(M),
    "ediff1d_ends": lambda L: L.np.ediff1d(np.arange(6, dtype=np.int8) ** 2, to_begin=300,
                                          to_end=np.array([1.5, 2])),
    # gradient
    "gradient": lambda L: L.np.gradient(X ** 2),
    "gradient_int": lambda L: L.np.gradient(I ** 2),
    "gradient_step": lambda L: L.np.gradient(X ** 2, 2.0),
    "gradient_coordinates": lambda L: L.np.gradient(X ** 3, np.array([0, 1, 3, 4, 7.0])),
    "gradient_2d": lambda L: L.np.gradient(M),
    "gradient_axis": lambda L: L.np.gradient(M, axis=1),
    "gradient_steps": lambda L: L.np.gradient(M, 1.0, 2.0),
    "gradient_axis0_coordinates": lambda L: L.np.gradient(M, np.array([0.0, 1, 3]), axis=0),
    "gradient_two_points": lambda L: L.np.gradient(X[:2]),
    # trapezoid
    "trapezoid": lambda L: L.np.trapezoid(X ** 2),
    "trapezoid_int": lambda L: L.np.trapezoid(I),
    "trapezoid_dx": lambda L: L.np.trapezoid(I, dx=2),
    "trapezoid_x": lambda L: L.np.trapezoid(X, x=X ** 2),
    "trapezoid_axis0": lambda L: L.np.trapezoid(M, x=np.arange(3.0), axis=0),
    "trapezoid_x_like_y": lambda L: L.np.trapezoid(M, x=M ** 0.5),
    "trapezoid_f16": lambda L: L.np.trapezoid(M.astype(np.float16) / 100),
    # unwrap
    "unwrap": lambda L: L.np.unwrap(np.array([0, 3, 6.5, 9.4, 13])),
    "unwrap_int": lambda L: L.np.unwrap(np.array([0, 3, 6, 9, 13])),
    "unwrap_period_discont": lambda L: L.np.unwrap(np.array([0, 3, 6.5, 9.4, 13]), discont=1,
                                                   period=4),
    "unwrap_int_even_period": lambda L: L.np.unwrap(np.array([0, 3, 6, 9, 13, 15, 11, 14]),
                                                    period=4),
    "unwrap_int_odd_period": lambda L: L.np.unwrap(np.array([0, 3, 6, 9, 13, 15, 11, 14]),
                                                   period=5),
    "unwrap_axis0": lambda L: L.np.unwrap(PHASE, axis=0),
    "unwrap_half_period_jumps": lambda L: L.np.unwrap(np.array([0, np.pi, 0, -np.pi, 0],
                                                               np.float32)),
    "unwrap_empty": lambda L: L.np.unwrap(np.ones((2, 0))),
    # windows, i0, sinc
    **{f"{w}_{n}": (lambda L, w=w, n=n: getattr(L.np, w)(n))
       for w in ("bartlett", "blackman", "hamming", "hanning") for n in (0, 1, 2, 5, 8)},
    **{f"kaiser_{n}": (lambda L, n=n: L.np.kaiser(n, 3.5)) for n in (0, 1, 2, 5, 8)},
    "kaiser_f16_beta": lambda L: L.np.kaiser(3, np.float16(2)),
    "i0": lambda L: L.np.i0(POINTS),
    "i0_int": lambda L: L.np.i0(np.arange(3, dtype=np.int8)),
    "i0_weak": lambda L: L.np.i0(0.5),
    "sinc": lambda L: L.np.sinc(POINTS),
    "sinc_int": lambda L: L.np.sinc(np.arange(3, dtype=np.int8)),
    "sinc_weak": lambda L: L.np.sinc(0.0),
    "sinc_complex": lambda L: L.np.sinc(POINTS * (1 + 1j)),
}
TABLE = CaseTable(CASES)
F16_TOL = {"trapezoid_f16", "i0_f16", "sinc_f16"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_oracle(name):
  TABLE.check(name, tol=(2e-3, 2e-3) if name in F16_TOL else (2e-5, 2e-5))


@pytest.mark.parametrize("fn", ["i0", "sinc"])
def test_float16_special_functions(fn):
  p, j = getattr(jnp, fn)(POINTS.astype(np.float16)), getattr(jjnp, fn)(POINTS.astype(np.float16))
  assert_same_outcome(("ok", p), ("ok", j), (2e-3, 2e-3))


ERRORS = {
    "vectorize_tuple_expected": lambda np_: np_.vectorize(lambda a: a.sum(),
                                                          signature="(n)->(),()")(M),
    "vectorize_output_core": lambda np_: np_.vectorize(lambda a: a, signature="(n)->()")(M),
    "vectorize_arg_count": lambda np_: np_.vectorize(lambda a: a, signature="(n)->()")(M, 1),
    "vectorize_too_few_dims": lambda np_: np_.vectorize(lambda a: a,
                                                        signature="(n,m)->()")(X),
    "vectorize_bad_signature": lambda np_: np_.vectorize(lambda a: a, signature="(n->()")(X),
    "vectorize_negative_excluded": lambda np_: np_.vectorize(lambda a, b: a + b,
                                                             excluded={-1})(X, 1),
    "vectorize_float_excluded": lambda np_: np_.vectorize(lambda a, b: a + b,
                                                          excluded={1.5})(X, 1),
    "vectorize_core_mismatch": lambda np_: np_.vectorize(lambda a, b: a - b,
                                                         signature="(n),(n)->(n)")(M, X[:3]),
    "piecewise_too_many_functions": lambda np_: np_.piecewise(I, [I < 0], [abs, 2.5, 3]),
    "piecewise_array_condlist": lambda np_: np_.piecewise(X, X < 0, [abs, 2.5]),
    "select_lengths": lambda np_: np_.select([I < 2], [I, I]),
    "select_empty": lambda np_: np_.select([], []),
    "apply_over_axes_shape": lambda np_: np_.apply_over_axes(lambda x, ax: x.sum(), A3, (1,)),
    "diff_negative_n": lambda np_: np_.diff(X, n=-1),
    "diff_scalar": lambda np_: np_.diff(3.0),
    "diff_prepend_shape": lambda np_: np_.diff(M, prepend=np.ones((1, 4))),
    "ediff1d_list": lambda np_: np_.ediff1d(M, to_begin=[1, 2]),
    "gradient_edge_order": lambda np_: np_.gradient(X, edge_order=2),
    "gradient_too_small": lambda np_: np_.gradient(X[:1]),
    "gradient_spacing_count": lambda np_: np_.gradient(X, 1.0, 2.0),
    "gradient_coordinates_length": lambda np_: np_.gradient(M, np.array([0.0, 1]), axis=0),
    "unwrap_complex": lambda np_: np_.unwrap(X * 1j),
    "i0_complex": lambda np_: np_.i0(POINTS * 1j),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_oracle(name):
  p, j = outcome(ERRORS[name], jnp), outcome(ERRORS[name], jjnp)
  assert j[0] == "raise" and p[0] == "raise", (p, j)
  assert type(p[1]).__name__ == type(j[1]).__name__
  if name not in ("vectorize_tuple_expected", "diff_scalar"):  # the oracle's shows a tracer
    assert str(p[1]) == str(j[1])


def _nth_derivative(lib, fn, order):
  for _ in range(order):
    fn = lib.grad(fn)
  return lib.vmap(fn)


@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize("fn", ["i0", "sinc"])
def test_derivatives_match_oracle_including_at_zero(fn, order):
  p = _nth_derivative(pyjax, getattr(jnp, fn), order)(POINTS)
  j = _nth_derivative(jax, getattr(jjnp, fn), order)(POINTS)
  assert_same_outcome(("ok", p), ("ok", j), (2e-4, 2e-4))


GRAD_CASES = {
    "diff": (lambda x: jnp.diff(x, n=2, prepend=1.0), (6,)),
    "ediff1d": (lambda x: jnp.ediff1d(x, to_end=x[:1]), (2, 3)),
    "gradient": (jnp.gradient, (6,)),
    "gradient_coordinates": (lambda x: jnp.gradient(x, jnp.array([0.0, 1, 3, 4, 7, 8])), (6,)),
    "trapezoid": (lambda x: jnp.trapezoid(x, x=jnp.arange(4.0) ** 2), (3, 4)),
    "unwrap": (lambda x: jnp.unwrap(x * 3), (6,)),
    "kaiser_beta": (lambda b: jnp.kaiser(6, b), ()),
    "vectorize": (jnp.vectorize(lambda a, b: a @ b, signature="(n),(n)->()"), (2, 3)),
    "apply_along_axis": (lambda x: jnp.apply_along_axis(lambda v: v * v.sum(), 1, x), (2, 3)),
    "piecewise": (lambda x: jnp.piecewise(x, [x < 0], [jnp.sin, jnp.cos]), (5,)),
    "select": (lambda x: jnp.select([x < 0, x > 1], [x ** 2, jnp.sin(x)], x), (5,)),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_grads_against_finite_differences(name):
  fn, shape = GRAD_CASES[name]
  with x64():
    x = RNG.standard_normal(shape) + (2.0 if name == "kaiser_beta" else 0.0)
    args = (x, x[::-1]) if name == "vectorize" else (x,)
    check_grads(fn, args, order=1, modes=("fwd", "rev"))


@pytest.mark.parametrize("name", ["diff", "gradient", "trapezoid", "unwrap", "piecewise"])
def test_vmap_and_jit_match_a_loop(name):
  fn, shape = GRAD_CASES[name]
  xs = RNG.standard_normal((3, *shape)).astype(np.float32)
  expected = np.stack([np.asarray(fn(x)) for x in xs])
  np.testing.assert_allclose(pyjax.vmap(fn)(xs), expected, rtol=1e-5, atol=1e-6)
  np.testing.assert_allclose(pyjax.jit(fn)(xs[0]), expected[0], rtol=1e-5, atol=1e-6)
