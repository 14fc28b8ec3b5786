"""`pyjax.ad_checkpoint`: rematerialization (`checkpoint`) and naming values for its policies."""
from pyjax._src.ad_checkpoint import (  # noqa: F401
    checkpoint, checkpoint_name, checkpoint_policies, remat)
