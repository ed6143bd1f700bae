"""The metadata endpoints (blueprint registered under /api): a VM's metadata and the restore of a backup."""

from __future__ import annotations

from flask import Blueprint, g

from ..events import emitters
from ..extensions import store_of
from ..http import media
from ..http.api import Written, operation
from ..infrastructure.constants import VIRTUAL_MACHINE, VM_ERRORS
from . import model, restore

bp = Blueprint("metadata", __name__)
VM = VIRTUAL_MACHINE
SCHEDULE_ERRORS = (
    "BC-5",
    "BC-6",
    "BC-8",
    "BC-9",
    "BC-10",
    "BC-11",
    "BC-12",
    "BC-13",
    "BC-14",
    "BC-15",
    "BC-16",
    "BC-17",
    "BC-18",
    "BC-19",
)
POLICY_ERRORS = ("BC-23", "BC-27", "BC-32", "BC-34", "BC-36", "403-FORBIDDEN")
SAME_VM = {"vdc": "$request.path.vdc", "vapp": "$request.path.vapp", "vm": "$request.path.vm"}


def _envelope(metadata: dict | None) -> dict:
    return {"links": [], "metadata": metadata}


@operation(
    bp,
    "GET",
    f"{VM}/metadata",
    op_id="getMetadata",
    produces="metadata",
    errors=VM_ERRORS,
    label="verified",
    summary="The VM's metadata (null when it has none)",
    links={"UpdateMetadata": ("updateMetadata", SAME_VM)},
)
def get_metadata(vdc, vapp, vm):
    return _envelope(model.metadata(store_of(), g.user, vdc, vapp, vm))


@operation(
    bp,
    "PUT",
    f"{VM}/metadata",
    op_id="updateMetadata",
    produces="metadata",
    consumes="metadata",
    event=emitters.METADATA_MODIFIED,
    errors=VM_ERRORS + SCHEDULE_ERRORS + POLICY_ERRORS,
    label="verified",
    summary="Replace the VM's whole metadata; backup configuration by the policy rules",
    links={"GetMetadata": ("getMetadata", SAME_VM)},
)
def update_metadata(vdc, vapp, vm, body):
    if g.body_format == media.XML:  # what XML cannot type, sent back as read, keeps its stored type
        from ..http import xmldoc

        body = xmldoc.keep_types(body, _envelope(model.metadata(store_of(), g.user, vdc, vapp, vm)))
    updated = model.update_metadata(store_of(), g.user, vdc, vapp, vm, body)
    return Written(_envelope(updated["metadata"]), updated)


@operation(
    bp,
    "DELETE",
    f"{VM}/metadata",
    op_id="deleteMetadata",
    event=emitters.METADATA_MODIFIED,
    errors=(*VM_ERRORS, "BC-36", "403-FORBIDDEN"),
    label="documented",
    summary="Remove all of the VM's metadata, policy bindings included",
)
def delete_metadata(vdc, vapp, vm):
    return Written(None, model.delete_metadata(store_of(), g.user, vdc, vapp, vm))


@operation(
    bp,
    "POST",
    f"{VM}/action/restorebackup",
    op_id="restoreBackup",
    consumes="restore",
    event=emitters.RESTORE_BACKUP,
    privilege="VAPP_RESTORE_BACKUP",
    errors=(*VM_ERRORS, "BC-20", "BC-22", "409-CONFLICT"),
    label="verified",
    summary="Request the restore of one of the VM's backups",
)
def restore_backup(vdc, vapp, vm, body):
    return Written(None, restore.restore_backup(store_of(), g.user, vdc, vapp, vm, body))
