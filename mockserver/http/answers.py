"""Answers to repeated GETs, kept until a write changes what they were computed from.

An answer is kept only for the operations the app names (their answer depends on nothing but the store,
the URL, Accept and the caller), only when it is a 200, together with the store generation it was computed
at and the tables it read (plus users and roles: the caller's credentials were checked against them). It
stays good until a write touches one of those tables: a VM's metadata does not drop the datacenter list.
The front door (mockserver/frontdoor/fast.py) serves kept answers before Flask; in Flask, authentication
still runs first and the kept answer goes through the same after-request hooks as a computed one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, NamedTuple

from ..store import Store
from .credentials import CREDENTIAL_HEADERS
from .sessions import Sessions

_CREDENTIAL_KEYS = tuple("HTTP_" + name.upper().replace("-", "_") for name in CREDENTIAL_HEADERS)

MAX_ANSWERS = 2048
MAX_BYTES = 16 * 1024 * 1024
MAX_ANSWER_BYTES = 1024 * 1024


def key_of(environ: dict[str, Any]) -> tuple[Any, ...]:
    """Everything the answer can depend on besides the store: the whole URL (host included, it is in every
    href), Accept and every header that carries credentials (http/credentials.py)."""
    return (
        environ.get("wsgi.url_scheme"),
        environ.get("HTTP_HOST") or environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        environ.get("HTTP_ACCEPT"),
        *(environ.get(key) for key in _CREDENTIAL_KEYS),
    )


class Kept(NamedTuple):
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    generation: int  # the store generation it was computed at
    tables: frozenset[str]  # what it was computed from
    user: str | None  # the caller's nick, for the request journal
    raw_headers: list[tuple[bytes, bytes]]  # the headers as the front door sends them
    session: str | None = None  # the session it was computed for or opened (http/sessions.py): good only while it lasts


def raw(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]


class Answers:
    def __init__(self, max_bytes: int = MAX_BYTES, sessions: Sessions | None = None) -> None:
        self._kept: OrderedDict[tuple[Any, ...], Kept] = OrderedDict()
        self._sessions = sessions
        self._bytes = 0
        self._max_bytes = max_bytes
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], store: Store) -> Kept | None:
        """The kept answer, if no write has touched what it was computed from since."""
        with self._lock:
            found = self._kept.get(key)
            if found is None:
                return None
            over = found.session is not None and not (self._sessions and self._sessions.alive(found.session))
            if over or not store.unchanged_since(found.generation, found.tables):
                self._drop(key)
                return None
            self._kept.move_to_end(key)
            return found

    def keep(self, key: tuple[Any, ...], kept: Kept) -> None:
        if kept.status != 200 or len(kept.body) > MAX_ANSWER_BYTES:
            return
        with self._lock:
            if key in self._kept:
                self._drop(key)
            self._kept[key] = kept
            self._bytes += len(kept.body)
            while len(self._kept) > MAX_ANSWERS or self._bytes > self._max_bytes:
                self._drop(next(iter(self._kept)))

    def __len__(self) -> int:
        return len(self._kept)

    def _drop(self, key: tuple[Any, ...]) -> None:
        self._bytes -= len(self._kept.pop(key).body)
