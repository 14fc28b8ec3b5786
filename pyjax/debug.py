"""`pyjax.debug`: printing, callbacks and breakpoints that work inside traced code."""
from pyjax._src.debugging import breakpoint  # noqa: F401,A004
from pyjax._src.debugging import debug_callback as callback  # noqa: F401
from pyjax._src.debugging import debug_print as print  # noqa: F401,A004
