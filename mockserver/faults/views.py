"""The control API of faults (/_mock/faults): switch them on, list them, clear them, see which fired."""

from __future__ import annotations

import functools
from typing import Any

from flask import request

from .. import shapes
from ..extensions import store_of
from ..http import control as conventions
from ..http.control import json_body
from .hooks import plan_of
from .plan import FAULT_SCHEMAS, MAX_FAULTS

bp = conventions.blueprint("faults", __name__)
control = functools.partial(conventions.control, bp)
ONE_FAULT = {"oneOf": list(FAULT_SCHEMAS.values())}
SEVERAL: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["faults"],
    "properties": {
        "seed": {"type": "integer", "minimum": -(2**63), "maximum": 2**63 - 1, "description": "of the plan"},
        "faults": {"type": "array", "maxItems": MAX_FAULTS, "items": ONE_FAULT},
    },
}
# The envelope alone: each of its faults is held to its kind's schema by the plan, which names the one refused.
ENVELOPE = {**SEVERAL, "properties": {**SEVERAL["properties"], "faults": {"type": "array", "maxItems": MAX_FAULTS}}}
SCHEMAS = {
    "Faults": {
        "type": "object",
        "oneOf": [*FAULT_SCHEMAS.values(), SEVERAL],
        "description": "one fault (kind, route, method, probability, times, ...), or {seed, faults: [...]}; "
        "each kind takes its own fields (docs/FAULTS.md)",
    }
}


def _exists(table: str, id: int) -> bool:
    return store_of().get(table, id) is not None


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
    if "faults" in body:
        shapes.check(body, ENVELOPE)
        added = plan_of().add(body["faults"], seed=body.get("seed"), exists=_exists)
    else:
        added = plan_of().add([body], at="", exists=_exists)
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
