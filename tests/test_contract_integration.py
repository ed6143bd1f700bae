"""The integration contract suite passes the correct example connector and fails each broken one on the check
that names its bug, on every integration scenario where that bug shows (new scenarios are picked up)."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest
from abiquo_mock.contracts import generate, integration
from abiquo_mock.contracts.generate import draw_worlds, read_seats, worlds
from abiquo_mock.contracts.integration_checks import (
    CHECKS,
    ConnectorRun,
    VirtualMachine,
    World,
    exits_cleanly,
    handles_not_apply,
    no_refused_writes,
    preserves_foreign_keys,
    valid_results,
)
from abiquo_mock.mockserver import scenarios

CONNECTORS = Path(__file__).resolve().parent.parent / "examples" / "connectors"
METADATA = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/{}/metadata"


def command(connector: str) -> str:
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(CONNECTORS / connector))}"


def quiet(_line: str) -> None:
    """The suite's table is not needed here: the report is asserted."""


def integration_scenarios() -> list[str]:
    return [name for name in scenarios.names() if "integration" in scenarios.describe(name)["tags"]]


@pytest.fixture(scope="module")
def scenario_vms(mock) -> dict[str, list[VirtualMachine]]:
    """Each integration scenario's VMs, as the mock serves them once the scenario is loaded."""
    client = integration.MockClient(mock.url)
    found = {}
    for name in integration_scenarios():
        client.reset(name)
        client.clear_faults()
        found[name] = list(integration.read_world(client, name, set())[0].vms.values())
    return found


def keeps_foreign_keys(vm: VirtualMachine) -> bool:
    """Where a connector that rebuilds the metadata loses something: keys beside the schedule, or `policies`."""
    metadata = vm.metadata or {}
    return bool(set(metadata) - {"backupSchedule", "backupResults"}) or "policies" in metadata.get("backupSchedule", {})


# every broken example connector, the check that names its bug, and the VMs on which the bug shows
BUGS = {
    "fixed_model_connector.py": ({"preserves-foreign-keys"}, lambda vm: vm.to_back_up and keeps_foreign_keys(vm)),
    "assumes_time_connector.py": (
        {"handles-not-apply", "exits-cleanly"},
        lambda vm: vm.to_back_up and any("time" not in e for _, _, e in vm.entries),
    ),
    "bad_status_connector.py": ({"valid-results"}, lambda vm: vm.to_back_up),
}


@pytest.fixture(scope="module")
def mock():
    with integration.MockProcess() as server:
        yield server


def test_the_good_connector_passes_every_integration_scenario(mock):
    report = integration.run(command("good_connector.py"), url=mock.url, echo=quiet)

    assert report.ok and report.exit_code == 0, report.table()
    assert {row.scenario for row in report.rows} == set(integration_scenarios())
    assert {row.check for row in report.rows} == set(CHECKS) | {"survives-faults"}
    assert {row.scenario for row in report.rows if row.check == "survives-faults"} == {"scale"}


@pytest.mark.parametrize("connector", sorted(BUGS))
def test_a_broken_connector_fails_on_the_check_naming_its_bug(mock, scenario_vms, connector):
    bug_checks, shows_bug = BUGS[connector]
    # the scale world is left to the tests of paging and faults below: it shows these bugs the same way
    relevant = [name for name, vms in scenario_vms.items() if name != "scale" and any(shows_bug(vm) for vm in vms)]
    assert relevant, f"no integration scenario shows the bug of {connector}"

    report = integration.run(command(connector), scenarios=relevant, url=mock.url, echo=quiet)

    assert report.exit_code == 1
    for name in relevant:
        assert report.failed(name) & bug_checks, f"{name}:\n{report.table()}"


# ----------------------------------------------------------------------------------------- the scale world


