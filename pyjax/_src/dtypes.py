"""Dtypes, canonicalization under the x64 flag, weak types and JAX's type-promotion lattice.

JAX differs from NumPy in which dtypes exist (bfloat16, float8 variants, int4, ...), in that 64-bit
types are only available when `jax_enable_x64` is on, and in how operands are promoted:

* Python scalars (`int`, `float`, `complex`, but not `bool`) are *weakly typed*: they carry the default
  dtype of their kind but yield to the width of a strongly typed operand (`int8 + 1 -> int8`).
* Promotion is the least upper bound on a small, hand-written lattice (`_STANDARD_EDGES` below) rather
  than NumPy's value-based/"safe cast" table, so that e.g. `bfloat16 + int32 -> bfloat16`.
"""
from __future__ import annotations

import functools
import warnings
from typing import Any

import ml_dtypes
import numpy as np

from pyjax._src.config import config

# ---------------------------------------------------------------------------------------------------
# Dtype objects
# ---------------------------------------------------------------------------------------------------

# Scalar types, as exposed by jax.numpy / jax.dtypes (all provided by ml_dtypes).
bfloat16 = ml_dtypes.bfloat16
float8_e3m4 = ml_dtypes.float8_e3m4
float8_e4m3 = ml_dtypes.float8_e4m3
float8_e8m0fnu = ml_dtypes.float8_e8m0fnu
float8_e4m3b11fnuz = ml_dtypes.float8_e4m3b11fnuz
float8_e4m3fn = ml_dtypes.float8_e4m3fn
float8_e4m3fnuz = ml_dtypes.float8_e4m3fnuz
float8_e5m2 = ml_dtypes.float8_e5m2
float8_e5m2fnuz = ml_dtypes.float8_e5m2fnuz
float6_e2m3fn = ml_dtypes.float6_e2m3fn
float6_e3m2fn = ml_dtypes.float6_e3m2fn
float4_e2m1fn = ml_dtypes.float4_e2m1fn
int1 = ml_dtypes.int1
uint1 = ml_dtypes.uint1
int2 = ml_dtypes.int2
uint2 = ml_dtypes.uint2
int4 = ml_dtypes.int4
uint4 = ml_dtypes.uint4

# The dtype of tangents of integer and boolean primals: a zero-size structured void type.
float0 = np.dtype([("float0", np.void, 0)])

bool_ = np.bool_

# Short names for the dtypes (as in jaxprs), used by the defaults and the lattice below.
_b1 = np.dtype(bool)
_u1, _u2, _u4, _u8, _u16, _u32, _u64 = map(np.dtype, [uint1, uint2, uint4, "uint8", "uint16",
                                                      "uint32", "uint64"])
_i1, _i2, _i4, _i8, _i16, _i32, _i64 = map(np.dtype, [int1, int2, int4, "int8", "int16", "int32",
                                                      "int64"])
_bf16, _f16, _f32, _f64 = map(np.dtype, [bfloat16, "float16", "float32", "float64"])
_c64, _c128 = np.dtype("complex64"), np.dtype("complex128")

_FLOAT8 = frozenset(np.dtype(t) for t in (
    float8_e3m4, float8_e4m3, float8_e8m0fnu, float8_e4m3b11fnuz, float8_e4m3fn, float8_e4m3fnuz,
    float8_e5m2, float8_e5m2fnuz))
_FLOAT6 = frozenset(np.dtype(t) for t in (float6_e2m3fn, float6_e3m2fn))
_FLOAT4 = frozenset({np.dtype(float4_e2m1fn)})
_SMALL_FLOATS = _FLOAT4 | _FLOAT6 | _FLOAT8        # no implicit promotion to or from these
_CUSTOM_FLOATS = _SMALL_FLOATS | {np.dtype(bfloat16)}  # floats NumPy does not know as np.floating
_CUSTOM_FLOAT_TYPES = frozenset(d.type for d in _CUSTOM_FLOATS)
_SIGNED_INTN_TYPES = frozenset({int1, int2, int4})
_UNSIGNED_INTN_TYPES = frozenset({uint1, uint2, uint4})
_INTN = frozenset(np.dtype(t) for t in _SIGNED_INTN_TYPES | _UNSIGNED_INTN_TYPES)

