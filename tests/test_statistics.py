"""Statistics against the oracle (jax 0.10.2): `quantile`, `percentile`, `median` and their
NaN-ignoring forms for every method (weighted 'inverted_cdf' too), axis tuple and `keepdims`;
`ptp`, `average`, `cov`, `corrcoef`, the histograms and `interp`: values, dtypes, weak types,
error classes, gradients, jit and vmap."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import pyjax  # noqa: E402
import pyjax.numpy as pjnp  # noqa: E402
from pyjax.test_util import check_grads  # noqa: E402

from case_tables import CaseTable  # noqa: E402
from oracle_util import AUTO, assert_same_outcome, outcome, x64  # noqa: E402

R = np.random.default_rng(0).standard_normal((3, 4, 5)).astype(np.float32)
N = R.copy()
N[0, 1, 2] = np.nan
N[1] = np.nan
I = np.arange(10, dtype=np.int32)[::-1]
Q = np.array([0., 0.3, 0.5, 1.], np.float32)
METHODS = ("linear", "lower", "higher", "midpoint", "nearest")

CASES = {}
for _m in METHODS:
  CASES[f"quantile_{_m}"] = lambda L, m=_m: L.np.quantile(R, Q, axis=1, method=m)
  CASES[f"nanquantile_{_m}"] = lambda L, m=_m: L.np.nanquantile(N, 0.4, axis=(0, 2), method=m,
                                                                keepdims=True)
CASES.update({
    "quantile_int": lambda L: L.np.quantile(I, 0.25),
    "quantile_weak_q": lambda L: L.np.quantile(R, L.np.asarray(0.7), axis=2),
    "quantile_nan": lambda L: L.np.quantile(N, Q, axis=-1, keepdims=True),
    "percentile": lambda L: L.np.percentile(R, 30, axis=(1, 2)),
    "percentile_list": lambda L: L.np.percentile(I, np.array([10, 50, 90])),
    "nanpercentile": lambda L: L.np.nanpercentile(N, np.array([10., 50]), axis=2),
    "median": lambda L: L.np.median(R, axis=0),
    "median_all": lambda L: L.np.median(I),
    "median_keepdims": lambda L: L.np.median(N, axis=(0, 1), keepdims=True),
    "nanmedian": lambda L: L.np.nanmedian(N, axis=2),
    "ptp": lambda L: L.np.ptp(R, axis=1, keepdims=True),
    "ptp_int": lambda L: L.np.ptp(I),
})

# Weighted quantiles (method='inverted_cdf'), with weights shaped like `a` or its reduced axes.
W = np.random.default_rng(2).uniform(0, 2, (3, 4, 5)).astype(np.float32)
W[0, 0, 0] = 0.
WI = np.array([1, 1, 2, 1, 1, 0, 3, 1, 1, 2], np.int32)
CASES.update({
    "inverted_cdf": lambda L: L.np.quantile(R, Q, axis=1, method="inverted_cdf"),
    "inverted_cdf_int": lambda L: L.np.quantile(I, np.array([0., .1, .3, .35, 1.]),
                                                method="inverted_cdf"),
    "weighted": lambda L: L.np.quantile(R, Q, axis=2, weights=W, method="inverted_cdf"),
    "weighted_int": lambda L: L.np.quantile(I, 0.5, weights=WI, method="inverted_cdf"),
    "weighted_axes": lambda L: L.np.quantile(R, 0.3, axis=(2, 0), weights=W[:, 0].T,
                                             method="inverted_cdf", keepdims=True),
    "weighted_all": lambda L: L.np.quantile(R, Q, weights=W, method="inverted_cdf"),
    "weighted_bad": lambda L: L.np.quantile(R, 0.5, axis=2, method="inverted_cdf",
                                            weights=np.where(W > 1.8, -W, W)),
    "weighted_zero": lambda L: L.np.quantile(I, 0.5, weights=0 * WI, method="inverted_cdf"),
    "weighted_nan": lambda L: L.np.quantile(N, 0.5, axis=-1, weights=W, method="inverted_cdf"),
    "weighted_nanquantile": lambda L: L.np.nanquantile(N, Q, axis=-1, weights=W,
                                                       method="inverted_cdf"),
    "weighted_out_of_range": lambda L: L.np.quantile(I, np.array([-.5, 1.5]), weights=WI,
                                                     method="inverted_cdf"),
    "weighted_promotes": lambda L: L.np.quantile(R.astype(np.float16), 0.5, axis=0,
                                                 weights=W[:, 0, 0], method="inverted_cdf"),
    "weighted_percentile": lambda L: L.np.percentile(I, np.array([20, 50]), weights=WI,
                                                     method="inverted_cdf"),
    "weighted_nanpercentile": lambda L: L.np.nanpercentile(N, 50, axis=(0, 1), weights=W[:, :, 0],
                                                           method="inverted_cdf"),
})

# Averages, covariances and correlations.
X = np.random.default_rng(3).standard_normal((3, 6)).astype(np.float32)
XI = np.array([[1, 4, 2, 8, 5, 7], [3, 3, 0, 1, 9, 2]], np.int32)
FW = np.array([1, 2, 0, 3, 1, 1], np.int32)
AW = np.array([.5, 1., 2., .25, 1., 3.], np.float32)
CASES.update({
    "average": lambda L: L.np.average(R, axis=1),
    "average_int": lambda L: L.np.average(I),
    "average_scalar": lambda L: L.np.average(3),
    "average_returned": lambda L: L.np.average(XI, axis=(0, 1), returned=True, keepdims=True),
    "average_weights": lambda L: L.np.average(R, weights=W),
    "average_axis_weights": lambda L: L.np.average(R, axis=1, weights=W[0, :, 0], returned=True),
    "average_axes_weights": lambda L: L.np.average(R, axis=(2, 0), weights=W[:, 0].T,
                                                   returned=True, keepdims=True),
    "average_int_weights": lambda L: L.np.average(XI, axis=-1, weights=FW),
    "average_f16": lambda L: L.np.average(R.astype(np.float16), axis=0, returned=True),
    "average_complex": lambda L: L.np.average(X + 1j, axis=0, weights=X[:, 0] ** 2),
    "average_zero_weights": lambda L: L.np.average(X, axis=1, weights=0 * X),
    "cov": lambda L: L.np.cov(X),
    "cov_int": lambda L: L.np.cov(XI),
    "cov_1d": lambda L: L.np.cov(X[0]),
    "cov_scalar": lambda L: L.np.cov(3.0),
    "cov_columns": lambda L: L.np.cov(X, rowvar=False),
    "cov_one_row_columns": lambda L: L.np.cov(X[:1], rowvar=False),
    "cov_y": lambda L: L.np.cov(X, XI),
    "cov_y_columns": lambda L: L.np.cov(X.T, XI.T, rowvar=False),
    "cov_y_rank_promoted": lambda L: L.np.cov(X[0], XI),
    "cov_bias": lambda L: L.np.cov(X, bias=True),
    "cov_ddof": lambda L: L.np.cov(X, ddof=3),
    "cov_fweights": lambda L: L.np.cov(X, fweights=FW),
    "cov_negative_weights": lambda L: L.np.cov(X, fweights=-FW, aweights=-AW),
    "cov_aweights": lambda L: L.np.cov(X, aweights=AW),
    "cov_both_weights": lambda L: L.np.cov(X, fweights=FW, aweights=AW),
    "cov_both_weights_ddof": lambda L: L.np.cov(X, fweights=FW, aweights=AW, ddof=2),
    "cov_weights_bias": lambda L: L.np.cov(X, aweights=AW, bias=True),
    "cov_dtype": lambda L: L.np.cov(X, dtype=np.float16),
    "cov_f16": lambda L: L.np.cov(X.astype(np.float16)),
    "cov_complex": lambda L: L.np.cov(X + 1j * X[::-1]),
    "cov_no_samples": lambda L: L.np.cov(np.ones((3, 0), np.float32)),
    "cov_no_variables": lambda L: L.np.cov(np.ones((0, 3), np.float32)),
    "corrcoef": lambda L: L.np.corrcoef(X),
    "corrcoef_int": lambda L: L.np.corrcoef(XI),
    "corrcoef_1d": lambda L: L.np.corrcoef(X[0]),
    "corrcoef_scalar": lambda L: L.np.corrcoef(3.0),
    "corrcoef_y_columns": lambda L: L.np.corrcoef(X.T, X[1:].T, rowvar=False),
    "corrcoef_complex": lambda L: L.np.corrcoef(X + 1j * X[::-1]),
    "corrcoef_dtype": lambda L: L.np.corrcoef(X, dtype=np.float16),
    "corrcoef_constant": lambda L: L.np.corrcoef(np.ones((2, 3))),
})

# Histograms. Samples include the last edge, points outside the range, NaN and infinities.
H = np.random.default_rng(4).standard_normal(40).astype(np.float32)
HI = np.array([1, 2, 2, 3, 5, 7, 7, 7], np.int32)
HS = np.stack([HI, HI[::-1], (HI * 3) % 5], axis=1)
HW = np.arange(8, dtype=np.float32)


def _flat(counts_and_edges):
  counts, edges = counts_and_edges
  assert isinstance(edges, list)
  return (counts, *edges)


CASES.update({
    "bin_edges": lambda L: L.np.histogram_bin_edges(H, 7),
    "bin_edges_int": lambda L: L.np.histogram_bin_edges(HI, 4),
    "bin_edges_range": lambda L: L.np.histogram_bin_edges(HI, 4, range=(0, 10)),
    "bin_edges_array_range": lambda L: L.np.histogram_bin_edges(HI, 4, range=np.array([0., 10])),
    "bin_edges_reversed_range": lambda L: L.np.histogram_bin_edges(HI, 4, range=(10, 0)),
    "bin_edges_point": lambda L: L.np.histogram_bin_edges(np.ones(3, np.int32), 4),
    "bin_edges_scalar": lambda L: L.np.histogram_bin_edges(3.0, 4),
    "bin_edges_array": lambda L: L.np.histogram_bin_edges(HI, np.array([0, 2, 9])),
    "bin_edges_array_f16": lambda L: L.np.histogram_bin_edges(HI.astype(np.float16),
                                                             np.array([0., 2, 9])),
    "bin_edges_f16": lambda L: L.np.histogram_bin_edges(HI.astype(np.float16), 3, range=(0, 4)),
    "bin_edges_zero": lambda L: L.np.histogram_bin_edges(HI, 0),
    "bin_edges_2d": lambda L: L.np.histogram_bin_edges(X, 5),
    "histogram": lambda L: L.np.histogram(H, 7),
    "histogram_int": lambda L: L.np.histogram(HI, 4),
    "histogram_density": lambda L: L.np.histogram(HI, 4, density=True),
    "histogram_weights": lambda L: L.np.histogram(HI, 4, weights=HW),
    "histogram_int_weights": lambda L: L.np.histogram(HI, 4, weights=FW[[0, 1, 2, 3, 4, 5, 0, 1]]),
    "histogram_bool_weights": lambda L: L.np.histogram(HI, 4, weights=HI > 2),
    "histogram_weights_density": lambda L: L.np.histogram(HI, 4, weights=HW, density=True),
    "histogram_edges": lambda L: L.np.histogram(HI, np.array([0, 2, 7])),
    "histogram_range": lambda L: L.np.histogram(HI, 4, range=(2, 6)),
    "histogram_f16": lambda L: L.np.histogram(HI.astype(np.float16), 4, weights=HI),
    "histogram_f16_f32_weights": lambda L: L.np.histogram(HI.astype(np.float16), 4, weights=HW),
    "histogram_nonfinite": lambda L: L.np.histogram(np.array([0., 1, np.nan, np.inf, -np.inf]), 2,
                                                    range=(0, 1)),
    "histogram_2d_input": lambda L: L.np.histogram(X, 3),
    "histogram2d": lambda L: L.np.histogram2d(H[:20], H[20:], bins=3),
    "histogram2d_pair": lambda L: L.np.histogram2d(HI, HI[::-1], bins=[2, 3], range=[(0, 8), None],
                                                   density=True),
    "histogram2d_edges_and_count": lambda L: L.np.histogram2d(HI, HI[::-1], weights=HI,
                                                              bins=[np.array([0, 4, 8]), 3]),
    "histogram2d_shared_edges": lambda L: L.np.histogram2d(HI, HI, bins=np.array([0, 4, 8])),
    "histogram2d_edges_list": lambda L: L.np.histogram2d(HI, HI, bins=[1, 2, 3]),
    "histogram2d_promotes": lambda L: L.np.histogram2d(HW, HI.astype(np.float16), 2),
    "histogramdd": lambda L: _flat(L.np.histogramdd(HS, bins=[2, 3, 2])),
    "histogramdd_int_bins": lambda L: _flat(L.np.histogramdd(HS, bins=3)),
    "histogramdd_array_bins": lambda L: _flat(L.np.histogramdd(HS[:, :2],
                                                               bins=np.array([2, 3]))),
    "histogramdd_range": lambda L: _flat(L.np.histogramdd(HS, 2, range=[None, (0, 10), (1, 2)])),
    "histogramdd_weights": lambda L: _flat(L.np.histogramdd(HS, 2, weights=HI)),
    "histogramdd_f16_weights": lambda L: _flat(L.np.histogramdd(HS, 2,
                                                                weights=HW.astype(np.float16))),
    "histogramdd_density": lambda L: _flat(L.np.histogramdd(HS.astype(np.float32), 2,
                                                            density=True)),
    "histogramdd_weights_density": lambda L: _flat(L.np.histogramdd(
        HS, [np.array([0., 4, 8]), 2, 3], weights=HW, density=True)),
})

# Interpolation: x below, on and above the knots, at them, and NaN.
XP = np.array([0., 1, 2.5, 4], np.float32)
FP = np.array([1., 3, -1, 2], np.float32)
XS = np.array([-1, 0, 0.5, 1, 3, 4, 5, np.nan], np.float32)
CASES.update({
    "interp": lambda L: L.np.interp(XS, XP, FP),
    "interp_left_right": lambda L: L.np.interp(XS, XP, FP, left=-9, right=9.),
    "interp_extrapolate": lambda L: L.np.interp(XS, XP, FP, left="extrapolate",
                                                right="extrapolate"),
    "interp_array_left": lambda L: L.np.interp(XS, XP, FP, left=np.arange(8.), right=np.int32(3)),
    "interp_period": lambda L: L.np.interp(XS, XP, FP, period=3),
    "interp_negative_period": lambda L: L.np.interp(XS, XP, FP, period=-3.5, left=1),
    "interp_zero_period": lambda L: L.np.interp(XS, XP, FP, period=0),
    "interp_complex": lambda L: L.np.interp(XS, XP, FP + 1j * FP[::-1]),
    "interp_complex_left": lambda L: L.np.interp(XS, XP, FP, left=1j),
    "interp_repeated_knot": lambda L: L.np.interp(XS, np.array([0., 1, 1, 2]), FP),
    "interp_one_knot": lambda L: L.np.interp(XS, XP[:1], FP[:1]),
    "interp_2d": lambda L: L.np.interp(XS.reshape(2, 4), XP, FP),
    "interp_scalar": lambda L: L.np.interp(1.5, np.arange(3), np.arange(3)),
    "interp_f16_fp": lambda L: L.np.interp(np.arange(3), np.arange(3), np.arange(3.).astype(
        np.float16)),
    "interp_f16": lambda L: L.np.interp(XS.astype(np.float16), XP.astype(np.float16),
                                        FP.astype(np.float16)),
    "interp_f16_left": lambda L: L.np.interp(XS.astype(np.float16), XP.astype(np.float16),
                                             FP.astype(np.float16), left=np.float32(2)),
    "interp_int_period": lambda L: L.np.interp(XS, XP.astype(np.int32), FP.astype(np.int32),
                                               period=3),
})
TABLE = CaseTable(CASES)

ERRORS = {
    "method": lambda m: m.numpy.quantile(R, 0.5, method="bad"),
    "complex": lambda m: m.numpy.quantile(R + 1j, 0.5),
    "overwrite": lambda m: m.numpy.median(R, overwrite_input=True),
    "repeated_axis": lambda m: m.numpy.quantile(R, 0.5, axis=(1, 1)),
    "list": lambda m: m.numpy.median([1.0, 2.0]),
    "ptp_out": lambda m: m.numpy.ptp(R, out=R),
    "weights_need_inverted_cdf": lambda m: m.numpy.quantile(R, 0.5, weights=W),
    "complex_weights": lambda m: m.numpy.quantile(R, 0.5, weights=W + 1j, method="inverted_cdf"),
    "weights_shape_axis": lambda m: m.numpy.quantile(R, 0.5, axis=1, weights=W[0, 0],
                                                     method="inverted_cdf"),
    "weights_shape_none": lambda m: m.numpy.nanquantile(R, 0.5, weights=W.ravel(),
                                                        method="inverted_cdf"),
    "weights_list": lambda m: m.numpy.percentile(I, 50, weights=[1] * 10, method="inverted_cdf"),
    "median_weights": lambda m: m.numpy.median(R, weights=W),
    "average_no_axis": lambda m: m.numpy.average(R, weights=W[0]),
    "average_weights_shape": lambda m: m.numpy.average(R, axis=1, weights=W[0, 0]),
    "average_weights_rank": lambda m: m.numpy.average(R, axis=1, weights=W[:1, :, 0]),
    "average_scalar_weights": lambda m: m.numpy.average(R, axis=0, weights=2.0),
    "average_weights_list": lambda m: m.numpy.average(R, weights=[1, 2]),
    "average_repeated_axis": lambda m: m.numpy.average(R, axis=(0, 0), weights=W),
    "average_axis_bounds": lambda m: m.numpy.average(R, axis=5),
    "cov_float_fweights": lambda m: m.numpy.cov(X, fweights=AW),
    "cov_fweights_count": lambda m: m.numpy.cov(X, fweights=FW[:5]),
    "cov_fweights_rank": lambda m: m.numpy.cov(X, fweights=FW[None]),
    "cov_aweights_count": lambda m: m.numpy.cov(X, aweights=AW[:5]),
    "cov_aweights_rank": lambda m: m.numpy.cov(X, aweights=AW[None]),
    "cov_int_dtype": lambda m: m.numpy.cov(XI, dtype=np.int32),
    "cov_rank": lambda m: m.numpy.cov(np.ones((2, 3, 4))),
    "cov_y_rank": lambda m: m.numpy.cov(X, np.ones((2, 3, 4))),
    "cov_y_samples": lambda m: m.numpy.cov(X, np.ones((2, 4))),
    "cov_y_broadcast": lambda m: m.numpy.cov(X.T, X[0], rowvar=False),
    "cov_list": lambda m: m.numpy.cov([1., 2.]),
    "corrcoef_list": lambda m: m.numpy.corrcoef(X, [1., 2.]),
    "bins_string": lambda m: m.numpy.histogram_bin_edges(HI, "auto"),
    "bins_float": lambda m: m.numpy.histogram_bin_edges(HI, 4.0),
    "bins_2d": lambda m: m.numpy.histogram_bin_edges(HI, np.array([[1, 2]])),
    "bins_list": lambda m: m.numpy.histogram(HI, [1, 2]),
    "range_length": lambda m: m.numpy.histogram(HW, 3, range=(0, 1, 2)),
    "histogram_weights_shape": lambda m: m.numpy.histogram(HI, 4, weights=HW[:7]),
    "histogram2d_lengths": lambda m: m.numpy.histogram2d(HI, HI[:3]),
    "histogramdd_1d": lambda m: m.numpy.histogramdd(HI, bins=[2]),
    "histogramdd_bins_count": lambda m: m.numpy.histogramdd(HS, bins=[2, 2]),
    "histogramdd_range_count": lambda m: m.numpy.histogramdd(HS, range=[(0, 1)]),
    "histogramdd_weights_count": lambda m: m.numpy.histogramdd(HS, weights=HW[:7]),
    "interp_left_string": lambda m: m.numpy.interp(XS, XP, FP, left="foo"),
    "interp_right_string": lambda m: m.numpy.interp(XS, XP, FP, right="foo"),
    "interp_sizes": lambda m: m.numpy.interp(XS, XP, FP[:3]),
    "interp_rank": lambda m: m.numpy.interp(XS, XP[:, None], FP[:, None]),
    "interp_period_shape": lambda m: m.numpy.interp(XS, XP, FP, period=np.ones(2)),
    "interp_left_shape": lambda m: m.numpy.interp(XS, XP, FP, left=np.ones(2)),
    "interp_list": lambda m: m.numpy.interp([1.], XP, FP),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_oracle(name):
  TABLE.check(name, tol=AUTO)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_oracle(name):
  expected = outcome(ERRORS[name], jax)
  assert expected[0] == "raise"
  assert_same_outcome(outcome(ERRORS[name], pyjax), expected, None, f"{name}: ")


def test_grads_match_oracle():
  def loss(L):
    return lambda x: (L.numpy.quantile(x, Q, axis=1) ** 2).sum() + L.numpy.median(x) + \
        L.numpy.nanpercentile(x, 40.0, axis=2).sum()
  np.testing.assert_allclose(pyjax.grad(loss(pyjax))(R), jax.grad(loss(jax))(R), rtol=1e-5,
                             atol=1e-6)


def test_grads_against_finite_differences():
  x = np.random.default_rng(1).standard_normal((4, 5))
  with x64():
    check_grads(lambda x: pjnp.quantile(x, np.array([0.2, 0.75]), axis=1), (x,), order=1)
    check_grads(lambda x: pjnp.median(x, axis=0), (x,), order=1)


def test_jit_and_vmap():
  fn = lambda x: pjnp.nanquantile(x, Q, axis=-1, method="nearest")  # noqa: E731
  np.testing.assert_array_equal(pyjax.jit(fn)(N), fn(N))
  batched = pyjax.vmap(lambda x: pjnp.median(x, axis=0))(R)
  np.testing.assert_array_equal(batched, np.stack([pjnp.median(r, axis=0) for r in R]))


def test_ptp_method():
  np.testing.assert_array_equal(pjnp.asarray(R).ptp(axis=0), np.ptp(R, axis=0))


def test_weighted_quantile_grads_match_oracle():
  def loss(L):
    return lambda a, w: L.numpy.quantile(a, Q, axis=2, weights=w, method="inverted_cdf").sum()
  for argnum in (0, 1):
    np.testing.assert_array_equal(pyjax.grad(loss(pyjax), argnum)(R, W),
                                  jax.grad(loss(jax), argnum)(R, W))


def test_average_cov_interp_grads_match_oracle():
  xs = XS[:-1]  # NaN queries make NaN gradients for the knots.
  losses = {
      "average": lambda L: lambda a, w: (L.numpy.average(a, axis=1, weights=w) ** 2).sum(),
      "cov": lambda L: lambda m, w: (L.numpy.cov(m, aweights=w) ** 2).sum(),
      "corrcoef": lambda L: lambda m, y: (L.numpy.corrcoef(m, y) ** 3).sum(),
      "interp": lambda L: lambda x, xp, fp: (L.numpy.interp(x, xp, fp, right=0.5) ** 2).sum(),
      "interp_period": lambda L: lambda x, xp, fp: L.numpy.interp(x, xp, fp, period=3.).sum(),
  }
  args = {"average": (R, W[0, :, 0]), "cov": (X, AW), "corrcoef": (X[:2], X[2:]),
          "interp": (xs, XP, FP), "interp_period": (xs, XP, FP)}
  for name, loss in losses.items():
    argnums = tuple(range(len(args[name])))
    expected = jax.grad(loss(jax), argnums)(*args[name])
    actual = pyjax.grad(loss(pyjax), argnums)(*args[name])
    for a, e in zip(actual, expected):
      np.testing.assert_allclose(a, e, rtol=2e-5, atol=1e-5, err_msg=name)


def test_interp_and_cov_grads_against_finite_differences():
  rng = np.random.default_rng(5)
  with x64():
    xp = np.array([0., 1, 2.5, 4])
    check_grads(lambda x, fp: pjnp.interp(x, xp, fp), (np.array([-.5, .3, 1.7, 3.2, 4.5]),
                                                        rng.standard_normal(4)), order=1)
    check_grads(lambda m: pjnp.cov(m, fweights=FW, aweights=AW), (rng.standard_normal((2, 6)),),
                order=1)


def test_jit_matches_eager():
  fns = [lambda a, w: pjnp.average(a, axis=(0, 2), weights=w[:, 0], returned=True),
         lambda a, w: pjnp.quantile(a, Q, axis=1, weights=w, method="inverted_cdf"),
         lambda a, w: pjnp.histogram(a, 5, weights=w),
         lambda a, w: pjnp.histogram2d(a[0, 0], w[0, 0], bins=[3, 2], density=True),
         lambda a, w: pjnp.cov(a[0], aweights=w[0, 0]),
         lambda a, w: pjnp.corrcoef(a[0], rowvar=False),
         lambda a, w: pjnp.interp(a, pjnp.sort(w[0, 0]), w[1, 1], period=1.5)]
  for fn in fns:
    for out, expected in zip(pyjax.tree_util.tree_leaves(pyjax.jit(fn)(R, W)),
                             pyjax.tree_util.tree_leaves(fn(R, W))):
      np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)


def test_vmap_matches_loop():
  fns = [lambda a, w: pjnp.average(a, axis=0, weights=w),
         lambda a, w: pjnp.quantile(a, Q, weights=w, method="inverted_cdf"),
         lambda a, w: pjnp.histogram(a, 4, range=(-1, 1), weights=w)[0],
         lambda a, w: pjnp.cov(a, aweights=w[0]),
         lambda a, w: pjnp.corrcoef(a),
         lambda a, w: pjnp.interp(a[0], XP, w[1, :4])]
  for fn in fns:
    batched = pyjax.vmap(fn)(R, W)
    np.testing.assert_allclose(batched, np.stack([fn(a, w) for a, w in zip(R, W)]), rtol=1e-6,
                               atol=1e-6)
