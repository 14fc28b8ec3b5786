"""`pyjax.scipy.stats` against the oracle's `jax.scipy.stats` (jax 0.10.2): every function of every
distribution module, with shape, loc and scale parameters broadcasting, values outside the
support, Python-scalar arguments (weak types), float64, derivatives, vmap and jit."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.scipy.stats  # noqa: E402,F401

import pyjax  # noqa: E402
import pyjax.numpy as jnp  # noqa: E402
from pyjax.scipy import stats as pst  # noqa: E402

from case_tables import CaseTable  # noqa: E402
from oracle_util import assert_same_outcome, outcome  # noqa: E402


def st(L):
  return L.top.scipy.stats


X = np.array([-3., -0.5, 0., 0.2, 0.5, 1., 1.7, 4., 12.], np.float32)
Q = np.array([0., 1e-4, 0.1, 0.5, 0.9, 1., 1.5, -0.1], np.float32)
K = np.array([-1., 0., 1., 2., 3., 5., 2.5, 10.], np.float32)
COL = (slice(None), None)  # parameters vary along a new axis, so arguments broadcast

# module: (positional shape parameters, keyword loc/scale)
CONTINUOUS = {
    "norm": ((), dict(loc=0.5, scale=2.0)),
    "uniform": ((), dict(loc=-1.0, scale=3.0)),
    "beta": ((np.array([0.5, 2.0], np.float32)[COL], np.float32(3.0)), dict(loc=-0.5, scale=2.)),
    "gamma": ((np.array([0.5, 2.0, 9.0], np.float32)[COL],), dict(loc=-0.5, scale=1.5)),
    "t": ((np.array([1.0, 4.5], np.float32)[COL],), dict(loc=0.3, scale=2.0)),
    "expon": ((), dict(loc=0.1, scale=2.0)),
    "laplace": ((), dict(loc=0.5, scale=0.7)),
    "logistic": ((), dict(loc=0.5, scale=1.3)),
    "cauchy": ((), dict(loc=-0.2, scale=1.5)),
    "chi2": ((np.array([1.0, 3.0], np.float32)[COL],), dict(loc=-0.5, scale=1.5)),
    "pareto": ((np.array([0.5, 3.0], np.float32)[COL],), dict(loc=-0.5, scale=0.7)),
    "gumbel_r": ((), dict(loc=0.5, scale=1.5)),
    "gumbel_l": ((), dict(loc=0.5, scale=1.5)),
}
DISCRETE = {  # module: shape parameters after k
    "bernoulli": (np.array([0.0, 0.3, 1.0], np.float32)[COL],),
    "poisson": (np.array([0.5, 4.0], np.float32)[COL],),
    "geom": (np.array([0.2, 1.0], np.float32)[COL],),
    "binom": (np.array([0., 5., 10.], np.float32)[COL], np.float32(0.3)),
    "nbinom": (np.float32(3.0), np.array([0.2, 0.9], np.float32)[COL]),
    "betabinom": (np.float32(10.0), np.array([0.5, 2.0], np.float32)[COL], np.float32(3.0)),
}
QUANTILES = {"ppf", "isf"}

CASES = {}
for _mod, (_shape, _kw) in CONTINUOUS.items():
  for _fn in dir(getattr(jax.scipy.stats, _mod)):
    if _fn.startswith("_"):
      continue
    _arg = Q if _fn in QUANTILES else X
    CASES[f"{_mod}.{_fn}"] = (
        lambda L, m=_mod, f=_fn, a=_arg, s=_shape, kw=_kw: getattr(getattr(st(L), m), f)(
            a, *s, **kw))
    CASES[f"{_mod}.{_fn}/default"] = (
        lambda L, m=_mod, f=_fn, a=_arg, s=_shape: getattr(getattr(st(L), m), f)(a, *s))
    CASES[f"{_mod}.{_fn}/scalar"] = (
        lambda L, m=_mod, f=_fn, s=_shape: getattr(getattr(st(L), m), f)(
            0.3, *[float(np.ravel(p)[-1]) for p in s]))
for _mod, _shape in DISCRETE.items():
  for _fn in dir(getattr(jax.scipy.stats, _mod)):
    if _fn.startswith("_") or _fn == "entropy":
      continue
    _arg = Q if _fn in QUANTILES else K
    CASES[f"{_mod}.{_fn}"] = (lambda L, m=_mod, f=_fn, a=_arg, s=_shape: getattr(
        getattr(st(L), m), f)(a, *s))
    if _fn in ("logpmf", "pmf"):
      CASES[f"{_mod}.{_fn}/loc"] = (lambda L, m=_mod, f=_fn, s=_shape: getattr(
          getattr(st(L), m), f)(K, *s, loc=1.0))

MEAN = np.array([0.5, -1., 2.], np.float32)
A_ = np.array([[2., 0.3, 0.], [0.3, 1., 0.2], [0., 0.2, 0.5]], np.float32)
XS = np.array([[0., 0., 0.], [1., -1., 2.5], [0.5, 0.5, 0.5]], np.float32)
SIMPLEX = np.array([[0.2, 0.5, 0.0], [0.3, 0.25, 0.5], [0.5, 0.25, 0.5]], np.float32)
CASES.update({
    "mvn.logpdf": lambda L: st(L).multivariate_normal.logpdf(XS, MEAN, A_),
    "mvn.pdf": lambda L: st(L).multivariate_normal.pdf(XS, MEAN, A_),
    "mvn.scalar_cov": lambda L: st(L).multivariate_normal.logpdf(XS, MEAN, 2.0),
    "mvn.univariate": lambda L: st(L).multivariate_normal.logpdf(X, 0.5, 2.0),
    "mvn.batched_cov": lambda L: st(L).multivariate_normal.logpdf(
        XS, MEAN, np.stack([A_, 2 * A_, A_ + np.eye(3, dtype=np.float32)])),
    "mvn.grad": lambda L: L.top.grad(
        lambda m, c: st(L).multivariate_normal.logpdf(XS, m, c).sum(), (0, 1))(
            L.np.asarray(MEAN), L.np.asarray(A_)),
    "dirichlet.logpdf": lambda L: st(L).dirichlet.logpdf(SIMPLEX, np.array([1., 2., 0.5])),
    "dirichlet.pdf": lambda L: st(L).dirichlet.pdf(SIMPLEX[:, 1], np.array([1., 2., 0.5])),
    "dirichlet.short": lambda L: st(L).dirichlet.logpdf(SIMPLEX[:2, 1], np.array([1., 2., 3.])),
    "multinomial.logpmf": lambda L: st(L).multinomial.logpmf(
        np.array([[1, 2, 3], [0, 6, 0]]), 6, np.array([0.2, 0.3, 0.5])),
    "multinomial.pmf": lambda L: st(L).multinomial.pmf(np.array([1, 2, 2]), 5,
                                                       np.array([0.2, 0.3, 0.5])),
    "poisson.entropy": lambda L: st(L).poisson.entropy(np.array([0., 0.3, 3., 50., 200.])),
    "poisson.entropy_loc": lambda L: st(L).poisson.entropy(np.array([[2.], [20.]]),
                                                           np.zeros(3)),
    "norm.logcdf/grad": lambda L: L.top.vmap(L.top.grad(st(L).norm.logcdf))(
        L.np.array([-30., -5., 0., 5., 30.])),
    "norm.ppf/grad": lambda L: L.top.vmap(L.top.grad(st(L).norm.ppf))(
        L.np.array([1e-5, 0.1, 0.5, 0.99])),
    "t.logpdf/grad": lambda L: L.top.grad(lambda x, df: st(L).t.logpdf(x, df).sum(), (0, 1))(
        L.np.asarray(X), L.np.float32(3.0)),
    "gamma.logpdf/grad": lambda L: L.top.grad(
        lambda a, s: st(L).gamma.logpdf(L.np.asarray(X[3:]), a, scale=s).sum(), (0, 1))(
            L.np.float32(2.5), L.np.float32(1.5)),
    "beta.cdf/grad": lambda L: L.top.vmap(L.top.grad(lambda x: st(L).beta.cdf(x, 2., 3.)))(
        L.np.array([0.1, 0.5, 0.9])),
    "bernoulli.logpmf/grad": lambda L: L.top.grad(
        lambda p: st(L).bernoulli.logpmf(L.np.array([0., 1., 1.]), p).sum())(L.np.float32(0.3)),
    "poisson.logpmf/grad": lambda L: L.top.grad(
        lambda mu: st(L).poisson.logpmf(L.np.asarray(K), mu).sum())(L.np.float32(2.0)),
    "binom.logpmf/grad": lambda L: L.top.grad(
        lambda p: st(L).binom.logpmf(L.np.asarray(K), 10., p).sum())(L.np.float32(0.3)),
    "logistic.logpdf/vmap": lambda L: L.top.vmap(st(L).logistic.logpdf, (0, None, 0))(
        L.np.asarray(X), 0.5, L.np.asarray(X[::-1] ** 2 + 1)),
    "norm.logpdf/int": lambda L: st(L).norm.logpdf(np.array([1, 2, 3])),
    "truncnorm.logpdf": lambda L: st(L).truncnorm.logpdf(X, -1.0, np.array([0.5, 3.])[:, None],
                                                         loc=0.2, scale=1.5),
    "truncnorm.pdf": lambda L: st(L).truncnorm.pdf(X, np.array([-40., 2., 3.])[:, None], 9.0),
    "truncnorm.logcdf": lambda L: st(L).truncnorm.logcdf(
        X, np.array([-2., -40., 2., 1.])[:, None], np.array([1., -30., 5., 0.5])[:, None]),
    "truncnorm.cdf": lambda L: st(L).truncnorm.cdf(X, -1.0, 2.0, loc=0.5),
    "truncnorm.logsf": lambda L: st(L).truncnorm.logsf(X, np.array([-1., 3.])[:, None], 8.0),
    "truncnorm.sf": lambda L: st(L).truncnorm.sf(0.3, -1.0, 2.0),
    "truncnorm.logpdf/grad": lambda L: L.top.grad(
        lambda x, a: st(L).truncnorm.logpdf(x, a, 2.0).sum(), (0, 1))(
            L.np.array([0., 0.5, 1.5]), L.np.float32(-1.0)),
    "vonmises.logpdf": lambda L: st(L).vonmises.logpdf(X, np.array([-1., 0.5, 50.])[:, None]),
    "vonmises.pdf": lambda L: st(L).vonmises.pdf(0.3, 2.0),
    "wrapcauchy.logpdf": lambda L: st(L).wrapcauchy.logpdf(X, np.array([0., 0.3, 0.9])[:, None]),
    "wrapcauchy.pdf": lambda L: st(L).wrapcauchy.pdf(X, 0.5),
    "gennorm.logpdf": lambda L: st(L).gennorm.logpdf(X, np.array([0.5, 2., 8.])[:, None]),
    "gennorm.cdf": lambda L: st(L).gennorm.cdf(X, np.array([0.5, 2., 8.])[:, None]),
    "gennorm.pdf": lambda L: st(L).gennorm.pdf(0.3, 1.5),
})
TABLE = CaseTable(CASES)

X64_CASES = {
    "norm.cdf/f64": lambda L: st(L).norm.cdf(X.astype(np.float64) * 3, 0.5, 2.0),
    "norm.logsf/f64": lambda L: st(L).norm.logsf(X.astype(np.float64) * 3),
    "norm.isf/f64": lambda L: st(L).norm.isf(Q.astype(np.float64)),
    "gamma.sf/f64": lambda L: st(L).gamma.sf(X.astype(np.float64), 2.5),
    "beta.logpdf/f64": lambda L: st(L).beta.logpdf(X.astype(np.float64) / 13, 2.5, 0.5),
    "poisson.cdf/f64": lambda L: st(L).poisson.cdf(K.astype(np.float64), 3.5),
    "mvn.logpdf/f64": lambda L: st(L).multivariate_normal.logpdf(
        XS.astype(np.float64), MEAN.astype(np.float64), A_.astype(np.float64)),
    "t.pdf/f64": lambda L: st(L).t.pdf(X.astype(np.float64), 2.5),
}
X64_TABLE = CaseTable(X64_CASES, enable_x64=True)


def _tol(name):
  if "grad" in name:
    return (1e-4, 1e-5)
  if "f64" in name:
    return (1e-11, 1e-13)
  return (1e-5, 1e-6)


def _check(table, name):
  expected = table.oracle(name)
  if expected[0] == "raise":
    assert_same_outcome(table.pyjax(name), expected, None, f"{name}: ")
  else:
    table.check(name, _tol(name))


@pytest.mark.parametrize("name", list(TABLE))
def test_matches_oracle(name):
  _check(TABLE, name)


@pytest.mark.parametrize("name", list(X64_TABLE))
def test_matches_oracle_x64(name):
  _check(X64_TABLE, name)


def test_every_function_of_the_modules_exists():
  for module in ["bernoulli", "beta", "betabinom", "binom", "cauchy", "chi2", "dirichlet",
                 "expon", "gamma", "geom", "gumbel_l", "gumbel_r", "laplace", "logistic",
                 "multinomial", "multivariate_normal", "nbinom", "norm", "pareto", "poisson", "t",
                 "uniform", "truncnorm", "vonmises", "wrapcauchy", "gennorm"]:
    expected = {n for n in dir(getattr(jax.scipy.stats, module)) if not n.startswith("_")}
    actual = {n for n in dir(getattr(pst, module)) if not n.startswith("_")}
    assert expected == actual, module


def test_jit_and_vmap_match_eager():
  x = jnp.asarray(X)
  for fn in [lambda v: pst.norm.logcdf(v, 0.5, 2.0), lambda v: pst.gamma.logpdf(v, 2.0),
             lambda v: pst.t.logpdf(v, 3.0), lambda v: pst.poisson.logpmf(jnp.round(v), 2.0),
             lambda v: pst.beta.cdf(v / 13, 2.0, 3.0)]:
    eager = np.asarray(fn(x))
    np.testing.assert_allclose(np.asarray(pyjax.jit(fn)(x)), eager, rtol=1e-6)
    looped = np.stack([np.asarray(fn(x[i])) for i in range(x.shape[0])])
    np.testing.assert_allclose(np.asarray(pyjax.vmap(fn)(x)), looped, rtol=1e-6)


def test_pdfs_integrate_to_one():
  grid = np.linspace(-30, 30, 60001, dtype=np.float64)
  with pyjax.enable_x64(True):
    for pdf in [lambda v: pst.norm.pdf(v, 1.0, 2.0), lambda v: pst.logistic.pdf(v, 0.0, 1.5),
                lambda v: pst.laplace.pdf(v, 0.5, 0.7), lambda v: pst.t.pdf(v, 5.0),
                lambda v: pst.gumbel_l.pdf(v, 0.0, 2.0), lambda v: pst.gamma.pdf(v, 3.0)]:
      np.testing.assert_allclose(np.trapezoid(np.asarray(pdf(grid)), grid), 1.0, atol=1e-4)


@pytest.mark.parametrize("call", [
    lambda S: S.multivariate_normal.logpdf(np.zeros(3), np.zeros(3), np.eye(2)),
    lambda S: S.multivariate_normal.logpdf(np.zeros(3), np.zeros(3), np.eye(3),
                                           allow_singular=True),
    lambda S: S.dirichlet.logpdf(np.ones(2) / 2, np.ones((2, 2))),
    lambda S: S.dirichlet.logpdf(np.ones(5) / 5, np.ones(3)),
    lambda S: S.multinomial.logpmf(np.array([0.5, 0.5]), 1, np.array([0.5, 0.5])),
])
def test_errors_match_oracle(call):
  p, j = outcome(call, pst), outcome(call, jax.scipy.stats)
  assert j[0] == "raise"
  assert_same_outcome(p, j)
  assert str(p[1]) == str(j[1])


RANK_DATA = np.array([[3., 1., 2., 3., 0.], [2., 2., 1., 0., 5.], [4., np.nan, 4., 1., 4.]],
                     np.float32)
SUMMARY_CASES = {
    **{f"rankdata/{m}/{ax}": (lambda L, m=m, ax=ax: st(L).rankdata(RANK_DATA, m, axis=ax))
       for m in ["average", "min", "max", "dense", "ordinal"] for ax in [None, 0, 1]},
    "rankdata/int": lambda L: st(L).rankdata(np.array([3, 1, 2, 3, 3]), "average"),
    "mode": lambda L: st(L).mode(RANK_DATA),
    "mode/axis1": lambda L: st(L).mode(RANK_DATA, axis=1, keepdims=True),
    "mode/none": lambda L: st(L).mode(np.array([[2, 4, 1], [1, 4, 2]]), axis=None),
    "mode/scalar": lambda L: st(L).mode(3),
    "mode/empty": lambda L: st(L).mode(np.zeros((0, 3))),
    "sem": lambda L: st(L).sem(RANK_DATA),
    "sem/omit": lambda L: st(L).sem(RANK_DATA, axis=1, nan_policy="omit", ddof=0),
    "sem/none": lambda L: st(L).sem(np.array([[1, 2], [4, 8]]), axis=None, keepdims=True),
}
KDE_1D = np.array([0.1, 1.2, -0.7, 2.5, 0.3, 0.9], np.float32)
KDE_2D = np.array([[0.1, 1.2, -0.7, 2.5, 0.3], [1., 0.2, 0.4, -1., 0.5]], np.float32)
KDE_W = np.array([1., 2., 1., 3., 1.], np.float32)
KDE_Q = np.array([[0., 1., 3.], [0.5, -1., 0.]], np.float32)


def _kde(L, data=KDE_1D, *args):
  return st(L).gaussian_kde(data, *args)


SUMMARY_CASES.update({
    "kde/evaluate": lambda L: _kde(L)(np.array([0., 1., 5.])),
    "kde/logpdf_tail": lambda L: _kde(L).logpdf(np.array([0., 1., 50.])),
    "kde/silverman_weights": lambda L: _kde(L, KDE_2D, "silverman", KDE_W).pdf(KDE_Q),
    "kde/scalar_bw": lambda L: _kde(L, KDE_2D, 0.5).logpdf(KDE_Q),
    "kde/callable_bw": lambda L: _kde(L, KDE_1D, lambda s: s.neff ** -0.3).evaluate(2.0),
    "kde/box_1d": lambda L: _kde(L).integrate_box_1d(-1., 1.),
    "kde/gaussian": lambda L: _kde(L, KDE_2D, "silverman", KDE_W).integrate_gaussian(
        np.array([0., 1.]), np.eye(2)),
    "kde/kde": lambda L: _kde(L, KDE_2D).integrate_kde(_kde(L, KDE_2D, 0.5)),
    "kde/resample": lambda L: _kde(L, KDE_2D, None, KDE_W).resample(L.top.random.key(1), (3,)),
    "kde/leaves": lambda L: L.top.tree_util.tree_leaves(_kde(L, KDE_2D, None, KDE_W)),
    "kde/grad": lambda L: L.top.grad(lambda x: _kde(L, x).logpdf(np.array([0.3])).sum())(
        L.np.asarray(KDE_1D)),
    "kde/jit_pytree": lambda L: L.top.jit(lambda k: k.logpdf(KDE_Q))(_kde(L, KDE_2D)),
    "kde/vmap": lambda L: L.top.vmap(lambda q: _kde(L, KDE_2D).pdf(q))(KDE_Q.T),
})
SUMMARY_TABLE = CaseTable(SUMMARY_CASES)


@pytest.mark.parametrize("name", list(SUMMARY_TABLE))
def test_summary_and_kde_match_oracle(name):
  SUMMARY_TABLE.check(name, (2e-5, 1e-6))


def test_rankdata_vmap_matches_loop():
  x = jnp.asarray(RANK_DATA[:2])
  looped = np.stack([np.asarray(pst.rankdata(row, "min")) for row in x])
  np.testing.assert_array_equal(np.asarray(pyjax.vmap(lambda r: pst.rankdata(r, "min"))(x)),
                                looped)


@pytest.mark.parametrize("call", [
    lambda S: S.rankdata(np.ones(3), "foo"),
    lambda S: S.rankdata(np.ones(3), nan_policy="omit"),
    lambda S: S.mode(np.ones(3), nan_policy="raise"),
    lambda S: S.mode(np.ones(3), nan_policy="bad"),
    lambda S: S.sem(np.ones(3), nan_policy="raise"),
    lambda S: S.sem([1., 2.]),
    lambda S: S.gaussian_kde(np.ones(1)),
    lambda S: S.gaussian_kde(KDE_1D, "bad"),
    lambda S: S.gaussian_kde(KDE_1D, weights=np.ones(3)),
    lambda S: S.gaussian_kde(KDE_1D).set_bandwidth("scott"),
    lambda S: S.gaussian_kde(KDE_1D).integrate_box(0., 1.),
    lambda S: S.gaussian_kde(KDE_2D).integrate_box_1d(0., 1.),
    lambda S: S.gaussian_kde(KDE_2D).evaluate(np.ones((3, 2))),
])
def test_summary_errors_match_oracle(call):
  p, j = outcome(call, pst), outcome(call, jax.scipy.stats)
  assert j[0] == "raise"
  assert_same_outcome(p, j)
  assert str(p[1]) == str(j[1])
