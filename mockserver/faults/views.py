"""The control API of faults (/_mock/faults): switch them on, list them, clear them, see which fired."""

from __future__ import annotations

import functools

from flask import request

from ..errors import AbiquoError
from ..http import control as conventions
from ..http.control import json_body
from .hooks import plan_of

bp = conventions.blueprint("faults", __name__)
control = functools.partial(conventions.control, bp)
SCHEMAS = {
    "Faults": {
        "type": "object",
        "description": "one fault (kind, route, method, probability, times, ...), or {seed, faults: [...]}",
    }
}


def _seed(body: dict) -> int | None:
    seed = body.get("seed")
    if seed is not None and type(seed) is not int:
        raise AbiquoError("GEN-2", "'seed' must be an integer")
    return seed


@control("GET", "/faults", op_id="mockListFaults", summary="The faults switched on, the running outages, the seed")
def list_faults():
    return plan_of().describe()


@control(
    "POST",
    "/faults",
    op_id="mockAddFaults",
    status=201,
    errors=("GEN-2", "GEN-3"),
    request_schema="Faults",
    summary="Switch faults on: one fault, or {seed, faults: [...]}; a bad fault adds none",
)
def add_faults():
    body = json_body()
    specs = body.get("faults") if "faults" in body else [body]
    if not isinstance(specs, list):
        raise AbiquoError("GEN-2", "'faults' must be a list of faults")
    added = plan_of().add(specs, seed=_seed(body))
    return {"seed": plan_of().seed, "collection": [rule.describe() for rule in added]}


@control("DELETE", "/faults", op_id="mockClearFaults", status=204, summary="Switch every fault off")
def clear_faults():
    plan_of().clear()


@control("GET", "/faults/fired", op_id="mockFiredFaults", summary="Every fault that fired, oldest first")
def fired_faults():
    fired = list(plan_of().fired)
    rule = request.args.get("rule")
    if rule:
        fired = [entry for entry in fired if entry["rule"] == rule]
    return {"collection": fired, "totalSize": len(fired), "seed": plan_of().seed}
