"""`jit`: trace a function once per call signature into a jaxpr, then run the cached program.

A jitted call binds the `jit` primitive, whose params carry the traced program. Under the eval
trace it runs the program through an *executable* (today the NumPy interpreter; the C compiler
will implement the same interface). Under a staging trace it becomes a `jit[...]` equation, so
jits nest and print as JAX prints them.
"""
from __future__ import annotations

import functools
import inspect
import time
import weakref
from typing import Any, Callable, Sequence

import numpy as np

from pyjax._src import core, dtypes, jit_logging, tree_util
from pyjax._src.api import ShapeDtypeStruct, debug_info, shaped_abstractify
from pyjax._src.array import Array
from pyjax._src.avals import AbstractToken, Token
from pyjax._src.config import config
from pyjax._src.core import ClosedJaxpr, Jaxpr, Primitive, Tracer
from pyjax._src.interpreters import staging
from pyjax._src.pretty_printer import pp_eqn_rules

# ------------------------------------------------------------------------------------------------
# The jit primitive

jit_p = Primitive("jit", multiple_results=True)


class NumpyInterpreter:
  """Runs a closed jaxpr with the eager NumPy implementations. The jaxpr was type-checked when it
  was traced, so equations call their implementations directly (no dispatch), reading and
  writing numbered slots; a slot is released after its last use."""

  def __init__(self, closed: ClosedJaxpr):
    jaxpr = closed.jaxpr
    slots: dict = {}
    self.initial: dict = {}  # slot -> value known before the run (constants and literals)

    def slot_of(atom) -> int:
      if type(atom) is core.Literal:
        index = len(slots) + len(self.initial) + 1_000_000_000  # never shared
        self.initial[index] = atom.val
        return index
      if atom not in slots:
        slots[atom] = len(slots)
      return slots[atom]

    for var, value in zip(jaxpr.constvars, closed.consts):
      self.initial[slot_of(var)] = core.canonicalize_value(value)[0]
    self.arg_slots = [slot_of(v) for v in jaxpr.invars]
    self.program = []
    for eqn in jaxpr.eqns:
      ins = [slot_of(a) for a in eqn.invars]
      outs = [slot_of(v) for v in eqn.outvars]
      self.program.append((eqn.primitive, eqn.primitive.impl, eqn.params, ins, outs))
    self.out_slots = [slot_of(a) for a in jaxpr.outvars]
    # Release intermediates after their last use, so big programs do not hold every buffer.
    keep = set(self.out_slots) | set(self.initial)
    last_use: dict = {}
    for position, (_, _, _, ins, _) in enumerate(self.program):
      for i in ins:
        last_use[i] = position
    self.releases = [[i for i in set(ins) if last_use[i] == position and i not in keep]
                     for position, (_, _, _, ins, _) in enumerate(self.program)]
    self._run = self._straight_line_function()

  def _straight_line_function(self) -> Callable:
    """The program as generated Python source, one line per equation calling its implementation
    on local variables: no per-equation loop, dictionary or unpacking of params at run time."""
    namespace: dict = {}

    def name(slot: int) -> str:
      if slot in self.initial:
        namespace[f"k{slot}"] = self.initial[slot]
        return f"k{slot}"
      return f"s{slot}"

    lines = [f"def run({', '.join(name(i) for i in self.arg_slots)}):"]
    for n, ((primitive, impl, params, ins, outs), releases) in enumerate(
        zip(self.program, self.releases)):
      namespace[f"f{n}"] = functools.partial(impl, **params) if params else impl
      call = f"f{n}({', '.join(name(i) for i in ins)})"
      if not outs:
        lines.append(f"  {call}")
      else:
        comma = "," if primitive.multiple_results else ""
        lines.append(f"  {', '.join(name(i) for i in outs)}{comma} = {call}")
      if releases:
        lines.append(f"  del {', '.join(name(i) for i in releases)}")
    lines.append(f"  return [{', '.join(name(i) for i in self.out_slots)}]")
    exec("\n".join(lines), namespace)  # noqa: S102  (source built above from slot numbers only)
    return namespace["run"]

  def __call__(self, *values) -> list:
    if config.jax_debug_nans or config.jax_debug_infs:
      return self._interpret(*values)
    return self._run(*values)

  def _interpret(self, *values) -> list:
    """The equations one by one, checking each result for NaNs and infinities."""
    env = dict(self.initial)
    for i, value in zip(self.arg_slots, values):
      env[i] = value
    check = config.jax_debug_nans or config.jax_debug_infs
    for (primitive, impl, params, ins, outs), releases in zip(self.program, self.releases):
      result = impl(*[env[i] for i in ins], **params)
      if primitive.multiple_results:
        for i, value in zip(outs, result):
          env[i] = value
      else:
        env[outs[0]] = result
      if check:
        for i in outs:
          core.check_nans_and_infs(primitive, env[i])
      for i in releases:
        del env[i]
    return [env[i] for i in self.out_slots]