def test_a_connector_reading_only_first_pages_fails_reads_every_page_and_nothing_else(mock):
    said: list[str] = []
    report = integration.run(command("first_page_connector.py"), scenarios=["scale"], url=mock.url, echo=said.append)

    assert report.failed() == {"reads-every-page"}, report.table()
    failures = next(row.failures for row in report.rows if row.check == "reads-every-page")
    assert any(
        "VM 4 'db-01'" in f and "never fetched page 3 of /api/admin/datacenters (startwith=50)" in f for f in failures
    ), failures[:3]
    assert any("of /api/admin/datacenters/1/racks/1/machines/1/virtualmachines (startwith=" in f for f in failures)


def test_a_connector_that_never_retries_fails_survives_faults_and_nothing_else(mock):
    said: list[str] = []
    report = integration.run(
        command("never_retries_connector.py"), scenarios=["scale"], seed=3, url=mock.url, echo=said.append
    )

    assert report.failed() == {"survives-faults"}, report.table()
    assert "scale: 9 faults on the second pass, seeded 3 (the same --seed replays them)" in said
    failures = next(row.failures for row in report.rows if row.check == "survives-faults")
    assert failures[0].startswith("with faults on: exit status 1")
    assert any("lost with faults on" in f and "--seed 3 replays them" in f for f in failures), failures[:3]


BLIND_RETRY = """
import sys
sys.path.insert(0, {examples!r})
from abiquo_http import ApiError
from good_connector import METADATA_MEDIA, Connector, main

class BlindRetry(Connector):
    name = "blind_retry"

    def sync_vm(self, vm, link):
        # retries the whole pass of the VM: new results each time, though the failed write may have committed
        for _ in range(self.attempts()):
            errors = self.errors
            super().sync_vm(vm, link)
            if self.errors == errors:
                return
            self.errors = errors

    def save(self, link, envelope, results):
        self.client.put_json(link["href"], self.build_put_body(envelope, results), METADATA_MEDIA)

sys.exit(main(BlindRetry))
"""


def test_a_retry_that_stores_a_result_twice_fails_survives_faults(mock, tmp_path):
    script = tmp_path / "blind_retry.py"
    script.write_text(BLIND_RETRY.format(examples=str(CONNECTORS)))
    report = integration.run(
        f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}", scenarios=["scale"], url=mock.url, echo=quiet
    )

    assert report.failed() == {"survives-faults"}, report.table()
    failures = next(row.failures for row in report.rows if row.check == "survives-faults")
    assert any("duplicated after a retry" in f and "answer-lost (committed)" in f for f in failures), failures[:3]


def test_a_failure_names_the_vm_and_the_request(mock, tmp_path):
    junit = tmp_path / "reports" / "integration.xml"
    lines: list[str] = []

    report = integration.run(
        command("bad_status_connector.py"), scenarios=["demo"], url=mock.url, report_junit=str(junit), echo=lines.append
    )

    failures = next(row.failures for row in report.rows if row.check == "valid-results")
    assert any(
        "VM 1 'web-01'" in f and f"PUT {METADATA.format(1)} 400 BC-15" in f and "'success'" in f for f in failures
    ), failures
    assert "demo      valid-results           FAIL" in lines[-1]
    assert '<testcase classname="integration.demo" name="valid-results"><failure' in junit.read_text()


def test_an_unknown_scenario_is_an_error_row_and_the_others_still_run(mock):
    report = integration.run(
        command("good_connector.py"), scenarios=["no-such-world", "demo"], url=mock.url, echo=quiet
    )

    assert [(r.scenario, r.verdict) for r in report.rows][:1] == [("no-such-world", "ERROR")]
    assert all(r.verdict == "PASS" for r in report.rows if r.scenario == "demo")
    assert report.exit_code == integration.COULD_NOT_RUN  # nothing the connector did failed


def test_each_world_is_announced_as_soon_as_it_is_judged(mock):
    lines: list[str] = []

    report = integration.run(command("good_connector.py"), scenarios=["empty", "demo"], url=mock.url, echo=lines.append)

    assert lines[:2] == ["empty: PASS 7/7", "demo: PASS 7/7"]
    assert lines[2].startswith("scenario") and report.exit_code == integration.PASSED


