"""lax control flow (cond, switch, while_loop, fori_loop, scan, map, associative_scan): values,
dtypes and weak types eagerly and under jit, the jaxpr text of staged programs, and the errors,
all checked against the pinned JAX oracle.

Each case is written once against a `(lax, jnp)` pair, so the same source (and the same line
numbers in error messages) runs in both libraries."""
import functools

import numpy as np
import pytest

import pyjax
import pyjax.numpy as pnp
from pyjax import lax as plax

jax = pytest.importorskip("jax")
jnp = jax.numpy
jlax = jax.lax


def outcome(fn, *args):
  """('ok', value) or ('raise', exception)."""
  try:
    return "ok", fn(*args)
  except Exception as e:  # noqa: BLE001
    return "raise", e


def assert_leaves_match(p_out, j_out, tol=(1e-6, 1e-6)):
  """Same tree of arrays: structure, dtypes, shapes, weak types and (close) values."""
  p_leaves, p_tree = pyjax.tree_util.tree_flatten(p_out)
  j_leaves, j_tree = jax.tree_util.tree_flatten(j_out)
  assert str(p_tree) == str(j_tree)
  for i, (p, j) in enumerate(zip(p_leaves, j_leaves)):
    assert isinstance(p, pyjax.Array), f"output {i}: pyjax returned {type(p)}"
    assert (p.dtype, p.shape) == (j.dtype, j.shape), f"output {i}: {p!r} vs {j!r}"
    assert p.weak_type == jax.typeof(j).weak_type, f"output {i}: weak type of {p!r} vs {j!r}"
    np.testing.assert_allclose(np.asarray(p, np.float64), np.asarray(j, np.float64),
                               rtol=tol[0], atol=tol[1], err_msg=f"output {i}")

F32 = np.float32


def _arange(n, dtype=F32):
  return np.arange(n, dtype=dtype)


# An array of each library, closed over by some cases (keyed by the jnp module).
_CLOSED = {pnp: pnp.arange(3.0), jnp: jnp.arange(3.0)}


