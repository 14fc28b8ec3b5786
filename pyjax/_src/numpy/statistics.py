"""Order statistics, histograms and averages of `jax.numpy`."""
from __future__ import annotations

from pyjax._src.numpy import reductions, ufuncs
from pyjax._src.numpy.util import asarray_or_scalar, check_arraylike


def ptp(a, axis=None, out=None, keepdims: bool = False):
  """Range (maximum minus minimum) of `a` along `axis`."""
  check_arraylike("ptp", a)
  if out is not None:
    raise ValueError("The 'out' argument to jnp.ptp is not supported.")
  a = asarray_or_scalar(a)
  return ufuncs.subtract(reductions.max(a, axis=axis, keepdims=keepdims),
                         reductions.min(a, axis=axis, keepdims=keepdims))


__all__ = ["ptp"]
