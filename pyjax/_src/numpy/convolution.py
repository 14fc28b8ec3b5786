"""`jnp.convolve` and `jnp.correlate`."""
__all__: list[str] = []
