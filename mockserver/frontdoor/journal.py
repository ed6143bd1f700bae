"""The one place where the front door feeds the request journal (mockserver/control/journal.py): the answers
the fast path served, which Flask never saw.

Entries are queued (bounded) and recorded in batches from the event loop, after the answers went out, and
always before the next request Flask handles, so the journal keeps the order in which requests were answered.
"""

from __future__ import annotations

import asyncio
from collections import deque

from flask import Flask

from ..extensions import JOURNAL
from ..http.answers import Kept
from ..http.paths import PATH_AS_SENT

MAX_PENDING = 4096  # beyond this the oldest queued entries are dropped (the journal forgets old ones anyway)


class JournalFeed:
    def __init__(self, flask_app: Flask):
        self.journal = flask_app.extensions.get(JOURNAL)  # None when the control API is off
        self._pending: deque[tuple[dict, Kept]] = deque(maxlen=MAX_PENDING)
        self._scheduled = False

    def add(self, scope: dict, kept: Kept) -> None:
        if self.journal is None or not scope["path"].startswith("/api"):
            return
        self._pending.append((scope, kept))
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        self._scheduled = False
        while self._pending:
            scope, kept = self._pending.popleft()
            self.journal.record(
                scope["method"],
                scope.get(PATH_AS_SENT, scope["path"]),
                scope.get("query_string", b"").decode("latin-1"),
                kept.user,
                request_headers(scope["headers"]),
                b"",
                kept.status,
                kept.headers,
                kept.body,
            )


def request_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    """The headers as Flask's request shows them: names capitalised, repeated ones joined."""
    joined: dict[str, str] = {}
    for name, value in headers:
        title = name.decode("latin-1").title()
        text = value.decode("latin-1")
        joined[title] = f"{joined[title]},{text}" if title in joined else text
    return list(joined.items())
