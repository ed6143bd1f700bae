"""The control API takes only what it can act on: a misspelt field, a value out of its bounds or a fault that
could never act is refused with a 400 naming the field, and nothing changes (world, faults, timeline).

The demo world: web-03 (VM 3) is not deployed; there are datacenters 1 to 3 and VMs 1 to 7.
"""

from __future__ import annotations

import re

import pytest
from abiquo_mock.mockserver.faults.plan import MAX_FAULTS
from abiquo_mock.mockserver.faults.scale import MAX_VMS
from abiquo_mock.mockserver.http.api import REGISTRY
from abiquo_mock.mockserver.openapi import build
from abiquo_mock.mockserver.timeline.model import MAX_PENDING, MAX_STEPS

WEB03 = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/3"
UNKNOWN = re.compile(r"Unknown field '(?P<field>[^']+)'; known: (?P<known>.+)$")
FAULT = {"kind": "error", "route": "/api/admin/enterprises/*", "times": 1}
# A body each control operation takes, by operation: the tests add a misspelt field to it.
GOOD_BODIES = {
    "mockReset": ("POST", "/_mock/reset", {"scenario": "demo"}),
    "mockSetVirtualMachineState": ("PUT", "/_mock/virtualmachines/3/state", {"state": "NOT_ALLOCATED"}),
    "mockCountRequests": ("POST", "/_mock/journal/count", {"method": "GET"}),
    "mockFindRequests": ("POST", "/_mock/journal/find", {"method": "GET"}),
    "mockVerifyRequests": ("POST", "/_mock/journal/verify", {"method": "GET", "atLeast": 0}),
    "mockStartTimeline": ("POST", "/_mock/timeline", {"steps": [{"at": 60_000, "deploy": 3}]}),
    "mockAddFaults": ("POST", "/_mock/faults", FAULT),
    "consoleUpdateBackupProperties": (
        "PUT",
        "/_mock/console/api/datacenters/1/backupproperties",
        {"multipleRestore": True, "multiplePolicies": True, "updateWhileDeployed": True},
    ),
    "consoleSaveScenario": ("POST", "/_mock/console/api/scenarios", {"name": "typo-check"}),
    "consoleReplayScript": ("POST", "/_mock/console/api/replayscript", {"entries": []}),
    "consoleSendRequest": (
        "POST",
        "/_mock/console/api/requests",
        {"user": None, "method": "GET", "path": "/api/version"},
    ),
}
OWN_CODES = {"mockStartTimeline": "CTRL-TIMELINE"}  # the timeline's refusals have a code of their own


def _world(api) -> str:
    """What a refused control request must leave as it was: the world, the faults, the timeline."""
    parts = [api.get(WEB03, user="admin").text, api.get(f"{WEB03}/metadata", user="admin").text]
    parts += [api.get("/_mock/faults", user=None).json["collection"], api.get("/_mock/timeline", user=None).json]
    parts += [api.get("/api/admin/datacenters/1/backupproperties", user="admin").text]
    return repr(parts)


def _refused(api, method: str, path: str, body, code: str = "GEN-2") -> str:
    before = _world(api)
    answer = api.request(method, path, user=None, body=body)
    assert (answer.status, answer.codes) == (400, [code]), answer.text
    assert _world(api) == before, "a refused control request changed something"
    return answer.json["collection"][0]["message"]


@pytest.fixture(autouse=True)
def _scenarios_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ABIQUO_MOCK_FIXTURES", str(tmp_path))  # a scenario saved by mistake lands here


def test_every_control_operation_that_takes_a_body_is_checked_here():
    build()
    declared = {op.op_id for op in REGISTRY if op.prefix == "/_mock" and op.request_schema}
    assert declared == set(GOOD_BODIES)


@pytest.mark.parametrize("op_id", sorted(GOOD_BODIES))
def test_a_misspelt_field_is_refused_naming_it_and_the_known_ones(api, op_id):
    method, path, body = GOOD_BODIES[op_id]

    message = _refused(api, method, path, {**body, "sceanrio": "x"}, OWN_CODES.get(op_id, "GEN-2"))

    found = UNKNOWN.search(message)
    assert found and found["field"] == "sceanrio", message
    schema = build()["components"]["schemas"][next(op.request_schema for op in REGISTRY if op.op_id == op_id)]
    declared = schema.get("properties") or schema["oneOf"][0]["properties"]
    assert set(found["known"].split(", ")) <= set(declared) | set(schema.get("oneOf", [{}])[-1].get("properties", {}))


