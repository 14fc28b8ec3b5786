"""`pyjax.dtypes`: dtype utilities, as `jax.dtypes`."""
from pyjax._src.dtypes import (  # noqa: F401
    bfloat16, canonicalize_dtype, dtype, extended, finfo, float0, iinfo, issubdtype, prng_key,
    promote_types, result_type)
