# The two commands a new user needs: `make demo` and `make test`. `make bench` runs the benchmarks.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install test demo bench clean

install: $(STAMP)

# torch is pinned in constraints.txt (a CPU build on local disk), not in the package metadata.
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c constraints.txt torch==2.13.0
	$(PY) -m pip install -q -c constraints.txt -e '.[test,eval]'
	touch $(STAMP)

test: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts
	$(PY) -m mypy src/weaviate_recsys
	$(PY) -m pytest -q

demo: $(STAMP)
	$(VENV)/bin/weaviate-recsys demo

bench: $(STAMP)
	$(PY) benchmarks/run_all.py --out bench-results

clean:
	rm -rf $(VENV) .weaviate-recsys bench-results
