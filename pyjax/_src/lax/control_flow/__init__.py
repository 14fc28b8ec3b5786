"""Control flow: `cond`/`switch` (the `cond` primitive), `while_loop`/`fori_loop` (`while`),
`scan`/`map`/`fori_loop` with static bounds (`scan`), `associative_scan` (no primitive), and
`custom_root`/`custom_linear_solve` (implicitly differentiated solvers)."""
from pyjax._src.lax.control_flow.associative_scan import associative_scan  # noqa: F401
from pyjax._src.lax.control_flow.conditionals import cond, cond_p, switch  # noqa: F401
from pyjax._src.lax.control_flow.loops import (  # noqa: F401
    fori_loop, map, scan, scan_p, while_loop, while_p)
from pyjax._src.lax.control_flow.solves import (  # noqa: F401
    custom_linear_solve, custom_root, linear_solve_p)
