"""What the console shows of the world: the infrastructure and tenancy tree, and one row per VM for a list
that stays fast at 10,000 VMs (rows are built once per store generation, then filtered and paged).

These are read models for people, not Abiquo documents: names are resolved, and each VM says at a glance
whether it has a backup schedule and whether a policy it is bound to leaves a field NOT_APPLY.
"""

from __future__ import annotations

import threading
import weakref

from .. import release
from ..backup.constants import NOT_APPLY, PERIOD_FIELDS
from ..backup.model import bound_codes, properties
from ..errors import AbiquoError
from ..infrastructure.model import datacenter
from ..store import Store

ROW_FIELDS = ("id", "name", "state", "datacenter", "enterprise", "machine")
MAX_PAGE = 500
_rows_lock = threading.Lock()


def _names(store: Store, table: str) -> dict[object, str]:
    return {doc["id"]: doc.get("name", str(doc["id"])) for doc in store.all(table)}


def policy_has_not_apply(policy: dict) -> bool:
    return any(
        value == NOT_APPLY
        for configuration in policy.get("backupConfigurations", [])
        for value in (configuration.get("time"), configuration.get("days"), configuration.get("date"))
    )


def overview(store: Store) -> dict:
    """Datacenters → racks → machines (with how many VMs each holds), enterprises → limits → allowed policies."""
    with store.lock:
        policies = store.all("backuppolicies")
        placed: dict[int, int] = {}
        for vm in store.all("virtualmachines"):
            if vm.get("machine") is not None:
                placed[vm["machine"]] = placed.get(vm["machine"], 0) + 1
        return {
            "abiquo": release.of(store).name,
            "datacenters": [_datacenter(store, dc, policies, placed) for dc in store.all("datacenters")],
            "enterprises": _enterprises(store, policies),
            "counts": _counts(store),
        }


def _datacenter(store: Store, dc: dict, policies: list[dict], placed: dict[int, int]) -> dict:
    machines = store.all("machines")
    return {
        "id": dc["id"],
        "name": dc.get("name"),
        "location": dc.get("location"),
        "properties": properties(store, dc["id"]),
        "policies": [
            {"id": p["id"], "code": p["code"], "name": p.get("name"), "notApply": policy_has_not_apply(p)}
            for p in policies
            if p["datacenter"] == dc["id"]
        ],
        "racks": [
            {
                "id": rack["id"],
                "name": rack.get("name"),
                "machines": [
                    {
                        "id": m["id"],
                        "name": m.get("name"),
                        "ip": m.get("ip"),
                        "type": m.get("type"),
                        "vms": placed.get(m["id"], 0),
                    }
                    for m in machines
                    if m["rack"] == rack["id"]
                ],
            }
            for rack in store.find("racks", datacenter=dc["id"])
        ],
    }


def _enterprises(store: Store, policies: list[dict]) -> list[dict]:
    codes = {p["id"]: p["code"] for p in policies}
    datacenters = _names(store, "datacenters")
    limits = store.all("limits")
    return [
        {
            "id": e["id"],
            "name": e.get("name"),
            "limits": [
                {
                    "id": lim["id"],
                    "datacenter": lim["datacenter"],
                    "datacenterName": datacenters.get(lim["datacenter"]),
                    "allowed": [
                        {"id": pid, "code": codes.get(pid, f"#{pid}")} for pid in lim.get("backuppolicies", [])
                    ],
                }
                for lim in limits
                if lim["enterprise"] == e["id"]
            ],
        }
        for e in store.all("enterprises")
    ]


def _counts(store: Store) -> dict:
    return {table: store.count(table) for table in ("datacenters", "enterprises", "virtualmachines", "events")}


# --- the VM list ----------------------------------------------------------------------------------------


CONTEXT_TABLES = ("datacenters", "enterprises", "machines", "backuppolicies")


class _Kept:
    """The rows of one store at one generation, and the documents they were built from: stored documents are
    never changed in place, so a VM whose document is the same object keeps its row after a write."""

    def __init__(self, generation: int, context: tuple, built: dict[int, tuple[dict, dict]], rows: list[dict]):
        self.generation, self.context, self.built, self.rows = generation, context, built, rows


