"""The pytest plugin: a user's connector test with the abiquo_mock fixture, run by pytest as a user would."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

pytest_plugins = ["pytester"]

CONNECTORS = Path(__file__).resolve().parent.parent / "examples" / "connectors"

# the README's example, word for word apart from the connector's path
CONNECTOR_TEST = """
import os, subprocess, sys
import pytest

@pytest.mark.abiquo_scenario("demo")
def test_connector_reports_a_backup(abiquo_mock):
    subprocess.run([sys.executable, {connector!r}], env={{**os.environ, **abiquo_mock.env}}, check=True)
    results = abiquo_mock.metadata(1)["backupResults"]["results"]
    assert results[-1]["status"] == "done"
    assert [e["status"] for e in abiquo_mock.journal(method="PUT")] == [200, 200, 200, 200]
"""


def test_a_connector_test_written_with_the_fixture_passes(pytester):
    pytester.makepyfile(CONNECTOR_TEST.format(connector=str(CONNECTORS / "good_connector.py")))

    result = pytester.runpytest("-p", "no:cacheprovider")

    result.assert_outcomes(passed=1)


def test_the_same_test_catches_a_broken_connector(pytester):
    pytester.makepyfile(CONNECTOR_TEST.format(connector=str(CONNECTORS / "bad_status_connector.py")))

    result = pytester.runpytest("-p", "no:cacheprovider")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*CalledProcessError*"])


def test_each_test_gets_its_own_scenario_and_an_empty_journal(pytester):
    pytester.makepyfile("""
        import pytest

        @pytest.mark.abiquo_scenario("empty")
        def test_empty(abiquo_mock):
            assert abiquo_mock.scenario == "empty" and abiquo_mock.journal() == []

        def test_default_is_demo_and_untouched(abiquo_mock):
            assert abiquo_mock.scenario == "demo"
            assert abiquo_mock.metadata(2)["policyBindings"] == {"complete": {"daily": "GOLD", "hourly": "GOLD"},
                                                                 "filesystem": {"weekly_planned": "NAFS"}}
    """)

    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers")

    result.assert_outcomes(passed=2)


@pytest.mark.slow
def test_the_plugin_starts_nothing_for_a_test_that_does_not_use_it(pytester):
    # a fresh interpreter, so that what this session imported does not count
    pytester.makepyfile("""
        import sys

        def test_plain():
            assert "abiquo_mock.contracts.integration" not in sys.modules
    """)

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--strict-markers")

    result.assert_outcomes(passed=1)


@pytest.mark.abiquo_scenario("demo")
def test_the_fixture_deploys_undeploys_and_records(abiquo_mock):
    assert abiquo_mock.api_url == abiquo_mock.url + "/api" and abiquo_mock.user == "admin"

    assert abiquo_mock.set_state(5, "ON")["machine"] is not None
    assert state_of(abiquo_mock, 5) == "ON"
    abiquo_mock.metadata(5)
    reads = abiquo_mock.journal(path="/api/cloud", method="GET")
    assert reads and all(e["method"] == "GET" and e["path"].startswith("/api/cloud") for e in reads)

    abiquo_mock.clear_journal()
    assert abiquo_mock.journal() == []
    abiquo_mock.reset()
    assert state_of(abiquo_mock, 5) == "NOT_ALLOCATED"


def state_of(mock, vm_id: int) -> str:
    answer = requests.get(mock.api_url + "/cloud/virtualmachines", auth=(mock.user, mock.password), timeout=10)
    return next(vm["state"] for vm in answer.json()["collection"] if vm["id"] == vm_id)


def test_the_fixture_counts_and_verifies_requests(abiquo_mock):
    abiquo_mock.metadata(1)
    requests.get(abiquo_mock.api_url + "/admin/datacenters", auth=("nobody", "x"), timeout=10)

    assert abiquo_mock.count(status="4xx") == 1
    assert abiquo_mock.journal(status=401)[0]["path"] == "/api/admin/datacenters"
    assert abiquo_mock.verify(1, pathPattern="/api/cloud/*/metadata", method="GET") == 1
    abiquo_mock.verify(at_least=2, status="2xx")
    with pytest.raises(AssertionError, match=r"expected \{'count': 2\} requests matching .*PUT.*, found 0"):
        abiquo_mock.verify(2, method="PUT")


def test_the_fixture_serves_a_3_8_world_and_upgrades_it(abiquo_mock):
    import requests

    abiquo_mock.load("legacy-3.8")
    assert requests.get(abiquo_mock.api_url + "/version", timeout=5).text == "3.8.0"
    tools = {"backupSchedule": {"complete": {"daily": {"disks": ["7527"]}}, "filesystem": {}}, "key1": "value1"}
    assert abiquo_mock.metadata(7) == tools
    assert abiquo_mock.upgrade()["changed"] is True
    assert requests.get(abiquo_mock.api_url + "/version", timeout=5).text == "3.8.5"
    assert abiquo_mock.metadata(7)["policyBindings"] == {"complete": {"daily": "COMPLETE-DAILY-1"}}
