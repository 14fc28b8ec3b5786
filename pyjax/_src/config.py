"""Global configuration flags, read as `config.<name>` and set with `config.update(name, value)`.

Flags that change what a traced program means (x64, promotion mode, PRNG mode) are part of the
jit cache key; `config.trace_context()` returns them as one hashable tuple.
"""
from __future__ import annotations

import contextlib
import os
from typing import Any, Iterator


def _env_bool(name: str, default: bool) -> bool:
  value = os.environ.get(name)
  if value is None:
    return default
  if value.lower() in ("1", "true", "t", "yes", "y", "on"):
    return True
  if value.lower() in ("0", "false", "f", "no", "n", "off", ""):
    return False
  raise ValueError(f"invalid truth value {value!r} for environment variable {name}")


class _Flag:
  __slots__ = ("name", "default", "help", "choices", "in_trace_context")

  def __init__(self, name, default, help, choices=None, in_trace_context=False):
    self.name = name
    self.default = default
    self.help = help
    self.choices = choices
    self.in_trace_context = in_trace_context


_FLAGS = {
    f.name: f
    for f in [
        _Flag("jax_enable_x64", _env_bool("JAX_ENABLE_X64", False),
              "Enable 64-bit types (int64, float64, complex128) and make them the defaults.",
              in_trace_context=True),
        _Flag("jax_threefry_partitionable", _env_bool("JAX_THREEFRY_PARTITIONABLE", True),
              "Use the counter layout of JAX >= 0.5 for random bits; False gives the legacy streams.",
              in_trace_context=True),
        _Flag("jax_numpy_dtype_promotion", os.environ.get("JAX_NUMPY_DTYPE_PROMOTION", "standard"),
              "'standard' promotes along the type lattice; 'strict' allows only weak-type promotion.",
              choices=("standard", "strict"), in_trace_context=True),
        _Flag("jax_numpy_rank_promotion", os.environ.get("JAX_NUMPY_RANK_PROMOTION", "allow"),
              "What to do when operands of different rank are broadcast together.",
              choices=("allow", "warn", "raise"), in_trace_context=True),
        _Flag("jax_default_matmul_precision", None,
              "Default precision of matrix products (accepted for compatibility).",
              in_trace_context=True),
        _Flag("jax_disable_jit", _env_bool("JAX_DISABLE_JIT", False),
              "Run jit-decorated functions eagerly, op by op, for debugging."),
        _Flag("jax_debug_nans", _env_bool("JAX_DEBUG_NANS", False),
              "Raise FloatingPointError when an operation produces a NaN.", in_trace_context=True),
        _Flag("jax_debug_infs", _env_bool("JAX_DEBUG_INFS", False),
              "Raise FloatingPointError when an operation produces an infinity.",
              in_trace_context=True),
        _Flag("jax_explain_cache_misses", _env_bool("JAX_EXPLAIN_CACHE_MISSES", False),
              "Log each time a jitted function traces again, with how its call signature "
              "differs from the closest one seen before."),
        _Flag("jax_log_compiles", _env_bool("JAX_LOG_COMPILES", False),
              "Log each trace of a jitted function and each build of its executable."),
        _Flag("jax_check_tracer_leaks", _env_bool("JAX_CHECK_TRACER_LEAKS", False),
              "Look for leaked tracers when a transformation exits."),
        _Flag("jax_platforms", os.environ.get("JAX_PLATFORMS", None),
              "Comma-separated platforms to use; pyjax always runs on 'cpu'."),
        _Flag("jax_platform_name", os.environ.get("JAX_PLATFORM_NAME", None),
              "Deprecated alias of jax_platforms."),
        _Flag("pyjax_scaled_matmul_on_cpu", _env_bool("PYJAX_SCALED_MATMUL_ON_CPU", False),
              "Compute nn.scaled_matmul (and nn.scaled_dot_general with configs) on the CPU with "
              "a reference kernel; JAX has no CPU kernel for them and raises, as pyjax does by "
              "default."),
    ]
}


class Config:
  """Holds the current value of every flag as a plain attribute (cheap to read on hot paths)."""

  def __init__(self):
    for flag in _FLAGS.values():
      object.__setattr__(self, flag.name, flag.default)
    self._refresh_trace_context()

  def _refresh_trace_context(self):
    object.__setattr__(self, "_trace_context", tuple(
        getattr(self, f.name) for f in _FLAGS.values() if f.in_trace_context))

  def update(self, name: str, value: Any) -> None:
    flag = _FLAGS.get(name)
    if flag is None:
      raise AttributeError(f"Unrecognized config option: {name}")
    if flag.choices is not None and value not in flag.choices:
      raise ValueError(f"Invalid value {value!r} for {name}; expected one of {flag.choices}.")
    object.__setattr__(self, name, value)
    self._refresh_trace_context()

  def __setattr__(self, name, value):
    raise AttributeError(f"Use config.update({name!r}, value) to change a flag.")

  def read(self, name: str) -> Any:
    if name not in _FLAGS:
      raise AttributeError(f"Unrecognized config option: {name}")
    return getattr(self, name)

  @property
  def values(self) -> dict:
    return {name: getattr(self, name) for name in _FLAGS}

  def trace_context_names(self) -> tuple:
    """The names of the flags in `trace_context()`, in its order."""
    return tuple(f.name for f in _FLAGS.values() if f.in_trace_context)

  def trace_context(self) -> tuple:
    """The flags a traced program depends on, as a hashable tuple (part of jit's cache key)."""
    return self._trace_context

  @contextlib.contextmanager
  def override(self, name: str, value: Any) -> Iterator[None]:
    """Temporarily set a flag (restored on exit, also on error)."""
    old = self.read(name)
    self.update(name, value)
    try:
      yield
    finally:
      self.update(name, old)


config = Config()


def enable_x64(new_val: bool = True):
  """Context manager that turns 64-bit mode on (or off) inside its block."""
  return config.override("jax_enable_x64", new_val)


def disable_jit(disable: bool = True):
  """Context manager under which jit-decorated functions run eagerly."""
  return config.override("jax_disable_jit", disable)
