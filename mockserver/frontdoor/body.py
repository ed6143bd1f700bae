"""Request bodies read in the event loop: bounded in time (408) and in bytes (413), chunked or not."""

from __future__ import annotations

import asyncio
import contextlib
from typing import NamedTuple

from ..http.door import Receive

DRAIN_BYTES = 8 * 1024 * 1024
DRAIN_SECONDS = 2.0
TIMED_OUT = "408"
TOO_LARGE = "413"
DISCONNECTED = "gone"


class Body(NamedTuple):
    data: bytes
    problem: str | None  # None, TIMED_OUT, TOO_LARGE or DISCONNECTED
    size: int  # bytes received, also when the body was refused


def declared_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """Content-Length as sent, or None when there is none (or it is not a number: the server checks that)."""
    for name, value in headers:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def has_body(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip(b"0 ") != b""):
            return True
    return False


def expects_continue(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the client waits for ``100 Continue`` before it sends its body (``Expect: 100-continue``)."""
    return any(name == b"expect" and value.strip().lower() == b"100-continue" for name, value in headers)


async def read_body(receive: Receive, *, limit: int, timeout: float) -> Body:
    """The whole body, unless it takes longer than ``timeout`` seconds or grows past ``limit`` bytes
    (chunked bodies are counted as they come, never cut and passed on)."""
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return Body(b"", DISCONNECTED, size)
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    return Body(b"", TOO_LARGE, size)
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return Body(b"".join(chunks), None, size)
    except TimeoutError:
        return Body(b"", TIMED_OUT, size)


async def drain(receive: Receive) -> None:
    """Read and drop what a refused client still sends, for a bounded while: a socket closed with unread data
    is reset, and the reset can destroy the answer before the client reads it."""
    size = 0
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(DRAIN_SECONDS):
            while size < DRAIN_BYTES:
                message = await receive()
                if message["type"] == "http.disconnect" or not message.get("more_body", False):
                    return
                size += len(message.get("body", b""))
