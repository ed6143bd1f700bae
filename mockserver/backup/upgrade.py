"""The 3.8 → 3.8.5 upgrade (spec §7): backup policies made from the legacy datacenter configuration.

For each datacenter: one policy per backup type and granularity enabled there by the legacy configuration or used by
a VM there, code ``<TYPE>-<GRANULARITY>-<datacenter id>``, with that one configuration and every schedule field
defined in the VM. One policy per granularity, because a VM holds whole policies: a VM that backed up only some
granularities of a type is bound to exactly those, without a schedule entry added. Each policy is allowed to every
enterprise with a limit in that datacenter. Each VM with a legacy schedule gets ``policyBindings`` for its (type,
granularity) pairs and nothing else: its ``backupSchedule`` and every other key stay byte for byte as they were (no
``policies`` until its backup is next saved). ``multiplePolicies`` is switched on where a VM needs more than one
policy. A datacenter with no backup properties gets those that keep what 3.8 let its users do: multiple restore on
(3.2.5 and later restored a backup more than once) and updates while deployed on (3.8 let a deployed VM's backups
change). The legacy configuration is kept. Run again, it changes nothing.
"""

from __future__ import annotations

import copy

from ..store import Store
from .constants import BACKUP_TYPES, GRANULARITIES, PROPERTY_NAMES


def legacy_pairs(metadata: object) -> list[tuple[str, str]]:
    """The (type, granularity) entries of a VM's legacy schedule, in document order."""
    schedule = metadata.get("backupSchedule") if isinstance(metadata, dict) else None
    if not isinstance(schedule, dict):
        return []
    return [
        (t, g)
        for t, granularities in schedule.items()
        if t in BACKUP_TYPES and isinstance(granularities, dict)
        for g in granularities
        if g in GRANULARITIES
    ]


def policy_code(backup_type: str, granularity: str, dc_id: int) -> str:
    return f"{backup_type.upper()}-{granularity.upper()}-{dc_id}"


def upgrade_world(tables: dict[str, list[dict]]) -> tuple[dict[str, list[dict]], dict]:
    """The world after the upgrade, and a report of what changed (a pure function: ``tables`` is untouched)."""
    world = copy.deepcopy(tables)
    report = {
        "policiesCreated": [],
        "configurationsAdded": [],
        "policiesAllowed": [],
        "virtualMachinesBound": [],
        "multiplePoliciesEnabled": [],
        "propertiesWritten": [],
    }
    vms_needing = _vms_to_bind(world)
    for dc in sorted(world.get("datacenters", []), key=lambda d: d["id"]):
        _keep_3_8_behaviour(world, dc["id"], report)
        wanted = _wanted_configurations(world, dc["id"], vms_needing)
        for backup_type, granularities in wanted.items():
            for granularity in (g for g in GRANULARITIES if g in granularities):
                policy = _ensure_policy(world, dc, backup_type, granularity, report)
                _allow_everywhere(world, dc["id"], policy, report)
    for vm in vms_needing:
        _bind(vm, report)
        _enable_multiple_policies(world, vm, report)
    report["changed"] = any(report[k] for k in report)
    return world, report


def _vms_to_bind(world: dict) -> list[dict]:
    return [
        vm
        for vm in sorted(world.get("virtualmachines", []), key=lambda v: v["id"])
        if isinstance(vm.get("metadata"), dict)
        and "policyBindings" not in vm["metadata"]
        and legacy_pairs(vm["metadata"])
    ]


def _wanted_configurations(world: dict, dc_id: int, vms: list[dict]) -> dict[str, set[str]]:
    """type -> granularities: those enabled in the legacy configuration, and those the VMs there use."""
    templates = {t["id"]: t["name"] for t in world.get("backuptemplates", [])}
    wanted: dict[str, set[str]] = {}
    for row in sorted(world.get("datacenterbackups", []), key=lambda r: r["id"]):
        backup_type = templates.get(row.get("template"))
        if row.get("datacenter") == dc_id and backup_type in BACKUP_TYPES:
            wanted.setdefault(backup_type, set()).update(g for g in row.get("attributes", []) if g in GRANULARITIES)
    for vm in vms:
        if vm["datacenter"] == dc_id:
            for backup_type, granularity in legacy_pairs(vm["metadata"]):
                wanted.setdefault(backup_type, set()).add(granularity)
    return {t: wanted[t] for t in BACKUP_TYPES if t in wanted}


