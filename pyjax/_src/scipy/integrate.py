"""`pyjax.scipy.integrate`: SciPy's numerical integration of samples, as `jax.scipy.integrate`."""
from __future__ import annotations

from pyjax._src.jit import jit
from pyjax._src.numpy.calculus import trapezoid as _numpy_trapezoid

__all__ = ["trapezoid"]


# Staged, as JAX's, so that `axis` must be static and the sums fuse into one program.
@jit(static_argnames=("axis",))
def trapezoid(y, x=None, dx=1.0, axis: int = -1):
  """Integral of `y` along `axis` by the trapezoidal rule, at sample points `x` (1-D, or shaped
  like `y`) or with uniform spacing `dx`."""
  return _numpy_trapezoid(y, x, dx, axis)
