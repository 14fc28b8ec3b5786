"""gather and scatter: the indexed reads and writes behind advanced indexing and `.at[]`, with JAX's dimension numbers and modes."""
__all__: list[str] = []
