"""`pyjax.nn` against the oracle's `jax.nn` (jax 0.10.2): values, dtypes and weak types of the
activations, normalizations, one_hot and dot_product_attention; their derivatives (at kinks too),
under vmap and jit; and error classes."""
from __future__ import annotations

import warnings

import ml_dtypes
import numpy as np
import pytest

jax = pytest.importorskip("jax")

import pyjax  # noqa: E402
import pyjax.numpy as jnp  # noqa: E402
from pyjax import nn  # noqa: E402

from case_tables import CaseTable  # noqa: E402
from oracle_util import AUTO, assert_matches_oracle, assert_same_outcome, outcome  # noqa: E402

RNG = np.random.default_rng(7)
BF16 = np.dtype(ml_dtypes.bfloat16)
# Kinks and edges of the piecewise activations, and values where exp overflows.
X = np.array([-100., -6., -3., -1.5, -1., -0.5, 0., 0.25, 1., 3., 6., 7., 100.], np.float32)
XI = np.array([-3, -1, 0, 1, 2, 7], np.int32)
M = RNG.standard_normal((3, 5)).astype(np.float32)
W = RNG.random((3, 5)) > 0.3

ELEMENTWISE = ["celu", "elu", "gelu", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh",
               "identity", "leaky_relu", "log_sigmoid", "mish", "relu", "relu6", "selu",
               "sigmoid", "silu", "soft_sign", "softplus", "sparse_plus", "sparse_sigmoid",
               "squareplus", "swish", "tanh"]


def nn_of(L):
  return L.top.nn


CASES = {}
for _name in ELEMENTWISE:
  CASES[f"{_name}/f32"] = lambda L, n=_name: getattr(nn_of(L), n)(X)
  CASES[f"{_name}/bf16"] = lambda L, n=_name: getattr(nn_of(L), n)(X.astype(BF16))
  CASES[f"{_name}/int"] = lambda L, n=_name: getattr(nn_of(L), n)(XI)
  CASES[f"{_name}/scalar"] = lambda L, n=_name: getattr(nn_of(L), n)(0.5)
  # Derivatives everywhere, including at the kinks (relu at 0, relu6 at 0 and 6, ...).
  CASES[f"{_name}/grad"] = lambda L, n=_name: L.top.vmap(L.top.grad(getattr(nn_of(L), n)))(
      L.np.asarray(X))
CASES.update({
    "gelu/exact": lambda L: nn_of(L).gelu(X, approximate=False),
    "gelu/exact_grad": lambda L: L.top.vmap(L.top.grad(
        lambda x: nn_of(L).gelu(x, approximate=False)))(X),
    "elu/alpha": lambda L: nn_of(L).elu(X, 0.5),
    "celu/alpha": lambda L: nn_of(L).celu(X, alpha=2.0),
    "leaky_relu/slope": lambda L: nn_of(L).leaky_relu(X, negative_slope=0.2),
    "squareplus/b": lambda L: nn_of(L).squareplus(X, 1.0),
    "log1mexp": lambda L: nn_of(L).log1mexp(np.array([1e-3, 0.5, 0.69, 1., 20.], np.float32)),
    "log1mexp/grad": lambda L: L.top.vmap(L.top.grad(nn_of(L).log1mexp))(
        L.np.array([1e-3, 0.5, 1., 20.], np.float32)),
    "glu": lambda L: nn_of(L).glu(M[:, :4]),
    "glu/axis0": lambda L: nn_of(L).glu(M[:2], axis=0),
    "softmax": lambda L: nn_of(L).softmax(M),
    "softmax/axis": lambda L: nn_of(L).softmax(M, axis=0),
    "softmax/axes": lambda L: nn_of(L).softmax(M, axis=(0, 1)),
    "softmax/where": lambda L: nn_of(L).softmax(M, where=W),
    "softmax/stable": lambda L: nn_of(L).softmax(np.array([1000., 0., -1000.], np.float32)),
    "softmax/bf16": lambda L: nn_of(L).softmax(M.astype(BF16)),
    "softmax/jac": lambda L: L.top.jacrev(nn_of(L).softmax)(M[0]),
    "softmax/where_grad": lambda L: L.top.grad(
        lambda x: (nn_of(L).softmax(x, where=W) * M).sum())(M),
    "log_softmax": lambda L: nn_of(L).log_softmax(M),
    "log_softmax/stable": lambda L: nn_of(L).log_softmax(np.array([1000., 0.], np.float32)),
    "log_softmax/where": lambda L: nn_of(L).log_softmax(M, axis=1, where=W),
    "log_softmax/axis_none": lambda L: nn_of(L).log_softmax(M, axis=None),
    "log_softmax/jac": lambda L: L.top.jacfwd(nn_of(L).log_softmax)(M[1]),
    "log_softmax/stable_grad": lambda L: L.top.grad(lambda x: nn_of(L).log_softmax(x)[1])(
        np.array([1000., 0.], np.float32)),
    "logsumexp": lambda L: nn_of(L).logsumexp(M),
    "logsumexp/axis_keep": lambda L: nn_of(L).logsumexp(M, axis=1, keepdims=True),
    "logsumexp/b": lambda L: nn_of(L).logsumexp(M, axis=0, b=np.array([1., -1., 2., 0., 1.])),
    "logsumexp/sign": lambda L: nn_of(L).logsumexp(M, axis=1, b=-M, return_sign=True),
    "logsumexp/where": lambda L: nn_of(L).logsumexp(M, axis=0, where=W),
    "logsumexp/neg_inf": lambda L: nn_of(L).logsumexp(np.full((3,), -np.inf, np.float32)),
    "logsumexp/int": lambda L: nn_of(L).logsumexp(XI),
    "logsumexp/grad": lambda L: L.top.grad(lambda x: nn_of(L).logsumexp(x, b=M))(M),
    "logmeanexp": lambda L: nn_of(L).logmeanexp(M, axis=1),
    "logmeanexp/where": lambda L: nn_of(L).logmeanexp(M, axis=0, where=W, keepdims=True),
    "logmeanexp/all": lambda L: nn_of(L).logmeanexp(M),
    "standardize": lambda L: nn_of(L).standardize(M),
    "standardize/stable": lambda L: nn_of(L).standardize(M, axis=0, algorithm="stable"),
    "standardize/where": lambda L: nn_of(L).standardize(M, where=W, epsilon=1e-3),
    "standardize/given": lambda L: nn_of(L).standardize(M, mean=0.5, variance=2.0),
    "standardize/grad": lambda L: L.top.grad(lambda x: (nn_of(L).standardize(x) * M).sum())(M),
    "one_hot": lambda L: nn_of(L).one_hot(np.array([0, 2, -1, 3, 1]), 3),
    "one_hot/axis": lambda L: nn_of(L).one_hot(np.array([[0, 2], [1, 1]]), 4, axis=0),
    "one_hot/dtype": lambda L: nn_of(L).one_hot(np.array([1, 0], np.int8), 2, dtype=np.int32),
    "one_hot/bf16": lambda L: nn_of(L).one_hot(np.array(2), 3, dtype=BF16),
    "one_hot/named": lambda L: L.top.vmap(lambda i: nn_of(L).one_hot(i, 4, axis="b"),
                                          axis_name="b")(np.array([0, 3, 1, 1])),
    "tanh/grad2": lambda L: L.top.grad(L.top.grad(nn_of(L).tanh))(0.3),
    "relu/hessian": lambda L: L.top.hessian(lambda x: (nn_of(L).relu(x) ** 3).sum())(X[4:9]),
})

