"""A 3.8 server (docs/BACKUP-RULES.md#abiquo-38): what an Abiquo 3.8.0 installation answers, from the same rules as
3.8.5 switched by the release the world runs. The world is legacy-3.8 (it names 3.8), reached in-process and over
HTTP; ``serve --abiquo 3.8`` is tried as a real process."""

from __future__ import annotations

import pytest
from abiquo_mock.mockserver import scenarios
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.cli import main
from abiquo_mock.mockserver.store import Store
from click.testing import CliRunner

from .support import HttpApi, InProcessApi, ServerProcess

DC = "/api/admin/datacenters/1"
VM = "/api/cloud/virtualdatacenters/{vdc}/virtualappliances/{vapp}/virtualmachines/{vm}"
WEB_01 = VM.format(vdc=1, vapp=1, vm=1)  # Acme, Barcelona, deployed
DB_02 = VM.format(vdc=2, vapp=2, vm=5)  # Acme, Madrid: snapshot enabled there for daily and monthly only
POLICY_PATHS = (
    f"{DC}/backuppolicies",
    f"{DC}/backuppolicies/1",
    f"{DC}/backupproperties",
    "/api/cloud/locations/1/backuppolicies",
    "/api/cloud/locations/1/backuppolicies/1",
    "/api/cloud/locations/1/backupproperties",
)


@pytest.fixture(params=["in-process", "http"])
def api(request):
    if request.param == "in-process":
        return InProcessApi(create_app({"DB_PATH": None, "SCENARIO": "legacy-3.8"}))
    http = HttpApi(request.getfixturevalue("live_server").url)
    http.reset("legacy-3.8")
    return http


def metadata(api, path: str) -> dict:
    return api.get(f"{path}/metadata").json["metadata"]


def put_metadata(api, path: str, value: dict, user: str = "admin"):
    return api.put(f"{path}/metadata", {"links": [], "metadata": value}, media="metadata", user=user)


def test_the_version_is_3_8_0(api):
    answer = api.get("/api/version", user=None, accept="text/plain")
    assert (answer.status, answer.text) == (200, "3.8.0")
    assert api.get("/_mock/health", user=None).json["abiquo"] == "3.8"


@pytest.mark.parametrize("path", POLICY_PATHS)
def test_backup_policies_and_properties_are_not_found(api, path):
    for method in ("GET", "PUT", "POST", "DELETE"):
        answer = api.request(method, path, body={} if method in ("PUT", "POST") else None)
        assert answer.status == 404 and answer.codes == ["404-NOT-FOUND"], (method, answer.text)


def test_datacenters_and_locations_link_only_the_legacy_backup_configuration(api):
    assert [link["rel"] for link in api.get(DC).json["links"]] == ["edit", "racks", "backups"]
    listed = api.get("/api/admin/datacenters").json["collection"]
    assert all("backuppolicies" not in {link["rel"] for link in dc["links"]} for dc in listed)
    assert [link["rel"] for link in api.get("/api/cloud/locations/1").json["links"]] == ["edit"]
    assert api.get(f"{DC}/backups").status == 200 and api.get("/api/config/backups").status == 200


def test_the_contract_of_a_3_8_server_offers_no_backup_policy_operation(api):
    document = api.get("/api/openapi.json", user=None).json
    assert document["info"]["version"] == "3.8.0"
    assert not [path for path in document["paths"] if path.startswith("/api/") and "backupp" in path]
    assert {op["x-abiquo-since"] for path, item in document["paths"].items() if path.startswith("/api/")
            for op in item.values()} == {"3.8"}  # fmt: skip
    metadata_schema = document["components"]["schemas"]["VirtualMachineMetadata"]["properties"]
    assert "policyBindings" not in metadata_schema
    assert "BC11" in document["paths"]["/api/cloud/virtualdatacenters/{vdc}/virtualappliances/{vapp}/virtualmachines"
                                       "/{vm}/metadata"]["put"]["x-abiquo-errors"]  # fmt: skip


def test_a_time_left_empty_is_bc11_as_the_3_8_0_catalogue_spells_it(api):
    answer = put_metadata(api, WEB_01, {"backupSchedule": {"complete": {"daily": {"time": "", "disks": ["1"]}}}})
    assert answer.status == 400 and answer.codes == ["BC11"]


def test_policy_bindings_are_a_key_3_8_keeps_as_sent(api):
    # 3.8 knows backupSchedule and backupResults only: policyBindings round-trips like chef or key1
    sent = {**metadata(api, WEB_01), "policyBindings": {"complete": {"daily": "NO-SUCH-POLICY"}}}
    answer = put_metadata(api, WEB_01, sent)
    assert answer.status == 200 and answer.json["metadata"] == sent
    assert put_metadata(api, WEB_01, {**sent, "policyBindings": "any value"}).status == 200


