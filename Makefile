# tjsim: every target makes its own virtual environment (.venv) and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
# two stamps: running needs the package alone; the test extras (pytest, hypothesis, boto3, dask...) come with `make test`
STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
SCENARIO ?= scenarios/spot-interrupted.yaml
# the suite runs on every core (pytest-xdist); PYTEST_WORKERS=0 runs it in one process
PYTEST_WORKERS ?= auto
# a throwaway environment for `make canary`, made anew each time
CANARY ?= /tmp/tjsim-canary
# the SageMaker SDK v2 (`sagemaker<3`) cannot live beside v3: its tests get an environment of their own
SDK_V2_VENV := .venv-sdk-v2
SDK_V2_STAMP := $(SDK_V2_VENV)/.installed

.PHONY: run test test-sdk-v2 lint canary goldens history notebooks bench bench-fleet bench-replay bench-serve bench-console diagram architecture clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	@echo "tjsim: installing tjsim and what running it needs into $(VENV) (a minute on a fresh machine)"
	$(PIP) install --progress-bar on -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP) pyproject.toml
	@echo "tjsim: installing the test extras into $(VENV)"
	$(PIP) install --progress-bar on -e ".[test]"
	touch $(TEST_STAMP)

## run: replay the default scenario (SCENARIO=...) as a timeline table, a what-if (spot vs on-demand), the example history and its fleet what-if
run: $(STAMP)
	$(BIN)/tjsim validate scenarios/*.yaml
	$(BIN)/tjsim replay $(SCENARIO)
	$(BIN)/tjsim whatif scenarios/whatif-spot-vs-on-demand.yaml --runs 2000
	$(BIN)/tjsim history scenarios/history/example-fleet.jsonl
	$(BIN)/tjsim whatif scenarios/history/whatif-fleet.yaml --runs 40 --workers 2

## test: lint, then the whole test suite: the main environment (SDK v3), then the SDK v2's
test: $(TEST_STAMP) lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal
	$(MAKE) --no-print-directory test-sdk-v2

$(SDK_V2_STAMP): pyproject.toml
	@echo "tjsim: installing tjsim and the SageMaker SDK v2 into $(SDK_V2_VENV)"
	rm -rf $(SDK_V2_VENV)
	$(PYTHON) -m venv $(SDK_V2_VENV)
	$(SDK_V2_VENV)/bin/python -m pip --disable-pip-version-check install --progress-bar on -e ".[sdk-v2]"
	touch $(SDK_V2_STAMP)

## test-sdk-v2: the SageMaker SDK v2 tests (tests/sdk_v2), in their own environment
test-sdk-v2: $(SDK_V2_STAMP)
	$(SDK_V2_VENV)/bin/python -m pytest -n $(PYTEST_WORKERS) tests/sdk_v2

lint: $(TEST_STAMP)
	$(BIN)/ruff check simulator tests benchmarks notebooks tools

## canary: tests/test_shapes.py (botocore's private validator hooks that shapes.py relies on) against the newest botocore, in a throwaway venv
canary:
	rm -rf $(CANARY)
	$(PYTHON) -m venv $(CANARY)
	$(CANARY)/bin/python -m pip --disable-pip-version-check install -q --upgrade -e . botocore pytest pytest-timeout hypothesis
	$(CANARY)/bin/python -c "import botocore; print('tjsim: canary against botocore', botocore.__version__)"
	$(CANARY)/bin/python -m pytest -p no:cacheprovider -q tests/test_shapes.py

## goldens: regenerate tests/golden/*.jsonl from the shipped scenarios (review the diff!)
goldens: $(STAMP)
	@for f in scenarios/*.yaml; do \
		name=$$(basename $$f .yaml); \
		$(BIN)/tjsim replay $$f --format jsonl > tests/golden/$$name.jsonl || exit 1; \
		echo "tests/golden/$$name.jsonl"; \
	done

## notebooks: execute the notebooks in place, keeping their outputs (review, then commit them)
## history: the example history tjsim ships, made again from its parameters (the same bytes)
history: $(STAMP)
	$(BIN)/python -m simulator.fleet.example scenarios/history/example-fleet.yaml > scenarios/history/example-fleet.jsonl

notebooks: $(TEST_STAMP)
	$(BIN)/python notebooks/execute.py

## bench: the engine's cost per transition against the libraries' floor
bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_engine.py

## bench-fleet: a fleet what-if of 1M simulated jobs (1,000 jobs × 5 variants × 200 replicates) on 2 workers, end to end
bench-fleet: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_fleet.py

## bench-replay: what each replay output costs per status change, on spot jobs with more and more interruptions
bench-replay: $(STAMP)
	$(BIN)/python benchmarks/bench_replay.py

## bench-serve: the endpoint's throughput and p99 — describes beside moto_server, logs and metrics, 10,000 jobs
bench-serve: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_serve.py

## bench-console: the console in Chromium with 10,000 jobs, then an hour open on a running clock (memory sampled)
bench-console: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_console.py

diagram: $(STAMP)
	$(BIN)/tjsim diagram

## architecture: draw the dependency picture in docs/architecture.md again from the code (the tests check it)
architecture: $(STAMP)
	$(BIN)/python tools/architecture.py

clean:
	rm -rf $(VENV) $(SDK_V2_VENV) .pytest_cache .ruff_cache .hypothesis
