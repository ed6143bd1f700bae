"""``contract integration --across-upgrade``: a connector run on each legacy world served as Abiquo 3.8, the world
upgraded to 3.8.5 and the connector run again (or upgraded while it listens). Correct connectors written for 3.8 and
for 3.8.5 pass; every connector that reads the metadata wrongly once policyBindings appears fails survives-upgrade,
and only that; ``--abiquo 3.8,3.8.5`` prints the matrix of worlds and releases."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest
from abiquo_mock.contracts import integration
from abiquo_mock.contracts.integration_checks import CHECKS, ConnectorRun, VirtualMachine, World
from abiquo_mock.contracts.listening_checks import CHECKS as LISTENING_CHECKS
from abiquo_mock.contracts.upgrade_checks import survives_upgrade

CONNECTORS = Path(__file__).resolve().parent.parent / "examples" / "connectors"
METADATA = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/{}/metadata"


def command(script: Path) -> str:
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"


def quiet(_line: str) -> None:
    """The suite's table is not needed here: the report is asserted."""


@pytest.fixture(scope="module")
def mock():
    with integration.MockProcess() as server:
        yield server


def across(mock, script: Path, **options) -> integration.IntegrationReport:
    return integration.run(command(script), across_upgrade=True, url=mock.url, echo=quiet, **options)


@pytest.mark.parametrize("connector", ["good_connector.py", "legacy_connector.py"])
def test_a_correct_connector_written_for_3_8_or_3_8_5_survives_the_upgrade(mock, connector):
    report = across(mock, CONNECTORS / connector)

    assert report.ok, report.table()
    assert {row.scenario for row in report.rows} == {"legacy-3.8"}
    assert [row.check for row in report.rows] == [*CHECKS, "survives-upgrade"]
    assert {row.abiquo for row in report.rows} == {"3.8→3.8.5"}


def test_the_connector_that_takes_every_object_for_a_schedule_fails_survives_upgrade_only(mock):
    report = across(mock, CONNECTORS / "every_key_connector.py")

    assert report.failed() == {"survives-upgrade"} and report.exit_code == integration.FAILED, report.table()
    failures = next(row.failures for row in report.rows if row.check == "survives-upgrade")
    assert failures[0].startswith("after the upgrade: exit status 1 after GET ")
    assert "AttributeError" in failures[0]
    assert any("VM 7 'tools-01' was bound by the upgrade" in f and "COMPLETE-DAILY-1" in f for f in failures)


# Other connectors of the same kind: each reads or writes the metadata wrongly once policyBindings is there, in its
# own way, and works on 3.8.
VARIANTS = {
    "reads_bindings_as_entries": """
    def entries_of(self, metadata):  # every object but the results is a schedule; a policy code is an empty entry
        found = []
        for key, value in (metadata or {}).items():
            if key != "backupResults" and isinstance(value, dict):
                for kind, granularities in value.items():
                    found += [(kind, g, e if isinstance(e, dict) else {}) for g, e in granularities.items()]
        return found
""",
    "drops_keys_it_never_knew": """
    def build_put_body(self, envelope, results):  # keeps the keys 3.8 had, drops the rest
        body = super().build_put_body(envelope, results)
        body["metadata"] = {k: v for k, v in body["metadata"].items() if k != "policyBindings"}
        return body
""",
    "skips_vms_with_policies": """
    def entries_of(self, metadata):  # "policies are not ours": a VM with bindings is left alone
        return [] if "policyBindings" in (metadata or {}) else super().entries_of(metadata)
""",
}
VARIANT = """
import sys
sys.path.insert(0, {examples!r})
from good_connector import Connector, main

class Variant(Connector):
    name = "variant"
{body}
sys.exit(main(Variant))
"""


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_any_connector_that_misreads_the_metadata_once_bindings_appear_fails_survives_upgrade_only(
    mock, tmp_path, variant
):
    script = tmp_path / f"{variant}.py"
    script.write_text(VARIANT.format(examples=str(CONNECTORS), body=VARIANTS[variant]))

    report = across(mock, script)

    assert report.failed() == {"survives-upgrade"}, report.table()
    failures = next(row.failures for row in report.rows if row.check == "survives-upgrade")
    assert all(f.startswith(("VM ", "after the upgrade: VM ")) for f in failures), failures


def test_the_listening_connector_survives_an_upgrade_while_it_listens(mock):
    report = across(mock, CONNECTORS / "listening_connector.py", listening=True)

    assert report.ok, report.table()
    assert [row.check for row in report.rows] == [*LISTENING_CHECKS, "survives-upgrade"]


LISTENING_VARIANT = """
import sys
sys.path.insert(0, {examples!r})
from listening_connector import ListeningConnector, main

class Variant(ListeningConnector):
    def back_up(self, vm_uri, check_state=True):
        vm = self.client.get_json(self.client.url(vm_uri), "application/vnd.abiquo.virtualmachine+json")
        metadata = self.client.get_json(next(l["href"] for l in vm["links"] if l["rel"] == "metadata"),
                                        "application/vnd.abiquo.metadata+json").get("metadata") or {{}}
        if "policyBindings" in metadata:
            return  # "not a 3.8 VM"
        return super().back_up(vm_uri, check_state)

sys.exit(main(Variant))
"""


