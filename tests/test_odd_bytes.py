"""Whatever bytes a client puts in its headers, its query or its path, the answer is a 4xx or better, never a 500,
and every header of the answer can travel (no line break, no NUL). Hypothesis sends random bytes to one path of
every route class (public, authenticated, a body-taking write, a bodiless action, the control API, the console,
the event stream, an unknown path) through the front door, which runs Flask for all but the stream. The demo
world, in-process; a real server gets the bytes the classic cases are made of."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import socket
from urllib.parse import quote

import pytest
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.frontdoor import build
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .support.asgi import ADMIN, Sent, scope_of

VM = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/2"
ROUTES = [
    ("GET", "/api/version"),
    ("GET", "/api/admin/datacenters"),
    ("GET", "/api/cloud/virtualmachines"),
    ("PUT", VM + "/metadata"),
    ("POST", VM + "/action/deploy"),
    ("GET", "/api/login"),
    ("GET", "/_mock/health"),
    ("GET", "/_mock/journal"),
    ("POST", "/_mock/journal/count"),
    ("GET", "/_mock/console/api/virtualmachines"),
    ("GET", "/_mock/console/"),
    ("GET", "/m/stream"),
    ("GET", "/_mock/console/api/stream"),
    ("GET", "/nowhere"),
]
HEADERS = ["authorization", "accept", "content-type", "host", "origin", "sec-fetch-site", "x-mock-token"]
HEADERS += ["last-event-id", "if-none-match", "cookie", "accept-encoding", "user-agent", "x-atmosphere-tracking-id"]
QUERY_KEYS = ["limit", "startwith", "by", "asc", "has", "lastEventId", "X-Atmosphere-tracking-id", "search"]
QUERY_KEYS += [
    "X-Atmosphere-Transport",
    "X-atmo-protocol",
    "X-Atmosphere-Framework",
    "after",
    "path",
    "status",
    "since",
]
# What an HTTP server lets through in a header value: tab, visible ASCII and any byte above 127
HEADER_BYTES = st.binary(max_size=40).map(lambda b: bytes(c for c in b if c == 9 or 32 <= c != 127))
BASIC = st.one_of(HEADER_BYTES, HEADER_BYTES.map(lambda b: b"Basic " + b), st.binary(max_size=30).map(base64.b64encode))


@pytest.fixture(scope="module")
def door():
    return build(create_app({"DB_PATH": None, "SCENARIO": "demo", "BODY_TIMEOUT": 0.2}))


async def _call(door, method: str, path: str, headers: list, query: bytes, body: bytes = b"") -> Sent:
    """One request whose client goes away once it is answered (so that a stream ends)."""
    sent, asked = Sent(), []
    scope = {**scope_of(method, path), "headers": headers, "query_string": query}

    async def receive():
        asked.append(1)
        if len(asked) == 1:
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            sent.status, sent.raw_headers = message["status"], list(message["headers"])

    await asyncio.wait_for(door(scope, receive, send), timeout=10)
    return sent


def _query(pairs: list[tuple[str, str]], raw: bytes) -> bytes:
    encoded = "&".join(f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}" for k, v in pairs)
    return encoded.encode("ascii") + raw


def _check(sent: Sent, what) -> None:
    assert sent.status is not None and sent.status < 500, (sent.status, what)
    for name, value in sent.raw_headers:
        assert not set(name + value) & {0, 10, 13}, (name, value, what)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    route=st.sampled_from(ROUTES),
    headers=st.lists(st.tuples(st.sampled_from(HEADERS), HEADER_BYTES), max_size=6),
    authorization=st.one_of(st.none(), BASIC, st.just(ADMIN.encode())),
    pairs=st.lists(st.tuples(st.sampled_from(QUERY_KEYS), st.text(max_size=12)), max_size=4),
    raw=st.binary(max_size=12).map(lambda b: bytes(c for c in b if c > 32 and c not in b"#%")),
)
def test_odd_header_and_query_bytes_are_never_a_server_error(door, route, headers, authorization, pairs, raw):
    method, path = route
    sent = [(name.encode(), value) for name, value in headers]
    if authorization is not None:
        sent.append((b"authorization", authorization))
    query = _query(pairs, raw)
    _check(asyncio.run(_call(door, method, path, sent, query)), (route, sent, query))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(ROUTES), tail=st.text(st.characters(exclude_categories=("Cs",)), max_size=12))
def test_odd_path_characters_are_never_a_server_error(door, route, tail):
    method, path = route
    for odd in (path + tail, path + "/" + tail, "/" + tail + path):
        _check(asyncio.run(_call(door, method, odd, [(b"authorization", ADMIN.encode())], b"")), odd)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    user=st.one_of(st.none(), st.sampled_from(["admin", "user", "nobody"]), st.text(max_size=8)),
    method=st.one_of(st.sampled_from(["GET", "PUT", "POST", "DELETE"]), st.text(max_size=6)),
    path=st.one_of(st.just("/api/admin/datacenters"), st.text(max_size=20).map("/api/".__add__)),
    query=st.text(max_size=12),
    headers=st.dictionaries(st.sampled_from(["Accept", "Content-Type", "X-Other"]), st.text(max_size=20), max_size=3),
    body=st.text(max_size=20),
)
def test_a_request_sent_as_a_world_user_is_never_a_server_error(door, user, method, path, query, headers, body):
    sent = {"user": user, "method": method, "path": path, "query": query, "headers": headers, "body": body}
    data = json.dumps(sent).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    _check(asyncio.run(_call(door, "POST", "/_mock/console/api/requests", headers, b"", data)), sent)


@pytest.mark.parametrize(
    "line, header",
    [
        (b"GET /api/admin/datacenters", b"Authorization: Basic \xff\xfe"),
        (b"GET /api/admin/datacenters", b"Authorization: Basic //79"),
        (b"PUT " + VM.encode() + b"/metadata", b"Authorization: Basic \xff\xfe\r\nContent-Length: 2"),
        (b"GET /m/stream", b"Authorization: Basic \xff\xfe"),
        (b"GET /m/stream?X-Atmosphere-tracking-id=a%0d%0ab", b"Authorization: " + ADMIN.encode()),
        (b"GET /m/stream?X-Atmosphere-tracking-id=%00&X-atmo-protocol=true", b"Authorization: " + ADMIN.encode()),
        (b"GET /api/cloud/virtualmachines?has=%ff%00", b"Authorization: " + ADMIN.encode()),
        (b"GET /_mock/journal?path=\x80", b"Accept: */*"),
    ],
)
def test_a_real_server_answers_odd_bytes_without_a_server_error(live_server, line, header):
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as sock:
        sock.sendall(line + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + header + b"\r\nConnection: close\r\n\r\n{}")
        status = sock.recv(64).split(b"\r\n", 1)[0]
    assert re.fullmatch(rb"HTTP/1.1 [24]\d\d .*", status), status
