"""Eager dispatch overhead: `x + y` on small and large float32 arrays, pyjax vs NumPy vs JAX,
measured in one run and printed as one table.

Run: `make bench` (or `.venv/bin/python bench/dispatch.py`). JAX is optional; its column shows
'n/a' when it is not installed.
"""
from __future__ import annotations

import platform
import timeit

import numpy as np

import pyjax.numpy as pnp


def best_time(fn, number: int, repeat: int = 7) -> float:
  """Best mean seconds per call over `repeat` rounds of `number` calls (the least noisy
  estimate of the cost itself)."""
  fn()
  return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def measure(size: int, number: int) -> dict:
  rng = np.random.default_rng(0)
  a = rng.standard_normal(size).astype(np.float32)
  b = rng.standard_normal(size).astype(np.float32)
  results = {"numpy": best_time(lambda: a + b, number)}
  x, y = pnp.asarray(a), pnp.asarray(b)
  results["pyjax"] = best_time(lambda: x + y, number)
  try:
    import jax
    import jax.numpy as jnp
    jx, jy = jnp.asarray(a), jnp.asarray(b)
    results["jax"] = best_time(lambda: (jx + jy).block_until_ready(), number)
    results["jax (async)"] = best_time(lambda: jx + jy, number)
    del jax
  except ImportError:
    results["jax"] = results["jax (async)"] = float("nan")
  return results


def main() -> None:
  rows = [("x + y, 3 elements", measure(3, 20000)),
          ("x + y, 1M elements", measure(1_000_000, 100))]
  print(f"Eager dispatch on {platform.machine()} / Python {platform.python_version()} "
        f"/ NumPy {np.__version__}")
  columns = ["numpy", "pyjax", "jax", "jax (async)"]
  header = f"{'operation':<22}" + "".join(f"{c:>14}" for c in columns) + f"{'pyjax/jax':>12}"
  print(header)
  print("-" * len(header))
  for name, r in rows:
    cells = "".join(f"{r[c] * 1e6:>11.2f} us" for c in columns)
    print(f"{name:<22}{cells}{r['pyjax'] / r['jax']:>12.2f}")
  print("\nTarget: a small op costs at most half of JAX's eager dispatch (pyjax/jax <= 0.5); a "
        "large op costs what NumPy costs.")


if __name__ == "__main__":
  main()
