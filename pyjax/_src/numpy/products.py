"""Tensor products of `jax.numpy`: tensordot, kron, inner, cross, vecdot, matvec, vecmat, trace."""
__all__: list[str] = []