# Each case: name -> (make(lax, jnp) -> function, args). Arguments are NumPy values or Python
# scalars (converted by each library itself).
CASES = {
    # --- cond / switch -------------------------------------------------------------------------
    "cond": (lambda lax, jnp: lambda p, x: lax.cond(p, lambda x: x * 2, lambda x: x + 1, x),
             (True, 1.0)),
    "cond_false": (lambda lax, jnp: lambda p, x: lax.cond(p, lambda x: x * 2, lambda x: x + 1,
                                                          x), (False, F32(3))),
    "cond_int_pred": (lambda lax, jnp: lambda p, x: lax.cond(p, jnp.sin, jnp.cos, x),
                      (np.int32(3), _arange(3))),
    "cond_float_pred": (lambda lax, jnp: lambda p, x: lax.cond(p, jnp.sin, jnp.cos, x),
                        (0.0, _arange(3))),
    "cond_pytree": (lambda lax, jnp: lambda p, t: lax.cond(
        p, lambda t: {"a": t[0] * t[1], "b": (t[1], t[0] + 1)},
        lambda t: {"a": t[0] - t[1], "b": (t[1] * 2, t[0])}, t),
        (True, (_arange(3), F32(2)))),
    "cond_several_operands": (lambda lax, jnp: lambda p, x, y: lax.cond(
        p, lambda a, b: a * b, lambda a, b: a - b, x, y), (False, _arange(4), F32(3))),
    "cond_no_operands": (lambda lax, jnp: lambda p: lax.cond(p, lambda: 1.0, lambda: 2.0),
                         (True,)),
    "cond_forwarded": (lambda lax, jnp: lambda p, x: lax.cond(
        p, lambda x: (x, x * 2), lambda x: (x, x + 1), x), (True, _arange(3))),
    "cond_weak_branch0": (lambda lax, jnp: lambda p, x: lax.cond(
        p, lambda x: x, lambda x: lax.convert_element_type(x, jnp.float32), x), (True, 1.0)),
    "cond_weak_branch1": (lambda lax, jnp: lambda p, x: lax.cond(
        p, lambda x: lax.convert_element_type(x, jnp.float32), lambda x: x, x), (True, 1.0)),
    "cond_closure": (lambda lax, jnp: lambda p, x, y: lax.cond(
        p, lambda x: x * y, lambda x: x + y, x), (True, _arange(3), 2.0)),
    "cond_closure_array": (lambda lax, jnp: lambda p, x: lax.cond(
        p, lambda x: x * _CLOSED[jnp], lambda x: x + 1, x), (False, _arange(3))),
    "cond_legacy": (lambda lax, jnp: lambda p, x: lax.cond(
        p, x, lambda x: x * 2, x + 1, lambda x: x - 1), (False, F32(5))),
    "cond_operand_kw": (lambda lax, jnp: lambda p, x: lax.cond(
        p, lambda x: x * 2, lambda x: x, operand=x), (True, F32(5))),
    "cond_int_dtypes": (lambda lax, jnp: lambda p, x: lax.cond(
        p, lambda x: lax.div(x, np.int16(2)), lambda x: x * 3, x),
        (True, np.arange(4, dtype=np.int16))),
    "cond_nested": (lambda lax, jnp: lambda p, q, x: lax.cond(
        p, lambda x: lax.cond(q, jnp.sin, jnp.cos, x), lambda x: x * 3, x),
        (True, False, _arange(2))),
    "switch": (lambda lax, jnp: lambda i, x: lax.switch(
        i, [lambda x: x * 2, lambda x: x + 1, lambda x: -x], x), (1, 1.0)),
    "switch_clamped_high": (lambda lax, jnp: lambda i, x: lax.switch(
        i, [lambda x: x * 2, lambda x: x + 1, lambda x: -x], x), (7, F32(1))),
    "switch_clamped_low": (lambda lax, jnp: lambda i, x: lax.switch(
        i, [lambda x: x * 2, lambda x: x + 1, lambda x: -x], x), (-3, F32(1))),
    "switch_uint_index": (lambda lax, jnp: lambda i, x: lax.switch(
        i, [jnp.sin, jnp.cos], x), (np.uint8(1), _arange(3))),
    "switch_one_branch": (lambda lax, jnp: lambda i, x: lax.switch(i, [lambda x: jnp.asarray(x) * 2], x),
                          (0, F32(3))),
    "switch_pytree": (lambda lax, jnp: lambda i, x, y: lax.switch(
        i, [lambda a, b: (a + b, b), lambda a, b: (a * b, a), lambda a, b: (a, b)], x, y),
        (2, _arange(3), _arange(3) + 1)),
    # --- while_loop --------------------------------------------------------------------------
    "while": (lambda lax, jnp: lambda x: lax.while_loop(lambda c: c < 10, lambda c: c + 1, x),
              (1.0,)),
    "while_int_init_float_body": (lambda lax, jnp: lambda: lax.while_loop(
        lambda c: c < 3, lambda c: c + 1.0, 0), ()),
    "while_weak_int": (lambda lax, jnp: lambda: lax.while_loop(lambda c: c < 3,
                                                               lambda c: c + 1, 0), ()),
    "while_pytree": (lambda lax, jnp: lambda x: lax.while_loop(
        lambda c: c["i"] < 5, lambda c: {"i": c["i"] + 1, "v": c["v"] * 2.0, "k": c["k"]},
        {"i": 0, "v": x, "k": x + 1}), (_arange(3),)),
    "while_closure": (lambda lax, jnp: lambda x, y: lax.while_loop(
        lambda c: c < y, lambda c: c + y, x), (1.0, 3.0)),
    "while_no_iterations": (lambda lax, jnp: lambda x: lax.while_loop(
        lambda c: c > 100, lambda c: c * 2, x), (F32(1),)),
    "while_nested": (lambda lax, jnp: lambda x: lax.while_loop(
        lambda c: c[0] < 3, lambda c: (c[0] + 1, lax.while_loop(
            lambda d: d < c[1] * 2 + 1, lambda d: d + 1.5, c[1])), (0, x)), (F32(1),)),
    # --- fori_loop ---------------------------------------------------------------------------
    "fori_static": (lambda lax, jnp: lambda x: lax.fori_loop(0, 5, lambda i, c: c + i, x),
                    (1.0,)),
    "fori_static_int": (lambda lax, jnp: lambda: lax.fori_loop(0, 5, lambda i, c: c + i, 0),
                        ()),
    "fori_dynamic": (lambda lax, jnp: lambda x, n: lax.fori_loop(0, n, lambda i, c: c + i, x),
                     (1.0, np.int32(5))),
    "fori_empty": (lambda lax, jnp: lambda x: lax.fori_loop(5, 2, lambda i, c: c * 2, x),
                   (F32(3),)),
    "fori_pytree": (lambda lax, jnp: lambda x: lax.fori_loop(
        1, 4, lambda i, c: (c[0] * i, c[1] + c[0]), (x, x)), (_arange(3) + 1,)),
    "fori_unroll": (lambda lax, jnp: lambda x: lax.fori_loop(2, 7, lambda i, c: c * 2.0, x,
                                                             unroll=2), (1.0,)),
    "fori_mixed_bounds": (lambda lax, jnp: lambda x, n: lax.fori_loop(
        np.int16(1), n, lambda i, c: c + i, x), (F32(0), np.int16(4))),
    # --- scan --------------------------------------------------------------------------------
    "scan": (lambda lax, jnp: lambda c, xs: lax.scan(lambda c, x: (c + x, c * x), c, xs),
             (1.0, _arange(5))),
    "scan_reverse": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: (c * 2 + x, c), c, xs, reverse=True), (F32(1), _arange(4))),
    "scan_unroll": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: (c + x, c), c, xs, unroll=3), (F32(0), _arange(7))),
    "scan_unroll_true": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: (c + x, c), c, xs, unroll=True), (F32(0), _arange(4))),
    "scan_no_xs": (lambda lax, jnp: lambda c: lax.scan(lambda c, x: (c + 1., c), c, None,
                                                       length=3), (1.0,)),
    "scan_pytree": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: ((c[0] + x["a"], c[1] * x["b"]), {"s": c[0] * 2, "t": (x["a"],)}),
        c, xs), ((F32(0), F32(1)), {"a": _arange(4), "b": _arange(4) + 1})),
    "scan_int_init": (lambda lax, jnp: lambda xs: lax.scan(lambda c, x: (c + x, c), 0, xs),
                      (_arange(5),)),
    "scan_matrix_xs": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: (c + x.sum(), x * c), c, xs), (F32(0), np.ones((3, 2), F32))),
    "scan_forwarded_carry": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: ((c[0], c[1] + x), x * 2), c, xs), ((F32(7), F32(0)), _arange(3))),
    "scan_forwarded_xs": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: (c + 1, x), c, xs), (F32(0), _arange(3))),
    "scan_closure": (lambda lax, jnp: lambda c, y, xs: lax.scan(
        lambda c, x: (c + y * x, c), c, xs), (1.0, 3.0, _arange(3))),
    "scan_zero_length": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: (c + x, c * x), c, xs), (F32(2), np.zeros((0,), F32))),
    "scan_bool_ys": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: (c + x, x > 2), c, xs), (F32(0), _arange(5))),
    "scan_nested": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: lax.scan(lambda d, y: (d + y * c, d), c, x), c, xs),
        (F32(1), np.ones((2, 3), F32))),
    "scan_cond_inside": (lambda lax, jnp: lambda c, xs: lax.scan(
        lambda c, x: (lax.cond(x > 1, lambda: c * x, lambda: c - x), c), c, xs),
        (F32(1), _arange(4))),
    # --- map / associative_scan ----------------------------------------------------------------
    "map": (lambda lax, jnp: lambda xs: lax.map(lambda x: x * 2 + 1, xs), (_arange(5),)),
    "map_pytree": (lambda lax, jnp: lambda xs: lax.map(
        lambda t: (t[0] * t[1], t[1].sum()), xs), ((_arange(3), np.ones((3, 2), F32)),)),
    "associative_scan": (lambda lax, jnp: lambda xs: lax.associative_scan(lax.add, xs),
                         (_arange(7),)),
    "associative_scan_reverse": (lambda lax, jnp: lambda xs: lax.associative_scan(
        lax.mul, xs, reverse=True), (_arange(6) + 1,)),
    "associative_scan_pytree_axis": (lambda lax, jnp: lambda a, b: lax.associative_scan(
        lambda x, y: (x[0] * y[0], x[1] * y[0] + y[1]), (a, b), axis=1),
        (np.full((2, 5), 0.5, F32), np.ones((2, 5), F32))),
    "associative_scan_bool": (lambda lax, jnp: lambda xs: lax.associative_scan(
        lax.bitwise_or, xs), (np.array([False, False, True, False, False]),)),
    "associative_scan_int_max": (lambda lax, jnp: lambda xs: lax.associative_scan(
        lax.max, xs), (np.array([3, 1, 4, 1, 5, 9, 2, 6], np.int32),)),
    "associative_scan_one": (lambda lax, jnp: lambda xs: lax.associative_scan(lax.add, jnp.asarray(xs)),
                             (_arange(1),)),
}