_BOOL_DTYPES = [_b1]
_INT_DTYPES = [_u1, _u2, _u4, _u8, _u16, _u32, _u64, _i1, _i2, _i4, _i8, _i16, _i32, _i64]
_FLOAT_DTYPES = [*sorted(_CUSTOM_FLOATS, key=lambda d: d.name), _f16, _f32, _f64]
_COMPLEX_DTYPES = [_c64, _c128]
_NUMERIC_DTYPES = _BOOL_DTYPES + _INT_DTYPES + _FLOAT_DTYPES + _COMPLEX_DTYPES

# Every dtype a pyjax array may have.
_VALID_DTYPES = frozenset([*_NUMERIC_DTYPES, float0, np.dtypes.StringDType()])

_TO_32BIT = {_i64: _i32, _u64: _u32, _f64: _f32, _c128: _c64}

# ---------------------------------------------------------------------------------------------------
# Extended dtypes (PRNG keys, ...)
# ---------------------------------------------------------------------------------------------------


class extended(np.generic):
  """Abstract scalar category of extended (non-NumPy) dtypes, for `issubdtype(dt, extended)`.

  Never instantiated. An extended dtype is an object whose type has `_is_extended_dtype = True`
  and whose `.type` attribute is a subclass of this class.
  """


class prng_key(extended):
  """Abstract scalar category of typed PRNG key dtypes."""


def _is_extended(x: Any) -> bool:
  return getattr(type(x), "_is_extended_dtype", False) is True


# The eager value of an array of an extended dtype is a NumPy array of a structured *storage*
# dtype, one storage element per array element (so NumPy's indexing, reshaping, concatenation...
# apply to it unchanged). Avals and arrays built from such a value report the extended dtype.
_EXTENDED_BY_STORAGE: dict = {}


def register_extended_storage(extended_dtype: Any, storage: np.dtype) -> None:
  """Declare `storage` (a structured NumPy dtype) as the eager representation of
  `extended_dtype`."""
  _EXTENDED_BY_STORAGE[storage] = extended_dtype


def logical_dtype(dt: np.dtype) -> Any:
  """The dtype of an array whose NumPy value has dtype `dt`: the extended dtype `dt` stores,
  else `dt` itself."""
  return _EXTENDED_BY_STORAGE.get(dt, dt) if dt.kind == "V" else dt


# ---------------------------------------------------------------------------------------------------
# Defaults and canonicalization
# ---------------------------------------------------------------------------------------------------



def default_int_dtype() -> np.dtype:
  return _i64 if config.jax_enable_x64 else _i32


def default_uint_dtype() -> np.dtype:
  return _u64 if config.jax_enable_x64 else _u32


def default_float_dtype() -> np.dtype:
  return _f64 if config.jax_enable_x64 else _f32


def default_complex_dtype() -> np.dtype:
  return _c128 if config.jax_enable_x64 else _c64


# Python scalar type -> its default dtype (weak for int/float/complex, strong for bool).
_PYTHON_SCALAR_DEFAULTS = {
    bool: lambda: _b1,
    int: default_int_dtype,
    float: default_float_dtype,
    complex: default_complex_dtype,
}
_WEAK_PYTHON_TYPES = (int, float, complex)


@functools.lru_cache(maxsize=512)
def _canonicalize_cached(x64: bool, dtype: Any) -> np.dtype:
  return _canonicalize(x64, dtype)


def _canonicalize(x64: bool, dtype: Any) -> np.dtype:
  if isinstance(dtype, type) and dtype in _PYTHON_SCALAR_DEFAULTS:
    dtype = {bool: _b1, int: _i64, float: _f64, complex: _c128}[dtype]
  dt = np.dtype(dtype)  # TypeError "data type ... not understood" for junk, as in JAX
  return dt if x64 else _TO_32BIT.get(dt, dt)


