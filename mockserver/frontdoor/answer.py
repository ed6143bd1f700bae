"""An answer as the door sends it: status, raw headers and the whole body."""

from __future__ import annotations

from typing import NamedTuple


class Answer(NamedTuple):
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    unread: bool = False  # the request's body was refused unread (or only partly read)
