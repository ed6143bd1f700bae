"""The QA console: static pages under /_mock/console/ and the JSON they read under /_mock/console/api/.

The pages (HTML, CSS, JS shipped in static/) hold no data, so they are served to anyone who can reach the
control API; every piece of the world goes through the JSON operations, which are control operations:
switched off with it and guarded by the same X-Mock-Token, which the page sends on each call.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app, request, send_from_directory

from ..backup.model import update_properties
from ..errors import AbiquoError
from ..extensions import store_of
from ..http import control as conventions
from ..http.control import json_body
from . import vm as vm_view
from . import world

STATIC = Path(__file__).resolve().parent / "static"
bp = conventions.blueprint("console", __name__)
INT = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
VM_FILTERS = ("datacenter", "enterprise", "machine")


def _int_arg(name: str, default: int | None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) > 2**31 - 1:
        raise AbiquoError("GEN-22", f"Invalid value for query parameter '{name}': an integer is expected")
    return int(raw)


@bp.get("/console/")
def page():
    return send_from_directory(STATIC, "index.html", max_age=0)


@bp.get("/console/static/<path:name>")
def asset(name):
    return send_from_directory(STATIC, name, max_age=0)


@conventions.control(
    bp,
    "GET",
    "/console/api/world",
    op_id="consoleWorld",
    summary="The console's overview: datacenters, racks, machines, enterprises, limits, allowed policies",
)
def overview():
    store = store_of()
    return {
        **world.overview(store),
        "scenario": current_app.config.get("LOADED_SCENARIO"),
        "generation": store.generation,
    }


@conventions.control(
    bp,
    "GET",
    "/console/api/virtualmachines",
    op_id="consoleVirtualMachines",
    query={
        "search": {"type": "string"},
        "state": {"type": "string"},
        "schedule": {"type": "string", "enum": ["yes", "no"]},
        "notApply": {"type": "string", "enum": ["yes"]},
        **{name: INT for name in (*VM_FILTERS, "startwith", "limit")},
    },
    summary="One row per VM (state, placement, schedule, policies), searched and paged on the server",
)
def virtual_machines():
    filters: dict[str, object] = {name: _int_arg(name, None) for name in VM_FILTERS}
    filters = {k: v for k, v in filters.items() if v is not None}
    if request.args.get("state"):
        filters["state"] = request.args["state"]
    if request.args.get("schedule") in ("yes", "no"):
        filters["hasSchedule"] = request.args["schedule"] == "yes"
    if request.args.get("notApply") == "yes":
        filters["notApply"] = True
    return world.vm_page(
        store_of(), request.args.get("search", ""), filters, _int_arg("startwith", 0), _int_arg("limit", 25)
    )


@conventions.control(
    bp,
    "GET",
    "/console/api/virtualmachines/<int:vm>",
    op_id="consoleVirtualMachine",
    errors=("VM-1",),
    summary="A VM as a person reads it: schedule cells with where each value comes from, bindings, results",
)
def virtual_machine(vm):
    return vm_view.view(store_of(), vm)


@conventions.control(
    bp,
    "GET",
    "/console/api/datacenters/<int:dc>",
    op_id="consoleDatacenter",
    errors=("DC-0",),
    summary="A datacenter's backup properties and policies, each configuration field with its mode",
)
def datacenter(dc):
    return world.datacenter_view(store_of(), dc)


@conventions.control(
    bp,
    "PUT",
    "/console/api/datacenters/<int:dc>/backupproperties",
    op_id="consoleUpdateBackupProperties",
    errors=("DC-0", "BC-27", "GEN-2", "GEN-3"),
    request_schema="BackupProperties",
    summary="Change a datacenter's backup properties, with the API's rules (the mock's hand: no event)",
)
def update_backup_properties(dc):
    return update_properties(store_of(), dc, json_body())


@conventions.control(
    bp,
    "GET",
    "/console/api/events",
    op_id="consoleEvents",
    query={"after": INT, "limit": INT},
    summary="The newest events of the event log after an event id, newest first, for the live feed",
)
def events():
    after, limit = _int_arg("after", 0), min(_int_arg("limit", 100), 500)
    store = store_of()
    with store.lock:
        newest = [e for e in store.all("events") if e["id"] > after]
    return {"collection": newest[::-1][:limit], "totalSize": len(newest)}
