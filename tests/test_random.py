"""pyjax.random against jax.random (the oracle, jax 0.10.2): keys and key arrays, the threefry
block function, split / fold_in / bits, and the samplers that are bit-identical to JAX's
(uniform, randint, bernoulli, permutation, choice, categorical) or within a few ulp (normal), in
both settings of `jax_threefry_partitionable`; jaxpr text of the key primitives."""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import warnings

import ml_dtypes
import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402
import jax.random as jr  # noqa: E402

import pyjax  # noqa: E402
import pyjax.numpy as pnp  # noqa: E402
from pyjax import random as pr  # noqa: E402
from pyjax._src import core  # noqa: E402
from pyjax._src.random import threefry  # noqa: E402

from oracle_util import threefry_mode, x64  # noqa: E402

BF16 = np.dtype(ml_dtypes.bfloat16)
SEEDS = [0, 1, 42, 2**31 - 1]




@pytest.fixture(params=[True, False], ids=["partitionable", "legacy"])
def mode(request):
  with threefry_mode(request.param):
    yield request.param


def assert_identical(p, j, what=""):
  p, j = np.asarray(p), np.asarray(j)
  assert p.dtype == j.dtype, f"{what}dtype {p.dtype} != oracle {j.dtype}"
  assert p.shape == j.shape, f"{what}shape {p.shape} != oracle {j.shape}"
  if p.dtype.kind in "biu":
    np.testing.assert_array_equal(p, j, err_msg=what)
  else:
    same = (p == j) | (np.isnan(p.astype(np.float64)) & np.isnan(j.astype(np.float64)))
    assert same.all(), f"{what}values differ at {np.flatnonzero(~same)[:8]}:\n{p}\n{j}"


def ulp_distance(p, j) -> np.ndarray:
  """Distance in units in the last place between two float arrays of one dtype."""
  p, j = np.asarray(p), np.asarray(j)
  if p.dtype.kind == "c":
    return np.maximum(ulp_distance(p.real, j.real), ulp_distance(p.imag, j.imag))
  width = {2: np.int16, 4: np.int32, 8: np.int64}[p.dtype.itemsize]
  def ordered(x):
    i = x.view(width).astype(np.int64)
    return np.where(i < 0, np.iinfo(width).min - i, i)
  return np.abs(ordered(p) - ordered(j))


def both(fn_p, fn_j, seed):
  """(pyjax result for key(seed), oracle result for key(seed))."""
  return fn_p(pr.key(seed)), fn_j(jr.key(seed))


# ------------------------------------------------------------------------------------------------
# The block function and reference values


@pytest.mark.parametrize("key, counter, expected", [
    ((0x13198a2e, 0x03707344), (0x243f6a88, 0x85a308d3), (0xc4923a9c, 0x483df7a0)),
    ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1cb996fc, 0xbb002be7)),
    ((0, 0), (0, 0), (0x6b200159, 0x99ba4efe)),
])
def test_threefry_known_answers(key, counter, expected):
  u32 = np.uint32
  y0, y1 = threefry.threefry2x32(u32(key[0]), u32(key[1]), u32(counter[0]), u32(counter[1]))
  assert (int(y0), int(y1)) == expected


def test_threefry_broadcasts_and_chunks():
  # Per-element keys, and more elements than one chunk of the kernel.
  rng = np.random.RandomState(0)
  words = rng.randint(0, 2**32, size=(4, 70000), dtype=np.uint64).astype(np.uint32)
  y0, y1 = threefry.threefry2x32(words[0], words[1], words[2], words[3])
  for i in (0, 1, 65535, 65536, 69999):
    e0, e1 = threefry.threefry2x32(*(w[i] for w in words))
    assert (y0[i], y1[i]) == (e0, e1)


def test_reference_values():
  key = pr.PRNGKey(0)
  np.testing.assert_array_equal(key, [0, 0])
  np.testing.assert_array_equal(pr.split(key), [[1797259609, 2579123966],
                                                [928981903, 3453687069]])
  np.testing.assert_array_equal(pr.bits(key, (4,)),
                                [4070199207, 4202968722, 1427181096, 2012915765])
  np.testing.assert_array_equal(pr.uniform(key, (3,)), np.array(
      [0.9476670026779175, 0.9785798788070679, 0.33229148387908936], np.float32))
  np.testing.assert_array_equal(pr.normal(key, (3,)), np.array(
      [1.622642159461975, 2.0252647399902344, -0.4335944354534149], np.float32))


