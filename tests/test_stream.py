"""The outbound event stream (GET /m/stream): what an Atmosphere SSE client and a plain SSE client receive,
who sees what, exactly once and in commit order, resuming from a cursor."""

from __future__ import annotations

import asyncio
import os
import re

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.extensions import DOOR_ROUTES, store_of
from abiquo_mock.mockserver.lifecycle.model import system_user
from abiquo_mock.mockserver.stream import PATH, hub_of
from abiquo_mock.mockserver.stream.hub import Listener

from .stream_client import StreamClient, basic, exactly_once
from .support import InProcessApi

VM1 = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1"  # web-01 of Acme
ERP = "/api/cloud/virtualdatacenters/3/virtualappliances/3/virtualmachines/6"  # erp-01 of Globex
WRITES = int(os.environ.get("ABIQUO_MOCK_STREAM_WRITES", "200"))  # make stream-soak: 1,000
WASYNC = "X-Atmosphere-Framework=1.1.0&X-Atmosphere-tracking-id=0&X-Cache-Date=0&X-atmo-protocol=true"


@pytest.fixture
def world():
    app = create_app({"DB_PATH": None, "SCENARIO": "demo", "LIFECYCLE_MS": 0})
    return app, InProcessApi(app), app.extensions[DOOR_ROUTES][PATH]


def touch(api, vm=VM1, user="admin"):
    """A metadata write: one METADATA_MODIFIED event."""
    metadata = api.get(f"{vm}/metadata", user=user).json["metadata"]
    answer = api.put(f"{vm}/metadata", media="metadata", body={"metadata": metadata}, user=user)
    assert answer.status == 200, answer.text


def logged(api, user="admin"):
    return api.get("/api/events?limit=0&asc=true", user=user).json["collection"]  # oldest first


def test_a_write_reaches_an_open_stream_as_the_outbound_event(world):
    _app, api, handler = world

    async def scenario():
        stream = await StreamClient(handler).start()
        assert stream.status == 200
        assert stream.headers["content-type"] == "text/event-stream; charset=utf-8"
        await asyncio.to_thread(touch, api, VM1, "entadmin")
        (event,) = await stream.wait_events(1)
        await stream.close()
        return stream, event

    stream, event = asyncio.run(scenario())
    (stored,) = store_of(api.app).all("events")  # the record: epoch ms and details
    assert event == {
        "id": stored["id"],
        "type": "VIRTUAL_MACHINE",
        "action": "METADATA_MODIFIED",
        "severity": "INFO",
        "user": "/admin/enterprises/2/users/2",
        "enterprise": "/admin/enterprises/2",
        "entityIdentifier": VM1[len("/api") :],
        "timestamp": stored["timestamp"],
        "details": stored["details"],
    }
    assert f"id: {stored['id']}\ndata: {{" in stream.body.decode()  # plain SSE carries the cursor as the id


def test_an_atmosphere_sse_client_gets_padding_handshake_and_its_framing(world):
    _app, api, handler = world

    async def scenario(query):
        stream = await StreamClient(handler, query).start()
        await asyncio.to_thread(touch, api)
        await stream.wait_events(1)
        await stream.close()
        return stream

    old = asyncio.run(scenario(f"{WASYNC}&X-Atmosphere-Transport=sse&Content-Type=application/json"))
    body = old.body.decode()
    assert body.startswith(" " * 2000 + "\n")
    tracking = old.headers["x-atmosphere-tracking-id"]
    assert re.fullmatch(rf"{tracking}\|\d{{13}}", old.messages()[0])  # 1.x: tracking id and cache date
    assert re.search(r'data:\{"id":\d+,"type":"VIRTUAL_MACHINE".*\}\r\n\r\n$', body)
    assert "id: " not in body  # Atmosphere's SSE writes data lines only

    query = "X-Atmosphere-Framework=2.3.5-javascript&X-Atmosphere-tracking-id=0&X-atmo-protocol=true"
    new = asyncio.run(scenario(f"{query}&X-Atmosphere-Transport=sse&X-Atmosphere-TrackMessageSize=true"))
    handshake, message = new.messages()
    tracking = new.headers["x-atmosphere-tracking-id"]
    assert handshake == f"{len(tracking) + 5}|{tracking}|0|X|"  # 2.2+: heartbeat interval and padding
    size, payload = message.split("|", 1)
    assert int(size) == len(payload) and payload.startswith('{"id":')


