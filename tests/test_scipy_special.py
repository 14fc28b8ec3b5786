"""`pyjax.scipy.special` against the oracle's `jax.scipy.special` (jax 0.10.2): values, dtypes and
weak types (float32, float64 in x64 mode, integer and Python-scalar arguments), derivatives
(including JAX's custom rules at the edges: xlogy at 0, log_ndtr in the tails, zeta), vmap, jit
and error classes."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.scipy.special  # noqa: E402,F401

import pyjax  # noqa: E402
import pyjax.numpy as jnp  # noqa: E402
from pyjax.scipy import special as ps  # noqa: E402

from case_tables import CaseTable  # noqa: E402
from oracle_util import assert_same_outcome, outcome  # noqa: E402


def sp(L):
  return L.top.scipy.special


X = np.array([-3.5, -2., -1., -0.5, -0.0, 0., 1e-3, 0.5, 1., 2.5, 7., 30.], np.float32)
POS = np.array([1e-3, 0.1, 0.5, 1., 2.5, 7., 12., 30.], np.float32)
# Spans every branch of erfcx, dawsn, exp1, expi and spence (and their edges: 0, inf, NaN).
WIDE = np.array([-np.inf, -30., -9.5, -3.5, -1., -0.3, -0.0, 0., 1e-3, 0.25, 0.5, 1., 1.5, 1.9,
                 2.5, 3.3, 5., 7., 10., 20., 45., 80., 100., np.inf, np.nan], np.float32)
UNIT = np.array([0., 1e-6, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999, 1.], np.float32)
SIGNED_UNIT = np.array([-1., -0.999, -0.5, -0.1, 0., 0.2, 0.7, 0.9999, 1.], np.float32)
NORMAL_X = np.array([-40., -12., -9., -4., -1., 0., 0.5, 3., 5.5, 9., 40.], np.float32)
A = np.array([0.5, 1., 3., 9., 25.], np.float32)
EXPN_N = np.array([-1., 0., 1., 2., 3., 7., 30., 6000.], np.float32)
# Around fresnel's switch from series to continued fraction, where x^2 loses its fraction in
# float32, and around Cephes' cut at 36974.
FRESNEL_EXTRA = np.array([-1.6001, 1.59, 1.6, 1.61, 1.7, 4.5, 1000.3, 3e4, 36900., 3.7e4],
                         np.float32)
OWENS_H = np.array([-3., -0.5, 0., 1e-3, 0.3, 1., 2., 4., 7., 10., 20., 40., np.inf, np.nan],
                   np.float32)[:, None]
OWENS_A = np.array([-2., -0.5, 0., 0.1, 0.5, 0.99, 1., 1.01, 2., 10., 1e3, np.inf, np.nan],
                   np.float32)
# JAX's own float64 quadrature loses digits for h >= 7 and a near 1 (SciPy agrees with pyjax).
OWENS_FAR_H, OWENS_FAR_A = np.array([[10.], [20.], [37.]]), np.array([0.1, 0.3, 2., 10., np.inf])
HYP_A = np.array([0., 0.5, 1., 2.5, 7., 20.], np.float32)[:, None, None]
HYP_B = np.array([0.5, 1., 3., 10.], np.float32)[None, :, None]
HYP_X = np.array([0., 0.1, 1., 5., 20.], np.float32)  # float32 overflows soon after
WOFZ_Z = (np.array([-30., -5., -1., -0.1, 0., 0.1, 1., 3., 6., 30., 1e3])[:, None]
          + 1j * np.array([-5., -1., -0.1, 0., 0.1, 1., 3., 30., 1e3])).astype(np.complex64)
SPH_N = np.array([0, 1, 2, 3, 3, 2, 8, 8, 25, 4])
SPH_M = np.array([0, 1, -1, 2, -3, 3, 5, -8, 11, 1])
SPH_THETA = np.array([0.3, 1., 2., 0.7, 1.2, 0.5, 2.9, 1.5, 0.8, 0.], np.float32)
SPH_PHI = np.array([0.1, 2., -1., 0.4, 3., 1., 5., 6.2, 0.3, 0.2], np.float32)
B = np.array([0.2, 2., 2.5, 10., 50.], np.float32)
# hyp2f1's derivatives: the series, the Euler transformation and the logarithmic expansion (in x).
H2_GRAD = np.array([[1.5, 2., 3., .5], [.5, 1., 2.5, -.7], [2., .3, 4., .2], [-.5, 1.5, 1.5, .95],
                    [3., -2., 2., .6], [1., 2.5, 5.5, .99], [1., 1., 2., .93]]).T
# bessel_jn's backward recurrence overflows float32 for |z| below ~5 (NaN, as in JAX) and needs
# more than n_iter = 50 steps beyond |z| ~ 30.
BESSEL_Z = np.array([0., 1e-3, 1., -3.5, 5.5, 7., 10., 20., 30., 45., 60., np.inf, np.nan],
                    np.float32)
# hyp2f1 on a grid of non-positive integer a, b (polynomials) and c (poles), x < -1, x = 1 and
# x > 1, then single cases: x = 0, a = 0 with c = 0, a pole, x > 1, Gauss's sum, d <= 0 at x = 1,
# b = c, a = c, long polynomials, the logarithmic expansion (c - a - b = 0, 2, 1 near x = 1), NaN.
# Left out: x near 1 where Euler's transformation cancels (neither JAX nor pyjax keeps the digits).
# One call for all: JAX compiles its hyp2f1 for seconds per call site.
H2_GRID = np.meshgrid([-3., -1., 0., 0.5, 1., 2.5], [-2., 0.3, 1., 3.5],
                      [-4., 0., 0.5, 1., 2.5, 3.5, 7.],
                      [-5., -1., -0.5, 0., 0.3, 0.8, 0.9, 1., 1.5], indexing="ij")
H2_EDGES = np.array([
    [1., 2., 0., 0.], [0., 2., 0., .5], [0., 2., 2., .5], [1., 2., -2., .5], [1.5, 2., 3., 2.],
    [.5, .3, 2.5, 1.], [1., 2., 3., 1.], [1.5, 3., 3., .5], [1.5, 3., 3., -3.], [3., 1.5, 3., -2.],
    [-12., .5, 2.5, .6], [.5, -60., 2.5, .05], [1., 1., 2., .95], [.5, 1., 3.5, .97],
    [1.5, .5, 3., .99], [.5, .3, 2.5, -3.], [1., 2., 3., np.nan], [np.nan, 2., 3., .5],
]).T
H2_ARGS = [np.append(g.ravel(), e).astype(np.float32) for g, e in zip(H2_GRID, H2_EDGES)]
# In float64, also x = 0.99 over the grid's (a, b, c): the digits survive Euler's transformation.
H2_ARGS_F64 = [np.append(v, w).astype(float) for v, w in zip(
    H2_ARGS, [g[..., 0].ravel() for g in H2_GRID[:3]] + [np.full(H2_GRID[0][..., 0].size, .99)])]

UNARY = {  # name: argument
    "gammaln": X, "gammasgn": X, "loggamma": X, "gamma": X, "digamma": POS, "erf": X,
    "erfc": X, "erfinv": SIGNED_UNIT, "logit": UNIT, "expit": X, "entr": X, "ndtr": NORMAL_X,
    "ndtri": UNIT, "log_ndtr": NORMAL_X, "i0": X, "i0e": X, "i1": X, "i1e": X, "factorial": X,
    "erfcx": WIDE, "dawsn": WIDE, "exp1": WIDE, "expi": WIDE, "spence": WIDE,
}
DIFFERENTIABLE = ["gammaln", "digamma", "erf", "erfc", "erfinv", "logit", "expit", "entr",
                  "ndtr", "ndtri", "log_ndtr", "i0", "i0e", "i1", "i1e", "gamma", "erfcx", "dawsn",
                  "exp1", "expi", "spence"]


def grad_of(L, fn):
  return L.top.vmap(L.top.grad(fn))


CASES = {}
for _name, _x in UNARY.items():
  CASES[f"{_name}"] = lambda L, n=_name, x=_x: getattr(sp(L), n)(x)
  CASES[f"{_name}/scalar"] = lambda L, n=_name: getattr(sp(L), n)(0.25)
for _name in DIFFERENTIABLE:
  _x = {"ndtri": UNIT[1:-1], "logit": UNIT[1:-1], "erfinv": SIGNED_UNIT[1:-1],
        "entr": POS, "erfcx": X, "dawsn": X, "expi": X, "exp1": POS, "spence": POS,
        }.get(_name, UNARY[_name])
  CASES[f"{_name}/grad"] = lambda L, n=_name, x=_x: grad_of(L, getattr(sp(L), n))(L.np.asarray(x))
for _name in ["gammaln", "digamma", "erf", "expit", "i0e", "i1", "factorial", "gamma", "erfcx",
              "expi"]:
  CASES[f"{_name}/int"] = lambda L, n=_name: getattr(sp(L), n)(np.array([1, 2, 5], np.int32))
CASES.update({
    "betaln": lambda L: sp(L).betaln(A[:, None], B[None, :]),
    "betaln/grad": lambda L: L.top.grad(lambda a, b: sp(L).betaln(a, b).sum(), (0, 1))(
        L.np.asarray(A), L.np.asarray(B)),
    "beta": lambda L: sp(L).beta(np.array([-1.5, 0.5, 2., 3.]), np.array([2., 0.5, 3., 9.])),
    "betainc": lambda L: sp(L).betainc(A[:, None], B[None, :], 0.4),
    "betainc/grad_x": lambda L: grad_of(L, lambda x: sp(L).betainc(2., 3., x))(
        L.np.asarray(UNIT[1:-1])),
    "gammainc": lambda L: sp(L).gammainc(A[:, None], POS[None, :]),
    "gammaincc": lambda L: sp(L).gammaincc(A[:, None], POS[None, :]),
    "gammainc/grad": lambda L: L.top.grad(lambda a, x: sp(L).gammainc(a, x).sum(), (0, 1))(
        L.np.asarray(A), L.np.asarray(POS[:5])),
    "comb": lambda L: sp(L).comb(np.array([5., 10., 3., -1., 4.]), np.array([2., 3., 4., 1., 0.])),
    "comb/repetition": lambda L: sp(L).comb(np.array([5., 10., 0.]), np.array([2., 3., 0.]),
                                            repetition=True),
    "multigammaln": lambda L: sp(L).multigammaln(A + 3, 3),
    "multigammaln/grad": lambda L: grad_of(L, lambda a: sp(L).multigammaln(a, 2))(
        L.np.asarray(A + 2)),
    "polygamma": lambda L: sp(L).polygamma(np.array([0, 1, 2, 3]), np.array([0.5, 1., 2.5, 7.])),
    "polygamma/grad": lambda L: grad_of(L, lambda x: sp(L).polygamma(1, x))(L.np.asarray(POS)),
    "zeta": lambda L: sp(L).zeta(np.array([1.5, 2., 3., 7.5]), np.array([0.5, 1., 2., 10.])),
    "zeta/grad": lambda L: L.top.grad(lambda s, q: sp(L).zeta(s, q).sum(), (0, 1))(
        L.np.array([1.5, 2., 3., 7.5]), L.np.array([0.5, 1., 2., 10.])),
    "poch": lambda L: sp(L).poch(np.array([0.5, 1., 2.5, 3.]), np.array([0., 2., 1.5, 3.])),
    "poch/grad": lambda L: L.top.grad(lambda z, m: sp(L).poch(z, m).sum(), (0, 1))(
        L.np.array([0.5, 1., 2.5]), L.np.array([1., 2., 1.5])),
    "xlogy": lambda L: sp(L).xlogy(np.array([0., 0., 1., 2., -1., 0.]),
                                   np.array([0., np.nan, 2., 0.5, 3., -1.])),
    "xlogy/grad_at_0": lambda L: L.top.grad(sp(L).xlogy, (0, 1))(0., 1.),
    "xlogy/grad": lambda L: L.top.vmap(L.top.grad(sp(L).xlogy, (0, 1)))(
        L.np.array([0., 1., 2.]), L.np.array([0.5, 2., 3.])),
    "xlog1py": lambda L: sp(L).xlog1py(np.array([0., 0., 1., 2.]),
                                       np.array([-1., np.nan, 2., -.5])),
    "xlog1py/grad": lambda L: L.top.vmap(L.top.grad(sp(L).xlog1py, (0, 1)))(
        L.np.array([0., 1., 2.]), L.np.array([0.5, 2., -0.5])),
    "rel_entr": lambda L: sp(L).rel_entr(np.array([0., 0., 1., 2., -1., 0.5]),
                                         np.array([0., 1., 2., 0., 1., 0.5])),
    "kl_div": lambda L: sp(L).kl_div(np.array([0., 0., 1., 2., -1., 0.5]),
                                     np.array([0., 1., 2., 0., 1., 0.5])),
    "rel_entr/grad": lambda L: L.top.grad(lambda p, q: sp(L).rel_entr(p, q).sum(), (0, 1))(
        L.np.array([0.2, 1., 2.]), L.np.array([0.5, 2., 3.])),
    "entr/grad_at_0": lambda L: L.top.grad(sp(L).entr)(0.),
    "boxcox": lambda L: sp(L).boxcox(POS[:, None], np.array([0., 0.5, -1.])),
    "boxcox1p": lambda L: sp(L).boxcox1p(POS[:, None], np.array([0., 0.5, -1.])),
    "logsumexp": lambda L: sp(L).logsumexp(X.reshape(3, 4), axis=1, b=2.0),
    "logsumexp/sign": lambda L: sp(L).logsumexp(X, b=-1.0, return_sign=True),
    "softmax": lambda L: sp(L).softmax(X.reshape(3, 4)),
    "softmax/axis": lambda L: sp(L).softmax(X.reshape(3, 4), axis=0),
    "log_softmax": lambda L: sp(L).log_softmax(X.reshape(3, 4)),
    "bernoulli": lambda L: sp(L).bernoulli(12),
    "bernoulli/small": lambda L: sp(L).bernoulli(1),
    "factorial/grad": lambda L: grad_of(L, sp(L).factorial)(L.np.asarray(POS)),
    "log_ndtr/series": lambda L: sp(L).log_ndtr(NORMAL_X, series_order=0),
    "log_ndtr/series7": lambda L: sp(L).log_ndtr(NORMAL_X, series_order=7),
    "gammaln/vmap2": lambda L: L.top.vmap(L.top.vmap(sp(L).betaln, (0, None)), (None, 0))(
        L.np.asarray(A), L.np.asarray(B)),
    "expn": lambda L: sp(L).expn(EXPN_N[:, None], np.abs(WIDE)),
    "expn/int": lambda L: sp(L).expn(np.array([0, 1, 3]), np.array([[0.5], [2.5]], np.float32)),
    "expn/grad": lambda L: grad_of(L, lambda x: sp(L).expn(3., x))(L.np.asarray(POS)),
    "dawsn/hessian": lambda L: L.top.vmap(L.top.hessian(sp(L).dawsn))(L.np.asarray(X)),
    "sici": lambda L: sp(L).sici(WIDE),
    "sici/scalar": lambda L: sp(L).sici(2.5),
    "sici/int": lambda L: sp(L).sici(np.array([0, 1, 7], np.int32)),
    "sici/grad": lambda L: L.top.vmap(L.top.grad(lambda v: sum(sp(L).sici(v))))(
        L.np.asarray(np.append(X, [-40., 4., 9.]))),
    "fresnel": lambda L: sp(L).fresnel(np.append(WIDE, FRESNEL_EXTRA)),
    "fresnel/scalar": lambda L: sp(L).fresnel(0.75),
    "fresnel/int": lambda L: sp(L).fresnel(np.array([0, 1, 7], np.int32)),
    "fresnel/f16": lambda L: sp(L).fresnel(np.array([0.5, 2.], np.float16)),
    "fresnel/grad": lambda L: L.top.vmap(L.top.grad(lambda v: sum(sp(L).fresnel(v))))(
        L.np.asarray(np.append(X, FRESNEL_EXTRA[:-3]))),
    "owens_t": lambda L: sp(L).owens_t(OWENS_H, OWENS_A),
    "owens_t/scalar": lambda L: sp(L).owens_t(0.5, 2.),
    "owens_t/int": lambda L: sp(L).owens_t(np.array([0, 1, 3]), 2),
    "owens_t/complex": lambda L: sp(L).owens_t(np.array([1 + 1j, -1., 2j], np.complex64),
                                               np.array([2., 1j, -0.5 + 0.5j], np.complex64)),
    "owens_t/grad": lambda L: L.top.vmap(L.top.grad(sp(L).owens_t, (0, 1)))(
        L.np.array([0., 0.5, -1., 3., 1.]), L.np.array([0., 0.7, 2., -0.3, np.inf])),
    # JAX documents a, b, x >= 0; its float32 sums are inexact for x < 0 (float64 case below).
    "hyp1f1": lambda L: sp(L).hyp1f1(HYP_A, HYP_B, HYP_X),
    "hyp1f1/edges": lambda L: sp(L).hyp1f1(np.array([0., 1., 1., np.nan, 1., 1., -1.]),
                                           np.array([0., 0., -2., 1., 1., 1., 2.]),
                                           np.array([5., 1., 1., 1., -np.inf, 89., 3.])),
    "hyp1f1/scalar": lambda L: sp(L).hyp1f1(1., 2., 3.),
    "hyp1f1/int": lambda L: sp(L).hyp1f1(1, 2, np.array([0, 3])),
    "hyp1f1/f16": lambda L: sp(L).hyp1f1(np.float16(1.), 2., 0.5),
    "hyp1f1/grad": lambda L: L.top.vmap(L.top.grad(sp(L).hyp1f1, (0, 1, 2)))(
        L.np.array([1.5, 7., 0.5, 2.]), L.np.array([2.5, 3., 1., 10.]),
        L.np.array([0.7, -2., 4., 0.])),
    "wofz": lambda L: sp(L).wofz(WOFZ_Z),
    "wofz/real": lambda L: sp(L).wofz(X),
    "wofz/scalar": lambda L: sp(L).wofz(1.5),
    "wofz/int": lambda L: sp(L).wofz(np.array([0, 2])),
    "wofz/nonfinite": lambda L: sp(L).wofz(np.array([np.inf, np.nan, 1j * np.inf], np.complex64)),
    "wofz/grad": lambda L: L.top.vmap(L.top.grad(lambda z: sp(L).wofz(z).real))(
        L.np.asarray(WOFZ_Z[1:8, 1:7].ravel())),
    "wofz/grad_real": lambda L: grad_of(L, lambda x: sp(L).wofz(x).imag)(L.np.asarray(X)),
    "erfcx/complex": lambda L: sp(L).erfcx(WOFZ_Z[1:9, :7]),
    "sph_harm_y": lambda L: sp(L).sph_harm_y(SPH_N, SPH_M, SPH_THETA, SPH_PHI),
    # n and |m| beyond n_max are clipped to it.
    "sph_harm_y/n_max": lambda L: sp(L).sph_harm_y(SPH_N[:6], np.array([0, 1, -2, 5, -4, 7]),
                                                   SPH_THETA[:6], SPH_PHI[:6], n_max=3),
    "sph_harm_y/scalar_theta": lambda L: sp(L).sph_harm_y(SPH_N, SPH_M, 0.5, SPH_PHI),
    "sph_harm_y/broadcast": lambda L: sp(L).sph_harm_y(
        np.array([4]), np.array([1]), np.array([0.3, np.pi]), np.array([0.2, 0.3])),
    "sph_harm_y/jit": lambda L: L.top.jit(
        lambda n, m, t, p: sp(L).sph_harm_y(n, m, t, p, n_max=25))(
            SPH_N, SPH_M, SPH_THETA, SPH_PHI),
    "sph_harm_y/grad": lambda L: L.top.grad(
        lambda t, p: sp(L).sph_harm_y(SPH_N[:9], SPH_M[:9], t, p).real.sum(), (0, 1))(
            L.np.asarray(SPH_THETA[:9]), L.np.asarray(SPH_PHI[:9])),
    "bessel_jn": lambda L: sp(L).bessel_jn(BESSEL_Z, v=4),
    "bessel_jn/2d": lambda L: sp(L).bessel_jn(BESSEL_Z[4:10].reshape(2, 3), v=2),
    "bessel_jn/scalar": lambda L: sp(L).bessel_jn(10., v=3),
    "bessel_jn/int": lambda L: sp(L).bessel_jn(np.array([6, 12]), v=1),
    "bessel_jn/f16": lambda L: sp(L).bessel_jn(np.float16(8.), v=1),
    "bessel_jn/n_iter": lambda L: sp(L).bessel_jn(BESSEL_Z, v=2, n_iter=90),
    "bessel_jn/v_above_n_iter": lambda L: sp(L).bessel_jn(BESSEL_Z, v=6, n_iter=3),
    "bessel_jn/v_negative": lambda L: sp(L).bessel_jn(BESSEL_Z, v=-1),
    "bessel_jn/grad": lambda L: L.top.vmap(L.top.grad(lambda z: sp(L).bessel_jn(z, v=3).sum()))(
        L.np.asarray(BESSEL_Z[4:9])),
    "hyp2f1": lambda L: sp(L).hyp2f1(*H2_ARGS),
    "hyp2f1/grad": lambda L: L.top.vmap(L.top.grad(sp(L).hyp2f1, (0, 1, 2, 3)))(
        *(L.np.asarray(v) for v in H2_GRAD.astype(np.float32))),
    "expit/hessian": lambda L: L.top.hessian(lambda x: sp(L).expit(x).sum())(L.np.asarray(X[:4])),
})

TABLE = CaseTable(CASES)

# float64, in x64 mode.
X64_CASES = {
    f"{name}/f64": (lambda L, n=name, x=x: getattr(sp(L), n)(x.astype(np.float64)))
    for name, x in UNARY.items()
}
X64_CASES.update({
    "betaln/f64": lambda L: sp(L).betaln(A[:, None].astype(np.float64), B.astype(np.float64)),
    "zeta/f64": lambda L: sp(L).zeta(np.array([1.5, 2., 3., 7.5]), np.array([0.5, 1., 2., 10.])),
    "zeta/grad_f64": lambda L: L.top.grad(lambda s, q: sp(L).zeta(s, q).sum(), (0, 1))(
        L.np.array([1.5, 2., 3., 7.5]), L.np.array([0.5, 1., 2., 10.])),
    "log_ndtr/grad_f64": lambda L: grad_of(L, sp(L).log_ndtr)(
        L.np.asarray(NORMAL_X.astype(np.float64) * 2)),
    "ndtri/f64_tails": lambda L: sp(L).ndtri(np.array([1e-300, 1e-20, 1e-5, 0.2, 1 - 1e-12])),
    "bernoulli/f64": lambda L: sp(L).bernoulli(20),
    "expn/f64": lambda L: sp(L).expn(EXPN_N[:, None].astype(np.float64),
                                     np.abs(WIDE).astype(np.float64)),
    "expi/grad_f64": lambda L: grad_of(L, sp(L).expi)(L.np.asarray(X.astype(np.float64))),
    "erfcx/grad_f64": lambda L: grad_of(L, sp(L).erfcx)(L.np.asarray(WIDE.astype(np.float64))),
    "sici/f64": lambda L: sp(L).sici(np.append(WIDE, [-4.0001, 3.99, 4.01, 1e10]).astype(float)),
    "fresnel/f64": lambda L: sp(L).fresnel(np.append(WIDE, FRESNEL_EXTRA).astype(float)),
    "fresnel/f64_huge": lambda L: sp(L).fresnel(np.array([1e5, 1e8, 1e15, 1e20, 1e200])),
    "owens_t/f64": lambda L: sp(L).owens_t(OWENS_H[:8].astype(float), OWENS_A.astype(float)),
    "owens_t/f64_far": lambda L: sp(L).owens_t(OWENS_FAR_H, OWENS_FAR_A),
    "owens_t/f32_in_x64": lambda L: sp(L).owens_t(np.float32(1.), 2),
    "owens_t/grad_f64": lambda L: L.top.grad(lambda h, a: sp(L).owens_t(h, a).sum(), (0, 1))(
        L.np.array([0., 0.5, -1., 3., 12.]), L.np.array([0., 0.7, 2., -0.3, 1.5])),
    "hyp1f1/f64": lambda L: sp(L).hyp1f1(HYP_A.astype(float), HYP_B.astype(float),
                                         np.append(HYP_X, [-1., 30., 100.]).astype(float)),
    "wofz/f64": lambda L: sp(L).wofz(WOFZ_Z.astype(np.complex128)),
    "wofz/scalar_f64": lambda L: sp(L).wofz(1.5),
    "erfcx/complex_f64": lambda L: sp(L).erfcx(WOFZ_Z[1:9, :7].astype(np.complex128)),
    "sph_harm_y/f64": lambda L: sp(L).sph_harm_y(SPH_N, SPH_M, SPH_THETA.astype(float),
                                                 SPH_PHI.astype(float)),
    "xlogy/int": lambda L: sp(L).xlogy(np.array([0, 2]), np.array([0, 3])),
    "bessel_jn/f64": lambda L: sp(L).bessel_jn(BESSEL_Z.astype(float), v=4),
    "bessel_jn/f32_in_x64": lambda L: sp(L).bessel_jn(BESSEL_Z, v=1),
    "bessel_jn/scalar_f64": lambda L: sp(L).bessel_jn(0.5, v=2),
    "bessel_jn/grad_f64": lambda L: L.top.vmap(L.top.grad(lambda z: sp(L).bessel_jn(z, v=3)[3]))(
        L.np.asarray(BESSEL_Z[1:10].astype(float))),
    "hyp2f1/f64": lambda L: sp(L).hyp2f1(*H2_ARGS_F64),
    "hyp2f1/grad_f64": lambda L: L.top.vmap(L.top.grad(sp(L).hyp2f1, (0, 1, 2, 3)))(
        *(L.np.asarray(v) for v in H2_GRAD)),
})
X64_TABLE = CaseTable(X64_CASES, enable_x64=True)


def _tol(name):
  if "grad" in name or "hessian" in name:
    return (2e-4, 1e-5)
  if "wofz" in name or "complex" in name:  # JAX's wofz is good to 3e-13 of |w| (against SciPy)
    return (2e-12, 1e-12) if "f64" in name else (1e-5, 1e-6)
  if "f64" in name:
    return (1e-11, 1e-14)
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


def test_jit_and_vmap_match_eager():
  x = jnp.asarray(POS)
  for fn in [ps.gammaln, ps.log_ndtr, ps.ndtri, lambda v: ps.xlogy(v, v + 1.0),
             lambda v: ps.zeta(v + 1.0, 2.0), lambda v: ps.betaln(v, 9.0), ps.erfcx, ps.dawsn,
             ps.expi, ps.spence, lambda v: ps.expn(3, v), lambda v: ps.expn(v, 2.5),
             lambda v: ps.sici(v)[0], lambda v: ps.sici(v - 6)[1], lambda v: ps.fresnel(v)[0],
             lambda v: ps.fresnel(v - 3)[1], lambda v: ps.owens_t(v - 2, 1.5 - v / 10),
             lambda v: ps.hyp1f1(v, 2.5, v - 1), lambda v: ps.wofz(v - 1j * v),
             lambda v: ps.bessel_jn(v + 5, v=3), lambda v: ps.hyp2f1(v, 1.5, v + 2, 1 - v / 10)]:
    arg = x / 31.0 if fn is ps.ndtri else x
    eager = np.asarray(fn(arg))
    np.testing.assert_allclose(np.asarray(pyjax.jit(fn)(arg)), eager, rtol=1e-6)
    looped = np.stack([np.asarray(fn(arg[i])) for i in range(arg.shape[0])])
    np.testing.assert_allclose(np.asarray(pyjax.vmap(fn)(arg)), looped, rtol=1e-6)


def test_grads_match_finite_differences():
  from pyjax.test_util import check_grads
  x = jnp.asarray(np.array([0.3, 1.2, 2.5], np.float32))
  with pyjax.enable_x64(True):
    x64 = jnp.asarray(np.array([0.3, 1.2, 2.5]))
    for fn in [ps.gammaln, ps.log_ndtr, ps.ndtri, lambda v: ps.betaln(v, 9.5),
               lambda v: ps.zeta(v + 1.5, v), lambda v: ps.poch(v, 1.5),
               lambda v: ps.multigammaln(v + 2, 3)]:
      arg = x64 / 3.0 if fn is ps.ndtri else x64
      check_grads(fn, (arg,), order=1, modes=("fwd", "rev"), atol=1e-5, rtol=1e-5)
  assert x.dtype == np.float32


@pytest.mark.parametrize("call", [
    lambda S: S.zeta(2.0),
    lambda S: S.polygamma(1.5, 2.0),
    lambda S: S.ndtr(np.float16(1.0)),
    lambda S: S.ndtri(np.array([1, 2])),
    lambda S: S.log_ndtr(1.0, series_order=-1),
    lambda S: S.log_ndtr(1.0, series_order=31),
    lambda S: S.log_ndtr(1.0, series_order=2.0),
    lambda S: S.bernoulli(-1),
    lambda S: S.factorial(3, exact=True),
    lambda S: S.entr(np.complex64(1)),
    lambda S: S.rel_entr(np.complex64(1), 1.0),
    lambda S: S.gammaln([1.0]),
    lambda S: S.sici(np.complex64(1)),
    lambda S: S.fresnel(np.complex64(1)),
    lambda S: S.hyp1f1(1j, 2., 3.),
    lambda S: S.hyp2f1(1j, 2., 3., 0.5),
    lambda S: S.bessel_jn(1.0, v=1.5),
    lambda S: S.bessel_jn(np.complex64(1j), v=1),
    lambda S: S.sph_harm_y(SPH_N, SPH_M, SPH_THETA, SPH_PHI, diff_n=0),
    lambda S: S.sph_harm_y(SPH_N.astype(np.float32), SPH_M, SPH_THETA, SPH_PHI),
])
def test_errors_match_oracle(call):
  p, j = outcome(call, ps), outcome(call, jax.scipy.special)
  assert j[0] == "raise"
  assert_same_outcome(p, j)
  assert str(p[1]) == str(j[1])


def test_sph_harm_y_vmap_and_traced_n():
  n, m = jnp.asarray(SPH_N), jnp.asarray(SPH_M)
  theta = jnp.asarray(np.stack([SPH_THETA, SPH_THETA[::-1]]))
  batched = pyjax.vmap(lambda t: ps.sph_harm_y(n, m, t, SPH_PHI, n_max=25))(theta)
  looped = np.stack([np.asarray(ps.sph_harm_y(n, m, t, SPH_PHI)) for t in theta])
  np.testing.assert_allclose(np.asarray(batched), looped, rtol=1e-6, atol=1e-7)
  # Without a static n_max, the degree must be concrete.
  for S, top in [(ps, pyjax), (jax.scipy.special, jax)]:
    with pytest.raises(top.errors.ConcretizationTypeError):
      top.jit(lambda n: S.sph_harm_y(n, SPH_M, SPH_THETA, SPH_PHI))(SPH_N)


def test_namespace():
  expected = {n for n in dir(jax.scipy.special) if not n.startswith("_")}
  assert set(ps.__all__) == expected
  assert pyjax.scipy.special is ps


@pytest.mark.parametrize("args", [(1.5, 2., 3., 0.5), (1, 2, 3, np.array([0, 0.5])),
                                  (np.float16(1.), 2., 3., 0.5), ([1.], 2., 3., 0.5),
                                  (np.float32(1.), 2., 3., np.array([[0.5]]))])
@pytest.mark.parametrize("enable_x64", [False, True])
def test_hyp2f1_dtypes(args, enable_x64):
  # The values are checked above; JAX compiles its hyp2f1 for seconds per call, so the dtype,
  # weak type and shape rules are compared with its abstract evaluation.
  with pyjax.enable_x64(enable_x64), jax.enable_x64(enable_x64):
    expected = jax.eval_shape(jax.scipy.special.hyp2f1, *args)
    result = ps.hyp2f1(*args)
    assert (result.shape, result.dtype, result.weak_type) == (
        expected.shape, expected.dtype, expected.weak_type)


@pytest.mark.parametrize("dtype", [np.float16, "bfloat16"])
def test_sici_16_bit_floats(dtype):
  # Computed in float32 and rounded: JAX's float16 sici loses digits past |x| ~ 4 and gives NaN
  # at x = 20, so the reference is SciPy's double-precision value.
  scipy_special = pytest.importorskip("scipy.special")
  x = np.array([0.5, 1., 2., 3., 5., -7., 20.], dtype)
  si, ci = ps.sici(x)
  assert (si.dtype, ci.dtype) == (x.dtype, x.dtype) and not si.weak_type
  expected_si, expected_ci = scipy_special.sici(x.astype(np.float64))
  for got, expected in ((si, expected_si), (ci, expected_ci)):
    np.testing.assert_array_equal(np.asarray(got), expected.astype(dtype))
