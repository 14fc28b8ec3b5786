"""`pyjax.scipy.interpolate`, `pyjax.scipy.cluster.vq` and `pyjax.scipy.spatial.transform`
against the oracle (jax 0.10.2): signatures and pytree structure, values, dtypes and weak types,
error classes and messages, and jit, vmap (vs a loop) and grad."""
from __future__ import annotations

import inspect
import itertools
import re
import types
import warnings

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.scipy.cluster.vq  # noqa: E402
import jax.scipy.interpolate  # noqa: E402
import jax.scipy.spatial.transform  # noqa: E402

import pyjax  # noqa: E402
import pyjax.scipy.cluster.vq  # noqa: E402
import pyjax.scipy.interpolate  # noqa: E402
import pyjax.scipy.spatial.transform  # noqa: E402

from oracle_util import AUTO, assert_same_outcome, outcome, x64  # noqa: E402


def namespace(top):
  transform = top.scipy.spatial.transform
  return types.SimpleNamespace(top=top, np=top.numpy, R=transform.Rotation, Slerp=transform.Slerp,
                               RGI=top.scipy.interpolate.RegularGridInterpolator,
                               vq=top.scipy.cluster.vq.vq)


PYJAX, ORACLE = namespace(pyjax), namespace(jax)
RNG = np.random.default_rng(36)
QUATS = RNG.normal(size=(6, 4)).astype(np.float32)
ANGLES = RNG.uniform(-3, 3, size=(6, 3)).astype(np.float32)
VECTORS = RNG.normal(size=(6, 3)).astype(np.float32)
# Gimbal lock and the identity: the middle Euler angle at 0 or pi for some sequences.
SPECIAL_QUATS = np.concatenate([np.eye(4), np.full((1, 4), 0.5)]).astype(np.float32)
SEQUENCES = ["".join(p) for p in itertools.product("xyz", repeat=3) if p[0] != p[1] != p[2]]
SEQUENCES += [s.upper() for s in SEQUENCES]
TOL = (2e-5, 2e-5)  # float32; the oracle's XLA kernels round in a different order


