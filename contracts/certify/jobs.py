"""One world of a certification, run on one mock: load it, run the connector in each of its passes, judge every
check, and keep the evidence of each failure. Run in a worker process of its own (certify/run.py); what it returns
is plain data.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

from ..client import MockClient, MockError
from ..fault_checks import survives_faults
from ..integration import FROM, connect, read_world
from ..integration_checks import CHECKS as ONE_PASS_CHECKS
from ..integration_checks import ConnectorRun, World, judge
from ..listening_checks import CHECKS as LISTENING_CHECKS
from ..upgrade_checks import survives_upgrade, survives_upgrade_listening
from . import evidence, obligations, plan
from .plan import WorldSpec


def run_world(spec: WorldSpec, url: str, command: str, timeout: float, token: str | None = None) -> dict:
    """The world's result: ``checks`` [{pass, check, failures, evidence}], or the ``error`` that stopped it."""
    client = MockClient(url, token=token, form=spec.format)
    started = time.monotonic()
    result: dict = {"id": spec.id, "spec": spec, "checks": [], "error": None, "notServed": False}
    env = plan.FORMATS[spec.format].env
    try:
        RUNNERS[spec.kind](client, spec, command, timeout, env, result)
    except (MockError, requests.RequestException) as exc:
        result["error"] = str(exc)
        result["notServed"] = "cannot be served as Abiquo" in str(exc)
    result["seconds"] = round(time.monotonic() - started, 2)
    return result


def _checked(result: dict, kind: str, check: str, failures: list[str], **run) -> None:
    result["checks"].append(
        {"pass": kind, "check": check, "failures": failures, "evidence": evidence.of_check(check, failures, **run)}
    )


SENT_NOTHING = "the connector sent no request to the API"


def _one_pass(result: dict, kind: str, world: World, run: ConnectorRun) -> None:
    """The one-pass checks. A pass that sent no request is judged on its exit and on what it did not read; the
    other checks have nothing to judge (they say so, rather than fail)."""
    seen = {"journal": run.journal, "before": world.vms, "after": run.final, "stderr": run.stderr}
    for check in ONE_PASS_CHECKS:
        if run.journal or check == "exits-cleanly":
            _checked(result, kind, check, judge(check, world, run), **seen, fired=run.fired)
        elif check == "reads-every-backup":
            unread = [f"{vm.label}: {SENT_NOTHING}, it read no backup" for vm in world.vms.values() if vm.to_back_up]
            _checked(result, kind, check, unread, **seen)
        else:
            result["checks"].append(
                {"pass": kind, "check": check, "failures": [], "evidence": [], "notJudged": SENT_NOTHING}
            )


def _describe(result: dict, client: MockClient, vms: dict) -> None:
    """What the report says of the world: the release served, its size, whether it holds 3.8.5 bindings."""
    result["served"] = client.api("GET", "version", accept="text/plain").text.strip()
    result["vms"] = len(vms)
    result["holdsBindings"] = any(
        isinstance(vm.metadata, dict) and "policyBindings" in vm.metadata for vm in vms.values()
    )


def _scenario(client: MockClient, spec: WorldSpec, command: str, timeout: float, env: dict, result: dict) -> None:
    _judge_loaded(client, spec, lambda: client.reset(spec.scenario), command, timeout, env, result)


def _first_pass(
    client: MockClient, spec: WorldSpec, world_id: str, command: str, timeout: float, env: dict, result: dict
) -> tuple[World, dict[int, str], ConnectorRun]:
    """The loaded world without faults, described and exported into the result, and the connector's pass on it,
    judged on the one-pass obligations: (the world, its links, the run)."""
    client.clear_faults()
    world, hrefs = read_world(client, world_id, set(spec.expected))
    _describe(result, client, world.vms)
    _export(client, spec, result)
    run = connect(client, command, hrefs, timeout, env)
    _one_pass(result, obligations.ONE_PASS, world, run)
    return world, hrefs, run


