"""What the control context installs on an app: the request journal, fed after every /api request."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from ..extensions import JOURNAL
from ..http import hooks
from ..http.paths import PATH_AS_SENT
from .journal import RequestJournal


def _request_body() -> bytes:
    try:
        return request.get_data(cache=True)
    except RequestEntityTooLarge:  # a refused oversized body is never read; the 413 must not become a 500
        return b""


def _journal(response: Response) -> Response:
    journal = current_app.extensions.get(JOURNAL)
    if journal is not None and request.path.startswith("/api") and not g.get("site_refused"):
        user = getattr(g, "user", None)
        journal.record(
            request.method,
            request.environ.get(PATH_AS_SENT, request.path),
            request.query_string.decode("latin-1"),
            user.nick if user else None,
            request.headers.items(),
            _request_body(),
            response.status_code,
            response.headers.items(),
            b"" if response.direct_passthrough or response.is_streamed else response.get_data(),
            g.get("fault"),  # what a fault did to this request (mockserver/faults/hooks.py)
        )
    return response


def init_app(app: Flask) -> None:
    if app.config["CONTROL_ENABLED"]:
        app.extensions[JOURNAL] = RequestJournal(app.config["JOURNAL_BYTES"])
        hooks.install(app, "journal", hooks.AFTER, _journal)
