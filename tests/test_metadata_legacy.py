"""The legacy (3.8) schedule in VM metadata: BC-5…BC-19 and BC-15, each refusal leaving the store as it was."""

from __future__ import annotations

import pytest

VM4 = "/api/cloud/virtualdatacenters/2/virtualappliances/2/virtualmachines/5/metadata"  # db-02, undeployed


def put(api, metadata, user="admin", path=VM4):
    return api.put(path, body={"links": [], "metadata": metadata}, media="metadata", user=user)


def schedule(entry, backup_type="complete", granularity="daily"):
    return {"backupSchedule": {backup_type: {granularity: entry}}}


REFUSALS = [
    ("BC-5", {"backupSchedule": {"incremental": {"daily": {}}}}),
    ("BC-8", {"backupSchedule": {"complete": {"yearly": {}}}}),
    ("BC-9", schedule({"paths": ["/var"]})),
    ("BC-10", schedule({"disks": ["1"]}, "filesystem")),
    ("BC-11", schedule({"time": ""})),
    ("BC-11", schedule({"time": None})),
    ("BC-12", schedule({"time": "22:00"})),
    ("BC-12", schedule({"time": "24:00:00 +0100"})),
    ("BC-13", schedule({"time": "2026/13/01 10:00:00 +0000"}, granularity="defined_hour")),
    ("BC-13", schedule({"time": "10:00:00 +0000"}, granularity="defined_hour")),
    ("BC-14", {"backupSchedule": ["complete"]}),
    ("BC-14", {"backupSchedule": {"complete": {"daily": "22:00:00 +0100"}}}),
    ("BC-14", schedule({"time": "22:00:00 +0100", "monday": "true"})),
    ("BC-14", schedule({"time": "22:00:00 +0100", "monday": "yes"}, granularity="weekly_planned")),
    ("BC-14", schedule({"retention": 7})),
    ("BC-15", {"backupResults": {"results": [{"id": "1", "status": "complete"}]}}),
    ("BC-15", {"backupResults": {"results": [{"id": "1"}]}}),
    ("BC-16", schedule({"time": "25"}, granularity="hourly")),  # the catalogue: 0 to 24
    ("BC-16", schedule({"time": "-1"}, granularity="hourly")),
    ("BC-16", schedule({"time": "4h"}, granularity="hourly")),
    ("BC-17", schedule({"disks": "1,2"})),
    ("BC-17", schedule({"disks": [{"id": 1}]})),
    ("BC-18", schedule({"paths": "/var"}, "filesystem")),
    ("BC-19", schedule({"time": "03:00:00 +0000", "disks": ["1"]}, granularity="weekly_planned")),
    ("GEN-2", {"backupResults": {"results": "none"}}),
    ("GEN-2", {"backupResults": []}),
]


@pytest.mark.parametrize("code, metadata", REFUSALS, ids=[f"{c}-{i}" for i, (c, _) in enumerate(REFUSALS)])
def test_an_invalid_legacy_schedule_is_refused_and_changes_nothing(inproc, store, code, metadata):
    before = store.dump()
    answer = put(inproc, metadata)
    assert (answer.status, answer.codes) == (400, [code]), answer.text
    assert store.dump() == before


@pytest.mark.parametrize(
    "body", [[], {"links": []}, {"metadata": []}, {"metadata": {}, "extra": 1}, {"metadata": {}, "links": "none"}]
)
def test_a_body_that_is_no_envelope_is_refused(inproc, store, body):
    before = store.dump()
    answer = inproc.put(VM4, body=body, media="metadata")
    assert (answer.status, answer.codes) == (400, ["GEN-2"])
    assert store.dump() == before


EVERY_GRANULARITY = {
    "complete": {
        "defined_hour": {"time": "2026/12/24 23:00:00 +0000", "disks": ["1"]},
        "hourly": {"time": "23", "disks": [7527]},
        "daily": {"disks": ["1"]},  # no time: accepted, as in 3.8
        "weekly_planned": {"time": "03:00:00 -0330", "sunday": "true"},
        "monthly": {"time": "00:00:00 +0000"},
    },
    "snapshot": {},
    "filesystem": {"daily": {"time": "12:30:59 +1200", "paths": ["/var/lib/db", "/etc"]}},
}


def test_a_legacy_schedule_of_every_granularity_round_trips_with_disks_as_strings(api):
    metadata = {
        "chef": "{}",
        "backupSchedule": EVERY_GRANULARITY,
        "startup-script": "#!/bin/sh",
        "backupResults": {"results": [{"id": 9, "status": "progress", "extra": [1]}]},
    }
    answer = put(api, metadata)
    assert answer.status == 200, answer.text
    stored = answer.json["metadata"]
    assert list(stored) == ["chef", "backupSchedule", "startup-script", "backupResults"]
    assert stored["backupSchedule"]["complete"]["hourly"]["disks"] == ["7527"]
    assert "policies" not in stored["backupSchedule"]
    assert stored["backupSchedule"]["filesystem"] == EVERY_GRANULARITY["filesystem"]
    assert api.get(VM4).json == {"links": [], "metadata": stored}


def test_a_user_without_the_schedule_privilege_cannot_set_a_legacy_time(inproc, store):
    before = store.dump()
    answer = put(inproc, schedule({"time": "22:00:00 +0100"}, "snapshot"), user="user")
    assert (answer.status, answer.codes) == (403, ["403-FORBIDDEN"])
    assert "VAPP_DEFINE_BACKUP_INFO" in answer.text
    assert store.dump() == before


def test_a_user_without_the_disks_privilege_cannot_choose_disks(inproc, store):
    before = store.dump()
    answer = put(inproc, schedule({"disks": ["1"]}, "snapshot"), user="user")
    assert (answer.status, answer.codes) == (403, ["403-FORBIDDEN"])
    assert "VAPP_MANAGE_BACKUP_DISKS" in answer.text
    assert store.dump() == before


def test_the_enterprise_administrator_may_set_times_and_disks(inproc):
    answer = put(inproc, schedule({"time": "22:00:00 +0100", "disks": ["1"]}, "snapshot"), user="entadmin")
    assert answer.status == 200, answer.text
