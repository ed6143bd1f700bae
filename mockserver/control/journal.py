"""The request journal: every request and response the API answered, for tests and QA to inspect."""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque

from flask import Request, Response
from werkzeug.exceptions import RequestEntityTooLarge

MAX_BODY = 64 * 1024  # bodies longer than this are cut, so that a big upload cannot fill memory


def _text(raw: bytes) -> str:
    text = raw[:MAX_BODY].decode("utf-8", errors="replace")
    return text + ("…(truncated)" if len(raw) > MAX_BODY else "")


def _request_body(request: Request) -> str:
    try:
        return _text(request.get_data(cache=True))
    except RequestEntityTooLarge:  # a refused oversized body is never read; the 413 must not become a 500
        return f"…(not read: {request.content_length} bytes)"


class RequestJournal:
    def __init__(self, capacity: int = 10_000):
        self._entries: deque[dict] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def record(self, request: Request, response: Response, user: str | None, fault: dict | None = None) -> None:
        body = response.get_data() if not response.direct_passthrough else b""
        entry = {
            "id": next(self._ids),
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{int(time.time() * 1000) % 1000:03d}Z",
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode("latin-1"),
            "user": user,
            "requestHeaders": {k: v for k, v in request.headers.items() if k.lower() != "authorization"},
            "requestBody": _request_body(request),
            "status": response.status_code,
            "responseHeaders": dict(response.headers.items()),
            "responseBody": _text(body),
        }
        if fault is not None:  # what a fault did to this request, and whether the store changed
            entry["fault"] = fault
        with self._lock:
            self._entries.append(entry)

    def record_unanswered(self, method: str, path: str, fault: dict) -> None:
        """A request a fault dropped before the app saw it: no user, no answer, nothing committed."""
        entry = {"id": next(self._ids), "time": fault.get("time"), "method": method, "path": path, "query": ""}
        entry.update({"user": None, "requestHeaders": {}, "requestBody": "", "status": None, "responseHeaders": {}})
        entry.update({"responseBody": "", "fault": fault})
        with self._lock:
            self._entries.append(entry)

    def entries(self, path: str | None = None, method: str | None = None, fault: bool = False) -> list[dict]:
        with self._lock:
            entries = list(self._entries)
        if fault:
            entries = [e for e in entries if "fault" in e]
        if path:
            entries = [e for e in entries if e["path"].startswith(path)]
        if method:
            entries = [e for e in entries if e["method"] == method.upper()]
        return entries

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
