"""Fixtures: an app per test with its own in-memory store, and the same tests over a real server process."""
from __future__ import annotations

import pytest

from mockserver.app import create_app

from .support import HttpApi, InProcessApi, ServerProcess


@pytest.fixture
def app():
    return create_app({"DB_PATH": None, "SCENARIO": "demo"})


@pytest.fixture
def store(app):
    return app.extensions["abiquo_store"]


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