def test_a_connector_that_never_reached_the_api_fails_every_check():
    report = integration.run("exit 1", scenarios=["demo"], url=None, echo=quiet)

    assert [r.verdict for r in report.rows] == ["FAIL"] * len(CHECKS)
    assert "sent no request to the API" in report.rows[1].failures[0]
    assert report.exit_code == integration.FAILED


def test_a_mock_that_cannot_be_reached_is_not_a_connector_failure():
    lines: list[str] = []

    report = integration.run(command("good_connector.py"), url="http://127.0.0.1:9", echo=lines.append)

    assert [(r.scenario, r.verdict) for r in report.rows] == [("(mock)", "ERROR")]
    assert lines[0] == "(mock): ERROR 0/1 (not passed: mock-answers)"
    assert report.exit_code == integration.COULD_NOT_RUN


def test_a_connector_that_hangs_is_killed_at_the_timeout(mock):
    report = integration.run("sleep 30", scenarios=["demo"], timeout=0.5, url=mock.url, echo=quiet)

    exits = next(row for row in report.rows if row.check == "exits-cleanly")
    assert exits.verdict == "FAIL" and "killed" in exits.failures[0]


# ----------------------------------------------------------------------------------------- generated worlds


def test_generated_worlds_are_the_same_for_the_same_seed(mock):
    client = integration.MockClient(mock.url)
    client.reset("demo")
    seats, _ = read_seats(client)

    first, again, other = (draw_worlds(worlds(seats), 4, s) for s in (11, 11, 12))

    assert json.dumps(first) == json.dumps(again)
    assert json.dumps(first) != json.dumps(other)
    forms = {("policyBindings" in md) for world in first + other for _, _, md in world if md}
    assert forms == {True, False}, "both legacy and policy-bound metadata are drawn"


def test_the_good_connector_passes_generated_worlds_and_a_rebuilding_one_does_not(mock):
    said: list[str] = []
    good = integration.run(
        command("good_connector.py"), scenarios=[], generated=2, seed=5, url=mock.url, echo=said.append
    )
    fixed = integration.run(
        command("fixed_model_connector.py"), scenarios=[], generated=2, seed=5, url=mock.url, echo=quiet
    )

    assert good.ok, good.table()
    progress = [f"generated-5-{n}: PASS 7/7" for n in (1, 2)]
    expected = ["generated worlds: seed 5 (run again with --seed 5 to draw the same worlds)", *progress, good.table()]
    assert said == expected, "every drawn world matched the contract and was accepted by the mock"
    assert {row.scenario for row in good.rows} == {"generated-5-1", "generated-5-2"}
    assert "preserves-foreign-keys" in fixed.failed(), fixed.table()


def test_generated_worlds_draw_sizes_that_page_the_same_for_the_same_seed(mock):
    client = integration.MockClient(mock.url)
    sizes = [generate.size_of(5, index) for index in range(6)]

    assert sizes == [generate.size_of(5, index) for index in range(6)]
    assert len(set(sizes)) > 1 and all(150 <= size <= 250 for size in sizes)
    [(_, load)] = list(generate.generated_worlds(client, 1, 5, quiet))
    load()
    listed = client.api("GET", "cloud/virtualmachines", accept=integration.media("virtualmachines")).json()
    assert listed["totalSize"] == 7 + sizes[0]  # the demo's VMs and the drawn size: many pages
    assert client.control("GET", "/faults")["collection"] == []


# ----------------------------------------------------------------------------------------- the checks alone

WEB = VirtualMachine(
    2,
    "web-02",
    "ON",
    {
        "policyBindings": {"complete": {"daily": "GOLD"}},
        "backupSchedule": {"policies": ["GOLD"], "complete": {"daily": {"disks": ["1"]}}},
    },
)
IDLE = VirtualMachine(5, "db-02", "NOT_ALLOCATED", {"backupSchedule": {"complete": {"daily": {"time": "1"}}}})
RESULT = {"id": "r1", "status": "done", "name": "n", "type": "complete", "size": 1, "date": "2026/11/20 00:14:02 +0000"}


