"""What the control context installs on an app: the request journal, fed after every /api request."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request

from .journal import RequestJournal

JOURNAL = "abiquo_journal"


def _journal(response: Response) -> Response:
    journal = current_app.extensions.get(JOURNAL)
    if journal is not None and request.path.startswith("/api"):
        user = getattr(g, "user", None)
        journal.record(request, response, user.nick if user else None)
    return response


def init_app(app: Flask) -> None:
    if app.config["CONTROL_ENABLED"]:
        app.extensions[JOURNAL] = RequestJournal(app.config["JOURNAL_SIZE"])
        app.after_request(_journal)
