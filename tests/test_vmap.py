"""Every lax primitive under `vmap`, against a Python loop over the batch and a stack.

Each case is a function of per-element arguments. For each case the test draws in_axes for every
argument (None, or any axis, negative ones included) and an out_axes, builds batched arguments
from per-element values, and checks `vmap(f, in_axes, out_axes)` against applying `f` element by
element and stacking the results (dtype, shape and values). The same with `vmap` of `vmap`, and
a check that every primitive pyjax defines has a batching rule.
"""
from __future__ import annotations

import importlib
import pkgutil
import sys
import zlib

import numpy as np
import pytest

import pyjax
import pyjax.numpy as jnp
from pyjax import lax
from pyjax._src.core import Primitive
from pyjax._src.interpreters import ad, batching
from pyjax._src.lax import dot as _dot
from pyjax._src.lax import elementwise as ew
from pyjax._src.lax import reductions as red
from pyjax._src.lax import sorting
from pyjax._src.lax import structural as st

# ------------------------------------------------------------------------------------------------
# Argument specs: (shape, kind). Kinds pick a dtype and a distribution of values.

F32, I32, U8, U32, BOOL, C64 = "f32", "i32", "u8", "u32", "bool", "c64"
INDEX, SHIFT, SMALL = "index", "shift", "small"  # int32 start indices, shift amounts, small ints


def draw(rng, shape, kind):
  if kind == F32:
    return (rng.standard_normal(shape) * 2).astype(np.float32)
  if kind == I32:
    return rng.integers(-20, 20, shape).astype(np.int32)
  if kind == SMALL:
    return rng.integers(0, 3, shape).astype(np.int32)
  if kind == U8:
    return rng.integers(0, 255, shape).astype(np.uint8)
  if kind == U32:
    return rng.integers(0, 2**32 - 1, shape, dtype=np.uint64).astype(np.uint32)
  if kind == BOOL:
    return rng.random(shape) < 0.5
  if kind == C64:
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)
  if kind == INDEX:
    return rng.integers(-6, 7, shape).astype(np.int32)
  if kind == SHIFT:
    return rng.integers(-2, 35, shape).astype(np.int32)
  raise ValueError(kind)


def bind(primitive, **params):
  return lambda *args: primitive.bind(*args, **params)


# ------------------------------------------------------------------------------------------------
# The cases: name -> (function, argument specs)

UNARY_KINDS = {"not": [BOOL, I32], "real": [C64], "imag": [C64], "population_count": [I32, U8],
               "clz": [I32, U8], "neg": [F32, I32], "sign": [F32, I32], "square": [F32, I32],
               "abs": [F32, I32, C64]}
BINARY_KINDS = {"rem": [F32, I32], "div": [F32, I32], "and": [BOOL, I32], "or": [BOOL, I32],
                "xor": [BOOL, U32], "shift_left": [I32], "shift_right_arithmetic": [I32],
                "shift_right_logical": [I32], "eq": [F32, BOOL], "ne": [I32], "max": [F32, I32],
                "min": [F32, BOOL], "complex": [F32], "nextafter": [F32]}

CASES: dict = {}
for _name, _p in ew.unary_primitives.items():
  for _kind in UNARY_KINDS.get(_name, [F32]):
    CASES[f"{_name}-{_kind}"] = (bind(_p), [((2, 3), _kind)])
for _name, _p in ew.binary_primitives.items():
  for _kind in BINARY_KINDS.get(_name, [F32]):
    second = SHIFT if _name.startswith("shift") else _kind
    CASES[f"{_name}-{_kind}"] = (bind(_p), [((2, 3), _kind), ((2, 3), second)])
