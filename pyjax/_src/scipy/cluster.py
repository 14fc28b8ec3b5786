"""`vq`: vector quantization against a code book, as `jax.scipy.cluster.vq`."""
from __future__ import annotations

from pyjax import numpy as jnp
from pyjax._src.numpy.util import check_arraylike, promote_dtypes_inexact


def vq(obs, code_book, check_finite: bool = True):
  """For each observation (a row of `obs`, or an entry of a 1-D `obs`), the index of the nearest
  code of `code_book` in Euclidean distance (the first on ties) and that distance. Returns
  `(code, dist)`. `check_finite` is accepted for SciPy's signature and ignored, as in JAX: a
  check on values cannot run under jit."""
  del check_finite
  check_arraylike("scipy.cluster.vq.vq", obs, code_book)
  obs, code_book = promote_dtypes_inexact(obs, code_book)
  if obs.ndim != code_book.ndim:
    raise ValueError("Observation and code_book should have the same rank")
  if obs.ndim == 1:
    obs, code_book = obs[:, None], code_book[:, None]
  if obs.ndim != 2:
    raise ValueError("ndim different than 1 or 2 are not supported")
  distances = jnp.linalg.norm(obs[:, None, :] - code_book[None, :, :], axis=-1)
  code = jnp.argmin(distances, axis=-1)
  return code, jnp.take_along_axis(distances, code[:, None], axis=-1)[:, 0]
