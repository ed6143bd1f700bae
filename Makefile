# Every target creates and uses .venv by itself: a fresh clone needs only Python 3.11+ and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8080
DB ?= var/abiquo-mock.json
# The suite runs on as many pytest-xdist workers as the machine has cores, one test file per worker at a time
# (a file's tests share its servers); TEST_WORKERS=0 runs it in this one process.
TEST_WORKERS ?= auto
TEST_FLAGS := -n $(TEST_WORKERS) --dist loadfile

# The lowest schemathesis pyproject.toml allows, for the provider tests in a venv of their own.
SCHEMATHESIS_LOWEST := $(shell sed -n 's/.*"schemathesis>=\([0-9.]*\),.*/\1/p' pyproject.toml)
# Python 3.12 and 3.13 wherever this machine has them: on the PATH, or installed by pyenv but not selected.
OTHER_PYTHONS ?= $(shell for v in 3.12 3.13; do for c in python$$v $$HOME/.pyenv/versions/$$v*/bin/python$$v; do \
	$$c -c '' 2>/dev/null && { echo $$c; break; }; done; done)

.PHONY: docs docs-check dist serve lint test java-connectors stream-soak bench bench-console screenshots soak bounds contract-provider contract-integration fidelity clean
.PHONY: test-schemathesis-lowest test-pythons test-package test-install image image-test lock certify-examples

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[contract,dev]'
	touch $(STAMP)

serve: $(STAMP)  ## start the mock on its embedded default (TinyDB file, demo scenario for a new store)
	$(VENV)/bin/abiquo-mock serve --port $(PORT) --db $(DB) --access-log

lint: $(STAMP)  ## formatter and linter, both must be clean
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

test: $(STAMP) lint  ## lint, then the whole suite: unit, HTTP, durability, contract suites, connectors, browser
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		echo "make test: NO BROWSER (chromium and chromedriver not found): the console's browser tests are SKIPPED; install Debian's chromium and chromium-driver to run them"
	@examples/java/build --check 2>/dev/null || \
		echo "make test: NO JAVA (a JDK or Debian's Jackson not found): the Java connectors' tests are SKIPPED; install Debian's openjdk-17-jdk-headless and libjackson2-databind-java to run them"
	$(PY) -m pytest -rs $(TEST_FLAGS)

java-connectors:  ## build the Java example connectors with javac against Debian's Jackson (examples/java/out)
	examples/java/build

stream-soak: $(STAMP)  ## 1,000 writes, 10 event streams, 3 forced disconnects: none lost, none twice
	ABIQUO_MOCK_STREAM_WRITES=1000 $(PY) -m pytest -q tests/test_stream.py -k "forced_disconnects"

test-schemathesis-lowest:  ## the provider suite's tests on the lowest schemathesis allowed (venv .venv-st-lowest)
	test -x .venv-st-lowest/bin/python || $(PYTHON) -m venv .venv-st-lowest
	.venv-st-lowest/bin/python -m pip install --quiet -e '.[contract,dev]' 'schemathesis==$(SCHEMATHESIS_LOWEST)'
	.venv-st-lowest/bin/python -m pip show schemathesis | grep ^Version
	.venv-st-lowest/bin/python -m pytest -q tests/test_contract_provider.py tests/test_checks_catch_bugs.py

test-pythons:  ## the whole suite on Python 3.12 and 3.13 where this machine has them (venvs .venv-python3.x)
	@test -n "$(OTHER_PYTHONS)" || echo "test-pythons: neither Python 3.12 nor 3.13 on this machine, nothing run"
	@for py in $(OTHER_PYTHONS); do \
	  venv=.venv-$$(basename $$py); \
	  test -x $$venv/bin/python || $$py -m venv $$venv || exit 1; \
	  $$venv/bin/python -m pip install --quiet -e '.[contract,dev]' || exit 1; \
	  echo "== $$($$venv/bin/python --version)"; \
	  $$venv/bin/python -m pytest -q $(TEST_FLAGS) || exit 1; \
	done

