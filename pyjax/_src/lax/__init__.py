"""lax primitives. Their eager implementations run NumPy ufuncs, whose floating-point warnings
(overflow, divide by zero, invalid value) are not errors in JAX's semantics: NaN and inf are
ordinary results. They are silenced for pyjax's own modules only (a user's NumPy code still
warns), at no cost per operation."""
import warnings

warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"pyjax\._src\.")
