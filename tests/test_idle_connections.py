"""Connections that send nothing never lock anyone out: a real server holds thousands of them and still answers
a fresh client, and closes each one that has not sent a request head within the header timeout (20 s by default,
ABIQUO_MOCK_HEADER_TIMEOUT; 1 s here). The figures are measured by ``python -m benchmarks.connections``."""

from __future__ import annotations

import contextlib
import http.client
import resource
import selectors
import socket
import time

import pytest
import requests

from .support import ServerProcess

IDLE = 2000


@pytest.fixture(scope="module")
def files():
    """Room for the test's own sockets (the soft open-files limit raised to the hard one, as the server does)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = IDLE + 200
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"the open-files hard limit ({hard}) leaves no room for {IDLE} connections")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted) if hard == resource.RLIM_INFINITY else hard, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@contextlib.contextmanager
def _silent(server: ServerProcess, count: int, head: bytes = b""):
    """``count`` connections that send ``head`` (nothing by default) and then nothing more."""
    socks = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            if head:
                sock.sendall(head)
            socks.append(sock)
        yield socks
    finally:
        for sock in socks:
            sock.close()


def _closed_by_the_server(socks: list[socket.socket], patience: float) -> int:
    """How many of ``socks`` the server closed (each reads end-of-file) before ``patience`` seconds of silence."""
    selector = selectors.DefaultSelector()
    for sock in socks:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    closed, deadline = 0, time.monotonic() + patience
    while closed < len(socks) and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=1):
            try:
                data = key.fileobj.recv(1)
            except OSError:
                data = b""
            if not data:
                closed += 1
                selector.unregister(key.fileobj)
    return closed


@pytest.fixture(scope="module")
def server(files):
    with ServerProcess("--memory", env={"ABIQUO_MOCK_HEADER_TIMEOUT": "1"}) as process:
        yield process


def test_two_thousand_silent_connections_leave_a_fresh_client_answered(server):
    with _silent(server, IDLE):
        answer = requests.get(server.url + "/api/version", timeout=1)
        assert answer.status_code == 200
        listing = requests.get(server.url + "/api/admin/datacenters", auth=("admin", "xabiquo"), timeout=1)
        assert listing.status_code == 200


@pytest.mark.parametrize("head", [b"", b"GET /api/version HTTP/1.1\r\nHost: 127.0.0.1\r\n"], ids=["nothing", "half"])
def test_a_connection_that_never_sends_a_whole_request_head_is_closed(server, head):
    with _silent(server, 200, head) as socks:
        assert _closed_by_the_server(socks, patience=60) == len(socks)


def test_an_idle_keep_alive_connection_is_closed_once_it_has_been_answered(server):
    with _silent(server, 1, b"GET /api/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") as (sock,):
        answer = http.client.HTTPResponse(sock)
        answer.begin()
        assert (answer.status, answer.will_close) == (200, False)  # kept alive...
        answer.read()
        assert _closed_by_the_server([sock], patience=60) == 1  # ...until it has been silent too long
