"""`pyjax.lax`: the primitive operations, as in `jax.lax` (no implicit type promotion)."""
from pyjax._src.lax import convolution as _convolution
from pyjax._src.lax import cumulative as _cumulative
from pyjax._src.lax import lax as _lax
from pyjax._src.lax import slicing as _slicing
from pyjax._src.lax import windowed_reductions as _windowed_reductions
from pyjax._src.lax.lax import *  # noqa: F401,F403
from pyjax._src.lax.slicing import *  # noqa: F401,F403
from pyjax._src.lax.convolution import *  # noqa: F401,F403
from pyjax._src.lax.windowed_reductions import *  # noqa: F401,F403
from pyjax._src.lax.cumulative import *  # noqa: F401,F403
from pyjax._src.lax.control_flow import (  # noqa: E402,F401
    associative_scan, cond, fori_loop, map, scan, switch, while_loop)
from pyjax._src.lax.fft import FftType, fft  # noqa: E402,F401
from pyjax.lax import linalg  # noqa: E402,F401
from pyjax._src.lax.parallel import (  # noqa: E402,F401
    all_gather, all_to_all, axis_index, axis_size, pmax, pmean, pmin, ppermute, psum, psum_scatter)

# The operations each module defines (tests check that every one of them is tested).
__all__ = sorted({*_lax.__all__, *_slicing.__all__, *_convolution.__all__,
                  *_windowed_reductions.__all__, *_cumulative.__all__})
