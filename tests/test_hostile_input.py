"""Odd input an attacker or a flaky CI sends: each one answered 4xx in the Abiquo envelope, never a 500."""

from __future__ import annotations

import base64

import pytest
from abiquo_mock.mockserver.app import create_app

from .support import InProcessApi

TOKEN = "tökén-ü"
VM1_STATE = "/_mock/virtualmachines/1/state"


def _basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_a_utf8_password_is_refused_as_bad_credentials_not_a_crash(api):
    answer = api.get("/api/login", user=None, headers=_basic("admin", "pässwörd"))
    assert (answer.status, answer.codes) == (401, ["401-UNAUTHORIZED"])


def test_a_user_whose_password_has_accents_can_log_in(inproc, store):
    admin = store.first("users", nick="admin")
    store.put("users", admin["id"], {**admin, "password": "pässwörd"})
    assert inproc.get("/api/login", user=None, headers=_basic("admin", "pässwörd")).status == 200


@pytest.fixture
def guarded():
    return InProcessApi(create_app({"DB_PATH": None, "SCENARIO": "demo", "CONTROL_TOKEN": TOKEN}))


def test_a_non_ascii_control_token_guards_the_control_api(guarded):
    sent_as_utf8 = TOKEN.encode().decode("latin-1")  # what a server reads from a header sent as UTF-8 bytes
    assert guarded.get("/_mock/health", user=None, headers={"X-Mock-Token": sent_as_utf8}).status == 200
    for wrong in ("wrong", "tökén-ü".encode().decode("latin-1")[:-1], "ü"):
        answer = guarded.get("/_mock/health", user=None, headers={"X-Mock-Token": wrong})
        assert (answer.status, answer.codes) == (401, ["401-UNAUTHORIZED"])


@pytest.mark.parametrize("length", [255, 256, 1000, 5000])
def test_a_scenario_name_too_long_for_a_file_is_an_unknown_scenario(api, length):
    answer = api.post("/_mock/reset", body={"scenario": "a" * length}, user=None)
    assert (answer.status, answer.codes) == (404, ["CTRL-1"])
    assert api.get("/api/cloud/virtualmachines").json["totalSize"] == 7  # the world is untouched


@pytest.mark.parametrize(
    "method, path, raw",
    [
        ("POST", "/_mock/reset", b"[" * 100_000),
        ("POST", "/_mock/reset", b'{"scenario": ' + b"[" * 100_000),
        ("PUT", VM1_STATE, b'{"state": ' + b"{" * 50_000 + b"}" * 50_000 + b"}"),
        ("PUT", VM1_STATE, b"[" * 100_000 + b"]" * 100_000),
    ],
)
def test_deeply_nested_json_to_the_control_api_is_refused(api, method, path, raw):
    answer = api.request(method, path, user=None, raw=raw, headers={"Content-Type": "application/json"})
    assert (answer.status, answer.codes) == (400, ["GEN-3"]), answer.text[:200]
    assert api.get("/api/cloud/virtualmachines").json["totalSize"] == 7