def rotation_cases():
  cases = {
      "from_quat": lambda L: L.R.from_quat(QUATS).quat,
      "from_quat_single_int": lambda L: L.R.from_quat(np.array([0, 0, 3, 4])).quat,
      "as_quat_canonical": lambda L: L.R.from_quat(-QUATS).as_quat(canonical=True),
      "as_quat_canonical_zero_w": lambda L: L.R.from_quat(
          np.array([[0., -1, 0, 0], [0., 0, -1, 0], [0, 0, 0, -1]], np.float32)).as_quat(
              canonical=True),
      "as_quat_scalar_first": lambda L: L.R.from_quat(QUATS).as_quat(scalar_first=True),
      "as_matrix": lambda L: L.R.from_quat(QUATS).as_matrix(),
      "from_matrix": lambda L: L.R.from_matrix(L.R.from_quat(QUATS).as_matrix()).as_matrix(),
      "from_matrix_int": lambda L: L.R.from_matrix(
          np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1]])).quat,
      "from_matrix_diagonal_branches": lambda L: L.R.from_matrix(
          L.R.from_quat(SPECIAL_QUATS).as_matrix()).as_quat(canonical=True),
      "as_rotvec": lambda L: L.R.from_quat(QUATS).as_rotvec(),
      "as_rotvec_degrees_small": lambda L: L.R.from_quat(
          np.array([1e-4, 0, 0, 1], np.float32)).as_rotvec(degrees=True),
      "from_rotvec": lambda L: L.R.from_rotvec(VECTORS).quat,
      "from_rotvec_degrees_int": lambda L: L.R.from_rotvec(np.array([90, 0, 0]), degrees=True).quat,
      "from_rotvec_small": lambda L: L.R.from_rotvec(VECTORS * 1e-4).quat,
      "as_mrp": lambda L: L.R.from_quat(QUATS).as_mrp(),
      "from_mrp": lambda L: L.R.from_mrp(VECTORS).quat,
      "apply": lambda L: L.R.from_quat(QUATS).apply(VECTORS),
      "apply_inverse_broadcast": lambda L: L.R.from_quat(QUATS).apply(VECTORS[0], inverse=True),
      "apply_single_to_many_int": lambda L: L.R.from_quat(QUATS[0]).apply(
          np.arange(6).reshape(2, 3)),
      "inv": lambda L: L.R.from_quat(QUATS).inv().quat,
      "magnitude": lambda L: L.R.from_quat(QUATS).magnitude(),
      "magnitude_single": lambda L: L.R.from_quat(QUATS[1]).magnitude(),
      "mul": lambda L: (L.R.from_quat(QUATS) * L.R.from_quat(QUATS[::-1])).quat,
      "mul_broadcast": lambda L: (L.R.from_quat(QUATS[2]) * L.R.from_quat(QUATS)).quat,
      # The mean's quaternion is an eigenvector, defined up to sign: compare its matrix.
      "mean": lambda L: L.R.from_quat(QUATS).mean().as_matrix(),
      "mean_weighted": lambda L: L.R.from_quat(QUATS).mean(
          np.arange(6.)).as_matrix(),
      "concatenate": lambda L: L.R.concatenate(
          [L.R.from_quat(QUATS[:2]), L.R.from_quat(QUATS[2:])]).quat,
      "identity": lambda L: L.R.identity().quat,
      "identity_dtype": lambda L: L.R.identity(dtype=L.np.float16).quat,
      "getitem": lambda L: L.R.from_quat(QUATS)[1:4].quat,
      "getitem_int": lambda L: L.R.from_quat(QUATS)[2].as_matrix(),
      "from_euler_one_axis": lambda L: L.R.from_euler("y", 0.5).quat,
      "from_euler_two_axes": lambda L: L.R.from_euler("zx", ANGLES[:, 1:]).quat,
      "from_euler_two_axes_intrinsic_degrees": lambda L: L.R.from_euler(
          "YZ", ANGLES[:, 1:] * 50, degrees=True).quat,
      "from_euler_float16": lambda L: L.R.from_euler("XYZ", ANGLES[0].astype(np.float16)).quat,
      "from_euler_int_degrees": lambda L: L.R.from_euler("xyz", np.array([90, 45, 30]),
                                                         degrees=True).quat,
      "slerp": lambda L: L.Slerp.init(np.arange(6.), L.R.from_quat(QUATS))(
          np.linspace(-0.5, 5.5, 13)).as_matrix(),
      "slerp_scalar_time": lambda L: L.Slerp.init(np.array([0., 1, 3, 4, 7, 9]),
                                                  L.R.from_quat(QUATS))(2.).as_matrix(),
      "slerp_fields": lambda L: L.Slerp.init(np.arange(6), L.R.from_quat(QUATS)).rotvecs,
  }
  for seq in SEQUENCES:
    degrees = seq.isupper()  # half the sequences in degrees, to keep the oracle program small
    cases[f"from_euler_{seq}"] = lambda L, seq=seq, degrees=degrees: L.R.from_euler(
        seq, ANGLES * (60 if degrees else 1), degrees=degrees).quat
    cases[f"as_euler_{seq}"] = lambda L, seq=seq, degrees=degrees: L.R.from_quat(
        np.concatenate([QUATS, SPECIAL_QUATS])).as_euler(seq, degrees=degrees)
  return cases


