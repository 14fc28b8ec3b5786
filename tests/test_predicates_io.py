"""Array predicates (isclose, allclose, array_equal, array_equiv, iscomplex, isreal, iscomplexobj,
isscalar, isdtype, ...) and I/O (save/load, frombuffer, fromstring, from_dlpack, printing) of
`pyjax.numpy` against the oracle (jax 0.10.2); isclose under jit and vmap."""
import io
import warnings

import ml_dtypes
import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp  # noqa: E402

import pyjax  # noqa: E402
import pyjax.numpy as pnp  # noqa: E402

from case_tables import CaseTable  # noqa: E402
from oracle_util import assert_same_outcome, outcome  # noqa: E402

NAN, INF = np.nan, np.inf
F32 = np.array([1.0, 1.00001, -2.0, 0.0, INF, -INF, NAN, 1e-9], np.float32)
F32_OTHER = np.array([1.0, 1.0, -2.00003, 1e-8, INF, INF, NAN, 0.0], np.float32)
F16 = np.array([1.0, 1.001, 2.0, INF], np.float16)
BF16 = np.array([1.0, 1.01, 3.0, NAN], ml_dtypes.bfloat16)
C64 = np.array([1 + 1j, 2 - 0j, NAN + 0j, 0j], np.complex64)
I8 = np.array([[1, 2, 3], [4, -5, 6]], np.int8)
U8 = np.array([0, 1, 7, 255], np.uint8)
B = np.array([True, False, True])


def _cases():
  return {
      "isclose-f32": lambda L: L.np.isclose(F32, F32_OTHER),
      "isclose-f32-equal-nan": lambda L: L.np.isclose(F32, F32_OTHER, equal_nan=True),
      "isclose-f32-tolerances": lambda L: L.np.isclose(F32, F32_OTHER, rtol=0.0, atol=1e-4),
      "isclose-inf-scalar": lambda L: L.np.isclose(F32, INF),
      "isclose-array-rtol": lambda L: L.np.isclose(F32[:3], 1.0, rtol=np.array([0, 1e-4, 2.0])),
      # float16 inputs use float16 tolerances: the default atol rounds to zero.
      "isclose-f16": lambda L: L.np.isclose(F16, np.float16(1.0), rtol=1e-3),
      "isclose-f16-atol": lambda L: L.np.isclose(F16, F16[::-1], atol=1e-8, rtol=0.0),
      "isclose-bf16": lambda L: L.np.isclose(BF16, BF16[::-1], rtol=0.01, equal_nan=True),
      "isclose-c64": lambda L: L.np.isclose(C64, C64 + np.complex64(1e-6j), equal_nan=True),
      "isclose-c64-f32": lambda L: L.np.isclose(C64, F32[:4]),
      # Integers and booleans are compared as floats, with the tolerances.
      "isclose-i8": lambda L: L.np.isclose(I8, 2, rtol=0.6),
      "isclose-i8-u8": lambda L: L.np.isclose(I8[0], U8[:3], atol=1),
      "isclose-bool": lambda L: L.np.isclose(B, True),
      "isclose-weak-scalars": lambda L: L.np.isclose(1.0, 1 + 1e-9),
      "isclose-broadcast": lambda L: L.np.isclose(I8, np.array([1, 2, 6])),
      "allclose-true": lambda L: L.np.allclose(F32[:4], F32[:4] * np.float32(1 + 1e-6)),
      "allclose-false": lambda L: L.np.allclose(F32, F32_OTHER, equal_nan=True),
      "allclose-nan": lambda L: L.np.allclose(np.float32(NAN), NAN, equal_nan=True),
      "allclose-i8": lambda L: L.np.allclose(I8, I8 + 1, atol=1),
      "array_equal-same": lambda L: L.np.array_equal(I8, I8.copy()),
      "array_equal-lists": lambda L: L.np.array_equal([1, 2], [1.0, 2.0]),
      "array_equal-shapes": lambda L: L.np.array_equal(I8, I8[0]),
      "array_equal-nan": lambda L: L.np.array_equal(F32, F32),
      "array_equal-equal-nan": lambda L: L.np.array_equal(F32, F32, equal_nan=True),
      "array_equal-c64-equal-nan": lambda L: L.np.array_equal(C64, C64, equal_nan=True),
      "array_equal-bool": lambda L: L.np.array_equal(B, [1, 0, 1]),
      "array_equiv-broadcast": lambda L: L.np.array_equiv(np.array([I8[1]] * 2), I8[1]),
      "array_equiv-differ": lambda L: L.np.array_equiv(I8, I8[0]),
      "array_equiv-scalar": lambda L: L.np.array_equiv(np.ones((2, 2)), 1),
      "iscomplex-c64": lambda L: L.np.iscomplex(C64),
      "iscomplex-f32": lambda L: L.np.iscomplex(F32),
      "iscomplex-weak": lambda L: L.np.iscomplex(1 + 0j),
      "isreal-c64": lambda L: L.np.isreal(C64),
      "isreal-i8": lambda L: L.np.isreal(I8),
      "isreal-bool": lambda L: L.np.isreal(B),
      "isreal-weak": lambda L: L.np.isreal(2.0),
  }