def test_seed_document_example_in_legacy_mode():
  # The PRNG example of the "Jax 101" seed document, printed by JAX's legacy threefry mode.
  with threefry_mode(False):
    key = pr.key(21)
    assert str(key) == "Array((), dtype=key<fry>) overlaying:\n[ 0 21]"
    assert str(pr.normal(key, 3)) == "[-2.6825788  -0.7566388  -0.29570565]"
    assert str(pr.normal(key, 3)) == "[-2.6825788  -0.7566388  -0.29570565]"
    newkey1, newkey2 = pr.split(key, 2)
    assert str(newkey1) == "Array((), dtype=key<fry>) overlaying:\n[  15689208 2943087094]"
    assert str(newkey2) == "Array((), dtype=key<fry>) overlaying:\n[1648097174  339021355]"


# ------------------------------------------------------------------------------------------------
# Keys


@pytest.mark.parametrize("enable_x64", [False, True], ids=["x32", "x64"])
def test_seeding(enable_x64):
  seeds = [0, 1, -1, 21, 2**31 - 1, -2**31, 2**32 + 7, 2**40 + 5, -2**40, np.int8(-3),
           np.uint8(200), np.uint32(2**32 - 1), np.int32(-5), True]
  with x64(enable_x64):
    for seed in seeds:
      assert_identical(pr.PRNGKey(seed), jr.PRNGKey(seed), f"PRNGKey({seed!r}): ")
      assert_identical(pr.key_data(pr.key(seed)), jr.key_data(jr.key(seed)), f"key({seed!r}): ")
    if enable_x64:
      np.testing.assert_array_equal(pr.PRNGKey(-1), [0xFFFFFFFF, 0xFFFFFFFF])
      np.testing.assert_array_equal(pr.PRNGKey(2**40 + 5), [256, 5])
    else:
      np.testing.assert_array_equal(pr.PRNGKey(-1), [0, 0xFFFFFFFF])


def test_typed_key_array_behaves_like_an_array_of_keys():
  key = pr.key(7)
  assert key.shape == () and key.ndim == 0 and key.size == 1
  assert str(key.dtype) == "key<fry>" and repr(key.dtype) == "key<fry>"
  assert key.dtype == pr.key_dtype() == pr.key_dtype("threefry2x32")
  assert pyjax.dtypes.issubdtype(key.dtype, pyjax.dtypes.prng_key)
  assert pyjax.dtypes.issubdtype(key.dtype, pyjax.dtypes.extended)
  assert not pyjax.dtypes.issubdtype(key.dtype, np.integer)
  assert isinstance(key, pyjax.Array)
  assert str(pyjax.typeof(key)) == "key<fry>[]"

  keys = pr.split(key, 4)
  jkeys = jr.split(jr.key(7), 4)
  assert keys.shape == (4,) and len(keys) == 4 and pyjax.typeof(keys).str_short() == "key<fry>[4]"
  assert repr(keys) == repr(jkeys)
  assert repr(keys[2]) == repr(jkeys[2])
  assert repr(keys[1:3]) == repr(jkeys[1:3])
  assert repr(keys[-1]) == repr(jkeys[-1])
  assert [repr(k) for k in keys] == [repr(k) for k in jkeys]
  k1, k2, k3, k4 = keys
  assert repr(k3) == repr(jkeys[2])
  grid = keys.reshape(2, 2)
  assert grid.shape == (2, 2)
  assert repr(grid) == repr(jkeys.reshape(2, 2))
  assert repr(grid.T) == repr(jkeys.reshape(2, 2).T)
  assert repr(pr.split(key, (2, 3))) == repr(jr.split(jr.key(7), (2, 3)))
  assert repr(pnp.stack([k1, k2])) == repr(jnp.stack([jkeys[0], jkeys[1]]))
  # Leaves of pytrees, and values in and out of jit.
  assert pyjax.tree_util.tree_leaves({"k": key, "x": 1})[0] is key
  out = pyjax.jit(lambda k: pr.split(k, 3))(key)
  assert repr(out) == repr(jr.split(jr.key(7), 3))
  assert repr(pyjax.jit(lambda k: k[1])(keys)) == repr(jkeys[1])