# The engine that turns a closed jaxpr into something callable on NumPy values.
_executables: "weakref.WeakKeyDictionary[ClosedJaxpr, Callable]" = weakref.WeakKeyDictionary()


def executable_for(closed: ClosedJaxpr, name: str | None = None) -> Callable:
  """The executable of `closed`, built on first use (and logged under jax_log_compiles when
  it is a jitted function's program, `name`)."""
  executable = _executables.get(closed)
  if executable is None:
    log = name is not None and config.jax_log_compiles
    if log:
      jit_logging.log_compiling(name, closed.in_avals)
      start = time.perf_counter()
    executable = _executables[closed] = NumpyInterpreter(closed)
    if log:
      jit_logging.log_compiled(name, time.perf_counter() - start)
  return executable


def _jit_impl(*values, jaxpr: ClosedJaxpr, name, donated_invars, inline, keep_unused):
  return executable_for(jaxpr, name)(*values)


def _jit_abstract_eval(*avals, jaxpr: ClosedJaxpr, **params):
  return jaxpr.out_avals


def _jit_weak_types(*weak_types, jaxpr: ClosedJaxpr, **params):
  return [aval.weak_type for aval in jaxpr.out_avals]


jit_p.def_impl(_jit_impl)
jit_p.def_abstract_eval(_jit_abstract_eval)
jit_p.weak_type_rule = _jit_weak_types


def _pp_jit(eqn, context) -> list:
  params = eqn.params
  inner = params["jaxpr"].jaxpr
  if id(inner) not in context.shared:
    context.suggest_same_names(inner.invars, eqn.invars)
    context.suggest_same_names(inner.outvars, eqn.outvars)
  shown = [("name", params["name"]), ("jaxpr", params["jaxpr"])]
  if any(params["donated_invars"]):
    shown.append(("donated_invars", params["donated_invars"]))
  if params["keep_unused"]:
    shown.append(("keep_unused", True))
  return [shown[0]] + sorted(shown[1:])


pp_eqn_rules[jit_p] = _pp_jit

# ------------------------------------------------------------------------------------------------
# Argument handling


def _resolve_argnums(fun, argnums, argnames):
  """Fill in argnames from argnums (or the reverse) through the signature, as JAX does."""
  if isinstance(argnums, int):
    argnums = (argnums,)
  if isinstance(argnames, str):
    argnames = (argnames,)
  argnums = None if argnums is None else tuple(argnums)
  argnames = None if argnames is None else tuple(argnames)
  try:
    parameters = inspect.signature(fun).parameters
  except (TypeError, ValueError):
    return argnums or (), argnames or ()
  positional = [n for n, p in parameters.items()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
  named = [n for n, p in parameters.items() if p.kind in (p.POSITIONAL_OR_KEYWORD,
                                                          p.KEYWORD_ONLY)]
  if argnums is None and argnames is None:
    return (), ()
  if argnames is None:
    argnames = tuple(positional[i] for i in argnums
                     if -len(positional) <= i < len(positional) and positional[i] in named)
  elif argnums is None:
    argnums = tuple(positional.index(n) for n in argnames if n in positional)
  return argnums, argnames


def _validate_argnums(fun, argnums, what: str) -> None:
  """Argnums must name positional parameters of `fun` (unless it takes *args)."""
  try:
    parameters = inspect.signature(fun).parameters.values()
  except (TypeError, ValueError):
    return
  if any(p.kind == p.VAR_POSITIONAL for p in parameters):
    return
  count = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)
  for i in argnums:
    if not -count <= i < count:
      raise ValueError(f"Jitted function has {what}={argnums}, but only accepts {count} "
                       f"positional arguments.")


