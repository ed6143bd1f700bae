"""Changing a VM's backup configuration through its metadata (docs/BACKUP-RULES.md#changing-the-configuration),
on the demo world: a deployed VM keeps it unless the datacenter allows updates while deployed, an integration may
still write its results, the configuration needs the manage privilege, and what does not change stays byte for
byte; a tenant sees only its VMs, a delete empties the metadata, NOT_APPLY end to end.
"""

from __future__ import annotations

from .support.metadata import VM, WEB02, WEB03, bound, put, refused


def test_a_deployed_vm_keeps_its_configuration_where_updates_while_deployed_are_off(inproc, store):
    current = inproc.get(WEB02).json["metadata"]
    changed = {
        **current,
        "policyBindings": {"complete": {"daily": "GOLD", "hourly": "GOLD"}},
        "backupSchedule": {"complete": {"daily": {"disks": ["201"]}}},
    }
    refused(inproc, store, WEB02, changed, 409, "BC-36")
    before = store.dump()
    answer = inproc.delete(WEB02)
    assert (answer.status, answer.codes) == (409, ["BC-36"]) and store.dump() == before


def test_an_integration_may_write_results_on_a_deployed_vm(api):
    current = api.get(WEB02).json["metadata"]
    result = {
        "id": "bk-2-9",
        "status": "done",
        "name": "complete-daily",
        "type": "complete",
        "size": 10,
        "date": "2026/11/21 22:10:00 +0100",
    }
    answer = put(api, WEB02, {**current, "backupResults": {"results": [result]}})
    assert answer.status == 200, answer.text
    assert answer.json["metadata"] == {**current, "backupResults": {"results": [result]}}


def test_a_deployed_vm_may_change_where_updates_while_deployed_are_on(inproc):
    answer = put(
        inproc,
        VM.format(vdc=2, vapp=2, vm=4),
        bound({"complete": {"daily": "BRONZE"}}, {"complete": {"daily": {"time": "04:00:00 +0000"}}}),
    )
    assert answer.status == 200, answer.text


def test_changing_the_backup_configuration_needs_manage_backup(inproc, store):
    store.put("roles", 3, {**store.get("roles", 3), "privileges": ["VAPP_RESTORE_BACKUP"]})
    answer = refused(inproc, store, WEB03, {"policyBindings": {}}, 403, "403-FORBIDDEN", user="user")
    assert "VAPP_MANAGE_BACKUP" in answer.text
    same = put(inproc, WEB03, {**inproc.get(WEB03).json["metadata"], "chef": "{}"}, user="user")
    assert same.status == 200, same.text


def test_an_unchanged_configuration_stays_byte_for_byte(inproc, store):
    upgraded = put(
        inproc,
        WEB03,
        {
            "policyBindings": {"complete": {"daily": "GOLD", "hourly": "GOLD"}},
            "backupSchedule": {
                "policies": ["GOLD"],
                "complete": {"daily": {"time": "22:00:00 +0100", "disks": ["301"]}},
            },
        },
    )
    assert upgraded.status == 200
    vm = store.get("virtualmachines", 3)
    legacy_like = {
        "backupSchedule": {"complete": {"daily": {"disks": ["301"]}}},
        "policyBindings": {"complete": {"daily": "GOLD", "hourly": "GOLD"}},
    }
    store.put("virtualmachines", 3, {**vm, "metadata": legacy_like})  # as the upgrade leaves a VM
    answer = put(inproc, WEB03, {**legacy_like, "backupResults": {"results": []}}, user="user")
    assert answer.status == 200, answer.text
    assert answer.json["metadata"] == {**legacy_like, "backupResults": {"results": []}}


def test_the_tenant_cannot_see_another_tenants_vm(api):
    path = VM.format(vdc=1, vapp=1, vm=1)
    for answer in (api.get(path, user="globex"), put(api, path, {}, user="globex"), api.delete(path, user="globex")):
        assert answer.status == 404 and answer.codes in (["VDC-0"], ["VAPP-0"], ["VM-1"]), answer.text
    assert api.get(path).json["metadata"]["backupSchedule"]


def test_delete_removes_everything_and_get_shows_null(api):
    assert api.delete(WEB03).status == 204
    assert api.get(WEB03).json == {"links": [], "metadata": None}
    assert api.delete(WEB03).status == 204


def test_not_apply_end_to_end(api):
    created = api.post(
        "/api/admin/datacenters/1/backuppolicies",
        media="backuppolicy",
        body={
            "code": "LATER",
            "name": "Whenever",
            "backupConfigurations": [
                {"type": "complete", "period": "weekly_planned", "time": "not_apply", "days": "NOT_APPLY"}
            ],
        },
    )
    assert created.status == 201, created.text
    limit = api.get("/api/admin/enterprises/2/limits/3").json
    limit["links"].append(
        {"rel": "backuppolicy", "href": next(link["href"] for link in created.json["links"] if link["rel"] == "edit")}
    )
    assert api.put("/api/admin/enterprises/2/limits/3", body=limit, media="limit").status == 200
    answer = put(
        api,
        WEB03,
        bound({"complete": {"weekly_planned": "LATER"}}, {"complete": {"weekly_planned": {"disks": ["301"]}}}),
        user="entadmin",
    )
    assert answer.status == 200, answer.text
    assert api.get(WEB03, user="entadmin").json["metadata"]["backupSchedule"] == {
        "policies": ["LATER"],
        "complete": {"weekly_planned": {"disks": ["301"]}},
    }
