"""`pyjax.scipy.fft`: SciPy's discrete cosine transforms on pyjax arrays, as `jax.scipy.fft`."""
from pyjax._src.scipy.fft import __all__, dct, dctn, idct, idctn  # noqa: F401
