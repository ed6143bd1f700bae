"""What an Atmosphere SSE client sends and expects, and how plain SSE clients are served.

An Atmosphere client (wAsync, atmosphere.js) opens ``GET /m/stream?X-Atmosphere-Transport=sse&
X-Atmosphere-tracking-id=0&X-atmo-protocol=true&X-Atmosphere-Framework=<version>&Content-Type=application/json``
(plus ``X-Cache-Date`` and, optionally, ``X-Atmosphere-TrackMessageSize=true``). Atmosphere's server answers
``text/event-stream``, writes a padding line first, then a handshake message when the tracking id is 0 and
the protocol is asked for: ``<tracking id>|<heartbeat ms>|<heartbeat padding>|`` since framework 2.2,
``<tracking id>|<epoch ms>`` before (what 1.x clients such as wAsync 1.x read as tracking id and cache date).
Each message is ``data:<message>\\r\\n\\r\\n``, prefixed ``<length>|`` when message sizes are tracked.

A client that sends none of this (curl, an EventSource) gets standard SSE: ``id: <event id>`` and
``data: <json>`` per event, and resumes with the ``Last-Event-ID`` header. Any client may resume with
``?lastEventId=<event id>``. Keep-alives are SSE comments, which every SSE parser drops.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs

from ..errors import AbiquoError

PADDING = " " * 2000 + "\n"  # Atmosphere's SSE padding: a line of spaces, which an SSE parser ignores
KEEP_ALIVE = ":\n\n"
HEARTBEAT_PADDING = "X"
# What a tracking id may hold: it is sent back in a header and in the handshake, so never a line break or a NUL
TRACKING_ID = re.compile(r"[A-Za-z0-9._~-]{0,128}")


@dataclass(frozen=True)
class StreamRequest:
    atmosphere: bool  # the client speaks Atmosphere: padding, handshake, Atmosphere framing
    handshake: bool  # X-atmo-protocol=true with tracking id 0: the first message names the stream
    since_2_2: bool  # the handshake carries heartbeat fields (Atmosphere 2.2 and later)
    track_size: bool  # each message is prefixed with its length and '|'
    cursor: int | None  # resume after this event id
    tracking_id: str

    def frame(self, message: str, event_id: int | None = None) -> bytes:
        if self.track_size:
            message = f"{len(message)}|{message}"
        if self.atmosphere:
            return f"data:{message}\r\n\r\n".encode()
        head = f"id: {event_id}\n" if event_id is not None else ""
        return f"{head}data: {message}\n\n".encode()

    def handshake_message(self) -> str:
        if self.since_2_2:
            return f"{self.tracking_id}|0|{HEARTBEAT_PADDING}|"  # 0: the client is asked for no heartbeat
        return f"{self.tracking_id}|{int(time.time() * 1000)}"


def _framework_version(value: str) -> tuple[int, ...]:
    digits = []
    for part in value.split("-")[0].split(".")[:3]:
        if not part.isdigit():
            break
        digits.append(int(part))
    return tuple(digits)


def _cursor(args: dict, headers: dict) -> int | None:
    raw = (args.get("lastEventId") or [headers.get("last-event-id", "")])[0].strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 15:
        raise AbiquoError("GEN-22", "Invalid event cursor: lastEventId (or Last-Event-ID) is an event id")
    return int(raw)


def parse(query_string: bytes, headers: dict[str, str]) -> StreamRequest:
    """What the client asked for; ``headers`` are lower-cased names."""
    args = parse_qs(query_string.decode("latin-1"), keep_blank_values=True)

    def arg(name: str) -> str:
        return (args.get(name) or [""])[0]

    transport = arg("X-Atmosphere-Transport")
    if transport not in ("", "sse"):
        raise AbiquoError("GEN-22", f"Transport '{transport}' is not served here: use X-Atmosphere-Transport=sse")
    atmosphere = any(name.startswith("X-Atmosphere") or name == "X-atmo-protocol" for name in args)
    tracking = arg("X-Atmosphere-tracking-id")
    if not TRACKING_ID.fullmatch(tracking):
        raise AbiquoError("GEN-22", "Invalid X-Atmosphere-tracking-id: at most 128 letters, digits, '.', '_', '~', '-'")
    return StreamRequest(
        atmosphere=atmosphere,
        handshake=arg("X-atmo-protocol") == "true" and tracking in ("", "0"),
        since_2_2=_framework_version(arg("X-Atmosphere-Framework")) >= (2, 2),
        track_size=arg("X-Atmosphere-TrackMessageSize") == "true",
        cursor=_cursor(args, headers),
        tracking_id=tracking if tracking not in ("", "0") else str(uuid.uuid4()),
    )
