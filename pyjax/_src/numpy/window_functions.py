"""Window functions of `jax.numpy`: bartlett, blackman, hamming, hanning, kaiser."""
__all__: list[str] = []
