"""`jnp.einsum` with contraction-path optimization, and `einsum_path`.

A subscript string is parsed into one label string per operand and an output label string
(ellipses become fresh labels). A *path* says which operands to contract, one step at a time: each
step removes the chosen operands from the list and appends their contraction at the end. A step
of two operands lowers to one `lax.dot_general` (after summing labels only one side has and taking
diagonals of repeated labels), so grad, vmap and jit need no rules of their own.
"""
from __future__ import annotations

import collections
import itertools
import math
import operator
from typing import Any, Callable, Sequence

import numpy as np

from pyjax._src import dtypes
from pyjax._src.lax import lax, structural
from pyjax._src.numpy.util import asarray_or_scalar, check_arraylike

__all__ = ["einsum", "einsum_path"]

_RESERVED = ",.->"
_PATH_METHODS = ("auto", "greedy", "optimal")


def _symbol(i: int) -> str:
  """The i-th label of the sequence fresh labels are drawn from: ASCII letters, then code
  points beyond Latin-1's controls."""
  letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
  return letters[i] if i < len(letters) else chr(i + 140)


def _fresh_symbols(used: set, count: int) -> str:
  out = []
  for i in itertools.count():
    if len(out) == count:
      return "".join(out)
    if _symbol(i) not in used:
      out.append(_symbol(i))


