# tjsim: every target makes its own virtual environment (.venv) and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCENARIO ?= scenarios/spot-interrupted.yaml

.PHONY: run test lint goldens notebooks bench bench-serve diagram clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -qq --disable-pip-version-check -e ".[test]"
	touch $(STAMP)

## run: replay the default scenario (SCENARIO=...) as a timeline table, then a what-if: spot vs on-demand
run: $(STAMP)
	$(BIN)/tjsim validate scenarios/*.yaml
	$(BIN)/tjsim replay $(SCENARIO)
	$(BIN)/tjsim whatif scenarios/whatif-spot-vs-on-demand.yaml --runs 2000

## test: lint, then the whole test suite
test: $(STAMP) lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check simulator tests benchmarks notebooks

## goldens: regenerate tests/golden/*.jsonl from the shipped scenarios (review the diff!)
goldens: $(STAMP)
	@for f in scenarios/*.yaml; do \
		name=$$(basename $$f .yaml); \
		$(BIN)/tjsim replay $$f --format jsonl > tests/golden/$$name.jsonl || exit 1; \
		echo "tests/golden/$$name.jsonl"; \
	done

## notebooks: execute the notebooks in place, keeping their outputs (review, then commit them)
notebooks: $(STAMP)
	$(BIN)/python notebooks/execute.py

## bench: the engine's cost per transition against the libraries' floor
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

## bench-serve: DescribeTrainingJob throughput and p99 of tjsim serve beside moto_server (installs moto)
bench-serve: $(STAMP)
	$(BIN)/python -m pip install -qq --disable-pip-version-check "moto[server]"
	$(BIN)/python benchmarks/bench_serve.py

diagram: $(STAMP)
	$(BIN)/tjsim diagram

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
