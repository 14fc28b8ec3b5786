"""`pyjax.lax`: the primitive operations, as in `jax.lax` (no implicit type promotion)."""
from pyjax._src.lax.lax import *  # noqa: F401,F403
from pyjax._src.lax.lax import __all__  # noqa: F401
from pyjax._src.lax.control_flow import (  # noqa: E402,F401
    associative_scan, cond, fori_loop, map, scan, switch, while_loop)
from pyjax._src.lax.fft import FftType, fft  # noqa: E402,F401
from pyjax.lax import linalg  # noqa: E402,F401
from pyjax._src.lax.parallel import (  # noqa: E402,F401
    all_gather, all_to_all, axis_index, axis_size, pmax, pmean, pmin, ppermute, psum, psum_scatter)
