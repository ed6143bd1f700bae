"""The front door in-process: the two hooks contexts plug into (a route of their own, transport faults), and
bodies read in the event loop with a deadline and a byte cap, so no client can hold Flask."""

from __future__ import annotations

import asyncio
import json

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import DOOR_FAULTS, DOOR_ROUTES, store_of
from abiquo_mock.mockserver.frontdoor import TransportFault, build

from .asgi import ADMIN, call, run

JSON = {"Content-Type": "application/json"}
PROPERTIES = "/api/admin/datacenters/1/backupproperties"
STATE = "/_mock/virtualmachines/2/state"
MIB = 1024 * 1024


@pytest.fixture(autouse=True)
def short_drain(monkeypatch):
    monkeypatch.setattr("abiquo_mock.mockserver.frontdoor.body.DRAIN_SECONDS", 0.05)


@pytest.fixture
def flask_app():
    return create_app({"DB_PATH": None, "SCENARIO": "demo", "BODY_TIMEOUT": 0.3})


@pytest.fixture
def door(flask_app):
    return build(flask_app)


def _codes(sent) -> list[str]:
    assert sent.headers["content-type"] == "application/vnd.abiquo.errors+json; version=3.8", sent.headers
    return [e["code"] for e in json.loads(sent.body)["collection"]]


def _vm_state(flask_app) -> str:
    return store_of(flask_app).get("virtualmachines", 2)["state"]


def test_a_registered_route_gets_the_request_whole(flask_app, door):
    seen = []

    async def dummy(scope, receive, send):
        seen.append((scope["method"], (await receive())["body"]))
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"dummy"})

    flask_app.extensions[DOOR_ROUTES]["/m/dummy"] = dummy
    flask_calls = []
    flask_app.before_request(lambda: flask_calls.append(1))
    sent = run(call(door, "POST", "/m/dummy", headers={"Content-Length": "2"}, chunks=[b"hi"]))
    assert (sent.status, sent.body) == (200, b"dummy")
    assert seen == [("POST", b"hi")]
    assert flask_calls == []  # Flask never saw it
    assert run(call(door, "GET", "/m/dummy/x")).status == 404  # exact paths only
    assert flask_calls == [1]


def test_without_a_fault_hook_or_route_flask_answers(door):
    sent = run(call(door, "GET", "/api/admin/datacenters/1", headers={"Authorization": ADMIN}))
    assert sent.status == 200 and json.loads(sent.body)["name"]
    assert sent.finished


def _faulty(flask_app, fault: TransportFault, on: str = "/api/admin/datacenters/1"):
    flask_app.extensions[DOOR_FAULTS] = lambda method, path: fault if path == on else None


def test_a_delay_fault_does_not_hold_the_store_thread(flask_app, door):
    _faulty(flask_app, TransportFault(delay_s=30))

    async def scene():
        delayed = asyncio.create_task(call(door, "GET", "/api/admin/datacenters/1", headers={"Authorization": ADMIN}))
        other = await asyncio.wait_for(
            call(door, "GET", "/api/admin/datacenters/2", headers={"Authorization": ADMIN}), 5
        )
        assert not delayed.done()
        delayed.cancel()
        return other

    assert run(scene()).status == 200


def test_a_mid_body_drop_sends_part_of_the_answer_and_never_finishes(flask_app, door):
    whole = run(call(door, "GET", "/api/admin/datacenters/1", headers={"Authorization": ADMIN}))
    _faulty(flask_app, TransportFault(drop="mid-body"))
    cut = run(call(door, "GET", "/api/admin/datacenters/1", headers={"Authorization": ADMIN}))
    assert cut.status == 200 and not cut.finished
    assert 0 < len(cut.body) < len(whole.body) and whole.body.startswith(cut.body)


def test_a_drop_before_does_not_run_the_request(flask_app, door):
    _faulty(flask_app, TransportFault(drop="before"), on=STATE)
    sent = run(call(door, "PUT", STATE, headers=JSON, chunks=[b'{"state": "NOT_ALLOCATED"}']))
    assert not sent.finished and sent.body == b""
    assert _vm_state(flask_app) == "ON"


