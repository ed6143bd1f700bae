"""Infrastructure and tenancy endpoints: what connectors crawl to find the VMs to back up."""

from __future__ import annotations

from flask import Blueprint, g, request

from .. import release
from ..extensions import store_of
from ..http.api import operation
from ..http.paging import BY_NAME, collection
from . import model, render
from .constants import (
    BY_NAME_OR_LOCATION,
    DATACENTER,
    ENTERPRISE,
    VIRTUAL_APPLIANCE,
    VIRTUAL_DATACENTER,
    VIRTUAL_MACHINE,
)

bp = Blueprint("infrastructure", __name__)
DC = DATACENTER
RACK = f"{DC}/racks/<int:rack>"
MACHINE = f"{RACK}/machines/<int:machine>"
ENT = ENTERPRISE
VDC = VIRTUAL_DATACENTER
VAPP = VIRTUAL_APPLIANCE
VM_SORT = ("name", "id", "state")


@operation(
    bp,
    "GET",
    "/admin/datacenters",
    op_id="listDatacenters",
    produces="datacenters",
    privilege="PHYS_DC_ENUMERATE",
    paged=BY_NAME_OR_LOCATION,
    label="verified",
    links={"GetDatacenter": ("getDatacenter", {"dc": "$response.body#/collection/0/id"})},
)
def list_datacenters():
    policies = release.of(store_of()).has_policies
    return collection(
        model.datacenters(store_of()),
        media="datacenters",
        sort_keys=BY_NAME_OR_LOCATION,
        render=lambda dc: render.datacenter(dc, policies),
    )


@operation(
    bp,
    "GET",
    DC,
    op_id="getDatacenter",
    produces="datacenter",
    privilege="PHYS_DC_ENUMERATE",
    errors=("DC-0",),
    label="verified",
    links={
        "ListRacks": ("listRacks", {"dc": "$request.path.dc"}),
        "ListBackupPolicies": ("listBackupPolicies", {"dc": "$request.path.dc"}),
        "GetBackupProperties": ("getBackupProperties", {"dc": "$request.path.dc"}),
    },
)
def get_datacenter(dc):
    return render.datacenter(model.datacenter(store_of(), dc), release.of(store_of()).has_policies)


@operation(
    bp,
    "GET",
    f"{DC}/racks",
    op_id="listRacks",
    produces="racks",
    privilege="PHYS_DC_ENUMERATE",
    errors=("DC-0",),
    paged=BY_NAME,
    label="verified",
    links={"GetRack": ("getRack", {"dc": "$request.path.dc", "rack": "$response.body#/collection/0/id"})},
)
def list_racks(dc):
    return collection(model.racks(store_of(), dc), media="racks", sort_keys=BY_NAME, render=render.rack)


@operation(
    bp,
    "GET",
    RACK,
    op_id="getRack",
    produces="rack",
    privilege="PHYS_DC_ENUMERATE",
    errors=("DC-0", "RACK-4"),
    label="verified",
    links={"ListMachines": ("listMachines", {"dc": "$request.path.dc", "rack": "$request.path.rack"})},
)
def get_rack(dc, rack):
    return render.rack(model.rack(store_of(), dc, rack))


@operation(
    bp,
    "GET",
    f"{RACK}/machines",
    op_id="listMachines",
    produces="machines",
    privilege="PHYS_DC_ENUMERATE",
    errors=("DC-0", "RACK-4"),
    paged=BY_NAME,
    label="verified",
    links={
        "GetMachine": (
            "getMachine",
            {"dc": "$request.path.dc", "rack": "$request.path.rack", "machine": "$response.body#/collection/0/id"},
        )
    },
)
def list_machines(dc, rack):
    return collection(
        model.machines(store_of(), dc, rack),
        media="machines",
        sort_keys=BY_NAME,
        render=lambda m: render.machine(m, dc),
    )


@operation(
    bp,
    "GET",
    MACHINE,
    op_id="getMachine",
    produces="machine",
    privilege="PHYS_DC_ENUMERATE",
    errors=("DC-0", "RACK-4", "MACHINE-0"),
    label="verified",
    links={
        "ListMachineVirtualMachines": (
            "listMachineVirtualMachines",
            {"dc": "$request.path.dc", "rack": "$request.path.rack", "machine": "$request.path.machine"},
        )
    },
)
def get_machine(dc, rack, machine):
    return render.machine(model.machine(store_of(), dc, rack, machine), dc)


@operation(
    bp,
    "GET",
    f"{MACHINE}/virtualmachines",
    op_id="listMachineVirtualMachines",
    produces="virtualmachines",
    privilege="PHYS_DC_ENUMERATE",
    errors=("DC-0", "RACK-4", "MACHINE-0"),
    paged=VM_SORT,
    label="verified",
    summary="The VMs deployed on a machine",
)
def list_machine_virtual_machines(dc, rack, machine):
    model.machine(store_of(), dc, rack, machine)
    return collection(
        model.machine_vms(store_of(), machine),
        media="virtualmachines",
        sort_keys=VM_SORT,
        render=render.virtual_machine,
    )


@operation(
    bp,
    "GET",
    "/admin/enterprises",
    op_id="listEnterprises",
    produces="enterprises",
    paged=BY_NAME,
    label="verified",
    links={"GetEnterprise": ("getEnterprise", {"enterprise": "$response.body#/collection/0/id"})},
)
def list_enterprises():
    return collection(
        model.enterprises(store_of(), g.user), media="enterprises", sort_keys=BY_NAME, render=render.enterprise
    )


