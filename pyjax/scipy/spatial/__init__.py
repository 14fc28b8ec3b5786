"""`pyjax.scipy.spatial`: SciPy's spatial algorithms on pyjax arrays, as `jax.scipy.spatial`
(whose one submodule, `transform`, is imported explicitly, as in JAX)."""
