"""`pyjax.scipy.optimize`: unconstrained minimization (BFGS and an L-BFGS variant) with JAX's
iteration structure, so iterates, `nit`, `nfev` and `status` agree with `jax.scipy.optimize`.

Both methods run as one `lax.while_loop` (jit- and vmap-friendly) and use a strong-Wolfe line
search (Nocedal & Wright, Algorithms 3.5 and 3.6) whose branches are all evaluated and selected
with `where`, never with Python control flow on traced values.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from pyjax import lax
from pyjax import numpy as jnp
from pyjax._src import dtypes
from pyjax._src.ad_api import value_and_grad
from pyjax._src.numpy.util import promote_dtypes_inexact

__all__ = ["OptimizeResults", "minimize"]


def _dot(a, b):
  return jnp.dot(a, b, precision=lax.Precision.HIGHEST)


def _select(pred, old: NamedTuple, **new) -> dict:
  """The fields `new` of a state tuple, taking the new value where `pred` holds."""
  return {name: jnp.where(pred, value, getattr(old, name)) for name, value in new.items()}


# --- line search -------------------------------------------------------------------------------

def _cubic_minimizer(a, fa, fpa, b, fb, c, fc):
  """Minimizer of the cubic through (a, fa) with slope fpa at a, (b, fb) and (c, fc)."""
  dtype = dtypes.result_type(a, fa, fpa, b, fb, c, fc)
  db, dc = b - a, c - a
  denom = (db * dc) ** 2 * (db - dc)
  coeffs = jnp.array([[dc ** 2, -db ** 2], [-dc ** 3, db ** 3]], dtype=dtype)
  rhs = jnp.array([fb - fa - fpa * db, fc - fa - fpa * dc], dtype=dtype)
  cubic, quadratic = _dot(coeffs, rhs) / denom
  radical = quadratic * quadratic - 3. * cubic * fpa
  return a + (-quadratic + jnp.sqrt(radical)) / (3. * cubic)


def _quadratic_minimizer(a, fa, fpa, b, fb):
  """Minimizer of the parabola through (a, fa) with slope fpa at a, and (b, fb)."""
  db = b - a
  curvature = (fb - fa - fpa * db) / (db ** 2)
  return a - fpa / (2. * curvature)


class _Zoom(NamedTuple):
  done: Any
  failed: Any
  j: Any
  a_lo: Any
  phi_lo: Any
  dphi_lo: Any
  a_hi: Any
  phi_hi: Any
  dphi_hi: Any
  a_rec: Any  # the previous a_hi or a_lo, the third point of the cubic interpolant
  phi_rec: Any
  a_star: Any
  phi_star: Any
  dphi_star: Any
  g_star: Any
  nfev: Any
  ngev: Any


def _zoom(value_slope_grad, sufficient_decrease_fails, curvature_holds, a_lo, phi_lo, dphi_lo,
          a_hi, phi_hi, dphi_hi, g_0, skip):
  """Algorithm 3.6 (zoom) between a_lo and a_hi; trial steps by cubic, then quadratic
  interpolation, then bisection. Runs no iteration where `skip` holds."""
  state = _Zoom(done=False, failed=False, j=0, a_lo=a_lo, phi_lo=phi_lo, dphi_lo=dphi_lo,
                a_hi=a_hi, phi_hi=phi_hi, dphi_hi=dphi_hi, a_rec=(a_lo + a_hi) / 2.,
                phi_rec=(phi_lo + phi_hi) / 2., a_star=1., phi_star=phi_lo, dphi_star=dphi_lo,
                g_star=g_0, nfev=0, ngev=0)

  def body(state: _Zoom) -> _Zoom:
    width = state.a_hi - state.a_lo
    left, right = jnp.minimum(state.a_hi, state.a_lo), jnp.maximum(state.a_hi, state.a_lo)
    cubic_margin, quadratic_margin = 0.2 * width, 0.1 * width
    # An interval this narrow stops the search: the Wolfe conditions failed, so minimize stops.
    threshold = jnp.where(dtypes.finfo(width.dtype).bits < 64, 1e-5, 1e-10)
    state = state._replace(failed=state.failed | (width <= threshold))

    a_cubic = _cubic_minimizer(state.a_lo, state.phi_lo, state.dphi_lo, state.a_hi,
                               state.phi_hi, state.a_rec, state.phi_rec)
    use_cubic = ((state.j > 0) & (a_cubic > left + cubic_margin)
                 & (a_cubic < right - cubic_margin))
    a_quadratic = _quadratic_minimizer(state.a_lo, state.phi_lo, state.dphi_lo, state.a_hi,
                                       state.phi_hi)
    use_quadratic = (~use_cubic & (a_quadratic > left + quadratic_margin)
                     & (a_quadratic < right - quadratic_margin))
    a_j = jnp.where(use_cubic, a_cubic, state.a_rec)
    a_j = jnp.where(use_quadratic, a_quadratic, a_j)
    a_j = jnp.where(~use_cubic & ~use_quadratic, (state.a_lo + state.a_hi) / 2., a_j)

    phi_j, dphi_j, g_j = value_slope_grad(a_j)
    phi_j = phi_j.astype(state.phi_lo.dtype)
    dphi_j = dphi_j.astype(state.dphi_lo.dtype)
    g_j = g_j.astype(state.g_star.dtype)
    state = state._replace(nfev=state.nfev + 1, ngev=state.ngev + 1)

    hi_to_j = sufficient_decrease_fails(a_j, phi_j) | (phi_j >= state.phi_lo)
    star_to_j = curvature_holds(dphi_j) & ~hi_to_j
    hi_to_lo = (dphi_j * (state.a_hi - state.a_lo) >= 0.) & ~hi_to_j & ~star_to_j
    lo_to_j = ~hi_to_j & ~star_to_j

    state = state._replace(**_select(hi_to_j, state, a_hi=a_j, phi_hi=phi_j, dphi_hi=dphi_j,
                                     a_rec=state.a_hi, phi_rec=state.phi_hi))
    state = state._replace(done=star_to_j | state.done,
                           **_select(star_to_j, state, a_star=a_j, phi_star=phi_j,
                                     dphi_star=dphi_j, g_star=g_j))
    state = state._replace(**_select(hi_to_lo, state, a_hi=state.a_lo, phi_hi=state.phi_lo,
                                     dphi_hi=state.dphi_lo, a_rec=state.a_hi,
                                     phi_rec=state.phi_hi))
    state = state._replace(**_select(lo_to_j & ~hi_to_lo, state, a_rec=state.a_lo,
                                     phi_rec=state.phi_lo))
    state = state._replace(**_select(lo_to_j, state, a_lo=a_j, phi_lo=phi_j, dphi_lo=dphi_j))
    j = state.j + 1
    # 30 trial steps at most (more than SciPy's 10: float32 needs them).
    return state._replace(j=j, failed=state.failed | (j >= 30))

  return lax.while_loop(lambda state: ~state.done & ~skip & ~state.failed, body, state)


class _LineSearch(NamedTuple):
  done: Any
  failed: Any
  i: Any
  a_prev: Any
  phi_prev: Any
  dphi_prev: Any
  nfev: Any
  ngev: Any
  a_star: Any
  phi_star: Any
  dphi_star: Any
  g_star: Any


class _LineSearchResults(NamedTuple):
  failed: Any
  nfev: Any
  ngev: Any
  a_k: Any
  f_k: Any
  g_k: Any
  status: Any


def _line_search(f, xk, pk, old_fval, gfk, old_old_fval=None, c1=1e-4, c2=0.9, maxiter=20):
  """Algorithm 3.5: a step along the descent direction pk satisfying the strong Wolfe
  conditions, starting from the step SciPy starts from and doubling it."""
  xk, pk = promote_dtypes_inexact(xk, pk)

  def value_slope_grad(t):
    t = jnp.array(t, dtype=pk.dtype)
    phi, g = value_and_grad(f)(xk + t * pk)
    return phi, jnp.real(_dot(g, pk)), g

  phi_0 = old_fval
  dphi_0 = jnp.real(_dot(gfk, pk))
  if old_old_fval is None:
    first_step = 1
  else:
    candidate = 1.01 * 2 * (phi_0 - old_old_fval) / dphi_0
    first_step = jnp.where(candidate > 1, 1.0, candidate)

  def sufficient_decrease_fails(a, phi):
    return phi > phi_0 + c1 * a * dphi_0

  def curvature_holds(dphi):
    return jnp.abs(dphi) <= -c2 * dphi_0

  state = _LineSearch(done=jnp.array(False), failed=jnp.array(False), i=1, a_prev=0.,
                      phi_prev=phi_0, dphi_prev=dphi_0, nfev=0, ngev=0, a_star=0.,
                      phi_star=phi_0, dphi_star=dphi_0, g_star=gfk)

  def body(state: _LineSearch) -> _LineSearch:
    a_i = jnp.where(state.i == 1, first_step, state.a_prev * 2.)
    phi_i, dphi_i, g_i = value_slope_grad(a_i)
    state = state._replace(nfev=state.nfev + 1, ngev=state.ngev + 1)

    zoom_up = sufficient_decrease_fails(a_i, phi_i) | ((phi_i >= state.phi_prev) & (state.i > 1))
    accept = curvature_holds(dphi_i) & ~zoom_up
    zoom_down = (dphi_i >= 0.) & ~zoom_up & ~accept

    zoom1 = _zoom(value_slope_grad, sufficient_decrease_fails, curvature_holds, state.a_prev,
                  state.phi_prev, state.dphi_prev, a_i, phi_i, dphi_i, gfk, ~zoom_up)
    state = state._replace(nfev=state.nfev + zoom1.nfev, ngev=state.ngev + zoom1.ngev)
    zoom2 = _zoom(value_slope_grad, sufficient_decrease_fails, curvature_holds, a_i, phi_i,
                  dphi_i, state.a_prev, state.phi_prev, state.dphi_prev, gfk, ~zoom_down)
    state = state._replace(nfev=state.nfev + zoom2.nfev, ngev=state.ngev + zoom2.ngev)

    star = ("a_star", "phi_star", "dphi_star", "g_star")
    state = state._replace(done=zoom_up | state.done,
                           failed=(zoom_up & zoom1.failed) | state.failed,
                           **_select(zoom_up, state, **{k: getattr(zoom1, k) for k in star}))
    state = state._replace(done=accept | state.done,
                           **_select(accept, state, a_star=a_i, phi_star=phi_i,
                                     dphi_star=dphi_i, g_star=g_i))
    state = state._replace(done=zoom_down | state.done,
                           failed=(zoom_down & zoom2.failed) | state.failed,
                           **_select(zoom_down, state, **{k: getattr(zoom2, k) for k in star}))
    return state._replace(i=state.i + 1, a_prev=a_i, phi_prev=phi_i, dphi_prev=dphi_i)

  state = lax.while_loop(lambda state: ~state.done & (state.i <= maxiter) & ~state.failed, body,
                         state)
  status = jnp.where(state.failed, jnp.array(1), jnp.where(state.i > maxiter, jnp.array(3),
                                                          jnp.array(0)))
  # Below 64 bits a step this small leaves x unchanged and the minimizer stuck: floor it.
  step = jnp.asarray(state.a_star)
  step = jnp.where((dtypes.finfo(step.dtype).bits != 64) & (jnp.abs(step) < 1e-8),
                   jnp.sign(step) * 1e-8, step)
  return _LineSearchResults(failed=state.failed | ~state.done, nfev=state.nfev, ngev=state.ngev,
                            a_k=step, f_k=state.phi_star, g_k=state.g_star, status=status)


# --- BFGS --------------------------------------------------------------------------------------

class _BFGS(NamedTuple):
  converged: Any
  failed: Any
  k: Any
  nfev: Any
  ngev: Any
  x_k: Any
  f_k: Any
  g_k: Any
  H_k: Any  # the inverse Hessian estimate
  old_old_fval: Any
  line_search_status: Any


def minimize_bfgs(fun: Callable, x0, maxiter: int | None = None, norm=np.inf,
                  gtol: float = 1e-5, line_search_maxiter: int = 10):
  """BFGS (Nocedal & Wright, Algorithm 6.1): returns the final state and its status code."""
  if maxiter is None:
    maxiter = np.size(x0) * 200
  d = x0.shape[0]
  f_0, g_0 = value_and_grad(fun)(x0)
  state = _BFGS(converged=jnp.linalg.norm(g_0, ord=norm) < gtol, failed=False, k=0, nfev=1,
                ngev=1, x_k=x0, f_k=f_0, g_k=g_0, H_k=jnp.eye(d, dtype=x0.dtype),
                old_old_fval=f_0 + jnp.linalg.norm(g_0) / 2, line_search_status=0)

  def body(state: _BFGS) -> _BFGS:
    p_k = -_dot(state.H_k, state.g_k)
    ls = _line_search(fun, state.x_k, p_k, old_fval=state.f_k, gfk=state.g_k,
                      old_old_fval=state.old_old_fval, maxiter=line_search_maxiter)
    s_k = ls.a_k * p_k
    y_k = ls.g_k - state.g_k
    rho_k = jnp.reciprocal(_dot(y_k, s_k))
    # H <- (I - rho s y^T) H (I - rho y s^T) + rho s s^T, kept when y^T s = 0 makes rho infinite.
    w = jnp.eye(d, dtype=rho_k.dtype) - rho_k * (s_k[:, None] * y_k[None, :])
    H_next = (jnp.einsum("ij,jk,lk", w, state.H_k, w, precision=lax.Precision.HIGHEST)
              + rho_k * s_k[:, None] * s_k[None, :])
    H_next = jnp.where(jnp.isfinite(rho_k), H_next, state.H_k)
    return _BFGS(converged=jnp.linalg.norm(ls.g_k, ord=norm) < gtol, failed=ls.failed,
                 k=state.k + 1, nfev=state.nfev + ls.nfev, ngev=state.ngev + ls.ngev,
                 x_k=state.x_k + s_k, f_k=ls.f_k, g_k=ls.g_k, H_k=H_next, old_old_fval=state.f_k,
                 line_search_status=ls.status)

  state = lax.while_loop(
      lambda state: ~state.converged & ~state.failed & (state.k < maxiter), body, state)
  # 0 converged, 1 out of iterations, 2 + the line search's status when it failed, -1 otherwise.
  status = jnp.where(state.converged, 0, jnp.where(
      state.k == maxiter, 1, jnp.where(state.failed, 2 + state.line_search_status, -1)))
  return state, status


# --- L-BFGS ------------------------------------------------------------------------------------

class _LBFGS(NamedTuple):
  converged: Any
  failed: Any
  k: Any
  nfev: Any
  ngev: Any
  x_k: Any
  f_k: Any
  g_k: Any
  s_history: Any  # the last maxcor steps, oldest first
  y_history: Any  # the gradient changes along them
  rho_history: Any  # 1 / <y, s>
  gamma: Any  # the scale of the initial inverse Hessian
  status: Any


def _minimize_lbfgs(fun: Callable, x0, maxiter: float | None = None, norm=np.inf,
                    maxcor: int = 10, ftol: float = 2.220446049250313e-09, gtol: float = 1e-05,
                    maxfun: float | None = None, maxgrad: float | None = None, maxls: int = 20):
  """L-BFGS (Nocedal & Wright, Algorithm 7.5) with the complex generalization of Sorber et al.
  Status: 0 converged, 1 maxiter, 2 maxfun, 3 maxgrad, 4 progress below ftol, 5 line search
  failed."""
  d = len(x0)
  dtype = dtypes.dtype(x0)
  if maxiter is None and maxfun is None and maxgrad is None:
    maxiter = d * 200
  maxiter, maxfun, maxgrad = (np.inf if v is None else v for v in (maxiter, maxfun, maxgrad))

  f_0, g_0 = value_and_grad(fun)(x0)
  state = _LBFGS(converged=jnp.array(False), failed=jnp.array(False), k=0, nfev=1, ngev=1,
                 x_k=x0, f_k=f_0, g_k=g_0, s_history=jnp.zeros((maxcor, d), dtype=dtype),
                 y_history=jnp.zeros((maxcor, d), dtype=dtype),
                 rho_history=jnp.zeros((maxcor,), dtype=dtype), gamma=1., status=0)

  def body(state: _LBFGS) -> _LBFGS:
    p_k = _two_loop_recursion(state)
    ls = _line_search(fun, state.x_k, p_k, old_fval=state.f_k, gfk=state.g_k, maxiter=maxls)
    s_k = jnp.asarray(ls.a_k).astype(p_k.dtype) * p_k
    y_k = ls.g_k - state.g_k
    curvature = jnp.real(_dot(y_k, s_k))
    rho_k = jnp.reciprocal(curvature).astype(y_k.dtype)
    gamma = curvature / jnp.real(_dot(jnp.conj(y_k), y_k))

    status = jnp.array(0)
    status = jnp.where(state.f_k - ls.f_k < ftol, 4, status)
    status = jnp.where(state.ngev >= maxgrad, 3, status)
    status = jnp.where(state.nfev >= maxfun, 2, status)
    status = jnp.where(state.k >= maxiter, 1, status)
    status = jnp.where(ls.failed, 5, status)
    converged = jnp.linalg.norm(ls.g_k, ord=norm) < gtol
    return _LBFGS(converged=converged, failed=(status > 0) & ~converged, k=state.k + 1,
                  nfev=state.nfev + ls.nfev, ngev=state.ngev + ls.ngev,
                  x_k=(state.x_k + s_k).astype(state.x_k.dtype),
                  f_k=ls.f_k.astype(state.f_k.dtype), g_k=ls.g_k.astype(state.g_k.dtype),
                  s_history=_push(state.s_history, s_k), y_history=_push(state.y_history, y_k),
                  rho_history=_push(state.rho_history, rho_k),
                  gamma=gamma.astype(state.g_k.dtype), status=jnp.where(converged, 0, status))

  return lax.while_loop(lambda state: ~state.converged & ~state.failed, body, state)


def _push(history, new):
  """The history with its oldest entry dropped and `new` appended."""
  return jnp.roll(history, -1, axis=0).at[-1].set(new)


def _two_loop_recursion(state: _LBFGS):
  """The search direction -H g, H the L-BFGS inverse Hessian of the stored pairs."""
  dtype = state.rho_history.dtype
  size = len(state.rho_history)
  used = jnp.where(state.k < size, state.k, size)

  def newest_first(j, carry):
    q, alphas = carry
    i = size - 1 - j
    alpha = state.rho_history[i] * _dot(jnp.conj(state.s_history[i]), q).real.astype(dtype)
    return q - alpha * jnp.conj(state.y_history[i]), alphas.at[i].set(alpha)

  q, alphas = lax.fori_loop(0, used, newest_first,
                            (-jnp.conj(state.g_k), jnp.zeros_like(state.rho_history)))
  q = state.gamma * q

  def oldest_first(j, q):
    i = size - used + j
    beta = state.rho_history[i] * _dot(state.y_history[i], q).real.astype(dtype)
    return q + (alphas[i] - beta) * state.s_history[i]

  return lax.fori_loop(0, used, oldest_first, q)


# --- public API --------------------------------------------------------------------------------

class OptimizeResults(NamedTuple):
  """The outcome of `minimize`.

  x: the solution; success: converged without a line search failure; status: the method's code
  (BFGS: 0 converged, 1 out of iterations, 3 zoom failed, 5 line search out of iterations, -1
  undefined; L-BFGS: see `_minimize_lbfgs`); fun, jac: the objective and its gradient at x;
  hess_inv: the inverse Hessian estimate (None for L-BFGS); nfev, njev: objective and gradient
  evaluations; nit: iterations.
  """
  x: Any
  success: Any
  status: Any
  fun: Any
  jac: Any
  hess_inv: Any
  nfev: Any
  njev: Any
  nit: Any


def minimize(fun: Callable, x0, args: tuple = (), *, method: str, tol: float | None = None,
             options: Mapping[str, Any] | None = None) -> OptimizeResults:
  """Minimizes `fun(x, *args)` over the 1-D array x from `x0`, as `jax.scipy.optimize.minimize`:
  `method` is 'BFGS' or 'l-bfgs-experimental-do-not-rely-on-this', gradients come from autodiff,
  `options` are the method's keyword options (maxiter, gtol, norm, ...). `tol` is accepted and,
  as in JAX, unused."""
  options = {} if options is None else options
  if not isinstance(args, tuple):
    raise TypeError(f"args argument to jax.scipy.optimize.minimize must be a tuple, got {args}")

  def objective(x):
    return fun(x, *args)

  if method.lower() == "bfgs":
    state, status = minimize_bfgs(objective, x0, **options)
    return OptimizeResults(x=state.x_k, success=state.converged & ~state.failed,
                           status=status, fun=state.f_k, jac=state.g_k, hess_inv=state.H_k,
                           nfev=state.nfev, njev=state.ngev, nit=state.k)
  if method.lower() == "l-bfgs-experimental-do-not-rely-on-this":
    state = _minimize_lbfgs(objective, x0, **options)
    return OptimizeResults(x=state.x_k, success=state.converged & ~state.failed,
                           status=state.status, fun=state.f_k, jac=state.g_k, hess_inv=None,
                           nfev=state.nfev, njev=state.ngev, nit=state.k)
  raise ValueError(f"Method {method} not recognized")
