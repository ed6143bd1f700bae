"""The 3.8 → 3.8.5 upgrade (docs/BACKUP-RULES.md#upgrade): policies from the legacy configuration, bindings added,
nothing else touched, the release switched, and once only."""

from __future__ import annotations

import copy
import json

import pytest
from abiquo_mock.mockserver import contexts, scenarios
from abiquo_mock.mockserver.backup.upgrade import upgrade_store, upgrade_world
from abiquo_mock.mockserver.cli import main
from abiquo_mock.mockserver.store import Store
from click.testing import CliRunner


def legacy():
    return scenarios.world("legacy-3.8")


def by_id(tables, table):
    return {d["id"]: d for d in tables.get(table, [])}


def without_events(tables):
    return {name: docs for name, docs in tables.items() if name != "events"}


def test_every_vm_keeps_its_metadata_byte_for_byte_except_added_bindings():
    before = legacy()
    after, _ = upgrade_world(before)
    for vm_id, vm in by_id(before, "virtualmachines").items():
        upgraded = by_id(after, "virtualmachines")[vm_id]["metadata"]
        if vm["metadata"] is None:
            assert upgraded is None
            continue
        without = {k: v for k, v in upgraded.items() if k != "policyBindings"}
        assert json.dumps(without) == json.dumps(vm["metadata"]), vm["name"]
        assert "policies" not in (upgraded.get("backupSchedule") or {})


def test_the_upgrade_does_not_change_its_input():
    before = legacy()
    kept = copy.deepcopy(before)
    upgrade_world(before)
    assert before == kept


def test_each_legacy_pair_is_bound_to_the_policy_of_its_type_and_granularity():
    after, report = upgrade_world(legacy())
    vms = by_id(after, "virtualmachines")
    assert vms[2]["metadata"]["policyBindings"] == {
        "complete": {"defined_hour": "COMPLETE-DEFINED_HOUR-1", "hourly": "COMPLETE-HOURLY-1"},
        "filesystem": {"weekly_planned": "FILESYSTEM-WEEKLY_PLANNED-1"},
    }
    assert vms[7]["metadata"]["policyBindings"] == {
        "complete": {"daily": "COMPLETE-DAILY-1"}
    }  # "filesystem": {} binds nothing
    assert "policyBindings" not in vms[9]["metadata"]  # custom keys only
    assert {v["id"] for v in report["virtualMachinesBound"]} == {1, 2, 3, 4, 5, 6, 7, 10}


ALL = ("DEFINED_HOUR", "HOURLY", "DAILY", "WEEKLY_PLANNED", "MONTHLY")


def test_one_policy_per_enabled_or_used_granularity_defined_in_the_vm():
    # one configuration a policy, so that a VM bound to what it used holds whole policies
    after, _ = upgrade_world(legacy())
    policies = {(p["datacenter"], p["code"]): p for p in after["backuppolicies"]}
    assert all(len(p["backupConfigurations"]) == 1 for p in policies.values())
    kinds = {(dc, c["type"], c["period"]) for (dc, code), p in policies.items() for c in p["backupConfigurations"]}
    assert {(dc, code) for dc, code in policies} == {(dc, f"{t}-{g}-{dc}") for dc, t, g in kinds}
    assert {g for dc, t, g in kinds if (dc, t) == (1, "FILESYSTEM")} == set(ALL)
    assert {g for dc, t, g in kinds if (dc, t) == (2, "SNAPSHOT")} == set(ALL)
    assert {g for dc, t, g in kinds if (dc, t) == (2, "COMPLETE")} == {"DAILY"}
    assert {t for dc, t, g in kinds if dc == 1} == {"COMPLETE", "FILESYSTEM", "SNAPSHOT"}
    assert all(set(c) == {"type", "period"} for p in policies.values() for c in p["backupConfigurations"])


