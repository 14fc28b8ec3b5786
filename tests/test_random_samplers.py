"""pyjax.random's other samplers: values against jax.random (the oracle, jax 0.10.2) within a few
float32 ulps (they apply log, tan, pow... whose last bit differs between libraries), their
distributions by Kolmogorov-Smirnov and moment tests at fixed seeds, and the random functions
under vmap, grad and jit."""
from __future__ import annotations

import warnings

import ml_dtypes
import numpy as np
import pytest

jax = pytest.importorskip("jax")
stats = pytest.importorskip("scipy.stats")
import jax.random as jr  # noqa: E402

import pyjax  # noqa: E402
import pyjax.numpy as pnp  # noqa: E402
from pyjax import random as pr  # noqa: E402

from oracle_util import threefry_mode, x64  # noqa: E402

BF16 = np.dtype(ml_dtypes.bfloat16)
F32 = np.float32




@pytest.fixture(params=[True, False], ids=["partitionable", "legacy"])
def mode(request):
  with threefry_mode(request.param):
    yield request.param


def assert_close_to_oracle(p, j, rtol=1e-5, what=""):
  """Same dtype and shape; values within `rtol` of max(|value|, 1); integers exactly."""
  p, j = np.asarray(p), np.asarray(j)
  assert p.dtype == j.dtype, f"{what}dtype {p.dtype} != oracle {j.dtype}"
  assert p.shape == j.shape, f"{what}shape {p.shape} != oracle {j.shape}"
  if p.dtype.kind in "biu":
    np.testing.assert_array_equal(p, j, err_msg=what)
    return
  p64, j64 = p.astype(np.float64), j.astype(np.float64)
  assert np.array_equal(np.isnan(p64), np.isnan(j64)), f"{what}NaN positions differ"
  infinite = np.isinf(j64)
  assert np.array_equal(p64[infinite], j64[infinite]), f"{what}infinities differ"
  finite = np.isfinite(j64)
  error = np.abs(p64[finite] - j64[finite]) / np.maximum(np.abs(j64[finite]), 1.0)
  assert error.max(initial=0) <= rtol, f"{what}relative error {error.max()} > {rtol}"


# Each case: a function of (random module, key) drawing samples with that module's sampler.
CASES = {
    "truncated_normal": lambda r, k: r.truncated_normal(k, -1., 2., (300,)),
    "truncated_normal_arrays": lambda r, k: r.truncated_normal(
        k, np.array([-3., 0.5], F32), np.array([-1., 4.], F32), (150, 2)),
    "gumbel": lambda r, k: r.gumbel(k, (300,)),
    "gumbel_high": lambda r, k: r.gumbel(k, (300,), mode="high"),
    "gumbel_highest": lambda r, k: r.gumbel(k, (300,), mode="highest"),
    "exponential": lambda r, k: r.exponential(k, (300,)),
    "laplace": lambda r, k: r.laplace(k, (300,)),
    "logistic": lambda r, k: r.logistic(k, (300,)),
    "cauchy": lambda r, k: r.cauchy(k, (300,)),
    "maxwell": lambda r, k: r.maxwell(k, (300,)),
    "pareto": lambda r, k: r.pareto(k, 3.0, (300,)),
    "pareto_array": lambda r, k: r.pareto(k, np.array([1., 3., 10.], F32)),
    "weibull_min": lambda r, k: r.weibull_min(k, 2.0, 1.5, (300,)),
    "lognormal": lambda r, k: r.lognormal(k, 0.5, (300,)),
    "rayleigh": lambda r, k: r.rayleigh(k, 2.0, (300,)),
    "wald": lambda r, k: r.wald(k, 2.0, (300,)),
    "geometric": lambda r, k: r.geometric(k, 0.3, (300,)),
    "triangular": lambda r, k: r.triangular(k, 0., 0.3, 1., (300,)),
    "double_sided_maxwell": lambda r, k: r.double_sided_maxwell(k, 1., 2., (100,)),
    "rademacher": lambda r, k: r.rademacher(k, (100,)),
}

