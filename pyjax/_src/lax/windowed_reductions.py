"""Windowed reductions (`reduce_window` and its monoid primitives) and the window geometry that
convolutions share: dilating, padding and viewing an array as overlapping windows."""
from __future__ import annotations

import functools
import operator

import numpy as np

from pyjax._src import core, dtypes, tree_util
from pyjax._src.backend import xp
from pyjax._src.core import get_aval
from pyjax._src.interpreters import ad, batching, staging
from pyjax._src.lax import lax as _lax
from pyjax._src.lax.utils import check_dtype, first_operand_weak, standard_primitive


def dilate_shape(shape, dilation) -> tuple:
  """The size of each dimension after inserting `d - 1` holes between neighbours."""
  return tuple(0 if n == 0 else (n - 1) * d + 1 for n, d in zip(shape, dilation))


def dilate_and_pad(x, dilation, padding, fill):
  """`x` with `dilation - 1` copies of `fill` between neighbours along each axis, then padded by
  `padding` (low, high) pairs of `fill`; a negative pad removes elements from that edge."""
  x = xp.asarray(x)
  if any(d != 1 for d in dilation):
    dilated = xp.full(dilate_shape(x.shape, dilation), fill, x.dtype)
    dilated[tuple(slice(None, None, d) for d in dilation)] = x
    x = dilated
  if any(lo > 0 or hi > 0 for lo, hi in padding):
    x = xp.pad(x, [(max(lo, 0), max(hi, 0)) for lo, hi in padding], constant_values=fill)
  if any(lo < 0 or hi < 0 for lo, hi in padding):
    x = x[tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(padding, x.shape))]
  return x


def window_view(x, window_dimensions, window_strides, window_dilation):
  """A view of `x` of shape `output_shape + window_dimensions`: element `[i..., k...]` is
  `x[i * stride + k * dilation]` along each axis (no copy unless a window does not fit)."""
  spans = dilate_shape(window_dimensions, window_dilation)
  out_shape = tuple((n - s) // st + 1 if n >= s else 0
                    for n, s, st in zip(x.shape, spans, window_strides))
  if 0 in out_shape or 0 in window_dimensions:
    return xp.empty(out_shape + tuple(window_dimensions), x.dtype)
  view = np.lib.stride_tricks.sliding_window_view(x, spans)
  return view[tuple(slice(None, None, s) for s in window_strides)
              + tuple(slice(None, None, d) for d in window_dilation)]


def _unpad(x, padding):
  """The inverse of padding by `padding` (dilation 1): crops what was added, zero-fills what was
  cropped."""
  return dilate_and_pad(x, (1,) * x.ndim, [(-lo, -hi) for lo, hi in padding], 0)


# ------------------------------------------------------------------------------------------------
# The monoid primitives: sum, max and min over windows (identity padding)


def reduce_window_shape_tuple(operand_shape, window_dimensions, window_strides, padding,
                              base_dilation=None, window_dilation=None) -> tuple:
  """The output shape of a windowed reduction."""
  if base_dilation is not None:
    operand_shape = dilate_shape(operand_shape, base_dilation)
  if window_dilation is not None:
    window_dimensions = dilate_shape(window_dimensions, window_dilation)
  padded = [n + lo + hi for n, (lo, hi) in zip(operand_shape, padding)]
  return tuple(0 if n < w else (n - w) // s + 1
               for n, w, s in zip(padded, window_dimensions, window_strides))


def _check_window_params(name, shape, window_dimensions, window_strides, padding, base_dilation,
                         window_dilation):
  rank = len(shape)
  for what, value in (("window_dimensions", window_dimensions),
                      ("window_strides", window_strides), ("padding", padding),
                      ("base_dilation", base_dilation), ("window_dilation", window_dilation)):
    if len(value) != rank:
      raise TypeError(f"{name}: {what} must have one entry per operand dimension, got "
                      f"{what}={tuple(value)} for an operand of shape {tuple(shape)}.")
  for what, value in (("window_dimensions", window_dimensions),
                      ("window_strides", window_strides), ("base_dilation", base_dilation),
                      ("window_dilation", window_dilation)):
    if any(v <= 0 for v in value):
      raise TypeError(f"{name} has a non-positive {what}: {tuple(value)}.")


def _window_shape(x, *, window_dimensions, window_strides, padding, base_dilation,
                  window_dilation, name="reduce_window"):
  _check_window_params(name, x.shape, window_dimensions, window_strides, padding, base_dilation,
                       window_dilation)
  return reduce_window_shape_tuple(x.shape, window_dimensions, window_strides, padding,
                                   base_dilation, window_dilation)


def _identity(name, dtype):
  dtype = np.dtype(dtype)
  if name == "sum":
    return np.zeros((), dtype)
  if dtype == np.bool_:
    return np.array(name == "min")
  if dtypes.issubdtype(dtype, np.inexact):
    return np.array(-np.inf if name == "max" else np.inf, dtype)
  info = dtypes.iinfo(dtype)
  return np.array(info.min if name == "max" else info.max, dtype)


