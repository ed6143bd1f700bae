"""The ``scale`` world: the demo world grown until every collection a connector walks pages several times.

``derive: {from: demo, apply: scale, vms: N}``. At the default page size of 25 it holds 60 datacenters, 60
racks in the first datacenter, 60 machines in its first rack, at least 60 VMs on its first machine, N VMs in
the cloud-wide list, 60 backup policies in the first datacenter and 60 events. The new VMs belong to Acme's
virtual datacenter in Barcelona and take the metadata shapes a connector meets there: a legacy schedule, policy
bindings with a NOT_APPLY entry, keys it does not own, or nothing. The world is the same for the same N.
"""

from __future__ import annotations

import copy
import uuid

from ..scenarios import complete_world

PAGES = 60  # items of each walked collection: three pages of 25
FIRST_DC, FIRST_RACK, FIRST_MACHINE = 1, 1, 1
ACME_BCN = 1  # the virtual datacenter the new VMs live in (enterprise Acme, datacenter 1)
VMS_PER_APPLIANCE = 50
STATES = ("ON", "ON", "OFF", "ON", "NOT_ALLOCATED")
EVENT_EPOCH_MS = 1_763_600_000_000  # November 2025: before any event a connector causes
MIN_VMS = 150  # the first machine and the VM list page several times
# One reset builds the whole world while the server waits: 100,000 VMs take seconds and a few hundred MiB
# (fixtures/README.md has the figures); 500,000 held the server 31 s at 2.1 GB, a few million exhaust the machine.
MAX_VMS = 100_000
# The parameters `derive:` and a reset's `parameters` may give, as the contract states them (a JSON schema each).
PARAMETERS = {
    "vms": {
        "type": "integer",
        "minimum": MIN_VMS,
        "maximum": MAX_VMS,
        "description": "scale: how many VMs to add to the cloud-wide list",
    }
}


def _next_id(table: list[dict]) -> int:
    return max((doc["id"] for doc in table), default=0) + 1


def _grow(table: list[dict], count: int, make, belongs=lambda doc: True) -> None:
    """Append documents made by ``make(id, n)`` until ``table`` holds ``count`` that ``belongs``."""
    start = _next_id(table)
    for n in range(max(0, count - sum(1 for doc in table if belongs(doc)))):
        table.append(make(start + n, n))


def _infrastructure(world: dict) -> None:
    dcs = world["datacenters"]
    _grow(dcs, PAGES, lambda i, n: {"id": i, "name": f"dc-{i:03d}", "location": f"Region {i:03d}"})
    known = {p["id"] for p in world["backupproperties"]}
    world["backupproperties"] += [
        {"id": dc["id"], "multipleRestore": False, "multiplePolicies": True, "updateWhileDeployed": False}
        for dc in dcs
        if dc["id"] not in known
    ]
    rack = {"datacenter": FIRST_DC}
    _grow(world["racks"], PAGES, lambda i, n: {"id": i, "name": f"rack-bcn-{i}", **rack}, _has(rack))
    machine = {"rack": FIRST_RACK, "datacenter": FIRST_DC, "type": "VMX_04"}
    _grow(
        world["machines"],
        PAGES,
        lambda i, n: {"id": i, "name": f"esx-bcn-{i:02d}", "ip": f"10.61.{i // 250}.{i % 250 + 1}", **machine},
        _has({"rack": FIRST_RACK}),
    )


def _has(fields: dict):
    return lambda doc: all(doc.get(k) == v for k, v in fields.items())


def _policies(world: dict) -> None:
    _grow(
        world["backuppolicies"],
        PAGES,
        lambda i, n: {
            "id": i,
            "datacenter": FIRST_DC,
            "code": f"P{i:03d}",
            "name": f"Policy {i:03d}",
            "description": "Daily complete backup at a fixed time",
            "backupConfigurations": [{"type": "COMPLETE", "period": "DAILY", "time": f"{n % 24:02d}:15:00 +0000"}],
        },
        _has({"datacenter": FIRST_DC}),
    )


