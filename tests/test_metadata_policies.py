"""Policy bindings in VM metadata and the rules on every metadata PUT (docs/BACKUP-RULES.md#policy-bindings), on
the demo world; changing the configuration of a VM is test_metadata_configuration.py.

Demo: web-03 (vm 3) is undeployed in Barcelona (multiple policies on, updates while deployed off), Acme is
allowed GOLD and NAFS there but not SILVER; db-02 (vm 5) is undeployed in Madrid (multiple policies off),
where Acme is allowed BRONZE (daily complete, time defined in the VM).
"""

from __future__ import annotations

import pytest

from .support.metadata import DB02, WEB03, add_policy, bound, put, refused

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