def _pair(name):
  make, args = CASES[name]
  return make(plax, pnp), make(jlax, jnp), args


@functools.lru_cache(maxsize=None)
def _oracle_values(name):
  """The oracle's result for a case (computed once, under jit: the oracle's eager mode gives
  the same values and weak types, only slower)."""
  _, j_fun, args = _pair(name)
  return jax.jit(j_fun)(*args)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("mode", ["eager", "jit"])
def test_values_match_oracle(name, mode):
  p_fun, _, args = _pair(name)
  if mode == "jit":
    p_fun = pyjax.jit(p_fun)
  assert_leaves_match(p_fun(*args), _oracle_values(name))


# The staged program of every case prints as the oracle prints it.
@pytest.mark.parametrize("name", sorted(CASES))
def test_jaxpr_text_matches_oracle(name):
  p_fun, j_fun, args = _pair(name)
  assert str(pyjax.make_jaxpr(p_fun)(*args)) == str(jax.make_jaxpr(j_fun)(*args))


# --- errors: the same class and message as the oracle ---------------------------------------------

ERROR_CASES = {
    "cond_dtype_mismatch": lambda lax, jnp: lax.cond(
        True, lambda x: x, lambda x: x.astype(jnp.int32), 1.0),
    "cond_shape_mismatch": lambda lax, jnp: lax.cond(
        True, lambda x: jnp.ones(2), lambda x: jnp.ones(3), 1.0),
    "cond_several_mismatches": lambda lax, jnp: lax.cond(
        True, lambda x: (jnp.ones(2), 1), lambda x: (jnp.ones(3), 1.0), 1.0),
    "cond_tree_mismatch": lambda lax, jnp: lax.cond(True, lambda x: (x, x), lambda x: x, 1.0),
    "cond_dict_keys_mismatch": lambda lax, jnp: lax.cond(
        True, lambda x: {"a": x}, lambda x: {"b": x}, 1.0),
    "cond_array_pred": lambda lax, jnp: lax.cond(
        jnp.array([True, False]), lambda x: x, lambda x: x, 1.0),
    "cond_list_pred": lambda lax, jnp: lax.cond([True], lambda x: x, lambda x: x, 1.0),
    "cond_str_pred": lambda lax, jnp: lax.cond("a", lambda x: x, lambda x: x, 1.0),
    "cond_none_pred": lambda lax, jnp: lax.cond(None, lambda x: x, lambda x: x, 1.0),
    "cond_complex_pred": lambda lax, jnp: lax.cond(1 + 2j, lambda x: x, lambda x: x, 1.0),
    "cond_not_callable": lambda lax, jnp: lax.cond(True, 1, lambda x: x, 1.0),
    "cond_operand_and_kw": lambda lax, jnp: lax.cond(True, lambda x: x, lambda x: x, 1.0,
                                                     operand=2.0),
    "cond_traced_bool": lambda lax, jnp: lax.cond(
        True, lambda x: x if x > 0 else -x, lambda x: x, 1.0),
    "switch_float_index": lambda lax, jnp: lax.switch(1.0, [lambda x: x, lambda x: x], 1.0),
    "switch_array_index": lambda lax, jnp: lax.switch(
        jnp.array([1, 2]), [lambda x: x, lambda x: x], 1.0),
    "switch_empty": lambda lax, jnp: lax.switch(1, [], 1.0),
    "switch_not_callable": lambda lax, jnp: lax.switch(1, [lambda x: x, 3], 1.0),
    "switch_tree_mismatch": lambda lax, jnp: lax.switch(
        1, [lambda x: x, lambda x: (x, x)], 1.0),
    "switch_dtype_mismatch": lambda lax, jnp: lax.switch(
        1, [lambda x: x, lambda x: x, lambda x: x.astype(jnp.int32)], 1.0),
    "while_float_pred": lambda lax, jnp: lax.while_loop(lambda c: c, lambda c: c + 1, 1.0),
    "while_tuple_pred": lambda lax, jnp: lax.while_loop(
        lambda c: (c < 1, c < 1), lambda c: c + 1, 1.0),
    "while_vector_pred": lambda lax, jnp: lax.while_loop(
        lambda c: jnp.array([True, False]), lambda c: c + 1, 1.0),
    "while_tree_mismatch": lambda lax, jnp: lax.while_loop(
        lambda c: c < 1, lambda c: (c, c), 1.0),
    "while_dtype_mismatch": lambda lax, jnp: lax.while_loop(
        lambda c: c < 1, lambda c: c.astype(jnp.int32), 1.0),
    "while_component_mismatch": lambda lax, jnp: lax.while_loop(
        lambda c: c[0] < 1, lambda c: (c[0], c[1].astype(jnp.int32)), (1.0, 2.0)),
    "while_not_callable": lambda lax, jnp: lax.while_loop(1, lambda c: c, 1.0),
    "scan_dtype_mismatch": lambda lax, jnp: lax.scan(
        lambda c, x: (c.astype(jnp.int32), x), 1.0, jnp.ones(3)),
    "scan_tree_mismatch": lambda lax, jnp: lax.scan(
        lambda c, x: ((c, c), x), 1.0, jnp.ones(3)),
    "scan_not_pair": lambda lax, jnp: lax.scan(lambda c, x: c, 1.0, jnp.ones(3)),
    "scan_length_disagrees": lambda lax, jnp: lax.scan(
        lambda c, x: (c, x), 1.0, jnp.ones(3), length=4),
    "scan_different_lengths": lambda lax, jnp: lax.scan(
        lambda c, x: (c, x), 1.0, (jnp.ones(3), jnp.ones(4))),
    "scan_no_length": lambda lax, jnp: lax.scan(lambda c, x: (c, x), 1.0, None),
    "scan_scalar_xs": lambda lax, jnp: lax.scan(lambda c, x: (c, x), 1.0, 1.0),
    "scan_not_callable": lambda lax, jnp: lax.scan(1, 1.0, 1.0),
    "scan_dict_carry_mismatch": lambda lax, jnp: lax.scan(
        lambda carry, x: ({"a": carry["a"].astype(jnp.int32), "b": carry["b"]}, x),
        {"a": 1.0, "b": 2.0}, jnp.ones(3)),
    "scan_two_mismatches": lambda lax, jnp: lax.scan(
        lambda carry, x: ({"a": carry["a"].astype(jnp.int32),
                           "b": carry["b"].astype(jnp.int32)}, x),
        {"a": 1.0, "b": 2.0}, jnp.ones(3)),
    "scan_negative_unroll": lambda lax, jnp: lax.scan(
        lambda c, x: (c, x), 1.0, jnp.ones(3), unroll=-1),
    "scan_traced_length": lambda lax, jnp: jax_or_pyjax(lax).jit(
        lambda n: lax.scan(lambda c, x: (c, x), 1.0, None, length=n))(3),
    "fori_carry_mismatch": lambda lax, jnp: lax.fori_loop(
        0, 3, lambda i, c: c.astype(jnp.int32), 1.0),
    "fori_bound_dtypes": lambda lax, jnp: lax.fori_loop(
        jnp.int16(0), jnp.int32(3), lambda i, c: c, 1.0),
    "fori_not_callable": lambda lax, jnp: lax.fori_loop(0, 3, 1, 1.0),
    "fori_dynamic_unroll": lambda lax, jnp: jax_or_pyjax(lax).jit(
        lambda n: lax.fori_loop(0, n, lambda i, c: c, 1.0, unroll=2))(3),
    "associative_scan_not_callable": lambda lax, jnp: lax.associative_scan(1, jnp.ones(3)),
    "associative_scan_lengths": lambda lax, jnp: lax.associative_scan(
        jnp.add, (jnp.ones(3), jnp.ones(4))),
}


