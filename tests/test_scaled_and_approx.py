"""`lax.approx_max_k` / `lax.approx_min_k` (primitive `approx_top_k`) against the oracle (jax
0.10.2 on the CPU, where they are exact): values, indices, ties, -0.0, NaN where JAX's CPU order
is well defined, aggregate_to_topk=False output sizes, errors, jaxpr text, jit, vmap and grad."""
from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

import pyjax
from oracle_util import assert_same_outcome, oracle, outcome

NAN, INF = np.nan, np.inf
RNG = np.random.RandomState(0)
TIES = RNG.randint(0, 4, (3, 9)).astype(np.float32)
NORMAL = RNG.randn(4, 300).astype(np.float32)
SIGNED_ZEROS = np.array([-0., 0., -0., 1., 0.], np.float32)

CASES = {
    "max_ties": lambda L: L.lax.approx_max_k(TIES, 3),
    "min_ties": lambda L: L.lax.approx_min_k(TIES, 3),
    "max_full": lambda L: L.lax.approx_max_k(TIES, 9),
    "min_full": lambda L: L.lax.approx_min_k(TIES, 9),
    "max_k1_ties": lambda L: L.lax.approx_max_k(TIES, 1),
    "min_k1_ties": lambda L: L.lax.approx_min_k(TIES, 1),
    "max_dim0": lambda L: L.lax.approx_max_k(TIES, 2, reduction_dimension=0),
    "min_dim0_k1": lambda L: L.lax.approx_min_k(TIES, 1, reduction_dimension=0),
    "max_signed_zeros": lambda L: L.lax.approx_max_k(SIGNED_ZEROS, 3),
    "max_signed_zeros_full": lambda L: L.lax.approx_max_k(SIGNED_ZEROS, 5),
    "min_signed_zeros": lambda L: L.lax.approx_min_k(SIGNED_ZEROS, 3),
    "max_nan": lambda L: L.lax.approx_max_k(np.array([3., NAN, 1., 3., -INF], np.float32), 3),
    "max_nan_k1": lambda L: L.lax.approx_max_k(np.array([NAN, 5., NAN, 5.], np.float32), 1),
    "max_nan_last_k1": lambda L: L.lax.approx_max_k(np.array([1., 2., NAN], np.float32), 1),
    "min_nan_k1": lambda L: L.lax.approx_min_k(np.array([2., NAN, 4., 3.], np.float32), 1),
    "max_normal": lambda L: L.lax.approx_max_k(NORMAL, 7, recall_target=0.5),
    "min_normal": lambda L: L.lax.approx_min_k(NORMAL, 7),
    "no_aggregate_small": lambda L: L.lax.approx_max_k(TIES, 2, aggregate_to_topk=False),
    "no_aggregate_min": lambda L: L.lax.approx_min_k(NORMAL, 4, aggregate_to_topk=False),
    "float16": lambda L: L.lax.approx_max_k(TIES.astype(np.float16), 2),
    "bfloat16": lambda L: L.lax.approx_min_k(TIES.astype(ml_dtypes.bfloat16), 2),
    "weak_input": lambda L: L.lax.approx_max_k(L.numpy.arange(5) * 1.5, 2),
    "float64_in_x32": lambda L: L.lax.approx_max_k(NORMAL.astype(np.float64), 2),
    # Errors raised before anything runs.
    "k_zero": lambda L: L.lax.approx_max_k(TIES, 0),
    "k_too_large": lambda L: L.lax.approx_max_k(TIES, 10),
    "scalar": lambda L: L.lax.approx_max_k(np.float32(1), 1),
    "integer": lambda L: L.lax.approx_max_k(np.arange(5), 2),
    "bad_recall": lambda L: L.lax.approx_max_k(NORMAL, 2, recall_target=0.0),
    "bad_recall_no_aggregate": lambda L: L.lax.approx_max_k(np.ones(2000, np.float32), 3,
                                                            recall_target=1.5,
                                                            aggregate_to_topk=False),
    "small_override": lambda L: L.lax.approx_min_k(NORMAL, 2, reduction_input_size_override=10),
    "dimension_out_of_range": lambda L: L.lax.approx_max_k(TIES, 2, reduction_dimension=2),
    # Under vmap the dimension is checked against a batch member, not the batched operand.
    "vmap_dimension_out_of_range": lambda L: L.vmap(
        lambda r: L.lax.approx_max_k(r, 2, reduction_dimension=1))(TIES),
    "vmap_negative_dimension_out_of_range": lambda L: L.vmap(
        lambda r: L.lax.approx_min_k(r, 2, reduction_dimension=-2), in_axes=1)(TIES),
    "vmap_scalar_members": lambda L: L.vmap(lambda r: L.lax.approx_max_k(r, 1))(TIES[0]),
    "vmap_k_zero": lambda L: L.vmap(lambda r: L.lax.approx_max_k(r, 0))(TIES),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_approx_top_k_matches_oracle(name):
  case = CASES[name]
  assert_same_outcome(outcome(case, pyjax), outcome(case, oracle()), what=f"{name}: ")


def test_approx_top_k_dimension_errors_name_the_dimension_and_the_fix():
  # JAX's IndexError here is a bare "list index out of range"; pyjax's (same class) says more.
  with pytest.raises(IndexError, match=r"reduction_dimension 2 is out of range for an operand of "
                                       r"shape \(3, 9\): pass one in \[-2, 2\)"):
    pyjax.lax.approx_max_k(TIES, 2, reduction_dimension=2)
  with pytest.raises(IndexError, match=r"reduction_dimension 1 .* shape \(9,\): pass one in"):
    pyjax.vmap(lambda r: pyjax.lax.approx_max_k(r, 2, reduction_dimension=1))(TIES)
  with pytest.raises(IndexError, match=r"shape \(\): the operand needs a dimension"):
    pyjax.vmap(lambda r: pyjax.lax.approx_max_k(r, 1))(TIES[0])


def test_approx_top_k_nan_free_full_sort_rule():
  # JAX's CPU sorts a full-length (k = size) max/min-k with a plain comparison, so the NaN
  # order there is an artifact of its sort; pyjax puts NaNs first (max) or last (min).
  x = np.array([3., NAN, 1., 2.], np.float32)
  values, indices = pyjax.lax.approx_max_k(x, 4)
  np.testing.assert_array_equal(np.asarray(indices), [1, 0, 3, 2])
  values, indices = pyjax.lax.approx_min_k(x, 4)
  np.testing.assert_array_equal(np.asarray(indices), [2, 3, 0, 1])


@pytest.mark.parametrize("size,rank,k,recall,override", [
    (1000, 1, 10, 0.95, -1), (4096, 1, 1, 0.9, -1), (4096, 1, 1, 0.9, 8192),
    (5000, 1, 10, 0.99, -1), (5000, 2, 10, 0.99, -1), (1000, 2, 10, 0.5, -1), (300, 2, 7, 0.8, -1),
    (100000, 2, 20, 0.95, 200000), (144, 2, 59, 0.6, 294), (141, 3, 34, 0.5, -1),
    (3072, 2, 2, 0.9, -1), (3000, 3, 5, 1.0, -1)])
def test_no_aggregate_output_sizes_match_oracle(size, rank, k, recall, override):
  jax = oracle()
  shape = (2,) * (rank - 1) + (size,)
  args = dict(recall_target=recall, reduction_input_size_override=override,
              aggregate_to_topk=False)
  expected = jax.eval_shape(lambda x: jax.lax.approx_max_k(x, k, **args),
                            jax.ShapeDtypeStruct(shape, np.float32))
  got = pyjax.eval_shape(lambda x: pyjax.lax.approx_max_k(x, k, **args),
                         pyjax.ShapeDtypeStruct(shape, np.float32))
  assert [g.shape for g in got] == [e.shape for e in expected]


def test_no_aggregate_values_are_the_leading_sorted_entries():
  x = RNG.randn(4096).astype(np.float32)
  values, indices = pyjax.lax.approx_max_k(x, 1, aggregate_to_topk=False)
  j_values, j_indices = oracle().lax.approx_max_k(x, 1, aggregate_to_topk=False)
  np.testing.assert_array_equal(np.asarray(values), np.asarray(j_values))
  np.testing.assert_array_equal(np.asarray(indices), np.asarray(j_indices))


def test_approx_top_k_jaxpr_text():
  jax = oracle()
  for fn in ("approx_max_k", "approx_min_k"):
    def f(L):
      return lambda x: getattr(L.lax, fn)(x, 2, reduction_dimension=0, recall_target=0.9)
    assert str(pyjax.make_jaxpr(f(pyjax))(TIES)) == str(jax.make_jaxpr(f(jax))(TIES))
  assert pyjax.lax.approx_top_k_p.name == "approx_top_k"


def test_approx_top_k_jit_and_vmap():
  for fn in (pyjax.lax.approx_max_k, pyjax.lax.approx_min_k):
    eager = fn(NORMAL, 5)
    jitted = pyjax.jit(lambda x: fn(x, 5))(NORMAL)
    for e, j in zip(eager, jitted):
      np.testing.assert_array_equal(np.asarray(e), np.asarray(j))
    for in_axes, dim in ((0, -1), (1, 0), (1, -1)):
      mapped = pyjax.vmap(lambda x: fn(x, 2, reduction_dimension=dim), in_axes=in_axes)(TIES)
      moved = np.moveaxis(TIES, in_axes, 0)
      for i, row in enumerate(moved):
        expected = fn(row, 2, reduction_dimension=dim)
        for m, e in zip(mapped, expected):
          np.testing.assert_array_equal(np.asarray(m)[i], np.asarray(e))


def test_approx_top_k_grad_matches_oracle():
  x = RNG.randn(3, 6).astype(np.float32)

  def loss(L, fn, **kw):
    return lambda v: (getattr(L.lax, fn)(v, 2, **kw)[0] ** 3).sum()

  for fn, kw in (("approx_max_k", {}), ("approx_min_k", dict(reduction_dimension=0)),
                 ("approx_max_k", dict(aggregate_to_topk=False))):
    got = pyjax.grad(loss(pyjax, fn, **kw))(x)
    expected = oracle().grad(loss(oracle(), fn, **kw))(x)
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-6)
  # jvp agrees with a finite difference, through vmap as well.
  tangent = RNG.randn(3, 6).astype(np.float32)
  _, out_tangent = pyjax.jvp(lambda v: pyjax.vmap(lambda r: pyjax.lax.approx_min_k(r, 3)[0])(v),
                             (x,), (tangent,))
  eps = 1e-3
  diff = (np.asarray(pyjax.lax.approx_min_k(x + eps * tangent, 3)[0])
          - np.asarray(pyjax.lax.approx_min_k(x - eps * tangent, 3)[0])) / (2 * eps)
  np.testing.assert_allclose(np.asarray(out_tangent), diff, rtol=1e-2, atol=1e-3)