def test_a_policies_key_in_the_schedule_is_an_unknown_backup_type(api):
    stored = metadata(api, WEB_01)
    sent = {**stored, "backupSchedule": {"policies": ["COMPLETE-DAILY-1"], **stored["backupSchedule"]}}
    answer = put_metadata(api, WEB_01, sent)
    assert answer.status == 400 and answer.codes == ["BC-5"]
    assert metadata(api, WEB_01) == stored


def test_a_backup_the_vm_did_not_have_must_be_one_the_datacenter_enables(api):
    stored = metadata(api, DB_02)
    added = {**stored, "backupSchedule": {**stored["backupSchedule"], "complete": {"monthly": {"disks": ["501"]}}}}
    answer = put_metadata(api, DB_02, added)
    assert answer.status == 400 and answer.codes == ["BC-6"]
    assert "complete monthly" in answer.json["collection"][0]["message"]
    assert metadata(api, DB_02) == stored
    # its snapshot hourly entry is no longer enabled in Madrid: the VM keeps it, and may change it
    schedule = stored["backupSchedule"]
    hourly = {**schedule, "snapshot": {**schedule["snapshot"], "hourly": {"time": "6", "disks": ["501"]}}}
    assert put_metadata(api, DB_02, {**stored, "backupSchedule": hourly}).status == 200
    daily = {**hourly, "snapshot": {**hourly["snapshot"], "daily": {"time": "01:00:00 +0100", "disks": ["5"]}}}
    assert put_metadata(api, DB_02, {**stored, "backupSchedule": daily}).status == 200  # enabled in Madrid


def test_a_deployed_vm_changes_its_backups_and_a_backup_is_restored_again(api):
    no_time = {"backupSchedule": {"complete": {"daily": {"disks": ["1"]}}}}
    assert put_metadata(api, WEB_01, no_time, user="entadmin").status == 200  # web-01 is deployed; no properties
    restore = "/api/cloud/virtualdatacenters/2/virtualappliances/2/virtualmachines/4/action/restorebackup"
    for _ in range(2):
        assert api.post(restore, {"id": "bk-4-1"}, media="restore").status == 204


def test_a_limit_allows_no_policy_and_ignores_a_backuppolicy_link(api):
    limit = "/api/admin/enterprises/2/limits/3"
    read = api.get(limit).json
    assert "backuppolicy" not in {link["rel"] for link in read["links"]}
    linked = {**read, "links": [*read["links"], {"rel": "backuppolicy", "href": f"{DC}/backuppolicies/99"}]}
    answer = api.put(limit, linked, media="limit")
    assert answer.status == 200 and "backuppolicy" not in {link["rel"] for link in answer.json["links"]}
    assert not [e for e in api.get("/api/events").json["collection"] if e["component"] == "BACKUP_POLICY"]


def test_a_reset_serves_a_world_as_the_release_asked_when_it_can_be_one(api):
    answer = api.post("/_mock/reset", {"scenario": "legacy-3.8", "abiquo": "3.8.5"}, user=None)
    assert answer.status == 200 and answer.json["abiquo"] == "3.8.5"
    assert api.get(f"{DC}/backuppolicies").status == 200
    refused = api.post("/_mock/reset", {"scenario": "demo", "abiquo": "3.8"}, user=None)
    assert refused.status == 400 and "cannot be served as Abiquo 3.8" in refused.json["collection"][0]["message"]
    assert api.get(f"{DC}/backuppolicies").status == 200  # the world before the refused reset
    unknown = api.post("/_mock/reset", {"abiquo": "3.9"}, user=None)
    assert unknown.status == 400 and "3.8, 3.8.5" in unknown.text
    chosen = api.post("/_mock/reset", {"abiquo": "3.8"}, user=None)
    assert chosen.json == {**chosen.json, "scenario": "legacy-3.8", "abiquo": "3.8"}


def test_serve_abiquo_3_8_is_a_3_8_installation():
    with ServerProcess("--memory", "--abiquo", "3.8") as server:
        http = HttpApi(server.url)
        assert http.get("/api/version", user=None).text == "3.8.0"
        assert http.get(f"{DC}/backuppolicies").status == 404
        assert http.get("/_mock/health", user=None).json["scenario"] == "legacy-3.8"


def test_serve_refuses_in_one_line_a_world_that_cannot_be_3_8(tmp_path):
    runner = CliRunner()
    scenario = runner.invoke(main, ["serve", "--port", "0", "--memory", "--abiquo", "3.8", "--scenario", "demo"])
    assert scenario.exit_code == 2 and len(scenario.output.strip().splitlines()) == 1
    assert "scenario demo: the world cannot be served as Abiquo 3.8 because it holds backup policies" in scenario.output
    db = tmp_path / "mock.json"
    with Store(str(db)) as store:
        scenarios.load(store, "policies-3.8.5")
    stored = runner.invoke(main, ["serve", "--port", "0", "--db", str(db), "--abiquo", "3.8"])
    assert stored.exit_code == 2 and "cannot be served as Abiquo 3.8" in stored.output
