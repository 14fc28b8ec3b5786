"""A battery of differentiated programs against the oracle (jax 0.10.2): for each function, its
gradient, forward and reverse Jacobians and Hessian (MLP loss over dict params, softmax
cross-entropy, log-sum-exp, norms, products, divisions, power, where, indexing, reductions, matmul
chains, custom_jvp and custom_vjp functions, checkpointed blocks under each policy).

The oracle runs the whole table in one jitted program (see case_tables.py)."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("jax")
import jax.ad_checkpoint  # noqa: E402,F401  (submodules the cases use)
import jax.scipy.special  # noqa: E402,F401

from case_tables import CaseTable  # noqa: E402

rng = np.random.RandomState(0)
X = rng.randn(4).astype(np.float32)
POS = (rng.rand(4) + 0.5).astype(np.float32)
M = rng.randn(3, 4).astype(np.float32)
N = rng.randn(4, 4).astype(np.float32)
ONE_HOT = np.eye(4, dtype=np.float32)[[0, 2, 1]]
LABELS = np.array([0, 2, 1], np.int32)
MASK = np.array([True, False, True, True])
BATCH = rng.randn(5, 2).astype(np.float32)
TARGET = rng.randn(5, 1).astype(np.float32)
PARAMS = {"w1": rng.randn(2, 3).astype(np.float32), "b1": rng.randn(3).astype(np.float32),
          "w2": rng.randn(3, 1).astype(np.float32), "b2": np.zeros(1, np.float32)}


def mlp_loss(L):
  def loss(p):
    h = L.np.maximum(BATCH @ p["w1"] + p["b1"], 0.0)
    return L.np.mean((L.np.tanh(h) @ p["w2"] + p["b2"] - TARGET) ** 2)
  return loss


def softmax_xent(L):
  def loss(x):
    logits = M * x
    shift = L.lax.stop_gradient(L.np.max(logits, axis=1, keepdims=True))
    logp = logits - shift - L.np.log(L.np.sum(L.np.exp(logits - shift), axis=1, keepdims=True))
    return -L.np.mean(L.np.sum(logp * ONE_HOT, axis=1))
  return loss


def softmax_xent_labels(L):
  def loss(x):
    logits = M * x
    logp = logits - L.top.scipy.special.logsumexp(logits, axis=1, keepdims=True)
    smoothed = L.np.sum(L.top.nn.log_softmax(logits) * ONE_HOT) * 0.1
    return -L.np.mean(logp[L.np.arange(3), LABELS]) - smoothed
  return loss


def advanced_indexing(L):
  def f(x):
    y = L.np.asarray(x).at[L.np.array([0, 2, 0])].add(x[1:] ** 2)
    return L.np.sum(y[L.np.array([3, 0, 3])] ** 3) + L.np.sum(y[MASK] * x[MASK])
  return f


def cumulative(L):
  return lambda x: L.np.sum(L.np.cumprod(x)) + L.np.sum(L.np.cumsum(x) ** 2)


def diag_chain(L):
  return lambda x: L.np.sum(L.np.tanh(M @ L.np.diag(x) @ N @ x) ** 2)


def logsumexp(L):
  return lambda x: L.np.log(L.np.sum(L.np.exp(x * 3.0)))


def norms(L):
  return lambda x: L.np.linalg.norm(x) + L.np.sqrt(L.np.sum(L.np.abs(x) ** 3)) * 0.5


def products(L):
  return lambda x: L.np.prod(x) + L.np.sum(x[:-1] * x[1:]) + L.np.dot(x, x[::-1])


def divisions(L):
  return lambda x: L.np.sum(x / (POS + x ** 2)) + 1.0 / L.np.sum(x ** 2)


def power(L):
  return lambda x: L.np.sum(L.np.power(POS + x ** 2, x)) + L.np.sum(x ** 3) - L.np.sum(
      L.lax.integer_pow(x, -2))


def where(L):
  return lambda x: L.np.sum(L.np.where(x > 0, L.np.sin(x), x ** 2 * 3.0))


def indexing(L):
  def f(x):
    x = L.np.asarray(x)
    y = x.at[1].set(x[2] * x[0]).at[::2].add(x[::-2] ** 2)
    return y[0] * y[-1] + L.np.sum(y[1:3] ** 2) + L.lax.dynamic_slice(x, (L.np.argmax(x),), (2,))[0] ** 3
  return f


def reductions(L):
  return lambda x: (L.np.max(x * POS) + L.np.min(L.np.sin(x)) + L.np.var(x) +
                    L.np.mean(x ** 2) * L.np.std(x))


def matmul_chain(L):
  return lambda x: L.np.sum(L.np.tanh(M @ (x[:, None] * N) @ x) ** 2)


def custom_jvp(L):
  @L.top.custom_jvp
  def softplus(x):
    return L.np.log1p(L.np.exp(x))

  @softplus.defjvp
  def softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return softplus(x), t / (1.0 + L.np.exp(-x))
  return lambda x: L.np.sum(softplus(x * x) * x)


def custom_vjp(L):
  @L.top.custom_vjp
  def clip_gradient(x):
    return L.np.sin(x) * x

  def fwd(x):
    return clip_gradient(x), (L.np.cos(x), L.np.sin(x), x)

  def bwd(res, g):
    cos, sin, x = res
    return (L.np.clip(g * (sin + x * cos), -1.0, 1.0),)
  clip_gradient.defvjp(fwd, bwd)
  return lambda x: L.np.sum(clip_gradient(x * 0.5) ** 2)


def checkpointed(policy_name):
  def build(L):
    def block(x):
      h = L.top.ad_checkpoint.checkpoint_name(L.np.sin(N @ x), "h")
      return L.np.sum(L.np.cos(N @ h) * x)
    if policy_name is None:
      policy = None
    elif policy_name == "save_only_these_names":
      policy = L.top.checkpoint_policies.save_only_these_names("h")
    else:
      policy = getattr(L.top.checkpoint_policies, policy_name)
    return L.top.checkpoint(block, policy=policy)
  return build


FUNCTIONS = {"softmax_xent": softmax_xent, "logsumexp": logsumexp, "norms": norms,
             "products": products, "divisions": divisions, "power": power, "where": where,
             "indexing": indexing, "reductions": reductions, "matmul_chain": matmul_chain,
             "custom_jvp": custom_jvp, "custom_vjp": custom_vjp,
             "softmax_xent_labels": softmax_xent_labels, "advanced_indexing": advanced_indexing,
             "cumulative": cumulative, "diag_chain": diag_chain}
for _policy in (None, "nothing_saveable", "everything_saveable", "dots_saveable",
                "save_only_these_names"):
  FUNCTIONS[f"checkpoint_{_policy}"] = checkpointed(_policy)


def derivatives(build):
  """Value, gradient, both Jacobians of the gradient and the Hessian of a scalar function of x."""
  def case(L):
    f = build(L)
    t = L.top
    g = t.grad(f)
    if build is custom_vjp:  # forward mode through a custom_vjp function is an error in JAX
      return [f(X), g(X), t.jacrev(g)(X)]
    return [f(X), g(X), t.jacfwd(g)(X), t.jacrev(g)(X), t.hessian(f)(X)]
  return case


CASES = {name: derivatives(build) for name, build in FUNCTIONS.items()}
CASES["mlp_loss_dict_params"] = lambda L: L.top.tree_util.tree_leaves(
    (L.top.value_and_grad(mlp_loss(L))(PARAMS), L.top.hessian(mlp_loss(L))(PARAMS)))
CASES["mlp_jacobian_of_predictions"] = lambda L: L.top.tree_util.tree_leaves(
    L.top.jacrev(lambda p: L.np.tanh(BATCH @ p["w1"] + p["b1"]) @ p["w2"])(PARAMS))

TABLE = CaseTable(CASES)
# Reductions of float32 values differ in summation order between NumPy and XLA.
TOL = (2e-5, 2e-5)


@pytest.mark.parametrize("name", list(TABLE))
def test_derivatives_match_oracle(name):
  TABLE.check(name, TOL)