# ------------------------------------------------------------------------------------------------
# accuracy= of the transcendental functions: lax.AccuracyMode, lax.Tolerance

ACCURACY_FUNCTIONS = ("cbrt", "cos", "exp", "exp2", "expm1", "log", "log1p", "logistic", "rsqrt",
                      "sin", "sqrt", "tan", "tanh")
POSITIVE = np.array([0.25, 0.5, 1.5, 3.0], np.float32)


def _accuracies(L):
  return {"highest": L.lax.AccuracyMode.HIGHEST, "default": L.lax.AccuracyMode.DEFAULT,
          "tolerance": L.lax.Tolerance(atol=1e-3, rtol=0.0, ulps=2)}


@pytest.mark.parametrize("name", ACCURACY_FUNCTIONS)
def test_accuracy_values_and_jit_match_oracle(name):
  jax = oracle()
  for kind in ("highest", "tolerance"):
    def f(L):
      accuracy = _accuracies(L)[kind]
      return lambda x: getattr(L.lax, name)(x, accuracy=accuracy)
    expected = jax.jit(f(jax))(POSITIVE)
    assert_same_outcome(("ok", f(pyjax)(POSITIVE)), ("ok", expected), tol=(1e-6, 1e-6),
                        what=f"{name}[{kind}]: ")
    assert_same_outcome(("ok", pyjax.jit(f(pyjax))(POSITIVE)), ("ok", expected),
                        tol=(1e-6, 1e-6), what=f"jit {name}[{kind}]: ")


