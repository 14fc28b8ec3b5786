"""The rest of jnp's elementwise functions and the `jnp.ufunc` class (reduce, accumulate,
reduceat, outer, at, frompyfunc) against the oracle; jit, vmap and grad."""
import jax
import numpy as np
import pytest

import pyjax
import pyjax.numpy as jnp
from pyjax.test_util import check_grads

from case_tables import CaseTable
from oracle_util import AUTO, assert_same_outcome, outcome, x64

NAN, INF = np.nan, np.inf
# No subnormals: XLA's CPU backend flushes them to zero, and pyjax (NumPy) does not.
F32 = np.array([-2.5, -1.0, -0.0, 0.0, 0.3, 1.0, 7.75, 1e30, 2e-38, INF, -INF, NAN], np.float32)
F16 = np.array([-2.5, 0.0, 0.3, 1.0, 65504.0, INF, NAN], np.float16)
C64 = np.array([1 + 1j, -1 - 0.5j, 0j, -2 + 0j, 3j], np.complex64)
I32 = np.array([-12, -7, 0, 1, 6, 18, 2**31 - 1], np.int32)
I8 = np.array([[1, 2, 3], [4, -5, 6]], np.int8)
U8 = np.array([0, 1, 7, 255], np.uint8)
B = np.array([True, False, True])

UNARY = ["angle", "bitwise_count", "fabs", "frexp", "isneginf", "isposinf", "modf",
         "nan_to_num", "spacing"]
BINARY = ["bitwise_left_shift", "bitwise_right_shift", "fmax", "fmin", "gcd", "lcm", "heaviside",
          "ldexp", "logaddexp2"]


