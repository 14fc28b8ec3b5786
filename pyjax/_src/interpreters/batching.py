"""Batching: the interpreter behind `vmap`.

A `BatchTracer` holds a value with one extra *batch dimension* (`batch_dim`, an int) somewhere in
its shape; the tracer's own aval is the value's aval without that dimension. A value that is the
same for every batch element is never wrapped: to a `BatchTrace`, anything that is not its own
tracer is unbatched (batch dimension `None`).

Each primitive has a rule in `primitive_batchers`: `rule(axis_data, vals, dims, **params)` gets the
unwrapped values and their batch dimensions (int or None) and returns `(out, out_dim)` (lists of
both for multiple-result primitives). Rules run under the parent trace. Most rules come from a few
families declared once: elementwise (`defvectorized`), n-ary broadcasting (`defbroadcasting`) and
reductions over `axes` (`defreducer`).

Named axes (`vmap(..., axis_name='i')`) are bound in the axis environment while the batched
function runs; collectives (`psum(x, 'i')`...) are primitives in `axis_primitives`, whose rules run
even when no operand is batched, since they still depend on the mapped axis.
"""
from __future__ import annotations

import operator
from typing import Callable, Sequence

import numpy as np

from pyjax._src import core
from pyjax._src.array import Array
from pyjax._src.avals import AbstractToken, ShapedArray
from pyjax._src.core import Primitive, Tracer
from pyjax._src.interpreters import ad

# ------------------------------------------------------------------------------------------------
# Rule tables

# primitive -> rule(axis_data, vals, dims, **params) -> (out, out_dim) or (outs, out_dims).
primitive_batchers: dict[Primitive, Callable] = {}
# Primitives whose rule runs even when no operand is batched: they read named axes.
axis_primitives: set[Primitive] = set()
# A custom_jvp/custom_vjp call (see `custom_derivatives.bind_custom_call`) with a batched
# operand: primitive -> rule(axis_data, fun, vals, dims, params) -> outputs, all batched on
# axis 0. Rules run under the parent trace.
custom_call_batchers: dict[Primitive, Callable] = {}


class AxisData:
  """The mapped axis of one `vmap`: its name (None if unnamed), size and, for sharded programs,
  the mesh axis names it is split over (recorded only: pyjax runs on one device)."""
  __slots__ = ("name", "size", "spmd_name")

  def __init__(self, name, size: int, spmd_name=None):
    self.name = name
    self.size = size
    self.spmd_name = spmd_name

  def __repr__(self):
    return f"AxisData(name={self.name}, size={self.size}, spmd_name={self.spmd_name})"


# ------------------------------------------------------------------------------------------------
# Moving and inserting axes. The primitives come from lax (which registers them), so this module
# does not import the layer above it.

_axis_primitives_of_lax: dict[str, Primitive] = {}


def def_axis_primitives(*, transpose: Primitive, broadcast_in_dim: Primitive) -> None:
  """Register the lax primitives the batching helpers move and insert axes with."""
  _axis_primitives_of_lax["transpose"] = transpose
  _axis_primitives_of_lax["broadcast_in_dim"] = broadcast_in_dim


def canonicalize_axis(axis, ndim: int) -> int:
  """`axis` in [-ndim, ndim) as an index in [0, ndim), or JAX's ValueError."""
  axis = operator.index(axis)
  if not -ndim <= axis < ndim:
    raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
  return axis + ndim if axis < 0 else axis


def moveaxis(x, src: int, dst: int):
  """`x` with its axis `src` moved to position `dst` (negative positions count from the end)."""
  if src == dst:
    return x
  ndim = core.get_aval(x).ndim
  src, dst = canonicalize_axis(src, ndim), canonicalize_axis(dst, ndim)
  if src == dst:
    return x
  perm = [i for i in range(ndim) if i != src]
  perm.insert(dst, src)
  return _axis_primitives_of_lax["transpose"].bind(x, permutation=tuple(perm))


def broadcast(x, size: int, axis: int):
  """`x` with a new axis of length `size` inserted at `axis` (each slice a copy of `x`)."""
  aval = core.get_aval(x)
  shape = list(aval.shape)
  shape.insert(axis, size)
  dims = tuple(i for i in range(len(shape)) if i != axis)
  return _axis_primitives_of_lax["broadcast_in_dim"].bind(
      x, shape=tuple(shape), broadcast_dimensions=dims, sharding=None)