TABLE = CaseTable(_cases())


@pytest.mark.parametrize("name", list(TABLE))
def test_matches_oracle(name):
  TABLE.check(name)


ERRORS = {
    "isclose-list": lambda np_: np_.isclose([1.0], 1.0),
    "allclose-list": lambda np_: np_.allclose(1.0, [1.0]),
    "isclose-shapes": lambda np_: np_.isclose(F32, F32[:3]),
    "isclose-rtol-shape": lambda np_: np_.isclose(F32[:3], 1.0, rtol=np.ones(2)),
    "array_equal-string": lambda np_: np_.array_equal(I8, "a"),
    # JAX raises where NumPy's array_equiv returns False.
    "array_equiv-shapes": lambda np_: np_.array_equiv(np.ones(2), np.ones(3)),
    "iscomplex-list": lambda np_: np_.iscomplex([1j]),
    "isreal-list": lambda np_: np_.isreal([1.0]),
    "isdtype-unknown-kind": lambda np_: np_.isdtype(np.float32, "floating"),
    "isdtype-bad-kind": lambda np_: np_.isdtype(np.float32, 3),
    "isdtype-bad-kind-in-tuple": lambda np_: np_.isdtype(np.float32, ("bool", 2.5)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_oracle(name):
  p, j = outcome(ERRORS[name], pnp), outcome(ERRORS[name], jnp)
  assert j[0] == "raise" and p[0] == "raise", (p, j)
  assert type(p[1]) is type(j[1]) or type(p[1]).__name__ == type(j[1]).__name__, (p, j)
  assert str(p[1]) == str(j[1])


def test_isclose_jit_and_vmap():
  x, y = pnp.asarray(F32), pnp.asarray(F32_OTHER)
  expected = pnp.isclose(x, y, equal_nan=True)
  jitted = pyjax.jit(pnp.isclose, static_argnames="equal_nan")(x, y, equal_nan=True)
  np.testing.assert_array_equal(jitted, expected)
  # A traced tolerance, one per row.
  rows = pyjax.vmap(lambda a, rtol: pnp.isclose(a, 1.0, rtol=rtol))(
      pnp.asarray(np.stack([F32[:3]] * 2)), pnp.asarray([0.0, 1e-4]))
  np.testing.assert_array_equal(rows, [[True, False, False], [True, True, False]])
  assert bool(pyjax.jit(pnp.allclose)(x[:4], x[:4]))


OBJECTS = [1, 1.5, 1j, True, None, "a", np.float32(1), np.complex64(1), np.int8(1),
           np.array([1j]), np.array(1.0), [1, 2], [1j], (1.0,), np.ones((2, 0))]


@pytest.mark.parametrize("i", range(len(OBJECTS)))
def test_object_predicates(i):
  x = OBJECTS[i]
  for name in ("iscomplexobj", "isrealobj", "isscalar", "iterable"):
    p, j = outcome(getattr(pnp, name), x), outcome(getattr(jnp, name), x)
    assert p[0] == j[0] and (p[1] == j[1] if p[0] == "ok" else type(p[1]) is type(j[1])), (
        name, x, p, j)


def test_object_predicates_of_arrays():
  for make in (lambda m: m.ones(3, m.complex64), lambda m: m.array(2.0), lambda m: m.arange(3),
               lambda m: m.zeros((), m.bfloat16)):
    p, j = make(pnp), make(jnp)
    for name in ("iscomplexobj", "isrealobj", "isscalar"):
      assert getattr(pnp, name)(p) == getattr(jnp, name)(j), (name, j)
    assert pnp.iterable(p) == jnp.iterable(j) or j.ndim == 0  # see the test below
  # A tracer is a scalar when it is 0-d, as JAX's tracers (which are jax.Arrays) are.
  assert pyjax.jit(lambda x: pnp.asarray(pnp.isscalar(x)))(1.0)
  assert not pyjax.jit(lambda x: pnp.asarray(pnp.isscalar(x)))(np.ones(2))


def test_iterable_of_0d_array():
  assert pnp.iterable(pnp.array(2.0)) is jnp.iterable(jnp.array(2.0)) is False


DTYPES = ["bool", "int4", "int8", "uint2", "uint32", "bfloat16", "float8_e4m3fn", "float16",
          "float32", "complex64"]
KINDS = ["bool", "signed integer", "unsigned integer", "integral", "real floating",
         "complex floating", "numeric", ("bool", "complex floating"), ("integral", np.float16),
         np.int8, "float32", ()]


def test_isdtype_matches_oracle():
  for dtype in DTYPES:
    for kind in KINDS:
      expected = jnp.isdtype(getattr(jnp, dtype), kind)
      assert pnp.isdtype(getattr(pnp, dtype), kind) is expected, (dtype, kind)
      assert pnp.isdtype(dtype, kind) is expected, (dtype, kind)
  assert pnp.isdtype(pnp.ones(2).dtype, "real floating")


def test_can_cast():
  for a, b, casting in [("float32", "int32", "safe"), ("int8", "float32", "safe"),
                        ("bfloat16", "float32", "safe"), ("float32", "bfloat16", "same_kind"),
                        ("int32", "int8", "same_kind"), ("float32", "int8", "unsafe"),
                        ("complex64", "float32", "same_kind"), ("int8", "uint8", "equiv")]:
    assert pnp.can_cast(getattr(pnp, a), getattr(pnp, b), casting) == \
        jnp.can_cast(getattr(jnp, a), getattr(jnp, b), casting), (a, b, casting)
  with pytest.raises(ValueError):
    pnp.can_cast(pnp.int8, pnp.int16, "sometimes")


# --------------------------------------------------------------------------------------------
# I/O
# --------------------------------------------------------------------------------------------

def _same(case):
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    assert_same_outcome(outcome(case, pnp), outcome(case, jnp))


SAVED = [np.arange(6, dtype=np.int64).reshape(2, 3), np.array(2.5), np.array([1, 2], np.uint8),
         np.array([1.5, NAN], ml_dtypes.bfloat16), np.array([1 + 2j], np.complex128)]


@pytest.mark.parametrize("i", range(len(SAVED)))
def test_save_load_round_trip(i, tmp_path):
  # Saved by each library from its own Array; loaded as an Array (64-bit values canonicalized,
  # bfloat16 restored from NumPy's 2-byte void).
  def round_trip(m):
    buffer = io.BytesIO()
    m.save(buffer, m.asarray(SAVED[i]))
    buffer.seek(0)
    return m.load(buffer)
  _same(round_trip)
  pnp.save(tmp_path / "x", pnp.asarray(SAVED[i]))  # NumPy adds the .npy suffix
  loaded = pnp.load(tmp_path / "x.npy")
  assert isinstance(loaded, pyjax.Array)
  assert loaded.dtype == pnp.asarray(SAVED[i]).dtype
  np.testing.assert_array_equal(np.asarray(loaded).astype(np.complex128),
                                np.asarray(pnp.asarray(SAVED[i])).astype(np.complex128))


def test_load_keeps_what_is_not_an_array_of_a_jax_dtype():
  for value in (np.array(["a", "b"]), np.ones(2, ml_dtypes.float8_e4m3fn)):  # the latter: V1
    buffer = io.BytesIO()
    np.save(buffer, value)
    buffer.seek(0)
    p = pnp.load(buffer)
    buffer.seek(0)
    j = jnp.load(buffer)
    assert type(p) is type(j) is np.ndarray and p.dtype == j.dtype
  buffer = io.BytesIO()
  pnp.savez(buffer, a=pnp.arange(3), b=pnp.ones(2))
  buffer.seek(0)
  with pnp.load(buffer) as archive:  # an .npz archive of NumPy arrays, as in JAX
    np.testing.assert_array_equal(archive["a"], np.arange(3))
    assert isinstance(archive["b"], np.ndarray)


BUFFER = np.array([0.5, -2.0, 3.0], np.float64).tobytes()

IO_CASES = {
    "frombuffer-default": lambda m: m.frombuffer(BUFFER),
    "frombuffer-count-offset": lambda m: m.frombuffer(BUFFER, dtype=np.float32, count=2,
                                                      offset=4),
    "frombuffer-u8": lambda m: m.frombuffer(b"\x00\x01\xff", dtype=m.uint8),
    "frombuffer-bf16": lambda m: m.frombuffer(BUFFER, dtype=m.bfloat16, count=4),
    "frombuffer-bad-size": lambda m: m.frombuffer(b"\x00\x01\x02", dtype=m.int16),
    "fromstring": lambda m: m.fromstring("1 2 3.5", sep=" "),
    "fromstring-int-count": lambda m: m.fromstring("1,2,3", dtype=int, count=2, sep=","),
    "fromstring-no-sep": lambda m: m.fromstring("1 2"),
    "fromfile": lambda m: m.fromfile("data.bin"),
    "fromiter": lambda m: m.fromiter(iter([1, 2]), dtype=int),
    "from_dlpack-int64": lambda m: m.from_dlpack(np.arange(4)),
    "from_dlpack-0d": lambda m: m.from_dlpack(np.array(2.5)),
    "from_dlpack-c64": lambda m: m.from_dlpack(np.array([1j], np.complex64)),
    "from_dlpack-own-array": lambda m: m.from_dlpack(m.arange(3)),
    "from_dlpack-list": lambda m: m.from_dlpack([1, 2]),
    "from_dlpack-bf16": lambda m: m.from_dlpack(np.ones(2, ml_dtypes.bfloat16)),
}


@pytest.mark.parametrize("name", sorted(IO_CASES))
def test_io_matches_oracle(name):
  _same(IO_CASES[name])


def test_from_dlpack_copies_any_dlpack_object():
  class Tensor:
    """A foreign tensor: only the DLPack protocol."""

    def __init__(self, value):
      self._value = value

    def __dlpack__(self, **kwargs):
      return self._value.__dlpack__(**kwargs)

    def __dlpack_device__(self):
      return self._value.__dlpack_device__()

  source = np.arange(6, dtype=np.float32).reshape(2, 3)
  out = pnp.from_dlpack(Tensor(source))
  assert isinstance(out, pyjax.Array) and out.dtype == np.float32 and not out.weak_type
  source[0, 0] = 100.0  # the Array holds a copy: it stays immutable
  np.testing.assert_array_equal(out, np.arange(6, dtype=np.float32).reshape(2, 3))


def test_print_options():
  x = pnp.asarray([1.23456789, 2.0])
  before = pnp.get_printoptions()
  with pnp.printoptions(precision=2):
    assert repr(x) == "Array([1.23, 2.  ], dtype=float32)"
    assert pnp.get_printoptions()["precision"] == 2
  assert pnp.get_printoptions() == before
  try:
    pnp.set_printoptions(precision=3)
    assert str(x) == "[1.235 2.   ]"
  finally:
    pnp.set_printoptions(**before)
  assert pnp.array_str(x, precision=1) == "[1.2 2. ]"
  assert pnp.array_repr(pnp.arange(3)) == "Array([0, 1, 2], dtype=int32)"
  assert pnp.array_repr(x, precision=1) == jnp.array_repr(jnp.asarray([1.23456789, 2.0]),
                                                          precision=1).replace("ArrayImpl",
                                                                               "Array")
