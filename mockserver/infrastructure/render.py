"""How infrastructure entities look on the wire: their fields and the links a client follows."""

from __future__ import annotations

from ..http.links import link
from . import schemas  # noqa: F401  (registers the infrastructure media types)


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


def datacenter(dc: dict) -> dict:
    base = datacenter_path(dc["id"])
    return {
        "id": dc["id"],
        "name": dc["name"],
        "location": dc.get("location", ""),
        "links": [
            link("edit", base, "datacenter", dc["name"]),
            link("racks", f"{base}/racks", "racks", "racks"),
            link("backuppolicies", f"{base}/backuppolicies", "backuppolicies", "backup policies"),
            link(
                "backupproperties",
                f"{base}/backupproperties",
                "backupdatacenterproperties",
                "backup datacenter properties",
            ),
            link("backups", f"{base}/backups", "backups", "backups"),
        ],
    }


def location(dc: dict) -> dict:
    base = location_path(dc["id"])
    return {
        "id": dc["id"],
        "name": dc["name"],
        "location": dc.get("location", ""),
        "links": [
            link("edit", base, "datacenter", dc["name"]),
            link("backuppolicies", f"{base}/backuppolicies", "backuppolicies", "backup policies"),
            link(
                "backupproperties",
                f"{base}/backupproperties",
                "backupdatacenterproperties",
                "backup location properties",
            ),
        ],
    }


def rack(r: dict) -> dict:
    base = f"{datacenter_path(r['datacenter'])}/racks/{r['id']}"
    return {
        "id": r["id"],
        "name": r["name"],
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
        "links": [
            link("edit", base, "enterprise", e["name"]),
            link("limits", f"{base}/limits", "limits", "limits"),
        ],
    }


def virtual_datacenter(v: dict) -> dict:
    base = vdc_path(v["id"])
    return {
        "id": v["id"],
        "name": v["name"],
        "links": [
            link("edit", base, "virtualdatacenter", v["name"]),
            link("enterprise", f"/admin/enterprises/{v['enterprise']}", "enterprise"),
            link("location", location_path(v["datacenter"]), "datacenter"),
            link("virtualappliances", f"{base}/virtualappliances", "virtualappliances", "virtual appliances"),
        ],
    }


def virtual_appliance(va: dict) -> dict:
    base = vapp_path(va["virtualdatacenter"], va["id"])
    return {
        "id": va["id"],
        "name": va["name"],
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


def user(u: dict) -> dict:
    return {
        "id": u["id"],
        "nick": u["nick"],
        "name": u.get("name", u["nick"]),
        "surname": u.get("surname", ""),
        "email": u.get("email", ""),
        "locale": u.get("locale", "en_US"),
        "authType": "ABIQUO",
        "active": u.get("active", True),
        "locked": False,
        "firstLogin": False,
        "links": [
            link("edit", f"/admin/enterprises/{u['enterprise']}/users/{u['id']}", "user", u["nick"]),
            link("enterprise", f"/admin/enterprises/{u['enterprise']}", "enterprise"),
            link("role", f"/admin/roles/{u['role']}", "role"),
        ],
    }


def role(r: dict, privileges: list[str]) -> dict:
    return {
        "id": r["id"],
        "name": r["name"],
        "privileges": privileges,
        "links": [link("edit", f"/admin/roles/{r['id']}", "role", r["name"])],
    }
