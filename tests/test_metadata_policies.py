"""Policy bindings in VM metadata (§6.2) and the rules on every metadata PUT (§6.3), on the demo world.

Demo: web-03 (vm 3) is undeployed in Barcelona (multiple policies on, updates while deployed off), Acme is
allowed GOLD and NAFS there but not SILVER; db-02 (vm 5) is undeployed in Madrid (multiple policies off),
where Acme is allowed BRONZE (daily complete, time defined in the VM).
"""

from __future__ import annotations

import pytest

VM = "/api/cloud/virtualdatacenters/{vdc}/virtualappliances/{vapp}/virtualmachines/{vm}/metadata"
WEB01, WEB02, WEB03 = (VM.format(vdc=1, vapp=1, vm=n) for n in (1, 2, 3))
DB02 = VM.format(vdc=2, vapp=2, vm=5)


def put(api, path, metadata, user="admin"):
    return api.put(path, body={"links": [], "metadata": metadata}, media="metadata", user=user)


def bound(bindings, schedule=None, **more):
    metadata = {"policyBindings": bindings, **more}
    if schedule is not None:
        metadata["backupSchedule"] = schedule
    return metadata


def add_policy(store, dc, code, configurations, allow_limit=None):
    policy_id = store.insert(
        "backuppolicies",
        {"datacenter": dc, "code": code, "name": code, "description": "", "backupConfigurations": configurations},
    )
    if allow_limit:
        limit = store.get("limits", allow_limit)
        store.put("limits", allow_limit, {**limit, "backuppolicies": limit["backuppolicies"] + [policy_id]})
    return policy_id


def refused(inproc, store, path, metadata, status, code, user="admin"):
    before = store.dump()
    answer = put(inproc, path, metadata, user)
    assert (answer.status, answer.codes) == (status, [code]), answer.text
    assert store.dump() == before
    return answer


# --- step 1 ---------------------------------------------------------------------------------------------


def test_an_unknown_code_is_bc_23(inproc, store):
    refused(inproc, store, WEB03, bound({"complete": {"daily": "NOPE"}}), 404, "BC-23")


def test_a_policy_of_another_datacenter_is_bc_23(inproc, store):
    refused(
        inproc,
        store,
        WEB03,
        bound({"complete": {"daily": "BRONZE"}}, {"complete": {"daily": {"time": "01:00:00 +0000"}}}),
        404,
        "BC-23",
    )


def test_a_policy_not_allowed_to_the_enterprise_is_forbidden(inproc, store):
    answer = refused(
        inproc,
        store,
        WEB03,
        bound({"snapshot": {"weekly_planned": "SILVER"}}, {"snapshot": {"weekly_planned": {"monday": "true"}}}),
        403,
        "403-FORBIDDEN",
    )
    assert "SILVER" in answer.text


def test_a_policy_without_that_type_and_period_is_bc_32(inproc, store):
    refused(inproc, store, WEB03, bound({"complete": {"monthly": "GOLD"}}), 400, "BC-32")


# --- step 2 ---------------------------------------------------------------------------------------------


def test_two_policies_need_multiple_policies(inproc, store):
    store.put("backupproperties", 1, {"multipleRestore": True, "multiplePolicies": False, "updateWhileDeployed": False})
    refused(
        inproc,
        store,
        WEB03,
        bound(
            {"complete": {"daily": "GOLD", "hourly": "GOLD"}, "filesystem": {"weekly_planned": "NAFS"}},
            {"complete": {"daily": {"disks": ["1"]}}},
        ),
        409,
        "BC-27",
    )


def test_two_bindings_to_one_policy_are_one_policy(inproc, store):
    store.put("backupproperties", 1, {"multipleRestore": True, "multiplePolicies": False, "updateWhileDeployed": False})
    answer = put(inproc, WEB03, bound({"complete": {"daily": "GOLD", "hourly": "GOLD"}}))
    assert answer.status == 200, answer.text
    assert answer.json["metadata"]["backupSchedule"] == {
        "policies": ["GOLD"],
        "complete": {"daily": {"time": "22:00:00 +0100"}, "hourly": {"time": "4"}},
    }


# --- step 3 ---------------------------------------------------------------------------------------------


def test_fixed_values_are_written_by_the_server(api):
    answer = put(
        api, WEB03, bound({"complete": {"daily": "GOLD", "hourly": "GOLD"}}, {"complete": {"daily": {"disks": [7527]}}})
    )
    assert answer.status == 200, answer.text
    assert answer.json["metadata"]["backupSchedule"]["complete"]["daily"] == {
        "time": "22:00:00 +0100",
        "disks": ["7527"],
    }
    assert api.get(WEB03).json == answer.json


