"""The seed's "JAX as a faster NumPy" benchmark: `(x - x.mean(1)) / x.std(1)`, in NumPy (float64,
its default), pyjax and JAX (float32, their default), eagerly and under jit, measured in one run and
printed as one table. The seed uses 10000x10000; at that size XLA took over three minutes to compile
the jitted program on our 2-core machine, so the table uses 4000x4000.

Run: `.venv/bin/python bench/normalize.py`. JAX is optional; its column shows 'n/a' when it is not
installed.
"""
from __future__ import annotations

import platform
import timeit

import numpy as np

import pyjax
import pyjax.numpy as pjnp

SIZE = 4_000


def best_time(fn, repeat: int = 3) -> float:
  fn()  # warm-up (and compilation for jitted functions)
  return min(timeit.repeat(fn, number=1, repeat=repeat))


def normalize(x):
  return (x - x.mean(1)) / x.std(1)


def main() -> None:
  x = np.random.default_rng(0).random((SIZE, SIZE))
  rows = [("numpy (float64)", best_time(lambda: normalize(x)))]
  xp = pjnp.array(x)
  jitted = pyjax.jit(normalize)
  rows += [("pyjax eager (float32)", best_time(lambda: normalize(xp).block_until_ready())),
           ("pyjax jit (float32)", best_time(lambda: jitted(xp).block_until_ready()))]
  try:
    import jax
    import jax.numpy as jjnp
  except ImportError:
    rows += [("jax eager (float32)", None), ("jax jit (float32)", None)]
  else:
    xj = jjnp.array(x)
    jax_jitted = jax.jit(normalize)
    rows += [("jax eager (float32)", best_time(lambda: normalize(xj).block_until_ready())),
             ("jax jit (float32)", best_time(lambda: jax_jitted(xj).block_until_ready()))]
  print(f"(x - x.mean(1)) / x.std(1) on {SIZE}x{SIZE}, {platform.machine()} / "
        f"Python {platform.python_version()} / NumPy {np.__version__}")
  print(f"{'implementation':<26}{'time':>12}")
  print("-" * 38)
  for name, seconds in rows:
    print(f"{name:<26}{'n/a' if seconds is None else f'{seconds * 1e3:.0f} ms':>12}")


if __name__ == "__main__":
  main()
