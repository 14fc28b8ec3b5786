"""Gaussian kernel density estimation, as `jax.scipy.stats.gaussian_kde`."""
from __future__ import annotations

import numpy as np

from pyjax import numpy as jnp
from pyjax._src import dtypes
from pyjax._src.nn.functions import logsumexp
from pyjax._src.numpy.util import check_arraylike, promote_dtypes_inexact
from pyjax._src.scipy import linalg, special
from pyjax._src.tree_util import register_pytree_node_class
from pyjax._src.vmap_api import vmap

_FIELDS = ("neff", "dataset", "weights", "covariance", "inv_cov")


@register_pytree_node_class
class gaussian_kde:
  """A Gaussian kernel density estimate of `dataset` (shape (n,) or (d, n)), with bandwidth
  'scott' (default), 'silverman', a scalar factor or a callable of the estimator, and optional
  weights. A pytree whose leaves are neff, dataset, weights, covariance and inv_cov."""
  __slots__ = _FIELDS

  def __init__(self, dataset, bw_method=None, weights=None):
    check_arraylike("gaussian_kde", dataset)
    dataset = jnp.atleast_2d(dataset)
    if dtypes.issubdtype(dataset.dtype, np.complexfloating):
      raise NotImplementedError("gaussian_kde does not support complex data")
    if not dataset.size > 1:
      raise ValueError("`dataset` input should have multiple elements.")
    d, n = dataset.shape
    if weights is not None:
      check_arraylike("gaussian_kde", weights)
      dataset, weights = promote_dtypes_inexact(dataset, weights)
      weights = jnp.atleast_1d(weights)
      weights = weights / jnp.sum(weights)
      if weights.ndim != 1:
        raise ValueError("`weights` input should be one-dimensional.")
      if len(weights) != n:
        raise ValueError("`weights` input should be of length n")
    else:
      dataset, = promote_dtypes_inexact(dataset)
      weights = jnp.full(n, 1.0 / n, dtype=dataset.dtype)
    self._set("dataset", dataset)
    self._set("weights", weights)
    neff = self._set("neff", 1 / jnp.sum(weights ** 2))
    bw_method = "scott" if bw_method is None else bw_method
    if isinstance(bw_method, str) and bw_method == "scott":
      factor = jnp.power(neff, -1. / (d + 4))
    elif isinstance(bw_method, str) and bw_method == "silverman":
      factor = jnp.power(neff * (d + 2) / 4.0, -1. / (d + 4))
    elif jnp.isscalar(bw_method) and not isinstance(bw_method, str):
      factor = bw_method
    elif callable(bw_method):
      factor = bw_method(self)
    else:
      raise ValueError("`bw_method` should be 'scott', 'silverman', a scalar, or a callable.")
    # The kernel covariance is the data's (weighted) covariance scaled by the factor squared.
    data_covariance = jnp.atleast_2d(jnp.cov(dataset, rowvar=1, bias=False, aweights=weights))
    self._set("covariance", data_covariance * factor ** 2)
    self._set("inv_cov", jnp.linalg.inv(data_covariance) / factor ** 2)

  def _set(self, name, value):
    object.__setattr__(self, name, value)
    return value

  def __setattr__(self, name, value):
    raise AttributeError(f"cannot assign to field {name!r}")  # frozen, as in JAX

  def tree_flatten(self):
    return tuple(getattr(self, name) for name in _FIELDS), None

  @classmethod
  def tree_unflatten(cls, aux_data, children):
    kde = cls.__new__(cls)
    for name, value in zip(_FIELDS, children):
      kde._set(name, value)
    return kde

  @property
  def d(self):
    return self.dataset.shape[0]

  @property
  def n(self):
    return self.dataset.shape[1]

  def _log_kernel_terms(self, points):
    """log(w_i N(x_j; data_i, covariance)) for every data point i and query point j: (n, m)."""
    points = self._reshape_points(points)
    data, weights, points, precision = promote_dtypes_inexact(
        self.dataset, self.weights, points, self.inv_cov)
    # With precision = L L^T, the Mahalanobis distance is the Euclidean one after x -> L^T x.
    whitening = jnp.linalg.cholesky(precision)
    data, points = whitening.T @ data, whitening.T @ points
    log_norm = jnp.sum(jnp.log(jnp.diag(whitening))) - 0.5 * self.d * np.log(2 * np.pi)
    squared = jnp.sum(jnp.square(data[:, :, None] - points[:, None, :]), axis=0)
    return log_norm - 0.5 * squared, weights[:, None]

  def evaluate(self, points):
    """The estimated density at `points` (shape (d, m), or (m,) when d == 1)."""
    check_arraylike("evaluate", points)
    log_terms, weights = self._log_kernel_terms(points)
    return jnp.sum(weights * jnp.exp(log_terms), axis=0)

  def __call__(self, points):
    return self.evaluate(points)

  def pdf(self, x):
    """The estimated density, as `evaluate`."""
    return self.evaluate(x)

  def logpdf(self, x):
    """The log of the estimated density, accurate where the density underflows."""
    check_arraylike("logpdf", x)
    log_terms, weights = self._log_kernel_terms(x)
    return logsumexp(log_terms, axis=0, b=weights)

  def _convolve(self, cho, norm, target, weights, mean):
    diff = target - mean[:, None]
    return norm * jnp.sum(jnp.exp(-0.5 * jnp.sum(diff * linalg.cho_solve(cho, diff), axis=0))
                          * weights)

  def _cho_and_norm(self, cov):
    cho = linalg.cho_factor(self.covariance + cov)
    return cho, 1.0 / (jnp.sqrt(2 * np.pi) ** self.d * jnp.prod(jnp.diag(cho[0])))

  def integrate_gaussian(self, mean, cov):
    """The integral of the density times the Gaussian N(mean, cov)."""
    mean = jnp.atleast_1d(jnp.squeeze(mean))
    cov = jnp.atleast_2d(cov)
    if mean.shape != (self.d,):
      raise ValueError(f"mean does not have dimension {self.d}")
    if cov.shape != (self.d, self.d):
      raise ValueError(f"covariance does not have dimension {self.d}")
    cho, norm = self._cho_and_norm(cov)
    return self._convolve(cho, norm, self.dataset, self.weights, mean)

  def integrate_box_1d(self, low, high):
    """The probability mass between `low` and `high` (scalars) of a 1-D estimate."""
    if self.d != 1:
      raise ValueError("integrate_box_1d() only handles 1D pdfs")
    if np.ndim(low) != 0 or np.ndim(high) != 0:
      raise ValueError("the limits of integration in integrate_box_1d must be scalars")
    sigma = jnp.squeeze(jnp.sqrt(self.covariance))
    low = jnp.squeeze((low - self.dataset) / sigma)
    high = jnp.squeeze((high - self.dataset) / sigma)
    return jnp.sum(self.weights * (special.ndtr(high) - special.ndtr(low)))

  def integrate_kde(self, other):
    """The integral of the product of this density and `other`'s."""
    if other.d != self.d:
      raise ValueError("KDEs are not the same dimensionality")
    cho, norm = self._cho_and_norm(other.covariance)
    small, large = (self, other) if self.n < other.n else (other, self)
    per_point = vmap(lambda mean: self._convolve(cho, norm, large.dataset, large.weights, mean),
                     in_axes=1)(small.dataset)
    return jnp.sum(per_point * small.weights)

  def resample(self, key, shape=()):
    """Draws of shape (d,) + shape: a data point chosen by weight plus kernel noise."""
    from pyjax import random  # imported late: pyjax.random is built after pyjax.scipy
    index_key, noise_key = random.split(key)
    index = random.choice(index_key, self.n, shape=shape, p=self.weights)
    noise = random.multivariate_normal(noise_key, jnp.zeros(self.d, self.covariance.dtype),
                                       self.covariance, shape=shape, dtype=self.dataset.dtype)
    return self.dataset[:, index] + noise.T

  def integrate_box(self, low_bounds, high_bounds, maxpts=None):
    """Not supported (as in JAX): use integrate_box_1d."""
    raise NotImplementedError("only 1D box integrations are supported; use `integrate_box_1d`")

  def set_bandwidth(self, bw_method=None):
    """Not supported (as in JAX): the estimator is immutable; build a new one instead."""
    raise NotImplementedError("dynamically changing the bandwidth method is not supported")

  def _reshape_points(self, points):
    if dtypes.issubdtype(jnp.asarray(points).dtype, np.complexfloating):
      raise NotImplementedError("gaussian_kde does not support complex coordinates")
    points = jnp.atleast_2d(points)
    d, m = points.shape
    if d != self.d:
      if d == 1 and m == self.d:
        points = jnp.reshape(points, (self.d, 1))
      else:
        raise ValueError(f"points have dimension {d}, dataset has dimension {self.d}")
    return points