def interpolate_cases():
  x, y, z = np.linspace(0, 1, 4), np.array([-1., 0, 0.5, 2, 3]), np.array([0., 1])
  values = RNG.normal(size=(4, 5, 2)).astype(np.float32)
  inside = np.stack([RNG.uniform(0, 1, 7), RNG.uniform(-1, 3, 7), RNG.uniform(0, 1, 7)], -1)
  points = np.concatenate([inside, [[-0.1, 0, 0], [0.5, 3.5, 0.5], [1, 3, 1], [0, -1, 0]]])
  points = points.astype(np.float32)
  return {
      "linear_3d": lambda L: L.RGI((x, y, z), values)(points),
      "nearest_3d": lambda L: L.RGI((x, y, z), values, method="nearest")(points),
      "method_in_call": lambda L: L.RGI((x, y, z), values)(points, method="nearest"),
      "trailing_axes": lambda L: L.RGI((x, y), values)(points[:, :2].reshape(1, 11, 2)),
      "extrapolate": lambda L: L.RGI((x, y, z), values, fill_value=None)(points),
      "fill_int": lambda L: L.RGI((x, y, z), values, fill_value=7)(points),
      "tuple_points": lambda L: L.RGI((x, y), values[..., 0])((points[:, 0], points[:5, 1:2])),
      "flat_points_1d": lambda L: L.RGI((x,), values[:, 0, 0])(points[:, 0]),
      "one_tuple": lambda L: L.RGI((x,), values[:, 0, 0])((points[:, 0],)),
      "int_values": lambda L: L.RGI((x, y), np.arange(20).reshape(4, 5))(points[:, :2]),
      "int_grid_float16_values": lambda L: L.RGI(
          (np.arange(4), np.arange(5)), values[..., 0].astype(np.float16),
          method="nearest")(points[:, :2] * 3),
  }


def vq_cases():
  obs = RNG.normal(size=(7, 3)).astype(np.float32)
  book = RNG.normal(size=(4, 3)).astype(np.float32)
  return {
      "vq_2d": lambda L: L.vq(obs, book),
      "vq_1d_int": lambda L: L.vq(np.array([1, 5, 9, 2]), np.array([0, 4, 8])),
      "vq_ties_first": lambda L: L.vq(np.array([[1., 1]]), np.array([[0., 1], [2., 1]])),
      "vq_check_finite": lambda L: L.vq(obs, book, check_finite=False),
  }


def _cases_with_x64():
  cases = {**rotation_cases(), **interpolate_cases(), **vq_cases()}
  f64 = {
      "x64_from_euler": lambda L: L.R.from_euler("XZX", ANGLES.astype(np.float64)).quat,
      "x64_as_euler": lambda L: L.R.from_quat(QUATS.astype(np.float64)).as_euler("zyx"),
      "x64_as_rotvec": lambda L: L.R.from_quat(QUATS.astype(np.float64)).as_rotvec(),
      "x64_linear": lambda L: L.RGI((np.linspace(0, 1, 4),), np.arange(4.))(
          np.array([0.3, 0.9])),
      "x64_vq": lambda L: L.vq(np.arange(4.), np.array([0.5, 2.6])),
  }
  return cases, f64


CASES, CASES_X64 = _cases_with_x64()
_ORACLE_CACHE: dict = {}


def oracle_results(enable_x64: bool) -> dict:
  """All cases of a table in one jitted oracle program (one XLA compilation instead of one per
  eager operation)."""
  if enable_x64 not in _ORACLE_CACHE:
    cases = CASES_X64 if enable_x64 else CASES
    with warnings.catch_warnings(), x64(enable_x64):
      warnings.simplefilter("ignore")
      outs = jax.jit(lambda: {name: fn(ORACLE) for name, fn in cases.items()})()
    _ORACLE_CACHE[enable_x64] = outs
  return _ORACLE_CACHE[enable_x64]


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_match_oracle(name):
  expected = ("ok", oracle_results(False)[name])
  assert_same_outcome(outcome(CASES[name], PYJAX), expected, TOL, f"{name}: ")


@pytest.mark.parametrize("name", sorted(CASES_X64))
def test_values_match_oracle_x64(name):
  expected = ("ok", oracle_results(True)[name])
  with x64(True):
    assert_same_outcome(outcome(CASES_X64[name], PYJAX), expected, AUTO, f"{name}: ")


def test_as_euler_round_trips_through_from_euler():
  r = PYJAX.R.from_quat(QUATS)
  for seq in SEQUENCES:
    back = PYJAX.R.from_euler(seq, r.as_euler(seq))
    np.testing.assert_allclose(back.as_matrix(), r.as_matrix(), atol=3e-5, err_msg=seq)


