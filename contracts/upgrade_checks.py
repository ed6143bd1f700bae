"""``survives-upgrade``: a connector that worked on Abiquo 3.8 keeps working once its installation is upgraded to 3.8.5.

The 3.8.5 note promises that "an existing backup integration can read [the VM backups] in the same way as before".
The suite runs the connector on a world served as 3.8, upgrades the world, and runs it again (or, listening,
upgrades the world while the connector listens). The run after the upgrade fails when the connector crashes or
refuses, reads a VM's schedule differently than before (what it writes back says how it read it: the kinds of results
it writes per VM must be those it wrote before), loses or duplicates a result written before, has a write refused,
changes keys it does not own, or ignores a VM the upgrade bound to its new policies. Each failure names the VM, the
request and what changed.

Like every check here, it judges from the outside (journal, metadata read before and after) and keeps its own copy
of the values it needs.
"""

from __future__ import annotations

import json
from collections import Counter

from .integration_checks import (
    WRITES,
    ConnectorRun,
    VirtualMachine,
    World,
    canonical,
    differences,
    error_code,
    exits_cleanly,
    metadata_requests,
    never_reached_the_api,
    new_results,
    preserves_foreign_keys,
    request_label,
    results_of,
    status_of,
    valid_results,
    vm_of,
)
from .listening_checks import ListeningRun, epoch_ms

BINDINGS = "policyBindings"  # what 3.8.5 adds beside the schedule a 3.8 connector reads


def bound_by_upgrade(before: VirtualMachine | None, after: VirtualMachine) -> dict | None:
    """The bindings the upgrade gave a VM (None when it gave it none)."""
    had = before is not None and isinstance(before.metadata, dict) and BINDINGS in before.metadata
    has = after.metadata.get(BINDINGS) if isinstance(after.metadata, dict) else None
    return has if has and not had else None


def result_kinds(results: list) -> Counter:
    """What a set of results says of how the connector read a schedule: a type/name each."""
    return Counter(f"{r.get('type')}/{r.get('name')}" if isinstance(r, dict) else canonical(r) for r in results)


def _shown(kinds: Counter) -> str:
    return ", ".join(f"{kind} ×{n}" for kind, n in sorted(kinds.items())) or "nothing"


def _changes(before: object, after: VirtualMachine) -> str:
    """What the upgrade changed in a VM's metadata (``before``: the metadata just before it)."""
    changed = differences(before, after.metadata)
    return f" (the upgrade changed its metadata: {', '.join(changed)})" if changed else ""


def _last_write(run: ConnectorRun, vm: int) -> str:
    writes = metadata_requests(run, vm, ("PUT",))
    return f"; its write: {request_label(writes[-1])}" if writes else ""


def refused_after(world: World, before: ConnectorRun, after: ConnectorRun) -> list[str]:
    """Writes refused after the upgrade (beyond what the world expects), each with what 3.8 answered the same."""
    failures = []
    for entry in after.journal:
        if entry["method"] not in WRITES or not 400 <= status_of(entry) < 500:
            continue
        vm_id = vm_of(entry)
        if {(vm_id, error_code(entry)), (vm_id, str(entry["status"]))} & world.expected_refusals:
            continue
        same = [e for e in before.journal if (e["method"], e["path"]) == (entry["method"], entry["path"])]
        earlier = f"; 3.8 answered {request_label(same[-1])}" if same else ""
        vm = world.vms.get(vm_id) if vm_id is not None else None
        failures.append(f"{vm.label if vm else 'no VM'}: {request_label(entry)} was refused after the upgrade{earlier}")
    return failures


def kept_results(vm: VirtualMachine, written: list, final: object) -> list[str]:
    """Each result written before the upgrade is still there, once."""
    ids = Counter(r.get("id") for r in results_of(final) if isinstance(r, dict))
    failures = []
    for result in written:
        rid = result.get("id") if isinstance(result, dict) else None
        if ids[rid] == 0:
            failures.append(f"{vm.label}: result {rid!r}, written before the upgrade, was lost after it")
        elif ids[rid] > 1:
            failures.append(f"{vm.label}: result {rid!r}, written before the upgrade, is stored {ids[rid]} times")
    return failures


def _read_alike(old: VirtualMachine | None, vm: VirtualMachine, before: ConnectorRun, after: ConnectorRun) -> list[str]:
    """The VM was read the same way: written the same kinds of results; and, if the upgrade bound it, backed up."""
    was = result_kinds(new_results(old, before.final.get(vm.id))) if old else Counter()
    now = result_kinds(new_results(vm, after.final.get(vm.id)))
    bindings = bound_by_upgrade(old, vm)
    if bindings and vm.to_back_up and not now:
        reads = [e for e in metadata_requests(after, vm.id, ("GET",)) if e["status"] == 200]
        what = "its metadata was never read" if not reads else "no result was written"
        return [
            f"{vm.label} was bound by the upgrade ({canonical(bindings)}) and is deployed with a backup schedule, "
            f"but the connector ignored it after the upgrade: {what} (before it, it wrote {_shown(was)})"
        ]
    if now != was:
        return [
            f"{vm.label}: the connector reads its schedule differently since the upgrade"
            f"{_changes(before.final.get(vm.id), vm)}: before it, it wrote {_shown(was)}; after it, {_shown(now)}"
            f"{_last_write(after, vm.id)}"
        ]
    return []