def test_a_known_tracking_id_gets_no_new_handshake(world):
    _app, api, handler = world

    async def scenario():
        stream = await StreamClient(handler, "X-Atmosphere-tracking-id=abc&X-atmo-protocol=true").start()
        await asyncio.to_thread(touch, api)
        await stream.wait_events(1)
        await stream.close()
        return stream

    stream = asyncio.run(scenario())
    assert stream.headers["x-atmosphere-tracking-id"] == "abc"
    assert [m[:6] for m in stream.messages()] == ['{"id":']


def test_an_event_of_no_enterprise_names_the_acting_users(world):
    """A policy belongs to a datacenter: its events name the administrator's enterprise, as Abiquo's do."""
    _app, api, handler = world
    policy = "/api/admin/datacenters/1/backuppolicies/1"

    async def scenario():
        stream = await StreamClient(handler).start()
        found = (await asyncio.to_thread(api.get, policy)).json
        answer = await asyncio.to_thread(api.put, policy, body={**found, "name": "Gold, renamed"}, media="backuppolicy")
        assert answer.status == 200, answer.text
        (event,) = await stream.wait_events(1)
        await stream.close()
        return event

    event = asyncio.run(scenario())
    assert (event["type"], event["action"]) == ("BACKUP_POLICY", "MODIFY")
    assert (event["user"], event["enterprise"]) == ("/admin/enterprises/1/users/1", "/admin/enterprises/1")


def test_each_user_sees_its_own_enterprise_and_the_cloud_admin_sees_all(world):
    _app, api, handler = world

    async def scenario():
        streams = {
            nick: await StreamClient(handler, headers=[basic(nick, nick if nick != "admin" else "xabiquo")]).start()
            for nick in ("admin", "entadmin", "globex")
        }
        await asyncio.to_thread(touch, api, VM1)
        await asyncio.to_thread(touch, api, ERP)
        for nick, stream in streams.items():
            await stream.wait_events(2 if nick == "admin" else 1)
        await asyncio.sleep(0.05)
        for s in streams.values():
            await s.close()
        return {nick: [e["entityIdentifier"][-1] for e in s.events()] for nick, s in streams.items()}

    assert asyncio.run(scenario()) == {"admin": ["1", "6"], "entadmin": ["1"], "globex": ["6"]}


@pytest.mark.parametrize(
    ("method", "query", "headers", "status", "code"),
    [
        ("GET", "", [], 401, "401-UNAUTHORIZED"),
        ("GET", "", [basic("admin", "wrong")], 401, "401-UNAUTHORIZED"),
        ("POST", "", None, 405, "405-METHOD-NOT-ALLOWED"),
        ("GET", "X-Atmosphere-Transport=websocket", None, 400, "GEN-22"),
        ("GET", "lastEventId=yesterday", None, 400, "GEN-22"),
    ],
)
def test_a_bad_stream_request_is_an_abiquo_error(world, method, query, headers, status, code):
    app, _api, handler = world

    async def scenario():
        stream = StreamClient(handler, query, headers, method)
        await stream.start()
        await stream.task
        return stream

    stream = asyncio.run(scenario())
    assert stream.status == status
    assert stream.headers["content-type"] == "application/vnd.abiquo.errors+json; version=3.8"
    assert f'"code": "{code}"' in stream.body.decode()
    assert hub_of(app).open_streams() == 0
    if status == 401:
        assert stream.headers["www-authenticate"] == 'Basic realm="Abiquo API"'


def test_resuming_from_a_cursor_misses_nothing_and_repeats_nothing(world):
    _app, api, handler = world
    for _ in range(3):
        touch(api)
    first, *later = [e["id"] for e in logged(api)]

    async def scenario():
        stream = await StreamClient(handler, f"lastEventId={first}").start()
        await asyncio.to_thread(touch, api)
        found = await stream.wait_events(3)
        await stream.close()
        return [e["id"] for e in found]

    ids = asyncio.run(scenario())
    assert ids == [*later, later[-1] + 1]

    async def by_header():
        headers = [basic("admin", "xabiquo"), (b"last-event-id", str(later[0]).encode())]
        stream = await StreamClient(handler, headers=headers).start()
        found = await stream.wait_events(2)
        await stream.close()
        return [e["id"] for e in found]

    assert asyncio.run(by_header()) == [later[1], later[1] + 1]