def jax_or_pyjax(lax):
  return jax if lax is jlax else pyjax


def _normalized(message: str) -> str:
  return message.replace("jax._src.core.ShapedArray", "ShapedArray").replace(
      "pyjax._src.avals.ShapedArray", "ShapedArray")


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_errors_match_oracle(name):
  make = ERROR_CASES[name]
  p_kind, p_error = outcome(make, plax, pnp)
  j_kind, j_error = outcome(make, jlax, jnp)
  assert j_kind == "raise", f"the oracle did not raise for {name}"
  assert p_kind == "raise", f"pyjax returned {p_error!r}; the oracle raised {j_error!r}"
  assert type(p_error).__name__ == type(j_error).__name__, (p_error, j_error)
  assert _normalized(str(p_error)) == _normalized(str(j_error))


# --- more printing: hoisted (shared or long) bodies, control flow inside and around jit -------------

def _eleven_sines(lax):
  def body(x):
    for _ in range(11):
      x = lax.sin(x)
    return x
  return body


_JITTED = {}


def _jitted_cond(lax):
  """One jitted function per library (so it is traced once and shared, as in real programs)."""
  if lax not in _JITTED:
    _JITTED[lax] = jax_or_pyjax(lax).jit(lambda x: lax.cond(x > 0, lax.sin, lax.cos, x))
  return _JITTED[lax]


