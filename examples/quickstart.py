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

section("grad: derivatives of Python functions")
from pyjax import grad, jit, random, vmap  # noqa: E402


def relu(x):
  return jnp.maximum(0, x)


print("grad(lambda x: x**2)(3.0) =", grad(lambda x: x**2)(3.0))


def poly(a, b):
  return 2 * a**3 - b**2


print("d/da, d/db of 2a^3 - b^2 at (2, 3) =", grad(poly, argnums=0)(2.0, 3.0),
      grad(poly, argnums=1)(2.0, 3.0))
print("hessian of sum(sin(x)) at [0, pi/2] =\n", jax.hessian(lambda x: jnp.sin(x).sum())(
    jnp.array([0.0, jnp.pi / 2])))
params = {"w": jnp.array([1.0, -2.0]), "b": 0.5}
print("grad over a dict of params:", grad(lambda p, x: jnp.sum(p["w"] * x + p["b"]) ** 2)(
    params, jnp.array([3.0, 1.0])))

section("vmap: write it for one example, run it on a batch")
xs = jnp.linspace(-3, 3, 7)
print("vmap(grad(relu))(linspace(-3, 3, 7)) =", vmap(grad(relu))(xs))
w = jnp.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
print("vmap(matrix @ vector, in_axes=(None, 0)) ->",
      vmap(lambda m, v: m @ v, in_axes=(None, 0))(w, jnp.eye(2)).tolist())

section("jit: trace once per signature, then run the cached program")
traces = []


@jit
def norm(x):
  traces.append(x.shape)  # runs only while tracing
  x = x - x.mean(1, keepdims=True)
  return x / x.std(1, keepdims=True)


m = jnp.arange(12.0).reshape(3, 4)
norm(m)
norm(m + 1)
norm(jnp.ones((2, 2)))
print("three calls, traced for shapes:", traces)
print(jax.make_jaxpr(jit(grad(lambda x: jnp.sin(x) * x)))(1.0))

section("random: explicit keys, split before use")
key = random.key(21)
print("key =", key)
key, subkey = random.split(key)
print("normal(subkey, (3,))      =", random.normal(subkey, (3,)))
print("same key, same numbers    =", random.normal(subkey, (3,)))
print("uniform(key, (2, 2))      =", random.uniform(key, (2, 2)).tolist())
print("permutation(key, 8)       =", random.permutation(key, 8))