def bdim_at_front(x, dim, size: int):
  """`x` with its batch dimension first; an unbatched `x` is broadcast to `size` copies."""
  if dim is None:
    return broadcast(x, size, 0)
  return moveaxis(x, dim, 0)


def move_dim_to(x, dim, dst: int, size: int):
  """`x` with its batch dimension at `dst`; an unbatched `x` is broadcast along a new axis."""
  if dim is None:
    return broadcast(x, size, dst)
  return moveaxis(x, dim, dst)


def ndim_of(x) -> int:
  return core.get_aval(x).ndim


def shape_of(x) -> tuple:
  return core.get_aval(x).shape


class SpecMatchError(Exception):
  """An output was batched but its `out_axes` entry is None (the caller names the output)."""

  def __init__(self, src, dst):
    super().__init__(src, dst)
    self.src = src
    self.dst = dst


def matchaxis(axis_data: AxisData, src, dst, x):
  """Output value `x`, batched on `src` (None: unbatched), laid out for `out_axes` entry `dst`:
  moved to `dst`, or broadcast if unbatched; an error if batched and `dst` is None."""
  try:
    core.get_aval(x)
  except TypeError as e:
    raise TypeError(f"Output from batched function {x!r} with type {type(x)} is not a valid "
                    "JAX type") from e
  if src == dst:
    return x
  if src is not None and dst is not None:
    return moveaxis(x, src, dst)
  if src is None:
    if type(core.get_aval(x)) is AbstractToken:
      # JAX's error class (tokens have no batch dimension to broadcast along).
      raise AttributeError("vmap cannot return a token (from lax.create_token or "
                           "lax.after_all) along a mapped axis: tokens have no batch dimension. "
                           "Give that output out_axes=None, or return it from outside vmap.")
    return broadcast(x, axis_data.size, canonicalize_axis(dst, ndim_of(x) + 1))
  if axis_data.name is not None:
    raise ValueError(f"vmap has mapped output (axis_name={axis_data.name}) but out_axes is "
                     f"{dst}")
  raise SpecMatchError(src, dst)


# ------------------------------------------------------------------------------------------------
# The tracer and the trace


class BatchTracer(Tracer):
  """A batch of values of type `aval`, stored as `val` with the batch along `batch_dim`."""
  __slots__ = ("val", "batch_dim", "_aval")

  def __init__(self, trace: "BatchTrace", val, batch_dim: int):
    self._trace = trace
    self.val = val
    self.batch_dim = batch_dim
    self._aval = None

  @property
  def aval(self) -> ShapedArray:
    aval = self._aval
    if aval is None:
      full = core.get_aval(self.val)
      shape = full.shape
      d = self.batch_dim
      aval = self._aval = ShapedArray(shape[:d] + shape[d + 1:], full.dtype, full.weak_type)
    return aval

  def to_concrete_value(self):
    return None  # one value per batch element: no single concrete value

  def __repr__(self):
    return f"VmapTracer(aval={self.aval}, batched={core.get_aval(self.val)})"


class BatchTrace(core.Trace):
  """Runs each primitive's batching rule on the unwrapped values (under the parent trace)."""

  def __init__(self, parent: core.Trace, axis_data: AxisData):
    super().__init__(parent)
    self.axis_data = axis_data

  def to_batch_info(self, x):
    if type(x) is BatchTracer and x._trace is self:
      return x.val, x.batch_dim
    return x, None

  def process_primitive(self, primitive, args, params):
    vals, dims, own = [], [], False
    for x in args:
      if type(x) is BatchTracer and x._trace is self:
        vals.append(x.val)
        dims.append(x.batch_dim)
        own = True
      else:
        if isinstance(x, Tracer):
          core.check_foreign_tracer(x)
        vals.append(x)
        dims.append(None)
    if not own and primitive not in axis_primitives and (
        self.axis_data.name is None or not _uses_axis_name(params, self.axis_data.name)):
      with core.set_current_trace(self.parent):
        return primitive.bind(*args, **params)
    rule = primitive_batchers.get(primitive)
    if rule is None:
      raise NotImplementedError(f"Batching rule for '{primitive.name}' not implemented")
    with core.set_current_trace(self.parent):
      out, out_dim = rule(self.axis_data, vals, dims, **params)
    if primitive.multiple_results:
      return [o if d is None else BatchTracer(self, o, d) for o, d in zip(out, out_dim)]
    return out if out_dim is None else BatchTracer(self, out, out_dim)

  def process_custom_call(self, primitive, fun, args, params):
    """A custom_jvp/custom_vjp call with a batched operand: the function and its rules are
    batched together (so the custom rule still applies to the batched call)."""
    vals, dims = zip(*map(self.to_batch_info, args)) if args else ((), ())
    if all(d is None for d in dims):
      return NotImplemented
    rule = custom_call_batchers.get(primitive)
    if rule is None:
      raise NotImplementedError(f"Batching rule for '{primitive.name}' not implemented")
    with core.set_current_trace(self.parent):
      outs = rule(self.axis_data, fun, list(vals), list(dims), params)
    return [BatchTracer(self, o, 0) for o in outs]