def _judge_loaded(
    client: MockClient,
    spec: WorldSpec,
    load: Callable[[], object],
    command: str,
    timeout: float,
    env: dict,
    result: dict,
) -> None:
    """The one-pass checks on the loaded world; with faults, survives-faults on a second pass with them on."""
    load()
    world, hrefs, clean = _first_pass(client, spec, spec.id, command, timeout, env, result)
    if spec.faults:
        load()
        client.clear_faults()
        client.control("POST", "/faults", {"seed": spec.seed, "faults": list(spec.faults)}, expect=(201,))
        faulted = connect(client, command, hrefs, timeout, env)
        seen = {"journal": faulted.journal, "before": world.vms, "after": faulted.final, "stderr": faulted.stderr}
        failures = survives_faults(world, clean, faulted, spec.seed)
        _checked(result, obligations.FAULTED, "survives-faults", failures, **seen, fired=faulted.fired)


def _export(client: MockClient, spec: WorldSpec, result: dict) -> None:
    """The world before the pass, as a scenario file that loads it back (written to the report if it fails)."""
    from urllib.parse import urlencode

    said = (
        f"World {spec.index + 1} generated by certify with seed {spec.seed}."
        if spec.kind == plan.GENERATED
        else (f"The world of the scenario {spec.scenario} as certify ran the connector on it.")
    )
    result["worldYaml"] = client.control(
        "GET", "/console/api/scenario?" + urlencode({"name": spec.id, "description": said})
    )["yaml"]


def _generated(client: MockClient, spec: WorldSpec, command: str, timeout: float, env: dict, result: dict) -> None:
    from ..generate import SIZES, contract_validator, generated_world

    validate, _ = contract_validator(client)
    notes: list[str] = []
    _, load = generated_world(client, spec.seed, spec.index, notes.append, spec.sizes or SIZES, validate)
    _judge_loaded(client, spec, load, command, timeout, env, result)
    result["notes"] = notes


def _across_upgrade(client: MockClient, spec: WorldSpec, command: str, timeout: float, env: dict, result: dict) -> None:
    """The one-pass checks on the world served as 3.8; survives-upgrade on a pass once it was upgraded."""
    client.reset(spec.scenario, abiquo=FROM)
    world, _, before = _first_pass(client, spec, spec.scenario, command, timeout, env, result)
    client.upgrade()
    upgraded, hrefs = read_world(client, spec.scenario, set(spec.expected))
    after = connect(client, command, hrefs, timeout, env)
    failures = survives_upgrade(world, before, upgraded, after)
    seen = {"journal": after.journal, "before": upgraded.vms, "after": after.final, "stderr": after.stderr}
    _checked(result, obligations.UPGRADED, "survives-upgrade", failures, **seen)


def _listening(client: MockClient, spec: WorldSpec, command: str, timeout: float, env: dict, result: dict) -> None:
    from ..listening import listen_across_upgrade, listen_on

    across = spec.kind == plan.LISTENING_ACROSS
    listen = listen_across_upgrade if across else listen_on
    run, before, after = listen(client, command, spec.scenario, timeout, env=env)
    _describe(result, client, before)
    final = {vm: machine.metadata for vm, machine in after.items()}
    seen = {"journal": run.journal, "before": before, "after": final, "stderr": run.stderr, "events": run.events}
    for check, judged in LISTENING_CHECKS.items():
        _checked(result, obligations.LISTENING, check, judged(run), **seen)
    if across:
        failures = survives_upgrade_listening(run, before, after)
        _checked(result, obligations.LISTENING, "survives-upgrade", failures, **seen)


RUNNERS: dict[str, Callable] = {
    plan.SCENARIO: _scenario,
    plan.GENERATED: _generated,
    plan.ACROSS_UPGRADE: _across_upgrade,
    plan.LISTENING: _listening,
    plan.LISTENING_ACROSS: _listening,
}
