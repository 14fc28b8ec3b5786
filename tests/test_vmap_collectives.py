"""Collectives over named axes inside `vmap(..., axis_name=...)`, against the oracle (jax 0.10.2):
values, dtypes and weak types for batched and unbatched operands, nested named axes, their
derivatives, the staged program, and JAX's errors for unbound names and unsupported options."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jjnp  # noqa: E402

import pyjax  # noqa: E402
import pyjax.numpy as pjnp  # noqa: E402

from oracle_util import assert_same_outcome, outcome  # noqa: E402

LIBS = {"pyjax": (pyjax, pjnp), "jax": (jax, jjnp)}
TOL = (1e-6, 1e-6)


def both(build, tol=None):
  p = outcome(build, *LIBS["pyjax"])
  j = outcome(build, *LIBS["jax"])
  assert_same_outcome(p, j, tol)
  return p, j


def same_error(build):
  p, j = both(build)
  assert p[0] == j[0] == "raise"
  assert str(p[1]) == str(j[1]), f"\npyjax:  {p[1]}\noracle: {j[1]}"


X = np.arange(12, dtype=np.float32).reshape(3, 4) - 5
INTS = np.array([[1, 5, -2], [4, 0, 7]], np.int32)
BOOLS = np.array([True, False, True])

# ------------------------------------------------------------------------------------------------
# Reductions


@pytest.mark.parametrize("collective", ["psum", "pmean", "pmax", "pmin"])
@pytest.mark.parametrize("in_axes", [0, 1, -1])
def test_reductions(collective, in_axes):
  both(lambda jx, np_: jx.vmap(lambda x: getattr(jx.lax, collective)(x, "i"), axis_name="i",
                               in_axes=in_axes)(X), TOL)


@pytest.mark.parametrize("collective", ["psum", "pmean", "pmax", "pmin"])
def test_reductions_of_integers_and_booleans(collective):
  both(lambda jx, np_: jx.vmap(lambda x: getattr(jx.lax, collective)(x, "i"), axis_name="i")(
      INTS))
  both(lambda jx, np_: jx.vmap(lambda x: getattr(jx.lax, collective)(x, "i"), axis_name="i")(
      BOOLS))


@pytest.mark.parametrize("collective", ["psum", "pmean", "pmax", "pmin"])
def test_reductions_of_unbatched_values(collective):
  both(lambda jx, np_: jx.vmap(lambda x: getattr(jx.lax, collective)(2.0, "i") + x,
                               axis_name="i")(X[0]))
  both(lambda jx, np_: jx.vmap(lambda x: getattr(jx.lax, collective)(np_.float32(3), "i"),
                               axis_name="i")(X[0]))
  both(lambda jx, np_: jx.vmap(lambda x, c: getattr(jx.lax, collective)(c, "i") * x,
                               axis_name="i", in_axes=(0, None))(X, X[1]))


def test_reductions_over_positional_and_several_axes():
  both(lambda jx, np_: jx.vmap(lambda x: jx.lax.psum(x, 0), axis_name="i")(X))
  both(lambda jx, np_: jx.vmap(lambda x: jx.lax.psum(x, ("i", 0)), axis_name="i")(X))
  both(lambda jx, np_: jx.vmap(lambda x: jx.lax.psum(x, ()), axis_name="i")(X))


def test_pytree_operands():
  p = outcome(lambda: pyjax.vmap(lambda d: pyjax.lax.psum(d, "i"), axis_name="i")(
      {"a": X, "b": INTS.T}))
  j = outcome(lambda: jax.vmap(lambda d: jax.lax.psum(d, "i"), axis_name="i")(
      {"a": X, "b": INTS.T}))
  for key in ("a", "b"):
    assert_same_outcome(("ok", p[1][key]), ("ok", j[1][key]))


def test_nested_named_axes():
  grid = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
  for names in ["i", "j", ("i", "j"), ("j", "i")]:
    for collective in ("psum", "pmax", "pmean"):
      both(lambda jx, np_: jx.vmap(jx.vmap(
          lambda x: getattr(jx.lax, collective)(x, names), axis_name="j"), axis_name="i")(grid),
          TOL)
  both(lambda jx, np_: jx.vmap(jx.vmap(lambda x: jx.lax.axis_index(("i", "j")) + x,
                                       axis_name="j", in_axes=1), axis_name="i")(grid))


def test_named_axis_inside_jit_and_grad():
  both(lambda jx, np_: jx.vmap(jx.jit(lambda x: x / jx.lax.psum(x, "i")), axis_name="i")(X),
       TOL)
  both(lambda jx, np_: jx.vmap(lambda x: jx.jit(lambda: jx.lax.psum(np_.float32(1), "i"))() * x,
                               axis_name="i")(X))


# ------------------------------------------------------------------------------------------------
# axis_index, all_gather, psum_scatter, ppermute, all_to_all


def test_axis_index():
  both(lambda jx, np_: jx.vmap(lambda x: jx.lax.axis_index("i"), axis_name="i")(X))
  both(lambda jx, np_: jx.vmap(lambda x: x * jx.lax.axis_index("i"), axis_name="i",
                               in_axes=1)(X))


@pytest.mark.parametrize("axis, tiled", [(0, False), (1, False), (-1, False), (0, True),
                                         (1, True)])
@pytest.mark.parametrize("in_axes", [0, 1])
def test_all_gather(axis, tiled, in_axes):
  data = np.arange(24, dtype=np.float32).reshape(3, 4, 2)
  both(lambda jx, np_: jx.vmap(lambda x: jx.lax.all_gather(x, "i", axis=axis, tiled=tiled),
                               axis_name="i", in_axes=in_axes)(data))


def test_all_gather_of_an_unbatched_value():
  both(lambda jx, np_: jx.vmap(lambda x: jx.lax.all_gather(X[0], "i") + x, axis_name="i")(X))


@pytest.mark.parametrize("scatter_dimension, tiled", [(0, False), (1, False), (0, True),
                                                      (1, True)])
def test_psum_scatter(scatter_dimension, tiled):
  data = np.arange(3 * 3 * 6, dtype=np.float32).reshape(3, 3, 6)
  if not tiled and scatter_dimension == 1:
    data = data[:, :, :3]
  both(lambda jx, np_: jx.vmap(lambda x: jx.lax.psum_scatter(
      x, "i", scatter_dimension=scatter_dimension, tiled=tiled), axis_name="i")(data))


@pytest.mark.parametrize("perm", [[(0, 1), (1, 2), (2, 0)], [(0, 0), (1, 2), (2, 1)]])
def test_ppermute(perm):
  both(lambda jx, np_: jx.vmap(lambda x: jx.lax.ppermute(x, "i", perm), axis_name="i")(X))
  both(lambda jx, np_: jx.vmap(lambda x: jx.lax.ppermute(x, "i", perm), axis_name="i",
                               in_axes=1)(X.T))


def test_ppermute_needs_a_full_permutation_under_vmap():
  both(lambda jx, np_: jx.vmap(lambda x: jx.lax.ppermute(x, "i", [(0, 1)]), axis_name="i")(X))


@pytest.mark.parametrize("split_axis, concat_axis, tiled", [
    (0, 0, False), (0, 1, False), (1, 0, False), (1, 1, False), (0, 1, True), (1, 0, True)])
def test_all_to_all(split_axis, concat_axis, tiled):
  data = np.arange(3 * 3 * 6, dtype=np.float32).reshape(3, 3, 6)
  if not tiled and split_axis == 1:
    data = data[:, :, :3]
  both(lambda jx, np_: jx.vmap(lambda x: jx.lax.all_to_all(
      x, "i", split_axis, concat_axis, tiled=tiled), axis_name="i")(data))


# ------------------------------------------------------------------------------------------------
# Derivatives


def test_gradients_through_collectives():
  xs = np.linspace(-1, 2, 4, dtype=np.float32)
  both(lambda jx, np_: jx.vmap(jx.grad(lambda x: jx.lax.psum(x, "i")), axis_name="i")(xs))
  both(lambda jx, np_: jx.vmap(jx.grad(lambda x: jx.lax.psum(x * x, "i")), axis_name="i")(xs))
  both(lambda jx, np_: jx.vmap(jx.grad(lambda x: jx.lax.pmean(np_.sin(x), "i")),
                               axis_name="i")(xs), TOL)
  both(lambda jx, np_: jx.grad(lambda x: jx.vmap(lambda y: y * jx.lax.psum(y, "i"),
                                                 axis_name="i")(x).sum())(xs))
  both(lambda jx, np_: jx.vmap(jx.grad(lambda x: (jx.lax.all_gather(x, "i") ** 2).sum()),
                               axis_name="i")(xs))
  both(lambda jx, np_: jx.vmap(jx.grad(lambda x: (jx.lax.ppermute(
      x, "i", [(0, 1), (1, 2), (2, 3), (3, 0)]) * xs).sum()), axis_name="i")(xs))
  both(lambda jx, np_: jx.vmap(jx.grad(lambda x: jx.lax.pmax(x, "i")), axis_name="i")(xs))


def test_jvp_of_psum():
  xs = np.linspace(-1, 2, 4, dtype=np.float32)
  both(lambda jx, np_: jx.vmap(lambda x, t: jx.jvp(lambda y: jx.lax.psum(y ** 2, "i"), (x,),
                                                   (t,))[1], axis_name="i")(xs, xs + 1))


# ------------------------------------------------------------------------------------------------
# The staged program and errors


def test_staged_psum():
  closed = pyjax.make_jaxpr(pyjax.vmap(lambda x: pyjax.lax.psum(x, "i"), axis_name="i",
                                       in_axes=1))(X)
  assert str(closed) == (
      "{ lambda ; a:f32[3,4]. let\n"
      "    b:f32[4,3] = transpose[permutation=(1, 0)] a\n"
      "    c:f32[3] = psum[axes=(0,) axis_index_groups=None] b\n"
      "    d:f32[4,3] = broadcast_in_dim[broadcast_dimensions=(1,)] c\n"
      "  in (d,) }")
  closed = pyjax.make_jaxpr(pyjax.vmap(lambda x: pyjax.lax.axis_index("i"), axis_name="i"))(X)
  assert str(closed) == str(jax.make_jaxpr(jax.vmap(lambda x: jax.lax.axis_index("i"),
                                                    axis_name="i"))(X))


def test_unbound_axis_names():
  same_error(lambda jx, np_: jx.lax.psum(np.ones(3, np.float32), "j"))
  same_error(lambda jx, np_: jx.lax.pmax(1.0, "j"))
  same_error(lambda jx, np_: jx.lax.axis_index("j"))
  same_error(lambda jx, np_: jx.lax.all_gather(np.ones(3), "j"))
  for collective in ("psum", "pmean", "pmax", "pmin", "all_gather"):
    same_error(lambda jx, np_: jx.vmap(lambda x: getattr(jx.lax, collective)(x, "j"),
                                       axis_name="i")(X))
  same_error(lambda jx, np_: jx.vmap(lambda x: jx.lax.axis_index("j"), axis_name="i")(X))
  same_error(lambda jx, np_: jx.vmap(lambda x: jx.lax.psum(x, "i"))(X))
  same_error(lambda jx, np_: jx.jit(lambda x: jx.lax.psum(x, "i"))(X))


def test_axis_index_groups_are_not_supported_under_vmap():
  same_error(lambda jx, np_: jx.vmap(lambda x: jx.lax.psum(x, "i", axis_index_groups=[[0, 1],
                                                                                      [2]]),
                                     axis_name="i")(X))


# ------------------------------------------------------------------------------------------------
# pshuffle and pswapaxes (ppermute and all_to_all with other encodings of their arguments)

CUBE = np.arange(27, dtype=np.float32).reshape(3, 3, 3)


@pytest.mark.parametrize("perm", [[2, 0, 1], [0, 2, 1], (1, 2, 0), np.array([2, 1, 0])])
def test_pshuffle(perm):
  both(lambda jx, np_: jx.vmap(lambda x: jx.lax.pshuffle(x, "i", perm), axis_name="i")(X))
  both(lambda jx, np_: jx.vmap(lambda x: jx.lax.pshuffle(x, "i", perm), axis_name="i",
                               in_axes=1)(X[:, :3]))
  both(lambda jx, np_: jx.vmap(lambda x: jx.lax.pshuffle(x, "i", perm), axis_name="i")(INTS.T))


def test_pshuffle_of_pytrees_unbatched_values_and_nested_axes():
  for leaf in (lambda tree: tree["a"], lambda tree: tree["b"][0], lambda tree: tree["b"][1]):
    both(lambda jx, np_: leaf(jx.vmap(lambda x: jx.lax.pshuffle({"a": x, "b": (x * 2, 1.0)}, "i",
                                                               [1, 2, 0]), axis_name="i")(X)))
  both(lambda jx, np_: jx.vmap(lambda x: jx.lax.pshuffle(2.0, "i", [2, 0, 1]) + x,
                               axis_name="i")(X))
  both(lambda jx, np_: jx.vmap(jx.vmap(lambda x: jx.lax.pshuffle(x, "i", [2, 0, 1]),
                                       axis_name="j"), axis_name="i")(X))
  both(lambda jx, np_: jx.vmap(jx.vmap(lambda x: jx.lax.pshuffle(x, ("i", "j"), [2, 0, 1]),
                                       axis_name="j"), axis_name="i")(X))


def test_gradient_of_pshuffle():
  xs = np.linspace(-1, 2, 4, dtype=np.float32)
  both(lambda jx, np_: jx.vmap(jx.grad(lambda x: (jx.lax.pshuffle(x, "i", [1, 2, 3, 0]) *
                                                  xs).sum()), axis_name="i")(xs))
  both(lambda jx, np_: jx.jit(jx.vmap(lambda x, t: jx.jvp(
      lambda y: jx.lax.pshuffle(y ** 2, "i", [3, 2, 1, 0]), (x,), (t,)), axis_name="i"))(
          xs, xs + 1))


def test_pshuffle_errors():
  same_error(lambda jx, np_: jx.vmap(lambda x: jx.lax.pshuffle(x, "i", [0, 0, 1]),
                                     axis_name="i")(X))
  same_error(lambda jx, np_: jx.lax.pshuffle(X, "i", (1, 2)))
  # A permutation of fewer participants than the axis has.
  same_error(lambda jx, np_: jx.vmap(lambda x: jx.lax.pshuffle(x, "i", [1, 0]), axis_name="i")(X))
  # No eager rule: outside a mapped context (or with a name vmap does not bind) it fails so.
  same_error(lambda jx, np_: jx.lax.pshuffle(X, "i", [1, 0]))
  same_error(lambda jx, np_: jx.lax.ppermute(X, "i", [(0, 1)]))
  same_error(lambda jx, np_: jx.vmap(lambda x: jx.lax.pshuffle(x, "j", [1, 0, 2]),
                                     axis_name="i")(X))
  # Staged, the unbound name is the error.
  same_error(lambda jx, np_: jx.jit(lambda x: jx.lax.pshuffle(x, "i", [0]))(X))


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("in_axes", [0, 1, 2])
def test_pswapaxes(axis, in_axes):
  data = np.arange(3 * 3 * 4, dtype=np.float32).reshape(3, 3, 4)
  both(lambda jx, np_: jx.vmap(lambda x: jx.lax.pswapaxes(x, "i", axis), axis_name="i",
                               in_axes=in_axes)(np.moveaxis(data, 0, in_axes)))


def test_pswapaxes_of_pytrees_and_weak_values():
  for key in ("a", "b"):
    both(lambda jx, np_: jx.vmap(lambda x: jx.lax.pswapaxes(x, "i", 0), axis_name="i")(
        {"a": CUBE[:, :, 0], "b": np.arange(9, dtype=np.int32).reshape(3, 3)})[key])
  both(lambda jx, np_: jx.vmap(lambda x: jx.lax.pswapaxes(x * 2.0, "i", 0), axis_name="i")(
      np_.ones((3, 3))))


def test_pswapaxes_of_an_unbatched_value():
  # JAX 0.10.2 broadcasts an unbatched operand with its whole shape again: a 5-d result.
  p, _ = both(lambda jx, np_: jx.vmap(lambda x: jx.lax.pswapaxes(
      np.arange(9.0).reshape(3, 3), "i", 1) + x, axis_name="i")(np.ones(3, np.float32)))
  assert p[1].shape == (3, 3, 3, 3, 3)


def test_pswapaxes_staged():
  f = lambda jx: jx.make_jaxpr(jx.vmap(lambda x: jx.lax.pswapaxes(x, "i", 0), axis_name="i",
                                       in_axes=1))(CUBE)
  assert str(f(pyjax)) == str(f(jax))


def test_gradients_through_pswapaxes_and_all_to_all():
  # A batched cotangent goes through; an unbatched one, or an untiled all_to_all moving an axis,
  # gives JAX's cotangent-type error.
  both(lambda jx, np_: jx.vmap(jx.grad(lambda x: (jx.lax.pswapaxes(x, "i", 0) * x).sum()),
                               axis_name="i")(CUBE[0]))
  same_error(lambda jx, np_: jx.vmap(jx.grad(lambda x: (jx.lax.pswapaxes(x, "i", 0) *
                                                        np.arange(3.0)).sum()),
                                     axis_name="i")(CUBE[0]))
  both(lambda jx, np_: jx.vmap(jx.grad(lambda x: (jx.lax.all_to_all(x, "i", 0, 1, tiled=True)
                                                  ** 2).sum()), axis_name="i")(CUBE))
  for split_axis, concat_axis in [(0, 1), (1, 0)]:
    same_error(lambda jx, np_: jx.vmap(jx.grad(lambda x: (jx.lax.all_to_all(
        x, "i", split_axis, concat_axis) ** 2).sum()), axis_name="i")(CUBE))


def test_pswapaxes_errors():
  same_error(lambda jx, np_: jx.vmap(lambda x: jx.lax.pswapaxes(x, "i", 1), axis_name="i")(
      np.ones((3, 3, 4), np.float32)))
  same_error(lambda jx, np_: jx.vmap(lambda x: jx.lax.pswapaxes(
      x, "i", 0, axis_index_groups=[[0, 1, 2]]), axis_name="i")(CUBE))
  same_error(lambda jx, np_: jx.lax.pswapaxes(CUBE, "i", 0))
  same_error(lambda jx, np_: jx.make_jaxpr(jx.vmap(lambda x: jx.lax.pswapaxes(x, "i", 0)))(CUBE))