def test_typed_keys_under_grad_get_float0_gradients():
  def f(lib):
    return lambda x, k: x * lib.random.normal(k)
  ours = pyjax.grad(f(pyjax), argnums=(0, 1), allow_int=True)(1.0, pr.key(0))
  theirs = jax.grad(f(jax), argnums=(0, 1), allow_int=True)(1.0, jr.key(0))
  assert float(ours[0]) == float(theirs[0])
  assert ours[1].dtype == theirs[1].dtype == jax.dtypes.float0 and ours[1].shape == ()
  with pytest.raises(TypeError) as mine:
    pyjax.grad(lambda k: pr.normal(k))(pr.key(0))
  with pytest.raises(TypeError) as expected:
    jax.grad(lambda k: jr.normal(k))(jr.key(0))
  assert str(mine.value) == str(expected.value)


def test_key_data_round_trip_and_impl():
  keys = pr.split(pr.key(3), 5)
  data = pr.key_data(keys)
  assert data.dtype == np.uint32 and data.shape == (5, 2)
  assert_identical(data, jr.key_data(jr.split(jr.key(3), 5)))
  again = pr.wrap_key_data(data)
  assert repr(again) == repr(keys)
  assert repr(pr.wrap_key_data(data, impl="threefry2x32")) == repr(keys)
  assert pr.key_impl(keys) == "threefry2x32" == jr.key_impl(jr.key(3))
  assert pr.key_impl(pr.PRNGKey(3)) == "threefry2x32"
  assert_identical(pr.key_data(pr.PRNGKey(3)), jr.key_data(jr.PRNGKey(3)))
  assert repr(pr.clone(keys)) == repr(keys)


def test_typed_and_raw_keys_give_the_same_streams():
  raw, typed = pr.PRNGKey(11), pr.key(11)
  assert_identical(pr.normal(raw, (5,)), pr.normal(typed, (5,)))
  assert_identical(pr.split(raw), pr.key_data(pr.split(typed)))
  assert_identical(pr.fold_in(raw, 9), pr.key_data(pr.fold_in(typed, 9)))
  assert pr.split(raw).dtype == np.uint32


@pytest.mark.parametrize("call, error", [
    (lambda: np.asarray(pr.key(0)), TypeError),
    (lambda: pr.key(0) + 1, TypeError),
    (lambda: pr.key(1.5), TypeError),
    (lambda: pr.key(pnp.arange(2)), TypeError),
    (lambda: pr.key(pr.key(0)), TypeError),
    (lambda: pr.PRNGKey(2**64), OverflowError),
    (lambda: pr.split(pr.split(pr.key(0))), ValueError),
    (lambda: pr.normal(pr.split(pr.key(0)), (2,)), ValueError),
    (lambda: pr.fold_in(pr.key(0), pnp.arange(2)), TypeError),
    (lambda: pr.fold_in(pr.key(0), -1), OverflowError),
    (lambda: pr.wrap_key_data(pnp.zeros((3,), pnp.uint32)), TypeError),
    (lambda: pr.wrap_key_data(pnp.zeros((2,), pnp.int32)), TypeError),
    (lambda: pr.normal([0, 0]), TypeError),
    (lambda: pr.key_impl(pnp.zeros(2)), TypeError),
    (lambda: pr.uniform(pr.key(0), (2,), pnp.int32), ValueError),
    (lambda: pr.normal(pr.key(0), (2,), pnp.int32), ValueError),
    (lambda: pr.bits(pr.key(0), (2,), pnp.float32), ValueError),
    (lambda: pr.randint(pr.key(0), (2,), 0, 5, pnp.float32), TypeError),
    (lambda: pr.bernoulli(pr.key(0), 1, (2,)), TypeError),
    (lambda: pr.choice(pr.key(0), 3, (4,), replace=False), ValueError),
    (lambda: pr.choice(pr.key(0), 0, (2,)), ValueError),
    (lambda: pr.choice(pr.key(0), 3, 2), TypeError),
    (lambda: pr.permutation(pr.key(0), 2.5), TypeError),
    (lambda: pr.categorical(pr.key(0), pnp.zeros((2, 3)), shape=(3,)), ValueError),
    (lambda: pr.uniform(pr.key(0), (2,), minval=pnp.zeros(3)), TypeError),
])
def test_errors(call, error):
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    with pytest.raises(error):
      call()


