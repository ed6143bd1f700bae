"""The values of the infrastructure context: the routes other contexts hang their operations under, and the
states of a virtual machine."""

from __future__ import annotations

# Flask rules below /api
DATACENTER = "/admin/datacenters/<int:dc>"
ENTERPRISE = "/admin/enterprises/<int:enterprise>"
VIRTUAL_DATACENTER = "/cloud/virtualdatacenters/<int:vdc>"
VIRTUAL_APPLIANCE = f"{VIRTUAL_DATACENTER}/virtualappliances/<int:vapp>"
VIRTUAL_MACHINE = f"{VIRTUAL_APPLIANCE}/virtualmachines/<int:vm>"

VM_ERRORS = ("VDC-0", "VAPP-0", "VM-1")  # what reaching a VM by its path can answer

VM_STATES = ("NOT_ALLOCATED", "ALLOCATED", "CONFIGURED", "ON", "OFF", "PAUSED", "LOCKED", "UNKNOWN")
NOT_DEPLOYED = "NOT_ALLOCATED"  # the state of a VM on no machine
# Datacenters (and locations) sort by where they are too, as Abiquo's do (?by=location)
BY_NAME_OR_LOCATION = ("name", "id", "location")

# The resource limits an enterprise and a datacenter limit carry (soft and hard of each).
LIMITS = (
    "cpuCountSoftLimit",
    "cpuCountHardLimit",
    "ramSoftLimitInMb",
    "ramHardLimitInMb",
    "diskSoftLimitInMb",
    "diskHardLimitInMb",
    "storageSoftInMb",
    "storageHardInMb",
    "vlansSoft",
    "vlansHard",
    "publicIpsSoft",
    "publicIpsHard",
)
