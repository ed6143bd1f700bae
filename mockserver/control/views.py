"""The control API (/_mock): what tests and QA use to set up and inspect the mock. Plain JSON."""

from __future__ import annotations

import functools
import time

from flask import current_app, request

from .. import release, scenarios
from ..errors import AbiquoError
from ..extensions import JOURNAL, store_of, transforms_of
from ..faults.hooks import load_scenario_faults
from ..http import control as conventions
from ..http.bodies import checked_body
from ..lifecycle import model as lifecycle
from .journal import PATTERN_FIELDS, Pattern
from .schemas import SCHEMAS

bp = conventions.blueprint("control", __name__)


# Every control operation of this context is declared on its blueprint.
control = functools.partial(conventions.control, bp)


@control(
    "GET",
    "/health",
    op_id="mockHealth",
    summary="Is the mock up; the scenario its world was made from and its generation (every write since the store "
    "was made, across restarts); status degraded (with storeError) while the disk refuses the store's writes",
)
def health():
    store = store_of()
    refused = store.recheck()
    return {
        "status": "degraded" if refused else "ok",
        **({"storeError": str(refused)} if refused else {}),
        "version": release.of(store).version,
        "abiquo": release.of(store).name,
        "generation": store.generation,
        "scenario": store.scenario,
        "store": str(store.path) if store.path else "memory",
    }


@control(
    "GET",
    "/scenarios",
    op_id="mockListScenarios",
    summary="The scenarios the mock can load; a file of the scenarios folder that cannot be loaded is listed with "
    "'broken': why",
)
def list_scenarios():
    return {"collection": scenarios.catalogue()}


@control(
    "POST",
    "/reset",
    op_id="mockReset",
    errors=("CTRL-1", "GEN-2", "GEN-3"),
    request_schema="Reset",
    summary="Replace the whole store with a scenario (default: demo; legacy-3.8 with abiquo 3.8), served as the Abiquo "
    "release named (abiquo: 3.8 or 3.8.5; default: the scenario's), switch its faults on and clear the journal",
)
def reset():
    body = checked_body(SCHEMAS)
    abiquo = _release(body)
    name = body.get("scenario", scenarios.default_scenario(abiquo))
    seed, parameters = body.get("seed"), body.get("parameters", {})
    started = time.perf_counter()
    try:
        scenarios.load(store_of(), name, transforms_of(), parameters, abiquo)
    except scenarios.ScenarioError as exc:
        raise AbiquoError("GEN-2", str(exc).rsplit(": ", 1)[-1]) from None
    load_scenario_faults(name, seed)
    journal = current_app.extensions.get(JOURNAL)
    if journal is not None:
        journal.clear()
    served = release.of(store_of()).name
    return {"scenario": name, "abiquo": served, "elapsedMs": round((time.perf_counter() - started) * 1000, 2)}


def _release(body: dict) -> release.Release | None:
    """The release a reset serves the world as (``abiquo``); None: the one the scenario names."""
    if "abiquo" not in body:
        return None
    try:
        return release.named(body["abiquo"])
    except ValueError as exc:
        raise AbiquoError("GEN-2", f"'abiquo': {exc}") from None


@control(
    "PUT",
    "/virtualmachines/<int:vm>/state",
    op_id="mockSetVirtualMachineState",
    errors=("VM-1", "CTRL-3", "CTRL-USER", "GEN-2", "GEN-3"),
    request_schema="VirtualMachineState",
    summary="Deploy or undeploy a VM by setting its state at once, recording the events Abiquo records",
)
def set_state(vm):
    body = checked_body(SCHEMAS)
    state, nick = body["state"], body.get("user")
    store = store_of()
    found = lifecycle.set_state(store, vm, state, lifecycle.system_user(store, nick))
    return {"id": found["id"], "state": found["state"], "machine": found["machine"]}


