"""Set operations of `jax.numpy`: unique and the *1d functions."""
__all__: list[str] = []
