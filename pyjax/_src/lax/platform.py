"""`lax.platform_dependent`: choose an implementation by the platform the program runs on.

As in JAX it stages a `platform_index` equation (which branch the running platform takes) and a
`cond` over the branches that records their platforms. pyjax runs on the CPU, so the index is
that of the 'cpu' branch, or of the default one.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from pyjax._src import core
from pyjax._src.avals import ShapedArray
from pyjax._src.core import Primitive
from pyjax._src.interpreters import batching
from pyjax._src.lax.control_flow.conditionals import switch_branches

PLATFORM = "cpu"


def _platform_index_impl(*, platforms):
  for i, names in enumerate(platforms):
    if names is None or PLATFORM in names:
      return np.asarray(i, np.int32)
  raise NotImplementedError(f"MLIR translation rule for primitive 'platform_index(platforms="
                            f"{platforms})' not found for platform {PLATFORM}")


platform_index_p = Primitive("platform_index")
platform_index_p.def_impl(_platform_index_impl)
platform_index_p.def_abstract_eval(lambda *, platforms: ShapedArray((), np.int32))
platform_index_p.weak_type_rule = lambda *, platforms: False
# Without operands the index is the same in every batch member.
batching.primitive_batchers[platform_index_p] = (
    lambda axis_data, vals, dims, **params: (platform_index_p.bind(**params), None))


def platform_dependent(*args: Any, default: Callable | None = None,
                       **per_platform: Callable) -> Any:
  """`per_platform[p](*args)` for the platform `p` the program runs on ('cpu' in pyjax), else
  `default(*args)`. When staged, every branch is traced, as for `lax.switch`, so all must return
  the same types; a platform with no branch and no default fails when the program runs."""
  # One branch per distinct function, listing every platform that uses it.
  branches: list[Callable] = []
  platforms: list[tuple | None] = []
  for name, branch in per_platform.items():
    if not callable(branch):
      raise TypeError(f"lax.platform_dependent: the '{name}' branch must be a callable.")
    if name == "gpu":
      raise ValueError("Use 'cuda' or 'rocm' for lax.platform_dependent.")
    for i, known in enumerate(branches):
      if known == branch:
        platforms[i] = (*platforms[i], name)
        break
    else:
      branches.append(branch)
      platforms.append((name,))
  if default is not None:
    if not callable(default):
      raise TypeError("lax.platform_dependent: the 'default' branch must be a callable.")
    branches.append(default)
    platforms.append(None)
  index = platform_index_p.bind(platforms=tuple(platforms))
  if core.is_concrete(index):  # outside staging only the chosen branch runs (and is traced)
    return branches[int(index)](*args)
  return switch_branches(index, branches, args, branches_platforms=tuple(platforms))


__all__ = ["platform_dependent"]
