"""A fault acts on the Abiquo API only: one on every route (``*``) or on the control API's own paths never answers
for /_mock, so the request that switches it off always gets through. The demo world, in-process and over HTTP
(where the front door applies the transport faults: latency, drops)."""

from __future__ import annotations

import pytest

FAULTS = [
    {"kind": "error", "route": "*", "code": "503-SERVICE-UNAVAILABLE"},
    {"kind": "error", "route": "/_mock/*", "when": "after"},
    {"kind": "drop", "route": "*", "drop": "before"},
    {"kind": "latency", "route": "*/_mock/*", "delayMs": 60_000},
    {"kind": "vm-locked", "route": "*", "vm": 3},
]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f"{f['kind']}-{f['route']}")
def test_a_fault_on_every_route_leaves_the_control_api_working(api, fault):
    assert api.post("/_mock/faults", body={"faults": [fault]}, user=None).status == 201
    assert api.get("/_mock/health", user=None).status == 200
    assert api.get("/_mock/journal", user=None).status == 200
    assert api.get("/_mock/console/api/world", user=None).status == 200
    assert api.put("/_mock/virtualmachines/3/state", body={"state": "ON"}, user=None).status == 200
    assert api.get("/_mock/faults", user=None).json["collection"][0]["kind"] == fault["kind"]
    assert api.delete("/_mock/faults", user=None).status == 204
    assert api.post("/_mock/reset", body={}, user=None).status == 200


def test_the_api_is_still_faulted_meanwhile(api):
    assert api.post("/_mock/faults", body={"faults": [FAULTS[0]]}, user=None).status == 201
    assert api.get("/api/admin/datacenters").codes == ["503-SERVICE-UNAVAILABLE"]
    assert api.get("/_mock/faults/fired", user=None).json["collection"][0]["path"] == "/api/admin/datacenters"
    assert api.delete("/_mock/faults", user=None).status == 204
    assert api.get("/api/admin/datacenters").status == 200