def _metadata(vm_id: int, n: int) -> dict | None:
    """The shapes a connector meets, in turn: legacy schedule, policy bindings with NOT_APPLY, foreign keys, none."""
    form = n % 4
    if form == 0:
        return {
            "backupSchedule": {"complete": {"daily": {"time": f"{n % 24:02d}:30:00 +0100", "disks": [str(vm_id)]}}},
            "chef": '{"run_list":["recipe[base]"]}',
        }
    if form == 1:
        return {
            # GOLD is bound whole: its nightly and its four-hourly complete backups
            "policyBindings": {
                "complete": {"daily": "GOLD", "hourly": "GOLD"},
                "filesystem": {"weekly_planned": "NAFS"},
            },
            "backupSchedule": {
                "policies": ["GOLD", "NAFS"],
                "complete": {
                    "daily": {"time": "22:00:00 +0100", "disks": [str(vm_id)]},
                    "hourly": {"time": "4", "disks": [str(vm_id)]},
                },
                "filesystem": {"weekly_planned": {"paths": ["/srv"]}},
            },
            "backupResults": {"results": []},
        }
    return {"startup-script": "#!/bin/sh\n"} if form == 2 else None


def _machines_for(world: dict) -> list[int]:
    return [m["id"] for m in world["machines"] if m["rack"] == FIRST_RACK]


def _vms(world: dict, count: int) -> None:
    machines = _machines_for(world)
    next_vapp, first_vm = _next_id(world["virtualappliances"]), _next_id(world["virtualmachines"])
    deployed = 0
    for n in range(count):
        if n % VMS_PER_APPLIANCE == 0:
            vapp = {"id": next_vapp, "name": f"scale-app-{next_vapp:03d}", "virtualdatacenter": ACME_BCN}
            world["virtualappliances"].append(vapp)
            next_vapp += 1
        vm_id, state = first_vm + n, STATES[n % len(STATES)]
        machine = None
        if state != "NOT_ALLOCATED":
            # the first machine gets every other deployed VM until it holds three pages; the rest spread out
            first_full = deployed >= 2 * PAGES
            machine = FIRST_MACHINE if deployed % 2 == 0 and not first_full else machines[deployed % len(machines)]
            deployed += 1
        world["virtualmachines"].append(
            {
                "id": vm_id,
                "name": f"scale-vm-{n:05d}",
                "uuid": str(uuid.UUID(int=vm_id)),
                "state": state,
                "virtualappliance": vapp["id"],
                "machine": machine,
                "metadata": _metadata(vm_id, n),
            }
        )


def _events(world: dict) -> None:
    events = world.setdefault("events", [])
    _grow(
        events,
        PAGES,
        lambda i, n: (
            {
                "timestamp": EVENT_EPOCH_MS + n * 60_000,
                "severity": "INFO",
                "component": "BACKUP_POLICY",
                "action": "CREATE",
                "actionPerformed": "BACKUP_POLICY_CREATE",
                "user": "admin",
                "idUser": 1,
                "idEnterprise": 1,
                "entityId": f"/admin/datacenters/{FIRST_DC}/backuppolicies/{n + 1}",
                "details": {},
            }
            | {"id": i}
        ),
    )


def scale(world: dict[str, list[dict]], vms: int = 200) -> dict[str, list[dict]]:
    """The base world grown to page everywhere, with ``vms`` more VMs (from MIN_VMS, so the first machine and
    the VM list page several times, to MAX_VMS)."""
    if type(vms) is not int or not MIN_VMS <= vms <= MAX_VMS:
        raise ValueError(f"scale: 'vms' must be an integer from {MIN_VMS} to {MAX_VMS}")
    world = copy.deepcopy(world)
    _infrastructure(world)
    _policies(world)
    _vms(world, vms)
    _events(world)
    return complete_world(world)
