"""`pyjax.scipy.signal`: SciPy's signal processing on pyjax arrays, as `jax.scipy.signal`."""
from pyjax._src.scipy.signal import (  # noqa: F401
    __all__, convolve, convolve2d, correlate, correlate2d, csd, detrend, fftconvolve, istft, stft,
    welch)
