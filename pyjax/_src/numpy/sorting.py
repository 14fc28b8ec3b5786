"""Sorting, searching and counting in `jax.numpy`."""
__all__: list[str] = []
