"""The request log, served at /_mock/journal: the requests the API answered and its answers, for tests and QA to
inspect.

Bounded in bytes, not in entries: each entry is charged its bodies, its headers and a fixed overhead, and the
oldest entries are forgotten once the budget is spent, so that a client sending large bodies cannot grow the
server's memory. Bodies are kept as the bytes that travelled, cut at ``max_body`` bytes (the entry says how
long the whole body was). Credentials never enter it: the headers that carry them are kept with a redacted
value, so a reader still sees that they were sent.

``record`` takes plain values so that any front end can feed it (the Flask hook in mockserver/app.py adapts
a request and its response); ``select`` and ``Pattern`` answer the queries of the control API.
"""

from __future__ import annotations

import fnmatch
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from ..errors import AbiquoError

DEFAULT_BUDGET = 8 * 1024 * 1024
DEFAULT_MAX_BODY = 64 * 1024
# What an entry costs in memory beyond the bytes of its bodies and headers, measured with tracemalloc (a journal
# charged 8.0 MiB held 14.4 MiB when a header was charged only its characters): the entry and its fields, and for
# each header a tuple and two strings.
ENTRY_OVERHEAD = 512
HEADER_OVERHEAD = 150
REDACTED = "(redacted)"
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-mock-token"})
TRUNCATED = "…(truncated: {} bytes in all)"
NO_ANSWER = 0  # the status of a request a fault dropped before the app saw it (rendered as null)


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    time: float  # epoch seconds
    method: str
    path: str
    query: str
    user: str | None
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes
    request_size: int  # the whole body, also when request_body was cut
    status: int
    response_headers: tuple[tuple[str, str], ...]
    response_body: bytes
    response_size: int
    fault: dict | None = None  # what a fault did to the request, and whether the store changed (faults/hooks.py)

    @property
    def cost(self) -> int:
        headers = sum(HEADER_OVERHEAD + len(k) + len(v) for k, v in self.request_headers + self.response_headers)
        return (
            ENTRY_OVERHEAD
            + len(self.path)
            + len(self.query)
            + headers
            + len(self.request_body)
            + len(self.response_body)
        )

    def render(self) -> dict:
        rendered = {
            "id": self.id,
            "time": iso_time(self.time),
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "user": self.user,
            "requestHeaders": dict(self.request_headers),
            "requestBody": _text(self.request_body, self.request_size),
            "status": self.status,
            "responseHeaders": dict(self.response_headers),
            "responseBody": _text(self.response_body, self.response_size),
        }
        if self.status == NO_ANSWER:
            rendered["status"] = None
        if self.fault is not None:
            rendered["fault"] = self.fault
        return rendered


def iso_time(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}Z"


def _text(body: bytes, size: int) -> str:
    text = body.decode("utf-8", errors="replace")
    return text + TRUNCATED.format(size) if size > len(body) else text


