"""Transport faults: how the front door misbehaves on purpose when a context asks it to.

A context that wants them sets ``flask_app.extensions["abiquo_door_faults"]`` to a callable
``(method, path) -> TransportFault | None``; the door asks it once per request and applies the answer
with asyncio, so a delay or a slow body never holds Flask or any other request.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from .answer import Answer

DROPS = ("before", "mid-body")
SLOW_CHUNK = 64  # bytes sent at a time by a slow body


@dataclass(frozen=True)
class TransportFault:
    delay_s: float = 0  # wait this long before the request is handled
    drop: str | None = None  # "before": the request is not handled, no answer; "mid-body": see below
    body_bytes_per_s: float | None = None  # send the answer's body at this rate

    def __post_init__(self) -> None:
        if self.drop not in (None, *DROPS):
            raise ValueError(f"drop must be one of {DROPS} or None, not {self.drop!r}")
        if self.delay_s < 0 or (self.body_bytes_per_s is not None and self.body_bytes_per_s <= 0):
            raise ValueError("delay_s must be >= 0 and body_bytes_per_s > 0")


async def drop_before(send) -> None:
    # ASGI has no message for "close without answering", and granian answers 500 when the app sends
    # nothing. The closest a client can observe: a status line and headers whose body never comes. Returning
    # while the body is unfinished makes the server close the connection.
    await send(
        {
            "type": "http.response.start",
            "status": 502,
            "headers": [(b"content-length", b"1"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": b"", "more_body": True})


async def send_faulty(send, answer: Answer, fault: TransportFault) -> None:
    """Send ``answer`` as ``fault`` says: cut after half of the body, or paced to a byte rate."""
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
    body = answer.body
    if fault.drop == "mid-body":
        # returning with the body unfinished makes the server close the connection
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        return
    if fault.body_bytes_per_s is None:
        await send({"type": "http.response.body", "body": body})
        return
    pause = SLOW_CHUNK / fault.body_bytes_per_s
    for start in range(0, len(body), SLOW_CHUNK):
        await send({"type": "http.response.body", "body": body[start : start + SLOW_CHUNK], "more_body": True})
        await asyncio.sleep(pause)
    await send({"type": "http.response.body", "body": b""})
