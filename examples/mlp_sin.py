"""The seeds' MLP: fit y = sin(3x) with a small ReLU network, He initialization, mean squared
error and plain gradient descent written with `tree.map` — JAX code with pyjax imports.

Run with `make demo` (part of the tour) or `.venv/bin/python examples/mlp_sin.py`; writes the
fit to examples/mlp_sin.png.
"""
from pathlib import Path

import pyjax as jax
import pyjax.numpy as jnp
from pyjax import grad, jit, random


def init_params(key, sizes):
  """He initialization: weights ~ N(0, 2 / fan_in), biases zero."""
  params = []
  for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
    key, subkey = random.split(key)
    w = random.normal(subkey, (fan_in, fan_out)) * jnp.sqrt(2.0 / fan_in)
    params.append({"w": w, "b": jnp.zeros(fan_out)})
  return params


def relu(x):
  return jnp.maximum(0, x)


def predict(params, x):
  for layer in params[:-1]:
    x = relu(x @ layer["w"] + layer["b"])
  last = params[-1]
  return x @ last["w"] + last["b"]


def loss(params, x, y):
  return jnp.mean((predict(params, x) - y) ** 2)


@jit
def update(params, x, y, learning_rate=0.03):
  grads = grad(loss)(params, x, y)
  return jax.tree.map(lambda p, g: p - learning_rate * g, params, grads)


def main(steps: int = 2000, plot_path: Path = Path(__file__).with_name("mlp_sin.png")):
  x = jnp.linspace(-1.0, 1.0, 256).reshape(-1, 1)
  y = jnp.sin(3.0 * x)
  params = init_params(random.key(0), [1, 64, 64, 1])
  print(f"{'step':>6}  {'loss':>10}")
  for step in range(steps + 1):
    if step % (steps // 8) == 0:
      print(f"{step:>6}  {float(loss(params, x, y)):>10.6f}")
    if step < steps:
      params = update(params, x, y)
  final = float(loss(params, x, y))
  try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
  except ImportError:
    print("matplotlib is not installed; skipping the plot")
    return final
  fig, ax = plt.subplots(figsize=(6, 4))
  ax.plot(x[:, 0], y[:, 0], label="target: sin(3x)")
  ax.plot(x[:, 0], predict(params, x)[:, 0], "--", label="MLP fit")
  ax.set_title(f"pyjax MLP, {steps} steps of gradient descent (MSE {final:.4f})")
  ax.legend()
  fig.tight_layout()
  fig.savefig(plot_path, dpi=100)
  print(f"wrote {plot_path}")
  return final


if __name__ == "__main__":
  main()
