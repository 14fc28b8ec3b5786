"""Conversion from and to buffers, files and text, and array printing of `jax.numpy`."""
__all__: list[str] = []
