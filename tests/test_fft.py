"""`pyjax.lax.fft` and `pyjax.numpy.fft` against the oracle (jax 0.10.2): staged programs, result
dtypes (complex64 for float32 input), values for every transform with `n`/`s`, `axis`/`axes`
and `norm`, the frequency helpers, error classes, derivatives (the transforms' transposes) and
vmap."""
from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jjnp  # noqa: E402

import pyjax  # noqa: E402
import pyjax.numpy as pjnp  # noqa: E402

from case_tables import CaseTable  # noqa: E402
from oracle_util import check_staged, outcome  # noqa: E402

RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 4, 6)).astype(np.float32)
Z = (RNG.standard_normal((3, 4, 6)) + 1j * RNG.standard_normal((3, 4, 6))).astype(np.complex64)
ODD = RNG.standard_normal((5, 7)).astype(np.float32)
INTS = np.arange(12, dtype=np.int32).reshape(3, 4) % 5
FOUR_D = RNG.standard_normal((2, 3, 4, 5)).astype(np.float32)
TOL = (1e-4, 1e-5)

# ------------------------------------------------------------------------------------------------
# Staged programs


STAGED = {
    "lax_fft": lambda m: lambda x: m.lax.fft(x, "fft", (6,)),
    "lax_ifft_2d": lambda m: lambda x: m.lax.fft(x, m.lax.FftType.IFFT, (4, 6)),
    "lax_rfft": lambda m: lambda x: m.lax.fft(x, "rfft", (4, 6)),
    "lax_irfft": lambda m: lambda x: m.lax.fft(m.lax.fft(x, "rfft", (6,)), "IRFFT", (6,)),
    "jnp_fft": lambda m: m.numpy.fft.fft,
    "jnp_rfft_axis0": lambda m: lambda x: m.numpy.fft.rfft(x, axis=0),
    "jnp_fftn_4d": lambda m: lambda x: m.numpy.fft.fftn(x[None]),
    "jnp_irfftn_4d": lambda m: lambda x: m.numpy.fft.irfftn(x[None]),
}


@pytest.mark.parametrize("name", sorted(STAGED))
def test_staged_program_text(name):
  p = str(pyjax.make_jaxpr(STAGED[name](pyjax))(X))
  j = str(jax.make_jaxpr(STAGED[name](jax))(X))
  assert p == j


@pytest.mark.parametrize("name", ["lax_fft", "lax_rfft", "jnp_fftn_4d"])
def test_staged_program_evaluates_to_eager(name):
  fn = STAGED[name](pyjax)
  check_staged(fn, (X,), fn(X))


# ------------------------------------------------------------------------------------------------
# Values and dtypes