# Samplers whose oracle programs hold while loops or linear algebra take seconds to compile;
# they are compared in the default counter layout only (the layouts differ only in the bits,
# which tests/test_random.py compares in both).
LOOPING_CASES = {
    "gamma": lambda r, k: r.gamma(k, np.array([0.2, 1.0, 4.5], F32), (200, 3)),
    "loggamma": lambda r, k: r.loggamma(k, np.array([0.2, 1.0, 4.5], F32), (200, 3)),
    "beta": lambda r, k: r.beta(k, 0.3, 3., (300,)),
    "dirichlet": lambda r, k: r.dirichlet(k, np.array([1., 2., 3.], F32), (100,)),
    "t": lambda r, k: r.t(k, 3., (300,)),
    "f": lambda r, k: r.f(k, 3., 5., (300,)),
    "ball": lambda r, k: r.ball(k, 3, 1.5, (100,)),
    "poisson": lambda r, k: r.poisson(k, np.array([0.5, 4.0, 30.0, 0.0], F32), (100, 4)),
    "multivariate_normal": lambda r, k: r.multivariate_normal(
        k, np.array([1., -1., 0.], F32),
        np.array([[2., .5, .1], [.5, 1., .2], [.1, .2, .5]], F32), (50,)),
    "multivariate_normal_eigh": lambda r, k: r.multivariate_normal(
        k, np.zeros(2, F32), np.array([[1., 1.], [1., 1.]], F32), (50,), method="eigh"),
    "orthogonal": lambda r, k: r.orthogonal(k, 4, (3,)),
    "orthogonal_wide": lambda r, k: r.orthogonal(k, 2, m=5),
    "binomial": lambda r, k: r.binomial(
        k, np.array([5., 50., 500., 0., -1., np.inf], F32), np.array([0.3, 0.9, 0.5, .5, .5, .5],
                                                                     F32), (40, 6)),
    "binomial_invalid_p": lambda r, k: r.binomial(k, 10., np.array([-0.1, np.nan, 1.2], F32)),
    "multinomial": lambda r, k: r.multinomial(
        k, np.array([10., 1000.], F32), np.array([[.1, 0., .9], [.25, .25, .5]], F32)),
    "multinomial_shape": lambda r, k: r.multinomial(
        k, 30., np.array([.2, .3, .5], F32), shape=(5, 3), dtype=np.int32),
}


def _check_case(case, name):
  for seed in (0, 7):
    with warnings.catch_warnings():
      warnings.simplefilter("ignore")
      p, j = case(pr, pr.key(seed)), case(jr, jr.key(seed))
    assert not p.weak_type
    assert_close_to_oracle(p, j, 1e-5, f"{name}(key({seed})): ")


@pytest.mark.parametrize("name", list(CASES))
def test_matches_oracle(mode, name):
  _check_case(CASES[name], name)


@pytest.mark.parametrize("name", list(LOOPING_CASES))
def test_looping_samplers_match_oracle(name):
  _check_case(LOOPING_CASES[name], name)


@pytest.mark.parametrize("dtype", ["float16", BF16], ids=["f16", "bf16"])
@pytest.mark.parametrize("name", ["exponential", "gumbel", "laplace", "logistic", "cauchy"])
def test_narrow_floats(name, dtype):
  def case(r, k):
    sampler = getattr(r, name)
    return sampler(k, (200,), dtype)
  assert_close_to_oracle(case(pr, pr.key(1)), case(jr, jr.key(1)), 1e-2, f"{name} {dtype}: ")


@pytest.mark.parametrize("name", ["exponential", "gamma"])
def test_x64(name):
  cases = {
      "exponential": lambda r, k: r.exponential(k, (200,)),
      "gamma": lambda r, k: r.gamma(k, 0.7, (200,)),
  }
  with x64():
    p, j = cases[name](pr, pr.key(3)), cases[name](jr, jr.key(3))
    assert_close_to_oracle(p, j, 1e-10, f"{name}: ")


# ------------------------------------------------------------------------------------------------
# Distributions

N = 20000


def _ks(samples, cdf, *args) -> float:
  return stats.kstest(np.asarray(samples, np.float64).ravel(), cdf, args=args).pvalue


