"""Transport faults: how the front door misbehaves on purpose when a context asks it to.

A context that wants them sets ``flask_app.extensions[DOOR_FAULTS]`` (mockserver/extensions.py) to a callable
``(method, path) -> TransportFault | None`` (the type is in http/door.py, below the contexts); the door asks it
once per request and applies the answer with asyncio, so a delay or a slow body never holds Flask or any other
request.
"""

from __future__ import annotations

import asyncio

from ..http.door import Answer, TransportFault

SLOW_CHUNK = 64  # bytes sent at a time by a slow body


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