def canonicalize_dtype(dtype: Any) -> np.dtype:
  """The dtype pyjax uses for `dtype`: with x64 off, 64-bit types become their 32-bit versions.

  Accepts anything `np.dtype` accepts, plus the Python types `bool`, `int`, `float`, `complex`
  (which give the default dtype of their kind). Extended dtypes are returned unchanged.
  """
  if _is_extended(dtype):
    return dtype
  try:
    hash(dtype)
  except TypeError:  # unhashable dtype specs (e.g. a list of fields) bypass the cache
    return _canonicalize(config.jax_enable_x64, dtype)
  return _canonicalize_cached(config.jax_enable_x64, dtype)


def _canonicalize_explicit(dt: np.dtype, fun_name: str) -> np.dtype:
  """Canonicalizes a dtype the user asked for by name; warns when that drops 64-bit precision."""
  if config.jax_enable_x64:
    return dt
  narrow = _TO_32BIT.get(dt)
  if narrow is None:
    return dt
  mode = str(getattr(config, "jax_explicit_x64_dtypes", "warn")).lower()
  if mode == "allow":
    return dt
  where = f" requested in {fun_name}" if fun_name else ""
  if mode == "error":
    raise ValueError(
        f"Explicitly requested dtype {dt}{where} is not available. To enable more dtypes, set the "
        "jax_enable_x64 or allow_explicit_x64_dtypes configuration options. "
        "See https://github.com/jax-ml/jax#current-gotchas for more.")
  warnings.warn(
      f"Explicitly requested dtype {dt}{where} is not available, and will be truncated to dtype "
      f"{narrow.name}. To enable more dtypes, set the jax_enable_x64 configuration option or the "
      "JAX_ENABLE_X64 shell environment variable. "
      "See https://github.com/jax-ml/jax#current-gotchas for more.", stacklevel=4)
  return narrow


def check_valid_dtype(dt: Any) -> None:
  """Raises TypeError unless `dt` is a dtype a pyjax array may have."""
  if dt not in _VALID_DTYPES and not _is_extended(dt):
    raise TypeError(f"Dtype {dt} is not a valid JAX array type. Only arrays of numeric types are "
                    "supported by JAX.")


def check_user_dtype_supported(dtype: Any, fun_name: str | None = None) -> np.dtype:
  """Validates a `dtype=` argument given by the user and returns its canonical form.

  Python scalar types give their default dtype silently; an explicit 64-bit dtype with x64 off
  is truncated to 32 bits with a UserWarning (as JAX does).
  """
  if dtype is None:
    raise ValueError("dtype must be specified.")
  if _is_extended(dtype):
    return dtype
  if (not isinstance(dtype, (type, np.dtype, str)) and hasattr(dtype, "dtype")
      and hasattr(dtype, "shape") and not isinstance(dtype, np.generic)):
    raise ValueError("Passing an array as a dtype argument is no longer supported; instead of "
                     "dtype=arr use dtype=arr.dtype.")
  if isinstance(dtype, type) and dtype in _PYTHON_SCALAR_DEFAULTS:
    return _PYTHON_SCALAR_DEFAULTS[dtype]()
  dt = np.dtype(dtype)
  if dt not in _VALID_DTYPES:
    where = f" in {fun_name}" if fun_name else ""
    raise TypeError(f"JAX only supports number, bool, and string dtypes, got dtype {dtype}{where}")
  return _canonicalize_explicit(dt, fun_name or "")


# ---------------------------------------------------------------------------------------------------
# Dtype of a value; weak types; Python scalars
# ---------------------------------------------------------------------------------------------------


def is_weakly_typed(x: Any) -> bool:
  """True for Python int/float/complex values and for arrays/tracers/avals marked weak."""
  if type(x) in _WEAK_PYTHON_TYPES:
    return True
  weak = getattr(x, "weak_type", None)
  if weak is None:
    weak = getattr(getattr(x, "aval", None), "weak_type", False)
  return bool(weak)


def python_scalar_dtype(x: Any) -> np.dtype:
  """The default dtype of a Python scalar value (bool -> bool, int -> default int, ...)."""
  default = _PYTHON_SCALAR_DEFAULTS.get(type(x))
  if default is None:
    raise TypeError(f"Expected a Python scalar (bool, int, float or complex), got {type(x)}")
  return default()


def is_python_scalar(x: Any) -> bool:
  return type(x) in _PYTHON_SCALAR_DEFAULTS