# ------------------------------------------------------------------------------------------------
# split, fold_in, bits


SHAPES = [(), (1,), (5,), (2, 3)]


def test_split_and_fold_in(mode):
  for seed in SEEDS:
    for num in [2, 3, (2, 2), (1,)]:
      p, j = both(lambda k: pr.key_data(pr.split(k, num)),
                  lambda k: jr.key_data(jr.split(k, num)), seed)
      assert_identical(p, j, f"split(key({seed}), {num}): ")
    for data in [0, 1, 77, 2**31 + 3, np.uint32(2**32 - 1), np.int8(-1)]:
      p, j = both(lambda k: pr.key_data(pr.fold_in(k, data)),
                  lambda k: jr.key_data(jr.fold_in(k, data)), seed)
      assert_identical(p, j, f"fold_in(key({seed}), {data!r}): ")


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "uint32"])
def test_bits(mode, dtype):
  for seed in SEEDS:
    for shape in SHAPES + [(3, 1, 2)]:
      p, j = both(lambda k: pr.bits(k, shape, dtype), lambda k: jr.bits(k, shape, dtype), seed)
      assert_identical(p, j, f"bits(key({seed}), {shape}, {dtype}): ")


def test_bits_64(mode):
  with x64():
    for seed in SEEDS:
      for shape in [(), (3,), (2, 3)]:
        p, j = both(lambda k: pr.bits(k, shape), lambda k: jr.bits(k, shape), seed)
        assert p.dtype == np.uint64
        assert_identical(p, j, f"bits(key({seed}), {shape}): ")


def test_bits_batched_keys_match_per_key_streams(mode):
  keys = pr.split(pr.key(5), 3)
  from pyjax._src.random import keys as key_module
  batched = key_module.random_bits(keys, 32, (4,))
  assert batched.shape == (3, 4)
  for i in range(3):
    assert_identical(batched[i], pr.bits(keys[i], (4,)))


# ------------------------------------------------------------------------------------------------
# Bit-identical samplers


# ------------------------------------------------------------------------------------------------
# Oracle values under XLA's default optimization level
#
# tests/conftest.py compiles the oracle without LLVM's optimizations, for speed. That also stops
# XLA's CPU backend from fusing multiplies and adds into FMAs, which JAX users get by default and
# which `uniform` with bounds and `erf_inv` (inside `normal`) depend on, bit for bit. Those cases
# take their oracle values from one subprocess running JAX with its default flags.

_DEFAULT_FLAGS_ORACLE = """
import pickle, sys
import ml_dtypes, numpy as np, jax, jax.numpy as jnp, jax.random as jr
out = {}
for name, (partitionable, enable_x64, expression) in pickle.load(sys.stdin.buffer).items():
  jax.config.update("jax_threefry_partitionable", partitionable)
  jax.config.update("jax_enable_x64", enable_x64)
  out[name] = np.asarray(eval(expression))
pickle.dump(out, sys.stdout.buffer)
"""

UNIFORM_BOUNDS = {"unit": "0., 1.", "shifted": "-0.3, 2.7", "narrow": "5., 5.5",
                  "arrays": "np.linspace(-2, 1, 40).astype(DT), np.linspace(1, 4, 40).astype(DT)"}
UNIFORM_DTYPES = {"f16": "float16", "bf16": "ml_dtypes.bfloat16", "f32": "float32"}
NORMAL_DTYPES = {"f16": "float16", "bf16": "ml_dtypes.bfloat16", "f32": "float32",
                 "c64": "complex64"}