def _interleaved_to_subscripts(args) -> tuple[str, list]:
  """`einsum(a, [0, 1], b, [1, 2], [0, 2])` -> ('ab,bc->ac', [a, b])."""
  def labels(axes):
    out = []
    for ax in axes:
      if ax is Ellipsis:
        out.append("...")
      else:
        try:
          out.append(_symbol(operator.index(ax)))
        except TypeError:
          raise TypeError("For this input type lists must contain either int or Ellipsis; got "
                          f"{ax!r}") from None
    return "".join(out)
  args = list(args)
  operands = args[0::2][:len(args) // 2]
  terms = [labels(axes) for axes in args[1::2][:len(operands)]]
  subscripts = ",".join(terms)
  if len(args) % 2:
    subscripts += "->" + labels(args[-1])
  return subscripts, operands


def _parse(subscripts: str, shapes: Sequence[tuple]) -> tuple[list[str], str, dict]:
  """Label strings of the inputs and the output, and the size of each label."""
  subscripts = subscripts.replace(" ", "")
  without_arrow = subscripts.replace("->", "", 1)
  if "-" in without_arrow or ">" in without_arrow:
    raise ValueError(f"Subscripts {subscripts!r} may contain '->' once, and '-' and '>' "
                     "nowhere else.")
  if "->" in subscripts:
    input_part, output_part = subscripts.split("->", 1)
  else:
    input_part, output_part = subscripts, None
  terms = input_part.split(",")
  if len(terms) != len(shapes):
    raise ValueError(f"Number of einsum subscripts, {len(terms)}, must be equal to the number of "
                     f"operands, {len(shapes)}.")
  for term in terms + ([output_part] if output_part is not None else []):
    bad = [c for c in term.replace("...", "") if c in "->.,"]
    if bad:
      raise ValueError(f"Character {bad[0]!r} is not a valid symbol in einsum subscripts "
                       f"{subscripts!r}.")
  used = set(subscripts) - set(_RESERVED)
  ellipsis_ndim = 0
  for num, (term, shape) in enumerate(zip(terms, shapes)):
    named = len(term.replace("...", ""))
    if "..." in term:
      ellipsis_ndim = max(ellipsis_ndim, len(shape) - named)
    if ("..." in term and named > len(shape)) or ("..." not in term and named != len(shape)):
      raise ValueError(f"Einstein sum subscript '{term}' does not contain the correct number of "
                       f"indices for operand {num}.")
  ellipsis = _fresh_symbols(used, ellipsis_ndim)
  inputs = []
  for term, shape in zip(terms, shapes):
    if "..." in term:
      k = len(shape) - len(term.replace("...", ""))
      term = term.replace("...", ellipsis[len(ellipsis) - k:] if k else "")
    inputs.append(term)
  if output_part is None:
    counts = collections.Counter("".join(inputs))
    output = ellipsis + "".join(sorted(c for c, n in counts.items()
                                       if n == 1 and c not in ellipsis))
  else:
    output = output_part.replace("...", ellipsis)
    for c in output:
      if output.count(c) > 1:
        raise ValueError(f"Output character '{c}' appeared more than once in the output.")
      if not any(c in term for term in inputs):
        raise ValueError(f"Output character '{c}' did not appear in the input")
  sizes: dict[str, int] = {}
  for num, (term, shape) in enumerate(zip(inputs, shapes)):
    for c, dim in zip(term, shape):
      if c not in sizes or sizes[c] == 1:
        sizes[c] = dim
      elif dim not in (1, sizes[c]):
        raise ValueError(f"Size of label '{c}' for operand {num} ({sizes[c]}) does not match "
                         f"previous terms ({dim}).")
  return inputs, output, sizes


# --- contraction paths -------------------------------------------------------------------------

def _flop_count(labels, inner: bool, num_terms: int, sizes: dict) -> int:
  """The cost model of opt_einsum (which JAX reports): the size of the iteration space times
  the number of operations per element."""
  factor = max(1, num_terms - 1) + (1 if inner else 0)
  return math.prod(sizes[c] for c in labels) * factor


def _contract_sets(sets: list, positions, output: frozenset):
  """The labels kept and removed when contracting the label sets at `positions`."""
  chosen = frozenset().union(*(sets[i] for i in positions))
  others = frozenset().union(output, *(s for i, s in enumerate(sets) if i not in positions))
  kept = chosen & others
  return kept, chosen - kept, chosen


def _optimal_path(sets: list, output: frozenset, sizes: dict) -> list[tuple]:
  """Exhaustive depth-first search over pairwise contraction orders, minimizing the total flop
  count; pruned by the best complete order found so far, so ties go to the first one found."""
  best = {"cost": math.inf, "path": [tuple(range(len(sets)))]}

  def search(alive: list, path: list, cost: int):
    if len(alive) == 1:
      best["cost"], best["path"] = cost, list(path)
      return
    current = [s for _, s in alive]
    for a, b in itertools.combinations(range(len(alive)), 2):
      kept, removed, chosen = _contract_sets(current, (a, b), output)
      new_cost = cost + _flop_count(chosen, bool(removed), 2, sizes)
      if new_cost >= best["cost"]:
        continue
      rest = [x for i, x in enumerate(alive) if i not in (a, b)]
      search(rest + [(None, kept)], path + [(a, b)], new_cost)

  search([(i, s) for i, s in enumerate(sets)], [], 0)
  return best["path"]


def _greedy_path(sets: list, output: frozenset, sizes: dict) -> list[tuple]:
  """At each step contract the pair whose result shrinks memory the most (result size minus the
  sizes of the two operands), among pairs that share a label when any do; ties go to the
  cheaper contraction, then to the earlier pair."""
  sets, path = list(sets), []
  size_of = lambda labels: math.prod(sizes[c] for c in labels)  # noqa: E731
  while len(sets) > 1:
    pairs = list(itertools.combinations(range(len(sets)), 2))
    sharing = [p for p in pairs if sets[p[0]] & sets[p[1]]]
    best_key, best_pair = None, None
    for pair in sharing or pairs:
      kept, removed, chosen = _contract_sets(sets, pair, output)
      key = (size_of(kept) - size_of(sets[pair[0]]) - size_of(sets[pair[1]]),
             _flop_count(chosen, bool(removed), 2, sizes))
      if best_key is None or key < best_key:
        best_key, best_pair = key, pair
    kept, _, _ = _contract_sets(sets, best_pair, output)
    sets = [s for i, s in enumerate(sets) if i not in best_pair] + [kept]
    path.append(best_pair)
  return path


def _check_path(path, num_operands: int) -> list[tuple]:
  steps, alive = [], num_operands
  for step in path:
    try:
      step = tuple(operator.index(i) for i in step)
    except TypeError:
      raise TypeError(f"einsum optimize path steps must be tuples of operand positions; got "
                      f"{step!r}.") from None
    if not step or len(set(step)) != len(step) or any(not 0 <= i < alive for i in step):
      raise ValueError(f"Invalid einsum path step {step} with {alive} operands remaining.")
    alive += 1 - len(step)
    steps.append(step)
  if alive != 1:
    raise ValueError(f"The einsum path {list(path)} leaves {alive} operands uncontracted; a "
                     "path must contract all operands into one.")
  return steps


def _find_path(inputs: list[str], output: str, sizes: dict, optimize) -> list[tuple]:
  n = len(inputs)
  if optimize is False:
    return [(0, 1)] * (n - 1) if n > 2 else [tuple(range(n))]
  if not isinstance(optimize, (str, bool)):
    return _check_path(optimize, n)
  if optimize is not True and optimize not in _PATH_METHODS:
    raise KeyError(f"Path optimizer '{optimize}' not found, valid options are "
                   f"{set(_PATH_METHODS)}.")
  if n <= 2:
    return [tuple(range(n))]
  sets = [frozenset(term) for term in inputs]
  method = "optimal" if optimize is True or (optimize == "auto" and n <= 4) else optimize
  search = _optimal_path if method == "optimal" else _greedy_path
  return search(sets, frozenset(output), sizes)


def _contraction_steps(inputs: list[str], output: str, path) -> list[tuple]:
  """For each path step: the operand positions (popped from the highest), the labels it sums
  away, and its einsum string. An intermediate orders its labels by first appearance in the
  operands it came from, so the dot_general needs no transpose."""
  inputs, steps = list(inputs), []
  for num, positions in enumerate(path):
    positions = tuple(sorted(positions, reverse=True))
    terms = [inputs[i] for i in positions]
    rest = [t for i, t in enumerate(inputs) if i not in positions]
    others = set(output).union(*rest)
    chosen = set("".join(terms))
    removed = chosen - others
    if num == len(path) - 1:
      result = output
    else:
      joined = "".join(terms)
      result = "".join(sorted(chosen & others, key=joined.find))
    steps.append((positions, frozenset(removed), ",".join(terms) + "->" + result))
    inputs = rest + [result]
  return steps


# --- lowering to lax ---------------------------------------------------------------------------

def _remove(names: str, labels) -> str:
  return "".join(c for c in names if c not in labels)


def _einsum_lowered(operands: list, steps, precision, preferred_element_type, dot_general):
  if preferred_element_type is None:
    result_dtype, result_weak = dtypes.result_type(*operands, return_weak_type_flag=True)
  else:
    result_dtype = dtypes.check_user_dtype_supported(preferred_element_type, "einsum")
    result_weak = False

  def reduce_sum(x, axes):
    if not axes:
      return x
    if dtypes.result_type(x, result_dtype) != x.dtype:
      x = lax.convert_element_type(x, result_dtype)
    return lax.reduce_or(x, axes) if x.dtype == np.bool_ else lax.reduce_sum(x, axes)

  def sum_unique(x, names, labels):
    axes = tuple(names.index(c) for c in labels)
    return reduce_sum(x, axes), _remove(names, labels)

  def sum_repeated(x, names, keep):
    # A label repeated on one operand selects its diagonal: mask off-diagonal entries and sum
    # those axes away (all of them, or all but the last when the label is still needed).
    for label, count in collections.Counter(names).items():
      if count < 2:
        continue
      axes = [i for i, c in enumerate(names) if c == label]
      rows = lax.broadcasted_iota(np.uint32, x.shape, axes[0])
      on_diagonal = None
      for axis in axes[1:]:
        same = lax.eq(rows, lax.broadcasted_iota(np.uint32, x.shape, axis))
        on_diagonal = same if on_diagonal is None else lax.bitwise_and(on_diagonal, same)
      x = lax.select(on_diagonal, x, lax.full_like(x, 0))
      drop = axes if label not in keep else axes[:-1]
      x = reduce_sum(x, tuple(drop))
      names = "".join(c for i, c in enumerate(names) if i not in drop)
    return x, names

  def squeeze_broadcast(x, names, other_shape, other_names):
    # A size-1 dimension facing a larger one of the same label broadcasts: drop it.
    drop = [i for i, c in enumerate(names) if x.shape[i] == 1 and c in other_names
            and other_shape[other_names.index(c)] != 1]
    if not drop:
      return x, names
    return lax.squeeze(x, drop), "".join(c for i, c in enumerate(names) if i not in drop)

  operands = list(operands)
  for positions, removed, einsum_str in steps:
    in_part, result = einsum_str.split("->")
    terms = in_part.split(",")
    contracted = sorted(removed)
    if len(positions) == 1:
      x, names = operands.pop(positions[0]), terms[0]
      counts = collections.Counter(names)
      x, names = sum_unique(x, names, [c for c in contracted if counts[c] == 1])
      x, names = sum_repeated(x, names, result)
    elif len(positions) == 2:
      lhs, rhs = operands.pop(positions[0]), operands.pop(positions[1])
      lhs_names, rhs_names = terms
      lhs, lhs_names = squeeze_broadcast(lhs, lhs_names, rhs.shape, rhs_names)
      rhs, rhs_names = squeeze_broadcast(rhs, rhs_names, lhs.shape, lhs_names)
      lhs, lhs_names = sum_unique(lhs, lhs_names, [c for c in contracted if c in lhs_names
                                                   and lhs_names.count(c) == 1
                                                   and c not in rhs_names])
      rhs, rhs_names = sum_unique(rhs, rhs_names, [c for c in contracted if c in rhs_names
                                                   and rhs_names.count(c) == 1
                                                   and c not in lhs_names])
      lhs, lhs_names = sum_repeated(lhs, lhs_names, result + rhs_names)
      rhs, rhs_names = sum_repeated(rhs, rhs_names, result + lhs_names)
      shared = set(lhs_names) & set(rhs_names)
      contract = [c for c in contracted if c in shared]
      batch = "".join(c for c in result if c in shared)
      lhs_free = _remove(lhs_names, batch + "".join(contract))
      rhs_free = _remove(rhs_names, batch + "".join(contract))
      lhs_dims = (tuple(lhs_names.index(c) for c in contract),
                  tuple(lhs_names.index(c) for c in batch))
      rhs_dims = (tuple(rhs_names.index(c) for c in contract),
                  tuple(rhs_names.index(c) for c in batch))
      # Putting the right operand first often yields the result's order with no transpose.
      if batch + rhs_free + lhs_free == result:
        names = result
        x = dot_general(rhs, lhs, ((rhs_dims[0], lhs_dims[0]), (rhs_dims[1], lhs_dims[1])),
                        precision, preferred_element_type=result_dtype)
      else:
        names = batch + lhs_free + rhs_free
        x = dot_general(lhs, rhs, ((lhs_dims[0], rhs_dims[0]), (lhs_dims[1], rhs_dims[1])),
                        precision, preferred_element_type=result_dtype)
    else:
      raise NotImplementedError(
          "jax.numpy.einsum does not support simultaneous contraction of 3 or more operands. "
          "Typically this means you've passed an unsupported path to the einsum optimize "
          "parameter.")
    if names != result:
      x = lax.transpose(x, tuple(names.index(c) for c in result))
    operands.append(x)
  (out,) = operands
  if out.dtype == result_dtype and out.weak_type == result_weak:
    return out
  return structural.convert_element_type(out, result_dtype, result_weak)


def _prepare(subscripts, operands, fun_name: str):
  if not isinstance(subscripts, str):
    subscripts, operands = _interleaved_to_subscripts((subscripts, *operands))
  operands = [op.__jax_array__() if hasattr(op, "__jax_array__") else op for op in operands]
  check_arraylike(fun_name, *operands)
  operands = [asarray_or_scalar(op) for op in operands]
  inputs, output, sizes = _parse(subscripts, [op.shape for op in operands])
  return operands, inputs, output, sizes


def einsum(subscripts, /, *operands, out=None, optimize: Any = "auto", precision=None,
           preferred_element_type=None, _dot_general: Callable = lax.dot_general,
           out_sharding=None):
  """Einstein summation: contract `operands` as `subscripts` says ("ij,jk->ik"), pairwise along
  an optimized path, each pair as one dot_general. Also takes the interleaved form
  `einsum(a, [0, 1], b, [1, 2], [0, 2])`."""
  if out is not None:
    raise NotImplementedError("The 'out' argument to jnp.einsum is not supported.")
  if out_sharding is not None:
    raise NotImplementedError("einsum's out_sharding is not supported: pyjax has no sharding.")
  operands, inputs, output, sizes = _prepare(subscripts, operands, "einsum")
  path = _find_path(inputs, output, sizes, optimize)
  steps = _contraction_steps(inputs, output, path)
  return _einsum_lowered(operands, steps, precision, preferred_element_type, _dot_general)


class EinsumPathInfo:
  """What `einsum_path` reports about a contraction path; `str()` gives the printed report."""

  def __init__(self, eq, path, steps, sizes, naive_cost, costs, scales, intermediate_sizes,
               naive_scale):
    self.eq, self.path, self.size_dict = eq, path, sizes
    self.contraction_list = steps
    self.naive_cost, self.opt_cost = naive_cost, sum(costs)
    self.cost_list, self.scale_list = costs, scales
    self.speedup = naive_cost / max(self.opt_cost, 1)
    self.largest_intermediate = max(intermediate_sizes, default=1)
    self._naive_scale = naive_scale

  def __str__(self) -> str:
    def sci(x):  # 3.600e+2, as opt_einsum prints its counts
      mantissa, exponent = f"{x:.3e}".split("e")
      return f"{mantissa}e{int(exponent):+d}"
    lines = [f"  Complete contraction:  {self.eq}",
             f"         Naive scaling:  {self._naive_scale}",
             f"     Optimized scaling:  {max(self.scale_list, default=0)}",
             f"      Naive FLOP count:  {sci(self.naive_cost)}",
             f"  Optimized FLOP count:  {sci(self.opt_cost)}",
             f"   Theoretical speedup:  {sci(self.speedup)}",
             f"  Largest intermediate:  {sci(self.largest_intermediate)} elements",
             "-" * 80,
             f"{'scaling':<15}{'current':>25}{'remaining':>40}",
             "-" * 80]
    remaining = self.eq.split("->")[0].split(",")
    output = self.eq.split("->")[1]
    for (positions, _, einsum_str), scale in zip(self.contraction_list, self.scale_list):
      remaining = [t for i, t in enumerate(remaining) if i not in positions]
      remaining.append(einsum_str.split("->")[1])
      rest = ",".join(remaining) + "->" + output
      lines.append(f"{scale:>4}{einsum_str:>36}{rest:>40}")
    return "\n".join(lines)

  __repr__ = __str__


def einsum_path(subscripts, /, *operands, optimize: Any = "auto"):
  """The contraction path `einsum` would take (a list of operand-position tuples) and an
  `EinsumPathInfo` whose text reports the flop counts of the naive and the chosen orders.
  Operands may be arrays or anything with a `shape`."""
  shaped = [op if hasattr(op, "shape") else asarray_or_scalar(op) for op in operands]
  if not isinstance(subscripts, str):
    subscripts, shaped = _interleaved_to_subscripts((subscripts, *shaped))
  inputs, output, sizes = _parse(subscripts, [tuple(op.shape) for op in shaped])
  path = _find_path(inputs, output, sizes, optimize)
  steps = _contraction_steps(inputs, output, path)
  all_labels = set("".join(inputs))
  inner = sum(len(set(t)) for t in inputs) - len(all_labels) > 0
  naive_cost = _flop_count(all_labels, inner, len(inputs), sizes)
  costs, scales, intermediate_sizes = [], [], []
  for positions, removed, einsum_str in steps:
    labels = set(einsum_str.split("->")[0]) - {","}
    costs.append(_flop_count(labels, bool(removed), len(positions), sizes))
    scales.append(len(labels))
    intermediate_sizes.append(math.prod(sizes[c] for c in einsum_str.split("->")[1]))
  info = EinsumPathInfo(",".join(inputs) + "->" + output, path, steps, sizes, naive_cost, costs,
                        scales, intermediate_sizes, len(all_labels))
  return path, info
