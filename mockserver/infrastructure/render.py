"""How infrastructure entities look on the wire: their fields and the links a client follows."""

from __future__ import annotations

from ..http.links import link
from .constants import LIMITS


def datacenter_path(dc_id: int) -> str:
    return f"/admin/datacenters/{dc_id}"


def location_path(dc_id: int) -> str:
    return f"/cloud/locations/{dc_id}"


def vdc_path(vdc_id: int) -> str:
    return f"/cloud/virtualdatacenters/{vdc_id}"


def vapp_path(vdc_id: int, vapp_id: int) -> str:
    return f"{vdc_path(vdc_id)}/virtualappliances/{vapp_id}"


def vm_path(vm: dict) -> str:
    return f"{vapp_path(vm['virtualdatacenter'], vm['virtualappliance'])}/virtualmachines/{vm['id']}"


def policy_path(dc_id: int, policy_id: int) -> str:
    return f"{datacenter_path(dc_id)}/backuppolicies/{policy_id}"


# Fields Abiquo's entities carry that the backup surface has no use for: a scenario document may set any of
# them; otherwise these plausible values are served (no limits, nothing reserved, nothing monitored).
RACK_DEFAULTS = {
    "shortDescription": "",
    "longDescription": "",
    "haEnabled": False,
    "nrsq": 10,
    "vlanIdMin": 2,
    "vlanIdMax": 4094,
    "vlanPerVdcReserved": 1,
    "vlansIdAvoided": "",
}
ENTERPRISE_DEFAULTS = {
    **dict.fromkeys((*LIMITS, "repositorySoftInMb", "repositoryHardInMb"), 0),
    "isReservationRestricted": False,
    "twoFactorAuthenticationMandatory": False,
    "workflow": False,
    "idPricingTemplate": None,
}
VM_DEFAULTS = {
    "type": "MANAGED",
    "idType": 0,
    "highDisponibility": 0,
    "monitored": False,
    "protected": False,
    "vdrpEnabled": False,
    "vdrpPort": 0,
}
# Abiquo's numeric id of each virtual machine state
STATE_IDS = {
    "NOT_ALLOCATED": 1,
    "ALLOCATED": 2,
    "CONFIGURED": 3,
    "ON": 4,
    "PAUSED": 5,
    "OFF": 6,
    "LOCKED": 7,
    "UNKNOWN": 8,
}


def defaults(doc: dict, values: dict) -> dict:
    """``values``, each replaced by the stored document's own when it has one."""
    return {name: doc.get(name, value) for name, value in values.items()}


def _policy_links(base: str, properties_title: str) -> list[dict]:
    return [
        link("backuppolicies", f"{base}/backuppolicies", "backuppolicies", "backup policies"),
        link("backupproperties", f"{base}/backupproperties", "backupdatacenterproperties", properties_title),
    ]


def datacenter(dc: dict, policies: bool = True) -> dict:
    """``policies``: the server has backup policies (3.8.5); a 3.8 datacenter links its legacy backups only."""
    base = datacenter_path(dc["id"])
    return {
        "id": dc["id"],
        "name": dc["name"],
        "location": dc.get("location", ""),
        "links": [
            link("edit", base, "datacenter", dc["name"]),
            link("racks", f"{base}/racks", "racks", "racks"),
            *(_policy_links(base, "backup datacenter properties") if policies else []),
            link("backups", f"{base}/backups", "backups", "backups"),
        ],
    }


def location(dc: dict, policies: bool = True) -> dict:
    base = location_path(dc["id"])
    return {
        "id": dc["id"],
        "name": dc["name"],
        "location": dc.get("location", ""),
        "links": [
            link("edit", base, "datacenter", dc["name"]),
            *(_policy_links(base, "backup location properties") if policies else []),
        ],
    }


def rack(r: dict) -> dict:
    base = f"{datacenter_path(r['datacenter'])}/racks/{r['id']}"
    return {
        "id": r["id"],
        "name": r["name"],
        **defaults(r, RACK_DEFAULTS),
        "links": [
            link("edit", base, "rack", r["name"]),
            link("datacenter", datacenter_path(r["datacenter"]), "datacenter"),
            link("machines", f"{base}/machines", "machines", "machines"),
        ],
    }


