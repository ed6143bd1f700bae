"""The backup endpoints (blueprint registered under /api): datacenter backup properties and policies, the
tenant's view of them, and the legacy 3.8 configuration. Policies are allowed through limits (limits/)."""

from __future__ import annotations

import copy

from flask import Blueprint, g

from ..events import emitters
from ..extensions import store_of
from ..http.api import Written, operation
from ..http.links import link
from ..http.paging import BY_ID, BY_NAME, collection
from ..infrastructure import model as infrastructure
from ..infrastructure.constants import DATACENTER
from ..infrastructure.render import datacenter_path, location_path
from ..release import BACKUP_POLICIES as POLICIES
from . import legacy, model, tenant
from .constants import GRANULARITIES

bp = Blueprint("backup", __name__)
DC = DATACENTER
LOC = "/cloud/locations/<int:loc>"
MANAGE = "PHYS_DC_ALLOW_BACKUP_CONFIG"
ENUMERATE = "PHYS_DC_ENUMERATE"
POLICY_SORT = ("name", "code", "id")
POLICY_ERRORS = ("BC-5", "BC-8", "BC-12", "BC-13", "BC-16", "BC-19", "BC-24", "BC-28", "BC-30", "BC-33")
THIS_POLICY = {"dc": "$request.path.dc", "policy": "$response.body#/id"}


# --- rendering ------------------------------------------------------------------------------------------


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


# --- datacenter backup properties -----------------------------------------------------------------------


@operation(
    bp,
    "GET",
    f"{DC}/backupproperties",
    op_id="getBackupProperties",
    since=POLICIES,
    produces="backupdatacenterproperties",
    privilege=ENUMERATE,
    errors=("DC-0",),
    label="reconstructed",
    links={"UpdateBackupProperties": ("updateBackupProperties", {"dc": "$request.path.dc"})},
)
def get_backup_properties(dc):
    return render_properties(model.datacenter_properties(store_of(), dc), datacenter_path(dc))


@operation(
    bp,
    "PUT",
    f"{DC}/backupproperties",
    op_id="updateBackupProperties",
    since=POLICIES,
    event=emitters.PROPERTIES_UPDATE,
    produces="backupdatacenterproperties",
    consumes="backupdatacenterproperties",
    privilege=MANAGE,
    errors=("DC-0", "BC-27"),
    label="reconstructed",
)
def update_backup_properties(dc, body):
    properties = model.update_properties(store_of(), dc, body)
    return Written(render_properties(properties, datacenter_path(dc)), {"datacenter": dc, **properties})


@operation(
    bp,
    "GET",
    f"{LOC}/backupproperties",
    op_id="getLocationBackupProperties",
    since=POLICIES,
    produces="backupdatacenterproperties",
    errors=("DC-0",),
    label="reconstructed",
)
def get_location_backup_properties(loc):
    infrastructure.location(store_of(), g.user, loc)
    return render_properties(model.properties(store_of(), loc), location_path(loc))


# --- backup policies (administrator) --------------------------------------------------------------------


@operation(
    bp,
    "GET",
    f"{DC}/backuppolicies",
    op_id="listBackupPolicies",
    since=POLICIES,
    produces="backuppolicies",
    privilege=ENUMERATE,
    errors=("DC-0",),
    paged=POLICY_SORT,
    label="verified",
    links={
        "GetBackupPolicy": ("getBackupPolicy", {"dc": "$request.path.dc", "policy": "$response.body#/collection/0/id"})
    },
)
def list_backup_policies(dc):
    return collection(
        model.policies(store_of(), dc),
        media="backuppolicies",
        sort_keys=POLICY_SORT,
        filter_fields=("name", "code"),
        render=lambda p: render_policy(p, datacenter_path(dc)),
    )


