"""Array manipulation of `jax.numpy`: joining, splitting, tiling, padding, rearranging, triangles."""
__all__: list[str] = []
