"""pyjax: JAX, written in Python. Port a JAX program by changing its imports:

    import pyjax as jax
    import pyjax.numpy as jnp
"""
from pyjax._src.numpy import array_methods as _array_methods

_array_methods.install()

from pyjax import errors, lax, numpy, tree, tree_util  # noqa: E402,F401
from pyjax._src.api import (  # noqa: E402,F401
    ShapeDtypeStruct, block_until_ready, device_get, device_put, ensure_compile_time_eval,
    make_jaxpr, typeof)
from pyjax._src.array import Array  # noqa: E402,F401
from pyjax._src.backend import (  # noqa: E402,F401
    default_backend, device_count, devices, local_device_count, local_devices, process_count,
    process_index)
from pyjax._src.config import config, disable_jit, enable_x64  # noqa: E402,F401
from pyjax._src import dtypes  # noqa: E402,F401

__version__ = "0.1.0"
from pyjax._src.jit import clear_caches, eval_shape, jit  # noqa: E402,F401
from pyjax import debug  # noqa: E402,F401
from pyjax._src.debugging import pure_callback  # noqa: E402,F401
from pyjax._src.ad_api import (  # noqa: E402,F401
    grad, hessian, jacfwd, jacobian, jacrev, jvp, linear_transpose, linearize, value_and_grad, vjp)
from pyjax import random  # noqa: E402,F401
from pyjax._src.ad_checkpoint import checkpoint, checkpoint_policies, remat  # noqa: E402,F401
from pyjax._src.custom_derivatives import custom_jvp, custom_vjp  # noqa: E402,F401
from pyjax import scipy  # noqa: E402,F401
from pyjax import nn  # noqa: E402,F401
from pyjax._src.vmap_api import vmap  # noqa: E402,F401
from pyjax import ad_checkpoint, custom_derivatives  # noqa: E402,F401