def survives_upgrade(before_world: World, before: ConnectorRun, after_world: World, after: ConnectorRun) -> list[str]:
    """The run on the upgraded world (``after``) judged against the run on the 3.8 world (``before``)."""
    unjudged = never_reached_the_api(after)
    if unjudged:
        return [f"after the upgrade: {unjudged[0]}"] + [
            f"after the upgrade: {f}" for f in exits_cleanly(after_world, after)
        ]
    failures = [f"after the upgrade: {f}" for f in exits_cleanly(after_world, after)]
    failures += [f"after the upgrade: {f}" for f in preserves_foreign_keys(after_world, after)]
    failures += [f"after the upgrade: {f}" for f in valid_results(after_world, after)]
    failures += refused_after(after_world, before, after)
    for vm in after_world.vms.values():
        old = before_world.vms.get(vm.id)
        written = new_results(old, before.final.get(vm.id)) if old else []
        failures += kept_results(vm, written, after.final.get(vm.id))
        failures += _read_alike(old, vm, before, after)
    return failures


# ------------------------------------------------------------------------------------------- listening across it


def _puts(run: ListeningRun, vm: int) -> list[dict]:
    """The connector's successful metadata writes on a VM, oldest first."""
    return [
        e
        for e in run.journal
        if e["method"] == "PUT" and e["user"] == run.user and vm_of(e) == vm and 200 <= e["status"] < 300
    ]


def _sent_results(entry: dict) -> list:
    try:
        body = json.loads(entry.get("requestBody") or "")
    except ValueError:
        return []
    return results_of(body.get("metadata") if isinstance(body, dict) else None)


def _fresh(results: list, than: list) -> list:
    known = {canonical(r) for r in than}
    return [r for r in results if canonical(r) not in known]


def _listening_vm(run: ListeningRun, at: int, old: VirtualMachine | None, vm: VirtualMachine) -> list[str]:
    """One VM: bound by the upgrade and running, handled after it; results kinds alike; earlier results kept."""
    puts = _puts(run, vm.id)
    earlier = [e for e in puts if epoch_ms(e["time"]) < at]
    initial = results_of(old.metadata if old else None)
    held = _sent_results(earlier[-1]) if earlier else initial
    written_before, written_after = _fresh(held, initial), _fresh(results_of(vm.metadata), held)
    failures = kept_results(vm, written_before, vm.metadata)
    bindings = bound_by_upgrade(old, vm)
    if bindings and vm.entries and vm.state not in ("NOT_ALLOCATED", "LOCKED"):
        read = any(v == vm.id and t >= at for v, t in run.connector("GET"))
        if not (read and written_after):
            what = "its metadata was never read" if not read else "no result was written"
            failures.append(
                f"{vm.label} was bound by the upgrade ({canonical(bindings)}) and is running with a backup schedule, "
                f"but the connector ignored it after the upgrade (its METADATA_MODIFIED event): {what}"
            )
    was, now = set(result_kinds(written_before)), set(result_kinds(written_after))
    if was and now and was != now:
        failures.append(
            f"{vm.label}: the connector reads its schedule differently since the upgrade"
            + (f" (which bound it: {canonical(bindings)})" if bindings else "")
            + f": before it, it wrote {', '.join(sorted(was))}; after it, {', '.join(sorted(now))}; its write: "
            f"{request_label(puts[-1])}"
        )
    return failures


def survives_upgrade_listening(
    run: ListeningRun, before: dict[int, VirtualMachine], after: dict[int, VirtualMachine]
) -> list[str]:
    """A listening run whose timeline upgraded the world: what the connector did after the upgrade, judged against
    what it did before it and what the world held (``before``: as loaded, ``after``: once stopped)."""
    upgrade = next((p for p in run.played if "upgrade" in p["step"]), None)
    if upgrade is None or upgrade["status"] != 200:
        return [
            f"not judged: the world was not upgraded ({upgrade['status'] if upgrade else 'no upgrade step played'})"
        ]
    at = upgrade.get("started", upgrade["time"])
    failures = [
        f"{run.label(vm)}: {e['method']} {e['path']} {e['status']} was refused after the upgrade"
        for e in run.journal
        if e["method"] in WRITES and e["user"] == run.user and 400 <= status_of(e) < 500 and epoch_ms(e["time"]) >= at
        for vm in [vm_of(e)]
    ]
    for vm in after.values():
        failures += _listening_vm(run, at, before.get(vm.id), vm)
    return failures