def test_a_slow_body_arrives_whole_in_pieces(flask_app, door):
    _faulty(flask_app, TransportFault(body_bytes_per_s=1_000_000))
    pieces = []

    async def scene():
        async def send(message):
            pieces.append(message)

        from .asgi import scope_of

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        await door(scope_of("GET", "/api/admin/datacenters/1", {"Authorization": ADMIN}), receive, send)

    run(scene())
    bodies = [m for m in pieces if m["type"] == "http.response.body"]
    assert len(bodies) > 2 and not bodies[-1].get("more_body")
    assert json.loads(b"".join(m["body"] for m in bodies))["id"] == 1


def test_a_fault_is_refused_when_it_makes_no_sense():
    with pytest.raises(ValueError):
        TransportFault(drop="sideways")


def test_a_stalled_body_does_not_hold_other_clients(door):
    async def scene():
        stalled = asyncio.create_task(
            call(door, "PUT", STATE, headers={**JSON, "Content-Length": "100"}, chunks=[b'{"st'], stall=True)
        )
        await asyncio.sleep(0.05)
        other = await asyncio.wait_for(
            call(door, "GET", "/api/admin/datacenters/1", headers={"Authorization": ADMIN}), 5
        )
        assert not stalled.done()
        return other, await stalled

    other, stalled = run(scene())
    assert other.status == 200
    assert stalled.status == 408 and _codes(stalled) == ["400-BAD-REQUEST"]
    assert stalled.headers["connection"] == "close"


def test_a_timed_out_body_changes_nothing(flask_app, door):
    sent = run(
        call(door, "PUT", STATE, headers={**JSON, "Content-Length": "40"}, chunks=[b'{"state": "NOT_ALLOC'], stall=True)
    )
    assert sent.status == 408
    assert _vm_state(flask_app) == "ON"


def test_an_unauthenticated_body_is_refused_before_it_is_read(door):
    read = []
    for headers in ({}, {"Authorization": "Basic " + "YWRtaW46d3Jvbmc="}):  # none, then admin:wrong
        sent = run(
            call(door, "PUT", PROPERTIES, headers={**JSON, **headers, "Content-Length": "100"}, stall=True, read=read)
        )
        assert sent.status == 401 and _codes(sent) == ["401-UNAUTHORIZED"]
        assert sent.headers["connection"] == "close"
    assert None not in read  # asked for the body only after answering (to drain it)


def test_an_authenticated_body_is_read_and_served(flask_app, door):
    body = json.dumps({"state": "OFF"}).encode()
    sent = run(
        call(door, "PUT", STATE, headers={**JSON, "Content-Length": str(len(body))}, chunks=[body[:5], body[5:]])
    )
    assert sent.status == 200, sent.body
    assert _vm_state(flask_app) == "OFF"


def _chunked(document: bytes, piece: int = 64 * 1024) -> list[bytes]:
    return [document[i : i + piece] for i in range(0, len(document), piece)]


@pytest.mark.parametrize(
    "document",
    [b'{"state": "OFF"}' + b" " * (2 * MIB), b'{"state": "OFF", "pad": "' + b"x" * (MIB + MIB // 2) + b'"}'],
    ids=["valid-then-2MiB-of-spaces", "1.5MiB-document"],
)
def test_a_chunked_body_over_the_limit_is_413_and_changes_nothing(flask_app, door, document):
    headers = {**JSON, "Transfer-Encoding": "chunked", "Authorization": ADMIN}
    sent = run(call(door, "PUT", STATE, headers=headers, chunks=_chunked(document)))
    assert sent.status == 413 and _codes(sent) == ["400-BAD-REQUEST"]
    assert _vm_state(flask_app) == "ON"


def test_a_declared_length_over_the_limit_is_413_unread(door):
    read = []
    headers = {**JSON, "Content-Length": str(2 * MIB), "Authorization": ADMIN}
    sent = run(call(door, "PUT", PROPERTIES, headers=headers, stall=True, read=read))
    assert sent.status == 413 and _codes(sent) == ["400-BAD-REQUEST"]
    assert None not in read


def test_a_chunked_body_within_the_limit_is_served(flask_app, door):
    document = b'{"state": "OFF"}' + b" " * (MIB // 2)
    headers = {**JSON, "Transfer-Encoding": "chunked"}
    sent = run(call(door, "PUT", STATE, headers=headers, chunks=_chunked(document)))
    assert sent.status == 200, sent.body
    assert _vm_state(flask_app) == "OFF"