def test_policies_are_allowed_to_every_enterprise_with_a_limit_there():
    after, _ = upgrade_world(legacy())
    codes = {p["id"]: p["code"] for p in after["backuppolicies"]}
    allowed = {lim["id"]: sorted(codes[i] for i in lim["backuppolicies"]) for lim in after["limits"]}
    in_dc = {dc: sorted(p["code"] for p in after["backuppolicies"] if p["datacenter"] == dc) for dc in (1, 2)}
    assert allowed[3] == allowed[5] == in_dc[1]
    assert allowed[4] == in_dc[2] == sorted(["COMPLETE-DAILY-2"] + [f"SNAPSHOT-{g}-2" for g in ALL])


def test_every_datacenter_keeps_what_3_8_allowed_with_its_three_switches_on():
    # 3.8 restored a backup again, let a VM hold any number of entries (each one a policy now) and changed a
    # deployed VM's backups
    after, report = upgrade_world(legacy())
    switches = {"multipleRestore": True, "multiplePolicies": True, "updateWhileDeployed": True}
    assert by_id(after, "backupproperties") == {dc: {"id": dc, **switches} for dc in (1, 2)}
    assert report["propertiesWritten"] == [{"datacenter": dc, **switches} for dc in (1, 2)]


def test_the_world_runs_3_8_5_afterwards_and_says_it_was_upgraded():
    assert by_id(legacy(), "installation") == {1: {"id": 1, "abiquo": "3.8"}}
    after, report = upgrade_world(legacy())
    assert by_id(after, "installation") == {1: {"id": 1, "abiquo": "3.8.5", "upgradedFrom": "3.8"}}
    assert (report["abiquo"], report["upgradedFrom"], report["changed"]) == ("3.8.5", "3.8", True)


def test_a_3_8_custom_policy_bindings_key_is_replaced_by_the_bindings_of_the_schedule():
    before = legacy()
    by_id(before, "virtualmachines")[7]["metadata"]["policyBindings"] = "written by a 3.8 client"
    after, report = upgrade_world(before)
    metadata = by_id(after, "virtualmachines")[7]["metadata"]
    assert list(metadata) == ["backupSchedule", "key1", "policyBindings"]  # in the place of the 3.8 key
    assert metadata["policyBindings"] == {"complete": {"daily": "COMPLETE-DAILY-1"}}
    assert next(v for v in report["virtualMachinesBound"] if v["id"] == 7)["replaced"] == "written by a 3.8 client"


def test_run_twice_the_upgrade_changes_nothing():
    once, _ = upgrade_world(legacy())
    twice, report = upgrade_world(once)
    assert twice == once
    assert report["changed"] is False


def test_run_again_after_an_administrator_restricted_a_policy_it_stays_restricted(inproc):
    inproc.reset("legacy-3.8")
    assert inproc.post("/_mock/upgrade", user=None).json["changed"] is True
    limit = "/api/admin/enterprises/3/limits/5"  # Globex in Barcelona
    read = inproc.get(limit).json
    allowed = [link for link in read["links"] if link["rel"] == "backuppolicy"]
    kept = [link for link in allowed if link["title"] != "Complete daily (Barcelona)"]
    assert len(kept) == len(allowed) - 1
    others = [link for link in read["links"] if link["rel"] != "backuppolicy"]
    assert inproc.put(limit, {**read, "links": others + kept}, media="limit").status == 200

    again = inproc.post("/_mock/upgrade", user=None).json

    assert again["changed"] is False and not any(again[k] for k in ("policiesCreated", "policiesAllowed"))
    titles = {link["title"] for link in inproc.get(limit).json["links"] if link["rel"] == "backuppolicy"}
    assert "Complete daily (Barcelona)" not in titles and len(titles) == len(kept)


def test_the_upgraded_scenario_is_the_upgrade_of_legacy():
    assert scenarios.world("upgraded-3.8.5", contexts.transforms()) == upgrade_world(legacy())[0]


def test_upgrade_store_writes_only_what_changes(app, store):
    scenarios.load(store, "legacy-3.8")
    report = upgrade_store(store)
    assert report["changed"] and without_events(store.dump()) == upgrade_world(scenarios.world("legacy-3.8"))[0]
    generation = store.generation
    assert upgrade_store(store)["changed"] is False
    assert store.generation == generation


