"""How the backup context's entities are rendered: datacenter backup properties, policies, the legacy 3.8
templates and datacenter backups, each with the links Abiquo gives it."""

from __future__ import annotations

import copy

from ..extensions import store_of
from ..http.links import link
from ..infrastructure.render import datacenter_path
from .constants import GRANULARITIES


def render_properties(values: dict, base: str) -> dict:
    return {
        **values,
        "links": [
            link("edit", f"{base}/backupproperties", "backupdatacenterproperties", "backup datacenter properties"),
            link("datacenter", base, "datacenter"),
        ],
    }


def render_policy(policy: dict, base: str) -> dict:
    """``base`` is the datacenter as the caller reaches it: /admin/datacenters/{dc} or /cloud/locations/{loc}."""
    return {
        "id": policy["id"],
        "code": policy["code"],
        "name": policy["name"],
        "description": policy.get("description", ""),
        "backupConfigurations": copy.deepcopy(policy["backupConfigurations"]),
        "links": [
            link("edit", f"{base}/backuppolicies/{policy['id']}", "backuppolicy", policy["name"]),
            link("datacenter", base, "datacenter"),
        ],
    }


def render_template(template: dict) -> dict:
    return {
        "id": template["id"],
        "name": template["name"],
        # the granularities a template offers: every one, each datacenter enables some of them
        "attributes": list(template.get("attributes", GRANULARITIES)),
        "links": [link("edit", f"/config/backups/{template['id']}", "backup", template["name"])],
    }


def render_datacenter_backup(backup: dict) -> dict:
    template = store_of().get("backuptemplates", backup["template"]) or {"name": ""}
    own = f"{datacenter_path(backup['datacenter'])}/backups/{backup['id']}"
    return {
        "id": backup["id"],
        "name": template["name"],
        "attributes": list(backup.get("attributes", [])),
        "links": [
            link("datacenter", datacenter_path(backup["datacenter"]), "datacenter"),
            link("template", f"/config/backups/{backup['template']}", "backup", template["name"]),
            link("edit", own, "backup", template["name"]),
            link("backup", own, "backup", template["name"]),
        ],
    }