def _default_flags_cases() -> dict:
  cases = {}
  for partitionable in (True, False):
    for seed in SEEDS[:3]:
      for dtype_id, dtype in UNIFORM_DTYPES.items():
        dt = dtype if "." in dtype else repr(dtype)
        for bounds_id, bounds in UNIFORM_BOUNDS.items():
          expression = f"jr.uniform(jr.key({seed}), (3, 40), {dt}, {bounds.replace('DT', dt)})"
          cases[("uniform", partitionable, seed, dtype_id, bounds_id)] = (
              partitionable, False, expression)
      for bounds in ["0., 1.", "-0.3, 2.7", "1e-3, 1e3"]:
        cases[("uniform64", partitionable, seed, bounds)] = (
            partitionable, True, f"jr.uniform(jr.key({seed}), (200,), 'float64', {bounds})")
      for dtype_id, dtype in NORMAL_DTYPES.items():
        dt = dtype if "." in dtype else repr(dtype)
        cases[("normal", partitionable, seed, dtype_id)] = (
            partitionable, False, f"jr.normal(jr.key({seed}), (50, 40), {dt})")
    cases[("normal64", partitionable)] = (partitionable, True, "jr.normal(jr.key(8), (2000,))")
  return cases


@pytest.fixture(scope="module")
def default_oracle():
  flags = " ".join(f for f in os.environ.get("XLA_FLAGS", "").split()
                   if "xla_backend_optimization_level" not in f)
  env = {**os.environ, "XLA_FLAGS": flags}
  proc = subprocess.run([sys.executable, "-c", _DEFAULT_FLAGS_ORACLE],
                        input=pickle.dumps(_default_flags_cases()), capture_output=True, env=env)
  assert proc.returncode == 0, proc.stderr.decode()
  return pickle.loads(proc.stdout)


@pytest.mark.parametrize("dtype_id", list(UNIFORM_DTYPES))
@pytest.mark.parametrize("bounds_id", list(UNIFORM_BOUNDS))
def test_uniform(mode, dtype_id, bounds_id, default_oracle):
  dtype = {"f16": np.float16, "bf16": BF16, "f32": np.float32}[dtype_id]
  minval, maxval = {"unit": (0., 1.), "shifted": (-0.3, 2.7), "narrow": (5., 5.5),
                    "arrays": (np.linspace(-2, 1, 40).astype(dtype),
                               np.linspace(1, 4, 40).astype(dtype))}[bounds_id]
  for seed in SEEDS[:3]:
    expected = default_oracle[("uniform", mode, seed, dtype_id, bounds_id)]
    assert_identical(pr.uniform(pr.key(seed), (3, 40), dtype, minval, maxval), expected,
                     f"uniform(key({seed}), {dtype_id}, {bounds_id}): ")


def test_uniform_float64(mode, default_oracle):
  with x64():
    for seed in SEEDS[:3]:
      for bounds in ["0., 1.", "-0.3, 2.7", "1e-3, 1e3"]:
        minval, maxval = map(float, bounds.split(","))
        expected = default_oracle[("uniform64", mode, seed, bounds)]
        assert_identical(pr.uniform(pr.key(seed), (200,), "float64", minval, maxval), expected,
                         f"uniform float64 (key({seed}), {bounds}): ")


def test_uniform_defaults_and_weak_bounds(mode):
  p, j = both(lambda k: pr.uniform(k), lambda k: jr.uniform(k), 3)
  assert_identical(p, j)
  p, j = both(lambda k: pr.uniform(k, (4,), minval=pnp.float32(2), maxval=3),
              lambda k: jr.uniform(k, (4,), minval=jnp.float32(2), maxval=3), 3)
  assert_identical(p, j)
  assert not pr.uniform(pr.key(0)).weak_type


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "uint16", "int32", "uint32"])
def test_randint(mode, dtype):
  info = np.iinfo(dtype)
  ranges = [(0, 10), (-5, 300), (3, 3), (7, 2), (int(info.min), int(info.max) + 1),
            (int(info.max) - 2, int(info.max) + 5)]
  for seed in SEEDS[:3]:
    for lo, hi in ranges:
      if not all(-2**31 <= v < 2**31 for v in (lo, hi)):
        continue  # Python ints beyond int32 overflow the default int in x32 mode (in JAX too)
      p, j = both(lambda k: pr.randint(k, (30,), lo, hi, dtype),
                  lambda k: jr.randint(k, (30,), lo, hi, dtype), seed)
      assert_identical(p, j, f"randint(key({seed}), {lo}, {hi}, {dtype}): ")