CASES.update({
    # lax-level broadcasting: rank-0 operands, size-1 dimensions
    "add-scalar-rhs": (bind(ew.add_p), [((2, 3), F32), ((), F32)]),
    "mul-scalar-lhs": (bind(ew.mul_p), [((), F32), ((4,), F32)]),
    "sub-size1": (bind(ew.sub_p), [((1, 3), F32), ((2, 3), F32)]),
    "max-size1-both": (bind(ew.max_p), [((2, 1), F32), ((1, 3), F32)]),
    "round": (bind(ew.round_p, rounding_method=ew.RoundingMethod.TO_NEAREST_EVEN),
              [((5,), F32)]),
    "integer_pow": (bind(ew.integer_pow_p, y=3), [((2, 2), F32)]),
    "pow": (bind(ew.pow_p), [((3,), F32), ((3,), I32)]),
    "conj": (lax.conj, [((3,), C64)]),
    "polygamma": (lambda m, x: ew.polygamma_p.bind(lax.convert_element_type(m, np.float32), x),
                  [((3,), SMALL), ((3,), F32)]),
    "add_any": (bind(ad.add_any_p), [((2, 3), F32), ((2, 3), F32)]),
    "convert_element_type": (lambda x: lax.convert_element_type(x, np.int32), [((2, 3), F32)]),
    "bitcast-same-width": (lambda x: lax.bitcast_convert_type(x, np.int32), [((2, 3), F32)]),
    "bitcast-narrower": (lambda x: lax.bitcast_convert_type(x, np.uint8), [((2,), F32)]),
    "bitcast-wider": (lambda x: lax.bitcast_convert_type(x, np.float32), [((3, 4), U8)]),
    "broadcast_in_dim": (bind(st.broadcast_in_dim_p, shape=(4, 2, 3), broadcast_dimensions=(1, 2),
                              sharding=None), [((2, 3), F32)]),
    "broadcast_in_dim-stretch": (bind(st.broadcast_in_dim_p, shape=(2, 5), sharding=None,
                                      broadcast_dimensions=(0, 1)), [((2, 1), I32)]),
    "broadcast_in_dim-scalar": (bind(st.broadcast_in_dim_p, shape=(3,), broadcast_dimensions=(),
                                     sharding=None), [((), F32)]),
    "reshape": (bind(st.reshape_p, new_sizes=(3, 2), dimensions=None, sharding=None),
                [((2, 3), F32)]),
    "reshape-dimensions": (bind(st.reshape_p, new_sizes=(6,), dimensions=(1, 0), sharding=None),
                           [((2, 3), F32)]),
    "transpose": (bind(st.transpose_p, permutation=(2, 0, 1)), [((2, 3, 4), F32)]),
    "squeeze": (bind(st.squeeze_p, dimensions=(0, 2)), [((1, 3, 1), F32)]),
    "expand_dims": (lambda x: lax.expand_dims(x, (0, 2)), [((3,), F32)]),
    "concatenate": (bind(st.concatenate_p, dimension=1), [((2, 3), F32), ((2, 1), F32),
                                                         ((2, 2), F32)]),
    "stack": (bind(st.stack_p, axis=1), [((2, 3), F32), ((2, 3), F32)]),
    "unstack": (lambda x: tuple(st.unstack_p.bind(x, axis=1)), [((2, 3), F32)]),
    "pad": (bind(st.pad_p, padding_config=((1, 2, 1), (-1, 0, 0))), [((3, 2), F32), ((), F32)]),
    "pad-bool": (bind(st.pad_p, padding_config=((0, 1, 2),)), [((3,), BOOL), ((), BOOL)]),
    "slice": (bind(st.slice_p, start_indices=(1, 0), limit_indices=(3, 3), strides=None),
              [((4, 3), F32)]),
    "slice-strided": (bind(st.slice_p, start_indices=(0, 1), limit_indices=(4, 3),
                           strides=(2, 1)), [((4, 3), F32)]),
    "rev": (bind(st.rev_p, dimensions=(0, 2)), [((2, 3, 2), F32)]),
    "dynamic_slice": (bind(st.dynamic_slice_p, slice_sizes=(2, 1)),
                      [((5, 3), F32), ((), INDEX), ((), INDEX)]),
    "dynamic_slice-full": (bind(st.dynamic_slice_p, slice_sizes=(3,)), [((3,), I32), ((), INDEX)]),
    "dynamic_slice-bool": (bind(st.dynamic_slice_p, slice_sizes=(2, 2)),
                           [((4, 7), BOOL), ((), INDEX), ((), INDEX)]),
    "dynamic_update_slice": (bind(st.dynamic_update_slice_p),
                             [((5, 3), F32), ((2, 3), F32), ((), INDEX), ((), INDEX)]),
    "dynamic_update_slice-1d": (bind(st.dynamic_update_slice_p),
                                [((7,), I32), ((3,), I32), ((), INDEX)]),
    "select_n-bool": (bind(st.select_n_p), [((2, 3), BOOL), ((2, 3), F32), ((2, 3), F32)]),
    "select_n-scalar-which": (bind(st.select_n_p), [((), BOOL), ((2, 3), F32), ((2, 3), F32)]),
    "select_n-int": (bind(st.select_n_p), [((4,), SMALL), ((4,), I32), ((4,), I32),
                                           ((4,), I32)]),
    "clamp": (bind(st.clamp_p), [((2, 3), F32), ((2, 3), F32), ((2, 3), F32)]),
    "clamp-scalar-bounds": (bind(st.clamp_p), [((), F32), ((2, 3), F32), ((), F32)]),
    "stop_gradient": (bind(st.stop_gradient_p), [((3,), F32)]),
    "iota-plus": (lambda x: x + lax.iota(np.float32, 3), [((3,), F32)]),
    "dot_general-matmul": (bind(_dot.dot_general_p, dimension_numbers=(((1,), (0,)), ((), ())),
                                precision=None, preferred_element_type=None, out_sharding=None),
                           [((2, 3), F32), ((3, 4), F32)]),
    "dot_general-batched": (bind(_dot.dot_general_p, dimension_numbers=(((2,), (1,)), ((0,), (0,))),
                                 precision=None, preferred_element_type=None, out_sharding=None),
                            [((2, 3, 4), F32), ((2, 4, 5), F32)]),
    "dot_general-int": (bind(_dot.dot_general_p, dimension_numbers=(((0,), (1,)), ((), ())),
                             precision=None, preferred_element_type=None, out_sharding=None),
                        [((3, 2), I32), ((4, 3), I32)]),
    "dot_general-vector": (bind(_dot.dot_general_p, dimension_numbers=(((0,), (0,)), ((), ())),
                                precision=None, preferred_element_type=None, out_sharding=None),
                           [((3,), F32), ((3,), F32)]),
    "sort": (lambda x: sorting.sort(x, dimension=0), [((4, 2), F32)]),
    "sort-multi": (lambda k, v: sorting.sort((k, v), dimension=1, num_keys=1),
                   [((2, 5), SMALL), ((2, 5), F32)]),
    "top_k": (lambda x: sorting.top_k(x, 2), [((3, 4), F32)]),
    "fft": (lambda x: lax.fft(x, "fft", (4,)), [((2, 4), C64)]),
    "rfft": (lambda x: lax.fft(x, "rfft", (2, 4)), [((2, 4), F32)]),
    "cholesky": (lambda x: lax.linalg.cholesky(x @ x.T + 4 * jnp.eye(3)), [((3, 3), F32)]),
    "triangular_solve": (lambda a, b: lax.linalg.triangular_solve(
        a + 5 * jnp.eye(3), b, left_side=True, lower=True), [((3, 3), F32), ((3, 2), F32)]),
    "qr": (lambda x: lax.linalg.qr(x), [((3, 2), F32)]),
    "random_bits": (lambda k: pyjax.random.bits(pyjax.random.wrap_key_data(k), (2,)),
                    [((2,), U32)]),
    "random_split": (lambda k: pyjax.random.key_data(pyjax.random.split(
        pyjax.random.wrap_key_data(k), 3)), [((2,), U32)]),
    "random_fold_in": (lambda k, d: pyjax.random.key_data(pyjax.random.fold_in(
        pyjax.random.wrap_key_data(k), d)), [((2,), U32), ((), U32)]),
    "dynamic_slice-keys": (lambda k, i: pyjax.random.key_data(lax.dynamic_slice(
        pyjax.random.wrap_key_data(k), (i,), (2,))), [((5, 2), U32), ((), INDEX)]),
    "dynamic_update_slice-keys": (lambda k, u, i: pyjax.random.key_data(lax.dynamic_update_slice(
        pyjax.random.wrap_key_data(k), pyjax.random.wrap_key_data(u), (i,))),
        [((5, 2), U32), ((2, 2), U32), ((), INDEX)]),
    "random_normal": (lambda k: pyjax.random.normal(pyjax.random.wrap_key_data(k), (3,)),
                      [((2,), U32)]),
})
for _p in (red.reduce_sum_p, red.reduce_prod_p, red.reduce_max_p, red.reduce_min_p):
  CASES[_p.name] = (bind(_p, axes=(0, 2)) if _p is not red.reduce_sum_p else
                    bind(_p, axes=(0, 2), out_sharding=None), [((2, 3, 2), F32)])
