"""Over a real server: clients that send their body slowly, or not at all, or too much of it chunked, never
hold the others, and never get a cut body parsed."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from urllib.parse import urlparse

import pytest
import requests

from .support import HttpApi

DC = "/api/admin/datacenters/1"
MIB = 1024 * 1024
HEADERS = b"Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"


def _address(server) -> tuple[str, int]:
    url = urlparse(server.url)
    return url.hostname, url.port


def _stall(server, request_line: bytes, extra: bytes = b"") -> socket.socket:
    sock = socket.create_connection(_address(server), timeout=10)
    sock.sendall(request_line + b"\r\n" + HEADERS + extra + b"\r\n")
    return sock


def test_a_socket_that_never_sends_its_body_does_not_delay_a_get(live_server):
    api = HttpApi(live_server.url)
    with contextlib.closing(_stall(live_server, b"GET /api/version HTTP/1.1")):
        time.sleep(0.2)  # let the server take the stalled request first
        answer = requests.get(live_server.url + DC, auth=("admin", "xabiquo"), timeout=5)
        assert answer.status_code == 200
        assert api.get(DC).status == 200


def test_twenty_dribbling_clients_do_not_hold_the_others(live_server):
    stop = threading.Event()
    socks = [
        _stall(live_server, b"PUT /_mock/virtualmachines/2/state HTTP/1.1", b"Authorization: Basic x\r\n")
        for _ in range(20)
    ]

    def dribble():
        while not stop.wait(1):
            for sock in socks:
                with contextlib.suppress(OSError):
                    sock.sendall(b" ")

    dribbler = threading.Thread(target=dribble, daemon=True)
    dribbler.start()
    try:
        time.sleep(0.3)
        for _ in range(10):
            answer = requests.get(live_server.url + DC, auth=("admin", "xabiquo"), timeout=5)
            assert answer.status_code == 200
    finally:
        stop.set()
        dribbler.join()
        for sock in socks:
            sock.close()


def test_an_unauthenticated_body_is_answered_401_without_waiting_for_it(live_server):
    with contextlib.closing(_stall(live_server, b"PUT /api/admin/datacenters/1/backupproperties HTTP/1.1")) as sock:
        answer = sock.recv(65536)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 401 Unauthorized"
    assert b'"401-UNAUTHORIZED"' in rest


def _chunked_put(server, document: bytes) -> tuple[int, dict]:
    """Send ``document`` chunked from a thread (the server may answer and stop reading before it is all sent)
    and read the answer as it comes."""
    sock = socket.create_connection(_address(server), timeout=30)
    head = b"PUT /_mock/virtualmachines/2/state HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    pieces = [document[i : i + 65536] for i in range(0, len(document), 65536)]

    def send():
        with contextlib.suppress(OSError):
            sock.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n")
            for piece in pieces:
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            sock.sendall(b"0\r\n\r\n")

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, json.loads(response.read())
    finally:
        sock.close()
        sender.join(5)


@pytest.mark.parametrize(
    "document",
    [b'{"state": "OFF"}' + b" " * (2 * MIB), b'{"state": "OFF", "pad": "' + b"x" * (MIB + MIB // 2) + b'"}'],
    ids=["valid-then-2MiB-of-spaces", "1.5MiB-document"],
)
def test_a_chunked_body_over_the_limit_is_413_over_http(live_server, document):
    api = HttpApi(live_server.url)
    api.reset("demo")
    status, answer = _chunked_put(live_server, document)
    assert (status, [e["code"] for e in answer["collection"]]) == (413, ["400-BAD-REQUEST"])
    assert api.get("/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/2").json["state"] == "ON"