def test_a_fixed_value_sent_unchanged_is_accepted_and_a_different_one_is_bc_6(inproc, store):
    same = put(
        inproc,
        WEB03,
        bound({"complete": {"daily": "GOLD", "hourly": "GOLD"}}, {"complete": {"daily": {"time": "22:00:00 +0100"}}}),
    )
    assert same.status == 200
    refused(
        inproc,
        store,
        WEB03,
        bound({"complete": {"daily": "GOLD", "hourly": "GOLD"}}, {"complete": {"daily": {"time": "21:00:00 +0100"}}}),
        400,
        "BC-6",
    )


@pytest.mark.parametrize("entry", [{"time": "03:00:00 +0000"}, {"monday": "true"}])
def test_a_value_for_a_not_apply_field_is_bc_6(inproc, store, entry):
    refused(
        inproc,
        store,
        WEB03,
        bound(
            {"filesystem": {"weekly_planned": "NAFS"}}, {"filesystem": {"weekly_planned": {"paths": ["/srv"], **entry}}}
        ),
        400,
        "BC-6",
    )


def test_a_time_defined_in_the_vm_must_be_sent(inproc, store):
    refused(
        inproc,
        store,
        DB02,
        bound({"complete": {"daily": "BRONZE"}}, {"complete": {"daily": {"disks": ["5"]}}}),
        400,
        "BC-11",
    )


def test_a_time_defined_in_the_vm_needs_the_schedule_privilege(inproc, store):
    answer = refused(
        inproc,
        store,
        DB02,
        bound({"complete": {"daily": "BRONZE"}}, {"complete": {"daily": {"time": "01:00:00 +0000"}}}),
        403,
        "403-FORBIDDEN",
        user="user",
    )
    assert "VAPP_DEFINE_BACKUP_INFO" in answer.text
    ok = put(
        inproc,
        DB02,
        bound({"complete": {"daily": "BRONZE"}}, {"complete": {"daily": {"time": "01:00:00 +0000"}}}),
        user="entadmin",
    )
    assert ok.status == 200 and ok.json["metadata"]["backupSchedule"]["complete"]["daily"] == {"time": "01:00:00 +0000"}


def test_disks_need_the_disks_privilege(inproc, store):
    answer = refused(
        inproc,
        store,
        WEB03,
        bound({"complete": {"daily": "GOLD", "hourly": "GOLD"}}, {"complete": {"daily": {"disks": ["9"]}}}),
        403,
        "403-FORBIDDEN",
        user="user",
    )
    assert "VAPP_MANAGE_BACKUP_DISKS" in answer.text


def test_a_user_without_schedule_privileges_may_bind_a_fixed_policy(inproc):
    kept = {"complete": {"daily": {"disks": ["301"]}, "hourly": {"disks": ["301"]}}}  # the disks web-03 has
    answer = put(inproc, WEB03, bound({"complete": {"daily": "GOLD", "hourly": "GOLD"}}, kept), user="user")
    assert answer.status == 200, answer.text
    assert answer.json["metadata"]["backupSchedule"] == {
        "policies": ["GOLD"],
        "complete": {"daily": {"time": "22:00:00 +0100", "disks": ["301"]}, "hourly": {"time": "4", "disks": ["301"]}},
    }


def test_days_defined_in_the_vm_must_be_sent(inproc, store):
    silver = store.first("backuppolicies", code="SILVER")["id"]
    limit = store.get("limits", 3)
    store.put("limits", 3, {**limit, "backuppolicies": limit["backuppolicies"] + [silver]})
    refused(
        inproc,
        store,
        WEB03,
        bound({"snapshot": {"weekly_planned": "SILVER"}}, {"snapshot": {"weekly_planned": {"disks": ["1"]}}}),
        400,
        "BC-19",
    )
    answer = put(
        inproc,
        WEB03,
        bound(
            {"snapshot": {"weekly_planned": "SILVER"}},
            {"snapshot": {"weekly_planned": {"friday": "true", "monday": "true"}}},
        ),
    )
    assert answer.json["metadata"]["backupSchedule"]["snapshot"]["weekly_planned"] == {
        "time": "03:00:00 +0000",
        "friday": "true",
        "monday": "true",
    }


