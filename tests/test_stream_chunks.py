"""The event stream as a socket sees it, over a real server: every event is its own HTTP chunk, whatever the
framing, so a client that parses each chunk it is handed as one event (Abiquo's events-notifier keeps each chunk
holding "timestamp" and parses ``data[5:]`` of it) gets every event once, in commit order.

The world is the demo; the writes commit several events at once on purpose (the control shortcut deploys a VM
with DEPLOY and DEPLOY_FINISH in one transaction) besides the API's own deploy, a metadata write and an undeploy.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import time
from urllib.parse import urlsplit

import pytest

from .support import HttpApi

NOTIFIER = "X-Atmosphere-tracking-id=0&X-Atmosphere-Framework=1.0&X-Atmosphere-Transport=sse"
WASYNC = "X-Atmosphere-Transport=sse&X-atmo-protocol=true&X-Atmosphere-tracking-id=0&X-Atmosphere-Framework=1.1.0"
SIZED = "X-Atmosphere-Transport=sse&X-atmo-protocol=true&X-Atmosphere-tracking-id=0&X-Atmosphere-Framework=2.3.5"
VM1 = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/1"
VM5 = "/api/cloud/virtualdatacenters/2/virtualappliances/2/virtualmachines/5"  # db-02, not deployed
ATMOSPHERE_EVENT = re.compile(rb"data:(\d+\|)?(\{.*\})\r\n\r\n", re.S)
PLAIN_EVENT = re.compile(rb"id: (\d+)\ndata: (\{.*\})\n\n", re.S)


class RawStream:
    """GET /m/stream on a socket, its chunked body decoded by hand: ``chunk()`` is the next HTTP chunk."""

    def __init__(self, base: str, query: str, user: str = "admin:xabiquo"):
        url = urlsplit(base)
        self.socket = socket.create_connection((url.hostname, url.port), timeout=10)
        credentials = base64.b64encode(user.encode()).decode()
        head = f"GET /m/stream?{query} HTTP/1.1\r\nHost: {url.netloc}\r\nAuthorization: Basic {credentials}\r\n"
        self.socket.sendall(head.encode() + b"\r\n")
        self.file = self.socket.makefile("rb")
        self.status = int(self.file.readline().split()[1])
        self.headers = {}
        while (line := self.file.readline().rstrip(b"\r\n")) != b"":
            name, value = line.decode().split(":", 1)
            self.headers[name.lower()] = value.strip()
        assert self.headers.get("transfer-encoding") == "chunked", self.headers

    def chunk(self) -> bytes:
        size = int(self.file.readline().split(b";")[0], 16)
        data = self.file.read(size)
        assert self.file.read(2) == b"\r\n"
        return data

    def chunks_until(self, events: int) -> list[bytes]:
        """Chunks, keep-alives left out, until they hold ``events`` events (however they are cut)."""
        found = []
        while sum(c.count(b'"timestamp"') for c in found) < events:
            chunk = self.chunk()
            if chunk != b":\n\n":
                found.append(chunk)
        return found

    def close(self) -> None:
        self.file.close()
        self.socket.close()


@pytest.fixture
def mock(live_server):
    api = HttpApi(live_server.url)
    api.reset("demo")
    return live_server.url, api


def _open(base: str, api: HttpApi, queries: dict[str, str]) -> dict[str, RawStream]:
    streams = {name: RawStream(base, query) for name, query in queries.items()}
    deadline = time.monotonic() + 10
    while api.get("/_mock/streams", user=None).json["open"] < len(streams):  # attached: they see what follows
        assert time.monotonic() < deadline, "the streams did not open"
        time.sleep(0.02)
    return streams


def _deploy_write_undeploy(api: HttpApi) -> list[int]:
    """Several events a commit and one a commit; the ids of every event they record, in commit order."""
    before = _logged(api)
    for vm, state in ((3, "ON"), (3, "NOT_ALLOCATED")):  # DEPLOY + DEPLOY_FINISH, UNDEPLOY + UNDEPLOY_FINISH
        assert api.put(f"/_mock/virtualmachines/{vm}/state", body={"state": state}, user=None).status == 200
    metadata = api.get(f"{VM1}/metadata").json
    assert api.put(f"{VM1}/metadata", body=metadata, media="metadata").status == 200
    assert api.post(f"{VM5}/action/deploy").status == 202
    deadline = time.monotonic() + 10
    while not any(e["actionPerformed"] == "VIRTUAL_MACHINE_DEPLOY_FINISH" for e in _logged(api)[len(before) + 5 :]):
        assert time.monotonic() < deadline, "the deploy did not finish"
        time.sleep(0.05)
    return [e["id"] for e in _logged(api)[len(before) :]]


def _logged(api: HttpApi) -> list[dict]:
    return api.get("/api/events?limit=0&asc=true").json["collection"]


def _as_the_notifier_reads(chunks: list[bytes]) -> list[int]:
    """Each chunk holding "timestamp" parsed whole as one event, its first five characters ("data:") cut."""
    return [json.loads(chunk[5:])["id"] for chunk in chunks if b"timestamp" in chunk]


def test_each_event_is_one_chunk_whatever_the_framing(mock):
    base, api = mock
    queries = {
        "notifier": NOTIFIER,
        "wasync": WASYNC,
        "sized": f"{SIZED}&X-Atmosphere-TrackMessageSize=true",
        "sse": "",
    }
    streams = _open(base, api, queries)
    try:
        expected = _deploy_write_undeploy(api)
        read = {name: stream.chunks_until(len(expected)) for name, stream in streams.items()}
    finally:
        for stream in streams.values():
            stream.close()
    assert len(expected) == 7
    assert _as_the_notifier_reads(read["notifier"]) == expected
    assert read["notifier"][0] == b" " * 2000 + b"\n"  # Atmosphere's padding, a chunk of its own
    assert re.fullmatch(rb"data:[0-9a-f-]{36}\|\d{13}\r\n\r\n", read["wasync"][1])  # the 1.x handshake alone
    for name, pattern in (("notifier", ATMOSPHERE_EVENT), ("wasync", ATMOSPHERE_EVENT), ("sized", ATMOSPHERE_EVENT)):
        events = [c for c in read[name] if b'"timestamp"' in c]
        assert [json.loads(pattern.fullmatch(c).group(2))["id"] for c in events] == expected, name
    sized = [ATMOSPHERE_EVENT.fullmatch(c) for c in read["sized"] if b'"timestamp"' in c]
    assert all(int(m.group(1)[:-1]) == len(m.group(2)) for m in sized)
    assert [int(PLAIN_EVENT.fullmatch(c).group(1)) for c in read["sse"]] == expected


def test_a_resumed_stream_sends_its_backlog_one_event_a_chunk(mock):
    base, api = mock
    first = _logged(api)[-1]["id"] if _logged(api) else 0
    expected = _deploy_write_undeploy(api)
    stream = RawStream(base, f"{NOTIFIER}&lastEventId={first}")
    try:
        chunks = stream.chunks_until(len(expected))
    finally:
        stream.close()
    assert _as_the_notifier_reads(chunks) == expected