def coerce_python_scalar(x: Any, dtype: Any = None) -> np.ndarray:
  """A Python scalar as a 0-d NumPy array of `dtype` (default: the scalar's default dtype).

  This follows what JAX does with a weakly typed literal in an operation such as
  `int8_array + 300`: the value is first represented in the default dtype of its kind -- a Python
  int outside the default int's range raises `OverflowError("Python int ... too large to convert
  to int32")`, whatever `dtype` is -- and that value is then cast to `dtype` as `astype` would
  (so 300 wraps to 44 in int8, and 1e10 becomes inf in float16).
  """
  default = python_scalar_dtype(x)
  if type(x) is int:
    lo, hi = _INT_RANGES[default]
    if not lo <= x <= hi:
      raise OverflowError(f"Python int {x} too large to convert to {default}")
  with np.errstate(over="ignore", invalid="ignore"):
    value = np.asarray(x, default)
    if dtype is None:
      return value
    if isinstance(dtype, type) and dtype in _PYTHON_SCALAR_DEFAULTS:
      dtype = _PYTHON_SCALAR_DEFAULTS[dtype]()
    return value.astype(dtype)


_INT_RANGES = {d: (int(np.iinfo(d).min), int(np.iinfo(d).max)) for d in (_i32, _i64)}


def _is_numpy_value(x: Any) -> bool:
  return isinstance(x, (np.ndarray, np.generic))


def dtype(x: Any, canonicalize: bool = False) -> np.dtype:
  """The dtype of a value, array, scalar type or dtype-like.

  * Python scalar types and values give the default dtype of their kind (x64-aware).
  * pyjax arrays, tracers and avals (non-NumPy objects with a `.dtype`) give their dtype as is:
    an array formed under x64 keeps its 64-bit dtype after x64 is turned off.
  * NumPy dtypes, scalar types, dtype strings, arrays and scalars give their NumPy dtype; with
    `canonicalize=True` it is canonicalized as `jax.dtypes.dtype` does (a dtype named explicitly,
    e.g. `np.float64`, warns when truncated; a NumPy array or scalar is truncated silently).

  Raises TypeError for dtypes pyjax arrays cannot have (strings, objects, ...).
  """
  if x is None:
    raise ValueError(f"Invalid argument to dtype: {x}.")
  if isinstance(x, type):
    default = _PYTHON_SCALAR_DEFAULTS.get(x)
    if default is not None:
      return default()
    if issubclass(x, np.generic):
      dt = np.dtype(x)
      return _canonicalize_explicit(dt, "dtype") if canonicalize else dt
  else:
    default = _PYTHON_SCALAR_DEFAULTS.get(type(x))
    if default is not None:
      return default()
  if _is_extended(x):
    return x
  if isinstance(x, (str, np.dtype)):
    dt = np.dtype(x)
    if dt not in _VALID_DTYPES:
      raise TypeError(f"Value '{x}' with dtype {dt} is not a valid JAX array type. Only arrays of "
                      "numeric types are supported by JAX.")
    return _canonicalize_explicit(dt, "dtype") if canonicalize else dt
  dt = getattr(x, "dtype", None)
  if _is_extended(dt):
    return dt
  if isinstance(dt, np.dtype) and not _is_numpy_value(x):
    return dt  # a pyjax array / tracer / aval: its dtype is already what the user chose
  if not isinstance(dt, np.dtype):
    try:
      dt = np.result_type(x)
    except TypeError as err:
      raise TypeError(f"Cannot determine dtype of {x}") from err
  if dt not in _VALID_DTYPES:
    raise TypeError(f"Value '{x}' with dtype {dt} is not a valid JAX array type. Only arrays of "
                    "numeric types are supported by JAX.")
  return canonicalize_dtype(dt) if canonicalize else dt


# ---------------------------------------------------------------------------------------------------
# The promotion lattice
# ---------------------------------------------------------------------------------------------------
# Nodes are np.dtype objects plus the Python types int, float, complex, which stand for *weak*
# ints, floats and complexes. Each edge goes from a type to the types immediately above it.

_small_floats = sorted(_SMALL_FLOATS, key=lambda d: d.name)