dist: $(STAMP)  ## the wheel and the sdist in dist/, checked as an index would check them (twine check --strict)
	rm -rf dist
	$(PY) -m build --outdir dist .
	$(PY) -m twine check --strict dist/*

test-install:  ## the install lines of the README and docs/ci.md, each from a fresh shell in a fresh clone
	ABIQUO_MOCK_INSTALL_TESTS=1 $(PY) -m pytest -q -rs tests/test_install.py

test-package: $(STAMP)  ## build the wheel and sdist, install the wheel in a fresh venv outside the checkout, use it as a user would
	ABIQUO_MOCK_PACKAGE_TESTS=1 $(PY) -m pytest -q -rs tests/test_package.py

image:  ## the serving image (abiquo-mock) and the one with the contract suites (abiquo-mock:contract), with Docker or podman
	@engine=$$(docker info >/dev/null 2>&1 && echo docker || { command -v podman >/dev/null && echo podman; }); \
	test -n "$$engine" || { echo "make image: neither a Docker daemon nor podman (make image-test installs podman)"; exit 1; }; \
	format=$$(test $$engine = podman && echo --format docker); \
	set -x; $$engine build $$format -t abiquo-mock . && $$engine build $$format --target contract -t abiquo-mock:contract . \
	&& $$engine image ls abiquo-mock

image-test:  ## build both images, print their sizes and build times, test them (.ci/image: podman where no Docker daemon)
	bash .ci/image

lock:  ## pin the image's dependencies again (requirements/*.txt) from pyproject.toml
	$(PYTHON) requirements/lock.py

bench: $(STAMP)  ## print throughput and latency figures (no pass/fail); ANCHORS=1 adds WireMock side by side
	$(PY) -m compileall -q mockserver contracts abiquo_mock  # bytecode, as after any first start or a wheel install
	$(PY) -m benchmarks.run $(if $(ANCHORS),--anchors)

screenshots: $(STAMP)  ## run the browser tests (console, certification report), keeping their screenshots in docs/screenshots for the README
	ABIQUO_MOCK_SCREENSHOTS=docs/screenshots $(PY) -m pytest -rs -q tests/test_console_browser.py tests/test_certify_browser.py

certify-examples: $(STAMP)  ## certify every example connector on every world: each passes or fails exactly the obligation of its bug
	@if examples/java/build --check; then examples/java/build >/dev/null; fi  # the Java ones, where a JDK and Jackson are
	ABIQUO_MOCK_CERTIFY_EXAMPLES=1 $(PY) -m pytest -rs -q -s tests/test_certify_examples.py

bench-console: $(STAMP)  ## print how fast the console's pages answer at 10,000 VMs (no pass/fail)
	$(PY) -m benchmarks.console

soak: $(STAMP)  ## mixed load for minutes (MINUTES=3): GET p99, worker memory, journal and store size over time
	$(PY) -m benchmarks.soak --minutes $(or $(MINUTES),3)

bounds: $(STAMP)  ## worker memory and store files after many large writes (PUTS=10000 SIZE=70000)
	$(PY) -m benchmarks.bounds --puts $(or $(PUTS),10000) --size $(or $(SIZE),70000)

docs: $(STAMP)  ## write every sample output of the README and docs/ again from real runs, and the screenshots
	$(PY) -m tests.docs_samples --write
	$(MAKE) --no-print-directory screenshots

docs-check: $(STAMP)  ## every sample output of the README and docs/ against a real run, the provider suite's and certify's included
	ABIQUO_MOCK_DOC_SAMPLES=all $(PY) -m pytest -q -rs tests/test_doc_samples.py

fidelity: $(STAMP)  ## run the suite recording coverage, then regenerate docs/FIDELITY.md
	ABIQUO_MOCK_RECORD_COVERAGE=1 $(PY) -m pytest -q
	$(PY) -m abiquo_mock.mockserver.fidelity > docs/FIDELITY.md

clean:
	rm -rf $(VENV) .venv-st-lowest .venv-python3.* var reports dist .hypothesis .schemathesis
