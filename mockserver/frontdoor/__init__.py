"""The front door: one ASGI app in front of the unchanged Flask app.

    from abiquo_mock.mockserver.frontdoor import build
    asgi_app = build(create_app(config))

Per request, in the event loop: a route a context registered in ``extensions[DOOR_ROUTES]``
({exact path: async handler(scope, receive, send)}) gets the request whole; otherwise the transport fault
``extensions[DOOR_FAULTS](method, path)`` names, if any, is applied around the answer. A GET whose
answer is kept is answered at once from the event loop (fast.py). Any other answer comes from Flask, run as WSGI
in the event loop's own thread once the door has read the body itself: no client can hold Flask while it sends
slowly or not at all, and no request pays for handing its work to another thread and back (under load each such
hand-over waits for the interpreter lock). Requests to /api that carry a body without valid credentials are
refused (401) before their body is read, on the one credential decision Flask takes too (http/credentials.py);
one that asked for ``100 Continue`` gets it, and its body is drained.

Writes are committed in groups (``Store.defer_sync``, commit.py): a write's journal record is written as Flask
handles it, and one fsync, once the requests already scheduled have run, covers every write made meanwhile. No
answer to a write leaves before an fsync covers it.
"""

from __future__ import annotations

import asyncio
import gc
from typing import Any

from flask import Flask

from ..errors import AbiquoError
from ..extensions import DOOR_FAULTS, DOOR_REFUSAL, DOOR_ROUTES, FAST_PATH_OFF, SITE_CHECKED, SITES, store_of
from ..http import credentials, media
from ..http.credentials import Header
from ..http.door import Answer, Headers, Receive, Scope, Send, TransportFault
from ..http.envelope import door_answer
from ..http.paths import with_slashes_collapsed
from ..store import StoreUnavailable
from .body import DISCONNECTED, TIMED_OUT, TOO_LARGE, declared_length, drain, expects_continue, has_body, read_body
from .bridge import call_wsgi, environ_of
from .commit import GroupCommit
from .fast import FastPath
from .faults import drop_before, send_faulty
from .signals import leave_stopping_to_the_main_process

__all__ = ["Answer", "Door", "TransportFault", "build"]

BODY_TIMEOUT = 10.0  # seconds a client has to send its whole body (config BODY_TIMEOUT)
# What http/sites.py reads to decide whether a request is served at all, and what credentials.py reads
DECIDING_HEADERS = frozenset(
    {b"host", b"origin", b"sec-fetch-site", b"content-type", b"content-length", b"transfer-encoding", b"accept"}
    | {name.encode("latin-1") for name in credentials.CREDENTIAL_HEADERS}
)


def build(flask_app: Flask) -> Door:
    return Door(flask_app)


