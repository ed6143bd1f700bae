"""A store file holding the demo world plus N generated VMs, as a connector crawling a big cloud sees it."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path

from abiquo_mock.mockserver import scenarios
from abiquo_mock.mockserver.store import Store

VMS_PER_APPLIANCE = 100
STATES = ("ON", "ON", "OFF", "NOT_ALLOCATED")
# The demo's virtual datacenters, and the machines of each one's datacenter.
HOSTS = {1: (1, 2), 2: (3,), 3: (1, 2), 4: (1, 2)}


def build_world(vm_count: int) -> dict[str, list[dict]]:
    """The demo world with ``vm_count`` more VMs, 100 to a virtual appliance, one in four with metadata."""
    world = scenarios.world("demo")
    sample_metadata = next(vm["metadata"] for vm in world["virtualmachines"] if vm.get("metadata"))
    next_vapp = max(v["id"] for v in world["virtualappliances"]) + 1
    next_vm = max(v["id"] for v in world["virtualmachines"]) + 1
    vdcs = sorted(HOSTS)
    for n in range(vm_count):
        if n % VMS_PER_APPLIANCE == 0:
            vapp = {"id": next_vapp, "name": f"bench-app-{next_vapp}", "virtualdatacenter": vdcs[next_vapp % len(vdcs)]}
            world["virtualappliances"].append(vapp)
            next_vapp += 1
        state = STATES[n % len(STATES)]
        machines = HOSTS[vapp["virtualdatacenter"]]
        world["virtualmachines"].append(
            {
                "id": next_vm + n,
                "name": f"bench-vm-{n:05d}",
                "uuid": str(uuid.UUID(int=next_vm + n)),
                "state": state,
                "cpu": 1 + n % 4,
                "ram": 1024 * (1 + n % 8),
                "virtualappliance": vapp["id"],
                "machine": None if state == "NOT_ALLOCATED" else machines[n % len(machines)],
                "metadata": copy.deepcopy(sample_metadata) if n % 4 == 0 else None,
            }
        )
    return scenarios.complete_world(world)


def write_store(path: Path, vm_count: int) -> dict[str, list[dict]]:
    """Write the world into a new store file at ``path`` and return it."""
    world = build_world(vm_count)
    with Store(path) as store:
        store.replace_all(world)
    return world


def vm_paths(world: dict[str, list[dict]], limit: int = 500) -> list[str]:
    """API paths of up to ``limit`` VMs spread over the whole table."""
    vms = world["virtualmachines"]
    step = max(1, len(vms) // limit)
    return [
        f"/api/cloud/virtualdatacenters/{vm['virtualdatacenter']}/virtualappliances/"
        f"{vm['virtualappliance']}/virtualmachines/{vm['id']}"
        for vm in vms[::step]
    ]