def _hashable_static(value):
  try:
    hash(value)
  except TypeError as error:
    raise ValueError(
        "Non-hashable static arguments are not supported. An error occurred while trying to "
        f"hash an object of type {type(value)}, {value}. The error was:\n"
        f"TypeError: {error}\n") from None
  return value


_LEAF_TYPES = frozenset({Array, np.ndarray, int, float, bool, complex})


@functools.lru_cache(maxsize=64)
def _positional_leaves_tree(count: int) -> tree_util.PyTreeDef:
  """The structure of `(args, {})` for `count` positional arguments that are all leaves."""
  return tree_util.tree_structure(((0,) * count, {}))


def _leaf_signature(leaf):
  """What of an argument the traced program depends on, cheaply: shape, dtype and weak type for
  arrays; the type for Python scalars (their dtype follows from it and the x64 flag)."""
  if type(leaf) is Array:
    value = leaf._value
    if value is not None:
      return (value.shape, value.dtype, leaf.weak_type)
  elif isinstance(leaf, (np.ndarray, np.generic)):
    return (leaf.shape, dtypes.canonicalize_dtype(leaf.dtype), False)
  elif type(leaf) in (int, float, complex, bool):
    return type(leaf)
  try:
    return shaped_abstractify(leaf)
  except TypeError:
    return ("invalid", id(leaf))  # _abstractify reports it with the argument's path


def _abstractify_leaf(leaf, fun, path: str):
  try:
    return shaped_abstractify(leaf)
  except TypeError:
    raise TypeError(
        f"Error interpreting argument to {fun} as an abstract array. The problematic value "
        f"is of type {type(leaf)} and was passed to the function at path {path}.\nThis "
        "typically means that a jit-wrapped function was called with a non-array argument, and "
        "this argument was not marked as static using the static_argnums or static_argnames "
        "parameters of jax.jit.") from None


# ------------------------------------------------------------------------------------------------
# The jitted function


class _CacheEntry:
  __slots__ = ("closed", "tracer_consts", "out_tree", "out_weak_types")

  def __init__(self, closed, tracer_consts, out_tree):
    self.closed = closed
    self.tracer_consts = tracer_consts
    self.out_tree = out_tree
    self.out_weak_types = [aval.weak_type for aval in closed.out_avals]


_all_jitted: "weakref.WeakSet[JitWrapped]" = weakref.WeakSet()


