"""The provider contract suite holds against the mock: a real server process, fixed seeds, no failure."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from abiquo_mock.contracts import junit, provider
from abiquo_mock.contracts.server import MockServer
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.cli import LOCAL_MOCK

QUICK = provider.Settings(max_examples=2, phases=("fuzzing",), paths=r"^/api/admin/datacenters$")
# One seed finds what its draws happen to reach: every run checks these, and CI adds a random one of its own
# (ABIQUO_MOCK_PROVIDER_SEED, which .ci/run prints), so that a class of bugs shows the day it appears. They run
# the phases whose cases the seed draws; the coverage phase, which derives its cases from the contract alone
# and is two thirds of a run, runs once, in test_the_mock_honours_the_contract (seed 42, 25 cases).
SEEDS = (1, 7, 42, 1234)
SEEDED_EXAMPLES = 5
SEEDED_PHASES = ("examples", "fuzzing", "stateful")


def seeds() -> tuple[int, ...]:
    extra = os.environ.get("ABIQUO_MOCK_PROVIDER_SEED")
    return SEEDS + ((int(extra),) if extra and int(extra) not in SEEDS else ())


def failures_and_errors(report) -> int:
    suites = ET.parse(report).getroot()
    return int(suites.get("failures") or 0) + int(suites.get("errors") or 0)


@pytest.mark.slow
def test_the_mock_honours_the_contract(tmp_path):
    report = tmp_path / "provider.xml"
    with MockServer("--memory") as server:
        exit_code = provider.run(server.url, report_junit=str(report))
    assert exit_code == 0, "the provider suite found failures against the mock (see the output above)"
    assert "<testsuite" in report.read_text()


def _run_at(seed: int, folder) -> tuple[int, list[str]]:
    lines: list[str] = []
    with MockServer("--memory") as server:
        code = provider.run(
            server.url,
            seed=seed,
            max_examples=SEEDED_EXAMPLES,
            phases=SEEDED_PHASES,
            report_junit=str(folder / f"provider-{seed}.xml"),
            echo=lines.append,
        )
    return code, lines


@pytest.mark.slow
def test_the_mock_honours_the_contract_at_every_seed(tmp_path):
    chosen = seeds()
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:  # each seed its own mock process and schemathesis
        outcomes = dict(zip(chosen, pool.map(lambda seed: _run_at(seed, tmp_path), chosen), strict=True))

    failed = {seed: lines for seed, (code, lines) in outcomes.items() if code != provider.PASSED}
    assert not failed, "\n\n".join(
        f"seed {seed} (replay: abiquo-mock contract provider --seed {seed} --max-examples {SEEDED_EXAMPLES}):\n"
        + "\n".join(lines[-60:])
        for seed, lines in failed.items()
    )


def test_a_trailing_api_in_the_url_names_the_same_server():
    assert provider.base_url_of("http://h:8080/api/") == "http://h:8080"
    assert provider.base_url_of("http://h:8080") == "http://h:8080"


def test_without_a_served_document_the_built_contract_is_used():
    document, source = provider.contract_document("http://127.0.0.1:9", LOCAL_MOCK)  # nothing listens there
    assert source == "built by abiquo_mock.mockserver.openapi"
    assert "/api/admin/datacenters" in document["paths"]
    assert provider.contract_document("http://127.0.0.1:9") == (None, "none")  # no mock handed in: none built


def test_an_unknown_phase_is_refused():
    with pytest.raises(ValueError, match="unknown phase"):
        provider.schemathesis_config(provider.Settings(phases=("fuzzing", "everything")))


def test_an_unreachable_server_fails_at_once_in_one_line_and_in_the_report(tmp_path):
    lines: list[str] = []
    report = tmp_path / "provider.xml"

    code = provider.run("http://127.0.0.1:9", report_junit=str(report), echo=lines.append)

    assert code == provider.COULD_NOT_RUN
    assert lines == ["contract provider: could not run: no answer from http://127.0.0.1:9: ConnectionError"]
    assert failures_and_errors(report) == 1


def test_refused_credentials_fail_at_once_in_one_line_and_in_the_report(tmp_path):
    lines: list[str] = []
    settings = replace(QUICK, password="not-the-password", report_junit=str(tmp_path / "provider.xml"))

    outcome = provider.execute_in_process(create_app({"SCENARIO": "demo"}), settings, lines.append)

    assert outcome.exit_code == provider.COULD_NOT_RUN
    assert len(lines) == 1 and "refused the credentials of 'admin'" in lines[0]
    assert failures_and_errors(settings.report_junit) == 1


def test_the_seed_is_printed_and_handed_to_the_engine():
    lines: list[str] = []

    outcome = provider.execute_in_process(create_app({"SCENARIO": "demo"}), replace(QUICK, seed=7), lines.append)

    assert outcome.exit_code == provider.PASSED
    assert "contract provider: seed 7 (run again with --seed 7 to replay these requests)" in lines
    assert "Seed: 7" in lines


def test_a_failed_run_without_a_failing_case_is_still_a_failure_in_the_report(tmp_path):
    report = tmp_path / "run.xml"
    report.write_text('<testsuites tests="1" failures="0" errors="0"><testsuite name="s" tests="1"/></testsuites>')

    junit.record_problem(report, "abiquo-mock provider", "run", "schemathesis exited 1", "its last lines")

    assert failures_and_errors(report) == 1 and junit.counts_failures(report)


@pytest.mark.slow
def test_the_mock_honours_the_contract_in_xml(tmp_path):
    lines: list[str] = []
    with MockServer("--memory") as server:
        code = provider.run(server.url, max_examples=5, phases=("fuzzing", "stateful"), form="xml", echo=lines.append)
    assert code == 0, "\n".join(lines[-60:])


def test_a_run_in_one_rendering_documents_that_rendering_alone():
    from abiquo_mock.mockserver.openapi import build

    create_app()
    for form, other in (("json", "+xml"), ("xml", "+json")):
        document = provider.in_format(build(), form)
        answers = [
            kind
            for item in document["paths"].values()
            for op in item.values()
            for response in op["responses"].values()
            for kind in response.get("content", {})
        ]
        bodies = [
            kind
            for item in document["paths"].values()
            for op in item.values()
            for kind in op.get("requestBody", {}).get("content", {})
        ]
        assert answers and not [k for k in answers if other in k and "errors" not in k]  # the stream: JSON alone
        assert bodies and not [k for k in bodies if "+xml" in k]  # bodies are generated as JSON either way
