"""GET /m/stream: the outbound event stream as Server-Sent Events, an async handler of the front door.

It runs in the server's event loop, never on the thread that serves the API: the credentials check and the
backlog read go to a worker thread, and committed events arrive through the hub (hub.py). An idle stream
costs one sleeping task; a slow one is closed before it can hold memory or anyone else.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from ..errors import AbiquoError
from ..http import credentials
from ..http.envelope import send_error
from ..store import Store
from .hub import Hub, Listener
from .outbound import encode
from .protocol import KEEP_ALIVE, PADDING, StreamRequest, parse

log = logging.getLogger(__name__)
Send = Callable[[dict], Awaitable[None]]
Receive = Callable[[], Awaitable[dict]]


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _caller(store: Store, header: credentials.Header):
    found = credentials.caller(store, header)  # the one decision the API takes, for the stream too
    if isinstance(found, AbiquoError):
        raise found
    return found


class EventStream:
    """The ASGI handler for one path, bound to one store and its hub."""

    def __init__(self, store: Store, hub: Hub, heartbeat_s: float = 15):
        self.store, self.hub, self.heartbeat_s = store, hub, heartbeat_s

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        try:
            if scope["method"] != "GET":
                message = f"The method {scope['method']} is not allowed on /m/stream"
                raise AbiquoError("405-METHOD-NOT-ALLOWED", message, headers={"Allow": "GET"})
            request = parse(scope.get("query_string", b""), headers)
            if self.hub.refusing():
                raise AbiquoError("503-SERVICE-UNAVAILABLE", "The event stream is cut for a while: reconnect later")
            user = await asyncio.to_thread(_caller, self.store, headers.get)
        except AbiquoError as error:
            await send_error(send, error)
            return
        listener = Listener(asyncio.get_running_loop(), user)
        backlog = await asyncio.to_thread(self.hub.attach, listener, request.cursor)
        try:
            await self._serve(request, listener, backlog, receive, send)
        finally:
            self.hub.detach(listener)

    async def _serve(self, request: StreamRequest, listener: Listener, backlog: list, receive, send) -> None:
        head = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]
        if request.atmosphere:
            head.append((b"x-atmosphere-tracking-id", request.tracking_id.encode()))
        gone = asyncio.ensure_future(_until_disconnect(receive))
        shut = asyncio.ensure_future(listener.shut.wait())
        write = _Writer(send, shut)
        try:
            await send({"type": "http.response.start", "status": 200, "headers": head})
            if request.atmosphere:
                await write(PADDING.encode())
            if request.handshake:
                await write(request.frame(request.handshake_message()))
            await _each_event(write, request, backlog)
            await self._relay(request, listener, gone, write)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except _Cut:
            pass  # the hub closed a stream whose reader stopped reading: the server drops the connection
        except Exception as exc:  # the client went away mid-write: each server says so with its own exception
            log.debug("event stream closed: %r", exc)
        finally:
            gone.cancel()
            shut.cancel()

    async def _relay(self, request: StreamRequest, listener: Listener, gone: asyncio.Future, write) -> None:
        while not listener.closed:
            batch = asyncio.ensure_future(listener.queue.get())
            done, _ = await asyncio.wait({batch, gone}, timeout=self.heartbeat_s, return_when=asyncio.FIRST_COMPLETED)
            if batch not in done:
                batch.cancel()
                if gone in done:
                    return
                await write(KEEP_ALIVE.encode())
                continue
            if listener.closed:
                return
            await _each_event(write, request, batch.result())


class _Cut(Exception):
    """A write was abandoned because the hub closed the stream."""


class _Writer:
    def __init__(self, send: Send, shut: asyncio.Future):
        self.send, self.shut = send, shut

    async def __call__(self, data: bytes) -> None:
        if not data:
            return
        sending = asyncio.ensure_future(self.send({"type": "http.response.body", "body": data, "more_body": True}))
        done, _ = await asyncio.wait({sending, self.shut}, return_when=asyncio.FIRST_COMPLETED)
        if sending not in done:
            sending.cancel()
            raise _Cut
        sending.result()


async def _each_event(write: _Writer, request: StreamRequest, events: list[dict]) -> None:
    """One message, one write, one HTTP chunk per event, as Atmosphere flushes each: clients such as Abiquo's
    events-notifier parse every chunk they are handed as one event (a commit may record several)."""
    for event in events:
        await write(request.frame(encode(event), event["id"]))