class JitWrapped:
  """What `jit(f)` returns: call it like `f`; `.trace`, `.lower` and `.eval_shape` inspect it."""

  def __init__(self, fun: Callable, static_argnums, static_argnames, donate_argnums,
               donate_argnames, inline: bool, keep_unused: bool):
    if not callable(fun):
      raise TypeError(f"Expected a callable value, got {fun}")
    # First: this copies fun.__dict__, which holds an inner JitWrapped's own fields when fun is,
    # say, grad(jit(g)); they must not overwrite ours.
    functools.update_wrapper(self, fun)
    self._fun = fun
    self._static_argnums, self._static_argnames = _resolve_argnums(
        fun, static_argnums, static_argnames)
    self._donate_argnums, self._donate_argnames = _resolve_argnums(
        fun, donate_argnums, donate_argnames)
    _validate_argnums(fun, self._static_argnums, "static_argnums")
    _validate_argnums(fun, self._donate_argnums, "donate_argnums")
    overlap = set(self._static_argnames) & set(self._donate_argnames)
    if overlap:
      raise ValueError(f"static_argnames and donate_argnames cannot intersect. Argument names "
                       f"{overlap} appear in both static_argnames and donate_argnames")
    self._inline = inline
    self._keep_unused = keep_unused
    # trace -> {signature: _CacheEntry}; the trace matters because values closed over from an
    # enclosing transformation are baked into the jaxpr as constants.
    self._cache: "weakref.WeakKeyDictionary[core.Trace, dict]" = weakref.WeakKeyDictionary()
    self._eval_cache: dict = {}  # the same for the (immortal) eval trace, without weakrefs
    # Every signature traced so far (jit_logging.SeenSignature), kept only while
    # jax_explain_cache_misses is on, to explain the next miss.
    self._seen: list = []
    _all_jitted.add(self)

  @property
  def _name(self) -> str:
    return getattr(self._fun, "__name__", type(self._fun).__name__)

  def __get__(self, instance, owner=None):
    # Support decorating methods: bind `self` like a function would.
    if instance is None:
      return self
    return functools.partial(self, instance)

  def _split_args(self, args, kwargs):
    if not kwargs and not self._static_argnums and not self._donate_argnums:
      return (), args, {}, frozenset(), frozenset()
    nargs = len(args)
    # Argnums beyond the positional arguments given refer to parameters passed by keyword.
    static_nums = {i % nargs for i in self._static_argnums if -nargs <= i < nargs}
    statics = tuple((i, _hashable_static(args[i])) for i in sorted(static_nums))
    statics += tuple((k, _hashable_static(kwargs[k])) for k in sorted(kwargs)
                     if k in self._static_argnames)
    dynamic_args = tuple(a for i, a in enumerate(args) if i not in static_nums)
    dynamic_kwargs = {k: v for k, v in kwargs.items() if k not in self._static_argnames}
    donate_nums = {i % nargs for i in self._donate_argnums if -nargs <= i < nargs} - static_nums
    return statics, dynamic_args, dynamic_kwargs, static_nums, donate_nums

  def _trace(self, args, kwargs):
    """(entry, flat dynamic args, donated flags): the cached program for this signature,
    tracing it on a miss."""
    statics, dyn_args, dyn_kwargs, static_nums, donate_nums = self._split_args(args, kwargs)
    if not dyn_kwargs and all(type(a) in _LEAF_TYPES for a in dyn_args):
      # Only positional leaves, the common call: their structure is known without flattening.
      flat_args, in_tree = list(dyn_args), _positional_leaves_tree(len(dyn_args))
    else:
      flat_args, in_tree = tree_util.tree_flatten((dyn_args, dyn_kwargs))
    donated = ()
    if donate_nums or self._donate_argnames:
      donated = []
      for i, a in enumerate(args):
        if i not in static_nums:
          donated += [i in donate_nums] * len(tree_util.tree_leaves(a))
      for k in sorted(dyn_kwargs):
        donated += [k in self._donate_argnames] * len(tree_util.tree_leaves(dyn_kwargs[k]))
      donated = tuple(donated)
    signature = (in_tree, tuple(map(_leaf_signature, flat_args)), statics,
                 config.trace_context())
    trace = core.current_trace()
    if trace is core.eval_trace:
      per_trace = self._eval_cache
    else:
      per_trace = self._cache.get(trace)
      if per_trace is None:
        per_trace = self._cache[trace] = {}
    entry = per_trace.get(signature)
    if entry is None:
      in_avals = self._abstractify(args, kwargs, static_nums, flat_args)
      if config.jax_explain_cache_misses:
        self._explain_miss(args, kwargs, static_nums, statics, in_avals)
      start = time.perf_counter()
      entry = per_trace[signature] = self._make_entry(args, kwargs, static_nums, in_tree,
                                                      in_avals)
      if config.jax_log_compiles:
        jit_logging.log_traced(self._name, time.perf_counter() - start)
    return entry, flat_args, donated or (False,) * len(flat_args)

  def _abstractify(self, args, kwargs, static_nums, flat_args) -> tuple:
    try:
      return tuple(shaped_abstractify(x) for x in flat_args)
    except TypeError:
      pass
    # Name the offending argument by its path, as JAX does.
    static_names = tuple(k for k in kwargs if k in self._static_argnames)
    names = debug_info("jit", self._fun, args,
                       {k: v for k, v in kwargs.items() if k not in static_names},
                       tuple(static_nums)).arg_names
    for x, path in zip(flat_args, names):
      _abstractify_leaf(x, self._fun, path)
    raise AssertionError("unreachable: some argument failed to abstractify")

  def _make_entry(self, args, kwargs, static_nums, in_tree, in_avals) -> _CacheEntry:
    out_tree = None

    def flat_fun(*flat):
      nonlocal out_tree
      dyn_args, dyn_kwargs = tree_util.tree_unflatten(in_tree, flat)
      dyn = iter(dyn_args)
      full_args = [args[i] if i in static_nums else next(dyn) for i in range(len(args))]
      full_kwargs = {**{k: v for k, v in kwargs.items() if k in self._static_argnames},
                     **dyn_kwargs}
      out = self._fun(*full_args, **full_kwargs)
      leaves, out_tree = tree_util.tree_flatten(out)
      return leaves

    info = debug_info("jit", self._fun, args, kwargs, tuple(static_nums))
    jaxpr, consts = staging.trace_to_jaxpr(flat_fun, in_avals, info)
    closed, tracer_consts = _hoist_tracer_consts(jaxpr, consts)
    return _CacheEntry(closed, tracer_consts, out_tree)

  def __call__(self, *args, **kwargs):
    if config.jax_disable_jit:
      return self._fun(*args, **kwargs)
    entry, flat_args, donated = self._trace(args, kwargs)
    operands = [*entry.tracer_consts, *flat_args]
    donated_invars = (False,) * len(entry.tracer_consts) + donated
    trace = core.current_trace()
    if trace is core.eval_trace and not any(donated):
      # The common eager case: run the cached program directly (what bind would do, minus the
      # dispatch and per-call type checks the traced program does not need).
      values = [x._live() if type(x) is Array else core.canonicalize_value(x)[0]
                for x in flat_args]
      outs = executable_for(entry.closed, self._name)(*values)
      return tree_util.tree_unflatten(
          entry.out_tree, [o if type(o) is Token else Array(o, w)
                           for o, w in zip(outs, entry.out_weak_types)])
    if self._inline and isinstance(trace, staging.StagingTrace):
      outs = core.eval_jaxpr(entry.closed.jaxpr, entry.closed.consts, *operands)
    else:
      outs = jit_p.bind(*operands, jaxpr=entry.closed, name=self._name,
                        donated_invars=donated_invars, inline=self._inline,
                        keep_unused=self._keep_unused)
    if trace is core.eval_trace and any(donated):
      for x, d in zip(flat_args, donated):
        if d and isinstance(x, Array):
          x.delete()
    return tree_util.tree_unflatten(entry.out_tree, outs)

  def trace(self, *args, **kwargs) -> "Traced":
    entry, _, _ = self._trace(args, kwargs)
    return Traced(entry)

  def lower(self, *args, **kwargs) -> "Lowered":
    return self.trace(*args, **kwargs).lower()

  def eval_shape(self, *args, **kwargs):
    entry, _, _ = self._trace(args, kwargs)
    shapes = [a if type(a) is AbstractToken else
              ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type)
              for a in entry.closed.out_avals]
    return tree_util.tree_unflatten(entry.out_tree, shapes)

  def _explain_miss(self, args, kwargs, static_nums, statics, in_avals) -> None:
    """Log how this call's signature differs from the closest one traced before."""
    names = self._top_level_names(args)
    arg_trees = tuple((names[i], tree_util.tree_structure(a)) for i, a in enumerate(args)
                      if i not in static_nums)
    arg_trees += tuple((k, tree_util.tree_structure(v)) for k, v in sorted(kwargs.items())
                       if k not in self._static_argnames)
    new = jit_logging.SeenSignature(
        arg_trees, debug_info("jit", self._fun, args, kwargs, tuple(static_nums)).arg_names,
        tuple(in_avals), tuple((names.get(k, k), v) for k, v in statics),
        jit_logging.trace_context_items())
    if new not in self._seen:  # else a known signature traced again for another trace
      jit_logging.explain_cache_miss(self._fun, new, self._seen)
      self._seen.append(new)

  def _top_level_names(self, args) -> dict:
    """Position -> parameter name (`args[i]` where the signature does not say)."""
    try:
      params = list(inspect.signature(self._fun).parameters.values())
    except (TypeError, ValueError):
      params = []
    names = {}
    for i in range(len(args)):
      if i < len(params) and params[i].kind in (inspect.Parameter.POSITIONAL_ONLY,
                                                inspect.Parameter.POSITIONAL_OR_KEYWORD):
        names[i] = params[i].name
      else:
        names[i] = f"args[{i}]"
    return names

  def clear_cache(self) -> None:
    self._cache.clear()
    self._eval_cache.clear()
    self._seen.clear()

  def __repr__(self):
    return f"<PjitFunction of {self._fun!r}>"


