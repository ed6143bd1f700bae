"""Over a real server: requests shaped as JDK 17's HttpClient sends them with its default settings.

On plain http it offers an h2c upgrade on every request (`Connection: Upgrade, HTTP2-Settings`, `Upgrade: h2c`,
`HTTP2-Settings`), sends `Content-Length: 0` on a GET and keeps the connection for the next request. With
`expectContinue(true)` it sends `Expect: 100-Continue` and holds the body back until `100 Continue`; handed a final
answer instead, it waits forever (the JDK fixed that in 20), also past its own request timeout. So the mock sends
`100 Continue` before any refusal of such a body (401, 413). The Java test needs a JDK and is skipped without one.
"""

from __future__ import annotations

import base64
import contextlib
import shutil
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest

PROPERTIES = "/api/admin/datacenters/1/backupproperties"
ADMIN = b"Authorization: Basic " + base64.b64encode(b"admin:xabiquo") + b"\r\n"
WRONG = b"Authorization: Basic " + base64.b64encode(b"admin:wrong") + b"\r\n"
UPGRADE = b"Connection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAEAAEAAAAIAAAAAAAMAAAAAAAQBAAAAAAUAAEAAAAYABgAA\r\n"
UPGRADE += b"Upgrade: h2c\r\nUser-Agent: Java-http-client/17.0.15\r\n"
MIB = 1024 * 1024
PROBE = Path(__file__).resolve().parent / "jdk" / "ExpectContinue.java"


def _connect(server) -> socket.socket:
    url = urlparse(server.url)
    return socket.create_connection((url.hostname, url.port), timeout=5)


def _head(sock: socket.socket, buffered: bytes = b"") -> tuple[bytes, bytes]:
    """One answer's status line and headers, and what came after them."""
    while b"\r\n\r\n" not in buffered:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buffered += chunk
    head, _, rest = buffered.partition(b"\r\n\r\n")
    return head, rest


def _answer(sock: socket.socket, buffered: bytes = b"") -> tuple[bytes, bytes, bytes]:
    """(status line and headers, body, what came after it) of one answer with a Content-Length."""
    head, rest = _head(sock, buffered)
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head, rest[:length], rest[length:]


@pytest.mark.parametrize(
    ("credentials", "body", "status"),
    [
        (b"", b"{}", b"401"),
        (WRONG, b"{}", b"401"),
        (ADMIN, b" " * (2 * MIB), b"413"),
    ],
    ids=["no-credentials", "wrong-password", "over-the-limit"],
)
def test_a_refused_body_that_expects_100_continue_gets_it_before_the_refusal(live_server, credentials, body, status):
    request = f"PUT {PROPERTIES} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n".encode()
    with contextlib.closing(_connect(live_server)) as sock:
        sock.sendall(request + b"Expect: 100-Continue\r\nContent-Type: application/json\r\n" + credentials + b"\r\n")
        first, rest = _head(sock)
        assert first == b"HTTP/1.1 100 Continue", "a final answer came before the body was sent"
        sock.sendall(body)
        head, answer, _ = _answer(sock, rest)

    assert head.startswith(b"HTTP/1.1 " + status)
    assert b'"code": "' in answer  # the Abiquo error envelope, whole


def test_an_h2c_upgrade_offer_is_answered_in_http_1_1_on_the_same_connection(live_server):
    get = b"GET /api/version HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nAccept: text/plain\r\n"
    put = f"PUT {PROPERTIES} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
    with contextlib.closing(_connect(live_server)) as sock:
        sock.sendall(get + UPGRADE + ADMIN + b"\r\n")
        version, body, rest = _answer(sock)
        sock.sendall(put.encode() + UPGRADE + ADMIN + b"\r\n{}")
        refused, answer, _ = _answer(sock, rest)

    assert version.startswith(b"HTTP/1.1 200") and body == b"3.8.5"
    assert refused.startswith(b"HTTP/1.1 400") and b"connection: close" not in refused.lower()
    assert b'"code": "' in answer


@pytest.mark.skipif(shutil.which("java") is None, reason="no JDK (java not found): install openjdk-17-jdk-headless")
def test_the_jdk_client_expecting_100_continue_is_told_its_password_is_wrong(live_server):
    wrong = "Basic " + base64.b64encode(b"admin:wrong").decode()
    try:
        done = subprocess.run(
            ["java", str(PROBE), live_server.url + PROPERTIES, wrong, "{}"], capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the JDK's client was still waiting for an answer after 60 s")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("401 ") and '"401-UNAUTHORIZED"' in done.stdout