ERROR_CASES = {
    "euler_long_seq": lambda L: L.R.from_euler("xyzx", np.zeros(4)),
    "euler_empty_seq": lambda L: L.R.from_euler("", np.zeros(0)),
    "euler_mixed_case": lambda L: L.R.from_euler("xYz", np.zeros(3)),
    "euler_repeated": lambda L: L.R.from_euler("xxz", np.zeros(3)),
    "euler_list": lambda L: L.R.from_euler("xyz", [1., 2., 3.]),
    "euler_angle_count": lambda L: L.R.from_euler("x", np.zeros(3)),
    "apply_four_vector": lambda L: L.R.identity().apply(np.ones(4)),
    "as_euler_two_axes": lambda L: L.R.identity().as_euler("xy"),
    "as_euler_mixed_case": lambda L: L.R.identity().as_euler("xyZ"),
    "as_euler_repeated": lambda L: L.R.identity().as_euler("xxy"),
    "len_single": lambda L: len(L.R.identity()),
    "getitem_single": lambda L: L.R.identity()[0],
    "mean_weights_count": lambda L: L.R.from_quat(QUATS).mean(np.ones(2)),
    "mean_weights_2d": lambda L: L.R.from_quat(QUATS).mean(np.ones((6, 1))),
    "mean_single": lambda L: L.R.identity().mean(),
    "identity_num": lambda L: L.R.identity(3),
    "random": lambda L: L.R.random(L.top.random.key(0), 3),
    "slerp_not_rotation": lambda L: L.Slerp.init(np.arange(2.), QUATS[:2]),
    "slerp_single": lambda L: L.Slerp.init(np.arange(2.), L.R.identity()),
    "slerp_one": lambda L: L.Slerp.init(np.arange(1.), L.R.from_quat(QUATS[:1])),
    "slerp_times_2d": lambda L: L.Slerp.init(np.zeros((2, 3)), L.R.from_quat(QUATS)),
    "slerp_times_count": lambda L: L.Slerp.init(np.arange(4.), L.R.from_quat(QUATS)),
    "slerp_call_2d": lambda L: L.Slerp.init(np.arange(6.), L.R.from_quat(QUATS))(np.ones((2, 2))),
    "rgi_method": lambda L: L.RGI((np.arange(3.),), np.arange(3.), method="cubic"),
    "rgi_call_method": lambda L: L.RGI((np.arange(3.),), np.arange(3.))(np.ones(2), "cubic"),
    "rgi_bounds_error": lambda L: L.RGI((np.arange(3.),), np.arange(3.), bounds_error=True),
    "rgi_too_many_points": lambda L: L.RGI((np.arange(3.), np.arange(2.)), np.arange(3.)),
    "rgi_list_values": lambda L: L.RGI((np.arange(3.),), [1., 2., 3.]),
    "rgi_list_points": lambda L: L.RGI((np.arange(3.),), np.arange(3.))([[0.5], [1.5]]),
    "rgi_fill_complex": lambda L: L.RGI((np.arange(3.),), np.arange(3.), fill_value=1j),
    "rgi_dimension": lambda L: L.RGI((np.arange(3.), np.arange(3.)), np.ones((3, 3)))(
        np.ones((2, 3))),
    "vq_rank": lambda L: L.vq(np.ones((2, 3)), np.ones(3)),
    "vq_3d": lambda L: L.vq(np.ones((2, 3, 1)), np.ones((2, 3, 1))),
    "vq_list": lambda L: L.vq([1., 2.], np.ones(2)),
}
# Errors where our message is our own (JAX's comes from deep inside its helpers, or is empty): what
# ours must say instead.
OWN_MESSAGE = {
    "euler_angle_count": r"^Expected `angles` to have 1 values on its last axis for the axis "
                         r"sequence 'x', got shape \(3,\)\.$",
    "apply_four_vector": r"^Expected `vectors` to have shape \(\.\.\., 3\), got \(4,\)\.$",
    "identity_num": r"^Rotation.identity supports only num=None, got num=3\.$",
    "random": r"^Rotation.random is not implemented in JAX; draw quaternions with "
              r"pyjax.random.normal\(key, \(num, 4\)\) and use Rotation.from_quat\.$",
    "rgi_list_points": r"^RegularGridInterpolator requires ndarray or scalar arguments, got "
                       r"<class 'list'> at position 0\.$",
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_errors_match_oracle(name):
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    expected = outcome(ERROR_CASES[name], ORACLE)
  actual = outcome(ERROR_CASES[name], PYJAX)
  assert expected[0] == "raise" and actual[0] == "raise", (name, expected, actual)
  assert type(actual[1]) is type(expected[1]), (name, actual[1], expected[1])
  if name in OWN_MESSAGE:
    assert re.match(OWN_MESSAGE[name], str(actual[1])), (name, str(actual[1]))
  else:
    assert str(actual[1]) == str(expected[1])


@pytest.mark.parametrize("bad", [np.ones(3), np.ones((2, 5))])
def test_wrong_sized_inputs_raise_value_error(bad):
  # JAX silently builds a malformed rotation here (or fails deep inside); we say what is wrong.
  for make in (PYJAX.R.from_quat, PYJAX.R.from_rotvec, PYJAX.R.from_mrp):
    if bad.shape[-1] != (4 if make is PYJAX.R.from_quat else 3):
      with pytest.raises(ValueError, match="to have shape"):
        make(bad)
  with pytest.raises(ValueError, match=r"shape \(\.\.\., 3, 3\)"):
    PYJAX.R.from_matrix(np.ones((3, 4)))
  with pytest.raises(ValueError, match="Incompatible shapes"):
    PYJAX.R.from_quat(QUATS) * PYJAX.R.from_quat(QUATS[:2])


def test_signatures_and_structure_match_oracle():
  pairs = [(PYJAX.RGI, ORACLE.RGI), (PYJAX.RGI.__call__, ORACLE.RGI.__call__),
           (PYJAX.vq, ORACLE.vq), (PYJAX.Slerp.init, ORACLE.Slerp.init),
           (PYJAX.Slerp.__call__, ORACLE.Slerp.__call__)]
  pairs += [(getattr(PYJAX.R, n), getattr(ORACLE.R, n)) for n in (
      "concatenate", "from_euler", "from_matrix", "from_mrp", "from_quat", "from_rotvec",
      "identity", "random", "apply", "as_euler", "as_matrix", "as_mrp", "as_quat", "as_rotvec",
      "inv", "magnitude", "mean", "__getitem__", "__len__", "__mul__")]
  for mine, theirs in pairs:
    assert [p.name for p in inspect.signature(mine).parameters.values()] == [
        p.name for p in inspect.signature(theirs).parameters.values()], mine
    # Compared as text: the interpolator's default fill value is NaN.
    assert [repr(p.default) for p in inspect.signature(mine).parameters.values()] == [
        repr(p.default) for p in inspect.signature(theirs).parameters.values()], mine
  assert PYJAX.R._fields == ORACLE.R._fields and PYJAX.Slerp._fields == ORACLE.Slerp._fields
  assert issubclass(PYJAX.R, tuple) and issubclass(PYJAX.Slerp, tuple)
  assert PYJAX.R.from_quat(QUATS).single is False and PYJAX.R.identity().single is True
  assert len(PYJAX.R.from_quat(QUATS)) == 6


def test_interpolator_is_a_pytree_like_jax():
  grid, values = (np.arange(3.), np.arange(4.)), np.arange(12.).reshape(3, 4)
  mine, theirs = PYJAX.RGI(grid, values, method="nearest"), ORACLE.RGI(grid, values, "nearest")
  p_leaves, p_def = pyjax.tree_util.tree_flatten(mine)
  j_leaves, _ = jax.tree_util.tree_flatten(theirs)
  assert len(p_leaves) == len(j_leaves) == 4
  for p, j in zip(p_leaves, j_leaves):
    assert p.dtype == j.dtype and p.weak_type == j.weak_type
    np.testing.assert_array_equal(p, j)
  rebuilt = pyjax.tree_util.tree_unflatten(p_def, p_leaves)
  assert (rebuilt.method, rebuilt.bounds_error) == ("nearest", False)
  # No fill value: one leaf fewer.
  assert len(pyjax.tree_util.tree_leaves(PYJAX.RGI(grid, values, fill_value=None))) == 3
  # Through jit as an argument: the interpolator is rebuilt from traced leaves.
  points = np.array([[0.4, 2.6], [5., 1.]])
  out = pyjax.jit(lambda r, p: r(p))(mine, points)
  np.testing.assert_array_equal(out, mine(points))
  np.testing.assert_array_equal(out, np.array([3., np.nan]))  # nearest node (0, 3); outside


def test_vmap_and_grad_over_the_interpolator_itself():
  grid = (np.arange(4.), np.arange(5.))
  values = RNG.normal(size=(2, 4, 5)).astype(np.float32)
  points = np.array([[1.5, 2.5], [0.2, 3.9], [4., 1.]], np.float32)
  results = {}
  for L in (PYJAX, ORACLE):
    stacked = L.top.tree_util.tree_map(lambda *leaves: L.np.stack(leaves),
                                       L.RGI(grid, values[0]), L.RGI(grid, values[1]))
    mapped = L.top.vmap(lambda r, p: r(p), in_axes=(0, None))(stacked, points)
    grads = L.top.grad(lambda r: (r(points) ** 2).sum())(L.RGI(grid, values[0]))
    results[L.top.__name__] = mapped, grads
  (mapped, grads), (oracle_mapped, oracle_grads) = results["pyjax"], results["jax"]
  assert isinstance(grads, PYJAX.RGI)
  np.testing.assert_allclose(mapped, oracle_mapped, rtol=1e-6)
  np.testing.assert_array_equal(mapped[1], PYJAX.RGI(grid, values[1])(points))
  for mine, theirs in zip(pyjax.tree_util.tree_leaves(grads),
                          jax.tree_util.tree_leaves(oracle_grads)):
    np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)


