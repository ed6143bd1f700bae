"""The outbound event stream (GET /m/stream), served by the front door's event loop."""

from __future__ import annotations

from flask import Flask

from ..extensions import store_of
from .handler import EventStream
from .hub import Hub

PATH = "/m/stream"
HUB = "abiquo_stream_hub"
ROUTES = "abiquo_door_routes"  # {exact path: async handler(scope, receive, send)}, served by the front door


def install(app: Flask) -> None:
    store = store_of(app)
    hub = app.extensions[HUB] = Hub(store)
    routes = app.extensions.setdefault(ROUTES, {})
    routes[PATH] = EventStream(store, hub, app.config.get("STREAM_HEARTBEAT_S", 15))


def hub_of(app: Flask) -> Hub:
    return app.extensions[HUB]