JAXPR_CASES = {
    "long_branch": (lambda lax: lambda p, x: lax.cond(p, _eleven_sines(lax), lambda x: x + 1, x),
                    (True, 1.0)),
    "long_scan_body": (lambda lax: lambda x, xs: lax.scan(
        lambda c, a: (_eleven_sines(lax)(c), a), x, xs), (1.0, np.ones(2, F32))),
    "long_while_body": (lambda lax: lambda x: lax.while_loop(
        lambda c: c < 1, _eleven_sines(lax), x), (1.0,)),
    "jit_of_cond_called_twice": (lambda lax: lambda x: _jitted_cond(lax)(x)
                                 + _jitted_cond(lax)(x + 1), (1.0,)),
    "jit_as_branch": (lambda lax: lambda x: lax.cond(x > 0, _jitted_cond(lax), lax.cos, x),
                      (1.0,)),
    "scan_in_jit": (lambda lax: lambda c, xs: jax_or_pyjax(lax).jit(
        lambda c, xs: lax.scan(lambda c, x: (c * x, c), c, xs))(c, xs), (F32(1), _arange(3))),
    "while_in_jit_in_scan": (lambda lax: lambda c, xs: lax.scan(
        lambda c, x: (jax_or_pyjax(lax).jit(lambda c: lax.while_loop(
            lambda d: d < x, lambda d: d * 2, c))(c), x), c, xs), (F32(1), _arange(3) + 2)),
    "fori_dynamic_pytree": (lambda lax: lambda x, n: lax.fori_loop(
        0, n, lambda i, c: (c[0] + i, c[1] * 2.), (x, x)), (1.0, np.int32(3))),
    "fori_int16_bounds": (lambda lax: lambda x, n: lax.fori_loop(
        np.int16(2), n, lambda i, c: c * 2., x), (1.0, np.int16(5))),
    "unused_scan_output": (lambda lax: lambda x: lax.while_loop(
        lambda c: c[1] < 3, lambda c: (lax.scan(lambda a, b: (a + b, a), c[0],
                                                np.ones(5, F32))[0], c[1] + 1), (x, 0)), (1.0,)),
}


