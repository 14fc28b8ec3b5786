"""tools/api_coverage.py: it runs, its exclusions are true, and pyjax exports no name JAX lacks."""
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import api_coverage  # noqa: E402

RESULTS = {c.oracle_name: c for c in api_coverage.all_coverage()}


def test_every_namespace_is_reported():
  assert [o for o, _ in api_coverage.NAMESPACES] == list(RESULTS)
  for c in RESULTS.values():
    assert 0.0 <= c.share <= 1.0
    assert set(c.covered) | set(c.missing) | set(c.excluded) == set(c.oracle_names)


@pytest.mark.parametrize("oracle_name", sorted(api_coverage.EXCLUDED))
def test_excluded_names_are_in_jax_and_not_in_pyjax(oracle_name):
  c = RESULTS[oracle_name]
  for name, reason in api_coverage.EXCLUDED[oracle_name].items():
    assert reason.strip(), f"{name}: give a reason"
    assert name in c.oracle_names, f"{oracle_name}.{name} is not in JAX: drop it from EXCLUDED"
    assert name not in c.covered, f"{name} is in pyjax now: drop it from EXCLUDED"


@pytest.mark.parametrize("oracle_name", list(RESULTS))
def test_pyjax_exports_no_name_jax_lacks(oracle_name):
  assert RESULTS[oracle_name].extra == [], f"{RESULTS[oracle_name].pyjax_name}"


def test_missing_namespace_counts_as_zero(monkeypatch):
  monkeypatch.setattr(api_coverage, "_import", lambda name: None)
  c = api_coverage.coverage("jax.numpy.fft", "pyjax.no_such_namespace")
  assert not c.present and c.covered == [] and c.share == 0.0 and c.missing == c.oracle_names


def test_stats_submodule_functions_are_listed():
  names = RESULTS["jax.scipy.stats"].oracle_names
  assert "norm.pdf" in names and "rankdata" in names and "norm" not in names


def test_script_prints_report_and_markdown():
  for flags in ([], ["--markdown"]):
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "api_coverage.py"), *flags],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    if flags:
      rows = [line for line in out.splitlines() if line.startswith("| `")]
      assert len(rows) == len(api_coverage.NAMESPACES)
      assert "| `pyjax.numpy` |" in out
    else:
      assert "pyjax.numpy:" in out and "total:" in out
  assert importlib.import_module("jax").__version__ == "0.10.2"


def test_readme_coverage_table_is_current():
  """The README's table is what the script prints now (regenerate: tools/api_coverage.py
  --write-readme)."""
  readme = api_coverage.README.read_text()
  current = api_coverage.readme_with_table(readme, api_coverage.markdown_table(
      api_coverage.all_coverage()))
  assert readme == current, "README.md's coverage table is stale: run tools/api_coverage.py " \
                            "--write-readme"
