"""Order statistics, histograms and averages of `jax.numpy`."""
__all__: list[str] = []