def _hoist_tracer_consts(jaxpr: Jaxpr, consts: Sequence) -> tuple[ClosedJaxpr, list]:
  """Constants that are tracers of an enclosing transformation become leading inputs (they
  must flow through that transformation); concrete constants stay in the closed jaxpr."""
  tracer_vars, tracer_values, const_vars, const_values = [], [], [], []
  for var, value in zip(jaxpr.constvars, consts):
    if isinstance(value, Tracer):
      tracer_vars.append(var)
      tracer_values.append(value)
    else:
      const_vars.append(var)
      const_values.append(value)
  new = Jaxpr(const_vars, tracer_vars + jaxpr.invars, jaxpr.outvars, jaxpr.eqns,
              jaxpr.debug_info)
  return ClosedJaxpr(new, const_values), tracer_values


class Traced:
  """The result of `jit(f).trace(*args)`: the jaxpr, and what it takes and returns."""

  def __init__(self, entry: _CacheEntry):
    self._entry = entry

  @property
  def jaxpr(self) -> ClosedJaxpr:
    return self._entry.closed

  @property
  def out_info(self):
    avals = self._entry.closed.out_avals
    return tree_util.tree_unflatten(self._entry.out_tree, [
        ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type) for a in avals])

  def lower(self) -> "Lowered":
    return Lowered(self._entry)