def test_randint_array_bounds_and_x64(mode):
  lo = np.array([0, -4, 9], np.int32)
  p, j = both(lambda k: pr.randint(k, (2, 3), pnp.asarray(lo), 20),
              lambda k: jr.randint(k, (2, 3), jnp.asarray(lo), 20), 1)
  assert_identical(p, j)
  with x64():
    for lo, hi in [(-2**40, 2**50), (0, 2**63 - 1), (-2**63, 2**63 - 1)]:
      p, j = both(lambda k: pr.randint(k, (20,), lo, hi, "int64"),
                  lambda k: jr.randint(k, (20,), lo, hi, "int64"), 2)
      assert_identical(p, j, f"randint int64 {lo} {hi}: ")


@pytest.mark.parametrize("bernoulli_mode", ["low", "high"])
def test_bernoulli(mode, bernoulli_mode):
  for seed in SEEDS[:3]:
    for p_value, shape in [(0.5, (50,)), (0.1, (3, 7)), (np.float32(0.9), (20,)),
                           (np.linspace(0, 1, 6).astype(np.float32), None)]:
      p, j = both(lambda k: pr.bernoulli(k, p_value, shape, bernoulli_mode),
                  lambda k: jr.bernoulli(k, p_value, shape, bernoulli_mode), seed)
      assert_identical(p, j, f"bernoulli(key({seed}), {p_value}, {shape}): ")


def test_permutation(mode):
  x2 = np.arange(12).reshape(3, 4)
  x3 = np.arange(24.).reshape(2, 3, 4)
  cases = [(10, {}), (1, {}), (np.arange(7), {}), (x2, {}), (x2, {"axis": 1}),
           (x2, {"axis": 1, "independent": True}), (x2, {"axis": 0, "independent": True}),
           (x3, {"axis": 2}), (x3, {"axis": -2, "independent": True}), (2000, {})]
  for seed in SEEDS[:3]:
    for x, kwargs in cases:
      p, j = both(lambda k: pr.permutation(k, x if np.ndim(x) == 0 else pnp.asarray(x), **kwargs),
                  lambda k: jr.permutation(k, x if np.ndim(x) == 0 else jnp.asarray(x), **kwargs),
                  seed)
      assert_identical(p, j, f"permutation(key({seed}), {np.shape(x)}, {kwargs}): ")


def test_choice(mode):
  p = np.array([0.1, 0.0, 0.25, 0.4, 0.25], np.float32)
  cases = [(10, (5,), {}), (10, (), {}), (10, (2, 3), {"replace": False}),
           (5, (40,), {"p": p}), (5, (3,), {"replace": False, "p": p}),
           (np.arange(6) * 10, (3,), {"replace": False}),
           (np.arange(12).reshape(3, 4), (2,), {"axis": 1, "replace": False}),
           (7, (0,), {})]
  for seed in SEEDS[:3]:
    for a, shape, kwargs in cases:
      pa = a if np.ndim(a) == 0 else pnp.asarray(a)
      ja = a if np.ndim(a) == 0 else jnp.asarray(a)
      pk = {k: pnp.asarray(v) if k == "p" else v for k, v in kwargs.items()}
      jk = {k: jnp.asarray(v) if k == "p" else v for k, v in kwargs.items()}
      pv, jv = both(lambda k: pr.choice(k, pa, shape, **pk), lambda k: jr.choice(k, ja, shape, **jk),
                    seed)
      assert_identical(pv, jv, f"choice(key({seed}), {np.shape(a)}, {shape}, {kwargs}): ")


def test_choice_from_arrays_with_replacement(mode):
  a = np.arange(12.).reshape(3, 4)
  pv, jv = both(lambda k: pr.choice(k, pnp.asarray(a), (5,), axis=1),
                lambda k: jr.choice(k, jnp.asarray(a), (5,), axis=1), 4)
  assert_identical(pv, jv)


def test_categorical(mode):
  rng = np.random.RandomState(0)
  logits = rng.randn(3, 5).astype(np.float32)
  cases = [(logits[0], {}), (logits[0], {"shape": (40,)}), (logits, {}), (logits, {"axis": 0}),
           (logits, {"shape": (6, 3)}), (logits, {"shape": (2, 3), "replace": False}),
           (logits, {"axis": 0, "shape": (2, 5), "replace": False}),
           (logits[0], {"mode": "high"})]
  for seed in SEEDS[:3]:
    for lg, kwargs in cases:
      pv, jv = both(lambda k: pr.categorical(k, pnp.asarray(lg), **kwargs),
                    lambda k: jr.categorical(k, jnp.asarray(lg), **kwargs), seed)
      assert_identical(pv, jv, f"categorical(key({seed}), {lg.shape}, {kwargs}): ")