_kept: weakref.WeakKeyDictionary[Store, _Kept] = weakref.WeakKeyDictionary()  # store -> what was built last


def _same(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def rows(store: Store) -> list[dict]:
    """One summary per VM, kept until the store changes; after a write only the changed VMs are rebuilt."""
    with _rows_lock:
        kept = _kept.get(store)
        if kept and kept.generation == store.generation:
            return kept.rows
    with store.lock:
        generation = store.generation
        context = tuple(doc for table in CONTEXT_TABLES for doc in store.all(table))
        reusable = kept.built if kept and _same(kept.context, context) else {}
        names = _Names(store)
        built, result = {}, []
        for vm in store.all("virtualmachines"):
            previous = reusable.get(vm["id"])
            row = previous[1] if previous and previous[0] is vm else _row(vm, names)
            built[vm["id"]] = (vm, row)
            result.append(row)
    with _rows_lock:
        _kept[store] = _Kept(generation, context, built, result)
    return result


class _Names:
    def __init__(self, store: Store):
        self.datacenters, self.enterprises = _names(store, "datacenters"), _names(store, "enterprises")
        self.machines = _names(store, "machines")
        self.not_apply = {(p["datacenter"], p["code"]) for p in store.all("backuppolicies") if policy_has_not_apply(p)}


def _row(vm: dict, names: _Names) -> dict:
    metadata = found if isinstance(found := vm.get("metadata"), dict) else {}
    codes = sorted(bound_codes(metadata))
    row = {
        "id": vm["id"],
        "name": vm.get("name", ""),
        "state": vm.get("state"),
        "datacenter": vm.get("datacenter"),
        "datacenterName": names.datacenters.get(vm.get("datacenter")),
        "enterprise": vm.get("enterprise"),
        "enterpriseName": names.enterprises.get(vm.get("enterprise")),
        "machine": vm.get("machine"),
        "machineName": names.machines.get(vm.get("machine")),
        "hasSchedule": isinstance(metadata.get("backupSchedule"), dict),
        "policies": codes,
        "notApply": any((vm.get("datacenter"), code) in names.not_apply for code in codes),
    }
    row["_text"] = " ".join(str(v) for v in (vm["id"], row["name"], vm.get("uuid", ""), *codes)).lower()
    return row


def vm_page(store: Store, search: str, filters: dict[str, object], startwith: int, limit: int) -> dict:
    """The VMs whose id, name, uuid or policy code contains ``search`` and that match ``filters``, paged."""
    if limit > MAX_PAGE:
        raise AbiquoError("GEN-22", f"Invalid value for query parameter 'limit': at most {MAX_PAGE}")
    words = search.lower().split()
    hits = [
        row
        for row in rows(store)
        if all(w in row["_text"] for w in words) and all(row.get(k) == v for k, v in filters.items())
    ]
    page = [{k: v for k, v in row.items() if k != "_text"} for row in hits[startwith : startwith + limit]]
    return {"collection": page, "totalSize": len(hits), "startwith": startwith, "limit": limit}


# --- a datacenter's backup properties and policies ------------------------------------------------------


def datacenter_view(store: Store, dc_id: int) -> dict:
    """The datacenter's three properties and each policy's configurations, every field with its mode."""
    with store.lock:
        dc = datacenter(store, dc_id)
        return {
            "id": dc["id"],
            "name": dc.get("name"),
            "properties": properties(store, dc_id),
            "policies": [
                {
                    "id": p["id"],
                    "code": p["code"],
                    "name": p.get("name"),
                    "description": p.get("description", ""),
                    "configurations": [_modes(c) for c in p.get("backupConfigurations", [])],
                    "boundVms": [
                        {"id": row["id"], "name": row["name"]}
                        for row in rows(store)
                        if row["datacenter"] == dc_id and p["code"] in row["policies"]
                    ],
                }
                for p in store.find("backuppolicies", datacenter=dc_id)
            ],
        }


def _modes(configuration: dict) -> dict:
    fields = []
    for name in PERIOD_FIELDS[configuration["period"]]:
        value = configuration.get(name)
        mode = "vm" if value is None else ("not-apply" if value == NOT_APPLY else "policy")
        fields.append({"field": name, "mode": mode, "value": value})
    return {"type": configuration["type"], "period": configuration["period"], "fields": fields}
