"""The fast path: a GET whose answer is kept (mockserver/http/answers.py) is answered from the event loop,
with the very status, headers and body Flask answered the first time, without running Flask again.

A kept answer is found under the same key Flask keeps it under (scheme, host, port, path, query, Accept and
every credential header of http/credentials.py), so it only ever reaches the caller whose credentials computed
it, and it is good only while no write has touched the tables it was computed from, users and roles included.
"""

from __future__ import annotations

from flask import Flask

from ..extensions import ANSWERS, store_of
from ..http.credentials import CREDENTIAL_HEADERS
from ..http.door import Answer
from .bridge import server_of
from .journal import JournalFeed

# the request headers the key holds, in its order: host, Accept, then the credential headers
_KEYED = {name.encode("latin-1"): slot for slot, name in enumerate(("host", "accept", *CREDENTIAL_HEADERS))}
_BODY = (b"content-length", b"transfer-encoding")


class FastPath:
    def __init__(self, flask_app: Flask):
        self.answers = flask_app.extensions[ANSWERS]
        self.store = store_of(flask_app)
        self.journal = JournalFeed(flask_app)
        self.enabled = bool(flask_app.config.get("FAST_PATH", True))  # off: every request goes through Flask

    def answer(self, scope: dict) -> Answer | None:
        """The kept answer to this request, or None (Flask answers it)."""
        if scope["method"] != "GET" or not self.enabled:
            return None
        key = key_of(scope)
        if key is None:
            return None
        kept = self.answers.get(key, self.store)
        if kept is None:
            return None
        self.journal.add(scope, kept)
        return Answer(kept.status, kept.raw_headers, kept.body)


def key_of(scope: dict) -> tuple | None:
    """The key abiquo_mock.mockserver.http.answers.key_of gives the environ the door would build for this request;
    None for a request the fast path leaves to Flask (a repeated keyed header, a body)."""
    found: list[str | None] = [None] * len(_KEYED)
    for name, value in scope["headers"]:
        slot = _KEYED.get(name)
        if slot is not None:
            if found[slot] is not None:
                return None  # WSGI would join the values: leave it to Flask
            found[slot] = value.decode("latin-1")
        elif name in _BODY:
            return None
    host, port = server_of(scope)
    return (
        scope.get("scheme", "http"),
        found[0] or host,
        port,
        scope.get("root_path", ""),
        scope["path"].encode("utf-8").decode("latin-1"),
        scope.get("query_string", b"").decode("latin-1"),
        *found[1:],
    )
