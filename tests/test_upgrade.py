"""The 3.8 → 3.8.5 upgrade (§7): policies from the legacy configuration, bindings added, nothing else touched."""

from __future__ import annotations

import copy
import json

from abiquo_mock.mockserver import contexts, scenarios
from abiquo_mock.mockserver.backup.upgrade import upgrade_store, upgrade_world
from abiquo_mock.mockserver.cli import main
from abiquo_mock.mockserver.store import Store
from click.testing import CliRunner


def legacy():
    return scenarios.world("legacy-3.8")


def by_id(tables, table):
    return {d["id"]: d for d in tables.get(table, [])}


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


def test_each_legacy_pair_is_bound_to_the_policy_of_its_type():
    after, report = upgrade_world(legacy())
    vms = by_id(after, "virtualmachines")
    assert vms[2]["metadata"]["policyBindings"] == {
        "complete": {"defined_hour": "COMPLETE-1", "hourly": "COMPLETE-1"},
        "filesystem": {"weekly_planned": "FILESYSTEM-1"},
    }
    assert vms[7]["metadata"]["policyBindings"] == {
        "complete": {"daily": "COMPLETE-1"}
    }  # "filesystem": {} binds nothing
    assert "policyBindings" not in vms[9]["metadata"]  # custom keys only
    assert {v["id"] for v in report["virtualMachinesBound"]} == {1, 2, 3, 4, 5, 6, 7, 10}


def test_policies_have_every_enabled_or_used_granularity_defined_in_the_vm():
    after, _ = upgrade_world(legacy())
    policies = {(p["datacenter"], p["code"]): p for p in after["backuppolicies"]}
    assert set(policies) == {
        (1, "COMPLETE-1"),
        (1, "FILESYSTEM-1"),
        (1, "SNAPSHOT-1"),
        (2, "COMPLETE-2"),
        (2, "SNAPSHOT-2"),
    }
    periods = {key: [c["period"] for c in p["backupConfigurations"]] for key, p in policies.items()}
    assert periods[(1, "FILESYSTEM-1")] == ["DEFINED_HOUR", "HOURLY", "DAILY", "WEEKLY_PLANNED", "MONTHLY"]
    assert periods[(2, "SNAPSHOT-2")] == ["DEFINED_HOUR", "HOURLY", "DAILY", "WEEKLY_PLANNED", "MONTHLY"]
    assert periods[(2, "COMPLETE-2")] == ["DAILY"]
    assert all(set(c) == {"type", "period"} for p in policies.values() for c in p["backupConfigurations"])


def test_policies_are_allowed_to_every_enterprise_with_a_limit_there():
    after, _ = upgrade_world(legacy())
    codes = {p["id"]: p["code"] for p in after["backuppolicies"]}
    allowed = {lim["id"]: sorted(codes[i] for i in lim["backuppolicies"]) for lim in after["limits"]}
    assert allowed[3] == ["COMPLETE-1", "FILESYSTEM-1", "SNAPSHOT-1"]
    assert allowed[5] == ["COMPLETE-1", "FILESYSTEM-1", "SNAPSHOT-1"]
    assert allowed[4] == ["COMPLETE-2", "SNAPSHOT-2"]


def test_multiple_policies_are_enabled_where_a_vm_needs_them():
    after, report = upgrade_world(legacy())
    assert by_id(after, "backupproperties")[1]["multiplePolicies"] is True
    assert 2 not in by_id(after, "backupproperties")
    assert report["multiplePoliciesEnabled"] == [1]


def test_run_twice_the_upgrade_changes_nothing():
    once, _ = upgrade_world(legacy())
    twice, report = upgrade_world(once)
    assert twice == once
    assert report["changed"] is False


def test_the_upgraded_scenario_is_the_upgrade_of_legacy():
    assert scenarios.world("upgraded-3.8.5", contexts.transforms()) == upgrade_world(legacy())[0]


def test_upgrade_store_writes_only_what_changes(app, store):
    scenarios.load(store, "legacy-3.8")
    report = upgrade_store(store)
    assert report["changed"] and store.dump() == upgrade_world(scenarios.world("legacy-3.8"))[0]
    generation = store.generation
    assert upgrade_store(store)["changed"] is False
    assert store.generation == generation


def test_the_control_endpoint_upgrades_the_served_store(inproc):
    inproc.reset("legacy-3.8")
    answer = inproc.post("/_mock/upgrade", user=None)
    assert answer.status == 200 and answer.json["changed"] is True
    path = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1/metadata"
    assert inproc.get(path).json["metadata"]["policyBindings"] == {"complete": {"daily": "COMPLETE-1"}}
    assert inproc.post("/_mock/upgrade", user=None).json["changed"] is False


def test_the_cli_upgrades_a_store_file(tmp_path):
    db = tmp_path / "mock.json"
    with Store(str(db)) as store:
        scenarios.load(store, "legacy-3.8")
    runner = CliRunner()
    first = runner.invoke(main, ["upgrade", "--db", str(db)])
    assert first.exit_code == 0, first.output
    assert "policy COMPLETE-1 created in datacenter 1" in first.output
    assert "virtual machine 2 (web-02) bound" in first.output
    second = runner.invoke(main, ["upgrade", "--db", str(db), "--json"])
    assert second.exit_code == 0 and json.loads(second.output)["changed"] is False
    with Store(str(db)) as store:
        assert store.dump() == upgrade_world(scenarios.world("legacy-3.8"))[0]


def test_the_cli_refuses_a_missing_or_foreign_file_in_one_line(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(main, ["upgrade", "--db", str(tmp_path / "none.json")])
    assert missing.exit_code != 0 and len(missing.output.strip().splitlines()) == 1
    foreign = tmp_path / "foreign.json"
    foreign.write_text('{"hello": "world"}')
    refused = runner.invoke(main, ["upgrade", "--db", str(foreign)])
    assert refused.exit_code != 0 and len(refused.output.strip().splitlines()) == 1
    assert "not an abiquo-mock store" in refused.output