_STANDARD_EDGES: dict[Any, list[Any]] = {
    _b1: [int],
    int: [_u8, _i8, _u1, _u2, _u4, _i1, _i2, _i4],
    _u8: [_u16, _i16], _u16: [_u32, _i32], _u32: [_u64, _i64], _u64: [float],
    _i8: [_i16], _i16: [_i32], _i32: [_i64], _i64: [float],
    float: [_bf16, _f16, *_small_floats, complex],
    _bf16: [_f32], _f16: [_f32], _f32: [_f64, _c64], _f64: [_c128],
    complex: [_c64], _c64: [_c128], _c128: [],
    # Sub-byte ints and small floats promote with nothing but themselves (and weak types).
    _u1: [], _u2: [], _u4: [], _i1: [], _i2: [], _i4: [],
    **{f: [] for f in _small_floats},
}

# With x64 off, the lattice must not form a 64-bit type from 32-bit inputs. The only place it
# would is u32 x i32 -> i64, so there u32 sits below i32 instead.
_STANDARD_X32_EDGES = {**_STANDARD_EDGES, _u32: [_u64, _i32]}

# 'strict' mode: only weak types promote (to any strong type of their kind or above).
_STRICT_EDGES: dict[Any, list[Any]] = {
    int: [float, *_INT_DTYPES],
    float: [complex, *_FLOAT_DTYPES],
    complex: list(_COMPLEX_DTYPES),
    **{t: [] for t in _NUMERIC_DTYPES},
}


def _upper_bounds(edges: dict[Any, list[Any]]) -> dict[Any, frozenset]:
  """UB(n) = every node reachable from n along the edges, n included (reflexive-transitive)."""
  ubs: dict[Any, frozenset] = {}

  def visit(n):
    if n not in ubs:
      ubs[n] = frozenset({n}).union(*(visit(m) for m in edges[n]))
    return ubs[n]

  for n in edges:
    visit(n)
  return ubs


_UPPER_BOUNDS = {
    ("standard", True): _upper_bounds(_STANDARD_EDGES),
    ("standard", False): _upper_bounds(_STANDARD_X32_EDGES),
    ("strict", True): _upper_bounds(_STRICT_EDGES),
    ("strict", False): _upper_bounds(_STRICT_EDGES),
}


class TypePromotionError(ValueError, TypeError):
  """No implicit promotion exists between the given types (a ValueError in JAX; also a TypeError)."""


@functools.lru_cache(maxsize=1024)
def _least_upper_bound(mode: str, x64: bool, *nodes) -> Any:
  """The least upper bound of `nodes` on the lattice selected by (mode, x64).

  With UB(n) the upper bounds of n, the common upper bounds of a set N are
  CUB(N) = ∩_{n ∈ N} UB(n), and the least upper bound is the c ∈ CUB(N) lying below every other
  common bound, i.e. with CUB(N) ⊆ UB(c). In a lattice it is unique; when CUB(N) is empty the
  types have no promotion path.
  """
  try:
    ubs = _UPPER_BOUNDS[(mode, x64)]
  except KeyError:
    raise ValueError(f"Unexpected value of jax_numpy_dtype_promotion={mode!r}") from None
  try:
    bounds = [ubs[n] for n in nodes]
  except KeyError:
    bad = next(n for n in nodes if n not in ubs)
    raise ValueError(f"dtype={bad!r} is not a valid dtype for JAX type promotion.") from None
  common = frozenset.intersection(*bounds)
  least = [c for c in common if common <= ubs[c]]
  if len(least) == 1:
    return least[0]
  names = tuple(str(n) for n in nodes)
  prefix = f"Input dtypes {names} have no available implicit dtype promotion path"
  cast_hint = "If you'd like your inputs to be promoted to another type, you can do so explicitly"
  if len(least) > 1:
    raise TypePromotionError(f"Internal type promotion error: {names} have no unique least upper "
                             f"bound; candidates are {least}.")
  if mode == "strict":
    msg = (f"{prefix} when jax_numpy_dtype_promotion=strict. Try explicitly casting inputs to the "
           "desired output type, or set jax_numpy_dtype_promotion=standard.")
  else:
    msg = f"{prefix}. Try explicitly casting inputs to the desired output type."
    for family, what, example in ((_FLOAT8, "8-bit floats", "float32"),
                                  (_FLOAT6, "6-bit floats", "float32"),
                                  (_FLOAT4, "4-bit floats", "float32"),
                                  (_INTN, "1-bit, 2-bit and 4-bit integers", "int32")):
      if any(n in family for n in nodes):
        msg = (f"{prefix}. To avoid unintended promotion, {what} do not support implicit "
               f"promotion. {cast_hint} using e.g. x.astype('{example}')")
        break
  raise TypePromotionError(msg)