@operation(
    bp,
    "POST",
    f"{DC}/backuppolicies",
    op_id="createBackupPolicy",
    since=POLICIES,
    event=emitters.POLICY_CREATE,
    produces="backuppolicy",
    consumes="backuppolicy",
    status=201,
    privilege=MANAGE,
    errors=("DC-0", *POLICY_ERRORS),
    label="verified",
    links={
        "GetBackupPolicy": ("getBackupPolicy", THIS_POLICY),
        "UpdateBackupPolicy": ("updateBackupPolicy", THIS_POLICY),
        "DeleteBackupPolicy": ("deleteBackupPolicy", THIS_POLICY),
    },
)
def create_backup_policy(dc, body):
    created = model.create_policy(store_of(), dc, body)
    return Written(render_policy(created, datacenter_path(dc)), created)


@operation(
    bp,
    "GET",
    f"{DC}/backuppolicies/<int:policy>",
    op_id="getBackupPolicy",
    since=POLICIES,
    produces="backuppolicy",
    privilege=ENUMERATE,
    errors=("DC-0", "BC-23"),
    label="verified",
    links={"GetDatacenter": ("getDatacenter", {"dc": "$request.path.dc"})},
)
def get_backup_policy(dc, policy):
    return render_policy(model.policy(store_of(), dc, policy), datacenter_path(dc))


@operation(
    bp,
    "PUT",
    f"{DC}/backuppolicies/<int:policy>",
    op_id="updateBackupPolicy",
    since=POLICIES,
    event=emitters.POLICY_MODIFY,
    produces="backuppolicy",
    consumes="backuppolicy",
    privilege=MANAGE,
    errors=("DC-0", "BC-23", "BC-29", *POLICY_ERRORS),
    label="verified",
    summary="Replace a policy; code and configurations only while no VM is bound to it",
)
def update_backup_policy(dc, policy, body):
    updated = model.update_policy(store_of(), dc, policy, body)
    return Written(render_policy(updated, datacenter_path(dc)), updated)


@operation(
    bp,
    "DELETE",
    f"{DC}/backuppolicies/<int:policy>",
    op_id="deleteBackupPolicy",
    since=POLICIES,
    event=emitters.POLICY_DELETE,
    privilege=MANAGE,
    errors=("DC-0", "BC-23", "BC-25"),
    label="verified",
)
def delete_backup_policy(dc, policy):
    return Written(None, None, model.delete_policy(store_of(), dc, policy))


# --- backup policies (tenant view: those allowed to the caller's enterprise) ----------------------------


@operation(
    bp,
    "GET",
    f"{LOC}/backuppolicies",
    op_id="listLocationBackupPolicies",
    since=POLICIES,
    produces="backuppolicies",
    errors=("DC-0",),
    paged=POLICY_SORT,
    label="verified",
    summary="The policies of a location allowed to the caller's enterprise",
    links={
        "GetLocationBackupPolicy": (
            "getLocationBackupPolicy",
            {"loc": "$request.path.loc", "policy": "$response.body#/collection/0/id"},
        ),
        "GetLocationBackupProperties": ("getLocationBackupProperties", {"loc": "$request.path.loc"}),
    },
)
def list_location_backup_policies(loc):
    found = tenant.location_policies(store_of(), g.user, loc)
    return collection(
        found,
        media="backuppolicies",
        sort_keys=POLICY_SORT,
        filter_fields=("name", "code"),
        render=lambda p: render_policy(p, location_path(loc)),
    )


@operation(
    bp,
    "GET",
    f"{LOC}/backuppolicies/<int:policy>",
    op_id="getLocationBackupPolicy",
    since=POLICIES,
    produces="backuppolicy",
    errors=("DC-0", "BC-23"),
    label="verified",
)
def get_location_backup_policy(loc, policy):
    return render_policy(tenant.location_policy(store_of(), g.user, loc, policy), location_path(loc))


# --- legacy 3.8 configuration ---------------------------------------------------------------------------