def fft_cases():
  cases = {
      "lax_fft_complex": lambda L: L.lax.fft(Z, "fft", (4, 6)),
      "lax_ifft_complex": lambda L: L.lax.fft(Z, "ifft", (6,)),
      "lax_fft_real_input": lambda L: L.lax.fft(X, "FFT", (6,)),
      "lax_fft_int_input": lambda L: L.lax.fft(INTS, "fft", (4,)),
      "lax_rfft": lambda L: L.lax.fft(X, "rfft", (3, 4, 6)),
      "lax_rfft_int": lambda L: L.lax.fft(INTS, "rfft", (4,)),
      "lax_irfft": lambda L: L.lax.fft(Z[..., :4], "irfft", (6,)),
      "lax_irfft_odd": lambda L: L.lax.fft(Z[..., :4], "irfft", (4, 7)),
      "lax_no_lengths": lambda L: L.lax.fft(X, "fft", ()),
      "fft2_default": lambda L: L.np.fft.fft2(X),
      "ifft2_axes": lambda L: L.np.fft.ifft2(Z, axes=(0, 2)),
      "rfft2_s": lambda L: L.np.fft.rfft2(X, s=(3, 8)),
      "irfft2_default": lambda L: L.np.fft.irfft2(Z),
      "fftn_all": lambda L: L.np.fft.fftn(X),
      "fftn_s_only": lambda L: L.np.fft.fftn(X, s=(2, 5)),
      "fftn_4d": lambda L: L.np.fft.fftn(FOUR_D),
      "ifftn_4d_axes": lambda L: L.np.fft.ifftn(FOUR_D, axes=(3, 0, 1, 2)),
      "rfftn_4d": lambda L: L.np.fft.rfftn(FOUR_D),
      "irfftn_4d": lambda L: L.np.fft.irfftn(FOUR_D.astype(np.complex64)),
      "irfftn_s": lambda L: L.np.fft.irfftn(Z, s=(5, 9), axes=(0, 2)),
      "rfftn_5d": lambda L: L.np.fft.rfftn(FOUR_D[None], s=(1, 2, 3, 4, 6)),
      "hfft": lambda L: L.np.fft.hfft(Z),
      "hfft_n": lambda L: L.np.fft.hfft(Z, n=7, axis=0, norm="ortho"),
      "ihfft": lambda L: L.np.fft.ihfft(X),
      "ihfft_n": lambda L: L.np.fft.ihfft(X, n=5, axis=1, norm="forward"),
      "fft_int": lambda L: L.np.fft.fft(INTS),
      "fft_bool": lambda L: L.np.fft.fft(INTS > 2, axis=0),
      "rfft_int": lambda L: L.np.fft.rfft(INTS, norm="ortho"),
      "fft_scalar_list_of_one": lambda L: L.np.fft.fft(np.float32(2.0)[None]),
      "fftfreq": lambda L: L.np.fft.fftfreq(7),
      "fftfreq_even_d": lambda L: L.np.fft.fftfreq(8, 0.25),
      "fftfreq_dtype": lambda L: L.np.fft.fftfreq(5, dtype=np.int32),
      "rfftfreq": lambda L: L.np.fft.rfftfreq(7, 0.1),
      "rfftfreq_even": lambda L: L.np.fft.rfftfreq(8),
      "fftshift": lambda L: L.np.fft.fftshift(X),
      "fftshift_axis": lambda L: L.np.fft.fftshift(ODD, axes=1),
      "fftshift_axes": lambda L: L.np.fft.fftshift(X, axes=(0, -1)),
      "ifftshift": lambda L: L.np.fft.ifftshift(ODD),
      "ifftshift_int": lambda L: L.np.fft.ifftshift(INTS, axes=0),
  }
  for fn in ("fft", "ifft", "rfft", "irfft"):
    source = Z if fn.startswith("i") else X
    for norm in (None, "backward", "ortho", "forward"):
      cases[f"{fn}_{norm}"] = lambda L, fn=fn, source=source, norm=norm: getattr(L.np.fft, fn)(
          source, norm=norm)
    for n, axis in ((4, 0), (9, 1), (3, -1), (10, -1)):
      cases[f"{fn}_n{n}_axis{axis}"] = lambda L, fn=fn, source=source, n=n, axis=axis: (
          getattr(L.np.fft, fn)(source, n=n, axis=axis))
  return cases


FFT_TABLE = CaseTable(fft_cases())


@pytest.mark.parametrize("name", list(FFT_TABLE))
def test_fft(name):
  FFT_TABLE.check(name, TOL)


X64_TABLE = CaseTable({
    "fft_float64": lambda L: L.np.fft.fft(X.astype(np.float64)),
    "rfft_float64": lambda L: L.np.fft.rfft(X.astype(np.float64), n=8, norm="ortho"),
    "irfft_complex128": lambda L: L.np.fft.irfft(Z.astype(np.complex128)),
    "fftn_int64": lambda L: L.np.fft.fftn(INTS.astype(np.int64)),
    "fft_int32_stays_single": lambda L: L.np.fft.fft(INTS),
    "lax_fft_complex128": lambda L: L.lax.fft(Z.astype(np.complex128), "fft", (4, 6)),
    "fftfreq": lambda L: L.np.fft.fftfreq(6, dtype=np.float64),
}, enable_x64=True)


@pytest.mark.parametrize("name", list(X64_TABLE))
def test_fft_x64(name):
  X64_TABLE.check(name, (1e-10, 1e-12))