class Lowered:
  """`jit(f).lower(*args)`: the program ready to compile; `.as_text()` shows the jaxpr."""

  def __init__(self, entry: _CacheEntry):
    self._entry = entry

  def as_text(self) -> str:
    return str(self._entry.closed)

  def compile(self) -> "Compiled":
    return Compiled(self._entry)


class Compiled:
  """`jit(f).lower(*args).compile()`: callable with arguments of the traced signature."""

  def __init__(self, entry: _CacheEntry):
    self._entry = entry
    self._executable = executable_for(entry.closed)

  def __call__(self, *args, **kwargs):
    flat, _ = tree_util.tree_flatten((args, kwargs))
    values = [core.canonicalize_value(x)[0] for x in self._entry.tracer_consts + flat]
    outs = self._executable(*values)
    weak = [a.weak_type for a in self._entry.closed.out_avals]
    return tree_util.tree_unflatten(self._entry.out_tree,
                                    [Array(o, w) for o, w in zip(outs, weak)])

  def as_text(self) -> str:
    return str(self._entry.closed)


def jit(fun: Callable | None = None, *, in_shardings=None, out_shardings=None,
        static_argnums: int | Sequence[int] | None = None,
        static_argnames: str | Sequence[str] | None = None,
        donate_argnums: int | Sequence[int] | None = None,
        donate_argnames: str | Sequence[str] | None = None, keep_unused: bool = False,
        device=None, backend=None, inline: bool = False, abstracted_axes=None,
        compiler_options=None) -> Any:
  """Trace `fun` once per call signature (pytree structure, shapes, dtypes, weak types, static
  argument values, config) and run the traced program. Usable as `@jit` or
  `@partial(jit, static_argnames=...)`."""
  if fun is None:
    return functools.partial(jit, in_shardings=in_shardings, out_shardings=out_shardings,
                             static_argnums=static_argnums, static_argnames=static_argnames,
                             donate_argnums=donate_argnums, donate_argnames=donate_argnames,
                             keep_unused=keep_unused, device=device, backend=backend,
                             inline=inline, abstracted_axes=abstracted_axes,
                             compiler_options=compiler_options)
  if backend not in (None, "cpu"):
    raise RuntimeError(f"Unknown backend {backend}. Available backends are ['cpu'].")
  return JitWrapped(fun, static_argnums, static_argnames, donate_argnums, donate_argnames,
                    inline, keep_unused)


