# The two commands a newcomer runs: `make demo` and `make test`. Each creates .venv when missing
# and installs pyjax (editable) with the extra it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test bench clean

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10) and "pyjax needs Python >= 3.10")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-%: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[$*]'
	@touch $@

demo: $(VENV)/.installed-examples
	$(PY) examples/quickstart.py
	$(PY) examples/mlp_sin.py

test: $(VENV)/.installed-test
	$(PY) -m pytest -q -n 2 tests

bench: $(VENV)/.installed-test
	for script in bench/*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
