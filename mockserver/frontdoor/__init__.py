"""The front door: one ASGI app in front of the unchanged Flask app.

    from abiquo_mock.mockserver.frontdoor import build
    asgi_app = build(create_app(config))

Per request, in the event loop: a route a context registered in ``extensions["abiquo_door_routes"]``
({exact path: async handler(scope, receive, send)}) gets the request whole; otherwise the transport fault
``extensions["abiquo_door_faults"](method, path)`` names, if any, is applied around the answer. The answer
comes from Flask run as WSGI on one thread (the thread that owns the store), after the door has read the
body itself: no client can hold that thread while it sends slowly or not at all. Requests to /api that carry
a body without valid credentials are refused (401) before their body is read.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from flask import Flask

from ..app import DOOR_REFUSAL, DOOR_ROUTES, PUBLIC_PATHS
from ..http.auth import accepts
from .answer import Answer
from .body import DISCONNECTED, TIMED_OUT, TOO_LARGE, Body, declared_length, drain, has_body, read_body
from .bridge import call_wsgi, environ_of
from .faults import TransportFault, drop_before, send_faulty

__all__ = ["Answer", "Door", "TransportFault", "build"]

FAULTS = "abiquo_door_faults"
BODY_TIMEOUT = 10.0  # seconds a client has to send its whole body (config BODY_TIMEOUT)
KNOWN_CREDENTIALS = 256


def build(flask_app: Flask) -> Door:
    return Door(flask_app)


class Door:
    def __init__(self, flask_app: Flask):
        self.app = flask_app
        flask_app.extensions.setdefault(DOOR_ROUTES, {})
        self.store = flask_app.extensions["abiquo_store"]
        self.limit = flask_app.config["MAX_CONTENT_LENGTH"]
        self.timeout = float(flask_app.config.get("BODY_TIMEOUT") or BODY_TIMEOUT)
        # one thread runs every Flask call: it owns the store, as a WSGI server with one thread did
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="abiquo-store")
        self._good: dict[bytes, int] = {}  # Authorization header -> store generation it was accepted at

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await _lifespan(receive, send)

    async def _http(self, scope, receive, send) -> None:
        route = self.app.extensions[DOOR_ROUTES].get(scope["path"])
        if route is not None:
            await route(scope, receive, send)
            return
        faults = self.app.extensions.get(FAULTS)
        fault = faults(scope["method"], scope["path"]) if faults is not None else None
        if fault is not None:
            if fault.delay_s:
                await asyncio.sleep(fault.delay_s)
            if fault.drop == "before":
                await drop_before(send)
                return
        answer = await self.answer(scope, receive)
        if answer is None:
            return  # the client went away before its body was whole
        if fault is not None:
            await send_faulty(send, answer, fault)
            return
        await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
        await send({"type": "http.response.body", "body": answer.body})
        if answer.unread:
            await drain(receive)

    async def answer(self, scope, receive) -> Answer | None:
        headers = scope["headers"]
        if not has_body(headers):
            return await self.run(environ_of(scope, b""))
        if _needs_credentials(scope["path"]) and not await self._credentials_accepted(headers):
            return _closing(await self.run(environ_of(scope, b"")))  # Flask answers 401; the body stays unread
        declared = declared_length(headers)
        if declared is not None and declared > self.limit:
            body = Body(b"", TOO_LARGE, declared)
        else:
            body = await read_body(receive, limit=self.limit, timeout=self.timeout)
        if body.problem == DISCONNECTED:
            return None
        environ = environ_of(scope, body.data)
        if body.problem == TOO_LARGE:
            environ["CONTENT_LENGTH"] = str(body.size)  # over MAX_CONTENT_LENGTH: Flask refuses it unread (413)
        elif body.problem == TIMED_OUT:
            environ[DOOR_REFUSAL] = 408
        answer = await self.run(environ)
        return answer if body.problem is None else _closing(answer)

    async def run(self, environ: dict) -> Answer:
        """The Flask app's answer, computed on the store thread."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, call_wsgi, self.app, environ)

    async def _credentials_accepted(self, headers) -> bool:
        header = next((value for name, value in headers if name == b"authorization"), None)
        if header is None:
            return False
        if self._good.get(header) == self.store.generation:
            return True
        loop = asyncio.get_running_loop()
        generation, accepted = await loop.run_in_executor(self.executor, self._check, header)
        if accepted:
            if len(self._good) >= KNOWN_CREDENTIALS:
                self._good.clear()
            self._good[header] = generation
        return accepted

    def _check(self, header: bytes) -> tuple[int, bool]:
        return self.store.generation, accepts(self.store, header.decode("latin-1"))


def _needs_credentials(path: str) -> bool:
    return path.startswith("/api") and path not in PUBLIC_PATHS


def _closing(answer: Answer) -> Answer:
    """The body was not read whole, so the connection cannot carry another request."""
    if any(name == b"connection" for name, _ in answer.headers):
        return answer._replace(unread=True)
    return Answer(answer.status, [*answer.headers, (b"connection", b"close")], answer.body, unread=True)


async def _lifespan(receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