for _p in (red.reduce_and_p, red.reduce_or_p, red.reduce_xor_p):
  CASES[_p.name] = (bind(_p, axes=(1,)), [((2, 3), BOOL)])
for _p in (red.argmax_p, red.argmin_p):
  CASES[_p.name] = (bind(_p, axes=(1,), index_dtype=np.dtype(np.int32)), [((2, 3), F32)])

# Operations with precise but not always bit-identical results between a batch and its elements.
INEXACT = {"cholesky", "triangular_solve", "qr", "fft", "rfft", "dot_general-matmul",
           "dot_general-batched", "dot_general-vector", "polygamma"}

# ------------------------------------------------------------------------------------------------
# Running a case batched and element by element


def as_list(out):
  return list(out) if isinstance(out, (tuple, list)) else [out]


def stack(values, axis):
  arrays = [np.asarray(v) for v in values]
  return np.stack(arrays, axis=axis % (arrays[0].ndim + 1))


def check_close(name, actual, expected):
  actual = np.asarray(actual)
  assert actual.dtype == expected.dtype, f"dtype {actual.dtype} != {expected.dtype}"
  assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
  if name.split("-")[0] in INEXACT or name in INEXACT:
    np.testing.assert_allclose(actual, expected, rtol=2e-5, atol=2e-5)
  elif actual.dtype.kind in "fc":
    # NumPy's vectorized loops may round transcendental functions differently by array length.
    np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-7)
  else:
    np.testing.assert_array_equal(actual, expected)


