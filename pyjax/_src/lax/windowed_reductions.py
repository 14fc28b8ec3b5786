"""reduce_window (pooling) and reduce with a custom computation."""
__all__: list[str] = []
