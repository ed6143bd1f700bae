"""The event log (spec §8): what the API did, for connectors catching up after downtime (/api/events).

Each successful write of the backup surface records one event in the same transaction as the write, so an
acknowledged change always has its event and a refused one never does. Names follow Abiquo's event
catalogue; the JSON spelling of the fields is reconstructed from the getters of Abiquo's event DTO.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ..security import User
from ..store import Store

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
) -> None:
    event = {
        "timestamp": int(time.time() * 1000),
        "severity": "INFO",
        "component": component,
        "action": action,
        "actionPerformed": f"{component}_{action}",
        "user": user.nick,
        "idUser": user.id,
        "userUri": user_uri(user),
        "idEnterprise": enterprise,
        "entityId": entity,
        "details": details or {},
    }
    if vm is not None:
        event.update(virtualMachine=vm["name"], idVirtualMachine=vm["id"])
    with store.transaction():
        event_id = store.insert(TABLE, event)
        if event_id > KEPT:
            store.delete(TABLE, event_id - KEPT)


def user_uri(user: User) -> str:
    """The end of the user's edit link: how the stream names who caused an event."""
    return f"/admin/enterprises/{user.enterprise}/users/{user.id}"


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


def visible(store: Store, user: User, since_ms: int) -> list[dict]:
    everything = user.can("ENTERPRISE_ADMINISTER_ALL")
    return [
        e
        for e in store.all(TABLE)
        if e["timestamp"] >= since_ms and (everything or e.get("idEnterprise") == user.enterprise)
    ]


@dataclass(frozen=True)
class Emitter:
    """How one operation turns its path values, its answer and the state before it into events."""

    before: Callable[[Store, dict], object] | None
    emit: Callable[[Store, User, dict, object, object], None]