ERRORS = {
    "bad_norm": lambda m: m.numpy.fft.fft(X, norm="sideways"),
    "repeated_axes": lambda m: m.numpy.fft.fftn(X, axes=(0, 0)),
    "multiple_axes_1d": lambda m: m.numpy.fft.fft(X, axis=(0, 1)),
    "nonpositive_n": lambda m: m.numpy.fft.fft(X, n=0),
    "s_and_axes_lengths": lambda m: m.numpy.fft.fftn(X, s=(2, 3), axes=(0,)),
    "fft2_three_axes": lambda m: m.numpy.fft.fft2(X, axes=(0, 1, 2)),
    "scalar": lambda m: m.numpy.fft.fft(2.0),
    "list_input": lambda m: m.numpy.fft.fft([1.0, 2.0]),
    "axis_out_of_range": lambda m: m.numpy.fft.fft(X, axis=3),
    "fftfreq_list": lambda m: m.numpy.fft.fftfreq([3]),
    "rfftfreq_list_d": lambda m: m.numpy.fft.rfftfreq(3, [1.0]),
    "lax_unknown_type": lambda m: m.lax.fft(X, "xx", (6,)),
    "lax_type_value": lambda m: m.lax.fft(X, 1, (6,)),
    "lax_rfft_complex": lambda m: m.lax.fft(Z, "rfft", (6,)),
    "lax_rfft_float16": lambda m: m.lax.fft(X.astype(np.float16), "rfft", (6,)),
    "lax_fft_lengths_mismatch": lambda m: m.lax.fft(X, "fft", (5,)),
    "lax_too_many_lengths": lambda m: m.lax.fft(X[0, 0], "fft", (2, 6)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors(name):
  p = outcome(ERRORS[name], pyjax)
  j = outcome(ERRORS[name], jax)
  assert p[0] == j[0] == "raise", (p, j)
  assert type(p[1]).__name__ == type(j[1]).__name__, (p[1], j[1])


# ------------------------------------------------------------------------------------------------
# Derivatives: the transforms are linear, their transposes give the gradients


GRADS = CaseTable({
    "fft_power": lambda L: L.top.grad(lambda x: (L.np.abs(L.np.fft.fft(x)) ** 2 * X).sum())(X),
    "ifft2_real_part": lambda L: L.top.grad(
        lambda x: (L.np.fft.ifft2(x).real * X).sum())(X),
    "rfft": lambda L: L.top.grad(lambda x: (L.np.abs(L.np.fft.rfft(x, axis=1)) * 1.5).sum())(X),
    "rfft_even_imag": lambda L: L.top.grad(lambda x: L.np.fft.rfft(x, n=8).imag.sum())(X),
    "irfft": lambda L: L.top.grad(
        lambda z: (L.np.fft.irfft(z) * L.np.arange(10.)).sum())(Z[..., :6]),
    "irfft_odd": lambda L: L.top.grad(
        lambda z: (L.np.fft.irfft(z, n=9) ** 2).sum())(Z[..., :5]),
    "irfftn": lambda L: L.top.grad(lambda z: L.np.fft.irfftn(z, s=(4, 6)).sum())(Z[0]),
    "complex_input": lambda L: L.top.grad(lambda z: L.np.fft.fftn(z).real.sum())(Z),
    "jvp_rfft2": lambda L: L.top.jvp(L.np.fft.rfft2, (X,), (X[::-1],))[1],
    "vjp_hfft": lambda L: L.top.vjp(L.np.fft.hfft, Z)[1](np.ones((3, 4, 10), np.float32)),
})


@pytest.mark.parametrize("name", list(GRADS))
def test_derivatives(name):
  GRADS.check(name, (1e-3, 1e-4))


# ------------------------------------------------------------------------------------------------
# vmap


@pytest.mark.parametrize("transform,in_axis", [("fft", 0), ("rfft2", 1), ("irfft", 2),
                                               ("fftshift", 0)])
def test_vmap_matches_a_loop(transform, in_axis):
  if not hasattr(pyjax, "vmap"):
    pytest.skip("pyjax.vmap is not available yet")
  fn = getattr(pjnp.fft, transform)
  source = Z if transform == "irfft" else X
  batched = np.asarray(pyjax.vmap(fn, in_axes=in_axis)(source))
  expected = np.stack([np.asarray(fn(np.take(source, i, in_axis)))
                       for i in range(source.shape[in_axis])])
  np.testing.assert_allclose(batched, expected, rtol=1e-5, atol=1e-6)

