"""`jnp.einsum` with contraction-path optimization, and `einsum_path`."""
__all__: list[str] = []