def _uses_axis_name(params: dict, name) -> bool:
  """Whether a primitive's params hold a jaxpr (jit, control flow, custom calls) with a collective
  over the axis `name`: such a call depends on the axis even when no operand is batched."""
  for value in params.values():
    for jaxpr in _jaxprs_in(value):
      for eqn in jaxpr.eqns:
        if eqn.primitive in axis_primitives:
          names = eqn.params.get("axis_name", eqn.params.get("axes"))
          if name in (names if isinstance(names, (tuple, list)) else (names,)):
            return True
        if _uses_axis_name(eqn.params, name):
          return True
  return False


def _jaxprs_in(value):
  if isinstance(value, core.ClosedJaxpr):
    return [value.jaxpr]
  if isinstance(value, core.Jaxpr):
    return [value]
  if isinstance(value, (tuple, list)):
    return [j for v in value for j in _jaxprs_in(v)]
  return []


# ------------------------------------------------------------------------------------------------
# Batching whole functions and jaxprs


def batch_subtrace(fun: Callable, axis_data: AxisData, in_dims: Sequence, vals: Sequence):
  """Run `fun` (flat arrays in, flat list out) on batched `vals` under a new BatchTrace, returning
  the output values and their batch dimensions."""
  trace = BatchTrace(core.current_trace(), axis_data)
  ins = [x if d is None else BatchTracer(trace, x, d) for x, d in zip(vals, in_dims)]
  try:
    with core.set_current_trace(trace), core.extend_axis_env(
        {} if axis_data.name is None else {axis_data.name: axis_data.size}):
      outs = fun(*ins)
    pairs = [trace.to_batch_info(x) for x in outs]
  finally:
    trace.invalidate()
  return [v for v, _ in pairs], [d for _, d in pairs]


def batch_fun(fun: Callable, axis_data: AxisData, in_dims: Sequence, out_dim: int | None = 0):
  """`fun` (flat in, flat out) batched: it takes values batched along `in_dims` and returns its
  outputs batched along `out_dim` (unbatched outputs are broadcast)."""
  def batched(*vals):
    outs, dims = batch_subtrace(fun, axis_data, in_dims, vals)
    if out_dim is None:
      return outs
    return [matchaxis(axis_data, d, out_dim, o) for o, d in zip(outs, dims)]
  return batched


def batch_jaxpr(closed: core.ClosedJaxpr, axis_data: AxisData, in_dims: Sequence,
                out_dims_dest: Sequence | None = None) -> tuple[core.ClosedJaxpr, list]:
  """The closed jaxpr whose inputs are batched along `in_dims` (None: unbatched) and the batch
  dimensions of its outputs: `out_dims_dest` if given (an entry None keeps the natural one,
  unbatched outputs stay unbatched), else where batching left them."""
  from pyjax._src.interpreters import staging
  in_avals = []
  for aval, d in zip(closed.in_avals, in_dims):
    if d is not None:
      shape = list(aval.shape)
      shape.insert(d, axis_data.size)
      aval = ShapedArray(shape, aval.dtype, aval.weak_type)
    in_avals.append(aval)
  out_dims_box: list = []

  def flat(*vals):
    outs, dims = batch_subtrace(
        lambda *xs: core.eval_jaxpr(closed.jaxpr, closed.consts, *xs), axis_data, in_dims, vals)
    if out_dims_dest is not None:
      moved = []
      for o, d, dst in zip(outs, dims, out_dims_dest):
        if dst is not None:
          o, d = matchaxis(axis_data, d, dst, o), dst
        moved.append((o, d))
      outs, dims = [o for o, _ in moved], [d for _, d in moved]
    out_dims_box[:] = dims
    return outs

  jaxpr, consts = staging.trace_to_jaxpr(flat, in_avals, closed.jaxpr.debug_info)
  return core.ClosedJaxpr(jaxpr, consts), list(out_dims_box)


