"""GET /api/events: the event log a connector reads to catch up (``datefrom`` in epoch seconds)."""

from __future__ import annotations

from flask import Blueprint, g, request

from ..errors import AbiquoError
from ..extensions import store_of
from ..http.api import operation
from ..http.paging import collection
from . import model, schemas  # noqa: F401  (schemas registers the event media types)

bp = Blueprint("events", __name__)
INTERNAL = ("userUri",)  # kept for the stream, not part of the /api/events item
OLDEST_FIRST = ("timestamp", "id")


def render_event(event: dict) -> dict:
    # entityId names the entity as a path; no link, since a deleted policy's event outlives it
    shown = {k: v for k, v in event.items() if k not in INTERNAL}
    return {**shown, "links": []}


def _datefrom_ms() -> int:
    raw = request.args.get("datefrom", "0")
    if not (raw.isascii() and raw.isdigit()) or int(raw) > 2**53:
        raise AbiquoError("QUERY-1", "Invalid value for query parameter 'datefrom': epoch seconds are expected")
    return int(raw) * 1000


@operation(
    bp,
    "GET",
    "/events",
    op_id="listEvents",
    produces="events",
    paged=OLDEST_FIRST,
    query={
        "datefrom": {
            "type": "integer",
            "minimum": 0,
            "maximum": 2**53,
            "description": "only events at or after this time, in epoch seconds",
        }
    },
    label="reconstructed",
    summary="What the API did, oldest first by default; ?datefrom=<epoch seconds>",
)
def list_events():
    return collection(
        model.visible(store_of(), g.user, _datefrom_ms()),
        media="events",
        sort_keys=OLDEST_FIRST,
        render=render_event,
        filter_fields=("component", "actionPerformed", "user"),
    )
