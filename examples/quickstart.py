"""A short tour of pyjax: JAX code that runs by changing its imports.

Run with `make demo`. Each section prints what it shows; sections for transformations appear as
they land (see the README's status table).
"""
import numpy as np

import pyjax as jax
import pyjax.numpy as jnp


def section(title: str) -> None:
  print(f"\n=== {title} " + "=" * max(0, 70 - len(title)))


section("Arrays: the NumPy API, JAX's dtype defaults")
arange_np, arange_jnp = np.arange(5), jnp.arange(5)
print("np.arange(5).dtype  =", arange_np.dtype, "  jnp.arange(5).dtype =", arange_jnp.dtype)
print("jnp.linspace(-3, 3, 100).dtype =", jnp.linspace(-3, 3, 100).dtype)
print("jnp.zeros((10, 10), dtype=jnp.float16).dtype =",
      jnp.zeros((10, 10), dtype=jnp.float16).dtype)
x = jnp.arange(6.0).reshape(2, 3)
print("x =", repr(x))
print("x.sum(axis=0) =", x.sum(axis=0), "  x @ x.T =", (x @ x.T).tolist())
print("weak types: jnp.array(1) ->", repr(jnp.array(1)), "  int8 + 1 ->",
      (jnp.ones(2, jnp.int8) + 1).dtype)

section("Immutability and .at[]")
y = jnp.arange(10)
try:
  y[2] = 5
except TypeError as error:
  print("y[2] = 5 raises TypeError:", str(error).split(".")[0] + ".")
print("y.at[2].set(5)        =", y.at[2].set(5))
print("y.at[::3].add(100)    =", y.at[::3].add(100))
print("y is unchanged        =", y)
print("NumPy accepts Arrays: np.mean(y) =", np.mean(y))

section("Tracing to a jaxpr")


def f(x):
  x = x + 2
  x = x**2 - 4
  return jnp.sum(x)


xs = jnp.linspace(-10, 10, 1_000_000)
print("f(xs) =", f(xs))
print(jax.make_jaxpr(f)(xs))

section("Pytrees")
params = {"w": jnp.ones((2, 3)), "b": jnp.zeros(3), "layers": [1.0, (2.0, None)]}
leaves, treedef = jax.tree_util.tree_flatten(params)
print("treedef:", treedef)
print("shapes :", jax.tree.map(lambda leaf: jnp.shape(leaf), params))
