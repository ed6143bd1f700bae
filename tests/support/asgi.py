"""A minimal ASGI client for in-process tests of the front door: the body is fed as chunks, and a client that
stalls is a receive() that never returns."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field

ADMIN = "Basic " + base64.b64encode(b"admin:xabiquo").decode()


@dataclass
class Sent:
    status: int | None = None
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    finished: bool = False  # the last body message said more_body False
    raw_headers: list = field(default_factory=list)


def scope_of(method: str, path: str, headers: dict | None = None, query: str = "") -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()],
        "server": ("127.0.0.1", 8080),
        "client": ("127.0.0.1", 50000),
    }


async def call(app, method: str, path: str, *, headers=None, chunks=(), stall=False, query="", read=None) -> Sent:
    """One request; ``chunks`` is the body as sent, ``stall`` leaves it unfinished forever, and ``read`` (a
    list) gets, for each time the app asked for the body, the status it had answered by then (None: not yet)."""
    pending = list(chunks)
    sent = Sent()

    async def receive():
        if read is not None:
            read.append(sent.status)
        if pending:
            chunk = pending.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(pending) or stall}
        if stall:
            await asyncio.Event().wait()
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            sent.status = message["status"]
            sent.raw_headers = list(message["headers"])
            sent.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        else:
            sent.body += message.get("body", b"")
            sent.finished = not message.get("more_body", False)

    await app(scope_of(method, path, headers, query), receive, send)
    return sent


def run(coroutine):
    return asyncio.run(coroutine)
