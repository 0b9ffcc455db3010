# The two commands a newcomer runs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean bench-venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/thresher run examples/corpus -o out/demo --force
	@echo "demo output: out/demo (kept/, rejected/, quarantine.jsonl, summary.json, report.html)"

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache

# Benchmark tooling only: datatrove (and spaCy) beside thresher, for bench/compare_datatrove.py.
# datatrove is never a dependency of thresher itself.
BENCH_VENV := .venv-datatrove
bench-venv: $(BENCH_VENV)/.installed

$(BENCH_VENV)/.installed: bench/requirements-datatrove.txt pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -r bench/requirements-datatrove.txt
	$(BENCH_VENV)/bin/python -m pip install --quiet -e .
	touch $@
