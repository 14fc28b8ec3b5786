"""Test-session setup shared by every test module.

The oracle (jax) compiles one XLA executable per eager operation, shape and dtype, and most of the
oracle-comparison tests' time is LLVM optimizing those tiny kernels. Without LLVM's optimization
passes they compile about five times faster; the results are the same (XLA's CPU backend does not
use fast-math, so the optimization level does not change floating-point results). The flag must
be set before jax creates its CPU backend, hence here, before any test module is imported.
"""
import os

_FAST_COMPILE = "--xla_backend_optimization_level=0"
if "xla_backend_optimization_level" not in os.environ.get("XLA_FLAGS", ""):
  os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {_FAST_COMPILE}".strip()