@pytest.mark.parametrize("name", sorted(JAXPR_CASES))
def test_more_jaxpr_text_matches_oracle(name):
  make, args = JAXPR_CASES[name]
  assert str(pyjax.make_jaxpr(make(plax))(*args)) == str(jax.make_jaxpr(make(jlax))(*args))


# --- tracing once, disable_jit, the batched-predicate while -------------------------------------

def test_bodies_are_traced_once_per_signature_as_in_jax():
  calls = []

  def branch(x):
    calls.append(x.shape)
    return x * 2

  for _ in range(3):
    plax.cond(True, branch, branch, pnp.ones(3))
  assert len(calls) == 1  # one trace serves both branches and all three calls
  plax.cond(True, branch, branch, pnp.ones(4))
  assert len(calls) == 2

  def body(c, x):
    calls.append("scan")
    return c + x, c

  plax.scan(body, 0.0, pnp.ones(3))
  plax.scan(body, 0.0, pnp.ones(3))
  assert calls.count("scan") == 1


def test_closed_over_globals_are_read_when_first_traced_as_in_jax():
  results = {}
  for lib, lax_, np_ in (("pyjax", plax, pnp), ("jax", jlax, jnp)):
    state = {"g": np_.ones(3)}

    def f(x, state=state):
      return x + state["g"]

    first = lax_.cond(True, f, f, np_.zeros(3))
    state["g"] = np_.ones(3) * 5
    second = lax_.cond(True, f, f, np_.zeros(3))
    results[lib] = (np.asarray(first).tolist(), np.asarray(second).tolist())
  assert results["pyjax"] == results["jax"] == ([1.0] * 3, [1.0] * 3)


