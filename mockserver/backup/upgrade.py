"""The 3.8 → 3.8.5 upgrade (docs/BACKUP-RULES.md#upgrade): an Abiquo 3.8 installation becomes a 3.8.5 one, its backup
policies made from the legacy datacenter configuration.

It runs once per installation, as an upgrade does: on a world that runs 3.8 (mockserver/release.py) it converts the
data and switches the release, in one go; on a world that already runs 3.8.5 it changes nothing, whatever an
administrator did since (a policy restricted stays restricted).

For each datacenter: one policy per backup type and granularity enabled there by the legacy configuration or used by
a VM there, code ``<TYPE>-<GRANULARITY>-<datacenter id>``, with that one configuration, every schedule field left to
the VM, marked ``legacy`` so that the entries bound to it keep 3.8's rules (metadata/bindings.py). One policy per
granularity, because a VM holds whole policies: a VM that backed up only some granularities of a type is bound to
exactly those. Each policy is allowed to every enterprise with a limit in that datacenter. Each VM with a legacy
schedule gets ``policyBindings`` for its (type, granularity) pairs and nothing else: its ``backupSchedule`` and every
other key stay byte for byte as they were (no ``policies`` until its backup is next saved); a ``policyBindings`` key
a 3.8 client stored as a custom key is replaced. Every datacenter gets the backup properties that keep what 3.8 let
its users do: multiple restore (3.2.5 and later restored a backup again), multiple policies (a 3.8 VM had as many
entries as it liked, and each is now a policy) and updates while deployed (3.8 changed a deployed VM's backups). The
legacy configuration is kept.
"""

from __future__ import annotations

import copy

from .. import release
from ..events.emitters import record_policy, record_properties
from ..events.model import record_vm
from ..security import SYSTEM
from ..store import Store
from .constants import BACKUP_TYPES, GRANULARITIES, LEGACY, PROPERTY_NAMES

TARGET = release.named(release.BACKUP_POLICIES)  # what the upgrade turns a 3.8 installation into
REPORT_LISTS = ("policiesCreated", "policiesAllowed", "virtualMachinesBound", "propertiesWritten")


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
    served = release.of_world(world)
    report: dict = {name: [] for name in REPORT_LISTS}
    if served.has_policies:
        return world, {**report, "abiquo": served.name, "upgradedFrom": None, "changed": False}
    for dc in sorted(world.get("datacenters", []), key=lambda d: d["id"]):
        _keep_3_8_behaviour(world, dc["id"], report)
        wanted = _wanted_configurations(world, dc["id"])
        for backup_type, granularities in wanted.items():
            for granularity in (g for g in GRANULARITIES if g in granularities):
                policy = _ensure_policy(world, dc, backup_type, granularity, report)
                _allow_everywhere(world, dc["id"], policy, report)
    for vm in sorted(world.get("virtualmachines", []), key=lambda v: v["id"]):
        _bind(vm, report)
    others = [d for d in world.get(release.TABLE, []) if d.get("id") != release.ID]
    world[release.TABLE] = [*others, release.document(TARGET, upgradedFrom=served.name)]
    return world, {**report, "abiquo": TARGET.name, "upgradedFrom": served.name, "changed": True}


def _wanted_configurations(world: dict, dc_id: int) -> dict[str, set[str]]:
    """type -> granularities: those enabled in the legacy configuration, and those the VMs there use."""
    templates = {t["id"]: t["name"] for t in world.get("backuptemplates", [])}
    wanted: dict[str, set[str]] = {}
    for row in sorted(world.get("datacenterbackups", []), key=lambda r: r["id"]):
        backup_type = templates.get(row.get("template"))
        if row.get("datacenter") == dc_id and backup_type in BACKUP_TYPES:
            wanted.setdefault(backup_type, set()).update(g for g in row.get("attributes", []) if g in GRANULARITIES)
    for vm in world.get("virtualmachines", []):
        if vm["datacenter"] == dc_id:
            for backup_type, granularity in legacy_pairs(vm.get("metadata")):
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
            LEGACY: True,
        }
        policies.append(policy)
        report["policiesCreated"].append(
            {"datacenter": dc["id"], "id": policy["id"], "code": code, "type": backup_type.upper()}
            | {"period": granularity.upper()}
        )
    return policy


