"""VM lifecycle: deploy and undeploy with their tasks and events, and the clock that finishes them."""

from __future__ import annotations

from flask import Flask

from ..extensions import CLOCK, store_of
from .clock import Clock


def init_app(app: Flask) -> None:
    store = store_of(app)
    # a step's writes are made durable as it ends, as a request's are before its answer (group commit)
    clock = app.extensions[CLOCK] = Clock(after_step=store.sync)
    # A world replaced (reset, scenario load) drops whatever was due in the old one.
    store.on_commit(lambda changes: clock.clear() if changes is None else None)


def clock_of(app: Flask) -> Clock:
    return app.extensions[CLOCK]
