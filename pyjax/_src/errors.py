"""pyjax's error classes: the same names, bases and message style as JAX's `jax.errors`.

Each message says what happened, where it came from in the user's program, and how to fix it,
and ends with a link to the matching entry of JAX's error reference.
"""
from __future__ import annotations

_DOCS = "https://docs.jax.dev/en/latest/errors.html#jax.errors."


class _ErrorWithLink:
  def __init__(self, message: str):
    super().__init__(f"{message}\nSee {_DOCS}{type(self).__name__}")


class JAXTypeError(_ErrorWithLink, TypeError):
  """Base of the tracer errors: a traced value was used where Python needed a concrete one."""


class JAXIndexError(_ErrorWithLink, IndexError):
  """An index that cannot be used with an array (for example out of bounds for a static size)."""


class JaxRuntimeError(RuntimeError):
  """An error raised while running a program (not while tracing it)."""


class JaxprTypeError(TypeError):
  """A jaxpr failed type checking: an equation's inputs or outputs disagree with its primitive."""


class InconclusiveDimensionOperation(Exception):
  """A shape computation could not be decided (symbolic shapes; not used by pyjax yet)."""


class KeyReuseError(JAXTypeError):
  """A PRNG key was used twice (raised only when key-reuse checking is enabled)."""


def _shape_str(tracer) -> str:
  return tracer.aval.str_short(short_dtypes=False)


class ConcretizationTypeError(JAXTypeError):
  """A traced value was used where a concrete Python value is needed.

  Typical causes: Python control flow (`if`, `while`) on a traced value inside `jit`, or
  passing a traced value as a shape. Fixes: mark the argument static (`static_argnums`), use
  `lax.cond`/`lax.while_loop`/`jnp.where`, or compute the value outside the traced function.
  """

  def __init__(self, tracer, context: str = ""):
    super().__init__("Abstract tracer value encountered where concrete value is expected: "
                     f"traced array with shape {_shape_str(tracer)}\n{context}"
                     f"{tracer._origin_msg()}\n")


class NonConcreteBooleanIndexError(JAXIndexError):
  """A boolean mask was used as an index inside a traced function (the result shape would depend
  on the data). Use `jnp.where(mask, x, fill)` or the `size=` argument of `jnp.nonzero` instead."""

  def __init__(self, tracer):
    super().__init__(
        "Array boolean indices must be concrete; got "
        f"{tracer.aval.str_short(short_dtypes=False)}\n")


class TracerArrayConversionError(JAXTypeError):
  """`numpy.asarray` (or another NumPy function) was called on a traced value.

  Inside a transformed function use `pyjax.numpy` functions instead of `numpy` ones, or use
  `pyjax.pure_callback` to call NumPy code on concrete values.
  """

  def __init__(self, tracer):
    super().__init__("The numpy.ndarray conversion method __array__() was called on traced array "
                     f"with shape {_shape_str(tracer)}{tracer._origin_msg()}")


class TracerIntegerConversionError(JAXTypeError):
  """A traced value was used as a Python integer (an index, `range(x)`, `hex(x)`...).

  Mark the argument static, or use the array itself as an index (`x[i]` works with a traced `i`).
  """

  def __init__(self, tracer):
    super().__init__("The __index__() method was called on traced array with shape "
                     f"{_shape_str(tracer)}{tracer._origin_msg()}")


class TracerBoolConversionError(ConcretizationTypeError):
  """A traced value was used as a Python bool (`if x > 0:` inside `jit`).

  Use `lax.cond`, `jnp.where` or `lax.select`, or mark the argument static.
  """

  def __init__(self, tracer):
    JAXTypeError.__init__(self, "Attempted boolean conversion of traced array with shape "
                          f"{_shape_str(tracer)}.{tracer._origin_msg()}")


class UnexpectedTracerError(JAXTypeError):
  """A tracer escaped the transformation that created it (for example it was stored in a global or
  a list by a function being traced) and was used after that transformation finished.

  Return values from transformed functions explicitly instead of saving them as side effects.
  """

  def __init__(self, message: str):
    super().__init__(message)
