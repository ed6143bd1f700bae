"""The stream context's control operations: how many event streams are open, and cutting them all."""

from __future__ import annotations

from flask import current_app

from ..http import control as conventions
from . import hub_of

bp = conventions.blueprint("stream_control", __name__)


@conventions.control(bp, "GET", "/streams", op_id="mockStreams", summary="How many event streams are open")
def streams():
    return {"open": hub_of(current_app).open_streams()}


@conventions.control(
    bp,
    "DELETE",
    "/streams",
    op_id="mockDropStreams",
    summary="Close every open event stream, as a network cut would; clients resume with their cursor",
)
def drop_streams():
    return {"closed": hub_of(current_app).drop_all()}
