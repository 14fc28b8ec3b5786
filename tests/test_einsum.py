"""`jnp.einsum` and `jnp.einsum_path` against the oracle (jax 0.10.2): values, dtypes and weak
types (one jitted oracle program for the whole table), errors, contraction paths, the staged
program (one dot_general per pair), and grad/vmap/jit through the lowering."""
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

RNG = np.random.default_rng(7)


def rand(*shape, dtype=np.float32):
  x = RNG.standard_normal(shape)
  if np.dtype(dtype).kind == "c":
    x = x + 1j * RNG.standard_normal(shape)
  return x.astype(dtype)


def ints(*shape, dtype=np.int32):
  return RNG.integers(-3, 4, shape).astype(dtype)


SPECS = {
    "matmul": ("ij,jk->ik", [(2, 3), (3, 4)]),
    "implicit_matmul": ("ij,jk", [(2, 3), (3, 4)]),
    "chain3": ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    "chain5": ("ab,bc,cd,de,ef->af", [(2, 3), (3, 4), (4, 5), (5, 6), (6, 2)]),
    "ring4": ("ab,cd,bc,da->", [(2, 3), (4, 5), (3, 4), (5, 2)]),
    "diagonal": ("ii->i", [(3, 3)]),
    "trace": ("ii", [(3, 3)]),
    "diagonal3": ("iii->i", [(3, 3, 3)]),
    "sum_all": ("ij->", [(2, 3)]),
    "transpose": ("ij->ji", [(2, 3)]),
    "implicit_transpose": ("ba", [(2, 3)]),
    "repeated_then_dot": ("iij,jk->ik", [(3, 3, 4), (4, 3)]),
    "repeated_kept": ("iij,jk->ijk", [(3, 3, 4), (4, 2)]),
    "batch_matmul": ("bij,bjk->bik", [(2, 3, 4), (2, 4, 3)]),
    "batch_last": ("ijb,jkb->kib", [(2, 3, 4), (3, 2, 4)]),
    "outer": ("ij,k->ijk", [(2, 3), (4,)]),
    "elementwise": ("ij,ij->ij", [(2, 3), (2, 3)]),
    "broadcast_one": ("ij,ij->ij", [(2, 1), (2, 3)]),
    "broadcast_vec": ("i,i", [(1,), (3,)]),
    "ellipsis_contract": ("...i,...i->", [(2, 3, 4), (3, 4)]),
    "ellipsis_batch": ("...ij,...jk->...ik", [(5, 2, 3), (3, 4)]),
    "ellipsis_broadcast": ("...i,...i->...", [(2, 1, 3), (4, 3)]),
    "ellipsis_implicit": ("b...a", [(2, 3, 4, 5)]),
    "ellipsis_middle": ("...a,b...", [(2, 3, 4), (5, 2, 3)]),
    "unique_both_sides": ("ij,kl->jk", [(2, 3), (4, 5)]),
    "scalar": ("->", [()]),
    "scalar_times": (",ij->ij", [(), (2, 3)]),
    "bilinear": ("i,ij,j->", [(3,), (3, 4), (4,)]),
    "uppercase": ("aB,Bc->ca", [(2, 3), (3, 4)]),
}


def _cases():
  cases = {}
  for name, (spec, shapes) in SPECS.items():
    ops = [rand(*s) for s in shapes]
    cases[name] = lambda L, spec=spec, ops=ops: L.np.einsum(spec, *ops)
  a, b = ints(2, 3, dtype=np.int8), ints(3, 4, dtype=np.uint8)
  x, y, z = rand(2, 3), rand(3, 4), rand(4, 5)
  c, h, h1, h2 = rand(2, 3, dtype=np.complex64), rand(5, dtype=np.float16), \
      rand(2, 3, dtype=np.float16), rand(3, 4, dtype=np.float16)
  cases.update({
      "int8_uint8": lambda L: L.np.einsum("ij,jk->ik", a, b),
      "int8_sum": lambda L: L.np.einsum("ij->", a),
      "int8_f32": lambda L: L.np.einsum("ij,jk->ik", a, y),
      "bool": lambda L: L.np.einsum("ij,jk->ik", a > 0, b > 1),
      "bool_sum": lambda L: L.np.einsum("ij->i", a > 0),
      "complex": lambda L: L.np.einsum("ij,jk->ik", c, y),
      "f16_sum": lambda L: L.np.einsum("i->", h),
      "weak_scalars": lambda L: L.np.einsum(",", 2, 3.0),
      "weak_and_array": lambda L: L.np.einsum(",i->i", 2.0, h),
      "preferred": lambda L: L.np.einsum("ij,jk->ik", h1, h2, preferred_element_type=np.float32),
      "preferred_int": lambda L: L.np.einsum("ij,jk->ik", a, a.T.astype(np.int8),
                                             preferred_element_type=np.int32),
      "interleaved": lambda L: L.np.einsum(x, [0, 1], y, [1, 2], [0, 2]),
      "interleaved_ellipsis": lambda L: L.np.einsum(x, [0, Ellipsis], y, [Ellipsis, 2]),
      "optimize_false": lambda L: L.np.einsum("ij,jk,kl->il", x, y, z, optimize=False),
      "optimize_greedy": lambda L: L.np.einsum("ij,jk,kl->il", x, y, z, optimize="greedy"),
      "optimize_path": lambda L: L.np.einsum("ij,jk,kl->il", x, y, z, optimize=[(1, 2), (0, 1)]),
      "precision": lambda L: L.np.einsum("ij,jk->ik", x, y, precision="highest"),
  })
  return cases