KS_CASES = {
    "normal": (lambda k: pr.normal(k, (N,)), "norm", ()),
    "uniform": (lambda k: pr.uniform(k, (N,), minval=-2., maxval=3.), "uniform", (-2., 5.)),
    "truncated_normal": (lambda k: pr.truncated_normal(k, -1., 2., (N,)), "truncnorm", (-1., 2.)),
    "gumbel": (lambda k: pr.gumbel(k, (N,)), "gumbel_r", ()),
    "exponential": (lambda k: pr.exponential(k, (N,)), "expon", ()),
    "laplace": (lambda k: pr.laplace(k, (N,)), "laplace", ()),
    "logistic": (lambda k: pr.logistic(k, (N,)), "logistic", ()),
    "cauchy": (lambda k: pr.cauchy(k, (N,)), "cauchy", ()),
    "pareto": (lambda k: pr.pareto(k, 3.0, (N,)), "pareto", (3.0,)),
    "weibull_min": (lambda k: pr.weibull_min(k, 2.0, 1.5, (N,)), "weibull_min", (1.5, 0, 2.0)),
    "maxwell": (lambda k: pr.maxwell(k, (N,)), "maxwell", ()),
    "lognormal": (lambda k: pr.lognormal(k, 0.5, (N,)), "lognorm", (0.5,)),
    "rayleigh": (lambda k: pr.rayleigh(k, 2.0, (N,)), "rayleigh", (0, 2.0)),
    "wald": (lambda k: pr.wald(k, 2.0, (N,)), "invgauss", (2.0,)),
    "triangular": (lambda k: pr.triangular(k, 0., 0.3, 1., (N,)), "triang", (0.3,)),
    "gamma_small": (lambda k: pr.gamma(k, 0.3, (N,)), "gamma", (0.3,)),
    "gamma": (lambda k: pr.gamma(k, 3.5, (N,)), "gamma", (3.5,)),
    "loggamma": (lambda k: pnp.exp(pr.loggamma(k, 0.8, (N,))), "gamma", (0.8,)),
    "beta": (lambda k: pr.beta(k, 2., 3., (N,)), "beta", (2., 3.)),
    "t": (lambda k: pr.t(k, 3., (N,)), "t", (3.,)),
    "chisquare": (lambda k: pr.chisquare(k, 3., (N,)), "chi2", (3.,)),
    "f": (lambda k: pr.f(k, 3., 5., (N,)), "f", (3., 5.)),
    "generalized_normal": (lambda k: pr.generalized_normal(k, 1.5, (N,)), "gennorm", (1.5,)),
    "dirichlet_marginal": (lambda k: pr.dirichlet(k, np.array([1., 2., 3.], F32), (N,))[:, 1],
                           "beta", (2., 4.)),
    "ball_radius_cubed": (lambda k: pnp.sum(pr.ball(k, 3, 2, (N,)) ** 2, -1) ** 1.5, "uniform",
                          ()),
    "double_sided_maxwell": (
        lambda k: pnp.abs(pr.double_sided_maxwell(k, 1., 2., (N,)) - 1.) / 2., "maxwell", ()),
}


@pytest.mark.parametrize("name", list(KS_CASES))
def test_distribution(name):
  draw, cdf, args = KS_CASES[name]
  assert _ks(draw(pr.key(2024)), cdf, *args) > 1e-4


def test_distribution_tests_detect_wrong_parameters():
  # The KS tests above would notice a sampler that is off by a few percent.
  assert _ks(pr.gamma(pr.key(2024), 3.5, (N,)), "gamma", 3.6) < 1e-4
  assert _ks(pr.normal(pr.key(2024), (N,)) * 1.1, "norm") < 1e-4
  assert _ks(pr.t(pr.key(2024), 3., (N,)), "t", 5.) < 1e-4
  assert _ks(pr.beta(pr.key(2024), 2., 3., (N,)), "beta", 2., 3.3) < 1e-4


def _chi_square_pvalue(counts, probabilities) -> float:
  counts = np.asarray(counts, np.float64)
  probabilities = np.asarray(probabilities, np.float64)
  expected = counts.sum() * probabilities / probabilities.sum()
  return stats.chisquare(counts, expected).pvalue