# Attention: query [B, T, N, H], key/value [B, S, K, H].
Q = RNG.standard_normal((2, 4, 4, 8)).astype(np.float32)
KV = RNG.standard_normal((2, 2, 5, 2, 8)).astype(np.float32)
BIAS = RNG.standard_normal((2, 4, 4, 5)).astype(np.float32)
AMASK = RNG.random((2, 1, 4, 5)) > 0.2
SEQ_Q, SEQ_KV = np.array([3, 4], np.int32), np.array([5, 2], np.int32)


def attention(L, q=Q, k=KV[0], v=KV[1], **kw):
  return nn_of(L).dot_product_attention(q, k, v, **kw)


CASES.update({
    "attn": lambda L: attention(L),
    "attn/xla": lambda L: attention(L, implementation="xla"),
    "attn/bias_mask": lambda L: attention(L, bias=BIAS, mask=AMASK),
    "attn/bias_1head": lambda L: attention(L, bias=BIAS[:, :1]),
    "attn/causal_scale": lambda L: attention(L, is_causal=True, scale=0.5),
    "attn/seq_lengths": lambda L: attention(L, query_seq_lengths=SEQ_Q,
                                            key_value_seq_lengths=SEQ_KV),
    "attn/window": lambda L: attention(L, local_window_size=1),
    "attn/window_pair": lambda L: attention(L, local_window_size=(2, 0), is_causal=True),
    "attn/3d": lambda L: attention(L, Q[0], KV[0, 0], KV[1, 0]),
    "attn/mha": lambda L: attention(L, Q[:, :, :2], KV[0], KV[1]),
    "attn/bf16": lambda L: attention(L, Q.astype(BF16), KV[0].astype(BF16), KV[1].astype(BF16)),
    "attn/residual": lambda L: attention(L, is_causal=True, return_residual=True),
    "attn/grad": lambda L: L.top.grad(lambda q, k, v: (attention(L, q, k, v, bias=BIAS,
                                                                 is_causal=True) ** 2).sum(),
                                      argnums=(0, 1, 2))(Q, KV[0], KV[1]),
    "attn/vmap": lambda L: L.top.vmap(lambda q: attention(L, q, mask=AMASK))(
        np.stack([Q, Q * 0.5])),
})

TABLE = CaseTable(CASES)


def _tol(name):
  if "bf16" in name:
    return (2e-2, 2e-2)
  if "attn" in name or "standardize" in name:
    return (2e-5, 2e-6)
  return (4e-6, 1e-6)


