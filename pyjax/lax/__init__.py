"""`pyjax.lax`: the primitive operations, as in `jax.lax` (no implicit type promotion)."""
from pyjax._src.lax import convolution as _convolution
from pyjax._src.lax import cumulative as _cumulative
from pyjax._src.lax import lax as _lax
from pyjax._src.lax import misc as _misc
from pyjax._src.lax import ragged_dot as _ragged_dot
from pyjax._src.lax import scaled_dot as _scaled_dot
from pyjax._src.lax import rng as _rng
from pyjax._src.lax import tokens as _tokens
from pyjax._src.lax import composite as _composite
from pyjax._src.lax import platform as _platform
from pyjax._src.lax import slicing as _slicing
from pyjax._src.lax import sorting as _sorting
from pyjax._src.lax import special as _special
from pyjax._src.lax import windowed_reductions as _windowed_reductions
from pyjax._src.lax.lax import *  # noqa: F401,F403
from pyjax._src.lax.slicing import *  # noqa: F401,F403
from pyjax._src.lax.convolution import *  # noqa: F401,F403
from pyjax._src.lax.windowed_reductions import *  # noqa: F401,F403
from pyjax._src.lax.cumulative import *  # noqa: F401,F403
from pyjax._src.lax.special import *  # noqa: F401,F403
from pyjax._src.lax.sorting import *  # noqa: F401,F403
from pyjax._src.lax.precision import *  # noqa: F401,F403
from pyjax._src.lax.misc import *  # noqa: F401,F403
from pyjax._src.lax.ragged_dot import *  # noqa: F401,F403
from pyjax._src.lax.scaled_dot import *  # noqa: F401,F403
from pyjax._src.lax.rng import *  # noqa: F401,F403
from pyjax._src.lax.tokens import *  # noqa: F401,F403
from pyjax._src.lax.composite import *  # noqa: F401,F403
from pyjax._src.lax.platform import *  # noqa: F401,F403
from pyjax._src.lax.control_flow import (  # noqa: E402,F401
    associative_scan, cond, custom_linear_solve, custom_root, fori_loop, map, scan, switch,
    while_loop)
from pyjax._src.lax.fft import FftType, fft  # noqa: E402,F401
from pyjax.lax import linalg  # noqa: E402,F401
from pyjax._src.lax.parallel import (  # noqa: E402,F401
    all_gather, all_to_all, axis_index, axis_size, pmax, pmean, pmin, ppermute, pshuffle, psum,
    psum_scatter, pswapaxes)

# The operations each module defines (tests check that every one of them is tested).
__all__ = sorted({name for module in (_lax, _slicing, _convolution, _windowed_reductions,
                                      _cumulative, _special, _sorting, _misc,
                                      _ragged_dot, _scaled_dot, _rng, _tokens, _composite,
                                      _platform)
                  for name in getattr(module, "__all__", ())})


def _exported_primitives() -> dict:
  # JAX exports its primitives (`lax.add_p`, ...) for users who define rules or interpret jaxprs;
  # `reduce_scatter_p` is internal in JAX (psum_scatter binds it).
  from pyjax._src.core import Primitive
  from pyjax._src.lax import (control_flow, dot, elementwise, fft, parallel, reductions,
                              sorting, structural)
  modules = (elementwise, structural, reductions, dot, _special, sorting, _slicing,
             _convolution, _windowed_reductions, _cumulative, control_flow, fft, parallel,
             _misc, _ragged_dot, _rng, _tokens)
  return {name: value for module in modules for name, value in vars(module).items()
          if name.endswith("_p") and not name.startswith("_") and isinstance(value, Primitive)
          and name != "reduce_scatter_p"}


globals().update(_exported_primitives())
