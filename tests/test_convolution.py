"""`lax.conv_general_dilated` and its wrappers against the oracle (jax 0.10.2): values and dtypes
for strides, paddings, dilations, layouts and groups in 1-3 spatial dimensions; the shape
helpers; error classes; gradients w.r.t. both operands; vmap over either or both operands vs a
Python loop; jit; the staged program text; and a small CNN trained end to end."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import pyjax  # noqa: E402
import pyjax.numpy as pjnp  # noqa: E402
from pyjax import lax as plax  # noqa: E402
from pyjax.test_util import check_grads  # noqa: E402

from case_tables import CaseTable  # noqa: E402
from oracle_util import assert_same_outcome, check_staged, outcome, x64  # noqa: E402

RNG = np.random.default_rng(11)
X2 = RNG.standard_normal((2, 4, 7, 6)).astype(np.float32)  # NCHW
W2 = RNG.standard_normal((6, 2, 3, 2)).astype(np.float32)  # OIHW, for 2 feature groups
W2_FULL = RNG.standard_normal((3, 4, 2, 3)).astype(np.float32)
X1 = RNG.standard_normal((4, 3, 9)).astype(np.float32)
W1 = RNG.standard_normal((6, 3, 3)).astype(np.float32)
X3 = RNG.standard_normal((1, 2, 4, 5, 3)).astype(np.float32)
W3 = RNG.standard_normal((2, 2, 2, 3, 2)).astype(np.float32)
NHWC = RNG.standard_normal((2, 5, 6, 3)).astype(np.float32)
HWIO = RNG.standard_normal((3, 2, 3, 4)).astype(np.float32)
TOL = (2e-5, 2e-5)

# (lhs, rhs, keyword arguments) for conv_general_dilated: every option at least once.
CONFIGS = {
    "same": (X2, W2_FULL, dict(window_strides=(1, 1), padding="SAME")),
    "valid_strided": (X2, W2_FULL, dict(window_strides=(2, 3), padding="VALID")),
    "same_lower_dilated": (X2, W2_FULL, dict(window_strides=(2, 1), padding="SAME_LOWER",
                                             rhs_dilation=(2, 2))),
    "explicit_negative_pad": (X2, W2_FULL, dict(window_strides=(1, 2),
                                                padding=((2, -1), (0, 3)))),
    "lhs_dilation": (X2, W2_FULL, dict(window_strides=(1, 1), padding=((1, 2), (2, 0)),
                                       lhs_dilation=(2, 3), rhs_dilation=(1, 2))),
    "feature_groups": (X2, W2, dict(window_strides=(2, 1), padding=((1, 0), (1, 1)),
                                    feature_group_count=2, rhs_dilation=(2, 1))),
    "depthwise": (X2, RNG.standard_normal((8, 1, 2, 2)).astype(np.float32),
                  dict(window_strides=(1, 1), padding="SAME", feature_group_count=4)),
    "batch_groups": (X1, W1, dict(window_strides=(2,), padding=((1, 1),), batch_group_count=2)),
    "conv1d": (X1, RNG.standard_normal((5, 3, 4)).astype(np.float32),
               dict(window_strides=(1,), padding="SAME", lhs_dilation=None, rhs_dilation=(2,))),
    "conv3d": (X3, W3, dict(window_strides=(1, 2, 1), padding="SAME")),
    "nhwc": (NHWC, HWIO, dict(window_strides=(1, 2), padding="SAME",
                              dimension_numbers=("NHWC", "HWIO", "NHWC"))),
    "mixed_layouts": (NHWC, HWIO.transpose(3, 2, 0, 1), dict(
        window_strides=(2, 1), padding="VALID", dimension_numbers=("NHWC", "OIHW", "NCHW"))),
}


def _conv(name):
  lhs, rhs, kw = CONFIGS[name]
  return lambda m: m.lax.conv_general_dilated(lhs, rhs, **kw)


VALUE_CASES = {f"conv_{name}": _conv(name) for name in CONFIGS}
VALUE_CASES.update({
    "conv": lambda m: m.lax.conv(X2, W2_FULL, (1, 2), "SAME"),
    "conv_with_general_padding": lambda m: m.lax.conv_with_general_padding(
        X2, W2_FULL, (2, 1), ((1, 1), (0, 2)), (1, 2), (2, 1)),
    "conv_transpose_same": lambda m: m.lax.conv_transpose(NHWC, HWIO[..., :3, :], (2, 2), "SAME"),
    "conv_transpose_valid_kernel": lambda m: m.lax.conv_transpose(
        NHWC, HWIO[..., :3].transpose(0, 1, 3, 2), (2, 1), "VALID", transpose_kernel=True),
    "conv_transpose_pairs": lambda m: m.lax.conv_transpose(
        NHWC, HWIO[..., :3, :], (1, 2), ((1, 0), (2, 1)), rhs_dilation=(2, 1)),
    "conv_transpose_consistent": lambda m: m.lax.conv_transpose(
        NHWC, HWIO[..., :3, :], (2, 2), ((1, 1), (0, 1)), use_consistent_padding=True),
    "conv_transpose_1d": lambda m: m.lax.conv_transpose(
        X1.transpose(0, 2, 1), W1.transpose(2, 1, 0)[:, :, :3], (3,), "SAME"),
    "patches": lambda m: m.lax.conv_general_dilated_patches(X2, (2, 3), (1, 2), "SAME"),
    "patches_nhwc": lambda m: m.lax.conv_general_dilated_patches(
        NHWC, (3, 2), (2, 1), "VALID", rhs_dilation=(1, 2),
        dimension_numbers=("NHWC", "OIHW", "NCHW")),
    "int8": lambda m: m.lax.conv(X2.astype(np.int8), W2_FULL.astype(np.int8) * 3, (1, 1),
                                 "VALID"),
    "int8_preferred_f32": lambda m: m.lax.conv(X2.astype(np.int8), W2_FULL.astype(np.int8),
                                               (1, 1), "SAME", preferred_element_type=np.float32),
    "bool": lambda m: m.lax.conv(X2 > 0.5, W2_FULL > 0.5, (1, 1), "VALID"),
    "float16": lambda m: m.lax.conv(X2.astype(np.float16), W2_FULL.astype(np.float16), (1, 1),
                                    "SAME"),
    "complex": lambda m: m.lax.conv(X2 + 1j * X2[:, ::-1], (W2_FULL - 2j * W2_FULL).astype(
        np.complex64), (2, 1), "SAME"),
})
VALUES = CaseTable(VALUE_CASES)


@pytest.mark.parametrize("name", sorted(VALUE_CASES))
def test_values_match_oracle(name):
  tol = (2e-3, 2e-3) if name == "float16" else TOL
  VALUES.check(name, tol)


def test_shape_helpers_match_oracle():
  for lax in (plax, jax.lax):
    assert lax.padtype_to_pads((7, 6), (3, 2), (2, 4), "SAME") == [(1, 1), (0, 0)]
  cases = [
      lambda lax: lax.padtype_to_pads((7, 6, 5), (3, 4, 1), (2, 4, 1), "SAME_LOWER"),
      lambda lax: lax.padtype_to_pads((7,), (3,), (2,), "valid"),
      lambda lax: lax.conv_shape_tuple((2, 4, 7, 6), (3, 4, 2, 3), (2, 1), "SAME"),
      lambda lax: lax.conv_shape_tuple((4, 4, 7, 6), (6, 4, 2, 3), (1, 2), ((1, 0), (2, 2)), 2),
      lambda lax: lax.conv_general_shape_tuple((2, 5, 6, 3), (3, 2, 3, 4), (1, 2), "SAME",
                                           ("NHWC", "HWIO", "NHWC")),
      lambda lax: lax.conv_transpose_shape_tuple((2, 5, 6, 3), (3, 2, 3, 4), (2, 2), "SAME",
                                             ("NHWC", "HWIO", "NHWC")),
      lambda lax: lax.conv_transpose_shape_tuple((2, 5, 6, 3), (3, 2, 3, 4), (2, 3),
                                             ((1, 1), (0, 2)), ("NHWC", "HWIO", "NCHW")),
      lambda lax: lax.conv_general_permutations(("NHWC", "HWIO", "NCHW")),
      lambda lax: lax.conv_general_permutations(("CWNH", "OHWI", "HNWC")),
      lambda m: tuple(lax.conv_dimension_numbers((1, 2, 3, 4), (1, 2, 3, 4),
                                               ("NHWC", "HWIO", "NHWC"))),
      lambda m: tuple(lax.conv_dimension_numbers((1, 2, 3), (1, 2, 3), None)),
  ]
  for case in cases:
    p, j = case(plax), case(jax.lax)
    assert np.asarray(p, dtype=object).tolist() == np.asarray(j, dtype=object).tolist()
  dn = plax.ConvDimensionNumbers((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
  assert plax.conv_dimension_numbers((1,) * 4, (1,) * 4, dn) is dn
  assert dn.rhs_spec == (3, 2, 0, 1)


ERROR_CASES = {
    "mixed_dtypes": lambda m: m.lax.conv(X2, W2_FULL.astype(np.float16), (1, 1), "SAME"),
    "bad_padding_string": lambda m: m.lax.conv(X2, W2_FULL, (1, 1), "FULL"),
    "bad_padding_pairs": lambda m: m.lax.conv(X2, W2_FULL, (1, 1), [(1, 2, 3), (0, 0)]),
    "wrong_pad_count": lambda m: m.lax.conv(X2, W2_FULL, (1, 1), [(1, 1)]),
    "wrong_stride_count": lambda m: m.lax.conv(X2, W2_FULL, (1,), "VALID"),
    "feature_mismatch": lambda m: m.lax.conv(X2, W2, (1, 1), "VALID"),
    "group_does_not_divide": lambda m: m.lax.conv_general_dilated(
        X2, W2, (1, 1), "VALID", feature_group_count=3),
    "both_groups": lambda m: m.lax.conv_general_dilated(
        X2, W2, (1, 1), "VALID", feature_group_count=2, batch_group_count=2),
    "rank_mismatch": lambda m: m.lax.conv(X2, W1, (1, 1), "VALID"),
    "duplicate_spec": lambda m: m.lax.conv_general_dilated(
        NHWC, HWIO, (1, 1), "SAME", dimension_numbers=("NHHC", "HWIO", "NHWC")),
    "spec_length": lambda m: m.lax.conv_general_dilated(
        NHWC, HWIO, (1, 1), "SAME", dimension_numbers=("NHC", "HWIO", "NHWC")),
    "string_padding_lhs_dilation": lambda m: m.lax.conv_general_dilated(
        X2, W2_FULL, (1, 1), "SAME", lhs_dilation=(2, 1)),
    "preferred_narrower": lambda m: m.lax.conv(X2, W2_FULL, (1, 1), "SAME",
                                               preferred_element_type=np.float16),
    "preferred_int_for_float": lambda m: m.lax.conv(X2, W2_FULL, (1, 1), "SAME",
                                                    preferred_element_type=np.int32),
    "negative_padding_too_large": lambda m: m.lax.conv(X2, W2_FULL, (1, 1), [(-5, -4), (0, 0)]),
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_errors_match_oracle(name):
  from case_tables import ORACLE, PYJAX
  p, j = outcome(ERROR_CASES[name], PYJAX), outcome(ERROR_CASES[name], ORACLE)
  assert j[0] == "raise"
  assert_same_outcome(p, j)
  assert str(p[1]) == str(j[1])


# ------------------------------------------------------------------------------------------------
# Transformations


def _loss(m, name):
  _, _, kw = CONFIGS[name]
  return lambda x, w: (m.lax.conv_general_dilated(x, w, **kw) ** 2).sum()


GRAD_NAMES = ["same", "valid_strided", "same_lower_dilated", "explicit_negative_pad",
              "lhs_dilation", "feature_groups", "batch_groups", "conv3d", "mixed_layouts"]
GRADS = CaseTable({name: (lambda m, name=name: m.top.grad(_loss(m, name), argnums=(0, 1))(
    *CONFIGS[name][:2])) for name in GRAD_NAMES})


@pytest.mark.parametrize("name", GRAD_NAMES)
def test_grads_match_oracle(name):
  GRADS.check(name, (2e-4, 2e-4))


@pytest.mark.parametrize("name", ["feature_groups", "batch_groups", "lhs_dilation"])
def test_derivatives_match_finite_differences(name):
  lhs, rhs, kw = CONFIGS[name]
  f = lambda x, w: plax.conv_general_dilated(x, w, **kw)
  with x64():
    check_grads(f, (lhs.astype(np.float64), rhs.astype(np.float64)), order=2,
                modes=("fwd", "rev"))


def _conv_loop(f, xs, ws, in_axes):
  n = (xs if in_axes[0] is not None else ws).shape[0]
  return np.stack([np.asarray(f(xs[i] if in_axes[0] is not None else xs,
                                ws[i] if in_axes[1] is not None else ws)) for i in range(n)])


@pytest.mark.parametrize("name", ["same", "feature_groups", "batch_groups", "mixed_layouts"])
@pytest.mark.parametrize("in_axes", [(0, 0), (0, None), (None, 0), (1, 2)])
def test_vmap_matches_loop(name, in_axes):
  lhs, rhs, kw = CONFIGS[name]
  f = lambda x, w: plax.conv_general_dilated(x, w, **kw)
  xs = np.stack([lhs, lhs * 2 - 1, lhs[::-1]], axis=in_axes[0]) if in_axes[0] is not None else lhs
  ws = np.stack([rhs, rhs + 1, -rhs], axis=in_axes[1]) if in_axes[1] is not None else rhs
  out = pyjax.vmap(f, in_axes=in_axes)(xs, ws)
  loop_x = np.moveaxis(xs, in_axes[0], 0) if in_axes[0] is not None else xs
  loop_w = np.moveaxis(ws, in_axes[1], 0) if in_axes[1] is not None else ws
  np.testing.assert_allclose(np.asarray(out), _conv_loop(f, loop_x, loop_w, in_axes), rtol=1e-5,
                             atol=1e-5)


def test_per_example_gradients_under_vmap():
  lhs, rhs, kw = CONFIGS["feature_groups"]
  loss = lambda w, x: (plax.conv_general_dilated(x[None], w, **kw) ** 2).sum()
  out = pyjax.vmap(pyjax.grad(loss), in_axes=(None, 0))(rhs, lhs)
  expected = np.stack([np.asarray(pyjax.grad(loss)(rhs, x)) for x in lhs])
  np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5, atol=1e-5)


def test_jit_and_staged_program():
  lhs, rhs, kw = CONFIGS["lhs_dilation"]
  f = lambda x, w: plax.conv_general_dilated(x, w, preferred_element_type=np.float32, **kw)
  eager = f(lhs, rhs)
  np.testing.assert_array_equal(np.asarray(pyjax.jit(f)(lhs, rhs)), np.asarray(eager))
  check_staged(f, (lhs, rhs), eager)


@pytest.mark.parametrize("name", ["same", "mixed_layouts", "batch_groups"])
def test_jaxpr_text_matches_oracle(name):
  lhs, rhs, kw = CONFIGS[name]
  prog = lambda m: lambda x, w: m.lax.conv_general_dilated(x, w, **kw)
  assert str(pyjax.make_jaxpr(prog(pyjax))(lhs, rhs)) == str(jax.make_jaxpr(prog(jax))(lhs, rhs))


def test_small_cnn_trains():
  """A conv -> relu -> conv -> mean-pool classifier on 8x8 images learns to tell two
  patterns apart: the whole pipeline (conv, its transposes, jit of grad) works together."""
  rng = np.random.default_rng(0)
  labels = rng.integers(0, 2, 64)
  images = rng.normal(0, 0.3, (64, 8, 8, 1)).astype(np.float32)
  images[labels == 1, 2:6, 3:5] += 1.5  # a vertical bar
  images[labels == 0, 3:5, 2:6] += 1.5  # a horizontal bar
  dn = ("NHWC", "HWIO", "NHWC")
  params = [rng.normal(0, 0.3, (3, 3, 1, 4)).astype(np.float32),
            rng.normal(0, 0.3, (3, 3, 4, 2)).astype(np.float32)]

  def loss(params, x, y):
    h = pjnp.maximum(plax.conv_general_dilated(x, params[0], (1, 1), "SAME",
                                               dimension_numbers=dn), 0.0)
    logits = plax.conv_general_dilated(h, params[1], (2, 2), "VALID",
                                       dimension_numbers=dn).mean(axis=(1, 2))
    logp = logits - pjnp.log(pjnp.exp(logits).sum(axis=1, keepdims=True))
    return -(logp * pjnp.stack([1 - y, y], axis=1)).sum(axis=1).mean()

  step = pyjax.jit(lambda p, x, y: [w - 0.5 * g for w, g in zip(p, pyjax.grad(loss)(p, x, y))])
  first = float(loss(params, images, labels))
  for _ in range(30):
    params = step(params, images, labels)
  assert float(loss(params, images, labels)) < 0.5 * first