# ------------------------------------------------------------------------------------------------
# normal: erf_inv's float32 algorithm matches XLA's up to XLA's own log1p


@pytest.mark.parametrize("dtype_id", list(NORMAL_DTYPES))
def test_normal(mode, dtype_id, default_oracle):
  dtype = {"f16": np.float16, "bf16": BF16, "f32": np.float32, "c64": np.complex64}[dtype_id]
  for seed in SEEDS[:3]:
    p = pr.normal(pr.key(seed), (50, 40), dtype)
    j = default_oracle[("normal", mode, seed, dtype_id)]
    assert p.dtype == j.dtype and p.shape == j.shape and not p.weak_type
    distance = ulp_distance(p, j)
    assert distance.max() <= 3, f"normal {dtype_id} off by {distance.max()} ulp"
    assert (distance == 0).mean() >= 0.98


def test_normal_float64(mode, default_oracle):
  with x64():
    p = pr.normal(pr.key(8), (2000,))
    assert p.dtype == np.float64
    np.testing.assert_allclose(p, default_oracle[("normal64", mode)], rtol=1e-12, atol=1e-15)


def test_shape_argument_forms(mode):
  for shape in [3, (3,), [2, 2], ()]:
    p, j = both(lambda k: pr.normal(k, shape), lambda k: jr.normal(k, shape), 1)
    assert p.shape == j.shape
    assert ulp_distance(p, j).max() <= 3


# ------------------------------------------------------------------------------------------------
# Staged programs


def _jaxpr_texts(fn_p, fn_j, *args_p_j):
  args_p = [a for a, _ in args_p_j]
  args_j = [b for _, b in args_p_j]
  return str(pyjax.make_jaxpr(fn_p)(*args_p)), str(jax.make_jaxpr(fn_j)(*args_j))


@pytest.mark.parametrize("name", ["bits_typed", "bits_raw", "split", "split_shape", "fold_in",
                                  "key_data", "key", "PRNGKey", "index", "clone", "closed_over",
                                  "wrap"])
def test_jaxpr_text(name):
  typed = (pr.key(0), jr.key(0))
  raw = (pr.PRNGKey(0), jr.PRNGKey(0))
  keys = (pr.split(pr.key(0), 3), jr.split(jr.key(0), 3))
  seed = (0, 0)
  closed_p, closed_j = pr.key(1), jr.key(1)
  cases = {
      "bits_typed": (lambda r: lambda k: r.bits(k, (3,)), typed),
      "bits_raw": (lambda r: lambda k: r.bits(k, (3,)), raw),
      "split": (lambda r: lambda k: r.split(k), typed),
      "split_shape": (lambda r: lambda k: r.split(k, (2, 3)), raw),
      "fold_in": (lambda r: lambda k: r.fold_in(k, 3), typed),
      "key_data": (lambda r: lambda k: r.key_data(k), keys),
      "key": (lambda r: lambda s: r.key(s), seed),
      "PRNGKey": (lambda r: lambda s: r.PRNGKey(s), seed),
      "index": (lambda r: lambda k: k[0], keys),
      "clone": (lambda r: lambda k: r.clone(k), typed),
      "wrap": (lambda r: lambda d: r.wrap_key_data(d), raw),
  }
  if name == "closed_over":
    p = str(pyjax.make_jaxpr(lambda: pr.bits(closed_p, (3,)))())
    j = str(jax.make_jaxpr(lambda: jr.bits(closed_j, (3,)))())
  else:
    make, arg = cases[name]
    p, j = _jaxpr_texts(make(pr), make(jr), arg)
  assert p == j


def test_staged_samplers_use_the_random_primitives():
  jaxpr = pyjax.make_jaxpr(lambda k: pr.normal(k, (3,)))(pr.key(0))
  names = [e.primitive.name for e in jaxpr.eqns]
  assert "random_bits" in names and "erf_inv" in names
  out, = core.eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, pr.key(0))
  assert_identical(out, pr.normal(pr.key(0), (3,)))
