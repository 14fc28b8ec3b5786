"""Per-example gradients of a small MLP over a batch of 128: `vmap(grad(loss), in_axes=(None, 0,
0))`, pyjax vs JAX, eager and jitted, with a Python loop of `grad` as the baseline vmap replaces.
One run, one table.

Run: `.venv/bin/python bench/vmap_grad.py`. JAX is optional ('n/a' without it).
"""
from __future__ import annotations

import os
import platform
import timeit

import numpy as np

import pyjax
import pyjax.numpy as pnp

BATCH, SIZES = 128, (32, 64, 64, 10)


def best_time(fn, number: int, repeat: int = 5) -> float:
  fn()
  return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def problem():
  rng = np.random.default_rng(0)
  params = [(rng.standard_normal((m, n)).astype(np.float32) / np.sqrt(m),
             np.zeros(n, np.float32)) for m, n in zip(SIZES[:-1], SIZES[1:])]
  xs = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
  ys = rng.standard_normal((BATCH, SIZES[-1])).astype(np.float32)
  return params, xs, ys


def programs(lib, np_):
  def loss(params, x, y):
    h = x
    for w, b in params[:-1]:
      h = np_.tanh(h @ w + b)
    w, b = params[-1]
    return np_.sum((h @ w + b - y) ** 2)

  per_example = lib.vmap(lib.grad(loss), in_axes=(None, 0, 0))
  grad = lib.grad(loss)

  def loop(params, xs, ys):
    return [grad(params, xs[i], ys[i]) for i in range(xs.shape[0])]

  return {"vmap(grad), eager": per_example,
          "vmap(grad), jit": lib.jit(per_example),
          "loop of grad, eager": loop}


def block(tree, lib):
  for leaf in lib.tree_util.tree_leaves(tree):
    leaf.block_until_ready()


def measure(lib, np_) -> dict:
  params, xs, ys = problem()
  params = lib.tree_util.tree_map(np_.asarray, params)
  xs, ys = np_.asarray(xs), np_.asarray(ys)
  times = {}
  for name, fn in programs(lib, np_).items():
    number = 1 if "loop" in name else 5
    times[name] = best_time(lambda: block(fn(params, xs, ys), lib), number)
  return times


def check_agreement(lib_results) -> str:
  """Largest difference between pyjax's and JAX's per-example gradients."""
  import jax
  import jax.numpy as jnp
  params, xs, ys = problem()
  p = programs(pyjax, pnp)["vmap(grad), eager"](params, xs, ys)
  j = programs(jax, jnp)["vmap(grad), eager"](params, xs, ys)
  diffs = [float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
           for a, b in zip(pyjax.tree_util.tree_leaves(p), jax.tree_util.tree_leaves(j))]
  return f"max |pyjax - jax| over all per-example gradients: {max(diffs):.2e}"


def main() -> None:
  rows = {name: {"pyjax": t} for name, t in measure(pyjax, pnp).items()}
  agreement = ""
  try:
    import jax
    import jax.numpy as jnp
    for name, t in measure(jax, jnp).items():
      rows[name]["jax"] = t
    agreement = check_agreement(rows)
  except ImportError:
    for row in rows.values():
      row["jax"] = float("nan")
  print(f"per-example gradients, MLP {'-'.join(map(str, SIZES))}, batch {BATCH}, on "
        f"{platform.machine()} / Python {platform.python_version()} / NumPy {np.__version__}")
  header = f"{'program':<24}{'pyjax':>12}{'jax':>12}{'pyjax/jax':>12}"
  print(header)
  print("-" * len(header))
  for name, r in rows.items():
    print(f"{name:<24}{r['pyjax'] * 1e3:>9.2f} ms{r['jax'] * 1e3:>9.2f} ms"
          f"{r['pyjax'] / r['jax']:>12.1f}")
  if agreement:
    print(agreement)
  print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (on a loaded machine, threaded BLAS "
        "calls stall:\nset OPENBLAS_NUM_THREADS=1 for stable numbers)")
  print("\npyjax eager: every primitive of the batched program runs once as a NumPy call on the "
        "whole batch;\npyjax jit: the same program staged once and run by pyjax's NumPy "
        "interpreter (the C compiler will\nreplace it behind the same interface). JAX eager "
        "dispatches each primitive to XLA.")


if __name__ == "__main__":
  main()
