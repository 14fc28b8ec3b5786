"""Tables of cases run in pyjax and in the oracle (jax 0.10.2), for the linalg, fft and
scipy.linalg tests.

A case is a function of a library namespace `L` (`L.top` is pyjax or jax, `L.np` its numpy,
`L.lax`, `L.linalg` its lax.linalg, `L.scipy` its scipy.linalg). pyjax runs every case eagerly, as
a user would; the oracle runs all the cases of a table in *one* jitted program, because compiling
one XLA executable per eager operation would dominate the test time. A case that raises in the
oracle is run on its own, to record its exception.
"""
from __future__ import annotations

import types
import warnings
from typing import Callable

import jax
import numpy as np

import pyjax

from oracle_util import assert_same_outcome, outcome, x64


def namespace(top) -> types.SimpleNamespace:
  return types.SimpleNamespace(top=top, np=top.numpy, lax=top.lax, linalg=top.lax.linalg,
                               scipy=top.scipy.linalg)


PYJAX = namespace(pyjax)
ORACLE = namespace(jax)


class CaseTable:
  """Cases sharing one jitted oracle program (in x64 mode if `enable_x64`)."""

  def __init__(self, cases: dict[str, Callable], enable_x64: bool = False):
    self.cases = cases
    self.enable_x64 = enable_x64
    self._oracle: dict | None = None

  def __iter__(self):
    return iter(sorted(self.cases))

  def _compute_oracle(self) -> dict:
    results, jittable = {}, {}
    with warnings.catch_warnings(), x64(self.enable_x64):
      warnings.simplefilter("ignore")
      for name, fn in self.cases.items():
        try:
          jax.eval_shape(lambda fn=fn: fn(ORACLE))
          jittable[name] = fn
        except Exception as e:  # noqa: BLE001
          results[name] = ("raise", e)
      try:
        outs = jax.jit(lambda: {name: fn(ORACLE) for name, fn in jittable.items()})()
        results.update((name, ("ok", out)) for name, out in outs.items())
      except Exception:  # noqa: BLE001  (an error when compiling: run the cases one by one)
        for name, fn in jittable.items():
          results[name] = outcome(fn, ORACLE)
    return results

  def oracle(self, name: str):
    if self._oracle is None:
      self._oracle = self._compute_oracle()
    return self._oracle[name]

  def pyjax(self, name: str):
    with warnings.catch_warnings(), x64(self.enable_x64):
      warnings.simplefilter("ignore")
      return outcome(self.cases[name], PYJAX)

  def check(self, name: str, tol=None) -> None:
    """pyjax's eager result equals the oracle's (dtypes, shapes, weak types; values within
    `tol`). The oracle must succeed: error cases belong in tests of their own."""
    expected = self.oracle(name)
    assert expected[0] == "ok", f"{name}: the oracle raised {expected[1]!r}"
    assert_same_outcome(self.pyjax(name), expected, tol, f"{name}: ")


def close(actual, expected, tol) -> None:
  rtol, atol = tol
  np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=rtol, atol=atol)