def redact(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((name, REDACTED if name.lower() in CREDENTIAL_HEADERS else value) for name, value in headers)


class RequestLog:
    def __init__(self, budget: int = DEFAULT_BUDGET, max_body: int = DEFAULT_MAX_BODY):
        self.budget = budget
        self.max_body = min(max_body, budget // 4)  # one entry never takes most of the budget
        self._entries: deque[Entry] = deque()
        self._bytes = 0
        self._next_id = 1
        self.dropped = 0  # entries forgotten to stay within the budget since the last clear
        self._lock = threading.Lock()

    def record(
        self,
        method: str,
        path: str,
        query: str,
        user: str | None,
        request_headers: Iterable[tuple[str, str]],
        request_body: bytes,
        status: int,
        response_headers: Iterable[tuple[str, str]],
        response_body: bytes,
        fault: dict | None = None,
    ) -> None:
        with self._lock:
            entry = Entry(
                self._next_id,
                time.time(),
                method,
                path,
                query,
                user,
                redact(request_headers),
                bytes(request_body[: self.max_body]),
                len(request_body),
                status,
                redact(response_headers),
                bytes(response_body[: self.max_body]),
                len(response_body),
                fault,
            )
            self._next_id += 1
            self._entries.append(entry)
            self._bytes += entry.cost
            while self._bytes > self.budget and len(self._entries) > 1:
                self._bytes -= self._entries.popleft().cost
                self.dropped += 1

    def record_unanswered(self, method: str, path: str, fault: dict) -> None:
        """A request a fault dropped before the app saw it: no user, no answer, nothing committed."""
        self.record(method, path, "", None, (), b"", NO_ANSWER, (), b"", fault)

    def note(self, method: str, path: str, user: str | None, status: int, request_body: str, answer: str) -> None:
        """Something the mock did by itself (a timeline step), journaled beside the requests."""
        self.record(method, path, "", user, [], request_body.encode(), status, [], answer.encode())

    def select(self, pattern: Pattern | None = None) -> list[Entry]:
        with self._lock:
            entries = list(self._entries)
        return entries if pattern is None else [e for e in entries if pattern.matches(e)]

    def usage(self) -> dict:
        with self._lock:
            return {"entries": len(self._entries), "bytes": self._bytes, "budget": self.budget, "dropped": self.dropped}

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = self.dropped = 0


# ------------------------------------------------------------------------------------------------ queries
PATTERN_FIELDS = ("path", "pathPattern", "method", "status", "user", "since", "until", "fault")


@dataclass(frozen=True)
class Pattern:
    """Which entries a query means: every field given must hold (path is a prefix, pathPattern a glob over
    the whole path where * matches anything, status an exact code or a class such as 4xx, since and until
    an ISO 8601 time or epoch seconds, since included and until excluded)."""

    path: str | None = None
    path_pattern: str | None = None
    method: str | None = None
    status: tuple[int, int] | None = None  # [low, high)
    user: str | None = None
    since: float | None = None
    until: float | None = None
    fault: bool | None = None  # true: only the requests a fault touched; false: only the others

    @classmethod
    def of(cls, given: Mapping[str, object]) -> Pattern:
        values = {name: given.get(name) for name in PATTERN_FIELDS}
        for name, value in values.items():
            if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int, float))):
                raise AbiquoError("GEN-22", f"'{name}' must be a string or a number")
        text = {name: (str(v) if v is not None and v != "" else None) for name, v in values.items()}
        return cls(
            path=text["path"],
            path_pattern=text["pathPattern"],
            method=text["method"].upper() if text["method"] else None,
            status=_status_range(text["status"]),
            user=text["user"],
            since=_instant("since", text["since"]),
            until=_instant("until", text["until"]),
            fault=_flag("fault", text["fault"]),
        )

    def matches(self, entry: Entry) -> bool:
        return (
            (self.path is None or entry.path.startswith(self.path))
            and (self.path_pattern is None or fnmatch.fnmatchcase(entry.path, self.path_pattern))
            and (self.method is None or entry.method == self.method)
            and (self.status is None or self.status[0] <= entry.status < self.status[1])
            and (self.user is None or entry.user == self.user)
            and (self.since is None or entry.time >= self.since)
            and (self.until is None or entry.time < self.until)
            and (self.fault is None or (entry.fault is not None) == self.fault)
        )


def _flag(name: str, text: str | None) -> bool | None:
    if text is None:
        return None
    if text not in ("true", "false"):
        raise AbiquoError("GEN-22", f"'{name}' must be true or false")
    return text == "true"


def _status_range(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    if len(text) == 3 and text[0] in "12345" and text[1:].lower() == "xx":
        low = int(text[0]) * 100
        return low, low + 100
    if text.isascii() and text.isdigit() and len(text) == 3:
        return int(text), int(text) + 1
    raise AbiquoError("GEN-22", f"'status' must be a status code such as 404 or a class such as 4xx, not '{text}'")


def _instant(name: str, text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text) if text.replace(".", "", 1).isdigit() else _parse_iso(text)
    except (ValueError, OverflowError):
        raise AbiquoError(
            "GEN-22", f"'{name}' must be an ISO 8601 time such as 2026-01-31T10:00:00Z or epoch seconds"
        ) from None


def _parse_iso(text: str) -> float:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
