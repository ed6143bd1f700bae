"""What the front door and the code that feeds it share: the answer it sends and the transport fault it applies.

They live below both pipelines, so that a context (the faults) can hand the door a fault, and the one error
renderer (envelope.py) an answer, without importing the door, which sits above the factory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

DROPS = ("before", "mid-body")


class Answer(NamedTuple):
    """An answer as the door sends it: status, raw headers and the whole body."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    unread: bool = False  # the request's body was refused unread (or only partly read)


@dataclass(frozen=True)
class TransportFault:
    """How the door misbehaves on purpose for one request (faults/hooks.py decides, frontdoor/faults.py applies)."""

    delay_s: float = 0  # wait this long before the request is handled
    drop: str | None = None  # "before": the request is not handled, no answer; "mid-body": half of the body
    body_bytes_per_s: float | None = None  # send the answer's body at this rate

    def __post_init__(self) -> None:
        if self.drop not in (None, *DROPS):
            raise ValueError(f"drop must be one of {DROPS} or None, not {self.drop!r}")
        if self.delay_s < 0 or (self.body_bytes_per_s is not None and self.body_bytes_per_s <= 0):
            raise ValueError("delay_s must be >= 0 and body_bytes_per_s > 0")