# ------------------------------------------------------------------------------------------------
# Rule families


def defvectorized(primitive: Primitive) -> None:
  """An elementwise primitive of one operand: the batch dimension passes through."""
  def rule(axis_data, vals, dims, **params):
    return primitive.bind(*vals, **params), dims[0]
  primitive_batchers[primitive] = rule


def defbroadcasting(primitive: Primitive) -> None:
  """An n-ary elementwise primitive whose rank-0 operands broadcast and whose size-1 dimensions
  stretch: batched operands with their batch dimension first, unbatched ones with a size-1 axis
  there."""
  primitive_batchers[primitive] = lambda axis_data, vals, dims, **params: broadcast_batcher(
      primitive, vals, dims, **params)


def broadcast_batcher(primitive: Primitive, vals, dims, **params):
  shape = dim = None
  for x, d in zip(vals, dims):
    if d is not None:
      shape, dim = shape_of(x), d
      break
  if all((d == dim and shape_of(x) == shape) or (d is None and not ndim_of(x))
         for x, d in zip(vals, dims)):
    # Batched operands agree and the others are scalars: bind as is.
    out = primitive.bind(*vals, **params)
    return (out, [dim] * len(out)) if primitive.multiple_results else (out, dim)
  rank = max(ndim_of(x) + (d is None) for x, d in zip(vals, dims) if d is not None or ndim_of(x))
  args = []
  for x, d in zip(vals, dims):
    if d is None:
      if ndim_of(x):  # an unbatched array: a size-1 batch axis in front
        x = _expand_dims(x, 0)
    else:
      x = moveaxis(x, d, 0)
      while ndim_of(x) < rank:  # a batched scalar: trailing size-1 axes
        x = _expand_dims(x, ndim_of(x))
    args.append(x)
  out = primitive.bind(*args, **params)
  return (out, [0] * len(out)) if primitive.multiple_results else (out, 0)


def _expand_dims(x, axis: int):
  """`x` with a size-1 axis inserted at `axis`."""
  aval = core.get_aval(x)
  shape = list(aval.shape)
  shape.insert(axis, 1)
  dims = tuple(i for i in range(len(shape)) if i != axis)
  return _axis_primitives_of_lax["broadcast_in_dim"].bind(
      x, shape=tuple(shape), broadcast_dimensions=dims, sharding=None)


expand_dims = _expand_dims


def defreducer(primitive: Primitive) -> None:
  """A reduction over the operand axes `axes`: they are renumbered around the batch dimension,
  which stays (shifted left by the reduced axes before it)."""
  def rule(axis_data, vals, dims, *, axes, **params):
    (x,), (d,) = vals, dims
    physical = tuple(a + (a >= d) for a in axes)
    out_dim = d - sum(a < d for a in physical)
    return primitive.bind(x, axes=physical, **params), out_dim
  primitive_batchers[primitive] = rule


def physical_axis(axis: int, dim: int | None) -> int:
  """The axis of a batched value (batch dimension `dim`) holding axis `axis` of each element."""
  return axis if dim is None or axis < dim else axis + 1


# ------------------------------------------------------------------------------------------------
# add_any (the sum of two tangents): operands of one shape


def _add_any_batcher(axis_data, vals, dims):
  (x, y), (dx, dy) = vals, dims
  if dx == dy:
    return ad.add_any_p.bind(x, y), dx
  if dx is None:
    return ad.add_any_p.bind(broadcast(x, axis_data.size, dy), y), dy
  if dy is None:
    return ad.add_any_p.bind(x, broadcast(y, axis_data.size, dx)), dx
  return ad.add_any_p.bind(x, moveaxis(y, dy, dx)), dx


primitive_batchers[ad.add_any_p] = _add_any_batcher


def as_array(x):
  """A mapped input as a pyjax value (NumPy data is canonicalized once, not per operation)."""
  if isinstance(x, (Tracer, Array)):
    return x
  value, weak = core.canonicalize_value(x)
  return Array(value, weak)
