"""The provider contract suite holds against the mock: a real server process, a fixed seed, no failure."""

from __future__ import annotations

import pytest

from contracts import provider
from contracts.server import MockServer


@pytest.mark.slow
def test_the_mock_honours_the_contract(tmp_path):
    report = tmp_path / "provider.xml"
    with MockServer("--memory") as server:
        exit_code = provider.run(server.url, report_junit=str(report))
    assert exit_code == 0, "the provider suite found failures against the mock (see the output above)"
    assert "<testsuite" in report.read_text()


def test_a_trailing_api_in_the_url_names_the_same_server():
    assert provider.base_url_of("http://h:8080/api/") == "http://h:8080"
    assert provider.base_url_of("http://h:8080") == "http://h:8080"


def test_without_a_served_document_the_built_contract_is_used():
    document, source = provider.contract_document("http://127.0.0.1:9")  # nothing listens there
    assert source == "built by mockserver.openapi"
    assert "/api/admin/datacenters" in document["paths"]


def test_an_unknown_phase_is_refused():
    with pytest.raises(ValueError, match="unknown phase"):
        provider.schemathesis_config(provider.Settings(phases=("fuzzing", "everything")))