def _cases():
  cases = {}
  inputs = {"f32": F32, "f16": F16, "c64": C64, "i32": I32, "u8": U8, "bool": B,
            "pyfloat": 2.5, "pyint": 3}
  for name in UNARY:
    for label, x in inputs.items():
      cases[f"{name}-{label}"] = lambda L, n=name, x=x: getattr(L.np, n)(x)
  cases["angle-deg"] = lambda L: L.np.angle(C64, deg=True)
  cases["angle-scalar-f32"] = lambda L: L.np.angle(np.float32(-1))
  cases["nan_to_num-values"] = lambda L: L.np.nan_to_num(F32, nan=1.5, posinf=9.0, neginf=-9.0)
  cases["nan_to_num-c64"] = lambda L: L.np.nan_to_num(C64 * np.float32(INF), posinf=1.0)
  pairs = {"f32-f32": (F32, F32[::-1].copy()), "f32-pyfloat": (F32, 0.5),
           "i32-i32": (I32, I32[::-1].copy()), "i8-pyint": (I8, 3), "u8-u8": (U8, U8[::-1].copy()),
           "bool-bool": (B, B[::-1].copy()), "f16-i8": (F16[:3], I8[0]),
           "i32-u8": (I32[:4], U8), "pyint-pyint": (12, 18)}
  for name in BINARY:
    for label, (x, y) in pairs.items():
      cases[f"{name}-{label}"] = lambda L, n=name, x=x, y=y: getattr(L.np, n)(x, y)
  cases["ldexp-big"] = lambda L: L.np.ldexp(np.float32(0.75), np.array([-140, 100, 129, -200]))
  cases["heaviside-zero"] = lambda L: L.np.heaviside(np.array([0.0, -0.0, 1.0]), 0.5)
  # ufunc methods
  cases["add.reduce-i8"] = lambda L: L.np.add.reduce(I8)
  cases["add.reduce-bool-none"] = lambda L: L.np.add.reduce(B, axis=None)
  cases["multiply.reduce-where"] = lambda L: L.np.multiply.reduce(I8, axis=1, where=I8 > 1)
  cases["maximum.reduce"] = lambda L: L.np.maximum.reduce(I8, axis=None, keepdims=True)
  cases["minimum.reduce-initial"] = (
      lambda L: L.np.minimum.reduce(I8, axis=1, initial=2, where=I8 > 1))
  cases["subtract.reduce"] = lambda L: L.np.subtract.reduce(I8, axis=1)
  cases["subtract.reduce-initial-keepdims"] = (
      lambda L: L.np.subtract.reduce(F32[:6], initial=1.0, keepdims=True))
  cases["bitwise_and.reduce"] = lambda L: L.np.bitwise_and.reduce(I8, axis=1)
  cases["bitwise_or.reduce"] = lambda L: L.np.bitwise_or.reduce(U8)
  cases["bitwise_xor.reduce"] = lambda L: L.np.bitwise_xor.reduce(I8, axis=0)
  cases["logical_and.reduce"] = lambda L: L.np.logical_and.reduce(I8)
  cases["logical_or.reduce"] = lambda L: L.np.logical_or.reduce(np.zeros((2, 3)), axis=1)
  cases["logical_xor.reduce"] = lambda L: L.np.logical_xor.reduce(B)
  cases["logaddexp.reduce"] = lambda L: L.np.logaddexp.reduce(F32[:7])
  cases["logaddexp.reduce-i8"] = lambda L: L.np.logaddexp.reduce(I8, axis=1, keepdims=True)
  cases["logaddexp2.reduce"] = lambda L: L.np.logaddexp2.reduce(F16[:4])
  cases["add.accumulate-i8"] = lambda L: L.np.add.accumulate(I8, axis=1)
  cases["add.accumulate-bool"] = lambda L: L.np.add.accumulate(B)
  cases["multiply.accumulate"] = lambda L: L.np.multiply.accumulate(F32[:7])
  cases["maximum.accumulate"] = lambda L: L.np.maximum.accumulate(I8, axis=1)
  cases["subtract.accumulate"] = lambda L: L.np.subtract.accumulate(I8, axis=-1)
  cases["logical_or.accumulate"] = lambda L: L.np.logical_or.accumulate(B[::-1])
  cases["add.accumulate-empty"] = lambda L: L.np.add.accumulate(np.zeros((0, 2), np.float32))
  cases["add.accumulate-axis-none"] = lambda L: L.np.add.accumulate(I8, axis=None)
  cases["add.accumulate-dtype"] = lambda L: L.np.add.accumulate(I8, axis=1, dtype=np.float16)
  cases["add.accumulate-dtype-bool"] = lambda L: L.np.add.accumulate(I8, dtype=bool)
  cases["add.accumulate-pyscalar"] = lambda L: L.np.add.accumulate(2.5)
  cases["multiply.accumulate-u8"] = lambda L: L.np.multiply.accumulate(U8)
  cases["multiply.accumulate-bool"] = lambda L: L.np.multiply.accumulate(B)
  # Weak types of constants derived from an operand: strong unless the operand is a weak scalar.
  cases["hypot-weak-array"] = lambda L: L.np.hypot(I8[0], 2.5)
  cases["hypot-weak-scalars"] = lambda L: L.np.hypot(2.0, 3)
  cases["hypot-weak-0d"] = lambda L: L.np.hypot(np.int8(2), 0.5)
  cases["power-pyint-bool"] = lambda L: L.np.power(2, B)
  cases["power-pyint-traced-0d"] = lambda L: L.top.jit(L.np.power)(2, L.np.asarray(3))
  cases["power-u8-0d-bool"] = lambda L: L.np.power(U8, L.np.asarray(True))
  cases["deg2rad-weak-array"] = lambda L: L.np.deg2rad(L.np.broadcast_to(30, (2,)))
  cases["heaviside-weak-array"] = lambda L: L.np.heaviside(L.np.broadcast_to(-1.5, (2,)), 0.5)
  cases["logical_not-weak-array"] = lambda L: L.np.logical_not(L.np.broadcast_to(2, (2,)))
  cases["power-u8-pyint-array"] = lambda L: L.np.power(U8, L.np.asarray(2))
  cases["add.outer"] = lambda L: L.np.add.outer(np.arange(3), F16[:2])
  cases["multiply.outer-2d"] = lambda L: L.np.multiply.outer(I8, U8[:2])
  cases["logical_xor.outer"] = lambda L: L.np.logical_xor.outer(B, B)
  cases["subtract.outer-scalar"] = lambda L: L.np.subtract.outer(2.0, F32[:3])
  cases["add.reduceat"] = lambda L: L.np.add.reduceat(np.arange(8), np.array([0, 4, 1, 5]))
  cases["maximum.reduceat"] = lambda L: L.np.maximum.reduceat(I8, np.array([0, 2, 1]), axis=1)
  cases["add.at"] = lambda L: L.np.add.at(I8, (np.array([0, 0, 1]), np.array([1, 1, 2])),
                                           np.int8(5), inplace=False)
  cases["add.at-bool"] = lambda L: L.np.add.at(B, 1, 2, inplace=False)
  cases["multiply.at"] = lambda L: L.np.multiply.at(F32[:4], np.array([1, 1]), 3.0,
                                                     inplace=False)
  cases["subtract.at"] = lambda L: L.np.subtract.at(I8, np.array([0, 0]), 1, inplace=False)
  cases["maximum.at"] = lambda L: L.np.maximum.at(
      I8, (np.array([0, 0, 1]), np.array([0, 0, 2])), np.array([7, 9, 8]), inplace=False)
  cases["negative.at"] = lambda L: L.np.negative.at(I8, 0, inplace=False)
  cases["frompyfunc-call"] = lambda L: L.np.frompyfunc(lambda x, y: x * y + 1, 2, 1)(I8, 2)
  cases["frompyfunc-reduce"] = (
      lambda L: L.np.frompyfunc(lambda x, y: x * y + 1, 2, 1, identity=3).reduce(I8))
  cases["frompyfunc-accumulate"] = (
      lambda L: L.np.frompyfunc(lambda x, y: x - 2 * y, 2, 1).accumulate(I8, axis=1))
  cases["frompyfunc-two-outputs"] = lambda L: L.np.frompyfunc(lambda x: (x, x + 1), 1, 2)(I8)
  return cases


