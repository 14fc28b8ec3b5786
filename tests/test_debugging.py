"""debug.print, debug.callback, debug.breakpoint and pure_callback: output, staging and errors,
against the pinned JAX oracle."""
import functools

import numpy as np
import pytest

import pyjax
import pyjax.numpy as pnp
from pyjax._src import debugging

jax = pytest.importorskip("jax")
jnp = jax.numpy


def _run_both(program, capsys):
  """Stdout and result of `program(lib, np_)` for pyjax and for the oracle."""
  mine = program(pyjax, pnp)
  mine_out = capsys.readouterr().out
  theirs = program(jax, jnp)
  theirs_out = capsys.readouterr().out
  return (mine, mine_out), (theirs, theirs_out)


def _print_program(lib, np_):
  def f(x):
    lib.debug.print("x = {x}, twice={}", x * 2, x=x)
    lib.debug.print("no placeholders")
    lib.debug.print("{a:.2f} {b}", a=x / 3, b=np_.arange(3))
    return x + 1
  eager = f(1.0)
  jitted = lib.jit(f)(2.0)
  lib.make_jaxpr(f)(5.0)  # tracing prints nothing
  return float(eager), float(jitted)


def test_debug_print_output_matches_oracle(capsys):
  (mine, mine_out), (theirs, theirs_out) = _run_both(_print_program, capsys)
  assert mine == theirs
  # Unordered prints inside one jitted call may run in any order (in JAX too): compare lines.
  assert sorted(mine_out.splitlines()) == sorted(theirs_out.splitlines())
  assert "x = 2.0, twice=4.0" in mine_out


def test_debug_print_prints_each_run_not_at_trace(capsys):
  f = pyjax.jit(lambda x: pyjax.debug.print("value {}", x))
  f(1)
  f(2)
  assert capsys.readouterr().out == "value 1\nvalue 2\n"


def test_debug_print_respects_numpy_printoptions(capsys):
  def program(lib, np_):
    with np.printoptions(precision=2):
      lib.debug.print("{}", np_.linspace(0, 1, 4))
  (_, mine_out), (_, theirs_out) = _run_both(program, capsys)
  assert mine_out == theirs_out


def _jaxpr_programs(lib, np_):
  def printing(x):
    lib.debug.print("x = {x}, y={}", x * 2, x=x)
    return x + 1

  def ordered(x):
    lib.debug.print("{}", x, ordered=True)

  def callback(x):
    return lib.pure_callback(lambda a: np.sin(a), lib.ShapeDtypeStruct(x.shape, x.dtype), x)

  return {"print": (printing, (1.0,)), "ordered": (ordered, (2,)),
          "pure_callback": (callback, (np.ones(3, np.float32),))}


@pytest.mark.parametrize("name", ["print", "ordered"])
def test_staged_debug_print_text(name):
  mine, args = _jaxpr_programs(pyjax, pnp)[name]
  theirs, _ = _jaxpr_programs(jax, jnp)[name]
  assert str(pyjax.make_jaxpr(mine)(*args)) == str(jax.make_jaxpr(theirs)(*args))


def test_staged_pure_callback_text():
  mine, args = _jaxpr_programs(pyjax, pnp)["pure_callback"]
  theirs, _ = _jaxpr_programs(jax, jnp)["pure_callback"]
  # The callback's qualified name differs (it is defined in a different closure); the rest not.
  mine_text = str(pyjax.make_jaxpr(mine)(*args))
  theirs_text = str(jax.make_jaxpr(theirs)(*args))
  assert mine_text == theirs_text


def test_debug_callback(capsys):
  seen = []
  pyjax.debug.callback(lambda a, *, b: seen.append((a.tolist(), b)), pnp.ones(2), b=3)
  pyjax.jit(lambda x: pyjax.debug.callback(lambda v: seen.append(float(v)), x))(4.0)
  assert seen == [([1.0, 1.0], 3), 4.0]


def test_pure_callback_values_and_errors():
  def f(x):
    return pyjax.pure_callback(lambda a: (np.sin(a), np.cos(a).sum()),
                               (pyjax.ShapeDtypeStruct(x.shape, x.dtype),
                                pyjax.ShapeDtypeStruct((), x.dtype)), x)
  x = np.linspace(0, 1, 5, dtype=np.float32)
  sin, total = pyjax.jit(f)(x)
  np.testing.assert_allclose(sin, np.sin(x), rtol=1e-6)
  np.testing.assert_allclose(total, np.cos(x).sum(), rtol=1e-6)
  bad = lambda x: pyjax.pure_callback(lambda a: a.astype(np.float64),  # noqa: E731
                                      pyjax.ShapeDtypeStruct(x.shape, x.dtype), x)
  with pytest.raises(RuntimeError, match="Incorrect output shape or dtype"):
    bad(pnp.ones(2))
  with pytest.raises(ValueError, match="vmap_method must be one of"):
    pyjax.pure_callback(np.sin, pyjax.ShapeDtypeStruct((2,), np.float32), pnp.ones(2),
                        vmap_method="bogus")


def test_breakpoint_opens_console_with_runtime_values(monkeypatch):
  seen = {}

  def fake_interact(banner, local, exitmsg):
    seen.update(local)
    seen["banner"] = banner
  monkeypatch.setattr(debugging, "interact", fake_interact)

  @pyjax.jit
  def f(x):
    y = x * 2
    pyjax.debug.breakpoint()
    return y

  f(pnp.arange(3.0))
  assert seen["y"].tolist() == [0.0, 2.0, 4.0]
  assert seen["x"].tolist() == [0.0, 1.0, 2.0]
  assert "pyjax.debug.breakpoint in f" in seen["banner"]


def _transformed_print_program(lib, np_, jitted=False):
  def f(x):
    lib.debug.print("x={}", x)
    y = x * 2.0 + 1.0
    lib.debug.print("y={y}", y=y, ordered=True)
    lib.debug.callback(lambda v: print("callback", v), y * 3)
    return (y * x).sum()
  xs = np.array([0.5, -1.0, 2.0], np.float32)
  if jitted:
    return [lib.jit(lib.grad(f))(xs), lib.jit(lib.vmap(lib.grad(f)))(xs)]
  return [lib.grad(f)(xs), lib.vmap(lib.grad(f))(xs), lib.jvp(lib.vmap(f), (xs,), (xs,))]


@pytest.mark.parametrize("jitted", [False, True])
def test_debug_print_and_callback_under_grad_and_vmap(capsys, jitted):
  # Each runs once per call on the primal values (per element, in order, under vmap).
  program = functools.partial(_transformed_print_program, jitted=jitted)
  (mine, mine_out), (theirs, theirs_out) = _run_both(program, capsys)
  for m, t in zip(pyjax.tree_util.tree_leaves(mine), jax.tree_util.tree_leaves(theirs)):
    np.testing.assert_allclose(np.asarray(m), np.asarray(t), rtol=1e-6)
  assert mine_out.count("callback") == (4 if jitted else 7)
  if jitted:  # unordered effects of one compiled call may run in any order (in JAX too)
    assert sorted(mine_out.splitlines()) == sorted(theirs_out.splitlines())
  else:
    assert mine_out == theirs_out


def test_pure_callback_under_jvp_is_an_error():
  def f(lib, np_):
    return lib.grad(lambda x: x * lib.pure_callback(
        np.cos, lib.ShapeDtypeStruct((), np.float32), x))(1.0)
  with pytest.raises(ValueError) as theirs:
    f(jax, jnp)
  with pytest.raises(ValueError) as mine:
    f(pyjax, pnp)
  assert str(mine.value) == str(theirs.value)
