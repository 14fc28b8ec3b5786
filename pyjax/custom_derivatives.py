"""`pyjax.custom_derivatives`: functions with user-defined derivative rules."""
from pyjax._src.custom_derivatives import (  # noqa: F401
    CustomVJPPrimal, SymbolicZero, custom_jvp, custom_vjp, custom_vjp_primal_tree_values)
