"""conv_general_dilated and the convolution helpers of `jax.lax`."""
__all__: list[str] = []
