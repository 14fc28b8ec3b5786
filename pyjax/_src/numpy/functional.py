"""Functional helpers of `jax.numpy`: vectorize, piecewise, select, apply_along_axis, fromfunction."""
__all__: list[str] = []
