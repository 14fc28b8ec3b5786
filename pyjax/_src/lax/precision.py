"""`lax.Precision`, the accuracy requested of matrix products (dot_general and what builds on it),
the dot algorithms (`DotAlgorithm`, `DotAlgorithmPreset`) that name the types a product rounds
its operands to and accumulates in, and the type names of dot arguments. On the CPU every
Precision computes the same float32 product; an algorithm changes the types the CPU computes in
(see `algorithm_compute_types`). The value is kept in the primitive's parameters, as JAX keeps
it, so that staged programs print and compare like JAX's. Also the `accuracy=` of the
transcendental functions (`AccuracyMode`, `Tolerance`), kept in their parameters the same way."""
from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any, NamedTuple, Union

import numpy as np

from pyjax._src import dtypes
from pyjax._src.config import config

__all__ = ["AccuracyMode", "DotAlgorithm", "DotAlgorithmPreset", "DotDimensionNumbers",
           "Precision", "PrecisionLike", "Tolerance"]


class Precision(enum.Enum):
  """Precision of a matrix product: DEFAULT (fastest; aliases 'default', 'fastest', 'bfloat16'),
  HIGH ('high', 'tensorfloat32', 'bfloat16_3x') or HIGHEST ('highest', 'float32'). Accelerators
  trade accuracy for speed with it; float32 products on the CPU are exact float32 for all."""

  DEFAULT = 0
  HIGH = 1
  HIGHEST = 2

  @classmethod
  def _missing_(cls, value):
    # Lets `Precision("highest")` (and `Precision(None)`) name a member by one of its aliases.
    return _PRECISION_NAMES.get(value)

  def __repr__(self) -> str:
    return f"{type(self).__name__}.{self.name}"

  def __str__(self) -> str:
    return self.name


# The names `Precision(...)` accepts, in the order JAX lists them in its error messages.
_PRECISION_NAMES = {"highest": Precision.HIGHEST, "float32": Precision.HIGHEST,
                    "high": Precision.HIGH, "bfloat16_3x": Precision.HIGH,
                    "tensorfloat32": Precision.HIGH, "default": Precision.DEFAULT,
                    "bfloat16": Precision.DEFAULT, "fastest": Precision.DEFAULT,
                    None: Precision.DEFAULT}

class DotAlgorithm(NamedTuple):
  """A dot product algorithm: the types the operands are rounded to (`lhs_precision_type`,
  `rhs_precision_type`), the type the products are summed in (`accumulation_type`), how many
  parts each operand is split into and how many products of parts are taken (algorithms that
  emulate a wider type with narrower ones), and whether part of the accumulation may be done
  in a lower precision. Passed as `precision=` to the dot functions; which algorithms a backend
  runs is up to the backend (the CPU runs none of these; it runs some `DotAlgorithmPreset`s)."""

  lhs_precision_type: Any
  rhs_precision_type: Any
  accumulation_type: Any
  lhs_component_count: int = 1
  rhs_component_count: int = 1
  num_primitive_operations: int = 1
  allow_imprecise_accumulation: bool = False


class DotAlgorithmPreset(enum.Enum):
  """The named dot algorithms, `LHS_RHS_ACCUMULATION` (operand types, then the type the sum is
  kept in); `_X3`/`_X6`/`_X9` emulate float32 with that many bfloat16 (or TF32) products,
  `FAST_ACCUM` allows a less precise accumulation, `ANY_F8` takes any float8 operands, and
  DEFAULT lets the backend choose from the operand and result types. Passed as `precision=`,
  as a member or by its name (`precision="BF16_BF16_F32"`)."""

  DEFAULT = enum.auto()
  ANY_F8_ANY_F8_F32 = enum.auto()
  ANY_F8_ANY_F8_F32_FAST_ACCUM = enum.auto()
  ANY_F8_ANY_F8_ANY = enum.auto()
  ANY_F8_ANY_F8_ANY_FAST_ACCUM = enum.auto()
  F16_F16_F16 = enum.auto()
  F16_F16_F32 = enum.auto()
  BF16_BF16_BF16 = enum.auto()
  BF16_BF16_F32 = enum.auto()
  BF16_BF16_F32_X3 = enum.auto()
  BF16_BF16_F32_X6 = enum.auto()
  BF16_BF16_F32_X9 = enum.auto()
  TF32_TF32_F32 = enum.auto()
  TF32_TF32_F32_X3 = enum.auto()
  F32_F32_F32 = enum.auto()
  F64_F64_F64 = enum.auto()

  def __repr__(self) -> str:
    return f"{type(self).__name__}.{self.name}"

  def __str__(self) -> str:
    return self.name

  @property
  def supported_lhs_types(self) -> tuple | None:
    """The operand types this algorithm computes with as they are (other operands are
    converted to the first); None: any type."""
    return _PRESET_OPERAND_TYPES.get(self.name, (np.float32,))

  @property
  def supported_rhs_types(self) -> tuple | None:
    return self.supported_lhs_types

  @property
  def accumulation_type(self):
    """The type the sum is kept in; None: the result type (or, for ANY_F8 presets, the
    `preferred_element_type`)."""
    return _PRESET_ACCUMULATION_TYPES.get(self.name, np.float32)

  def supported_output_types(self, lhs_dtype, rhs_dtype) -> tuple | None:
    """The result types this algorithm accumulates in directly, given the operand types it
    computes with (other results are accumulated in the first and converted); None: any."""
    name = self.name
    if name in ("ANY_F8_ANY_F8_F32", "ANY_F8_ANY_F8_F32_FAST_ACCUM"):
      return (np.float32, np.float16, dtypes.bfloat16, dtypes.float8_e4m3fn, dtypes.float8_e5m2,
              dtypes.float8_e5m2fnuz, dtypes.float8_e4m3fnuz, dtypes.float8_e4m3b11fnuz)
    narrow = {"F16_F16_F32": np.float16, "BF16_BF16_F32": dtypes.bfloat16}.get(name)
    if narrow is not None:
      both = dtypes.promote_types(lhs_dtype, rhs_dtype)
      return (np.float32, narrow) if both == np.dtype(narrow) else (np.float32,)
    accumulation = self.accumulation_type
    return None if accumulation is None else (accumulation,)