@operation(
    bp,
    "GET",
    "/config/backups",
    op_id="listBackupTemplates",
    produces="backups",
    paged=BY_NAME,
    label="verified",
    links={"GetBackupTemplate": ("getBackupTemplate", {"template": "$response.body#/collection/0/id"})},
)
def list_backup_templates():
    return collection(legacy.templates(store_of()), media="backups", sort_keys=BY_NAME, render=render_template)


@operation(
    bp,
    "GET",
    "/config/backups/<int:template>",
    op_id="getBackupTemplate",
    produces="backup",
    errors=("BC-1",),
    label="verified",
)
def get_backup_template(template):
    return render_template(legacy.template(store_of(), template))


@operation(
    bp,
    "GET",
    f"{DC}/backups",
    op_id="listDatacenterBackups",
    produces="backups",
    privilege=ENUMERATE,
    errors=("DC-0",),
    paged=BY_ID,
    label="verified",
    links={
        "GetDatacenterBackup": (
            "getDatacenterBackup",
            {"dc": "$request.path.dc", "backup": "$response.body#/collection/0/id"},
        )
    },
)
def list_datacenter_backups(dc):
    return collection(
        legacy.datacenter_backups(store_of(), dc), media="backups", sort_keys=BY_ID, render=render_datacenter_backup
    )


@operation(
    bp,
    "PUT",
    f"{DC}/backups",
    op_id="replaceDatacenterBackups",
    produces="backups",
    consumes="backups",
    privilege=MANAGE,
    errors=("DC-0", "GEN-6", "BC-1", "BC-2", "BC-4"),
    label="verified",
    summary="Keep exactly the listed template configurations in the datacenter",
)
def replace_datacenter_backups(dc, body):
    stored = legacy.replace_datacenter_backups(store_of(), dc, body)
    return collection(stored, media="backups", sort_keys=BY_ID, render=render_datacenter_backup)


@operation(
    bp,
    "POST",
    f"{DC}/backups",
    op_id="createDatacenterBackup",
    produces="backup",
    consumes="backup",
    status=201,
    privilege=MANAGE,
    errors=("DC-0", "GEN-6", "BC-1", "BC-2", "BC-4"),
    label="verified",
    links={
        name: (target, {"dc": "$request.path.dc", "backup": "$response.body#/id"})
        for name, target in (
            ("GetDatacenterBackup", "getDatacenterBackup"),
            ("UpdateDatacenterBackup", "updateDatacenterBackup"),
            ("DeleteDatacenterBackup", "deleteDatacenterBackup"),
        )
    },
)
def create_datacenter_backup(dc, body):
    return render_datacenter_backup(legacy.create_datacenter_backup(store_of(), dc, body))


@operation(
    bp,
    "GET",
    f"{DC}/backups/<int:backup>",
    op_id="getDatacenterBackup",
    produces="backup",
    privilege=ENUMERATE,
    errors=("DC-0", "BC-3"),
    label="verified",
)
def get_datacenter_backup(dc, backup):
    return render_datacenter_backup(legacy.datacenter_backup(store_of(), dc, backup))


@operation(
    bp,
    "PUT",
    f"{DC}/backups/<int:backup>",
    op_id="updateDatacenterBackup",
    produces="backup",
    consumes="backup",
    privilege=MANAGE,
    errors=("DC-0", "BC-3", "GEN-6", "BC-1", "BC-2", "BC-4"),
    label="verified",
)
def update_datacenter_backup(dc, backup, body):
    return render_datacenter_backup(legacy.update_datacenter_backup(store_of(), dc, backup, body))


@operation(
    bp,
    "DELETE",
    f"{DC}/backups/<int:backup>",
    op_id="deleteDatacenterBackup",
    privilege=MANAGE,
    errors=("DC-0", "BC-3"),
    label="verified",
)
def delete_datacenter_backup(dc, backup):
    legacy.delete_datacenter_backup(store_of(), dc, backup)
