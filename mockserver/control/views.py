"""The control API (/_mock): what tests and QA use to set up and inspect the mock. Plain JSON."""

from __future__ import annotations

import functools
import hmac
import json
import time

from flask import Blueprint, Response, current_app, g, request

from .. import scenarios
from ..errors import AbiquoError
from ..extensions import store_of
from ..http.api import REGISTRY, Operation
from ..http.media import PRODUCT_VERSION
from ..infrastructure import model as infrastructure

bp = Blueprint("control", __name__, url_prefix="/_mock")
JSON = "application/json"


def _json(payload: object, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, content_type=JSON)


def _body() -> dict:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise AbiquoError("GEN-3") from None
    if not isinstance(body, dict):
        raise AbiquoError("GEN-2", "A JSON object is expected")
    return body


def _check_token() -> None:
    token = current_app.config.get("CONTROL_TOKEN")
    if token and not hmac.compare_digest(request.headers.get("X-Mock-Token", ""), token):
        raise AbiquoError("401-UNAUTHORIZED", "The control API needs the header X-Mock-Token")


def control(
    method: str,
    rule: str,
    *,
    op_id: str,
    summary: str,
    status: int = 200,
    errors: tuple[str, ...] = (),
    request_schema: str | None = None,
):
    """Register a control operation (documented in the contract's control section)."""
    op = Operation(
        op_id,
        method,
        rule,
        "control",
        None,
        status,
        errors,
        None,
        summary,
        "mock-only",
        prefix="/_mock",
        request_schema=request_schema,
    )
    REGISTRY.append(op)

    def decorate(fn):
        @functools.wraps(fn)
        def view(**values):
            g.operation = op
            _check_token()
            result = fn(**values)
            return (
                result
                if isinstance(result, Response)
                else (Response(status=204) if result is None else _json(result, status))
            )

        bp.add_url_rule(rule, endpoint=op_id, view_func=view, methods=[method], provide_automatic_options=False)
        return fn

    return decorate


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
    name = _body().get("scenario", scenarios.DEFAULT_SCENARIO)
    if not isinstance(name, str):
        raise AbiquoError("GEN-2", "'scenario' must be a scenario name")
    started = time.perf_counter()
    scenarios.load(store_of(), name)
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
    state = _body().get("state")
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