def test_disable_jit_runs_python_control_flow():
  seen = []
  with pyjax.disable_jit():
    out = plax.cond(True, lambda x: seen.append(type(x)) or x + 1, lambda x: x - 1, 1.0)
    assert out == 2.0
    assert plax.while_loop(lambda c: c < 3, lambda c: c + 1, 0) == 3
    carry, ys = plax.scan(lambda c, x: (c + x, c), 0.0, pnp.arange(3.0))
    assert float(carry) == 3.0 and ys.tolist() == [0.0, 0.0, 1.0]
    assert plax.fori_loop(0, 4, lambda i, c: c + i, 0) == 6
    assert plax.switch(5, [lambda: 1, lambda: 2]) == 2
  assert seen == [float]  # the branch ran on the Python value itself


def test_while_with_a_vector_predicate_runs_each_lane_until_it_is_done():
  # As vmap produces it: the predicate is batched, so every carry is batched on axis 0.
  from pyjax._src.lax.control_flow import while_p
  cond = pyjax.make_jaxpr(lambda c, limit: c < limit)(pnp.zeros(3), pnp.zeros(3))
  body = pyjax.make_jaxpr(lambda c, limit: (c + 1, limit))(pnp.zeros(3), pnp.zeros(3))
  counts, limits = while_p.bind(pnp.zeros(3), pnp.array([0.0, 2.0, 5.0]), cond_jaxpr=cond,
                                body_jaxpr=body, cond_nconsts=0, body_nconsts=0)
  assert counts.tolist() == [0.0, 2.0, 5.0]
  assert limits.tolist() == [0.0, 2.0, 5.0]


@pytest.mark.parametrize("batch_size", [2, 3, 7, 0, 10])
def test_map_with_batch_size(batch_size):
  xs = np.arange(21, dtype=F32).reshape(7, 3)

  def make(lax, jnp):
    return lambda xs: lax.map(lambda t: (jnp.sin(t[1]).sum() * t[0], t[1] * 2), (xs[:, 0], xs),
                              batch_size=batch_size)
  expected = jax.jit(make(jlax, jnp))(xs)
  assert_leaves_match(make(plax, pnp)(xs), expected, tol=(2e-6, 2e-6))
  assert_leaves_match(pyjax.jit(make(plax, pnp))(xs), expected, tol=(2e-6, 2e-6))