def test_accuracy_jaxpr_text_matches_oracle():
  jax = oracle()
  for name in ACCURACY_FUNCTIONS:
    for kind in ("highest", "default", "tolerance"):
      def f(L):
        accuracy = _accuracies(L)[kind]
        return lambda x: getattr(L.lax, name)(x, accuracy=accuracy)
      got = str(pyjax.make_jaxpr(f(pyjax))(POSITIVE))
      expected = str(jax.make_jaxpr(f(jax))(POSITIVE))
      # A Tolerance prints as an object of its library's module.
      got = got.replace("pyjax._src.lax.precision.Tolerance", "jax._src.lax.lax.Tolerance")
      assert got == expected
  # accuracy=None is left out of the equation.
  assert str(pyjax.make_jaxpr(lambda x: pyjax.lax.exp(x, accuracy=None))(POSITIVE)) == str(
      jax.make_jaxpr(lambda x: jax.lax.exp(x, accuracy=None))(POSITIVE))


def test_invalid_accuracy_errors_match_oracle():
  jax = oracle()
  for bad in ("highest", 3, (1e-3, 0, 2)):
    for transform in ("eager", "jit", "vmap", "grad"):
      def run(L):
        fn = lambda x: L.lax.sin(x, accuracy=bad)
        if transform == "eager":
          return fn(POSITIVE)
        if transform == "jit":
          return L.jit(fn)(POSITIVE)
        if transform == "vmap":
          return L.vmap(fn)(POSITIVE)
        return L.grad(fn)(1.0)
      p_out, j_out = outcome(run, pyjax), outcome(run, jax)
      assert_same_outcome(p_out, j_out, what=f"{bad!r} {transform}: ")
      assert str(p_out[1]) == str(j_out[1]) == f"Accuracy {bad} not supported"
    # Staging alone checks nothing: the value is printed as given.
    text = lambda L: str(L.make_jaxpr(lambda x: L.lax.exp(x, accuracy=bad))(POSITIVE))
    assert text(pyjax) == text(jax)
  unhashable = lambda L: L.lax.exp(POSITIVE, accuracy=[1])
  assert_same_outcome(outcome(unhashable, pyjax), outcome(unhashable, jax))
  # Functions without the argument reject it.
  other = lambda L: L.lax.sinh(POSITIVE, accuracy=L.lax.AccuracyMode.HIGHEST)
  assert_same_outcome(outcome(other, pyjax), outcome(other, jax))