def test_without_a_cursor_a_stream_starts_at_the_present(world):
    _app, api, handler = world
    touch(api)

    async def scenario():
        stream = await StreamClient(handler).start()
        await asyncio.sleep(0.05)
        await stream.close()
        return stream.events()

    assert asyncio.run(scenario()) == []


def test_every_stream_gets_every_event_once_in_commit_order_through_forced_disconnects(world):
    """Writes on the API thread while ten streams listen and the server drops them all three times: each
    reader resumes with its cursor (make stream-soak: 1,000 writes)."""
    app, api, handler = world
    everyone = asyncio.run(
        exactly_once(handler, hub_of(app), lambda: touch(api), lambda: logged(api)[-1]["id"], WRITES, 10, 3)
    )
    expected = [e["id"] for e in logged(api)]
    assert len(expected) == WRITES
    for seen in everyone:
        assert seen == expected  # none lost, none twice, in commit order


def test_a_reader_that_falls_behind_is_closed_and_never_slows_a_write(world, monkeypatch):
    app, api, handler = world
    monkeypatch.setattr("abiquo_mock.mockserver.stream.hub.QUEUE_BATCHES", 5)

    async def scenario():
        stream = StreamClient(handler)
        blocked = asyncio.Event()

        async def stuck_send(message):
            if message["type"] == "http.response.start":
                stream.status = 200
                stream._more.set()
                return
            await blocked.wait()  # the socket never drains

        stream._send = stuck_send
        await stream.start()
        await asyncio.sleep(0.02)
        await asyncio.to_thread(lambda: [touch(api) for _ in range(20)])
        await asyncio.sleep(0.05)
        open_now = hub_of(app).open_streams()
        blocked.set()
        await asyncio.wait_for(stream.task, 5)
        return open_now

    open_while_stuck = asyncio.run(scenario())
    assert hub_of(app).open_streams() == 0
    assert open_while_stuck in (0, 1)  # closed by the hub, detached once its write returns


def test_dropping_every_stream_closes_them(world):
    app, _api, handler = world

    async def scenario():
        streams = [await StreamClient(handler).start() for _ in range(3)]
        await asyncio.sleep(0.02)
        dropped = await asyncio.to_thread(hub_of(app).drop_all)
        for s in streams:
            await asyncio.wait_for(s.task, 5)
        return dropped, [s.ended for s in streams]

    assert asyncio.run(scenario()) == (3, [True, True, True])
    assert hub_of(app).open_streams() == 0


def test_an_event_both_in_the_backlog_and_in_flight_is_given_once(world):
    """The commit's hand-over to the loop is still pending when a resuming listener reads its backlog."""
    app, api, handler = world
    hub = hub_of(app)

    async def scenario():
        watcher = await StreamClient(handler).start()  # the loop has listeners, so commits are handed over
        touch(api)  # on this thread: the loop cannot run the hand-over yet
        resuming = Listener(asyncio.get_running_loop(), system_user(store_of(app)))
        backlog = hub.attach(resuming, 0)
        await asyncio.sleep(0.01)  # now the hand-over runs
        queued = resuming.queue.qsize()
        hub.detach(resuming)
        await watcher.close()
        return [e["id"] for e in backlog], queued, [e["id"] for e in watcher.events()]

    backlog, queued, watched = asyncio.run(scenario())
    assert backlog == watched and len(backlog) == 1
    assert queued == 0


def test_the_control_api_counts_and_drops_open_streams(world):
    _app, api, handler = world

    async def scenario():
        streams = [await StreamClient(handler).start() for _ in range(2)]
        counted = (await asyncio.to_thread(api.get, "/_mock/streams", user=None)).json
        dropped = (await asyncio.to_thread(api.delete, "/_mock/streams", user=None)).json
        for s in streams:
            await asyncio.wait_for(s.task, 5)
        return counted, dropped, [s.ended for s in streams]

    assert asyncio.run(scenario()) == ({"open": 2}, {"closed": 2}, [True, True])
    assert api.get("/_mock/streams", user=None).json == {"open": 0}


def test_a_cut_with_a_pause_refuses_new_streams_until_it_ends(world):
    app, _api, handler = world
    hub_of(app).drop_and_refuse(0.2)

    async def scenario():
        refused = StreamClient(handler)
        await refused.start()
        await refused.task
        await asyncio.sleep(0.25)
        accepted = await StreamClient(handler).start()
        await accepted.close()
        return refused.status, accepted.status

    assert asyncio.run(scenario()) == (503, 200)