JOURNAL_QUERY = {
    "path": {"type": "string", "description": "path prefix, e.g. /api/cloud"},
    "pathPattern": {"type": "string", "description": "glob over the whole path, * matches anything"},
    "method": {"type": "string"},
    "status": {"type": "string", "description": "a status code (404) or a class (4xx)"},
    "user": {"type": "string"},
    "since": {"type": "string", "description": "ISO 8601 time or epoch seconds, included"},
    "until": {"type": "string", "description": "ISO 8601 time or epoch seconds, excluded"},
    "fault": {"type": "string", "enum": ["true", "false"], "description": "only the requests a fault touched"},
}
JOURNAL_PAGE_MAX = 1000


def _journal():
    return current_app.extensions[JOURNAL]


def _pattern(given, allowed: tuple[str, ...], code: str) -> Pattern:
    # A misspelt field would match every request and make a verification pass: refuse it.
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise AbiquoError(code, f"Unknown field '{unknown[0]}'; known: {', '.join(allowed)}")
    return Pattern.of(given)


def _page_param(name: str, default: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) > high:
        raise AbiquoError("GEN-22", f"'{name}' must be an integer from 0 to {high}")
    return int(raw)


@control(
    "GET",
    "/journal",
    op_id="mockJournal",
    errors=("GEN-22",),
    query={
        **JOURNAL_QUERY,
        "startwith": {"type": "integer", "minimum": 0},
        "limit": {"type": "integer", "minimum": 0, "maximum": JOURNAL_PAGE_MAX},
    },
    summary="The requests the API answered, oldest first, a page at a time (startwith, limit: default 100); "
    "filter by path, pathPattern, method, status, user, since, until, fault",
)
def journal():
    found = _journal().select(_pattern(request.args, (*PATTERN_FIELDS, "startwith", "limit"), "GEN-22"))
    start = _page_param("startwith", 0, 2**31 - 1)
    limit = _page_param("limit", 100, JOURNAL_PAGE_MAX)
    return {
        "collection": [entry.render() for entry in found[start : start + limit]],
        "totalSize": len(found),
        "startwith": start,
        "limit": limit,
        "usage": _journal().usage(),
    }


@control(
    "POST",
    "/journal/count",
    op_id="mockCountRequests",
    errors=("GEN-22", "GEN-2", "GEN-3"),
    request_schema="RequestPattern",
    summary="How many recorded requests match a pattern (the fields of the journal's filters)",
)
def count_requests():
    return {"count": len(_journal().select(_pattern(checked_body(SCHEMAS), PATTERN_FIELDS, "GEN-2")))}


@control(
    "POST",
    "/journal/find",
    op_id="mockFindRequests",
    errors=("GEN-22", "GEN-2", "GEN-3"),
    request_schema="RequestPattern",
    summary="The recorded requests that match a pattern, oldest first (at most 1000, the newest kept)",
)
def find_requests():
    found = _journal().select(_pattern(checked_body(SCHEMAS), PATTERN_FIELDS, "GEN-2"))
    return {"requests": [entry.render() for entry in found[-JOURNAL_PAGE_MAX:]], "totalSize": len(found)}


@control(
    "POST",
    "/journal/verify",
    op_id="mockVerifyRequests",
    errors=("GEN-22", "GEN-2", "GEN-3"),
    request_schema="RequestVerification",
    summary="Was a request matching the pattern made exactly 'count' times (or at least / at most)? "
    "Answers verified true or false with the count found",
)
def verify_requests():
    body = checked_body(SCHEMAS)
    expected = {k: body[k] for k in ("count", "atLeast", "atMost") if k in body} or {"atLeast": 1}
    count = len(_journal().select(_pattern(body, (*PATTERN_FIELDS, "count", "atLeast", "atMost"), "GEN-2")))
    verified = (
        expected.get("count", count) == count
        and count >= expected.get("atLeast", 0)
        and count <= expected.get("atMost", count)
    )
    return {"verified": verified, "count": count, "expected": expected}


@control("DELETE", "/journal", op_id="mockClearJournal", status=204, summary="Forget every recorded request")
def clear_journal():
    _journal().clear()