def test_a_reset_with_a_typo_resets_nothing(api):
    assert api.put(f"{WEB03}/metadata", media="metadata", body={"links": [], "metadata": {"mark": 1}}).status == 200

    message = _refused(api, "POST", "/_mock/reset", {"scenaro": "not-apply"})

    assert message == "Unknown field 'scenaro'; known: scenario, seed, parameters, abiquo"
    assert api.get(f"{WEB03}/metadata").json["metadata"] == {"mark": 1}


@pytest.mark.parametrize(
    "body, says",
    [
        (
            {"scenario": "scale", "parameters": {"vms": 2_000_000}},
            f"'parameters.vms' must be an integer from 150 to {MAX_VMS}",
        ),
        ({"scenario": "scale", "parameters": {"vms": MAX_VMS + 1}}, "'parameters.vms' must be an integer from"),
        ({"scenario": "scale", "parameters": {"vms": 10**30}}, "'parameters.vms' must be an integer from"),
        ({"scenario": "scale", "parameters": {"vms": 2.5e5}}, "'parameters.vms' must be an integer"),
        ({"scenario": "scale", "parameters": {"vmz": 300}}, "Unknown field 'parameters.vmz'; known: vms"),
        ({"scenario": "demo", "parameters": {"vms": 300}}, "Unknown field 'parameters.vms'; the scenario demo takes"),
        ({"scenario": "demo", "seed": 2**63}, "'seed' must be an integer from"),
        ({"scenario": "demo", "seed": True}, "'seed' must be an integer"),
        ({"scenario": 7}, "'scenario' must be a text"),
        ({"parameters": []}, "'parameters' must be an object"),
    ],
)
def test_a_reset_out_of_bounds_is_refused_at_once_and_resets_nothing(api, body, says):
    assert says in _refused(api, "POST", "/_mock/reset", body)


def test_the_contract_states_the_bound_of_the_scale_world():
    vms = build()["components"]["schemas"]["Reset"]["properties"]["parameters"]["properties"]["vms"]
    assert (vms["minimum"], vms["maximum"]) == (150, MAX_VMS)
    assert MAX_VMS >= 100_000  # the size the scale world is meant to reach


@pytest.mark.parametrize(
    "fault, says",
    [
        ({"kind": "latency"}, "'delayMs' is required"),
        ({"kind": "latency", "delayMs": 0}, "a latency fault of 0 ms delays nothing"),
        ({"kind": "latency", "delayMs": 0, "maxDelayMs": 0}, "a latency fault of 0 ms delays nothing"),
        ({"kind": "latency", "delayMs": 50, "maxDelayMs": 10}, "'maxDelayMs' must not be below 'delayMs'"),
        ({"kind": "latency", "delayMs": 10**7}, "'delayMs' must be a number from 0 to 600000"),
        ({"kind": "vm-locked"}, "a vm-locked fault needs 'vm'"),
        ({"kind": "vm-locked", "seconds": 5}, "a vm-locked fault needs 'vm'"),
        ({"kind": "vm-locked", "vm": 999}, "'vm': there is no VM 999"),
        ({"kind": "vm-locked", "vm": 3, "seconds": 0}, "'seconds' must be a number above 0"),
        ({"kind": "vm-locked", "vm": 3, "requests": 0}, "'requests' must be an integer from 1 to"),
        ({"kind": "backup-down"}, "a backup-down fault needs 'datacenter'"),
        ({"kind": "backup-down", "datacenter": 99}, "'datacenter': there is no datacenter 99"),
        ({"kind": "backup-down", "datacenter": 2**40}, "'datacenter' must be an integer from 1 to 2147483647"),
        ({"kind": "slow-body"}, "'bytesPerSecond' is required"),
        ({"kind": "error", "delayMs": 100}, "Unknown field 'delayMs'; known: id, kind, route, method"),
        ({"kind": "drop", "vm": 3}, "Unknown field 'vm'"),
        ({"kind": "error", "probability": 0}, "'probability' must be a number above 0 and at most 1"),
        ({"kind": "error", "times": 0}, "'times' must be an integer from 1 to"),
        ({"kind": "error", "route": "api/admin/*"}, "'route' must match"),
        ({"kind": "error", "method": "PUTT"}, "'method' must match"),
        ({"kind": "error", "code": "NOPE-1"}, "'code' 'NOPE-1' is not in the error catalogue"),
        ({"kind": "error", "message": 7}, "'message' must be a text"),
        ({"kind": "error", "when": "later"}, "'when' must be one of before, after"),
        ({"kind": "flood"}, "'kind' must be one of error"),
        ({"route": "/api/*"}, "'kind' is required"),
    ],
)
def test_a_fault_that_cannot_act_is_refused_naming_what_is_missing(api, fault, says):
    message = _refused(api, "POST", "/_mock/faults", fault)
    assert message.startswith("Invalid fault: ") and says in message, message


