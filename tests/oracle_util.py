"""Shared helpers for the tests that compare pyjax with the oracle (jax 0.10.2): running a case in
both libraries, comparing results (dtype, shape, weak type, values) and error classes, checking a
case's staged program, and switching x64 mode in both."""
from __future__ import annotations

import contextlib
import warnings

import ml_dtypes
import numpy as np

import pyjax
from pyjax._src import core as pyjax_core
from pyjax._src.config import config as pyjax_config

BF16 = np.dtype(ml_dtypes.bfloat16)


def oracle():
  import jax
  return jax


@contextlib.contextmanager
def config_in_both(name: str, value):
  """The config option `name` set to `value` in pyjax and the oracle, restored afterwards."""
  jax = oracle()
  old = getattr(jax.config, name)
  jax.config.update(name, value)
  try:
    with pyjax_config.override(name, value):
      yield
  finally:
    jax.config.update(name, old)


def x64(enabled: bool = True):
  """64-bit mode in both libraries, restored afterwards."""
  return config_in_both("jax_enable_x64", enabled)


def threefry_mode(partitionable: bool):
  """`jax_threefry_partitionable` in both libraries, restored afterwards."""
  return config_in_both("jax_threefry_partitionable", partitionable)


def outcome(fn, *args, **kwargs):
  """('ok', value) or ('raise', exception); warnings are silenced."""
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    try:
      return ("ok", fn(*args, **kwargs))
    except Exception as e:  # noqa: BLE001
      return ("raise", e)


def oracle_weak(x) -> bool:
  return bool(oracle().typeof(x).weak_type)


def _as_float64(v: np.ndarray) -> np.ndarray:
  if v.dtype.kind == "c":
    return v.astype(np.complex128)
  return v.astype(np.float64)


# XLA's CPU backend flushes subnormal results of float32, float64 and bfloat16 arithmetic to zero
# (16-bit floats are computed in float32 and keep theirs); pyjax computes with NumPy, which does
# not. Values are compared with subnormals of those dtypes flushed to (signed) zero.
_FLUSHED_TINY = {np.dtype(np.float32): np.finfo(np.float32).tiny,
                 np.dtype(np.float64): np.finfo(np.float64).tiny, BF16: np.finfo(np.float32).tiny,
                 np.dtype(np.complex64): np.finfo(np.float32).tiny,
                 np.dtype(np.complex128): np.finfo(np.float64).tiny}


def _flush_subnormals(x: np.ndarray, dtype) -> np.ndarray:
  tiny = _FLUSHED_TINY.get(np.dtype(dtype))
  if tiny is None:
    return x
  return np.where(np.abs(x) < tiny, np.copysign(0.0, x), x)


def assert_values_match(actual, expected, tol=None, what=""):
  """Values equal (exact: NaN where NaN, zeros with the same sign) or, with `tol=(rtol, atol)`,
  close (NaN and infinities in the same places)."""
  actual, expected = np.asarray(actual), np.asarray(expected)
  assert actual.shape == expected.shape, f"{what}shape {actual.shape} != {expected.shape}"
  if actual.dtype.kind in "biu" and expected.dtype.kind in "biu":
    np.testing.assert_array_equal(actual, expected, err_msg=what)
    return
  a, e = _as_float64(actual), _as_float64(expected)
  parts = [(a.real, e.real), (a.imag, e.imag)] if a.dtype.kind == "c" else [(a, e)]
  for x, y in parts:
    x, y = _flush_subnormals(x, actual.dtype), _flush_subnormals(y, expected.dtype)
    nan_x, nan_y = np.isnan(x), np.isnan(y)
    if not np.array_equal(nan_x, nan_y):
      raise AssertionError(f"{what}NaN positions differ:\n pyjax  {actual!r}\n oracle {expected!r}")
    if tol is None:
      bad = ~nan_x & ((x != y) | (np.signbit(x) != np.signbit(y)))
      if bad.any():
        raise AssertionError(f"{what}values differ at {np.flatnonzero(bad)[:10]}: pyjax "
                             f"{x[bad][:10]} oracle {y[bad][:10]}\n pyjax  {actual!r}\n "
                             f"oracle {expected!r}")
    else:
      rtol, atol = tol
      np.testing.assert_allclose(x[~nan_x], y[~nan_y], rtol=rtol, atol=atol, err_msg=what)