def test_a_listening_connector_that_ignores_the_vms_the_upgrade_bound_fails_survives_upgrade(mock, tmp_path):
    script = tmp_path / "ignores_bound.py"
    script.write_text(LISTENING_VARIANT.format(examples=str(CONNECTORS)))

    report = across(mock, script, listening=True)

    assert "survives-upgrade" in report.failed(), report.table()
    failures = next(row.failures for row in report.rows if row.check == "survives-upgrade")
    assert any("VM 1 'web-01' was bound by the upgrade" in f and "ignored it after the upgrade" in f for f in failures)


def test_the_matrix_shows_each_world_under_each_release(mock):
    lines: list[str] = []
    report = integration.run(
        command(CONNECTORS / "good_connector.py"),
        scenarios=["legacy-3.8", "demo"],
        abiquo=["3.8", "3.8.5"],
        across_upgrade=True,
        url=mock.url,
        echo=lines.append,
    )

    assert report.ok, report.table()
    assert "demo (3.8): N/A (the world cannot be served as Abiquo 3.8 because it holds backup policies" in lines[1]
    matrix = lines[-1].splitlines()
    assert matrix[0] == f"connector: {command(CONNECTORS / 'good_connector.py')}"
    assert matrix[1].split() == ["world", "3.8", "3.8.5", "3.8→3.8.5"]
    assert matrix[2].split() == ["legacy-3.8", "PASS", "PASS", "PASS"]
    assert matrix[3].split() == ["demo", "N/A", "PASS", "N/A"]  # no 3.8 demo to upgrade


# ----------------------------------------------------------------------------------------- the check alone

BEFORE = VirtualMachine(1, "web-01", "ON", {"backupSchedule": {"complete": {"daily": {"disks": ["1"]}}}})
AFTER = VirtualMachine(1, "web-01", "ON", {**BEFORE.metadata, "policyBindings": {"complete": {"daily": "C-D-1"}}})
RESULT = {"id": "r1", "status": "done", "name": "complete-daily", "type": "complete", "size": 1}
RESULT["date"] = "2026/11/20 00:14:02 +0000"


def put(metadata: dict, status: int = 200, code: str | None = None) -> dict:
    body = json.dumps({"collection": [{"code": code, "message": "refused"}]}) if code else "{}"
    path = METADATA.format(1)
    return {"method": "PUT", "path": path, "status": status, "requestBody": json.dumps({"metadata": metadata}),
            "responseBody": body}  # fmt: skip


def get() -> dict:
    return {"method": "GET", "path": METADATA.format(1), "status": 200, "requestBody": "", "responseBody": "{}"}


def with_results(vm: VirtualMachine, *results: dict) -> dict:
    return {**vm.metadata, "backupResults": {"results": list(results)}}


def judged(before_final: dict, after_journal: list, after_final: dict) -> list[str]:
    """survives-upgrade on web-01: 3.8 wrote ``before_final``; after the upgrade the connector sent ``after_journal``
    and left ``after_final``."""
    before_run = ConnectorRun(0, "", "", [get(), put(before_final)], {1: before_final})
    upgraded = {**before_final, "policyBindings": AFTER.metadata["policyBindings"]}
    after_world = World("w", {1: VirtualMachine(1, "web-01", "ON", upgraded)})
    after_run = ConnectorRun(0, "", "", after_journal, {1: after_final})
    return survives_upgrade(World("w", {1: BEFORE}), before_run, after_world, after_run)


def test_a_result_written_before_the_upgrade_lost_or_stored_twice_after_it_fails():
    second = {**RESULT, "id": "r2"}
    before_final = with_results(BEFORE, RESULT)
    lost = with_results(AFTER, second)
    assert "VM 1 'web-01': result 'r1', written before the upgrade, was lost after it" in judged(
        before_final, [get(), put(lost)], lost
    )
    twice = with_results(AFTER, RESULT, RESULT, second)
    assert "VM 1 'web-01': result 'r1', written before the upgrade, is stored 2 times" in judged(
        before_final, [get(), put(twice)], twice
    )


def test_a_write_refused_after_the_upgrade_names_what_3_8_answered_the_same_request():
    before_final = with_results(BEFORE, RESULT)
    refused = put(with_results(AFTER, RESULT, {**RESULT, "id": "r2"}), 409, "BC-36")
    failures = judged(before_final, [get(), refused], before_final)
    assert (
        f"VM 1 'web-01': PUT {METADATA.format(1)} 409 BC-36 was refused after the upgrade; "
        f"3.8 answered PUT {METADATA.format(1)} 200"
    ) in failures
