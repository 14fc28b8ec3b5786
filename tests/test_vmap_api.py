"""`vmap`'s API against the oracle (jax 0.10.2): in_axes/out_axes as tree prefixes (lists, None,
negative axes, keyword arguments), unmapped outputs, axis_size, nested vmaps, tracer behaviour,
JAX's error classes and messages, composition with grad/jvp/vjp in both orders, and the seed
examples (per-example gradients, a 1-D convolution, batched MLP predictions)."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jjnp  # noqa: E402

import pyjax  # noqa: E402
import pyjax.numpy as pjnp  # noqa: E402

from oracle_util import assert_matches_oracle, assert_same_outcome, outcome  # noqa: E402

LIBS = {"pyjax": (pyjax, pjnp), "jax": (jax, jjnp)}


def both(build, tol=None):
  """Run `build(jax_module, numpy_module)` with pyjax and with the oracle; compare the outcomes
  (values, or error classes). Returns the two outcomes."""
  p = outcome(build, *LIBS["pyjax"])
  j = outcome(build, *LIBS["jax"])
  assert_same_outcome(p, j, tol)
  return p, j


def same_error(build, exact=True):
  """Both raise the same class of exception with the same message."""
  p, j = both(build)
  assert p[0] == "raise" and j[0] == "raise"
  if exact:
    assert str(p[1]) == str(j[1]), f"\npyjax:  {p[1]}\noracle: {j[1]}"
  return p[1], j[1]


def tree_both(build, tol=None):
  """Like `both` for functions returning pytrees of arrays."""
  p = outcome(build, *LIBS["pyjax"])
  j = outcome(build, *LIBS["jax"])
  if j[0] == "raise" or p[0] == "raise":
    assert_same_outcome(p, j)
    return
  p_leaves, p_tree = pyjax.tree_util.tree_flatten(p[1])
  j_leaves, j_tree = jax.tree_util.tree_flatten(j[1])
  assert len(p_leaves) == len(j_leaves)
  assert p_tree.num_nodes == j_tree.num_nodes
  for a, b in zip(p_leaves, j_leaves):
    if isinstance(b, jax.Array):
      assert_matches_oracle(a, b, tol)
    elif isinstance(b, np.ndarray) and isinstance(a, pyjax.Array):
      # JAX moves the batch axis of a NumPy argument returned as is with NumPy's transpose (so
      # it returns a NumPy array); pyjax returns an Array.
      assert a.dtype == b.dtype and not a.weak_type
      np.testing.assert_array_equal(np.asarray(a), b)
    else:  # a value passed through untouched (an unmapped output with out_axes None)
      assert type(a) is type(b) and np.array_equal(a, b)


X = np.arange(12, dtype=np.float32).reshape(3, 4)
Y = np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4)
TOL = (1e-5, 1e-6)

# ------------------------------------------------------------------------------------------------
# in_axes and out_axes


@pytest.mark.parametrize("in_axes", [0, 1, -1, -2, (0,), [1], (None,)])
def test_in_axes_of_one_argument(in_axes):
  axis_size = 3 if in_axes == (None,) else None
  both(lambda jx, np_: jx.vmap(lambda x: x * 2 + x.sum(), in_axes=in_axes,
                               axis_size=axis_size)(X))


@pytest.mark.parametrize("out_axes", [0, 1, -1, -2, None])
def test_out_axes(out_axes):
  both(lambda jx, np_: jx.vmap(lambda x: x[0] * x, out_axes=out_axes)(X))


def test_pytree_in_axes_prefix():
  args = ({"a": X, "b": Y.T}, Y)
  tree_both(lambda jx, np_: jx.vmap(lambda d, y: d["a"] @ d["b"] + y.sum(),
                                    in_axes=({"a": 0, "b": None}, None), axis_size=3)(*args))
  tree_both(lambda jx, np_: jx.vmap(lambda d, y: (d["a"].sum(), d["b"] * 2, y),
                                    in_axes=({"a": 1, "b": 0}, 1))(*args))


def test_keyword_arguments_are_mapped_on_axis_0():
  both(lambda jx, np_: jx.vmap(lambda x, y: x + y, in_axes=(1,))(X.T, y=X))


def test_out_axes_prefix_and_unbatched_outputs():
  f = lambda x: {"mapped": x * 2, "const": np.float32(3), "scalar": 1.0, "pair": (x, 2 * x[0])}
  tree_both(lambda jx, np_: jx.vmap(f, out_axes={"mapped": 1, "const": None, "scalar": 0,
                                                 "pair": (-1, 0)})(X))
  tree_both(lambda jx, np_: jx.vmap(lambda x: (x, 5), out_axes=(0, None))(X))


def test_unbatched_output_is_broadcast_with_its_weak_type():
  both(lambda jx, np_: jx.vmap(lambda x: 1.0)(X))
  both(lambda jx, np_: jx.vmap(lambda x: np_.int32(7), in_axes=None, axis_size=2)(X))
  both(lambda jx, np_: jx.vmap(lambda x: Y, in_axes=None, axis_size=5, out_axes=2)(X))


def test_axis_size_with_nothing_mapped():
  both(lambda jx, np_: jx.vmap(lambda x: x + 1, in_axes=None, axis_size=2)(X))


def test_non_array_arguments_with_in_axes_none_pass_through():
  both(lambda jx, np_: jx.vmap(lambda x, mode: x * (2 if mode == "double" else 3),
                               in_axes=(0, None))(X, "double"))


def test_nested_vmap():
  z = np.linspace(0, 1, 20, dtype=np.float32).reshape(4, 5)
  both(lambda jx, np_: jx.vmap(jx.vmap(lambda a, b: a * b + a.sum(), in_axes=(0, None)),
                               in_axes=(None, 1))(X, z))
  both(lambda jx, np_: jx.vmap(jx.vmap(lambda a: a ** 2, out_axes=0), out_axes=1)(X))


def test_closure_over_outer_tracer():
  both(lambda jx, np_: jx.vmap(lambda x: jx.vmap(lambda y: x * y)(Y[0]))(X[:, :1]))


def test_python_control_flow_on_unbatched_values():
  both(lambda jx, np_: jx.vmap(lambda x, n: x * n if n > 1 else x, in_axes=(0, None))(X, 3))


# ------------------------------------------------------------------------------------------------
# Tracers


def test_tracer_repr():
  seen = {}
  for name, (jx, np_) in LIBS.items():
    jx.vmap(lambda x: seen.setdefault(name, repr(x)) and x, in_axes=1)(X)
  assert seen["pyjax"] == seen["jax"] == "VmapTracer(aval=float32[3], batched=float32[3,4])"


@pytest.mark.parametrize("convert", [bool, float, int])
def test_batched_value_has_no_concrete_value(convert):
  both(lambda jx, np_: jx.vmap(lambda x: convert(x[0] > 0) * x)(X))


def test_vmap_inside_jit_and_jit_inside_vmap():
  both(lambda jx, np_: jx.jit(jx.vmap(lambda x: np_.sin(x) @ x))(X.T), TOL)
  both(lambda jx, np_: jx.vmap(jx.jit(lambda x: np_.cos(x).sum()), in_axes=1)(X), TOL)


def test_spmd_axis_name_is_accepted():
  both(lambda jx, np_: jx.vmap(lambda x: x * 2, spmd_axis_name="data")(X))


# ------------------------------------------------------------------------------------------------
# Errors, with JAX's classes and messages


def test_inconsistent_sizes_names_each_argument():
  same_error(lambda jx, np_: jx.vmap(lambda x, y: x + y)(np.ones(3), np.ones(4)))
  same_error(lambda jx, np_: jx.vmap(lambda x, y: x)(np.ones((3, 2)), {
      "a": np.ones(4), "b": np.ones(4), "c": np.ones(3)}))
  same_error(lambda jx, np_: jx.vmap(lambda x, y: x + y)(np.ones(3), y=np.ones(4)))
  same_error(lambda jx, np_: jx.vmap(lambda *a: a[0])(np.ones(3), np.ones(4)))
  same_error(lambda jx, np_: jx.vmap(lambda x: x, axis_size=4)(np.ones(3)))
  same_error(lambda jx, np_: jx.vmap(lambda x, y: x, in_axes=(1, 0))(np.ones((2, 5)),
                                                                      np.ones(3, np.int32)))


def test_axis_size_required_when_nothing_is_mapped():
  same_error(lambda jx, np_: jx.vmap(lambda x: x, in_axes=None)(np.ones(3)))
  same_error(lambda jx, np_: jx.vmap(lambda: 1.0)())


@pytest.mark.parametrize("axis_name", [None, "i"])
def test_mapped_output_with_out_axes_none(axis_name):
  same_error(lambda jx, np_: jx.vmap(lambda x: x, out_axes=None, axis_name=axis_name)(X))
  same_error(lambda jx, np_: jx.vmap(lambda x: (1.0, {"k": x}), out_axes=(None, {"k": None}),
                                     axis_name=axis_name)(X))


@pytest.mark.parametrize("in_axes", [1, -2, 2])
def test_in_axis_out_of_range(in_axes):
  same_error(lambda jx, np_: jx.vmap(lambda x: x, in_axes=in_axes)(np.ones(3)))


@pytest.mark.parametrize("out_axes", [2, -3])
def test_out_axis_out_of_range(out_axes):
  same_error(lambda jx, np_: jx.vmap(lambda x: x, out_axes=out_axes)(np.ones(3)))


def test_scalar_argument_cannot_be_mapped():
  same_error(lambda jx, np_: jx.vmap(lambda x: x)(3.0))


def normalize_leaf_type(message: str) -> str:
  return message.replace("jax._src.api_util.PytreeLeaf", "LEAF").replace(
      "pyjax._src.vmap_api.PytreeLeaf", "LEAF")


@pytest.mark.parametrize("in_axes, args", [
    (((0, 0),), (np.ones(3),)),
    (({"a": 0},), ({"b": np.ones(3)},)),
    (([0, 1],), ((np.ones(3), np.ones((2, 3))),)),
])
def test_in_axes_not_a_tree_prefix(in_axes, args):
  p, j = same_error(lambda jx, np_: jx.vmap(lambda x: x, in_axes=in_axes)(*args), exact=False)
  assert normalize_leaf_type(str(p)) == normalize_leaf_type(str(j))


def test_out_axes_not_a_tree_prefix():
  p, j = same_error(lambda jx, np_: jx.vmap(lambda x: x, out_axes=(0, 0))(np.ones(3)),
                    exact=False)
  assert normalize_leaf_type(str(p)) == normalize_leaf_type(str(j))


@pytest.mark.parametrize("in_axes", [1.0, {"a": 0}, (0, "x"), True])
def test_in_axes_of_the_wrong_type(in_axes):
  same_error(lambda jx, np_: jx.vmap(lambda x: x, in_axes=in_axes)(np.ones(3)))


def test_in_axes_tuple_of_the_wrong_length():
  same_error(lambda jx, np_: jx.vmap(lambda x, y: x, in_axes=(0,))(np.ones(3), np.ones(3)))


def test_out_axes_of_the_wrong_type():
  same_error(lambda jx, np_: jx.vmap(lambda x: x, out_axes=1.5)(np.ones(3)))


def test_not_callable():
  same_error(lambda jx, np_: jx.vmap(3))


def test_output_not_a_jax_type():
  same_error(lambda jx, np_: jx.vmap(lambda x: "a")(np.ones(3)), exact=False)


def test_unbound_axis_name():
  same_error(lambda jx, np_: jx.lax.psum(np.ones(3), "j"))
  same_error(lambda jx, np_: jx.vmap(lambda x: jx.lax.psum(x, "j"), axis_name="i")(np.ones(3)))


# ------------------------------------------------------------------------------------------------
# Composition with differentiation, in both orders


def loss(params, x, y):
  w, b = params
  return ((x @ w + b - y) ** 2).mean()


PARAMS = (np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3),
          np.array([0.1, -0.2, 0.3], np.float32))
XS = np.cos(np.arange(20, dtype=np.float32)).reshape(5, 4)
YS = np.sin(np.arange(15, dtype=np.float32)).reshape(5, 3)


def test_per_example_gradients():
  tree_both(lambda jx, np_: jx.vmap(jx.grad(loss), in_axes=(None, 0, 0))(PARAMS, XS, YS), TOL)


def test_grad_of_vmapped_function():
  tree_both(lambda jx, np_: jx.grad(lambda p: jx.vmap(loss, in_axes=(None, 0, 0))(
      p, XS, YS).sum())(PARAMS), TOL)
  both(lambda jx, np_: jx.grad(lambda x: jx.vmap(lambda r: np_.tanh(r) @ r)(x).sum())(X), TOL)


def test_jvp_and_vjp_with_vmap():
  tree_both(lambda jx, np_: jx.vmap(lambda x, t: jx.jvp(np_.sin, (x,), (t,)))(X, X * 0.1), TOL)
  tree_both(lambda jx, np_: jx.jvp(jx.vmap(lambda r: np_.exp(r) * r.sum()), (X,), (X * 0.5,)),
            TOL)
  tree_both(lambda jx, np_: jx.vmap(lambda x: jx.vjp(np_.sin, x)[1](x))(X), TOL)
  # vmap of a VJP function over a batch of cotangents (rows of a Jacobian)
  tree_both(lambda jx, np_: jx.vmap(jx.vjp(lambda x: np_.sin(x) * x[0], X[0])[1])(np.eye(4, dtype=np.float32)),
            TOL)


def test_vmap_of_hessian_vector_products():
  f = lambda x: (x ** 3).sum()
  tree_both(lambda jx, np_: jx.vmap(lambda v: jx.jvp(jx.grad(f), (X[1],), (v,))[1])(
      np.eye(4, dtype=np.float32)), TOL)


def test_custom_jvp_and_custom_vjp_under_vmap():
  def build(jx, np_):
    @jx.custom_jvp
    def clip(x):
      return np_.clip(x, -1.0, 1.0)
    clip.defjvp(lambda p, t: (clip(p[0]), t[0] * 0.5))

    @jx.custom_vjp
    def scaled(x, y):
      return x * y
    scaled.defvjp(lambda x, y: (x * y, (x, y)), lambda r, g: (g * r[1] * 3, g * r[0] * 5))
    xs = np.linspace(-2, 2, 6, dtype=np.float32)
    return (jx.vmap(clip)(xs), jx.vmap(jx.grad(clip))(xs),
            jx.grad(lambda v: jx.vmap(clip)(v).sum())(xs),
            jx.vmap(jx.grad(scaled, argnums=(0, 1)), in_axes=(0, None))(xs, 2.0),
            jx.grad(lambda v, w: jx.vmap(scaled, in_axes=(0, None))(v, w).sum(),
                    argnums=(0, 1))(xs, 2.0))
  tree_both(build, TOL)


# ------------------------------------------------------------------------------------------------
# The seed examples


def test_vmap_grad_relu():
  def build(jx, np_):
    relu = lambda x: np_.maximum(x, 0.0)
    return jx.vmap(jx.grad(relu))(np_.linspace(-3, 3, 200))
  both(build)


def test_grad_batched_with_unbatched_parameters():
  def build(jx, np_):
    def g(w, x, y):
      return ((np_.tanh(x @ w) - y) ** 2).sum()
    grad_batched = jx.vmap(jx.grad(g), in_axes=(None, 0, 0))
    return grad_batched(PARAMS[0], XS, YS)
  both(build, TOL)


def test_batched_1d_convolution():
  kernel = np.array([0.25, 0.5, 0.25], np.float32)

  def build(jx, np_):
    def conv1d(x, w):
      n = x.shape[0] - w.shape[0] + 1
      return np_.stack([np_.dot(x[i:i + w.shape[0]], w) for i in range(n)])
    signals = np.sin(np.arange(40, dtype=np.float32) / 3).reshape(4, 10)
    return (jx.vmap(conv1d, in_axes=(0, None))(signals, kernel),
            jx.vmap(conv1d)(signals, np.stack([kernel * k for k in range(1, 5)])))
  tree_both(build, TOL)


def test_batched_mlp_predictions():
  rng = np.random.default_rng(0)
  layers = [(rng.standard_normal((8, 16)).astype(np.float32) * 0.3, np.zeros(16, np.float32)),
            (rng.standard_normal((16, 4)).astype(np.float32) * 0.3, np.ones(4, np.float32))]
  images = rng.standard_normal((10, 8)).astype(np.float32)

  def build(jx, np_):
    def predict(params, image):
      activations = image
      for w, b in params[:-1]:
        activations = np_.tanh(np_.dot(activations, w) + b)
      w, b = params[-1]
      logits = np_.dot(activations, w) + b
      return logits - np_.log(np_.sum(np_.exp(logits)))
    return jx.vmap(predict, in_axes=(None, 0))(layers, images)
  both(build, TOL)


# ------------------------------------------------------------------------------------------------
# The batched program is the one JAX builds


W = np.ones((4, 5), np.float32)
B3 = np.ones((2, 3, 4), np.float32)
STAGED = {  # name: (build the function from a library, arguments)
    "matmul, one side batched": (lambda jx, np_: jx.vmap(lambda x, w: x @ w, in_axes=(0, None)),
                                 (X, W)),
    "matmul, rhs batched on axis 1": (lambda jx, np_: jx.vmap(lambda x, w: x @ w,
                                                              in_axes=(None, 1)),
                                      (X, np.ones((4, 5, 2), np.float32))),
    "matmul, both batched": (lambda jx, np_: jx.vmap(lambda x, w: x @ w),
                             (B3, np.ones((2, 4, 5), np.float32))),
    "reduction": (lambda jx, np_: jx.vmap(lambda x: np_.sum(x, axis=0), in_axes=1), (B3,)),
    "broadcasting an unbatched operand": (lambda jx, np_: jx.vmap(lambda x, y: x + y,
                                                                  in_axes=(0, None)), (X, Y[0])),
    "operands batched on different axes": (lambda jx, np_: jx.vmap(lambda x, y: x * y,
                                                                   in_axes=(1, 0)), (X, X.T)),
    "reshape": (lambda jx, np_: jx.vmap(lambda x: x.reshape(2, 2)), (X,)),
    "concatenate": (lambda jx, np_: jx.vmap(lambda x, y: np_.concatenate([x, y]),
                                            in_axes=(0, None)), (X, Y[0])),
    "static slice": (lambda jx, np_: jx.vmap(lambda x: x[1:3]), (X,)),
    "grad": (lambda jx, np_: jx.vmap(jx.grad(lambda x: np_.sin(x).sum())), (X,)),
    "out_axes": (lambda jx, np_: jx.vmap(lambda x: np_.exp(x), out_axes=1), (B3,)),
    "nested": (lambda jx, np_: jx.vmap(jx.vmap(lambda x, y: x * y, in_axes=(0, None)),
                                       in_axes=(None, 1)), (X, B3)),
}


@pytest.mark.parametrize("name", sorted(STAGED))
def test_staged_program_matches_jax(name):
  import re
  build, args = STAGED[name]

  def text(jx, np_):
    staged = jx.make_jaxpr(build(jx, np_))(*args)
    # JAX prints some integers as NumPy 2 scalars (`np.int64(1)`), which also changes where it
    # breaks lines: compare modulo both.
    text = re.sub(r"np\.int64\((-?\d+)\)", r"\1", str(staged))
    return re.sub(r"\[ | \]", lambda m: m.group(0).strip(), re.sub(r"\s+", " ", text))
  assert text(pyjax, pjnp) == text(jax, jjnp)


def test_escaped_tracer():
  def build(jx, np_):
    saved = []
    jx.vmap(lambda x: saved.append(x) or x)(np.ones(3, np.float32))
    return saved[0] + 1
  same_error(build)