def _ensure_policy(world: dict, dc: dict, backup_type: str, granularity: str, report: dict) -> dict:
    policies = world.setdefault("backuppolicies", [])
    code = policy_code(backup_type, granularity, dc["id"])
    policy = next((p for p in policies if p["datacenter"] == dc["id"] and p["code"] == code), None)
    if policy is None:
        policy = {
            "id": max((p["id"] for p in policies), default=0) + 1,
            "datacenter": dc["id"],
            "code": code,
            "name": f"{backup_type.capitalize()} {granularity.replace('_', ' ')} ({dc['name']})",
            "description": f"Made by the 3.8.5 upgrade from the {backup_type} {granularity} backups of {dc['name']}",
            "backupConfigurations": [{"type": backup_type.upper(), "period": granularity.upper()}],
        }
        policies.append(policy)
        report["policiesCreated"].append({"datacenter": dc["id"], "id": policy["id"], "code": code})
        report["configurationsAdded"].append(
            {"datacenter": dc["id"], "code": code, "type": backup_type.upper(), "period": granularity.upper()}
        )
    return policy


def _allow_everywhere(world: dict, dc_id: int, policy: dict, report: dict) -> None:
    for limit in sorted(world.get("limits", []), key=lambda lim: lim["id"]):
        allowed = limit.setdefault("backuppolicies", [])
        if limit["datacenter"] == dc_id and policy["id"] not in allowed:
            allowed.append(policy["id"])
            report["policiesAllowed"].append(
                {"enterprise": limit["enterprise"], "datacenter": dc_id, "code": policy["code"]}
            )


def _bind(vm: dict, report: dict) -> None:
    bindings: dict[str, dict[str, str]] = {}
    for backup_type, granularity in legacy_pairs(vm["metadata"]):
        bindings.setdefault(backup_type, {})[granularity] = policy_code(backup_type, granularity, vm["datacenter"])
    vm["metadata"]["policyBindings"] = bindings  # appended: every existing key keeps its place
    report["virtualMachinesBound"].append({"id": vm["id"], "name": vm["name"], "policyBindings": bindings})


def _keep_3_8_behaviour(world: dict, dc_id: int, report: dict) -> None:
    rows = world.setdefault("backupproperties", [])
    if any(r["id"] == dc_id for r in rows):
        return
    rows.append({"id": dc_id, "multipleRestore": True, "multiplePolicies": False, "updateWhileDeployed": True})
    report["propertiesWritten"].append(dc_id)


def _enable_multiple_policies(world: dict, vm: dict, report: dict) -> None:
    codes = {code for granularities in vm["metadata"]["policyBindings"].values() for code in granularities.values()}
    if len(codes) < 2:
        return
    rows = world.setdefault("backupproperties", [])
    row = next((r for r in rows if r["id"] == vm["datacenter"]), None)
    if row is None:
        row = {"id": vm["datacenter"], **{name: False for name in PROPERTY_NAMES}}
        rows.append(row)
    if not row.get("multiplePolicies"):
        row["multiplePolicies"] = True
        report["multiplePoliciesEnabled"].append(vm["datacenter"])


def upgrade_store(store: Store) -> dict:
    """Upgrade what the store holds, in one transaction; only the documents that change are written."""
    with store.transaction():
        before = store.dump()
        after, report = upgrade_world(before)
        for table, docs in after.items():
            old = {d["id"]: d for d in before.get(table, [])}
            for doc in docs:
                if old.get(doc["id"]) != doc:
                    store.put(table, doc["id"], doc)
    return report


def upgraded(world: dict) -> dict:
    """The scenario transform ``upgrade``: the world as the upgrade leaves it."""
    return upgrade_world(world)[0]
