"""Abiquo's session cookie (docs/BACKUP-RULES.md#sessions): GET /api/login with Basic credentials answers
``Set-Cookie: auth=…; Expires=…; Path=/api``; the cookie alone is the caller afterwards, until it expires or the
client logs out; it is bound to its user (a tenant's cookie reads what that tenant reads), listed by
GET /api/login/sessions, never written to the request journal, and a kept answer computed for it is given to
nobody once the session is over. The demo world (admin: the cloud; globex: another tenant's administrator)."""

from __future__ import annotations

import json
import re

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import store_of
from abiquo_mock.mockserver.frontdoor import build
from abiquo_mock.mockserver.http import sessions

from .support import InProcessApi
from .support.asgi import call, run

ACME_VM = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1"


def _login(api, user="admin", accept=None):
    answer = api.get("/api/login", user=user, accept=accept)
    assert answer.status == 200, answer.text
    cookie = answer.headers["set-cookie"]
    assert re.fullmatch(r"auth=[\w-]{40,}; Expires=\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT; Path=/api; .*", cookie)
    return cookie.split(";")[0]


def _as(cookie: str) -> dict:
    return {"Cookie": cookie}


def test_a_cookie_from_login_alone_lists_datacenters(api):
    cookie = _login(api)
    answer = api.get("/api/admin/datacenters", user=None, headers=_as(cookie))
    assert answer.status == 200, answer.text
    assert answer.json["totalSize"] >= 1


def test_no_cookie_and_a_made_up_one_are_401(api):
    assert api.get("/api/admin/datacenters", user=None).status == 401
    answer = api.get("/api/admin/datacenters", user=None, headers=_as("auth=made-up"))
    assert answer.status == 401 and answer.codes == ["401-UNAUTHORIZED"]


def test_a_tenants_cookie_never_reads_another_tenants_vms(api):
    admin, globex = _login(api), _login(api, "globex")
    assert api.get(ACME_VM, user=None, headers=_as(admin)).status == 200  # kept for the admin's cookie
    assert api.get(ACME_VM, user=None, headers=_as(admin)).status == 200
    refused = api.get(ACME_VM, user=None, headers=_as(globex))
    assert refused.status == 404 and refused.codes == ["VDC-0"]
    theirs = api.get("/api/cloud/virtualmachines", user=None, headers=_as(globex)).json["collection"]
    assert theirs == api.get("/api/cloud/virtualmachines", user="globex").json["collection"]


def test_the_session_list_shows_the_callers_sessions_and_no_cookie(api):
    first, again = _login(api), _login(api)
    assert again == first  # the same login again, while its session lasts, is the same session
    _login(api, "globex")
    _login(api, accept="application/json")  # another client of the same user: a session of its own
    listed = api.get("/api/login/sessions", user=None, headers=_as(first))
    assert listed.status == 200, listed.text
    assert listed.headers["content-type"] == "application/vnd.abiquo.sessions+json; version=3.8"
    mine = listed.json["collection"]
    assert len(mine) == 2 and {s["nick"] for s in mine} == {"admin"}
    assert first.split("=", 1)[1] not in listed.text
    assert {link["rel"] for link in mine[0]["links"]} == {"user", "enterprise"}


def test_logout_ends_the_session(api):
    cookie = _login(api)
    assert api.get("/api/admin/datacenters", user=None, headers=_as(cookie)).status == 200
    assert api.post("/api/logout", user=None, headers=_as(cookie)).status == 204
    answer = api.get("/api/admin/datacenters", user=None, headers=_as(cookie))
    assert answer.status == 401 and "log in again" in answer.json["collection"][0]["message"]


def test_the_journal_never_holds_the_cookie(api):
    cookie = _login(api)
    api.get("/api/admin/datacenters", user=None, headers=_as(cookie))
    journal = json.dumps(api.get("/_mock/journal", user=None).json)
    assert cookie.split("=", 1)[1] not in journal
    assert "(redacted)" in journal


def test_a_reset_ends_every_session(api):
    cookie = _login(api)
    api.reset("demo")
    assert api.get("/api/admin/datacenters", user=None, headers=_as(cookie)).status == 401


@pytest.fixture
def clock(monkeypatch):
    moment = [1_800_000_000.0]
    monkeypatch.setattr(sessions, "now", lambda: moment[0])
    return moment


def test_a_session_lasts_its_minutes_and_then_is_401(clock):
    api = InProcessApi(create_app({"SCENARIO": "demo", "SESSION_MINUTES": 30}))
    cookie = _login(api)
    clock[0] += 29 * 60
    assert api.get("/api/admin/datacenters", user=None, headers=_as(cookie)).status == 200
    clock[0] += 2 * 60
    assert api.get("/api/admin/datacenters", user=None, headers=_as(cookie)).status == 401


def test_the_fast_path_gives_no_kept_answer_once_its_session_is_over(clock):
    app = create_app({"SCENARIO": "demo", "SESSION_MINUTES": 1})
    door = build(app)
    cookie = _login(InProcessApi(app))
    headers = {"Cookie": cookie, "Host": "mock.localhost"}
    for _ in range(2):  # computed, then kept
        assert run(call(door, "GET", "/api/admin/datacenters", headers=headers)).status == 200
    clock[0] += 61
    assert run(call(door, "GET", "/api/admin/datacenters", headers=headers)).status == 401
    body_headers = {**headers, "Content-Type": "application/json", "Content-Length": "2"}
    assert (
        run(call(door, "PUT", "/api/admin/datacenters/1/backupproperties", headers=body_headers, chunks=[b"{}"])).status
        == 401
    )


def test_sessions_are_bounded_whatever_the_logins(monkeypatch):
    monkeypatch.setattr(sessions, "MAX_SESSIONS", 50)
    monkeypatch.setattr(sessions, "MAX_PER_USER", 10)
    app = create_app({"SCENARIO": "demo"})
    api = InProcessApi(app)
    for n in range(30):  # each URL another: none is the kept answer of another
        assert api.get(f"/api/login?n={n}").status == 200
    for n in range(60):
        assert api.get(f"/api/login?n={n}", user="globex").status == 200
    registry = sessions.of(store_of(app))
    assert len(registry.of_user(1)) == 10
    assert len(registry._by_digest) <= 50


def test_a_session_ends_when_its_user_is_made_inactive():
    app = create_app({"SCENARIO": "demo"})
    api, store = InProcessApi(app), store_of(app)
    cookie = _login(api, "globex")
    user = store.first("users", nick="globex")
    store.put("users", user["id"], {**user, "active": False})
    assert api.get("/api/cloud/virtualmachines", user=None, headers=_as(cookie)).status == 401


def test_a_request_with_basic_credentials_and_a_cookie_is_who_its_basic_credentials_say(api):
    admin = _login(api)
    answer = api.get(ACME_VM, user="globex", headers=_as(admin))
    assert answer.status == 404 and answer.codes == ["VDC-0"]  # globex, not the admin the cookie names