# Tolerances (rtol, atol) for results of operations that are not correctly rounded, by dtype.
TOLERANCES = {np.dtype(np.float16): (2e-3, 2e-3), BF16: (1.6e-2, 1.6e-2),
              np.dtype(np.float32): (1e-5, 1e-6), np.dtype(np.float64): (1e-12, 1e-14),
              np.dtype(np.complex64): (1e-5, 1e-6), np.dtype(np.complex128): (1e-12, 1e-14)}

# `tol=AUTO`: the tolerance of the result's dtype (exact for integers and booleans).
AUTO = "auto"


def assert_matches_oracle(p, j, tol=None, what=""):
  """A pyjax Array equals an oracle Array: dtype, shape, weak type and values."""
  if tol is AUTO:
    tol = TOLERANCES.get(np.dtype(j.dtype))
  assert isinstance(p, pyjax.Array), f"{what}pyjax returned {type(p)}, not an Array"
  assert p.dtype == j.dtype, f"{what}dtype {p.dtype} != oracle {j.dtype}"
  assert p.shape == j.shape, f"{what}shape {p.shape} != oracle {j.shape}"
  assert p.weak_type == oracle_weak(j), (
      f"{what}weak_type {p.weak_type} != oracle {oracle_weak(j)}")
  assert_values_match(p, j, tol, what)


def assert_same_outcome(p_out, j_out, tol=None, what=""):
  """Both raised the same exception class, or both returned matching arrays (or trees of them).
  Returns True when both returned values."""
  p_kind, p_val = p_out
  j_kind, j_val = j_out
  if j_kind == "raise":
    assert p_kind == "raise", (f"{what}oracle raised {type(j_val).__name__}: {j_val}\n"
                               f"pyjax returned {p_val!r}")
    assert type(p_val).__name__ == type(j_val).__name__, (
        f"{what}pyjax raised {type(p_val).__name__}: {p_val}\n"
        f"oracle raised {type(j_val).__name__}: {j_val}")
    return False
  if p_kind == "raise":
    raise AssertionError(f"{what}pyjax raised {type(p_val).__name__}: {p_val}\n"
                         f"oracle returned {j_val!r}") from p_val
  if isinstance(j_val, (tuple, list)):
    assert isinstance(p_val, (tuple, list)) and len(p_val) == len(j_val), (
        f"{what}pyjax returned {p_val!r}, oracle {j_val!r}")
    for i, (p, j) in enumerate(zip(p_val, j_val)):
      assert_matches_oracle(p, j, tol, f"{what}[output {i}] ")
  else:
    assert_matches_oracle(p_val, j_val, tol, what)
  return True


def check_staged(fn, args, eager):
  """`fn` staged with make_jaxpr type-checks and evaluates to `eager` (same avals and values)."""
  closed = pyjax.make_jaxpr(fn)(*args)
  pyjax_core.check_jaxpr(closed.jaxpr)
  outs = pyjax_core.eval_jaxpr(closed.jaxpr, closed.consts, *args)
  eager_outs = list(eager) if isinstance(eager, (tuple, list)) else [eager]
  assert len(outs) == len(eager_outs)
  for var, out, expected in zip(closed.jaxpr.outvars, outs, eager_outs):
    assert var.aval == expected.aval, f"staged aval {var.aval!r} != eager {expected.aval!r}"
    out_aval = pyjax_core.get_aval(out) if not isinstance(out, pyjax.Array) else out.aval
    assert (out_aval.shape, out_aval.dtype) == (expected.shape, expected.dtype)
    if isinstance(out, pyjax.Array):
      assert out.weak_type == expected.weak_type
    assert_values_match(out, expected, None, "staged vs eager: ")
  return closed
