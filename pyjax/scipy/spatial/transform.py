"""`pyjax.scipy.spatial.transform`: 3-D rotations, as `jax.scipy.spatial.transform`."""
from pyjax._src.scipy.spatial_transform import Rotation, Slerp  # noqa: F401