@operation(
    bp,
    "GET",
    ENT,
    op_id="getEnterprise",
    produces="enterprise",
    errors=("EN-0",),
    label="verified",
    links={"ListLimits": ("listLimits", {"enterprise": "$request.path.enterprise"})},
)
def get_enterprise(enterprise):
    return render.enterprise(model.enterprise(store_of(), g.user, enterprise))


@operation(
    bp,
    "GET",
    "/cloud/locations",
    op_id="listLocations",
    produces="datacenters",
    paged=BY_NAME_OR_LOCATION,
    label="verified",
    links={"GetLocation": ("getLocation", {"loc": "$response.body#/collection/0/id"})},
)
def list_locations():
    policies = release.of(store_of()).has_policies
    return collection(
        model.locations(store_of(), g.user),
        media="datacenters",
        sort_keys=BY_NAME_OR_LOCATION,
        render=lambda dc: render.location(dc, policies),
    )


@operation(
    bp,
    "GET",
    "/cloud/locations/<int:loc>",
    op_id="getLocation",
    produces="datacenter",
    errors=("DC-0",),
    label="verified",
    links={"ListLocationBackupPolicies": ("listLocationBackupPolicies", {"loc": "$request.path.loc"})},
)
def get_location(loc):
    return render.location(model.location(store_of(), g.user, loc), release.of(store_of()).has_policies)


@operation(
    bp,
    "GET",
    "/cloud/virtualdatacenters",
    op_id="listVirtualDatacenters",
    produces="virtualdatacenters",
    paged=BY_NAME,
    label="verified",
    links={"GetVirtualDatacenter": ("getVirtualDatacenter", {"vdc": "$response.body#/collection/0/id"})},
)
def list_virtual_datacenters():
    return collection(
        model.virtual_datacenters(store_of(), g.user),
        media="virtualdatacenters",
        sort_keys=BY_NAME,
        render=render.virtual_datacenter,
    )


@operation(
    bp,
    "GET",
    VDC,
    op_id="getVirtualDatacenter",
    produces="virtualdatacenter",
    errors=("VDC-0",),
    label="verified",
    links={"ListVirtualAppliances": ("listVirtualAppliances", {"vdc": "$request.path.vdc"})},
)
def get_virtual_datacenter(vdc):
    return render.virtual_datacenter(model.virtual_datacenter(store_of(), g.user, vdc))


@operation(
    bp,
    "GET",
    f"{VDC}/virtualappliances",
    op_id="listVirtualAppliances",
    produces="virtualappliances",
    errors=("VDC-0",),
    paged=BY_NAME,
    label="verified",
    links={
        "GetVirtualAppliance": (
            "getVirtualAppliance",
            {"vdc": "$request.path.vdc", "vapp": "$response.body#/collection/0/id"},
        )
    },
)
def list_virtual_appliances(vdc):
    return collection(
        model.virtual_appliances(store_of(), g.user, vdc),
        media="virtualappliances",
        sort_keys=BY_NAME,
        render=_virtual_appliance,
    )


def _virtual_appliance(va: dict) -> dict:
    """A virtual appliance is deployed while one of its VMs is; ?expand= asks for an (empty here) expansion."""
    state = "DEPLOYED" if model.is_appliance_deployed(store_of(), va["id"]) else "NOT_DEPLOYED"
    found = render.virtual_appliance({"state": state, **va})
    if request.args.get("expand"):
        found["expands"] = {"links": [], "collection": []}
    return found


@operation(
    bp,
    "GET",
    VAPP,
    op_id="getVirtualAppliance",
    produces="virtualappliance",
    errors=("VDC-0", "VAPP-0"),
    label="verified",
    links={"ListVirtualMachines": ("listVirtualMachines", {"vdc": "$request.path.vdc", "vapp": "$request.path.vapp"})},
)
def get_virtual_appliance(vdc, vapp):
    return _virtual_appliance(model.virtual_appliance(store_of(), g.user, vdc, vapp))


@operation(
    bp,
    "GET",
    f"{VAPP}/virtualmachines",
    op_id="listVirtualMachines",
    produces="virtualmachines",
    errors=("VDC-0", "VAPP-0"),
    paged=VM_SORT,
    label="verified",
    links={
        "GetVirtualMachine": (
            "getVirtualMachine",
            {"vdc": "$request.path.vdc", "vapp": "$request.path.vapp", "vm": "$response.body#/collection/0/id"},
        )
    },
)
def list_virtual_machines(vdc, vapp):
    return collection(
        model.appliance_vms(store_of(), g.user, vdc, vapp),
        media="virtualmachines",
        sort_keys=VM_SORT,
        render=render.virtual_machine,
    )


@operation(
    bp,
    "GET",
    VIRTUAL_MACHINE,
    op_id="getVirtualMachine",
    produces="virtualmachine",
    errors=("VDC-0", "VAPP-0", "VM-1"),
    label="verified",
    links={
        "GetMetadata": (
            "getMetadata",
            {"vdc": "$request.path.vdc", "vapp": "$request.path.vapp", "vm": "$request.path.vm"},
        )
    },
)
def get_virtual_machine(vdc, vapp, vm):
    return render.virtual_machine(model.virtual_machine(store_of(), g.user, vdc, vapp, vm))


@operation(
    bp,
    "GET",
    "/cloud/virtualmachines",
    op_id="listAllVirtualMachines",
    produces="virtualmachines",
    paged=VM_SORT,
    label="verified",
    summary="Every VM the caller may see",
)
def list_all_virtual_machines():
    return collection(
        model.visible_virtual_machines(store_of(), g.user),
        media="virtualmachines",
        sort_keys=VM_SORT,
        render=render.virtual_machine,
    )