TABLE = CaseTable(_cases())


@pytest.mark.parametrize("name", sorted(TABLE.cases))
def test_einsum_matches_oracle(name):
  TABLE.check(name, tol=(2e-5, 2e-5))


ERRORS = {
    "size_mismatch": lambda np_: np_.einsum("ij,jk", rand(2, 3), rand(4, 5)),
    "size_mismatch_same_operand": lambda np_: np_.einsum("ii", rand(2, 3)),
    "operand_count": lambda np_: np_.einsum("ij,jk->ik", rand(2, 3)),
    "too_many_indices": lambda np_: np_.einsum("ijk", rand(2, 3)),
    "scalar_with_index": lambda np_: np_.einsum("i,i", 2, 3.0),
    "repeated_output": lambda np_: np_.einsum("ij->ii", rand(2, 3)),
    "output_not_in_input": lambda np_: np_.einsum("ij->k", rand(2, 3)),
    "list_operand": lambda np_: np_.einsum("ij,jk", rand(2, 3), [[1.0]]),
    "out": lambda np_: np_.einsum("ij->ij", rand(2, 2), out=1),
    "three_operand_step": lambda np_: np_.einsum("ij,jk,kl", rand(2, 3), rand(3, 3), rand(3, 2),
                                                 optimize=[(0, 1, 2)]),
    "incomplete_path": lambda np_: np_.einsum("ij,jk,kl", rand(2, 3), rand(3, 3), rand(3, 2),
                                              optimize=[(0, 1)]),
    "unknown_optimizer": lambda np_: np_.einsum("ij,jk,kl", rand(2, 3), rand(3, 3),
                                                rand(3, 2), optimize="foo"),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_einsum_errors_match_oracle(name):
  p, j = outcome(ERRORS[name], jnp), outcome(ERRORS[name], jjnp)
  assert j[0] == "raise" and p[0] == "raise"
  assert type(p[1]) is type(j[1]) or type(p[1]).__name__ == type(j[1]).__name__, (p[1], j[1])
  if name not in ("incomplete_path", "unknown_optimizer"):
    assert str(p[1]) == str(j[1])


PATH_SPECS = [
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ab,cd,bc,da->", [(2, 3), (4, 5), (3, 4), (5, 2)]),
    ("ijk,jkl,lm,mi", [(2, 3, 4), (3, 4, 5), (5, 6), (6, 2)]),
    ("ij,jk,kl,lm->im", [(8, 2), (2, 8), (8, 2), (2, 8)]),
    ("ab,bc,cd,de,ef->af", [(2, 3), (3, 4), (4, 5), (5, 6), (6, 2)]),
]


# Beyond 4 operands the oracle's 'auto' is opt_einsum's branch search, and 'optimal' is not
# compared there (exhaustive search is slow in both).
PATH_PARAMS = [(spec, shapes, optimize) for spec, shapes in PATH_SPECS
               for optimize in ("auto", "optimal", True, False, "greedy")
               if len(shapes) <= 4 or optimize in (False, "greedy")]


@pytest.mark.parametrize("spec,shapes,optimize", PATH_PARAMS)
def test_einsum_path_matches_oracle(spec, shapes, optimize):
  ops = [np.zeros(s, np.float32) for s in shapes]
  path, info = jnp.einsum_path(spec, *ops, optimize=optimize)
  oracle_path, oracle_info = jjnp.einsum_path(spec, *ops, optimize=optimize)
  assert path == oracle_path
  assert (info.naive_cost, info.opt_cost) == (oracle_info.naive_cost, oracle_info.opt_cost)
  assert str(info).splitlines()[:7] == str(oracle_info).splitlines()[:7]


def test_einsum_path_of_larger_networks_is_valid_and_no_worse_than_greedy():
  spec = "ab,ac,ad,ae,af,ag"
  ops = [rand(2, 3), rand(2, 2), rand(2, 4), rand(2, 5), rand(2, 3), rand(2, 2)]
  auto_path, auto_info = jnp.einsum_path(spec, *ops)
  greedy_path, greedy_info = jnp.einsum_path(spec, *ops, optimize="greedy")
  assert len(auto_path) == len(ops) - 1 and auto_info.opt_cost <= greedy_info.opt_cost
  expected = jjnp.einsum(spec, *ops)
  for path in (auto_path, greedy_path):
    np.testing.assert_allclose(jnp.einsum(spec, *ops, optimize=path), expected, rtol=2e-5)


def test_staged_program_is_dot_generals_like_the_oracle():
  x, y, z = rand(2, 3), rand(3, 4), rand(4, 5)
  two = lambda L: (lambda a, b: L.numpy.einsum("ij,jk->ik", a, b))  # noqa: E731
  three = lambda L: (lambda a, b, c: L.numpy.einsum("ij,jk,kl->il", a, b, c))  # noqa: E731
  batch = lambda L: (lambda a, b: L.numpy.einsum("bij,bjk->bik", a, b))  # noqa: E731
  for make, args in ((two, (x, y)), (three, (x, y, z)), (batch, (rand(2, 3, 4), rand(2, 4, 3)))):
    assert str(pyjax.make_jaxpr(make(pyjax))(*args)) == str(jax.make_jaxpr(make(jax))(*args))


def test_custom_dot_general_is_used():
  calls = []

  def recording_dot_general(lhs, rhs, dims, precision=None, preferred_element_type=None):
    calls.append(dims)
    return pyjax.lax.dot_general(lhs, rhs, dims, precision, preferred_element_type)

  x, y, z = rand(2, 3), rand(3, 4), rand(4, 5)
  out = jnp.einsum("ij,jk,kl->il", x, y, z, _dot_general=recording_dot_general)
  np.testing.assert_allclose(out, x @ y @ z, rtol=1e-5)
  assert calls == [(((0,), (1,)), ((), ())), (((0,), (0,)), ((), ()))]


GRAD_SPECS = ["ij,jk->ik", "ij,jk,kl->il", "iij,jk->ik", "ij,ij->ij", "...i,...i->...", "ii",
              "bij,bjk->bik"]
GRAD_SHAPES = {"ij,jk->ik": [(2, 3), (3, 4)], "ij,jk,kl->il": [(2, 3), (3, 4), (4, 2)],
               "iij,jk->ik": [(3, 3, 2), (2, 3)], "ij,ij->ij": [(2, 1), (2, 3)],
               "...i,...i->...": [(2, 3), (3,)], "ii": [(3, 3)],
               "bij,bjk->bik": [(2, 3, 2), (2, 2, 3)]}


@pytest.mark.parametrize("spec", GRAD_SPECS)
def test_einsum_grads(spec):
  ops = [rand(*s, dtype=np.float64) for s in GRAD_SHAPES[spec]]
  with x64():
    check_grads(lambda *xs: jnp.einsum(spec, *xs), ops, order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("spec", GRAD_SPECS)
def test_einsum_vmap_and_jit_match_a_loop(spec):
  ops = [rand(3, *s) for s in GRAD_SHAPES[spec]]
  fn = lambda *xs: jnp.einsum(spec, *xs)  # noqa: E731
  expected = np.stack([np.einsum(spec, *(o[i] for o in ops)) for i in range(3)])
  np.testing.assert_allclose(pyjax.vmap(fn)(*ops), expected, rtol=2e-5, atol=1e-6)
  np.testing.assert_allclose(pyjax.jit(pyjax.vmap(fn))(*ops), expected, rtol=2e-5, atol=1e-6)
  # Only the first operand mapped, along its last axis.
  moved = np.moveaxis(ops[0], 0, -1)
  rest = [o[0] for o in ops[1:]]
  expected_one = np.stack([np.einsum(spec, ops[0][i], *rest) for i in range(3)])
  got = pyjax.vmap(lambda a: fn(a, *rest), in_axes=-1)(moved)
  np.testing.assert_allclose(got, expected_one, rtol=2e-5, atol=1e-6)


def test_grad_matches_oracle_for_a_contraction_with_diagonal():
  a, b = rand(3, 3, 2), rand(2, 3)
  f = lambda L: L.grad(lambda x, y: L.numpy.einsum("iij,jk->", x, y) ** 2, (0, 1))  # noqa: E731
  for p, j in zip(f(pyjax)(a, b), f(jax)(a, b)):
    assert_same_outcome(("ok", p), ("ok", j), (2e-5, 2e-5))
