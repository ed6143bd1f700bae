"""The fast path: a repeated GET is answered from the front door's event loop with exactly what Flask
answered (status, headers, body), for every GET operation of the contract, and only while nothing it was
computed from has changed."""

from __future__ import annotations

import base64
import json
from collections import deque
from urllib.parse import urlsplit

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import ANSWERS, REQUEST_LOG, store_of
from abiquo_mock.mockserver.frontdoor import build
from abiquo_mock.mockserver.http.api import REGISTRY
from werkzeug.exceptions import HTTPException

from .support.asgi import ADMIN, call, run

ENTADMIN = "Basic " + base64.b64encode(b"entadmin:entadmin").decode()
ROOTS = (
    "/api/version",
    "/api/login",
    "/api/login/sessions",
    "/api/admin/datacenters",
    "/api/admin/enterprises",
    "/api/admin/roles/1",
    "/api/cloud/locations",
    "/api/cloud/virtualdatacenters",
    "/api/cloud/virtualmachines",
    "/api/config/backups",
    "/api/events",
    "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/3/tasks",
)


@pytest.fixture
def flask_app():
    # the deploy below finishes inside its request: a finish landing later, mid-comparison, would rightly drop
    # the kept task answers and make a fast-path check see Flask answer
    app = create_app({"DB_PATH": None, "SCENARIO": "demo", "LIFECYCLE_MS": 0})
    app.flask_calls = []
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: app.flask_calls.append(1))  # before any refusal
    return app


@pytest.fixture
def door(flask_app):
    door = build(flask_app)
    # a deploy leaves a task behind, so that the task operations have something to answer
    deploy = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/3/action/deploy"
    assert run(call(door, "POST", deploy, headers={"Authorization": ADMIN})).status == 202
    return door


def _get(door, path: str, auth: str | None = ADMIN, accept: str | None = None):
    url = urlsplit(path)
    headers = {"Host": "mock.localhost"}
    if auth:
        headers["Authorization"] = auth
    if accept:
        headers["Accept"] = accept
    return run(call(door, "GET", url.path, headers=headers, query=url.query))


def _crawl(door, flask_app, auth: str) -> dict[str, str]:
    """One URL for each GET operation, found by following links from the entry points."""
    adapter = flask_app.url_map.bind("mock.localhost")
    found: dict[str, str] = {}
    queue, seen = deque(ROOTS), set(ROOTS)
    while queue:
        path = queue.popleft()
        try:
            endpoint, _ = adapter.match(urlsplit(path).path, method="GET")
        except HTTPException:  # a link to something that only takes other methods
            continue
        found.setdefault(endpoint.rsplit(".", 1)[-1], path)
        sent = _get(door, path, auth)
        if sent.status != 200 or not sent.headers.get("content-type", "").startswith("application/vnd.abiquo"):
            continue
        document = json.loads(sent.body)
        items = [document, *document.get("collection", [])]
        for link in (link for item in items for link in item.get("links", [])):
            href = urlsplit(link["href"])
            target = href.path + (f"?{href.query}" if href.query else "")
            if href.netloc == "mock.localhost" and target not in seen and len(seen) < 400:
                seen.add(target)
                queue.append(target)
    return found


def _get_operations() -> set[str]:
    return {op.op_id for op in REGISTRY if op.method == "GET" and op.prefix == "/api"}


@pytest.mark.parametrize("auth", [ADMIN, ENTADMIN], ids=["admin", "entadmin"])
def test_every_get_operation_answers_the_same_on_the_fast_path(flask_app, door, auth):
    urls = _crawl(door, flask_app, ADMIN)  # the cloud administrator reaches every operation
    assert _get_operations() <= set(urls), f"no URL found for {_get_operations() - set(urls)}"
    compared = 0
    for op_id in sorted(_get_operations()):
        for accept in (None, "*/*", "application/xml", "text/xml"):
            flask_app.extensions[ANSWERS]._kept.clear()
            slow = _get(door, urls[op_id], auth, accept)
            calls = len(flask_app.flask_calls)
            fast = _get(door, urls[op_id], auth, accept)
            if slow.status != 200:
                continue  # only 200s are kept (a 403 for entadmin goes through Flask each time)
            assert len(flask_app.flask_calls) == calls, f"{op_id} was not answered by the fast path"
            assert (fast.status, fast.raw_headers, fast.body) == (slow.status, slow.raw_headers, slow.body), op_id
            if accept and "xml" in accept and op_id != "getVersion":
                assert (
                    fast.body.startswith(b"<?xml") and b"+xml; version=3.8" in dict(fast.raw_headers)[b"content-type"]
                )
            compared += 1
    assert compared >= (len(_get_operations()) if auth == ADMIN else 10)