TABLE = CaseTable(_cases())


@pytest.mark.parametrize("name", list(TABLE))
def test_matches_oracle(name):
  """Same values, or the same error class where the oracle rejects the input."""
  assert_same_outcome(TABLE.pyjax(name), TABLE.oracle(name), AUTO, f"{name}: ")


ERRORS = {
    "fabs-complex": lambda np_: np_.fabs(C64),
    "frexp-complex": lambda np_: np_.frexp(C64),
    "gcd-float": lambda np_: np_.gcd(F32, 2),
    "lcm-float": lambda np_: np_.lcm(2.0, 4),
    "ldexp-float-exponent": lambda np_: np_.ldexp(F32, 2.0),
    "isposinf-out": lambda np_: np_.isposinf(F32, out=np.zeros(12)),
    "add-out": lambda np_: np_.add(1, 2, out=np.zeros(1)),
    "add-where": lambda np_: np_.add(1, 2, where=True),
    "negative.reduce": lambda np_: np_.negative.reduce(B),
    "negative.outer": lambda np_: np_.negative.outer(B, B),
    "negative.accumulate": lambda np_: np_.negative.accumulate(B),
    "negative.reduceat": lambda np_: np_.negative.reduceat(B, np.array([0])),
    "two-outputs.reduce": lambda np_: np_.frompyfunc(lambda x, y: (x, y), 2, 2).reduce(B),
    "subtract.reduce-where": lambda np_: np_.subtract.reduce(I8, where=I8 > 2),
    "add.reduce-int-where": lambda np_: np_.add.reduce(I8, where=1),
    "subtract.reduce-axes": lambda np_: np_.subtract.reduce(I8, axis=(0, 1)),
    "subtract.reduce-empty": lambda np_: np_.subtract.reduce(np.zeros((0, 3))),
    "maximum.reduce-empty": lambda np_: np_.maximum.reduce(np.zeros((0, 3))),
    "add.reduce-out": lambda np_: np_.add.reduce(I8, out=1),
    "add.accumulate-out": lambda np_: np_.add.accumulate(I8, out=1),
    "add.accumulate-axis-none": lambda np_: np_.subtract.accumulate(I8, axis=None),
    "add.at-inplace": lambda np_: np_.add.at(I8, 0, 1),
    "add.reduceat-list": lambda np_: np_.add.reduceat(I8, [0, 1]),
    "add.reduceat-0d": lambda np_: np_.add.reduceat(np.int8(1), np.array([0])),
    "add.reduceat-2d-indices": lambda np_: np_.add.reduceat(I8, np.array([[0]])),
}


