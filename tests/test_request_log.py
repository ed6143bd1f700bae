"""The request journal: bounded in bytes, credentials redacted, paged, and queried the way test suites verify."""

from __future__ import annotations

import json
import time

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.control.request_log import RequestLog

from .support import InProcessApi

ENTERPRISES = "/api/admin/enterprises"


def _page(api, query: str = "") -> dict:
    answer = api.get(f"/_mock/journal{query}", user=None)
    assert answer.status == 200, answer.text
    return answer.json


def _control(api, path: str, body: dict):
    return api.request("POST", f"/_mock/journal/{path}", user=None, body=body)


def test_large_bodies_cannot_grow_the_journal_beyond_its_budget():
    budget = 512 * 1024
    api = InProcessApi(create_app({"DB_PATH": None, "SCENARIO": "demo", "JOURNAL_BYTES": budget}))
    body = b"x" * (60 * 1024)
    for _ in range(100):  # 6 MB sent in all
        api.request("POST", "/api/version", raw=body)
    answer = api.get("/_mock/journal?limit=1000", user=None)
    assert len(answer.text) < 2 * budget  # the whole journal, read back, is about its budget
    assert answer.json["usage"]["bytes"] <= budget and answer.json["usage"]["dropped"] > 0
    assert answer.json["collection"][-1]["id"] == 100  # the newest exchanges are the ones kept


def test_a_body_longer_than_the_cut_is_kept_truncated_with_a_marker():
    journal = RequestLog(budget=64 * 1024, max_body=1024)
    journal.record("PUT", "/api/x", "", "admin", [], b"a" * 5000, 200, [], b"{}")
    entry = journal.select()[0].render()
    assert entry["requestBody"] == "a" * 1024 + "…(truncated: 5000 bytes in all)"
    assert entry["responseBody"] == "{}"


def test_credentials_never_enter_the_journal(api):
    api.delete("/_mock/journal", user=None)
    headers = {"X-Mock-Token": "s3cret-token", "Cookie": "auth=s3cret-cookie"}
    api.get("/api/login", headers=headers)  # Basic credentials: the login opens a session, its cookie answered
    entry = _page(api)["collection"][0]
    headers = {k.lower(): v for k, v in entry["requestHeaders"].items()}
    assert headers["authorization"] == headers["cookie"] == headers["x-mock-token"] == "(redacted)"
    answered = {k.lower(): v for k, v in entry["responseHeaders"].items()}
    assert answered["set-cookie"] == "(redacted)"
    assert "s3cret" not in json.dumps(entry) and "eGFiaXF1" not in json.dumps(entry)  # base64 of the password


def test_a_set_cookie_answer_is_redacted_too():
    journal = RequestLog()
    journal.record("GET", "/api/login", "", "admin", [], b"", 200, [("Set-Cookie", "auth=abc; HttpOnly")], b"")
    assert journal.select()[0].render()["responseHeaders"] == {"Set-Cookie": "(redacted)"}


def test_the_journal_is_read_a_page_at_a_time(api):
    api.delete("/_mock/journal", user=None)
    for _ in range(5):
        api.get("/api/admin/datacenters")
    page = _page(api, "?startwith=1&limit=2")
    assert page["totalSize"] == 5 and [e["id"] for e in page["collection"]] == [
        page["collection"][0]["id"],
        page["collection"][0]["id"] + 1,
    ]
    assert len(_page(api)["collection"]) == 5
    assert (
        api.get("/_mock/journal?limit=-1", user=None).status,
        api.get("/_mock/journal?limit=5000", user=None).codes,
    ) == (
        400,
        ["GEN-22"],
    )


def _traffic(api) -> None:
    api.delete("/_mock/journal", user=None)
    api.get("/api/admin/datacenters")
    api.get(ENTERPRISES, user="entadmin")
    api.get(ENTERPRISES + "/1/limits")
    api.request("DELETE", ENTERPRISES + "/1")  # 405
    api.get(ENTERPRISES, user="nobody")  # 401


def test_the_journal_filters_by_status_user_pattern_and_time(api):
    _traffic(api)
    paths = lambda query: [(e["method"], e["path"], e["status"]) for e in _page(api, query)["collection"]]  # noqa: E731
    assert paths("?status=4xx") == [("DELETE", ENTERPRISES + "/1", 405), ("GET", ENTERPRISES, 401)]
    assert paths("?status=401") == [("GET", ENTERPRISES, 401)]
    assert paths("?user=entadmin") == [("GET", ENTERPRISES, 200)]
    assert paths("?pathPattern=/api/admin/enterprises/*/limits") == [("GET", ENTERPRISES + "/1/limits", 200)]
    assert paths(f"?until={time.time() - 3600}") == []
    assert len(paths("?since=2000-01-01T00:00:00Z&method=get")) == 4
    for bad in ("status=abc", "since=yesterday", "sttus=401"):
        answer = api.get(f"/_mock/journal?{bad}", user=None)
        assert (answer.status, answer.codes) == (400, ["GEN-22"]), bad


def test_count_find_and_verify_answer_what_a_test_suite_asks(api):
    _traffic(api)
    assert _control(api, "count", {"path": ENTERPRISES, "status": 200}).json == {"count": 2}
    found = _control(api, "find", {"method": "DELETE"}).json
    assert [e["path"] for e in found["requests"]] == [ENTERPRISES + "/1"] and found["totalSize"] == 1
    verified = _control(api, "verify", {"method": "GET", "status": "2xx", "count": 3}).json
    assert verified == {"verified": True, "count": 3, "expected": {"count": 3}}
    assert _control(api, "verify", {"path": "/api/cloud"}).json["verified"] is False  # default: at least once
    assert _control(api, "verify", {"user": "admin", "atMost": 1}).json["verified"] is False
    for bad in ({"metod": "GET"}, {"count": -1}, {"status": "2yy"}, {"count": True}):
        answer = _control(api, "verify", bad)
        assert answer.status == 400 and answer.codes in (["GEN-2"], ["GEN-22"]), bad


@pytest.mark.parametrize("path", ["count", "find", "verify"])
def test_queries_with_an_unreadable_pattern_are_refused(inproc, path):
    answer = inproc.request(
        "POST", f"/_mock/journal/{path}", user=None, raw=b"[" * 100_000, headers={"Content-Type": "application/json"}
    )
    assert (answer.status, answer.codes) == (400, ["GEN-3"])
