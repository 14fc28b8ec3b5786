"""API coverage: which public names of JAX's namespaces pyjax provides.

Compares each pyjax namespace with the oracle's (jax 0.10.2) and prints, per namespace, the share
of the oracle's public names that pyjax has, the names it lacks, and the names left out on purpose
(`EXCLUDED`, which do not count as covered).

  python tools/api_coverage.py              # summary and missing names
  python tools/api_coverage.py --markdown   # rows for the README's status table
  python tools/api_coverage.py --write-readme   # put the current table into README.md
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib
import io
import pathlib
import types

# (oracle module, pyjax module) pairs. `jax.scipy.stats` also holds the functions of its
# distribution submodules, named `submodule.function`.
NAMESPACES = [
    ("jax.numpy", "pyjax.numpy"),
    ("jax.numpy.linalg", "pyjax.numpy.linalg"),
    ("jax.numpy.fft", "pyjax.numpy.fft"),
    ("jax.lax", "pyjax.lax"),
    ("jax.nn", "pyjax.nn"),
    ("jax.nn.initializers", "pyjax.nn.initializers"),
    ("jax.scipy.special", "pyjax.scipy.special"),
    ("jax.scipy.stats", "pyjax.scipy.stats"),
    ("jax.scipy.linalg", "pyjax.scipy.linalg"),
    ("jax.scipy.optimize", "pyjax.scipy.optimize"),
    ("jax.scipy.sparse.linalg", "pyjax.scipy.sparse.linalg"),
    ("jax.scipy.interpolate", "pyjax.scipy.interpolate"),
    ("jax.scipy.cluster.vq", "pyjax.scipy.cluster.vq"),
    ("jax.scipy.spatial.transform", "pyjax.scipy.spatial.transform"),
    ("jax.scipy.signal", "pyjax.scipy.signal"),
    ("jax.scipy.fft", "pyjax.scipy.fft"),
    ("jax.scipy.integrate", "pyjax.scipy.integrate"),
    ("jax.scipy.ndimage", "pyjax.scipy.ndimage"),
]

# Names deliberately left out of pyjax, by oracle namespace, with the reason.
EXCLUDED: dict[str, dict[str, str]] = {
    "jax.lax": {
        "sharding_constraint_p": "sharding: pyjax runs on one device and has no shardings",
    "with_sharding_constraint": "sharding: pyjax runs on one device and has no shardings",
    "pcast": "shard_map's device-varying types: pyjax has one device",
    "pbroadcast": "shard_map's device-varying types: pyjax has one device",
    "psend": "point-to-point transfer between devices: pyjax has one device",
    "precv": "point-to-point transfer between devices: pyjax has one device",
    "ragged_all_to_all": "a collective across devices: pyjax has one device",
    "ragged_all_to_all_p": "a collective across devices: pyjax has one device",
    "device_put_p": "pyjax's device_put is not staged: there is one device to put on",
    "dce_sink": "an XLA compiler hint with no meaning in pyjax's engines",
    "dce_sink_p": "an XLA compiler hint with no meaning in pyjax's engines",
    "stage": "an XLA pipelining marker with no meaning in pyjax's engines",
    "stage_p": "an XLA pipelining marker with no meaning in pyjax's engines",
    },
}


@dataclasses.dataclass
class Coverage:
  oracle_name: str
  pyjax_name: str
  present: bool               # whether the pyjax namespace exists
  oracle_names: list[str]
  covered: list[str]
  missing: list[str]
  excluded: dict[str, str]
  extra: list[str]            # public pyjax names the oracle lacks

  @property
  def share(self) -> float:
    return len(self.covered) / len(self.oracle_names) if self.oracle_names else 1.0


def _import(name: str):
  try:
    return importlib.import_module(name)
  except ImportError:
    return None


def public_names(module) -> set[str]:
  """The module's public non-module attributes, plus `sub.fn` for the public functions of
  submodules that live under it (the distributions of `scipy.stats`)."""
  if module is None:
    return set()
  names = set()
  for name in dir(module):
    if name.startswith("_"):
      continue
    value = getattr(module, name)
    if isinstance(value, types.ModuleType):
      if value.__name__.startswith(module.__name__ + ".") and module.__name__.endswith(".stats"):
        names.update(f"{name}.{sub}" for sub in dir(value)
                     if not sub.startswith("_")
                     and not isinstance(getattr(value, sub), types.ModuleType))
      continue
    names.add(name)
  return names


def coverage(oracle_name: str, pyjax_name: str) -> Coverage:
  oracle = importlib.import_module(oracle_name)
  mine = _import(pyjax_name)
  oracle_names = public_names(oracle)
  pyjax_names = public_names(mine)
  excluded = EXCLUDED.get(oracle_name, {})
  return Coverage(oracle_name, pyjax_name, mine is not None, sorted(oracle_names),
                  covered=sorted(oracle_names & pyjax_names),
                  missing=sorted(oracle_names - pyjax_names - set(excluded)),
                  excluded=dict(sorted(excluded.items())),
                  extra=sorted(pyjax_names - oracle_names))


def all_coverage() -> list[Coverage]:
  return [coverage(o, p) for o, p in NAMESPACES]


def _print_report(results: list[Coverage]) -> None:
  for c in results:
    state = "" if c.present else "  (namespace does not exist yet)"
    print(f"{c.pyjax_name}: {len(c.covered)}/{len(c.oracle_names)} = {c.share:.0%}{state}")
    if c.missing:
      print(f"  missing ({len(c.missing)}): {', '.join(c.missing)}")
    for name, reason in c.excluded.items():
      print(f"  excluded {name}: {reason}")
    if c.extra:
      print(f"  not in JAX: {', '.join(c.extra)}")
  total = sum(len(c.oracle_names) for c in results)
  covered = sum(len(c.covered) for c in results)
  print(f"total: {covered}/{total} = {covered / total:.0%}")


def _print_markdown(results: list[Coverage]) -> None:
  print("| namespace | covered | not yet in pyjax | left out on purpose |")
  print("|---|---|---|---|")
  for c in results:
    missing = ", ".join(f"`{name}`" for name in c.missing) or "-"
    excluded = "; ".join(f"`{name}` ({why})" for name, why in c.excluded.items()) or "-"
    print(f"| `{c.pyjax_name}` | {len(c.covered)}/{len(c.oracle_names)} ({c.share:.0%}) | "
          f"{missing} | {excluded} |")


README = pathlib.Path(__file__).resolve().parent.parent / "README.md"
_START, _END = "<!-- coverage table: start -->", "<!-- coverage table: end -->"


def markdown_table(results: list[Coverage]) -> str:
  buffer = io.StringIO()
  with contextlib.redirect_stdout(buffer):
    _print_markdown(results)
  return buffer.getvalue()


def readme_with_table(readme: str, table: str) -> str:
  """`readme` with the text between the coverage-table markers replaced by `table`."""
  start, end = readme.index(_START) + len(_START), readme.index(_END)
  return readme[:start] + "\n" + table + readme[end:]


def main(argv=None) -> None:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--markdown", action="store_true", help="print README table rows")
  parser.add_argument("--write-readme", action="store_true",
                      help="replace the table in README.md with the current one")
  args = parser.parse_args(argv)
  results = all_coverage()
  if args.write_readme:
    README.write_text(readme_with_table(README.read_text(), markdown_table(results)))
  else:
    (_print_markdown if args.markdown else _print_report)(results)


if __name__ == "__main__":
  main()