def _allow_everywhere(world: dict, dc_id: int, policy: dict, report: dict) -> None:
    for limit in sorted(world.get("limits", []), key=lambda lim: lim["id"]):
        allowed = limit.setdefault("backuppolicies", [])
        if limit["datacenter"] == dc_id and policy["id"] not in allowed:
            allowed.append(policy["id"])
            report["policiesAllowed"].append(
                {"enterprise": limit["enterprise"], "datacenter": dc_id, "code": policy["code"], "id": policy["id"]}
            )


def _bind(vm: dict, report: dict) -> None:
    metadata = vm.get("metadata")
    if not isinstance(metadata, dict):
        return
    bindings: dict[str, dict[str, str]] = {}
    for backup_type, granularity in legacy_pairs(metadata):
        bindings.setdefault(backup_type, {})[granularity] = policy_code(backup_type, granularity, vm["datacenter"])
    replaced = metadata.get("policyBindings")  # a key 3.8 stored without knowing it
    if not bindings and "policyBindings" not in metadata:
        return
    entry = {"id": vm["id"], "name": vm["name"], "policyBindings": bindings or None}
    if "policyBindings" in metadata:
        entry["replaced"] = replaced
    if bindings:
        metadata["policyBindings"] = bindings  # appended, or in the place of a 3.8 key: every other key keeps its place
    else:
        del metadata["policyBindings"]
    report["virtualMachinesBound"].append(entry)


def _keep_3_8_behaviour(world: dict, dc_id: int, report: dict) -> None:
    rows = world.setdefault("backupproperties", [])
    wanted = {"id": dc_id, **dict.fromkeys(PROPERTY_NAMES, True)}
    found = next((r for r in rows if r["id"] == dc_id), None)
    if found == wanted:
        return
    rows[:] = [r for r in rows if r["id"] != dc_id] + [wanted]
    report["propertiesWritten"].append({"datacenter": dc_id, **dict.fromkeys(PROPERTY_NAMES, True)})


def upgrade_store(store: Store) -> dict:
    """Upgrade what the store holds in one transaction, with the events of what changed; only the documents that
    change are written. Readers see the 3.8 world or the 3.8.5 one, never a part of each."""
    with store.transaction():
        before = store.dump()
        after, report = upgrade_world(before)
        for table, docs in after.items():
            old = {d["id"]: d for d in before.get(table, [])}
            for doc in docs:
                if old.get(doc["id"]) != doc:
                    store.put(table, doc["id"], doc)
        report["events"] = _record_events(store, report)
    return report


def _record_events(store: Store, report: dict) -> int:
    """What Abiquo records of each change, as the system (no user caused them): a listening connector learns that
    the VMs it backs up were bound, and one catching up finds the same in /api/events."""
    for created in report["policiesCreated"]:
        policy = store.get("backuppolicies", created["id"])
        assert policy is not None  # the upgrade just created it
        record_policy(store, SYSTEM, policy, "CREATE", None, {"DATACENTER_ID": policy["datacenter"]})
    for allowed in report["policiesAllowed"]:
        policy = store.get("backuppolicies", allowed["id"])
        assert policy is not None  # the upgrade just allowed it
        record_policy(store, SYSTEM, policy, "ALLOW", allowed["enterprise"], {"ENTERPRISE_ID": allowed["enterprise"]})
    for written in report["propertiesWritten"]:
        record_properties(store, SYSTEM, written["datacenter"], {name: written[name] for name in PROPERTY_NAMES})
    for bound in report["virtualMachinesBound"]:
        vm = store.get("virtualmachines", bound["id"])
        assert vm is not None  # the upgrade just bound it
        record_vm(store, SYSTEM, vm, "METADATA_MODIFIED")
    return sum(len(report[name]) for name in REPORT_LISTS)


def upgraded(world: dict) -> dict:
    """The scenario transform ``upgrade``: the world as the upgrade leaves it (without the events of a live one)."""
    return upgrade_world(world)[0]
