"""The event log (docs/BACKUP-RULES.md#events): what the API did, for connectors catching up after downtime
(/api/events).

Each successful write of the backup surface records one event in the same transaction as the write, so an
acknowledged change always has its event and a refused one never does. Names follow Abiquo's event
catalogue; the JSON spelling of the fields is reconstructed from the getters of Abiquo's event DTO.
"""

from __future__ import annotations

import time

from ..infrastructure.render import vm_path
from ..security import User
from ..store import Store
from . import index

TABLE = "events"
KEPT = 10_000  # the newest events kept; older ones are dropped as new ones arrive


def record(
    store: Store,
    user: User,
    component: str,
    action: str,
    *,
    enterprise: int | None,
    entity: str,
    vm: dict | None = None,
    details: dict | None = None,
    datacenter: int | None = None,
    severity: str = "INFO",
) -> None:
    """Store one event. The record holds what both readers need: /api/events renders Abiquo's event DTO from it
    (names and ids of every entity involved, ISO-8601 time) and the event stream its own shape (entity URI,
    user URI, epoch milliseconds, the details map)."""
    event = {
        "timestamp": int(time.time() * 1000),
        "severity": severity,
        "component": component,
        "action": action,
        "actionPerformed": f"{component}_{action}",
        "user": user.nick,
        "idUser": None if user.system else user.id,
        "userUri": user_uri(user),
        "idEnterprise": enterprise,
        "entityId": entity,
        "details": {**(vm_details(store, vm) if vm is not None else {}), **(details or {})},
        **involved(store, enterprise, vm, datacenter),
    }
    with store.transaction():
        event_id = store.insert(TABLE, event)
        if event_id > KEPT:
            store.delete(TABLE, event_id - KEPT)


def page(
    store: Store, user: User, since_ms: int, startwith: int, limit: int, asc: bool
) -> tuple[list[dict], int] | None:
    """One page of the events ``user`` sees at or after ``since_ms`` in time order (limit 0: all the rest)
    and how many there are in all, read from the index without sorting; None when the index cannot say."""
    found = index.of(store, TABLE).since(store, since_ms)
    if found is None:
        return None
    events, first = found
    if not user.can("ENTERPRISE_ADMINISTER_ALL"):
        events, first = [e for e in events[first:] if e.get("idEnterprise") == user.enterprise], 0
    total = len(events) - first
    if asc:
        return events[first + startwith : (first + startwith + limit) if limit else None], total
    end = len(events) - min(startwith, total)
    return events[max(first, end - limit) if limit else first : end][::-1], total


def _named(doc: dict | None, name: str, id_name: str) -> dict:
    return {name: doc.get("name") if doc else None, id_name: doc.get("id") if doc else None}


def involved(store: Store, enterprise: int | None, vm: dict | None, datacenter: int | None) -> dict:
    """Names and ids of the entities an event concerns, as Abiquo's event DTO carries them."""
    vapp = store.get("virtualappliances", vm["virtualappliance"]) if vm else None
    vdc = store.get("virtualdatacenters", vapp["virtualdatacenter"]) if vapp else None
    machine = store.get("machines", vm["machine"]) if vm and vm.get("machine") else None
    rack = store.get("racks", machine["rack"]) if machine else None
    dc_id = vdc["datacenter"] if vdc else datacenter
    return {
        **_named(store.get("enterprises", enterprise) if enterprise else None, "enterprise", "idEnterprise"),
        **_named(store.get("datacenters", dc_id) if dc_id else None, "datacenter", "idDatacenter"),
        **_named(rack, "rack", "idRack"),
        **_named(machine, "physicalMachine", "idPhysicalMachine"),
        **_named(vdc, "virtualDatacenter", "idVirtualDatacenter"),
        **_named(vapp, "virtualApp", "idVirtualApp"),
        **_named(vm, "virtualMachine", "idVirtualMachine"),
    }


def user_uri(user: User) -> str:
    """The end of the user's edit link: how the stream names who caused an event (the installation's own changes
    name no user's link)."""
    return user.nick if user.system else f"/admin/enterprises/{user.enterprise}/users/{user.id}"


def record_vm(store: Store, user: User, vm: dict, action: str, details: dict | None = None) -> None:
    """A VIRTUAL_MACHINE event about ``vm``: where it runs and its state, with ``details`` over them."""
    record(
        store,
        user,
        "VIRTUAL_MACHINE",
        action,
        enterprise=vm["enterprise"],
        entity=vm_path(vm),
        vm=vm,
        details=details,
    )


def vm_details(store: Store, vm: dict) -> dict:
    """What a connector reads from any VM event: the VM, where it runs and its state."""
    machine = store.get("machines", vm["machine"]) if vm.get("machine") else None
    details = {
        "VIRTUAL_MACHINE_ID": str(vm["id"]),
        "VIRTUAL_MACHINE_NAME": vm["name"],
        "VIRTUAL_MACHINE_STATE": vm["state"],
    }
    if machine is not None:
        details.update(
            MACHINE_NAME=machine["name"], HYPERVISOR_IP=machine.get("ip", ""), HYPERVISOR_TYPE=machine.get("type", "")
        )
    return details


def visible(store: Store, user: User, since_ms: int, until_ms: int | None = None) -> list[dict]:
    everything = user.can("ENTERPRISE_ADMINISTER_ALL")
    return [
        e
        for e in store.all(TABLE)
        if since_ms <= e["timestamp"]
        and (until_ms is None or e["timestamp"] <= until_ms)
        and (everything or e.get("idEnterprise") == user.enterprise)
    ]
