"""Index helpers of `jax.numpy`: take and friends, index grids and index arithmetic."""
__all__: list[str] = []
