"""`lax.Precision`, the accuracy requested of matrix products (dot_general and what builds on it),
and the type names of dot arguments. On the CPU every precision computes the same float32
product; the value is kept in the primitive's parameters, as JAX keeps it, so that staged programs
print and compare like JAX's."""
from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Union

from pyjax._src.config import config

__all__ = ["AccuracyMode", "DotDimensionNumbers", "Precision", "PrecisionLike", "Tolerance"]


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

# Dimension numbers of dot_general: ((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch)).
DotDimensionNumbers = tuple[tuple[Sequence[int], Sequence[int]],
                            tuple[Sequence[int], Sequence[int]]]

PrecisionLike = Union[None, str, Precision, tuple[str, str], tuple[Precision, Precision]]

CanonicalPrecision = Union[None, tuple[Precision, Precision]]


def canonicalize_precision(precision: PrecisionLike) -> CanonicalPrecision:
  """The `precision` argument of the dot functions as dot_general's parameter: None, or a pair
  of Precisions (one per operand). None means `jax_default_matmul_precision` when that is set."""
  if precision is None:
    default = config.jax_default_matmul_precision
    if default is None:
      return None
    try:
      return canonicalize_precision(default)
    except ValueError:
      raise ValueError("jax_default_matmul_precision flag must be set to None or a value in "
                       f"{list(_PRECISION_NAMES)}, but got {default}") from None
  if isinstance(precision, str) and precision in _PRECISION_NAMES:
    return Precision(precision), Precision(precision)
  if isinstance(precision, Precision):
    return precision, precision
  if isinstance(precision, (list, tuple)) and len(precision) == 2:
    if all(isinstance(p, Precision) for p in precision):
      if isinstance(precision, list):
        # As in JAX, a list is taken as it is and fails as a primitive parameter.
        raise TypeError("Parameters of jaxpr equations must be hashable; in a call to primitive "
                        "dot_general, the value of parameter precision was not hashable: "
                        f"{precision}. Pass a tuple instead.")
      return precision
    if all(isinstance(p, str) for p in precision):
      first, second = (canonicalize_precision(p)[0] for p in precision)
      return first, second
  raise ValueError("Precision argument must be one of:\n"
                   "- None,\n"
                   f"- a string in {list(_PRECISION_NAMES)},\n"
                   "- a lax.Precision value, or\n"
                   "- a tuple of two lax.Precision values or strings;\n"
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
