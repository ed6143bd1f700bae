"""Faults on demand: Abiquo errors and domain faults, seeded, never half-applying a write, visible in the journal."""

from __future__ import annotations

import time

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import DOOR_FAULTS

from .support import InProcessApi

VM5 = "/api/cloud/virtualdatacenters/2/virtualappliances/2/virtualmachines/5/metadata"  # db-02, datacenter 2
DCS = "/api/admin/datacenters"
METADATA = {"chef": {"role": "db"}, "backupResults": {"results": []}}


def put_metadata(api, path=VM5, metadata=METADATA):
    return api.put(path, body={"links": [], "metadata": metadata}, media="metadata")


def add(api, *faults, seed=None):
    body = {"faults": list(faults), **({"seed": seed} if seed is not None else {})}
    answer = api.post("/_mock/faults", body=body, user=None)
    assert answer.status == 201, answer.text
    return answer.json


def faulted(api):
    return api.get("/_mock/journal?fault=true", user=None).json["collection"]


def test_an_error_fault_answers_the_abiquo_envelope_for_the_next_n_matching_requests(api):
    add(api, {"kind": "error", "route": f"{DCS}*", "method": "GET", "times": 2, "code": "503-SERVICE-UNAVAILABLE"})
    answers = [api.get(DCS) for _ in range(3)]
    assert [a.status for a in answers] == [503, 503, 200]
    assert answers[0].codes == ["503-SERVICE-UNAVAILABLE"]
    assert answers[0].headers["content-type"].startswith("application/vnd.abiquo.errors+json")
    assert api.get("/api/admin/enterprises").status == 200  # another route is untouched
    assert [e["fault"]["committed"] for e in faulted(api)] == [False, False]


def test_an_error_before_a_write_commits_nothing(api):
    before = api.get(VM5).json
    add(api, {"kind": "error", "route": "*/metadata", "method": "PUT", "code": "409-CONFLICT-StaleObject", "times": 1})
    refused = put_metadata(api)
    assert refused.status == 409 and refused.codes == ["409-CONFLICT-StaleObject"]
    assert api.get(VM5).json == before
    [entry] = faulted(api)
    assert entry["fault"] == entry["fault"] | {"kind": "error", "committed": False, "status": 409}


def test_an_error_after_a_write_lost_only_the_answer_and_the_journal_says_it_committed(api):
    add(api, {"kind": "error", "route": "*/metadata", "method": "PUT", "when": "after", "times": 1})
    lost = put_metadata(api)
    assert lost.status == 503 and lost.codes == ["503-SERVICE-UNAVAILABLE"]
    assert api.get(VM5).json["metadata"] == METADATA  # the write is there
    [entry] = faulted(api)
    assert entry["fault"]["committed"] is True and entry["fault"]["lost"] == 200 and entry["status"] == 503
    assert put_metadata(api).status == 200  # the retry of the same PUT changes nothing more
    assert api.get(VM5).json["metadata"] == METADATA


def fired_paths(seed: int, probability: float = 0.5) -> list[str]:
    api = InProcessApi(create_app({"SCENARIO": "demo"}))
    add(api, {"kind": "error", "route": "/api/admin/datacenters/*", "probability": probability}, seed=seed)
    answers = [(path, api.get(path).status) for path in [f"{DCS}/{n % 2 + 1}" for n in range(40)]]
    return [f"{path} #{n}" for n, (path, status) in enumerate(answers) if status == 503]


def test_a_probability_draws_the_same_requests_for_the_same_seed():
    first = fired_paths(seed=11)
    assert 5 < len(first) < 35
    assert fired_paths(seed=11) == first
    assert fired_paths(seed=12) != first


def test_a_vm_locked_by_a_task_refuses_writes_with_vm_2_until_the_task_ends(api):
    add(api, {"kind": "vm-locked", "vm": 5, "requests": 2})
    assert api.get(VM5).status == 200  # reads are not refused
    refused = [put_metadata(api) for _ in range(2)]
    assert [(a.status, a.codes) for a in refused] == [(409, ["VM-2"])] * 2
    assert api.get(VM5).json["metadata"] != METADATA
    assert put_metadata(api).status == 200
    assert [e["fault"]["kind"] for e in faulted(api)] == ["vm-locked", "vm-locked"]


def test_a_task_of_some_seconds_ends_by_itself(inproc):
    add(inproc, {"kind": "vm-locked", "vm": 5, "seconds": 0.3})
    assert put_metadata(inproc).codes == ["VM-2"]
    time.sleep(0.35)
    assert put_metadata(inproc).status == 200