def test_rotation_and_slerp_are_pytrees_through_jit_and_vmap():
  r = PYJAX.R.from_quat(QUATS)
  leaves, treedef = pyjax.tree_util.tree_flatten(r)
  assert len(leaves) == 1 and leaves[0] is r.quat
  assert isinstance(pyjax.tree_util.tree_unflatten(treedef, leaves), PYJAX.R)
  composed = pyjax.jit(lambda a, b: a * b)(r, r.inv())
  assert isinstance(composed, PYJAX.R)
  np.testing.assert_allclose(composed.as_matrix(), np.broadcast_to(np.eye(3), (6, 3, 3)),
                             atol=1e-5)
  slerp = PYJAX.Slerp.init(np.arange(6.), r)
  assert len(pyjax.tree_util.tree_leaves(slerp)) == 4
  times = np.array([0.25, 3.5, 4.75], np.float32)
  jitted = pyjax.jit(lambda s, t: s(t).as_matrix())(slerp, times)
  np.testing.assert_allclose(jitted, slerp(times).as_matrix(), rtol=1e-6, atol=1e-6)
  mapped = pyjax.vmap(lambda t: slerp(t).as_matrix())(times)
  looped = np.stack([slerp(t).as_matrix() for t in times])
  np.testing.assert_allclose(mapped, looped, rtol=1e-6, atol=1e-6)
  # A stack of rotations mapped over as a pytree argument.
  mapped = pyjax.vmap(lambda rot, v: rot.apply(v), in_axes=(0, None))(r, VECTORS[0])
  np.testing.assert_allclose(mapped, r.apply(VECTORS[0]), rtol=1e-6, atol=1e-6)