def test_fixed_days_are_written_and_other_days_are_bc_6(inproc, store):
    add_policy(
        store,
        1,
        "WEEKLY",
        [{"type": "COMPLETE", "period": "WEEKLY_PLANNED", "time": "NOT_APPLY", "days": ["MONDAY", "SUNDAY"]}],
        allow_limit=3,
    )
    answer = put(inproc, WEB03, bound({"complete": {"weekly_planned": "WEEKLY"}}))
    assert answer.json["metadata"]["backupSchedule"]["complete"]["weekly_planned"] == {
        "monday": "true",
        "sunday": "true",
    }
    refused(
        inproc,
        store,
        WEB03,
        bound({"complete": {"weekly_planned": "WEEKLY"}}, {"complete": {"weekly_planned": {"tuesday": "true"}}}),
        400,
        "BC-6",
    )


def _defined_hour_policy(store, date, time):
    """Policy ONCE: a DEFINED_HOUR snapshot whose date and time are fixed, NOT_APPLY, or (None) left to the VM."""
    configuration = {"type": "SNAPSHOT", "period": "DEFINED_HOUR"}
    configuration.update({k: v for k, v in (("date", date), ("time", time)) if v is not None})
    add_policy(store, 1, "ONCE", [configuration], allow_limit=3)


@pytest.mark.parametrize(
    "date, time, sent, expected",
    [
        ("2026/12/24", "23:00:00 +0000", None, "2026/12/24 23:00:00 +0000"),
        ("NOT_APPLY", "23:00:00 +0000", None, None),
        ("2026/12/24", "NOT_APPLY", None, None),
        (None, "23:00:00 +0000", "2027/01/01 23:00:00 +0000", "2027/01/01 23:00:00 +0000"),
        ("2026/12/24", None, "2026/12/24 08:15:00 +0100", "2026/12/24 08:15:00 +0100"),
    ],
)
def test_a_defined_hour_time_is_date_and_time(inproc, store, date, time, sent, expected):
    _defined_hour_policy(store, date, time)
    entry = {"disks": ["3"]} if sent is None else {"time": sent, "disks": ["3"]}
    answer = put(inproc, WEB03, bound({"snapshot": {"defined_hour": "ONCE"}}, {"snapshot": {"defined_hour": entry}}))
    assert answer.status == 200, answer.text
    stored = answer.json["metadata"]["backupSchedule"]["snapshot"]["defined_hour"]
    assert stored.get("time") == expected and stored["disks"] == ["3"]


@pytest.mark.parametrize(
    "date, time, sent, code",
    [
        (None, "23:00:00 +0000", None, "BC-13"),
        ("2026/12/24", None, None, "BC-11"),
        (None, None, None, "BC-11"),
        (None, "23:00:00 +0000", "2027/01/01 22:00:00 +0000", "BC-6"),
        ("2026/12/24", None, "2026/12/25 08:15:00 +0100", "BC-6"),
    ],
)
def test_a_defined_hour_part_left_to_the_vm_is_required_and_the_fixed_part_kept(inproc, store, date, time, sent, code):
    _defined_hour_policy(store, date, time)
    entry = {} if sent is None else {"time": sent}
    refused(
        inproc,
        store,
        WEB03,
        bound({"snapshot": {"defined_hour": "ONCE"}}, {"snapshot": {"defined_hour": entry}}),
        400,
        code,
    )


# --- steps 4 and 5 --------------------------------------------------------------------------------------


def test_a_schedule_entry_without_binding_is_bc_34(inproc, store):
    refused(
        inproc,
        store,
        WEB03,
        bound(
            {"complete": {"daily": "GOLD", "hourly": "GOLD"}},
            {"complete": {"daily": {}, "monthly": {"time": "01:00:00 +0000"}}},
        ),
        400,
        "BC-34",
    )


def test_policies_are_written_by_the_server_sorted(api):
    answer = put(
        api,
        WEB03,
        bound(
            {"filesystem": {"weekly_planned": "NAFS"}, "complete": {"daily": "GOLD", "hourly": "GOLD"}},
            {"policies": ["ZZZ", "AAA"], "filesystem": {"weekly_planned": {"paths": ["/srv"]}}},
        ),
    )
    assert answer.status == 200, answer.text
    assert answer.json["metadata"]["backupSchedule"]["policies"] == ["GOLD", "NAFS"]


def test_removing_every_binding_removes_policies(inproc):
    answer = put(
        inproc,
        WEB03,
        {
            "policyBindings": {},
            "backupSchedule": {
                "policies": ["GOLD"],
                "complete": {"daily": {"time": "22:00:00 +0100", "disks": ["301"]}},
            },
        },
    )
    assert answer.status == 200, answer.text
    assert answer.json["metadata"]["backupSchedule"] == {
        "complete": {"daily": {"time": "22:00:00 +0100", "disks": ["301"]}}
    }


# --- §6.3 -----------------------------------------------------------------------------------------------


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