def test_a_triggered_lock_holds_the_vm_the_request_names(inproc):
    add(inproc, {"kind": "vm-locked", "route": "*/metadata", "method": "PUT", "times": 1, "requests": 2})
    assert [put_metadata(inproc).status for _ in range(3)] == [409, 409, 200]


def test_a_datacenter_whose_backup_service_is_down_answers_503_on_its_backup_surface(api):
    add(api, {"kind": "backup-down", "datacenter": 2})
    assert api.get(f"{DCS}/2/backuppolicies").codes == ["503-SERVICE-UNAVAILABLE"]
    assert put_metadata(api).status == 503  # VM 5 lives in datacenter 2
    assert api.get(f"{DCS}/1/backuppolicies").status == 200
    assert api.get(f"{DCS}/2").status == 200  # the datacenter itself still answers
    assert api.delete("/_mock/faults", user=None).status == 204
    assert put_metadata(api).status == 200


def test_a_bad_fault_is_refused_whole_and_adds_nothing(api):
    good = {"kind": "error", "route": "/api/*"}
    for bad in ({"kind": "flood"}, {"kind": "error", "code": "NOPE-1"}, {"kind": "drop", "drop": "later"}, 7):
        answer = api.post("/_mock/faults", body={"faults": [good, bad]}, user=None)
        assert answer.status == 400 and answer.json["collection"][0]["code"] == "GEN-2", answer.text
    assert api.get("/_mock/faults", user=None).json["collection"] == []
    assert api.get(DCS).status == 200


def test_faults_are_listed_and_the_fired_ones_are_kept(api):
    add(api, {"id": "flaky-dcs", "kind": "error", "route": DCS, "times": 1}, seed=4)
    api.get(DCS)
    listed = api.get("/_mock/faults", user=None).json
    assert listed["seed"] == 4 and [r["id"] for r in listed["collection"]] == ["flaky-dcs"]
    assert listed["collection"][0]["fired"] == 1
    fired = api.get("/_mock/faults/fired", user=None).json["collection"]
    assert [(f["rule"], f["path"]) for f in fired] == [("flaky-dcs", DCS)]


@pytest.fixture
def door_hook(app):
    return app.extensions[DOOR_FAULTS]


def test_the_door_gets_latency_drops_and_slow_bodies_for_the_requests_that_match(app, door_hook):
    inproc = InProcessApi(app)
    add(
        inproc,
        {"kind": "latency", "route": "/api/version", "delayMs": 20, "maxDelayMs": 80},
        {"kind": "drop", "route": DCS, "drop": "mid-body"},
        {"kind": "slow-body", "route": "/api/login", "bytesPerSecond": 100},
        seed=2,
    )
    delays = [door_hook("GET", "/api/version").delay_s for _ in range(5)]
    assert all(0.02 <= d <= 0.08 for d in delays) and len(set(delays)) > 1
    assert door_hook("GET", DCS).drop == "mid-body"
    assert door_hook("GET", "/api/login").body_bytes_per_s == 100
    assert door_hook("GET", "/api/admin/enterprises") is None


def test_a_request_dropped_before_the_app_is_in_the_journal_with_nothing_committed(app, door_hook):
    inproc = InProcessApi(app)
    add(inproc, {"kind": "drop", "route": "*/metadata", "method": "PUT", "drop": "before"})
    assert door_hook("PUT", VM5).drop == "before"
    [entry] = faulted(inproc)
    assert entry["status"] is None and entry["fault"]["committed"] is False


def test_a_request_cut_mid_body_is_journaled_with_whether_it_committed(app, door_hook):
    inproc = InProcessApi(app)
    add(inproc, {"kind": "drop", "route": "*/metadata", "method": "PUT", "drop": "mid-body"})
    assert door_hook("PUT", VM5).drop == "mid-body"
    assert put_metadata(inproc).status == 200  # what the door then cuts
    [entry] = faulted(inproc)
    assert entry["fault"] == entry["fault"] | {"kind": "drop", "drop": "mid-body", "committed": True}


def test_a_fault_refuses_a_get_whose_answer_is_kept_but_never_a_caller_it_cannot_authenticate(api):
    assert api.get(DCS).status == 200  # the answer is kept until the next write
    add(api, {"kind": "error", "route": DCS, "times": 2})
    assert api.get(DCS).codes == ["503-SERVICE-UNAVAILABLE"]
    assert api.get(DCS, user="nobody").status == 401