def test_jit_matches_eager():
  for name in ["as_euler_xyz", "as_euler_ZXZ", "from_matrix", "as_rotvec", "slerp",
               "linear_3d", "nearest_3d", "tuple_points", "vq_2d", "mean_weighted"]:
    eager = CASES[name](PYJAX)
    jitted = pyjax.jit(lambda name=name: CASES[name](PYJAX))()
    for e, j in zip(pyjax.tree_util.tree_leaves(eager), pyjax.tree_util.tree_leaves(jitted)):
      assert e.dtype == j.dtype and e.shape == j.shape
      np.testing.assert_allclose(j, e, rtol=1e-5, atol=1e-5, err_msg=name)


def test_vmap_matches_loop():
  R = PYJAX.R
  funcs = {
      "euler": (lambda a: R.from_euler("ZYX", a).as_euler("xzy"), ANGLES),
      "matrix": (lambda q: R.from_matrix(R.from_quat(q).as_matrix()).as_rotvec(), QUATS),
      "apply": (lambda q: R.from_quat(q).apply(VECTORS, inverse=True), QUATS),
      "mrp": (lambda v: R.from_mrp(v).as_mrp(), VECTORS),
      "interp": (lambda p: PYJAX.RGI((np.arange(4.), np.arange(5.)),
                                     np.arange(20.).reshape(4, 5))(p), VECTORS[:, :2] * 2 + 1),
      "vq": (lambda o: PYJAX.vq(o, VECTORS[:3])[1], VECTORS.reshape(6, 1, 3)),
  }
  for name, (fn, xs) in funcs.items():
    mapped = pyjax.vmap(fn)(xs)
    looped = np.stack([np.asarray(fn(x)) for x in xs])
    np.testing.assert_allclose(mapped, looped, rtol=1e-5, atol=1e-6, err_msg=name)