def _windows(x, fill, *, window_dimensions, window_strides, padding, base_dilation,
             window_dilation):
  """`x` dilated and padded with `fill`, viewed as (output positions..., window...)."""
  padded = dilate_and_pad(x, base_dilation, padding, fill)
  return window_view(padded, window_dimensions, window_strides, window_dilation)


def _monoid_window_primitive(name, reducer):
  def impl(x, **params):
    x = xp.asarray(x)
    windows = _windows(x, _identity(name, x.dtype), **params)
    axes = tuple(range(x.ndim, 2 * x.ndim))
    if name == "sum":
      return xp.asarray(xp.sum(windows, axis=axes, dtype=x.dtype))
    return xp.asarray(reducer(windows, axis=axes, initial=_identity(name, x.dtype)))

  def dtype_rule(x, **params):
    if name == "sum":
      check_dtype(f"reduce_window_{name}", x.dtype, (np.number,))
    return x.dtype

  p = standard_primitive(f"reduce_window_{name}",
                         functools.partial(_window_shape, name=f"reduce_window_{name}"),
                         dtype_rule, impl, first_operand_weak)
  batching.primitive_batchers[p] = functools.partial(_window_batcher, p)
  return p


def _window_batcher(primitive, axis_data, vals, dims, *, window_dimensions, window_strides,
                    padding, base_dilation, window_dilation, **params):
  """Windowed ops batch with a size-1, stride-1 window along the mapped axis (of every
  operand: unbatched ones are broadcast)."""
  d = next(d for d in dims if d is not None)
  operands = [batching.move_dim_to(x, xd, d, axis_data.size) for x, xd in zip(vals, dims)]

  def insert(values, value):
    values = list(values)
    values.insert(d, value)
    return tuple(values)

  out = primitive.bind(*operands, window_dimensions=insert(window_dimensions, 1),
                       window_strides=insert(window_strides, 1), padding=insert(padding, (0, 0)),
                       base_dilation=insert(base_dilation, 1),
                       window_dilation=insert(window_dilation, 1), **params)
  return (out, [d] * len(out)) if primitive.multiple_results else (out, d)


reduce_window_sum_p = _monoid_window_primitive("sum", None)
reduce_window_max_p = _monoid_window_primitive("max", np.max)
reduce_window_min_p = _monoid_window_primitive("min", np.min)


def _reduce_window_sum_transpose(ct, operand, *, window_dimensions, window_strides, padding,
                                 base_dilation, window_dilation):
  # Each input element receives the sum of the cotangents of the windows holding it: a window
  # sum (same window, stride = the base dilation) over the cotangent spread out by the strides
  # and padded so that each input position sees exactly the windows that covered it.
  in_shape = operand.aval.shape
  in_dilated = dilate_shape(in_shape, base_dilation)
  window = dilate_shape(window_dimensions, window_dilation)
  out_dilated = dilate_shape(get_aval(ct).shape, window_strides)
  config = []
  for n, w, o, (lo, _), s in zip(in_dilated, window, out_dilated, padding, window_strides):
    before = w - lo - 1
    config.append((before, n + w - 1 - o - before, s - 1))
  spread = _lax.pad(ct, np.zeros((), get_aval(ct).dtype), config)
  ones = (1,) * len(in_shape)
  out = reduce_window_sum_p.bind(spread, window_dimensions=window_dimensions,
                                 window_strides=base_dilation, padding=((0, 0),) * len(in_shape),
                                 base_dilation=ones, window_dilation=window_dilation)
  return [out]


ad.deflinear(reduce_window_sum_p, _reduce_window_sum_transpose)


# ------------------------------------------------------------------------------------------------
# Max and min: the tangent (and cotangent) flows through the element each window selects, the
# first maximum (minimum) in the window's row-major order.


