"""Array-level predicates of `jax.numpy`: allclose, isclose, array_equal, iscomplexobj, can_cast, ..."""
__all__: list[str] = []