def axis_choices(ndim):
  return [None] + list(range(-(ndim + 1), ndim + 1))


def case_rng(name, trial):
  return np.random.default_rng(zlib.crc32(f"{name}/{trial}".encode()))


@pytest.mark.parametrize("trial", range(3))
@pytest.mark.parametrize("name", sorted(CASES))
def test_vmap_matches_loop(name, trial):
  fn, specs = CASES[name]
  rng = case_rng(name, trial)
  size = 3
  in_axes = [axis_choices(len(shape))[rng.integers(len(axis_choices(len(shape))))]
             for shape, _ in specs]
  if trial == 0 or all(a is None for a in in_axes):
    in_axes[rng.integers(len(specs))] = 0 if trial == 0 else -1
  elements = [[draw(rng, shape, kind) for _ in range(size)] if a is not None
              else draw(rng, shape, kind) for (shape, kind), a in zip(specs, in_axes)]
  per_element = [as_list(fn(*[e[b] if a is not None else e for e, a in zip(elements, in_axes)]))
                 for b in range(size)]
  out_axes = [axis_choices(np.ndim(o))[1 + rng.integers(len(axis_choices(np.ndim(o))) - 1)]
              for o in per_element[0]]
  batched_args = [stack(e, a) if a is not None else e for e, a in zip(elements, in_axes)]
  single = not isinstance(fn(*[e[0] if a is not None else e
                               for e, a in zip(elements, in_axes)]), (tuple, list))
  vmapped = pyjax.vmap(fn, in_axes=tuple(in_axes),
                       out_axes=out_axes[0] if single else tuple(out_axes))
  outs = as_list(vmapped(*batched_args))
  assert len(outs) == len(out_axes)
  for i, (out, axis) in enumerate(zip(outs, out_axes)):
    expected = stack([per_element[b][i] for b in range(size)], axis)
    check_close(name, out, expected)