def _lattice_node(dt: np.dtype, weak: bool):
  """The lattice node of a (dtype, weak) pair: weak values sit at the Python type of their kind."""
  if not weak or dt == _b1:
    return dt
  if dt in _CUSTOM_FLOATS or dt.kind == "f":
    return float
  if dt.kind == "c":
    return complex
  if dt.kind in "iu" or dt in _INTN:
    return int
  return dt


_NOT_ARRAY_TYPES = (np.ndarray, np.generic, type)


def _dtype_and_weak(x: Any) -> tuple[np.dtype, bool]:
  default = _PYTHON_SCALAR_DEFAULTS.get(type(x))
  if default is not None:  # a Python scalar value
    return default(), type(x) is not bool
  dt = getattr(x, "dtype", None)
  if isinstance(dt, np.dtype) and not isinstance(x, _NOT_ARRAY_TYPES):
    return dt, is_weakly_typed(x)  # a pyjax array, tracer or aval (the hot path)
  return dtype(x, canonicalize=True), (x is int or x is float or x is complex
                                       or is_weakly_typed(x))


def _lub_dtype(lub: Any) -> np.dtype:
  """The dtype of a lattice node: Python types give their default dtype; with x64 off a 64-bit
  result (reachable only from 64-bit arrays) is truncated with JAX's warning."""
  default = _PYTHON_SCALAR_DEFAULTS.get(lub) if isinstance(lub, type) else None
  if default is not None:
    return default()
  if config.jax_enable_x64 or lub not in _TO_32BIT:
    return lub
  return _canonicalize_explicit(lub, "dtype")


def lattice_result_type(*args: Any) -> tuple[np.dtype, bool]:
  """(dtype, weak_type) of the result of promoting `args` together, as JAX computes it.

  Args may be dtypes, Python scalar types (int/float/complex stand for weak types), Python
  scalars, NumPy arrays and scalars (strong), or pyjax arrays/tracers/avals (`.dtype`,
  `.weak_type`).
  """
  if len(args) == 2:  # the hot path: binary ops
    (d0, w0), (d1, w1) = pairs = (_dtype_and_weak(args[0]), _dtype_and_weak(args[1]))
    all_weak = w0 and w1
    if (d0 is d1 or d0 == d1) and not all_weak:
      return d0, False  # equal dtypes, one of them strong: nothing to promote
  else:
    pairs = [_dtype_and_weak(a) for a in args]
    first, first_weak = pairs[0]
    if len(pairs) == 1:
      return first, first_weak and first != _b1
    all_weak = all([w for _, w in pairs])
    if not all_weak and len({d for d, _ in pairs}) == 1:
      # Equal dtypes, not all weak: the common case; also lets extended dtypes through.
      return first, False
  mode, x64 = config.jax_numpy_dtype_promotion, config.jax_enable_x64
  if all_weak and mode != "strict":
    # Promote the strong counterparts and mark the result weak (so that, e.g., weak int16 values
    # do not climb to the default int).
    lub = _least_upper_bound(mode, x64, *{d for d, _ in pairs})
    weak = True
  else:
    lub = _least_upper_bound(mode, x64, *{_lattice_node(d, w) for d, w in pairs})
    weak = lub is int or lub is float or lub is complex
  out = _lub_dtype(lub)
  return out, weak and out != _b1


