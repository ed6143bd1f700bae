"""One VM as a person reads it: its schedule as a type × granularity table whose every value says where it
comes from (fixed by the policy, defined in the VM, or NOT_APPLY: the backup system decides), its bindings
with the policies they name, its results, the keys the backup surface does not own, and the stored document.
"""

from __future__ import annotations

from ..backup.constants import BACKUP_TYPES, GRANULARITIES, NOT_APPLY, WEEKDAYS
from ..backup.model import policy_by_code
from ..errors import AbiquoError
from ..metadata.constants import POLICIES_KEY
from ..store import Store
from .acting import actor

OWNED_KEYS = ("backupSchedule", "policyBindings", "backupResults")
POLICY, IN_VM, NOT_APPLIED, UNKNOWN = "policy", "vm", "not-apply", "unknown"
# The policy field that governs each schedule field of a granularity (disks and paths are always the VM's).
GOVERNED = {"time": "time", "date": "date", "days": "days"}


def view(store: Store, vm_id: int) -> dict:
    with store.lock:
        vm = store.get("virtualmachines", vm_id)
        if vm is None:
            raise AbiquoError("VM-1")
        metadata = found if isinstance(found := vm.get("metadata"), dict) else {}
        bindings = _bindings(store, vm, metadata)
        return {
            "id": vm["id"],
            "name": vm.get("name"),
            "state": vm.get("state"),
            "deployed": vm.get("state") != "NOT_ALLOCATED",
            "datacenter": _named(store, "datacenters", vm.get("datacenter")),
            "enterprise": _named(store, "enterprises", vm.get("enterprise")),
            "machine": _named(store, "machines", vm.get("machine")),
            "virtualdatacenter": _named(store, "virtualdatacenters", vm.get("virtualdatacenter")),
            "virtualappliance": _named(store, "virtualappliances", vm.get("virtualappliance")),
            "apiPath": (
                f"/api/cloud/virtualdatacenters/{vm.get('virtualdatacenter')}/virtualappliances/"
                f"{vm.get('virtualappliance')}/virtualmachines/{vm['id']}"
            ),
            "schedule": schedule_table(metadata.get("backupSchedule"), bindings),
            "serverPolicies": _server_policies(metadata.get("backupSchedule")),
            "bindings": [{k: v for k, v in b.items() if k != "configuration"} for b in bindings.values()],
            "results": _results(metadata.get("backupResults")),
            "customKeys": {k: v for k, v in metadata.items() if k not in OWNED_KEYS},
            "document": vm,
            "actor": restore_actor(store, vm),
        }


def restore_actor(store: Store, vm: dict) -> dict | None:
    """The user of the world, by nick, as whom the console requests this VM's restores through the API (the
    server sends the request: acting.py), so that it goes through the API like any other and a replay works."""
    nick = actor(store, "VAPP_RESTORE_BACKUP", vm.get("enterprise"))
    return {"user": nick} if nick else None


def _named(store: Store, table: str, doc_id: object) -> dict | None:
    doc = store.get(table, doc_id) if isinstance(doc_id, int) else None
    return {"id": doc["id"], "name": doc.get("name")} if doc else None


def _bindings(store: Store, vm: dict, metadata: dict) -> dict[tuple[str, str], dict]:
    raw = metadata.get("policyBindings")
    found = {}
    for backup_type, granularities in (raw if isinstance(raw, dict) else {}).items():
        for granularity, code in (granularities if isinstance(granularities, dict) else {}).items():
            policy = policy_by_code(store, vm["datacenter"], code) if isinstance(code, str) else None
            configuration = next(
                (
                    c
                    for c in (policy or {}).get("backupConfigurations", [])
                    if (c["type"], c["period"]) == (str(backup_type).upper(), str(granularity).upper())
                ),
                None,
            )
            found[(backup_type, granularity)] = {
                "type": backup_type,
                "granularity": granularity,
                "code": code,
                "policy": {"id": policy["id"], "datacenter": policy["datacenter"], "name": policy.get("name")}
                if policy
                else None,
                "configuration": configuration,
            }
    return found


def field_source(binding: dict | None, governing: str | None) -> str:
    """Where a schedule field's value comes from, given the binding of its entry."""
    if binding is None or governing is None:
        return IN_VM  # an unbound (legacy) entry: every value is the VM's own
    configuration = binding["configuration"]
    if configuration is None:
        return UNKNOWN  # the binding names a policy, or a configuration, that is not there
    value = configuration.get(governing)
    if value is None:
        return IN_VM
    return NOT_APPLIED if value == NOT_APPLY else POLICY


def _fields(granularity: str, entry: dict, binding: dict | None) -> list[dict]:
    time = entry.get("time")
    fields = []
    if granularity == "defined_hour":
        date, _, clock = str(time).partition(" ") if isinstance(time, str) else (None, "", None)
        fields += [
            {"field": "date", "value": date, "source": field_source(binding, "date")},
            {"field": "time", "value": clock or None, "source": field_source(binding, "time")},
        ]
    else:
        fields.append({"field": "time", "value": time, "source": field_source(binding, "time")})
    if granularity == "weekly_planned":
        days = [day for day in WEEKDAYS if entry.get(day) in ("true", True)]
        fields.append({"field": "days", "value": days or None, "source": field_source(binding, "days")})  # type: ignore[dict-item]
    for key in ("disks", "paths"):
        if key in entry:
            fields.append({"field": key, "value": entry[key], "source": IN_VM})
    return fields


def schedule_table(schedule: object, bindings: dict[tuple[str, str], dict]) -> dict:
    """Rows are backup types, columns granularities; an empty cell is None."""
    schedule = schedule if isinstance(schedule, dict) else {}
    cells = {}
    for backup_type in BACKUP_TYPES:
        for granularity in GRANULARITIES:
            entry = (
                (schedule.get(backup_type) or {}).get(granularity)
                if isinstance(schedule.get(backup_type), dict)
                else None
            )
            binding = bindings.get((backup_type, granularity))
            if entry is None and binding is None:
                continue
            fields = _fields(granularity, entry if isinstance(entry, dict) else {}, binding)
            cells[f"{backup_type}/{granularity}"] = {
                "code": binding["code"] if binding else None,
                "policy": binding["policy"] if binding else None,
                "fields": fields,
                "notApply": any(f["source"] == NOT_APPLIED for f in fields),
            }
    return {"types": list(BACKUP_TYPES), "granularities": list(GRANULARITIES), "cells": cells}


def _server_policies(schedule: object) -> list | None:
    return schedule.get(POLICIES_KEY) if isinstance(schedule, dict) else None


def _results(block: object) -> list[dict]:
    results = block.get("results") if isinstance(block, dict) else None
    return [r for r in results if isinstance(r, dict)] if isinstance(results, list) else []
