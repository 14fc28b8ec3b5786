"""`jax_explain_cache_misses` and `jax_log_compiles`: what a retrace or a compile logs, compared
with what the oracle logs for the same calls."""
from __future__ import annotations

import logging
import re

import pytest

import pyjax
import pyjax.numpy as pnp
from oracle_util import config_in_both, oracle


def _logged(caplog, run) -> list[str]:
  """The WARNING messages `run()` logs, with call sites, paths and ids made comparable."""
  caplog.clear()
  with caplog.at_level(logging.WARNING):
    run()
  messages = []
  for record in caplog.records:
    text = record.getMessage()
    text = re.sub(r"MISS at \S+:\d+(:\d+)? \([^)]*\):", "MISS at SITE:", text)
    text = re.sub(r"id=\d+ defined at \S+", "id=ID defined at DEF", text)
    text = re.sub(r"defined at \S+:\d+", "defined at DEF", text)
    messages.append(text)
  return messages


def _calls(lib, np_):
  def f(x, y=1, *, z):
    return x + y + z

  f = lib.jit(f)
  return [lambda: f(np_.ones(3), 2, z=np_.ones(3)),
          lambda: f(np_.ones(4), 2, z=np_.ones(4)),
          lambda: f(np_.ones(4, np_.int32), 2, z=np_.ones(4)),
          lambda: f(np_.ones(4), 3.0, z=np_.ones(4)),
          lambda: f(np_.ones(4), 2, z=np_.ones(4))]  # seen before: no miss


def test_explain_cache_misses_names_the_argument_and_both_types_as_jax(caplog):
  jax = oracle()
  with config_in_both("jax_explain_cache_misses", True):
    ours = [_logged(caplog, call) for call in _calls(pyjax, pnp)]
    theirs = [_logged(caplog, call) for call in _calls(jax, jax.numpy)]
  # JAX also logs misses of its own internal jits (jnp.ones): keep those about `f`.
  theirs = [[m for m in ms if "for f defined" in m or "    f id=" in m] for ms in theirs]
  assert ours == theirs
  assert ours[1] == ["TRACING CACHE MISS at SITE:\n  for f defined at DEF\n"
                     "  all previously seen cache keys differ. For the closest previous key:\n"
                     "  different input types:\n  * at x, now f32[4] and before f32[3]\n"
                     "  * at z, now f32[4] and before f32[3]"]
  assert ours[4] == []


def test_explain_cache_misses_weak_types_statics_pytrees_and_config(caplog):
  with config_in_both("jax_explain_cache_misses", True):
    f = pyjax.jit(lambda x, y: x * y)
    f(pnp.ones(2), 3.0)
    [weak] = _logged(caplog, lambda: f(pnp.ones(2), pnp.float32(3.0)))
    assert ("* at y, now f32[]{weak_type=False} and before f32[]{weak_type=True}" in weak
            and "type_promotion.html#weak-types" in weak)

    g = pyjax.jit(lambda a, b: a * b, static_argnums=1)
    g(pnp.ones(2), 3)
    [static] = _logged(caplog, lambda: g(pnp.ones(2), 4))
    assert "different static arguments:\n  * at b, now 4 and before 3" in static
    [by_keyword] = _logged(caplog, lambda: g(pnp.ones(2), b=4))
    assert "now passed by keyword where before by position" in by_keyword

    h = pyjax.jit(lambda d: d["a"])
    h({"a": pnp.ones(2)})
    [tree] = _logged(caplog, lambda: h({"a": pnp.ones(2), "b": 1}))
    assert ("different input pytree:\n  * at d, now PyTreeDef({'a': *, 'b': *}) and before "
            "PyTreeDef({'a': *})") in tree

    k = pyjax.jit(lambda x: x * 2)
    k(pnp.ones(3))
    with config_in_both("jax_enable_x64", True):
      [x64] = _logged(caplog, lambda: k(pnp.ones(3, pnp.float32)))
    assert "different configuration:\n  * jax_enable_x64, now True and before False" in x64
    # The same signature traced again under another transformation is not a new miss.
    assert _logged(caplog, lambda: pyjax.grad(lambda x: k(x).sum())(pnp.ones(3))) == []

    pyjax.clear_caches()
    [again] = _logged(caplog, lambda: k(pnp.ones(3)))
    assert "never seen function" in again


def test_no_logging_when_the_flags_are_off(caplog):
  f = pyjax.jit(lambda x: x + 1)
  assert _logged(caplog, lambda: (f(pnp.ones(2)), f(pnp.ones(3)))) == []


def test_log_compiles_reports_each_trace_and_build_as_jax(caplog):
  with config_in_both("jax_log_compiles", True):
    f = pyjax.jit(lambda x, y: x + y)
    first = _logged(caplog, lambda: f(pnp.ones(3), 2))
    assert _logged(caplog, lambda: f(pnp.ones(3), 2)) == []
  assert re.fullmatch(r"Finished tracing <lambda> for jit in \d+\.\d{9} sec", first[0])
  assert first[1] == ("Compiling jit(<lambda>) with global shapes and types "
                      "(ShapedArray(float32[3]), ShapedArray(int32[], weak_type=True)).")
  assert re.fullmatch(r"Finished compilation of jit\(<lambda>\) into straight-line NumPy in "
                      r"\d+\.\d{9} sec", first[2])
  assert len(first) == 3


def test_flags_read_their_environment_variables():
  import os
  import subprocess
  import sys
  code = ("from pyjax._src.config import config\n"
          "print(config.jax_explain_cache_misses, config.jax_log_compiles)")
  env = {**os.environ, "JAX_EXPLAIN_CACHE_MISSES": "1", "JAX_LOG_COMPILES": "true"}
  run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       check=True)
  assert run.stdout.split() == ["True", "True"]
