"""Call overhead of a jitted function: a small function called again and again with the same
signature (so only the cached fast path is measured), pyjax vs JAX, in one run, one table.

Run: `.venv/bin/python bench/jit_overhead.py`. JAX is optional ('n/a' without it).
"""
from __future__ import annotations

import platform
import timeit

import numpy as np

import pyjax
import pyjax.numpy as pnp


def best_time(fn, number: int = 5000, repeat: int = 7) -> float:
  fn()
  return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def programs(lib, np_):
  def one_op(x):
    return x + 1.0

  def five_ops(x, y):
    return np_.sum(np_.sin(x) * y + 2.0)

  def pytree(params, x):
    return np_.tanh(x @ params["w"] + params["b"])

  x = np_.ones(3)
  y = np_.ones(3)
  params = {"w": np_.ones((3, 3)), "b": np_.zeros(3)}
  return {
      "x + 1.0": (lib.jit(one_op), (x,)),
      "sum(sin(x) * y + 2)": (lib.jit(five_ops), (x, y)),
      "tanh(x @ w + b), dict params": (lib.jit(pytree), (params, x)),
  }


def main() -> None:
  rows = {}
  for name, (fn, args) in programs(pyjax, pnp).items():
    rows[name] = {"pyjax": best_time(lambda: fn(*args))}
  try:
    import jax
    import jax.numpy as jnp
    for name, (fn, args) in programs(jax, jnp).items():
      rows[name]["jax"] = best_time(lambda: fn(*args).block_until_ready())
  except ImportError:
    for row in rows.values():
      row["jax"] = float("nan")
  print(f"jit call overhead (cached signature) on {platform.machine()} / Python "
        f"{platform.python_version()} / NumPy {np.__version__}")
  header = f"{'program':<32}{'pyjax':>12}{'jax':>12}{'pyjax/jax':>12}"
  print(header)
  print("-" * len(header))
  for name, r in rows.items():
    print(f"{name:<32}{r['pyjax'] * 1e6:>9.2f} us{r['jax'] * 1e6:>9.2f} us"
          f"{r['pyjax'] / r['jax']:>12.2f}")
  print("\npyjax runs a jitted program as generated straight-line Python, one NumPy call per"
        "\nequation; the C compiler will replace it behind the same interface.")


if __name__ == "__main__":
  main()
