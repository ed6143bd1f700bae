"""The integration suite's listening mode on the example connectors: the event-driven one passes every check,
each broken one fails exactly the check that names its bug (over a real server: the stream needs the door)."""

from __future__ import annotations

import sys

import pytest
from abiquo_mock.contracts import integration
from abiquo_mock.contracts.client import MockProcess

CONNECTORS = {
    "listening_connector.py": set(),
    "deaf_to_deploys_connector.py": {"reacts-to-deploy"},
    "undeploy_as_deploy_connector.py": {"stops-on-undeploy"},
    "echo_connector.py": {"ignores-own-events"},
    "forgetful_connector.py": {"catches-up"},
    "chunk_listener_connector.py": {"catches-up"},  # reads as Abiquo's events-notifier: a chunk an event, no cursor
}


@pytest.fixture(scope="module")
def mock():
    server = MockProcess().wait_ready()
    yield server
    server.stop()


@pytest.mark.parametrize(("connector", "fails"), CONNECTORS.items())
def test_each_connector_fails_exactly_the_check_of_its_bug(mock, connector, fails):
    command = f"{sys.executable} examples/connectors/{connector}"
    report = integration.run(command, url=mock.url, listening=True, echo=lambda line: None)
    assert report.rows, "the suite judged nothing"
    assert {row.scenario for row in report.rows} == {"living"}
    assert report.failed() == fails, report.table()
