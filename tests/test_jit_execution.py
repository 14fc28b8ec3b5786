"""The engine that runs jitted programs: straight-line generated code for each cached jaxpr, and
the equation-by-equation interpreter used when checking for NaNs and infinities."""
import jax
import jax.numpy as jjnp
import numpy as np
import pytest

import pyjax
import pyjax.lax as lax
import pyjax.numpy as jnp
from pyjax._src import jit as jit_module

X = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
CONST = np.arange(3, dtype=np.float32)

PROGRAMS = {
    "identity": lambda np_, x: x,
    "same_output_twice": lambda np_, x: (x, x, x * 2),
    "literals_and_constants": lambda np_, x: (x + 2.5) * CONST,
    "multiple_results": lambda np_, x: np_.linalg.eigh(x @ x.T)[0] if np_ is jnp else
    jax.numpy.linalg.eigh(x @ x.T)[0],
    "unused_input_and_constant_output": lambda np_, x: CONST,
    "reused_intermediates": lambda np_, x: (lambda y: (y * y + y, y.sum()))(np_.sin(x)),
    "barrier_of_two_operands": lambda np_, x: (lax if np_ is jnp else jax.lax).optimization_barrier(
        (x[0] + 1, x[1])),
}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_jitted_programs_match_eager_and_oracle(name):
  fn = PROGRAMS[name]
  jitted = pyjax.jit(lambda x: fn(jnp, x))(X)
  eager = fn(jnp, X)
  expected = jax.jit(lambda x: fn(jjnp, x))(X)
  for j, e, o in zip(jax.tree.leaves(jitted), jax.tree.leaves(eager), jax.tree.leaves(expected)):
    assert j.dtype == o.dtype and j.shape == o.shape
    np.testing.assert_array_equal(np.asarray(j), np.asarray(e))
    np.testing.assert_allclose(np.asarray(j), np.asarray(o), rtol=1e-5, atol=1e-6)


def test_each_program_is_generated_once_and_reused():
  calls = []
  f = pyjax.jit(lambda x: (calls.append(1), x * 2)[1])
  closed = f.trace(X).jaxpr
  f(X)
  f(X + 1)
  assert len(calls) == 1
  assert jit_module.executable_for(closed) is jit_module.executable_for(closed)


def test_generated_code_releases_intermediates():
  # Each intermediate is deleted after its last use, so a long chain holds O(1) buffers.
  executable = jit_module.executable_for(pyjax.jit(
      lambda x: jnp.sin(jnp.cos(jnp.exp(x)) + 1)).trace(X).jaxpr)
  assert any(releases for releases in executable.releases)
  np.testing.assert_allclose(np.asarray(executable(X)[0]), np.sin(np.cos(np.exp(X)) + 1),
                             rtol=1e-6)


@pytest.mark.parametrize("flag", ["jax_debug_nans", "jax_debug_infs"])
def test_debug_flags_check_every_equation_under_jit(flag):
  fn = (lambda x: jnp.log(x) * 2) if flag == "jax_debug_nans" else (lambda x: 1.0 / x)
  bad = np.float32(-1.0) if flag == "jax_debug_nans" else np.float32(0.0)
  jitted = pyjax.jit(fn)
  assert np.isnan(jitted(bad)) or np.isinf(jitted(bad))  # unchecked by default
  with pyjax.config.override(flag, True):
    with pytest.raises(FloatingPointError, match="encountered in (log|div)"):
      jitted(bad)