def test_discrete_distributions():
  key = pr.key(99)
  for lam in (0.7, 4.0, 25.0):
    x = np.asarray(pr.poisson(key, lam, (N,)))
    values = np.arange(x.max() + 1)
    pmf = stats.poisson.pmf(values, lam)
    pmf[-1] += 1 - pmf.sum()
    assert _chi_square_pvalue(np.bincount(x, minlength=values.size), pmf) > 1e-4
  x = np.asarray(pr.randint(key, (N,), 3, 10))
  assert _chi_square_pvalue(np.bincount(x - 3, minlength=7), np.full(7, 1 / 7)) > 1e-4
  p = np.array([0.1, 0.2, 0.3, 0.4], F32)
  x = np.asarray(pr.choice(key, 4, (N,), p=pnp.asarray(p)))
  assert _chi_square_pvalue(np.bincount(x, minlength=4), p) > 1e-4
  x = np.asarray(pr.categorical(key, pnp.log(pnp.asarray(p)), shape=(N,)))
  assert _chi_square_pvalue(np.bincount(x, minlength=4), p) > 1e-4
  for n, prob in ((8., 0.3), (300., 0.6)):
    x = np.asarray(pr.binomial(key, n, prob, (N,))).astype(int)
    assert _chi_square_pvalue(np.bincount(x, minlength=int(n) + 1)[x.min():x.max() + 1],
                              stats.binom.pmf(np.arange(x.min(), x.max() + 1), n, prob)) > 1e-4
  counts = np.asarray(pr.multinomial(key, 20., np.array([0.2, 0.3, 0.5], F32), shape=(N, 3)))
  assert (counts.sum(-1) == 20).all()
  np.testing.assert_allclose(counts.mean(0), [4., 6., 10.], atol=0.1)
  x = np.asarray(pr.geometric(key, 0.3, (N,)))
  values = np.arange(1, x.max() + 1)
  pmf = stats.geom.pmf(values, 0.3)
  pmf[-1] += 1 - pmf.sum()
  assert _chi_square_pvalue(np.bincount(x, minlength=values.size + 1)[1:], pmf) > 1e-4
  assert abs(np.asarray(pr.bernoulli(key, 0.3, (N,))).mean() - 0.3) < 0.015
  assert abs(np.asarray(pr.rademacher(key, (N,))).mean()) < 0.03
  # Each position of a random permutation is uniform over the values.
  perms = np.stack([np.asarray(pr.permutation(k, 5)) for k in pr.split(key, 2000)])
  assert _chi_square_pvalue(np.bincount(perms[:, 0], minlength=5), np.full(5, 0.2)) > 1e-4


def test_multivariate_and_orthogonal_distributions():
  mean = np.array([1., -1., 0.], F32)
  cov = np.array([[2., .5, .1], [.5, 1., .2], [.1, .2, .5]], F32)
  x = np.asarray(pr.multivariate_normal(pr.key(5), mean, cov, (N,)), np.float64)
  np.testing.assert_allclose(x.mean(0), mean, atol=0.05)
  np.testing.assert_allclose(np.cov(x.T), cov, atol=0.06)
  q = np.asarray(pr.orthogonal(pr.key(5), 3, (500,)), np.float64)
  np.testing.assert_allclose(q.transpose(0, 2, 1) @ q, np.broadcast_to(np.eye(3), q.shape),
                             atol=1e-5)
  # Haar measure: each entry of a random 3x3 rotation has mean 0 and variance 1/3.
  assert abs(q[:, 0, 0].mean()) < 0.05 and abs(q[:, 0, 0].var() - 1 / 3) < 0.05


# ------------------------------------------------------------------------------------------------
# Transformations


def test_vmap_over_keys():
  keys, jkeys = pr.split(pr.key(0), 4), jr.split(jr.key(0), 4)
  cases = [
      (lambda r: lambda k: r.normal(k, (3,)), 3e-7),
      (lambda r: lambda k: r.uniform(k, (2, 2)), 0),
      (lambda r: lambda k: r.key_data(r.split(k, 3)), 0),
      (lambda r: lambda k: r.key_data(r.fold_in(k, 5)), 0),
      (lambda r: lambda k: r.bits(k, (3,)), 0),
      (lambda r: lambda k: r.permutation(k, 6), 0),
      (lambda r: lambda k: r.choice(k, 5, (2,), replace=False), 0),
      (lambda r: lambda k: r.categorical(k, np.zeros(4, F32), shape=(3,)), 0),
      (lambda r: lambda k: r.randint(k, (3,), 0, 9), 0),
      (lambda r: lambda k: r.key_data(k), 0),
      (lambda r: lambda k: r.binomial(k, 20., 0.4, (2,)), 0),
  ]
  for make, rtol in cases:
    p, j = pyjax.vmap(make(pr))(keys), jax.vmap(make(jr))(jkeys)
    assert_close_to_oracle(p, j, rtol)


