# Every target creates and uses .venv by itself: a fresh clone needs only Python 3.11+ and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8080
DB ?= var/abiquo-mock.json

.PHONY: serve lint test bench bench-console screenshots soak bounds contract-provider contract-integration fidelity clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

serve: $(STAMP)  ## start the mock on its embedded default (TinyDB file, demo scenario for a new store)
	$(VENV)/bin/abiquo-mock serve --port $(PORT) --db $(DB)

lint: $(STAMP)  ## formatter and linter, both must be clean
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

test: $(STAMP) lint  ## lint, then the whole suite: unit, HTTP, durability, contract suites, connectors, browser
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		echo "make test: NO BROWSER (chromium and chromedriver not found): the console's browser tests are SKIPPED; install Debian's chromium and chromium-driver to run them"
	$(PY) -m pytest -rs

bench: $(STAMP)  ## print throughput and latency figures (no pass/fail)
	$(PY) -m benchmarks.run

screenshots: $(STAMP)  ## run the console's browser tests, keeping their screenshots in docs/screenshots for the README
	ABIQUO_MOCK_SCREENSHOTS=docs/screenshots $(PY) -m pytest -rs -q tests/test_console_browser.py

bench-console: $(STAMP)  ## print how fast the console's pages answer at 10,000 VMs (no pass/fail)
	$(PY) -m benchmarks.console

soak: $(STAMP)  ## mixed load for minutes (MINUTES=3): GET p99, worker memory, journal and store size over time
	$(PY) -m benchmarks.soak --minutes $(or $(MINUTES),3)

bounds: $(STAMP)  ## worker memory and store files after many large writes (PUTS=10000 SIZE=70000)
	$(PY) -m benchmarks.bounds --puts $(or $(PUTS),10000) --size $(or $(SIZE),70000)

fidelity: $(STAMP)  ## run the suite recording coverage, then regenerate docs/FIDELITY.md
	ABIQUO_MOCK_RECORD_COVERAGE=1 $(PY) -m pytest -q
	$(PY) -m mockserver.fidelity > docs/FIDELITY.md

clean:
	rm -rf $(VENV) var reports .hypothesis .schemathesis