# The presets whose operand types are not (float32,) alone, and whose accumulation type is not
# float32.
_PRESET_OPERAND_TYPES = {
    "DEFAULT": None, "ANY_F8_ANY_F8_F32": None, "ANY_F8_ANY_F8_F32_FAST_ACCUM": None,
    "ANY_F8_ANY_F8_ANY": None, "ANY_F8_ANY_F8_ANY_FAST_ACCUM": None,
    "F16_F16_F16": (np.float16,), "F16_F16_F32": (np.float16,),
    "BF16_BF16_BF16": (dtypes.bfloat16, np.float32), "BF16_BF16_F32": (dtypes.bfloat16, np.float32),
    "F64_F64_F64": (np.float64,)}
_PRESET_ACCUMULATION_TYPES = {
    "DEFAULT": None, "ANY_F8_ANY_F8_ANY": None, "ANY_F8_ANY_F8_ANY_FAST_ACCUM": None,
    "F16_F16_F16": np.float16, "BF16_BF16_BF16": dtypes.bfloat16, "F64_F64_F64": np.float64}

# The algorithms XLA's CPU backend runs; it rejects the others when a program is compiled.
CPU_DOT_ALGORITHMS = (DotAlgorithmPreset.DEFAULT, DotAlgorithmPreset.F16_F16_F16,
                      DotAlgorithmPreset.F32_F32_F32, DotAlgorithmPreset.F64_F64_F64,
                      DotAlgorithmPreset.BF16_BF16_F32, DotAlgorithmPreset.BF16_BF16_F32_X3,
                      DotAlgorithmPreset.BF16_BF16_F32_X6)


def is_dot_algorithm(precision) -> bool:
  """Whether a canonical `precision` parameter names an algorithm (not Precisions)."""
  return isinstance(precision, (DotAlgorithm, DotAlgorithmPreset))


def check_cpu_dot_algorithm(precision) -> None:
  """Raises JAX's ValueError (at compile time there, when the primitive runs here) for an
  algorithm the CPU backend does not run."""
  if is_dot_algorithm(precision) and not (isinstance(precision, DotAlgorithmPreset)
                                          and precision in CPU_DOT_ALGORITHMS):
    supported = ", ".join(p.name for p in CPU_DOT_ALGORITHMS)
    raise ValueError(f"The precision '{precision}' is not supported by dot_general on CPU. "
                     f"The CPU runs the DotAlgorithmPresets {supported} (and no DotAlgorithm "
                     "value); pass one of these, a lax.Precision, or None.")


def algorithm_compute_types(algorithm: DotAlgorithmPreset, lhs_dtype, rhs_dtype,
                            out_dtype) -> tuple:
  """The types a dot with the preset `algorithm` converts its operands to and accumulates in,
  for operands of `lhs_dtype`/`rhs_dtype` and a result of `out_dtype`. An operand of a type the
  preset computes with is kept, any other is converted to the preset's first; likewise the
  result type for the accumulation. (A DotAlgorithm value never gets here: the CPU refuses them
  in `check_cpu_dot_algorithm` first.)"""

  def pick(dtype, supported):
    if supported is None or np.dtype(dtype) in [np.dtype(t) for t in supported]:
      return np.dtype(dtype)
    return np.dtype(supported[0])

  lhs = pick(lhs_dtype, algorithm.supported_lhs_types)
  rhs = pick(rhs_dtype, algorithm.supported_rhs_types)
  return lhs, rhs, pick(out_dtype, algorithm.supported_output_types(lhs, rhs))


