"""Primitives, traces and jaxprs: the machinery every transformation is built from.

Dispatch is "stackless": one thread-local *current trace*. `Primitive.bind` hands the call to it;
each transformation runs the user's function under a new trace whose `parent` is the trace that
was current, and runs its rules under that parent. A trace treats its own tracers as variables
and every other value (arrays, Python scalars, tracers of enclosing transformations) as a
constant. When a transformation exits its trace is invalidated, so an escaped tracer is caught
the next time it is used.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Sequence

import numpy as np

from pyjax._src import dtypes, errors
from pyjax._src.array import Array
from pyjax._src.avals import ShapedArray, Token, abstract_token
from pyjax._src.config import config


# ------------------------------------------------------------------------------------------------
# Primitives

def standard_weak_type_rule(*weak_types: bool, **params) -> bool:
  """The default: an output is weakly typed iff every input is (and there is at least one)."""
  return bool(weak_types) and all(weak_types)


class Primitive:
  """A named operation. Its rules live in tables owned by the interpreters (keyed by primitive);
  the primitive itself carries only the eager implementation and the abstract evaluation."""

  def __init__(self, name: str, *, multiple_results: bool = False):
    self.name = name
    self.multiple_results = multiple_results
    self.impl: Callable | None = None
    self.abstract_eval: Callable | None = None
    # Eager execution computes only the output weak type (not the whole abstract value);
    # `standard_primitive` keeps this rule and the abstract evaluation in agreement.
    self.weak_type_rule: Callable = standard_weak_type_rule

  def bind(self, *args, **params):
    return _context.trace.process_primitive(self, args, params)

  def def_impl(self, impl: Callable) -> Callable:
    self.impl = impl
    return impl

  def def_abstract_eval(self, rule: Callable) -> Callable:
    self.abstract_eval = rule
    return rule

  def __repr__(self):
    return self.name


# ------------------------------------------------------------------------------------------------
# Turning Python and NumPy values into what primitives consume

def _python_scalar_value(x):
  return np.asarray(dtypes.coerce_python_scalar(x, dtypes.python_scalar_dtype(x)))


def canonicalize_value(x) -> tuple[Any, bool]:
  """(NumPy value in pyjax's canonical dtype, weak_type) for a non-tracer operand."""
  t = type(x)
  if t is Array:
    return x._live(), x.weak_type
  if t is bool or t is np.bool_:
    return np.bool_(x), False
  if t is int or t is float or t is complex:
    return _python_scalar_value(x), True
  if isinstance(x, (np.ndarray, np.generic)):
    if x.dtype == np.object_ or x.dtype.kind in "SUM":
      raise TypeError(f"Value {x!r} with dtype {x.dtype} is not a valid JAX array type. "
                      "Only arrays of numeric types are supported by JAX.")
    dt = dtypes.canonicalize_dtype(x.dtype)
    if x.dtype != dt:
      return x.astype(dt), False
    # A writeable NumPy array belongs to the user, who may still change it: copy it, as JAX
    # does when it moves data to a device (results may alias their inputs).
    if isinstance(x, np.ndarray) and x.flags.writeable:
      return x.copy(), False
    return x, False
  if isinstance(x, Array):
    return x._live(), x.weak_type
  if isinstance(x, (int, float, complex)):  # subclasses such as IntEnum behave as their base
    for base in (bool, int, float, complex):
      if isinstance(x, base):
        return canonicalize_value(base(x))
  if hasattr(x, "__jax_array__"):
    return canonicalize_value(x.__jax_array__())
  if t is Token:  # tokens pass through programs as they are
    return x, False
  if isinstance(x, Tracer):
    raise escaped_tracer_error(x)
  raise TypeError(f"Value {x!r} with type {type(x)} is not a valid JAX type")


def canonicalize_operand(primitive: Primitive, position: int, x) -> tuple[Any, bool]:
  """`canonicalize_value` for an operand of `primitive`, with JAX's error for non-arrays."""
  try:
    return canonicalize_value(x)
  except TypeError:
    if isinstance(x, Tracer):
      raise
    raise TypeError(f"Error interpreting argument to {primitive.name} as a JAX value. The "
                    f"problematic value is of type {type(x)} and was passed to {primitive.name} "
                    f"at position {position}.") from None


def get_aval(x) -> ShapedArray:
  """The abstract value of any operand: tracer, Array, Python scalar or NumPy value."""
  if isinstance(x, Tracer):
    return x.aval
  if type(x) is Array:
    return x.aval
  if type(x) is Token:
    return abstract_token
  value, weak = canonicalize_value(x)
  return ShapedArray(np.shape(value), value.dtype, weak)


typeof = get_aval


def is_concrete(x) -> bool:
  return not isinstance(x, Tracer) or x.to_concrete_value() is not None


def concrete_or_error(force: Callable | None, value, context: str = ""):
  """`force(value)` for a concrete value; for a tracer without one, a ConcretizationTypeError."""
  force = force or (lambda v: v)
  if isinstance(value, Tracer):
    concrete = value.to_concrete_value()
    if concrete is None:
      raise errors.ConcretizationTypeError(value, context)
    return force(concrete)
  return force(value)


# ------------------------------------------------------------------------------------------------
# Traces and the current-trace context

class Trace:
  """Interprets primitives. Subclasses implement `process_primitive`."""

  def __init__(self, parent: "Trace | None" = None):
    self.parent = parent
    self.valid = True

  def process_primitive(self, primitive: Primitive, args: Sequence, params: dict):
    raise NotImplementedError

  def invalidate(self) -> None:
    self.valid = False


class EvalTrace(Trace):
  """The root trace: runs each primitive's eager implementation on NumPy values."""

  def process_primitive(self, primitive, args, params):
    values, weak_types = [], []
    signature = [primitive]
    for x in args:
      if type(x) is Array:
        value = x._value
        if value is None:
          x._live()  # raises the deleted-array error
        weak = x.weak_type
      else:
        value, weak = canonicalize_operand(primitive, len(values), x)
      values.append(value)
      weak_types.append(weak)
      try:
        signature.append(value.shape)
        signature.append(value.dtype)
      except AttributeError:  # a token, which has no data; free for arrays, unlike a type test
        signature.append(abstract_token)
    if params:
      signature.extend(params.items())
    self._check_types(primitive, values, params, tuple(signature))
    out = primitive.impl(*values, **params)
    weak = primitive.weak_type_rule(*weak_types, **params)
    if primitive.multiple_results:
      if isinstance(weak, bool):
        weak = [weak] * len(out)
      outs = [o if type(o) is Token else Array(o, w) for o, w in zip(out, weak)]
      if config.jax_debug_nans or config.jax_debug_infs:
        for o in outs:
          if type(o) is not Token:
            check_nans_and_infs(primitive, o._value)
      return outs
    if type(out) is Token:
      return out
    if config.jax_debug_nans or config.jax_debug_infs:
      check_nans_and_infs(primitive, out)
    return Array(out, weak)


  _checked_signatures: set = set()

  def _check_types(self, primitive, values, params, signature):
    """Run the abstract evaluation (which raises JAX's shape and dtype errors) once per
    signature of (primitive, operand shapes and dtypes, params); eager implementations assume
    well-typed operands."""
    try:
      if signature in self._checked_signatures:
        return
    except TypeError:  # an unhashable param: check every time
      signature = None
    primitive.abstract_eval(*(abstract_token if type(v) is Token else ShapedArray(v.shape, v.dtype)
                              for v in values), **params)
    if signature is not None:
      self._checked_signatures.add(signature)


def check_nans_and_infs(primitive: Primitive, value) -> None:
  if not np.issubdtype(value.dtype, np.inexact):
    return
  if config.jax_debug_nans and np.isnan(value).any():
    raise FloatingPointError(f"invalid value (nan) encountered in {primitive.name}")
  if config.jax_debug_infs and np.isinf(value).any():
    raise FloatingPointError(f"invalid value (inf) encountered in {primitive.name}")


eval_trace = EvalTrace()


class _TraceContext(threading.local):
  def __init__(self):
    self.trace: Trace = eval_trace
    # Named axes bound by enclosing `vmap(..., axis_name=...)`/`pmap`: name -> size.
    self.axis_env: dict = {}


_context = _TraceContext()


def current_trace() -> Trace:
  return _context.trace


class set_current_trace:
  """Context manager making `trace` the current trace (written by hand: it is on hot paths)."""
  __slots__ = ("trace", "previous")

  def __init__(self, trace: Trace):
    self.trace = trace

  def __enter__(self):
    self.previous = _context.trace
    _context.trace = self.trace

  def __exit__(self, *exc):
    _context.trace = self.previous


class extend_axis_env:
  """Context manager binding named axes (`{name: size}`) for collectives inside its block."""

  def __init__(self, axes: dict):
    self.axes = axes

  def __enter__(self):
    self.previous = _context.axis_env
    _context.axis_env = {**self.previous, **self.axes}

  def __exit__(self, *exc):
    _context.axis_env = self.previous


def axis_size(name) -> int:
  env = _context.axis_env
  if name not in env:
    raise NameError(f"unbound axis name: {name}")
  return env[name]


# ------------------------------------------------------------------------------------------------
# Tracers

_INT_CONTEXT = ("The problem arose with the `{0}` function. If trying to convert the data type of "
                "a value, try using `x.astype({0})` or `jnp.array(x, {0})` instead.")


class Tracer:
  """A value being traced by some transformation. Arithmetic and array methods are shared with
  `Array` (installed by the numpy layer); this class adds what depends on being abstract."""
  __slots__ = ("_trace", "__weakref__")
  __array_priority__ = 1000

  @property
  def aval(self) -> ShapedArray:
    raise NotImplementedError

  shape = property(lambda self: self.aval.shape)
  dtype = property(lambda self: self.aval.dtype)
  ndim = property(lambda self: self.aval.ndim)
  size = property(lambda self: self.aval.size)
  weak_type = property(lambda self: self.aval.weak_type)
  itemsize = property(lambda self: self.aval.dtype.itemsize)
  nbytes = property(lambda self: self.aval.size * self.aval.dtype.itemsize)

  def to_concrete_value(self):
    """The concrete value behind this tracer if the transformation knows it (JVP, vmap of
    concrete data), else None (staging)."""
    return None

  def _origin_msg(self) -> str:
    return ""

  def _concrete(self, error: Callable):
    value = self.to_concrete_value()
    if value is None:
      raise error()
    return value

  def __bool__(self):
    return bool(self._concrete(lambda: errors.TracerBoolConversionError(self)))

  def __int__(self):
    return int(self._concrete(
        lambda: errors.ConcretizationTypeError(self, _INT_CONTEXT.format("int"))))

  def __float__(self):
    return float(self._concrete(
        lambda: errors.ConcretizationTypeError(self, _INT_CONTEXT.format("float"))))

  def __complex__(self):
    return complex(self._concrete(
        lambda: errors.ConcretizationTypeError(self, _INT_CONTEXT.format("complex"))))

  def __index__(self):
    return Array(self._concrete(lambda: errors.TracerIntegerConversionError(self))).__index__()

  def __array__(self, dtype=None, copy=None):
    raise errors.TracerArrayConversionError(self)

  def tolist(self):
    # JAX's message names the origin twice (once in this context, once at the end).
    raise errors.ConcretizationTypeError(
        self, f"The tolist() method was called on traced array with shape "
        f"{self.aval.str_short(short_dtypes=False)}.{self._origin_msg()}")

  def item(self, *args):
    return Array(self._concrete(lambda: errors.ConcretizationTypeError(
        self, "The item() method was called on a traced array."))).item(*args)

  def __hash__(self):
    raise TypeError(f"unhashable type: '{type(self).__name__}'")

  def __len__(self):
    if not self.shape:
      raise TypeError("len() of unsized object")
    return self.shape[0]

  def __setitem__(self, idx, value):
    Array.__setitem__(self, idx, value)

  def __copy__(self):
    return self

  def __deepcopy__(self, memo):
    return self

  def block_until_ready(self):
    return self


def escaped_tracer_error(tracer: Tracer) -> errors.UnexpectedTracerError:
  return errors.UnexpectedTracerError(
      "Encountered an unexpected tracer. A function transformed by JAX had a side effect, "
      "allowing for a reference to an intermediate value with type "
      f"{tracer.aval.str_short(short_dtypes=False)} "
      f"wrapped in a {type(tracer).__name__} to escape the scope of the transformation.\n"
      "JAX transformations require that functions explicitly return their outputs, and disallow "
      "saving intermediate values to global state.\n"
      f"{getattr(tracer._trace, 'leak_context', lambda: '')()}"
      "To catch the leak earlier, try setting the environment variable JAX_CHECK_TRACER_LEAKS or "
      "using the `jax.checking_leaks` context manager.")


def check_foreign_tracer(x: Tracer) -> None:
  """A tracer that is not the current trace's own must belong to a live enclosing trace."""
  if not x._trace.valid:
    raise escaped_tracer_error(x)


# ------------------------------------------------------------------------------------------------
# Jaxprs

class Var:
  """A jaxpr variable. Identity is the variable; its printed name is chosen by the printer."""
  __slots__ = ("aval",)

  def __init__(self, aval: ShapedArray):
    self.aval = aval

  def __repr__(self):
    return f"Var({self.aval.str_short()})"


class DropVar(Var):
  """An equation output that nothing uses."""
  __slots__ = ()


class Literal:
  """A scalar constant written inline in a jaxpr (`2.0:f32[]`)."""
  __slots__ = ("val", "aval")

  def __init__(self, val, aval: ShapedArray):
    self.val = val
    self.aval = aval

  def __repr__(self):
    return f"Literal({self.val!r})"


Atom = Var | Literal


class JaxprEqn:
  __slots__ = ("invars", "outvars", "primitive", "params", "source_info")

  def __init__(self, invars, outvars, primitive, params, source_info=None):
    self.invars = list(invars)
    self.outvars = list(outvars)
    self.primitive = primitive
    self.params = params
    self.source_info = source_info

  def __repr__(self):
    from pyjax._src.pretty_printer import pp_eqn_to_str
    return pp_eqn_to_str(self)


class DebugInfo:
  """Where a traced program came from, for error messages: what it was traced for ('jit',
  'make_jaxpr', ...), the function's name and location, and the names of its arguments."""
  __slots__ = ("traced_for", "func_src_info", "arg_names")

  def __init__(self, traced_for: str, func_src_info: str, arg_names: tuple):
    self.traced_for = traced_for
    self.func_src_info = func_src_info
    self.arg_names = arg_names


class Jaxpr:
  """A typed, first-order program in A-normal form."""
  __slots__ = ("constvars", "invars", "outvars", "eqns", "debug_info")

  def __init__(self, constvars, invars, outvars, eqns, debug_info: DebugInfo | None = None):
    self.constvars = list(constvars)
    self.invars = list(invars)
    self.outvars = list(outvars)
    self.eqns = list(eqns)
    self.debug_info = debug_info

  in_avals = property(lambda self: [v.aval for v in self.invars])
  out_avals = property(lambda self: [v.aval for v in self.outvars])

  def __str__(self):
    from pyjax._src.pretty_printer import pp_jaxpr_to_str
    return pp_jaxpr_to_str(self)

  __repr__ = __str__

  def pretty_print(self) -> str:
    return str(self)


class ClosedJaxpr:
  """A jaxpr together with the values of its constvars."""
  __slots__ = ("jaxpr", "consts", "__weakref__")

  def __init__(self, jaxpr: Jaxpr, consts: Sequence):
    if len(consts) != len(jaxpr.constvars):
      raise ValueError(f"ClosedJaxpr got {len(consts)} consts for "
                       f"{len(jaxpr.constvars)} constvars")
    self.jaxpr = jaxpr
    self.consts = list(consts)

  in_avals = property(lambda self: self.jaxpr.in_avals)
  out_avals = property(lambda self: self.jaxpr.out_avals)
  eqns = property(lambda self: self.jaxpr.eqns)

  def __str__(self):
    return str(self.jaxpr)

  __repr__ = __str__

  def pretty_print(self) -> str:
    return str(self)

  def __call__(self, *args):
    return eval_jaxpr(self.jaxpr, self.consts, *args)


def eval_jaxpr(jaxpr: Jaxpr, consts: Sequence, *args) -> list:
  """Run a jaxpr by binding each equation's primitive: under the current trace, so evaluating a
  jaxpr inside a transformation transforms it."""
  env: dict = {}

  def read(atom):
    if type(atom) is Literal:
      # A weakly typed literal (the `2.0` of `x + 2.0`) must stay weak when it is evaluated.
      return Array(atom.val, True) if atom.aval.weak_type else atom.val
    return env[atom]

  if len(args) != len(jaxpr.invars):
    raise TypeError(f"eval_jaxpr got {len(args)} arguments for a jaxpr with "
                    f"{len(jaxpr.invars)} inputs")
  for v, x in zip(jaxpr.constvars, consts):
    env[v] = x
  for v, x in zip(jaxpr.invars, args):
    env[v] = x
  for eqn in jaxpr.eqns:
    outs = eqn.primitive.bind(*map(read, eqn.invars), **eqn.params)
    if eqn.primitive.multiple_results:
      for v, x in zip(eqn.outvars, outs):
        env[v] = x
    else:
      env[eqn.outvars[0]] = outs
  return [read(v) for v in jaxpr.outvars]


def _same_type(a: ShapedArray, b: ShapedArray) -> bool:
  return a.shape == b.shape and a.dtype == b.dtype and a.weak_type == b.weak_type


def check_jaxpr(jaxpr: Jaxpr) -> None:
  """Type-check a jaxpr: every variable defined once before use, every equation's outputs equal
  to what its primitive's abstract evaluation gives for its inputs. Raises JaxprTypeError."""
  defined = set()

  def read(atom, where):
    if type(atom) is Literal:
      return atom.aval
    if atom not in defined:
      raise errors.JaxprTypeError(f"Variable {atom} used before definition in {where}")
    return atom.aval

  def write(v, where):
    if v in defined:
      raise errors.JaxprTypeError(f"Variable {v} defined twice in {where}")
    defined.add(v)

  for v in jaxpr.constvars + jaxpr.invars:
    write(v, "binders")
  for eqn in jaxpr.eqns:
    in_avals = [read(a, eqn.primitive.name) for a in eqn.invars]
    out = eqn.primitive.abstract_eval(*in_avals, **eqn.params)
    out_avals = list(out) if eqn.primitive.multiple_results else [out]
    if len(out_avals) != len(eqn.outvars):
      raise errors.JaxprTypeError(f"{eqn.primitive.name} has {len(eqn.outvars)} outputs, "
                                  f"its abstract evaluation gives {len(out_avals)}")
    for v, aval in zip(eqn.outvars, out_avals):
      if not _same_type(v.aval, aval):
        raise errors.JaxprTypeError(f"{eqn.primitive.name} output has type {v.aval} but its "
                                    f"abstract evaluation gives {aval}")
      write(v, eqn.primitive.name)
  for v in jaxpr.outvars:
    read(v, "outputs")
