"""Answers to repeated GETs, kept until the store's next write.

An answer is kept only for the operations the app names (their answer depends on nothing but the store,
the URL, Accept and the caller), only when it is a 200, and only for the store generation it was computed
at: every write bumps the generation, and the first request at a new generation forgets all answers.
Authentication still runs on every request, and the kept answer goes through the same after-request
hooks (the request journal) as a computed one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import Request, Response

MAX_ANSWERS = 2048
MAX_BYTES = 64 * 1024 * 1024
MAX_ANSWER_BYTES = 1024 * 1024


def key_of(generation: int, request: Request) -> tuple:
    """Everything the answer can depend on: the whole URL (host included, it is in every href), Accept
    and Authorization, at one store generation."""
    environ = request.environ
    return (
        generation,
        environ.get("wsgi.url_scheme"),
        environ.get("HTTP_HOST") or environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        environ.get("HTTP_ACCEPT"),
        environ.get("HTTP_AUTHORIZATION"),
    )


class Answers:
    def __init__(self) -> None:
        self._kept: OrderedDict[tuple, tuple[int, list, bytes]] = OrderedDict()
        self._generation: int | None = None
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Response | None:
        with self._lock:
            found = self._kept.get(key)
            if found is None:
                return None
            self._kept.move_to_end(key)
        status, headers, body = found
        return Response(body, status=status, headers=headers)

    def keep(self, key: tuple, response: Response) -> None:
        if response.status_code != 200 or response.direct_passthrough or response.is_streamed:
            return
        body = response.get_data()
        if len(body) > MAX_ANSWER_BYTES:
            return
        with self._lock:
            if key[0] != self._generation:
                if self._generation is not None and key[0] < self._generation:
                    return  # computed before a write that has since been committed
                self._kept.clear()
                self._generation, self._bytes = key[0], 0
            if key in self._kept:
                return
            self._kept[key] = (response.status_code, list(response.headers.items()), body)
            self._bytes += len(body)
            while len(self._kept) > MAX_ANSWERS or self._bytes > MAX_BYTES:
                self._bytes -= len(self._kept.popitem(last=False)[1][2])