def test_a_listed_fault_is_named_by_its_place_and_the_list_is_refused_whole(api):
    message = _refused(api, "POST", "/_mock/faults", {"faults": [FAULT, {"kind": "latency", "dealyMs": 5}]})
    assert "Unknown field 'faults[1].dealyMs'" in message, message
    assert "Unknown field 'sede'" in _refused(api, "POST", "/_mock/faults", {"faults": [FAULT], "sede": 1})


def test_a_domain_fault_on_what_the_world_holds_is_taken(api):
    for fault in ({"kind": "vm-locked", "vm": 3}, {"kind": "backup-down", "datacenter": 2, "requests": 1}):
        assert api.post("/_mock/faults", user=None, body=fault).status == 201
    assert api.post("/_mock/faults", user=None, body={"kind": "vm-locked", "route": "*/metadata"}).status == 201
    assert api.post("/_mock/faults", user=None, body={"kind": "latency", "maxDelayMs": 5, "delayMs": 0}).status == 201


def test_no_more_faults_than_the_bound_are_on_at_once(api):
    assert api.post("/_mock/faults", user=None, body={"faults": [FAULT] * (MAX_FAULTS - 1)}).status == 201
    assert "at most 1000 faults" in _refused(api, "POST", "/_mock/faults", {"faults": [FAULT, FAULT]})
    assert api.post("/_mock/faults", user=None, body=FAULT).status == 201


def test_a_timeline_longer_than_the_bound_is_refused(api):
    steps = [{"at": 60_000, "deploy": 3}] * (MAX_STEPS + 1)
    message = _refused(api, "POST", "/_mock/timeline", {"steps": steps}, "CTRL-TIMELINE")
    assert f"'steps' must hold 1 to {MAX_STEPS} items" in message


def test_no_more_timeline_steps_than_the_bound_wait_at_once(api):
    steps = [{"at": 3_600_000, "deploy": 3}] * MAX_STEPS
    for _ in range(MAX_PENDING // MAX_STEPS):
        assert api.post("/_mock/timeline", user=None, body={"steps": steps}).status == 200
    message = _refused(api, "POST", "/_mock/timeline", {"steps": steps[:1]}, "CTRL-TIMELINE")
    assert f"at most {MAX_PENDING} may wait at once" in message
    api.reset("demo")  # a new world drops what the old one had pending
    assert api.post("/_mock/timeline", user=None, body={"steps": steps}).status == 200


@pytest.mark.parametrize(
    "path, body, says",
    [
        ("/_mock/virtualmachines/3/state", {"state": "ON", "user": ""}, "'user' must be a text of 1 to 255"),
        ("/_mock/journal/verify", {"count": -1}, "'count' must be an integer from 0 to"),
        ("/_mock/journal/verify", {"atMost": 2**31}, "'atMost' must be an integer from 0 to"),
        ("/_mock/journal/find", {"path": "/" * 3000}, "'path' must be a text of 0 to 2048 characters"),
    ],
)
def test_control_values_out_of_bounds_are_refused(api, path, body, says):
    method = "PUT" if path.endswith("/state") else "POST"
    assert says in _refused(api, method, path, body)
