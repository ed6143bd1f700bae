"""The console acts as a user of the world on the server's side: a request it sends to the API, or the event
stream it follows, is made as a user named by nick, whose password never leaves the server. So the page (and
an exported replay script) holds no credential that another page could take, and the request still goes
through the API like any other: the journal, the event log, the rules and the faults all see it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from flask import Flask, current_app, request
from werkzeug.test import EnvironBuilder, run_wsgi_app

from ..errors import AbiquoError
from ..extensions import DOOR_ROUTES, store_of
from ..http.control import PREFIX, token_accepted
from ..http.envelope import send_error
from ..security import user_from_docs
from ..store import Store
from ..stream import PATH as STREAM_PATH

API_PREFIX = "/api/"
PASSED_HEADERS = ("accept", "content-type")  # what a request sent on someone's behalf keeps of its headers
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")
SEES_EVERY_TENANT = "ENTERPRISE_ADMINISTER_ALL"
SEND_RULE = "/console/api/requests"  # the control operation that sends a request as a user (views.py)
STREAM = PREFIX + "/console/api/stream"


def actor(store: Store, privilege: str, enterprise: int | None) -> str | None:
    """The nick of the first user of the world with ``privilege`` who sees ``enterprise`` (any one when None)."""
    for user in store.all("users"):
        found = user_from_docs(user, store.get("roles", user.get("role")))
        if found.can(privilege) and (enterprise is None or found.sees_enterprise(enterprise)):
            return user["nick"]
    return None


def _authorization(store: Store, nick: str) -> str:
    """The Basic credentials of a world user, for a request made inside the server only."""
    user = store.first("users", nick=nick)
    if user is None:
        raise AbiquoError("CTRL-USER", f"There is no user '{nick}' in the world")
    pair = f"{user['nick']}:{user.get('password', '')}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def api_request(body: dict) -> dict:
    """The request a body describes ({user, method, path, query, headers, body}), checked, or GEN-2."""
    unknown = sorted(set(body) - {"user", "method", "path", "query", "headers", "body"})
    if unknown:
        raise AbiquoError("GEN-2", f"Unknown field '{unknown[0]}'; known: user, method, path, query, headers, body")
    method, path = body.get("method"), body.get("path")
    if method not in METHODS or not isinstance(path, str) or not path.startswith(API_PREFIX):
        raise AbiquoError("GEN-2", "'method' is an HTTP method and 'path' a path under /api/")
    user, query, text = body.get("user"), body.get("query", ""), body.get("body", "")
    headers = body.get("headers", {})
    if not (user is None or isinstance(user, str)) or not isinstance(query, str) or not isinstance(text, str):
        raise AbiquoError("GEN-2", "'user' is a nick (or null), 'query' and 'body' are text")
    if not isinstance(headers, dict) or not all(isinstance(v, str) and v.isprintable() for v in headers.values()):
        raise AbiquoError("GEN-2", "'headers' is an object of text values on one line")
    kept = {k: v for k, v in headers.items() if k.lower() in PASSED_HEADERS}
    return {"user": user, "method": method, "path": path, "query": query, "headers": kept, "body": text}


def send_as(store: Store, user: str | None, method: str, path: str, query: str, headers: dict, body: str) -> dict:
    """Run one API request through this very app, as ``user`` (None: without credentials), on the host the
    console's request came to; answer its status, headers and body as text."""
    sent = dict(headers)
    if user is not None:
        sent["Authorization"] = _authorization(store, user)
    environ = EnvironBuilder(
        method=method, base_url=request.host_url, headers=sent, data=body.encode("utf-8")
    ).get_environ()
    environ.update(
        {
            "PATH_INFO": _wsgi_text(path),  # as recorded: no quoting to undo or redo
            "QUERY_STRING": query if query.isascii() else _wsgi_text(query),
            "REMOTE_ADDR": request.remote_addr or "",
        }
    )
    chunks, status, answer_headers = run_wsgi_app(current_app._get_current_object(), environ, buffered=True)
    text = b"".join(chunks).decode("utf-8", errors="replace")
    return {"user": user, "status": int(status[:3]), "headers": dict(answer_headers), "body": text}


def _wsgi_text(text: str) -> str:
    """What WSGI carries for a path or query: the latin-1 text of its UTF-8 bytes."""
    return text.encode("utf-8").decode("latin-1")


STREAM_DOCS = {
    STREAM: {
        "get": {
            "operationId": "consoleStreamEvents",
            "summary": "The event stream (as /m/stream) opened by the server as a user who sees every tenant: the "
            "console's live feed, for whoever may use the control API",
            "tags": ["control"],
            "x-fidelity": "mock-only",
            "responses": {
                "200": {
                    "description": "Server-Sent Events",
                    "content": {"text/event-stream": {"schema": {"type": "string"}}},
                },
                **{status: {"$ref": "#/components/responses/Error"} for status in ("401", "403", "404", "405")},
            },
        }
    }
}


def stream_route(app: Flask) -> dict[str, Callable]:
    """The front door's route for the console's live feed: the event stream, opened as a user who sees every
    tenant, for whoever holds the control token. Part of the control API: not served without it."""
    return {STREAM: ConsoleStream(app)} if app.config["CONTROL_ENABLED"] else {}


class ConsoleStream:
    def __init__(self, app: Flask):
        self.app = app

    async def __call__(self, scope: dict, receive, send) -> None:
        headers = [(k, v) for k, v in scope["headers"] if k not in (b"authorization", b"x-mock-token")]
        sent = next((v for k, v in scope["headers"] if k == b"x-mock-token"), b"")
        stream = self.app.extensions[DOOR_ROUTES].get(STREAM_PATH)
        store = store_of(self.app)
        nick = actor(store, SEES_EVERY_TENANT, None)
        if not token_accepted(self.app.config.get("CONTROL_TOKEN"), sent):
            refusal = AbiquoError("401-UNAUTHORIZED", "The control API needs the header X-Mock-Token")
        elif stream is None or nick is None or scope["method"] != "GET":
            refusal = AbiquoError("404-NOT-FOUND", "There is no event stream for the console to follow")
        else:
            authorization = _authorization(store, nick).encode()
            await stream(
                {**scope, "path": STREAM_PATH, "headers": [*headers, (b"authorization", authorization)]}, receive, send
            )
            return
        await send_error(send, refusal)
