"""Differences, gradients and integrals of `jax.numpy`: diff, ediff1d, gradient, trapezoid, unwrap."""
__all__: list[str] = []