def put(vm: int, metadata: dict, status: int = 200, code: str | None = None) -> dict:
    body = json.dumps({"collection": [{"code": code, "message": "refused"}]}) if code else "{}"
    return {
        "method": "PUT",
        "path": METADATA.format(vm),
        "status": status,
        "requestBody": json.dumps({"links": [], "metadata": metadata}),
        "responseBody": body,
    }


def get(vm: int) -> dict:
    return {"method": "GET", "path": METADATA.format(vm), "status": 200, "requestBody": "", "responseBody": "{}"}


def world(*vms: VirtualMachine, refusals=()) -> World:
    return World("hand-made", {vm.id: vm for vm in vms}, set(refusals))


def connector_run(*journal: dict, exit_code: int | None = 0, final=None, stderr: str = "") -> ConnectorRun:
    return ConnectorRun(exit_code, "", stderr, list(journal), final or {}, timeout=5)


def test_a_refused_write_that_dropped_policy_bindings_still_fails_preserves_foreign_keys():
    rebuilt = {"backupSchedule": {"complete": {"daily": {"disks": ["1"]}}}, "backupResults": {"results": [RESULT]}}
    run = connector_run(get(2), put(2, rebuilt, 409, "BC-36"), final={2: WEB.metadata})

    failures = preserves_foreign_keys(world(WEB), run)

    assert failures == [
        f"VM 2 'web-02': PUT {METADATA.format(2)} 409 BC-36 sent keys it does not own changed: "
        "backupSchedule.policies removed, policyBindings removed"
    ]


def test_results_with_a_foreign_status_a_bad_date_a_reused_id_or_on_an_undeployed_vm_are_invalid():
    bad = [dict(RESULT, status="success"), dict(RESULT, id="r2", date="2026-11-20T00:14:02Z"), dict(RESULT, id="r2")]
    run = connector_run(
        put(2, {**WEB.metadata, "backupResults": {"results": bad}}),
        put(5, {**IDLE.metadata, "backupResults": {"results": [RESULT]}}),
    )

    failures = valid_results(world(WEB, IDLE), run)

    assert [f.split(" 200 ")[1] for f in failures] == [
        "result 'r1' has status 'success' (not done|progress|failed)",
        "result 'r2' has date '2026-11-20T00:14:02Z' (not yyyy/MM/dd HH:mm:ss Z)",
        "result id 'r2' is used twice on this VM",
        "wrote 1 result(s) on a VM that is not deployed",
    ]


def test_an_entry_without_time_read_but_given_no_result_fails_handles_not_apply():
    assert handles_not_apply(world(WEB), connector_run(get(2))) == [
        "VM 2 'web-02' has entries without time or days (complete/daily): no result of type complete was written"
    ]
    written = put(2, {**WEB.metadata, "backupResults": {"results": [RESULT]}})
    assert handles_not_apply(world(WEB), connector_run(get(2), written)) == []


def test_a_refusal_the_scenario_expects_is_not_a_failure():
    refused = put(2, WEB.metadata, 409, "BC-36")

    assert no_refused_writes(world(WEB), connector_run(refused)) == [
        f"VM 2 'web-02': PUT {METADATA.format(2)} 409 BC-36 was refused"
    ]
    assert no_refused_writes(world(WEB, refusals=[(2, "BC-36")]), connector_run(refused)) == []


def test_a_crash_names_the_vm_of_the_last_request_and_the_error():
    run = connector_run(get(2), exit_code=1, stderr="Traceback...\nKeyError: 'time'\n")

    assert exits_cleanly(world(WEB), run) == [
        f"exit status 1 after GET {METADATA.format(2)} 200 (VM 2 'web-02'); stderr ends: KeyError: 'time'"
    ]