def machine(m: dict, dc_id: int) -> dict:
    base = f"{datacenter_path(dc_id)}/racks/{m['rack']}/machines/{m['id']}"
    return {
        "id": m["id"],
        "name": m["name"],
        "ip": m.get("ip", ""),
        "type": m.get("type", "VMX_04"),
        "state": m.get("state", "MANAGED"),
        **defaults(
            m,
            {
                "description": "",
                "ipService": m.get("ip", ""),
                "managerIp": None,
                "agentIp": None,
                "port": 443 if m.get("type", "VMX_04") == "VMX_04" else 0,
                "initiatorIQN": "",
                "virtualCpuCores": 32,
                "virtualCpusUsed": 0,
                "virtualRamInMb": 131072,
                "virtualRamUsedInMb": 0,
            },
        ),
        "datastores": {"links": [], "collection": []},
        "networkInterfaces": {"links": [], "collection": []},
        "links": [
            link("edit", base, "machine", m["name"]),
            link("rack", f"{datacenter_path(dc_id)}/racks/{m['rack']}", "rack"),
            link("virtualmachines", f"{base}/virtualmachines", "virtualmachines", "virtual machines"),
        ],
    }


def enterprise(e: dict) -> dict:
    base = f"/admin/enterprises/{e['id']}"
    return {
        "id": e["id"],
        "name": e["name"],
        **defaults(e, ENTERPRISE_DEFAULTS),
        "links": [
            link("edit", base, "enterprise", e["name"]),
            link("users", f"{base}/users", "users", "users"),
            link("limits", f"{base}/limits", "limits", "limits"),
        ],
    }


def virtual_datacenter(v: dict) -> dict:
    base = vdc_path(v["id"])
    return {
        "id": v["id"],
        "name": v["name"],
        **defaults(v, {**dict.fromkeys(LIMITS, 0), "hypervisorType": "VMX_04", "providerId": None, "syncState": None}),
        "vlan": _default_network(v),
        "links": [
            link("edit", base, "virtualdatacenter", v["name"]),
            link("enterprise", f"/admin/enterprises/{v['enterprise']}", "enterprise"),
            link("location", location_path(v["datacenter"]), "datacenter"),
            link("virtualappliances", f"{base}/virtualappliances", "virtualappliances", "virtual appliances"),
        ],
    }


def _default_network(v: dict) -> dict:
    """The virtual datacenter's default private network, as Abiquo embeds it."""
    return {
        "id": v["id"],
        "name": "default_private_network",
        "type": "INTERNAL",
        "address": "192.168.0.0",
        "mask": 24,
        "gateway": "192.168.0.1",
        "tag": None,
        "defaultNetwork": True,
        "strict": False,
        "ipv6": False,
        "primaryDNS": "",
        "secondaryDNS": "",
        "dhcpOptions": {"links": [], "collection": []},
        "links": [],
    }


def virtual_appliance(va: dict) -> dict:
    base = vapp_path(va["virtualdatacenter"], va["id"])
    return {
        "id": va["id"],
        "name": va["name"],
        **defaults(va, {"state": "NOT_DEPLOYED", "error": 0, "highDisponibility": 0, "publicApp": 0}),
        "links": [
            link("edit", base, "virtualappliance", va["name"]),
            link("virtualdatacenter", vdc_path(va["virtualdatacenter"]), "virtualdatacenter"),
            link("virtualmachines", f"{base}/virtualmachines", "virtualmachines", "virtual machines"),
        ],
    }


def virtual_machine(vm: dict) -> dict:
    base = vm_path(vm)
    return {
        "id": vm["id"],
        "name": vm["name"],
        "state": vm["state"],
        "uuid": vm.get("uuid", ""),
        "cpu": vm.get("cpu", 1),
        "ram": vm.get("ram", 1024),
        "idState": STATE_IDS.get(vm["state"], 8),
        **defaults(vm, VM_DEFAULTS),
        "variables": vm.get("variables") or {},
        "links": [
            link("edit", base, "virtualmachine", vm["name"]),
            link("metadata", f"{base}/metadata", "metadata", "metadata"),
            link("restorebackup", f"{base}/action/restorebackup", "acceptedrequest", "restore backup"),
            link("deploy", f"{base}/action/deploy", "acceptedrequest", "deploy"),
            link("undeploy", f"{base}/action/undeploy", "acceptedrequest", "undeploy"),
            link("tasks", f"{base}/tasks", "tasks", "tasks"),
            link("virtualdatacenter", vdc_path(vm["virtualdatacenter"]), "virtualdatacenter"),
            link("virtualappliance", vapp_path(vm["virtualdatacenter"], vm["virtualappliance"]), "virtualappliance"),
            link("enterprise", f"/admin/enterprises/{vm['enterprise']}", "enterprise"),
            link("location", location_path(vm["datacenter"]), "datacenter"),
        ],
    }
