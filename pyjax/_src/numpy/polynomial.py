"""Polynomial functions of `jax.numpy` (poly*, roots)."""
__all__: list[str] = []