class Door:
    def __init__(self, flask_app: Flask):
        self.app = flask_app
        flask_app.extensions.setdefault(DOOR_ROUTES, {})
        self.store = store_of(flask_app)
        self.limit = flask_app.config["MAX_CONTENT_LENGTH"]
        self.timeout = float(flask_app.config.get("BODY_TIMEOUT") or BODY_TIMEOUT)
        self.store.defer_sync()  # group commit: run() waits for a write's fsync before its answer leaves
        self.commit = GroupCommit(self.store)
        self.store.fold_in_background()  # a compaction never holds requests for as long as a whole snapshot takes
        _freeze_long_lived(collect=False)
        self.store.on_commit(lambda changes: _freeze_long_lived() if changes is None else None)
        self.fast = FastPath(flask_app)
        self.sites = flask_app.extensions[SITES]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await _lifespan(receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope = with_slashes_collapsed(scope)  # before anything routes on the path
        header = _header_lookup(scope["headers"])
        refusal = self.sites.refusal(scope["method"], scope["path"], header)
        if refusal is not None:  # before any route, fault or body: a host not served, another site's request
            refused = door_answer(refusal, xml=media.wants_xml(header("accept"), header("content-type")))
            await _send(send, receive, _closing(refused) if has_body(scope["headers"]) else refused)
            return
        route = self.app.extensions[DOOR_ROUTES].get(scope["path"])
        if route is not None:
            await route(scope, receive, send)
            return
        faults = self.app.extensions.get(DOOR_FAULTS)
        fault = faults(scope["method"], scope["path"]) if faults is not None else None
        if fault is not None:
            if fault.delay_s:
                await asyncio.sleep(fault.delay_s)
            if fault.drop == "before":
                await drop_before(send)
                return
        fast_path_off = self.app.extensions.get(FAST_PATH_OFF)
        kept = None if fast_path_off is not None and fast_path_off() else self.fast.answer(scope)
        answer = kept or await self.answer(scope, receive, header)
        if answer is None:
            return  # the client went away before its body was whole
        if fault is not None:
            await send_faulty(send, answer, fault)
            return
        await _send(send, receive, answer)

    async def answer(self, scope: Scope, receive: Receive, header: Header | None = None) -> Answer | None:
        headers = scope["headers"]
        if not has_body(headers):
            return await self.run(environ_of(scope, b""))
        found = credentials.caller_of(self.store, scope["path"], header or _header_lookup(headers))
        if isinstance(found, AbiquoError):
            return await self._refused_unread(environ_of(scope, b""), headers, receive)  # Flask answers 401
        declared = declared_length(headers)
        if declared is not None and declared > self.limit:
            environ = environ_of(scope, b"")
            environ["CONTENT_LENGTH"] = str(declared)  # over MAX_CONTENT_LENGTH: Flask refuses it unread (413)
            return await self._refused_unread(environ, headers, receive)
        body = await read_body(receive, limit=self.limit, timeout=self.timeout)
        if body.problem == DISCONNECTED:
            return None
        environ = environ_of(scope, body.data)
        if body.problem == TOO_LARGE:
            environ["CONTENT_LENGTH"] = str(body.size)  # counted past MAX_CONTENT_LENGTH: Flask refuses it (413)
        elif body.problem == TIMED_OUT:
            environ[DOOR_REFUSAL] = 408
        answer = await self.run(environ)
        return answer if body.problem is None else _closing(answer)

    async def _refused_unread(self, environ: dict[str, Any], headers: Headers, receive: Receive) -> Answer:
        """Flask's refusal of a request whose body the door does not read. A client that asked for
        ``100 Continue`` gets it first: JDK 17's HttpClient, handed a final answer instead, waits forever."""
        answer = _closing(await self.run(environ))
        if not expects_continue(headers):
            return answer
        await drain(receive)  # asking for the body is what makes the server send 100 Continue
        return answer._replace(unread=False)

    async def run(self, environ: dict[str, Any]) -> Answer:
        """The Flask app's answer; for a write, once its record is on disk."""
        environ[SITE_CHECKED] = True  # _http asked before anything else: Flask need not ask again
        self.fast.request_log.flush()  # what the fast path answered before this request goes first
        answer, wrote = self._call(environ)
        if wrote:
            refused = await self.commit.durable(wrote)
            if refused is not None:
                return _not_durable(refused)
        return answer

    def _call(self, environ: dict[str, Any]) -> tuple[Answer, int]:
        """The answer, and the newest journal record its request wrote (0: it wrote none)."""
        before = self.store.written_seq
        answer = call_wsgi(self.app, environ)
        after = self.store.written_seq
        return answer, 0 if after == before else after


def _freeze_long_lived(collect: bool = True) -> None:
    """Leave the loaded world (and the app) out of the garbage collector's full passes, which otherwise walk every
    document and hold every thread meanwhile, again and again. Its documents hold no cycles: when one is
    replaced, reference counting frees it as before. Done again after a reset loads another world, once the old
    one's garbage is collected; at start there is next to none (5 objects with demo, scale or a 1,000-VM store)
    and a collect would cost 15-20 ms of the start to the first answer."""
    if collect:
        gc.collect()
    gc.freeze()


async def _send(send: Send, receive: Receive, answer: Answer) -> None:
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
    await send({"type": "http.response.body", "body": answer.body})
    if answer.unread:
        await drain(receive)


def _header_lookup(headers: Headers) -> Header:
    """Header value by lower-case name, repeated headers joined with commas (as WSGI does), for the headers
    the door decides on before Flask runs."""
    found: dict[str, str] = {}
    for name, value in headers:
        if name in DECIDING_HEADERS:
            key, text = name.decode("latin-1"), value.decode("latin-1")
            found[key] = f"{found[key]},{text}" if key in found else text
    return found.get


def _not_durable(exc: StoreUnavailable) -> Answer:
    message = (
        f"Service unavailable: the mock could not make its store durable ({exc.cause}); the change may be lost"
        " on a restart: read it back before trying again"
    )
    return door_answer(AbiquoError("503-SERVICE-UNAVAILABLE", message, headers={"Retry-After": "5"}))


def _closing(answer: Answer) -> Answer:
    """The body was not read whole, so the connection cannot carry another request."""
    if any(name == b"connection" for name, _ in answer.headers):
        return answer._replace(unread=True)
    return Answer(answer.status, [*answer.headers, (b"connection", b"close")], answer.body, unread=True)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            leave_stopping_to_the_main_process()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
