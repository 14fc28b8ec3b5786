"""Sampling 10M float32 values with threefry: pyjax (eager, NumPy kernels) vs JAX (XLA on the CPU),
with NumPy's own generator (a different algorithm) as a yardstick, measured in one run and printed
as one table. The rows break `normal` into its parts: raw bits, then uniform floats.

Run: `.venv/bin/python bench/random_normal.py`. JAX is optional; its column shows 'n/a' when it is
not installed.
"""
from __future__ import annotations

import platform
import timeit

import numpy as np

import pyjax
from pyjax import random as pr

SIZE = 10_000_000


def best_time(fn, number: int = 1, repeat: int = 5) -> float:
  """Best seconds per call over `repeat` rounds (after one warm-up call, which also compiles)."""
  fn()
  return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def rows() -> list:
  rng = np.random.default_rng(0)
  cases = [
      ("bits uint32", lambda r, k: r.bits(k, (SIZE,)), lambda: rng.integers(
          0, 2**32, SIZE, dtype=np.uint32)),
      ("uniform float32", lambda r, k: r.uniform(k, (SIZE,)), lambda: rng.random(
          SIZE, dtype=np.float32)),
      ("normal float32", lambda r, k: r.normal(k, (SIZE,)), lambda: rng.standard_normal(
          SIZE, dtype=np.float32)),
  ]
  try:
    import jax
    import jax.random as jr
  except ImportError:
    jax = None
  out = []
  for name, sample, numpy_sample in cases:
    key = pr.key(0)
    result = {"numpy": best_time(numpy_sample),
              "pyjax": best_time(lambda: sample(pr, key).block_until_ready())}
    if jax is not None:
      jkey = jr.key(0)
      result["jax"] = best_time(lambda: sample(jr, jkey).block_until_ready())
    else:
      result["jax"] = float("nan")
    out.append((name, result))
  return out


def main() -> None:
  print(f"Sampling {SIZE:,} values on {platform.machine()} / Python "
        f"{platform.python_version()} / NumPy {np.__version__} / pyjax {pyjax.__version__}")
  columns = ["numpy", "pyjax", "jax"]
  header = f"{'sampler':<18}" + "".join(f"{c:>12}" for c in columns) + f"{'pyjax/jax':>12}"
  print(header)
  print("-" * len(header))
  for name, r in rows():
    cells = "".join(f"{r[c] * 1e3:>9.1f} ms" for c in columns)
    print(f"{name:<18}{cells}{r['pyjax'] / r['jax']:>12.2f}")
  print("\nnumpy: NumPy's PCG64 generator (not threefry), for scale. pyjax and jax draw identical "
        "bits, uniforms identical to the bit, normals within a few ulp.")


if __name__ == "__main__":
  main()
