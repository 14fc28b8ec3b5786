"""`pyjax.numpy`: NumPy's API with JAX's semantics (immutable arrays, JAX's type promotion)."""
import numpy as _np

from pyjax._src.array import Array as ndarray  # noqa: F401
from pyjax._src.dtypes import (  # noqa: F401
    finfo, iinfo, issubdtype, promote_types, result_type as _result_type)
from pyjax._src.numpy.creation import (  # noqa: F401
    arange, array, asarray, bfloat16, bool_, cdouble, complex64, complex128, complex_, csingle,
    double, empty, empty_like, eye, float4_e2m1fn, float6_e2m3fn, float6_e3m2fn, float8_e3m4,
    float8_e4m3, float8_e4m3b11fnuz, float8_e4m3fn, float8_e4m3fnuz, float8_e5m2, float8_e5m2fnuz,
    float8_e8m0fnu, float16, float32, float64, float_, full, full_like, geomspace, identity, int1,
    int2, int4, int8, int16, int32, int64, int_, linspace, logspace, ones, ones_like, single, uint,
    uint1, uint2, uint4, uint8, uint16, uint32, uint64, zeros, zeros_like)
from pyjax._src.numpy.creation import bool_ as bool  # noqa: F401,A004  (jnp.bool is jnp.bool_)
from pyjax._src.numpy.lax_numpy import (  # noqa: F401
    around, astype, broadcast_arrays, broadcast_shapes, broadcast_to, clip, concatenate, dot,
    expand_dims, matmul, matrix_transpose, moveaxis, ndim, nonzero, outer, permute_dims, ravel,
    reshape, round, shape, size, squeeze, stack, swapaxes, transpose, vdot, where)
from pyjax._src.numpy.reductions import *  # noqa: F401,F403
from pyjax._src.numpy.ufuncs import *  # noqa: F401,F403
from pyjax._src.numpy.ufuncs import power as pow  # noqa: F401
# Each module below lists its public names in `__all__`.
from pyjax._src.numpy.calculus import *  # noqa: F401,F403
from pyjax._src.numpy.convolution import *  # noqa: F401,F403
from pyjax._src.numpy.cumulative import *  # noqa: F401,F403
from pyjax._src.numpy.einsum import *  # noqa: F401,F403
from pyjax._src.numpy.functional import *  # noqa: F401,F403
from pyjax._src.numpy.index_tricks import *  # noqa: F401,F403
from pyjax._src.numpy.io import *  # noqa: F401,F403
from pyjax._src.numpy.manipulation import *  # noqa: F401,F403
from pyjax._src.numpy.polynomial import *  # noqa: F401,F403
from pyjax._src.numpy.predicates import *  # noqa: F401,F403
from pyjax._src.numpy.products import *  # noqa: F401,F403
from pyjax._src.numpy.setops import *  # noqa: F401,F403
from pyjax._src.numpy.sorting import *  # noqa: F401,F403
from pyjax._src.numpy.statistics import *  # noqa: F401,F403
from pyjax._src.numpy.window_functions import *  # noqa: F401,F403

# NumPy's abstract scalar categories, for `jnp.issubdtype(x.dtype, jnp.floating)`.
generic, number, inexact, floating, complexfloating = (
    _np.generic, _np.number, _np.inexact, _np.floating, _np.complexfloating)
integer, signedinteger, unsignedinteger = _np.integer, _np.signedinteger, _np.unsignedinteger
character, flexible = _np.character, _np.flexible
dtype = _np.dtype
object_ = _np.object_
ComplexWarning = _np.exceptions.ComplexWarning
pi, e, euler_gamma, inf, nan, newaxis = _np.pi, _np.e, _np.euler_gamma, _np.inf, _np.nan, None


def result_type(*args):
  """The dtype NumPy-style promotion of `args` gives (weak types become their default dtype)."""
  return _result_type(*args)


from pyjax.numpy import fft, linalg  # noqa: E402,F401