def result_type(*args: Any, return_weak_type_flag: bool = False):
  """The dtype JAX promotes `args` to (`None` counts as the default float dtype).

  A weak result is replaced by the default dtype of its kind; with `return_weak_type_flag=True`
  returns `(dtype, weak_type)`.
  """
  if not args:
    raise ValueError("at least one array or dtype is required")
  out, weak = lattice_result_type(*(default_float_dtype() if a is None else a for a in args))
  if weak:
    if out in _CUSTOM_FLOATS or out.kind == "f":
      out = default_float_dtype()
    elif out.kind == "c":
      out = default_complex_dtype()
    elif out.kind == "u" or out.type in _UNSIGNED_INTN_TYPES:
      out = default_uint_dtype()
    elif out.kind == "i" or out.type in _SIGNED_INTN_TYPES:
      out = default_int_dtype()
  return (out, weak) if return_weak_type_flag else out


def promote_types(a: Any, b: Any) -> np.dtype:
  """Like `jax.numpy.promote_types`: promotion of two dtype-likes on the lattice.

  The Python types `int`, `float`, `complex` count as weak; everything else is converted with
  `np.dtype` and is strong. The result is not canonicalized (`promote_types(int, int)` is int64),
  but with x64 off the x32 lattice is used (`uint32, int32 -> int32`).
  """
  def node(t):
    return t if (t is int or t is float or t is complex) else np.dtype(t)
  lub = _least_upper_bound(config.jax_numpy_dtype_promotion, config.jax_enable_x64,
                           node(a), node(b))
  return np.dtype(lub)


# ---------------------------------------------------------------------------------------------------
# Dtype categories and numeric limits
# ---------------------------------------------------------------------------------------------------


def _scalar_type(t: Any) -> type:
  if isinstance(t, type) and issubclass(t, np.generic):
    return t
  return np.dtype(t).type


def issubdtype(a: Any, b: Any) -> bool:
  """Like `np.issubdtype`, but knows that bfloat16/float8 are floating, int4 signed, etc.,
  and handles extended dtypes (`issubdtype(key_dtype, extended)`)."""
  if isinstance(b, type) and issubclass(b, extended):
    if _is_extended(a):
      return issubclass(getattr(a, "type", extended), b)
    if isinstance(a, type) and issubclass(a, np.generic):
      return issubclass(a, b)
    return False
  if _is_extended(b):
    return _is_extended(a) and a == b
  if _is_extended(a):
    a = getattr(a, "type", extended)
  return _issubdtype_scalar(_scalar_type(a), _scalar_type(b))


@functools.lru_cache(maxsize=512)
def _issubdtype_scalar(a: type, b: type) -> bool:
  if a in _CUSTOM_FLOAT_TYPES:
    return b in (a, np.floating, np.inexact, np.number, np.generic)
  if a in _SIGNED_INTN_TYPES:
    return b in (a, np.signedinteger, np.integer, np.number, np.generic)
  if a in _UNSIGNED_INTN_TYPES:
    return b in (a, np.unsignedinteger, np.integer, np.number, np.generic)
  return bool(np.issubdtype(a, b))


def _info_arg(x: Any) -> Any:
  if not isinstance(x, (type, np.dtype, str)) and isinstance(getattr(x, "dtype", None), np.dtype):
    return x.dtype
  return x


def finfo(dt: Any):
  """Machine limits of a floating (or complex) dtype, including bfloat16 and the float8 types.

  Python `float` means float64, as in NumPy.
  """
  return ml_dtypes.finfo(_info_arg(dt))


def iinfo(dt: Any):
  """Machine limits of an integer dtype, including int4/uint4 and the other sub-byte ints."""
  return ml_dtypes.iinfo(_info_arg(dt))


# ---------------------------------------------------------------------------------------------------
# Printing
# ---------------------------------------------------------------------------------------------------

_SHORT_PREFIXES = (("complex", "c"), ("bfloat", "bf"), ("float", "f"), ("uint", "u"), ("int", "i"))


@functools.lru_cache(maxsize=None)
def short_dtype_name(dt: Any) -> str:
  """The dtype name used in jaxprs: f32, bf16, u8, c64, f8_e4m3fn, bool, float0."""
  if _is_extended(dt):
    return str(dt)
  dt = np.dtype(dt)
  if dt == float0:
    return "float0"
  name = dt.name
  for long, short in _SHORT_PREFIXES:
    if name.startswith(long):
      return short + name[len(long):]
  return name