def check_case(table, name, tol):
  """pyjax's result equals the oracle's, or both raise the same exception class."""
  expected = table.oracle(name)
  if expected[0] == "raise":
    assert_same_outcome(table.pyjax(name), expected, None, f"{name}: ")
  else:
    table.check(name, tol)


@pytest.mark.parametrize("name", list(TABLE))
def test_matches_oracle(name):
  check_case(TABLE, name, _tol(name))


def test_log_softmax_is_stable():
  out = nn.log_softmax(jnp.array([1000.0, 0.0]))
  assert np.all(np.isfinite(np.asarray(out)))
  np.testing.assert_allclose(np.asarray(out), [0.0, -1000.0])


def test_jit_and_vmap_agree_with_eager():
  fns = [nn.relu, nn.gelu, lambda x: nn.softmax(x, axis=0), nn.log_sigmoid, nn.hard_swish,
         lambda x: nn.logsumexp(x, axis=0)]
  xs = jnp.asarray(M)
  for fn in fns:
    eager = fn(xs)
    np.testing.assert_allclose(np.asarray(pyjax.jit(fn)(xs)), np.asarray(eager), rtol=1e-6)
    looped = jnp.stack([fn(xs[:, i]) for i in range(xs.shape[1])], axis=-1)
    np.testing.assert_allclose(np.asarray(pyjax.vmap(fn, in_axes=1, out_axes=-1)(xs)),
                               np.asarray(looped), rtol=1e-6)


def test_attention_jit_matches_eager_and_loop():
  q, k, v = jnp.asarray(Q), jnp.asarray(KV[0]), jnp.asarray(KV[1])
  eager = nn.dot_product_attention(q, k, v, is_causal=True)
  jitted = pyjax.jit(lambda *a: nn.dot_product_attention(*a, is_causal=True))(q, k, v)
  np.testing.assert_allclose(np.asarray(jitted), np.asarray(eager), rtol=1e-5, atol=1e-6)
  # A batch of attention calls equals the calls made one batch element at a time.
  for b in range(2):
    single = nn.dot_product_attention(q[b:b + 1], k[b:b + 1], v[b:b + 1], is_causal=True)
    np.testing.assert_allclose(np.asarray(single[0]), np.asarray(eager[b]), rtol=1e-6)


def test_grads_match_finite_differences():
  from pyjax.test_util import check_grads
  x = jnp.asarray(M[0] * 2)
  for fn in [nn.softplus, nn.mish, nn.silu, nn.celu, lambda x: nn.softmax(x) * x,
             lambda x: nn.logsumexp(x, b=jnp.arange(5.0) - 1.0, return_sign=True)[0]]:
    check_grads(fn, (x,), order=2, modes=("fwd", "rev"), atol=2e-2, rtol=2e-2)


def test_initializer_namespace():
  assert nn.initializers.glorot_uniform is nn.initializers.xavier_uniform
  assert pyjax.nn is nn


def _same_error(fn):
  p, j = outcome(fn, pyjax), outcome(fn, jax)
  assert j[0] == "raise" and p[0] == "raise", (p, j)
  assert type(p[1]) is type(j[1]) or type(p[1]).__name__ == type(j[1]).__name__, (p, j)
  return p[1], j[1]


@pytest.mark.parametrize("fn", [
    lambda T: T.nn.relu([1.0]),
    lambda T: T.nn.glu(T.numpy.ones((2, 3))),
    lambda T: T.nn.standardize(T.numpy.ones(3), algorithm="slow"),
    lambda T: T.nn.dot_product_attention(np.ones((1, 2, 3, 4), np.float32),
                                         np.ones((1, 2, 2, 4), np.float32),
                                         np.ones((1, 2, 2, 4), np.float32)),
    lambda T: T.nn.dot_product_attention(np.ones((1, 2, 2, 4), np.float32),
                                         np.ones((1, 2, 2, 4), np.float16),
                                         np.ones((1, 2, 2, 4), np.float16)),
    lambda T: T.nn.dot_product_attention(np.ones((1, 2, 2, 4), np.float32),
                                         np.ones((1, 2, 2, 4), np.float32),
                                         np.ones((1, 2, 2, 4), np.float32),
                                         implementation="triton"),
    lambda T: T.nn.dot_product_attention(np.ones((1, 2, 2, 4), np.float32),
                                         np.ones((1, 2, 2, 4), np.float32),
                                         np.ones((1, 2, 2, 4), np.float32),
                                         mask=np.ones((1, 2, 2, 2), np.int32)),
    lambda T: T.nn.one_hot(np.arange(3), 2.5),
    lambda T: T.jit(lambda n: T.nn.one_hot(np.arange(3), n))(3),
])
def test_errors_match_oracle(fn):
  p, j = _same_error(fn)
  if isinstance(j, ValueError):
    assert str(p) == str(j)


def test_one_hot_float_input_warns():
  with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    out = nn.one_hot(jnp.array([0.0, 1.0]), 2)
  assert any(issubclass(w.category, DeprecationWarning) for w in caught)
  assert_matches_oracle(out, jax.numpy.eye(2), AUTO)
