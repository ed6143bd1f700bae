"""Where the fault plan meets requests: Abiquo errors and domain faults inside the Flask app, transport faults
through the front door's hook.

A fault never half-applies a write. An error ``before`` refuses the request before it runs; an error
``after`` lets it run (and commit) and then answers the error instead, so the answer is what was lost. Every
request a fault touched carries ``fault`` in the request journal, with ``committed``: whether the store
changed while it ran.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request

from ..errors import AbiquoError
from ..extensions import DOOR_FAULTS, FAST_PATH_OFF, FAULT_PLAN, JOURNAL, store_of
from ..http import hooks
from ..http.door import TransportFault
from ..http.envelope import flask_response
from ..http.sites import is_control
from .plan import TRANSPORT, FaultPlan, Rule

BACKUP_SURFACE = ("backup", "metadata")  # blueprints whose work needs the datacenter's backup service
ERROR_KINDS = ("error",)


def plan_of(app: Flask | None = None) -> FaultPlan:
    return (app or current_app).extensions[FAULT_PLAN]


def _store():
    return store_of()


# ---------------------------------------------------------------------------------------------- domain faults


def _vm_of_request() -> int | None:
    vm = (request.view_args or {}).get("vm")
    return vm if isinstance(vm, int) else None


def _datacenter_of_request() -> int | None:
    args = request.view_args or {}
    for name in ("dc", "loc"):
        if isinstance(args.get(name), int):
            return args[name]
    vm = _vm_of_request()
    found = _store().get("virtualmachines", vm) if vm is not None else None
    return found.get("datacenter") if found else None


def _domain_refusal(plan: FaultPlan) -> AbiquoError | None:
    if request.blueprint not in BACKUP_SURFACE:
        return None
    if request.method not in ("GET", "HEAD", "OPTIONS") and (vm := _vm_of_request()) is not None:
        _trigger(plan, "vm-locked", vm)
        if outage := plan.outage("vm-locked", vm):
            g.fault = _fired(plan, outage.rule, "vm-locked", target=vm)
            return AbiquoError("VM-2", f"The virtual machine {vm} is already locked by another operation (a task)")
    dc = _datacenter_of_request()
    if dc is not None:
        _trigger(plan, "backup-down", dc)
        if outage := plan.outage("backup-down", dc):
            g.fault = _fired(plan, outage.rule, "backup-down", target=dc)
            return AbiquoError(
                "503-SERVICE-UNAVAILABLE", f"The backup service of datacenter {dc} is unavailable: try again later"
            )
    return None


def _trigger(plan: FaultPlan, kind: str, target: int) -> None:
    """A triggered domain rule (a route, maybe a probability) starts its task or outage on this target."""
    if not any(r.kind == kind and not r.explicit for r in plan.rules):
        return
    found = plan.draw((kind,), request.method, request.path)
    if found is not None:
        rule = found[0]
        if (rule.vm or rule.datacenter or target) == target:
            plan.start(rule, target)


def _fired(plan: FaultPlan, rule_id: str, kind: str, **details) -> dict:
    rule = next((r for r in plan.rules if r.id == rule_id), None) or Rule(rule_id, kind)
    return plan.record(rule, request.method, request.path, committed=False, **details)


# ---------------------------------------------------------------------------------------------- the hooks


def before_request() -> None:
    plan = plan_of()
    if not plan.rules or is_control(request.path):  # a fault never locks out the API that switches it off
        return
    g.generation_before = _store().generation
    refusal = _domain_refusal(plan)
    if refusal is not None:
        raise refusal
    found = plan.draw(ERROR_KINDS, request.method, request.path)
    if found is None:
        return
    rule = found[0]
    if rule.when == "after":
        g.fault_after = rule
        return
    g.fault = plan.record(rule, request.method, request.path, status=_error(rule).status, committed=False)
    raise _error(rule)


def _error(rule: Rule) -> AbiquoError:
    return AbiquoError(rule.code, rule.message)


def _error_response(error: AbiquoError) -> Response:
    return flask_response(error, spellings={})  # the code as the fault names it, whatever the release


def after_request(response: Response) -> Response:
    """Runs before the journal records the answer: it sees the answer the client gets."""
    plan = plan_of()
    committed = getattr(g, "generation_before", _store().generation) != _store().generation
    rule = g.pop("fault_after", None)
    if rule is not None:
        error = _error(rule)
        lost = response.status_code
        g.fault = plan.record(rule, request.method, request.path, status=error.status, committed=committed, lost=lost)
        response = _error_response(error)
    if queued := plan.pending.get((request.method, request.path)):
        entry = queued.popleft()
        entry["committed"] = committed
        g.fault = {**entry, **({"also": g.fault} if getattr(g, "fault", None) else {})}
    return response


def transport_hook(app: Flask):
    """The front door's ``(method, path) -> TransportFault | None``: latency, dropped connections, slow bodies."""
    plan = plan_of(app)

    def decide(method: str, path: str) -> TransportFault | None:
        if not plan.rules or is_control(path):
            return None
        found = plan.draw(TRANSPORT, method, path)
        if found is None:
            return None
        rule, chance = found
        fault = _transport_fault(rule, chance)
        entry = plan.record(rule, method, path, **{k: v for k, v in vars(fault).items() if v})
        if fault.drop == "before":
            entry["committed"] = False  # the request never reaches the app
            journal = app.extensions.get(JOURNAL)
            if journal is not None and path.startswith("/api"):
                journal.record_unanswered(method, path, entry)
        else:
            plan.pending[(method, path)].append(entry)
        return fault

    return decide