def test_power_of_concrete_integer_exponent():
  """A concrete integer exponent (also a 0-d Array, not a boolean one) is raised to with
  integer_pow, whose result keeps the base's weak type; a traced one gives a strong result."""
  for case in (lambda np_: np_.power(2, np_.asarray(3)), lambda np_: np_.power(2.5, True),
               lambda np_: np_.power(2, np_.asarray(True)), lambda np_: np_.power(2, np.bool_(1)),
               lambda np_: np_.power(np_.broadcast_to(3, (2,)), np_.asarray(2))):
    assert_same_outcome(outcome(case, jnp), outcome(case, jax.numpy))


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_oracle(name):
  p, j = outcome(ERRORS[name], jnp), outcome(ERRORS[name], jax.numpy)
  assert j[0] == "raise", j
  assert_same_outcome(p, j)
  assert str(p[1]) == str(j[1])


def test_ufunc_objects_as_in_jax():
  names = [n for n in dir(jax.numpy) if isinstance(getattr(jax.numpy, n), jax.numpy.ufunc)]
  assert names == [n for n in dir(jnp) if isinstance(getattr(jnp, n), jnp.ufunc)]
  for n in names:
    p, j = getattr(jnp, n), getattr(jax.numpy, n)
    assert (p.nin, p.nout, p.nargs, p.__name__, repr(p)) == (j.nin, j.nout, j.nargs, j.__name__,
                                                              repr(j))
    assert p.identity == j.identity or (np.isnan(p.identity) and np.isnan(j.identity))
  assert jnp.add == jnp.add and hash(jnp.add) == hash(jnp.add) and jnp.add != jnp.multiply
  with pytest.raises(AttributeError):
    jnp.add.nin = 3


def test_ufuncs_pass_through_jit_as_static_and_compose():
  f = pyjax.jit(lambda u, x: u.reduce(x), static_argnums=0)
  x = jnp.arange(1, 6)
  assert int(f(jnp.add, x)) == 15 and int(f(jnp.multiply, x)) == 120
  g = pyjax.jit(lambda x: jnp.subtract.accumulate(x) + jnp.add.outer(x, x)[0])
  np.testing.assert_array_equal(g(x), np.subtract.accumulate(np.arange(1, 6)) + np.arange(1, 6)
                                + 1)
  at = pyjax.jit(lambda a, i: jnp.maximum.at(a, i, 10, inplace=False))
  np.testing.assert_array_equal(at(x, jnp.array([0, 0, 3])), [10, 2, 3, 10, 5])


@pytest.mark.parametrize("name", UNARY + BINARY + ["add.reduce", "subtract.accumulate",
                                                   "maximum.reduceat"])
def test_vmap_matches_loop(name):
  if name in UNARY:
    x = I32[:6].reshape(2, 3) if name == "bitwise_count" else F32.reshape(3, 4)
    fn, args = getattr(jnp, name), (jnp.asarray(x),)
  elif name in BINARY:
    fn = getattr(jnp, name)
    ints = name in ("gcd", "lcm", "bitwise_left_shift", "bitwise_right_shift")
    x = jnp.asarray(I32[:6].reshape(2, 3) if ints else F32[:6].reshape(2, 3))
    y = jnp.asarray(np.array([[3, 4, 5], [2, 1, 6]], np.int32)) if ints or name == "ldexp" \
        else x[::-1]
    args = (x, y)
  else:
    method = name.split(".")
    fn = getattr(getattr(jnp, method[0]), method[1])
    args = (jnp.asarray(I8),) if method[1] != "reduceat" else None
    if args is None:
      fn = lambda a: jnp.maximum.reduceat(a, jnp.array([0, 2]))  # noqa: E731
      args = (jnp.asarray(I8),)
  batched = pyjax.vmap(fn)(*args)
  looped = [fn(*(a[i] for a in args)) for i in range(args[0].shape[0])]
  if isinstance(batched, tuple):
    for k, part in enumerate(batched):
      np.testing.assert_array_equal(part, jnp.stack([r[k] for r in looped]))
  else:
    np.testing.assert_array_equal(batched, jnp.stack(looped))