def _selected(windows, select_prim):
  """The flat in-window index each window selects."""
  flat = windows.reshape(*windows.shape[:windows.ndim // 2], -1)
  if flat.shape[-1] == 0:
    return xp.zeros(flat.shape[:-1], np.intp)
  return (xp.argmax if select_prim == "ge" else xp.argmin)(flat, axis=-1)


def _select_identity(select_prim, dtype):
  return _identity("max" if select_prim == "ge" else "min", dtype)


def _select_and_gather_add_impl(tangent, operand, *, select_prim, window_dimensions,
                                window_strides, padding, base_dilation, window_dilation):
  params = dict(window_dimensions=window_dimensions, window_strides=window_strides,
                padding=padding, base_dilation=base_dilation, window_dilation=window_dilation)
  operand = xp.asarray(operand)
  chosen = _selected(_windows(operand, _select_identity(select_prim, operand.dtype), **params),
                     select_prim)
  tangent_windows = _windows(xp.asarray(tangent), 0, **params)
  flat = tangent_windows.reshape(*chosen.shape, -1)
  if flat.shape[-1] == 0:
    return xp.zeros(chosen.shape, tangent.dtype)
  return xp.take_along_axis(flat, chosen[..., None], axis=-1)[..., 0]


def _select_and_gather_add_shape(tangent, operand, *, select_prim, **params):
  if tangent.shape != operand.shape:
    raise TypeError(f"select_and_gather_add requires operands of one shape, got "
                    f"{tangent.shape} and {operand.shape}")
  return _window_shape(operand, name="select_and_gather_add", **params)


select_and_gather_add_p = standard_primitive(
    "select_and_gather_add", _select_and_gather_add_shape, lambda t, o, **p: t.dtype,
    _select_and_gather_add_impl, first_operand_weak)


def _select_and_scatter_add_impl(source, operand, *, select_prim, window_dimensions,
                                 window_strides, padding):
  operand = xp.asarray(operand)
  rank = operand.ndim
  ones = (1,) * rank
  padded = dilate_and_pad(operand, ones, padding, _select_identity(select_prim, operand.dtype))
  windows = window_view(padded, window_dimensions, window_strides, ones)
  chosen = _selected(windows, select_prim)
  offsets = xp.unravel_index(chosen, window_dimensions)
  starts = xp.indices(chosen.shape, sparse=True)
  coords = tuple(i * s + k for i, s, k in zip(starts, window_strides, offsets))
  out = xp.zeros(padded.shape, source.dtype)
  xp.add.at(out, coords, xp.asarray(source))
  return _unpad(out, padding)


def _select_and_scatter_add_shape(source, operand, *, select_prim, window_dimensions,
                                  window_strides, padding):
  ones = (1,) * operand.ndim
  expected = _window_shape(operand, window_dimensions=window_dimensions,
                           window_strides=window_strides, padding=padding, base_dilation=ones,
                           window_dilation=ones, name="select_and_scatter_add")
  if source.shape != expected:
    raise TypeError(f"select_and_scatter_add source shape {source.shape} does not match the "
                    f"window output shape {expected}")
  return operand.shape


select_and_scatter_add_p = standard_primitive(
    "select_and_scatter_add", _select_and_scatter_add_shape, lambda s, o, **p: s.dtype,
    _select_and_scatter_add_impl, first_operand_weak)


def _select_and_gather_add_transpose(ct, tangent, operand, *, select_prim, window_dimensions,
                                     window_strides, padding, base_dilation, window_dilation):
  if any(d != 1 for d in window_dilation):
    raise NotImplementedError("VJP not implemented for select_and_gather (MaxPool) with window "
                              f"dilation, got window_dilation={window_dilation}.")
  dilated = any(d != 1 for d in base_dilation)
  if dilated:  # select among the holes too, as the forward pass did; they receive nothing
    operand = _lax.pad(operand, _select_identity(select_prim, get_aval(operand).dtype),
                       [(0, 0, d - 1) for d in base_dilation])
  out = select_and_scatter_add_p.bind(ct, operand, select_prim=select_prim,
                                      window_dimensions=window_dimensions,
                                      window_strides=window_strides, padding=padding)
  if dilated:
    shape = get_aval(out).shape
    out = _lax.slice(out, (0,) * len(shape), shape, base_dilation)
  return [out, None]


def _select_and_scatter_add_transpose(ct, source, operand, *, select_prim, window_dimensions,
                                      window_strides, padding):
  ones = (1,) * len(window_dimensions)
  out = select_and_gather_add_p.bind(ct, operand, select_prim=select_prim,
                                     window_dimensions=window_dimensions,
                                     window_strides=window_strides, padding=padding,
                                     base_dilation=ones, window_dilation=ones)
  return [out, None]


def _linear_in_first(primitive, transpose):
  def jvp(primals, tangents, **params):
    out = primitive.bind(*primals, **params)
    if type(tangents[0]) is ad.Zero:
      return out, ad.Zero.from_primal(out)
    return out, primitive.bind(tangents[0], primals[1], **params)
  ad.primitive_jvps[primitive] = jvp
  ad.primitive_transposes[primitive] = transpose


_linear_in_first(select_and_gather_add_p, _select_and_gather_add_transpose)
_linear_in_first(select_and_scatter_add_p, _select_and_scatter_add_transpose)
batching.primitive_batchers[select_and_gather_add_p] = functools.partial(
    _window_batcher, select_and_gather_add_p)


def _select_and_scatter_add_batcher(axis_data, vals, dims, *, window_dimensions, window_strides,
                                    padding, **params):
  (source, operand), (ds, do) = vals, dims
  source = batching.bdim_at_front(source, ds, axis_data.size)
  operand = batching.bdim_at_front(operand, do, axis_data.size)
  out = select_and_scatter_add_p.bind(
      source, operand, window_dimensions=(1, *window_dimensions),
      window_strides=(1, *window_strides), padding=((0, 0), *padding), **params)
  return out, 0


batching.primitive_batchers[select_and_scatter_add_p] = _select_and_scatter_add_batcher


# ------------------------------------------------------------------------------------------------
# The general select-and-scatter: in each window the `select` computation picks an element (a
# scan in the window's row-major order: `select(chosen, next)` false moves the choice to `next`;
# padding is never chosen), then the window's source value is combined into the output at that
# element by `scatter(current, source)`, starting from `init_value`, windows in row-major order.
# Like JAX, it has no derivative rules; unlike JAX it batches (the primitive gains a window axis).


def _check_shapelike(arg_name, obj):
  if not isinstance(obj, (tuple, list, np.ndarray)):
    raise TypeError(f"select_and_scatter {arg_name} must be of type tuple/list/ndarray, got "
                    f"{type(obj)}.")
  try:
    values = [operator.index(d) for d in obj]
  except TypeError:
    raise TypeError(f"select_and_scatter {arg_name} must have every element be an integer type, "
                    f"got {tuple(map(type, obj))}.") from None
  if any(d < 0 for d in values):
    raise TypeError(f"select_and_scatter {arg_name} must have every element be nonnegative, got "
                    f"{obj}.")


def _select_and_scatter_shape(operand, source, init_value, *, window_dimensions, window_strides,
                              padding, **computations):
  _check_shapelike("window_dimensions", window_dimensions)
  _check_shapelike("window_strides", window_strides)
  if len(window_dimensions) != len(window_strides):
    raise TypeError("select_and_scatter got inconsistent window_strides and window_dimensions: "
                    f"got window_strides {window_strides} and window_dimensions "
                    f"{window_dimensions}.")
  # What XLA verifies when it compiles the operation (JAX raises ValueError then).
  if len(window_dimensions) != operand.ndim or len(padding) != operand.ndim:
    raise ValueError(f"select_and_scatter needs one window dimension, stride and padding pair per "
                     f"operand dimension, got window_dimensions={window_dimensions}, "
                     f"window_strides={window_strides} and padding={padding} for an operand of "
                     f"shape {operand.shape}.")
  if 0 in window_dimensions or 0 in window_strides:
    raise ValueError(f"select_and_scatter needs positive window_dimensions and window_strides, "
                     f"got {window_dimensions} and {window_strides}.")
  if source.dtype != operand.dtype or init_value.dtype != operand.dtype or init_value.shape:
    raise ValueError(f"select_and_scatter needs a source and a scalar init_value of the "
                     f"operand's dtype {operand.dtype.name}, got source "
                     f"{source.str_short(short_dtypes=False)} and init_value "
                     f"{init_value.str_short(short_dtypes=False)}.")
  expected = reduce_window_shape_tuple(operand.shape, window_dimensions, window_strides, padding)
  if source.shape != expected:
    raise ValueError(f"select_and_scatter source shape {source.shape} does not match the window "
                     f"output shape {expected}.")
  return operand.shape


def _select_and_scatter_impl(operand, source, init_value, *, select_jaxpr, select_consts,
                             scatter_jaxpr, scatter_consts, window_dimensions, window_strides,
                             padding):
  operand, source = xp.asarray(operand), xp.asarray(source)
  ones = (1,) * operand.ndim

  def windows(x, fill):  # (number of windows, window size), both in row-major order
    view = window_view(dilate_and_pad(x, ones, padding, fill), window_dimensions, window_strides,
                       ones)
    return view.reshape(source.size, int(np.prod(window_dimensions)))

  values = windows(operand, np.zeros((), operand.dtype))
  present = windows(xp.ones(operand.shape, bool), False)
  flat_index = windows(xp.arange(operand.size).reshape(operand.shape), -1)
  out = xp.full(operand.size, init_value, operand.dtype)
  if source.size == 0:
    return out.reshape(operand.shape)
  select = _vectorized(select_jaxpr, select_consts, source.size)
  chosen, where, found = values[:, 0], flat_index[:, 0], present[:, 0]
  for k in range(1, values.shape[1]):  # a loop over window positions, not windows
    keep = select(chosen, values[:, k])[0].astype(bool)
    take = present[:, k] & ~(found & keep)
    chosen = xp.where(take, values[:, k], chosen)
    where = xp.where(take, flat_index[:, k], where)
    found = found | present[:, k]
  # Windows choosing one element scatter into it in window order: in rounds, the r-th round
  # applying each element's r-th window (so a round writes each element at most once).
  where, updates = where[found], source.reshape(-1)[found]
  order = xp.argsort(where, kind="stable")
  sorted_where = where[order]
  first = xp.searchsorted(sorted_where, sorted_where, side="left")
  rank = xp.empty_like(order)
  rank[order] = xp.arange(order.size) - first
  for r in range(int(rank.max(initial=-1)) + 1):
    mask = rank == r
    targets = where[mask]
    scatter = _vectorized(scatter_jaxpr, scatter_consts, targets.size)
    out[targets] = scatter(out[targets], updates[mask])[0]
  return out.reshape(operand.shape)


select_and_scatter_p = standard_primitive(
    "select_and_scatter", _select_and_scatter_shape, lambda operand, *args, **params: operand.dtype,
    _select_and_scatter_impl)


def _select_and_scatter_batcher(axis_data, vals, dims, *, window_dimensions, window_strides,
                                padding, **computations):
  operand, source, init_value = vals
  if dims[2] is not None:
    raise NotImplementedError("select_and_scatter with an init_value mapped by vmap is not "
                              "supported: pass an init_value that does not depend on the "
                              "mapped axis.")
  operand = batching.bdim_at_front(operand, dims[0], axis_data.size)
  source = batching.bdim_at_front(source, dims[1], axis_data.size)
  out = select_and_scatter_p.bind(
      operand, source, init_value, window_dimensions=(1, *window_dimensions),
      window_strides=(1, *window_strides), padding=((0, 0), *padding), **computations)
  return out, 0


batching.primitive_batchers[select_and_scatter_p] = _select_and_scatter_batcher


def _select_and_scatter(operand, select, window_dimensions, window_strides, padding, source,
                        init_value, scatter):
  """Bind `select_and_scatter_p` with `select` (a comparison of two scalars) and `scatter` (a
  binary combination) traced on scalars of `init_value`'s dtype, as JAX's internal helper of the
  same name does."""
  scalar = core.ShapedArray((), get_aval(init_value).dtype)

  def trace(computation):
    jaxpr, consts = staging.trace_to_jaxpr(lambda a, b: [computation(a, b)], [scalar, scalar])
    if any(isinstance(c, core.Tracer) for c in consts):
      raise NotImplementedError("Reduction computations can't close over Tracers.")
    return jaxpr, tuple(consts)

  select_jaxpr, select_consts = trace(select)
  scatter_jaxpr, scatter_consts = trace(scatter)
  return select_and_scatter_p.bind(
      operand, source, init_value, select_jaxpr=select_jaxpr, select_consts=select_consts,
      scatter_jaxpr=scatter_jaxpr, scatter_consts=scatter_consts,
      window_dimensions=tuple(window_dimensions), window_strides=tuple(window_strides),
      padding=tuple(tuple(p) for p in padding))


def _chooser_window_jvp(primitive, select_prim):
  def jvp(primals, tangents, **params):
    (operand,), (tangent,) = primals, tangents
    out = primitive.bind(operand, **params)
    if type(tangent) is ad.Zero:
      return out, ad.Zero.from_primal(out)
    return out, select_and_gather_add_p.bind(tangent, operand, select_prim=select_prim, **params)
  ad.primitive_jvps[primitive] = jvp


_chooser_window_jvp(reduce_window_max_p, "ge")
_chooser_window_jvp(reduce_window_min_p, "le")


# ------------------------------------------------------------------------------------------------
# Generic reductions with a user computation: `reduce_window_p` and `reduce_p`. The computation
# (a jaxpr over scalars) is applied to whole arrays at once through its batched form.


def _vectorized(jaxpr: core.Jaxpr, consts, size: int):
  """`jaxpr` over scalars as a function of flat lists of 1-D NumPy arrays of length `size`."""
  closed = core.ClosedJaxpr(jaxpr, list(consts))
  batched, out_dims = batching.batch_jaxpr(closed, batching.AxisData(None, size),
                                           [0] * len(jaxpr.invars), [0] * len(jaxpr.outvars))

  def apply(*args):
    outs = core.eval_jaxpr(batched.jaxpr, batched.consts, *args)
    return [np.asarray(o) for o in outs]
  return apply


def _reduce_window_impl(*args, jaxpr, consts, window_dimensions, window_strides, padding,
                        base_dilation, window_dilation):
  k = len(args) // 2
  operands, inits = [xp.asarray(a) for a in args[:k]], [xp.asarray(a) for a in args[k:]]
  params = dict(window_dimensions=window_dimensions, window_strides=window_strides,
                padding=padding, base_dilation=base_dilation, window_dilation=window_dilation)
  windows = [_windows(x, init, **params) for x, init in zip(operands, inits)]
  # As XLA does, padding and dilation holes are skipped, not combined as init values.
  present = _windows(xp.ones(operands[0].shape, bool), False, **params)
  out_shape = windows[0].shape[:operands[0].ndim]
  size = int(np.prod(out_shape))
  accs = [xp.full(size, init, init.dtype) for init in inits]
  if size:
    flat = [w.reshape(size, -1) for w in windows]
    flat_present = present.reshape(size, -1)
    apply = _vectorized(jaxpr, consts, size)
    for position in range(flat[0].shape[1]):  # a loop over window positions, not elements
      combined = apply(*accs, *(f[:, position] for f in flat))
      accs = [xp.where(flat_present[:, position], c, a) for c, a in zip(combined, accs)]
  return [a.astype(init.dtype, copy=False).reshape(out_shape) for a, init in zip(accs, inits)]


def _reduce_window_abstract_eval(*avals, jaxpr, consts, **params):
  k = len(avals) // 2
  shape = _window_shape(avals[0], **params)
  return [core.ShapedArray(shape, init.dtype) for init in avals[k:]]


reduce_window_p = core.Primitive("reduce_window", multiple_results=True)
reduce_window_p.def_impl(_reduce_window_impl)
reduce_window_p.def_abstract_eval(_reduce_window_abstract_eval)
reduce_window_p.weak_type_rule = lambda *weak, **params: [False] * (len(weak) // 2)


def _reduce_window_batcher(axis_data, vals, dims, **params):
  k = len(vals) // 2
  if any(d is not None for d in dims[k:]):
    raise NotImplementedError("reduce_window with init values mapped by vmap is not supported: "
                              "pass init values that do not depend on the mapped axis.")
  d = next(d for d in dims[:k] if d is not None)
  operands = [batching.move_dim_to(x, xd, d, axis_data.size) for x, xd in
              zip(vals[:k], dims[:k])]

  def insert(values, value):
    values = list(values)
    values.insert(d, value)
    return tuple(values)

  outs = reduce_window_p.bind(
      *operands, *vals[k:], jaxpr=params["jaxpr"], consts=params["consts"],
      window_dimensions=insert(params["window_dimensions"], 1),
      window_strides=insert(params["window_strides"], 1),
      padding=insert(params["padding"], (0, 0)),
      base_dilation=insert(params["base_dilation"], 1),
      window_dilation=insert(params["window_dilation"], 1))
  return outs, [d] * k


batching.primitive_batchers[reduce_window_p] = _reduce_window_batcher


def _paired_jvp_jaxpr(jaxpr: core.Jaxpr, consts, differentiable):
  """The computation over (primal, tangent) pairs: takes (acc primals, acc tangents, x primals,
  x tangents) and returns (primals, tangents), for the differentiable operands."""
  k = len(jaxpr.outvars)
  nonzeros = list(differentiable) * 2
  jvp, jvp_consts, _ = ad.jvp_jaxpr(jaxpr, consts, nonzeros, instantiate=list(differentiable))
  n_t = sum(differentiable)
  avals = [v.aval for v in jaxpr.invars]
  tangent_avals = [ad.tangent_aval(a) for a, d in zip(avals[:k], differentiable) if d]

  def paired(*args):
    acc, acc_t = args[:k], args[k:k + n_t]
    x, x_t = args[k + n_t:2 * k + n_t], args[2 * k + n_t:]
    outs = core.eval_jaxpr(jvp, jvp_consts, *acc, *x, *acc_t, *x_t)
    return outs
  in_avals = [*avals[:k], *tangent_avals, *avals[k:], *tangent_avals]
  return staging.trace_to_jaxpr(paired, in_avals)


def _reduce_window_jvp(primals, tangents, *, jaxpr, consts, **params):
  k = len(primals) // 2
  differentiable = [dtypes.issubdtype(get_aval(x).dtype, np.inexact) for x in primals[:k]]
  outs = reduce_window_p.bind(*primals, jaxpr=jaxpr, consts=consts, **params)
  if all(type(t) is ad.Zero for t in tangents) or not any(differentiable):
    return outs, [ad.Zero.from_primal(o) for o in outs]
  paired, paired_consts = _paired_jvp_jaxpr(jaxpr, consts, differentiable)
  op_t = [ad.instantiate_zeros(t) for t, d in zip(tangents[:k], differentiable) if d]
  init_t = [ad.instantiate_zeros(t) for t, d in zip(tangents[k:], differentiable) if d]
  ops = [x for x in primals[:k]] + op_t
  inits = [x for x in primals[k:]] + init_t
  both = reduce_window_p.bind(*ops, *inits, jaxpr=paired, consts=tuple(paired_consts), **params)
  out_t = iter(both[k:])
  return outs, [next(out_t) if d else ad.Zero.from_primal(o)
                for o, d in zip(outs, differentiable)]


ad.primitive_jvps[reduce_window_p] = _reduce_window_jvp


def _reduce_impl(*args, computation, jaxpr, dimensions):
  k = len(args) // 2
  operands, inits = [xp.asarray(a) for a in args[:k]], [xp.asarray(a) for a in args[k:]]
  rank = operands[0].ndim
  kept = [a for a in range(rank) if a not in dimensions]
  out_shape = tuple(operands[0].shape[a] for a in kept)
  rest = int(np.prod(out_shape))
  # (reduced elements, kept positions), halved pairwise: log2(n) vectorized applications.
  xs = [xp.transpose(x, (*dimensions, *kept)).reshape(-1, rest) for x in operands]
  while xs[0].shape[0] > 1:
    n = xs[0].shape[0]
    half = n // 2
    if half * rest:
      apply = _vectorized(jaxpr.jaxpr, jaxpr.consts, half * rest)
      combined = apply(*(x[:half].reshape(-1) for x in xs),
                       *(x[half:2 * half].reshape(-1) for x in xs))
    else:
      combined = [x[:half].reshape(-1) for x in xs]
    xs = [xp.concatenate([c.reshape(half, rest).astype(x.dtype, copy=False), x[2 * half:]])
          for c, x in zip(combined, xs)]
  accs = [xp.full(rest, init, init.dtype) for init in inits]
  if xs[0].shape[0] and rest:
    accs = _vectorized(jaxpr.jaxpr, jaxpr.consts, rest)(*accs, *(x[0] for x in xs))
  return [a.astype(init.dtype, copy=False).reshape(out_shape) for a, init in zip(accs, inits)]


def _reduce_abstract_eval(*avals, computation, jaxpr, dimensions):
  k = len(avals) // 2
  shape = avals[0].shape
  if any(a.shape != shape for a in avals[:k]):
    raise ValueError(f"reduce found non-scalar initial value or operands of different shapes: "
                     f"{[a.shape for a in avals[:k]]}")
  if any(not 0 <= d < len(shape) for d in dimensions):
    raise ValueError(f"reduce dimensions {dimensions} out of bounds for operand shape {shape}")
  out = tuple(s for i, s in enumerate(shape) if i not in dimensions)
  return [core.ShapedArray(out, init.dtype) for init in avals[k:]]


reduce_p = core.Primitive("reduce", multiple_results=True)
reduce_p.def_impl(_reduce_impl)
reduce_p.def_abstract_eval(_reduce_abstract_eval)
reduce_p.weak_type_rule = lambda *weak, **params: [False] * (len(weak) // 2)


def _reduce_batcher(axis_data, vals, dims, *, computation, jaxpr, dimensions):
  k = len(vals) // 2
  if any(d is not None for d in dims[k:]):
    raise NotImplementedError("reduce with init values mapped by vmap is not supported: pass "
                              "init values that do not depend on the mapped axis.")
  operands = [batching.bdim_at_front(x, d, axis_data.size) for x, d in zip(vals[:k], dims[:k])]
  outs = reduce_p.bind(*operands, *vals[k:], computation=computation, jaxpr=jaxpr,
                       dimensions=tuple(d + 1 for d in dimensions))
  return outs, [0] * k


batching.primitive_batchers[reduce_p] = _reduce_batcher


def _reduce_with_lax(jaxpr: core.ClosedJaxpr, dimensions, operands, inits):
  """The generic reduction written with standard primitives (slices, concatenation and the
  computation applied elementwise), pairwise like the eager implementation: its JVP is then
  made of transposable operations, so reverse mode works."""
  rank = len(get_aval(operands[0]).shape)
  kept = [a for a in range(rank) if a not in dimensions]
  out_shape = tuple(get_aval(operands[0]).shape[a] for a in kept)
  rest = int(np.prod(out_shape))
  n = int(np.prod([get_aval(operands[0]).shape[a] for a in dimensions]))
  xs = [_lax.reshape(_lax.transpose(x, (*dimensions, *kept)), (n, rest)) for x in operands]
  combine = lambda *args: core.eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *args)
  while n > 1:
    half = n // 2
    pair = batching.batch_fun(batching.batch_fun(combine, batching.AxisData(None, rest),
                                                 [1] * len(jaxpr.jaxpr.invars), 1),
                              batching.AxisData(None, half), [0] * len(jaxpr.jaxpr.invars), 0)
    combined = pair(*(_lax.slice_in_dim(x, 0, half) for x in xs),
                    *(_lax.slice_in_dim(x, half, 2 * half) for x in xs))
    xs = [_lax.concatenate([c, _lax.slice_in_dim(x, 2 * half, n)], 0) if n % 2 else c
          for c, x in zip(combined, xs)]
    n = half + n % 2
  accs = [_lax.broadcast(init, (rest,)) for init in inits]
  if n and rest:
    last = batching.batch_fun(combine, batching.AxisData(None, rest),
                              [0] * len(jaxpr.jaxpr.invars), 0)
    accs = last(*accs, *(_lax.reshape(x, (rest,)) for x in xs))
  return [_lax.reshape(a, out_shape) for a in accs]


def _reduce_jvp(primals, tangents, *, computation, jaxpr, dimensions):
  k = len(primals) // 2
  outs = reduce_p.bind(*primals, computation=computation, jaxpr=jaxpr, dimensions=dimensions)
  if all(type(t) is ad.Zero for t in tangents):
    return outs, [ad.Zero.from_primal(o) for o in outs]
  _, out_t, _ = ad.jvp(lambda *args: _reduce_with_lax(jaxpr, dimensions, args[:k], args[k:]),
                       primals, [None if type(t) is ad.Zero else t for t in tangents])
  return outs, list(out_t)


ad.primitive_jvps[reduce_p] = _reduce_jvp


# ------------------------------------------------------------------------------------------------
# Public functions


def _trace_computation(computation, init_values):
  """The computation traced on scalars of the init values' types: (jaxpr, consts, out tree)."""
  flat_inits, tree = tree_util.tree_flatten(init_values)
  avals = [core.ShapedArray((), get_aval(x).dtype) for x in flat_inits]
  out_tree = []

  def flat_fun(*args):
    acc = tree_util.tree_unflatten(tree, args[:len(args) // 2])
    x = tree_util.tree_unflatten(tree, args[len(args) // 2:])
    out = computation(acc, x)
    leaves, out_tree_ = tree_util.tree_flatten(out)
    out_tree.append(out_tree_)
    return leaves

  jaxpr, consts = staging.trace_to_jaxpr(flat_fun, avals + avals)
  if out_tree[0] != tree:
    raise TypeError(f"reduction computation must return a value with the structure of the init "
                    f"values ({tree}), got {out_tree[0]}")
  out_avals = [v.aval for v in jaxpr.outvars]
  if [a.dtype for a in out_avals] != [a.dtype for a in avals]:
    raise TypeError("reduction computation must return values of the init values' dtypes "
                    f"{[a.dtype.name for a in avals]}, got {[a.dtype.name for a in out_avals]}")
  return jaxpr, consts


def _concrete_scalar(x):
  if isinstance(x, core.Tracer) and not core.is_concrete(x):
    return None
  try:
    return np.asarray(x.to_concrete_value() if isinstance(x, core.Tracer) else x)
  except Exception:  # noqa: BLE001  (not a concrete value)
    return None


def _is_identity(init, name):
  value = _concrete_scalar(init)
  if value is None or value.shape != ():
    return False
  if name in ("and", "or", "xor"):
    return value.dtype == np.bool_ and bool(value) == (name == "and")
  if name == "prod":
    return value == 1
  identity = _identity(name, value.dtype)
  return bool(value == identity)


_WINDOW_MONOIDS = {"add": ("sum", reduce_window_sum_p), "max": ("max", reduce_window_max_p),
                   "min": ("min", reduce_window_min_p)}


def reduce_window(operand, init_value, computation, window_dimensions, window_strides, padding,
                  base_dilation=None, window_dilation=None):
  """Reduce each window of `operand` (a pytree of arrays of one shape) with `computation`
  starting from `init_value` (a matching pytree of scalars); padding is filled with the init
  values. Sums, maxima and minima from their identities bind the monoid primitives."""
  flat_ops, tree = tree_util.tree_flatten(operand)
  flat_inits, init_tree = tree_util.tree_flatten(init_value)
  if tree != init_tree:
    raise ValueError(f"Operands must have the same tree structure as init_values: {tree} vs. "
                     f"{init_tree}")
  shape = get_aval(flat_ops[0]).shape
  rank = len(shape)
  window_dimensions = tuple(map(operator.index, window_dimensions))
  window_strides = tuple(map(operator.index, window_strides))
  base_dilation = (1,) * rank if base_dilation is None else tuple(map(operator.index,
                                                                      base_dilation))
  window_dilation = (1,) * rank if window_dilation is None else tuple(map(operator.index,
                                                                          window_dilation))
  if isinstance(padding, str):
    from pyjax._src.lax.convolution import padtype_to_pads
    padding = padtype_to_pads(shape, dilate_shape(window_dimensions, window_dilation),
                              window_strides, padding)
  padding = tuple((operator.index(lo), operator.index(hi)) for lo, hi in padding)
  params = dict(window_dimensions=window_dimensions, window_strides=window_strides,
                padding=padding, base_dilation=base_dilation, window_dilation=window_dilation)
  monoid = _WINDOW_MONOIDS.get(getattr(computation, "__name__", None))
  if (len(flat_ops) == 1 and monoid is not None
      and computation is getattr(_lax, computation.__name__, None)
      and _is_identity(flat_inits[0], monoid[0])):
    return tree_util.tree_unflatten(tree, [monoid[1].bind(flat_ops[0], **params)])
  jaxpr, consts = _trace_computation(computation, init_value)
  outs = reduce_window_p.bind(*flat_ops, *flat_inits, jaxpr=jaxpr, consts=tuple(consts),
                              **params)
  return tree_util.tree_unflatten(tree, outs)


_REDUCE_MONOIDS = {"add": "sum", "mul": "prod", "max": "max", "min": "min", "bitwise_and": "and",
                   "bitwise_or": "or", "bitwise_xor": "xor"}


def reduce(operands, init_values, computation, dimensions):
  """Reduce `operands` (a pytree of arrays of one shape) over `dimensions` with `computation`
  from `init_values`. A recognized monoid (add, mul, max, min and the logical ops from their
  identities) binds its dedicated primitive (reduce_sum, ...)."""
  flat_ops, tree = tree_util.tree_flatten(operands)
  flat_inits, init_tree = tree_util.tree_flatten(init_values)
  if tree != init_tree:
    raise ValueError(f"Operands must have the same tree structure as init_values: {tree} vs. "
                     f"{init_tree}")
  dimensions = tuple(map(operator.index, dimensions))
  name = _REDUCE_MONOIDS.get(getattr(computation, "__name__", None))
  if (len(flat_ops) == 1 and name is not None
      and computation is getattr(_lax, computation.__name__, None)
      and _is_identity(flat_inits[0], name)):
    return tree_util.tree_unflatten(tree, [getattr(_lax, f"reduce_{name}")(flat_ops[0],
                                                                            dimensions)])
  jaxpr, consts = _trace_computation(computation, init_values)
  outs = reduce_p.bind(*flat_ops, *flat_inits, computation=computation,
                       jaxpr=core.ClosedJaxpr(jaxpr, consts), dimensions=dimensions)
  return tree_util.tree_unflatten(tree, outs)


__all__ = ["reduce", "reduce_window", "reduce_window_shape_tuple"]
