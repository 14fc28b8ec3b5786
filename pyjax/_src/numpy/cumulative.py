"""Cumulative functions of `jax.numpy`: cumsum, cumprod and their nan- and cumulative_ forms."""
__all__: list[str] = []