@pytest.mark.parametrize("kwargs", [dict(atol=-1.0), dict(rtol=-0.5), dict(ulps=-1), dict(),
                                    dict(atol=0.0, rtol=0.0, ulps=0)])
def test_tolerance_validation_matches_oracle(kwargs):
  p_out = outcome(lambda: pyjax.lax.Tolerance(**kwargs))
  j_out = outcome(lambda: oracle().lax.Tolerance(**kwargs))
  assert p_out[0] == j_out[0] == "raise"
  assert type(p_out[1]) is type(j_out[1]) and str(p_out[1]) == str(j_out[1])


def test_tolerance_and_accuracy_mode_objects():
  jax = oracle()
  t = pyjax.lax.Tolerance(atol=1e-3, ulps=2)
  assert (t.atol, t.rtol, t.ulps) == (1e-3, 0.0, 2)
  # Compared by identity, as in JAX (two equal-looking tolerances are distinct parameters).
  assert t == t and t != pyjax.lax.Tolerance(atol=1e-3, ulps=2)
  assert hash(t) == hash(t)
  for member in pyjax.lax.AccuracyMode:
    assert (str(member), member.value) == (str(jax.lax.AccuracyMode[member.name]),
                                           jax.lax.AccuracyMode[member.name].value)
  assert [m.name for m in pyjax.lax.AccuracyMode] == [m.name for m in jax.lax.AccuracyMode]


def test_accuracy_vmap_and_grad_match_oracle():
  jax = oracle()
  for name in ("tanh", "log", "logistic", "sin", "cos", "expm1", "rsqrt"):
    def g(L):
      accuracy = L.lax.AccuracyMode.HIGHEST
      return L.vmap(L.grad(lambda x: getattr(L.lax, name)(x, accuracy=accuracy)))
    np.testing.assert_allclose(np.asarray(g(pyjax)(POSITIVE)), np.asarray(g(jax)(POSITIVE)),
                               rtol=2e-6, err_msg=name)


def test_sin_accuracy_derivative_takes_plain_cos():
  # Deliberate: JAX's jvp of sin[accuracy] computes cos[accuracy], while its grad (through sin's
  # linearization rule) computes a plain cos. pyjax has one derivative rule for both and follows
  # grad, so only the jvp's jaxpr differs (the CPU computes the same values either way).
  jax = oracle()
  x = np.float32(0.5)

  def sin(L):
    return lambda v: L.lax.sin(v, accuracy=L.lax.AccuracyMode.HIGHEST)

  grad_text = lambda L: str(L.make_jaxpr(L.grad(sin(L)))(x))
  assert grad_text(pyjax) == grad_text(jax)
  jvp_text = lambda L: str(L.make_jaxpr(lambda v: L.jvp(sin(L), (v,), (v,)))(x))
  assert "cos a" in jvp_text(pyjax) and "cos[accuracy=" in jvp_text(jax)
  got = pyjax.jvp(sin(pyjax), (x,), (x,))
  expected = jax.jvp(sin(jax), (x,), (x,))
  for g, e in zip(got, expected):
    np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-6)