def _transport_fault(rule: Rule, chance) -> TransportFault:
    delay = rule.delay_ms
    if rule.max_delay_ms is not None:
        delay = chance.uniform(rule.delay_ms, rule.max_delay_ms)
    return TransportFault(
        delay_s=round(delay / 1000, 4),
        drop=rule.drop if rule.kind == "drop" else None,
        body_bytes_per_s=rule.bytes_per_second if rule.kind == "slow-body" else None,
    )


def init_app(app: Flask) -> None:
    """The plan (the configured faults, else the loaded scenario's), the request hooks, the door's hook."""
    from .. import scenarios

    specs = app.config.get("FAULTS")
    loaded = app.config.get("SCENARIO") or app.config.get("LOADED_SCENARIO")
    if specs is None and loaded:
        specs = scenarios.faults(loaded)
    plan = FaultPlan(seed=app.config.get("FAULT_SEED") or 0)
    app.extensions[FAULT_PLAN] = plan
    if specs:
        plan.add(specs)
    # Right after authentication and before kept answers: a fault may refuse a GET whose answer is kept; after,
    # before the journal records the answer (http/hooks.py ORDER)
    hooks.install(app, "faults", hooks.BEFORE, before_request)
    hooks.install(app, "faults", hooks.AFTER, after_request)
    app.extensions[DOOR_FAULTS] = transport_hook(app)
    # a fault may refuse a GET whose answer is kept: while any is on, the front door leaves kept answers to Flask
    app.extensions[FAST_PATH_OFF] = lambda: bool(plan.rules or plan.outages)


def load_file(path: str) -> tuple[list, int | None]:
    """Faults from a YAML or JSON file: a list of faults, or ``{seed, faults}``."""
    import yaml

    with open(path, encoding="utf-8") as handle:
        try:
            document = yaml.safe_load(handle)
        except yaml.YAMLError as exc:
            raise ValueError(f"not valid YAML or JSON: {exc}") from None
    if isinstance(document, dict):
        return document.get("faults") or [], document.get("seed")
    if isinstance(document, list):
        return document, None
    raise ValueError(f"{path}: a list of faults, or an object with 'faults' (and 'seed'), is expected")


def load_scenario_faults(name: str, seed: int | None) -> None:
    """A reset replaces the faults with the scenario's own (none for most scenarios)."""
    from .. import scenarios

    plan = current_app.extensions.get(FAULT_PLAN)
    if plan is None:
        return
    plan.clear()
    store = _store()
    plan.add(
        scenarios.faults(name),
        seed=seed if seed is not None else 0,
        exists=lambda table, id: store.get(table, id) is not None,
    )