def test_a_kept_answer_is_only_for_the_caller_that_computed_it(flask_app, door):
    assert _get(door, "/api/admin/enterprises/1").status == 200
    assert _get(door, "/api/admin/enterprises/1").status == 200
    calls = len(flask_app.flask_calls)
    for auth in (None, "Basic " + base64.b64encode(b"admin:wrong").decode(), ENTADMIN):
        sent = _get(door, "/api/admin/enterprises/1", auth)
        assert sent.status in (401, 404), (auth, sent.status)
    assert len(flask_app.flask_calls) == calls + 3


def _journal(flask_app) -> list[dict]:
    return [entry.render() for entry in flask_app.extensions[REQUEST_LOG].select()]


def test_the_journal_records_fast_answers_like_flask_ones(flask_app, door):
    _get(door, "/api/admin/datacenters/1?x=1", accept="*/*")
    _get(door, "/api/admin/datacenters/1?x=1", accept="*/*")
    _get(door, "/_mock/health", auth=None)  # Flask's next request: the fast answers are recorded before it
    slow, fast = _journal(flask_app)[-2:]  # after the fixture's deploy
    for entry in (slow, fast):
        del entry["id"], entry["time"]
    assert fast == slow
    assert fast["user"] == "admin" and fast["query"] == "x=1"


def _write_metadata(door) -> None:
    vm = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1/metadata"
    document = json.loads(_get(door, vm).body)
    document.pop("links", None)
    body = json.dumps(document).encode()
    headers = {"Authorization": ADMIN, "Content-Type": "application/json", "Content-Length": str(len(body))}
    assert run(call(door, "PUT", vm, headers=headers, chunks=[body])).status in (200, 204)


def test_a_write_drops_only_the_answers_computed_from_what_it_touched(flask_app, door):
    for path in ("/api/admin/datacenters", "/api/cloud/virtualmachines"):
        _get(door, path)
    _write_metadata(door)
    calls = len(flask_app.flask_calls)
    _get(door, "/api/admin/datacenters")
    assert len(flask_app.flask_calls) == calls  # still kept: the write did not touch datacenters
    _get(door, "/api/cloud/virtualmachines")
    assert len(flask_app.flask_calls) == calls + 1  # computed again: the write changed a VM


def test_a_write_to_one_vm_keeps_the_answers_about_the_others(flask_app, door):
    vm = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/{}"
    for n in (1, 2):
        _get(door, vm.format(n))
        _get(door, vm.format(n) + "/metadata")
    _write_metadata(door)  # VM 1's
    calls = len(flask_app.flask_calls)
    _get(door, vm.format(2))
    _get(door, vm.format(2) + "/metadata")
    assert len(flask_app.flask_calls) == calls  # VM 2 was not written: both still kept
    assert json.loads(_get(door, vm.format(1) + "/metadata").body)["metadata"]  # VM 1's: computed again
    assert len(flask_app.flask_calls) == calls + 1


def test_forgetting_which_documents_changed_drops_every_answer_read_by_id(flask_app, door, monkeypatch):
    from abiquo_mock.mockserver.store import marks

    vm2 = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/2"
    _get(door, vm2)
    monkeypatch.setattr(marks, "DOC_MARKS", 1)  # the next write overflows the marks
    _write_metadata(door)
    calls = len(flask_app.flask_calls)
    assert _get(door, vm2).status == 200
    assert len(flask_app.flask_calls) == calls + 1  # no longer known unchanged: computed again


def test_a_state_change_is_seen_by_the_next_read(flask_app, door):
    vm = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/2"
    assert json.loads(_get(door, vm).body)["state"] == "ON"
    _get(door, vm)
    body = b'{"state": "OFF"}'
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    assert run(call(door, "PUT", "/_mock/virtualmachines/2/state", headers=headers, chunks=[body])).status == 200
    assert json.loads(_get(door, vm).body)["state"] == "OFF"


def test_a_changed_password_stops_the_kept_answers_of_the_old_one(flask_app, door):
    store = store_of(flask_app)
    _get(door, "/api/admin/datacenters")
    admin = store.first("users", nick="admin")
    store.put("users", admin["id"], {**admin, "password": "changed"})
    assert _get(door, "/api/admin/datacenters").status == 401