GRAD_CASES = {
    "euler_apply": (lambda L, a: L.R.from_euler("xyz", a).apply(VECTORS[:3]).sum(),
                    ANGLES[0]),
    "rotvec_round_trip": (lambda L, v: (L.R.from_rotvec(v).as_rotvec() ** 2).sum(), VECTORS),
    "as_euler": (lambda L, q: L.R.from_quat(q).as_euler("ZXZ").sum(), QUATS),
    "from_matrix": (lambda L, q: L.R.from_matrix(L.R.from_quat(q).as_matrix()).magnitude().sum(),
                    QUATS),
    "slerp": (lambda L, t: L.Slerp.init(np.arange(6.), L.R.from_quat(QUATS))(t).as_rotvec().sum(),
              np.array([0.3, 2.2, 4.9], np.float32)),
    "interp_points": (lambda L, p: L.RGI((np.arange(4.), np.arange(5.)),
                                         np.arange(20.).reshape(4, 5) ** 2)(p).sum(),
                      VECTORS[:, :2] + 1.5),
    "interp_values": (lambda L, v: L.RGI((np.arange(4.), np.arange(5.)), v)(
        VECTORS[:, :2] + 1.5).sum(), np.arange(20.).reshape(4, 5).astype(np.float32)),
    "vq_dist": (lambda L, o: L.vq(o, VECTORS[:3])[1].sum(), VECTORS + 0.1),
}


def oracle_grads() -> dict:
  """The oracle's gradients of all grad cases, from one jitted program."""
  if "grads" not in _ORACLE_CACHE:
    _ORACLE_CACHE["grads"] = jax.jit(lambda: {
        name: jax.grad(lambda x, fn=fn: fn(ORACLE, x))(x)
        for name, (fn, x) in GRAD_CASES.items()})()
  return _ORACLE_CACHE["grads"]


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_grad_matches_oracle(name):
  fn, x = GRAD_CASES[name]
  mine = pyjax.grad(lambda x: fn(PYJAX, x))(x)
  theirs = oracle_grads()[name]
  assert mine.dtype == theirs.dtype and mine.shape == theirs.shape
  np.testing.assert_allclose(mine, theirs, rtol=1e-4, atol=1e-4)
