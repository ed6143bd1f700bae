"""Scripted timelines: steps at fixed offsets, played in order, each visible in the event log and journal."""

from __future__ import annotations

import time

import pytest
from abiquo_mock.mockserver.app import create_app

from .support import InProcessApi

VM = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines"
PLAYED_ALL = 6
STEPS = [
    {"at": 0, "deploy": 3, "as": "entadmin"},
    {"at": 0, "metadata": 1, "as": "entadmin", "set": {"owner": "qa"}},
    {"at": 30, "undeploy": 2},
    {"at": 60, "restore": 1, "backup": "bk-1-1", "as": "entadmin"},
    {"at": 90, "state": 1, "to": "OFF"},
    {"at": 90, "dropStreams": True},
]


@pytest.fixture
def api():
    return InProcessApi(create_app({"DB_PATH": None, "SCENARIO": "demo", "LIFECYCLE_MS": 10}))


def play(api, body, wait_for=PLAYED_ALL):
    answer = api.post("/_mock/timeline", user=None, body=body)
    assert answer.status == 200, answer.text
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = api.get("/_mock/timeline", user=None).json
        if len(status["played"]) >= wait_for and status["pending"] == 0:
            return answer.json, status
        time.sleep(0.02)
    raise AssertionError(f"the timeline did not finish: {status}")


def vm_actions(api):
    events = api.get("/api/events?limit=0&asc=true").json["collection"]  # oldest first
    return [(e["idVirtualMachine"], e["action"], e["user"]) for e in events if e["component"] == "VIRTUAL_MACHINE"]


def test_a_timeline_plays_its_steps_in_order_with_their_events(api):
    started, status = play(api, {"steps": STEPS})
    assert started == {"steps": 6, "lastStepAtMs": 90}
    assert [p["status"] for p in status["played"]] == [202, 200, 202, 200, 200, 200]
    assert vm_actions(api) == [
        (3, "DEPLOY", "entadmin"),
        (1, "METADATA_MODIFIED", "entadmin"),
        (3, "DEPLOY_FINISH", "entadmin"),
        (2, "UNDEPLOY", "admin"),
        (2, "UNDEPLOY_FINISH", "admin"),
        (1, "RESTORE_BACKUP", "entadmin"),
        (1, "VSM_CHANGE_STATE", "admin"),
    ]
    assert api.get(f"{VM}/1/metadata").json["metadata"]["owner"] == "qa"
    assert [api.get(f"{VM}/{n}").json["state"] for n in (1, 2, 3)] == ["OFF", "NOT_ALLOCATED", "ON"]
    journal = api.get("/_mock/journal?method=TIMELINE", user=None).json["collection"]
    assert [(e["path"].rsplit("/", 1)[-1], e["user"], e["status"]) for e in journal] == [
        ("3", "entadmin", 202),
        ("1", "entadmin", 200),
        ("2", "admin", 202),
        ("1", "entadmin", 200),
        ("1", "admin", 200),
        ("stream", "admin", 200),
    ]


def test_the_same_timeline_plays_the_same_way_twice(api):
    play(api, {"steps": STEPS})
    first = [(vm, action) for vm, action, _ in vm_actions(api)]
    api.reset("demo")
    play(api, {"steps": STEPS})
    assert [(vm, action) for vm, action, _ in vm_actions(api)] == first


def test_a_refused_step_is_journaled_with_its_error_and_changes_nothing(api):
    _, status = play(api, {"steps": [{"at": 0, "deploy": 1}, {"at": 0, "restore": 1, "backup": "nope"}]}, 2)
    assert [p["status"] for p in status["played"]] == [409, 404]
    journal = api.get("/_mock/journal?method=TIMELINE", user=None).json["collection"]
    assert ['"VM-7"' in e["responseBody"] for e in journal] == [True, False]
    assert '"BC-20"' in journal[1]["responseBody"]
    assert vm_actions(api) == []


@pytest.mark.parametrize(
    "steps",
    [
        [],
        [{"deploy": 3}],
        [{"at": -1, "deploy": 3}],
        [{"at": 0, "deploy": 3, "undeploy": 3}],
        [{"at": 0, "deploy": "web-03"}],
        [{"at": 0, "metadata": 1}],
        [{"at": 0, "restore": 1}],
        [{"at": 0, "dropStreams": "yes"}],
        [{"at": 0, "deploy": 3, "as": 7}],
        "deploy",
    ],
)
def test_a_bad_timeline_is_refused_before_anything_plays(api, steps):
    answer = api.post("/_mock/timeline", user=None, body={"steps": steps})
    assert (answer.status, answer.codes) == (400, ["CTRL-TIMELINE"])
    time.sleep(0.05)
    assert vm_actions(api) == []


def test_a_reset_stops_a_timeline(api):
    api.post("/_mock/timeline", user=None, body={"steps": [{"at": 200, "deploy": 3}]})
    api.reset("demo")
    time.sleep(0.4)
    assert vm_actions(api) == []


def test_without_steps_the_loaded_scenario_has_none(api):
    answer = api.post("/_mock/timeline", user=None, body={"scenario": "demo"})
    assert (answer.status, answer.codes) == (400, ["CTRL-TIMELINE"])
