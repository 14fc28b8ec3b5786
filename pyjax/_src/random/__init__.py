"""pyjax.random's implementation: threefry (NumPy kernels), keys (the key dtype and primitives)
and samplers."""
