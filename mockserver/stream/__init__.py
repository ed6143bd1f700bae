"""The outbound event stream (GET /m/stream), served by the front door's event loop."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from ..extensions import STREAM_HUB, store_of
from .handler import EventStream
from .hub import Hub

PATH = "/m/stream"


def init_app(app: Flask) -> None:
    app.extensions[STREAM_HUB] = Hub(store_of(app))


def door_routes(app: Flask) -> Mapping[str, EventStream]:
    return {PATH: EventStream(store_of(app), hub_of(app), app.config["STREAM_HEARTBEAT_S"])}


def hub_of(app: Flask) -> Hub:
    return app.extensions[STREAM_HUB]
