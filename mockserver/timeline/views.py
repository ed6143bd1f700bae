"""Start a scripted timeline (POST /_mock/timeline) and see what it played (GET /_mock/timeline)."""

from __future__ import annotations

import json

from flask import Flask, current_app

from .. import scenarios
from ..errors import AbiquoError
from ..extensions import JOURNAL, TIMELINE, store_of
from ..http import control as conventions
from ..http.bodies import checked_body
from ..lifecycle import clock_of
from ..stream import hub_of
from . import model

bp = conventions.blueprint("timeline_control", __name__)
SCHEMAS = {
    "Timeline": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "steps": {"type": "array", "items": {"type": "object"}, "minItems": 1, "maxItems": model.MAX_STEPS},
            "scenario": {"type": "string", "description": "play this scenario's timeline (default: the loaded one)"},
        },
    }
}


def _journal(app: Flask):
    journal = app.extensions.get(JOURNAL)

    def note(entry: dict) -> None:
        if journal is not None:
            request_body = json.dumps(entry["step"])
            journal.note("TIMELINE", entry["path"], entry["user"], entry["status"], request_body, entry["answer"])

    return note


def world_of(app: Flask) -> model.World:
    if TIMELINE not in app.extensions:
        app.extensions[TIMELINE] = model.World(
            store=store_of(app),
            lifecycle_ms=app.config["LIFECYCLE_MS"],
            later=clock_of(app).after,
            drop_streams=hub_of(app).drop_and_refuse,
            journal=_journal(app),
        )
    return app.extensions[TIMELINE]


def _steps(body: dict) -> list[dict]:
    if "steps" in body:
        return model.checked_steps(body["steps"])
    name = body.get("scenario", store_of().scenario)
    if not isinstance(name, str):
        raise AbiquoError("CTRL-TIMELINE", "Name a scenario, or send the steps: no scenario was loaded")
    return model.checked_steps(scenarios.read(name).get("timeline") or [])


@conventions.control(
    bp,
    "POST",
    "/timeline",
    op_id="mockStartTimeline",
    errors=("CTRL-1", "CTRL-TIMELINE", "GEN-2", "GEN-3"),
    request_schema="Timeline",
    summary="Play a timeline from now: the steps sent, or a scenario's (default: the loaded scenario's)",
)
def start_timeline():
    steps = _steps(checked_body(SCHEMAS, code="CTRL-TIMELINE"))
    last = model.start(world_of(current_app), steps, clock_of(current_app).pending())
    return {"steps": len(steps), "lastStepAtMs": last}


@conventions.control(bp, "GET", "/timeline", op_id="mockTimeline", summary="The steps played so far and their answers")
def played():
    world = world_of(current_app)
    return {"played": list(world.played), "pending": clock_of(current_app).pending()}