@pytest.mark.parametrize("name", sorted(CASES))
def test_vmap_of_vmap_matches_loop(name):
  fn, specs = CASES[name]
  rng = case_rng(name, "nested")
  outer, inner = 2, 3
  inner_axes = [axis_choices(len(s))[rng.integers(len(axis_choices(len(s))))] for s, _ in specs]
  outer_axes = [axis_choices(len(s) + (a is not None))[
      rng.integers(len(axis_choices(len(s) + (a is not None))))]
      for (s, _), a in zip(specs, inner_axes)]
  if all(a is None for a in inner_axes):
    inner_axes[0] = 0
  if all(a is None for a in outer_axes):
    outer_axes[-1] = -1
  values = []
  for (shape, kind), a_in, a_out in zip(specs, inner_axes, outer_axes):
    grid = [[draw(rng, shape, kind) for _ in range(inner if a_in is not None else 1)]
            for _ in range(outer if a_out is not None else 1)]
    values.append(grid)

  def element(k, i, j):
    grid = values[k]
    return grid[i if outer_axes[k] is not None else 0][j if inner_axes[k] is not None else 0]

  results = [[as_list(fn(*[element(k, i, j) for k in range(len(specs))])) for j in range(inner)]
             for i in range(outer)]
  ndims = [np.ndim(o) for o in results[0][0]]
  inner_out = [int(rng.integers(-(n + 1), n + 1)) for n in ndims]
  outer_out = [int(rng.integers(-(n + 2), n + 2)) for n in ndims]

  args = []
  for k in range(len(specs)):
    level = [stack(row, inner_axes[k]) if inner_axes[k] is not None else row[0]
             for row in values[k]]
    args.append(stack(level, outer_axes[k]) if outer_axes[k] is not None else level[0])
  single = len(ndims) == 1 and not isinstance(fn(*[element(k, 0, 0) for k in range(len(specs))]),
                                              (tuple, list))
  spec = (lambda axes: axes[0]) if single else tuple
  f = pyjax.vmap(pyjax.vmap(fn, in_axes=tuple(inner_axes), out_axes=spec(inner_out)),
                 in_axes=tuple(outer_axes), out_axes=spec(outer_out))
  outs = as_list(f(*args))
  for n, out in enumerate(outs):
    expected = stack([stack([results[i][j][n] for j in range(inner)], inner_out[n])
                      for i in range(outer)], outer_out[n])
    check_close(name, out, expected)


# ------------------------------------------------------------------------------------------------
# Every primitive has a batching rule


def all_primitives() -> list:
  import pyjax._src as src
  for info in pkgutil.walk_packages(src.__path__, "pyjax._src."):
    importlib.import_module(info.name)
  found = {}
  for module in list(sys.modules.values()):
    if module is None or not module.__name__.startswith("pyjax"):
      continue
    for value in list(vars(module).values()):
      candidates = value.values() if isinstance(value, dict) else [value]
      for p in candidates:
        if isinstance(p, Primitive):
          found[id(p)] = p
  return sorted(found.values(), key=lambda p: p.name)


# Primitives without operands are never batched (iota makes the same array for every element).
NO_OPERANDS = {"iota", "empty"}


def test_every_primitive_has_a_batching_rule():
  missing = [p.name for p in all_primitives()
             if p not in batching.primitive_batchers and p.name not in NO_OPERANDS]
  assert not missing, f"primitives without a batching rule: {missing}"


def test_missing_rule_raises_not_implemented():
  p = Primitive("made_up")
  p.def_impl(lambda x: x)
  p.def_abstract_eval(lambda x: x)
  with pytest.raises(NotImplementedError, match="Batching rule for 'made_up' not implemented"):
    pyjax.vmap(p.bind)(np.ones(3, np.float32))
  # An unbatched operand needs no rule: the primitive is applied once.
  out = pyjax.vmap(lambda x: p.bind(np.float32(2)) + x)(np.ones(3, np.float32))
  np.testing.assert_array_equal(out, np.full(3, 3, np.float32))


def test_sorting_module_is_covered():
  assert sorting.sort_p in batching.primitive_batchers
