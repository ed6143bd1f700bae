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
from ..extensions import CONSOLE_CHANGES, DOOR_ROUTES, store_of, transforms_of
from ..http import control as conventions
from ..http.bodies import checked_body
from ..stream import PATH as STREAM_PATH
from . import acting, handover, world
from . import vm as vm_view
from .schemas import SCHEMAS

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


# No other site may show the page in a frame of its own and have a person click Reset through it
NOT_FRAMED = {"Content-Security-Policy": "frame-ancestors 'none'", "X-Frame-Options": "DENY"}


@bp.get("/console/")
def page():
    answer = send_from_directory(STATIC, "index.html", max_age=0)
    answer.headers.update(NOT_FRAMED)
    return answer


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
        "scenario": store.scenario,
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
    return update_properties(store_of(), dc, checked_body(SCHEMAS))


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
        stream = _stream(store)
    return {"collection": newest[::-1][:limit], "totalSize": len(newest), **({"stream": stream} if stream else {})}


def _stream(store) -> dict | None:
    """Where the console follows the live event stream, when the server has one: the server opens it as a user
    who sees every tenant's events (none in a world without such a user)."""
    if STREAM_PATH not in current_app.extensions.get(DOOR_ROUTES, {}):
        return None
    nick = acting.actor(store, acting.SEES_EVERY_TENANT, None)
    return {"path": acting.STREAM, "user": nick} if nick else None


@conventions.control(
    bp,
    "POST",
    acting.SEND_RULE,
    op_id="consoleSendRequest",
    errors=("CTRL-USER", "GEN-2", "GEN-3"),
    request_schema="ApiRequest",
    summary="Send one request to the API as a user of the world named by nick (its password stays in the server):"
    " the answer's status, headers and body. The console's Request restore and an exported replay use it",
)
def send_request():
    return acting.send_as(store_of(), **acting.api_request(checked_body(SCHEMAS)))


@conventions.control(
    bp,
    "GET",
    "/console/api/metadatachanges",
    op_id="consoleMetadataChanges",
    query={"after": INT},
    summary="Each accepted metadata write: the VM's metadata before and after, and their difference, newest first",
)
def metadata_changes():
    found = current_app.extensions[CONSOLE_CHANGES].newest(_int_arg("after", 0))
    return {"collection": found, "totalSize": len(found)}


@conventions.control(
    bp,
    "GET",
    "/console/api/scenario",
    op_id="consoleScenarioOfTheWorld",
    errors=("GEN-2",),
    query={"name": {"type": "string"}, "description": {"type": "string"}},
    summary="The served world as a scenario file (YAML) that --scenario and reset load back identically",
)
def scenario_of_the_world():
    name = handover.check_name(request.args.get("name", "saved-world"))
    text = handover.scenario_document(
        store_of(),
        name,
        request.args.get("description", ""),
        store_of().scenario,
        transforms_of(),
    )
    return {"name": name, "fileName": f"{name}.yaml", "yaml": text}


@conventions.control(
    bp,
    "POST",
    "/console/api/scenarios",
    op_id="consoleSaveScenario",
    status=201,
    errors=("CTRL-2", "GEN-2", "GEN-3"),
    request_schema="SaveScenario",
    summary="Save the served world as a scenario in the scenarios folder, for the picker, reset and --scenario",
)
def save_scenario():
    body = checked_body(SCHEMAS)
    name = handover.check_name(body.get("name"))
    description, overwrite = body.get("description", ""), body.get("overwrite", False)
    if not isinstance(description, str) or not isinstance(overwrite, bool):
        raise AbiquoError("GEN-2", "'description' is text and 'overwrite' true or false")
    text = handover.scenario_document(store_of(), name, description, store_of().scenario)
    return {"name": name, "path": handover.save_scenario(text, name, overwrite)}


@conventions.control(
    bp,
    "POST",
    "/console/api/replayscript",
    op_id="consoleReplayScript",
    errors=("GEN-2", "GEN-3"),
    request_schema="ReplayScript",
    summary="A Python script that replays the given journal entries against a mock and compares the statuses",
)
def replay_script():
    entries = handover.replay_entries(checked_body(SCHEMAS)["entries"])
    script = handover.replay_script(entries, store_of().scenario)
    return {"fileName": "replay.py", "script": script}