def eval_shape(fun: Callable, *args, **kwargs):
  """The output shapes and dtypes of `fun(*args, **kwargs)`, as ShapeDtypeStructs, found by
  tracing (nothing is computed). Arguments may be arrays or ShapeDtypeStructs."""
  return jit(fun).eval_shape(*args, **kwargs)


def clear_caches() -> None:
  """Forget every traced program (the next call of each jitted function traces again)."""
  for jitted in list(_all_jitted):
    jitted.clear_cache()
  _executables.clear()


# ------------------------------------------------------------------------------------------------
# Transformation rules of the jit primitive (written with the control-flow rules, whose jaxpr
# helpers they share): JVP, linearization, transposition and batching each bind a new jit of the
# transformed program, so grad(jit(f)), jit(grad(f)), vmap(jit(f)) and their nestings stay staged.

from pyjax._src.interpreters import ad, batching  # noqa: E402
from pyjax._src.lax.control_flow import transforms as _transforms  # noqa: E402


def _bind_jit(operands: list, closed: ClosedJaxpr, consts: list, params: dict) -> list:
  operands = [*consts, *operands]
  return jit_p.bind(*operands, jaxpr=closed, name=params["name"],
                    donated_invars=(False,) * len(operands), inline=params["inline"],
                    keep_unused=params["keep_unused"])


def _jit_zero_tangents(outs, nonzeros, tangents) -> list:
  tangents = iter(tangents)
  return [next(tangents) if nz else ad.Zero.from_primal(o) for o, nz in zip(outs, nonzeros)]


def _jit_jvp(primals, tangents, *, jaxpr, **params):
  nonzeros = [type(t) is not ad.Zero for t in tangents]
  closed, consts, out_nonzeros = _transforms.jvp(jaxpr, nonzeros, False)
  outs = _bind_jit([*primals, *(t for t in tangents if type(t) is not ad.Zero)], closed, consts,
                   params)
  primals_out = outs[:len(out_nonzeros)]
  return primals_out, _jit_zero_tangents(primals_out, out_nonzeros, outs[len(out_nonzeros):])


def _jit_linearize(primals, tangents, *, jaxpr, **params):
  nonzeros = [type(t) is not ad.Zero for t in tangents]
  lin = _transforms.linearize(jaxpr, nonzeros)
  num_out = len(lin.out_nonzeros)
  # No operand is a tangent: the forward program runs on the parent trace.
  outs = _bind_jit(list(primals), lin.forward, lin.forward_consts, params)
  primals_out, residuals = outs[:num_out], outs[num_out:]
  tangents_out = []
  if any(lin.out_nonzeros):
    tangents_out = _bind_jit([*residuals, *(t for t in tangents if type(t) is not ad.Zero)],
                             lin.linear, lin.linear_consts, params)
  return primals_out, _jit_zero_tangents(primals_out, lin.out_nonzeros, tangents_out)


def _jit_transpose(cts, *args, jaxpr, **params):
  undefined = [ad.is_undefined_primal(x) for x in args]
  ct_nonzeros = [type(ct) is not ad.Zero for ct in cts]
  closed, consts = _transforms.transpose(jaxpr, undefined, ct_nonzeros)
  outs = iter(_bind_jit([*(x for x, u in zip(args, undefined) if not u),
                         *(ct for ct in cts if type(ct) is not ad.Zero)], closed, consts, params))
  return [next(outs) if u else None for u in undefined]


ad.primitive_jvps[jit_p] = _jit_jvp
ad.primitive_linearizations[jit_p] = _jit_linearize
ad.primitive_transposes[jit_p] = _jit_transpose


def _jit_batch(axis_data, vals, dims, *, jaxpr, **params):
  closed, consts, out_dims = _transforms.batch(jaxpr, axis_data, dims)
  return _bind_jit(list(vals), closed, consts, params), out_dims


batching.primitive_batchers[jit_p] = _jit_batch