@pytest.mark.parametrize("name", ["angle", "fabs", "fmax", "fmin", "heaviside", "ldexp",
                                  "logaddexp2", "modf", "nan_to_num", "frexp"])
def test_grads_match_finite_differences(name):
  x = np.array([0.7, -1.3, 2.2], np.float64)
  y = np.array([-0.4, 0.9, 1.6])
  with x64():
    if name in ("modf", "frexp"):
      fn = lambda v: getattr(jnp, name)(v)[0]  # noqa: E731
    elif name == "ldexp":
      fn = lambda v: jnp.ldexp(v, jnp.array([1, -2, 3]))  # noqa: E731
    elif name == "angle":
      fn = lambda v: jnp.angle(v + 1j * jnp.asarray(y))  # noqa: E731
    elif name in ("fmax", "fmin", "heaviside", "logaddexp2"):
      fn = lambda v: getattr(jnp, name)(v, jnp.asarray(y))  # noqa: E731
    else:
      fn = getattr(jnp, name)
    check_grads(fn, (jnp.asarray(x),), order=1, modes=("fwd", "rev"))


def test_reduce_grads_match_oracle():
  x = np.array([[0.5, -1.5, 2.0], [1.0, 3.0, -0.25]], np.float32)
  for name, method in [("add", "reduce"), ("multiply", "reduce"), ("subtract", "reduce"),
                       ("logaddexp", "reduce"), ("multiply", "accumulate"),
                       ("subtract", "accumulate"), ("maximum", "accumulate")]:
    p = pyjax.grad(lambda v: jnp.sum(getattr(getattr(jnp, name), method)(v, axis=1)))(
        jnp.asarray(x))
    j = jax.grad(lambda v: jax.numpy.sum(getattr(getattr(jax.numpy, name), method)(v, axis=1)))(x)
    np.testing.assert_allclose(np.asarray(p), np.asarray(j), rtol=1e-5, err_msg=name)


def _weak_operands(np_):
  """Weak operands: arrays (which make JAX's derived constants strong), scalars, and a bool
  array (weak once promoted with them)."""
  return {"weak-f32[3]": np_.broadcast_to(2.5, (3,)), "weak-i32[3]": np_.broadcast_to(3, (3,)),
          "weak-f32[]": np_.asarray(2.5), "weak-i32[]": np_.asarray(3),
          "bool[3]": np_.asarray([True, False, True])}


def test_weak_types_of_every_ufunc_match_oracle():
  """The dtype and weak type of every elementwise function of one or two weak operands (traced,
  with eval_shape on both sides: no oracle kernels to compile)."""
  from pyjax._src.numpy import ufuncs
  ours, theirs = _weak_operands(jnp), _weak_operands(jax.numpy)
  checked = 0
  for name in sorted(ufuncs.__all__):
    if not hasattr(jax.numpy, name):
      continue
    for keys in [(k,) for k in ours] + [(a, b) for a in ours for b in ours]:
      expected = outcome(jax.eval_shape, getattr(jax.numpy, name), *[theirs[k] for k in keys])
      if expected[0] == "raise":
        continue  # wrong arity or dtype: the error tests cover those
      actual = pyjax.eval_shape(getattr(jnp, name), *[ours[k] for k in keys])
      for p, j in zip(pyjax.tree_util.tree_leaves(actual), jax.tree.leaves(expected[1])):
        assert (p.dtype, p.weak_type) == (j.dtype, j.weak_type), (name, keys, p, j)
      checked += 1
  assert checked > 1000