def test_a_live_upgrade_records_what_changed_as_the_system(app, store):
    scenarios.load(store, "legacy-3.8")
    report = upgrade_store(store)
    events = store.all("events")
    kinds = [e["actionPerformed"] for e in events]
    assert kinds.count("BACKUP_POLICY_CREATE") == len(report["policiesCreated"]) == 17
    assert kinds.count("BACKUP_POLICY_ALLOW") == len(report["policiesAllowed"])
    assert kinds.count("BACKUP_DATACENTER_PROPERTIES_UPDATE") == 2
    modified = [e["idVirtualMachine"] for e in events if e["actionPerformed"] == "VIRTUAL_MACHINE_METADATA_MODIFIED"]
    assert modified == [v["id"] for v in report["virtualMachinesBound"]] == [1, 2, 3, 4, 5, 6, 7, 10]
    assert {(e["user"], e["idUser"], e["userUri"]) for e in events} == {("SYSTEM", None, "SYSTEM")}
    assert report["events"] == len(events)


def test_the_control_endpoint_upgrades_the_served_store(inproc):
    inproc.reset("legacy-3.8")
    answer = inproc.post("/_mock/upgrade", user=None)
    assert answer.status == 200 and answer.json["changed"] is True
    path = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1/metadata"
    assert inproc.get(path).json["metadata"]["policyBindings"] == {"complete": {"daily": "COMPLETE-DAILY-1"}}
    assert inproc.post("/_mock/upgrade", user=None).json["changed"] is False


@pytest.mark.parametrize(
    "raw, code",
    [(b'{"dryRun": true}', "GEN-2"), (b"[1", "GEN-3"), (b"[]", "GEN-2"), (b"null", "GEN-2")],
    ids=["an option it does not have", "broken JSON", "a list", "null"],
)
def test_an_upgrade_sent_a_body_is_refused_and_upgrades_nothing(api, raw, code):
    api.reset("legacy-3.8")
    answer = api.post("/_mock/upgrade", user=None, raw=raw, headers={"Content-Type": "application/json"})
    assert answer.status == 400 and answer.codes == [code], answer.text
    assert api.get("/api/admin/datacenters/1/backuppolicies").status == 404  # still Abiquo 3.8
    assert api.post("/_mock/upgrade", user=None, raw=b"{}", headers={"Content-Type": "application/json"}).status == 200


def test_the_cli_upgrades_a_store_file(tmp_path):
    db = tmp_path / "mock.json"
    with Store(str(db)) as store:
        scenarios.load(store, "legacy-3.8")
    runner = CliRunner()
    first = runner.invoke(main, ["upgrade", "--db", str(db)])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("Abiquo 3.8 upgraded to 3.8.5\n")
    assert "policy COMPLETE-DAILY-1 created in datacenter 1" in first.output
    assert "virtual machine 2 (web-02) bound" in first.output
    second = runner.invoke(main, ["upgrade", "--db", str(db), "--json"])
    assert second.exit_code == 0 and json.loads(second.output)["changed"] is False
    third = runner.invoke(main, ["upgrade", "--db", str(db)])
    assert third.output == "nothing to upgrade: the store already runs Abiquo 3.8.5\n"
    with Store(str(db)) as store:
        assert without_events(store.dump()) == upgrade_world(scenarios.world("legacy-3.8"))[0]


def test_the_cli_refuses_a_missing_or_foreign_file_in_one_line(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(main, ["upgrade", "--db", str(tmp_path / "none.json")])
    assert missing.exit_code != 0 and len(missing.output.strip().splitlines()) == 1
    foreign = tmp_path / "foreign.json"
    foreign.write_text('{"hello": "world"}')
    refused = runner.invoke(main, ["upgrade", "--db", str(foreign)])
    assert refused.exit_code != 0 and len(refused.output.strip().splitlines()) == 1
    assert "not an abiquo-mock store" in refused.output
