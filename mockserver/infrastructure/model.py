"""The infrastructure and tenancy the backup surface stands on: datacenters, racks, machines, enterprises,
virtual datacenters, virtual appliances and virtual machines. Lookups here enforce visibility:
another tenant's entity is reported as not found."""

from __future__ import annotations

from .. import ordering
from ..errors import AbiquoError
from ..ordering import Selection
from ..security import User
from ..store import Store
from .constants import NOT_DEPLOYED, VM_STATES


def is_deployed(vm: dict) -> bool:
    return vm.get("state") != NOT_DEPLOYED


# The VMs deployed on each machine (what a connector crawling the infrastructure backs up), and those deployed in
# each virtual appliance (one makes the appliance deployed).
DEPLOYED_ON = ordering.Grouping(
    "virtualmachines", "deployed on a machine", lambda vm: (vm.get("machine"),) if is_deployed(vm) else ()
)
DEPLOYED_IN = ordering.Grouping(
    "virtualmachines", "deployed in an appliance", lambda vm: (vm.get("virtualappliance"),) if is_deployed(vm) else ()
)


def _must(doc: dict | None, code: str) -> dict:
    if doc is None:
        raise AbiquoError(code)
    return doc


def belonging(store: Store, table: str, doc_id: int, code: str, message: str | None = None, **owner) -> dict:
    """The document ``doc_id`` of ``table`` when it belongs to ``owner`` (e.g. ``datacenter=1``); else ``code``,
    so that an entity reached under the wrong parent is as unknown as one that does not exist."""
    found = store.get(table, doc_id)
    if found is None or any(found.get(field) != value for field, value in owner.items()):
        raise AbiquoError(code, message)
    return found


def datacenter(store: Store, dc_id: int) -> dict:
    return _must(store.get("datacenters", dc_id), "DC-0")


def datacenters(store: Store) -> Selection:
    return ordering.select(store, ordering.whole("datacenters"))


def racks(store: Store, dc_id: int) -> Selection:
    datacenter(store, dc_id)
    return ordering.where(store, "racks", datacenter=dc_id)


def allowed_datacenter_ids(store: Store, enterprise_id: int) -> set[int]:
    """The datacenters an enterprise may use: those it has a limit for."""
    return {limit["datacenter"] for limit in store.find("limits", enterprise=enterprise_id)}


def locations(store: Store, user: User) -> list[dict]:
    allowed = allowed_datacenter_ids(store, user.enterprise)
    return [dc for dc in store.all("datacenters") if dc["id"] in allowed]


def location(store: Store, user: User, loc_id: int) -> dict:
    if loc_id not in allowed_datacenter_ids(store, user.enterprise):
        raise AbiquoError("DC-0")
    return datacenter(store, loc_id)


def rack(store: Store, dc_id: int, rack_id: int) -> dict:
    datacenter(store, dc_id)
    return belonging(store, "racks", rack_id, "RACK-4", datacenter=dc_id)


def machines(store: Store, dc_id: int, rack_id: int) -> Selection:
    rack(store, dc_id, rack_id)
    return ordering.where(store, "machines", rack=rack_id)


def machine(store: Store, dc_id: int, rack_id: int, machine_id: int) -> dict:
    rack(store, dc_id, rack_id)
    return belonging(store, "machines", machine_id, "MACHINE-0", rack=rack_id)


def machine_vms(store: Store, machine_id: int) -> Selection:
    """The VMs deployed on a machine: how connectors find what to back up."""
    return ordering.select(store, DEPLOYED_ON, machine_id)


def enterprises(store: Store, user: User) -> list[dict]:
    if user.can("ENTERPRISE_ENUMERATE"):
        return store.all("enterprises")
    return [e for e in store.all("enterprises") if e["id"] == user.enterprise]


def enterprise(store: Store, user: User, enterprise_id: int) -> dict:
    if not user.sees_enterprise(enterprise_id):
        raise AbiquoError("EN-0")
    return _must(store.get("enterprises", enterprise_id), "EN-0")


def virtual_datacenters(store: Store, user: User) -> list[dict]:
    return [v for v in store.all("virtualdatacenters") if user.sees_enterprise(v["enterprise"])]


def virtual_datacenter(store: Store, user: User, vdc_id: int) -> dict:
    found = store.get("virtualdatacenters", vdc_id)
    if found is None or not user.sees_enterprise(found["enterprise"]):
        raise AbiquoError("VDC-0")
    return found


def virtual_appliances(store: Store, user: User, vdc_id: int) -> Selection:
    virtual_datacenter(store, user, vdc_id)
    return ordering.where(store, "virtualappliances", virtualdatacenter=vdc_id)


def virtual_appliance(store: Store, user: User, vdc_id: int, vapp_id: int) -> dict:
    virtual_datacenter(store, user, vdc_id)
    return belonging(store, "virtualappliances", vapp_id, "VAPP-0", virtualdatacenter=vdc_id)


def is_appliance_deployed(store: Store, vapp_id: int) -> bool:
    return bool(ordering.select(store, DEPLOYED_IN, vapp_id))


def appliance_vms(store: Store, user: User, vdc_id: int, vapp_id: int) -> Selection:
    virtual_appliance(store, user, vdc_id, vapp_id)
    return ordering.where(store, "virtualmachines", virtualappliance=vapp_id)


def virtual_machine(store: Store, user: User, vdc_id: int, vapp_id: int, vm_id: int) -> dict:
    virtual_appliance(store, user, vdc_id, vapp_id)
    return belonging(store, "virtualmachines", vm_id, "VM-1", virtualappliance=vapp_id)


def visible_virtual_machines(store: Store, user: User) -> Selection:
    if user.can("ENTERPRISE_ADMINISTER_ALL"):  # as User.sees_enterprise decides
        return ordering.select(store, ordering.whole("virtualmachines"))
    return ordering.where(store, "virtualmachines", enterprise=user.enterprise)


def set_vm_state(store: Store, vm_id: int, state: str) -> dict:
    """Deploy or undeploy a VM as QA needs it: a deployed VM sits on a machine of its datacenter."""
    if state not in VM_STATES:
        raise AbiquoError("CTRL-3", f"Invalid virtual machine state '{state}': one of {', '.join(VM_STATES)}")
    with store.transaction():
        vm = dict(_must(store.get("virtualmachines", vm_id), "VM-1"))
        vm["state"] = state
        if state == NOT_DEPLOYED:
            vm["machine"] = None
        elif vm.get("machine") is None:
            vm["machine"] = first_machine(store, vm["datacenter"])
        store.put("virtualmachines", vm_id, vm)
    return vm


def first_machine(store: Store, dc_id: int) -> int:
    racks = {r["id"] for r in store.find("racks", datacenter=dc_id)}
    machines = [m for m in store.all("machines") if m["rack"] in racks]
    if not machines:
        raise AbiquoError("CTRL-3", f"Datacenter {dc_id} has no machine to deploy on")
    return machines[0]["id"]