def test_vmap_other_operands():
  keys, jkeys = pr.split(pr.key(1), 3), jr.split(jr.key(1), 3)
  a = np.array([0.5, 1., 2.], F32)
  assert_close_to_oracle(pyjax.vmap(lambda k, a: pr.gamma(k, a))(keys, a),
                         jax.vmap(lambda k, a: jr.gamma(k, a))(jkeys, a))
  data = np.arange(3, dtype=np.uint32)
  assert_close_to_oracle(
      pyjax.vmap(lambda d: pr.key_data(pr.fold_in(pr.key(2), d)))(data),
      jax.vmap(lambda d: jr.key_data(jr.fold_in(jr.key(2), d)))(data))
  seeds = np.arange(4)
  assert_close_to_oracle(pyjax.vmap(lambda s: pr.key_data(pr.key(s)))(seeds),
                         jax.vmap(lambda s: jr.key_data(jr.key(s)))(seeds))
  raw = np.asarray(jr.key_data(jkeys))
  assert_close_to_oracle(pyjax.vmap(lambda d: pr.normal(d, (2,)))(raw),
                         jax.vmap(lambda d: jr.normal(d, (2,)))(raw), 3e-7)
  assert_close_to_oracle(pyjax.vmap(lambda k: pr.normal(k, (2,)), out_axes=1)(keys),
                         jax.vmap(lambda k: jr.normal(k, (2,)), out_axes=1)(jkeys), 3e-7)
  x = np.arange(12).reshape(3, 4)
  assert_close_to_oracle(pyjax.vmap(lambda k, x: pr.permutation(k, x))(keys, x),
                         jax.vmap(lambda k, x: jr.permutation(k, x))(jkeys, x))


def test_grad_through_samplers():
  key, jkey = pr.key(0), jr.key(0)
  cases = [
      lambda r, k: lambda x: (r.normal(k, (3,)) * x).sum(),
      lambda r, k: lambda a: r.gamma(k, a, (3,)).sum(),
      lambda r, k: lambda m: r.uniform(k, (3,), minval=m, maxval=2.).sum(),
      lambda r, k: lambda s: r.truncated_normal(k, s, 2., (3,)).sum(),
  ]
  for make in cases:
    for x in (0.5, 2.0):
      assert_close_to_oracle(pyjax.grad(make(pr, key))(x), jax.grad(make(jr, jkey))(x), 1e-4)


def test_jit_matches_eager(mode):
  key = pr.key(4)
  for fn in [lambda k: pr.normal(k, (5,)), lambda k: pr.uniform(k, (5,), minval=-1., maxval=3.),
             lambda k: pr.permutation(k, 9), lambda k: pr.key_data(pr.split(k, 3)),
             lambda k: pr.gamma(k, 1.5, (4,)), lambda k: pr.poisson(k, 20., (4,))]:
    np.testing.assert_array_equal(pyjax.jit(fn)(key), fn(key))


def test_sampler_jaxprs_type_check_and_evaluate():
  from pyjax._src import core
  key = pr.key(3)
  for fn in [lambda k: pr.normal(k, (3,)), lambda k: pr.uniform(k, (3,), minval=-1., maxval=2.),
             lambda k: pr.gamma(k, 2., (3,)), lambda k: pr.permutation(k, 5),
             lambda k: pr.categorical(k, pnp.zeros(3), shape=(4,)),
             lambda k: pr.randint(k, (3,), 0, 10)]:
    closed = pyjax.make_jaxpr(fn)(key)
    core.check_jaxpr(closed.jaxpr)
    out, = core.eval_jaxpr(closed.jaxpr, closed.consts, key)
    np.testing.assert_array_equal(out, fn(key))
