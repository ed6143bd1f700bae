"""Fixtures: an app per test with its own in-memory store, and the same tests over a real server process."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import store_of
from flask import g, request_finished

from .support import HttpApi, InProcessApi, ServerProcess

# Which tests answered which operation and error code, for the fidelity table (make fidelity).
RECORD_COVERAGE = os.environ.get("ABIQUO_MOCK_RECORD_COVERAGE") == "1"
COVERAGE_FILE = Path(__file__).resolve().parent.parent / "reports" / "coverage.json"
_coverage: dict[str, dict[str, set]] = {"operations": defaultdict(set), "errors": defaultdict(set)}


def _record_coverage(sender, response, **extra):
    test = os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0].split("[")[0]
    operation = getattr(g, "operation", None)
    if operation is not None:
        _coverage["operations"][operation.op_id].add(test)
    if response.status_code >= 400 and "errors+json" in response.content_type:
        for error in json.loads(response.get_data()).get("collection", []):
            _coverage["errors"][error.get("code")].add(test)


if RECORD_COVERAGE:  # every app any test builds, whatever its scenario
    request_finished.connect(_record_coverage, weak=False)


def pytest_sessionfinish(session):
    if RECORD_COVERAGE:
        COVERAGE_FILE.parent.mkdir(exist_ok=True)
        COVERAGE_FILE.write_text(
            json.dumps({kind: {k: sorted(v) for k, v in found.items()} for kind, found in _coverage.items()}, indent=1)
        )


@pytest.fixture
def app():
    return create_app({"DB_PATH": None, "SCENARIO": "demo"})


@pytest.fixture
def store(app):
    return store_of(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live_server():
    server = ServerProcess("--memory").wait_ready()
    yield server
    server.stop()


@pytest.fixture(params=["in-process", "http"])
def api(request, app):
    """The demo world, reached in-process and over HTTP: every test using it runs twice."""
    if request.param == "in-process":
        return InProcessApi(app)
    http = HttpApi(request.getfixturevalue("live_server").url)
    http.reset("demo")
    return http


@pytest.fixture
def inproc(app):
    return InProcessApi(app)