# Dimension numbers of dot_general: ((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch)).
DotDimensionNumbers = tuple[tuple[Sequence[int], Sequence[int]],
                            tuple[Sequence[int], Sequence[int]]]

PrecisionLike = Union[None, str, Precision, tuple[str, str], tuple[Precision, Precision],
                      DotAlgorithm, DotAlgorithmPreset]

CanonicalPrecision = Union[None, tuple[Precision, Precision], DotAlgorithm, DotAlgorithmPreset]


def canonicalize_precision(precision: PrecisionLike) -> CanonicalPrecision:
  """The `precision` argument of the dot functions as dot_general's parameter: None, a pair of
  Precisions (one per operand), or an algorithm (a DotAlgorithm, or a DotAlgorithmPreset, also
  given by its name). None means `jax_default_matmul_precision` when that is set."""
  if precision is None:
    default = config.jax_default_matmul_precision
    if default is None:
      return None
    try:
      return canonicalize_precision(default)
    except ValueError:
      raise ValueError("jax_default_matmul_precision flag must be set to None, a value in "
                       f"{list(_PRECISION_NAMES)}, or the name of a lax.DotAlgorithmPreset, "
                       f"but got {default}") from None
  if isinstance(precision, str):
    if precision in _PRECISION_NAMES:
      return Precision(precision), Precision(precision)
    if precision in DotAlgorithmPreset.__members__:
      return DotAlgorithmPreset[precision]
  if isinstance(precision, Precision):
    return precision, precision
  if is_dot_algorithm(precision):
    return precision
  if isinstance(precision, (list, tuple)) and len(precision) == 2:
    if all(isinstance(p, Precision) for p in precision):
      if isinstance(precision, list):
        # As in JAX, a list is taken as it is and fails as a primitive parameter.
        raise TypeError("Parameters of jaxpr equations must be hashable; in a call to primitive "
                        "dot_general, the value of parameter precision was not hashable: "
                        f"{precision}. Pass a tuple instead.")
      return precision
    if all(isinstance(p, str) for p in precision):
      first, second = (canonicalize_precision(p) for p in precision)
      for name, value in zip(precision, (first, second)):
        if isinstance(value, DotAlgorithmPreset):
          # JAX fails here with a TypeError too (it indexes the preset).
          raise TypeError(f"precision={precision!r}: {name!r} names a lax.DotAlgorithmPreset, "
                          "which sets the algorithm of the whole product and cannot be one of a "
                          f"pair; pass precision={name!r} alone, or a pair of Precision names.")
      return first[0], second[0]
  raise ValueError("Precision argument must be one of:\n"
                   "- None,\n"
                   f"- a string in {list(_PRECISION_NAMES)},\n"
                   "- a lax.Precision value,\n"
                   "- a tuple of two lax.Precision values or strings,\n"
                   "- a lax.DotAlgorithmPreset or the name of one of these presets, or\n"
                   "- a lax.DotAlgorithm value;\n"
                   f"but got {precision}.")


class AccuracyMode(enum.Enum):
  """The `accuracy=` of a transcendental lax function (exp, log, sin, tanh, ...): HIGHEST or
  DEFAULT. Kept in the primitive's parameters as JAX keeps it; the CPU results are the same."""
  HIGHEST = 1
  DEFAULT = 2


class Tolerance:
  """The `accuracy=` of a transcendental lax function as error bounds (absolute, relative, units
  in the last place), at most two of which are meant to be set. Compared by identity, as in JAX."""

  def __init__(self, atol: float = 0.0, rtol: float = 0.0, ulps: int = 0):
    if atol < 0 or rtol < 0 or ulps < 0:
      raise ValueError("Tolerances must be non-negative.")
    if atol == 0 and rtol == 0 and ulps == 0:
      raise ValueError("At least one of atol, rtol, or ulps must be set.")
    self.atol = atol
    self.rtol = rtol
    self.ulps = ulps


# The lax functions that take `accuracy=`.
ACCURACY_FUNCTIONS = ("cbrt", "cos", "exp", "exp2", "expm1", "log", "log1p", "logistic", "rsqrt",
                      "sin", "sqrt", "tan", "tanh")


def check_accuracy(accuracy) -> None:
  """Raises JAX's error (when a program runs) for an `accuracy=` that is none of None, an
  AccuracyMode or a Tolerance; the CPU computes the same values for all valid ones."""
  if accuracy is not None and not isinstance(accuracy, (AccuracyMode, Tolerance)):
    raise NotImplementedError(f"Accuracy {accuracy} not supported")
