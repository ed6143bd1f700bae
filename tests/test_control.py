"""The control API under /_mock: health, scenarios, reset, the request journal, and how it is switched off
or guarded by a token."""

from __future__ import annotations

import json

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import JOURNAL

from .support import InProcessApi

VM1 = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1"


def test_health_says_the_mock_is_up(api):
    answer = api.get("/_mock/health", user=None)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json["status"] == "ok"
    assert answer.json["version"] == "3.8.5"


def test_the_scenarios_are_listed(api):
    answer = api.get("/_mock/scenarios", user=None)
    assert answer.status == 200
    names = [s["name"] for s in answer.json["collection"]]
    assert {"demo", "empty"} <= set(names)
    assert all(s["description"] for s in answer.json["collection"])


def test_reset_brings_the_demo_back(api):
    api.put("/_mock/virtualmachines/1/state", body={"state": "NOT_ALLOCATED"}, user=None)
    assert api.get(VM1).json["state"] == "NOT_ALLOCATED"
    answer = api.post("/_mock/reset", body={"scenario": "empty"}, user=None)
    assert answer.status == 200 and answer.json["scenario"] == "empty"
    assert api.get("/api/admin/datacenters", user=None).status == 401  # no users any more
    answer = api.post("/_mock/reset", user=None)  # no body: the demo
    assert answer.status == 200 and answer.json["scenario"] == "demo"
    assert api.get(VM1).json["state"] == "ON"
    assert api.get("/api/cloud/virtualmachines").json["totalSize"] == 7


def test_reset_to_an_unknown_scenario_is_refused_and_keeps_the_store(api):
    answer = api.post("/_mock/reset", body={"scenario": "no-such-world"}, user=None)
    assert (answer.status, answer.codes) == (404, ["CTRL-1"])
    assert api.get("/api/cloud/virtualmachines").json["totalSize"] == 7


def _journal(api, query: str = "") -> list[dict]:
    answer = api.get(f"/_mock/journal{query}", user=None)
    assert answer.status == 200, answer.text
    assert answer.json["totalSize"] == len(answer.json["collection"])
    return answer.json["collection"]


def test_the_journal_records_each_api_exchange(api):
    api.delete("/_mock/journal", user=None)
    api.get("/api/cloud/virtualmachines?limit=1&has=web", user="entadmin")
    sent = {"name": "renamed", "links": []}
    api.put("/api/admin/datacenters/1", body=sent)  # refused: 405
    entries = _journal(api)
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("GET", "/api/cloud/virtualmachines", 200),
        ("PUT", "/api/admin/datacenters/1", 405),
    ]
    listing, refused = entries
    assert listing["query"] == "limit=1&has=web"
    assert listing["user"] == "entadmin"
    assert json.loads(listing["responseBody"])["collection"][0]["name"] == "web-01"
    assert {k.lower(): v for k, v in listing["requestHeaders"].items()}["authorization"] == "(redacted)"
    assert json.loads(refused["requestBody"]) == sent
    assert json.loads(refused["responseBody"])["collection"][0]["code"] == "405-METHOD-NOT-ALLOWED"


def test_the_journal_filters_by_path_and_method_and_clears(api):
    api.delete("/_mock/journal", user=None)
    api.get("/api/admin/datacenters")
    api.get("/api/admin/enterprises")
    api.request("DELETE", "/api/admin/enterprises/1")
    assert [e["path"] for e in _journal(api, "?path=/api/admin/enterprises")] == [
        "/api/admin/enterprises",
        "/api/admin/enterprises/1",
    ]
    assert [e["path"] for e in _journal(api, "?method=delete")] == ["/api/admin/enterprises/1"]
    assert [e["path"] for e in _journal(api, "?path=/api/admin/enterprises&method=GET")] == ["/api/admin/enterprises"]
    assert api.delete("/_mock/journal", user=None).status == 204
    assert _journal(api) == []


def test_the_control_api_does_not_record_itself(api):
    api.delete("/_mock/journal", user=None)
    api.get("/_mock/health", user=None)
    assert _journal(api) == []


def test_without_control_there_is_no_mock_api_and_no_journal():
    app = create_app({"DB_PATH": None, "SCENARIO": "demo", "CONTROL_ENABLED": False})
    api = InProcessApi(app)
    for method, path in (
        ("GET", "/_mock/health"),
        ("GET", "/_mock/journal"),
        ("POST", "/_mock/reset"),
        ("PUT", "/_mock/virtualmachines/1/state"),
    ):
        answer = api.request(method, path, user=None, body={"state": "OFF"} if method == "PUT" else None)
        assert (answer.status, answer.codes) == (404, ["404-NOT-FOUND"])
    assert JOURNAL not in app.extensions
    assert api.get(VM1).json["state"] == "ON"


@pytest.fixture
def guarded():
    return InProcessApi(create_app({"DB_PATH": None, "SCENARIO": "demo", "CONTROL_TOKEN": "s3cret"}))


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/_mock/health"),
        ("GET", "/_mock/scenarios"),
        ("GET", "/_mock/journal"),
        ("DELETE", "/_mock/journal"),
        ("POST", "/_mock/reset"),
        ("PUT", "/_mock/virtualmachines/1/state"),
    ],
)
def test_with_a_token_the_control_api_needs_it(guarded, method, path):
    body = {"state": "OFF"} if method == "PUT" else None
    for headers in ({}, {"X-Mock-Token": "wrong"}, {"X-Mock-Token": ""}):
        answer = guarded.request(method, path, user=None, body=body, headers=headers)
        assert (answer.status, answer.codes) == (401, ["401-UNAUTHORIZED"]), answer.text
    assert guarded.get(VM1).json["state"] == "ON"  # refused: nothing changed
    answer = guarded.request(method, path, user=None, body=body, headers={"X-Mock-Token": "s3cret"})
    assert answer.status in (200, 204), answer.text


def test_the_token_does_not_guard_the_api_itself(guarded):
    assert guarded.get("/api/login").status == 200
