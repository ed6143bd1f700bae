"""The values of the infrastructure context: the routes other contexts hang their operations under, and the
states of a virtual machine."""

from __future__ import annotations

from ..http.integers import JAVA_INT, JAVA_LONG, JavaInteger

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
REPOSITORY_LIMITS = ("repositorySoftInMb", "repositoryHardInMb")
# The Java type of each limit of Abiquo's model (SingleResourceWithLimitsDto, and DatacenterLimitsDto for the
# repository): the CPU and RAM limits are ints, the disk, storage, VLAN, public IP and repository limits longs.
LIMIT_TYPES: dict[str, JavaInteger] = {
    name: JAVA_INT if name.startswith(("cpuCount", "ram")) else JAVA_LONG for name in (*LIMITS, *REPOSITORY_LIMITS)
}
