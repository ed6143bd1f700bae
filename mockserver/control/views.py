"""The control API (/_mock): what tests and QA use to set up and inspect the mock. Plain JSON."""

from __future__ import annotations

import functools
import time

from flask import current_app, request

from .. import scenarios
from ..errors import AbiquoError
from ..extensions import store_of, transforms_of
from ..http import control as conventions
from ..http.control import json_body
from ..http.media import PRODUCT_VERSION
from ..infrastructure import model as infrastructure

bp = conventions.blueprint("control", __name__)


# Every control operation of this context is declared on its blueprint.
control = functools.partial(conventions.control, bp)


@control("GET", "/health", op_id="mockHealth", summary="Is the mock up, which store generation it serves")
def health():
    store = store_of()
    return {
        "status": "ok",
        "version": PRODUCT_VERSION,
        "generation": store.generation,
        "scenario": current_app.config.get("LOADED_SCENARIO"),
        "store": str(store.path) if store.path else "memory",
    }


@control("GET", "/scenarios", op_id="mockListScenarios", summary="The scenarios the mock can load")
def list_scenarios():
    return {"collection": [scenarios.describe(name) for name in scenarios.names()]}


@control(
    "POST",
    "/reset",
    op_id="mockReset",
    errors=("CTRL-1", "GEN-2", "GEN-3"),
    request_schema="Reset",
    summary="Replace the whole store with a scenario (default: demo) and clear the journal",
)
def reset():
    name = json_body().get("scenario", scenarios.DEFAULT_SCENARIO)
    if not isinstance(name, str):
        raise AbiquoError("GEN-2", "'scenario' must be a scenario name")
    started = time.perf_counter()
    scenarios.load(store_of(), name, transforms_of())
    current_app.config["LOADED_SCENARIO"] = name
    journal = current_app.extensions.get("abiquo_journal")
    if journal is not None:
        journal.clear()
    return {"scenario": name, "elapsedMs": round((time.perf_counter() - started) * 1000, 2)}


@control(
    "PUT",
    "/virtualmachines/<int:vm>/state",
    op_id="mockSetVirtualMachineState",
    errors=("VM-1", "CTRL-2", "GEN-2", "GEN-3"),
    request_schema="VirtualMachineState",
    summary="Deploy or undeploy a VM by setting its state",
)
def set_state(vm):
    state = json_body().get("state")
    if not isinstance(state, str):
        raise AbiquoError("GEN-2", "'state' is required, e.g. ON or NOT_ALLOCATED")
    found = infrastructure.set_vm_state(store_of(), vm, state)
    return {"id": found["id"], "state": found["state"], "machine": found["machine"]}


@control(
    "GET",
    "/journal",
    op_id="mockJournal",
    summary="Every request and response the API answered; filter with ?path=<prefix>&method=<verb>",
)
def journal():
    entries = current_app.extensions["abiquo_journal"].entries(request.args.get("path"), request.args.get("method"))
    return {"collection": entries, "totalSize": len(entries)}


@control("DELETE", "/journal", op_id="mockClearJournal", status=204, summary="Forget every recorded request")
def clear_journal():
    current_app.extensions["abiquo_journal"].clear()
